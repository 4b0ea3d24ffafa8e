//! The coordination of a case as use cases over the store and the prober, shared by the CLI
//! (`case enrich|notify|reply|check`) and the console: who can act (parties and evidence), the
//! notification (prepared, previewed, sent or written, recorded), the reply, and the
//! observation that records mitigation.
//!
//! [`enrich`] and [`check`] hold the store across network waits: give them a store of their
//! own (the CLI's, the scheduler's), not one shared behind a lock. The notification is split so
//! that nothing holds the store while mail is sent: [`prepare_notice`] (reads), [`send_notice`]
//! (network), [`record_notice`] (writes).

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use domains::DomainName;
use domains::case::CaseState;
use domains::case::notify::{
    self, EvidenceItem, ICANN_COMPLIANCE, Lang, NoticeInput, Observation, Party, PartyKind,
    Reporter, SiteState, escalation_path, next_party,
};
use domains::case::stats::tld_kind;
use domains::dns::DnsOutcome;
use jiff::Timestamp;
use store::{Case, CaseId, CaseUpdate, Channel, NewNotification, NotificationState, Store};

use crate::ServiceError;
use crate::mail::{SmtpRelay, send_message};

/// How long the site of a case is given to answer.
const SITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the case's TLD is a gTLD (ICANN compliance is the last escalation step).
pub fn gtld(case: &Case) -> bool {
    tld_kind(case.registered.tld()) == "gtld"
}

/// What enrichment found for one case.
#[derive(Debug, serde::Serialize)]
pub struct Enriched {
    pub case: i64,
    pub domain: String,
    pub parties_added: Vec<Party>,
    pub evidence_added: usize,
    pub registrar: Option<String>,
    pub registry: Option<String>,
    pub issues: Vec<String>,
}

fn content_type(protocol: &str) -> &'static str {
    match protocol {
        "rdap" => "application/rdap+json",
        _ => "text/plain",
    }
}

/// The first IPv4 (else IPv6) address of `host`, with the DNS answers as text.
pub async fn addresses(
    prober: &probe::Prober,
    host: &DomainName,
) -> (Vec<IpAddr>, String, DnsOutcome) {
    let mut text = String::new();
    let mut ips = Vec::new();
    let mut first_outcome = None;
    for rtype in ["A", "AAAA", "NS"] {
        let set = prober.lookup(host, rtype).await;
        first_outcome.get_or_insert(set.outcome.clone());
        text.push_str(&format!("{host} {rtype} {}", set.outcome.as_str()));
        for v in &set.values {
            text.push_str(&format!("\n  {v}"));
            if rtype != "NS"
                && let Ok(ip) = v.parse::<IpAddr>()
            {
                ips.push(ip);
            }
        }
        text.push('\n');
    }
    (
        ips,
        text,
        first_outcome.unwrap_or(DnsOutcome::Error("no answer".into())),
    )
}

