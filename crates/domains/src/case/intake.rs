//! Reading abuse reports: defanged input, which case a host belongs to, and the bulk formats
//! (CSV with a column mapping, the JPCERT/CC layout, URL lists).
//!
//! Everything here reads hostile text: rows are bounded, a bad row is an error for that row
//! (with its line number) and never stops the others.

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, Zoned};
use serde::Serialize;

use super::Category;
use crate::psl::{Section, SuffixList};
use crate::{DomainName, NameError};

/// The longest input we read as one URL or name (longer is refused, not cut).
pub const MAX_INPUT: usize = 8 * 1024;

/// The MISP warning list of dynamic DNS providers, one suffix per line (CC0-1.0, see
/// `data/case/README.md`).
const EMBEDDED_DDNS: &str = include_str!("../../data/case/dynamic-dns.txt");

/// Undoes the usual defanging of indicators: `hxxp://`, `hxxps[:]//`, `example[.]com`,
/// `example(.)com`, `example[dot]com`, `user[@]example.com`. Other text is kept as it is.
pub fn refang(s: &str) -> String {
    let mut out = s.trim().to_string();
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("(dot)", "."),
        ("[:]", ":"),
        ("[://]", "://"),
        ("[/]", "/"),
        ("[@]", "@"),
        ("(@)", "@"),
    ] {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    // hxxp, hXXp, hxxps, fxp (rare): only as a scheme at the start.
    let lower = out.to_ascii_lowercase();
    for (from, to) in [("hxxps://", "https://"), ("hxxp://", "http://")] {
        if lower.starts_with(from) {
            out = format!("{to}{}", &out[from.len()..]);
            break;
        }
    }
    out
}

/// What kind of service a host sits under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    /// A private-section public suffix: `workers.dev`, `r2.dev`, `github.io`, `blogspot.com`.
    SubdomainService,
    /// A dynamic DNS provider (MISP warning list).
    DynamicDns,
}

impl ServiceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ServiceKind::SubdomainService => "subdomain-service",
            ServiceKind::DynamicDns => "dynamic-dns",
        }
    }
}

/// The service a case sits under: its operator, not the registry, is the party to ask.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Service {
    /// The service's suffix, e.g. `workers.dev` or `duckdns.org`.
    pub suffix: String,
    pub kind: ServiceKind,
}

/// The dynamic DNS suffixes.
#[derive(Debug, Clone)]
pub struct ServiceList {
    suffixes: foldhash::HashSet<String>,
}

impl ServiceList {
    /// The list embedded at build time.
    pub fn embedded() -> &'static ServiceList {
        static LIST: std::sync::OnceLock<ServiceList> = std::sync::OnceLock::new();
        LIST.get_or_init(|| ServiceList::parse(EMBEDDED_DDNS))
    }

    /// One suffix per line (a leading `.` is allowed); `#` comments and junk are skipped.
    pub fn parse(text: &str) -> ServiceList {
        let suffixes = text
            .lines()
            .map(|l| l.trim().trim_start_matches('.'))
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| DomainName::parse(l).ok())
            .map(|n| n.as_str().to_string())
            .collect();
        ServiceList { suffixes }
    }

    pub fn len(&self) -> usize {
        self.suffixes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.suffixes.is_empty()
    }

    /// The longest listed suffix strictly above `host` (`duckdns.org` for `x.duckdns.org`).
    pub fn suffix_of<'a>(&self, host: &'a str) -> Option<&'a str> {
        let mut best = None;
        let mut rest = host;
        while let Some((_, parent)) = rest.split_once('.') {
            if self.suffixes.contains(parent) {
                best = Some(parent);
            }
            rest = parent;
        }
        best
    }
}

