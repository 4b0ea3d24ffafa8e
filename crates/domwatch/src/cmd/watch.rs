//! `domwatch watch` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct WatchArgs {}

pub fn run(_args: WatchArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch watch` is not available in this build yet"))
}
