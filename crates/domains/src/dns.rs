//! The DNS model: what the parent delegates, what each nameserver answers, and the live
//! records, as the probe observed them. SERVFAIL, REFUSED, timeout and NXDOMAIN are distinct
//! states, never folded into "no answer".

use std::net::IpAddr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::DomainName;
use crate::registration::DsRecord;

/// The outcome of one DNS question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "kebab-case")]
pub enum DnsOutcome {
    /// NOERROR with records of the type asked.
    Answer,
    /// NOERROR without records of that type.
    NoData,
    /// The name does not exist.
    NxDomain,
    /// SERVFAIL.
    ServFail,
    /// REFUSED (typically: the server does not serve the zone).
    Refused,
    /// No answer within the time limit.
    Timeout,
    /// A referral where an authoritative answer was expected.
    Referral,
    /// Anything else: other rcodes, malformed answers, network errors.
    Error(String),
}

impl DnsOutcome {
    pub fn as_str(&self) -> &str {
        match self {
            DnsOutcome::Answer => "answer",
            DnsOutcome::NoData => "no data",
            DnsOutcome::NxDomain => "NXDOMAIN",
            DnsOutcome::ServFail => "SERVFAIL",
            DnsOutcome::Refused => "REFUSED",
            DnsOutcome::Timeout => "timeout",
            DnsOutcome::Referral => "referral",
            DnsOutcome::Error(e) => e,
        }
    }

    /// NOERROR (with or without data).
    pub fn is_noerror(&self) -> bool {
        matches!(self, DnsOutcome::Answer | DnsOutcome::NoData)
    }
}

/// A glue record at the parent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Glue {
    pub name: DomainName,
    pub address: IpAddr,
}

/// The delegation as the parent zone's servers publish it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// The parent zone (the public suffix, e.g. `com` or `co.jp`).
    pub parent_zone: String,
    /// The parent server that answered.
    pub server: Option<IpAddr>,
    pub outcome: DnsOutcome,
    /// NS names at the parent, sorted.
    pub ns: Vec<DomainName>,
    pub glue: Vec<Glue>,
    pub ds: Vec<DsRecord>,
}

/// One nameserver address asked directly about the zone (SOA and NS, non-recursive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCheck {
    pub address: IpAddr,
    /// SOA over UDP.
    pub outcome: DnsOutcome,
    /// SOA over TCP (None when not asked).
    pub tcp_outcome: Option<DnsOutcome>,
    /// The AA bit was set on the SOA answer.
    pub authoritative: bool,
    pub soa_serial: Option<u32>,
    /// The NS set the server itself publishes (sorted).
    pub ns: Vec<DomainName>,
}

/// One nameserver name of the delegation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameserverCheck {
    pub name: DomainName,
    /// How resolving the NS name's addresses went.
    pub resolution: DnsOutcome,
    pub addresses: Vec<IpAddr>,
    /// The NS name is itself a CNAME (not allowed, RFC 2181 10.3).
    pub is_cname: bool,
    pub servers: Vec<ServerCheck>,
    /// For an in-bailiwick NS name with glue: the A and AAAA addresses one of the zone's own
    /// authoritative servers publishes for it (sorted; empty when not asked or not answered).
    #[serde(default)]
    pub child_addresses: Vec<IpAddr>,
}

impl NameserverCheck {
    /// Lame: no address of this NS answers authoritatively for the zone.
    pub fn is_lame(&self) -> bool {
        !self
            .servers
            .iter()
            .any(|s| s.authoritative && s.outcome.is_noerror())
    }
}

/// One RRset of the zone apex (or a lookup of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordSet {
    /// Record type mnemonic (`A`, `AAAA`, `MX`, `TXT`, `CAA`, `CNAME`, `DS`, `DNSKEY`, `SOA`,
    /// `NS`).
    pub rtype: String,
    pub outcome: DnsOutcome,
    /// Presentation-format RDATA, sorted and deduplicated, each at most 1,024 characters.
    pub values: Vec<String>,
    pub ttl: Option<u32>,
}

/// The DNS state of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsSnapshot {
    pub domain: DomainName,
    pub delegation: Option<Delegation>,
    pub nameservers: Vec<NameserverCheck>,
    pub records: Vec<RecordSet>,
    /// Whether a random label under the domain resolves (a wildcard zone): `None` when not
    /// tested.
    pub wildcard: Option<bool>,
    /// The zone's DNSSEC against the parent's DS (asked only when the parent has DS records).
    #[serde(default)]
    pub dnssec: Option<DnssecCheck>,
}

/// How one DS record of the parent compares with the zone's DNSKEYs (RFC 4034 5.1.4: the digest
/// over the owner name in wire form and the DNSKEY RDATA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DsStatus {
    /// A DNSKEY with this key tag and algorithm has this digest.
    Matches,
    /// No DNSKEY with this key tag and algorithm.
    NoSuchKey,
    /// A DNSKEY with this key tag and algorithm, but the digest differs.
    DigestDiffers,
    /// The digest type or algorithm is not one the probe can check (a validator treats such a
    /// DS as if absent).
    Unsupported,
}

/// One DS record of the parent and what the zone has for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DsMatch {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    pub status: DsStatus,
}

/// One DNSKEY of the zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnskeyInfo {
    pub key_tag: u16,
    pub algorithm: u8,
    pub flags: u16,
}

/// One RRSIG over an RRset, checked against the zone's DNSKEYs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RrsigCheck {
    pub key_tag: u16,
    pub algorithm: u8,
    pub inception: Timestamp,
    pub expiration: Timestamp,
    /// The signature verified with the DNSKEY of that tag and algorithm.
    pub verified: bool,
    /// Why it did not verify (empty when it did).
    #[serde(default)]
    pub note: String,
}

impl RrsigCheck {
    /// Verified and within its validity period at `now`.
    pub fn valid_at(&self, now: Timestamp) -> bool {
        self.verified && self.inception <= now && now <= self.expiration
    }
}

/// An apex RRset asked with the DO bit, and its signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedRrset {
    pub rtype: String,
    pub outcome: DnsOutcome,
    pub signatures: Vec<RrsigCheck>,
}

/// DNSSEC of a zone as one of its authoritative servers serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnssecCheck {
    /// The authoritative server asked.
    pub server: IpAddr,
    pub dnskey: SignedRrset,
    pub keys: Vec<DnskeyInfo>,
    /// One entry per DS record of the parent.
    pub ds: Vec<DsMatch>,
    pub soa: SignedRrset,
}

impl DnsSnapshot {
    /// The RRset of a type, if it was asked.
    pub fn record(&self, rtype: &str) -> Option<&RecordSet> {
        self.records
            .iter()
            .find(|r| r.rtype.eq_ignore_ascii_case(rtype))
    }

    /// The NS set the parent publishes.
    pub fn parent_ns(&self) -> &[DomainName] {
        self.delegation.as_ref().map_or(&[], |d| &d.ns)
    }
}
