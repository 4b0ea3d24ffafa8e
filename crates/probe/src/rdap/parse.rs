//! RDAP domain JSON (RFC 9083, ICANN gTLD profile) -> [`RegistrationRecord`], leniently.
//!
//! The body is first read by `icann-rdap-common`'s typed model and its conformance checks; what
//! they find wrong becomes a note on the record. The record itself is filled by walking the JSON
//! value, so that a server that breaks the standard (a string where an array belongs, a date
//! without a time, a number as an identifier) still yields everything readable, with a note for
//! each deviation. Every string is clipped and every list bounded.

use icann_rdap_common::check::{CheckParams, ERROR_CHECK_CLASSES, GetChecks, traverse_checks};
use icann_rdap_common::contact::Contact as VCard;
use icann_rdap_common::response::RdapResponse;
use serde_json::{Map, Value};

use domains::DomainName;
use domains::registration::{
    Contact, ContactRole, Dnssec, DsRecord, EppStatus, Event, EventAction, RegDate, Registrar,
    RegistrationRecord, SourceKind,
};

/// The longest string kept from a response.
pub const MAX_STRING: usize = 256;
/// At most this many notes per record.
pub const MAX_NOTES: usize = 32;
const MAX_LIST: usize = 64;
const MAX_ENTITIES: usize = 128;
const MAX_DEPTH: usize = 4;

/// A parsed RDAP domain response.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedDomain {
    pub record: RegistrationRecord,
    /// `related` links to other RDAP records of the same domain (the registrar's), in the order
    /// given, domain-level links first.
    pub related: Vec<String>,
}

/// Why a body could not be read as an RDAP object at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body is JSON but not an object")]
    NotObject,
    /// The answer is about another name (or names none): it says nothing about the one asked,
    /// so the registration stays unknown (never "no statuses", "no lock").
    #[error("the answer is not about {asked}: {found}")]
    NotTheDomainAsked { asked: String, found: String },
}

/// Parses an RDAP domain response from `server` about `domain`.
pub fn parse_domain(
    domain: &DomainName,
    server: &str,
    body: &[u8],
) -> Result<ParsedDomain, ParseError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ParseError::NotJson(clip(&e.to_string())))?;
    let Some(obj) = value.as_object() else {
        return Err(ParseError::NotObject);
    };
    let mut rec = RegistrationRecord::new(domain.clone(), SourceKind::Rdap, clip(server));
    let mut notes = Notes::default();

    conformance(&value, &mut notes);
    if obj.get("rdapConformance").is_none() {
        notes.push("rdapConformance is missing");
    }
    match obj.get("objectClassName").and_then(Value::as_str) {
        Some(c) if c.eq_ignore_ascii_case("domain") => {}
        Some(c) => notes.push(format!("objectClassName is {:?}, not \"domain\"", clip(c))),
        None => notes.push("objectClassName is missing"),
    }
    // The answer must be about the domain asked: by ldhName (A-label), else by unicodeName.
    // An empty object, an error page read as JSON, or another name's object is no record of
    // this one.
    let ldh = obj
        .get("ldhName")
        .and_then(Value::as_str)
        .map(|l| l.trim().trim_end_matches('.'));
    let unicode = obj
        .get("unicodeName")
        .and_then(Value::as_str)
        .map(|l| l.trim().trim_end_matches('.'));
    let same = |n: &str| {
        n.eq_ignore_ascii_case(domain.as_str()) || n.to_lowercase() == domain.to_unicode()
    };
    match (ldh, unicode) {
        (Some(l), _) if same(l) => {}
        (Some(l), _) => {
            return Err(ParseError::NotTheDomainAsked {
                asked: domain.to_string(),
                found: format!("its ldhName is {:?}", clip(l)),
            });
        }
        (None, Some(u)) if same(u) => notes.push("ldhName is missing"),
        (None, Some(u)) => {
            return Err(ParseError::NotTheDomainAsked {
                asked: domain.to_string(),
                found: format!("its unicodeName is {:?}", clip(u)),
            });
        }
        (None, None) => {
            return Err(ParseError::NotTheDomainAsked {
                asked: domain.to_string(),
                found: "it names no domain (no ldhName)".to_string(),
            });
        }
    }

    rec.handle = obj
        .get("handle")
        .and_then(|v| text(v, "handle", &mut notes));
    rec.statuses = strings(obj.get("status"), "status", &mut notes)
        .iter()
        .map(|s| EppStatus::parse(s))
        .collect();
    rec.statuses.sort();
    rec.statuses.dedup();
    rec.events = events(obj.get("events"), &mut notes);
    rec.nameservers = nameservers(obj.get("nameservers"), &mut notes);
    rec.dnssec = obj.get("secureDNS").map(|v| secure_dns(v, &mut notes));

    let redacted_names = redacted_names(obj.get("redacted"));
    let mut related = related_links(obj.get("links"));
    let mut walk = EntityWalk::default();
    if let Some(list) = obj.get("entities") {
        walk.entities(list, 0, &redacted_names, &mut notes);
    }
    if let Some(mut registrar) = walk.registrar {
        if registrar.abuse_email.is_none()
            && registrar.abuse_phone.is_none()
            && let Some((email, phone)) = walk.top_abuse.take()
        {
            // Some registrars put the abuse entity beside the registrar, not inside it.
            notes.push("abuse contact taken from a top-level abuse entity");
            registrar.abuse_email = email;
            registrar.abuse_phone = phone;
        }
        if registrar.abuse_email.is_none() && registrar.abuse_phone.is_none() {
            notes.push("no abuse contact in the registrar entity");
        }
        if let Some(port43) = obj.get("port43").and_then(Value::as_str) {
            registrar.whois_server = Some(clip(port43.trim()));
        }
        related.extend(walk.registrar_links.iter().cloned());
        related.dedup();
        registrar.rdap_url = related.first().cloned();
        rec.registrar = Some(registrar);
    }
    rec.reseller = walk.reseller;
    rec.contacts = walk.contacts;
    rec.notes = notes.into_vec();
    related.truncate(8);
    Ok(ParsedDomain {
        record: rec,
        related,
    })
}

