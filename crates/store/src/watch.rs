//! The inventory: the watched domains, with owner and tags.

use domains::DomainName;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Backend, Result, Store, StoreError, name_from_sql, ts_from_sql, ts_to_sql};

/// One watched registrable domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchedDomain {
    pub name: DomainName,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// A registry lock is expected.
    pub high_value: bool,
    pub added_at: Timestamp,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AddOutcome {
    /// New rows.
    pub added: usize,
    /// Rows that existed (owner, tags or high-value updated when given).
    pub updated: usize,
}

fn row_to_watched(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, Option<String>, String, bool, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode(raw: (String, Option<String>, String, bool, String)) -> Result<WatchedDomain> {
    let (name, owner, tags, high_value, added_at) = raw;
    Ok(WatchedDomain {
        name: name_from_sql(&name)?,
        owner,
        tags: serde_json::from_str(&tags)
            .map_err(|_| StoreError::Corrupt(format!("tags of {name}")))?,
        high_value,
        added_at: ts_from_sql(&added_at)?,
    })
}

/// How an import merges an entry into the one already stored: `None` when nothing changes.
fn merged(
    old: &WatchedDomain,
    item: &WatchedDomain,
) -> Option<(Option<String>, Vec<String>, bool)> {
    let mut tags = old.tags.clone();
    tags.extend(item.tags.iter().cloned());
    tags.sort();
    tags.dedup();
    let owner = item.owner.clone().or(old.owner.clone());
    let high_value = old.high_value || item.high_value;
    (tags != old.tags || owner != old.owner || high_value != old.high_value)
        .then_some((owner, tags, high_value))
}

fn sorted_tags(item: &WatchedDomain) -> Vec<String> {
    let mut tags = item.tags.clone();
    tags.sort();
    tags.dedup();
    tags
}

const COLS: &str = "name, owner, tags, high_value, added_at";

fn pg_row(r: &postgres::Row) -> (String, Option<String>, String, bool, String) {
    (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4))
}

impl Store {
    /// Adds names to the inventory in one transaction. Idempotent: a name already watched is
    /// not duplicated; its owner is replaced when a new one is given, its tags are merged, and
    /// `high_value` is raised (never lowered) by an import.
    pub fn add_watched(&mut self, items: &[WatchedDomain]) -> Result<AddOutcome> {
        let conn = match &mut self.backend {
            Backend::Sqlite(conn) => conn,
            Backend::Postgres(pg) => {
                let items = items.to_vec();
                return pg.call(move |c| {
                    let mut tx = c.transaction()?;
                    let mut out = AddOutcome::default();
                    for item in &items {
                        let existing = tx
                            .query_opt(
                                &format!(
                                    "SELECT {COLS} FROM watched_domain WHERE name = $1 FOR UPDATE"
                                ),
                                &[&item.name.as_str()],
                            )?
                            .map(|r| decode(pg_row(&r)))
                            .transpose()?;
                        match existing {
                            None => {
                                // A concurrent import may have added it meanwhile: then it is
                                // an update next time, never a duplicate.
                                let n = tx.execute(
                                    "INSERT INTO watched_domain (name, owner, tags, high_value, added_at)
                                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
                                    &[
                                        &item.name.as_str(),
                                        &item.owner,
                                        &serde_json::to_string(&sorted_tags(item))?,
                                        &item.high_value,
                                        &ts_to_sql(item.added_at),
                                    ],
                                )?;
                                if n == 1 {
                                    out.added += 1;
                                } else {
                                    out.updated += 1;
                                }
                            }
                            Some(old) => {
                                if let Some((owner, tags, high_value)) = merged(&old, item) {
                                    tx.execute(
                                        "UPDATE watched_domain SET owner = $2, tags = $3, high_value = $4
                                         WHERE name = $1",
                                        &[
                                            &item.name.as_str(),
                                            &owner,
                                            &serde_json::to_string(&tags)?,
                                            &high_value,
                                        ],
                                    )?;
                                }
                                out.updated += 1;
                            }
                        }
                    }
                    tx.commit()?;
                    Ok(out)
                });
            }
        };
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut out = AddOutcome::default();
        {
            let mut get = tx.prepare_cached(&format!(
                "SELECT {COLS} FROM watched_domain WHERE name = ?1"
            ))?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO watched_domain (name, owner, tags, high_value, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE watched_domain SET owner = ?2, tags = ?3, high_value = ?4 WHERE name = ?1",
            )?;
            for item in items {
                let existing = get
                    .query_row([item.name.as_str()], row_to_watched)
                    .optional()?
                    .map(decode)
                    .transpose()?;
                match existing {
                    None => {
                        insert.execute(params![
                            item.name.as_str(),
                            item.owner,
                            serde_json::to_string(&sorted_tags(item))?,
                            item.high_value,
                            ts_to_sql(item.added_at),
                        ])?;
                        out.added += 1;
                    }
                    Some(old) => {
                        if let Some((owner, tags, high_value)) = merged(&old, item) {
                            update.execute(params![
                                item.name.as_str(),
                                owner,
                                serde_json::to_string(&tags)?,
                                high_value,
                            ])?;
                        }
                        out.updated += 1;
                    }
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Removes names from the inventory (their history stays). Returns how many were watched.
    pub fn remove_watched(&mut self, names: &[DomainName]) -> Result<usize> {
        let conn = match &mut self.backend {
            Backend::Sqlite(conn) => conn,
            Backend::Postgres(pg) => {
                let names: Vec<String> = names.iter().map(|n| n.as_str().to_string()).collect();
                return pg.call(move |c| {
                    let n =
                        c.execute("DELETE FROM watched_domain WHERE name = ANY($1)", &[&names])?;
                    Ok(usize::try_from(n).unwrap_or(0))
                });
            }
        };
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut n = 0;
        {
            let mut del = tx.prepare_cached("DELETE FROM watched_domain WHERE name = ?1")?;
            for name in names {
                n += del.execute([name.as_str()])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// The inventory, by name.
    pub fn watched(&self) -> Result<Vec<WatchedDomain>> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let mut st = conn
                    .prepare_cached(&format!("SELECT {COLS} FROM watched_domain ORDER BY name"))?;
                let rows = st.query_map([], row_to_watched)?;
                let mut out = Vec::new();
                for r in rows {
                    out.push(decode(r?)?);
                }
                Ok(out)
            }
            Backend::Postgres(pg) => pg.call(|c| {
                c.query(
                    &format!("SELECT {COLS} FROM watched_domain ORDER BY name COLLATE \"C\""),
                    &[],
                )?
                .iter()
                .map(|r| decode(pg_row(r)))
                .collect()
            }),
        }
    }

    /// One watched domain.
    pub fn watched_domain(&self, name: &DomainName) -> Result<Option<WatchedDomain>> {
        match &self.backend {
            Backend::Sqlite(conn) => conn
                .query_row(
                    &format!("SELECT {COLS} FROM watched_domain WHERE name = ?1"),
                    [name.as_str()],
                    row_to_watched,
                )
                .optional()?
                .map(decode)
                .transpose(),
            Backend::Postgres(pg) => {
                let name = name.as_str().to_string();
                pg.call(move |c| {
                    c.query_opt(
                        &format!("SELECT {COLS} FROM watched_domain WHERE name = $1"),
                        &[&name],
                    )?
                    .map(|r| decode(pg_row(&r)))
                    .transpose()
                })
            }
        }
    }
}
