use super::*;
use crate::case::Category;
use proptest::prelude::*;

fn psl() -> &'static SuffixList {
    SuffixList::embedded()
}

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/mail/",
            $name
        ))
    };
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn plain_report() {
    let eml = read_eml(fixture!("plain.eml"), psl());
    assert_eq!(eml.subject.as_deref(), Some("Phishing sites to take down"));
    assert_eq!(
        eml.from.as_deref(),
        Some("CERT Example <abuse@cert-example.org>")
    );
    assert_eq!(eml.date, Some(at("2023-03-06T01:15:00Z")));
    assert_eq!(eml.key, "plain-1@cert-example.org");
    // The sentence's full stop is not part of the URL; the repeat is dropped; addresses and
    // mailto: are not targets; the signature's link is kept (we cannot tell).
    assert_eq!(
        eml.indicators,
        [
            "https://paypa1-login.com/verify?id=1",
            "https://www.cert-example.org/",
            "secure-bank-update.net/login",
        ]
    );
    assert!(eml.errors.is_empty(), "{:?}", eml.errors);

    let (reports, errors) = parse_eml(fixture!("plain.eml"), psl(), at("2024-01-01T00:00:00Z"));
    assert!(errors.is_empty());
    assert_eq!(reports.len(), 3);
    let r = &reports[0];
    assert_eq!(r.line, 1);
    assert!(r.dated);
    assert_eq!(r.reported_at, at("2023-03-06T01:15:00Z"));
    assert_eq!(
        r.description.as_deref(),
        Some("Phishing sites to take down")
    );
    assert_eq!(
        r.reporter.as_deref(),
        Some("CERT Example <abuse@cert-example.org>")
    );
    assert_eq!(r.key_hint.as_deref(), Some("plain-1@cert-example.org"));
    assert_eq!(r.category, None);
}

#[test]
fn quoted_printable_html_with_defanged_urls() {
    let eml = read_eml(fixture!("qp-html.eml"), psl());
    assert_eq!(eml.subject.as_deref(), Some("Signalement d'hameçonnage"));
    assert_eq!(
        eml.from.as_deref(),
        Some("Société CERT <soc@cert-example.fr>")
    );
    assert_eq!(
        eml.indicators,
        [
            // text/plain: defanged, refanged
            "https://login-micros0ft.com/auth?u=1&v=2",
            "office365-verify.info",
            // text/html: the links (not mailto:, not the cid: image), entities decoded
            "https://track.mailer-example.net/c/abc?x=1&y=2",
            "http://second-phish.xyz/login",
        ]
    );
}

#[test]
fn iso_2022_jp_subject_and_body() {
    let eml = read_eml(fixture!("iso-2022-jp.eml"), psl());
    assert_eq!(eml.subject.as_deref(), Some("フィッシングサイトの報告"));
    assert_eq!(eml.from.as_deref(), Some("報告者 <info@jpcert-example.jp>"));
    assert_eq!(eml.date, Some(at("2023-03-08T00:30:00Z")));
    assert_eq!(
        eml.indicators,
        [
            "https://amazon-co-jp.signin-check.top/ap/signin",
            "yamato-delivery-info.cc",
        ]
    );
}

#[test]
fn japanese_text_right_after_a_url_or_name() {
    let msg = "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
               偽サイトhttps://evil-shop.top/loginです。「fake-bank.cc」はフィッシングサイト\r\n\
               またはfake-post.xyzを確認\r\n";
    let eml = read_eml(msg.as_bytes(), psl());
    assert_eq!(
        eml.indicators,
        [
            "https://evil-shop.top/login",
            "fake-bank.cc",
            "fake-post.xyz"
        ]
    );
    // A name in Japanese (IDN) is kept whole.
    let msg = "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhttps://例え.jp/ログイン と 偽物.jp\r\n";
    let eml = read_eml(msg.as_bytes(), psl());
    assert_eq!(eml.indicators, ["https://例え.jp/ログイン", "偽物.jp"]);
}

#[test]
fn forwarded_phish_is_read() {
    let data = fixture!("forwarded.eml");
    let eml = read_eml(data, psl());
    assert_eq!(eml.subject.as_deref(), Some("Fwd: Your account is locked"));
    assert_eq!(eml.from.as_deref(), Some("Alice User <alice@example.org>"));
    assert_eq!(eml.indicators, ["http://amaz0n-account-check.xyz/login"]);
    // No Message-ID: the message's bytes identify it.
    assert!(eml.key.starts_with("uuid5:"), "{}", eml.key);
    assert_eq!(eml.key, read_eml(data, psl()).key);
    let mut other = data.to_vec();
    other.extend_from_slice(b"\r\n");
    assert_ne!(eml.key, read_eml(&other, psl()).key);
}

