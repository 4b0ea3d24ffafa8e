//! Changes between two snapshots of one domain, and the findings they raise.
//!
//! [`diff`] compares only what both snapshots observed: a part missing because of a timeout, a
//! SERVFAIL or a rate limit is unknown, never "removed". [`change_findings`] turns changes into
//! findings and correlates them (a registrar change together with an NS change is one critical
//! `likely-hijack` finding, besides the individual ones).

use std::collections::BTreeSet;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::DomainName;
use crate::dns::{Delegation, DnsOutcome, DnsSnapshot, RecordSet};
use crate::findings::{Finding, Severity, is_delegated, is_other_lock};
use crate::registration::{
    Contact, ContactRole, EppStatus, LifecyclePhase, Lookup, RegistrationRecord,
};
use crate::snapshot::Snapshot;

#[cfg(test)]
mod tests;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    RegistrarChanged,
    IanaIdChanged,
    /// A newer `transfer` event.
    Transfer,
    PendingTransfer,
    LockRemoved,
    LockAdded,
    NsChangedRegistry,
    NsChangedDelegation,
    DsRemoved,
    DsChanged,
    DnssecOff,
    DnssecOn,
    RegistrantChanged,
    ContactChanged,
    ExpiryMoved,
    EnteredAutoRenewGrace,
    EnteredRedemption,
    EnteredPendingDelete,
    Expired,
    /// Was registered, now not registered.
    Deleted,
    /// A new registration: newer registration date, or registered again after not being.
    ReRegistered,
    /// Back to active from grace or redemption.
    Restored,
    HoldSet,
    HoldRemoved,
    AChanged,
    AaaaChanged,
    MxChanged,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 27] = [
        ChangeKind::RegistrarChanged,
        ChangeKind::IanaIdChanged,
        ChangeKind::Transfer,
        ChangeKind::PendingTransfer,
        ChangeKind::LockRemoved,
        ChangeKind::LockAdded,
        ChangeKind::NsChangedRegistry,
        ChangeKind::NsChangedDelegation,
        ChangeKind::DsRemoved,
        ChangeKind::DsChanged,
        ChangeKind::DnssecOff,
        ChangeKind::DnssecOn,
        ChangeKind::RegistrantChanged,
        ChangeKind::ContactChanged,
        ChangeKind::ExpiryMoved,
        ChangeKind::EnteredAutoRenewGrace,
        ChangeKind::EnteredRedemption,
        ChangeKind::EnteredPendingDelete,
        ChangeKind::Expired,
        ChangeKind::Deleted,
        ChangeKind::ReRegistered,
        ChangeKind::Restored,
        ChangeKind::HoldSet,
        ChangeKind::HoldRemoved,
        ChangeKind::AChanged,
        ChangeKind::AaaaChanged,
        ChangeKind::MxChanged,
    ];

    /// The stable kebab-case name (also the finding code).
    pub fn as_str(&self) -> &'static str {
        match self {
            ChangeKind::RegistrarChanged => "registrar-changed",
            ChangeKind::IanaIdChanged => "iana-id-changed",
            ChangeKind::Transfer => "transfer",
            ChangeKind::PendingTransfer => "pending-transfer",
            ChangeKind::LockRemoved => "lock-removed",
            ChangeKind::LockAdded => "lock-added",
            ChangeKind::NsChangedRegistry => "ns-changed-registry",
            ChangeKind::NsChangedDelegation => "ns-changed-delegation",
            ChangeKind::DsRemoved => "ds-removed",
            ChangeKind::DsChanged => "ds-changed",
            ChangeKind::DnssecOff => "dnssec-off",
            ChangeKind::DnssecOn => "dnssec-on",
            ChangeKind::RegistrantChanged => "registrant-changed",
            ChangeKind::ContactChanged => "contact-changed",
            ChangeKind::ExpiryMoved => "expiry-moved",
            ChangeKind::EnteredAutoRenewGrace => "entered-auto-renew-grace",
            ChangeKind::EnteredRedemption => "entered-redemption",
            ChangeKind::EnteredPendingDelete => "entered-pending-delete",
            ChangeKind::Expired => "expired",
            ChangeKind::Deleted => "deleted",
            ChangeKind::ReRegistered => "re-registered",
            ChangeKind::Restored => "restored",
            ChangeKind::HoldSet => "hold-set",
            ChangeKind::HoldRemoved => "hold-removed",
            ChangeKind::AChanged => "a-changed",
            ChangeKind::AaaaChanged => "aaaa-changed",
            ChangeKind::MxChanged => "mx-changed",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ChangeKind::RegistrarChanged => "The sponsoring registrar changed",
            ChangeKind::IanaIdChanged => "The registrar's IANA id changed",
            ChangeKind::Transfer => "The name was transferred",
            ChangeKind::PendingTransfer => "A transfer is pending",
            ChangeKind::LockRemoved => "A lock status was removed",
            ChangeKind::LockAdded => "A lock status was added",
            ChangeKind::NsChangedRegistry => "The nameservers changed at the registry",
            ChangeKind::NsChangedDelegation => "The live delegation (parent NS) changed",
            ChangeKind::DsRemoved => "The DS records were removed",
            ChangeKind::DsChanged => "The DS records changed",
            ChangeKind::DnssecOff => "DNSSEC was switched off",
            ChangeKind::DnssecOn => "DNSSEC was switched on",
            ChangeKind::RegistrantChanged => "The registrant changed",
            ChangeKind::ContactChanged => "A contact changed",
            ChangeKind::ExpiryMoved => "The expiration date moved",
            ChangeKind::EnteredAutoRenewGrace => "The registration entered auto-renew grace",
            ChangeKind::EnteredRedemption => "The registration entered redemption",
            ChangeKind::EnteredPendingDelete => "The registration is pending delete",
            ChangeKind::Expired => "The registration expired",
            ChangeKind::Deleted => "The registration was deleted",
            ChangeKind::ReRegistered => "The name was registered again (new registration)",
            ChangeKind::Restored => "The registration is active again",
            ChangeKind::HoldSet => "A hold was set: the name is no longer published",
            ChangeKind::HoldRemoved => "A hold was lifted",
            ChangeKind::AChanged => "The apex A records changed",
            ChangeKind::AaaaChanged => "The apex AAAA records changed",
            ChangeKind::MxChanged => "The MX records changed",
        }
    }

    fn remediation(&self) -> &'static str {
        match self {
            ChangeKind::RegistrarChanged
            | ChangeKind::IanaIdChanged
            | ChangeKind::Transfer
            | ChangeKind::PendingTransfer => {
                "If you did not ask for it, contact the losing and gaining registrars now \
                 (transfer dispute, ICANN TDRP) and lock the name."
            }
            ChangeKind::LockRemoved => {
                "Confirm with the registrar who removed the lock; restore it unless a change \
                 is planned."
            }
            ChangeKind::NsChangedRegistry | ChangeKind::NsChangedDelegation => {
                "Confirm the nameserver change was intended; if not, restore the nameservers \
                 at the registrar and ask it to lock the name."
            }
            ChangeKind::DsRemoved | ChangeKind::DnssecOff | ChangeKind::DsChanged => {
                "Confirm the DNSSEC change was intended (a key rollover or provider move); if \
                 not, restore the DS records."
            }
            ChangeKind::RegistrantChanged | ChangeKind::ContactChanged => {
                "Confirm the contact change with the registrant; an unexpected change precedes \
                 hijacks."
            }
            ChangeKind::ExpiryMoved => {
                "Check that the new expiration date is the one you paid for."
            }
            ChangeKind::EnteredAutoRenewGrace | ChangeKind::Expired => {
                "Renew the registration now."
            }
            ChangeKind::EnteredRedemption => {
                "Ask the registrar to restore the registration now (a restore fee applies)."
            }
            ChangeKind::EnteredPendingDelete | ChangeKind::Deleted => {
                "The name can no longer be restored: prepare to register it again and move \
                 services away from it."
            }
            ChangeKind::ReRegistered => {
                "Someone registered the name anew: if it was yours, it is now someone else's; \
                 remove every reference to it."
            }
            ChangeKind::HoldSet => "Ask the registrar (clientHold) or registry (serverHold) why.",
            ChangeKind::AChanged | ChangeKind::AaaaChanged | ChangeKind::MxChanged => {
                "Confirm the record change was intended."
            }
            ChangeKind::LockAdded
            | ChangeKind::DnssecOn
            | ChangeKind::Restored
            | ChangeKind::HoldRemoved => "Nothing to do if expected.",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change between two snapshots of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub domain: DomainName,
    pub kind: ChangeKind,
    /// The old value, in presentation form (`(none)` when absent).
    pub before: String,
    /// The new value.
    pub after: String,
    pub severity: Severity,
    /// When the new state was observed (the newer snapshot's `taken_at`).
    pub observed_at: Timestamp,
}

