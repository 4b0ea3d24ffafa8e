//! `domwatch name` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct NameArgs {}

pub fn run(_args: NameArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch name` is not available in this build yet"))
}
