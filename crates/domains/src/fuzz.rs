//! Permutations of one domain: the names a typosquatter, phisher or combosquatter would
//! register to imitate it.
//!
//! Every fuzzer of dnstwist is here (addition, bitsquatting, cyrillic, homoglyph, hyphenation,
//! insertion, omission, plural, repetition, replacement, subdomain, transposition, vowel-swap,
//! dictionary, tld-swap, various), written afresh, plus: combosquats (`amazon-login`,
//! `my-amazon`, `amazon-jp`), the brand inside a longer host name (`amazon.co.jp-login.com`,
//! `amazon-co-jp.com`), numerals (`amaz0n`, `2`<->`two`), keyboard-layout confusion (QWERTY vs
//! QWERTZ/AZERTY, the brand typed with a Russian layout), Japanese romanisation variants
//! (`shi`/`si`, `ou`/`o`) and look-alikes of DNS providers' nameserver domains
//! (`awsdns-17.net` -> `awsdns-017.net`).
//!
//! Permutations vary the registrable label (`kuronekoyamato` of `kuronekoyamato.co.jp`, split
//! with the ICANN section of the Public Suffix List) and keep any labels left of it, as dnstwist
//! does. Unicode look-alikes are limited to the scripts the TLD's registry accepts
//! ([`tables::tld_allows_script`]): none for `.jp`, `.uk`, `.cn`...
//!
//! Each output parses as a [`DomainName`], appears once (the first technique in
//! [`PRIORITY`] that produces it names it) and differs from the input. The output is ordered
//! by technique ([`Technique::all`] order), then in generation order.

pub mod nameserver;
pub mod tables;

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::name::DomainName;
use crate::psl::{Section, SuffixList};

pub use nameserver::{
    NS_FAMILIES, NsFamily, fake_nameservers, is_fake_ns_domain, ns_family, ns_registrable,
};
use tables::Script;

/// How a permutation was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Technique {
    /// A character appended (`amazona`), or before a hyphen.
    Addition,
    /// One bit flipped in one character (`amazgn`: memory errors).
    Bitsquatting,
    /// Latin letters replaced by look-alike Cyrillic ones (`аmazon`), where the TLD allows.
    Cyrillic,
    /// Look-alike characters: ASCII (`amaz0n`, `rn`/`m`) and Latin-extended Unicode (`amazön`)
    /// where the TLD allows.
    Homoglyph,
    /// A hyphen inserted (`ama-zon`).
    Hyphenation,
    /// A neighbouring key inserted (`amazopn`).
    Insertion,
    /// A character left out (`amzon`).
    Omission,
    /// Plural forms (`amazons`, `biglobes`).
    Plural,
    /// A character doubled (`amazzon`).
    Repetition,
    /// A character replaced by a neighbouring key (`amazin`).
    Replacement,
    /// A dot inserted, making a subdomain (`ama.zon.com`).
    Subdomain,
    /// Two adjacent characters swapped (`amzaon`).
    Transposition,
    /// A vowel replaced by another (`amazan`).
    VowelSwap,
    /// A word from the user's dictionary attached (`amazon-deals`).
    Dictionary,
    /// Another TLD or ccSLD (`amazon.cc`, `kuronekoyamato.ne.jp`).
    TldSwap,
    /// dnstwist's miscellany (`amazoncom.com`, `biglobe.jp`, `biglobene.jp`, `example-jp.com`)
    /// plus the ccSLD's generic TLD (`biglobe.ne.jp` -> `biglobe.net`).
    Various,
    /// A phishing word, region or prefix attached (`amazon-login`, `my-amazon`, `amazon-jp`).
    Combosquat,
    /// The brand's whole name inside another domain (`amazon.co.jp-login.com`,
    /// `amazon-co-jp.com`).
    BrandInSubdomain,
    /// Letters as digits and digits as words (`amaz0n`, `4`<->`four`, `17`->`017`).
    Numeral,
    /// Typed on the wrong keyboard layout (QWERTY vs QWERTZ/AZERTY; Russian layout).
    KeyboardLayout,
    /// Japanese romanisation variants (Hepburn/Kunrei: `shi`/`si`, `tsu`/`tu`, `ou`/`o`).
    Romanization,
    /// Look-alikes of a DNS provider's nameserver domain (`awsdns-017.net`).
    FakeNameserver,
    /// Two adjacent characters replaced by one doubled letter (`paypal` -> `paykkl`). Not in
    /// the default set (26 per position).
    DoubleReplacement,
    /// One letter moved to any other position (`kuronekoyamato` -> `kuronekoyamoat`). Not in
    /// the default set.
    LetterMove,
    /// One vowel replaced by another at every occurrence (`paypal` -> `poypol`).
    VowelSwapAll,
    /// A hyphen doubled, or a doubled hyphen inserted between letters (`brand--word`). Not in
    /// the default set.
    DoubleHyphen,
    /// One character replaced by any letter or digit (`paypal` -> `pzypal`), not only a
    /// keyboard neighbour. Not in the default set (36 per position).
    ReplacementAny,
    /// Any letter or digit inserted at any position (`paypal` -> `payqpal`), not only a
    /// keyboard neighbour or at the end. Not in the default set (36 per position).
    AdditionAny,
    /// The brand label as a site on a hosting platform where anyone can publish
    /// (`paypal.blogspot.com`, `paypal.github.io`, `paypal.web.app`).
    Hosting,
}

