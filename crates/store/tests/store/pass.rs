//! Distributed passes on both backends: claims, leases, take-over, one finisher, shared budget.

use std::collections::HashSet;
use std::time::Duration;

use store::{RunStatus, StoreError, WatchedDomain};

use super::fixtures::*;

fn names(n: usize) -> Vec<domains::DomainName> {
    (0..n).map(|i| name(&format!("n{i:03}.com"))).collect()
}

#[test]
fn workers_share_a_pass_without_taking_a_name_twice() {
    for db in dbs() {
        let mut s = db.open();
        let run = s.begin_pass(day(0), &names(50)).unwrap();
        assert_eq!(s.open_pass().unwrap(), Some(run));
        // A second pass (distributed or not) is refused while this one runs.
        assert!(matches!(
            s.begin_pass(day(0), &names(1)),
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            s.begin_run(day(0), 1),
            Err(StoreError::Refused(_))
        ));

        // Four workers, each on its own connection, claim concurrently until drained.
        let now = ts("2026-12-01T00:00:00Z");
        let all: Vec<Vec<String>> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..4)
                .map(|w| {
                    let db = &db;
                    sc.spawn(move || {
                        let mut s = db.open();
                        let id = format!("w{w}");
                        let mut got = Vec::new();
                        loop {
                            let c = s.claim(run, &id, now, Duration::from_secs(60), 3).unwrap();
                            if c.domains.is_empty() {
                                break;
                            }
                            for d in c.domains {
                                s.complete_item(run, &d, &id, now).unwrap();
                                got.push(d.as_str().to_string());
                            }
                        }
                        got
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let flat: Vec<&String> = all.iter().flatten().collect();
        let unique: HashSet<&String> = flat.iter().copied().collect();
        assert_eq!(flat.len(), 50, "{}: every name once", db.backend());
        assert_eq!(unique.len(), 50, "{}: no name twice", db.backend());
        let p = s.pass_progress(run).unwrap().unwrap();
        assert_eq!((p.pending, p.claimed, p.done, p.taken_over), (0, 0, 50, 0));
        assert_eq!(p.workers.len(), 4);
        assert_eq!(p.workers.iter().map(|w| w.done).sum::<usize>(), 50);
        // One finisher.
        assert!(s.finish_pass_if_done(run, day(0)).unwrap());
        assert!(!s.finish_pass_if_done(run, day(0)).unwrap());
        assert_eq!(s.run(run).unwrap().unwrap().status, RunStatus::Finished);
        assert_eq!(s.open_pass().unwrap(), None);
        // Now a new pass may start.
        s.begin_pass(day(1), &names(2)).unwrap();
    }
}

#[test]
fn a_dead_workers_names_are_taken_over_after_its_lease() {
    for db in dbs() {
        let mut s = db.open();
        s.add_watched(
            &names(4)
                .into_iter()
                .map(|n| WatchedDomain {
                    name: n,
                    owner: None,
                    tags: vec![],
                    high_value: false,
                    added_at: day(0),
                })
                .collect::<Vec<_>>(),
        )
        .unwrap();
        let run = s.begin_pass(day(0), &names(4)).unwrap();
        let t0 = ts("2026-12-01T00:00:00Z");
        let lease = Duration::from_secs(30);
        let dead = s.claim(run, "dead", t0, lease, 3).unwrap();
        assert_eq!(dead.domains.len(), 3);
        // The dead worker stored one snapshot and died before marking it done.
        let first = &dead.domains[0];
        let sn = snap(first.as_str(), 0, "Good", true);
        s.record_observation(Some(run), &sn, &[], &[], &[]).unwrap();
        assert!(!s.finish_pass_if_done(run, t0).unwrap());

        // Within the lease, the others get only the free name.
        let live = s.claim(run, "live", t0, lease, 10).unwrap();
        assert_eq!(live.domains, vec![name("n003.com")]);
        s.complete_item(run, &live.domains[0], "live", t0).unwrap();
        // The lease expired: the two unstored names are taken over; the stored one is done.
        let later = ts("2026-12-01T00:01:00Z");
        let taken = s.claim(run, "live", later, lease, 10).unwrap();
        assert_eq!(taken.domains, dead.domains[1..].to_vec());
        let p = s.pass_progress(run).unwrap().unwrap();
        assert_eq!(p.taken_over, 2);
        assert_eq!(p.claimed, 2);
        // Renewing keeps them: no one else gets them before the new lease ends.
        assert_eq!(s.renew_lease(run, "live", later, lease).unwrap(), 2);
        assert!(
            s.claim(run, "third", ts("2026-12-01T00:01:20Z"), lease, 10)
                .unwrap()
                .domains
                .is_empty()
        );
        for d in &taken.domains {
            s.complete_item(run, d, "live", later).unwrap();
        }
        assert!(s.finish_pass_if_done(run, later).unwrap());
        assert_eq!(s.snapshot_count().unwrap(), 1, "nothing duplicated");
    }
}

#[test]
fn the_politeness_budget_is_shared() {
    for db in dbs() {
        let t0 = ts("2026-12-01T00:00:00Z");
        let gap = Duration::from_millis(500);
        // Two processes (connections) asking for the same registry get spaced slots.
        let slots: Vec<_> = std::thread::scope(|sc| {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    let db = &db;
                    sc.spawn(move || {
                        let mut s = db.open();
                        (0..5)
                            .map(|_| s.reserve_slot("rdap.verisign.com", t0, gap).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let mut ms: Vec<i64> = slots
            .iter()
            .map(|t| t.as_millisecond() - t0.as_millisecond())
            .collect();
        ms.sort();
        assert_eq!(
            ms,
            (0..10).map(|i| i * 500).collect::<Vec<_>>(),
            "{}",
            db.backend()
        );
        // Another key has its own budget; a slot in the past starts now.
        let mut s = db.open();
        assert_eq!(s.reserve_slot("rdap.jprs.jp", t0, gap).unwrap(), t0);
        let much_later = ts("2026-12-02T00:00:00Z");
        assert_eq!(
            s.reserve_slot("rdap.verisign.com", much_later, gap)
                .unwrap(),
            much_later
        );
    }
}
