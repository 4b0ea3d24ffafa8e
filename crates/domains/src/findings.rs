//! Findings: what needs attention about a domain, with a severity and a remediation line.
//!
//! [`inspect_findings`] applies the state rules to one [`Snapshot`] (locks, expiry, lifecycle
//! phase, holds, delegation health). Change findings come from [`crate::change`]. Both are pure:
//! "now" is a parameter.
//!
//! State finding codes (stable): `not-registered`, `reserved`, `registration-unknown`,
//! `in-auto-renew-grace`, `in-redemption`, `pending-delete`, `expired`, `expires-soon`, `hold`,
//! `pending-transfer`, `no-registrar-lock`, `no-registry-lock` (high-value names only),
//! `ns-mismatch-registry-vs-dns`, `not-delegated`, `ns-is-cname`, `ns-unresolvable`,
//! `lame-delegation`, `no-working-nameserver`, `glue-mismatch`, `no-glue`, `dnssec-bogus`,
//! `inconsistent-ns-set`,
//! `inconsistent-soa-serial`, `incomplete-observation`. Change findings use the [`crate::change::ChangeKind`] names, plus
//! `likely-hijack` and `drop-caught`. Certificate Transparency findings (`ct follow`,
//! `service::ct`): `unexpected-certificate`, `caa-violation`, `lookalike-certificate`.
//!
//! A part of a snapshot that could not be observed (timeout, rate limit: see
//! [`Snapshot::issues`] and [`Lookup::RateLimited`]) yields no finding about that part, except
//! one `incomplete-observation` note.

use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::DomainName;
use crate::dns::{Delegation, DnsOutcome, DnsSnapshot, DnssecCheck, DsStatus};
use crate::registration::{EppStatus, LifecyclePhase, Lookup, RegistrationRecord};
use crate::snapshot::Snapshot;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

/// How urgent a finding is (ordered: `Info < Low < Medium < High < Critical`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity name that is not one of `info low medium high critical`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?} (expected info, low, medium, high or critical)")]
pub struct SeverityError(String);

impl FromStr for Severity {
    type Err = SeverityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase();
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == k)
            .ok_or_else(|| SeverityError(s.chars().take(32).collect()))
    }
}

/// Something about a domain that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// A stable kebab-case identifier (`no-registrar-lock`, `likely-hijack`, ...).
    pub code: String,
    pub severity: Severity,
    pub domain: DomainName,
    /// One line for people.
    pub title: String,
    /// The evidence (may contain text from outside: escape it on output).
    pub detail: String,
    /// What to do about it.
    pub remediation: String,
    /// What distinguishes two findings of the same code on the same domain (an NS name, an
    /// expiry date, a change's before and after). Part of the [`Finding::fingerprint`].
    pub subject: String,
}

impl Finding {
    /// The identity of a finding across runs: the same fingerprint is the same finding (it is
    /// stored once and alerted once).
    pub fn fingerprint(&self) -> String {
        format!("{}|{}|{}", self.domain, self.code, self.subject)
    }
}

/// What the state rules expect of a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulePolicy {
    /// Warn when the registration expires within this many days.
    pub expiry_warning_days: u32,
    /// The expiry is urgent (high severity) within this many days.
    pub expiry_urgent_days: u32,
    /// A high-value name: a registry lock is expected.
    pub high_value: bool,
}

impl Default for RulePolicy {
    fn default() -> Self {
        RulePolicy {
            expiry_warning_days: 30,
            expiry_urgent_days: 7,
            high_value: false,
        }
    }
}

fn finding(
    s: &Snapshot,
    code: &str,
    severity: Severity,
    title: impl Into<String>,
    detail: impl Into<String>,
    remediation: impl Into<String>,
    subject: impl Into<String>,
) -> Finding {
    Finding {
        code: code.to_string(),
        severity,
        domain: s.domain.clone(),
        title: title.into(),
        detail: detail.into(),
        remediation: remediation.into(),
        subject: subject.into(),
    }
}

/// The record whose statuses and dates are trusted: the registry's, else the registrar's, and
/// only when the source answered (not rate limited).
pub fn trusted_record(s: &Snapshot) -> Option<&RegistrationRecord> {
    s.primary().filter(|r| !r.lookup.is_unknown())
}

