//! Coordination through the console: a notification previewed and then sent exactly as shown
//! (API and pages), a case's state changed and closed, evidence downloaded with its sha256.

use domains::case::notify::{Party, PartyKind};
use reqwest::StatusCode;
use serde_json::json;
use store::{Role, Store};

use super::{Env, HOSTILE, csrf_of, session_cookie};

const PAGE_BODY: &[u8] = b"<html><script>alert(1)</script>\xff</html>";

/// A console that writes notifications into `dir`, with a registrar and a hosting party on
/// case 1 and a piece of evidence (an HTML page with a script in it).
async fn start(dir: &std::path::Path) -> (Env, i64) {
    let e = Env::start_with(web::Options {
        notify: Some(web::NotifyOptions {
            delivery: web::NotifyDelivery::Eml(dir.to_path_buf()),
            from: "csirt@csirt.example".into(),
            org: Some("Example CSIRT".into()),
            follow_up_days: 2,
        }),
        ..Default::default()
    })
    .await;
    let evidence = fill(&e);
    (e, evidence)
}

/// Adds the parties and the evidence through a second connection; the evidence id.
fn fill(e: &Env) -> i64 {
    let mut s = Store::open(&e.db()).unwrap();
    let now = jiff::Timestamp::now();
    let case = store::CaseId(1);
    for (kind, name, contact) in [
        (PartyKind::Registrar, HOSTILE, "abuse@registrar.example"),
        (PartyKind::Hosting, "Hoster", "abuse@hoster.example"),
    ] {
        s.add_party(
            case,
            &Party {
                kind,
                name: Some(name.into()),
                contact: contact.into(),
                source: "manual".into(),
            },
            "t",
            now,
        )
        .unwrap();
    }
    let (ev, _) = s
        .add_evidence(
            case,
            "http",
            "https://ucs-card.top/login",
            "text/html",
            PAGE_BODY,
            now,
            "t",
        )
        .unwrap();
    ev.id
}

