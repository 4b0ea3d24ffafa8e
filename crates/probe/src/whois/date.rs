//! Dates as WHOIS servers write them: RFC 3339 and its many near relatives, day-first and
//! month-first numeric dates, month names, compact `YYYYMMDD`, JPRS `YYYY/MM/DD hh:mm:ss (JST)`,
//! `(UTC+8)` and `(GMT+0:00)` annotations. Pure and bounded; never panics.

use domains::registration::RegDate;
use jiff::civil::DateTime;
use jiff::tz::Offset;

/// The longest date text looked at.
const MAX_DATE_LEN: usize = 96;

/// Parses one date value. `default` is the offset assumed when the text gives none (UTC for
/// most servers, +09:00 for JPRS).
pub fn parse_date(raw: &str, default: Offset) -> Option<RegDate> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_DATE_LEN {
        return None;
    }
    // Annotations in parentheses: a zone or a format reminder.
    let mut annotated: Option<Offset> = None;
    let mut text = raw;
    if let Some(open) = raw.find('(') {
        let inner = raw[open + 1..].split(')').next().unwrap_or("");
        annotated = zone_annotation(inner);
        text = raw[..open].trim();
    }
    // `19961206 #24302` (registro.br ticket numbers)
    if let Some(hash) = text.find('#') {
        text = text[..hash].trim();
    }
    let lowered = text.to_ascii_lowercase();
    let mut c = Cursor::new(&lowered);
    c.skip_weekday();
    let (y, m, d) = c.date()?;
    let before_time = c.i;
    let (h, mi, s, ns) = match c.time() {
        Some(t) => t,
        None => {
            c.i = before_time;
            (0, 0, 0, 0)
        }
    };
    let explicit = c.offset();
    if !c.rest_is_ignorable() {
        return None;
    }
    let offset = explicit.or(annotated).unwrap_or(default);
    if !(1900..=9999).contains(&y) {
        return None;
    }
    let dt = DateTime::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
        i8::try_from(h).ok()?,
        i8::try_from(mi).ok()?,
        i8::try_from(s).ok()?,
        i32::try_from(ns).ok()?,
    )
    .ok()?;
    let at = offset.to_timestamp(dt).ok()?;
    Some(RegDate { at, offset })
}

