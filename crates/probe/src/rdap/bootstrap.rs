//! The IANA RDAP bootstrap registries (RFC 9224): parsing, matching, the embedded first-start
//! copy and the on-disk cache.
//!
//! Files are read with `icann-rdap-common`'s `RdapBootstrapRegistry` type; a file that lacks a
//! member the type requires is read leniently. Matching is our own: the domain registry is
//! matched label-wise, longest suffix first (`example.co.uk` tries `example.co.uk`, `co.uk`,
//! `uk`), which the crate's string-suffix matching does not do (`example.xcom` would match
//! `com`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use icann_rdap_common::iana::RdapBootstrapRegistry;
use serde_json::Value;

/// The largest bootstrap file accepted (IANA's `dns.json` is about 70 KiB).
pub const MAX_BOOTSTRAP_BYTES: usize = 4 << 20;
/// The default location of the domain bootstrap file.
pub const IANA_DNS_URL: &str = "https://data.iana.org/rdap/dns.json";
/// How long a fetched copy is used before it is fetched again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(24 * 3600);

const MAX_SERVICES: usize = 20_000;
const MAX_ENTRIES: usize = 100_000;

/// The four IANA RDAP bootstrap registries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Registry {
    Dns,
    Ipv4,
    Ipv6,
    Asn,
}

impl Registry {
    /// The file name IANA publishes it under.
    pub fn file_name(self) -> &'static str {
        match self {
            Registry::Dns => "dns.json",
            Registry::Ipv4 => "ipv4.json",
            Registry::Ipv6 => "ipv6.json",
            Registry::Asn => "asn.json",
        }
    }

    fn embedded_bytes(self) -> &'static [u8] {
        match self {
            Registry::Dns => include_bytes!("../../data/rdap-bootstrap/dns.json"),
            Registry::Ipv4 => include_bytes!("../../data/rdap-bootstrap/ipv4.json"),
            Registry::Ipv6 => include_bytes!("../../data/rdap-bootstrap/ipv6.json"),
            Registry::Asn => include_bytes!("../../data/rdap-bootstrap/asn.json"),
        }
    }
}

/// A bootstrap file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BootstrapError {
    #[error("bootstrap file is larger than {MAX_BOOTSTRAP_BYTES} bytes")]
    TooLarge,
    #[error("bootstrap file is not JSON: {0}")]
    NotJson(String),
    #[error("bootstrap file has no services array")]
    NoServices,
}

/// One parsed bootstrap registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    pub registry: Registry,
    pub publication: Option<String>,
    /// (entries, base URLs) per service, as published.
    services: Vec<(Vec<String>, Vec<String>)>,
    /// Domain registry: lower-case suffix -> service index.
    dns_index: HashMap<String, usize>,
    /// What was non-conformant in the file.
    pub notes: Vec<String>,
}

impl Bootstrap {
    /// Parses a bootstrap file's bytes.
    pub fn parse(registry: Registry, bytes: &[u8]) -> Result<Bootstrap, BootstrapError> {
        if bytes.len() > MAX_BOOTSTRAP_BYTES {
            return Err(BootstrapError::TooLarge);
        }
        let mut notes = Vec::new();
        let (publication, raw) = match serde_json::from_slice::<RdapBootstrapRegistry>(bytes) {
            Ok(r) => (Some(r.publication), r.services),
            Err(typed_err) => {
                let v: Value = serde_json::from_slice(bytes)
                    .map_err(|e| BootstrapError::NotJson(e.to_string()))?;
                notes.push(format!("not a conformant bootstrap file: {typed_err}"));
                let services = v
                    .get("services")
                    .and_then(Value::as_array)
                    .ok_or(BootstrapError::NoServices)?;
                let raw = services
                    .iter()
                    .take(MAX_SERVICES)
                    .filter_map(Value::as_array)
                    .map(|svc| {
                        svc.iter()
                            .map(|part| {
                                part.as_array()
                                    .map(|a| {
                                        a.iter()
                                            .filter_map(Value::as_str)
                                            .map(str::to_string)
                                            .collect()
                                    })
                                    .unwrap_or_default()
                            })
                            .collect::<Vec<Vec<String>>>()
                    })
                    .collect();
                let publication = v
                    .get("publication")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                (publication, raw)
            }
        };
        let mut services = Vec::new();
        let mut entries = 0usize;
        for svc in raw.into_iter().take(MAX_SERVICES) {
            let mut parts = svc.into_iter();
            let (Some(keys), Some(urls)) = (parts.next(), parts.next()) else {
                notes.push("a service lacks its entries or URLs".into());
                continue;
            };
            let urls: Vec<String> = urls
                .into_iter()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(|u| if u.ends_with('/') { u } else { format!("{u}/") })
                .collect();
            if urls.is_empty() {
                notes.push("a service has no HTTP URL".into());
                continue;
            }
            entries += keys.len();
            if entries > MAX_ENTRIES {
                notes.push("too many entries; the rest was ignored".into());
                break;
            }
            let keys: Vec<String> = keys
                .into_iter()
                .map(|k| k.trim().trim_matches('.').to_ascii_lowercase())
                .collect();
            services.push((keys, urls));
        }
        let mut dns_index = HashMap::new();
        if registry == Registry::Dns {
            for (i, (keys, _)) in services.iter().enumerate() {
                for k in keys {
                    dns_index.entry(k.clone()).or_insert(i);
                }
            }
        }
        Ok(Bootstrap {
            registry,
            publication,
            services,
            dns_index,
            notes,
        })
    }

