//! `store migrate`: a store copied between backends, verified by counts and checksums.

use domains::change::{change_findings, diff};
use domains::findings::{RulePolicy, inspect_findings};
use store::{Store, StoreError, WatchedDomain};

use super::fixtures::*;

fn filled(s: &mut Store) {
    s.add_watched(&[WatchedDomain {
        name: name("example.com"),
        owner: Some("web".into()),
        tags: vec!["prod".into()],
        high_value: true,
        added_at: day(0),
    }])
    .unwrap();
    let mut prev: Option<domains::snapshot::Snapshot> = None;
    for (d, reg, lock) in [(0, "Good", true), (1, "Evil", false), (2, "Evil", false)] {
        let run = s.begin_run(day(d), 1).unwrap();
        let sn = snap("example.com", d, reg, lock);
        let changes = prev.as_ref().map(|p| diff(p, &sn)).unwrap_or_default();
        let state = inspect_findings(&sn, sn.taken_at, &RulePolicy::default());
        s.record_observation(Some(run), &sn, &changes, &state, &change_findings(&changes))
            .unwrap();
        s.finish_run(run, day(d)).unwrap();
        prev = Some(sn);
    }
    for f in s
        .unalerted(
            "stdout",
            &store::AlertScope::watch(domains::findings::Severity::Info, false),
            day(9),
        )
        .unwrap()
    {
        s.mark_alerted(f.id, "stdout", day(2)).unwrap();
    }
    let pass = s.begin_pass(day(3), &[name("example.com")]).unwrap();
    s.claim(
        pass,
        "w1",
        ts("2026-12-01T00:00:00Z"),
        std::time::Duration::from_secs(5),
        1,
    )
    .unwrap();
    s.reserve_slot(
        "registry:com",
        ts("2026-12-01T00:00:00Z"),
        std::time::Duration::from_secs(1),
    )
    .unwrap();
    let target = domains::case::intake::Target::parse(
        "https://login.evil.top/",
        domains::SuffixList::embedded(),
        domains::case::intake::ServiceList::embedded(),
    )
    .unwrap();
    let o = s
        .add_reports(
            &[store::NewReport {
                target,
                input: "https://login.evil.top/".into(),
                reported_at: day(1),
                reporter: None,
                brand: Some("Example".into()),
                description: None,
                category: domains::case::Category::Phishing,
                tlp: domains::case::Tlp::Amber,
                source: "open".into(),
                source_key: "open|https://login.evil.top/".into(),
            }],
            "tester",
            day(1),
            |_| {},
        )
        .unwrap();
    s.update_case(
        o.case_ids[0],
        &store::CaseUpdate {
            state: Some(domains::case::CaseState::Triage),
            ..store::CaseUpdate::default()
        },
        "tester",
        day(2),
    )
    .unwrap();
    let case = o.case_ids[0];
    let party = domains::case::notify::Party {
        kind: domains::case::notify::PartyKind::Registry,
        name: Some("Registry \u{7f}\"quoted\"".into()),
        contact: "abuse@nic.top".into(),
        source: "iana".into(),
    };
    let (p, _) = s.add_party(case, &party, "tester", day(2)).unwrap();
    s.add_evidence(
        case,
        "rdap",
        "https://rdap.example/x",
        "application/rdap+json",
        b"{\"a\":1}\xff",
        day(2),
        "tester",
    )
    .unwrap();
    s.record_notification(
        &store::NewNotification {
            case_id: case,
            party_id: p.id,
            sent_at: day(2),
            channel: store::Channel::Eml,
            message_id: "m1@example".into(),
            subject: "s".into(),
            lang: "ja".into(),
            follow_up_due: day(5),
            location: Some("/tmp/m1.eml".into()),
        },
        None,
        false,
        "tester",
    )
    .unwrap();
    let u = s
        .add_user("admin", store::Role::Admin, "$argon2id$h", day(2))
        .unwrap();
    s.add_token("admin", "siem", "th", day(2)).unwrap();
    s.add_session("sh", u.id, "csrf", day(2), day(400)).unwrap();
    s.audit("admin", "user.add", "admin", "", day(2)).unwrap();
    let first = s.findings(None, false).unwrap()[0].id;
    s.triage_finding(
        first,
        &store::TriageAction::Acknowledge,
        "admin",
        Some("seen"),
        day(2),
    )
    .unwrap();
    let scan = s.begin_scan("feed.txt", Some("admin"), 1, day(2)).unwrap();
    s.add_scan_hits(
        scan,
        &[domains::lookalike::Hit {
            name: "paypa1.com".into(),
            registrable: "paypa1.com".into(),
            brand: "paypal.com".into(),
            score: 90,
            techniques: vec!["homoglyph".into()],
            explanation: "1 for l".into(),
        }],
    )
    .unwrap();
    s.finish_scan(scan, 10, None, day(2)).unwrap();
    s.record_audit(
        "example.com",
        day(2),
        1,
        Some("critical"),
        &serde_json::json!({"findings": 1}),
    )
    .unwrap();
    // Certificate Transparency: a log's position and a certificate of an own name.
    s.set_ct_log_position("http://log.example/a/", 3, 9, day(2))
        .unwrap();
    let cert = domains::ct::CtCert {
        kind: domains::ct::EntryKind::Precert,
        logged_at: day(2),
        names: vec!["www.example.com".into()],
        dropped_names: 0,
        issuer: "C=US, O=Let's Encrypt, CN=R10".into(),
        issuer_org: Some("Let's Encrypt".into()),
        serial: "01:02".into(),
        sha256: "ab".repeat(32),
        not_before: Some(day(1)),
        not_after: None,
        chain_len: 1,
        wildcard: false,
    };
    s.record_ct_batch(
        &[store::CtSighting {
            domain: "example.com".into(),
            name: "www.example.com".into(),
            log_url: "http://log.example/a/".into(),
            index: 3,
            cert,
        }],
        &|_, _| Vec::new(),
        Vec::new(),
        Some(("http://log.example/a/", 4, 9)),
        day(2),
    )
    .unwrap();
}

