//! Just enough MIME for abuse desks to read reports, on `mail_parser`: the Subject (RFC 2047
//! words decoded, any charset) and the readable text: text parts (base64, quoted-printable,
//! charsets decoded; HTML as written, so its links are searched too) and forwarded messages
//! (their Subject and text, [`MAX_DEPTH`] levels deep), joined. The desks only look for domain
//! names. Input is bounded by the SMTP server (`MAX_MESSAGE`); a text without headers is read
//! as a body.

use mail_parser::{Message, MessageParser, PartType};

/// How many forwarded messages deep the text is read.
const MAX_DEPTH: u8 = 4;

/// The Subject and the readable text of a message.
pub(crate) fn subject_and_text(data: &str) -> (String, String) {
    let Some(msg) = MessageParser::default().parse(data.as_bytes()) else {
        return (String::new(), data.to_string());
    };
    let subject = msg.subject().unwrap_or_default().to_string();
    let mut pieces = Vec::new();
    texts(&msg, 0, &mut pieces);
    // One part: its text as it is; several: each on its own line(s).
    let text = match pieces.as_slice() {
        [one] => one.clone(),
        many => many.iter().fold(String::new(), |mut out, p| {
            out.push_str(p);
            out.push('\n');
            out
        }),
    };
    (subject, text)
}

fn texts(msg: &Message<'_>, depth: u8, out: &mut Vec<String>) {
    for part in &msg.parts {
        match &part.body {
            PartType::Text(t) | PartType::Html(t) if !t.is_empty() => out.push(t.to_string()),
            PartType::Message(m) if depth < MAX_DEPTH => {
                if let Some(s) = m.subject() {
                    out.push(s.to_string());
                }
                texts(m, depth + 1, out);
            }
            _ => {}
        }
    }
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
    fn iso_2022_jp_and_forwarded_messages() {
        // 「偽サイト」 in ISO-2022-JP, as a Japanese mailer sends it.
        let msg = "Subject: =?ISO-2022-JP?B?GyRCNTYlNSUkJUgbKEI=?=\n\
                   Content-Type: multipart/mixed; boundary=\"m\"\n\n\
                   --m\nContent-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B56%5%$%H\x1b(B fake-yamato.cc\n\
                   --m\nContent-Type: message/rfc822\n\n\
                   Subject: inner about inner-phish.top\nContent-Type: text/html\n\n<a href=\"http://inner-link.top/\">x</a>\n\
                   --m--\n";
        let (s, t) = subject_and_text(msg);
        assert_eq!(s, "偽サイト");
        assert!(t.contains("偽サイト fake-yamato.cc"), "{t:?}");
        assert!(t.contains("inner-phish.top"), "{t:?}");
        assert!(t.contains("http://inner-link.top/"), "{t:?}");
    }

    #[test]
    fn long_subjects_of_unclosed_encoded_words_are_read_quickly() {
        // Many unclosed words: each is left as text, and not scanned to the end of the input
        // (quadratic work) - this finishes in well under a second.
        let unclosed = "=?a?q?x ".repeat(50_000);
        let started = std::time::Instant::now();
        let (s, t) = subject_and_text(&format!("Subject: {unclosed}\n\nbody\n"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(s, unclosed.trim());
        assert_eq!(t, "body\n");
    }

    proptest! {
        #[test]
        fn never_panics(data in "\\PC{0,400}", word in "=\\?[a-zA-Z0-9-]{0,8}\\?[bqBQx]?\\?[\\PC]{0,30}(\\?=)?") {
            let _ = subject_and_text(&data);
            let _ = subject_and_text(&format!("Subject: {word}\n\n{data}"));
            let _ = subject_and_text(&format!("Content-Type: multipart/mixed; boundary=b\n\n--b\n{data}\n--b--\n"));
        }
    }
}
