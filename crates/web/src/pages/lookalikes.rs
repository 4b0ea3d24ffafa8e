//! The lookalike hits of stored scans (`scan --save`, `POST /api/v1/scans`): the scans, the
//! hits of one (or all) with filters, and a button that opens a coordination case for a hit.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::{analyst_form, form_urlencoded, page_principal, render, user_ctx};
use crate::Shared;
use crate::api::scans::{HitQuery, hit_page};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LookalikeQuery {
    scan: Option<i64>,
    brand: Option<String>,
    min_score: Option<String>,
    after: Option<i64>,
}

pub(crate) async fn lookalikes(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<LookalikeQuery>,
) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let min_score = q
        .min_score
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse::<u8>().ok());
    let scans = c.db(|s| s.scans(20)).await.unwrap_or_default();
    let page = match hit_page(
        &c,
        q.scan,
        &HitQuery {
            brand: q.brand.clone(),
            min_score,
            after: q.after,
            limit: Some(200),
        },
    )
    .await
    {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let next = page.next_cursor.map(|cur| {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(s) = q.scan {
            pairs.push(("scan".into(), s.to_string()));
        }
        if let Some(b) = q.brand.as_deref().filter(|b| !b.is_empty()) {
            pairs.push(("brand".into(), b.into()));
        }
        if let Some(m) = min_score {
            pairs.push(("min_score".into(), m.to_string()));
        }
        pairs.push(("after".into(), cur.to_string()));
        format!("/lookalikes?{}", form_urlencoded(&pairs))
    });
    let ts = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    render(
        &c,
        "lookalikes.html",
        json!({
            "user": user_ctx(&p),
            "q": { "scan": q.scan, "brand": q.brand, "min_score": min_score },
            "scans": scans.iter().map(|s| json!({
                "id": s.id, "started": ts(s.started_at), "source": s.source,
                "by": s.submitted_by, "names": s.names, "hits": s.hits,
                "status": s.status.as_str(), "error": s.error,
            })).collect::<Vec<_>>(),
            "hits": page.items.iter().map(|h| json!({
                "id": h.id, "scan": h.scan_id,
                "name": domains::DomainName::parse(&h.name).map(|n| n.to_unicode()).unwrap_or_else(|_| h.name.clone()),
                "a_label": h.name, "registrable": h.registrable, "brand": h.brand,
                "score": h.score, "techniques": h.techniques.join(", "),
                "explanation": h.hit["explanation"].as_str().unwrap_or(""),
            })).collect::<Vec<_>>(),
            "next": next,
        }),
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct CaseForm {
    csrf: Option<String>,
}

/// Opens a coordination case for a hit (analyst), then shows the case.
pub(crate) async fn open_case(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CaseForm>,
) -> Response {
    let p = match analyst_form(&c, &headers, f.csrf.as_deref()).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let hit = match c.db(move |s| s.scan_hit(id)).await {
        Ok(Some(h)) => h,
        Ok(None) => return (StatusCode::NOT_FOUND, "no such hit").into_response(),
        Err(e) => return crate::api::store_error(e),
    };
    let body = crate::api::NewCase {
        input: hit.name.clone(),
        brand: Some(hit.brand.clone()),
        category: None,
        tlp: None,
    };
    match crate::api::open_case_for(&c, &p, &body, "lookalike").await {
        Ok(case) => Redirect::to(&format!("/cases/{}", case.id.0)).into_response(),
        Err(r) => *r,
    }
}
