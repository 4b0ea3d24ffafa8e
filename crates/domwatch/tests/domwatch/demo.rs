//! End-to-end tests of `domwatch demo`.
