//! End-to-end tests of `domwatch watch` against the lab (in-process, on loopback): the hijack
//! and lapse timelines of the default scenario, alerts to JSON lines, a webhook and e-mail,
//! nothing alerted twice, and a killed run that loses no snapshot.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A started default-scenario lab, its config file and a scratch folder (also used by the
/// distributed-pass tests).
pub(super) struct Env {
    pub(super) lab: lab::Lab,
    _dir: tempfile::TempDir,
    pub(super) cfg: PathBuf,
    db: PathBuf,
    pub(super) dir: PathBuf,
}

pub(super) async fn env() -> Env {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("lab.toml");
    lab.write_config(&cfg).unwrap();
    Env {
        lab,
        cfg,
        db: dir.path().join("watch.db"),
        dir: dir.path().to_path_buf(),
        _dir: dir,
    }
}

fn command(e: &Env, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"));
    c.arg("--config")
        .arg(&e.cfg)
        .arg("--db")
        .arg(&e.db)
        .arg("--no-progress")
        .args(args)
        .env("XDG_DATA_HOME", &e.dir)
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("DOMWATCH_DB");
    c
}

async fn dw(e: &Env, args: &[&str]) -> (i32, String, String) {
    let out = command(e, args).output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A webhook receiver on 127.0.0.1:0 that keeps every JSON body it is sent.
async fn webhook() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let keep = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            let body = &buf[end + 4..end + 4 + len];
                            keep.lock()
                                .unwrap()
                                .push(serde_json::from_slice(body).unwrap());
                            let _ = sock
                                .write_all(
                                    b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                                )
                                .await;
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, bodies)
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(v: &[Value]) -> Vec<i64> {
    v.iter().map(|x| x["id"].as_i64().unwrap()).collect()
}

