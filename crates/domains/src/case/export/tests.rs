use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::Value;

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn case_a() -> ExportCase {
    ExportCase {
        id: 1,
        domain: "login-bank.top".into(),
        registered: "login-bank.top".into(),
        state: CaseState::Notifying,
        resolution: None,
        brand: Some("Example Bank".into()),
        category: Category::Phishing,
        tlp: Tlp::Amber,
        registrar: Some("Registrar, Inc.".into()),
        registry: None,
        opened_at: ts("2023-01-05T00:10:00Z"),
        updated_at: ts("2023-01-06T08:00:00.250Z"),
        first_reported_at: ts("2023-01-05T00:00:00Z"),
        last_reported_at: ts("2023-01-06T00:00:00Z"),
        mitigated_at: None,
        mitigated_by: None,
        reports: 3,
        urls: vec![
            "https://login-bank.top/b".into(),
            "https://login-bank.top/a".into(),
            "https://login-bank.top/a".into(),
        ],
    }
}

fn case_b() -> ExportCase {
    ExportCase {
        id: 2,
        domain: "o'bad\\x.example".into(),
        registered: "example".into(),
        state: CaseState::Closed,
        resolution: Some(Resolution::Mitigated),
        brand: None,
        category: Category::C2,
        tlp: Tlp::Green,
        registrar: None,
        registry: Some("Registry".into()),
        opened_at: ts("2023-02-01T00:00:00Z"),
        updated_at: ts("2023-02-03T00:00:00Z"),
        first_reported_at: ts("2023-02-01T00:00:00Z"),
        last_reported_at: ts("2023-02-01T00:00:00Z"),
        mitigated_at: Some(ts("2023-02-02T12:00:00Z")),
        mitigated_by: Some("registrar".into()),
        reports: 1,
        urls: vec![],
    }
}

fn objects(b: &Value) -> &Vec<Value> {
    b["objects"].as_array().unwrap()
}

fn by_id<'a>(b: &'a Value, id: &str) -> &'a Value {
    objects(b).iter().find(|o| o["id"] == id).unwrap()
}

#[test]
fn sco_ids_match_the_stix_errata_vectors() {
    // STIX 2.1 Errata 01's deterministic id for example.com (what the OASIS stix2 library
    // computes; the original specification's example id, 3c10e93f-..., was not computed).
    assert_eq!(
        domain_name_id("example.com"),
        "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
    );
    assert_eq!(
        domain_name_id("control.example.com"),
        "domain-name--427e3664-0043-5865-b454-97df26649bde"
    );
}

#[test]
fn stix_time_has_milliseconds_and_z() {
    assert_eq!(
        stix_time(ts("2023-01-06T08:00:00.250Z")),
        "2023-01-06T08:00:00.250Z"
    );
    assert_eq!(
        stix_time(ts("2023-01-06T17:00:00+09:00")),
        "2023-01-06T08:00:00.000Z"
    );
}

#[test]
fn pattern_literals_escape_quote_and_backslash() {
    assert_eq!(stix_literal("a'b\\c"), r"'a\'b\\c'");
    assert_eq!(stix_literal("plain.example"), "'plain.example'");
}

