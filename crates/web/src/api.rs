//! The JSON API under `/api/v1`: one error shape for every endpoint, pagination by cursor
//! (`after` = the last id of the previous page), and the OpenAPI 3 document at
//! `/api/v1/openapi.json`, generated from these handlers.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domains::case::intake::{ServiceList, Target};
use domains::case::{CaseState, Category, Tlp};
use serde::{Deserialize, Serialize};
use store::Role;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::{Principal, Shared, csrf_ok, principal};

pub mod audits;
pub mod coord;
pub mod findings;
pub mod reports;
pub mod scans;

pub use findings::{FindingQuery, FindingView, TriageRequest};

/// The error shape of every endpoint.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthenticated`, `forbidden`, `not_found`, `bad_request`, `csrf`, `store`, `upstream`,
    /// `internal`.
    pub code: String,
    pub message: String,
}

pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: message.into(),
            },
        }),
    )
        .into_response()
}

pub(crate) fn service_error(e: &service::ServiceError) -> Response {
    match e {
        service::ServiceError::Refused(m) => error(StatusCode::BAD_REQUEST, "bad_request", m),
        service::ServiceError::Network(m) => error(StatusCode::BAD_GATEWAY, "upstream", m),
        e => error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
    }
}

pub(crate) fn store_error(e: store::StoreError) -> Response {
    match e {
        store::StoreError::Refused(m) => error(StatusCode::BAD_REQUEST, "bad_request", &m),
        e @ store::StoreError::Busy(_) => {
            error(StatusCode::SERVICE_UNAVAILABLE, "busy", &e.to_string())
        }
        e => error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
    }
}

/// The principal, or the 401/403 answer.
pub(crate) async fn require(
    c: &Shared,
    headers: &HeaderMap,
    role: Role,
) -> Result<Principal, Box<Response>> {
    let Some(p) = principal(c, headers).await else {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in or give Authorization: Bearer TOKEN",
        )));
    };
    if !p.may(role) {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("needs the {} role", role.as_str()),
        )));
    }
    Ok(p)
}

/// [`require`] for a state-changing request: also the CSRF token of a cookie session.
pub(crate) async fn require_change(
    c: &Shared,
    headers: &HeaderMap,
    role: Role,
) -> Result<Principal, Box<Response>> {
    let p = require(c, headers, role).await?;
    if !csrf_ok(&p, headers, None) {
        return Err(Box::new(error(
            StatusCode::FORBIDDEN,
            "csrf",
            "missing or wrong X-CSRF-Token",
        )));
    }
    Ok(p)
}

/// A page of results.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Give as `after` for the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageParams {
    /// The cursor of the previous page.
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
}

fn page<T>(mut rows: Vec<(i64, T)>, p: &PageParams) -> Page<T> {
    rows.sort_by_key(|(id, _)| *id);
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let rows: Vec<(i64, T)> = rows
        .into_iter()
        .filter(|(id, _)| p.after.is_none_or(|a| *id > a))
        .take(limit + 1)
        .collect();
    let more = rows.len() > limit;
    let mut items: Vec<(i64, T)> = rows;
    items.truncate(limit);
    let next_cursor = if more {
        items.last().map(|(id, _)| *id)
    } else {
        None
    };
    Page {
        items: items.into_iter().map(|(_, t)| t).collect(),
        next_cursor,
    }
}

/// A case, as listed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    /// A-label.
    pub domain: String,
    pub state: String,
    pub resolution: Option<String>,
    pub brand: Option<String>,
    pub category: String,
    pub tlp: String,
    pub registrar: Option<String>,
    pub registry: Option<String>,
    pub reports: usize,
    pub first_reported_at: String,
    pub mitigated_at: Option<String>,
    pub mitigated_by: Option<String>,
    /// What the last check saw (`server-hold`, `nxdomain`, ...).
    pub observed: Option<String>,
}

