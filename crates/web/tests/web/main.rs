//! The console over HTTP, served in-process on an ephemeral port: sessions, CSRF, tokens, every
//! role against every endpoint, hostile data rendered inert, the OpenAPI document.

use std::net::SocketAddr;

use domains::case::intake::{ServiceList, Target};
use domains::case::{Category, Tlp};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::Value;
use store::{Role, Store};

mod audits;
mod browser;
mod coord;
mod reports;
mod scans;
mod tls;
mod triage;

const HOSTILE: &str = "<script>alert(1)</script>\"onmouseover=x \u{202e}";

struct Env {
    addr: SocketAddr,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    tokens: Vec<(Role, String)>,
}

impl Env {
    async fn start() -> Env {
        Env::start_with(web::Options::default()).await
    }

    /// The path of the console's store (another connection may fill it beside the console).
    fn db(&self) -> std::path::PathBuf {
        self._dir.path().join("d.db")
    }

    async fn start_with(opts: web::Options) -> Env {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("d.db")).unwrap();
        let now = jiff::Timestamp::now();
        let mut tokens = Vec::new();
        for (name, role) in [
            ("vera", Role::Viewer),
            ("anna", Role::Analyst),
            ("adam", Role::Admin),
        ] {
            let h = web::auth::hash_password(&format!("{name}-password-123")).unwrap();
            s.add_user(name, role, &h, now).unwrap();
            let t = web::auth::new_token();
            s.add_token(name, "test", &web::auth::secret_hash(&t), now)
                .unwrap();
            tokens.push((role, t));
        }
        let report = |input: &str, key: &str| store::NewReport {
            target: Target::parse(
                input,
                domains::SuffixList::embedded(),
                ServiceList::embedded(),
            )
            .unwrap(),
            input: input.into(),
            reported_at: now,
            reporter: Some(HOSTILE.into()),
            brand: Some(HOSTILE.into()),
            description: Some(HOSTILE.into()),
            category: Category::Phishing,
            tlp: Tlp::Amber,
            source: "test".into(),
            source_key: key.into(),
        };
        s.add_reports(
            &[
                report("https://ucs-card.top/login?x=<script>", "1"),
                report("http://biglobes.net/", "2"),
                report("http://kuronekoyamatc.cc/", "3"),
            ],
            HOSTILE,
            now,
            |_| {},
        )
        .unwrap();
        triage::fill_watch(&mut s, now);
        drop(s);
        let console =
            web::Console::new(store::Location::Sqlite(dir.path().join("d.db")), opts).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(web::serve(listener, console, async {
            let _ = rx.await;
        }));
        Env {
            addr,
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            _dir: dir,
            stop: Some(tx),
            tokens,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn token(&self, role: Role) -> &str {
        &self.tokens.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// GET with `role`'s bearer token: the status and the JSON body (`Null` when none).
    async fn get_json(&self, role: Role, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(self.token(role))
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// POST `body` as JSON with `role`'s bearer token: the status and the JSON body.
    async fn post_json(&self, role: Role, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(self.token(role))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Logs in; the session cookie.
    async fn login(&self, name: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/login"))
            .form(&[("name", name), ("password", password)])
            .send()
            .await
            .unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn session_cookie(r: &reqwest::Response) -> String {
    let c = r
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_string();
    assert!(c.contains("HttpOnly"), "{c}");
    assert!(c.contains("SameSite=Strict"), "{c}");
    c.split(';').next().unwrap().to_string()
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[i..i + 64].to_string()
}

#[tokio::test]
async fn anonymous_requests_see_only_login_and_health() {
    let e = Env::start().await;
    let r = e.http.get(e.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    for path in [
        "/api/v1/cases",
        "/api/v1/openapi.json",
        "/metrics",
        "/api/v1/nothing",
    ] {
        let r = e.http.get(e.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "unauthenticated", "{path}");
    }
    for path in [
        "/healthz",
        "/login",
        "/static/style.css",
        "/static/favicon.svg",
        "/favicon.ico",
    ] {
        let r = e.http.get(e.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
    }
    // A bearer token that is not one.
    let r = e
        .http
        .get(e.url("/api/v1/cases"))
        .bearer_auth("dw_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn login_pages_csrf_and_logout() {
    let e = Env::start().await;
    let r = e.login("anna", "wrong").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = e.login("anna", "anna-password-123").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/");
    let cookie = session_cookie(&r);

    // Every page renders the hostile strings inert.
    for path in ["/", "/cases", "/cases/1", "/findings", "/domains"] {
        let r = e
            .http
            .get(e.url(path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script"), "{path}: {html}");
        assert!(!html.contains("\"onmouseover"), "{path}");
        if path == "/cases/1" {
            assert!(
                html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
                "{html}"
            );
        }
    }
    let page = e
        .http
        .get(e.url("/cases/1"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);

    // A note without the CSRF token is refused; with it, it lands in the timeline.
    let r = e
        .http
        .post(e.url("/cases/1/note"))
        .header("cookie", &cookie)
        .form(&[("note", "called the registrar")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = e
        .http
        .post(e.url("/cases/1/note"))
        .header("cookie", &cookie)
        .form(&[
            ("note", "called the registrar <b>"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = e
        .http
        .get(e.url("/cases/1"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("called the registrar &lt;b&gt;"), "{page}");
    // The API with the cookie needs the CSRF header for changes.
    let r = e
        .http
        .post(e.url("/api/v1/cases/1/notes"))
        .header("cookie", &cookie)
        .json(&serde_json::json!({"note": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = e
        .http
        .post(e.url("/api/v1/cases/1/notes"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"note": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Logout ends the session.
    let r = e
        .http
        .post(e.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = e
        .http
        .get(e.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failed_logins_are_limited() {
    let e = Env::start().await;
    for _ in 0..web::auth::LOGIN_FAILURES {
        assert_eq!(
            e.login("vera", "nope").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password waits.
    assert_eq!(
        e.login("vera", "vera-password-123").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn every_role_against_every_endpoint() {
    let e = Env::start().await;
    // (method, path, body, the least role that may)
    let endpoints: Vec<(&str, &str, Option<Value>, Role)> = vec![
        ("GET", "/api/v1/cases", None, Role::Viewer),
        ("GET", "/api/v1/cases/1", None, Role::Viewer),
        ("GET", "/api/v1/findings?severity=high", None, Role::Viewer),
        ("GET", "/api/v1/domains", None, Role::Viewer),
        ("GET", "/api/v1/scans", None, Role::Viewer),
        ("GET", "/api/v1/hits", None, Role::Viewer),
        ("GET", "/api/v1/audits", None, Role::Viewer),
        ("GET", "/api/v1/domains/watched.example", None, Role::Viewer),
        (
            "POST",
            "/api/v1/scans",
            Some(serde_json::json!({"feed": "paypa1.com\n", "brands": ["paypal.com"]})),
            Role::Analyst,
        ),
        (
            "GET",
            "/api/v1/reports/phishing?by=month,tld",
            None,
            Role::Viewer,
        ),
        (
            "GET",
            "/api/v1/reports/mitigation?by=registrar",
            None,
            Role::Viewer,
        ),
        ("GET", "/api/v1/openapi.json", None, Role::Viewer),
        ("GET", "/metrics", None, Role::Viewer),
        (
            "POST",
            "/api/v1/cases",
            Some(serde_json::json!({"input": "hxxps://evil-login[.]top/a"})),
            Role::Analyst,
        ),
        (
            "POST",
            "/api/v1/cases/2/notes",
            Some(serde_json::json!({"note": "n"})),
            Role::Analyst,
        ),
        (
            "PATCH",
            "/api/v1/cases/2",
            Some(serde_json::json!({"note": "seen", "state": "investigating"})),
            Role::Analyst,
        ),
        (
            "POST",
            "/api/v1/domains",
            Some(serde_json::json!({"name": "example.com"})),
            Role::Analyst,
        ),
        ("DELETE", "/api/v1/domains/example.com", None, Role::Analyst),
        (
            "POST",
            "/api/v1/findings/1/triage",
            Some(serde_json::json!({"action": "acknowledge"})),
            Role::Analyst,
        ),
        ("GET", "/api/v1/users", None, Role::Admin),
        ("GET", "/api/v1/audit", None, Role::Admin),
    ];
    for role in [Role::Viewer, Role::Analyst, Role::Admin] {
        for (method, path, body, least) in &endpoints {
            let mut rq = match *method {
                "GET" => e.http.get(e.url(path)),
                "POST" => e.http.post(e.url(path)),
                "PATCH" => e.http.patch(e.url(path)),
                _ => e.http.delete(e.url(path)),
            }
            .bearer_auth(e.token(role));
            if let Some(b) = body {
                rq = rq.json(b);
            }
            let r = rq.send().await.unwrap();
            let status = r.status();
            if role >= *least {
                assert!(status.is_success(), "{role:?} {method} {path}: {status}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {method} {path}");
                let v: Value = r.json().await.unwrap();
                assert_eq!(v["error"]["code"], "forbidden");
            }
        }
    }
    // Changes are in the audit log with who did them.
    let log = e.get_json(Role::Admin, "/api/v1/audit").await.1;
    let actions: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["user"].as_str().unwrap().into(),
                x["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("anna".into(), "case.open".into())),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("adam".into(), "domain.remove".into())),
        "{actions:?}"
    );
}

#[tokio::test]
async fn api_shapes_pagination_and_openapi() {
    let e = Env::start().await;
    let get = |path: &str| {
        let rq = e.http.get(e.url(path)).bearer_auth(e.token(Role::Viewer));
        async move { rq.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let p1 = get("/api/v1/cases?limit=2").await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 2, "{p1}");
    let cursor = p1["next_cursor"].as_i64().unwrap();
    let p2 = get(&format!("/api/v1/cases?limit=2&after={cursor}")).await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1, "{p2}");
    assert!(p2["next_cursor"].is_null());
    let one = get("/api/v1/cases/1").await;
    assert_eq!(one["case"]["domain"], "ucs-card.top");
    assert_eq!(
        one["case"]["brand"], HOSTILE,
        "JSON carries the data as it is"
    );
    let missing = e
        .http
        .get(e.url("/api/v1/cases/999"))
        .bearer_auth(e.token(Role::Viewer))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let bad = get("/api/v1/cases?state=nonsense").await;
    assert_eq!(bad["error"]["code"], "bad_request");
    let doc = get("/api/v1/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    for p in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/findings",
        "/api/v1/domains",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} in the OpenAPI document");
    }
    let metrics = e
        .http
        .get(e.url("/metrics"))
        .bearer_auth(e.token(Role::Viewer))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("domwatch_cases{state=\"new\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("# TYPE domwatch_http_requests_total counter"));
    assert!(metrics.contains("domwatch_watched_names 1\n"), "{metrics}");
    for line in [
        "# TYPE domwatch_probe_issues_total counter",
        "domwatch_alerts_sent_total 0\n",
        "domwatch_pass_pending_names 0\n",
        "domwatch_audits_total 0\n",
    ] {
        assert!(metrics.contains(line), "{line}: {metrics}");
    }
}

/// Requests run their store work on a pool of connections, off the async workers: many
/// readers and writers at once all succeed (SQLite WAL readers beside one writer at a time),
/// and every write is there afterwards, with its audit-log entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_readers_and_writers_share_the_store_pool() {
    let e = std::sync::Arc::new(
        Env::start_with(web::Options {
            store_connections: 3,
            ..Default::default()
        })
        .await,
    );
    let mut tasks = Vec::new();
    for i in 0..30 {
        let e = e.clone();
        tasks.push(tokio::spawn(async move {
            if i % 3 == 0 {
                let (st, _v) = e
                    .post_json(
                        Role::Analyst,
                        "/api/v1/domains",
                        serde_json::json!({ "name": format!("pool-{i}.example") }),
                    )
                    .await;
                assert_eq!(st, StatusCode::CREATED, "add pool-{i}.example: {_v}");
            } else {
                let path = if i % 2 == 0 {
                    "/api/v1/findings?limit=5"
                } else {
                    "/api/v1/cases"
                };
                let (st, v) = e.get_json(Role::Viewer, path).await;
                assert_eq!(st, StatusCode::OK, "{path}: {v}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (st, names) = e.get_json(Role::Viewer, "/api/v1/domains").await;
    assert_eq!(st, StatusCode::OK);
    let added: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["name"].as_str())
        .filter(|n| n.starts_with("pool-"))
        .collect();
    assert_eq!(added.len(), 10, "{added:?}");
    let (st, log) = e.get_json(Role::Admin, "/api/v1/audit").await;
    assert_eq!(st, StatusCode::OK);
    let adds = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["action"] == "domain.add")
        .count();
    assert_eq!(adds, 10, "{log}");
}
