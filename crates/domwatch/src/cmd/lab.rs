//! `domwatch lab` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct LabArgs {}

pub fn run(_args: LabArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch lab` is not available in this build yet"))
}
