//! End-to-end tests of `domwatch inspect`.
