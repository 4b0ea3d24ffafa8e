use super::*;
use crate::dns::DnsOutcome;
use crate::findings::fixtures::*;
use crate::registration::{
    ContactRole, Event, EventAction, LifecyclePhase, Lookup, RegDate, Registrar,
};
use crate::snapshot::ProbeIssue;

fn later(s: &Snapshot, days: i64) -> Snapshot {
    let mut n = s.clone();
    n.taken_at = day(s.taken_at, days);
    n
}

fn kinds(a: &Snapshot, b: &Snapshot) -> Vec<ChangeKind> {
    let mut k: Vec<ChangeKind> = diff(a, b).into_iter().map(|c| c.kind).collect();
    k.sort();
    k
}

fn one(a: &Snapshot, b: &Snapshot, kind: ChangeKind) -> Change {
    diff(a, b)
        .into_iter()
        .find(|c| c.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", kinds(a, b)))
}

#[test]
fn identical_snapshots_have_no_changes() {
    let a = healthy();
    assert!(diff(&a, &later(&a, 1)).is_empty());
}

#[test]
fn kind_names_are_unique_kebab() {
    let mut names: Vec<&str> = ChangeKind::ALL.iter().map(ChangeKind::as_str).collect();
    for n in &names {
        assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}");
    }
    for k in ChangeKind::ALL {
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, format!("\"{}\"", k.as_str()));
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ChangeKind::ALL.len());
}

fn hijacked(a: &Snapshot) -> Snapshot {
    let mut b = later(a, 1);
    both(&mut b, |r| {
        r.registrar = Some(Registrar {
            name: Some("Evil Registrar".into()),
            iana_id: Some("6666".into()),
            ..Registrar::default()
        });
        r.statuses.clear();
        r.events.push(Event {
            action: EventAction::Transfer,
            date: RegDate::utc(ts("2026-06-01T12:00:00Z")),
        });
        r.nameservers = vec![name("ns1.evil.test"), name("ns2.evil.test")];
    });
    let del = b.dns.as_mut().unwrap().delegation.as_mut().unwrap();
    del.ns = vec![name("ns1.evil.test"), name("ns2.evil.test")];
    b
}

#[test]
fn hijack_raises_registrar_ns_lock_and_correlates() {
    let a = healthy();
    let b = hijacked(&a);
    let k = kinds(&a, &b);
    for want in [
        ChangeKind::RegistrarChanged,
        ChangeKind::IanaIdChanged,
        ChangeKind::Transfer,
        ChangeKind::LockRemoved,
        ChangeKind::NsChangedRegistry,
        ChangeKind::NsChangedDelegation,
    ] {
        assert!(k.contains(&want), "{want} missing from {k:?}");
    }
    let reg = one(&a, &b, ChangeKind::RegistrarChanged);
    assert_eq!(reg.before, "Good Registrar");
    assert_eq!(reg.after, "Evil Registrar");
    assert_eq!(one(&a, &b, ChangeKind::IanaIdChanged).after, "6666");
    let locks: Vec<Change> = diff(&a, &b)
        .into_iter()
        .filter(|c| c.kind == ChangeKind::LockRemoved)
        .collect();
    assert_eq!(locks.len(), 3);
    assert!(locks.iter().any(|c| c.severity == Severity::High));
    let f = change_findings(&diff(&a, &b));
    assert_eq!(f[0].code, "likely-hijack");
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f.iter().filter(|f| f.code == "likely-hijack").count(), 1);
    // One finding per change besides the correlated one.
    assert_eq!(f.len(), diff(&a, &b).len() + 1);
}

