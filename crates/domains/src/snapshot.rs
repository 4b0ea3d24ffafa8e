//! A snapshot: everything observed about one domain at one time. The watch stores one per
//! name per run and diffs consecutive snapshots.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::DomainName;
use crate::dns::DnsSnapshot;
use crate::registration::{LifecyclePhase, RegistrationRecord};

/// A problem met while observing (the snapshot is partial, not wrong).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeIssue {
    /// `rdap`, `whois`, `dns`, ...
    pub source: String,
    pub message: String,
}

/// Everything observed about one registrable domain at one time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The registrable domain (ICANN section).
    pub domain: DomainName,
    pub taken_at: Timestamp,
    /// The registry's record (RDAP or WHOIS): trusted for status and dates.
    pub registry: Option<RegistrationRecord>,
    /// The registrar's record (RDAP `related` link or WHOIS referral): trusted for contacts.
    pub registrar: Option<RegistrationRecord>,
    pub dns: Option<DnsSnapshot>,
    /// The lifecycle phase at `taken_at`.
    pub phase: LifecyclePhase,
    pub issues: Vec<ProbeIssue>,
}

impl Snapshot {
    /// The authoritative record for status and dates: the registry's, else the registrar's.
    pub fn primary(&self) -> Option<&RegistrationRecord> {
        self.registry.as_ref().or(self.registrar.as_ref())
    }
}
