//! End-to-end test of `domwatch demo`: the README's first command must run every step against
//! the lab and show what each capability found.

use assert_cmd::Command;

#[test]
fn demo_runs_every_step_against_the_lab() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("domwatch")
        .unwrap()
        .env("XDG_DATA_HOME", dir.path())
        .args(["demo", "--work-dir"])
        .arg(dir.path().join("demo"))
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each capability shows its result.
    for needle in [
        "$ domwatch fuzz kuronekoyamato.co.jp",
        "kuronekoyamatc.cc: 1 substitution (o->c) of kuronekoyamato",
        "ucs-card.top",
        "ns-650.awsdns-017.net",
        "lame-delegation",
        "likely-hijack",
        "entered-redemption",
        "re-registered",
        "drop-caught",
        // Certificate Transparency: a lookalike's certificate, a rogue one for our own name.
        "$ domwatch --config lab.toml --db domwatch.db ct follow --once --start 0",
        "lookalike-certificate",
        "caa-violation",
        // Triage on the CLI; the console's API over the saved scan, audits and cases.
        ": acknowledged by",
        "audited                 references  findings  worst",
        "/api/v1/cases/3/notify   (the preview, summarised)",
        "(registry): [case 3] Phishing: kuronekoyamatc.cc",
        "Demo finished: every step ran.",
    ] {
        assert!(
            stdout.contains(needle),
            "demo output lacks {needle:?}:\n{stdout}"
        );
    }
    // Popular names of the feed are not reported.
    for benign in ["www.wikipedia.org", "news.yahoo.co.jp", "github.com"] {
        assert!(
            !stdout
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(benign)),
            "{benign} flagged"
        );
    }
}
