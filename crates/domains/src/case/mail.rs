//! Abuse reports sent as e-mail (`.eml`, RFC 5322): the URLs and host names in the text, or
//! the X-ARF report attached.
//!
//! The message is read with `mail_parser` (MIME, RFC 2047 words, charsets such as ISO-2022-JP,
//! quoted-printable, base64). From each message: the Date (the report's time), the From (the
//! reporter), the Subject (the description), the Message-ID (what identifies the report on the
//! next import), and the indicators: the URLs and host names in the text parts (HTML converted
//! to text, plus its links), defanged forms too (`hxxp`, `[.]`, `(.)`, `[dot]`). An X-ARF JSON
//! part (`application/json`, a `.json` file name, or an `X-ARF: yes` header) is read with
//! [`super::xarf`] and preferred over the text. Forwarded messages (`message/rfc822`) are read
//! too, [`MAX_DEPTH`] levels deep.
//!
//! Not indicators: `mailto:` links, `cid:` images, e-mail addresses, bare names whose suffix is
//! not in the Public Suffix List (`index.html`), public suffixes themselves (`co.jp`). The
//! reporter's own signature links are kept: we cannot tell them apart.
//!
//! Everything is hostile and bounded: header text is stripped of control characters and cut,
//! the parts, the text and the indicators read per message are capped, and the result says what
//! was left unread.

use jiff::Timestamp;
use jiff::tz::Offset;
use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::intake::{MAX_INPUT, RawReport, RowError};
use super::xarf;
use crate::psl::{Section, SuffixList};

/// How many forwarded messages deep we read (a message in a message in ...).
pub const MAX_DEPTH: usize = 4;
/// The most indicators one message yields.
pub const MAX_INDICATORS: usize = 10_000;
/// The most MIME parts looked at in one message (with its forwarded messages).
pub const MAX_PARTS: usize = 10_000;
/// The most text scanned in one message (bytes).
pub const MAX_SCAN: usize = 64 * 1024 * 1024;
/// The longest Subject or From kept (bytes; longer is cut at a character boundary).
pub const MAX_HEADER_TEXT: usize = 1024;
/// The longest Message-ID used as the report's identity (longer: the message's hash is).
const MAX_MESSAGE_ID: usize = 512;

/// What one message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eml {
    /// The Subject, decoded, control characters removed, bounded.
    pub subject: Option<String>,
    /// The From: `Name <address>` (or the address), cleaned like the Subject.
    pub from: Option<String>,
    pub date: Option<Timestamp>,
    /// What identifies the message: its Message-ID, else `uuid5:` and a UUID (v5) of its bytes.
    pub key: String,
    /// The URLs and host names in the text, refanged, without repeats: part by part, in each
    /// part its URLs, then its bare names.
    pub indicators: Vec<String>,
    /// The reports of X-ARF parts.
    pub xarf: Vec<RawReport>,
    /// What could not be read (X-ARF rows, caps reached).
    pub errors: Vec<String>,
}

/// Reads one message. Text that does not start with a header is read as a message body.
pub fn read_eml(data: &[u8], psl: &SuffixList) -> Eml {
    let key_of_bytes = || {
        format!(
            "uuid5:{}",
            uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, data).hyphenated()
        )
    };
    let mut walk = Walk {
        psl,
        indicators: Vec::new(),
        seen: foldhash::HashSet::default(),
        xarf: Vec::new(),
        errors: Vec::new(),
        parts: 0,
        scanned: 0,
        full: false,
    };
    let parsed = if starts_with_header(data) {
        MessageParser::default().parse(data)
    } else {
        None
    };
    let Some(msg) = parsed else {
        walk.scan_text(&String::from_utf8_lossy(data));
        return walk.finish(None, None, None, key_of_bytes());
    };
    let subject = msg
        .subject()
        .map(|s| xarf::clean_text(s, MAX_HEADER_TEXT))
        .filter(|s| !s.is_empty());
    let from = msg.from().and_then(|a| a.first()).and_then(|a| {
        let who = match (a.name(), a.address()) {
            (Some(n), Some(addr)) if !n.trim().is_empty() => format!("{n} <{addr}>"),
            (_, Some(addr)) => addr.to_string(),
            (Some(n), None) => n.to_string(),
            (None, None) => return None,
        };
        Some(xarf::clean_text(&who, MAX_HEADER_TEXT)).filter(|s| !s.is_empty())
    });
    let date = msg
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| d.to_rfc3339().parse::<Timestamp>().ok());
    let key = msg
        .message_id()
        .filter(|m| m.len() <= MAX_MESSAGE_ID)
        .map(|m| xarf::clean_text(m, MAX_MESSAGE_ID).replace(' ', ""))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(key_of_bytes);
    walk.message(&msg, 0);
    walk.finish(subject, from, date, key)
}

