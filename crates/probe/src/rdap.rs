//! The RDAP probe: IANA bootstrap (fetched, cached, refreshed, with an embedded first-start
//! copy and a configured override table), the registry's domain record, then the registrar's
//! through the registry's `related` link.
//!
//! Server behaviour handled: redirects (followed, never to a private, loopback or link-local
//! address unless the configuration allows it), `404` (no such registration), `429` with
//! `Retry-After` (waited out within limits, then reported as rate limited), slow or huge answers
//! (time and size limits), non-conformant JSON (read leniently, each deviation noted on the
//! record).
//!
//! Crates: `icann-rdap-common` 0.0.30 (the newest ICANN release that builds on our rustc 1.95)
//! supplies the RFC 9083 model and its conformance checks (their findings become notes on the
//! record), the jCard reader (registrar names, abuse e-mail and phone) and the bootstrap file
//! type. HTTP is our own `reqwest` with rustls ([`crate::http`]): `icann-rdap-client` would add
//! a vendored OpenSSL and a second TLS stack, and it does not guard redirect targets.

pub mod bootstrap;
pub mod parse;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use url::Url;

use domains::DomainName;
use domains::registration::{Lookup, RegistrationRecord, SourceKind};

use crate::http::{Http, HttpError};
use crate::net::{DownServers, check_target};
use bootstrap::{Bootstrap, Registry};
use parse::{IpNetwork, ParseError, parse_domain, parse_ip_network};

/// The media type RDAP servers answer with (RFC 7480).
pub const RDAP_MEDIA_TYPE: &str = "application/rdap+json";
/// How long to wait before trying to fetch a bootstrap file again after a failure.
const RETRY_FAILED_BOOTSTRAP: Duration = Duration::from_secs(600);

/// What went wrong with one RDAP request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RdapError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{url}: {error}")]
    Parse { url: String, error: ParseError },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("not following the related link {url}: {reason}")]
    LinkRefused { url: String, reason: String },
    #[error("invalid RDAP URL {0}")]
    BadUrl(String),
    #[error("no RDAP service is known for {0}")]
    NoService(String),
    #[error("server {server} marked down after {timeouts} timeouts: not asked again in this pass")]
    ServerDown { server: String, timeouts: u32 },
}

/// One RDAP record and the links found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct RdapAnswer {
    pub record: RegistrationRecord,
    /// `related` links (the registrar's record of the domain).
    pub related: Vec<String>,
    /// The body as received (bounded by the HTTP client), kept as evidence.
    pub body: Vec<u8>,
}

/// The result of asking RDAP about a domain: the registry's record, the registrar's, and what
/// went wrong on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RdapLookup {
    /// `false` when no RDAP service is known for the domain's TLD (use WHOIS).
    pub has_service: bool,
    pub registry: Option<RegistrationRecord>,
    pub registrar: Option<RegistrationRecord>,
    pub issues: Vec<String>,
    /// `(URL, body as received)` of each answer read (registry, then registrar).
    pub transcript: Vec<(String, Vec<u8>)>,
}

/// The IANA bootstrap registries: each loaded lazily, from the cache, the network or the
/// embedded copy, and refreshed after [`bootstrap::REFRESH_AFTER`].
pub struct BootstrapSource {
    /// Where `dns.json` lives; the other files are its siblings.
    url: String,
    cache_dir: Option<PathBuf>,
    /// Fall back to the embedded copy of IANA's files when nothing else can be had: only for
    /// IANA's own bootstrap. A configured one (the lab's) describes a closed world, and the
    /// embedded copy would send its names to the real registries.
    embedded_fallback: bool,
    state: tokio::sync::Mutex<HashMap<Registry, Loaded>>,
}

struct Loaded {
    bootstrap: Arc<Bootstrap>,
    at: Instant,
    fresh: bool,
    /// Repeated for every lookup while this copy is used: a configured bootstrap that could not
    /// be fetched (no service is used, so each name must say why).
    issue: Option<String>,
}

