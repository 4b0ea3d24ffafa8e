//! Tests of the dns probe against the lab (and one in-process hickory server for wildcards,
//! which the lab's zones do not have).

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use domains::DomainName;
use domains::dns::{DnsOutcome, Glue};
use domains::netconfig::NetConfig;
use probe::dns::{DnsOptions, DnsProbe};

fn dn(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

fn probe_for(cfg: NetConfig) -> DnsProbe {
    DnsProbe::new(
        Arc::new(cfg),
        DnsOptions {
            timeout: Duration::from_millis(400),
            tries: 1,
            ..DnsOptions::default()
        },
    )
}

/// The default scenario plus a hoster whose servers answer SERVFAIL and one whose servers never
/// answer, each serving its own domain (glue at .net).
fn scenario() -> lab::Scenario {
    let mut text = lab::Scenario::builtin_text("default").unwrap().to_string();
    text.push_str(
        r#"
[[hoster]]
id = "probe-servfail"
name = "Probe test: SERVFAIL"
behaviour = "servfail"
nameservers = [{ name = "ns1.probe-servfail.net", ip = "203.0.113.171" }]

[[hoster]]
id = "probe-silent"
name = "Probe test: silent"
behaviour = "timeout"
nameservers = [{ name = "ns1.probe-silent.net", ip = "203.0.113.181" }]

[[hoster]]
id = "probe-glue"
name = "Probe test: in-bailiwick server"
nameservers = [{ name = "ns1.probe-glue.net", ip = "203.0.113.191" }]

[[domain]]
name = "probe-glue.net"
registrar = "cheapreg"
registered = "2020-01-01"
expires = "2027-01-01"
nameservers = ["ns1.probe-glue.net"]
records = ["@ A 192.0.2.91", "ns1 A 192.0.2.9"]
registrant = "Probe test"

[[domain]]
name = "probe-servfail.net"
registrar = "cheapreg"
registered = "2020-01-01"
expires = "2027-01-01"
nameservers = ["ns1.probe-servfail.net"]
records = ["@ A 192.0.2.71"]
registrant = "Probe test"

[[domain]]
name = "probe-silent.net"
registrar = "cheapreg"
registered = "2020-01-01"
expires = "2027-01-01"
nameservers = ["ns1.probe-silent.net"]
records = ["@ A 192.0.2.81"]
registrant = "Probe test"
"#,
    );
    lab::Scenario::from_toml(&text).unwrap()
}

#[tokio::test]
async fn delegation_with_glue_and_authoritative_soa_from_each_nameserver() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());
    let snap = dns.snapshot(&dn("corpdns.net")).await;
    let del = snap.delegation.as_ref().unwrap();
    assert_eq!(del.parent_zone, "net");
    assert_eq!(del.outcome, DnsOutcome::Referral);
    assert!(del.server.is_some());
    // Glue: every address the scenario gives the hoster's in-zone servers.
    let sc = lab.scenario();
    let hoster = sc.hosters.iter().find(|h| h.id == "corpdns").unwrap();
    for h in &hoster.nameservers {
        let g = Glue {
            name: dn(&h.name),
            address: h.ip,
        };
        assert!(del.glue.contains(&g), "{g:?} in {:?}", del.glue);
    }
    assert_eq!(snap.nameservers.len(), 2);
    let mut serials = Vec::new();
    for ns in &snap.nameservers {
        assert_eq!(ns.resolution, DnsOutcome::Answer);
        assert!(!ns.is_cname);
        assert!(!ns.is_lame(), "{ns:?}");
        for s in &ns.servers {
            assert!(s.authoritative);
            assert_eq!(s.outcome, DnsOutcome::Answer);
            assert_eq!(s.tcp_outcome, Some(DnsOutcome::Answer));
            assert_eq!(s.ns, del.ns, "same NS set at parent and child");
            serials.push(s.soa_serial.unwrap());
        }
    }
    serials.dedup();
    assert_eq!(serials.len(), 1, "same serial everywhere");
    // In-bailiwick names with glue: the zone's own addresses are asked and agree with the glue.
    for ns in &snap.nameservers {
        let glue: Vec<IpAddr> = del
            .glue
            .iter()
            .filter(|g| g.name == ns.name)
            .map(|g| g.address)
            .collect();
        assert!(!ns.child_addresses.is_empty(), "{ns:?}");
        assert_eq!(ns.child_addresses, glue, "{ns:?}");
    }
    assert_eq!(snap.record("SOA").unwrap().outcome, DnsOutcome::Answer);
    assert_eq!(snap.record("DNSKEY").unwrap().outcome, DnsOutcome::NoData);
    lab.shutdown().await;
}

