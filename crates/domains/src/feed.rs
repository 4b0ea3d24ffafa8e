//! Feed line parsing for `domwatch scan`: plain name lists, URL lists, zone files in master
//! format, Certificate Transparency JSON lines (certstream style) and CSV with a named column.
//!
//! Pure and I/O-free: the caller reads the bytes (files, stdin, gzip) and hands over one line at
//! a time. Every line is hostile: a line longer than [`MAX_LINE_LEN`], a JSON line that does not
//! parse, a URL without a host or a "name" with characters no host name has is a [`LineError`]
//! that the caller counts and skips. Nothing here panics on any input.
//!
//! Names are handed to a callback as `&str` in the form they appear (case and Unicode are left
//! to the matcher, which normalises cheaply); wildcards (`*.`) and a trailing root dot are
//! removed.

use serde::Deserialize;

/// The longest line accepted (64 KiB); longer lines are errors.
pub const MAX_LINE_LEN: usize = 64 * 1024;
/// The most names taken from one CT JSON line (a certificate rarely has more than a few hundred).
pub const MAX_NAMES_PER_LINE: usize = 1000;

/// The layout of a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedFormat {
    /// Decide from the first lines ([`detect`]).
    Auto,
    /// One name per line (first whitespace-separated field; `#` comments).
    List,
    /// One URL per line: the host is taken.
    Url,
    /// A zone file in master format (RFC 1035 §5): owner names, with `$ORIGIN` and relative
    /// names resolved.
    Zone,
    /// Certificate Transparency JSON lines: `all_domains`, `data.leaf_cert.all_domains`,
    /// certstream `dns_entries` (`data: [...]`) or `domains`.
    CtJson,
    /// CSV with a header line; names (or URLs) are read from the named column.
    Csv {
        /// The column name (case-insensitive).
        column: String,
    },
}

/// Why a line was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("line longer than {MAX_LINE_LEN} bytes")]
    TooLong,
    #[error("line is not valid JSON: {0}")]
    Json(String),
    #[error("no host name in this line")]
    NoHost,
    #[error("not a host name: {0:?}")]
    BadName(String),
    #[error("CSV header has no column {0:?}")]
    NoColumn(String),
    #[error("CSV line has no field {0}")]
    MissingField(usize),
    #[error("zone line without an owner name before it")]
    NoOwner,
}

fn bad(name: &str) -> LineError {
    LineError::BadName(name.chars().take(60).collect())
}

/// Guesses the format from the first (non-empty) lines of a feed.
///
/// JSON objects mean CT lines; `$ORIGIN`/`$TTL` or record types (`IN NS`, `SOA`) a zone file; a
/// first line that is a CSV header with a known column (`domain`, `name`, `host`, `hostname`,
/// `fqdn`, `url`, `URL`) CSV; `://` URLs; anything else a plain list.
pub fn detect<'a>(first_lines: impl IntoIterator<Item = &'a str>) -> FeedFormat {
    let lines: Vec<&str> = first_lines
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(20)
        .collect();
    let Some(first) = lines.first() else {
        return FeedFormat::List;
    };
    if first.starts_with('{') {
        return FeedFormat::CtJson;
    }
    let zone_like = |l: &&str| {
        l.starts_with("$ORIGIN") || l.starts_with("$TTL") || {
            let f: Vec<&str> = l.split_whitespace().take(5).collect();
            f.len() >= 3
                && f.iter().any(|t| {
                    matches!(
                        t.to_ascii_uppercase().as_str(),
                        "NS" | "SOA"
                            | "A"
                            | "AAAA"
                            | "CNAME"
                            | "MX"
                            | "TXT"
                            | "DS"
                            | "RRSIG"
                            | "NSEC"
                            | "NSEC3"
                            | "DNSKEY"
                    )
                })
                && f.iter().skip(1).take(3).any(|t| {
                    t.eq_ignore_ascii_case("IN")
                        || t.bytes().all(|b| b.is_ascii_digit())
                        || t.eq_ignore_ascii_case("NS")
                        || t.eq_ignore_ascii_case("SOA")
                })
        }
    };
    if lines
        .iter()
        .filter(|l| !l.starts_with(';'))
        .take(5)
        .any(zone_like)
    {
        return FeedFormat::Zone;
    }
    if first.contains(',') {
        for field in split_csv(first).take(64) {
            let f = field.trim().to_ascii_lowercase();
            if matches!(
                f.as_str(),
                "domain" | "name" | "host" | "hostname" | "fqdn" | "url" | "domain_name" | "query"
            ) {
                return FeedFormat::Csv { column: f };
            }
        }
    }
    let urls = lines.iter().filter(|l| l.contains("://")).count();
    if urls * 2 > lines.len() {
        return FeedFormat::Url;
    }
    FeedFormat::List
}

