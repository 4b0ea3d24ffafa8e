//! The JPCERT/CC recall evaluation's code path on a small hand-made sample
//! (`tests/fixtures/jpcert/sample.csv`). The evaluation over the whole list is the benchmark
//! `bench/jpcert_recall.sh DATA_DIR` (the `jpcert_recall` example), recorded in BENCHMARKS.md.

#[path = "../../examples/jpcert_recall/eval.rs"]
#[allow(dead_code)]
mod eval;

use domains::lookalike::{
    Allowlist, Brand, BrandIndex, IndexOptions, Matcher, Popularity, Scratch,
};
use domains::{DomainName, SuffixList};

const SAMPLE: &str = include_str!("../fixtures/jpcert/sample.csv");

#[test]
fn sample_lookalikes_are_found_with_their_brand() {
    let ev = eval::evaluate(SAMPLE.lines()).unwrap();
    // 12 rows name a known brand with a parseable host; the duplicate counts once.
    assert_eq!(ev.pairs, 11, "{ev:?}");
    // The two unrelated hosts do not resemble their brand; the others do.
    assert_eq!(ev.not_resembling, 2, "{ev:?}");
    assert_eq!(ev.resembling, 9, "{ev:?}");
    assert!(ev.misses.is_empty(), "missed: {:?}", ev.misses);
    assert_eq!(ev.hit_resembling, 9);
    assert_eq!(ev.hit_right_brand, 9, "hits: {:?}", ev.hits);
    assert_eq!(ev.hit_not_resembling, 0, "{ev:?}");
    let brand_of = |host: &str| {
        ev.hits
            .iter()
            .find(|(h, _, _)| h == host)
            .map(|(_, b, t)| (b.as_str(), t.as_str()))
    };
    assert_eq!(
        brand_of("kuronekoyamatc.cc").map(|b| b.0),
        Some("kuronekoyamato.co.jp")
    );
    assert_eq!(brand_of("biglobes.net").map(|b| b.0), Some("biglobe.ne.jp"));
    assert_eq!(brand_of("ucs-card.top").map(|b| b.0), Some("uccard.co.jp"));
    assert_eq!(
        brand_of("www.arnazon.jp.gavyif.top").map(|b| b.0),
        Some("amazon.co.jp")
    );
    // Recall and the cut-off table come from the same counts.
    assert_eq!(ev.recall(), 1.0);
    let at60 = ev.at.iter().find(|(c, _, _)| *c == 60).unwrap();
    assert_eq!(at60.1, 9);
    let at40 = ev.at.iter().find(|(c, _, _)| *c == 40).unwrap();
    assert!(at40.1 >= at60.1 && at40.2 >= at60.2);
    let report = ev.report();
    assert!(report.contains("11 unique (brand, host) pairs"), "{report}");
    assert!(report.contains("recall 1.000 (9 / 9)"), "{report}");
}

#[test]
fn the_resemblance_criterion_is_independent_and_strict() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Contained, or within distance 1 (4-5 letters) / 2 (6+ letters) of a label or token.
    assert!(eval::resembles("amazon-login.example.com", &s(&["amazon"])));
    assert!(eval::resembles("amaozn.example.com", &s(&["amazon"])));
    assert!(eval::resembles("bigloeb.net", &s(&["biglobe"])));
    assert!(!eval::resembles("flowers.example.com", &s(&["amazon"])));
    // Three letters or less: only as a whole label or hyphen token.
    assert!(eval::resembles("au-login.example.com", &s(&["au"])));
    assert!(!eval::resembles("beauty.example.com", &s(&["au"])));
    assert_eq!(eval::osa(b"amazon", b"amaozn"), 1);
    assert_eq!(eval::osa(b"kitten", b"sitting"), 3);
}

#[test]
fn popular_and_known_legit_lookalikes_are_not_flagged() {
    let psl = SuffixList::embedded();
    let brands = eval::brands().unwrap();
    let index = BrandIndex::build(&brands, psl, &IndexOptions::default());
    let allow = Allowlist::new();
    let popular = Popularity::embedded();
    let matcher = Matcher::new(&index, psl, &allow, &popular);
    let mut s = Scratch::new();
    let mut flagged = Vec::new();
    let tranco = include_str!("../../data/lookalike/tranco10k.txt");
    for n in tranco.lines().filter(|l| !l.starts_with('#')) {
        if let Some(h) = matcher.check(n, &mut s) {
            flagged.push(h.name);
        }
    }
    assert!(flagged.is_empty(), "popular names flagged: {flagged:?}");
    // Popular-looking but legitimate names that are NOT in the popularity list.
    for n in [
        "jtb.co.jp",
        "www.jtb.co.jp",
        "nta.co.jp",
        "jal.co.jp",
        "ana.co.jp",
        "sbi.co.jp",
    ] {
        assert!(matcher.check(n, &mut s).is_none(), "{n} flagged");
    }
    // paypay.ne.jp is a brand here; against paypal.com alone it must not be flagged either.
    let only_paypal = BrandIndex::build(
        &[Brand::new(DomainName::parse("paypal.com").unwrap())],
        psl,
        &IndexOptions::default(),
    );
    let none = Popularity::none();
    let m = Matcher::new(&only_paypal, psl, &allow, &none);
    assert!(m.check("paypay.ne.jp", &mut s).is_none());
    let jcb = BrandIndex::build(
        &[Brand::new(DomainName::parse("jcb.co.jp").unwrap())],
        psl,
        &IndexOptions::default(),
    );
    let m = Matcher::new(&jcb, psl, &allow, &none);
    assert!(m.check("jtb.co.jp", &mut s).is_none());
}
