//! End-to-end tests of the `domwatch` binary (one test binary; one module per command).

mod domwatch {
    mod audit;
    mod demo;
    mod fuzz;
    mod inspect;
    mod lab;
    mod names;
    mod parse;
    mod scan;
    mod watch;
}
