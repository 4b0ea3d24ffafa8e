//! `domwatch parse` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct ParseArgs {}

pub fn run(_args: ParseArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch parse` is not available in this build yet"))
}
