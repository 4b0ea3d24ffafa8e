use jiff::Timestamp;
use proptest::prelude::*;

use super::intake::*;
use super::stats::*;
use super::*;
use crate::SuffixList;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn target(s: &str) -> Result<Target, IntakeError> {
    Target::parse(s, SuffixList::embedded(), ServiceList::embedded())
}

#[test]
fn states_and_labels_parse() {
    for s in CaseState::ALL {
        assert_eq!(CaseState::parse(s.as_str()), Some(s));
    }
    assert_eq!(
        CaseState::parse(" Monitoring "),
        Some(CaseState::Monitoring)
    );
    assert_eq!(CaseState::parse("done"), None);
    assert_eq!(Tlp::parse("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
    assert_eq!(Tlp::parse("white"), Some(Tlp::Clear));
    assert_eq!(Tlp::parse("tlp:purple"), None);
    assert_eq!(Category::parse("fraud/phishing"), Some(Category::Phishing));
    assert_eq!(Category::parse("C2"), Some(Category::C2));
    assert_eq!(Resolution::parse("duplicate"), Some(Resolution::Duplicate));
}

#[test]
fn transitions_need_a_resolution_to_close() {
    assert!(CaseState::New.may_move_to(CaseState::Closed).is_err());
    assert!(CaseState::Closed.may_move_to(CaseState::Mitigated).is_err());
    assert!(
        CaseState::Closed
            .may_move_to(CaseState::Investigating)
            .is_ok()
    );
    assert!(
        CaseState::Notifying
            .may_move_to(CaseState::Mitigated)
            .is_ok()
    );
    assert!(!CaseState::Closed.is_open() && CaseState::Mitigated.is_open());
}

#[test]
fn defanged_input_is_understood() {
    assert_eq!(
        refang("hxxps://login[.]example[.]com/a"),
        "https://login.example.com/a"
    );
    assert_eq!(refang("hXXp[:]//x(.)test"), "http://x.test");
    assert_eq!(refang("evil[dot]top"), "evil.top");
    let t = target("hxxps://secure-login[.]kuronekoyamatc[.]cc/path?q=1").unwrap();
    assert_eq!(t.domain.as_str(), "kuronekoyamatc.cc");
    assert_eq!(t.host.as_str(), "secure-login.kuronekoyamatc.cc");
    assert_eq!(
        t.url.as_deref(),
        Some("https://secure-login.kuronekoyamatc.cc/path?q=1")
    );
    assert!(t.service.is_none());
}

#[test]
fn case_keys_follow_the_registrable_domain() {
    let t = target("www.ucscard.co.jp.okiae.com/login").unwrap();
    assert_eq!(t.domain.as_str(), "okiae.com");
    assert_eq!(t.registered.as_str(), "okiae.com");
    assert!(t.url.is_none());
    let t = target("https://amzanao.co.ip.geponitor.shop/x").unwrap();
    assert_eq!(t.domain.as_str(), "geponitor.shop");
    let t = target("user@biglobes.net:8443").unwrap();
    assert_eq!(t.domain.as_str(), "biglobes.net");
    let t = target("https://www.example.co.jp/").unwrap();
    assert_eq!(t.domain.as_str(), "example.co.jp");
}

#[test]
fn subdomain_services_and_dynamic_dns_are_cases_at_the_service() {
    let t = target("https://evil-login.workers.dev/").unwrap();
    assert_eq!(t.domain.as_str(), "evil-login.workers.dev");
    assert_eq!(t.registered.as_str(), "workers.dev");
    let s = t.service.unwrap();
    assert_eq!(s.suffix, "workers.dev");
    assert_eq!(s.kind, ServiceKind::SubdomainService);

    let t = target("http://a.b.paypal-verify.duckdns.org/x").unwrap();
    assert_eq!(t.domain.as_str(), "paypal-verify.duckdns.org");
    assert_eq!(t.registered.as_str(), "duckdns.org");
    assert_eq!(t.service.unwrap().kind, ServiceKind::DynamicDns);

    // The provider's own name is the provider's domain, not an account.
    let t = target("https://duckdns.org/").unwrap();
    assert_eq!(t.domain.as_str(), "duckdns.org");
    assert!(t.service.is_none());
}

#[test]
fn what_names_no_case_is_refused() {
    assert_eq!(target("  "), Err(IntakeError::Empty));
    assert!(matches!(
        target("http://192.0.2.1/login"),
        Err(IntakeError::Address(_))
    ));
    assert!(matches!(target("10.0.0.1"), Err(IntakeError::Address(_))));
    assert!(matches!(target("co.jp"), Err(IntakeError::PublicSuffix(_))));
    assert!(matches!(target("http://"), Err(IntakeError::Url(_))));
    assert!(target("not a name!").is_err());
    assert_eq!(
        target(&"a".repeat(MAX_INPUT + 1)),
        Err(IntakeError::TooLong)
    );
}

#[test]
fn offsets_and_dates() {
    assert_eq!(parse_offset("+09:00"), Some(jst()));
    assert_eq!(parse_offset("+0900"), Some(jst()));
    assert_eq!(parse_offset("+9"), Some(jst()));
    assert_eq!(parse_offset("UTC"), Some(jiff::tz::Offset::UTC));
    assert_eq!(parse_offset("+25:00"), None);
    assert_eq!(parse_offset("Tokyo"), None);
    // Found by `intake_never_panics`: four bytes after the sign, one character (no panic).
    assert_eq!(parse_offset("+𐀀"), None);
    assert_eq!(parse_offset("-é1"), None);
    assert_eq!(
        parse_date("2023/01/04 13:39:00", jst()),
        Some(ts("2023-01-04T04:39:00Z"))
    );
    assert_eq!(
        parse_date("2023-01-01", jst()),
        Some(ts("2022-12-31T15:00:00Z"))
    );
    assert_eq!(
        parse_date("2023-01-04T13:39:00+01:00", jst()),
        Some(ts("2023-01-04T12:39:00Z"))
    );
    assert_eq!(
        parse_date("2023-01-04 13:39", jst()),
        Some(ts("2023-01-04T04:39:00Z"))
    );
    assert_eq!(parse_date("yesterday", jst()), None);
    assert_eq!(parse_date("2023-02-30", jst()), None);
}

const JPCERT: &str = "date,URL,description
2023/01/04 13:39:00,https://smoggyquagga.build067.wpsandbox.app/xserver.ne.jp/,エックスサーバー株式会社
2023/01/04 13:43:00,https://lifes-little-pleasures.com/jp,イオンカード
2023/01/01 00:10:00,\"https://amzanao.co.ip.geponitor.shop/a,b\",Amazon
bad date,https://x.test/,x
2023/01/05 00:00:00,,empty
";

#[test]
fn the_jpcert_layout_reads_jst_dates_and_keeps_going_past_bad_rows() {
    let (rows, errors) = parse_csv(
        JPCERT.as_bytes(),
        &CsvLayout::jpcert(),
        ts("2026-01-01T00:00:00Z"),
    )
    .unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].line, 2);
    assert_eq!(rows[0].reported_at, ts("2023-01-04T04:39:00Z"));
    assert_eq!(rows[0].brand.as_deref(), Some("エックスサーバー株式会社"));
    assert_eq!(rows[2].input, "https://amzanao.co.ip.geponitor.shop/a,b");
    // Midnight-ten JST on New Year's day is still 2022 in UTC.
    assert_eq!(rows[2].reported_at, ts("2022-12-31T15:10:00Z"));
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, 5);
    assert!(errors[0].message.contains("date"));
    assert_eq!(errors[1].line, 6);
}

