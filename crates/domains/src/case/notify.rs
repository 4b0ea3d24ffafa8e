//! Who to tell about a case, what to send them, and what the registration shows afterwards.
//!
//! - [`PartyKind`], [`Party`], [`escalation_path`]: the parties of a case (registrar,
//!   registry, hosting network, subdomain-service operator, ICANN compliance) and the order in
//!   which they are asked: registrar, then registry, then ICANN compliance for gTLDs only; the
//!   hosting network in parallel; for an account under a subdomain service or dynamic DNS
//!   provider, the service operator first.
//! - [`render_notice`]: the notification e-mail (English or Japanese, from templates) and its
//!   X-ARF v4 JSON attachment (`content`/`phishing` and friends, evidence embedded with its
//!   sha256). Everything from a report or a server is hostile: the subject is one line of
//!   printable characters, the body is plain text, nothing is interpreted.
//! - [`observe`]: what a registration and the DNS say about mitigation (registry `serverHold`,
//!   registrar `clientHold`, deleted, NXDOMAIN, content gone) and who acted.

use std::fmt::Write as _;

use base64::Engine as _;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{Category, Tlp};
use crate::dns::DnsOutcome;
use crate::registration::{EppStatus, Lookup, RegistrationRecord};

/// Who may be asked to act on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartyKind {
    /// The sponsoring registrar (abuse contact from RDAP or WHOIS).
    Registrar,
    /// The TLD operator (from IANA's root zone database).
    Registry,
    /// The network the name's address is in (the RIR's `abuse` entity).
    Hosting,
    /// The operator of a subdomain service or dynamic DNS provider.
    Service,
    /// ICANN Contractual Compliance: the last step for gTLDs.
    Icann,
}

impl PartyKind {
    pub const ALL: [PartyKind; 5] = [
        PartyKind::Registrar,
        PartyKind::Registry,
        PartyKind::Hosting,
        PartyKind::Service,
        PartyKind::Icann,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            PartyKind::Registrar => "registrar",
            PartyKind::Registry => "registry",
            PartyKind::Hosting => "hosting",
            PartyKind::Service => "service",
            PartyKind::Icann => "icann",
        }
    }

    pub fn parse(s: &str) -> Option<PartyKind> {
        PartyKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for PartyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// ICANN's complaint form for registrar and registry obligations (gTLDs): not an e-mail.
pub const ICANN_COMPLIANCE: &str = "https://www.icann.org/compliance/complaint";

/// A party of a case and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub kind: PartyKind,
    /// The organisation, as its source names it.
    pub name: Option<String>,
    /// An e-mail address, or a URL (a web form) where there is none.
    pub contact: String,
    /// Where the contact came from: `rdap`, `whois`, `iana`, `rir`, `rfc2142`, `manual`.
    pub source: String,
}

impl Party {
    /// The contact as a mailbox when it is one.
    pub fn email(&self) -> Option<&str> {
        valid_email(&self.contact).then_some(self.contact.as_str())
    }
}

/// A plausible single mailbox: `local@domain`, printable ASCII, no spaces, angle brackets,
/// commas or quotes (what a registry publishes; anything else is not mailed).
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && domain.len() <= 253
        && s.bytes().all(|b| {
            b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b',' | b'"' | b'(' | b')' | b';')
        })
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// The order parties are asked in: the first is asked first, the next when the previous did
/// not act by its follow-up date. The hosting network is asked in parallel (not in the path).
pub fn escalation_path(under_service: bool, gtld: bool) -> Vec<PartyKind> {
    let mut path = Vec::new();
    if under_service {
        path.push(PartyKind::Service);
    }
    path.push(PartyKind::Registrar);
    path.push(PartyKind::Registry);
    if gtld {
        path.push(PartyKind::Icann);
    }
    path
}

/// The first party of `path` not yet notified and known (has a contact).
pub fn next_party(
    path: &[PartyKind],
    notified: &[PartyKind],
    known: &[PartyKind],
) -> Option<PartyKind> {
    path.iter()
        .copied()
        .find(|k| !notified.contains(k) && known.contains(k))
}

