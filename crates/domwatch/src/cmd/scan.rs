//! `domwatch scan`: find names that imitate your brands in feeds.
//!
//! Feeds (files or stdin, gzip detected by its magic bytes) are read line by line on one thread
//! and parsed with `domains::feed` into chunks of names; each chunk is matched on all cores
//! (rayon, one `Scratch` per worker) with `domains::lookalike`, and hits are written by the
//! main thread **in input order** (`table` sorts by score at the end). `--format jsonl`, `csv`
//! and `list` stream (memory stays flat however long the feed); `json` and `table` keep the hits
//! (not the names) until the end. A bad line is counted and skipped, never fatal.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Instant;

use anyhow::Context;
use domains::DomainName;
use domains::feed::{self, FeedFormat, LineParser, MAX_LINE_LEN};
use domains::lookalike::{
    Allowlist, Brand, BrandIndex, BrandLint, DEFAULT_MIN_SCORE, Hit, IndexOptions, Matcher,
    Popularity, Scratch,
};
use rayon::prelude::*;

use crate::output::{Format, Table};
use crate::{Global, cmd};

mod zonediff;

/// The CSV columns of a hit.
const CSV_HEADER: [&str; 6] = [
    "name",
    "registrable",
    "brand",
    "score",
    "techniques",
    "explanation",
];

/// Names per chunk handed to the matcher.
const CHUNK_NAMES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Decide from the first lines of each feed.
    Auto,
    /// One name per line.
    List,
    /// One URL per line.
    Url,
    /// Zone file in master format.
    Zone,
    /// Certificate Transparency JSON lines (certstream `all_domains`).
    Ct,
    /// CSV with a header; the column is chosen with `--column`.
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// A brand domain to protect (repeatable), e.g. `--brand amazon.co.jp`.
    #[arg(long = "brand", value_name = "DOMAIN")]
    brands: Vec<String>,
    /// A file of brands, one a line: `domain [token,token...]` (tokens are extra strings that
    /// stand for the brand, e.g. `ucscard.co.jp ucs-card`).
    #[arg(long = "brands", value_name = "FILE")]
    brand_files: Vec<PathBuf>,
    /// Names never reported: a plain list (`example.com` for that name, `*.example.com` or
    /// `.example.com` for it and everything below) or a MISP warning list JSON (repeatable).
    /// The brands' own domains and their subdomains are always allowed.
    #[arg(long = "allow", value_name = "FILE")]
    allow: Vec<PathBuf>,
    /// Lowest score reported (0-100).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MIN_SCORE,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    min_score: u8,
    /// Output format (jsonl, csv and list stream; table and json print at the end).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Layout of the feeds.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// CSV column holding names or URLs (with `--input-format csv`; auto-detection looks for
    /// `domain`, `name`, `host`, `hostname`, `fqdn`, `url`).
    #[arg(long, value_name = "NAME", default_value = "domain")]
    column: String,
    /// Zone files: also check the targets of NS, CNAME and MX records (fake name servers such
    /// as `ns-650.awsdns-017.net` appear there), not only the owner names.
    #[arg(long)]
    zone_targets: bool,
    /// Do not lower the score of popular domains (the embedded Tranco top 10k).
    #[arg(long)]
    no_popularity: bool,
    /// Exit with code 1 when anything was found.
    #[arg(long)]
    fail_on_hit: bool,
    /// Open a coordination case for each lookalike found (one per registrable domain and
    /// brand; scanning the same names again adds nothing), in the store of --db, at the end
    /// of the scan.
    #[arg(long)]
    open_cases: bool,
    /// Keep the hits in the store of --db (the console's lookalike page and scans API show
    /// them); a scan stopped by an error is kept as failed, with the hits found before.
    #[arg(long)]
    save: bool,
    /// Publish every hit as a JSON message (`"type": "hit"` and the hit's fields) to a NATS
    /// JetStream subject, `nats://[USER:PASS@]HOST:PORT/SUBJECT` or `tls://...`, at the end
    /// of the scan; a stream must capture the subject. Each message's id is the name and brand,
    /// so a rescan within the stream's duplicate window publishes nothing twice.
    #[arg(long, value_name = "URL")]
    publish: Option<service::nats::NatsTarget>,
    /// Newly registered names: read two copies of a zone file (CZDS master files, gzip or
    /// plain) and scan only the names delegated in NEW and not in OLD; delegations NEW no
    /// longer has are reported as removed (jsonl: one object per added hit or removed
    /// delegation, with "change").
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"],
          conflicts_with_all = ["feeds", "zone_targets"])]
    zone_diff: Option<Vec<String>>,
    /// Feeds to read (`-` or nothing: stdin). Gzip is detected.
    #[arg(value_name = "FEED")]
    feeds: Vec<String>,
}

