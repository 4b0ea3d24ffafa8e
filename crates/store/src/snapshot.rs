//! Snapshots and the changes between consecutive snapshots of a domain.
//!
//! [`Store::record_observation`] writes a snapshot, its changes and its findings in one
//! transaction: after a crash the store holds all of it or none of it.

use domains::DomainName;
use domains::change::{Change, ChangeKind};
use domains::findings::{Finding, Severity};
use domains::snapshot::Snapshot;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::finding::{FindingOrigin, RaisedBy, pg_upsert_finding, upsert_finding};
use crate::{
    Backend, Result, RunId, Store, StoreError, count_from_sql, count_to_sql, name_from_sql,
    ts_from_sql, ts_to_sql,
};

/// A stored snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSnapshot {
    pub id: i64,
    pub run_id: Option<RunId>,
    pub snapshot: Snapshot,
}

/// A stored change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredChange {
    pub id: i64,
    pub snapshot_id: i64,
    pub change: Change,
}

/// What [`Store::record_observation`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recorded {
    /// The new snapshot's id; `None` when this run had already stored this domain (nothing
    /// was written).
    pub snapshot_id: Option<i64>,
    /// Ids of findings seen for the first time.
    pub new_findings: Vec<i64>,
}

fn decode_snapshot(id: i64, run_id: Option<i64>, json: &str) -> Result<StoredSnapshot> {
    Ok(StoredSnapshot {
        id,
        run_id: run_id.map(RunId),
        snapshot: serde_json::from_str(json)?,
    })
}

fn kind_from_sql(s: &str) -> Result<ChangeKind> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| StoreError::Corrupt(format!("change kind {s:?}")))
}

pub(crate) fn severity_from_sql(s: &str) -> Result<Severity> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("severity {s:?}")))
}

type RawChange = (i64, i64, String, String, String, String, String, String);

fn decode_change(r: RawChange) -> Result<StoredChange> {
    let (id, snapshot_id, domain, kind, before, after, severity, at) = r;
    Ok(StoredChange {
        id,
        snapshot_id,
        change: Change {
            domain: name_from_sql(&domain)?,
            kind: kind_from_sql(&kind)?,
            before,
            after,
            severity: severity_from_sql(&severity)?,
            observed_at: ts_from_sql(&at)?,
        },
    })
}

const CHANGE_COLS: &str = "id, snapshot_id, domain, kind, before, after, severity, observed_at";

impl Store {
    /// The newest stored snapshot of a domain.
    pub fn latest_snapshot(&self, domain: &DomainName) -> Result<Option<StoredSnapshot>> {
        let row = match &self.backend {
            Backend::Sqlite(conn) => conn
                .query_row(
                    "SELECT id, run_id, json FROM snapshot WHERE domain = ?1
                     ORDER BY taken_at DESC, id DESC LIMIT 1",
                    [domain.as_str()],
                    |r| {
                        Ok((
                            r.get::<_, i64>(0)?,
                            r.get::<_, Option<i64>>(1)?,
                            r.get::<_, String>(2)?,
                        ))
                    },
                )
                .optional()?,
            Backend::Postgres(pg) => {
                let domain = domain.as_str().to_string();
                pg.call(move |c| {
                    Ok(c.query_opt(
                        "SELECT id, run_id, json FROM snapshot WHERE domain = $1
                         ORDER BY taken_at DESC, id DESC LIMIT 1",
                        &[&domain],
                    )?
                    .map(|r| (r.get(0), r.get(1), r.get(2))))
                })?
            }
        };
        row.map(|(id, run, json)| decode_snapshot(id, run, &json))
            .transpose()
    }

