//! `domwatch scan --zone-diff OLD NEW`: newly registered names from two copies of a zone file
//! (generated here, CZDS style and with `$ORIGIN`/relative names, gzip and plain).

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;

const BRANDS: &str = "kuronekoyamato.co.jp\npaypal.com\n";

fn domwatch(data: &Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", data)
        .env_remove("DOMWATCH_PSL")
        .env_remove("RUST_LOG");
    c
}

/// A `.com` zone in CZDS layout: the apex, `n` ordinary delegations (each with two NS lines,
/// a DS and glue for every tenth), then `extra` delegations.
fn czds_zone(n: usize, skip: &[usize], extra: &[&str]) -> String {
    let mut z = String::from(
        "com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1765000000 1800 900 604800 86400\n\
         com.\t172800\tin\tns\ta.gtld-servers.net.\n",
    );
    for i in (0..n).filter(|i| !skip.contains(i)) {
        let d = format!("shop{i:05}-garden.com.");
        z.push_str(&format!("{d}\t172800\tin\tns\tns1.hoster.net.\n"));
        z.push_str(&format!("{d}\t172800\tin\tns\tns2.hoster.net.\n"));
        if i % 10 == 0 {
            z.push_str(&format!("{d}\t86400\tin\tds\t12345 8 2 ABCDEF\n"));
            z.push_str(&format!("ns1.{d}\t172800\tin\ta\t192.0.2.{}\n", i % 250));
        }
    }
    for d in extra {
        z.push_str(&format!("{d}.\t172800\tin\tns\tns1.evil.net.\n"));
    }
    z
}

fn gzip(path: &Path, text: &str) {
    let f = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
}

fn run(dir: &Path, old: &Path, new: &Path, format: &str) -> std::process::Output {
    let brands = dir.join("brands.txt");
    std::fs::write(&brands, BRANDS).unwrap();
    domwatch(dir)
        .args(["scan", "--brands"])
        .arg(&brands)
        .args(["--format", format, "--zone-diff"])
        .arg(old)
        .arg(new)
        .output()
        .unwrap()
}

fn jsonl(out: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn only_added_delegations_are_scanned_and_removed_ones_reported() {
    let dir = tempfile::tempdir().unwrap();
    // A lookalike already in OLD is not reported again; one only glue in NEW is no delegation.
    let old = czds_zone(2000, &[], &["paypa1.com"]);
    let mut new = czds_zone(2000, &[7, 1500], &["paypa1.com", "paypal-login-verify.com"]);
    new.push_str("kuronekoyamatc.com.\t172800\tin\tns\tns1.evil.net.\n");
    new.push_str("paypal-secure.com.\t172800\tin\ta\t192.0.2.9\n");
    new.push_str("unrelated-bakery.com.\t172800\tin\tns\tns1.evil.net.\n");
    let (old_p, new_p) = (
        dir.path().join("com-old.zone.gz"),
        dir.path().join("com-new.zone"),
    );
    gzip(&old_p, &old);
    std::fs::write(&new_p, new).unwrap();
    let v = jsonl(&run(dir.path(), &old_p, &new_p, "jsonl"));
    let added: Vec<&str> = v
        .iter()
        .filter(|o| o["change"] == "added")
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let mut removed: Vec<&str> = v
        .iter()
        .filter(|o| o["change"] == "removed")
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    removed.sort();
    assert_eq!(
        added,
        ["paypal-login-verify.com", "kuronekoyamatc.com"],
        "{v:?}"
    );
    assert_eq!(removed, ["shop00007-garden.com", "shop01500-garden.com"]);
    let hit = v
        .iter()
        .find(|o| o["name"] == "paypal-login-verify.com")
        .unwrap();
    assert_eq!(hit["brand"], "paypal.com");
    assert!(hit["score"].as_u64().unwrap() > 0);

    // json: the counts of both files and the same answer.
    let out = run(dir.path(), &old_p, &new_p, "json");
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["added"], 3, "{j}");
    assert_eq!(j["hits"].as_array().unwrap().len(), 2);
    assert_eq!(j["removed"].as_array().unwrap().len(), 2);
    assert_eq!(j["old"]["bad_lines"], 0);
    assert_eq!(j["dropped"], serde_json::json!({ "allow_lines": 0 }), "{j}");

    // table: both kinds, and the summary on stderr.
    let out = run(dir.path(), &old_p, &new_p, "table");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kuronekoyamatc.com"), "{stdout}");
    assert!(stdout.contains("removed"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("3 added (scanned), 2 removed; 2 hits"),
        "{stderr}"
    );
}

#[test]
fn origin_ttl_and_relative_names_and_same_zone_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let old = "$ORIGIN jp.\n$TTL 86400\n@ IN SOA a.dns.jp. root.dns.jp. (\n 1 2 3 4 5 )\n\
               @ IN NS a.dns.jp.\na.dns IN A 192.0.2.1\nexample IN NS ns1.example\n\
               ns1.example IN A 192.0.2.2\n; a comment\nold-shop NS ns.old-shop\n";
    let new = "$ORIGIN jp.\n$TTL 86400\n@ IN SOA a.dns.jp. root.dns.jp. 2 2 3 4 5\n\
               @ IN NS a.dns.jp.\nexample 3600 IN NS ns1.example\n\
               kuronekoyamato-jp IN NS ns1.evil.net.\n         IN NS ns2.evil.net.\n";
    let (old_p, new_p) = (
        dir.path().join("jp-old.zone"),
        dir.path().join("jp-new.zone.gz"),
    );
    std::fs::write(&old_p, old).unwrap();
    gzip(&new_p, new);
    let v = jsonl(&run(dir.path(), &old_p, &new_p, "jsonl"));
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(v[0]["change"], "added");
    assert_eq!(v[0]["name"], "kuronekoyamato-jp.jp");
    assert_eq!(v[0]["brand"], "kuronekoyamato.co.jp");
    assert_eq!(v[1]["change"], "removed");
    assert_eq!(v[1]["name"], "old-shop.jp");

    // The same file twice: nothing added, nothing removed.
    let out = run(dir.path(), &old_p, &old_p, "jsonl");
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_missing_zone_file_is_a_usage_error_and_feeds_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("z.zone");
    std::fs::write(&p, "com. 900 in soa a. b. 1 2 3 4 5\n").unwrap();
    let out = run(dir.path(), &dir.path().join("absent.zone"), &p, "jsonl");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.zone"));
    let out = domwatch(dir.path())
        .args(["scan", "--brand", "paypal.com", "--zone-diff"])
        .arg(&p)
        .arg(&p)
        .arg("feed.txt")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
