//! Stored exposure audits (`audit --save`, `serve --audit-every`): the latest of each audited
//! name, and the history of one name with every reference and finding.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::Role;
use utoipa::{IntoParams, ToSchema};

use super::{ErrorBody, error, require, store_error};
use crate::Shared;

/// The latest audit of a name, in short.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditSummary {
    pub id: i64,
    /// The audited registrable domain (A-label).
    pub domain: String,
    pub audited_at: String,
    pub references: usize,
    pub findings: usize,
    /// The worst finding's severity.
    pub worst: Option<String>,
}

pub(crate) fn summary(a: &store::StoredAudit) -> AuditSummary {
    AuditSummary {
        id: a.id,
        domain: a.domain.clone(),
        audited_at: a.audited_at.to_string(),
        references: a.audit["references"].as_array().map_or(0, Vec::len),
        findings: a.findings,
        worst: a.worst.clone(),
    }
}

/// The worst first, then by name.
pub(crate) async fn latest(c: &Shared) -> store::Result<Vec<store::StoredAudit>> {
    let mut v = c.db(|s| s.latest_audits()).await?;
    let rank = |w: &Option<String>| {
        w.as_deref()
            .and_then(|s| {
                domains::findings::Severity::ALL
                    .iter()
                    .position(|x| x.as_str() == s)
            })
            .map_or(-1, |i| i as i64)
    };
    v.sort_by(|a, b| {
        rank(&b.worst)
            .cmp(&rank(&a.worst))
            .then_with(|| a.domain.cmp(&b.domain))
    });
    Ok(v)
}

/// The latest audit of each audited name, the worst first.
#[utoipa::path(get, path = "/api/v1/audits",
    responses((status = 200, body = Vec<AuditSummary>), (status = 401, body = ErrorBody)))]
pub async fn list_audits(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    match latest(&c).await {
        Ok(v) => Json(v.iter().map(summary).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// At most this many audits, newest first (default 10, at most 100).
    pub limit: Option<usize>,
}

/// One stored audit, whole.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub audited_at: String,
    /// As `audit --format json` writes one name: `references` (from, via, target, detail),
    /// `findings` (code, severity, reference, via, evidence, remediation), `incomplete`.
    #[schema(value_type = Object)]
    pub audit: serde_json::Value,
}

/// The stored audits of one name, newest first.
#[utoipa::path(get, path = "/api/v1/audits/{name}", params(("name" = String, Path), HistoryQuery),
    responses((status = 200, body = Vec<AuditView>), (status = 404, body = ErrorBody)))]
pub async fn audits_of(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    let Ok(name) = domains::DomainName::parse(&name) else {
        return error(StatusCode::BAD_REQUEST, "bad_request", "not a domain name");
    };
    let limit = q.limit.unwrap_or(10).clamp(1, 100);
    match c.db(move |s| s.audits_of(name.as_str(), limit)).await {
        Ok(v) if v.is_empty() => error(StatusCode::NOT_FOUND, "not_found", "never audited"),
        Ok(v) => Json(
            v.into_iter()
                .map(|a| AuditView {
                    id: a.id,
                    audited_at: a.audited_at.to_string(),
                    audit: a.audit,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}