#[test]
fn golden_stix_bundle_for_two_cases() {
    let cases = [case_a(), case_b()];
    let b = stix_bundle(&cases);
    assert_eq!(b["type"], "bundle");
    assert!(b["id"].as_str().unwrap().starts_with("bundle--"));
    // Stable: the same input gives the same document, ids included.
    assert_eq!(b, stix_bundle(&cases));
    let objs = objects(&b);
    // Two SCOs, two indicators, the two markings used (green, amber) in TLP order.
    let types: Vec<&str> = objs.iter().map(|o| o["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "domain-name",
            "indicator",
            "domain-name",
            "indicator",
            "marking-definition",
            "marking-definition"
        ]
    );
    assert_eq!(objs[4]["id"], tlp_marking_id(Tlp::Green));
    assert_eq!(objs[5]["id"], tlp_marking_id(Tlp::Amber));
    assert_eq!(objs[4]["name"], "TLP:GREEN");
    assert_eq!(
        objs[5]["id"],
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    );
    assert_eq!(objs[5]["extensions"][TLP2_EXTENSION]["tlp_2_0"], "amber");
    assert_eq!(
        objs[5]["extensions"][TLP2_EXTENSION]["extension_type"],
        "property-extension"
    );
    for o in objs {
        assert_eq!(o["spec_version"], "2.1");
    }

    // Case A.
    let sco = &objs[0];
    assert_eq!(sco["value"], "login-bank.top");
    assert_eq!(sco["id"], domain_name_id("login-bank.top"));
    assert_eq!(
        sco["object_marking_refs"],
        serde_json::json!([tlp_marking_id(Tlp::Amber)])
    );
    let ind = by_id(&b, &indicator_id(&cases[0]));
    let id = ind["id"].as_str().unwrap();
    let uuid = uuid::Uuid::parse_str(id.strip_prefix("indicator--").unwrap()).unwrap();
    assert_eq!(uuid.get_version_num(), 5);
    assert_eq!(ind["pattern"], "[domain-name:value = 'login-bank.top']");
    assert_eq!(ind["pattern_type"], "stix");
    assert_eq!(ind["valid_from"], "2023-01-05T00:00:00.000Z");
    assert_eq!(ind["created"], "2023-01-05T00:10:00.000Z");
    assert_eq!(ind["modified"], "2023-01-06T08:00:00.250Z");
    assert_eq!(
        ind["indicator_types"],
        serde_json::json!(["malicious-activity"])
    );
    assert_eq!(
        ind["labels"],
        serde_json::json!(["phishing", "fraud/phishing"])
    );
    assert_eq!(ind["name"], "Phishing domain login-bank.top (Example Bank)");
    assert!(
        ind["description"]
            .as_str()
            .unwrap()
            .contains("imitating Example Bank")
    );
    assert_eq!(
        ind["object_marking_refs"],
        serde_json::json!(["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"])
    );
    // Distinct, sorted report URLs.
    assert_eq!(
        ind["external_references"],
        serde_json::json!([
            {"source_name": "domwatch-report", "url": "https://login-bank.top/a"},
            {"source_name": "domwatch-report", "url": "https://login-bank.top/b"},
        ])
    );

    // Case B: the hostile value is escaped in the pattern, plain in the SCO.
    let ind = by_id(&b, &indicator_id(&cases[1]));
    assert_eq!(ind["pattern"], r"[domain-name:value = 'o\'bad\\x.example']");
    assert_eq!(objs[2]["value"], "o'bad\\x.example");
    assert_eq!(
        ind["labels"],
        serde_json::json!(["c2", "malicious-code/c2-server"])
    );
    assert!(ind.get("external_references").is_none());
    assert_eq!(
        ind["object_marking_refs"],
        serde_json::json!(["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"])
    );
    assert!(
        ind["description"]
            .as_str()
            .unwrap()
            .contains("mitigated at 2023-02-02T12:00:00.000Z by registrar")
    );

    // The ids depend on the case, not on the order of export.
    let swapped = stix_bundle(&[case_b(), case_a()]);
    assert!(
        objects(&swapped)
            .iter()
            .any(|o| o["id"] == indicator_id(&cases[0]))
    );
    assert_ne!(indicator_id(&cases[0]), indicator_id(&cases[1]));
}

#[test]
fn one_domain_in_two_cases_is_one_sco_with_the_stricter_label() {
    let mut later = case_a();
    later.id = 7;
    later.tlp = Tlp::Red;
    let b = stix_bundle(&[case_a(), later.clone()]);
    let scos: Vec<&Value> = objects(&b)
        .iter()
        .filter(|o| o["type"] == "domain-name")
        .collect();
    assert_eq!(scos.len(), 1);
    assert_eq!(
        scos[0]["object_marking_refs"],
        serde_json::json!([tlp_marking_id(Tlp::Red)])
    );
    assert_eq!(
        objects(&b)
            .iter()
            .filter(|o| o["type"] == "indicator")
            .count(),
        2
    );
    assert_ne!(indicator_id(&case_a()), indicator_id(&later));
}

