//! Well-known DNS provider nameserver families and their imitations.
//!
//! Attackers register domains that look like a provider's nameserver domains
//! (`awsdns-017.net` for Route 53's `awsdns-17.net`) and delegate victims' look-alike or
//! hijacked zones to them, so a delegation "looks like Route 53" at a glance. This module
//! recognises the real patterns ([`ns_family`]), recognises imitations ([`is_fake_ns_domain`],
//! fast enough to run on every name of a feed) and generates imitations of one provider domain
//! ([`fake_nameservers`]) for the `fake-nameserver` fuzzer.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

/// A DNS provider's family of nameserver domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsFamily {
    /// Short identifier, e.g. `route53`.
    pub id: &'static str,
    /// Provider name for people, e.g. `Amazon Route 53`.
    pub provider: &'static str,
    /// The registrable label, e.g. `awsdns` (with `numbered`: `awsdns-NN`) or `domaincontrol`.
    pub label: &'static str,
    /// Whether the label carries a two-digit stripe number (`awsdns-17`).
    pub numbered: bool,
    /// The highest stripe number in use (with `numbered`).
    pub max_number: u8,
    /// The public suffixes the provider uses with the label.
    pub suffixes: &'static [&'static str],
    /// Other registrable domains of the provider that are not imitations.
    pub also_real: &'static [&'static str],
    /// An example nameserver host name.
    pub example: &'static str,
    /// Substrings at least one of which survives any single-character change of the label
    /// (the quick pre-check).
    anchors: &'static [&'static str],
}

/// The nameserver families recognised.
pub static NS_FAMILIES: &[NsFamily] = &[
    // Route 53: hosts ns-0 to ns-2047 under awsdns-00 to awsdns-63; AWS's documentation uses
    // `ns-2048.awsdns-64.com` as a deliberately impossible example.
    NsFamily {
        id: "route53",
        provider: "Amazon Route 53",
        label: "awsdns",
        numbered: true,
        max_number: 63,
        suffixes: &["com", "net", "org", "co.uk"],
        also_real: &[],
        example: "ns-650.awsdns-17.net",
        anchors: &["aws", "dns"],
    },
    NsFamily {
        id: "azure",
        provider: "Azure DNS",
        label: "azure-dns",
        numbered: false,
        max_number: 0,
        suffixes: &["com", "net", "org", "info"],
        also_real: &[],
        example: "ns1-01.azure-dns.com",
        anchors: &["azure", "dns"],
    },
    NsFamily {
        id: "cloudflare",
        provider: "Cloudflare",
        label: "cloudflare",
        numbered: false,
        max_number: 0,
        suffixes: &["com", "net"],
        also_real: &["cloudflare-dns.com"],
        example: "ada.ns.cloudflare.com",
        anchors: &["cloud", "flare"],
    },
    NsFamily {
        id: "google-cloud-dns",
        provider: "Google Cloud DNS",
        label: "googledomains",
        numbered: false,
        max_number: 0,
        suffixes: &["com"],
        also_real: &[],
        example: "ns-cloud-a1.googledomains.com",
        anchors: &["google", "domains"],
    },
    NsFamily {
        id: "godaddy",
        provider: "GoDaddy",
        label: "domaincontrol",
        numbered: false,
        max_number: 0,
        suffixes: &["com"],
        // GoDaddy's parking nameservers (MISP parking-domain-ns warning list).
        also_real: &["domaincntrol.com"],
        example: "ns01.domaincontrol.com",
        anchors: &["domain", "control"],
    },
    NsFamily {
        id: "namecheap",
        provider: "Namecheap",
        label: "registrar-servers",
        numbered: false,
        max_number: 0,
        suffixes: &["com"],
        also_real: &[],
        example: "dns1.registrar-servers.com",
        anchors: &["registrar", "servers"],
    },
    NsFamily {
        id: "digitalocean",
        provider: "DigitalOcean",
        label: "digitalocean",
        numbered: false,
        max_number: 0,
        suffixes: &["com"],
        also_real: &[],
        example: "ns1.digitalocean.com",
        anchors: &["digital", "ocean"],
    },
    NsFamily {
        id: "ns1",
        provider: "NS1",
        label: "nsone",
        numbered: false,
        max_number: 0,
        suffixes: &["net"],
        also_real: &[],
        example: "dns1.p01.nsone.net",
        anchors: &["nsone", "ns-one"],
    },
    NsFamily {
        id: "ultradns",
        provider: "UltraDNS",
        label: "ultradns",
        numbered: false,
        max_number: 0,
        suffixes: &["com", "net", "org", "biz", "info", "co.uk"],
        // In the Tranco top 10k: UltraDNS infrastructure.
        also_real: &["ultradns2.com"],
        example: "pdns1.ultradns.net",
        anchors: &["ultra", "dns"],
    },
];

