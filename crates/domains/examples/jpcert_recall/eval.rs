//! The JPCERT/CC recall evaluation, shared by the `jpcert_recall` example (the benchmark over the
//! whole list) and the `domains::jpcert` integration test (a small hand-made sample).
//!
//! The list's rows are `date,URL,description` where the description names the imitated brand in
//! Japanese or English. Most phishing names there do not resemble the brand at all (random or
//! compromised domains), so recall is measured only over the (brand, host) pairs that *resemble*
//! the brand by an independent, simple criterion ([`resembles`]): after lower-casing, the host
//! contains one of the brand's strings (its label or a token from the table below; strings of 3
//! letters or less must be a whole label or hyphen token), or some label or hyphen token of the
//! host is within Damerau-Levenshtein distance 2 (strings of 6+ letters) or 1 (4-5 letters) of
//! one of them.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use domains::lookalike::{
    Allowlist, Brand, BrandIndex, DEFAULT_MIN_SCORE, IndexOptions, Matcher, Popularity, Scratch,
};
use domains::{DomainName, SuffixList};

/// (description in the list, brand domain, extra tokens). One brand per description; a few
/// descriptions share a domain.
pub const BRANDS: &[(&str, &str, &[&str])] = &[
    ("Amazon", "amazon.co.jp", &["amazon"]),
    ("三井住友カード", "smbc-card.com", &["smbc", "vpass"]),
    ("Vpass", "smbc-card.com", &["smbc", "vpass"]),
    ("au", "au.com", &["kddi", "auone"]),
    ("SAISON CARD", "saisoncard.co.jp", &["saison"]),
    ("えきねっと", "eki-net.com", &["ekinet"]),
    ("Apple ID", "apple.com", &["appleid", "icloud"]),
    ("三菱UFJニコス", "mufg.jp", &["nicos", "mufgcard"]),
    ("楽天", "rakuten.co.jp", &[]),
    ("楽天カード", "rakuten-card.co.jp", &["rakuten"]),
    ("メルカリ", "mercari.com", &[]),
    ("ETC利用照会サービス", "etc-meisai.jp", &["etcmeisai"]),
    ("エポスカード", "eposcard.co.jp", &["epos"]),
    ("イオンカード", "aeon.co.jp", &["aeoncard"]),
    ("イオン銀行", "aeonbank.co.jp", &["aeon"]),
    ("softbank", "softbank.jp", &[]),
    (
        "ヤマト運輸",
        "kuronekoyamato.co.jp",
        &["yamato", "kuroneko"],
    ),
    ("JCB", "jcb.co.jp", &[]),
    ("総務省", "soumu.go.jp", &[]),
    ("国税庁", "nta.go.jp", &["etax", "e-tax"]),
    ("MICARD", "micard.co.jp", &[]),
    ("NTT docomo", "docomo.ne.jp", &[]),
    ("Microsoft", "microsoft.com", &["office365", "outlook"]),
    ("Viewcard", "viewsnet.jp", &["viewcard"]),
    ("TS CUBIC CARD_MY TS3", "ts3card.com", &[]),
    ("三井住友銀行", "smbc.co.jp", &[]),
    ("BIGLOBE", "biglobe.ne.jp", &[]),
    ("ヨドバシカメラ", "yodobashi.com", &[]),
    ("アプラス", "aplus.co.jp", &[]),
    ("三越伊勢丹", "mistore.jp", &["isetan", "mitsukoshi"]),
    ("American Express", "americanexpress.com", &["amex"]),
    ("三井住友信託銀行", "smtb.jp", &[]),
    ("日本郵便", "japanpost.jp", &["jppost"]),
    ("JACCS", "jaccs.co.jp", &[]),
    ("NHK", "nhk.or.jp", &[]),
    ("NHKプラス", "nhk.or.jp", &["nhkplus"]),
    ("PayPay", "paypay.ne.jp", &[]),
    ("Orico", "orico.co.jp", &[]),
    ("Netflix", "netflix.com", &[]),
    ("ぷらら", "plala.or.jp", &[]),
    ("ポケットカード", "pocketcard.co.jp", &[]),
    ("LINE", "line.me", &[]),
    ("PayPal", "paypal.com", &[]),
    ("Yahoo! JAPAN", "yahoo.co.jp", &[]),
    ("UC Card", "uccard.co.jp", &[]),
    ("PayPay銀行", "paypay-bank.co.jp", &["paypay"]),
    ("TEPCO", "tepco.co.jp", &[]),
    ("VISA", "visa.co.jp", &[]),
    ("じぶん銀行", "jibunbank.co.jp", &[]),
    ("みずほ銀行", "mizuhobank.co.jp", &["mizuho"]),
    ("Wells Fargo", "wellsfargo.com", &[]),
    ("DHL", "dhl.com", &[]),
    ("LinkedIn", "linkedin.com", &[]),
    ("Facebook", "facebook.com", &[]),
];

