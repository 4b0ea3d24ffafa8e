//! Knot DNS (Debian's knot) signing its own zones, `inspect`/`audit` and a validating unbound.
//!
//! The test starts `knotd` on loopback with zones it signs itself when it loads them
//! (ECDSAP256SHA256 keys it generates; one zone denied with NSEC, one with NSEC3), reads the
//! DNSKEY it serves, computes the DS (RFC 4034 5.1.4, with hickory) and writes it into the lab
//! scenario (`tests/fixtures/knot-extra.toml`) as the parent's `ds = [...]`, then starts the lab
//! with the hoster's addresses mapped to Knot. Keys, signatures, NSEC3 chain: all Knot's, none the
//! lab's. `inspect` must find the good zones secure and the broken ones `dnssec-bogus`, and the
//! glueless delegation `no-glue`; unbound, with those DS as trust anchors, must agree (AD,
//! SERVFAIL). `.ci/run` installs knot and sets DOMWATCH_REQUIRE_KNOT=1; without knotd the test
//! says so and passes unless that variable is set.

use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use hickory_proto::dnssec::rdata::DNSSECRData;
use hickory_proto::dnssec::{DigestType, Verifier};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    Daemon, ask, dnssec_query, dw, free_port, lab_root, parent_ds, sbin_binary, start_unbound,
};

/// How Knot serves a zone.
#[derive(Clone, Copy, PartialEq)]
enum Signing {
    Nsec,
    Nsec3,
    Unsigned,
}

/// What the parent (the lab's .com) publishes as DS.
#[derive(Clone, Copy, PartialEq)]
enum ParentDs {
    /// The DS of Knot's KSK.
    OfTheKsk,
    /// The KSK's key tag and algorithm with a wrong digest.
    WrongDigest,
    /// A DS for a zone that has no key at all.
    Invented,
    None,
}

struct Case {
    name: &'static str,
    signing: Signing,
    ds: ParentDs,
    /// Validating resolvers must refuse it (SERVFAIL) and `inspect` must say `dnssec-bogus`.
    bogus: bool,
}

const CASES: [Case; 5] = [
    Case {
        name: "knot-signed.com",
        signing: Signing::Nsec,
        ds: ParentDs::OfTheKsk,
        bogus: false,
    },
    Case {
        name: "knot-nsec3.com",
        signing: Signing::Nsec3,
        ds: ParentDs::OfTheKsk,
        bogus: false,
    },
    Case {
        name: "knot-wrong-ds.com",
        signing: Signing::Nsec,
        ds: ParentDs::WrongDigest,
        bogus: true,
    },
    Case {
        name: "knot-unsigned-ds.com",
        signing: Signing::Unsigned,
        ds: ParentDs::Invented,
        bogus: true,
    },
    Case {
        name: "knot-noglue.com",
        signing: Signing::Unsigned,
        ds: ParentDs::None,
        bogus: false,
    },
];

/// The zone file Knot loads for `name` (its own name server for the glueless case).
fn zone_text(name: &str) -> String {
    let ns = if name == "knot-noglue.com" {
        format!("@ IN NS ns1.{name}.\nns1 IN A 203.0.113.97\n")
    } else {
        "@ IN NS ns1.knot-dns.net.\n@ IN NS ns2.knot-dns.net.\n".to_string()
    };
    format!(
        "$ORIGIN {name}.\n$TTL 300\n\
         @ IN SOA ns1.knot-dns.net. hostmaster.{name}. 2026120701 3600 600 86400 300\n\
         {ns}@ IN A 192.0.2.180\nwww IN A 192.0.2.181\n"
    )
}

/// One question (no recursion, DO set) over TCP, as a secondary or a prober asks; `None` when
/// nothing answers within `wait`.
async fn ask_tcp(server: SocketAddr, name: &str, t: RecordType, wait: Duration) -> Option<Message> {
    let bytes = dnssec_query(4242, name, t, false)?;
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(server).await.ok()?;
        let len = u16::try_from(bytes.len()).ok()?;
        s.write_all(&len.to_be_bytes()).await.ok()?;
        s.write_all(&bytes).await.ok()?;
        let mut len = [0u8; 2];
        s.read_exact(&mut len).await.ok()?;
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        s.read_exact(&mut buf).await.ok()?;
        Message::from_vec(&buf).ok()
    };
    tokio::time::timeout(wait, exchange).await.ok()?
}

