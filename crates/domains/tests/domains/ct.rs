//! CT entries made of real certificates (rcgen): names, issuer, validity, precert entries with
//! their chain; mutated certificates never panic the decoder.

use domains::ct::{
    CaaVerdict, EntryKind, LeafError, caa_check, decode_leaf, extra_data, precert_leaf, tbs_of,
    x509_leaf,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

struct Made {
    leaf: Vec<u8>,
    ca: Vec<u8>,
}

fn make(names: &[&str], cn: &str) -> Made {
    let mut cap = CertificateParams::new(Vec::<String>::new()).unwrap();
    cap.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    cap.distinguished_name
        .push(DnType::OrganizationName, "Let's Encrypt");
    cap.distinguished_name.push(DnType::CommonName, "R10");
    let ca_key = KeyPair::generate().unwrap();
    let ca = cap.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(cap, ca_key);
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(2026, 10, 1);
    p.not_after = rcgen::date_time_ymd(2026, 12, 30);
    let key = KeyPair::generate().unwrap();
    let leaf = p.signed_by(&key, &issuer).unwrap();
    Made {
        leaf: leaf.der().to_vec(),
        ca: ca.der().to_vec(),
    }
}

#[test]
fn x509_entry_names_issuer_and_validity() {
    let m = make(
        &[
            "*.Kuronekoyamatc.cc",
            "kuronekoyamatc.cc",
            "www.kuronekoyamatc.cc.",
        ],
        "kuronekoyamatc.cc",
    );
    let leaf = x509_leaf(1_790_000_000_000, &m.leaf);
    let c = decode_leaf(&leaf, &extra_data(None, &[&m.ca])).unwrap();
    assert_eq!(c.kind, EntryKind::X509);
    // Lower case, wildcard and root dot removed, deduplicated (the CN repeats a SAN).
    assert_eq!(c.names, ["kuronekoyamatc.cc", "www.kuronekoyamatc.cc"]);
    assert!(c.wildcard);
    assert_eq!(c.issuer_org.as_deref(), Some("Let's Encrypt"));
    assert!(c.issuer.contains("CN=R10"), "{}", c.issuer);
    assert_eq!(c.not_before.unwrap().to_string(), "2026-10-01T00:00:00Z");
    assert_eq!(c.not_after.unwrap().to_string(), "2026-12-30T00:00:00Z");
    assert_eq!(c.logged_at.as_millisecond(), 1_790_000_000_000);
    assert_eq!(c.chain_len, 1);
    assert_eq!(c.sha256.len(), 64);
    assert!(!c.serial.is_empty());
}

#[test]
fn precert_entry_reads_the_tbs_and_the_chain() {
    let m = make(&["login.hinode-logistics.co.jp"], "Hinode");
    let tbs = tbs_of(&m.leaf).unwrap();
    assert!(tbs.len() < m.leaf.len());
    let leaf = precert_leaf(5, &[7; 32], tbs);
    let extra = extra_data(Some(&m.leaf), &[&m.ca]);
    let c = decode_leaf(&leaf, &extra).unwrap();
    assert_eq!(c.kind, EntryKind::Precert);
    // A CN that is not a host name is not a name.
    assert_eq!(c.names, ["login.hinode-logistics.co.jp"]);
    assert_eq!(c.dropped_names, 0);
    assert_eq!(c.chain_len, 1);
    // The same certificate as an x509 entry has the same sha256 (that of the certificate).
    let as_x509 = decode_leaf(&x509_leaf(5, &m.leaf), &extra_data(None, &[&m.ca])).unwrap();
    assert_eq!(as_x509.sha256, c.sha256);
    assert_eq!(as_x509.serial, c.serial);
    // A chain that does not add up is an error, not a shorter chain.
    let mut bad = extra.clone();
    bad.truncate(bad.len() - 10);
    assert!(matches!(
        decode_leaf(&leaf, &bad),
        Err(LeafError::Truncated(_))
    ));
    assert_eq!(
        caa_check(
            &["0 issue \"sectigo.com\"".to_string()],
            c.issuer_org.as_deref(),
            false
        ),
        CaaVerdict::Forbidden(vec!["sectigo.com".into()])
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    /// Real certificates with bytes flipped, cut or inserted: an error or a result, never a panic.
    #[test]
    fn mutated_certificates_never_panic(
        edits in proptest::collection::vec((0usize..4096, proptest::num::u8::ANY, 0u8..3), 1..12),
        cut in 0usize..4096,
    ) {
        use std::sync::OnceLock;
        static CERT: OnceLock<Made> = OnceLock::new();
        let m = CERT.get_or_init(|| make(&["a.example.com", "b.example.com"], "a.example.com"));
        let mut der = m.leaf.clone();
        for (at, byte, op) in edits {
            let at = at % (der.len() + 1);
            match op {
                0 if at < der.len() => der[at] = byte,
                1 => der.insert(at, byte),
                _ if at < der.len() => { der.remove(at); }
                _ => {}
            }
        }
        let _ = decode_leaf(&x509_leaf(1, &der), &extra_data(None, &[&m.ca]));
        if let Some(t) = tbs_of(&der) {
            let _ = decode_leaf(&precert_leaf(1, &[0; 32], t), &extra_data(Some(&der), &[]));
        }
        der.truncate(cut.min(der.len()));
        let _ = decode_leaf(&x509_leaf(1, &der), &[]);
    }
}