impl BootstrapSource {
    /// `url`: where `dns.json` lives; `cache_dir`: where to keep copies (none: memory only).
    pub fn new(url: impl Into<String>, cache_dir: Option<PathBuf>) -> BootstrapSource {
        BootstrapSource {
            url: url.into(),
            cache_dir,
            embedded_fallback: true,
            state: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// Whether the embedded copy of IANA's files may stand in for a file that cannot be fetched
    /// (on by default; off for a configured bootstrap: an empty registry and an issue instead).
    pub fn with_embedded_fallback(mut self, on: bool) -> BootstrapSource {
        self.embedded_fallback = on;
        self
    }

    /// The URL a registry is fetched from.
    pub fn url_of(&self, registry: Registry) -> String {
        match registry {
            Registry::Dns => self.url.clone(),
            other => bootstrap::sibling_url(&self.url, other).unwrap_or_default(),
        }
    }

    /// A configured bootstrap (one without the embedded fallback) whose domain registry cannot
    /// be fetched: why. `None` when it was fetched (or cached), and always for IANA's own.
    pub async fn configured_unreachable(&self, http: &Http) -> Option<String> {
        if self.embedded_fallback {
            return None;
        }
        let (b, issue) = self.dns(http).await;
        if b.is_empty() { issue } else { None }
    }

    /// The domain registry (see [`BootstrapSource::get`]).
    pub async fn dns(&self, http: &Http) -> (Arc<Bootstrap>, Option<String>) {
        self.get(http, Registry::Dns).await
    }

    /// A registry: a fresh cached copy, else a fetched one (written to the cache), else a stale
    /// cached copy, else the embedded copy. The second value says why a fallback was used.
    pub async fn get(&self, http: &Http, registry: Registry) -> (Arc<Bootstrap>, Option<String>) {
        let mut state = self.state.lock().await;
        if let Some(l) = state.get(&registry) {
            let max_age = if l.fresh {
                bootstrap::REFRESH_AFTER
            } else {
                RETRY_FAILED_BOOTSTRAP
            };
            if l.at.elapsed() < max_age {
                return (l.bootstrap.clone(), l.issue.clone());
            }
        }
        let cached = self
            .cache_dir
            .as_deref()
            .and_then(|d| bootstrap::read_cache(d, registry));
        if let Some((b, age)) = &cached
            && *age < bootstrap::REFRESH_AFTER
        {
            let b = Arc::new(b.clone());
            state.insert(
                registry,
                Loaded {
                    bootstrap: b.clone(),
                    at: Instant::now(),
                    fresh: true,
                    issue: None,
                },
            );
            return (b, None);
        }
        let url = self.url_of(registry);
        match fetch_bootstrap(http, &url, registry).await {
            Ok((b, bytes)) => {
                let mut issue = None;
                if let Some(dir) = &self.cache_dir
                    && let Err(e) = bootstrap::write_cache(dir, registry, &bytes)
                {
                    issue = Some(format!("could not cache the RDAP bootstrap file: {e}"));
                }
                let b = Arc::new(b);
                state.insert(
                    registry,
                    Loaded {
                        bootstrap: b.clone(),
                        at: Instant::now(),
                        fresh: true,
                        issue: None,
                    },
                );
                (b, issue)
            }
            Err(why) => {
                let mut repeat = false;
                // A previous empty stand-in is no copy.
                let previous = state.remove(&registry).filter(|l| l.issue.is_none());
                let (b, from) = match (previous, cached) {
                    (Some(l), _) => (l.bootstrap, "using the copy in memory"),
                    (None, Some((c, _))) => (Arc::new(c), "using a stale cached copy"),
                    (None, None) if self.embedded_fallback => (
                        Arc::new(Bootstrap::embedded(registry)),
                        "using the embedded copy",
                    ),
                    (None, None) => (
                        {
                            repeat = true;
                            Arc::new(Bootstrap::empty(registry))
                        },
                        "a configured bootstrap has no fallback: no RDAP service is used",
                    ),
                };
                let issue = format!("RDAP bootstrap {url} not fetched ({why}); {from}");
                state.insert(
                    registry,
                    Loaded {
                        bootstrap: b.clone(),
                        at: Instant::now(),
                        fresh: false,
                        issue: repeat.then(|| issue.clone()),
                    },
                );
                (b, Some(issue))
            }
        }
    }
}

async fn fetch_bootstrap(
    http: &Http,
    url: &str,
    registry: Registry,
) -> Result<(Bootstrap, Vec<u8>), String> {
    let url = Url::parse(url).map_err(|e| e.to_string())?;
    let reply = http
        .get(url, "application/json")
        .await
        .map_err(|e| e.to_string())?;
    if reply.status != 200 {
        return Err(format!("HTTP {}", reply.status));
    }
    let b = Bootstrap::parse(registry, &reply.body).map_err(|e| e.to_string())?;
    if b.is_empty() && registry == Registry::Dns {
        return Err("the file lists no services".into());
    }
    Ok((b, reply.body))
}

/// The `errorCode` of an RFC 9083 error object that is not a domain object.
fn error_code(body: &[u8]) -> Option<u16> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if v.get("objectClassName").is_some() {
        return None;
    }
    let code = v.get("errorCode")?.as_u64()?;
    u16::try_from(code).ok().filter(|c| (400..=599).contains(c))
}

/// Label-wise longest match of `domain` in a TLD/suffix -> base URL table.
pub fn override_for<'a>(
    overrides: &'a BTreeMap<String, String>,
    domain: &DomainName,
) -> Option<&'a str> {
    let mut rest = domain.as_str();
    loop {
        if let Some(u) = overrides
            .iter()
            .find(|(k, _)| k.trim_matches('.').eq_ignore_ascii_case(rest))
            .map(|(_, v)| v.as_str())
        {
            return Some(u);
        }
        rest = rest.split_once('.')?.1;
    }
}

