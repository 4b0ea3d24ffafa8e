//! Just enough MIME for abuse desks to read reports: header unfolding, RFC 2047 encoded words
//! in the Subject, base64 and quoted-printable bodies, multipart messages (text parts joined).
//! Everything is bounded and lossy: the desks only look for domain names.

const MAX_DEPTH: u8 = 4;
/// How far past `=?charset?enc?` the closing `?=` is looked for. RFC 2047 words are at most 75
/// characters; without a bound, a long Subject of unclosed words (`=?a?q?x` repeated) is scanned
/// to its end once per word (quadratic work).
const MAX_ENCODED_WORD: usize = 1000;

/// Headers (unfolded, in order) and the raw body of a message or part.
pub(crate) fn split(data: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = if let Some(p) = data.find("\n\n") {
        (&data[..p], &data[p + 2..])
    } else if let Some(rest) = data.strip_prefix('\n') {
        ("", rest)
    } else if data
        .lines()
        .next()
        .is_some_and(|l| l.contains(':') && !l.starts_with(' '))
    {
        (data, "")
    } else {
        ("", data)
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if (line.starts_with(' ') || line.starts_with('\t'))
            && let Some(last) = headers.last_mut()
        {
            last.1.push(' ');
            last.1.push_str(line.trim());
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    (headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The Subject and the readable text of a message.
pub(crate) fn subject_and_text(data: &str) -> (String, String) {
    let (headers, body) = split(data);
    let subject = header(&headers, "subject")
        .map(decode_words)
        .unwrap_or_default();
    (subject, part_text(&headers, body, 0))
}

fn part_text(headers: &[(String, String)], body: &str, depth: u8) -> String {
    let ctype = header(headers, "content-type").unwrap_or("text/plain");
    let lower = ctype.to_ascii_lowercase();
    if lower.starts_with("multipart/") && depth < MAX_DEPTH {
        let Some(boundary) = param(ctype, "boundary") else {
            return body.to_string();
        };
        let delim = format!("--{boundary}");
        let mut out = String::new();
        for chunk in body.split(delim.as_str()).skip(1) {
            if chunk.starts_with("--") {
                break;
            }
            let chunk = chunk.strip_prefix('\n').unwrap_or(chunk);
            let (h, b) = split(chunk);
            let text = part_text(&h, b, depth + 1);
            if !text.is_empty() {
                out.push_str(&text);
                out.push('\n');
            }
        }
        return out;
    }
    if !(lower.starts_with("text/") || lower.starts_with("message/")) {
        return String::new();
    }
    match header(headers, "content-transfer-encoding")
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("base64") => String::from_utf8_lossy(&base64(body.as_bytes())).into_owned(),
        Some("quoted-printable") => {
            String::from_utf8_lossy(&quoted_printable(body, false)).into_owned()
        }
        _ => body.to_string(),
    }
}

/// A parameter of a header value (`boundary="abc"`).
fn param(value: &str, name: &str) -> Option<String> {
    value
        .split(';')
        .skip(1)
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().trim_matches('"').to_string())
        })
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

/// RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?utf-8?q?...?=`), decoded as UTF-8 (lossy).
pub(crate) fn decode_words(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, after) = rest.split_at(start);
        let word = after.get(2..).and_then(|a| {
            let mut it = a.splitn(3, '?');
            let _charset = it.next()?;
            let enc = it.next()?;
            let tail = it.next()?;
            let window = &tail.as_bytes()[..tail.len().min(MAX_ENCODED_WORD)];
            // `?` is ASCII: the position is a char boundary of `tail`
            let end = window.windows(2).position(|w| w == b"?=")?;
            Some((
                enc.to_ascii_lowercase(),
                &tail[..end],
                2 + a.len() - tail.len() + end + 2,
            ))
        });
        match word {
            Some((enc, text, len)) if enc == "b" || enc == "q" => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                let bytes = if enc == "b" {
                    base64(text.as_bytes())
                } else {
                    quoted_printable(text, true)
                };
                out.push_str(&String::from_utf8_lossy(&bytes));
                rest = after.get(len..).unwrap_or_default();
                last_was_word = true;
            }
            _ => {
                out.push_str(before);
                out.push_str("=?");
                rest = after.get(2..).unwrap_or_default();
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Lenient base64 (ignores whitespace and junk, stops at padding).
pub(crate) fn base64(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    out
}

/// Quoted-printable (RFC 2045); `header` also maps `_` to space (RFC 2047 Q encoding).
pub(crate) fn quoted_printable(input: &str, header: bool) -> Vec<u8> {
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'=' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (b.get(i + 1), b.get(i + 2)) {
                    (Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                        let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                        out.push(u8::try_from(v).unwrap_or(b'?'));
                        i += 3;
                    }
                    (Some(b'\n'), _) => i += 2,
                    (Some(b'\r'), Some(b'\n')) => i += 3,
                    _ => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if header => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encoded_subject_and_base64_body() {
        let msg = "Subject: =?UTF-8?B?44OV44Kj44OD44K344Oz44Kw?= ucs-card.top\n\
                   Content-Type: text/plain; charset=utf-8\n\
                   Content-Transfer-Encoding: base64\n\n\
                   dWNzLWNhcmQudG9wIOOBr+ODleOCo+ODg+OCt+ODs+OCsOOCteOCpOODiOOBp+OBmQ==\n";
        let (s, t) = subject_and_text(msg);
        assert_eq!(s, "フィッシング ucs-card.top");
        assert_eq!(t, "ucs-card.top はフィッシングサイトです");
    }

    #[test]
    fn multipart_and_quoted_printable() {
        let msg = "Subject: =?utf-8?q?Report_about?= =?utf-8?q?_x?=\n\
                   Content-Type: multipart/mixed; boundary=\"b1\"\n\n\
                   preamble\n--b1\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n\
                   kuronekoyamatc=2Ecc is=\n phishing\n--b1\nContent-Type: application/json\n\n{\"a\":1}\n--b1--\n";
        let (s, t) = subject_and_text(msg);
        assert_eq!(s, "Report about x");
        assert!(t.contains("kuronekoyamatc.cc is phishing"), "{t:?}");
        assert!(!t.contains("\"a\""));
    }

    #[test]
    fn plain_message_without_headers() {
        let (s, t) = subject_and_text("just text about a.test\n");
        assert_eq!(s, "");
        assert_eq!(t, "just text about a.test\n");
    }

    #[test]
    fn encoded_words_are_searched_within_a_bound() {
        // a closing `?=` far beyond any real encoded word does not make one
        let far = format!("=?utf-8?q?{}?=", "a".repeat(2 * MAX_ENCODED_WORD));
        assert_eq!(decode_words(&far), far);
        // many unclosed words: each is left as text (and not scanned to the end of the input)
        let unclosed = "=?a?q?x ".repeat(50_000);
        assert_eq!(decode_words(&unclosed), unclosed);
        let (s, _) = subject_and_text(&format!("Subject: {unclosed}\n\nbody\n"));
        assert_eq!(s, unclosed.trim());
        // a word at the bound's edge still decodes
        let edge = format!("=?utf-8?q?{}?=", "b".repeat(MAX_ENCODED_WORD - 2));
        assert_eq!(decode_words(&edge), "b".repeat(MAX_ENCODED_WORD - 2));
    }

    proptest! {
        #[test]
        fn never_panics(data in "\\PC{0,400}", word in "=\\?[a-zA-Z0-9-]{0,8}\\?[bqBQx]?\\?[\\PC]{0,30}(\\?=)?") {
            let _ = subject_and_text(&data);
            let _ = decode_words(&word);
            let _ = decode_words(&data);
            let _ = quoted_printable(&data, true);
            let _ = base64(data.as_bytes());
        }
    }
}
