//! Integration tests of the probes against the lab (one test binary; modules below).

mod probe {
    mod dns;
    mod rdap;
    mod whois;
}
