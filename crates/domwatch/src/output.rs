//! Global options and the shared output machinery: formats, tables, progress bars, logging.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;

/// Options every command accepts.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Network configuration file (root hints, RDAP bootstrap, WHOIS hosts, address map), as
    /// written by `domwatch lab`. Without it the real internet defaults apply.
    #[arg(long, global = true, env = "DOMWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The store: an SQLite file (PATH or sqlite:PATH; default
    /// `$XDG_DATA_HOME/domwatch/domwatch.db`, or `~/.local/share/domwatch/domwatch.db`) or a
    /// PostgreSQL database (postgres://USER@HOST:PORT/DB; the PG* variables fill in the rest).
    #[arg(long, global = true, env = "DOMWATCH_DB", value_name = "STORE")]
    pub db: Option<PathBuf>,
    /// Public Suffix List file to use instead of the one installed by `psl update` or embedded.
    #[arg(long, global = true, env = "DOMWATCH_PSL", value_name = "FILE")]
    pub psl: Option<PathBuf>,
    /// Never show progress bars (they are already hidden when stderr is not a terminal).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Global {
    /// The directory where domwatch keeps its state (database, installed PSL, caches).
    pub fn data_dir(&self) -> PathBuf {
        if let Some(db) = &self.db
            && let Some(parent) = db.parent()
            && !parent.as_os_str().is_empty()
        {
            return parent.to_path_buf();
        }
        data_home().join("domwatch")
    }

    /// The database path.
    pub fn db_path(&self) -> PathBuf {
        self.db
            .clone()
            .unwrap_or_else(|| data_home().join("domwatch").join("domwatch.db"))
    }

    /// Whether progress bars may be drawn.
    pub fn progress_allowed(&self) -> bool {
        !self.no_progress && std::io::stderr().is_terminal()
    }
}

fn data_home() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if let Some(h) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h).join(".local").join("share");
    }
    PathBuf::from(".domwatch")
}

/// Output formats. Each command says which it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON document.
    Json,
    /// One JSON object per line, streamed.
    Jsonl,
    /// Comma-separated values with a header line.
    Csv,
    /// One name per line.
    List,
}

/// Sets up `tracing` on stderr; `RUST_LOG` overrides `-v`.
pub fn init_tracing(global: &Global) {
    // Without -v, the DNS library's own warnings (a garbage-spewing server produces one per
    // malformed packet) stay quiet: what the probe concludes is in the snapshot.
    let level = match global.verbose {
        0 => {
            "warn,hickory_proto=error,hickory_net=error,hickory_resolver=error,hickory_server=error"
        }
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Colour codes only on a terminal; every log line goes through the same control-character
    // filter as other output (a crafted file or host name cannot move the terminal).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(|| SanitizingStderr)
        .try_init();
}

/// stderr for log lines, with control characters other than newline and (on a terminal, for
/// the colour codes the formatter itself writes) ESC replaced.
struct SanitizingStderr;

impl std::io::Write for SanitizingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let keep_esc = std::io::stderr().is_terminal();
        let text = String::from_utf8_lossy(buf);
        let clean: String = text
            .chars()
            .map(|c| match c {
                '\n' | '\t' => c,
                '\u{1b}' if keep_esc => c,
                c if c.is_control() => '\u{FFFD}',
                c => c,
            })
            .collect();
        std::io::stderr().write_all(clean.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// A table for people: a header and rows, columns padded to the widest cell (in terminal columns),
/// control characters from untrusted input replaced so they cannot move the terminal.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<I, S>(header: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows
            .push(cells.into_iter().map(|c| sanitize(&c.into())).collect());
    }

    /// Writes the table; the last column is never padded.
    pub fn write(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let cols = self.header.len();
        let mut width = vec![0usize; cols];
        for r in std::iter::once(&self.header).chain(self.rows.iter()) {
            for (i, c) in r.iter().enumerate().take(cols) {
                width[i] = width[i].max(display_width(c));
            }
        }
        for r in std::iter::once(&self.header).chain(self.rows.iter()) {
            let mut line = String::new();
            for (i, c) in r.iter().enumerate().take(cols) {
                if i + 1 == cols {
                    line.push_str(c);
                } else {
                    line.push_str(c);
                    let pad = width[i].saturating_sub(display_width(c)) + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Columns a string takes on a terminal (CJK characters take two).
pub fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

pub use domains::text::sanitize;

/// A progress bar on stderr when allowed (a terminal and no `--no-progress`), else hidden.
pub fn progress_bar(global: &Global, len: Option<u64>, what: &str) -> indicatif::ProgressBar {
    if !global.progress_allowed() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match len {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let template = match len {
        Some(_) => "{spinner} {msg} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})",
        None => "{spinner} {msg} {pos} ({per_sec})",
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_and_sanitizes() {
        let mut t = Table::new(["name", "score"]);
        t.row(["a\x1b[31m", "9"]);
        t.row(["\u{202E}moc.evil", "1"]);
        t.row(["longer-name", "10"]);
        let mut out = Vec::new();
        t.write(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(!s.contains('\x1b'));
        assert!(!s.contains('\u{202E}'));
        assert_eq!(s.lines().next().unwrap(), "name         score");
        assert_eq!(s.lines().nth(3).unwrap(), "longer-name  10");
    }
}
