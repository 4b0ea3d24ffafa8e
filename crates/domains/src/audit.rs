//! The exposure audit's logic: which outside names a domain still trusts (its *reference
//! graph*), and what the registration state of each referenced registrable domain means.
//!
//! Pure logic, like the rest of this crate: the probes fetch the records and registration data,
//! this module reads references out of them ([`references_from_snapshot`]) and turns states into
//! findings ([`reference_findings`], [`delegation_findings`], [`takeover_finding`]).
//!
//! Finding codes (the README's audit section lists their remedies):
//! - `dangling-reference` (critical): a referenced registrable domain is not registered;
//!   whoever registers it gains what the reference grants (mail, delegation, SPF, reports).
//! - `lapsing-reference` (high): it is in auto-renew grace, redemption, pending delete, past its
//!   expiry date, or expires within the audit's expiry window.
//! - `sitting-duck` (critical): a lame name server at a provider that lets anyone create the zone.
//! - `takeover` (high): a CNAME target at a cloud service that shows its "unclaimed" sign.
//! - `fake-nameserver` (high): a name server host imitating a known provider's family.

pub mod graph;
pub mod parse;
pub mod providers;
pub mod takeover;

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::dns::{DnsSnapshot, NameserverCheck};
use crate::findings::{Finding, Severity};
use crate::registration::{
    ContactRole, LifecyclePhase, LifecyclePolicy, RegistrationRecord, lifecycle_phase,
};
use crate::snapshot::Snapshot;
use crate::{DomainName, Section, SuffixList};

/// How a name is referenced (the edge label of the reference graph).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Via {
    /// A name server of the delegation or of the zone's apex NS set.
    Ns,
    Mx,
    Cname,
    /// An SPF term (`include`, `redirect`, `a`, `mx`, `exists`, `ptr`).
    Spf,
    /// A DMARC `rua`/`ruf` report address.
    Dmarc,
    /// The SOA MNAME, or the mail domain of its RNAME.
    Soa,
    CaaIodef,
    MtaSts,
    TlsRpt,
    /// A contact e-mail of the registration data.
    Contact,
    /// The WHOIS server host used for the TLD.
    WhoisServer,
    /// A contact e-mail of the RIR data of an address the names use.
    IpContact,
    /// A kind this version does not know (kept as written).
    #[serde(untagged)]
    Other(String),
}

impl Via {
    pub fn as_str(&self) -> &str {
        match self {
            Via::Ns => "ns",
            Via::Mx => "mx",
            Via::Cname => "cname",
            Via::Spf => "spf",
            Via::Dmarc => "dmarc",
            Via::Soa => "soa",
            Via::CaaIodef => "caa-iodef",
            Via::MtaSts => "mta-sts",
            Via::TlsRpt => "tls-rpt",
            Via::Contact => "contact",
            Via::WhoisServer => "whois-server",
            Via::IpContact => "ip-contact",
            Via::Other(s) => s,
        }
    }