/// Runs the typed model and its RFC 9083 checks over the body; records what is wrong.
fn conformance(value: &Value, notes: &mut Notes) {
    match RdapResponse::try_from(value.clone()) {
        Ok(resp) => {
            if !matches!(resp, RdapResponse::Domain(_)) {
                notes.push(format!("the response is a {} object, not a domain", resp));
                return;
            }
            let checks = resp.get_checks(None, CheckParams::for_rdap(&resp));
            traverse_checks(&checks, ERROR_CHECK_CLASSES, None, &mut |path, item| {
                notes.push(format!("non-conformant at {path}: {item}"));
            });
        }
        Err(e) => notes.push(format!("not readable by the RFC 9083 model: {e}")),
    }
}

#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn push(&mut self, note: impl Into<String>) {
        if self.0.len() < MAX_NOTES {
            let note = clip(&note.into());
            if !self.0.contains(&note) {
                self.0.push(note);
            }
        }
    }
    fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// Clips to [`MAX_STRING`] characters and replaces control characters.
fn clip(s: &str) -> String {
    s.chars()
        .take(MAX_STRING)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// A string, or a number given where a string belongs (noted).
fn text(v: &Value, what: &str, notes: &mut Notes) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(clip(s.trim())),
        Value::String(_) | Value::Null => None,
        Value::Number(n) => {
            notes.push(format!("{what} is a number, not a string"));
            Some(n.to_string())
        }
        _ => {
            notes.push(format!("{what} is not a string"));
            None
        }
    }
}

/// An array of strings, or a single string where an array belongs (noted).
fn strings(v: Option<&Value>, what: &str, notes: &mut Notes) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => {
            notes.push(format!("{what} is a string, not an array"));
            vec![clip(s.trim())]
        }
        Some(Value::Array(a)) => a
            .iter()
            .take(MAX_LIST)
            .filter_map(|x| match x {
                Value::String(s) => Some(clip(s.trim())),
                _ => {
                    notes.push(format!("{what} holds a non-string"));
                    None
                }
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(_) => {
            notes.push(format!("{what} is not an array"));
            Vec::new()
        }
    }
}

fn array<'a>(v: Option<&'a Value>, what: &str, notes: &mut Notes) -> &'a [Value] {
    match v {
        None | Some(Value::Null) => &[],
        Some(Value::Array(a)) => {
            if a.len() > MAX_LIST {
                notes.push(format!(
                    "{what} has {} items; read the first {MAX_LIST}",
                    a.len()
                ));
                &a[..MAX_LIST]
            } else {
                a
            }
        }
        Some(_) => {
            notes.push(format!("{what} is not an array"));
            &[]
        }
    }
}

fn events(v: Option<&Value>, notes: &mut Notes) -> Vec<Event> {
    let mut out = Vec::new();
    for e in array(v, "events", notes) {
        let Some(e) = e.as_object() else {
            notes.push("an event is not an object");
            continue;
        };
        let Some(action) = e.get("eventAction").and_then(Value::as_str) else {
            notes.push("an event has no eventAction");
            continue;
        };
        let action: EventAction = if action.trim().eq_ignore_ascii_case("last update") {
            // Not an RFC 8056 event action; some servers use it for "last changed".
            notes.push("event action \"last update\" read as \"last changed\"");
            EventAction::LastChanged
        } else {
            action.parse().unwrap_or(EventAction::Other(clip(action)))
        };
        let Some(date) = e.get("eventDate").and_then(Value::as_str) else {
            notes.push(format!("event {:?} has no eventDate", action.as_str()));
            continue;
        };
        match parse_date(date) {
            Some((d, exact)) => {
                if !exact {
                    notes.push(format!(
                        "event {:?} date {:?} is not RFC 3339",
                        action.as_str(),
                        clip(date)
                    ));
                }
                out.push(Event { action, date: d });
            }
            None => notes.push(format!(
                "event {:?} has an unreadable date {:?}",
                action.as_str(),
                clip(date)
            )),
        }
    }
    out
}

/// RFC 3339, or (noted by the caller) a date-time without offset (read as UTC) or a bare date.
fn parse_date(s: &str) -> Option<(RegDate, bool)> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    if let Some(d) = RegDate::parse_rfc3339(s) {
        return Some((d, true));
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>()
        && let Ok(z) = dt.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Some((RegDate::utc(z.timestamp()), false));
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Some((RegDate::utc(z.timestamp()), false));
    }
    None
}

fn nameservers(v: Option<&Value>, notes: &mut Notes) -> Vec<DomainName> {
    let mut out = Vec::new();
    for ns in array(v, "nameservers", notes) {
        let name = match ns {
            Value::Object(o) => o
                .get("ldhName")
                .or_else(|| o.get("unicodeName"))
                .and_then(Value::as_str),
            Value::String(s) => {
                notes.push("a nameserver is a string, not an object");
                Some(s.as_str())
            }
            _ => None,
        };
        match name.map(DomainName::parse) {
            Some(Ok(n)) => out.push(n),
            Some(Err(e)) => notes.push(format!("nameserver: {e}")),
            None => notes.push("a nameserver has no ldhName"),
        }
    }
    out.sort();
    out.dedup();
    out
}

