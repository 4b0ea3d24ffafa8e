//! A small guarded HTTP GET for RDAP and bootstrap files: manual redirects (at most a few, each
//! target checked against the address guard), per-host concurrency and pacing, `429` with
//! `Retry-After` honoured and retried, a time limit and a size limit on every response.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use url::Url;

use crate::net::{GuardedResolver, HostLimiter, check_literal, check_target, parse_retry_after};

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
    /// A URL that failed the address guard before any connection (a bootstrap or configured
    /// URL at a private, loopback or link-local address).
    #[error("refused to connect to {url}: {reason}")]
    Refused { url: String, reason: String },
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
pub(crate) fn install_tls_provider() {
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
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    /// Follows redirects. Waiting for a per-host slot is not counted against the time limit;
    /// each hop's request and body are.
    async fn get_following(&self, mut url: Url, accept: &str) -> Result<HttpReply, HttpError> {
        let mut redirects = Vec::new();
        loop {
            // Every URL passes the guard, the first one too (it may come from a bootstrap file
            // or a configuration): literal addresses here, names when they are resolved.
            if let Err(reason) = check_literal(&url, self.cfg.allow_private) {
                return Err(HttpError::Refused {
                    url: url.to_string(),
                    reason,
                });
            }
            let host = url.host_str().unwrap_or_default().to_string();
            let permit = self.limiter.acquire(&host).await;
            let hop = tokio::time::timeout(self.cfg.timeout, self.hop(&url, accept)).await;
            drop(permit);
            let hop = hop.map_err(|_| HttpError::Timeout(url.to_string()))??;
            let (status, loc) = match hop {
                Hop::Final(mut reply) => {
                    reply.redirects = redirects;
                    return Ok(reply);
                }
                Hop::Redirect(status, loc) => (status, loc),
            };
            let Some(loc) = loc else {
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
            let checked = tokio::time::timeout(
                self.cfg.timeout,
                check_target(&next, self.cfg.allow_private),
            )
            .await
            .unwrap_or_else(|_| Err("its address could not be resolved in time".into()));
            if let Err(reason) = checked {
                return Err(HttpError::RedirectRefused {
                    from: url.to_string(),
                    to: next.to_string(),
                    reason,
                });
            }
            redirects.push(next.to_string());
            url = next;
        }
    }

    /// One request: a redirect (status, Location) or a complete reply.
    async fn hop(&self, url: &Url, accept: &str) -> Result<Hop, HttpError> {
        let mut resp = self
            .client
            .get(url.clone())
            .header(ACCEPT, accept)
            .send()
            .await
            .map_err(|e| net_error(url, &e))?;
        let status = resp.status();
        if is_redirect(status) {
            let loc = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            return Ok(Hop::Redirect(status, loc));
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
        while let Some(chunk) = resp.chunk().await.map_err(|e| net_error(url, &e))? {
            if body.len() + chunk.len() > self.cfg.max_body {
                return Err(HttpError::TooLarge(url.to_string(), self.cfg.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Hop::Final(HttpReply {
            url: url.clone(),
            status: status.as_u16(),
            content_type,
            retry_after,
            body,
            redirects: Vec::new(),
            rate_limited_retries: 0,
        }))
    }
}

enum Hop {
    Redirect(StatusCode, Option<String>),
    Final(HttpReply),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A raw HTTP/1.1 server on 127.0.0.1: the n-th request gets `answer(n, port)`; `None`
    /// means never answer.
    async fn serve(answer: fn(usize, u16) -> Option<Vec<u8>>) -> (u16, Arc<AtomicUsize>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = l.accept().await {
                let n = c.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut tmp = [0u8; 1024];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match sock.read(&mut tmp).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&tmp[..k]),
                        }
                    }
                    match answer(n, port) {
                        Some(bytes) => {
                            let _ = sock.write_all(&bytes).await;
                            let _ = sock.shutdown().await;
                        }
                        None => tokio::time::sleep(Duration::from_secs(30)).await,
                    }
                });
            }
        });
        (port, count)
    }

    fn client(allow_private: bool) -> Http {
        Http::new(
            HttpConfig {
                timeout: Duration::from_millis(500),
                max_body: 1000,
                max_redirects: 3,
                max_429_retries: 2,
                retry_after_cap: Duration::from_secs(5),
                default_retry_after: Duration::from_millis(10),
                allow_private,
            },
            HostLimiter::new(4, Duration::ZERO),
        )
        .unwrap()
    }

    fn url(port: u16) -> Url {
        Url::parse(&format!("http://127.0.0.1:{port}/x")).unwrap()
    }

    fn ok(body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/rdap+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn size_limits() {
        let (port, _) = serve(|_, _| {
            Some(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n".to_vec())
        })
        .await;
        let e = client(true).get(url(port), "a/b").await.unwrap_err();
        assert!(matches!(e, HttpError::TooLarge(..)), "{e}");
        // No length announced: counted while reading.
        let (port, _) = serve(|_, _| {
            let mut v = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec();
            v.extend(std::iter::repeat_n(b'x', 5000));
            Some(v)
        })
        .await;
        let e = client(true).get(url(port), "a/b").await.unwrap_err();
        assert!(matches!(e, HttpError::TooLarge(..)), "{e}");
    }

    #[tokio::test]
    async fn silent_server_times_out() {
        let (port, _) = serve(|_, _| None).await;
        let e = client(true).get(url(port), "a/b").await.unwrap_err();
        assert!(matches!(e, HttpError::Timeout(_)), "{e}");
    }

    #[tokio::test]
    async fn redirects_are_bounded_and_guarded() {
        let (port, _) = serve(|n, _| {
            Some(format!("HTTP/1.1 302 Found\r\nLocation: /loop{n}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes())
        })
        .await;
        let e = client(true).get(url(port), "a/b").await.unwrap_err();
        assert_eq!(e, HttpError::TooManyRedirects(3));

        let (port, _) = serve(|n, port| {
            Some(if n % 2 == 0 {
                format!("HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:{port}/final\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
            } else {
                ok("{}")
            })
        })
        .await;
        // allowed (lab)
        let r = client(true).get(url(port), "a/b").await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.redirects.len(), 1);
        assert!(r.url.as_str().ends_with("/final"));
    }

    #[tokio::test]
    async fn a_private_first_url_is_refused_before_connecting() {
        // The real internet (private addresses not allowed): a URL from a bootstrap file or a
        // configuration at loopback or link-local is refused, and never connected to.
        let (port, count) = serve(|_, _| Some(ok("{}"))).await;
        let e = client(false).get(url(port), "a/b").await.unwrap_err();
        assert!(
            matches!(&e, HttpError::Refused { reason, .. } if reason.contains("127.0.0.1 is not a public address")),
            "{e}"
        );
        assert_eq!(count.load(Ordering::SeqCst), 0, "never connected");
        for bad in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]:8080/rdap/",
            "http://localhost:8080/rdap/",
            "http://10.0.0.1/rdap/",
        ] {
            let started = std::time::Instant::now();
            let e = client(false)
                .get(Url::parse(bad).unwrap(), "a/b")
                .await
                .unwrap_err();
            assert!(matches!(e, HttpError::Refused { .. }), "{bad}: {e}");
            assert!(
                started.elapsed() < Duration::from_millis(400),
                "{bad}: no attempt"
            );
        }
    }

    #[tokio::test]
    async fn too_many_requests() {
        // Two 429s without Retry-After, then an answer.
        let (port, count) = serve(|n, _| {
            Some(if n < 2 {
                b"HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec()
            } else {
                ok("{}")
            })
        })
        .await;
        let r = client(true).get(url(port), "a/b").await.unwrap();
        assert_eq!((r.status, r.rate_limited_retries), (200, 2));
        assert_eq!(count.load(Ordering::SeqCst), 3);
        // A Retry-After beyond the cap is not waited for: the 429 is the answer.
        let (port, count) = serve(|_, _| {
            Some(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec())
        })
        .await;
        let r = client(true).get(url(port), "a/b").await.unwrap();
        assert_eq!(r.status, 429);
        assert_eq!(r.retry_after, Some(Duration::from_secs(3600)));
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }
}
