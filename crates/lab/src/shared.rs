//! State shared by every lab server: the clock, the world view, the mailbox and abuse desks,
//! per-client rate limits.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use crate::dns::DnsView;
use crate::scenario::{Desk, DeskAction, RateLimit, Scenario};
use crate::state::{self, AppliedEvent, DeskActionTaken, DomainState, TakenKind};

/// Most messages kept in the mailbox.
const MAX_MAILBOX: usize = 10_000;

/// The world at the lab's current time.
#[derive(Debug)]
pub(crate) struct View {
    pub day: i64,
    pub date: Date,
    pub now: Timestamp,
    pub domains: BTreeMap<String, DomainState>,
    pub dns: DnsView,
}

/// Who sent or received a mail in the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailDirection {
    /// Received by the SMTP sink.
    Inbound,
    /// Written by an abuse desk in reply.
    DeskReply,
}

/// One message in the lab mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MailMessage {
    pub id: u64,
    pub day: i64,
    pub date: String,
    pub direction: MailDirection,
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The desk (party id) that received or wrote it.
    pub desk: Option<String>,
    /// The scenario domain the message is about, when one was recognised.
    pub domain: Option<String>,
}

#[derive(Debug, Clone)]
struct PendingDesk {
    due: i64,
    party: String,
    kind: PartyKind,
    desk: Desk,
    domain: Option<String>,
    reply_to: String,
    subject: String,
    ticket: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartyKind {
    Registry,
    Registrar,
    Hoster,
}

#[derive(Debug, Default)]
struct Inner {
    day: i64,
    actions: Vec<DeskActionTaken>,
    pending: Vec<PendingDesk>,
    mailbox: Vec<MailMessage>,
    next_id: u64,
}

/// The result of moving the clock.
#[derive(Debug, Clone, Serialize)]
pub struct AdvanceOutcome {
    pub now: String,
    pub day: i64,
    pub events: Vec<AppliedEvent>,
}

/// How many requests the lab's servers received, per service (`GET /requests`): what a
/// client's politeness costs, counted by the peer rather than by the client.
#[derive(Debug, Default)]
pub(crate) struct Requests {
    /// DNS messages (UDP and TCP).
    pub dns: std::sync::atomic::AtomicU64,
    /// RDAP requests (registries, registrars, the RIR) and bootstrap files.
    pub rdap: std::sync::atomic::AtomicU64,
    /// WHOIS connections.
    pub whois: std::sync::atomic::AtomicU64,
    /// Web site requests (HTTP and HTTPS).
    pub web: std::sync::atomic::AtomicU64,
}

impl Requests {
    pub fn count(counter: &std::sync::atomic::AtomicU64) {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn json(&self) -> serde_json::Value {
        let get = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
        serde_json::json!({
            "dns": get(&self.dns),
            "rdap": get(&self.rdap),
            "whois": get(&self.whois),
            "web": get(&self.web),
        })
    }
}

pub(crate) struct Shared {
    pub scenario: Arc<Scenario>,
    pub requests: Arc<Requests>,
    inner: Mutex<Inner>,
    view: RwLock<Arc<View>>,
    limiter: Mutex<HashMap<(String, IpAddr), (Instant, u32)>>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Shared {
    pub fn new(scenario: Arc<Scenario>, shutdown: tokio::sync::watch::Receiver<bool>) -> Self {
        let view = build_view(&scenario, 0, &[]);
        Shared {
            scenario,
            requests: Arc::new(Requests::default()),
            inner: Mutex::new(Inner::default()),
            view: RwLock::new(Arc::new(view)),
            limiter: Mutex::new(HashMap::new()),
            shutdown,
        }
    }

    /// The current view.
    pub fn view(&self) -> Arc<View> {
        match self.view.read() {
            Ok(v) => v.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn publish(&self, inner: &Inner) {
        let v = Arc::new(build_view(&self.scenario, inner.day, &inner.actions));
        match self.view.write() {
            Ok(mut w) => *w = v,
            Err(p) => *p.into_inner() = v,
        }
    }

    /// Moves the clock forward by `days` (0 allowed: re-applies due desk work).
    pub fn advance(&self, days: i64) -> AdvanceOutcome {
        let days = days.clamp(0, 36_500);
        let mut inner = self.lock();
        let from = inner.day;
        let to = (from + days).min(36_500);
        // Desk work falling due in (from, to]: in day order.
        inner.day = to;
        let mut due: Vec<PendingDesk> = Vec::new();
        inner.pending.retain(|p| {
            if p.due <= to {
                due.push(p.clone());
                false
            } else {
                true
            }
        });
        due.sort_by_key(|p| (p.due, p.ticket));
        for p in due {
            self.desk_act(&mut inner, p);
        }
        let events = state::events_between(&self.scenario, from, to, &inner.actions);
        self.publish(&inner);
        AdvanceOutcome {
            now: now_of(&self.scenario, to).to_string(),
            day: to,
            events,
        }
    }

    /// The events of the next `days` days as things stand (no new desk actions).
    pub fn timeline(&self, days: i64) -> Vec<AppliedEvent> {
        let (day, actions) = {
            let inner = self.lock();
            (inner.day, inner.actions.clone())
        };
        let to = (day + days.clamp(0, 36_500)).min(36_500);
        state::events_between(&self.scenario, day, to, &actions)
    }

    pub fn day(&self) -> i64 {
        self.lock().day
    }

    pub fn mailbox(&self) -> Vec<MailMessage> {
        self.lock().mailbox.clone()
    }

    /// Records an inbound message and lets the addressed desks handle it.
    pub fn deliver(&self, from: &str, to: &[String], subject: &str, body: &str) {
        let mut inner = self.lock();
        let day = inner.day;
        let domain = find_domain(&self.scenario, &format!("{subject}\n{body}"));
        let parties: Vec<(String, PartyKind, Desk)> =
            to.iter().filter_map(|rcpt| self.desk_for(rcpt)).collect();
        let id = next_id(&mut inner);
        push_mail(
            &mut inner,
            MailMessage {
                id,
                day,
                date: now_of(&self.scenario, day).to_string(),
                direction: MailDirection::Inbound,
                from: from.to_string(),
                to: to.to_vec(),
                subject: subject.to_string(),
                body: body.to_string(),
                desk: parties.first().map(|p| p.0.clone()),
                domain: domain.clone(),
            },
        );
        let mut changed = false;
        for (party, kind, desk) in parties {
            let ticket = next_id(&mut inner);
            if desk.acknowledge {
                let text = format!(
                    "Thank you for your report. It has been registered as ticket #{ticket}.\n\
                     Domain: {}\nWe will review it and take appropriate action.\n",
                    domain.as_deref().unwrap_or("(not recognised)")
                );
                reply(
                    &self.scenario,
                    &mut inner,
                    &desk,
                    &party,
                    from,
                    &format!("[#{ticket}] Received: {subject}"),
                    &text,
                    domain.clone(),
                );
            }
            let p = PendingDesk {
                due: day + i64::from(desk.delay_days),
                party,
                kind,
                desk,
                domain: domain.clone(),
                reply_to: from.to_string(),
                subject: subject.to_string(),
                ticket,
            };
            if p.due <= day {
                self.desk_act(&mut inner, p);
                changed = true;
            } else {
                inner.pending.push(p);
            }
        }
        if changed {
            self.publish(&inner);
        }
    }

    fn desk_for(&self, rcpt: &str) -> Option<(String, PartyKind, Desk)> {
        let s = &self.scenario;
        let eq = |d: &Option<Desk>| {
            d.as_ref()
                .filter(|d| d.email.eq_ignore_ascii_case(rcpt))
                .cloned()
        };
        s.registries
            .iter()
            .find_map(|r| eq(&r.desk).map(|d| (r.id.clone(), PartyKind::Registry, d)))
            .or_else(|| {
                s.registrars
                    .iter()
                    .find_map(|r| eq(&r.desk).map(|d| (r.id.clone(), PartyKind::Registrar, d)))
            })
            .or_else(|| {
                s.hosters
                    .iter()
                    .find_map(|h| eq(&h.desk).map(|d| (h.id.clone(), PartyKind::Hoster, d)))
            })
    }

    fn desk_act(&self, inner: &mut Inner, p: PendingDesk) {
        let s = &self.scenario;
        let subject = format!("Re: [#{}] {}", p.ticket, p.subject);
        let Some(domain) = p.domain.clone() else {
            if p.desk.action != DeskAction::None {
                let text = "We could not identify a domain name under our responsibility in \
                            your report. Please send the exact domain name and evidence.\n";
                reply(
                    s,
                    inner,
                    &p.desk,
                    &p.party,
                    &p.reply_to,
                    &subject,
                    text,
                    None,
                );
            }
            return;
        };
        let day = p.due.max(0);
        let st = state::domain_state(s, &domain, day, &inner.actions);
        let responsible = st.as_ref().is_some_and(|st| {
            st.exists()
                && match p.kind {
                    PartyKind::Registry => st.registry == p.party,
                    PartyKind::Registrar => st.registrar == p.party,
                    PartyKind::Hoster => s.hoster(&p.party).is_some_and(|h| {
                        h.nameservers
                            .iter()
                            .any(|n| st.nameservers.contains(&n.name))
                    }),
                }
        });
        let (text, taken) = match p.desk.action {
            DeskAction::None => return,
            DeskAction::MoreInfo => (
                format!(
                    "Regarding {domain}: we need more information to act. Please provide the \
                     full URL, a screenshot, the time you observed the content and the full \
                     headers of any related e-mail.\n"
                ),
                None,
            ),
            _ if !responsible => (
                format!("{domain} is not under our management; we cannot act on it.\n"),
                None,
            ),
            DeskAction::Suspend => {
                let kind = match p.kind {
                    PartyKind::Registry => TakenKind::ServerHold,
                    PartyKind::Registrar => TakenKind::ClientHold,
                    PartyKind::Hoster => TakenKind::ZoneRemoved,
                };
                let what = match kind {
                    TakenKind::ServerHold => "placed on serverHold",
                    TakenKind::ClientHold => "placed on clientHold",
                    _ => "removed from our name servers",
                };
                (
                    format!("Action taken: {domain} has been {what}.\n"),
                    Some(kind),
                )
            }
            DeskAction::Delete => (
                format!("Action taken: the registration of {domain} has been deleted.\n"),
                Some(TakenKind::Delete),
            ),
        };
        if let Some(kind) = taken {
            inner.actions.push(DeskActionTaken {
                day,
                domain: domain.clone(),
                kind,
                by: p.party.clone(),
            });
        }
        let saved_day = inner.day;
        inner.day = day;
        reply(
            s,
            inner,
            &p.desk,
            &p.party,
            &p.reply_to,
            &subject,
            &text,
            Some(domain),
        );
        inner.day = saved_day;
    }

    /// Per-client rate limit: `Err(retry_after_secs)` when exceeded.
    pub fn rate_check(&self, server: &str, client: IpAddr, rl: &RateLimit) -> Result<(), u64> {
        let mut m = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let window = Duration::from_secs(rl.window_secs);
        if m.len() > 100_000 {
            m.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let e = m.entry((server.to_string(), client)).or_insert((now, 0));
        if now.duration_since(e.0) >= window {
            *e = (now, 0);
        }
        if e.1 >= rl.limit {
            let left = window.saturating_sub(now.duration_since(e.0));
            return Err(left.as_secs().max(1));
        }
        e.1 += 1;
        Ok(())
    }

    /// Waits until the lab shuts down (or `max` passes): how unresponsive servers "answer".
    pub async fn hang(&self, max: Duration) {
        let mut rx = self.shutdown.clone();
        let _ = tokio::time::timeout(max, rx.wait_for(|v| *v)).await;
    }

    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.shutdown.clone()
    }
}

fn next_id(inner: &mut Inner) -> u64 {
    inner.next_id += 1;
    inner.next_id
}

fn push_mail(inner: &mut Inner, m: MailMessage) {
    if inner.mailbox.len() >= MAX_MAILBOX {
        inner.mailbox.remove(0);
    }
    inner.mailbox.push(m);
}

#[allow(clippy::too_many_arguments)]
fn reply(
    s: &Scenario,
    inner: &mut Inner,
    desk: &Desk,
    party: &str,
    to: &str,
    subject: &str,
    text: &str,
    domain: Option<String>,
) {
    let id = next_id(inner);
    let day = inner.day;
    push_mail(
        inner,
        MailMessage {
            id,
            day,
            date: now_of(s, day).to_string(),
            direction: MailDirection::DeskReply,
            from: desk.email.clone(),
            to: vec![to.to_string()],
            subject: subject.to_string(),
            body: text.to_string(),
            desk: Some(party.to_string()),
            domain,
        },
    );
}

/// The lab's "now" at `day`: 00:00 UTC of that date.
pub(crate) fn now_of(s: &Scenario, day: i64) -> Timestamp {
    state::date_of(s, day)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn build_view(s: &Scenario, day: i64, actions: &[DeskActionTaken]) -> View {
    let domains = state::world(s, day, actions);
    let date = state::date_of(s, day);
    let serial = u32::try_from(
        i64::from(date.year()) * 1_000_000
            + i64::from(date.month()) * 10_000
            + i64::from(date.day()) * 100
            + 1,
    )
    .unwrap_or(1);
    let now = now_of(s, day);
    let dns = crate::dns::build_view(s, serial, now.as_second(), &domains);
    View {
        day,
        date,
        now,
        domains,
        dns,
    }
}

/// The first scenario domain named in `text` (defanged `[.]` accepted), longest name first.
pub(crate) fn find_domain(s: &Scenario, text: &str) -> Option<String> {
    let text: String = text
        .chars()
        .take(200_000)
        .collect::<String>()
        .to_ascii_lowercase()
        .replace("[.]", ".")
        .replace("(.)", ".")
        .replace("hxxp", "http");
    let mut best: Option<(usize, usize, &str)> = None;
    for d in &s.domains {
        let mut from = 0;
        while let Some(pos) = text.get(from..).and_then(|t| t.find(d.name.as_str())) {
            let start = from + pos;
            let end = start + d.name.len();
            let before_ok = start == 0
                || !text.as_bytes()[start - 1].is_ascii_alphanumeric()
                    && text.as_bytes()[start - 1] != b'-';
            let b = text.as_bytes();
            let after_ok = match b.get(end) {
                None => true,
                Some(c) if c.is_ascii_alphanumeric() || *c == b'-' => false,
                Some(b'.') => !b.get(end + 1).is_some_and(|c| c.is_ascii_alphanumeric()),
                Some(_) => true,
            };
            if after_ok && (before_ok || text.as_bytes()[start - 1] == b'.') {
                let cand = (start, usize::MAX - d.name.len(), d.name.as_str());
                if best.is_none_or(|b| (cand.0, cand.1) < (b.0, b.1)) {
                    best = Some(cand);
                }
                break;
            }
            from = start + 1;
        }
    }
    best.map(|b| b.2.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scenario() -> Scenario {
        Scenario::builtin("default").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn finds_the_reported_domain() {
        let s = scenario();
        assert_eq!(
            find_domain(&s, "see hxxps://www.ucscard.co.jp.okiae[.]com/login").as_deref(),
            Some("okiae.com")
        );
        assert_eq!(
            find_domain(&s, "UCS-CARD.TOP.").as_deref(),
            Some("ucs-card.top")
        );
        assert_eq!(find_domain(&s, "xucs-card.top"), None);
        assert_eq!(find_domain(&s, "nothing here"), None);
    }

    proptest! {
        #[test]
        fn find_domain_never_panics(text in "\\PC{0,400}") {
            static S: std::sync::OnceLock<Scenario> = std::sync::OnceLock::new();
            let _ = find_domain(S.get_or_init(scenario), &text);
        }
    }
}