#[test]
fn xarf_attachment_is_preferred_over_the_text() {
    let eml = read_eml(fixture!("xarf.eml"), psl());
    assert_eq!(eml.xarf.len(), 1, "{:?}", eml.errors);
    assert!(!eml.indicators.is_empty());
    let (reports, errors) = parse_eml(fixture!("xarf.eml"), psl(), at("2024-01-01T00:00:00Z"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.input, "http://files-download.top/invoice.exe");
    assert_eq!(r.category, Some(Category::Malware));
    assert_eq!(r.reported_at, at("2023-03-04T12:00:00Z"));
    assert_eq!(
        r.reporter.as_deref(),
        Some("Example Abuse Desk <reports@abuse-desk.example.com>")
    );
    assert_eq!(r.description.as_deref(), Some("[X-ARF] malware report"));
    assert_eq!(r.key_hint.as_deref(), Some("xarf-5@abuse-desk.example.com"));
}

#[test]
fn x_arf_header_marks_a_text_part() {
    let msg = "From: a@b.example\r\nSubject: r\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
               --b\r\nContent-Type: text/plain\r\n\r\nsee https://not-this.top/\r\n\
               --b\r\nContent-Type: text/plain\r\nX-ARF: yes\r\n\r\n\
               {\"Report\": {\"ReportType\": \"Phishing\", \"Date\": \"2023-01-02T00:00:00Z\", \"Url\": \"https://this-one.top/\"}}\r\n\
               --b--\r\n";
    let (reports, errors) = parse_eml(msg.as_bytes(), psl(), at("2024-01-01T00:00:00Z"));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].input, "https://this-one.top/");
    assert_eq!(reports[0].reporter.as_deref(), Some("a@b.example"));
}

#[test]
fn undated_message_gets_the_default_time() {
    let msg = "Subject: x\r\n\r\nhttps://undated-phish.top/\r\n";
    let when = at("2024-05-01T00:00:00Z");
    let (reports, _) = parse_eml(msg.as_bytes(), psl(), when);
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].reported_at, when);
    assert!(!reports[0].dated);
}

#[test]
fn a_message_without_targets_is_one_error() {
    let msg = "Subject: hello\r\n\r\nNothing to see, write to a@b.example.\r\n";
    let (reports, errors) = parse_eml(msg.as_bytes(), psl(), at("2024-01-01T00:00:00Z"));
    assert!(reports.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        "no URL, host name or X-ARF report in the message"
    );
}

#[test]
fn hostile_headers() {
    // CR LF in encoded display names and subjects: no header can be injected downstream.
    let msg = "From: =?utf-8?q?Evil=0D=0ABcc=3A_victim=40x=2Eorg?= <a@b.example>\r\n\
               Subject: =?utf-8?b?SGkNClgtSW5qZWN0ZWQ6IDE=?=\r\n\
               Message-ID: <id\r\n with-fold@x>\r\n\r\nhttps://hostile-headers.top/\r\n";
    let eml = read_eml(msg.as_bytes(), psl());
    assert_eq!(
        eml.from.as_deref(),
        Some("Evil Bcc: victim@x.org <a@b.example>")
    );
    assert_eq!(eml.subject.as_deref(), Some("Hi X-Injected: 1"));
    assert!(!eml.key.contains(['\r', '\n', ' ']), "{:?}", eml.key);
    assert_eq!(eml.indicators, ["https://hostile-headers.top/"]);

    // A 100k-long Subject and a 100k-long header: cut, and the body is still read.
    let long = "A".repeat(100_000);
    let msg = format!(
        "Subject: {long}\r\nX-Long: {long}\r\nFrom: {long} <x@y.example>\r\nMessage-ID: <{long}@x>\r\n\r\nhttps://after-long-headers.top/\r\n"
    );
    let eml = read_eml(msg.as_bytes(), psl());
    assert_eq!(eml.subject.as_ref().map(String::len), Some(MAX_HEADER_TEXT));
    assert!(
        eml.from
            .as_ref()
            .is_some_and(|f| f.len() <= MAX_HEADER_TEXT)
    );
    // A Message-ID longer than we keep: the bytes identify the message instead.
    assert!(eml.key.starts_with("uuid5:"));
    assert_eq!(eml.indicators, ["https://after-long-headers.top/"]);
}

