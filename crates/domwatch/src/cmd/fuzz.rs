//! `domwatch fuzz`: the look-alike permutations of one domain (typos, homoglyphs, TLD swaps,
//! combosquats, fake nameserver domains...), one per line with the technique that made it.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use domains::DomainName;
use domains::fuzz::{FuzzOptions, Permutation, Technique, permutations};

use crate::output::{Format, Table};
use crate::{Global, cmd};

/// The largest word or TLD file read (bounds memory on a wrong file).
const MAX_LIST_FILE: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct FuzzArgs {
    /// The domain to permute, e.g. `example.co.jp` (any labels left of the registrable
    /// domain are kept).
    pub domain: String,
    /// Run only these techniques (repeat, or separate with commas). Default: addition,
    /// bitsquatting, cyrillic, homoglyph, hyphenation, insertion, omission, plural,
    /// repetition, replacement, subdomain, transposition, vowel-swap, dictionary, tld-swap,
    /// various, combosquat, brand-in-subdomain, numeral, keyboard-layout, romanization,
    /// fake-nameserver, vowel-swap-all, hosting. Not by default (large): double-replacement,
    /// letter-move, double-hyphen, replacement-any, addition-any.
    #[arg(
        long = "technique",
        short = 't',
        value_name = "T",
        value_delimiter = ','
    )]
    pub techniques: Vec<String>,
    /// Run every technique, the large families too.
    #[arg(long, conflicts_with = "techniques")]
    pub all: bool,
    /// TLD-swap candidates, one per line (`cc`, `co.jp`; `#` comments). Default: every IANA
    /// TLD, the ccSLDs of the domain's country and commercial ccSLDs (`co.uk`, `com.br`).
    #[arg(long, value_name = "FILE")]
    pub tld_file: Option<PathBuf>,
    /// Words for the dictionary technique, one per line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub dictionary: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// At most this many names.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

pub fn run(args: FuzzArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let domain = DomainName::parse(&args.domain).map_err(|e| cmd::usage(e.to_string()))?;
    let mut techniques = Vec::new();
    for t in &args.techniques {
        let t: Technique = t
            .parse()
            .map_err(|e| cmd::usage(format!("--technique: {e}")))?;
        if !techniques.contains(&t) {
            techniques.push(t);
        }
    }
    if args.all {
        techniques = Technique::all().to_vec();
    } else if techniques.is_empty() {
        techniques = Technique::defaults();
    }
    let tlds = match &args.tld_file {
        Some(p) => Some(read_list(p, "--tld-file")?),
        None => None,
    };
    let dictionary = match &args.dictionary {
        Some(p) => read_list(p, "--dictionary")?,
        None => Vec::new(),
    };
    let opts = FuzzOptions {
        techniques,
        tlds,
        dictionary,
        limit: args.limit,
    };
    let (list, _) = super::psl::suffix_list(global)?;
    let perms = permutations(&domain, list, &opts).map_err(|e| cmd::usage(e.to_string()))?;

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = write(&perms, args.format, &mut out).and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        // `domwatch fuzz ... | head` closes the pipe early: not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e).context("writing the output"),
    }
    if args.format == Format::Table {
        eprintln!("{}", summary(&domain, &perms));
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a one-item-per-line file: trims, skips blank lines and `#` comments.
fn read_list(path: &Path, flag: &str) -> anyhow::Result<Vec<String>> {
    let text = cmd::read_side_text(path, MAX_LIST_FILE)
        .map_err(|e| cmd::usage(format!("{flag}: {e:#}")))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

fn write(perms: &[Permutation], format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Table => {
            let mut t = Table::new(["technique", "name", "unicode"]);
            for p in perms {
                t.row([
                    p.technique.as_str().to_string(),
                    p.name.as_str().to_string(),
                    p.name.to_unicode(),
                ]);
            }
            t.write(out)
        }
        Format::List => {
            for p in perms {
                writeln!(out, "{}", p.name.as_str())?;
            }
            Ok(())
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, perms).map_err(json_io)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for p in perms {
                serde_json::to_writer(&mut *out, p).map_err(json_io)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(["name", "unicode", "technique"])
                .map_err(csv_io)?;
            for p in perms {
                w.write_record([p.name.as_str(), &p.name.to_unicode(), p.technique.as_str()])
                    .map_err(csv_io)?;
            }
            w.flush()
        }
    }
}

/// A CSV error as an I/O error, keeping the kind of an underlying I/O error (a closed pipe).
fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// A JSON error as an I/O error, keeping the kind of an underlying I/O error.
fn json_io(e: serde_json::Error) -> std::io::Error {
    match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind),
        None => std::io::Error::other(e),
    }
}

/// `1234 permutations of example.com: addition 30, homoglyph 2329, ...`
fn summary(domain: &DomainName, perms: &[Permutation]) -> String {
    let mut per: BTreeMap<usize, (Technique, usize)> = BTreeMap::new();
    for p in perms {
        let i = Technique::all()
            .iter()
            .position(|t| *t == p.technique)
            .unwrap_or(usize::MAX);
        per.entry(i).or_insert((p.technique, 0)).1 += 1;
    }
    let parts: Vec<String> = per
        .values()
        .map(|(t, n)| format!("{} {n}", t.as_str()))
        .collect();
    format!(
        "{} permutations of {}{}{}",
        perms.len(),
        domain.as_str(),
        if parts.is_empty() { "" } else { ": " },
        parts.join(", ")
    )
}