fn secure_dns(v: &Value, notes: &mut Notes) -> Dnssec {
    let mut d = Dnssec::default();
    let Some(o) = v.as_object() else {
        notes.push("secureDNS is not an object");
        return d;
    };
    d.delegation_signed = match o.get("delegationSigned") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => {
            notes.push("secureDNS.delegationSigned is a string, not a boolean");
            s.trim().eq_ignore_ascii_case("true")
        }
        _ => false,
    };
    for ds in array(o.get("dsData"), "secureDNS.dsData", notes) {
        let num = |k: &str| -> Option<u64> {
            match ds.get(k)? {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }
        };
        let (Some(key_tag), Some(alg), Some(dt)) = (
            num("keyTag").and_then(|n| u16::try_from(n).ok()),
            num("algorithm").and_then(|n| u8::try_from(n).ok()),
            num("digestType").and_then(|n| u8::try_from(n).ok()),
        ) else {
            notes.push("a dsData entry lacks keyTag, algorithm or digestType");
            continue;
        };
        let digest = ds
            .get("digest")
            .and_then(Value::as_str)
            .map(|s| {
                s.chars()
                    .filter(|c| !c.is_whitespace())
                    .take(MAX_STRING)
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        d.ds.push(DsRecord {
            key_tag,
            algorithm: alg,
            digest_type: dt,
            digest,
        });
    }
    if !d.ds.is_empty() && !d.delegation_signed {
        notes.push("secureDNS has dsData but delegationSigned is not true");
    }
    d.ds.sort();
    d.ds.dedup();
    d
}

/// RFC 9537 `redacted` member names, lower case.
fn redacted_names(v: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(a)) = v else {
        return Vec::new();
    };
    a.iter()
        .take(MAX_LIST)
        .filter_map(|r| r.get("name"))
        .filter_map(|n| {
            n.get("type")
                .or_else(|| n.get("description"))
                .and_then(Value::as_str)
        })
        .map(|s| clip(s).to_ascii_lowercase())
        .collect()
}

fn is_rdap_type(t: Option<&str>) -> bool {
    t.is_none_or(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("application/rdap+json") || t.contains("application/json")
    })
}

fn related_links(v: Option<&Value>) -> Vec<String> {
    let Some(Value::Array(a)) = v else {
        return Vec::new();
    };
    a.iter()
        .take(MAX_LIST)
        .filter(|l| {
            l.get("rel")
                .and_then(Value::as_str)
                .is_some_and(|r| r.eq_ignore_ascii_case("related"))
        })
        .filter(|l| is_rdap_type(l.get("type").and_then(Value::as_str)))
        .filter_map(|l| l.get("href").and_then(Value::as_str))
        .map(|h| clip(h.trim()))
        .filter(|h| h.starts_with("http://") || h.starts_with("https://"))
        .collect()
}

#[derive(Default)]
struct EntityWalk {
    seen: usize,
    registrar: Option<Registrar>,
    registrar_links: Vec<String>,
    reseller: Option<String>,
    contacts: Vec<Contact>,
    /// E-mail and phone of the first abuse entity at the top level of the domain object.
    top_abuse: Option<(Option<String>, Option<String>)>,
}

fn is_redacted_text(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("redacted") || l.contains("withheld") || l.contains("data protected")
}

/// The ICANN profile's redaction remark: a title or type saying the object was redacted.
fn remarks_redacted(v: Option<&Value>) -> bool {
    let Some(list) = v.and_then(Value::as_array) else {
        return false;
    };
    list.iter().take(MAX_LIST).any(|r| {
        ["title", "type"].iter().any(|k| {
            r.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|s| s.len() <= 200 && is_redacted_text(s))
        })
    })
}

/// What a vCard says, with redaction markers turned into `None`.
struct Card {
    name: Option<String>,
    org: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    country: Option<String>,
    url: Option<String>,
    redacted: bool,
}

fn read_card(entity: &Map<String, Value>, notes: &mut Notes) -> Card {
    let mut c = Card {
        name: None,
        org: None,
        email: None,
        phone: None,
        country: None,
        url: None,
        redacted: false,
    };
    let Some(v) = entity.get("vcardArray") else {
        return c;
    };
    let Some(arr) = v.as_array() else {
        notes.push("vcardArray is not an array");
        return c;
    };
    let Some(vc) = VCard::from_vcard(arr) else {
        notes.push("vcardArray is not a jCard");
        return c;
    };
    let mut keep = |s: Option<&str>| -> Option<String> {
        let s = s?.trim();
        if s.is_empty() {
            return None;
        }
        if is_redacted_text(s) {
            c.redacted = true;
            return None;
        }
        Some(clip(s))
    };
    let name = keep(vc.full_name());
    let org = keep(vc.organization_name());
    let email = keep(vc.email().map(|e| e.email.as_str()));
    let phone = keep(
        vc.prefer_voice_phone()
            .or(vc.phone())
            .map(|p| p.phone.trim_start_matches("tel:")),
    );
    let country = keep(
        vc.postal_address()
            .and_then(|p| p.country_code.as_deref().or(p.country_name.as_deref())),
    );
    let url = keep(vc.url());
    Card {
        name,
        org,
        email,
        phone,
        country,
        url,
        redacted: c.redacted,
    }
}

impl EntityWalk {
    fn entities(
        &mut self,
        list: &Value,
        depth: usize,
        redacted_names: &[String],
        notes: &mut Notes,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(list) = list.as_array() else {
            notes.push("entities is not an array");
            return;
        };
        for e in list {
            if self.seen >= MAX_ENTITIES {
                notes.push(format!(
                    "more than {MAX_ENTITIES} entities; the rest was not read"
                ));
                return;
            }
            self.seen += 1;
            let Some(e) = e.as_object() else {
                notes.push("an entity is not an object");
                continue;
            };
            self.entity(e, depth, redacted_names, notes);
        }
    }

