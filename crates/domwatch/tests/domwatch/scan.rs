//! End-to-end tests of `domwatch scan`.