#[test]
fn csv_mapping_names_the_columns() {
    let data = "Reported,Link,Target,Kind\n2024-10-02,hxxp://ucs-card[.]top/,UCS,phishing\n2024-10-03,x.test,UCS,worm\n";
    let layout = CsvLayout::default()
        .with_mapping("url=Link,date=Reported,brand=Target,category=Kind")
        .unwrap();
    let (rows, errors) = parse_csv(data.as_bytes(), &layout, ts("2026-01-01T00:00:00Z")).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].category, Some(Category::Phishing));
    assert_eq!(rows[0].reported_at, ts("2024-10-02T00:00:00Z"));
    assert!(errors[0].message.contains("category"), "{errors:?}");
    assert!(CsvLayout::default().with_mapping("colour=x").is_err());
    let e = parse_csv(
        b"a,b\n1,2\n",
        &CsvLayout::default(),
        ts("2026-01-01T00:00:00Z"),
    )
    .unwrap_err();
    assert!(e.message.contains("no column"), "{e}");
}

#[test]
fn url_lists_skip_comments() {
    let (rows, errors) = parse_url_list(
        "# feed\nhxxp://a[.]test/\n\n  b.test  \n",
        ts("2026-01-01T00:00:00Z"),
    );
    assert!(errors.is_empty());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].input, "b.test");
    assert_eq!(rows[1].line, 4);
}

fn fact(at: &str, url: &str, registered: &str) -> ReportFact {
    ReportFact {
        reported_at: ts(at),
        url: Some(url.into()),
        host: registered.into(),
        registered: registered.into(),
        brand: None,
        registrar: None,
        origin: Origin::Unknown,
    }
}

#[test]
fn origin_from_the_creation_date() {
    let first = ts("2026-10-01T00:00:00Z");
    assert_eq!(Origin::of(true, None, first), Origin::Service);
    assert_eq!(Origin::of(false, None, first), Origin::Unknown);
    assert_eq!(
        Origin::of(false, Some(ts("2026-09-27T00:00:00Z")), first),
        Origin::MaliciousRegistration
    );
    assert_eq!(
        Origin::of(false, Some(ts("2026-07-03T00:00:00Z")), first),
        Origin::MaliciousRegistration,
        "90 days"
    );
    assert_eq!(
        Origin::of(false, Some(ts("2019-01-01T00:00:00Z")), first),
        Origin::Compromised
    );
    let mut a = fact("2026-10-01T00:00:00Z", "http://a.top/", "a.top");
    a.origin = Origin::MaliciousRegistration;
    let b = fact("2026-10-01T00:00:00Z", "http://b.com/", "b.com");
    let rows = phishing(&[a, b], &[Dim::Origin], jiff::tz::Offset::UTC, None, None);
    let keys: Vec<&str> = rows.iter().map(|r| r.keys[0].as_str()).collect();
    assert_eq!(keys, ["malicious-registration", "unknown"]);
}

