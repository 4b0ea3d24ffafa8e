//! `domwatch inspect NAME...`: one-shot investigation of registrable domains: the registration
//! (registry and registrar view), the live DNS, and findings with severity and remediation.
//!
//! Exit codes: 0 when no finding is high or critical, 1 when one is, 2 for a bad name or
//! argument, 3 when the network configuration or the prober cannot be set up.
//!
//! The demo calls [`inspect_names`] with its own prober and writer.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use domains::findings::{Finding, RulePolicy, Severity, inspect_findings};
use domains::registration::RegistrationRecord;
use domains::snapshot::Snapshot;
use domains::{DomainName, Section, SuffixList};
use serde::Serialize;

use crate::Global;
use crate::output::{Format, Table, sanitize};

#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// Names to investigate (any host name: its registrable domain is inspected).
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
    /// Output format: table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Warn when a registration expires within this many days.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub expiry_warning_days: u32,
    /// Treat the names as high-value: a registry lock is expected.
    #[arg(long)]
    pub high_value: bool,
}

/// One inspected name.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// What the user gave.
    pub input: String,
    /// The registrable domain inspected.
    pub domain: DomainName,
    pub snapshot: Snapshot,
    pub findings: Vec<Finding>,
}

/// The registrable domain (ICANN section) of a user-given name.
pub(crate) fn registrable(psl: &SuffixList, input: &str) -> anyhow::Result<DomainName> {
    let name = DomainName::parse(input).map_err(|e| super::usage(e.to_string()))?;
    let reg = psl
        .registrable(name.as_str(), Section::Icann)
        .ok_or_else(|| {
            super::usage(format!(
                "{name} is a public suffix, not a registrable domain"
            ))
        })?;
    DomainName::parse(reg).map_err(|e| super::usage(e.to_string()))
}

/// A prober for the configuration in `global`.
pub(crate) fn prober(global: &Global) -> anyhow::Result<probe::Prober> {
    let cfg = super::net_config(global)?;
    probe::Prober::new(cfg, probe::ProbeOptions::default())
        .map_err(|e| super::network(format!("cannot set up the prober: {e}")))
}

/// With `--config`: fails up front (exit 3) when the RDAP bootstrap the configuration names
/// cannot be fetched, rather than marking every name incomplete (a stale `lab.toml` whose lab
/// is gone). Never falls back to IANA's files or the real registries.
pub(crate) async fn check_configured(
    prober: &probe::Prober,
    global: &Global,
) -> anyhow::Result<()> {
    let Some(path) = &global.config else {
        return Ok(());
    };
    match prober.rdap().configured_bootstrap_unreachable().await {
        None => Ok(()),
        Some(why) => Err(super::network(format!(
            "--config {}: {why}; nothing was looked up (is the lab or service it describes \
             running?)",
            path.display()
        ))),
    }
}

pub fn run(args: InspectArgs, global: &Global) -> anyhow::Result<ExitCode> {
    if !matches!(args.format, Format::Table | Format::Json) {
        return Err(super::usage("inspect supports --format table or json"));
    }
    let (psl, _) = super::psl::suffix_list(global)?;
    let mut targets = Vec::new();
    for input in &args.names {
        targets.push((input.clone(), registrable(psl, input)?));
    }
    let rt = super::runtime()?;
    let prober = rt.block_on(async { prober(global) })?;
    rt.block_on(check_configured(&prober, global))?;
    let policy = RulePolicy {
        expiry_warning_days: args.expiry_warning_days,
        high_value: args.high_value,
        ..RulePolicy::default()
    };
    let results = rt.block_on(inspect_names(Arc::new(prober), targets, &policy));
    let mut out = std::io::stdout().lock();
    write_inspections(&results, args.format, &mut out)?;
    Ok(exit_for(&results))
}

/// Exit code 3 when the registration of a name could not be read at all (neither RDAP nor
/// WHOIS gave a record: nothing can be said about its state), else 1 when a finding is high or
/// critical.
pub fn exit_for(results: &[Inspection]) -> ExitCode {
    if results
        .iter()
        .any(|r| r.snapshot.registry.is_none() && r.snapshot.registrar.is_none())
    {
        return ExitCode::from(3);
    }
    let worst = results
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.severity))
        .max();
    if worst.is_some_and(|s| s >= Severity::High) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Snapshots each (input, registrable domain) pair (a few at a time, the prober keeps each
/// server's limits) and applies the rules at the prober's "now" (the lab clock in the lab).
pub async fn inspect_names(
    prober: Arc<probe::Prober>,
    targets: Vec<(String, DomainName)>,
    policy: &RulePolicy,
) -> Vec<Inspection> {
    let mut set = tokio::task::JoinSet::new();
    let mut results: Vec<Option<Inspection>> = vec![None; targets.len()];
    let mut pending = targets.into_iter().enumerate();
    let limit = 8;
    loop {
        while set.len() < limit {
            let Some((i, (input, domain))) = pending.next() else {
                break;
            };
            let p = prober.clone();
            set.spawn(async move {
                let snap = p.snapshot(&domain).await;
                (i, input, domain, snap)
            });
        }
        let Some(done) = set.join_next().await else {
            break;
        };
        if let Ok((i, input, domain, snapshot)) = done {
            let findings = inspect_findings(&snapshot, snapshot.taken_at, policy);
            if let Some(slot) = results.get_mut(i) {
                *slot = Some(Inspection {
                    input,
                    domain,
                    snapshot,
                    findings,
                });
            }
        }
    }
    results.into_iter().flatten().collect()
}

/// Writes inspections as a table for people or as one JSON array.
pub fn write_inspections(
    results: &[Inspection],
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, results)?;
        writeln!(out)?;
        return Ok(());
    }
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_one(r, out)?;
    }
    Ok(())
}