/// Counters shared with the reader thread.
#[derive(Default)]
struct Counters {
    lines: AtomicU64,
    bad: AtomicU64,
    names: AtomicU64,
    bytes: AtomicU64,
    /// Names past the per-line cap (CT entries with more than 1,000 names).
    dropped: AtomicU64,
}

struct CountingReader<R> {
    inner: R,
    counters: Arc<Counters>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Names of one chunk, concatenated.
#[derive(Default)]
struct Chunk {
    text: String,
    ends: Vec<u32>,
}

impl Chunk {
    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len() as u32);
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn name(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }
}

struct Feed {
    label: String,
    reader: Box<dyn Read + Send>,
    /// Stdin: may be a live stream (certstream), so chunks are handed over as soon as the
    /// input pauses.
    live: bool,
}

/// The largest `--allow` file.
const MAX_ALLOW_BYTES: u64 = 64 * 1024 * 1024;
/// The largest `--brands` file.
const MAX_BRANDS_BYTES: u64 = 16 * 1024 * 1024;

pub fn run(args: ScanArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let (psl, _) = cmd::psl::suffix_list(global)?;
    let brands = load_brands(&args)?;
    if brands.is_empty() {
        return Err(cmd::usage(
            "no brands: give at least one --brand DOMAIN or --brands FILE",
        ));
    }
    let mut allow = Allowlist::new();
    let mut allow_junk = 0u64;
    for p in &args.allow {
        let text = cmd::read_side_text(p, MAX_ALLOW_BYTES)
            .map_err(|e| cmd::usage(format!("--allow: {e:#}")))?;
        if text.trim_start().starts_with('{') {
            allow
                .extend_from_text(&text)
                .map_err(|e| cmd::usage(format!("{}: {e}", p.display())))?;
            continue;
        }
        // A plain list: lines that are not domain names are counted and reported, never
        // silently ignored.
        let mut junk: Vec<(usize, &str)> = Vec::new();
        let mut junk_count = 0usize;
        for (i, line) in text.lines().enumerate() {
            let l = line.split('#').next().unwrap_or("").trim();
            if !l.is_empty() && !allow.insert(l) {
                junk_count += 1;
                if junk.len() < 3 {
                    junk.push((i + 1, l));
                }
            }
        }
        allow_junk += junk_count as u64;
        if junk_count > 0 {
            let first = junk
                .iter()
                .map(|(n, l)| format!("line {n} {:?}", l.chars().take(60).collect::<String>()))
                .collect::<Vec<_>>()
                .join(", ");
            eprintln!(
                "domwatch: --allow {}: {junk_count} line{} not a domain name, ignored ({first})",
                crate::output::sanitize(&p.display().to_string()),
                if junk_count == 1 { " is" } else { "s are" },
            );
        }
    }
    let popular = if args.no_popularity {
        Popularity::none()
    } else {
        Popularity::embedded()
    };
    let index = BrandIndex::build(&brands, psl, &IndexOptions::default());
    if index.is_empty() {
        return Err(cmd::usage("none of the brands has a registrable domain"));
    }
    print_lint(index.lint());
    let matcher = Matcher::new(&index, psl, &allow, &popular).with_min_score(args.min_score);
    if let Some([old, new]) = args.zone_diff.as_deref() {
        let started_at = jiff::Timestamp::now();
        let keep = args.open_cases || args.save || args.publish.is_some();
        let meta = JsonMeta {
            lint: index.lint(),
            allow_lines: allow_junk,
        };
        let o = match zonediff::run(old, new, args.format, keep, &matcher, &meta, global) {
            Ok(o) => o,
            Err(e) if cmd::is_broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
            Err(e) => return Err(cmd::usage(format!("{e:#}"))),
        };
        if let Some(hits) = o.for_cases {
            if let Some(target) = &args.publish {
                publish_hits(target, &hits, global)?;
            }
            if args.save {
                let names = o.added as usize;
                save_scan(&args, brands.len(), names, &hits, None, started_at, global)?;
            }
            if args.open_cases {
                open_cases(hits, psl, global)?;
            }
        }
        if args.fail_on_hit && o.hits > 0 {
            return Ok(ExitCode::from(1));
        }
        return Ok(ExitCode::SUCCESS);
    }

    // Open every feed first so that a missing file fails before any output.
    let counters = Arc::new(Counters::default());
    let mut feeds = Vec::new();
    let mut total_size = Some(0u64);
    let names: Vec<String> = if args.feeds.is_empty() {
        vec!["-".to_string()]
    } else {
        args.feeds.clone()
    };
    for f in &names {
        let raw: Box<dyn Read + Send> = if f == "-" {
            total_size = None;
            Box::new(io::stdin())
        } else {
            let file = File::open(f)
                .with_context(|| format!("opening feed {f}"))
                .map_err(|e| cmd::usage(format!("{e:#}")))?;
            match file.metadata().map(|m| m.len()) {
                Ok(n) => total_size = total_size.map(|t| t + n),
                Err(_) => total_size = None,
            }
            Box::new(file)
        };
        feeds.push(Feed {
            live: f == "-",
            label: f.clone(),
            reader: Box::new(CountingReader {
                inner: raw,
                counters: counters.clone(),
            }),
        });
    }

    let input_format = match args.input_format {
        InputFormat::Auto => FeedFormat::Auto,
        InputFormat::List => FeedFormat::List,
        InputFormat::Url => FeedFormat::Url,
        InputFormat::Zone => FeedFormat::Zone,
        InputFormat::Ct => FeedFormat::CtJson,
        InputFormat::Csv => FeedFormat::Csv {
            column: args.column.clone(),
        },
    };

    let bar = crate::output::progress_bar(global, total_size, "scanning (bytes)");
    let started = Instant::now();
    let (tx, rx) = sync_channel::<Chunk>(3);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut sink = Sink::new(args.format);
    sink.lint = index.lint().to_vec();
    sink.allow_junk = allow_junk;
    if args.open_cases || args.save || args.publish.is_some() {
        sink.for_cases = Some(Vec::new());
    }
    let started_at = jiff::Timestamp::now();
    let result = std::thread::scope(|scope| -> anyhow::Result<()> {
        let reader_counters = counters.clone();
        let zone_targets = args.zone_targets;
        let reader = scope
            .spawn(move || read_feeds(feeds, &input_format, zone_targets, &reader_counters, tx));
        let written = match_chunks(&rx, &matcher, &mut sink, &mut out, &counters, &bar);
        // Unblock the reader if writing failed (e.g. a closed pipe).
        drop(rx);
        let read = reader
            .join()
            .map_err(|_| anyhow::anyhow!("the feed reader thread panicked"))?;
        written?;
        read
    });
    bar.finish_and_clear();
    match result {
        Ok(()) => {}
        Err(e) if cmd::is_broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
        Err(e) => {
            // A feed failed part-way (a truncated gzip file, a directory): the hits already
            // found are printed in every format, then the error (exit 2).
            let shown = sink
                .finish(&mut out, &counters)
                .and_then(|()| Ok(out.flush()?));
            if let Err(w) = shown
                && cmd::is_broken_pipe(&w)
            {
                return Ok(ExitCode::SUCCESS);
            }
            drop(out);
            summary(&args, global, &counters, &sink, started);
            if args.save {
                let hits = sink.for_cases.take().unwrap_or_default();
                let names = counters.names.load(Ordering::Relaxed) as usize;
                save_scan(
                    &args,
                    brands.len(),
                    names,
                    &hits,
                    Some(&e),
                    started_at,
                    global,
                )?;
            }
            return Err(cmd::usage(format!("{e:#}")));
        }
    }
    sink.finish(&mut out, &counters)?;
    if let Err(e) = out.flush() {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e.into());
    }
    drop(out);
    summary(&args, global, &counters, &sink, started);
    if let Some(hits) = sink.for_cases.take() {
        if let Some(target) = &args.publish {
            publish_hits(target, &hits, global)?;
        }
        if args.save {
            save_scan(
                &args,
                brands.len(),
                counters.names.load(Ordering::Relaxed) as usize,
                &hits,
                None,
                started_at,
                global,
            )?;
        }
        if args.open_cases {
            open_cases(hits, psl, global)?;
        }
    }
    if args.fail_on_hit && sink.hits > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--publish`: every hit to a NATS JetStream subject.
fn publish_hits(
    target: &service::nats::NatsTarget,
    hits: &[Hit],
    global: &Global,
) -> anyhow::Result<()> {
    let messages = hits
        .iter()
        .map(|h| {
            let mut v = serde_json::to_value(h)?;
            if let Some(o) = v.as_object_mut() {
                o.insert("type".into(), "hit".into());
            }
            Ok((format!("domwatch-hit-{}-{}", h.name, h.brand), v))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    publish_json(target, &messages, global)
}

/// Publishes `(message id, JSON)` pairs to a NATS JetStream subject, every acknowledgement
/// awaited (also for `beacons --publish`).
pub(crate) fn publish_json(
    target: &service::nats::NatsTarget,
    messages: &[(String, serde_json::Value)],
    global: &Global,
) -> anyhow::Result<()> {
    let rt = cmd::runtime()?;
    let n = rt
        .block_on(async {
            let p = service::nats::Publisher::connect(target).await?;
            p.publish_all(messages).await
        })
        .map_err(cmd::service_err)?;
    if global.verbose > 0 || io::stderr().is_terminal() {
        eprintln!("published {n} message(s) to {target}");
    }
    Ok(())
}

/// `--save`: the scan and its hits into the store.
fn save_scan(
    args: &ScanArgs,
    brands: usize,
    names: usize,
    hits: &[Hit],
    error: Option<&anyhow::Error>,
    started: jiff::Timestamp,
    global: &Global,
) -> anyhow::Result<()> {
    let source = if let Some([old, new]) = args.zone_diff.as_deref() {
        format!("zone diff {old} -> {new}")
    } else if args.feeds.is_empty() {
        "stdin".to_string()
    } else {
        args.feeds.join(", ")
    };
    let error = error.map(|e| format!("{e:#}"));
    let mut store = cmd::watch::open_store(global)?;
    let rec = service::scans::store_scan(
        &mut store,
        &service::scans::FinishedScan {
            source: &source,
            submitted_by: None,
            brands,
            names,
            hits,
            error: error.as_deref(),
            started,
        },
    )
    .map_err(cmd::service_err)?;
    if global.verbose > 0 || io::stderr().is_terminal() {
        eprintln!("saved as scan {} ({} hits)", rec.id, rec.hits);
    }
    Ok(())
}

/// The summary line on stderr (table format, a terminal, or `-v`); names dropped past the
/// per-line cap are always reported.
fn summary(args: &ScanArgs, global: &Global, counters: &Counters, sink: &Sink, started: Instant) {
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    let names_read = counters.names.load(Ordering::Relaxed);
    let dropped = counters.dropped.load(Ordering::Relaxed);
    let dropped_text = if dropped > 0 {
        format!(
            ", {dropped} names dropped past {} in one line",
            domains::feed::MAX_NAMES_PER_LINE
        )
    } else {
        String::new()
    };
    if args.format == Format::Table || io::stderr().is_terminal() || global.verbose > 0 {
        eprintln!(
            "scanned {} names from {} lines ({} bad lines skipped{dropped_text}) in {:.2} s: {} hits, {:.0} names/s",
            names_read,
            counters.lines.load(Ordering::Relaxed),
            counters.bad.load(Ordering::Relaxed),
            secs,
            sink.hits,
            names_read as f64 / secs,
        );
    } else if dropped > 0 {
        eprintln!("domwatch: {}", dropped_text.trim_start_matches(", "));
    }
}

/// The most brand-lint lines printed on stderr (all of them are in `--format json`).
const MAX_LINT_LINES: usize = 20;

/// The brand-list lint, once, on stderr: which brands are generic words, too short or
/// host-name labels, and how each is matched.
pub(crate) fn print_lint(lint: &[BrandLint]) {
    if lint.is_empty() {
        return;
    }
    eprintln!(
        "brand list: {} brand string(s) matched with care (all in --format json's \"lint\"):",
        lint.len()
    );
    for l in lint.iter().take(MAX_LINT_LINES) {
        eprintln!(
            "  {} [{}] {}",
            crate::output::sanitize(&l.brand),
            l.mode.as_str(),
            crate::output::sanitize(&l.note)
        );
    }
    if lint.len() > MAX_LINT_LINES {
        eprintln!("  ... and {} more", lint.len() - MAX_LINT_LINES);
    }
}

/// `--open-cases`: one report per lookalike (source `scan`), keyed by its registrable domain
/// and brand so that scanning again adds nothing.
fn open_cases(hits: Vec<Hit>, psl: &domains::SuffixList, global: &Global) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let reports =
        service::scans::hit_reports(&hits, psl, "scan", "domwatch scan", "lookalike", now);
    let mut store = cmd::watch::open_store(global)?;
    let o = store
        .add_reports(&reports, &cmd::case::actor(), now, |_| {})
        .map_err(cmd::case::store_err)?;
    eprintln!(
        "cases: {} lookalike(s) reported, {} already known; {} case(s) opened, {} reopened",
        o.added, o.known, o.cases_opened, o.cases_reopened
    );
    Ok(())
}

fn load_brands(args: &ScanArgs) -> anyhow::Result<Vec<Brand>> {
    let mut brands = Vec::new();
    for b in &args.brands {
        let d = DomainName::parse(b).map_err(|e| cmd::usage(format!("--brand: {e}")))?;
        brands.push(Brand::new(d));
    }
    for p in &args.brand_files {
        let text = cmd::read_side_text(p, MAX_BRANDS_BYTES)
            .map_err(|e| cmd::usage(format!("--brands: {e:#}")))?;
        let list =
            Brand::parse_list(&text).map_err(|e| cmd::usage(format!("{}: {e}", p.display())))?;
        brands.extend(list);
    }
    Ok(brands)
}

pub(crate) enum LineRead {
    Line,
    TooLong,
    Eof,
}

/// Reads one line (without the newline) into `buf`, keeping at most `max` bytes: a longer line
/// is consumed and reported as `TooLong` without buffering it.
pub(crate) fn next_line(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<LineRead> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(match (any, too_long) {
                (false, _) => LineRead::Eof,
                (true, true) => LineRead::TooLong,
                (true, false) => LineRead::Line,
            });
        }
        any = true;
        match memchr::memchr(b'\n', avail) {
            Some(i) => {
                if !too_long {
                    if buf.len() + i > max {
                        too_long = true;
                        buf.clear();
                    } else {
                        buf.extend_from_slice(&avail[..i]);
                    }
                }
                r.consume(i + 1);
                return Ok(if too_long {
                    LineRead::TooLong
                } else {
                    LineRead::Line
                });
            }
            None => {
                let n = avail.len();
                if !too_long {
                    if buf.len() + n > max {
                        too_long = true;
                        buf.clear();
                    } else {
                        buf.extend_from_slice(avail);
                    }
                }
                r.consume(n);
            }
        }
    }
}

/// Wraps a reader in a gzip decoder when it starts with the gzip magic bytes.
pub(crate) fn maybe_gunzip(
    reader: Box<dyn Read + Send>,
) -> io::Result<BufReader<Box<dyn Read + Send>>> {
    let mut br = BufReader::with_capacity(1 << 20, reader);
    let head = br.fill_buf()?;
    if head.len() >= 2 && head[0] == 0x1f && head[1] == 0x8b {
        Ok(BufReader::with_capacity(
            1 << 20,
            Box::new(flate2::bufread::MultiGzDecoder::new(br)),
        ))
    } else {
        Ok(br)
    }
}

fn read_feeds(
    feeds: Vec<Feed>,
    format: &FeedFormat,
    zone_targets: bool,
    counters: &Counters,
    tx: SyncSender<Chunk>,
) -> anyhow::Result<()> {
    let mut chunk = Chunk::default();
    let r = read_feeds_into(feeds, format, zone_targets, counters, &tx, &mut chunk);
    // Also after an error: the names read before it are matched and their hits printed.
    if chunk.len() > 0 {
        let _ = tx.send(chunk);
    }
    r
}

fn read_feeds_into(
    feeds: Vec<Feed>,
    format: &FeedFormat,
    zone_targets: bool,
    counters: &Counters,
    tx: &SyncSender<Chunk>,
    chunk: &mut Chunk,
) -> anyhow::Result<()> {
    for feed in feeds {
        let mut r = maybe_gunzip(feed.reader).with_context(|| format!("reading {}", feed.label))?;
        let mut buf = Vec::with_capacity(4096);
        // Resolve `auto` from the first lines.
        let mut head: Vec<Vec<u8>> = Vec::new();
        let mut head_too_long = Vec::new();
        let mut eof = false;
        if *format == FeedFormat::Auto {
            while head.len() < 20 {
                match next_line(&mut r, &mut buf, MAX_LINE_LEN)
                    .with_context(|| format!("reading {}", feed.label))?
                {
                    LineRead::Eof => {
                        eof = true;
                        break;
                    }
                    LineRead::Line => {
                        head.push(buf.clone());
                        head_too_long.push(false);
                    }
                    LineRead::TooLong => {
                        head.push(Vec::new());
                        head_too_long.push(true);
                    }
                }
            }
        }
        let fmt = if *format == FeedFormat::Auto {
            let texts: Vec<&str> = head
                .iter()
                .filter_map(|l| std::str::from_utf8(l).ok())
                .collect();
            feed::detect(texts.iter().copied())
        } else {
            format.clone()
        };
        tracing::info!(feed = %crate::output::sanitize(&feed.label), format = ?fmt, "reading feed");
        let mut parser = LineParser::new(fmt).with_zone_targets(zone_targets);
        let mut dropped_before = 0u64;
        let mut handle = |line: Option<&[u8]>, chunk: &mut Chunk| {
            counters.lines.fetch_add(1, Ordering::Relaxed);
            let ok = match line.map(std::str::from_utf8) {
                Some(Ok(s)) => {
                    let before = chunk.len();
                    let r = parser.names_from_line(s, &mut |n| chunk.push(n));
                    counters
                        .names
                        .fetch_add((chunk.len() - before) as u64, Ordering::Relaxed);
                    let d = parser.dropped();
                    counters
                        .dropped
                        .fetch_add(d - dropped_before, Ordering::Relaxed);
                    dropped_before = d;
                    r.is_ok()
                }
                _ => false,
            };
            if !ok {
                counters.bad.fetch_add(1, Ordering::Relaxed);
            }
        };
        for (l, too_long) in head.iter().zip(&head_too_long) {
            handle((!too_long).then_some(l.as_slice()), chunk);
        }
        while !eof {
            match next_line(&mut r, &mut buf, MAX_LINE_LEN)
                .with_context(|| format!("reading {}", feed.label))?
            {
                LineRead::Eof => eof = true,
                LineRead::Line => handle(Some(&buf), chunk),
                LineRead::TooLong => handle(None, chunk),
            }
            // A live stream (stdin) must not wait for a full chunk: when everything read so
            // far is parsed, hand over what there is before the next read blocks.
            if chunk.len() >= CHUNK_NAMES || (feed.live && chunk.len() > 0 && r.buffer().is_empty())
            {
                let full = std::mem::take(chunk);
                if tx.send(full).is_err() {
                    return Ok(()); // the writer stopped (e.g. a closed pipe)
                }
            }
        }
    }
    Ok(())
}

fn match_chunks(
    rx: &Receiver<Chunk>,
    matcher: &Matcher<'_>,
    sink: &mut Sink,
    out: &mut dyn Write,
    counters: &Counters,
    bar: &indicatif::ProgressBar,
) -> anyhow::Result<()> {
    for chunk in rx.iter() {
        let hits: Vec<Hit> = (0..chunk.len())
            .into_par_iter()
            .with_min_len(1024)
            .map_init(Scratch::new, |s, i| matcher.check(chunk.name(i), s))
            .flatten()
            .collect();
        for h in hits {
            sink.hit(h, out)?;
        }
        out.flush()?;
        bar.set_position(counters.bytes.load(Ordering::Relaxed));
    }
    Ok(())
}

/// Writes hits in the chosen format.
struct Sink {
    format: Format,
    hits: u64,
    kept: Vec<Hit>,
    csv_header: bool,
    /// For `--open-cases`: every hit (at most [`MAX_CASE_HITS`]).
    for_cases: Option<Vec<Hit>>,
    /// The brand-list lint, for `--format json`'s metadata.
    lint: Vec<BrandLint>,
    /// `--allow` lines that are not a domain name, for `--format json`'s `dropped`.
    allow_junk: u64,
}

/// What `--format json` reports beside the hits: the brand-list lint and what was dropped.
pub(crate) struct JsonMeta<'a> {
    pub lint: &'a [BrandLint],
    /// `--allow` lines that are not a domain name (ignored).
    pub allow_lines: u64,
}

/// `--format json`'s `dropped`: what the scan could not use, also reported on stderr.
#[derive(serde::Serialize)]
struct Dropped {
    /// Names past the [`domains::feed::MAX_NAMES_PER_LINE`]th of one line (CT entries).
    names_past_line_limit: u64,
    /// That limit.
    line_limit: usize,
    /// Feed lines skipped: not a name, not UTF-8, or longer than the line limit.
    bad_lines: u64,
    /// `--allow` lines that are not a domain name (ignored).
    allow_lines: u64,
}

/// The most hits `--open-cases` keeps from one scan.
const MAX_CASE_HITS: usize = 1_000_000;

impl Sink {
    fn new(format: Format) -> Sink {
        Sink {
            format,
            hits: 0,
            kept: Vec::new(),
            csv_header: false,
            for_cases: None,
            lint: Vec::new(),
            allow_junk: 0,
        }
    }

    fn hit(&mut self, h: Hit, out: &mut dyn Write) -> anyhow::Result<()> {
        self.hits += 1;
        if let Some(v) = self.for_cases.as_mut()
            && v.len() < MAX_CASE_HITS
        {
            v.push(h.clone());
        }
        match self.format {
            Format::Jsonl => {
                serde_json::to_writer(&mut *out, &h)?;
                writeln!(out)?;
            }
            Format::List => writeln!(out, "{}", h.name)?,
            Format::Csv => {
                let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
                if !self.csv_header {
                    w.write_record(CSV_HEADER)?;
                    self.csv_header = true;
                }
                w.write_record([
                    h.name.as_str(),
                    h.registrable.as_str(),
                    h.brand.as_str(),
                    &h.score.to_string(),
                    &h.techniques.join(" "),
                    h.explanation.as_str(),
                ])?;
                w.flush()?;
            }
            Format::Json | Format::Table => self.kept.push(h),
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, counters: &Counters) -> anyhow::Result<()> {
        match self.format {
            Format::Json => {
                #[derive(serde::Serialize)]
                struct Report<'a> {
                    lint: &'a [BrandLint],
                    dropped: Dropped,
                    hits: &'a [Hit],
                }
                let report = Report {
                    lint: &self.lint,
                    dropped: Dropped {
                        names_past_line_limit: counters.dropped.load(Ordering::Relaxed),
                        line_limit: domains::feed::MAX_NAMES_PER_LINE,
                        bad_lines: counters.bad.load(Ordering::Relaxed),
                        allow_lines: self.allow_junk,
                    },
                    hits: &self.kept,
                };
                serde_json::to_writer_pretty(&mut *out, &report)?;
                writeln!(out)?;
            }
            Format::Table => {
                if self.kept.is_empty() {
                    return Ok(());
                }
                // Strongest first; equal scores keep the input order.
                self.kept.sort_by_key(|h| std::cmp::Reverse(h.score));
                let mut t = Table::new(["score", "name", "brand", "techniques", "explanation"]);
                for h in &self.kept {
                    t.row([
                        h.score.to_string(),
                        h.name.clone(),
                        h.brand.clone(),
                        h.techniques.join(","),
                        h.explanation.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_skipped_without_buffering() {
        let data = format!("a.example\n{}\nb.example", "x".repeat(100));
        let mut r = BufReader::with_capacity(8, data.as_bytes());
        let mut buf = Vec::new();
        assert!(matches!(
            next_line(&mut r, &mut buf, 50).unwrap(),
            LineRead::Line
        ));
        assert_eq!(buf, b"a.example");
        assert!(matches!(
            next_line(&mut r, &mut buf, 50).unwrap(),
            LineRead::TooLong
        ));
        assert!(buf.len() <= 50);
        assert!(matches!(
            next_line(&mut r, &mut buf, 50).unwrap(),
            LineRead::Line
        ));
        assert_eq!(buf, b"b.example");
        assert!(matches!(
            next_line(&mut r, &mut buf, 50).unwrap(),
            LineRead::Eof
        ));
    }

    #[test]
    fn chunk_names() {
        let mut c = Chunk::default();
        c.push("a.example");
        c.push("bb.example");
        assert_eq!(c.name(0), "a.example");
        assert_eq!(c.name(1), "bb.example");
        assert_eq!(c.len(), 2);
    }
}