/// The language of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn as_str(&self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Some(Lang::En),
            "ja" | "jp" | "japanese" => Some(Lang::Ja),
            _ => None,
        }
    }
}

/// Who sends notifications (the CSIRT): the X-ARF `reporter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    pub org: String,
    /// The sender address.
    pub contact: String,
    /// The organisation's domain.
    pub domain: String,
}

/// One piece of evidence to cite (and embed in the X-ARF report when small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceItem {
    /// `rdap`, `whois`, `dns`, `http`, `reply`, ...
    pub kind: String,
    /// The server or URL it came from.
    pub source: String,
    pub content_type: String,
    pub sha256: String,
    pub taken_at: Timestamp,
    pub body: Vec<u8>,
}

/// Evidence bodies larger than this are cited, not embedded.
pub const MAX_EMBEDDED_EVIDENCE: usize = 256 * 1024;

/// At most this many URLs are listed in one notification.
pub const MAX_NOTICE_URLS: usize = 50;

/// What a notification is about.
#[derive(Debug, Clone)]
pub struct NoticeInput {
    pub case_id: i64,
    /// The case's domain as an A-label.
    pub domain: String,
    /// The same in Unicode (U-label) when it differs.
    pub domain_unicode: String,
    pub urls: Vec<String>,
    pub brand: Option<String>,
    pub category: Category,
    pub tlp: Tlp,
    pub first_reported_at: Timestamp,
    /// EPP statuses seen at enrichment, for the reader.
    pub statuses: Vec<String>,
    pub registrar: Option<String>,
    pub party: Party,
    pub reporter: Reporter,
    pub lang: Lang,
    pub evidence: Vec<EvidenceItem>,
    /// The X-ARF `report_id`.
    pub report_id: uuid::Uuid,
    pub now: Timestamp,
}

/// A rendered notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// One line of printable characters.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// The X-ARF v4 report.
    pub xarf: serde_json::Value,
}

/// A template that could not be rendered (a bug in a template, not in the input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification template: {0}")]
pub struct NoticeError(String);

/// One line of at most `max` printable characters: control characters (CR, LF, tabs, bidi
/// overrides and other format characters) become spaces, runs of spaces collapse.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in s.chars() {
        let bad = c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}');
        if bad || c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if out.chars().count() >= max {
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// `http://x.example/a` -> `hxxp://x[.]example/a`: readable, not clickable.
pub fn defang(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, url),
    };
    let (host, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = host.replace('.', "[.]");
    match scheme {
        Some(s) => {
            let s = s.replacen("http", "hxxp", 1);
            format!("{s}://{host}{path}")
        }
        None => format!("{host}{path}"),
    }
}

const TEMPLATE_EN: &str = include_str!("templates/notice.en.txt");
const TEMPLATE_JA: &str = include_str!("templates/notice.ja.txt");

fn category_words(c: Category, lang: Lang) -> &'static str {
    match (lang, c) {
        (Lang::En, Category::Phishing) => "phishing",
        (Lang::En, Category::Malware) => "malware distribution",
        (Lang::En, Category::C2) => "malware command and control",
        (Lang::En, Category::Spam) => "spam",
        (Lang::En, Category::Other) => "abuse",
        (Lang::Ja, Category::Phishing) => "フィッシングサイト",
        (Lang::Ja, Category::Malware) => "マルウェア配布サイト",
        (Lang::Ja, Category::C2) => "マルウェアの指令サーバ",
        (Lang::Ja, Category::Spam) => "スパム",
        (Lang::Ja, Category::Other) => "不正利用",
    }
}

