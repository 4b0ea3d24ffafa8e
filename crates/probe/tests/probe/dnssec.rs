//! DNSSEC and glue against the lab: zones the lab really signs (valid, during a key rollover)
//! and its bogus cases (a DS for a removed key, a DS without DNSKEY, expired signatures), and
//! in-bailiwick name servers without glue; each through the probe and the findings.

use std::sync::Arc;
use std::time::Duration;

use domains::DomainName;
use domains::dns::{DnsSnapshot, DsStatus};
use domains::findings::{Finding, RulePolicy, Severity, inspect_findings};
use domains::registration::LifecyclePhase;
use domains::snapshot::Snapshot;
use probe::dns::{DnsOptions, DnsProbe};

fn dn(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

fn domain(name: &str, extra: &str) -> String {
    format!(
        r#"
[[domain]]
name = "{name}"
registrar = "cheapreg"
registered = "2020-01-01"
expires = "2027-01-01"
nameservers = ["ns1.corpdns.net", "ns2.corpdns.net"]
records = ["@ A 192.0.2.61", "www A 192.0.2.61"]
registrant = "DNSSEC test"
{extra}
"#
    )
}

fn scenario() -> lab::Scenario {
    let mut text = lab::Scenario::builtin_text("default").unwrap().to_string();
    text.push_str(&domain("sec-signed.com", r#"dnssec = "signed""#));
    text.push_str(&domain("sec-rollover.com", r#"dnssec = "rollover""#));
    text.push_str(&domain("sec-mismatch.com", r#"dnssec = "ds_mismatch""#));
    text.push_str(&domain("sec-nokey.com", r#"dnssec = "no_dnskey""#));
    text.push_str(&domain("sec-expired.com", r#"dnssec = "expired""#));
    text.push_str(&domain(
        "sec-later.com",
        "dnssec = \"signed\"\n[[domain.event]]\nday = 3\nkind = \"update\"\ndnssec = \"ds_mismatch\"\nnote = \"the new key is published without updating the DS\"",
    ));
    // In-bailiwick NS names without glue: one next to a working server, one alone.
    text.push_str(
        r#"
[[domain]]
name = "glueless-half.com"
registrar = "cheapreg"
registered = "2020-01-01"
expires = "2027-01-01"
nameservers = ["ns1.corpdns.net", "ns9.glueless-half.com"]
records = ["@ A 192.0.2.62"]
registrant = "Glue test"

[[domain]]
name = "glueless.com"
registrar = "cheapreg"
registered = "2020-01-01"
expires = "2027-01-01"
nameservers = ["ns1.glueless.com", "ns2.glueless.com"]
registrant = "Glue test"
"#,
    );
    lab::Scenario::from_toml(&text).unwrap()
}

fn probe_for(lab: &lab::Lab) -> DnsProbe {
    DnsProbe::new(
        Arc::new(lab.net_config()),
        DnsOptions {
            timeout: Duration::from_millis(500),
            tries: 1,
            ..DnsOptions::default()
        },
    )
}

fn findings(lab: &lab::Lab, dns: DnsSnapshot) -> Vec<Finding> {
    let s = Snapshot {
        domain: dns.domain.clone(),
        taken_at: lab.now(),
        registry: None,
        registrar: None,
        dns: Some(dns),
        phase: LifecyclePhase::Active,
        issues: Vec::new(),
    };
    inspect_findings(&s, lab.now(), &RulePolicy::default())
}

fn bogus(f: &[Finding]) -> Option<&Finding> {
    f.iter().find(|f| f.code == "dnssec-bogus")
}

#[tokio::test]
async fn signed_zones_validate_and_the_bogus_ones_are_found() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(&lab);

    // Really signed: the DS the lab computed matches the key, both RRSIGs verify.
    let snap = dns.snapshot(&dn("sec-signed.com")).await;
    let ds = &snap.delegation.as_ref().unwrap().ds;
    assert_eq!(
        ds,
        &lab::dnssec::ds_records("sec-signed.com", lab::dnssec::DnssecMode::Signed)
            .iter()
            .map(|d| domains::registration::DsRecord {
                key_tag: d.key_tag,
                algorithm: d.algorithm,
                digest_type: d.digest_type,
                digest: d.digest.clone(),
            })
            .collect::<Vec<_>>()
    );
    let check = snap.dnssec.clone().expect("checked: the parent has DS");
    assert_eq!(check.ds.len(), 1);
    assert_eq!(check.ds[0].status, DsStatus::Matches);
    assert_eq!(check.keys.len(), 1);
    assert_eq!(check.keys[0].flags, 257);
    assert_eq!(check.keys[0].algorithm, 15);
    assert!(
        check.dnskey.signatures.iter().all(|g| g.verified),
        "{check:?}"
    );
    assert!(
        check.soa.signatures.iter().any(|g| g.valid_at(lab.now())),
        "{check:?}"
    );
    assert!(bogus(&findings(&lab, snap)).is_none());

    // Rollover: two keys published, the DS for the new one: valid.
    let snap = dns.snapshot(&dn("sec-rollover.com")).await;
    let check = snap.dnssec.clone().unwrap();
    assert_eq!(check.keys.len(), 2);
    assert_eq!(check.dnskey.signatures.len(), 2);
    assert_eq!(check.ds[0].status, DsStatus::Matches);
    assert!(bogus(&findings(&lab, snap)).is_none());

    // The DS of a removed key.
    let snap = dns.snapshot(&dn("sec-mismatch.com")).await;
    assert_eq!(
        snap.dnssec.as_ref().unwrap().ds[0].status,
        DsStatus::NoSuchKey
    );
    let f = findings(&lab, snap);
    let b = bogus(&f).unwrap_or_else(|| panic!("no dnssec-bogus in {f:?}"));
    assert_eq!(b.severity, Severity::Critical);
    assert_eq!(b.subject, "ds-mismatch");
    assert!(b.detail.contains("no DNSKEY with this tag"), "{}", b.detail);

    // DS, no DNSKEY at all.
    let snap = dns.snapshot(&dn("sec-nokey.com")).await;
    let f = findings(&lab, snap);
    assert_eq!(
        bogus(&f).map(|b| b.subject.as_str()),
        Some("no-dnskey"),
        "{f:?}"
    );

    // Expired signatures.
    let snap = dns.snapshot(&dn("sec-expired.com")).await;
    let f = findings(&lab, snap);
    let b = bogus(&f).unwrap_or_else(|| panic!("no dnssec-bogus in {f:?}"));
    assert_eq!(b.subject, "dnskey-not-signed");
    assert!(b.detail.contains("expired"), "{}", b.detail);

    // Unsigned zone without DS: not asked, nothing to say.
    let snap = dns.snapshot(&dn("corpdns.net")).await;
    assert!(snap.dnssec.is_none());

    // A zone that goes bogus on day 3 (the key changes, the DS does not).
    let snap = dns.snapshot(&dn("sec-later.com")).await;
    assert!(bogus(&findings(&lab, snap)).is_none());
    lab.advance_days(3).await;
    let snap = dns.snapshot(&dn("sec-later.com")).await;
    assert!(bogus(&findings(&lab, snap)).is_some());
    lab.shutdown().await;
}

#[tokio::test]
async fn in_bailiwick_nameservers_without_glue_are_found() {
    let lab = lab::Lab::start(scenario()).await.unwrap();
    let dns = probe_for(&lab);
    let snap = dns.snapshot(&dn("glueless-half.com")).await;
    let f = findings(&lab, snap);
    let g: Vec<&Finding> = f.iter().filter(|f| f.code == "no-glue").collect();
    assert_eq!(g.len(), 1, "{f:?}");
    assert_eq!(g[0].severity, Severity::High);
    assert_eq!(g[0].subject, "ns9.glueless-half.com");

    let snap = dns.snapshot(&dn("glueless.com")).await;
    let f = findings(&lab, snap);
    let g: Vec<&Finding> = f.iter().filter(|f| f.code == "no-glue").collect();
    assert_eq!(g.len(), 2, "{f:?}");
    assert!(g.iter().all(|f| f.severity == Severity::Critical), "{g:?}");
    lab.shutdown().await;
}
