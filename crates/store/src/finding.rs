//! Findings (deduplicated by fingerprint) and the alerts sent for them (once per sink).

use domains::DomainName;
use domains::findings::{Finding, Severity};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::snapshot::severity_from_sql;
use crate::sql::{P, Row};
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

/// What raised a finding: the command whose rules produced it. Each command alerts the
/// findings it raised, at its own threshold ([`AlertScope`]). An open set: a value this
/// version does not know is kept as it is (`Other`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum RaisedBy {
    /// A watch pass (`watch run`, `watch worker`, `watch daemon`, the console's scheduler):
    /// the state rules of a snapshot and the changes between two.
    Watch,
    /// The exposure audit of a watch pass (`watch run --audit`).
    Audit,
    /// Certificate Transparency (`ct follow`).
    Ct,
    /// Another raiser (written by a newer domwatch).
    Other(String),
}

impl RaisedBy {
    /// The raisers this version writes.
    pub const KNOWN: [RaisedBy; 3] = [RaisedBy::Watch, RaisedBy::Audit, RaisedBy::Ct];

    /// The stored word (`watch`, `audit`, `ct`, or the unknown one as it was).
    pub fn as_str(&self) -> &str {
        match self {
            RaisedBy::Watch => "watch",
            RaisedBy::Audit => "audit",
            RaisedBy::Ct => "ct",
            RaisedBy::Other(s) => s,
        }
    }

    /// From the stored word; never fails (an unknown word is kept).
    pub fn parse(s: &str) -> RaisedBy {
        match s {
            "watch" => RaisedBy::Watch,
            "audit" => RaisedBy::Audit,
            "ct" => RaisedBy::Ct,
            other => RaisedBy::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for RaisedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for RaisedBy {
    fn from(s: String) -> RaisedBy {
        RaisedBy::parse(&s)
    }
}

impl From<RaisedBy> for String {
    fn from(r: RaisedBy) -> String {
        r.as_str().to_string()
    }
}

/// Which findings an alerting command delivers: the open, unmuted ones it raised, at or above
/// its threshold. `watch run --alert-min-severity medium` must not deliver the low findings
/// of `ct follow`, nor `ct follow` the medium ones a watch held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertScope {
    /// At or above this severity.
    pub min: Severity,
    /// Raised by one of these (none: nothing is alerted).
    pub raised_by: Vec<RaisedBy>,
}

impl AlertScope {
    pub fn new(min: Severity, raised_by: impl IntoIterator<Item = RaisedBy>) -> AlertScope {
        AlertScope {
            min,
            raised_by: raised_by.into_iter().collect(),
        }
    }

    /// A watch pass's: its own findings, and the audit's when it audits (`--audit`).
    pub fn watch(min: Severity, audit: bool) -> AlertScope {
        let mut raised_by = vec![RaisedBy::Watch];
        if audit {
            raised_by.push(RaisedBy::Audit);
        }
        AlertScope { min, raised_by }
    }

    /// `ct follow`'s: the CT findings.
    pub fn ct(min: Severity) -> AlertScope {
        AlertScope::new(min, [RaisedBy::Ct])
    }

    /// Whether a finding is in scope by its severity and raiser (not by its triage).
    pub fn covers(&self, f: &StoredFinding) -> bool {
        f.finding.severity >= self.min && self.raised_by.contains(&f.raised_by)
    }
}

/// A stored finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFinding {
    pub id: i64,
    pub origin: FindingOrigin,
    /// What raised it.
    pub raised_by: RaisedBy,
    #[serde(flatten)]
    pub finding: Finding,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// A state finding no longer raised by a complete snapshot.
    pub resolved_at: Option<Timestamp>,
    /// What the team decided about it.
    pub triage: Triage,
}

/// A finding's triage: acknowledged (someone is on it; cleared when the finding resolves and
/// comes back) and muted (no alerts and hidden from the default lists until a time; kept
/// across reappearances, since it is about the fingerprint).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    /// Muted until this time (`Timestamp::MAX` for "until unmuted").
    pub muted_until: Option<Timestamp>,
    pub note: Option<String>,
}

impl Triage {
    /// Muted at `now`.
    pub fn muted_at(&self, now: Timestamp) -> bool {
        self.muted_until.is_some_and(|t| t > now)
    }
}

/// Which findings by their triage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TriageFilter {
    /// Every finding but the muted ones (the default lists).
    #[default]
    Unmuted,
    /// Neither acknowledged nor muted: what nobody has looked at.
    New,
    Acknowledged,
    Muted,
    /// Muted or not.
    Any,
}

