//! Interoperability with servers nobody here wrote.
//!
//! An authoritative server: Debian's NSD, started on loopback by the test, serving a healthy
//! zone (records, SOA serial, a CNAME to an unclaimed cloud name) and refusing a zone it does
//! not have (a lame delegation). `inspect` and `audit` must report what NSD really answers.
//! `.ci/run` installs nsd; without it the test fails saying so (or is skipped with
//! DOMWATCH_SKIP_INTEROP=1).
//!
//! A validating resolver: Debian's unbound, started on loopback by the test with the DS records
//! the lab's .com server publishes as its trust anchors and stub zones to the lab's name
//! servers, must agree with the lab's signing and with `inspect`'s `dnssec-bogus`: AD for the
//! signed zones, SERVFAIL for the bogus ones, no AD for an unsigned one. `.ci/run` installs
//! unbound and sets DOMWATCH_REQUIRE_UNBOUND=1; without unbound the test says so and passes
//! unless that variable is set.
//!
//! A server that signs its own zones: Debian's Knot DNS, in the child module [`knot`] (the
//! parent's DS computed from the keys Knot generated, `inspect`, `audit` and the same unbound
//! helpers).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use hickory_proto::op::{Edns, Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RecordType};
use serde_json::Value;

const ZONE: &str = "$ORIGIN interop-ok.com.
$TTL 300
@ IN SOA ns1.interop-dns.net. hostmaster.interop-ok.com. 2026120701 3600 600 86400 300
@ IN NS ns1.interop-dns.net.
@ IN NS ns2.interop-dns.net.
@ IN A 192.0.2.150
@ IN MX 10 mail.interop-ok.com.
@ IN TXT \"v=spf1 mx -all\"
mail IN A 192.0.2.151
www IN CNAME gone-app.elasticbeanstalk.com.
";

/// A program on PATH or in /usr/sbin (Debian puts daemons there, outside a user's PATH).
fn sbin_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn nsd_binary() -> Option<PathBuf> {
    sbin_binary("nsd")
}

/// A loopback port free for both UDP and TCP right now (NSD and unbound bind both).
fn free_port() -> u16 {
    loop {
        let t = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = t.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok() {
            break p;
        }
    }
}