/// Reads one message as reports: the X-ARF reports when it has any, else one report per
/// indicator. Every report carries the message's key (`key_hint`), the Subject as its
/// description and the From as its reporter (an X-ARF report's own reporter and description
/// first); undated ones get `default_time`.
pub fn parse_eml(
    data: &[u8],
    psl: &SuffixList,
    default_time: Timestamp,
) -> (Vec<RawReport>, Vec<RowError>) {
    let eml = read_eml(data, psl);
    let mut errors: Vec<RowError> = eml
        .errors
        .iter()
        .map(|m| RowError {
            line: 0,
            message: m.clone(),
        })
        .collect();
    let reports: Vec<RawReport> = if !eml.xarf.is_empty() {
        eml.xarf
            .into_iter()
            .enumerate()
            .map(|(i, mut r)| {
                r.line = i + 1;
                r.key_hint = Some(eml.key.clone());
                r.reporter = r.reporter.or_else(|| eml.from.clone());
                r.description = r.description.or_else(|| eml.subject.clone());
                r
            })
            .collect()
    } else {
        eml.indicators
            .into_iter()
            .enumerate()
            .map(|(i, input)| RawReport {
                line: i + 1,
                input,
                reported_at: eml.date.unwrap_or(default_time),
                dated: eml.date.is_some(),
                brand: None,
                category: None,
                description: eml.subject.clone(),
                reporter: eml.from.clone(),
                key_hint: Some(eml.key.clone()),
            })
            .collect()
    };
    if reports.is_empty() && errors.is_empty() {
        errors.push(RowError {
            line: 0,
            message: "no URL, host name or X-ARF report in the message".into(),
        });
    }
    (reports, errors)
}

struct Walk<'p> {
    psl: &'p SuffixList,
    indicators: Vec<String>,
    seen: foldhash::HashSet<String>,
    xarf: Vec<RawReport>,
    errors: Vec<String>,
    parts: usize,
    scanned: usize,
    /// A cap was reached (said once in `errors`).
    full: bool,
}

