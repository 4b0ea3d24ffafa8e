//! `domwatch name`: parse names as domwatch does and show their forms.

use std::io::Write;
use std::process::ExitCode;

use domains::DomainName;

use crate::output::{Format, Table};
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
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for r in &rows {
                serde_json::to_writer(&mut out, r)?;
                writeln!(out)?;
            }
        }
        Format::List => {
            for r in &rows {
                writeln!(out, "{}", r.name)?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "name",
                "unicode",
                "icann_suffix",
                "icann_registrable",
                "suffix",
                "registrable",
            ])?;
            for r in &rows {
                w.write_record([
                    r.name.as_str(),
                    r.unicode.as_str(),
                    r.icann_suffix.as_deref().unwrap_or(""),
                    r.icann_registrable.as_deref().unwrap_or(""),
                    r.suffix.as_deref().unwrap_or(""),
                    r.registrable.as_deref().unwrap_or(""),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            let mut t = Table::new([
                "input",
                "A-label",
                "U-label",
                "public suffix",
                "registrable domain",
                "owner unit (with private suffixes)",
            ]);
            for (input, r) in args.names.iter().zip(&rows) {
                t.row([
                    input.clone(),
                    r.name.clone(),
                    r.unicode.clone(),
                    r.icann_suffix.clone().unwrap_or("-".into()),
                    r.icann_registrable.clone().unwrap_or("-".into()),
                    r.registrable.clone().unwrap_or("-".into()),
                ]);
            }
            t.write(&mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