impl From<&store::Case> for CaseView {
    fn from(c: &store::Case) -> Self {
        CaseView {
            id: c.id.0,
            domain: c.domain.to_string(),
            state: c.state.to_string(),
            resolution: c.resolution.map(|r| r.as_str().into()),
            brand: c.brand.clone(),
            category: c.category.as_str().into(),
            tlp: c.tlp.as_str().into(),
            registrar: c.registrar.clone(),
            registry: c.registry.clone(),
            reports: c.reports,
            first_reported_at: c.first_reported_at.to_string(),
            mitigated_at: c.mitigated_at.map(|t| t.to_string()),
            mitigated_by: c.mitigated_by.clone(),
            observed: c.observed.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseQuery {
    /// Only cases in this state.
    pub state: Option<String>,
    /// Only open cases.
    pub open: Option<bool>,
    pub after: Option<i64>,
    pub limit: Option<usize>,
}

/// List cases.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery),
    responses((status = 200, body = Page<CaseView>), (status = 401, body = ErrorBody)))]
pub async fn list_cases(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<CaseQuery>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    let mut filter = store::CaseFilter {
        open: q.open.unwrap_or(false),
        ..Default::default()
    };
    if let Some(s) = &q.state {
        match CaseState::parse(s) {
            Some(st) => filter.states.push(st),
            None => return error(StatusCode::BAD_REQUEST, "bad_request", "unknown state"),
        }
    }
    let cases = match c.db(move |s| s.cases(&filter)).await {
        Ok(v) => v,
        Err(e) => return store_error(e),
    };
    let rows = cases.iter().map(|x| (x.id.0, CaseView::from(x))).collect();
    Json(page(
        rows,
        &PageParams {
            after: q.after,
            limit: q.limit,
        },
    ))
    .into_response()
}

/// A case with its reports, timeline, parties and notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: CaseView,
    #[schema(value_type = Vec<Object>)]
    pub reports: Vec<store::StoredReport>,
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<store::CaseEvent>,
    #[schema(value_type = Vec<Object>)]
    pub parties: Vec<store::StoredParty>,
    #[schema(value_type = Vec<Object>)]
    pub notifications: Vec<store::StoredNotification>,
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<store::StoredEvidence>,
}

/// One case.
#[utoipa::path(get, path = "/api/v1/cases/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    let id = store::CaseId(id);
    let detail = c.db(move |s| {
        let Some(case) = s.case(id)? else {
            return Ok(None);
        };
        Ok(Some(CaseDetail {
            case: CaseView::from(&case),
            reports: s.case_reports(id)?,
            timeline: s.case_events(id)?,
            parties: s.case_parties(id)?,
            notifications: s.notifications(id)?,
            evidence: s.case_evidence(id, false)?,
        }))
    });
    let detail = detail.await;
    match detail {
        Ok(Some(d)) => Json(d).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "not_found", "no such case"),
        Err(e) => store_error(e),
    }
}

/// A report to open a case with (or to add to the domain's open case).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCase {
    /// A URL or a host name (defanged input is understood).
    pub input: String,
    pub brand: Option<String>,
    /// phishing, malware, c2, spam, other.
    pub category: Option<String>,
    /// clear, green, amber, amber+strict, red.
    pub tlp: Option<String>,
}