fn emls(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[tokio::test]
async fn a_notification_is_previewed_then_sent_exactly_as_shown() {
    let out = tempfile::tempdir().unwrap();
    let (e, _) = start(out.path()).await;

    // A viewer may not; a preview sends nothing.
    let (st, _) = e
        .post_json(Role::Viewer, "/api/v1/cases/1/notify", json!({}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, p) = e
        .post_json(Role::Analyst, "/api/v1/cases/1/notify", json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["party"], "registrar", "the next on the path: {p}");
    assert_eq!(p["to"], "abuse@registrar.example");
    assert!(
        p["subject"].as_str().unwrap().contains("ucs-card.top"),
        "{p}"
    );
    assert!(p["text"].as_str().unwrap().contains("ucs-card.top"));
    assert_eq!(p["xarf"]["xarf_version"], "4.2.0", "{}", p["xarf"]);
    assert!(p["delivery"].as_str().unwrap().starts_with("eml "));
    assert!(emls(out.path()).is_empty(), "a preview sends nothing");

    // Unknown parties and languages are refused.
    let (st, v) = e
        .post_json(
            Role::Analyst,
            "/api/v1/cases/1/notify",
            json!({"party": "<b>", "lang": "en"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, _) = e
        .post_json(
            Role::Analyst,
            "/api/v1/cases/1/notify",
            json!({"lang": "fr"}),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // A case without parties says what to do.
    let (st, v) = e
        .post_json(Role::Analyst, "/api/v1/cases/2/notify", json!({}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("enrich"),
        "{v}"
    );

    // Sending: the message that goes out is the one previewed (same Message-ID), once.
    let id = p["preview_id"].as_str().unwrap();
    let (st, n) = e
        .post_json(
            Role::Analyst,
            "/api/v1/cases/1/notify/send",
            json!({ "preview_id": id }),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{n}");
    assert_eq!(n["party_kind"], "registrar");
    assert_eq!(n["contact"], "abuse@registrar.example");
    let mails = emls(out.path());
    assert_eq!(mails.len(), 1);
    let mid = p["message_id"].as_str().unwrap();
    assert!(mails[0].contains(&format!("<{mid}>")), "{}", mails[0]);
    assert!(mails[0].contains("To: abuse@registrar.example"));
    assert!(mails[0].contains("xarf.json"));
    let (st, v) = e
        .post_json(
            Role::Analyst,
            "/api/v1/cases/1/notify/send",
            json!({ "preview_id": id }),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "sent once: {v}");
    assert_eq!(v["error"]["code"], "preview_expired");
    assert_eq!(emls(out.path()).len(), 1);
    // A preview belongs to its case.
    let (_, p2) = e
        .post_json(
            Role::Analyst,
            "/api/v1/cases/1/notify",
            json!({"party": "hosting"}),
        )
        .await;
    let (st, _) = e
        .post_json(
            Role::Analyst,
            "/api/v1/cases/2/notify/send",
            json!({ "preview_id": p2["preview_id"] }),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);

    // The case moved to notifying, and the audit log says who.
    let case = e.get_json(Role::Viewer, "/api/v1/cases/1").await.1;
    assert_eq!(case["case"]["state"], "notifying", "{case}");
    assert_eq!(case["notifications"].as_array().unwrap().len(), 1);
    let log = e.get_json(Role::Admin, "/api/v1/audit").await.1;
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|x| x["user"] == "anna" && x["action"] == "case.notify"),
        "{log}"
    );
}

#[tokio::test]
async fn a_console_without_mail_previews_but_does_not_send() {
    let e = Env::start().await;
    fill(&e);
    let (st, p) = e
        .post_json(Role::Analyst, "/api/v1/cases/1/notify", json!({}))
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p["delivery"].is_null());
    let (st, v) = e
        .post_json(
            Role::Analyst,
            "/api/v1/cases/1/notify/send",
            json!({ "preview_id": p["preview_id"] }),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert_eq!(v["error"]["code"], "not_configured");
}

#[tokio::test]
async fn the_case_page_previews_sends_changes_and_closes() {
    let out = tempfile::tempdir().unwrap();
    let (e, _) = start(out.path()).await;
    let cookie = session_cookie(&e.login("anna", "anna-password-123").await);
    let get = |path: &str| {
        e.http
            .get(e.url(path))
            .header("cookie", cookie.clone())
            .send()
    };
    let page = get("/cases/1").await.unwrap().text().await.unwrap();
    assert!(page.contains("Preview the notification"), "{page}");
    assert!(
        !page.contains("<script>"),
        "hostile party name rendered inert"
    );
    let csrf = csrf_of(&page);

    // Without the CSRF token: refused.
    let r = e
        .http
        .post(e.url("/cases/1/notify"))
        .header("cookie", cookie.clone())
        .form(&[("party", "registrar"), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let preview = e
        .http
        .post(e.url("/cases/1/notify"))
        .header("cookie", cookie.clone())
        .form(&[
            ("csrf", csrf.as_str()),
            ("party", "hosting"),
            ("lang", "ja"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), StatusCode::OK);
    let html = preview.text().await.unwrap();
    assert!(html.contains("exactly as it will be sent"), "{html}");
    assert!(html.contains("abuse@hoster.example"));
    assert!(emls(out.path()).is_empty());
    let i = html.find("name=\"preview_id\" value=\"").unwrap() + 25;
    let preview_id = &html[i..i + 32];
    let sent = e
        .http
        .post(e.url("/cases/1/notify/send"))
        .header("cookie", cookie.clone())
        .form(&[("csrf", csrf.as_str()), ("preview_id", preview_id)])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(emls(out.path()).len(), 1);
    let page = get("/cases/1").await.unwrap().text().await.unwrap();
    assert!(page.contains("abuse@hoster.example"));
    assert!(page.contains("notifying"));

    // Change the state, then close; an unknown state is refused with a page.
    let r = e
        .http
        .post(e.url("/cases/1/update"))
        .header("cookie", cookie.clone())
        .form(&[("csrf", csrf.as_str()), ("state", "frozen")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("unknown state"));
    let r = e
        .http
        .post(e.url("/cases/1/update"))
        .header("cookie", cookie.clone())
        .form(&[
            ("csrf", csrf.as_str()),
            ("close", "mitigated"),
            ("mitigated_by", "registrar"),
            ("note", "suspended"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let case = e.get_json(Role::Viewer, "/api/v1/cases/1").await.1;
    assert_eq!(case["case"]["state"], "closed", "{case}");
    assert_eq!(case["case"]["resolution"], "mitigated");
    assert_eq!(case["case"]["mitigated_by"], "registrar");
    // A closed case offers no actions, and cannot be notified.
    let page = get("/cases/1").await.unwrap().text().await.unwrap();
    assert!(!page.contains("Preview the notification"));
    let (st, _) = e
        .post_json(Role::Analyst, "/api/v1/cases/1/notify", json!({}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Viewers see no forms.
    let vc = session_cookie(&e.login("vera", "vera-password-123").await);
    let page = e
        .http
        .get(e.url("/cases/2"))
        .header("cookie", vc)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("Change the state"));
}

#[tokio::test]
async fn evidence_downloads_as_received_with_its_sha256() {
    let out = tempfile::tempdir().unwrap();
    let (e, ev) = start(out.path()).await;
    let path = format!("/api/v1/cases/1/evidence/{ev}");
    let r = e.http.get(e.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = e
        .http
        .get(e.url(&path))
        .bearer_auth(e.token(Role::Viewer))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    // Never rendered: an attachment of an opaque type, not the text/html it was.
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(
        cd.starts_with("attachment; filename=\"case-1-evidence-"),
        "{cd}"
    );
    let sha = store::coord::sha256_hex(PAGE_BODY);
    assert_eq!(h["x-evidence-sha256"].to_str().unwrap(), sha);
    assert!(h["repr-digest"].to_str().unwrap().starts_with("sha-256=:"));
    assert_eq!(&r.bytes().await.unwrap()[..], PAGE_BODY);
    // The case page links it; another case's evidence is not found.
    let cookie = session_cookie(&e.login("vera", "vera-password-123").await);
    let page = e
        .http
        .get(e.url("/cases/1"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&path), "{page}");
    assert!(page.contains(&sha));
    let r = e
        .http
        .get(e.url(&format!("/api/v1/cases/2/evidence/{ev}")))
        .bearer_auth(e.token(Role::Viewer))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
