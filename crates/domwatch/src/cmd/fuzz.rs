//! `domwatch fuzz` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct FuzzArgs {}

pub fn run(_args: FuzzArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch fuzz` is not available in this build yet"))
}
