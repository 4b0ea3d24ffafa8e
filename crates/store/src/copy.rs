//! Copying a whole store between backends (`domwatch store migrate`), verified per table by
//! row counts and checksums.
//!
//! Every table of the schema is read row by row as typed cells, written to the destination
//! with the same ids, in one transaction (a copy interrupted midway leaves the destination
//! empty), and both sides are then checksummed: the SHA-256 of each row's canonical form
//! (booleans as 0/1, so SQLite's integers and PostgreSQL's booleans agree), sorted, hashed
//! again. The destination must be empty, or already hold exactly the same rows (then nothing
//! is written: the copy is idempotent). Rows are held in memory during the copy.

use rusqlite::types::Value as SqlValue;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Backend, Result, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Text,
    Int,
    Bool,
}

/// The tables of the schema, in an order that respects the foreign keys, with their columns.
const TABLES: &[(&str, &[(&str, Col)])] = &[
    (
        "watched_domain",
        &[
            ("name", Col::Text),
            ("owner", Col::Text),
            ("tags", Col::Text),
            ("high_value", Col::Bool),
            ("added_at", Col::Text),
        ],
    ),
    (
        "run",
        &[
            ("id", Col::Int),
            ("started_at", Col::Text),
            ("finished_at", Col::Text),
            ("status", Col::Text),
            ("names", Col::Int),
            ("distributed", Col::Bool),
        ],
    ),
    (
        "snapshot",
        &[
            ("id", Col::Int),
            ("domain", Col::Text),
            ("taken_at", Col::Text),
            ("run_id", Col::Int),
            ("phase", Col::Text),
            ("complete", Col::Bool),
            ("json", Col::Text),
        ],
    ),
    (
        "change",
        &[
            ("id", Col::Int),
            ("snapshot_id", Col::Int),
            ("domain", Col::Text),
            ("kind", Col::Text),
            ("before", Col::Text),
            ("after", Col::Text),
            ("severity", Col::Text),
            ("observed_at", Col::Text),
        ],
    ),
    (
        "finding",
        &[
            ("id", Col::Int),
            ("fingerprint", Col::Text),
            ("domain", Col::Text),
            ("origin", Col::Text),
            ("code", Col::Text),
            ("severity", Col::Text),
            ("title", Col::Text),
            ("detail", Col::Text),
            ("remediation", Col::Text),
            ("subject", Col::Text),
            ("first_seen", Col::Text),
            ("last_seen", Col::Text),
            ("resolved_at", Col::Text),
            ("acknowledged_at", Col::Text),
            ("acknowledged_by", Col::Text),
            ("muted_until", Col::Text),
            ("triage_note", Col::Text),
            ("raised_by", Col::Text),
        ],
    ),
    (
        "alert",
        &[
            ("finding_id", Col::Int),
            ("sink", Col::Text),
            ("sent_at", Col::Text),
        ],
    ),
    (
        "pass_item",
        &[
            ("run_id", Col::Int),
            ("domain", Col::Text),
            ("state", Col::Text),
            ("worker", Col::Text),
            ("lease_until", Col::Text),
            ("claims", Col::Int),
            ("done_at", Col::Text),
        ],
    ),
    (
        "worker",
        &[
            ("id", Col::Text),
            ("started_at", Col::Text),
            ("last_seen", Col::Text),
            ("run_id", Col::Int),
            ("done", Col::Int),
        ],
    ),
    (
        "rate_budget",
        &[("server", Col::Text), ("next_at", Col::Text)],
    ),
    (
        "abuse_case",
        &[
            ("id", Col::Int),
            ("domain", Col::Text),
            ("registered", Col::Text),
            ("service", Col::Text),
            ("service_kind", Col::Text),
            ("brand", Col::Text),
            ("category", Col::Text),
            ("tlp", Col::Text),
            ("state", Col::Text),
            ("resolution", Col::Text),
            ("registrar", Col::Text),
            ("registry", Col::Text),
            ("opened_at", Col::Text),
            ("updated_at", Col::Text),
            ("first_reported_at", Col::Text),
            ("last_reported_at", Col::Text),
            ("mitigated_at", Col::Text),
            ("mitigated_by", Col::Text),
            ("closed_at", Col::Text),
            ("domain_created", Col::Text),
            ("observed", Col::Text),
            ("observed_status", Col::Text),
            ("observed_at", Col::Text),
        ],
    ),
    (
        "case_report",
        &[
            ("id", Col::Int),
            ("case_id", Col::Int),
            ("source", Col::Text),
            ("source_key", Col::Text),
            ("input", Col::Text),
            ("url", Col::Text),
            ("host", Col::Text),
            ("registered", Col::Text),
            ("reported_at", Col::Text),
            ("reporter", Col::Text),
            ("brand", Col::Text),
            ("description", Col::Text),
            ("added_at", Col::Text),
        ],
    ),
    (
        "case_event",
        &[
            ("id", Col::Int),
            ("case_id", Col::Int),
            ("at", Col::Text),
            ("actor", Col::Text),
            ("kind", Col::Text),
            ("detail", Col::Text),
        ],
    ),
    (
        "case_party",
        &[
            ("id", Col::Int),
            ("case_id", Col::Int),
            ("kind", Col::Text),
            ("name", Col::Text),
            ("contact", Col::Text),
            ("source", Col::Text),
            ("added_at", Col::Text),
        ],
    ),
    (
        "notification",
        &[
            ("id", Col::Int),
            ("case_id", Col::Int),
            ("party_id", Col::Int),
            ("sent_at", Col::Text),
            ("channel", Col::Text),
            ("message_id", Col::Text),
            ("subject", Col::Text),
            ("lang", Col::Text),
            ("state", Col::Text),
            ("follow_up_due", Col::Text),
            ("answered_at", Col::Text),
            ("location", Col::Text),
        ],
    ),
    (
        "case_evidence",
        &[
            ("id", Col::Int),
            ("case_id", Col::Int),
            ("kind", Col::Text),
            ("source", Col::Text),
            ("content_type", Col::Text),
            ("sha256", Col::Text),
            ("size", Col::Int),
            ("body_base64", Col::Text),
            ("taken_at", Col::Text),
        ],
    ),
    (
        "app_user",
        &[
            ("id", Col::Int),
            ("name", Col::Text),
            ("role", Col::Text),
            ("password_hash", Col::Text),
            ("created_at", Col::Text),
        ],
    ),
    (
        "api_token",
        &[
            ("id", Col::Int),
            ("user_id", Col::Int),
            ("label", Col::Text),
            ("token_hash", Col::Text),
            ("created_at", Col::Text),
            ("last_used_at", Col::Text),
        ],
    ),
    (
        "web_session",
        &[
            ("id_hash", Col::Text),
            ("user_id", Col::Int),
            ("csrf", Col::Text),
            ("created_at", Col::Text),
            ("expires_at", Col::Text),
        ],
    ),
    (
        "audit_log",
        &[
            ("id", Col::Int),
            ("at", Col::Text),
            ("user_name", Col::Text),
            ("action", Col::Text),
            ("target", Col::Text),
            ("detail", Col::Text),
        ],
    ),
    (
        "scan",
        &[
            ("id", Col::Int),
            ("started_at", Col::Text),
            ("finished_at", Col::Text),
            ("source", Col::Text),
            ("submitted_by", Col::Text),
            ("brands", Col::Int),
            ("names", Col::Int),
            ("hits", Col::Int),
            ("status", Col::Text),
            ("error", Col::Text),
        ],
    ),
    (
        "scan_hit",
        &[
            ("id", Col::Int),
            ("scan_id", Col::Int),
            ("name", Col::Text),
            ("registrable", Col::Text),
            ("brand", Col::Text),
            ("score", Col::Int),
            ("techniques", Col::Text),
            ("json", Col::Text),
        ],
    ),
    (
        "audit_result",
        &[
            ("id", Col::Int),
            ("domain", Col::Text),
            ("audited_at", Col::Text),
            ("findings", Col::Int),
            ("worst", Col::Text),
            ("json", Col::Text),
        ],
    ),
    (
        "ct_log",
        &[
            ("url", Col::Text),
            ("next_index", Col::Int),
            ("tree_size", Col::Int),
            ("updated_at", Col::Text),
        ],
    ),
    (
        "ct_certificate",
        &[
            ("id", Col::Int),
            ("domain", Col::Text),
            ("name", Col::Text),
            ("issuer", Col::Text),
            ("issuer_org", Col::Text),
            ("serial", Col::Text),
            ("sha256", Col::Text),
            ("kind", Col::Text),
            ("log_url", Col::Text),
            ("entry_index", Col::Int),
            ("logged_at", Col::Text),
            ("not_before", Col::Text),
            ("not_after", Col::Text),
            ("seen_at", Col::Text),
        ],
    ),
];

