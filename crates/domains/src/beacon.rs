//! DNS beacons in resolver logs (`domwatch beacons`): which client keeps asking for which
//! registrable domain on a timer, which one walks through machine-made domains (a DGA), and which
//! one moves data through long or TXT-heavy names (a tunnel).
//!
//! Pure: the parsers in [`parse`] turn log lines and dnstap frames into [`Query`] values, the
//! caller feeds them to an [`Analyzer`] in any order and calls [`Analyzer::finish`]. No I/O, no
//! clock (times come from the logs). Memory is bounded: at most [`Options::max_groups`] (client,
//! domain) pairs, and per pair at most [`MAX_TIMES`] query times and [`MAX_DISTINCT`] distinct
//! subdomains; what is past a bound is counted, never an error.
//!
//! Signals, each with its points (the score is their sum, at most 100):
//! - `periodic` (45-85): at least [`Options::min_events`] queries (queries less than 2 s apart
//!   count once: A and AAAA, retries) whose intervals are regular: the share of intervals within
//!   ±15 % of the median interval (or of two or three times it: a missed beat) is at least 0.8,
//!   median at least 5 s. More regular and more events score higher; the interval and the
//!   jitter (median absolute deviation / median) are in the finding.
//! - `long-labels` (35): half the queries carry a label of 40 characters or more below the
//!   registrable domain.
//! - `many-subdomains` (25): at least 50 distinct subdomains, nearly one per query.
//! - `high-entropy` (20): the subdomain labels' mean Shannon entropy is at least 3.8 bits per
//!   character (encoded data; words are below 3.3).
//! - `txt-heavy` (30): half of at least 20 queries are TXT or NULL.
//! - `random-domain` (15, a bonus only): the registrable label itself looks machine-made
//!   ([`lookalike::looks_random`](crate::lookalike::looks_random)).
//! - `nxdomain` (10, a bonus only): half the answers known for the pair were NXDOMAIN.
//! - `dga` (50-100, per client): at least 20 distinct machine-made registrable domains
//!   (or 8 when 70 % of their answers are NXDOMAIN), plus points for their number and NXDOMAIN
//!   share. Its finding has no `domain`; `examples` lists some of them.
//!
//! Queries for allowlisted names ([`BeaconAllowlist`], the embedded list of update, time and
//! telemetry hosts plus the user's), for `.arpa` and for names under no known public suffix
//! (`.local`, `.lan`, `.internal`) are counted and skipped.

pub mod parse;

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use serde::Serialize;

use crate::lookalike::{Allowlist, looks_random};
use crate::psl::{Section, SuffixList};

/// The most query times kept per (client, domain) pair (the first ones).
pub const MAX_TIMES: usize = 4096;
/// The most distinct subdomains counted per pair, and machine-made domains per client.
pub const MAX_DISTINCT: usize = 4096;
/// The most examples kept per finding.
pub const MAX_EXAMPLES: usize = 5;

/// One DNS query (or response) from a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Who asked (an address, as the log wrote it).
    pub client: String,
    /// The name asked for (as logged; normalised by the analyzer).
    pub name: String,
    /// The query type (1 A, 16 TXT, 10 NULL, 28 AAAA...).
    pub qtype: u16,
    /// Whether the answer was NXDOMAIN, when the log says.
    pub nxdomain: Option<bool>,
    /// Whether this event counts as a query. Parsers set it false for a response line when the
    /// same log also has query lines (Unbound `log-queries` with `log-replies`, dnstap
    /// `CLIENT_QUERY` with `CLIENT_RESPONSE`), so that a query is not counted twice.
    pub counted: bool,
}

/// Names never reported: an entry covers the name and everything below it.
#[derive(Debug, Clone, Default)]
pub struct BeaconAllowlist {
    inner: Allowlist,
}

/// The embedded default allowlist (with its source in its header).
pub const DEFAULT_ALLOWLIST: &str = include_str!("../data/beacon/allow.txt");

impl BeaconAllowlist {
    /// An empty list.
    pub fn new() -> BeaconAllowlist {
        BeaconAllowlist::default()
    }