    /// What whoever controls the referenced domain gains, for finding texts.
    pub fn grants(&self) -> &'static str {
        match self {
            Via::Ns => "the delegation: every record of the domain",
            Via::Mx => "the domain's incoming mail",
            Via::Cname => "the content served under the name",
            Via::Spf => "the right to send mail that passes SPF for the domain",
            Via::Dmarc | Via::TlsRpt => "the domain's mail reports",
            Via::Soa => "mail sent to the zone's administrator",
            Via::CaaIodef => "reports of certificate requests that CAA refused",
            Via::MtaSts => "the mail that MTA-STS sends to its listed hosts",
            Via::Contact | Via::IpContact => {
                "password resets and transfer approvals sent to the contact address"
            }
            Via::WhoisServer => "the registration data that others read for the TLD",
            Via::Other(_) => "what the reference is trusted for",
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One edge of the reference graph: `from` (an audited name or one of its subdomains) trusts
/// `target` (a host name or mail domain) through `via`; `detail` says which record
/// (`include:_spf.example.net`, `rua=mailto:...`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Reference {
    pub from: DomainName,
    pub via: Via,
    pub target: DomainName,
    pub detail: String,
}

/// Subdomains checked for CNAMEs when no zone file or list is given.
pub const COMMON_SUBDOMAINS: &[&str] = &[
    "www",
    "mail",
    "static",
    "cdn",
    "assets",
    "shop",
    "blog",
    "login",
    "api",
    "app",
    "portal",
    "status",
    "docs",
    "help",
    "support",
    "images",
    "img",
    "media",
    "files",
    "dev",
    "test",
    "staging",
    "m",
    "webmail",
    "autodiscover",
];

/// SPF allows at most 10 DNS-querying terms in one evaluation (RFC 7208 4.6.4); the audit
/// follows includes and redirects within the same budget.
pub const SPF_LOOKUP_LIMIT: usize = 10;

/// Adds a reference; the same (from, via, target) seen in another record adds its record to
/// the existing entry's `detail` instead (bounded: the graph keeps one edge).
fn push(out: &mut Vec<Reference>, from: &DomainName, via: Via, target: DomainName, detail: String) {
    if let Some(r) = out
        .iter_mut()
        .find(|r| r.from == *from && r.via == via && r.target == target)
    {
        if !r.detail.split("; ").any(|d| d == detail) && r.detail.len() < 512 {
            r.detail.push_str("; ");
            r.detail.push_str(&detail);
        }
        return;
    }
    out.push(Reference {
        from: from.clone(),
        via,
        target,
        detail,
    });
}

/// The references in the records of one name's DNS snapshot: NS (delegation and apex), MX,
/// CNAME, SOA, CAA iodef, and the SPF (apex TXT) and DMARC terms found in TXT records given by
/// the caller (`txt_at`: owner name -> its TXT values, such as `_dmarc.NAME`, `_smtp._tls.NAME`).
pub fn references_from_dns(
    from: &DomainName,
    dns: &DnsSnapshot,
    txt_at: &BTreeMap<String, Vec<String>>,
) -> Vec<Reference> {
    let mut out = Vec::new();
    for ns in dns.parent_ns() {
        push(
            &mut out,
            from,
            Via::Ns,
            ns.clone(),
            format!("delegation NS {ns}"),
        );
    }
    for check in &dns.nameservers {
        for ns in check.servers.iter().flat_map(|s| s.ns.iter()) {
            push(&mut out, from, Via::Ns, ns.clone(), format!("zone NS {ns}"));
        }
    }
    for set in &dns.records {
        for v in &set.values {
            record_refs(&mut out, from, "", &set.rtype, v);
        }
    }
    for (owner, values) in txt_at {
        for v in values {
            record_refs(&mut out, from, owner, "TXT", v);
        }
    }
    out
}

/// The references of one record in presentation format. `owner` is the record's owner as
/// shown in details (empty for the apex of a live snapshot).
fn record_refs(out: &mut Vec<Reference>, from: &DomainName, owner: &str, rtype: &str, v: &str) {
    let at = if owner.is_empty() {
        String::new()
    } else {
        format!("{owner} ")
    };
    match rtype.to_ascii_uppercase().as_str() {
        "NS" => {
            if let Ok(d) = DomainName::parse(v) {
                push(out, from, Via::Ns, d, format!("{at}NS {v}"));
            }
        }
        "MX" => {
            if let Some(d) = parse::mx_host(v) {
                push(out, from, Via::Mx, d, format!("{at}MX {v}"));
            }
        }
        "CNAME" => {
            if let Ok(d) = DomainName::parse(v) {
                push(out, from, Via::Cname, d, format!("{at}CNAME {v}"));
            }
        }
        "SOA" => {
            let (mname, rname) = parse::soa_names(v);
            if let Some(d) = mname {
                push(out, from, Via::Soa, d, "SOA MNAME".into());
            }
            if let Some(d) = rname {
                push(
                    out,
                    from,
                    Via::Soa,
                    d,
                    "SOA RNAME (administrator mailbox)".into(),
                );
            }
        }
        "CAA" => {
            if let Some(d) = parse::caa_iodef(v) {
                push(out, from, Via::CaaIodef, d, format!("{at}CAA {v}"));
            }
        }
        "TXT" => {
            let text = parse::txt_text(v);
            if let Some(addrs) = parse::dmarc(&text) {
                for (tag, d) in addrs {
                    push(out, from, Via::Dmarc, d, format!("{at}{tag}"));
                }
            } else if let Some(addrs) = parse::tls_rpt(&text) {
                for (tag, d) in addrs {
                    push(out, from, Via::TlsRpt, d, format!("{at}{tag}"));
                }
            } else {
                spf_refs(out, from, v);
            }
        }
        _ => {}
    }
}

/// One record of a zone file, in presentation format (owner absolute, without the final dot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRecord {
    pub owner: String,
    pub rtype: String,
    pub value: String,
}