fn ask_words(kind: PartyKind, lang: Lang) -> &'static str {
    match (lang, kind) {
        (Lang::En, PartyKind::Registrar) => {
            "As the sponsoring registrar, please suspend the domain name (clientHold) or take \
             other appropriate action under your registration agreement."
        }
        (Lang::En, PartyKind::Registry) => {
            "As the registry operator of the TLD, please suspend the domain name (serverHold) \
             or take other appropriate action under your abuse policy."
        }
        (Lang::En, PartyKind::Hosting) => {
            "The name resolves to an address in your network: please stop the content or the \
             service it uses."
        }
        (Lang::En, PartyKind::Service) => {
            "The host name is an account on your service: please disable the account or its \
             content."
        }
        (Lang::En, PartyKind::Icann) => {
            "The registrar and the registry were notified and did not act; we ask ICANN \
             Contractual Compliance to review their abuse obligations."
        }
        (Lang::Ja, PartyKind::Registrar) => {
            "スポンサーレジストラとして、当該ドメイン名の利用停止（clientHold）など適切な対応をお願いいたします。"
        }
        (Lang::Ja, PartyKind::Registry) => {
            "当該TLDのレジストリとして、当該ドメイン名の利用停止（serverHold）など適切な対応をお願いいたします。"
        }
        (Lang::Ja, PartyKind::Hosting) => {
            "当該ドメイン名は貴ネットワーク内のアドレスを指しています。コンテンツの停止など適切な対応をお願いいたします。"
        }
        (Lang::Ja, PartyKind::Service) => {
            "当該ホスト名は貴サービスのアカウントです。アカウントまたはコンテンツの停止をお願いいたします。"
        }
        (Lang::Ja, PartyKind::Icann) => {
            "レジストラおよびレジストリに通知しましたが対応がありません。契約遵守状況の確認をお願いいたします。"
        }
    }
}

fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The notification for `input`: subject, text and X-ARF report.
pub fn render_notice(input: &NoticeInput) -> Result<Notice, NoticeError> {
    let lang = input.lang;
    let brand = input.brand.as_deref().map(|b| one_line(b, 80));
    let what = category_words(input.category, lang);
    let domain_shown = if input.domain_unicode != input.domain {
        format!("{} ({})", input.domain_unicode, input.domain)
    } else {
        input.domain.clone()
    };
    let subject = match lang {
        Lang::En => {
            let mut s = format!(
                "[case {}] {}: {}",
                input.case_id,
                capitalise(what),
                input.domain
            );
            if let Some(b) = &brand {
                let _ = write!(s, " imitating {b}");
            }
            let _ = write!(s, " (TLP:{})", input.tlp.as_str().to_ascii_uppercase());
            s
        }
        Lang::Ja => format!(
            "【{}停止のお願い】{} [case {}] (TLP:{})",
            what,
            input.domain,
            input.case_id,
            input.tlp.as_str().to_ascii_uppercase()
        ),
    };
    let subject = one_line(&subject, 200);
    let urls: Vec<String> = input
        .urls
        .iter()
        .take(MAX_NOTICE_URLS)
        .map(|u| defang(&one_line(u, 2000)))
        .collect();
    let evidence: Vec<serde_json::Value> = input
        .evidence
        .iter()
        .map(|e| {
            serde_json::json!({
                "kind": one_line(&e.kind, 40),
                "source": one_line(&e.source, 200),
                "sha256": e.sha256,
                "taken_at": ts(e.taken_at),
            })
        })
        .collect();
    let ctx = serde_json::json!({
        "case_id": input.case_id,
        "domain": domain_shown,
        "domain_ascii": input.domain,
        "what": what,
        "brand": brand,
        "tlp": input.tlp.as_str().to_ascii_uppercase(),
        "first_reported": ts(input.first_reported_at),
        "now": ts(input.now),
        "urls": urls,
        "more_urls": input.urls.len().saturating_sub(MAX_NOTICE_URLS),
        "statuses": input.statuses.iter().map(|s| one_line(s, 64)).collect::<Vec<_>>(),
        "registrar": input.registrar.as_deref().map(|r| one_line(r, 120)),
        "party_name": input.party.name.as_deref().map(|n| one_line(n, 120)),
        "ask": ask_words(input.party.kind, lang),
        "reporter_org": one_line(&input.reporter.org, 120),
        "reporter_contact": one_line(&input.reporter.contact, 120),
        "report_id": input.report_id.to_string(),
        "evidence": evidence,
    });
    let mut env = minijinja::Environment::new();
    // Plain text: nothing is escaped, nothing from the input is a template.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    let (name, src) = match lang {
        Lang::En => ("notice.en.txt", TEMPLATE_EN),
        Lang::Ja => ("notice.ja.txt", TEMPLATE_JA),
    };
    env.add_template(name, src)
        .map_err(|e| NoticeError(e.to_string()))?;
    let text = env
        .get_template(name)
        .and_then(|t| t.render(&ctx))
        .map_err(|e| NoticeError(e.to_string()))?;
    Ok(Notice {
        subject,
        text: plain_text(&text),
        xarf: xarf_report(input),
    })
}

