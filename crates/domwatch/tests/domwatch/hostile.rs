//! Hostile input (issue 8): side files that never end, and other inputs from outside that must
//! be bounded, refused or reported rather than trusted.

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn domwatch(data: &Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data)
        .env("DOMWATCH_DB", data.join("w.db"))
        .env_remove("DOMWATCH_PSL")
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("RUST_LOG")
        .timeout(Duration::from_secs(60));
    c
}

/// Runs `args` and checks that it fails fast with exit 2 and one line naming the file and the
/// limit (bounded by the bytes read, so `/dev/zero` cannot grow without end).
fn refuses_endless(args: &[&str], file: &str, limit: &str) {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let o = domwatch(dir.path()).args(args).output().unwrap();
    let took = started.elapsed();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(took < Duration::from_secs(30), "{args:?} took {took:?}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line: {err}"
    );
    assert!(err.contains(file), "{args:?} names the file: {err}");
    assert!(err.contains(limit), "{args:?} gives the limit: {err}");
}

#[test]
fn side_files_are_bounded_by_the_bytes_read() {
    let z = "/dev/zero";
    refuses_endless(
        &["fuzz", "--tld-file", z, "example.com"],
        "--tld-file: /dev/zero",
        "16 MiB",
    );
    refuses_endless(
        &["fuzz", "--dictionary", z, "example.com"],
        "--dictionary: /dev/zero",
        "16 MiB",
    );
    refuses_endless(&["scan", "--brands", z], "--brands: /dev/zero", "16 MiB");
    refuses_endless(
        &["scan", "--brand", "example.com", "--allow", z],
        "--allow: /dev/zero",
        "64 MiB",
    );
    refuses_endless(
        &["--psl", z, "psl", "show"],
        "Public Suffix List: /dev/zero",
        "16 MiB",
    );
    refuses_endless(&["psl", "update", z], "/dev/zero", "16 MiB");
    refuses_endless(
        &["--config", z, "inspect", "example.com"],
        "/dev/zero",
        "4 MiB",
    );
    refuses_endless(&["lab", "--scenario", z], "/dev/zero", "4 MiB");
    refuses_endless(&["watch", "add", "--file", z], "/dev/zero", "64 MiB");
}

#[cfg(unix)]
#[test]
fn a_fifo_that_never_ends_is_refused_too() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("tlds.fifo");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(st.success());
    let writer_path = fifo.clone();
    // The writer keeps writing until the reader goes away (EPIPE).
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap();
        let line = b"com\n".repeat(16 * 1024);
        while f.write_all(&line).is_ok() {}
    });
    let o = domwatch(dir.path())
        .args(["fuzz", "--tld-file"])
        .arg(&fifo)
        .arg("example.com")
        .output()
        .unwrap();
    writer.join().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("tlds.fifo is larger than 16 MiB"), "{err}");
}

/// A one-purpose RDAP server on 127.0.0.1:0: every request gets the body that `body` holds at
/// that moment (HTTP 200, `application/rdap+json`).
async fn rdap_stub(body: std::sync::Arc<std::sync::Mutex<String>>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let body = body.lock().unwrap().clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut tmp = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut tmp).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => buf.extend_from_slice(&tmp[..k]),
                    }
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/rdap+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}/rdap/")
}

/// A loopback port where nothing listens.
fn dead_port() -> std::net::SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

