//! Distributed passes: a run whose names are shared by any number of workers through the store.
//!
//! `watch run --distribute` creates the pass ([`Store::begin_pass`]): one `pass_item` per
//! watched name, `pending`. Workers ([`Store::claim`]) take a few names at a time under a lease:
//! on PostgreSQL with `SELECT ... FOR UPDATE SKIP LOCKED`, so two workers never take the same
//! name; on SQLite inside an immediate (write-locked) transaction, which gives the same on one
//! machine. A worker that dies leaves its names `claimed` until the lease expires; then the
//! others take them over. A name whose snapshot is already stored in the run is never probed
//! again (a worker killed between storing and marking it done): the claim marks it done.
//! Snapshots stay unique per run (the store's `snapshot_once_per_run` index), so nothing is
//! duplicated whatever the timing. The worker that completes the last name finishes the run
//! ([`Store::finish_pass_if_done`], one winner).
//!
//! Politeness shared by all workers: [`Store::reserve_slot`] hands out request times per
//! server (or registry) from one row per key, so N workers together keep one budget.
//!
//! Lease and budget times are the workers' real clocks (passed in; the store reads no clock),
//! RFC 3339 text like every time in the store.

use std::time::Duration;

use domains::DomainName;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use crate::{
    Backend, Result, Run, RunId, Store, StoreError, count_from_sql, count_to_sql, name_from_sql,
    ts_from_sql, ts_to_sql,
};

/// Names handed to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub run: RunId,
    pub domains: Vec<DomainName>,
}

/// One worker's part in a pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerProgress {
    pub id: String,
    pub started_at: Timestamp,
    pub last_seen: Timestamp,
    /// Names it completed (in this pass).
    pub done: usize,
    /// Names it holds now.
    pub claimed: usize,
}

/// Where a distributed pass is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassProgress {
    pub run: Run,
    pub pending: usize,
    pub claimed: usize,
    pub done: usize,
    /// Names taken over from a worker whose lease expired (claimed more than once).
    pub taken_over: usize,
    pub workers: Vec<WorkerProgress>,
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    let secs = i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2);
    Timestamp::from_millisecond(t.as_millisecond().saturating_add(secs)).unwrap_or(t)
}

