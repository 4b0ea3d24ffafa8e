//! What the console shows besides the watch: the lookalike hits of stored scans (`scan
//! --save`, or a feed submitted through the API) and the results of exposure audits (`audit
//! --save`), one row per audited name and audit.

use domains::lookalike::Hit;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::sql::{P, Row};
use crate::{Result, Store, StoreError, count_from_sql, ts_from_sql, ts_to_sql};

/// How a stored scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanStatus {
    Running,
    Finished,
    /// Stopped by an error (the hits found before it are kept).
    Failed,
}

impl ScanStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            ScanStatus::Running => "running",
            ScanStatus::Finished => "finished",
            ScanStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<ScanStatus> {
        Ok(match s {
            "running" => ScanStatus::Running,
            "finished" => ScanStatus::Finished,
            "failed" => ScanStatus::Failed,
            o => return Err(StoreError::Corrupt(format!("scan status {o:?}"))),
        })
    }
}

/// A stored scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub id: i64,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// The feeds it read (file names, or `api`).
    pub source: String,
    /// The console user who submitted it, for scans submitted through the API.
    pub submitted_by: Option<String>,
    /// Brands matched against.
    pub brands: usize,
    /// Names read.
    pub names: usize,
    pub hits: usize,
    pub status: ScanStatus,
    pub error: Option<String>,
}

/// A stored lookalike hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredHit {
    pub id: i64,
    pub scan_id: i64,
    pub name: String,
    pub registrable: String,
    pub brand: String,
    pub score: u8,
    pub techniques: Vec<String>,
    /// The hit as `scan --format json` writes it.
    pub hit: serde_json::Value,
}

/// A stored exposure audit of one name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAudit {
    pub id: i64,
    pub domain: String,
    pub audited_at: Timestamp,
    pub findings: usize,
    /// The most severe finding's severity, when there is one.
    pub worst: Option<String>,
    /// The audit as `audit --format json` writes it.
    pub audit: serde_json::Value,
}

const SCAN_COLS: &str =
    "id, started_at, finished_at, source, submitted_by, brands, names, hits, status, error";

fn decode_scan(r: &Row) -> Result<ScanRecord> {
    Ok(ScanRecord {
        id: r.int(0)?,
        started_at: ts_from_sql(&r.text(1)?)?,
        finished_at: r.opt_text(2)?.as_deref().map(ts_from_sql).transpose()?,
        source: r.text(3)?,
        submitted_by: r.opt_text(4)?,
        brands: count_from_sql(r.int(5)?),
        names: count_from_sql(r.int(6)?),
        hits: count_from_sql(r.int(7)?),
        status: ScanStatus::parse(&r.text(8)?)?,
        error: r.opt_text(9)?,
    })
}

fn json_of(s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("stored json: {e}")))
}

fn decode_hit(r: &Row) -> Result<StoredHit> {
    Ok(StoredHit {
        id: r.int(0)?,
        scan_id: r.int(1)?,
        name: r.text(2)?,
        registrable: r.text(3)?,
        brand: r.text(4)?,
        score: u8::try_from(r.int(5)?).unwrap_or(u8::MAX),
        techniques: serde_json::from_str(&r.text(6)?)
            .map_err(|e| StoreError::Corrupt(format!("techniques: {e}")))?,
        hit: json_of(&r.text(7)?)?,
    })
}

