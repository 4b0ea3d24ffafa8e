//! One SQL text for both backends, for the aggregates whose statements are the same in both
//! dialects (cases, reports, events): written with PostgreSQL's `$1` placeholders (rewritten
//! to SQLite's `?1`), `RETURNING`, `ON CONFLICT`, and only types both have (BIGINT/INTEGER,
//! TEXT, booleans). [`Store::tx`] runs a closure as one transaction on either backend.

use rusqlite::types::ValueRef;

use crate::{Backend, Result, Store, StoreError};

/// A statement parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum P {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
}

impl From<i64> for P {
    fn from(v: i64) -> P {
        P::Int(Some(v))
    }
}
impl From<Option<i64>> for P {
    fn from(v: Option<i64>) -> P {
        P::Int(v)
    }
}
impl From<&str> for P {
    fn from(v: &str) -> P {
        P::Text(Some(v.to_string()))
    }
}
impl From<String> for P {
    fn from(v: String) -> P {
        P::Text(Some(v))
    }
}
impl From<Option<String>> for P {
    fn from(v: Option<String>) -> P {
        P::Text(v)
    }
}
impl From<Option<&str>> for P {
    fn from(v: Option<&str>) -> P {
        P::Text(v.map(str::to_string))
    }
}
impl From<bool> for P {
    fn from(v: bool) -> P {
        P::Bool(v)
    }
}

/// A cell read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum C {
    Null,
    Int(i64),
    Text(String),
}

/// A row read back.
#[derive(Debug, Clone)]
pub(crate) struct Row(Vec<C>);

impl Row {
    fn cell(&self, i: usize) -> Result<&C> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} missing")))
    }

    pub(crate) fn int(&self, i: usize) -> Result<i64> {
        match self.cell(i)? {
            C::Int(v) => Ok(*v),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: {other:?}, not a number"
            ))),
        }
    }

    pub(crate) fn text(&self, i: usize) -> Result<String> {
        match self.cell(i)? {
            C::Text(v) => Ok(v.clone()),
            other => Err(StoreError::Corrupt(format!(
                "column {i}: {other:?}, not text"
            ))),
        }
    }

    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.cell(i)? {
            C::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
}

/// A transaction on either backend.
pub(crate) trait Db {
    /// Runs a statement; the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64>;
    /// Runs a query; its rows.
    fn rows(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>>;

    /// The first row, if any.
    fn row(&mut self, sql: &str, params: &[P]) -> Result<Option<Row>> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}

/// `$1` -> `?1` (our SQL has no `$` anywhere else).
fn sqlite_text(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains('$') {
        sql.replace('$', "?").into()
    } else {
        sql.into()
    }
}

impl rusqlite::ToSql for P {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(ToSqlOutput::Owned(match self {
            P::Int(Some(v)) => Value::Integer(*v),
            P::Text(Some(v)) => Value::Text(v.clone()),
            P::Int(None) | P::Text(None) => Value::Null,
            P::Bool(b) => Value::Integer(i64::from(*b)),
        }))
    }
}

struct Lite<'a, 'c>(&'a rusqlite::Transaction<'c>);

impl Db for Lite<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64> {
        let mut st = self.0.prepare_cached(&sqlite_text(sql))?;
        let n = st.execute(rusqlite::params_from_iter(params.iter()))?;
        Ok(n as u64)
    }

    fn rows(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>> {
        let mut st = self.0.prepare_cached(&sqlite_text(sql))?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(match r.get_ref(i)? {
                    ValueRef::Null => C::Null,
                    ValueRef::Integer(v) => C::Int(v),
                    ValueRef::Text(t) => C::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Real(f) => C::Int(f as i64),
                    ValueRef::Blob(_) => {
                        return Err(StoreError::Corrupt(format!("column {i} is a blob")));
                    }
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }
}

struct Pg<'a, 'b>(&'a mut postgres::Transaction<'b>);

fn pg_params(params: &[P]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|p| -> Box<dyn postgres::types::ToSql + Sync> {
            match p {
                P::Int(v) => Box::new(*v),
                P::Text(v) => Box::new(v.clone()),
                P::Bool(b) => Box::new(*b),
            }
        })
        .collect()
}

impl Db for Pg<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64> {
        let owned = pg_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            owned.iter().map(|b| b.as_ref()).collect();
        Ok(self.0.execute(sql, &refs)?)
    }

    fn rows(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>> {
        use postgres::types::Type;
        let owned = pg_params(params);
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            owned.iter().map(|b| b.as_ref()).collect();
        let rows = self.0.query(sql, &refs)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut cells = Vec::with_capacity(r.len());
            for (i, col) in r.columns().iter().enumerate() {
                let t = col.type_();
                let cell = if *t == Type::INT8 {
                    r.get::<_, Option<i64>>(i).map_or(C::Null, C::Int)
                } else if *t == Type::INT4 {
                    r.get::<_, Option<i32>>(i)
                        .map_or(C::Null, |v| C::Int(i64::from(v)))
                } else if *t == Type::BOOL {
                    r.get::<_, Option<bool>>(i)
                        .map_or(C::Null, |v| C::Int(i64::from(v)))
                } else if *t == Type::TEXT || *t == Type::VARCHAR {
                    r.get::<_, Option<String>>(i).map_or(C::Null, C::Text)
                } else {
                    return Err(StoreError::Corrupt(format!(
                        "column {} has type {t}, not read here",
                        col.name()
                    )));
                };
                cells.push(cell);
            }
            out.push(Row(cells));
        }
        Ok(out)
    }
}

impl Store {
    /// Runs `f` as one transaction (committed when it returns `Ok`). On PostgreSQL `f` runs on
    /// the connection's thread and may run twice after a lost connection, so it must do all
    /// its work through the [`Db`] it is given.
    pub(crate) fn tx<R: Send + 'static>(
        &mut self,
        mut f: impl FnMut(&mut dyn Db) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let r = f(&mut Lite(&tx))?;
                tx.commit()?;
                Ok(r)
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let mut tx = c.transaction()?;
                let r = f(&mut Pg(&mut tx))?;
                tx.commit()?;
                Ok(r)
            }),
        }
    }

    /// Runs a read-only `f` (one transaction too, so that it sees one state).
    pub(crate) fn read<R: Send + 'static>(
        &self,
        mut f: impl FnMut(&mut dyn Db) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        match &self.backend {
            Backend::Sqlite(conn) => {
                let tx = conn.unchecked_transaction()?;
                let r = f(&mut Lite(&tx))?;
                tx.commit()?;
                Ok(r)
            }
            Backend::Postgres(pg) => pg.call(move |c| {
                let mut tx = c.build_transaction().read_only(true).start()?;
                let r = f(&mut Pg(&mut tx))?;
                tx.commit()?;
                Ok(r)
            }),
        }
    }
}
