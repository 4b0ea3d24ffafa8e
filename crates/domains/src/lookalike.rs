//! The lookalike matcher: which of my brands does this name imitate, how strongly, and why.
//!
//! Build a [`BrandIndex`] once from the brands, then call [`Matcher::check`] for every name of
//! a feed. The non-hit path allocates nothing (all buffers live in a per-thread [`Scratch`]);
//! a [`Hit`] allocates (hits are rare).
//!
//! # Which view of the Public Suffix List
//! Brands and names are split under [`Section::All`] (ICANN and private rules), so that the unit
//! compared is what one party controls: `brand.github.io` is a brand unit with label `brand`,
//! and `paypal-login.github.io` is an attacker's unit with label `paypal-login`. The
//! `registrable` reported in a [`Hit`] is the ICANN view (what was bought from a registry:
//! `github.io`), because that is what a takedown or a WHOIS query needs.
//!
//! # What is looked for (techniques)
//! - `tld-swap`: the brand label under another suffix (`amazon.xyz` for `amazon.co.jp`).
//! - `edit-distance` (+ `permutation:<kind>` naming the dnstwist-style kind for one edit):
//!   bounded optimal-string-alignment distance between a label (the registrable label, its
//!   hyphen tokens, its dehyphenated form, subdomain labels) and a brand label: 0 edits for
//!   brands of at most 4 letters, 1 for 5 letters, 2 from 6 letters. Candidates come from a
//!   symmetric-delete index (every brand label's deletions up to 2 are hashed at build time; a
//!   name probes its own deletions), then the real distance verifies them.
//! - `homograph`: equal UTS #39 skeletons after Punycode decoding (`xn--` labels), or equal
//!   ASCII skeletons (`rn`/`m`, `0`/`o`, `1`/`l`, `vv`/`w`, `cl`/`d`).
//! - `combosquat`: the brand label inside the registrable label next to other words
//!   (`amazon-login`, `myrakuten`); short brands only at label or hyphen boundaries.
//! - `brand-in-subdomain`: the brand in the labels left of the registrable domain
//!   (`www.ucscard.co.jp.okiae.com`, `us-west-1-amazon.ua-energy.cloud`), also misspelt (edit
//!   distance) or as a homoglyph (equal ASCII skeletons: `www.arnazon.jp.gavyif.top`).
//! - `brand-token`: an extra brand token (from the brand list) or the brand label without
//!   boundaries.
//! - `fake-nameserver`: imitations of DNS operators' name-server domains (`awsdns-017.net`).
//!
//! - `alias`: a name of the brand in another script (`ヤマト運輸`, from the brand file) inside a
//!   decoded `xn--` label.
//!
//! # Brand-list lint and modes
//! [`BrandIndex::build`] lints every brand string ([`BrandIndex::lint`]): a host-name label
//! (`www` of `www.gob.pe`, `mail`) or a string without letters (`101`) is matched
//! [`BrandMode::Strict`] (the whole label only); a generic word of the embedded list
//! (`discover`) [`BrandMode::Word`] (also as a whole token next to a strong phishing keyword or
//! the brand's suffix); a short one (3 letters or less) only at `.`/`-` boundaries, without
//! edits. `mode=` in the brand file overrides. For every brand: a letter/digit transition is no
//! boundary for short brands and no word boundary after a digit (`sport1478`), a brand glued
//! inside a machine-made token (`x9k2slackq7`, see [`looks_random`]) or inside a longer word
//! (`canva` in `canvas`) is no combosquat, an edit that is a word itself or a popular name's
//! label (`mail`, `microsoft`) is no typo, another number of a numbered brand (`awsdns-47`) is
//! no lookalike, and CDN edge names (`*.edgekey.net`) and `.arpa` names are never reported.
//!
//! # Scoring (0-100)
//! Each finding starts from a base for its technique:
//! - homograph: 92 (IDN, equal UTS #39 skeletons) or 85 (ASCII skeleton); an ASCII skeleton
//!   in a subdomain label or hyphen token 80, followed by the brand's suffix (`.co.jp.`) +12;
//! - edit distance: `88 - 30 x weighted cost`, +1.5 per letter of brand beyond 6 (at most +9),
//!   -12 for two edits on a brand shorter than 9 letters (-4 from 9 letters) unless both are
//!   look-alike glyphs (`b19lobe`); the weighted cost
//!   of an edit is small when it is hard to see (look-alike glyphs 0.3, hyphens and doubled
//!   letters 0.3-0.4, transpositions and keyboard neighbours 0.5, a one-bit flip 0.6) and 1.0
//!   for an unrelated letter; in a subdomain -5, followed by the brand's suffix (`.co.ip.`) +12;
//! - tld-swap 70, hyphenation (`ucs-card`) 75, an extra brand token as the whole label 70;
//! - brand text in the registrable label (combosquat): 70 with boundaries on both sides, 64 on
//!   one, 50 on none; +6 with a phishing keyword next to it, +8 when the brand's suffix follows
//!   (`amazon-co-jp`);
//!   -25 when the words added are all service vocabulary (`cdn`, `static`, `ads`: the embedded
//!   `service-words.txt`) and nothing else points at phishing (no strong keyword, no TLD
//!   common in abuse, no random-looking subdomain, no doubled hyphen, no suffix spelled out);
//! - brand text in a subdomain: 80 when the brand's whole domain is spelled out
//!   (`ucscard.co.jp.`), 68 as a whole label, 66/60/48 with boundaries on both/one/no sides;
//! - fake name server: 80.
//!
//! Brand length: found text gets -20 (2 letters), -12 (3), -10 (4), -8 (5), -3 (6), +5 (7-9),
//! +8 (10+); other techniques -20 for 4 letters or less and -14 for 5 (short labels exist
//! everywhere: `jtb` is not `jcb`, and 3-letter brands get no edits at all).
//!
//! Then for the name: +10 for a TLD common in abuse, +6 per phishing keyword among its labels
//! and hyphen tokens (`login`, `secure`, `jp`..., also one edit off for 5+ letters: `lpgin`; at
//! most 3), +5 per additional technique for
//! the same brand (at most +10), -10 to -25 for generic brand words (glued inside at least 3
//! popular names, like `health` in `menshealth`), and -60 when the name's registrable domain is
//! in the popularity list (a top-10k site is rarely a fresh lookalike). The brands' own names
//! and allowlisted names are never reported. The default threshold is [`DEFAULT_MIN_SCORE`]:
//! `paypay.ne.jp` (one unrelated letter from `paypal`, 58) stays below it,
//! `kuronekoyamatc.cc` (a look-alike letter, a long brand, an abused TLD) scores 97.

mod edit;
mod punycode;
pub mod tables;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use foldhash::fast::FixedState;
use serde::Serialize;

use crate::name::DomainName;
use crate::psl::{Section, SuffixList};

pub use edit::Op;
use edit::{Hashes, WeightedScratch};

/// Hits below this score are not reported by default.
pub const DEFAULT_MIN_SCORE: u8 = 60;

/// The popularity list embedded (Tranco top 10k via the MISP warning list, CC0).
pub const EMBEDDED_POPULAR: &str = include_str!("../data/lookalike/tranco10k.txt");

type Map<K, V> = HashMap<K, V, FixedState>;
type Set<K> = HashSet<K, FixedState>;

/// How a brand's strings are matched (see the brand-list lint, [`BrandIndex::lint`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BrandMode {
    /// Every technique: edits, homographs, TLD swaps, combosquats, the brand in subdomains.
    Full,
    /// A generic word (`discover`, `line`): everything `strict` finds, plus the word as a whole
    /// label or hyphen token when the name also carries a phishing keyword or the brand's
    /// suffix (`apple-id-login.com`, `line.me-verify.top`); never glued inside other words,
    /// never an edit that is itself a word (`mail` is no typo of `gmail`).
    Word,
    /// Only the whole brand: the label under another suffix (tld-swap), its homographs (ASCII
    /// look-alikes, IDN) and the label with hyphens added; nothing inside other names.
    Strict,
}

impl BrandMode {
    /// The name used in brand files and output (`full`, `word`, `strict`).
    pub fn as_str(self) -> &'static str {
        match self {
            BrandMode::Full => "full",
            BrandMode::Word => "word",
            BrandMode::Strict => "strict",
        }
    }

    fn parse(s: &str) -> Option<BrandMode> {
        match s {
            "full" | "normal" => Some(BrandMode::Full),
            "word" => Some(BrandMode::Word),
            "strict" => Some(BrandMode::Strict),
            _ => None,
        }
    }
}

/// A brand to protect: its domain, optional extra tokens (aliases such as `ucs-card`), names in
/// other scripts, a matching mode and words that contain the brand but are not it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// The brand's own domain (its registrable domain and everything below it are the brand's).
    pub domain: DomainName,
    /// Extra strings that stand for the brand (lower case; `a-z0-9-`).
    pub tokens: Vec<String>,
    /// Names of the brand in other scripts (`ヤマト運輸`, `黒猫`), matched inside decoded
    /// U-labels (technique `alias`); lower case, NFC.
    pub aliases: Vec<String>,
    /// The matching mode chosen in the brand file (`mode=`); `None` lets the lint decide.
    pub mode: Option<BrandMode>,
    /// Labels, hyphen tokens or domains that contain the brand but are not it (`allow=`):
    /// a finding inside one of these words, or on one of these names and below, is dropped.
    pub allow: Vec<String>,
}

/// A line of a brand list that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrandError {
    #[error("line {line}: {source}")]
    Name {
        line: usize,
        source: crate::name::NameError,
    },
    #[error("line {line}: token {token:?} must be 2-63 characters of a-z, 0-9 and '-'")]
    Token { line: usize, token: String },
    #[error("line {line}: {domain} is a public suffix, not a brand domain")]
    PublicSuffix { line: usize, domain: String },
    #[error(
        "line {line}: unknown option {option:?} (known: mode=full|word|strict, allow=WORD,..., alias=NAME,...)"
    )]
    Option { line: usize, option: String },
}

impl Brand {
    /// A brand without extra tokens.
    pub fn new(domain: DomainName) -> Brand {
        Brand {
            domain,
            tokens: Vec::new(),
            aliases: Vec::new(),
            mode: None,
            allow: Vec::new(),
        }
    }

    /// Parses a brand list: one brand a line, `#` comments:
    ///
    /// ```text
    /// domain [token,token...] [NAME...] [mode=full|word|strict] [allow=word,...] [alias=NAME,...]
    /// ```
    ///
    /// Tokens are ASCII (`ucs-card`); a word with characters outside ASCII is an alias in
    /// another script (`kuronekoyamato.co.jp yamato ヤマト運輸 クロネコヤマト 黒猫`). A plain
    /// one-domain-a-line file stays valid.
    pub fn parse_list(text: &str) -> Result<Vec<Brand>, BrandError> {
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(d) = parts.next() else { continue };
            let domain = DomainName::parse(d).map_err(|source| BrandError::Name {
                line: i + 1,
                source,
            })?;
            let mut brand = Brand::new(domain);
            for p in parts {
                let (key, value) = match p.split_once('=') {
                    Some((k, v)) => (Some(k.to_ascii_lowercase()), v),
                    None => (None, p),
                };
                let items = value.split(',').map(str::trim).filter(|t| !t.is_empty());
                let bad = || BrandError::Option {
                    line: i + 1,
                    option: p.chars().take(80).collect(),
                };
                match key.as_deref() {
                    Some("mode") => {
                        brand.mode =
                            Some(BrandMode::parse(&value.to_ascii_lowercase()).ok_or_else(bad)?);
                    }
                    Some("allow") => {
                        brand.allow.extend(items.map(|t| t.to_lowercase()));
                    }
                    Some("alias") => {
                        brand.aliases.extend(items.map(normalize_alias));
                    }
                    Some(_) => return Err(bad()),
                    None => {
                        for t in items {
                            if !t.is_ascii() {
                                brand.aliases.push(normalize_alias(t));
                                continue;
                            }
                            let t = t.to_ascii_lowercase();
                            if t.len() < 2
                                || t.len() > 63
                                || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                            {
                                return Err(BrandError::Token {
                                    line: i + 1,
                                    token: t.chars().take(80).collect(),
                                });
                            }
                            brand.tokens.push(t);
                        }
                    }
                }
            }
            brand.aliases.retain(|a| !a.is_empty());
            out.push(brand);
        }
        Ok(out)
    }
}

