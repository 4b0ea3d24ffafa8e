//! `domwatch case export --format stix|misp|csv` (cases for sharing) and the HTML pages of
//! `domwatch report ... --format html`.
//!
//! The documents are built by `domains::case::export` and `domains::case::html` (pure); this
//! module reads the store, maps its cases into those builders' inputs, and writes stdout or a
//! file (`-o`). Exit codes as in `case`: 2 bad arguments or an unwritable output, 3 the store
//! failed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use domains::case::export::{self as builders, ExportCase, MispMeta};
use domains::case::html::Meta;
use domains::case::{CaseState, Tlp};
use jiff::Timestamp;
use store::{Case, CaseFilter, Store};

use crate::Global;
use crate::output::{Format, sanitize};

use super::case::{Period, parse_state, period, store_err};
use super::{usage, watch::open_store};

/// The sharing formats of `case export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// A STIX 2.1 bundle: a domain-name and an indicator per case, TLP 2.0 markings.
    Stix,
    /// One MISP event (MISP core format JSON) with domain and url attributes.
    Misp,
    /// One row per case.
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// stix, misp or csv.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Only cases in these states (repeatable).
    #[arg(long, value_parser = parse_state)]
    pub state: Vec<CaseState>,
    /// Only open cases (every state but closed).
    #[arg(long)]
    pub open: bool,
    /// Only cases under this TLD.
    #[arg(long)]
    pub tld: Option<String>,
    /// Only cases of this brand.
    #[arg(long)]
    pub brand: Option<String>,
    /// Only cases first reported in this period.
    #[command(flatten)]
    pub period: Period,
    /// The MISP event's title (`info`).
    #[arg(long)]
    pub info: Option<String>,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The formats of `domwatch report`: the shared ones plus a self-contained HTML page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header line.
    Csv,
    /// One HTML page (table and inline SVG chart, no scripts or external resources).
    Html,
}

impl ReportFormat {
    /// The shared format for the text outputs; `None` for HTML.
    pub fn text(self) -> Option<Format> {
        match self {
            ReportFormat::Table => Some(Format::Table),
            ReportFormat::Json => Some(Format::Json),
            ReportFormat::Jsonl => Some(Format::Jsonl),
            ReportFormat::Csv => Some(Format::Csv),
            ReportFormat::Html => None,
        }
    }
}

/// Writes `bytes` to the file, or to stdout without one.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match path {
        Some(p) => std::fs::write(p, bytes)
            .map_err(|e| usage(format!("cannot write {}: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// The subtitle of a report page: its period and when it was made.
pub fn page_meta(title: String, p: &Period) -> Meta {
    let offset = p.utc_offset.to_string();
    let period = match (&p.from, &p.to) {
        (None, None) => "all reports".to_string(),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("up to {t}"),
        (Some(f), Some(t)) => format!("{f} to {t}"),
    };
    Meta {
        title,
        subtitle: format!(
            "{period} (dates at UTC offset {offset}); generated {}",
            Timestamp::now().strftime("%Y-%m-%d %H:%M UTC")
        ),
    }
}

fn export_case(store: &Store, c: Case) -> anyhow::Result<ExportCase> {
    let reports = store.case_reports(c.id).map_err(store_err)?;
    Ok(ExportCase {
        id: c.id.0,
        domain: c.domain.to_string(),
        registered: c.registered.to_string(),
        state: c.state,
        resolution: c.resolution,
        brand: c.brand,
        category: c.category,
        tlp: c.tlp,
        registrar: c.registrar,
        registry: c.registry,
        opened_at: c.opened_at,
        updated_at: c.updated_at,
        first_reported_at: c.first_reported_at,
        last_reported_at: c.last_reported_at,
        mitigated_at: c.mitigated_at,
        mitigated_by: c.mitigated_by,
        reports: c.reports,
        urls: reports.into_iter().filter_map(|r| r.url).collect(),
    })
}

pub fn export(args: ExportArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let (from, to) = period(&args.period)?;
    let store = open_store(global)?;
    let mut cases = store
        .cases(&CaseFilter {
            states: args.state,
            open: args.open,
            tld: args.tld,
            brand: args.brand,
            ..CaseFilter::default()
        })
        .map_err(store_err)?;
    cases.retain(|c| {
        from.is_none_or(|t| c.first_reported_at >= t) && to.is_none_or(|t| c.first_reported_at < t)
    });
    // Oldest first: the same cases always come out in the same order.
    cases.sort_by_key(|c| c.id);
    let cases: Vec<ExportCase> = cases
        .into_iter()
        .map(|c| export_case(&store, c))
        .collect::<anyhow::Result<_>>()?;
    let mut doc = match args.format {
        ExportFormat::Stix => serde_json::to_string_pretty(&builders::stix_bundle(&cases))?,
        ExportFormat::Misp => {
            let now = Timestamp::now();
            let meta = MispMeta {
                info: args.info.unwrap_or_else(|| {
                    format!(
                        "domwatch: {} abuse case(s), exported {}",
                        cases.len(),
                        now.strftime("%Y-%m-%d")
                    )
                }),
                generated_at: now,
            };
            serde_json::to_string_pretty(&builders::misp_event(&cases, &meta))?
        }
        ExportFormat::Csv => {
            builders::csv_export(&cases).map_err(|e| usage(sanitize(&e.to_string())))?
        }
    };
    if !doc.ends_with('\n') {
        doc.push('\n');
    }
    write_output(args.output.as_deref(), doc.as_bytes())?;
    if args.output.is_some() {
        let strict = cases
            .iter()
            .map(|c| c.tlp)
            .any(|t| matches!(t, Tlp::AmberStrict | Tlp::Red));
        eprintln!(
            "{} case(s) exported{}",
            cases.len(),
            if strict {
                " (some are TLP:AMBER+STRICT or TLP:RED: mind who receives the file)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