fn or_none(v: Option<String>) -> String {
    v.filter(|s| !s.is_empty()).unwrap_or_else(|| "-".into())
}

/// The registrar's abuse contact as shown (e-mail and phone), if the record has one.
fn abuse_text(rec: &RegistrationRecord) -> Option<String> {
    let r = rec.registrar.as_ref()?;
    if r.abuse_email.is_none() && r.abuse_phone.is_none() {
        return None;
    }
    Some(
        [r.abuse_email.clone(), r.abuse_phone.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The rows of one registration view. `abuse_shown`: the abuse contact already shown by the
/// registry view (a gTLD's registry and registrar both give the registrar's): not repeated.
fn record_rows(
    t: &mut Table,
    label: &str,
    rec: &RegistrationRecord,
    domain: &domains::DomainName,
    abuse_shown: Option<&str>,
) {
    let lookup = match &rec.lookup {
        domains::registration::Lookup::Registered => "registered".to_string(),
        domains::registration::Lookup::NotFound => "not found".to_string(),
        domains::registration::Lookup::Reserved => "reserved".to_string(),
        domains::registration::Lookup::Unreadable { bytes } => {
            format!("unreadable ({bytes} bytes received)")
        }
        domains::registration::Lookup::RateLimited { retry_after_secs } => match retry_after_secs {
            Some(s) => format!("rate limited (retry after {s} s)"),
            None => "rate limited".to_string(),
        },
    };
    let source = match rec.source {
        domains::registration::SourceKind::Rdap => "RDAP",
        domains::registration::SourceKind::Whois => "WHOIS",
    };
    t.row([
        label.to_string(),
        format!("{source} {} ({lookup})", rec.server),
    ]);
    if let Some(r) = &rec.registrar {
        let mut s = or_none(r.name.clone().or(r.handle.clone()));
        if let Some(id) = &r.iana_id {
            s.push_str(&format!(" (IANA {id})"));
        }
        t.row(["  registrar".to_string(), s]);
        if let Some(abuse) = abuse_text(rec)
            && abuse_shown != Some(abuse.as_str())
        {
            t.row(["  abuse contact".to_string(), abuse]);
        }
    }
    if !rec.has_registrar_lock()
        && let Some(r) = domains::registry_locks::no_client_locks(domain)
    {
        t.row([
            "  registrar lock".to_string(),
            format!("not offered here ({}: {})", r.name, r.instead),
        ]);
    }
    if let Some(reseller) = &rec.reseller {
        t.row(["  reseller".to_string(), reseller.clone()]);
    }
    if !rec.statuses.is_empty() {
        t.row([
            "  statuses".to_string(),
            rec.statuses
                .iter()
                .map(|s| s.as_epp().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    for ev in &rec.events {
        t.row([format!("  {}", ev.action.as_str()), ev.date.to_rfc3339()]);
    }
    if !rec.nameservers.is_empty() {
        t.row([
            "  nameservers".to_string(),
            rec.nameservers
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        ]);
    }
    if let Some(d) = &rec.dnssec {
        let ds =
            d.ds.iter()
                .map(|r| format!("{} {} {}", r.key_tag, r.algorithm, r.digest_type))
                .collect::<Vec<_>>()
                .join(", ");
        t.row([
            "  DNSSEC".to_string(),
            if d.delegation_signed {
                format!("signed (DS {ds})")
            } else {
                "unsigned".to_string()
            },
        ]);
    }
    // The abuse contact is shown once: on the registrar's row when it is there.
    let abuse_shown = rec
        .registrar
        .as_ref()
        .is_some_and(|r| r.abuse_email.is_some() || r.abuse_phone.is_some());
    for c in &rec.contacts {
        if abuse_shown && c.role == domains::registration::ContactRole::Abuse {
            continue;
        }
        let who = if c.redacted {
            "redacted".to_string()
        } else {
            [
                c.name.clone(),
                c.organization.clone(),
                c.email.clone(),
                c.country.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        };
        t.row([format!("  {:?} contact", c.role).to_lowercase(), who]);
    }
}

fn write_one(r: &Inspection, out: &mut dyn Write) -> anyhow::Result<()> {
    let s = &r.snapshot;
    let head = if r.input.trim().eq_ignore_ascii_case(r.domain.as_str()) {
        r.domain.to_string()
    } else {
        format!("{} (registrable domain of {})", r.domain, r.input)
    };
    writeln!(out, "== {}", sanitize(&head))?;
    let mut t = Table::new(["FIELD", "VALUE"]);
    t.row(["observed".to_string(), s.taken_at.to_string()]);
    t.row(["lifecycle phase".to_string(), s.phase.as_str().to_string()]);
    match &s.registry {
        Some(rec) => record_rows(&mut t, "registry view", rec, &s.domain, None),
        None => t.row(["registry view", "(not observed)"]),
    }
    let registry_abuse = s.registry.as_ref().and_then(abuse_text);
    match &s.registrar {
        Some(rec) => record_rows(
            &mut t,
            "registrar view",
            rec,
            &s.domain,
            registry_abuse.as_deref(),
        ),
        None => t.row(["registrar view", "(not observed)"]),
    }
    if let Some(dns) = &s.dns {
        match &dns.delegation {
            Some(d) => {
                let ns =
                    d.ns.iter()
                        .map(|n| n.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                let ds = if d.ds.is_empty() {
                    String::new()
                } else {
                    format!(" (DS {})", d.ds.len())
                };
                let text = if domains::findings::is_delegated(&d.outcome) {
                    format!("by {}: {ns}{ds}", d.parent_zone)
                } else {
                    format!("{} at {}", d.outcome.as_str(), d.parent_zone)
                };
                t.row(["delegation".to_string(), text]);
            }
            None => t.row(["delegation", "(not observed)"]),
        }
        for ns in &dns.nameservers {
            let addrs = ns
                .addresses
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let no_glue = ns.name.is_subdomain_of(&dns.domain)
                && dns
                    .delegation
                    .as_ref()
                    .is_some_and(|d| !d.glue.iter().any(|g| g.name == ns.name));
            let verdict = if ns.servers.is_empty() && no_glue {
                "not checked (in the domain, no glue at the parent)".to_string()
            } else if ns.servers.is_empty() {
                format!("not checked ({})", ns.resolution.as_str())
            } else if ns.is_lame() {
                let why = ns
                    .servers
                    .iter()
                    .map(|c| c.outcome.as_str().to_string())
                    .collect::<Vec<_>>()
                    .join("/");
                format!("LAME ({why})")
            } else {
                let serials = ns
                    .servers
                    .iter()
                    .filter_map(|c| c.soa_serial)
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("/");
                format!("authoritative, SOA serial {serials}")
            };
            t.row([
                format!("  NS {}", ns.name),
                format!(
                    "{}{} {verdict}",
                    if addrs.is_empty() {
                        "-".to_string()
                    } else {
                        addrs
                    },
                    if ns.is_cname { " (CNAME!)" } else { "" }
                ),
            ]);
        }
        for rr in &dns.records {
            let v = if rr.values.is_empty() {
                rr.outcome.as_str().to_string()
            } else {
                rr.values.join(" | ")
            };
            t.row([format!("  {}", rr.rtype), v]);
        }
        if let Some(c) = &dns.dnssec {
            t.row(["  DNSSEC".to_string(), dnssec_text(c, s.taken_at)]);
        }
        if let Some(w) = dns.wildcard {
            t.row(["  wildcard".to_string(), w.to_string()]);
        }
    } else {
        t.row(["DNS", "(not observed)"]);
    }
    for issue in &s.issues {
        t.row([format!("issue ({})", issue.source), issue.message.clone()]);
    }
    t.write(out)?;
    if r.findings.is_empty() {
        writeln!(out, "findings: none")?;
        return Ok(());
    }
    writeln!(out, "findings:")?;
    let mut f = Table::new(["SEVERITY", "CODE", "FINDING"]);
    for x in &r.findings {
        f.row([
            x.severity.as_str().to_string(),
            x.code.clone(),
            format!("{}: {}", x.title, x.detail),
        ]);
        f.row([
            String::new(),
            String::new(),
            format!("-> {}", x.remediation),
        ]);
    }
    f.write(out)?;
    Ok(())
}

/// One line on the zone's DNSSEC: each DS against the keys, and the apex signatures.
fn dnssec_text(c: &domains::dns::DnssecCheck, now: jiff::Timestamp) -> String {
    use domains::dns::DsStatus;
    let ds =
        c.ds.iter()
            .map(|d| {
                let st = match d.status {
                    DsStatus::Matches => "matches",
                    DsStatus::NoSuchKey => "no such key",
                    DsStatus::DigestDiffers => "digest differs",
                    DsStatus::Unsupported => "not checkable",
                };
                format!("DS {} {st}", d.key_tag)
            })
            .collect::<Vec<_>>()
            .join(", ");
    let sigs = |v: &[domains::dns::RrsigCheck]| {
        if v.is_empty() {
            "unsigned"
        } else if v.iter().any(|g| g.valid_at(now)) {
            "signed"
        } else {
            "signature invalid or expired"
        }
    };
    format!(
        "{ds}; {} DNSKEY; DNSKEY {}; SOA {} (at {})",
        c.keys.len(),
        sigs(&c.dnskey.signatures),
        sigs(&c.soa.signatures),
        c.server
    )
}