/// The URL of a domain object below an RDAP base URL.
pub fn domain_url(base: &str, domain: &DomainName) -> Result<Url, RdapError> {
    let base = if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    };
    let base = Url::parse(&base).map_err(|_| RdapError::BadUrl(base.clone()))?;
    base.join(&format!("domain/{}", domain.as_str()))
        .map_err(|_| RdapError::BadUrl(base.to_string()))
}

/// The RDAP client.
#[derive(Clone)]
pub struct RdapClient {
    http: Http,
    bootstrap: Arc<BootstrapSource>,
    overrides: Arc<BTreeMap<String, String>>,
    builtin: bool,
    /// RDAP servers (base URLs) given up on after repeated timeouts.
    down: Arc<DownServers>,
}

/// How many timeouts in a row mark a server down for the rest of a pass (by default).
pub const GIVE_UP_AFTER_TIMEOUTS: u32 = 2;

/// The server of an RDAP URL: everything before `domain/<name>` (the base URL), else the
/// origin. Several registries may share a host (the lab's do), so the base URL is the server.
pub fn server_of(url: &Url) -> String {
    let s = url.as_str();
    match s.rfind("/domain/") {
        Some(i) => s[..=i].to_string(),
        None => url.origin().ascii_serialization(),
    }
}

/// RDAP services of ccTLDs that IANA's bootstrap file does not list (2026-07), used after the
/// configured overrides and the bootstrap file, and only with IANA's own bootstrap (a custom one,
/// such as the lab's, describes a closed world). Sources: DENIC's RDAP page
/// (<https://www.denic.de/en/rdap/>, service at `https://rdap.denic.de`) and SWITCH's RDAP
/// service for .ch and .li (`https://rdap.nic.ch/`, `https://rdap.nic.li/`).
pub const BUILTIN_OVERRIDES: &[(&str, &str)] = &[
    ("de", "https://rdap.denic.de/"),
    ("ch", "https://rdap.nic.ch/"),
    ("li", "https://rdap.nic.li/"),
];

