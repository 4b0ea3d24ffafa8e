//! Tests of the rdap probe.
