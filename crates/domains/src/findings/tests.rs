use super::fixtures::*;
use super::*;
use crate::dns::DnsOutcome;
use crate::registration::{EppStatus, LifecyclePhase, Lookup};
use crate::snapshot::ProbeIssue;

fn codes(s: &Snapshot, policy: &RulePolicy) -> Vec<String> {
    inspect_findings(s, s.taken_at, policy)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn has(s: &Snapshot, code: &str) -> bool {
    codes(s, &RulePolicy::default()).iter().any(|c| c == code)
}

fn get(s: &Snapshot, policy: &RulePolicy, code: &str) -> Finding {
    inspect_findings(s, s.taken_at, policy)
        .into_iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code}"))
}

#[test]
fn healthy_has_no_findings() {
    let s = healthy();
    assert!(
        codes(&s, &RulePolicy::default()).is_empty(),
        "{:?}",
        codes(&s, &RulePolicy::default())
    );
}

#[test]
fn severity_order_and_names() {
    assert!(Severity::Info < Severity::Low && Severity::High < Severity::Critical);
    assert_eq!(
        serde_json::to_string(&Severity::Critical).unwrap(),
        "\"critical\""
    );
    assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
    assert!("urgent".parse::<Severity>().is_err());
}

#[test]
fn no_registrar_lock() {
    let mut s = healthy();
    both(&mut s, |r| {
        r.statuses
            .retain(|st| *st != EppStatus::ClientTransferProhibited)
    });
    let f = get(&s, &RulePolicy::default(), "no-registrar-lock");
    assert_eq!(f.severity, Severity::Medium);
    assert!(!f.remediation.is_empty());
    // A registry transfer lock is enough.
    both(&mut s, |r| {
        r.statuses.push(EppStatus::ServerTransferProhibited)
    });
    assert!(!has(&s, "no-registrar-lock"));
}

#[test]
fn no_registrar_lock_not_raised_where_the_registry_offers_none() {
    for (tld, raised) in [("cz", false), ("no", false), ("top", true), ("com", true)] {
        let mut s = healthy();
        both(&mut s, |r| r.statuses = vec![EppStatus::Ok]);
        s.domain = name(&format!("example.{tld}"));
        assert_eq!(has(&s, "no-registrar-lock"), raised, ".{tld}");
    }
}

#[test]
fn no_registry_lock_only_for_high_value() {
    let s = healthy();
    assert!(!has(&s, "no-registry-lock"));
    let hv = RulePolicy {
        high_value: true,
        ..RulePolicy::default()
    };
    let f = get(&s, &hv, "no-registry-lock");
    assert!(f.detail.contains("serverUpdateProhibited"));
    let mut locked = healthy();
    both(&mut locked, |r| {
        r.statuses.extend([
            EppStatus::ServerTransferProhibited,
            EppStatus::ServerUpdateProhibited,
            EppStatus::ServerDeleteProhibited,
        ])
    });
    assert!(!codes(&locked, &hv).iter().any(|c| c == "no-registry-lock"));
}

#[test]
fn expires_soon_thresholds() {
    let mut s = healthy();
    let exp = ts("2027-01-01T00:00:00Z");
    s.taken_at = day(exp, -40);
    assert!(!has(&s, "expires-soon"));
    s.taken_at = day(exp, -20);
    assert_eq!(
        get(&s, &RulePolicy::default(), "expires-soon").severity,
        Severity::Medium
    );
    s.taken_at = day(exp, -3);
    let f = get(&s, &RulePolicy::default(), "expires-soon");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.subject, "2027-01-01T00:00:00Z");
    let p = RulePolicy {
        expiry_warning_days: 60,
        ..RulePolicy::default()
    };
    s.taken_at = day(exp, -40);
    assert!(codes(&s, &p).iter().any(|c| c == "expires-soon"));
}

