//! `domwatch inspect` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct InspectArgs {}

pub fn run(_args: InspectArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch inspect` is not available in this build yet"))
}
