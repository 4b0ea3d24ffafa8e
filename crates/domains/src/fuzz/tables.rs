//! Lookup tables shared by the permutation generator ([`crate::fuzz`]) and the scanner's
//! scoring: keyboard adjacency, ASCII glyph similarity, numeral substitutions, Unicode
//! look-alikes of Latin letters, the per-TLD script policy, the combosquat words and the lists
//! of TLDs and ccSLDs.
//!
//! Everything here is static data or computed once; lookups do not allocate.

use std::sync::OnceLock;

use crate::psl::EMBEDDED_PSL;

// ---------------------------------------------------------------------------------------------
// Keyboards
// ---------------------------------------------------------------------------------------------

/// A keyboard layout, as rows of the unshifted keys from the digit row down. Each row is drawn
/// half a key to the right of the row above it (the usual staggered layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// `qwerty`, `qwertz` or `azerty`.
    pub name: &'static str,
    /// Rows from the digit row down.
    pub rows: [&'static str; 4],
}

/// US/UK QWERTY.
pub const QWERTY: Layout = Layout {
    name: "qwerty",
    rows: ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"],
};
/// German/Central European QWERTZ.
pub const QWERTZ: Layout = Layout {
    name: "qwertz",
    rows: ["1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm"],
};
/// French AZERTY (letters and digits only; the digits are shifted there, but people reach for
/// the same keys).
pub const AZERTY: Layout = Layout {
    name: "azerty",
    rows: ["1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"],
};

/// The layouts whose neighbours the insertion and replacement fuzzers use.
pub const LAYOUTS: [Layout; 3] = [QWERTY, QWERTZ, AZERTY];

/// The 36 characters a keyboard table covers, in bit order.
const KEYS: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

const fn key_bit(c: u8) -> Option<u32> {
    match c {
        b'a'..=b'z' => Some((c - b'a') as u32),
        b'0'..=b'9' => Some((c - b'0') as u32 + 26),
        _ => None,
    }
}

/// Neighbour bitmasks of one layout, indexed by [`key_bit`].
const fn adjacency(layout: &Layout) -> [u64; 36] {
    let mut out = [0u64; 36];
    let mut r = 0;
    while r < 4 {
        let row = layout.rows[r].as_bytes();
        let mut c = 0;
        while c < row.len() {
            let Some(me) = key_bit(row[c]) else {
                c += 1;
                continue;
            };
            let mut mask = 0u64;
            // Same row: left and right.
            if c > 0
                && let Some(b) = key_bit(row[c - 1])
            {
                mask |= 1 << b;
            }
            if c + 1 < row.len()
                && let Some(b) = key_bit(row[c + 1])
            {
                mask |= 1 << b;
            }
            // Row above: the key above-left is at the same index, above-right at index + 1.
            if r > 0 {
                let up = layout.rows[r - 1].as_bytes();
                if c < up.len()
                    && let Some(b) = key_bit(up[c])
                {
                    mask |= 1 << b;
                }
                if c + 1 < up.len()
                    && let Some(b) = key_bit(up[c + 1])
                {
                    mask |= 1 << b;
                }
            }
            // Row below: below-left at index - 1, below-right at the same index.
            if r < 3 {
                let down = layout.rows[r + 1].as_bytes();
                if c > 0
                    && c - 1 < down.len()
                    && let Some(b) = key_bit(down[c - 1])
                {
                    mask |= 1 << b;
                }
                if c < down.len()
                    && let Some(b) = key_bit(down[c])
                {
                    mask |= 1 << b;
                }
            }
            out[me as usize] = mask;
            c += 1;
        }
        r += 1;
    }
    out
}

static ADJACENCY: [[u64; 36]; 3] = [adjacency(&QWERTY), adjacency(&QWERTZ), adjacency(&AZERTY)];

/// Whether keys `a` and `b` (ASCII lower-case letters or digits) touch on a QWERTY, QWERTZ or
/// AZERTY keyboard.
pub fn keyboard_adjacent(a: u8, b: u8) -> bool {
    let (Some(x), Some(y)) = (
        key_bit(a.to_ascii_lowercase()),
        key_bit(b.to_ascii_lowercase()),
    ) else {
        return false;
    };
    ADJACENCY.iter().any(|t| t[x as usize] & (1 << y) != 0)
}

