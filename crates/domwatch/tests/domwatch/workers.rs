//! Distributed passes end to end: `watch run --distribute`, `watch worker` processes sharing
//! the store, a worker killed with SIGKILL mid-pass, a PostgreSQL restart mid-pass, `watch
//! status`. On SQLite always; on PostgreSQL too when `DOMWATCH_TEST_PG` names a server.

use std::time::Duration;

use serde_json::Value;

use super::watch::{Env, env};

/// The stores to test on: an SQLite file, and a fresh PostgreSQL database when available.
fn stores(e: &Env) -> Vec<String> {
    let mut v = vec![e.dir.join("watch.db").display().to_string()];
    if let Ok(admin) = std::env::var("DOMWATCH_TEST_PG") {
        let db = format!("workers_{}", std::process::id());
        // The synchronous client may not block inside the test's runtime: its own thread.
        let (a, d) = (admin.clone(), db.clone());
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&a, postgres::NoTls).unwrap();
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {d}"))
                .unwrap();
            c.batch_execute(&format!("CREATE DATABASE {d}")).unwrap();
        })
        .join()
        .unwrap();
        v.push(format!("{}/{db}", admin.rsplit_once('/').unwrap().0));
    }
    v
}

fn command(e: &Env, db: &str, args: &[&str]) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"));
    c.arg("--config")
        .arg(&e.cfg)
        .arg("--db")
        .arg(db)
        .arg("--no-progress")
        .args(args)
        .env("XDG_DATA_HOME", &e.dir)
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("DOMWATCH_DB")
        .kill_on_drop(true);
    c
}

