//! End-to-end tests of `domwatch lab`.