fn decode_audit(r: &Row) -> Result<StoredAudit> {
    Ok(StoredAudit {
        id: r.int(0)?,
        domain: r.text(1)?,
        audited_at: ts_from_sql(&r.text(2)?)?,
        findings: count_from_sql(r.int(3)?),
        worst: r.opt_text(4)?,
        audit: json_of(&r.text(5)?)?,
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Which stored hits.
#[derive(Debug, Clone, Default)]
pub struct HitFilter {
    pub scan: Option<i64>,
    pub brand: Option<String>,
    /// At or above this score.
    pub min_score: Option<u8>,
    /// Ids above this one (the cursor).
    pub after: Option<i64>,
    pub limit: Option<usize>,
}

impl Store {
    /// Starts a stored scan; returns its id.
    pub fn begin_scan(
        &mut self,
        source: &str,
        submitted_by: Option<&str>,
        brands: usize,
        at: Timestamp,
    ) -> Result<i64> {
        let params: Vec<P> = vec![
            ts_to_sql(at).into(),
            source.into(),
            submitted_by.into(),
            count(brands).into(),
        ];
        self.tx(move |db| {
            let row = db.row(
                "INSERT INTO scan (started_at, source, submitted_by, brands, status)
                 VALUES ($1, $2, $3, $4, 'running') RETURNING id",
                &params,
            )?;
            row.ok_or_else(|| StoreError::Corrupt("no scan id".into()))?
                .int(0)
        })
    }

    /// Adds hits to a scan in one transaction (a hit already stored for the scan is kept
    /// once); returns how many were new.
    pub fn add_scan_hits(&mut self, scan: i64, hits: &[Hit]) -> Result<usize> {
        let mut rows: Vec<Vec<P>> = Vec::with_capacity(hits.len());
        for h in hits {
            let json = serde_json::to_string(h)
                .map_err(|e| StoreError::Corrupt(format!("hit json: {e}")))?;
            let techniques = serde_json::to_string(&h.techniques)
                .map_err(|e| StoreError::Corrupt(format!("hit json: {e}")))?;
            rows.push(vec![
                scan.into(),
                h.name.as_str().into(),
                h.registrable.as_str().into(),
                h.brand.as_str().into(),
                i64::from(h.score).into(),
                techniques.into(),
                json.into(),
            ]);
        }
        self.tx(move |db| {
            let mut new = 0u64;
            for r in &rows {
                new += db.exec(
                    "INSERT INTO scan_hit (scan_id, name, registrable, brand, score, techniques, json)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (scan_id, name, brand) DO NOTHING",
                    r,
                )?;
            }
            db.exec(
                "UPDATE scan SET hits = (SELECT count(*) FROM scan_hit WHERE scan_id = $1)
                 WHERE id = $1",
                &[scan.into()],
            )?;
            Ok(usize::try_from(new).unwrap_or(usize::MAX))
        })
    }

    /// Ends a stored scan: finished, or failed with the error.
    pub fn finish_scan(
        &mut self,
        scan: i64,
        names: usize,
        error: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        let status = if error.is_some() {
            ScanStatus::Failed
        } else {
            ScanStatus::Finished
        };
        let params: Vec<P> = vec![
            scan.into(),
            ts_to_sql(at).into(),
            count(names).into(),
            status.as_str().into(),
            error.into(),
        ];
        self.tx(move |db| {
            db.exec(
                "UPDATE scan SET finished_at = $2, names = $3, status = $4, error = $5
                 WHERE id = $1",
                &params,
            )?;
            Ok(())
        })
    }

    /// The stored scans, newest first.
    pub fn scans(&self, limit: usize) -> Result<Vec<ScanRecord>> {
        let limit = count(limit);
        self.read(move |db| {
            db.rows(
                &format!("SELECT {SCAN_COLS} FROM scan ORDER BY id DESC LIMIT $1"),
                &[limit.into()],
            )?
            .iter()
            .map(decode_scan)
            .collect()
        })
    }

    /// One stored scan.
    pub fn scan(&self, id: i64) -> Result<Option<ScanRecord>> {
        self.read(move |db| {
            db.row(
                &format!("SELECT {SCAN_COLS} FROM scan WHERE id = $1"),
                &[id.into()],
            )?
            .as_ref()
            .map(decode_scan)
            .transpose()
        })
    }

    /// Stored hits, in id order.
    pub fn scan_hits(&self, q: &HitFilter) -> Result<Vec<StoredHit>> {
        let mut wheres: Vec<String> = Vec::new();
        let mut args: Vec<P> = Vec::new();
        let mut bind = |clause: &str, a: P| {
            args.push(a);
            wheres.push(clause.replace('#', &format!("${}", args.len())));
        };
        if let Some(s) = q.scan {
            bind("scan_id = #", s.into());
        }
        if let Some(b) = &q.brand {
            bind("brand = #", b.as_str().into());
        }
        if let Some(m) = q.min_score {
            bind("score >= #", i64::from(m).into());
        }
        if let Some(a) = q.after {
            bind("id > #", a.into());
        }
        let limit = q.limit.unwrap_or(1000).min(100_000);
        let sql = format!(
            "SELECT id, scan_id, name, registrable, brand, score, techniques, json FROM scan_hit
             {} ORDER BY id LIMIT {limit}",
            if wheres.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", wheres.join(" AND "))
            }
        );
        self.read(move |db| db.rows(&sql, &args)?.iter().map(decode_hit).collect())
    }

    /// One stored hit.
    pub fn scan_hit(&self, id: i64) -> Result<Option<StoredHit>> {
        self.read(move |db| {
            db.row(
                "SELECT id, scan_id, name, registrable, brand, score, techniques, json
                 FROM scan_hit WHERE id = $1",
                &[id.into()],
            )?
            .as_ref()
            .map(decode_hit)
            .transpose()
        })
    }

    /// Stores the audit of one name.
    pub fn record_audit(
        &mut self,
        domain: &str,
        at: Timestamp,
        findings: usize,
        worst: Option<&str>,
        audit: &serde_json::Value,
    ) -> Result<i64> {
        let params: Vec<P> = vec![
            domain.into(),
            ts_to_sql(at).into(),
            count(findings).into(),
            worst.into(),
            audit.to_string().into(),
        ];
        self.tx(move |db| {
            db.row(
                "INSERT INTO audit_result (domain, audited_at, findings, worst, json)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &params,
            )?
            .ok_or_else(|| StoreError::Corrupt("no audit id".into()))?
            .int(0)
        })
    }

    /// The latest stored audit of each name, by name.
    pub fn latest_audits(&self) -> Result<Vec<StoredAudit>> {
        self.read(|db| {
            db.rows(
                "SELECT a.id, a.domain, a.audited_at, a.findings, a.worst, a.json
                 FROM audit_result a
                 WHERE a.id = (SELECT max(b.id) FROM audit_result b WHERE b.domain = a.domain)
                 ORDER BY a.domain",
                &[],
            )?
            .iter()
            .map(decode_audit)
            .collect()
        })
    }

    /// The stored audits of one name, newest first.
    pub fn audits_of(&self, domain: &str, limit: usize) -> Result<Vec<StoredAudit>> {
        let params: Vec<P> = vec![domain.into(), count(limit).into()];
        self.read(move |db| {
            db.rows(
                "SELECT id, domain, audited_at, findings, worst, json FROM audit_result
                 WHERE domain = $1 ORDER BY id DESC LIMIT $2",
                &params,
            )?
            .iter()
            .map(decode_audit)
            .collect()
        })
    }
}