async fn dw(e: &Env, db: &str, args: &[&str]) -> (i32, String, String) {
    let out = command(e, db, args).output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn open(db: &str) -> store::Store {
    if db.starts_with("postgres://") {
        store::Store::open_postgres(&store::PgTarget::parse(db, |_| None).unwrap()).unwrap()
    } else {
        store::Store::open(std::path::Path::new(db)).unwrap()
    }
}

/// Waits (bounded) until the pass has stored at least `n` snapshots.
async fn until_stored(db: &str, run: i64, n: usize) {
    for _ in 0..1500 {
        let s = open(db);
        if s.run_domains_done(store::RunId(run)).unwrap().len() >= n {
            return;
        }
        drop(s);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the pass never stored {n} snapshots");
}

fn names(e: &Env) -> Vec<String> {
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
    names
}

const SLOW_WORKER: &[&str] = &["--concurrency", "1", "--batch", "4", "--lease", "3s"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_share_a_pass_and_survive_a_killed_worker() {
    let e = env().await;
    let names = names(&e);
    assert!(names.len() >= 10);
    let alerts = format!("jsonl={}", e.dir.join("alerts.jsonl").display());
    for db in stores(&e) {
        let mut add = vec!["watch", "add"];
        add.extend(names.iter().map(String::as_str));
        let (code, out, err) = dw(&e, &db, &add).await;
        assert_eq!(code, 0, "{out}{err}");

        let (code, out, err) = dw(
            &e,
            &db,
            &["watch", "run", "--distribute", "--format", "json"],
        )
        .await;
        assert_eq!(code, 0, "{out}{err}");
        let created: Value = serde_json::from_str(out.trim()).unwrap();
        let run = created["run_id"].as_i64().unwrap();
        assert_eq!(created["names"].as_u64().unwrap() as usize, names.len());
        // Two passes at once: the second is refused (and so is a single-process run).
        let (code, _, err) = dw(&e, &db, &["watch", "run", "--distribute"]).await;
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("still running"), "{err}");
        let (code, _, err) = dw(&e, &db, &["watch", "run"]).await;
        assert_eq!(code, 2, "{err}");

        // Worker a starts, stores something, and is killed outright.
        let mut args = vec!["watch", "worker", "--id", "a", "--alert", "jsonl"];
        args.extend(SLOW_WORKER);
        let mut a = command(&e, &db, &args)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        until_stored(&db, run, 2).await;
        a.start_kill().unwrap();
        assert!(!a.wait().await.unwrap().success());

        // Worker b drains the rest, taking over a's names when a's lease ends.
        let (code, out, err) = dw(
            &e,
            &db,
            &[
                "watch",
                "worker",
                "--id",
                "b",
                "--format",
                "json",
                "--lease",
                "3s",
                "--alert",
                &alerts,
                "--rdap-interval-ms",
                "0",
                "--registry-interval-ms",
                "5",
            ],
        )
        .await;
        assert!(code == 0 || code == 1, "{db}: {out}{err}");
        let summary: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(summary["worker"], "b");
        assert_eq!(summary["finished_pass"], true, "{summary}");

        let s = open(&db);
        assert_eq!(
            s.run_domains_done(store::RunId(run)).unwrap().len(),
            names.len(),
            "{db}: every name stored once"
        );
        assert_eq!(
            s.snapshot_count().unwrap(),
            names.len(),
            "{db}: nothing doubled"
        );
        assert_eq!(
            s.run(store::RunId(run)).unwrap().unwrap().status,
            store::RunStatus::Finished
        );
        drop(s);
        let (code, out, err) = dw(&e, &db, &["watch", "status", "--format", "json"]).await;
        assert_eq!(code, 0, "{err}");
        let st: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(st["done"].as_u64().unwrap() as usize, names.len());
        let ids: Vec<&str> = st["workers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["a", "b"], "{st}");
        let (code, out, _) = dw(&e, &db, &["watch", "status"]).await;
        assert_eq!(code, 0);
        assert!(
            out.contains("finished")
                && out.lines().any(|l| l.starts_with("b "))
                && out.lines().any(|l| l.starts_with("a ")),
            "{out}"
        );
        // A worker with no open pass says so and exits 0.
        let (code, _, err) = dw(&e, &db, &["watch", "worker"]).await;
        assert_eq!(code, 0);
        assert!(err.contains("no distributed pass"), "{err}");

        if db.starts_with("postgres://") {
            restart_mid_pass(&e, &db, names.len()).await;
        }
    }
    e.lab.shutdown().await;
}

/// PostgreSQL restarts while a worker is in the middle of a pass: the worker reconnects and
/// finishes.
async fn restart_mid_pass(e: &Env, db: &str, n: usize) {
    let (Ok(dir), Ok(bin)) = (
        std::env::var("DOMWATCH_TEST_PG_DIR"),
        std::env::var("DOMWATCH_TEST_PG_BIN"),
    ) else {
        return;
    };
    let (code, out, err) = dw(e, db, &["watch", "run", "--distribute", "--format", "json"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let run = serde_json::from_str::<Value>(out.trim()).unwrap()["run_id"]
        .as_i64()
        .unwrap();
    let args = [
        "watch",
        "worker",
        "--id",
        "c",
        "--format",
        "json",
        "--concurrency",
        "2",
        "--batch",
        "4",
        "--lease",
        "3s",
        "--rdap-interval-ms",
        "50",
    ];
    let c = command(e, db, &args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    until_stored(db, run, 2).await;
    let pg_ctl = format!("{bin}/pg_ctl");
    let data = format!("{dir}/data");
    let mut restart = if runs_as_root() {
        let mut r = std::process::Command::new("setpriv");
        r.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(&pg_ctl);
        r
    } else {
        std::process::Command::new(&pg_ctl)
    };
    let st = restart
        .args(["-D", &data, "-m", "fast", "-w", "restart"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "pg_ctl restart");
    let out = c.wait_with_output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(summary["finished_pass"], true, "{summary}");
    let s = open(db);
    assert_eq!(s.run_domains_done(store::RunId(run)).unwrap().len(), n);
}

/// Whether this process runs as root (then PostgreSQL's tools run as `postgres`).
fn runs_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn store_migrate_copies_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.db").display().to_string();
    let dst = match std::env::var("DOMWATCH_TEST_PG") {
        Ok(admin) => {
            let db = format!("migrate_{}", std::process::id());
            let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
                .unwrap();
            c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
            format!("{}/{db}", admin.rsplit_once('/').unwrap().0)
        }
        Err(_) => format!("sqlite:{}", dir.path().join("dst.db").display()),
    };
    let dw = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .args(args)
            .env("XDG_DATA_HOME", dir.path())
            .env_remove("DOMWATCH_DB")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = dw(&["--db", &src, "watch", "add", "example.com", "example.org"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = dw(&[
        "store", "migrate", "--from", &src, "--to", &dst, "--format", "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["report"]["written"], 2);
    let tables = v["report"]["tables"].as_array().unwrap();
    assert_eq!(tables[0]["table"], "watched_domain");
    assert_eq!(tables[0]["rows"], 2);
    // Again: already identical, nothing written.
    let (code, out, _) = dw(&["store", "migrate", "--from", &src, "--to", &dst]);
    assert_eq!(code, 0);
    assert!(out.contains("nothing written"), "{out}");
    // The copy serves the inventory.
    let (code, out, err) = dw(&["--db", &dst, "watch", "list", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("example.org"), "{out}");
    let (code, out, _) = dw(&["--db", &dst, "store", "check", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["consistent"], true);
    assert_eq!(v["schema_version"], store::SCHEMA_VERSION);
    // A destination with other rows is refused (exit 2); the same store twice too.
    let (code, _, _) = dw(&["--db", &src, "watch", "add", "example.net"]);
    assert_eq!(code, 0);
    let (code, _, err) = dw(&["store", "migrate", "--from", &src, "--to", &dst]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not empty"), "{err}");
    let (code, _, _) = dw(&["store", "migrate", "--from", &src, "--to", &src]);
    assert_eq!(code, 2);
    // Unsupported URLs stay errors, and passwords never appear in messages.
    let (code, _, err) = dw(&[
        "--db",
        "postgres://u:hunter2@127.0.0.1:1/x",
        "watch",
        "list",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(err.contains("postgres://u@127.0.0.1:1/x"), "{err}");
}
