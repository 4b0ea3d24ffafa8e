//! Coordination cases: one registrable domain and abuse episode, the reports attached to it,
//! its state, and the statistics over reports.
//!
//! - [`intake`]: reading reports (a URL or a name typed by an analyst, CSV files such as the
//!   JPCERT/CC phishing URL list, URL lists), defanged input, and which case a host belongs to
//!   ([`intake::Target`]: the registrable domain, or the account at a subdomain service or a
//!   dynamic DNS provider).
//! - [`stats`]: the published counts (phishing domains per month and TLD, and so on).
//!
//! States follow the coordination flow: a case is opened (`new`), triaged, investigated, the
//! parties are notified, the name is monitored, escalated when the first party does not act,
//! mitigated when somebody acted, and closed with a resolution. A report for a closed case's
//! domain reopens it (the abuse returned).

use serde::{Deserialize, Serialize};

pub mod export;
pub mod html;
pub mod intake;
pub mod mail;
pub mod notify;
pub mod stats;
pub mod xarf;

#[cfg(test)]
mod tests;

/// Where a case is in the coordination flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseState {
    New,
    Triage,
    Investigating,
    Notifying,
    Monitoring,
    Escalated,
    Mitigated,
    Closed,
}

impl CaseState {
    pub const ALL: [CaseState; 8] = [
        CaseState::New,
        CaseState::Triage,
        CaseState::Investigating,
        CaseState::Notifying,
        CaseState::Monitoring,
        CaseState::Escalated,
        CaseState::Mitigated,
        CaseState::Closed,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            CaseState::New => "new",
            CaseState::Triage => "triage",
            CaseState::Investigating => "investigating",
            CaseState::Notifying => "notifying",
            CaseState::Monitoring => "monitoring",
            CaseState::Escalated => "escalated",
            CaseState::Mitigated => "mitigated",
            CaseState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseState> {
        CaseState::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether the case is still being worked on (every state but `closed`).
    pub fn is_open(&self) -> bool {
        *self != CaseState::Closed
    }

    /// Whether an analyst may move a case from `self` to `to` with `case update`. Closing
    /// needs a resolution (`case close`); a closed case is reopened by moving it to one of the
    /// working states (the abuse returned), never straight to `mitigated`.
    pub fn may_move_to(&self, to: CaseState) -> Result<(), CaseError> {
        if to == CaseState::Closed {
            return Err(CaseError::Transition(
                "closing a case needs a resolution: use `case close ID --resolution R`".into(),
            ));
        }
        if *self == CaseState::Closed && to == CaseState::Mitigated {
            return Err(CaseError::Transition(
                "a closed case is reopened into a working state (triage, investigating, ...), \
                 not straight to mitigated"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for CaseState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a case was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    /// Somebody acted: the abuse is gone.
    Mitigated,
    /// Not abuse, or not actionable.
    Rejected,
    /// Another case covers it.
    Duplicate,
    /// Nobody acted and the name went away by itself (expired, deleted).
    Expired,
}

impl Resolution {
    pub const ALL: [Resolution; 4] = [
        Resolution::Mitigated,
        Resolution::Rejected,
        Resolution::Duplicate,
        Resolution::Expired,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Resolution::Mitigated => "mitigated",
            Resolution::Rejected => "rejected",
            Resolution::Duplicate => "duplicate",
            Resolution::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Resolution> {
        Resolution::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The Traffic Light Protocol 2.0 label of a case: who may see what we share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tlp {
    #[serde(rename = "clear")]
    Clear,
    #[serde(rename = "green")]
    Green,
    #[serde(rename = "amber")]
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    #[serde(rename = "red")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// `green`, `TLP:GREEN`, `tlp:amber+strict`; `white` is TLP 1.0's name for `clear`.
    pub fn parse(s: &str) -> Option<Tlp> {
        let s = s.trim();
        let s = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("tlp:"))
            .map_or(s, |_| &s[4..]);
        if s.eq_ignore_ascii_case("white") {
            return Some(Tlp::Clear);
        }
        Tlp::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// What kind of abuse a case is about, with its RSIT (Reference Security Incident Taxonomy)
/// class for exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Phishing,
    Malware,
    C2,
    Spam,
    Other,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Phishing,
        Category::Malware,
        Category::C2,
        Category::Spam,
        Category::Other,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Phishing => "phishing",
            Category::Malware => "malware",
            Category::C2 => "c2",
            Category::Spam => "spam",
            Category::Other => "other",
        }
    }

    /// Our name or an RSIT class (`fraud/phishing`).
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s) || c.rsit().eq_ignore_ascii_case(s))
    }

    /// The RSIT class.
    pub fn rsit(&self) -> &'static str {
        match self {
            Category::Phishing => "fraud/phishing",
            Category::Malware => "malicious-code/malware-distribution",
            Category::C2 => "malicious-code/c2-server",
            Category::Spam => "abusive-content/spam",
            Category::Other => "other/other",
        }
    }
}

/// A request a case workflow refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("{0}")]
    Transition(String),
}
