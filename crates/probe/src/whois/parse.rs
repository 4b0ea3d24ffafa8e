//! WHOIS text to [`RegistrationRecord`]: one pass over labelled lines, many dialects.
//!
//! Formats read:
//! - ICANN RAA 2013 `Key: Value` (gTLD registries and registrars, and the many ccTLDs that copy
//!   it: .ac .ai .au .ca .cc .cn .co .io .me .tv .us .ws ...);
//! - JPRS (.jp), both layouts: general `[Domain Name]` and organisational `a. [Domain Name]`
//!   (co.jp, go.jp ...), in English (`/e`) or Japanese; dates are JST and keep +09:00;
//! - RPSL-like blocks (`domain:` / `nserver:` ...: IANA, AFNIC .fr .pm .re .tf .wf .yt, RIPN .ru
//!   .su .рф, .at, .br, .ir, .ua, .se/.nu, .de, .hu, .ee);
//! - headed sections with indented values (Nominet .uk, SIDN .nl, EURid .eu, .gg, .it, .ch,
//!   .tk, .tw, .hk, .mo, .edu, .dk, .fi, .kz, .kr, .pl, .nz, .sk, .by, .rs, .ro, .gov).
//!
//! The answer is classified as registered, not found, reserved or rate limited
//! ([`Lookup`]): structured status values first (`Status: free`), then whether registration data
//! was found, then the free text (a limit page must never read as "available").
//!
//! Everything here is hostile input: the text is cut at [`MAX_INPUT`], every kept string is
//! bounded and stripped of control characters, and nothing panics.

use domains::DomainName;
use domains::registration::{
    Contact, ContactRole, Dnssec, DsRecord, EppStatus, Event, EventAction, Lookup, RegDate,
    Registrar, RegistrationRecord, SourceKind,
};
use jiff::tz::Offset;

use super::date::parse_date;

/// The most text looked at (the rest is ignored, with a note).
pub const MAX_INPUT: usize = 256 * 1024;
const MAX_LINES: usize = 8192;
const MAX_VALUE: usize = 256;
const MAX_NOTES: usize = 32;
const MAX_NAMESERVERS: usize = 64;
const MAX_STATUSES: usize = 64;
const MAX_CONTACTS: usize = 16;
const MAX_DS: usize = 16;

/// Parses a WHOIS answer about `domain` from `server`. `tld_hint` (A-label, no dot) selects
/// per-registry conventions when the text alone does not (JPRS dates are JST).
pub fn parse(
    text: &str,
    domain: &DomainName,
    tld_hint: Option<&str>,
    server: &str,
) -> RegistrationRecord {
    let (p, text) = run(text, None, domain, tld_hint, server);
    p.finish(text)
}

/// [`parse`] of the bytes a server sent: decoded as UTF-8 (invalid bytes replaced), with byte
/// counts in notes and in [`Lookup::Unreadable`] counting the bytes received, not the decoded
/// text.
pub fn parse_received(
    raw: &[u8],
    domain: &DomainName,
    tld_hint: Option<&str>,
    server: &str,
) -> RegistrationRecord {
    let text = String::from_utf8_lossy(raw);
    let (p, text) = run(&text, Some(raw.len()), domain, tld_hint, server);
    p.finish(text)
}

fn run<'t>(
    text: &'t str,
    received: Option<usize>,
    domain: &DomainName,
    tld_hint: Option<&str>,
    server: &str,
) -> (Parser, &'t str) {
    let mut p = Parser::new(domain, server);
    p.received = Some(received.unwrap_or(text.len()));
    let text = p.bound(text);
    let text = english_part(text);
    if is_jprs(text, tld_hint, server) {
        p.jprs(text);
    } else {
        p.generic(text);
    }
    (p, text)
}

/// The domain name the text is about, if it says (`Domain Name:`, `domain:`, `[Domain Name]`,
/// a `Domain:` heading...).
pub fn domain_in_text(text: &str) -> Option<DomainName> {
    let placeholder = DomainName::parse("invalid").ok()?;
    let (p, _) = run(text, None, &placeholder, None, "");
    p.text_domain
}

/// The WHOIS server the text refers to: `Registrar WHOIS Server:` (registries), `whois:` and
/// `refer:` (IANA), `WHOIS Server:`, `ReferralServer:`. A host name only (scheme, port and path
/// removed, validated as a domain name, lower case); IP literals and junk give `None`.
pub fn referral(text: &str) -> Option<String> {
    let text = cut(text, MAX_INPUT);
    for raw in text.lines().take(MAX_LINES) {
        let Some((key, value)) = split_kv(raw.trim()) else {
            continue;
        };
        if !matches!(
            key.as_str(),
            "registrar whois server" | "whois" | "refer" | "whois server" | "referralserver"
        ) {
            continue;
        }
        if let Some(host) = host_of(value) {
            return Some(host);
        }
    }
    None
}

/// What IANA's WHOIS says about a TLD: its operator and the contacts of the root zone
/// database (`contact: administrative` / `technical` blocks with their `e-mail:`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TldRecord {
    /// The sponsoring organisation (the registry).
    pub organisation: Option<String>,
    /// (role, e-mail) for each contact block, in order.
    pub contacts: Vec<(String, String)>,
}

impl TldRecord {
    /// The address to write to about abuse: an `abuse` contact, else the administrative one,
    /// else the technical one.
    pub fn abuse_address(&self) -> Option<&str> {
        ["abuse", "administrative", "technical"]
            .iter()
            .find_map(|want| self.contacts.iter().find(|(r, _)| r == want))
            .map(|(_, e)| e.as_str())
    }
}

/// Reads an IANA WHOIS answer for a TLD (bounded; junk gives an empty record).
pub fn parse_iana_tld(text: &str) -> TldRecord {
    let text = cut(text, MAX_INPUT);
    let mut out = TldRecord::default();
    let mut role: Option<String> = None;
    for raw in text.lines().take(MAX_LINES) {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('%') {
            continue;
        }
        let Some((key, value)) = split_kv(line) else {
            continue;
        };
        let value = value.trim();
        match key.as_str() {
            "contact" => role = Some(value.to_ascii_lowercase()),
            "organisation" if role.is_none() && out.organisation.is_none() && !value.is_empty() => {
                out.organisation = Some(value.chars().take(256).collect());
            }
            "e-mail" => {
                if let Some(r) = &role
                    && value.len() <= 254
                    && value.contains('@')
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control())
                    && out.contacts.len() < 8
                {
                    out.contacts.push((r.clone(), value.to_ascii_lowercase()));
                }
            }
            _ => {}
        }
    }
    out
}

