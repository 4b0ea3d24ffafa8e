//! X-ARF abuse reports (JSON; <https://github.com/abusix/xarf>): one object, an array of
//! objects, or JSON lines. Both layouts in use are read:
//!
//! - X-ARF v4 (schema 4.x, snake_case, what `case notify` sends): `xarf_version`, `category`,
//!   `type`, `timestamp`, `reporter` (`org`, `contact`), `url`, `domain`,
//!   `source_identifier`, `target_brand`.
//! - The earlier CamelCase layout: `ReporterInfo` (`ReporterOrg`, `ReporterOrgEmail`, ...)
//!   and `Report` (`ReportClass`, `ReportType`, `Date`, and the source: `SourceUrl`, or `Url`,
//!   `Source`, `Domain`, `SourceIp`).
//!
//! Every report is hostile input: a report that lacks a field
//! we need (`Report`, `ReportType`, `Date`, a source) or has one of the wrong type is a row
//! error, never a panic, and the other reports are still read. Fields we do not use are
//! ignored.

use jiff::tz::Offset;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;

use super::Category;
use super::intake::{MAX_INPUT, RawReport, RowError, parse_date};

/// The most reports one file yields (the rest is refused with one row error).
pub const MAX_REPORTS: usize = 1_000_000;
/// The longest reporter or description kept (longer is cut at a character boundary).
pub const MAX_TEXT: usize = 1024;

/// Our category for an X-ARF `ReportType` (any other type is [`Category::Other`]).
pub fn category(report_type: &str) -> Category {
    let t: String = report_type
        .trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '/'))
        .flat_map(char::to_lowercase)
        .collect();
    match t.as_str() {
        "phishing" => Category::Phishing,
        "malware" | "malwaredistribution" | "distribution" => Category::Malware,
        "botnet" | "bot" | "c2" | "cnc" | "c&c" | "c2server" => Category::C2,
        "spam" | "spamvertised" => Category::Spam,
        _ => Category::Other,
    }
}

/// Keeps printable text: control characters (CR, LF, ESC, ...) become spaces, runs of spaces
/// one space, and the result is cut to `max` bytes at a character boundary.
pub fn clean_text(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    let mut space = false;
    for c in s.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' {
            if space || out.is_empty() {
                continue;
            }
            space = true;
        } else {
            space = false;
        }
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out.trim_end().to_string()
}

/// Reads X-ARF reports. `offset` is the offset of dates written without one.
///
/// `line` of each report (and error) is its line in the file, or for an array its position
/// in the array (1-based).
pub fn parse_xarf(data: &[u8], offset: Offset) -> (Vec<RawReport>, Vec<RowError>) {
    parse_capped(data, offset, MAX_REPORTS)
}

fn parse_capped(data: &[u8], offset: Offset, cap: usize) -> (Vec<RawReport>, Vec<RowError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    if data.get(start) == Some(&b'[') {
        parse_array(data, offset, cap, &mut out, &mut errors);
    } else {
        parse_stream(data, offset, cap, &mut out, &mut errors);
    }
    (out, errors)
}

/// One report (as a JSON value) read into `out` or `errors`; false once the cap is reached.
fn take(
    v: &Value,
    line: usize,
    offset: Offset,
    cap: usize,
    out: &mut Vec<RawReport>,
    errors: &mut Vec<RowError>,
) -> bool {
    if out.len() + errors.len() >= cap {
        errors.push(RowError {
            line,
            message: format!("more than {cap} reports: the rest is not read"),
        });
        return false;
    }
    match report(v, offset) {
        Ok(mut r) => {
            r.line = line;
            out.push(r);
        }
        Err(message) => errors.push(RowError { line, message }),
    }
    true
}

/// A top-level array, read element by element (never the whole array as one value).
fn parse_array(
    data: &[u8],
    offset: Offset,
    cap: usize,
    out: &mut Vec<RawReport>,
    errors: &mut Vec<RowError>,
) {
    struct Seq<'a> {
        offset: Offset,
        cap: usize,
        out: &'a mut Vec<RawReport>,
        errors: &'a mut Vec<RowError>,
    }
    impl<'de> Visitor<'de> for Seq<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of X-ARF reports")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            while let Some(v) = seq.next_element::<Value>()? {
                i += 1;
                if !take(&v, i, self.offset, self.cap, self.out, self.errors) {
                    // The rest is skipped unread (still checked for syntax).
                    while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                    break;
                }
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Seq<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(data);
    let seed = Seq {
        offset,
        cap,
        out: &mut *out,
        errors: &mut *errors,
    };
    let result = seed.deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = result {
        errors.push(RowError {
            line: e.line(),
            message: format!("JSON: {e}"),
        });
    }
}

