//! `domwatch case`: coordination cases (open, import, list, show, update, close) and
//! `domwatch report`: the statistics over them.
//!
//! Intake is offline and idempotent: a report already stored (same source, time and URL) is
//! counted as known and changes nothing. Rows that cannot be read are counted, the first ones
//! shown on stderr with their line, and the rest of the file is still imported.
//!
//! Exit codes: 0 done; 2 bad arguments, an unreadable file, a refused change (e.g. closing
//! without a resolution), or an import where no row could be read; 3 the store failed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use domains::case::intake::{
    self, CsvLayout, RawReport, RowError, ServiceList, Target, parse_offset,
};
use domains::case::stats::{Dim, MitigationBy};
use domains::case::{CaseState, Category, Resolution, Tlp};
use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};
use store::{Case, CaseFilter, CaseId, CaseUpdate, NewReport, Store};

use crate::Global;
use crate::output::{Format, Table, progress_bar, sanitize};

use super::export::{ReportFormat, page_meta, write_output};
use domains::case::html;

use super::{usage, watch::open_store};

#[derive(Debug, clap::Args)]
pub struct CaseArgs {
    #[command(subcommand)]
    pub command: CaseCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum CaseCommand {
    /// Open a case (or add a report to the domain's open case) for URLs or names.
    Open(OpenArgs),
    /// Import reports in bulk: JPCERT/CC CSV, any CSV with a column mapping, URL lists, X-ARF
    /// JSON, abuse report e-mails (.eml).
    Import(ImportArgs),
    /// List cases.
    List(ListArgs),
    /// Show a case: its reports and its timeline.
    Show(ShowArgs),
    /// Change a case's state or fields, or add a note (each change is a timeline event).
    Update(UpdateArgs),
    /// Close a case with a resolution.
    Close(CloseArgs),
    /// Find the parties (registrar, registry, hosting network, service operator) and collect
    /// the evidence (RDAP, WHOIS, DNS and HTTP answers with their sha256).
    Enrich(super::coord::EnrichArgs),
    /// List a case's parties and the next to notify, or add one by hand.
    Party(super::coord::PartyArgs),
    /// Notify a party: an e-mail with an X-ARF v4 report, sent over SMTP or written as .eml.
    Notify(super::coord::NotifyArgs),
    /// Attach a party's reply (.eml) to its notification.
    Reply(super::coord::ReplyArgs),
    /// Re-check open cases: record mitigation (serverHold, clientHold, deleted, NXDOMAIN,
    /// content gone) and who acted; list follow-ups due.
    Check(super::coord::CheckArgs),
    /// Export cases for sharing: STIX 2.1, MISP or CSV.
    Export(super::export::ExportArgs),
}

/// What every intake may set.
#[derive(Debug, Clone, clap::Args)]
pub struct IntakeOpts {
    /// The brand imitated.
    #[arg(long)]
    pub brand: Option<String>,
    /// phishing, malware, c2, spam, other (or an RSIT class such as fraud/phishing).
    #[arg(long, default_value = "phishing", value_parser = parse_category)]
    pub category: Category,
    /// Who reported it.
    #[arg(long)]
    pub reporter: Option<String>,
    /// TLP 2.0 label of new cases: clear, green, amber, amber+strict, red.
    #[arg(long, default_value = "amber", value_parser = parse_tlp)]
    pub tlp: Tlp,
    /// The report's date for inputs that carry none (RFC 3339 or YYYY-MM-DD[ HH:MM]); now by
    /// default.
    #[arg(long)]
    pub date: Option<String>,
    /// The offset of dates written without one (UTC, +09:00); the jpcert preset means +09:00.
    #[arg(long, value_name = "OFFSET", value_parser = parse_offset_arg)]
    pub utc_offset: Option<Offset>,
    /// Enrich the cases opened or reopened (`case enrich`: parties and evidence; networked).
    #[arg(long)]
    pub enrich: bool,
}

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// URLs or names (defanged input such as hxxps://example[.]com is understood).
    #[arg(required = true)]
    pub inputs: Vec<String>,
    #[command(flatten)]
    pub opts: IntakeOpts,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// JPCERT/CC phishing URL list: `date,URL,description` (description = brand), JST dates.
    Jpcert,
    /// CSV with a header; columns chosen with --columns (default: url, date, brand, category,
    /// description).
    Csv,
    /// One URL or name per line; `#` comments.
    Urls,
    /// X-ARF v4 JSON reports: one object, an array, or JSON lines (ReportType gives the
    /// category, Report.Date the date, ReporterInfo the reporter).
    Xarf,
    /// An abuse report e-mail (.eml): the URLs and host names in its text (defanged too), or
    /// its X-ARF attachment; forwarded messages are read too. Date, From and Subject give the
    /// date, reporter and description; the Message-ID identifies it on the next import.
    Eml,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The file layout.
    #[arg(long, value_enum)]
    pub preset: Preset,
    /// Files to import.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// CSV column mapping: url=COL,date=COL,brand=COL,category=COL,description=COL.
    #[arg(long, value_name = "MAP")]
    pub columns: Option<String>,
    #[command(flatten)]
    pub opts: IntakeOpts,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only cases in these states (repeatable).
    #[arg(long, value_parser = parse_state)]
    pub state: Vec<CaseState>,
    /// Only open cases (every state but closed).
    #[arg(long)]
    pub open: bool,
    /// Only cases of this domain.
    #[arg(long)]
    pub domain: Option<String>,
    /// Only cases under this TLD.
    #[arg(long)]
    pub tld: Option<String>,
    /// Only cases of this brand.
    #[arg(long)]
    pub brand: Option<String>,
    /// At most this many (newest first).
    #[arg(long)]
    pub limit: Option<usize>,
    /// table, json, jsonl or csv.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    pub id: i64,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    pub id: i64,
    /// new, triage, investigating, notifying, monitoring, escalated, mitigated (closing:
    /// `case close`).
    #[arg(long, value_parser = parse_state)]
    pub state: Option<CaseState>,
    /// A note for the timeline.
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long)]
    pub brand: Option<String>,
    #[arg(long, value_parser = parse_category)]
    pub category: Option<Category>,
    #[arg(long, value_parser = parse_tlp)]
    pub tlp: Option<Tlp>,
    /// The sponsoring registrar (as investigated).
    #[arg(long)]
    pub registrar: Option<String>,
    /// The registry (TLD operator).
    #[arg(long)]
    pub registry: Option<String>,
    /// Who acted: registry, registrar, hosting, service, or a name.
    #[arg(long)]
    pub mitigated_by: Option<String>,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct CloseArgs {
    pub id: i64,
    /// mitigated, rejected, duplicate, expired.
    #[arg(long, value_parser = parse_resolution)]
    pub resolution: Resolution,
    /// Who acted (with --resolution mitigated).
    #[arg(long)]
    pub mitigated_by: Option<String>,
    /// A note for the timeline.
    #[arg(long)]
    pub note: Option<String>,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::parse(s).ok_or_else(|| {
        format!(
            "unknown category {s:?} (one of: {})",
            Category::ALL.map(|c| c.as_str()).join(", ")
        )
    })
}

