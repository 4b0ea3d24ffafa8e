//! `domwatch audit NAME... | --file INVENTORY`: every outside name that the audited domains
//! still trust (name servers, MX hosts, CNAME targets, SPF terms, DMARC and TLS-RPT report
//! addresses, SOA names, CAA iodef, registration contacts), and the registration state of each
//! referenced registrable domain; plus `inspect`'s findings on the audited names themselves,
//! sitting-duck delegations, fake name servers and CNAMEs to unclaimed cloud resources.
//!
//! Exit codes: 0 when no finding reaches `--fail-on` (default: high), 1 when one does, 2 for
//! a bad name, file or argument, 3 when the network configuration cannot be set up.
//!
//! Politeness: each referenced registrable domain is looked up once per audit (RDAP, or WHOIS
//! where there is none), through the prober's per-host pacing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use domains::audit::{
    self, COMMON_SUBDOMAINS, RefState, Reference, SPF_LOOKUP_LIMIT, Via, parse, providers, takeover,
};
use domains::dns::DnsOutcome;
use domains::findings::{Finding, RulePolicy, Severity, inspect_findings};
use domains::registration::RegistrationRecord;
use domains::{DomainName, SuffixList};
use jiff::Timestamp;
use serde::Serialize;

use crate::Global;
use crate::output::{Table, sanitize};

/// Output formats of `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    /// Findings as aligned columns, then the references.
    Table,
    /// One JSON document: per audited name, its references and findings.
    Json,
    /// One finding per line.
    Jsonl,
    /// SARIF 2.1.0, for CI pipelines.
    Sarif,
    /// The reference graph in Graphviz DOT.
    Dot,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// Names to audit (any host name: its registrable domain is audited).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// An inventory file: one name a line, `#` comments.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A zone file (RFC 1035 master format) of an audited zone: the references of all its
    /// records, every owner, are audited besides the live DNS (repeatable; no `$INCLUDE`).
    #[arg(long, value_name = "ZONEFILE")]
    pub zone: Vec<PathBuf>,
    /// The origin of zone files that have no `$ORIGIN` line.
    #[arg(long, value_name = "NAME", requires = "zone")]
    pub origin: Option<String>,
    /// Subdomains whose CNAMEs are checked, besides the built-in list (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "LABEL,...")]
    pub subdomains: Vec<String>,
    /// `lapsing-reference` when a referenced domain expires within this many days.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub expiry_days: u32,
    /// Exit 1 when a finding of this severity or worse exists.
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    pub fail_on: Severity,
    /// Treat the names as high-value: a registry lock is expected.
    #[arg(long)]
    pub high_value: bool,
    #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
    pub format: AuditFormat,
}

/// One finding as `audit` reports it (the `jsonl` line).
#[derive(Debug, Clone, Serialize)]
pub struct AuditFinding {
    /// The audited name.
    pub name: DomainName,
    pub code: String,
    pub severity: Severity,
    pub title: String,
    /// The referenced host or registrable domain, when the finding is about one.
    pub reference: Option<String>,
    /// How the audited name references it (`ns`, `mx`, `spf`...), when it does.
    pub via: Vec<String>,
    pub evidence: Evidence,
    pub remediation: String,
}

/// The records and answers seen, and when.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub seen: String,
    pub at: Timestamp,
}

/// One audited name.
#[derive(Debug, Clone, Serialize)]
pub struct NameAudit {
    pub input: String,
    pub domain: DomainName,
    pub audited_at: Timestamp,
    pub references: Vec<Reference>,
    pub findings: Vec<AuditFinding>,
    /// What could not be checked (probe issues).
    pub incomplete: Vec<String>,
}

const MAX_INVENTORY_BYTES: u64 = 16 * 1024 * 1024;