/// `whois://whois.example.net:43/`, `http://whois.example.net`, `whois.example.net` -> host.
fn host_of(value: &str) -> Option<String> {
    let v = value.trim();
    let v = v.split_whitespace().next()?;
    let v = v.split_once("://").map_or(v, |(_, rest)| rest);
    let v = v.split('/').next()?;
    let v = v.split(':').next()?;
    if v.is_empty() || v.len() > 253 {
        return None;
    }
    let d = DomainName::parse(v).ok()?;
    if d.label_count() < 2 {
        return None;
    }
    Some(d.as_str().to_string())
}

fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// KISA (.kr) answers in Korean, then `# ENGLISH`: read the English part only.
fn english_part(text: &str) -> &str {
    match text.find("# ENGLISH") {
        Some(i) => &text[i..],
        None => text,
    }
}

fn is_jprs(text: &str, tld_hint: Option<&str>, server: &str) -> bool {
    let jp = tld_hint.is_some_and(|t| t.eq_ignore_ascii_case("jp"))
        || server.to_ascii_lowercase().contains("jprs");
    text.lines().take(MAX_LINES).any(|l| {
        jprs_kv(l.trim())
            .is_some_and(|(k, _)| jp || matches!(k.as_str(), "domain name" | "ドメイン名"))
    })
}

/// `[Key]   value` or `a. [Key]   value` (JPRS). The banner `[ JPRS database ... ]` is not.
fn jprs_kv(line: &str) -> Option<(String, &str)> {
    let mut s = line;
    let b = s.as_bytes();
    if b.len() > 3 && b[0].is_ascii_lowercase() && b[1] == b'.' && b[2] == b' ' {
        s = s[3..].trim_start();
    }
    let rest = s.strip_prefix('[')?;
    if rest.starts_with(' ') {
        return None;
    }
    let close = rest.find(']')?;
    let key = rest[..close].trim();
    if key.is_empty() || key.chars().count() > 40 {
        return None;
    }
    Some((key.to_lowercase(), rest[close + 1..].trim()))
}

/// Normalises a label: lower case, `_` as space, leader dots and spaces trimmed, runs of spaces
/// collapsed.
fn norm_key(k: &str) -> String {
    let k = k.trim().trim_end_matches(['.', ' ', '\t']);
    let mut out = String::with_capacity(k.len());
    let mut space = false;
    for c in k.chars() {
        let c = if c == '_' { ' ' } else { c };
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// Splits `Key: value` (also `Key....: value`, `Key<TAB>value`). A colon between two digits (a
/// time) or before `//` (a URL) does not separate; long labels are prose, not keys.
fn split_kv(line: &str) -> Option<(String, &str)> {
    let bytes = line.as_bytes();
    let mut sep = None;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' {
            let before_digit = i > 0 && bytes[i - 1].is_ascii_digit();
            let after_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if before_digit && after_digit {
                continue;
            }
            if bytes.get(i + 1) == Some(&b'/') && bytes.get(i + 2) == Some(&b'/') {
                return None;
            }
            sep = Some(i);
            break;
        }
        if b == b'\t' {
            // `Domain name<TAB>google.ch` (SWITCH); a tab after the colon is handled above.
            let key = &line[..i];
            let value = line[i..].trim();
            if key.trim().is_empty() || value.is_empty() {
                return None;
            }
            let key = norm_key(key);
            if key.split(' ').count() > 6 {
                return None;
            }
            return Some((key, value));
        }
    }
    let i = sep?;
    let mut key = norm_key(&line[..i]);
    // `Holder English Name (It should be the same as your legal name ...):` (.hk)
    if key.ends_with(')')
        && let Some(open) = key.find(" (")
        && key.chars().count() > 40
    {
        key.truncate(open);
    }
    if key.is_empty() || key.chars().count() > 60 || key.split(' ').count() > 10 {
        return None;
    }
    if key.starts_with(">>>") || key.starts_with('%') || key.starts_with('#') {
        return None;
    }
    Some((key, line[i + 1..].trim()))
}

/// A heading line without a value: which part of the record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    None,
    Domain,
    Registrar,
    Reseller,
    Nameservers,
    Status,
    RegistrationStatus,
    Dates,
    Contact(Role),
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Registrant,
    Admin,
    Tech,
    Billing,
    Abuse,
}

impl Role {
    fn to_contact(self) -> ContactRole {
        match self {
            Role::Registrant => ContactRole::Registrant,
            Role::Admin => ContactRole::Administrative,
            Role::Tech => ContactRole::Technical,
            Role::Billing => ContactRole::Billing,
            Role::Abuse => ContactRole::Abuse,
        }
    }
}

/// Headings known across registries (normalised), with or without a trailing colon.
fn known_heading(key: &str) -> Option<Section> {
    let s = match key {
        "domain" | "domain name" | "domain information" => Section::Domain,
        "registrar" | "registrar information" | "sponsoring registrar" => Section::Registrar,
        "reseller" => Section::Reseller,
        "name servers"
        | "nameservers"
        | "domain nameservers"
        | "name servers information"
        | "domain name servers"
        | "domain servers in listed order"
        | "domain servers"
        | "nameserver in listed order"
        | "primary name server"
        | "secondary name server"
        | "name server"
        | "dns servers" => Section::Nameservers,
        "domain status" | "status information" | "status" | "flags" => Section::Status,
        "registration status" => Section::RegistrationStatus,
        "relevant dates" | "important dates" => Section::Dates,
        "registrant"
        | "registrant contact information"
        | "holder"
        | "owner contact"
        | "organisation"
        | "organization"
        | "organization using domain name"
        | "domain holder"
        | "registrant contact" => Section::Contact(Role::Registrant),
        "administrative contact"
        | "admin contact"
        | "admin contact(s)"
        | "administrative contact/agent"
        | "administrative contact information" => Section::Contact(Role::Admin),
        "technical contact"
        | "technical contacts"
        | "technical contact information"
        | "tech contact"
        | "technical"
        | "technical contact(s)" => Section::Contact(Role::Tech),
        "billing contact" | "billing contact(s)" | "billing" => Section::Contact(Role::Billing),
        "abuse contact" => Section::Contact(Role::Abuse),
        "dnssec" | "data validation" | "contact information" | "registrant type" => Section::Other,
        _ => return None,
    };
    Some(s)
}