/// An alias as matched: lower case, NFC (what a decoded U-label holds).
fn normalize_alias(a: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    a.nfc().collect::<String>().to_lowercase()
}

/// Names never reported: exact names (`example.com`: that name only) and suffix entries
/// (`*.example.com` or `.example.com`: the name and everything below it).
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    names: Set<Box<str>>,
    suffixes: Set<Box<str>>,
}

/// An allowlist file that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AllowlistError {
    #[error("allowlist JSON: {0}")]
    Json(String),
}

impl Allowlist {
    /// An empty allowlist.
    pub fn new() -> Allowlist {
        Allowlist::default()
    }

    /// Adds one entry (`example.com`, `*.example.com`, `.example.com`); invalid entries are
    /// ignored and reported as false.
    pub fn insert(&mut self, entry: &str) -> bool {
        let e = entry.trim();
        let (e, suffix) = match e.strip_prefix("*.").or_else(|| e.strip_prefix('.')) {
            Some(rest) => (rest, true),
            None => (e, false),
        };
        match DomainName::parse(e) {
            Ok(d) => {
                let set = if suffix {
                    &mut self.suffixes
                } else {
                    &mut self.names
                };
                set.insert(d.as_str().into());
                true
            }
            Err(_) => false,
        }
    }

    /// Reads a plain list (one entry a line, `#` comments) or a MISP warning list
    /// (`{"list": [...]}`), detected from the first non-blank character.
    pub fn parse(text: &str) -> Result<Allowlist, AllowlistError> {
        let mut a = Allowlist::new();
        a.extend_from_text(text)?;
        Ok(a)
    }

    /// Adds the entries of a plain list or MISP warning list.
    pub fn extend_from_text(&mut self, text: &str) -> Result<usize, AllowlistError> {
        let mut n = 0;
        if text.trim_start().starts_with('{') {
            #[derive(serde::Deserialize)]
            struct Misp {
                list: Vec<String>,
            }
            let m: Misp =
                serde_json::from_str(text).map_err(|e| AllowlistError::Json(e.to_string()))?;
            for e in &m.list {
                n += usize::from(self.insert(e));
            }
        } else {
            for line in text.lines() {
                let l = line.split('#').next().unwrap_or("").trim();
                if !l.is_empty() {
                    n += usize::from(self.insert(l));
                }
            }
        }
        Ok(n)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.names.len() + self.suffixes.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.suffixes.is_empty()
    }

    /// Whether `name` (normalised) or one of its parents is listed.
    pub fn contains(&self, name: &str) -> bool {
        if self.names.contains(name) {
            return true;
        }
        if self.suffixes.is_empty() {
            return false;
        }
        let mut rest = name;
        loop {
            if self.suffixes.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, r)) => rest = r,
                None => return false,
            }
        }
    }
}

/// Registrable domains that are popular (e.g. a Tranco top list): strong evidence against a
/// fresh lookalike.
#[derive(Debug, Clone, Default)]
pub struct Popularity {
    names: Set<Box<str>>,
}

impl Popularity {
    /// An empty list (no popularity signal).
    pub fn none() -> Popularity {
        Popularity::default()
    }

    /// One registrable domain a line, `#` comments.
    pub fn from_lines(text: &str) -> Popularity {
        let names = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| DomainName::parse(l).ok())
            .map(|d| d.as_str().into())
            .collect();
        Popularity { names }
    }

    /// The embedded Tranco top 10k ([`EMBEDDED_POPULAR`]).
    pub fn embedded() -> Popularity {
        Popularity::from_lines(EMBEDDED_POPULAR)
    }

    /// Whether `registrable` is listed.
    pub fn contains(&self, registrable: &str) -> bool {
        self.names.contains(registrable)
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnitKind {
    /// The brand's registrable label.
    Label,
    /// An extra token from the brand list.
    Token,
    /// A name in another script, matched inside decoded U-labels only.
    Alias,
}

#[derive(Debug, Clone)]
struct Unit {
    text: Box<str>,
    brand: u32,
    kind: UnitKind,
    max_edits: u8,
    mode: BrandMode,
}

#[derive(Debug, Clone)]
struct BrandEntry {
    domain: DomainName,
    suffix: Box<str>,
    /// Words containing the brand that are not it (`allow=` without a dot).
    allow_words: Vec<Box<str>>,
}

/// Why a brand string needs care (the brand-list lint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LintKind {
    /// A generic English word (`discover`, `mail`): found inside countless innocent names.
    GenericWord,
    /// Three letters or less (`au`, `uu`): found inside random labels.
    Short,
    /// A word used as a host label (`www`, `mail`, `api`): the brand domain looks like a
    /// host under a public suffix (`www.gob.pe`, whose registrable label is `www`).
    HostLabel,
    /// No letters at all (`101.ru`, `166.com`): numbers occur everywhere.
    Numeric,
}

impl LintKind {
    /// The name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            LintKind::GenericWord => "generic-word",
            LintKind::Short => "short",
            LintKind::HostLabel => "host-label",
            LintKind::Numeric => "numeric",
        }
    }
}

/// One line of the brand-list lint: a brand string that needs care and how it is matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrandLint {
    /// The brand's domain.
    pub brand: String,
    /// The string concerned (the brand's registrable label or one of its tokens).
    pub text: String,
    /// What is wrong with it (empty when only the mode was set in the file).
    pub findings: Vec<LintKind>,
    /// How it is matched.
    pub mode: BrandMode,
    /// Whether the mode was set in the brand file (`mode=`) rather than chosen by the lint.
    pub mode_from_file: bool,
    /// One line for people.
    pub note: String,
}

/// The embedded generic-word list (written for this project; one word a line).
pub const EMBEDDED_GENERIC_WORDS: &str = include_str!("../data/lookalike/generic-words.txt");

fn generic_words() -> &'static Set<&'static str> {
    static WORDS: std::sync::OnceLock<Set<&'static str>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        EMBEDDED_GENERIC_WORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `w` is a generic English word of the embedded list or a common host label.
pub fn is_generic_word(w: &str) -> bool {
    generic_words().contains(w) || tables::is_common_word(w)
}

/// The embedded infrastructure and service vocabulary (`cdn`, `static`, `ads`, `telemetry`,
/// `crl`; written for this project, one word a line, its rationale at the top of the file).
pub const EMBEDDED_SERVICE_WORDS: &str = include_str!("../data/lookalike/service-words.txt");

fn service_words() -> &'static Set<&'static str> {
    static WORDS: std::sync::OnceLock<Set<&'static str>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| {
        EMBEDDED_SERVICE_WORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Whether `t` is a word of the service vocabulary, optionally followed by digits (`cdn2`).
pub fn is_service_word(t: &str) -> bool {
    let w = t.trim_end_matches(|c: char| c.is_ascii_digit());
    !w.is_empty() && service_words().contains(w)
}

/// Whether every word that `label` adds to the brand text at `st..en` (offsets in `label`) is
/// service vocabulary: `myworkdaycdn`, `amazon-ads-attestation`, `static-brand2`. At least one
/// word must be added; a hyphen token holding the brand counts by its glued remainder.
fn adds_only_service_words(label: &str, st: usize, en: usize) -> bool {
    let (Some(before), Some(after)) = (label.get(..st), label.get(en..)) else {
        return false;
    };
    let mut any = false;
    for part in before.split('-').chain(after.split('-')) {
        if part.is_empty() {
            continue;
        }
        if !is_service_word(part) {
            return false;
        }
        any = true;
    }
    any
}

/// What the lint finds about one brand string, and the mode it gets unless the file says.
fn lint_unit(text: &str, is_label: bool) -> (Vec<LintKind>, BrandMode) {
    let mut f = Vec::new();
    if is_label && tables::COMMON_WORDS.contains(&text) {
        f.push(LintKind::HostLabel);
    }
    if !text.bytes().any(|c| c.is_ascii_lowercase()) {
        f.push(LintKind::Numeric);
    }
    if text.len() <= 3 {
        f.push(LintKind::Short);
    }
    if text.len() >= 3 && generic_words().contains(text) && !f.contains(&LintKind::HostLabel) {
        f.push(LintKind::GenericWord);
    }
    let mode = if f.contains(&LintKind::HostLabel) || f.contains(&LintKind::Numeric) {
        BrandMode::Strict
    } else if f.contains(&LintKind::GenericWord) {
        BrandMode::Word
    } else {
        BrandMode::Full
    };
    (f, mode)
}

fn lint_note(text: &str, findings: &[LintKind], mode: BrandMode, from_file: bool) -> String {
    let why: Vec<&str> = findings
        .iter()
        .map(|k| match k {
            LintKind::GenericWord => "a generic word",
            LintKind::Short => "3 letters or less",
            LintKind::HostLabel => {
                "a host-name label (the domain looks like a host under a public suffix)"
            }
            LintKind::Numeric => "no letters",
        })
        .collect();
    let how = match mode {
        BrandMode::Full if findings.contains(&LintKind::Short) => {
            "matched as the whole label or a whole hyphen token (also glued to a keyword: `myau`), without edits; a letter/digit transition is no boundary"
        }
        BrandMode::Full => "matched with every technique",
        BrandMode::Word => {
            "matched as the whole label (tld-swap, homograph) or as a whole label or hyphen token next to a phishing keyword or its suffix; never inside other words"
        }
        BrandMode::Strict => {
            "matched strictly: the whole label only (tld-swap, homograph, hyphens added)"
        }
    };
    let set = if from_file {
        " (mode set in the brand file)"
    } else {
        ""
    };
    if why.is_empty() {
        format!("{text}: {how}{set}")
    } else {
        format!("{text}: {}; {how}{set}", why.join(", "))
    }
}

/// Index-building options.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Edits allowed for brand labels of 6+ letters (1 or 2; 0 turns edit distance off).
    pub max_edits: u8,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions { max_edits: 2 }
    }
}

/// Everything about the brands the matcher needs, built once.
pub struct BrandIndex {
    brands: Vec<BrandEntry>,
    units: Vec<Unit>,
    exact: Map<u64, Vec<u32>>,
    deletes: Map<u64, Vec<u32>>,
    bloom: Vec<u64>,
    skeletons: Map<u64, Vec<u32>>,
    unicode_skeletons: Map<Box<str>, Vec<u32>>,
    ac: Option<AhoCorasick>,
    ac_units: Vec<u32>,
    own: Set<Box<str>>,
    min_len: usize,
    max_len: usize,
    /// Names allowed by the brand file (`allow=` entries with a dot).
    allow: Allowlist,
    /// Aho-Corasick over the aliases (units of kind `Alias`), for decoded U-labels.
    alias_ac: Option<AhoCorasick>,
    alias_units: Vec<u32>,
    lint: Vec<BrandLint>,
    /// Unique per built index: keys the matcher's per-scratch probe cache.
    id: u64,
}

/// The next [`BrandIndex`] id (0 is never given: an empty probe cache's).
static NEXT_INDEX_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

const BLOOM_BITS: usize = 1 << 21;

/// Length of the leading window of a label that the deletion index covers.
const WINDOW: usize = 8;

fn bloom_bit(k: u64) -> (usize, u64) {
    let b = (k >> 40) as usize & (BLOOM_BITS - 1);
    (b >> 6, 1u64 << (b & 63))
}

