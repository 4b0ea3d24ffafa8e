//! A domain's page: its registration, its delegation with each name server's answers, its
//! findings with what to do (and the triage buttons), and its timeline: every change the
//! watch saw, with what went and what came.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use domains::DomainName;
use domains::snapshot::Snapshot;
use serde_json::{Value, json};
use store::{FindingFilter, TriageFilter};

use super::{not_found, page_principal, render, user_ctx};
use crate::Shared;

/// How many snapshots and changes the page shows.
const HISTORY: usize = 200;

/// The parts of a `before`/`after` pair: a list (comma or space separated, as the change
/// rules write NS sets, statuses and addresses) gives what was removed and added; anything
/// else is shown whole.
pub(crate) fn diff_parts(before: &str, after: &str) -> Value {
    let split = |s: &str| -> Vec<String> {
        s.split([',', ' '])
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != "(none)")
            .map(str::to_string)
            .collect()
    };
    let (b, a) = (split(before), split(after));
    let removed: Vec<&String> = b.iter().filter(|t| !a.contains(t)).collect();
    let added: Vec<&String> = a.iter().filter(|t| !b.contains(t)).collect();
    let kept: Vec<&String> = a.iter().filter(|t| b.contains(t)).collect();
    json!({ "removed": removed, "added": added, "kept": kept })
}

fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M").to_string()
}