/// Keys that, first in a block, make the block about something other than the domain.
fn block_opener(key: &str, value: &str) -> Option<Section> {
    let s = match key {
        "registrar" => Section::Registrar,
        // IANA: `contact: administrative`
        "contact" => match value.trim().to_ascii_lowercase().as_str() {
            "administrative" => Section::Contact(Role::Admin),
            "technical" => Section::Contact(Role::Tech),
            "billing" => Section::Contact(Role::Billing),
            "abuse" => Section::Contact(Role::Abuse),
            _ => Section::Contact(Role::Registrant),
        },
        "nic-hdl" | "nic-hdl-br" | "person" | "personname" | "role" => {
            Section::Contact(Role::Registrant)
        }
        "domain registrant" | "registrant" | "holder" => Section::Contact(Role::Registrant),
        "administrative contact" | "admin contact" => Section::Contact(Role::Admin),
        "technical contact" | "tech contact" => Section::Contact(Role::Tech),
        _ => return None,
    };
    Some(s)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateField {
    Created,
    Updated,
    Expires,
}

/// A kept value and its rank (lower wins; first seen wins within a rank).
#[derive(Debug)]
struct Ranked<T> {
    value: Option<(u8, T)>,
}

impl<T> Default for Ranked<T> {
    fn default() -> Self {
        Ranked { value: None }
    }
}

impl<T> Ranked<T> {
    fn offer(&mut self, rank: u8, v: T) {
        match &self.value {
            Some((r, _)) if *r <= rank => {}
            _ => self.value = Some((rank, v)),
        }
    }

    fn take(&mut self) -> Option<T> {
        self.value.take().map(|(_, v)| v)
    }
}

struct ContactDraft {
    role: Role,
    contact: Contact,
}

struct Parser {
    rec: RegistrationRecord,
    default_offset: Offset,
    text_domain: Option<DomainName>,
    ascii_seen: bool,
    registrar_name: Ranked<String>,
    registrar: Registrar,
    created: Ranked<RegDate>,
    updated: Ranked<RegDate>,
    expires: Ranked<RegDate>,
    /// Structured negative answers (`Status: free`, `query_status: 220 Available`).
    structured: Option<Lookup>,
    dnssec_signed: Option<bool>,
    ds: Vec<DsRecord>,
    /// AFNIC DS parts seen so far: key tag, algorithm, digest type.
    afnic_ds: (Option<u16>, Option<u8>, Option<u8>),
    contacts: Vec<ContactDraft>,
    /// Something that only a registered name has was seen (dates, NS, registrar, statuses).
    substantive: bool,
    truncated: bool,
    /// Bytes received from the server (before UTF-8 replacement).
    received: Option<usize>,
}

impl Parser {
    fn new(domain: &DomainName, server: &str) -> Self {
        Parser {
            rec: RegistrationRecord::new(domain.clone(), SourceKind::Whois, clean(server)),
            default_offset: Offset::UTC,
            text_domain: None,
            ascii_seen: false,
            registrar_name: Ranked::default(),
            registrar: Registrar::default(),
            created: Ranked::default(),
            updated: Ranked::default(),
            expires: Ranked::default(),
            structured: None,
            dnssec_signed: None,
            ds: Vec::new(),
            afnic_ds: (None, None, None),
            contacts: Vec::new(),
            substantive: false,
            truncated: false,
            received: None,
        }
    }

    fn bound<'t>(&mut self, text: &'t str) -> &'t str {
        let t = cut(text, MAX_INPUT);
        if t.len() < text.len() {
            self.truncated = true;
            self.note(format!(
                "answer of {} bytes cut to the first {} bytes",
                self.received.unwrap_or(text.len()),
                MAX_INPUT
            ));
        }
        t
    }

    fn note(&mut self, n: String) {
        if self.rec.notes.len() < MAX_NOTES && !self.rec.notes.contains(&n) {
            self.rec.notes.push(n);
        }
    }

    // ---- JPRS -------------------------------------------------------------------------------

    fn jprs(&mut self, text: &str) {
        self.default_offset = Offset::constant(9);
        let mut in_contact = false;
        for raw in text.lines().take(MAX_LINES) {
            let line = raw.trim();
            if line.starts_with("Contact Information") || line.starts_with("[公開連絡窓口]") {
                in_contact = true;
                continue;
            }
            if line.starts_with("Domain Information") || line.starts_with("[ドメイン情報]") {
                in_contact = false;
                continue;
            }
            let Some((key, value)) = jprs_kv(line) else {
                continue;
            };
            if in_contact {
                self.jprs_contact(&key, value);
                continue;
            }
            match key.as_str() {
                "domain name" | "ドメイン名" => self.domain_name(value),
                "registrant" | "organization" | "登録者名" | "組織名" => {
                    self.contact_field(Role::Registrant, "organization", value);
                }
                "name server" | "ネームサーバ" => self.nameserver(value),
                "signing key" | "署名鍵" if !value.is_empty() => {
                    self.dnssec_signed = Some(true);
                    self.ds_value(value);
                }
                "created on" | "registered date" | "登録年月日" => {
                    self.date(DateField::Created, 1, value, &key);
                }
                "expires on" | "有効期限" => self.date(DateField::Expires, 1, value, &key),
                "last updated" | "last update" | "最終更新" => {
                    self.date(DateField::Updated, 1, value, &key);
                }
                "status" | "state" | "状態" => self.jprs_state(value),
                "lock status" | "ロック状態" => {
                    for part in value.split([',', ' ']).filter(|p| !p.is_empty()) {
                        self.status(EppStatus::Other(clean_n(part, 64)));
                    }
                }
                "administrative contact"
                | "technical contact"
                | "登録担当者"
                | "技術連絡担当者" => {
                    let role = if key.contains("tech") || key == "技術連絡担当者" {
                        Role::Tech
                    } else {
                        Role::Admin
                    };
                    if !value.is_empty() {
                        let c = self.contact_mut(role);
                        c.handle.get_or_insert_with(|| clean(value));
                    }
                }
                _ => {}
            }
        }
    }

    /// `[State] Connected (2024/03/31)`, `[Status] Active`, `Reserved`, `Deleted (...)`.
    fn jprs_state(&mut self, value: &str) {
        let (word, date) = match value.find('(') {
            Some(i) => (
                value[..i].trim(),
                Some(value[i + 1..].trim_end_matches(')').trim()),
            ),
            None => (value.trim(), None),
        };
        if word.is_empty() {
            return;
        }
        self.status(EppStatus::parse(word));
        if let Some(d) = date
            && !d.is_empty()
        {
            self.date(DateField::Expires, 2, d, "state");
        }
        let w = word.to_ascii_lowercase();
        if w.starts_with("reserved") {
            self.structured.get_or_insert(Lookup::Reserved);
        }
    }

    fn jprs_contact(&mut self, key: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        match key {
            "name" | "名前" => self.contact_field(Role::Admin, "name", value),
            "email" | "電子メール" => self.contact_field(Role::Admin, "email", value),
            _ => {}
        }
    }

    // ---- everything else ----------------------------------------------------------------------

    fn generic(&mut self, text: &str) {
        let lines: Vec<&str> = text.lines().take(MAX_LINES).collect();
        if lines.len() == MAX_LINES && text.lines().nth(MAX_LINES).is_some() {
            self.note(format!("only the first {MAX_LINES} lines were read"));
        }
        let mut section = Section::None;
        // whether the current heading section has had content (a blank line then ends it)
        let mut section_has_content = false;
        let mut section_values = 0usize;
        // a `Key: value` line was seen since the heading: later bare lines are not its values
        let mut section_kv_seen = false;
        let mut block_start = true;
        let mut block_section: Option<Section> = None;
        // the previous line was `nameservers: x` (or its continuation)
        let mut ns_continues = false;
        for (idx, raw) in lines.iter().enumerate() {
            let indented = raw.starts_with([' ', '\t']);
            let was_ns = std::mem::replace(&mut ns_continues, false);
            let line = raw.trim();
            if line.is_empty() {
                if section_has_content {
                    section = Section::None;
                    section_has_content = false;
                }
                block_start = true;
                block_section = None;
                continue;
            }
            if line.starts_with('%') || line.starts_with('#') {
                // `% Registrar:` / `% Registrant:` (.ua) head the block that follows
                let inner = line.trim_start_matches(['%', '#']).trim();
                if let Some(h) = inner.strip_suffix(':')
                    && let Some(s) = known_heading(&norm_key(h))
                {
                    section = s;
                    section_has_content = false;
                    section_values = 0;
                    section_kv_seen = false;
                }
                continue;
            }
            if line.starts_with(">>>") || line.chars().all(|c| matches!(c, '-' | '=' | '*')) {
                continue;
            }
            let kv = split_kv(line);
            match kv {
                Some((key, "")) => {
                    // a heading if known, or if what follows is indented or a bare value
                    let next = lines[idx + 1..]
                        .iter()
                        .find(|l| !l.trim().is_empty())
                        .copied()
                        .unwrap_or("");
                    let indent = |s: &str| s.len() - s.trim_start().len();
                    let known = known_heading(&key);
                    let follows = indent(next) > indent(raw)
                        || (!next.trim().is_empty() && split_kv(next.trim()).is_none());
                    if known.is_some() || follows {
                        section = known.unwrap_or_else(|| heading_by_words(&key));
                        section_has_content = false;
                        section_values = 0;
                        section_kv_seen = false;
                        block_start = false;
                    }
                    continue;
                }
                Some((key, value)) => {
                    if block_start {
                        block_section = block_opener(&key, value);
                        block_start = false;
                    }
                    let ctx = block_section.unwrap_or(section);
                    section_has_content = true;
                    section_kv_seen = true;
                    ns_continues = is_ns_key(&key);
                    self.kv(ctx, &key, value);
                }
                None => {
                    if was_ns && indented {
                        // `nameservers: a` then indented `b` (.pl)
                        self.nameserver(line);
                        ns_continues = true;
                        continue;
                    }
                    let key = norm_key(line.trim_end_matches(':'));
                    if let Some(s) = known_heading(&key) {
                        section = s;
                        section_has_content = false;
                        section_values = 0;
                        section_kv_seen = false;
                        block_start = false;
                        continue;
                    }
                    block_start = false;
                    section_has_content = true;
                    if self.phrase_date(line) || section_kv_seen {
                        continue;
                    }
                    self.text_line(section, section_values, line);
                    section_values += 1;
                }
            }
        }
    }

    /// A value line under a heading.
    fn text_line(&mut self, section: Section, nth: usize, line: &str) {
        match section {
            Section::Domain if nth == 0 => {
                // `GOOGLE.TK is Active`
                let (name, status) = match line.split_once(" is ") {
                    Some((n, s)) => (n, Some(s)),
                    None => (line, None),
                };
                self.domain_name(name);
                if let Some(s) = status {
                    self.status_text(s);
                }
            }
            Section::Registrar if nth == 0 => self.registrar_name(2, line),
            Section::Reseller if nth == 0 && self.rec.reseller.is_none() => {
                self.rec.reseller = Some(clean(line));
            }
            Section::Nameservers => self.nameserver(line),
            Section::Status => self.status_text(line),
            Section::RegistrationStatus => {
                let s = line
                    .split(" until ")
                    .next()
                    .unwrap_or(line)
                    .trim_end_matches('.');
                self.status_text(s);
            }
            Section::Contact(role) if nth == 0 => {
                self.contact_field(role, "name", line);
            }
            _ => {}
        }
    }

    /// `Record created on 2010-08-13 23:16:40 (UTC+8)`, `Registered on 30th April 2003`.
    fn phrase_date(&mut self, line: &str) -> bool {
        const PHRASES: [(&str, DateField); 8] = [
            ("record created on ", DateField::Created),
            ("registered on ", DateField::Created),
            ("created on ", DateField::Created),
            ("record expires on ", DateField::Expires),
            ("expires on ", DateField::Expires),
            ("record will expire on ", DateField::Expires),
            ("record last updated on ", DateField::Updated),
            ("last updated on ", DateField::Updated),
        ];
        let lower = line.to_lowercase();
        for (p, field) in PHRASES {
            if lower.starts_with(p)
                && let Some(rest) = line.get(p.len()..)
            {
                self.date(field, 1, rest, p.trim());
                return true;
            }
        }
        false
    }

    fn kv(&mut self, ctx: Section, key: &str, value: &str) {
        // section-dependent generic keys first
        match (ctx, key) {
            (Section::Domain, "name") => return self.domain_name(value),
            (Section::Registrar, "name" | "registrar name") => {
                return self.registrar_name(1, value);
            }
            (Section::Registrar, "organization" | "organisation" | "org") => {
                return self.registrar_name(3, value);
            }
            (Section::Registrar, "url" | "www" | "web" | "website") => {
                if self.registrar.url.is_none() && !value.is_empty() {
                    self.registrar.url = Some(clean(value));
                }
                return;
            }
            (Section::Registrar, "email" | "e-mail") => return,
            (Section::Reseller, "name") => {
                if self.rec.reseller.is_none() {
                    self.rec.reseller = Some(clean(value));
                }
                return;
            }
            (Section::Nameservers, "host name" | "hostname" | "name" | "nserver") => {
                return self.nameserver(value);
            }
            (Section::Contact(role), _) => {
                if self.contact_kv(role, key, value) {
                    return;
                }
                // statuses and "changed" lines of contact objects are not the domain's
                if matches!(key, "status" | "state" | "changed" | "created" | "modified") {
                    return;
                }
            }
            _ => {}
        }
        match key {
            "domain name" | "domain" | "domainname" | "domain name (ascii)" => {
                self.domain_name(value)
            }
            "ascii" | "puny name" => self.domain_name_ascii(value),
            // dates
            "creation date"
            | "created date"
            | "created"
            | "created on"
            | "registered"
            | "registration date"
            | "registration time"
            | "domain registered"
            | "record created"
            | "domain record activated"
            | "domain name commencement date"
            | "first registration date"
            | "registered date"
            | "domain created"
            | "registered on"
            | "record created on" => {
                self.date(DateField::Created, 1, value, key);
            }
            "updated date"
            | "updated"
            | "last updated"
            | "last update"
            | "last-update"
            | "last modified"
            | "modified"
            | "changed"
            | "last-updated"
            | "modification date"
            | "update date"
            | "last updated date"
            | "domain record last updated"
            | "domain datelastmodified"
            | "last updated on"
            | "last-modified" => {
                self.date(DateField::Updated, 1, value, key);
            }
            "registry expiry date"
            | "expiry date"
            | "expiration date"
            | "expires"
            | "expire"
            | "expires on"
            | "expire date"
            | "expire-date"
            | "paid-till"
            | "valid until"
            | "renewal date"
            | "expiration time"
            | "record will expire on"
            | "domain expires"
            | "record expires on"
            | "registry expiration date"
            | "expiry"
            | "expire on" => {
                self.date(DateField::Expires, 1, value, key);
            }
            "registrar registration expiration date" => {
                self.date(DateField::Expires, 2, value, key);
            }
            // statuses
            "domain status"
            | "status"
            | "state"
            | "registration status"
            | "query status"
            | "domain state" => self.status_text(value),
            // registrar
            "registrar"
            | "sponsoring registrar"
            | "registrar name"
            | "current registar"
            | "current registrar"
            | "authorized agency"
            | "registration service provider"
            | "registrar organization" => self.registrar_name(2, value),
            "registrar iana id" | "registrar id" => {
                if self.registrar.iana_id.is_none() && !value.is_empty() {
                    self.registrar.iana_id = Some(clean_n(value, 32));
                }
            }
            "registrar url" | "registration service url" | "referral url" => {
                if self.registrar.url.is_none() && !value.is_empty() {
                    self.registrar.url = Some(clean(value));
                }
            }
            "registrar whois server" | "whois server" => {
                if self.registrar.whois_server.is_none() {
                    self.registrar.whois_server = host_of(value);
                }
            }
            "registrar abuse contact email" => {
                if self.registrar.abuse_email.is_none() && !value.is_empty() {
                    self.registrar.abuse_email = Some(clean(value));
                }
            }
            "registrar abuse contact phone" => {
                if self.registrar.abuse_phone.is_none() && !value.is_empty() {
                    self.registrar.abuse_phone = Some(clean(value));
                }
            }
            "reseller" | "reseller name" => {
                if self.rec.reseller.is_none() && !value.is_empty() {
                    self.rec.reseller = Some(clean(value));
                }
            }
            // name servers
            "name server" | "nameserver" | "nameservers" | "nserver" | "name servers"
            | "primary server" | "secondary server" | "host name" | "hostname" | "dns" => {
                self.nameserver(value)
            }
            k if k.starts_with("ns name") => self.nameserver(value),
            // handle
            "registry domain id" | "roid" | "domain id" => {
                if self.rec.handle.is_none() && !value.is_empty() {
                    self.rec.handle = Some(clean_n(value, 128));
                }
            }
            // DNSSEC
            "dnssec" | "signed" | "domain signed" => self.dnssec_value(value),
            // DENIC: `Dnskey: 257 3 8 AwEAA...`
            "dnskey" if !value.is_empty() => self.dnssec_signed = Some(true),
            "ds" | "ds-rdata" | "dnssec ds data" | "ds record" => self.ds_value(value),
            // AFNIC: `ds-list:` then `key1-tag:`, `key1-algo:`, `key1-dgst-t:`, `key1-dgst:`
            "ds-list" if !value.is_empty() => self.dnssec_signed = Some(true),
            k if k
                .strip_prefix("key")
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())) =>
            {
                self.afnic_ds(k, value)
            }
            _ => {
                if let Some((role, field)) = icann_contact_key(key) {
                    self.contact_field(role, field, value);
                }
            }
        }
    }

    // ---- fields -------------------------------------------------------------------------------

    fn domain_name(&mut self, value: &str) {
        if self.text_domain.is_some() {
            return;
        }
        if let Some(d) = name_token(value) {
            self.text_domain = Some(d);
        }
    }

    /// An explicit A-label form wins over a U-label `domain:` line.
    fn domain_name_ascii(&mut self, value: &str) {
        if self.ascii_seen {
            return;
        }
        if let Some(d) = name_token(value) {
            self.ascii_seen = true;
            self.text_domain = Some(d);
        }
    }

    fn registrar_name(&mut self, rank: u8, value: &str) {
        let (name, url) = split_url_suffix(value);
        if name.is_empty() {
            return;
        }
        self.substantive = true;
        self.registrar_name.offer(rank, clean(name));
        if let Some(u) = url
            && self.registrar.url.is_none()
        {
            self.registrar.url = Some(clean(u));
        }
    }

    fn date(&mut self, field: DateField, rank: u8, value: &str, key: &str) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        match parse_date(v, self.default_offset) {
            Some(d) => {
                self.substantive = true;
                match field {
                    DateField::Created => self.created.offer(rank, d),
                    DateField::Updated => self.updated.offer(rank, d),
                    DateField::Expires => self.expires.offer(rank, d),
                }
            }
            None => {
                let lower = v.to_ascii_lowercase();
                if lower.contains("disclosed") || lower.contains("redacted") {
                    return;
                }
                self.note(format!(
                    "unreadable date for {:?}: {:?}",
                    clean_n(key, 40),
                    clean_n(v, 60)
                ));
            }
        }
    }

    /// A status value in any registry's words.
    fn status_text(&mut self, value: &str) {
        let v = value.trim();
        if v.is_empty() {
            return;
        }
        let lower = v.to_ascii_lowercase();
        // structured negative answers
        let first = lower
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim();
        if matches!(
            first,
            "free" | "available" | "not registered" | "no object found" | "not found"
        ) || lower.starts_with("220 ")
        {
            self.structured.get_or_insert(Lookup::NotFound);
            return;
        }
        if matches!(first, "reserved" | "blocked" | "restricted" | "prohibited")
            || lower.starts_with("reserved")
        {
            self.structured.get_or_insert(Lookup::Reserved);
            self.status(EppStatus::Other(clean_n(v, 64)));
            return;
        }
        // `ok (paid and in zone)`, `ok - Normal state.`, `200 Active`
        let mut s = v;
        if let Some(i) = s.find(" (") {
            s = &s[..i];
        }
        if let Some(i) = s.find(" - ") {
            s = &s[..i];
        }
        let s = s
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim()
            .trim_end_matches('.');
        // `Delete Prohibited by Registrar` (.gg, .je)
        let l = s.to_ascii_lowercase();
        if let Some(what) = l
            .strip_suffix(" prohibited by registrar")
            .map(|w| ("client", w))
            .or_else(|| {
                l.strip_suffix(" prohibited by registry")
                    .map(|w| ("server", w))
            })
        {
            let st = EppStatus::parse(&format!("{} {} prohibited", what.0, what.1));
            self.status(st);
            return;
        }
        // `REGISTERED, DELEGATED, UNVERIFIED` (RIPN); an EPP status with its URL is one value
        if s.contains(',') && !s.contains("http") {
            for part in s.split(',') {
                let part = part.trim();
                if !part.is_empty() {
                    self.status(EppStatus::parse(part));
                }
            }
        } else {
            self.status(EppStatus::parse(s));
        }
    }

    fn status(&mut self, st: EppStatus) {
        // an unknown status keeps the server's words: clean them like every other value
        let st = match st {
            EppStatus::Other(s) => EppStatus::Other(clean_n(&s, 64)),
            known => known,
        };
        if let EppStatus::Other(s) = &st
            && s.is_empty()
        {
            return;
        }
        self.substantive = true;
        if self.rec.statuses.len() < MAX_STATUSES && !self.rec.statuses.contains(&st) {
            self.rec.statuses.push(st);
        }
    }

    fn nameserver(&mut self, value: &str) {
        let Some(tok) = value.split_whitespace().next() else {
            return;
        };
        if tok.chars().all(|c| !c.is_alphanumeric()) {
            return;
        }
        let tok = tok.trim_end_matches(',');
        match DomainName::parse(tok) {
            Ok(d) => {
                // `.dk`: `DNS: google.dk` names the domain, not a server
                if self.text_domain.as_ref() == Some(&d) || d == self.rec.domain {
                    return;
                }
                if d.label_count() < 2 {
                    return;
                }
                self.substantive = true;
                if self.rec.nameservers.len() < MAX_NAMESERVERS
                    && !self.rec.nameservers.contains(&d)
                {
                    self.rec.nameservers.push(d);
                }
            }
            Err(_) => self.note(format!("unreadable name server {:?}", clean_n(tok, 80))),
        }
    }

    fn dnssec_value(&mut self, value: &str) {
        let v = value.trim().to_lowercase();
        if v.is_empty() {
            return;
        }
        let signed = if v.starts_with("unsigned")
            || v.starts_with("no")
            || v == "inactive"
            || v == "false"
            || v == "미서명"
        {
            false
        } else if v.starts_with("signed")
            || v.starts_with("yes")
            || v == "true"
            || v == "active"
            || v == "서명"
        {
            true
        } else {
            self.note(format!("unreadable DNSSEC value {:?}", clean_n(value, 60)));
            return;
        };
        if self.dnssec_signed.is_none() {
            self.dnssec_signed = Some(signed);
        }
    }

    /// `30909 8 2 E2D3C9...` (key tag, algorithm, digest type, digest).
    fn ds_value(&mut self, value: &str) {
        let mut it = value.split_whitespace();
        let parsed = (|| {
            let key_tag: u16 = it.next()?.parse().ok()?;
            let algorithm: u8 = it.next()?.parse().ok()?;
            let digest_type: u8 = it.next()?.parse().ok()?;
            let digest: String = it.collect::<Vec<_>>().concat().to_ascii_lowercase();
            if digest.is_empty()
                || digest.len() > 256
                || !digest.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return None;
            }
            Some(DsRecord {
                key_tag,
                algorithm,
                digest_type,
                digest,
            })
        })();
        match parsed {
            Some(ds) => {
                self.dnssec_signed = Some(true);
                if self.ds.len() < MAX_DS && !self.ds.contains(&ds) {
                    self.ds.push(ds);
                }
            }
            None => self.note(format!("unreadable DS record {:?}", clean_n(value, 80))),
        }
    }

    fn afnic_ds(&mut self, key: &str, value: &str) {
        let Some((_, what)) = key.split_once('-') else {
            return;
        };
        // `8 [RSASHA256]` -> 8
        let first = value.split_whitespace().next().unwrap_or("");
        match what {
            "tag" => self.afnic_ds = (first.parse().ok(), None, None),
            "algo" => self.afnic_ds.1 = first.parse().ok(),
            "dgst-t" => self.afnic_ds.2 = first.parse().ok(),
            "dgst" => {
                if let (Some(t), Some(a), Some(d)) = self.afnic_ds {
                    self.ds_value(&format!("{t} {a} {d} {first}"));
                }
                self.afnic_ds = (None, None, None);
            }
            _ => {}
        }
    }

    fn contact_mut(&mut self, role: Role) -> &mut Contact {
        let pos = self.contacts.iter().position(|c| c.role == role);
        let idx = match pos {
            Some(i) => i,
            None => {
                if self.contacts.len() >= MAX_CONTACTS {
                    // reuse the last one rather than grow without bound
                    self.contacts.len() - 1
                } else {
                    self.contacts.push(ContactDraft {
                        role,
                        contact: Contact {
                            role: role.to_contact(),
                            handle: None,
                            name: None,
                            organization: None,
                            email: None,
                            country: None,
                            redacted: false,
                        },
                    });
                    self.contacts.len() - 1
                }
            }
        };
        &mut self.contacts[idx].contact
    }

    /// Generic keys inside a contact section; true if used.
    fn contact_kv(&mut self, role: Role, key: &str, value: &str) -> bool {
        if key == "contact"
            && matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "administrative" | "technical" | "billing" | "abuse" | "registrant"
            )
        {
            return true;
        }
        let field = match key {
            "name" | "person" | "personname" | "contact" | "holder english name" | "given name" => {
                "name"
            }
            "organization" | "organisation" | "org" | "company name" | "company english name" => {
                "organization"
            }
            "email" | "e-mail" | "email address" => "email",
            "country" | "country code" | "country / region" => "country",
            "nic-hdl" | "nic-hdl-br" | "nic handle" | "id" => "handle",
            _ => return false,
        };
        self.contact_field(role, field, value);
        true
    }

    fn contact_field(&mut self, role: Role, field: &str, value: &str) {
        let v = value.trim();
        if v.is_empty() || v.eq_ignore_ascii_case("n/a") || v == "-" {
            return;
        }
        let lower = v.to_ascii_lowercase();
        let redacted = lower.contains("redacted")
            || lower.contains("not disclosed")
            || lower.contains("withheld")
            || lower.contains("gdpr masked")
            || lower.contains("data protected")
            || lower.contains("hidden")
            || lower.contains("privacy")
            || lower.contains("non-public data")
            || lower.contains("not displayed");
        // `Registrant Email: Please query the RDDS service of the Registrar of Record...`
        let redacted = redacted || (field == "email" && !v.contains('@'));
        let c = self.contact_mut(role);
        if redacted {
            c.redacted = true;
            return;
        }
        let slot = match field {
            "name" => &mut c.name,
            "organization" => &mut c.organization,
            "email" => &mut c.email,
            "country" => &mut c.country,
            "handle" => &mut c.handle,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(clean(v));
        }
    }

    // ---- result -------------------------------------------------------------------------------

    fn finish(mut self, text: &str) -> RegistrationRecord {
        if let Some(d) = self.text_domain.clone()
            && d != self.rec.domain
        {
            self.note(format!(
                "the answer is about {} (asked: {})",
                d.as_str(),
                self.rec.domain.as_str()
            ));
        }
        if let Some(name) = self.registrar_name.take() {
            self.registrar.name = Some(name);
        }
        if self.registrar != Registrar::default() {
            self.rec.registrar = Some(self.registrar.clone());
        }
        for (field, action) in [
            (self.created.take(), EventAction::Registration),
            (self.updated.take(), EventAction::LastChanged),
            (self.expires.take(), EventAction::Expiration),
        ] {
            if let Some(date) = field {
                self.rec.events.push(Event { action, date });
            }
        }
        if self.dnssec_signed.is_some() || !self.ds.is_empty() {
            self.rec.dnssec = Some(Dnssec {
                delegation_signed: self.dnssec_signed.unwrap_or(false) || !self.ds.is_empty(),
                ds: std::mem::take(&mut self.ds),
            });
        }
        self.rec.contacts = self.contacts.drain(..).map(|c| c.contact).collect();
        let received = self.received.unwrap_or(text.len());
        let lookup = classify(
            text,
            received,
            self.structured.clone(),
            self.substantive,
            self.text_domain.is_some(),
        );
        if let Some((lookup, why)) = lookup {
            if let Some(why) = why {
                self.note(why);
            }
            self.rec.lookup = lookup;
        }
        self.rec
    }
}