/// Extra words an imitation may add to a provider name (`domaincontrol-ns`, `ns-azure-dns`).
const NS_WORDS: &[&[u8]] = &[
    b"ns",
    b"dns",
    b"s",
    b"net",
    b"com",
    b"org",
    b"co",
    b"uk",
    b"info",
    b"server",
    b"servers",
    b"nameserver",
    b"host",
    b"cloud",
];

/// Suffixes used for imitations with the provider's exact label.
const FAKE_SUFFIXES: &[&str] = &[
    "com", "net", "org", "co.uk", "co", "cc", "cm", "om", "ne", "nt", "info", "biz", "io", "us",
    "uk", "xyz", "top", "online", "site", "cloud", "dev", "app", "me", "ws", "org.uk", "com.co",
    "net.co",
];

/// The family whose *real* nameserver domain `name` is or lies under: `ns-650.awsdns-17.net`,
/// `awsdns-17.net` and `ada.ns.cloudflare.com` are recognised; `awsdns-017.net` is not (see
/// [`is_fake_ns_domain`]). `name` is lower case A-label form.
pub fn ns_family(name: &str) -> Option<&'static NsFamily> {
    ns_registrable(name).map(|(f, _)| f)
}

/// The family and the registrable provider domain (`awsdns-17.net`) of a real nameserver name.
pub fn ns_registrable(name: &str) -> Option<(&'static NsFamily, &str)> {
    let name = name.strip_suffix('.').unwrap_or(name);
    for f in NS_FAMILIES {
        for suffix in f.suffixes {
            let Some(head) = name.strip_suffix(suffix).and_then(|h| h.strip_suffix('.')) else {
                continue;
            };
            let (label, start) = match head.rfind('.') {
                Some(i) => (&head[i + 1..], i + 1),
                None => (head, 0),
            };
            if is_real_label(f, label) {
                return Some((f, &name[start..]));
            }
        }
        for real in f.also_real {
            if name == *real || name.strip_suffix(real).is_some_and(|h| h.ends_with('.')) {
                return Some((f, &name[name.len() - real.len()..]));
            }
        }
    }
    None
}

fn is_real_label(f: &NsFamily, label: &str) -> bool {
    if !f.numbered {
        return label == f.label;
    }
    let Some(num) = label
        .strip_prefix(f.label)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let b = num.as_bytes();
    b.len() == 2
        && b[0].is_ascii_digit()
        && b[1].is_ascii_digit()
        && (b[0] - b'0') * 10 + (b[1] - b'0') <= f.max_number
}

/// One automaton over every family's anchors, and the family index of each pattern.
fn anchors() -> Option<&'static (AhoCorasick, Vec<usize>)> {
    static AC: OnceLock<Option<(AhoCorasick, Vec<usize>)>> = OnceLock::new();
    AC.get_or_init(|| {
        let mut pats = Vec::new();
        let mut family = Vec::new();
        for (i, f) in NS_FAMILIES.iter().enumerate() {
            for a in f.anchors {
                pats.push(*a);
                family.push(i);
            }
        }
        AhoCorasick::new(pats).ok().map(|ac| (ac, family))
    })
    .as_ref()
}

