//! `domwatch psl`: which Public Suffix List is in use, look names up, install a newer list.
//!
//! The list in use is, in order: `--psl FILE` (or `DOMWATCH_PSL`), the list installed by
//! `domwatch psl update FILE` in the data directory, the copy embedded in the binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use domains::{DomainName, Section, SuffixList};
use serde::Serialize;

use crate::output::{Format, Table};
use crate::{Global, cmd};

#[derive(Debug, clap::Args)]
pub struct PslArgs {
    #[command(subcommand)]
    action: PslAction,
}

#[derive(Debug, clap::Subcommand)]
enum PslAction {
    /// Show which list is in use (source, version, rule count).
    Show {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Validate a list file and install it for every later run (no rebuild needed).
    Update {
        /// The new `public_suffix_list.dat`.
        file: PathBuf,
    },
    /// Show the public suffix and registrable domain of names, in both sections.
    Lookup {
        #[arg(required = true)]
        names: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Where the list in use came from.
#[derive(Debug, Clone, Serialize)]
pub struct PslSource {
    pub source: String,
    pub path: Option<PathBuf>,
    pub version: Option<String>,
    pub rules: usize,
}

const INSTALLED_NAME: &str = "public_suffix_list.dat";
/// The largest Public Suffix List read (the real one is about 300 KB).
const MAX_PSL_BYTES: u64 = 16 * 1024 * 1024;

fn installed_path(global: &Global) -> PathBuf {
    global.data_dir().join(INSTALLED_NAME)
}

/// Loads the list in use (see the module docs). A list given with `--psl` that cannot be read
/// is an error; a broken installed list is an error too (it was validated when installed, so
/// it has been tampered with).
pub fn suffix_list(global: &Global) -> anyhow::Result<(&'static SuffixList, PslSource)> {
    let (path, source) = match &global.psl {
        Some(p) => (Some(p.clone()), "--psl"),
        None => {
            let p = installed_path(global);
            if p.is_file() {
                (Some(p), "installed")
            } else {
                (None, "embedded")
            }
        }
    };
    let list: &'static SuffixList = match &path {
        Some(p) => {
            let text = cmd::read_side_text(p, MAX_PSL_BYTES)
                .map_err(|e| cmd::usage(format!("Public Suffix List: {e:#}")))?;
            let list = SuffixList::parse(&text)
                .map_err(|e| cmd::usage(format!("{}: {e}", p.display())))?;
            // One list per process, alive until exit.
            Box::leak(Box::new(list))
        }
        None => SuffixList::embedded(),
    };
    let info = PslSource {
        source: source.to_string(),
        path,
        version: list.version().map(str::to_string),
        rules: list.rule_count(),
    };
    Ok((list, info))
}

pub fn run(args: PslArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match args.action {
        PslAction::Show { format } => {
            let (_, info) = suffix_list(global)?;
            if format == Format::Json {
                serde_json::to_writer_pretty(&mut out, &info)?;
                writeln!(out)?;
            } else {
                let mut t = Table::new(["field", "value"]);
                t.row(["source".to_string(), info.source.clone()]);
                t.row([
                    "path".to_string(),
                    info.path
                        .as_ref()
                        .map_or("(built into the binary)".into(), |p| {
                            p.display().to_string()
                        }),
                ]);
                t.row([
                    "version".to_string(),
                    info.version.clone().unwrap_or("-".into()),
                ]);
                t.row(["rules".to_string(), info.rules.to_string()]);
                t.write(&mut out)?;
            }
        }
        PslAction::Update { file } => {
            let dest = installed_path(global);
            let rules = install(&file, &dest)?;
            writeln!(
                out,
                "installed {} ({rules} rules) as {}",
                file.display(),
                dest.display()
            )?;
        }
        PslAction::Lookup { names, format } => {
            let (list, _) = suffix_list(global)?;
            let mut rows = Vec::new();
            for n in &names {
                let d = DomainName::parse(n).map_err(|e| cmd::usage(e.to_string()))?;
                rows.push(lookup(list, &d));
            }
            write_lookups(&names, &rows, format, &mut out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes name splits in any format (`name` and `psl lookup` share it).
pub fn write_lookups(
    inputs: &[String],
    rows: &[Lookup],
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut *out, r)?;
                writeln!(out)?;
            }
        }
        Format::List => {
            for r in rows {
                writeln!(out, "{}", r.name)?;
            }
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record([
                "name",
                "unicode",
                "icann_suffix",
                "icann_registrable",
                "suffix",
                "registrable",
            ])?;
            for r in rows {
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
            for (input, r) in inputs.iter().zip(rows) {
                t.row([
                    input.clone(),
                    r.name.clone(),
                    r.unicode.clone(),
                    r.icann_suffix.clone().unwrap_or("-".into()),
                    r.icann_registrable.clone().unwrap_or("-".into()),
                    r.registrable.clone().unwrap_or("-".into()),
                ]);
            }
            t.write(out)?;
        }
    }
    Ok(())
}

/// One name's split, as `psl lookup` and `name` print it.
#[derive(Debug, Serialize)]
pub struct Lookup {
    pub name: String,
    pub unicode: String,
    pub icann_suffix: Option<String>,
    pub icann_registrable: Option<String>,
    pub suffix: Option<String>,
    pub registrable: Option<String>,
    pub private_suffix: bool,
    pub known_suffix: bool,
}

pub fn lookup(list: &SuffixList, d: &DomainName) -> Lookup {
    let icann = list.split(d.as_str(), Section::Icann);
    let all = list.split(d.as_str(), Section::All);
    Lookup {
        name: d.as_str().to_string(),
        unicode: d.to_unicode(),
        icann_suffix: icann.map(|s| s.suffix.to_string()),
        icann_registrable: icann.and_then(|s| s.registrable.map(str::to_string)),
        suffix: all.map(|s| s.suffix.to_string()),
        registrable: all.and_then(|s| s.registrable.map(str::to_string)),
        private_suffix: all.is_some_and(|s| s.private),
        known_suffix: all.is_some_and(|s| s.known),
    }
}

/// Validates `src` and copies it to `dest` atomically (write a temporary file, then rename).
fn install(src: &Path, dest: &Path) -> anyhow::Result<usize> {
    let text = cmd::read_side_text(src, MAX_PSL_BYTES)?;
    let list =
        SuffixList::parse(&text).map_err(|e| cmd::usage(format!("{}: {e}", src.display())))?;
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = dest.with_extension("dat.tmp");
    std::fs::write(&tmp, text.as_bytes()).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, dest).with_context(|| format!("installing {}", dest.display()))?;
    Ok(list.rule_count())
}
