//! Integration tests of the `domains` crate (one test binary; modules below).

mod domains {
    mod jpcert;
    mod psl_conformance;
}