struct Differ<'a> {
    domain: &'a DomainName,
    at: Timestamp,
    out: Vec<Change>,
}

impl Differ<'_> {
    fn push(
        &mut self,
        kind: ChangeKind,
        severity: Severity,
        before: impl Into<String>,
        after: impl Into<String>,
    ) {
        self.out.push(Change {
            domain: self.domain.clone(),
            kind,
            before: before.into(),
            after: after.into(),
            severity,
            observed_at: self.at,
        });
    }
}

/// Which record of each snapshot to compare for status and dates: both registry records when
/// both answered, else both registrar records; `None` when the two are not comparable.
fn comparable<'a>(
    prev: &'a Snapshot,
    next: &'a Snapshot,
) -> Option<(&'a RegistrationRecord, &'a RegistrationRecord)> {
    let answered =
        |r: &Option<RegistrationRecord>| r.as_ref().is_some_and(|r| !r.lookup.is_unknown());
    if answered(&prev.registry) && answered(&next.registry) {
        return prev.registry.as_ref().zip(next.registry.as_ref());
    }
    if prev.registry.is_none()
        && next.registry.is_none()
        && answered(&prev.registrar)
        && answered(&next.registrar)
    {
        return prev.registrar.as_ref().zip(next.registrar.as_ref());
    }
    None
}

