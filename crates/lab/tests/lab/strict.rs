//! The lab as a strict peer (the RFC behaviour every other test trusts), checked with
//! hickory-built queries sent over plain UDP: ANY (RFC 8482), EDNS versions (RFC 6891 6.1.3),
//! truncation with the OPT record kept and the UDP size cap, DNSSEC records only with DO
//! (RFC 3225, RFC 4035 3.2.1).

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use lab::{Lab, Scenario};
use tokio::net::UdpSocket;

use super::common::{dns_socket, tcp_client};

struct Q {
    edns: Option<(u16, u8, bool)>,
}

impl Q {
    const PLAIN: Q = Q { edns: None };
    fn edns(payload: u16, version: u8, dnssec_ok: bool) -> Q {
        Q {
            edns: Some((payload, version, dnssec_ok)),
        }
    }
}

/// One question over UDP; the raw size of the answer and the answer.
async fn udp(server: SocketAddr, name: &str, t: RecordType, q: Q) -> (usize, Message) {
    let mut m = Message::query();
    m.metadata.id = 4242;
    m.metadata.recursion_desired = false;
    m.add_query(Query::query(Name::from_str(name).unwrap(), t));
    if let Some((payload, version, dnssec_ok)) = q.edns {
        let mut e = Edns::new();
        e.set_max_payload(payload);
        e.set_version(version);
        e.set_dnssec_ok(dnssec_ok);
        m.set_edns(e);
    }
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(&m.to_vec().unwrap(), server).await.unwrap();
    let mut buf = vec![0u8; 65_535];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
        .await
        .expect("an answer in time")
        .unwrap();
    (n, Message::from_vec(&buf[..n]).unwrap())
}

fn types(rs: &[hickory_proto::rr::Record]) -> Vec<RecordType> {
    rs.iter().map(|r| r.record_type()).collect()
}

async fn start() -> Lab {
    let mut text = Scenario::builtin_text("default").unwrap().to_string();
    // A zone whose TXT RRset is about 2,600 bytes (larger than any UDP answer the lab sends),
    // and one whose TXT RRset is about 700 bytes (fits 1232, not 512).
    let big: Vec<String> = (0..40)
        .map(|i| format!("'@ TXT \"big-{i:02}-{}\"'", "x".repeat(56)))
        .collect();
    let mid: Vec<String> = (0..10)
        .map(|i| format!("'@ TXT \"mid-{i:02}-{}\"'", "y".repeat(56)))
        .collect();
    text.push_str(
        "\n[[domain]]\nname = \"signed-wild.com\"\nregistrar = \"cheapreg\"\nregistered = \"2020-01-01\"\nexpires = \"2027-01-01\"\nnameservers = [\"ns1.corpdns.net\", \"ns2.corpdns.net\"]\nrecords = [\"* A 192.0.2.77\", \"www A 192.0.2.78\"]\ndnssec = \"signed\"\n",
    );
    for (name, recs) in [("big-txt.com", big), ("mid-txt.com", mid)] {
        text.push_str(&format!(
            "\n[[domain]]\nname = \"{name}\"\nregistrar = \"cheapreg\"\nregistered = \"2020-01-01\"\nexpires = \"2027-01-01\"\nnameservers = [\"ns1.corpdns.net\", \"ns2.corpdns.net\"]\nrecords = [{}]\n",
            recs.join(", ")
        ));
    }
    Lab::start(Scenario::from_toml(&text).unwrap())
        .await
        .unwrap()
}

const CORPDNS: &str = "203.0.113.1";
const COM: &str = "198.51.100.10";

#[tokio::test]
async fn any_returns_at_least_one_rrset() {
    let lab = start().await;
    let s = dns_socket(&lab, CORPDNS);
    let (_, m) = udp(
        s,
        "hinode-logistics.com.",
        RecordType::ANY,
        Q::edns(1232, 0, false),
    )
    .await;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert!(m.metadata.authoritative);
    assert!(!m.answers.is_empty(), "RFC 8482: not an empty NODATA");
    let first = m.answers[0].record_type();
    assert!(
        m.answers.iter().all(|r| r.record_type() == first),
        "one RRset: {:?}",
        types(&m.answers)
    );
    // A name with only an A record answers with it.
    let (_, m) = udp(s, "portal.hinode-logistics.com.", RecordType::ANY, Q::PLAIN).await;
    assert_eq!(types(&m.answers), [RecordType::A]);
    // A name that does not exist is still NXDOMAIN.
    let (_, m) = udp(s, "nope.hinode-logistics.com.", RecordType::ANY, Q::PLAIN).await;
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    lab.shutdown().await;
}

