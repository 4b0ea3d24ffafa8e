use domains::change::{change_findings, diff};
use domains::findings::{RulePolicy, Severity, inspect_findings};
use store::{AlertScope, RunStatus, Store, WatchedDomain};

use super::fixtures::*;

fn watched(n: &str, owner: Option<&str>, tags: &[&str]) -> WatchedDomain {
    WatchedDomain {
        name: name(n),
        owner: owner.map(str::to_string),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        high_value: false,
        added_at: day(0),
    }
}

/// Observes like `watch run` does: diff with the latest stored snapshot, rules, store.
fn observe(
    store: &mut Store,
    run: Option<store::RunId>,
    s: &domains::snapshot::Snapshot,
) -> store::Recorded {
    let prev = store.latest_snapshot(&s.domain).unwrap();
    let changes = prev.map(|p| diff(&p.snapshot, s)).unwrap_or_default();
    let state = inspect_findings(s, s.taken_at, &RulePolicy::default());
    store
        .record_observation(run, s, &changes, &state, &change_findings(&changes))
        .unwrap()
}

#[test]
fn file_store_is_wal_and_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.journal_mode().unwrap(), "wal");
    assert_eq!(s.schema_version().unwrap(), store::SCHEMA_VERSION);
    drop(s);
    // Reopening applies nothing new and keeps the version.
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), store::SCHEMA_VERSION);
    assert_eq!(
        Store::open_in_memory().unwrap().schema_version().unwrap(),
        store::SCHEMA_VERSION
    );
    for db in dbs() {
        let s = db.open();
        assert_eq!(s.backend(), db.backend());
        assert_eq!(s.schema_version().unwrap(), store::SCHEMA_VERSION);
        assert!(s.integrity_check().unwrap());
        drop(s);
        // Two processes starting together migrate once.
        let (a, b) = std::thread::scope(|sc| {
            let a = sc.spawn(|| db.open().schema_version().unwrap());
            let b = sc.spawn(|| db.open().schema_version().unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!((a, b), (store::SCHEMA_VERSION, store::SCHEMA_VERSION));
    }
}

#[test]
fn add_is_idempotent_and_merges() {
    for db in dbs() {
        let mut s = db.open();
        let out = s
            .add_watched(&[
                watched("example.com", Some("web"), &["prod"]),
                watched("example.org", None, &[]),
            ])
            .unwrap();
        assert_eq!((out.added, out.updated), (2, 0));
        let out = s
            .add_watched(&[watched("example.com", None, &["brand", "prod"])])
            .unwrap();
        assert_eq!((out.added, out.updated), (0, 1));
        let all = s.watched().unwrap();
        assert_eq!(all.len(), 2);
        let com = s.watched_domain(&name("example.com")).unwrap().unwrap();
        assert_eq!(com.owner.as_deref(), Some("web"));
        assert_eq!(com.tags, vec!["brand", "prod"]);
        assert_eq!(
            s.remove_watched(&[name("example.org"), name("nope.net")])
                .unwrap(),
            1
        );
        assert_eq!(s.watched().unwrap().len(), 1);
    }
}

#[test]
fn observations_diff_and_alert_once() {
    for db in dbs() {
        let mut s = db.open();
        let run1 = s.begin_run(day(0), 1).unwrap();
        let r = observe(&mut s, Some(run1), &snap("example.com", 0, "Good", true));
        assert!(r.snapshot_id.is_some());
        assert!(r.new_findings.is_empty());
        s.finish_run(run1, day(0)).unwrap();

        let run2 = s.begin_run(day(1), 1).unwrap();
        let r = observe(&mut s, Some(run2), &snap("example.com", 1, "Evil", false));
        // registrar-changed, lock-removed (changes) and no-registrar-lock (state)
        assert_eq!(
            r.new_findings.len(),
            3,
            "{:?}",
            s.findings(None, false).unwrap()
        );
        // The same run again stores nothing (idempotent resume).
        let again = observe(&mut s, Some(run2), &snap("example.com", 1, "Evil", false));
        assert_eq!(again.snapshot_id, None);
        assert_eq!(s.snapshot_count().unwrap(), 2);
        let changes = s.changes(&name("example.com")).unwrap();
        assert_eq!(changes.len(), 2);

        let pending = s
            .unalerted(
                "stdout",
                &AlertScope::watch(Severity::Medium, false),
                day(9),
            )
            .unwrap();
        assert_eq!(pending.len(), 3);
        for f in &pending {
            assert!(s.mark_alerted(f.id, "stdout", day(1)).unwrap());
            assert!(!s.mark_alerted(f.id, "stdout", day(1)).unwrap());
        }
        assert!(
            s.unalerted("stdout", &AlertScope::watch(Severity::Info, false), day(9))
                .unwrap()
                .is_empty()
        );
        // Another sink has its own record.
        assert_eq!(
            s.unalerted("jsonl", &AlertScope::watch(Severity::High, false), day(9))
                .unwrap()
                .len(),
            2
        );

        // The state persists: same finding, not new, not alerted again.
        let run3 = s.begin_run(day(2), 1).unwrap();
        let r = observe(&mut s, Some(run3), &snap("example.com", 2, "Evil", false));
        assert!(r.new_findings.is_empty());
        assert!(
            s.unalerted("stdout", &AlertScope::watch(Severity::Info, false), day(9))
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.alert_count("stdout").unwrap(), 3);
    }
}

#[test]
fn state_findings_resolve_only_on_complete_snapshots() {
    for db in dbs() {
        let mut s = db.open();
        observe(&mut s, None, &snap("example.com", 0, "Good", false));
        let open = |s: &Store| {
            s.findings(Some(&name("example.com")), true)
                .unwrap()
                .into_iter()
                .map(|f| f.finding.code)
                .collect::<Vec<_>>()
        };
        assert_eq!(open(&s), vec!["no-registrar-lock"]);
        // A partial snapshot where the lock shows up again proves nothing about the other parts,
        // so nothing is resolved.
        observe(&mut s, None, &partial(snap("example.com", 1, "Good", true)));
        assert!(open(&s).iter().any(|c| c == "no-registrar-lock"));
        observe(&mut s, None, &snap("example.com", 2, "Good", true));
        assert!(!open(&s).iter().any(|c| c == "no-registrar-lock"));
        let all = s.findings(Some(&name("example.com")), false).unwrap();
        let resolved = all
            .iter()
            .find(|f| f.finding.code == "no-registrar-lock")
            .unwrap();
        assert_eq!(resolved.resolved_at, Some(day(2)));
        assert_eq!(resolved.first_seen, day(0));
    }
}

#[test]
fn crash_mid_run_keeps_stored_snapshots() {
    for db in dbs() {
        crash_mid_run_on(&db);
    }
}

fn crash_mid_run_on(db: &TestDb) {
    let run;
    {
        let mut s = db.open();
        run = s.begin_run(day(0), 3).unwrap();
        observe(&mut s, Some(run), &snap("a.com", 0, "Good", true));
        observe(&mut s, Some(run), &snap("b.com", 0, "Good", true));
        // The process dies here: no finish_run, connection dropped.
    }
    let mut s = db.open();
    assert!(s.integrity_check().unwrap());
    assert_eq!(s.snapshot_count().unwrap(), 2);
    assert_eq!(s.run(run).unwrap().unwrap().status, RunStatus::Running);
    let done = s.run_domains_done(run).unwrap();
    assert!(done.contains("a.com") && done.contains("b.com"));
    // Resume continues the same run; the stored names are skipped and not duplicated.
    let resumed = s.resume_run().unwrap().unwrap();
    assert_eq!(resumed.id, run);
    assert_eq!(resumed.names, 3);
    assert_eq!(
        observe(&mut s, Some(run), &snap("a.com", 0, "Good", true)).snapshot_id,
        None
    );
    observe(&mut s, Some(run), &snap("c.com", 0, "Good", true));
    s.finish_run(run, day(0)).unwrap();
    assert_eq!(s.snapshot_count().unwrap(), 3);
    assert!(s.resume_run().unwrap().is_none());
    // A new run marks an unfinished one interrupted.
    let r2 = s.begin_run(day(1), 1).unwrap();
    let r3 = s.begin_run(day(1), 1).unwrap();
    assert_eq!(s.run(r2).unwrap().unwrap().status, RunStatus::Interrupted);
    assert_eq!(s.runs(10).unwrap()[0].id, r3);
}

#[test]
fn a_failed_transaction_leaves_no_half_rows() {
    for db in dbs() {
        let mut s = db.open();
        let bogus = store::RunId(999);
        // The run does not exist: the foreign key fails and nothing is written.
        let sn = snap("example.com", 0, "Good", false);
        let state = inspect_findings(&sn, sn.taken_at, &RulePolicy::default());
        assert!(
            s.record_observation(Some(bogus), &sn, &[], &state, &[])
                .is_err()
        );
        assert_eq!(s.snapshot_count().unwrap(), 0);
        assert!(s.findings(None, false).unwrap().is_empty());
    }
}

#[test]
fn history_is_ordered() {
    for db in dbs() {
        let mut s = db.open();
        for d in [0, 2, 1] {
            observe(&mut s, None, &snap("example.com", d, "Good", true));
        }
        let h = s.snapshots(&name("example.com"), 10).unwrap();
        let days: Vec<_> = h.iter().map(|x| x.snapshot.taken_at).collect();
        assert_eq!(days, vec![day(0), day(1), day(2)]);
        assert_eq!(s.snapshots(&name("example.com"), 2).unwrap().len(), 2);
        assert_eq!(
            s.latest_snapshot(&name("example.com"))
                .unwrap()
                .unwrap()
                .snapshot
                .taken_at,
            day(2)
        );
    }
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(Store::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = Store::open(&path).unwrap_err();
    assert!(
        matches!(e, store::StoreError::TooNew { store: 99, .. }),
        "a store from a newer domwatch must not be touched: {e}"
    );
    if let Some(db) = fresh_pg() {
        drop(db.open());
        let TestDb::Postgres(_, url) = &db else {
            unreachable!()
        };
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        c.batch_execute("INSERT INTO domwatch_schema (version) VALUES (99)")
            .unwrap();
        let e = db.try_open().unwrap_err();
        assert!(
            matches!(e, store::StoreError::TooNew { store: 99, .. }),
            "{e}"
        );
    }
}

#[test]
fn a_lost_connection_is_reopened() {
    let Some(db) = fresh_pg() else {
        return;
    };
    let TestDb::Postgres(_, url) = &db else {
        unreachable!()
    };
    let mut s = db.open();
    s.add_watched(&[watched("example.com", None, &[])]).unwrap();
    // What a server restart looks like to a client: its session is killed.
    let dbname = url.rsplit('/').next().unwrap().to_string();
    let mut admin = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let killed: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND application_name = 'domwatch' AND pid <> pg_backend_pid()) t",
            &[&dbname],
        )
        .unwrap()
        .get(0);
    assert_eq!(killed, 1);
    assert_eq!(s.watched().unwrap().len(), 1, "the store reconnects");
    s.add_watched(&[watched("example.org", None, &[])]).unwrap();
    assert_eq!(s.watched().unwrap().len(), 2);
}

#[test]
fn findings_are_triaged_filtered_and_paged() {
    use store::{FindingFilter, TriageAction, TriageFilter};
    for db in dbs() {
        let mut s = db.open();
        let b = db.backend();
        let run1 = s.begin_run(day(0), 2).unwrap();
        observe(&mut s, Some(run1), &snap("a.example", 0, "Good", true));
        observe(&mut s, Some(run1), &snap("b.example", 0, "Good", true));
        let run2 = s.begin_run(day(1), 2).unwrap();
        observe(&mut s, Some(run2), &snap("a.example", 1, "Evil", false));
        observe(&mut s, Some(run2), &snap("b.example", 1, "Good", false));
        let all = s.findings(None, true).unwrap();
        assert!(all.len() >= 4, "{b}: {all:?}");
        let now = day(2);
        let q = |f: FindingFilter| f;

        // Filters: severity, code, domain; the cursor pages in id order.
        let high = s
            .findings_where(
                &q(FindingFilter {
                    min_severity: Some(Severity::High),
                    ..Default::default()
                }),
                now,
            )
            .unwrap();
        assert!(high.iter().all(|f| f.finding.severity >= Severity::High));
        assert_eq!(
            high.len(),
            all.iter()
                .filter(|f| f.finding.severity >= Severity::High)
                .count()
        );
        let lock = s
            .findings_where(
                &FindingFilter {
                    code: Some("no-registrar-lock".into()),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(lock.len(), 2, "{b}");
        let only_b = s
            .findings_where(
                &FindingFilter {
                    domain: Some(name("b.example")),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert!(only_b.iter().all(|f| f.finding.domain == name("b.example")));
        let first = s
            .findings_where(
                &FindingFilter {
                    limit: Some(2),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        let rest = s
            .findings_where(
                &FindingFilter {
                    after: Some(first[1].id),
                    ..Default::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(first.len() + rest.len(), all.len(), "{b}");
        assert!(rest.iter().all(|f| f.id > first[1].id));

        // Acknowledge one, mute another until day 5.
        let (fa, fb) = (lock[0].id, lock[1].id);
        let acked = s
            .triage_finding(fa, &TriageAction::Acknowledge, "ana", Some("on it"), now)
            .unwrap()
            .unwrap();
        assert_eq!(acked.triage.acknowledged_by.as_deref(), Some("ana"));
        assert_eq!(acked.triage.note.as_deref(), Some("on it"));
        s.triage_finding(fb, &TriageAction::Mute(Some(day(5))), "ana", None, now)
            .unwrap()
            .unwrap();
        assert!(
            s.triage_finding(999_999, &TriageAction::Acknowledge, "ana", None, now)
                .unwrap()
                .is_none()
        );
        let ids = |t: TriageFilter, at| -> Vec<i64> {
            s.findings_where(
                &FindingFilter {
                    code: Some("no-registrar-lock".into()),
                    triage: t,
                    ..Default::default()
                },
                at,
            )
            .unwrap()
            .iter()
            .map(|f| f.id)
            .collect()
        };
        assert_eq!(ids(TriageFilter::Unmuted, now), [fa], "{b}");
        assert_eq!(ids(TriageFilter::Acknowledged, now), [fa]);
        assert!(ids(TriageFilter::New, now).is_empty());
        assert_eq!(ids(TriageFilter::Muted, now), [fb]);
        assert_eq!(ids(TriageFilter::Any, now).len(), 2);
        // The mute ends by itself.
        assert_eq!(ids(TriageFilter::New, day(6)), [fb]);
        // A muted finding is not alerted.
        assert!(
            s.unalerted("stdout", &AlertScope::watch(Severity::Info, false), now)
                .unwrap()
                .iter()
                .all(|f| f.id != fb)
        );
        s.triage_finding(fb, &TriageAction::Unmute, "ana", None, now)
            .unwrap();
        assert!(
            s.unalerted("stdout", &AlertScope::watch(Severity::Info, false), now)
                .unwrap()
                .iter()
                .any(|f| f.id == fb)
        );

        // a.example locks again (its lock finding resolves), then unlocks: the finding is
        // back, not acknowledged any more.
        let run3 = s.begin_run(day(2), 1).unwrap();
        observe(&mut s, Some(run3), &snap("a.example", 2, "Evil", true));
        assert!(s.finding(fa).unwrap().unwrap().resolved_at.is_some(), "{b}");
        let run4 = s.begin_run(day(3), 1).unwrap();
        observe(&mut s, Some(run4), &snap("a.example", 3, "Evil", false));
        let back = s.finding(fa).unwrap().unwrap();
        assert!(back.resolved_at.is_none());
        assert!(back.triage.acknowledged_at.is_none(), "{b}: {back:?}");
        // Reopen clears everything.
        s.triage_finding(fb, &TriageAction::Mute(None), "ana", None, now)
            .unwrap();
        let f = s
            .triage_finding(fb, &TriageAction::Reopen, "bo", None, now)
            .unwrap()
            .unwrap();
        assert_eq!(f.triage, store::Triage::default());
    }
}
