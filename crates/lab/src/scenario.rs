//! The scenario file format (TOML): registries, registrars, DNS hosters, domains with their
//! records, statuses and contacts, timed events, IP networks, web sites and the demo material
//! (brands, feed, watch list). See `docs/lab.md` for the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::Path;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::LabError;
pub use crate::dnssec::DnssecMode;

/// Largest scenario file accepted.
pub const MAX_SCENARIO_BYTES: usize = 64 * 1024 * 1024;

/// Built-in scenarios: (name, TOML text).
const BUILTIN: &[(&str, &str)] = &[("default", include_str!("../scenarios/default.toml"))];

/// A parsed and validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// General settings and demo material.
    pub scenario: Meta,
    /// DNS root servers.
    #[serde(default)]
    pub root: Vec<Host>,
    /// Registries (TLD operators).
    #[serde(default, rename = "registry")]
    pub registries: Vec<Registry>,
    /// Registrars.
    #[serde(default, rename = "registrar")]
    pub registrars: Vec<Registrar>,
    /// DNS hosting providers.
    #[serde(default, rename = "hoster")]
    pub hosters: Vec<Hoster>,
    /// Registered (or to be registered) domains.
    #[serde(default, rename = "domain")]
    pub domains: Vec<DomainDef>,
    /// IP networks served by the lab's RIR RDAP server.
    #[serde(default, rename = "network")]
    pub networks: Vec<Network>,
    /// HTTP sites, by simulated address and host name.
    #[serde(default, rename = "site")]
    pub sites: Vec<Site>,
    /// The Certificate Transparency logs' contents (defaults when absent).
    #[serde(default)]
    pub ct: Option<crate::ct::CtDef>,
}

/// General settings and demo material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Lab day 0 (00:00 UTC).
    pub start: Date,
    /// Protected brand domains.
    #[serde(default)]
    pub brands: Vec<String>,
    /// Host names for `domwatch scan`: lookalikes mixed with benign names.
    #[serde(default)]
    pub feed: Vec<String>,
    /// The inventory an organisation watches.
    #[serde(default)]
    pub watch: Vec<String>,
}

/// A named server at a simulated address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    pub name: String,
    pub ip: IpAddr,
}

/// Rate limit: at most `limit` requests per client address in `window_secs` (real seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub limit: u32,
    pub window_secs: u64,
}

/// What an abuse desk does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskAction {
    /// Nothing beyond the acknowledgement.
    None,
    /// Replies asking for more evidence.
    MoreInfo,
    /// Puts the name on hold (registry: serverHold, registrar: clientHold).
    Suspend,
    /// Deletes the registration.
    Delete,
}

/// An abuse desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Desk {
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Send an automatic acknowledgement on receipt.
    #[serde(default = "yes")]
    pub acknowledge: bool,
    /// Lab days between receipt and the action.
    #[serde(default)]
    pub delay_days: u32,
    pub action: DeskAction,
}

fn yes() -> bool {
    true
}

/// WHOIS output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhoisStyle {
    /// ICANN gTLD registry format.
    #[default]
    Icann,
    /// JPRS (.jp) format.
    Jprs,
}

/// A registry (TLD operator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    pub id: String,
    pub name: String,
    pub tlds: Vec<String>,
    /// TLD name servers.
    pub nameservers: Vec<Host>,
    /// Thin registry: RDAP/WHOIS answers refer to the registrar for contacts.
    #[serde(default)]
    pub thin: bool,
    /// Has an RDAP service listed in the bootstrap file.
    #[serde(default = "yes")]
    pub rdap: bool,
    /// WHOIS server host name.
    pub whois: Option<String>,
    #[serde(default)]
    pub whois_style: WhoisStyle,
    pub rdap_rate_limit: Option<RateLimit>,
    pub whois_rate_limit: Option<RateLimit>,
    /// RDAP domain queries answer with a 302 redirect to another URL of the same service.
    #[serde(default)]
    pub rdap_redirect: bool,
    /// Never answers: DNS, RDAP and WHOIS accept and stay silent.
    #[serde(default)]
    pub unresponsive: bool,
    #[serde(default = "d45")]
    pub auto_renew_days: i64,
    #[serde(default = "d30")]
    pub redemption_days: i64,
    #[serde(default = "d5")]
    pub pending_delete_days: i64,
    pub desk: Option<Desk>,
}