/// Whether keys `a` and `b` touch on one layout (an index into [`LAYOUTS`]; `0` is QWERTY).
/// The scanner's edit costs use QWERTY alone: see `lookalike::tables::keyboard_adjacent`.
pub fn layout_adjacent(layout: usize, a: u8, b: u8) -> bool {
    let (Some(t), Some(x), Some(y)) = (
        ADJACENCY.get(layout),
        key_bit(a.to_ascii_lowercase()),
        key_bit(b.to_ascii_lowercase()),
    ) else {
        return false;
    };
    t[x as usize] & (1 << y) != 0
}

/// The neighbours of key `c` on every layout of [`LAYOUTS`], layout by layout (a key that is
/// a neighbour on two layouts comes twice).
pub fn keyboard_neighbours(c: u8) -> impl Iterator<Item = u8> {
    (0..LAYOUTS.len()).flat_map(move |layout| layout_neighbours(layout, c))
}

/// The neighbours of key `c` on one layout (empty for characters not on the keyboard table).
pub fn layout_neighbours(layout: usize, c: u8) -> impl Iterator<Item = u8> {
    let mask = ADJACENCY
        .get(layout)
        .zip(key_bit(c))
        .map_or(0, |(t, b)| t[b as usize]);
    KEYS.iter()
        .enumerate()
        .filter(move |(i, _)| mask & (1 << i) != 0)
        .map(|(_, &k)| k)
}

/// Whole-label layout confusions: typing on a layout while thinking of another swaps these
/// keys (QWERTY vs QWERTZ: y/z; QWERTY vs AZERTY: a/q and w/z).
pub const LAYOUT_SWAPS: &[(&str, &[(u8, u8)])] = &[
    ("qwertz", &[(b'y', b'z')]),
    ("azerty", &[(b'a', b'q'), (b'w', b'z')]),
];

/// The Cyrillic letter on the same key of a Russian ЙЦУКЕН keyboard as each Latin letter of a
/// QWERTY keyboard (what comes out when the brand is typed with the Russian layout active).
pub fn jcuken(c: u8) -> Option<char> {
    const MAP: [char; 26] = [
        'ф', 'и', 'с', 'в', 'у', 'а', 'п', 'р', 'ш', 'о', 'л', 'д', 'ь', 'т', 'щ', 'з', 'й', 'к',
        'ы', 'е', 'г', 'м', 'ц', 'ч', 'н', 'я',
    ];
    c.is_ascii_lowercase().then(|| MAP[(c - b'a') as usize])
}

// ---------------------------------------------------------------------------------------------
// Glyphs
// ---------------------------------------------------------------------------------------------

/// ASCII sequences that look alike in common fonts, as `(seen, looks like)`. Both directions
/// are listed where both hold. Curated from published homoglyph lists and real cases
/// (`kuronekoyamatc`: o->c; `rnicrosoft`: m->rn; `paypa1`: l->1).
pub const ASCII_GLYPHS: &[(&str, &[&str])] = &[
    ("0", &["o"]),
    ("1", &["l", "i"]),
    ("2", &["z"]),
    ("3", &["8", "e"]),
    ("5", &["s"]),
    ("6", &["b", "9"]),
    ("8", &["3", "b"]),
    ("9", &["6", "g", "q"]),
    ("b", &["d", "lb", "6"]),
    ("c", &["e", "o"]),
    ("d", &["b", "cl", "dl"]),
    ("e", &["c"]),
    ("g", &["q", "9"]),
    ("h", &["lh", "b"]),
    ("i", &["1", "l", "j"]),
    ("j", &["i"]),
    ("k", &["lc"]),
    ("l", &["1", "i"]),
    ("m", &["n", "nn", "rn"]),
    ("n", &["m", "r"]),
    ("o", &["0", "c"]),
    ("q", &["g", "9"]),
    ("s", &["5"]),
    ("u", &["v"]),
    ("v", &["u", "y"]),
    ("w", &["vv"]),
    ("y", &["v"]),
    ("z", &["2"]),
    ("rn", &["m"]),
    ("cl", &["d"]),
    ("vv", &["w"]),
    ("nn", &["m"]),
    ("ri", &["n"]),
];

/// The ASCII look-alikes of `seen` (one or two characters).
pub fn ascii_glyphs(seen: &str) -> &'static [&'static str] {
    ASCII_GLYPHS
        .iter()
        .find(|(k, _)| *k == seen)
        .map_or(&[], |(_, v)| v)
}