#[test]
fn lifecycle_phases() {
    let cases = [
        (
            LifecyclePhase::AutoRenewGrace,
            "in-auto-renew-grace",
            Severity::High,
        ),
        (
            LifecyclePhase::Redemption,
            "in-redemption",
            Severity::Critical,
        ),
        (
            LifecyclePhase::PendingDelete,
            "pending-delete",
            Severity::Critical,
        ),
        (LifecyclePhase::Expired, "expired", Severity::High),
    ];
    for (phase, code, sev) in cases {
        let mut s = healthy();
        s.phase = phase;
        assert_eq!(
            get(&s, &RulePolicy::default(), code).severity,
            sev,
            "{code}"
        );
    }
}

#[test]
fn not_registered_and_reserved() {
    let mut s = healthy();
    both(&mut s, |r| r.lookup = Lookup::NotFound);
    s.phase = LifecyclePhase::NotRegistered;
    assert_eq!(codes(&s, &RulePolicy::default()), vec!["not-registered"]);
    s.phase = LifecyclePhase::Reserved;
    both(&mut s, |r| r.lookup = Lookup::Reserved);
    assert_eq!(codes(&s, &RulePolicy::default()), vec!["reserved"]);
}

#[test]
fn rate_limited_is_unknown_not_a_problem() {
    let mut s = healthy();
    both(&mut s, |r| {
        r.lookup = Lookup::RateLimited {
            retry_after_secs: Some(5),
        };
        r.statuses.clear();
    });
    s.phase = LifecyclePhase::Unknown;
    s.issues.push(ProbeIssue {
        source: "rdap".into(),
        message: "429".into(),
    });
    let c = codes(&s, &RulePolicy::default());
    assert!(c.contains(&"registration-unknown".to_string()));
    assert!(c.contains(&"incomplete-observation".to_string()));
    assert!(!c.contains(&"no-registrar-lock".to_string()), "{c:?}");
}

#[test]
fn hold_and_pending_transfer() {
    let mut s = healthy();
    both(&mut s, |r| r.statuses.push(EppStatus::ServerHold));
    let f = get(&s, &RulePolicy::default(), "hold");
    assert!(f.detail.contains("registry"));
    both(&mut s, |r| r.statuses.push(EppStatus::PendingTransfer));
    assert!(has(&s, "pending-transfer"));
}

#[test]
fn lame_and_no_working_nameserver() {
    let mut s = healthy();
    let dns = s.dns.as_mut().unwrap();
    dns.nameservers[0].servers[0].authoritative = false;
    dns.nameservers[0].servers[0].outcome = DnsOutcome::Refused;
    let f = get(&s, &RulePolicy::default(), "lame-delegation");
    assert_eq!(f.subject, "ns1.dnshost.net");
    assert!(f.detail.contains("REFUSED"));
    assert!(!has(&s, "no-working-nameserver"));
    let dns = s.dns.as_mut().unwrap();
    dns.nameservers[1].servers[0].outcome = DnsOutcome::Timeout;
    assert_eq!(
        get(&s, &RulePolicy::default(), "no-working-nameserver").severity,
        Severity::Critical
    );
}

#[test]
fn ns_cname_and_unresolvable() {
    let mut s = healthy();
    let dns = s.dns.as_mut().unwrap();
    dns.nameservers[0].is_cname = true;
    dns.nameservers[1].addresses.clear();
    dns.nameservers[1].servers.clear();
    dns.nameservers[1].resolution = DnsOutcome::NxDomain;
    assert!(has(&s, "ns-is-cname"));
    assert!(has(&s, "ns-unresolvable"));
    // A timeout resolving the NS name is not evidence that it has no address.
    let dns = s.dns.as_mut().unwrap();
    dns.nameservers[1].resolution = DnsOutcome::Timeout;
    assert!(!has(&s, "ns-unresolvable"));
}

#[test]
fn registry_vs_live_ns() {
    let mut s = healthy();
    both(&mut s, |r| {
        r.nameservers = vec![name("ns1.evil.test"), name("ns2.evil.test")]
    });
    let f = get(&s, &RulePolicy::default(), "ns-mismatch-registry-vs-dns");
    assert!(f.detail.contains("ns1.evil.test"));
    // Not compared when the delegation was not observed.
    s.dns.as_mut().unwrap().delegation.as_mut().unwrap().outcome = DnsOutcome::Timeout;
    assert!(!has(&s, "ns-mismatch-registry-vs-dns"));
}