/// Parses lines of one feed; keeps the little state some formats need (the zone's `$ORIGIN`
/// and last owner, the CSV column index). One parser per feed.
#[derive(Debug, Clone)]
pub struct LineParser {
    format: FeedFormat,
    zone: ZoneState,
    csv_column: Option<usize>,
    zone_targets: bool,
    zone_delegations: bool,
    /// Names past [`MAX_NAMES_PER_LINE`] on one line, not emitted.
    dropped: u64,
}

#[derive(Debug, Clone, Default)]
struct ZoneState {
    origin: String,
    owner: String,
    last_emitted: String,
    in_parens: bool,
    buf: String,
    target: String,
    last_target: String,
    /// The owner of the zone's SOA record (delegation mode).
    apex: String,
}

impl LineParser {
    /// A parser for `format`. [`FeedFormat::Auto`] must be resolved with [`detect`] first; if
    /// it is not, lines are read as a plain list.
    pub fn new(format: FeedFormat) -> LineParser {
        let format = if format == FeedFormat::Auto {
            FeedFormat::List
        } else {
            format
        };
        LineParser {
            format,
            zone: ZoneState::default(),
            csv_column: None,
            zone_targets: false,
            zone_delegations: false,
            dropped: 0,
        }
    }

    /// How many names were dropped so far because a line had more than
    /// [`MAX_NAMES_PER_LINE`] (CT entries with huge SAN lists).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Zone files: also emit the targets of NS, CNAME, DNAME and MX records (where fake name
    /// servers such as `ns-650.awsdns-017.net` show up); repeated targets on consecutive
    /// lines are emitted once.
    pub fn with_zone_targets(mut self, on: bool) -> LineParser {
        self.zone_targets = on;
        self
    }

    /// Zone files: emit only delegations, i.e. the owner names of NS records other than the
    /// zone's apex (the owner of its SOA record; before any SOA, the first `$ORIGIN`). Glue
    /// (A/AAAA of name servers), DS, RRSIG, NSEC and the apex's own records yield nothing. An
    /// owner with several NS lines in a row is emitted once. Overrides
    /// [`with_zone_targets`](Self::with_zone_targets).
    pub fn with_zone_delegations(mut self, on: bool) -> LineParser {
        self.zone_delegations = on;
        self
    }

    /// The format in use.
    pub fn format(&self) -> &FeedFormat {
        &self.format
    }

    /// Calls `emit` with every name on `line` (which may end in `\n` or `\r\n`). Empty lines and
    /// comments yield nothing and are not errors.
    pub fn names_from_line(
        &mut self,
        line: &str,
        emit: &mut impl FnMut(&str),
    ) -> Result<(), LineError> {
        if line.len() > MAX_LINE_LEN {
            return Err(LineError::TooLong);
        }
        let line = line.trim_end_matches(['\n', '\r']);
        match &self.format {
            FeedFormat::Auto | FeedFormat::List => list_line(line, emit),
            FeedFormat::Url => url_line(line, emit),
            FeedFormat::CtJson => ct_line(line, emit, &mut self.dropped),
            FeedFormat::Zone => self.zone_line(line, emit),
            FeedFormat::Csv { column } => {
                let column = column.clone();
                self.csv_line(line, &column, emit)
            }
        }
    }