#[test]
fn re_registration_elsewhere_is_a_drop_catch_not_a_hijack() {
    let a = healthy();
    let mut b = hijacked(&a);
    both(&mut b, |r| {
        r.events.retain(|e| e.action != EventAction::Registration);
        r.events.push(Event {
            action: EventAction::Registration,
            date: RegDate::utc(ts("2026-08-20T00:00:00Z")),
        });
    });
    let changes = diff(&a, &b);
    assert!(changes.iter().any(|c| c.kind == ChangeKind::ReRegistered));
    let f = change_findings(&changes);
    assert_eq!(f.iter().filter(|f| f.code == "likely-hijack").count(), 0);
    let drop = f
        .iter()
        .find(|f| f.code == "drop-caught")
        .expect("drop-caught");
    assert_eq!(drop.severity, Severity::Critical);
    assert!(drop.detail.contains("2026-08-20"), "{}", drop.detail);
    assert!(
        drop.detail.contains("Evil Registrar") || drop.detail.contains("6666"),
        "{}",
        drop.detail
    );
}

#[test]
fn registrar_change_alone_is_not_hijack() {
    let a = healthy();
    let mut b = later(&a, 1);
    both(&mut b, |r| {
        r.registrar.as_mut().unwrap().name = Some("Other".into());
    });
    let f = change_findings(&diff(&a, &b));
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].code, "registrar-changed");
}

#[test]
fn lock_added_and_hold_set_removed() {
    let a = healthy();
    let mut b = later(&a, 1);
    both(&mut b, |r| {
        r.statuses.push(EppStatus::ServerTransferProhibited);
        r.statuses.push(EppStatus::ClientHold);
        r.statuses.push(EppStatus::PendingTransfer);
    });
    let k = kinds(&a, &b);
    assert!(k.contains(&ChangeKind::LockAdded));
    assert!(k.contains(&ChangeKind::HoldSet));
    assert!(k.contains(&ChangeKind::PendingTransfer));
    assert_eq!(
        kinds(&b, &later(&a, 2))
            .iter()
            .filter(|k| **k == ChangeKind::HoldRemoved)
            .count(),
        1
    );
}

#[test]
fn dnssec_and_ds() {
    let a = healthy();
    let mut b = later(&a, 1);
    both(&mut b, |r| {
        r.dnssec.as_mut().unwrap().delegation_signed = false
    });
    b.dns
        .as_mut()
        .unwrap()
        .delegation
        .as_mut()
        .unwrap()
        .ds
        .clear();
    let k = kinds(&a, &b);
    assert!(k.contains(&ChangeKind::DnssecOff));
    assert!(k.contains(&ChangeKind::DsRemoved));
    assert!(kinds(&b, &a).contains(&ChangeKind::DnssecOn));
    let mut c = later(&a, 1);
    c.dns.as_mut().unwrap().delegation.as_mut().unwrap().ds[0].key_tag = 2;
    assert_eq!(kinds(&a, &c), vec![ChangeKind::DsChanged]);
}

#[test]
fn contacts() {
    let a = healthy();
    let mut b = later(&a, 1);
    if let Some(r) = b.registrar.as_mut() {
        r.contacts[0].email = Some("new@evil.test".into());
    }
    assert_eq!(kinds(&a, &b), vec![ChangeKind::RegistrantChanged]);
    let mut c = later(&a, 1);
    if let Some(r) = c.registrar.as_mut() {
        let mut admin = r.contacts[0].clone();
        admin.role = ContactRole::Administrative;
        r.contacts.push(admin.clone());
    }
    let mut d = later(&c, 1);
    if let Some(r) = d.registrar.as_mut() {
        r.contacts[1].name = Some("Someone".into());
    }
    assert_eq!(kinds(&c, &d), vec![ChangeKind::ContactChanged]);
    // Redacted or missing contacts are unknown, not changed.
    let mut e = later(&a, 1);
    both(&mut e, |r| r.contacts.clear());
    assert!(diff(&a, &e).is_empty());
}

#[test]
fn expiry_moved() {
    let a = healthy();
    let mut b = later(&a, 1);
    both(&mut b, |r| {
        r.events.retain(|e| e.action != EventAction::Expiration);
        r.events.push(Event {
            action: EventAction::Expiration,
            date: RegDate::utc(ts("2028-01-01T00:00:00Z")),
        });
    });
    let c = one(&a, &b, ChangeKind::ExpiryMoved);
    assert_eq!(c.severity, Severity::Info);
    assert_eq!(
        one(&b, &a, ChangeKind::ExpiryMoved).severity,
        Severity::Medium
    );
}

