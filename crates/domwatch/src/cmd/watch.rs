//! `domwatch watch`: an inventory of your domains, snapshots stored in the store, changes
//! between consecutive snapshots, findings and alerts.
//!
//! - `watch add NAME... | --file FILE`, `watch list`, `watch remove NAME...`
//! - `watch run`: one pass: snapshot every name, store it, diff against the previous snapshot,
//!   raise findings, alert each new finding once per sink.
//! - `watch daemon --interval 6h --jitter 10%`: passes on a schedule until SIGINT/SIGTERM.
//! - `watch history NAME`: the timeline of stored snapshots and the changes between them.
//!
//! Exit codes: 0 normally; 1 when a pass raised a new high or critical finding; 2 for usage
//! errors (nothing watched, bad names or file); 3 when an alert sink could not be reached or the
//! prober cannot be set up. An interrupted pass (Ctrl-C) keeps every snapshot already stored;
//! `watch run --resume` continues it.
//!
//! The demo calls [`run_pass`], [`send_alerts`] and [`write_history`] directly.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use domains::change::{Change, summary};
use domains::findings::Severity;
use domains::{DomainName, SuffixList};
use jiff::Timestamp;
use serde::Serialize;
use store::{Store, StoredFinding, WatchedDomain};

use super::inspect::registrable;
use super::{net_config, runtime};
use crate::Global;
use crate::alert::{AlertSpec, MailSettings, SmtpRelay};
use crate::output::{Format, Table, progress_bar, sanitize};

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    #[command(subcommand)]
    pub command: WatchCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum WatchCommand {
    /// Add names to the inventory (idempotent: adding twice keeps one entry).
    Add(AddArgs),
    /// Show the inventory with each name's last observed phase.
    List(ListArgs),
    /// Remove names from the inventory (their history is kept).
    Remove(RemoveArgs),
    /// One pass: snapshot every watched name, store it, diff, raise findings, alert.
    Run(RunArgs),
    /// Run passes on a schedule (with jitter) until SIGINT or SIGTERM.
    Daemon(DaemonArgs),
    /// The timeline of one name: stored snapshots and the changes between them.
    History(HistoryArgs),
    /// Take part in the open distributed pass (`watch run --distribute`): claim names, probe,
    /// store; any number of workers on any machines sharing the store.
    Worker(super::worker::WorkerArgs),
    /// Progress of the latest distributed pass, per worker.
    Status(super::worker::StatusArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Names to watch (each is reduced to its registrable domain).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// An inventory file: one name per line, or CSV with a header `name,owner,tags[,high_value]`
    /// (tags separated by `;`). `#` starts a comment.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Owner of the names given on the command line.
    #[arg(long)]
    pub owner: Option<String>,
    /// Tag for the names given on the command line (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// The names are high-value: a registry lock is expected.
    #[arg(long)]
    pub high_value: bool,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// table, json or list.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Names observed at the same time (each server's own limits are kept by the prober).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Alert sink: stdout, jsonl, jsonl=FILE, webhook=URL, smtp=ADDRESS, case (a coordination
    /// case per finding), nats://HOST:PORT/SUBJECT (a JetStream message per finding)
    /// (repeatable; default stdout with --format table, none with --format json).
    #[arg(long = "alert", value_name = "SINK")]
    pub alerts: Vec<AlertSpec>,
    /// Alert only findings at or above this severity. A pass alerts the findings it raised
    /// (and the audit's with --audit), never those of `ct follow`, which has its own threshold.
    #[arg(long, default_value = "high", value_name = "SEVERITY")]
    pub alert_min_severity: Severity,
    /// Warn when a registration expires within this many days.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub expiry_warning_days: u32,
    /// Continue the last unfinished pass instead of starting a new one.
    #[arg(long)]
    pub resume: bool,
    /// SMTP relay for `--alert smtp=...`: `IP:PORT` for plain SMTP to a local MTA (or the lab),
    /// `starttls://HOST[:PORT]` for a remote relay (default: `smtp` of the --config file).
    #[arg(long, value_name = "RELAY")]
    pub smtp: Option<SmtpRelay>,
    /// Sender address of alert e-mails.
    #[arg(long, default_value = "domwatch@localhost", value_name = "ADDRESS")]
    pub mail_from: String,
    /// table (alert lines and a summary) or json (the summary as JSON).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Requests at once to one RDAP server (politeness; raise only for servers you run).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub rdap_per_host: u16,
    /// Minimum time between two requests to one RDAP server, in milliseconds.
    #[arg(long, default_value_t = 250, value_name = "MS")]
    pub rdap_interval_ms: u64,
    /// After the pass, audit the inventory's exposure too (`audit --save` of every watched
    /// name): a referenced domain that became unregistered, started lapsing or became claimable
    /// since the name's previous audit is a new finding, alerted like any other change.
    #[arg(long)]
    pub audit: bool,
    /// Do not probe here: create a distributed pass over the inventory for `watch worker`
    /// processes (on this or other machines) to drain, and return.
    #[arg(long, conflicts_with = "resume")]
    pub distribute: bool,
}

#[derive(Debug, clap::Args)]
pub struct DaemonArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Time between passes: `90s`, `30m`, `6h`, `1d`.
    #[arg(long, default_value = "6h")]
    pub interval: Interval,
    /// Random spread of the interval, as a percentage: `10%`.
    #[arg(long, default_value = "10%")]
    pub jitter: Jitter,
    /// Stop after this many passes (default: until SIGINT/SIGTERM).
    #[arg(long)]
    pub passes: Option<u64>,
    /// After each pass, re-check the open coordination cases (`case check`): record
    /// mitigation and list follow-ups due.
    #[arg(long)]
    pub check_cases: bool,
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    pub name: String,
    /// The newest snapshots shown at most.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// A duration such as `90s`, `30m`, `6h`, `1d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval(pub Duration);

impl FromStr for Interval {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("interval {s:?}: expected e.g. 6h"))?;
        let mult = match unit {
            "s" => 1,
            "m" => 60,
            "h" | "" => 3600,
            "d" => 86_400,
            _ => return Err(format!("interval {s:?}: unit must be s, m, h or d")),
        };
        let secs = n
            .checked_mul(mult)
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("interval {s:?} out of range"))?;
        Ok(Interval(Duration::from_secs(secs)))
    }
}