/// Decides [`Lookup`]; `None` keeps `Registered`.
fn classify(
    text: &str,
    received: usize,
    structured: Option<Lookup>,
    substantive: bool,
    names_domain: bool,
) -> Option<(Lookup, Option<String>)> {
    if let Some(l) = structured {
        return Some((l, None));
    }
    if substantive {
        return None;
    }
    let lower = text.to_lowercase();
    if let Some(retry) = rate_limited(&lower) {
        return Some((
            Lookup::RateLimited {
                retry_after_secs: retry,
            },
            None,
        ));
    }
    if is_reserved(&lower) {
        return Some((Lookup::Reserved, None));
    }
    if is_not_found(&lower) {
        return Some((Lookup::NotFound, None));
    }
    if lower.trim().is_empty() {
        return Some((
            Lookup::RateLimited {
                retry_after_secs: None,
            },
            Some("empty answer: treated as a refusal, not as \"not found\"".to_string()),
        ));
    }
    if names_domain {
        return Some((
            Lookup::Registered,
            Some("no registration data recognised in the answer".to_string()),
        ));
    }
    Some((
        Lookup::Unreadable {
            bytes: received as u64,
        },
        Some(format!(
            "answer not understood ({received} bytes, no data, no known \"not found\" \
             wording): unreadable, not \"not found\""
        )),
    ))
}

