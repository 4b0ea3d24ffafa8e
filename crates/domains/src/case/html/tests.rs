use proptest::prelude::*;

use super::*;

const EVIL: &str = "<script>alert(\"x\")</script>\" onload=\"x";

fn meta() -> Meta {
    Meta {
        title: format!("Phishing {EVIL}"),
        subtitle: "2023-01 to 2023-03".into(),
    }
}

fn row(keys: &[&str], domains: usize, urls: usize) -> PhishingRow {
    PhishingRow {
        keys: keys.iter().map(|k| k.to_string()).collect(),
        domains,
        urls,
    }
}

/// No raw markup from data: no script element, no attribute broken out of.
fn assert_safe(html: &str) {
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    assert!(!html.contains("\" onload="), "{html}");
    // Self-contained: nothing fetched.
    for bad in ["src=", "href=", "<link", "url(", "@import"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
}

#[test]
fn phishing_page_has_chart_table_and_escapes() {
    let month_tld = vec![
        row(&["2023-01", "com"], 10, 12),
        row(&["2023-01", "top"], 4, 4),
        row(&["2023-02", "com"], 6, 6),
        row(&["2023-02", "jp"], 3, 3),
        row(&["2023-02", "xyz"], 2, 2),
        row(&["2023-02", "shop"], 1, 1),
        row(&["2023-02", "cn"], 1, 1),
        row(&["2023-03", EVIL], 1, 1),
    ];
    let table = vec![row(&["2023-01", EVIL], 1, 1)];
    let html = phishing(&meta(), &[Dim::Month, Dim::Brand], &table, &month_tld).unwrap();
    assert_safe(&html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("<th>month</th><th>brand</th><th>domains</th><th>urls</th>"));
    // Five TLDs with their colour and `other` for the rest (sixth colour).
    for t in [".com", ".top", ".jp", ".xyz"] {
        assert!(html.contains(&format!(">{t}</text>")), "{t}");
    }
    assert!(html.contains(">other</text>"));
    assert!(html.contains("class=\"c5\""));
    assert!(!html.contains("class=\"c6\""));
    // One bar per month.
    assert_eq!(html.matches("<g>").count(), 3);
    assert!(html.contains("<title>2023-01 .com: 10</title>"));
}

#[test]
fn phishing_without_months_has_no_chart() {
    let html = phishing(&meta(), &[Dim::Tld], &[row(&["com"], 1, 1)], &[]).unwrap();
    assert!(!html.contains("<svg"));
    assert!(html.contains("<td class=\"n\">1</td>"));
}

#[test]
fn mitigation_page_escapes_registrars() {
    let rows = vec![
        MitigationRow {
            key: EVIL.into(),
            cases: 5,
            mitigated: 3,
            not_mitigated: 1,
            unprocessed: 1,
            median_from_report_s: Some(2 * 86_400 + 43_200),
            median_from_notification_s: Some(5400),
            acted: vec![(format!("registrar{EVIL}"), 3)],
        },
        MitigationRow {
            key: "Registrar B".into(),
            cases: 2,
            mitigated: 0,
            not_mitigated: 2,
            unprocessed: 0,
            median_from_report_s: None,
            median_from_notification_s: None,
            acted: vec![],
        },
    ];
    let html = mitigation(&meta(), "registrar", &rows).unwrap();
    assert_safe(&html);
    assert!(html.contains("<svg"));
    assert!(html.contains(">2.5d</td>"));
    assert!(html.contains(">1.5h</td>"));
    assert!(html.contains(">mitigated</text>"));
    assert!(html.contains(">unprocessed</text>"));
    // Registrar B: one segment (not mitigated), no empty rectangles.
    assert!(html.contains("<title>Registrar B not mitigated: 2</title>"));
    assert!(!html.contains("<title>Registrar B mitigated"));
}

#[test]
fn domains_page_colours_states() {
    let rows = vec![
        DomainRow {
            domain: EVIL.into(),
            report_date: "2023-01-05".into(),
            response_date: String::new(),
            acted: "'\"><img>".into(),
            status: "escalated".into(),
            observed: "<script>active</script>".into(),
            state: CaseState::Escalated,
            mitigated: false,
        },
        DomainRow {
            domain: "b.example".into(),
            report_date: "2023-01-06".into(),
            response_date: "2023-01-07".into(),
            acted: "registrar".into(),
            status: "closed (mitigated)".into(),
            observed: "server-hold (serverHold)".into(),
            state: CaseState::Closed,
            mitigated: true,
        },
    ];
    let html = domains(&meta(), &rows).unwrap();
    assert_safe(&html);
    assert!(!html.contains("<img"));
    assert!(html.contains("server-hold (serverHold)"));
    assert!(!html.contains("<svg"));
    assert!(html.contains("<tr class=\"st-escalated\">"));
    assert!(html.contains("<tr class=\"st-closed-mitigated\">"));
}

#[test]
fn months_without_reports_get_an_empty_bar() {
    let rows = vec![
        row(&["2022-11", "com"], 2, 2),
        row(&["2023-02", "com"], 1, 1),
    ];
    let html = phishing(&meta(), &[Dim::Month, Dim::Tld], &rows, &rows).unwrap();
    for m in ["2022-11", "2022-12", "2023-01", "2023-02"] {
        assert!(html.contains(&format!(">{m}</text>")), "{m}");
    }
    assert_eq!(html.matches("<g>").count(), 4);
    // Labels that are not months are left alone.
    let mut g = vec![
        ("2023-01".to_string(), vec![1]),
        ("soon".to_string(), vec![1]),
    ];
    fill_months(&mut g, 1);
    assert_eq!(g.len(), 2);
    let mut g = vec![
        ("1990-01".to_string(), vec![1]),
        ("2023-01".to_string(), vec![1]),
    ];
    fill_months(&mut g, 1);
    assert_eq!(g.len(), 2, "too long a span stays sparse");
}

#[test]
fn ticks_are_round() {
    assert_eq!(tick_step(1), 1);
    assert_eq!(tick_step(7), 2);
    assert_eq!(tick_step(23), 5);
    assert_eq!(tick_step(480), 100);
    assert!(tick_step(u64::MAX) >= 1);
}

proptest! {
    #[test]
    fn pages_never_panic_and_never_carry_raw_markup(
        keys in proptest::collection::vec(("(<script>|[a-z<>\"'&]{0,12})", "[a-z<>\"'&.]{0,8}"), 0..12),
        n in 0usize..100_000,
    ) {
        let rows: Vec<PhishingRow> = keys
            .iter()
            .map(|(m, t)| row(&[m, t], n, n))
            .collect();
        let html = phishing(&meta(), &[Dim::Month, Dim::Tld], &rows, &rows).unwrap();
        prop_assert!(!html.contains("<script"));
        let m: Vec<MitigationRow> = keys
            .iter()
            .map(|(k, _)| MitigationRow {
                key: k.clone(),
                cases: n,
                mitigated: n / 2,
                not_mitigated: n / 3,
                unprocessed: n - n / 2 - n / 3,
                median_from_report_s: Some(n as i64),
                median_from_notification_s: None,
                acted: vec![(k.clone(), n)],
            })
            .collect();
        let html = mitigation(&meta(), "tld", &m).unwrap();
        prop_assert!(!html.contains("<script"));
    }
}