/// A server nobody here wrote (NSD, unbound, knotd) in the foreground on 127.0.0.1 (a free
/// port), killed when dropped; `log` is the log file it writes.
struct Daemon {
    child: std::process::Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// A query for `name`/`t` with EDNS (1232 bytes, DO set); `rd_ad`: recursion desired and AD
/// set, as a validating stub asks (RFC 6840 5.7). `None` for a name that does not parse.
fn dnssec_query(id: u16, name: &str, t: RecordType, rd_ad: bool) -> Option<Vec<u8>> {
    let mut m = Message::query();
    m.metadata.id = id;
    m.metadata.recursion_desired = rd_ad;
    m.metadata.authentic_data = rd_ad;
    m.add_query(Query::query(Name::from_str(name).ok()?, t));
    let mut e = Edns::new();
    e.set_max_payload(1232);
    e.set_dnssec_ok(true);
    m.set_edns(e);
    m.to_vec().ok()
}

async fn start_nsd(exe: &Path, dir: &Path) -> Daemon {
    let port = free_port();
    std::fs::write(dir.join("interop-ok.com.zone"), ZONE).unwrap();
    let d = dir.display();
    let conf = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  port: {port}\n  username: \"\"\n  chroot: \"\"\n  \
         zonesdir: \"{d}\"\n  database: \"\"\n  zonelistfile: \"{d}/zone.list\"\n  \
         xfrdfile: \"{d}/xfrd.state\"\n  pidfile: \"{d}/nsd.pid\"\n  logfile: \"{d}/nsd.log\"\n  \
         verbosity: 1\nremote-control:\n  control-enable: no\n\
         zone:\n  name: interop-ok.com\n  zonefile: interop-ok.com.zone\n"
    );
    let conf_path = dir.join("nsd.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = std::process::Command::new(exe)
        .arg("-d")
        .arg("-c")
        .arg(&conf_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let nsd = Daemon {
        child,
        addr,
        log: dir.join("nsd.log"),
    };
    // Ready when the zone is served over TCP (bounded wait; NSD logs "nsd started").
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if nsd.log().contains("nsd started") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "NSD did not start: {}",
            nsd.log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    nsd
}

async fn dw(cfg: &Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_domwatch"))
        .arg("--config")
        .arg(cfg)
        .arg("--no-progress")
        .args(args)
        .env_remove("DOMWATCH_CONFIG")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_and_audit_agree_with_nsd() {
    let Some(exe) = nsd_binary() else {
        if std::env::var("DOMWATCH_SKIP_INTEROP").is_ok_and(|v| v == "1") {
            eprintln!("skipped (DOMWATCH_SKIP_INTEROP=1): apt-get install nsd");
            return;
        }
        panic!("nsd is not installed: apt-get install nsd (or DOMWATCH_SKIP_INTEROP=1)");
    };
    let dir = tempfile::tempdir().unwrap();
    let nsd = start_nsd(&exe, dir.path()).await;
    let text = format!(
        "{}\n{}",
        lab::Scenario::builtin_text("default").unwrap(),
        include_str!("../fixtures/interop-extra.toml")
    );
    let lab = lab::Lab::start(lab::Scenario::from_toml(&text).unwrap())
        .await
        .unwrap();
    // The hoster's two addresses go to NSD instead of the lab's own server.
    let mut net = lab.net_config();
    for ip in ["203.0.113.91", "203.0.113.92"] {
        net.dns_ports.insert(ip.parse().unwrap(), nsd.addr);
    }
    let cfg = dir.path().join("lab.toml");
    std::fs::write(&cfg, domains::netconfig::to_toml(&net).unwrap()).unwrap();

    let (code, out, err) = dw(
        &cfg,
        &[
            "inspect",
            "--format",
            "json",
            "interop-ok.com",
            "interop-lame.com",
        ],
    )
    .await;
    assert!(code == 0 || code == 1, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let dns = &v[0]["snapshot"]["dns"];
    // The apex records as NSD serves them.
    let values = |rtype: &str| -> Vec<String> {
        dns["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rtype"] == rtype)
            .map(|r| {
                r["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(values("A"), ["192.0.2.150"], "{dns}");
    assert_eq!(values("MX"), ["10 mail.interop-ok.com."]);
    assert_eq!(values("TXT"), ["v=spf1 mx -all"]);
    assert_eq!(
        values("NS"),
        ["ns1.interop-dns.net.", "ns2.interop-dns.net."]
    );
    assert!(values("AAAA").is_empty() && values("CNAME").is_empty());
    // Each name server address, asked directly over UDP and TCP: authoritative, NSD's serial.
    let mut servers = Vec::new();
    collect(dns, "soa_serial", &mut servers);
    assert_eq!(servers.len(), 2, "both addresses asked: {dns}");
    for (server, serial) in &servers {
        assert_eq!(serial.as_u64(), Some(2026120701), "{server}");
        assert_eq!(server["authoritative"], true, "{server}");
        assert_eq!(server["tcp_outcome"]["outcome"], "answer", "{server}");
    }
    let codes = |i: usize| -> Vec<String> {
        v[i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        !codes(0)
            .iter()
            .any(|c| c.contains("lame") || c.contains("nameserver")),
        "{:?}",
        codes(0)
    );
    // NSD has no zone for interop-lame.com: it refuses, and both addresses are lame.
    let lame = codes(1);
    assert!(
        lame.iter()
            .any(|c| c == "lame-delegation" || c == "no-working-nameserver"),
        "{lame:?}"
    );
    assert_eq!(code, 1, "high findings exit 1");

    // The audit follows NSD's CNAME to a name that does not exist: a takeover.
    let (_, out, err) = dw(&cfg, &["audit", "--format", "jsonl", "interop-ok.com"]).await;
    let found: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        found.iter().any(|f| f["code"] == "takeover"
            && f["reference"]
                .as_str()
                .is_some_and(|r| r.contains("elasticbeanstalk.com"))),
        "{out}{err}"
    );
    drop(nsd);
    lab.shutdown().await;
}

/// Every object under `v` with the key `key`: (the object, its value).
fn collect<'a>(v: &'a Value, key: &str, out: &mut Vec<(&'a Value, &'a Value)>) {
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(key) {
                out.push((v, x));
            }
            for x in m.values() {
                collect(x, key, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                collect(x, key, out);
            }
        }
        _ => {}
    }
}

/// The lab's DNSSEC cases (`tests/fixtures/unbound-extra.toml`): name, whether the parent has
/// a DS for it, whether a validator must find it bogus.
const DNSSEC_CASES: [(&str, bool, bool); 6] = [
    ("ub-signed.com", true, false),
    ("ub-rollover.com", true, false),
    ("ub-mismatch.com", true, true),
    ("ub-nokey.com", true, true),
    ("ub-expired.com", true, true),
    ("ub-plain.com", false, false),
];

/// One question with RD, AD and DO set (a stub that wants to know whether the answer was
/// validated, RFC 6840 5.7) over UDP; `None` when nothing answers within `wait`.
async fn ask(server: SocketAddr, name: &str, t: RecordType, wait: Duration) -> Option<Message> {
    let q = dnssec_query(5353, name, t, true).unwrap();
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(&q, server).await.unwrap();
    let mut buf = vec![0u8; 65_535];
    let (n, _) = tokio::time::timeout(wait, sock.recv_from(&mut buf))
        .await
        .ok()?
        .ok()?;
    Message::from_vec(&buf[..n]).ok()
}

/// Unbound as a validating resolver: stub zones (a zone and the servers to ask for it: the
/// lab's, Knot's), `anchors` as trust anchors, validation at `at` (the lab clock,
/// `YYYYMMDDHHMMSS`). Nothing is ever asked outside 127.0.0.1: the lab's simulated address
/// ranges are refused as query targets. Ready once it answers `probe` SOA.
async fn start_unbound(
    exe: &Path,
    dir: &Path,
    at: &str,
    anchors: &[String],
    stubs: &[(String, Vec<SocketAddr>)],
    probe: &str,
) -> Daemon {
    let port = free_port();
    let d = dir.display();
    let mut conf = format!(
        "server:\n  interface: 127.0.0.1\n  port: {port}\n  do-ip6: no\n  do-daemonize: no\n  \
         username: \"\"\n  chroot: \"\"\n  directory: \"{d}\"\n  pidfile: \"{d}/unbound.pid\"\n  \
         use-syslog: no\n  logfile: \"{d}/unbound.log\"\n  verbosity: 1\n  val-log-level: 2\n  \
         num-threads: 1\n  outgoing-range: 64\n  so-reuseport: no\n  \
         access-control: 127.0.0.0/8 allow\n  module-config: \"validator iterator\"\n  \
         qname-minimisation: no\n  prefetch: no\n  do-not-query-localhost: no\n  \
         do-not-query-address: 192.0.2.0/24\n  do-not-query-address: 198.51.100.0/24\n  \
         do-not-query-address: 203.0.113.0/24\n  val-override-date: \"{at}\"\n"
    );
    for a in anchors {
        conf.push_str(&format!("  trust-anchor: \"{a}\"\n"));
    }
    conf.push_str("remote-control:\n  control-enable: no\n");
    for (name, servers) in stubs {
        conf.push_str(&format!("stub-zone:\n  name: \"{name}\"\n"));
        for s in servers {
            conf.push_str(&format!("  stub-addr: {}@{}\n", s.ip(), s.port()));
        }
    }
    let conf_path = dir.join("unbound.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = std::process::Command::new(exe)
        .arg("-d")
        .arg("-c")
        .arg(&conf_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let u = Daemon {
        child,
        addr: format!("127.0.0.1:{port}").parse().unwrap(),
        log: dir.join("unbound.log"),
    };
    // Ready when it answers (bounded: each try waits for an answer, never a fixed sleep).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while ask(u.addr, probe, RecordType::SOA, Duration::from_millis(500))
        .await
        .is_none()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "unbound did not start: {}",
            u.log()
        );
    }
    u
}

/// The DS records the lab's .com server publishes for `names` (asked with DO), in presentation
/// form (unbound's `trust-anchor:` syntax); `has_ds` says which names must have one.
async fn parent_ds(lab: &lab::Lab, names: &[(&str, bool)]) -> Vec<String> {
    let com = lab.net_config().dns_ports[&"198.51.100.10".parse().unwrap()];
    let mut anchors = Vec::new();
    for (name, has_ds) in names {
        let m = ask(
            com,
            &format!("{name}."),
            RecordType::DS,
            Duration::from_secs(5),
        )
        .await
        .unwrap_or_else(|| panic!("the lab's .com server did not answer DS {name}"));
        let ds: Vec<String> = m
            .answers
            .iter()
            .filter(|r| r.record_type() == RecordType::DS)
            .map(|r| r.to_string())
            .collect();
        assert_eq!(!ds.is_empty(), *has_ds, "{name}: {ds:?}");
        anchors.extend(ds);
    }
    anchors
}

/// The lab's root server socket (unbound's stub for ".": nothing outside the lab).
fn lab_root(lab: &lab::Lab) -> (String, Vec<SocketAddr>) {
    let net = lab.net_config();
    (
        ".".into(),
        vec![net.dns_ports[&"198.51.100.1".parse().unwrap()]],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validating_unbound_agrees_with_the_lab_and_dnssec_bogus() {
    let Some(exe) = sbin_binary("unbound") else {
        if std::env::var("DOMWATCH_REQUIRE_UNBOUND").is_ok_and(|v| v == "1") {
            panic!(
                "unbound is not installed (DOMWATCH_REQUIRE_UNBOUND=1): apt-get install unbound"
            );
        }
        eprintln!("skipped: unbound is not installed (apt-get install unbound)");
        return;
    };
    let text = format!(
        "{}\n{}",
        lab::Scenario::builtin_text("default").unwrap(),
        include_str!("../fixtures/unbound-extra.toml")
    );
    let lab = lab::Lab::start(lab::Scenario::from_toml(&text).unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // The trust anchors: the DS records the lab's .com server publishes (asked with DO).
    let cases: Vec<(&str, bool)> = DNSSEC_CASES.iter().map(|c| (c.0, c.1)).collect();
    let anchors = parent_ds(&lab, &cases).await;
    let net = lab.net_config();
    let sock = |ip: &str| net.dns_ports[&ip.parse().unwrap()];
    let corpdns = vec![sock("203.0.113.1"), sock("203.0.113.2")];
    let mut stubs = vec![lab_root(&lab)];
    for (name, ..) in DNSSEC_CASES {
        stubs.push((format!("{name}."), corpdns.clone()));
    }
    let at = lab.now().strftime("%Y%m%d%H%M%S").to_string();
    let unbound = start_unbound(&exe, dir.path(), &at, &anchors, &stubs, "ub-plain.com.").await;

    for (name, has_ds, bogus) in DNSSEC_CASES {
        let m = ask(
            unbound.addr,
            &format!("{name}."),
            RecordType::A,
            Duration::from_secs(10),
        )
        .await
        .unwrap_or_else(|| panic!("unbound did not answer A {name}: {}", unbound.log()));
        let rc = m.metadata.response_code;
        let ad = m.metadata.authentic_data;
        if bogus {
            assert_eq!(rc, ResponseCode::ServFail, "{name} is bogus: {m:?}");
        } else {
            assert_eq!(
                rc,
                ResponseCode::NoError,
                "{name}: {m:?}\n{}",
                unbound.log()
            );
            assert!(
                m.answers.iter().any(|r| r.record_type() == RecordType::A),
                "{name}: {m:?}"
            );
            assert_eq!(ad, has_ds, "{name}: AD only when validated: {m:?}");
        }
    }
    // unbound says why the bogus ones failed.
    let log = unbound.log();
    for (name, _, bogus) in DNSSEC_CASES {
        if bogus {
            assert!(
                log.contains(&format!("validation failure <{name}. A IN>")),
                "{name}: {log}"
            );
        }
    }

    // inspect agrees: dnssec-bogus exactly for the names unbound refuses.
    let cfg = dir.path().join("lab.toml");
    lab.write_config(&cfg).unwrap();
    let mut args = vec!["inspect", "--format", "json"];
    args.extend(DNSSEC_CASES.iter().map(|c| c.0));
    let (code, out, err) = dw(&cfg, &args).await;
    assert_eq!(code, 1, "critical findings exit 1: {out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    for (i, (name, _, bogus)) in DNSSEC_CASES.iter().enumerate() {
        let found = v[i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "dnssec-bogus" && f["severity"] == "critical");
        assert_eq!(found, *bogus, "{name}: {}", v[i]["findings"]);
    }
    drop(unbound);
    lab.shutdown().await;
}

/// Knot DNS signing its own zones (`interop/knot.rs`).
mod knot;
