//! End-to-end tests of `domwatch scan`: every feed format, gzip, stdin, output formats, the
//! bad-line count and exit codes.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;

fn domwatch(data: &Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data)
        .env_remove("DOMWATCH_PSL")
        .env_remove("RUST_LOG");
    c
}

const BRANDS: &str = "kuronekoyamato.co.jp\nucscard.co.jp ucs-card\namazon.co.jp aws\npaypal.com\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn jsonl(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn scan(dir: &Path, extra: &[&str]) -> std::process::Output {
    let brands = write(dir, "brands.txt", BRANDS);
    let mut args = vec!["scan", "--brands", brands.as_str()];
    if !extra.contains(&"--format") {
        args.extend(["--format", "jsonl"]);
    }
    args.extend_from_slice(extra);
    domwatch(dir).args(&args).output().unwrap()
}

#[test]
fn plain_list_reports_fields_and_counts_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let feed = write(
        dir.path(),
        "names.txt",
        "kuronekoyamatc.cc\nwww.amazon.co.jp\nexample.com\nbad!name\npaypay.ne.jp\n\
         www.ucscard.co.jp.okiae.com\njtb.co.jp\n",
    );
    let out = scan(dir.path(), &["--format", "table", &feed]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kuronekoyamatc.cc"), "{stdout}");
    assert!(stdout.contains("www.ucscard.co.jp.okiae.com"), "{stdout}");
    assert!(!stdout.contains("paypay"), "{stdout}");
    assert!(!stdout.contains("jtb.co.jp"), "{stdout}");
    assert!(!stdout.contains("www.amazon.co.jp "), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 bad lines skipped"), "{stderr}");
    assert!(stderr.contains("2 hits"), "{stderr}");
}

#[test]
fn jsonl_has_all_fields_in_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let feed = write(dir.path(), "n.txt", "ucs-card.top\nkuronekoyamatc.cc\n");
    let out = scan(dir.path(), &[&feed]);
    assert!(out.status.success());
    let v = jsonl(&out.stdout);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["name"], "ucs-card.top");
    assert_eq!(v[1]["name"], "kuronekoyamatc.cc");
    assert_eq!(v[1]["registrable"], "kuronekoyamatc.cc");
    assert_eq!(v[1]["brand"], "kuronekoyamato.co.jp");
    assert!(v[1]["score"].as_u64().unwrap() >= 80);
    assert!(
        v[1]["techniques"]
            .as_array()
            .unwrap()
            .contains(&"edit-distance".into())
    );
    assert!(v[1]["explanation"].as_str().unwrap().starts_with(
        "kuronekoyamatc.cc: 1 substitution (o->c) of kuronekoyamato, TLD changed co.jp->cc"
    ));
}