#[test]
fn lapse_walks_through_phases() {
    let a = healthy();
    let phases = [
        (
            LifecyclePhase::AutoRenewGrace,
            ChangeKind::EnteredAutoRenewGrace,
        ),
        (LifecyclePhase::Redemption, ChangeKind::EnteredRedemption),
        (
            LifecyclePhase::PendingDelete,
            ChangeKind::EnteredPendingDelete,
        ),
    ];
    let mut prev = a.clone();
    for (i, (phase, kind)) in phases.into_iter().enumerate() {
        let mut n = later(&prev, 10 + i as i64);
        n.phase = phase;
        assert_eq!(kinds(&prev, &n), vec![kind]);
        prev = n;
    }
    // Deleted.
    let mut gone = later(&prev, 5);
    both(&mut gone, |r| {
        r.lookup = Lookup::NotFound;
        r.statuses.clear();
    });
    gone.phase = LifecyclePhase::NotRegistered;
    assert_eq!(kinds(&prev, &gone), vec![ChangeKind::Deleted]);
    // Registered again by someone else.
    let mut again = later(&a, 80);
    both(&mut again, |r| {
        r.events.retain(|e| e.action != EventAction::Registration);
        r.events.push(Event {
            action: EventAction::Registration,
            date: RegDate::utc(ts("2026-08-20T00:00:00Z")),
        });
    });
    assert_eq!(kinds(&gone, &again), vec![ChangeKind::ReRegistered]);
    // Re-registered seen directly from pending delete (no snapshot while not registered).
    let k = kinds(&prev, &again);
    assert!(k.contains(&ChangeKind::ReRegistered), "{k:?}");
    assert!(!k.contains(&ChangeKind::Restored), "{k:?}");
    assert!(!k.contains(&ChangeKind::ExpiryMoved), "{k:?}");
    // Restored from redemption.
    let mut red = later(&a, 1);
    red.phase = LifecyclePhase::Redemption;
    assert_eq!(kinds(&red, &later(&a, 2)), vec![ChangeKind::Restored]);
}

#[test]
fn a_aaaa_mx_changes() {
    let a = healthy();
    let mut b = later(&a, 1);
    let dns = b.dns.as_mut().unwrap();
    dns.records = vec![
        rrset("A", &["198.51.100.66"]),
        rrset("AAAA", &["2001:db8::1"]),
        rrset("MX", &["10 mx.evil.test."]),
    ];
    assert_eq!(
        kinds(&a, &b),
        vec![
            ChangeKind::AChanged,
            ChangeKind::AaaaChanged,
            ChangeKind::MxChanged
        ]
    );
}

#[test]
fn partial_snapshots_never_report_removal() {
    let a = healthy();
    // Registry rate limited, registrar too: nothing about registration.
    let mut b = later(&a, 1);
    both(&mut b, |r| {
        r.lookup = Lookup::RateLimited {
            retry_after_secs: None,
        };
        r.statuses.clear();
        r.nameservers.clear();
        r.registrar = None;
        r.dnssec = None;
    });
    b.phase = LifecyclePhase::Unknown;
    b.issues.push(ProbeIssue {
        source: "rdap".into(),
        message: "rate limited".into(),
    });
    assert!(diff(&a, &b).is_empty(), "{:?}", kinds(&a, &b));
    // Registry missing entirely (timeout), registrar answered: not comparable for status.
    let mut c = later(&a, 1);
    c.registry = None;
    if let Some(r) = c.registrar.as_mut() {
        r.statuses.clear();
    }
    assert!(diff(&a, &c).is_empty(), "{:?}", kinds(&a, &c));
    // DNS timeouts: delegation and records unknown.
    let mut d = later(&a, 1);
    let dns = d.dns.as_mut().unwrap();
    let del = dns.delegation.as_mut().unwrap();
    del.outcome = DnsOutcome::Timeout;
    del.ns.clear();
    del.ds.clear();
    for r in &mut dns.records {
        r.outcome = DnsOutcome::ServFail;
        r.values.clear();
    }
    assert!(diff(&a, &d).is_empty(), "{:?}", kinds(&a, &d));
    // No DNS at all.
    let mut e = later(&a, 1);
    e.dns = None;
    assert!(diff(&a, &e).is_empty());
    // Registry with no nameservers listed: unknown, not removed.
    let mut f = later(&a, 1);
    both(&mut f, |r| r.nameservers.clear());
    assert!(diff(&a, &f).is_empty());
}