/// DNS messages the lab received so far (its own count, `GET /requests`).
async fn lab_dns_messages(lab: &lab::Lab) -> u64 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = lab.net_config().lab_control.unwrap();
    let v: serde_json::Value = reqwest::get(format!("{base}/requests"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["dns"].as_u64().unwrap()
}

#[tokio::test]
async fn out_of_bailiwick_name_server_resolved_once_for_many_lookups() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());
    // hinode-logistics.com is served by ns1/ns2.corpdns.net: .com's referral has no glue for
    // them, so the first lookup resolves a name server's address (at .net and corpdns.net).
    let before = lab_dns_messages(&lab).await;
    let first = dns.lookup(&dn("www.hinode-logistics.com"), "A").await;
    assert_eq!(first.outcome, DnsOutcome::Answer, "{first:?}");
    let first_cost = lab_dns_messages(&lab).await - before;
    assert!(
        first_cost >= 4,
        "root/.com referral, the NS address, the answer: {first_cost}"
    );
    // Twenty more lookups under the same delegation: the .com referral and the answer each,
    // the name server's address from the cache.
    let before = lab_dns_messages(&lab).await;
    for label in 0..20 {
        let set = dns
            .lookup(&dn(&format!("x{label}.hinode-logistics.com")), "CNAME")
            .await;
        assert_ne!(set.outcome, DnsOutcome::Timeout, "{set:?}");
    }
    let cost = lab_dns_messages(&lab).await - before;
    assert_eq!(cost, 40, "two messages a lookup");
    lab.shutdown().await;
}

#[tokio::test]
async fn lame_server_is_detected() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());
    // Delegated to corpdns (serves the zone) and flakydns (does not).
    let snap = dns.snapshot(&dn("hinode-logistics.net")).await;
    let by_name = |n: &str| {
        snap.nameservers
            .iter()
            .find(|c| c.name.as_str() == n)
            .unwrap_or_else(|| panic!("{n} checked"))
    };
    let good = by_name("ns1.corpdns.net");
    assert!(!good.is_lame());
    let lame = by_name("ns1.flakydns.net");
    assert!(lame.is_lame(), "{lame:?}");
    let s = &lame.servers[0];
    assert!(!s.authoritative);
    assert_eq!(s.outcome, DnsOutcome::Refused);
    assert!(s.soa_serial.is_none());
    // The records still come from the authoritative server.
    assert_eq!(snap.record("A").unwrap().values, ["192.0.2.10"]);

    // The provider loses the zone of hinode-shop.com: every server is lame.
    let lost = lab
        .scenario()
        .domains
        .iter()
        .find(|d| d.name == "hinode-shop.com")
        .and_then(|d| d.events.iter().find(|e| e.hoster.is_some()))
        .map(|e| e.day)
        .unwrap();
    lab.advance_days(u32::try_from(lost).unwrap()).await;
    let shop = dns.snapshot(&dn("hinode-shop.com")).await;
    assert_eq!(shop.nameservers.len(), 2);
    assert!(shop.nameservers.iter().all(|n| n.is_lame()));
    assert_eq!(shop.record("A").unwrap().outcome, DnsOutcome::Refused);
    lab.shutdown().await;
}

