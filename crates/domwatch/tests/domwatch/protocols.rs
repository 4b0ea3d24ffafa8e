//! DNSSEC and glue findings end to end (issue 8): `inspect`, `audit` and `watch run` against the
//! lab with really signed zones (`tests/fixtures/protocols-extra.toml`).

use std::path::{Path, PathBuf};

use serde_json::Value;

async fn start() -> (lab::Lab, tempfile::TempDir, PathBuf) {
    let text = format!(
        "{}\n{}",
        lab::Scenario::builtin_text("default").unwrap(),
        include_str!("../fixtures/protocols-extra.toml")
    );
    let lab = lab::Lab::start(lab::Scenario::from_toml(&text).unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lab.toml");
    lab.write_config(&cfg).unwrap();
    (lab, dir, cfg)
}

async fn dw(cfg: &Path, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .arg("--config")
        .arg(cfg)
        .arg("--db")
        .arg(dir.join("w.db"))
        .arg("--no-progress")
        .args(args)
        .env("XDG_DATA_HOME", dir)
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("DOMWATCH_DB")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn codes(findings: &Value) -> Vec<(String, String)> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dnssec_bogus_no_glue_and_glue_mismatch_in_inspect_audit_and_watch() {
    let (lab, dir, cfg) = start().await;
    let d = dir.path();

    // inspect: the signed default zone is fine; the DS for a removed key and the glueless
    // delegation are critical (exit 1), with the evidence.
    let (code, out, err) = dw(&cfg, d, &["inspect", "hinode-logistics.com"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("DS ") && out.contains(" matches; 1 DNSKEY; DNSKEY signed; SOA signed"),
        "{out}"
    );
    let (code, out, err) = dw(&cfg, d, &["inspect", "sec-mismatch.com", "glueless.com"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("dnssec-bogus"), "{out}");
    assert!(out.contains("no such key"), "{out}");
    assert!(out.contains("no-glue"), "{out}");
    assert!(
        out.contains("not checked (in the domain, no glue at the parent)"),
        "{out}"
    );
    let (_, out, _) = dw(
        &cfg,
        d,
        &[
            "inspect",
            "--format",
            "json",
            "sec-mismatch.com",
            "glueless.com",
        ],
    )
    .await;
    let v: Value = serde_json::from_str(&out).unwrap();
    let all: Vec<Vec<(String, String)>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| codes(&r["findings"]))
        .collect();
    assert!(
        all[0].contains(&("dnssec-bogus".into(), "critical".into())),
        "{all:?}"
    );
    assert!(
        all[1].contains(&("no-glue".into(), "critical".into())),
        "{all:?}"
    );
    let bogus = v[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "dnssec-bogus")
        .unwrap();
    assert!(
        bogus["detail"].as_str().unwrap().contains("DNSKEY at"),
        "{bogus}"
    );

    // A registry without client locks: no no-registrar-lock, "not offered here" instead; a
    // .com name without locks keeps the finding.
    let (code, out, err) = dw(&cfg, d, &["inspect", "hinode-logistics.cz"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("no-registrar-lock"), "{out}");
    assert!(out.contains("not offered here (CZ.NIC:"), "{out}");
    // The gTLD table shows the registrar's abuse contact once (registry and registrar views
    // both carry it).
    let (_, out, _) = dw(&cfg, d, &["inspect", "hinode-logistics.com"]).await;
    assert_eq!(out.matches("abuse@corpreg.example").count(), 1, "{out}");

    // audit: inspect's findings on the audited names.
    let (code, out, err) = dw(&cfg, d, &["audit", "--format", "jsonl", "sec-mismatch.com"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.lines().any(|l| l.contains("\"dnssec-bogus\"")), "{out}");

    // A name server renumbered in the zone (the lab's `zone_addresses`), the old glue at .com:
    // glue-mismatch (high, exit 1) in inspect and in audit, with both address sets.
    let (code, out, err) = dw(&cfg, d, &["inspect", "--format", "json", "glue-moved.com"]).await;
    assert_eq!(code, 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        codes(&v[0]["findings"]).contains(&("glue-mismatch".into(), "high".into())),
        "{v}"
    );
    let f = v[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "glue-mismatch")
        .unwrap();
    assert_eq!(
        f["detail"], "ns1.glue-moved.com: glue 203.0.113.150 at com, zone says 198.51.100.99",
        "{f}"
    );
    let (code, out, err) = dw(&cfg, d, &["audit", "--format", "jsonl", "glue-moved.com"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.lines()
            .any(|l| l.contains("\"glue-mismatch\"") && l.contains("198.51.100.99")),
        "{out}"
    );

    // watch: healthy on day 0, the signatures expire on day 2: a new critical finding.
    let (code, out, err) = dw(&cfg, d, &["watch", "add", "sec-later.com"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = dw(&cfg, d, &["watch", "run", "--alert", "stdout"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("dnssec-bogus"), "{out}");
    lab.advance_days(2).await;
    let (code, out, err) = dw(&cfg, d, &["watch", "run", "--alert", "stdout"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("dnssec-bogus"), "{out}");
    lab.shutdown().await;
}
