//! Findings (deduplicated by fingerprint) and the alerts sent for them (once per sink).

use domains::DomainName;
use domains::findings::{Finding, Severity};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::snapshot::severity_from_sql;
use crate::{
    Backend, Result, Store, StoreError, count_from_sql, name_from_sql, ts_from_sql, ts_to_sql,
};

/// Where a finding came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingOrigin {
    /// A rule on one snapshot (lasts while the state lasts).
    State,
    /// A change between two snapshots (an event).
    Change,
}

impl FindingOrigin {
    pub fn as_str(&self) -> &'static str {
        match self {
            FindingOrigin::State => "state",
            FindingOrigin::Change => "change",
        }
    }
}

/// A stored finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub id: i64,
    pub origin: FindingOrigin,
    #[serde(flatten)]
    pub finding: Finding,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// A state finding no longer raised by a complete snapshot.
    pub resolved_at: Option<Timestamp>,
}

/// Inserts or refreshes a finding; returns its id when it is new.
pub(crate) fn upsert_finding(
    tx: &Transaction<'_>,
    f: &Finding,
    origin: FindingOrigin,
    now: Timestamp,
) -> Result<Option<i64>> {
    let fp = f.fingerprint();
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM finding WHERE fingerprint = ?1")?
        .query_row([&fp], |r| r.get(0))
        .optional()?;
    let now = ts_to_sql(now);
    match existing {
        Some(id) => {
            tx.prepare_cached(
                "UPDATE finding SET severity = ?2, title = ?3, detail = ?4, remediation = ?5,
                        last_seen = max(last_seen, ?6), resolved_at = NULL
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                f.severity.as_str(),
                f.title,
                f.detail,
                f.remediation,
                now
            ])?;
            Ok(None)
        }
        None => {
            tx.prepare_cached(
                "INSERT INTO finding (fingerprint, domain, origin, code, severity, title, detail,
                                      remediation, subject, first_seen, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            )?
            .execute(params![
                fp,
                f.domain.as_str(),
                origin.as_str(),
                f.code,
                f.severity.as_str(),
                f.title,
                f.detail,
                f.remediation,
                f.subject,
                now
            ])?;
            Ok(Some(tx.last_insert_rowid()))
        }
    }
}

/// [`upsert_finding`] on PostgreSQL.
pub(crate) fn pg_upsert_finding(
    tx: &mut postgres::Transaction<'_>,
    f: &Finding,
    origin: FindingOrigin,
    now: Timestamp,
) -> Result<Option<i64>> {
    let fp = f.fingerprint();
    let now = ts_to_sql(now);
    let inserted = tx.query_opt(
        "INSERT INTO finding (fingerprint, domain, origin, code, severity, title, detail,
                              remediation, subject, first_seen, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
        &[
            &fp,
            &f.domain.as_str(),
            &origin.as_str(),
            &f.code,
            &f.severity.as_str(),
            &f.title,
            &f.detail,
            &f.remediation,
            &f.subject,
            &now,
        ],
    )?;
    if let Some(r) = inserted {
        return Ok(Some(r.get(0)));
    }
    tx.execute(
        "UPDATE finding SET severity = $2, title = $3, detail = $4, remediation = $5,
                last_seen = GREATEST(last_seen, $6), resolved_at = NULL
         WHERE fingerprint = $1",
        &[
            &fp,
            &f.severity.as_str(),
            &f.title,
            &f.detail,
            &f.remediation,
            &now,
        ],
    )?;
    Ok(None)
}

const COLS: &str = "id, origin, code, severity, domain, title, detail, remediation, subject,
                    first_seen, last_seen, resolved_at";

type Raw = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
    ))
}

fn pg_raw(r: &postgres::Row) -> Raw {
    (
        r.get(0),
        r.get(1),
        r.get(2),
        r.get(3),
        r.get(4),
        r.get(5),
        r.get(6),
        r.get(7),
        r.get(8),
        r.get(9),
        r.get(10),
        r.get(11),
    )
}

fn decode(r: Raw) -> Result<StoredFinding> {
    let origin = match r.1.as_str() {
        "state" => FindingOrigin::State,
        "change" => FindingOrigin::Change,
        o => return Err(StoreError::Corrupt(format!("finding origin {o:?}"))),
    };
    Ok(StoredFinding {
        id: r.0,
        origin,
        finding: Finding {
            code: r.2,
            severity: severity_from_sql(&r.3)?,
            domain: name_from_sql(&r.4)?,
            title: r.5,
            detail: r.6,
            remediation: r.7,
            subject: r.8,
        },
        first_seen: ts_from_sql(&r.9)?,
        last_seen: ts_from_sql(&r.10)?,
        resolved_at: r.11.as_deref().map(ts_from_sql).transpose()?,
    })
}

