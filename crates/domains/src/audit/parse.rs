//! Parsers for the DNS records that name other domains: TXT character-strings, SPF (RFC 7208),
//! DMARC (RFC 7489), SMTP TLS reporting (RFC 8460), CAA `iodef` (RFC 8659), MTA-STS policies
//! (RFC 8461), MX and SOA RDATA. Every input is hostile: the parsers are total (never panic),
//! bounded (at most [`MAX_TERMS`] terms from one record) and return only names that parse as
//! [`DomainName`]s.

use crate::DomainName;

/// At most this many terms (SPF mechanisms, DMARC addresses, policy lines) are read from one
/// record; the rest is ignored (a record of thousands of includes is itself a finding for the
/// caller to make, not a reason to allocate without bound).
pub const MAX_TERMS: usize = 64;

/// The text of a TXT record in presentation format: its character-strings (`"a" "b"`) joined,
/// escapes (`\"`, `\\`, `\DDD`) decoded. A value without quotes is taken as it is.
pub fn txt_text(presentation: &str) -> String {
    let s = presentation.trim();
    if !s.starts_with('"') {
        return s.to_string();
    }
    let mut out = Vec::with_capacity(s.len());
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        match (in_string, b) {
            (false, b'"') => in_string = true,
            (false, _) => {}
            (true, b'"') => in_string = false,
            (true, b'\\') => {
                let digits = bytes
                    .get(i + 1..i + 4)
                    .filter(|d| d.iter().all(u8::is_ascii_digit));
                if let Some(d) = digits {
                    let v = d.iter().fold(0u32, |a, x| a * 10 + u32::from(x - b'0'));
                    out.push(u8::try_from(v).unwrap_or(b'?'));
                    i += 3;
                } else if let Some(&n) = bytes.get(i + 1) {
                    out.push(n);
                    i += 1;
                }
            }
            (true, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The SPF mechanisms and modifiers that name another domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpfTerm {
    Include,
    Redirect,
    A,
    Mx,
    Exists,
    Ptr,
}

impl SpfTerm {
    pub fn as_str(&self) -> &'static str {
        match self {
            SpfTerm::Include => "include",
            SpfTerm::Redirect => "redirect",
            SpfTerm::A => "a",
            SpfTerm::Mx => "mx",
            SpfTerm::Exists => "exists",
            SpfTerm::Ptr => "ptr",
        }
    }
}

/// A parsed SPF record: the domain-naming terms in order, and how many terms had a domain-spec
/// with macros (`%{i}`), which name no fixed domain and so cannot be audited.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spf {
    pub terms: Vec<(SpfTerm, DomainName)>,
    pub macro_terms: usize,
    /// Terms that were neither understood nor a known mechanism (kept for the evidence).
    pub unknown_terms: usize,
}

/// Parses an SPF record (`v=spf1 ...`; case-insensitive). `None` when the text is not SPF.
pub fn spf(text: &str) -> Option<Spf> {
    let mut words = text.split_ascii_whitespace();
    if !words.next()?.eq_ignore_ascii_case("v=spf1") {
        return None;
    }
    let mut out = Spf::default();
    for word in words.take(MAX_TERMS) {
        let w = word.trim_start_matches(['+', '-', '~', '?']);
        let lower = w.to_ascii_lowercase();
        let (term, spec) = if let Some(v) = lower.strip_prefix("include:") {
            (SpfTerm::Include, Some(v))
        } else if let Some(v) = lower.strip_prefix("redirect=") {
            (SpfTerm::Redirect, Some(v))
        } else if let Some(v) = lower.strip_prefix("exists:") {
            (SpfTerm::Exists, Some(v))
        } else if let Some(v) = lower.strip_prefix("a:") {
            (SpfTerm::A, Some(v))
        } else if let Some(v) = lower.strip_prefix("mx:") {
            (SpfTerm::Mx, Some(v))
        } else if let Some(v) = lower.strip_prefix("ptr:") {
            (SpfTerm::Ptr, Some(v))
        } else {
            let known = ["all", "a", "mx", "ptr", "ip4:", "ip6:", "exp=", "a/", "mx/"];
            if !known
                .iter()
                .any(|k| lower == *k || (k.ends_with([':', '=', '/']) && lower.starts_with(k)))
            {
                out.unknown_terms += 1;
            }
            continue;
        };
        let Some(spec) = spec else { continue };
        // a:host/24 and mx:host//64 carry a CIDR length after the domain-spec.
        let spec = spec.split('/').next().unwrap_or_default();
        if spec.contains('%') {
            out.macro_terms += 1;
            continue;
        }
        match DomainName::parse(spec) {
            Ok(d) => out.terms.push((term, d)),
            Err(_) => out.unknown_terms += 1,
        }
    }
    Some(out)
}

/// The domains of the `mailto:` addresses of a tag list (`rua=mailto:a@x.example,mailto:b@y!10m`),
/// as DMARC (`rua`, `ruf`) and TLS-RPT (`rua`) write them. `https:` report URIs give their host.
fn report_domains(
    text: &str,
    version_prefix: &str,
    tags: &[&str],
) -> Option<Vec<(String, DomainName)>> {
    let mut parts = text.split(';').map(str::trim);
    let first = parts.next()?;
    let (k, v) = first.split_once('=')?;
    if !k.trim().eq_ignore_ascii_case("v") || !v.trim().eq_ignore_ascii_case(version_prefix) {
        return None;
    }
    let mut out = Vec::new();
    for part in parts.take(MAX_TERMS) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let tag = k.trim().to_ascii_lowercase();
        if !tags.contains(&tag.as_str()) {
            continue;
        }
        for uri in v.split(',').take(MAX_TERMS) {
            if let Some(d) = uri_domain(uri.trim())
                && !out.iter().any(|(t, x)| *t == tag && *x == d)
            {
                out.push((tag.clone(), d));
            }
        }
    }
    Some(out)
}