/// The state rules applied to one snapshot at `now`, most severe first.
pub fn inspect_findings(s: &Snapshot, now: Timestamp, policy: &RulePolicy) -> Vec<Finding> {
    let mut out = Vec::new();
    if !s.issues.is_empty() {
        let mut sources: Vec<&str> = s.issues.iter().map(|i| i.source.as_str()).collect();
        sources.sort_unstable();
        sources.dedup();
        let detail = s
            .issues
            .iter()
            .take(8)
            .map(|i| format!("{}: {}", i.source, i.message))
            .collect::<Vec<_>>()
            .join("; ");
        out.push(finding(
            s,
            "incomplete-observation",
            Severity::Info,
            "Part of the state could not be observed",
            detail,
            "Retry later; nothing is concluded about the parts that were not observed.",
            sources.join(","),
        ));
    }
    registration_rules(s, now, policy, &mut out);
    if let Some(dns) = &s.dns {
        dns_rules(s, dns, &mut out);
        if let Some(del) = &dns.delegation
            && let Some(check) = &dns.dnssec
        {
            dnssec_rule(s, del, check, now, &mut out);
        }
    }
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(&b.code))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    out
}

fn registration_rules(s: &Snapshot, now: Timestamp, policy: &RulePolicy, out: &mut Vec<Finding>) {
    let Some(rec) = trusted_record(s) else {
        if let Some(p) = s.primary() {
            let (why, detail) = match p.lookup {
                Lookup::Unreadable { bytes } => (
                    "unreadable",
                    format!(
                        "{} gave an answer that could not be read ({bytes} bytes)",
                        p.server
                    ),
                ),
                _ => (
                    "rate limited",
                    "the registry and registrar answers were rate limited".to_string(),
                ),
            };
            out.push(finding(
                s,
                "registration-unknown",
                Severity::Info,
                format!("The registration could not be read ({why})"),
                detail,
                "Retry later.",
                "",
            ));
        }
        return;
    };
    match s.phase {
        LifecyclePhase::NotRegistered => {
            out.push(finding(
                s,
                "not-registered",
                Severity::High,
                "The name is not registered",
                format!("{} answered: no such registration", rec.server),
                "Anyone can register it: register it now if it is yours or referenced by your \
                 systems, or remove the references to it.",
                "",
            ));
            return;
        }
        LifecyclePhase::Reserved => {
            out.push(finding(
                s,
                "reserved",
                Severity::Info,
                "The name is reserved by the registry",
                format!("{} answered: reserved or blocked", rec.server),
                "Nothing to do unless you expected to hold this name.",
                "",
            ));
            return;
        }
        LifecyclePhase::Unknown => return,
        LifecyclePhase::AutoRenewGrace => out.push(finding(
            s,
            "in-auto-renew-grace",
            Severity::High,
            "The registration expired and is in the auto-renew grace period",
            expiry_text(rec),
            "Renew now at the registrar: names are often sold to drop-catchers late in the grace \
             period.",
            expiry_subject(rec),
        )),
        LifecyclePhase::Redemption => out.push(finding(
            s,
            "in-redemption",
            Severity::Critical,
            "The registration was deleted and is in the redemption period",
            expiry_text(rec),
            "Ask the registrar to restore it now (a restore fee applies); after redemption it is \
             released to anyone.",
            expiry_subject(rec),
        )),
        LifecyclePhase::PendingDelete => out.push(finding(
            s,
            "pending-delete",
            Severity::Critical,
            "The registration is pending delete",
            expiry_text(rec),
            "It can no longer be restored: prepare to register it again the moment it is \
             released, and move services away from it.",
            expiry_subject(rec),
        )),
        LifecyclePhase::Expired => out.push(finding(
            s,
            "expired",
            Severity::High,
            "The registration is past its expiration date",
            expiry_text(rec),
            "Renew it at the registrar and check why auto-renewal did not happen.",
            expiry_subject(rec),
        )),
        LifecyclePhase::Active => {
            if let Some(exp) = rec.expires() {
                let secs = exp.at.as_second() - now.as_second();
                let days = secs.div_euclid(86_400);
                if secs >= 0 && days < i64::from(policy.expiry_warning_days) {
                    let sev = if days < i64::from(policy.expiry_urgent_days) {
                        Severity::High
                    } else {
                        Severity::Medium
                    };
                    out.push(finding(
                        s,
                        "expires-soon",
                        sev,
                        format!("The registration expires in {days} days"),
                        format!("expires {exp}"),
                        "Renew it now and turn on auto-renewal with a payment method that will \
                         not lapse.",
                        exp.to_rfc3339(),
                    ));
                }
            }
        }
    }

    for st in &rec.statuses {
        if st.is_hold() {
            let by = if *st == EppStatus::ServerHold {
                "the registry"
            } else {
                "the registrar"
            };
            out.push(finding(
                s,
                "hold",
                Severity::High,
                format!("The name is on hold ({st}): it is not published in DNS"),
                format!("{st} set by {by}"),
                format!("Ask {by} why the hold was set and have it lifted if it is a mistake."),
                st.as_epp(),
            ));
        }
    }
    if rec.has_status(&EppStatus::PendingTransfer) {
        out.push(finding(
            s,
            "pending-transfer",
            Severity::High,
            "A transfer to another registrar is pending",
            "status pendingTransfer",
            "If you did not ask for it, reject the transfer at your registrar now.",
            "",
        ));
    }
    // Not raised where the registry offers no client locks (`registry_locks`): `inspect` says
    // "not offered here" instead.
    if !rec.has_registrar_lock()
        && !rec.has_status(&EppStatus::ServerTransferProhibited)
        && !rec.statuses.iter().any(is_other_lock)
        && crate::registry_locks::no_client_locks(&s.domain).is_none()
    {
        out.push(finding(
            s,
            "no-registrar-lock",
            Severity::Medium,
            "No registrar lock (clientTransferProhibited)",
            format!("statuses: {}", status_list(rec)),
            "Turn on the registrar lock (transfer, update and delete prohibited) at the \
             registrar.",
            "",
        ));
    }
    if policy.high_value && !rec.has_registry_lock() {
        let missing: Vec<&str> = [
            EppStatus::ServerTransferProhibited,
            EppStatus::ServerUpdateProhibited,
            EppStatus::ServerDeleteProhibited,
        ]
        .iter()
        .filter(|st| !rec.has_status(st))
        .map(EppStatus::as_epp)
        .collect();
        out.push(finding(
            s,
            "no-registry-lock",
            Severity::Medium,
            "No registry lock on a high-value name",
            format!("missing: {}", missing.join(", ")),
            "Ask the registrar for a registry lock (server update, delete and transfer \
             prohibited, lifted only after out-of-band verification).",
            "",
        ));
    }
    // Registry NS vs live delegation.
    if let Some(dns) = &s.dns
        && let Some(del) = &dns.delegation
        && is_delegated(&del.outcome)
        && !rec.nameservers.is_empty()
    {
        let reg: BTreeSet<&DomainName> = rec.nameservers.iter().collect();
        let live: BTreeSet<&DomainName> = del.ns.iter().collect();
        if reg != live {
            out.push(finding(
                s,
                "ns-mismatch-registry-vs-dns",
                Severity::Medium,
                "The registry's nameservers differ from the live delegation",
                format!("registry: {}; delegation: {}", join(&reg), join(&live)),
                "Find out which set is intended; a change at the registry that the parent zone \
                 does not show yet is normal for a few minutes only.",
                format!("{} / {}", join(&reg), join(&live)),
            ));
        }
    }
}