/// The references of a zone file's records (every owner, not only the apex): NS (the apex's
/// and delegations inside the zone), MX, CNAME, SOA, CAA iodef, SPF, DMARC and TLS-RPT TXT.
/// Also returns the CNAMEs found, as (owner, target), for the takeover check.
pub fn references_from_zone(
    from: &DomainName,
    records: &[ZoneRecord],
) -> (Vec<Reference>, Vec<(DomainName, DomainName)>) {
    let mut out = Vec::new();
    let mut cnames = Vec::new();
    for r in records {
        let owner = r.owner.trim_end_matches('.');
        record_refs(
            &mut out,
            from,
            owner,
            &r.rtype,
            r.value.trim_end_matches('.'),
        );
        if r.rtype.eq_ignore_ascii_case("CNAME")
            && let (Ok(o), Ok(t)) = (
                DomainName::parse(owner),
                DomainName::parse(r.value.trim_end_matches('.')),
            )
        {
            cnames.push((o, t));
        }
    }
    (out, cnames)
}

fn spf_refs(out: &mut Vec<Reference>, from: &DomainName, txt_value: &str) {
    let text = parse::txt_text(txt_value);
    if let Some(spf) = parse::spf(&text) {
        for (term, d) in spf.terms {
            let detail = format!("SPF {}:{d}", term.as_str());
            push(out, from, Via::Spf, d, detail);
        }
    }
}

/// The references of a whole snapshot: its DNS (see [`references_from_dns`]) and the contact
/// e-mail domains of its registration data.
pub fn references_from_snapshot(
    s: &Snapshot,
    txt_at: &BTreeMap<String, Vec<String>>,
) -> Vec<Reference> {
    let mut out = match &s.dns {
        Some(dns) => references_from_dns(&s.domain, dns, txt_at),
        None => Vec::new(),
    };
    for rec in s.registry.iter().chain(s.registrar.iter()) {
        // The abuse contact is the registrar's own mailbox, not one the domain's holder set.
        for c in rec.contacts.iter().filter(|c| c.role != ContactRole::Abuse) {
            if let Some(d) = c.email.as_deref().and_then(parse::mail_domain) {
                let detail = format!("{:?} contact e-mail", c.role).to_ascii_lowercase();
                push(&mut out, &s.domain, Via::Contact, d, detail);
            }
        }
    }
    out
}

/// Special-use top-level names (RFC 2606, RFC 6761, RFC 7686, RFC 8375, RFC 9476): nobody can
/// register a name under them, so references to them are not registration exposures.
pub const SPECIAL_USE_TLDS: &[&str] = &[
    "example",
    "invalid",
    "localhost",
    "test",
    "local",
    "onion",
    "alt",
];