/// Whether ASCII strings `a` and `b` (one or two characters each) look alike: `o`/`0`,
/// `l`/`1`/`i`, `rn`/`m`, `cl`/`d`, `vv`/`w`, `o`/`c`, `e`/`c`...
pub fn glyph_similar(a: &str, b: &str) -> bool {
    a != b && (ascii_glyphs(a).contains(&b) || ascii_glyphs(b).contains(&a))
}

/// Visual weight of substituting `a` for `b`: 1.0 for near-identical glyphs (`0`/`o`, `l`/`1`,
/// `rn`/`m`), 0.7 for similar shapes (`c`/`e`, `o`/`c`, `u`/`v`), 0.0 otherwise.
pub fn glyph_weight(a: &str, b: &str) -> f32 {
    const STRONG: &[(&str, &str)] = &[
        ("0", "o"),
        ("1", "l"),
        ("1", "i"),
        ("i", "l"),
        ("m", "rn"),
        ("d", "cl"),
        ("w", "vv"),
        ("m", "nn"),
        ("5", "s"),
        ("2", "z"),
    ];
    if a == b {
        return 0.0;
    }
    if STRONG
        .iter()
        .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
    {
        return 1.0;
    }
    if glyph_similar(a, b) { 0.7 } else { 0.0 }
}

/// Single characters that look alike in some fonts but too loosely to generate as homoglyph
/// permutations (`o`/`a`, `t`/`f`, `u`/`n`): the scanner's edit distance still scores them as
/// cheap look-alike substitutions, together with the single-character pairs of
/// [`ASCII_GLYPHS`] and [`NUMERALS`] (see [`glyph_byte_similar`]).
pub const LOOSE_GLYPH_PAIRS: &[(u8, u8)] = &[
    (b'o', b'a'),
    (b'a', b'e'),
    (b'n', b'h'),
    (b'p', b'q'),
    (b't', b'f'),
    (b'w', b'v'),
    (b'o', b'q'),
    (b'u', b'n'),
];

/// Sets bit `b` of row `a` and bit `a` of row `b` of a 128 x 128 pair table.
const fn set_pair(t: &mut [u128; 128], a: u8, b: u8) {
    if a < 128 && b < 128 && a != b {
        t[a as usize] |= 1 << b;
        t[b as usize] |= 1 << a;
    }
}

/// The symmetric table of single ASCII characters that look alike: every one-character pair
/// of [`ASCII_GLYPHS`], [`NUMERALS`] and [`LOOSE_GLYPH_PAIRS`], computed at compile time.
const fn glyph_byte_table() -> [u128; 128] {
    let mut t = [0u128; 128];
    let mut i = 0;
    while i < ASCII_GLYPHS.len() {
        let (seen, like) = ASCII_GLYPHS[i];
        if seen.len() == 1 {
            let mut j = 0;
            while j < like.len() {
                if like[j].len() == 1 {
                    set_pair(&mut t, seen.as_bytes()[0], like[j].as_bytes()[0]);
                }
                j += 1;
            }
        }
        i += 1;
    }
    let pair_lists: [&[(u8, u8)]; 2] = [NUMERALS, LOOSE_GLYPH_PAIRS];
    let mut l = 0;
    while l < pair_lists.len() {
        let mut i = 0;
        while i < pair_lists[l].len() {
            set_pair(&mut t, pair_lists[l][i].0, pair_lists[l][i].1);
            i += 1;
        }
        l += 1;
    }
    t
}

static GLYPH_BYTES: [u128; 128] = glyph_byte_table();

/// Whether single ASCII characters `a` and `b` look alike (`o`/`0`, `l`/`1`, `c`/`e`, `a`/`4`,
/// `u`/`n`...): one lookup in a table built at compile time from [`ASCII_GLYPHS`],
/// [`NUMERALS`] and [`LOOSE_GLYPH_PAIRS`]. Never true for `a == b`.
pub fn glyph_byte_similar(a: u8, b: u8) -> bool {
    a < 128 && b < 128 && GLYPH_BYTES[a as usize] & (1 << b) != 0
}

/// Letter-to-digit ("leet") substitutions, and the reverse, used by the numeral fuzzer.
pub const NUMERALS: &[(u8, u8)] = &[
    (b'o', b'0'),
    (b'i', b'1'),
    (b'l', b'1'),
    (b'z', b'2'),
    (b'e', b'3'),
    (b'a', b'4'),
    (b's', b'5'),
    (b'g', b'6'),
    (b't', b'7'),
    (b'b', b'8'),
    (b'q', b'9'),
    (b'g', b'9'),
];

