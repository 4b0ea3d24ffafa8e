//! `domwatch scan --zone-diff OLD NEW`: newly registered names from two copies of a zone file
//! (CZDS master files, gzip or plain).
//!
//! Memory stays bounded by the size of OLD, not by its text: pass 1 reads OLD's delegations
//! (`feed::LineParser::with_zone_delegations`) into a sorted vector of 64-bit keyed hashes
//! (SipHash with a random key per run, so nobody can pick a new name that collides with an old
//! one); pass 2 reads NEW and hands every delegation whose hash is not there to the matcher in
//! chunks (marking the old ones seen in a bit set); pass 3 reads OLD again and reports the
//! delegations NEW no longer has. About 9 bytes per delegation of OLD (a 160-million-name zone:
//! about 1.5 GB); NEW's added names are kept only as hashes, to report each once.

use std::collections::HashSet;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context;
use domains::feed::{FeedFormat, LineParser, MAX_LINE_LEN};
use domains::lookalike::{Hit, Matcher, Scratch};
use rayon::prelude::*;

use super::{
    CHUNK_NAMES, Chunk, Counters, CountingReader, JsonMeta, LineRead, maybe_gunzip, next_line,
};
use crate::Global;
use crate::output::{Format, Table};

/// What a zone diff found, for the shared end of `scan` (`--save`, `--open-cases`,
/// `--fail-on-hit`).
pub(super) struct Outcome {
    /// Added delegations (the names scanned).
    pub added: u64,
    pub hits: u64,
    /// Every hit, when `--save` or `--open-cases` asked for them.
    pub for_cases: Option<Vec<Hit>>,
}

/// Per-file numbers.
#[derive(Default, serde::Serialize)]
struct ZoneStats {
    path: String,
    lines: u64,
    bad_lines: u64,
    delegations: u64,
}

/// The delegations of OLD, as sorted distinct keyed hashes, and which of them NEW still has.
struct OldSet {
    hashes: Vec<u64>,
    seen: Vec<u64>,
}

impl OldSet {
    fn index(&self, h: u64) -> Option<usize> {
        self.hashes.binary_search(&h).ok()
    }

    fn mark(&mut self, i: usize) -> bool {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        let was = self.seen[w] & b != 0;
        self.seen[w] |= b;
        was
    }
}

