//! The exposure audits: every audited name with its worst finding, and one name's latest
//! audit with the reference graph (SVG laid out by `domains::audit::graph`), its findings
//! with remediation, the references, and the earlier audits.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use domains::audit::Reference;
use domains::audit::graph::{Mark, layout};
use domains::findings::Severity;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{not_found, page_principal, render, user_ctx};
use crate::Shared;
use crate::api::audits::{latest, summary};

fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

pub(crate) async fn audits(State(c): State<Shared>, headers: HeaderMap) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let rows: Vec<Value> = latest(&c)
        .await
        .unwrap_or_default()
        .iter()
        .map(|a| {
            let s = summary(a);
            json!({ "domain": s.domain, "at": ts(a.audited_at), "references": s.references,
                    "findings": s.findings, "worst": s.worst })
        })
        .collect();
    render(
        &c,
        "audits.html",
        json!({ "user": user_ctx(&p), "audits": rows }),
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditQuery {
    /// An earlier audit of the name.
    id: Option<i64>,
}

pub(crate) async fn audit(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Ok(name) = domains::DomainName::parse(&name) else {
        return not_found(State(c), headers).await;
    };
    let audited = name.clone();
    let history = c
        .db(move |s| s.audits_of(audited.as_str(), 20))
        .await
        .unwrap_or_default();
    let chosen = match q.id {
        Some(id) => history.iter().find(|a| a.id == id),
        None => history.first(),
    };
    let Some(a) = chosen else {
        return not_found(State(c), headers).await;
    };
    let refs: Vec<Reference> =
        serde_json::from_value(a.audit["references"].clone()).unwrap_or_default();
    let findings: Vec<Value> = a.audit["findings"].as_array().cloned().unwrap_or_default();
    let marks: Vec<Mark<'_>> = findings
        .iter()
        .filter_map(|f| {
            Some(Mark {
                reference: f["reference"].as_str()?,
                severity: f["severity"].as_str()?.parse::<Severity>().ok()?,
                code: f["code"].as_str().unwrap_or(""),
            })
        })
        .collect();
    let graph = layout(&refs, &marks);
    let finding_rows: Vec<Value> = findings
        .iter()
        .map(|f| {
            json!({
                "severity": f["severity"], "code": f["code"], "title": f["title"],
                "reference": f["reference"],
                "via": f["via"].as_array().map(|v| v.iter().filter_map(Value::as_str)
                    .collect::<Vec<_>>().join(",")).unwrap_or_default(),
                "seen": f["evidence"]["seen"], "remediation": f["remediation"],
            })
        })
        .collect();
    render(
        &c,
        "audit.html",
        json!({
            "user": user_ctx(&p),
            "domain": a.domain,
            "at": ts(a.audited_at),
            "graph": graph,
            "findings": finding_rows,
            "references": refs.iter().map(|r| json!({
                "via": r.via.as_str(), "from": r.from.as_str(), "target": r.target.as_str(),
                "detail": r.detail })).collect::<Vec<_>>(),
            "incomplete": a.audit["incomplete"],
            "history": history.iter().map(|h| json!({
                "id": h.id, "at": ts(h.audited_at), "findings": h.findings, "worst": h.worst,
                "current": h.id == a.id })).collect::<Vec<_>>(),
        }),
    )
}