/// Digits written as English words and the words that sound like them (`2` -> `two`, `to`).
pub const NUMBER_WORDS: &[(&str, &[&str])] = &[
    ("0", &["zero"]),
    ("1", &["one"]),
    ("2", &["two", "to", "too"]),
    ("3", &["three"]),
    ("4", &["four", "for"]),
    ("5", &["five"]),
    ("6", &["six"]),
    ("7", &["seven"]),
    ("8", &["eight", "ate"]),
    ("9", &["nine"]),
    ("10", &["ten"]),
];

/// Unicode letters from the Latin script (with diacritics or of other shapes) that look like a
/// plain Latin letter or pair. Curated from UTS #39 `confusables.txt` and common homoglyph
/// lists; all are valid in IDNA 2008 labels.
pub const LATIN_EXTENDED: &[(&str, &str)] = &[
    ("a", "àáâãäåāăąǎȧạɑ"),
    ("b", "ḃḅḇɓƅ"),
    ("c", "çćĉċčƈ"),
    ("d", "ďđḋḍḏḑḓɖɗ"),
    ("e", "èéêëēĕėęěȩẹḛɇ"),
    ("f", "ḟƒ"),
    ("g", "ĝğġģǥǧǵɡ"),
    ("h", "ĥħȟḣḥḧḩḫẖɦ"),
    ("i", "ìíîïĩīĭįıǐȋỉịɨɩ"),
    ("j", "ĵǰɉʝ"),
    ("k", "ķĸǩḳḵ"),
    ("l", "ĺļľłɫ"),
    ("m", "ḿṁṃɱ"),
    ("n", "ñńņňŋǹṅṇṉꞑ"),
    ("o", "òóôõöøōŏőơȯọỏ"),
    ("p", "ṕṗƥƿ"),
    ("q", "ʠ"),
    ("r", "ŕŗřȑȓɍṙṛṟɼɽɾ"),
    ("s", "śŝşšșṡṣʂ"),
    ("t", "ţťŧțṫṭƫ"),
    ("u", "ùúûüũūŭůűųưǔȕȗụʉ"),
    ("v", "ṽṿⱱⱴᶌ"),
    ("w", "ŵẁẃẅẇẉẘⱳ"),
    ("x", "ẋẍ"),
    ("y", "ýÿŷȳẏỳỵỿɏƴ"),
    ("z", "źżžƶẓẕʐⱬ"),
    ("ae", "æ"),
    ("oe", "œ"),
];

/// Latin-extended look-alikes of `seen` (one letter or `ae`/`oe`).
pub fn latin_extended(seen: &str) -> &'static str {
    LATIN_EXTENDED
        .iter()
        .find(|(k, _)| *k == seen)
        .map_or("", |(_, v)| v)
}

/// Cyrillic letters that look like a Latin letter, lower case. All but `b`/`ь`, `g`/`ԍ`,
/// `k`/`к`, `m`/`м` and `t`/`т` are confusables in UTS #39 (`confusables.txt`); those five look
/// alike in many fonts (small-capital shapes) and are common in real phishing names.
pub const CYRILLIC: &[(u8, char)] = &[
    (b'a', 'а'),
    (b'b', 'ь'),
    (b'c', 'с'),
    (b'd', 'ԁ'),
    (b'e', 'е'),
    (b'g', 'ԍ'),
    (b'h', 'һ'),
    (b'i', 'і'),
    (b'j', 'ј'),
    (b'k', 'к'),
    (b'l', 'ӏ'),
    (b'm', 'м'),
    (b'o', 'о'),
    (b'p', 'р'),
    (b'q', 'ԛ'),
    (b's', 'ѕ'),
    (b't', 'т'),
    (b'v', 'ѵ'),
    (b'w', 'ԝ'),
    (b'x', 'х'),
    (b'y', 'у'),
];

/// Greek letters that look like a Latin letter, lower case (UTS #39 confusables, plus the
/// near look-alikes `κ`, `η`, `τ`, `ω`, `χ`).
pub const GREEK: &[(u8, char)] = &[
    (b'a', 'α'),
    (b'i', 'ι'),
    (b'k', 'κ'),
    (b'n', 'η'),
    (b'o', 'ο'),
    (b'p', 'ρ'),
    (b't', 'τ'),
    (b'u', 'υ'),
    (b'v', 'ν'),
    (b'w', 'ω'),
    (b'x', 'χ'),
    (b'y', 'γ'),
];

