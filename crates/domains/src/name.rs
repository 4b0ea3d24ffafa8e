//! `DomainName`: a validated, normalised domain name.
//!
//! Input from users and feeds is processed once, here, following IDNA UTS #46 (non-transitional
//! processing, as browsers and registries do today): case folded, full stops normalised, U-labels
//! converted to A-labels (`xn--`), then checked against the DNS rules (label 1-63 octets, name at
//! most 253 octets without the root dot, letters/digits/hyphen, no hyphen at a label edge, a
//! top-level label that is not all digits). The stored form is the A-label form, lower case,
//! without a trailing dot. Underscore labels (`_dmarc`, `_domainkey`) are accepted because they
//! occur in real host names found in zone files and certificate logs.

use std::borrow::Cow;
use std::fmt;

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use serde::{Deserialize, Serialize};

/// The longest name in presentation form without the root dot (RFC 1035: 255 octets on the
/// wire, which is 253 characters in text).
pub const MAX_NAME_LEN: usize = 253;
/// The longest label (RFC 1035).
pub const MAX_LABEL_LEN: usize = 63;
/// The longest input accepted before any processing (bounds the work done on hostile input).
pub const MAX_INPUT_LEN: usize = 1024;

/// A valid domain name, stored in A-label form.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DomainName {
    ascii: Box<str>,
}

/// The DNS or IDNA rule an input broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameRule {
    /// Nothing left after trimming spaces and the root dot.
    Empty,
    /// More than 1,024 characters of input.
    InputTooLong,
    /// More than 253 characters in A-label form.
    NameTooLong(usize),
    /// A label of more than 63 octets in A-label form.
    LabelTooLong(usize),
    /// Two dots in a row, or a leading dot.
    EmptyLabel,
    /// A character that may not appear in a host name.
    InvalidCharacter(char),
    /// A label starting or ending with a hyphen.
    HyphenAtLabelEdge,
    /// The last label is all digits (this looks like an IP address, not a domain name).
    NumericTld,
    /// IDNA processing (UTS #46) rejected the input, e.g. a bad `xn--` label or disallowed
    /// Unicode code point.
    Idna,
}

impl fmt::Display for NameRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameRule::Empty => f.write_str("empty name"),
            NameRule::InputTooLong => write!(f, "input longer than {MAX_INPUT_LEN} characters"),
            NameRule::NameTooLong(n) => {
                write!(f, "name is {n} characters, the limit is {MAX_NAME_LEN}")
            }
            NameRule::LabelTooLong(n) => {
                write!(f, "a label is {n} octets, the limit is {MAX_LABEL_LEN}")
            }
            NameRule::EmptyLabel => f.write_str("empty label (leading dot or two dots in a row)"),
            NameRule::InvalidCharacter(c) => {
                write!(f, "character {:?} (U+{:04X}) is not allowed", c, *c as u32)
            }
            NameRule::HyphenAtLabelEdge => f.write_str("a label starts or ends with a hyphen"),
            NameRule::NumericTld => f.write_str("the top-level label is all digits"),
            NameRule::Idna => f.write_str("IDNA (UTS #46) processing failed"),
        }
    }
}

/// An input that is not a valid domain name: which input, which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid domain name {input:?}: {rule}")]
pub struct NameError {
    /// The offending input, shortened to 80 characters and with control characters replaced.
    pub input: String,
    /// The rule it broke.
    pub rule: NameRule,
}

impl NameError {
    fn new(input: &str, rule: NameRule) -> Self {
        let mut shown: String = input
            .chars()
            .take(80)
            .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
            .collect();
        if input.chars().nth(80).is_some() {
            shown.push('…');
        }
        NameError { input: shown, rule }
    }
}

