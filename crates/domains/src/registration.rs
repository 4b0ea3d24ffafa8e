//! The registration model: what a registry or registrar says about a domain (from RDAP or
//! WHOIS), in one shape for both sources.
//!
//! Registry-defined codes are open enums that keep unknown values ([`EppStatus::Other`],
//! [`EventAction::Other`]). Dates keep the offset they were given in ([`RegDate`]): JPRS gives
//! JST (+09:00), RDAP gives UTC.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::tz::Offset;
use serde::{Deserialize, Serialize};

use crate::DomainName;

/// An EPP status (RFC 5731, RFC 3915), parsed from its EPP spelling (`clientTransferProhibited`)
/// or its RDAP spelling (`client transfer prohibited`, RFC 8056), with or without the ICANN
/// URL form (`https://icann.org/epp#clientTransferProhibited`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EppStatus {
    Ok,
    Inactive,
    Active,
    ClientTransferProhibited,
    ClientUpdateProhibited,
    ClientDeleteProhibited,
    ClientRenewProhibited,
    ClientHold,
    ServerTransferProhibited,
    ServerUpdateProhibited,
    ServerDeleteProhibited,
    ServerRenewProhibited,
    ServerHold,
    PendingCreate,
    PendingDelete,
    PendingRenew,
    PendingRestore,
    PendingTransfer,
    PendingUpdate,
    AddPeriod,
    AutoRenewPeriod,
    RenewPeriod,
    TransferPeriod,
    RedemptionPeriod,
    /// Anything else, as given (trimmed, at most 64 characters).
    Other(String),
}

const KNOWN: &[(EppStatus, &str)] = &[
    (EppStatus::Ok, "ok"),
    (EppStatus::Inactive, "inactive"),
    (EppStatus::Active, "active"),
    (
        EppStatus::ClientTransferProhibited,
        "clientTransferProhibited",
    ),
    (EppStatus::ClientUpdateProhibited, "clientUpdateProhibited"),
    (EppStatus::ClientDeleteProhibited, "clientDeleteProhibited"),
    (EppStatus::ClientRenewProhibited, "clientRenewProhibited"),
    (EppStatus::ClientHold, "clientHold"),
    (
        EppStatus::ServerTransferProhibited,
        "serverTransferProhibited",
    ),
    (EppStatus::ServerUpdateProhibited, "serverUpdateProhibited"),
    (EppStatus::ServerDeleteProhibited, "serverDeleteProhibited"),
    (EppStatus::ServerRenewProhibited, "serverRenewProhibited"),
    (EppStatus::ServerHold, "serverHold"),
    (EppStatus::PendingCreate, "pendingCreate"),
    (EppStatus::PendingDelete, "pendingDelete"),
    (EppStatus::PendingRenew, "pendingRenew"),
    (EppStatus::PendingRestore, "pendingRestore"),
    (EppStatus::PendingTransfer, "pendingTransfer"),
    (EppStatus::PendingUpdate, "pendingUpdate"),
    (EppStatus::AddPeriod, "addPeriod"),
    (EppStatus::AutoRenewPeriod, "autoRenewPeriod"),
    (EppStatus::RenewPeriod, "renewPeriod"),
    (EppStatus::TransferPeriod, "transferPeriod"),
    (EppStatus::RedemptionPeriod, "redemptionPeriod"),
];

impl EppStatus {
    /// Parses any common spelling; never fails (unknown values are kept as `Other`).
    pub fn parse(input: &str) -> EppStatus {
        let s = input.trim();
        // "clientTransferProhibited https://icann.org/epp#clientTransferProhibited"
        let s = s.split_whitespace().next().map_or(s, |first| {
            if s.contains("http") && !first.starts_with("http") {
                first
            } else {
                s
            }
        });
        let s = s.rsplit_once('#').map_or(s, |(_, frag)| frag);
        let key: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        for (status, epp) in KNOWN {
            if epp.eq_ignore_ascii_case(&key) {
                return status.clone();
            }
        }
        // RDAP's spelling of some registry states
        match key.as_str() {
            "redemption" => return EppStatus::RedemptionPeriod,
            "autorenew" => return EppStatus::AutoRenewPeriod,
            _ => {}
        }
        EppStatus::Other(input.trim().chars().take(64).collect())
    }