impl TriageFilter {
    pub fn parse(s: &str) -> Option<TriageFilter> {
        Some(match s {
            "unmuted" => TriageFilter::Unmuted,
            "new" => TriageFilter::New,
            "acknowledged" => TriageFilter::Acknowledged,
            "muted" => TriageFilter::Muted,
            "any" => TriageFilter::Any,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            TriageFilter::Unmuted => "unmuted",
            TriageFilter::New => "new",
            TriageFilter::Acknowledged => "acknowledged",
            TriageFilter::Muted => "muted",
            TriageFilter::Any => "any",
        }
    }
}

/// A query over the findings, in id order (the cursor is the last id seen).
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub domain: Option<DomainName>,
    pub min_severity: Option<Severity>,
    pub code: Option<String>,
    /// Raised by this (`watch`, `audit`, `ct`).
    pub raised_by: Option<RaisedBy>,
    /// First seen at or after.
    pub since: Option<Timestamp>,
    /// Resolved ones too.
    pub include_resolved: bool,
    pub triage: TriageFilter,
    /// Ids after this one in the order asked (above it, or below it when newest first).
    pub after: Option<i64>,
    /// At most this many.
    pub limit: Option<usize>,
    /// Newest (highest id) first.
    pub newest_first: bool,
}

/// A triage decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageAction {
    Acknowledge,
    /// Until this time; `None`: until unmuted.
    Mute(Option<Timestamp>),
    Unmute,
    /// Back to new (neither acknowledged nor muted).
    Reopen,
}

/// Inserts an event finding (`change` origin) raised by `raised_by`, seen at `at` (SQL text),
/// unless its fingerprint is known; its id when it is new. Shared by every writer of findings
/// that come from outside a watch snapshot (`watch run --audit`, `ct follow`), inside the
/// caller's transaction.
pub(crate) fn insert_event_finding(
    db: &mut dyn crate::sql::Db,
    f: &Finding,
    raised_by: &RaisedBy,
    at: &str,
) -> Result<Option<i64>> {
    db.row(
        "INSERT INTO finding (fingerprint, domain, origin, code, severity, title,
             detail, remediation, subject, first_seen, last_seen, raised_by)
         VALUES ($1, $2, 'change', $3, $4, $5, $6, $7, $8, $9, $9, $10)
         ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
        &[
            f.fingerprint().into(),
            f.domain.as_str().into(),
            f.code.as_str().into(),
            f.severity.as_str().into(),
            f.title.as_str().into(),
            f.detail.as_str().into(),
            f.remediation.as_str().into(),
            f.subject.as_str().into(),
            at.into(),
            raised_by.as_str().into(),
        ],
    )?
    .map(|r| r.int(0))
    .transpose()
}