    fn entity(
        &mut self,
        e: &Map<String, Value>,
        depth: usize,
        redacted_names: &[String],
        notes: &mut Notes,
    ) {
        let roles: Vec<String> = strings(e.get("roles"), "entity roles", notes)
            .into_iter()
            .map(|r| r.to_ascii_lowercase())
            .collect();
        let has = |r: &str| roles.iter().any(|x| x == r);
        let handle = e
            .get("handle")
            .and_then(|v| text(v, "entity handle", notes));
        let card = read_card(e, notes);

        if has("registrar") && self.registrar.is_none() {
            let mut reg = Registrar {
                name: card.name.clone().or(card.org.clone()),
                handle: handle.clone(),
                url: card.url.clone(),
                ..Registrar::default()
            };
            for id in array(e.get("publicIds"), "publicIds", notes) {
                let is_iana = id
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("IANA Registrar ID"));
                if is_iana {
                    reg.iana_id = id
                        .get("identifier")
                        .and_then(|v| text(v, "IANA Registrar ID", notes));
                }
            }
            if reg.iana_id.is_none()
                && let Some(h) = handle.as_deref().filter(|h| {
                    !h.is_empty() && h.len() <= 10 && h.bytes().all(|b| b.is_ascii_digit())
                })
            {
                // The gTLD RDAP profile makes the registrar entity's handle its IANA id.
                notes.push("IANA Registrar ID taken from the registrar entity's handle");
                reg.iana_id = Some(h.to_string());
            }
            if reg.iana_id.is_none() && depth == 0 {
                notes.push("the registrar entity has no IANA Registrar ID");
            }
            // The abuse contact nested in the registrar entity.
            for sub in array(e.get("entities"), "registrar entities", notes) {
                let Some(sub) = sub.as_object() else { continue };
                let sub_roles = strings(sub.get("roles"), "entity roles", notes);
                if sub_roles.iter().any(|r| r.eq_ignore_ascii_case("abuse")) {
                    let c = read_card(sub, notes);
                    reg.abuse_email = reg.abuse_email.or(c.email);
                    reg.abuse_phone = reg.abuse_phone.or(c.phone);
                }
            }
            self.registrar_links = related_links(e.get("links"));
            self.registrar = Some(reg);
        }
        if has("abuse")
            && depth == 0
            && self.top_abuse.is_none()
            && (card.email.is_some() || card.phone.is_some())
        {
            self.top_abuse = Some((card.email.clone(), card.phone.clone()));
        }
        if has("reseller") && self.reseller.is_none() {
            self.reseller = card.name.clone().or(card.org.clone());
        }
        for (role_name, role) in [
            ("registrant", ContactRole::Registrant),
            ("administrative", ContactRole::Administrative),
            ("technical", ContactRole::Technical),
            ("billing", ContactRole::Billing),
            ("abuse", ContactRole::Abuse),
        ] {
            if has(role_name) && self.contacts.len() < MAX_LIST {
                // Redacted only when the response says so (RFC 9537 or the ICANN profile's
                // redaction values): a contact given by handle and link alone is not.
                let redacted = card.redacted
                    || remarks_redacted(e.get("remarks"))
                    || redacted_names.iter().any(|n| n.contains(role_name));
                self.contacts.push(Contact {
                    role,
                    handle: handle.clone(),
                    name: card.name.clone(),
                    organization: card.org.clone(),
                    email: card.email.clone(),
                    country: card.country.clone(),
                    redacted,
                });
            }
        }
        if let Some(sub) = e.get("entities") {
            self.entities(sub, depth + 1, redacted_names, notes);
        }
    }
}

/// What an RIR says about the network holding an address: who holds it and whom to tell about
/// abuse (the hosting network's abuse contact).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpNetwork {
    /// The RDAP URL asked.
    pub server: String,
    pub handle: Option<String>,
    pub name: Option<String>,
    pub country: Option<String>,
    pub start_address: Option<String>,
    pub end_address: Option<String>,
    /// The registrant organisation.
    pub org: Option<String>,
    pub abuse_email: Option<String>,
    pub abuse_phone: Option<String>,
    /// Every contact e-mail of the network's entities, with the entity's first role
    /// (`abuse`, `technical`, `administrative`, `registrant`...), each address once.
    pub contacts: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// Most contact e-mails kept from one IP network answer.
const MAX_IP_CONTACTS: usize = 32;