/// The domain a report URI sends to: the mail domain of `mailto:`, the host of `https:`.
/// DMARC's size suffix (`!10m`) is dropped.
pub fn uri_domain(uri: &str) -> Option<DomainName> {
    let uri = uri.split('!').next()?.trim();
    let lower = uri.to_ascii_lowercase();
    if let Some(addr) = lower.strip_prefix("mailto:") {
        let addr = addr.split('?').next()?;
        return mail_domain(addr);
    }
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?;
    DomainName::parse(host).ok()
}

/// The domain of an e-mail address (`local@domain`, the last `@`).
pub fn mail_domain(addr: &str) -> Option<DomainName> {
    let (_, domain) = addr.trim().trim_matches(['<', '>']).rsplit_once('@')?;
    DomainName::parse(domain).ok()
}

/// DMARC report addresses: `(tag, domain)` with tag `rua` or `ruf`. `None` when not DMARC.
pub fn dmarc(text: &str) -> Option<Vec<(String, DomainName)>> {
    report_domains(text, "DMARC1", &["rua", "ruf"])
}

/// SMTP TLS reporting addresses (`_smtp._tls` TXT, RFC 8460): `(rua, domain)`.
pub fn tls_rpt(text: &str) -> Option<Vec<(String, DomainName)>> {
    report_domains(text, "TLSRPTv1", &["rua"])
}

/// The `iodef` target of a CAA record in presentation format (`0 iodef "mailto:x@y"`).
pub fn caa_iodef(presentation: &str) -> Option<DomainName> {
    let mut it = presentation.split_ascii_whitespace();
    let _flags = it.next()?;
    let tag = it.next()?;
    if !tag.eq_ignore_ascii_case("iodef") {
        return None;
    }
    let value: Vec<&str> = it.collect();
    uri_domain(&txt_text(&value.join(" ")))
}

/// The exchange host of an MX record in presentation format (`10 mx.example.net.`); the null MX
/// (`0 .`, RFC 7505) names nothing.
pub fn mx_host(presentation: &str) -> Option<DomainName> {
    let mut it = presentation.split_ascii_whitespace();
    let _pref = it.next()?;
    let host = it.next()?;
    if host == "." {
        return None;
    }
    DomainName::parse(host).ok()
}

/// MNAME and the mail domain of RNAME of an SOA record in presentation format
/// (`ns1.example.net. hostmaster.example.org. 1 7200 3600 1209600 300`). RNAME's first label is
/// the mailbox's local part (a `\.` inside it is a literal dot), the rest its mail domain.
pub fn soa_names(presentation: &str) -> (Option<DomainName>, Option<DomainName>) {
    let mut it = presentation.split_ascii_whitespace();
    let mname = it.next().and_then(|m| DomainName::parse(m).ok());
    let rname = it.next().and_then(|r| {
        let b = r.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'.' => return DomainName::parse(&r[i + 1..]).ok(),
                _ => i += 1,
            }
        }
        None
    });
    (mname, rname)
}