/// Text with CRLF line ends and no other control characters (tabs become spaces).
fn plain_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 64);
    for line in s.lines() {
        for c in line.chars() {
            if c == '\t' {
                out.push(' ');
            } else if !c.is_control() {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The X-ARF v4 report of a notification (schema 4.2.0: `category`/`type` from the case's
/// category; the URL, domain, brand; the evidence embedded as base64 with its sha256).
pub fn xarf_report(input: &NoticeInput) -> serde_json::Value {
    let url = input
        .urls
        .first()
        .cloned()
        .unwrap_or_else(|| format!("http://{}/", input.domain));
    let reporter = serde_json::json!({
        "org": one_line(&input.reporter.org, 200),
        "contact": input.reporter.contact,
        "domain": input.reporter.domain,
    });
    let evidence: Vec<serde_json::Value> = input
        .evidence
        .iter()
        .filter(|e| e.body.len() <= MAX_EMBEDDED_EVIDENCE)
        .map(|e| {
            serde_json::json!({
                "content_type": e.content_type,
                "description": one_line(&format!("{} answer from {} at {}", e.kind, e.source, ts(e.taken_at)), 500),
                "payload": base64::engine::general_purpose::STANDARD.encode(&e.body),
                "hash": format!("sha256:{}", e.sha256),
                "size": e.body.len(),
            })
        })
        .collect();
    let mut v = serde_json::json!({
        "xarf_version": "4.2.0",
        "report_id": input.report_id.to_string(),
        "timestamp": ts(input.first_reported_at),
        "reporter": reporter.clone(),
        "sender": reporter,
        "source_identifier": input.domain,
        "evidence_source": "user_complaint",
        "domain": input.domain,
        "url": url,
        "evidence": evidence,
        "tags": [format!("tlp:{}", input.tlp.as_str()), format!("case:{}", input.case_id)],
    });
    let (category, kind) = match input.category {
        Category::Phishing => ("content", "phishing"),
        Category::Malware => ("content", "malware"),
        Category::C2 => ("infrastructure", "botnet"),
        Category::Spam | Category::Other => ("reputation", "threat_intelligence"),
    };
    if let Some(o) = v.as_object_mut() {
        o.insert("category".into(), category.into());
        o.insert("type".into(), kind.into());
        if let Some(b) = &input.brand {
            o.insert("target_brand".into(), one_line(b, 200).into());
        }
        match input.category {
            Category::C2 => {
                o.insert(
                    "compromise_evidence".into(),
                    "reported as a malware command-and-control domain".into(),
                );
                o.insert("c2_server".into(), input.domain.clone().into());
            }
            Category::Spam => {
                o.insert("threat_type".into(), "spam".into());
            }
            Category::Other => {
                o.insert("threat_type".into(), "other".into());
            }
            _ => {}
        }
    }
    v
}

/// What an observation of a case's name shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Observed {
    /// The registry put the name on `serverHold`.
    ServerHold,
    /// The registrar put the name on `clientHold`.
    ClientHold,
    /// The registration is gone (RDAP 404, WHOIS "No match").
    Deleted,
    /// Registered, not on hold, but the name does not resolve (the zone was removed).
    NxDomain,
    /// Resolves, but the web content is gone (the site answers 404/410 or not at all).
    ContentGone,
    /// Still up.
    Active,
    /// Nothing could be concluded (rate limited, timeouts).
    Unknown,
}

impl Observed {
    pub fn as_str(&self) -> &'static str {
        match self {
            Observed::ServerHold => "server-hold",
            Observed::ClientHold => "client-hold",
            Observed::Deleted => "deleted",
            Observed::NxDomain => "nxdomain",
            Observed::ContentGone => "content-gone",
            Observed::Active => "active",
            Observed::Unknown => "unknown",
        }
    }

    /// Whether this counts as mitigated.
    pub fn is_mitigated(&self) -> bool {
        !matches!(self, Observed::Active | Observed::Unknown)
    }
}

/// The outcome of one observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Observation {
    pub observed: Observed,
    /// Who acted, when it can be told.
    pub actor: Option<PartyKind>,
    /// The EPP statuses seen.
    pub statuses: Vec<String>,
    pub detail: String,
}

/// What the site answered, for [`observe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteState {
    /// Not fetched.
    NotChecked,
    /// An HTTP status.
    Status(u16),
    /// No answer (refused, reset, timed out).
    NoAnswer,
}