/// `JST`, `UTC+8`, `GMT+0:00`, `UTC`, `EET`... (only unambiguous ones).
fn zone_annotation(inner: &str) -> Option<Offset> {
    let z = inner.trim().to_ascii_uppercase();
    match z.as_str() {
        "JST" | "KST" => return Some(Offset::constant(9)),
        "UTC" | "GMT" | "Z" => return Some(Offset::UTC),
        _ => {}
    }
    let rest = z.strip_prefix("UTC").or_else(|| z.strip_prefix("GMT"))?;
    let lowered = rest.to_ascii_lowercase();
    let mut c = Cursor::new(&lowered);
    let off = c.offset()?;
    if c.at_end() { Some(off) } else { None }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            s: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn at_end(&self) -> bool {
        self.i >= self.s.len()
    }

    fn skip_spaces(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i - start
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Up to `max` digits; returns (value, count).
    fn digits(&mut self, max: usize) -> Option<(u32, usize)> {
        let start = self.i;
        let mut v: u32 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    v = v * 10 + u32::from(b - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        let n = self.i - start;
        if n == 0 { None } else { Some((v, n)) }
    }

    fn word(&mut self) -> Option<&'a str> {
        let start = self.i;
        while matches!(self.peek(), Some(b'a'..=b'z')) {
            self.i += 1;
        }
        if self.i == start {
            None
        } else {
            std::str::from_utf8(&self.s[start..self.i]).ok()
        }
    }

    fn skip_weekday(&mut self) {
        let save = self.i;
        if let Some(w) = self.word()
            && ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .any(|d| w.starts_with(d))
        {
            self.eat(b',');
            self.skip_spaces();
            return;
        }
        self.i = save;
    }

    /// Skips `st`, `nd`, `rd`, `th` after a day number.
    fn skip_ordinal(&mut self) {
        let save = self.i;
        if let Some(w) = self.word()
            && matches!(w, "st" | "nd" | "rd" | "th")
        {
            return;
        }
        self.i = save;
    }

    fn date(&mut self) -> Option<(u32, u32, u32)> {
        let save = self.i;
        if let Some((first, n)) = self.digits(8) {
            if n == 8 {
                return Some((first / 10_000, first / 100 % 100, first % 100));
            }
            if n == 4 {
                // Y-M-D, Y/M/D, Y.M.D, "Y. M. D."
                let sep = self.peek()?;
                if !matches!(sep, b'-' | b'/' | b'.') {
                    return None;
                }
                self.i += 1;
                self.skip_spaces();
                let (m, _) = self.digits(2)?;
                if !self.eat(sep) {
                    return None;
                }
                self.skip_spaces();
                let (d, _) = self.digits(2)?;
                if sep == b'.' {
                    self.eat(b'.');
                }
                return Some((first, m, d));
            }
            if n <= 2 {
                self.skip_ordinal();
                let sep = self.peek()?;
                if matches!(sep, b'-' | b'/' | b'.')
                    && self.s.get(self.i + 1).is_some_and(u8::is_ascii_digit)
                {
                    self.i += 1;
                    let (b, _) = self.digits(2)?;
                    if !self.eat(sep) {
                        return None;
                    }
                    let (y, yn) = self.digits(4)?;
                    if yn != 4 {
                        return None;
                    }
                    let (d, m) = match sep {
                        // D.M.Y (Europe)
                        b'.' => (first, b),
                        // D-M-Y (.hk) unless that cannot be
                        b'-' => {
                            if b > 12 && first <= 12 {
                                (b, first)
                            } else {
                                (first, b)
                            }
                        }
                        // M/D/Y (.tk, US) unless that cannot be
                        _ => {
                            if first > 12 {
                                (first, b)
                            } else {
                                (b, first)
                            }
                        }
                    };
                    return Some((y, m, d));
                }
                // D Mon Y, D-Mon-Y
                if matches!(sep, b' ' | b'-') {
                    self.i += 1;
                    self.skip_spaces();
                    let m = month(self.word()?)?;
                    self.eat(b'-');
                    self.eat(b',');
                    self.skip_spaces();
                    let (y, yn) = self.digits(4)?;
                    if yn != 4 {
                        return None;
                    }
                    return Some((y, m, first));
                }
            }
            self.i = save;
            return None;
        }
        // Mon D, Y
        let m = month(self.word()?)?;
        self.eat(b'.');
        self.skip_spaces();
        let (d, _) = self.digits(2)?;
        self.skip_ordinal();
        self.eat(b',');
        self.skip_spaces();
        let (y, yn) = self.digits(4)?;
        if yn != 4 {
            return None;
        }
        Some((y, m, d))
    }

    fn time(&mut self) -> Option<(u32, u32, u32, u32)> {
        let save = self.i;
        if !self.eat(b't') {
            self.skip_spaces();
            // "30th April 2003 at 00:00:00"
            let w = self.i;
            if self.word() != Some("at") {
                self.i = w;
            }
            self.skip_spaces();
        }
        let Some((h, _)) = self.digits(2) else {
            self.i = save;
            return None;
        };
        if !self.eat(b':') {
            self.i = save;
            return None;
        }
        let (mi, _) = self.digits(2)?;
        let mut s = 0;
        let mut ns = 0;
        if self.eat(b':') {
            s = self.digits(2)?.0;
            if self.eat(b'.') || self.eat(b',') {
                let start = self.i;
                let mut frac: u64 = 0;
                let mut n = 0;
                while let Some(b @ b'0'..=b'9') = self.peek() {
                    if n < 9 {
                        frac = frac * 10 + u64::from(b - b'0');
                        n += 1;
                    }
                    self.i += 1;
                }
                if self.i == start {
                    return None;
                }
                while n < 9 {
                    frac *= 10;
                    n += 1;
                }
                ns = u32::try_from(frac).ok()?;
            }
        }
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        // a leap second is read as :59
        Some((h, mi, s.min(59), ns))
    }

    /// `Z`, `+09:00`, `-0700`, `+03`, ` +02:00`, `UTC`, `GMT+8`.
    fn offset(&mut self) -> Option<Offset> {
        let save = self.i;
        self.skip_spaces();
        if self.eat(b'z') {
            return Some(Offset::UTC);
        }
        let w = self.i;
        if let Some(word) = self.word() {
            if matches!(word, "utc" | "gmt") {
                let after = self.i;
                if let Some(o) = self.signed_offset() {
                    return Some(o);
                }
                self.i = after;
                return Some(Offset::UTC);
            }
            self.i = w;
        }
        if let Some(o) = self.signed_offset() {
            return Some(o);
        }
        self.i = save;
        None
    }

    fn signed_offset(&mut self) -> Option<Offset> {
        let save = self.i;
        let sign: i32 = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return None;
        };
        let Some((first, n)) = self.digits(4) else {
            self.i = save;
            return None;
        };
        let (h, m) = match n {
            1 | 2 => {
                if self.eat(b':') {
                    let (m, _) = self.digits(2)?;
                    (first, m)
                } else {
                    (first, 0)
                }
            }
            4 => (first / 100, first % 100),
            _ => {
                self.i = save;
                return None;
            }
        };
        if h > 14 || m > 59 {
            self.i = save;
            return None;
        }
        let secs = i32::try_from(h * 3600 + m * 60).ok()?;
        Offset::from_seconds(sign * secs).ok()
    }

    /// What may follow a date: nothing, or whitespace then anything (`... nic@nic.fr`).
    fn rest_is_ignorable(&mut self) -> bool {
        if self.at_end() {
            return true;
        }
        self.eat(b'.');
        self.at_end() || self.skip_spaces() > 0
    }
}