fn max_edits_for(len: usize, opt: u8) -> u8 {
    match len {
        0..=3 => 0,
        4 | 5 => opt.min(1),
        _ => opt,
    }
}

impl std::fmt::Debug for BrandIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrandIndex")
            .field("brands", &self.brands.len())
            .field("units", &self.units.len())
            .field("deletions", &self.deletes.len())
            .finish()
    }
}

impl BrandIndex {
    /// Builds the index. Brands that are public suffixes themselves are skipped.
    pub fn build(brands: &[Brand], psl: &SuffixList, opts: &IndexOptions) -> BrandIndex {
        let mut idx = BrandIndex {
            id: NEXT_INDEX_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            brands: Vec::new(),
            units: Vec::new(),
            exact: Map::default(),
            deletes: Map::default(),
            bloom: vec![0; BLOOM_BITS / 64],
            skeletons: Map::default(),
            unicode_skeletons: Map::default(),
            ac: None,
            ac_units: Vec::new(),
            own: Set::default(),
            min_len: usize::MAX,
            max_len: 0,
            allow: Allowlist::new(),
            alias_ac: None,
            alias_units: Vec::new(),
            lint: Vec::new(),
        };
        let mut seen_units: Set<(Box<str>, u32)> = Set::default();
        for b in brands {
            let name = b.domain.as_str();
            // A brand that is itself a private suffix (`edgesuite.net`, `pantheonsite.io`)
            // is compared as its ICANN unit.
            let Some(split) = psl
                .split(name, Section::All)
                .filter(|s| s.registrable.is_some())
                .or_else(|| psl.split(name, Section::Icann))
            else {
                continue;
            };
            let (Some(reg), Some(label)) = (split.registrable, split.registrable_label()) else {
                continue;
            };
            // Only the `Section::All` unit: for `brand.github.io` the ICANN registrable is the
            // platform (`github.io`), which the brand does not own.
            idx.own.insert(reg.into());
            let bi = idx.brands.len() as u32;
            let mut allow_words = Vec::new();
            for a in &b.allow {
                if a.contains('.') {
                    idx.allow
                        .insert(&format!("*.{}", a.trim_start_matches("*.")));
                } else {
                    allow_words.push(a.as_str().into());
                }
            }
            idx.brands.push(BrandEntry {
                domain: b.domain.clone(),
                suffix: split.suffix.into(),
                allow_words,
            });
            let mut add = |text: &str, kind: UnitKind, idx: &mut BrandIndex| {
                if text.len() < 2 || !seen_units.insert((text.into(), bi)) {
                    return;
                }
                let (findings, auto) = if kind == UnitKind::Alias {
                    (Vec::new(), BrandMode::Full)
                } else {
                    lint_unit(text, kind == UnitKind::Label)
                };
                let mode = b.mode.unwrap_or(auto);
                if kind != UnitKind::Alias && (!findings.is_empty() || b.mode.is_some()) {
                    idx.lint.push(BrandLint {
                        brand: b.domain.as_str().to_string(),
                        text: text.to_string(),
                        note: lint_note(text, &findings, mode, b.mode.is_some()),
                        findings,
                        mode,
                        mode_from_file: b.mode.is_some(),
                    });
                }
                idx.units.push(Unit {
                    text: text.into(),
                    brand: bi,
                    kind,
                    max_edits: if mode == BrandMode::Strict || kind == UnitKind::Alias {
                        0
                    } else {
                        max_edits_for(text.len(), opts.max_edits)
                    },
                    mode,
                });
            };
            add(label, UnitKind::Label, &mut idx);
            if label.contains('-') && !label.starts_with("xn--") {
                // `smbc-card` is also written `smbccard`.
                let joined: String = label.chars().filter(|&c| c != '-').collect();
                add(&joined, UnitKind::Token, &mut idx);
            }
            for t in &b.tokens {
                add(t, UnitKind::Token, &mut idx);
                let joined: String = t.chars().filter(|&c| c != '-').collect();
                if joined != *t {
                    add(&joined, UnitKind::Token, &mut idx);
                }
            }
            for a in &b.aliases {
                add(a, UnitKind::Alias, &mut idx);
            }
        }
        let mut skel = String::new();
        let mut text = String::new();
        let mut chars = Vec::new();
        let mut patterns: Vec<&str> = Vec::new();
        let mut alias_patterns: Vec<&str> = Vec::new();
        for (ui, u) in idx.units.iter().enumerate() {
            let ui = ui as u32;
            if u.kind == UnitKind::Alias {
                alias_patterns.push(&u.text);
                idx.alias_units.push(ui);
                continue;
            }
            let t = u.text.as_bytes();
            idx.min_len = idx.min_len.min(t.len());
            idx.max_len = idx.max_len.max(t.len());
            idx.exact.entry(edit::hash(t)).or_default().push(ui);
            tables::ascii_skeleton(&u.text, &mut skel);
            idx.skeletons
                .entry(edit::hash(skel.as_bytes()))
                .or_default()
                .push(ui);
            unicode_skeleton_of(&u.text, &mut chars, &mut text, &mut skel);
            idx.unicode_skeletons
                .entry(skel.as_str().into())
                .or_default()
                .push(ui);
            if u.max_edits > 0 && !u.text.starts_with("xn--") {
                let mut keys = Vec::new();
                deletion_keys(
                    &t[..t.len().min(WINDOW)],
                    usize::from(u.max_edits),
                    &mut keys,
                );
                keys.sort_unstable();
                keys.dedup();
                for k in keys {
                    idx.deletes.entry(k).or_default().push(ui);
                    let (w, bit) = bloom_bit(k);
                    idx.bloom[w] |= bit;
                }
            }
            // A strict unit is only ever the whole label: nothing to find inside names.
            if u.mode != BrandMode::Strict {
                patterns.push(&u.text);
                idx.ac_units.push(ui);
            }
        }
        if !alias_patterns.is_empty() {
            idx.alias_ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&alias_patterns)
                .ok();
        }
        if !patterns.is_empty() {
            idx.ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .or_else(|_| {
                    AhoCorasick::builder()
                        .match_kind(MatchKind::Standard)
                        .build(&patterns)
                })
                .ok();
        }
        if idx.min_len == usize::MAX {
            idx.min_len = 0;
        }
        idx
    }

    /// Number of brands indexed.
    pub fn len(&self) -> usize {
        self.brands.len()
    }

    /// Whether no brand was indexed.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
    }

    /// The brand-list lint: every brand string that is a generic word, too short or a
    /// host-name label, or whose mode the brand file sets, with how it is matched.
    pub fn lint(&self) -> &[BrandLint] {
        &self.lint
    }

    /// Whether `registrable` (`Section::All` view) is one of the brands' own domains.
    pub fn is_own(&self, registrable: &str) -> bool {
        self.own.contains(registrable)
    }
}

fn deletion_keys(t: &[u8], depth: usize, out: &mut Vec<u64>) {
    let mut h = Hashes::default();
    h.load(t);
    out.push(h.whole());
    let n = h.len();
    if depth >= 1 {
        for i in 0..n {
            out.push(h.del1(i));
        }
    }
    if depth >= 2 && n >= 2 {
        for i in 0..n {
            for j in i + 1..n {
                out.push(h.del2(i, j));
            }
        }
    }
}

/// UTS #39 skeleton of a label given as Unicode (or A-label text), lower-cased, into `out`.
fn unicode_skeleton_of(label: &str, chars: &mut Vec<char>, text: &mut String, out: &mut String) {
    out.clear();
    let decoded: Option<&[char]> = match label.strip_prefix("xn--") {
        Some(rest) if punycode::decode(rest, chars) => Some(chars),
        Some(_) => None,
        None => None,
    };
    match decoded {
        Some(cs) => {
            text.clear();
            text.extend(cs.iter());
            // The skeleton is decomposed (NFD): dropping combining marks folds `ÿ` to `y`.
            for c in unicode_security::skeleton(text).filter(|&c| !is_combining_mark(c)) {
                out.extend(c.to_lowercase());
            }
        }
        None => {
            for c in unicode_security::skeleton(label) {
                out.extend(c.to_lowercase());
            }
        }
    }
}

/// Folds decoded label text to ASCII where a letter has an ASCII base: ASCII as it is,
/// marked letters to their base (`ē` -> `e`, NFD without combining marks), other look-alikes
/// to their UTS #39 skeleton letter when that is one ASCII letter (`ł` -> `l`, Cyrillic `р`
/// -> `p`); anything else is kept (so the result is not ASCII).
fn fold_to_ascii(chars: &[char], out: &mut String) {
    out.clear();
    for &c in chars {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let mut base = None;
        let mut n = 0;
        unicode_normalization::char::decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                n += 1;
                base = Some(d);
            }
        });
        match base {
            Some(b) if n == 1 && b.is_ascii() => out.push(b.to_ascii_lowercase()),
            _ => {
                let mut buf = [0u8; 4];
                let mut sk = unicode_security::skeleton(c.encode_utf8(&mut buf))
                    .filter(|&d| !is_combining_mark(d));
                match (sk.next(), sk.next()) {
                    (Some(d), None) if d.is_ascii_alphanumeric() => {
                        out.push(d.to_ascii_lowercase())
                    }
                    _ => out.extend(c.to_lowercase()),
                }
            }
        }
    }
}

/// Combining diacritical marks (the blocks that matter for Latin, Greek and Cyrillic).
fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// A name that imitates a brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The name as checked (A-label, lower case).
    pub name: String,
    /// Its registrable domain in the ICANN view (what a registrar sold).
    pub registrable: String,
    /// The imitated brand's domain (or the imitated DNS operator for fake name servers).
    pub brand: String,
    /// 0-100.
    pub score: u8,
    /// Kebab-case technique names, strongest first.
    pub techniques: Vec<String>,
    /// One line for people.
    pub explanation: String,
}

/// Where a compared string sits in the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The registrable label (under `Section::All`).
    Label,
    /// The registrable label without hyphens.
    Dehyphen,
    /// A hyphen token of the registrable label.
    Token,
    /// A subdomain label.
    Subdomain,
    /// The registrable label's Unicode skeleton without diacritics (an IDN label folded to
    /// ASCII, in `Scratch::skel`).
    Folded,
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    /// Same label, other suffix.
    TldSwap,
    /// The registrable label equals an extra brand token.
    TokenLabel,
    /// Equal after removing hyphens.
    Hyphenation,
    /// Within the edit bound; `start..end` is the compared string in the name (unused for
    /// `Place::Dehyphen`).
    Edit { place: Place, start: u16, end: u16 },
    /// Equal ASCII skeletons.
    AsciiHomograph,
    /// A subdomain label or hyphen token at `start..end` of the prefix whose ASCII skeleton
    /// equals a brand unit's (`arnazon` for `amazon`).
    SubdomainHomograph { start: u16, end: u16 },
    /// Equal Unicode skeletons of an IDN label.
    IdnHomograph,
    /// Brand text found at `start..end` of the prefix (left of the suffix).
    Substring {
        start: u16,
        end: u16,
        in_label: bool,
        left: bool,
        right: bool,
    },
    /// A fake name-server domain (see `domains::fuzz::is_fake_ns_domain`).
    FakeNs,
    /// The brand split by hyphens inside the registrable label (`am-azon` at `start..end` of
    /// the prefix).
    SplitBrand { start: u16, end: u16 },
    /// A brand alias (another script) inside the decoded U-label at `start..end` of the
    /// prefix.
    Alias {
        start: u16,
        end: u16,
        in_label: bool,
    },
}

#[derive(Debug, Clone, Copy)]
struct Cand {
    unit: u32,
    ev: Ev,
}

