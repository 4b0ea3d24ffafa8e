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

#[test]
fn a_start_out_of_range_and_negative_periods_are_scenario_errors() {
    let text = include_str!("../../scenarios/default.toml");
    for start in ["9999-12-31", "1900-01-01", "2200-01-01"] {
        let bad = text.replace("start = \"2026-10-01\"", &format!("start = \"{start}\""));
        assert_ne!(bad, text);
        let e = Scenario::from_toml(&bad).unwrap_err().to_string();
        assert!(e.contains("out of range"), "{start}: {e}");
    }
    let ok = text.replace("start = \"2026-10-01\"", "start = \"2199-12-31\"");
    assert!(Scenario::from_toml(&ok).is_ok());
    for (key, value) in [
        ("auto_renew_days", "-1"),
        ("redemption_days", "-30"),
        ("pending_delete_days", "-5"),
        ("pending_delete_days", "100000"),
    ] {
        let bad = text.replace(
            "tlds = [\"top\"]",
            &format!("tlds = [\"top\"]\n{key} = {value}"),
        );
        let e = Scenario::from_toml(&bad).unwrap_err().to_string();
        assert!(
            e.contains(key) && e.contains("0 to 3650"),
            "{key} {value}: {e}"
        );
    }
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

const MINIMAL: &str = r#"
[scenario]
name = "minimal"
start = "2027-01-01"
brands = ["example.com"]

[[root]]
name = "a.root-servers.net"
ip = "198.51.100.1"

[[registry]]
id = "reg"
name = "Example Registry"
tlds = ["test"]
whois = "whois.nic.test"
nameservers = [{ name = "ns.nic.test", ip = "198.51.100.2" }]
desk = { email = "abuse@nic.test", delay_days = 2, action = "delete" }

[[registrar]]
id = "rr"
name = "Example Registrar"
iana_id = 9999

[[hoster]]
id = "h"
name = "Hoster"
nameservers = [{ name = "ns1.hoster.test", ip = "203.0.113.1" }]

[[hoster]]
id = "dead"
name = "Dead hoster"
behaviour = "timeout"
nameservers = [{ name = "ns1.dead.test", ip = "203.0.113.9" }]

[[domain]]
name = "hoster.test"
registrar = "rr"
registered = "2020-01-01"
expires = "2030-01-01"
nameservers = ["ns1.hoster.test"]

[[domain]]
name = "a.test"
registrar = "rr"
registered = "2020-01-01"
expires = "2030-01-01"
nameservers = ["ns1.hoster.test"]
records = ["www A 192.0.2.1"]

[[domain.event]]
day = 1
kind = "update"
records = ["www A 192.0.2.2"]

[[domain.event]]
day = 2
kind = "suspend"

[[domain]]
name = "b.test"
registrar = "rr"
registered = "2020-01-01"
expires = "2030-01-01"
nameservers = ["ns1.hoster.test"]

[[domain.event]]
day = 3
kind = "delete"

[[domain]]
name = "c.test"
registrar = "rr"
registered = "2020-01-01"
expires = "2030-01-01"
nameservers = ["ns1.dead.test"]
"#;

#[tokio::test]
async fn minimal_scenario_update_suspend_delete_and_desk_delete() {
    use hickory_proto::op::ResponseCode;
    use hickory_proto::rr::RecordType;

    use super::common::{ask, dns_socket, udp_client};

    let s = Scenario::from_toml(MINIMAL).unwrap();
    let lab = lab::Lab::start(s).await.unwrap();
    let mut tld = udp_client(dns_socket(&lab, "198.51.100.2")).await;
    let mut host = udp_client(dns_socket(&lab, "203.0.113.1")).await;
    let (_, _, ans, ..) = ask(&mut host, "www.a.test.", RecordType::A).await;
    assert_eq!(ans, vec!["www.a.test. A 192.0.2.1"]);
    let out = lab.advance_days(1).await;
    assert!(
        out.events
            .iter()
            .any(|e| e.domain == "a.test" && e.kind == "update")
    );
    let (_, _, ans, ..) = ask(&mut host, "www.a.test.", RecordType::A).await;
    assert_eq!(ans, vec!["www.a.test. A 192.0.2.2"]);
    lab.advance_days(1).await;
    let (rc, ..) = ask(&mut tld, "www.a.test.", RecordType::A).await;
    assert_eq!(rc, ResponseCode::NXDomain, "serverHold");
    let reg = super::common::whois(&lab, "whois.nic.test", "a.test").await;
    assert!(reg.contains("Domain Status: serverHold"), "{reg}");
    let (rc, ..) = ask(&mut tld, "b.test.", RecordType::NS).await;
    assert_eq!(rc, ResponseCode::NoError);
    lab.advance_days(1).await;
    let (rc, ..) = ask(&mut tld, "b.test.", RecordType::NS).await;
    assert_eq!(rc, ResponseCode::NXDomain, "deleted");

    // the hoster in "timeout" mode never answers
    let mut dead = udp_client(dns_socket(&lab, "203.0.113.9")).await;
    let q = hickory_net::client::ClientHandle::query(
        &mut dead,
        "c.test.".parse().unwrap(),
        hickory_proto::rr::DNSClass::IN,
        RecordType::A,
    );
    let r = tokio::time::timeout(std::time::Duration::from_millis(800), q).await;
    assert!(r.is_err() || r.is_ok_and(|x| x.is_err()));

    // the registry desk deletes c.test two days after the report
    let sock = lab.net_config().smtp.unwrap();
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(sock).await.unwrap();
        s.write_all(b"HELO x\r\nMAIL FROM:<me@x.test>\r\nRCPT TO:<ABUSE@nic.test>\r\nDATA\r\nSubject: malware on c.test\r\n\r\nplease act\r\n.\r\nQUIT\r\n").await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.contains("250 2.0.0 OK: queued"), "{out}");
    }
    let out = lab.advance_days(2).await;
    assert!(
        out.events
            .iter()
            .any(|e| e.domain == "c.test" && e.kind == "delete"),
        "{:?}",
        out.events
    );
    let gone = super::common::whois(&lab, "whois.nic.test", "c.test").await;
    assert!(gone.starts_with("No match for"), "{gone}");
    lab.shutdown().await;
}