/// The Cyrillic look-alike of a Latin letter.
pub fn cyrillic_for(c: u8) -> Option<char> {
    CYRILLIC.iter().find(|(l, _)| *l == c).map(|(_, g)| *g)
}

/// The Greek look-alike of a Latin letter.
pub fn greek_for(c: u8) -> Option<char> {
    GREEK.iter().find(|(l, _)| *l == c).map(|(_, g)| *g)
}

/// The plain Latin letter(s) a look-alike character stands for, from the tables above
/// (Latin-extended, Cyrillic, Greek). For whole-string comparison use
/// `unicode_security::skeleton` (UTS #39), which covers far more characters.
pub fn latin_for(c: char) -> Option<&'static str> {
    if c.is_ascii() {
        return None;
    }
    for (k, v) in LATIN_EXTENDED {
        if v.contains(c) {
            return Some(k);
        }
    }
    const LETTERS: [&str; 26] = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r",
        "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    CYRILLIC
        .iter()
        .chain(GREEK)
        .find(|(_, g)| *g == c)
        .map(|(l, _)| LETTERS[(l - b'a') as usize])
}

// ---------------------------------------------------------------------------------------------
// Script policy per TLD
// ---------------------------------------------------------------------------------------------

/// A script a look-alike character can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Script {
    /// Letters with diacritics and other Latin-script shapes (`é`, `ı`, `ɑ`).
    LatinExtended,
    /// Cyrillic (`а`, `о`, `р`).
    Cyrillic,
    /// Greek (`ο`, `α`).
    Greek,
}

/// TLDs whose registries accept no IDN at all, or only scripts with no Latin look-alikes
/// (Japanese for `.jp`, Chinese for `.cn`/`.tw`/`.hk`, Hangul for `.kr`, ...).
const NO_LATIN_LOOKALIKES: &[&str] = &[
    "ad", "cn", "cz", "edu", "gov", "hk", "il", "in", "int", "jp", "kr", "mil", "mo", "nl", "ru",
    "sa", "sk", "th", "tw", "uk", "us",
];

/// TLDs (besides generic ones) whose IDN tables include Cyrillic.
const CYRILLIC_TLDS: &[&str] = &[
    "bg",
    "by",
    "eu",
    "kg",
    "kz",
    "me",
    "mk",
    "mn",
    "rs",
    "su",
    "tj",
    "ua",
    "uz",
    "xn--90ae",    // .бг
    "xn--90ais",   // .бел
    "xn--90a3ac",  // .срб
    "xn--d1alf",   // .мкд
    "xn--j1amh",   // .укр
    "xn--l1acc",   // .мон
    "xn--p1ai",    // .рф
    "xn--80ao21a", // .қаз
];

/// TLDs (besides generic ones) whose IDN tables include Greek.
const GREEK_TLDS: &[&str] = &["cy", "eu", "gr", "xn--qxam", "xn--qxa6a"];

/// Whether the registry of `tld` (last label, A-label form, lower case) lets a label use
/// characters of `script` that can imitate Latin letters.
///
/// Source and assumptions: the registries' published IDN policies as summarised in the IANA
/// Repository of IDN Practices, and dnstwist's per-TLD table. Generic TLDs (three letters or
/// more, not listed) are assumed to accept Latin-extended, Cyrillic and Greek, as `.com`,
/// `.net` and `.org` do (one script per label); country codes not listed are assumed to accept
/// Latin letters with diacritics but neither Cyrillic nor Greek; non-Latin IDN TLDs (`xn--`)
/// accept only their own script. `.jp`, `.cn`, `.kr`, `.uk`, `.us`, `.nl`... allow no
/// Latin-confusable character at all. The table errs on the side of allowing (more
/// candidates) for generic TLDs.
pub fn tld_allows_script(tld: &str, script: Script) -> bool {
    let tld = tld.rsplit('.').next().unwrap_or(tld);
    if NO_LATIN_LOOKALIKES.contains(&tld) {
        return false;
    }
    let idn_tld = tld.starts_with("xn--");
    let generic = tld.len() > 2 && !idn_tld;
    match script {
        Script::LatinExtended => !idn_tld,
        Script::Cyrillic => generic || CYRILLIC_TLDS.contains(&tld),
        Script::Greek => generic || GREEK_TLDS.contains(&tld),
    }
}