/// A percentage between 0 and 100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jitter(pub f64);

impl FromStr for Jitter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_end_matches('%');
        let v: f64 = t
            .parse()
            .map_err(|_| format!("jitter {s:?}: expected e.g. 10%"))?;
        if !(0.0..=100.0).contains(&v) {
            return Err(format!("jitter {s:?}: between 0% and 100%"));
        }
        Ok(Jitter(v / 100.0))
    }
}

pub use service::alerts::{AlertScope, AlertSummary, send_alerts};
pub use service::watch::{Observer, PassOptions, PassSummary, clock_agrees, record, run_pass};

pub fn run(args: WatchArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.command {
        WatchCommand::Add(a) => add(a, global),
        WatchCommand::List(a) => list(a, global),
        WatchCommand::Remove(a) => remove(a, global),
        WatchCommand::Run(a) => run_once(a, global),
        WatchCommand::Daemon(a) => daemon(a, global),
        WatchCommand::History(a) => history(a, global),
        WatchCommand::Worker(a) => super::worker::worker(a, global),
        WatchCommand::Status(a) => super::worker::status(a, global),
    }
}

/// The store a `--db` value names: a path or `sqlite:PATH` (SQLite), or
/// `postgres://USER@HOST:PORT/DB` / `postgresql://...` (PostgreSQL; settings the URL leaves out
/// come from the `PG*` variables). A value with any other URL scheme is an error, never a path.
pub fn store_location(value: &std::path::Path) -> anyhow::Result<store::Location> {
    let text = value.to_string_lossy();
    if let Some(rest) = text
        .strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"))
    {
        if rest.is_empty() {
            return Err(super::usage("--db sqlite: needs a file path (sqlite:PATH)"));
        }
        return Ok(store::Location::Sqlite(PathBuf::from(rest)));
    }
    let scheme = text
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| {
            s.len() > 1
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
        .map(str::to_ascii_lowercase);
    match scheme.as_deref() {
        Some("postgres" | "postgresql") => {
            if !text[text.find(':').unwrap_or(0) + 1..].starts_with("//") {
                return Err(super::usage(
                    "--db: a PostgreSQL store is postgres://USER@HOST:PORT/DB",
                ));
            }
            let t = store::PgTarget::parse(&text, |k| std::env::var(k).ok())
                .map_err(|e| super::usage(format!("--db: {e}")))?;
            Ok(store::Location::Postgres(Box::new(t)))
        }
        Some(s) if text[s.len() + 1..].starts_with("//") => Err(super::usage(format!(
            "--db: unsupported store URL scheme {s:?}: use a file path, sqlite:PATH or \
             postgres://USER@HOST:PORT/DB"
        ))),
        _ => Ok(store::Location::Sqlite(value.to_path_buf())),
    }
}

/// Opens the store at `--db` (creating an SQLite file's directory). A store that cannot be
/// opened is named in the error (a PostgreSQL URL without its password).
pub fn open_store(global: &Global) -> anyhow::Result<Store> {
    let location = store_location(&global.db_path())?;
    if let store::Location::Sqlite(path) = &location
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| super::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    Store::open_location(&location).map_err(|e| match e {
        store::StoreError::TooNew { .. } => super::usage(format!("the store {location}: {e}")),
        e => super::network(format!("cannot open the store {location}: {e}")),
    })
}

const MAX_INVENTORY_BYTES: u64 = 64 * 1024 * 1024;

/// One inventory entry before normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryLine {
    pub line: usize,
    pub name: String,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub high_value: bool,
}

/// Parses an inventory file: a plain list (one name per line) or CSV with a header line
/// naming the columns (`name`, `owner`, `tags`, `high_value`). Errors name the line.
pub fn parse_inventory(text: &str) -> Result<Vec<InventoryLine>, String> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let Some((_, first)) = lines.first() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = first
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    if !header.iter().any(|h| h == "name") {
        // A plain list.
        return Ok(lines
            .iter()
            .map(|(n, l)| InventoryLine {
                line: *n,
                name: l.split_whitespace().next().unwrap_or("").to_string(),
                owner: None,
                tags: Vec::new(),
                high_value: false,
            })
            .collect());
    }
    let body: String = lines.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let col = |name: &str| header.iter().position(|h| h == name);
    let (c_name, c_owner, c_tags, c_hv) =
        (col("name"), col("owner"), col("tags"), col("high_value"));
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = lines.get(i + 1).map_or(0, |(n, _)| *n);
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).unwrap_or("");
        let name = get(c_name);
        if name.is_empty() {
            return Err(format!("line {line}: no name"));
        }
        let owner = Some(get(c_owner).to_string()).filter(|o| !o.is_empty());
        let tags = get(c_tags)
            .split([';', '|'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        let high_value = matches!(
            get(c_hv).to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "y"
        );
        out.push(InventoryLine {
            line,
            name: name.to_string(),
            owner,
            tags,
            high_value,
        });
    }
    Ok(out)
}