/// What a registration record, the DNS answer for the name and the site say. `notified` are
/// the parties notified so far: a deletion or a removed zone is credited to the one that can
/// do it (the registrar or registry for a deletion, the hosting network or service for a zone
/// or content).
pub fn observe(
    registry: Option<&RegistrationRecord>,
    registrar: Option<&RegistrationRecord>,
    dns: Option<&DnsOutcome>,
    site: SiteState,
    notified: &[PartyKind],
) -> Observation {
    let statuses: Vec<String> = registry
        .into_iter()
        .chain(registrar)
        .flat_map(|r| r.statuses.iter().map(|s| s.to_string()))
        .fold(Vec::new(), |mut v, s| {
            if !v.contains(&s) {
                v.push(s);
            }
            v
        });
    let has = |st: &EppStatus| {
        registry
            .into_iter()
            .chain(registrar)
            .any(|r| r.statuses.contains(st))
    };
    let obs = |observed, actor, detail: String| Observation {
        observed,
        actor,
        statuses: statuses.clone(),
        detail,
    };
    if has(&EppStatus::ServerHold) {
        return obs(
            Observed::ServerHold,
            Some(PartyKind::Registry),
            "the registry placed the name on serverHold".into(),
        );
    }
    if has(&EppStatus::ClientHold) {
        return obs(
            Observed::ClientHold,
            Some(PartyKind::Registrar),
            "the registrar placed the name on clientHold".into(),
        );
    }
    let first = |kinds: &[PartyKind]| kinds.iter().copied().find(|k| notified.contains(k));
    match registry.map(|r| &r.lookup) {
        Some(Lookup::NotFound) => {
            return obs(
                Observed::Deleted,
                first(&[PartyKind::Registrar, PartyKind::Registry]),
                "the registration was deleted".into(),
            );
        }
        Some(Lookup::RateLimited { .. } | Lookup::Unreadable { .. }) | None => {
            return obs(
                Observed::Unknown,
                None,
                "the registration could not be read".into(),
            );
        }
        Some(Lookup::Registered | Lookup::Reserved) => {}
    }
    observe_host(dns, site, notified, statuses)
}

