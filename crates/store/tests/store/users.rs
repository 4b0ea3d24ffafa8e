//! Users, tokens, sessions and the audit log, on every backend.

use store::Role;

use super::fixtures::{dbs, ts};

#[test]
fn users_tokens_sessions_and_audit() {
    for db in dbs() {
        let mut s = db.open();
        let now = ts("2026-10-01T00:00:00Z");
        let admin = s
            .add_user("alice", Role::Admin, "$argon2id$x", now)
            .unwrap();
        assert_eq!(admin.role, Role::Admin);
        assert!(
            s.add_user("alice", Role::Viewer, "h", now).is_err(),
            "{}",
            db.backend()
        );
        s.add_user("bob", Role::Analyst, "$argon2id$y", now)
            .unwrap();
        assert_eq!(
            s.users()
                .unwrap()
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>(),
            ["alice", "bob"]
        );
        let (u, hash) = s.user_with_hash("bob").unwrap().unwrap();
        assert_eq!((u.role, hash.as_str()), (Role::Analyst, "$argon2id$y"));
        assert!(s.user_with_hash("carol").unwrap().is_none());

        // Tokens: found by hash, last use recorded.
        s.add_token("bob", "siem", "tokhash", now).unwrap();
        assert!(s.add_token("carol", "x", "t2", now).is_err());
        let later = ts("2026-10-02T00:00:00Z");
        assert_eq!(
            s.user_by_token("tokhash", later).unwrap().unwrap().name,
            "bob"
        );
        assert!(s.user_by_token("other", later).unwrap().is_none());
        assert_eq!(s.tokens().unwrap()[0].last_used_at, Some(later));

        // Sessions expire; a new password ends them.
        s.add_session("sess", u.id, "csrf1", now, ts("2026-10-01T12:00:00Z"))
            .unwrap();
        let (su, csrf) = s
            .session("sess", ts("2026-10-01T01:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!((su.name.as_str(), csrf.as_str()), ("bob", "csrf1"));
        assert!(
            s.session("sess", ts("2026-10-01T13:00:00Z"))
                .unwrap()
                .is_none()
        );
        s.set_password("bob", "$argon2id$z").unwrap();
        assert!(
            s.session("sess", ts("2026-10-01T01:00:00Z"))
                .unwrap()
                .is_none()
        );

        // The last admin stays; removing a user removes their tokens.
        assert!(s.remove_user("alice").is_err());
        s.remove_user("bob").unwrap();
        assert!(s.user_by_token("tokhash", later).unwrap().is_none());

        s.audit("alice", "user.add", "bob", "role analyst", now)
            .unwrap();
        s.audit("alice", "user.remove", "bob", "", later).unwrap();
        let log = s.audit_log(10).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].action, "user.remove");
    }
}
