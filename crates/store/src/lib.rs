//! The store: domwatch's state in SQLite (bundled), the only crate with SQL.
//!
//! - WAL journal, `synchronous=NORMAL`, foreign keys on, a busy timeout: several processes
//!   (a `watch daemon` and a `watch history`) can share one file.
//! - Embedded, append-only migrations ([`migrations`]): later features add tables through new
//!   migrations; the schema version is SQLite's `user_version`.
//! - One module per aggregate: [`watch`] (the inventory), [`run`], [`snapshot`] (snapshots and
//!   the changes between them), [`finding`] (findings and the alerts sent for them).
//! - Every write that belongs together is one transaction (a snapshot with its changes and
//!   findings), so a crash leaves either all of it or none of it.
//!
//! Times are stored as RFC 3339 text in UTC with milliseconds (`2026-06-01T00:00:00.000Z`),
//! which sorts as text in time order.

use std::path::Path;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::Connection;

pub mod finding;
pub mod migrations;
pub mod run;
pub mod snapshot;
pub mod watch;

pub use finding::{FindingOrigin, StoredFinding};
pub use run::{Run, RunId, RunStatus};
pub use snapshot::{Recorded, StoredChange, StoredSnapshot};
pub use watch::{AddOutcome, WatchedDomain};

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored JSON could not be read or written: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store.
pub struct Store {
    conn: Connection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    /// The parent directory must exist.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        Store::setup(conn)
    }

    /// A private in-memory store (tests, dry runs).
    pub fn open_in_memory() -> Result<Store> {
        Store::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::MIGRATIONS.to_latest(&mut conn)?;
        Ok(Store { conn })
    }

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<usize> {
        let v = migrations::MIGRATIONS.current_version(&self.conn)?;
        Ok(usize::from(&v))
    }

    /// SQLite's own consistency check of the whole file (`PRAGMA integrity_check`).
    pub fn integrity_check(&self) -> Result<bool> {
        let r: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }

    /// The journal mode in effect (`wal` for a file, `memory` in memory).
    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))?)
    }
}

/// Formats a time for storage.
pub(crate) fn ts_to_sql(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Reads a stored time.
pub(crate) fn ts_from_sql(s: &str) -> Result<Timestamp> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("time {s:?}")))
}

pub(crate) fn name_from_sql(s: &str) -> Result<domains::DomainName> {
    domains::DomainName::parse(s).map_err(|_| StoreError::Corrupt(format!("domain name {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_sort() {
        let a: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
        let b: Timestamp = "2026-06-01T00:00:00.5Z".parse().unwrap();
        assert_eq!(ts_to_sql(a), "2026-06-01T00:00:00.000Z");
        assert_eq!(ts_from_sql(&ts_to_sql(b)).unwrap(), b);
        assert!(ts_to_sql(a) < ts_to_sql(b));
        assert!(ts_from_sql("yesterday").is_err());
    }
}