#[test]
fn phishing_counts_distinct_domains_and_urls_per_month_and_tld() {
    let facts = vec![
        fact("2024-10-01T00:00:00Z", "https://a.top/1", "a.top"),
        fact("2024-10-02T00:00:00Z", "https://a.top/2", "a.top"),
        fact("2024-10-02T00:00:00Z", "https://a.top/2", "a.top"),
        fact("2024-10-03T00:00:00Z", "https://b.top/", "b.top"),
        fact("2024-10-03T00:00:00Z", "https://c.com/", "c.com"),
        // 2024-10-31T20:00Z is November in JST.
        fact("2024-10-31T20:00:00Z", "https://d.top/", "d.top"),
    ];
    let rows = phishing(
        &facts,
        &[Dim::Month, Dim::Tld],
        jiff::tz::Offset::UTC,
        None,
        None,
    );
    let got: Vec<(Vec<String>, usize, usize)> = rows
        .iter()
        .map(|r| (r.keys.clone(), r.domains, r.urls))
        .collect();
    assert_eq!(
        got,
        vec![
            (vec!["2024-10".into(), "com".into()], 1, 1),
            (vec!["2024-10".into(), "top".into()], 3, 4),
        ]
    );
    let rows = phishing(&facts, &[Dim::Month], jst(), None, None);
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[1].keys[0].as_str(), rows[1].domains), ("2024-11", 1));
    let rows = phishing(
        &facts,
        &[Dim::TldKind],
        jiff::tz::Offset::UTC,
        Some(ts("2024-10-02T00:00:00Z")),
        Some(ts("2024-10-03T00:00:00Z")),
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].keys[0].as_str(), rows[0].domains, rows[0].urls),
        ("gtld", 1, 1)
    );
    assert_eq!(
        Dim::parse_list("month, tld,month").unwrap(),
        vec![Dim::Month, Dim::Tld]
    );
    assert_eq!(Dim::parse_list("month,colour").unwrap_err(), "colour");
    assert_eq!(tld_kind("jp"), "cctld");
    assert_eq!(tld_kind("top"), "gtld");
}

#[test]
fn mitigation_counts_and_medians() {
    let case = |domain: &str, state, mitigated: Option<(&str, &str)>| CaseFact {
        domain: domain.into(),
        registrar: None,
        registry: None,
        state,
        resolution: None,
        first_reported_at: ts("2024-10-01T00:00:00Z"),
        notified_at: Some(ts("2024-10-01T12:00:00Z")),
        mitigated_at: mitigated.map(|m| ts(m.0)),
        mitigated_by: mitigated.map(|m| m.1.to_string()),
    };
    let cases = vec![
        case(
            "a.top",
            CaseState::Mitigated,
            Some(("2024-10-02T00:00:00Z", "registry")),
        ),
        case(
            "b.top",
            CaseState::Mitigated,
            Some(("2024-10-04T00:00:00Z", "registry")),
        ),
        case("c.top", CaseState::Monitoring, None),
        case("d.top", CaseState::New, None),
        case(
            "e.com",
            CaseState::Mitigated,
            Some(("2024-10-06T00:00:00Z", "registrar")),
        ),
    ];
    let rows = mitigation(&cases, MitigationBy::Tld, None, None);
    assert_eq!(rows.len(), 2);
    let top = &rows[1];
    assert_eq!(top.key, "top");
    assert_eq!(
        (top.cases, top.mitigated, top.not_mitigated, top.unprocessed),
        (4, 2, 1, 1)
    );
    // One day and three days: the median is two days.
    assert_eq!(top.median_from_report_s, Some(2 * 86_400));
    assert_eq!(top.median_from_notification_s, Some(2 * 86_400 - 12 * 3600));
    assert_eq!(top.acted, vec![("registry".to_string(), 2)]);
}

proptest! {
    #[test]
    fn intake_never_panics(s in ".{0,300}") {
        let _ = target(&s);
        let _ = refang(&s);
        let _ = parse_date(&s, jst());
        let _ = parse_offset(&s);
        let _ = parse_url_list(&s, ts("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn csv_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut input = b"date,URL,description\n".to_vec();
        input.extend(data);
        let _ = parse_csv(&input, &CsvLayout::jpcert(), ts("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn a_found_case_domain_contains_the_host(label in "[a-z0-9]{1,20}", tld in "(com|top|co\\.jp|workers\\.dev|duckdns\\.org)") {
        let host = format!("www.{label}.{tld}");
        if let Ok(t) = target(&format!("https://{host}/")) {
            prop_assert!(t.host.is_subdomain_of(&t.domain) || t.host == t.domain);
            prop_assert!(t.domain.is_subdomain_of(&t.registered) || t.domain == t.registered);
        }
    }
}
