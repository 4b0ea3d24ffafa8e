//! `domwatch scan` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct ScanArgs {}

pub fn run(_args: ScanArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch scan` is not available in this build yet"))
}