/// Limit pages (specific wording only: many registered answers mention "rate limits" in their
/// terms of use). Returns the retry delay when the text gives one.
fn rate_limited(lower: &str) -> Option<Option<u64>> {
    const PATTERNS: &[&str] = &[
        "limit exceeded",
        "limit exceed",
        "limit reached",
        "exceeded the maximum",
        "exceeded your",
        "have exceeded",
        "exceeded the query",
        "exceeded the allowed",
        "queries exceeded",
        "requests per second exceeded",
        "queried interval is too short",
        "too many requests",
        "too many queries",
        "too many connections",
        "quota exceeded",
        "query rate exceeded",
        "maximum query rate",
        "query rate reached",
        "please try again later",
        "try again later",
        "temporarily denied",
        "excessive querying",
        "maximum number of queries",
        "you have been banned",
        "are not permitted",
    ];
    if !PATTERNS.iter().any(|p| lower.contains(p)) {
        return None;
    }
    Some(retry_after(lower))
}

/// `try again in 60 seconds`, `after 5 minutes`.
fn retry_after(lower: &str) -> Option<u64> {
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|w| !w.is_empty())
        .take(20_000)
        .collect();
    for w in words.windows(2) {
        if let Ok(n) = w[0].parse::<u64>() {
            let unit = w[1];
            let mult = if unit.starts_with("sec") || unit == "s" {
                1
            } else if unit.starts_with("min") {
                60
            } else if unit.starts_with("hour") {
                3600
            } else {
                continue;
            };
            return n.checked_mul(mult).filter(|v| *v <= 7 * 86_400);
        }
    }
    None
}

