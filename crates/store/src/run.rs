//! Runs: one pass over the inventory. A run that never finished (crash, kill) stays
//! `running` until the next run marks it `interrupted`; `--resume` continues it.

use std::collections::HashSet;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Backend, Result, Store, StoreError, count_to_sql, ts_from_sql, ts_to_sql};

/// A run's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunId(pub i64);

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Finished,
    Interrupted,
}

impl RunStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Interrupted => "interrupted",
        }
    }

    fn parse(s: &str) -> Result<RunStatus> {
        match s {
            "running" => Ok(RunStatus::Running),
            "finished" => Ok(RunStatus::Finished),
            "interrupted" => Ok(RunStatus::Interrupted),
            _ => Err(StoreError::Corrupt(format!("run status {s:?}"))),
        }
    }
}

/// A run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub id: RunId,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub status: RunStatus,
    /// Names the run set out to observe.
    pub names: usize,
}

type RawRun = (i64, String, Option<String>, String, i64);

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRun> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode(r: RawRun) -> Result<Run> {
    Ok(Run {
        id: RunId(r.0),
        started_at: ts_from_sql(&r.1)?,
        finished_at: r.2.as_deref().map(ts_from_sql).transpose()?,
        status: RunStatus::parse(&r.3)?,
        names: crate::count_from_sql(r.4),
    })
}

const COLS: &str = "id, started_at, finished_at, status, names";

fn pass_open(id: i64) -> StoreError {
    StoreError::Refused(format!(
        "distributed pass {id} is still running: let its workers finish it \
         (`domwatch watch status`) before starting another pass"
    ))
}

