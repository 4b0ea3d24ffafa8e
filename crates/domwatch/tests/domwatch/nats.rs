//! Publishing to NATS JetStream: `scan --publish`, `beacons --publish` and the watch pass's
//! `--alert nats://...` sink, against a real `nats-server -js` started here on 127.0.0.1 with a
//! port it picks itself (the Debian package `nats-server`; `.ci/run` installs it). Without the
//! binary these tests say so on stderr and pass, unless `DOMWATCH_REQUIRE_NATS` is set (CI).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

struct NatsServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `nats-server -js` on 127.0.0.1 (port chosen by the server, read from its log, which
/// also says when it is ready: no sleeps).
fn nats_server() -> Option<NatsServer> {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", "-1", "-sd"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var_os("DOMWATCH_REQUIRE_NATS").is_none(),
                "DOMWATCH_REQUIRE_NATS is set but nats-server is not installed"
            );
            eprintln!(
                "nats-server not installed: NATS tests skipped (apt-get install nats-server)"
            );
            return None;
        }
        Err(e) => panic!("nats-server: {e}"),
    };
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut port = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("Listening for client connections on ").nth(1) {
            port = rest.trim().rsplit(':').next().and_then(|p| p.parse().ok());
        }
        if line.contains("Server is ready") {
            break;
        }
    }
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Some(NatsServer {
        child,
        port: port.expect("the server's client port in its log"),
        _dir: dir,
    })
}

/// A stream capturing `domwatch.>`, and a way to read what it holds.
async fn stream(port: u16) -> async_nats::jetstream::stream::Stream {
    let client = async_nats::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client);
    js.create_stream(async_nats::jetstream::stream::Config {
        name: "DOMWATCH".into(),
        subjects: vec!["domwatch.>".into()],
        ..Default::default()
    })
    .await
    .unwrap()
}

async fn messages(port: u16, subject: &str) -> Vec<Value> {
    let client = async_nats::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    let js = async_nats::jetstream::new(client);
    let mut s = js.get_stream("DOMWATCH").await.unwrap();
    let last = s.info().await.unwrap().state.last_sequence;
    let mut out = Vec::new();
    for seq in 1..=last {
        if let Ok(m) = s.get_raw_message(seq).await
            && m.subject.as_str() == subject
        {
            out.push(serde_json::from_slice(&m.payload).unwrap());
        }
    }
    out
}

fn domwatch(dir: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("domwatch").unwrap();
    c.env("XDG_DATA_HOME", dir)
        .env_remove("DOMWATCH_PSL")
        .env_remove("RUST_LOG");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_and_beacons_publish_to_jetstream_once() {
    let Some(server) = nats_server() else { return };
    stream(server.port).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let feed = d.join("names.txt");
    std::fs::write(&feed, "paypa1.com\nexample.org\nkuronekoyamatc.cc\n").unwrap();
    let url = format!("nats://127.0.0.1:{}/domwatch.hits", server.port);
    let run = |url: String| {
        let (d, feed) = (d.clone(), feed.clone());
        tokio::task::spawn_blocking(move || {
            domwatch(&d)
                .args([
                    "scan",
                    "--brand",
                    "paypal.com",
                    "--brand",
                    "kuronekoyamato.co.jp",
                ])
                .args(["--format", "jsonl", "--publish", &url])
                .arg(&feed)
                .output()
                .unwrap()
        })
    };
    let out = run(url.clone()).await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hits = messages(server.port, "domwatch.hits").await;
    let mut names: Vec<&str> = hits.iter().map(|h| h["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["kuronekoyamatc.cc", "paypa1.com"]);
    assert!(
        hits.iter()
            .all(|h| h["type"] == "hit" && h["brand"].is_string())
    );
    // The same scan again: the message ids are the same, JetStream keeps one copy.
    let out = run(url).await.unwrap();
    assert!(out.status.success());
    assert_eq!(messages(server.port, "domwatch.hits").await.len(), 2);

    // A subject no stream captures: an error (exit 3) that says what to do.
    let out = run(format!("nats://127.0.0.1:{}/elsewhere.hits", server.port))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no JetStream stream captures"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A server that is not there: exit 3, at once.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = run(format!("nats://127.0.0.1:{port}/domwatch.hits"))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NATS nats://127.0.0.1:"));

    // Beacon findings.
    let (qs, planted) = super::beacon_gen::generate(3, 2, 1, 6);
    let log = d.join("dns.json");
    std::fs::write(&log, super::beacon_gen::zeek_json(&qs)).unwrap();
    let url = format!("nats://127.0.0.1:{}/domwatch.beacons", server.port);
    let d2 = d.clone();
    let out = tokio::task::spawn_blocking(move || {
        domwatch(&d2)
            .args(["beacons", "--format", "json", "--publish", &url])
            .arg(&log)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let published = messages(server.port, "domwatch.beacons").await;
    assert_eq!(
        published.len(),
        report["findings"].as_array().unwrap().len()
    );
    assert!(published.iter().all(|m| m["type"] == "beacon"));
    assert!(
        published
            .iter()
            .any(|m| m["domain"].as_str() == Some(planted.beacons[0].1.as_str()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_alerts_go_to_a_jetstream_subject() {
    let Some(server) = nats_server() else { return };
    stream(server.port).await;
    let e = super::watch::env().await;
    let dw = |args: Vec<String>| {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"));
        c.arg("--config")
            .arg(&e.cfg)
            .arg("--db")
            .arg(e.dir.join("watch.db"))
            .arg("--no-progress")
            .args(args)
            .env("XDG_DATA_HOME", &e.dir)
            .env_remove("DOMWATCH_CONFIG")
            .env_remove("DOMWATCH_DB");
        c
    };
    let out = dw(vec![
        "watch".into(),
        "add".into(),
        "hinode-logistics.com".into(),
    ])
    .output()
    .await
    .unwrap();
    assert!(out.status.success());
    e.lab.advance_days(13).await;
    let url = format!("nats://127.0.0.1:{}/domwatch.alerts", server.port);
    let run = vec![
        "watch".to_string(),
        "run".into(),
        "--format".into(),
        "json".into(),
        "--alert-min-severity".into(),
        "low".into(),
        "--alert".into(),
        url.clone(),
    ];
    let out = dw(run.clone()).output().await.unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        summary["alerts"]["failed"].as_object().unwrap().is_empty(),
        "{summary}"
    );
    let sent = summary["alerts"]["sent"][format!("nats:{url}")]
        .as_u64()
        .unwrap();
    assert!(sent > 0, "{summary}");
    let alerts = messages(server.port, "domwatch.alerts").await;
    assert_eq!(alerts.len() as u64, sent);
    assert!(
        alerts
            .iter()
            .all(|a| a["type"] == "finding" && a["domain"] == "hinode-logistics.com")
    );
    // Nothing new: nothing published again.
    let out = dw(run).output().await.unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["alerts"]["sent"][format!("nats:{url}")], 0);
    assert_eq!(
        messages(server.port, "domwatch.alerts").await.len() as u64,
        sent
    );
}
