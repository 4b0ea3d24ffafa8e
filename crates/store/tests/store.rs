//! Store tests (one test binary; modules under tests/store/).

mod store {
    mod fixtures;
    mod watch;
}