/// Damerau-Levenshtein (optimal string alignment) distance.
pub fn osa(a: &[u8], b: &[u8]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let c = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + c);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[n][m]
}

/// Score cut-offs reported besides the default.
pub const CUTOFFS: [u8; 5] = [40, 50, 60, 70, 80];

/// The evaluation's counts.
#[derive(Debug, Default)]
pub struct Eval {
    /// Per cut-off: (cut-off, hits among resembling, hits among non-resembling).
    pub at: Vec<(u8, usize, usize)>,
    pub pairs: usize,
    pub resembling: usize,
    pub hit_resembling: usize,
    pub hit_right_brand: usize,
    pub not_resembling: usize,
    pub hit_not_resembling: usize,
    pub per_technique: BTreeMap<String, usize>,
    /// Resembling pairs missed at the default cut-off: (host, brand domain).
    pub misses: Vec<(String, String)>,
    /// Hits at the default cut-off on resembling pairs: (host, brand found, first technique).
    pub hits: Vec<(String, String, String)>,
}

impl Eval {
    pub fn recall(&self) -> f64 {
        self.hit_resembling as f64 / self.resembling.max(1) as f64
    }
    pub fn right_brand(&self) -> f64 {
        self.hit_right_brand as f64 / self.resembling.max(1) as f64
    }
    pub fn flagged_not_resembling(&self) -> f64 {
        self.hit_not_resembling as f64 / self.not_resembling.max(1) as f64
    }

    /// A readable report of the numbers recorded in BENCHMARKS.md.
    pub fn report(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} unique (brand, host) pairs of {} brands; {} resemble their brand",
            self.pairs,
            BRANDS.len(),
            self.resembling
        );
        let _ = writeln!(
            s,
            "recall {:.3} ({} / {}), with the right brand {:.3}; flagged among non-resembling {:.3} ({} / {})",
            self.recall(),
            self.hit_resembling,
            self.resembling,
            self.right_brand(),
            self.flagged_not_resembling(),
            self.hit_not_resembling,
            self.not_resembling
        );
        let _ = writeln!(s, "first technique of the hits: {:?}", self.per_technique);
        for (cut, r, n) in &self.at {
            let _ = writeln!(
                s,
                "  min-score {cut}: recall {:.3}, flagged among non-resembling {:.3}",
                *r as f64 / self.resembling.max(1) as f64,
                *n as f64 / self.not_resembling.max(1) as f64
            );
        }
        s
    }
}

/// The independent "resembles the brand at all" criterion (see the module docs).
pub fn resembles(host: &str, strings: &[String]) -> bool {
    let parts: Vec<&str> = host.split(['.', '-']).filter(|p| !p.is_empty()).collect();
    let labels: Vec<&str> = host.split('.').collect();
    for s in strings {
        let s = s.as_str();
        if s.len() <= 3 {
            if parts.contains(&s) || labels.contains(&s) {
                return true;
            }
            continue;
        }
        if host.contains(s) {
            return true;
        }
        let max = if s.len() >= 6 { 2 } else { 1 };
        if parts
            .iter()
            .chain(labels.iter())
            .any(|p| p.len().abs_diff(s.len()) <= max && osa(p.as_bytes(), s.as_bytes()) <= max)
        {
            return true;
        }
    }
    false
}