pub async fn enrich(
    prober: &probe::Prober,
    store: &mut Store,
    case: &Case,
    http: bool,
    who: &str,
) -> Result<Enriched, ServiceError> {
    let now = prober.now().await;
    let mut parties: Vec<Party> = Vec::new();
    let mut issues = Vec::new();
    let mut evidence = Vec::new();
    let mut registrar_name = None;
    let mut registry_name = None;

    if let Some(service) = &case.service {
        // The account's operator: RFC 2142's abuse mailbox at the service's domain.
        parties.push(Party {
            kind: PartyKind::Service,
            name: Some(service.clone()),
            contact: format!("abuse@{}", case.registered),
            source: "rfc2142".into(),
        });
    } else {
        let view = prober.registration(&case.registered).await;
        for raw in &view.transcript {
            evidence.push((
                raw.protocol.to_string(),
                raw.server.clone(),
                content_type(raw.protocol),
                raw.body.clone(),
            ));
        }
        issues.extend(
            view.issues
                .iter()
                .map(|i| format!("{}: {}", i.source, i.message)),
        );
        if let Some(created) = view
            .registry
            .iter()
            .chain(view.registrar.iter())
            .flat_map(|r| r.events.iter())
            .find(|e| e.action == domains::registration::EventAction::Registration)
        {
            store.set_domain_created(case.id, created.date.at)?;
        }
        let records = view.registry.iter().chain(view.registrar.iter());
        for rec in records {
            let Some(r) = &rec.registrar else { continue };
            registrar_name = registrar_name.or_else(|| r.name.clone().or(r.handle.clone()));
            if let Some(email) = r.abuse_email.as_deref().filter(|e| notify::valid_email(e)) {
                parties.push(Party {
                    kind: PartyKind::Registrar,
                    name: r.name.clone(),
                    contact: email.to_ascii_lowercase(),
                    source: match rec.source {
                        domains::registration::SourceKind::Rdap => "rdap".into(),
                        domains::registration::SourceKind::Whois => "whois".into(),
                    },
                });
            }
        }
        if registrar_name.is_some() && !parties.iter().any(|p| p.kind == PartyKind::Registrar) {
            issues.push("the registrar publishes no abuse e-mail: add it with `case party`".into());
        }
        match prober.tld_record(case.registered.tld()).await {
            Ok(t) => {
                registry_name = t.organisation.clone();
                match t.abuse_address().filter(|e| notify::valid_email(e)) {
                    Some(email) => parties.push(Party {
                        kind: PartyKind::Registry,
                        name: t.organisation.clone(),
                        contact: email.to_ascii_lowercase(),
                        source: "iana".into(),
                    }),
                    None => issues.push(format!(
                        "IANA lists no contact e-mail for .{}",
                        case.registered.tld()
                    )),
                }
            }
            Err(e) => issues.push(format!("IANA WHOIS for .{}: {e}", case.registered.tld())),
        }
        if gtld(case) {
            parties.push(Party {
                kind: PartyKind::Icann,
                name: Some("ICANN Contractual Compliance".into()),
                contact: ICANN_COMPLIANCE.into(),
                source: "icann".into(),
            });
        }
    }

    // The DNS of the case's name (else its first reported host) and the network it points to.
    let mut hosts = vec![case.domain.clone()];
    for r in store.case_reports(case.id)? {
        if let Ok(h) = DomainName::parse(&r.host)
            && !hosts.contains(&h)
        {
            hosts.push(h);
            break;
        }
    }
    let mut site_host = None;
    for host in &hosts {
        let (ips, text, _) = addresses(prober, host).await;
        evidence.push((
            "dns".into(),
            host.to_string(),
            "text/plain",
            text.into_bytes(),
        ));
        if let Some(ip) = ips.first() {
            site_host = Some(host.clone());
            match prober.rdap().ip_network(*ip).await {
                Ok(n) => {
                    let summary = format!(
                        "{ip}: {} {} {}-{} ({})\nabuse: {}\n",
                        n.handle.as_deref().unwrap_or("-"),
                        n.name.as_deref().unwrap_or("-"),
                        n.start_address.as_deref().unwrap_or("?"),
                        n.end_address.as_deref().unwrap_or("?"),
                        n.org.as_deref().unwrap_or("-"),
                        n.abuse_email.as_deref().unwrap_or("-"),
                    );
                    evidence.push((
                        "rir".into(),
                        n.server.clone(),
                        "text/plain",
                        summary.into_bytes(),
                    ));
                    match n.abuse_email.as_deref().filter(|e| notify::valid_email(e)) {
                        Some(email) => parties.push(Party {
                            kind: PartyKind::Hosting,
                            name: n.org.clone().or(n.name.clone()),
                            contact: email.to_ascii_lowercase(),
                            source: "rir".into(),
                        }),
                        None => {
                            issues.push(format!("the network of {ip} publishes no abuse e-mail"))
                        }
                    }
                }
                Err(e) => issues.push(format!("RIR RDAP for {ip}: {e}")),
            }
            break;
        }
    }
    if http && let Some(host) = &site_host {
        match probe::site::fetch_site(prober, host, SITE_TIMEOUT).await {
            Ok(reply) => {
                let mut body =
                    format!("HTTP {} from {}\n\n", reply.status, reply.address).into_bytes();
                body.extend_from_slice(reply.body.as_bytes());
                evidence.push(("http".into(), format!("http://{host}/"), "text/plain", body));
            }
            Err(e) => issues.push(e.to_string()),
        }
    }

    let mut added = Vec::new();
    for p in &parties {
        let (_, new) = store.add_party(case.id, p, who, now)?;
        if new {
            added.push(p.clone());
        }
    }
    let mut evidence_added = 0;
    for (kind, source, ct, body) in &evidence {
        let (_, new) = store.add_evidence(case.id, kind, source, ct, body, now, who)?;
        evidence_added += usize::from(new);
    }
    let update = CaseUpdate {
        state: matches!(case.state, CaseState::New | CaseState::Triage)
            .then_some(CaseState::Investigating),
        registrar: registrar_name.clone().filter(|_| case.registrar.is_none()),
        registry: registry_name.clone().filter(|_| case.registry.is_none()),
        ..Default::default()
    };
    if update != CaseUpdate::default() {
        store.update_case(case.id, &update, who, now)?;
    }
    Ok(Enriched {
        case: case.id.0,
        domain: case.domain.to_string(),
        parties_added: added,
        evidence_added,
        registrar: registrar_name.or(case.registrar.clone()),
        registry: registry_name.or(case.registry.clone()),
        issues,
    })
}