/// Whether a name is under a special-use top-level name (or `home.arpa`).
pub fn is_special_use(name: &DomainName) -> bool {
    SPECIAL_USE_TLDS.contains(&name.tld())
        || name.as_str() == "home.arpa"
        || name.as_str().ends_with(".home.arpa")
}

/// The registrable domains (ICANN section: the unit a registry registers) that the references
/// point at, each once, with every reference to it. Targets under a public suffix only (a
/// bare TLD) and under special-use names ([`is_special_use`]) are left out.
pub fn referenced_registrables<'a>(
    refs: &'a [Reference],
    psl: &SuffixList,
) -> BTreeMap<DomainName, Vec<&'a Reference>> {
    let mut out: BTreeMap<DomainName, Vec<&Reference>> = BTreeMap::new();
    for r in refs {
        let Some(reg) = psl.registrable(r.target.as_str(), Section::Icann) else {
            continue;
        };
        let Ok(reg) = DomainName::parse(reg) else {
            continue;
        };
        out.entry(reg).or_default().push(r);
    }
    out
}

/// The registration state of a referenced registrable domain, as the audit sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefState<'a> {
    /// The registry's record (its lookup says whether it exists).
    Record(&'a RegistrationRecord),
    /// The registry's DNS says the name does not exist and no registration data could be read.
    Nxdomain,
    /// Nothing could be read: no finding is made (never guess "unregistered").
    Unknown,
}

/// Findings about one referenced registrable domain: `dangling-reference` when it is not
/// registered, `lapsing-reference` when its registration is ending (auto-renew grace,
/// redemption, pending delete, past expiry, or expiring within `expiry_days`). One finding per
/// audited name and referenced domain, listing every way the name trusts it.
pub fn reference_findings(
    audited: &DomainName,
    registrable: &DomainName,
    refs: &[&Reference],
    state: &RefState<'_>,
    now: Timestamp,
    expiry_days: u32,
) -> Vec<Finding> {
    let mut vias: Vec<&Via> = refs.iter().map(|r| &r.via).collect();
    vias.sort();
    vias.dedup();
    if vias.is_empty() {
        return Vec::new();
    }
    let via_list = vias
        .iter()
        .map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let grants = vias
        .iter()
        .map(|v| v.grants())
        .collect::<Vec<_>>()
        .join("; ");
    let evidence = refs
        .iter()
        .map(|r| format!("{} -> {} ({})", r.from, r.target, r.detail))
        .collect::<Vec<_>>()
        .join("; ");
    let finding =
        |code: &str, severity: Severity, title: String, state_text: String, remediation: String| {
            Finding {
                code: code.into(),
                severity,
                domain: audited.clone(),
                title,
                detail: format!("{state_text}. References: {evidence}"),
                remediation,
                subject: registrable.as_str().to_string(),
            }
        };
    let record = match state {
        RefState::Unknown => return Vec::new(),
        RefState::Nxdomain => {
            return vec![finding(
                "dangling-reference",
                Severity::Critical,
                format!("{registrable} is referenced ({via_list}) but does not exist"),
                format!("{registrable}: NXDOMAIN at the registry, no registration data"),
                format!(
                    "Remove or replace the reference, or register {registrable} yourself before someone else does: whoever holds it controls {grants}."
                ),
            )];
        }
        RefState::Record(r) => r,
    };
    let tld = registrable.tld();
    let phase = lifecycle_phase(record, now, &LifecyclePolicy::for_tld(tld));
    let expires = record.expires();
    match phase {
        LifecyclePhase::NotRegistered => vec![finding(
            "dangling-reference",
            Severity::Critical,
            format!("{registrable} is referenced ({via_list}) but is not registered"),
            format!(
                "{registrable}: not found at {} ({:?})",
                record.server, record.source
            )
            .to_ascii_lowercase(),
            format!(
                "Remove or replace the reference, or register {registrable} yourself before someone else does: whoever holds it controls {grants}."
            ),
        )],
        LifecyclePhase::AutoRenewGrace
        | LifecyclePhase::Redemption
        | LifecyclePhase::PendingDelete
        | LifecyclePhase::Expired => vec![finding(
            "lapsing-reference",
            Severity::High,
            format!(
                "{registrable} is referenced ({via_list}) and its registration is ending ({phase})"
            ),
            format!(
                "{registrable}: {phase}{}",
                expires
                    .map(|e| format!(", expiry {}", e.to_rfc3339()))
                    .unwrap_or_default()
            ),
            format!(
                "Ask the holder of {registrable} to renew it, or move the reference away before the name is released: a drop-catcher who registers it controls {grants}."
            ),
        )],
        LifecyclePhase::Active => {
            let Some(exp) = expires else {
                return Vec::new();
            };
            let left = (exp.at.as_second() - now.as_second()) / 86_400;
            if left > i64::from(expiry_days) {
                return Vec::new();
            }
            vec![finding(
                "lapsing-reference",
                Severity::High,
                format!("{registrable} is referenced ({via_list}) and expires in {left} days"),
                format!("{registrable}: expiry {}", exp.to_rfc3339()),
                format!(
                    "Make sure {registrable} is renewed (ask its holder), or move the reference away: if it lapses, whoever registers it controls {grants}."
                ),
            )]
        }
        LifecyclePhase::Reserved | LifecyclePhase::Unknown => Vec::new(),
    }
}