fn d45() -> i64 {
    45
}
fn d30() -> i64 {
    30
}
fn d5() -> i64 {
    5
}

/// A registrar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registrar {
    pub id: String,
    pub name: String,
    pub iana_id: u32,
    #[serde(default)]
    pub url: String,
    /// WHOIS server host name (none for ccTLD-only registrars).
    pub whois: Option<String>,
    #[serde(default = "yes")]
    pub rdap: bool,
    pub rdap_rate_limit: Option<RateLimit>,
    pub desk: Option<Desk>,
}

/// How a hoster's servers behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DnsBehaviour {
    #[default]
    Normal,
    Servfail,
    Timeout,
}

/// A DNS hosting provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hoster {
    pub id: String,
    pub name: String,
    pub nameservers: Vec<Host>,
    #[serde(default)]
    pub behaviour: DnsBehaviour,
    pub desk: Option<Desk>,
}

/// DS record data (RDAP secureDNS.dsData).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ds {
    pub key_tag: u16,
    pub algorithm: u8,
    pub digest_type: u8,
    pub digest: String,
}

/// A domain and its registration at day 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DomainDef {
    pub name: String,
    /// Registrar id (ignored for registries without registrars, e.g. JPRS).
    pub registrar: String,
    pub registered: Date,
    pub expires: Date,
    /// Renewed automatically each year; `false` lets the name lapse at `expires`.
    #[serde(default = "yes")]
    pub renew: bool,
    /// EPP statuses (camelCase, e.g. `clientTransferProhibited`).
    #[serde(default)]
    pub status: Vec<String>,
    pub nameservers: Vec<String>,
    /// Extra glue: host name -> addresses for in-domain name servers not defined by a hoster.
    #[serde(default)]
    pub glue: BTreeMap<String, Vec<IpAddr>>,
    /// Name server hosts inside the domain -> the addresses the zone's own A/AAAA records give
    /// them, *replacing* (not added to) the hoster's or `glue`'s addresses, which stay the
    /// parent's glue: a glue mismatch (a server renumbered in the zone, stale glue at the
    /// registry). An empty list publishes no address for the host in the zone.
    #[serde(default)]
    pub zone_addresses: BTreeMap<String, Vec<IpAddr>>,
    /// Zone-file lines relative to the domain (`www A 192.0.2.1`, `@ MX 10 mail.example.`).
    #[serde(default)]
    pub records: Vec<String>,
    /// Hosters listed in NS that do not serve the zone (lame).
    #[serde(default)]
    pub lame_at: Vec<String>,
    /// DS records given by hand (published at the parent as they are).
    #[serde(default)]
    pub ds: Vec<Ds>,
    /// How the zone is signed: `unsigned` (default), `signed`, `rollover`, and the bogus cases
    /// `ds_mismatch`, `no_dnskey`, `expired` (see [`DnssecMode`]). Signed modes publish the DS
    /// computed from the lab's keys at the parent.
    #[serde(default)]
    pub dnssec: DnssecMode,
    /// U-label form of an internationalised name (RDAP `unicodeName`), e.g. `biglоbe.net`.
    #[serde(default)]
    pub unicode: String,
    #[serde(default)]
    pub registrant: String,
    /// Registrant e-mail shown where the registry publishes it (JPRS general layout).
    #[serde(default)]
    pub registrant_email: String,
    #[serde(default, rename = "event")]
    pub events: Vec<Event>,
}

/// What happens at an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Registrar transfer (optionally new NS/records, locks removed, DS removed).
    Transfer,
    /// Registered again after deletion by `registrar`.
    Reregister,
    /// The hoster `hoster` drops the zone (its servers answer REFUSED).
    ZoneLost,
    /// The registry puts the name on serverHold.
    Suspend,
    /// New name servers and/or records (a registrant update).
    Update,
    /// The registry deletes the name.
    Delete,
}

