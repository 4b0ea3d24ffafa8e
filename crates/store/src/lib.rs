//! The store: domwatch's state in SQLite (bundled, the default) or PostgreSQL, the only crate
//! with SQL. Both backends sit behind the one [`Store`] type with the same methods and the same
//! semantics; each method holds the SQL of both dialects side by side.
//!
//! - SQLite: WAL journal, `synchronous=NORMAL`, foreign keys on, a busy timeout: several processes
//!   (a `watch daemon` and a `watch history`) can share one file.
//! - PostgreSQL ([`pg`]): one connection per process on its own thread, reconnecting after a
//!   server restart, TLS by rustls, credentials from the URL or the `PG*` variables and never
//!   shown ([`PgTarget`]'s `Display` has no password).
//! - Embedded, append-only migrations ([`migrations`]), the same history in both dialects: the
//!   schema version is SQLite's `user_version` or PostgreSQL's `domwatch_schema` table; a store
//!   newer than the binary is refused ([`StoreError::TooNew`]).
//! - One module per aggregate: [`watch`] (the inventory), [`run`], [`snapshot`] (snapshots and
//!   the changes between them), [`finding`] (findings and the alerts sent for them), [`case`]
//!   (coordination cases, their reports and timelines; SQL written once for both backends
//!   through `sql`), [`coord`] (a case's parties, notifications and evidence), [`users`]
//!   (the console's users, API tokens, web sessions and audit log).
//! - Every write that belongs together is one transaction (a snapshot with its changes and
//!   findings), so a crash leaves either all of it or none of it.
//!
//! Times are stored as RFC 3339 text in UTC with milliseconds (`2026-06-01T00:00:00.000Z`),
//! which sorts as text in time order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::Connection;

pub mod case;
pub mod coord;
pub mod copy;
pub mod ct;
pub mod finding;
pub mod migrations;
pub mod pass;
mod pg;
pub mod results;
pub mod run;
pub mod snapshot;
mod sql;
pub mod users;
pub mod watch;

pub use case::{
    Case, CaseEvent, CaseFilter, CaseId, CaseUpdate, IntakeOutcome, NewReport, StoredReport,
};
pub use coord::{
    Channel, NewNotification, NotificationState, StoredEvidence, StoredNotification, StoredParty,
};
pub use copy::{CopyReport, TableSum};
pub use ct::{CtLogPosition, CtNovelty, CtSighting};
pub use finding::{
    AlertScope, FindingFilter, FindingOrigin, RaisedBy, StoredFinding, Triage, TriageAction,
    TriageFilter,
};
pub use migrations::SCHEMA_VERSION;
pub use pass::{Claim, PassProgress, WorkerProgress};
pub use pg::{PgTarget, TargetError};
pub use results::{HitFilter, ScanRecord, ScanStatus, StoredAudit, StoredHit};
pub use run::{Run, RunId, RunStatus};
pub use snapshot::{Recorded, StoredChange, StoredSnapshot};
pub use users::{AuditEntry, Role, TokenInfo, User};
pub use watch::{AddOutcome, WatchedDomain};

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database error: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("{0}")]
    Config(String),
    #[error("the store's connection thread has stopped")]
    Closed,
    /// No connection of a pool came free in time (the console under load), or the task that
    /// held one failed.
    #[error("the store is busy: {0}")]
    Busy(String),
    #[error(
        "the store has schema version {store}, newer than this domwatch knows ({binary}): \
         use a newer domwatch (the store was not changed)"
    )]
    TooNew { store: usize, binary: usize },
    #[error("{0}")]
    Refused(String),
    #[error("schema migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("stored JSON could not be read or written: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the database holds a value this version cannot read: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where a store is.
#[derive(Debug, Clone)]
pub enum Location {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(Box<PgTarget>),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(t) => write!(f, "{t}"),
        }
    }
}

impl Location {
    /// Which backend this is, as the migration history names it.
    pub fn backend(&self) -> &'static str {
        match self {
            Location::Sqlite(_) => "sqlite",
            Location::Postgres(_) => "postgres",
        }
    }
}

pub(crate) enum Backend {
    Sqlite(Connection),
    Postgres(pg::PgConn),
}

/// An open store.
pub struct Store {
    backend: Backend,
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

    /// Opens the store at `location`: an SQLite file, or a PostgreSQL database (connecting at
    /// once and bringing its schema up to date).
    pub fn open_location(location: &Location) -> Result<Store> {
        match location {
            Location::Sqlite(p) => Store::open(p),
            Location::Postgres(t) => Store::open_postgres(t),
        }
    }

    /// Connects to a PostgreSQL store and brings its schema up to date.
    pub fn open_postgres(target: &PgTarget) -> Result<Store> {
        let conn = pg::PgConn::open(target.clone())?;
        conn.call(migrations::pg_to_latest)?;
        Ok(Store {
            backend: Backend::Postgres(conn),
        })
    }

    /// Which backend this store is on.
    pub fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
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
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let version = usize::try_from(version).unwrap_or(usize::MAX);
        if version > migrations::SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                store: version,
                binary: migrations::SCHEMA_VERSION,
            });
        }
        // Two processes opening a new file together: the loser's migration fails on tables the
        // winner just created; then the file is up to date and that is all we wanted.
        if let Err(e) = migrations::MIGRATIONS.to_latest(&mut conn) {
            let now = migrations::MIGRATIONS.current_version(&conn)?;
            if usize::from(&now) != migrations::SCHEMA_VERSION {
                return Err(e.into());
            }
        }
        Ok(Store {
            backend: Backend::Sqlite(conn),
        })
    }

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<usize> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let v = migrations::MIGRATIONS.current_version(conn)?;
                Ok(usize::from(&v))
            }
            Backend::Postgres(pg) => pg.call(migrations::pg_version),
        }
    }

    /// The backend's own consistency check: SQLite's `PRAGMA integrity_check` of the whole
    /// file; on PostgreSQL (which checks its pages itself) that the schema is the expected one.
    pub fn integrity_check(&self) -> Result<bool> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let r: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
                Ok(r == "ok")
            }
            Backend::Postgres(_) => Ok(self.schema_version()? == migrations::SCHEMA_VERSION),
        }
    }

    /// The journal mode in effect (`wal` for a file, `memory` in memory; `postgres` there).
    pub fn journal_mode(&self) -> Result<String> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                Ok(conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))?)
            }
            Backend::Postgres(_) => Ok("postgres".into()),
        }
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

pub(crate) fn count_from_sql(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

pub(crate) fn count_to_sql(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
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