async fn run_dw(cfg: &Path, dir: &Path, args: &[&str]) -> (i32, String, String) {
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
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn change_kinds(history: &serde_json::Value) -> Vec<String> {
    history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["changes"].as_array().unwrap().iter())
        .map(|c| c["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rdap_answer_about_another_name_is_unknown_not_a_removal() {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The lab for DNS; .com's RDAP is our stub; .com's WHOIS goes nowhere (refused at once), so
    // only the RDAP answer speaks about the registration.
    let locked = serde_json::json!({
        "objectClassName": "domain",
        "ldhName": "hinode-logistics.com",
        "status": ["active", "client transfer prohibited", "client delete prohibited",
                   "client update prohibited"],
        "events": [{"eventAction": "registration", "eventDate": "2015-04-01T00:00:00Z"},
                   {"eventAction": "expiration", "eventDate": "2030-04-01T00:00:00Z"}],
        "rdapConformance": ["rdap_level_0"]
    })
    .to_string();
    let body = std::sync::Arc::new(std::sync::Mutex::new(locked));
    let base = rdap_stub(body.clone()).await;
    let mut cfg = lab.net_config();
    cfg.rdap_overrides.insert("com".into(), base);
    cfg.whois_overrides
        .insert("com".into(), "whois.nowhere.test".into());
    cfg.whois_hosts
        .insert("whois.nowhere.test".into(), dead_port());
    let cfg_path = dir.path().join("stub.toml");
    std::fs::write(&cfg_path, domains::netconfig::to_toml(&cfg).unwrap()).unwrap();
    let d = dir.path();

    let (code, out, err) = run_dw(&cfg_path, d, &["watch", "add", "hinode-logistics.com"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let run = ["watch", "run", "--format", "json"];
    let (code, out, err) = run_dw(&cfg_path, d, &run).await;
    assert!(code == 0 || code == 1, "{out}{err}");

    // `{}` with 200, then another name's object, then an error page read as JSON: none of
    // them is this name's record.
    for bogus in [
        "{}".to_string(),
        serde_json::json!({"objectClassName": "domain", "ldhName": "other-name.com",
                           "status": ["active"], "rdapConformance": ["rdap_level_0"]})
        .to_string(),
        r#"{"title":"OK","description":["nothing here"]}"#.to_string(),
    ] {
        *body.lock().unwrap() = bogus.clone();
        let (code, out, err) = run_dw(&cfg_path, d, &run).await;
        assert!(code == 0 || code == 1, "{bogus}: {out}{err}");
        let summary: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(summary["run"]["observed"], 1, "{out}");
        assert_eq!(
            summary["run"]["incomplete"], 1,
            "{bogus}: incomplete: {out}"
        );

        let (code, out, _) = run_dw(
            &cfg_path,
            d,
            &["inspect", "--format", "json", "hinode-logistics.com"],
        )
        .await;
        assert_eq!(code, 3, "neither RDAP nor WHOIS read: {out}");
        assert!(
            out.contains("is not about hinode-logistics.com"),
            "{bogus}: {out}"
        );
    }
    let (code, out, err) = run_dw(
        &cfg_path,
        d,
        &[
            "watch",
            "history",
            "hinode-logistics.com",
            "--format",
            "json",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    let h: serde_json::Value = serde_json::from_str(&out).unwrap();
    let kinds = change_kinds(&h);
    for never in [
        "lock-removed",
        "deleted",
        "expired",
        "expiry-moved",
        "registrar-changed",
        "ns-changed-registry",
        "hold-removed",
        "dnssec-off",
    ] {
        assert!(!kinds.iter().any(|k| k == never), "{never}: {kinds:?}");
    }
    lab.shutdown().await;
}

/// A feed that fails part-way (issue 8): the hits already found are printed in every format,
/// then the error, exit 2.
#[test]
fn a_feed_that_fails_part_way_keeps_the_hits_found() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = d.join("good.txt");
    std::fs::write(&good, "kuronekoyamatc.com\nwww.wikipedia.org\n").unwrap();
    // A gzip file cut in the middle: its first names are readable.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"paypa1.com\n").unwrap();
    for i in 0..20_000 {
        writeln!(enc, "benign-{i}-{}.example.org", i * 7919 % 1000).unwrap();
    }
    let gz = enc.finish().unwrap();
    let cut = d.join("cut.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let sub = d.join("a-directory");
    std::fs::create_dir(&sub).unwrap();
    let cases: [(&Path, &str); 2] = [(&cut, "paypa1.com"), (&sub, "kuronekoyamatc.com")];
    for (second, expect) in cases {
        for format in ["table", "json", "jsonl", "csv", "list"] {
            let o = domwatch(d)
                .args([
                    "scan",
                    "--brand",
                    "kuronekoyamato.co.jp",
                    "--brand",
                    "paypal.com",
                ])
                .args(["--format", format])
                .arg(&good)
                .arg(second)
                .output()
                .unwrap();
            let out = String::from_utf8_lossy(&o.stdout);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{format} {second:?}: {out}{err}");
            assert!(
                out.contains(expect),
                "{format} {second:?}: hits kept: {out}{err}"
            );
            assert!(
                err.contains("domwatch: reading"),
                "{format} {second:?}: the error: {err}"
            );
            if format == "json" {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert!(!v["hits"].as_array().unwrap().is_empty(), "{v}");
            }
        }
    }
}

/// Names past the 1,000th of one CT line are counted as dropped; junk lines in `--allow` are
/// counted and reported (issue 8).
#[test]
fn dropped_ct_names_and_junk_allow_lines_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let names: Vec<String> = (0..1_004)
        .map(|i| format!("\"n{i}.example.org\""))
        .collect();
    let ct = d.join("ct.jsonl");
    std::fs::write(&ct, format!("{{\"all_domains\": [{}]}}\n", names.join(","))).unwrap();
    let o = domwatch(d)
        .args([
            "scan",
            "--brand",
            "paypal.com",
            "--input-format",
            "ct",
            "--format",
            "table",
        ])
        .arg(&ct)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("scanned 1000 names"), "{err}");
    assert!(
        err.contains("4 names dropped past 1000 in one line"),
        "{err}"
    );
    // Also without the summary line (jsonl to a pipe).
    let o = domwatch(d)
        .args([
            "scan",
            "--brand",
            "paypal.com",
            "--input-format",
            "ct",
            "--format",
            "jsonl",
        ])
        .arg(&ct)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("4 names dropped past 1000 in one line"),
        "{err}"
    );

    let allow = d.join("allow.txt");
    std::fs::write(
        &allow,
        "paypa1.com\n# a comment\n\nnot a name!\n*.good.example\n\u{1b}[31mred\n",
    )
    .unwrap();
    let feed = d.join("feed.txt");
    std::fs::write(&feed, "paypa1.com\n").unwrap();
    let o = domwatch(d)
        .args([
            "scan",
            "--brand",
            "paypal.com",
            "--format",
            "list",
            "--allow",
        ])
        .arg(&allow)
        .arg(&feed)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        out.trim().is_empty(),
        "the allowed name is not a hit: {out}"
    );
    assert!(
        err.contains("2 lines are not a domain name, ignored (line 4 \"not a name!\", line 6"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "escaped: {err:?}");
}

/// A DNS server that answers every query with garbage (the query id, then noise).
fn garbage_dns_server() -> std::net::SocketAddr {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = sock.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            if n < 2 {
                continue;
            }
            // Wrong ids and a short packet (each a WARN line in the DNS library), then noise
            // under the right id.
            for _ in 0..3 {
                let _ = sock.send_to(
                    &[buf[0] ^ 0xff, buf[1], 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                    from,
                );
            }
            let _ = sock.send_to(&[0], from);
            let mut reply = vec![buf[0], buf[1], 0x84, 0x00, 0xff, 0xff, 0xff, 0xff];
            reply.extend((0..64u8).map(|i| i.wrapping_mul(37) ^ 0xa5));
            let _ = sock.send_to(&reply, from);
        }
    });
    addr
}

/// Logs (issue 8): no colour codes when stderr is not a terminal, no WARN flood from a garbage
/// DNS server without -v, names sanitized under -v.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_plain_quiet_and_sanitized() {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut cfg = lab.net_config();
    let fake_root: std::net::IpAddr = "198.51.100.254".parse().unwrap();
    cfg.root_hints = vec![fake_root];
    cfg.dns_ports.insert(fake_root, garbage_dns_server());
    let cfg_path = d.join("garbage.toml");
    std::fs::write(&cfg_path, domains::netconfig::to_toml(&cfg).unwrap()).unwrap();
    let mut c = domwatch(d);
    c.arg("--config")
        .arg(&cfg_path)
        .arg("--no-progress")
        .args(["inspect", "hinode-logistics.com"]);
    let o = tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("WARN"), "no WARN lines without -v: {err}");
    assert!(!err.contains("ignoring"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "no colour codes into a file: {err:?}"
    );

    // -v: info lines, plain, and a crafted feed name cannot put an escape sequence on stderr.
    let crafted = d.join("feed-\u{1b}[2J-\u{7}.txt");
    std::fs::write(&crafted, "example.org\n").unwrap();
    let o = domwatch(d)
        .args(["-v", "scan", "--brand", "paypal.com", "--format", "list"])
        .arg(&crafted)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("INFO") && err.contains("reading feed"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    lab.shutdown().await;
}

/// A stale `--config` (its lab is gone): `inspect`, `audit` and `watch run` fail up front with
/// one clear error naming the configuration and the bootstrap (exit 3), never asking the real
/// internet and never marking every name incomplete (issue 8).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_config_fails_up_front() {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let cfg = d.join("stale-lab.toml");
    lab.write_config(&cfg).unwrap();
    lab.shutdown().await;
    let runs: [&[&str]; 3] = [
        &["inspect", "hinode-logistics.com"],
        &["audit", "hinode-logistics.com"],
        &["watch", "run"],
    ];
    for args in runs {
        let mut c = domwatch(&d);
        c.arg("--config").arg(&cfg).arg("--no-progress").args(args);
        if args[0] == "watch" {
            let mut add = domwatch(&d);
            add.args(["watch", "add", "hinode-logistics.com"]);
            let o = tokio::task::spawn_blocking(move || add.output().unwrap())
                .await
                .unwrap();
            assert_eq!(o.status.code(), Some(0));
        }
        let started = Instant::now();
        let o = tokio::task::spawn_blocking(move || c.output().unwrap())
            .await
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {out}{err}");
        assert!(
            err.contains("--config") && err.contains("stale-lab.toml"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("RDAP bootstrap") && err.contains("nothing was looked up"),
            "{err}"
        );
        assert!(out.trim().is_empty(), "{args:?}: nothing printed: {out}");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{args:?}: up front"
        );
    }
}