fn registered(r: &RegistrationRecord) -> bool {
    r.lookup == Lookup::Registered
}

fn list<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let v: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if v.is_empty() {
        "(none)".into()
    } else {
        v.join(" ")
    }
}

fn opt(s: Option<&str>) -> String {
    s.map_or_else(|| "(none)".to_string(), str::to_string)
}

/// The changes from `prev` to `next` (two snapshots of the same domain, `prev` older).
pub fn diff(prev: &Snapshot, next: &Snapshot) -> Vec<Change> {
    let mut d = Differ {
        domain: &next.domain,
        at: next.taken_at,
        out: Vec::new(),
    };
    if let Some((a, b)) = comparable(prev, next) {
        registration_diff(&mut d, prev, next, a, b);
    }
    contacts_diff(&mut d, prev, next);
    if let (Some(a), Some(b)) = (&prev.dns, &next.dns) {
        dns_diff(&mut d, a, b);
    }
    // A name in redemption, pending delete, deleted or on hold is taken out of the zone: its
    // delegation and records disappearing is the expected consequence, reported as such.
    let unpublished = matches!(
        next.phase,
        LifecyclePhase::Redemption | LifecyclePhase::PendingDelete | LifecyclePhase::NotRegistered
    ) || next
        .primary()
        .is_some_and(|r| r.statuses.iter().any(EppStatus::is_hold));
    if unpublished {
        for c in &mut d.out {
            let dns_kind = matches!(
                c.kind,
                ChangeKind::NsChangedDelegation
                    | ChangeKind::AChanged
                    | ChangeKind::AaaaChanged
                    | ChangeKind::MxChanged
                    | ChangeKind::DsRemoved
            );
            if dns_kind && c.after == "(none)" {
                c.severity = Severity::Info;
            }
        }
    }
    d.out
}