impl RdapClient {
    pub fn new(
        http: Http,
        bootstrap: BootstrapSource,
        overrides: BTreeMap<String, String>,
    ) -> RdapClient {
        RdapClient {
            http,
            bootstrap: Arc::new(bootstrap),
            overrides: Arc::new(overrides),
            builtin: false,
            down: Arc::new(DownServers::new(GIVE_UP_AFTER_TIMEOUTS)),
        }
    }

    /// Timeouts in a row after which a server is not asked again by this client (0: never).
    pub fn with_give_up_after(mut self, timeouts: u32) -> RdapClient {
        self.down = Arc::new(DownServers::new(timeouts));
        self
    }

    /// Also use [`BUILTIN_OVERRIDES`] for TLDs the bootstrap file does not list.
    pub fn with_builtin_overrides(mut self, on: bool) -> RdapClient {
        self.builtin = on;
        self
    }

    /// The registry's RDAP base URL for a domain: the configured overrides first, then the
    /// bootstrap, then (if enabled) the built-in table.
    /// Why the configured RDAP bootstrap cannot be fetched, if it cannot (see
    /// [`BootstrapSource::configured_unreachable`]).
    pub async fn configured_bootstrap_unreachable(&self) -> Option<String> {
        self.bootstrap.configured_unreachable(&self.http).await
    }

    pub async fn base_url(&self, domain: &DomainName) -> (Option<String>, Option<String>) {
        if let Some(u) = override_for(&self.overrides, domain) {
            return (Some(u.to_string()), None);
        }
        let (b, issue) = self.bootstrap.dns(&self.http).await;
        let url = b
            .dns_urls(domain.as_str())
            .and_then(bootstrap::preferred_url)
            .map(str::to_string)
            .or_else(|| {
                self.builtin
                    .then(|| {
                        BUILTIN_OVERRIDES
                            .iter()
                            .find(|(tld, _)| *tld == domain.tld())
                            .map(|(_, u)| (*u).to_string())
                    })
                    .flatten()
            });
        (url, issue)
    }

    /// Fetches one RDAP domain record at `url`. `404` gives a `NotFound` record, a final `429` a
    /// `RateLimited` one.
    pub async fn fetch_record(
        &self,
        url: Url,
        domain: &DomainName,
    ) -> Result<RdapAnswer, RdapError> {
        let shown = url.to_string();
        let server = server_of(&url);
        if let Some(timeouts) = self.down.is_down(&server) {
            return Err(RdapError::ServerDown { server, timeouts });
        }
        let reply = match self.http.get(url, RDAP_MEDIA_TYPE).await {
            Ok(r) => {
                self.down.answered(&server);
                r
            }
            Err(e) => {
                if matches!(e, HttpError::Timeout(_)) {
                    self.down.timed_out(&server);
                }
                return Err(e.into());
            }
        };
        let mut notes = Vec::new();
        if !reply.redirects.is_empty() {
            notes.push(format!("redirected to {}", reply.redirects.join(" -> ")));
        }
        if reply.rate_limited_retries > 0 {
            notes.push(format!(
                "rate limited (HTTP 429) {} time(s) before answering",
                reply.rate_limited_retries
            ));
        }
        // Some servers answer HTTP 200 with an RFC 9083 error object: use its errorCode.
        let mut status = reply.status;
        if (200..=299).contains(&status)
            && let Some(code) = error_code(&reply.body)
        {
            notes.push(format!(
                "HTTP {status} with an error object (errorCode {code})"
            ));
            status = code;
        }
        match status {
            200..=299 => {
                let mut p = parse_domain(domain, &shown, &reply.body).map_err(|error| {
                    RdapError::Parse {
                        url: reply.url.to_string(),
                        error,
                    }
                })?;
                let ct = reply.content_type.as_deref().unwrap_or("");
                if !ct.to_ascii_lowercase().contains(RDAP_MEDIA_TYPE) {
                    notes.push(format!(
                        "Content-Type is {:?}, not {RDAP_MEDIA_TYPE}",
                        ct.chars().take(64).collect::<String>()
                    ));
                }
                notes.append(&mut p.record.notes);
                notes.truncate(parse::MAX_NOTES);
                p.record.notes = notes;
                Ok(RdapAnswer {
                    record: p.record,
                    related: p.related,
                    body: reply.body,
                })
            }
            404 => {
                let mut r = RegistrationRecord::new(domain.clone(), SourceKind::Rdap, shown);
                r.lookup = Lookup::NotFound;
                r.notes = notes;
                Ok(RdapAnswer {
                    record: r,
                    related: Vec::new(),
                    body: reply.body.clone(),
                })
            }
            429 => {
                let mut r = RegistrationRecord::new(domain.clone(), SourceKind::Rdap, shown);
                r.lookup = Lookup::RateLimited {
                    retry_after_secs: reply.retry_after.map(|d| d.as_secs()),
                };
                r.notes = notes;
                Ok(RdapAnswer {
                    record: r,
                    related: Vec::new(),
                    body: reply.body.clone(),
                })
            }
            status => Err(RdapError::Status { url: shown, status }),
        }
    }

