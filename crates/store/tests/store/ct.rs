//! Certificate Transparency state on every backend: log positions (resumable, never going
//! back), certificates of own names with what was new about them, findings in the same
//! transaction, and a store reopened (a restart) continuing where it stopped.

use domains::ct::{CtCert, EntryKind};
use domains::findings::{Finding, Severity};
use store::{CtNovelty, CtSighting};

use super::fixtures::{dbs, name, ts};

fn cert(issuer: &str, serial: &str, names: &[&str]) -> CtCert {
    CtCert {
        kind: EntryKind::X509,
        logged_at: ts("2026-10-02T00:00:00Z"),
        names: names.iter().map(|s| s.to_string()).collect(),
        dropped_names: 0,
        issuer: format!("C=US, O={issuer}, CN=X1"),
        issuer_org: Some(issuer.into()),
        serial: serial.into(),
        sha256: format!("{serial:0>64}"),
        not_before: Some(ts("2026-10-01T00:00:00Z")),
        not_after: None,
        chain_len: 1,
        wildcard: false,
    }
}

fn sight(domain: &str, n: &str, index: u64, c: &CtCert) -> CtSighting {
    CtSighting {
        domain: domain.into(),
        name: n.into(),
        log_url: "http://log.example/a/".into(),
        index,
        cert: c.clone(),
    }
}

fn finding(s: &CtSighting, n: CtNovelty) -> Vec<Finding> {
    if !(n.new_issuer || n.new_name) {
        return Vec::new();
    }
    vec![Finding {
        code: "unexpected-certificate".into(),
        severity: if n.new_issuer {
            Severity::High
        } else {
            Severity::Medium
        },
        domain: name(&s.domain),
        title: format!("{} from {}", s.name, s.cert.issuer),
        detail: String::new(),
        remediation: String::new(),
        subject: s.cert.serial.clone(),
    }]
}

#[test]
fn positions_and_certificates_of_own_names() {
    for db in dbs() {
        let b = db.backend();
        let url = "http://log.example/a/";
        {
            let mut s = db.open();
            assert_eq!(s.ct_log_position(url).unwrap(), None, "{b}");
            s.set_ct_log_position(url, 10, 40, ts("2026-10-01T00:00:00Z"))
                .unwrap();
            let le = cert("Let's Encrypt", "01", &["example.com", "www.example.com"]);
            let batch = [
                sight("example.com", "example.com", 10, &le),
                sight("example.com", "www.example.com", 10, &le),
            ];
            let (nov, ids) = s
                .record_ct_batch(
                    &batch,
                    &finding,
                    Vec::new(),
                    Some((url, 20, 40)),
                    ts("2026-10-02T00:00:00Z"),
                )
                .unwrap();
            assert!(
                nov[0].first_for_domain && nov[0].new_issuer && nov[0].stored,
                "{b}"
            );
            // The second name of the same certificate: same issuer, same batch.
            assert!(
                !nov[1].first_for_domain && !nov[1].new_issuer && nov[1].new_name,
                "{b}"
            );
            // One finding per certificate (its fingerprint), whatever the names.
            assert_eq!(ids.len(), 1, "{b}");
            // The position never goes back.
            assert!(
                s.set_ct_log_position(url, 5, 40, ts("2026-10-02T00:00:00Z"))
                    .is_err()
            );
        }
        // Reopened (a restart): the position and the history are there.
        let mut s = db.open();
        let p = s.ct_log_position(url).unwrap().unwrap();
        assert_eq!((p.next_index, p.tree_size), (20, 40), "{b}");
        let le2 = cert("Let's Encrypt", "02", &["www.example.com"]);
        let rogue = cert("Shady CA", "03", &["vpn.example.com"]);
        let batch = [
            // The same certificate from another log: not stored again.
            sight(
                "example.com",
                "www.example.com",
                3,
                &cert("Let's Encrypt", "01", &["www.example.com"]),
            ),
            sight("example.com", "www.example.com", 21, &le2),
            sight("example.com", "vpn.example.com", 22, &rogue),
        ];
        let (nov, ids) = s
            .record_ct_batch(
                &batch,
                &finding,
                Vec::new(),
                Some((url, 23, 40)),
                ts("2026-10-03T00:00:00Z"),
            )
            .unwrap();
        assert!(!nov[0].stored, "{b}");
        assert_eq!(
            (nov[1].stored, nov[1].new_issuer, nov[1].new_name),
            (true, false, false),
            "{b}"
        );
        assert!(
            nov[2].new_issuer && nov[2].new_name && !nov[2].first_for_domain,
            "{b}"
        );
        assert_eq!(ids.len(), 1, "{b}: only the rogue certificate");
        let f = s.finding(ids[0]).unwrap().unwrap();
        assert_eq!(f.finding.severity, Severity::High, "{b}");
        assert_eq!(f.origin, store::FindingOrigin::Change, "{b}");
        let certs = s.ct_certificates("example.com").unwrap();
        assert_eq!(certs.len(), 4, "{b}: {certs:?}");
        assert_eq!(s.ct_logs().unwrap().len(), 1, "{b}");
        assert_eq!(s.ct_log_position(url).unwrap().unwrap().next_index, 23);
    }
}
