//! `cargo run --release -p domains --example scan_file -- BRANDS FEED [MIN_SCORE]`: the matcher
//! alone over a name list, one JSON hit a line on stdout (as `domwatch scan --format jsonl`,
//! single-threaded, without the binary's feed parsing). For quick precision/recall checks
//! while working on `domains::lookalike` without building the whole binary.

use std::io::Write as _;

use domains::SuffixList;
use domains::lookalike::{
    Allowlist, Brand, BrandIndex, DEFAULT_MIN_SCORE, IndexOptions, Matcher, Popularity, Scratch,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(brands), Some(feed)) = (args.first(), args.get(1)) else {
        return Err("usage: scan_file BRANDS FEED [MIN_SCORE]".into());
    };
    let min: u8 = match args.get(2) {
        Some(m) => m.parse()?,
        None => DEFAULT_MIN_SCORE,
    };
    let brands = Brand::parse_list(&std::fs::read_to_string(brands)?)?;
    let psl = SuffixList::embedded();
    let index = BrandIndex::build(&brands, psl, &IndexOptions::default());
    let allow = Allowlist::new();
    let popular = Popularity::embedded();
    let matcher = Matcher::new(&index, psl, &allow, &popular).with_min_score(min);
    let mut scratch = Scratch::new();
    let feed = std::fs::read_to_string(feed)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in feed.lines() {
        if let Some(h) = matcher.check(line, &mut scratch) {
            serde_json::to_writer(&mut out, &h)?;
            writeln!(out)?;
        }
    }
    Ok(())
}