#[tokio::test]
async fn an_unknown_edns_version_gets_badvers_with_an_opt_of_version_0() {
    let lab = start().await;
    for server in [CORPDNS, COM] {
        let s = dns_socket(&lab, server);
        let (_, m) = udp(
            s,
            "hinode-logistics.com.",
            RecordType::A,
            Q::edns(1232, 1, false),
        )
        .await;
        // 16 is BADVERS in a response to an OPT (hickory decodes 16 as BADSIG, its TSIG twin).
        assert_eq!(u16::from(m.metadata.response_code), 16, "{server}");
        assert_eq!(u16::from(ResponseCode::BADVERS), 16);
        let opt = m.edns.as_ref().expect("BADVERS comes with an OPT record");
        assert_eq!(opt.version(), 0);
        assert!(m.answers.is_empty());
        // Version 0 is answered as usual.
        let (_, m) = udp(
            s,
            "hinode-logistics.com.",
            RecordType::A,
            Q::edns(1232, 0, false),
        )
        .await;
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert_eq!(m.edns.as_ref().map(Edns::version), Some(0));
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn udp_answers_are_capped_and_a_truncated_reply_keeps_its_opt() {
    let lab = start().await;
    let s = dns_socket(&lab, CORPDNS);
    // 2,600 bytes of TXT: truncated whatever the client advertises, never above 1232 bytes.
    for payload in [512, 1232, 4096, 65_000] {
        let (n, m) = udp(
            s,
            "big-txt.com.",
            RecordType::TXT,
            Q::edns(payload, 0, false),
        )
        .await;
        assert!(m.metadata.truncation, "advertised {payload}");
        assert!(n <= 1232, "{n} bytes for advertised {payload}");
        assert!(
            m.edns.is_some(),
            "the TC reply keeps its OPT (advertised {payload})"
        );
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    }
    // 700 bytes: fits when the client advertises 1232 or more, not when it advertises 512 or
    // sends no EDNS at all (RFC 1035's 512).
    let (n, m) = udp(s, "mid-txt.com.", RecordType::TXT, Q::edns(1232, 0, false)).await;
    assert!(!m.metadata.truncation);
    assert_eq!(m.answers.len(), 10);
    assert!(n > 512 && n <= 1232, "{n}");
    let (_, m) = udp(s, "mid-txt.com.", RecordType::TXT, Q::edns(4096, 0, false)).await;
    assert!(!m.metadata.truncation);
    let (n, m) = udp(s, "mid-txt.com.", RecordType::TXT, Q::edns(512, 0, false)).await;
    assert!(m.metadata.truncation && n <= 512 && m.edns.is_some());
    let (n, m) = udp(s, "mid-txt.com.", RecordType::TXT, Q::PLAIN).await;
    assert!(m.metadata.truncation && n <= 512 && m.edns.is_none());
    // Over TCP the whole RRset arrives.
    let mut c = tcp_client(s).await;
    let (_, _, ans, _, _) = super::common::ask(&mut c, "big-txt.com.", RecordType::TXT).await;
    assert_eq!(ans.len(), 40);
    lab.shutdown().await;
}

#[tokio::test]
async fn dnssec_records_only_with_the_do_bit() {
    let lab = start().await;
    let com = dns_socket(&lab, COM);
    // The referral carries the DS only when DO is set.
    let (_, m) = udp(
        com,
        "www.hinode-logistics.com.",
        RecordType::A,
        Q::edns(1232, 0, false),
    )
    .await;
    assert!(types(&m.authorities).contains(&RecordType::NS));
    assert!(
        !types(&m.authorities).contains(&RecordType::DS),
        "{:?}",
        types(&m.authorities)
    );
    let (_, m) = udp(
        com,
        "www.hinode-logistics.com.",
        RecordType::A,
        Q::edns(1232, 0, true),
    )
    .await;
    assert!(
        types(&m.authorities).contains(&RecordType::DS),
        "{:?}",
        types(&m.authorities)
    );
    assert!(m.edns.as_ref().unwrap().flags().dnssec_ok, "DO is echoed");
    // Asked for explicitly, a DS is answered either way.
    let (_, m) = udp(com, "hinode-logistics.com.", RecordType::DS, Q::PLAIN).await;
    assert_eq!(types(&m.answers), [RecordType::DS]);

    // The signed zone: RRSIGs only with DO.
    let s = dns_socket(&lab, CORPDNS);
    let (_, m) = udp(
        s,
        "www.hinode-logistics.com.",
        RecordType::A,
        Q::edns(1232, 0, false),
    )
    .await;
    assert_eq!(types(&m.answers), [RecordType::A]);
    let (_, m) = udp(
        s,
        "www.hinode-logistics.com.",
        RecordType::A,
        Q::edns(1232, 0, true),
    )
    .await;
    assert_eq!(types(&m.answers), [RecordType::A, RecordType::RRSIG]);
    // DNSKEY asked for: answered without DO, signed with it.
    let (_, m) = udp(s, "hinode-logistics.com.", RecordType::DNSKEY, Q::PLAIN).await;
    assert_eq!(types(&m.answers), [RecordType::DNSKEY]);
    let (_, m) = udp(
        s,
        "hinode-logistics.com.",
        RecordType::DNSKEY,
        Q::edns(1232, 0, true),
    )
    .await;
    assert!(types(&m.answers).contains(&RecordType::RRSIG));
    // Denial of existence: NSEC and the SOA's RRSIG with DO, the bare SOA without.
    let (_, m) = udp(
        s,
        "nope.hinode-logistics.com.",
        RecordType::A,
        Q::edns(1232, 0, true),
    )
    .await;
    assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
    let auth = types(&m.authorities);
    assert!(
        auth.contains(&RecordType::NSEC) && auth.contains(&RecordType::RRSIG),
        "{auth:?}"
    );
    let (_, m) = udp(
        s,
        "nope.hinode-logistics.com.",
        RecordType::A,
        Q::edns(1232, 0, false),
    )
    .await;
    assert_eq!(types(&m.authorities), [RecordType::SOA]);
    // A wildcard answer in a signed zone: the synthesised A, its RRSIG (labels of the
    // wildcard owner), and the NSEC proving the name itself does not exist.
    let (_, m) = udp(
        s,
        "any.signed-wild.com.",
        RecordType::A,
        Q::edns(1232, 0, true),
    )
    .await;
    assert_eq!(m.metadata.response_code, ResponseCode::NoError);
    assert_eq!(types(&m.answers), [RecordType::A, RecordType::RRSIG]);
    let auth = types(&m.authorities);
    assert!(auth.contains(&RecordType::NSEC), "{auth:?}");
    // The synthesised answer verifies with the zone's key (RFC 4035 5.3.2: the signer's label
    // count marks it as expanded from the wildcard).
    {
        use hickory_proto::dnssec::Verifier;
        use hickory_proto::dnssec::rdata::DNSSECRData;
        use hickory_proto::rr::RData;
        let (_, k) = udp(s, "signed-wild.com.", RecordType::DNSKEY, Q::PLAIN).await;
        let RData::DNSSEC(DNSSECRData::DNSKEY(key)) = &k.answers[0].data else {
            panic!("no DNSKEY: {:?}", k.answers);
        };
        let sig = m
            .answers
            .iter()
            .find_map(|r| match &r.data {
                RData::DNSSEC(DNSSECRData::RRSIG(sig)) => Some(sig.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(sig.input().num_labels, 2);
        let rrset: Vec<_> = m
            .answers
            .iter()
            .filter(|r| r.record_type() == RecordType::A)
            .collect();
        key.verify_rrsig(
            &Name::from_str("any.signed-wild.com.").unwrap(),
            hickory_proto::rr::DNSClass::IN,
            &sig,
            rrset.into_iter(),
        )
        .unwrap_or_else(|e| panic!("the wildcard answer does not verify: {e}"));
    }
    let (_, m) = udp(
        s,
        "www.signed-wild.com.",
        RecordType::A,
        Q::edns(1232, 0, true),
    )
    .await;
    assert!(m.authorities.is_empty(), "an existing name needs no proof");
    // An unsigned zone has no DNSSEC records even with DO.
    let (_, m) = udp(s, "corpdns.net.", RecordType::SOA, Q::edns(1232, 0, true)).await;
    assert_eq!(types(&m.answers), [RecordType::SOA]);
    lab.shutdown().await;
}
