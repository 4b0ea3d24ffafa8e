//! Integration tests of the `domains` crate (one test binary; modules below).

mod domains {
    mod ct;
    mod jpcert;
    mod lookalike_alloc;
    mod psl_conformance;
}
