//! Stored scans (lookalike hits) and exposure audits, on every backend.

use domains::lookalike::Hit;
use store::HitFilter;

use super::fixtures::{dbs, ts};

fn hit(name: &str, brand: &str, score: u8) -> Hit {
    Hit {
        name: name.into(),
        registrable: name.into(),
        brand: brand.into(),
        score,
        techniques: vec!["omission".into()],
        explanation: format!("{name} imitates {brand}"),
    }
}

#[test]
fn scans_keep_their_hits_once() {
    for db in dbs() {
        let mut s = db.open();
        let b = db.backend();
        let at = ts("2026-10-01T00:00:00Z");
        let id = s.begin_scan("feed.txt", Some("ana"), 2, at).unwrap();
        let hits = [
            hit("paypa1.com", "paypal.com", 90),
            hit("amazn.com", "amazon.com", 70),
        ];
        assert_eq!(s.add_scan_hits(id, &hits).unwrap(), 2);
        // The same hits again (a resumed import) are kept once.
        assert_eq!(s.add_scan_hits(id, &hits).unwrap(), 0, "{b}");
        s.finish_scan(id, 1000, None, at).unwrap();
        let failed = s.begin_scan("broken.gz", None, 2, at).unwrap();
        s.add_scan_hits(failed, &[hit("paypa1.com", "paypal.com", 90)])
            .unwrap();
        s.finish_scan(failed, 10, Some("truncated gzip"), at)
            .unwrap();

        let scans = s.scans(10).unwrap();
        assert_eq!(scans.len(), 2);
        assert_eq!(scans[0].id, failed, "newest first");
        assert_eq!(scans[0].status, store::ScanStatus::Failed);
        assert_eq!(scans[0].error.as_deref(), Some("truncated gzip"));
        let one = s.scan(id).unwrap().unwrap();
        assert_eq!((one.names, one.hits, one.brands), (1000, 2, 2));
        assert_eq!(one.submitted_by.as_deref(), Some("ana"));
        assert_eq!(one.status, store::ScanStatus::Finished);

        let paypal = s
            .scan_hits(&HitFilter {
                brand: Some("paypal.com".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(paypal.len(), 2, "{b}");
        let of_scan = s
            .scan_hits(&HitFilter {
                scan: Some(id),
                min_score: Some(80),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(of_scan.len(), 1);
        assert_eq!(of_scan[0].techniques, ["omission"]);
        assert_eq!(
            of_scan[0].hit["explanation"],
            "paypa1.com imitates paypal.com"
        );
        let page = s
            .scan_hits(&HitFilter {
                after: Some(of_scan[0].id),
                limit: Some(1),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(page.len(), 1);
        assert!(page[0].id > of_scan[0].id);
    }
}

#[test]
fn audits_are_kept_per_name_latest_first() {
    for db in dbs() {
        let mut s = db.open();
        let b = db.backend();
        let j = |n: u32| serde_json::json!({ "domain": "example.com", "n": n });
        s.record_audit(
            "example.com",
            ts("2026-10-01T00:00:00Z"),
            2,
            Some("critical"),
            &j(1),
        )
        .unwrap();
        s.record_audit("example.com", ts("2026-10-02T00:00:00Z"), 0, None, &j(2))
            .unwrap();
        s.record_audit(
            "example.net",
            ts("2026-10-01T00:00:00Z"),
            1,
            Some("high"),
            &j(3),
        )
        .unwrap();
        let latest = s.latest_audits().unwrap();
        assert_eq!(
            latest
                .iter()
                .map(|a| (a.domain.as_str(), a.findings))
                .collect::<Vec<_>>(),
            [("example.com", 0), ("example.net", 1)],
            "{b}"
        );
        assert_eq!(latest[0].audit["n"], 2);
        let hist = s.audits_of("example.com", 10).unwrap();
        assert_eq!(hist.len(), 2);
        assert_eq!(hist[1].worst.as_deref(), Some("critical"));
    }
}
