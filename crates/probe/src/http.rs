//! A small guarded HTTP GET for RDAP and bootstrap files: manual redirects (at most a few, each
//! target checked against the address guard), per-host concurrency and pacing, `429` with
//! `Retry-After` honoured and retried, a time limit and a size limit on every response.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use url::Url;

use crate::net::{GuardedResolver, HostLimiter, check_target, parse_retry_after};

/// Limits of the HTTP client.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Time limit for one request, redirects included.
    pub timeout: Duration,
    /// The largest body read (larger bodies are an error).
    pub max_body: usize,
    /// Redirects followed per request.
    pub max_redirects: usize,
    /// How often a `429` is retried after waiting.
    pub max_429_retries: u32,
    /// The longest `Retry-After` waited for; longer ones are not waited for.
    pub retry_after_cap: Duration,
    /// The wait after a `429` without `Retry-After`.
    pub default_retry_after: Duration,
    /// Allow redirects to private, loopback and link-local addresses.
    pub allow_private: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(15),
            max_body: 2 << 20,
            max_redirects: 5,
            max_429_retries: 2,
            retry_after_cap: crate::net::MAX_RETRY_AFTER,
            default_retry_after: Duration::from_secs(2),
            allow_private: false,
        }
    }
}

/// A response that was read completely.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The URL that answered (after redirects).
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    /// The server's `Retry-After`, parsed (uncapped).
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
    /// The redirects followed, in order.
    pub redirects: Vec<String>,
    /// How many `429`s were waited out.
    pub rate_limited_retries: u32,
}

/// Why a request produced no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("no answer from {0} within the time limit")]
    Timeout(String),
    #[error("request to {url} failed: {reason}")]
    Network { url: String, reason: String },
    #[error("the response of {0} is larger than {1} bytes")]
    TooLarge(String, usize),
    #[error("refused to follow the redirect from {from} to {to}: {reason}")]
    RedirectRefused {
        from: String,
        to: String,
        reason: String,
    },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("{0}")]
    Client(String),
}

/// The guarded client. Cheap to clone.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    limiter: HostLimiter,
    cfg: Arc<HttpConfig>,
}

/// Installs the ring TLS provider for rustls once per process (reqwest is built without one).
fn install_tls_provider() {
    // An error means a provider is already installed: that one is used.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Http {
    pub fn new(cfg: HttpConfig, limiter: HostLimiter) -> Result<Http, HttpError> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .user_agent(concat!("domwatch/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(GuardedResolver {
                allow_private: cfg.allow_private,
            })
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        Ok(Http {
            client,
            limiter,
            cfg: Arc::new(cfg),
        })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.cfg
    }

    /// GET `url` with `Accept: accept`, following redirects and waiting out `429`s within the
    /// limits. A final `429` is returned as a reply (status 429) for the caller to report.
    pub async fn get(&self, url: Url, accept: &str) -> Result<HttpReply, HttpError> {
        let mut retries = 0u32;
        loop {
            let mut reply = self.get_following(url.clone(), accept).await?;
            reply.rate_limited_retries = retries;
            if reply.status != 429 || retries >= self.cfg.max_429_retries {
                return Ok(reply);
            }
            let wait = reply.retry_after.unwrap_or(self.cfg.default_retry_after);
            if wait > self.cfg.retry_after_cap {
                return Ok(reply);
            }
            let host = reply.url.host_str().unwrap_or_default().to_string();
            tracing::debug!(%host, ?wait, "429 Too Many Requests: waiting");
            self.limiter.back_off(&host, wait).await;
            retries += 1;
        }
    }

    async fn get_following(&self, url: Url, accept: &str) -> Result<HttpReply, HttpError> {
        let shown = url.to_string();
        match tokio::time::timeout(self.cfg.timeout, self.follow(url, accept)).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::Timeout(shown)),
        }
    }

    async fn follow(&self, mut url: Url, accept: &str) -> Result<HttpReply, HttpError> {
        let mut redirects = Vec::new();
        loop {
            let host = url.host_str().unwrap_or_default().to_string();
            let _permit = self.limiter.acquire(&host).await;
            let mut resp = self
                .client
                .get(url.clone())
                .header(ACCEPT, accept)
                .send()
                .await
                .map_err(|e| net_error(&url, &e))?;
            let status = resp.status();
            if is_redirect(status) {
                let Some(loc) = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                else {
                    return Err(HttpError::Network {
                        url: url.to_string(),
                        reason: format!("{status} without Location"),
                    });
                };
                let next = url
                    .join(loc.trim())
                    .map_err(|e| HttpError::RedirectRefused {
                        from: url.to_string(),
                        to: loc.chars().take(200).collect(),
                        reason: e.to_string(),
                    })?;
                if redirects.len() >= self.cfg.max_redirects {
                    return Err(HttpError::TooManyRedirects(self.cfg.max_redirects));
                }
                if let Err(reason) = check_target(&next, self.cfg.allow_private).await {
                    return Err(HttpError::RedirectRefused {
                        from: url.to_string(),
                        to: next.to_string(),
                        reason,
                    });
                }
                redirects.push(next.to_string());
                url = next;
                continue;
            }
            let content_type = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(128).collect());
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, Timestamp::now()));
            if let Some(len) = resp.content_length()
                && len > self.cfg.max_body as u64
            {
                return Err(HttpError::TooLarge(url.to_string(), self.cfg.max_body));
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| net_error(&url, &e))? {
                if body.len() + chunk.len() > self.cfg.max_body {
                    return Err(HttpError::TooLarge(url.to_string(), self.cfg.max_body));
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(HttpReply {
                url,
                status: status.as_u16(),
                content_type,
                retry_after,
                body,
                redirects,
                rate_limited_retries: 0,
            });
        }
    }
}

fn is_redirect(s: StatusCode) -> bool {
    matches!(s.as_u16(), 301 | 302 | 303 | 307 | 308)
}

fn net_error(url: &Url, e: &reqwest::Error) -> HttpError {
    if e.is_timeout() {
        return HttpError::Timeout(url.to_string());
    }
    // The source chain says more than the top-level message ("error sending request").
    let mut reason = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        src = s.source();
    }
    HttpError::Network {
        url: url.to_string(),
        reason: reason.chars().take(300).collect(),
    }
}