fn read_inventory(path: &Path) -> anyhow::Result<Vec<InventoryLine>> {
    let text = super::read_side_text(path, MAX_INVENTORY_BYTES)?;
    parse_inventory(&text).map_err(|e| super::usage(format!("{}: {e}", path.display())))
}

/// Normalises inventory lines to watched domains (registrable domains; a line naming a
/// subdomain watches its registrable domain).
pub fn to_watched(
    psl: &SuffixList,
    lines: Vec<InventoryLine>,
    at: Timestamp,
) -> anyhow::Result<Vec<WatchedDomain>> {
    let mut bad = Vec::new();
    let mut out = Vec::new();
    for l in lines {
        match registrable(psl, &l.name) {
            Ok(name) => out.push(WatchedDomain {
                name,
                owner: l.owner.map(|o| o.chars().take(200).collect()),
                tags: l
                    .tags
                    .into_iter()
                    .map(|t| t.chars().take(64).collect())
                    .collect(),
                high_value: l.high_value,
                added_at: at,
            }),
            Err(e) => bad.push(format!("line {}: {e}", l.line)),
        }
    }
    if !bad.is_empty() {
        let more = if bad.len() > 10 {
            format!(" (and {} more)", bad.len() - 10)
        } else {
            String::new()
        };
        bad.truncate(10);
        return Err(super::usage(format!("{}{more}", bad.join("; "))));
    }
    Ok(out)
}

