//! Alerts scoped to what raised a finding: each command alerts its own findings at its own
//! threshold (`Store::unalerted` with an `AlertScope`), and migration 10 tells existing
//! findings' raisers from their codes.

use domains::findings::{Finding, Severity};
use store::{AlertScope, FindingFilter, RaisedBy, TriageFilter};

use super::fixtures::*;

fn finding(domain: &str, code: &str, severity: Severity) -> Finding {
    Finding {
        code: code.into(),
        severity,
        domain: name(domain),
        title: format!("{code} title"),
        detail: format!("{code} detail"),
        remediation: "fix it".into(),
        subject: format!("{code} subject"),
    }
}

fn codes(found: &[store::StoredFinding]) -> Vec<&str> {
    let mut v: Vec<&str> = found.iter().map(|f| f.finding.code.as_str()).collect();
    v.sort_unstable();
    v
}

#[test]
fn unalerted_is_scoped_by_raiser_and_threshold() {
    for db in dbs() {
        let mut s = db.open();
        // A watch pass: registrar-changed (high), lock-removed (high), no-registrar-lock
        // (medium), as in `observations_diff_and_alert_once`.
        let (prev, now) = (
            snap("example.com", 0, "Good", true),
            snap("example.com", 1, "Evil", false),
        );
        for sn in [&prev, &now] {
            let before = s.latest_snapshot(&sn.domain).unwrap();
            let changes = before
                .map(|p| domains::change::diff(&p.snapshot, sn))
                .unwrap_or_default();
            let state = domains::findings::inspect_findings(
                sn,
                sn.taken_at,
                &domains::findings::RulePolicy::default(),
            );
            s.record_observation(
                None,
                sn,
                &changes,
                &state,
                &domains::change::change_findings(&changes),
            )
            .unwrap();
        }
        let watch: Vec<String> = s
            .findings(None, true)
            .unwrap()
            .iter()
            .map(|f| {
                assert_eq!(f.raised_by, RaisedBy::Watch, "{f:?}");
                f.finding.code.clone()
            })
            .collect();
        assert_eq!(watch.len(), 3, "{watch:?}");
        s.add_event_findings(
            &[
                finding("example.com", "unexpected-certificate", Severity::Low),
                finding("example.com", "caa-violation", Severity::High),
            ],
            &RaisedBy::Ct,
            day(1),
        )
        .unwrap();
        s.add_event_findings(
            &[finding(
                "example.com",
                "dangling-reference",
                Severity::Critical,
            )],
            &RaisedBy::Audit,
            day(1),
        )
        .unwrap();
        // A raiser this version does not know is kept as it is.
        s.add_event_findings(
            &[finding("example.com", "beacon", Severity::Critical)],
            &RaisedBy::Other("beacons".into()),
            day(1),
        )
        .unwrap();

        let sink = "jsonl:/tmp/shared.jsonl";
        let ct = s
            .unalerted(sink, &AlertScope::ct(Severity::Low), day(9))
            .unwrap();
        assert_eq!(
            codes(&ct),
            ["caa-violation", "unexpected-certificate"],
            "{}",
            db.backend()
        );
        assert!(ct.iter().all(|f| f.raised_by == RaisedBy::Ct));
        // The medium watch finding is not `ct follow`'s to alert, whatever its threshold.
        let ct_medium = s
            .unalerted(sink, &AlertScope::ct(Severity::Medium), day(9))
            .unwrap();
        assert_eq!(codes(&ct_medium), ["caa-violation"]);

        let w = s
            .unalerted(sink, &AlertScope::watch(Severity::Info, false), day(9))
            .unwrap();
        assert_eq!(
            codes(&w),
            ["lock-removed", "no-registrar-lock", "registrar-changed"]
        );
        let w_high = s
            .unalerted(sink, &AlertScope::watch(Severity::High, false), day(9))
            .unwrap();
        assert_eq!(codes(&w_high), ["lock-removed", "registrar-changed"]);
        let with_audit = s
            .unalerted(sink, &AlertScope::watch(Severity::High, true), day(9))
            .unwrap();
        assert_eq!(
            codes(&with_audit),
            ["dangling-reference", "lock-removed", "registrar-changed"]
        );
        let other = s
            .unalerted(
                sink,
                &AlertScope::new(Severity::Info, [RaisedBy::Other("beacons".into())]),
                day(9),
            )
            .unwrap();
        assert_eq!(codes(&other), ["beacon"]);
        assert_eq!(other[0].raised_by, RaisedBy::Other("beacons".into()));
        assert!(
            s.unalerted(sink, &AlertScope::new(Severity::Info, []), day(9))
                .unwrap()
                .is_empty()
        );

        // Alerting CT's findings to the shared sink leaves the watch's pending there.
        for f in &ct {
            assert!(s.mark_alerted(f.id, sink, day(2)).unwrap());
        }
        assert!(
            s.unalerted(sink, &AlertScope::ct(Severity::Info), day(9))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            s.unalerted(sink, &AlertScope::watch(Severity::Info, false), day(9))
                .unwrap()
                .len(),
            3
        );

        // The raiser as a filter of the lists.
        let listed = s
            .findings_where(
                &FindingFilter {
                    raised_by: Some(RaisedBy::Ct),
                    triage: TriageFilter::Any,
                    ..Default::default()
                },
                day(9),
            )
            .unwrap();
        assert_eq!(codes(&listed), ["caa-violation", "unexpected-certificate"]);
        // And in the JSON of a finding.
        let json = serde_json::to_value(&listed[0]).unwrap();
        assert_eq!(json["raised_by"], "ct");
    }
}

/// Findings as a store at schema version 9 held them (no raiser): the code, and the raiser
/// migration 10 must give it.
const OLD_FINDINGS: [(&str, &str); 6] = [
    ("registrar-changed", "watch"),
    ("no-registrar-lock", "watch"),
    ("unexpected-certificate", "ct"),
    ("lookalike-certificate", "ct"),
    ("dangling-reference", "audit"),
    ("sitting-duck", "audit"),
];

const OLD_INSERT: &str = "INSERT INTO finding (fingerprint, domain, origin, code, severity, title,
         detail, remediation, subject, first_seen, last_seen)
     VALUES ($1, 'example.com', 'change', $1, 'high', 't', 'd', 'r', 's',
             '2026-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z')";

#[test]
fn an_older_store_is_migrated_and_its_findings_raisers_backfilled() {
    for db in dbs() {
        // The store as domwatch left it at schema version 9.
        match &db {
            TestDb::Sqlite(dir) => {
                let mut c = rusqlite::Connection::open(dir.path().join("d.db")).unwrap();
                store::migrations::MIGRATIONS.to_version(&mut c, 9).unwrap();
                for (code, _) in OLD_FINDINGS {
                    c.execute(&OLD_INSERT.replace('$', "?"), [code]).unwrap();
                }
            }
            TestDb::Postgres(_, url) => {
                let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
                store::migrations::pg_to_version(&mut c, 9).unwrap();
                for (code, _) in OLD_FINDINGS {
                    c.execute(OLD_INSERT, &[&code]).unwrap();
                }
            }
        }
        let s = db.open();
        assert_eq!(s.schema_version().unwrap(), store::SCHEMA_VERSION);
        let found = s.findings(None, false).unwrap();
        assert_eq!(found.len(), OLD_FINDINGS.len(), "{}", db.backend());
        for (code, raiser) in OLD_FINDINGS {
            let f = found.iter().find(|f| f.finding.code == code).unwrap();
            assert_eq!(f.raised_by.as_str(), raiser, "{code} on {}", db.backend());
        }
    }
}