#[test]
fn inconsistent_ns_set_and_serial() {
    let mut s = healthy();
    let dns = s.dns.as_mut().unwrap();
    dns.nameservers[1].servers[0].soa_serial = Some(8);
    dns.nameservers[1].servers[0]
        .ns
        .push(name("ns3.dnshost.net"));
    assert!(has(&s, "inconsistent-soa-serial"));
    assert!(has(&s, "inconsistent-ns-set"));
}

#[test]
fn not_delegated() {
    let mut s = healthy();
    let del = s.dns.as_mut().unwrap().delegation.as_mut().unwrap();
    del.outcome = DnsOutcome::NxDomain;
    del.ns.clear();
    assert!(has(&s, "not-delegated"));
    both(&mut s, |r| r.statuses.push(EppStatus::ClientHold));
    assert!(!has(&s, "not-delegated"));
}

#[test]
fn sorted_by_severity_and_fingerprint_stable() {
    let mut s = healthy();
    s.phase = LifecyclePhase::Redemption;
    both(&mut s, |r| r.statuses.clear());
    let f = inspect_findings(&s, s.taken_at, &RulePolicy::default());
    assert!(f.windows(2).all(|w| w[0].severity >= w[1].severity));
    let again = inspect_findings(&s, s.taken_at, &RulePolicy::default());
    let fp: Vec<String> = f.iter().map(Finding::fingerprint).collect();
    let fp2: Vec<String> = again.iter().map(Finding::fingerprint).collect();
    assert_eq!(fp, fp2);
    assert!(fp[0].starts_with("example.com|in-redemption|"));
}

#[test]
fn delegation_as_answer_or_referral() {
    for outcome in [DnsOutcome::Answer, DnsOutcome::Referral] {
        let mut s = healthy();
        s.dns.as_mut().unwrap().delegation.as_mut().unwrap().outcome = outcome.clone();
        let dns = s.dns.as_mut().unwrap();
        dns.nameservers[0].servers[0].authoritative = false;
        assert!(has(&s, "lame-delegation"), "{outcome:?}");
    }
}

#[test]
fn jprs_lock_counts_as_a_lock() {
    let mut s = healthy();
    both(&mut s, |r| {
        r.statuses = vec![
            EppStatus::parse("Connected"),
            EppStatus::parse("AgentChangeLocked"),
        ]
    });
    assert!(!has(&s, "no-registrar-lock"));
    both(&mut s, |r| r.statuses = vec![EppStatus::parse("Connected")]);
    assert!(has(&s, "no-registrar-lock"));
}

#[test]
fn glue_mismatch_in_bailiwick() {
    use crate::dns::Glue;
    let mut s = healthy();
    let dns = s.dns.as_mut().unwrap();
    let host = name("ns1.example.com");
    dns.nameservers[0].name = host.clone();
    let del = dns.delegation.as_mut().unwrap();
    del.ns[0] = host.clone();
    del.ns.sort();
    del.glue = vec![Glue {
        name: host.clone(),
        address: "192.0.2.1".parse().unwrap(),
    }];
    // The zone's own addresses were not observed: nothing concluded.
    assert!(!has(&s, "glue-mismatch"));

    // The zone agrees with the glue.
    s.dns.as_mut().unwrap().nameservers[0].child_addresses = vec!["192.0.2.1".parse().unwrap()];
    assert!(!has(&s, "glue-mismatch"));

    // The zone says something else.
    s.dns.as_mut().unwrap().nameservers[0].child_addresses = vec!["192.0.2.9".parse().unwrap()];
    let f = get(&s, &RulePolicy::default(), "glue-mismatch");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        f.detail,
        "ns1.example.com: glue 192.0.2.1 at com, zone says 192.0.2.9"
    );
    assert!(f.remediation.contains("registrar"));
    assert!(f.subject.starts_with("ns1.example.com"));

    // An extra address in the zone is a mismatch too (the sets differ).
    s.dns.as_mut().unwrap().nameservers[0].child_addresses =
        vec!["192.0.2.1".parse().unwrap(), "192.0.2.9".parse().unwrap()];
    assert!(
        get(&s, &RulePolicy::default(), "glue-mismatch")
            .detail
            .ends_with("zone says 192.0.2.1, 192.0.2.9")
    );

    // No glue at the parent for the name: not compared.
    s.dns
        .as_mut()
        .unwrap()
        .delegation
        .as_mut()
        .unwrap()
        .glue
        .clear();
    assert!(!has(&s, "glue-mismatch"));
}