    /// The copy compiled into the binary.
    /// A registry listing no service (what a configured bootstrap that cannot be fetched gives).
    pub fn empty(registry: Registry) -> Bootstrap {
        Bootstrap {
            registry,
            publication: None,
            services: Vec::new(),
            dns_index: HashMap::new(),
            notes: Vec::new(),
        }
    }

    pub fn embedded(registry: Registry) -> Bootstrap {
        Bootstrap::parse(registry, registry.embedded_bytes()).unwrap_or(Bootstrap {
            registry,
            publication: None,
            services: Vec::new(),
            dns_index: HashMap::new(),
            notes: vec!["the embedded bootstrap copy could not be read".into()],
        })
    }

    /// Number of services.
    pub fn len(&self) -> usize {
        self.services.len()
    }

    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// Base URLs for a domain name: label-wise longest match from the right.
    pub fn dns_urls(&self, name: &str) -> Option<&[String]> {
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        let mut rest = name.as_str();
        loop {
            if let Some(&i) = self.dns_index.get(rest) {
                return self.services.get(i).map(|(_, u)| u.as_slice());
            }
            match rest.split_once('.') {
                Some((_, tail)) => rest = tail,
                None => return None,
            }
        }
    }

    /// Base URLs for an IP address: longest matching prefix.
    pub fn ip_urls(&self, ip: IpAddr) -> Option<&[String]> {
        let mut best: Option<(u8, usize)> = None;
        for (i, (keys, _)) in self.services.iter().enumerate() {
            for k in keys {
                if let Some(len) = prefix_match(k, ip)
                    && best.is_none_or(|(b, _)| len > b)
                {
                    best = Some((len, i));
                }
            }
        }
        best.and_then(|(_, i)| self.services.get(i).map(|(_, u)| u.as_slice()))
    }

    /// Base URLs for an AS number.
    pub fn asn_urls(&self, asn: u32) -> Option<&[String]> {
        for (keys, urls) in &self.services {
            for k in keys {
                let (lo, hi) = k.split_once('-').unwrap_or((k, k));
                if let (Ok(lo), Ok(hi)) = (lo.trim().parse::<u32>(), hi.trim().parse::<u32>())
                    && (lo..=hi).contains(&asn)
                {
                    return Some(urls);
                }
            }
        }
        None
    }
}

/// The prefix length of `cidr` if it contains `ip`.
fn prefix_match(cidr: &str, ip: IpAddr) -> Option<u8> {
    let (net, len) = cidr.split_once('/')?;
    let net: IpAddr = net.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            (u32::from(n) & mask == u32::from(a) & mask).then_some(len)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) if len <= 128 => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            (u128::from(n) & mask == u128::from(a) & mask).then_some(len)
        }
        _ => None,
    }
}

/// The preferred base URL: HTTPS before HTTP, else the first.
pub fn preferred_url(urls: &[String]) -> Option<&str> {
    urls.iter()
        .find(|u| u.starts_with("https://"))
        .or_else(|| urls.first())
        .map(String::as_str)
}

/// The URL of a sibling file (`ipv4.json` next to `dns.json`).
pub fn sibling_url(dns_url: &str, registry: Registry) -> Option<String> {
    let mut u = url::Url::parse(dns_url).ok()?;
    {
        let mut segs = u.path_segments_mut().ok()?;
        segs.pop();
        segs.push(registry.file_name());
    }
    Some(u.to_string())
}

/// The cache file of a registry in `cache_dir`.
pub fn cache_path(cache_dir: &Path, registry: Registry) -> PathBuf {
    cache_dir.join("rdap-bootstrap").join(registry.file_name())
}

/// A cached copy and its age, if there is a readable one.
pub fn read_cache(cache_dir: &Path, registry: Registry) -> Option<(Bootstrap, Duration)> {
    let path = cache_path(cache_dir, registry);
    let meta = std::fs::metadata(&path).ok()?;
    if meta.len() > MAX_BOOTSTRAP_BYTES as u64 {
        return None;
    }
    let age = meta
        .modified()
        .ok()
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or(Duration::MAX);
    // Bounded by the bytes actually read, not only by the metadata.
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(&path).ok()?,
            MAX_BOOTSTRAP_BYTES as u64 + 1,
        ),
        &mut bytes,
    )
    .ok()?;
    if bytes.len() > MAX_BOOTSTRAP_BYTES {
        return None;
    }
    let b = Bootstrap::parse(registry, &bytes).ok()?;
    (!b.is_empty()).then_some((b, age))
}