/// The families left out of the default set (large lists): run with `-t FAMILY` or `--all`.
pub const NOT_DEFAULT: &[Technique] = &[
    Technique::DoubleReplacement,
    Technique::LetterMove,
    Technique::DoubleHyphen,
    Technique::ReplacementAny,
    Technique::AdditionAny,
];

const ALL: &[Technique] = &[
    Technique::Addition,
    Technique::Bitsquatting,
    Technique::Cyrillic,
    Technique::Homoglyph,
    Technique::Hyphenation,
    Technique::Insertion,
    Technique::Omission,
    Technique::Plural,
    Technique::Repetition,
    Technique::Replacement,
    Technique::Subdomain,
    Technique::Transposition,
    Technique::VowelSwap,
    Technique::Dictionary,
    Technique::TldSwap,
    Technique::Various,
    Technique::Combosquat,
    Technique::BrandInSubdomain,
    Technique::Numeral,
    Technique::KeyboardLayout,
    Technique::Romanization,
    Technique::FakeNameserver,
    Technique::VowelSwapAll,
    Technique::DoubleReplacement,
    Technique::LetterMove,
    Technique::DoubleHyphen,
    Technique::Hosting,
    Technique::ReplacementAny,
    Technique::AdditionAny,
];

/// The order in which techniques claim a name that several of them produce: the most
/// specific explanation first (`biglobes` is a plural before it is an addition, `amazom` a
/// homoglyph before a keyboard slip).
pub const PRIORITY: &[Technique] = &[
    Technique::FakeNameserver,
    Technique::TldSwap,
    Technique::Various,
    Technique::Plural,
    Technique::Homoglyph,
    Technique::Cyrillic,
    Technique::Numeral,
    Technique::VowelSwap,
    Technique::VowelSwapAll,
    Technique::Transposition,
    Technique::LetterMove,
    Technique::Repetition,
    Technique::DoubleReplacement,
    Technique::DoubleHyphen,
    Technique::Omission,
    Technique::Hyphenation,
    Technique::Replacement,
    Technique::Insertion,
    Technique::KeyboardLayout,
    Technique::Romanization,
    Technique::Bitsquatting,
    Technique::Addition,
    Technique::ReplacementAny,
    Technique::AdditionAny,
    Technique::Subdomain,
    Technique::Hosting,
    Technique::Dictionary,
    Technique::Combosquat,
    Technique::BrandInSubdomain,
];

impl Technique {
    /// The kebab-case name (`vowel-swap`, `tld-swap`, `fake-nameserver`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Technique::Addition => "addition",
            Technique::Bitsquatting => "bitsquatting",
            Technique::Cyrillic => "cyrillic",
            Technique::Homoglyph => "homoglyph",
            Technique::Hyphenation => "hyphenation",
            Technique::Insertion => "insertion",
            Technique::Omission => "omission",
            Technique::Plural => "plural",
            Technique::Repetition => "repetition",
            Technique::Replacement => "replacement",
            Technique::Subdomain => "subdomain",
            Technique::Transposition => "transposition",
            Technique::VowelSwap => "vowel-swap",
            Technique::Dictionary => "dictionary",
            Technique::TldSwap => "tld-swap",
            Technique::Various => "various",
            Technique::Combosquat => "combosquat",
            Technique::BrandInSubdomain => "brand-in-subdomain",
            Technique::Numeral => "numeral",
            Technique::KeyboardLayout => "keyboard-layout",
            Technique::Romanization => "romanization",
            Technique::FakeNameserver => "fake-nameserver",
            Technique::DoubleReplacement => "double-replacement",
            Technique::LetterMove => "letter-move",
            Technique::VowelSwapAll => "vowel-swap-all",
            Technique::DoubleHyphen => "double-hyphen",
            Technique::ReplacementAny => "replacement-any",
            Technique::AdditionAny => "addition-any",
            Technique::Hosting => "hosting",
        }
    }

    /// The default set: every technique but the large families of [`NOT_DEFAULT`].
    pub fn defaults() -> Vec<Technique> {
        ALL.iter()
            .copied()
            .filter(|t| !NOT_DEFAULT.contains(t))
            .collect()
    }

    /// Every technique, in output order (dnstwist's fuzzers first, in its order).
    pub fn all() -> &'static [Technique] {
        ALL
    }

    fn index(self) -> usize {
        ALL.iter().position(|t| *t == self).unwrap_or(ALL.len())
    }
}