#[test]
fn glue_mismatch_not_for_out_of_bailiwick_names() {
    use crate::dns::Glue;
    let mut s = healthy();
    let dns = s.dns.as_mut().unwrap();
    dns.delegation.as_mut().unwrap().glue = vec![Glue {
        name: name("ns1.dnshost.net"),
        address: "192.0.2.1".parse().unwrap(),
    }];
    dns.nameservers[0].child_addresses = vec!["192.0.2.9".parse().unwrap()];
    assert!(!has(&s, "glue-mismatch"));
}

#[test]
fn nameserver_check_without_child_addresses_still_deserializes() {
    let mut v = serde_json::to_value(ns_check("ns1.dnshost.net", "192.0.2.1", &[], 7)).unwrap();
    v.as_object_mut()
        .unwrap()
        .remove("child_addresses")
        .unwrap();
    let back: crate::dns::NameserverCheck = serde_json::from_value(v).unwrap();
    assert!(back.child_addresses.is_empty());
}

fn signed(s: &mut Snapshot, ds: crate::dns::DsStatus, sig_verified: bool, expires_days: i64) {
    use crate::dns::{DnskeyInfo, DnssecCheck, DsMatch, RrsigCheck, SignedRrset};
    let now = s.taken_at;
    let sig = RrsigCheck {
        key_tag: 1,
        algorithm: 13,
        inception: day(now, -1),
        expiration: day(now, expires_days),
        verified: sig_verified,
        note: if sig_verified {
            String::new()
        } else {
            "bad signature".into()
        },
    };
    s.dns.as_mut().unwrap().dnssec = Some(DnssecCheck {
        server: "192.0.2.1".parse().unwrap(),
        dnskey: SignedRrset {
            rtype: "DNSKEY".into(),
            outcome: DnsOutcome::Answer,
            signatures: vec![sig.clone()],
        },
        keys: vec![DnskeyInfo {
            key_tag: 1,
            algorithm: 13,
            flags: 257,
        }],
        ds: vec![DsMatch {
            key_tag: 1,
            algorithm: 13,
            digest_type: 2,
            status: ds,
        }],
        soa: SignedRrset {
            rtype: "SOA".into(),
            outcome: DnsOutcome::Answer,
            signatures: vec![sig],
        },
    });
}

