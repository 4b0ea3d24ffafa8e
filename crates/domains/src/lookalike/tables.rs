//! Small tables the matcher scores with. Keyboard neighbours and look-alike glyphs come from
//! [`crate::fuzz::tables`], the one source shared with the permutation generator; here are the
//! matcher's own weights, suspicious TLDs, keywords and the ASCII homoglyph skeleton.

use std::collections::HashSet;
use std::sync::OnceLock;

use foldhash::fast::FixedState;

use crate::fuzz::tables as shared;

/// Whether two keys touch on a QWERTY keyboard: the QWERTY table of
/// [`crate::fuzz::tables::LAYOUTS`]. The matcher prices only QWERTY slips as cheap; the
/// generator also tries QWERTZ and AZERTY neighbours.
pub fn keyboard_adjacent(a: u8, b: u8) -> bool {
    shared::layout_adjacent(0, a, b)
}

/// Whether two characters look alike: [`crate::fuzz::tables::glyph_byte_similar`] (the
/// one-character pairs of the generator's glyph and numeral tables, plus the looser shapes
/// only the matcher scores), one table lookup.
pub fn glyph_similar(a: u8, b: u8) -> bool {
    shared::glyph_byte_similar(a, b)
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The cost of replacing `a` (brand) with `b` (name): 0.3 for look-alike glyphs, 0.5 for
/// keyboard neighbours, 0.6 for a one-bit flip, 0.7 vowel for vowel, 1.0 otherwise.
pub fn substitution_cost(a: u8, b: u8) -> f32 {
    if a == b {
        0.0
    } else if glyph_similar(a, b) {
        0.3
    } else if keyboard_adjacent(a, b) {
        0.5
    } else if (a ^ b).count_ones() == 1 {
        0.6
    } else if is_vowel(a) && is_vowel(b) {
        0.7
    } else {
        1.0
    }
}

/// The kind of one substitution, in `domains::fuzz` technique names.
pub fn substitution_kind(a: u8, b: u8) -> &'static str {
    if glyph_similar(a, b) {
        "homoglyph"
    } else if keyboard_adjacent(a, b) {
        "replacement"
    } else if (a ^ b).count_ones() == 1 {
        "bitsquatting"
    } else if is_vowel(a) && is_vowel(b) {
        "vowel-swap"
    } else {
        "replacement"
    }
}

/// TLDs over-represented in phishing and abuse reports (Spamhaus, Interisle, APWG counts):
/// cheap, fast or lightly checked registration. A name there gets more suspicion, never a
/// verdict by itself. These are the ones besides [`crate::fuzz::tables::ABUSED_TLDS`] (the
/// generator's list, shared: see [`suspicious_tld`]); a TLD belongs in one list, not both.
pub const SUSPICIOUS_TLDS: &[&str] = &[
    "cloud",
    "fun",
    "rest",
    "sbs",
    "bond",
    "support",
    "store",
    "website",
    "space",
    "tech",
    "pw",
    "ws",
    "su",
    "link",
    "click",
    "today",
    "email",
    "services",
    "digital",
    "host",
    "press",
    "world",
    "cfd",
    "lol",
    "xin",
    "win",
    "bid",
    "loan",
    "men",
    "party",
    "review",
    "racing",
    "download",
    "stream",
    "trade",
    "science",
    "accountant",
    "kim",
    "ren",
    "pro",
    "biz",
    "asia",
    "one",
    "app",
    "dev",
    "io",
    "ly",
    "to",
    "in",
    "ir",
    "gl",
    "vn",
    "id",
    "my",
    "pe",
];

/// TLDs of [`crate::fuzz::tables::ABUSED_TLDS`] too common in legitimate use to add suspicion.
const MAINSTREAM_TLDS: &[&str] = &["com", "net"];

/// Whether `tld` (the last label) is suspicious: in [`crate::fuzz::tables::ABUSED_TLDS`] but
/// not `com` or `net` (too common in legitimate use), or in [`SUSPICIOUS_TLDS`].
pub fn suspicious_tld(tld: &str) -> bool {
    (shared::ABUSED_TLDS.contains(&tld) && !MAINSTREAM_TLDS.contains(&tld))
        || SUSPICIOUS_TLDS.contains(&tld)
}