    fn csv_line(
        &mut self,
        line: &str,
        column: &str,
        emit: &mut impl FnMut(&str),
    ) -> Result<(), LineError> {
        if line.trim().is_empty() {
            return Ok(());
        }
        let Some(idx) = self.csv_column else {
            let idx = split_csv(line)
                .position(|f| f.trim().eq_ignore_ascii_case(column))
                .ok_or_else(|| LineError::NoColumn(column.chars().take(60).collect()))?;
            self.csv_column = Some(idx);
            return Ok(());
        };
        let field = split_csv(line)
            .nth(idx)
            .ok_or(LineError::MissingField(idx))?;
        let field = field.trim();
        if field.contains("://") || field.contains('/') {
            url_line(field, emit)
        } else {
            one_name(field, emit)
        }
    }

    fn zone_line(&mut self, line: &str, emit: &mut impl FnMut(&str)) -> Result<(), LineError> {
        let z = &mut self.zone;
        // Strip comments (a ';' outside quotes).
        let content = strip_zone_comment(line);
        if z.in_parens {
            if content.contains(')') {
                z.in_parens = false;
            }
            return Ok(());
        }
        if content.trim().is_empty() {
            return Ok(());
        }
        if content.contains('(') && !content.contains(')') {
            z.in_parens = true;
        }
        let starts_blank = content.starts_with([' ', '\t']);
        let mut fields = content.split_whitespace();
        let Some(first) = fields.next() else {
            return Ok(());
        };
        if let Some(directive) = first.strip_prefix('$') {
            if directive.eq_ignore_ascii_case("ORIGIN") {
                let o = fields.next().ok_or(LineError::NoHost)?;
                let o = o.trim_end_matches('.');
                if !plausible_name(o) && !o.is_empty() {
                    return Err(bad(o));
                }
                z.origin.clear();
                z.origin.push_str(&o.to_ascii_lowercase());
                if z.apex.is_empty() {
                    z.apex.push_str(&z.origin);
                }
            }
            return Ok(());
        }
        if starts_blank {
            if z.owner.is_empty() {
                return Err(LineError::NoOwner);
            }
        } else {
            z.buf.clear();
            if first == "@" {
                z.buf.push_str(&z.origin);
            } else if let Some(abs) = first.strip_suffix('.') {
                z.buf.push_str(abs);
            } else {
                z.buf.push_str(first);
                if !z.origin.is_empty() {
                    z.buf.push('.');
                    z.buf.push_str(&z.origin);
                }
            }
            if z.buf.is_empty() {
                return Err(LineError::NoOwner);
            }
            let owner = z.buf.strip_prefix("*.").unwrap_or(&z.buf);
            if !plausible_name(owner) {
                return Err(bad(owner));
            }
            z.owner.clear();
            z.owner.push_str(owner);
        }
        if self.zone_delegations {
            let mut rest = std::iter::once(first)
                .filter(|_| starts_blank)
                .chain(fields);
            let rtype = record_type(&mut rest);
            if rtype.is_some_and(|t| t.eq_ignore_ascii_case("SOA")) {
                z.apex.clear();
                z.apex.push_str(&z.owner);
            } else if rtype.is_some_and(|t| t.eq_ignore_ascii_case("NS"))
                && !z.owner.eq_ignore_ascii_case(&z.apex)
                && z.owner != z.last_emitted
            {
                emit(&z.owner);
                z.last_emitted.clear();
                z.last_emitted.push_str(&z.owner);
            }
            return Ok(());
        }
        if z.owner != z.last_emitted {
            emit(&z.owner);
            z.last_emitted.clear();
            z.last_emitted.push_str(&z.owner);
        }
        if self.zone_targets {
            // The record part: [ttl] [class] type rdata (the owner, when present, is consumed).
            let mut rest = std::iter::once(first)
                .filter(|_| starts_blank)
                .chain(fields);
            let rtype = record_type(&mut rest);
            let target = match rtype.map(str::to_ascii_uppercase).as_deref() {
                Some("NS" | "CNAME" | "DNAME") => rest.next(),
                Some("MX") => rest.nth(1),
                _ => None,
            };
            if let Some(t) = target.filter(|t| *t != ".") {
                z.target.clear();
                if t == "@" {
                    z.target.push_str(&z.origin);
                } else if let Some(abs) = t.strip_suffix('.') {
                    z.target.push_str(abs);
                } else {
                    z.target.push_str(t);
                    if !z.origin.is_empty() {
                        z.target.push('.');
                        z.target.push_str(&z.origin);
                    }
                }
                if !plausible_name(&z.target) {
                    return Err(bad(&z.target));
                }
                if z.target != z.last_target {
                    emit(&z.target);
                    z.last_target.clear();
                    z.last_target.push_str(&z.target);
                }
            }
        }
        Ok(())
    }
}

