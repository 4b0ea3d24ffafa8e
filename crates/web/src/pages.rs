//! The pages: server-rendered with auto-escaping templates (every `.html` template escapes what
//! it prints), no script. State-changing forms carry the session's CSRF token.

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use store::Role;

use crate::{ClientAddr, Principal, SESSION_COOKIE, Shared, auth, csrf_ok, principal};

pub(crate) mod audits;
pub(crate) mod coord;
pub(crate) mod domain;
pub(crate) mod lookalikes;
pub(crate) mod reports;

/// How long a login lasts.
const SESSION_HOURS: i64 = 12;

pub(crate) fn templates() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    // `.html` templates escape everything they print (minijinja's default by extension).
    for (name, src) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        ("overview.html", include_str!("../templates/overview.html")),
        ("cases.html", include_str!("../templates/cases.html")),
        ("case.html", include_str!("../templates/case.html")),
        ("findings.html", include_str!("../templates/findings.html")),
        ("domains.html", include_str!("../templates/domains.html")),
        ("domain.html", include_str!("../templates/domain.html")),
        ("reports.html", include_str!("../templates/reports.html")),
        (
            "lookalikes.html",
            include_str!("../templates/lookalikes.html"),
        ),
        ("notify.html", include_str!("../templates/notify.html")),
        ("audits.html", include_str!("../templates/audits.html")),
        ("audit.html", include_str!("../templates/audit.html")),
        ("error.html", include_str!("../templates/error.html")),
    ] {
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("template {name}: {e}");
        }
    }
    env
}

fn render(c: &Shared, name: &str, ctx: serde_json::Value) -> Response {
    match c.templates.get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("render {name}: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

fn user_ctx(p: &Principal) -> serde_json::Value {
    json!({ "name": p.user.name, "role": p.user.role.as_str(),
            "analyst": p.may(Role::Analyst), "csrf": p.csrf })
}

/// The principal of a page request, or a redirect to the login page.
async fn page_principal(c: &Shared, headers: &HeaderMap) -> Result<Principal, Box<Response>> {
    principal(c, headers)
        .await
        .ok_or_else(|| Box::new(Redirect::to("/login").into_response()))
}

/// The console's style, then the reports' (charts and tables).
static STYLE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{}\n{}",
        include_str!("../templates/style.css"),
        domains::case::html::REPORT_CSS
    )
});

/// The analyst behind a state-changing form with the session's CSRF token, or the refusal
/// (login page, 403).
pub(crate) async fn analyst_form(
    c: &Shared,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<Principal, Box<Response>> {
    let p = page_principal(c, headers).await?;
    if !p.may(Role::Analyst) {
        return Err(Box::new(
            (StatusCode::FORBIDDEN, "needs the analyst role").into_response(),
        ));
    }
    if !csrf_ok(&p, headers, csrf) {
        return Err(Box::new(
            (StatusCode::FORBIDDEN, "bad CSRF token").into_response(),
        ));
    }
    Ok(p)
}

pub(crate) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE.as_str(),
    )
        .into_response()
}

/// The console's icon (an SVG: a magnifier over a dot, the colours of the header).
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#1d2330\"/>\
<circle cx=\"7\" cy=\"7\" r=\"4\" fill=\"none\" stroke=\"#cfe0ff\" stroke-width=\"2\"/>\
<path d=\"M10 10l4 4\" stroke=\"#cfe0ff\" stroke-width=\"2\"/></svg>";

/// `/static/favicon.svg`, and `/favicon.ico` (which browsers ask for on their own) with it.
pub(crate) async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        FAVICON,
    )
        .into_response()
}

