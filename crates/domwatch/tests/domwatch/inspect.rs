//! End-to-end tests of `domwatch inspect` against the lab (in-process, on loopback).

use serde_json::Value;

async fn inspect(cfg: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .arg("--config")
        .arg(cfg)
        .arg("--no-progress")
        .arg("inspect")
        .args(args)
        .env_remove("DOMWATCH_CONFIG")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_dns_and_findings() {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lab.toml");
    lab.write_config(&cfg).unwrap();

    // A healthy, locked, signed name: exit 0, the registry and registrar views in the table.
    let (code, out, err) = inspect(&cfg, &["www.hinode-logistics.com"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("== hinode-logistics.com (registrable domain of www.hinode-logistics.com)")
    );
    assert!(out.contains("(IANA 9991)"), "{out}");
    assert!(out.contains("abuse@corpreg.example"), "{out}");
    assert!(out.contains("clientTransferProhibited"), "{out}");
    assert!(out.contains("lifecycle phase"), "{out}");
    assert!(out.contains("findings: none"), "{out}");

    // JSON for machines: a lame nameserver, a name in grace, an unregistered name.
    let (code, out, err) = inspect(
        &cfg,
        &[
            "--format",
            "json",
            "--expiry-warning-days",
            "10",
            "hinode-logistics.net",
            "dotmobiregistry.net",
            "never-registered-here.com",
        ],
    )
    .await;
    assert_eq!(code, 1, "high findings exit 1: {out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let results = v.as_array().unwrap();
    assert_eq!(results.len(), 3);
    let codes = |i: usize| -> Vec<String> {
        results[i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        codes(0).contains(&"lame-delegation".to_string()),
        "{:?}",
        codes(0)
    );
    let lame = &results[0]["findings"][0];
    assert_eq!(lame["severity"], "high");
    assert!(lame["remediation"].as_str().unwrap().len() > 10);
    assert_eq!(results[1]["snapshot"]["phase"], "auto-renew-grace");
    assert!(codes(1).contains(&"in-auto-renew-grace".to_string()));
    assert_eq!(results[2]["snapshot"]["phase"], "not-registered");
    assert_eq!(codes(2), vec!["not-registered"]);

    // After the lab clock passes the hijack, the registry still shows no lock.
    lab.advance_days(13).await;
    let (code, out, _) = inspect(&cfg, &["--high-value", "hinode-logistics.com"]).await;
    assert_eq!(code, 0, "medium findings only: {out}");
    assert!(out.contains("no-registrar-lock"), "{out}");
    assert!(out.contains("no-registry-lock"), "{out}");
    assert!(out.contains("Offshore Transfers Registrar"), "{out}");

    // Usage errors: exit 2 before any network work.
    let (code, _, err) = inspect(&cfg, &["not a name"]).await;
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = inspect(&cfg, &["co.jp"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("public suffix"), "{err}");
    lab.shutdown().await;
}