/// Starts knotd with the zones of [`CASES`] (signed by Knot where the case says so) and waits,
/// bounded, until every zone answers its SOA over TCP (with its DNSKEY for a signed zone: Knot
/// signs on load).
async fn start_knot(exe: &Path, dir: &Path) -> Daemon {
    let port = free_port();
    let zones = dir.join("zones");
    for sub in ["zones", "storage", "run"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let d = dir.display();
    let mut conf = format!(
        "server:\n    rundir: \"{d}/run\"\n    listen: 127.0.0.1@{port}\n    \
         background-workers: 1\n    udp-workers: 1\n    tcp-workers: 1\n\
         log:\n  - target: \"{d}/knot.log\"\n    any: info\n\
         database:\n    storage: \"{d}/storage\"\n\
         policy:\n  - id: nsec\n    algorithm: ecdsap256sha256\n    nsec3: off\n  \
         - id: nsec3\n    algorithm: ecdsap256sha256\n    nsec3: on\n    \
         nsec3-iterations: 0\n    nsec3-salt-length: 0\n\
         template:\n  - id: default\n    storage: \"{d}/zones\"\n    file: \"%s.zone\"\n    \
         zonefile-sync: -1\n    journal-content: none\n\
         zone:\n"
    );
    for c in &CASES {
        std::fs::write(zones.join(format!("{}.zone", c.name)), zone_text(c.name)).unwrap();
        conf.push_str(&format!("  - domain: {}\n", c.name));
        match c.signing {
            Signing::Nsec => conf.push_str("    dnssec-signing: on\n    dnssec-policy: nsec\n"),
            Signing::Nsec3 => conf.push_str("    dnssec-signing: on\n    dnssec-policy: nsec3\n"),
            Signing::Unsigned => {}
        }
    }
    let conf_path = dir.join("knot.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = std::process::Command::new(exe)
        .arg("-c")
        .arg(&conf_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let knot = Daemon {
        child,
        addr: format!("127.0.0.1:{port}").parse().unwrap(),
        log: dir.join("knot.log"),
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    for c in &CASES {
        let (t, want) = match c.signing {
            Signing::Unsigned => (RecordType::SOA, RecordType::SOA),
            _ => (RecordType::DNSKEY, RecordType::DNSKEY),
        };
        let name = format!("{}.", c.name);
        loop {
            let m = ask_tcp(knot.addr, &name, t, Duration::from_millis(500)).await;
            if m.is_some_and(|m| m.answers.iter().any(|r| r.record_type() == want)) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "knotd did not serve {}: {}",
                c.name,
                knot.log()
            );
            // Not listening yet (refused at once) or still loading: a short pause between tries.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    knot
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The `ds = [...]` line for a case, from the DNSKEY set Knot serves for it.
async fn ds_line(knot: &Daemon, c: &Case) -> Option<String> {
    let entry = |tag: u16, alg: u8, digest: &str| {
        format!(
            "ds = [{{ key_tag = {tag}, algorithm = {alg}, digest_type = 2, digest = \"{digest}\" }}]\n"
        )
    };
    let ksk = || async {
        let zone = Name::from_str(&format!("{}.", c.name)).unwrap();
        let m = ask_tcp(
            knot.addr,
            &zone.to_string(),
            RecordType::DNSKEY,
            Duration::from_secs(5),
        )
        .await
        .unwrap_or_else(|| panic!("Knot did not answer DNSKEY {}", c.name));
        let ksks: Vec<_> = m
            .answers
            .iter()
            .filter_map(|r| match &r.data {
                RData::DNSSEC(DNSSECRData::DNSKEY(k)) if k.secure_entry_point() => Some(k),
                _ => None,
            })
            .collect();
        assert_eq!(ksks.len(), 1, "{}: one KSK: {m:?}", c.name);
        let k = ksks[0];
        let tag = k.calculate_key_tag().unwrap();
        let digest = hex(k.to_digest(&zone, DigestType::SHA256).unwrap().as_ref());
        (tag, u8::from(k.algorithm()), digest)
    };
    match c.ds {
        ParentDs::None => None,
        ParentDs::OfTheKsk => {
            let (tag, alg, digest) = ksk().await;
            Some(entry(tag, alg, &digest))
        }
        ParentDs::WrongDigest => {
            let (tag, alg, digest) = ksk().await;
            let wrong = "0".repeat(digest.len());
            assert_ne!(digest, wrong);
            Some(entry(tag, alg, &wrong))
        }
        ParentDs::Invented => Some(entry(4242, 13, &"ab".repeat(32))),
    }
}

/// The findings of one inspected name: (code, severity, subject).
fn findings(v: &Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (s("code"), s("severity"), s("subject"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knot_signs_and_inspect_and_unbound_agree() {
    let Some(exe) = sbin_binary("knotd") else {
        if std::env::var("DOMWATCH_REQUIRE_KNOT").is_ok_and(|v| v == "1") {
            panic!("knotd is not installed (DOMWATCH_REQUIRE_KNOT=1): apt-get install knot");
        }
        eprintln!("skipped: knotd is not installed (apt-get install knot)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let knot = start_knot(&exe, &dir.path().join("knot")).await;

    // The parent's DS, from the keys Knot generated a moment ago.
    let mut extra = include_str!("../../fixtures/knot-extra.toml").to_string();
    for c in &CASES {
        if let Some(line) = ds_line(&knot, c).await {
            let at = format!("name = \"{}\"\n", c.name);
            assert!(extra.contains(&at), "{} is in knot-extra.toml", c.name);
            extra = extra.replacen(&at, &format!("{at}{line}"), 1);
        }
    }
    // Knot signs at the real clock; the lab's clock (00:00 UTC of its day) must be inside the
    // signatures' validity: the default scenario, started tomorrow.
    let tomorrow = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .tomorrow()
        .unwrap();
    let default = lab::Scenario::builtin_text("default").unwrap();
    let start = "start = \"2026-10-01\"";
    assert!(
        default.contains(start),
        "the default scenario's start moved"
    );
    let text = format!(
        "{}\n{extra}",
        default.replacen(start, &format!("start = \"{tomorrow}\""), 1)
    );
    let lab = lab::Lab::start(lab::Scenario::from_toml(&text).unwrap())
        .await
        .unwrap();
    // The hoster's two addresses go to Knot instead of the lab's own server.
    let mut net = lab.net_config();
    for ip in ["203.0.113.95", "203.0.113.96"] {
        net.dns_ports.insert(ip.parse().unwrap(), knot.addr);
    }
    let cfg = dir.path().join("lab.toml");
    std::fs::write(&cfg, domains::netconfig::to_toml(&net).unwrap()).unwrap();

    // inspect: secure where the chain holds, dnssec-bogus where it does not, no-glue.
    let mut args = vec!["inspect", "--format", "json"];
    args.extend(CASES.iter().map(|c| c.name));
    let (code, out, err) = dw(&cfg, &args).await;
    assert_eq!(code, 1, "critical findings exit 1: {out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    for (i, c) in CASES.iter().enumerate() {
        let f = findings(&v[i]);
        let bogus: Vec<_> = f.iter().filter(|f| f.0 == "dnssec-bogus").collect();
        assert_eq!(!bogus.is_empty(), c.bogus, "{}: {f:?}", c.name);
        assert!(bogus.iter().all(|f| f.1 == "critical"), "{}: {f:?}", c.name);
        let check = &v[i]["snapshot"]["dns"]["dnssec"];
        match c.ds {
            ParentDs::OfTheKsk => {
                // Every DS matches a DNSKEY, and Knot's signatures over the DNSKEY set (by the
                // KSK) and the SOA (by the ZSK) verify.
                let ds = check["ds"].as_array().unwrap();
                assert!(
                    !ds.is_empty() && ds.iter().all(|d| d["status"] == "matches"),
                    "{}: {check}",
                    c.name
                );
                let flags: Vec<u64> = check["keys"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k["flags"].as_u64().unwrap())
                    .collect();
                assert!(flags.contains(&257) && flags.contains(&256), "{check}");
                for rrset in ["dnskey", "soa"] {
                    let sigs = check[rrset]["signatures"].as_array().unwrap();
                    assert!(
                        !sigs.is_empty() && sigs.iter().all(|s| s["verified"] == true),
                        "{} {rrset}: {check}",
                        c.name
                    );
                }
            }
            ParentDs::WrongDigest => {
                assert_eq!(check["ds"][0]["status"], "digest-differs", "{check}");
                assert_eq!(bogus[0].2, "ds-mismatch", "{f:?}");
            }
            ParentDs::Invented => {
                assert_eq!(check["ds"][0]["status"], "no-such-key", "{check}");
                assert_eq!(bogus[0].2, "no-dnskey", "{f:?}");
            }
            ParentDs::None => {
                assert!(check.is_null(), "{}: no DS, no check: {check}", c.name);
            }
        }
        let no_glue: Vec<_> = f.iter().filter(|f| f.0 == "no-glue").collect();
        if c.name == "knot-noglue.com" {
            assert_eq!(no_glue.len(), 1, "{f:?}");
            assert_eq!(no_glue[0].1, "critical", "no NS reachable: {f:?}");
            assert_eq!(no_glue[0].2, "ns1.knot-noglue.com", "{f:?}");
        } else {
            assert!(no_glue.is_empty(), "{}: {f:?}", c.name);
        }
    }
    // The glueless delegation alone exits 1 too (critical, README "Exit codes").
    let (code, out, err) = dw(&cfg, &["inspect", "knot-noglue.com"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("no-glue"), "{out}");

    // audit raises the bogus chain as well.
    let (code, out, err) = dw(&cfg, &["audit", "--format", "jsonl", "knot-wrong-ds.com"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.lines().any(|l| l.contains("\"dnssec-bogus\"")),
        "{out}{err}"
    );

    // unbound, validating with the parent's DS as trust anchors, stub zones to Knot (and the
    // lab's .com for the glueless one).
    let with_ds: Vec<(&str, bool)> = CASES
        .iter()
        .map(|c| (c.name, c.ds != ParentDs::None))
        .collect();
    let anchors = parent_ds(&lab, &with_ds).await;
    let Some(unbound_exe) = sbin_binary("unbound") else {
        if std::env::var("DOMWATCH_REQUIRE_UNBOUND").is_ok_and(|v| v == "1") {
            panic!(
                "unbound is not installed (DOMWATCH_REQUIRE_UNBOUND=1): apt-get install unbound"
            );
        }
        eprintln!("unbound part skipped: unbound is not installed (apt-get install unbound)");
        lab.shutdown().await;
        return;
    };
    let com = lab.net_config().dns_ports[&"198.51.100.10".parse().unwrap()];
    let mut stubs = vec![lab_root(&lab), ("com.".to_string(), vec![com])];
    for c in CASES.iter().filter(|c| c.name != "knot-noglue.com") {
        stubs.push((format!("{}.", c.name), vec![knot.addr]));
    }
    let at = lab.now().strftime("%Y%m%d%H%M%S").to_string();
    let ub_dir = dir.path().join("unbound");
    std::fs::create_dir_all(&ub_dir).unwrap();
    let unbound = start_unbound(
        &unbound_exe,
        &ub_dir,
        &at,
        &anchors,
        &stubs,
        "knot-signed.com.",
    )
    .await;
    for c in &CASES {
        let m = ask(
            unbound.addr,
            &format!("{}.", c.name),
            RecordType::A,
            Duration::from_secs(10),
        )
        .await
        .unwrap_or_else(|| panic!("unbound did not answer A {}: {}", c.name, unbound.log()));
        let rc = m.metadata.response_code;
        if c.bogus || c.name == "knot-noglue.com" {
            assert_eq!(rc, ResponseCode::ServFail, "{}: {m:?}", c.name);
            continue;
        }
        assert_eq!(
            rc,
            ResponseCode::NoError,
            "{}: {m:?}\n{}",
            c.name,
            unbound.log()
        );
        assert!(m.metadata.authentic_data, "{}: validated: {m:?}", c.name);
        // The denial of existence, NSEC or NSEC3 as Knot built it, validates too.
        let m = ask(
            unbound.addr,
            &format!("no-such-name.{}.", c.name),
            RecordType::A,
            Duration::from_secs(10),
        )
        .await
        .unwrap_or_else(|| panic!("unbound did not answer for {}", c.name));
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain, "{m:?}");
        assert!(
            m.metadata.authentic_data,
            "{}: denial validated: {m:?}",
            c.name
        );
        let denial = if c.signing == Signing::Nsec3 {
            RecordType::NSEC3
        } else {
            RecordType::NSEC
        };
        assert!(
            m.authorities.iter().any(|r| r.record_type() == denial),
            "{}: {denial}: {m:?}",
            c.name
        );
    }
    // unbound says why the bogus ones failed.
    let log = unbound.log();
    for c in CASES.iter().filter(|c| c.bogus) {
        assert!(
            log.contains(&format!("validation failure <{}. A IN>", c.name)),
            "{}: {log}",
            c.name
        );
    }
    drop(unbound);
    drop(knot);
    lab.shutdown().await;
}
