//! DNS hosting providers and whether a lame delegation to them is a "sitting duck": a zone that
//! anyone can create at the provider, taking over the domain. The table is data
//! (`crates/domains/data/audit/dns-providers.toml`, with its source).

use std::sync::OnceLock;

use serde::Deserialize;

const EMBEDDED: &str = include_str!("../../data/audit/dns-providers.toml");

/// Whether a provider lets anyone create a zone that another account has abandoned.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimStatus {
    Vulnerable,
    VulnerableWithPurchase,
    EdgeCase,
    NotVulnerable,
    /// A status this version does not know (kept as written).
    #[serde(untagged)]
    Other(String),
}

impl ClaimStatus {
    /// Whether a lame delegation there is a sitting duck (anyone can claim it, perhaps paying).
    pub fn is_claimable(&self) -> bool {
        matches!(
            self,
            ClaimStatus::Vulnerable | ClaimStatus::VulnerableWithPurchase
        )
    }

    pub fn as_str(&self) -> &str {
        match self {
            ClaimStatus::Vulnerable => "vulnerable",
            ClaimStatus::VulnerableWithPurchase => "vulnerable-with-purchase",
            ClaimStatus::EdgeCase => "edge-case",
            ClaimStatus::NotVulnerable => "not-vulnerable",
            ClaimStatus::Other(s) => s,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub name: String,
    pub status: ClaimStatus,
    pub suffixes: Vec<String>,
    #[serde(default)]
    pub prefixes: Vec<String>,
}

impl Provider {
    /// Whether a name server host is one of the provider's.
    pub fn serves(&self, ns_host: &str) -> bool {
        let h = ns_host.trim_end_matches('.').to_ascii_lowercase();
        let suffix_ok = self.suffixes.iter().any(|s| {
            h == *s
                || (h.len() > s.len()
                    && h.ends_with(s.as_str())
                    && h.as_bytes()[h.len() - s.len() - 1] == b'.')
        });
        if !suffix_ok {
            return false;
        }
        let first = h.split('.').next().unwrap_or_default();
        self.prefixes.is_empty() || self.prefixes.iter().any(|p| first.starts_with(p.as_str()))
    }
}

#[derive(Debug, Deserialize)]
struct File {
    provider: Vec<Provider>,
}

/// The provider table.
#[derive(Debug, Clone)]
pub struct Providers {
    list: Vec<Provider>,
}

/// A provider table that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("DNS provider table: {0}")]
pub struct ProvidersError(String);

impl Providers {
    pub fn parse(toml_text: &str) -> Result<Providers, ProvidersError> {
        let f: File = toml::from_str(toml_text).map_err(|e| ProvidersError(e.to_string()))?;
        Ok(Providers { list: f.provider })
    }

    /// The table shipped with domwatch.
    pub fn embedded() -> &'static Providers {
        static TABLE: OnceLock<Providers> = OnceLock::new();
        TABLE.get_or_init(|| Providers::parse(EMBEDDED).unwrap_or(Providers { list: Vec::new() }))
    }

    pub fn list(&self) -> &[Provider] {
        &self.list
    }

    /// The provider of a name server host, if the table knows it.
    pub fn provider_of(&self, ns_host: &str) -> Option<&Provider> {
        self.list.iter().find(|p| p.serves(ns_host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_and_matching() {
        let t = Providers::embedded();
        assert!(t.list().len() >= 15);
        let p = t.provider_of("ns2.DigitalOcean.com.").unwrap();
        assert_eq!(p.name, "DigitalOcean");
        assert!(p.status.is_claimable());
        assert!(
            t.provider_of("ns1-07.azure-dns.com")
                .is_some_and(|p| !p.status.is_claimable())
        );
        assert!(
            t.provider_of("yns1.yahoo.com")
                .is_some_and(|p| p.status.is_claimable())
        );
        assert!(t.provider_of("mail.yahoo.com").is_none());
        assert!(t.provider_of("ns1.notdigitalocean.com").is_none());
        assert!(
            t.provider_of("kate.ns.cloudflare.com")
                .is_some_and(|p| p.status == ClaimStatus::NotVulnerable)
        );
    }

    #[test]
    fn unknown_status_is_kept() {
        let t =
            Providers::parse("[[provider]]\nname='X'\nstatus='retired'\nsuffixes=['x.example']\n")
                .unwrap();
        assert_eq!(t.list()[0].status, ClaimStatus::Other("retired".into()));
        assert!(Providers::parse("[[provider]]\nname='X'\n").is_err());
    }
}