#[test]
fn an_empty_export_is_a_bundle_without_objects() {
    let b = stix_bundle(&[]);
    assert_eq!(b["type"], "bundle");
    assert!(b.get("objects").is_none());
    let e = misp_event(
        &[],
        &MispMeta {
            info: "none".into(),
            generated_at: ts("2023-03-01T00:00:00Z"),
        },
    );
    assert_eq!(e["Event"]["Attribute"], serde_json::json!([]));
    assert_eq!(csv_export(&[]).unwrap().lines().count(), 1);
}

#[test]
fn all_tlp_marking_ids_are_the_oasis_ones() {
    let ids: Vec<&str> = Tlp::ALL.into_iter().map(tlp_marking_id).collect();
    assert_eq!(
        ids,
        [
            "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        ]
    );
    assert_eq!(tlp_marking(Tlp::AmberStrict)["name"], "TLP:AMBER+STRICT");
    assert_eq!(
        tlp_marking(Tlp::Clear)["created"],
        "2022-10-01T00:00:00.000Z"
    );
}

#[test]
fn misp_event_fields() {
    let meta = MispMeta {
        info: "domwatch export".into(),
        generated_at: ts("2023-03-01T00:00:00Z"),
    };
    let v = misp_event(&[case_a(), case_b()], &meta);
    assert_eq!(v, misp_event(&[case_a(), case_b()], &meta), "stable");
    let e = &v["Event"];
    assert_eq!(e["info"], "domwatch export");
    assert_eq!(e["date"], "2023-01-05");
    assert_eq!(e["threat_level_id"], "2", "the c2 case is medium");
    assert_eq!(e["analysis"], "1", "one case is still open");
    assert_eq!(e["distribution"], "0", "amber: your organisation only");
    assert_eq!(e["timestamp"], "1677628800");
    assert_eq!(e["published"], false);
    uuid::Uuid::parse_str(e["uuid"].as_str().unwrap()).unwrap();
    let tags: Vec<&str> = e["Tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "tlp:amber",
            "rsit:fraud=\"phishing\"",
            "rsit:malicious-code=\"c2-server\""
        ]
    );
    let attrs = e["Attribute"].as_array().unwrap();
    // A's domain and two URLs, B's domain.
    assert_eq!(attrs.len(), 4);
    assert_eq!(attrs[0]["type"], "domain");
    assert_eq!(attrs[0]["category"], "Network activity");
    assert_eq!(attrs[0]["value"], "login-bank.top");
    assert_eq!(attrs[0]["to_ids"], true);
    assert_eq!(
        attrs[0]["comment"],
        "case 1 (notifying), brand Example Bank"
    );
    assert_eq!(attrs[0]["Tag"][0]["name"], "tlp:amber");
    assert_eq!(attrs[1]["type"], "url");
    assert_eq!(attrs[1]["value"], "https://login-bank.top/a");
    assert_eq!(attrs[2]["value"], "https://login-bank.top/b");
    assert_eq!(attrs[3]["value"], "o'bad\\x.example");
    assert_eq!(attrs[3]["comment"], "case 2 (closed, mitigated)");
    assert_eq!(attrs[3]["Tag"][0]["name"], "tlp:green");
    let uuids: BTreeSet<&str> = attrs.iter().map(|a| a["uuid"].as_str().unwrap()).collect();
    assert_eq!(uuids.len(), 4);

    // All closed: complete; a clear-only event is shared with all communities.
    let mut b = case_b();
    b.tlp = Tlp::Clear;
    let e = misp_event(&[b], &meta);
    assert_eq!(e["Event"]["analysis"], "2");
    assert_eq!(e["Event"]["distribution"], "3");
    assert_eq!(e["Event"]["Tag"][0]["name"], "tlp:clear");
}