/// Time allowed for a takeover check's HTTP answer.
const SITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn inventory(path: &Path) -> anyhow::Result<Vec<String>> {
    Ok(read_text(path)?
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

/// A side file read whole, bounded by the bytes actually read.
fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = super::read_side_file(path, MAX_INVENTORY_BYTES)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Most records read from one zone file.
const MAX_ZONE_RECORDS: usize = 1_000_000;

/// A zone file's origin and records, parsed with hickory's master-file parser. `$INCLUDE` is
/// refused: a zone given to an audit must not make it read other files.
fn zone_file(
    path: &Path,
    origin: Option<&str>,
) -> anyhow::Result<(DomainName, Vec<audit::ZoneRecord>)> {
    let text = read_text(path)?;
    if text
        .lines()
        .any(|l| l.trim_start().to_ascii_uppercase().starts_with("$INCLUDE"))
    {
        return Err(super::usage(format!(
            "{}: $INCLUDE is not supported in audited zone files",
            path.display()
        )));
    }
    let origin = match origin {
        Some(o) => Some(
            hickory_proto::rr::Name::from_ascii(o)
                .map_err(|e| super::usage(format!("--origin {}: {e}", sanitize(o))))?,
        ),
        None => None,
    };
    let (apex, sets) = hickory_proto::serialize::txt::Parser::new(text, None, origin)
        .parse()
        .map_err(|e| {
            super::usage(format!(
                "{}: not a zone file: {}",
                path.display(),
                sanitize(&e.to_string())
            ))
        })?;
    let apex = DomainName::parse(apex.to_ascii().trim_end_matches('.')).map_err(|e| {
        super::usage(format!(
            "{}: origin is not a domain name: {e}",
            path.display()
        ))
    })?;
    let mut records = Vec::new();
    for set in sets.values() {
        for rr in set.records_without_rrsigs() {
            if records.len() >= MAX_ZONE_RECORDS {
                return Err(super::usage(format!(
                    "{}: more than {MAX_ZONE_RECORDS} records",
                    path.display()
                )));
            }
            records.push(audit::ZoneRecord {
                owner: rr.name.to_ascii(),
                rtype: rr.record_type().to_string(),
                value: rr.data.to_string(),
            });
        }
    }
    Ok((apex, records))
}

pub fn run(args: AuditArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let (psl, _) = super::psl::suffix_list(global)?;
    let mut inputs = args.names.clone();
    if let Some(f) = &args.file {
        inputs.extend(inventory(f)?);
    }
    let mut zones: BTreeMap<DomainName, ZoneInput> = BTreeMap::new();
    for path in &args.zone {
        let (apex, records) = zone_file(path, args.origin.as_deref())?;
        let reg = super::inspect::registrable(psl, apex.as_str())?;
        let (refs, cnames) = audit::references_from_zone(&reg, &records);
        let z = zones.entry(reg).or_default();
        z.refs.extend(refs);
        z.cnames.extend(cnames);
        inputs.push(apex.to_string());
    }
    if inputs.is_empty() {
        return Err(super::usage(
            "audit needs names, --file INVENTORY or --zone ZONEFILE",
        ));
    }
    let mut targets = Vec::new();
    let mut seen = BTreeSet::new();
    for input in &inputs {
        let reg = super::inspect::registrable(psl, input)?;
        if seen.insert(reg.clone()) {
            targets.push((input.clone(), reg));
        }
    }
    let mut subdomains: Vec<String> = COMMON_SUBDOMAINS.iter().map(|s| s.to_string()).collect();
    for s in &args.subdomains {
        let s = s.trim().trim_matches('.').to_ascii_lowercase();
        if s.is_empty() {
            continue;
        }
        if DomainName::parse(&format!("{s}.example")).is_err() {
            return Err(super::usage(format!("--subdomains: {s:?} is not a label")));
        }
        if !subdomains.contains(&s) {
            subdomains.push(s);
        }
    }
    let rt = super::runtime()?;
    let prober = Arc::new(rt.block_on(async { super::inspect::prober(global) })?);
    let policy = RulePolicy {
        expiry_warning_days: args.expiry_days,
        high_value: args.high_value,
        ..RulePolicy::default()
    };
    let bar = crate::output::progress_bar(global, Some(targets.len() as u64), "auditing");
    let results = rt.block_on(audit_names(
        prober,
        psl,
        targets,
        zones,
        &subdomains,
        &policy,
        &bar,
    ));
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    write_audit(&results, args.format, &mut out)?;
    out.flush()?;
    let fail = results
        .iter()
        .flat_map(|r| r.findings.iter())
        .any(|f| f.severity >= args.fail_on);
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What a zone file adds to the audit of its registrable domain.
#[derive(Debug, Clone, Default)]
pub struct ZoneInput {
    pub refs: Vec<Reference>,
    /// (owner, target) of its CNAMEs, for the takeover check.
    pub cnames: Vec<(DomainName, DomainName)>,
}

/// What the audit learnt of one referenced registrable domain.
#[derive(Debug, Clone)]
enum Looked {
    Record(Box<RegistrationRecord>),
    Nxdomain,
    Unknown(String),
}

/// Audits the names: snapshots, reference collection (with SPF followed within its lookup
/// limit), one registration lookup per distinct referenced registrable domain, findings.
pub async fn audit_names(
    prober: Arc<probe::Prober>,
    psl: &SuffixList,
    targets: Vec<(String, DomainName)>,
    mut zones: BTreeMap<DomainName, ZoneInput>,
    subdomains: &[String],
    policy: &RulePolicy,
    bar: &indicatif::ProgressBar,
) -> Vec<NameAudit> {
    // 1. Per name: snapshot and references, a few names at once (the prober paces each host).
    let subdomains: Arc<Vec<String>> = Arc::new(subdomains.to_vec());
    let mut slots: Vec<Option<Collected>> = Vec::new();
    let mut running = tokio::task::JoinSet::new();
    let mut queue = targets.into_iter().enumerate();
    loop {
        while running.len() < NAMES_AT_ONCE {
            let Some((i, (input, domain))) = queue.next() else {
                break;
            };
            slots.push(None);
            let zone = zones.remove(&domain);
            let (p, subs) = (prober.clone(), subdomains.clone());
            running.spawn(async move {
                let (snap, refs, cnames, note) = collect_one(&p, &domain, zone, &subs).await;
                (
                    i,
                    (
                        input,
                        domain,
                        snap,
                        refs,
                        cnames,
                        note.into_iter().collect::<Vec<_>>(),
                    ),
                )
            });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        if let Ok((i, c)) = done {
            slots[i] = Some(c);
        }
        bar.inc(1);
    }
    let mut collected: Vec<Collected> = slots.into_iter().flatten().collect();

    // 1b. Names that other systems trust on the audited names' behalf: the WHOIS server of each
    // TLD (asked once per TLD), and the RIR contacts of the addresses the names use (one RDAP
    // lookup per network).
    let mut whois_hosts: BTreeMap<String, Result<String, String>> = BTreeMap::new();
    let mut networks = NetworkCache::default();
    for (_, domain, snap, refs, _, notes) in &mut collected {
        let tld = domain.tld().to_string();
        if !whois_hosts.contains_key(&tld) {
            let host = prober.whois_server(&tld).await;
            whois_hosts.insert(tld.clone(), host);
        }
        match whois_hosts.get(&tld) {
            Some(Ok(host)) => {
                if let Ok(target) = DomainName::parse(host) {
                    refs.push(Reference {
                        from: domain.clone(),
                        via: Via::WhoisServer,
                        target,
                        detail: format!("WHOIS server of .{tld}"),
                    });
                }
            }
            Some(Err(e)) => notes.push(format!("WHOIS server of .{tld} not known: {e}")),
            None => {}
        }
        for ip in used_addresses(snap) {
            if !prober.config().allow_private_addresses && !probe::net::is_public_address(ip) {
                continue;
            }
            match networks.get(&prober, ip).await {
                Ok(net) => {
                    let holder = net
                        .handle
                        .clone()
                        .or_else(|| net.name.clone())
                        .unwrap_or_else(|| "the network".into());
                    for (role, email) in &net.contacts {
                        if let Some(target) = parse::mail_domain(email) {
                            refs.push(Reference {
                                from: domain.clone(),
                                via: Via::IpContact,
                                target,
                                detail: format!("{role} contact of {holder} (holding {ip})"),
                            });
                        }
                    }
                }
                Err(e) => notes.push(format!("RIR data of {ip} not readable: {e}")),
            }
        }
        refs.sort();
        refs.dedup();
        notes.dedup();
    }

    // 2. One registration lookup per distinct referenced registrable domain.
    let audited: BTreeSet<DomainName> = collected.iter().map(|c| c.1.clone()).collect();
    let mut wanted: BTreeSet<DomainName> = BTreeSet::new();
    for (_, _, _, refs, _, _) in &collected {
        for reg in audit::referenced_registrables(refs, psl).into_keys() {
            if !audited.contains(&reg) {
                wanted.insert(reg);
            }
        }
    }
    let mut states: BTreeMap<DomainName, Looked> = BTreeMap::new();
    let mut set = tokio::task::JoinSet::new();
    let mut pending = wanted.into_iter();
    loop {
        while set.len() < 8 {
            let Some(reg) = pending.next() else { break };
            let p = prober.clone();
            set.spawn(async move {
                let view = p.registration(&reg).await;
                let looked = match view.registry.or(view.registrar) {
                    Some(r) => Looked::Record(Box::new(r)),
                    None => {
                        let soa = p.lookup(&reg, "SOA").await;
                        if soa.outcome == DnsOutcome::NxDomain {
                            Looked::Nxdomain
                        } else {
                            let why = view
                                .issues
                                .iter()
                                .map(|i| i.message.clone())
                                .collect::<Vec<_>>()
                                .join("; ");
                            Looked::Unknown(why)
                        }
                    }
                };
                (reg, looked)
            });
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        if let Ok((reg, looked)) = done {
            states.insert(reg, looked);
        }
    }

    // The audited names' own registrations, already in their snapshots: a reference from one
    // audited name to another is checked the same way, without a second lookup.
    for (_, domain, snap, _, _, _) in &collected {
        if let Some(r) = snap.registry.clone().or_else(|| snap.registrar.clone()) {
            states.insert(domain.clone(), Looked::Record(Box::new(r)));
        }
    }

    // 3. Findings.
    let table = takeover::Fingerprints::embedded();
    let providers = providers::Providers::embedded();
    let mut results = Vec::new();
    for (input, domain, snap, refs, cname_owners, notes) in collected {
        let now = snap.taken_at;
        let mut findings: Vec<AuditFinding> = inspect_findings(&snap, now, policy)
            .into_iter()
            .map(|f| from_finding(f, None, Vec::new(), now))
            .collect();
        let mut incomplete: Vec<String> = snap
            .issues
            .iter()
            .map(|i| format!("{}: {}", i.source, i.message))
            .collect();
        incomplete.extend(notes);
        for (reg, rs) in audit::referenced_registrables(&refs, psl) {
            // Its own registration is `inspect`'s findings above.
            if reg == domain {
                continue;
            }
            let state = match states.get(&reg) {
                Some(Looked::Record(r)) => RefState::Record(r),
                Some(Looked::Nxdomain) => RefState::Nxdomain,
                Some(Looked::Unknown(why)) => {
                    incomplete.push(format!("{reg}: registration not readable ({why})"));
                    RefState::Unknown
                }
                None => RefState::Unknown,
            };
            let vias: Vec<String> = {
                let mut v: Vec<String> = rs.iter().map(|r| r.via.as_str().to_string()).collect();
                v.sort();
                v.dedup();
                v
            };
            for f in audit::reference_findings(
                &domain,
                &reg,
                &rs,
                &state,
                now,
                policy.expiry_warning_days,
            ) {
                findings.push(from_finding(f, Some(reg.to_string()), vias.clone(), now));
            }
        }
        if let Some(dns) = &snap.dns {
            for f in audit::delegation_findings(
                &domain,
                &dns.nameservers,
                dns.parent_ns(),
                providers,
                psl,
            ) {
                let reference = Some(f.subject.clone());
                findings.push(from_finding(f, reference, vec!["ns".into()], now));
            }
        }
        for (owner, target) in &cname_owners {
            let a = prober.lookup(target, "A").await;
            // A service of the table that resolves: its site's first answer is the sign
            // (asked under the CNAME's owner name, the Host the service sees).
            let reply = if a.outcome != DnsOutcome::NxDomain
                && !table.services_for(target.as_str()).is_empty()
            {
                match probe::site::fetch_site(&prober, owner, SITE_TIMEOUT).await {
                    Ok(r) => Some(r),
                    Err(e) => {
                        incomplete.push(format!("takeover check of {owner}: {e}"));
                        None
                    }
                }
            } else {
                None
            };
            let state = match (&a.outcome, &reply) {
                (DnsOutcome::NxDomain, _) => takeover::TargetState::Nxdomain,
                (_, Some(r)) => takeover::TargetState::Http {
                    status: r.status,
                    body: &r.body,
                },
                _ => takeover::TargetState::Resolves,
            };
            if let Some(f) = audit::takeover_finding(&domain, owner, target, state, table) {
                findings.push(from_finding(
                    f,
                    Some(target.to_string()),
                    vec!["cname".into()],
                    now,
                ));
            }
        }
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.code.cmp(&b.code))
                .then_with(|| a.reference.cmp(&b.reference))
        });
        results.push(NameAudit {
            input,
            domain,
            audited_at: now,
            references: refs,
            findings,
            incomplete,
        });
    }
    results
}

/// How many audited names are collected at once.
const NAMES_AT_ONCE: usize = 16;

/// One audited name's input, domain, snapshot, references, CNAMEs (owner, target) and notes.
type Collected = (
    String,
    DomainName,
    domains::snapshot::Snapshot,
    Vec<Reference>,
    Vec<(DomainName, DomainName)>,
    Vec<String>,
);

/// The snapshot and references of one audited name (SPF followed within its lookup limit),
/// its CNAMEs as (owner, target), and a note when the SPF chain was cut.
async fn collect_one(
    prober: &probe::Prober,
    domain: &DomainName,
    zone: Option<ZoneInput>,
    subdomains: &[String],
) -> (
    domains::snapshot::Snapshot,
    Vec<Reference>,
    Vec<(DomainName, DomainName)>,
    Option<String>,
) {
    let snap = prober.snapshot(domain).await;
    let mut txt_at: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for prefix in ["_dmarc", "_smtp._tls"] {
        if let Ok(owner) = DomainName::parse(&format!("{prefix}.{domain}")) {
            let set = prober.lookup(&owner, "TXT").await;
            if !set.values.is_empty() {
                txt_at.insert(owner.as_str().to_string(), set.values);
            }
        }
    }
    let mut refs = audit::references_from_snapshot(&snap, &txt_at);
    // CNAMEs of the subdomains, and the zone file's records when one was given.
    let mut cname_owners = Vec::new();
    if let Some(z) = zone {
        refs.extend(z.refs);
        cname_owners.extend(z.cnames);
    }
    for label in subdomains {
        let Ok(owner) = DomainName::parse(&format!("{label}.{domain}")) else {
            continue;
        };
        let set = prober.lookup(&owner, "CNAME").await;
        for v in &set.values {
            if let Ok(target) = DomainName::parse(v) {
                cname_owners.push((owner.clone(), target.clone()));
                refs.push(Reference {
                    from: owner.clone(),
                    via: Via::Cname,
                    target,
                    detail: format!("{owner} CNAME {v}"),
                });
            }
        }
    }
    cname_owners.sort();
    cname_owners.dedup();
    // SPF: follow include and redirect within RFC 7208's lookup limit.
    let mut budget = SPF_LOOKUP_LIMIT;
    let mut queue: Vec<DomainName> = refs
        .iter()
        .filter(|r| r.via == Via::Spf && is_spf_chain(&r.detail))
        .map(|r| r.target.clone())
        .collect();
    let mut followed = BTreeSet::new();
    let mut spf_note = None;
    while let Some(t) = queue.pop() {
        if !followed.insert(t.clone()) {
            continue;
        }
        if budget == 0 {
            spf_note = Some(format!(
                "SPF: more than {SPF_LOOKUP_LIMIT} DNS lookups: the rest was not followed (receivers treat this as a permanent error, RFC 7208 4.6.4)"
            ));
            break;
        }
        budget -= 1;
        let set = prober.lookup(&t, "TXT").await;
        for v in &set.values {
            if let Some(spf) = parse::spf(&parse::txt_text(v)) {
                for (term, d) in spf.terms {
                    let chain = matches!(term, parse::SpfTerm::Include | parse::SpfTerm::Redirect);
                    if chain {
                        queue.push(d.clone());
                    }
                    let r = Reference {
                        from: domain.clone(),
                        via: Via::Spf,
                        target: d.clone(),
                        detail: format!("SPF {}:{d} (via {t})", term.as_str()),
                    };
                    if !refs.contains(&r) {
                        refs.push(r);
                    }
                }
            }
        }
    }
    refs.sort();
    refs.dedup();
    (snap, refs, cname_owners, spf_note)
}

/// The addresses an audited name uses: its apex A and AAAA records.
fn used_addresses(snap: &domains::snapshot::Snapshot) -> Vec<std::net::IpAddr> {
    let Some(dns) = &snap.dns else {
        return Vec::new();
    };
    let mut out: Vec<std::net::IpAddr> = ["A", "AAAA"]
        .iter()
        .filter_map(|t| dns.record(t))
        .flat_map(|set| set.values.iter())
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Most RIR lookups in one audit (each distinct network is asked once).
const MAX_IP_LOOKUPS: usize = 256;

/// RIR answers of one audit, reused for every address inside a network already seen.
#[derive(Default)]
struct NetworkCache {
    /// (first, last) address of each network, as comparable keys, and its answer.
    nets: Vec<(IpKey, IpKey, Arc<probe::rdap::parse::IpNetwork>)>,
    failed: BTreeMap<std::net::IpAddr, String>,
    lookups: usize,
}

/// An address as a comparable key: (is IPv6, value).
type IpKey = (bool, u128);

fn ip_key(ip: std::net::IpAddr) -> IpKey {
    match ip {
        std::net::IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        std::net::IpAddr::V6(a) => (true, u128::from(a)),
    }
}

impl NetworkCache {
    async fn get(
        &mut self,
        prober: &probe::Prober,
        ip: std::net::IpAddr,
    ) -> Result<Arc<probe::rdap::parse::IpNetwork>, String> {
        let key = ip_key(ip);
        if let Some((_, _, net)) = self.nets.iter().find(|(a, b, _)| *a <= key && key <= *b) {
            return Ok(net.clone());
        }
        if let Some(e) = self.failed.get(&ip) {
            return Err(e.clone());
        }
        if self.lookups >= MAX_IP_LOOKUPS {
            return Err(format!("more than {MAX_IP_LOOKUPS} networks: not asked"));
        }
        self.lookups += 1;
        match prober.rdap().ip_network(ip).await {
            Ok(net) => {
                let net = Arc::new(net);
                let bound = |s: &Option<String>| {
                    s.as_deref()
                        .and_then(|a| a.parse::<std::net::IpAddr>().ok())
                        .map(ip_key)
                };
                let (first, last) = match (bound(&net.start_address), bound(&net.end_address)) {
                    (Some(a), Some(b)) if a <= key && key <= b => (a, b),
                    _ => (key, key),
                };
                self.nets.push((first, last, net.clone()));
                Ok(net)
            }
            Err(e) => {
                let e = e.to_string();
                self.failed.insert(ip, e.clone());
                Err(e)
            }
        }
    }
}

fn is_spf_chain(detail: &str) -> bool {
    detail.starts_with("SPF include:") || detail.starts_with("SPF redirect:")
}

fn from_finding(
    f: Finding,
    reference: Option<String>,
    via: Vec<String>,
    at: Timestamp,
) -> AuditFinding {
    AuditFinding {
        name: f.domain,
        code: f.code,
        severity: f.severity,
        title: f.title,
        reference,
        via,
        evidence: Evidence { seen: f.detail, at },
        remediation: f.remediation,
    }
}

/// Writes the audit in the chosen format.
pub fn write_audit(
    results: &[NameAudit],
    format: AuditFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, results)?;
            writeln!(out)?;
        }
        AuditFormat::Jsonl => {
            for f in results.iter().flat_map(|r| r.findings.iter()) {
                serde_json::to_writer(&mut *out, f)?;
                writeln!(out)?;
            }
        }
        AuditFormat::Sarif => {
            serde_json::to_writer_pretty(&mut *out, &sarif(results))?;
            writeln!(out)?;
        }
        AuditFormat::Dot => write_dot(results, out)?,
        AuditFormat::Table => write_table(results, out)?,
    }
    Ok(())
}

