//! `domwatch beacons LOG...`: DNS beacons, DGAs and tunnels in resolver logs.
//!
//! Each log (a file or `-`, gzip detected) is read on this thread, parsed with
//! `domains::beacon::parse` (the format detected from its first bytes or given with
//! `--log-format`) and fed to one `domains::beacon::Analyzer`; the findings are written at the
//! end. A bad line or frame is counted and skipped, never fatal.

use std::fs::File;
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use domains::beacon::parse::{
    DnstapDecoder, FrameStep, LineParser, LogFormat, MAX_FRAME_LEN, MAX_LINE_LEN, detect,
    next_frame,
};
use domains::beacon::{Analyzer, BeaconAllowlist, Finding, Options, Report};

use super::scan::{LineRead, maybe_gunzip, next_line};
use crate::output::{Format, Table, sanitize};
use crate::{Global, cmd};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormatArg {
    /// Decide from the first bytes of each log.
    Auto,
    /// dnstap (Frame Streams with protobuf messages).
    Dnstap,
    /// BIND 9 query log.
    Bind,
    /// Unbound `log-queries` / `log-replies` lines.
    Unbound,
    /// Zeek `dns.log`, tab-separated with a `#fields` header.
    Zeek,
    /// Zeek `dns.log` as JSON lines.
    ZeekJson,
}

#[derive(Debug, clap::Args)]
pub struct BeaconsArgs {
    /// Names never reported, one a line (`#` comments): an entry covers the name and everything
    /// below it (repeatable). Added to the embedded list of update, time and telemetry hosts.
    #[arg(long = "allow", value_name = "FILE")]
    allow: Vec<PathBuf>,
    /// Do not use the embedded allowlist.
    #[arg(long)]
    no_default_allow: bool,
    /// Lowest score reported (0-100).
    #[arg(long, value_name = "N", default_value_t = 50,
          value_parser = clap::value_parser!(u8).range(0..=100))]
    min_score: u8,
    /// Fewest queries (those less than 2 s apart count once) for a timer to be reported.
    #[arg(long, value_name = "N", default_value_t = 8)]
    min_events: usize,
    /// Layout of the logs.
    #[arg(long, value_enum, default_value_t = LogFormatArg::Auto)]
    log_format: LogFormatArg,
    /// Output format (`list`: client and domain, tab-separated).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Exit with code 1 when anything was found.
    #[arg(long)]
    fail_on_finding: bool,
    /// Publish every finding as a JSON message (`"type": "beacon"` and the finding's fields)
    /// to a NATS JetStream subject (`nats://[USER:PASS@]HOST:PORT/SUBJECT` or `tls://...`); a
    /// stream must capture the subject.
    #[arg(long, value_name = "URL")]
    publish: Option<service::nats::NatsTarget>,
    /// Resolver logs (`-` or nothing: stdin). Gzip is detected.
    #[arg(value_name = "LOG")]
    logs: Vec<String>,
}

/// The largest `--allow` file.
const MAX_ALLOW_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Default)]
struct Counts {
    lines: u64,
    bad: u64,
}