    /// Registry record at `base`, then the registrar's record through the `related` link.
    pub async fn lookup_at(&self, base: &str, domain: &DomainName) -> RdapLookup {
        let mut out = RdapLookup {
            has_service: true,
            ..RdapLookup::default()
        };
        let url = match domain_url(base, domain) {
            Ok(u) => u,
            Err(e) => {
                out.issues.push(e.to_string());
                return out;
            }
        };
        let asked = url.to_string();
        let answer = match self.fetch_record(url, domain).await {
            Ok(a) => a,
            Err(e) => {
                out.issues.push(format!("registry: {e}"));
                return out;
            }
        };
        let related = answer.related.clone();
        let registered = answer.record.lookup == Lookup::Registered;
        out.transcript
            .push((answer.record.server.clone(), answer.body));
        out.registry = Some(answer.record);
        if !registered {
            return out;
        }
        // Some registries list themselves as "related": only another server is followed.
        let Some(link) = related.iter().find(|l| {
            !l.trim_end_matches('/')
                .eq_ignore_ascii_case(asked.trim_end_matches('/'))
        }) else {
            return out;
        };
        match self.follow_related(link, domain).await {
            Ok(a) => {
                out.transcript.push((a.record.server.clone(), a.body));
                out.registrar = Some(a.record);
            }
            Err(e) => out.issues.push(format!("registrar: {e}")),
        }
        out
    }

    async fn follow_related(
        &self,
        link: &str,
        domain: &DomainName,
    ) -> Result<RdapAnswer, RdapError> {
        let url = Url::parse(link).map_err(|_| RdapError::BadUrl(link.to_string()))?;
        // A link is a server's word: the same guard as for redirects.
        if let Err(reason) = check_target(&url, self.http.config().allow_private).await {
            return Err(RdapError::LinkRefused {
                url: url.to_string(),
                reason,
            });
        }
        self.fetch_record(url, domain).await
    }

