//! Findings triage, the findings filters and a domain's page with its timeline, over a store
//! holding two snapshots of a watched name (a hijack-like change between them).

use domains::DomainName;
use domains::change::{change_findings, diff};
use domains::findings::{RulePolicy, inspect_findings};
use domains::registration::{
    EppStatus, Event, EventAction, LifecyclePhase, RegDate, Registrar, RegistrationRecord,
    SourceKind,
};
use domains::snapshot::Snapshot;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Role, Store};

use super::{Env, HOSTILE, csrf_of, session_cookie};

fn snapshot(at: jiff::Timestamp, registrar: &str, locked: bool, ns: &[&str]) -> Snapshot {
    let dn = DomainName::parse("watched.example").unwrap();
    let mut rec = RegistrationRecord::new(dn.clone(), SourceKind::Rdap, "https://rdap.test/");
    rec.registrar = Some(Registrar {
        name: Some(registrar.into()),
        ..Registrar::default()
    });
    if locked {
        rec.statuses.push(EppStatus::ClientTransferProhibited);
    }
    rec.nameservers = ns.iter().map(|n| DomainName::parse(n).unwrap()).collect();
    rec.events.push(Event {
        action: EventAction::Expiration,
        date: RegDate::utc("2030-01-01T00:00:00Z".parse().unwrap()),
    });
    Snapshot {
        domain: dn,
        taken_at: at,
        registry: Some(rec),
        registrar: None,
        dns: None,
        phase: LifecyclePhase::Active,
        issues: vec![],
    }
}

/// A watched name seen twice: locked at a good registrar, then unlocked at a hostile-named one
/// with another name server.
pub(crate) fn fill_watch(s: &mut Store, now: jiff::Timestamp) {
    let name = DomainName::parse("watched.example").unwrap();
    s.add_watched(&[store::WatchedDomain {
        name,
        owner: Some(HOSTILE.into()),
        tags: vec!["brand".into()],
        high_value: true,
        added_at: now,
    }])
    .unwrap();
    let day = jiff::SignedDuration::from_hours(24);
    let first = snapshot(
        now.checked_sub(day).unwrap(),
        "Good Registrar",
        true,
        &["a.ns.example", "b.ns.example"],
    );
    let second = snapshot(now, HOSTILE, false, &["b.ns.example", "ns1.evil.example"]);
    let policy = RulePolicy::default();
    for (prev, snap) in [(None, &first), (Some(&first), &second)] {
        let changes = prev.map(|p| diff(p, snap)).unwrap_or_default();
        let state = inspect_findings(snap, snap.taken_at, &policy);
        s.record_observation(None, snap, &changes, &state, &change_findings(&changes))
            .unwrap();
    }
}

