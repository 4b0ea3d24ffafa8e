//! Integration tests of the lab: each protocol checked with an independent client.

mod lab {
    pub mod common;
    mod ct;
    mod dns;
    mod rdap;
    mod scenario;
    mod smtp;
    mod strict;
    mod web;
    mod whois;
}