fn parse_tlp(s: &str) -> Result<Tlp, String> {
    Tlp::parse(s).ok_or_else(|| {
        format!(
            "unknown TLP {s:?} (one of: {})",
            Tlp::ALL.map(|t| t.as_str()).join(", ")
        )
    })
}

pub(super) fn parse_state(s: &str) -> Result<CaseState, String> {
    CaseState::parse(s).ok_or_else(|| {
        format!(
            "unknown state {s:?} (one of: {})",
            CaseState::ALL.map(|c| c.as_str()).join(", ")
        )
    })
}

fn parse_resolution(s: &str) -> Result<Resolution, String> {
    Resolution::parse(s).ok_or_else(|| {
        format!(
            "unknown resolution {s:?} (one of: {})",
            Resolution::ALL.map(|c| c.as_str()).join(", ")
        )
    })
}

fn parse_offset_arg(s: &str) -> Result<Offset, String> {
    parse_offset(s).ok_or_else(|| format!("not an offset: {s:?} (UTC, +09:00, -05:00)"))
}

pub fn run(args: CaseArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.command {
        CaseCommand::Open(a) => open(a, global),
        CaseCommand::Import(a) => import(a, global),
        CaseCommand::List(a) => list(a, global),
        CaseCommand::Show(a) => show(a, global),
        CaseCommand::Update(a) => update(a, global),
        CaseCommand::Close(a) => close(a, global),
        CaseCommand::Enrich(a) => super::coord::enrich(a, global),
        CaseCommand::Party(a) => super::coord::party(a, global),
        CaseCommand::Notify(a) => super::coord::notify_cmd(a, global),
        CaseCommand::Reply(a) => super::coord::reply(a, global),
        CaseCommand::Check(a) => super::coord::check(a, global),
        CaseCommand::Export(a) => super::export::export(a, global),
    }
}

