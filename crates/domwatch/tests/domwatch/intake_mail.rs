//! End-to-end tests of `domwatch case import --preset eml|xarf`.

use std::collections::BTreeMap;

use assert_cmd::Command;
use serde_json::Value;

const MAIL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../domains/tests/data/mail/");

fn domwatch(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", dir)
        .env("DOMWATCH_DB", dir.join("d.db"))
        .env("USER", "analyst1")
        .env_remove("DOMWATCH_PSL")
        .env_remove("DOMWATCH_CONFIG");
    c
}

fn json(dir: &std::path::Path, args: &[&str]) -> Value {
    let out = domwatch(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn import(dir: &std::path::Path, preset: &str, files: &[&str]) -> Value {
    let mut args = vec!["case", "import", "--preset", preset, "--format", "json"];
    let paths: Vec<String> = files.iter().map(|f| format!("{MAIL}{f}")).collect();
    args.extend(paths.iter().map(String::as_str));
    json(dir, &args)
}

#[test]
fn eml_and_xarf_imports_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let first = import(d, "eml", &["plain.eml", "xarf.eml", "forwarded.eml"]);
    // plain: 3 URLs and names; xarf: its X-ARF report only; forwarded: the phish's link.
    assert_eq!(first["rows"], 5, "{first}");
    assert_eq!(first["refused"], 0, "{first}");
    assert_eq!(first["outcome"]["added"], 5, "{first}");
    let again = import(d, "eml", &["plain.eml", "xarf.eml", "forwarded.eml"]);
    assert_eq!(again["outcome"]["added"], 0, "{again}");
    assert_eq!(again["outcome"]["known"], 5, "{again}");

    // The same X-ARF report as a file: another source, so one more report on the same case.
    let x = import(d, "xarf", &["report.xarf.json"]);
    assert_eq!(x["outcome"]["added"], 1, "{x}");
    assert_eq!(x["outcome"]["cases_opened"], 0, "{x}");
    let x = import(d, "xarf", &["report.xarf.json"]);
    assert_eq!(x["outcome"]["added"], 0, "{x}");
    assert_eq!(x["outcome"]["known"], 1, "{x}");

    let list = json(d, &["case", "list", "--format", "json"]);
    let cases: BTreeMap<String, (String, u64, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["domain"].as_str().unwrap().to_string(),
                (
                    c["category"].as_str().unwrap().to_string(),
                    c["reports"].as_u64().unwrap(),
                    c["first_reported_at"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    let want: BTreeMap<String, (String, u64, String)> = [
        ("paypa1-login.com", "phishing", 1, "2023-03-06T01:15:00Z"),
        (
            "secure-bank-update.net",
            "phishing",
            1,
            "2023-03-06T01:15:00Z",
        ),
        ("cert-example.org", "phishing", 1, "2023-03-06T01:15:00Z"),
        ("files-download.top", "malware", 2, "2023-03-04T12:00:00Z"),
        (
            "amaz0n-account-check.xyz",
            "phishing",
            1,
            "2023-03-06T07:00:00Z",
        ),
    ]
    .into_iter()
    .map(|(d, c, n, t)| (d.to_string(), (c.to_string(), n, t.to_string())))
    .collect();
    assert_eq!(cases, want);

    // The reporter and description come from the message (From, Subject).
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["domain"] == "paypa1-login.com")
        .unwrap()["id"]
        .to_string();
    let show = json(d, &["case", "show", &id, "--format", "json"]);
    let r = &show["reports"][0];
    assert_eq!(r["source"], "eml");
    assert_eq!(r["reporter"], "CERT Example <abuse@cert-example.org>");
    assert_eq!(r["description"], "Phishing sites to take down");
    assert_eq!(r["url"], "https://paypa1-login.com/verify?id=1");
}

#[test]
fn a_message_without_targets_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("empty.eml");
    std::fs::write(
        &f,
        "Subject: hi\r\n\r\nnothing here, write to a@b.example\r\n",
    )
    .unwrap();
    let out = domwatch(dir.path())
        .args(["case", "import", "--preset", "eml"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no URL, host name or X-ARF report in the message"),
        "{err}"
    );
}