/// Parses one line of a stateless format (list, URL, CT JSON). For zone files and CSV use a
/// [`LineParser`], which keeps state between lines.
pub fn names_from_line(
    line: &str,
    format: &FeedFormat,
    emit: &mut impl FnMut(&str),
) -> Result<(), LineError> {
    let mut p = LineParser::new(format.clone());
    p.names_from_line(line, emit)
}

/// The record type of a zone line's record part (`[ttl] [class] type rdata`, owner consumed);
/// the iterator is left at the rdata.
fn record_type<'a>(rest: &mut impl Iterator<Item = &'a str>) -> Option<&'a str> {
    for f in rest.by_ref().take(4) {
        let ttl = f.bytes().all(|b| b.is_ascii_digit());
        let class = ["IN", "CH", "HS", "CS"]
            .iter()
            .any(|c| f.eq_ignore_ascii_case(c));
        if !(ttl || class) {
            return Some(f);
        }
    }
    None
}

fn strip_zone_comment(line: &str) -> &str {
    let mut in_quote = false;
    for (i, b) in line.bytes().enumerate() {
        match b {
            b'"' => in_quote = !in_quote,
            b';' if !in_quote => return &line[..i],
            _ => {}
        }
    }
    line
}

/// Splits a CSV line at commas outside double quotes; quotes around a field are removed (a
/// doubled quote inside stays doubled: names never contain quotes).
fn split_csv(line: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let s = rest?;
        let bytes = s.as_bytes();
        let mut in_quote = false;
        let mut end = s.len();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'"' => in_quote = !in_quote,
                b',' if !in_quote => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let field = &s[..end];
        rest = s.get(end + 1..).filter(|_| end < s.len());
        let f = field.trim();
        Some(
            f.strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .unwrap_or(f),
        )
    })
}

fn list_line(line: &str, emit: &mut impl FnMut(&str)) -> Result<(), LineError> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
        return Ok(());
    }
    let first = t.split_whitespace().next().unwrap_or(t);
    if first.contains("://") {
        return url_line(first, emit);
    }
    one_name(first, emit)
}

/// Cleans one name candidate (wildcard, trailing dot) and checks that it can be a host name.
fn one_name(raw: &str, emit: &mut impl FnMut(&str)) -> Result<(), LineError> {
    let n = raw.trim().trim_end_matches('.');
    let n = n.strip_prefix("*.").unwrap_or(n);
    if n.is_empty() {
        return Err(LineError::NoHost);
    }
    if !plausible_name(n) {
        return Err(bad(n));
    }
    emit(n);
    Ok(())
}

/// A cheap shape check: 1..=253 bytes of ASCII host characters (any case) and dots with no empty
/// label, or non-ASCII text without spaces, controls or URL punctuation (left to IDNA).
pub fn plausible_name(n: &str) -> bool {
    if n.is_empty() || n.len() > 1024 {
        return false;
    }
    if n.starts_with('.') || n.contains("..") {
        return false;
    }
    if n.is_ascii() {
        return n.len() <= 253
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_');
    }
    !n.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '/' | '\\' | '?' | '#' | '@' | ':' | '"' | '<' | '>' | ','
            )
    })
}

/// The host of a URL (`https://user@Host.example:443/path` -> `Host.example`); also accepts a
/// bare `host/path`.
pub fn url_host(url: &str) -> Option<&str> {
    let u = url.trim();
    let rest = match u.find("://") {
        Some(i) => &u[i + 3..],
        None => u,
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_port = match authority.rfind('@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    if host_port.starts_with('[') {
        return None; // IPv6 literal
    }
    let host = match host_port.rfind(':') {
        Some(i) => &host_port[..i],
        None => host_port,
    };
    let host = host.trim_end_matches('.');
    (!host.is_empty()).then_some(host)
}

fn url_line(line: &str, emit: &mut impl FnMut(&str)) -> Result<(), LineError> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return Ok(());
    }
    let host = url_host(t).ok_or(LineError::NoHost)?;
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        // An IPv4 address is no name to judge, but not a broken line either.
        return Ok(());
    }
    one_name(host, emit)
}