/// Per-thread buffers for [`Matcher::check`]; reuse one per thread.
pub struct Scratch {
    name: String,
    buf: String,
    skel: String,
    /// The ASCII skeleton of a subdomain label or token.
    sub: String,
    text: String,
    chars: Vec<char>,
    hashes: Box<Hashes>,
    rows: Vec<u8>,
    weighted: WeightedScratch,
    cands: Vec<Cand>,
    scored: Vec<(u32, u8, &'static str)>,
    /// The name being scored has a strong or misspelt phishing keyword.
    keyword: bool,
    /// Verified probe results of recent queries (labels repeat heavily in real feeds).
    probes: ProbeCache,
}

/// A direct-mapped cache of [`Matcher::probe`] results: for a query and its place, the units
/// that passed verification, in probe order. Allocated once with the scratch; a slot holds up
/// to [`PROBE_SLOT_UNITS`] units (queries with more are not cached). Tied to one index: used
/// with another, it starts over.
struct ProbeCache {
    index: u64,
    slots: Box<[ProbeSlot]>,
}

const PROBE_SLOTS: usize = 1024;
const PROBE_SLOT_UNITS: usize = 6;

#[derive(Clone, Copy)]
struct ProbeSlot {
    /// Query length; 0: empty.
    len: u8,
    place: u8,
    n: u8,
    q: [u8; edit::MAX],
    units: [u32; PROBE_SLOT_UNITS],
}

impl ProbeSlot {
    const EMPTY: ProbeSlot = ProbeSlot {
        len: 0,
        place: 0,
        n: 0,
        q: [0; edit::MAX],
        units: [0; PROBE_SLOT_UNITS],
    };
}

impl ProbeCache {
    fn new() -> Self {
        ProbeCache {
            index: 0,
            slots: vec![ProbeSlot::EMPTY; PROBE_SLOTS].into_boxed_slice(),
        }
    }

    /// The slot for `key` (a query and its place) of the index `index` ([`BrandIndex`]'s id),
    /// all emptied when the index changed.
    fn slot(&mut self, index: u64, key: u64) -> &mut ProbeSlot {
        if self.index != index {
            self.slots.fill(ProbeSlot::EMPTY);
            self.index = index;
        }
        let i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize % PROBE_SLOTS;
        &mut self.slots[i]
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch {
            name: String::with_capacity(256),
            buf: String::with_capacity(256),
            skel: String::with_capacity(256),
            sub: String::with_capacity(256),
            text: String::with_capacity(256),
            chars: Vec::with_capacity(64),
            hashes: Box::default(),
            rows: Vec::with_capacity(64 * 64),
            weighted: WeightedScratch::default(),
            cands: Vec::with_capacity(64),
            scored: Vec::with_capacity(64),
            probes: ProbeCache::new(),
            keyword: false,
        }
    }
}

impl Scratch {
    /// Fresh buffers.
    pub fn new() -> Scratch {
        Scratch::default()
    }
}

const MAX_CANDS: usize = 48;

/// Checks names against a [`BrandIndex`].
pub struct Matcher<'a> {
    index: &'a BrandIndex,
    psl: &'a SuffixList,
    allow: &'a Allowlist,
    popular: &'a Popularity,
    min_score: u8,
    /// Per unit: a generic word (glued inside several popular names, like `health` in
    /// `menshealth`), which is weak evidence when found inside another name.
    generic: Vec<bool>,
    /// Per unit: never glued inside a popular name (needs a popularity list to know).
    distinctive: Vec<bool>,
    /// Hashes of the popular names' first labels: such a label is another known name, no typo
    /// of a brand (`microsoft` of `s-microsoft`).
    popular_labels: Set<u64>,
}

/// A unit found glued inside (not at the start, not after a hyphen) at least this many popular
/// labels is a generic word.
const GENERIC_MIN: usize = 3;

/// Lower-cases and validates `raw` into `out`; false if it is no host name.
fn normalize(raw: &str, out: &mut String) -> bool {
    out.clear();
    let t = raw.trim();
    let t = t.strip_suffix('.').unwrap_or(t);
    let t = t.strip_prefix("*.").unwrap_or(t);
    if t.is_empty() || t.len() > 1024 {
        return false;
    }
    if t.is_ascii() {
        if t.len() > 253 {
            return false;
        }
        let mut label_len = 0usize;
        for b in t.bytes() {
            let c = b.to_ascii_lowercase();
            match c {
                b'.' => {
                    if label_len == 0 {
                        return false;
                    }
                    label_len = 0;
                }
                b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {
                    label_len += 1;
                    if label_len > 63 {
                        return false;
                    }
                }
                _ => return false,
            }
            out.push(c as char);
        }
        label_len > 0
    } else {
        match DomainName::parse(t) {
            Ok(d) => {
                out.push_str(d.as_str());
                true
            }
            Err(_) => false,
        }
    }
}

/// A word boundary: the end of the text, a dot, a hyphen or an underscore. A letter/digit
/// transition is not one (`uu` in `k2iyjf74uu2` is no brand, the label is random).
fn is_boundary(b: Option<u8>) -> bool {
    match b {
        None => true,
        Some(c) => c == b'.' || c == b'-' || c == b'_',
    }
}

/// The span of `label` that holds `start..end` of the label without hyphens.
fn undehyphen_span(label: &[u8], start: usize, end: usize) -> (usize, usize) {
    let (mut os, mut oe) = (label.len(), label.len());
    let mut k = 0usize; // letters seen
    for (i, &c) in label.iter().enumerate() {
        if c == b'-' {
            continue;
        }
        if k == start {
            os = i;
        }
        k += 1;
        if k == end {
            oe = i + 1;
            break;
        }
    }
    (os.min(oe), oe)
}

/// Whether the brand text at `start..end` of `text` is part of a longer generic word made of
/// the letters around it (`canva` in `canvas169`, `slack` in `slacker`): the brand extended
/// by up to 4 letters on either side is looked up in the word list.
fn inside_word(text: &[u8], start: usize, end: usize) -> bool {
    let letter = |i: usize| text.get(i).is_some_and(u8::is_ascii_lowercase);
    let mut ls = start;
    while ls > 0 && start - ls < 4 && letter(ls - 1) {
        ls -= 1;
    }
    let mut le = end;
    while le < text.len() && le - end < 4 && letter(le) {
        le += 1;
    }
    for a in ls..=start {
        for b in end..=le {
            if (a, b) == (start, end) {
                continue;
            }
            if std::str::from_utf8(&text[a..b]).is_ok_and(|w| generic_words().contains(w)) {
                return true;
            }
        }
    }
    false
}

/// Whether `s`, glued to a short brand or a word, is a phishing keyword (`my`, `login`).
fn glued_keyword(s: &str) -> bool {
    s.len() >= 2 && tables::is_keyword(s)
}

/// [`is_boundary`] or a digit: where a spelled-out suffix may end (`amazoncojp7`).
fn is_end_boundary(b: Option<u8>) -> bool {
    is_boundary(b) || b.is_some_and(|c| c.is_ascii_digit())
}

/// The token (between `.`, `-` or `_`) that holds `start..end` of `text`.
fn token_around(text: &[u8], start: usize, end: usize) -> (usize, usize) {
    let sep = |c: &u8| matches!(c, b'.' | b'-' | b'_');
    let s = text[..start.min(text.len())]
        .iter()
        .rposition(sep)
        .map_or(0, |i| i + 1);
    let e = text[end.min(text.len())..]
        .iter()
        .position(sep)
        .map_or(text.len(), |i| end + i);
    (s, e)
}

/// The label (between dots) that holds `start..end` of `text`.
fn label_around(text: &[u8], start: usize, end: usize) -> (usize, usize) {
    let s = text[..start.min(text.len())]
        .iter()
        .rposition(|&c| c == b'.')
        .map_or(0, |i| i + 1);
    let e = text[end.min(text.len())..]
        .iter()
        .position(|&c| c == b'.')
        .map_or(text.len(), |i| end + i);
    (s, e)
}

/// Whether a label (or what is left of it around a brand) looks machine-made: hashes, CDN
/// and CT host names (`k2iyjf74`, `d1x2y3z4`, `3f9a0c...`). Signals: several letter/digit
/// transitions, a long hex run with digits, a long consonant run, or few vowels in a long
/// label.
pub fn looks_random(text: &[u8]) -> bool {
    text.split(|c| matches!(c, b'.' | b'-' | b'_'))
        .any(part_looks_random)
}

fn part_looks_random(p: &[u8]) -> bool {
    let n = p.len();
    if n < 5 {
        return false;
    }
    let digits = p.iter().filter(|c| c.is_ascii_digit()).count();
    let mut transitions = 0;
    for w in p.windows(2) {
        if w[0].is_ascii_digit() != w[1].is_ascii_digit() {
            transitions += 1;
        }
    }
    if transitions >= 3 || (transitions >= 2 && n >= 8) {
        return true;
    }
    if n >= 10 && digits > 0 && p.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    let is_vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let mut run = 0;
    let mut vowels = 0;
    for &c in p {
        if c.is_ascii_lowercase() && !is_vowel(c) {
            run += 1;
            if run >= 5 {
                return true;
            }
        } else {
            run = 0;
        }
        if is_vowel(c) {
            vowels += 1;
        }
    }
    let letters = n - digits;
    letters >= 8 && vowels * 6 < letters
}

