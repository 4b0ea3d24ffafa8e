//! `domwatch serve`: the team console. Server-rendered pages (auto-escaping templates, no
//! script), a JSON API under `/api/v1` described by an OpenAPI 3 document generated from the
//! code, `/healthz` and `/metrics` (Prometheus text format).
//!
//! - **Access**: users with a role (viewer reads, analyst acts, admin also manages users);
//!   browser sessions by cookie (HttpOnly, SameSite=Strict, Secure over TLS) with a CSRF token
//!   on every state-changing request; API clients by `Authorization: Bearer` token. Nothing but
//!   `/login`, `/healthz`, `/static/` and `/favicon.ico` answer without authentication. Failed logins are
//!   limited per client address and per user name.
//! - **Hostile data**: everything shown came from outside (WHOIS, RDAP, feeds, mail): templates
//!   escape it; the Content-Security-Policy allows no script and no inline style.
//! - Every change made through the web or the API is in the audit log, with who and when.
//!
//! The server takes a pre-bound listener ([`serve`], or [`serve_tls`] for in-process TLS). The
//! store is a pool of connections (r2d2; SQLite WAL readers run side by side, or PostgreSQL)
//! and every request's store work runs on a blocking thread ([`Console::db`]), never on the
//! async workers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use store::{Location, Role, Store, StoreError, User};

pub mod api;
pub mod auth;
mod pages;
pub mod tls;

/// How the console runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Cookies get `Secure` (the server is behind TLS).
    pub secure_cookies: bool,
    /// The brands that feeds submitted to `POST /api/v1/scans` are matched against when the
    /// request names none (`serve --brands FILE`).
    pub brands: Vec<domains::lookalike::Brand>,
    /// How notifications go out from a case page (`serve --smtp` / `--eml-dir`); without it
    /// the console previews a notification but cannot send it.
    pub notify: Option<NotifyOptions>,
    /// The clock of notifications and their follow-up dates (the prober's: the lab clock in
    /// tests and the demo); the system clock when none.
    pub clock: Option<Clock>,
    /// Store connections of the pool (0: the default, [`DEFAULT_STORE_CONNECTIONS`]).
    pub store_connections: u32,
}

/// Store connections of the console's pool when [`Options::store_connections`] is 0.
pub const DEFAULT_STORE_CONNECTIONS: u32 = 8;

/// How long a request waits for a free store connection before it fails (503).
const STORE_WAIT: Duration = Duration::from_secs(30);

/// Opens the pool's store connections.
#[derive(Debug)]
struct StoreManager(Location);

impl r2d2::ManageConnection for StoreManager {
    type Connection = Store;
    type Error = StoreError;

    fn connect(&self) -> Result<Store, StoreError> {
        Store::open_location(&self.0)
    }

    /// Connections are not tested on check-out: an SQLite connection does not break, and a
    /// PostgreSQL one reconnects by itself (and retries the interrupted transaction).
    fn is_valid(&self, _: &mut Store) -> Result<(), StoreError> {
        Ok(())
    }

    fn has_broken(&self, _: &mut Store) -> bool {
        false
    }
}

/// How the console sends notifications.
#[derive(Debug, Clone)]
pub struct NotifyOptions {
    pub delivery: NotifyDelivery,
    /// The sender address (the X-ARF reporter contact).
    pub from: String,
    /// The sending organisation (default: the sender address's domain).
    pub org: Option<String>,
    /// Days until the follow-up is due.
    pub follow_up_days: u32,
}

/// Where a notification sent from the console goes.
#[derive(Debug, Clone)]
pub enum NotifyDelivery {
    Smtp(service::mail::SmtpRelay),
    /// As `.eml` files in this directory (to send by hand or to review).
    Eml(std::path::PathBuf),
}

type ClockFn = dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = jiff::Timestamp> + Send>>
    + Send
    + Sync;

/// A clock that may be asked over the network (the lab's).
#[derive(Clone)]
pub struct Clock(pub Arc<ClockFn>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

/// Request counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub denied: AtomicU64,
    pub logins_failed: AtomicU64,
    /// Set by the scheduler: watch passes and case checks run.
    pub passes: AtomicU64,
    pub case_checks: AtomicU64,
    pub audits: AtomicU64,
    /// Alerts delivered by the scheduler's passes (all sinks).
    pub alerts_sent: AtomicU64,
    /// Probe issues of the scheduler's passes, per source (`rdap`, `whois`, `dns`...).
    pub probe_issues: Mutex<std::collections::BTreeMap<String, u64>>,
    pub scheduler_errors: AtomicU64,
}

/// The console's state, shared by every request.
pub struct Console {
    pool: r2d2::Pool<StoreManager>,
    pub metrics: Metrics,
    limiter: Mutex<auth::LoginLimiter>,
    opts: Options,
    templates: minijinja::Environment<'static>,
    previews: Mutex<api::coord::Previews>,
}

pub type Shared = Arc<Console>;

