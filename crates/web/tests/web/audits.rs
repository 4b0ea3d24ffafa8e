//! Stored exposure audits: the list (worst first), one name's audit with its reference graph
//! and findings, the earlier audits, and the API; hostile record text rendered inert.

use domains::DomainName;
use domains::audit::{Reference, Via};
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::{Role, Store};

use super::{Env, HOSTILE, session_cookie};

fn reference(from: &str, via: Via, target: &str, detail: &str) -> Value {
    serde_json::to_value(Reference {
        from: DomainName::parse(from).unwrap(),
        via,
        target: DomainName::parse(target).unwrap(),
        detail: detail.into(),
    })
    .unwrap()
}

/// Two audits of corp.example (the second finds a dangling MX domain) and one of a clean name.
fn fill(e: &Env) {
    let mut s = Store::open(&e.db()).unwrap();
    let t0: jiff::Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    let t1: jiff::Timestamp = "2026-12-01T00:00:00Z".parse().unwrap();
    let refs = json!([
        reference(
            "corp.example",
            Via::Ns,
            "ns1.dns-host.net",
            "NS ns1.dns-host.net"
        ),
        reference("corp.example", Via::Mx, "mx.gone-mail.com", HOSTILE),
        reference(
            "corp.example",
            Via::Spf,
            "mx.gone-mail.com",
            "include:gone-mail.com"
        ),
        reference(
            "www.corp.example",
            Via::Cname,
            "corp.cdn.example.net",
            "CNAME"
        ),
    ]);
    let finding = json!({
        "name": "corp.example", "code": "dangling-reference", "severity": "critical",
        "title": format!("gone-mail.com is not registered {HOSTILE}"),
        "reference": "gone-mail.com", "via": ["mx", "spf"],
        "evidence": { "seen": "NXDOMAIN", "at": "2026-12-01T00:00:00Z" },
        "remediation": "register it or remove the records",
    });
    let audit = |at: &str, findings: Value| {
        json!({ "input": "corp.example", "domain": "corp.example", "audited_at": at,
                "references": refs, "findings": findings, "incomplete": [] })
    };
    s.record_audit(
        "corp.example",
        t0,
        0,
        None,
        &audit("2026-11-01T00:00:00Z", json!([])),
    )
    .unwrap();
    s.record_audit(
        "corp.example",
        t1,
        1,
        Some("critical"),
        &audit("2026-12-01T00:00:00Z", json!([finding])),
    )
    .unwrap();
    s.record_audit(
        "clean.example",
        t1,
        0,
        None,
        &json!({ "input": "clean.example", "domain": "clean.example",
                 "audited_at": "2026-12-01T00:00:00Z", "references": [], "findings": [],
                 "incomplete": ["rdap: timed out"] }),
    )
    .unwrap();
}

#[tokio::test]
async fn audits_are_listed_drawn_and_served() {
    let e = Env::start().await;
    fill(&e);

    // API: the latest of each name, the worst first; one name's history, newest first.
    let (st, list) = e.get_json(Role::Viewer, "/api/v1/audits").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list[0]["domain"], "corp.example", "{list}");
    assert_eq!(list[0]["worst"], "critical");
    assert_eq!(list[0]["references"], 4);
    assert_eq!(list[1]["domain"], "clean.example");
    let (st, hist) = e
        .get_json(Role::Viewer, "/api/v1/audits/corp.example")
        .await;
    assert_eq!(st, StatusCode::OK);
    let hist = hist.as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(
        hist[0]["audit"]["findings"][0]["code"],
        "dangling-reference"
    );
    let (st, _) = e
        .get_json(Role::Viewer, "/api/v1/audits/never.example")
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = e
        .get_json(Role::Viewer, "/api/v1/audits/not%20a%20name")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let r = e.http.get(e.url("/api/v1/audits")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Pages.
    let cookie = session_cookie(&e.login("vera", "vera-password-123").await);
    let page = |path: String| {
        let (http, cookie) = (e.http.clone(), cookie.clone());
        let url = e.url(&path);
        async move {
            let r = http.get(url).header("cookie", cookie).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (st, list) = page("/audits".into()).await;
    assert_eq!(st, StatusCode::OK);
    assert!(list.contains("href=\"/audits/corp.example\""), "{list}");
    assert!(list.find("corp.example").unwrap() < list.find("clean.example").unwrap());
    let (st, html) = page("/audits/corp.example".into()).await;
    assert_eq!(st, StatusCode::OK);
    // The graph: both trusting names, the targets, the dangling one marked, ways merged.
    assert!(html.contains("<svg class=\"refgraph\""), "{html}");
    assert!(html.contains("<g class=\"target sev-critical\">"), "{html}");
    assert!(html.contains("mx.gone-mail.com (dangling-reference)"));
    assert!(html.contains(">mx,spf</text>"));
    assert!(html.contains(">www.corp.example</text>"));
    assert!(html.contains("register it or remove the records"));
    // Hostile record text and titles are inert.
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"));
    // The earlier audit is one click away and has no findings.
    let i = html
        .find("/audits/corp.example?id=")
        .expect("a link to the earlier audit");
    let link: String = html[i..].chars().take_while(|c| *c != '"').collect();
    let (st, older) = page(link.replace("&amp;", "&")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(!older.contains("target sev-critical"), "{older}");
    assert!(!older.contains("sev-None"));
    let (_, clean) = page("/audits/clean.example".into()).await;
    assert!(clean.contains("No outside references."));
    assert!(clean.contains("rdap: timed out"));
    let (st, _) = page("/audits/never.example".into()).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
