//! `domwatch serve --tls-cert --tls-key`: HTTPS from the binary with a certificate made in the
//! test; a missing file or a key of another certificate is a one-line error, exit 2.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

fn serve(
    dir: &std::path::Path,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"));
    c.arg("--no-progress")
        .env("DOMWATCH_DB", dir.join("d.db"))
        .env("XDG_DATA_HOME", dir)
        .env_remove("DOMWATCH_CONFIG")
        .env_remove("DOMWATCH_PSL")
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(cert)
        .arg("--tls-key")
        .arg(key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

fn self_signed() -> (String, String) {
    let c = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (c.cert.pem(), c.signing_key.serialize_pem())
}

#[tokio::test]
async fn serve_over_tls_and_bad_certificates() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = self_signed();
    let (_, other_key) = self_signed();
    std::fs::write(d.join("cert.pem"), &cert).unwrap();
    std::fs::write(d.join("key.pem"), &key).unwrap();
    std::fs::write(d.join("other.pem"), &other_key).unwrap();

    for (c, k, says) in [
        ("cert.pem", "missing.pem", "cannot read"),
        ("cert.pem", "other.pem", "does not match"),
        ("key.pem", "key.pem", "no PEM certificate"),
    ] {
        let out = serve(d, &d.join(c), &d.join(k)).output().await.unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{c} {k}: {err}");
        assert!(err.contains(says), "{c} {k}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }

    let mut child = serve(d, &d.join("cert.pem"), &d.join("key.pem"))
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let port = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the console's address");
        if let Some(rest) = line.strip_prefix("domwatch console on https://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse::<u16>().unwrap();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.as_bytes()).unwrap()])
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let r = http
        .get(format!("https://localhost:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok\n");
    child.kill().await.unwrap();
}
