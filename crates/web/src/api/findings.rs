//! Findings: listed with filters (severity, code, raiser, domain, since, triage) by cursor, and
//! triaged (acknowledge, mute, unmute, reopen) by analysts; every triage is in the audit log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{FindingFilter, Role, StoredFinding, TriageAction, TriageFilter};
use utoipa::{IntoParams, ToSchema};

use super::{ErrorBody, Page, error, require, require_change, store_error};
use crate::{Principal, Shared};

/// A finding, as listed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FindingView {
    pub id: i64,
    pub code: String,
    pub severity: String,
    pub domain: String,
    /// What raised it: watch (a watch pass), audit (its exposure audit), ct (`ct follow`).
    pub raised_by: String,
    pub title: String,
    pub detail: String,
    pub remediation: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    /// Muted until (the largest time, 9999-12-30, for "until unmuted").
    pub muted_until: Option<String>,
    pub triage_note: Option<String>,
}

impl From<&StoredFinding> for FindingView {
    fn from(f: &StoredFinding) -> Self {
        FindingView {
            id: f.id,
            code: f.finding.code.clone(),
            severity: f.finding.severity.as_str().into(),
            domain: f.finding.domain.to_string(),
            raised_by: f.raised_by.as_str().into(),
            title: f.finding.title.clone(),
            detail: f.finding.detail.clone(),
            remediation: f.finding.remediation.clone(),
            first_seen: f.first_seen.to_string(),
            last_seen: f.last_seen.to_string(),
            resolved_at: f.resolved_at.map(|t| t.to_string()),
            acknowledged_at: f.triage.acknowledged_at.map(|t| t.to_string()),
            acknowledged_by: f.triage.acknowledged_by.clone(),
            muted_until: f.triage.muted_until.map(|t| t.to_string()),
            triage_note: f.triage.note.clone(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct FindingQuery {
    /// At or above this severity (info, low, medium, high, critical).
    pub severity: Option<String>,
    pub code: Option<String>,
    /// Raised by watch, audit or ct.
    pub raised_by: Option<String>,
    /// Of this domain.
    pub domain: Option<String>,
    /// First seen at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Resolved ones too.
    pub all: Option<bool>,
    /// unmuted (default), new (neither acknowledged nor muted), acknowledged, muted, any.
    pub triage: Option<String>,
    pub after: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<usize>,
    /// Newest first (the cursor then goes down the ids).
    pub newest: Option<bool>,
}

impl FindingQuery {
    /// The store query, or what is wrong with the parameters. Empty strings (as a form sends
    /// them) count as absent.
    pub(crate) fn filter(&self) -> Result<FindingFilter, String> {
        let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let min_severity = match given(&self.severity) {
            None => None,
            Some(s) => Some(
                s.parse::<domains::findings::Severity>()
                    .map_err(|_| "unknown severity".to_string())?,
            ),
        };
        let since = match given(&self.since) {
            None => None,
            Some(s) => Some(
                s.parse::<jiff::Timestamp>()
                    .map_err(|_| "since: an RFC 3339 time".to_string())?,
            ),
        };
        let domain = match given(&self.domain) {
            None => None,
            Some(d) => Some(domains::DomainName::parse(&d).map_err(|e| format!("domain: {e}"))?),
        };
        let triage = match given(&self.triage) {
            None => TriageFilter::default(),
            Some(t) => TriageFilter::parse(&t)
                .ok_or_else(|| "triage: unmuted, new, acknowledged, muted or any".to_string())?,
        };
        Ok(FindingFilter {
            domain,
            min_severity,
            code: given(&self.code),
            raised_by: given(&self.raised_by).map(|r| store::RaisedBy::parse(r.trim())),
            since,
            include_resolved: self.all.unwrap_or(false),
            triage,
            after: self.after,
            limit: Some(self.limit.unwrap_or(100).clamp(1, 1000)),
            newest_first: self.newest.unwrap_or(false),
        })
    }
}

/// One page of findings (one more is read to know whether there is a next page).
pub(crate) async fn page_of(
    c: &Shared,
    mut q: FindingFilter,
) -> Result<Page<StoredFinding>, Box<Response>> {
    let limit = q.limit.unwrap_or(100);
    q.limit = Some(limit + 1);
    let mut rows = c
        .db(move |s| s.findings_where(&q, jiff::Timestamp::now()))
        .await
        .map_err(|e| Box::new(store_error(e)))?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if more {
        rows.last().map(|f| f.id)
    } else {
        None
    };
    Ok(Page {
        items: rows,
        next_cursor,
    })
}

/// List findings (open and unmuted by default), in id order.
#[utoipa::path(get, path = "/api/v1/findings", params(FindingQuery),
    responses((status = 200, body = Page<FindingView>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
pub async fn list_findings(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<FindingQuery>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    let filter = match q.filter() {
        Ok(f) => f,
        Err(m) => return error(StatusCode::BAD_REQUEST, "bad_request", &m),
    };
    match page_of(&c, filter).await {
        Ok(p) => Json(Page {
            items: p.items.iter().map(FindingView::from).collect::<Vec<_>>(),
            next_cursor: p.next_cursor,
        })
        .into_response(),
        Err(r) => *r,
    }
}

/// A triage decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TriageRequest {
    /// acknowledge, mute, unmute or reopen.
    pub action: String,
    /// For mute: until this time (RFC 3339), or a number of days; absent: until unmuted.
    pub until: Option<String>,
    pub note: Option<String>,
}

/// Parses a triage request; `now` anchors a mute given in days.
pub(crate) fn triage_action(
    action: &str,
    until: Option<&str>,
    now: jiff::Timestamp,
) -> Result<TriageAction, String> {
    let until = until.map(str::trim).filter(|s| !s.is_empty());
    Ok(match action {
        "acknowledge" => TriageAction::Acknowledge,
        "unmute" => TriageAction::Unmute,
        "reopen" => TriageAction::Reopen,
        "mute" => TriageAction::Mute(match until {
            None => None,
            Some(u) => Some(match u.parse::<u32>() {
                Ok(days) if (1..=3650).contains(&days) => now
                    .checked_add(jiff::SignedDuration::from_hours(i64::from(days) * 24))
                    .map_err(|e| e.to_string())?,
                Ok(_) => return Err("until: 1 to 3650 days".into()),
                Err(_) => u
                    .parse::<jiff::Timestamp>()
                    .map_err(|_| "until: an RFC 3339 time or a number of days".to_string())?,
            }),
        }),
        _ => return Err("action: acknowledge, mute, unmute or reopen".into()),
    })
}

/// Records a triage decision and its audit-log entry.
pub(crate) async fn apply_triage(
    c: &Shared,
    p: &Principal,
    id: i64,
    action: &str,
    until: Option<&str>,
    note: Option<&str>,
) -> Response {
    let now = jiff::Timestamp::now();
    let act = match triage_action(action, until, now) {
        Ok(a) => a,
        Err(m) => return error(StatusCode::BAD_REQUEST, "bad_request", &m),
    };
    let note: Option<String> = note
        .map(|n| n.chars().take(2000).collect::<String>())
        .filter(|n| !n.trim().is_empty());
    let (user, action) = (p.user.name.clone(), action.to_string());
    let triaged = c
        .db(move |s| {
            let f = s.triage_finding(id, &act, &user, note.as_deref(), now)?;
            if f.is_some() {
                let detail = match &act {
                    TriageAction::Mute(Some(t)) => format!("until {t}"),
                    _ => String::new(),
                };
                let _ = s.audit(
                    &user,
                    &format!("finding.{action}"),
                    &id.to_string(),
                    &detail,
                    now,
                );
            }
            Ok(f)
        })
        .await;
    match triaged {
        Ok(Some(f)) => Json(FindingView::from(&f)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "not_found", "no such finding"),
        Err(e) => store_error(e),
    }
}

/// Acknowledge, mute, unmute or reopen a finding (analyst). A muted finding is not alerted
/// and is left out of the default lists until the mute ends.
#[utoipa::path(post, path = "/api/v1/findings/{id}/triage", params(("id" = i64, Path)),
    request_body = TriageRequest,
    responses((status = 200, body = FindingView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn triage(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<TriageRequest>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    apply_triage(
        &c,
        &p,
        id,
        &body.action,
        body.until.as_deref(),
        body.note.as_deref(),
    )
    .await
}
