//! Case exports for sharing: a STIX 2.1 bundle, a MISP event (MISP core format) and CSV.
//!
//! The builders are pure: plain [`ExportCase`] values in, a document out. Everything in a case
//! came from reporters (brands, URLs, registrar names): values are only ever placed inside JSON
//! strings (serde escapes them), STIX pattern literals are escaped (`\` and `'`), and CSV cells
//! that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) get a leading `'`.
//!
//! Ids are deterministic so that exporting the same cases twice gives the same ids (a consumer
//! then updates its objects instead of duplicating them):
//! - STIX SDOs and MISP uuids: UUIDv5 over [`NAMESPACE`] and the case's id and domain;
//! - STIX SCOs: UUIDv5 over the SCO namespace of STIX 2.1 (section 2.9) and the canonical JSON of
//!   the id contributing properties (`{"value":"example.com"}` for `domain-name`).
//! - TLP markings use the OASIS TLP 2.0 marking-definition ids (cti-stix-common-objects,
//!   extension-definition-specifications/tlp-2.0).

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{CaseState, Category, Resolution, Tlp};

/// Our namespace for UUIDv5 ids of exported objects (fixed forever: changing it changes every
/// exported id).
pub const NAMESPACE: Uuid = Uuid::from_u128(0x5f1c_2d0e_8a3b_4c6d_9e7f_0a1b_2c3d_4e5f);

/// The STIX 2.1 namespace for the ids of STIX Cyber-observable Objects.
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The TLP 2.0 property extension's definition id.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// At most this many report URLs per case go into an export (a case with thousands of URLs
/// would otherwise make one indicator or CSV cell unbounded).
pub const MAX_URLS_PER_CASE: usize = 100;

/// One case as an export sees it (the binary maps the store's case and reports into it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCase {
    pub id: i64,
    /// The case's domain, A-label form.
    pub domain: String,
    /// The registrable domain, A-label form.
    pub registered: String,
    pub state: CaseState,
    pub resolution: Option<Resolution>,
    pub brand: Option<String>,
    pub category: Category,
    pub tlp: Tlp,
    pub registrar: Option<String>,
    pub registry: Option<String>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_reported_at: Timestamp,
    pub last_reported_at: Timestamp,
    pub mitigated_at: Option<Timestamp>,
    pub mitigated_by: Option<String>,
    /// Reports attached.
    pub reports: usize,
    /// The reported URLs (duplicates and order do not matter; bounded by [`MAX_URLS_PER_CASE`]).
    pub urls: Vec<String>,
}

impl ExportCase {
    /// The distinct URLs, sorted, at most [`MAX_URLS_PER_CASE`].
    fn urls(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.urls.iter().map(String::as_str).collect();
        set.into_iter().take(MAX_URLS_PER_CASE).collect()
    }
}

/// RFC 3339 in UTC with milliseconds and `Z`, as STIX asks (`2023-01-05T09:30:00.000Z`).
pub fn stix_time(t: Timestamp) -> String {
    let z = t.to_zoned(TimeZone::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        z.year(),
        z.month(),
        z.day(),
        z.hour(),
        z.minute(),
        z.second(),
        z.millisecond()
    )
}

/// The OASIS TLP 2.0 marking-definition id of a label.
pub fn tlp_marking_id(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
}

/// The TLP 2.0 marking-definition object, as published by OASIS.
pub fn tlp_marking(tlp: Tlp) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp_marking_id(tlp),
        "created": "2022-10-01T00:00:00.000Z",
        "name": format!("TLP:{}", tlp.as_str().to_ascii_uppercase()),
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.as_str(),
            }
        }
    })
}

/// A STIX pattern string literal: `'` and `\` escaped with a backslash, in quotes.
pub fn stix_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The id of the `domain-name` SCO for a value (UUIDv5 of `{"value":"..."}` in the SCO
/// namespace).
pub fn domain_name_id(value: &str) -> String {
    let canonical = json!({ "value": value }).to_string();
    format!(
        "domain-name--{}",
        Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes())
    )
}

