//! Pure domain logic for domwatch: names, public suffixes, lookalikes, registration model,
//! snapshots, changes, findings, and coordination cases with their statistics.
//!
//! This crate does no I/O, starts no threads and reads no clock: time is always a parameter.
//! Every function here accepts hostile input (feed lines, WHOIS text, RDAP JSON) without
//! panicking.

pub mod audit;
pub mod beacon;
pub mod case;
pub mod change;
pub mod ct;
pub mod dns;
pub mod feed;
pub mod findings;
pub mod fuzz;
pub mod lookalike;
pub mod name;
pub mod netconfig;
pub mod psl;
pub mod registration;
pub mod registry_locks;
pub mod snapshot;
pub mod text;

pub use name::{DomainName, NameError, NameRule};
pub use psl::{Section, SuffixList};
