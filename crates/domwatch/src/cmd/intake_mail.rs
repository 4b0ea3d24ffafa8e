//! `case import --preset xarf|eml`: the glue between the file read and the pure parsers in
//! `domains::case::{xarf, mail}`.

use domains::case::intake::{RawReport, RowError};
use domains::case::{mail, xarf};
use jiff::Timestamp;
use jiff::tz::Offset;

use crate::Global;

/// The reports of an X-ARF file (one object, an array, or JSON lines).
pub fn read_xarf(bytes: &[u8], offset: Offset) -> (Vec<RawReport>, Vec<RowError>) {
    xarf::parse_xarf(bytes, offset)
}

/// The reports of one `.eml` message; undated messages get `when`. Host names are kept only
/// under a suffix the Public Suffix List knows (the list in use: `--psl`, installed, embedded).
pub fn read_eml(
    bytes: &[u8],
    when: Timestamp,
    global: &Global,
) -> anyhow::Result<(Vec<RawReport>, Vec<RowError>)> {
    let (psl, _) = super::psl::suffix_list(global)?;
    Ok(mail::parse_eml(bytes, psl, when))
}
