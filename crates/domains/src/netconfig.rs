//! The client network configuration: every endpoint a networked command uses.
//!
//! On the real internet the defaults apply (IANA bootstrap, the root servers, port 43 and 53).
//! The lab writes one of these files (`--config FILE`) so that the same client code reaches the
//! simulated internet on loopback: root hints, the RDAP bootstrap URL, WHOIS host overrides and a
//! map from simulated addresses to the sockets where the lab really listens.
//!
//! This is a data type only: the probe crate reads it, the lab crate writes it.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

/// The client configuration file (TOML).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetConfig {
    /// Addresses of the DNS root servers to start iterative resolution from (port 53 unless
    /// remapped in `dns_ports`). Empty means the built-in IANA root hints.
    pub root_hints: Vec<IpAddr>,
    /// Where the DNS service of a (simulated) address really listens, UDP and TCP on the same
    /// socket address. An address absent here is contacted on port 53 as usual.
    pub dns_ports: BTreeMap<IpAddr, SocketAddr>,
    /// Where the HTTP service (port 80) of a (simulated) address really listens.
    pub http_ports: BTreeMap<IpAddr, SocketAddr>,
    /// Where the HTTPS service (port 443) of a (simulated) address really listens.
    pub https_ports: BTreeMap<IpAddr, SocketAddr>,
    /// More certificate authorities (PEM) to trust for web sites (MTA-STS policies, takeover
    /// checks), besides the system's: the lab's own CA, or a company's inspection CA.
    pub extra_roots_pem: Option<String>,
    /// RDAP bootstrap base: the URL of IANA's `dns.json` (and siblings `ipv4.json`, `ipv6.json`,
    /// `asn.json` next to it). `None` means `https://data.iana.org/rdap/dns.json`.
    pub rdap_bootstrap_url: Option<String>,
    /// RDAP base URLs for TLDs that the bootstrap does not list (lower-case TLD, no dot).
    pub rdap_overrides: BTreeMap<String, String>,
    /// WHOIS host name -> socket address actually used (port-43 service). Also used for
    /// `whois.iana.org`.
    pub whois_hosts: BTreeMap<String, SocketAddr>,
    /// WHOIS server per TLD when IANA is not asked (lower-case TLD, no dot -> host name).
    pub whois_overrides: BTreeMap<String, String>,
    /// Follow redirects and referrals to private, loopback and link-local addresses. Off on the
    /// real internet; the lab turns it on.
    pub allow_private_addresses: bool,
    /// SMTP relay for outgoing mail (alerts, notifications).
    pub smtp: Option<SocketAddr>,
    /// The lab control interface (base URL). When set, commands take "now" from the lab clock
    /// (`GET {lab_control}/clock`) instead of the system clock.
    pub lab_control: Option<String>,
    /// Certificate Transparency logs (RFC 6962 base URLs) that `ct follow` reads when no
    /// `--log` or `--log-list` is given (the lab lists its own log here).
    pub ct_logs: Vec<String>,
}

impl NetConfig {
    /// Parses a configuration file's text.
    pub fn from_toml(text: &str) -> Result<Self, NetConfigError> {
        toml_parse(text)
    }

    /// The socket to use for DNS at `addr`.
    pub fn dns_socket(&self, addr: IpAddr) -> SocketAddr {
        self.dns_ports
            .get(&addr)
            .copied()
            .unwrap_or(SocketAddr::new(addr, 53))
    }

    /// The socket to use for HTTP at `addr`.
    pub fn http_socket(&self, addr: IpAddr) -> SocketAddr {
        self.http_ports
            .get(&addr)
            .copied()
            .unwrap_or(SocketAddr::new(addr, 80))
    }

    /// The socket to use for HTTPS at `addr`.
    pub fn https_socket(&self, addr: IpAddr) -> SocketAddr {
        self.https_ports
            .get(&addr)
            .copied()
            .unwrap_or(SocketAddr::new(addr, 443))
    }
}

/// A configuration file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid network configuration: {0}")]
pub struct NetConfigError(String);

fn toml_parse(text: &str) -> Result<NetConfig, NetConfigError> {
    toml::from_str(text).map_err(|e| NetConfigError(e.to_string()))
}

/// Serialises a configuration to TOML text.
pub fn to_toml(cfg: &NetConfig) -> Result<String, NetConfigError> {
    toml::to_string_pretty(cfg).map_err(|e| NetConfigError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults() {
        let mut cfg = NetConfig::default();
        let sim: IpAddr = "198.51.100.1".parse().unwrap();
        let real: SocketAddr = "127.0.0.1:40001".parse().unwrap();
        cfg.root_hints.push(sim);
        cfg.dns_ports.insert(sim, real);
        cfg.whois_hosts
            .insert("whois.iana.org".into(), "127.0.0.1:40002".parse().unwrap());
        let text = to_toml(&cfg).unwrap();
        let back = NetConfig::from_toml(&text).unwrap();
        assert_eq!(back, cfg);
        assert_eq!(back.dns_socket(sim), real);
        let other: IpAddr = "192.0.2.9".parse().unwrap();
        assert_eq!(back.dns_socket(other), SocketAddr::new(other, 53));
        assert!(NetConfig::from_toml("bogus = 1").is_err());
    }
}