#[test]
fn urls_zone_ct_csv_gzip_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = write(
        d,
        "urls.txt",
        "https://www.ucscard.co.jp.okiae.com/login?x=1\nhttps:///broken\nhttp://example.org/\n",
    );
    let zone = write(
        d,
        "com.zone",
        "$ORIGIN com.\n$TTL 3600\namazon-login-jp 3600 IN NS ns1.evil.net.\n  3600 IN NS ns2.evil.net.\nexample IN NS a.\nbad!owner IN NS x.\n",
    );
    let ct = write(
        d,
        "ct.jsonl",
        "{\"data\":{\"leaf_cert\":{\"all_domains\":[\"*.paypa1.com\",\"paypa1.com\"]}}}\n{not json\n",
    );
    let csv = write(
        d,
        "feed.csv",
        "date,URL,description\n2023/01/04,https://kuronekoyamatc.cc/x,ヤマト運輸\n2023/01/04\n",
    );
    for (feed, expect_name, bad) in [
        (&url, "www.ucscard.co.jp.okiae.com", 1),
        (&zone, "amazon-login-jp.com", 1),
        (&ct, "paypa1.com", 1),
        (&csv, "kuronekoyamatc.cc", 1),
    ] {
        let out = scan(d, &["-v", feed]);
        assert!(
            out.status.success(),
            "{feed}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = jsonl(&out.stdout);
        assert!(
            v.iter().any(|h| h["name"] == expect_name),
            "{feed}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("({bad} bad lines skipped)")),
            "{feed}: {stderr}"
        );
    }
    // Zone NS targets on request: the fake name server behind a delegation.
    let zone_ns = write(
        d,
        "ns.zone",
        "$ORIGIN com.\nexample 3600 IN NS ns-650.awsdns-017.net.\n",
    );
    let out = scan(d, &[&zone_ns]);
    assert!(jsonl(&out.stdout).is_empty());
    let out = scan(d, &["--zone-targets", &zone_ns]);
    let v = jsonl(&out.stdout);
    assert_eq!(v.len(), 1, "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(v[0]["name"], "ns-650.awsdns-017.net");
    // gzip, detected by magic bytes whatever the file name.
    let gz_path = d.join("names.bin");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(b"kuronekoyamatc.cc\nexample.com\n").unwrap();
    std::fs::write(&gz_path, enc.finish().unwrap()).unwrap();
    let out = scan(d, &[gz_path.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(jsonl(&out.stdout)[0]["name"], "kuronekoyamatc.cc");
    // stdin, explicit `-` and implicit.
    let brands = write(d, "brands.txt", BRANDS);
    for extra in [&["-"][..], &[][..]] {
        let mut args = vec!["scan", "--brands", brands.as_str(), "--format", "jsonl"];
        args.extend_from_slice(extra);
        let out = domwatch(d)
            .args(&args)
            .write_stdin("ns-650.awsdns-017.net\nexample.com\n")
            .output()
            .unwrap();
        assert!(out.status.success());
        let v = jsonl(&out.stdout);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["techniques"][0], "fake-nameserver");
    }
}

#[test]
fn allowlist_min_score_json_csv_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let feed = write(d, "n.txt", "kuronekoyamatc.cc\nucs-card.top\n");
    let allow = write(
        d,
        "allow.json",
        r#"{"name":"mine","list":["ucs-card.top"]}"#,
    );
    let out = scan(d, &["--allow", &allow, "--format", "json", &feed]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["hits"].as_array().unwrap().len(), 1);
    assert_eq!(v["hits"][0]["name"], "kuronekoyamatc.cc");
    assert!(v["lint"].is_array());
    let out = scan(d, &["--format", "csv", "--min-score", "100", &feed]);
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        s.lines().next(),
        Some("name,registrable,brand,score,techniques,explanation")
    );
    let out = scan(d, &["--fail-on-hit", &feed]);
    assert_eq!(out.status.code(), Some(1));
    // Usage errors: no brands, a missing feed.
    let out = domwatch(d).args(["scan", &feed]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = scan(d, &["/nonexistent/feed.txt"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `scan ... | head -n1`: the reader going away is not an error, in every format.
#[test]
fn a_closed_pipe_is_quiet_in_every_format() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let mut feed = String::new();
    for i in 0..20_000 {
        feed.push_str(&format!("kuronekoyamato-{i}.com\n"));
    }
    let feed = write(dir.path(), "feed.txt", &feed);
    for format in ["jsonl", "json", "csv", "list", "table"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
            .env("XDG_DATA_HOME", dir.path())
            .env_remove("DOMWATCH_PSL")
            .args([
                "scan",
                "--brand",
                "kuronekoyamato.co.jp",
                "--format",
                format,
                &feed,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(!line.is_empty(), "{format}: no first line");
        // The stdout reader is dropped here: the rest is written into a closed pipe.
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{format}: {err}");
        assert!(!err.contains("Broken pipe"), "{format}: {err}");
    }
}

/// The brand-list lint: printed once on stderr and in `--format json`'s `lint`; the file's
/// per-brand options (`mode=`, `allow=`, aliases) apply.
#[test]
fn brand_lint_and_per_brand_options() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let brands = write(
        d,
        "brands.txt",
        "# a plain line stays valid\nkuronekoyamato.co.jp yamato ヤマト運輸\nwww.gob.pe\n\
         discover.com\nuu.nl\npaypal.com allow=paypalooza mode=full\n",
    );
    let feed = write(
        d,
        "feed.txt",
        "www.example.com\nwww.discovergarden.net\nk2iyjf74uu2.cn\nuu2fos.info\n\
         paypalooza.com\nxn--eckxa5e4d3a0d2b2209ky9b.com\ndiscover.xyz\npaypal-secure.top\n",
    );
    let out = domwatch(d)
        .args(["scan", "--brands", &brands, "--format", "json", &feed])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("brand list:").count(), 1, "{err}");
    assert!(err.contains("www.gob.pe [strict]"), "{err}");
    assert!(err.contains("discover.com [word]"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lint = v["lint"].as_array().unwrap();
    let of = |b: &str| lint.iter().find(|l| l["brand"] == b).cloned();
    assert_eq!(of("www.gob.pe").unwrap()["findings"][0], "host-label");
    assert_eq!(of("discover.com").unwrap()["findings"][0], "generic-word");
    assert_eq!(of("uu.nl").unwrap()["findings"][0], "short");
    assert_eq!(of("paypal.com").unwrap()["mode"], "full");
    assert_eq!(of("paypal.com").unwrap()["mode_from_file"], true);
    assert!(of("kuronekoyamato.co.jp").is_none());
    let names: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "xn--eckxa5e4d3a0d2b2209ky9b.com",
            "discover.xyz",
            "paypal-secure.top"
        ],
        "{v:#}"
    );
    assert_eq!(v["hits"][0]["techniques"][0], "alias");
}

/// `--format json` reports what was dropped beside `lint` and `hits` (issue 8): names past the
/// 1,000th of one CT line, bad feed lines and junk `--allow` lines; jsonl stays hits only (no
/// jsonl output of domwatch has summary lines).
#[test]
fn json_reports_dropped_names_bad_lines_and_junk_allow_lines() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut names: Vec<String> = vec!["\"kuronekoyamatc.cc\"".into()];
    names.extend((0..1_006).map(|i| format!("\"n{i}.example.org\"")));
    let feed = write(
        d,
        "ct.jsonl",
        &format!(
            "{{\"all_domains\": [{}]}}\nnot json at all\n{{\"all_domains\": [\"paypa1.com\"]}}\n",
            names.join(",")
        ),
    );
    let allow = write(d, "allow.txt", "paypa1.com\nnot a name!\n# ok\nalso bad!\n");
    let base = ["--input-format", "ct", "--allow", allow.as_str()];
    let mut args = base.to_vec();
    args.extend(["--format", "json", feed.as_str()]);
    let out = scan(d, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["dropped"],
        serde_json::json!({
            "names_past_line_limit": 7,
            "line_limit": 1000,
            "bad_lines": 1,
            "allow_lines": 2,
        }),
        "{v}"
    );
    // The existing keys are unchanged: the lint, and the hits (the allowed name is not one).
    assert!(v["lint"].is_array(), "{v}");
    let hits: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(hits, ["kuronekoyamatc.cc"], "{v}");

    // Nothing dropped: zeros, not a missing key.
    let clean = write(d, "clean.txt", "kuronekoyamatc.cc\n");
    let out = scan(d, &["--format", "json", &clean]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dropped"]["names_past_line_limit"], 0, "{v}");
    assert_eq!(v["dropped"]["allow_lines"], 0, "{v}");

    // jsonl: one hit a line, no summary object.
    let mut args = base.to_vec();
    args.push(feed.as_str());
    let out = scan(d, &args);
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["name"], "kuronekoyamatc.cc");
    assert!(String::from_utf8_lossy(&out.stderr).contains("7 names dropped past 1000 in one line"));
}