fn pg_raw(r: &postgres::Row) -> RawRun {
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

impl Store {
    /// Starts a run; any run still marked `running` is marked `interrupted`.
    pub fn begin_run(&mut self, at: Timestamp, names: usize) -> Result<RunId> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let open: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM run WHERE status = 'running' AND distributed LIMIT 1",
                        [],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(id) = open {
                    return Err(pass_open(id));
                }
                tx.execute(
                    "UPDATE run SET status = 'interrupted' WHERE status = 'running'",
                    [],
                )?;
                tx.execute(
                    "INSERT INTO run (started_at, status, names) VALUES (?1, 'running', ?2)",
                    params![ts_to_sql(at), count_to_sql(names)],
                )?;
                let id = RunId(tx.last_insert_rowid());
                tx.commit()?;
                Ok(id)
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let mut tx = c.transaction()?;
                tx.batch_execute("LOCK TABLE run IN SHARE ROW EXCLUSIVE MODE")?;
                if let Some(r) = tx.query_opt(
                    "SELECT id FROM run WHERE status = 'running' AND distributed LIMIT 1",
                    &[],
                )? {
                    return Err(pass_open(r.get(0)));
                }
                tx.execute(
                    "UPDATE run SET status = 'interrupted' WHERE status = 'running'",
                    &[],
                )?;
                let id: i64 = tx
                    .query_one(
                        "INSERT INTO run (started_at, status, names) VALUES ($1, 'running', $2)
                         RETURNING id",
                        &[&ts_to_sql(at), &count_to_sql(names)],
                    )?
                    .get(0);
                tx.commit()?;
                Ok(RunId(id))
            }),
        }
    }

    /// The latest run that did not finish, marked `running` again, to be continued.
    pub fn resume_run(&mut self) -> Result<Option<Run>> {
        let last = match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let last = tx
                    .query_row(
                        &format!(
                            "SELECT {COLS} FROM run WHERE NOT distributed ORDER BY id DESC LIMIT 1"
                        ),
                        [],
                        raw,
                    )
                    .optional()?
                    .map(decode)
                    .transpose()?;
                if let Some(run) = last.as_ref().filter(|r| r.status != RunStatus::Finished) {
                    tx.execute(
                        "UPDATE run SET status = 'interrupted'
                         WHERE status = 'running' AND id <> ?1 AND NOT distributed",
                        [run.id.0],
                    )?;
                    tx.execute(
                        "UPDATE run SET status = 'running' WHERE id = ?1",
                        [run.id.0],
                    )?;
                }
                tx.commit()?;
                last
            }
            Backend::Postgres(pg) => pg.call(|c| {
                let mut tx = c.transaction()?;
                let last = tx
                    .query_opt(
                        &format!(
                            "SELECT {COLS} FROM run WHERE NOT distributed
                             ORDER BY id DESC LIMIT 1 FOR UPDATE"
                        ),
                        &[],
                    )?
                    .map(|r| decode(pg_raw(&r)))
                    .transpose()?;
                if let Some(run) = last.as_ref().filter(|r| r.status != RunStatus::Finished) {
                    tx.execute(
                        "UPDATE run SET status = 'interrupted'
                         WHERE status = 'running' AND id <> $1 AND NOT distributed",
                        &[&run.id.0],
                    )?;
                    tx.execute(
                        "UPDATE run SET status = 'running' WHERE id = $1",
                        &[&run.id.0],
                    )?;
                }
                tx.commit()?;
                Ok(last)
            })?,
        };
        let Some(mut run) = last.filter(|r| r.status != RunStatus::Finished) else {
            return Ok(None);
        };
        run.status = RunStatus::Running;
        Ok(Some(run))
    }

    /// Marks a run finished.
    pub fn finish_run(&mut self, id: RunId, at: Timestamp) -> Result<()> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                conn.execute(
                    "UPDATE run SET status = 'finished', finished_at = ?2 WHERE id = ?1",
                    params![id.0, ts_to_sql(at)],
                )?;
            }
            Backend::Postgres(pg) => {
                pg.call(move |c| {
                    c.execute(
                        "UPDATE run SET status = 'finished', finished_at = $2 WHERE id = $1",
                        &[&id.0, &ts_to_sql(at)],
                    )?;
                    Ok(())
                })?;
            }
        }
        Ok(())
    }

    /// One run.
    pub fn run(&self, id: RunId) -> Result<Option<Run>> {
        match &self.backend {
            Backend::Sqlite(conn) => conn
                .query_row(
                    &format!("SELECT {COLS} FROM run WHERE id = ?1"),
                    [id.0],
                    raw,
                )
                .optional()?
                .map(decode)
                .transpose(),
            Backend::Postgres(pg) => pg.call(move |c| {
                c.query_opt(&format!("SELECT {COLS} FROM run WHERE id = $1"), &[&id.0])?
                    .map(|r| decode(pg_raw(&r)))
                    .transpose()
            }),
        }
    }

    /// The latest runs, newest first.
    pub fn runs(&self, limit: usize) -> Result<Vec<Run>> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut st =
                    conn.prepare(&format!("SELECT {COLS} FROM run ORDER BY id DESC LIMIT ?1"))?;
                let rows = st.query_map([count_to_sql(limit)], raw)?;
                rows.map(|r| decode(r?)).collect()
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                c.query(
                    &format!("SELECT {COLS} FROM run ORDER BY id DESC LIMIT $1"),
                    &[&count_to_sql(limit)],
                )?
                .iter()
                .map(|r| decode(pg_raw(r)))
                .collect()
            }),
        }
    }

    /// The domains a run has already stored a snapshot of.
    pub fn run_domains_done(&self, id: RunId) -> Result<HashSet<String>> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut st = conn.prepare("SELECT domain FROM snapshot WHERE run_id = ?1")?;
                let rows = st.query_map([id.0], |r| r.get::<_, String>(0))?;
                Ok(rows.collect::<rusqlite::Result<HashSet<String>>>()?)
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                Ok(
                    c.query("SELECT domain FROM snapshot WHERE run_id = $1", &[&id.0])?
                        .iter()
                        .map(|r| r.get::<_, String>(0))
                        .collect(),
                )
            }),
        }
    }
}