#[derive(Deserialize)]
struct CtLine<'a> {
    #[serde(borrow, default)]
    all_domains: Option<Vec<std::borrow::Cow<'a, str>>>,
    #[serde(borrow, default)]
    domains: Option<Vec<std::borrow::Cow<'a, str>>>,
    #[serde(borrow, default)]
    data: Option<CtData<'a>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CtData<'a> {
    Names(#[serde(borrow)] Vec<std::borrow::Cow<'a, str>>),
    Cert {
        #[serde(borrow, default)]
        leaf_cert: Option<CtLeaf<'a>>,
    },
}

#[derive(Deserialize)]
struct CtLeaf<'a> {
    #[serde(borrow, default)]
    all_domains: Vec<std::borrow::Cow<'a, str>>,
}

fn ct_line(line: &str, emit: &mut impl FnMut(&str), dropped: &mut u64) -> Result<(), LineError> {
    let t = line.trim();
    if t.is_empty() {
        return Ok(());
    }
    let parsed: CtLine<'_> = serde_json::from_str(t).map_err(|e| {
        // the message may quote the line (`invalid type: string "..."`): cut at a character
        LineError::Json(e.to_string().chars().take(120).collect())
    })?;
    let names = match (parsed.all_domains, parsed.domains, parsed.data) {
        (Some(n), _, _) => n,
        (None, Some(n), _) => n,
        (None, None, Some(CtData::Names(n))) => n,
        (None, None, Some(CtData::Cert { leaf_cert: Some(l) })) => l.all_domains,
        _ => return Err(LineError::NoHost),
    };
    let mut good = 0usize;
    *dropped += names.len().saturating_sub(MAX_NAMES_PER_LINE) as u64;
    for n in names.iter().take(MAX_NAMES_PER_LINE) {
        if one_name(n, emit).is_ok() {
            good += 1;
        }
    }
    if good == 0 && !names.is_empty() {
        return Err(LineError::NoHost);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn collect(p: &mut LineParser, lines: &[&str]) -> (Vec<String>, usize) {
        let mut out = Vec::new();
        let mut errs = 0;
        for l in lines {
            if p.names_from_line(l, &mut |n| out.push(n.to_string()))
                .is_err()
            {
                errs += 1;
            }
        }
        (out, errs)
    }

    #[test]
    fn list_lines() {
        let mut p = LineParser::new(FeedFormat::List);
        let (n, e) = collect(
            &mut p,
            &[
                "example.com",
                "# c",
                "",
                "*.Foo.Example.net. 12",
                "bad!name",
                "a..b",
            ],
        );
        assert_eq!(n, ["example.com", "Foo.Example.net"]);
        assert_eq!(e, 2);
    }

    #[test]
    fn url_lines() {
        let mut p = LineParser::new(FeedFormat::Url);
        let (n, e) = collect(
            &mut p,
            &[
                "https://amzanao.co.ip.geponitor.shop/YWJj?x=1",
                "http://user:pw@Evil.Example:8080/a",
                "https://192.0.2.1/login",
                "https:///nohost",
                "hxxp://[::1]/",
            ],
        );
        assert_eq!(n, ["amzanao.co.ip.geponitor.shop", "Evil.Example"]);
        assert_eq!(e, 2);
    }

    #[test]
    fn names_past_the_per_line_cap_are_counted_as_dropped() {
        let names: Vec<String> = (0..MAX_NAMES_PER_LINE + 5)
            .map(|i| format!("\"n{i}.example.com\""))
            .collect();
        let line = format!("{{\"all_domains\": [{}]}}", names.join(","));
        let mut p = LineParser::new(FeedFormat::CtJson);
        let (out, errs) = collect(&mut p, &[&line, &line]);
        assert_eq!(errs, 0);
        assert_eq!(out.len(), 2 * MAX_NAMES_PER_LINE);
        assert_eq!(p.dropped(), 10);
    }

    #[test]
    fn ct_lines() {
        let mut p = LineParser::new(FeedFormat::CtJson);
        let (n, e) = collect(
            &mut p,
            &[
                r#"{"message_type":"certificate_update","data":{"leaf_cert":{"all_domains":["*.paypa1.com","paypa1.com"]}}}"#,
                r#"{"all_domains":["a.example"]}"#,
                r#"{"message_type":"dns_entries","data":["x.example","y.example"]}"#,
                r#"{"all_domains": [}"#,
                r#"{"other":1}"#,
            ],
        );
        assert_eq!(
            n,
            [
                "paypa1.com",
                "paypa1.com",
                "a.example",
                "x.example",
                "y.example"
            ]
        );
        assert_eq!(e, 2);
    }

    #[test]
    fn zone_lines() {
        let mut p = LineParser::new(FeedFormat::Zone);
        let (n, e) = collect(
            &mut p,
            &[
                "$ORIGIN com.",
                "$TTL 86400",
                "@ IN SOA a.gtld-servers.net. nstld.verisign-grs.com. (",
                "   1 2 3 4 5 )",
                "amazon-login 172800 IN NS ns1.evil.net. ; comment",
                "             172800 IN NS ns2.evil.net.",
                "kuronekoyamatc.cc. 3600 IN A 192.0.2.1",
                "*.wild IN A 192.0.2.2",
                "bad!name IN NS x.",
            ],
        );
        assert_eq!(
            n,
            ["com", "amazon-login.com", "kuronekoyamatc.cc", "wild.com"]
        );
        assert_eq!(e, 1);
    }

    #[test]
    fn zone_delegations_skip_the_apex_glue_and_dnssec_records() {
        let mut p = LineParser::new(FeedFormat::Zone).with_zone_delegations(true);
        let (n, e) = collect(
            &mut p,
            &[
                "com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 2 3 4 5",
                "com.\t172800\tin\tns\ta.gtld-servers.net.",
                "example.com.\t172800\tin\tns\tns1.example.com.",
                "example.com.\t172800\tin\tns\tns2.example.com.",
                "example.com.\t86400\tin\tds\t1 8 2 ABCD",
                "ns1.example.com.\t172800\tin\ta\t192.0.2.1",
                "ns2.example.com.\t172800\tin\taaaa\t2001:db8::1",
                "$ORIGIN com.",
                "paypa1 IN 3600 NS ns1.evil.net.",
                "       NS ns2.evil.net.",
                "example.com.\t172800\tin\tns\tns3.example.com.",
                "signed 3600 IN RRSIG NS 8 2 3600 1 2 3 com. AAAA",
            ],
        );
        assert_eq!(n, ["example.com", "paypa1.com", "example.com"]);
        assert_eq!(e, 0);
        // Without a SOA, the first $ORIGIN is the apex.
        let mut p = LineParser::new(FeedFormat::Zone).with_zone_delegations(true);
        let (n, _) = collect(&mut p, &["$ORIGIN jp.", "@ NS a.dns.jp.", "b NS ns.b.jp."]);
        assert_eq!(n, ["b.jp"]);
    }

    #[test]
    fn zone_targets() {
        let mut p = LineParser::new(FeedFormat::Zone).with_zone_targets(true);
        let (n, e) = collect(
            &mut p,
            &[
                "$ORIGIN com.",
                "example 172800 IN NS ns-650.awsdns-017.net.",
                "        172800 IN NS ns-650.awsdns-017.net.",
                "        IN NS ns2",
                "mail IN MX 10 mx.example.net.",
                "www CNAME @",
                "a IN A 192.0.2.1",
            ],
        );
        assert_eq!(
            n,
            [
                "example.com",
                "ns-650.awsdns-017.net",
                "ns2.com",
                "mail.com",
                "mx.example.net",
                "www.com",
                "com",
                "a.com"
            ]
        );
        assert_eq!(e, 0);
    }

    #[test]
    fn csv_lines() {
        let mut p = LineParser::new(FeedFormat::Csv {
            column: "url".into(),
        });
        let (n, e) = collect(
            &mut p,
            &[
                "date,URL,description",
                "2023/01/04 13:39:00,https://amzanao.co.ip.geponitor.shop/x,Amazon",
                "2023/01/04,\"https://a.example/,x\",\"イオン, カード\"",
                "2023/01/04",
            ],
        );
        assert_eq!(n, ["amzanao.co.ip.geponitor.shop", "a.example"]);
        assert_eq!(e, 1);
        let mut p = LineParser::new(FeedFormat::Csv {
            column: "nope".into(),
        });
        assert!(matches!(
            p.names_from_line("a,b", &mut |_| {}),
            Err(LineError::NoColumn(_))
        ));
    }

    #[test]
    fn detection() {
        assert_eq!(detect(["{\"all_domains\":[]}"]), FeedFormat::CtJson);
        assert_eq!(detect(["$ORIGIN com.", "a NS b."]), FeedFormat::Zone);
        assert_eq!(
            detect(["example.com. 3600 IN NS ns1.example.com."]),
            FeedFormat::Zone
        );
        assert_eq!(
            detect(["date,URL,description", "x,https://a/,y"]),
            FeedFormat::Csv {
                column: "url".into()
            }
        );
        assert_eq!(detect(["https://a.example/", "http://b/"]), FeedFormat::Url);
        assert_eq!(detect(["a.example", "b.example"]), FeedFormat::List);
        assert_eq!(detect([""]), FeedFormat::List);
        assert!(names_from_line("x.example", &FeedFormat::List, &mut |_| {}).is_ok());
    }

    #[test]
    fn too_long() {
        let long = "a".repeat(MAX_LINE_LEN + 1);
        assert_eq!(
            names_from_line(&long, &FeedFormat::List, &mut |_| {}),
            Err(LineError::TooLong)
        );
    }

    #[test]
    fn ct_json_error_quoting_multibyte_text_is_cut_at_a_character() {
        // serde_json quotes the string; 120 bytes fall inside a 3-byte character
        let line = format!("{{\"domains\":\"{}\"}}", "日".repeat(60));
        let err = names_from_line(&line, &FeedFormat::CtJson, &mut |_| {});
        match err {
            Err(LineError::Json(m)) => {
                assert!(m.contains('日'), "{m}");
                assert!(m.chars().count() <= 120);
            }
            other => panic!("{other:?}"),
        }
    }

    proptest! {
        #[test]
        fn ct_json_errors_never_panic(v in "[a-zé日😀]{0,80}", key in "(domains|all_domains|data)") {
            let line = format!("{{\"{key}\":\"{v}\"}}");
            let _ = names_from_line(&line, &FeedFormat::CtJson, &mut |_| {});
        }

        #[test]
        fn arbitrary_lines_never_panic(lines in proptest::collection::vec(".{0,200}", 1..8),
                                       fmt in 0usize..5) {
            let format = match fmt {
                0 => FeedFormat::List,
                1 => FeedFormat::Url,
                2 => FeedFormat::Zone,
                3 => FeedFormat::CtJson,
                _ => FeedFormat::Csv { column: "url".into() },
            };
            let _ = detect(lines.iter().map(String::as_str));
            let mut p = LineParser::new(format).with_zone_targets(true);
            for l in &lines {
                let _ = p.names_from_line(l, &mut |n| {
                    assert!(!n.is_empty());
                    assert!(plausible_name(n));
                });
            }
        }

        #[test]
        fn zone_delegation_lines_never_panic(
            lines in proptest::collection::vec(
                "(\\$ORIGIN [a-z.]{0,12}|[a-z0-9@*.\\-]{0,20}[ \t]+[0-9]{0,6}[ \t]*(IN|in|)[ \t]*(NS|ns|SOA|A|DS|RRSIG|\\(|\\)|)[ \t]*.{0,30})",
                1..12,
            )
        ) {
            let mut p = LineParser::new(FeedFormat::Zone).with_zone_delegations(true);
            for l in &lines {
                let _ = p.names_from_line(l, &mut |n| {
                    assert!(!n.is_empty());
                    assert!(plausible_name(n));
                });
            }
        }
    }
}
