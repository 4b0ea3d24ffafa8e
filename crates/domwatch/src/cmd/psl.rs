//! `domwatch psl` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct PslArgs {}

pub fn run(_args: PslArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch psl` is not available in this build yet"))
}