/// Delegation findings of the audit beyond `inspect`'s: `sitting-duck` for each lame name
/// server at a provider where anyone can create the zone, `fake-nameserver` for each name
/// server host imitating a known provider family.
pub fn delegation_findings(
    audited: &DomainName,
    nameservers: &[NameserverCheck],
    parent_ns: &[DomainName],
    providers: &providers::Providers,
    psl: &SuffixList,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in nameservers {
        if !check.is_lame() {
            continue;
        }
        let Some(p) = providers.provider_of(check.name.as_str()) else {
            continue;
        };
        if !p.status.is_claimable() {
            continue;
        }
        out.push(Finding {
            code: "sitting-duck".into(),
            severity: Severity::Critical,
            domain: audited.clone(),
            title: format!("lame delegation to {} at {}, where anyone can create the zone", check.name, p.name),
            detail: format!(
                "{} does not answer authoritatively for {audited}; {} is listed as {} (anyone who opens an account can create the zone and answer for the domain)",
                check.name,
                p.name,
                p.status.as_str()
            ),
            remediation: format!(
                "Create the zone at {} under your account now, or remove {} from the delegation at the registrar.",
                p.name, check.name
            ),
            subject: check.name.as_str().to_string(),
        });
    }
    let mut seen = Vec::new();
    for ns in parent_ns.iter().chain(nameservers.iter().map(|c| &c.name)) {
        let Some(reg) = psl.registrable(ns.as_str(), Section::Icann) else {
            continue;
        };
        if seen.contains(&reg) {
            continue;
        }
        seen.push(reg);
        if let Some((family, looks_like)) = crate::fuzz::nameserver::is_fake_ns_domain(reg) {
            out.push(Finding {
                code: "fake-nameserver".into(),
                severity: Severity::High,
                domain: audited.clone(),
                title: format!("name server {ns} imitates {family} ({looks_like})"),
                detail: format!(
                    "{reg} is not one of {family}'s name server domains but is shaped like them ({looks_like}); whoever registered it answers for {audited}"
                ),
                remediation: "Check the delegation at the registrar: if you did not set this name server, treat it as a hijack (registrar lock, TDRP).".into(),
                subject: reg.to_string(),
            });
        }
    }
    out
}