fn registration_diff(
    d: &mut Differ<'_>,
    prev: &Snapshot,
    next: &Snapshot,
    a: &RegistrationRecord,
    b: &RegistrationRecord,
) {
    // Lifecycle first: deletion and re-registration.
    match (registered(a), registered(b)) {
        (true, false) => {
            if b.lookup == Lookup::NotFound {
                d.push(
                    ChangeKind::Deleted,
                    Severity::Critical,
                    prev.phase.as_str(),
                    next.phase.as_str(),
                );
            }
            return;
        }
        (false, true) => {
            if a.lookup == Lookup::NotFound {
                d.push(
                    ChangeKind::ReRegistered,
                    Severity::Critical,
                    "not registered",
                    b.created()
                        .map_or_else(|| "registered".into(), |c| c.to_rfc3339()),
                );
            }
            return;
        }
        (false, false) => return,
        (true, true) => {}
    }
    let mut re_registered = false;
    if let (Some(ca), Some(cb)) = (a.created(), b.created())
        && cb > ca
    {
        re_registered = true;
        d.push(
            ChangeKind::ReRegistered,
            Severity::Critical,
            ca.to_rfc3339(),
            cb.to_rfc3339(),
        );
    }
    if !re_registered {
        phase_diff(d, prev.phase, next.phase);
    }

    // Registrar identity.
    let ra = a.registrar.as_ref();
    let rb = b.registrar.as_ref();
    if let (Some(ra), Some(rb)) = (ra, rb) {
        if let (Some(ia), Some(ib)) = (&ra.iana_id, &rb.iana_id)
            && ia.trim() != ib.trim()
        {
            d.push(ChangeKind::IanaIdChanged, Severity::High, ia, ib);
        }
        if let (Some(na), Some(nb)) = (&ra.name, &rb.name)
            && !na.trim().eq_ignore_ascii_case(nb.trim())
        {
            d.push(ChangeKind::RegistrarChanged, Severity::High, na, nb);
        }
    }
    if let Some(tb) = b.event(&crate::registration::EventAction::Transfer)
        && a.event(&crate::registration::EventAction::Transfer)
            .is_none_or(|ta| tb > ta)
        && !re_registered
    {
        let before = a
            .event(&crate::registration::EventAction::Transfer)
            .map_or_else(|| "(none)".into(), |t| t.to_rfc3339());
        d.push(
            ChangeKind::Transfer,
            Severity::High,
            before,
            tb.to_rfc3339(),
        );
    }

    // Statuses.
    let sa: BTreeSet<&EppStatus> = a.statuses.iter().collect();
    let sb: BTreeSet<&EppStatus> = b.statuses.iter().collect();
    if !re_registered {
        for st in sa.difference(&sb) {
            if st.is_registrar_lock() || st.is_registry_lock() || is_other_lock(st) {
                let sev = if st.is_registry_lock()
                    || **st == EppStatus::ClientTransferProhibited
                    || is_other_lock(st)
                {
                    Severity::High
                } else {
                    Severity::Medium
                };
                d.push(ChangeKind::LockRemoved, sev, st.as_epp(), "(none)");
            }
        }
    }
    for st in sb.difference(&sa) {
        if st.is_registrar_lock() || st.is_registry_lock() || is_other_lock(st) {
            d.push(ChangeKind::LockAdded, Severity::Info, "(none)", st.as_epp());
        }
        if st.is_hold() {
            d.push(ChangeKind::HoldSet, Severity::High, "(none)", st.as_epp());
        }
        if **st == EppStatus::PendingTransfer {
            d.push(
                ChangeKind::PendingTransfer,
                Severity::High,
                "(none)",
                st.as_epp(),
            );
        }
    }
    for st in sa.difference(&sb) {
        if st.is_hold() {
            d.push(
                ChangeKind::HoldRemoved,
                Severity::Low,
                st.as_epp(),
                "(none)",
            );
        }
    }

    // Nameservers at the registry (an empty list is "not given", not "removed").
    if !a.nameservers.is_empty() && !b.nameservers.is_empty() {
        let na: BTreeSet<&DomainName> = a.nameservers.iter().collect();
        let nb: BTreeSet<&DomainName> = b.nameservers.iter().collect();
        if na != nb {
            d.push(
                ChangeKind::NsChangedRegistry,
                Severity::High,
                list(na),
                list(nb),
            );
        }
    }

    // DNSSEC at the registry.
    if let (Some(da), Some(db)) = (&a.dnssec, &b.dnssec) {
        if da.delegation_signed && !db.delegation_signed {
            d.push(ChangeKind::DnssecOff, Severity::High, "signed", "unsigned");
        } else if !da.delegation_signed && db.delegation_signed {
            d.push(ChangeKind::DnssecOn, Severity::Info, "unsigned", "signed");
        }
    }

    // Expiry.
    if !re_registered
        && let (Some(ea), Some(eb)) = (a.expires(), b.expires())
        && ea != eb
    {
        let sev = if eb < ea {
            Severity::Medium
        } else {
            Severity::Info
        };
        d.push(
            ChangeKind::ExpiryMoved,
            sev,
            ea.to_rfc3339(),
            eb.to_rfc3339(),
        );
    }
}

