//! `domwatch user`, `token` and `serve` from the binary: accounts, the console over HTTP with
//! a token and a login, its scheduler checking cases against the lab, and a clean stop.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

fn cmd(dir: &std::path::Path, cfg: &std::path::Path) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"));
    c.arg("--config")
        .arg(cfg)
        .arg("--no-progress")
        .env("DOMWATCH_DB", dir.join("d.db"))
        .env("XDG_DATA_HOME", dir)
        .env("USER", "ops")
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("DOMWATCH_PSL");
    c
}

async fn run(
    dir: &std::path::Path,
    cfg: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, String, String) {
    let mut c = cmd(dir, cfg);
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        let mut w = child.stdin.take().unwrap();
        tokio::io::AsyncWriteExt::write_all(&mut w, s.as_bytes())
            .await
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_tokens_and_the_console_with_its_scheduler() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cfg = d.join("lab.toml");
    lab.write_config(&cfg).unwrap();

    // Accounts.
    let (code, out, err) = run(
        d,
        &cfg,
        &[
            "user",
            "add",
            "chief",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("a long enough secret\n"),
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = run(
        d,
        &cfg,
        &[
            "user",
            "add",
            "short",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        Some("short\n"),
    )
    .await;
    assert_eq!(code, 2, "short passwords are refused");
    let (code, out, _) = run(d, &cfg, &["user", "add", "vera", "--role", "viewer"], None).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("password: "),
        "a generated password is printed: {out}"
    );
    let (code, _, _) = run(d, &cfg, &["user", "add", "x<y>", "--role", "viewer"], None).await;
    assert_eq!(code, 2);
    let (_, out, _) = run(d, &cfg, &["user", "list", "--format", "json"], None).await;
    let users: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);
    let (code, token, _) = run(
        d,
        &cfg,
        &["token", "create", "--user", "vera", "--name", "siem"],
        None,
    )
    .await;
    assert_eq!(code, 0);
    let token = token.trim().to_string();
    assert!(token.starts_with("dw_"), "{token}");
    let (code, _, _) = run(d, &cfg, &["user", "remove", "chief"], None).await;
    assert_eq!(code, 2, "the last admin stays");

    // A case notified to the .top registry, which acts after a day.
    let today = lab.now().to_string();
    let (code, out, err) = run(
        d,
        &cfg,
        &[
            "case",
            "open",
            "https://ucs-card.top/login",
            "--date",
            &today,
            "--enrich",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(
        d,
        &cfg,
        &[
            "case",
            "notify",
            "1",
            "--party",
            "registry",
            "--send",
            "--mail-from",
            "csirt@csirt.example",
        ],
        None,
    )
    .await;
    assert_eq!(code, 0, "{out}{err}");
    lab.advance_days(1).await;

    // A watched name for the scheduler's exposure audit.
    let (code, out, err) = run(d, &cfg, &["watch", "add", "hinode-logistics.com"], None).await;
    assert_eq!(code, 0, "{out}{err}");

    // The console, with a case check every second and an audit of the inventory; notifications
    // sent from its case pages go into a folder.
    let mut c = cmd(d, &cfg);
    let outbox = d.join("outbox");
    c.args(["serve", "--listen", "127.0.0.1:0", "--check-every", "1s"])
        .args(["--audit-every", "1h", "--watch-every", "1h", "--eml-dir"])
        .arg(&outbox)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = c.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the console's address");
        if let Some(rest) = line.strip_prefix("domwatch console on ") {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_string();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .get(format!("{base}/api/v1/cases/1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The scheduler records the registry's serverHold (wait for it, bounded).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let case = loop {
        let v: Value = http
            .get(format!("{base}/api/v1/cases/1"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["case"]["state"] == "mitigated" || tokio::time::Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(case["case"]["state"], "mitigated", "{case}");
    assert_eq!(case["case"]["mitigated_by"], "registry");
    // A viewer's token cannot change anything.
    let r = http
        .post(format!("{base}/api/v1/cases/1/notes"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(r#"{"note":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The admin logs in through the form.
    let r = http
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=chief&password=a+long+enough+secret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = http
        .get(format!("{base}/cases/1"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("ucs-card.top") && page.contains("server-hold"),
        "{page}"
    );
    let metrics = http
        .get(format!("{base}/metrics"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("domwatch_case_checks_total"), "{metrics}");
    // The scheduler audited the inventory and stored it (wait for it, bounded).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let audits = loop {
        let v: Value = http
            .get(format!("{base}/api/v1/audits"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if !v.as_array().unwrap().is_empty() || tokio::time::Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(audits[0]["domain"], "hinode-logistics.com", "{audits}");
    // The scheduler's watch pass is counted, with its alerts and probe issues.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let metrics = loop {
        let m = http
            .get(format!("{base}/metrics"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if m.contains("domwatch_watch_passes_total 1") || tokio::time::Instant::now() > deadline {
            break m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(
        metrics.contains("domwatch_watch_passes_total 1"),
        "{metrics}"
    );
    assert!(metrics.contains("domwatch_audits_total 1"), "{metrics}");
    assert!(metrics.contains("# TYPE domwatch_alerts_sent_total counter"));
    assert!(audits[0]["references"].as_u64().unwrap() > 0, "{audits}");

    // SIGTERM stops it cleanly.
    let pid = child.id().unwrap();
    std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    let _ = std::io::stderr().flush();
    lab.shutdown().await;
}
