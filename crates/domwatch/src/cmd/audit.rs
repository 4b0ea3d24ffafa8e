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
use std::io::IsTerminal as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use domains::DomainName;
use domains::audit::{self, COMMON_SUBDOMAINS};
use domains::findings::{RulePolicy, Severity};

pub use service::audit::{NameAudit, ZoneInput, audit_names};

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
    /// Keep the results in the store (`--db`): the console's audit pages and
    /// `/api/v1/audits` show them.
    #[arg(long)]
    pub save: bool,
}

const MAX_INVENTORY_BYTES: u64 = 16 * 1024 * 1024;

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
    // The store is opened (and migrated) before the network work, so a bad --db fails first.
    let mut store = if args.save {
        Some(super::watch::open_store(global)?)
    } else {
        None
    };
    let rt = super::runtime()?;
    let prober = Arc::new(rt.block_on(async { super::inspect::prober(global) })?);
    rt.block_on(super::inspect::check_configured(&prober, global))?;
    let policy = RulePolicy {
        expiry_warning_days: args.expiry_days,
        high_value: args.high_value,
        ..RulePolicy::default()
    };
    let bar = crate::output::progress_bar(global, Some(targets.len() as u64), "auditing");
    let progress = super::watch::bar_progress(&bar);
    let results = rt.block_on(audit_names(
        prober,
        psl,
        targets,
        zones,
        &subdomains,
        &policy,
        &progress,
    ));
    bar.finish_and_clear();
    if let Some(store) = store.as_mut() {
        let ids = service::audit::store_audits(store, &results).map_err(super::service_err)?;
        if std::io::stderr().is_terminal() {
            eprintln!("saved {} audits in the store", ids.len());
        }
    }
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