fn kinds(history: &Value) -> BTreeSet<String> {
    history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["changes"].as_array().unwrap().iter())
        .map(|c| c["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hijack_and_lapse_alerted_once() {
    let e = env().await;
    let (code, out, err) = dw(
        &e,
        &["watch", "add", "hinode-logistics.com", "www.hinode-cdn.net"],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    // Idempotent import.
    let (_, out, _) = dw(&e, &["watch", "add", "hinode-cdn.net"]).await;
    assert!(out.contains("0 added, 1 already watched; 2 names"), "{out}");

    let (url, hooks) = webhook().await;
    let lines = e.dir.join("alerts.jsonl");
    let jsonl_arg = format!("jsonl={}", lines.display());
    let hook_arg = format!("webhook={url}");
    let run_args = [
        "watch",
        "run",
        "--format",
        "json",
        "--alert",
        jsonl_arg.as_str(),
        "--alert",
        hook_arg.as_str(),
        "--alert",
        "smtp=soc@hinode-logistics.com",
    ];
    // Day 0, past the hijack (12), then through the lapse of hinode-cdn.net: grace (3),
    // redemption (48), pending delete (78), deleted (83), re-registered (84).
    for day in [0, 13, 50, 80, 83, 85] {
        let now = e.lab.day();
        if day > now {
            e.lab.advance_days(u32::try_from(day - now).unwrap()).await;
        }
        let (code, out, err) = dw(&e, &run_args).await;
        assert!(code == 0 || code == 1, "day {day}: exit {code}: {out}{err}");
        let summary: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(summary["run"]["observed"], 2, "day {day}: {out}");
        assert!(
            summary["alerts"]["failed"].as_object().unwrap().is_empty(),
            "{out}"
        );
    }

    let (code, out, _) = dw(
        &e,
        &[
            "watch",
            "history",
            "hinode-logistics.com",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(code, 0);
    let h: Value = serde_json::from_str(&out).unwrap();
    let k = kinds(&h);
    for want in [
        "registrar-changed",
        "iana-id-changed",
        "transfer",
        "ns-changed-registry",
        "ns-changed-delegation",
        "lock-removed",
        "ds-removed",
    ] {
        assert!(k.contains(want), "{want} missing: {k:?}");
    }

    let (_, out, _) = dw(
        &e,
        &["watch", "history", "hinode-cdn.net", "--format", "json"],
    )
    .await;
    let h: Value = serde_json::from_str(&out).unwrap();
    let mut phases: Vec<String> = h["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["phase"].as_str().unwrap().to_string())
        .collect();
    phases.dedup();
    assert_eq!(
        phases,
        [
            "active",
            "auto-renew-grace",
            "redemption",
            "pending-delete",
            "not-registered",
            "active"
        ],
        "{out}"
    );
    let k = kinds(&h);
    for want in [
        "entered-auto-renew-grace",
        "entered-redemption",
        "entered-pending-delete",
        "deleted",
        "re-registered",
    ] {
        assert!(k.contains(want), "{want} missing: {k:?}");
    }
    // The table form for people.
    let (_, table, _) = dw(&e, &["watch", "history", "hinode-cdn.net"]).await;
    assert!(table.contains("re-registered (critical)"), "{table}");

    // Alerts: each finding once per sink, the same findings on every sink.
    let sent = jsonl(&lines);
    let codes: BTreeSet<&str> = sent.iter().map(|v| v["code"].as_str().unwrap()).collect();
    for want in ["likely-hijack", "in-redemption", "re-registered", "deleted"] {
        assert!(codes.contains(want), "{want} not alerted: {codes:?}");
    }
    let mut jsonl_ids = ids(&sent);
    let n = jsonl_ids.len();
    jsonl_ids.sort_unstable();
    jsonl_ids.dedup();
    assert_eq!(jsonl_ids.len(), n, "a finding was alerted twice");
    let mut hook_ids = ids(&hooks.lock().unwrap());
    hook_ids.sort_unstable();
    assert_eq!(hook_ids, jsonl_ids);
    assert!(
        sent.iter()
            .all(|v| v["severity"] == "high" || v["severity"] == "critical")
    );
    let mails: Vec<lab::MailMessage> = e
        .lab
        .mailbox()
        .into_iter()
        .filter(|m| m.to.iter().any(|t| t == "soc@hinode-logistics.com"))
        .collect();
    assert!(!mails.is_empty());
    let listed: usize = mails
        .iter()
        .map(|m| m.body.matches("Remediation:").count())
        .sum();
    assert_eq!(listed, n, "every alerted finding is in exactly one mail");
    assert!(mails.iter().all(|m| m.subject.starts_with("domwatch: ")));

    // Another pass with nothing new alerts nothing.
    let mails_before = e.lab.mailbox().len();
    let (code, out, err) = dw(&e, &run_args).await;
    assert!(code == 0 || code == 1, "{out}{err}");
    assert_eq!(jsonl(&lines).len(), n);
    assert_eq!(hooks.lock().unwrap().len(), n);
    assert_eq!(e.lab.mailbox().len(), mails_before);
    e.lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_run_loses_no_snapshot_and_resumes() {
    let e = env().await;
    // Many names, observed one at a time, so the run is still going when it is killed.
    let mut names: Vec<String> = e.lab.scenario().watch_names().to_vec();
    names.extend(e.lab.scenario().brands().iter().cloned());
    names.extend(
        e.lab
            .scenario()
            .domains
            .iter()
            .map(|d| d.name.clone())
            .filter(|n| !n.ends_with(".jp")),
    );
    names.sort();
    names.dedup();
    let mut add = vec!["watch", "add"];
    add.extend(names.iter().map(String::as_str));
    let (code, out, err) = dw(&e, &add).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(names.len() >= 10);

    let mut child = command(
        &e,
        &["watch", "run", "--concurrency", "1", "--alert", "jsonl"],
    )
    .stdout(std::process::Stdio::null())
    .spawn()
    .unwrap();
    // Wait (bounded) until some snapshots are stored, then kill the process outright.
    let mut stored = 0;
    for _ in 0..1000 {
        if let Ok(s) = store::Store::open(&e.db) {
            stored = s.snapshot_count().unwrap_or(0);
        }
        if stored >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert!(
        !status.success(),
        "the run finished before it could be killed"
    );

    let s = store::Store::open(&e.db).unwrap();
    assert!(s.integrity_check().unwrap());
    let kept = s.snapshot_count().unwrap();
    assert!(
        kept >= stored && kept < names.len(),
        "{kept} of {}",
        names.len()
    );
    let run = s.runs(1).unwrap().remove(0);
    assert_eq!(
        run.status,
        store::RunStatus::Running,
        "the killed run is unfinished"
    );
    drop(s);

    let (code, out, err) = dw(
        &e,
        &[
            "watch",
            "run",
            "--resume",
            "--format",
            "json",
            "--rdap-per-host",
            "8",
            "--rdap-interval-ms",
            "0",
        ],
    )
    .await;
    assert!(code == 0 || code == 1, "{out}{err}");
    let summary: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(summary["run"]["run_id"], run.id.0);
    assert_eq!(
        summary["run"]["observed"].as_u64().unwrap() as usize + kept,
        names.len()
    );
    let s = store::Store::open(&e.db).unwrap();
    assert_eq!(
        s.snapshot_count().unwrap(),
        names.len(),
        "no snapshot lost or doubled"
    );
    assert_eq!(s.runs(5).unwrap().len(), 1);
    assert_eq!(s.runs(1).unwrap()[0].status, store::RunStatus::Finished);
    e.lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_passes_on_schedule_and_stops_on_sigterm() {
    let e = env().await;
    let (code, _, _) = dw(&e, &["watch", "add", "hinode-logistics.com"]).await;
    assert_eq!(code, 0);
    // Two passes one second apart, then it stops by itself.
    let (code, out, err) = dw(
        &e,
        &[
            "watch",
            "daemon",
            "--interval",
            "1s",
            "--jitter",
            "0%",
            "--passes",
            "2",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("names observed").count(), 2, "{out}");
    let s = store::Store::open(&e.db).unwrap();
    assert_eq!(s.runs(10).unwrap().len(), 2);
    drop(s);

    // A long interval: SIGTERM during the wait ends the daemon cleanly after its pass.
    let child = command(&e, &["watch", "daemon", "--interval", "6h"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut finished = false;
    for _ in 0..1500 {
        let s = store::Store::open(&e.db).unwrap();
        if s.runs(10).unwrap().len() == 3
            && s.runs(1).unwrap()[0].status == store::RunStatus::Finished
        {
            finished = true;
            break;
        }
        drop(s);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(finished, "the daemon's first pass did not finish");
    let pid = child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the daemon did not stop on SIGTERM")
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("run 3"));
    e.lab.shutdown().await;
}

#[test]
fn inventory_add_list_remove() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inv.db");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env("XDG_DATA_HOME", dir.path())
            .env_remove("DOMWATCH_CONFIG")
            .env_remove("DOMWATCH_DB")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let inv = dir.path().join("inventory.csv");
    std::fs::write(
        &inv,
        "# our domains\nname,owner,tags,high_value\nexample.com,Web team,prod;brand,yes\nwww.example.net,Mail team,,\n",
    )
    .unwrap();
    let (code, out, err) = run(&["watch", "add", "--file", inv.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 added"), "{out}");
    // Importing again changes nothing.
    let (_, out, _) = run(&["watch", "add", "--file", inv.to_str().unwrap()]);
    assert!(out.contains("0 added, 2 already watched; 2 names"), "{out}");
    let (code, out, _) = run(&["watch", "list", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["name"], "example.com");
    assert_eq!(list[0]["owner"], "Web team");
    assert_eq!(list[0]["high_value"], true);
    assert_eq!(
        list[1]["name"], "example.net",
        "reduced to the registrable domain"
    );
    let (_, out, _) = run(&["watch", "list"]);
    assert!(out.contains("never"), "{out}");
    let (code, out, _) = run(&["watch", "remove", "example.net"]);
    assert_eq!(code, 0);
    assert!(out.contains("1 removed; 1 names"), "{out}");
    // Bad input: exit 2 naming the line; nothing is added.
    std::fs::write(&inv, "example.org\nbad..name\n").unwrap();
    let (code, _, err) = run(&["watch", "add", "--file", inv.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("line 2"), "{err}");
    let (_, out, _) = run(&["watch", "list", "--format", "list"]);
    assert_eq!(out, "example.com\n");
    // History of a name never watched: exit 2.
    let (code, _, _) = run(&["watch", "history", "unknown.org"]);
    assert_eq!(code, 2);
    // A pass with nothing watched is a usage error too.
    let empty = dir.path().join("empty.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .arg("--db")
        .arg(&empty)
        .args(["watch", "run"])
        .env_remove("DOMWATCH_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_are_listed_and_triaged_from_the_cli_and_tokens_revoked() {
    let e = env().await;
    let (code, out, err) = dw(&e, &["watch", "add", "hinode-logistics.com"]).await;
    assert_eq!(code, 0, "{out}{err}");
    e.lab.advance_days(13).await;
    for _ in 0..2 {
        let (code, out, err) = dw(&e, &["watch", "run", "--format", "json"]).await;
        assert!(code == 0 || code == 1, "{out}{err}");
    }
    let list = async |args: &[&str]| -> Vec<Value> {
        let mut a = vec!["finding", "list", "--format", "json"];
        a.extend_from_slice(args);
        let (code, out, err) = dw(&e, &a).await;
        assert_eq!(code, 0, "{out}{err}");
        serde_json::from_str(&out).unwrap()
    };
    let all = list(&[]).await;
    assert!(!all.is_empty(), "the hijack raised findings");
    let high = list(&["--severity", "high"]).await;
    assert!(
        high.iter()
            .all(|f| f["severity"] == "high" || f["severity"] == "critical")
    );
    let n = all[0]["id"].as_i64().unwrap();
    let id = n.to_string();

    // Acknowledge with a note, then mute for a week: out of the default list.
    let (code, out, err) = dw(&e, &["finding", "ack", &id, "--note", "on it"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("acknowledged by"), "{out}");
    let acked = list(&["--triage", "acknowledged"]).await;
    assert!(acked.iter().any(|f| f["id"] == n));
    assert_eq!(acked[0]["triage"]["note"], "on it");
    let (code, out, _) = dw(&e, &["finding", "mute", &id, "--days", "7"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("muted until"), "{out}");
    assert!(!list(&[]).await.iter().any(|f| f["id"] == n));
    assert!(
        list(&["--triage", "muted"])
            .await
            .iter()
            .any(|f| f["id"] == n)
    );
    let (code, _, _) = dw(&e, &["finding", "unmute", &id]).await;
    assert_eq!(code, 0);
    let (code, out, _) = dw(&e, &["finding", "reopen", &id]).await;
    assert_eq!(code, 0);
    assert!(out.ends_with(": new\n"), "{out}");
    assert!(
        list(&["--triage", "new"])
            .await
            .iter()
            .any(|f| f["id"] == n)
    );
    // The table for people; usage errors.
    let (code, out, _) = dw(&e, &["finding", "list", "--domain", "hinode-logistics.com"]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("hinode-logistics.com") && out.contains("triage"),
        "{out}"
    );
    assert_eq!(dw(&e, &["finding", "ack", "999999"]).await.0, 2);
    assert_eq!(dw(&e, &["finding", "list", "--triage", "later"]).await.0, 2);
    assert_eq!(dw(&e, &["finding", "mute", &id, "--days", "0"]).await.0, 2);

    // A token is revoked by its id; revoking it again is a usage error.
    let (code, out, err) = dw(&e, &["user", "add", "siem", "--role", "viewer"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = dw(&e, &["token", "create", "--user", "siem", "--name", "pull"]).await;
    assert_eq!(code, 0);
    let (_, out, _) = dw(&e, &["token", "list", "--format", "json"]).await;
    let tokens: Vec<Value> = serde_json::from_str(&out).unwrap();
    let tid = tokens[0]["id"].to_string();
    let (code, out, _) = dw(&e, &["token", "revoke", &tid]).await;
    assert_eq!(code, 0);
    assert!(out.contains("revoked"), "{out}");
    let (_, out, _) = dw(&e, &["token", "list", "--format", "json"]).await;
    assert_eq!(out.trim(), "[]");
    assert_eq!(dw(&e, &["token", "revoke", &tid]).await.0, 2);
}
