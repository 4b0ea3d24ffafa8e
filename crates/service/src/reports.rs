//! The statistics a coordination centre publishes: phishing domains per month, TLD, brand,
//! registrar; how and how fast cases were mitigated; the per-domain report and response
//! dates. The command line (`report ...`) and the console (`/reports`, `/api/v1/reports/...`)
//! both read them from here.

use domains::case::Resolution;
use domains::case::html::DomainRow;
use domains::case::stats::{self, Dim, MitigationBy, MitigationRow, PhishingRow};
use jiff::Timestamp;
use jiff::tz::Offset;
use store::{Case, CaseFilter, Store};

use crate::ServiceError;

/// A reporting period, `[from, to)`, and the UTC offset that decides which day and month a
/// time falls in.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub offset: Offset,
}

impl Default for Period {
    fn default() -> Self {
        Period {
            from: None,
            to: None,
            offset: Offset::UTC,
        }
    }
}

/// The phishing report: rows grouped as asked, and the same facts by month and TLD (the
/// chart).
#[derive(Debug, Clone)]
pub struct PhishingReport {
    pub rows: Vec<PhishingRow>,
    pub month_tld: Vec<PhishingRow>,
}

/// Phishing domains and URLs per group of `by` (at least one dimension).
pub fn phishing(store: &Store, by: &[Dim], p: &Period) -> Result<PhishingReport, ServiceError> {
    if by.is_empty() {
        return Err(ServiceError::Refused(
            "group by at least one of month, tld, tld-kind, brand, registrar".into(),
        ));
    }
    let facts = store.report_facts()?;
    Ok(PhishingReport {
        rows: stats::phishing(&facts, by, p.offset, p.from, p.to),
        month_tld: stats::phishing(&facts, &[Dim::Month, Dim::Tld], p.offset, p.from, p.to),
    })
}

/// Cases mitigated, not mitigated and unprocessed, with median times, per TLD, registry or
/// registrar.
pub fn mitigation(
    store: &Store,
    by: MitigationBy,
    p: &Period,
) -> Result<Vec<MitigationRow>, ServiceError> {
    let facts = store.case_facts()?;
    Ok(stats::mitigation(&facts, by, p.from, p.to))
}

/// The cases first reported in the period (of one TLD when given), oldest first.
pub fn cases_in(store: &Store, tld: Option<&str>, p: &Period) -> Result<Vec<Case>, ServiceError> {
    let mut cases = store.cases(&CaseFilter {
        tld: tld.map(str::to_string),
        ..CaseFilter::default()
    })?;
    cases.retain(|c| {
        p.from.is_none_or(|t| c.first_reported_at >= t)
            && p.to.is_none_or(|t| c.first_reported_at < t)
    });
    cases.sort_by(|a, b| {
        a.first_reported_at
            .cmp(&b.first_reported_at)
            .then(a.id.cmp(&b.id))
    });
    Ok(cases)
}

/// The domains report's rows; `day` writes a time (a date for people, RFC 3339 for machines).
pub fn domain_rows(cases: Vec<Case>, day: impl Fn(Timestamp) -> String) -> Vec<DomainRow> {
    cases
        .into_iter()
        .map(|c| DomainRow {
            status: match (c.state, c.resolution) {
                (_, Some(r)) => format!("closed ({})", r.as_str()),
                (s, None) => s.to_string(),
            },
            mitigated: c.resolution == Some(Resolution::Mitigated),
            state: c.state,
            domain: c.domain.to_string(),
            report_date: day(c.first_reported_at),
            response_date: c.mitigated_at.map(&day).unwrap_or_default(),
            acted: c.mitigated_by.unwrap_or_default(),
            observed: match (c.observed, c.observed_status.filter(|s| !s.is_empty())) {
                (Some(o), Some(st)) => format!("{o} ({st})"),
                (Some(o), None) => o,
                (None, _) => String::new(),
            },
        })
        .collect()
}