impl Store {
    /// Creates a distributed pass over `names` (in one transaction). Refused while another
    /// distributed pass or a single-process run is still running.
    pub fn begin_pass(&mut self, at: Timestamp, names: &[DomainName]) -> Result<RunId> {
        let names: Vec<String> = names.iter().map(|n| n.as_str().to_string()).collect();
        let refuse = |id: i64| {
            StoreError::Refused(format!(
                "pass {id} is still running: let its workers finish it (`domwatch watch status`)"
            ))
        };
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let open: Option<i64> = tx
                    .query_row(
                        "SELECT id FROM run WHERE status = 'running' ORDER BY id DESC LIMIT 1",
                        [],
                        |r| r.get(0),
                    )
                    .optional()?;
                if let Some(id) = open {
                    return Err(refuse(id));
                }
                tx.execute(
                    "INSERT INTO run (started_at, status, names, distributed)
                     VALUES (?1, 'running', ?2, 1)",
                    params![ts_to_sql(at), count_to_sql(names.len())],
                )?;
                let id = tx.last_insert_rowid();
                {
                    let mut ins = tx.prepare_cached(
                        "INSERT INTO pass_item (run_id, domain, state) VALUES (?1, ?2, 'pending')
                         ON CONFLICT DO NOTHING",
                    )?;
                    for n in &names {
                        ins.execute(params![id, n])?;
                    }
                }
                tx.commit()?;
                Ok(RunId(id))
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let mut tx = c.transaction()?;
                // One pass creator at a time, across machines.
                tx.batch_execute("LOCK TABLE run IN SHARE ROW EXCLUSIVE MODE")?;
                let open = tx.query_opt(
                    "SELECT id FROM run WHERE status = 'running' ORDER BY id DESC LIMIT 1",
                    &[],
                )?;
                if let Some(r) = open {
                    return Err(refuse(r.get(0)));
                }
                let id: i64 = tx
                    .query_one(
                        "INSERT INTO run (started_at, status, names, distributed)
                         VALUES ($1, 'running', $2, TRUE) RETURNING id",
                        &[&ts_to_sql(at), &count_to_sql(names.len())],
                    )?
                    .get(0);
                tx.execute(
                    "INSERT INTO pass_item (run_id, domain, state)
                     SELECT $1, d, 'pending' FROM unnest($2::TEXT[]) AS d
                     ON CONFLICT DO NOTHING",
                    &[&id, &names],
                )?;
                tx.commit()?;
                Ok(RunId(id))
            }),
        }
    }

    /// The distributed pass still running, if any.
    pub fn open_pass(&self) -> Result<Option<RunId>> {
        let sql = "SELECT id FROM run WHERE status = 'running' AND distributed
                   ORDER BY id DESC LIMIT 1";
        let id: Option<i64> = match &self.backend {
            Backend::Sqlite(conn) => conn.query_row(sql, [], |r| r.get(0)).optional()?,
            Backend::Postgres(pg) => {
                pg.call(move |c| Ok(c.query_opt(sql, &[])?.map(|r| r.get(0))))?
            }
        };
        Ok(id.map(RunId))
    }

    /// The latest distributed pass, running or not.
    pub fn latest_pass(&self) -> Result<Option<RunId>> {
        let sql = "SELECT id FROM run WHERE distributed ORDER BY id DESC LIMIT 1";
        let id: Option<i64> = match &self.backend {
            Backend::Sqlite(conn) => conn.query_row(sql, [], |r| r.get(0)).optional()?,
            Backend::Postgres(pg) => {
                pg.call(move |c| Ok(c.query_opt(sql, &[])?.map(|r| r.get(0))))?
            }
        };
        Ok(id.map(RunId))
    }

    /// Hands `worker` up to `max` names of the pass: pending ones, and ones whose lease expired
    /// (their worker is gone). Each is leased to `worker` until `now + lease`. Also records the
    /// worker as seen.
    pub fn claim(
        &mut self,
        run: RunId,
        worker: &str,
        now: Timestamp,
        lease: Duration,
        max: usize,
    ) -> Result<Claim> {
        let now_s = ts_to_sql(now);
        let until = ts_to_sql(add(now, lease));
        let worker = worker.to_string();
        let max = count_to_sql(max);
        let names: Vec<String> = match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute(
                    "INSERT INTO worker (id, started_at, last_seen, run_id) VALUES (?1, ?2, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET last_seen = ?2,
                         done = CASE WHEN run_id IS ?3 THEN done ELSE 0 END, run_id = ?3",
                    params![worker, now_s, run.0],
                )?;
                tx.execute(
                    "UPDATE pass_item SET state = 'done', done_at = ?2, lease_until = NULL
                     WHERE run_id = ?1 AND state = 'claimed' AND lease_until < ?2
                       AND EXISTS (SELECT 1 FROM snapshot s
                                   WHERE s.run_id = ?1 AND s.domain = pass_item.domain)",
                    params![run.0, now_s],
                )?;
                let picked: Vec<String> = {
                    let mut st = tx.prepare_cached(
                        "SELECT domain FROM pass_item
                         WHERE run_id = ?1
                           AND (state = 'pending' OR (state = 'claimed' AND lease_until < ?2))
                         ORDER BY domain LIMIT ?3",
                    )?;
                    st.query_map(params![run.0, now_s, max], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?
                };
                {
                    let mut up = tx.prepare_cached(
                        "UPDATE pass_item SET state = 'claimed', worker = ?3, lease_until = ?4,
                                claims = claims + 1
                         WHERE run_id = ?1 AND domain = ?2",
                    )?;
                    for d in &picked {
                        up.execute(params![run.0, d, worker, until])?;
                    }
                }
                tx.commit()?;
                picked
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let mut tx = c.transaction()?;
                tx.execute(
                    "INSERT INTO worker (id, started_at, last_seen, run_id) VALUES ($1, $2, $2, $3)
                     ON CONFLICT (id) DO UPDATE SET last_seen = $2,
                         done = CASE WHEN worker.run_id IS NOT DISTINCT FROM $3
                                     THEN worker.done ELSE 0 END,
                         run_id = $3",
                    &[&worker, &now_s, &run.0],
                )?;
                tx.execute(
                    "UPDATE pass_item SET state = 'done', done_at = $2, lease_until = NULL
                     WHERE run_id = $1 AND state = 'claimed' AND lease_until < $2
                       AND EXISTS (SELECT 1 FROM snapshot s
                                   WHERE s.run_id = $1 AND s.domain = pass_item.domain)",
                    &[&run.0, &now_s],
                )?;
                let rows = tx.query(
                    "WITH picked AS (
                         SELECT domain FROM pass_item
                         WHERE run_id = $1
                           AND (state = 'pending' OR (state = 'claimed' AND lease_until < $2))
                         ORDER BY domain LIMIT $3
                         FOR UPDATE SKIP LOCKED)
                     UPDATE pass_item p SET state = 'claimed', worker = $4, lease_until = $5,
                            claims = p.claims + 1
                     FROM picked WHERE p.run_id = $1 AND p.domain = picked.domain
                     RETURNING p.domain",
                    &[&run.0, &now_s, &max, &worker, &until],
                )?;
                tx.commit()?;
                let mut names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
                names.sort();
                Ok(names)
            })?,
        };
        Ok(Claim {
            run,
            domains: names
                .iter()
                .map(|n| name_from_sql(n))
                .collect::<Result<_>>()?,
        })
    }

    /// Extends the lease of every name `worker` holds in the pass (a heartbeat). Returns how
    /// many it holds.
    pub fn renew_lease(
        &mut self,
        run: RunId,
        worker: &str,
        now: Timestamp,
        lease: Duration,
    ) -> Result<usize> {
        let (now_s, until, worker) = (
            ts_to_sql(now),
            ts_to_sql(add(now, lease)),
            worker.to_string(),
        );
        let n = match &mut self.backend {
            Backend::Sqlite(conn) => {
                conn.execute(
                    "UPDATE worker SET last_seen = ?2 WHERE id = ?1",
                    params![worker, now_s],
                )?;
                conn.execute(
                    "UPDATE pass_item SET lease_until = ?3
                     WHERE run_id = ?1 AND worker = ?2 AND state = 'claimed'",
                    params![run.0, worker, until],
                )? as u64
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                c.execute(
                    "UPDATE worker SET last_seen = $2 WHERE id = $1",
                    &[&worker, &now_s],
                )?;
                Ok(c.execute(
                    "UPDATE pass_item SET lease_until = $3
                     WHERE run_id = $1 AND worker = $2 AND state = 'claimed'",
                    &[&run.0, &worker, &until],
                )?)
            })?,
        };
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Marks a name of the pass done by `worker` (after its observation was stored).
    pub fn complete_item(
        &mut self,
        run: RunId,
        domain: &DomainName,
        worker: &str,
        now: Timestamp,
    ) -> Result<()> {
        let (d, w, now_s) = (
            domain.as_str().to_string(),
            worker.to_string(),
            ts_to_sql(now),
        );
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let n = tx.execute(
                    "UPDATE pass_item SET state = 'done', done_at = ?3, lease_until = NULL,
                            worker = ?4
                     WHERE run_id = ?1 AND domain = ?2 AND state <> 'done'",
                    params![run.0, d, now_s, w],
                )?;
                tx.execute(
                    "UPDATE worker SET done = done + ?2, last_seen = ?3 WHERE id = ?1",
                    params![w, n as i64, now_s],
                )?;
                tx.commit()?;
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let mut tx = c.transaction()?;
                let n = tx.execute(
                    "UPDATE pass_item SET state = 'done', done_at = $3, lease_until = NULL,
                            worker = $4
                     WHERE run_id = $1 AND domain = $2 AND state <> 'done'",
                    &[&run.0, &d, &now_s, &w],
                )?;
                tx.execute(
                    "UPDATE worker SET done = done + $2, last_seen = $3 WHERE id = $1",
                    &[&w, &i64::try_from(n).unwrap_or(0), &now_s],
                )?;
                tx.commit()?;
                Ok(())
            })?,
        }
        Ok(())
    }

    /// Finishes the pass when no name is left pending or claimed. Exactly one caller gets
    /// `true` (the one that finished it).
    pub fn finish_pass_if_done(&mut self, run: RunId, at: Timestamp) -> Result<bool> {
        let at = ts_to_sql(at);
        let n = match &mut self.backend {
            Backend::Sqlite(conn) => conn.execute(
                "UPDATE run SET status = 'finished', finished_at = ?2
                 WHERE id = ?1 AND status = 'running'
                   AND NOT EXISTS (SELECT 1 FROM pass_item
                                   WHERE run_id = ?1 AND state <> 'done')",
                params![run.0, at],
            )? as u64,
            Backend::Postgres(pg) => pg.call(move |c| {
                Ok(c.execute(
                    "UPDATE run SET status = 'finished', finished_at = $2
                     WHERE id = $1 AND status = 'running'
                       AND NOT EXISTS (SELECT 1 FROM pass_item
                                       WHERE run_id = $1 AND state <> 'done')",
                    &[&run.0, &at],
                )?)
            })?,
        };
        Ok(n == 1)
    }

    /// Progress of a distributed pass, per worker.
    pub fn pass_progress(&self, run: RunId) -> Result<Option<PassProgress>> {
        let Some(r) = self.run(run)? else {
            return Ok(None);
        };
        type Counts = (i64, i64, i64, i64);
        type RawWorker = (String, String, String, i64, i64);
        let counts_sql = "SELECT
                coalesce(sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN state = 'claimed' THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0),
                coalesce(sum(CASE WHEN claims > 1 THEN 1 ELSE 0 END), 0)
             FROM pass_item WHERE run_id = ";
        let workers_sql = "SELECT w.id, w.started_at, w.last_seen, w.done,
                (SELECT count(*) FROM pass_item p
                 WHERE p.run_id = w.run_id AND p.worker = w.id AND p.state = 'claimed')
             FROM worker w WHERE w.run_id = ";
        let (counts, workers): (Counts, Vec<RawWorker>) = match &self.backend {
            Backend::Sqlite(conn) => {
                let counts = conn.query_row(&format!("{counts_sql}?1"), [run.0], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?;
                let mut st = conn.prepare(&format!("{workers_sql}?1 ORDER BY w.id"))?;
                let ws = st
                    .query_map([run.0], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })?
                    .collect::<rusqlite::Result<_>>()?;
                (counts, ws)
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let r = c.query_one(
                    &format!(
                        "SELECT s0::BIGINT, s1::BIGINT, s2::BIGINT, s3::BIGINT FROM ({counts_sql}$1) t(s0, s1, s2, s3)"
                    ),
                    &[&run.0],
                )?;
                let counts = (r.get(0), r.get(1), r.get(2), r.get(3));
                let ws = c
                    .query(
                        &format!("{workers_sql}$1 ORDER BY w.id COLLATE \"C\""),
                        &[&run.0],
                    )?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
                    .collect();
                Ok((counts, ws))
            })?,
        };
        let workers = workers
            .into_iter()
            .map(|(id, started, seen, done, claimed)| {
                Ok(WorkerProgress {
                    id,
                    started_at: ts_from_sql(&started)?,
                    last_seen: ts_from_sql(&seen)?,
                    done: count_from_sql(done),
                    claimed: count_from_sql(claimed),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Some(PassProgress {
            run: r,
            pending: count_from_sql(counts.0),
            claimed: count_from_sql(counts.1),
            done: count_from_sql(counts.2),
            taken_over: count_from_sql(counts.3),
            workers,
        }))
    }

    /// Reserves the next request slot for `key` (a server or registry) with at least
    /// `interval` between two slots, shared by every process on the store. Returns when the
    /// caller may send: `now` or later.
    pub fn reserve_slot(
        &mut self,
        key: &str,
        now: Timestamp,
        interval: Duration,
    ) -> Result<Timestamp> {
        let key = key.to_string();
        let prev: Option<String> = match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let prev: Option<String> = tx
                    .query_row(
                        "SELECT next_at FROM rate_budget WHERE server = ?1",
                        [&key],
                        |r| r.get(0),
                    )
                    .optional()?;
                let slot = slot_after(prev.as_deref(), now)?;
                tx.execute(
                    "INSERT INTO rate_budget (server, next_at) VALUES (?1, ?2)
                     ON CONFLICT (server) DO UPDATE SET next_at = ?2",
                    params![key, ts_to_sql(add(slot, interval))],
                )?;
                tx.commit()?;
                prev
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let mut tx = c.transaction()?;
                tx.execute(
                    "INSERT INTO rate_budget (server, next_at) VALUES ($1, '') ON CONFLICT DO NOTHING",
                    &[&key],
                )?;
                let prev: String = tx
                    .query_one(
                        "SELECT next_at FROM rate_budget WHERE server = $1 FOR UPDATE",
                        &[&key],
                    )?
                    .get(0);
                let prev = Some(prev).filter(|p| !p.is_empty());
                let slot = slot_after(prev.as_deref(), now)?;
                tx.execute(
                    "UPDATE rate_budget SET next_at = $2 WHERE server = $1",
                    &[&key, &ts_to_sql(add(slot, interval))],
                )?;
                tx.commit()?;
                Ok(prev)
            })?,
        };
        slot_after(prev.as_deref(), now)
    }
}

fn slot_after(prev: Option<&str>, now: Timestamp) -> Result<Timestamp> {
    Ok(match prev.map(ts_from_sql).transpose()? {
        Some(p) if p > now => p,
        _ => now,
    })
}
