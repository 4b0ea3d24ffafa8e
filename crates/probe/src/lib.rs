//! The only crate of domwatch that talks to the network: RDAP, WHOIS and DNS probes.
//!
//! Every endpoint comes from [`domains::netconfig::NetConfig`]: on the real internet the
//! defaults (IANA bootstrap, root servers, port 43), in tests and rehearsals the lab's file.
//!
//! - [`Prober`] is what the commands use: [`Prober::snapshot`] observes one registrable domain
//!   (registration from RDAP or WHOIS, DNS delegation and records) and never fails as a whole;
//! - [`rdap`], [`dns`] and [`whois`] are the individual probes;
//! - [`ct`] reads Certificate Transparency logs (`get-sth`, `get-entries`);
//! - [`http`] and [`net`] hold the guards every HTTP request goes through (redirect targets,
//!   per-host limits, `Retry-After`, time and size limits).

pub mod ct;
pub mod dns;
pub mod http;
pub mod net;
pub mod prober;
pub mod rdap;
pub mod site;
pub mod whois;

pub use prober::{ProbeError, ProbeOptions, Prober, RawAnswer, RegistrationView};