fn is_reserved(lower: &str) -> bool {
    const PATTERNS: [&str; 10] = [
        "reserved by the registry",
        "is reserved",
        "reserved domain",
        "reserved name",
        "has been reserved",
        "is blocked",
        "blocked domain",
        "not available for registration",
        "prohibited string",
        "restricted domain",
    ];
    PATTERNS.iter().any(|p| lower.contains(p))
        || lower
            .lines()
            .any(|l| l.trim() == "reserved" || l.trim_start().starts_with("status: reserved"))
}

fn is_not_found(lower: &str) -> bool {
    const PATTERNS: &[&str] = &[
        "returned 0 objects",
        "no match",
        "not found",
        "no found",
        "object_not_found",
        "no data found",
        "no entries found",
        "no entry found",
        "nothing found",
        "no matching record",
        "no object found",
        "object does not exist",
        "domain not found",
        "is available for registration",
        "available for purchase",
        "is free",
        "status: free",
        "status:free",
        "status: available",
        "not registered",
        "has not been registered",
        "no such domain",
        "does not exist",
        "no information available",
        "do not have an entry",
        "not known in",
        "220 available",
        "domain is available",
    ];
    PATTERNS.iter().any(|p| lower.contains(p))
}

/// `MarkMonitor Inc. (http://www.markmonitor.com)` -> name and URL.
fn split_url_suffix(value: &str) -> (&str, Option<&str>) {
    let v = value.trim();
    if let Some(open) = v.rfind('(')
        && v.ends_with(')')
    {
        let inner = v[open + 1..v.len() - 1].trim();
        if inner.starts_with("http://") || inner.starts_with("https://") {
            return (v[..open].trim(), Some(inner));
        }
    }
    (v, None)
}