/// Whether `registrable` (a registrable domain such as `awsdns-017.net`, lower case A-label)
/// imitates a provider's nameserver domain without being one. Returns the family id and an
/// explanation. Allocation-free and cheap for names that do not contain a family anchor
/// (`aws`, `dns`, `cloud`, `domain`...).
pub fn is_fake_ns_domain(registrable: &str) -> Option<(&'static str, String)> {
    let (label, suffix) = registrable.split_once('.')?;
    if label.len() < 4 || label.len() > 63 || suffix.is_empty() {
        return None;
    }
    let mut seen = 0u32;
    match anchors() {
        Some((ac, family)) => {
            for m in ac.find_overlapping_iter(label.as_bytes()) {
                if let Some(fi) = family.get(m.pattern().as_usize()) {
                    seen |= 1 << fi;
                }
            }
        }
        // The automaton is built from fixed patterns and cannot fail; check every family if
        // it ever did.
        None => seen = u32::MAX,
    }
    if seen == 0 {
        return None;
    }
    for (i, f) in NS_FAMILIES.iter().enumerate() {
        if seen & (1 << i) == 0 {
            continue;
        }
        if f.also_real.contains(&registrable) {
            return None;
        }
        let why = if f.numbered {
            classify_numbered(f, label, suffix)
        } else {
            classify_fixed(f, label, suffix)
        };
        if let Some(why) = why {
            return Some((f.id, why));
        }
    }
    None
}

/// Copies `label` without hyphens into `buf`, folding look-alike sequences (`vv`->`w`,
/// `rn`->`m`) and, with `digits`, look-alike digits (`0`->`o`, `1`->`l`, `3`->`e`, `5`->`s`).
fn fold<'b>(label: &[u8], buf: &'b mut [u8; 64], digits: bool) -> &'b [u8] {
    let mut n = 0;
    let mut i = 0;
    while i < label.len() && n < buf.len() {
        let c = label[i];
        let next = label.get(i + 1).copied();
        let (out, step) = match (c, next) {
            (b'-', _) => (None, 1),
            (b'v', Some(b'v')) => (Some(b'w'), 2),
            (b'r', Some(b'n')) => (Some(b'm'), 2),
            (b'0', _) if digits => (Some(b'o'), 1),
            (b'1', _) if digits => (Some(b'l'), 1),
            (b'3', _) if digits => (Some(b'e'), 1),
            (b'5', _) if digits => (Some(b's'), 1),
            _ => (Some(c), 1),
        };
        if let Some(o) = out {
            buf[n] = o;
            n += 1;
        }
        i += step;
    }
    &buf[..n]
}

/// Whether `a` and `b` differ by at most one insertion, deletion, substitution or adjacent
/// transposition. Allocation-free.
pub(crate) fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let p = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if p == short.len() {
        return true; // equal, or one extra character at the end
    }
    if short.len() == long.len() {
        // substitution or transposition at p
        if short[p + 1..] == long[p + 1..] {
            return true;
        }
        return p + 1 < short.len()
            && short[p] == long[p + 1]
            && short[p + 1] == long[p]
            && short[p + 2..] == long[p + 2..];
    }
    short[p..] == long[p + 1..]
}

fn classify_fixed(f: &NsFamily, label: &str, suffix: &str) -> Option<String> {
    if label == f.label && f.suffixes.contains(&suffix) {
        return None;
    }
    let mut kb = [0u8; 64];
    let mut fb = [0u8; 64];
    let k = fold(label.as_bytes(), &mut kb, true);
    let fk = fold(f.label.as_bytes(), &mut fb, true);
    if label == f.label {
        return Some(format!(
            "{} nameservers use {}.{{{}}} only, not .{}",
            f.provider,
            f.label,
            join_suffixes(f),
            suffix
        ));
    }
    if k == fk {
        return Some(format!(
            "spells {}'s nameserver domain {} with changed hyphens or look-alike characters",
            f.provider, f.label
        ));
    }
    let extra = |rest: &[u8]| {
        !rest.is_empty() && (NS_WORDS.contains(&rest) || rest.iter().all(u8::is_ascii_digit))
    };
    if let Some(rest) = k.strip_prefix(fk)
        && extra(rest)
    {
        return Some(format!(
            "{}'s nameserver domain {} with an extra word",
            f.provider, f.label
        ));
    }
    if let Some(rest) = k.strip_suffix(fk)
        && extra(rest)
    {
        return Some(format!(
            "{}'s nameserver domain {} with an extra word",
            f.provider, f.label
        ));
    }
    if fk.len() >= 6 && within_one_edit(k, fk) {
        return Some(format!(
            "one character away from {}'s nameserver domain {}",
            f.provider, f.label
        ));
    }
    None
}