impl fmt::Display for Technique {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A technique name that is not one of [`Technique::all`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown technique {0:?} (known: {known})", known = known_techniques())]
pub struct UnknownTechnique(pub String);

fn known_techniques() -> String {
    ALL.iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Technique {
    type Err = UnknownTechnique;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        ALL.iter()
            .copied()
            .find(|t| t.as_str() == wanted)
            .ok_or_else(|| UnknownTechnique(s.chars().take(40).collect()))
    }
}

impl Serialize for Technique {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Technique {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzOptions {
    /// The techniques to run (default: [`Technique::defaults`]).
    pub techniques: Vec<Technique>,
    /// TLD-swap candidates (`cc`, `co.jp`...). `None`: the full IANA TLD list, the ccSLDs of
    /// the input's country code and the commercial ccSLDs of every country (`co.uk`,
    /// `com.br`). `Some`: exactly these.
    pub tlds: Option<Vec<String>>,
    /// Words for the dictionary fuzzer (the combosquat fuzzer has its own built-in list,
    /// [`tables::COMBOSQUAT_WORDS`]).
    pub dictionary: Vec<String>,
    /// At most this many results (after deduplication, in output order).
    pub limit: Option<usize>,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            techniques: Technique::defaults(),
            tlds: None,
            dictionary: Vec::new(),
            limit: None,
        }
    }
}

/// One generated name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Permutation {
    /// The name (A-label form; `name.to_unicode()` for people).
    pub name: DomainName,
    /// How it was made.
    pub technique: Technique,
}

impl Serialize for Permutation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Permutation", 3)?;
        st.serialize_field("name", self.name.as_str())?;
        st.serialize_field("unicode", &self.name.to_unicode())?;
        st.serialize_field("technique", self.technique.as_str())?;
        st.end()
    }
}

/// Why permutations could not be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FuzzError {
    /// The input is itself a public suffix (`co.jp`, `com`): there is no label to vary.
    #[error("cannot fuzz {input:?}: it is a public suffix, with no registrable label to vary")]
    PublicSuffix { input: String },
    /// A TLD-swap candidate that is not a valid suffix.
    #[error("invalid TLD {entry:?}: {reason}")]
    InvalidTld { entry: String, reason: String },
    /// A dictionary word that cannot be part of a label.
    #[error("invalid dictionary word {word:?}: {reason}")]
    InvalidWord { word: String, reason: String },
}

fn shown(s: &str) -> String {
    s.chars()
        .take(80)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

/// The labels of a single-candidate-per-call generator are bounded: the work done for any
/// input is at most a few tens of thousands of candidates.
const HOMOGLYPH_SECOND_ROUND_MAX: usize = 120;

/// Generates the permutations of `domain`.
pub fn permutations(
    domain: &DomainName,
    list: &SuffixList,
    opts: &FuzzOptions,
) -> Result<Vec<Permutation>, FuzzError> {
    let input = domain.as_str();
    let split = list
        .split(input, Section::Icann)
        .ok_or_else(|| FuzzError::PublicSuffix {
            input: input.to_string(),
        })?;
    let (Some(registrable), Some(label)) = (split.registrable, split.registrable_label()) else {
        return Err(FuzzError::PublicSuffix {
            input: input.to_string(),
        });
    };
    let suffix = split.suffix;
    let prefix = input
        .get(..input.len() - registrable.len())
        .unwrap_or("")
        .trim_end_matches('.');
    let tlds = match &opts.tlds {
        Some(list) => Some(check_tlds(list)?),
        None => None,
    };
    let words = check_words(&opts.dictionary)?;

    let ulabel: Vec<char> = if label.starts_with("xn--") {
        let (u, errors) = idna::domain_to_unicode(label);
        if errors.is_ok() {
            u.chars().collect()
        } else {
            label.chars().collect()
        }
    } else {
        label.chars().collect()
    };
    let tld = suffix.rsplit('.').next().unwrap_or(suffix);
    let mut g = Gen {
        input,
        prefix,
        suffix,
        tld,
        label: ulabel,
        seen: HashSet::with_capacity_and_hasher(4096, foldhash::fast::RandomState::default()),
        out: Vec::new(),
        technique: Technique::Addition,
    };
    for &t in PRIORITY {
        if !opts.techniques.contains(&t) {
            continue;
        }
        g.technique = t;
        match t {
            Technique::Addition => g.addition(),
            Technique::Bitsquatting => g.bitsquatting(),
            Technique::Cyrillic => g.cyrillic(),
            Technique::Homoglyph => g.homoglyph(),
            Technique::Hyphenation => g.hyphenation(),
            Technique::Insertion => g.insertion(),
            Technique::Omission => g.omission(),
            Technique::Plural => g.plural(),
            Technique::Repetition => g.repetition(),
            Technique::Replacement => g.replacement(),
            Technique::Subdomain => g.subdomain(),
            Technique::Transposition => g.transposition(),
            Technique::VowelSwap => g.vowel_swap(),
            Technique::Dictionary => g.dictionary(&words),
            Technique::TldSwap => g.tld_swap(tlds.as_deref()),
            Technique::Various => g.various(),
            Technique::Combosquat => g.combosquat(),
            Technique::BrandInSubdomain => g.brand_in_subdomain(),
            Technique::Numeral => g.numeral(),
            Technique::KeyboardLayout => g.keyboard_layout(),
            Technique::Romanization => g.romanization(),
            Technique::FakeNameserver => g.fake_nameserver(),
            Technique::DoubleReplacement => g.double_replacement(),
            Technique::LetterMove => g.letter_move(),
            Technique::VowelSwapAll => g.vowel_swap_all(),
            Technique::DoubleHyphen => g.double_hyphen(),
            Technique::ReplacementAny => g.replacement_any(),
            Technique::AdditionAny => g.addition_any(),
            Technique::Hosting => g.hosting(),
        }
    }
    let mut out = g.out;
    out.sort_by_key(|p| p.technique.index());
    if let Some(limit) = opts.limit {
        out.truncate(limit);
    }
    Ok(out)
}

fn check_tlds(list: &[String]) -> Result<Vec<String>, FuzzError> {
    let mut out = Vec::with_capacity(list.len());
    for entry in list {
        let t = entry.trim().trim_start_matches('.');
        let d = DomainName::parse(t).map_err(|e| FuzzError::InvalidTld {
            entry: shown(entry),
            reason: e.rule.to_string(),
        })?;
        out.push(d.as_str().to_string());
    }
    Ok(out)
}

fn check_words(words: &[String]) -> Result<Vec<String>, FuzzError> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        let t = w.trim();
        if t.contains('.') {
            return Err(FuzzError::InvalidWord {
                word: shown(w),
                reason: "a word cannot contain a dot".into(),
            });
        }
        // A word must make a valid label on its own (the label checks of DomainName).
        let probe = format!("{t}.example");
        DomainName::parse(&probe).map_err(|e| FuzzError::InvalidWord {
            word: shown(w),
            reason: e.rule.to_string(),
        })?;
        out.push(t.to_lowercase());
    }
    Ok(out)
}