/// A report as a header and rows of text, for CSV, JSON and terminal tables.
pub type TextTable = (Vec<String>, Vec<Vec<String>>);

/// The phishing rows as text: one column per dimension, then `domains`, `urls`.
pub fn phishing_table(by: &[Dim], rows: &[PhishingRow]) -> TextTable {
    let mut header: Vec<String> = by.iter().map(|d| d.as_str().to_string()).collect();
    header.extend(["domains".into(), "urls".into()]);
    let rows = rows
        .iter()
        .map(|r| {
            let mut v = r.keys.clone();
            v.push(r.domains.to_string());
            v.push(r.urls.to_string());
            v
        })
        .collect();
    (header, rows)
}

/// The mitigation rows as text, grouped `by`; `machine`: medians in seconds (columns `..._s`,
/// empty when unknown), else for people (`1.5d`, `-`).
pub fn mitigation_table(by: &str, rows: &[MitigationRow], machine: bool) -> TextTable {
    let header = [
        by,
        "cases",
        "mitigated",
        "not_mitigated",
        "unprocessed",
        if machine {
            "median_from_report_s"
        } else {
            "median from report"
        },
        if machine {
            "median_from_notification_s"
        } else {
            "median from notification"
        },
        "acted",
    ]
    .map(String::from)
    .to_vec();
    let dur = |s: Option<i64>| {
        if machine {
            s.map(|s| s.to_string()).unwrap_or_default()
        } else {
            domains::case::html::duration(s)
        }
    };
    let rows = rows
        .iter()
        .map(|r| {
            vec![
                r.key.clone(),
                r.cases.to_string(),
                r.mitigated.to_string(),
                r.not_mitigated.to_string(),
                r.unprocessed.to_string(),
                dur(r.median_from_report_s),
                dur(r.median_from_notification_s),
                r.acted
                    .iter()
                    .map(|(w, n)| format!("{w}:{n}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        })
        .collect();
    (header, rows)
}

/// A period bound: an RFC 3339 time, a month (`YYYY-MM`) or a day (`YYYY-MM-DD`) at `offset`;
/// `end` gives the first instant after the month or day (the bound is exclusive).
pub fn bound(s: &str, offset: Offset, end: bool) -> Result<Timestamp, ServiceError> {
    let bad = || {
        ServiceError::Refused(format!(
            "unreadable date {s:?} (YYYY-MM, YYYY-MM-DD or RFC 3339)"
        ))
    };
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let (date, step) = if s.len() == 7 {
        (
            jiff::civil::Date::strptime("%Y-%m-%d", format!("{s}-01")).map_err(|_| bad())?,
            jiff::Span::new().months(1),
        )
    } else {
        (
            jiff::civil::Date::strptime("%Y-%m-%d", s).map_err(|_| bad())?,
            jiff::Span::new().days(1),
        )
    };
    let date = if end {
        date.checked_add(step).map_err(|_| bad())?
    } else {
        date
    };
    Ok(date
        .to_zoned(jiff::tz::TimeZone::fixed(offset))
        .map_err(|_| bad())?
        .timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_of_months_days_and_times() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            bound("2024-07", Offset::UTC, false).unwrap(),
            t("2024-07-01T00:00:00Z")
        );
        assert_eq!(
            bound("2024-07", Offset::UTC, true).unwrap(),
            t("2024-08-01T00:00:00Z")
        );
        let jst = Offset::constant(9);
        assert_eq!(
            bound("2024-12-31", jst, true).unwrap(),
            t("2024-12-31T15:00:00Z")
        );
        assert_eq!(
            bound("2024-07-02T03:04:05Z", jst, true).unwrap(),
            t("2024-07-02T03:04:05Z")
        );
        assert!(matches!(
            bound("July", Offset::UTC, false),
            Err(ServiceError::Refused(_))
        ));
    }
}