impl<'a> Matcher<'a> {
    /// A matcher with the default threshold ([`DEFAULT_MIN_SCORE`]).
    pub fn new(
        index: &'a BrandIndex,
        psl: &'a SuffixList,
        allow: &'a Allowlist,
        popular: &'a Popularity,
    ) -> Matcher<'a> {
        let mut counts = vec![0usize; index.units.len()];
        if let Some(ac) = &index.ac {
            for name in popular.names.iter() {
                let label = name.split('.').next().unwrap_or(name);
                let lb = label.as_bytes();
                for m in ac.find_overlapping_iter(label) {
                    if m.start() > 0 && lb[m.start() - 1] != b'-' {
                        let u = index.ac_units[m.pattern().as_usize()] as usize;
                        if let Some(c) = counts.get_mut(u) {
                            *c += 1;
                        }
                    }
                }
            }
        }
        let popular_labels = popular
            .names
            .iter()
            .map(|n| edit::hash(n.split('.').next().unwrap_or(n).as_bytes()))
            .collect();
        Matcher {
            popular_labels,
            index,
            psl,
            allow,
            popular,
            min_score: DEFAULT_MIN_SCORE,
            generic: counts.iter().map(|&c| c >= GENERIC_MIN).collect(),
            distinctive: counts
                .iter()
                .zip(&index.units)
                .map(|(&c, u)| c == 0 && !popular.is_empty() && u.text.len() >= 4)
                .collect(),
        }
    }

    /// Sets the lowest score reported (0 reports every candidate).
    pub fn with_min_score(mut self, min: u8) -> Matcher<'a> {
        self.min_score = min;
        self
    }

    /// Checks one name (ideally lower-case A-label already; anything else is normalised, and
    /// what is no host name is no hit).
    pub fn check(&self, name: &str, scratch: &mut Scratch) -> Option<Hit> {
        let mut nb = std::mem::take(&mut scratch.name);
        let hit = if normalize(name, &mut nb) {
            self.check_normalized(&nb, scratch)
        } else {
            None
        };
        scratch.name = nb;
        hit
    }

    fn check_normalized(&self, name: &str, s: &mut Scratch) -> Option<Hit> {
        let idx = self.index;
        if name.ends_with(".arpa") {
            return None; // reverse DNS and infrastructure names imitate nobody
        }
        let split = self.psl.split(name, Section::All)?;
        let reg = split.registrable?;
        let label = split.registrable_label()?;
        let prefix = split.prefix(name);
        let label_start = prefix.len() - label.len();
        s.cands.clear();

        // Exact label: own name, tld-swap, or an extra token as the whole label.
        let lh = edit::hash(label.as_bytes());
        if let Some(units) = idx.exact.get(&lh) {
            for &u in units {
                let unit = &idx.units[u as usize];
                if *unit.text != *label {
                    continue;
                }
                let b = &idx.brands[unit.brand as usize];
                if unit.kind == UnitKind::Label {
                    if *b.suffix == *split.suffix {
                        return None; // the brand's own name
                    }
                    push(&mut s.cands, u, Ev::TldSwap);
                } else {
                    push(&mut s.cands, u, Ev::TokenLabel);
                }
            }
        }
        let lb = label.as_bytes();
        // Dehyphenated label and hyphen tokens (not for `xn--` labels, whose hyphens are
        // Punycode syntax: the folded skeleton below covers them).
        if lb.contains(&b'-') && !label.starts_with("xn--") {
            let mut buf = std::mem::take(&mut s.buf);
            buf.clear();
            buf.extend(label.chars().filter(|&c| c != '-'));
            if let Some(units) = idx.exact.get(&edit::hash(buf.as_bytes())) {
                for &u in units {
                    if *idx.units[u as usize].text == *buf {
                        push(&mut s.cands, u, Ev::Hyphenation);
                    }
                }
            }
            self.probe(buf.as_bytes(), Place::Dehyphen, 0, 0, s);
            // A brand split by hyphens inside a longer label (`retry-loading-am-azon`).
            if let Some(ac) = &idx.ac {
                for m in ac.find_overlapping_iter(buf.as_str()) {
                    let u = idx.ac_units[m.pattern().as_usize()];
                    let unit = &idx.units[u as usize];
                    if unit.text.len() < 6
                        || unit.mode != BrandMode::Full
                        || unit.text.contains('-')
                    {
                        continue;
                    }
                    let (os, oe) = undehyphen_span(lb, m.start(), m.end());
                    if lb[os..oe].contains(&b'-') && !(os == 0 && oe == lb.len()) {
                        push(
                            &mut s.cands,
                            u,
                            Ev::SplitBrand {
                                start: (label_start + os) as u16,
                                end: (label_start + oe) as u16,
                            },
                        );
                    }
                }
            }
            // Hyphen tokens of the label.
            let mut off = label_start;
            for tok in label.split('-') {
                if tok.len() >= 5 && tok.len() != label.len() {
                    self.probe(
                        tok.as_bytes(),
                        Place::Token,
                        off as u16,
                        (off + tok.len()) as u16,
                        s,
                    );
                }
                off += tok.len() + 1;
            }
            s.buf = buf;
        }
        self.probe(
            lb,
            Place::Label,
            label_start as u16,
            (label_start + label.len()) as u16,
            s,
        );
        // ASCII skeleton.
        {
            let mut skel = std::mem::take(&mut s.skel);
            let differs = tables::skeleton_differs(label);
            if differs {
                tables::ascii_skeleton(label, &mut skel);
            }
            if differs
                && skel != label
                && lb.iter().any(u8::is_ascii_lowercase)
                && let Some(units) = idx.skeletons.get(&edit::hash(skel.as_bytes()))
            {
                for &u in units {
                    if *idx.units[u as usize].text != *label {
                        push(&mut s.cands, u, Ev::AsciiHomograph);
                    }
                }
            }
            // IDN homographs.
            if label.starts_with("xn--") {
                let mut chars = std::mem::take(&mut s.chars);
                let mut text = std::mem::take(&mut s.text);
                unicode_skeleton_of(label, &mut chars, &mut text, &mut skel);
                s.text = text;
                if let Some(units) = idx.unicode_skeletons.get(skel.as_str()) {
                    for &u in units {
                        push(&mut s.cands, u, Ev::IdnHomograph);
                    }
                }
                // Diacritics folded to base letters (`kuronēkoyamatō`: UTS #39 skeletons keep
                // some marked letters apart), other look-alikes by their skeleton letter.
                if punycode::decode(label.get(4..).unwrap_or(""), &mut chars) {
                    fold_to_ascii(&chars, &mut skel);
                    if let Some(units) = idx.exact.get(&edit::hash(skel.as_bytes())) {
                        for &u in units {
                            let unit = &idx.units[u as usize];
                            if *unit.text == *skel
                                && !s
                                    .cands
                                    .iter()
                                    .any(|c| c.unit == u && matches!(c.ev, Ev::IdnHomograph))
                            {
                                push(&mut s.cands, u, Ev::IdnHomograph);
                            }
                        }
                    }
                }
                s.chars = chars;
                // Look-alike letters plus edits (`paÿpał`): edit distance on the folded text.
                if skel.is_ascii() && skel.len() <= edit::MAX {
                    s.skel = skel;
                    let folded = std::mem::take(&mut s.skel);
                    self.probe(folded.as_bytes(), Place::Folded, 0, 0, s);
                    skel = folded;
                }
            }
            s.skel = skel;
        }
        // Subdomain labels.
        if label_start > 0 {
            let sub = &prefix[..label_start - 1];
            let mut off = 0usize;
            for (n, l) in sub.split('.').enumerate() {
                if n >= 8 {
                    break;
                }
                if l.len() >= 4 && l != "www" {
                    let (st, en) = (off as u16, (off + l.len()) as u16);
                    self.probe(l.as_bytes(), Place::Subdomain, st, en, s);
                    self.subdomain_homograph(l, st, en, s);
                }
                if l.contains('-') {
                    // Hyphen tokens of a subdomain label (`aeoon-co-jp`).
                    let mut toff = off;
                    for (k, tok) in l.split('-').enumerate() {
                        if k >= 6 {
                            break;
                        }
                        if tok.len() >= 4 && tok.len() != l.len() {
                            let (st, en) = (toff as u16, (toff + tok.len()) as u16);
                            self.probe(tok.as_bytes(), Place::Subdomain, st, en, s);
                            self.subdomain_homograph(tok, st, en, s);
                        }
                        toff += tok.len() + 1;
                    }
                }
                off += l.len() + 1;
            }
        }
        // Aliases in other scripts, inside decoded U-labels.
        if idx.alias_ac.is_some() && prefix.contains("xn--") {
            self.aliases(prefix, label_start, s);
        }
        // Brand text anywhere left of the suffix.
        if let Some(ac) = &idx.ac {
            let pb = prefix.as_bytes();
            let mut state = aho_corasick::automaton::OverlappingState::start();
            loop {
                ac.find_overlapping(prefix, &mut state);
                let Some(m) = state.get_match() else { break };
                let (st, en) = (m.start(), m.end());
                let u = idx.ac_units[m.pattern().as_usize()];
                let in_label = st >= label_start;
                if in_label && st == label_start && en == prefix.len() {
                    continue; // the whole label: handled above
                }
                if !in_label && en > label_start.saturating_sub(1) {
                    continue; // straddles the label boundary
                }
                let len = en - st;
                // A letter/digit transition is no boundary for a short brand (`uu2fos`); after
                // a longer one it is (`amazon6`, `smbc2logd`).
                // A number after a brand that ends in a digit is another number (`sport1605`).
                let bound = |b: Option<u8>, inner: u8| {
                    if len >= 4 && inner.is_ascii_lowercase() {
                        is_end_boundary(b)
                    } else {
                        is_boundary(b)
                    }
                };
                let mut left = bound(st.checked_sub(1).map(|i| pb[i]), pb[st]);
                let mut right = bound(pb.get(en).copied(), pb[en - 1]);
                let unit = &idx.units[u as usize];
                let word = unit.mode == BrandMode::Word || len <= 3;
                if word && !(left && right) {
                    // A short brand or a word glued to a phishing keyword is still alone
                    // (`myau`, `aulogin`, `smbcvpass`).
                    let (ts, te) = token_around(pb, st, en);
                    left = left || glued_keyword(&prefix[ts..st]);
                    right = right || glued_keyword(&prefix[en..te]);
                }
                // Anchors: short brands and words must stand alone; a distinctive one (never
                // glued inside a popular name, like `smbc`) may be glued on one side
                // (`smbccojp`).
                let distinctive = self.distinctive.get(u as usize).copied().unwrap_or(false);
                let ok = match len {
                    _ if word => left && right,
                    4 => (left && right) || (distinctive && (left || right)),
                    5..=6 => left || right || distinctive,
                    _ => true,
                };
                if ok {
                    push(
                        &mut s.cands,
                        u,
                        Ev::Substring {
                            start: st as u16,
                            end: en as u16,
                            in_label,
                            left,
                            right,
                        },
                    );
                }
                if s.cands.len() >= MAX_CANDS {
                    break;
                }
            }
        }
        // Fake name servers (`domains::fuzz` knows the providers; allocation-free unless the
        // label carries a provider anchor such as `dns` or `aws`).
        if lb.len() >= 4 && crate::fuzz::is_fake_ns_domain(reg).is_some() {
            push(&mut s.cands, u32::MAX, Ev::FakeNs);
        }
        if s.cands.is_empty() {
            return None;
        }
        // From here on: a candidate. Own names and allowlisted names are never reported.
        let icann_reg = self.psl.registrable(name, Section::Icann).unwrap_or(reg);
        if idx.own.contains(reg)
            || idx.own.contains(icann_reg)
            || self.allow.contains(name)
            || idx.allow.contains(name)
            // A CDN edge name (a CNAME target such as `www.bing.com.cdn.cloudflare.net`) is
            // the brand's own delivery set-up, never the name people are sent to.
            || tables::is_cdn_edge(icann_reg)
        {
            return None;
        }
        self.score(
            name,
            prefix,
            label,
            label_start,
            split.suffix,
            reg,
            icann_reg,
            s,
        )
    }

    /// Pushes the aliases found in the decoded `xn--` labels of `prefix`.
    fn aliases(&self, prefix: &str, label_start: usize, s: &mut Scratch) {
        let Some(ac) = &self.index.alias_ac else {
            return;
        };
        let mut chars = std::mem::take(&mut s.chars);
        let mut text = std::mem::take(&mut s.text);
        let mut off = 0usize;
        for l in prefix.split('.') {
            if let Some(rest) = l.strip_prefix("xn--")
                && punycode::decode(rest, &mut chars)
            {
                text.clear();
                text.extend(chars.iter().flat_map(|c| c.to_lowercase()));
                if let Some(m) = ac.find(text.as_str()) {
                    let u = self.index.alias_units[m.pattern().as_usize()];
                    let ev = Ev::Alias {
                        start: off as u16,
                        end: (off + l.len()) as u16,
                        in_label: off >= label_start,
                    };
                    push(&mut s.cands, u, ev);
                }
            }
            off += l.len() + 1;
        }
        s.chars = chars;
        s.text = text;
    }

    /// Pushes the brand units whose ASCII skeleton equals that of the subdomain label or token
    /// `q` at `start..end` of the prefix (`arnazon` reads as `amazon`). Such a unit's
    /// edit-distance candidate for the same text (`m->n` plus an inserted `r`) misdescribes the
    /// trick and is replaced.
    fn subdomain_homograph(&self, q: &str, start: u16, end: u16, s: &mut Scratch) {
        let idx = self.index;
        // A skeleton letter stands for one or two bytes on either side.
        if 2 * q.len() < idx.min_len
            || q.len() > 2 * idx.max_len
            || !q.bytes().any(|c| c.is_ascii_lowercase())
            || tables::is_common_word(q)
            || !tables::skeleton_differs(q)
        {
            return;
        }
        let mut sk = std::mem::take(&mut s.sub);
        tables::ascii_skeleton(q, &mut sk);
        if sk != q
            && let Some(units) = idx.skeletons.get(&edit::hash(sk.as_bytes()))
        {
            let ev = Ev::SubdomainHomograph { start, end };
            for &u in units {
                let unit = &idx.units[u as usize];
                if *unit.text == *q || !skeleton_is(&unit.text, &sk) {
                    continue;
                }
                let same_text = |c: &Cand| {
                    c.unit == u
                        && match c.ev {
                            Ev::Edit {
                                place: Place::Subdomain,
                                start: a,
                                end: b,
                            }
                            | Ev::SubdomainHomograph { start: a, end: b } => a == start && b == end,
                            _ => false,
                        }
                };
                match s.cands.iter_mut().find(|c| same_text(c)) {
                    Some(c) => c.ev = ev,
                    None => push(&mut s.cands, u, ev),
                }
            }
        }
        s.sub = sk;
    }

    /// Probes the deletion index with `q` and pushes verified edit-distance candidates.
    fn probe(&self, q: &[u8], place: Place, start: u16, end: u16, s: &mut Scratch) {
        let idx = self.index;
        let n = q.len();
        if !(4..=edit::MAX).contains(&n) || n + 2 < idx.min_len || n > idx.max_len + 2 {
            return;
        }
        if matches!(place, Place::Token | Place::Subdomain)
            && std::str::from_utf8(q).is_ok_and(tables::is_common_word)
        {
            return; // `portal` is no typo of `tportal`
        }
        // A word is no typo (`mail` of `gmail`, `discovery` of `discover`): such a query yields
        // no edit candidates, so it is not probed at all (two set lookups instead of the ~37
        // keys of the probe; dictionary words and host labels are a large share of feeds).
        let qh = edit::hash(q);
        if place != Place::Folded
            && (self.popular_labels.contains(&qh)
                || std::str::from_utf8(q).is_ok_and(is_generic_word))
        {
            return;
        }
        let ev = Ev::Edit { place, start, end };
        let push_unit = |cands: &mut Vec<Cand>, u: u32| {
            let dup = cands
                .iter()
                .any(|c| c.unit == u && matches!(c.ev, Ev::Edit { place: p, .. } if p == place));
            if cands.len() < MAX_CANDS && !dup {
                cands.push(Cand { unit: u, ev });
            }
        };
        // A query seen recently: its verified units again, without probing.
        let key = qh ^ (place as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F);
        let index_id = idx.id;
        let slot = s.probes.slot(index_id, key);
        if usize::from(slot.len) == n && slot.place == place as u8 && slot.q[..n] == *q {
            let (units, k) = (slot.units, usize::from(slot.n));
            for &u in &units[..k] {
                push_unit(&mut s.cands, u);
            }
            return;
        }
        // Only a window at the start is indexed (SymSpell's prefix trick): if two strings are
        // within k edits, their windows are within k deletions each of a common string, so the
        // probe stays exact; the real distance on the whole strings verifies.
        let w = n.min(WINDOW);
        s.hashes.load(&q[..w]);
        let h = &*s.hashes;
        // Every unit under a key is verified (also when the candidate list is full), so that
        // the result can be cached whole.
        let mut found = [0u32; PROBE_SLOT_UNITS];
        let mut nf = 0usize;
        let mut overflow = false;
        let mut check = |k: u64, s_cands: &mut Vec<Cand>, rows: &mut Vec<u8>| {
            let Some(units) = idx.deletes.get(&k) else {
                return;
            };
            for &u in units {
                if found[..nf].contains(&u) {
                    continue;
                }
                let unit = &idx.units[u as usize];
                let t = unit.text.as_bytes();
                // The dehyphenated label against a hyphenated token says nothing new.
                if t == q
                    || (place == Place::Dehyphen && t.contains(&b'-'))
                    || eq_ignoring_hyphens(t, q)
                    || other_number(t, q)
                {
                    continue;
                }
                if edit::osa_within(t, q, usize::from(unit.max_edits), rows).is_some() {
                    if nf < PROBE_SLOT_UNITS {
                        found[nf] = u;
                        nf += 1;
                    } else {
                        overflow = true;
                    }
                    push_unit(s_cands, u);
                }
            }
        };
        // All the query's keys first, then the bloom filter over them in one branch-light loop
        // (its loads miss the cache and overlap), then the map only for the keys that pass, in
        // the same order as before (whole, one deletion, two deletions).
        let mut keys = [0u64; 1 + WINDOW + WINDOW * (WINDOW - 1) / 2];
        let mut nk = 0;
        keys[nk] = h.whole();
        nk += 1;
        for i in 0..w {
            keys[nk] = h.del1(i);
            nk += 1;
        }
        for i in 0..w {
            for j in i + 1..w {
                keys[nk] = h.del2(i, j);
                nk += 1;
            }
        }
        let mut pass = 0u64;
        for (i, &k) in keys[..nk].iter().enumerate() {
            let (wd, bit) = bloom_bit(k);
            pass |= u64::from(idx.bloom[wd] & bit != 0) << i;
        }
        let rows = &mut s.rows;
        let cands = &mut s.cands;
        while pass != 0 {
            let i = pass.trailing_zeros() as usize;
            pass &= pass - 1;
            check(keys[i], cands, rows);
        }
        if !overflow {
            let slot = s.probes.slot(index_id, key);
            slot.len = n as u8;
            slot.place = place as u8;
            slot.n = nf as u8;
            slot.q[..n].copy_from_slice(q);
            slot.units = found;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        name: &str,
        prefix: &str,
        label: &str,
        label_start: usize,
        suffix: &str,
        reg: &str,
        icann_reg: &str,
        s: &mut Scratch,
    ) -> Option<Hit> {
        let idx = self.index;
        let tld = name.rsplit('.').next().unwrap_or(name);
        // Name-level modifiers.
        let mut modifier: i32 = 0;
        if tables::suspicious_tld(tld) {
            modifier += 10;
        }
        // Keywords, also misspelt ones (`lpgin`, `acount`: one edit from a 5+ letter keyword).
        let rows = &mut s.rows;
        let mut strong = false;
        let kw = prefix
            .split(['.', '-'])
            .filter(|t| {
                let exact = tables::is_keyword(t);
                let misspelt = !exact
                    && t.len() >= 5
                    && !is_generic_word(t)
                    && tables::is_misspelt_keyword(t, rows);
                // Evidence for a word or short brand: a strong or misspelt keyword that is no
                // brand string itself.
                if (misspelt || tables::is_strong_keyword(t))
                    && !idx
                        .exact
                        .get(&edit::hash(t.as_bytes()))
                        .is_some_and(|us| us.iter().any(|&u| *idx.units[u as usize].text == **t))
                {
                    strong = true;
                }
                exact || misspelt
            })
            .count()
            .min(3) as i32;
        modifier += 6 * kw;
        s.keyword = strong;
        // Popularity of the unit someone controls (`Section::All`): `x.github.io` is not made
        // popular by `github.io`.
        let popular = self.popular.contains(reg);
        if popular {
            modifier -= 60;
        }
        s.scored.clear();
        let cands = std::mem::take(&mut s.cands);
        for c in &cands {
            if !self.admits(c, prefix, label_start, strong) {
                continue;
            }
            let (base, tech) = self.base_score(c, prefix, label, label_start, name, s);
            let brand = if c.unit == u32::MAX {
                u32::MAX
            } else {
                idx.units[c.unit as usize].brand
            };
            s.scored.push((brand, base.clamp(0, 100) as u8, tech));
        }
        s.cands = cands;
        // Best brand: the highest base; more techniques for the same brand add a little.
        let mut best: Option<(u32, i32)> = None;
        for &(b, sc, _) in &s.scored {
            let mut techs: [&str; 8] = [""; 8];
            let mut nt = 0;
            for &(b2, _, t2) in &s.scored {
                if b2 == b && !techs[..nt].contains(&t2) && nt < 8 {
                    techs[nt] = t2;
                    nt += 1;
                }
            }
            let total = i32::from(sc) + 5 * (nt as i32 - 1).min(2) + modifier;
            if best.is_none_or(|(_, t)| total > t) {
                best = Some((b, total));
            }
        }
        let (brand_i, total) = best?;
        let score = total.clamp(0, 100) as u8;
        if score < self.min_score || score == 0 {
            return None;
        }
        // Build the hit (allocates).
        let mut techniques: Vec<String> = Vec::new();
        let mut parts: Vec<String> = Vec::new();
        let admitted: Vec<Cand> = s
            .cands
            .iter()
            .filter(|c| self.admits(c, prefix, label_start, strong))
            .copied()
            .collect();
        let mut order: Vec<(u8, usize)> = s
            .scored
            .iter()
            .enumerate()
            .filter(|(_, x)| x.0 == brand_i)
            .map(|(i, x)| (x.1, i))
            .collect();
        order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let cands = admitted;
        for &(_, i) in &order {
            let c = cands[i];
            let tech = s.scored[i].2;
            if !techniques.iter().any(|t| t == tech) {
                techniques.push(tech.to_string());
            }
            let p = self.describe(&c, prefix, label, reg, s);
            let brand_text = if c.unit == u32::MAX {
                ""
            } else {
                &*idx.units[c.unit as usize].text
            };
            if let Some(kind) = permutation_kind(&c, &s.weighted.ops, label, brand_text) {
                let t = format!("permutation:{kind}");
                if !techniques.contains(&t) {
                    techniques.push(t);
                }
            }
            // A short explanation: the strongest findings only.
            if !parts.contains(&p) && parts.len() < 2 {
                parts.push(p);
            }
        }
        let (brand_name, brand_suffix) = if brand_i == u32::MAX {
            let family = crate::fuzz::is_fake_ns_domain(reg)
                .map(|(f, _)| f)
                .unwrap_or("dns-provider");
            (format!("{family} (name servers)"), None)
        } else {
            let b = &idx.brands[brand_i as usize];
            (b.domain.as_str().to_string(), Some(&*b.suffix))
        };
        // Say when the best finding was scored down as the brand's own back-end name.
        let service = order
            .first()
            .is_some_and(|&(_, i)| self.service_penalty(&cands[i], prefix, label, name, s) > 0);
        let mut explanation = format!("{name}: {}", parts.join("; "));
        if service {
            explanation
                .push_str(" (scored 25 lower: only service words added, like a back-end host)");
        }
        if let Some(bs) = brand_suffix
            && bs != suffix
        {
            let _ = write!(explanation, ", TLD changed {bs}->{suffix}");
        }
        if tables::suspicious_tld(tld) {
            let _ = write!(explanation, " (.{tld} is common in abuse)");
        }
        if popular {
            explanation.push_str(", but a popular domain");
        }
        Some(Hit {
            name: name.to_string(),
            registrable: icann_reg.to_string(),
            brand: brand_name,
            score,
            techniques,
            explanation,
        })
    }

    /// Whether a candidate counts, given its unit's mode, the brand's `allow=` words, how
    /// random the text around it looks and whether the name has a strong `keyword`.
    fn admits(&self, c: &Cand, prefix: &str, label_start: usize, keyword: bool) -> bool {
        if c.unit == u32::MAX {
            return true;
        }
        let idx = self.index;
        let unit = &idx.units[c.unit as usize];
        let b = &idx.brands[unit.brand as usize];
        let pb = prefix.as_bytes();
        // Where the evidence sits, for the found-inside techniques.
        let (start, end, in_label) = match c.ev {
            Ev::TldSwap
            | Ev::TokenLabel
            | Ev::Hyphenation
            | Ev::AsciiHomograph
            | Ev::IdnHomograph
            | Ev::Alias { .. }
            | Ev::FakeNs => return true,
            Ev::Edit {
                place: Place::Label | Place::Dehyphen | Place::Folded,
                ..
            } => return unit.mode != BrandMode::Strict,
            Ev::Edit { start, end, place } => (start, end, place == Place::Token),
            Ev::SubdomainHomograph { start, end } => (start, end, false),
            Ev::SplitBrand { start, end } => (start, end, true),
            Ev::Substring {
                start,
                end,
                in_label,
                ..
            } => (start, end, in_label),
        };
        if unit.mode == BrandMode::Strict {
            return false;
        }
        let (st, en) = (usize::from(start), usize::from(end));
        // A brand that ends (starts) in a digit, followed (preceded) by more digits, is
        // another number (`sport1478` is not `sport1`).
        let digit = |i: Option<usize>| i.and_then(|i| pb.get(i)).is_some_and(u8::is_ascii_digit);
        if (digit(en.checked_sub(1)) && digit(Some(en)))
            || (digit(Some(st)) && digit(st.checked_sub(1)))
        {
            return false;
        }
        let (ts, te) = token_around(pb, st, en);
        let (ls, le) = if in_label {
            (label_start, pb.len())
        } else {
            label_around(pb, st, en)
        };
        let token = prefix.get(ts..te).unwrap_or("");
        let whole = prefix.get(ls..le).unwrap_or("");
        if b.allow_words.iter().any(|w| **w == *token || **w == *whole) {
            return false;
        }
        // The brand inside a longer word is that word (`canva` in `canvas`, `canvas169`).
        if matches!(c.ev, Ev::Substring { .. }) && token != &*unit.text && inside_word(pb, st, en) {
            return false;
        }
        // The brand glued inside a machine-made token (`x9k2slackq7`, hashes): no evidence.
        let glued_both = !is_boundary(st.checked_sub(1).and_then(|i| pb.get(i).copied()))
            && !is_boundary(pb.get(en).copied());
        let rest_random = glued_both && token != &*unit.text && {
            // Without allocating: what is left of the token, glued, in a stack buffer.
            let mut buf = [0u8; 128];
            let a = pb.get(ts..st.max(ts)).unwrap_or(&[]);
            let z = pb.get(en.min(te)..te).unwrap_or(&[]);
            let n = (a.len() + z.len()).min(buf.len());
            let na = a.len().min(n);
            buf[..na].copy_from_slice(&a[..na]);
            buf[na..n].copy_from_slice(&z[..n - na]);
            looks_random(&buf[..n])
        };
        if rest_random {
            return false;
        }
        if unit.mode == BrandMode::Word {
            // A word inside a name is only evidence next to a phishing keyword or the
            // brand's suffix (`apple-id-login`, `line.me-verify`).
            let after = pb.get(en..).unwrap_or(&[]);
            let corroborated = keyword || follows_suffix(after, b.suffix.as_bytes());
            if !corroborated {
                return false;
            }
        }
        true
    }

    fn base_score(
        &self,
        c: &Cand,
        prefix: &str,
        label: &str,
        label_start: usize,
        name: &str,
        s: &mut Scratch,
    ) -> (i32, &'static str) {
        let (base, tech) = self.base_score_raw(c, prefix, label, label_start, name, s);
        // Short units need boundaries on both sides already; gluing says nothing about them.
        let generic = self.generic.get(c.unit as usize).copied().unwrap_or(false)
            && self.index.units[c.unit as usize].text.len() > 4;
        // Service words: the brand's own back-end names (`myworkdaycdn`, `taboola-display`).
        let base = base - self.service_penalty(c, prefix, label, name, s);
        if !generic {
            return (base, tech);
        }
        let spelled_out = |end: u16| {
            let b = &self.index.brands[self.index.units[c.unit as usize].brand as usize];
            let after = prefix.as_bytes().get(usize::from(end)..).unwrap_or(&[]);
            follows_suffix(after, b.suffix.as_bytes())
        };
        let penalty = match c.ev {
            Ev::IdnHomograph | Ev::FakeNs => 0,
            // The brand's whole domain spelled out (`aplus.co.jp.bcgpf.com`) is no generic word.
            Ev::Substring { end, .. } if spelled_out(end) => 0,
            Ev::Substring { .. }
            | Ev::SubdomainHomograph { .. }
            | Ev::Edit {
                place: Place::Token | Place::Subdomain,
                ..
            } => 25,
            _ => 10,
        };
        (base - penalty, tech)
    }

    /// 25 for brand text in the registrable label whose added words are all service vocabulary
    /// ([`is_service_word`]) when nothing else points at phishing: no keyword in the registrable
    /// label, no strong or misspelt one anywhere (a lure: `login`, `verify`, `lpgin`; weak ones
    /// in subdomains are host labels: `www`, `shop`), no TLD common in abuse, no random-looking subdomain label, no doubled hyphen
    /// and not the brand's suffix spelled out. Edits and homographs are other candidates and
    /// keep their score. Else 0.
    fn service_penalty(&self, c: &Cand, prefix: &str, label: &str, name: &str, s: &Scratch) -> i32 {
        let Ev::Substring {
            start,
            end,
            in_label: true,
            ..
        } = c.ev
        else {
            return 0;
        };
        if s.keyword {
            return 0;
        }
        let lstart = prefix.len() - label.len();
        let (st, en) = (usize::from(start), usize::from(end));
        if st < lstart || en > prefix.len() || label.contains("--") {
            return 0;
        }
        if !adds_only_service_words(label, st - lstart, en - lstart) {
            return 0;
        }
        let tld = name.rsplit('.').next().unwrap_or(name);
        if tables::suspicious_tld(tld) {
            return 0;
        }
        if looks_random(prefix.get(..lstart).unwrap_or("").as_bytes()) {
            return 0;
        }
        let unit = &self.index.units[c.unit as usize];
        let b = &self.index.brands[unit.brand as usize];
        let after = prefix.as_bytes().get(en..).unwrap_or(&[]);
        if follows_suffix(after, b.suffix.as_bytes()) {
            return 0;
        }
        25
    }

    fn base_score_raw(
        &self,
        c: &Cand,
        prefix: &str,
        label: &str,
        _label_start: usize,
        _name: &str,
        s: &mut Scratch,
    ) -> (i32, &'static str) {
        let idx = self.index;
        if let Ev::FakeNs = c.ev {
            return (80, "fake-nameserver");
        }
        let unit = &idx.units[c.unit as usize];
        let blen = unit.text.len();
        let short = match blen {
            0..=4 => -20,
            5 => -14,
            _ => 0,
        };
        match c.ev {
            // Short labels exist in every TLD for unrelated reasons (`nta.co.jp`).
            Ev::TldSwap => (70 + short, "tld-swap"),
            Ev::TokenLabel => (70 + short / 2, "brand-token"),
            Ev::Hyphenation => (75 + short / 2, "edit-distance"),
            Ev::AsciiHomograph => (85 + short / 2, "homograph"),
            Ev::IdnHomograph => (92, "homograph"),
            // As in the registrable label, but in a subdomain (-5, like edits there);
            // `arnazon.co.jp.` spells out the brand's whole domain (+12).
            Ev::SubdomainHomograph { end, .. } => {
                let b = &idx.brands[unit.brand as usize];
                let after = prefix.as_bytes().get(usize::from(end)..).unwrap_or(&[]);
                let mut base = 85 + short / 2 - 5;
                if follows_suffix(after, b.suffix.as_bytes()) {
                    base += 12;
                }
                (base, "brand-in-subdomain")
            }
            Ev::Edit { place, start, end } => {
                let q: &[u8] = match place {
                    Place::Dehyphen => s.buf.as_bytes(),
                    Place::Folded => s.skel.as_bytes(),
                    _ => prefix
                        .as_bytes()
                        .get(usize::from(start)..usize::from(end))
                        .unwrap_or(label.as_bytes()),
                };
                let mut cost = edit::weighted(unit.text.as_bytes(), q, &mut s.weighted);
                // `fuzz`'s two-edit families that still read as the brand at a glance.
                if special_edit(unit.text.as_bytes(), q).is_some() {
                    cost = cost.min(SPECIAL_EDIT_COST);
                }
                let long_bonus = (blen.min(12) as f32 - 6.0).max(0.0) * 1.5;
                let mut base = (88.0 - 30.0 * cost + long_bonus) as i32 + short;
                // One inserted letter in a 5-letter brand (`aplues` for `aplus`) keeps the
                // whole brand visible: a smaller length penalty.
                if blen == 5 && matches!(s.weighted.ops.as_slice(), [Op::Insertion(_)]) {
                    base += 8;
                }
                // Two edits change a third of a 6-letter brand: much weaker evidence.
                // Look-alike glyphs only (`b19lobe`) are still hard to see.
                if s.weighted.ops.len() >= 2 && cost > 0.65 {
                    base -= if blen < 9 { 12 } else { 4 };
                }
                // On a 4-letter brand only a hard-to-see edit (a look-alike glyph, a doubled
                // letter, a hyphen) is evidence: `sana` is no `sina`.
                if blen <= 4 && cost >= 0.5 && !s.keyword {
                    base -= 15;
                }
                let b = &idx.brands[unit.brand as usize];
                let after = prefix.as_bytes().get(usize::from(end)..).unwrap_or(&[]);
                let tech = match place {
                    Place::Label | Place::Dehyphen => "edit-distance",
                    Place::Folded => {
                        base += 5;
                        "homograph"
                    }
                    Place::Token => {
                        if follows_suffix(after, b.suffix.as_bytes()) {
                            base += 8;
                        }
                        "combosquat"
                    }
                    Place::Subdomain => {
                        base -= 5;
                        if follows_suffix(after, b.suffix.as_bytes()) {
                            base += 12;
                        }
                        "brand-in-subdomain"
                    }
                };
                (base, tech)
            }
            Ev::Substring {
                start,
                end,
                in_label,
                left,
                right,
            } => {
                let pb = prefix.as_bytes();
                let (st, en) = (usize::from(start), usize::from(end));
                let b = &idx.brands[unit.brand as usize];
                let after = pb.get(en..).unwrap_or(&[]);
                // Found text: short brands need more context, long ones are distinctive.
                let len_adj = match blen {
                    0..=2 => -20,
                    3 => -12,
                    4 => -10,
                    5 => -8,
                    6 => -3,
                    7..=9 => 5,
                    _ => 8,
                };
                let whole_label = left
                    && right
                    && (st == 0 || pb[st - 1] == b'.')
                    && after.first().is_none_or(|&c| c == b'.');
                // A doubled hyphen next to the brand (`au--login`, `brand--word`): legitimate
                // names almost never have one outside `xn--`.
                let doubled = after.starts_with(b"--")
                    || (st >= 2 && pb.get(st - 2..st) == Some(b"--".as_slice()));
                let len_adj = len_adj + if doubled { 10 } else { 0 };
                if in_label {
                    let label_start = prefix.len() - label.len();
                    let before = prefix.get(label_start..st.max(label_start)).unwrap_or("");
                    let rest = prefix.get(en..).unwrap_or("");
                    let mut base = match (left, right) {
                        (true, true) => 70,
                        (true, false) | (false, true) => 64,
                        (false, false) => 50,
                    } + len_adj;
                    if keyword_in(before) || keyword_in(rest) {
                        base += 6;
                    }
                    if follows_suffix(after, b.suffix.as_bytes()) {
                        base += 8; // `amazon-co-jp.xyz`
                    }
                    let tech = if unit.kind == UnitKind::Token || !(left || right) {
                        "brand-token"
                    } else {
                        "combosquat"
                    };
                    (base, tech)
                } else {
                    // The brand's whole domain spelled out: `ucscard.co.jp.` or `amazon-co-jp`.
                    let full = follows_suffix(after, b.suffix.as_bytes());
                    let base = if full {
                        80
                    } else if whole_label {
                        68
                    } else if left && right {
                        66
                    } else if left || right {
                        60
                    } else {
                        48
                    } + len_adj;
                    (base, "brand-in-subdomain")
                }
            }
            Ev::FakeNs => (80, "fake-nameserver"),
            // A split brand reads as the brand: like brand text between boundaries.
            Ev::SplitBrand { .. } => (68 + if blen >= 7 { 5 } else { 0 }, "combosquat"),
            // The brand's name in another script: as strong as the brand's own label text.
            Ev::Alias { in_label, .. } => (if in_label { 80 } else { 72 }, "alias"),
        }
    }

    fn describe(&self, c: &Cand, prefix: &str, label: &str, reg: &str, s: &mut Scratch) -> String {
        let idx = self.index;
        if let Ev::FakeNs = c.ev {
            return crate::fuzz::is_fake_ns_domain(reg)
                .map(|(_, why)| why)
                .unwrap_or_else(|| "imitates a DNS provider's name servers".to_string());
        }
        let unit = &idx.units[c.unit as usize];
        let bl = &unit.text;
        match c.ev {
            Ev::TldSwap => format!("brand label {bl} under another suffix"),
            Ev::TokenLabel => format!("brand token {bl} as the whole label"),
            Ev::Hyphenation => format!("{bl} with hyphens added"),
            Ev::AsciiHomograph => format!("{label} looks like {bl} (look-alike characters)"),
            Ev::SubdomainHomograph { start, end } => {
                let q = prefix
                    .get(usize::from(start)..usize::from(end))
                    .unwrap_or(label);
                format!("subdomain {q}: {} (homoglyph of {bl})", glyph_swaps(q, bl))
            }
            Ev::IdnHomograph => {
                let shown = DomainName::parse(label)
                    .map(|d| d.to_unicode())
                    .unwrap_or_else(|_| label.to_string());
                format!("{shown} ({label}) is a homograph of {bl} (confusable Unicode characters)")
            }
            Ev::Edit { place, start, end } => {
                let q: String = match place {
                    Place::Dehyphen => s.buf.clone(),
                    Place::Folded => s.skel.clone(),
                    _ => prefix
                        .get(usize::from(start)..usize::from(end))
                        .unwrap_or(label)
                        .to_string(),
                };
                edit::weighted(bl.as_bytes(), q.as_bytes(), &mut s.weighted);
                let ops = describe_ops(&s.weighted.ops);
                match place {
                    Place::Label => format!("{ops} of {bl}"),
                    Place::Dehyphen => format!("{ops} of {bl} (hyphens removed)"),
                    Place::Folded => {
                        let shown = DomainName::parse(label)
                            .map(|d| d.to_unicode())
                            .unwrap_or_else(|_| label.to_string());
                        format!("{shown} ({label}) reads as {q}: {ops} of {bl}")
                    }
                    Place::Token => format!("{q}: {ops} of {bl}, combined with other words"),
                    Place::Subdomain => format!("subdomain {q}: {ops} of {bl}"),
                }
            }
            Ev::Substring {
                start,
                end,
                in_label,
                ..
            } => {
                let found = prefix
                    .get(usize::from(start)..usize::from(end))
                    .unwrap_or(bl);
                if in_label {
                    format!("brand {found} combined with other words in {label}")
                } else {
                    format!("brand {found} in the subdomain, the domain is someone else's")
                }
            }
            Ev::SplitBrand { start, end } => {
                let q = prefix
                    .get(usize::from(start)..usize::from(end))
                    .unwrap_or(label);
                format!("brand {bl} split by hyphens ({q}) in {label}")
            }
            Ev::Alias { start, end, .. } => {
                let l = prefix
                    .get(usize::from(start)..usize::from(end))
                    .unwrap_or(label);
                let shown = DomainName::parse(l)
                    .map(|d| d.to_unicode())
                    .unwrap_or_else(|_| l.to_string());
                format!("{shown} ({l}) contains {bl}, a name of the brand")
            }
            Ev::FakeNs => String::new(),
        }
    }

    /// The single-edit kind of an edit-distance candidate, for `permutation:<kind>`.
    pub fn edit_kind(brand_label: &str, label: &str) -> Option<&'static str> {
        let mut ws = WeightedScratch::default();
        edit::weighted(brand_label.as_bytes(), label.as_bytes(), &mut ws);
        op_kind(&ws.ops, label)
    }
}

