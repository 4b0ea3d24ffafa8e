//! The reports page: phishing domains per month (stacked by TLD) and the mitigation of cases,
//! each with its table and a CSV download; the same numbers as `domwatch report`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domains::case::html;
use serde_json::json;

use super::{page_principal, render, user_ctx};
use crate::Shared;
use crate::api::reports::{ReportQuery, csv_download, mitigation_rows, phishing_rows};

/// The page's query: each report has its own grouping.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct PageQuery {
    by: Option<String>,
    mby: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn error_page(c: &Shared, p: &crate::Principal, status: StatusCode) -> Response {
    let mut page = render(
        c,
        "error.html",
        json!({ "user": user_ctx(p), "message": "The report could not be made: check the grouping and the dates (YYYY-MM or YYYY-MM-DD)." }),
    );
    *page.status_mut() = if status.is_client_error() {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    page
}

pub(crate) async fn reports(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let phishing_q = ReportQuery {
        by: q.by.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let mitigation_q = ReportQuery {
        by: q.mby.clone(),
        ..phishing_q.clone()
    };
    let (dims, phishing) = match phishing_rows(&c, &phishing_q).await {
        Ok(v) => v,
        Err(r) => return error_page(&c, &p, r.status()),
    };
    let (mby, mitigation) = match mitigation_rows(&c, &mitigation_q).await {
        Ok(v) => v,
        Err(r) => return error_page(&c, &p, r.status()),
    };
    let render_fragment = |f: html::Fragment| f.render().unwrap_or_default();
    let qs = |by: &str| {
        let mut pairs = vec![("by".to_string(), by.to_string())];
        for (k, v) in [("from", &q.from), ("to", &q.to)] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                pairs.push((k.into(), v.into()));
            }
        }
        super::form_urlencoded(&pairs)
    };
    let by_names: Vec<&str> = dims.iter().map(|d| d.as_str()).collect();
    render(
        &c,
        "reports.html",
        json!({
            "user": user_ctx(&p),
            "by": by_names.join(","), "mby": mby,
            "from": q.from, "to": q.to,
            // Rendered by domains::case::html's auto-escaping templates: safe to embed.
            "phishing": render_fragment(html::phishing_fragment(&dims, &phishing.rows, &phishing.month_tld)),
            "mitigation": render_fragment(html::mitigation_fragment(&mby, &mitigation)),
            "phishing_csv": format!("/reports/phishing.csv?{}", qs(&by_names.join(","))),
            "mitigation_csv": format!("/reports/mitigation.csv?{}", qs(&mby)),
        }),
    )
}

pub(crate) async fn phishing_csv(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    if let Err(r) = page_principal(&c, &headers).await {
        return *r;
    }
    let (dims, report) = match phishing_rows(&c, &q).await {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let (header, rows) = service::reports::phishing_table(&dims, &report.rows);
    csv_download("phishing.csv", &header, rows)
}

pub(crate) async fn mitigation_csv(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    if let Err(r) = page_principal(&c, &headers).await {
        return *r;
    }
    let (by, rows) = match mitigation_rows(&c, &q).await {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let (header, rows) = service::reports::mitigation_table(&by, &rows, true);
    csv_download("mitigation.csv", &header, rows)
}
