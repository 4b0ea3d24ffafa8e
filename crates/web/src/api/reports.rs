//! The statistics as JSON and CSV: phishing domains per group, mitigation per group. The same
//! numbers as `domwatch report phishing|mitigation` (both read `service::reports`).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domains::case::stats::{Dim, MitigationBy, MitigationRow, PhishingRow};
use serde::{Deserialize, Serialize};
use service::reports::{self, Period};
use store::Role;
use utoipa::{IntoParams, ToSchema};

use super::{ErrorBody, error, require, store_error};
use crate::Shared;

#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Phishing: comma-separated dimensions among month, tld, tld-kind, brand, registrar
    /// (default month). Mitigation: one of tld, registry, registrar (default tld).
    pub by: Option<String>,
    /// From this month, day or time (YYYY-MM, YYYY-MM-DD, RFC 3339; UTC).
    pub from: Option<String>,
    /// Up to the end of this month, day, or this time.
    pub to: Option<String>,
}

impl ReportQuery {
    pub(crate) fn period(&self) -> Result<Period, String> {
        let b = |s: &Option<String>, end| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| reports::bound(s, jiff::tz::Offset::UTC, end))
                .transpose()
                .map_err(|e| e.to_string())
        };
        Ok(Period {
            from: b(&self.from, false)?,
            to: b(&self.to, true)?,
            offset: jiff::tz::Offset::UTC,
        })
    }

    pub(crate) fn phishing_dims(&self) -> Result<Vec<Dim>, String> {
        let by = self
            .by
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or("month");
        let dims = Dim::parse_list(by)
            .map_err(|d| format!("by: unknown {d:?} (month, tld, tld-kind, brand, registrar)"))?;
        if dims.is_empty() {
            return Err("by: at least one dimension".into());
        }
        Ok(dims)
    }

    pub(crate) fn mitigation_by(&self) -> Result<(MitigationBy, String), String> {
        let by = self
            .by
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("tld");
        MitigationBy::parse(by)
            .map(|m| (m, by.to_string()))
            .ok_or_else(|| format!("by: unknown {by:?} (tld, registry, registrar)"))
    }
}

/// One group of the phishing report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PhishingView {
    /// The group's values, one per dimension asked, in order.
    pub keys: Vec<String>,
    pub domains: usize,
    pub urls: usize,
}

impl From<&PhishingRow> for PhishingView {
    fn from(r: &PhishingRow) -> Self {
        PhishingView {
            keys: r.keys.clone(),
            domains: r.domains,
            urls: r.urls,
        }
    }
}

/// One group of the mitigation report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MitigationView {
    pub key: String,
    pub cases: usize,
    pub mitigated: usize,
    pub not_mitigated: usize,
    pub unprocessed: usize,
    pub median_from_report_s: Option<i64>,
    pub median_from_notification_s: Option<i64>,
    /// Who acted (registrar, registry, hosting...), with counts.
    pub acted: Vec<(String, usize)>,
}

impl From<&MitigationRow> for MitigationView {
    fn from(r: &MitigationRow) -> Self {
        MitigationView {
            key: r.key.clone(),
            cases: r.cases,
            mitigated: r.mitigated,
            not_mitigated: r.not_mitigated,
            unprocessed: r.unprocessed,
            median_from_report_s: r.median_from_report_s,
            median_from_notification_s: r.median_from_notification_s,
            acted: r.acted.clone(),
        }
    }
}

fn bad(m: String) -> Box<Response> {
    Box::new(error(StatusCode::BAD_REQUEST, "bad_request", &m))
}

/// The phishing rows, or the error answer.
pub(crate) async fn phishing_rows(
    c: &Shared,
    q: &ReportQuery,
) -> Result<(Vec<Dim>, reports::PhishingReport), Box<Response>> {
    let dims = q.phishing_dims().map_err(bad)?;
    let period = q.period().map_err(bad)?;
    let wanted = dims.clone();
    let report = c
        .with_db(move |s| reports::phishing(s, &wanted, &period))
        .await
        .map_err(|e| Box::new(store_error(e)))?
        .map_err(|e| Box::new(super::service_error(&e)))?;
    Ok((dims, report))
}

/// The mitigation rows, or the error answer.
pub(crate) async fn mitigation_rows(
    c: &Shared,
    q: &ReportQuery,
) -> Result<(String, Vec<MitigationRow>), Box<Response>> {
    let (by, name) = q.mitigation_by().map_err(bad)?;
    let period = q.period().map_err(bad)?;
    let rows = c
        .with_db(move |s| reports::mitigation(s, by, &period))
        .await
        .map_err(|e| Box::new(store_error(e)))?
        .map_err(|e| Box::new(super::service_error(&e)))?;
    Ok((name, rows))
}

/// Phishing domains and URLs per group (cases of the phishing category, by first report).
#[utoipa::path(get, path = "/api/v1/reports/phishing", params(ReportQuery),
    responses((status = 200, body = Vec<PhishingView>), (status = 400, body = ErrorBody)))]
pub async fn phishing(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    match phishing_rows(&c, &q).await {
        Ok((_, r)) => {
            Json(r.rows.iter().map(PhishingView::from).collect::<Vec<_>>()).into_response()
        }
        Err(r) => *r,
    }
}

/// Cases mitigated, not mitigated and unprocessed per group, with median times.
#[utoipa::path(get, path = "/api/v1/reports/mitigation", params(ReportQuery),
    responses((status = 200, body = Vec<MitigationView>), (status = 400, body = ErrorBody)))]
pub async fn mitigation(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    match mitigation_rows(&c, &q).await {
        Ok((_, rows)) => {
            Json(rows.iter().map(MitigationView::from).collect::<Vec<_>>()).into_response()
        }
        Err(r) => *r,
    }
}

/// A CSV download (`attachment`), the header first.
pub(crate) fn csv_download(name: &str, header: &[String], rows: Vec<Vec<String>>) -> Response {
    let write = || -> Result<Vec<u8>, String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header).map_err(|e| e.to_string())?;
        for r in &rows {
            // A cell starting with = + - @ would be a formula in a spreadsheet: quote it inert.
            let r: Vec<String> = r
                .iter()
                .map(|v| {
                    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) && v.parse::<f64>().is_err()
                    {
                        format!("'{v}")
                    } else {
                        v.clone()
                    }
                })
                .collect();
            w.write_record(&r).map_err(|e| e.to_string())?;
        }
        w.into_inner().map_err(|e| e.to_string())
    };
    match write() {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", &e),
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn csv_cells_that_a_spreadsheet_would_run_are_made_inert() {
        let r = super::csv_download(
            "x.csv",
            &["brand".into(), "n".into()],
            vec![
                vec!["=HYPERLINK(\"http://evil\")".into(), "-3".into()],
                vec!["@SUM(A1)".into(), "2".into()],
            ],
        );
        let body = axum::body::to_bytes(r.into_body(), 1 << 16).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "brand,n",
                "\"'=HYPERLINK(\"\"http://evil\"\")\",-3",
                "'@SUM(A1),2"
            ]
        );
    }
}