#[test]
fn csv_quotes_and_defuses_hostile_cells() {
    let mut a = case_a();
    a.brand = Some("=cmd|' /C calc'!A0".into());
    a.registrar = Some("Evil, \"Inc\"\nsecond line".into());
    a.registry = Some("@SUM(1+1)".into());
    a.mitigated_by = Some("+1".into());
    let out = csv_export(&[a, case_b()]).unwrap();
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        CSV_HEADER.to_vec()
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(&r[0], "1");
    assert_eq!(&r[1], "login-bank.top");
    assert_eq!(&r[3], "notifying");
    assert_eq!(&r[5], "'=cmd|' /C calc'!A0");
    assert_eq!(&r[6], "phishing");
    assert_eq!(&r[7], "amber");
    assert_eq!(&r[8], "Evil, \"Inc\"\nsecond line");
    assert_eq!(&r[9], "'@SUM(1+1)");
    assert_eq!(&r[10], "2023-01-05T00:00:00.000Z");
    assert_eq!(&r[13], "'+1");
    assert_eq!(&r[14], "3");
    assert_eq!(&r[15], "https://login-bank.top/a https://login-bank.top/b");
    let r = &rows[1];
    assert_eq!(&r[4], "mitigated");
    assert_eq!(&r[12], "2023-02-02T12:00:00.000Z");
    assert_eq!(&r[13], "registrar");
    // Every line that starts a record starts with the id (no cell leaks onto its own line).
    assert!(out.contains("\"Evil, \"\"Inc\"\"\nsecond line\""));
}

#[test]
fn urls_are_bounded() {
    let mut a = case_a();
    a.urls = (0..1000)
        .map(|i| format!("https://login-bank.top/{i:04}"))
        .collect();
    let b = stix_bundle(&[a.clone()]);
    let ind = by_id(&b, &indicator_id(&a));
    assert_eq!(
        ind["external_references"].as_array().unwrap().len(),
        MAX_URLS_PER_CASE
    );
    let e = misp_event(
        &[a],
        &MispMeta {
            info: "x".into(),
            generated_at: ts("2023-03-01T00:00:00Z"),
        },
    );
    assert_eq!(
        e["Event"]["Attribute"].as_array().unwrap().len(),
        1 + MAX_URLS_PER_CASE
    );
}

proptest! {
    #[test]
    fn builders_never_panic_and_stay_well_formed(
        domain in ".{0,40}",
        brand in proptest::option::of(".{0,40}"),
        registrar in proptest::option::of(".{0,40}"),
        urls in proptest::collection::vec(".{0,40}", 0..5),
        secs in -10_000_000_000i64..10_000_000_000i64,
    ) {
        let t = Timestamp::from_second(secs).unwrap();
        let c = ExportCase {
            domain: domain.clone(),
            brand,
            registrar,
            urls,
            opened_at: t,
            updated_at: t,
            first_reported_at: t,
            last_reported_at: t,
            ..case_a()
        };
        let b = stix_bundle(std::slice::from_ref(&c));
        let text = b.to_string();
        let back: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &b);
        let ind = by_id(&b, &indicator_id(&c));
        let pattern = ind["pattern"].as_str().unwrap();
        // The literal ends where it should: every quote inside is escaped.
        let inner = &pattern["[domain-name:value = '".len()..pattern.len() - 2];
        let mut chars = inner.chars();
        let mut unescaped = String::new();
        while let Some(ch) = chars.next() {
            match ch {
                '\\' => unescaped.push(chars.next().unwrap()),
                '\'' => prop_assert!(false, "unescaped quote in {}", pattern),
                ch => unescaped.push(ch),
            }
        }
        prop_assert_eq!(unescaped, domain);
        let _ = misp_event(std::slice::from_ref(&c), &MispMeta { info: "i".into(), generated_at: t });
        let out = csv_export(&[c]).unwrap();
        let mut rdr = csv::Reader::from_reader(out.as_bytes());
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        prop_assert_eq!(rows.len(), 1);
        for cell in rows[0].iter() {
            prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']));
        }
    }
}