/// The `mx:` patterns of an MTA-STS policy file (RFC 8461 3.2): the hosts, with a leading
/// wildcard label (`*.mail.example.net`) removed.
pub fn mta_sts_mx(policy: &str) -> Vec<DomainName> {
    let mut out = Vec::new();
    for line in policy.lines().take(MAX_TERMS * 4) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case("mx") {
            continue;
        }
        let v = v.trim();
        let v = v.strip_prefix("*.").unwrap_or(v);
        if let Ok(d) = DomainName::parse(v)
            && !out.contains(&d)
            && out.len() < MAX_TERMS
        {
            out.push(d);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(v: &[(SpfTerm, DomainName)]) -> Vec<(SpfTerm, &str)> {
        v.iter().map(|(t, d)| (*t, d.as_str())).collect()
    }

    #[test]
    fn txt_strings_are_joined_and_unescaped() {
        assert_eq!(
            txt_text(r#""v=spf1 include:a.example" " -all""#),
            "v=spf1 include:a.example -all"
        );
        assert_eq!(txt_text(r#""say \"hi\" \092 \065""#), r#"say "hi" \ A"#);
        assert_eq!(txt_text("plain"), "plain");
        assert_eq!(txt_text(r#""unterminated \"#), "unterminated ");
    }

    #[test]
    fn spf_terms_that_name_domains() {
        let s = spf("v=spf1 ip4:192.0.2.0/24 include:_spf.Google.com ~include:spf.protection.outlook.com a mx:mail.example.net/24 a:web.example.org exists:%{i}._spf.example.com redirect=_spf.example.com -all").unwrap();
        assert_eq!(
            names(&s.terms),
            vec![
                (SpfTerm::Include, "_spf.google.com"),
                (SpfTerm::Include, "spf.protection.outlook.com"),
                (SpfTerm::Mx, "mail.example.net"),
                (SpfTerm::A, "web.example.org"),
                (SpfTerm::Redirect, "_spf.example.com"),
            ]
        );
        assert_eq!(s.macro_terms, 1);
        assert_eq!(s.unknown_terms, 0);
        assert!(spf("v=spf10 include:x.example").is_none());
        assert!(spf("google-site-verification=abc").is_none());
        let junk = spf("V=SPF1 include: frobnicate include:bad..name").unwrap();
        assert!(junk.terms.is_empty());
        assert_eq!(junk.unknown_terms, 3);
    }

    #[test]
    fn spf_is_bounded() {
        let long = format!("v=spf1 {}", "include:a.example ".repeat(10_000));
        assert_eq!(spf(&long).unwrap().terms.len(), MAX_TERMS);
    }

    #[test]
    fn dmarc_and_tls_rpt_report_domains() {
        let d = dmarc("v=DMARC1; p=reject; rua=mailto:dmarc@rua.example.net!10m,mailto:x@agg.example.org; ruf=mailto:forensic@ruf.example.com; pct=100").unwrap();
        let got: Vec<(&str, &str)> = d.iter().map(|(t, x)| (t.as_str(), x.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("rua", "rua.example.net"),
                ("rua", "agg.example.org"),
                ("ruf", "ruf.example.com")
            ]
        );
        assert!(dmarc("v=spf1 -all").is_none());
        let t =
            tls_rpt("v=TLSRPTv1; rua=mailto:tls@reports.example.net,https://tlsrpt.example.org/v1")
                .unwrap();
        let got: Vec<&str> = t.iter().map(|(_, x)| x.as_str()).collect();
        assert_eq!(got, vec!["reports.example.net", "tlsrpt.example.org"]);
    }

    #[test]
    fn caa_mx_soa_and_mta_sts() {
        assert_eq!(
            caa_iodef(r#"0 iodef "mailto:security@iodef.example.net""#)
                .unwrap()
                .as_str(),
            "iodef.example.net"
        );
        assert_eq!(
            caa_iodef(r#"0 iodef "https://report.example.org/caa""#)
                .unwrap()
                .as_str(),
            "report.example.org"
        );
        assert!(caa_iodef(r#"0 issue "letsencrypt.org""#).is_none());
        assert_eq!(
            mx_host("10 mx1.Example.NET.").unwrap().as_str(),
            "mx1.example.net"
        );
        assert!(mx_host("0 .").is_none());
        let (m, r) = soa_names("ns1.example.net. hostmaster.example.org. 1 7200 3600 1209600 300");
        assert_eq!(m.unwrap().as_str(), "ns1.example.net");
        assert_eq!(r.unwrap().as_str(), "example.org");
        let (_, r) = soa_names(r"ns. john\.doe.mail.example.com. 1 2 3 4 5");
        assert_eq!(r.unwrap().as_str(), "mail.example.com");
        let p = "version: STSv1\nmode: enforce\nmx: mail.example.net\nmx: *.backup.example.org\nmax_age: 86400\n";
        let got: Vec<String> = mta_sts_mx(p)
            .iter()
            .map(|d| d.as_str().to_string())
            .collect();
        assert_eq!(got, vec!["mail.example.net", "backup.example.org"]);
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,300}") {
            let _ = txt_text(&s);
            let _ = spf(&s);
            let _ = spf(&format!("v=spf1 {s}"));
            let _ = dmarc(&format!("v=DMARC1; {s}"));
            let _ = tls_rpt(&s);
            let _ = caa_iodef(&s);
            let _ = mx_host(&s);
            let _ = soa_names(&s);
            let _ = mta_sts_mx(&s);
            let _ = uri_domain(&s);
        }
    }
}
