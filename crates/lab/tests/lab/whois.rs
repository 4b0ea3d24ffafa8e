use super::common::{start, start_limited, whois};

#[tokio::test]
async fn iana_registry_registrar_referral_chain() {
    let lab = start().await;
    let iana = whois(&lab, "whois.iana.org", "hinode-logistics.com").await;
    assert!(
        iana.contains("refer:        whois.verisign-grs.com"),
        "{iana}"
    );
    let reg = whois(&lab, "whois.verisign-grs.com", "hinode-logistics.com").await;
    assert!(
        reg.contains("Domain Name: HINODE-LOGISTICS.COM\r\n"),
        "{reg}"
    );
    assert!(reg.contains("Registrar WHOIS Server: whois.corpreg.example"));
    assert!(reg.contains("Registrar IANA ID: 9991"));
    assert!(reg.contains(
        "Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited"
    ));
    assert!(!reg.contains("Registrant Organization"), "thin registry");
    let rr = whois(&lab, "whois.corpreg.example", "hinode-logistics.com").await;
    assert!(rr.contains("Registrant Organization: Hinode Logistics K.K."));
    assert!(rr.contains("Registrar Abuse Contact Email: abuse@corpreg.example"));
    let nf = whois(&lab, "whois.verisign-grs.com", "never-registered-xyz.com").await;
    assert!(
        nf.starts_with("No match for \"NEVER-REGISTERED-XYZ.COM\"."),
        "{nf}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn jprs_layouts_english_japanese_not_found_and_limit() {
    let lab = start_limited().await;
    let co = whois(&lab, "whois.jprs.jp", "kuronekoyamato.co.jp/e").await;
    assert!(
        co.contains("a. [Domain Name]                KURONEKOYAMATO.CO.JP"),
        "{co}"
    );
    assert!(
        co.contains("[State]                         Connected (2027/06/30)"),
        "{co}"
    );
    assert!(co.contains("[Lock Status]                   AgentChangeLocked"));
    let jp = whois(&lab, "whois.jprs.jp", "hinode.jp").await;
    assert!(
        jp.contains("[ドメイン名]                    HINODE.JP"),
        "{jp}"
    );
    assert!(
        jp.contains("[有効期限]                      2027/05/31"),
        "{jp}"
    );
    let nf = whois(&lab, "whois.jprs.jp", "nothing-here.jp/e").await;
    assert!(nf.contains("No match!!"), "{nf}");
    let limited = whois(&lab, "whois.jprs.jp", "hinode.jp/e").await;
    assert!(limited.contains("Query limit exceeded"), "{limited}");
    assert!(!limited.contains("No match"));
    lab.shutdown().await;
}

#[tokio::test]
async fn whois_follows_the_clock() {
    let lab = start().await;
    let before = whois(&lab, "whois.verisign-grs.com", "dotmobiregistry.net").await;
    assert!(
        before.contains("Domain Status: autoRenewPeriod"),
        "{before}"
    );
    lab.advance_days(40).await;
    let gone = whois(&lab, "whois.verisign-grs.com", "dotmobiregistry.net").await;
    assert!(gone.starts_with("No match for"), "{gone}");
    lab.advance_days(2).await;
    let caught = whois(&lab, "whois.verisign-grs.com", "dotmobiregistry.net").await;
    assert!(caught.contains("Registrar IANA ID: 9994"), "{caught}");
    assert!(
        caught.contains("Creation Date: 2026-11-12T00:00:00Z"),
        "{caught}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn mobi_whois_host_lapses_and_is_taken_over() {
    let lab = start().await;
    let host = "whois.dotmobiregistry.net";
    let ok = whois(&lab, host, "kuronekoyamato.mobi").await;
    assert!(ok.contains("Domain Name: KURONEKOYAMATO.MOBI"), "{ok}");
    assert!(ok.contains("Registrant Organization"), "thick registry");
    lab.advance_days(40).await; // dotmobiregistry.net deleted
    let gone = whois(&lab, host, "kuronekoyamato.mobi").await;
    assert_eq!(gone, "", "nobody answers for a deleted host name");
    lab.advance_days(2).await; // drop-caught
    let rogue = whois(&lab, host, "kuronekoyamato.mobi").await;
    assert!(rogue.contains("not operated by the registry"), "{rogue}");
    assert!(
        rogue.contains("registered by a third party on 2026-11-12"),
        "{rogue}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn ip_whois_refers_to_the_rir_with_the_lapsing_contact() {
    let lab = start().await;
    let iana = whois(&lab, "whois.iana.org", "192.0.2.10").await;
    assert!(iana.contains("refer:        whois.rir.example"), "{iana}");
    let rir = whois(&lab, "whois.rir.example", "192.0.2.10").await;
    assert!(
        rir.contains("inetnum:        192.0.2.0 - 192.0.2.127"),
        "{rir}"
    );
    assert!(rir.contains("netname:        NEWXT-NET"));
    assert!(rir.contains("abuse-mailbox:  abuse@newxt.com"));
    let none = whois(&lab, "whois.rir.example", "10.1.2.3").await;
    assert!(none.contains("no entries found"), "{none}");
    let none = whois(&lab, "whois.iana.org", "10.1.2.3").await;
    assert!(none.contains("0 objects"), "{none}");
    lab.shutdown().await;
}
