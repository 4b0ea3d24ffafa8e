//! The exposure audit: every outside name that the audited domains still trust (name servers,
//! MX hosts, CNAME targets, SPF terms, DMARC and TLS-RPT report addresses, SOA names, CAA iodef,
//! registration contacts, the TLD's WHOIS server, the RIR contacts of their addresses), and the
//! registration state of each referenced registrable domain; plus `inspect`'s findings on the
//! audited names themselves, sitting-duck delegations, fake name servers and CNAMEs to unclaimed
//! cloud resources.
//!
//! Politeness: each referenced registrable domain is looked up once per audit (RDAP, or WHOIS
//! where there is none), through the prober's per-host pacing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use domains::audit::{
    self, RefState, Reference, SPF_LOOKUP_LIMIT, Via, parse, providers, takeover,
};
use domains::dns::DnsOutcome;
use domains::findings::{Finding, RulePolicy, Severity, inspect_findings};
use domains::registration::RegistrationRecord;
use domains::{DomainName, SuffixList};
use jiff::Timestamp;
use serde::Serialize;

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

/// Time allowed for a takeover check's HTTP answer.
const SITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

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

/// Audits the watched inventory (the registrable domain of each watched name, high-value
/// names with a registry lock expected) and stores the results (the console's
/// `--audit-every`). The stored ids.
pub async fn audit_watched(
    store: &mut store::Store,
    prober: Arc<probe::Prober>,
    psl: &SuffixList,
    expiry_days: u32,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<Vec<i64>, crate::ServiceError> {
    let watched = store.watched()?;
    let results = audit_inventory(watched, prober, psl, expiry_days, progress).await;
    store_audits(store, &results)
}

/// Audits the registrable domains of the watched names (stores nothing).
async fn audit_inventory(
    watched: Vec<store::WatchedDomain>,
    prober: Arc<probe::Prober>,
    psl: &SuffixList,
    expiry_days: u32,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Vec<NameAudit> {
    let subdomains: Vec<String> = audit::COMMON_SUBDOMAINS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut all = Vec::new();
    let mut seen = BTreeSet::new();
    for high_value in [true, false] {
        let targets: Vec<(String, DomainName)> = watched
            .iter()
            .filter(|w| w.high_value == high_value)
            .filter_map(|w| {
                let reg = psl.registrable(w.name.as_str(), domains::psl::Section::Icann)?;
                let reg = DomainName::parse(reg).ok()?;
                seen.insert(reg.clone()).then(|| (w.name.to_string(), reg))
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        let policy = RulePolicy {
            expiry_warning_days: expiry_days,
            high_value,
            ..RulePolicy::default()
        };
        all.extend(
            audit_names(
                prober.clone(),
                psl,
                targets,
                BTreeMap::new(),
                &subdomains,
                &policy,
                progress,
            )
            .await,
        );
    }
    all
}

/// What the audit inside a watch pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WatchAudit {
    /// Registrable domains audited.
    pub audited: usize,
    /// References checked, over all of them.
    pub references: usize,
    /// Reference findings not in the previous stored audit of their name, stored as findings
    /// (and so alerted by the sinks).
    pub new_findings: usize,
    /// Names whose audit could not check everything.
    pub incomplete: usize,
}

/// The watch's view of an audit: every finding about a *referenced* name (a dependency that
/// became unregistered, started lapsing, became claimable) that the previous audit of the
/// same name did not have, as an event finding of the audited name. The same code and
/// reference seen again is not new; a reference that changes state (lapsing, then dangling)
/// is a new code, so it is new again.
pub fn new_reference_findings(
    previous: Option<&serde_json::Value>,
    current: &NameAudit,
) -> Vec<Finding> {
    let before: BTreeSet<(String, String)> = previous
        .and_then(|p| p["findings"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some((
                f["code"].as_str()?.to_string(),
                f["reference"].as_str()?.to_string(),
            ))
        })
        .collect();
    current
        .findings
        .iter()
        .filter_map(|f| {
            let reference = f.reference.as_ref()?;
            if before.contains(&(f.code.clone(), reference.clone())) {
                return None;
            }
            Some(Finding {
                code: f.code.clone(),
                severity: f.severity,
                domain: f.name.clone(),
                title: f.title.clone(),
                detail: format!(
                    "via {}: {} (audit of {})",
                    if f.via.is_empty() {
                        "-".to_string()
                    } else {
                        f.via.join(",")
                    },
                    f.evidence.seen,
                    f.evidence.at
                ),
                remediation: f.remediation.clone(),
                subject: format!("reference {reference}"),
            })
        })
        .collect()
}

/// The audit step of `watch run --audit`: audits the inventory, stores each audit, and stores
/// the reference findings that are new since each name's previous audit as findings, for the
/// pass's alerts.
pub async fn audit_in_watch(
    store: &mut store::Store,
    prober: Arc<probe::Prober>,
    psl: &SuffixList,
    expiry_days: u32,
    now: Timestamp,
) -> Result<WatchAudit, crate::ServiceError> {
    let watched = store.watched()?;
    let results = audit_inventory(watched, prober, psl, expiry_days, &|_, _| {}).await;
    let mut out = WatchAudit {
        audited: results.len(),
        ..WatchAudit::default()
    };
    let mut new = Vec::new();
    for r in &results {
        let previous = store.audits_of(r.domain.as_str(), 1)?;
        new.extend(new_reference_findings(
            previous.first().map(|a| &a.audit),
            r,
        ));
        out.references += r.references.len();
        if !r.incomplete.is_empty() {
            out.incomplete += 1;
        }
    }
    store_audits(store, &results)?;
    out.new_findings = store
        .add_event_findings(&new, &store::RaisedBy::Audit, now)?
        .len();
    Ok(out)
}

/// Stores each audited name's result (`audit --save`, the console's scheduler): the audit
/// as `audit --format json` writes it, its number of findings and the worst severity. The
/// ids, in order.
pub fn store_audits(
    store: &mut store::Store,
    results: &[NameAudit],
) -> Result<Vec<i64>, crate::ServiceError> {
    let mut ids = Vec::with_capacity(results.len());
    for r in results {
        let json =
            serde_json::to_value(r).map_err(|e| crate::ServiceError::Internal(e.to_string()))?;
        let worst = r.findings.iter().map(|f| f.severity).max();
        ids.push(store.record_audit(
            r.domain.as_str(),
            r.audited_at,
            r.findings.len(),
            worst.map(|s| s.as_str()),
            &json,
        )?);
    }
    Ok(ids)
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
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Vec<NameAudit> {
    // 1. Per name: snapshot and references, a few names at once (the prober paces each host).
    let subdomains: Arc<Vec<String>> = Arc::new(subdomains.to_vec());
    let mut slots: Vec<Option<Collected>> = Vec::new();
    let mut running = tokio::task::JoinSet::new();
    let total = targets.len() as u64;
    let mut finished = 0u64;
    progress(0, total);
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
                let c = collect_one(&p, input, domain, zone, &subs).await;
                (i, c)
            });
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        if let Ok((i, c)) = done {
            slots[i] = Some(c);
        }
        finished += 1;
        progress(finished, total);
    }
    let mut collected: Vec<Collected> = slots.into_iter().flatten().collect();

    // 1b. Names that other systems trust on the audited names' behalf: the WHOIS server of each
    // TLD (asked once per TLD), and the RIR contacts of the addresses the names use (one RDAP
    // lookup per network).
    let mut whois_hosts: BTreeMap<String, Result<String, String>> = BTreeMap::new();
    let mut networks = NetworkCache::default();
    for Collected {
        domain,
        refs,
        notes,
        addresses,
        ..
    } in &mut collected
    {
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
        for (ip, user) in addresses.iter() {
            let ip = *ip;
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
                                detail: format!(
                                    "{role} contact of {holder} (holding {ip}, the address of {user})"
                                ),
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
    let audited: BTreeSet<DomainName> = collected.iter().map(|c| c.domain.clone()).collect();
    let mut wanted: BTreeSet<DomainName> = BTreeSet::new();
    for c in &collected {
        for reg in audit::referenced_registrables(&c.refs, psl).into_keys() {
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
    for c in &collected {
        if let Some(r) = c.snap.registry.clone().or_else(|| c.snap.registrar.clone()) {
            states.insert(c.domain.clone(), Looked::Record(Box::new(r)));
        }
    }

    // 3. Findings.
    let table = takeover::Fingerprints::embedded();
    let providers = providers::Providers::embedded();
    let mut results = Vec::new();
    for Collected {
        input,
        domain,
        snap,
        refs,
        cnames: cname_owners,
        notes,
        addresses: _,
    } in collected
    {
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

/// What the first step learnt of one audited name.
struct Collected {
    input: String,
    domain: DomainName,
    snap: domains::snapshot::Snapshot,
    refs: Vec<Reference>,
    /// Its CNAMEs as (owner, target), for the takeover check.
    cnames: Vec<(DomainName, DomainName)>,
    /// What could not be followed (the SPF chain cut at its lookup limit...).
    notes: Vec<String>,
    /// The addresses the name uses, each with the host that has it (the apex, an MX host, a
    /// subdomain): their networks' RIR contacts are `ip-contact` references.
    addresses: Vec<(std::net::IpAddr, String)>,
}

/// Most addresses of one audited name whose networks are asked for (apex, MX hosts,
/// subdomains).
const MAX_ADDRESSES_PER_NAME: usize = 32;

/// Most MX hosts of one name whose addresses are looked up.
const MAX_MX_HOSTS: usize = 10;

/// The snapshot and references of one audited name (SPF followed within its lookup limit),
/// its CNAMEs as (owner, target), the addresses it uses, and a note when the SPF chain was cut.
async fn collect_one(
    prober: &probe::Prober,
    input: String,
    domain: DomainName,
    zone: Option<ZoneInput>,
    subdomains: &[String],
) -> Collected {
    let snap = prober.snapshot(&domain).await;
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
    let mut addresses: Vec<(std::net::IpAddr, String)> = apex_addresses(&snap)
        .into_iter()
        .map(|ip| (ip, domain.to_string()))
        .collect();
    // The MX hosts' addresses: the networks that receive the domain's mail.
    let mx_hosts: Vec<DomainName> = snap
        .dns
        .as_ref()
        .and_then(|d| d.record("MX"))
        .map(|set| {
            set.values
                .iter()
                .filter_map(|v| parse::mx_host(v))
                .collect()
        })
        .unwrap_or_default();
    for host in mx_hosts.iter().take(MAX_MX_HOSTS) {
        addresses.extend(
            host_addresses(prober, host)
                .await
                .into_iter()
                .map(|ip| (ip, format!("MX host {host}"))),
        );
    }
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
        // A subdomain that exists: the addresses it uses (through its CNAME, if any).
        if set.outcome != DnsOutcome::NxDomain && addresses.len() < MAX_ADDRESSES_PER_NAME {
            addresses.extend(
                host_addresses(prober, &owner)
                    .await
                    .into_iter()
                    .map(|ip| (ip, owner.to_string())),
            );
        }
    }
    addresses.sort();
    addresses.dedup_by(|a, b| a.0 == b.0);
    addresses.truncate(MAX_ADDRESSES_PER_NAME);
    // MTA-STS (RFC 8461): announced by a TXT record at `_mta-sts`; the policy host and the MX
    // patterns of the policy are references.
    let mut notes = Vec::new();
    if let Ok(owner) = DomainName::parse(&format!("_mta-sts.{domain}")) {
        let set = prober.lookup(&owner, "TXT").await;
        let announced = set.values.iter().any(|v| {
            parse::txt_text(v)
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("v=stsv1")
        });
        if announced {
            let (r, c, note) = mta_sts_references(prober, &domain).await;
            refs.extend(r);
            cname_owners.extend(c);
            notes.extend(note);
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
    Collected {
        input,
        domain,
        snap,
        refs,
        cnames: cname_owners,
        notes: {
            notes.extend(spf_note);
            notes
        },
        addresses,
    }
}

/// Where an MTA-STS policy is published (RFC 8461 3.2).
const MTA_STS_PATH: &str = "/.well-known/mta-sts.txt";

/// The MTA-STS references of `domain`: the policy host `mta-sts.DOMAIN` when it is a CNAME
/// (often to a vendor), and the `mx:` patterns of the policy read over HTTPS; the CNAMEs for
/// the takeover check, and a note when the policy could not be read.
async fn mta_sts_references(
    prober: &probe::Prober,
    domain: &DomainName,
) -> (
    Vec<Reference>,
    Vec<(DomainName, DomainName)>,
    Option<String>,
) {
    let (mut refs, mut cnames) = (Vec::new(), Vec::new());
    let Ok(host) = DomainName::parse(&format!("mta-sts.{domain}")) else {
        return (refs, cnames, None);
    };
    let set = prober.lookup(&host, "CNAME").await;
    for v in &set.values {
        if let Ok(target) = DomainName::parse(v) {
            cnames.push((host.clone(), target.clone()));
            refs.push(Reference {
                from: host.clone(),
                via: Via::MtaSts,
                target,
                detail: format!("{host} CNAME {v} (the MTA-STS policy host)"),
            });
        }
    }
    let url = format!("https://{host}{MTA_STS_PATH}");
    let note = match probe::site::fetch_https(prober, &host, MTA_STS_PATH, SITE_TIMEOUT).await {
        Ok(r) if r.status == 200 => {
            for mx in parse::mta_sts_mx(&r.body) {
                refs.push(Reference {
                    from: domain.clone(),
                    via: Via::MtaSts,
                    detail: format!("MTA-STS policy at {url}: mx {mx}"),
                    target: mx,
                });
            }
            None
        }
        Ok(r) => Some(format!(
            "MTA-STS policy of {domain}: HTTP {} at {url}",
            r.status
        )),
        Err(e) => Some(format!("MTA-STS policy of {domain} not readable: {e}")),
    };
    (refs, cnames, note)
}

/// The addresses an audited name uses at its apex: its A and AAAA records.
fn apex_addresses(snap: &domains::snapshot::Snapshot) -> Vec<std::net::IpAddr> {
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

/// A host's A and AAAA addresses (CNAMEs followed).
async fn host_addresses(prober: &probe::Prober, host: &DomainName) -> Vec<std::net::IpAddr> {
    let mut out = Vec::new();
    for rtype in ["A", "AAAA"] {
        let set = prober.lookup(host, rtype).await;
        out.extend(
            set.values
                .iter()
                .filter_map(|v| v.trim().parse::<std::net::IpAddr>().ok()),
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &str, severity: Severity, reference: Option<&str>) -> AuditFinding {
        AuditFinding {
            name: DomainName::parse("corp.example").unwrap(),
            code: code.into(),
            severity,
            title: format!("{code} title"),
            reference: reference.map(str::to_string),
            via: vec!["mx".into()],
            evidence: Evidence {
                seen: "NXDOMAIN".into(),
                at: "2026-12-01T00:00:00Z".parse().unwrap(),
            },
            remediation: "fix it".into(),
        }
    }

    fn audit(findings: Vec<AuditFinding>) -> NameAudit {
        NameAudit {
            input: "corp.example".into(),
            domain: DomainName::parse("corp.example").unwrap(),
            audited_at: "2026-12-01T00:00:00Z".parse().unwrap(),
            references: vec![],
            findings,
            incomplete: vec![],
        }
    }

    #[test]
    fn only_reference_findings_new_since_the_previous_audit_are_raised() {
        let first = audit(vec![
            finding("lapsing-reference", Severity::High, Some("mail-host.net")),
            // About the audited name itself: the watch raises those from its snapshots.
            finding("no-registrar-lock", Severity::Medium, None),
        ]);
        // No previous audit: every reference finding is new.
        let new = new_reference_findings(None, &first);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].code, "lapsing-reference");
        assert_eq!(new[0].domain.as_str(), "corp.example");
        assert_eq!(new[0].subject, "reference mail-host.net");
        assert!(
            new[0].detail.contains("via mx: NXDOMAIN"),
            "{}",
            new[0].detail
        );
        // The same again: nothing new.
        let stored = serde_json::to_value(&first).unwrap();
        assert!(new_reference_findings(Some(&stored), &first).is_empty());
        // The reference changed state (lapsing, then gone) and another one appeared.
        let second = audit(vec![
            finding(
                "dangling-reference",
                Severity::Critical,
                Some("mail-host.net"),
            ),
            finding("takeover", Severity::High, Some("app.cloud.example")),
        ]);
        let new = new_reference_findings(Some(&stored), &second);
        let codes: Vec<&str> = new.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["dangling-reference", "takeover"]);
        assert_ne!(new[0].fingerprint(), new[1].fingerprint());
    }
}
