//! A web site as its host name serves it: one `GET /` over plain HTTP to the address the DNS
//! gives (or one HTTPS `GET` of a path: an MTA-STS policy) (the audit's takeover check reads the status and the start of the body, where cloud
//! services write "NoSuchBucket", "There isn't a GitHub Pages site here", ...).
//!
//! The host is resolved with the prober's own iterative DNS; the address goes through the same
//! guard as every other outbound request (no private, loopback or link-local address unless the
//! configuration allows it, as the lab's does); redirects are not followed (the first answer is
//! the fingerprint); time and body size are bounded.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use domains::DomainName;

use crate::Prober;
use crate::net::is_public_address;

/// At most this much of the body is read.
pub const MAX_SITE_BODY: usize = 64 * 1024;

/// What the site answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteReply {
    pub address: IpAddr,
    pub status: u16,
    /// The start of the body (at most [`MAX_SITE_BODY`] bytes), lossily decoded.
    pub body: String,
}

/// Why no answer was read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    #[error("{0} has no address")]
    NoAddress(String),
    #[error("{host} resolves to {address}, a private or local address: not contacted")]
    Private { host: String, address: IpAddr },
    #[error("HTTP to {host}: {reason}")]
    Http { host: String, reason: String },
}

/// `GET http://HOST/` at the host's first IPv4 (else IPv6) address.
pub async fn fetch_site(
    prober: &Prober,
    host: &DomainName,
    timeout: Duration,
) -> Result<SiteReply, SiteError> {
    fetch(prober, host, Scheme::Http, "/", timeout).await
}

/// `GET https://HOST/PATH` at the host's first IPv4 (else IPv6) address, the certificate
/// checked against the system's roots (and the configuration's `extra_roots_pem`), no
/// redirect followed: how an MTA-STS policy is read (RFC 8461 3.3).
pub async fn fetch_https(
    prober: &Prober,
    host: &DomainName,
    path: &str,
    timeout: Duration,
) -> Result<SiteReply, SiteError> {
    fetch(prober, host, Scheme::Https, path, timeout).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
}

async fn fetch(
    prober: &Prober,
    host: &DomainName,
    scheme: Scheme,
    path: &str,
    timeout: Duration,
) -> Result<SiteReply, SiteError> {
    let mut addresses: Vec<IpAddr> = Vec::new();
    for rtype in ["A", "AAAA"] {
        let set = prober.lookup(host, rtype).await;
        addresses.extend(set.values.iter().filter_map(|v| v.parse::<IpAddr>().ok()));
        if !addresses.is_empty() {
            break;
        }
    }
    let Some(&address) = addresses.first() else {
        return Err(SiteError::NoAddress(host.to_string()));
    };
    let cfg = prober.config();
    if !cfg.allow_private_addresses && !is_public_address(address) {
        return Err(SiteError::Private {
            host: host.to_string(),
            address,
        });
    }
    let socket: SocketAddr = match scheme {
        Scheme::Http => cfg.http_socket(address),
        Scheme::Https => cfg.https_socket(address),
    };
    let err = |reason: String| SiteError::Http {
        host: host.to_string(),
        reason,
    };
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("domwatch/", env!("CARGO_PKG_VERSION")))
        .resolve(host.as_str(), socket);
    let url = match scheme {
        Scheme::Http => format!("http://{}:{}{path}", host.as_str(), socket.port()),
        Scheme::Https => {
            crate::http::install_tls_provider();
            if let Some(pem) = &cfg.extra_roots_pem {
                for cert in reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                    .map_err(|e| err(format!("extra_roots_pem: {e}")))?
                {
                    builder = builder.add_root_certificate(cert);
                }
            }
            format!("https://{}:{}{path}", host.as_str(), socket.port())
        }
    };
    let client = builder.build().map_err(|e| err(e.to_string()))?;
    let mut resp = client
        .get(&url)
        .send()
        .await
        .map_err(|e| err(e.to_string()))?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout(timeout, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                let room = MAX_SITE_BODY - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= MAX_SITE_BODY {
                    break;
                }
            }
            Ok(Ok(None)) => break,
            Ok(Err(e)) => return Err(err(e.to_string())),
            Err(_) => return Err(err("the body did not arrive in time".into())),
        }
    }
    Ok(SiteReply {
        address,
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
