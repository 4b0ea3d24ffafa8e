//! Coordination through the console: change a case (state, fields, close), notify a party
//! (preview, then send exactly what was previewed), download a piece of evidence (its sha256
//! checked before it is served).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use domains::case::notify::{Lang, PartyKind};
use domains::case::{CaseState, Category, Resolution, Tlp};
use serde::{Deserialize, Serialize};
use service::cases::{self, Delivery, NoticeRequest, PreparedNotice};
use store::{CaseId, CaseUpdate, Role};
use utoipa::ToSchema;

use super::{CaseView, ErrorBody, error, require, require_change, store_error};
use crate::{NotifyDelivery, Principal, Shared};

/// How long a preview can be sent.
const PREVIEW_TTL: Duration = Duration::from_secs(30 * 60);
/// Previews kept at once (the oldest goes first).
const MAX_PREVIEWS: usize = 200;

/// Notifications previewed and not yet sent, by preview id: what is sent is what was shown.
#[derive(Default)]
pub(crate) struct Previews {
    by_id: HashMap<String, Preview>,
}

struct Preview {
    user: String,
    made: Instant,
    notice: Box<PreparedNotice>,
}

impl Previews {
    fn put(&mut self, user: &str, notice: PreparedNotice) -> String {
        self.by_id.retain(|_, p| p.made.elapsed() < PREVIEW_TTL);
        while self.by_id.len() >= MAX_PREVIEWS {
            let Some(oldest) = self
                .by_id
                .iter()
                .min_by_key(|(_, p)| p.made)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.by_id.remove(&oldest);
        }
        let id = crate::auth::new_secret()[..32].to_string();
        self.by_id.insert(
            id.clone(),
            Preview {
                user: user.into(),
                made: Instant::now(),
                notice: Box::new(notice),
            },
        );
        id
    }

    /// Takes the preview `id` of case `case` made by `user` (once).
    fn take(&mut self, id: &str, user: &str, case: CaseId) -> Option<PreparedNotice> {
        let ok = self.by_id.get(id).is_some_and(|p| {
            p.user == user && p.notice.case.id == case && p.made.elapsed() < PREVIEW_TTL
        });
        if !ok {
            return None;
        }
        self.by_id.remove(id).map(|p| *p.notice)
    }
}

/// Why a coordination step failed: the API answers it as JSON, a page as HTML.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn service(e: &service::ServiceError) -> Failure {
        match e {
            service::ServiceError::Refused(m) => Failure::bad(m.clone()),
            service::ServiceError::Network(m) => {
                Failure::new(StatusCode::BAD_GATEWAY, "upstream", m.clone())
            }
            e => Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "store", e.to_string()),
        }
    }

    fn store(e: store::StoreError) -> Failure {
        match e {
            store::StoreError::Refused(m) => Failure::bad(m),
            e => Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "store", e.to_string()),
        }
    }

    pub(crate) fn api(&self) -> Response {
        error(self.status, self.code, &self.message)
    }
}

/// A change to a case: any of the fields; `close` closes it with that resolution.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CaseChange {
    /// new, investigating, notifying, escalated, mitigated, closed.
    pub state: Option<String>,
    /// Close with this resolution: mitigated, rejected, duplicate, false-positive.
    pub close: Option<String>,
    /// Added to the timeline.
    pub note: Option<String>,
    pub brand: Option<String>,
    /// phishing, malware, c2, spam, other.
    pub category: Option<String>,
    /// clear, green, amber, amber+strict, red.
    pub tlp: Option<String>,
    pub registrar: Option<String>,
    pub registry: Option<String>,
    /// Who acted, recorded with the mitigation.
    pub mitigated_by: Option<String>,
}

fn bounded(s: &Option<String>, max: usize) -> Option<String> {
    s.as_ref().map(|v| v.chars().take(max).collect())
}

impl CaseChange {
    /// The store's update, or what is wrong.
    pub(crate) fn to_update(&self) -> Result<CaseUpdate, String> {
        fn parse<T>(
            v: &Option<String>,
            what: &str,
            f: impl Fn(&str) -> Option<T>,
        ) -> Result<Option<T>, String> {
            match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(s) => f(s)
                    .map(Some)
                    .ok_or_else(|| format!("unknown {what} {s:?}")),
            }
        }
        let u = CaseUpdate {
            state: parse(&self.state, "state", CaseState::parse)?,
            close: parse(&self.close, "resolution", Resolution::parse)?,
            note: bounded(&self.note, 4000).filter(|n| !n.trim().is_empty()),
            brand: bounded(&self.brand, 200),
            category: parse(&self.category, "category", Category::parse)?,
            tlp: parse(&self.tlp, "TLP", Tlp::parse)?,
            registrar: bounded(&self.registrar, 200),
            registry: bounded(&self.registry, 200),
            mitigated_by: bounded(&self.mitigated_by, 200),
        };
        if u == CaseUpdate::default() {
            return Err("nothing to change".into());
        }
        Ok(u)
    }
}

