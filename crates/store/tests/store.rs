//! Store tests (one test binary; modules under tests/store/).

mod store {
    mod alerts;
    mod case;
    mod coord;
    mod copy;
    mod ct;
    mod fixtures;
    mod pass;
    mod results;
    mod tls;
    mod users;
    mod watch;
}
