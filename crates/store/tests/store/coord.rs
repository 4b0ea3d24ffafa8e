//! A case's parties, notifications and evidence, on every backend.

use domains::SuffixList;
use domains::case::intake::{ServiceList, Target};
use domains::case::notify::{Party, PartyKind};
use domains::case::stats::{MitigationBy, mitigation};
use domains::case::{CaseState, Category, Tlp};
use store::{Channel, NewNotification, NotificationState};

use super::fixtures::{dbs, ts};

fn report(input: &str) -> store::NewReport {
    store::NewReport {
        target: Target::parse(input, SuffixList::embedded(), ServiceList::embedded()).unwrap(),
        input: input.into(),
        reported_at: ts("2026-10-01T00:00:00Z"),
        reporter: None,
        brand: None,
        description: None,
        category: Category::Phishing,
        tlp: Tlp::Amber,
        source: "test".into(),
        source_key: input.into(),
    }
}

#[test]
fn parties_notifications_replies_and_evidence() {
    for db in dbs() {
        let mut s = db.open();
        let o = s
            .add_reports(
                &[report("https://ucs-card.top/x")],
                "t",
                ts("2026-10-01T01:00:00Z"),
                |_| {},
            )
            .unwrap();
        let case = o.case_ids[0];
        let registry = Party {
            kind: PartyKind::Registry,
            name: None,
            contact: "abuse@nic.top".into(),
            source: "iana".into(),
        };
        let (p, new) = s
            .add_party(case, &registry, "t", ts("2026-10-01T02:00:00Z"))
            .unwrap();
        assert!(new, "{}", db.backend());
        // Again, now with a name: the same party, named.
        let named = Party {
            name: Some("Top Registry".into()),
            ..registry.clone()
        };
        let (p2, new2) = s
            .add_party(case, &named, "t", ts("2026-10-01T02:00:00Z"))
            .unwrap();
        assert!(!new2);
        assert_eq!(p2.id, p.id);
        assert_eq!(p2.party.name.as_deref(), Some("Top Registry"));
        assert_eq!(s.case_parties(case).unwrap().len(), 1);
        assert!(
            s.add_party(
                store::CaseId(999),
                &registry,
                "t",
                ts("2026-10-01T02:00:00Z")
            )
            .is_err()
        );

        // Evidence: stored once per body, with its sha256; bodies come back byte for byte.
        let body = b"{\"objectClassName\":\"domain\",\"x\":\"\xff\"}";
        let (e, new) = s
            .add_evidence(
                case,
                "rdap",
                "https://rdap.nic.top/domain/ucs-card.top",
                "application/rdap+json",
                body,
                ts("2026-10-01T02:00:00Z"),
                "t",
            )
            .unwrap();
        assert!(new);
        assert_eq!(e.sha256, store::coord::sha256_hex(body));
        assert_eq!(e.size, body.len());
        let (_, again) = s
            .add_evidence(
                case,
                "rdap",
                "elsewhere",
                "application/rdap+json",
                body,
                ts("2026-10-02T00:00:00Z"),
                "t",
            )
            .unwrap();
        assert!(!again);
        let ev = s.case_evidence(case, true).unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].body.as_deref(), Some(&body[..]));
        // One item by id (a download), only within its own case.
        let one = s.evidence_item(case, e.id).unwrap().unwrap();
        assert_eq!(one.body.as_deref(), Some(&body[..]));
        assert_eq!(one.sha256, e.sha256);
        assert!(s.evidence_item(case, e.id + 1).unwrap().is_none());
        assert!(
            s.evidence_item(store::CaseId(case.0 + 1000), e.id)
                .unwrap()
                .is_none()
        );

        // A notification moves the case to notifying; a reply by Message-ID is found.
        let n = s
            .record_notification(
                &NewNotification {
                    case_id: case,
                    party_id: p.id,
                    sent_at: ts("2026-10-01T03:00:00Z"),
                    channel: Channel::Smtp,
                    message_id: "case-1.abc@csirt.example".into(),
                    subject: "[case 1] Phishing: ucs-card.top".into(),
                    lang: "en".into(),
                    follow_up_due: ts("2026-10-04T03:00:00Z"),
                    location: None,
                },
                Some(CaseState::Notifying),
                false,
                "t",
            )
            .unwrap();
        assert_eq!(n.state, NotificationState::Sent);
        assert_eq!(n.party_kind, PartyKind::Registry);
        assert_eq!(s.case(case).unwrap().unwrap().state, CaseState::Notifying);
        let found = s
            .notification_by_message_id("<case-1.abc@csirt.example>")
            .unwrap()
            .unwrap();
        assert_eq!(found.id, n.id);
        let a = s
            .answer_notification(
                n.id,
                NotificationState::Replied,
                ts("2026-10-02T00:00:00Z"),
                "acted",
                "t",
            )
            .unwrap();
        assert_eq!(a.state, NotificationState::Replied);
        // An acknowledgement after the reply does not downgrade it.
        let a = s
            .answer_notification(
                n.id,
                NotificationState::Acknowledged,
                ts("2026-10-02T01:00:00Z"),
                "ticket",
                "t",
            )
            .unwrap();
        assert_eq!(a.state, NotificationState::Replied);
        assert_eq!(a.answered_at, Some(ts("2026-10-02T00:00:00Z")));
        // The same Message-ID twice is refused by the store.
        assert!(
            s.record_notification(
                &NewNotification {
                    case_id: case,
                    party_id: p.id,
                    sent_at: ts("2026-10-01T03:00:00Z"),
                    channel: Channel::Eml,
                    message_id: "case-1.abc@csirt.example".into(),
                    subject: "x".into(),
                    lang: "en".into(),
                    follow_up_due: ts("2026-10-04T03:00:00Z"),
                    location: Some("/tmp/x.eml".into()),
                },
                None,
                false,
                "t",
            )
            .is_err()
        );

        // The mitigation statistics see the notification time.
        let c = s
            .update_case(
                case,
                &store::CaseUpdate {
                    state: Some(CaseState::Mitigated),
                    mitigated_by: Some("registry".into()),
                    ..Default::default()
                },
                "t",
                ts("2026-10-02T03:00:00Z"),
            )
            .unwrap();
        assert_eq!(c.mitigated_at, Some(ts("2026-10-02T03:00:00Z")));
        let facts = s.case_facts().unwrap();
        assert_eq!(facts[0].notified_at, Some(ts("2026-10-01T03:00:00Z")));
        let rows = mitigation(&facts, MitigationBy::Tld, None, None);
        assert_eq!(rows[0].median_from_notification_s, Some(24 * 3600));

        let kinds: Vec<String> = s
            .case_events(case)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        for k in ["party", "evidence", "notified", "state", "reply"] {
            assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
        }
    }
}