/// The Latin-extended characters a registry accepts, for registries that publish a short
/// list (characters outside it are not generated for that TLD).
const LATIN_REPERTOIRES: &[(&[&str], &str)] = &[
    (&["info"], "áäåąćčéėęíįłñńóöøőśšúüūűųźżžæ"),
    (&["br"], "àáâãçéêíóôõúüýÿ"),
    (&["dk"], "äåéöøüæ"),
    (&["fi"], "áäåâčđǧǥǩŋõöšŧž"),
    (&["no"], "áàäåčçéèêïŋńñóòôöøšŧüžæ"),
    (
        &["be", "fr", "re", "yt", "pm", "wf", "tf", "ch", "li"],
        "àáâãäåçèéêëìíîïñòóôõöùúûüýÿæœ",
    ),
    (&["ca"], "àâçèéêëîïôùûüÿæœ"),
    (&["se"], "àáâäåçèéêëíîïñóôöúüý"),
    (&["at"], "àáâãäåæçèéêëìíîïðñòóôõöøœšùúûüýþÿž"),
];

/// Whether `c` (a Latin-extended look-alike) may appear in a label under `tld`.
pub fn tld_allows_char(tld: &str, c: char) -> bool {
    let tld = tld.rsplit('.').next().unwrap_or(tld);
    if !tld_allows_script(tld, Script::LatinExtended) {
        return false;
    }
    match LATIN_REPERTOIRES
        .iter()
        .find(|(tlds, _)| tlds.contains(&tld))
    {
        Some((_, chars)) => chars.contains(c),
        None => true,
    }
}

// ---------------------------------------------------------------------------------------------
// Words
// ---------------------------------------------------------------------------------------------

/// Words phishing and brand-abuse domains attach to a brand (`amazon-login`, `secure-paypal`,
/// `applesupport`): from the JPCERT/CC phishing URL list and phishing_catcher's keyword list,
/// curated.
pub const COMBOSQUAT_WORDS: &[&str] = &[
    "login",
    "signin",
    "sign-in",
    "logon",
    "secure",
    "security",
    "account",
    "accounts",
    "verify",
    "verification",
    "support",
    "help",
    "helpdesk",
    "service",
    "services",
    "update",
    "online",
    "pay",
    "payment",
    "billing",
    "card",
    "mail",
    "webmail",
    "official",
    "auth",
    "id",
    "portal",
    "center",
    "customer",
    "alert",
    "confirm",
    "recovery",
    "reset",
    "unlock",
    "wallet",
    "bank",
    "app",
    "shop",
    "store",
    "delivery",
    "track",
    "tracking",
    "info",
    "member",
    "members",
    "user",
    "access",
    "safe",
    "check",
    "notice",
    "refund",
    "gift",
    "point",
    "points",
    "campaign",
    "web",
    "net",
    "site",
    "online-shop",
    "cs",
    "pass",
    "email",
    "setting",
    "settings",
    "protect",
    "user-center",
    "apay",
    "store-card",
];

/// Country and region codes attached to brands (`brand-jp`, `jp-brand`).
pub const COMBOSQUAT_REGIONS: &[&str] = &[
    "jp", "japan", "us", "usa", "uk", "eu", "de", "fr", "cn", "kr", "au", "ca", "in", "br", "asia",
    "global", "intl",
];

/// Prefixes attached to brands (`my-brand`, `wwwbrand`).
pub const COMBOSQUAT_PREFIXES: &[&str] = &["my", "www", "the", "get", "go", "e", "i", "m"];

/// TLDs often seen in abuse, most frequent first: the suffixes of the phishing host names
/// that carry a brand in the JPCERT/CC phishing URL list (2019-2023), then cheap generic TLDs.
/// The scanner counts all but `com` and `net` as suspicious
/// (`crate::lookalike::tables::suspicious_tld`).
pub const ABUSED_TLDS: &[&str] = &[
    "com", "xyz", "top", "info", "buzz", "shop", "icu", "monster", "cyou", "net", "tk", "club",
    "cf", "ml", "cc", "ga", "gq", "cn", "tokyo", "vip", "co", "best", "date", "life", "live",
    "work", "me", "online", "site", "com.cn",
];

/// Words that phishing host names put next to a brand's whole name (`amazon-co-jp-update`,
/// `amazon.co.jp-login`), from the JPCERT/CC phishing URL list.
pub const BRAND_HOST_WORDS: &[&str] = &[
    "login", "secure", "account", "verify", "support", "update", "id", "mail", "service",
];