fn join_suffixes(f: &NsFamily) -> String {
    f.suffixes.join(",")
}

fn classify_numbered(f: &NsFamily, label: &str, suffix: &str) -> Option<String> {
    if f.suffixes.contains(&suffix) && is_real_label(f, label) {
        return None;
    }
    let mut kb = [0u8; 64];
    let k = fold(label.as_bytes(), &mut kb, false);
    let letters_end = k.iter().position(u8::is_ascii_digit).unwrap_or(k.len());
    let (letters, rest) = k.split_at(letters_end);
    let digits_end = rest
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(digits_end);
    let stem = f.label.as_bytes();
    let stem_like = letters == stem || (letters.len() >= 5 && within_one_edit(letters, stem));
    let tail_ok = tail.is_empty() || NS_WORDS.contains(&tail);
    if !stem_like || !tail_ok || (digits.is_empty() && letters != stem) {
        return None;
    }
    let real = join_suffixes(f);
    let max = f.max_number;
    let why = if is_real_label(f, label) {
        format!(
            "{} nameservers use {}-NN.{{{}}} only, not .{}",
            f.provider, f.label, real, suffix
        )
    } else if letters == stem && tail.is_empty() && digits.len() != 2 {
        format!(
            "{} nameserver domains are {}-00 to {}-{max:02} (two digits) under .{{{}}}; this one has {} digits",
            f.provider,
            f.label,
            f.label,
            real,
            digits.len()
        )
    } else if letters == stem && tail.is_empty() && !label.contains('-') {
        format!(
            "{} nameserver domains are {}-NN with a hyphen; this one has none",
            f.provider, f.label
        )
    } else {
        format!(
            "imitates {} nameserver domains ({}-00 to {}-{max:02} under .{{{}}})",
            f.provider, f.label, f.label, real
        )
    };
    Some(why)
}

