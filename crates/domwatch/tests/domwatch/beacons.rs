//! `domwatch beacons`: generated resolver logs in every format (`beacon_gen`), with planted
//! beacons, DGAs and tunnels among ordinary traffic; allowlists, gzip, hostile input.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;

use super::beacon_gen::{self, Planted};

fn domwatch(data: &Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data)
        .env_remove("DOMWATCH_PSL")
        .env_remove("RUST_LOG");
    c
}

fn findings(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let out = domwatch(dir)
        .arg("beacons")
        .args(["--format", "jsonl"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn has(f: &[serde_json::Value], client: &str, domain: Option<&str>, signal: &str) -> bool {
    f.iter().any(|x| {
        x["client"] == client
            && x["domain"].as_str() == domain
            && x["signals"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s == signal))
    })
}

/// Every planted thing is found, nothing of the ordinary part is.
fn check(f: &[serde_json::Value], planted: &Planted, what: &str) {
    for (client, domain, interval) in &planted.beacons {
        assert!(
            has(f, client, Some(domain), "periodic"),
            "{what}: beacon {client} -> {domain} every {interval} s not found: {f:#?}"
        );
    }
    for client in &planted.dga_clients {
        assert!(has(f, client, None, "dga"), "{what}: DGA {client}: {f:#?}");
    }
    for (client, domain) in &planted.tunnels {
        for s in [
            "long-labels",
            "many-subdomains",
            "high-entropy",
            "txt-heavy",
        ] {
            assert!(
                has(f, client, Some(domain), s),
                "{what}: tunnel {client} {s}: {f:#?}"
            );
        }
    }
    let ordinary: Vec<_> = f
        .iter()
        .filter(|x| x["client"].as_str().is_some_and(|c| c.starts_with("10.0.")))
        .collect();
    assert!(ordinary.is_empty(), "{what}: false positives {ordinary:#?}");
    let periodic = f
        .iter()
        .find(|x| x["domain"].as_str() == Some(planted.beacons[1].1.as_str()))
        .unwrap();
    let interval = periodic["interval_s"].as_f64().unwrap();
    assert!(
        (interval - planted.beacons[1].2 as f64).abs() < 0.1 * interval,
        "{periodic}"
    );
}

#[test]
fn planted_beacons_dgas_and_tunnels_are_found_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (qs, planted) = beacon_gen::generate(42, 20, 4, 12);
    let d = dir.path();
    let files: [(&str, Vec<u8>); 5] = [
        ("bind.log", beacon_gen::bind(&qs).into_bytes()),
        ("unbound.log", beacon_gen::unbound(&qs).into_bytes()),
        ("dns.log", beacon_gen::zeek_tsv(&qs).into_bytes()),
        ("dns.json", beacon_gen::zeek_json(&qs).into_bytes()),
        ("resolver.dnstap", beacon_gen::dnstap(&qs)),
    ];
    for (name, bytes) in &files {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        let f = findings(d, &[p.to_str().unwrap()]);
        check(&f, &planted, name);
    }
    // Gzip, and a format given explicitly.
    let gz = d.join("dns.log.gz");
    let mut e = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    e.write_all(&files[2].1).unwrap();
    e.finish().unwrap();
    let f = findings(d, &["--log-format", "zeek", gz.to_str().unwrap()]);
    check(&f, &planted, "dns.log.gz");

    // The summary and the table.
    let out = domwatch(d)
        .args(["beacons", d.join("dns.log").to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("periodic"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(0 bad, skipped)"), "{stderr}");
    assert!(stderr.contains("allowlisted"), "{stderr}");
}

#[test]
fn allowlists_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (qs, planted) = beacon_gen::generate(7, 3, 1, 6);
    let log = d.join("dns.json");
    std::fs::write(&log, beacon_gen::zeek_json(&qs)).unwrap();
    let log = log.to_str().unwrap();
    let (client, domain, _) = &planted.beacons[0];
    let allow = d.join("allow.txt");
    std::fs::write(&allow, format!("# ours\n{domain}\nnot a domain\n")).unwrap();
    let f = findings(d, &["--allow", allow.to_str().unwrap(), log]);
    assert!(!f.iter().any(|x| x["client"] == client.as_str()), "{f:#?}");
    assert!(!f.is_empty());

    // Without the embedded list, the OS timers of ordinary clients are (correctly) periodic.
    let f = findings(d, &["--no-default-allow", log]);
    assert!(
        f.iter()
            .any(|x| x["client"].as_str().unwrap().starts_with("10.0.")
                && x["signals"][0] == "periodic"),
        "{f:#?}"
    );

    let out = domwatch(d)
        .args(["beacons", "--fail-on-finding", "--format", "json", log])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j["stats"]["allowed"].as_u64().unwrap() > 0, "{j}");
    let f = findings(d, &["--min-score", "100", log]);
    assert!(
        !f.is_empty() && f.iter().all(|x| x["score"] == 100),
        "{f:#?}"
    );
    let out = domwatch(d)
        .args(["beacons", d.join("absent.log").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn hostile_logs_are_counted_never_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (qs, planted) = beacon_gen::generate(9, 2, 1, 6);
    let mut text = beacon_gen::bind(&qs);
    text.push_str(&"A".repeat(100_000));
    text.push('\n');
    text.push_str("07-Dec-2026 99:99:99.000 queries: info: client 1.2.3.4#1: query: a.com IN A\n");
    text.push_str("07-Dec-2026 12:00:00.000 queries: info: client nohost: query: a.com IN A\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\x00 client \xc3\x28 query: \n");
    let p = d.join("bind.log");
    std::fs::write(&p, &bytes).unwrap();
    let out = domwatch(d)
        .args(["beacons", "--format", "jsonl", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&planted.beacons[0].1), "{stdout}");
    let out = domwatch(d)
        .args(["beacons", "-v", "--format", "jsonl", p.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(4 bad, skipped)"), "{stderr}");

    // A dnstap file cut in the middle of a frame, and one with a huge frame length.
    let mut tap = beacon_gen::dnstap(&qs);
    tap.truncate(tap.len() - 7);
    let p = d.join("cut.dnstap");
    std::fs::write(&p, &tap).unwrap();
    let f = findings(d, &[p.to_str().unwrap()]);
    assert!(has(
        &f,
        &planted.beacons[0].0,
        Some(&planted.beacons[0].1),
        "periodic"
    ));
    let mut bad = vec![0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2];
    bad.extend_from_slice(&[0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
    let p = d.join("huge.dnstap");
    std::fs::write(&p, &bad).unwrap();
    let out = domwatch(d)
        .args(["beacons", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dnstap frame"));
    // Text nobody logs.
    let p = d.join("junk.txt");
    std::fs::write(&p, "hello world\n").unwrap();
    let out = domwatch(d)
        .args(["beacons", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--log-format"));
}
