//! End-to-end tests of `domwatch case` and `domwatch report`.

use std::collections::{BTreeMap, BTreeSet};

use assert_cmd::Command;
use serde_json::Value;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/jpcert/2023q1-sample.csv"
);

fn domwatch(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("domwatch").expect("binary");
    c.env("XDG_DATA_HOME", dir)
        .env("DOMWATCH_DB", dir.join("d.db"))
        .env("USER", "analyst1")
        .env_remove("DOMWATCH_PSL")
        .env_remove("DOMWATCH_CONFIG");
    c
}

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = domwatch(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The sample's counts per (JST month, TLD), computed here without domwatch's code: the csv,
/// url and publicsuffix crates directly, the month read off the date text.
fn expected(path: &str) -> BTreeMap<(String, String), (usize, usize)> {
    let list: publicsuffix::List = include_str!("../../../domains/data/public_suffix_list.dat")
        .parse()
        .unwrap();
    let mut groups: BTreeMap<(String, String), (BTreeSet<String>, BTreeSet<String>)> =
        BTreeMap::new();
    let mut rdr = csv::Reader::from_path(path).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let (date, url) = (rec[0].trim(), rec[1].trim());
        if date.len() < 7 {
            continue;
        }
        let month = date[..7].replace('/', "-");
        let Ok(u) = url::Url::parse(url) else {
            continue;
        };
        let Some(url::Host::Domain(host)) = u.host() else {
            continue;
        };
        use publicsuffix::Psl;
        // The ICANN section only: a private-section match counts the ICANN registrable domain.
        let icann = publicsuffix::IcannList::from(list.clone());
        let Some(d) = icann.domain(host.as_bytes()) else {
            continue;
        };
        let d = std::str::from_utf8(d.as_bytes()).unwrap().to_string();
        let tld = d.rsplit('.').next().unwrap().to_string();
        let g = groups.entry((month, tld)).or_default();
        g.0.insert(d);
        g.1.insert(u.to_string());
    }
    groups
        .into_iter()
        .map(|(k, (d, u))| (k, (d.len(), u.len())))
        .collect()
}