/// A timed event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Lab day on which the event takes effect.
    pub day: i64,
    pub kind: EventKind,
    pub registrar: Option<String>,
    pub hoster: Option<String>,
    pub nameservers: Option<Vec<String>>,
    pub records: Option<Vec<String>>,
    pub status: Option<Vec<String>>,
    #[serde(default)]
    pub remove_locks: bool,
    #[serde(default)]
    pub remove_ds: bool,
    /// A new signing state from this day on (a rollover, a key removed, signatures expired).
    pub dnssec: Option<DnssecMode>,
    pub registrant: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// An IP network with its contacts (served by the lab RIR's RDAP).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    pub handle: String,
    pub name: String,
    /// CIDR, e.g. `198.51.100.128/25`.
    pub prefix: String,
    pub country: String,
    pub org: String,
    pub abuse_email: String,
    pub tech_email: String,
}

/// An HTTP site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Simulated address.
    pub ip: IpAddr,
    /// Host names served (empty: every Host header).
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default = "d200")]
    pub status: u16,
    #[serde(default = "html")]
    pub content_type: String,
    pub body: String,
}

fn d200() -> u16 {
    200
}
fn html() -> String {
    "text/html; charset=utf-8".into()
}

impl DomainDef {
    /// The DS records the parent publishes at day 0: those given by hand and those computed
    /// from the lab's keys for a signed zone.
    pub fn initial_ds(&self) -> Vec<Ds> {
        let mut v = self.ds.clone();
        for d in crate::dnssec::ds_records(&self.name, self.dnssec) {
            if !v.contains(&d) {
                v.push(d);
            }
        }
        v
    }
}