/// Change a case (analyst): its state, fields, a note, or close it.
#[utoipa::path(patch, path = "/api/v1/cases/{id}", params(("id" = i64, Path)),
    request_body = CaseChange,
    responses((status = 200, body = CaseView), (status = 400, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn update_case(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<CaseChange>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match change_case(&c, &p, id, &body).await {
        Ok(case) => Json(CaseView::from(&case)).into_response(),
        Err(f) => f.api(),
    }
}

pub(crate) async fn change_case(
    c: &Shared,
    p: &Principal,
    id: i64,
    body: &CaseChange,
) -> Result<store::Case, Failure> {
    let u = body.to_update().map_err(Failure::bad)?;
    let now = jiff::Timestamp::now();
    let user = p.user.name.clone();
    c.db(move |s| {
        let case = s.update_case(CaseId(id), &u, &user, now)?;
        let what = match (&u.close, &u.state) {
            (Some(r), _) => format!("closed: {}", r.as_str()),
            (None, Some(st)) => format!("state: {st}"),
            _ => "fields".into(),
        };
        let _ = s.audit(&user, "case.update", &id.to_string(), &what, now);
        Ok(case)
    })
    .await
    .map_err(Failure::store)
}

/// Which notification to prepare.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NotifyRequest {
    /// The party (registrar, registry, hosting, ...); default: the next on the escalation path.
    pub party: Option<String>,
    /// en (default) or ja.
    pub lang: Option<String>,
}

/// A notification as it will be sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoticePreview {
    /// Give it to `.../notify/send` to send exactly this message (valid 30 minutes, once).
    pub preview_id: String,
    pub case: i64,
    pub party: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The text part.
    pub text: String,
    /// The X-ARF v4 report attached as `xarf.json`.
    #[schema(value_type = Object)]
    pub xarf: serde_json::Value,
    /// Parties already notified (`kind <address>`).
    pub earlier: Vec<String>,
    /// How the console would send it (`smtp RELAY`, `eml DIR`), or none: then only a preview.
    pub delivery: Option<String>,
}

/// The preview of a notification, kept for sending.
pub(crate) async fn preview(
    c: &Shared,
    p: &Principal,
    id: i64,
    req: &NotifyRequest,
) -> Result<NoticePreview, Failure> {
    let bad = Failure::bad;
    let party = match req
        .party
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(PartyKind::parse(s).ok_or_else(|| bad(format!("unknown party {s:?}")))?),
    };
    let lang = match req.lang.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Lang::En,
        Some(s) => Lang::parse(s).ok_or_else(|| bad(format!("unknown language {s:?}")))?,
    };
    let opts = c.opts.notify.as_ref();
    let now = c.now().await;
    let request = NoticeRequest {
        case: CaseId(id),
        party,
        lang,
        from: opts.map_or_else(|| "domwatch@localhost".into(), |o| o.from.clone()),
        org: opts.and_then(|o| o.org.clone()),
        now,
    };
    let prepared = c
        .with_db(move |s| {
            if s.case(CaseId(id)).map_err(Failure::store)?.is_none() {
                return Err(Failure::new(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no such case",
                ));
            }
            cases::prepare_notice(s, &request).map_err(|e| Failure::service(&e))
        })
        .await
        .map_err(Failure::store)??;
    let view = NoticePreview {
        preview_id: String::new(),
        case: id,
        party: prepared.party.party.kind.as_str().into(),
        from: prepared.from.to_string(),
        to: prepared.to.to_string(),
        subject: prepared.notice.subject.clone(),
        message_id: prepared.message_id.clone(),
        text: prepared.notice.text.clone(),
        xarf: serde_json::to_value(&prepared.notice.xarf).unwrap_or_default(),
        earlier: prepared
            .earlier
            .iter()
            .map(|n| format!("{} <{}>", n.party_kind.as_str(), n.contact))
            .collect(),
        delivery: opts.map(|o| match &o.delivery {
            NotifyDelivery::Smtp(r) => format!("smtp {r}"),
            NotifyDelivery::Eml(d) => format!("eml {}", d.display()),
        }),
    };
    let preview_id = c.previews().put(&p.user.name, prepared);
    Ok(NoticePreview { preview_id, ..view })
}

