//! The statistics coordination centres publish, computed from stored reports and cases.
//!
//! - [`phishing`]: distinct phishing registrable domains (ICANN section of the PSL) and URLs,
//!   grouped by month, TLD, TLD kind, brand or registrar.
//! - [`mitigation`]: per TLD or registrar, how many cases were mitigated, are not (yet), or were
//!   never processed, and the median time from the first report to mitigation (take-down times
//!   are log-normal: medians, not means).

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};
use serde::Serialize;

use super::{CaseState, Resolution};

/// A grouping key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Dim {
    /// `YYYY-MM` of the report date, in the report's offset.
    Month,
    /// The TLD of the registrable domain (`top`, `jp`).
    Tld,
    /// `gtld` or `cctld`.
    TldKind,
    Brand,
    Registrar,
    /// `malicious-registration`, `compromised`, `service` or `unknown` ([`Origin`]).
    Origin,
}

impl Dim {
    pub const ALL: [Dim; 6] = [
        Dim::Month,
        Dim::Tld,
        Dim::TldKind,
        Dim::Brand,
        Dim::Registrar,
        Dim::Origin,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Dim::Month => "month",
            Dim::Tld => "tld",
            Dim::TldKind => "tld-kind",
            Dim::Brand => "brand",
            Dim::Registrar => "registrar",
            Dim::Origin => "origin",
        }
    }

    pub fn parse(s: &str) -> Option<Dim> {
        Dim::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// `month,tld` -> the dims, or the first unknown name.
    pub fn parse_list(s: &str) -> Result<Vec<Dim>, String> {
        let mut out = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let d = Dim::parse(part).ok_or_else(|| part.trim().to_string())?;
            if !out.contains(&d) {
                out.push(d);
            }
        }
        Ok(out)
    }
}

/// `cctld` for a two-letter ASCII TLD, else `gtld` (IDN ccTLDs are counted as gTLDs).
pub fn tld_kind(tld: &str) -> &'static str {
    if tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        "cctld"
    } else {
        "gtld"
    }
}

/// The TLD of a name (its last label).
pub fn tld_of(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// One stored report, as the statistics see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportFact {
    pub reported_at: Timestamp,
    /// The URL, or `None` for a report of a bare name.
    pub url: Option<String>,
    pub host: String,
    /// The registrable domain under the ICANN section.
    pub registered: String,
    pub brand: Option<String>,
    pub registrar: Option<String>,
    pub origin: Origin,
}

/// How the abused name came to be: registered for the abuse, or somebody's site compromised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The domain was created shortly before the abuse was first reported.
    MaliciousRegistration,
    /// The domain is older: a legitimate site abused.
    Compromised,
    /// An account under a subdomain service or dynamic DNS provider.
    Service,
    /// No creation date known (not enriched, or the registry does not publish it).
    Unknown,
}

/// A domain created at most this many days before its first report counts as registered for
/// the abuse (phishing domains are mostly used within days of registration; APWG's and
/// Interisle's studies use windows of this order).
pub const MALICIOUS_REGISTRATION_DAYS: i64 = 90;

impl Origin {
    pub fn as_str(&self) -> &'static str {
        match self {
            Origin::MaliciousRegistration => "malicious-registration",
            Origin::Compromised => "compromised",
            Origin::Service => "service",
            Origin::Unknown => "unknown",
        }
    }

    /// From what the case knows.
    pub fn of(under_service: bool, created: Option<Timestamp>, first_report: Timestamp) -> Origin {
        if under_service {
            return Origin::Service;
        }
        match created {
            None => Origin::Unknown,
            Some(c) => {
                let days = first_report.duration_since(c).as_hours() / 24;
                if days <= MALICIOUS_REGISTRATION_DAYS {
                    Origin::MaliciousRegistration
                } else {
                    Origin::Compromised
                }
            }
        }
    }
}

/// One group's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhishingRow {
    /// The group's key values, one per dim asked for (in that order).
    pub keys: Vec<String>,
    /// Distinct registrable domains.
    pub domains: usize,
    /// Distinct URLs (a bare-name report counts its host once).
    pub urls: usize,
}

fn month(t: Timestamp, offset: Offset) -> String {
    t.to_zoned(TimeZone::fixed(offset))
        .strftime("%Y-%m")
        .to_string()
}

fn key_of(f: &ReportFact, by: &[Dim], offset: Offset) -> Vec<String> {
    by.iter()
        .map(|d| match d {
            Dim::Month => month(f.reported_at, offset),
            Dim::Tld => tld_of(&f.registered).to_string(),
            Dim::TldKind => tld_kind(tld_of(&f.registered)).to_string(),
            Dim::Brand => f.brand.clone().unwrap_or_else(|| "-".into()),
            Dim::Registrar => f.registrar.clone().unwrap_or_else(|| "-".into()),
            Dim::Origin => f.origin.as_str().to_string(),
        })
        .collect()
}