fn add(a: AddArgs, global: &Global) -> anyhow::Result<ExitCode> {
    if a.names.is_empty() && a.file.is_none() {
        return Err(super::usage("give names or --file FILE"));
    }
    let (psl, _) = super::psl::suffix_list(global)?;
    let mut lines: Vec<InventoryLine> = a
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| InventoryLine {
            line: i + 1,
            name: n.clone(),
            owner: a.owner.clone(),
            tags: a.tags.clone(),
            high_value: a.high_value,
        })
        .collect();
    if let Some(f) = &a.file {
        lines.extend(read_inventory(f)?);
    }
    let items = to_watched(psl, lines, Timestamp::now())?;
    let mut store = open_store(global)?;
    let out = store.add_watched(&items)?;
    println!(
        "{} added, {} already watched; {} names in the inventory",
        out.added,
        out.updated,
        store.watched()?.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn list(a: ListArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = open_store(global)?;
    let watched = store.watched()?;
    let mut stdout = std::io::stdout().lock();
    match a.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut stdout, &watched)?;
            writeln!(stdout)?;
        }
        Format::List => {
            for w in &watched {
                writeln!(stdout, "{}", w.name)?;
            }
        }
        Format::Table => {
            let mut t = Table::new(["NAME", "OWNER", "TAGS", "HIGH-VALUE", "LAST SEEN", "PHASE"]);
            for w in &watched {
                let last = store.latest_snapshot(&w.name)?;
                t.row([
                    w.name.to_string(),
                    w.owner.clone().unwrap_or_else(|| "-".into()),
                    if w.tags.is_empty() {
                        "-".into()
                    } else {
                        w.tags.join(";")
                    },
                    if w.high_value { "yes" } else { "no" }.to_string(),
                    last.as_ref()
                        .map_or_else(|| "never".into(), |s| s.snapshot.taken_at.to_string()),
                    last.as_ref()
                        .map_or_else(|| "-".into(), |s| s.snapshot.phase.as_str().to_string()),
                ]);
            }
            t.write(&mut stdout)?;
        }
        Format::Jsonl | Format::Csv => {
            return Err(super::usage(
                "watch list supports --format table, json or list",
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn remove(a: RemoveArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let (psl, _) = super::psl::suffix_list(global)?;
    let names = a
        .names
        .iter()
        .map(|n| registrable(psl, n))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut store = open_store(global)?;
    let n = store.remove_watched(&names)?;
    println!(
        "{n} removed; {} names in the inventory",
        store.watched()?.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn sinks_for(args: &RunArgs) -> anyhow::Result<Vec<AlertSpec>> {
    if !matches!(args.format, Format::Table | Format::Json) {
        return Err(super::usage("watch run supports --format table or json"));
    }
    if args.format == Format::Json
        && args
            .alerts
            .iter()
            .any(|s| matches!(s, AlertSpec::Stdout | AlertSpec::JsonLines(None)))
    {
        return Err(super::usage(
            "--format json prints the summary on stdout: send alerts to jsonl=FILE, a webhook \
             or smtp instead",
        ));
    }
    if args.alerts.is_empty() && args.format == Format::Table {
        return Ok(vec![AlertSpec::Stdout]);
    }
    Ok(args.alerts.clone())
}

/// Everything a pass needs, set up once (also by the daemon).
pub(crate) struct Pass {
    pub(crate) prober: Arc<probe::Prober>,
    pub(crate) sinks: Vec<AlertSpec>,
    pub(crate) mail: MailSettings,
    pub(crate) opts: PassOptions,
}

pub(crate) fn setup(
    args: &RunArgs,
    global: &Global,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<Pass> {
    let sinks = sinks_for(args)?;
    let cfg = net_config(global)?;
    let mail = MailSettings {
        relay: args.smtp.clone().or(cfg.smtp.map(SmtpRelay::Plain)),
        from: args.mail_from.clone(),
    };
    if sinks.iter().any(|s| matches!(s, AlertSpec::Smtp(_))) {
        if mail.relay.is_none() {
            return Err(super::usage(
                "--alert smtp=... needs --smtp RELAY or a --config with `smtp`",
            ));
        }
        mail.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| super::usage(format!("--mail-from {:?}: {e}", mail.from)))?;
    }
    let popts = probe::ProbeOptions {
        per_host_concurrency: usize::from(args.rdap_per_host),
        min_interval: Duration::from_millis(args.rdap_interval_ms),
        ..probe::ProbeOptions::default()
    };
    let prober = rt.block_on(async { probe::Prober::new(cfg, popts) });
    let prober = prober.map_err(|e| super::network(format!("cannot set up the prober: {e}")))?;
    rt.block_on(super::inspect::check_configured(&prober, global))?;
    Ok(Pass {
        prober: Arc::new(prober),
        sinks,
        mail,
        opts: PassOptions {
            concurrency: usize::from(args.concurrency),
            expiry_warning_days: args.expiry_warning_days,
            resume: args.resume,
        },
    })
}

/// A watch channel that turns true on SIGINT or SIGTERM.
pub(crate) fn stop_signal() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        let _ = tx.send(true);
    });
    rx
}

pub(crate) async fn one_pass(
    pass: &Pass,
    args: &RunArgs,
    store: &mut Store,
    global: &Global,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(PassSummary, AlertSummary)> {
    let bar = progress_bar(global, None, "watch run");
    let mut stdout = std::io::stdout();
    let audit = if args.audit {
        Some(AuditStep {
            prober: pass.prober.clone(),
            psl: super::psl::suffix_list(global)?.0,
            expiry_days: args.expiry_warning_days,
        })
    } else {
        None
    };
    pass_with_alerts(
        store,
        pass.prober.clone(),
        &pass.opts,
        &PassAlerts {
            sinks: &pass.sinks,
            min: args.alert_min_severity,
            mail: &pass.mail,
            format: args.format,
            audit: audit.as_ref(),
        },
        &bar,
        Some(stop),
        &mut stdout,
    )
    .await
}

/// Where and how a pass alerts and reports.
#[derive(Debug, Clone, Copy)]
pub struct PassAlerts<'a> {
    pub sinks: &'a [AlertSpec],
    pub min: Severity,
    pub mail: &'a MailSettings,
    /// The summary's format (table: one line; json: one object).
    pub format: Format,
    /// The exposure audit after the pass, before the alerts (`--audit`).
    pub audit: Option<&'a AuditStep>,
}

/// What `watch run --audit` audits with.
#[derive(Clone)]
pub struct AuditStep {
    pub prober: Arc<probe::Prober>,
    pub psl: &'static domains::SuffixList,
    pub expiry_days: u32,
}

impl std::fmt::Debug for AuditStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditStep")
            .field("expiry_days", &self.expiry_days)
            .finish_non_exhaustive()
    }
}

/// A whole `watch run` pass for callers with their own observer and writer (the demo): the
/// pass, the alerts (stdout sinks write to `out`), then the summary on `out`.
pub async fn pass_with_alerts<O: Observer>(
    store: &mut Store,
    observer: Arc<O>,
    opts: &PassOptions,
    alerts: &PassAlerts<'_>,
    progress: &indicatif::ProgressBar,
    stop: Option<tokio::sync::watch::Receiver<bool>>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<(PassSummary, AlertSummary)> {
    let summary = run_pass(store, observer, opts, &bar_progress(progress), stop)
        .await
        .map_err(super::service_err)?;
    progress.finish_and_clear();
    // The audit after a complete pass only (an interrupted pass is resumed first).
    let audited = match alerts.audit {
        Some(a) if !summary.interrupted => {
            let now = a.prober.now().await;
            Some(
                service::audit::audit_in_watch(store, a.prober.clone(), a.psl, a.expiry_days, now)
                    .await
                    .map_err(super::service_err)?,
            )
        }
        _ => None,
    };
    // The pass's own findings, and the audit's when it audits: never those of `ct follow`.
    let scope = AlertScope::watch(alerts.min, alerts.audit.is_some());
    let sent = send_alerts(store, alerts.sinks, &scope, alerts.mail, out)
        .await
        .map_err(super::service_err)?;
    write_summary(&summary, &sent, audited.as_ref(), alerts.format, out)?;
    Ok((summary, sent))
}

/// A pass's progress callback that moves a progress bar.
pub(crate) fn bar_progress(bar: &indicatif::ProgressBar) -> impl Fn(u64, u64) + Send + Sync {
    let bar = bar.clone();
    move |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    }
}

