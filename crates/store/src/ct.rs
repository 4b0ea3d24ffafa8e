//! Certificate Transparency (`ct follow`): how far each log was read (the next index and the
//! tree size of the last tree head, so that a restart continues where it stopped and a tree
//! that shrinks is noticed), and the certificates seen for the watched domains and their
//! subdomains (which issuers and which names a domain already had). The findings of
//! `ct follow` are stored with origin `change` (an event seen, kept until triaged; a watch
//! pass never resolves them). SQL written once for both backends ([`crate::sql`]).

use domains::ct::CtCert;
use domains::findings::Finding;
use jiff::Timestamp;
use serde::Serialize;

use crate::sql::Db;
use crate::{Result, Store, StoreError, ts_from_sql, ts_to_sql};

/// Where a log was read up to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CtLogPosition {
    pub url: String,
    /// The first entry not read yet.
    pub next_index: u64,
    /// The tree size of the last tree head seen.
    pub tree_size: u64,
    pub updated_at: Timestamp,
}

/// A certificate seen for a watched domain (one row per name of the certificate at or below it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CtSighting {
    /// The watched domain.
    pub domain: String,
    /// The name in the certificate (the domain or a subdomain of it).
    pub name: String,
    pub log_url: String,
    pub index: u64,
    pub cert: CtCert,
}

/// What was new about a sighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CtNovelty {
    /// The certificate and name were not stored before (false: already seen, e.g. in another
    /// log).
    pub stored: bool,
    /// The domain never had a certificate from this issuer.
    pub new_issuer: bool,
    /// The name never had a certificate.
    pub new_name: bool,
    /// The domain had no certificate at all before (this one starts its history).
    pub first_for_domain: bool,
}

fn to_i64(n: u64) -> Result<i64> {
    i64::try_from(n).map_err(|_| StoreError::Refused(format!("{n} is out of range")))
}

fn to_u64(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")))
}

impl Store {
    /// Where `url` was read up to, if it was ever read.
    pub fn ct_log_position(&self, url: &str) -> Result<Option<CtLogPosition>> {
        let url = url.to_string();
        self.read(move |db| {
            let Some(r) = db.row(
                "SELECT url, next_index, tree_size, updated_at FROM ct_log WHERE url = $1",
                &[url.as_str().into()],
            )?
            else {
                return Ok(None);
            };
            Ok(Some(CtLogPosition {
                url: r.text(0)?,
                next_index: to_u64(r.int(1)?)?,
                tree_size: to_u64(r.int(2)?)?,
                updated_at: ts_from_sql(&r.text(3)?)?,
            }))
        })
    }