/// First token of a value as a domain name (`GOOGLE.TK`, `ns1.example.`, `你好.中国`).
fn name_token(value: &str) -> Option<DomainName> {
    let tok = value.split_whitespace().next()?;
    DomainName::parse(tok).ok()
}

/// ICANN contact keys: `Registrant Name`, `Admin Email`, `Tech Organization`,
/// `Registrant Contact Name`...
fn icann_contact_key(key: &str) -> Option<(Role, &'static str)> {
    let (role, rest) = if let Some(r) = key.strip_prefix("registrant ") {
        (Role::Registrant, r)
    } else if let Some(r) = key.strip_prefix("admin ") {
        (Role::Admin, r)
    } else if let Some(r) = key.strip_prefix("administrative contact ") {
        (Role::Admin, r)
    } else if let Some(r) = key.strip_prefix("tech ") {
        (Role::Tech, r)
    } else if let Some(r) = key.strip_prefix("technical contact ") {
        (Role::Tech, r)
    } else if let Some(r) = key.strip_prefix("billing ") {
        (Role::Billing, r)
    } else if key == "registrant" {
        return Some((Role::Registrant, "organization"));
    } else {
        return None;
    };
    let rest = rest.strip_prefix("contact ").unwrap_or(rest);
    let field = match rest {
        "name" => "name",
        "organization" | "organisation" => "organization",
        "email" | "e-mail" => "email",
        "country" | "country code" => "country",
        "id" => "handle",
        _ => return None,
    };
    Some((role, field))
}

