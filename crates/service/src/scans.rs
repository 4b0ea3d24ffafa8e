//! Stored scans: the lookalike hits of a scan kept in the store, for the console's lookalike
//! page and the scans API. `scan --save` stores what the command line found; the console's
//! `POST /api/v1/scans` matches a submitted list of names here.

use domains::SuffixList;
use domains::feed::LineParser;
use domains::lookalike::{
    Allowlist, Brand, BrandIndex, Hit, IndexOptions, Matcher, Popularity, Scratch,
};
use jiff::Timestamp;
use store::{ScanRecord, Store};

use crate::ServiceError;

/// The most names one submitted scan may hold (a bigger feed is for `domwatch scan`).
pub const MAX_SUBMITTED_NAMES: usize = 1_000_000;

/// A scan that ended, to be stored.
#[derive(Debug, Clone)]
pub struct FinishedScan<'a> {
    /// The feeds read (file names, `stdin`, `api`).
    pub source: &'a str,
    /// The console user who submitted it.
    pub submitted_by: Option<&'a str>,
    pub brands: usize,
    pub names: usize,
    pub hits: &'a [Hit],
    /// Why it stopped early (the hits found before are kept).
    pub error: Option<&'a str>,
    pub started: Timestamp,
}

/// Stores a finished (or failed) scan and its hits; returns the stored record.
pub fn store_scan(store: &mut Store, scan: &FinishedScan<'_>) -> Result<ScanRecord, ServiceError> {
    let id = store.begin_scan(scan.source, scan.submitted_by, scan.brands, scan.started)?;
    // In batches, so that a huge scan is not one huge transaction.
    for chunk in scan.hits.chunks(10_000) {
        store.add_scan_hits(id, chunk)?;
    }
    store.finish_scan(id, scan.names, scan.error, Timestamp::now())?;
    store
        .scan(id)?
        .ok_or_else(|| ServiceError::Internal("the stored scan vanished".into()))
}

/// Matches submitted feed text (host names, URLs, CT JSON lines: the formats `scan` reads)
/// against `brands`; returns the names read and the hits.
pub fn match_text(
    text: &str,
    brands: &[Brand],
    psl: &SuffixList,
    min_score: Option<u8>,
) -> Result<(usize, Vec<Hit>), ServiceError> {
    let index = BrandIndex::build(brands, psl, &IndexOptions::default());
    if index.is_empty() {
        return Err(ServiceError::Refused(
            "none of the brands has a registrable domain".into(),
        ));
    }
    let allow = Allowlist::new();
    let popular = Popularity::embedded();
    let mut matcher = Matcher::new(&index, psl, &allow, &popular);
    if let Some(m) = min_score {
        matcher = matcher.with_min_score(m);
    }
    let mut parser = LineParser::new(domains::feed::detect(text.lines().take(20)));
    let mut scratch = Scratch::new();
    let (mut names, mut hits) = (0usize, Vec::new());
    for line in text.lines() {
        let mut emit = |n: &str| {
            names += 1;
            if names <= MAX_SUBMITTED_NAMES
                && let Some(h) = matcher.check(n, &mut scratch)
            {
                hits.push(h);
            }
        };
        // A bad line is skipped, as `scan` does.
        let _ = parser.names_from_line(line, &mut emit);
        if names > MAX_SUBMITTED_NAMES {
            return Err(ServiceError::Refused(format!(
                "more than {MAX_SUBMITTED_NAMES} names: scan big feeds with `domwatch scan --save`"
            )));
        }
    }
    Ok((names, hits))
}

/// One case report per lookalike hit, the first of each (registrable domain, brand) pair only,
/// keyed `SOURCE|registrable|brand` (from `reporter`) so that seeing it again adds nothing; `what` opens the
/// description (`lookalike`, `TLS certificate for a lookalike`). Hits whose name is not a
/// case target are left out.
pub fn hit_reports(
    hits: &[domains::lookalike::Hit],
    psl: &SuffixList,
    source: &str,
    reporter: &str,
    what: &str,
    now: Timestamp,
) -> Vec<store::NewReport> {
    use domains::case::intake::{ServiceList, Target};
    let mut seen = std::collections::HashSet::new();
    let mut reports = Vec::new();
    for h in hits {
        if !seen.insert((h.registrable.clone(), h.brand.clone())) {
            continue;
        }
        let Ok(target) = Target::parse(&h.name, psl, ServiceList::embedded()) else {
            continue;
        };
        reports.push(store::NewReport {
            source_key: format!("{source}|{}|{}", h.registrable, h.brand),
            target,
            input: h.name.clone(),
            reported_at: now,
            reporter: Some(reporter.into()),
            brand: Some(h.brand.clone()),
            description: Some(format!(
                "{what} of {} (score {}, {}): {}",
                h.brand,
                h.score,
                h.techniques.join(", "),
                h.explanation
            )),
            category: domains::case::Category::Phishing,
            tlp: domains::case::Tlp::Amber,
            source: source.into(),
        });
    }
    reports
}
