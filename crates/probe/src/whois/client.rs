//! The port-43 client: one query, and the IANA -> registry -> registrar chain.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use domains::DomainName;
use domains::netconfig::NetConfig;
use domains::registration::{Lookup, RegistrationRecord};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::parse::{parse, parse_received, referral};

/// IANA's WHOIS server: the root of every referral chain.
pub const IANA_WHOIS: &str = "whois.iana.org";

/// Limits and behaviour of the client.
#[derive(Debug, Clone)]
pub struct WhoisOptions {
    /// Whole time for one query: resolution, connection, sending and reading the answer.
    pub timeout: Duration,
    /// Time to establish one TCP connection (within `timeout`).
    pub connect_timeout: Duration,
    /// Largest answer accepted (bytes); a longer one is an error ([`WhoisError::TooLarge`]).
    pub max_bytes: usize,
    /// Ask the registrar's server named in a registry answer (one hop).
    pub follow_registrar: bool,
    /// The server asked for a TLD's WHOIS server.
    pub iana_host: String,
    /// Timeouts in a row after which a server is not asked again by this client (0: never).
    pub give_up_after_timeouts: u32,
}

impl Default for WhoisOptions {
    fn default() -> Self {
        WhoisOptions {
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            max_bytes: 256 * 1024,
            follow_registrar: true,
            iana_host: IANA_WHOIS.to_string(),
            give_up_after_timeouts: crate::rdap::GIVE_UP_AFTER_TIMEOUTS,
        }
    }
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum WhoisError {
    #[error("WHOIS server {host}: no answer within {secs} s")]
    Timeout { host: String, secs: u64 },
    #[error("WHOIS server {host}: {source}")]
    Io {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("WHOIS server {host} resolves to {addr}, a private, loopback or link-local address")]
    RefusedAddress { host: String, addr: IpAddr },
    #[error("WHOIS server {host}: the name does not resolve")]
    Unresolved { host: String },
    #[error("no WHOIS server is known for .{tld}")]
    NoServer { tld: String },
    #[error("WHOIS server {host}: answer larger than {limit} bytes")]
    TooLarge { host: String, limit: usize },
    #[error("invalid WHOIS server name {0:?}")]
    InvalidHost(String),
    #[error("invalid WHOIS query (empty, too long or with line breaks)")]
    InvalidQuery,
    #[error(
        "WHOIS server {host} marked down after {timeouts} timeouts: not asked again in this pass"
    )]
    ServerDown { host: String, timeouts: u32 },
}

/// What a lookup found: the registry's answer, the registrar's (if referred and reached), and
/// every raw answer in order.
#[derive(Debug, Clone)]
pub struct WhoisLookup {
    pub registry: RegistrationRecord,
    pub registrar: Option<RegistrationRecord>,
    /// `(server, raw text)` for each query made (IANA, registry, registrar).
    pub transcript: Vec<(String, String)>,
}

/// The WHOIS client. Keeps no cache: each lookup asks IANA afresh for the TLD's server, so a
/// lapsed and re-registered WHOIS host name (the .mobi case) is never reused from memory.
#[derive(Debug, Clone)]
pub struct WhoisClient {
    cfg: NetConfig,
    opts: WhoisOptions,
    /// Servers given up on after repeated timeouts (shared by clones).
    down: std::sync::Arc<crate::net::DownServers>,
}

impl WhoisClient {
    pub fn new(cfg: &NetConfig, opts: WhoisOptions) -> Self {
        WhoisClient {
            cfg: cfg.clone(),
            down: std::sync::Arc::new(crate::net::DownServers::new(opts.give_up_after_timeouts)),
            opts,
        }
    }

    /// One port-43 query to `host`. The address comes from `whois_hosts` in the configuration,
    /// else from DNS (port 43); private, loopback and link-local addresses are refused unless
    /// `allow_private_addresses`. Bounded in time and size; the answer is decoded as UTF-8,
    /// invalid bytes replaced.
    /// A server that timed out repeatedly in this client's life is not asked again
    /// ([`WhoisError::ServerDown`]).
    pub async fn query(&self, host: &str, query: &str) -> Result<String, WhoisError> {
        let raw = self.query_bytes(host, query).await?;
        Ok(String::from_utf8_lossy(&raw).into_owned())
    }

