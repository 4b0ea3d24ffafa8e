//! Writes a generated resolver log for `domwatch beacons` (the benchmark's input) and measures
//! the analysis on it in-process: the false-positive rate on the ordinary part and the recall
//! of the planted beacons, DGAs and tunnels.
//!
//! ```sh
//! cargo run --release -p domwatch --example beacon_logs -- FORMAT OUT [ORDINARY] [PLANTED] [HOURS] [SEED]
//! ```
//! FORMAT: bind, unbound, zeek, zeek-json, dnstap. The generator is the integration tests' own
//! (`tests/domwatch/beacon_gen.rs`).

#[path = "../tests/domwatch/beacon_gen.rs"]
mod beacon_gen;

use domains::beacon::{Analyzer, BeaconAllowlist, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(format), Some(out)) = (args.first(), args.get(1)) else {
        return Err("usage: beacon_logs FORMAT OUT [ORDINARY] [PLANTED] [HOURS] [SEED]".into());
    };
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (ordinary, planted, hours, seed) = (num(2, 500), num(3, 10), num(4, 24), num(5, 1));
    let (qs, truth) = beacon_gen::generate(seed, ordinary as usize, planted as usize, hours);
    let bytes = match format.as_str() {
        "bind" => beacon_gen::bind(&qs).into_bytes(),
        "unbound" => beacon_gen::unbound(&qs).into_bytes(),
        "zeek" => beacon_gen::zeek_tsv(&qs).into_bytes(),
        "zeek-json" => beacon_gen::zeek_json(&qs).into_bytes(),
        "dnstap" => beacon_gen::dnstap(&qs),
        other => return Err(format!("unknown format {other}").into()),
    };
    std::fs::write(out, &bytes)?;

    let psl = domains::SuffixList::embedded();
    let allow = BeaconAllowlist::embedded();
    let ordinary_qs = qs.iter().filter(|q| q.client.starts_with("10.0."));
    let mut a = Analyzer::new(psl, &allow, Options::default());
    for q in ordinary_qs {
        a.add(q);
    }
    let r = a.finish();
    let fp = r.findings.len();
    let mut clients: Vec<&str> = r.findings.iter().map(|f| f.client.as_str()).collect();
    clients.dedup();
    let mut all = Analyzer::new(psl, &allow, Options::default());
    for q in &qs {
        all.add(q);
    }
    let all = all.finish();
    let found = |c: &str, d: Option<&str>| {
        all.findings
            .iter()
            .any(|f| f.client == c && (d.is_none() || f.domain.as_deref() == d))
    };
    let beacons = truth
        .beacons
        .iter()
        .filter(|(c, d, _)| found(c, Some(d)))
        .count();
    let dgas = truth.dga_clients.iter().filter(|c| found(c, None)).count();
    let tunnels = truth
        .tunnels
        .iter()
        .filter(|(c, d)| found(c, Some(d)))
        .count();
    println!(
        "{out}: {} queries ({} bytes); ordinary part: {} queries, {} allowlisted, {} client/domain pairs analysed, {fp} false positives ({:.4}% of pairs; {} of {ordinary} clients)",
        qs.len(),
        bytes.len(),
        r.stats.queries,
        r.stats.allowed,
        r.stats.pairs,
        100.0 * fp as f64 / r.stats.pairs.max(1) as f64,
        clients.len(),
    );
    println!(
        "planted: beacons {beacons}/{}, DGA clients {dgas}/{}, tunnels {tunnels}/{}",
        truth.beacons.len(),
        truth.dga_clients.len(),
        truth.tunnels.len()
    );
    Ok(())
}
