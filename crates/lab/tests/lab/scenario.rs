use lab::Scenario;
use proptest::prelude::*;

#[test]
fn default_scenario_parses_and_has_demo_material() {
    let s = Scenario::builtin("default").unwrap();
    assert!(s.brands().iter().any(|b| b == "kuronekoyamato.co.jp"));
    for n in [
        "kuronekoyamatc.cc",
        "biglobes.net",
        "ucs-card.top",
        "www.ucscard.co.jp.okiae.com",
        "us-west-1-amazon.ua-energy.cloud",
        "aws-s3.cloud",
        "ns-650.awsdns-017.net",
    ] {
        assert!(s.feed().iter().any(|f| f == n), "feed lacks {n}");
    }
    assert!(s.watch_names().iter().any(|w| w == "newxt.com"));
    assert_eq!(Scenario::builtin_names(), vec!["default"]);
    assert!(Scenario::builtin("nope").is_err());
}

#[test]
fn invalid_scenarios_are_rejected() {
    assert!(Scenario::from_toml("").is_err());
    assert!(Scenario::from_toml("[scenario]\nname='x'\nstart='2026-01-01'\n").is_err());
    let text = include_str!("../../scenarios/default.toml");
    let bad = text.replace(
        "registrar = \"cheapreg\"\nregistered = \"2026-09-28\"",
        "registrar = \"nobody\"\nregistered = \"2026-09-28\"",
    );
    assert!(Scenario::from_toml(&bad).is_err());
    let bad = text.replace(
        "\"@ A 198.51.100.200\", \"www A 198.51.100.200\"]",
        "\"@ A not-an-address\"]",
    );
    assert!(Scenario::from_toml(&bad).is_err());
}

proptest! {
    #[test]
    fn parser_never_panics(text in ".{0,400}") {
        let _ = Scenario::from_toml(&text);
    }

    #[test]
    fn parser_never_panics_on_mutated_default(pos in 0usize..40000, junk in "[\\[\\]=\"a-z0-9. \n]{0,20}") {
        let text = include_str!("../../scenarios/default.toml");
        let mut p = pos.min(text.len());
        while !text.is_char_boundary(p) { p -= 1; }
        let mutated = format!("{}{}{}", &text[..p], junk, &text[p..]);
        let _ = Scenario::from_toml(&mutated);
    }
}