    /// The EPP spelling (`clientTransferProhibited`).
    pub fn as_epp(&self) -> &str {
        if let EppStatus::Other(s) = self {
            return s;
        }
        KNOWN.iter().find(|(k, _)| k == self).map_or("", |(_, s)| s)
    }

    /// The RDAP spelling (RFC 8056: `client transfer prohibited`).
    pub fn as_rdap(&self) -> String {
        if let EppStatus::Other(s) = self {
            return s.clone();
        }
        let mut out = String::new();
        for c in self.as_epp().chars() {
            if c.is_ascii_uppercase() {
                out.push(' ');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// A registrar lock (`client*Prohibited`).
    pub fn is_registrar_lock(&self) -> bool {
        matches!(
            self,
            EppStatus::ClientTransferProhibited
                | EppStatus::ClientUpdateProhibited
                | EppStatus::ClientDeleteProhibited
        )
    }

    /// Part of a registry lock (`server{Update,Delete,Transfer}Prohibited`).
    pub fn is_registry_lock(&self) -> bool {
        matches!(
            self,
            EppStatus::ServerTransferProhibited
                | EppStatus::ServerUpdateProhibited
                | EppStatus::ServerDeleteProhibited
        )
    }

    /// A hold: the name is not published in the zone.
    pub fn is_hold(&self) -> bool {
        matches!(self, EppStatus::ClientHold | EppStatus::ServerHold)
    }
}

impl fmt::Display for EppStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_epp())
    }
}

impl Serialize for EppStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_epp())
    }
}

impl<'de> Deserialize<'de> for EppStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(EppStatus::parse(&s))
    }
}

/// An instant with the UTC offset it was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegDate {
    /// The instant.
    pub at: Timestamp,
    /// The offset the source wrote it in (UTC for RDAP, +09:00 for JPRS).
    pub offset: Offset,
}

impl RegDate {
    /// An instant in UTC.
    pub fn utc(at: Timestamp) -> RegDate {
        RegDate {
            at,
            offset: Offset::UTC,
        }
    }

    /// RFC 3339 with the original offset, e.g. `2024-03-31T00:00:00+09:00`.
    pub fn to_rfc3339(&self) -> String {
        let z = self.at.to_zoned(jiff::tz::TimeZone::fixed(self.offset));
        if self.offset == Offset::UTC {
            z.strftime("%Y-%m-%dT%H:%M:%S%.fZ").to_string()
        } else {
            z.strftime("%Y-%m-%dT%H:%M:%S%.f%:z").to_string()
        }
    }

    /// Parses RFC 3339 (`Z` or an offset), keeping the offset.
    pub fn parse_rfc3339(s: &str) -> Option<RegDate> {
        let s = s.trim();
        let at: Timestamp = s.parse().ok()?;
        let offset = if s.ends_with('Z') || s.ends_with('z') {
            Offset::UTC
        } else {
            let tail = s.get(s.len().saturating_sub(6)..)?;
            let sign = match tail.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return Some(RegDate::utc(at)),
            };
            let h: i32 = tail.get(1..3)?.parse().ok()?;
            let m: i32 = tail.get(4..6)?.parse().ok()?;
            Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()?
        };
        Some(RegDate { at, offset })
    }
}

impl PartialOrd for RegDate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RegDate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.at.cmp(&other.at)
    }
}

impl fmt::Display for RegDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for RegDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for RegDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegDate::parse_rfc3339(&s).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 date"))
    }
}

/// What an event records (RFC 9083 `eventAction`), open.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventAction {
    Registration,
    Expiration,
    LastChanged,
    Transfer,
    LastUpdateOfRdapDatabase,
    Other(String),
}

impl EventAction {
    pub fn as_str(&self) -> &str {
        match self {
            EventAction::Registration => "registration",
            EventAction::Expiration => "expiration",
            EventAction::LastChanged => "last changed",
            EventAction::Transfer => "transfer",
            EventAction::LastUpdateOfRdapDatabase => "last update of RDAP database",
            EventAction::Other(s) => s,
        }
    }
}

