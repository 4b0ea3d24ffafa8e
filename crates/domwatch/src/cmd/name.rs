//! `domwatch name`: parse names as domwatch does and show their forms.

use std::process::ExitCode;

use domains::DomainName;

use crate::output::Format;
use crate::{Global, cmd};

#[derive(Debug, clap::Args)]
pub struct NameArgs {
    /// Names in any form: `WwW.Example.COM.`, U-labels, `xn--` A-labels.
    #[arg(required = true)]
    names: Vec<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: NameArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let (list, _) = cmd::psl::suffix_list(global)?;
    let mut rows = Vec::new();
    for n in &args.names {
        let d = DomainName::parse(n).map_err(|e| cmd::usage(e.to_string()))?;
        rows.push(cmd::psl::lookup(list, &d));
    }
    cmd::psl::write_lookups(
        &args.names,
        &rows,
        args.format,
        &mut std::io::stdout().lock(),
    )?;
    Ok(ExitCode::SUCCESS)
}
