//! The lab's CT logs: RFC 6962 `get-sth` and `get-entries`, read with plain HTTP and JSON.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use super::common::{http_client, start};

async fn get(url: &str) -> (u16, Value) {
    let r = http_client().get(url).send().await.unwrap();
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    ctx.finish().as_ref().try_into().unwrap()
}

fn mth(h: &[[u8; 32]]) -> [u8; 32] {
    if h.len() == 1 {
        return h[0];
    }
    let k = h.len().next_power_of_two() / 2;
    sha256(&[&[1], &mth(&h[..k]), &mth(&h[k..])])
}

#[tokio::test]
async fn logs_grow_with_the_clock_and_answer_in_batches() {
    let lab = start().await;
    let logs = lab.net_config().ct_logs;
    assert_eq!(logs.len(), 2);
    let a = &logs[0];
    let sc = lab.scenario();
    // Day 0: one certificate per watched domain, the feed names of day 0, 20 ordinary ones.
    let feed0 = sc
        .scenario
        .feed
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 == 0)
        .count();
    let day0 = sc.scenario.watch.len() + feed0 + 20;
    let (s, sth) = get(&format!("{a}ct/v1/get-sth")).await;
    assert_eq!(s, 200);
    assert_eq!(sth["tree_size"].as_u64().unwrap() as usize, day0);
    assert_eq!(
        B64.decode(sth["sha256_root_hash"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );

    // At most max_batch (32) entries per answer, whatever was asked.
    let (s, e) = get(&format!("{a}ct/v1/get-entries?start=0&end=999")).await;
    assert_eq!(s, 200);
    let entries = e["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 32);
    let (_, rest) = get(&format!("{a}ct/v1/get-entries?start=32&end=999")).await;
    let mut all: Vec<Vec<u8>> = entries
        .iter()
        .chain(rest["entries"].as_array().unwrap())
        .map(|e| B64.decode(e["leaf_input"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(all.len(), day0);
    // MerkleTreeLeaf v1, timestamped_entry; x509 (0) or precert (1) entries; the root matches.
    for l in &all {
        assert_eq!(&l[..2], &[0, 0]);
        assert!(matches!(u16::from_be_bytes([l[10], l[11]]), 0 | 1));
    }
    assert!(all.iter().any(|l| l[11] == 1), "some precertificates");
    let hashes: Vec<[u8; 32]> = all.iter().map(|l| sha256(&[&[0], l])).collect();
    assert_eq!(
        B64.encode(mth(&hashes)),
        sth["sha256_root_hash"].as_str().unwrap()
    );
    // Beyond the tree: 400.
    let (s, _) = get(&format!(
        "{a}ct/v1/get-entries?start={day0}&end={}",
        day0 + 5
    ))
    .await;
    assert_eq!(s, 400);
    // Log b has every other entry.
    let (_, sth_b) = get(&format!("{}ct/v1/get-sth", logs[1])).await;
    assert_eq!(
        sth_b["tree_size"].as_u64().unwrap() as usize,
        day0.div_ceil(2)
    );

    // The clock moves: the log grows, and what was there stays as it was.
    lab.advance_days(1).await;
    let (_, sth2) = get(&format!("{a}ct/v1/get-sth")).await;
    let feed1 = sc
        .scenario
        .feed
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 == 1)
        .count();
    assert_eq!(
        sth2["tree_size"].as_u64().unwrap() as usize,
        day0 + feed1 + 20
    );
    let (_, again) = get(&format!("{a}ct/v1/get-entries?start=0&end=0")).await;
    all.truncate(1);
    assert_eq!(
        B64.decode(again["entries"][0]["leaf_input"].as_str().unwrap())
            .unwrap(),
        all[0]
    );
    lab.shutdown().await;
}