impl FromStr for EventAction {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = s.trim().to_ascii_lowercase();
        Ok(match k.as_str() {
            "registration" => EventAction::Registration,
            "expiration" => EventAction::Expiration,
            "last changed" => EventAction::LastChanged,
            "transfer" => EventAction::Transfer,
            "last update of rdap database" => EventAction::LastUpdateOfRdapDatabase,
            _ => EventAction::Other(s.trim().chars().take(64).collect()),
        })
    }
}

impl Serialize for EventAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for EventAction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(s.parse().unwrap_or(EventAction::Other(s)))
    }
}

/// A dated event in the life of a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub action: EventAction,
    pub date: RegDate,
}

/// The sponsoring registrar.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registrar {
    pub name: Option<String>,
    /// The registrar entity's RDAP handle, kept when it is all a registry gives (.cz style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
    /// IANA Registrar ID (gTLDs), as given.
    pub iana_id: Option<String>,
    pub url: Option<String>,
    pub whois_server: Option<String>,
    pub rdap_url: Option<String>,
    pub abuse_email: Option<String>,
    pub abuse_phone: Option<String>,
}

/// A DS record at the parent (RFC 4034).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DsRecord {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    /// Hex, lower case.
    pub digest: String,
}

/// DNSSEC as the registry records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dnssec {
    pub delegation_signed: bool,
    pub ds: Vec<DsRecord>,
}

/// A contact's role.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactRole {
    Registrant,
    Administrative,
    Technical,
    Billing,
    Abuse,
    Other,
}

/// A contact (usually redacted, RFC 9537).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub role: ContactRole,
    pub handle: Option<String>,
    pub name: Option<String>,
    pub organization: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
    /// The source said the data is redacted or withheld.
    pub redacted: bool,
}

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Rdap,
    Whois,
}

/// What the source answered, at the level of the whole query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Lookup {
    /// The object exists: here is what the source says.
    Registered,
    /// The source says no such registration (RDAP 404, WHOIS "No match").
    NotFound,
    /// The name is reserved or blocked by the registry.
    Reserved,
    /// The source refused for now (RDAP 429, WHOIS "limit exceeded"): says nothing about the
    /// name.
    RateLimited { retry_after_secs: Option<u64> },
    /// The answer could not be read (binary garbage, nothing recognisable): says nothing about
    /// the name. `bytes`: how many bytes were received (before any UTF-8 replacement).
    Unreadable { bytes: u64 },
}

impl Lookup {
    /// The source gave no usable answer (rate limited or unreadable): nothing is concluded.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Lookup::RateLimited { .. } | Lookup::Unreadable { .. })
    }
}

/// One source's view of a registration (registry or registrar, RDAP or WHOIS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationRecord {
    /// The registrable domain (ICANN section) that was asked about.
    pub domain: DomainName,
    pub source: SourceKind,
    /// The server asked: RDAP URL or WHOIS host name.
    pub server: String,
    pub lookup: Lookup,
    /// The registry's object handle (ROID), if given.
    pub handle: Option<String>,
    pub registrar: Option<Registrar>,
    pub reseller: Option<String>,
    pub statuses: Vec<EppStatus>,
    pub events: Vec<Event>,
    pub nameservers: Vec<DomainName>,
    pub dnssec: Option<Dnssec>,
    pub contacts: Vec<Contact>,
    /// What was non-conformant or could not be read (kept, never fatal).
    pub notes: Vec<String>,
}