fn month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if word.len() < 3 {
        return None;
    }
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    for (i, (short, long)) in MONTHS.iter().zip(full.iter()).enumerate() {
        if word == *short || word == *long || (word == "sept" && *short == "sep") {
            return u32::try_from(i + 1).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse_date(s, Offset::UTC).map_or_else(|| "-".to_string(), |d| d.to_rfc3339())
    }

    fn jst(s: &str) -> String {
        parse_date(s, Offset::constant(9)).map_or_else(|| "-".to_string(), |d| d.to_rfc3339())
    }

    #[test]
    fn formats() {
        let cases = [
            ("2019-09-09T08:39:04-0700", "2019-09-09T08:39:04-07:00"),
            ("2017-12-16T03:58:55.24Z", "2017-12-16T03:58:55.24Z"),
            ("2018-02-09 11:59:43", "2018-02-09T11:59:43Z"),
            ("2011-01-23 00:00:07 +02:00", "2011-01-23T00:00:07+02:00"),
            ("2011-07-21 18:03:50+03", "2011-07-21T18:03:50+03:00"),
            ("20221101 00:10:24", "2022-11-01T00:10:24Z"),
            ("19961206 #24302", "1996-12-06T00:00:00Z"),
            ("15.12.2015 09:48:01", "2015-12-15T09:48:01Z"),
            ("19.2.2019", "2019-02-19T00:00:00Z"),
            ("2008.03.16 01:08:04", "2008-03-16T01:08:04Z"),
            ("2012. 05. 19.", "2012-05-19T00:00:00Z"),
            ("15-Jul-1985", "1985-07-15T00:00:00Z"),
            ("31 May 1999", "1999-05-31T00:00:00Z"),
            ("30th April 2003 at 00:00:00.000", "2003-04-30T00:00:00Z"),
            ("11-07-2017", "2017-07-11T00:00:00Z"),
            ("12/18/2001", "2001-12-18T00:00:00Z"),
            ("03/02/2020", "2020-03-02T00:00:00Z"),
            ("1999-06-07 13:01:43 (GMT+0:00)", "1999-06-07T13:01:43Z"),
            ("2010-08-13 23:16:40 (UTC+8)", "2010-08-13T23:16:40+08:00"),
            ("2008-05-23 (YYYY-MM-DD)", "2008-05-23T00:00:00Z"),
            ("2019-01-02T04:55:30+13:00", "2019-01-02T04:55:30+13:00"),
            ("2018-12-26T12:48:55Z nic@nic.fr", "2018-12-26T12:48:55Z"),
            ("2018-02-05 22:59:12.55172", "2018-02-05T22:59:12.55172Z"),
            ("Fri, 6 Dec 2024", "2024-12-06T00:00:00Z"),
            ("before Aug-1996", "-"),
            ("2020-01-01T12", "-"),
            ("2020-01-01 12:3x", "-"),
            ("not disclosed", "-"),
            ("2019-13-45", "-"),
            ("", "-"),
        ];
        for (input, want) in cases {
            assert_eq!(p(input), want, "{input}");
        }
    }

    #[test]
    fn jprs_dates_keep_jst() {
        assert_eq!(jst("2001/05/14"), "2001-05-14T00:00:00+09:00");
        assert_eq!(
            jst("2019/06/01 04:52:02 (JST)"),
            "2019-06-01T04:52:02+09:00"
        );
        let d = parse_date("2019/06/01 04:52:02 (JST)", Offset::UTC).unwrap();
        assert_eq!(d.at.to_string(), "2019-05-31T19:52:02Z");
    }
}
