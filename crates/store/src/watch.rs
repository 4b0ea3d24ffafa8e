//! The inventory: the watched domains, with owner and tags.

use domains::DomainName;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Result, Store, StoreError, name_from_sql, ts_from_sql, ts_to_sql};

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

impl Store {
    /// Adds names to the inventory in one transaction. Idempotent: a name already watched is
    /// not duplicated; its owner is replaced when a new one is given, its tags are merged, and
    /// `high_value` is raised (never lowered) by an import.
    pub fn add_watched(&mut self, items: &[WatchedDomain]) -> Result<AddOutcome> {
        let tx = self.conn.transaction()?;
        let mut out = AddOutcome::default();
        {
            let mut get = tx.prepare_cached(
                "SELECT name, owner, tags, high_value, added_at FROM watched_domain WHERE name = ?1",
            )?;
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
                        let mut tags = item.tags.clone();
                        tags.sort();
                        tags.dedup();
                        insert.execute(params![
                            item.name.as_str(),
                            item.owner,
                            serde_json::to_string(&tags)?,
                            item.high_value,
                            ts_to_sql(item.added_at),
                        ])?;
                        out.added += 1;
                    }
                    Some(old) => {
                        let mut tags = old.tags.clone();
                        tags.extend(item.tags.iter().cloned());
                        tags.sort();
                        tags.dedup();
                        let owner = item.owner.clone().or(old.owner.clone());
                        let high_value = old.high_value || item.high_value;
                        if tags != old.tags || owner != old.owner || high_value != old.high_value {
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
        let tx = self.conn.transaction()?;
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
        let mut st = self.conn.prepare_cached(
            "SELECT name, owner, tags, high_value, added_at FROM watched_domain ORDER BY name",
        )?;
        let rows = st.query_map([], row_to_watched)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(decode(r?)?);
        }
        Ok(out)
    }

    /// One watched domain.
    pub fn watched_domain(&self, name: &DomainName) -> Result<Option<WatchedDomain>> {
        self.conn
            .query_row(
                "SELECT name, owner, tags, high_value, added_at FROM watched_domain WHERE name = ?1",
                [name.as_str()],
                row_to_watched,
            )
            .optional()?
            .map(decode)
            .transpose()
    }
}
