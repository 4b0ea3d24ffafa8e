//! Tests of the rdap probe and the Prober against the lab.

use std::time::Duration;

use domains::DomainName;
use domains::registration::{EppStatus, LifecyclePhase, Lookup};
use probe::{ProbeOptions, Prober};

fn dn(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

fn opts() -> ProbeOptions {
    ProbeOptions {
        timeout: Duration::from_secs(10),
        whois: false,
        min_interval: Duration::ZERO,
        dns_timeout: Duration::from_millis(500),
        dns_tries: 1,
        ..ProbeOptions::default()
    }
}

async fn default_lab() -> lab::Lab {
    lab::Lab::start(lab::Scenario::builtin("default").unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn registry_then_registrar_with_iana_id_and_abuse_contact() {
    let lab = default_lab().await;
    let cache = tempfile::tempdir().unwrap();
    let prober = Prober::new(
        lab.net_config(),
        ProbeOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            ..opts()
        },
    )
    .unwrap();
    // Expectations come from the scenario itself.
    let sc = lab.scenario();
    let def = sc
        .domains
        .iter()
        .find(|d| d.name == "hinode-logistics.com")
        .unwrap();
    let registrar = sc
        .registrars
        .iter()
        .find(|r| r.id == def.registrar)
        .unwrap();
    let desk = registrar.desk.as_ref().unwrap();
    let iana = registrar.iana_id.to_string();

    let view = prober.registration(&dn("hinode-logistics.com")).await;
    assert!(view.issues.is_empty(), "{:?}", view.issues);

    let reg = view.registry.expect("registry record");
    assert_eq!(reg.lookup, Lookup::Registered);
    assert!(reg.server.contains("/domain/hinode-logistics.com"));
    for st in &def.status {
        assert!(
            reg.has_status(&EppStatus::parse(st)),
            "{st} in {:?}",
            reg.statuses
        );
    }
    assert_eq!(
        reg.expires().unwrap().to_rfc3339(),
        format!("{}T00:00:00Z", def.expires)
    );
    let ns: Vec<&str> = reg.nameservers.iter().map(|n| n.as_str()).collect();
    let mut want: Vec<&str> = def.nameservers.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(ns, want);
    let ds = reg.dnssec.as_ref().unwrap();
    assert_eq!(ds.delegation_signed, !def.initial_ds().is_empty());
    assert_eq!(
        ds.ds.iter().map(|d| d.key_tag).collect::<Vec<_>>(),
        def.initial_ds()
            .iter()
            .map(|d| d.key_tag)
            .collect::<Vec<_>>()
    );
    // thin registry: the registrar entity and the related link, no registrant
    let r = reg.registrar.as_ref().unwrap();
    assert_eq!(r.iana_id.as_deref(), Some(iana.as_str()));
    assert!(
        r.rdap_url
            .as_deref()
            .unwrap()
            .contains(&format!("/rdap/{}/", registrar.id))
    );
    assert!(
        !reg.contacts
            .iter()
            .any(|c| c.role == domains::registration::ContactRole::Registrant)
    );
    assert!(reg.notes.is_empty(), "{:?}", reg.notes);

    let rr = view.registrar.expect("registrar record");
    assert_eq!(rr.lookup, Lookup::Registered);
    assert!(rr.server.contains(&format!(
        "/rdap/{}/domain/hinode-logistics.com",
        registrar.id
    )));
    let r = rr.registrar.as_ref().unwrap();
    assert_eq!(r.name.as_deref(), Some(registrar.name.as_str()));
    assert_eq!(r.iana_id.as_deref(), Some(iana.as_str()));
    assert_eq!(r.abuse_email.as_deref(), Some(desk.email.as_str()));
    assert_eq!(r.abuse_phone.as_deref(), Some(desk.phone.as_str()));
    let registrant = rr
        .contacts
        .iter()
        .find(|c| c.role == domains::registration::ContactRole::Registrant)
        .expect("registrant at the registrar");
    assert_eq!(
        registrant.organization.as_deref(),
        Some("Hinode Logistics K.K.")
    );

    // The bootstrap file was fetched from the lab and cached.
    assert!(
        probe::rdap::bootstrap::read_cache(cache.path(), probe::rdap::bootstrap::Registry::Dns)
            .is_some()
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn unknown_domain_is_not_found() {
    let lab = default_lab().await;
    let prober = Prober::new(lab.net_config(), opts()).unwrap();
    let view = prober
        .registration(&dn("no-such-name-in-the-lab.com"))
        .await;
    let reg = view.registry.expect("a record saying not found");
    assert_eq!(reg.lookup, Lookup::NotFound);
    assert!(view.registrar.is_none());
    assert!(view.issues.is_empty(), "{:?}", view.issues);
    lab.shutdown().await;
}

#[tokio::test]
async fn no_rdap_service_is_an_issue_not_a_failure() {
    let lab = default_lab().await;
    let prober = Prober::new(lab.net_config(), opts()).unwrap();
    // .jp is not in the lab's bootstrap file (WHOIS only) and WHOIS is off here.
    let view = prober.registration(&dn("hinode.jp")).await;
    assert!(view.registry.is_none());
    let all: Vec<&str> = view.issues.iter().map(|i| i.message.as_str()).collect();
    assert!(
        all.iter()
            .any(|m| m.contains("no RDAP service is known for .jp")),
        "{all:?}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn redirect_is_followed_on_loopback_only_when_allowed() {
    let lab = default_lab().await;
    // The lab's config allows private addresses.
    let prober = Prober::new(lab.net_config(), opts()).unwrap();
    let view = prober.registration(&dn("kuronekoyamato-jp.top")).await;
    let reg = view.registry.expect("registry record after the redirect");
    assert_eq!(reg.lookup, Lookup::Registered);
    assert!(
        reg.notes
            .iter()
            .any(|n| n.contains("redirected to") && n.contains("/v2/domain/")),
        "{:?}",
        reg.notes
    );
    assert_eq!(
        view.registrar
            .unwrap()
            .registrar
            .unwrap()
            .iana_id
            .as_deref(),
        Some("9995")
    );

    // The same lab, but the client is told to stay on the public internet: the lab's own
    // bootstrap URL (127.0.0.1, from the configuration) fails the guard that redirects and
    // related links pass, is never connected to, and no embedded copy of IANA's bootstrap
    // stands in for it (that would send the name to the real registries).
    let mut cfg = lab.net_config();
    cfg.allow_private_addresses = false;
    let strict = Prober::new(cfg, opts()).unwrap();
    let view = strict.registration(&dn("kuronekoyamato-jp.top")).await;
    assert!(view.registry.is_none());
    assert!(
        view.issues.iter().any(|i| i.source == "rdap"
            && i.message.contains("refused to connect to")
            && i.message.contains("127.0.0.1 is not a public address")
            && i.message.contains("no fallback")),
        "{:?}",
        view.issues
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn a_bootstrap_url_at_a_private_address_is_refused() {
    // A bootstrap (here a fresh cached copy, as if fetched) that sends .test to the cloud
    // metadata address: with private addresses not allowed, an issue on the snapshot, no
    // connection, no registration data.
    let cache = tempfile::tempdir().unwrap();
    let file = br#"{"version":"1.0","publication":"2026-01-01T00:00:00Z","services":[[["test"],["http://169.254.169.254/rdap/"]],[["example"],["http://[::1]:9/rdap/"]]]}"#;
    probe::rdap::bootstrap::write_cache(cache.path(), probe::rdap::bootstrap::Registry::Dns, file)
        .unwrap();
    let cfg = domains::netconfig::NetConfig {
        rdap_bootstrap_url: Some("https://bootstrap.invalid/dns.json".into()),
        allow_private_addresses: false,
        ..Default::default()
    };
    let prober = Prober::new(
        cfg,
        ProbeOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            dns: false,
            ..opts()
        },
    )
    .unwrap();
    for (name, addr) in [
        ("metadata.test", "169.254.169.254"),
        ("loop.example", "::1"),
    ] {
        let started = std::time::Instant::now();
        let snap = prober.snapshot(&dn(name)).await;
        assert!(snap.registry.is_none() && snap.registrar.is_none());
        assert!(
            snap.issues.iter().any(|i| i.source == "rdap"
                && i.message.contains("refused to connect to")
                && i.message
                    .contains(&format!("{addr} is not a public address"))),
            "{name}: {:?}",
            snap.issues
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{name}: refused without trying"
        );
    }
}

fn rate_limited_scenario() -> lab::Scenario {
    let text = lab::Scenario::builtin_text("default").unwrap();
    let old = "rdap_rate_limit = { limit = 300, window_secs = 60 }";
    assert!(text.contains(old));
    let text = text.replace(old, "rdap_rate_limit = { limit = 1, window_secs = 1 }");
    lab::Scenario::from_toml(&text).unwrap()
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after_then_reports_rate_limited() {
    let lab = lab::Lab::start(rate_limited_scenario()).await.unwrap();
    let prober = Prober::new(lab.net_config(), opts()).unwrap();
    let d = dn("hinode-logistics.com");
    let first = prober.registration(&d).await;
    assert_eq!(first.registry.unwrap().lookup, Lookup::Registered);
    // One request a second: the second lookup gets 429 with Retry-After: 1, waits, retries.
    let started = std::time::Instant::now();
    let second = prober.registration(&d).await;
    let reg = second.registry.unwrap();
    assert_eq!(reg.lookup, Lookup::Registered);
    assert!(
        reg.notes
            .iter()
            .any(|n| n.contains("rate limited (HTTP 429) 1 time")),
        "{:?}",
        reg.notes
    );
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A client that does not retry reports the state: rate limited, not "not registered".
    let impatient = Prober::new(
        lab.net_config(),
        ProbeOptions {
            max_429_retries: 0,
            ..opts()
        },
    )
    .unwrap();
    let _ = impatient.registration(&d).await;
    let view = impatient.registration(&d).await;
    let reg = view.registry.unwrap();
    assert_eq!(
        reg.lookup,
        Lookup::RateLimited {
            retry_after_secs: Some(1)
        }
    );
    assert!(view.registrar.is_none());
    let snap = impatient.snapshot(&d).await;
    assert_eq!(snap.phase, LifecyclePhase::Unknown);
    lab.shutdown().await;
}

#[tokio::test]
async fn snapshot_of_a_scenario_domain_is_complete() {
    let lab = default_lab().await;
    let prober = Prober::new(lab.net_config(), opts()).unwrap();
    let d = dn("hinode-logistics.com");
    let sc = lab.scenario();
    let def = sc.domains.iter().find(|x| x.name == d.as_str()).unwrap();
    // The apex values of a type from the scenario's zone lines (`@ A 192.0.2.10`).
    let apex = |records: &[String], t: &str| -> Vec<String> {
        let mut v: Vec<String> = records
            .iter()
            .filter_map(|line| {
                let mut it = line.splitn(3, ' ');
                match (it.next(), it.next(), it.next()) {
                    (Some("@"), Some(rt), Some(val)) if rt == t => Some(val.to_string()),
                    _ => None,
                }
            })
            .collect();
        v.sort();
        v
    };

    let snap = prober.snapshot(&d).await;
    assert_eq!(snap.domain, d);
    assert_eq!(snap.taken_at, lab.now(), "the lab clock is used");
    assert_eq!(snap.phase, LifecyclePhase::Active);
    assert!(snap.issues.is_empty(), "{:?}", snap.issues);
    assert!(snap.registry.is_some() && snap.registrar.is_some());
    let dns = snap.dns.as_ref().unwrap();
    let del = dns.delegation.as_ref().unwrap();
    assert_eq!(del.parent_zone, "com");
    let ns: Vec<&str> = del.ns.iter().map(|n| n.as_str()).collect();
    let mut want: Vec<&str> = def.nameservers.iter().map(String::as_str).collect();
    want.sort();
    assert_eq!(ns, want);
    assert_eq!(
        del.ds.iter().map(|x| x.key_tag).collect::<Vec<_>>(),
        def.initial_ds()
            .iter()
            .map(|x| x.key_tag)
            .collect::<Vec<_>>()
    );
    assert!(!del.ds.is_empty(), "hinode-logistics.com is signed");
    let check = dns.dnssec.as_ref().unwrap();
    assert!(
        check
            .ds
            .iter()
            .all(|d| d.status == domains::dns::DsStatus::Matches)
    );
    assert_eq!(dns.nameservers.len(), def.nameservers.len());
    assert!(dns.nameservers.iter().all(|n| !n.is_lame()));
    assert_eq!(dns.record("A").unwrap().values, apex(&def.records, "A"));
    assert_eq!(dns.record("MX").unwrap().values, apex(&def.records, "MX"));
    assert!(dns.record("TXT").unwrap().values[0].contains("v=spf1"));
    assert_eq!(
        dns.record("DS").unwrap().values.len(),
        def.initial_ds().len()
    );
    assert_eq!(dns.wildcard, Some(false));

    // After the hijack the registrar, the name servers and the DS have changed.
    let hijack = def
        .events
        .iter()
        .find(|e| e.registrar.is_some() && e.remove_ds)
        .unwrap();
    let thief = sc
        .registrars
        .iter()
        .find(|r| Some(&r.id) == hijack.registrar.as_ref())
        .unwrap();
    lab.advance_days(u32::try_from(hijack.day).unwrap()).await;
    let after = prober.snapshot(&d).await;
    assert_eq!(after.taken_at, lab.now());
    let r = after.registry.as_ref().unwrap();
    assert_eq!(
        r.registrar.as_ref().unwrap().iana_id,
        Some(thief.iana_id.to_string())
    );
    assert!(!r.has_registrar_lock());
    let del = after.dns.as_ref().unwrap().delegation.as_ref().unwrap();
    let mut stolen: Vec<&str> = hijack
        .nameservers
        .as_ref()
        .unwrap()
        .iter()
        .map(String::as_str)
        .collect();
    stolen.sort();
    assert_eq!(
        del.ns.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        stolen
    );
    assert!(del.ds.is_empty());
    lab.shutdown().await;
}

#[tokio::test]
async fn whois_where_there_is_no_rdap() {
    let lab = default_lab().await;
    let prober = Prober::new(
        lab.net_config(),
        ProbeOptions {
            whois: true,
            ..opts()
        },
    )
    .unwrap();
    let d = dn("hinode-logistics.co.jp");
    let snap = prober.snapshot(&d).await;
    let reg = snap.registry.as_ref().expect("a WHOIS record from JPRS");
    assert_eq!(reg.source, domains::registration::SourceKind::Whois);
    assert_eq!(reg.lookup, Lookup::Registered);
    assert_eq!(reg.domain, d);
    assert_eq!(snap.phase, LifecyclePhase::Active);
    // No RDAP for .jp is expected there: a note on the record, not an issue.
    assert!(snap.issues.is_empty(), "{:?}", snap.issues);
    assert!(
        reg.notes[0].contains("no RDAP service is known for .jp: WHOIS used"),
        "{:?}",
        reg.notes
    );
    let dns = snap.dns.as_ref().unwrap();
    assert!(dns.nameservers.iter().all(|n| !n.is_lame()));
    assert_eq!(dns.record("A").unwrap().values, ["192.0.2.10"]);
    lab.shutdown().await;
}

#[test]
fn prober_is_send_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Prober>();
}

#[tokio::test]
async fn hosting_network_abuse_contact_from_the_rir() {
    let lab = default_lab().await;
    let prober = Prober::new(lab.net_config(), opts()).unwrap();
    let net = prober
        .rdap()
        .ip_network("192.0.2.10".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(net.handle.as_deref(), Some("NEWXT-LAB-NET"));
    assert_eq!(net.org.as_deref(), Some("Newxt Co., Ltd."));
    assert_eq!(net.abuse_email.as_deref(), Some("abuse@newxt.com"));
    assert_eq!(net.country.as_deref(), Some("JP"));
    assert!(net.notes.is_empty(), "{:?}", net.notes);
    // No bootstrap entry (the lab's ipv4.json lists only its networks).
    let err = prober
        .rdap()
        .ip_network("203.0.113.9".parse().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, probe::rdap::RdapError::NoService(_)), "{err}");
    lab.shutdown().await;
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_for_the_pass() {
    // The lab's .tk registry accepts and never answers (RDAP and WHOIS). After two timeouts
    // in a row each server is marked down for this prober: later names are incomplete at once.
    let lab = default_lab().await;
    let timeout = Duration::from_millis(300);
    let o = ProbeOptions {
        timeout,
        whois: true,
        dns: false,
        ..opts()
    };
    let prober = Prober::new(lab.net_config(), o.clone()).unwrap();
    for n in 0..2 {
        let started = std::time::Instant::now();
        let s = prober.snapshot(&dn(&format!("slow{n}.tk"))).await;
        assert!(started.elapsed() >= timeout, "asked and waited");
        assert!(s.registry.is_none());
        assert!(
            s.issues
                .iter()
                .any(|i| i.source == "rdap" && i.message.contains("no answer")),
            "{:?}",
            s.issues
        );
    }
    let started = std::time::Instant::now();
    let s = prober.snapshot(&dn("slow2.tk")).await;
    assert!(
        started.elapsed() < timeout,
        "not asked again: {:?}",
        started.elapsed()
    );
    assert!(s.registry.is_none());
    let msgs: Vec<&str> = s.issues.iter().map(|i| i.message.as_str()).collect();
    assert!(
        s.issues
            .iter()
            .any(|i| i.source == "rdap"
                && i.message.contains("/rdap/tk/ marked down after 2 timeouts")),
        "{msgs:?}"
    );
    assert!(
        s.issues.iter().any(|i| i.source == "whois"
            && i.message
                .contains("WHOIS server whois.dot.tk marked down after 2 timeouts")),
        "{msgs:?}"
    );
    // Per server, not per host: the lab's other registries share the address and still answer.
    let ok = prober.registration(&dn("hinode-logistics.com")).await;
    assert_eq!(ok.registry.unwrap().lookup, Lookup::Registered);

    // A new prober (the next pass) asks again.
    let next = Prober::new(lab.net_config(), o).unwrap();
    let started = std::time::Instant::now();
    let s = next.snapshot(&dn("slow3.tk")).await;
    assert!(started.elapsed() >= timeout, "asked again");
    assert!(
        !s.issues.iter().any(|i| i.message.contains("marked down")),
        "{:?}",
        s.issues
    );
    lab.shutdown().await;
}
