//! Every real answer in tests/fixtures/whois-samples/ parsed and compared with the field values a
//! peer parser extracted (`<file>.json`): registrar name, created/updated/expiry dates (as
//! instants), statuses (as EPP status sets), name servers (lower case, no trailing dot) and
//! DNSSEC (signed or not), wherever the JSON has the field.
//!
//! Where the sample JSON is wrong or lossy, [`DISAGREEMENTS`] says so, gives the value we
//! produce instead, and the test asserts that value (and that the JSON really differs, so a
//! stale entry is caught).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use domains::DomainName;
use domains::registration::{EppStatus, RegDate, RegistrationRecord};
use probe::whois;
use serde_json::Value;

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whois-samples")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Registrar,
    Created,
    Updated,
    Expires,
    Statuses,
    Nameservers,
    Dnssec,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Registrar => "registrar",
            Field::Created => "created",
            Field::Updated => "updated",
            Field::Expires => "expires",
            Field::Statuses => "statuses",
            Field::Nameservers => "nameservers",
            Field::Dnssec => "dnssec",
        }
    }
}

/// Documented disagreements: (sample, field, the value we produce, why the sample is wrong).
/// Dates are RFC 3339 with the offset we keep; statuses and name servers are comma-separated
/// sets (EPP spelling; unknown statuses lower case).
const DISAGREEMENTS: &[(&str, Field, &str, &str)] = &[
    // The .jp JSON has no offset in `*_in_time` (it wrote JST wall-clock times as UTC) and
    // keeps `updated` only as raw text: JPRS dates are JST, we keep +09:00. For `created` and
    // `expires` the test compares wall-clock times on .jp (see `compare_date`); `updated` is
    // raw-only in the JSON, so the value is spelled out here.
    (
        "jp_git.jp",
        Field::Updated,
        "2019-06-01T04:52:02+09:00",
        "raw JST text only in the JSON",
    ),
    (
        "jp_google.co.jp",
        Field::Updated,
        "2023-04-01T01:05:57+09:00",
        "raw JST text only in the JSON",
    ),
    (
        "jp_mod.go.jp",
        Field::Updated,
        "2024-01-01T01:04:32+09:00",
        "raw JST text only in the JSON",
    ),
    // JPRS `[Lock Status] AgentChangeLocked` is a status of the name (JPRS registry lock);
    // the sample ignores that line.
    (
        "jp_google.co.jp",
        Field::Statuses,
        "agentchangelocked,connected",
        "sample ignores [Lock Status]",
    ),
    // .ee: the domain's `changed:` is 2019-12-13; the sample took the last `changed:` of the
    // file, which belongs to the name-server block.
    (
        "ee_git.ee",
        Field::Updated,
        "2019-12-13T18:50:04+02:00",
        "sample took the name-server block's changed:",
    ),
    (
        "ee_telia.ee",
        Field::Updated,
        "2020-08-03T00:41:44+03:00",
        "sample took the name-server block's changed:",
    ),
    // .gg: `Delete Prohibited by Registrar` is clientDeleteProhibited; the sample kept only the
    // first word of each status line.
    (
        "gg_google.gg",
        Field::Statuses,
        "active,clientDeleteProhibited,clientTransferProhibited,clientUpdateProhibited,registered",
        "sample truncates 'X Prohibited by Registrar' to 'X'",
    ),
    // .kr: `Megazone(http://HOSTING.KR)`: we keep the name and move the URL to registrar.url,
    // as for every `Name (http://...)` value (.gg `MarkMonitor Inc. (http://...)`, where the
    // sample itself strips it).
    (
        "kr_git.kr",
        Field::Registrar,
        "Megazone",
        "URL suffix moved to registrar.url",
    ),
    // .nz: `query_status: 200 Active`: 200 is the query's result code, the state is Active.
    (
        "nz_gre.nz",
        Field::Statuses,
        "active",
        "sample kept the result code 200 as the status",
    ),
    // .tk writes month-first dates (`Domain registered: 12/18/2001`); the sample reads the
    // expiry day-first (03/02/2020 as 3 February), inconsistently with its own creation date.
    (
        "tk_google.tk",
        Field::Expires,
        "2020-03-02T00:00:00Z",
        "sample mixes MM/DD and DD/MM in one answer",
    ),
    (
        "tk_zcore.tk",
        Field::Expires,
        "2022-01-03T00:00:00Z",
        "sample mixes MM/DD and DD/MM in one answer",
    ),
    // TWNIC `2010-08-13 23:16:40 (UTC+8)` is 15:16:40Z; the sample's instants are wrong (it
    // replaced the hour with 08).
    (
        "tw_google.net.tw",
        Field::Created,
        "2010-08-13T23:16:40+08:00",
        "sample's UTC conversion is wrong",
    ),
    (
        "tw_google.net.tw",
        Field::Expires,
        "2021-08-13T00:00:00+08:00",
        "sample's UTC conversion is wrong",
    ),
    (
        "tw_specialized.com.tw",
        Field::Created,
        "2015-12-09T12:30:05+08:00",
        "sample's UTC conversion is wrong",
    ),
    (
        "tw_specialized.com.tw",
        Field::Expires,
        "2021-12-09T12:30:05+08:00",
        "sample's UTC conversion is wrong",
    ),
];