    /// A domain's snapshots, oldest first (at most `limit`, the newest ones).
    pub fn snapshots(&self, domain: &DomainName, limit: usize) -> Result<Vec<StoredSnapshot>> {
        let rows: Vec<(i64, Option<i64>, String)> = match &self.backend {
            Backend::Sqlite(conn) => {
                let mut st = conn.prepare_cached(
                    "SELECT id, run_id, json FROM snapshot WHERE domain = ?1
                     ORDER BY taken_at DESC, id DESC LIMIT ?2",
                )?;
                st.query_map(params![domain.as_str(), count_to_sql(limit)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect::<rusqlite::Result<_>>()?
            }
            Backend::Postgres(pg) => {
                let domain = domain.as_str().to_string();
                pg.call(move |c| {
                    Ok(c.query(
                        "SELECT id, run_id, json FROM snapshot WHERE domain = $1
                         ORDER BY taken_at DESC, id DESC LIMIT $2",
                        &[&domain, &count_to_sql(limit)],
                    )?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect())
                })?
            }
        };
        let mut out = Vec::new();
        for (id, run, json) in rows {
            out.push(decode_snapshot(id, run, &json)?);
        }
        out.reverse();
        Ok(out)
    }

    /// How many snapshots are stored (all domains).
    pub fn snapshot_count(&self) -> Result<usize> {
        let n: i64 = match &self.backend {
            Backend::Sqlite(conn) => {
                conn.query_row("SELECT count(*) FROM snapshot", [], |r| r.get(0))?
            }
            Backend::Postgres(pg) => {
                pg.call(|c| Ok(c.query_one("SELECT count(*) FROM snapshot", &[])?.get(0)))?
            }
        };
        Ok(count_from_sql(n))
    }

    /// A domain's changes, oldest first.
    pub fn changes(&self, domain: &DomainName) -> Result<Vec<StoredChange>> {
        let rows: Vec<RawChange> = match &self.backend {
            Backend::Sqlite(conn) => {
                let mut st = conn.prepare_cached(&format!(
                    "SELECT {CHANGE_COLS} FROM change WHERE domain = ?1 ORDER BY observed_at, id"
                ))?;
                st.query_map([domain.as_str()], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?
            }
            Backend::Postgres(pg) => {
                let domain = domain.as_str().to_string();
                pg.call(move |c| {
                    Ok(c.query(
                        &format!(
                            "SELECT {CHANGE_COLS} FROM change WHERE domain = $1
                             ORDER BY observed_at, id"
                        ),
                        &[&domain],
                    )?
                    .iter()
                    .map(|r| {
                        (
                            r.get(0),
                            r.get(1),
                            r.get(2),
                            r.get(3),
                            r.get(4),
                            r.get(5),
                            r.get(6),
                            r.get(7),
                        )
                    })
                    .collect())
                })?
            }
        };
        rows.into_iter().map(decode_change).collect()
    }

    /// Stores one observation of a domain in one transaction: the snapshot, the changes since
    /// the previous snapshot, the state findings (`state`) and the change findings (`changes`).
    /// State findings of the domain that are no longer raised are marked resolved, but only
    /// when the snapshot is complete (no probe issues): an unobserved part proves nothing.
    ///
    /// Idempotent within a run: if `run` already holds a snapshot of this domain, nothing is
    /// written.
    pub fn record_observation(
        &mut self,
        run: Option<RunId>,
        snapshot: &Snapshot,
        changes: &[Change],
        state: &[Finding],
        change_findings: &[Finding],
    ) -> Result<Recorded> {
        let now = snapshot.taken_at;
        let json = serde_json::to_string(snapshot)?;
        let conn = match &mut self.backend {
            Backend::Sqlite(conn) => conn,
            Backend::Postgres(pg) => {
                let snapshot = snapshot.clone();
                let changes = changes.to_vec();
                let state = state.to_vec();
                let change_findings = change_findings.to_vec();
                return pg.call(move |c| {
                    pg_record(c, run, &snapshot, &json, &changes, &state, &change_findings)
                });
            }
        };
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT INTO snapshot (domain, taken_at, run_id, phase, complete, json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            params![
                snapshot.domain.as_str(),
                ts_to_sql(now),
                run.map(|r| r.0),
                snapshot.phase.as_str(),
                snapshot.issues.is_empty(),
                json,
            ],
        )?;
        if inserted == 0 {
            return Ok(Recorded::default());
        }
        let snapshot_id = tx.last_insert_rowid();
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO change (snapshot_id, domain, kind, before, after, severity, observed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for c in changes {
                ins.execute(params![
                    snapshot_id,
                    c.domain.as_str(),
                    c.kind.as_str(),
                    c.before,
                    c.after,
                    c.severity.as_str(),
                    ts_to_sql(c.observed_at),
                ])?;
            }
        }
        let mut new_findings = Vec::new();
        for (origin, list) in [
            (FindingOrigin::State, state),
            (FindingOrigin::Change, change_findings),
        ] {
            for f in list {
                if let Some(id) = upsert_finding(&tx, f, origin, &RaisedBy::Watch, now)? {
                    new_findings.push(id);
                }
            }
        }
        if snapshot.issues.is_empty() {
            let current: Vec<String> = state.iter().map(Finding::fingerprint).collect();
            let current = serde_json::to_string(&current)?;
            tx.execute(
                "UPDATE finding SET resolved_at = ?3
                 WHERE domain = ?1 AND origin = 'state' AND resolved_at IS NULL
                   AND fingerprint NOT IN (SELECT value FROM json_each(?2))",
                params![snapshot.domain.as_str(), current, ts_to_sql(now)],
            )?;
        }
        tx.commit()?;
        Ok(Recorded {
            snapshot_id: Some(snapshot_id),
            new_findings,
        })
    }

    /// The time of the newest stored snapshot of any domain.
    pub fn last_observed(&self) -> Result<Option<Timestamp>> {
        let t: Option<String> = match &self.backend {
            Backend::Sqlite(conn) => {
                conn.query_row("SELECT max(taken_at) FROM snapshot", [], |r| r.get(0))?
            }
            Backend::Postgres(pg) => pg.call(|c| {
                Ok(c.query_one("SELECT max(taken_at) FROM snapshot", &[])?
                    .get(0))
            })?,
        };
        t.as_deref().map(ts_from_sql).transpose()
    }
}

/// [`Store::record_observation`] on PostgreSQL.
fn pg_record(
    c: &mut postgres::Client,
    run: Option<RunId>,
    snapshot: &Snapshot,
    json: &str,
    changes: &[Change],
    state: &[Finding],
    change_findings: &[Finding],
) -> Result<Recorded> {
    let now = snapshot.taken_at;
    let mut tx = c.transaction()?;
    let inserted = tx.query_opt(
        "INSERT INTO snapshot (domain, taken_at, run_id, phase, complete, json)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
        &[
            &snapshot.domain.as_str(),
            &ts_to_sql(now),
            &run.map(|r| r.0),
            &snapshot.phase.as_str(),
            &snapshot.issues.is_empty(),
            &json,
        ],
    )?;
    let Some(row) = inserted else {
        return Ok(Recorded::default());
    };
    let snapshot_id: i64 = row.get(0);
    let ins = tx.prepare(
        "INSERT INTO change (snapshot_id, domain, kind, before, after, severity, observed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )?;
    for ch in changes {
        tx.execute(
            &ins,
            &[
                &snapshot_id,
                &ch.domain.as_str(),
                &ch.kind.as_str(),
                &ch.before,
                &ch.after,
                &ch.severity.as_str(),
                &ts_to_sql(ch.observed_at),
            ],
        )?;
    }
    let mut new_findings = Vec::new();
    for (origin, list) in [
        (FindingOrigin::State, state),
        (FindingOrigin::Change, change_findings),
    ] {
        for f in list {
            if let Some(id) = pg_upsert_finding(&mut tx, f, origin, &RaisedBy::Watch, now)? {
                new_findings.push(id);
            }
        }
    }
    if snapshot.issues.is_empty() {
        let current: Vec<String> = state.iter().map(Finding::fingerprint).collect();
        tx.execute(
            "UPDATE finding SET resolved_at = $3
             WHERE domain = $1 AND origin = 'state' AND resolved_at IS NULL
               AND NOT (fingerprint = ANY($2))",
            &[&snapshot.domain.as_str(), &current, &ts_to_sql(now)],
        )?;
    }
    tx.commit()?;
    Ok(Recorded {
        snapshot_id: Some(snapshot_id),
        new_findings,
    })
}
