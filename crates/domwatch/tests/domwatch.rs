//! End-to-end tests of the `domwatch` binary (one test binary; one module per command).

mod domwatch {
    mod audit;
    mod beacon_gen;
    mod beacons;
    mod case;
    mod coord;
    mod ct;
    mod demo;
    mod export;
    mod fuzz;
    mod hostile;
    mod inspect;
    mod intake_mail;
    mod interop;
    mod lab;
    mod names;
    mod nats;
    mod parse;
    mod protocols;
    mod scan;
    mod serve;
    mod serve_tls;
    mod watch;
    mod workers;
    mod zonediff;
}