fn case_uuid(kind: &str, c: &ExportCase) -> Uuid {
    Uuid::new_v5(
        &NAMESPACE,
        format!("{kind}|{}|{}", c.id, c.domain).as_bytes(),
    )
}

/// The indicator id of a case.
pub fn indicator_id(c: &ExportCase) -> String {
    format!("indicator--{}", case_uuid("indicator", c))
}

fn category_words(c: Category) -> &'static str {
    match c {
        Category::Phishing => "Phishing",
        Category::Malware => "Malware distribution",
        Category::C2 => "Command and control",
        Category::Spam => "Spam",
        Category::Other => "Abuse",
    }
}

fn indicator(c: &ExportCase) -> Value {
    let what = category_words(c.category);
    let name = match &c.brand {
        Some(b) => format!("{what} domain {} ({b})", c.domain),
        None => format!("{what} domain {}", c.domain),
    };
    let mut description = format!(
        "{what} reported {} time(s) from {} to {}",
        c.reports,
        stix_time(c.first_reported_at),
        stix_time(c.last_reported_at)
    );
    if let Some(b) = &c.brand {
        description.push_str(&format!(", imitating {b}"));
    }
    description.push_str(&format!("; case {} is {}", c.id, c.state));
    if let Some(r) = c.resolution {
        description.push_str(&format!(" ({})", r.as_str()));
    }
    if let Some(m) = c.mitigated_at {
        description.push_str(&format!(", mitigated at {}", stix_time(m)));
        if let Some(by) = &c.mitigated_by {
            description.push_str(&format!(" by {by}"));
        }
    }
    description.push('.');
    let refs: Vec<Value> = c
        .urls()
        .into_iter()
        .map(|u| json!({ "source_name": "domwatch-report", "url": u }))
        .collect();
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": indicator_id(c),
        "created": stix_time(c.opened_at),
        "modified": stix_time(c.updated_at.max(c.opened_at)),
        "name": name,
        "description": description,
        "indicator_types": ["malicious-activity"],
        "labels": [c.category.as_str(), c.category.rsit()],
        "pattern": format!("[domain-name:value = {}]", stix_literal(&c.domain)),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": stix_time(c.first_reported_at),
        "object_marking_refs": [tlp_marking_id(c.tlp)],
    });
    if !refs.is_empty()
        && let Some(m) = o.as_object_mut()
    {
        m.insert("external_references".into(), Value::Array(refs));
    }
    o
}

/// A STIX 2.1 bundle: per case a `domain-name` SCO and an `indicator`, then the TLP 2.0
/// marking definitions the cases use. The bundle id is derived from the objects' ids.
pub fn stix_bundle(cases: &[ExportCase]) -> Value {
    let mut objects = Vec::with_capacity(cases.len() * 2 + 5);
    let mut tlps: BTreeSet<&'static str> = BTreeSet::new();
    // Two cases of one domain (closed, then a new episode) share the SCO, marked with the
    // stricter of their labels.
    let mut sco_tlp: BTreeMap<&str, Tlp> = BTreeMap::new();
    for c in cases {
        let t = sco_tlp.entry(c.domain.as_str()).or_insert(c.tlp);
        if tlp_rank(c.tlp) > tlp_rank(*t) {
            *t = c.tlp;
        }
    }
    for c in cases {
        tlps.insert(tlp_marking_id(c.tlp));
        if let Some(tlp) = sco_tlp.remove(c.domain.as_str()) {
            objects.push(json!({
                "type": "domain-name",
                "spec_version": "2.1",
                "id": domain_name_id(&c.domain),
                "value": c.domain,
                "object_marking_refs": [tlp_marking_id(tlp)],
            }));
        }
        objects.push(indicator(c));
    }
    for t in Tlp::ALL {
        if tlps.contains(tlp_marking_id(t)) {
            objects.push(tlp_marking(t));
        }
    }
    let ids: Vec<&str> = objects
        .iter()
        .filter_map(|o| o.get("id").and_then(Value::as_str))
        .collect();
    let bundle_id = Uuid::new_v5(&NAMESPACE, format!("bundle|{}", ids.join(",")).as_bytes());
    let mut bundle = json!({
        "type": "bundle",
        "id": format!("bundle--{bundle_id}"),
    });
    // STIX lists are never empty: an export of no case has no `objects`.
    if !objects.is_empty()
        && let Some(m) = bundle.as_object_mut()
    {
        m.insert("objects".into(), Value::Array(objects));
    }
    bundle
}

