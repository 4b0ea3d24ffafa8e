use std::time::Duration;

use hickory_net::client::ClientHandle;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RecordType;
use hickory_resolver::Resolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

use super::common::{ask, dns_socket, start, tcp_client, udp_client};

#[tokio::test]
async fn root_refers_to_tld_with_glue_over_udp_and_tcp() {
    let lab = start().await;
    let root = dns_socket(&lab, "198.51.100.1");
    for mut c in [udp_client(root).await, tcp_client(root).await] {
        let (rc, aa, ans, auth, add) =
            ask(&mut c, "www.hinode-logistics.com.", RecordType::A).await;
        assert_eq!(rc, ResponseCode::NoError);
        assert!(!aa, "a referral is not authoritative");
        assert!(ans.is_empty());
        assert!(
            auth.iter().any(|r| r == "com. NS a.gtld-servers.net."),
            "{auth:?}"
        );
        assert!(
            add.iter()
                .any(|r| r == "a.gtld-servers.net. A 198.51.100.10"),
            "{add:?}"
        );
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn tld_referral_authoritative_answer_nxdomain_refused() {
    let lab = start().await;
    let mut tld = udp_client(dns_socket(&lab, "198.51.100.10")).await;
    // .net delegation with in-bailiwick glue
    let (rc, aa, _, auth, add) = ask(&mut tld, "corpdns.net.", RecordType::A).await;
    assert_eq!((rc, aa), (ResponseCode::NoError, false));
    assert!(auth.iter().any(|r| r == "corpdns.net. NS ns1.corpdns.net."));
    assert!(add.iter().any(|r| r == "ns1.corpdns.net. A 203.0.113.1"));
    // unregistered name: NXDOMAIN with SOA, AA set
    let (rc, aa, _, auth, _) = ask(&mut tld, "never-registered-xyz.com.", RecordType::A).await;
    assert_eq!((rc, aa), (ResponseCode::NXDomain, true));
    assert!(auth.iter().any(|r| r.starts_with("com. SOA")));
    // a zone this server does not serve
    let (rc, aa, ..) = ask(&mut tld, "example.jp.", RecordType::A).await;
    assert_eq!((rc, aa), (ResponseCode::Refused, false));

    let mut host = tcp_client(dns_socket(&lab, "203.0.113.1")).await;
    let (rc, aa, ans, ..) = ask(&mut host, "www.hinode-logistics.com.", RecordType::A).await;
    assert_eq!((rc, aa), (ResponseCode::NoError, true));
    assert_eq!(ans, vec!["www.hinode-logistics.com. A 192.0.2.10"]);
    let (rc, aa, ans, auth, _) = ask(&mut host, "www.hinode-logistics.com.", RecordType::MX).await;
    assert_eq!((rc, aa), (ResponseCode::NoError, true), "NODATA");
    assert!(ans.is_empty() && auth.iter().any(|r| r.contains("SOA")));
    // lame: flakydns never had hinode-logistics.net
    let mut flaky = udp_client(dns_socket(&lab, "203.0.113.41")).await;
    let (rc, aa, ..) = ask(&mut flaky, "hinode-logistics.net.", RecordType::SOA).await;
    assert_eq!((rc, aa), (ResponseCode::Refused, false));
    lab.shutdown().await;
}

#[tokio::test]
async fn stub_resolver_reads_hosted_zone_and_dangling_cname() {
    let lab = start().await;
    let addr = dns_socket(&lab, "203.0.113.5");
    let mut udp = ConnectionConfig::udp();
    udp.port = addr.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = addr.port();
    let ns = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
    let mut b = Resolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    );
    b.options_mut().cache_size = 0;
    b.options_mut().timeout = Duration::from_secs(2);
    b.options_mut().attempts = 1;
    let r = b.build().unwrap();
    let c = r
        .lookup("static.hinode-logistics.co.jp.", RecordType::CNAME)
        .await
        .unwrap();
    assert_eq!(
        c.answers()[0].data.to_string(),
        "hinode-static.s3.amazonaws.com."
    );
    let err = r
        .lookup("nope.hinode-logistics.co.jp.", RecordType::A)
        .await
        .unwrap_err();
    assert!(err.is_nx_domain(), "{err:?}");
    lab.shutdown().await;
}

#[tokio::test]
async fn unresponsive_registry_times_out() {
    let lab = start().await;
    let mut c = udp_client(dns_socket(&lab, "198.51.100.60")).await;
    let q = c.query(
        "kuronekoyamato-login.tk.".parse().unwrap(),
        hickory_proto::rr::DNSClass::IN,
        RecordType::A,
    );
    let res = tokio::time::timeout(Duration::from_millis(1500), q).await;
    assert!(
        res.is_err() || res.is_ok_and(|r| r.is_err()),
        "the .tk servers never answer"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn timeline_hijack_zone_loss_and_lapse_change_dns() {
    let lab = start().await;
    let gtld = dns_socket(&lab, "198.51.100.10");
    let mut c = udp_client(gtld).await;
    let (_, _, _, auth, _) = ask(&mut c, "hinode-logistics.com.", RecordType::NS).await;
    assert!(
        auth.iter().any(|r| r.ends_with("NS ns1.corpdns.net.")),
        "{auth:?}"
    );

    // Day 11: hinode-shop.com's provider lost the zone -> REFUSED
    lab.advance_days(11).await;
    let mut flaky = udp_client(dns_socket(&lab, "203.0.113.41")).await;
    let (rc, ..) = ask(&mut flaky, "hinode-shop.com.", RecordType::SOA).await;
    assert_eq!(rc, ResponseCode::Refused);

    // Day 12: hijack -> new NS at the registry
    let out = lab.advance_days(1).await;
    assert!(
        out.events
            .iter()
            .any(|e| e.domain == "hinode-logistics.com" && e.kind == "transfer")
    );
    let (_, _, _, auth, _) = ask(&mut c, "hinode-logistics.com.", RecordType::NS).await;
    assert!(
        auth.iter()
            .any(|r| r.ends_with("NS ns1.bulletproof-dns.com.")),
        "{auth:?}"
    );

    // Day 48: hinode-cdn.net leaves auto-renew grace -> redemption -> out of the zone
    let (rc, ..) = ask(&mut c, "hinode-cdn.net.", RecordType::A).await;
    assert_eq!(
        rc,
        ResponseCode::NoError,
        "still delegated in auto-renew grace"
    );
    lab.advance_days(36).await;
    let (rc, ..) = ask(&mut c, "hinode-cdn.net.", RecordType::A).await;
    assert_eq!(rc, ResponseCode::NXDomain);
    // Day 84: re-registered with parking name servers
    lab.advance_days(36).await;
    let (_, _, _, auth, _) = ask(&mut c, "hinode-cdn.net.", RecordType::A).await;
    assert!(
        auth.iter()
            .any(|r| r.ends_with("NS ns1.parkingcrew-lab.net.")),
        "{auth:?}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn iterative_resolution_from_the_root_hints_only() {
    let lab = start().await;
    let cfg = lab.net_config();
    // in-bailiwick glue all the way (.cc -> cheapdns.com servers resolved out of bailiwick)
    let (rc, ans) = super::common::iterate(&cfg, "www.kuronekoyamatc.cc.", RecordType::A, 0).await;
    assert_eq!(rc, ResponseCode::NoError);
    assert_eq!(ans, vec!["www.kuronekoyamatc.cc. A 198.51.100.200"]);
    // co.jp under the jp zone, brand-in-subdomain name under okiae.com
    let (_, ans) =
        super::common::iterate(&cfg, "www.ucscard.co.jp.okiae.com.", RecordType::A, 0).await;
    assert_eq!(ans, vec!["www.ucscard.co.jp.okiae.com. A 198.51.100.200"]);
    let (_, ans) =
        super::common::iterate(&cfg, "www.kuronekoyamato.co.jp.", RecordType::A, 0).await;
    assert_eq!(ans, vec!["www.kuronekoyamato.co.jp. A 192.0.2.50"]);
    // the fake awsdns family serves kuroneko-yamato.net
    let (_, ans) = super::common::iterate(&cfg, "kuroneko-yamato.net.", RecordType::A, 0).await;
    assert_eq!(ans, vec!["kuroneko-yamato.net. A 198.51.100.200"]);
    // the dangling CNAME target exists in DNS; the bucket is gone at HTTP level
    let (_, ans) =
        super::common::iterate(&cfg, "hinode-static.s3.amazonaws.com.", RecordType::A, 0).await;
    assert_eq!(ans, vec!["hinode-static.s3.amazonaws.com. A 192.0.2.80"]);
    let (rc, _) =
        super::common::iterate(&cfg, "unregistered-name-xyz.top.", RecordType::A, 0).await;
    assert_eq!(rc, ResponseCode::NXDomain);
    lab.shutdown().await;
}

#[tokio::test]
async fn hoster_behaviour_servfail() {
    let text = lab::Scenario::builtin_text("default").unwrap().replace(
        "name = \"Flaky DNS provider\"\n",
        "name = \"Flaky DNS provider\"\nbehaviour = \"servfail\"\n",
    );
    let lab = lab::Lab::start(lab::Scenario::from_toml(&text).unwrap())
        .await
        .unwrap();
    let mut c = udp_client(dns_socket(&lab, "203.0.113.41")).await;
    let (rc, aa, ..) = ask(&mut c, "hinode-shop.com.", RecordType::A).await;
    assert_eq!((rc, aa), (ResponseCode::ServFail, false));
    lab.shutdown().await;
}

#[tokio::test]
async fn ipv6_glue_and_aaaa() {
    let lab = start().await;
    let mut tld = tcp_client(dns_socket(&lab, "198.51.100.11")).await;
    let (_, _, _, _, add) = ask(&mut tld, "corpdns.net.", RecordType::NS).await;
    assert!(
        add.iter()
            .any(|r| r == "ns1.corpdns.net. AAAA 2001:db8::53"),
        "{add:?}"
    );
    let mut v6 = udp_client(dns_socket(&lab, "2001:db8::53")).await;
    let (rc, aa, ans, ..) = ask(&mut v6, "www.hinode-logistics.com.", RecordType::AAAA).await;
    assert_eq!((rc, aa), (ResponseCode::NoError, true));
    assert_eq!(ans, vec!["www.hinode-logistics.com. AAAA 2001:db8::10"]);
    lab.shutdown().await;
}

#[tokio::test]
async fn default_scenario_has_a_servfail_provider() {
    let lab = start().await;
    let mut c = tcp_client(dns_socket(&lab, "203.0.113.45")).await;
    let (rc, aa, ..) = ask(&mut c, "hinode-events.com.", RecordType::SOA).await;
    assert_eq!((rc, aa), (ResponseCode::ServFail, false));
    let mut tld = udp_client(dns_socket(&lab, "198.51.100.10")).await;
    let (_, _, _, auth, add) = ask(&mut tld, "brokendns.net.", RecordType::NS).await;
    assert!(auth.iter().any(|r| r.ends_with("NS ns1.brokendns.net.")));
    assert!(add.iter().any(|r| r == "ns1.brokendns.net. A 203.0.113.45"));
    lab.shutdown().await;
}

/// A name server renumbered in its zone while the parent keeps the old glue: the knob
/// `zone_addresses` replaces the host's addresses in the zone, the .com glue stays the hoster's.
const GLUE_MOVED: &str = r#"
[[hoster]]
id = "movedns"
name = "Renumbered DNS"
nameservers = [
  { name = "ns1.glue-moved.com", ip = "203.0.113.150" },
  { name = "ns2.glue-moved.com", ip = "203.0.113.151" },
]

[[domain]]
name = "glue-moved.com"
registrar = "corpreg"
registered = "2020-01-01"
expires = "2027-06-01"
nameservers = ["ns1.glue-moved.com", "ns2.glue-moved.com"]
records = ["@ A 192.0.2.64"]
zone_addresses = { "NS1.Glue-Moved.com." = ["198.51.100.99", "2001:db8::99"], "ns3.glue-moved.com" = ["192.0.2.65"] }
"#;

#[tokio::test]
async fn zone_addresses_replace_a_hosts_addresses_in_the_zone_not_the_glue() {
    let text = format!(
        "{}\n{GLUE_MOVED}",
        lab::Scenario::builtin_text("default").unwrap()
    );
    let lab = lab::Lab::start(lab::Scenario::from_toml(&text).unwrap())
        .await
        .unwrap();
    // The parent's glue: the hoster's addresses for both hosts.
    let mut tld = udp_client(dns_socket(&lab, "198.51.100.10")).await;
    let (rc, aa, _, auth, add) = ask(&mut tld, "glue-moved.com.", RecordType::NS).await;
    assert_eq!((rc, aa), (ResponseCode::NoError, false));
    assert!(
        auth.iter()
            .any(|r| r == "glue-moved.com. NS ns1.glue-moved.com.")
    );
    assert!(
        add.iter()
            .any(|r| r == "ns1.glue-moved.com. A 203.0.113.150"),
        "{add:?}"
    );
    assert!(!add.iter().any(|r| r.contains("198.51.100.99")), "{add:?}");
    // The zone itself (asked at the glue address): the replacement only, not added to it.
    let mut host = udp_client(dns_socket(&lab, "203.0.113.150")).await;
    let (rc, aa, ans, ..) = ask(&mut host, "ns1.glue-moved.com.", RecordType::A).await;
    assert_eq!((rc, aa), (ResponseCode::NoError, true));
    assert_eq!(ans, ["ns1.glue-moved.com. A 198.51.100.99"]);
    let (_, _, ans, ..) = ask(&mut host, "ns1.glue-moved.com.", RecordType::AAAA).await;
    assert_eq!(ans, ["ns1.glue-moved.com. AAAA 2001:db8::99"]);
    // A host not replaced keeps its address; a host only in `zone_addresses` is published.
    let (_, _, ans, ..) = ask(&mut host, "ns2.glue-moved.com.", RecordType::A).await;
    assert_eq!(ans, ["ns2.glue-moved.com. A 203.0.113.151"]);
    let (_, _, ans, ..) = ask(&mut host, "ns3.glue-moved.com.", RecordType::A).await;
    assert_eq!(ans, ["ns3.glue-moved.com. A 192.0.2.65"]);
    lab.shutdown().await;
}

#[test]
fn zone_addresses_must_name_hosts_inside_the_domain() {
    let base = lab::Scenario::builtin_text("default").unwrap();
    for bad in [
        "ns1.elsewhere.net",
        "glue-moved.com",
        "bad name.glue-moved.com",
    ] {
        let text = format!("{base}\n{}", GLUE_MOVED.replace("ns3.glue-moved.com", bad));
        let e = lab::Scenario::from_toml(&text).unwrap_err().to_string();
        assert!(
            e.contains("zone_addresses names") && e.contains("not a host inside the domain"),
            "{bad}: {e}"
        );
    }
}