/// What the DNS and the site say, without a registration to read: for accounts under a
/// subdomain service or dynamic DNS provider (the registration is the service's own).
pub fn observe_host(
    dns: Option<&DnsOutcome>,
    site: SiteState,
    notified: &[PartyKind],
    statuses: Vec<String>,
) -> Observation {
    let first = |kinds: &[PartyKind]| kinds.iter().copied().find(|k| notified.contains(k));
    let obs = |observed, actor, detail: String| Observation {
        observed,
        actor,
        statuses: statuses.clone(),
        detail,
    };
    let zone = [PartyKind::Hosting, PartyKind::Service, PartyKind::Registrar];
    match dns {
        Some(DnsOutcome::NxDomain) => {
            return obs(
                Observed::NxDomain,
                first(&zone),
                "the name no longer resolves (NXDOMAIN)".into(),
            );
        }
        Some(DnsOutcome::Refused) => {
            return obs(
                Observed::NxDomain,
                first(&zone),
                "the name servers no longer serve the zone (REFUSED)".into(),
            );
        }
        _ => {}
    }
    match site {
        SiteState::Status(404 | 410 | 451) | SiteState::NoAnswer => obs(
            Observed::ContentGone,
            first(&[PartyKind::Hosting, PartyKind::Service]),
            match site {
                SiteState::Status(s) => format!("the site answers HTTP {s}"),
                _ => "the site does not answer".into(),
            },
        ),
        _ => obs(Observed::Active, None, "resolving, not on hold".into()),
    }
}

