//! The client against real TCP servers on 127.0.0.1: tiny canned servers (test scaffolding) and
//! the lab's simulated WHOIS servers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domains::DomainName;
use domains::netconfig::NetConfig;
use domains::registration::{EppStatus, Lookup};
use probe::whois::{WhoisClient, WhoisError, WhoisOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

type Seen = Arc<Mutex<Vec<String>>>;

/// What a canned server does with a connection.
#[derive(Clone)]
enum Reply {
    /// Answer this text (bytes) and close.
    Text(Vec<u8>),
    /// Read the query, then keep the connection open without answering.
    Silent,
}

/// Serves `reply` to every connection on a pre-bound listener; records the query lines.
async fn canned(reply: Reply) -> (SocketAddr, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let reply = reply.clone();
            let seen = seen2.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 512];
                while !buf.contains(&b'\n') && buf.len() < 4096 {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&buf).trim_end().to_string();
                seen.lock().unwrap().push(line);
                match reply {
                    Reply::Text(t) => {
                        let _ = s.write_all(&t).await;
                        let _ = s.shutdown().await;
                    }
                    Reply::Silent => {
                        // hold the connection until the client gives up
                        let _ = s.read(&mut chunk).await;
                    }
                }
            });
        }
    });
    (addr, seen)
}

fn text(s: &str) -> Reply {
    Reply::Text(s.replace('\n', "\r\n").into_bytes())
}

fn dn(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

fn lab_cfg(hosts: &[(&str, SocketAddr)]) -> NetConfig {
    let mut cfg = NetConfig {
        allow_private_addresses: true,
        ..Default::default()
    };
    for (h, a) in hosts {
        cfg.whois_hosts.insert((*h).to_string(), *a);
    }
    cfg
}

const IANA_COM: &str = "% IANA WHOIS server\n\nrefer:        whois.registry.test\n\n\
                        domain:       COM\n\nwhois:        whois.registry.test\n\n\
                        status:       ACTIVE\n";

const REGISTRY_ANSWER: &str = "   Domain Name: EXAMPLE.COM\n\
   Registry Domain ID: 2336799_DOMAIN_COM-VRSN\n\
   Registrar WHOIS Server: whois.registrar.test\n\
   Updated Date: 2024-08-14T07:01:34Z\n\
   Creation Date: 1995-08-14T04:00:00Z\n\
   Registry Expiry Date: 2025-08-13T04:00:00Z\n\
   Registrar: Example Registrar, Inc.\n\
   Registrar IANA ID: 376\n\
   Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\n\
   Name Server: A.IANA-SERVERS.NET\n\
   DNSSEC: unsigned\n";

const REGISTRAR_ANSWER: &str = "Domain Name: example.com\n\
Registrar WHOIS Server: whois.registrar.test\n\
Creation Date: 1995-08-14T04:00:00Z\n\
Registrar Registration Expiration Date: 2025-08-13T04:00:00Z\n\
Registrar: Example Registrar, Inc.\n\
Registrant Organization: Example Org\n\
Registrant Email: REDACTED FOR PRIVACY\n\
Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\n\
Name Server: a.iana-servers.net\n";

#[tokio::test]
async fn iana_registry_registrar_chain() {
    let (iana, iana_seen) = canned(text(IANA_COM)).await;
    let (registry, registry_seen) = canned(text(REGISTRY_ANSWER)).await;
    let (registrar, registrar_seen) = canned(text(REGISTRAR_ANSWER)).await;
    let cfg = lab_cfg(&[
        ("whois.iana.org", iana),
        ("whois.registry.test", registry),
        ("whois.registrar.test", registrar),
    ]);
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let res = client.lookup(&dn("Example.COM")).await.unwrap();
    assert_eq!(*iana_seen.lock().unwrap(), ["com"]);
    assert_eq!(*registry_seen.lock().unwrap(), ["example.com"]);
    assert_eq!(*registrar_seen.lock().unwrap(), ["example.com"]);
    let servers: Vec<&str> = res.transcript.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        servers,
        [
            "whois.iana.org",
            "whois.registry.test",
            "whois.registrar.test"
        ]
    );
    let r = &res.registry;
    assert_eq!(r.lookup, Lookup::Registered);
    assert_eq!(r.server, "whois.registry.test");
    assert_eq!(r.expires().unwrap().to_rfc3339(), "2025-08-13T04:00:00Z");
    assert!(r.has_registrar_lock());
    let rr = res.registrar.as_ref().unwrap();
    assert_eq!(rr.server, "whois.registrar.test");
    assert!(rr.contacts.iter().any(|c| c.redacted));
    assert_eq!(
        rr.registrar.as_ref().unwrap().name.as_deref(),
        Some("Example Registrar, Inc.")
    );
}