/// Who is acting: the login name, for the timeline.
pub(super) fn actor() -> String {
    std::env::var("USER")
        .ok()
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "cli".into())
}

pub(super) fn store_err(e: store::StoreError) -> anyhow::Error {
    match e {
        store::StoreError::Refused(m) => usage(m),
        e => super::network(format!("store: {e}")),
    }
}

/// The largest file one import reads.
const MAX_IMPORT_BYTES: u64 = 512 * 1024 * 1024;

fn default_time(opts: &IntakeOpts, offset: Offset) -> anyhow::Result<Timestamp> {
    match &opts.date {
        None => Ok(Timestamp::now()),
        Some(d) => intake::parse_date(d, offset)
            .ok_or_else(|| usage(format!("--date: unreadable date {d:?}"))),
    }
}

/// Ties raw reports to their cases; rows whose input names no case become row errors.
fn to_new_reports(
    raw: Vec<RawReport>,
    opts: &IntakeOpts,
    source: &str,
    file: &str,
    errors: &mut Vec<(String, RowError)>,
    global: &Global,
) -> anyhow::Result<Vec<NewReport>> {
    let (psl, _) = super::psl::suffix_list(global)?;
    let services = ServiceList::embedded();
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        match Target::parse(&r.input, psl, services) {
            Ok(target) => {
                let what = target
                    .url
                    .clone()
                    .unwrap_or_else(|| target.host.to_string());
                out.push(NewReport {
                    // An undated report is the same report whenever it is imported again.
                    source_key: match &r.key_hint {
                        // What the input says identifies the report (an e-mail's Message-ID).
                        Some(hint) => format!("{source}|{hint}|{what}"),
                        None if r.dated || opts.date.is_some() => {
                            format!("{source}|{}|{what}", r.reported_at)
                        }
                        None => format!("{source}|{what}"),
                    },
                    target,
                    input: r.input,
                    reported_at: r.reported_at,
                    reporter: r.reporter.or(opts.reporter.clone()),
                    brand: r.brand.or(opts.brand.clone()),
                    description: r.description,
                    category: r.category.unwrap_or(opts.category),
                    tlp: opts.tlp,
                    source: source.to_string(),
                });
            }
            Err(e) => errors.push((
                file.to_string(),
                RowError {
                    line: r.line,
                    message: e.to_string(),
                },
            )),
        }
    }
    Ok(out)
}