/// The next party on the case's escalation path (parties with an e-mail; ICANN's form counts).
pub fn suggested(
    case: &Case,
    parties: &[store::StoredParty],
    notes: &[store::StoredNotification],
) -> Option<PartyKind> {
    let path = escalation_path(case.service.is_some(), gtld(case));
    let notified: Vec<PartyKind> = notes.iter().map(|n| n.party_kind).collect();
    let known: Vec<PartyKind> = parties.iter().map(|p| p.party.kind).collect();
    next_party(&path, &notified, &known)
}

/// The cases a check looks at by default: open and not yet mitigated, oldest first.
pub fn cases_to_check(store: &Store) -> Result<Vec<Case>, ServiceError> {
    let mut cases: Vec<Case> = store
        .cases(&store::CaseFilter {
            open: true,
            ..Default::default()
        })?
        .into_iter()
        .filter(|c| c.state != CaseState::Mitigated)
        .collect();
    cases.reverse();
    Ok(cases)
}

#[derive(Debug, serde::Serialize)]
pub struct Checked {
    pub case: i64,
    pub domain: String,
    pub observation: Observation,
    /// The state the case moved to, if it moved.
    pub moved_to: Option<CaseState>,
    /// Notifications whose follow-up date has passed without mitigation.
    pub follow_up_due: Vec<i64>,
    /// The party to ask next, when a follow-up is due.
    pub next: Option<PartyKind>,
}

pub async fn check(
    prober: &probe::Prober,
    store: &mut Store,
    case: &Case,
    http: bool,
    who: &str,
) -> Result<Checked, ServiceError> {
    let now = prober.now().await;
    let notes = store.notifications(case.id)?;
    let notified: Vec<PartyKind> = notes.iter().map(|n| n.party_kind).collect();
    let (ips, dns_text, outcome) = addresses(prober, &case.domain).await;
    let site = if http && !ips.is_empty() {
        match probe::site::fetch_site(prober, &case.domain, SITE_TIMEOUT).await {
            Ok(r) => SiteState::Status(r.status),
            Err(probe::site::SiteError::Http { .. }) => SiteState::NoAnswer,
            Err(_) => SiteState::NotChecked,
        }
    } else {
        SiteState::NotChecked
    };
    let mut evidence = vec![(
        "dns".to_string(),
        case.domain.to_string(),
        "text/plain",
        dns_text.into_bytes(),
    )];
    let observation = if case.service.is_some() {
        notify::observe_host(Some(&outcome), site, &notified, Vec::new())
    } else {
        let view = prober.registration(&case.registered).await;
        for raw in &view.transcript {
            evidence.push((
                raw.protocol.to_string(),
                raw.server.clone(),
                content_type(raw.protocol),
                raw.body.clone(),
            ));
        }
        notify::observe(
            view.registry.as_ref(),
            view.registrar.as_ref(),
            Some(&outcome),
            site,
            &notified,
        )
    };
    store.record_case_observation(
        case.id,
        observation.observed.as_str(),
        &observation.statuses,
        now,
    )?;
    let mut moved_to = None;
    if observation.observed.is_mitigated() {
        for (kind, source, ct, body) in &evidence {
            store.add_evidence(case.id, kind, source, ct, body, now, who)?;
        }
        let by = observation
            .actor
            .map(|a| a.to_string())
            .unwrap_or_else(|| "unknown".into());
        store.update_case(
            case.id,
            &CaseUpdate {
                state: Some(CaseState::Mitigated),
                mitigated_by: case.mitigated_by.is_none().then_some(by.clone()),
                note: Some(format!(
                    "observed {}: {} (by {by})",
                    observation.observed.as_str(),
                    observation.detail
                )),
                ..Default::default()
            },
            who,
            now,
        )?;
        moved_to = Some(CaseState::Mitigated);
    } else {
        // Record the observation when it differs from the last one (not every check).
        let line = format!("{}: {}", observation.observed.as_str(), observation.detail);
        let events = store.case_events(case.id)?;
        let last = events.iter().rev().find(|e| e.kind == "check");
        if last.is_none_or(|e| e.detail != line) {
            store.case_note(case.id, "check", &line, who, now)?;
        }
        if case.state == CaseState::Notifying {
            store.update_case(
                case.id,
                &CaseUpdate {
                    state: Some(CaseState::Monitoring),
                    ..Default::default()
                },
                who,
                now,
            )?;
            moved_to = Some(CaseState::Monitoring);
        }
    }
    let due: Vec<i64> = if observation.observed.is_mitigated() {
        Vec::new()
    } else {
        notes
            .iter()
            .filter(|n| {
                matches!(
                    n.state,
                    NotificationState::Sent | NotificationState::Acknowledged
                ) && n.follow_up_due <= now
            })
            .map(|n| n.id)
            .collect()
    };
    let next = if due.is_empty() {
        None
    } else {
        let parties = store.case_parties(case.id)?;
        suggested(case, &parties, &notes)
    };
    Ok(Checked {
        case: case.id.0,
        domain: case.domain.to_string(),
        observation,
        moved_to,
        follow_up_due: due,
        next,
    })
}

