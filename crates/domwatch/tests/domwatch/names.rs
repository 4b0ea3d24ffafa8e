//! End-to-end tests of `domwatch name` and `domwatch psl`.

use assert_cmd::Command;

fn domwatch(data: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data).env_remove("DOMWATCH_PSL");
    c
}

#[test]
fn name_normalises_and_splits() {
    let dir = tempfile::tempdir().unwrap();
    let out = domwatch(dir.path())
        .args([
            "name",
            "--format",
            "json",
            "WwW.Example.CO.JP.",
            "例え.jp",
            "x.evil.github.io",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["name"], "www.example.co.jp");
    assert_eq!(v[0]["icann_registrable"], "example.co.jp");
    assert_eq!(v[1]["name"], "xn--r8jz45g.jp");
    assert_eq!(v[1]["unicode"], "例え.jp");
    assert_eq!(v[2]["icann_registrable"], "github.io");
    assert_eq!(v[2]["registrable"], "evil.github.io");
    assert_eq!(v[2]["private_suffix"], true);
}

#[test]
fn bad_name_is_a_one_line_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = domwatch(dir.path())
        .args(["name", "exa mple.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("exa mple.com") && err.contains("not allowed"),
        "{err}"
    );
}

#[test]
fn psl_update_installs_a_list_used_by_later_runs() {
    let dir = tempfile::tempdir().unwrap();
    // A list with one extra private rule that the embedded list does not have.
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../domains/data/public_suffix_list.dat"
    ))
    .unwrap();
    let custom = dir.path().join("custom.dat");
    std::fs::write(
        &custom,
        format!("{base}\n// ===BEGIN PRIVATE DOMAINS===\nbrand-hosting.example\n"),
    )
    .unwrap();
    let json = |args: &[&str]| -> serde_json::Value {
        let out = domwatch(dir.path()).args(args).output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = json(&[
        "psl",
        "lookup",
        "--format",
        "json",
        "a.b.brand-hosting.example",
    ]);
    assert_eq!(v[0]["registrable"], "brand-hosting.example");

    let up = domwatch(dir.path())
        .args(["psl", "update"])
        .arg(&custom)
        .output()
        .unwrap();
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let v = json(&[
        "psl",
        "lookup",
        "--format",
        "json",
        "a.b.brand-hosting.example",
    ]);
    assert_eq!(v[0]["registrable"], "b.brand-hosting.example");
    let v = json(&["psl", "show", "--format", "json"]);
    assert_eq!(v["source"], "installed");

    // A file that is not a list is refused and the installed one stays.
    let junk = dir.path().join("junk.dat");
    std::fs::write(&junk, "com\n").unwrap();
    let bad = domwatch(dir.path())
        .args(["psl", "update"])
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let v = json(&["psl", "show", "--format", "json"]);
    assert!(v["rules"].as_u64().unwrap() > 5000);
}