fn phase_diff(d: &mut Differ<'_>, a: LifecyclePhase, b: LifecyclePhase) {
    use LifecyclePhase as P;
    if a == b || a == P::Unknown || b == P::Unknown {
        return;
    }
    let (kind, sev) = match b {
        P::AutoRenewGrace => (ChangeKind::EnteredAutoRenewGrace, Severity::High),
        P::Redemption => (ChangeKind::EnteredRedemption, Severity::Critical),
        P::PendingDelete => (ChangeKind::EnteredPendingDelete, Severity::Critical),
        P::Expired => (ChangeKind::Expired, Severity::High),
        P::Active
            if matches!(
                a,
                P::AutoRenewGrace | P::Redemption | P::PendingDelete | P::Expired
            ) =>
        {
            (ChangeKind::Restored, Severity::Info)
        }
        _ => return,
    };
    d.push(kind, sev, a.as_str(), b.as_str());
}

/// The record trusted for contacts: the registrar's, else the registry's; registered only.
/// The flag says whether it is the registrar's.
fn contact_record(s: &Snapshot) -> Option<(&RegistrationRecord, bool)> {
    let usable = |r: &&RegistrationRecord| registered(r) && !r.contacts.is_empty();
    s.registrar
        .as_ref()
        .filter(usable)
        .map(|r| (r, true))
        .or_else(|| s.registry.as_ref().filter(usable).map(|r| (r, false)))
}

fn contact_key(c: &Contact) -> Option<String> {
    if c.redacted
        && c.handle.is_none()
        && c.email.is_none()
        && c.name.is_none()
        && c.organization.is_none()
    {
        return None;
    }
    let f = |o: &Option<String>| o.as_deref().map(str::trim).unwrap_or("").to_lowercase();
    Some(format!(
        "{} / {} / {} / {} / {}",
        f(&c.handle),
        f(&c.name),
        f(&c.organization),
        f(&c.email),
        f(&c.country)
    ))
}

fn contacts_diff(d: &mut Differ<'_>, prev: &Snapshot, next: &Snapshot) {
    let (Some((a, a_registrar)), Some((b, b_registrar))) =
        (contact_record(prev), contact_record(next))
    else {
        return;
    };
    // Only compare the same view (a registrar and a registry record show contacts differently).
    if a_registrar != b_registrar {
        return;
    }
    let roles = [
        ContactRole::Registrant,
        ContactRole::Administrative,
        ContactRole::Technical,
    ];
    for role in roles {
        let ka = a
            .contacts
            .iter()
            .find(|c| c.role == role)
            .and_then(contact_key);
        let kb = b
            .contacts
            .iter()
            .find(|c| c.role == role)
            .and_then(contact_key);
        if let (Some(ka), Some(kb)) = (ka, kb)
            && ka != kb
        {
            if role == ContactRole::Registrant {
                d.push(ChangeKind::RegistrantChanged, Severity::High, ka, kb);
            } else {
                d.push(ChangeKind::ContactChanged, Severity::Medium, ka, kb);
            }
        }
    }
}