impl DomainName {
    /// Parses and normalises any form a user or feed gives: `WwW.Example.COM.`, U-labels,
    /// `xn--` A-labels, full-width dots.
    pub fn parse(input: &str) -> Result<DomainName, NameError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(NameError::new(input, NameRule::InputTooLong));
        }
        let trimmed = input.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(NameError::new(input, NameRule::Empty));
        }
        let ascii: Cow<'_, str> = if trimmed.is_ascii() && !has_ace_label(trimmed) {
            if trimmed.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(trimmed.to_ascii_lowercase())
            } else {
                Cow::Borrowed(trimmed)
            }
        } else {
            // Check the structure first so that the error names the real rule.
            precheck_labels(trimmed).map_err(|r| NameError::new(input, r))?;
            Uts46::new()
                .to_ascii(
                    trimmed.as_bytes(),
                    AsciiDenyList::EMPTY,
                    Hyphens::Allow,
                    DnsLength::Ignore,
                )
                .map_err(|_| NameError::new(input, NameRule::Idna))?
        };
        let ascii = ascii.strip_suffix('.').unwrap_or(&ascii);
        check_ascii(ascii).map_err(|r| NameError::new(input, r))?;
        Ok(DomainName {
            ascii: ascii.into(),
        })
    }

    /// The A-label form (what goes on the wire), e.g. `xn--r8jz45g.jp`.
    pub fn as_str(&self) -> &str {
        &self.ascii
    }

    /// The U-label form for people, e.g. `例え.jp`. Labels that do not decode stay in A-label
    /// form.
    pub fn to_unicode(&self) -> String {
        if !self.is_idn() {
            return self.ascii.to_string();
        }
        let (u, _errors) = idna::domain_to_unicode(&self.ascii);
        u
    }

    /// Whether any label is an A-label (`xn--`).
    pub fn is_idn(&self) -> bool {
        has_ace_label(&self.ascii)
    }

    /// The labels, from the left.
    pub fn labels(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.ascii.split('.')
    }

    /// Number of labels.
    pub fn label_count(&self) -> usize {
        self.ascii.bytes().filter(|&b| b == b'.').count() + 1
    }

    /// The top-level label.
    pub fn tld(&self) -> &str {
        self.ascii.rsplit('.').next().unwrap_or(&self.ascii)
    }

    /// The parent name (without the first label), if any.
    pub fn parent(&self) -> Option<DomainName> {
        let (_, rest) = self.ascii.split_once('.')?;
        Some(DomainName { ascii: rest.into() })
    }

    /// Whether `self` equals `other` or lies below it.
    pub fn is_subdomain_of(&self, other: &DomainName) -> bool {
        let (a, b) = (self.as_str(), other.as_str());
        a == b
            || (a.len() > b.len() && a.ends_with(b) && a.as_bytes()[a.len() - b.len() - 1] == b'.')
    }
}

fn has_ace_label(s: &str) -> bool {
    s.split('.')
        .any(|l| l.len() >= 4 && l.as_bytes()[..4].eq_ignore_ascii_case(b"xn--"))
}

/// Structure checks on raw (possibly Unicode) input, before IDNA.
fn precheck_labels(s: &str) -> Result<(), NameRule> {
    // UTS #46 maps these to U+002E FULL STOP.
    for label in s.split(['.', '\u{3002}', '\u{FF0E}', '\u{FF61}']) {
        if label.is_empty() {
            return Err(NameRule::EmptyLabel);
        }
        if let Some(c) = label
            .chars()
            .find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(NameRule::InvalidCharacter(c));
        }
        if label.chars().any(char::is_control) || label.chars().any(char::is_whitespace) {
            let c = label
                .chars()
                .find(|c| c.is_control() || c.is_whitespace())
                .unwrap_or(' ');
            return Err(NameRule::InvalidCharacter(c));
        }
    }
    Ok(())
}

/// DNS rules on the A-label form.
fn check_ascii(s: &str) -> Result<(), NameRule> {
    if s.is_empty() {
        return Err(NameRule::Empty);
    }
    if s.len() > MAX_NAME_LEN {
        return Err(NameRule::NameTooLong(s.len()));
    }
    for label in s.split('.') {
        if label.is_empty() {
            return Err(NameRule::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(NameRule::LabelTooLong(label.len()));
        }
        if let Some(b) = label
            .bytes()
            .find(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_'))
        {
            return Err(NameRule::InvalidCharacter(b as char));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(NameRule::HyphenAtLabelEdge);
        }
    }
    let tld = s.rsplit('.').next().unwrap_or(s);
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NameRule::NumericTld);
    }
    Ok(())
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ascii)
    }
}

