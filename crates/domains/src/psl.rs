//! The Public Suffix List: public suffix and registrable domain of a name.
//!
//! A copy of the list is embedded (see `data/public_suffix_list.dat`, MPL-2.0) and parsed on
//! first use; a newer list can be loaded from text at run time ([`SuffixList::parse`]) so that
//! users refresh it without a rebuild (`domwatch psl update FILE`).
//!
//! Two views of the list are kept, chosen per use with [`Section`]:
//! - [`Section::Icann`]: only the ICANN section. This is the view for *registration* questions
//!   (who is the registry, what RDAP/WHOIS server to ask, what a registrant bought): a name under
//!   `github.io` is registered as `github.io` at the `.io` registry.
//! - [`Section::All`]: ICANN and private sections. This is the view for *ownership* questions
//!   (who controls this name, whose brand is it): `evil.github.io` and `brand.github.io` belong to
//!   different people, so lookalike scanning compares `brand.github.io`-style units.
//!
//! Names must be given in A-label form, lower case, without a trailing dot (what
//! [`crate::name::DomainName::as_str`] returns). The lookup does not allocate.

use std::str::FromStr;
use std::sync::OnceLock;

use publicsuffix::{IcannList, List, Psl};

/// The list embedded at build time.
pub const EMBEDDED_PSL: &str = include_str!("../data/public_suffix_list.dat");

/// Which part of the list to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// ICANN section only: registration questions (registry, registrar, RDAP, WHOIS).
    Icann,
    /// ICANN and private sections: ownership questions (lookalikes, brand ownership).
    All,
}

/// A parsed Public Suffix List.
#[derive(Debug, Clone)]
pub struct SuffixList {
    all: List,
    icann: IcannList,
    rules: usize,
    version: Option<String>,
}

/// The result of splitting a name at its public suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    /// The public suffix, e.g. `co.jp`.
    pub suffix: &'a str,
    /// The registrable domain (suffix plus one label), e.g. `example.co.jp`; `None` when the
    /// name is itself a public suffix.
    pub registrable: Option<&'a str>,
    /// Whether the suffix matched an explicit rule (false: the implicit `*` rule for an
    /// unlisted TLD).
    pub known: bool,
    /// Whether the matching rule is in the private section.
    pub private: bool,
}

impl<'a> Split<'a> {
    /// The part left of the public suffix (`www.example` for `www.example.co.jp`).
    pub fn prefix(&self, name: &'a str) -> &'a str {
        let cut = name.len().saturating_sub(self.suffix.len() + 1);
        name.get(..cut).unwrap_or("")
    }

    /// The label just left of the suffix (`example` for `www.example.co.jp`).
    pub fn registrable_label(&self) -> Option<&'a str> {
        let r = self.registrable?;
        r.split('.').next()
    }
}

/// A list that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PslError {
    #[error("the Public Suffix List could not be parsed: {0}")]
    Parse(String),
    #[error(
        "the Public Suffix List has only {0} rules; a real list has thousands (is this the right file?)"
    )]
    TooSmall(usize),
}

impl SuffixList {
    /// Parses list text in the official format. Refuses a list with fewer than 1,000 rules,
    /// which is never a real list (protects `psl update` from a wrong file).
    pub fn parse(text: &str) -> Result<SuffixList, PslError> {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .count();
        if rules < 1000 {
            return Err(PslError::TooSmall(rules));
        }
        let all = List::from_str(text).map_err(|e| PslError::Parse(e.to_string()))?;
        // The ICANN view: everything before the private section.
        let icann_text = match text.find("===BEGIN PRIVATE DOMAINS===") {
            Some(i) => &text[..i],
            None => text,
        };
        let icann = IcannList::from_str(icann_text).map_err(|e| PslError::Parse(e.to_string()))?;
        let version = text
            .lines()
            .take(50)
            .find_map(|l| l.trim().strip_prefix("// VERSION:"))
            .map(|v| v.trim().to_string());
        Ok(SuffixList {
            all,
            icann,
            rules,
            version,
        })
    }

    /// The embedded list, parsed once.
    pub fn embedded() -> &'static SuffixList {
        static LIST: OnceLock<SuffixList> = OnceLock::new();
        LIST.get_or_init(|| {
            // The embedded list is tested to parse; an empty list would only ever result from
            // a broken build, and then every name is its own registrable domain.
            SuffixList::parse(EMBEDDED_PSL).unwrap_or_else(|_| SuffixList {
                all: List::new(),
                icann: IcannList::from(List::new()),
                rules: 0,
                version: None,
            })
        })
    }

    /// Number of rules in the list.
    pub fn rule_count(&self) -> usize {
        self.rules
    }

    /// The `// VERSION:` line of the list, when it has one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Splits `name` (A-label, lower case, no trailing dot) at its public suffix.
    pub fn split<'a>(&self, name: &'a str, section: Section) -> Option<Split<'a>> {
        let bytes = name.as_bytes();
        let (suffix, domain) = match section {
            Section::All => (self.all.suffix(bytes)?, self.all.domain(bytes)),
            Section::Icann => (self.icann.suffix(bytes)?, self.icann.domain(bytes)),
        };
        let suffix_str = name.get(name.len() - suffix.as_bytes().len()..)?;
        let registrable = domain.and_then(|d| name.get(name.len() - d.as_bytes().len()..));
        let private = suffix.typ() == Some(publicsuffix::Type::Private);
        Some(Split {
            suffix: suffix_str,
            registrable,
            known: suffix.is_known(),
            private,
        })
    }

    /// The registrable domain of `name`.
    pub fn registrable<'a>(&self, name: &'a str, section: Section) -> Option<&'a str> {
        self.split(name, section)?.registrable
    }

    /// The public suffix of `name`.
    pub fn suffix<'a>(&self, name: &'a str, section: Section) -> Option<&'a str> {
        Some(self.split(name, section)?.suffix)
    }

    /// Whether `name` is itself a public suffix (an explicit rule, or an unlisted single label).
    pub fn is_public_suffix(&self, name: &str, section: Section) -> bool {
        self.split(name, section)
            .is_some_and(|s| s.suffix.len() == name.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_differ_for_private_suffixes() {
        let l = SuffixList::embedded();
        assert!(l.rule_count() > 5000);
        assert_eq!(
            l.registrable("evil.attacker.github.io", Section::All),
            Some("attacker.github.io")
        );
        assert_eq!(
            l.registrable("evil.attacker.github.io", Section::Icann),
            Some("github.io")
        );
        let s = l.split("www.example.co.jp", Section::Icann).unwrap();
        assert_eq!(s.suffix, "co.jp");
        assert_eq!(s.registrable, Some("example.co.jp"));
        assert_eq!(s.prefix("www.example.co.jp"), "www.example");
        assert_eq!(s.registrable_label(), Some("example"));
        assert!(s.known && !s.private);
        let gh = l.split("x.github.io", Section::All).unwrap();
        assert!(gh.private);
        let unknown = l.split("a.example.notatld", Section::All).unwrap();
        assert!(!unknown.known);
        assert_eq!(unknown.registrable, Some("example.notatld"));
        assert!(l.is_public_suffix("co.jp", Section::Icann));
        assert_eq!(l.registrable("co.jp", Section::Icann), None);
    }

    #[test]
    fn refuses_a_wrong_file() {
        assert!(matches!(
            SuffixList::parse("com\nnet\n"),
            Err(PslError::TooSmall(2))
        ));
    }
}