/// What the page shows of a snapshot.
pub(crate) fn snapshot_ctx(s: &Snapshot) -> Value {
    let reg = s.primary();
    let registrar = s
        .registrar
        .as_ref()
        .and_then(|r| r.registrar.as_ref())
        .or_else(|| reg.and_then(|r| r.registrar.as_ref()));
    let dns = s.dns.as_ref();
    let delegation = dns.and_then(|d| d.delegation.as_ref());
    json!({
        "taken_at": ts(s.taken_at),
        "phase": s.phase.as_str(),
        "complete": s.issues.is_empty(),
        "issues": s.issues.iter().map(|i| format!("{}: {}", i.source, i.message)).collect::<Vec<_>>(),
        "source": reg.map(|r| format!("{} {}", match r.source { domains::registration::SourceKind::Rdap => "RDAP", domains::registration::SourceKind::Whois => "WHOIS" }, r.server)),
        "registrar": registrar.map(|r| json!({
            "name": r.name.as_deref().or(r.handle.as_deref()),
            "iana_id": r.iana_id, "abuse_email": r.abuse_email, "abuse_phone": r.abuse_phone,
        })),
        "statuses": reg.map(|r| r.statuses.iter().map(|x| x.as_epp().to_string()).collect::<Vec<_>>()).unwrap_or_default(),
        "registrar_lock": reg.is_some_and(|r| r.has_registrar_lock()),
        "registry_lock": reg.is_some_and(|r| r.has_registry_lock()),
        "created": reg.and_then(|r| r.created()).map(|d| d.to_rfc3339()),
        "expires": reg.and_then(|r| r.expires()).map(|d| d.to_rfc3339()),
        "updated": reg.and_then(|r| r.updated()).map(|d| d.to_rfc3339()),
        "parent": delegation.map(|d| json!({
            "zone": d.parent_zone, "server": d.server.map(|a| a.to_string()),
            "outcome": d.outcome.as_str(),
            "ns": d.ns.iter().map(|n| n.to_unicode()).collect::<Vec<_>>(),
            "glue": d.glue.iter().map(|g| format!("{} {}", g.name.to_unicode(), g.address)).collect::<Vec<_>>(),
            "ds": d.ds.len(),
        })),
        "nameservers": dns.map(|d| d.nameservers.iter().map(|n| json!({
            "name": n.name.to_unicode(),
            "resolution": n.resolution.as_str(),
            "is_cname": n.is_cname,
            "servers": n.servers.iter().map(|sv| json!({
                "address": sv.address.to_string(),
                "outcome": sv.outcome.as_str(),
                "tcp": sv.tcp_outcome.as_ref().map(|o| o.as_str().to_string()),
                "aa": sv.authoritative,
                "serial": sv.soa_serial,
                "ns": sv.ns.iter().map(|x| x.to_unicode()).collect::<Vec<_>>().join(", "),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()).unwrap_or_default(),
        "records": dns.map(|d| d.records.iter().map(|r| json!({
            "rtype": r.rtype, "outcome": r.outcome.as_str(), "values": r.values, "ttl": r.ttl,
        })).collect::<Vec<_>>()).unwrap_or_default(),
    })
}

pub(crate) async fn domain(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let Ok(name) = DomainName::parse(&name) else {
        return not_found(State(c), headers).await;
    };
    let wanted = name.clone();
    let loaded = c.with_db(move |s| {
        let name = wanted;
        let watched = s.watched_domain(&name);
        let snaps = s.snapshots(&name, HISTORY);
        let changes = s.changes(&name);
        let findings = s.findings_where(
            &FindingFilter {
                domain: Some(name.clone()),
                triage: TriageFilter::Any,
                limit: Some(1000),
                ..Default::default()
            },
            jiff::Timestamp::now(),
        );
        let cases = s.cases(&store::CaseFilter {
            domain: Some(name.as_str().to_string()),
            ..Default::default()
        });
        (watched, snaps, changes, findings, cases)
    });
    let Ok((Ok(watched), Ok(snaps), Ok(changes), Ok(findings), Ok(cases))) = loaded.await else {
        let mut r = render(
            &c,
            "error.html",
            json!({ "user": user_ctx(&p), "message": "The store could not be read." }),
        );
        *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return r;
    };
    if watched.is_none() && snaps.is_empty() && findings.is_empty() {
        return not_found(State(c), headers).await;
    }
    let now = jiff::Timestamp::now();
    let latest = snaps.iter().max_by_key(|s| (s.snapshot.taken_at, s.id));
    let timeline: Vec<Value> = changes
        .iter()
        .rev()
        .take(HISTORY)
        .map(|ch| {
            json!({
                "at": ts(ch.change.observed_at), "kind": ch.change.kind.as_str(),
                "severity": ch.change.severity.as_str(),
                "before": ch.change.before, "after": ch.change.after,
                "diff": diff_parts(&ch.change.before, &ch.change.after),
            })
        })
        .collect();
    let mut open: Vec<&store::StoredFinding> = findings
        .iter()
        .filter(|f| f.resolved_at.is_none())
        .collect();
    open.sort_by_key(|f| std::cmp::Reverse(f.finding.severity));
    render(
        &c,
        "domain.html",
        json!({
            "user": user_ctx(&p),
            "name": name.to_unicode(), "a_label": name.as_str(),
            "watched": watched.map(|w| json!({ "owner": w.owner, "tags": w.tags.join(", "),
                "high_value": w.high_value, "added_at": ts(w.added_at) })),
            "latest": latest.map(|s| snapshot_ctx(&s.snapshot)),
            "snapshots": snaps.len(),
            "timeline": timeline,
            "findings": open.iter().map(|f| json!({
                "id": f.id, "severity": f.finding.severity.as_str(), "code": f.finding.code,
                "title": f.finding.title, "detail": f.finding.detail,
                "remediation": f.finding.remediation, "first_seen": ts(f.first_seen),
                "acknowledged": f.triage.acknowledged_at.map(|t| format!("{} {}",
                    f.triage.acknowledged_by.as_deref().unwrap_or("-"), ts(t))),
                "muted": f.triage.muted_at(now),
            })).collect::<Vec<_>>(),
            "resolved": findings.iter().filter(|f| f.resolved_at.is_some()).count(),
            "cases": cases.iter().map(|cs| json!({
                "id": cs.id.0, "state": cs.state.as_str(), "category": cs.category.as_str(),
                "opened": ts(cs.opened_at),
            })).collect::<Vec<_>>(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::diff_parts;

    #[test]
    fn a_list_change_shows_what_went_and_what_came() {
        let d = diff_parts("a.ns.example, b.ns.example", "b.ns.example, c.evil.example");
        assert_eq!(d["removed"], serde_json::json!(["a.ns.example"]));
        assert_eq!(d["added"], serde_json::json!(["c.evil.example"]));
        assert_eq!(d["kept"], serde_json::json!(["b.ns.example"]));
        let none = diff_parts("(none)", "clientTransferProhibited");
        assert_eq!(
            none["added"],
            serde_json::json!(["clientTransferProhibited"])
        );
        assert_eq!(none["removed"], serde_json::json!([]));
    }
}