#[tokio::test]
async fn nxdomain_servfail_and_timeout_are_distinct() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());

    let nx = dns.snapshot(&dn("no-such-name-in-the-lab.com")).await;
    let del = nx.delegation.as_ref().unwrap();
    assert_eq!(del.outcome, DnsOutcome::NxDomain);
    assert_eq!(del.parent_zone, "com");
    assert!(nx.nameservers.is_empty());
    assert_eq!(nx.record("A").unwrap().outcome, DnsOutcome::NxDomain);
    assert_eq!(nx.wildcard, None);

    let sf = dns.snapshot(&dn("probe-servfail.net")).await;
    assert_eq!(
        sf.delegation.as_ref().unwrap().outcome,
        DnsOutcome::Referral
    );
    let s = &sf.nameservers[0].servers[0];
    assert_eq!(s.outcome, DnsOutcome::ServFail);
    assert!(sf.nameservers[0].is_lame());
    assert_eq!(sf.record("A").unwrap().outcome, DnsOutcome::ServFail);

    let to = dns.snapshot(&dn("probe-silent.net")).await;
    let s = &to.nameservers[0].servers[0];
    assert_eq!(s.outcome, DnsOutcome::Timeout);
    assert_eq!(s.tcp_outcome, Some(DnsOutcome::Timeout));
    assert_eq!(to.record("A").unwrap().outcome, DnsOutcome::Timeout);

    // A TLD whose servers never answer: the delegation itself times out.
    let tk = dns.snapshot(&dn("kuronekoyamato-login.tk")).await;
    let del = tk.delegation.as_ref().unwrap();
    assert_eq!(del.outcome, DnsOutcome::Timeout);
    assert_eq!(del.parent_zone, "tk");
    lab.shutdown().await;
}

#[tokio::test]
async fn out_of_bailiwick_nameservers_are_resolved_iteratively() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());
    // kuroneko-yamato.net is delegated to ns-650.awsdns-017.net and ns-1201.awsdns-021.net:
    // names under other domains, resolved from the root.
    let snap = dns.snapshot(&dn("kuroneko-yamato.net")).await;
    for ns in &snap.nameservers {
        assert_eq!(ns.resolution, DnsOutcome::Answer, "{ns:?}");
        assert!(!ns.addresses.is_empty());
        assert!(!ns.is_lame(), "{ns:?}");
    }
    assert_eq!(snap.record("A").unwrap().values, ["198.51.100.200"]);
    let name = hickory_proto_name("www.kuroneko-yamato.net.");
    let r = dns
        .resolve(&name, hickory_proto::rr::RecordType::A, 0)
        .await;
    assert_eq!(r.outcome, DnsOutcome::Answer);
    lab.shutdown().await;
}

#[tokio::test]
async fn lookups_of_any_host_name() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());
    let cname = dns
        .lookup(&dn("static.hinode-logistics.co.jp"), "cname")
        .await;
    assert_eq!(cname.rtype, "CNAME");
    assert_eq!(cname.outcome, DnsOutcome::Answer);
    assert_eq!(cname.values, ["hinode-static.s3.amazonaws.com."]);
    // A through the CNAME, into another zone
    let a = dns.lookup(&dn("static.hinode-logistics.co.jp"), "A").await;
    assert_eq!(a.values, ["192.0.2.80"]);
    let mx = dns.lookup(&dn("hinode-logistics.com"), "MX").await;
    assert_eq!(mx.values, ["10 mail.hinode-logistics.com."]);
    assert!(mx.ttl.is_some());
    let nx = dns.lookup(&dn("nope.hinode-logistics.com"), "A").await;
    assert_eq!(nx.outcome, DnsOutcome::NxDomain);
    let nodata = dns.lookup(&dn("www.hinode-logistics.com"), "CAA").await;
    assert_eq!(nodata.outcome, DnsOutcome::NoData, "{nodata:?}");
    let bad = dns.lookup(&dn("hinode-logistics.com"), "BOGUS").await;
    assert!(matches!(bad.outcome, DnsOutcome::Error(_)));
    lab.shutdown().await;
}