/// Counts per group, sorted by the keys; reports outside `[from, to)` are left out.
pub fn phishing(
    facts: &[ReportFact],
    by: &[Dim],
    offset: Offset,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Vec<PhishingRow> {
    let mut groups: BTreeMap<Vec<String>, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for f in facts {
        if from.is_some_and(|t| f.reported_at < t) || to.is_some_and(|t| f.reported_at >= t) {
            continue;
        }
        let g = groups.entry(key_of(f, by, offset)).or_default();
        g.0.insert(f.registered.as_str());
        g.1.insert(f.url.as_deref().unwrap_or(f.host.as_str()));
    }
    groups
        .into_iter()
        .map(|(keys, (d, u))| PhishingRow {
            keys,
            domains: d.len(),
            urls: u.len(),
        })
        .collect()
}

/// One case, as the mitigation statistics see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseFact {
    pub domain: String,
    pub registrar: Option<String>,
    pub registry: Option<String>,
    pub state: CaseState,
    pub resolution: Option<Resolution>,
    pub first_reported_at: Timestamp,
    pub notified_at: Option<Timestamp>,
    pub mitigated_at: Option<Timestamp>,
    /// Who acted (`registry`, `registrar`, `hosting`, ...).
    pub mitigated_by: Option<String>,
}

/// How a case counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Mitigated,
    NotMitigated,
    Unprocessed,
}

impl CaseFact {
    pub fn outcome(&self) -> Outcome {
        if self.mitigated_at.is_some()
            || self.state == CaseState::Mitigated
            || self.resolution == Some(Resolution::Mitigated)
        {
            Outcome::Mitigated
        } else if matches!(self.state, CaseState::New | CaseState::Triage) {
            Outcome::Unprocessed
        } else {
            Outcome::NotMitigated
        }
    }
}

/// A grouping of cases for the mitigation report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MitigationBy {
    Tld,
    Registry,
    Registrar,
}

impl MitigationBy {
    pub fn parse(s: &str) -> Option<MitigationBy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tld" => Some(MitigationBy::Tld),
            "registry" => Some(MitigationBy::Registry),
            "registrar" => Some(MitigationBy::Registrar),
            _ => None,
        }
    }
}

/// One group's mitigation counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MitigationRow {
    pub key: String,
    pub cases: usize,
    pub mitigated: usize,
    pub not_mitigated: usize,
    pub unprocessed: usize,
    /// Median seconds from the first report to mitigation, over the mitigated cases with both.
    pub median_from_report_s: Option<i64>,
    /// Median seconds from the first notification to mitigation.
    pub median_from_notification_s: Option<i64>,
    /// Who acted, with counts, most first.
    pub acted: Vec<(String, usize)>,
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

/// Mitigation counts per group, sorted by the key; cases first reported outside `[from, to)`
/// are left out.
pub fn mitigation(
    cases: &[CaseFact],
    by: MitigationBy,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Vec<MitigationRow> {
    let mut groups: BTreeMap<String, Vec<&CaseFact>> = BTreeMap::new();
    for c in cases {
        if from.is_some_and(|t| c.first_reported_at < t)
            || to.is_some_and(|t| c.first_reported_at >= t)
        {
            continue;
        }
        let key = match by {
            MitigationBy::Tld => tld_of(&c.domain).to_string(),
            MitigationBy::Registry => c.registry.clone().unwrap_or_else(|| "-".into()),
            MitigationBy::Registrar => c.registrar.clone().unwrap_or_else(|| "-".into()),
        };
        groups.entry(key).or_default().push(c);
    }
    groups
        .into_iter()
        .map(|(key, cs)| {
            let count = |o: Outcome| cs.iter().filter(|c| c.outcome() == o).count();
            let mut acted: BTreeMap<String, usize> = BTreeMap::new();
            for c in &cs {
                if let Some(who) = &c.mitigated_by {
                    *acted.entry(who.clone()).or_default() += 1;
                }
            }
            let mut acted: Vec<(String, usize)> = acted.into_iter().collect();
            acted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let since = |pick: fn(&CaseFact) -> Option<Timestamp>| {
                median(
                    cs.iter()
                        .filter_map(|c| Some((c.mitigated_at?, pick(c)?)))
                        .map(|(m, s)| m.as_second() - s.as_second())
                        .filter(|d| *d >= 0)
                        .collect(),
                )
            };
            MitigationRow {
                cases: cs.len(),
                mitigated: count(Outcome::Mitigated),
                not_mitigated: count(Outcome::NotMitigated),
                unprocessed: count(Outcome::Unprocessed),
                median_from_report_s: since(|c| Some(c.first_reported_at)),
                median_from_notification_s: since(|c| c.notified_at),
                acted,
                key,
            }
        })
        .collect()
}