fn dns_rules(s: &Snapshot, dns: &DnsSnapshot, out: &mut Vec<Finding>) {
    let Some(del) = &dns.delegation else {
        return;
    };
    if !is_delegated(&del.outcome) || del.ns.is_empty() {
        let registered = trusted_record(s).is_some_and(|r| {
            r.lookup == Lookup::Registered && !r.statuses.iter().any(EppStatus::is_hold)
        });
        if registered && matches!(del.outcome, DnsOutcome::NxDomain | DnsOutcome::NoData) {
            out.push(finding(
                s,
                "not-delegated",
                Severity::Medium,
                "The parent zone does not delegate the name",
                format!("{} answered {}", del.parent_zone, del.outcome.as_str()),
                "Set nameservers at the registrar.",
                "",
            ));
        }
        return;
    }
    let mut working = 0usize;
    let mut checked = 0usize;
    for ns in &dns.nameservers {
        if ns.is_cname {
            out.push(finding(
                s,
                "ns-is-cname",
                Severity::Medium,
                format!("Nameserver {} is a CNAME", ns.name),
                "RFC 2181 10.3: an NS target must not be an alias",
                "Point the delegation at the nameserver's canonical name.",
                ns.name.as_str(),
            ));
        }
        if ns.addresses.is_empty() {
            if matches!(
                ns.resolution,
                DnsOutcome::NxDomain | DnsOutcome::NoData | DnsOutcome::Answer
            ) {
                out.push(finding(
                    s,
                    "ns-unresolvable",
                    Severity::High,
                    format!("Nameserver {} has no address", ns.name),
                    format!("resolving it gave {}", ns.resolution.as_str()),
                    "Fix or remove this nameserver; if its domain is unregistered, whoever \
                     registers it controls your zone.",
                    ns.name.as_str(),
                ));
            }
            continue;
        }
        if ns.servers.is_empty() {
            continue;
        }
        checked += 1;
        if ns.is_lame() {
            let outcomes = ns
                .servers
                .iter()
                .map(|sc| {
                    format!(
                        "{} {}{}",
                        sc.address,
                        sc.outcome.as_str(),
                        if sc.authoritative {
                            ""
                        } else {
                            " (not authoritative)"
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(finding(
                s,
                "lame-delegation",
                Severity::High,
                format!("Nameserver {} does not answer authoritatively", ns.name),
                outcomes,
                "Remove the nameserver from the delegation or have the zone served there; a DNS \
                 provider that lets anyone create the zone lets anyone take the domain.",
                ns.name.as_str(),
            ));
        } else {
            working += 1;
        }
    }
    if checked > 0 && working == 0 {
        out.push(finding(
            s,
            "no-working-nameserver",
            Severity::Critical,
            "No nameserver answers authoritatively for the zone",
            format!("{checked} nameservers checked"),
            "Restore DNS service now: the domain does not resolve.",
            "",
        ));
    }
    glue_rule(s, dns, del, out);
    no_glue_rule(s, dns, del, working, out);
    // Consistency among the servers that answered.
    let parent: BTreeSet<&DomainName> = del.ns.iter().collect();
    let mut child_sets: BTreeSet<Vec<&DomainName>> = BTreeSet::new();
    let mut serials: BTreeSet<u32> = BTreeSet::new();
    for sc in dns
        .nameservers
        .iter()
        .flat_map(|n| n.servers.iter())
        .filter(|sc| sc.authoritative && sc.outcome.is_noerror())
    {
        if !sc.ns.is_empty() {
            let set: BTreeSet<&DomainName> = sc.ns.iter().collect();
            child_sets.insert(set.into_iter().collect());
        }
        if let Some(serial) = sc.soa_serial {
            serials.insert(serial);
        }
    }
    if let Some(child) = child_sets
        .iter()
        .find(|c| c.iter().copied().collect::<BTreeSet<_>>() != parent)
    {
        let child: BTreeSet<&DomainName> = child.iter().copied().collect();
        out.push(finding(
            s,
            "inconsistent-ns-set",
            Severity::Low,
            "The zone's own NS set differs from the parent delegation",
            format!("parent: {}; zone: {}", join(&parent), join(&child)),
            "Make the NS records in the zone match the delegation at the registrar.",
            format!("{} / {}", join(&parent), join(&child)),
        ));
    }
    if serials.len() > 1 {
        let list = serials
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        out.push(finding(
            s,
            "inconsistent-soa-serial",
            Severity::Low,
            "The nameservers serve different versions of the zone",
            format!("SOA serials: {list}"),
            "Check zone transfers between the primary and the secondaries.",
            list,
        ));
    }
}

/// The parent's glue for an in-bailiwick NS name against the addresses the zone itself
/// publishes for it (Zonemaster CONSISTENCY05, DNSViz GLUE_MISMATCH). Only when both were
/// observed and neither is empty.
fn glue_rule(s: &Snapshot, dns: &DnsSnapshot, del: &Delegation, out: &mut Vec<Finding>) {
    for ns in &dns.nameservers {
        if !ns.name.is_subdomain_of(&dns.domain) || ns.child_addresses.is_empty() {
            continue;
        }
        let glue: BTreeSet<IpAddr> = del
            .glue
            .iter()
            .filter(|g| g.name == ns.name)
            .map(|g| g.address)
            .collect();
        let child: BTreeSet<IpAddr> = ns.child_addresses.iter().copied().collect();
        if glue.is_empty() || glue == child {
            continue;
        }
        let (g, c) = (ip_list(&glue), ip_list(&child));
        out.push(finding(
            s,
            "glue-mismatch",
            Severity::High,
            format!(
                "The parent's glue for {} differs from the zone's own addresses",
                ns.name
            ),
            format!(
                "{}: glue {g} at {}, zone says {c}",
                ns.name, del.parent_zone
            ),
            "Update the glue (host addresses) at the registrar, or fix the A/AAAA records in the \
             zone; stale or altered glue sends resolvers to servers you may not control.",
            format!("{} {g} / {c}", ns.name),
        ));
    }
}

/// In-bailiwick NS names (inside the domain itself) without glue at the parent: a resolver can
/// find their addresses only through the zone they serve, so it cannot reach them (RFC 9471).
/// Critical when no nameserver of the delegation answered authoritatively, high otherwise.
fn no_glue_rule(
    s: &Snapshot,
    dns: &DnsSnapshot,
    del: &Delegation,
    working: usize,
    out: &mut Vec<Finding>,
) {
    let missing: Vec<&DomainName> = del
        .ns
        .iter()
        .filter(|ns| ns.is_subdomain_of(&dns.domain) && !del.glue.iter().any(|g| &g.name == *ns))
        .collect();
    if missing.is_empty() {
        return;
    }
    let severity = if working == 0 {
        Severity::Critical
    } else {
        Severity::High
    };
    for ns in missing {
        let reach = if working == 0 {
            "no nameserver of the delegation answers: the domain does not resolve"
        } else {
            "the other nameservers still answer"
        };
        out.push(finding(
            s,
            "no-glue",
            severity,
            format!("Nameserver {ns} is inside the domain but has no glue at the parent"),
            format!(
                "{} delegates to {ns} without an address record (glue) for it; {reach}",
                del.parent_zone
            ),
            "Register the name server's addresses (host objects / glue) at the registrar, or delegate to name servers outside the domain.",
            ns.as_str(),
        ));
    }
}

/// The parent publishes DS records but the zone does not validate against them: validating
/// resolvers answer SERVFAIL for every name in the domain (RFC 4035 5).
fn dnssec_rule(
    s: &Snapshot,
    del: &Delegation,
    check: &DnssecCheck,
    now: Timestamp,
    out: &mut Vec<Finding>,
) {
    if del.ds.is_empty() || check.ds.is_empty() {
        return;
    }
    // Only conclude from answers: a timeout or SERVFAIL on the DNSKEY question says nothing.
    if !check.dnskey.outcome.is_noerror() {
        return;
    }
    let supported: Vec<_> = check
        .ds
        .iter()
        .filter(|d| d.status != DsStatus::Unsupported)
        .collect();
    if supported.is_empty() {
        // Every DS uses an algorithm or digest we cannot check: a validator treats the zone as
        // insecure, not bogus.
        return;
    }
    let ds_text = supported
        .iter()
        .map(|d| {
            format!(
                "{} alg {} digest {} ({})",
                d.key_tag,
                d.algorithm,
                d.digest_type,
                match d.status {
                    DsStatus::Matches => "matches a DNSKEY",
                    DsStatus::NoSuchKey => "no DNSKEY with this tag",
                    DsStatus::DigestDiffers => "DNSKEY digest differs",
                    DsStatus::Unsupported => "not checked",
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let keys = if check.keys.is_empty() {
        "none".to_string()
    } else {
        check
            .keys
            .iter()
            .map(|k| format!("{} alg {} flags {}", k.key_tag, k.algorithm, k.flags))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sig_text = |sigs: &[crate::dns::RrsigCheck]| -> String {
        if sigs.is_empty() {
            return "none".into();
        }
        sigs.iter()
            .map(|g| {
                let state = if !g.verified {
                    format!("does not verify: {}", g.note)
                } else if now > g.expiration {
                    format!("expired {}", g.expiration)
                } else if now < g.inception {
                    format!("not valid before {}", g.inception)
                } else {
                    format!("valid until {}", g.expiration)
                };
                format!("by {} {state}", g.key_tag)
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let trusted: BTreeSet<(u16, u8)> = supported
        .iter()
        .filter(|d| d.status == DsStatus::Matches)
        .map(|d| (d.key_tag, d.algorithm))
        .collect();
    let (subject, why) = if check.keys.is_empty() {
        (
            "no-dnskey",
            "the parent has DS records but the zone publishes no DNSKEY",
        )
    } else if trusted.is_empty() {
        (
            "ds-mismatch",
            "no DNSKEY of the zone matches the parent's DS",
        )
    } else if !check
        .dnskey
        .signatures
        .iter()
        .any(|g| g.valid_at(now) && trusted.contains(&(g.key_tag, g.algorithm)))
    {
        (
            "dnskey-not-signed",
            "the DNSKEY set has no valid signature by a key the DS points to",
        )
    } else if check.soa.outcome.is_noerror()
        && !check.soa.signatures.iter().any(|g| g.valid_at(now))
    {
        ("soa-not-signed", "the apex SOA has no valid signature")
    } else {
        return;
    };
    let mut detail = format!(
        "{why}; DS at {}: {ds_text}; DNSKEY at {}: {keys}; RRSIG over DNSKEY: {}",
        del.parent_zone,
        check.server,
        sig_text(&check.dnskey.signatures)
    );
    if check.soa.outcome.is_noerror() {
        detail.push_str(&format!(
            "; RRSIG over SOA: {}",
            sig_text(&check.soa.signatures)
        ));
    }
    out.push(finding(
        s,
        "dnssec-bogus",
        Severity::Critical,
        "DNSSEC is broken: validating resolvers cannot resolve the domain",
        detail,
        "Fix the chain now: publish the DNSKEY the DS points to and re-sign the zone, or have the registrar replace or remove the DS (removing it makes the zone insecure, not broken).",
        subject,
    ));
}

fn ip_list(set: &BTreeSet<IpAddr>) -> String {
    set.iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A registry-specific lock status outside EPP, e.g. JPRS `AgentChangeLocked` (the registrar
/// cannot be changed) or `DomainTransferLocked`.
pub fn is_other_lock(st: &EppStatus) -> bool {
    matches!(st, EppStatus::Other(s) if s.to_ascii_lowercase().contains("locked"))
}

/// The parent published a delegation: a referral (what a parent server answers for a child
/// zone) or an answer with the NS records.
pub fn is_delegated(outcome: &DnsOutcome) -> bool {
    matches!(outcome, DnsOutcome::Answer | DnsOutcome::Referral)
}

fn join(set: &BTreeSet<&DomainName>) -> String {
    if set.is_empty() {
        return "(none)".into();
    }
    set.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(" ")
}

fn status_list(rec: &RegistrationRecord) -> String {
    if rec.statuses.is_empty() {
        return "(none)".into();
    }
    rec.statuses
        .iter()
        .map(EppStatus::as_epp)
        .collect::<Vec<_>>()
        .join(", ")
}

fn expiry_text(rec: &RegistrationRecord) -> String {
    match rec.expires() {
        Some(e) => format!("expired {e}; statuses: {}", status_list(rec)),
        None => format!("statuses: {}", status_list(rec)),
    }
}

fn expiry_subject(rec: &RegistrationRecord) -> String {
    rec.expires().map(|e| e.to_rfc3339()).unwrap_or_default()
}
