//! `domwatch ct follow`: Certificate Transparency logs followed directly (the use case is
//! `service::ct::follow`): lookalike names into the matcher, certificates of the watched
//! domains recorded, findings alerted. Progress and lag on a terminal; a summary at the end
//! (table or `--format json`).
//!
//! Exit codes: 0 done (or interrupted), 2 usage, 3 a log failed or an alert sink failed.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use domains::DomainName;
use domains::findings::Severity;
use domains::lookalike::{
    Allowlist, Brand, BrandIndex, DEFAULT_MIN_SCORE, IndexOptions, Matcher, Popularity,
};
use service::ct::{AlertTo, FollowOptions, FollowSummary, OwnNames};

use crate::alert::{AlertSpec, MailSettings, SmtpRelay};
use crate::output::{Format, Table, sanitize};
use crate::{Global, cmd};

#[derive(Debug, clap::Args)]
pub struct CtArgs {
    #[command(subcommand)]
    command: CtCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CtCommand {
    /// Follow CT logs: lookalikes of your brands, certificates for your own names.
    Follow(Box<FollowArgs>),
    /// Where each log was read up to (from the store).
    Status(StatusArgs),
}

#[derive(Debug, clap::Args)]
struct FollowArgs {
    /// An RFC 6962 log's base URL (repeatable), e.g. `https://ct.example.net/2026h1/`.
    /// Default: the `ct_logs` of --config (the lab's logs).
    #[arg(long = "log", value_name = "URL")]
    logs: Vec<String>,
    /// A file of logs: one URL a line, or a `log_list.json` (v3; usable logs only).
    #[arg(long, value_name = "FILE")]
    log_list: Option<PathBuf>,
    /// A brand domain to protect (repeatable).
    #[arg(long = "brand", value_name = "DOMAIN")]
    brands: Vec<String>,
    /// A file of brands, as for `scan --brands`.
    #[arg(long = "brands", value_name = "FILE")]
    brand_files: Vec<PathBuf>,
    /// Own names: an inventory file (as for `watch add --file`). Default: the watched
    /// inventory of the store.
    #[arg(long, value_name = "INVENTORY")]
    own: Option<PathBuf>,
    /// Follow to the current tree heads, then exit (for cron and tests).
    #[arg(long)]
    once: bool,
    /// Open a coordination case for each lookalike found (as `scan --open-cases`).
    #[arg(long)]
    open_cases: bool,
    /// For a log never read before: the first entry to read (default: its tree head, so only
    /// what is logged from now on). Logs already in the store continue where they stopped.
    #[arg(long, value_name = "INDEX")]
    start: Option<u64>,
    /// Entries asked for in one get-entries (a log may answer fewer).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=1024))]
    batch: u64,
    /// The least time between two requests to one log, in milliseconds.
    #[arg(long, default_value_t = 250, value_name = "MS")]
    interval_ms: u64,
    /// Retries of a request after a 5xx, a 429 or a network error (the wait doubles from
    /// half a second).
    #[arg(long, default_value_t = 4, value_name = "N")]
    retries: u32,
    /// Without --once: how long to wait at the tree head before asking again, in seconds.
    #[arg(long, default_value_t = 15, value_name = "SECS")]
    poll_secs: u64,
    /// Lowest lookalike score reported (0-100).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MIN_SCORE,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    min_score: u8,
    /// Alert sink, as for `watch run` (repeatable; default stdout with --format table).
    #[arg(long = "alert", value_name = "SINK")]
    alerts: Vec<AlertSpec>,
    /// Alert only findings at or above this severity. Only the CT findings are alerted here;
    /// a watch pass alerts its own at its threshold.
    #[arg(long, default_value = "medium", value_name = "SEVERITY")]
    alert_min_severity: Severity,
    /// SMTP relay for `--alert smtp=...` (default: `smtp` of the --config file).
    #[arg(long, value_name = "RELAY")]
    smtp: Option<SmtpRelay>,
    /// Sender address of alert e-mails.
    #[arg(long, default_value = "domwatch@localhost", value_name = "ADDRESS")]
    mail_from: String,
    /// table (alert lines and a summary) or json (the summary as JSON).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, clap::Args)]
struct StatusArgs {
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

const MAX_LIST_BYTES: u64 = 16 * 1024 * 1024;

pub fn run(args: CtArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.command {
        CtCommand::Follow(a) => follow(*a, global),
        CtCommand::Status(a) => status(a, global),
    }
}

fn status(a: StatusArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = cmd::watch::open_store(global)?;
    let logs = store.ct_logs()?;
    let mut out = io::stdout().lock();
    if a.format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &logs)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(["log", "next index", "tree size", "behind", "updated"]);
    for l in &logs {
        t.row([
            l.url.clone(),
            l.next_index.to_string(),
            l.tree_size.to_string(),
            l.tree_size.saturating_sub(l.next_index).to_string(),
            l.updated_at.to_string(),
        ]);
    }
    t.write(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

fn follow(a: FollowArgs, global: &Global) -> anyhow::Result<ExitCode> {
    if !matches!(a.format, Format::Table | Format::Json) {
        return Err(cmd::usage("ct follow supports --format table or json"));
    }
    if a.format == Format::Json
        && a.alerts
            .iter()
            .any(|s| matches!(s, AlertSpec::Stdout | AlertSpec::JsonLines(None)))
    {
        return Err(cmd::usage(
            "--format json prints the summary on stdout: send alerts to jsonl=FILE, a webhook \
             or smtp instead",
        ));
    }
    let sinks = if a.alerts.is_empty() && a.format == Format::Table {
        vec![AlertSpec::Stdout]
    } else {
        a.alerts.clone()
    };
    let cfg = cmd::net_config(global)?;
    let mut logs = a.logs.clone();
    if let Some(p) = &a.log_list {
        let text = cmd::read_side_text(p, MAX_LIST_BYTES)
            .map_err(|e| cmd::usage(format!("--log-list: {e:#}")))?;
        logs.extend(
            service::ct::parse_log_list(&text, false)
                .map_err(|e| cmd::usage(format!("{}: {e}", p.display())))?,
        );
    }
    if logs.is_empty() {
        logs = cfg.ct_logs.clone();
    }
    if logs.is_empty() {
        return Err(cmd::usage(
            "no CT log: give --log URL or --log-list FILE (or a --config that lists ct_logs)",
        ));
    }
    let mail = MailSettings {
        relay: a.smtp.clone().or(cfg.smtp.map(SmtpRelay::Plain)),
        from: a.mail_from.clone(),
    };
    if sinks.iter().any(|s| matches!(s, AlertSpec::Smtp(_))) && mail.relay.is_none() {
        return Err(cmd::usage(
            "--alert smtp=... needs --smtp RELAY or a --config with `smtp`",
        ));
    }
    let (psl, _) = cmd::psl::suffix_list(global)?;
    let brands = load_brands(&a)?;
    let index = BrandIndex::build(&brands, psl, &IndexOptions::default());
    if !brands.is_empty() && index.is_empty() {
        return Err(cmd::usage("none of the brands has a registrable domain"));
    }
    // The brand strings matched with care, once on stderr (as `scan` does).
    cmd::scan::print_lint(index.lint());
    let allow = Allowlist::new();
    let popular = Popularity::embedded();
    let matcher = Matcher::new(&index, psl, &allow, &popular).with_min_score(a.min_score);

    let mut store = cmd::watch::open_store(global)?;
    let own_domains: Vec<DomainName> = match &a.own {
        Some(p) => {
            let text = cmd::read_side_text(p, MAX_LIST_BYTES)
                .map_err(|e| cmd::usage(format!("--own: {e:#}")))?;
            let lines = cmd::watch::parse_inventory(&text)
                .map_err(|e| cmd::usage(format!("{}: {e}", p.display())))?;
            cmd::watch::to_watched(psl, lines, jiff::Timestamp::now())?
                .into_iter()
                .map(|w| w.name)
                .collect()
        }
        None => store.watched()?.into_iter().map(|w| w.name).collect(),
    };
    if brands.is_empty() && own_domains.is_empty() {
        return Err(cmd::usage(
            "nothing to look for: give --brand/--brands, --own INVENTORY, or watch domains \
             (watch add)",
        ));
    }
    let own = OwnNames::new(own_domains.iter());
    let opts = FollowOptions {
        logs,
        client: probe::ct::CtClientConfig {
            batch: a.batch,
            min_interval: Duration::from_millis(a.interval_ms),
            allow_private: cfg.allow_private_addresses,
            retries: a.retries,
            ..probe::ct::CtClientConfig::default()
        },
        once: a.once,
        start: a.start,
        poll: Duration::from_secs(a.poll_secs.max(1)),
        open_cases: a.open_cases,
    };
    let bar = crate::output::progress_bar(global, None, "ct: entries read");
    let progress = {
        let bar = bar.clone();
        move |logs: &[service::ct::LogProgress]| {
            bar.set_position(logs.iter().map(|l| l.entries).sum());
            let lag: u64 = logs.iter().map(|l| l.lag).sum();
            bar.set_message(format!("ct: {lag} entries behind the tree heads; read"));
        }
    };
    let rt = cmd::runtime()?;
    let mut alerts_out = io::stdout();
    let result = rt.block_on(async {
        let stop = cmd::watch::stop_signal();
        service::ct::follow(
            &mut store,
            &opts,
            &matcher,
            brands.len(),
            &own,
            &AlertTo {
                sinks: &sinks,
                min: a.alert_min_severity,
                mail: &mail,
            },
            &mut alerts_out,
            &progress,
            stop,
        )
        .await
    });
    bar.finish_and_clear();
    let summary = result.map_err(cmd::service_err)?;
    let mut out = io::stdout().lock();
    write_summary(&summary, a.format, &mut out)?;
    if let Some((sink, err)) = summary.alerts.failed.iter().next() {
        return Err(cmd::network(format!("alert sink {sink} failed: {err}")));
    }
    if let Some(l) = summary.logs.iter().find(|l| l.error.is_some()) {
        return Err(cmd::network(format!(
            "CT log {} failed: {}",
            l.url,
            l.error.as_deref().unwrap_or("")
        )));
    }
    Ok(ExitCode::SUCCESS)
}

fn write_summary(s: &FollowSummary, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, s)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "ct: {} entries, {} names: {} lookalike hits (scan {}), {} certificates of own names, {} new findings, {} cases opened{}",
        s.entries,
        s.names,
        s.hits,
        s.scan_id.map_or("-".to_string(), |i| i.to_string()),
        s.own_certificates,
        s.new_findings,
        s.cases_opened,
        if s.interrupted { " (interrupted)" } else { "" },
    )?;
    let mut t = Table::new([
        "log",
        "read",
        "next index",
        "tree size",
        "behind",
        "bad",
        "error",
    ]);
    for l in &s.logs {
        let bad = match &l.first_bad {
            Some((i, e)) => format!("{} (first at {i}: {})", l.bad_entries, e),
            None => l.bad_entries.to_string(),
        };
        t.row([
            l.url.clone(),
            l.entries.to_string(),
            l.next_index.to_string(),
            l.tree_size.to_string(),
            l.lag.to_string(),
            bad,
            l.error.clone().unwrap_or_default(),
        ]);
    }
    t.write(out)?;
    for (sink, err) in &s.alerts.failed {
        writeln!(out, "alert sink {sink} failed: {}", sanitize(err))?;
    }
    Ok(())
}

const MAX_BRANDS_BYTES: u64 = 16 * 1024 * 1024;

fn load_brands(a: &FollowArgs) -> anyhow::Result<Vec<Brand>> {
    let mut brands = Vec::new();
    for b in &a.brands {
        let d = DomainName::parse(b).map_err(|e| cmd::usage(format!("--brand: {e}")))?;
        brands.push(Brand::new(d));
    }
    for p in &a.brand_files {
        let text = cmd::read_side_text(p, MAX_BRANDS_BYTES)
            .map_err(|e| cmd::usage(format!("--brands: {e:#}")))?;
        brands.extend(
            Brand::parse_list(&text).map_err(|e| cmd::usage(format!("{}: {e}", p.display())))?,
        );
    }
    Ok(brands)
}