/// Brands whose label the brand-list lint calls a generic word (matched as `word` by
/// default) but that phishing imitates so often that a CSIRT protecting them sets
/// `mode=full` in its brand file, as this evaluation does (`apple.com mode=full`).
pub const FULL_MODE: &[&str] = &["apple.com", "line.me"];

/// The brands of [`BRANDS`] as the matcher takes them (one per domain).
pub fn brands() -> Result<Vec<Brand>, String> {
    let mut brands: Vec<Brand> = Vec::new();
    for (_, domain, tokens) in BRANDS {
        let d = DomainName::parse(domain).map_err(|e| format!("{domain}: {e}"))?;
        if !brands.iter().any(|b| b.domain == d) {
            let mut b = Brand::new(d);
            b.tokens = tokens.iter().map(|t| t.to_string()).collect();
            if FULL_MODE.contains(domain) {
                b.mode = Some(domains::lookalike::BrandMode::Full);
            }
            brands.push(b);
        }
    }
    Ok(brands)
}

/// Evaluates the matcher over the rows of the list (`date,URL,description`; lines that do not
/// have that shape, such as the header, are skipped). Pairs are counted once across all rows.
pub fn evaluate<'a>(rows: impl IntoIterator<Item = &'a str>) -> Result<Eval, String> {
    let psl = SuffixList::embedded();
    let brands = brands()?;
    // The brand's strings (label + tokens) by description.
    let mut by_desc: BTreeMap<&str, (String, Vec<String>)> = BTreeMap::new();
    for (desc, domain, tokens) in BRANDS {
        let label = psl
            .split(domain, domains::Section::All)
            .and_then(|s| s.registrable_label().map(str::to_string))
            .ok_or_else(|| format!("{domain}: no registrable label"))?;
        let mut strings = vec![label];
        strings.extend(tokens.iter().map(|t| t.to_string()));
        by_desc.insert(desc, (domain.to_string(), strings));
    }
    let index = BrandIndex::build(&brands, psl, &IndexOptions::default());
    let allow = Allowlist::new();
    let popular = Popularity::embedded();
    let matcher = Matcher::new(&index, psl, &allow, &popular).with_min_score(1);
    let mut scratch = Scratch::new();

    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut ev = Eval {
        at: CUTOFFS.iter().map(|&c| (c, 0, 0)).collect(),
        ..Eval::default()
    };
    for line in rows {
        let Some((_, rest)) = line.split_once(',') else {
            continue;
        };
        let Some((url, desc)) = rest.rsplit_once(',') else {
            continue;
        };
        let Some((brand_domain, strings)) = by_desc.get(desc.trim()) else {
            continue;
        };
        let Some(host) = domains::feed::url_host(url) else {
            continue;
        };
        let Ok(host) = DomainName::parse(host) else {
            continue;
        };
        let host = host.as_str().to_string();
        if !seen.insert((brand_domain.clone(), host.clone())) {
            continue;
        }
        ev.pairs += 1;
        let any = matcher.check(&host, &mut scratch);
        let resembling = resembles(&host, strings);
        if let Some(h) = &any {
            for (cut, r, n) in ev.at.iter_mut() {
                if h.score >= *cut {
                    if resembling {
                        *r += 1;
                    } else {
                        *n += 1;
                    }
                }
            }
        }
        let hit = any.filter(|h| h.score >= DEFAULT_MIN_SCORE);
        if resembling {
            ev.resembling += 1;
            match hit {
                Some(h) => {
                    ev.hit_resembling += 1;
                    if h.brand == *brand_domain {
                        ev.hit_right_brand += 1;
                    }
                    let technique = h.techniques.first().cloned().unwrap_or_default();
                    *ev.per_technique.entry(technique.clone()).or_default() += 1;
                    ev.hits.push((host, h.brand.to_string(), technique));
                }
                None => ev.misses.push((host, brand_domain.clone())),
            }
        } else {
            ev.not_resembling += 1;
            if hit.is_some() {
                ev.hit_not_resembling += 1;
            }
        }
    }
    Ok(ev)
}
