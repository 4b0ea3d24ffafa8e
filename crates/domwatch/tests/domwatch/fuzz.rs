//! End-to-end tests of `domwatch fuzz`.

use assert_cmd::Command;

fn domwatch(data: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data)
        .env_remove("DOMWATCH_PSL")
        .env_remove("DOMWATCH_DB")
        .env_remove("DOMWATCH_CONFIG");
    c
}

fn fuzz(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    domwatch(dir.path())
        .arg("fuzz")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn table_has_columns_and_a_summary() {
    let o = fuzz(&["kuronekoyamato.co.jp", "--technique", "homoglyph,tld-swap"]);
    assert!(o.status.success(), "{o:?}");
    let s = stdout(&o);
    let mut lines = s.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["technique", "name", "unicode"]);
    assert!(s.lines().any(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        f == ["homoglyph", "kuronekoyamatc.co.jp", "kuronekoyamatc.co.jp"]
    }));
    assert!(
        s.lines()
            .any(|l| l.starts_with("tld-swap") && l.contains("kuronekoyamato.ne.jp"))
    );
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("permutations of kuronekoyamato.co.jp: homoglyph "),
        "{err}"
    );
    assert!(err.contains("tld-swap "), "{err}");
}

#[test]
fn list_is_one_a_label_per_line() {
    let o = fuzz(&["amazon.com", "--format", "list", "-t", "cyrillic"]);
    assert!(o.status.success(), "{o:?}");
    let s = stdout(&o);
    assert!(!s.is_empty());
    for l in s.lines() {
        assert!(l.starts_with("xn--") && l.ends_with(".com"), "{l}");
        assert!(l.is_ascii());
    }
    assert!(o.stderr.is_empty(), "no summary outside the table format");
}

#[test]
fn json_array_of_name_unicode_technique() {
    let o = fuzz(&[
        "amazon.com",
        "--format",
        "json",
        "-t",
        "cyrillic",
        "-t",
        "combosquat",
    ]);
    assert!(o.status.success(), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert!(arr.iter().any(|p| p["name"] == "amazon-login.com"
        && p["unicode"] == "amazon-login.com"
        && p["technique"] == "combosquat"));
    assert!(arr.iter().any(|p| p["name"] == "xn--mazon-3ve.com"
        && p["unicode"] == "аmazon.com"
        && p["technique"] == "cyrillic"));
    for p in arr {
        assert_eq!(p.as_object().unwrap().len(), 3);
    }
}

#[test]
fn jsonl_one_object_per_line_with_limit() {
    let o = fuzz(&[
        "awsdns-17.net",
        "--format",
        "jsonl",
        "-t",
        "fake-nameserver",
        "--limit",
        "7",
    ]);
    assert!(o.status.success(), "{o:?}");
    let s = stdout(&o);
    assert_eq!(s.lines().count(), 7);
    let mut names = Vec::new();
    for l in s.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["technique"], "fake-nameserver");
        names.push(v["name"].as_str().unwrap().to_string());
    }
    let all = fuzz(&["awsdns-17.net", "--format", "list", "-t", "fake-nameserver"]);
    let all = stdout(&all);
    let all: Vec<&str> = all.lines().collect();
    assert!(all.contains(&"awsdns-017.net"));
    assert_eq!(names, all[..7]);
}

#[test]
fn csv_with_header() {
    let o = fuzz(&["biglobe.ne.jp", "--format", "csv", "-t", "plural,various"]);
    assert!(o.status.success(), "{o:?}");
    let s = stdout(&o);
    let mut lines = s.lines();
    assert_eq!(lines.next(), Some("name,unicode,technique"));
    assert!(
        s.lines()
            .any(|l| l == "biglobes.ne.jp,biglobes.ne.jp,plural")
    );
    assert!(s.lines().any(|l| l == "biglobene.jp,biglobene.jp,various"));
}

#[test]
fn tld_and_dictionary_files() {
    let dir = tempfile::tempdir().unwrap();
    let tlds = dir.path().join("tlds.txt");
    std::fs::write(&tlds, "# mine\ncc\n\nne.jp\n").unwrap();
    let words = dir.path().join("words.txt");
    std::fs::write(&words, "deals\n").unwrap();
    let o = domwatch(dir.path())
        .args([
            "fuzz",
            "example.co.jp",
            "--format",
            "list",
            "-t",
            "tld-swap,dictionary",
        ])
        .arg("--tld-file")
        .arg(&tlds)
        .arg("--dictionary")
        .arg(&words)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let s = stdout(&o);
    let got: Vec<&str> = s.lines().collect();
    assert_eq!(
        got,
        [
            "example-deals.co.jp",
            "exampledeals.co.jp",
            "deals-example.co.jp",
            "dealsexample.co.jp",
            "example.cc",
            "example.ne.jp"
        ]
    );
}

#[test]
fn bad_input_exits_2_with_one_line() {
    for (args, want) in [
        (vec!["exa mple.com"], "invalid domain name \"exa mple.com\""),
        (vec!["a..b"], "empty label"),
        (
            vec!["co.jp"],
            "cannot fuzz \"co.jp\": it is a public suffix",
        ),
        (
            vec!["example.com", "-t", "nope"],
            "unknown technique \"nope\"",
        ),
        (
            vec!["example.com", "--tld-file", "/nonexistent/tlds"],
            "--tld-file: cannot read /nonexistent/tlds",
        ),
    ] {
        let o = fuzz(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
        assert!(o.stdout.is_empty());
    }
}

fn csv_techniques(args: &[&str]) -> Vec<(String, String)> {
    let mut a = vec!["--format", "csv"];
    a.extend_from_slice(args);
    let o = fuzz(&a);
    assert!(o.status.success(), "{o:?}");
    stdout(&o)
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.first()?.to_string(), f.last()?.to_string()))
        })
        .collect()
}

#[test]
fn large_families_with_t_or_all_only() {
    let default = csv_techniques(&["paypal.com", "--limit", "100000"]);
    assert!(default.iter().any(|(_, t)| t == "vowel-swap-all"));
    assert!(
        !default
            .iter()
            .any(|(_, t)| t == "letter-move" || t == "double-replacement")
    );
    let picked = csv_techniques(&["paypal.com", "-t", "double-replacement"]);
    assert!(picked.iter().all(|(_, t)| t == "double-replacement"));
    assert!(picked.iter().any(|(n, _)| n == "paykkl.com"));
    let all = csv_techniques(&["kuronekoyamato.jp", "--all", "--limit", "1000000"]);
    assert!(
        all.iter()
            .any(|(n, t)| n == "kuronekoyamoat.jp" && t == "letter-move"),
    );
    assert!(all.iter().any(|(_, t)| t == "double-hyphen"));
    assert!(all.iter().any(|(_, t)| t == "tld-swap"));
    let both = fuzz(&["paypal.com", "--all", "-t", "omission"]);
    assert_eq!(both.status.code(), Some(2), "{both:?}");
}