impl Walk<'_> {
    fn finish(
        self,
        subject: Option<String>,
        from: Option<String>,
        date: Option<Timestamp>,
        key: String,
    ) -> Eml {
        Eml {
            subject,
            from,
            date,
            key,
            indicators: self.indicators,
            xarf: self.xarf,
            errors: self.errors,
        }
    }

    fn stop(&mut self, why: String) {
        if !self.full {
            self.full = true;
            self.errors.push(why);
        }
    }

    fn message(&mut self, msg: &Message<'_>, depth: usize) {
        for part in &msg.parts {
            if self.full {
                return;
            }
            self.parts += 1;
            if self.parts > MAX_PARTS {
                self.stop(format!(
                    "more than {MAX_PARTS} MIME parts: the rest is not read"
                ));
                return;
            }
            if is_xarf(part) {
                let (reports, errs) = xarf::parse_xarf(part.contents(), Offset::UTC);
                self.xarf.extend(reports);
                self.errors
                    .extend(errs.into_iter().map(|e| format!("X-ARF part: {e}")));
                continue;
            }
            match &part.body {
                PartType::Text(t) => self.scan_text(t),
                PartType::Html(h) => {
                    self.scan_links(h);
                    self.scan_text(&mail_parser::decoders::html::html_to_text(h));
                }
                PartType::Message(m) if depth < MAX_DEPTH => self.message(m, depth + 1),
                PartType::Message(_) => self.stop(format!(
                    "forwarded messages deeper than {MAX_DEPTH} levels are not read"
                )),
                PartType::Binary(_) | PartType::InlineBinary(_) | PartType::Multipart(_) => {}
            }
        }
    }

    fn add(&mut self, indicator: String) {
        if self.full || self.seen.contains(&indicator) {
            return;
        }
        if self.indicators.len() >= MAX_INDICATORS {
            self.stop(format!(
                "more than {MAX_INDICATORS} URLs and names: the rest is not read"
            ));
            return;
        }
        self.seen.insert(indicator.clone());
        self.indicators.push(indicator);
    }

    /// Whether we may scan `len` more bytes (else the cap is reported).
    fn budget(&mut self, len: usize) -> bool {
        if self.full {
            return false;
        }
        self.scanned = self.scanned.saturating_add(len);
        if self.scanned > MAX_SCAN {
            self.stop(format!(
                "more than {} MiB of text: the rest is not read",
                MAX_SCAN / (1024 * 1024)
            ));
            return false;
        }
        true
    }

    /// The `href` links of an HTML part (HTML-to-text drops them).
    fn scan_links(&mut self, html: &str) {
        if !self.budget(html.len()) {
            return;
        }
        let lower = html.to_ascii_lowercase();
        let mut from = 0;
        while let Some(p) = memchr::memmem::find(&lower.as_bytes()[from..], b"href") {
            let at = from + p + 4;
            from = at;
            let rest = &html[at..];
            let Some(rest) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            let rest = rest.trim_start();
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            let value = value.replace("&amp;", "&");
            let v = refang_text(value.trim());
            let lower_v = v.to_ascii_lowercase();
            if (lower_v.starts_with("http://") || lower_v.starts_with("https://"))
                && let Some(u) = self.url(&v)
            {
                self.add(u);
            }
        }
    }

    /// The URLs and names in a text.
    fn scan_text(&mut self, text: &str) {
        if !self.budget(text.len()) {
            return;
        }
        let text = refang_text(text);
        let lower = text.to_ascii_lowercase();
        // URLs, blanked out of `rest` once taken.
        let mut rest = String::with_capacity(text.len());
        let mut last = 0;
        let mut from = 0;
        while let Some(p) = memchr::memmem::find(&lower.as_bytes()[from..], b"http") {
            let start = from + p;
            from = start + 4;
            let tail = &lower[start..];
            if !(tail.starts_with("http://") || tail.starts_with("https://")) {
                continue;
            }
            let end = text[start..]
                .char_indices()
                .find(|&(_, c)| ends_url(c))
                .map_or(text.len(), |(i, _)| start + i);
            let candidate = trim_url(&text[start..end]);
            if let Some(u) = self.url(candidate) {
                self.add(u);
            }
            rest.push_str(&text[last..start]);
            rest.push(' ');
            last = end;
            from = end.max(from);
        }
        rest.push_str(&text[last..]);
        for token in rest.split(splits_name) {
            if let Some(name) = self.name(token) {
                self.add(name);
            }
        }
    }

    /// A URL whose host has a known suffix (or is an address, refused later with a reason).
    fn url(&self, candidate: &str) -> Option<String> {
        if candidate.len() > MAX_INPUT {
            return None;
        }
        let ok = |s: &str| -> bool {
            match url::Url::parse(s).ok().as_ref().and_then(url::Url::host) {
                Some(url::Host::Domain(h)) => self.known(h),
                Some(_) => true,
                None => false,
            }
        };
        let host_end = candidate
            .find("://")
            .map(|p| p + 3)
            .and_then(|p| candidate[p..].find(['/', '?', '#']).map(|e| p + e))
            .unwrap_or(candidate.len());
        let ascii_host = candidate[..host_end].is_ascii();
        // Text written right after the URL with no space (common in Japanese): cut there,
        // unless the non-ASCII text is the host (an IDN).
        let first_non_ascii = candidate
            .char_indices()
            .find(|(_, c)| !c.is_ascii())
            .map(|(i, _)| i);
        match first_non_ascii {
            Some(i) if ascii_host => {
                let cut = trim_url(&candidate[..i]);
                ok(cut).then(|| cut.to_string())
            }
            Some(i) => {
                if ok(candidate) {
                    return Some(candidate.to_string());
                }
                let cut = trim_url(&candidate[..i]);
                ok(cut).then(|| cut.to_string())
            }
            None => ok(candidate).then(|| candidate.to_string()),
        }
    }

    /// A bare host name (with a path or port, perhaps).
    fn name(&self, token: &str) -> Option<String> {
        let token = token.trim_matches(|c: char| matches!(c, '.' | ':' | '/' | '-' | '_'));
        if token.is_empty() || token.len() > MAX_INPUT || token.contains('@') {
            return None;
        }
        if token.contains("://") {
            return None;
        }
        let try_one = |t: &str| -> Option<String> {
            let host = t.split(['/', '?', '#']).next().unwrap_or("");
            let host = match host.split_once(':') {
                Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
                    h
                }
                Some(_) => return None,
                None => host,
            };
            let host = host.trim_end_matches('.');
            if !host.contains('.') || host.parse::<std::net::IpAddr>().is_ok() {
                return None;
            }
            let name = crate::DomainName::parse(host).ok()?;
            let n = name.as_str();
            let split = self.psl.split(n, Section::All)?;
            (split.known && split.registrable.is_some()).then(|| t.to_string())
        };
        // Else the ASCII runs of a name written inside Japanese text (`またはfake.xyzを`).
        try_one(token).or_else(|| {
            if token.is_ascii() {
                return None;
            }
            token
                .split(|c: char| !c.is_ascii())
                .map(|t| t.trim_matches(|c: char| matches!(c, '.' | ':' | '/' | '-' | '_')))
                .filter(|t| !t.is_empty())
                .find_map(try_one)
        })
    }

    fn known(&self, host: &str) -> bool {
        let Ok(name) = crate::DomainName::parse(host) else {
            return false;
        };
        self.psl
            .split(name.as_str(), Section::All)
            .is_some_and(|s| s.known && s.registrable.is_some())
    }
}