/// Words that phishing names add to a brand (combosquats) or put next to it, besides
/// [`crate::fuzz::tables::COMBOSQUAT_WORDS`] (the generator's list, shared: see [`keywords`]);
/// a word belongs in one list, not both.
pub const KEYWORDS: &[&str] = &[
    "sign", "my", "jp", "japan", "cojp", "centre", "prime", "safety", "mypage", "com", "co", "www",
    "rewards", "direct", "mobile", "smart", "cloud", "s3", "aws", "api", "password", "signup",
    "order", "jpn",
];

/// Every keyword the matcher knows: [`crate::fuzz::tables::COMBOSQUAT_WORDS`], then
/// [`KEYWORDS`].
pub fn keywords() -> impl Iterator<Item = &'static str> {
    shared::COMBOSQUAT_WORDS.iter().chain(KEYWORDS).copied()
}

/// The [`keywords`] (and, with `common`, [`COMMON_WORDS`]) as hashed sets: these are asked
/// for every label and token of every name, where a linear scan of ~150 strings showed in
/// profiles.
struct WordSets {
    keywords: HashSet<&'static str, FixedState>,
    common: HashSet<&'static str, FixedState>,
    max_len: usize,
}

fn word_sets() -> &'static WordSets {
    static SETS: OnceLock<WordSets> = OnceLock::new();
    SETS.get_or_init(|| {
        let keywords: HashSet<&'static str, FixedState> = keywords().collect();
        let common: HashSet<&'static str, FixedState> = keywords
            .iter()
            .copied()
            .chain(COMMON_WORDS.iter().copied())
            .collect();
        let max_len = common.iter().map(|w| w.len()).max().unwrap_or(0);
        WordSets {
            keywords,
            common,
            max_len,
        }
    })
}

/// The set of bytes of `s`, folded into 64 bits (a function of the byte, so that two strings
/// one edit apart differ in at most two bits).
fn byte_set(s: &[u8]) -> u64 {
    s.iter().fold(0u64, |m, &b| m | 1 << (b % 64))
}

