//! Tests of the whois probe: the parser against real answers (tests/fixtures/whois-samples),
//! the classification of negative answers, JPRS, hostile input, and the client against TCP
//! servers on loopback.

mod client;
mod samples;
mod texts;
