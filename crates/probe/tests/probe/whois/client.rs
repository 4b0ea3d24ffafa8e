//! The client against TCP servers on loopback.