#[test]
fn a_store_is_copied_between_backends_and_verified() {
    let src_db = dbs().remove(0);
    let mut src = src_db.open();
    filled(&mut src);
    let sums = src.table_sums().unwrap();
    assert!(sums.iter().all(|t| t.rows > 0), "{sums:?}");

    // SQLite -> (PostgreSQL when available, else another SQLite file) -> SQLite.
    let mid_db = fresh_pg().unwrap_or_else(|| dbs().remove(0));
    let mut mid = mid_db.open();
    let report = src.copy_to(&mut mid).unwrap();
    assert_eq!(report.tables, sums);
    assert!(report.written > 0);
    assert_eq!(mid.table_sums().unwrap(), sums, "{}", mid_db.backend());
    // Idempotent: copying again writes nothing.
    assert_eq!(src.copy_to(&mut mid).unwrap().written, 0);
    let back_db = dbs().remove(0);
    let mut back = back_db.open();
    mid.copy_to(&mut back).unwrap();
    assert_eq!(back.table_sums().unwrap(), sums);

    // The copy is a working store: same history, new ids after the copied ones.
    assert_eq!(
        mid.snapshots(&name("example.com"), 10).unwrap(),
        src.snapshots(&name("example.com"), 10).unwrap()
    );
    assert_eq!(
        mid.findings(None, false).unwrap(),
        src.findings(None, false).unwrap()
    );
    let max_run = src.runs(1).unwrap()[0].id.0;
    let p = mid.open_pass().unwrap().unwrap();
    let w = mid
        .claim(
            p,
            "w2",
            ts("2026-12-02T00:00:00Z"),
            std::time::Duration::from_secs(5),
            5,
        )
        .unwrap();
    assert_eq!(
        w.domains.len(),
        1,
        "the copied lease expired and is taken over"
    );
    mid.complete_item(p, &w.domains[0], "w2", ts("2026-12-02T00:00:00Z"))
        .unwrap();
    assert!(mid.finish_pass_if_done(p, day(4)).unwrap());
    let next = mid.begin_run(day(5), 1).unwrap();
    assert!(next.0 > max_run);

    // A destination holding other data is refused.
    let mut other = dbs().remove(0).open();
    other
        .add_watched(&[WatchedDomain {
            name: name("other.org"),
            owner: None,
            tags: vec![],
            high_value: false,
            added_at: day(0),
        }])
        .unwrap();
    assert!(matches!(
        src.copy_to(&mut other),
        Err(StoreError::Refused(_))
    ));
}