pub(crate) async fn not_found(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = page_principal(&c, &headers).await {
        return *r;
    }
    let mut r = render(&c, "error.html", json!({ "message": "No such page." }));
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

pub(crate) async fn login_form(State(c): State<Shared>) -> Response {
    render(&c, "login.html", json!({}))
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    name: String,
    password: String,
}

pub(crate) async fn login(
    State(c): State<Shared>,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<LoginForm>,
) -> Response {
    let keys = [
        format!(
            "ip:{}",
            addr.map(|a| a.ip().to_string())
                .unwrap_or_else(|| "-".into())
        ),
        format!("user:{}", f.name.to_lowercase()),
    ];
    let now = Instant::now();
    let allowed = {
        let mut l = c.limiter.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter().all(|k| l.allowed(k, now))
    };
    let fail = |c: &Shared, msg: &str, status: StatusCode| {
        let mut r = render(c, "login.html", json!({ "error": msg }));
        *r.status_mut() = status;
        r
    };
    if !allowed {
        c.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
        return fail(
            &c,
            "Too many failed logins: wait a few minutes.",
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let name = f.name.clone();
    let found = c.db(move |s| s.user_with_hash(&name)).await.ok().flatten();
    // argon2 is deliberately slow: off the async workers too.
    let (password, hash) = (f.password.clone(), found.as_ref().map(|(_, h)| h.clone()));
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            // The same work as a real check, so that timing does not tell names apart.
            let _ = auth::verify_password(&password, &DUMMY_HASH);
            false
        }
    })
    .await
    .unwrap_or(false);
    let Some((user, _)) = found.filter(|_| ok) else {
        c.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
        let mut l = c.limiter.lock().unwrap_or_else(|p| p.into_inner());
        for k in &keys {
            l.failed(k, now);
        }
        return fail(&c, "Wrong name or password.", StatusCode::UNAUTHORIZED);
    };
    {
        let mut l = c.limiter.lock().unwrap_or_else(|p| p.into_inner());
        for k in &keys {
            l.succeeded(k);
        }
    }
    let sid = auth::new_secret();
    let csrf = auth::new_secret();
    let t = jiff::Timestamp::now();
    let expires = t
        .checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS))
        .unwrap_or(t);
    let (sid_hash, token) = (auth::secret_hash(&sid), csrf.clone());
    let added = c
        .db(move |s| {
            s.add_session(&sid_hash, user.id, &token, t, expires)?;
            let _ = s.audit(&user.name, "login", &user.name, "", t);
            Ok(())
        })
        .await;
    if let Err(e) = added {
        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
    }
    let cookie = format!(
        "{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_HOURS * 3600,
        if c.opts.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// An argon2id hash of a random password, checked when the user does not exist.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| auth::hash_password(&auth::new_secret()).unwrap_or_default());

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: Option<String>,
    note: Option<String>,
}

pub(crate) async fn logout(
    State(c): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    if !csrf_ok(&p, &headers, f.csrf.as_deref()) {
        return (StatusCode::FORBIDDEN, "bad CSRF token").into_response();
    }
    if let Some(sid) = crate::cookie(&headers, SESSION_COOKIE) {
        let sid = auth::secret_hash(sid);
        let _ = c.db(move |s| s.remove_session(&sid)).await;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("dw_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}

pub(crate) async fn overview(State(c): State<Shared>, headers: HeaderMap) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let now = jiff::Timestamp::now();
    let loaded = c.with_db(move |s| {
        (
            s.watched_count().unwrap_or_default(),
            s.open_finding_counts(now).unwrap_or_default(),
            s.findings_where(
                &store::FindingFilter {
                    newest_first: true,
                    limit: Some(10),
                    ..Default::default()
                },
                now,
            )
            .unwrap_or_default(),
            s.cases(&store::CaseFilter {
                limit: Some(10),
                ..Default::default()
            })
            .unwrap_or_default(),
            s.case_state_counts().unwrap_or_default(),
            service::reports::phishing(
                s,
                &[domains::case::stats::Dim::Month],
                &service::reports::Period::default(),
            )
            .ok(),
        )
    });
    let (names, by_sev, latest, cases, state_counts, phishing) = match loaded.await {
        Ok(v) => v,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    };
    let by_sev: Vec<(String, usize)> = by_sev
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), n))
        .collect();
    // In the workflow's order.
    let by_state: Vec<(String, usize)> = domains::case::CaseState::ALL
        .iter()
        .filter_map(|s| {
            state_counts
                .iter()
                .find(|(st, _)| st == s)
                .map(|(_, n)| (s.as_str().to_string(), *n))
        })
        .collect();
    // Phishing domains per month, stacked by TLD (the reports page has the rest).
    let chart = phishing.and_then(|r| {
        domains::case::html::phishing_fragment(
            &[domains::case::stats::Dim::Month],
            &r.rows,
            &r.month_tld,
        )
        .render_chart()
        .ok()
        .flatten()
    });
    render(
        &c,
        "overview.html",
        json!({
            "user": user_ctx(&p),
            "names": names,
            // Rendered by domains::case::html's auto-escaping templates: safe to embed.
            "chart": chart,
            "by_severity": by_sev,
            "by_state": by_state,
            "latest": latest.iter().map(|f| json!({
                "severity": f.finding.severity.as_str(), "domain": f.finding.domain.to_unicode(), "name": f.finding.domain.as_str(),
                "title": f.finding.title, "first_seen": f.first_seen.strftime("%Y-%m-%d %H:%M").to_string()
            })).collect::<Vec<_>>(),
            "cases": cases.iter().map(case_row).collect::<Vec<_>>(),
        }),
    )
}