struct Gen<'a> {
    input: &'a str,
    prefix: &'a str,
    suffix: &'a str,
    tld: &'a str,
    label: Vec<char>,
    seen: HashSet<Box<str>, foldhash::fast::RandomState>,
    out: Vec<Permutation>,
    technique: Technique,
}

const DIGITS_LETTERS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl Gen<'_> {
    /// Adds a full name.
    fn full(&mut self, name: &str) {
        let Ok(d) = DomainName::parse(name) else {
            return;
        };
        if d.as_str() == self.input || self.seen.contains(d.as_str()) {
            return;
        }
        self.seen.insert(d.as_str().into());
        self.out.push(Permutation {
            name: d,
            technique: self.technique,
        });
    }

    /// Adds `[prefix.]label.suffix`.
    fn with_suffix(&mut self, label: &str, suffix: &str) {
        if label.is_empty() || suffix.is_empty() {
            return;
        }
        let mut s = String::with_capacity(self.prefix.len() + label.len() + suffix.len() + 2);
        if !self.prefix.is_empty() {
            s.push_str(self.prefix);
            s.push('.');
        }
        s.push_str(label);
        s.push('.');
        s.push_str(suffix);
        self.full(&s);
    }

    /// Adds `[prefix.]label.<input suffix>`.
    fn lbl(&mut self, label: &str) {
        self.with_suffix(label, self.suffix);
    }

    fn chars(&mut self, label: &[char]) {
        let s: String = label.iter().collect();
        self.lbl(&s);
    }

    fn label_string(&self) -> String {
        self.label.iter().collect()
    }

    fn addition(&mut self) {
        let l = self.label.clone();
        for &c in DIGITS_LETTERS {
            let mut v = l.clone();
            v.push(c as char);
            self.chars(&v);
        }
        // Before each hyphen (`foo-bar` -> `fooa-bar`).
        for (i, _) in l.iter().enumerate().filter(|(_, c)| **c == '-') {
            for &c in DIGITS_LETTERS {
                let mut v = l.clone();
                v.insert(i, c as char);
                self.chars(&v);
            }
        }
    }

    fn bitsquatting(&mut self) {
        let l = self.label.clone();
        for (i, &c) in l.iter().enumerate() {
            if !c.is_ascii() {
                continue;
            }
            for bit in 0..8 {
                let b = (c as u8) ^ (1 << bit);
                if b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' {
                    let mut v = l.clone();
                    v[i] = b as char;
                    self.chars(&v);
                }
            }
        }
    }

    fn cyrillic(&mut self) {
        if !tables::tld_allows_script(self.tld, Script::Cyrillic) {
            return;
        }
        let l = self.label.clone();
        let map = |c: char| {
            u8::try_from(c)
                .ok()
                .and_then(tables::cyrillic_for)
                .unwrap_or(c)
        };
        // Every letter that has a look-alike (all-Cyrillic when every letter has one).
        let all: Vec<char> = l.iter().map(|&c| map(c)).collect();
        if all != l {
            self.chars(&all);
        }
        // One letter at a time.
        for i in 0..l.len() {
            let c = map(l[i]);
            if c != l[i] {
                let mut v = l.clone();
                v[i] = c;
                self.chars(&v);
            }
        }
    }

    /// The look-alikes of `seen` allowed under this TLD.
    fn glyphs(&self, seen: &str, out: &mut Vec<String>) {
        out.clear();
        out.extend(tables::ascii_glyphs(seen).iter().map(|s| s.to_string()));
        if tables::tld_allows_script(self.tld, Script::LatinExtended) {
            out.extend(
                tables::latin_extended(seen)
                    .chars()
                    .filter(|&c| tables::tld_allows_char(self.tld, c))
                    .map(String::from),
            );
        }
    }

    fn homoglyph_round(&self, l: &[char], out: &mut Vec<Vec<char>>) {
        let mut gl = Vec::new();
        let mut key = String::new();
        for i in 0..l.len() {
            key.clear();
            key.push(l[i]);
            self.glyphs(&key, &mut gl);
            for g in &gl {
                let mut v = l[..i].to_vec();
                v.extend(g.chars());
                v.extend_from_slice(&l[i + 1..]);
                out.push(v);
            }
            if i + 1 < l.len() {
                key.push(l[i + 1]);
                self.glyphs(&key, &mut gl);
                for g in &gl {
                    let mut v = l[..i].to_vec();
                    v.extend(g.chars());
                    v.extend_from_slice(&l[i + 2..]);
                    out.push(v);
                }
            }
        }
    }

    fn homoglyph(&mut self) {
        let l = self.label.clone();
        let mut first = Vec::new();
        self.homoglyph_round(&l, &mut first);
        first.sort();
        first.dedup();
        for v in &first {
            self.chars(v);
        }
        // Two substitutions, as dnstwist does, while the first round is small.
        if first.len() <= HOMOGLYPH_SECOND_ROUND_MAX {
            let mut second = Vec::new();
            for v in &first {
                self.homoglyph_round(v, &mut second);
            }
            for v in &second {
                self.chars(v);
            }
        }
    }

    fn hyphenation(&mut self) {
        self.separator_between_letters('-');
    }

    /// Candidates with `sep` put between two characters of the label, never next to a hyphen.
    fn separator_between_letters(&mut self, sep: char) {
        let l = self.label.clone();
        for i in 1..l.len() {
            if l[i] == '-' || l[i - 1] == '-' {
                continue;
            }
            let mut v = l.clone();
            v.insert(i, sep);
            self.chars(&v);
        }
    }

    fn insertion(&mut self) {
        let l = self.label.clone();
        for i in 0..l.len() {
            let Ok(c) = u8::try_from(l[i]) else {
                continue;
            };
            for n in tables::keyboard_neighbours(c) {
                for at in [i, i + 1] {
                    let mut v = l.clone();
                    v.insert(at, n as char);
                    self.chars(&v);
                }
            }
        }
    }

    fn omission(&mut self) {
        let l = self.label.clone();
        for i in 0..l.len() {
            let mut v = l.clone();
            v.remove(i);
            self.chars(&v);
        }
    }

    fn plural(&mut self) {
        let l = self.label_string();
        let ends_sibilant = l.ends_with(['s', 'x', 'z']) || l.ends_with("ch") || l.ends_with("sh");
        if ends_sibilant {
            self.lbl(&format!("{l}es"));
        } else {
            self.lbl(&format!("{l}s"));
            if let Some(stem) = l.strip_suffix('y') {
                self.lbl(&format!("{stem}ies"));
            }
        }
        // dnstwist's plural of an inner word (`bigslobe`, `biglsobe`).
        let c = self.label.clone();
        for i in 2..c.len().saturating_sub(2) {
            let mut v = c[..=i].to_vec();
            if matches!(c[i], 's' | 'x' | 'z') {
                v.extend(['e', 's']);
            } else {
                v.push('s');
            }
            v.extend_from_slice(&c[i + 1..]);
            self.chars(&v);
        }
    }

    fn repetition(&mut self) {
        let l = self.label.clone();
        for i in 0..l.len() {
            if l[i] == '-' {
                continue;
            }
            let mut v = l.clone();
            v.insert(i, l[i]);
            self.chars(&v);
        }
    }

    fn replacement(&mut self) {
        let l = self.label.clone();
        for i in 0..l.len() {
            let Ok(c) = u8::try_from(l[i]) else {
                continue;
            };
            for n in tables::keyboard_neighbours(c) {
                let mut v = l.clone();
                v[i] = n as char;
                self.chars(&v);
            }
        }
    }

    fn subdomain(&mut self) {
        self.separator_between_letters('.');
    }

    fn transposition(&mut self) {
        let l = self.label.clone();
        for i in 0..l.len().saturating_sub(1) {
            if l[i] != l[i + 1] {
                let mut v = l.clone();
                v.swap(i, i + 1);
                self.chars(&v);
            }
        }
    }

    fn vowel_swap(&mut self) {
        const VOWELS: [char; 5] = ['a', 'e', 'i', 'o', 'u'];
        let l = self.label.clone();
        for i in 0..l.len() {
            if !VOWELS.contains(&l[i]) {
                continue;
            }
            for v in VOWELS {
                if v != l[i] {
                    let mut w = l.clone();
                    w[i] = v;
                    self.chars(&w);
                }
            }
        }
    }

    /// Each pair of adjacent characters replaced by a doubled letter (`pa` -> `kk`).
    fn double_replacement(&mut self) {
        let l = self.label.clone();
        for i in 0..l.len().saturating_sub(1) {
            for c in 'a'..='z' {
                if l[i] == c && l[i + 1] == c {
                    continue;
                }
                let mut v = l.clone();
                v[i] = c;
                v[i + 1] = c;
                self.chars(&v);
            }
        }
    }

    /// One character taken out and put back at every other position.
    fn letter_move(&mut self) {
        let l = self.label.clone();
        for from in 0..l.len() {
            let mut rest = l.clone();
            let c = rest.remove(from);
            for to in 0..=rest.len() {
                if to == from {
                    continue;
                }
                let mut v = rest.clone();
                v.insert(to, c);
                self.chars(&v);
            }
        }
    }

    /// Every occurrence of one vowel replaced by another (`paypal` -> `poypol`).
    fn vowel_swap_all(&mut self) {
        const VOWELS: [char; 5] = ['a', 'e', 'i', 'o', 'u'];
        let l = self.label.clone();
        for from in VOWELS {
            if !l.contains(&from) {
                continue;
            }
            for to in VOWELS {
                if to != from {
                    let v: Vec<char> = l.iter().map(|&c| if c == from { to } else { c }).collect();
                    self.chars(&v);
                }
            }
        }
    }

    /// Each character replaced by every letter and digit.
    fn replacement_any(&mut self) {
        let l = self.label.clone();
        for i in 0..l.len() {
            if l[i] == '-' {
                continue;
            }
            for &c in DIGITS_LETTERS {
                let c = c as char;
                if c != l[i] {
                    let mut v = l.clone();
                    v[i] = c;
                    self.chars(&v);
                }
            }
        }
    }

    /// Every letter and digit inserted at every position.
    fn addition_any(&mut self) {
        let l = self.label.clone();
        for i in 0..=l.len() {
            for &c in DIGITS_LETTERS {
                let mut v = l.clone();
                v.insert(i, c as char);
                self.chars(&v);
            }
        }
    }

    /// The label on hosting platforms ([`tables::HOSTING_SUFFIXES`]), as a site of its own.
    fn hosting(&mut self) {
        let label = self.label_string();
        if !label.is_ascii() {
            return;
        }
        for h in tables::HOSTING_SUFFIXES {
            self.full(&format!("{label}.{h}"));
        }
    }

    /// Each hyphen doubled (`brand-word` -> `brand--word`), and `--` between two letters;
    /// never in the 3rd and 4th positions, which registries keep for `xn--` style labels.
    fn double_hyphen(&mut self) {
        let l = self.label.clone();
        for i in (1..l.len()).filter(|&i| i != 2) {
            let mut v = l.clone();
            if l[i] == '-' {
                v.insert(i, '-');
            } else if l[i - 1] != '-' {
                v.splice(i..i, ['-', '-']);
            } else {
                continue;
            }
            self.chars(&v);
        }
    }

    /// `label-word`, `labelword`, `word-label`, `wordlabel`; with a hyphenated label, the word
    /// also replaces the first or last part.
    fn attach(&mut self, word: &str, prefix: bool, suffix: bool) {
        let l = self.label_string();
        if word.is_empty() || l == word {
            return;
        }
        if suffix && !l.ends_with(word) {
            self.lbl(&format!("{l}-{word}"));
            self.lbl(&format!("{l}{word}"));
        }
        if prefix && !l.starts_with(word) {
            self.lbl(&format!("{word}-{l}"));
            self.lbl(&format!("{word}{l}"));
        }
    }

    fn dictionary(&mut self, words: &[String]) {
        for w in words {
            self.attach(w, true, true);
        }
        let l = self.label_string();
        if let (Some((_, last)), Some((first, _))) = (l.split_once('-'), l.rsplit_once('-')) {
            for w in words {
                self.lbl(&format!("{first}-{w}"));
                self.lbl(&format!("{w}-{last}"));
            }
        }
    }

    fn tld_swap(&mut self, tlds: Option<&[String]>) {
        let l = self.label_string();
        let own = self.suffix;
        if let Some(list) = tlds {
            for t in list {
                if t != own {
                    self.with_suffix(&l, t);
                }
            }
            return;
        }
        // ccSLD siblings first (`co.jp` -> `ne.jp`, `jp`), then every TLD, then the commercial
        // ccSLDs of every country (`co.uk`, `com.br`).
        let cc = self.tld;
        if cc.len() == 2 {
            if own != cc {
                self.with_suffix(&l, cc);
            }
            for s in tables::ccslds_of(cc) {
                if s != own {
                    self.with_suffix(&l, s);
                }
            }
        }
        for t in tables::iana_tlds() {
            if *t != own {
                self.with_suffix(&l, t);
            }
        }
        for s in tables::ccslds() {
            let sld = s.split('.').next().unwrap_or("");
            if *s != own && tables::COMMERCIAL_SLDS.contains(&sld) {
                self.with_suffix(&l, s);
            }
        }
    }

    fn various(&mut self) {
        let l = self.label_string();
        let (suffix, tld) = (self.suffix, self.tld);
        if let Some((sld, _)) = suffix.split_once('.') {
            // biglobe.ne.jp -> biglobe.jp, biglobene.jp, biglobe.net
            self.with_suffix(&l, tld);
            let nodots: String = suffix
                .split('.')
                .take(suffix.split('.').count() - 1)
                .collect();
            self.with_suffix(&format!("{l}{nodots}"), tld);
            if let Some(g) = tables::generic_for_sld(sld) {
                self.with_suffix(&l, g);
            }
        } else {
            // amazon.com -> amazoncom.com
            self.with_suffix(&format!("{l}{tld}"), tld);
            if tld != "com" {
                // example.jp -> example-jp.com, examplejp.com
                self.with_suffix(&format!("{l}-{tld}"), "com");
                self.with_suffix(&format!("{l}{tld}"), "com");
            }
        }
        // With labels left of the registrable one: www.example.com -> wwwexample.com...
        if !self.prefix.is_empty() {
            let p = self.prefix;
            for name in [
                format!("{p}{l}.{suffix}"),
                format!("{}{l}.{suffix}", p.replace('.', "")),
                format!("{p}-{l}.{suffix}"),
                format!("{}-{l}.{suffix}", p.replace('.', "-")),
            ] {
                self.full(&name);
            }
        }
    }

    fn combosquat(&mut self) {
        for w in tables::COMBOSQUAT_WORDS {
            self.attach(w, true, true);
        }
        for r in tables::COMBOSQUAT_REGIONS {
            self.attach(r, true, true);
        }
        for p in tables::COMBOSQUAT_PREFIXES {
            self.attach(p, true, false);
        }
    }

    fn brand_in_subdomain(&mut self) {
        let l = self.label_string();
        let suffix = self.suffix;
        let hyphenated = suffix.replace('.', "-");
        let nodots = suffix.replace('.', "");
        for t in tables::ABUSED_TLDS {
            // amazon-co-jp.com, amazoncojp.com
            self.full(&format!("{l}-{hyphenated}.{t}"));
            self.full(&format!("{l}{nodots}.{t}"));
            // amazon.co.jp.xyz
            self.full(&format!("{l}.{suffix}.{t}"));
        }
        for w in tables::BRAND_HOST_WORDS {
            for t in &tables::ABUSED_TLDS[..6] {
                // amazon.co.jp-login.com, amazon-co-jp-update.xyz, id-amazon-co-jp.top
                self.full(&format!("{l}.{suffix}-{w}.{t}"));
                self.full(&format!("{l}-{hyphenated}-{w}.{t}"));
                self.full(&format!("{w}-{l}-{hyphenated}.{t}"));
            }
        }
    }

    fn numeral(&mut self) {
        let l = self.label.clone();
        // Letters as digits, one at a time, then all at once; digits as letters.
        let mut all = l.clone();
        for i in 0..l.len() {
            let Ok(c) = u8::try_from(l[i]) else {
                continue;
            };
            for &(letter, digit) in tables::NUMERALS {
                let with = if c == letter {
                    Some(digit)
                } else if c == digit {
                    Some(letter)
                } else {
                    None
                };
                if let Some(w) = with {
                    let mut v = l.clone();
                    v[i] = w as char;
                    self.chars(&v);
                    if c.is_ascii_alphabetic() && all[i] == l[i] {
                        all[i] = w as char;
                    }
                }
            }
        }
        if all != l {
            self.chars(&all);
        }
        let s = self.label_string();
        // Number words.
        for (digits, words) in tables::NUMBER_WORDS {
            for w in *words {
                for (i, _) in s.match_indices(digits) {
                    self.lbl(&format!("{}{w}{}", &s[..i], &s[i + digits.len()..]));
                }
                if w.len() >= 3 {
                    for (i, _) in s.match_indices(w) {
                        self.lbl(&format!("{}{digits}{}", &s[..i], &s[i + w.len()..]));
                    }
                }
            }
        }
        // Zero padding of digit runs (17 -> 017, 0017; 017 -> 17).
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                let run = &s[start..i];
                let (head, tail) = (&s[..start], &s[i..]);
                self.lbl(&format!("{head}0{run}{tail}"));
                self.lbl(&format!("{head}00{run}{tail}"));
                let stripped = run.trim_start_matches('0');
                if stripped.len() < run.len() && !stripped.is_empty() {
                    self.lbl(&format!("{head}{stripped}{tail}"));
                }
            } else {
                i += 1;
            }
        }
    }

    fn keyboard_layout(&mut self) {
        let s = self.label_string();
        if !s.is_ascii() {
            return;
        }
        for (_, swaps) in tables::LAYOUT_SWAPS {
            let all: String = s
                .bytes()
                .map(|c| {
                    let mut out = c;
                    for &(a, b) in *swaps {
                        if c == a {
                            out = b;
                        } else if c == b {
                            out = a;
                        }
                    }
                    out as char
                })
                .collect();
            if all != s {
                self.lbl(&all);
            }
        }
        // The brand typed with a Russian layout active: `google` -> `пщщпду`.
        if tables::tld_allows_script(self.tld, Script::Cyrillic)
            && s.bytes().any(|b| b.is_ascii_lowercase())
        {
            let ru: String = s
                .bytes()
                .map(|b| tables::jcuken(b).unwrap_or(b as char))
                .collect();
            self.lbl(&ru);
        }
    }

    fn romanization(&mut self) {
        // Hepburn, Kunrei-shiki and Nihon-shiki spellings, and long-vowel spellings.
        const PAIRS: &[(&str, &str)] = &[
            ("shi", "si"),
            ("chi", "ti"),
            ("tsu", "tu"),
            ("fu", "hu"),
            ("ji", "zi"),
            ("sha", "sya"),
            ("shu", "syu"),
            ("sho", "syo"),
            ("cha", "tya"),
            ("chu", "tyu"),
            ("cho", "tyo"),
            ("ja", "zya"),
            ("ju", "zyu"),
            ("jo", "zyo"),
            ("ja", "jya"),
            ("ju", "jyu"),
            ("jo", "jyo"),
            ("ou", "oh"),
            ("ou", "oo"),
            ("uu", "u"),
            ("ei", "ee"),
            ("nb", "mb"),
            ("nm", "mm"),
            ("np", "mp"),
            ("kk", "k"),
            ("tt", "t"),
            ("pp", "p"),
            ("ss", "s"),
        ];
        let s = self.label_string();
        if !(self.tld == "jp" || is_romaji(&s)) {
            return;
        }
        let mut variants = Vec::new();
        for &(a, b) in PAIRS {
            for (from, to) in [(a, b), (b, a)] {
                for (i, _) in s.match_indices(from) {
                    variants.push(format!("{}{to}{}", &s[..i], &s[i + from.len()..]));
                }
            }
        }
        // A long final vowel: yamato -> yamatou, yamatoh; tokyou -> tokyo.
        if s.ends_with('o') {
            variants.push(format!("{s}u"));
            variants.push(format!("{s}h"));
        }
        if let Some(stem) = s.strip_suffix("ou").or_else(|| s.strip_suffix("oh")) {
            variants.push(format!("{stem}o"));
        }
        for v in variants {
            self.lbl(&v);
        }
    }

    fn fake_nameserver(&mut self) {
        for name in fake_nameservers(self.input) {
            self.full(&name);
        }
    }
}