/// Whether `token` is one edit (OSA) from a keyword of 5 letters or more (`lpgin`, `acount`).
/// `rows` is the edit distance's scratch.
pub fn is_misspelt_keyword(token: &str, rows: &mut Vec<u8>) -> bool {
    static LONG: OnceLock<Vec<(&'static str, u64)>> = OnceLock::new();
    let long = LONG.get_or_init(|| {
        keywords()
            .filter(|k| k.len() >= 5)
            .map(|k| (k, byte_set(k.as_bytes())))
            .collect()
    });
    let t = token.as_bytes();
    let set = byte_set(t);
    long.iter().any(|&(k, ks)| {
        // One edit changes at most two members of the byte set: a cheap test first.
        k.len().abs_diff(t.len()) <= 1
            && (ks ^ set).count_ones() <= 2
            && super::edit::osa_within(k.as_bytes(), t, 1, rows).is_some()
    })
}

/// Whether `token` is one of the [`keywords`].
pub fn is_keyword(token: &str) -> bool {
    let w = word_sets();
    token.len() <= w.max_len && w.keywords.contains(token)
}

/// Keywords that also name everyday things (`shop`, `app`, `info`): too weak to make a
/// generic-word brand next to them a lookalike.
const WEAK_KEYWORDS: &[&str] = &[
    "app", "web", "net", "site", "info", "online", "shop", "store", "center", "user", "point",
    "points", "gift", "check", "access", "safe", "portal", "mail", "email", "delivery", "track",
    "tracking", "cs", "webmail", "www", "com", "co", "centre", "prime", "safety", "direct",
    "mobile", "smart", "cloud", "s3", "aws", "api", "order",
];

/// Whether `token` is a keyword that points at phishing even next to a generic word
/// (`login`, `verify`, `account`, `my`): the [`keywords`] less [`WEAK_KEYWORDS`].
pub fn is_strong_keyword(token: &str) -> bool {
    is_keyword(token) && !WEAK_KEYWORDS.contains(&token)
}

/// Registrable domains of CDN edge names: CNAME targets that a brand's own delivery set-up
/// uses (`www.bing.com.cdn.cloudflare.net`, `adobe.com.edgekey.net`), never the name a victim
/// is sent to. Hosting platforms and CDNs whose names their customers choose or that serve
/// sites directly (`github.io`, `vercel.app`, `amazonaws.com`, `azureedge.net`,
/// `cloudfront.net`) are not in this list.
pub const CDN_EDGE_DOMAINS: &[&str] = &[
    "akadns.net",
    "akamai.net",
    "akamaiedge.net",
    "akamaihd.net",
    "akamaized.net",
    "edgekey.net",
    "edgesuite.net",
    "cloudflare.net",
    "fastly.net",
    "fastlylb.net",
    "fastly-edge.com",
    "edgecastcdn.net",
    "trafficmanager.net",
    "tm-azurefd.net",
    "llnwd.net",
];

/// Whether `registrable` (ICANN view) is a CDN edge domain ([`CDN_EDGE_DOMAINS`]).
pub fn is_cdn_edge(registrable: &str) -> bool {
    CDN_EDGE_DOMAINS.contains(&registrable)
}

/// Words common as subdomain labels or name parts (`portal`, `static`), besides
/// [`KEYWORDS`]: never compared by edit distance as a subdomain label or hyphen token.
pub const COMMON_WORDS: &[&str] = &[
    "www",
    "www1",
    "www2",
    "mail",
    "email",
    "webmail",
    "smtp",
    "imap",
    "pop",
    "pop3",
    "ftp",
    "api",
    "cdn",
    "static",
    "assets",
    "images",
    "image",
    "img",
    "media",
    "video",
    "videos",
    "blog",
    "news",
    "docs",
    "status",
    "admin",
    "panel",
    "portal",
    "remote",
    "vpn",
    "test",
    "staging",
    "stage",
    "dev",
    "beta",
    "demo",
    "mobile",
    "home",
    "search",
    "download",
    "downloads",
    "files",
    "share",
    "cloud",
    "store",
    "forum",
    "forums",
    "wiki",
    "events",
    "careers",
    "jobs",
    "about",
    "contact",
    "local",
    "server",
    "proxy",
    "gateway",
    "office",
    "global",
    "public",
    "private",
    "internal",
    "backup",
    "monitor",
    "metrics",
    "tracking",
];

/// Whether `w` is in [`KEYWORDS`] or [`COMMON_WORDS`].
pub fn is_common_word(w: &str) -> bool {
    let sets = word_sets();
    w.len() <= sets.max_len && sets.common.contains(w)
}

/// The ASCII look-alike skeleton of a label, written to `out`: digits that pass for letters
/// (`0`->`o`, `1`->`l`, `5`->`s`, `3`->`e`), `i`->`l`, and the multi-letter tricks `rn`->`m`,
/// `nn`->`m`, `vv`->`w`, `cl`->`d`. Two labels with the same skeleton look alike at a glance.
pub fn ascii_skeleton(label: &str, out: &mut String) {
    out.clear();
    let mut rest = label.as_bytes();
    while let Some((c, n)) = skeleton_step(rest) {
        out.push(c);
        rest = &rest[n..];
    }
}

/// The first step of [`ascii_skeleton`] over `b`: the skeleton letter and how many bytes of
/// `b` it stands for (2 for `rn`, `vv`, `cl`, else 1); `None` when `b` is empty.
/// Whether [`ascii_skeleton`] would change `label` (a cheap scan: the skeleton of most labels
/// is the label itself, and then there is nothing to look up).
pub fn skeleton_differs(label: &str) -> bool {
    let b = label.as_bytes();
    b.iter().enumerate().any(|(i, &c)| match c {
        b'0' | b'1' | b'i' | b'5' | b'3' => true,
        b'r' | b'n' => b.get(i + 1) == Some(&b'n'),
        b'v' => b.get(i + 1) == Some(&b'v'),
        b'c' => b.get(i + 1) == Some(&b'l'),
        _ => false,
    })
}

pub(super) fn skeleton_step(b: &[u8]) -> Option<(char, usize)> {
    let (&c, rest) = b.split_first()?;
    match (c, rest.first().copied()) {
        (b'r', Some(b'n')) | (b'n', Some(b'n')) => return Some(('m', 2)),
        (b'v', Some(b'v')) => return Some(('w', 2)),
        (b'c', Some(b'l')) => return Some(('d', 2)),
        _ => {}
    }
    let folded = match c {
        b'0' => 'o',
        b'1' | b'i' => 'l',
        b'5' => 's',
        b'3' => 'e',
        _ => c as char,
    };
    Some((folded, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeleton_differs_exactly_when_the_skeleton_changes() {
        let mut out = String::new();
        for l in [
            "paypal", "arnazon", "nnercari", "vvise", "clock", "g00gle", "app1e", "mail", "rn",
            "n", "", "xyz-abc", "5ony", "ev3nt", "live", "corner", "annex",
        ] {
            ascii_skeleton(l, &mut out);
            assert_eq!(skeleton_differs(l), out != l, "{l}");
        }
    }

    #[test]
    fn keyboard() {
        assert!(keyboard_adjacent(b'q', b'w'));
        assert!(keyboard_adjacent(b'g', b'h'));
        assert!(keyboard_adjacent(b'e', b'd'));
        assert!(keyboard_adjacent(b'n', b'j'));
        assert!(!keyboard_adjacent(b'l', b'y'));
        assert!(!keyboard_adjacent(b'c', b't'));
        assert!(!keyboard_adjacent(b'a', b'a'));
    }

    #[test]
    fn costs() {
        assert!(substitution_cost(b'o', b'c') < substitution_cost(b'l', b'y'));
        assert_eq!(substitution_cost(b'l', b'y'), 1.0);
        assert_eq!(substitution_kind(b'o', b'0'), "homoglyph");
    }

    #[test]
    fn tlds_and_keywords() {
        assert!(suspicious_tld("xyz") && suspicious_tld("tokyo") && suspicious_tld("pw"));
        assert!(!suspicious_tld("com") && !suspicious_tld("net") && !suspicious_tld("jp"));
        assert!(is_keyword("login") && is_keyword("mypage") && is_keyword("refund"));
        assert!(!is_keyword("amazon"));
        assert_eq!(
            keywords().count(),
            shared::COMBOSQUAT_WORDS.len() + KEYWORDS.len()
        );
        for k in KEYWORDS {
            assert!(
                !shared::COMBOSQUAT_WORDS.contains(k),
                "{k} is in both lists"
            );
        }
        for t in SUSPICIOUS_TLDS {
            assert!(!shared::ABUSED_TLDS.contains(t), "{t} is in both lists");
        }
    }

    #[test]
    fn skeleton() {
        let mut s = String::new();
        ascii_skeleton("paypa1", &mut s);
        let mut t = String::new();
        ascii_skeleton("paypal", &mut t);
        assert_eq!(s, t);
        ascii_skeleton("arnazon", &mut s);
        assert_eq!(s, "amazon");
    }

    #[test]
    fn skeleton_folds_only_shared_glyph_pairs() {
        // Every fold of the skeleton is a look-alike pair of the shared tables.
        for (seen, like) in [
            ("0", "o"),
            ("1", "l"),
            ("i", "l"),
            ("5", "s"),
            ("3", "e"),
            ("rn", "m"),
            ("nn", "m"),
            ("vv", "w"),
            ("cl", "d"),
        ] {
            let mut out = String::new();
            ascii_skeleton(seen, &mut out);
            assert_eq!(out, like);
            assert!(shared::glyph_similar(seen, like), "{seen} {like}");
        }
    }
}
