//! Stored scans through the API and the lookalikes page: a feed submitted, its hits paged,
//! a case opened from a hit; roles and limits.

use reqwest::StatusCode;
use serde_json::{Value, json};
use store::Role;

use super::{Env, csrf_of, session_cookie};

#[tokio::test]
async fn a_submitted_feed_is_scanned_stored_and_triaged_into_a_case() {
    let e = Env::start().await;
    let post = |role: Role, body: Value| {
        e.http
            .post(e.url("/api/v1/scans"))
            .bearer_auth(e.token(role))
            .json(&body)
            .send()
    };
    let feed = "kuronekoyamatc.cc\nwww.kuronekoyamatc.cc\nhttps://login.kuronekoyamato-co.top/x\n\
                github.com\nnot a name\n";
    // Viewers read, analysts submit.
    let r = post(
        Role::Viewer,
        json!({"feed": feed, "brands": ["kuronekoyamato.co.jp"]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // No brands given and none configured: a bad request.
    let r = post(Role::Analyst, json!({"feed": feed})).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post(
        Role::Analyst,
        json!({"feed": feed, "brands": ["not a domain"]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post(
        Role::Analyst,
        json!({"feed": feed, "brands": ["kuronekoyamato.co.jp"], "source": "phishing list"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let scan: Value = r.json().await.unwrap();
    assert_eq!(scan["status"], "finished");
    assert_eq!(scan["submitted_by"], "anna");
    assert_eq!(scan["source"], "phishing list");
    assert!(scan["hits"].as_u64().unwrap() >= 2, "{scan}");
    let id = scan["id"].as_i64().unwrap();

    let get = |path: String| {
        e.http
            .get(e.url(&path))
            .bearer_auth(e.token(Role::Viewer))
            .send()
    };
    let list: Value = get("/api/v1/scans".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], id);
    let hits: Value = get(format!("/api/v1/scans/{id}/hits"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = hits["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|h| h["registrable"] == "kuronekoyamatc.cc")
    );
    assert!(items.iter().all(|h| h["brand"] == "kuronekoyamato.co.jp"));
    assert!(items.iter().all(|h| h["name"] != "github.com"));
    let p1: Value = get("/api/v1/hits?limit=1".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cur = p1["next_cursor"].as_i64().expect("a next page");
    let p2: Value = get(format!("/api/v1/hits?limit=1&after={cur}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(p2["items"][0]["id"].as_i64().unwrap() > cur);
    let r = get("/api/v1/scans/999/hits".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The lookalikes page lists them; an analyst opens a case from a hit.
    let cookie = session_cookie(&e.login("anna", "anna-password-123").await);
    let page = e
        .http
        .get(e.url(&format!("/lookalikes?scan={id}")))
        .header("cookie", cookie.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("kuronekoyamatc.cc"));
    assert!(page.contains("phishing list"));
    let i = page
        .find("action=\"/lookalikes/")
        .expect("an open-case button")
        + 20;
    let hit: String = page[i..].chars().take_while(char::is_ascii_digit).collect();
    let r = e
        .http
        .post(e.url(&format!("/lookalikes/{hit}/case")))
        .header("cookie", cookie.clone())
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/cases/"), "{to}");
    let case = e
        .http
        .get(e.url(&format!("/api/v1{to}")))
        .bearer_auth(e.token(Role::Viewer))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    // The test store already has a case for kuronekoyamatc.cc: the hit joins it as a report.
    assert_eq!(case["case"]["domain"], "kuronekoyamatc.cc", "{case}");
    assert!(
        case["reports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"] == "lookalike" && r["brand"] == "kuronekoyamato.co.jp"),
        "{case}"
    );
    // Without the CSRF token: refused.
    let r = e
        .http
        .post(e.url(&format!("/lookalikes/{hit}/case")))
        .header("cookie", cookie)
        .form(&[("csrf", "0".repeat(64))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
