//! The baselines of `bench/ct_follow.sh`: how fast a CT log's entries can be downloaded
//! (`get-entries`, nothing decoded), and downloaded and decoded (leaf, certificate, names),
//! with the same client `ct follow` uses.
//!
//! ```sh
//! cargo run --release -p probe --example ct_rate -- http://127.0.0.1:PORT/a/ [BATCH]
//! ```
//! Loopback is allowed (it is meant for the lab). Prints one JSON line per measurement.

use std::time::{Duration, Instant};

use probe::ct::{CtClientConfig, CtLogClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("usage: ct_rate LOG_URL [BATCH]")?;
    let batch: u64 = args.next().map(|b| b.parse()).transpose()?.unwrap_or(1024);
    let c = CtLogClient::new(
        &url,
        CtClientConfig {
            batch,
            min_interval: Duration::ZERO,
            allow_private: true,
            ..CtClientConfig::default()
        },
    )?;
    let size = c.sth(None).await?.tree_size;
    for decode in [false, true] {
        let started = Instant::now();
        let (mut next, mut names, mut bad) = (0u64, 0usize, 0usize);
        while next < size {
            if decode {
                let b = c.batch(next, size).await?;
                for e in &b.entries {
                    match e {
                        Ok(cert) => names += cert.names.len(),
                        Err(_) => bad += 1,
                    }
                }
                next += b.entries.len() as u64;
            } else {
                next += c.raw_batch(next, size).await?.len() as u64;
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{}",
            serde_json::json!({
                "what": if decode { "download+decode" } else { "download" },
                "entries": size,
                "names": names,
                "bad": bad,
                "seconds": secs,
                "entries_per_s": size as f64 / secs,
            })
        );
    }
    Ok(())
}