/// Whether a reply only acknowledges receipt (an auto-reply or a ticket number) rather than
/// reporting an action or asking for more.
pub fn is_acknowledgement(subject: &str, text: &str) -> bool {
    let s = format!("{subject}\n{}", text.chars().take(2000).collect::<String>()).to_lowercase();
    let acted = [
        "action taken",
        "suspended",
        "serverhold",
        "clienthold",
        "has been deleted",
        "removed",
        "not under our management",
        "need more information",
        "停止しました",
        "削除しました",
    ];
    if acted.iter().any(|w| s.contains(w)) {
        return false;
    }
    [
        "received",
        "thank you for your report",
        "ticket",
        "auto-reply",
        "automatic reply",
        "受け付け",
        "受付",
    ]
    .iter()
    .any(|w| s.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DomainName;
    use crate::registration::SourceKind;

    fn input(lang: Lang) -> NoticeInput {
        NoticeInput {
            case_id: 7,
            domain: "ucs-card.top".into(),
            domain_unicode: "ucs-card.top".into(),
            urls: vec!["https://ucs-card.top/login?id=1".into()],
            brand: Some("UCS Card".into()),
            category: Category::Phishing,
            tlp: Tlp::Amber,
            first_reported_at: "2026-10-02T03:04:05Z".parse().unwrap(),
            statuses: vec!["ok".into()],
            registrar: Some("Top Names Registrar Co.".into()),
            party: Party {
                kind: PartyKind::Registry,
                name: Some("Jiangsu Bangning".into()),
                contact: "abuse@nic.top".into(),
                source: "iana".into(),
            },
            reporter: Reporter {
                org: "Example CSIRT".into(),
                contact: "csirt@example.org".into(),
                domain: "example.org".into(),
            },
            lang,
            evidence: vec![EvidenceItem {
                kind: "rdap".into(),
                source: "https://rdap.nic.top/domain/ucs-card.top".into(),
                content_type: "application/rdap+json".into(),
                sha256: "ab".repeat(32),
                taken_at: "2026-10-02T04:00:00Z".parse().unwrap(),
                body: b"{\"objectClassName\":\"domain\"}".to_vec(),
            }],
            report_id: uuid::Uuid::nil(),
            now: "2026-10-02T05:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn english_notice_has_the_facts_and_a_valid_xarf_report() {
        let n = render_notice(&input(Lang::En)).unwrap();
        assert_eq!(
            n.subject,
            "[case 7] Phishing: ucs-card.top imitating UCS Card (TLP:AMBER)"
        );
        assert!(n.text.contains("Domain: ucs-card.top"), "{}", n.text);
        assert!(
            n.text.contains("hxxps://ucs-card[.]top/login?id=1"),
            "{}",
            n.text
        );
        assert!(n.text.contains("serverHold"), "{}", n.text);
        assert!(n.text.contains(&"ab".repeat(32)), "{}", n.text);
        assert!(n.text.contains("Example CSIRT"));
        let x = &n.xarf;
        assert_eq!(x["xarf_version"], "4.2.0");
        assert_eq!(x["category"], "content");
        assert_eq!(x["type"], "phishing");
        assert_eq!(x["url"], "https://ucs-card.top/login?id=1");
        assert_eq!(x["domain"], "ucs-card.top");
        assert_eq!(x["target_brand"], "UCS Card");
        assert_eq!(x["reporter"]["contact"], "csirt@example.org");
        assert_eq!(x["timestamp"], "2026-10-02T03:04:05Z");
        assert_eq!(
            x["evidence"][0]["hash"],
            format!("sha256:{}", "ab".repeat(32))
        );
        let payload = x["evidence"][0]["payload"].as_str().unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(payload)
                .unwrap(),
            b"{\"objectClassName\":\"domain\"}"
        );
    }

    #[test]
    fn japanese_notice() {
        let n = render_notice(&input(Lang::Ja)).unwrap();
        assert!(
            n.subject
                .starts_with("【フィッシングサイト停止のお願い】ucs-card.top")
        );
        assert!(n.text.contains("ドメイン名: ucs-card.top"), "{}", n.text);
        assert!(n.text.contains("serverHold"), "{}", n.text);
    }

    #[test]
    fn hostile_brand_and_urls_stay_on_their_lines() {
        let mut i = input(Lang::En);
        i.brand = Some("Bank\r\nBcc: victim@example.com\u{202e}".into());
        i.urls = vec!["http://x.top/\r\nBcc: a@b.c".into(), "{{ 7*7 }}".into()];
        let n = render_notice(&i).unwrap();
        assert!(!n.subject.contains('\n') && !n.subject.contains('\r'));
        assert!(!n.subject.contains('\u{202e}'));
        assert!(!n.text.lines().any(|l| l.starts_with("Bcc:")), "{}", n.text);
        // Input is data, never template code.
        assert!(n.text.contains("{{ 7*7 }}"), "{}", n.text);
        assert!(!n.text.contains('\r'));
    }

    #[test]
    fn category_maps_to_xarf_types() {
        let mut i = input(Lang::En);
        i.category = Category::C2;
        let x = xarf_report(&i);
        assert_eq!(
            (x["category"].as_str(), x["type"].as_str()),
            (Some("infrastructure"), Some("botnet"))
        );
        assert_eq!(x["c2_server"], "ucs-card.top");
        i.category = Category::Spam;
        assert_eq!(xarf_report(&i)["threat_type"], "spam");
        i.evidence[0].body = vec![b'x'; MAX_EMBEDDED_EVIDENCE + 1];
        assert_eq!(xarf_report(&i)["evidence"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn paths_and_next_party() {
        assert_eq!(
            escalation_path(false, true),
            [PartyKind::Registrar, PartyKind::Registry, PartyKind::Icann]
        );
        assert_eq!(
            escalation_path(false, false),
            [PartyKind::Registrar, PartyKind::Registry]
        );
        assert_eq!(escalation_path(true, false)[0], PartyKind::Service);
        let path = escalation_path(false, true);
        let known = [PartyKind::Registry, PartyKind::Hosting, PartyKind::Icann];
        // No registrar contact: the registry comes first.
        assert_eq!(next_party(&path, &[], &known), Some(PartyKind::Registry));
        assert_eq!(
            next_party(&path, &[PartyKind::Registry], &known),
            Some(PartyKind::Icann)
        );
        assert_eq!(next_party(&path, &known, &known), None);
    }

    #[test]
    fn emails() {
        assert!(valid_email("abuse@nic.top"));
        assert!(!valid_email("abuse@nic.top\r\nBcc: x@y.z"));
        assert!(!valid_email("a b@c.d"));
        assert!(!valid_email("https://www.icann.org/compliance/complaint"));
        assert!(!valid_email("x@localhost"));
        assert!(!valid_email("<x@y.z>"));
    }

    #[test]
    fn defanging() {
        assert_eq!(
            defang("https://a.b.top/x.y?q=a.b"),
            "hxxps://a[.]b[.]top/x.y?q=a.b"
        );
        assert_eq!(defang("a.top"), "a[.]top");
        assert_eq!(one_line(" a\r\n\tb  c ", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }

    fn record(lookup: Lookup, statuses: &[EppStatus]) -> RegistrationRecord {
        let mut r = RegistrationRecord::new(
            DomainName::parse("ucs-card.top").unwrap(),
            SourceKind::Rdap,
            "rdap",
        );
        r.lookup = lookup;
        r.statuses = statuses.to_vec();
        r
    }

    #[test]
    fn observations() {
        let all = [
            PartyKind::Registrar,
            PartyKind::Registry,
            PartyKind::Hosting,
        ];
        let o = observe(
            Some(&record(Lookup::Registered, &[EppStatus::ServerHold])),
            None,
            Some(&DnsOutcome::NxDomain),
            SiteState::NotChecked,
            &all,
        );
        assert_eq!(
            (o.observed, o.actor),
            (Observed::ServerHold, Some(PartyKind::Registry))
        );
        let o = observe(
            Some(&record(Lookup::Registered, &[])),
            Some(&record(Lookup::Registered, &[EppStatus::ClientHold])),
            None,
            SiteState::NotChecked,
            &all,
        );
        assert_eq!(
            (o.observed, o.actor),
            (Observed::ClientHold, Some(PartyKind::Registrar))
        );
        let o = observe(
            Some(&record(Lookup::NotFound, &[])),
            None,
            None,
            SiteState::NotChecked,
            &[PartyKind::Registry],
        );
        assert_eq!(
            (o.observed, o.actor),
            (Observed::Deleted, Some(PartyKind::Registry))
        );
        let o = observe(
            Some(&record(Lookup::Registered, &[EppStatus::Ok])),
            None,
            Some(&DnsOutcome::NxDomain),
            SiteState::NotChecked,
            &all,
        );
        assert_eq!(
            (o.observed, o.actor),
            (Observed::NxDomain, Some(PartyKind::Hosting))
        );
        let o = observe(
            Some(&record(Lookup::Registered, &[EppStatus::Ok])),
            None,
            Some(&DnsOutcome::Answer),
            SiteState::Status(200),
            &all,
        );
        assert_eq!(o.observed, Observed::Active);
        assert!(!o.observed.is_mitigated());
        let o = observe(
            Some(&record(
                Lookup::RateLimited {
                    retry_after_secs: None,
                },
                &[],
            )),
            None,
            None,
            SiteState::NotChecked,
            &all,
        );
        assert_eq!(o.observed, Observed::Unknown);
        let o = observe(
            Some(&record(Lookup::Registered, &[])),
            None,
            Some(&DnsOutcome::Answer),
            SiteState::Status(404),
            &all,
        );
        assert_eq!(
            (o.observed, o.actor),
            (Observed::ContentGone, Some(PartyKind::Hosting))
        );
    }

    #[test]
    fn acknowledgements() {
        assert!(is_acknowledgement(
            "[#12] Received: report",
            "Thank you for your report. It has been registered as ticket #12."
        ));
        assert!(!is_acknowledgement(
            "Re: [#12] report",
            "Action taken: ucs-card.top has been placed on serverHold."
        ));
        assert!(!is_acknowledgement(
            "Re: x",
            "Regarding x: we need more information to act."
        ));
    }

    proptest::proptest! {
        #[test]
        fn rendering_never_panics_and_subject_is_one_line(brand in "\\PC{0,300}", url in "\\PC{0,300}") {
            let mut i = input(Lang::En);
            i.brand = Some(brand);
            i.urls = vec![url];
            let n = render_notice(&i).unwrap();
            proptest::prop_assert!(!n.subject.contains('\n') && !n.subject.contains('\r'));
        }

        #[test]
        fn one_line_has_no_controls(s in "\\PC{0,200}|[\\x00-\\x1f]{0,20}") {
            let l = one_line(&s, 50);
            proptest::prop_assert!(!l.chars().any(|c| c.is_control()));
        }
    }
}