/// One object or JSON lines. After a syntax error, reading resumes on the next line.
fn parse_stream(
    data: &[u8],
    offset: Offset,
    cap: usize,
    out: &mut Vec<RawReport>,
    errors: &mut Vec<RowError>,
) {
    // `base`: where the current stream starts; `base_line`: its line.
    let mut base = 0usize;
    let mut base_line = 1usize;
    'streams: while base < data.len() {
        let chunk = &data[base..];
        let mut stream = serde_json::Deserializer::from_slice(chunk).into_iter::<Value>();
        // Lines counted up to `counted` (an offset in `chunk`).
        let mut counted = 0usize;
        let mut line = base_line;
        loop {
            let before = stream.byte_offset();
            let next = stream.next();
            // The value's first byte: after the whitespace that precedes it.
            let first = chunk[before..]
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .map_or(chunk.len(), |p| before + p);
            line += memchr::memchr_iter(b'\n', &chunk[counted..first]).count();
            counted = first;
            match next {
                None => break 'streams,
                Some(Ok(v)) => {
                    if !take(&v, line, offset, cap, out, errors) {
                        break 'streams;
                    }
                }
                Some(Err(e)) => {
                    let err_line = base_line + e.line().saturating_sub(1);
                    errors.push(RowError {
                        line: err_line,
                        message: format!("JSON: {e}"),
                    });
                    if e.is_eof() {
                        break 'streams;
                    }
                    // Resume at the next line after the error that starts a document
                    // (`{` or `[` in the first column), not inside a broken one.
                    let skip = e.line().saturating_sub(1);
                    let mut nl = memchr::memchr_iter(b'\n', chunk).enumerate();
                    let resume = loop {
                        match nl.next() {
                            None => break None,
                            Some((i, p)) if i >= skip => {
                                if matches!(chunk.get(p + 1), Some(b'{' | b'[')) {
                                    break Some((i, p));
                                }
                            }
                            Some(_) => {}
                        }
                    };
                    match resume {
                        Some((i, p)) => {
                            base += p + 1;
                            base_line += i + 1;
                            continue 'streams;
                        }
                        None => break 'streams,
                    }
                }
            }
        }
    }
}

fn field<'a>(obj: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

/// A string field; `Err` when present with another type.
fn string<'a>(
    obj: &'a serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, String> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim())),
        Some(_) => Err(format!("{name} is not a string")),
    }
}

/// One X-ARF report.
fn report(v: &Value, offset: Offset) -> Result<RawReport, String> {
    let Value::Object(doc) = v else {
        return Err("not a JSON object".into());
    };
    if field(doc, "Report").is_none()
        && (field(doc, "xarf_version").is_some() || field(doc, "type").is_some())
    {
        return report_v4(doc, offset);
    }
    let report = match field(doc, "Report") {
        Some(Value::Object(r)) => r,
        Some(_) => return Err("Report is not an object".into()),
        None => return Err("no Report".into()),
    };
    let report_type = string(report, "ReportType")?.ok_or("no Report.ReportType")?;
    string(report, "ReportClass")?;
    let date = string(report, "Date")?.ok_or("no Report.Date")?;
    let reported_at =
        parse_date(date, offset).ok_or_else(|| format!("unreadable Report.Date {date:.64?}"))?;
    // The source: a URL first, then a name, then an address (refused later, with a reason).
    let mut input = None;
    for name in [
        "SourceUrl",
        "Url",
        "URL",
        "Source",
        "Domain",
        "SourceDomain",
        "SourceIp",
    ] {
        if let Some(s) = string(report, name)? {
            input = Some((name, s));
            break;
        }
    }
    let (name, input) = input.ok_or("no Report.SourceUrl, Url, Source, Domain or SourceIp")?;
    if input.len() > MAX_INPUT {
        return Err(format!("Report.{name} is longer than {MAX_INPUT} bytes"));
    }
    let reporter = match field(doc, "ReporterInfo") {
        None => None,
        Some(Value::Object(info)) => {
            let org = string(info, "ReporterOrg")?;
            let email = match string(info, "ReporterOrgEmail")? {
                Some(e) => Some(e),
                None => string(info, "ReporterContactEmail")?,
            };
            let who = match (org, email) {
                (Some(o), Some(e)) => Some(format!("{o} <{e}>")),
                (Some(o), None) => Some(o.to_string()),
                (None, Some(e)) => Some(e.to_string()),
                (None, None) => None,
            };
            who.map(|w| clean_text(&w, MAX_TEXT))
                .filter(|w| !w.is_empty())
        }
        Some(_) => return Err("ReporterInfo is not an object".into()),
    };
    let description = string(report, "ReporterNotes")?
        .map(|s| clean_text(s, MAX_TEXT))
        .filter(|s| !s.is_empty());
    Ok(RawReport {
        line: 0,
        input: input.to_string(),
        reported_at,
        dated: true,
        brand: None,
        category: Some(category(report_type)),
        description,
        reporter,
        key_hint: None,
    })
}

