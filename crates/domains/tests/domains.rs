//! Integration tests of the `domains` crate (one test binary; modules below).

mod domains {
    mod psl_conformance;
}