/// What a notification needs besides the case.
#[derive(Debug, Clone)]
pub struct NoticeRequest {
    pub case: CaseId,
    /// The party to notify (default: the next on the escalation path).
    pub party: Option<PartyKind>,
    pub lang: Lang,
    /// The sender address (the X-ARF reporter contact).
    pub from: String,
    /// The sending organisation (default: the sender address's domain).
    pub org: Option<String>,
    pub now: Timestamp,
}

/// A notification ready to go: the message and what recording it needs.
#[derive(Debug, Clone)]
pub struct PreparedNotice {
    pub case: Case,
    pub party: store::StoredParty,
    pub notice: notify::Notice,
    pub message: lettre::Message,
    pub message_id: String,
    pub from: lettre::message::Mailbox,
    pub to: lettre::message::Mailbox,
    pub lang: Lang,
    /// Earlier notifications of the case.
    pub earlier: Vec<store::StoredNotification>,
    pub now: Timestamp,
}

/// Renders the notification of a case (reads the store, sends nothing).
pub fn prepare_notice(store: &Store, req: &NoticeRequest) -> Result<PreparedNotice, ServiceError> {
    let case = store
        .case(req.case)?
        .ok_or_else(|| ServiceError::Refused(format!("no case {}", req.case)))?;
    if case.state == CaseState::Closed {
        return Err(ServiceError::Refused(format!("case {} is closed", case.id)));
    }
    let parties = store.case_parties(case.id)?;
    let notes = store.notifications(case.id)?;
    let kind = match req.party {
        Some(k) => k,
        None => suggested(&case, &parties, &notes).ok_or_else(|| {
            ServiceError::Refused(format!(
                "no party left to notify for case {}: run `case enrich {}` or add one with \
                 `case party {} --kind K --contact ADDRESS`",
                case.id, case.id, case.id
            ))
        })?,
    };
    let Some(party) = parties.iter().find(|p| p.party.kind == kind).cloned() else {
        return Err(ServiceError::Refused(format!(
            "case {} has no {kind} party: run `case enrich {}` or `case party {} --kind {kind} \
             --contact ADDRESS`",
            case.id, case.id, case.id
        )));
    };
    let Some(to) = party.party.email() else {
        return Err(ServiceError::Refused(format!(
            "the {kind} takes complaints at {} (not by e-mail): file it there, then record it \
             with `case update {} --state escalated --note ...`",
            notify::one_line(&party.party.contact, 200),
            case.id
        )));
    };
    let from: lettre::message::Mailbox = req
        .from
        .parse()
        .map_err(|e| ServiceError::Refused(format!("sender {:?}: {e}", req.from)))?;
    let sender_domain = from.email.domain().to_string();
    let to: lettre::message::Mailbox = to
        .parse()
        .map_err(|e| ServiceError::Refused(format!("the {kind}'s address {to:?}: {e}")))?;
    let mut urls: Vec<String> = Vec::new();
    for r in store.case_reports(case.id)? {
        let u = r.url.clone().unwrap_or_else(|| r.host.clone());
        if !urls.contains(&u) {
            urls.push(u);
        }
    }
    let evidence: Vec<EvidenceItem> = store
        .case_evidence(case.id, true)?
        .into_iter()
        .filter(|e| e.kind != "reply")
        .map(|e| EvidenceItem {
            kind: e.kind,
            source: e.source,
            content_type: e.content_type,
            sha256: e.sha256,
            taken_at: e.taken_at,
            body: e.body.unwrap_or_default(),
        })
        .collect();
    let statuses = case
        .observed_status
        .as_deref()
        .map(|s| {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let report_id = uuid::Uuid::new_v4();
    let input = NoticeInput {
        case_id: case.id.0,
        domain: case.domain.to_string(),
        domain_unicode: case.domain.to_unicode(),
        urls,
        brand: case.brand.clone(),
        category: case.category,
        tlp: case.tlp,
        first_reported_at: case.first_reported_at,
        statuses,
        registrar: case.registrar.clone(),
        party: party.party.clone(),
        reporter: Reporter {
            org: req.org.clone().unwrap_or_else(|| sender_domain.clone()),
            contact: from.email.to_string(),
            domain: sender_domain.clone(),
        },
        lang: req.lang,
        evidence,
        report_id,
        now: req.now,
    };
    let notice =
        notify::render_notice(&input).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let message_id = format!("case-{}.{}@{}", case.id, report_id.simple(), sender_domain);
    let message = build_message(&from, &to, &notice, &message_id, req.now)?;
    Ok(PreparedNotice {
        case,
        party,
        notice,
        message,
        message_id,
        from,
        to,
        lang: req.lang,
        earlier: notes,
        now: req.now,
    })
}

/// The e-mail: the text, and the X-ARF report as `xarf.json`. Every header value goes through
/// lettre's typed headers (encoded words for non-ASCII; no raw header from the input).
fn build_message(
    from: &lettre::message::Mailbox,
    to: &lettre::message::Mailbox,
    notice: &notify::Notice,
    message_id: &str,
    now: Timestamp,
) -> Result<lettre::Message, ServiceError> {
    use lettre::message::header::{ContentType, HeaderName, HeaderValue};
    use lettre::message::{Attachment, MultiPart, SinglePart};
    let when = std::time::SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(now.as_second()).unwrap_or(0));
    let json = serde_json::to_string_pretty(&notice.xarf)
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let json_type = ContentType::parse("application/json; charset=utf-8")
        .map_err(|e| ServiceError::Internal(format!("content type: {e}")))?;
    lettre::Message::builder()
        .from(from.clone())
        .reply_to(from.clone())
        .to(to.clone())
        .subject(notice.subject.clone())
        .message_id(Some(format!("<{message_id}>")))
        .date(when)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-ARF"),
            "yes".into(),
        ))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(notice.text.clone()))
                .singlepart(Attachment::new("xarf.json".into()).body(json, json_type)),
        )
        .map_err(|e| ServiceError::Internal(format!("build the notification: {e}")))
}