    /// The network holding `ip` at its RIR (IANA `ipv4.json`/`ipv6.json` bootstrap): holder and
    /// abuse contact. Bootstrap fallbacks are noted on the result.
    pub async fn ip_network(&self, ip: IpAddr) -> Result<IpNetwork, RdapError> {
        let registry = if ip.is_ipv4() {
            Registry::Ipv4
        } else {
            Registry::Ipv6
        };
        let (b, issue) = self.bootstrap.get(&self.http, registry).await;
        let base = b
            .ip_urls(ip)
            .and_then(bootstrap::preferred_url)
            .ok_or_else(|| RdapError::NoService(ip.to_string()))?;
        let base = if base.ends_with('/') {
            base.to_string()
        } else {
            format!("{base}/")
        };
        let url = Url::parse(&base)
            .and_then(|u| u.join(&format!("ip/{ip}")))
            .map_err(|_| RdapError::BadUrl(base.clone()))?;
        let shown = url.to_string();
        let reply = self.http.get(url, RDAP_MEDIA_TYPE).await?;
        if reply.status != 200 {
            return Err(RdapError::Status {
                url: shown,
                status: reply.status,
            });
        }
        let mut net = parse_ip_network(&shown, &reply.body).map_err(|error| RdapError::Parse {
            url: shown.clone(),
            error,
        })?;
        if let Some(i) = issue {
            net.notes.insert(0, i);
        }
        Ok(net)
    }

