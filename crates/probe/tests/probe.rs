//! Integration tests of the probes against the lab (one test binary; modules below).

mod probe {
    mod ct;
    mod dns;
    mod dnssec;
    mod rdap;
    mod whois;
}