/// Open a case (analyst).
#[utoipa::path(post, path = "/api/v1/cases", request_body = NewCase,
    responses((status = 201, body = CaseView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn open_case(
    State(c): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<NewCase>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match open_case_for(&c, &p, &body, "web").await {
        Ok(case) => (StatusCode::CREATED, Json(CaseView::from(&case))).into_response(),
        Err(r) => *r,
    }
}

/// Opens (or adds a report to) the case of `body.input` as `p`, from `source` (`web`,
/// `lookalike`); recorded in the audit log.
pub(crate) async fn open_case_for(
    c: &Shared,
    p: &Principal,
    body: &NewCase,
    source: &str,
) -> Result<store::Case, Box<Response>> {
    let fail = |status, code: &str, m: &str| Box::new(error(status, code, m));
    if body.input.len() > 4096 {
        return Err(fail(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "input too long",
        ));
    }
    let target = Target::parse(
        &body.input,
        domains::SuffixList::embedded(),
        ServiceList::embedded(),
    )
    .map_err(|e| fail(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()))?;
    let category = match body.category.as_deref().map(Category::parse) {
        None => Category::Phishing,
        Some(Some(c)) => c,
        Some(None) => {
            return Err(fail(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "unknown category",
            ));
        }
    };
    let tlp = match body.tlp.as_deref().map(Tlp::parse) {
        None => Tlp::Amber,
        Some(Some(t)) => t,
        Some(None) => return Err(fail(StatusCode::BAD_REQUEST, "bad_request", "unknown TLP")),
    };
    let now = jiff::Timestamp::now();
    let what = target
        .url
        .clone()
        .unwrap_or_else(|| target.host.to_string());
    let report = store::NewReport {
        source_key: format!("{source}|{now}|{what}"),
        input: body.input.clone(),
        target,
        reported_at: now,
        reporter: Some(p.user.name.clone()),
        brand: body.brand.clone().map(|b| b.chars().take(200).collect()),
        description: None,
        category,
        tlp,
        source: source.into(),
    };
    let user = p.user.name.clone();
    let opened = c
        .db(move |s| {
            let out = s.add_reports(&[report], &user, now, |_| {})?;
            let Some(id) = out.case_ids.first().copied() else {
                return Ok(None);
            };
            let _ = s.audit(&user, "case.open", &id.to_string(), &what, now);
            s.case(id)
        })
        .await;
    match opened {
        Ok(Some(case)) => Ok(case),
        Ok(None) => Err(fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store",
            "no case was opened",
        )),
        Err(e) => Err(Box::new(store_error(e))),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Note {
    pub note: String,
}

/// Add a note to a case's timeline (analyst).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notes", params(("id" = i64, Path)),
    request_body = Note,
    responses((status = 200, body = CaseView), (status = 403, body = ErrorBody)))]
pub async fn add_note(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<Note>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    note_case(&c, &p, id, &body.note).await
}

pub(crate) async fn note_case(c: &Shared, p: &Principal, id: i64, note: &str) -> Response {
    let note: String = note.chars().take(4000).collect();
    if note.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, "bad_request", "empty note");
    }
    let now = jiff::Timestamp::now();
    let user = p.user.name.clone();
    let r = c
        .db(move |s| {
            let case = s.update_case(
                store::CaseId(id),
                &store::CaseUpdate {
                    note: Some(note),
                    ..Default::default()
                },
                &user,
                now,
            )?;
            let _ = s.audit(&user, "case.note", &id.to_string(), "", now);
            Ok(case)
        })
        .await;
    match r {
        Ok(case) => Json(CaseView::from(&case)).into_response(),
        Err(e) => store_error(e),
    }
}

/// A watched name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DomainView {
    pub name: String,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub high_value: bool,
    pub added_at: String,
}

/// The inventory.
#[utoipa::path(get, path = "/api/v1/domains",
    responses((status = 200, body = Vec<DomainView>), (status = 401, body = ErrorBody)))]