    /// The whole RDAP view of a domain: base URL (overrides, bootstrap), registry, registrar.
    pub async fn lookup(&self, domain: &DomainName) -> RdapLookup {
        let (base, issue) = self.base_url(domain).await;
        let mut out = match base {
            Some(base) => self.lookup_at(&base, domain).await,
            None => RdapLookup::default(),
        };
        if let Some(i) = issue {
            out.issues.insert(0, i);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpConfig;
    use crate::net::HostLimiter;

    fn http() -> Http {
        Http::new(
            HttpConfig {
                timeout: Duration::from_secs(5),
                allow_private: true,
                ..HttpConfig::default()
            },
            HostLimiter::new(1, Duration::ZERO),
        )
        .unwrap()
    }

    /// A loopback URL where nothing listens (the port was bound and released).
    fn dead_url() -> String {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}/rdap/dns.json")
    }

    #[test]
    fn overrides_and_urls() {
        let mut o = BTreeMap::new();
        o.insert("de".to_string(), "https://rdap.denic.example/".to_string());
        o.insert(
            "co.uk".to_string(),
            "https://rdap.co-uk.example".to_string(),
        );
        let d = |s: &str| DomainName::parse(s).unwrap();
        assert_eq!(
            override_for(&o, &d("example.de")),
            Some("https://rdap.denic.example/")
        );
        assert_eq!(
            override_for(&o, &d("a.example.co.uk")),
            Some("https://rdap.co-uk.example")
        );
        assert_eq!(override_for(&o, &d("example.uk")), None);
        assert_eq!(
            domain_url("https://rdap.co-uk.example", &d("example.co.uk"))
                .unwrap()
                .as_str(),
            "https://rdap.co-uk.example/domain/example.co.uk"
        );
        assert_eq!(
            domain_url("https://rdap.verisign.com/com/v1/", &d("example.com"))
                .unwrap()
                .as_str(),
            "https://rdap.verisign.com/com/v1/domain/example.com"
        );
        assert!(domain_url("not a url", &d("example.com")).is_err());
    }

    #[tokio::test]
    async fn builtin_overrides_only_with_iana_bootstrap() {
        let d = DomainName::parse("denic.de").unwrap();
        // The bootstrap cannot be fetched: the embedded copy (which lacks .de) is used.
        let closed = RdapClient::new(
            http(),
            BootstrapSource::new(dead_url(), None),
            BTreeMap::new(),
        );
        assert_eq!(closed.base_url(&d).await.0, None);
        let open = RdapClient::new(
            http(),
            BootstrapSource::new(dead_url(), None),
            BTreeMap::new(),
        )
        .with_builtin_overrides(true);
        assert_eq!(
            open.base_url(&d).await.0.as_deref(),
            Some("https://rdap.denic.de/")
        );
        let com = DomainName::parse("example.com").unwrap();
        assert_eq!(
            open.base_url(&com).await.0.as_deref(),
            Some("https://rdap.verisign.com/com/v1/")
        );
        // A configured override wins.
        let mut o = BTreeMap::new();
        o.insert("de".to_string(), "http://127.0.0.1:9/rdap/".to_string());
        let conf = RdapClient::new(http(), BootstrapSource::new(dead_url(), None), o)
            .with_builtin_overrides(true);
        assert_eq!(
            conf.base_url(&d).await.0.as_deref(),
            Some("http://127.0.0.1:9/rdap/")
        );
    }

    #[test]
    fn error_objects() {
        assert_eq!(
            error_code(br#"{"errorCode":404,"title":"Not Found"}"#),
            Some(404)
        );
        assert_eq!(error_code(br#"{"errorCode":"404"}"#), None);
        assert_eq!(
            error_code(br#"{"objectClassName":"domain","errorCode":404}"#),
            None
        );
        assert_eq!(error_code(br#"{"errorCode":200}"#), None);
        assert_eq!(error_code(b"not json"), None);
    }

    proptest::proptest! {
        #[test]
        fn error_code_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..100), code in 0u64..100_000) {
            let _ = error_code(&body);
            let json = format!("{{\"errorCode\":{code}}}");
            let got = error_code(json.as_bytes());
            proptest::prop_assert_eq!(got.is_some(), (400..=599).contains(&code));
        }
    }

    #[tokio::test]
    async fn a_configured_bootstrap_never_falls_back_to_the_embedded_copy() {
        let http = http();
        let src = BootstrapSource::new(dead_url(), None).with_embedded_fallback(false);
        let client = RdapClient::new(http.clone(), src, BTreeMap::new());
        let com = DomainName::parse("example.com").unwrap();
        // Not IANA's real .com server: no service at all, and the reason on every lookup.
        for _ in 0..2 {
            let (url, issue) = client.base_url(&com).await;
            assert_eq!(url, None);
            let issue = issue.expect("the reason, every time");
            assert!(issue.contains("not fetched"), "{issue}");
            assert!(issue.contains("no fallback"), "{issue}");
        }
    }

    #[tokio::test]
    async fn bootstrap_falls_back_to_cache_then_embedded() {
        let http = http();
        // Nothing cached and the fetch fails: the embedded copy, with an issue.
        let src = BootstrapSource::new(dead_url(), None);
        let (b, issue) = src.dns(&http).await;
        assert_eq!(b.len(), Bootstrap::embedded(Registry::Dns).len());
        assert!(issue.unwrap().contains("using the embedded copy"));
        // Within the retry interval the copy in memory is used silently.
        let (_, issue) = src.dns(&http).await;
        assert!(issue.is_none());
        let (v4, issue) = src.get(&http, Registry::Ipv4).await;
        assert!(!v4.is_empty());
        assert!(issue.unwrap().contains("ipv4.json"));

        // A fresh cached copy is used without fetching.
        let dir = tempfile::tempdir().unwrap();
        let small = br#"{"version":"1.0","publication":"2026-01-01T00:00:00Z","services":[[["test"],["https://rdap.test.example/"]]]}"#;
        bootstrap::write_cache(dir.path(), Registry::Dns, small).unwrap();
        let src = BootstrapSource::new(dead_url(), Some(dir.path().to_path_buf()));
        let (b, issue) = src.dns(&http).await;
        assert!(issue.is_none());
        assert_eq!(b.len(), 1);

        // A stale one is refreshed; when that fails, the stale copy is still better than nothing.
        let path = bootstrap::cache_path(dir.path(), Registry::Dns);
        let old = std::time::SystemTime::now() - Duration::from_secs(3 * 24 * 3600);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let src = BootstrapSource::new(dead_url(), Some(dir.path().to_path_buf()));
        let (b, issue) = src.dns(&http).await;
        assert_eq!(b.len(), 1);
        assert!(issue.unwrap().contains("a stale cached copy"));
    }
}