// ---------------------------------------------------------------------------------------------
// TLDs and ccSLDs
// ---------------------------------------------------------------------------------------------

/// The IANA TLD list as shipped (`data/fuzz/tlds.txt`).
pub const IANA_TLDS_TXT: &str = include_str!("../../data/fuzz/tlds.txt");

/// The IANA list of top-level domains, lower case, A-label form (1,438 entries).
pub fn iana_tlds() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        IANA_TLDS_TXT
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// The country-code second-level suffixes (`co.jp`, `ne.jp`, `co.uk`, `com.br`): every
/// two-label rule of the embedded Public Suffix List's ICANN section under a two-letter TLD,
/// ASCII only, without wildcards or exceptions. Sorted.
pub fn ccslds() -> &'static [&'static str] {
    static LIST: OnceLock<Vec<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        let icann = match EMBEDDED_PSL.find("===BEGIN PRIVATE DOMAINS===") {
            Some(i) => &EMBEDDED_PSL[..i],
            None => EMBEDDED_PSL,
        };
        let mut v: Vec<&'static str> = icann
            .lines()
            .map(str::trim)
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("//")
                    && l.is_ascii()
                    && !l.starts_with(['*', '!'])
                    && l.bytes().filter(|&b| b == b'.').count() == 1
                    && l.rsplit('.').next().is_some_and(|t| t.len() == 2)
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    })
}

/// The ccSLDs under one country code (`jp` -> `ac.jp`, `co.jp`, `ne.jp`, ..., `tokyo.jp`).
pub fn ccslds_of(cc: &str) -> impl Iterator<Item = &'static str> {
    ccslds()
        .iter()
        .copied()
        .filter(move |s| s.split_once('.').is_some_and(|(_, t)| t == cc))
}

/// Second-level labels registries use for commercial names (`co.jp`, `com.br`, `net.au`).
pub const COMMERCIAL_SLDS: &[&str] = &["com", "co", "net", "ne", "org", "or"];

/// The generic TLD a commercial second-level label stands for (`co`/`com` -> `com`, `ne`/`net`
/// -> `net`, `or`/`org` -> `org`).
pub fn generic_for_sld(sld: &str) -> Option<&'static str> {
    match sld {
        "co" | "com" => Some("com"),
        "ne" | "net" => Some("net"),
        "or" | "org" => Some("org"),
        _ => None,
    }
}