async fn findings(e: &Env, role: Role, query: &str) -> Value {
    e.http
        .get(e.url(&format!("/api/v1/findings{query}")))
        .bearer_auth(e.token(role))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn findings_are_acknowledged_muted_and_filtered_through_the_api() {
    let e = Env::start().await;
    let all = findings(&e, Role::Viewer, "?domain=watched.example").await;
    let items = all["items"].as_array().unwrap();
    assert!(items.len() >= 3, "{all}");
    // What raised each: a watch pass; the raiser filters.
    assert!(items.iter().all(|f| f["raised_by"] == "watch"), "{all}");
    let watch = findings(&e, Role::Viewer, "?domain=watched.example&raised_by=watch").await;
    assert_eq!(watch["items"], all["items"]);
    let ct = findings(&e, Role::Viewer, "?domain=watched.example&raised_by=ct").await;
    assert_eq!(ct["items"].as_array().map(Vec::len), Some(0), "{ct}");
    let lock = items
        .iter()
        .find(|f| f["code"] == "lock-removed")
        .expect("the lock removal is a finding");
    let id = lock["id"].as_i64().unwrap();
    let triage = |role: Role, body: Value| {
        e.http
            .post(e.url(&format!("/api/v1/findings/{id}/triage")))
            .bearer_auth(e.token(role))
            .json(&body)
            .send()
    };
    // A viewer may not triage.
    let r = triage(Role::Viewer, json!({"action": "acknowledge"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An analyst acknowledges with a note.
    let r = triage(
        Role::Analyst,
        json!({"action": "acknowledge", "note": "calling the registrar"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["acknowledged_by"], "anna");
    assert_eq!(v["triage_note"], "calling the registrar");
    let new = findings(&e, Role::Viewer, "?domain=watched.example&triage=new").await;
    assert!(
        new["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != id),
        "{new}"
    );
    let acked = findings(&e, Role::Viewer, "?triage=acknowledged").await;
    assert_eq!(acked["items"].as_array().unwrap().len(), 1);
    // Muted for 7 days: out of the default list, in the muted one.
    let r = triage(Role::Analyst, json!({"action": "mute", "until": "7"}))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let default = findings(&e, Role::Viewer, "?domain=watched.example").await;
    assert!(
        default["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != id),
        "{default}"
    );
    let muted = findings(&e, Role::Viewer, "?triage=muted").await;
    assert_eq!(muted["items"][0]["id"], id);
    // Bad requests get the shared error shape.
    for bad in [
        json!({"action": "delete"}),
        json!({"action": "mute", "until": "yesterday"}),
        json!({"action": "mute", "until": "0"}),
    ] {
        let r = triage(Role::Analyst, bad.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "bad_request");
    }
    for q in ["?severity=urgent", "?triage=maybe", "?since=monday"] {
        let v = findings(&e, Role::Viewer, q).await;
        assert_eq!(v["error"]["code"], "bad_request", "{q}");
    }
    let r = e
        .http
        .post(e.url("/api/v1/findings/99999/triage"))
        .bearer_auth(e.token(Role::Analyst))
        .json(&json!({"action": "acknowledge"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Severity filter and the cursor.
    let high = findings(&e, Role::Viewer, "?severity=high&triage=any").await;
    assert!(
        high["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| matches!(f["severity"].as_str(), Some("high" | "critical")))
    );
    let p1 = findings(&e, Role::Viewer, "?triage=any&limit=1").await;
    let cur = p1["next_cursor"].as_i64().expect("more than one page");
    let p2 = findings(
        &e,
        Role::Viewer,
        &format!("?triage=any&limit=1&after={cur}"),
    )
    .await;
    assert!(p2["items"][0]["id"].as_i64().unwrap() > cur);
    // Who did what is in the audit log.
    let log = e.get_json(Role::Admin, "/api/v1/audit").await.1;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["user"] == "anna")
        .filter_map(|x| x["action"].as_str())
        .collect();
    assert!(actions.contains(&"finding.acknowledge"), "{actions:?}");
    assert!(actions.contains(&"finding.mute"), "{actions:?}");
}

#[tokio::test]
async fn the_domain_page_shows_registration_findings_and_the_timeline_inert() {
    let e = Env::start().await;
    let login = e.login("anna", "anna-password-123").await;
    let cookie = session_cookie(&login);
    let get = |path: &str| {
        e.http
            .get(e.url(path))
            .header("cookie", cookie.clone())
            .send()
    };
    let r = get("/domains/watched.example").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    for want in [
        "Good Registrar",
        "lock-removed",
        "ns-changed-registry",
        "<del>a.ns.example</del>",
        "<ins>ns1.evil.example</ins>",
        "high value",
    ] {
        assert!(html.contains(want), "{want} not in the page");
    }
    assert!(!html.contains("<script>alert"), "hostile text is escaped");
    assert!(html.contains("&lt;script&gt;"));
    assert!(!html.contains("\"onmouseover"));
    // The names list links to it; an unknown name is a 404 page.
    let list = get("/domains").await.unwrap().text().await.unwrap();
    assert!(list.contains("href=\"/domains/watched.example\""));
    let r = get("/domains/nowhere.example").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The same history over the API: newest first, each snapshot with its changes.
    let api = |path: &str| {
        e.http
            .get(e.url(path))
            .bearer_auth(e.token(Role::Viewer))
            .send()
    };
    let h: Value = api("/api/v1/domains/watched.example")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["domain"]["name"], "watched.example");
    assert_eq!(h["domain"]["high_value"], true);
    let hist = h["history"].as_array().unwrap();
    assert_eq!(hist.len(), 2, "{h}");
    assert!(hist[0]["taken_at"].as_str() > hist[1]["taken_at"].as_str());
    let kinds: Vec<&str> = hist[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"lock-removed"), "{kinds:?}");
    assert!(hist[1]["changes"].as_array().unwrap().is_empty());
    assert!(h["latest"]["registry"].is_object(), "{h}");
    let one: Value = api("/api/v1/domains/watched.example?limit=1")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["history"].as_array().unwrap().len(), 1);
    let r = api("/api/v1/domains/nowhere.example").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The findings page: filters, and the triage buttons with the session's CSRF token.
    let page = get("/findings?severity=high&domain=watched.example")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("lock-removed"), "a high finding is listed");
    assert!(!page.contains("no-registrar-lock"), "a medium one is not");
    let csrf = csrf_of(&page);
    let i = page.find("action=\"/findings/").unwrap() + 18;
    let id: String = page[i..].chars().take_while(char::is_ascii_digit).collect();
    let post = |form: Vec<(&'static str, String)>| {
        e.http
            .post(e.url(&format!("/findings/{id}/triage")))
            .header("cookie", cookie.clone())
            .form(&form)
            .send()
    };
    let r = post(vec![("action", "acknowledge".into())]).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let r = post(vec![
        ("action", "acknowledge".into()),
        ("csrf", csrf.clone()),
        ("note", HOSTILE.into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/findings");
    let page = get("/findings?triage=acknowledged")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("acknowledged by anna"));
    assert!(!page.contains("<script>alert"));
    // A viewer sees no buttons and may not post.
    let vl = e.login("vera", "vera-password-123").await;
    let vc = session_cookie(&vl);
    let vpage = e
        .http
        .get(e.url("/findings"))
        .header("cookie", vc.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!vpage.contains("value=\"acknowledge\""));
    let r = e
        .http
        .post(e.url(&format!("/findings/{id}/triage")))
        .header("cookie", vc)
        .form(&[("action", "reopen"), ("csrf", csrf_of(&vpage).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}