/// How a notification goes out.
#[derive(Debug, Clone, Copy)]
pub enum Delivery<'a> {
    /// Over SMTP.
    Smtp(&'a SmtpRelay),
    /// As an `.eml` file in this directory.
    Eml(&'a Path),
}

/// Sends the message or writes it; where it went (for [`record_notice`]).
pub async fn send_notice(
    p: &PreparedNotice,
    how: Delivery<'_>,
) -> Result<(Channel, Option<String>), ServiceError> {
    match how {
        Delivery::Smtp(relay) => {
            send_message(relay, p.message.clone())
                .await
                .map_err(|e| ServiceError::Network(format!("send via {relay}: {e}")))?;
            Ok((Channel::Smtp, None))
        }
        Delivery::Eml(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                ServiceError::Refused(format!("cannot create {}: {e}", dir.display()))
            })?;
            let path = dir.join(format!(
                "case-{}-{}-{}.eml",
                p.case.id,
                p.party.party.kind,
                p.earlier.len() + 1
            ));
            std::fs::write(&path, p.message.formatted()).map_err(|e| {
                ServiceError::Refused(format!("cannot write {}: {e}", path.display()))
            })?;
            Ok((Channel::Eml, Some(path.display().to_string())))
        }
    }
}

/// Records a notification that went out: the case moves to `notifying`, or to `escalated`
/// when an earlier party on the path was already asked (whose notifications become
/// `escalated`).
pub fn record_notice(
    store: &mut Store,
    p: &PreparedNotice,
    channel: Channel,
    location: Option<String>,
    follow_up_days: u32,
    who: &str,
) -> Result<store::StoredNotification, ServiceError> {
    let kind = p.party.party.kind;
    let path = escalation_path(p.case.service.is_some(), gtld(&p.case));
    let rank = |k: PartyKind| path.iter().position(|x| *x == k);
    let escalates = rank(kind).is_some_and(|r| {
        p.earlier
            .iter()
            .any(|n| rank(n.party_kind).is_some_and(|pr| pr < r))
    });
    let to_state = if escalates {
        CaseState::Escalated
    } else {
        CaseState::Notifying
    };
    Ok(store.record_notification(
        &NewNotification {
            case_id: p.case.id,
            party_id: p.party.id,
            sent_at: p.now,
            channel,
            message_id: p.message_id.clone(),
            subject: p.notice.subject.clone(),
            lang: p.lang.as_str().into(),
            follow_up_due: p
                .now
                .checked_add(jiff::SignedDuration::from_hours(
                    24 * i64::from(follow_up_days),
                ))
                .unwrap_or(p.now),
            location,
        },
        Some(to_state),
        escalates,
        who,
    )?)
}

