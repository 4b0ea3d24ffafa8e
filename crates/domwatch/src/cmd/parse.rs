//! `domwatch parse`: parse saved protocol answers offline.
//!
//! `domwatch parse whois FILE [--tld TLD] [--domain NAME] [--format table|json]` reads a saved
//! WHOIS answer (`-` for standard input) and shows the registration record it describes, the
//! same record `inspect` builds from a live answer.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use domains::DomainName;
use domains::registration::{Lookup, RegistrationRecord};

use crate::output::Table;
use crate::{Format, Global};

/// The most bytes read from the file (the parser itself looks at the first 256 KiB).
const MAX_FILE: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    #[command(subcommand)]
    pub what: ParseWhat,
}

#[derive(Debug, clap::Subcommand)]
pub enum ParseWhat {
    /// Parse a saved WHOIS answer (ICANN format, JPRS, common ccTLD formats).
    Whois {
        /// The saved answer; `-` reads standard input.
        file: PathBuf,
        /// The TLD whose conventions apply (default: the domain's TLD).
        #[arg(long, value_name = "TLD")]
        tld: Option<String>,
        /// The domain the answer is about (default: what the text says, else the file name's
        /// `<tld>_<domain>` part).
        #[arg(long, value_name = "NAME")]
        domain: Option<String>,
        /// Output format: table or json (the registration record).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(args: ParseArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    match args.what {
        ParseWhat::Whois {
            file,
            tld,
            domain,
            format,
        } => whois(&file, tld.as_deref(), domain.as_deref(), format),
    }
}

fn whois(
    file: &Path,
    tld: Option<&str>,
    domain: Option<&str>,
    format: Format,
) -> anyhow::Result<ExitCode> {
    if !matches!(format, Format::Table | Format::Json) {
        return Err(super::usage("`parse whois` writes --format table or json"));
    }
    let text = read_input(file)?;
    let domain = choose_domain(file, domain, &text)?;
    let tld = match tld {
        Some(t) => {
            let t = t.trim().trim_matches('.').to_ascii_lowercase();
            if t.is_empty() || t.contains('.') {
                return Err(super::usage(format!("invalid --tld {t:?}")));
            }
            t
        }
        None => domain.tld().to_string(),
    };
    let server = if file == Path::new("-") {
        "stdin".to_string()
    } else {
        file.display().to_string()
    };
    let record = probe::whois::parse(&text, &domain, Some(&tld), &server);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &record)?;
            writeln!(out)?;
        }
        _ => table(&record).write(&mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn read_input(file: &Path) -> anyhow::Result<String> {
    let mut bytes = Vec::new();
    if file == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_FILE)
            .read_to_end(&mut bytes)
            .context("reading standard input")
            .map_err(|e| super::usage(format!("{e:#}")))?;
    } else {
        let f = std::fs::File::open(file)
            .with_context(|| format!("cannot open {}", file.display()))
            .map_err(|e| super::usage(format!("{e:#}")))?;
        f.take(MAX_FILE)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", file.display()))
            .map_err(|e| super::usage(format!("{e:#}")))?;
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `--domain`, else what the text says, else the file name's `<tld>_<domain>` part.
fn choose_domain(file: &Path, given: Option<&str>, text: &str) -> anyhow::Result<DomainName> {
    if let Some(d) = given {
        return DomainName::parse(d).map_err(|e| super::usage(format!("--domain: {e}")));
    }
    if let Some(d) = probe::whois::domain_in_text(text) {
        return Ok(d);
    }
    let from_name = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split_once('_'))
        .and_then(|(_, d)| DomainName::parse(d).ok());
    from_name.ok_or_else(|| {
        super::usage("cannot tell which domain the answer is about: pass --domain NAME")
    })
}

fn table(r: &RegistrationRecord) -> Table {
    let mut t = Table::new(["field", "value"]);
    t.row(["domain".to_string(), r.domain.to_string()]);
    let state = match &r.lookup {
        Lookup::Registered => "registered".to_string(),
        Lookup::NotFound => "not found".to_string(),
        Lookup::Reserved => "reserved".to_string(),
        Lookup::RateLimited {
            retry_after_secs: Some(s),
        } => format!("rate limited (retry after {s} s)"),
        Lookup::RateLimited {
            retry_after_secs: None,
        } => "rate limited".to_string(),
        Lookup::Unreadable { bytes } => format!("unreadable ({bytes} bytes received)"),
    };
    t.row(["lookup".to_string(), state]);
    t.row(["source".to_string(), r.server.clone()]);
    if let Some(reg) = &r.registrar {
        let fields = [
            ("registrar", &reg.name),
            ("registrar iana id", &reg.iana_id),
            ("registrar url", &reg.url),
            ("registrar whois", &reg.whois_server),
            ("registrar abuse email", &reg.abuse_email),
            ("registrar abuse phone", &reg.abuse_phone),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                t.row([k.to_string(), v.clone()]);
            }
        }
    }
    if let Some(s) = &r.reseller {
        t.row(["reseller".to_string(), s.clone()]);
    }
    if let Some(h) = &r.handle {
        t.row(["handle".to_string(), h.clone()]);
    }
    for (k, d) in [
        ("created", r.created()),
        ("updated", r.updated()),
        ("expires", r.expires()),
    ] {
        if let Some(d) = d {
            t.row([k.to_string(), d.to_rfc3339()]);
        }
    }
    if !r.statuses.is_empty() {
        let s: Vec<&str> = r.statuses.iter().map(|s| s.as_epp()).collect();
        t.row(["statuses".to_string(), s.join(", ")]);
    }
    for ns in &r.nameservers {
        t.row(["nameserver".to_string(), ns.to_string()]);
    }
    if let Some(d) = &r.dnssec {
        let v = if d.delegation_signed {
            format!("signed ({} DS)", d.ds.len())
        } else {
            "unsigned".to_string()
        };
        t.row(["dnssec".to_string(), v]);
    }
    for c in &r.contacts {
        let mut parts: Vec<String> = [&c.name, &c.organization, &c.email, &c.country]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if c.redacted {
            parts.push("(redacted)".to_string());
        }
        if !parts.is_empty() {
            let role = serde_json::to_value(&c.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            t.row([format!("contact {role}"), parts.join(", ")]);
        }
    }
    for n in &r.notes {
        t.row(["note".to_string(), n.clone()]);
    }
    t
}