#[tokio::test]
async fn wildcard_zone_in_the_lab() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());
    // A parked lookalike: every name under it answers.
    let parked = dns.snapshot(&dn("aws-s3.cloud")).await;
    assert_eq!(parked.wildcard, Some(true));
    let any = dns.lookup(&dn("login.secure.aws-s3.cloud"), "A").await;
    assert_eq!(any.values, ["198.51.100.201"]);
    let plain = dns.snapshot(&dn("hinode-logistics.com")).await;
    assert_eq!(plain.wildcard, Some(false));
    lab.shutdown().await;
}

fn hickory_proto_name(s: &str) -> hickory_proto::rr::Name {
    hickory_proto::rr::Name::from_str(s).unwrap()
}

// ---- wildcard: an in-process authoritative server (root and one wildcard zone)

const ROOT_ZONE: &str = r#"
$ORIGIN .
$TTL 300
@          IN SOA a.root.test. hostmaster.root.test. ( 1 3600 600 86400 300 )
@          IN NS  a.root.test.
a.root.test. IN A 192.0.2.53
wild.test. IN NS  ns.wild.test.
ns.wild.test. IN A 192.0.2.53
"#;

const WILD_ZONE: &str = r#"
$ORIGIN wild.test.
$TTL 300
@    IN SOA ns.wild.test. hostmaster.wild.test. ( 2026112701 3600 600 86400 300 )
@    IN NS  ns.wild.test.
ns   IN A   192.0.2.53
@    IN A   192.0.2.1
*    IN A   192.0.2.99
"#;

async fn wildcard_server() -> (
    SocketAddr,
    hickory_server::Server<hickory_server::zone_handler::Catalog>,
) {
    use hickory_proto::rr::LowerName;
    use hickory_proto::serialize::txt::Parser;
    use hickory_server::net::runtime::TokioRuntimeProvider;
    use hickory_server::store::in_memory::InMemoryZoneHandler;
    use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};

    let mut catalog = Catalog::new();
    for text in [ROOT_ZONE, WILD_ZONE] {
        let (origin, records) = Parser::new(text, None, None).parse().unwrap();
        let handler = InMemoryZoneHandler::<TokioRuntimeProvider>::new(
            origin.clone(),
            records,
            ZoneType::Primary,
            AxfrPolicy::Deny,
        )
        .unwrap();
        catalog.upsert(
            LowerName::from(&origin),
            vec![Arc::new(handler) as Arc<dyn ZoneHandler>],
        );
    }
    // UDP and TCP on the same port number (the TCP port may be taken: try again).
    let mut bound = None;
    for _ in 0..50 {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = udp.local_addr().unwrap();
        if let Ok(tcp) = tokio::net::TcpListener::bind(addr).await {
            bound = Some((udp, tcp, addr));
            break;
        }
    }
    let (udp, tcp, addr) = bound.expect("a port free for UDP and TCP");
    let mut server = hickory_server::Server::new(catalog);
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 64);
    (addr, server)
}

#[tokio::test]
async fn wildcard_zone_is_recognised() {
    let (addr, mut server) = wildcard_server().await;
    let sim: IpAddr = "192.0.2.53".parse().unwrap();
    let cfg = NetConfig {
        root_hints: vec![sim],
        dns_ports: [(sim, addr)].into_iter().collect(),
        ..NetConfig::default()
    };
    let dns = probe_for(cfg);
    let snap = dns.snapshot(&dn("wild.test")).await;
    assert_eq!(snap.parent_ns(), [dn("ns.wild.test")]);
    assert!(snap.nameservers.iter().all(|n| !n.is_lame()), "{snap:?}");
    assert_eq!(snap.record("A").unwrap().values, ["192.0.2.1"]);
    assert_eq!(snap.wildcard, Some(true));
    server.shutdown_gracefully().await.unwrap();
}

