//! End-to-end tests of `domwatch case export` and `domwatch report ... --format html`.

use std::collections::BTreeSet;

use assert_cmd::Command;
use serde_json::Value;

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("domwatch")
        .expect("binary")
        .env("XDG_DATA_HOME", dir)
        .env("DOMWATCH_DB", dir.join("d.db"))
        .env("USER", "analyst1")
        .env_remove("DOMWATCH_PSL")
        .env_remove("DOMWATCH_CONFIG")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn import(dir: &std::path::Path) {
    let list = dir.join("urls.txt");
    std::fs::write(
        &list,
        "# phishing seen this week\n\
         https://login-bank.top/a\n\
         hxxps://login-bank[.]top/b\n\
         https://secure.evil-pay.com/x\n\
         http://victim.duckdns.org/p\n",
    )
    .unwrap();
    let (code, out, err) = run(
        dir,
        &[
            "case",
            "import",
            "--preset",
            "urls",
            list.to_str().unwrap(),
            "--brand",
            "Bank<script>\"",
            "--tlp",
            "green",
            "--date",
            "2023-01-05",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn stix_export_holds_a_domain_and_an_indicator_per_case() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path());
    let (code, out, err) = run(dir.path(), &["case", "export", "--format", "stix"]);
    assert_eq!(code, 0, "{err}");
    let b: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(b["type"], "bundle");
    let objs = b["objects"].as_array().unwrap();
    let of = |t: &str| -> Vec<&Value> { objs.iter().filter(|o| o["type"] == t).collect() };
    let domains: BTreeSet<&str> = of("domain-name")
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    assert_eq!(
        domains,
        BTreeSet::from(["evil-pay.com", "login-bank.top", "victim.duckdns.org"])
    );
    let indicators = of("indicator");
    assert_eq!(indicators.len(), 3);
    let green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
    for i in &indicators {
        assert_eq!(i["spec_version"], "2.1");
        assert_eq!(i["pattern_type"], "stix");
        assert_eq!(i["valid_from"], "2023-01-05T00:00:00.000Z");
        assert_eq!(i["object_marking_refs"], serde_json::json!([green]));
        let p = i["pattern"].as_str().unwrap();
        assert!(p.starts_with("[domain-name:value = '"), "{p}");
    }
    let bank = indicators
        .iter()
        .find(|i| i["pattern"] == "[domain-name:value = 'login-bank.top']")
        .unwrap();
    assert_eq!(bank["external_references"].as_array().unwrap().len(), 2);
    let markings = of("marking-definition");
    assert_eq!(markings.len(), 1);
    assert_eq!(markings[0]["id"], green);

    // The same ids when exported again, to a file.
    let file = dir.path().join("bundle.json");
    let (code, _, err) = run(
        dir.path(),
        &[
            "case",
            "export",
            "--format",
            "stix",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let again: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(again, b);

    // Filters: only .top.
    let (code, out, _) = run(
        dir.path(),
        &["case", "export", "--format", "csv", "--tld", "top"],
    );
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().nth(1).unwrap().contains("login-bank.top"));

    let (code, out, _) = run(dir.path(), &["case", "export", "--format", "misp"]);
    assert_eq!(code, 0);
    let e: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(e["Event"]["Tag"][0]["name"], "tlp:green");
    assert_eq!(e["Event"]["Attribute"].as_array().unwrap().len(), 3 + 4);
}

#[test]
fn html_reports_are_single_escaped_pages() {
    let dir = tempfile::tempdir().unwrap();
    import(dir.path());
    let page = dir.path().join("phishing.html");
    let (code, out, err) = run(
        dir.path(),
        &[
            "report",
            "phishing",
            "--by",
            "month,tld",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<svg"), "{html}");
    assert!(html.contains(">2023-01</text>"));

    let (code, html, _) = run(
        dir.path(),
        &["report", "phishing", "--by", "brand", "--format", "html"],
    );
    assert_eq!(code, 0);
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("Bank&lt;script&gt;&quot;"));

    for kind in ["mitigation", "domains"] {
        let (code, html, err) = run(dir.path(), &["report", kind, "--format", "html"]);
        assert_eq!(code, 0, "{err}");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script"));
    }

    // Other commands refuse html as a usage error.
    let (code, _, err) = run(dir.path(), &["case", "list", "--format", "html"]);
    assert_eq!(code, 2, "{err}");
}