/// Dates the JSON gives only as raw text that the test cannot read on its own: the instant we
/// expect, written out by hand from the raw text.
const RAW_DATES: &[(&str, Field, &str)] = &[
    ("br_espm.br", Field::Created, "1996-12-06T00:00:00Z"),
    ("br_espm.br", Field::Updated, "2015-04-27T00:00:00Z"),
    ("ch_google.ch", Field::Created, "1999-05-31T00:00:00Z"),
    ("fi_git.fi", Field::Updated, "2019-02-19T00:00:00Z"),
    ("kz_google.kz", Field::Created, "1999-06-07T13:01:43Z"),
    ("kz_google.kz", Field::Updated, "2012-11-28T03:16:59Z"),
    ("tw_git.tw", Field::Created, "2008-05-23T00:00:00Z"),
    ("tw_git.tw", Field::Expires, "2020-05-23T00:00:00Z"),
    ("tw_google.tw", Field::Created, "2005-10-27T00:00:00Z"),
    ("tw_google.tw", Field::Expires, "2020-10-31T00:00:00Z"),
];

struct Sample {
    name: String,
    raw: String,
    json: Value,
}

fn load_samples() -> Vec<Sample> {
    let dir = samples_dir();
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".json") || name.ends_with(".md") || name == "LICENSE" {
            continue;
        }
        let json_path = dir.join(format!("{name}.json"));
        let Ok(json_text) = std::fs::read_to_string(&json_path) else {
            continue;
        };
        let raw = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        out.push(Sample {
            name,
            raw,
            json: serde_json::from_str(&json_text).unwrap(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn parse_sample(s: &Sample) -> RegistrationRecord {
    let (tld, dom) = s.name.split_once('_').unwrap();
    let domain = DomainName::parse(dom).unwrap();
    whois::parse(&s.raw, &domain, Some(tld), "sample")
}

fn norm_status(s: &EppStatus) -> String {
    match s {
        EppStatus::Other(o) => o.to_lowercase(),
        k => k.as_epp().to_string(),
    }
}

fn status_set<'a>(it: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    it.map(|s| norm_status(&EppStatus::parse(s))).collect()
}

fn ns_norm(s: &str) -> String {
    s.trim().trim_end_matches('.').to_lowercase()
}

fn joined(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(",")
}

/// `2019-09-09T08:39:04-0700`, `2011-01-23 00:00:07 +02:00` -> RFC 3339 (the test's own small
/// reader for raw JSON dates, independent of the parser's).
fn raw_to_rfc3339(raw: &str) -> Option<RegDate> {
    let r = raw.trim();
    let b = r.as_bytes();
    if r.len() == 24 && b.get(10) == Some(&b'T') && matches!(b.get(19), Some(b'+' | b'-')) {
        return RegDate::parse_rfc3339(&format!("{}:{}", &r[..22], &r[22..]));
    }
    if r.len() == 26 && b.get(10) == Some(&b' ') && b.get(19) == Some(&b' ') {
        return RegDate::parse_rfc3339(&format!("{}T{}{}", &r[..10], &r[11..19], &r[20..]));
    }
    None
}

fn wall_clock(d: &RegDate) -> String {
    d.at.to_zoned(jiff::tz::TimeZone::fixed(d.offset))
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

struct Outcome {
    checked: usize,
    matched: usize,
    documented: usize,
    mismatches: Vec<String>,
}

fn ours_as_string(rec: &RegistrationRecord, field: Field) -> String {
    match field {
        Field::Registrar => rec
            .registrar
            .as_ref()
            .and_then(|r| r.name.clone())
            .unwrap_or_default(),
        Field::Created => rec.created().map(|d| d.to_rfc3339()).unwrap_or_default(),
        Field::Updated => rec.updated().map(|d| d.to_rfc3339()).unwrap_or_default(),
        Field::Expires => rec.expires().map(|d| d.to_rfc3339()).unwrap_or_default(),
        Field::Statuses => joined(&rec.statuses.iter().map(norm_status).collect()),
        Field::Dnssec => rec
            .dnssec
            .as_ref()
            .is_some_and(|d| d.delegation_signed)
            .to_string(),
        Field::Nameservers => joined(
            &rec.nameservers
                .iter()
                .map(|n| ns_norm(n.as_str()))
                .collect(),
        ),
    }
}

fn check_sample(s: &Sample, out: &mut Outcome) {
    let rec = parse_sample(s);
    let d = &s.json["domain"];
    let is_jp = d["extension"].as_str() == Some("jp");
    let mut check = |field: Field, theirs: Option<String>, agree: &dyn Fn() -> bool| {
        let Some(theirs) = theirs else { return };
        out.checked += 1;
        let ours = ours_as_string(&rec, field);
        if let Some((_, _, corrected, _)) = DISAGREEMENTS
            .iter()
            .find(|(n, f, _, _)| *n == s.name && *f == field)
        {
            out.documented += 1;
            if ours != *corrected {
                out.mismatches.push(format!(
                    "{} {}: documented value {corrected:?}, ours {ours:?}",
                    s.name,
                    field.name()
                ));
            }
            if agree() {
                out.mismatches.push(format!(
                    "{} {}: listed as a disagreement but agrees with the sample",
                    s.name,
                    field.name()
                ));
            }
            return;
        }
        if agree() {
            out.matched += 1;
        } else {
            out.mismatches.push(format!(
                "{} {}: sample {theirs:?}, ours {ours:?}",
                s.name,
                field.name()
            ));
        }
    };

    // registrar name
    let theirs = s.json["registrar"]["name"].as_str().map(str::to_string);
    let ours_reg = ours_as_string(&rec, Field::Registrar);
    check(Field::Registrar, theirs.clone(), &|| {
        theirs.as_deref().map(str::trim) == Some(ours_reg.as_str())
    });

    // dates
    for (field, key) in [
        (Field::Created, "created_date"),
        (Field::Updated, "updated_date"),
        (Field::Expires, "expiration_date"),
    ] {
        let raw = d[key].as_str();
        let in_time = d[format!("{key}_in_time")].as_str();
        if raw.is_none() && in_time.is_none() {
            continue;
        }
        let ours = match field {
            Field::Created => rec.created(),
            Field::Updated => rec.updated(),
            _ => rec.expires(),
        };
        let expected: Option<RegDate> = in_time
            .and_then(RegDate::parse_rfc3339)
            .or_else(|| raw.and_then(raw_to_rfc3339))
            .or_else(|| {
                RAW_DATES
                    .iter()
                    .find(|(n, f, _)| *n == s.name && *f == field)
                    .and_then(|(_, _, v)| RegDate::parse_rfc3339(v))
            });
        let theirs = Some(format!(
            "{} / {}",
            raw.unwrap_or("-"),
            in_time.unwrap_or("-")
        ));
        check(field, theirs, &|| match (&expected, &ours) {
            (Some(e), Some(o)) => {
                if is_jp && in_time.is_some() {
                    // the .jp JSON lost the +09:00 offset: compare wall-clock times
                    wall_clock(o) == wall_clock(e)
                } else {
                    e.at == o.at
                }
            }
            _ => false,
        });
    }

    // statuses
    if let Some(list) = d["status"].as_array() {
        let theirs = status_set(list.iter().filter_map(Value::as_str));
        let ours: BTreeSet<String> = rec.statuses.iter().map(norm_status).collect();
        check(Field::Statuses, Some(joined(&theirs)), &|| theirs == ours);
    }

    // DNSSEC (signed delegation or not; no statement counts as unsigned)
    if let Some(theirs) = d["dnssec"].as_bool() {
        let ours = rec.dnssec.as_ref().is_some_and(|x| x.delegation_signed);
        check(Field::Dnssec, Some(theirs.to_string()), &|| theirs == ours);
    }

    // name servers
    if let Some(list) = d["name_servers"].as_array() {
        let theirs: BTreeSet<String> = list.iter().filter_map(Value::as_str).map(ns_norm).collect();
        let ours: BTreeSet<String> = rec
            .nameservers
            .iter()
            .map(|n| ns_norm(n.as_str()))
            .collect();
        check(Field::Nameservers, Some(joined(&theirs)), &|| {
            theirs == ours
        });
    }
}

#[test]
fn every_sample_agrees_with_its_json() {
    let samples = load_samples();
    assert!(samples.len() >= 100, "only {} samples found", samples.len());
    let mut out = Outcome {
        checked: 0,
        matched: 0,
        documented: 0,
        mismatches: Vec::new(),
    };
    for s in &samples {
        check_sample(s, &mut out);
    }
    // documented entries must name real samples
    for (name, ..) in DISAGREEMENTS {
        assert!(
            samples.iter().any(|s| s.name == *name),
            "disagreement for unknown sample {name}"
        );
    }
    eprintln!(
        "whois samples: {} files, {} field values checked, {} agree, {} documented disagreements, {} mismatches",
        samples.len(),
        out.checked,
        out.matched,
        out.documented,
        out.mismatches.len()
    );
    assert!(
        out.mismatches.is_empty(),
        "{} mismatches:\n{}",
        out.mismatches.len(),
        out.mismatches.join("\n")
    );
}

#[test]
fn every_sample_is_registered_and_names_its_domain() {
    for s in load_samples() {
        let rec = parse_sample(&s);
        assert_eq!(
            rec.lookup,
            domains::registration::Lookup::Registered,
            "{}: {:?}",
            s.name,
            rec.notes
        );
        let (_, dom) = s.name.split_once('_').unwrap();
        let in_text = whois::domain_in_text(&s.raw);
        assert_eq!(
            in_text.as_ref().map(DomainName::as_str),
            Some(dom),
            "{}",
            s.name
        );
    }
}

#[test]
fn cut_and_mangled_samples_never_panic() {
    // Every sample cut at many points, and with its lines shuffled into reverse order: hostile
    // variations of real layouts.
    for s in load_samples() {
        let (tld, dom) = s.name.split_once('_').unwrap();
        let domain = DomainName::parse(dom).unwrap();
        let mut cut = 0;
        while cut < s.raw.len() {
            if s.raw.is_char_boundary(cut) {
                let r = whois::parse(&s.raw[..cut], &domain, Some(tld), "x");
                assert!(r.nameservers.len() <= 64);
                let _ = whois::referral(&s.raw[..cut]);
            }
            cut += 61;
        }
        let reversed: Vec<&str> = s.raw.lines().rev().collect();
        let _ = whois::parse(&reversed.join("\n"), &domain, Some(tld), "x");
    }
}