/// Whether the first line is a header field (`Name: value`, the name printable ASCII without
/// spaces), or an mbox `From ` line: else the data is a pasted text, not a message.
fn starts_with_header(data: &[u8]) -> bool {
    if data.starts_with(b"From ") {
        return true;
    }
    let line = data.split(|&b| b == b'\n').next().unwrap_or_default();
    match line.iter().position(|&b| b == b':') {
        Some(0) | None => false,
        Some(p) => line[..p].iter().all(|&b| (33..=126).contains(&b)),
    }
}

/// Whether a part is an X-ARF report: JSON by type or file name, or marked `X-ARF: yes`.
fn is_xarf(part: &MessagePart<'_>) -> bool {
    if matches!(part.body, PartType::Multipart(_) | PartType::Message(_)) {
        return false;
    }
    let json_type = part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("application")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("json") || s.ends_with("+json"))
    });
    let json_name = part
        .attachment_name()
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".json"));
    let marked = part.headers.iter().any(|h| {
        h.name().eq_ignore_ascii_case("x-arf")
            && h.value()
                .as_text()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"))
    });
    json_type || json_name || marked
}

/// Where a URL ends: white space, control characters, quotes and angle brackets, and CJK
/// punctuation and full-width forms (`「」`, `。`).
fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '<' | '>' | '"' | '\'' | '`' | '{' | '}' | '|' | '\\' | '^'
        )
        || ('\u{3000}'..='\u{303f}').contains(&c)
        || ('\u{ff00}'..='\u{ffef}').contains(&c)
}

/// Where a bare name ends.
fn splits_name(c: char) -> bool {
    ends_url(c)
        || matches!(
            c,
            '(' | ')' | '[' | ']' | ',' | ';' | '!' | '?' | '*' | '=' | '+' | '&' | '$' | '~'
        )
}

/// Drops the punctuation a sentence puts after a URL: `.`, `,`, `)` (unless the URL opened
/// one), ...
fn trim_url(mut u: &str) -> &str {
    loop {
        let Some(c) = u.chars().last() else {
            return u;
        };
        let drop = match c {
            '.' | ',' | ';' | ':' | '!' | '?' | '*' => true,
            ')' => u.matches('(').count() < u.matches(')').count(),
            ']' => u.matches('[').count() < u.matches(']').count(),
            _ => false,
        };
        if !drop {
            return u;
        }
        u = &u[..u.len() - c.len_utf8()];
    }
}

/// Undoes defanging anywhere in a text: `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `[:]`,
/// `[://]`, `[/]`, and `hxxp://`, `hxxps://` (any case).
pub fn refang_text(s: &str) -> String {
    let mut out = s.to_string();
    for (from, to) in [
        ("[://]", "://"),
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("{dot}", "."),
        ("[:]", ":"),
        ("[/]", "/"),
        ("hxxps://", "https://"),
        ("hxxp://", "http://"),
    ] {
        out = replace_ascii_ci(&out, from, to);
    }
    out
}

/// Replaces `from` (ASCII, matched without regard to case) with `to`.
fn replace_ascii_ci(s: &str, from: &str, to: &str) -> String {
    // Lower-casing ASCII keeps every byte where it was: offsets in `lower` are offsets in `s`.
    let lower = s.to_ascii_lowercase();
    let finder = memchr::memmem::Finder::new(from.as_bytes());
    let mut out = String::new();
    let mut last = 0;
    for p in finder.find_iter(lower.as_bytes()) {
        if p < last {
            continue;
        }
        out.push_str(&s[last..p]);
        out.push_str(to);
        last = p + from.len();
    }
    if last == 0 {
        return s.to_string();
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests;