fn case_row(c: &store::Case) -> serde_json::Value {
    json!({
        "id": c.id.0, "domain": c.domain.to_unicode(), "state": c.state.as_str(),
        "brand": c.brand, "category": c.category.as_str(), "tlp": c.tlp.as_str(),
        "reports": c.reports, "first_reported": c.first_reported_at.strftime("%Y-%m-%d").to_string(),
        "mitigated_by": c.mitigated_by, "observed": c.observed,
    })
}

pub(crate) async fn cases(State(c): State<Shared>, headers: HeaderMap) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let cases = c
        .db(|s| {
            s.cases(&store::CaseFilter {
                limit: Some(1000),
                ..Default::default()
            })
        })
        .await
        .unwrap_or_default();
    render(
        &c,
        "cases.html",
        json!({ "user": user_ctx(&p), "cases": cases.iter().map(case_row).collect::<Vec<_>>() }),
    )
}

pub(crate) async fn case(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let id = store::CaseId(id);
    let data = c.with_db(move |s| match s.case(id) {
        Ok(Some(case)) => Some((
            case,
            s.case_reports(id).unwrap_or_default(),
            s.case_events(id).unwrap_or_default(),
            s.case_parties(id).unwrap_or_default(),
            s.notifications(id).unwrap_or_default(),
            s.case_evidence(id, false).unwrap_or_default(),
        )),
        _ => None,
    });
    let Some((case, reports, events, parties, notes, evidence)) = data.await.ok().flatten() else {
        return not_found(State(c), headers).await;
    };
    let ts = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    render(
        &c,
        "case.html",
        json!({
            "user": user_ctx(&p),
            "case": case_row(&case),
            "registrar": case.registrar, "registry": case.registry,
            "reports": reports.iter().map(|r| json!({
                "at": ts(r.reported_at), "what": r.url.clone().unwrap_or_else(|| r.host.clone()),
                "reporter": r.reporter, "source": r.source })).collect::<Vec<_>>(),
            "timeline": events.iter().map(|e| json!({
                "at": ts(e.at), "actor": e.actor, "kind": e.kind, "detail": e.detail })).collect::<Vec<_>>(),
            "parties": parties.iter().map(|x| json!({
                "kind": x.party.kind.as_str(), "name": x.party.name, "contact": x.party.contact,
                "source": x.party.source })).collect::<Vec<_>>(),
            "notifications": notes.iter().map(|n| json!({
                "party": n.party_kind.as_str(), "to": n.contact, "sent": ts(n.sent_at),
                "state": n.state.as_str(), "due": ts(n.follow_up_due) })).collect::<Vec<_>>(),
            "evidence": evidence.iter().map(|e| json!({
                "id": e.id, "at": ts(e.taken_at), "kind": e.kind, "source": e.source,
                "size": e.size, "sha256": e.sha256 })).collect::<Vec<_>>(),
            "open": case.state != domains::case::CaseState::Closed,
            "states": domains::case::CaseState::ALL.iter()
                .filter(|s| **s != domains::case::CaseState::Closed && **s != case.state)
                .map(|s| s.as_str()).collect::<Vec<_>>(),
            "resolutions": domains::case::Resolution::ALL.iter().map(|r| r.as_str())
                .collect::<Vec<_>>(),
            "mailable": parties.iter().filter(|x| x.party.email().is_some())
                .map(|x| x.party.kind.as_str()).collect::<Vec<_>>(),
            "can_send": c.opts.notify.is_some(),
        }),
    )
}