/// Tables whose `id` is generated (PostgreSQL's identity is moved past the copied ids).
const IDENTITY_TABLES: &[&str] = &[
    "run",
    "snapshot",
    "change",
    "finding",
    "abuse_case",
    "case_report",
    "case_event",
    "case_party",
    "notification",
    "case_evidence",
    "app_user",
    "api_token",
    "audit_log",
    "scan",
    "scan_hit",
    "audit_result",
    "ct_certificate",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
}

type Rows = Vec<Vec<Cell>>;

/// One table's count and checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableSum {
    pub table: String,
    pub rows: usize,
    pub sha256: String,
}

/// What a copy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    /// Rows written (0 when the destination already held the same rows).
    pub written: usize,
    /// Per table: the source's count and checksum (the destination's are equal, or the copy
    /// failed).
    pub tables: Vec<TableSum>,
}

fn checksum(table: &str, rows: &Rows) -> TableSum {
    let mut hashes: Vec<[u8; 32]> = rows
        .iter()
        .map(|r| {
            let mut h = Sha256::new();
            for c in r {
                match c {
                    Cell::Null => h.update([0u8]),
                    Cell::Int(i) => {
                        h.update([1u8]);
                        h.update(i.to_be_bytes());
                    }
                    Cell::Text(t) => {
                        h.update([2u8]);
                        h.update((t.len() as u64).to_be_bytes());
                        h.update(t.as_bytes());
                    }
                }
            }
            h.finalize().into()
        })
        .collect();
    hashes.sort_unstable();
    let mut h = Sha256::new();
    for x in &hashes {
        h.update(x);
    }
    let digest = h.finalize();
    TableSum {
        table: table.to_string(),
        rows: rows.len(),
        sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

fn col_list(cols: &[(&str, Col)]) -> String {
    cols.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

fn read_all(store: &Store) -> Result<Vec<Rows>> {
    match &store.backend {
        Backend::Sqlite(conn) => TABLES
            .iter()
            .map(|(table, cols)| {
                let mut st = conn.prepare(&format!("SELECT {} FROM {table}", col_list(cols)))?;
                let rows = st.query_map([], |r| {
                    (0..cols.len())
                        .map(|i| {
                            Ok(match r.get::<_, SqlValue>(i)? {
                                SqlValue::Null => Cell::Null,
                                SqlValue::Integer(v) => Cell::Int(v),
                                SqlValue::Text(t) => Cell::Text(t),
                                SqlValue::Real(f) => Cell::Text(f.to_string()),
                                SqlValue::Blob(b) => {
                                    Cell::Text(String::from_utf8_lossy(&b).into_owned())
                                }
                            })
                        })
                        .collect::<rusqlite::Result<Vec<Cell>>>()
                })?;
                Ok(rows.collect::<rusqlite::Result<Rows>>()?)
            })
            .collect(),
        Backend::Postgres(pg) => pg.call(|c| {
            TABLES
                .iter()
                .map(|(table, cols)| {
                    let rows = c.query(&format!("SELECT {} FROM {table}", col_list(cols)), &[])?;
                    Ok(rows
                        .iter()
                        .map(|r| {
                            cols.iter()
                                .enumerate()
                                .map(|(i, (_, ty))| match ty {
                                    Col::Text => {
                                        r.get::<_, Option<String>>(i).map_or(Cell::Null, Cell::Text)
                                    }
                                    Col::Int => {
                                        r.get::<_, Option<i64>>(i).map_or(Cell::Null, Cell::Int)
                                    }
                                    Col::Bool => r
                                        .get::<_, Option<bool>>(i)
                                        .map_or(Cell::Null, |b| Cell::Int(i64::from(b))),
                                })
                                .collect()
                        })
                        .collect())
                })
                .collect()
        }),
    }
}

fn write_all(store: &mut Store, data: Vec<Rows>) -> Result<()> {
    match &mut store.backend {
        Backend::Sqlite(conn) => {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for ((table, cols), rows) in TABLES.iter().zip(&data) {
                let marks: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
                let mut st = tx.prepare(&format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    col_list(cols),
                    marks.join(", ")
                ))?;
                for r in rows {
                    let vals: Vec<SqlValue> = r
                        .iter()
                        .map(|c| match c {
                            Cell::Null => SqlValue::Null,
                            Cell::Int(i) => SqlValue::Integer(*i),
                            Cell::Text(t) => SqlValue::Text(t.clone()),
                        })
                        .collect();
                    st.execute(rusqlite::params_from_iter(vals))?;
                }
            }
            tx.commit()?;
            Ok(())
        }
        Backend::Postgres(pg) => pg.call(move |c| {
            let mut tx = c.transaction()?;
            for ((table, cols), rows) in TABLES.iter().zip(&data) {
                let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
                let st = tx.prepare(&format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    col_list(cols),
                    marks.join(", ")
                ))?;
                for r in rows {
                    let mut texts: Vec<Option<String>> = Vec::new();
                    let mut ints: Vec<Option<i64>> = Vec::new();
                    let mut bools: Vec<Option<bool>> = Vec::new();
                    for ((_, ty), cell) in cols.iter().zip(r) {
                        match (ty, cell) {
                            (Col::Text, Cell::Text(t)) => texts.push(Some(t.clone())),
                            (Col::Text, Cell::Int(i)) => texts.push(Some(i.to_string())),
                            (Col::Text, Cell::Null) => texts.push(None),
                            (Col::Int, Cell::Int(i)) => ints.push(Some(*i)),
                            (Col::Int, Cell::Null) => ints.push(None),
                            (Col::Bool, Cell::Int(i)) => bools.push(Some(*i != 0)),
                            (Col::Bool, Cell::Null) => bools.push(None),
                            (_, Cell::Text(t)) => {
                                return Err(StoreError::Corrupt(format!(
                                    "{table}: text {t:?} where a number belongs"
                                )));
                            }
                        }
                    }
                    let (mut ti, mut ii, mut bi) = (0, 0, 0);
                    let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = Vec::new();
                    for (_, ty) in cols.iter() {
                        match ty {
                            Col::Text => {
                                params.push(&texts[ti]);
                                ti += 1;
                            }
                            Col::Int => {
                                params.push(&ints[ii]);
                                ii += 1;
                            }
                            Col::Bool => {
                                params.push(&bools[bi]);
                                bi += 1;
                            }
                        }
                    }
                    tx.execute(&st, &params)?;
                }
            }
            for t in IDENTITY_TABLES {
                tx.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'),
                                   coalesce((SELECT max(id) FROM {t}), 0) + 1, false)"
                ))?;
            }
            tx.commit()?;
            Ok(())
        }),
    }
}

