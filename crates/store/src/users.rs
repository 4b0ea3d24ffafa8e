//! The team console's accounts: users with a role, API tokens and web sessions (only hashes of
//! secrets are stored: argon2id for passwords, sha256 for random tokens), and the audit log of
//! every change made through the web or the API. SQL written once for both backends.

use jiff::Timestamp;
use serde::Serialize;

use crate::sql::Row;
use crate::{Result, Store, StoreError, ts_from_sql, ts_to_sql};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Also acts: cases, notes, notifications, findings, names.
    Analyst,
    /// Also manages users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Analyst, Role::Admin];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A user (without the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
}

/// An API token's record (the token itself is shown once, never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub user: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

fn decode_user(r: &Row, base: usize) -> Result<User> {
    let role = r.text(base + 2)?;
    Ok(User {
        id: r.int(base)?,
        name: r.text(base + 1)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        created_at: ts_from_sql(&r.text(base + 3)?)?,
    })
}

const USER_COLS: &str = "u.id, u.name, u.role, u.created_at";

impl Store {
    /// Adds a user; refused when the name is taken.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<User> {
        let (name, hash) = (name.to_string(), password_hash.to_string());
        let now = ts_to_sql(now);
        self.tx(move |db| {
            if db
                .row(
                    "SELECT 1 FROM app_user WHERE name = $1",
                    &[name.as_str().into()],
                )?
                .is_some()
            {
                return Err(StoreError::Refused(format!("user {name} exists")));
            }
            db.exec(
                "INSERT INTO app_user (name, role, password_hash, created_at)
                 VALUES ($1, $2, $3, $4)",
                &[
                    name.as_str().into(),
                    role.as_str().into(),
                    hash.as_str().into(),
                    now.as_str().into(),
                ],
            )?;
            let r = db
                .row(
                    &format!("SELECT {USER_COLS} FROM app_user u WHERE u.name = $1"),
                    &[name.as_str().into()],
                )?
                .ok_or_else(|| StoreError::Corrupt("user vanished".into()))?;
            decode_user(&r, 0)
        })
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        self.read(|db| {
            db.rows(
                &format!("SELECT {USER_COLS} FROM app_user u ORDER BY u.name"),
                &[],
            )?
            .iter()
            .map(|r| decode_user(r, 0))
            .collect()
        })
    }

    /// A user and their password hash.
    pub fn user_with_hash(&self, name: &str) -> Result<Option<(User, String)>> {
        let name = name.to_string();
        self.read(move |db| {
            db.row(
                &format!("SELECT {USER_COLS}, u.password_hash FROM app_user u WHERE u.name = $1"),
                &[name.as_str().into()],
            )?
            .map(|r| Ok((decode_user(&r, 0)?, r.text(4)?)))
            .transpose()
        })
    }

    /// Sets a user's password hash; their sessions end (tokens stay).
    pub fn set_password(&mut self, name: &str, password_hash: &str) -> Result<()> {
        let (name, hash) = (name.to_string(), password_hash.to_string());
        self.tx(move |db| {
            let n = db.exec(
                "UPDATE app_user SET password_hash = $2 WHERE name = $1",
                &[name.as_str().into(), hash.as_str().into()],
            )?;
            if n == 0 {
                return Err(StoreError::Refused(format!("no user {name}")));
            }
            db.exec(
                "DELETE FROM web_session WHERE user_id = (SELECT id FROM app_user WHERE name = $1)",
                &[name.as_str().into()],
            )?;
            Ok(())
        })
    }

    /// Removes a user with their tokens and sessions. The last admin cannot be removed.
    pub fn remove_user(&mut self, name: &str) -> Result<()> {
        let name = name.to_string();
        self.tx(move |db| {
            let Some(r) = db.row(
                "SELECT id, role FROM app_user WHERE name = $1",
                &[name.as_str().into()],
            )?
            else {
                return Err(StoreError::Refused(format!("no user {name}")));
            };
            let id = r.int(0)?;
            if r.text(1)? == "admin" {
                let admins = db
                    .row("SELECT count(*) FROM app_user WHERE role = 'admin'", &[])?
                    .map(|r| r.int(0))
                    .transpose()?
                    .unwrap_or(0);
                if admins <= 1 {
                    return Err(StoreError::Refused(format!(
                        "{name} is the last admin: add another admin first"
                    )));
                }
            }
            db.exec("DELETE FROM api_token WHERE user_id = $1", &[id.into()])?;
            db.exec("DELETE FROM web_session WHERE user_id = $1", &[id.into()])?;
            db.exec("DELETE FROM app_user WHERE id = $1", &[id.into()])?;
            Ok(())
        })
    }

    /// Stores an API token's hash for a user.
    pub fn add_token(
        &mut self,
        user: &str,
        label: &str,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<TokenInfo> {
        let (user, label, hash) = (user.to_string(), label.to_string(), token_hash.to_string());
        let now = ts_to_sql(now);
        self.tx(move |db| {
            let uid = db
                .row(
                    "SELECT id FROM app_user WHERE name = $1",
                    &[user.as_str().into()],
                )?
                .ok_or_else(|| StoreError::Refused(format!("no user {user}")))?
                .int(0)?;
            let id = db
                .row(
                    "INSERT INTO api_token (user_id, label, token_hash, created_at)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                    &[
                        uid.into(),
                        label.as_str().into(),
                        hash.as_str().into(),
                        now.as_str().into(),
                    ],
                )?
                .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?
                .int(0)?;
            Ok(TokenInfo {
                id,
                user: user.clone(),
                label: label.clone(),
                created_at: ts_from_sql(&now)?,
                last_used_at: None,
            })
        })
    }

    /// The user a token hash belongs to (its last use recorded).
    pub fn user_by_token(&mut self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        let hash = token_hash.to_string();
        let now = ts_to_sql(now);
        self.tx(move |db| {
            let Some(r) = db.row(
                &format!(
                    "SELECT {USER_COLS}, t.id FROM api_token t JOIN app_user u ON u.id = t.user_id
                     WHERE t.token_hash = $1"
                ),
                &[hash.as_str().into()],
            )?
            else {
                return Ok(None);
            };
            db.exec(
                "UPDATE api_token SET last_used_at = $2 WHERE id = $1",
                &[r.int(4)?.into(), now.as_str().into()],
            )?;
            Ok(Some(decode_user(&r, 0)?))
        })
    }

    /// Deletes one API token; its record (user and label) when there was one.
    pub fn revoke_token(&mut self, id: i64) -> Result<Option<TokenInfo>> {
        self.tx(move |db| {
            let Some(r) = db.row(
                "SELECT t.id, u.name, t.label, t.created_at, t.last_used_at
                 FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE t.id = $1",
                &[id.into()],
            )?
            else {
                return Ok(None);
            };
            let info = TokenInfo {
                id: r.int(0)?,
                user: r.text(1)?,
                label: r.text(2)?,
                created_at: ts_from_sql(&r.text(3)?)?,
                last_used_at: r.opt_text(4)?.as_deref().map(ts_from_sql).transpose()?,
            };
            db.exec("DELETE FROM api_token WHERE id = $1", &[id.into()])?;
            Ok(Some(info))
        })
    }

    /// Every token's record.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(|db| {
            db.rows(
                "SELECT t.id, u.name, t.label, t.created_at, t.last_used_at
                 FROM api_token t JOIN app_user u ON u.id = t.user_id ORDER BY t.id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(TokenInfo {
                    id: r.int(0)?,
                    user: r.text(1)?,
                    label: r.text(2)?,
                    created_at: ts_from_sql(&r.text(3)?)?,
                    last_used_at: r.opt_text(4)?.as_deref().map(ts_from_sql).transpose()?,
                })
            })
            .collect()
        })
    }

    /// Starts a web session (its id's hash, the CSRF token of its forms).
    pub fn add_session(
        &mut self,
        id_hash: &str,
        user_id: i64,
        csrf: &str,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        let (id, csrf) = (id_hash.to_string(), csrf.to_string());
        let (now, expires) = (ts_to_sql(now), ts_to_sql(expires));
        self.tx(move |db| {
            db.exec(
                "DELETE FROM web_session WHERE expires_at < $1",
                &[now.as_str().into()],
            )?;
            db.exec(
                "INSERT INTO web_session (id_hash, user_id, csrf, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    id.as_str().into(),
                    user_id.into(),
                    csrf.as_str().into(),
                    now.as_str().into(),
                    expires.as_str().into(),
                ],
            )?;
            Ok(())
        })
    }

    /// The user and CSRF token of a live session.
    pub fn session(&self, id_hash: &str, now: Timestamp) -> Result<Option<(User, String)>> {
        let id = id_hash.to_string();
        let now = ts_to_sql(now);
        self.read(move |db| {
            db.row(
                &format!(
                    "SELECT {USER_COLS}, s.csrf FROM web_session s
                     JOIN app_user u ON u.id = s.user_id
                     WHERE s.id_hash = $1 AND s.expires_at > $2"
                ),
                &[id.as_str().into(), now.as_str().into()],
            )?
            .map(|r| Ok((decode_user(&r, 0)?, r.text(4)?)))
            .transpose()
        })
    }

    /// Ends a session.
    pub fn remove_session(&mut self, id_hash: &str) -> Result<()> {
        let id = id_hash.to_string();
        self.tx(move |db| {
            db.exec(
                "DELETE FROM web_session WHERE id_hash = $1",
                &[id.as_str().into()],
            )?;
            Ok(())
        })
    }

    /// Records a change made through the web or the API.
    pub fn audit(
        &mut self,
        user: &str,
        action: &str,
        target: &str,
        detail: &str,
        at: Timestamp,
    ) -> Result<()> {
        let (user, action, target, detail) = (
            user.to_string(),
            action.to_string(),
            target.to_string(),
            detail.to_string(),
        );
        let at = ts_to_sql(at);
        self.tx(move |db| {
            db.exec(
                "INSERT INTO audit_log (at, user_name, action, target, detail)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    at.as_str().into(),
                    user.as_str().into(),
                    action.as_str().into(),
                    target.as_str().into(),
                    detail.as_str().into(),
                ],
            )?;
            Ok(())
        })
    }

    /// The newest audit entries first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |db| {
            db.rows(
                "SELECT id, at, user_name, action, target, detail FROM audit_log
                 ORDER BY id DESC LIMIT $1",
                &[limit.into()],
            )?
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.int(0)?,
                    at: ts_from_sql(&r.text(1)?)?,
                    user: r.text(2)?,
                    action: r.text(3)?,
                    target: r.text(4)?,
                    detail: r.text(5)?,
                })
            })
            .collect()
        })
    }
}
