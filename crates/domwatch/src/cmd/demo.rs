//! `domwatch demo` (not built yet: the owner of this command replaces this file).

use std::process::ExitCode;

use crate::Global;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

pub fn run(_args: DemoArgs, _global: &Global) -> anyhow::Result<ExitCode> {
    Err(super::usage("`domwatch demo` is not available in this build yet"))
}