/// Why an input names no case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    #[error("empty input")]
    Empty,
    #[error("input longer than {MAX_INPUT} bytes")]
    TooLong,
    #[error("not a URL: {0}")]
    Url(String),
    #[error("the URL names an IP address, not a domain: {0}")]
    Address(String),
    #[error("not a domain name: {0}")]
    Name(#[from] NameError),
    #[error("{0} is a public suffix, not a registrable domain")]
    PublicSuffix(String),
}

/// Which case an input (a URL or a host name) belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The URL, refanged, when the input was one.
    pub url: Option<String>,
    /// The host.
    pub host: DomainName,
    /// The case's domain: the registrable domain under the ICANN section, or the account under
    /// a subdomain service or dynamic DNS provider (`evil.workers.dev`).
    pub domain: DomainName,
    /// The registrable domain under the ICANN section (what the statistics count).
    pub registered: DomainName,
    /// The service the host sits under, when there is one.
    pub service: Option<Service>,
}

impl Target {
    /// Reads a URL (`https://...`, also defanged) or a bare host name.
    pub fn parse(
        input: &str,
        psl: &SuffixList,
        services: &ServiceList,
    ) -> Result<Target, IntakeError> {
        if input.len() > MAX_INPUT {
            return Err(IntakeError::TooLong);
        }
        let s = refang(input);
        if s.is_empty() {
            return Err(IntakeError::Empty);
        }
        let (url, host) = if s.contains("://") {
            let u = url::Url::parse(&s).map_err(|e| IntakeError::Url(format!("{s:.200}: {e}")))?;
            let host = match u.host() {
                Some(url::Host::Domain(h)) => h.to_string(),
                Some(_) => return Err(IntakeError::Address(u.to_string())),
                None => return Err(IntakeError::Url(format!("{s:.200}: no host"))),
            };
            (Some(u.to_string()), host)
        } else {
            // A bare name, possibly with a path (`example.com/login`).
            let host = s.split(['/', '?', '#']).next().unwrap_or("");
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            let host = match host.rsplit_once(':') {
                Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
                _ => host,
            };
            if host.parse::<std::net::IpAddr>().is_ok() {
                return Err(IntakeError::Address(host.to_string()));
            }
            (None, host.to_string())
        };
        let host = DomainName::parse(&host)?;
        let h = host.as_str();
        let registered = psl
            .registrable(h, Section::Icann)
            .ok_or_else(|| IntakeError::PublicSuffix(h.to_string()))?;
        let registered = DomainName::parse(registered)?;
        // A dynamic DNS provider first (many are private-section suffixes too, but the
        // provider kind tells the analyst more), then any private-section suffix.
        let (domain, service) = if let Some(suffix) = services.suffix_of(h) {
            let cut = h.len() - suffix.len() - 1;
            let label = h[..cut].rsplit('.').next().unwrap_or("");
            (
                DomainName::parse(&format!("{label}.{suffix}"))?,
                Some(Service {
                    suffix: suffix.to_string(),
                    kind: ServiceKind::DynamicDns,
                }),
            )
        } else {
            match psl.split(h, Section::All) {
                Some(split) if split.private => match split.registrable {
                    Some(account) => (
                        DomainName::parse(account)?,
                        Some(Service {
                            suffix: split.suffix.to_string(),
                            kind: ServiceKind::SubdomainService,
                        }),
                    ),
                    // The service's own name (`workers.dev` itself): the operator's domain.
                    None => (registered.clone(), None),
                },
                _ => (registered.clone(), None),
            }
        };
        Ok(Target {
            url,
            host,
            domain,
            registered,
            service,
        })
    }
}

/// One report read from a file, before it is tied to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawReport {
    /// The line (CSV record) it came from, 1-based.
    pub line: usize,
    /// The URL or name as written (defanged or not).
    pub input: String,
    pub reported_at: Timestamp,
    /// Whether the date came from the input (else it is the caller's default time, and the
    /// report's identity must not depend on it).
    pub dated: bool,
    pub brand: Option<String>,
    pub category: Option<Category>,
    pub description: Option<String>,
    /// Who reported it, when the input says (an X-ARF reporter, an e-mail's From).
    pub reporter: Option<String>,
    /// What identifies the report besides its URL, in place of its time (an e-mail's
    /// Message-ID); none: the time when dated.
    pub key_hint: Option<String>,
}

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line (or report) it is about, 1-based; 0: the whole input (an e-mail).
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => f.write_str(&self.message),
            n => write!(f, "line {n}: {}", self.message),
        }
    }
}

