//! The reports page, its CSV downloads, the reports API and the overview's chart.

use reqwest::StatusCode;
use serde_json::Value;
use store::Role;

use super::{Env, session_cookie};

#[tokio::test]
async fn reports_page_csv_and_api_agree() {
    let e = Env::start().await;
    let api = |path: &str| {
        e.http
            .get(e.url(path))
            .bearer_auth(e.token(Role::Viewer))
            .send()
    };
    // The three phishing reports of the test store are in three TLDs.
    let by_tld: Value = api("/api/v1/reports/phishing?by=tld")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tlds: Vec<&str> = by_tld
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["keys"][0].as_str().unwrap())
        .collect();
    assert_eq!(tlds, ["cc", "net", "top"], "{by_tld}");
    assert!(by_tld.as_array().unwrap().iter().all(|r| r["domains"] == 1));
    let mitigation: Value = api("/api/v1/reports/mitigation?by=tld")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mitigation.as_array().unwrap().len(), 3, "{mitigation}");
    assert_eq!(mitigation[0]["unprocessed"], 1);
    // A period with nothing in it, and bad parameters.
    let empty: Value = api("/api/v1/reports/phishing?from=2001-01&to=2001-02")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(empty, serde_json::json!([]));
    for bad in [
        "/api/v1/reports/phishing?by=colour",
        "/api/v1/reports/phishing?from=July",
        "/api/v1/reports/mitigation?by=month",
    ] {
        let r = api(bad).await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "bad_request");
    }

    // The page: charts and tables, the brand (hostile) escaped.
    let cookie = session_cookie(&e.login("vera", "vera-password-123").await);
    let get = |path: &str| {
        e.http
            .get(e.url(path))
            .header("cookie", cookie.clone())
            .send()
    };
    let r = get("/reports?by=month,brand").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg"), "a chart");
    assert!(html.contains("Phishing domains by month,brand"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;"), "the brand, escaped");
    assert!(
        html.contains("phishing.csv?by=month%2Cbrand"),
        "the CSV link keeps the grouping"
    );
    let r = get("/reports?by=nonsense").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let r = get("/reports/phishing.csv?by=tld").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let csv = r.text().await.unwrap();
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        ["tld,domains,urls", "cc,1,1", "net,1,1", "top,1,1"]
    );
    let csv = get("/reports/mitigation.csv?by=tld")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("tld,cases,mitigated,not_mitigated,unprocessed,"));
    // The CSV needs a login like every page.
    let r = e
        .http
        .get(e.url("/reports/phishing.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The overview has the chart of phishing domains per month; the stylesheet styles it.
    let overview = get("/").await.unwrap().text().await.unwrap();
    assert!(overview.contains("Phishing domains per month"));
    assert!(overview.contains("<svg"));
    let css = get("/static/style.css")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(css.contains(".c0"), "the chart colours");
}
