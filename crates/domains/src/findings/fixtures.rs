//! Hand-built snapshots for the rule and diff tests.

use std::net::IpAddr;

use jiff::Timestamp;

use crate::DomainName;
use crate::dns::{Delegation, DnsOutcome, DnsSnapshot, NameserverCheck, RecordSet, ServerCheck};
use crate::registration::{
    Contact, ContactRole, Dnssec, EppStatus, Event, EventAction, LifecyclePhase, RegDate,
    Registrar, RegistrationRecord, SourceKind,
};
use crate::snapshot::Snapshot;

pub fn name(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn day(base: Timestamp, d: i64) -> Timestamp {
    Timestamp::from_second(base.as_second() + d * 86_400).unwrap()
}

pub fn ns_check(n: &str, addr: &str, ns: &[&str], serial: u32) -> NameserverCheck {
    let address: IpAddr = addr.parse().unwrap();
    NameserverCheck {
        name: name(n),
        resolution: DnsOutcome::Answer,
        addresses: vec![address],
        is_cname: false,
        servers: vec![ServerCheck {
            address,
            outcome: DnsOutcome::Answer,
            tcp_outcome: Some(DnsOutcome::Answer),
            authoritative: true,
            soa_serial: Some(serial),
            ns: ns.iter().map(|s| name(s)).collect(),
        }],
        child_addresses: Vec::new(),
    }
}

pub fn rrset(rtype: &str, values: &[&str]) -> RecordSet {
    RecordSet {
        rtype: rtype.into(),
        outcome: if values.is_empty() {
            DnsOutcome::NoData
        } else {
            DnsOutcome::Answer
        },
        values: values.iter().map(|s| s.to_string()).collect(),
        ttl: Some(300),
    }
}

/// A healthy, locked `example.com` observed at 2026-06-01, expiring 2027-01-01.
pub fn healthy() -> Snapshot {
    let d = name("example.com");
    let ns = ["ns1.dnshost.net", "ns2.dnshost.net"];
    let mut rec =
        RegistrationRecord::new(d.clone(), SourceKind::Rdap, "https://rdap.registry.test/");
    rec.handle = Some("D1-COM".into());
    rec.registrar = Some(Registrar {
        name: Some("Good Registrar".into()),
        iana_id: Some("1001".into()),
        abuse_email: Some("abuse@good.test".into()),
        ..Registrar::default()
    });
    rec.statuses = vec![
        EppStatus::ClientTransferProhibited,
        EppStatus::ClientUpdateProhibited,
        EppStatus::ClientDeleteProhibited,
    ];
    rec.events = vec![
        Event {
            action: EventAction::Registration,
            date: RegDate::utc(ts("2010-01-01T00:00:00Z")),
        },
        Event {
            action: EventAction::Expiration,
            date: RegDate::utc(ts("2027-01-01T00:00:00Z")),
        },
    ];
    rec.nameservers = ns.iter().map(|s| name(s)).collect();
    rec.dnssec = Some(Dnssec {
        delegation_signed: true,
        ds: vec![crate::registration::DsRecord {
            key_tag: 1,
            algorithm: 13,
            digest_type: 2,
            digest: "ab".into(),
        }],
    });
    rec.contacts = vec![Contact {
        role: ContactRole::Registrant,
        handle: Some("C1".into()),
        name: Some("Example Inc".into()),
        organization: Some("Example Inc".into()),
        email: Some("hostmaster@example.com".into()),
        country: Some("US".into()),
        redacted: false,
    }];
    let dns = DnsSnapshot {
        domain: d.clone(),
        delegation: Some(Delegation {
            parent_zone: "com".into(),
            server: None,
            // What a parent server answers for a child zone.
            outcome: DnsOutcome::Referral,
            ns: ns.iter().map(|s| name(s)).collect(),
            glue: vec![],
            ds: rec.dnssec.as_ref().unwrap().ds.clone(),
        }),
        nameservers: vec![
            ns_check(ns[0], "192.0.2.1", &ns, 7),
            ns_check(ns[1], "192.0.2.2", &ns, 7),
        ],
        records: vec![
            rrset("A", &["203.0.113.10"]),
            rrset("AAAA", &[]),
            rrset("MX", &["10 mx.example.com."]),
        ],
        wildcard: Some(false),
        dnssec: None,
    };
    let mut registrar = rec.clone();
    registrar.server = "https://rdap.registrar.test/".into();
    Snapshot {
        domain: d,
        taken_at: ts("2026-06-01T00:00:00Z"),
        registry: Some(rec),
        registrar: Some(registrar),
        dns: Some(dns),
        phase: LifecyclePhase::Active,
        issues: vec![],
    }
}

/// Applies `f` to the registry and registrar records alike.
pub fn both(s: &mut Snapshot, f: impl Fn(&mut RegistrationRecord)) {
    if let Some(r) = s.registry.as_mut() {
        f(r);
    }
    if let Some(r) = s.registrar.as_mut() {
        f(r);
    }
}