pub async fn list_domains(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    match c.db(|s| s.watched()).await {
        Ok(v) => Json(
            v.into_iter()
                .map(|w| DomainView {
                    name: w.name.to_string(),
                    owner: w.owner,
                    tags: w.tags,
                    high_value: w.high_value,
                    added_at: w.added_at.to_string(),
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDomain {
    pub name: String,
    pub owner: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub high_value: bool,
}

/// Add a name to the inventory (analyst).
#[utoipa::path(post, path = "/api/v1/domains", request_body = NewDomain,
    responses((status = 201, body = DomainView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn add_domain(
    State(c): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<NewDomain>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let name = match domains::DomainName::parse(&body.name) {
        Ok(n) => n,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", &e.to_string()),
    };
    let now = jiff::Timestamp::now();
    let w = store::WatchedDomain {
        name: name.clone(),
        owner: body.owner.clone(),
        tags: body.tags.clone(),
        high_value: body.high_value,
        added_at: now,
    };
    let (user, stored) = (p.user.name.clone(), w.clone());
    let added = c
        .db(move |s| {
            s.add_watched(std::slice::from_ref(&stored))?;
            let _ = s.audit(&user, "domain.add", stored.name.as_str(), "", now);
            Ok(())
        })
        .await;
    if let Err(e) = added {
        return store_error(e);
    }
    (
        StatusCode::CREATED,
        Json(DomainView {
            name: w.name.to_string(),
            owner: w.owner,
            tags: w.tags,
            high_value: w.high_value,
            added_at: now.to_string(),
        }),
    )
        .into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryParams {
    /// At most this many snapshots, newest first (default 20, at most 500).
    pub limit: Option<usize>,
}

/// One stored observation of a name and the changes it showed.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub snapshot_id: i64,
    pub taken_at: String,
    /// The lifecycle phase then (`active`, `auto-renew-grace`, `redemption`, ...).
    pub phase: String,
    /// Every part could be observed (no probe issue).
    pub complete: bool,
    /// The changes against the snapshot before it.
    #[schema(value_type = Vec<Object>)]
    pub changes: Vec<domains::change::Change>,
}

/// A watched name and its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct DomainHistory {
    pub domain: DomainView,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    /// The newest snapshot whole (registration, DNS, probe issues), when there is one.
    #[schema(value_type = Object)]
    pub latest: Option<domains::snapshot::Snapshot>,
}

/// A watched name with its history: each stored snapshot and the changes it showed.
#[utoipa::path(get, path = "/api/v1/domains/{name}", params(("name" = String, Path), HistoryParams),
    responses((status = 200, body = DomainHistory), (status = 404, body = ErrorBody)))]
pub async fn domain_history(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<HistoryParams>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    let Ok(name) = domains::DomainName::parse(&name) else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "not a domain name");
    };
    let limit = q.limit.unwrap_or(20).clamp(1, 500);
    let data = c
        .db(move |s| {
            let Some(w) = s.watched_domain(&name)? else {
                return Ok(None);
            };
            let (snaps, changes) = (s.snapshots(&name, limit)?, s.changes(&name)?);
            Ok(Some((w, snaps, changes)))
        })
        .await;
    let (w, snaps, changes) = match data {
        Ok(Some(d)) => d,
        Ok(None) => return error(StatusCode::NOT_FOUND, "not_found", "not in the inventory"),
        Err(e) => return store_error(e),
    };
    let mut snaps = snaps;
    snaps.sort_by_key(|x| std::cmp::Reverse(x.snapshot.taken_at));
    let history = snaps
        .iter()
        .map(|x| HistoryEntry {
            snapshot_id: x.id,
            taken_at: x.snapshot.taken_at.to_string(),
            phase: x.snapshot.phase.to_string(),
            complete: x.snapshot.issues.is_empty(),
            changes: changes
                .iter()
                .filter(|ch| ch.snapshot_id == x.id)
                .map(|ch| ch.change.clone())
                .collect(),
        })
        .collect();
    Json(DomainHistory {
        domain: DomainView {
            name: w.name.to_string(),
            owner: w.owner,
            tags: w.tags,
            high_value: w.high_value,
            added_at: w.added_at.to_string(),
        },
        history,
        latest: snaps.into_iter().next().map(|x| x.snapshot),
    })
    .into_response()
}

/// Remove a name from the inventory (analyst).
#[utoipa::path(delete, path = "/api/v1/domains/{name}", params(("name" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn remove_domain(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Ok(name) = domains::DomainName::parse(&name) else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "not a domain name");
    };
    let user = p.user.name.clone();
    let removed = c
        .db(move |s| {
            let n = s.remove_watched(std::slice::from_ref(&name))?;
            if n > 0 {
                let _ = s.audit(
                    &user,
                    "domain.remove",
                    name.as_str(),
                    "",
                    jiff::Timestamp::now(),
                );
            }
            Ok(n)
        })
        .await;
    match removed {
        Ok(0) => error(StatusCode::NOT_FOUND, "not_found", "not in the inventory"),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}

/// A user, as admins see them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserView {
    pub name: String,
    pub role: String,
    pub created_at: String,
}