/// Look-alike provider domains for the nameserver domain or host `name` (`awsdns-17.net`,
/// `ns-650.awsdns-17.net`): registrable names that [`is_fake_ns_domain`] recognises. Empty
/// when `name` is not a known provider's nameserver name.
pub fn fake_nameservers(name: &str) -> Vec<String> {
    let Some((f, registrable)) = ns_registrable(name) else {
        return Vec::new();
    };
    let Some((label, suffix)) = registrable.split_once('.') else {
        return Vec::new();
    };
    let (stem, num) = if f.numbered {
        match label.rsplit_once('-') {
            Some((s, n)) => (s, n),
            None => (label, ""),
        }
    } else {
        (label, "")
    };
    let mut labels: Vec<String> = Vec::new();
    let with_num = |s: &str, sep: &str, n: &str| {
        if n.is_empty() {
            s.to_string()
        } else {
            format!("{s}{sep}{n}")
        }
    };
    // Number variants: zero padding, look-alike digits.
    if !num.is_empty() {
        for n in [format!("0{num}"), format!("00{num}"), num.replace('1', "l")] {
            labels.push(with_num(stem, "-", &n));
        }
        labels.push(with_num(stem, "-", &num.replace('1', "i")));
        labels.push(with_num(stem, "-", &num.replace('0', "o")));
        // A stripe number that does not exist (awsdns-17 -> awsdns-81).
        if let Ok(n) = num.parse::<u16>()
            && n + 64 <= 99
            && f.max_number == 63
        {
            labels.push(with_num(stem, "-", &(n + 64).to_string()));
        }
        labels.push(with_num(stem, "", num));
        labels.push(with_num(stem, "--", num));
        labels.push(format!("{label}-{}", suffix.replace('.', "-")));
        labels.push(format!("{label}{}", suffix.replace('.', "")));
    }
    // Hyphens: removed, inserted (aws-dns, domain-control).
    if stem.contains('-') {
        labels.push(with_num(&stem.replace('-', ""), "-", num));
    }
    for i in 1..stem.len() {
        if stem.is_char_boundary(i) && !stem[..i].ends_with('-') && !stem[i..].starts_with('-') {
            labels.push(with_num(
                &format!("{}-{}", &stem[..i], &stem[i..]),
                "-",
                num,
            ));
        }
    }
    // Typos of the stem.
    let sb = stem.as_bytes();
    for i in 0..sb.len() {
        let mut v = sb.to_vec();
        v.remove(i);
        push_bytes(&mut labels, v, num, &with_num);
        let mut v = sb.to_vec();
        v.insert(i, sb[i]);
        push_bytes(&mut labels, v, num, &with_num);
        if i + 1 < sb.len() && sb[i] != sb[i + 1] {
            let mut v = sb.to_vec();
            v.swap(i, i + 1);
            push_bytes(&mut labels, v, num, &with_num);
        }
        let glyph: &[u8] = match sb[i] {
            b'w' => b"vv",
            b'm' => b"rn",
            b'd' => b"cl",
            b'o' => b"0",
            b'l' => b"1",
            b'i' => b"1",
            b's' => b"5",
            _ => b"",
        };
        if !glyph.is_empty() {
            let mut v = sb[..i].to_vec();
            v.extend_from_slice(glyph);
            v.extend_from_slice(&sb[i + 1..]);
            push_bytes(&mut labels, v, num, &with_num);
        }
    }
    // Extra words.
    for w in ["ns", "dns"] {
        labels.push(with_num(&format!("{w}-{stem}"), "-", num));
        labels.push(with_num(&format!("{stem}-{w}"), "-", num));
    }
    labels.push(with_num(&format!("{stem}s"), "-", num));

    let mut out = Vec::new();
    let mut push = |name: String| {
        if is_fake_ns_domain(&name).is_some() && !out.contains(&name) {
            out.push(name);
        }
    };
    // The exact label under other suffixes.
    for s in FAKE_SUFFIXES {
        push(format!("{label}.{s}"));
    }
    // Variants under the provider's own suffixes (the input's first).
    let mut suffixes: Vec<&str> = vec![suffix];
    suffixes.extend(f.suffixes.iter().copied().filter(|s| *s != suffix));
    for l in &labels {
        for s in &suffixes {
            push(format!("{l}.{s}"));
        }
    }
    out
}

