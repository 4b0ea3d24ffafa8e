//! End-to-end tests of `domwatch fuzz`.