/// One X-ARF v4 report (schema 4.x).
fn report_v4(doc: &serde_json::Map<String, Value>, offset: Offset) -> Result<RawReport, String> {
    let kind = string(doc, "type")?.ok_or("no type")?;
    let class = string(doc, "category")?;
    let date = string(doc, "timestamp")?.ok_or("no timestamp")?;
    let reported_at =
        parse_date(date, offset).ok_or_else(|| format!("unreadable timestamp {date:.64?}"))?;
    let mut input = None;
    for name in ["url", "domain", "source_identifier"] {
        if let Some(s) = string(doc, name)? {
            input = Some((name, s));
            break;
        }
    }
    let (name, input) = input.ok_or("no url, domain or source_identifier")?;
    if input.len() > MAX_INPUT {
        return Err(format!("{name} is longer than {MAX_INPUT} bytes"));
    }
    let reporter = match field(doc, "reporter") {
        None => None,
        Some(Value::Object(r)) => {
            let who = match (string(r, "org")?, string(r, "contact")?) {
                (Some(o), Some(e)) => Some(format!("{o} <{e}>")),
                (Some(o), None) => Some(o.to_string()),
                (None, Some(e)) => Some(e.to_string()),
                (None, None) => None,
            };
            who.map(|w| clean_text(&w, MAX_TEXT))
                .filter(|w| !w.is_empty())
        }
        Some(_) => return Err("reporter is not an object".into()),
    };
    // `messaging`/`spam` is spam whatever the type says; `reputation` reports carry the
    // threat in `threat_type`.
    let category = match (class, kind) {
        (Some(c), _) if c.eq_ignore_ascii_case("messaging") => Category::Spam,
        (Some(c), _) if c.eq_ignore_ascii_case("reputation") => {
            category(string(doc, "threat_type")?.unwrap_or(kind))
        }
        _ => category(kind),
    };
    Ok(RawReport {
        line: 0,
        input: input.to_string(),
        reported_at,
        dated: true,
        brand: string(doc, "target_brand")?
            .map(|b| clean_text(b, MAX_TEXT))
            .filter(|b| !b.is_empty()),
        category: Some(category),
        description: string(doc, "description")?
            .map(|s| clean_text(s, MAX_TEXT))
            .filter(|s| !s.is_empty()),
        reporter,
        key_hint: string(doc, "report_id")?.map(|id| clean_text(id, 128)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PHISH: &str = r#"{
  "Version": "3",
  "ReporterInfo": {
    "ReporterOrg": "ExampleOrg",
    "ReporterOrgDomain": "example.com",
    "ReporterOrgEmail": "reports@example.com"
  },
  "Disclosure": true,
  "Report": {
    "ReportClass": "Content",
    "ReportType": "Phishing",
    "Date": "2018-02-05T14:17:10Z",
    "SourceIp": "192.0.2.55",
    "SourceUrl": "http://phish.example.org/index.html",
    "Samples": [{"ContentType": "text/html", "Payload": "<html>Phishy</html>"}]
  }
}"#;

    fn one(line: &str) -> String {
        line.replace('\n', "")
    }

    #[test]
    fn one_object() {
        let (r, e) = parse_xarf(PHISH.as_bytes(), Offset::UTC);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r.len(), 1);
        let r = &r[0];
        assert_eq!(r.line, 1);
        assert_eq!(r.input, "http://phish.example.org/index.html");
        assert_eq!(r.category, Some(Category::Phishing));
        assert_eq!(r.reported_at.to_string(), "2018-02-05T14:17:10Z");
        assert!(r.dated);
        assert_eq!(
            r.reporter.as_deref(),
            Some("ExampleOrg <reports@example.com>")
        );
        assert_eq!(r.key_hint, None);
    }

    #[test]
    fn array_and_json_lines() {
        let malware = PHISH
            .replace("Phishing", "Malware")
            .replace("phish.example.org", "dl.example.net");
        let array = format!("[{PHISH}, {malware}, 5, {{\"Report\": {{}}}}]");
        let (r, e) = parse_xarf(array.as_bytes(), Offset::UTC);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].category, Some(Category::Malware));
        assert_eq!(r[1].line, 2);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].line, 3);
        assert_eq!(e[0].message, "not a JSON object");
        assert_eq!(e[1].message, "no Report.ReportType");

        let botnet = PHISH.replace("Phishing", "Botnet").replace(
            "\"SourceUrl\": \"http://phish.example.org/index.html\",",
            "",
        );
        let lines = format!(
            "{}\n\n{{not json\n{}\n{}\n",
            one(PHISH),
            one(&botnet),
            one(&PHISH.replace("Phishing", "Spam"))
        );
        let (r, e) = parse_xarf(lines.as_bytes(), Offset::UTC);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].line, 3);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].line, r[1].line, r[2].line), (1, 4, 5));
        // No URL: the address is the input (refused later as an address).
        assert_eq!(r[1].input, "192.0.2.55");
        assert_eq!(r[1].category, Some(Category::C2));
        assert_eq!(r[2].category, Some(Category::Spam));
    }

    #[test]
    fn pretty_printed_objects_one_after_another() {
        let two = format!(
            "{PHISH}\n{}",
            PHISH.replace("phish.example.org", "b.example")
        );
        let (r, e) = parse_xarf(two.as_bytes(), Offset::UTC);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].line, PHISH.lines().count() + 1);
    }

    #[test]
    fn missing_and_mistyped_fields_are_row_errors() {
        let cases = [
            (r#"{"Report": 1}"#, "Report is not an object"),
            (r#"{"x": 1}"#, "no Report"),
            (
                r#"{"Report": {"ReportType": "Phishing", "SourceUrl": "http://a.example/"}}"#,
                "no Report.Date",
            ),
            (
                r#"{"Report": {"ReportType": "Phishing", "Date": "yesterday", "SourceUrl": "http://a.example/"}}"#,
                "unreadable Report.Date \"yesterday\"",
            ),
            (
                r#"{"Report": {"ReportType": 7, "Date": "2020-01-01", "SourceUrl": "x"}}"#,
                "ReportType is not a string",
            ),
            (
                r#"{"Report": {"ReportType": "Phishing", "Date": "2020-01-01"}}"#,
                "no Report.SourceUrl, Url, Source, Domain or SourceIp",
            ),
            (
                r#"{"ReporterInfo": [], "Report": {"ReportType": "Phishing", "Date": "2020-01-01", "Domain": "a.example"}}"#,
                "ReporterInfo is not an object",
            ),
        ];
        for (json, want) in cases {
            let (r, e) = parse_xarf(json.as_bytes(), Offset::UTC);
            assert!(r.is_empty(), "{json}");
            assert_eq!(e.len(), 1, "{json}");
            assert_eq!(e[0].message, want, "{json}");
        }
    }

    #[test]
    fn domain_other_types_and_hostile_reporter() {
        let json = r#"{"ReporterInfo": {"ReporterOrg": "Evil\r\nBcc: x@y", "ReporterOrgEmail": "a@b"},
            "Report": {"ReportType": "Copyright", "Date": "2020-01-02 03:04", "Domain": "a.example",
                       "ReporterNotes": "see\u0000here"}}"#;
        let (r, e) = parse_xarf(json.as_bytes(), jiff::tz::Offset::constant(9));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r[0].input, "a.example");
        assert_eq!(r[0].category, Some(Category::Other));
        assert_eq!(r[0].reporter.as_deref(), Some("Evil Bcc: x@y <a@b>"));
        assert_eq!(r[0].description.as_deref(), Some("see here"));
        assert_eq!(r[0].reported_at.to_string(), "2020-01-01T18:04:00Z");
    }

    #[test]
    fn v4_reports_as_case_notify_writes_them() {
        let doc = r#"{"xarf_version": "4.2.0", "report_id": "1a5ec293-0849-40a4-9eba-d5926262ff05",
            "timestamp": "2025-01-11T15:15:24Z",
            "reporter": {"org": "Brand Protection\r\nBcc: x", "contact": "takedown@brand-protect.example", "domain": "brand-protect.example"},
            "source_identifier": "203.0.113.45", "category": "content", "type": "phishing",
            "url": "http://secure-banking-login.example.com/auth", "domain": "example.com",
            "target_brand": "Major Bank Corp"}"#;
        let (r, e) = parse_xarf(doc.as_bytes(), Offset::UTC);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r[0].input, "http://secure-banking-login.example.com/auth");
        assert_eq!(r[0].category, Some(Category::Phishing));
        assert_eq!(r[0].brand.as_deref(), Some("Major Bank Corp"));
        assert_eq!(r[0].reported_at.to_string(), "2025-01-11T15:15:24Z");
        let who = r[0].reporter.as_deref().unwrap();
        assert!(
            !who.contains('\n') && who.ends_with("<takedown@brand-protect.example>"),
            "{who}"
        );
        assert_eq!(
            r[0].key_hint.as_deref(),
            Some("1a5ec293-0849-40a4-9eba-d5926262ff05")
        );
        let (r, _) = parse_xarf(
            br#"{"xarf_version": "4.2.0", "timestamp": "2025-01-11T15:15:24Z", "category": "infrastructure", "type": "botnet", "domain": "c2.example"}"#,
            Offset::UTC,
        );
        assert_eq!(
            (r[0].input.as_str(), r[0].category),
            ("c2.example", Some(Category::C2))
        );
        let (_, e) = parse_xarf(
            br#"{"xarf_version": "4.2.0", "type": "phishing"}"#,
            Offset::UTC,
        );
        assert_eq!(e[0].message, "no timestamp");
    }

    #[test]
    fn category_mapping() {
        assert_eq!(category("Phishing"), Category::Phishing);
        assert_eq!(category("malware-distribution"), Category::Malware);
        assert_eq!(category("Botnet"), Category::C2);
        assert_eq!(category("C2"), Category::C2);
        assert_eq!(category("Spam"), Category::Spam);
        assert_eq!(category("DDoS"), Category::Other);
        assert_eq!(category(""), Category::Other);
    }

    #[test]
    fn the_report_cap_holds() {
        let line = one(PHISH);
        let lines = format!("{line}\n{line}\n{line}\n{line}\n");
        let (r, e) = parse_capped(lines.as_bytes(), Offset::UTC, 3);
        assert_eq!(r.len(), 3);
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].line, e[0].message.as_str()),
            (4, "more than 3 reports: the rest is not read")
        );
        let array = format!("[{line}, {line}, {line}, {line}, {line}]");
        let (r, e) = parse_capped(array.as_bytes(), Offset::UTC, 2);
        assert_eq!((r.len(), e.len()), (2, 1));
        assert_eq!(e[0].line, 3);
        assert_eq!(clean_text(&"é".repeat(10), 5), "éé");
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = parse_xarf(&data, Offset::UTC);
        }

        #[test]
        fn never_panics_on_json_like_text(s in "[\\[\\]{}\",: \\na-zA-Z0-9]{0,300}") {
            let _ = parse_xarf(s.as_bytes(), Offset::UTC);
            let with = format!("{{\"Report\": {{\"ReportType\": \"Phishing\", \"Date\": \"2020-01-01\", \"Url\": {s:?}}}}}");
            let _ = parse_xarf(with.as_bytes(), Offset::UTC);
        }
    }
}
