//! `domwatch finding`: the stored findings (what `watch`, its `--audit` and `ct follow`
//! raised, shown as "raised by"), filtered as the console's
//! findings page does, and their triage from the command line: acknowledge, mute, unmute,
//! reopen. Every triage is recorded in the audit log with who did it.

use std::io::Write;
use std::process::ExitCode;

use domains::DomainName;
use domains::findings::Severity;
use store::{FindingFilter, RaisedBy, StoredFinding, TriageAction, TriageFilter};

use super::case::{actor, store_err};
use super::usage;
use super::watch::open_store;
use crate::Global;
use crate::output::{Format, Table, sanitize};

#[derive(Debug, clap::Args)]
pub struct FindingArgs {
    #[command(subcommand)]
    pub command: FindingCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum FindingCommand {
    /// The open findings, the newest first (muted ones only with --triage muted or any).
    List(ListArgs),
    /// Someone is on it (cleared when the finding resolves and comes back).
    Ack(TriageArgs),
    /// No alerts from any sink and out of the default lists, for --days N or until unmuted.
    Mute(MuteArgs),
    /// Alerts and lists again.
    Unmute(TriageArgs),
    /// Back to new: neither acknowledged nor muted.
    Reopen(TriageArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// At least this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<Severity>,
    /// Only this finding code (`registrar-changed`, `dnssec-bogus`...).
    #[arg(long)]
    pub code: Option<String>,
    /// Only those raised by watch (a watch pass), audit (`watch run --audit`) or ct
    /// (`ct follow`).
    #[arg(long, value_name = "RAISER", value_parser = parse_raiser)]
    pub raised_by: Option<RaisedBy>,
    /// Only this domain.
    #[arg(long)]
    pub domain: Option<String>,
    /// unmuted (default), new, acknowledged, muted or any.
    #[arg(long, default_value = "unmuted", value_parser = parse_triage)]
    pub triage: TriageFilter,
    /// Resolved findings too.
    #[arg(long)]
    pub all: bool,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct TriageArgs {
    /// The finding's id (`finding list`).
    pub id: i64,
    /// Why (kept with the finding).
    #[arg(long)]
    pub note: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct MuteArgs {
    #[command(flatten)]
    pub triage: TriageArgs,
    /// For this many days (default: until unmuted).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: Option<u32>,
}

fn parse_raiser(s: &str) -> Result<RaisedBy, String> {
    match RaisedBy::parse(s.trim()) {
        RaisedBy::Other(o) => Err(format!("unknown raiser {o:?} (watch, audit, ct)")),
        known => Ok(known),
    }
}

fn parse_triage(s: &str) -> Result<TriageFilter, String> {
    TriageFilter::parse(s)
        .ok_or_else(|| format!("unknown triage {s:?} (unmuted, new, acknowledged, muted, any)"))
}

pub fn run(args: FindingArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.command {
        FindingCommand::List(a) => list(a, global),
        FindingCommand::Ack(a) => triage(a, TriageAction::Acknowledge, global),
        FindingCommand::Mute(m) => {
            let until = match m.days {
                None => None,
                Some(d) => Some(
                    jiff::Timestamp::now()
                        .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(d)))
                        .map_err(|e| usage(format!("--days: {e}")))?,
                ),
            };
            triage(m.triage, TriageAction::Mute(until), global)
        }
        FindingCommand::Unmute(a) => triage(a, TriageAction::Unmute, global),
        FindingCommand::Reopen(a) => triage(a, TriageAction::Reopen, global),
    }
}

/// `acknowledged by X`, `muted until T`, `muted`, `new`.
fn triage_state(f: &StoredFinding, now: jiff::Timestamp) -> String {
    let mut parts = Vec::new();
    if let Some(by) = &f.triage.acknowledged_by {
        parts.push(format!("acknowledged by {}", sanitize(by)));
    }
    match f.triage.muted_until {
        Some(t) if t == jiff::Timestamp::MAX => parts.push("muted".into()),
        Some(t) if t > now => parts.push(format!("muted until {}", t.strftime("%Y-%m-%d"))),
        _ => {}
    }
    if parts.is_empty() {
        "new".into()
    } else {
        parts.join(", ")
    }
}

fn list(a: ListArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let domain = match &a.domain {
        None => None,
        Some(d) => Some(
            DomainName::parse(d).map_err(|e| usage(format!("--domain {}: {e}", sanitize(d))))?,
        ),
    };
    let store = open_store(global)?;
    let now = jiff::Timestamp::now();
    let found = store
        .findings_where(
            &FindingFilter {
                domain,
                min_severity: a.severity,
                code: a.code.clone(),
                raised_by: a.raised_by.clone(),
                include_resolved: a.all,
                triage: a.triage,
                limit: Some(a.limit.clamp(1, 100_000)),
                newest_first: true,
                ..Default::default()
            },
            now,
        )
        .map_err(store_err)?;
    let mut out = std::io::stdout().lock();
    if a.format == Format::Json {
        writeln!(out, "{}", serde_json::to_string(&found)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new([
        "id",
        "severity",
        "domain",
        "code",
        "raised by",
        "first seen",
        "triage",
        "finding",
    ]);
    for f in &found {
        t.row([
            f.id.to_string(),
            f.finding.severity.to_string(),
            f.finding.domain.to_string(),
            f.finding.code.to_string(),
            sanitize(f.raised_by.as_str()),
            f.first_seen.strftime("%Y-%m-%d %H:%M").to_string(),
            triage_state(f, now),
            sanitize(&f.finding.title),
        ]);
    }
    t.write(&mut out)?;
    if found.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!("no findings match");
    }
    Ok(ExitCode::SUCCESS)
}

fn triage(a: TriageArgs, action: TriageAction, global: &Global) -> anyhow::Result<ExitCode> {
    let note: Option<String> = a
        .note
        .as_deref()
        .map(|n| n.chars().take(2000).collect::<String>())
        .filter(|n| !n.trim().is_empty());
    let mut store = open_store(global)?;
    let now = jiff::Timestamp::now();
    let who = actor();
    let Some(f) = store
        .triage_finding(a.id, &action, &who, note.as_deref(), now)
        .map_err(store_err)?
    else {
        return Err(usage(format!(
            "no finding {} (see `domwatch finding list`)",
            a.id
        )));
    };
    let verb = match action {
        TriageAction::Acknowledge => "finding.acknowledge",
        TriageAction::Mute(_) => "finding.mute",
        TriageAction::Unmute => "finding.unmute",
        TriageAction::Reopen => "finding.reopen",
    };
    store
        .audit(
            &who,
            verb,
            &a.id.to_string(),
            note.as_deref().unwrap_or(""),
            now,
        )
        .map_err(store_err)?;
    let mut out = std::io::stdout().lock();
    if a.format == Format::Json {
        writeln!(out, "{}", serde_json::to_string(&f)?)?;
    } else {
        writeln!(
            out,
            "finding {} ({} {}): {}",
            f.id,
            f.finding.domain,
            f.finding.code,
            triage_state(&f, now)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