#[test]
fn deeply_nested_multiparts() {
    let depth = 3_000;
    let mut msg = String::from("Subject: deep\r\n");
    for i in 0..depth {
        msg.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    msg.push_str("Content-Type: text/plain\r\n\r\nhttps://deep-inside.top/\r\n");
    for i in (0..depth).rev() {
        msg.push_str(&format!("--b{i}--\r\n"));
    }
    let eml = read_eml(msg.as_bytes(), psl());
    assert_eq!(eml.indicators, ["https://deep-inside.top/"]);

    // More parts than we look at: the rest is said to be unread.
    let mut msg =
        String::from("Subject: wide\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n");
    for _ in 0..MAX_PARTS + 5 {
        msg.push_str("--w\r\nContent-Type: text/plain\r\n\r\nx\r\n");
    }
    msg.push_str("--w--\r\n");
    let eml = read_eml(msg.as_bytes(), psl());
    assert_eq!(eml.errors.len(), 1, "{:?}", eml.errors);
    assert!(eml.errors[0].contains("MIME parts"));
}

#[test]
fn forwarded_messages_are_read_to_a_bounded_depth() {
    fn wrap(inner: &str, n: usize) -> String {
        format!(
            "Subject: level {n}\r\nContent-Type: multipart/mixed; boundary=\"l{n}\"\r\n\r\n\
             --l{n}\r\nContent-Type: text/plain\r\n\r\nhttps://level-{n}.top/\r\n\
             --l{n}\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--l{n}--\r\n"
        )
    }
    let mut msg = "Subject: bottom\r\n\r\nhttps://level-bottom.top/\r\n".to_string();
    for n in (0..=MAX_DEPTH + 1).rev() {
        msg = wrap(&msg, n);
    }
    let eml = read_eml(msg.as_bytes(), psl());
    let want: Vec<String> = (0..=MAX_DEPTH)
        .map(|n| format!("https://level-{n}.top/"))
        .collect();
    assert_eq!(eml.indicators, want);
    assert_eq!(eml.errors.len(), 1, "{:?}", eml.errors);
    assert!(eml.errors[0].contains("deeper than"));
}

#[test]
fn refang_anywhere_in_text() {
    assert_eq!(
        refang_text("see hXXps://a[.]b(.)c[dot]d{.}e[:]//x and HXXP[://]y[.]z"),
        "see https://a.b.c.d.e://x and http://y.z"
    );
    assert_eq!(refang_text("plain"), "plain");
    assert_eq!(trim_url("https://a.b/x)."), "https://a.b/x");
    assert_eq!(trim_url("https://a.b/w_(x)"), "https://a.b/w_(x)");
}

proptest! {
    #[test]
    fn never_panics_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let _ = parse_eml(&data, psl(), Timestamp::UNIX_EPOCH);
    }

    #[test]
    fn never_panics_on_messages(
        subject in "\\PC{0,80}",
        ctype in "(text/plain|text/html|multipart/mixed|message/rfc822|application/json)",
        enc in "(7bit|base64|quoted-printable|x)",
        body in "[\\PC\r\n\\[\\]().:/=?-]{0,400}",
    ) {
        let msg = format!(
            "Subject: {subject}\r\nContent-Type: {ctype}; boundary=\"b\"; charset=iso-2022-jp\r\n\
             Content-Transfer-Encoding: {enc}\r\n\r\n--b\r\nContent-Type: {ctype}\r\n\r\n{body}\r\n--b--\r\n"
        );
        let _ = parse_eml(msg.as_bytes(), psl(), Timestamp::UNIX_EPOCH);
        let _ = refang_text(&body);
    }
}

#[test]
fn text_without_headers_is_read_as_a_body() {
    let text = "phish at hxxps://no-headers-phish[.]top/x and bare-name.xyz\n";
    let eml = read_eml(text.as_bytes(), psl());
    assert_eq!(
        eml.indicators,
        ["https://no-headers-phish.top/x", "bare-name.xyz"]
    );
    assert_eq!(eml.subject, None);
    assert!(eml.key.starts_with("uuid5:"));
}