/// Writes a pass summary: one line for people, or one JSON object.
pub fn write_summary(
    s: &PassSummary,
    a: &AlertSummary,
    audit: Option<&service::audit::WatchAudit>,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if format == Format::Json {
        let mut v = serde_json::json!({ "run": s, "alerts": a });
        if let Some(au) = audit {
            v["audit"] = serde_json::to_value(au)?;
        }
        serde_json::to_writer(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    let news = if s.new_findings.is_empty() {
        "no new findings".to_string()
    } else {
        let total: usize = s.new_findings.values().sum();
        let per = Severity::ALL
            .iter()
            .rev()
            .filter_map(|sev| {
                s.new_findings
                    .get(sev.as_str())
                    .map(|n| format!("{sev} {n}"))
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!("{total} new findings ({per})")
    };
    writeln!(
        out,
        "run {}{}: {} of {} names observed ({} skipped, {} incomplete), {} changes, {news}",
        s.run_id,
        if s.interrupted { " interrupted" } else { "" },
        s.observed,
        s.names,
        s.skipped,
        s.incomplete,
        s.changes,
    )?;
    if s.clock_mismatch > 0 {
        writeln!(
            out,
            "{} snapshots not stored: their time disagreed with the pass clock (run again with \
             --resume)",
            s.clock_mismatch
        )?;
    }
    if let Some(au) = audit {
        writeln!(
            out,
            "audit: {} domains, {} references, {} new reference findings{}",
            au.audited,
            au.references,
            au.new_findings,
            if au.incomplete > 0 {
                format!(" ({} not checked completely)", au.incomplete)
            } else {
                String::new()
            }
        )?;
    }
    for (sink, err) in &a.failed {
        writeln!(out, "alert sink {sink} failed: {}", sanitize(err))?;
    }
    Ok(())
}

pub(crate) fn exit_for(s: &PassSummary, a: &AlertSummary) -> anyhow::Result<ExitCode> {
    if let Some((sink, err)) = a.failed.iter().next() {
        return Err(super::network(format!("alert sink {sink} failed: {err}")));
    }
    if s.worst_new.is_some_and(|w| w >= Severity::High) {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn run_once(args: RunArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    if args.distribute {
        return super::worker::distribute(&mut store, &args, global);
    }
    let rt = runtime()?;
    let pass = setup(&args, global, &rt)?;
    let (s, a) = rt.block_on(async {
        let stop = stop_signal();
        one_pass(&pass, &args, &mut store, global, stop).await
    })?;
    exit_for(&s, &a)
}

/// The delay before the next pass: `interval` spread by up to `jitter` either way.
pub fn next_delay(interval: Duration, jitter: f64, seed: u64) -> Duration {
    // xorshift64*: a fixed, cheap spread; no cryptographic quality needed.
    let mut x = seed | 1;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    let r = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
    let factor = 1.0 + jitter * (2.0 * r - 1.0);
    interval.mul_f64(factor.max(0.0))
}

fn daemon(args: DaemonArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    let rt = runtime()?;
    let pass = setup(&args.run, global, &rt)?;
    rt.block_on(async {
        let mut stop = stop_signal();
        let mut passes = 0u64;
        let mut worst = ExitCode::SUCCESS;
        loop {
            let (s, a) = one_pass(&pass, &args.run, &mut store, global, stop.clone()).await?;
            passes += 1;
            for (sink, err) in &a.failed {
                tracing::warn!("alert sink {sink} failed (retried next pass): {err}");
            }
            if s.worst_new.is_some_and(|w| w >= Severity::High) {
                worst = ExitCode::from(1);
            }
            if args.check_cases && !*stop.borrow() {
                let n = super::coord::check_open_cases(&pass.prober, &mut store).await?;
                tracing::info!("case check: {n} case(s) found mitigated");
            }
            if *stop.borrow() || args.passes.is_some_and(|p| passes >= p) {
                break;
            }
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(passes, |d| d.as_nanos() as u64);
            let delay = next_delay(args.interval.0, args.jitter.0, seed);
            tracing::info!("next pass in {} s", delay.as_secs());
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = stop.changed() => break,
            }
        }
        Ok::<_, anyhow::Error>(worst)
    })
}

/// One stored snapshot in a timeline, with the changes it revealed.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub snapshot_id: i64,
    #[serde(flatten)]
    pub facts: domains::change::SnapshotSummary,
    pub changes: Vec<Change>,
}

/// A timeline for `watch history`.
#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub domain: DomainName,
    pub entries: Vec<HistoryEntry>,
    pub findings: Vec<StoredFinding>,
}

/// Reads a domain's timeline from the store (the newest `limit` snapshots).
pub fn load_history(store: &Store, domain: &DomainName, limit: usize) -> anyhow::Result<History> {
    let snaps = store.snapshots(domain, limit)?;
    let mut changes = store.changes(domain)?;
    let entries = snaps
        .iter()
        .map(|s| HistoryEntry {
            snapshot_id: s.id,
            facts: summary(&s.snapshot),
            changes: changes
                .extract_if(.., |c| c.snapshot_id == s.id)
                .map(|c| c.change)
                .collect(),
        })
        .collect();
    let mut findings = store.findings(Some(domain), false)?;
    findings.sort_by(|a, b| {
        b.finding
            .severity
            .cmp(&a.finding.severity)
            .then(a.first_seen.cmp(&b.first_seen))
            .then(a.id.cmp(&b.id))
    });
    Ok(History {
        domain: domain.clone(),
        entries,
        findings,
    })
}

/// Writes a timeline: each snapshot's key facts, followed by the changes it revealed.
pub fn write_history(h: &History, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, h)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "== {} ({} snapshots)", h.domain, h.entries.len())?;
    let mut t = Table::new(["WHEN", "WHAT", "DETAIL"]);
    for e in &h.entries {
        let s = &e.facts;
        t.row([
            s.taken_at.to_string(),
            format!("snapshot: {}", s.phase),
            format!(
                "registrar {}; NS {}; statuses {}{}{}",
                s.registrar,
                if s.nameservers.is_empty() {
                    "-"
                } else {
                    &s.nameservers
                },
                if s.statuses.is_empty() {
                    "-"
                } else {
                    &s.statuses
                },
                s.expires
                    .as_ref()
                    .map(|e| format!("; expires {e}"))
                    .unwrap_or_default(),
                if s.issues > 0 {
                    format!("; {} probe issues", s.issues)
                } else {
                    String::new()
                }
            ),
        ]);
        for c in &e.changes {
            t.row([
                String::new(),
                format!("  {} ({})", c.kind, c.severity),
                format!("{} -> {}", c.before, c.after),
            ]);
        }
    }
    t.write(out)?;
    let open: Vec<&StoredFinding> = h
        .findings
        .iter()
        .filter(|f| f.resolved_at.is_none())
        .collect();
    if !open.is_empty() {
        writeln!(out, "open findings:")?;
        let mut f = Table::new(["SEVERITY", "CODE", "FIRST SEEN", "FINDING"]);
        for x in open {
            f.row([
                x.finding.severity.as_str().to_string(),
                x.finding.code.clone(),
                x.first_seen.to_string(),
                format!("{}: {}", x.finding.title, x.finding.detail),
            ]);
        }
        f.write(out)?;
    }
    Ok(())
}

fn history(a: HistoryArgs, global: &Global) -> anyhow::Result<ExitCode> {
    if !matches!(a.format, Format::Table | Format::Json) {
        return Err(super::usage(
            "watch history supports --format table or json",
        ));
    }
    let (psl, _) = super::psl::suffix_list(global)?;
    let domain = registrable(psl, &a.name)?;
    let store = open_store(global)?;
    let h = load_history(&store, &domain, a.limit)?;
    if h.entries.is_empty() && store.watched_domain(&domain)?.is_none() {
        return Err(super::usage(format!(
            "{domain} is not watched and has no history"
        )));
    }
    let mut out = std::io::stdout().lock();
    write_history(&h, a.format, &mut out)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use domains::snapshot::Snapshot;

    use domains::registration::{
        EppStatus, Event, EventAction, LifecyclePhase, RegDate, Registrar, RegistrationRecord,
        SourceKind,
    };

    use super::*;

    /// Observes from a table of registrar names per domain, at a settable clock.
    struct Fake {
        now: Mutex<Timestamp>,
        registrar: Mutex<BTreeMap<String, String>>,
    }

    impl Fake {
        fn new(names: &[&str]) -> Arc<Fake> {
            Arc::new(Fake {
                now: Mutex::new("2026-10-01T00:00:00Z".parse().unwrap()),
                registrar: Mutex::new(
                    names
                        .iter()
                        .map(|n| (n.to_string(), "Good".to_string()))
                        .collect(),
                ),
            })
        }
        fn advance(&self, days: i64) {
            let mut n = self.now.lock().unwrap();
            *n = Timestamp::from_second(n.as_second() + days * 86_400).unwrap();
        }
    }

    impl Observer for Fake {
        async fn now(&self) -> Timestamp {
            *self.now.lock().unwrap()
        }
        async fn observe(&self, domain: &DomainName) -> Snapshot {
            let registrar = self.registrar.lock().unwrap()[domain.as_str()].clone();
            let mut rec = RegistrationRecord::new(domain.clone(), SourceKind::Rdap, "lab");
            let good = registrar == "Good";
            rec.registrar = Some(Registrar {
                name: Some(registrar),
                ..Registrar::default()
            });
            if good {
                rec.statuses.push(EppStatus::ClientTransferProhibited);
            }
            rec.nameservers = vec![
                DomainName::parse(if good {
                    "ns1.good.test"
                } else {
                    "ns1.evil.test"
                })
                .unwrap(),
            ];
            rec.events.push(Event {
                action: EventAction::Expiration,
                date: RegDate::utc("2030-01-01T00:00:00Z".parse().unwrap()),
            });
            Snapshot {
                domain: domain.clone(),
                taken_at: *self.now.lock().unwrap(),
                registry: Some(rec),
                registrar: None,
                dns: None,
                phase: LifecyclePhase::Active,
                issues: vec![],
            }
        }
    }

    fn store_with(names: &[&str]) -> Store {
        let mut s = Store::open_in_memory().unwrap();
        let items: Vec<WatchedDomain> = names
            .iter()
            .map(|n| WatchedDomain {
                name: DomainName::parse(n).unwrap(),
                owner: None,
                tags: vec![],
                high_value: false,
                added_at: Timestamp::UNIX_EPOCH,
            })
            .collect();
        s.add_watched(&items).unwrap();
        s
    }

    fn opts() -> PassOptions {
        PassOptions {
            concurrency: 4,
            expiry_warning_days: 30,
            resume: false,
        }
    }

    fn mail() -> MailSettings {
        MailSettings {
            relay: None,
            from: "domwatch@localhost".into(),
        }
    }

    #[tokio::test]
    async fn passes_diff_and_alert_once() {
        let names = ["a.com", "b.com", "c.com"];
        let fake = Fake::new(&names);
        let mut store = store_with(&names);
        let bar = indicatif::ProgressBar::hidden();
        let s1 = run_pass(&mut store, fake.clone(), &opts(), &|_, _| {}, None)
            .await
            .unwrap();
        assert_eq!((s1.observed, s1.changes, s1.worst_new), (3, 0, None));
        fake.advance(1);
        fake.registrar
            .lock()
            .unwrap()
            .insert("b.com".into(), "Evil".into());
        let s2 = run_pass(&mut store, fake.clone(), &opts(), &|_, _| {}, None)
            .await
            .unwrap();
        assert_eq!(s2.observed, 3);
        assert_eq!(s2.changes, 3, "registrar, lock, NS");
        assert_eq!(s2.worst_new, Some(Severity::Critical));
        let mut out = Vec::new();
        let sinks = [AlertSpec::Stdout];
        let a = send_alerts(
            &mut store,
            &sinks,
            &AlertScope::watch(Severity::High, false),
            &mail(),
            &mut out,
        )
        .await
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("likely-hijack"), "{text}");
        assert!(text.contains("b.com"));
        assert!(!text.contains("a.com"));
        assert_eq!(a.sent["stdout"], text.lines().count());
        // Nothing is alerted twice, even after another pass with the same state.
        fake.advance(1);
        let mut again = Vec::new();
        let m = mail();
        let alerts = PassAlerts {
            sinks: &sinks,
            min: Severity::High,
            mail: &m,
            format: Format::Table,
            audit: None,
        };
        let (s3, a3) = pass_with_alerts(
            &mut store,
            fake.clone(),
            &opts(),
            &alerts,
            &bar,
            None,
            &mut again,
        )
        .await
        .unwrap();
        assert_eq!((s3.observed, s3.changes, a3.sent["stdout"]), (3, 0, 0));
        let again = String::from_utf8(again).unwrap();
        assert!(!again.contains("ALERT"), "{again}");
        assert!(again.starts_with("run 3: 3 of 3 names observed"), "{again}");
        // History shows the change.
        let h = load_history(&store, &DomainName::parse("b.com").unwrap(), 10).unwrap();
        assert_eq!(h.entries.len(), 3);
        assert_eq!(h.entries[1].changes.len(), 3);
        let mut w = Vec::new();
        write_history(&h, Format::Table, &mut w).unwrap();
        let w = String::from_utf8(w).unwrap();
        assert!(w.contains("registrar-changed (high)"), "{w}");
        assert!(w.contains("Good -> Evil"), "{w}");
    }

    #[tokio::test]
    async fn interrupted_pass_is_resumed() {
        let names = ["a.com", "b.com", "c.com", "d.com"];
        let fake = Fake::new(&names);
        let mut store = store_with(&names);
        let (tx, rx) = tokio::sync::watch::channel(true);
        let mut o = opts();
        o.concurrency = 1;
        let s = run_pass(&mut store, fake.clone(), &o, &|_, _| {}, Some(rx))
            .await
            .unwrap();
        assert!(s.interrupted);
        assert_eq!(s.observed, 0);
        drop(tx);
        let (_tx, rx) = tokio::sync::watch::channel(false);
        o.resume = true;
        let s = run_pass(&mut store, fake.clone(), &o, &|_, _| {}, Some(rx))
            .await
            .unwrap();
        assert!(!s.interrupted);
        assert_eq!(s.observed, 4);
        assert_eq!(
            store.runs(5).unwrap().len(),
            1,
            "the same run was continued"
        );
        // Resuming a finished run starts a new one.
        let s = run_pass(&mut store, fake, &o, &|_, _| {}, None)
            .await
            .unwrap();
        assert_eq!((s.observed, s.skipped), (4, 0));
    }

    #[tokio::test]
    async fn snapshots_with_a_foreign_clock_are_not_stored() {
        let names = ["a.com", "b.com"];
        let fake = Fake::new(&names);
        let mut store = store_with(&names);
        // The observer's clock jumps 40 days between the pass start and the snapshots, as when
        // the prober falls back from the lab clock to the system clock.
        struct Skewed(Arc<Fake>);
        impl Observer for Skewed {
            async fn now(&self) -> Timestamp {
                let t = self.0.now().await;
                self.0.advance(40);
                t
            }
            async fn observe(&self, d: &DomainName) -> Snapshot {
                self.0.observe(d).await
            }
        }
        let s = run_pass(
            &mut store,
            Arc::new(Skewed(fake.clone())),
            &opts(),
            &|_, _| {},
            None,
        )
        .await
        .unwrap();
        assert_eq!((s.observed, s.clock_mismatch), (0, 2));
        assert!(s.interrupted);
        assert_eq!(store.snapshot_count().unwrap(), 0);
        let t: Timestamp = "2026-10-01T00:00:00Z".parse().unwrap();
        assert!(clock_agrees(t, Duration::from_secs(60), t));
        assert!(!clock_agrees(t, Duration::from_secs(60), fake.now().await));
        assert!(!clock_agrees(
            t,
            Duration::ZERO,
            Timestamp::from_second(t.as_second() - 7200).unwrap()
        ));
    }

    #[tokio::test]
    async fn empty_inventory_is_a_usage_error() {
        let mut store = Store::open_in_memory().unwrap();
        let err = run_pass(&mut store, Fake::new(&[]), &opts(), &|_, _| {}, None)
            .await
            .unwrap_err();
        assert_eq!(crate::cmd::exit_code_for(&crate::cmd::service_err(err)), 2);
    }

    #[test]
    fn inventory_files() {
        let plain = parse_inventory("# mine\nexample.com\n\nexample.org  # legacy\n").unwrap();
        assert_eq!(plain.len(), 2);
        assert_eq!(plain[1].name, "example.org");
        assert_eq!(plain[1].line, 4);
        let csv = parse_inventory(
            "name,owner,tags,high_value\nexample.com,Web team,prod;brand,yes\n\"www.example.net\",,,\n",
        )
        .unwrap();
        assert_eq!(csv[0].owner.as_deref(), Some("Web team"));
        assert_eq!(csv[0].tags, vec!["prod", "brand"]);
        assert!(csv[0].high_value);
        assert_eq!(csv[1].name, "www.example.net");
        assert!(csv[1].owner.is_none());
        assert!(parse_inventory("name,owner\n,nobody\n").is_err());
        let psl = SuffixList::embedded();
        let w = to_watched(psl, csv, Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(w[1].name.as_str(), "example.net");
        let bad = parse_inventory("bad..name\n").unwrap();
        assert!(to_watched(psl, bad, Timestamp::UNIX_EPOCH).is_err());
    }

    #[test]
    fn intervals_and_jitter() {
        assert_eq!(
            "6h".parse::<Interval>().unwrap().0,
            Duration::from_secs(6 * 3600)
        );
        assert_eq!(
            "90s".parse::<Interval>().unwrap().0,
            Duration::from_secs(90)
        );
        assert_eq!(
            "1d".parse::<Interval>().unwrap().0,
            Duration::from_secs(86_400)
        );
        assert!("0s".parse::<Interval>().is_err());
        assert!("5w".parse::<Interval>().is_err());
        assert!((("10%".parse::<Jitter>().unwrap().0) - 0.1).abs() < 1e-9);
        assert!("150%".parse::<Jitter>().is_err());
        let base = Duration::from_secs(3600);
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..200u64 {
            let d = next_delay(base, 0.1, seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            assert!(
                d >= Duration::from_secs(3240) && d <= Duration::from_secs(3960),
                "{d:?}"
            );
            seen.insert(d.as_secs());
        }
        assert!(seen.len() > 20, "the jitter spreads");
        assert_eq!(next_delay(base, 0.0, 7), base);
    }

    mod prop {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #[test]
            fn inventory_parser_never_panics(text in "\\PC{0,400}") {
                if let Ok(lines) = parse_inventory(&text) {
                    for l in &lines {
                        prop_assert!(!l.name.is_empty());
                        prop_assert!(l.line >= 1);
                    }
                    let _ = to_watched(SuffixList::embedded(), lines, Timestamp::UNIX_EPOCH);
                }
            }

            #[test]
            fn csv_inventory_round_trips(
                names in proptest::collection::vec("[a-z]{1,10}\\.(com|net|co\\.jp)", 1..20),
                owner in "[A-Za-z ]{0,12}",
            ) {
                let mut text = String::from("name,owner,tags\n");
                for n in &names {
                    text.push_str(&format!("{n},{owner},a;b\n"));
                }
                let lines = parse_inventory(&text).unwrap();
                prop_assert_eq!(lines.len(), names.len());
                for (l, n) in lines.iter().zip(&names) {
                    prop_assert_eq!(&l.name, n);
                    prop_assert_eq!(l.owner.as_deref(), Some(owner.trim()).filter(|o| !o.is_empty()));
                    prop_assert_eq!(&l.tags, &vec!["a".to_string(), "b".to_string()]);
                }
            }

            #[test]
            fn option_parsers_never_panic(s in "\\PC{0,40}") {
                let _ = s.parse::<Interval>();
                let _ = s.parse::<Jitter>();
                let _ = s.parse::<crate::alert::AlertSpec>();
            }
        }
    }
}
#[test]
fn store_urls_are_never_paths() {
    use std::path::Path;
    let sqlite = |s: &str| match store_location(Path::new(s)).unwrap() {
        store::Location::Sqlite(p) => p,
        other => panic!("{s}: {other}"),
    };
    assert_eq!(sqlite("/tmp/w.db"), PathBuf::from("/tmp/w.db"));
    assert_eq!(sqlite("sqlite:/tmp/w.db"), PathBuf::from("/tmp/w.db"));
    assert_eq!(sqlite("sqlite:w.db"), PathBuf::from("w.db"));
    assert_eq!(sqlite("dir:x/w.db"), PathBuf::from("dir:x/w.db"));
    for pg in [
        "postgres://u:secret@127.0.0.1:5432/dw",
        "postgresql://u@h/db",
    ] {
        let l = store_location(Path::new(pg)).unwrap();
        assert_eq!(l.backend(), "postgres");
        assert!(!l.to_string().contains("secret"), "{l}");
    }
    for bad in [
        "postgres:db",
        "mysql://h/db",
        "sqlite:",
        "postgres://u@h:port/d",
    ] {
        assert!(store_location(Path::new(bad)).is_err(), "{bad}");
    }
}
