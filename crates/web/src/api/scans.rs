//! Stored scans and their lookalike hits: listed, paged by cursor, and submitted (analysts
//! post a feed; it is matched against the given brands or the console's `--brands`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domains::lookalike::Brand;
use serde::{Deserialize, Serialize};
use store::{HitFilter, Role, ScanRecord, StoredHit};
use utoipa::{IntoParams, ToSchema};

use super::{ErrorBody, Page, error, require, require_change, service_error, store_error};
use crate::Shared;

/// The largest feed text one request may carry.
pub const MAX_FEED_BYTES: usize = 32 * 1024 * 1024;

/// A stored scan.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ScanView {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub source: String,
    pub submitted_by: Option<String>,
    pub brands: usize,
    pub names: usize,
    pub hits: usize,
    /// running, finished, failed.
    pub status: String,
    pub error: Option<String>,
}

impl From<&ScanRecord> for ScanView {
    fn from(s: &ScanRecord) -> Self {
        ScanView {
            id: s.id,
            started_at: s.started_at.to_string(),
            finished_at: s.finished_at.map(|t| t.to_string()),
            source: s.source.clone(),
            submitted_by: s.submitted_by.clone(),
            brands: s.brands,
            names: s.names,
            hits: s.hits,
            status: s.status.as_str().into(),
            error: s.error.clone(),
        }
    }
}

/// A lookalike hit of a stored scan.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HitView {
    pub id: i64,
    pub scan_id: i64,
    /// The name as found (A-label).
    pub name: String,
    pub registrable: String,
    pub brand: String,
    pub score: u8,
    pub techniques: Vec<String>,
    pub explanation: String,
}

impl From<&StoredHit> for HitView {
    fn from(h: &StoredHit) -> Self {
        HitView {
            id: h.id,
            scan_id: h.scan_id,
            name: h.name.clone(),
            registrable: h.registrable.clone(),
            brand: h.brand.clone(),
            score: h.score,
            techniques: h.techniques.clone(),
            explanation: h.hit["explanation"].as_str().unwrap_or("").to_string(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct HitQuery {
    /// Of this brand (its domain).
    pub brand: Option<String>,
    /// At or above this score.
    pub min_score: Option<u8>,
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// One page of hits (one more read to know whether there is a next page).
pub(crate) async fn hit_page(
    c: &Shared,
    scan: Option<i64>,
    q: &HitQuery,
) -> Result<Page<StoredHit>, Box<Response>> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let filter = HitFilter {
        scan,
        brand: q.brand.clone().filter(|b| !b.trim().is_empty()),
        min_score: q.min_score,
        after: q.after,
        limit: Some(limit + 1),
    };
    let mut rows = c
        .db(move |s| s.scan_hits(&filter))
        .await
        .map_err(|e| Box::new(store_error(e)))?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok(Page {
        next_cursor: if more {
            rows.last().map(|h| h.id)
        } else {
            None
        },
        items: rows,
    })
}

async fn hits_response(c: &Shared, scan: Option<i64>, q: &HitQuery) -> Response {
    match hit_page(c, scan, q).await {
        Ok(p) => Json(Page {
            items: p.items.iter().map(HitView::from).collect::<Vec<_>>(),
            next_cursor: p.next_cursor,
        })
        .into_response(),
        Err(r) => *r,
    }
}

/// The stored scans, newest first (the last 100).
#[utoipa::path(get, path = "/api/v1/scans",
    responses((status = 200, body = Vec<ScanView>), (status = 401, body = ErrorBody)))]
pub async fn list_scans(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    match c.db(|s| s.scans(100)).await {
        Ok(v) => Json(v.iter().map(ScanView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

/// The hits of one scan, in id order.
#[utoipa::path(get, path = "/api/v1/scans/{id}/hits", params(("id" = i64, Path), HitQuery),
    responses((status = 200, body = Page<HitView>), (status = 404, body = ErrorBody)))]
pub async fn scan_hits(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<HitQuery>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    match c.db(move |s| s.scan(id)).await {
        Ok(Some(_)) => {}
        Ok(None) => return error(StatusCode::NOT_FOUND, "not_found", "no such scan"),
        Err(e) => return store_error(e),
    }
    hits_response(&c, Some(id), &q).await
}

/// The hits of every stored scan, in id order.
#[utoipa::path(get, path = "/api/v1/hits", params(HitQuery),
    responses((status = 200, body = Page<HitView>), (status = 401, body = ErrorBody)))]
pub async fn hits(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HitQuery>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    hits_response(&c, None, &q).await
}

/// A feed to scan.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewScan {
    /// The feed: host names, URLs or CT JSON lines, one a line (as `domwatch scan` reads).
    pub feed: String,
    /// Brand domains to match (default: the console's `--brands`).
    #[serde(default)]
    pub brands: Vec<String>,
    /// Lowest score kept (0-100).
    pub min_score: Option<u8>,
    /// What the feed is (shown in the scans list; default `api`).
    pub source: Option<String>,
}

/// Scan a submitted feed and store its hits (analyst).
#[utoipa::path(post, path = "/api/v1/scans", request_body = NewScan,
    responses((status = 201, body = ScanView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)))]
pub async fn submit_scan(
    State(c): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<NewScan>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    if body.feed.len() > MAX_FEED_BYTES {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "feed over 32 MB: use `domwatch scan --save`",
        );
    }
    let brands: Vec<Brand> = if body.brands.is_empty() {
        c.opts.brands.clone()
    } else {
        let mut v = Vec::new();
        for b in body.brands.iter().take(100_000) {
            match domains::DomainName::parse(b) {
                Ok(d) => v.push(Brand::new(d)),
                Err(e) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        &format!("brand {:?}: {e}", b.chars().take(80).collect::<String>()),
                    );
                }
            }
        }
        v
    };
    if brands.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "no brands: give `brands` or start the console with --brands FILE",
        );
    }
    let started = jiff::Timestamp::now();
    let feed = body.feed;
    let min_score = body.min_score;
    let nbrands = brands.len();
    // The matcher is CPU work: off the async workers.
    let matched = tokio::task::spawn_blocking(move || {
        service::scans::match_text(&feed, &brands, domains::SuffixList::embedded(), min_score)
    })
    .await;
    let (names, found) = match matched {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return service_error(&e),
        Err(e) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                &e.to_string(),
            );
        }
    };
    let source: String = body
        .source
        .as_deref()
        .unwrap_or("api")
        .chars()
        .take(200)
        .collect();
    let user = p.user.name.clone();
    let stored = c
        .with_db(move |s| {
            let rec = service::scans::store_scan(
                s,
                &service::scans::FinishedScan {
                    source: &source,
                    submitted_by: Some(&user),
                    brands: nbrands,
                    names,
                    hits: &found,
                    error: None,
                    started,
                },
            )?;
            let _ = s.audit(
                &user,
                "scan.submit",
                &rec.id.to_string(),
                &format!("{names} names, {} hits", rec.hits),
                started,
            );
            Ok(rec)
        })
        .await;
    let rec = match stored {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return service_error(&e),
        Err(e) => return store_error(e),
    };
    (StatusCode::CREATED, Json(ScanView::from(&rec))).into_response()
}
