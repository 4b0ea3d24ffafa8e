//! The case page's actions: change the state or close the case, and notify a party: a
//! preview of the message exactly as it will go out, then send (the preview is what is sent).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::{analyst_form, render, user_ctx};
use crate::Shared;
use crate::api::coord::{self, CaseChange, Failure, NotifyRequest};

#[derive(Debug, Deserialize)]
pub(crate) struct ChangeForm {
    csrf: Option<String>,
    state: Option<String>,
    close: Option<String>,
    note: Option<String>,
    mitigated_by: Option<String>,
}

fn failed(c: &Shared, p: &crate::Principal, f: &Failure) -> Response {
    let mut r = render(
        c,
        "error.html",
        json!({ "user": user_ctx(p), "message": f.message }),
    );
    *r.status_mut() = f.status;
    r
}

/// `POST /cases/{id}/update`: a new state, or a resolution that closes the case.
pub(crate) async fn update(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<ChangeForm>,
) -> Response {
    let p = match analyst_form(&c, &headers, f.csrf.as_deref()).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let change = CaseChange {
        state: f.state,
        close: f.close,
        note: f.note,
        mitigated_by: f.mitigated_by,
        ..Default::default()
    };
    match coord::change_case(&c, &p, id, &change).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => failed(&c, &p, &e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NotifyForm {
    csrf: Option<String>,
    party: Option<String>,
    lang: Option<String>,
}

/// `POST /cases/{id}/notify`: the preview page, with the button that sends it.
pub(crate) async fn preview(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<NotifyForm>,
) -> Response {
    let p = match analyst_form(&c, &headers, f.csrf.as_deref()).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let req = NotifyRequest {
        party: f.party,
        lang: f.lang,
    };
    match coord::preview(&c, &p, id, &req).await {
        Ok(v) => {
            let xarf = serde_json::to_string_pretty(&v.xarf).unwrap_or_default();
            render(
                &c,
                "notify.html",
                json!({ "user": user_ctx(&p), "n": v, "xarf": xarf }),
            )
        }
        Err(e) => failed(&c, &p, &e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SendForm {
    csrf: Option<String>,
    preview_id: String,
}

/// `POST /cases/{id}/notify/send`: sends the previewed message, back to the case.
pub(crate) async fn send(
    State(c): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<SendForm>,
) -> Response {
    let p = match analyst_form(&c, &headers, f.csrf.as_deref()).await {
        Ok(p) => p,
        Err(r) => return *r,
    };
    match coord::send(&c, &p, id, &f.preview_id).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => failed(&c, &p, &e),
    }
}