    /// The embedded default list.
    pub fn embedded() -> BeaconAllowlist {
        let mut a = BeaconAllowlist::new();
        a.extend_from_text(DEFAULT_ALLOWLIST);
        a
    }

    /// Adds one entry (`example.com`, `*.example.com` and `.example.com` mean the same); false
    /// when it is not a domain name.
    pub fn insert(&mut self, entry: &str) -> bool {
        let e = entry.trim();
        let e = e
            .strip_prefix("*.")
            .or_else(|| e.strip_prefix('.'))
            .unwrap_or(e);
        if e.starts_with(['*', '.']) || e.is_empty() {
            return false;
        }
        self.inner.insert(&format!("*.{e}"))
    }

    /// Adds the lines of a plain list (`#` comments); returns the 1-based numbers of the lines
    /// that are not domain names.
    pub fn extend_from_text(&mut self, text: &str) -> Vec<usize> {
        let mut bad = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let l = line.split('#').next().unwrap_or("").trim();
            if !l.is_empty() && !self.insert(l) {
                bad.push(i + 1);
            }
        }
        bad
    }

    /// Whether `name` (lower case, no trailing dot) or a parent of it is listed.
    pub fn contains(&self, name: &str) -> bool {
        self.inner.contains(name)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// Thresholds.
#[derive(Debug, Clone)]
pub struct Options {
    /// Fewest distinct query events (after merging those < 2 s apart) for `periodic`.
    pub min_events: usize,
    /// Lowest score reported.
    pub min_score: u8,
    /// The most (client, domain) pairs tracked; queries for new pairs past it are counted in
    /// [`Stats::untracked`].
    pub max_groups: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_events: 8,
            min_score: 50,
            max_groups: 1_000_000,
        }
    }
}

type Hasher = foldhash::fast::RandomState;

#[derive(Debug, Default)]
struct Group {
    queries: u64,
    times: Vec<i64>,
    txt: u64,
    answers: u64,
    nx: u64,
    long_label: u64,
    subdomains: HashSet<u64, Hasher>,
    sub_entropy_sum: f64,
    sub_entropy_n: u64,
    examples: Vec<String>,
}

#[derive(Debug, Default)]
struct Client {
    random_domains: HashSet<u64, Hasher>,
    random_answers: u64,
    random_nx: u64,
    random_queries: u64,
    first: i64,
    last: i64,
    examples: Vec<String>,
}

/// Counts over everything fed to the analyzer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Events fed.
    pub events: u64,
    /// Events that counted as queries.
    pub queries: u64,
    /// Skipped: an allowlisted name.
    pub allowed: u64,
    /// Skipped: `.arpa`, no known public suffix, or not a host name.
    pub unscored: u64,
    /// Skipped: a new (client, domain) pair past [`Options::max_groups`].
    pub untracked: u64,
    /// (client, domain) pairs seen.
    pub pairs: u64,
    /// Clients seen.
    pub clients: u64,
}

/// One suspicious client (and registrable domain).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub client: String,
    /// The registrable domain (none for `dga`, which spans many).
    pub domain: Option<String>,
    /// 0-100.
    pub score: u8,
    /// The signals that fired, strongest first.
    pub signals: Vec<&'static str>,
    /// Queries counted.
    pub queries: u64,
    /// First and last query, RFC 3339.
    pub first: String,
    pub last: String,
    /// `periodic`: the median interval in seconds and the jitter (median absolute deviation /
    /// median).
    pub interval_s: Option<f64>,
    pub jitter: Option<f64>,
    /// Some names queried (at most [`MAX_EXAMPLES`]).
    pub examples: Vec<String>,
    /// One line for people.
    pub explanation: String,
}

/// The result of an analysis: findings, strongest first, and the counts.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub stats: Stats,
    pub findings: Vec<Finding>,
}