/// Reads the delegations of one zone file; `f` gets each lower-cased name.
fn delegations(
    path: &str,
    counters: &Arc<Counters>,
    stats: &mut ZoneStats,
    mut f: impl FnMut(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file = File::open(path)
        .with_context(|| format!("opening zone file {path}"))
        .map_err(|e| super::cmd::usage(format!("{e:#}")))?;
    let reader: Box<dyn Read + Send> = Box::new(CountingReader {
        inner: file,
        counters: counters.clone(),
    });
    let mut r = maybe_gunzip(reader).with_context(|| format!("reading {path}"))?;
    let mut parser = LineParser::new(FeedFormat::Zone).with_zone_delegations(true);
    let mut buf = Vec::with_capacity(4096);
    let mut lower = String::new();
    loop {
        let line =
            next_line(&mut r, &mut buf, MAX_LINE_LEN).with_context(|| format!("reading {path}"))?;
        stats.lines += 1;
        let text = match line {
            LineRead::Eof => {
                stats.lines -= 1;
                return Ok(());
            }
            LineRead::TooLong => None,
            LineRead::Line => std::str::from_utf8(&buf).ok(),
        };
        let Some(text) = text else {
            stats.bad_lines += 1;
            continue;
        };
        let mut result = Ok(());
        let parsed = parser.names_from_line(text, &mut |n| {
            if result.is_err() {
                return;
            }
            stats.delegations += 1;
            lower.clear();
            lower.extend(n.chars().map(|c| c.to_ascii_lowercase()));
            result = f(&lower);
        });
        if parsed.is_err() {
            stats.bad_lines += 1;
        }
        result?;
    }
}

/// Writes added hits and removed delegations in the chosen format.
struct DiffOut {
    format: Format,
    hits: Vec<Hit>,
    removed: Vec<String>,
    csv_header: bool,
}

const CSV_HEADER: [&str; 7] = [
    "change",
    "name",
    "registrable",
    "brand",
    "score",
    "techniques",
    "explanation",
];

impl DiffOut {
    fn csv(&mut self, out: &mut dyn Write, row: [&str; 7]) -> anyhow::Result<()> {
        let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
        if !self.csv_header {
            w.write_record(CSV_HEADER)?;
            self.csv_header = true;
        }
        w.write_record(row)?;
        w.flush()?;
        Ok(())
    }

    fn hit(&mut self, h: &Hit, out: &mut dyn Write) -> anyhow::Result<()> {
        match self.format {
            Format::Jsonl => {
                #[derive(serde::Serialize)]
                struct Added<'a> {
                    change: &'static str,
                    #[serde(flatten)]
                    hit: &'a Hit,
                }
                serde_json::to_writer(
                    &mut *out,
                    &Added {
                        change: "added",
                        hit: h,
                    },
                )?;
                writeln!(out)?;
            }
            Format::List => writeln!(out, "{}", h.name)?,
            Format::Csv => self.csv(
                out,
                [
                    "added",
                    &h.name,
                    &h.registrable,
                    &h.brand,
                    &h.score.to_string(),
                    &h.techniques.join(" "),
                    &h.explanation,
                ],
            )?,
            Format::Json | Format::Table => self.hits.push(h.clone()),
        }
        Ok(())
    }

    fn removed(&mut self, name: &str, out: &mut dyn Write) -> anyhow::Result<()> {
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(
                    &mut *out,
                    &serde_json::json!({"change": "removed", "name": name}),
                )?;
                writeln!(out)?;
            }
            Format::List => {}
            Format::Csv => self.csv(out, ["removed", name, "", "", "", "", ""])?,
            Format::Json | Format::Table => self.removed.push(name.to_string()),
        }
        Ok(())
    }

    fn finish(
        &mut self,
        out: &mut dyn Write,
        meta: &JsonMeta<'_>,
        old: &ZoneStats,
        new: &ZoneStats,
        added: u64,
    ) -> anyhow::Result<()> {
        match self.format {
            Format::Json => {
                let report = serde_json::json!({
                    "lint": meta.lint,
                    "dropped": { "allow_lines": meta.allow_lines },
                    "old": old,
                    "new": new,
                    "added": added,
                    "hits": self.hits,
                    "removed": self.removed,
                });
                serde_json::to_writer_pretty(&mut *out, &report)?;
                writeln!(out)?;
            }
            Format::Table => {
                if self.hits.is_empty() && self.removed.is_empty() {
                    return Ok(());
                }
                self.hits.sort_by_key(|h| std::cmp::Reverse(h.score));
                let mut t = Table::new(["change", "score", "name", "brand", "explanation"]);
                for h in &self.hits {
                    t.row([
                        "added".to_string(),
                        h.score.to_string(),
                        h.name.clone(),
                        h.brand.clone(),
                        h.explanation.clone(),
                    ]);
                }
                for r in &self.removed {
                    t.row([
                        "removed".to_string(),
                        String::new(),
                        r.clone(),
                        String::new(),
                        String::new(),
                    ]);
                }
                t.write(out)?;
            }
            Format::Csv if !self.csv_header => {
                let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
                w.write_record(CSV_HEADER)?;
                w.flush()?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// Matches one chunk of added names and writes its hits.
fn match_chunk(
    chunk: &Chunk,
    matcher: &Matcher<'_>,
    diff: &mut DiffOut,
    for_cases: &mut Option<Vec<Hit>>,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let hits: Vec<Hit> = (0..chunk.len())
        .into_par_iter()
        .with_min_len(1024)
        .map_init(Scratch::new, |s, i| matcher.check(chunk.name(i), s))
        .flatten()
        .collect();
    for h in &hits {
        diff.hit(h, out)?;
    }
    if let Some(v) = for_cases.as_mut() {
        let room = super::MAX_CASE_HITS.saturating_sub(v.len());
        v.extend(hits.iter().take(room).cloned());
    }
    out.flush()?;
    Ok(hits.len() as u64)
}

pub(super) fn run(
    old_path: &str,
    new_path: &str,
    format: Format,
    keep_hits: bool,
    matcher: &Matcher<'_>,
    meta: &JsonMeta<'_>,
    global: &Global,
) -> anyhow::Result<Outcome> {
    // Both files must open before OLD is read once.
    for p in [old_path, new_path] {
        File::open(p)
            .with_context(|| format!("opening zone file {p}"))
            .map_err(|e| super::cmd::usage(format!("{e:#}")))?;
    }
    let size = |p: &str| std::fs::metadata(p).map(|m| m.len()).ok();
    let total = match (size(old_path), size(new_path)) {
        (Some(o), Some(n)) => Some(2 * o + n),
        _ => None,
    };
    let bar = crate::output::progress_bar(global, total, "zone diff (bytes)");
    let counters = Arc::new(Counters::default());
    let keys = RandomState::new();
    let started = std::time::Instant::now();

    // Pass 1: OLD's delegations.
    let mut old = ZoneStats {
        path: old_path.to_string(),
        ..ZoneStats::default()
    };
    let mut hashes = Vec::new();
    delegations(old_path, &counters, &mut old, |n| {
        hashes.push(keys.hash_one(n));
        if hashes.len() % 65536 == 0 {
            bar.set_position(counters.bytes.load(Ordering::Relaxed));
        }
        Ok(())
    })?;
    hashes.sort_unstable();
    hashes.dedup();
    hashes.shrink_to_fit();
    let words = hashes.len().div_ceil(64);
    let mut set = OldSet {
        hashes,
        seen: vec![0; words],
    };

    // Pass 2: NEW's delegations not in OLD, matched in chunks.
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut diff = DiffOut {
        format,
        hits: Vec::new(),
        removed: Vec::new(),
        csv_header: false,
    };
    let mut for_cases = keep_hits.then(Vec::new);
    let mut new = ZoneStats {
        path: new_path.to_string(),
        ..ZoneStats::default()
    };
    let mut added_seen: HashSet<u64> = HashSet::new();
    let mut chunk = Chunk::default();
    let mut hits = 0u64;
    delegations(new_path, &counters, &mut new, |n| {
        let h = keys.hash_one(n);
        match set.index(h) {
            Some(i) => {
                set.mark(i);
            }
            None => {
                if added_seen.insert(h) {
                    chunk.push(n);
                }
                if chunk.len() >= CHUNK_NAMES {
                    hits += match_chunk(&chunk, matcher, &mut diff, &mut for_cases, &mut out)?;
                    chunk = Chunk::default();
                    bar.set_position(counters.bytes.load(Ordering::Relaxed));
                }
            }
        }
        Ok(())
    })?;
    if chunk.len() > 0 {
        hits += match_chunk(&chunk, matcher, &mut diff, &mut for_cases, &mut out)?;
    }
    let added = added_seen.len() as u64;
    drop(added_seen);

    // Pass 3: OLD's delegations NEW does not have (each reported once).
    let mut again = ZoneStats::default();
    let mut removed = 0u64;
    delegations(old_path, &counters, &mut again, |n| {
        if let Some(i) = set.index(keys.hash_one(n))
            && !set.mark(i)
        {
            removed += 1;
            diff.removed(n, &mut out)?;
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    diff.finish(&mut out, meta, &old, &new, added)?;
    out.flush()?;
    drop(out);
    if format == Format::Table || io::IsTerminal::is_terminal(&io::stderr()) || global.verbose > 0 {
        eprintln!(
            "zone diff: {} delegations in {} ({} bad lines), {} in {} ({} bad lines): {added} added (scanned), {removed} removed; {hits} hits in {:.2} s",
            set.hashes.len(),
            crate::output::sanitize(old_path),
            old.bad_lines,
            new.delegations,
            crate::output::sanitize(new_path),
            new.bad_lines,
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(Outcome {
        added,
        hits,
        for_cases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_set_marks_each_index_once() {
        let mut s = OldSet {
            hashes: vec![3, 7, 9],
            seen: vec![0],
        };
        assert_eq!(s.index(7), Some(1));
        assert_eq!(s.index(8), None);
        assert!(!s.mark(1));
        assert!(s.mark(1));
        assert!(!s.mark(2));
    }
}