impl Console {
    /// The console over the store at `location`. Opens (and migrates) it once here, so a
    /// store that cannot be opened is an error now; the pool's other connections are opened
    /// when the load needs them.
    pub fn new(location: Location, opts: Options) -> Result<Shared, StoreError> {
        let first = Store::open_location(&location)?;
        let size = match opts.store_connections {
            0 => DEFAULT_STORE_CONNECTIONS,
            n => n,
        };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(0))
            .connection_timeout(STORE_WAIT)
            .test_on_check_out(false)
            .build_unchecked(StoreManager(location));
        drop(first);
        Ok(Arc::new(Console {
            pool,
            metrics: Metrics::default(),
            limiter: Mutex::new(auth::LoginLimiter::default()),
            opts,
            templates: pages::templates(),
            previews: Mutex::default(),
        }))
    }

    /// The time now, by the console's clock.
    pub async fn now(&self) -> jiff::Timestamp {
        match &self.opts.clock {
            Some(c) => (c.0)().await,
            None => jiff::Timestamp::now(),
        }
    }

    fn previews(&self) -> MutexGuard<'_, api::coord::Previews> {
        self.previews.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` with a connection of the pool, on a blocking thread (the async workers never
    /// wait for the database); `Err` when no connection came free in time.
    pub async fn with_db<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Store) -> T + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let task = tokio::task::spawn_blocking(move || {
            let mut s = pool
                .get()
                .map_err(|e| StoreError::Busy(format!("no store connection came free: {e}")))?;
            Ok(f(&mut s))
        });
        match task.await {
            Ok(r) => r,
            Err(e) => Err(StoreError::Busy(format!("the store task failed: {e}"))),
        }
    }

    /// [`Console::with_db`] for store calls: one error for both.
    pub async fn db<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.with_db(f).await.and_then(|r| r)
    }
}

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    /// The session's CSRF token (cookie sessions only; bearer tokens need none).
    pub csrf: Option<String>,
}

impl Principal {
    pub fn may(&self, role: Role) -> bool {
        self.user.role >= role
    }
}

pub(crate) const SESSION_COOKIE: &str = "dw_session";

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The principal of a request: a bearer token, else a live session cookie.
pub(crate) async fn principal(console: &Console, headers: &HeaderMap) -> Option<Principal> {
    let now = jiff::Timestamp::now();
    if let Some(token) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let hash = auth::secret_hash(token.trim());
        let user = console
            .db(move |s| s.user_by_token(&hash, now))
            .await
            .ok()
            .flatten()?;
        return Some(Principal { user, csrf: None });
    }
    let sid = auth::secret_hash(cookie(headers, SESSION_COOKIE)?);
    let (user, csrf) = console
        .db(move |s| s.session(&sid, now))
        .await
        .ok()
        .flatten()?;
    Some(Principal {
        user,
        csrf: Some(csrf),
    })
}

/// The CSRF check of a state-changing request: bearer clients pass; a cookie session must
/// send its token (form field or `X-CSRF-Token`).
pub(crate) fn csrf_ok(p: &Principal, headers: &HeaderMap, form_token: Option<&str>) -> bool {
    match &p.csrf {
        None => true,
        Some(want) => {
            let given =
                form_token.or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
            given.is_some_and(|g| auth::same(g, want))
        }
    }
}

/// The client's address when the server knows it (for the login limit).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientAddr(pub Option<SocketAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn headers_and_counts(State(c): State<Shared>, req: Request, next: Next) -> Response {
    c.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let mut resp = next.run(req).await;
    if matches!(
        resp.status(),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ) {
        c.metrics.denied.fetch_add(1, Ordering::Relaxed);
    }
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

async fn healthz(State(c): State<Shared>) -> Response {
    match c.db(|s| s.watched_count()).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("store: {e}\n")).into_response(),
    }
}

/// `/metrics`: counts from the store and the request counters (needs authentication, as
/// Prometheus does with a bearer token).
async fn metrics(State(c): State<Shared>, headers: HeaderMap) -> Response {
    if principal(&c, &headers).await.is_none() {
        return api::error(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in or give a token",
        );
    }
    let mut out = String::new();
    let mut line = |name: &str, help: &str, kind: &str, samples: Vec<(String, u64)>| {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, v) in samples {
            out.push_str(&format!("{name}{labels} {v}\n"));
        }
    };
    let m = &c.metrics;
    let now = jiff::Timestamp::now();
    let (names, findings, cases, pending) = c
        .db(move |s| {
            let pending = s
                .latest_pass()
                .ok()
                .flatten()
                .and_then(|run| s.pass_progress(run).ok().flatten())
                .filter(|p| p.run.finished_at.is_none())
                .map_or(0, |p| p.pending + p.claimed);
            Ok((
                s.watched_count().unwrap_or(0),
                s.open_finding_counts(now).unwrap_or_default(),
                s.case_state_counts().unwrap_or_default(),
                pending,
            ))
        })
        .await
        .unwrap_or_default();
    line(
        "domwatch_http_requests_total",
        "HTTP requests served.",
        "counter",
        vec![(String::new(), m.requests.load(Ordering::Relaxed))],
    );
    line(
        "domwatch_http_denied_total",
        "Requests refused as unauthenticated or forbidden.",
        "counter",
        vec![(String::new(), m.denied.load(Ordering::Relaxed))],
    );
    line(
        "domwatch_logins_failed_total",
        "Failed logins.",
        "counter",
        vec![(String::new(), m.logins_failed.load(Ordering::Relaxed))],
    );
    line(
        "domwatch_watch_passes_total",
        "Watch passes run by the scheduler.",
        "counter",
        vec![(String::new(), m.passes.load(Ordering::Relaxed))],
    );
    line(
        "domwatch_case_checks_total",
        "Case checks run by the scheduler.",
        "counter",
        vec![(String::new(), m.case_checks.load(Ordering::Relaxed))],
    );
    let issues: Vec<(String, u64)> = m
        .probe_issues
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|(k, v)| (format!("{{source=\"{}\"}}", prom_label(k)), *v))
        .collect();
    line(
        "domwatch_probe_issues_total",
        "Probe issues (timeouts, refusals, unreadable answers) in the scheduler's passes, by source.",
        "counter",
        issues,
    );
    line(
        "domwatch_alerts_sent_total",
        "Alerts delivered by the scheduler's passes, all sinks.",
        "counter",
        vec![(String::new(), m.alerts_sent.load(Ordering::Relaxed))],
    );
    line(
        "domwatch_pass_pending_names",
        "Names not yet observed in the latest distributed pass (the workers' queue).",
        "gauge",
        vec![(String::new(), pending as u64)],
    );
    line(
        "domwatch_audits_total",
        "Exposure audits of the inventory run by the scheduler.",
        "counter",
        vec![(String::new(), m.audits.load(Ordering::Relaxed))],
    );
    line(
        "domwatch_scheduler_errors_total",
        "Scheduled jobs that failed.",
        "counter",
        vec![(String::new(), m.scheduler_errors.load(Ordering::Relaxed))],
    );
    line(
        "domwatch_watched_names",
        "Names in the inventory.",
        "gauge",
        vec![(String::new(), names as u64)],
    );
    line(
        "domwatch_open_findings",
        "Open findings not muted, by severity.",
        "gauge",
        findings
            .into_iter()
            .map(|(k, v)| (format!("{{severity=\"{}\"}}", k.as_str()), v as u64))
            .collect(),
    );
    line(
        "domwatch_cases",
        "Cases by state.",
        "gauge",
        cases
            .into_iter()
            .map(|(k, v)| (format!("{{state=\"{}\"}}", k.as_str()), v as u64))
            .collect(),
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// A Prometheus label value: quotes, backslashes and line breaks escaped.
fn prom_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The whole application.
pub fn router(console: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/style.css", get(pages::style))
        .route("/static/favicon.svg", get(pages::favicon))
        .route("/favicon.ico", get(pages::favicon))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/", get(pages::overview))
        .route("/cases", get(pages::cases))
        .route("/cases/{id}", get(pages::case))
        .route("/cases/{id}/note", post(pages::case_note))
        .route("/cases/{id}/update", post(pages::coord::update))
        .route("/cases/{id}/notify", post(pages::coord::preview))
        .route("/cases/{id}/notify/send", post(pages::coord::send))
        .route("/findings", get(pages::findings))
        .route("/findings/{id}/triage", post(pages::finding_triage))
        .route("/lookalikes", get(pages::lookalikes::lookalikes))
        .route("/lookalikes/{id}/case", post(pages::lookalikes::open_case))
        .route("/reports", get(pages::reports::reports))
        .route("/reports/phishing.csv", get(pages::reports::phishing_csv))
        .route(
            "/reports/mitigation.csv",
            get(pages::reports::mitigation_csv),
        )
        .route("/audits", get(pages::audits::audits))
        .route("/audits/{name}", get(pages::audits::audit))
        .route("/domains", get(pages::domains))
        .route("/domains/{name}", get(pages::domain::domain))
        .nest("/api/v1", api::router())
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            console.clone(),
            headers_and_counts,
        ))
        .with_state(console)
}

/// Serves on `listener` until `shutdown` resolves (then finishes the requests in flight).
pub async fn serve(
    listener: tokio::net::TcpListener,
    console: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(console).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// [`serve`] over TLS: handshakes run off the accept loop ([`tls::TlsListener`]) and every
/// cookie is marked `Secure`.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    console: Shared,
    config: &tls::TlsConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let app = router(console).layer(middleware::map_response(tls::secure_cookies));
    // `tap_io` (a no-op here) is what gives a listener other than TCP's the client's address
    // as `ConnectInfo<SocketAddr>`, which the login limit reads.
    let listener = tls::TlsListener::new(listener, config)?.tap_io(|_| {});
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
