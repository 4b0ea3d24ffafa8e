//! Recall of the lookalike matcher on real phishing names: the JPCERT/CC phishing URL list
//! (<https://github.com/JPCERTCC/phishurl-list>, `YEAR/*.csv` files of `date,URL,description`).
//!
//! ```sh
//! cargo run --release -p domains --example jpcert_recall -- DATA_DIR [MISSES_FILE]
//! ```
//!
//! `DATA_DIR` holds the list's year folders (or CSV files directly). The numbers printed are the
//! ones recorded in BENCHMARKS.md; `MISSES_FILE`, when given, receives every resembling pair the
//! matcher missed (`host<TAB>brand`), for tuning. `bench/jpcert_recall.sh` wraps this.

mod eval;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The CSV files under `dir` (its own and those of its subfolders, one level down), sorted.
fn csv_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            for inner in std::fs::read_dir(&path)? {
                let inner = inner?.path();
                if inner.extension().is_some_and(|e| e == "csv") {
                    files.push(inner);
                }
            }
        } else if path.extension().is_some_and(|e| e == "csv") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn run() -> Result<(), String> {
    let mut args = std::env::args_os().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        return Err("usage: jpcert_recall DATA_DIR [MISSES_FILE]".into());
    };
    let misses_file = args.next().map(PathBuf::from);
    let files = csv_files(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if files.is_empty() {
        return Err(format!("{}: no CSV files found", dir.display()));
    }
    let mut text = String::new();
    let mut rows = 0usize;
    for f in &files {
        let bytes = std::fs::read(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let file_text = String::from_utf8_lossy(&bytes);
        // Each file starts with its header; `evaluate` skips lines of another shape, and the
        // header's description ("description") names no brand.
        rows += file_text.lines().count().saturating_sub(1);
        text.push_str(&file_text);
        text.push('\n');
    }
    let ev = eval::evaluate(text.lines())?;
    println!(
        "JPCERT/CC list: {} files, {rows} rows, from {}",
        files.len(),
        dir.display()
    );
    print!("{}", ev.report());
    for (h, b) in ev.misses.iter().take(40) {
        println!("  missed {h} ({b})");
    }
    if let Some(path) = misses_file {
        let out: String = ev
            .misses
            .iter()
            .map(|(h, b)| format!("{h}\t{b}\n"))
            .collect();
        std::fs::write(&path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jpcert_recall: {e}");
            ExitCode::from(2)
        }
    }
}
