//! End-to-end tests of `domwatch watch`.