/// The dnstwist-style kind of a candidate; for edits, `ops` must hold its edits (as left by
/// `describe`).
fn permutation_kind(c: &Cand, ops: &[Op], label: &str, brand: &str) -> Option<&'static str> {
    match c.ev {
        Ev::TldSwap => Some("tld-swap"),
        Ev::Hyphenation => Some("hyphenation"),
        Ev::AsciiHomograph | Ev::IdnHomograph => Some("homoglyph"),
        Ev::Edit {
            place: Place::Label,
            ..
        } => special_edit(brand.as_bytes(), label.as_bytes()).or_else(|| op_kind(ops, label)),
        _ => None,
    }
}

/// The weighted cost given to a [`special_edit`] (below the two-edit penalty's threshold).
const SPECIAL_EDIT_COST: f32 = 0.6;

/// A two-edit change of `brand` into `seen` that `fuzz` generates as one family and that
/// still reads as the brand: one letter moved elsewhere (`kuronekoyamoat`), two adjacent
/// letters replaced by one doubled letter (`paykkl`), or one vowel replaced by another at
/// every occurrence (`poypol`).
fn special_edit(brand: &[u8], seen: &[u8]) -> Option<&'static str> {
    if brand.len() != seen.len() || brand == seen {
        return None;
    }
    let l = brand.iter().zip(seen).position(|(a, b)| a != b)?;
    let r = brand.len()
        - 1
        - brand
            .iter()
            .rev()
            .zip(seen.iter().rev())
            .position(|(a, b)| a != b)?;
    let (x, y) = (&brand[l..=r], &seen[l..=r]);
    if x.len() >= 3 {
        // One letter moved: y is x rotated by one either way.
        let n = x.len();
        if (x[1..] == y[..n - 1] && x[0] == y[n - 1]) || (x[..n - 1] == y[1..] && x[n - 1] == y[0])
        {
            return Some("letter-move");
        }
    }
    if x.len() == 2 && y[0] == y[1] && x[0] != x[1] {
        return Some("double-replacement");
    }
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut map: Option<(u8, u8)> = None;
    for (&a, &b) in brand.iter().zip(seen) {
        if a == b {
            if map.is_some_and(|(f, _)| f == a) {
                return None; // an occurrence left unchanged
            }
            continue;
        }
        if !vowel(a) || !vowel(b) || map.is_some_and(|m| m != (a, b)) {
            return None;
        }
        map = Some((a, b));
    }
    // Every occurrence of the vowel, at least twice (once is a plain vowel swap).
    let (f, _) = map?;
    (brand.iter().filter(|&&c| c == f).count() >= 2
        && !brand.iter().zip(seen).any(|(&a, &b)| a == f && b == f))
    .then_some("vowel-swap-all")
}