pub fn run(args: BeaconsArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let (psl, _) = cmd::psl::suffix_list(global)?;
    let mut allow = if args.no_default_allow {
        BeaconAllowlist::new()
    } else {
        BeaconAllowlist::embedded()
    };
    for p in &args.allow {
        let text = cmd::read_side_text(p, MAX_ALLOW_BYTES)
            .map_err(|e| cmd::usage(format!("--allow: {e:#}")))?;
        let bad = allow.extend_from_text(&text);
        if !bad.is_empty() {
            let first: Vec<String> = bad.iter().take(3).map(|n| n.to_string()).collect();
            eprintln!(
                "domwatch: --allow {}: {} line(s) not a domain name, ignored (line {})",
                sanitize(&p.display().to_string()),
                bad.len(),
                first.join(", ")
            );
        }
    }
    let logs = if args.logs.is_empty() {
        vec!["-".to_string()]
    } else {
        args.logs.clone()
    };
    // Open every log first so that a missing file fails before any work.
    let mut readers: Vec<(String, Box<dyn Read + Send>)> = Vec::new();
    for l in &logs {
        let r: Box<dyn Read + Send> = if l == "-" {
            Box::new(io::stdin())
        } else {
            Box::new(
                File::open(l)
                    .with_context(|| format!("opening log {l}"))
                    .map_err(|e| cmd::usage(format!("{e:#}")))?,
            )
        };
        readers.push((l.clone(), r));
    }
    let opts = Options {
        min_events: args.min_events.max(3),
        min_score: args.min_score,
        ..Options::default()
    };
    let mut analyzer = Analyzer::new(psl, &allow, opts);
    let mut counts = Counts::default();
    let started = Instant::now();
    for (label, reader) in readers {
        read_log(&label, reader, args.log_format, &mut analyzer, &mut counts)
            .map_err(|e| cmd::usage(format!("{e:#}")))?;
    }
    let report = analyzer.finish();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match write_report(&report, args.format, &mut out).and_then(|()| Ok(out.flush()?)) {
        Ok(()) => {}
        Err(e) if cmd::is_broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e),
    }
    drop(out);
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    if args.format == Format::Table || io::stderr().is_terminal() || global.verbose > 0 {
        let s = &report.stats;
        eprintln!(
            "read {} lines/frames ({} bad, skipped): {} queries, {} allowlisted, {} unscored; {} client/domain pairs; {} findings in {secs:.2} s, {:.0} lines/s",
            counts.lines,
            counts.bad,
            s.queries,
            s.allowed,
            s.unscored,
            s.pairs,
            report.findings.len(),
            counts.lines as f64 / secs,
        );
        if s.untracked > 0 {
            eprintln!(
                "domwatch: {} queries for new client/domain pairs past the limit were not analysed",
                s.untracked
            );
        }
    }
    if let Some(target) = &args.publish {
        let messages = report
            .findings
            .iter()
            .map(|f| {
                let mut v = serde_json::to_value(f)?;
                if let Some(o) = v.as_object_mut() {
                    o.insert("type".into(), "beacon".into());
                }
                let id = format!(
                    "domwatch-beacon-{}-{}-{}",
                    f.client,
                    f.domain.as_deref().unwrap_or("dga"),
                    f.first
                );
                Ok((id, v))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        super::scan::publish_json(target, &messages, global)?;
    }
    if args.fail_on_finding && !report.findings.is_empty() {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn read_log(
    label: &str,
    reader: Box<dyn Read + Send>,
    format: LogFormatArg,
    analyzer: &mut Analyzer<'_>,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    let mut r = maybe_gunzip(reader).with_context(|| format!("reading {label}"))?;
    let format = match format {
        LogFormatArg::Auto => {
            let head = r.fill_buf().with_context(|| format!("reading {label}"))?;
            if head.is_empty() {
                return Ok(());
            }
            detect(&head[..head.len().min(8192)]).ok_or_else(|| {
                cmd::usage(format!(
                    "{}: not a dnstap, BIND, Unbound or Zeek log (or give --log-format)",
                    sanitize(label)
                ))
            })?
        }
        LogFormatArg::Dnstap => LogFormat::Dnstap,
        LogFormatArg::Bind => LogFormat::Bind,
        LogFormatArg::Unbound => LogFormat::Unbound,
        LogFormatArg::Zeek => LogFormat::ZeekTsv,
        LogFormatArg::ZeekJson => LogFormat::ZeekJson,
    };
    tracing::info!(log = %sanitize(label), format = ?format, "reading log");
    if format == LogFormat::Dnstap {
        return read_dnstap(label, &mut r, analyzer, counts);
    }
    let mut parser = LineParser::new(format);
    let mut buf = Vec::with_capacity(4096);
    loop {
        let line = next_line(&mut r, &mut buf, MAX_LINE_LEN)
            .with_context(|| format!("reading {label}"))?;
        let text = match line {
            LineRead::Eof => return Ok(()),
            LineRead::TooLong => None,
            LineRead::Line => std::str::from_utf8(&buf).ok(),
        };
        counts.lines += 1;
        match text.map(|t| parser.parse(t)) {
            Some(Ok(Some(q))) => analyzer.add(&q),
            Some(Ok(None)) => {}
            _ => counts.bad += 1,
        }
    }
}

fn read_dnstap(
    label: &str,
    r: &mut impl Read,
    analyzer: &mut Analyzer<'_>,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut start = 0usize;
    let mut chunk = vec![0u8; 1 << 16];
    let mut decoder = DnstapDecoder::new();
    loop {
        // Every whole frame in the buffer.
        loop {
            match next_frame(&buf[start..]) {
                FrameStep::NeedMore => break,
                FrameStep::Control { len } => start += len,
                FrameStep::Data { start: s, end } => {
                    counts.lines += 1;
                    match decoder.decode(&buf[start + s..start + end]) {
                        Ok(Some(q)) => analyzer.add(&q),
                        Ok(None) => {}
                        Err(_) => counts.bad += 1,
                    }
                    start += end;
                }
                FrameStep::TooBig(n) => {
                    return Err(cmd::usage(format!(
                        "{}: a dnstap frame of {n} bytes (more than {MAX_FRAME_LEN}): not a dnstap file, or a corrupt one",
                        sanitize(label)
                    )));
                }
            }
        }
        buf.drain(..start);
        start = 0;
        let n = match r.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {label}"))),
        };
        if n == 0 {
            if !buf.is_empty() {
                // A truncated last frame.
                counts.lines += 1;
                counts.bad += 1;
            }
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn write_report(report: &Report, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let domain = |f: &Finding| f.domain.clone().unwrap_or_else(|| "(many)".into());
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for f in &report.findings {
                serde_json::to_writer(&mut *out, f)?;
                writeln!(out)?;
            }
        }
        Format::List => {
            for f in &report.findings {
                writeln!(out, "{}\t{}", sanitize(&f.client), sanitize(&domain(f)))?;
            }
        }
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
            w.write_record([
                "score",
                "client",
                "domain",
                "signals",
                "queries",
                "first",
                "last",
                "interval_s",
                "jitter",
                "examples",
                "explanation",
            ])?;
            for f in &report.findings {
                w.write_record([
                    f.score.to_string(),
                    f.client.clone(),
                    f.domain.clone().unwrap_or_default(),
                    f.signals.join(" "),
                    f.queries.to_string(),
                    f.first.clone(),
                    f.last.clone(),
                    f.interval_s.map(|v| v.to_string()).unwrap_or_default(),
                    f.jitter.map(|v| v.to_string()).unwrap_or_default(),
                    f.examples.join(" "),
                    f.explanation.clone(),
                ])?;
            }
            w.flush()?;
        }
        Format::Table => {
            if report.findings.is_empty() {
                return Ok(());
            }
            let mut t = Table::new(["score", "client", "domain", "signals", "explanation"]);
            for f in &report.findings {
                t.row([
                    f.score.to_string(),
                    f.client.clone(),
                    domain(f),
                    f.signals.join(","),
                    f.explanation.clone(),
                ]);
            }
            t.write(out)?;
        }
    }
    Ok(())
}
