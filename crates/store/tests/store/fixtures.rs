use domains::DomainName;
use domains::registration::{
    EppStatus, Event, EventAction, LifecyclePhase, RegDate, Registrar, RegistrationRecord,
    SourceKind,
};
use domains::snapshot::{ProbeIssue, Snapshot};
use jiff::Timestamp;

pub fn name(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn day(d: i64) -> Timestamp {
    Timestamp::from_second(ts("2026-06-01T00:00:00Z").as_second() + d * 86_400).unwrap()
}

/// A snapshot of `domain` at day `d` with a registrar and statuses.
pub fn snap(domain: &str, d: i64, registrar: &str, locked: bool) -> Snapshot {
    let dn = name(domain);
    let mut rec = RegistrationRecord::new(dn.clone(), SourceKind::Rdap, "https://rdap.test/");
    rec.registrar = Some(Registrar {
        name: Some(registrar.into()),
        ..Registrar::default()
    });
    if locked {
        rec.statuses.push(EppStatus::ClientTransferProhibited);
    }
    rec.events.push(Event {
        action: EventAction::Expiration,
        date: RegDate::utc(ts("2030-01-01T00:00:00Z")),
    });
    Snapshot {
        domain: dn,
        taken_at: day(d),
        registry: Some(rec),
        registrar: None,
        dns: None,
        phase: LifecyclePhase::Active,
        issues: vec![],
    }
}

pub fn partial(mut s: Snapshot) -> Snapshot {
    s.issues.push(ProbeIssue {
        source: "dns".into(),
        message: "timeout".into(),
    });
    s
}