fn open(args: OpenArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let offset = args.opts.utc_offset.unwrap_or(Offset::UTC);
    let at = default_time(&args.opts, offset)?;
    let raw: Vec<RawReport> = args
        .inputs
        .iter()
        .enumerate()
        .map(|(i, s)| RawReport {
            line: i + 1,
            input: s.clone(),
            reported_at: at,
            dated: true,
            brand: None,
            category: None,
            description: None,
            reporter: None,
            key_hint: None,
        })
        .collect();
    let mut errors = Vec::new();
    let reports = to_new_reports(raw, &args.opts, "open", "argument", &mut errors, global)?;
    if let Some((_, e)) = errors.first() {
        return Err(usage(format!(
            "argument {}: {}",
            e.line,
            sanitize(&e.message)
        )));
    }
    let mut store = open_store(global)?;
    let outcome = store
        .add_reports(&reports, &actor(), Timestamp::now(), |_| {})
        .map_err(store_err)?;
    let mut ids = outcome.case_ids.clone();
    ids.dedup();
    let cases: Vec<Case> = ids
        .iter()
        .filter_map(|id| store.case(*id).transpose())
        .collect::<Result<_, _>>()
        .map_err(store_err)?;
    let enriched = if args.opts.enrich {
        super::coord::enrich_cases(global, &mut store, &cases, true)?
    } else {
        Vec::new()
    };
    if args.format == Format::Json {
        println!(
            "{}",
            serde_json::json!({ "outcome": outcome, "cases": cases, "enriched": enriched })
        );
    } else {
        eprintln!(
            "{} report(s) added ({} known), {} case(s) opened, {} reopened",
            outcome.added, outcome.known, outcome.cases_opened, outcome.cases_reopened
        );
        let mut out = std::io::stdout().lock();
        cases_table(&cases).write(&mut out)?;
        if !enriched.is_empty() {
            writeln!(out)?;
            super::coord::write_enriched(&enriched, &mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn import(args: ImportArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let offset = args.opts.utc_offset.unwrap_or(match args.preset {
        Preset::Jpcert => intake::jst(),
        _ => Offset::UTC,
    });
    let when = default_time(&args.opts, offset)?;
    let source = match args.preset {
        Preset::Jpcert => "jpcert",
        Preset::Csv => "csv",
        Preset::Urls => "urls",
        Preset::Xarf => "xarf",
        Preset::Eml => "eml",
    };
    if args.columns.is_some() && args.preset != Preset::Csv {
        return Err(usage("--columns applies to --preset csv"));
    }
    let mut layout = match args.preset {
        Preset::Jpcert => CsvLayout::jpcert(),
        _ => CsvLayout::default(),
    };
    layout.offset = offset;
    if let Some(m) = &args.columns {
        layout = layout.with_mapping(m).map_err(usage)?;
    }

    let mut reports = Vec::new();
    let mut errors: Vec<(String, RowError)> = Vec::new();
    let mut rows = 0usize;
    for file in &args.files {
        let bytes = super::read_side_file(file, MAX_IMPORT_BYTES)?;
        let name = file.display().to_string();
        let (raw, errs) = match args.preset {
            Preset::Urls => intake::parse_url_list(&String::from_utf8_lossy(&bytes), when),
            Preset::Xarf => super::intake_mail::read_xarf(&bytes, offset),
            Preset::Eml => super::intake_mail::read_eml(&bytes, when, global)?,
            Preset::Jpcert | Preset::Csv => intake::parse_csv(&bytes, &layout, when)
                .map_err(|e| usage(format!("{name}: {}", sanitize(&e.to_string()))))?,
        };
        rows += raw.len() + errs.len();
        errors.extend(errs.into_iter().map(|e| (name.clone(), e)));
        reports.extend(to_new_reports(
            raw,
            &args.opts,
            source,
            &name,
            &mut errors,
            global,
        )?);
    }
    let mut store = open_store(global)?;
    let bar = progress_bar(global, Some(reports.len() as u64), "import");
    let outcome = store
        .add_reports(&reports, &actor(), Timestamp::now(), |n| {
            bar.set_position(n as u64)
        })
        .map_err(store_err)?;
    bar.finish_and_clear();
    let enriched = if args.opts.enrich {
        let mut ids = outcome.case_ids.clone();
        ids.sort();
        ids.dedup();
        let mut todo = Vec::new();
        for id in ids {
            if store.case_parties(id).map_err(store_err)?.is_empty()
                && let Some(c) = store.case(id).map_err(store_err)?
                && c.state.is_open()
            {
                todo.push(c);
            }
        }
        super::coord::enrich_cases(global, &mut store, &todo, true)?
    } else {
        Vec::new()
    };

    for (file, e) in errors.iter().take(10) {
        eprintln!("{}: {}", sanitize(file), sanitize(&e.to_string()));
    }
    if errors.len() > 10 {
        eprintln!("... and {} more rows refused", errors.len() - 10);
    }
    if args.format == Format::Json {
        let refused: Vec<serde_json::Value> = errors
            .iter()
            .map(|(f, e)| serde_json::json!({"file": f, "line": e.line, "error": e.message}))
            .collect();
        println!(
            "{}",
            serde_json::json!({ "rows": rows, "refused": refused.len(), "refused_rows": refused,
                                "outcome": {
                                    "added": outcome.added, "known": outcome.known,
                                    "cases_opened": outcome.cases_opened,
                                    "cases_reopened": outcome.cases_reopened },
                                "enriched": enriched })
        );
    } else {
        println!(
            "{rows} rows: {} reports added, {} already known, {} refused; {} cases opened, {} reopened",
            outcome.added,
            outcome.known,
            errors.len(),
            outcome.cases_opened,
            outcome.cases_reopened
        );
        if !enriched.is_empty() {
            super::coord::write_enriched(&enriched, &mut std::io::stdout().lock())?;
        }
    }
    if rows > 0 && reports.is_empty() {
        return Err(usage("no row could be read"));
    }
    Ok(ExitCode::SUCCESS)
}

fn ts_cell(t: Option<Timestamp>) -> String {
    t.map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

fn cases_table(cases: &[Case]) -> Table {
    let mut t = Table::new([
        "id",
        "domain",
        "state",
        "brand",
        "category",
        "tlp",
        "reports",
        "first reported",
        "mitigated",
    ]);
    for c in cases {
        let state = match c.resolution {
            Some(r) => format!("{} ({})", c.state, r.as_str()),
            None => c.state.to_string(),
        };
        let mitigated = match (&c.mitigated_at, &c.mitigated_by) {
            (Some(at), Some(by)) => format!("{} by {by}", ts_cell(Some(*at))),
            (Some(at), None) => ts_cell(Some(*at)),
            _ => "-".into(),
        };
        let domain = match &c.service {
            Some(s) => format!("{} (at {s})", c.domain.to_unicode()),
            None => c.domain.to_unicode(),
        };
        t.row(vec![
            c.id.to_string(),
            domain,
            state,
            c.brand.clone().unwrap_or_else(|| "-".into()),
            c.category.as_str().to_string(),
            c.tlp.as_str().to_string(),
            c.reports.to_string(),
            ts_cell(Some(c.first_reported_at)),
            mitigated,
        ]);
    }
    t
}

fn list(args: ListArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = open_store(global)?;
    let cases = store
        .cases(&CaseFilter {
            states: args.state,
            open: args.open,
            domain: args.domain,
            tld: args.tld,
            brand: args.brand,
            limit: args.limit,
        })
        .map_err(store_err)?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(&cases)?)?,
        Format::Jsonl => {
            for c in &cases {
                writeln!(out, "{}", serde_json::to_string(c)?)?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "id",
                "domain",
                "registered",
                "service",
                "state",
                "resolution",
                "brand",
                "category",
                "tlp",
                "reports",
                "first_reported_at",
                "mitigated_at",
                "mitigated_by",
            ])?;
            for c in &cases {
                w.write_record([
                    c.id.to_string(),
                    c.domain.to_string(),
                    c.registered.to_string(),
                    c.service.clone().unwrap_or_default(),
                    c.state.to_string(),
                    c.resolution
                        .map(|r| r.as_str().to_string())
                        .unwrap_or_default(),
                    c.brand.clone().unwrap_or_default(),
                    c.category.as_str().to_string(),
                    c.tlp.as_str().to_string(),
                    c.reports.to_string(),
                    c.first_reported_at.to_string(),
                    c.mitigated_at.map(|t| t.to_string()).unwrap_or_default(),
                    c.mitigated_by.clone().unwrap_or_default(),
                ])?;
            }
            w.flush()?;
        }
        _ => cases_table(&cases).write(&mut out)?,
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn load(store: &Store, id: i64) -> anyhow::Result<Case> {
    store
        .case(CaseId(id))
        .map_err(store_err)?
        .ok_or_else(|| usage(format!("no case {id}")))
}

fn show(args: ShowArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = open_store(global)?;
    let case = load(&store, args.id)?;
    let reports = store.case_reports(case.id).map_err(store_err)?;
    let events = store.case_events(case.id).map_err(store_err)?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "case": case, "reports": reports, "timeline": events,
                                "coordination": super::coord::coordination_json(&store, &case)? })
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    cases_table(std::slice::from_ref(&case)).write(&mut out)?;
    if let (Some(s), Some(k)) = (&case.service, &case.service_kind) {
        writeln!(
            out,
            "\nat the {k} {s}: its operator is the party to ask, not the registry"
        )?;
    }
    writeln!(out, "\nreports")?;
    let mut t = Table::new(["reported", "url or name", "reporter", "source"]);
    for r in &reports {
        t.row(vec![
            ts_cell(Some(r.reported_at)),
            r.url.clone().unwrap_or_else(|| r.host.clone()),
            r.reporter.clone().unwrap_or_else(|| "-".into()),
            r.source.clone(),
        ]);
    }
    t.write(&mut out)?;
    super::coord::show_coordination(&store, &case, &mut out)?;
    writeln!(out, "\ntimeline")?;
    let mut t = Table::new(["at", "actor", "event", "detail"]);
    for e in &events {
        t.row(vec![
            ts_cell(Some(e.at)),
            e.actor.clone(),
            e.kind.clone(),
            e.detail.clone(),
        ]);
    }
    t.write(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

fn apply(id: i64, update: CaseUpdate, format: Format, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    load(&store, id)?;
    let case = store
        .update_case(CaseId(id), &update, &actor(), Timestamp::now())
        .map_err(store_err)?;
    if format == Format::Json {
        println!("{}", serde_json::to_string(&case)?);
    } else {
        cases_table(std::slice::from_ref(&case)).write(&mut std::io::stdout().lock())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn update(args: UpdateArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let u = CaseUpdate {
        state: args.state,
        close: None,
        note: args.note,
        brand: args.brand,
        category: args.category,
        tlp: args.tlp,
        registrar: args.registrar,
        registry: args.registry,
        mitigated_by: args.mitigated_by,
    };
    if u == CaseUpdate::default() {
        return Err(usage(
            "nothing to change: give --state, --note or a field to set",
        ));
    }
    apply(args.id, u, args.format, global)
}

fn close(args: CloseArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let u = CaseUpdate {
        close: Some(args.resolution),
        note: args.note,
        mitigated_by: args.mitigated_by,
        ..CaseUpdate::default()
    };
    apply(args.id, u, args.format, global)
}

// ---------------------------------------------------------------------------------------------
// `domwatch report`

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub kind: ReportKind,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportKind {
    /// Distinct phishing domains (registrable, ICANN section) and URLs per group.
    Phishing(PhishingArgs),
    /// Mitigated / not mitigated / unprocessed cases, median time to mitigation, who acted.
    Mitigation(MitigationArgs),
    /// One row per case: domain, report date, response (mitigation) date, status.
    Domains(DomainsArgs),
}

/// The period and the clock of a report.
#[derive(Debug, Clone, clap::Args)]
pub struct Period {
    /// From this date on (YYYY-MM, YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to and including this month or day (YYYY-MM, YYYY-MM-DD), or before this RFC 3339 time.
    #[arg(long)]
    pub to: Option<String>,
    /// The offset months and days are counted in (UTC, +09:00 for JST).
    #[arg(long, value_name = "OFFSET", default_value = "UTC", value_parser = parse_offset_arg)]
    pub utc_offset: Offset,
}

#[derive(Debug, clap::Args)]
pub struct PhishingArgs {
    /// Group by these, comma-separated: month, tld, tld-kind, brand, registrar.
    #[arg(long, default_value = "month,tld")]
    pub by: String,
    #[command(flatten)]
    pub period: Period,
    /// table, csv, json, jsonl or html (one self-contained page).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MitigationArgs {
    /// tld, registry or registrar.
    #[arg(long, default_value = "tld")]
    pub by: String,
    #[command(flatten)]
    pub period: Period,
    /// table, csv, json, jsonl or html (one self-contained page).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DomainsArgs {
    /// Only cases under this TLD.
    #[arg(long)]
    pub tld: Option<String>,
    #[command(flatten)]
    pub period: Period,
    /// table, csv, json, jsonl or html (one self-contained page).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub(super) fn period(p: &Period) -> anyhow::Result<(Option<Timestamp>, Option<Timestamp>)> {
    let from = p
        .from
        .as_deref()
        .map(|s| service::reports::bound(s, p.utc_offset, false))
        .transpose()
        .map_err(super::service_err)?;
    let to =
        p.to.as_deref()
            .map(|s| service::reports::bound(s, p.utc_offset, true))
            .transpose()
            .map_err(super::service_err)?;
    Ok((from, to))
}

pub fn report(args: ReportArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.kind {
        ReportKind::Phishing(a) => phishing(a, global),
        ReportKind::Mitigation(a) => mitigation(a, global),
        ReportKind::Domains(a) => domains_report(a, global),
    }
}

/// Writes a header and rows as a table, CSV or JSON (an array of objects).
fn emit(
    format: Format,
    header: &[&str],
    rows: Vec<Vec<String>>,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    if output.is_some() {
        let mut buf = Vec::new();
        emit_to(format, header, rows, &mut buf)?;
        return write_output(output, &buf);
    }
    emit_to(format, header, rows, &mut std::io::stdout().lock())
}

fn emit_to(
    format: Format,
    header: &[&str],
    rows: Vec<Vec<String>>,
    mut out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(header)?;
            for r in rows {
                w.write_record(r)?;
            }
            w.flush()?;
        }
        Format::Json | Format::Jsonl => {
            let objs: Vec<serde_json::Map<String, serde_json::Value>> = rows
                .into_iter()
                .map(|r| {
                    header
                        .iter()
                        .zip(r)
                        .map(|(h, v)| {
                            let v = match v.parse::<i64>() {
                                Ok(n) => serde_json::Value::from(n),
                                Err(_) => serde_json::Value::from(v),
                            };
                            (h.to_string(), v)
                        })
                        .collect()
                })
                .collect();
            if format == Format::Json {
                writeln!(out, "{}", serde_json::to_string(&objs)?)?;
            } else {
                for o in objs {
                    writeln!(out, "{}", serde_json::to_string(&o)?)?;
                }
            }
        }
        _ => {
            let mut t = Table::new(header.iter().copied());
            for r in rows {
                t.row(r);
            }
            t.write(&mut out)?;
        }
    }
    Ok(())
}

fn phishing(args: PhishingArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let by = Dim::parse_list(&args.by).map_err(|d| {
        usage(format!(
            "--by: unknown {d:?} (month, tld, tld-kind, brand, registrar)"
        ))
    })?;
    if by.is_empty() {
        return Err(usage(
            "--by: name at least one of month, tld, tld-kind, brand, registrar",
        ));
    }
    let (from, to) = period(&args.period)?;
    let store = open_store(global)?;
    let report = service::reports::phishing(
        &store,
        &by,
        &service::reports::Period {
            from,
            to,
            offset: args.period.utc_offset,
        },
    )
    .map_err(super::service_err)?;
    let rows = report.rows;
    let Some(format) = args.format.text() else {
        let chart = report.month_tld;
        let by_names: Vec<&str> = by.iter().map(|d| d.as_str()).collect();
        let meta = page_meta(
            format!("Phishing domains by {}", by_names.join(", ")),
            &args.period,
        );
        let page =
            html::phishing(&meta, &by, &rows, &chart).map_err(|e| super::network(e.to_string()))?;
        write_output(args.output.as_deref(), page.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    };
    let (header, rows) = service::reports::phishing_table(&by, &rows);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    emit(format, &header, rows, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn mitigation(args: MitigationArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let by = MitigationBy::parse(&args.by).ok_or_else(|| {
        usage(format!(
            "--by: unknown {:?} (tld, registry, registrar)",
            args.by
        ))
    })?;
    let (from, to) = period(&args.period)?;
    let store = open_store(global)?;
    let rows = service::reports::mitigation(
        &store,
        by,
        &service::reports::Period {
            from,
            to,
            offset: args.period.utc_offset,
        },
    )
    .map_err(super::service_err)?;
    let Some(format) = args.format.text() else {
        let meta = page_meta(format!("Mitigation by {}", args.by.trim()), &args.period);
        let page = html::mitigation(&meta, args.by.trim(), &rows)
            .map_err(|e| super::network(e.to_string()))?;
        write_output(args.output.as_deref(), page.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    };
    let machine = matches!(format, Format::Json | Format::Jsonl | Format::Csv);
    let (header, rows) = service::reports::mitigation_table(args.by.trim(), &rows, machine);
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    emit(format, &header, rows, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn domains_report(args: DomainsArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let (from, to) = period(&args.period)?;
    let tld = args.tld.clone();
    let store = open_store(global)?;
    let cases = service::reports::cases_in(
        &store,
        tld.as_deref(),
        &service::reports::Period {
            from,
            to,
            offset: args.period.utc_offset,
        },
    )
    .map_err(super::service_err)?;
    let format = args.format.text();
    let machine = matches!(format, Some(Format::Json | Format::Jsonl | Format::Csv));
    let day = |t: Timestamp| {
        if machine {
            t.to_string()
        } else {
            t.to_zoned(TimeZone::fixed(args.period.utc_offset))
                .strftime("%Y-%m-%d")
                .to_string()
        }
    };
    let rows = service::reports::domain_rows(cases, day);
    let Some(format) = format else {
        let mut title = "Domains: report and response dates".to_string();
        if let Some(t) = &tld {
            title.push_str(&format!(" (.{t})"));
        }
        let meta = page_meta(title, &args.period);
        let page = html::domains(&meta, &rows).map_err(|e| super::network(e.to_string()))?;
        write_output(args.output.as_deref(), page.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    };
    let rows = rows
        .into_iter()
        .map(|r| {
            vec![
                r.domain,
                r.report_date,
                r.response_date,
                r.acted,
                r.status,
                r.observed,
            ]
        })
        .collect();
    emit(
        format,
        &[
            "domain",
            "report_date",
            "response_date",
            "acted",
            "status",
            "observed",
        ],
        rows,
        args.output.as_deref(),
    )?;
    Ok(ExitCode::SUCCESS)
}