/// The users (admin).
#[utoipa::path(get, path = "/api/v1/users",
    responses((status = 200, body = Vec<UserView>), (status = 403, body = ErrorBody)))]
pub async fn list_users(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = require(&c, &headers, Role::Admin).await {
        return *r;
    }
    match c.db(|s| s.users()).await {
        Ok(v) => Json(
            v.into_iter()
                .map(|u| UserView {
                    name: u.name,
                    role: u.role.as_str().into(),
                    created_at: u.created_at.to_string(),
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

/// The audit log (admin).
#[utoipa::path(get, path = "/api/v1/audit",
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)))]
pub async fn audit_log(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = require(&c, &headers, Role::Admin).await {
        return *r;
    }
    match c.db(|s| s.audit_log(1000)).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "domwatch", description = "The domwatch team console's API."),
    paths(list_cases, get_case, open_case, add_note, coord::update_case, coord::notify_preview,
          coord::notify_send, coord::evidence, audits::list_audits, audits::audits_of,
          findings::list_findings,
          findings::triage, reports::phishing, reports::mitigation,
          scans::list_scans, scans::submit_scan, scans::scan_hits, scans::hits, list_domains, add_domain,
          domain_history, remove_domain, list_users, audit_log),
    components(schemas(ErrorBody, ErrorDetail, CaseView, CaseDetail, NewCase, Note, FindingView,
                       TriageRequest, reports::PhishingView, reports::MitigationView,
                       scans::ScanView, scans::HitView, scans::NewScan, Page<scans::HitView>,
                       coord::CaseChange, coord::NotifyRequest, coord::NoticePreview,
                       coord::SendRequest, audits::AuditSummary, audits::AuditView, DomainView,
                       NewDomain, HistoryEntry, DomainHistory, UserView, Page<CaseView>,
                       Page<FindingView>))
)]
pub struct ApiDoc;

/// The OpenAPI document (authenticated, like everything but login and health).
pub async fn openapi(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    Json(ApiDoc::openapi()).into_response()
}

async fn not_found(State(c): State<Shared>, headers: HeaderMap) -> Response {
    // Unauthenticated clients learn nothing, not even which endpoints exist.
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    error(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

pub(crate) fn router() -> Router<Shared> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/cases", get(list_cases).post(open_case))
        .route("/cases/{id}", get(get_case).patch(coord::update_case))
        .route("/cases/{id}/notify", post(coord::notify_preview))
        .route("/cases/{id}/notify/send", post(coord::notify_send))
        .route("/cases/{id}/evidence/{evidence}", get(coord::evidence))
        .route("/cases/{id}/notes", post(add_note))
        .route("/findings", get(findings::list_findings))
        .route("/findings/{id}/triage", post(findings::triage))
        .route(
            "/scans",
            get(scans::list_scans).post(scans::submit_scan).layer(
                axum::extract::DefaultBodyLimit::max(scans::MAX_FEED_BYTES + 64 * 1024),
            ),
        )
        .route("/scans/{id}/hits", get(scans::scan_hits))
        .route("/hits", get(scans::hits))
        .route("/reports/phishing", get(reports::phishing))
        .route("/reports/mitigation", get(reports::mitigation))
        .route("/domains", get(list_domains).post(add_domain))
        .route("/domains/{name}", get(domain_history).delete(remove_domain))
        .route("/audits", get(audits::list_audits))
        .route("/audits/{name}", get(audits::audits_of))
        .route("/users", get(list_users))
        .route("/audit", get(audit_log))
        .fallback(not_found)
}