#[test]
fn jpcert_import_reproduces_counts_per_month_and_tld() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(
        dir.path(),
        &[
            "case", "import", "--preset", "jpcert", SAMPLE, "--format", "json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v["outcome"]["added"].as_u64().unwrap() > 300, "{v}");
    assert_eq!(v["refused"], 2, "the two URLs on IP addresses: {v}");
    // Idempotent.
    let (code, out, _) = run(
        dir.path(),
        &[
            "case", "import", "--preset", "jpcert", SAMPLE, "--format", "json",
        ],
    );
    assert_eq!(code, 0);
    let again: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(again["outcome"]["added"], 0);
    assert_eq!(
        again["outcome"]["known"],
        v["outcome"]["added"].as_u64().unwrap() + v["outcome"]["known"].as_u64().unwrap()
    );

    let (code, out, err) = run(
        dir.path(),
        &[
            "report",
            "phishing",
            "--by",
            "month,tld",
            "--utc-offset",
            "+09:00",
            "--format",
            "csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let mut got = BTreeMap::new();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("month,tld,domains,urls"));
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        got.insert(
            (f[0].to_string(), f[1].to_string()),
            (
                f[2].parse::<usize>().unwrap(),
                f[3].parse::<usize>().unwrap(),
            ),
        );
    }
    let want = expected(SAMPLE);
    assert_eq!(got, want);
    let months: BTreeSet<&str> = want.keys().map(|(m, _)| m.as_str()).collect();
    assert_eq!(
        months.into_iter().collect::<Vec<_>>(),
        vec!["2023-01", "2023-02", "2023-03"]
    );

    // In UTC a row confirmed at 08:57 JST on 1 March belongs to February: March has fewer
    // URLs than in JST (nothing moves in from April).
    let (_, out, _) = run(
        dir.path(),
        &["report", "phishing", "--by", "month", "--format", "json"],
    );
    let utc: Value = serde_json::from_str(out.trim()).unwrap();
    let utc_march = utc
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["month"] == "2023-03")
        .unwrap()["urls"]
        .as_u64()
        .unwrap() as usize;
    let jst_march: usize = want
        .iter()
        .filter(|((m, _), _)| m == "2023-03")
        .map(|(_, (_, u))| u)
        .sum();
    assert!(utc_march < jst_march, "{utc_march} vs {jst_march}");

    // A period: February only.
    let (_, out, _) = run(
        dir.path(),
        &[
            "report",
            "phishing",
            "--by",
            "tld",
            "--from",
            "2023-02",
            "--to",
            "2023-02",
            "--utc-offset",
            "+09:00",
            "--format",
            "json",
        ],
    );
    let feb: Value = serde_json::from_str(out.trim()).unwrap();
    let feb_com = feb
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tld"] == "com")
        .unwrap();
    assert_eq!(
        feb_com["domains"].as_u64().unwrap() as usize,
        want[&("2023-02".to_string(), "com".to_string())].0
    );

    let (code, _, err) = run(dir.path(), &["report", "phishing", "--by", "colour"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_case_from_open_to_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = run(
        d,
        &[
            "case",
            "open",
            "hxxps://secure[.]ucs-card[.]top/login",
            "https://other.ucs-card.top/",
            "--brand",
            "UCS",
            "--tlp",
            "green",
            "--reporter",
            "cert@example.jp",
            "--date",
            "2024-10-02",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["outcome"]["cases_opened"], 1);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["domain"], "ucs-card.top");
    assert_eq!(cases[0]["reports"], 2);
    let id = cases[0]["id"].as_i64().unwrap().to_string();

    // A service-level case.
    let (code, out, _) = run(
        d,
        &[
            "case",
            "open",
            "https://ucs-login.workers.dev/",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let w: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(w["cases"][0]["domain"], "ucs-login.workers.dev");
    assert_eq!(w["cases"][0]["service"], "workers.dev");

    // Refused changes are usage errors and change nothing.
    let (code, _, err) = run(d, &["case", "update", &id, "--state", "closed"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("resolution"), "{err}");
    let (code, _, err) = run(d, &["case", "update", &id]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(d, &["case", "show", "999"]);
    assert_eq!(code, 2, "{err}");

    for args in [
        vec![
            "case",
            "update",
            &id,
            "--state",
            "notifying",
            "--registrar",
            "Example Registrar",
        ],
        vec![
            "case",
            "update",
            &id,
            "--state",
            "mitigated",
            "--mitigated-by",
            "registry",
            "--note",
            "serverHold",
        ],
        vec!["case", "close", &id, "--resolution", "mitigated"],
    ] {
        let (code, out, err) = run(d, &args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    }
    let (code, out, _) = run(d, &["case", "show", &id, "--format", "json"]);
    assert_eq!(code, 0);
    let s: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(s["case"]["state"], "closed");
    assert_eq!(s["case"]["resolution"], "mitigated");
    assert_eq!(s["case"]["mitigated_by"], "registry");
    let kinds: Vec<&str> = s["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "opened", "report", "report", "state", "field", "state", "field", "note", "closed"
        ]
    );
    assert!(
        s["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "analyst1")
    );
    let (_, table, _) = run(d, &["case", "show", &id]);
    assert!(
        table.contains("timeline") && table.contains("serverHold"),
        "{table}"
    );

    // Reports: mitigation by TLD and the per-domain table.
    let (_, out, _) = run(
        d,
        &["report", "mitigation", "--by", "tld", "--format", "json"],
    );
    let m: Value = serde_json::from_str(out.trim()).unwrap();
    let top = m
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tld"] == "top")
        .unwrap();
    assert_eq!(
        (top["cases"].as_i64(), top["mitigated"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(top["acted"], "registry:1");
    let (_, out, _) = run(d, &["report", "domains", "--format", "csv"]);
    assert!(
        out.starts_with("domain,report_date,response_date,acted,status,observed\n"),
        "{out}"
    );
    assert!(out.contains("ucs-card.top,2024-10-02T00:00:00Z,"), "{out}");
    assert!(out.contains(",registry,closed (mitigated)"), "{out}");

    // The abuse returns: reported again, the case is reopened.
    let (code, out, _) = run(
        d,
        &["case", "open", "ucs-card.top/again", "--format", "json"],
    );
    assert_eq!(code, 0);
    let r: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["outcome"]["cases_reopened"], 1);
    assert_eq!(r["cases"][0]["id"].as_i64().unwrap().to_string(), id);
    assert_eq!(r["cases"][0]["state"], "investigating");

    let (_, out, _) = run(
        d,
        &["case", "list", "--open", "--tld", "top", "--format", "csv"],
    );
    assert_eq!(out.lines().count(), 2, "{out}");
    let (code, _, err) = run(d, &["case", "open", "http://192.0.2.7/x"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn url_lists_and_mapped_csv_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let list = d.join("urls.txt");
    std::fs::write(
        &list,
        "# today's feed\nhxxp://paypa1-login[.]com/x\nbiglobes.net\n\n",
    )
    .unwrap();
    for _ in 0..2 {
        let (code, out, err) = run(
            d,
            &[
                "case",
                "import",
                "--preset",
                "urls",
                list.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        assert_eq!(code, 0, "{out}{err}");
    }
    let (_, out, _) = run(d, &["case", "list", "--format", "json"]);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        v.as_array().unwrap().len(),
        2,
        "undated rows are imported once: {v}"
    );

    let csv_file = d.join("feed.csv");
    std::fs::write(
        &csv_file,
        "when,link,target\n2024-10-01 10:00,https://kuronekoyamatc.cc/,Yamato\n2024-10-01 11:00,https://x.kuronekoyamatc.cc/,Yamato\n",
    )
    .unwrap();
    let (code, out, err) = run(
        d,
        &[
            "case",
            "import",
            "--preset",
            "csv",
            "--columns",
            "url=link,date=when,brand=target",
            csv_file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 reports added"), "{out}");
    let (_, out, _) = run(
        d,
        &["case", "list", "--brand", "Yamato", "--format", "json"],
    );
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v[0]["domain"], "kuronekoyamatc.cc");
    assert_eq!(v[0]["reports"], 2);

    // Nothing readable: exit 2; a missing file: exit 2; /dev/zero is refused by size or content.
    let bad = d.join("bad.csv");
    std::fs::write(&bad, "link\n\n").unwrap();
    let (code, _, err) = run(
        d,
        &[
            "case",
            "import",
            "--preset",
            "csv",
            "--columns",
            "url=nope",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(d, &["case", "import", "--preset", "urls", "/nonexistent/x"]);
    assert_eq!(code, 2);
    let (code, _, err) = run(
        d,
        &[
            "case",
            "import",
            "--preset",
            "jpcert",
            "--columns",
            "url=x",
            bad.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
}