/// Whether `s` reads as Japanese romaji (every part a syllable: `kuronekoyamato`, `biglobe`
/// does not), so that romanisation variants are not made of unrelated words.
fn is_romaji(s: &str) -> bool {
    const VOWELS: &[u8] = b"aeiou";
    let b = s.as_bytes();
    if b.is_empty() || !s.is_ascii() {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if VOWELS.contains(&c) || c == b'-' {
            i += 1;
            continue;
        }
        // Syllabic n (not followed by a vowel or y).
        if c == b'n'
            && b.get(i + 1)
                .is_none_or(|n| !VOWELS.contains(n) && *n != b'y')
        {
            i += 1;
            continue;
        }
        // Doubled consonant (sokuon): kk, tt, ss, pp, tch.
        if b.get(i + 1) == Some(&c) && matches!(c, b'k' | b't' | b's' | b'p' | b'c') {
            i += 1;
            continue;
        }
        let onset: &[&[u8]] = &[
            b"sh", b"ch", b"ts", b"ky", b"gy", b"ny", b"hy", b"my", b"ry", b"by", b"py", b"jy",
            b"zy", b"ty", b"sy", b"dy", b"k", b"s", b"t", b"n", b"h", b"m", b"y", b"r", b"w", b"g",
            b"z", b"d", b"b", b"p", b"j", b"f",
        ];
        let Some(o) = onset.iter().find(|o| b[i..].starts_with(o)) else {
            return false;
        };
        i += o.len();
        if !b.get(i).is_some_and(|v| VOWELS.contains(v)) {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests;