impl std::error::Error for RowError {}

/// How a CSV file's columns map onto a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvLayout {
    /// The column with the URL or name (a header name, matched without regard to case).
    pub url: String,
    /// The column with the report's date; none: every row gets `default_time`.
    pub date: Option<String>,
    pub brand: Option<String>,
    pub category: Option<String>,
    pub description: Option<String>,
    /// The offset of dates written without one.
    pub offset: Offset,
}

impl CsvLayout {
    /// The JPCERT/CC phishing URL list: `date,URL,description` (the description is the
    /// imitated brand), dates in JST.
    pub fn jpcert() -> CsvLayout {
        CsvLayout {
            url: "URL".into(),
            date: Some("date".into()),
            brand: Some("description".into()),
            category: None,
            description: None,
            offset: jst(),
        }
    }

    /// Applies a mapping written as `url=COL,date=COL,brand=COL,category=COL,description=COL`.
    pub fn with_mapping(mut self, mapping: &str) -> Result<CsvLayout, String> {
        for part in mapping.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("column mapping {part:?}: expected FIELD=COLUMN"))?;
            let v = v.trim().to_string();
            match k.trim() {
                "url" => self.url = v,
                "date" => self.date = Some(v),
                "brand" => self.brand = Some(v),
                "category" => self.category = Some(v),
                "description" => self.description = Some(v),
                other => {
                    return Err(format!(
                        "column mapping: unknown field {other:?} (url, date, brand, category, description)"
                    ));
                }
            }
        }
        Ok(self)
    }
}

impl Default for CsvLayout {
    /// Columns named `url`, `date`, `brand`, `category`, `description` (those present), UTC.
    fn default() -> CsvLayout {
        CsvLayout {
            url: "url".into(),
            date: Some("date".into()),
            brand: Some("brand".into()),
            category: Some("category".into()),
            description: Some("description".into()),
            offset: Offset::UTC,
        }
    }
}

/// Japan Standard Time, +09:00.
pub fn jst() -> Offset {
    Offset::constant(9)
}

