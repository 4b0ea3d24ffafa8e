//! End-to-end tests of `domwatch parse`.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../probe/tests/fixtures/whois-samples")
}

fn domwatch(data: &Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data)
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("RUST_LOG");
    c
}

fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn jprs_organisational_sample_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = samples().join("jp_google.co.jp");
    let out = domwatch(dir.path())
        .args(["parse", "whois"])
        .arg(&file)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["domain"], "google.co.jp");
    assert_eq!(v["source"], "whois");
    assert_eq!(v["lookup"]["state"], "registered");
    let events = v["events"].as_array().unwrap();
    let date = |action: &str| {
        events
            .iter()
            .find(|e| e["action"] == action)
            .map(|e| e["date"].as_str().unwrap().to_string())
    };
    // JST kept
    assert_eq!(
        date("registration").as_deref(),
        Some("2001-03-22T00:00:00+09:00")
    );
    assert_eq!(
        date("expiration").as_deref(),
        Some("2024-03-31T00:00:00+09:00")
    );
    assert_eq!(
        date("last changed").as_deref(),
        Some("2023-04-01T01:05:57+09:00")
    );
    let ns: Vec<&str> = v["nameservers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(
        ns,
        [
            "ns1.google.com",
            "ns2.google.com",
            "ns3.google.com",
            "ns4.google.com"
        ]
    );
    let st: Vec<&str> = v["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(st, ["Connected", "AgentChangeLocked"]);
}

#[test]
fn icann_sample_as_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = samples().join("com_google.com");
    let out = domwatch(dir.path())
        .args(["parse", "whois"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.lines().next().unwrap().starts_with("field"), "{s}");
    assert!(s.contains("MarkMonitor, Inc."), "{s}");
    assert!(s.contains("2028-09-13T00:00:00-07:00"), "{s}");
    assert!(s.contains("clientTransferProhibited"), "{s}");
    assert!(s.contains("ns1.google.com"), "{s}");
}

#[test]
fn stdin_and_explicit_domain() {
    let dir = tempfile::tempdir().unwrap();
    let out = domwatch(dir.path())
        .args([
            "parse",
            "whois",
            "-",
            "--domain",
            "nothing-here.jp",
            "--format",
            "json",
        ])
        .write_stdin(
            "[ JPRS database provides information on network administration. ]\n\nNo match!!\n",
        )
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["domain"], "nothing-here.jp");
    assert_eq!(v["lookup"]["state"], "not-found");
    // a limit page is never "not found"
    let out = domwatch(dir.path())
        .args([
            "parse", "whois", "-", "--domain", "x.jp", "--format", "json",
        ])
        .write_stdin("Queried interval is too short.\n")
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["lookup"]["state"], "rate-limited");
}

#[test]
fn domain_from_file_name_and_tld_option() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jp_example.jp");
    let mut f = std::fs::File::create(&path).unwrap();
    // no domain in the text: the file name says which
    f.write_all(
        b"[Created on]                    2001/05/14\n[Expires on]                    2030/05/31\n",
    )
    .unwrap();
    drop(f);
    let out = domwatch(dir.path())
        .args(["parse", "whois"])
        .arg(&path)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["domain"], "example.jp");
    // the .jp conventions apply: JPRS labels, JST dates
    let expires = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "expiration")
        .map(|e| e["date"].as_str().unwrap().to_string());
    assert_eq!(expires.as_deref(), Some("2030-05-31T00:00:00+09:00"));
    let out = domwatch(dir.path())
        .args(["parse", "whois"])
        .arg(&path)
        .args(["--tld", "jp", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = domwatch(dir.path())
        .args(["parse", "whois", "/nonexistent/file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = domwatch(dir.path())
        .args(["parse", "whois", "-", "--domain", "bad..name"])
        .write_stdin("Domain Name: X\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = domwatch(dir.path())
        .args(["parse", "whois", "-"])
        .write_stdin("nothing that names a domain\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = domwatch(dir.path())
        .args(["parse", "whois", "-", "--domain", "a.jp", "--format", "csv"])
        .write_stdin("No match!!\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_sample_parses_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(samples()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".json") || name.ends_with(".md") || name == "LICENSE" {
            continue;
        }
        let out = domwatch(dir.path())
            .args(["parse", "whois"])
            .arg(&p)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let v = json_of(&out);
        let (_, dom) = name.split_once('_').unwrap();
        assert_eq!(v["domain"], dom, "{name}");
        assert_eq!(v["lookup"]["state"], "registered", "{name}");
        n += 1;
    }
    assert!(n >= 100);
}