/// Sends a previewed notification and records it; the stored notification.
pub(crate) async fn send(
    c: &Shared,
    p: &Principal,
    id: i64,
    preview_id: &str,
) -> Result<store::StoredNotification, Failure> {
    let Some(opts) = c.opts.notify.clone() else {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "not_configured",
            "this console sends no mail: start serve with --smtp RELAY or --eml-dir DIR",
        ));
    };
    let Some(prepared) = c.previews().take(preview_id, &p.user.name, CaseId(id)) else {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "preview_expired",
            "no such preview (sent already, expired, or made by someone else): preview again",
        ));
    };
    let how = match &opts.delivery {
        NotifyDelivery::Smtp(r) => Delivery::Smtp(r),
        NotifyDelivery::Eml(d) => Delivery::Eml(d),
    };
    let (channel, location) = cases::send_notice(&prepared, how)
        .await
        .map_err(|e| Failure::service(&e))?;
    let user = p.user.name.clone();
    c.with_db(move |s| {
        let stored =
            cases::record_notice(s, &prepared, channel, location, opts.follow_up_days, &user)
                .map_err(|e| Failure::service(&e))?;
        let _ = s.audit(
            &user,
            "case.notify",
            &id.to_string(),
            &format!("{} <{}>", stored.party_kind.as_str(), stored.contact),
            jiff::Timestamp::now(),
        );
        Ok(stored)
    })
    .await
    .map_err(Failure::store)?
}

/// Preview the notification of a case (analyst): the message as it would be sent, and a
/// preview id to send it with.
#[utoipa::path(post, path = "/api/v1/cases/{id}/notify", params(("id" = i64, Path)),
    request_body = NotifyRequest,
    responses((status = 200, body = NoticePreview), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn notify_preview(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<NotifyRequest>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match preview(&c, &p, id, &body).await {
        Ok(v) => Json(v).into_response(),
        Err(f) => f.api(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SendRequest {
    /// From the preview.
    pub preview_id: String,
}

/// Send a previewed notification (analyst); recorded on the case (notifying or escalated).
#[utoipa::path(post, path = "/api/v1/cases/{id}/notify/send", params(("id" = i64, Path)),
    request_body = SendRequest,
    responses((status = 201, body = Object), (status = 409, body = ErrorBody),
              (status = 502, body = ErrorBody)))]
pub async fn notify_send(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<SendRequest>,
) -> Response {
    let p = match require_change(&c, &headers, Role::Analyst).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match send(&c, &p, id, &body.preview_id).await {
        Ok(n) => (StatusCode::CREATED, Json(n)).into_response(),
        Err(f) => f.api(),
    }
}

/// Download one piece of a case's evidence as it was received (viewer). Served as an
/// attachment of type `application/octet-stream` whatever it holds (an RDAP server's HTML is
/// never rendered here), with its sha256 in `Repr-Digest` (RFC 9530) and `X-Evidence-SHA256`;
/// a body that no longer matches its recorded sha256 is refused.
#[utoipa::path(get, path = "/api/v1/cases/{id}/evidence/{evidence}",
    params(("id" = i64, Path), ("evidence" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = ErrorBody)))]
pub async fn evidence(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path((id, evidence)): Path<(i64, i64)>,
) -> Response {
    if let Err(r) = require(&c, &headers, Role::Viewer).await {
        return *r;
    }
    let item = c.db(move |s| s.evidence_item(CaseId(id), evidence)).await;
    let e = match item {
        Ok(Some(e)) => e,
        Ok(None) => return error(StatusCode::NOT_FOUND, "not_found", "no such evidence"),
        Err(e) => return store_error(e),
    };
    let body = e.body.unwrap_or_default();
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(&body);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if hex != e.sha256 {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store",
            "the stored body no longer matches its sha256",
        );
    }
    let ext = match e.kind.as_str() {
        "rdap" | "dns" | "iana" | "rir" => "json",
        "whois" => "txt",
        "reply" => "eml",
        "http" => "http",
        _ => "bin",
    };
    let name = format!("case-{id}-evidence-{}-{}.{ext}", e.id, safe_kind(&e.kind));
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(digest);
    if let Ok(v) = HeaderValue::from_str(&format!("sha-256=:{b64}:")) {
        h.insert("repr-digest", v);
    }
    if let Ok(v) = HeaderValue::from_str(&hex) {
        h.insert("x-evidence-sha256", v);
    }
    r
}

/// A kind as a file-name part (letters, digits and `-` only).
fn safe_kind(kind: &str) -> String {
    kind.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(20)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_change_is_checked() {
        assert!(CaseChange::default().to_update().is_err());
        let bad = CaseChange {
            state: Some("frozen".into()),
            ..Default::default()
        };
        assert!(bad.to_update().unwrap_err().contains("state"));
        let close = CaseChange {
            close: Some("mitigated".into()),
            note: Some("x".repeat(10_000)),
            ..Default::default()
        };
        let u = close.to_update().unwrap();
        assert_eq!(u.close, Some(Resolution::Mitigated));
        assert_eq!(u.note.unwrap().chars().count(), 4000);
        // Blank fields are no change.
        let blank = CaseChange {
            state: Some(" ".into()),
            note: Some("  ".into()),
            ..Default::default()
        };
        assert!(blank.to_update().is_err());
    }

    #[test]
    fn kinds_make_safe_file_names() {
        assert_eq!(safe_kind("rdap"), "rdap");
        assert_eq!(safe_kind("../\"x\r\n"), "x");
    }
}