/// The MISP tag of a TLP label (MISP's `tlp` taxonomy).
pub fn misp_tlp_tag(tlp: Tlp) -> String {
    format!("tlp:{}", tlp.as_str())
}

/// The MISP tag of a category (MISP's `rsit` taxonomy: `rsit:fraud="phishing"`).
pub fn misp_rsit_tag(c: Category) -> String {
    let (class, kind) = c.rsit().split_once('/').unwrap_or((c.rsit(), ""));
    format!("rsit:{class}=\"{kind}\"")
}

/// MISP distribution for a TLP: 0 your organisation only, 1 this community, 3 all communities.
fn misp_distribution(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "3",
        Tlp::Green => "1",
        Tlp::Amber | Tlp::AmberStrict | Tlp::Red => "0",
    }
}

/// How strict a label is (the event takes its strictest case's label).
fn tlp_rank(t: Tlp) -> u8 {
    match t {
        Tlp::Clear => 0,
        Tlp::Green => 1,
        Tlp::Amber => 2,
        Tlp::AmberStrict => 3,
        Tlp::Red => 4,
    }
}

/// MISP threat level: 1 high, 2 medium, 3 low, 4 undefined.
fn misp_threat_level(c: Category) -> u8 {
    match c {
        Category::Malware | Category::C2 => 2,
        Category::Phishing | Category::Spam => 3,
        Category::Other => 4,
    }
}

/// What a MISP event needs beside the cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MispMeta {
    /// The event's `info` line.
    pub info: String,
    /// When the export was made (the event's and attributes' `timestamp`).
    pub generated_at: Timestamp,
}

fn epoch(t: Timestamp) -> String {
    t.as_second().to_string()
}