/// A `takeover` finding for a CNAME whose target shows a vulnerable service's "unclaimed" sign.
pub fn takeover_finding(
    audited: &DomainName,
    owner: &DomainName,
    target: &DomainName,
    state: takeover::TargetState<'_>,
    table: &takeover::Fingerprints,
) -> Option<Finding> {
    match table.verdict(target.as_str(), state) {
        takeover::Verdict::Takeover { service, evidence } => Some(Finding {
            code: "takeover".into(),
            severity: Severity::High,
            domain: audited.clone(),
            title: format!(
                "{owner} points at an unclaimed {} resource ({target})",
                service.service
            ),
            detail: format!("{owner} CNAME {target}: {evidence}"),
            remediation: format!(
                "Remove the CNAME {owner} -> {target}, or claim the resource at {} again under your account.",
                service.service
            ),
            subject: owner.as_str().to_string(),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::{Delegation, DnsOutcome, RecordSet, ServerCheck};
    use crate::registration::{EppStatus, Event, EventAction, Lookup, RegDate, SourceKind};

    fn d(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    fn set(rtype: &str, values: &[&str]) -> RecordSet {
        RecordSet {
            rtype: rtype.into(),
            outcome: DnsOutcome::Answer,
            values: values.iter().map(|v| v.to_string()).collect(),
            ttl: Some(300),
        }
    }

    #[test]
    fn zone_records_of_every_owner() {
        let rec = |o: &str, t: &str, v: &str| ZoneRecord {
            owner: o.into(),
            rtype: t.into(),
            value: v.into(),
        };
        let records = vec![
            rec("example.jp.", "NS", "ns1.dns-host.example.net."),
            rec("dev.example.jp.", "NS", "ns.old-provider.com."),
            rec("shop.example.jp.", "CNAME", "shop.saas-host.io."),
            rec(
                "example.jp.",
                "TXT",
                "\"v=spf1 include:_spf.mailer.com -all\"",
            ),
            rec(
                "_dmarc.example.jp.",
                "TXT",
                "\"v=DMARC1; p=none; rua=mailto:r@dmarc-reports.org\"",
            ),
            rec("example.jp.", "A", "192.0.2.1"),
        ];
        let (refs, cnames) = references_from_zone(&d("example.jp"), &records);
        let has = |via: Via, t: &str| refs.iter().any(|r| r.via == via && r.target.as_str() == t);
        assert!(has(Via::Ns, "ns1.dns-host.example.net"), "{refs:?}");
        assert!(has(Via::Ns, "ns.old-provider.com"), "{refs:?}");
        assert!(has(Via::Cname, "shop.saas-host.io"), "{refs:?}");
        assert!(has(Via::Spf, "_spf.mailer.com"), "{refs:?}");
        assert!(has(Via::Dmarc, "dmarc-reports.org"), "{refs:?}");
        assert_eq!(refs.len(), 5, "{refs:?}");
        assert!(
            refs.iter()
                .any(|r| r.detail == "dev.example.jp NS ns.old-provider.com")
        );
        assert_eq!(cnames, vec![(d("shop.example.jp"), d("shop.saas-host.io"))]);
    }

    proptest::proptest! {
        #[test]
        fn zone_records_never_panic(owner in "\\PC{0,40}", rtype in "[A-Za-z]{0,6}", value in "\\PC{0,200}") {
            let r = ZoneRecord { owner, rtype, value };
            let (refs, _) = references_from_zone(&d("example.jp"), std::slice::from_ref(&r));
            proptest::prop_assert!(refs.len() <= 16);
        }
    }

    fn dns() -> DnsSnapshot {
        DnsSnapshot {
            domain: d("example.jp"),
            delegation: Some(Delegation {
                parent_zone: "jp".into(),
                server: None,
                outcome: DnsOutcome::Answer,
                ns: vec![d("ns1.dns-host.example"), d("ns2.dns-host.example")],
                glue: Vec::new(),
                ds: Vec::new(),
            }),
            nameservers: Vec::new(),
            records: vec![
                set("NS", &["ns1.dns-host.example."]),
                set("MX", &["10 mx.mail-host.example.net.", "0 ."]),
                set(
                    "TXT",
                    &[
                        r#""v=spf1 include:_spf.lapsed-esp.example.com -all""#,
                        r#""google-site-verification=x""#,
                    ],
                ),
                set(
                    "SOA",
                    &["ns1.dns-host.example. hostmaster.admin-mail.example.org. 1 2 3 4 5"],
                ),
                set("CAA", &[r#"0 iodef "mailto:caa@iodef.example.net""#]),
            ],
            wildcard: None,
            dnssec: None,
        }
    }

    #[test]
    fn reference_graph_of_a_snapshot() {
        let mut txt = BTreeMap::new();
        txt.insert(
            "_dmarc.example.jp".to_string(),
            vec![r#""v=DMARC1; p=none; rua=mailto:r@reports.example.com""#.to_string()],
        );
        let refs = references_from_dns(&d("example.jp"), &dns(), &txt);
        let got: Vec<(&str, &str)> = refs
            .iter()
            .map(|r| (r.via.as_str(), r.target.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ns", "ns1.dns-host.example"),
                ("ns", "ns2.dns-host.example"),
                ("mx", "mx.mail-host.example.net"),
                ("spf", "_spf.lapsed-esp.example.com"),
                ("soa", "ns1.dns-host.example"),
                ("soa", "admin-mail.example.org"),
                ("caa-iodef", "iodef.example.net"),
                ("dmarc", "reports.example.com"),
            ]
        );
        // The apex NS record and the delegation make one edge with both records as detail.
        assert_eq!(
            refs[0].detail,
            "delegation NS ns1.dns-host.example; NS ns1.dns-host.example."
        );
        let psl = SuffixList::embedded();
        let regs = referenced_registrables(&refs, psl);
        let keys: Vec<&str> = regs.keys().map(|k| k.as_str()).collect();
        // The SPF include and the DMARC address share one registrable domain.
        assert!(keys.contains(&"example.com"), "{keys:?}");
        assert!(keys.contains(&"example.net"), "{keys:?}");
        assert_eq!(
            regs[&d("example.com")].len(),
            2,
            "SPF include and DMARC rua under one domain"
        );
    }

    fn record(
        domain: &str,
        lookup: Lookup,
        statuses: Vec<EppStatus>,
        expires: Option<&str>,
    ) -> RegistrationRecord {
        let mut r = RegistrationRecord::new(d(domain), SourceKind::Rdap, "rdap.example");
        r.lookup = lookup;
        r.statuses = statuses;
        if let Some(e) = expires {
            r.events.push(Event {
                action: EventAction::Expiration,
                date: RegDate::parse_rfc3339(e).unwrap(),
            });
        }
        r
    }

    #[test]
    fn registration_states_become_findings() {
        let now: Timestamp = "2026-12-06T00:00:00Z".parse().unwrap();
        let audited = d("example.jp");
        let reg = d("lapsed-esp.com");
        let r = Reference {
            from: audited.clone(),
            via: Via::Spf,
            target: d("_spf.lapsed-esp.com"),
            detail: "SPF include:_spf.lapsed-esp.com".into(),
        };
        let refs = vec![&r];
        let f = |state: RefState<'_>| reference_findings(&audited, &reg, &refs, &state, now, 30);

        let gone = record("lapsed-esp.com", Lookup::NotFound, vec![], None);
        let v = f(RefState::Record(&gone));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].code, "dangling-reference");
        assert_eq!(v[0].severity, Severity::Critical);
        assert_eq!(v[0].subject, "lapsed-esp.com");
        assert!(
            v[0].detail.contains("SPF include:_spf.lapsed-esp.com"),
            "{}",
            v[0].detail
        );
        assert!(v[0].remediation.contains("SPF"), "{}", v[0].remediation);

        let redemption = record(
            "lapsed-esp.com",
            Lookup::Registered,
            vec![EppStatus::RedemptionPeriod],
            Some("2026-11-01T00:00:00Z"),
        );
        let v = f(RefState::Record(&redemption));
        assert_eq!(
            (v[0].code.as_str(), v[0].severity),
            ("lapsing-reference", Severity::High)
        );
        assert!(v[0].title.contains("redemption"), "{}", v[0].title);

        // JPRS shows a lapsed .jp name as Suspended with an expiry in the past: past expiry.
        let past = record(
            "lapsed-esp.com",
            Lookup::Registered,
            vec![],
            Some("2026-01-01T00:00:00Z"),
        );
        assert_eq!(f(RefState::Record(&past))[0].code, "lapsing-reference");

        let soon = record(
            "lapsed-esp.com",
            Lookup::Registered,
            vec![],
            Some("2026-12-20T00:00:00Z"),
        );
        let v = f(RefState::Record(&soon));
        assert!(v[0].title.contains("expires in 14 days"), "{}", v[0].title);

        let fine = record(
            "lapsed-esp.com",
            Lookup::Registered,
            vec![],
            Some("2027-12-20T00:00:00Z"),
        );
        assert!(f(RefState::Record(&fine)).is_empty());
        assert!(
            f(RefState::Unknown).is_empty(),
            "never guess from missing data"
        );
        let limited = record(
            "lapsed-esp.com",
            Lookup::RateLimited {
                retry_after_secs: None,
            },
            vec![],
            None,
        );
        assert!(f(RefState::Record(&limited)).is_empty());
        assert_eq!(f(RefState::Nxdomain)[0].code, "dangling-reference");
    }

    #[test]
    fn sitting_duck_and_fake_nameserver() {
        let psl = SuffixList::embedded();
        let lame = NameserverCheck {
            name: d("ns1.digitalocean.com"),
            resolution: DnsOutcome::Answer,
            addresses: vec!["192.0.2.1".parse().unwrap()],
            is_cname: false,
            servers: vec![ServerCheck {
                address: "192.0.2.1".parse().unwrap(),
                outcome: DnsOutcome::Refused,
                tcp_outcome: None,
                authoritative: false,
                soa_serial: None,
                ns: Vec::new(),
            }],
            child_addresses: Vec::new(),
        };
        assert!(lame.is_lame());
        let mut healthy = lame.clone();
        healthy.servers[0].outcome = DnsOutcome::Answer;
        healthy.servers[0].authoritative = true;
        let audited = d("example.jp");
        let providers = providers::Providers::embedded();
        let v = delegation_findings(&audited, std::slice::from_ref(&lame), &[], providers, psl);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(
            (v[0].code.as_str(), v[0].severity),
            ("sitting-duck", Severity::Critical)
        );
        assert!(delegation_findings(&audited, &[healthy], &[], providers, psl).is_empty());
        let fake = [d("ns-650.awsdns-017.net")];
        let v = delegation_findings(&audited, &[], &fake, providers, psl);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].code, "fake-nameserver");
        let real = [d("ns-650.awsdns-17.net")];
        assert!(delegation_findings(&audited, &[], &real, providers, psl).is_empty());
    }

    #[test]
    fn takeover_of_an_unclaimed_bucket() {
        let t = takeover::Fingerprints::embedded();
        let audited = d("example.jp");
        let owner = d("static.example.jp");
        let target = d("static-example.s3.amazonaws.com");
        let f = takeover_finding(
            &audited,
            &owner,
            &target,
            takeover::TargetState::Http { status: 404, body: "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>" },
            t,
        )
        .unwrap();
        assert_eq!((f.code.as_str(), f.severity), ("takeover", Severity::High));
        assert_eq!(f.subject, "static.example.jp");
        assert!(
            takeover_finding(
                &audited,
                &owner,
                &target,
                takeover::TargetState::Resolves,
                t
            )
            .is_none()
        );
    }
}