/// Parses an RDAP IP network response (RFC 9083 5.4) leniently. The abuse contact is the first
/// entity with the `abuse` role at any depth (RIRs nest it under the organisation).
pub fn parse_ip_network(server: &str, body: &[u8]) -> Result<IpNetwork, ParseError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ParseError::NotJson(clip(&e.to_string())))?;
    let Some(obj) = value.as_object() else {
        return Err(ParseError::NotObject);
    };
    let mut notes = Notes::default();
    match obj.get("objectClassName").and_then(Value::as_str) {
        Some(c) if c.eq_ignore_ascii_case("ip network") => {}
        Some(c) => notes.push(format!(
            "objectClassName is {:?}, not \"ip network\"",
            clip(c)
        )),
        None => notes.push("objectClassName is missing"),
    }
    let field = |k: &str, notes: &mut Notes| obj.get(k).and_then(|v| text(v, k, notes));
    let mut net = IpNetwork {
        server: clip(server),
        handle: field("handle", &mut notes),
        name: field("name", &mut notes),
        country: field("country", &mut notes),
        start_address: field("startAddress", &mut notes),
        end_address: field("endAddress", &mut notes),
        ..IpNetwork::default()
    };
    let mut stack: Vec<(&Value, usize)> = array(obj.get("entities"), "entities", &mut notes)
        .iter()
        .map(|e| (e, 0))
        .collect();
    let mut seen = 0;
    while let Some((e, depth)) = stack.pop() {
        seen += 1;
        if seen > MAX_ENTITIES {
            notes.push(format!(
                "more than {MAX_ENTITIES} entities; the rest was not read"
            ));
            break;
        }
        let Some(e) = e.as_object() else { continue };
        let roles = strings(e.get("roles"), "entity roles", &mut notes);
        let has = |r: &str| roles.iter().any(|x| x.eq_ignore_ascii_case(r));
        let card = read_card(e, &mut notes);
        if has("registrant") && net.org.is_none() {
            net.org = card.org.clone().or(card.name.clone());
        }
        if has("abuse") && net.abuse_email.is_none() {
            net.abuse_email = card.email.clone();
            net.abuse_phone = card.phone.clone();
        }
        if let Some(email) = &card.email
            && net.contacts.len() < MAX_IP_CONTACTS
            && !net
                .contacts
                .iter()
                .any(|(_, e)| e.eq_ignore_ascii_case(email))
        {
            let role = roles.first().map(|r| clip(r)).unwrap_or_default();
            net.contacts.push((role, email.clone()));
        }
        if depth < MAX_DEPTH {
            for sub in array(e.get("entities"), "entities", &mut notes) {
                stack.push((sub, depth + 1));
            }
        }
    }
    if net.abuse_email.is_none() {
        notes.push("no abuse contact");
    }
    net.notes = notes.into_vec();
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domains::registration::Lookup;
    use proptest::prelude::*;
    use serde_json::json;

    fn dn(s: &str) -> DomainName {
        DomainName::parse(s).unwrap()
    }

    /// Shaped like Verisign's thin-registry answer for a .com name.
    pub(crate) fn registry_json() -> Value {
        json!({
          "objectClassName": "domain",
          "handle": "2336799_DOMAIN_COM-VRSN",
          "ldhName": "EXAMPLE.COM",
          "links": [
            {"value": "https://rdap.verisign.com/com/v1/domain/EXAMPLE.COM", "rel": "self",
             "href": "https://rdap.verisign.com/com/v1/domain/EXAMPLE.COM", "type": "application/rdap+json"},
            {"value": "https://rdap.registrar.example/domain/EXAMPLE.COM", "rel": "related",
             "href": "https://rdap.registrar.example/domain/EXAMPLE.COM", "type": "application/rdap+json"}
          ],
          "status": ["client delete prohibited", "client transfer prohibited", "client update prohibited"],
          "entities": [{
            "objectClassName": "entity", "handle": "376", "roles": ["registrar"],
            "publicIds": [{"type": "IANA Registrar ID", "identifier": "376"}],
            "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "RESERVED-Internet Assigned Numbers Authority"]]],
            "entities": [{
              "objectClassName": "entity", "roles": ["abuse"],
              "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", ""],
                ["tel", {"type": "voice"}, "uri", "tel:+1.3108239358"],
                ["email", {}, "text", "abuse@iana.org"]]]
            }]
          }],
          "events": [
            {"eventAction": "registration", "eventDate": "1995-08-14T04:00:00Z"},
            {"eventAction": "expiration", "eventDate": "2026-08-13T04:00:00Z"},
            {"eventAction": "last changed", "eventDate": "2025-08-14T07:01:39Z"},
            {"eventAction": "last update of RDAP database", "eventDate": "2026-11-27T09:00:00Z"}
          ],
          "secureDNS": {"delegationSigned": true, "dsData": [
            {"keyTag": 370, "algorithm": 13, "digestType": 2,
             "digest": "BE74359954660069D5C63D200C39F5603827D7DD02B56F120EE9F3A86764247C"}]},
          "nameservers": [
            {"objectClassName": "nameserver", "ldhName": "A.IANA-SERVERS.NET"},
            {"objectClassName": "nameserver", "ldhName": "B.IANA-SERVERS.NET"}
          ],
          "rdapConformance": ["rdap_level_0", "icann_rdap_technical_implementation_guide_0", "icann_rdap_response_profile_0"],
          "notices": []
        })
    }

    #[test]
    fn thin_registry_record() {
        let body = registry_json().to_string();
        let p = parse_domain(
            &dn("example.com"),
            "https://rdap.verisign.com/com/v1/",
            body.as_bytes(),
        )
        .unwrap();
        let r = &p.record;
        assert_eq!(r.lookup, Lookup::Registered);
        assert_eq!(r.handle.as_deref(), Some("2336799_DOMAIN_COM-VRSN"));
        assert!(r.has_registrar_lock());
        assert_eq!(r.statuses.len(), 3);
        assert_eq!(r.expires().unwrap().to_rfc3339(), "2026-08-13T04:00:00Z");
        assert_eq!(r.created().unwrap().to_rfc3339(), "1995-08-14T04:00:00Z");
        assert_eq!(r.nameservers.len(), 2);
        assert_eq!(r.nameservers[0].as_str(), "a.iana-servers.net");
        let ds = r.dnssec.as_ref().unwrap();
        assert!(ds.delegation_signed);
        assert_eq!(ds.ds[0].key_tag, 370);
        assert!(ds.ds[0].digest.starts_with("be7435"));
        let reg = r.registrar.as_ref().unwrap();
        assert_eq!(reg.iana_id.as_deref(), Some("376"));
        assert_eq!(reg.abuse_email.as_deref(), Some("abuse@iana.org"));
        assert_eq!(reg.abuse_phone.as_deref(), Some("+1.3108239358"));
        assert_eq!(
            p.related,
            vec!["https://rdap.registrar.example/domain/EXAMPLE.COM".to_string()]
        );
        assert_eq!(reg.rdap_url.as_deref(), Some(p.related[0].as_str()));
    }

    #[test]
    fn an_answer_about_another_name_or_none_is_no_record() {
        for (body, found) in [
            ("{}", "names no domain"),
            (
                r#"{"objectClassName":"domain","ldhName":"other.com","status":["active"]}"#,
                "\"other.com\"",
            ),
            (
                r#"{"objectClassName":"domain","unicodeName":"other.com"}"#,
                "unicodeName",
            ),
            (r#"{"errorCode":200,"title":"OK"}"#, "names no domain"),
        ] {
            let e = parse_domain(&dn("example.com"), "x", body.as_bytes()).unwrap_err();
            assert!(
                matches!(&e, ParseError::NotTheDomainAsked { asked, found: f } if asked == "example.com" && f.contains(found)),
                "{body}: {e}"
            );
        }
        // The same name, written as a U-label in unicodeName only: read, with a note.
        let p = parse_domain(
            &dn("xn--r8jz45g.jp"),
            "x",
            r#"{"objectClassName":"domain","unicodeName":"例え.jp"}"#.as_bytes(),
        )
        .unwrap();
        assert!(p.record.notes.iter().any(|n| n == "ldhName is missing"));
    }

    #[test]
    fn lenient_with_notes() {
        let body = json!({
            "objectClassName": "domain",
            "ldhName": "EXAMPLE.COM.",
            "status": "active",
            "events": [
                {"eventAction": "expiration", "eventDate": "2027-01-02"},
                {"eventAction": "registration", "eventDate": "yesterday"},
                {"eventAction": "transfer"}
            ],
            "nameservers": ["ns1.example.net", {"ldhName": "bad..name"}],
            "secureDNS": {"delegationSigned": "false"},
            "entities": [{"roles": "registrar", "publicIds": [{"type": "IANA Registrar ID", "identifier": 9999}],
                          "vcardArray": ["vcard", [["fn", {}, "text", "Reg"]]]},
                         {"roles": ["registrant"], "vcardArray": ["vcard", [["fn", {}, "text", "REDACTED FOR PRIVACY"]]]}]
        })
        .to_string();
        let p = parse_domain(&dn("example.com"), "x", body.as_bytes()).unwrap();
        let r = &p.record;
        assert_eq!(r.statuses, vec![EppStatus::Active]);
        assert_eq!(r.expires().unwrap().to_rfc3339(), "2027-01-02T00:00:00Z");
        assert!(r.created().is_none());
        assert_eq!(r.nameservers.len(), 1);
        assert!(!r.dnssec.as_ref().unwrap().delegation_signed);
        let reg = r.registrar.as_ref().unwrap();
        assert_eq!(reg.iana_id.as_deref(), Some("9999"));
        assert_eq!(reg.name.as_deref(), Some("Reg"));
        assert_eq!(r.contacts.len(), 1);
        assert!(r.contacts[0].redacted);
        assert!(r.contacts[0].name.is_none());
        let all = r.notes.join("\n");
        for expected in [
            "rdapConformance is missing",
            "status is a string",
            "not RFC 3339",
            "unreadable date",
            "has no eventDate",
            "nameserver is a string",
            "delegationSigned is a string",
            "IANA Registrar ID is a number",
            "no abuse contact",
        ] {
            assert!(
                all.contains(expected),
                "missing note {expected:?} in\n{all}"
            );
        }
    }

    #[test]
    fn last_update_event_is_last_changed_with_a_note() {
        let body = json!({"objectClassName": "domain", "ldhName": "example.com",
            "rdapConformance": ["rdap_level_0"],
            "events": [{"eventAction": "last update", "eventDate": "2025-08-14T07:01:39Z"}]});
        let parsed = parse_domain(
            &dn("example.com"),
            "https://rdap.test",
            body.to_string().as_bytes(),
        )
        .expect("parses");
        let rec = parsed.record;
        assert_eq!(rec.events.len(), 1);
        assert_eq!(rec.events[0].action, EventAction::LastChanged);
        assert!(rec.updated().is_some());
        assert!(
            rec.notes
                .iter()
                .any(|n| n.contains("\"last update\" read as \"last changed\"")),
            "{:?}",
            rec.notes
        );
    }

    #[test]
    fn rfc9083_checks_become_notes() {
        let body = r#"{"objectClassName":"domain","ldhName":"example.com","rdapConformance":["rdap_level_0"],
            "links":[{"href":"https://x.example/"}],
            "events":[{"eventAction":"registration","eventDate":"2020-01-01"}]}"#;
        let p = parse_domain(&dn("example.com"), "x", body.as_bytes()).unwrap();
        let all = p.record.notes.join("\n");
        assert!(
            all.contains("non-conformant at [ROOT]/domain/link/[0]"),
            "{all}"
        );
        assert!(all.contains("'rel' property not found"), "{all}");
        assert_eq!(
            p.record.created().unwrap().to_rfc3339(),
            "2020-01-01T00:00:00Z"
        );
        let body = r#"{"objectClassName":"domain","ldhName":"example.com","rdapConformance":"rdap_level_0"}"#;
        let p = parse_domain(&dn("example.com"), "x", body.as_bytes()).unwrap();
        assert!(
            p.record.notes[0].starts_with("not readable by the RFC 9083 model"),
            "{:?}",
            p.record.notes
        );
    }

    #[test]
    fn ip_network_abuse_contact_nested() {
        let body = json!({
            "objectClassName": "ip network", "handle": "NET-192-0-2-0-1", "name": "EXAMPLE-NET",
            "startAddress": "192.0.2.0", "endAddress": "192.0.2.127", "country": "JP",
            "entities": [{"roles": ["registrant"], "vcardArray": ["vcard", [["fn", {}, "text", "Example Org"]]],
                "entities": [{"roles": ["abuse"], "vcardArray": ["vcard", [["fn", {}, "text", "Abuse"],
                    ["email", {}, "text", "abuse@example.net"], ["tel", {"type": "voice"}, "uri", "tel:+81.3"]]]}]}]
        })
        .to_string();
        let n = parse_ip_network("x", body.as_bytes()).unwrap();
        assert_eq!(n.handle.as_deref(), Some("NET-192-0-2-0-1"));
        assert_eq!(n.org.as_deref(), Some("Example Org"));
        assert_eq!(n.abuse_email.as_deref(), Some("abuse@example.net"));
        assert_eq!(n.abuse_phone.as_deref(), Some("+81.3"));
        assert_eq!(
            n.contacts,
            vec![("abuse".to_string(), "abuse@example.net".to_string())]
        );
        assert!(n.notes.is_empty(), "{:?}", n.notes);
        let n = parse_ip_network("x", b"{}").unwrap();
        assert!(n.notes.iter().any(|x| x.contains("no abuse contact")));
    }

    #[test]
    fn iana_id_from_handle() {
        let body = json!({"objectClassName": "domain", "ldhName": "example.com",
            "entities": [{"objectClassName": "entity", "handle": "1068", "roles": ["registrar"]}]})
        .to_string();
        let p = parse_domain(&dn("example.com"), "x", body.as_bytes()).unwrap();
        let r = p.record.registrar.unwrap();
        assert_eq!(r.iana_id.as_deref(), Some("1068"));
        assert!(
            p.record
                .notes
                .iter()
                .any(|n| n.contains("taken from the registrar entity's handle"))
        );
        let body = json!({"objectClassName": "domain", "ldhName": "example.com",
            "entities": [{"objectClassName": "entity", "handle": "REG-ACME", "roles": ["registrar"]}]})
        .to_string();
        let p = parse_domain(&dn("example.com"), "x", body.as_bytes()).unwrap();
        assert!(p.record.registrar.unwrap().iana_id.is_none());
    }

    #[test]
    fn real_afnic_response() {
        let body = include_bytes!("../../data/fixtures/domain_afnic_fr.json");
        let p = parse_domain(&dn("afnic.fr"), "https://rdap.nic.fr/", body).unwrap();
        let r = &p.record;
        assert_eq!(r.lookup, Lookup::Registered);
        assert_eq!(r.handle.as_deref(), Some("DOM000000181261-FRNIC"));
        assert_eq!(r.statuses, vec![EppStatus::Active]);
        assert_eq!(r.expires().unwrap().to_rfc3339(), "2029-07-18T08:26:59Z");
        assert_eq!(
            r.event(&EventAction::Transfer).unwrap().to_rfc3339(),
            "2017-07-18T08:26:59Z"
        );
        let ns: Vec<&str> = r.nameservers.iter().map(|n| n.as_str()).collect();
        assert_eq!(ns, ["ns1.nic.fr", "ns2.nic.fr", "ns3.nic.fr"]);
        let reg = r.registrar.as_ref().unwrap();
        assert_eq!(reg.iana_id.as_deref(), Some("9999"));
        assert_eq!(reg.name.as_deref(), Some("Registry Operations"));
        let roles: Vec<&ContactRole> = r.contacts.iter().map(|c| &c.role).collect();
        assert_eq!(
            roles
                .iter()
                .filter(|r| ***r == ContactRole::Technical)
                .count(),
            2
        );
        let registrant = r
            .contacts
            .iter()
            .find(|c| c.role == ContactRole::Registrant)
            .unwrap();
        assert_eq!(registrant.email.as_deref(), Some("contact@nic.fr"));
        assert!(!registrant.redacted);
        assert!(p.related.is_empty());
        assert!(
            r.notes.iter().any(|n| n.contains("no abuse contact")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn rfc9537_redaction_example() {
        let body = include_bytes!("../../data/fixtures/lookup_with_redaction.json");
        let p = parse_domain(&dn("example.com"), "x", body).unwrap();
        let r = &p.record;
        assert_eq!(r.registrar.as_ref().unwrap().iana_id.as_deref(), Some("1"));
        let registrant = r
            .contacts
            .iter()
            .find(|c| c.role == ContactRole::Registrant)
            .unwrap();
        assert!(registrant.redacted);
        assert!(registrant.name.is_none() && registrant.email.is_none());
        let tech = r
            .contacts
            .iter()
            .find(|c| c.role == ContactRole::Technical)
            .unwrap();
        assert!(tech.redacted);
        assert_eq!(r.nameservers.len(), 2);
        assert!(!r.dnssec.as_ref().unwrap().delegation_signed);
    }

    #[test]
    fn top_level_abuse_entity_and_fractional_dates() {
        let body = include_bytes!("../../tests/fixtures/rdap/top_level_abuse.json");
        let p = parse_domain(&dn("abuse-top.example"), "x", body).unwrap();
        let r = &p.record;
        let reg = r.registrar.as_ref().unwrap();
        assert_eq!(reg.name.as_deref(), Some("Example Registrar Ltd"));
        assert_eq!(reg.iana_id.as_deref(), Some("1234"));
        assert_eq!(reg.handle.as_deref(), Some("1234"));
        assert_eq!(reg.abuse_email.as_deref(), Some("abuse@registrar.example"));
        assert_eq!(reg.abuse_phone.as_deref(), Some("+1.5555550100"));
        assert!(r.notes.iter().any(|n| n.contains("top-level abuse entity")));
        assert!(!r.notes.iter().any(|n| n.contains("no abuse contact")));
        assert_eq!(
            r.created().unwrap().to_rfc3339(),
            "2019-03-04T05:06:07.123Z"
        );
        assert_eq!(
            r.expires().unwrap().to_rfc3339(),
            "2027-03-04T05:06:07.5+09:00"
        );
        assert_eq!(
            r.event(&EventAction::LastChanged).unwrap().to_rfc3339(),
            "2026-01-02T03:04:05Z"
        );
        let registrant = r
            .contacts
            .iter()
            .find(|c| c.role == ContactRole::Registrant)
            .unwrap();
        assert_eq!(registrant.handle.as_deref(), Some("C-REG-1"));
        assert!(!registrant.redacted, "handle + self link is not redaction");
        assert!(registrant.name.is_none() && registrant.email.is_none());
        let abuse = r
            .contacts
            .iter()
            .find(|c| c.role == ContactRole::Abuse)
            .unwrap();
        assert_eq!(abuse.email.as_deref(), Some("abuse@registrar.example"));
    }

    #[test]
    fn registrar_by_handle_only_and_redaction_only_when_said() {
        let body = include_bytes!("../../tests/fixtures/rdap/cz_handle_only.json");
        let p = parse_domain(&dn("handle-only.cz"), "x", body).unwrap();
        let r = &p.record;
        let reg = r.registrar.as_ref().unwrap();
        assert_eq!(reg.handle.as_deref(), Some("REG-EXAMPLE"));
        assert!(reg.name.is_none());
        assert!(reg.iana_id.is_none());
        assert_eq!(
            r.created().unwrap().to_rfc3339(),
            "2010-05-06T07:08:09.987654+02:00"
        );
        let registrant = r
            .contacts
            .iter()
            .find(|c| c.role == ContactRole::Registrant)
            .unwrap();
        assert_eq!(registrant.handle.as_deref(), Some("CONTACT-1"));
        assert!(!registrant.redacted);
        let tech = r
            .contacts
            .iter()
            .find(|c| c.role == ContactRole::Technical)
            .unwrap();
        assert_eq!(tech.handle.as_deref(), Some("CONTACT-2"));
        assert!(tech.redacted, "the profile's redaction remark says so");
    }

    #[test]
    fn not_json() {
        assert!(matches!(
            parse_domain(&dn("example.com"), "x", b"<html>rate limited</html>"),
            Err(ParseError::NotJson(_))
        ));
        assert_eq!(
            parse_domain(&dn("example.com"), "x", b"[1,2]"),
            Err(ParseError::NotObject)
        );
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "\\PC{0,20}".prop_map(Value::String),
            prop_oneof![
                Just("registrar"),
                Just("abuse"),
                Just("registrant"),
                Just("IANA Registrar ID"),
                Just("related"),
                Just("2024-01-01T00:00:00Z"),
                Just("vcard"),
                Just("fn"),
                Just("email"),
            ]
            .prop_map(|s| Value::String(s.into())),
        ];
        let keys = prop_oneof![
            Just("objectClassName".to_string()),
            Just("ldhName".to_string()),
            Just("status".to_string()),
            Just("events".to_string()),
            Just("eventAction".to_string()),
            Just("eventDate".to_string()),
            Just("entities".to_string()),
            Just("roles".to_string()),
            Just("publicIds".to_string()),
            Just("type".to_string()),
            Just("identifier".to_string()),
            Just("vcardArray".to_string()),
            Just("links".to_string()),
            Just("rel".to_string()),
            Just("href".to_string()),
            Just("secureDNS".to_string()),
            Just("dsData".to_string()),
            Just("nameservers".to_string()),
            Just("redacted".to_string()),
            "[a-z]{1,6}",
        ];
        leaf.prop_recursive(5, 64, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(keys.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn never_panics_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_domain(&dn("example.com"), "x", &body);
        }

        #[test]
        fn ip_network_never_panics(v in arb_json()) {
            let body = v.to_string();
            if let Ok(n) = parse_ip_network("x", body.as_bytes()) {
                prop_assert!(n.notes.len() <= MAX_NOTES);
            }
        }

        #[test]
        fn never_panics_on_jcard_shapes(
            props in proptest::collection::vec(
                (
                    "(fn|org|email|tel|adr|url|kind|version|[a-z]{0,4})",
                    proptest::collection::btree_map("[a-z]{0,4}", arb_json(), 0..3),
                    "(text|uri|[a-z]{0,4})",
                    proptest::collection::vec(arb_json(), 0..4),
                ),
                0..6,
            ),
            roles in proptest::collection::vec(
                prop_oneof![Just("registrar"), Just("abuse"), Just("registrant"), Just("reseller")],
                0..3,
            ),
        ) {
            let card: Vec<Value> = props
                .into_iter()
                .map(|(name, params, ty, values)| {
                    let mut p = vec![json!(name), Value::Object(params.into_iter().collect()), json!(ty)];
                    p.extend(values);
                    Value::Array(p)
                })
                .collect();
            let entity = json!({"roles": roles, "vcardArray": ["vcard", card], "handle": "1"});
            let body = json!({
                "objectClassName": "domain",
                "ldhName": "example.com",
                "entities": [entity.clone(), {"roles": ["registrar"], "entities": [entity.clone()]}],
            });
            let _ = parse_domain(&dn("example.com"), "x", body.to_string().as_bytes());
            let _ = parse_ip_network("x", json!({"entities": [entity]}).to_string().as_bytes());
        }

        #[test]
        fn never_panics_on_json(v in arb_json()) {
            let body = v.to_string();
            if let Ok(p) = parse_domain(&dn("example.com"), "x", body.as_bytes()) {
                prop_assert!(p.record.notes.len() <= MAX_NOTES);
                prop_assert!(p.related.len() <= 8);
            }
        }
    }
}