/// A delegation whose content is known (the parent answered, or said the name is not there).
fn known_delegation(del: &Option<Delegation>) -> Option<&Delegation> {
    del.as_ref().filter(|d| {
        matches!(
            d.outcome,
            DnsOutcome::Answer | DnsOutcome::Referral | DnsOutcome::NxDomain | DnsOutcome::NoData
        )
    })
}

/// A record set whose content is known (NOERROR or NXDOMAIN).
fn known_rrset<'a>(dns: &'a DnsSnapshot, rtype: &str) -> Option<&'a RecordSet> {
    dns.record(rtype).filter(|r| {
        matches!(
            r.outcome,
            DnsOutcome::Answer | DnsOutcome::NoData | DnsOutcome::NxDomain
        )
    })
}

fn dns_diff(d: &mut Differ<'_>, a: &DnsSnapshot, b: &DnsSnapshot) {
    if let (Some(da), Some(db)) = (
        known_delegation(&a.delegation),
        known_delegation(&b.delegation),
    ) {
        let na: BTreeSet<&DomainName> = da.ns.iter().collect();
        let nb: BTreeSet<&DomainName> = db.ns.iter().collect();
        if na != nb {
            d.push(
                ChangeKind::NsChangedDelegation,
                Severity::High,
                list(na),
                list(nb),
            );
        }
        // DS at the parent: only meaningful when both answered.
        if is_delegated(&da.outcome) && is_delegated(&db.outcome) {
            let sa: BTreeSet<_> = da.ds.iter().collect();
            let sb: BTreeSet<_> = db.ds.iter().collect();
            let show = |s: &BTreeSet<&crate::registration::DsRecord>| {
                list(s.iter().map(|r| {
                    format!(
                        "{} {} {} {}",
                        r.key_tag, r.algorithm, r.digest_type, r.digest
                    )
                }))
            };
            if !sa.is_empty() && sb.is_empty() {
                d.push(ChangeKind::DsRemoved, Severity::High, show(&sa), "(none)");
            } else if sa != sb && !sa.is_empty() {
                d.push(ChangeKind::DsChanged, Severity::Low, show(&sa), show(&sb));
            }
        }
    }
    for (rtype, kind) in [
        ("A", ChangeKind::AChanged),
        ("AAAA", ChangeKind::AaaaChanged),
        ("MX", ChangeKind::MxChanged),
    ] {
        if let (Some(ra), Some(rb)) = (known_rrset(a, rtype), known_rrset(b, rtype)) {
            let va: BTreeSet<&str> = ra.values.iter().map(String::as_str).collect();
            let vb: BTreeSet<&str> = rb.values.iter().map(String::as_str).collect();
            if va != vb {
                d.push(kind, Severity::Medium, list(va), list(vb));
            }
        }
    }
}

fn is_registrar_move(k: ChangeKind) -> bool {
    matches!(
        k,
        ChangeKind::RegistrarChanged | ChangeKind::IanaIdChanged | ChangeKind::Transfer
    )
}

fn is_ns_move(c: &Change) -> bool {
    matches!(
        c.kind,
        ChangeKind::NsChangedRegistry | ChangeKind::NsChangedDelegation
    ) && c.after != "(none)"
}

