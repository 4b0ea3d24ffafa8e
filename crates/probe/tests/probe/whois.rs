//! Tests of the whois probe.