fn push_bytes(
    labels: &mut Vec<String>,
    v: Vec<u8>,
    num: &str,
    with_num: &dyn Fn(&str, &str, &str) -> String,
) {
    if let Ok(s) = String::from_utf8(v)
        && !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
    {
        labels.push(with_num(&s, "-", num));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_families() {
        assert_eq!(ns_family("awsdns-17.net").map(|f| f.id), Some("route53"));
        assert_eq!(
            ns_family("ns-650.awsdns-17.net").map(|f| f.id),
            Some("route53")
        );
        assert_eq!(
            ns_family("ns-1.awsdns-63.co.uk").map(|f| f.id),
            Some("route53")
        );
        assert_eq!(ns_family("awsdns-64.net"), None);
        assert_eq!(ns_family("awsdns-017.net"), None);
        assert_eq!(ns_family("awsdns-17.cc"), None);
        assert_eq!(
            ns_family("ada.ns.cloudflare.com").map(|f| f.id),
            Some("cloudflare")
        );
        assert_eq!(
            ns_family("ns01.domaincontrol.com").map(|f| f.id),
            Some("godaddy")
        );
        assert_eq!(
            ns_family("ns1-01.azure-dns.info").map(|f| f.id),
            Some("azure")
        );
        assert_eq!(ns_family("example.com"), None);
        assert_eq!(
            ns_registrable("ns-650.awsdns-17.net").map(|(_, r)| r),
            Some("awsdns-17.net")
        );
    }

    #[test]
    fn fakes_are_recognised() {
        for fake in [
            "awsdns-017.net",
            "awsdns-17.cc",
            "awsdnss-17.net",
            "awsdns17.net",
            "aws-dns-17.net",
            "awsdns-17-net.com",
            "awsdns-99.com",
            "avvsdns-17.net",
            "awsdns-l7.net",
            "domaincontrol.net",
            "domain-control.com",
            "d0maincontrol.com",
            "domaincontro1.com",
            "domaincontrol-ns.com",
            "azuredns.com",
            "azure-dns.co",
            "cloudflare-ns.com",
            "cloudfiare.com",
        ] {
            assert!(is_fake_ns_domain(fake).is_some(), "{fake}");
        }
        for ok in [
            "awsdns-17.net",
            "awsdns-00.co.uk",
            "domaincontrol.com",
            "cloudflare.com",
            "cloudflare-dns.com",
            "azure-dns.info",
            "example.com",
            "dnsimple.com",
            "aws.amazon.com",
            "amazonaws.com",
            "mydns.jp",
            "none.net",
        ] {
            assert!(is_fake_ns_domain(ok).is_none(), "{ok}");
        }
        let (fam, why) = is_fake_ns_domain("awsdns-017.net").unwrap();
        assert_eq!(fam, "route53");
        assert!(why.contains("two digits"), "{why}");
    }

    #[test]
    fn generates_fakes() {
        let v = fake_nameservers("awsdns-17.net");
        for want in [
            "awsdns-017.net",
            "awsdns17.net",
            "aws-dns-17.net",
            "awsdns-17-net.com",
            "awsdns-17.co",
            "awsdnss-17.net",
            "awsdns-81.net",
        ] {
            assert!(v.iter().any(|x| x == want), "{want} missing from {v:?}");
        }
        assert!(
            !v.iter()
                .any(|x| x == "awsdns-17.net" || x == "awsdns-17.com")
        );
        assert!(
            fake_nameservers("awsdns-17.com")
                .iter()
                .any(|x| x == "awsdns-17.co")
        );
        assert_eq!(fake_nameservers("ns-650.awsdns-17.net"), v);
        let g = fake_nameservers("ns01.domaincontrol.com");
        assert!(g.iter().any(|x| x == "domain-control.com"));
        assert!(g.iter().any(|x| x == "domaincontrol.net"));
        assert!(fake_nameservers("example.com").is_empty());
    }

    /// No popular or known-parking domain (66k names of seven MISP warning lists, vendored in
    /// `tests/fixtures/warninglists/popular.txt`) is taken for a fake nameserver domain.
    #[test]
    fn no_false_alarms_on_popular_domains() {
        let list = crate::SuffixList::embedded();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/warninglists/popular.txt"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let mut checked = 0;
        let mut file = "";
        for line in text.lines() {
            if let Some(header) = line.strip_prefix("# ") {
                if header.contains(".json") {
                    file = header;
                }
                continue;
            }
            let Some(r) = list.registrable(line, crate::Section::Icann) else {
                continue;
            };
            checked += 1;
            assert_eq!(is_fake_ns_domain(r), None, "{file}: {line}");
        }
        assert!(checked > 60_000, "{checked}");
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit(b"abc", b"abc"));
        assert!(within_one_edit(b"abc", b"abd"));
        assert!(within_one_edit(b"abc", b"ab"));
        assert!(within_one_edit(b"abc", b"xabc"));
        assert!(within_one_edit(b"abc", b"bac"));
        assert!(!within_one_edit(b"abc", b"bca"));
        assert!(!within_one_edit(b"abc", b"a"));
        assert!(within_one_edit(b"", b"a"));
    }
}