fn clean(s: &str) -> String {
    clean_n(s, MAX_VALUE)
}

/// Trimmed, control characters replaced, at most `max` characters.
fn clean_n(s: &str, max: usize) -> String {
    s.trim()
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

fn is_ns_key(key: &str) -> bool {
    matches!(
        key,
        "name server" | "nameserver" | "nameservers" | "nserver" | "name servers"
    )
}

fn heading_by_words(key: &str) -> Section {
    if key.contains("name server") || key.contains("nameserver") {
        Section::Nameservers
    } else {
        Section::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of whois.iana.org's answer for a TLD (abridged from the `top` record).
    const IANA_TOP: &str = "% IANA WHOIS server
% for more information on IANA, visit http://www.iana.org

refer:        whois.nic.top

domain:       TOP

organisation: .TOP Registry
address:      Jiangsu
address:      China

contact:      administrative
name:         Admin
organisation: .TOP Registry
e-mail:       Admin@nic.top

contact:      technical
name:         Tech
organisation: .TOP Registry
e-mail:       tech@nic.top

nserver:      A.ZDNSCLOUD.COM 1.8.240.1
whois:        whois.nic.top
";

    #[test]
    fn iana_tld_record() {
        let r = parse_iana_tld(IANA_TOP);
        assert_eq!(r.organisation.as_deref(), Some(".TOP Registry"));
        assert_eq!(
            r.contacts,
            vec![
                ("administrative".to_string(), "admin@nic.top".to_string()),
                ("technical".to_string(), "tech@nic.top".to_string())
            ]
        );
        assert_eq!(r.abuse_address(), Some("admin@nic.top"));
        let junk = parse_iana_tld("contact: abuse\ne-mail: not an address\ne-mail: a@b\r\n");
        assert_eq!(
            junk.contacts,
            vec![("abuse".to_string(), "a@b".to_string())]
        );
        assert_eq!(parse_iana_tld("").abuse_address(), None);
    }

    proptest::proptest! {
        #[test]
        fn iana_tld_never_panics(s in "\\PC{0,400}") {
            let _ = parse_iana_tld(&s);
        }
    }

    #[test]
    fn kv_splitting() {
        assert_eq!(
            split_kv("Domain Name: EXAMPLE.COM"),
            Some(("domain name".to_string(), "EXAMPLE.COM"))
        );
        assert_eq!(
            split_kv("domain.............: git.fi"),
            Some(("domain".to_string(), "git.fi"))
        );
        assert_eq!(
            split_kv("Domain name\tgoogle.ch"),
            Some(("domain name".to_string(), "google.ch"))
        );
        assert_eq!(
            split_kv("Record created on 2010-08-13 23:16:40 (UTC+8)"),
            None
        );
        assert_eq!(split_kv("see https://example.com/x"), None);
        assert_eq!(
            jprs_kv("a. [Domain Name]                GOOGLE.CO.JP"),
            Some(("domain name".to_string(), "GOOGLE.CO.JP"))
        );
        assert_eq!(jprs_kv("[ JPRS database provides information ]"), None);
    }

    #[test]
    fn unknown_statuses_lose_control_characters() {
        let d = DomainName::parse("example.com").unwrap();
        let text = "Domain Name: EXAMPLE.COM\nDomain Status: odd\u{1b}]0;title\u{7}\u{9b}2J\n\
                    Domain Status: ok, \u{1b}[31mred\n";
        let r = parse(text, &d, None, "x");
        assert!(r.statuses.len() >= 2, "{:?}", r.statuses);
        for st in &r.statuses {
            assert!(!st.as_epp().chars().any(char::is_control), "{st:?}");
        }
    }

    #[test]
    fn referral_hosts() {
        assert_eq!(
            referral("Registrar WHOIS Server: whois.markmonitor.com\n").as_deref(),
            Some("whois.markmonitor.com")
        );
        assert_eq!(
            referral("refer:        whois.verisign-grs.com\n").as_deref(),
            Some("whois.verisign-grs.com")
        );
        assert_eq!(
            referral("Registrar WHOIS Server: http://WHOIS.Example.NET:43/\n").as_deref(),
            Some("whois.example.net")
        );
        assert_eq!(referral("whois: 127.0.0.1\n"), None);
        assert_eq!(referral("whois: \n"), None);
        assert_eq!(referral("nothing here"), None);
    }
}
