//! End-to-end tests of `domwatch parse`.