/// One finding per change, plus correlated findings: a registrar move (registrar, IANA id or
/// transfer) together with an NS change in the same diff is a critical `likely-hijack`; a
/// re-registration together with a registrar or NS move is a critical `drop-caught` instead.
pub fn change_findings(changes: &[Change]) -> Vec<Finding> {
    let mut out: Vec<Finding> = changes
        .iter()
        .map(|c| Finding {
            code: c.kind.as_str().to_string(),
            severity: c.severity,
            domain: c.domain.clone(),
            title: c.kind.title().to_string(),
            detail: format!("{} -> {}", c.before, c.after),
            remediation: c.kind.remediation().to_string(),
            subject: format!("{} -> {} @ {}", c.before, c.after, c.observed_at),
        })
        .collect();
    let mut domains: Vec<&DomainName> = changes.iter().map(|c| &c.domain).collect();
    domains.sort();
    domains.dedup();
    for dom in domains {
        let mine: Vec<&Change> = changes.iter().filter(|c| &c.domain == dom).collect();
        let reg = mine.iter().find(|c| is_registrar_move(c.kind));
        let ns = mine.iter().find(|c| is_ns_move(c));
        // A new registration date means the name lapsed and was registered again: a registrar
        // move in the same diff is a drop-catch, not a transfer of a live registration.
        if let Some(rereg) = mine.iter().find(|c| c.kind == ChangeKind::ReRegistered) {
            if reg.is_some() || ns.is_some() {
                let moved = reg
                    .map(|r| format!("; {}: {} -> {}", r.kind, r.before, r.after))
                    .unwrap_or_default();
                out.push(Finding {
                    code: "drop-caught".into(),
                    severity: Severity::Critical,
                    domain: dom.clone(),
                    title: "Drop-caught: the name lapsed and was registered again by someone else"
                        .into(),
                    detail: format!("registration {} -> {}{moved}", rereg.before, rereg.after),
                    remediation: "Everything that still points at this name (NS, MX, CNAME, SPF \
                                  includes, contact e-mail, WHOIS server names) now trusts a \
                                  stranger: remove those references at once, then try to \
                                  recover the name (buy it back, or a dispute procedure)."
                        .into(),
                    subject: format!(
                        "{} -> {} @ {}",
                        rereg.before, rereg.after, rereg.observed_at
                    ),
                });
            }
            continue;
        }
        if let (Some(reg), Some(ns)) = (reg, ns) {
            let lock = mine
                .iter()
                .find(|c| c.kind == ChangeKind::LockRemoved)
                .map(|c| format!("; lock removed: {}", c.before))
                .unwrap_or_default();
            out.push(Finding {
                code: "likely-hijack".into(),
                severity: Severity::Critical,
                domain: dom.clone(),
                title: "Likely hijack: the registrar and the nameservers changed together".into(),
                detail: format!(
                    "{}: {} -> {}; {}: {} -> {}{lock}",
                    reg.kind, reg.before, reg.after, ns.kind, ns.before, ns.after
                ),
                remediation: "Treat as a hijack: contact the previous registrar's abuse desk and \
                              the registry now, restore the nameservers, and rotate credentials \
                              for the registrar account."
                    .into(),
                subject: format!("{} -> {} @ {}", reg.before, reg.after, reg.observed_at),
            });
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(&b.code))
    });
    out
}

/// Key facts of a snapshot for timelines: registrar, phase, statuses, NS.
pub fn summary(s: &Snapshot) -> SnapshotSummary {
    let rec = s.primary();
    SnapshotSummary {
        taken_at: s.taken_at,
        phase: s.phase,
        registrar: rec
            .and_then(|r| r.registrar.as_ref())
            .map(|r| {
                let name = opt(r.name.as_deref());
                match &r.iana_id {
                    Some(id) => format!("{name} (IANA {id})"),
                    None => name,
                }
            })
            .unwrap_or_else(|| "(unknown)".into()),
        statuses: rec.map(|r| list(r.statuses.iter())).unwrap_or_default(),
        nameservers: s
            .dns
            .as_ref()
            .and_then(|d| known_delegation(&d.delegation))
            .map(|d| list(d.ns.iter()))
            .or_else(|| rec.map(|r| list(r.nameservers.iter())))
            .unwrap_or_default(),
        expires: rec
            .and_then(RegistrationRecord::expires)
            .map(|e| e.to_rfc3339()),
        issues: s.issues.len(),
    }
}

/// The key facts of one snapshot (see [`summary`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSummary {
    pub taken_at: Timestamp,
    pub phase: LifecyclePhase,
    pub registrar: String,
    pub statuses: String,
    pub nameservers: String,
    pub expires: Option<String>,
    pub issues: usize,
}
