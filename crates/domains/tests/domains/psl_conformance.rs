//! Every case of the official PSL conformance file (`test_psl.txt`) must pass: the input goes
//! through `DomainName::parse` (as any user input does), then the registrable domain is taken
//! from the whole list (ICANN + private), which is what the test file specifies.

use domains::{DomainName, Section, SuffixList};

fn unquote(arg: &str) -> Option<String> {
    let arg = arg.trim();
    if arg == "null" {
        return None;
    }
    Some(arg.trim_matches('\'').to_string())
}

#[test]
fn official_test_psl_cases_pass() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/psl/test_psl.txt"
    );
    let text = std::fs::read_to_string(path).expect("tests/fixtures/psl/test_psl.txt");
    let list = SuffixList::embedded();
    let mut cases = 0;
    let mut failures = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(args) = line
            .strip_prefix("checkPublicSuffix(")
            .and_then(|r| r.strip_suffix(");"))
        else {
            continue;
        };
        let Some((input, expected)) = args.split_once(',') else {
            continue;
        };
        cases += 1;
        let input = unquote(input);
        let expected = unquote(expected).map(|e| {
            DomainName::parse(&e)
                .expect("expected values are valid names")
                .as_str()
                .to_string()
        });
        let got = input.as_deref().and_then(|i| {
            let name = DomainName::parse(i).ok()?;
            list.registrable(name.as_str(), Section::All)
                .map(str::to_string)
        });
        if got != expected {
            failures.push(format!("{input:?}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(cases >= 70, "only {cases} cases read");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