#[test]
fn dnssec_bogus_when_the_ds_finds_no_valid_key_or_signature() {
    use crate::dns::DsStatus;
    let mut s = healthy();
    // A valid chain: no finding.
    signed(&mut s, DsStatus::Matches, true, 20);
    assert!(
        !has(&s, "dnssec-bogus"),
        "{:?}",
        codes(&s, &RulePolicy::default())
    );

    // DS for a key the zone does not publish.
    signed(&mut s, DsStatus::NoSuchKey, true, 20);
    let f = get(&s, &RulePolicy::default(), "dnssec-bogus");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.subject, "ds-mismatch");
    assert!(
        f.detail
            .contains("DS at com: 1 alg 13 digest 2 (no DNSKEY with this tag)"),
        "{}",
        f.detail
    );
    assert!(
        f.detail.contains("DNSKEY at 192.0.2.1: 1 alg 13 flags 257"),
        "{}",
        f.detail
    );

    // Same tag, other digest.
    signed(&mut s, DsStatus::DigestDiffers, true, 20);
    assert_eq!(
        get(&s, &RulePolicy::default(), "dnssec-bogus").subject,
        "ds-mismatch"
    );

    // Signatures that expired, or do not verify.
    signed(&mut s, DsStatus::Matches, true, -3);
    let f = get(&s, &RulePolicy::default(), "dnssec-bogus");
    assert_eq!(f.subject, "dnskey-not-signed");
    assert!(f.detail.contains("expired"), "{}", f.detail);
    signed(&mut s, DsStatus::Matches, false, 20);
    let f = get(&s, &RulePolicy::default(), "dnssec-bogus");
    assert!(
        f.detail.contains("does not verify: bad signature"),
        "{}",
        f.detail
    );

    // No DNSKEY at all.
    signed(&mut s, DsStatus::NoSuchKey, true, 20);
    let c = s.dns.as_mut().unwrap().dnssec.as_mut().unwrap();
    c.keys.clear();
    c.dnskey.outcome = DnsOutcome::NoData;
    c.dnskey.signatures.clear();
    assert_eq!(
        get(&s, &RulePolicy::default(), "dnssec-bogus").subject,
        "no-dnskey"
    );

    // The SOA unsigned while the DNSKEY set is fine.
    signed(&mut s, DsStatus::Matches, true, 20);
    s.dns
        .as_mut()
        .unwrap()
        .dnssec
        .as_mut()
        .unwrap()
        .soa
        .signatures
        .clear();
    assert_eq!(
        get(&s, &RulePolicy::default(), "dnssec-bogus").subject,
        "soa-not-signed"
    );

    // The DNSKEY question timed out: nothing concluded.
    signed(&mut s, DsStatus::NoSuchKey, true, 20);
    s.dns
        .as_mut()
        .unwrap()
        .dnssec
        .as_mut()
        .unwrap()
        .dnskey
        .outcome = DnsOutcome::Timeout;
    assert!(!has(&s, "dnssec-bogus"));

    // Only DS of a digest type we cannot check: insecure, not bogus.
    signed(&mut s, DsStatus::Unsupported, true, 20);
    assert!(!has(&s, "dnssec-bogus"));

    // Not asked (older snapshots): nothing.
    s.dns.as_mut().unwrap().dnssec = None;
    assert!(!has(&s, "dnssec-bogus"));
}

#[test]
fn snapshot_without_dnssec_still_deserializes() {
    let s = healthy();
    let mut v = serde_json::to_value(s.dns.as_ref().unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("dnssec").unwrap();
    let back: crate::dns::DnsSnapshot = serde_json::from_value(v).unwrap();
    assert!(back.dnssec.is_none());
}

#[test]
fn in_bailiwick_nameservers_without_glue() {
    let mut s = healthy();
    assert!(!has(&s, "no-glue"));
    // One of the two NS names inside the domain, no glue for it: the other still answers.
    let dns = s.dns.as_mut().unwrap();
    let host = name("ns1.example.com");
    dns.nameservers[0].name = host.clone();
    let del = dns.delegation.as_mut().unwrap();
    del.ns[0] = host.clone();
    del.ns.sort();
    let f = get(&s, &RulePolicy::default(), "no-glue");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.subject, "ns1.example.com");
    assert_eq!(
        f.detail,
        "com delegates to ns1.example.com without an address record (glue) for it; the other \
         nameservers still answer"
    );
    // With glue: no finding.
    s.dns.as_mut().unwrap().delegation.as_mut().unwrap().glue = vec![crate::dns::Glue {
        name: host.clone(),
        address: "192.0.2.1".parse().unwrap(),
    }];
    assert!(!has(&s, "no-glue"));
    // No glue and no nameserver answers: critical.
    let dns = s.dns.as_mut().unwrap();
    dns.delegation.as_mut().unwrap().glue.clear();
    for ns in &mut dns.nameservers {
        for sc in &mut ns.servers {
            sc.outcome = DnsOutcome::Refused;
            sc.authoritative = false;
        }
    }
    let f = get(&s, &RulePolicy::default(), "no-glue");
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.detail.ends_with("the domain does not resolve"),
        "{}",
        f.detail
    );
}