fn write_table(results: &[NameAudit], out: &mut dyn Write) -> anyhow::Result<()> {
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "== {} ({} references, {} findings)",
            sanitize(r.domain.as_str()),
            r.references.len(),
            r.findings.len()
        )?;
        if r.findings.is_empty() {
            writeln!(out, "findings: none")?;
        } else {
            let mut t = Table::new(["severity", "code", "reference", "via", "finding"]);
            for f in &r.findings {
                t.row([
                    f.severity.to_string(),
                    f.code.clone(),
                    f.reference.clone().unwrap_or_else(|| "-".into()),
                    if f.via.is_empty() {
                        "-".into()
                    } else {
                        f.via.join(",")
                    },
                    f.title.clone(),
                ]);
            }
            t.write(out)?;
        }
        let mut t = Table::new(["via", "from", "target", "record"]);
        for rf in &r.references {
            t.row([
                rf.via.to_string(),
                rf.from.to_string(),
                rf.target.to_string(),
                rf.detail.clone(),
            ]);
        }
        writeln!(out, "references:")?;
        t.write(out)?;
        for m in &r.incomplete {
            writeln!(out, "not checked: {}", sanitize(m))?;
        }
    }
    Ok(())
}

fn dot_quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                q.push('\\');
                q.push(c);
            }
            c if c.is_control() => q.push(' '),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn write_dot(results: &[NameAudit], out: &mut dyn Write) -> anyhow::Result<()> {
    writeln!(out, "digraph references {{")?;
    writeln!(out, "  rankdir=LR;")?;
    let mut edges = BTreeSet::new();
    for r in results {
        writeln!(out, "  {} [shape=box];", dot_quote(r.domain.as_str()))?;
        for f in &r.findings {
            if let Some(reference) = &f.reference
                && f.severity >= Severity::High
            {
                writeln!(
                    out,
                    "  {} [color=red, xlabel={}];",
                    dot_quote(reference),
                    dot_quote(&f.code)
                )?;
            }
        }
        for rf in &r.references {
            edges.insert((
                rf.from.to_string(),
                rf.target.to_string(),
                rf.via.to_string(),
            ));
        }
    }
    for (from, to, via) in edges {
        writeln!(
            out,
            "  {} -> {} [label={}];",
            dot_quote(&from),
            dot_quote(&to),
            dot_quote(&via)
        )?;
    }
    writeln!(out, "}}")?;
    Ok(())
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run, one rule per finding code, one result per finding (its logical
/// location is the audited name).
fn sarif(results: &[NameAudit]) -> serde_json::Value {
    let mut rules: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for f in results.iter().flat_map(|r| r.findings.iter()) {
        rules
            .entry(f.code.clone())
            .or_insert_with(|| f.remediation.clone());
        out.push(serde_json::json!({
            "ruleId": f.code,
            "level": sarif_level(f.severity),
            "message": { "text": f.title },
            "locations": [{
                "logicalLocations": [{ "name": f.name.as_str(), "kind": "domain" }]
            }],
            "properties": {
                "severity": f.severity,
                "reference": f.reference,
                "via": f.via,
                "evidence": f.evidence,
                "remediation": f.remediation,
            }
        }));
    }
    let rules: Vec<serde_json::Value> = rules
        .into_iter()
        .map(|(id, help)| {
            serde_json::json!({
                "id": id,
                "shortDescription": { "text": id },
                "help": { "text": help },
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "domwatch",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": out,
        }]
    })
}
