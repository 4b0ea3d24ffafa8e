//! End-to-end tests of `domwatch ct follow` against the lab's CT logs (in-process, loopback):
//! lookalikes found in real certificates, certificates of watched domains recorded, a rogue
//! certificate for a subdomain raising unexpected-certificate and caa-violation, resumption
//! where the last run stopped, cases opened, and the logs' positions in `ct status`.

use std::path::{Path, PathBuf};

use serde_json::Value;

struct Env {
    lab: lab::Lab,
    _dir: tempfile::TempDir,
    cfg: PathBuf,
    db: PathBuf,
    dir: PathBuf,
}

async fn env() -> Env {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lab.toml");
    lab.write_config(&cfg).unwrap();
    Env {
        lab,
        cfg,
        db: dir.path().join("ct.db"),
        dir: dir.path().to_path_buf(),
        _dir: dir,
    }
}

async fn dw(e: &Env, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .arg("--config")
        .arg(&e.cfg)
        .arg("--db")
        .arg(&e.db)
        .arg("--no-progress")
        .args(args)
        .env("XDG_DATA_HOME", &e.dir)
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

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn follow_finds_lookalikes_and_rogue_certificates_and_resumes() {
    let e = env().await;
    let brands = e.dir.join("brands.txt");
    std::fs::write(&brands, e.lab.scenario().scenario.brands.join("\n")).unwrap();
    let brands = brands.to_str().unwrap().to_string();
    let alerts = e.dir.join("alerts.jsonl");
    let alert = format!("jsonl={}", alerts.display());
    // Own names: two watched domains; one watch pass so that the store knows their CAA.
    let (code, _, err) = dw(
        &e,
        &[
            "watch",
            "add",
            "hinode-logistics.co.jp",
            "hinode-logistics.com",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = dw(&e, &["watch", "run", "--alert", "jsonl=/dev/null"]).await;
    assert!(code == 0 || code == 1, "{err}");

    let follow = |extra: &'static [&'static str]| {
        let mut a = vec![
            "ct",
            "follow",
            "--once",
            "--start",
            "0",
            "--brands",
            &brands,
            "--format",
            "json",
            "--alert",
            &alert,
            "--alert-min-severity",
            "low",
            "--interval-ms",
            "0",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| {
        let e = &e;
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, out, err) = dw(e, &refs).await;
            assert_eq!(code, 0, "{out}\n{err}");
            serde_json::from_str::<Value>(&out).unwrap()
        }
    };

    // Day 0, both logs from their first entry.
    let s = run(follow(&["--open-cases"])).await;
    let logs = s["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 2);
    for l in logs {
        assert_eq!(l["next_index"], l["tree_size"], "{l}");
        assert_eq!(l["lag"], 0);
        assert_eq!(l["bad_entries"], 0);
        assert!(l["error"].is_null());
    }
    let total: u64 = logs.iter().map(|l| l["tree_size"].as_u64().unwrap()).sum();
    assert_eq!(s["entries"].as_u64().unwrap(), total);
    assert!(s["hits"].as_u64().unwrap() >= 1, "{s}");
    assert!(s["own_certificates"].as_u64().unwrap() >= 4, "{s}");
    assert!(s["cases_opened"].as_u64().unwrap() >= 1, "{s}");
    let first = jsonl(&alerts);
    assert!(
        first
            .iter()
            .any(|a| a["code"] == "lookalike-certificate" && a["domain"] == "kuronekoyamatc.cc"),
        "{first:?}"
    );
    // The first certificates of a watched domain start its history (low).
    assert!(first.iter().any(|a| a["code"] == "unexpected-certificate"
        && a["domain"] == "hinode-logistics.co.jp"
        && a["severity"] == "low"));
    assert!(
        !first.iter().any(|a| a["code"] == "caa-violation"),
        "{first:?}"
    );

    // Again at once: nothing new to read, nothing alerted twice.
    let s = run(follow(&[])).await;
    assert_eq!(s["entries"], 0, "{s}");
    assert_eq!(jsonl(&alerts).len(), first.len());

    // Day 6: a Sectigo certificate for vpn.hinode-logistics.co.jp, whose CAA allows only
    // Let's Encrypt.
    e.lab.advance_days(6).await;
    let s = run(follow(&[])).await;
    assert!(s["entries"].as_u64().unwrap() > 0);
    let later: Vec<Value> = jsonl(&alerts).split_off(first.len());
    let rogue = later
        .iter()
        .find(|a| {
            a["code"] == "unexpected-certificate"
                && a["title"]
                    .as_str()
                    .unwrap()
                    .contains("vpn.hinode-logistics.co.jp")
        })
        .unwrap_or_else(|| panic!("{later:?}"));
    assert_eq!(rogue["severity"], "high", "a new issuer");
    let detail = rogue["detail"].as_str().unwrap();
    assert!(detail.contains("Sectigo Limited"), "{detail}");
    assert!(detail.contains("vpn.hinode-logistics.co.jp"), "{detail}");
    assert!(
        detail.contains("/a/") || detail.contains("/b/"),
        "the log: {detail}"
    );
    let caa = later
        .iter()
        .find(|a| a["code"] == "caa-violation")
        .unwrap_or_else(|| panic!("{later:?}"));
    assert_eq!(caa["domain"], "hinode-logistics.co.jp");
    assert!(
        caa["detail"]
            .as_str()
            .unwrap()
            .contains("CAA allows letsencrypt.org")
    );
    // Logged in both logs: alerted once.
    assert_eq!(
        later
            .iter()
            .filter(|a| a["code"] == "caa-violation")
            .count(),
        1,
        "{later:?}"
    );

    // Where each log stands.
    let (code, out, _) = dw(&e, &["ct", "status", "--format", "json"]).await;
    assert_eq!(code, 0);
    let st: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(st.as_array().unwrap().len(), 2);
    for l in st.as_array().unwrap() {
        assert_eq!(l["next_index"], l["tree_size"]);
    }
    // The hits are a stored scan, as `scan --save` keeps them.
    let (code, out, _) = dw(&e, &["case", "list", "--format", "json"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("kuronekoyamatc.cc"), "{out}");
    e.lab.shutdown().await;
}

#[tokio::test]
async fn a_new_log_starts_at_its_head_and_a_failing_log_does_not_stop_the_others() {
    let e = env().await;
    let good = e.lab.net_config().ct_logs[0].clone();
    // A log URL where nothing answers HTTP at all (a closed port) fails; the good one is read.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/log/", l.local_addr().unwrap());
    drop(l);
    let (code, out, err) = dw(
        &e,
        &[
            "ct",
            "follow",
            "--once",
            "--log",
            &good,
            "--log",
            &dead,
            "--brand",
            "kuronekoyamato.co.jp",
            "--format",
            "json",
            "--retries",
            "0",
        ],
    )
    .await;
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("failed"), "{err}");
    let s: Value = serde_json::from_str(&out).unwrap();
    let logs = s["logs"].as_array().unwrap();
    let g = logs.iter().find(|l| l["url"] == good.as_str()).unwrap();
    // Never read before: it starts at the tree head (only what is logged from now on).
    assert_eq!(g["entries"], 0);
    assert!(g["tree_size"].as_u64().unwrap() > 0);
    assert_eq!(g["next_index"], g["tree_size"]);
    assert!(logs.iter().any(|l| l["error"].is_string()));
    // The next day it reads what was logged since.
    e.lab.advance_days(1).await;
    let (code, out, err) = dw(
        &e,
        &[
            "ct",
            "follow",
            "--once",
            "--log",
            &good,
            "--brand",
            "kuronekoyamato.co.jp",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let s: Value = serde_json::from_str(&out).unwrap();
    assert!(s["entries"].as_u64().unwrap() > 0);
    assert_eq!(s["logs"][0]["lag"], 0);
    // The same log over the static-CT (tile) API, from its first entry.
    let tiled = format!("static:{good}");
    let (code, out, err) = dw(
        &e,
        &[
            "ct",
            "follow",
            "--once",
            "--log",
            &tiled,
            "--start",
            "0",
            "--brand",
            "kuronekoyamato.co.jp",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let t: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["logs"][0]["url"], tiled.as_str());
    assert_eq!(t["entries"], t["logs"][0]["tree_size"]);
    assert!(t["hits"].as_u64().unwrap() >= 1, "{t}");
    e.lab.shutdown().await;
}

/// Polls the store until `log` was read up to `size` entries (15 s at most).
async fn wait_for_position(db: &Path, log: &str, size: u64) -> bool {
    for _ in 0..750 {
        if let Ok(s) = store::Store::open(db)
            && let Ok(Some(p)) = s.ct_log_position(log)
            && p.next_index >= size
        {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn following_for_good_picks_up_growth_and_stops_on_sigterm() {
    let e = env().await;
    let log = e.lab.net_config().ct_logs[0].clone();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .arg("--config")
        .arg(&e.cfg)
        .arg("--db")
        .arg(&e.db)
        .args([
            "--no-progress",
            "ct",
            "follow",
            "--log",
            &log,
            "--start",
            "0",
            "--brand",
            "kuronekoyamato.co.jp",
            "--poll-secs",
            "1",
            "--interval-ms",
            "0",
            "--format",
            "json",
        ])
        .env("XDG_DATA_HOME", &e.dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let c = probe::ct::CtLogClient::new(
        &log,
        probe::ct::CtClientConfig {
            allow_private: true,
            ..Default::default()
        },
    )
    .unwrap();
    let day0 = c.sth(None).await.unwrap().tree_size;
    assert!(wait_for_position(&e.db, &log, day0).await, "day 0 not read");
    // The log grows: the running follow reads the new entries at its next poll.
    e.lab.advance_days(1).await;
    let day1 = c.sth(None).await.unwrap().tree_size;
    assert!(day1 > day0);
    assert!(wait_for_position(&e.db, &log, day1).await, "day 1 not read");
    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("ct follow did not stop on SIGTERM")
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["interrupted"], true);
    assert_eq!(s["entries"].as_u64().unwrap(), day1);
    e.lab.shutdown().await;
}

/// Each command alerts the findings it raised, at its own threshold: a medium finding of a
/// watch pass (held back by watch's default threshold, high) is not delivered by
/// `ct follow --alert-min-severity medium` to the same sink, and `watch run` delivers no CT
/// finding even at `info`.
#[tokio::test]
async fn each_command_alerts_only_the_findings_it_raised() {
    let e = env().await;
    let brands = e.dir.join("brands.txt");
    std::fs::write(&brands, e.lab.scenario().scenario.brands.join("\n")).unwrap();
    let alerts = e.dir.join("shared.jsonl");
    let alert = format!("jsonl={}", alerts.display());
    let (code, _, err) = dw(
        &e,
        &[
            "watch",
            "add",
            "hinode-logistics.co.jp",
            // No registrar lock: a medium finding of a watch pass.
            "hinode.jp",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    // A watch pass at its default threshold (high) on the shared sink.
    let (code, _, err) = dw(&e, &["watch", "run", "--alert", &alert]).await;
    assert!(code == 0 || code == 1, "{err}");
    let after_watch = jsonl(&alerts);
    assert!(
        after_watch.iter().all(|a| a["raised_by"] == "watch"
            && matches!(a["severity"].as_str(), Some("high" | "critical"))),
        "{after_watch:?}"
    );
    let (code, out, err) = dw(
        &e,
        &[
            "finding",
            "list",
            "--raised-by",
            "watch",
            "--format",
            "json",
            "--limit",
            "1000",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let watch_findings: Vec<Value> = serde_json::from_str(&out).unwrap();
    let held_back: Vec<i64> = watch_findings
        .iter()
        .filter(|f| f["severity"] == "medium")
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    assert!(
        !held_back.is_empty(),
        "the scenario gives a watched name a medium finding: {watch_findings:?}"
    );

    // `ct follow` at medium on the same sink: its own findings only.
    let (code, out, err) = dw(
        &e,
        &[
            "ct",
            "follow",
            "--once",
            "--start",
            "0",
            "--brands",
            brands.to_str().unwrap(),
            "--format",
            "json",
            "--alert",
            &alert,
            "--alert-min-severity",
            "medium",
            "--interval-ms",
            "0",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let by_ct: Vec<Value> = jsonl(&alerts).split_off(after_watch.len());
    assert!(
        by_ct.iter().any(|a| a["code"] == "lookalike-certificate"),
        "{by_ct:?}"
    );
    assert!(by_ct.iter().all(|a| a["raised_by"] == "ct"), "{by_ct:?}");
    assert!(
        by_ct
            .iter()
            .all(|a| !held_back.contains(&a["id"].as_i64().unwrap())),
        "{by_ct:?}"
    );
    // Open CT findings below medium exist (the first certificates of a watched domain: low)
    // and stay for a command that alerts CT findings at low.
    let (code, out, _) = dw(
        &e,
        &["finding", "list", "--raised-by", "ct", "--format", "json"],
    )
    .await;
    assert_eq!(code, 0);
    let ct_findings: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(ct_findings.iter().all(|f| f["raised_by"] == "ct"));
    assert!(
        ct_findings.iter().any(|f| f["severity"] == "low"),
        "{ct_findings:?}"
    );

    // A watch pass at info on the same sink: the medium finding it held back, no CT finding.
    let (code, _, err) = dw(
        &e,
        &[
            "watch",
            "run",
            "--alert",
            &alert,
            "--alert-min-severity",
            "info",
        ],
    )
    .await;
    assert!(code == 0 || code == 1, "{err}");
    let by_watch: Vec<Value> = jsonl(&alerts).split_off(after_watch.len() + by_ct.len());
    assert!(
        by_watch.iter().all(|a| a["raised_by"] == "watch"),
        "{by_watch:?}"
    );
    for id in &held_back {
        assert!(
            by_watch.iter().any(|a| a["id"] == *id),
            "{id}: {by_watch:?}"
        );
    }
    e.lab.shutdown().await;
}