impl Store {
    /// Row count and checksum of every table (see the module docs).
    pub fn table_sums(&self) -> Result<Vec<TableSum>> {
        let data = read_all(self)?;
        Ok(TABLES
            .iter()
            .zip(&data)
            .map(|((t, _), rows)| checksum(t, rows))
            .collect())
    }

    /// Copies this store into `to` (see the module docs) and verifies the copy.
    pub fn copy_to(&self, to: &mut Store) -> Result<CopyReport> {
        let data = read_all(self)?;
        let source: Vec<TableSum> = TABLES
            .iter()
            .zip(&data)
            .map(|((t, _), rows)| checksum(t, rows))
            .collect();
        let before = to.table_sums()?;
        let mut written = 0;
        if before != source {
            if before.iter().any(|t| t.rows > 0) {
                return Err(StoreError::Refused(
                    "the destination store is not empty and differs from the source: copy into \
                     an empty store"
                        .into(),
                ));
            }
            written = data.iter().map(Vec::len).sum();
            write_all(to, data)?;
        }
        let after = to.table_sums()?;
        for (s, d) in source.iter().zip(&after) {
            if s != d {
                return Err(StoreError::Corrupt(format!(
                    "table {}: {} rows (sha256 {}) copied as {} rows (sha256 {})",
                    s.table, s.rows, s.sha256, d.rows, d.sha256
                )));
            }
        }
        Ok(CopyReport {
            written,
            tables: source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::TABLES;
    use crate::{Backend, Store};

    /// A migration that adds a table or a column must add it here too, or `store migrate`
    /// would leave it behind.
    #[test]
    fn every_table_and_column_of_the_schema_is_copied() {
        let s = Store::open_in_memory().unwrap();
        let Backend::Sqlite(conn) = &s.backend else {
            unreachable!()
        };
        let mut st = conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .unwrap();
        let tables: Vec<String> = st
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut listed: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
        listed.sort_unstable();
        assert_eq!(tables, listed);
        for (table, cols) in TABLES {
            let mut st = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
                ))
                .unwrap();
            let names: Vec<String> = st
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let mut want: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
            let mut have: Vec<&str> = names.iter().map(String::as_str).collect();
            want.sort_unstable();
            have.sort_unstable();
            assert_eq!(have, want, "{table}");
        }
    }
}