/// Feeds queries, then [`finish`](Analyzer::finish).
pub struct Analyzer<'a> {
    psl: &'a SuffixList,
    allow: &'a BeaconAllowlist,
    opts: Options,
    groups: HashMap<String, Group, Hasher>,
    clients: HashMap<String, Client, Hasher>,
    stats: Stats,
    name: String,
    key: String,
    hasher: Hasher,
}

/// Shannon entropy in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// The key of a (client, domain) pair.
fn pair_key(key: &mut String, client: &str, domain: &str) {
    key.clear();
    key.push_str(client);
    key.push('\u{0}');
    key.push_str(domain);
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

impl<'a> Analyzer<'a> {
    pub fn new(psl: &'a SuffixList, allow: &'a BeaconAllowlist, opts: Options) -> Analyzer<'a> {
        Analyzer {
            psl,
            allow,
            opts,
            groups: HashMap::default(),
            clients: HashMap::default(),
            stats: Stats::default(),
            name: String::new(),
            key: String::new(),
            hasher: Hasher::default(),
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Adds one query or response.
    pub fn add(&mut self, q: &Query) {
        self.stats.events += 1;
        if q.counted {
            self.stats.queries += 1;
        }
        self.name.clear();
        self.name.extend(
            q.name
                .trim_end_matches('.')
                .chars()
                .map(|c| c.to_ascii_lowercase()),
        );
        let name = self.name.as_str();
        if name.len() > 253 || name.is_empty() || name.ends_with(".arpa") || name == "arpa" {
            self.stats.unscored += 1;
            return;
        }
        if self.allow.contains(name) {
            self.stats.allowed += 1;
            return;
        }
        let Some(split) = self.psl.split(name, Section::All) else {
            self.stats.unscored += 1;
            return;
        };
        let (Some(domain), true) = (split.registrable, split.known) else {
            self.stats.unscored += 1;
            return;
        };
        let prefix = name
            .strip_suffix(domain)
            .map(|p| p.trim_end_matches('.'))
            .unwrap_or("");
        // The DGA signal looks at what a registrar sold (the ICANN view): a machine-made label
        // under a private suffix (`d1x2y3.cloudfront.net`) is a CDN's, not a DGA's.
        let label = domain.split('.').next().unwrap_or(domain);
        let random_domain = looks_random(label.as_bytes())
            && self
                .psl
                .registrable(name, Section::Icann)
                .and_then(|r| r.split('.').next())
                .is_some_and(|l| looks_random(l.as_bytes()));

        // Per client: machine-made registrable domains.
        if random_domain {
            if !self.clients.contains_key(q.client.as_str()) {
                self.stats.clients += 1;
                self.clients.insert(
                    q.client.clone(),
                    Client {
                        first: q.time_ms,
                        last: q.time_ms,
                        ..Client::default()
                    },
                );
            }
            if let Some(c) = self.clients.get_mut(q.client.as_str()) {
                let h = self.hasher.hash_one(domain);
                if c.random_domains.len() < MAX_DISTINCT
                    && c.random_domains.insert(h)
                    && c.examples.len() < MAX_EXAMPLES
                {
                    c.examples.push(domain.to_string());
                }
                if q.counted {
                    c.random_queries += 1;
                }
                if let Some(nx) = q.nxdomain {
                    c.random_answers += 1;
                    c.random_nx += u64::from(nx);
                }
                c.first = c.first.min(q.time_ms);
                c.last = c.last.max(q.time_ms);
            }
        }

        // Per (client, domain).
        pair_key(&mut self.key, &q.client, domain);
        let g = match self.groups.get_mut(self.key.as_str()) {
            Some(g) => g,
            None => {
                if self.groups.len() >= self.opts.max_groups {
                    self.stats.untracked += 1;
                    return;
                }
                self.stats.pairs += 1;
                self.groups.entry(self.key.clone()).or_default()
            }
        };
        if let Some(nx) = q.nxdomain {
            g.answers += 1;
            g.nx += u64::from(nx);
        }
        if !q.counted {
            return;
        }
        g.queries += 1;
        if g.times.len() < MAX_TIMES {
            g.times.push(q.time_ms);
        }
        if q.qtype == 16 || q.qtype == 10 {
            g.txt += 1;
        }
        if !prefix.is_empty() {
            if prefix.split('.').any(|l| l.len() >= 40) {
                g.long_label += 1;
            }
            if g.subdomains.len() < MAX_DISTINCT {
                g.subdomains.insert(self.hasher.hash_one(prefix));
            }
            let data: Vec<u8> = prefix.bytes().filter(|&b| b != b'.').collect();
            if data.len() >= 16 {
                g.sub_entropy_sum += entropy(&data);
                g.sub_entropy_n += 1;
            }
        }
        if g.examples.len() < MAX_EXAMPLES && !g.examples.iter().any(|e| e == name) {
            g.examples.push(name.to_string());
        }
    }

    /// The findings at or above the minimum score, strongest first (then by client and
    /// domain, so that the order does not depend on the input's).
    pub fn finish(self) -> Report {
        let mut findings = Vec::new();
        for (key, g) in self.groups {
            let (client, domain) = key.split_once('\u{0}').unwrap_or((key.as_str(), ""));
            if let Some(f) = score_group(client, domain, g, &self.opts)
                && f.score >= self.opts.min_score
            {
                findings.push(f);
            }
        }
        for (client, c) in self.clients {
            if let Some(f) = score_client(&client, c)
                && f.score >= self.opts.min_score
            {
                findings.push(f);
            }
        }
        findings.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| a.client.cmp(&b.client))
                .then_with(|| a.domain.cmp(&b.domain))
        });
        Report {
            stats: self.stats,
            findings,
        }
    }
}

