//! Shared helpers: start the default lab, DNS clients aimed at one simulated server.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use hickory_net::client::{Client, ClientHandle};
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::tcp::TcpClientStream;
use hickory_net::udp::UdpClientStream;
use hickory_proto::rr::{DNSClass, Name, RecordType};
use lab::{Lab, Scenario};

pub async fn start() -> Lab {
    Lab::start(Scenario::builtin("default").expect("default scenario"))
        .await
        .expect("lab starts")
}

/// The real socket of a simulated DNS server.
pub fn dns_socket(lab: &Lab, simulated: &str) -> SocketAddr {
    let ip: IpAddr = simulated.parse().unwrap();
    *lab.net_config()
        .dns_ports
        .get(&ip)
        .expect("simulated server exists")
}

pub async fn udp_client(addr: SocketAddr) -> Client<TokioRuntimeProvider> {
    let conn = UdpClientStream::builder(addr, TokioRuntimeProvider::default()).build();
    let (client, bg) = Client::<TokioRuntimeProvider>::from_sender(conn);
    tokio::spawn(bg);
    client
}

pub async fn tcp_client(addr: SocketAddr) -> Client<TokioRuntimeProvider> {
    let (fut, sender) = TcpClientStream::new(addr, None, None, TokioRuntimeProvider::default());
    let stream = fut.await.expect("tcp connect");
    let (client, bg) = Client::<TokioRuntimeProvider>::new(stream, sender);
    tokio::spawn(bg);
    client
}

/// One query; returns (rcode, AA, answers, authorities, additionals) as text.
pub async fn ask(
    client: &mut Client<TokioRuntimeProvider>,
    name: &str,
    t: RecordType,
) -> (
    hickory_proto::op::ResponseCode,
    bool,
    Vec<String>,
    Vec<String>,
    Vec<String>,
) {
    let resp = tokio::time::timeout(
        Duration::from_secs(5),
        client.query(Name::from_str(name).unwrap(), DNSClass::IN, t),
    )
    .await
    .expect("answer in time")
    .expect("answer");
    let fmt = |rs: &[hickory_proto::rr::Record]| {
        rs.iter()
            .map(|r| format!("{} {} {}", r.name, r.record_type(), r.data))
            .collect::<Vec<_>>()
    };
    (
        resp.metadata.response_code,
        resp.metadata.authoritative,
        fmt(&resp.answers),
        fmt(&resp.authorities),
        fmt(&resp.additionals),
    )
}

/// Raw WHOIS query: connect, send the line, read to EOF.
pub async fn whois(lab: &Lab, host: &str, query: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = lab.net_config().whois_hosts[host];
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("{query}\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
        .await
        .expect("whois answers in time")
        .unwrap();
    String::from_utf8(out).unwrap()
}

/// The default scenario with small rate limits (RDAP at verisign: 3/min, WHOIS at JPRS: 3/min).
pub async fn start_limited() -> Lab {
    let text = Scenario::builtin_text("default")
        .unwrap()
        .replace(
            "rdap_rate_limit = { limit = 300, window_secs = 60 }",
            "rdap_rate_limit = { limit = 3, window_secs = 60 }",
        )
        .replace(
            "whois_rate_limit = { limit = 200, window_secs = 60 }",
            "whois_rate_limit = { limit = 3, window_secs = 60 }",
        );
    Lab::start(Scenario::from_toml(&text).unwrap())
        .await
        .unwrap()
}

/// `GET url` as JSON.
pub async fn get_json(url: &str) -> serde_json::Value {
    http_client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A minimal iterative resolver over the lab, using only the client configuration: start at the
/// root hints, follow referrals (glue, or resolve out-of-bailiwick NS names), map every
/// simulated address through `dns_ports`. Returns (rcode, answer records as text).
pub fn iterate<'a>(
    cfg: &'a domains::netconfig::NetConfig,
    name: &'a str,
    t: RecordType,
    depth: u8,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = (hickory_proto::op::ResponseCode, Vec<String>)> + 'a>,
> {
    Box::pin(async move {
        assert!(depth < 6, "resolution too deep for {name}");
        let mut servers: Vec<IpAddr> = cfg.root_hints.clone();
        for _ in 0..16 {
            let ip = servers[0];
            let mut c = udp_client(cfg.dns_socket(ip)).await;
            let (rc, aa, ans, auth, add) = ask(&mut c, name, t).await;
            if !ans.is_empty() || rc != hickory_proto::op::ResponseCode::NoError || aa {
                return (rc, ans);
            }
            let ns: Vec<String> = auth
                .iter()
                .filter_map(|r| {
                    let mut it = r.split(' ');
                    let _owner = it.next()?;
                    (it.next()? == "NS").then(|| it.next().map(str::to_string))?
                })
                .collect();
            assert!(
                !ns.is_empty(),
                "neither answer nor referral for {name}: {auth:?}"
            );
            let mut next: Vec<IpAddr> = add
                .iter()
                .filter_map(|r| {
                    let mut it = r.split(' ');
                    let owner = it.next()?;
                    (ns.iter().any(|n| n == owner) && it.next()? == "A")
                        .then(|| it.next()?.parse().ok())?
                })
                .collect();
            if next.is_empty() {
                for n in &ns {
                    let (_, a) = iterate(cfg, n, RecordType::A, depth + 1).await;
                    next.extend(
                        a.iter()
                            .filter_map(|r| r.rsplit(' ').next()?.parse::<IpAddr>().ok()),
                    );
                    if !next.is_empty() {
                        break;
                    }
                }
            }
            assert!(
                !next.is_empty(),
                "no address for the name servers of {name}"
            );
            servers = next;
        }
        panic!("too many referrals for {name}");
    })
}