/// Whether `after` (the text right after a brand occurrence) continues with the brand's
/// suffix or a one-letter lookalike of it, as a label or hyphen run: `.co.jp.`, `-co-jp`,
/// `.co.ip.`; or glued, exactly, for multi-label suffixes: `cojp`.
fn follows_suffix(after: &[u8], suffix: &[u8]) -> bool {
    if after.first().is_some_and(|c| c.is_ascii_lowercase()) && suffix.contains(&b'.') {
        // Glued without separators: `amazoncojp7`.
        let mut i = 0;
        for &y in suffix.iter().filter(|&&y| y != b'.') {
            if after.get(i) != Some(&y) {
                return false;
            }
            i += 1;
        }
        return is_end_boundary(after.get(i).copied());
    }
    if after.len() < suffix.len() + 1 || !(after[0] == b'.' || after[0] == b'-') {
        return false;
    }
    let body = &after[1..=suffix.len()];
    let mut mismatches = 0;
    for (&x, &y) in body.iter().zip(suffix) {
        if x == y || (y == b'.' && (x == b'-' || x == b'.')) {
            continue;
        }
        if y == b'.' || x == b'.' || x == b'-' {
            return false;
        }
        mismatches += 1;
    }
    let limit = usize::from(suffix.len() >= 4);
    mismatches <= limit && is_end_boundary(after.get(suffix.len() + 1).copied())
}