/// Writes a fetched copy to the cache (atomically: temporary file, then rename).
pub fn write_cache(cache_dir: &Path, registry: Registry, bytes: &[u8]) -> std::io::Result<()> {
    let path = cache_path(cache_dir, registry);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn embedded_copies_load() {
        let dns = Bootstrap::embedded(Registry::Dns);
        assert_eq!(dns.len(), 590);
        assert!(dns.notes.is_empty());
        assert_eq!(dns.publication.as_deref(), Some("2026-07-23T02:00:03Z"));
        let com = dns.dns_urls("example.com").unwrap();
        assert_eq!(
            preferred_url(com),
            Some("https://rdap.verisign.com/com/v1/")
        );
        assert!(dns.dns_urls("example.jp").is_none());
        assert!(dns.dns_urls("example.xcom").is_none());
        assert_eq!(dns.dns_urls("WWW.Example.COM."), Some(com));
        let v4 = Bootstrap::embedded(Registry::Ipv4);
        assert!(v4.ip_urls("41.1.2.3".parse().unwrap()).unwrap()[0].contains("afrinic"));
        let asn = Bootstrap::embedded(Registry::Asn);
        assert!(asn.asn_urls(37000).unwrap()[0].contains("afrinic"));
        let v6 = Bootstrap::embedded(Registry::Ipv6);
        assert!(!v6.is_empty());
    }

    #[test]
    fn longest_label_match_and_lenient() {
        let json = br#"{"services": [
            [["uk"], ["https://rdap.uk.example/"]],
            [["co.uk", "ac.uk"], ["http://rdap.co.example", "https://rdap.co.example/"]],
            [["broken"]],
            [["ftp"], ["ftp://x/"]]
        ]}"#;
        let b = Bootstrap::parse(Registry::Dns, json).unwrap();
        assert_eq!(b.len(), 2);
        assert!(!b.notes.is_empty(), "missing version/publication is noted");
        assert_eq!(
            preferred_url(b.dns_urls("a.example.co.uk").unwrap()),
            Some("https://rdap.co.example/")
        );
        assert_eq!(
            b.dns_urls("a.example.co.uk").unwrap()[0],
            "http://rdap.co.example/"
        );
        assert_eq!(
            preferred_url(b.dns_urls("example.uk").unwrap()),
            Some("https://rdap.uk.example/")
        );
        assert!(b.dns_urls("example.xuk").is_none());
        assert!(Bootstrap::parse(Registry::Dns, b"{}").is_err());
        assert!(Bootstrap::parse(Registry::Dns, b"nope").is_err());
    }

    #[test]
    fn siblings_and_cache() {
        assert_eq!(
            sibling_url("https://data.iana.org/rdap/dns.json", Registry::Asn).as_deref(),
            Some("https://data.iana.org/rdap/asn.json")
        );
        assert_eq!(
            sibling_url("http://127.0.0.1:9/bootstrap/dns.json", Registry::Ipv4).as_deref(),
            Some("http://127.0.0.1:9/bootstrap/ipv4.json")
        );
        let dir = tempfile::tempdir().unwrap();
        assert!(read_cache(dir.path(), Registry::Dns).is_none());
        write_cache(dir.path(), Registry::Dns, Registry::Dns.embedded_bytes()).unwrap();
        let (b, age) = read_cache(dir.path(), Registry::Dns).unwrap();
        assert_eq!(b.len(), 590);
        assert!(age < REFRESH_AFTER);
    }

    proptest! {
        #[test]
        fn parse_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Bootstrap::parse(Registry::Dns, &body);
        }

        #[test]
        fn parse_structured(services in proptest::collection::vec(
            (proptest::collection::vec("[a-z.]{0,12}", 0..4), proptest::collection::vec("(https?://)?[a-z./]{0,12}", 0..3)),
            0..8), name in "[a-z.]{0,20}") {
            let svc: Vec<_> = services.iter().map(|(k, u)| serde_json::json!([k, u])).collect();
            let body = serde_json::json!({"services": svc}).to_string();
            let b = Bootstrap::parse(Registry::Dns, body.as_bytes()).unwrap();
            if let Some(urls) = b.dns_urls(&name) {
                prop_assert!(!urls.is_empty());
                prop_assert!(urls.iter().all(|u| u.ends_with('/')));
            }
            let _ = b.ip_urls("192.0.2.1".parse().unwrap());
        }
    }
}