/// A DNS snapshot that outlives `dns_deadline` is abandoned: the snapshot says so in its issues
/// and carries no DNS part (unobserved, never "gone").
#[tokio::test]
async fn a_dns_snapshot_past_its_deadline_is_abandoned_not_empty() {
    let lab = lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap();
    let prober = probe::Prober::new(
        lab.net_config(),
        probe::ProbeOptions {
            rdap: false,
            whois: false,
            dns_timeout: Duration::from_millis(300),
            dns_tries: 1,
            dns_deadline: Duration::from_millis(100),
            ..probe::ProbeOptions::default()
        },
    )
    .unwrap();
    // The .tk registry's servers never answer: each question waits for its timeout.
    let snap = prober.snapshot(&dn("kuronekoyamato-login.tk")).await;
    assert!(snap.dns.is_none(), "{:?}", snap.dns);
    assert!(
        snap.issues
            .iter()
            .any(|i| i.source == "dns" && i.message.contains("abandoned")),
        "{:?}",
        snap.issues
    );
    // A healthy name finishes well within the default deadline.
    let fine = probe::Prober::new(
        lab.net_config(),
        probe::ProbeOptions {
            rdap: false,
            whois: false,
            ..probe::ProbeOptions::default()
        },
    )
    .unwrap()
    .snapshot(&dn("hinode-logistics.com"))
    .await;
    assert!(fine.dns.is_some_and(|d| d.delegation.is_some()));
    lab.shutdown().await;
}

#[tokio::test]
async fn glue_that_differs_from_the_zone_is_found() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(lab.net_config());
    // The .net glue for ns1.probe-glue.net is the hoster's address; the zone itself also
    // publishes 192.0.2.9 for that name.
    let snap = dns.snapshot(&dn("probe-glue.net")).await;
    let del = snap.delegation.as_ref().unwrap();
    let host = dn("ns1.probe-glue.net");
    let glue: Vec<IpAddr> = del
        .glue
        .iter()
        .filter(|g| g.name == host)
        .map(|g| g.address)
        .collect();
    assert_eq!(glue, [IpAddr::from_str("203.0.113.191").unwrap()]);
    let ns = &snap.nameservers[0];
    assert_eq!(ns.name, host);
    assert!(!ns.is_lame(), "{ns:?}");
    assert_eq!(
        ns.child_addresses,
        [
            IpAddr::from_str("192.0.2.9").unwrap(),
            IpAddr::from_str("203.0.113.191").unwrap()
        ]
    );
    let s = domains::snapshot::Snapshot {
        domain: dn("probe-glue.net"),
        taken_at: jiff::Timestamp::UNIX_EPOCH,
        registry: None,
        registrar: None,
        dns: Some(snap.clone()),
        phase: domains::registration::LifecyclePhase::Active,
        issues: Vec::new(),
    };
    let findings = domains::findings::inspect_findings(
        &s,
        s.taken_at,
        &domains::findings::RulePolicy::default(),
    );
    let f = findings
        .iter()
        .find(|f| f.code == "glue-mismatch")
        .unwrap_or_else(|| panic!("no glue-mismatch in {findings:?}"));
    assert_eq!(
        f.detail,
        "ns1.probe-glue.net: glue 203.0.113.191 at net, zone says 192.0.2.9, 203.0.113.191"
    );

    // Out-of-bailiwick names are not asked.
    let other = dns.snapshot(&dn("kuroneko-yamato.net")).await;
    assert!(
        other
            .nameservers
            .iter()
            .all(|n| n.child_addresses.is_empty())
    );
    lab.shutdown().await;
}
