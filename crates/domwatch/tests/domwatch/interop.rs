//! Interoperability with an authoritative server nobody here wrote: Debian's NSD, started on
//! loopback by the test, serving a healthy zone (records, SOA serial, a CNAME to an unclaimed
//! cloud name) and refusing a zone it does not have (a lame delegation). `inspect` and `audit`
//! must report what NSD really answers. `.ci/run` installs nsd; without it the test fails
//! saying so (or is skipped with DOMWATCH_SKIP_INTEROP=1).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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

fn nsd_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("nsd"))
        .find(|p| p.is_file())
}

/// NSD in the foreground on 127.0.0.1 (a free port), killed when dropped.
struct Nsd {
    child: std::process::Child,
    addr: SocketAddr,
}

impl Drop for Nsd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_nsd(exe: &Path, dir: &Path) -> Nsd {
    // A port free for both UDP and TCP right now (NSD binds both).
    let port = loop {
        let t = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let p = t.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", p)).is_ok() {
            break p;
        }
    };
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
    let nsd = Nsd { child, addr };
    // Ready when the zone is served over TCP (bounded wait; NSD logs "nsd started").
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let log = std::fs::read_to_string(dir.join("nsd.log")).unwrap_or_default();
        if log.contains("nsd started") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "NSD did not start: {log}"
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