/// What attaching a reply did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Replied {
    pub notification: store::StoredNotification,
    pub evidence: store::StoredEvidence,
}

/// Attaches a party's reply (an RFC 5322 message) to its notification: matched by
/// `In-Reply-To`/`References`, else by `party`, else by the sender's address; stored as
/// evidence; the notification becomes `acknowledged` or `replied`.
pub fn attach_reply(
    store: &mut Store,
    case: CaseId,
    bytes: &[u8],
    party: Option<PartyKind>,
    who: &str,
) -> Result<Replied, ServiceError> {
    let msg = mail_parser::MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| ServiceError::Refused("not an e-mail message".into()))?;
    let subject = notify::one_line(msg.subject().unwrap_or(""), 300);
    let text: String = msg
        .body_text(0)
        .map(|t| t.chars().take(100_000).collect())
        .unwrap_or_default();
    let from_addr = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| a.to_ascii_lowercase());
    let mut refs: Vec<String> = Vec::new();
    for id in msg.in_reply_to().as_text_list().unwrap_or_default() {
        refs.push(id.to_string());
    }
    for id in msg.references().as_text_list().unwrap_or_default() {
        refs.push(id.to_string());
    }
    let notes = store.notifications(case)?;
    let by_ref = refs.iter().find_map(|r| {
        let r = r.trim().trim_start_matches('<').trim_end_matches('>');
        notes.iter().find(|n| n.message_id == r)
    });
    let target = by_ref
        .or_else(|| party.and_then(|k| notes.iter().rev().find(|n| n.party_kind == k)))
        .or_else(|| {
            from_addr.as_deref().and_then(|f| {
                notes
                    .iter()
                    .rev()
                    .find(|n| n.contact.eq_ignore_ascii_case(f))
            })
        })
        .ok_or_else(|| {
            ServiceError::Refused(format!(
                "the reply names no notification of case {case} (no In-Reply-To or References, \
                 and its sender is no notified party): give the party"
            ))
        })?
        .clone();
    let at = msg
        .date()
        .and_then(|d| d.to_rfc3339().parse::<Timestamp>().ok())
        .unwrap_or_else(Timestamp::now);
    let state = if notify::is_acknowledgement(&subject, &text) {
        NotificationState::Acknowledged
    } else {
        NotificationState::Replied
    };
    let (evidence, _) = store.add_evidence(
        case,
        "reply",
        &format!(
            "{} <{}>",
            target.party_kind,
            from_addr.as_deref().unwrap_or("?")
        ),
        "message/rfc822",
        bytes,
        at,
        who,
    )?;
    let first_line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(|l| notify::one_line(l, 200))
        .unwrap_or_default();
    let summary = format!("{subject:?}: {first_line} (sha256 {})", evidence.sha256);
    let notification = store.answer_notification(target.id, state, at, &summary, who)?;
    Ok(Replied {
        notification,
        evidence,
    })
}