/// Inserts or refreshes a finding raised by `raised_by` (kept as it was on a refresh);
/// returns its id when it is new.
pub(crate) fn upsert_finding(
    tx: &Transaction<'_>,
    f: &Finding,
    origin: FindingOrigin,
    raised_by: &RaisedBy,
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
                        last_seen = max(last_seen, ?6), resolved_at = NULL,
                        acknowledged_at = CASE WHEN resolved_at IS NULL THEN acknowledged_at END,
                        acknowledged_by = CASE WHEN resolved_at IS NULL THEN acknowledged_by END
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
                                      remediation, subject, first_seen, last_seen, raised_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)",
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
                now,
                raised_by.as_str()
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
    raised_by: &RaisedBy,
    now: Timestamp,
) -> Result<Option<i64>> {
    let fp = f.fingerprint();
    let now = ts_to_sql(now);
    let inserted = tx.query_opt(
        "INSERT INTO finding (fingerprint, domain, origin, code, severity, title, detail,
                              remediation, subject, first_seen, last_seen, raised_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)
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
            &raised_by.as_str(),
        ],
    )?;
    if let Some(r) = inserted {
        return Ok(Some(r.get(0)));
    }
    tx.execute(
        "UPDATE finding SET severity = $2, title = $3, detail = $4, remediation = $5,
                last_seen = GREATEST(last_seen, $6), resolved_at = NULL,
                acknowledged_at = CASE WHEN resolved_at IS NULL THEN acknowledged_at END,
                acknowledged_by = CASE WHEN resolved_at IS NULL THEN acknowledged_by END
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
                    first_seen, last_seen, resolved_at, acknowledged_at, acknowledged_by,
                    muted_until, triage_note, raised_by";

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
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
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
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
        r.get(15)?,
        r.get(16)?,
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
        r.get(12),
        r.get(13),
        r.get(14),
        r.get(15),
        r.get(16),
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
        raised_by: RaisedBy::parse(&r.16),
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
        triage: Triage {
            acknowledged_at: r.12.as_deref().map(ts_from_sql).transpose()?,
            acknowledged_by: r.13,
            muted_until: r.14.as_deref().map(ts_from_sql).transpose()?,
            note: r.15,
        },
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

    /// Stores findings raised outside a watch snapshot (an exposure audit's new reference
    /// findings during `watch run --audit`: `raised_by` audit) as events (`change` origin),
    /// each once by its fingerprint; the ids of those that are new. One transaction.
    pub fn add_event_findings(
        &mut self,
        findings: &[Finding],
        raised_by: &RaisedBy,
        at: Timestamp,
    ) -> Result<Vec<i64>> {
        let findings = findings.to_vec();
        let raised_by = raised_by.clone();
        let at = ts_to_sql(at);
        self.tx(move |db| {
            let mut ids = Vec::new();
            for f in &findings {
                ids.extend(insert_event_finding(db, f, &raised_by, &at)?);
            }
            Ok(ids)
        })
    }

    /// The findings in `scope` (raised by one of its raisers, at or above its severity) that
    /// were never alerted to `sink`, are still open and are not muted at `now`, oldest first.
    pub fn unalerted(
        &self,
        sink: &str,
        scope: &AlertScope,
        now: Timestamp,
    ) -> Result<Vec<StoredFinding>> {
        if scope.raised_by.is_empty() {
            return Ok(Vec::new());
        }
        let mut args: Vec<P> = vec![sink.into(), ts_to_sql(now).into()];
        let mut raisers = Vec::new();
        for r in &scope.raised_by {
            args.push(r.as_str().into());
            raisers.push(format!("${}", args.len()));
        }
        let sql = format!(
            "SELECT {COLS} FROM finding f
             WHERE resolved_at IS NULL AND severity IN ({})
               AND (muted_until IS NULL OR muted_until <= $2)
               AND raised_by IN ({})
               AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.finding_id = f.id AND a.sink = $1)
             ORDER BY first_seen, id",
            severities_from(scope.min),
            raisers.join(", ")
        );
        self.read(move |db| db.rows(&sql, &args)?.iter().map(decode_row).collect())
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

    /// Findings matching `q`, in id order, at most `q.limit` of them (the cursor of the next
    /// page is the last id). `now` decides what is muted.
    pub fn findings_where(&self, q: &FindingFilter, now: Timestamp) -> Result<Vec<StoredFinding>> {
        let mut wheres: Vec<String> = Vec::new();
        let mut args: Vec<P> = Vec::new();
        let mut bind = |clause: &str, a: P| {
            args.push(a);
            wheres.push(clause.replace('#', &format!("${}", args.len())));
        };
        if let Some(d) = &q.domain {
            bind("domain = #", d.as_str().into());
        }
        if let Some(c) = &q.code {
            bind("code = #", c.as_str().into());
        }
        if let Some(r) = &q.raised_by {
            bind("raised_by = #", r.as_str().into());
        }
        if let Some(t) = q.since {
            bind("first_seen >= #", ts_to_sql(t).into());
        }
        if let Some(a) = q.after {
            bind(if q.newest_first { "id < #" } else { "id > #" }, a.into());
        }
        let now = ts_to_sql(now);
        match q.triage {
            TriageFilter::Any => {}
            TriageFilter::Muted => bind("muted_until > #", now.into()),
            TriageFilter::Unmuted => bind("(muted_until IS NULL OR muted_until <= #)", now.into()),
            TriageFilter::New => bind(
                "(muted_until IS NULL OR muted_until <= #) AND acknowledged_at IS NULL",
                now.into(),
            ),
            TriageFilter::Acknowledged => bind(
                "(muted_until IS NULL OR muted_until <= #) AND acknowledged_at IS NOT NULL",
                now.into(),
            ),
        }
        if !q.include_resolved {
            // Not `resolved_at IS NULL`: the planner would take the open-findings index
            // (migration 9, made for the counts) and sort every open finding for each page;
            // walking the primary key in `id` order stops after `limit` rows (0.4 ms against
            // 16 ms for a page of 100 among 80,000 open findings). resolved_at is never ''.
            wheres.push("COALESCE(resolved_at, '') = ''".into());
        }
        if let Some(min) = q.min_severity {
            wheres.push(format!("severity IN ({})", severities_from(min)));
        }
        let limit = q.limit.unwrap_or(1000).min(100_000);
        let sql = format!(
            "SELECT {COLS} FROM finding {} ORDER BY id {} LIMIT {limit}",
            if wheres.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", wheres.join(" AND "))
            },
            if q.newest_first { "DESC" } else { "ASC" }
        );
        self.read(move |db| db.rows(&sql, &args)?.iter().map(decode_row).collect())
    }

    /// Open findings not muted at `now`, counted by severity (most severe first).
    pub fn open_finding_counts(&self, now: Timestamp) -> Result<Vec<(Severity, usize)>> {
        let now = ts_to_sql(now);
        let rows = self.read(move |db| {
            db.rows(
                "SELECT severity, count(*) FROM finding
                 WHERE resolved_at IS NULL AND (muted_until IS NULL OR muted_until <= $1)
                 GROUP BY severity",
                &[now.as_str().into()],
            )?
            .iter()
            .map(|r| Ok((severity_from_sql(&r.text(0)?)?, count_from_sql(r.int(1)?))))
            .collect::<Result<Vec<_>>>()
        })?;
        let mut rows = rows;
        rows.sort_by_key(|(s, _)| std::cmp::Reverse(*s));
        Ok(rows)
    }

    /// One finding by id.
    pub fn finding(&self, id: i64) -> Result<Option<StoredFinding>> {
        self.read(move |db| {
            db.row(
                &format!("SELECT {COLS} FROM finding WHERE id = $1"),
                &[id.into()],
            )?
            .as_ref()
            .map(decode_row)
            .transpose()
        })
    }

    /// Records a triage decision on a finding (by `by`, at `at`, with an optional note);
    /// returns the finding as it is now, or `None` when there is no such finding.
    /// Acknowledging keeps a mute, muting keeps an acknowledgement, unmuting only unmutes,
    /// reopening clears both.
    pub fn triage_finding(
        &mut self,
        id: i64,
        action: &TriageAction,
        by: &str,
        note: Option<&str>,
        at: Timestamp,
    ) -> Result<Option<StoredFinding>> {
        let at = ts_to_sql(at);
        let by = by.to_string();
        let note = note.map(str::to_string);
        let (sql, params): (&str, Vec<P>) = match action {
            TriageAction::Acknowledge => (
                "UPDATE finding SET acknowledged_at = $2, acknowledged_by = $3,
                        triage_note = coalesce($4, triage_note) WHERE id = $1",
                vec![id.into(), at.into(), by.into(), note.into()],
            ),
            TriageAction::Mute(until) => (
                "UPDATE finding SET muted_until = $2, triage_note = coalesce($3, triage_note)
                 WHERE id = $1",
                vec![
                    id.into(),
                    ts_to_sql(until.unwrap_or(Timestamp::MAX)).into(),
                    note.into(),
                ],
            ),
            TriageAction::Unmute => (
                "UPDATE finding SET muted_until = NULL, triage_note = coalesce($2, triage_note)
                 WHERE id = $1",
                vec![id.into(), note.into()],
            ),
            TriageAction::Reopen => (
                "UPDATE finding SET acknowledged_at = NULL, acknowledged_by = NULL,
                        muted_until = NULL, triage_note = $2 WHERE id = $1",
                vec![id.into(), note.into()],
            ),
        };
        let n = self.tx(move |db| db.exec(sql, &params))?;
        if n == 0 {
            return Ok(None);
        }
        self.finding(id)
    }
}

/// The severities at or above `min`, quoted for an `IN (...)`: our own words, not the
/// caller's, so safe to write into the statement.
fn severities_from(min: Severity) -> String {
    Severity::ALL
        .iter()
        .filter(|s| **s >= min)
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn decode_row(r: &Row) -> Result<StoredFinding> {
    decode((
        r.int(0)?,
        r.text(1)?,
        r.text(2)?,
        r.text(3)?,
        r.text(4)?,
        r.text(5)?,
        r.text(6)?,
        r.text(7)?,
        r.text(8)?,
        r.text(9)?,
        r.text(10)?,
        r.opt_text(11)?,
        r.opt_text(12)?,
        r.opt_text(13)?,
        r.opt_text(14)?,
        r.opt_text(15)?,
        r.text(16)?,
    ))
}
