//! WHOIS (port 43), for the TLDs without RDAP (.jp above all): the IANA referral chain, the
//! registry and one registrar hop, and parsers for the ICANN format, JPRS (both layouts, JST
//! dates kept with their offset) and the common ccTLD formats.
//!
//! - [`parse`] turns one answer into a [`domains::registration::RegistrationRecord`] (pure, no
//!   I/O, never panics, bounded);
//! - [`referral`] finds the next server named in an answer;
//! - [`WhoisClient`] asks the servers.

mod client;
mod date;
mod parse;

pub use client::{
    IANA_WHOIS, WhoisClient, WhoisError, WhoisLookup, WhoisOptions, is_public, registry_query,
};
pub use date::parse_date;
pub use parse::{
    MAX_INPUT, TldRecord, domain_in_text, parse, parse_iana_tld, parse_received, referral,
};