    /// All logs read, by URL.
    pub fn ct_logs(&self) -> Result<Vec<CtLogPosition>> {
        self.read(move |db| {
            db.rows(
                "SELECT url, next_index, tree_size, updated_at FROM ct_log ORDER BY url",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(CtLogPosition {
                    url: r.text(0)?,
                    next_index: to_u64(r.int(1)?)?,
                    tree_size: to_u64(r.int(2)?)?,
                    updated_at: ts_from_sql(&r.text(3)?)?,
                })
            })
            .collect()
        })
    }

    /// Records where `url` was read up to. The position never goes back: a `next_index`
    /// below the stored one is refused (that would read a range twice, or hide one).
    pub fn set_ct_log_position(
        &mut self,
        url: &str,
        next_index: u64,
        tree_size: u64,
        now: Timestamp,
    ) -> Result<()> {
        let (url, next, size, now) = (
            url.to_string(),
            to_i64(next_index)?,
            to_i64(tree_size)?,
            ts_to_sql(now),
        );
        self.tx(move |db| set_position(db, &url, next, size, &now))
    }

    /// Stores certificates seen for watched domains and, in the same transaction, the findings
    /// they raised (`findings` decides them from what was new; `extra` are more, such as
    /// lookalike certificates) and the log's new position (so that a crash never loses a
    /// certificate nor reads one twice). Returns what was new about each sighting (in order) and
    /// the ids of the new findings.
    pub fn record_ct_batch(
        &mut self,
        sightings: &[CtSighting],
        findings: &dyn Fn(&CtSighting, CtNovelty) -> Vec<Finding>,
        extra: Vec<Finding>,
        position: Option<(&str, u64, u64)>,
        now: Timestamp,
    ) -> Result<(Vec<CtNovelty>, Vec<i64>)> {
        // The novelty is decided here, the findings by the caller: computed first (the
        // transaction closure may run twice on PostgreSQL and must own its inputs).
        let rows: Vec<CtSighting> = sightings.to_vec();
        let position = position
            .map(|(u, n, s)| Ok::<_, StoreError>((u.to_string(), to_i64(n)?, to_i64(s)?)))
            .transpose()?;
        let now_s = ts_to_sql(now);
        let novelties = {
            let rows = rows.clone();
            self.read(move |db| {
                let mut out = Vec::with_capacity(rows.len());
                for s in &rows {
                    out.push(novelty(db, s)?);
                }
                Ok(out)
            })?
        };
        // Within one batch, the second certificate of a new issuer is not new any more.
        let mut novelties = novelties;
        for i in 0..rows.len() {
            for j in 0..i {
                if rows[j].domain == rows[i].domain {
                    novelties[i].first_for_domain = false;
                    if rows[j].cert.issuer == rows[i].cert.issuer {
                        novelties[i].new_issuer = false;
                    }
                    if rows[j].name == rows[i].name {
                        novelties[i].new_name = false;
                    }
                    if rows[j].name == rows[i].name && rows[j].cert.sha256 == rows[i].cert.sha256 {
                        novelties[i].stored = false;
                    }
                }
            }
        }
        let mut new_findings: Vec<Finding> = extra;
        for (s, n) in rows.iter().zip(&novelties) {
            if n.stored {
                new_findings.extend(findings(s, *n));
            }
        }
        let ids = self.tx(move |db| {
            for s in &rows {
                let c = &s.cert;
                db.exec(
                    "INSERT INTO ct_certificate (domain, name, issuer, issuer_org, serial, sha256,
                         kind, log_url, entry_index, logged_at, not_before, not_after, seen_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (sha256, name) DO NOTHING",
                    &[
                        s.domain.as_str().into(),
                        s.name.as_str().into(),
                        c.issuer.as_str().into(),
                        c.issuer_org.clone().into(),
                        c.serial.as_str().into(),
                        c.sha256.as_str().into(),
                        c.kind.as_str().into(),
                        s.log_url.as_str().into(),
                        to_i64(s.index)?.into(),
                        ts_to_sql(c.logged_at).into(),
                        c.not_before.map(ts_to_sql).into(),
                        c.not_after.map(ts_to_sql).into(),
                        now_s.as_str().into(),
                    ],
                )?;
            }
            let mut ids = Vec::new();
            for f in &new_findings {
                ids.extend(crate::finding::insert_event_finding(
                    db,
                    f,
                    &crate::finding::RaisedBy::Ct,
                    &now_s,
                )?);
            }
            if let Some((u, n, sz)) = &position {
                set_position(db, u, *n, *sz, &now_s)?;
            }
            Ok(ids)
        })?;
        Ok((novelties, ids))
    }

    /// The certificates seen for a watched domain, oldest first.
    pub fn ct_certificates(&self, domain: &str) -> Result<Vec<(String, String, String, u64)>> {
        let domain = domain.to_string();
        self.read(move |db| {
            db.rows(
                "SELECT name, issuer, log_url, entry_index FROM ct_certificate
                 WHERE domain = $1 ORDER BY id",
                &[domain.as_str().into()],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, to_u64(r.int(3)?)?)))
            .collect()
        })
    }
}

fn novelty(db: &mut dyn Db, s: &CtSighting) -> Result<CtNovelty> {
    let stored = db
        .row(
            "SELECT 1 FROM ct_certificate WHERE sha256 = $1 AND name = $2",
            &[s.cert.sha256.as_str().into(), s.name.as_str().into()],
        )?
        .is_none();
    let new_issuer = db
        .row(
            "SELECT 1 FROM ct_certificate WHERE domain = $1 AND issuer = $2 LIMIT 1",
            &[s.domain.as_str().into(), s.cert.issuer.as_str().into()],
        )?
        .is_none();
    let new_name = db
        .row(
            "SELECT 1 FROM ct_certificate WHERE domain = $1 AND name = $2 LIMIT 1",
            &[s.domain.as_str().into(), s.name.as_str().into()],
        )?
        .is_none();
    let first_for_domain = db
        .row(
            "SELECT 1 FROM ct_certificate WHERE domain = $1 LIMIT 1",
            &[s.domain.as_str().into()],
        )?
        .is_none();
    Ok(CtNovelty {
        stored,
        new_issuer,
        new_name,
        first_for_domain,
    })
}

fn set_position(db: &mut dyn Db, url: &str, next: i64, size: i64, now: &str) -> Result<()> {
    if let Some(r) = db.row(
        "SELECT next_index FROM ct_log WHERE url = $1",
        &[url.into()],
    )? && r.int(0)? > next
    {
        return Err(StoreError::Refused(format!(
            "CT log {url}: position {next} is before the stored {}",
            r.int(0)?
        )));
    }
    db.exec(
        "INSERT INTO ct_log (url, next_index, tree_size, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (url) DO UPDATE SET next_index = $2, tree_size = $3, updated_at = $4",
        &[url.into(), next.into(), size.into(), now.into()],
    )?;
    Ok(())
}