/// Reads `UTC`, `Z`, `+09:00`, `-0500`, `+9`.
pub fn parse_offset(s: &str) -> Option<Offset> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("utc") || s == "Z" {
        return Some(Offset::UTC);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        // `+0900`; four bytes that are not ASCII (`+𐀀`, one character) are no offset.
        None if rest.len() == 4 && rest.is_ascii() => (&rest[..2], &rest[2..]),
        None => (rest, "0"),
    };
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 18 || m > 59 {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

/// Reads a report date: RFC 3339 (with its own offset), or `YYYY-MM-DD[ HH:MM[:SS]]` and
/// `YYYY/MM/DD[ HH:MM[:SS]]` in `offset`.
pub fn parse_date(s: &str, offset: Offset) -> Option<Timestamp> {
    let s = s.trim();
    if s.len() > 64 {
        return None;
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let norm = s.replace('/', "-").replace('T', " ");
    let dt = if norm.len() <= 10 {
        format!("{norm} 00:00:00")
    } else if norm.len() == 16 {
        format!("{norm}:00")
    } else {
        norm
    };
    let civil = DateTime::strptime("%Y-%m-%d %H:%M:%S", &dt).ok()?;
    civil
        .to_zoned(TimeZone::fixed(offset))
        .ok()
        .map(|z: Zoned| z.timestamp())
}

/// The most rows one CSV import reads (a larger file is split by the caller).
pub const MAX_ROWS: usize = 2_000_000;
/// The longest field kept (longer: the row is refused).
const MAX_FIELD: usize = 8 * 1024;

/// Reads a CSV file with a header row. `default_time` is the date of rows without one.
/// Returns the reports and the rows refused, each with its line.
pub fn parse_csv(
    data: &[u8],
    layout: &CsvLayout,
    default_time: Timestamp,
) -> Result<(Vec<RawReport>, Vec<RowError>), RowError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = rdr
        .headers()
        .map_err(|e| RowError {
            line: 1,
            message: format!("header: {e}"),
        })?
        .clone();
    let col = |name: &str| -> Option<usize> {
        let name = name.trim_start_matches('\u{feff}');
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let url = col(&layout.url).ok_or_else(|| RowError {
        line: 1,
        message: format!(
            "no column {:?} for the URL (columns: {})",
            layout.url,
            headers.iter().collect::<Vec<_>>().join(", ")
        ),
    })?;
    // An explicitly mapped column must exist; the defaults may be absent.
    let optional = |name: &Option<String>| name.as_deref().and_then(col);
    let date = optional(&layout.date);
    let brand = optional(&layout.brand);
    let category = optional(&layout.category);
    let description = optional(&layout.description);

    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line() as usize;
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors.push(RowError {
                    line,
                    message: format!("{e}"),
                });
                // A UTF-8 or length error spoils one record; an I/O error cannot happen on
                // a slice. Go on with the next.
                continue;
            }
        }
        if out.len() + errors.len() >= MAX_ROWS {
            errors.push(RowError {
                line,
                message: format!("more than {MAX_ROWS} rows: the rest is not read"),
            });
            break;
        }
        let field = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if record.iter().any(|f| f.len() > MAX_FIELD) {
            errors.push(RowError {
                line,
                message: format!("a field is longer than {MAX_FIELD} bytes"),
            });
            continue;
        }
        let Some(input) = field(Some(url)) else {
            errors.push(RowError {
                line,
                message: "no URL".into(),
            });
            continue;
        };
        let reported_at = match (date, field(date)) {
            (None, _) => default_time,
            // The file has dates: a row without one cannot be told apart on the next import.
            (Some(_), None) => {
                errors.push(RowError {
                    line,
                    message: "no date".into(),
                });
                continue;
            }
            (Some(_), Some(d)) => match parse_date(&d, layout.offset) {
                Some(t) => t,
                None => {
                    errors.push(RowError {
                        line,
                        message: format!("unreadable date {d:.64?}"),
                    });
                    continue;
                }
            },
        };
        let category = match field(category) {
            None => None,
            Some(c) => match Category::parse(&c) {
                Some(c) => Some(c),
                None => {
                    errors.push(RowError {
                        line,
                        message: format!("unknown category {c:.64?}"),
                    });
                    continue;
                }
            },
        };
        out.push(RawReport {
            line,
            input,
            reported_at,
            dated: date.is_some(),
            brand: field(brand),
            category,
            description: field(description),
            reporter: None,
            key_hint: None,
        });
    }
    Ok((out, errors))
}

/// Reads a list of URLs or names, one per line; `#` starts a comment line. Every report is
/// dated `time`.
pub fn parse_url_list(text: &str, time: Timestamp) -> (Vec<RawReport>, Vec<RowError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if out.len() >= MAX_ROWS {
            errors.push(RowError {
                line: i + 1,
                message: format!("more than {MAX_ROWS} rows: the rest is not read"),
            });
            break;
        }
        if l.len() > MAX_INPUT {
            errors.push(RowError {
                line: i + 1,
                message: format!("longer than {MAX_INPUT} bytes"),
            });
            continue;
        }
        out.push(RawReport {
            line: i + 1,
            input: l.to_string(),
            reported_at: time,
            dated: false,
            brand: None,
            category: None,
            description: None,
            reporter: None,
            key_hint: None,
        });
    }
    (out, errors)
}