impl fmt::Debug for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DomainName({})", self.ascii)
    }
}

impl std::str::FromStr for DomainName {
    type Err = NameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DomainName::parse(s)
    }
}

impl AsRef<str> for DomainName {
    fn as_ref(&self) -> &str {
        &self.ascii
    }
}

impl Serialize for DomainName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.ascii)
    }
}

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        DomainName::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> String {
        DomainName::parse(s).unwrap().as_str().to_string()
    }

    #[test]
    fn normalises() {
        assert_eq!(p("WwW.Example.COM."), "www.example.com");
        assert_eq!(p("  example.com  "), "example.com");
        assert_eq!(p("例え.jp"), "xn--r8jz45g.jp");
        assert_eq!(p("XN--R8JZ45G.JP"), "xn--r8jz45g.jp");
        assert_eq!(p("ｅｘａｍｐｌｅ。ｃｏｍ"), "example.com");
        assert_eq!(p("_dmarc.example.com"), "_dmarc.example.com");
        assert_eq!(p("раураl.com"), "xn--l-7sba6dbr.com");
        let d = DomainName::parse("xn--r8jz45g.jp").unwrap();
        assert_eq!(d.to_unicode(), "例え.jp");
        assert!(d.is_idn());
        assert_eq!(d.tld(), "jp");
        assert_eq!(d.label_count(), 2);
        assert_eq!(d.parent().unwrap().as_str(), "jp");
        let sub = DomainName::parse("a.b.example.com").unwrap();
        assert!(sub.is_subdomain_of(&DomainName::parse("example.com").unwrap()));
        assert!(!sub.is_subdomain_of(&DomainName::parse("ample.com").unwrap()));
    }

    #[test]
    fn rejects_with_the_rule() {
        let e = |s: &str| DomainName::parse(s).unwrap_err().rule;
        assert_eq!(e(""), NameRule::Empty);
        assert_eq!(e("."), NameRule::Empty);
        assert_eq!(e("a..b"), NameRule::EmptyLabel);
        assert_eq!(e(".example.com"), NameRule::EmptyLabel);
        assert_eq!(e("exa mple.com"), NameRule::InvalidCharacter(' '));
        assert_eq!(e("ex!ample.com"), NameRule::InvalidCharacter('!'));
        assert_eq!(e("-example.com"), NameRule::HyphenAtLabelEdge);
        assert_eq!(e("192.168.0.1"), NameRule::NumericTld);
        assert_eq!(
            e(&format!("{}.com", "a".repeat(64))),
            NameRule::LabelTooLong(64)
        );
        let long = vec!["abcdefghi"; 30].join(".");
        assert!(matches!(e(&long), NameRule::NameTooLong(_)));
        assert_eq!(e("xn--zz.com"), NameRule::Idna);
        let msg = DomainName::parse("a..b").unwrap_err().to_string();
        assert_eq!(
            msg,
            "invalid domain name \"a..b\": empty label (leading dot or two dots in a row)"
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(s in "\\PC{0,80}") {
            if let Ok(d) = DomainName::parse(&s) {
                let again = DomainName::parse(d.as_str()).unwrap();
                prop_assert_eq!(&again, &d);
                let via_unicode = DomainName::parse(&d.to_unicode());
                prop_assert!(via_unicode.is_ok());
            }
        }

        #[test]
        fn ldh_names_parse(labels in proptest::collection::vec("[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", 1..5), tld in "[a-z]{2,6}") {
            prop_assume!(!labels.iter().any(|l| l.starts_with("xn--")));
            let s = format!("{}.{}", labels.join("."), tld);
            let d = DomainName::parse(&s.to_uppercase()).unwrap();
            // xn-- like labels may be rejected; ordinary LDH names round-trip.
            prop_assert_eq!(d.as_str(), s.as_str());
        }
    }
}