#[test]
fn delegation_gone_is_a_change() {
    let a = healthy();
    let mut b = later(&a, 1);
    let del = b.dns.as_mut().unwrap().delegation.as_mut().unwrap();
    del.outcome = DnsOutcome::NxDomain;
    del.ns.clear();
    del.ds.clear();
    let c = one(&a, &b, ChangeKind::NsChangedDelegation);
    assert_eq!(c.after, "(none)");
}

#[test]
fn change_finding_fingerprints_differ_by_time() {
    let a = healthy();
    let b = hijacked(&a);
    let f1 = change_findings(&diff(&a, &b));
    let f2 = change_findings(&diff(&a, &b));
    assert_eq!(f1, f2);
    let c = later(&b, 3);
    let f3 = change_findings(&diff(&a, &c));
    assert_ne!(f1[0].fingerprint(), f3[0].fingerprint());
}

#[test]
fn summary_facts() {
    let s = summary(&healthy());
    assert_eq!(s.registrar, "Good Registrar (IANA 1001)");
    assert_eq!(s.nameservers, "ns1.dnshost.net ns2.dnshost.net");
    assert_eq!(s.phase, LifecyclePhase::Active);
}

#[test]
fn delegation_gone_in_redemption_is_expected() {
    let a = healthy();
    let mut b = later(&a, 1);
    b.phase = LifecyclePhase::Redemption;
    let del = b.dns.as_mut().unwrap().delegation.as_mut().unwrap();
    del.outcome = DnsOutcome::NxDomain;
    del.ns.clear();
    del.ds.clear();
    for r in &mut b.dns.as_mut().unwrap().records {
        r.outcome = DnsOutcome::NxDomain;
        r.values.clear();
    }
    let ch = diff(&a, &b);
    let ns = ch
        .iter()
        .find(|c| c.kind == ChangeKind::NsChangedDelegation)
        .unwrap();
    assert_eq!(ns.severity, Severity::Info);
    let a_rec = ch.iter().find(|c| c.kind == ChangeKind::AChanged).unwrap();
    assert_eq!(a_rec.severity, Severity::Info);
    assert_eq!(
        ch.iter()
            .find(|c| c.kind == ChangeKind::EnteredRedemption)
            .unwrap()
            .severity,
        Severity::Critical
    );
}

mod prop {
    use proptest::prelude::*;

    use super::*;
    use crate::findings::{RulePolicy, inspect_findings};

    const STATUSES: [EppStatus; 8] = [
        EppStatus::ClientTransferProhibited,
        EppStatus::ClientUpdateProhibited,
        EppStatus::ServerTransferProhibited,
        EppStatus::ServerUpdateProhibited,
        EppStatus::ServerDeleteProhibited,
        EppStatus::ClientHold,
        EppStatus::PendingTransfer,
        EppStatus::RedemptionPeriod,
    ];
    const OUTCOMES: [DnsOutcome; 6] = [
        DnsOutcome::Answer,
        DnsOutcome::Referral,
        DnsOutcome::NoData,
        DnsOutcome::NxDomain,
        DnsOutcome::Timeout,
        DnsOutcome::ServFail,
    ];
    const PHASES: [LifecyclePhase; 6] = [
        LifecyclePhase::Active,
        LifecyclePhase::AutoRenewGrace,
        LifecyclePhase::Redemption,
        LifecyclePhase::PendingDelete,
        LifecyclePhase::NotRegistered,
        LifecyclePhase::Unknown,
    ];

