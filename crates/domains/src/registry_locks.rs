//! Which registries offer registrar (client) locks, from `data/registry/client-locks.toml`
//! (embedded, with its sources). A registry that does not offer them gets no
//! `no-registrar-lock` finding: the lock cannot be set there.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::DomainName;

const EMBEDDED: &str = include_str!("../data/registry/client-locks.toml");

/// A registry without client locks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoClientLocks {
    pub tlds: Vec<String>,
    /// The registry's name.
    pub name: String,
    /// What protects a name there instead.
    pub instead: String,
}

#[derive(Deserialize)]
struct Table {
    registry: Vec<NoClientLocks>,
}

fn table() -> &'static [NoClientLocks] {
    static TABLE: OnceLock<Vec<NoClientLocks>> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str::<Table>(EMBEDDED)
            .map(|t| t.registry)
            .unwrap_or_default()
    })
}

/// The registry of `domain`'s TLD, when it offers no client locks.
pub fn no_client_locks(domain: &DomainName) -> Option<&'static NoClientLocks> {
    let tld = domain.as_str().rsplit('.').next()?;
    table()
        .iter()
        .find(|r| r.tlds.iter().any(|t| t.eq_ignore_ascii_case(tld)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_reads_and_names_the_registries() {
        assert!(table().len() >= 2);
        let cz = DomainName::parse("example.cz").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            no_client_locks(&cz).map(|r| r.name.as_str()),
            Some("CZ.NIC")
        );
        let no = DomainName::parse("example.no").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(no_client_locks(&no).map(|r| r.name.as_str()), Some("Norid"));
        for gtld in ["example.com", "example.top", "example.jp"] {
            let d = DomainName::parse(gtld).unwrap_or_else(|e| panic!("{e}"));
            assert!(no_client_locks(&d).is_none(), "{gtld}");
        }
    }
}