impl Scenario {
    /// Names of the built-in scenarios.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(n, _)| *n).collect()
    }

    /// The file text of a built-in scenario.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        BUILTIN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// A built-in scenario by name.
    pub fn builtin(name: &str) -> Result<Self, LabError> {
        let text = BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| LabError::Scenario(format!("no built-in scenario named {name:?}")))?;
        Self::from_toml(text)
    }

    /// Reads a scenario file.
    pub fn from_file(path: &Path) -> Result<Self, LabError> {
        use std::io::Read;
        let file = std::fs::File::open(path)
            .map_err(|e| LabError::Scenario(format!("{}: {e}", path.display())))?;
        // Bounded by the bytes actually read: `/dev/zero` or a pipe fails at the limit.
        let mut bytes = Vec::new();
        file.take(MAX_SCENARIO_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| LabError::Scenario(format!("{}: {e}", path.display())))?;
        if bytes.len() > MAX_SCENARIO_BYTES {
            return Err(LabError::Scenario(format!(
                "{}: larger than {} MiB, the limit for a scenario",
                path.display(),
                MAX_SCENARIO_BYTES / (1024 * 1024)
            )));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| LabError::Scenario(format!("{}: not UTF-8 text", path.display())))?;
        Self::from_toml(&text)
    }

    /// A built-in name or a file path.
    pub fn load(name_or_path: &str) -> Result<Self, LabError> {
        if BUILTIN.iter().any(|(n, _)| *n == name_or_path) {
            return Self::builtin(name_or_path);
        }
        Self::from_file(Path::new(name_or_path))
    }

    /// Parses and validates scenario text.
    pub fn from_toml(text: &str) -> Result<Self, LabError> {
        if text.len() > MAX_SCENARIO_BYTES {
            return Err(LabError::Scenario("scenario text too large".into()));
        }
        let mut s: Scenario =
            toml::from_str(text).map_err(|e| LabError::Scenario(e.to_string()))?;
        s.normalise();
        s.validate()?;
        Ok(s)
    }

    /// The protected brand domains.
    pub fn brands(&self) -> &[String] {
        &self.scenario.brands
    }

    /// Host names for `domwatch scan`.
    pub fn feed(&self) -> &[String] {
        &self.scenario.feed
    }

    /// The inventory an organisation watches.
    pub fn watch_names(&self) -> &[String] {
        &self.scenario.watch
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.scenario.name
    }

    fn normalise(&mut self) {
        let lower = |s: &mut String| *s = s.trim().trim_end_matches('.').to_ascii_lowercase();
        for r in &mut self.registries {
            r.tlds.iter_mut().for_each(lower);
            r.nameservers.iter_mut().for_each(|h| lower(&mut h.name));
            if let Some(w) = &mut r.whois {
                lower(w);
            }
        }
        for r in &mut self.registrars {
            if let Some(w) = &mut r.whois {
                lower(w);
            }
        }
        self.root.iter_mut().for_each(|h| lower(&mut h.name));
        for h in &mut self.hosters {
            h.nameservers.iter_mut().for_each(|h| lower(&mut h.name));
        }
        for d in &mut self.domains {
            lower(&mut d.name);
            d.nameservers.iter_mut().for_each(lower);
            for m in [&mut d.glue, &mut d.zone_addresses] {
                *m = std::mem::take(m)
                    .into_iter()
                    .map(|(mut k, v)| {
                        lower(&mut k);
                        (k, v)
                    })
                    .collect();
            }
            for e in &mut d.events {
                if let Some(ns) = &mut e.nameservers {
                    ns.iter_mut().for_each(lower);
                }
            }
            d.events.sort_by_key(|e| e.day);
        }
        for site in &mut self.sites {
            site.hosts.iter_mut().for_each(lower);
        }
    }

    fn validate(&self) -> Result<(), LabError> {
        let err = |m: String| Err(LabError::Scenario(m));
        // The lab clock is a timestamp: a start it cannot represent (with room to advance)
        // would wrap to 1970.
        let start = self.scenario.start;
        if !(1970..=2199).contains(&start.year()) {
            return err(format!(
                "scenario start {start} is out of range (1970-01-01 to 2199-12-31)"
            ));
        }
        if self.root.is_empty() {
            return err("the scenario needs at least one [[root]] server".into());
        }
        let mut ids = BTreeSet::new();
        for id in self
            .registries
            .iter()
            .map(|r| &r.id)
            .chain(self.registrars.iter().map(|r| &r.id))
            .chain(self.hosters.iter().map(|h| &h.id))
        {
            if !valid_id(id) {
                return err(format!("invalid id {id:?} (use a-z, 0-9, '-')"));
            }
            if !ids.insert(id.as_str()) || id == "rir" {
                return err(format!("duplicate or reserved id {id:?}"));
            }
        }
        let mut tlds = BTreeSet::new();
        for r in &self.registries {
            if r.tlds.is_empty() || r.nameservers.is_empty() {
                return err(format!("registry {} needs tlds and nameservers", r.id));
            }
            for t in &r.tlds {
                if !valid_name(t) || !tlds.insert(t.clone()) {
                    return err(format!("invalid or duplicate TLD {t:?}"));
                }
            }
            for (what, days) in [
                ("auto_renew_days", r.auto_renew_days),
                ("redemption_days", r.redemption_days),
                ("pending_delete_days", r.pending_delete_days),
            ] {
                if !(0..=3650).contains(&days) {
                    return err(format!(
                        "registry {}: {what} = {days} (a period length is 0 to 3650 days)",
                        r.id
                    ));
                }
            }
            for rl in r.rdap_rate_limit.iter().chain(r.whois_rate_limit.iter()) {
                if rl.limit == 0 || rl.window_secs == 0 {
                    return err(format!("registry {}: rate limits must be positive", r.id));
                }
            }
        }
        let mut addrs = BTreeSet::new();
        for h in self
            .root
            .iter()
            .chain(self.registries.iter().flat_map(|r| r.nameservers.iter()))
            .chain(self.hosters.iter().flat_map(|h| h.nameservers.iter()))
        {
            if !valid_name(&h.name) {
                return err(format!("invalid server name {:?}", h.name));
            }
            if !addrs.insert(h.ip) {
                return err(format!("address {} used by two DNS servers", h.ip));
            }
        }
        let mut names = BTreeSet::new();
        for d in &self.domains {
            if !valid_name(&d.name) || !d.name.contains('.') {
                return err(format!("invalid domain name {:?}", d.name));
            }
            if !names.insert(d.name.clone()) {
                return err(format!("duplicate domain {}", d.name));
            }
            if self.registry_for(&d.name).is_none() {
                return err(format!("no registry for {}", d.name));
            }
            if self.registrar(&d.registrar).is_none() {
                return err(format!("{}: unknown registrar {}", d.name, d.registrar));
            }
            if d.expires < d.registered {
                return err(format!("{}: expires before it is registered", d.name));
            }
            for ns in &d.nameservers {
                if !valid_name(ns) {
                    return err(format!("{}: invalid name server {ns:?}", d.name));
                }
            }
            crate::dns::parse_records(&d.name, &d.records)
                .map_err(|e| LabError::Scenario(format!("{}: {e}", d.name)))?;
            for host in d.zone_addresses.keys() {
                if !valid_name(host) || host == &d.name || !is_subdomain(host, &d.name) {
                    return err(format!(
                        "{}: zone_addresses names {host:?}, not a host inside the domain",
                        d.name
                    ));
                }
            }
            for h in &d.lame_at {
                if self.hoster(h).is_none() {
                    return err(format!("{}: unknown hoster {h}", d.name));
                }
            }
            for e in &d.events {
                if !(0..=36500).contains(&e.day) {
                    return err(format!("{}: event day {} out of range", d.name, e.day));
                }
                if let Some(r) = &e.registrar
                    && self.registrar(r).is_none()
                {
                    return err(format!("{}: unknown registrar {r}", d.name));
                }
                if let Some(h) = &e.hoster
                    && self.hoster(h).is_none()
                {
                    return err(format!("{}: unknown hoster {h}", d.name));
                }
                if matches!(e.kind, EventKind::Transfer | EventKind::Reregister)
                    && e.registrar.is_none()
                {
                    return err(format!("{}: {:?} needs a registrar", d.name, e.kind));
                }
                if e.kind == EventKind::ZoneLost && e.hoster.is_none() {
                    return err(format!("{}: zone_lost needs a hoster", d.name));
                }
                if let Some(recs) = &e.records {
                    crate::dns::parse_records(&d.name, recs)
                        .map_err(|x| LabError::Scenario(format!("{}: {x}", d.name)))?;
                }
            }
        }
        for n in &self.networks {
            if crate::rdap::parse_prefix(&n.prefix).is_none() {
                return err(format!("network {}: invalid prefix {}", n.handle, n.prefix));
            }
        }
        Ok(())
    }

    /// The registry responsible for a name (longest TLD suffix match).
    pub(crate) fn registry_for(&self, name: &str) -> Option<&Registry> {
        let mut best: Option<(&Registry, usize)> = None;
        for r in &self.registries {
            for t in &r.tlds {
                if is_subdomain(name, t) && best.is_none_or(|(_, l)| t.len() > l) {
                    best = Some((r, t.len()));
                }
            }
        }
        best.map(|(r, _)| r)
    }

    pub(crate) fn registrar(&self, id: &str) -> Option<&Registrar> {
        self.registrars.iter().find(|r| r.id == id)
    }

    pub(crate) fn registry(&self, id: &str) -> Option<&Registry> {
        self.registries.iter().find(|r| r.id == id)
    }

    pub(crate) fn hoster(&self, id: &str) -> Option<&Hoster> {
        self.hosters.iter().find(|h| h.id == id)
    }

    pub(crate) fn domain(&self, name: &str) -> Option<&DomainDef> {
        self.domains.iter().find(|d| d.name == name)
    }
}

/// `name` equals `zone` or is below it (both lower-case, no trailing dot; "" is the root).
pub(crate) fn is_subdomain(name: &str, zone: &str) -> bool {
    zone.is_empty()
        || name == zone
        || (name.len() > zone.len()
            && name.ends_with(zone)
            && name.as_bytes()[name.len() - zone.len() - 1] == b'.')
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 40
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A host name in LDH form (lower-case, no trailing dot), up to 253 characters.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}