/// Hosting platforms where anyone publishes a site under a name of their choosing (each a
/// private suffix of the Public Suffix List, so `brand.blogspot.com` is its publisher's unit):
/// the `hosting` family of `fuzz`.
pub const HOSTING_SUFFIXES: &[&str] = &[
    "blogspot.com",
    "github.io",
    "gitlab.io",
    "web.app",
    "firebaseapp.com",
    "herokuapp.com",
    "netlify.app",
    "vercel.app",
    "pages.dev",
    "workers.dev",
    "azurewebsites.net",
    "wixsite.com",
    "myshopify.com",
    "appspot.com",
    "onrender.com",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyboards() {
        assert!(keyboard_adjacent(b'q', b'w'));
        assert!(keyboard_adjacent(b'q', b'a'));
        assert!(keyboard_adjacent(b'q', b'1'));
        assert!(keyboard_adjacent(b'g', b'b'));
        assert!(keyboard_adjacent(b't', b'z')); // qwertz
        assert!(keyboard_adjacent(b'a', b'z')); // azerty
        assert!(!keyboard_adjacent(b'o', b'c'));
        assert!(!keyboard_adjacent(b'l', b'y'));
        assert!(!keyboard_adjacent(b'-', b'a'));
        let q: Vec<u8> = layout_neighbours(0, b'a').collect();
        assert_eq!(q, b"qswz".to_vec());
        let o: Vec<u8> = layout_neighbours(0, b'o').collect();
        assert_eq!(o, b"iklp09".to_vec());
        assert_eq!(layout_neighbours(7, b'a').count(), 0);
        assert_eq!(jcuken(b'g'), Some('п'));
        assert!(layout_adjacent(0, b'n', b'j'));
        assert!(!layout_adjacent(0, b't', b'z'));
        assert!(layout_adjacent(1, b't', b'z'));
        assert!(!layout_adjacent(9, b'q', b'w'));
        let all: Vec<u8> = keyboard_neighbours(b'a').collect();
        let per_layout: Vec<u8> = (0..LAYOUTS.len())
            .flat_map(|l| layout_neighbours(l, b'a'))
            .collect();
        assert_eq!(all, per_layout);
        assert!(all.iter().all(|&n| keyboard_adjacent(b'a', n)));
    }

    #[test]
    fn glyphs() {
        assert!(glyph_similar("o", "0"));
        assert!(glyph_similar("0", "o"));
        assert!(glyph_similar("rn", "m"));
        assert!(glyph_similar("o", "c"));
        assert!(glyph_similar("c", "e"));
        assert!(glyph_similar("vv", "w"));
        assert!(!glyph_similar("l", "y"));
        assert!(!glyph_similar("o", "o"));
        assert_eq!(glyph_weight("l", "1"), 1.0);
        assert_eq!(glyph_weight("o", "c"), 0.7);
        assert_eq!(glyph_weight("p", "y"), 0.0);
        assert_eq!(latin_for('а'), Some("a"));
        assert_eq!(latin_for('é'), Some("e"));
        assert_eq!(latin_for('ο'), Some("o"));
        assert_eq!(latin_for('x'), None);
        assert_eq!(cyrillic_for(b'z'), None);
        assert!(glyph_byte_similar(b'o', b'0') && glyph_byte_similar(b'0', b'o'));
        assert!(glyph_byte_similar(b'a', b'4')); // numeral
        assert!(glyph_byte_similar(b'u', b'n')); // loose
        assert!(!glyph_byte_similar(b'l', b'y'));
        assert!(!glyph_byte_similar(b'o', b'o'));
        assert!(!glyph_byte_similar(b'o', 200));
    }

    #[test]
    fn byte_glyph_table_matches_its_sources() {
        for a in 0..128u8 {
            for b in 0..128u8 {
                let (sa, sb) = ((a as char).to_string(), (b as char).to_string());
                let expected = glyph_similar(&sa, &sb)
                    || NUMERALS
                        .iter()
                        .chain(LOOSE_GLYPH_PAIRS)
                        .any(|&(x, y)| a != b && ((x, y) == (a, b) || (x, y) == (b, a)));
                assert_eq!(glyph_byte_similar(a, b), expected, "{sa:?} {sb:?}");
            }
        }
    }

    #[test]
    fn cyrillic_and_greek_agree_with_uts39() {
        let skel = |s: &str| unicode_security::skeleton(s).collect::<String>();
        for (l, c) in CYRILLIC.iter().chain(GREEK) {
            let latin = (*l as char).to_string();
            if !"bgkmtnwx".contains(*l as char) {
                assert_eq!(skel(&c.to_string()), skel(&latin), "{c} vs {latin}");
            }
        }
    }

    #[test]
    fn script_policy() {
        assert!(tld_allows_script("com", Script::Cyrillic));
        assert!(tld_allows_script("com", Script::Greek));
        assert!(tld_allows_script("com", Script::LatinExtended));
        assert!(!tld_allows_script("jp", Script::Cyrillic));
        assert!(!tld_allows_script("co.jp", Script::LatinExtended));
        assert!(!tld_allows_script("uk", Script::LatinExtended));
        assert!(tld_allows_script("xn--p1ai", Script::Cyrillic));
        assert!(!tld_allows_script("xn--p1ai", Script::LatinExtended));
        assert!(!tld_allows_script("de", Script::Cyrillic));
        assert!(tld_allows_script("de", Script::LatinExtended));
        assert!(tld_allows_char("fr", 'é'));
        assert!(!tld_allows_char("fr", 'ł'));
        assert!(tld_allows_char("com", 'ł'));
        assert!(!tld_allows_char("jp", 'é'));
    }

    #[test]
    fn lists() {
        let t = iana_tlds();
        assert_eq!(t.len(), 1438);
        assert!(t.contains(&"com") && t.contains(&"jp") && t.contains(&"cc"));
        assert!(t.iter().all(|x| x.bytes().all(|b| !b.is_ascii_uppercase())));
        let c = ccslds();
        assert!(c.contains(&"co.jp") && c.contains(&"ne.jp") && c.contains(&"org.uk"));
        assert!(c.len() > 1000);
        let jp: Vec<&str> = ccslds_of("jp").collect();
        assert!(jp.contains(&"or.jp") && jp.contains(&"tokyo.jp"));
        assert!(jp.iter().all(|s| s.ends_with(".jp")));
        assert!(!ccslds_of("p").any(|s| s == "co.jp"));
        assert_eq!(generic_for_sld("ne"), Some("net"));
    }
}
