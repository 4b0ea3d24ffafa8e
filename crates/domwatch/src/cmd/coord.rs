//! `domwatch case enrich|party|notify|reply|check`: the coordination of a case. Who can act
//! (registrar, registry, hosting network, service operator, ICANN for gTLDs), the evidence (each
//! RDAP, WHOIS, DNS and HTTP answer as received, with its sha256), the notification (an e-mail
//! with an X-ARF v4 report, sent over SMTP or written as `.eml`), the replies, and the
//! observation loop that records mitigation: `serverHold` (the registry acted), `clientHold`
//! (the registrar acted), the name deleted or NXDOMAIN, or the content gone.
//!
//! Times come from the prober's clock: the lab's clock in the lab, the system's otherwise.
//!
//! Exit codes: 0 done; 2 bad arguments, an unknown case or party, nothing to notify; 3 the
//! store, the network or the SMTP relay failed.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use domains::case::CaseState;
use domains::case::notify::{self, Lang, Party, PartyKind};
use jiff::Timestamp;
use service::ServiceError;
use service::cases;
use store::{Case, Store};

use crate::Global;
use crate::alert::SmtpRelay;
use crate::output::{Format, Table, sanitize};

use super::case::{actor, load, store_err};
use super::{usage, watch::open_store};

/// The largest reply file read.
const MAX_REPLY_BYTES: u64 = 25 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct EnrichArgs {
    /// Cases to enrich.
    pub ids: Vec<i64>,
    /// Every open case not yet enriched (no party yet).
    #[arg(long)]
    pub open: bool,
    /// Do not fetch the site over HTTP.
    #[arg(long)]
    pub no_http: bool,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct PartyArgs {
    pub id: i64,
    /// Add a party of this kind (registrar, registry, hosting, service, icann); without it the
    /// parties are listed.
    #[arg(long, value_parser = parse_party_kind)]
    pub kind: Option<PartyKind>,
    /// Its e-mail address (or the URL of its web form).
    #[arg(long, requires = "kind")]
    pub contact: Option<String>,
    /// Its name.
    #[arg(long, requires = "kind")]
    pub name: Option<String>,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct NotifyArgs {
    pub id: i64,
    /// The party to notify (default: the next on the escalation path).
    #[arg(long, value_parser = parse_party_kind)]
    pub party: Option<PartyKind>,
    /// Send over SMTP (the relay from --smtp or the --config file).
    #[arg(long, conflicts_with = "eml")]
    pub send: bool,
    /// Write the message as an .eml file into DIR (for review, or to send by hand).
    #[arg(long, value_name = "DIR")]
    pub eml: Option<PathBuf>,
    /// en or ja.
    #[arg(long, default_value = "en", value_parser = parse_lang)]
    pub lang: Lang,
    /// SMTP relay: IP:PORT (plain, a local MTA) or starttls://HOST[:PORT].
    #[arg(long, value_name = "RELAY")]
    pub smtp: Option<SmtpRelay>,
    /// The sender address (the X-ARF reporter contact).
    #[arg(long, env = "DOMWATCH_MAIL_FROM", default_value = "domwatch@localhost")]
    pub mail_from: String,
    /// The sending organisation (default: the sender address's domain).
    #[arg(long, env = "DOMWATCH_ORG")]
    pub org: Option<String>,
    /// Days until the follow-up is due (then escalate to the next party).
    #[arg(long, default_value_t = 3)]
    pub follow_up_days: u32,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct ReplyArgs {
    pub id: i64,
    /// The reply as an RFC 5322 message (.eml).
    pub file: PathBuf,
    /// The party it is from, when the reply names no notification (no In-Reply-To).
    #[arg(long, value_parser = parse_party_kind)]
    pub party: Option<PartyKind>,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Cases to check (default: every open case not yet mitigated).
    pub ids: Vec<i64>,
    /// Do not fetch the site over HTTP.
    #[arg(long)]
    pub no_http: bool,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn parse_party_kind(s: &str) -> Result<PartyKind, String> {
    PartyKind::parse(s).ok_or_else(|| {
        format!(
            "unknown party {s:?} (one of: {})",
            PartyKind::ALL.map(|k| k.as_str()).join(", ")
        )
    })
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("unknown language {s:?} (en or ja)"))
}

// ---------------------------------------------------------------------------------------------
// enrich

pub fn enrich(args: EnrichArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    let mut cases = Vec::new();
    for id in &args.ids {
        cases.push(load(&store, *id)?);
    }
    if args.open {
        for c in store
            .cases(&store::CaseFilter {
                open: true,
                ..Default::default()
            })
            .map_err(store_err)?
        {
            let none = store.case_parties(c.id).map_err(store_err)?.is_empty();
            if none && !cases.iter().any(|x: &Case| x.id == c.id) {
                cases.push(c);
            }
        }
    }
    if cases.is_empty() {
        return Err(usage("give case ids or --open"));
    }
    let results = enrich_cases(global, &mut store, &cases, !args.no_http)?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        writeln!(out, "{}", serde_json::to_string(&results)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    write_enriched(&results, &mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// Enriches `cases` (a progress bar on a terminal); issues go to stderr.
pub(crate) fn enrich_cases(
    global: &Global,
    store: &mut Store,
    cases: &[Case],
    http: bool,
) -> anyhow::Result<Vec<cases::Enriched>> {
    let rt = super::runtime()?;
    let prober = rt.block_on(async { super::inspect::prober(global) })?;
    let bar = crate::output::progress_bar(global, Some(cases.len() as u64), "enrich");
    let who = actor();
    let mut results = Vec::new();
    for case in cases {
        let r = rt
            .block_on(cases::enrich(&prober, store, case, http, &who))
            .map_err(super::service_err)?;
        results.push(r);
        bar.inc(1);
    }
    bar.finish_and_clear();
    for r in &results {
        for i in &r.issues {
            eprintln!("case {}: {}", r.case, sanitize(i));
        }
    }
    Ok(results)
}

/// The enrichment table.
pub(crate) fn write_enriched(
    results: &[cases::Enriched],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut t = Table::new([
        "case",
        "domain",
        "registrar",
        "registry",
        "parties added",
        "evidence",
    ]);
    for r in results {
        t.row(vec![
            r.case.to_string(),
            r.domain.clone(),
            r.registrar.clone().unwrap_or_else(|| "-".into()),
            r.registry.clone().unwrap_or_else(|| "-".into()),
            if r.parties_added.is_empty() {
                "-".into()
            } else {
                r.parties_added
                    .iter()
                    .map(|p| format!("{} <{}>", p.kind, p.contact))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            r.evidence_added.to_string(),
        ]);
    }
    t.write(out)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// party

pub fn party(args: PartyArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    let case = load(&store, args.id)?;
    if let Some(kind) = args.kind {
        let contact = args
            .contact
            .clone()
            .ok_or_else(|| usage("--kind needs --contact"))?;
        let contact = contact.trim().to_string();
        let is_url = contact.starts_with("https://") || contact.starts_with("http://");
        if !notify::valid_email(&contact) && !is_url {
            return Err(usage(format!(
                "--contact {:?}: an e-mail address or the URL of a web form",
                sanitize(&contact)
            )));
        }
        let p = Party {
            kind,
            name: args.name.clone().map(|n| notify::one_line(&n, 200)),
            contact,
            source: "manual".into(),
        };
        store
            .add_party(case.id, &p, &actor(), Timestamp::now())
            .map_err(store_err)?;
    }
    let parties = store.case_parties(case.id).map_err(store_err)?;
    let notes = store.notifications(case.id).map_err(store_err)?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        writeln!(
            out,
            "{}",
            serde_json::json!({ "parties": parties, "notifications": notes,
                                "next": cases::suggested(&case, &parties, &notes) })
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    parties_table(&parties).write(&mut out)?;
    match cases::suggested(&case, &parties, &notes) {
        Some(k) => writeln!(
            out,
            "\nnext to notify: {k}  (domwatch case notify {} --party {k})",
            case.id
        )?,
        None => writeln!(out, "\nevery party on the escalation path was notified")?,
    }
    Ok(ExitCode::SUCCESS)
}

fn parties_table(parties: &[store::StoredParty]) -> Table {
    let mut t = Table::new(["kind", "name", "contact", "source", "added"]);
    for p in parties {
        t.row(vec![
            p.party.kind.to_string(),
            p.party.name.clone().unwrap_or_else(|| "-".into()),
            p.party.contact.clone(),
            p.party.source.clone(),
            p.added_at.strftime("%Y-%m-%d %H:%M").to_string(),
        ]);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// notify

pub fn notify_cmd(args: NotifyArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    load(&store, args.id)?;
    let relay = if args.send {
        let cfg = super::net_config(global)?;
        Some(
            args.smtp
                .clone()
                .or(cfg.smtp.map(SmtpRelay::Plain))
                .ok_or_else(|| usage("--send needs --smtp RELAY or a --config with `smtp`"))?,
        )
    } else {
        None
    };
    let rt = super::runtime()?;
    let prober = rt.block_on(async { super::inspect::prober(global) })?;
    let now = rt.block_on(prober.now());
    let prepared = cases::prepare_notice(
        &store,
        &cases::NoticeRequest {
            case: store::CaseId(args.id),
            party: args.party,
            lang: args.lang,
            from: args.mail_from.clone(),
            org: args.org.clone(),
            now,
        },
    )
    .map_err(super::service_err)?;
    let how = match (&relay, &args.eml) {
        (Some(relay), _) => cases::Delivery::Smtp(relay),
        (None, Some(dir)) => cases::Delivery::Eml(dir),
        (None, None) => {
            // A preview, decoded for reading: nothing is sent or recorded.
            let p = &prepared;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "From: {}\nTo: {}\nSubject: {}",
                p.from, p.to, p.notice.subject
            )?;
            writeln!(out, "Message-ID: <{}>\n", p.message_id)?;
            out.write_all(p.notice.text.as_bytes())?;
            let json = serde_json::to_string_pretty(&p.notice.xarf)?;
            writeln!(
                out,
                "\n[attachment xarf.json: X-ARF v4, {} bytes]",
                json.len()
            )?;
            eprintln!(
                "preview only: give --send or --eml DIR to notify the {}",
                p.party.party.kind
            );
            return Ok(ExitCode::SUCCESS);
        }
    };
    let (channel, location) = rt
        .block_on(cases::send_notice(&prepared, how))
        .map_err(super::service_err)?;
    let stored = cases::record_notice(
        &mut store,
        &prepared,
        channel,
        location,
        args.follow_up_days,
        &actor(),
    )
    .map_err(super::service_err)?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        writeln!(out, "{}", serde_json::to_string(&stored)?)?;
    } else {
        notifications_table(std::slice::from_ref(&stored)).write(&mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn notifications_table(notes: &[store::StoredNotification]) -> Table {
    let mut t = Table::new([
        "id",
        "party",
        "to",
        "sent",
        "via",
        "state",
        "follow-up due",
        "answered",
    ]);
    for n in notes {
        t.row(vec![
            n.id.to_string(),
            n.party_kind.to_string(),
            n.contact.clone(),
            n.sent_at.strftime("%Y-%m-%d %H:%M").to_string(),
            match &n.location {
                Some(l) => format!("{} {l}", n.channel),
                None => n.channel.clone(),
            },
            n.state.as_str().into(),
            n.follow_up_due.strftime("%Y-%m-%d %H:%M").to_string(),
            n.answered_at
                .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "-".into()),
        ]);
    }
    t
}

// ---------------------------------------------------------------------------------------------
// reply

pub fn reply(args: ReplyArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    let case = load(&store, args.id)?;
    let bytes = super::read_side_file(&args.file, MAX_REPLY_BYTES)?;
    let r = cases::attach_reply(&mut store, case.id, &bytes, args.party, &actor()).map_err(
        |e| match e {
            ServiceError::Refused(m) => usage(format!("{}: {m}", args.file.display())),
            e => super::service_err(e),
        },
    )?;
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        writeln!(out, "{}", serde_json::to_string(&r)?)?;
    } else {
        notifications_table(std::slice::from_ref(&r.notification)).write(&mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// check

pub fn check(args: CheckArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    let mut cases = Vec::new();
    for id in &args.ids {
        cases.push(load(&store, *id)?);
    }
    if args.ids.is_empty() {
        cases = cases::cases_to_check(&store).map_err(super::service_err)?;
    }
    let rt = super::runtime()?;
    let prober = rt.block_on(async { super::inspect::prober(global) })?;
    let bar = crate::output::progress_bar(global, Some(cases.len() as u64), "check");
    let who = actor();
    let mut results = Vec::new();
    for case in &cases {
        results.push(
            rt.block_on(cases::check(&prober, &mut store, case, !args.no_http, &who))
                .map_err(super::service_err)?,
        );
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut out = std::io::stdout().lock();
    if args.format == Format::Json {
        writeln!(out, "{}", serde_json::to_string(&results)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new([
        "case",
        "domain",
        "observed",
        "by",
        "case state",
        "follow-up",
    ]);
    for r in &results {
        t.row(vec![
            r.case.to_string(),
            r.domain.clone(),
            r.observation.observed.as_str().into(),
            r.observation
                .actor
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into()),
            r.moved_to
                .map(|s| format!("-> {s}"))
                .unwrap_or_else(|| "-".into()),
            match (r.follow_up_due.is_empty(), r.next) {
                (true, _) => "-".into(),
                (false, Some(k)) => format!("due: notify the {k}"),
                (false, None) => "due: every party was notified".into(),
            },
        ]);
    }
    t.write(&mut out)?;
    Ok(ExitCode::SUCCESS)
}

/// `case check` inside `watch daemon --check-cases`: every open case not yet mitigated; one
/// line on stderr per case that moved. Returns how many were found mitigated.
pub(crate) async fn check_open_cases(
    prober: &probe::Prober,
    store: &mut Store,
) -> anyhow::Result<usize> {
    let cases = cases::cases_to_check(store).map_err(super::service_err)?;
    let who = actor();
    let mut mitigated = 0;
    for case in &cases {
        let r = cases::check(prober, store, case, true, &who)
            .await
            .map_err(super::service_err)?;
        if r.moved_to == Some(CaseState::Mitigated) {
            mitigated += 1;
            eprintln!(
                "case {} {}: mitigated ({}, by {})",
                r.case,
                r.domain,
                r.observation.observed.as_str(),
                r.observation
                    .actor
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "unknown".into())
            );
        } else if let Some(k) = r.next {
            eprintln!(
                "case {} {}: follow-up due, notify the {k}",
                r.case, r.domain
            );
        }
    }
    Ok(mitigated)
}

/// The coordination part of `case show`: parties, notifications, evidence.
pub fn show_coordination(store: &Store, case: &Case, out: &mut dyn Write) -> anyhow::Result<()> {
    let parties = store.case_parties(case.id).map_err(store_err)?;
    let notes = store.notifications(case.id).map_err(store_err)?;
    let evidence = store.case_evidence(case.id, false).map_err(store_err)?;
    if !parties.is_empty() {
        writeln!(out, "\nparties")?;
        parties_table(&parties).write(out)?;
        if let Some(k) = cases::suggested(case, &parties, &notes) {
            writeln!(out, "next to notify: {k}")?;
        }
    }
    if !notes.is_empty() {
        writeln!(out, "\nnotifications")?;
        notifications_table(&notes).write(out)?;
    }
    if !evidence.is_empty() {
        writeln!(out, "\nevidence")?;
        let mut t = Table::new(["taken", "kind", "source", "bytes", "sha256"]);
        for e in &evidence {
            t.row(vec![
                e.taken_at.strftime("%Y-%m-%d %H:%M").to_string(),
                e.kind.clone(),
                e.source.clone(),
                e.size.to_string(),
                e.sha256.clone(),
            ]);
        }
        t.write(out)?;
    }
    Ok(())
}

/// The coordination part of `case show --format json`.
pub fn coordination_json(store: &Store, case: &Case) -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::json!({
        "parties": store.case_parties(case.id).map_err(store_err)?,
        "notifications": store.notifications(case.id).map_err(store_err)?,
        "evidence": store.case_evidence(case.id, false).map_err(store_err)?,
    }))
}
