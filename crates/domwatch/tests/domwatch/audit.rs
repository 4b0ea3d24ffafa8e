//! End-to-end tests of `domwatch audit` against the lab: the default scenario plus one domain
//! per audit case (`tests/fixtures/audit-extra.toml`).

use serde_json::Value;

async fn audit(cfg: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .arg("--config")
        .arg(cfg)
        .arg("--no-progress")
        .arg("audit")
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

async fn start() -> (lab::Lab, tempfile::TempDir, std::path::PathBuf) {
    let text = format!(
        "{}\n{}",
        lab::Scenario::builtin_text("default").unwrap(),
        include_str!("../fixtures/audit-extra.toml")
    );
    let lab = lab::Lab::start(lab::Scenario::from_toml(&text).unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lab.toml");
    lab.write_config(&cfg).unwrap();
    (lab, dir, cfg)
}

fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn find<'a>(v: &'a [Value], name: &str, code: &str, reference: Option<&str>) -> Option<&'a Value> {
    v.iter().find(|f| {
        f["name"] == name
            && f["code"] == code
            && reference.is_none_or(|r| f["reference"].as_str() == Some(r))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reference_case_and_a_healthy_control() {
    let (_lab, _dir, cfg) = start().await;
    let (code, out, err) = audit(
        &cfg,
        &[
            "--format",
            "jsonl",
            "audit-org.com",
            "www.audit-duck.com",
            "audit-fake.com",
            "audit-unlocked.com",
            "hinode-logistics.com",
            "hinode-logistics.co.jp",
            "kuronekoyamato.mobi",
            "audit-healthy.com",
            "audit-ipnets.com",
            // Audited too: references to it are still checked (from its own snapshot).
            "newxt.com",
        ],
    )
    .await;
    assert_eq!(code, 1, "high findings exit 1: {out}{err}");
    let v = lines(&out);
    for f in &v {
        for key in [
            "name",
            "code",
            "severity",
            "reference",
            "via",
            "evidence",
            "remediation",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        assert!(
            f["evidence"]["at"]
                .as_str()
                .unwrap()
                .starts_with("2026-10-01"),
            "{f}"
        );
    }
    // An SPF include of an unregistered domain.
    let f = find(
        &v,
        "audit-org.com",
        "dangling-reference",
        Some("unregistered-esp.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["via"], serde_json::json!(["spf"]));
    assert!(
        f["evidence"]["seen"]
            .as_str()
            .unwrap()
            .contains("_spf.unregistered-esp.com"),
        "{f}"
    );
    // A lapsing MX domain and a DMARC report domain expiring soon.
    let f = find(
        &v,
        "audit-org.com",
        "lapsing-reference",
        Some("lapsing-mail.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["severity"], "high", "{f}");
    assert!(f["via"].as_array().unwrap().contains(&"mx".into()), "{f}");
    let f = find(
        &v,
        "audit-org.com",
        "lapsing-reference",
        Some("reports-soon.net"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["via"][0], "dmarc");
    // A CNAME to an unclaimed cloud name; the live one is quiet.
    let f = find(
        &v,
        "audit-org.com",
        "takeover",
        Some("gone-app.elasticbeanstalk.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["severity"], "high");
    assert!(
        find(
            &v,
            "audit-org.com",
            "takeover",
            Some("live-app.elasticbeanstalk.com")
        )
        .is_none()
    );
    // A CNAME to a bucket that S3 says does not exist (the site's 404 body).
    let f = find(
        &v,
        "hinode-logistics.co.jp",
        "takeover",
        Some("hinode-static.s3.amazonaws.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert!(
        f["evidence"]["seen"]
            .as_str()
            .unwrap()
            .contains("bucket does not exist"),
        "{f}"
    );
    // Healthy references are not reported.
    assert!(
        find(
            &v,
            "audit-org.com",
            "lapsing-reference",
            Some("corpdns.net")
        )
        .is_none(),
        "{out}"
    );
    // Sitting duck, fake name servers, lock posture.
    let f = find(
        &v,
        "audit-duck.com",
        "sitting-duck",
        Some("ns1.digitalocean.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["severity"], "critical");
    assert!(
        find(
            &v,
            "audit-fake.com",
            "fake-nameserver",
            Some("awsdns-017.net")
        )
        .is_some(),
        "{out}"
    );
    assert!(
        find(&v, "audit-unlocked.com", "no-registrar-lock", None).is_some(),
        "{out}"
    );
    // The talk's two drop-catch cases: the mail domain of the contacts of the IP network that
    // holds hinode-logistics.com's address (newxt.com), and the .mobi WHOIS server's domain.
    let f = find(
        &v,
        "hinode-logistics.com",
        "lapsing-reference",
        Some("newxt.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert!(
        f["via"].as_array().unwrap().contains(&"ip-contact".into()),
        "{f}"
    );
    // MTA-STS: an MX pattern of the policy (read over HTTPS) under an unregistered domain,
    // another under the lapsing mail domain; a TLS-RPT report domain that is unregistered.
    let f = find(
        &v,
        "audit-org.com",
        "dangling-reference",
        Some("gone-mx-vendor.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["via"], serde_json::json!(["mta-sts"]), "{f}");
    let f = find(
        &v,
        "audit-org.com",
        "lapsing-reference",
        Some("lapsing-mail.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    let via = f["via"].as_array().unwrap();
    assert!(
        via.contains(&"mx".into()) && via.contains(&"mta-sts".into()),
        "{f}"
    );
    let f = find(
        &v,
        "audit-org.com",
        "dangling-reference",
        Some("gone-tlsrpt.net"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["via"], serde_json::json!(["tls-rpt"]), "{f}");
    // The same for the addresses of its MX host and of a subdomain, not only its apex.
    let f = find(
        &v,
        "audit-ipnets.com",
        "dangling-reference",
        Some("oldmail-isp.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["via"], serde_json::json!(["ip-contact"]), "{f}");
    assert_eq!(f["severity"], "critical", "{f}");
    let f = find(
        &v,
        "audit-ipnets.com",
        "lapsing-reference",
        Some("lapsing-mail.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["via"], serde_json::json!(["ip-contact"]), "{f}");
    let f = find(
        &v,
        "kuronekoyamato.mobi",
        "lapsing-reference",
        Some("dotmobiregistry.net"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert!(
        f["via"]
            .as_array()
            .unwrap()
            .contains(&"whois-server".into()),
        "{f}"
    );
    // The registries' WHOIS hosts of the other TLDs are under registered names: nothing.
    assert!(
        find(
            &v,
            "hinode-logistics.com",
            "dangling-reference",
            Some("verisign-grs.com")
        )
        .is_none(),
        "{out}"
    );
    // The healthy control gets nothing above medium.
    let worst = v
        .iter()
        .filter(|f| f["name"] == "audit-healthy.com")
        .map(|f| f["severity"].as_str().unwrap().to_string())
        .find(|s| s == "high" || s == "critical");
    assert_eq!(worst, None, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formats_inventory_and_fail_on() {
    let (_lab, dir, cfg) = start().await;
    let inv = dir.path().join("inventory.txt");
    std::fs::write(
        &inv,
        "# our names\naudit-org.com\n\naudit-healthy.com  # the control\n",
    )
    .unwrap();
    let inv = inv.to_str().unwrap();

    // SARIF 2.1.0 with one rule per code.
    let (code, out, err) = audit(&cfg, &["--format", "sarif", "--file", inv]).await;
    assert_eq!(code, 1, "{err}");
    let s: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let results = s["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "dangling-reference" && r["level"] == "error")
    );
    let rules = s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "takeover"));

    // JSON carries the reference graph.
    let (_, out, _) = audit(&cfg, &["--format", "json", "audit-org.com"]).await;
    let j: Value = serde_json::from_str(&out).unwrap();
    let refs = j[0]["references"].as_array().unwrap();
    let has = |via: &str, target: &str| {
        refs.iter()
            .any(|r| r["via"] == via && r["target"] == target)
    };
    assert!(has("ns", "ns1.corpdns.net"), "{out}");
    assert!(has("mx", "mx.lapsing-mail.com"), "{out}");
    assert!(has("dmarc", "reports-soon.net"), "{out}");
    assert!(has("cname", "gone-app.elasticbeanstalk.com"), "{out}");

    // DOT draws it.
    let (_, out, _) = audit(&cfg, &["--format", "dot", "audit-org.com"]).await;
    assert!(out.starts_with("digraph references {"), "{out}");
    assert!(
        out.contains("\"audit-org.com\" -> \"mx.lapsing-mail.com\" [label=\"mx\"];"),
        "{out}"
    );

    // The table for people; --fail-on critical with only medium findings exits 0.
    let (code, out, err) = audit(&cfg, &["--fail-on", "critical", "audit-healthy.com"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("== audit-healthy.com"), "{out}");
    assert!(out.contains("references:"), "{out}");

    // --save keeps each name's audit in the store, for the console.
    let db = dir.path().join("audits.db");
    let db_s = db.to_str().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "--no-progress",
            "--db",
            db_s,
        ])
        .args(["audit", "--save", "--format", "json", "--file", inv])
        .env_remove("DOMWATCH_CONFIG")
        .output()
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = store::Store::open(&db).unwrap();
    let saved = s.latest_audits().unwrap();
    let names: Vec<&str> = saved.iter().map(|a| a.domain.as_str()).collect();
    assert_eq!(names, ["audit-healthy.com", "audit-org.com"]);
    let org = &saved[1];
    assert_eq!(org.worst.as_deref(), Some("critical"));
    assert_eq!(
        org.findings,
        org.audit["findings"].as_array().unwrap().len()
    );
    assert!(!org.audit["references"].as_array().unwrap().is_empty());

    // Usage errors.
    let (code, _, err) = audit(&cfg, &[]).await;
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = audit(&cfg, &["--fail-on", "urgent", "audit-org.com"]).await;
    assert_eq!(code, 2, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zone_files_add_every_owner_s_references() {
    let (_lab, dir, cfg) = start().await;
    // Records the live DNS does not show (a forgotten delegation and a CNAME of an owner not in
    // the built-in list): only the zone file tells the audit about them.
    let zone = dir.path().join("audit-healthy.com.zone");
    std::fs::write(
        &zone,
        "$TTL 3600\n\
         @        IN SOA ns1.corpdns.net. hostmaster.audit-healthy.com. 1 7200 900 1209600 300\n\
         @        IN NS  ns1.corpdns.net.\n\
         @        IN NS  ns2.corpdns.net.\n\
         legacy   IN NS  ns.forgotten-dns-host.com.\n\
         campaign IN CNAME gone-app.elasticbeanstalk.com.\n",
    )
    .unwrap();
    let zone = zone.to_str().unwrap();
    let (code, out, err) = audit(
        &cfg,
        &[
            "--format",
            "jsonl",
            "--zone",
            zone,
            "--origin",
            "audit-healthy.com",
        ],
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    let v = lines(&out);
    let f = find(
        &v,
        "audit-healthy.com",
        "dangling-reference",
        Some("forgotten-dns-host.com"),
    )
    .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(f["via"], serde_json::json!(["ns"]), "{f}");
    assert!(
        find(
            &v,
            "audit-healthy.com",
            "takeover",
            Some("gone-app.elasticbeanstalk.com")
        )
        .is_some(),
        "{out}"
    );

    // Without an origin the file must carry one; $INCLUDE is refused.
    let (code, _, err) = audit(&cfg, &["--zone", zone]).await;
    assert_eq!(code, 2, "{err}");
    let inc = dir.path().join("inc.zone");
    std::fs::write(&inc, "$ORIGIN audit-healthy.com.\n$INCLUDE /etc/passwd\n").unwrap();
    let (code, _, err) = audit(&cfg, &["--zone", inc.to_str().unwrap()]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("$INCLUDE"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_run_audit_alerts_new_reference_findings_once() {
    let (_lab, dir, cfg) = start().await;
    let db = dir.path().join("w.db");
    let alerts = dir.path().join("alerts.jsonl");
    let dw = async |args: &[&str]| {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .args(["--config", cfg.to_str().unwrap(), "--no-progress", "--db"])
            .arg(&db)
            .args(args)
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
    };
    let (code, out, err) = dw(&["watch", "add", "audit-org.com", "audit-healthy.com"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let sink = format!("jsonl={}", alerts.display());
    let run = [
        "watch",
        "run",
        "--audit",
        "--format",
        "json",
        "--alert",
        sink.as_str(),
    ];
    let (code, out, err) = dw(&run).await;
    assert!(code == 0 || code == 1, "{out}{err}");
    let s: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(s["audit"]["audited"], 2, "{out}");
    assert!(s["audit"]["references"].as_u64().unwrap() > 5, "{out}");
    let first_new = s["audit"]["new_findings"].as_u64().unwrap();
    assert!(first_new > 0, "{out}");
    // The reference findings went out through the sink like any other finding.
    let sent = std::fs::read_to_string(&alerts).unwrap();
    let sent: Vec<Value> = lines(&sent);
    assert!(
        sent.iter().any(|a| a["domain"] == "audit-org.com"
            && a["code"] == "dangling-reference"
            && a["detail"]
                .as_str()
                .is_some_and(|d| d.contains("(audit of "))),
        "{sent:?}"
    );
    // The audits are stored for the console.
    let (_, out, _) = dw(&[
        "finding",
        "list",
        "--code",
        "dangling-reference",
        "--format",
        "json",
    ])
    .await;
    let listed: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(!listed.is_empty(), "{out}");
    let st = store::Store::open(&db).unwrap();
    assert_eq!(st.latest_audits().unwrap().len(), 2);
    drop(st);

    // Again: nothing new, nothing alerted twice; the table summary names the audit.
    let before = std::fs::read_to_string(&alerts).unwrap().lines().count();
    let (code, out, err) = dw(&["watch", "run", "--audit", "--alert", sink.as_str()]).await;
    assert!(code == 0 || code == 1, "{out}{err}");
    assert!(
        out.contains("audit: 2 domains,") && out.contains(", 0 new reference findings"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&alerts).unwrap().lines().count(),
        before
    );
}