#[tokio::test]
async fn override_and_jprs_quirk() {
    let jprs = "[ JPRS database provides information on network administration. ]\n\
Domain Information:\n\
a. [Domain Name]                EXAMPLE.CO.JP\n\
p. [Name Server]                ns1.example.net\n\
[State]                         Connected (2026/03/31)\n\
[Registered Date]               2001/03/22\n";
    let (addr, seen) = canned(text(jprs)).await;
    let mut cfg = lab_cfg(&[("whois.jprs.jp", addr)]);
    cfg.whois_overrides
        .insert("jp".to_string(), "whois.jprs.jp".to_string());
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let res = client.lookup(&dn("example.co.jp")).await.unwrap();
    // no IANA query, and JPRS asked for English
    assert_eq!(*seen.lock().unwrap(), ["example.co.jp/e"]);
    assert_eq!(res.transcript.len(), 1);
    assert_eq!(
        res.registry.expires().unwrap().to_rfc3339(),
        "2026-03-31T00:00:00+09:00"
    );
    assert!(res.registrar.is_none());
}

#[tokio::test]
async fn loopback_refused_unless_allowed() {
    let (addr, seen) = canned(text("Domain Name: EXAMPLE.COM\n")).await;
    let mut cfg = lab_cfg(&[("whois.evil.test", addr)]);
    cfg.allow_private_addresses = false;
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let err = client
        .query("whois.evil.test", "example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, WhoisError::RefusedAddress { .. }), "{err:?}");
    // a name that resolves to loopback through the system resolver is refused as well
    let err = client.query("localhost", "example.com").await.unwrap_err();
    assert!(
        matches!(
            err,
            WhoisError::RefusedAddress { .. } | WhoisError::InvalidHost(_)
        ),
        "{err:?}"
    );
    // and an address literal
    let err = client.query("127.0.0.1", "example.com").await.unwrap_err();
    assert!(matches!(err, WhoisError::RefusedAddress { .. }), "{err:?}");
    assert!(seen.lock().unwrap().is_empty());
    // allowed: the same server answers
    cfg.allow_private_addresses = true;
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let t = client
        .query("whois.evil.test", "example.com")
        .await
        .unwrap();
    assert!(t.contains("EXAMPLE.COM"));
}

#[tokio::test]
async fn referral_to_an_address_literal_is_not_followed() {
    let registry = "Domain Name: EXAMPLE.COM\nRegistrar WHOIS Server: 127.0.0.1\n\
                    Registrar: X\nName Server: ns1.example.net\n";
    let (addr, _) = canned(text(registry)).await;
    let mut cfg = lab_cfg(&[("whois.registry.test", addr)]);
    cfg.whois_overrides
        .insert("com".into(), "whois.registry.test".into());
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let res = client.lookup(&dn("example.com")).await.unwrap();
    assert!(res.registrar.is_none());
    assert_eq!(res.transcript.len(), 1);
}

#[tokio::test]
async fn silent_server_times_out() {
    let (addr, seen) = canned(Reply::Silent).await;
    let cfg = lab_cfg(&[("whois.slow.test", addr)]);
    let opts = WhoisOptions {
        timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let client = WhoisClient::new(&cfg, opts);
    let started = std::time::Instant::now();
    let err = client
        .query("whois.slow.test", "example.com")
        .await
        .unwrap_err();
    assert!(matches!(err, WhoisError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn oversized_answer_is_refused() {
    let big = vec![b'x'; 300 * 1024];
    let (addr, _) = canned(Reply::Text(big)).await;
    let cfg = lab_cfg(&[("whois.big.test", addr)]);
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let err = client
        .query("whois.big.test", "example.com")
        .await
        .unwrap_err();
    assert!(
        matches!(err, WhoisError::TooLarge { limit, .. } if limit == 256 * 1024),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_utf8_is_decoded_lossily() {
    let mut bytes = b"Domain Name: EXAMPLE.JP\nRegistrant: ".to_vec();
    bytes.extend_from_slice(&[0x1b, 0x24, 0x42, 0x93, 0xfa, 0xff, b'\n']);
    let (addr, _) = canned(Reply::Text(bytes)).await;
    let cfg = lab_cfg(&[("whois.sjis.test", addr)]);
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let t = client.query("whois.sjis.test", "example.jp").await.unwrap();
    assert!(t.contains('\u{fffd}'));
    assert!(t.starts_with("Domain Name: EXAMPLE.JP"));
}

#[tokio::test]
async fn a_binary_answer_is_unreadable_with_the_bytes_received() {
    let (iana, _) = canned(text(IANA_COM)).await;
    let garbage: Vec<u8> = (0..300u32).map(|i| (i * 151 % 256) as u8 | 0x80).collect();
    let (reg, _) = canned(Reply::Text(garbage.clone())).await;
    let cfg = lab_cfg(&[("whois.iana.org", iana), ("whois.registry.test", reg)]);
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let r = client.lookup(&dn("example.com")).await.unwrap();
    assert_eq!(
        r.registry.lookup,
        Lookup::Unreadable {
            bytes: garbage.len() as u64
        },
        "{:?}",
        r.registry.notes
    );
}

#[tokio::test]
async fn no_server_and_bad_input() {
    let (iana, _) = canned(text(
        "% IANA WHOIS server\n% This query returned 0 objects.\n",
    ))
    .await;
    let cfg = lab_cfg(&[("whois.iana.org", iana)]);
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let err = client.lookup(&dn("example.zz")).await.unwrap_err();
    assert!(
        matches!(err, WhoisError::NoServer { ref tld } if tld == "zz"),
        "{err:?}"
    );
    let err = client.query("whois.iana.org", "a\r\nb").await.unwrap_err();
    assert!(matches!(err, WhoisError::InvalidQuery), "{err:?}");
    let err = client.query("bad host!", "x").await.unwrap_err();
    assert!(matches!(err, WhoisError::InvalidHost(_)), "{err:?}");
}

#[tokio::test]
async fn iana_refusal_is_rate_limited_not_no_server() {
    let (iana, _) = canned(text(
        "Too many queries from your address, try again later\n",
    ))
    .await;
    let cfg = lab_cfg(&[("whois.iana.org", iana)]);
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let res = client.lookup(&dn("example.com")).await.unwrap();
    assert!(matches!(res.registry.lookup, Lookup::RateLimited { .. }));
    assert_eq!(res.registry.server, "whois.iana.org");
    assert_eq!(res.transcript.len(), 1);
}

// ---- against the lab ----------------------------------------------------------------------

async fn start_lab() -> lab::Lab {
    let scenario = lab::Scenario::builtin("default").unwrap();
    lab::Lab::start(scenario).await.unwrap()
}

#[tokio::test]
async fn lab_gtld_chain_with_registrar_referral() {
    let lab = start_lab().await;
    let client = WhoisClient::new(&lab.net_config(), WhoisOptions::default());
    let res = client.lookup(&dn("hinode-logistics.com")).await.unwrap();
    let servers: Vec<&str> = res.transcript.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        servers,
        [
            "whois.iana.org",
            "whois.verisign-grs.com",
            "whois.corpreg.example"
        ],
        "{:#?}",
        res.transcript
    );
    let r = &res.registry;
    assert_eq!(r.lookup, Lookup::Registered, "{:?}", r.notes);
    assert!(r.has_status(&EppStatus::ClientTransferProhibited));
    assert!(r.expires().is_some());
    assert_eq!(r.nameservers.len(), 2, "{:?}", r.nameservers);
    let rr = res.registrar.as_ref().unwrap();
    assert_eq!(
        rr.registrar.as_ref().and_then(|x| x.name.as_deref()),
        Some("Lab Corporate Registrar, Inc.")
    );
    assert_eq!(
        rr.registrar.as_ref().and_then(|x| x.iana_id.as_deref()),
        Some("9991")
    );
    // `Registrant Email: Please query the RDDS service ...` is not an address
    let registrant = rr
        .contacts
        .iter()
        .find(|c| c.role == domains::registration::ContactRole::Registrant)
        .unwrap();
    assert!(registrant.redacted);
    assert!(registrant.email.is_none());
    assert!(registrant.organization.is_some());
    // not registered at the registry
    let res = client.lookup(&dn("no-such-name-4711.com")).await.unwrap();
    assert_eq!(res.registry.lookup, Lookup::NotFound);
    assert!(res.registrar.is_none());
    lab.shutdown().await;
}

#[tokio::test]
async fn lab_jprs_answers() {
    let lab = start_lab().await;
    let client = WhoisClient::new(&lab.net_config(), WhoisOptions::default());
    let res = client.lookup(&dn("hinode-logistics.co.jp")).await.unwrap();
    let r = &res.registry;
    assert_eq!(r.lookup, Lookup::Registered, "{:?}", r.notes);
    assert_eq!(r.server, "whois.jprs.jp");
    assert_eq!(
        r.expires().unwrap().to_rfc3339(),
        "2027-04-30T00:00:00+09:00"
    );
    assert_eq!(
        r.created().unwrap().to_rfc3339(),
        "2009-04-20T00:00:00+09:00"
    );
    assert!(r.has_status(&EppStatus::Other("AgentChangeLocked".into())));
    assert_eq!(r.nameservers.len(), 2);
    let res = client.lookup(&dn("jphost.ne.jp")).await.unwrap();
    assert_eq!(res.registry.lookup, Lookup::Registered);
    let res = client.lookup(&dn("no-such-name-4711.co.jp")).await.unwrap();
    assert_eq!(res.registry.lookup, Lookup::NotFound);
    lab.shutdown().await;
}

#[tokio::test]
async fn lab_jprs_limit_is_not_not_found() {
    let lab = start_lab().await;
    let mut cfg = lab.net_config();
    // straight to the registry (the limit is per registry)
    cfg.whois_overrides
        .insert("jp".into(), "whois.jprs.jp".into());
    let client = WhoisClient::new(&cfg, WhoisOptions::default());
    let name = dn("no-such-name-4711.jp");
    let mut limited = None;
    // the default scenario allows 200 queries a minute
    for _ in 0..260 {
        let res = client.lookup(&name).await.unwrap();
        match res.registry.lookup {
            Lookup::NotFound => {}
            Lookup::RateLimited { .. } => {
                limited = Some(res.registry);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let limited = limited.expect("the lab never rate-limited");
    assert!(matches!(limited.lookup, Lookup::RateLimited { .. }));
    lab.shutdown().await;
}

#[tokio::test]
async fn lab_unresponsive_registry_times_out() {
    let lab = start_lab().await;
    let opts = WhoisOptions {
        timeout: Duration::from_millis(500),
        ..Default::default()
    };
    let client = WhoisClient::new(&lab.net_config(), opts);
    let err = client
        .lookup(&dn("kuronekoyamato-login.tk"))
        .await
        .unwrap_err();
    assert!(matches!(err, WhoisError::Timeout { .. }), "{err:?}");
    lab.shutdown().await;
}
