//! The only crate of domwatch that talks to the network: RDAP, WHOIS and DNS probes.
//!
//! Every endpoint comes from [`domains::netconfig::NetConfig`]: on the real internet the
//! defaults (IANA bootstrap, root servers, port 43), in tests and rehearsals the lab's file.

pub mod dns;
pub mod rdap;
pub mod whois;
