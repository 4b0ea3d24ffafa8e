//! `cargo run --release -p domains --example fuzz_recall -- BRAND...`: for each brand and each
//! `fuzz` family (every technique, the large ones too; TLD swaps limited to com, xyz, cc and
//! co.jp), how many of the generated names the matcher flags with only that brand indexed, at
//! the default score. The table of BENCHMARKS.md's "scan recall on the fuzz families".

use domains::fuzz::{FuzzOptions, Technique, permutations};
use domains::lookalike::{
    Allowlist, Brand, BrandIndex, IndexOptions, Matcher, Popularity, Scratch,
};
use domains::{DomainName, SuffixList};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let psl = SuffixList::embedded();
    let allow = Allowlist::new();
    let popular = Popularity::embedded();
    println!("| brand | family | flagged / generated |");
    println!("|---|---|---|");
    for b in std::env::args().skip(1) {
        let d = DomainName::parse(&b)?;
        let index = BrandIndex::build(&[Brand::new(d.clone())], psl, &IndexOptions::default());
        let matcher = Matcher::new(&index, psl, &allow, &popular);
        let mut s = Scratch::new();
        for &t in Technique::all() {
            let opts = FuzzOptions {
                techniques: vec![t],
                tlds: Some(["com", "xyz", "cc", "co.jp"].map(String::from).to_vec()),
                ..FuzzOptions::default()
            };
            let perms = permutations(&d, psl, &opts)?;
            if perms.is_empty() {
                continue;
            }
            let hit = perms
                .iter()
                .filter(|p| matcher.check(p.name.as_str(), &mut s).is_some())
                .count();
            println!(
                "| {b} | {t} | {hit} / {} ({:.0}%) |",
                perms.len(),
                100.0 * hit as f64 / perms.len() as f64
            );
        }
    }
    Ok(())
}