impl Store {
    /// Findings, oldest first: of one domain or all; open ones only (not resolved) or all.
    pub fn findings(
        &self,
        domain: Option<&DomainName>,
        open_only: bool,
    ) -> Result<Vec<StoredFinding>> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut st = conn.prepare_cached(&format!(
                    "SELECT {COLS} FROM finding
                     WHERE (?1 IS NULL OR domain = ?1) AND (?2 = 0 OR resolved_at IS NULL)
                     ORDER BY first_seen, id"
                ))?;
                let rows = st.query_map(params![domain.map(DomainName::as_str), open_only], raw)?;
                rows.map(|r| decode(r?)).collect()
            }
            Backend::Postgres(pg) => {
                let domain = domain.map(|d| d.as_str().to_string());
                pg.call(move |c| {
                    c.query(
                        &format!(
                            "SELECT {COLS} FROM finding
                             WHERE ($1::TEXT IS NULL OR domain = $1)
                               AND (NOT $2 OR resolved_at IS NULL)
                             ORDER BY first_seen, id"
                        ),
                        &[&domain, &open_only],
                    )?
                    .iter()
                    .map(|r| decode(pg_raw(r)))
                    .collect()
                })
            }
        }
    }

    /// Findings at or above `min` that were never alerted to `sink` and are still open, oldest
    /// first.
    pub fn unalerted(&self, sink: &str, min: Severity) -> Result<Vec<StoredFinding>> {
        let all: Vec<StoredFinding> = match &self.backend {
            Backend::Sqlite(conn) => {
                let mut st = conn.prepare_cached(&format!(
                    "SELECT {COLS} FROM finding f
                     WHERE resolved_at IS NULL
                       AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.finding_id = f.id AND a.sink = ?1)
                     ORDER BY first_seen, id"
                ))?;
                let rows = st.query_map([sink], raw)?;
                rows.map(|r| decode(r?)).collect::<Result<_>>()?
            }
            Backend::Postgres(pg) => {
                let sink = sink.to_string();
                pg.call(move |c| {
                    c.query(
                        &format!(
                            "SELECT {COLS} FROM finding f
                             WHERE resolved_at IS NULL
                               AND NOT EXISTS (SELECT 1 FROM alert a
                                               WHERE a.finding_id = f.id AND a.sink = $1)
                             ORDER BY first_seen, id"
                        ),
                        &[&sink],
                    )?
                    .iter()
                    .map(|r| decode(pg_raw(r)))
                    .collect()
                })?
            }
        };
        Ok(all
            .into_iter()
            .filter(|f| f.finding.severity >= min)
            .collect())
    }

    /// Records that a finding was alerted to a sink. Returns false when it already was (the
    /// alert must then not be sent again).
    pub fn mark_alerted(&mut self, finding_id: i64, sink: &str, at: Timestamp) -> Result<bool> {
        let n = match &mut self.backend {
            Backend::Sqlite(conn) => conn.execute(
                "INSERT INTO alert (finding_id, sink, sent_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (finding_id, sink) DO NOTHING",
                params![finding_id, sink, ts_to_sql(at)],
            )? as u64,
            Backend::Postgres(pg) => {
                let sink = sink.to_string();
                pg.call(move |c| {
                    Ok(c.execute(
                        "INSERT INTO alert (finding_id, sink, sent_at) VALUES ($1, $2, $3)
                         ON CONFLICT (finding_id, sink) DO NOTHING",
                        &[&finding_id, &sink, &ts_to_sql(at)],
                    )?)
                })?
            }
        };
        Ok(n == 1)
    }

    /// How many alerts were recorded for a sink.
    pub fn alert_count(&self, sink: &str) -> Result<usize> {
        let n: i64 = match &self.backend {
            Backend::Sqlite(conn) => {
                conn.query_row("SELECT count(*) FROM alert WHERE sink = ?1", [sink], |r| {
                    r.get(0)
                })?
            }
            Backend::Postgres(pg) => {
                let sink = sink.to_string();
                pg.call(move |c| {
                    Ok(
                        c.query_one("SELECT count(*) FROM alert WHERE sink = $1", &[&sink])?
                            .get(0),
                    )
                })?
            }
        };
        Ok(count_from_sql(n))
    }
}