impl RegistrationRecord {
    /// An empty record for `domain` from `server`.
    pub fn new(domain: DomainName, source: SourceKind, server: impl Into<String>) -> Self {
        RegistrationRecord {
            domain,
            source,
            server: server.into(),
            lookup: Lookup::Registered,
            handle: None,
            registrar: None,
            reseller: None,
            statuses: Vec::new(),
            events: Vec::new(),
            nameservers: Vec::new(),
            dnssec: None,
            contacts: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The latest date of an event kind.
    pub fn event(&self, action: &EventAction) -> Option<RegDate> {
        self.events
            .iter()
            .filter(|e| &e.action == action)
            .map(|e| e.date)
            .max()
    }

    pub fn created(&self) -> Option<RegDate> {
        self.event(&EventAction::Registration)
    }

    pub fn expires(&self) -> Option<RegDate> {
        self.event(&EventAction::Expiration)
    }

    pub fn updated(&self) -> Option<RegDate> {
        self.event(&EventAction::LastChanged)
    }

    pub fn has_status(&self, s: &EppStatus) -> bool {
        self.statuses.contains(s)
    }

    /// Registrar lock: transfer prohibited by the registrar (the part that stops hijacks).
    pub fn has_registrar_lock(&self) -> bool {
        self.has_status(&EppStatus::ClientTransferProhibited)
    }

    /// Registry lock: server update, delete and transfer prohibited.
    pub fn has_registry_lock(&self) -> bool {
        self.has_status(&EppStatus::ServerTransferProhibited)
            && self.has_status(&EppStatus::ServerUpdateProhibited)
            && self.has_status(&EppStatus::ServerDeleteProhibited)
    }
}

/// Where a registration is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LifecyclePhase {
    /// Registered and not past its expiration date.
    Active,
    /// Past expiration, in the auto-renew grace period (the registrar may still delete it).
    AutoRenewGrace,
    /// Deleted by the registrar, restorable by the old registrant (gTLD: 30 days).
    Redemption,
    /// About to be released (gTLD: 5 days).
    PendingDelete,
    /// Past expiration with no grace status shown: the source is stale or the TLD has its own
    /// rules.
    Expired,
    /// No registration.
    NotRegistered,
    /// Reserved or blocked by the registry.
    Reserved,
    /// The source could not tell (rate limited).
    Unknown,
}

impl LifecyclePhase {
    pub fn as_str(&self) -> &'static str {
        match self {
            LifecyclePhase::Active => "active",
            LifecyclePhase::AutoRenewGrace => "auto-renew grace",
            LifecyclePhase::Redemption => "redemption",
            LifecyclePhase::PendingDelete => "pending delete",
            LifecyclePhase::Expired => "expired",
            LifecyclePhase::NotRegistered => "not registered",
            LifecyclePhase::Reserved => "reserved",
            LifecyclePhase::Unknown => "unknown",
        }
    }
}

impl fmt::Display for LifecyclePhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A TLD's deletion policy, in days. gTLDs share the ICANN defaults; ccTLDs differ and are
/// configured per TLD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecyclePolicy {
    pub auto_renew_grace_days: u32,
    pub redemption_days: u32,
    pub pending_delete_days: u32,
}

impl LifecyclePolicy {
    /// ICANN gTLD defaults: up to 45 days of auto-renew grace, 30 of redemption, 5 pending
    /// delete.
    pub const GTLD: LifecyclePolicy = LifecyclePolicy {
        auto_renew_grace_days: 45,
        redemption_days: 30,
        pending_delete_days: 5,
    };

    /// JPRS (.jp): no auto-renew grace; a deleted name can be restored within 14 days.
    pub const JP: LifecyclePolicy = LifecyclePolicy {
        auto_renew_grace_days: 0,
        redemption_days: 14,
        pending_delete_days: 0,
    };

    /// The built-in policy for a TLD (A-label, no dot).
    pub fn for_tld(tld: &str) -> LifecyclePolicy {
        match tld {
            "jp" => LifecyclePolicy::JP,
            _ => LifecyclePolicy::GTLD,
        }
    }
}