/// Periodicity of sorted times: (median interval s, jitter, regular share, events).
fn periodicity(times: &mut [i64]) -> Option<(f64, f64, f64, usize)> {
    times.sort_unstable();
    let mut events: Vec<i64> = Vec::with_capacity(times.len());
    for &t in times.iter() {
        if events.last().is_none_or(|&l| t - l >= 2000) {
            events.push(t);
        }
    }
    if events.len() < 3 {
        return None;
    }
    let mut d: Vec<f64> = events
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / 1000.0)
        .collect();
    let mut sorted = d.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    if median <= 0.0 {
        return None;
    }
    let regular = d
        .iter()
        .filter(|&&x| (1..=3).any(|k| (x - median * k as f64).abs() <= 0.15 * median * k as f64))
        .count() as f64
        / d.len() as f64;
    for x in d.iter_mut() {
        *x = (*x - median).abs();
    }
    d.sort_by(f64::total_cmp);
    let mad = d[d.len() / 2];
    Some((median, mad / median, regular, events.len()))
}

fn score_group(client: &str, domain: &str, mut g: Group, opts: &Options) -> Option<Finding> {
    if g.queries == 0 {
        return None;
    }
    let mut signals: Vec<(&'static str, u32)> = Vec::new();
    let mut why: Vec<String> = Vec::new();
    let (first, last) = (
        g.times.iter().copied().min().unwrap_or(0),
        g.times.iter().copied().max().unwrap_or(0),
    );
    let mut interval = None;
    let mut jitter = None;
    if let Some((median, jit, regular, events)) = periodicity(&mut g.times)
        && events >= opts.min_events
        && median >= 5.0
        && regular >= 0.8
    {
        let more = ((events - opts.min_events) as f64 / 40.0).min(1.0);
        let points = 45.0 + 25.0 * ((regular - 0.8) / 0.2).clamp(0.0, 1.0) + 15.0 * more;
        signals.push(("periodic", points.round() as u32));
        why.push(format!(
            "{events} queries every {} (jitter {:.0}%, {:.0}% of intervals regular)",
            human_interval(median),
            jit * 100.0,
            regular * 100.0
        ));
        interval = Some((median * 1000.0).round() / 1000.0);
        jitter = Some((jit * 1000.0).round() / 1000.0);
    }
    let q = g.queries as f64;
    if g.queries >= 10 && g.long_label as f64 >= 0.5 * q {
        signals.push(("long-labels", 35));
        why.push(format!(
            "{:.0}% of queries with a label of 40+ characters",
            100.0 * g.long_label as f64 / q
        ));
    }
    let distinct = g.subdomains.len();
    if distinct >= 50 && distinct as f64 >= 0.8 * q.min(MAX_DISTINCT as f64) {
        signals.push(("many-subdomains", 25));
        why.push(format!(
            "{distinct} distinct subdomains in {} queries",
            g.queries
        ));
    }
    if g.sub_entropy_n >= 10 {
        let mean = g.sub_entropy_sum / g.sub_entropy_n as f64;
        if mean >= 3.8 {
            signals.push(("high-entropy", 20));
            why.push(format!("subdomain entropy {mean:.1} bits/char"));
        }
    }
    if g.queries >= 20 && g.txt as f64 >= 0.5 * q {
        signals.push(("txt-heavy", 30));
        why.push(format!("{:.0}% TXT/NULL queries", 100.0 * g.txt as f64 / q));
    }
    if signals.is_empty() {
        return None;
    }
    let label = domain.split('.').next().unwrap_or(domain);
    if looks_random(label.as_bytes()) {
        signals.push(("random-domain", 15));
        why.push("machine-made domain label".into());
    }
    if g.answers >= 10 && g.nx * 2 >= g.answers {
        signals.push(("nxdomain", 10));
        why.push(format!("{} of {} answers NXDOMAIN", g.nx, g.answers));
    }
    signals.sort_by_key(|s| std::cmp::Reverse(s.1));
    let score = signals.iter().map(|s| s.1).sum::<u32>().min(100) as u8;
    Some(Finding {
        client: client.to_string(),
        domain: Some(domain.to_string()),
        score,
        signals: signals.iter().map(|s| s.0).collect(),
        queries: g.queries,
        first: rfc3339(first),
        last: rfc3339(last),
        interval_s: interval,
        jitter,
        examples: g.examples,
        explanation: format!("{client} -> {domain}: {}", why.join("; ")),
    })
}

fn score_client(client: &str, c: Client) -> Option<Finding> {
    let n = c.random_domains.len();
    let nx_share = if c.random_answers > 0 {
        c.random_nx as f64 / c.random_answers as f64
    } else {
        0.0
    };
    if !(n >= 20 || (n >= 8 && c.random_answers >= 8 && nx_share >= 0.7)) {
        return None;
    }
    let more = ((n as f64 / 20.0).log2() / (10f64).log2()).clamp(0.0, 1.0);
    let score = (50.0 + 30.0 * more + 20.0 * nx_share).round().min(100.0) as u8;
    let mut why = format!("{client}: {n} distinct machine-made domains");
    if c.random_answers > 0 {
        why.push_str(&format!(
            ", {:.0}% of their answers NXDOMAIN",
            nx_share * 100.0
        ));
    }
    Some(Finding {
        client: client.to_string(),
        domain: None,
        score,
        signals: vec!["dga"],
        queries: c.random_queries,
        first: rfc3339(c.first),
        last: rfc3339(c.last),
        interval_s: None,
        jitter: None,
        examples: c.examples,
        explanation: why,
    })
}

fn human_interval(s: f64) -> String {
    if s >= 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s >= 60.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(t: i64, client: &str, name: &str, qtype: u16) -> Query {
        Query {
            time_ms: t,
            client: client.into(),
            name: name.into(),
            qtype,
            nxdomain: None,
            counted: true,
        }
    }

    #[test]
    fn a_fixed_interval_with_jitter_is_periodic_and_random_times_are_not() {
        let psl = SuffixList::embedded();
        let allow = BeaconAllowlist::embedded();
        let mut a = Analyzer::new(psl, &allow, Options::default());
        let mut seed = 7u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut t = 0i64;
        for i in 0..60 {
            // 300 s +- 5 %, with an AAAA right after the A.
            t += 285_000 + (rnd() % 30_000) as i64;
            a.add(&q(t, "10.0.0.5", "cdn.update-check.example.com", 1));
            a.add(&q(t + 20, "10.0.0.5", "cdn.update-check.example.com", 28));
            if i % 3 == 0 {
                a.add(&q(t, "10.0.0.6", "www.windowsupdate.com", 1));
            }
        }
        let mut t = 0i64;
        for _ in 0..60 {
            t += (rnd() % 600_000) as i64 + 2_000;
            a.add(&q(t, "10.0.0.7", "www.example.org", 1));
        }
        let r = a.finish();
        assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
        let f = &r.findings[0];
        assert_eq!(f.client, "10.0.0.5");
        assert_eq!(f.domain.as_deref(), Some("example.com"));
        assert_eq!(f.signals, ["periodic"]);
        assert!(f.score >= 60, "{f:?}");
        assert!((f.interval_s.unwrap() - 300.0).abs() < 20.0);
        assert_eq!(r.stats.allowed, 20);
    }

    #[test]
    fn tunnels_and_dgas() {
        let psl = SuffixList::embedded();
        let allow = BeaconAllowlist::new();
        let mut a = Analyzer::new(psl, &allow, Options::default());
        let mut seed = 99u64;
        for i in 0..200u64 {
            let data: String = (0..50)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(b"abcdefghijklmnopqrstuvwxyz234567"[(seed % 32) as usize])
                })
                .collect();
            a.add(&q(
                i as i64 * 700,
                "10.1.0.9",
                &format!("{data}.t.exfil-cdn.net"),
                16,
            ));
        }
        for i in 0..40u64 {
            let mut x = Query {
                nxdomain: Some(i % 10 != 0),
                ..q(
                    i as i64 * 50,
                    "10.1.0.3",
                    &format!("qx{i}k7z{}vw9.com", i * 31),
                    1,
                )
            };
            a.add(&x);
            x.counted = false;
            a.add(&x);
        }
        let r = a.finish();
        let tunnel = r
            .findings
            .iter()
            .find(|f| f.client == "10.1.0.9")
            .expect("tunnel");
        assert_eq!(tunnel.domain.as_deref(), Some("exfil-cdn.net"));
        for s in [
            "long-labels",
            "many-subdomains",
            "high-entropy",
            "txt-heavy",
        ] {
            assert!(tunnel.signals.contains(&s), "{tunnel:?}");
        }
        assert_eq!(tunnel.score, 100);
        let dga = r
            .findings
            .iter()
            .find(|f| f.client == "10.1.0.3")
            .expect("dga");
        assert_eq!(dga.signals, ["dga"]);
        assert!(dga.domain.is_none());
        assert!(dga.score >= 60, "{dga:?}");
        assert_eq!(dga.queries, 40);
    }

    #[test]
    fn many_cdn_distributions_are_no_dga() {
        let psl = SuffixList::embedded();
        let allow = BeaconAllowlist::new();
        let mut a = Analyzer::new(psl, &allow, Options::default());
        for i in 0..60u64 {
            let name = format!("d{}x{}k{}q.cloudfront.net", i * 7, i * 13 + 1, i + 3);
            a.add(&q(i as i64 * 4000, "10.2.0.1", &name, 1));
        }
        let r = a.finish();
        assert!(r.findings.is_empty(), "{:#?}", r.findings);
    }

    #[test]
    fn allowlist_entries_cover_subdomains_and_bad_lines_are_reported() {
        let mut a = BeaconAllowlist::new();
        assert_eq!(
            a.extend_from_text("example.com\n*.b.example\n\nnot a name\n"),
            [4]
        );
        assert!(a.contains("example.com"));
        assert!(a.contains("x.y.example.com"));
        assert!(a.contains("c.b.example"));
        assert!(!a.contains("example.net"));
        assert!(BeaconAllowlist::embedded().contains("fe2.update.microsoft.com"));
    }

    #[test]
    fn entropy_of_words_and_data() {
        assert!(entropy(b"aaaa") < 0.01);
        assert!(entropy(b"mailserver") < 3.3);
        assert!(entropy(b"0f3a9c2be71d4856") > 3.8);
    }
}