pub(crate) async fn case_note(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let p = match analyst_form(&c, &headers, f.csrf.as_deref()).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let r = crate::api::note_case(&c, &p, id, f.note.as_deref().unwrap_or("")).await;
    if !r.status().is_success() {
        return r;
    }
    Redirect::to(&format!("/cases/{id}")).into_response()
}

pub(crate) async fn findings(
    State(c): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<crate::api::FindingQuery>,
) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let filter = match q.filter() {
        Ok(f) => f,
        Err(m) => {
            let mut r = render(
                &c,
                "error.html",
                json!({ "user": user_ctx(&p), "message": m }),
            );
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return r;
        }
    };
    let page = match crate::api::findings::page_of(&c, filter).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let ts = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    let now = jiff::Timestamp::now();
    // The next page keeps the filters (our own query string, built from the parsed values).
    let next = page.next_cursor.map(|cur| {
        let mut qs: Vec<(String, String)> = Vec::new();
        for (k, v) in [
            ("severity", &q.severity),
            ("code", &q.code),
            ("raised_by", &q.raised_by),
            ("domain", &q.domain),
            ("triage", &q.triage),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                qs.push((k.into(), v.into()));
            }
        }
        qs.push(("after".into(), cur.to_string()));
        format!("/findings?{}", form_urlencoded(&qs))
    });
    render(
        &c,
        "findings.html",
        json!({
            "user": user_ctx(&p),
            "q": { "severity": q.severity, "code": q.code, "domain": q.domain,
                   "raised_by": q.raised_by,
                   "triage": q.triage.clone().unwrap_or_else(|| "unmuted".into()) },
            "severities": domains::findings::Severity::ALL.iter().rev().map(|s| s.as_str()).collect::<Vec<_>>(),
            "raisers": store::RaisedBy::KNOWN.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "next": next,
            "findings": page.items.iter().map(|f| json!({
                "id": f.id,
                "severity": f.finding.severity.as_str(), "code": f.finding.code,
                "raised_by": f.raised_by.as_str(),
                "domain": f.finding.domain.to_unicode(), "name": f.finding.domain.as_str(),
                "title": f.finding.title,
                "detail": f.finding.detail, "remediation": f.finding.remediation,
                "first_seen": ts(f.first_seen),
                "acknowledged": f.triage.acknowledged_at.map(|t| format!("{} {}",
                    f.triage.acknowledged_by.as_deref().unwrap_or("-"), ts(t))),
                "muted": f.triage.muted_at(now),
                "muted_until": f.triage.muted_until.filter(|t| *t < jiff::Timestamp::MAX).map(ts),
                "note": f.triage.note,
            })).collect::<Vec<_>>(),
        }),
    )
}

/// `application/x-www-form-urlencoded` pairs.
fn form_urlencoded(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[derive(Debug, Deserialize)]
pub(crate) struct TriageForm {
    csrf: Option<String>,
    action: String,
    until: Option<String>,
    note: Option<String>,
}

/// The triage buttons of the findings and domain pages; back to the findings list.
pub(crate) async fn finding_triage(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<TriageForm>,
) -> Response {
    let p = match analyst_form(&c, &headers, f.csrf.as_deref()).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let r = crate::api::findings::apply_triage(
        &c,
        &p,
        id,
        &f.action,
        f.until.as_deref(),
        f.note.as_deref(),
    )
    .await;
    if !r.status().is_success() {
        return r;
    }
    Redirect::to("/findings").into_response()
}

pub(crate) async fn domains(State(c): State<Shared>, headers: HeaderMap) -> Response {
    let p = match page_principal(&c, &headers).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let names = c.db(|s| s.watched()).await.unwrap_or_default();
    render(
        &c,
        "domains.html",
        json!({
            "user": user_ctx(&p),
            "names": names.iter().map(|w| json!({
                "name": w.name.to_unicode(), "a_label": w.name.as_str(), "owner": w.owner, "tags": w.tags.join(", "),
                "high_value": w.high_value,
            })).collect::<Vec<_>>(),
        }),
    )
}