    /// [`WhoisClient::query`] without the UTF-8 decoding: the bytes received.
    pub async fn query_bytes(&self, host: &str, query: &str) -> Result<Vec<u8>, WhoisError> {
        if query.is_empty() || query.len() > 512 || query.contains(['\r', '\n', '\0']) {
            return Err(WhoisError::InvalidQuery);
        }
        let host = normalise_host(host)?;
        if let Some(timeouts) = self.down.is_down(&host) {
            return Err(WhoisError::ServerDown { host, timeouts });
        }
        let r = self.query_once(&host, query).await;
        match &r {
            Ok(_) => self.down.answered(&host),
            Err(WhoisError::Timeout { .. }) => {
                self.down.timed_out(&host);
            }
            Err(_) => {}
        }
        r
    }

    async fn query_once(&self, host: &str, query: &str) -> Result<Vec<u8>, WhoisError> {
        let host = host.to_string();
        let deadline = Instant::now() + self.opts.timeout;
        let timeout_err = || WhoisError::Timeout {
            host: host.clone(),
            secs: self.opts.timeout.as_secs(),
        };
        let addrs = tokio::time::timeout_at(deadline, self.resolve(&host))
            .await
            .map_err(|_| timeout_err())??;
        let mut last_err = None;
        let mut stream = None;
        for addr in addrs {
            let connect_deadline = deadline.min(Instant::now() + self.opts.connect_timeout);
            match tokio::time::timeout_at(connect_deadline, TcpStream::connect(addr)).await {
                Ok(Ok(s)) => {
                    stream = Some(s);
                    break;
                }
                Ok(Err(e)) => {
                    last_err = Some(WhoisError::Io {
                        host: host.clone(),
                        source: e,
                    })
                }
                Err(_) => last_err = Some(timeout_err()),
            }
        }
        let Some(mut stream) = stream else {
            return Err(last_err.unwrap_or(WhoisError::Unresolved { host }));
        };
        let io = |e| WhoisError::Io {
            host: host.clone(),
            source: e,
        };
        let line = format!("{query}\r\n");
        tokio::time::timeout_at(deadline, stream.write_all(line.as_bytes()))
            .await
            .map_err(|_| timeout_err())?
            .map_err(io)?;
        let mut buf = Vec::with_capacity(8192);
        let mut chunk = [0u8; 8192];
        loop {
            let n = tokio::time::timeout_at(deadline, stream.read(&mut chunk))
                .await
                .map_err(|_| timeout_err())?
                .map_err(|e| WhoisError::Io {
                    host: host.clone(),
                    source: e,
                })?;
            if n == 0 {
                break;
            }
            if buf.len() + n > self.opts.max_bytes {
                return Err(WhoisError::TooLarge {
                    host,
                    limit: self.opts.max_bytes,
                });
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok(buf)
    }

    async fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, WhoisError> {
        let candidates: Vec<SocketAddr> = if let Some(sa) = self.cfg.whois_hosts.get(host) {
            vec![*sa]
        } else if let Ok(ip) = host.parse::<IpAddr>() {
            vec![SocketAddr::new(ip, 43)]
        } else {
            tokio::net::lookup_host((host, 43))
                .await
                .map_err(|_| WhoisError::Unresolved {
                    host: host.to_string(),
                })?
                .take(16)
                .collect()
        };
        if self.cfg.allow_private_addresses {
            return if candidates.is_empty() {
                Err(WhoisError::Unresolved {
                    host: host.to_string(),
                })
            } else {
                Ok(candidates)
            };
        }
        let mut refused = None;
        let allowed: Vec<SocketAddr> = candidates
            .into_iter()
            .filter(|sa| {
                let ok = is_public(sa.ip());
                if !ok {
                    refused.get_or_insert(sa.ip());
                }
                ok
            })
            .collect();
        if allowed.is_empty() {
            return Err(match refused {
                Some(addr) => WhoisError::RefusedAddress {
                    host: host.to_string(),
                    addr,
                },
                None => WhoisError::Unresolved {
                    host: host.to_string(),
                },
            });
        }
        Ok(allowed)
    }

    /// The WHOIS server of a TLD's registry: `whois_overrides`, else IANA's `whois:` referral.
    /// `Ok(None)` when IANA answered without a referral (its answer is in `transcript`).
    async fn find_registry_host(
        &self,
        tld: &str,
        transcript: &mut Vec<(String, String)>,
    ) -> Result<Option<String>, WhoisError> {
        if let Some(h) = self.cfg.whois_overrides.get(tld) {
            return normalise_host(h).map(Some);
        }
        let iana = self.opts.iana_host.clone();
        let text = self.query(&iana, tld).await?;
        let host = referral(&text);
        transcript.push((iana, text));
        Ok(host)
    }

    /// The WHOIS server host name that clients use for `tld` (the configured override, or the
    /// one IANA names): a name other systems trust, so an audit checks its registration.
    pub async fn registry_server(&self, tld: &str) -> Result<String, WhoisError> {
        let mut transcript = Vec::new();
        self.find_registry_host(tld, &mut transcript)
            .await?
            .ok_or_else(|| WhoisError::NoServer {
                tld: tld.to_string(),
            })
    }

    /// What IANA's WHOIS says about `tld`: the registry and its contacts.
    pub async fn tld_record(&self, tld: &str) -> Result<super::TldRecord, WhoisError> {
        let iana = self.opts.iana_host.clone();
        let text = self.query(&iana, tld).await?;
        Ok(super::parse_iana_tld(&text))
    }

    /// IANA (or `whois_overrides`) -> the registry's server -> one registrar referral.
    ///
    /// A failed registrar hop does not fail the lookup: the registry record gets a note.
    pub async fn lookup(&self, domain: &DomainName) -> Result<WhoisLookup, WhoisError> {
        let tld = domain.tld().to_string();
        let mut transcript = Vec::new();
        let registry_host = match self.find_registry_host(&tld, &mut transcript).await? {
            Some(h) => h,
            None => {
                // a refusal from IANA says nothing about the TLD: report it as such
                if let Some((iana, text)) = transcript.last() {
                    let rec = parse(text, domain, Some(&tld), iana);
                    if rec.lookup.is_unknown() {
                        return Ok(WhoisLookup {
                            registry: rec,
                            registrar: None,
                            transcript,
                        });
                    }
                }
                return Err(WhoisError::NoServer { tld });
            }
        };
        let q = registry_query(&registry_host, domain);
        let raw = self.query_bytes(&registry_host, &q).await?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let mut registry = parse_received(&raw, domain, Some(&tld), &registry_host);
        let next = referral(&text);
        transcript.push((registry_host.clone(), text));
        let mut registrar = None;
        if self.opts.follow_registrar
            && registry.lookup == Lookup::Registered
            && let Some(host) = next
            && !host.eq_ignore_ascii_case(&registry_host)
        {
            match self
                .query_bytes(&host, &registrar_query(&host, domain))
                .await
            {
                Ok(raw) => {
                    let text = String::from_utf8_lossy(&raw).into_owned();
                    registrar = Some(parse_received(&raw, domain, Some(&tld), &host));
                    transcript.push((host, text));
                }
                Err(e) => registry
                    .notes
                    .push(format!("registrar WHOIS referral not followed: {e}")),
            }
        }
        Ok(WhoisLookup {
            registry,
            registrar,
            transcript,
        })
    }
}

/// The query line a registry expects (per-server quirks).
pub fn registry_query(host: &str, domain: &DomainName) -> String {
    let d = domain.as_str();
    match host {
        // English output without Japanese (JPRS)
        "whois.jprs.jp" => format!("{d}/e"),
        // DENIC: domain data in ASCII
        "whois.denic.de" => format!("-T dn,ace {d}"),
        _ => d.to_string(),
    }
}

fn registrar_query(host: &str, domain: &DomainName) -> String {
    registry_query(host, domain)
}

fn normalise_host(host: &str) -> Result<String, WhoisError> {
    let h = host.trim().trim_end_matches('.');
    if h.parse::<IpAddr>().is_ok() {
        return Ok(h.to_string());
    }
    let d = DomainName::parse(h).map_err(|_| WhoisError::InvalidHost(clip(host)))?;
    Ok(d.as_str().to_string())
}

fn clip(s: &str) -> String {
    s.chars()
        .take(80)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// Not private, loopback, link-local, unspecified, multicast, documentation or CGNAT space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "::1",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in [
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["199.43.0.43", "2001:500:88:200::8"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn quirks() {
        let jp = DomainName::parse("example.co.jp").unwrap();
        assert_eq!(registry_query("whois.jprs.jp", &jp), "example.co.jp/e");
        let de = DomainName::parse("bücher.de").unwrap();
        assert_eq!(
            registry_query("whois.denic.de", &de),
            "-T dn,ace xn--bcher-kva.de"
        );
        let com = DomainName::parse("example.com").unwrap();
        assert_eq!(
            registry_query("whois.verisign-grs.com", &com),
            "example.com"
        );
        assert_eq!(registry_query("whois.nic.uk", &com), "example.com");
    }
}