    /// A snapshot built from arbitrary choices over the fields the rules and the diff read.
    fn arb_snapshot() -> impl Strategy<Value = Snapshot> {
        (
            proptest::bits::u8::ANY,
            0usize..6,
            0usize..6,
            0usize..6,
            0usize..4,
            any::<bool>(),
            any::<bool>(),
            "[a-z]{1,8}",
            0i64..400,
        )
            .prop_map(
                |(bits, out, rec_out, phase, lookup, lame, signed, reg, d)| {
                    let mut s = healthy();
                    s.taken_at = day(s.taken_at, d);
                    s.phase = PHASES[phase];
                    both(&mut s, |r| {
                        r.statuses = STATUSES
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| bits & (1 << i) != 0)
                            .map(|(_, st)| st.clone())
                            .collect();
                        r.lookup = match lookup {
                            0 => Lookup::Registered,
                            1 => Lookup::NotFound,
                            2 => Lookup::Reserved,
                            _ => Lookup::RateLimited {
                                retry_after_secs: None,
                            },
                        };
                        r.registrar.as_mut().unwrap().name = Some(reg.clone());
                        r.dnssec.as_mut().unwrap().delegation_signed = signed;
                    });
                    let dns = s.dns.as_mut().unwrap();
                    dns.delegation.as_mut().unwrap().outcome = OUTCOMES[out].clone();
                    if lame {
                        dns.nameservers[0].servers[0].authoritative = false;
                    }
                    for r in &mut dns.records {
                        r.outcome = OUTCOMES[rec_out].clone();
                    }
                    s
                },
            )
    }

    proptest! {
        #[test]
        fn rules_and_diff_never_panic(a in arb_snapshot(), b in arb_snapshot()) {
            let _ = inspect_findings(&a, a.taken_at, &RulePolicy::default());
            let changes = diff(&a, &b);
            prop_assert!(diff(&a, &a).is_empty());
            let f = change_findings(&changes);
            prop_assert!(f.len() >= changes.len());
            for c in &changes {
                prop_assert!(!c.before.is_empty() && !c.after.is_empty());
            }
        }

        #[test]
        fn unobserved_parts_never_change(a in arb_snapshot()) {
            let mut b = a.clone();
            b.taken_at = day(a.taken_at, 1);
            both(&mut b, |r| {
                r.lookup = Lookup::RateLimited { retry_after_secs: Some(1) };
                r.statuses.clear();
            });
            b.phase = LifecyclePhase::Unknown;
            let dns = b.dns.as_mut().unwrap();
            dns.delegation.as_mut().unwrap().outcome = DnsOutcome::Timeout;
            dns.delegation.as_mut().unwrap().ns.clear();
            for r in &mut dns.records {
                r.outcome = DnsOutcome::Timeout;
                r.values.clear();
            }
            let ch = diff(&a, &b);
            prop_assert!(ch.is_empty(), "{:?}", ch);
        }
    }
}

#[test]
fn jprs_lock_removed() {
    let mut a = healthy();
    both(&mut a, |r| {
        r.statuses = vec![
            EppStatus::parse("Connected"),
            EppStatus::parse("AgentChangeLocked"),
        ]
    });
    let mut b = later(&a, 1);
    both(&mut b, |r| r.statuses = vec![EppStatus::parse("Connected")]);
    let c = one(&a, &b, ChangeKind::LockRemoved);
    assert_eq!(c.before, "AgentChangeLocked");
    assert_eq!(c.severity, Severity::High);
    assert_eq!(kinds(&b, &a), vec![ChangeKind::LockAdded]);
}

#[test]
fn expired_without_grace_status() {
    let a = healthy();
    let mut b = later(&a, 1);
    b.phase = LifecyclePhase::Expired;
    let c = one(&a, &b, ChangeKind::Expired);
    assert_eq!((c.before.as_str(), c.after.as_str()), ("active", "expired"));
    assert_eq!(c.severity, Severity::High);
    // Unknown phases (rate limited) are no transition.
    let mut u = later(&a, 2);
    u.phase = LifecyclePhase::Unknown;
    assert!(diff(&b, &u).is_empty());
}