/// The lifecycle phase of a record at `now`. Statuses win over dates (a registry that shows
/// `redemptionPeriod` is in redemption whatever the dates say); dates decide only when the
/// statuses are silent.
pub fn lifecycle_phase(
    record: &RegistrationRecord,
    now: Timestamp,
    policy: &LifecyclePolicy,
) -> LifecyclePhase {
    match record.lookup {
        Lookup::NotFound => return LifecyclePhase::NotRegistered,
        Lookup::Reserved => return LifecyclePhase::Reserved,
        Lookup::RateLimited { .. } | Lookup::Unreadable { .. } => return LifecyclePhase::Unknown,
        Lookup::Registered => {}
    }
    if record.has_status(&EppStatus::PendingDelete) {
        // pendingDelete together with redemptionPeriod means redemption (RFC 3915).
        if record.has_status(&EppStatus::RedemptionPeriod) {
            return LifecyclePhase::Redemption;
        }
        return LifecyclePhase::PendingDelete;
    }
    if record.has_status(&EppStatus::RedemptionPeriod)
        || record.has_status(&EppStatus::PendingRestore)
    {
        return LifecyclePhase::Redemption;
    }
    if record.has_status(&EppStatus::AutoRenewPeriod) {
        return LifecyclePhase::AutoRenewGrace;
    }
    if let Some(exp) = record.expires()
        && exp.at < now
    {
        let days = (now.as_second() - exp.at.as_second()) / 86_400;
        if policy.auto_renew_grace_days > 0 && days <= i64::from(policy.auto_renew_grace_days) {
            return LifecyclePhase::AutoRenewGrace;
        }
        return LifecyclePhase::Expired;
    }
    LifecyclePhase::Active
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epp_status_spellings() {
        for s in [
            "clientTransferProhibited",
            "client transfer prohibited",
            "CLIENT TRANSFER PROHIBITED",
            "clientTransferProhibited https://icann.org/epp#clientTransferProhibited",
            "https://icann.org/epp#clientTransferProhibited",
        ] {
            assert_eq!(
                EppStatus::parse(s),
                EppStatus::ClientTransferProhibited,
                "{s}"
            );
        }
        assert_eq!(
            EppStatus::parse("redemption period"),
            EppStatus::RedemptionPeriod
        );
        assert_eq!(EppStatus::parse("server hold"), EppStatus::ServerHold);
        assert_eq!(
            EppStatus::parse("Connected"),
            EppStatus::Other("Connected".into())
        );
        assert_eq!(EppStatus::ServerHold.as_rdap(), "server hold");
        assert_eq!(EppStatus::AutoRenewPeriod.as_rdap(), "auto renew period");
        assert!(EppStatus::ClientUpdateProhibited.is_registrar_lock());
        assert!(EppStatus::ServerDeleteProhibited.is_registry_lock());
        let json = serde_json::to_string(&EppStatus::ClientHold).unwrap();
        assert_eq!(json, "\"clientHold\"");
    }

    #[test]
    fn dates_keep_offset() {
        let d = RegDate::parse_rfc3339("2024-03-31T00:00:00+09:00").unwrap();
        assert_eq!(d.to_rfc3339(), "2024-03-31T00:00:00+09:00");
        assert_eq!(d.at.to_string(), "2024-03-30T15:00:00Z");
        let u = RegDate::parse_rfc3339("2024-03-30T15:00:00Z").unwrap();
        assert_eq!(u, RegDate::utc(d.at));
        assert_eq!(u.cmp(&d), std::cmp::Ordering::Equal);
    }

    #[test]
    fn phases() {
        let dn = DomainName::parse("example.com").unwrap();
        let mut r = RegistrationRecord::new(dn, SourceKind::Rdap, "test");
        let exp: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        r.events.push(Event {
            action: EventAction::Expiration,
            date: RegDate::utc(exp),
        });
        let p = LifecyclePolicy::GTLD;
        let day = |d: i64| Timestamp::from_second(exp.as_second() + d * 86_400).unwrap();
        assert_eq!(lifecycle_phase(&r, day(-1), &p), LifecyclePhase::Active);
        assert_eq!(
            lifecycle_phase(&r, day(10), &p),
            LifecyclePhase::AutoRenewGrace
        );
        assert_eq!(lifecycle_phase(&r, day(60), &p), LifecyclePhase::Expired);
        r.statuses.push(EppStatus::RedemptionPeriod);
        r.statuses.push(EppStatus::PendingDelete);
        assert_eq!(lifecycle_phase(&r, day(60), &p), LifecyclePhase::Redemption);
        r.statuses.retain(|s| *s != EppStatus::RedemptionPeriod);
        assert_eq!(
            lifecycle_phase(&r, day(80), &p),
            LifecyclePhase::PendingDelete
        );
        r.lookup = Lookup::NotFound;
        assert_eq!(
            lifecycle_phase(&r, day(90), &p),
            LifecyclePhase::NotRegistered
        );
        assert_eq!(
            lifecycle_phase(&r, day(-1), &LifecyclePolicy::JP),
            LifecyclePhase::NotRegistered
        );
    }
}