/// Whether the ASCII skeleton of `text` is `skel` (without building it).
fn skeleton_is(text: &str, skel: &str) -> bool {
    let mut rest = text.as_bytes();
    let mut want = skel.chars();
    while let Some((c, n)) = tables::skeleton_step(rest) {
        if want.next() != Some(c) {
            return false;
        }
        rest = rest.get(n..).unwrap_or(&[]);
    }
    want.next().is_none()
}

/// The look-alike glyphs that turn `brand` into `seen` (equal ASCII skeletons):
/// `rn looks like m, 0 looks like o`.
fn glyph_swaps(seen: &str, brand: &str) -> String {
    let (mut a, mut b) = (seen.as_bytes(), brand.as_bytes());
    let mut out = String::new();
    let mut pairs: Vec<(&[u8], &[u8])> = Vec::new();
    while let (Some((x, n)), Some((y, m))) = (tables::skeleton_step(a), tables::skeleton_step(b)) {
        let (sa, sb) = (&a[..n], &b[..m]);
        if x == y && sa != sb && !pairs.contains(&(sa, sb)) {
            pairs.push((sa, sb));
            if !out.is_empty() {
                out.push_str(", ");
            }
            let _ = write!(
                out,
                "{} looks like {}",
                String::from_utf8_lossy(sa),
                String::from_utf8_lossy(sb)
            );
        }
        a = &a[n..];
        b = &b[m..];
    }
    if out.is_empty() {
        out.push_str("look-alike characters");
    }
    out
}

/// Whether `b` is the numbered name `a` with another number or none (`awsdns-47` or `awsdns`
/// for `awsdns-08`): equal once digits and hyphens are removed, `a` with digits.
fn other_number(a: &[u8], b: &[u8]) -> bool {
    if !a.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let mut x = a.iter().filter(|c| !c.is_ascii_digit() && **c != b'-');
    let mut y = b.iter().filter(|c| !c.is_ascii_digit() && **c != b'-');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

/// Whether `a` and `b` are equal once hyphens are removed (`ucs-card` / `ucscard`).
fn eq_ignoring_hyphens(a: &[u8], b: &[u8]) -> bool {
    let mut x = a.iter().filter(|&&c| c != b'-');
    let mut y = b.iter().filter(|&&c| c != b'-');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

fn keyword_in(s: &str) -> bool {
    s.split(['.', '-'])
        .any(|t| tables::is_keyword(t) || tables::keywords().any(|k| k.len() >= 4 && t.contains(k)))
}

fn op_kind(ops: &[Op], label: &str) -> Option<&'static str> {
    if ops.len() != 1 {
        return None;
    }
    Some(match ops[0] {
        Op::Substitution(a, b) => tables::substitution_kind(a, b),
        Op::Insertion(b'-') => "hyphenation",
        Op::Insertion(b's') if label.ends_with('s') => "plural",
        Op::Insertion(_) => "insertion",
        Op::Omission(_) => "omission",
        Op::Transposition(..) => "transposition",
    })
}

fn describe_ops(ops: &[Op]) -> String {
    let mut subs = Vec::new();
    let mut ins = Vec::new();
    let mut oms = Vec::new();
    let mut trs = Vec::new();
    for op in ops {
        match *op {
            Op::Substitution(a, b) => subs.push(format!("{}->{}", a as char, b as char)),
            Op::Insertion(b) => ins.push(format!("{}", b as char)),
            Op::Omission(a) => oms.push(format!("{}", a as char)),
            Op::Transposition(a, b) => trs.push(format!(
                "{}{}->{}{}",
                a as char, b as char, b as char, a as char
            )),
        }
    }
    let mut parts = Vec::new();
    let mut add = |v: &Vec<String>, one: &str, many: &str| {
        if !v.is_empty() {
            let word = if v.len() == 1 { one } else { many };
            parts.push(format!("{} {word} ({})", v.len(), v.join(", ")));
        }
    };
    add(&subs, "substitution", "substitutions");
    add(&ins, "insertion", "insertions");
    add(&oms, "omission", "omissions");
    add(&trs, "transposition", "transpositions");
    if parts.is_empty() {
        "no visible change".to_string()
    } else {
        parts.join(", ")
    }
}

fn push(cands: &mut Vec<Cand>, unit: u32, ev: Ev) {
    if cands.len() < MAX_CANDS {
        cands.push(Cand { unit, ev });
    }
}