/// One MISP event (MISP core format) holding a `domain` attribute per case and a `url`
/// attribute per reported URL, with `tlp:` and `rsit:` tags. The event takes the strictest TLP
/// of its cases (attributes carry their own case's tags), its date is the earliest report, its
/// analysis is complete when every case is closed, ongoing otherwise.
pub fn misp_event(cases: &[ExportCase], meta: &MispMeta) -> Value {
    let now = epoch(meta.generated_at);
    let tlp = cases
        .iter()
        .map(|c| c.tlp)
        .max_by_key(|t| tlp_rank(*t))
        .unwrap_or(Tlp::Amber);
    let mut tags = vec![json!({ "name": misp_tlp_tag(tlp) })];
    let mut rsit: Vec<String> = Vec::new();
    for c in cases {
        let t = misp_rsit_tag(c.category);
        if !rsit.contains(&t) {
            rsit.push(t);
        }
    }
    tags.extend(rsit.iter().map(|t| json!({ "name": t })));
    let threat = cases
        .iter()
        .map(|c| misp_threat_level(c.category))
        .min()
        .unwrap_or(4);
    let analysis = if !cases.is_empty() && cases.iter().all(|c| !c.state.is_open()) {
        "2"
    } else {
        "1"
    };
    let date = cases
        .iter()
        .map(|c| c.first_reported_at)
        .min()
        .unwrap_or(meta.generated_at)
        .to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%d")
        .to_string();
    let mut attributes = Vec::new();
    for c in cases {
        let case_tags = json!([
            { "name": misp_tlp_tag(c.tlp) },
            { "name": misp_rsit_tag(c.category) },
        ]);
        let mut comment = format!("case {} ({}", c.id, c.state);
        if let Some(r) = c.resolution {
            comment.push_str(&format!(", {}", r.as_str()));
        }
        comment.push(')');
        if let Some(b) = &c.brand {
            comment.push_str(&format!(", brand {b}"));
        }
        attributes.push(json!({
            "uuid": case_uuid("misp-domain", c).to_string(),
            "type": "domain",
            "category": "Network activity",
            "value": c.domain,
            "to_ids": true,
            "distribution": "5",
            "timestamp": now,
            "first_seen": stix_time(c.first_reported_at),
            "last_seen": stix_time(c.last_reported_at.max(c.first_reported_at)),
            "comment": comment,
            "Tag": case_tags,
        }));
        for u in c.urls() {
            let uuid = Uuid::new_v5(
                &NAMESPACE,
                format!("misp-url|{}|{}|{u}", c.id, c.domain).as_bytes(),
            );
            attributes.push(json!({
                "uuid": uuid.to_string(),
                "type": "url",
                "category": "Network activity",
                "value": u,
                "to_ids": true,
                "distribution": "5",
                "timestamp": now,
                "comment": format!("case {}", c.id),
                "Tag": case_tags,
            }));
        }
    }
    let ids: Vec<String> = cases
        .iter()
        .map(|c| format!("{}|{}", c.id, c.domain))
        .collect();
    let event_uuid = Uuid::new_v5(
        &NAMESPACE,
        format!("misp-event|{}", ids.join(",")).as_bytes(),
    );
    json!({
        "Event": {
            "uuid": event_uuid.to_string(),
            "info": meta.info,
            "date": date,
            "threat_level_id": threat.to_string(),
            "analysis": analysis,
            "distribution": misp_distribution(tlp),
            "published": false,
            "timestamp": now,
            "Tag": tags,
            "Attribute": attributes,
        }
    })
}

/// The CSV header of [`csv_export`].
pub const CSV_HEADER: [&str; 16] = [
    "id",
    "domain",
    "registered",
    "state",
    "resolution",
    "brand",
    "category",
    "tlp",
    "registrar",
    "registry",
    "first_reported",
    "last_reported",
    "mitigated_at",
    "mitigated_by",
    "reports",
    "urls",
];

/// A cell a spreadsheet will not run: one starting with `=`, `+`, `-`, `@`, a tab or a CR gets a
/// leading `'` (OWASP's advice on CSV injection).
pub fn csv_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("csv: {0}")]
    Utf8(#[from] std::string::FromUtf8Error),
    #[error("csv: {0}")]
    Io(#[from] std::io::Error),
}

/// One row per case (see [`CSV_HEADER`]); hostile cells are quoted by the CSV writer and
/// defused by [`csv_cell`].
pub fn csv_export(cases: &[ExportCase]) -> Result<String, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    let opt = |s: &Option<String>| csv_cell(s.as_deref().unwrap_or(""));
    for c in cases {
        w.write_record([
            c.id.to_string(),
            csv_cell(&c.domain),
            csv_cell(&c.registered),
            c.state.as_str().to_string(),
            c.resolution
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
            opt(&c.brand),
            c.category.as_str().to_string(),
            c.tlp.as_str().to_string(),
            opt(&c.registrar),
            opt(&c.registry),
            stix_time(c.first_reported_at),
            stix_time(c.last_reported_at),
            c.mitigated_at.map(stix_time).unwrap_or_default(),
            opt(&c.mitigated_by),
            c.reports.to_string(),
            csv_cell(&c.urls().join(" ")),
        ])?;
    }
    w.flush()?;
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes)?)
}

#[cfg(test)]
mod tests;
