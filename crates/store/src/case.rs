//! Coordination cases: one per domain and abuse episode, the reports attached to them, and
//! the timeline of every change (who, when, what). The SQL is written once for both backends
//! ([`crate::sql`]).
//!
//! - Intake is idempotent: each report carries a `source_key` (its source and its content);
//!   a report already stored is counted as known and changes nothing.
//! - At most one open case per domain (a unique index): a report joins the domain's open case,
//!   else reopens its last closed case when the abuse returned after it was closed, else
//!   opens a new case.

use domains::DomainName;
use domains::case::intake::Target;
use domains::case::stats::{CaseFact, Origin, ReportFact};
use domains::case::{CaseState, Category, Resolution, Tlp};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::sql::{Db, P, Row};
use crate::{Result, Store, StoreError, count_from_sql, name_from_sql, ts_from_sql, ts_to_sql};

/// A case's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CaseId(pub i64);

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A stored case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub id: CaseId,
    /// The case's domain: a registrable domain, or an account under a service.
    pub domain: DomainName,
    /// The registrable domain under the ICANN section.
    pub registered: DomainName,
    /// The subdomain service or dynamic DNS provider the domain sits under.
    pub service: Option<String>,
    pub service_kind: Option<String>,
    pub brand: Option<String>,
    pub category: Category,
    pub tlp: Tlp,
    pub state: CaseState,
    pub resolution: Option<Resolution>,
    pub registrar: Option<String>,
    pub registry: Option<String>,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_reported_at: Timestamp,
    pub last_reported_at: Timestamp,
    pub mitigated_at: Option<Timestamp>,
    /// Who acted: `registry`, `registrar`, `hosting`, `service`, or a name.
    pub mitigated_by: Option<String>,
    pub closed_at: Option<Timestamp>,
    /// Reports attached.
    pub reports: usize,
    /// When the domain was created (from the registration, at enrichment).
    pub domain_created: Option<Timestamp>,
    /// What the last check saw: `server-hold`, `client-hold`, `deleted`, `nxdomain`,
    /// `content-gone`, `active`, `unknown`.
    pub observed: Option<String>,
    /// The EPP statuses the last check saw, comma-separated.
    pub observed_status: Option<String>,
    pub observed_at: Option<Timestamp>,
}

/// A report to attach (see [`Store::add_reports`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub target: Target,
    /// The input as written.
    pub input: String,
    pub reported_at: Timestamp,
    pub reporter: Option<String>,
    pub brand: Option<String>,
    pub description: Option<String>,
    /// For a new case.
    pub category: Category,
    /// For a new case.
    pub tlp: Tlp,
    /// `open`, `jpcert`, `csv`, `urls`, `scan`, ...
    pub source: String,
    /// What makes this report the same report when imported again.
    pub source_key: String,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredReport {
    pub id: i64,
    pub case_id: CaseId,
    pub source: String,
    pub input: String,
    pub url: Option<String>,
    pub host: String,
    pub reported_at: Timestamp,
    pub reporter: Option<String>,
    pub brand: Option<String>,
    pub description: Option<String>,
    pub added_at: Timestamp,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseEvent {
    pub id: i64,
    pub case_id: CaseId,
    pub at: Timestamp,
    pub actor: String,
    /// `opened`, `report`, `state`, `reopened`, `closed`, `note`, `field`.
    pub kind: String,
    pub detail: String,
}

/// What an intake did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntakeOutcome {
    /// Reports stored.
    pub added: usize,
    /// Reports already stored (nothing changed).
    pub known: usize,
    pub cases_opened: usize,
    pub cases_reopened: usize,
    /// The case of each report, in order (known reports: the case they are attached to).
    pub case_ids: Vec<CaseId>,
}

impl IntakeOutcome {
    fn absorb(&mut self, o: IntakeOutcome) {
        self.added += o.added;
        self.known += o.known;
        self.cases_opened += o.cases_opened;
        self.cases_reopened += o.cases_reopened;
        self.case_ids.extend(o.case_ids);
    }
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub states: Vec<CaseState>,
    /// Only open cases (every state but closed).
    pub open: bool,
    pub domain: Option<String>,
    /// Cases whose domain ends in this TLD.
    pub tld: Option<String>,
    pub brand: Option<String>,
    pub limit: Option<usize>,
}

/// A change to a case (`case update`, `case close`); every field given and different from the
/// stored one is one event in the timeline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseUpdate {
    pub state: Option<CaseState>,
    /// Closes the case with this resolution.
    pub close: Option<Resolution>,
    pub note: Option<String>,
    pub brand: Option<String>,
    pub category: Option<Category>,
    pub tlp: Option<Tlp>,
    pub registrar: Option<String>,
    pub registry: Option<String>,
    /// Who acted, recorded with the mitigation.
    pub mitigated_by: Option<String>,
}

const CASE_COLS: &str = "c.id, c.domain, c.registered, c.service, c.service_kind, c.brand,
    c.category, c.tlp, c.state, c.resolution, c.registrar, c.registry, c.opened_at,
    c.updated_at, c.first_reported_at, c.last_reported_at, c.mitigated_at, c.mitigated_by,
    c.closed_at, (SELECT count(*) FROM case_report r WHERE r.case_id = c.id),
    c.domain_created, c.observed, c.observed_status, c.observed_at";

fn opt_ts(r: &Row, i: usize) -> Result<Option<Timestamp>> {
    r.opt_text(i)?.as_deref().map(ts_from_sql).transpose()
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

fn decode_case(r: &Row) -> Result<Case> {
    let category = r.text(6)?;
    let tlp = r.text(7)?;
    let state = r.text(8)?;
    Ok(Case {
        id: CaseId(r.int(0)?),
        domain: name_from_sql(&r.text(1)?)?,
        registered: name_from_sql(&r.text(2)?)?,
        service: r.opt_text(3)?,
        service_kind: r.opt_text(4)?,
        brand: r.opt_text(5)?,
        category: Category::parse(&category).ok_or_else(|| corrupt("category", &category))?,
        tlp: Tlp::parse(&tlp).ok_or_else(|| corrupt("tlp", &tlp))?,
        state: CaseState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        resolution: match r.opt_text(9)? {
            None => None,
            Some(v) => Some(Resolution::parse(&v).ok_or_else(|| corrupt("resolution", &v))?),
        },
        registrar: r.opt_text(10)?,
        registry: r.opt_text(11)?,
        opened_at: ts_from_sql(&r.text(12)?)?,
        updated_at: ts_from_sql(&r.text(13)?)?,
        first_reported_at: ts_from_sql(&r.text(14)?)?,
        last_reported_at: ts_from_sql(&r.text(15)?)?,
        mitigated_at: opt_ts(r, 16)?,
        mitigated_by: r.opt_text(17)?,
        closed_at: opt_ts(r, 18)?,
        reports: count_from_sql(r.int(19)?),
        domain_created: opt_ts(r, 20)?,
        observed: r.opt_text(21)?,
        observed_status: r.opt_text(22)?,
        observed_at: opt_ts(r, 23)?,
    })
}

fn load_case(db: &mut dyn Db, id: i64) -> Result<Option<Case>> {
    db.row(
        &format!("SELECT {CASE_COLS} FROM abuse_case c WHERE c.id = $1"),
        &[id.into()],
    )?
    .map(|r| decode_case(&r))
    .transpose()
}

/// Appends one event to a case's timeline.
pub(crate) fn event(
    db: &mut dyn Db,
    case: i64,
    at: &str,
    actor: &str,
    kind: &str,
    detail: &str,
) -> Result<()> {
    db.exec(
        "INSERT INTO case_event (case_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5)",
        &[
            case.into(),
            at.into(),
            actor.into(),
            kind.into(),
            detail.into(),
        ],
    )?;
    Ok(())
}

fn insert_id(db: &mut dyn Db, sql: &str, params: &[P]) -> Result<i64> {
    db.row(sql, params)?
        .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?
        .int(0)
}

/// Attaches one report inside a transaction.
fn attach(
    db: &mut dyn Db,
    r: &NewReport,
    actor: &str,
    now: &str,
    out: &mut IntakeOutcome,
) -> Result<()> {
    if let Some(row) = db.row(
        "SELECT case_id FROM case_report WHERE source_key = $1",
        &[r.source_key.as_str().into()],
    )? {
        out.known += 1;
        out.case_ids.push(CaseId(row.int(0)?));
        return Ok(());
    }
    let domain = r.target.domain.as_str();
    let at = ts_to_sql(r.reported_at);
    let open = db.row(
        "SELECT id, first_reported_at, last_reported_at FROM abuse_case
         WHERE domain = $1 AND state <> 'closed'",
        &[domain.into()],
    )?;
    let case_id = match open {
        Some(row) => {
            let id = row.int(0)?;
            let first = row.text(1)?.min(at.clone());
            let last = row.text(2)?.max(at.clone());
            db.exec(
                "UPDATE abuse_case SET first_reported_at = $2, last_reported_at = $3,
                        updated_at = $4, brand = COALESCE(brand, $5)
                 WHERE id = $1",
                &[
                    id.into(),
                    first.into(),
                    last.into(),
                    now.into(),
                    r.brand.clone().into(),
                ],
            )?;
            id
        }
        None => {
            let closed = db.row(
                "SELECT id, closed_at, first_reported_at, last_reported_at FROM abuse_case
                 WHERE domain = $1 AND state = 'closed' ORDER BY id DESC LIMIT 1",
                &[domain.into()],
            )?;
            match closed {
                // Reported again after it was closed: the abuse returned.
                Some(row) if row.opt_text(1)?.is_some_and(|c| at > c) => {
                    let id = row.int(0)?;
                    let first = row.text(2)?.min(at.clone());
                    let last = row.text(3)?.max(at.clone());
                    db.exec(
                        "UPDATE abuse_case SET state = 'investigating', resolution = NULL,
                                closed_at = NULL, first_reported_at = $2,
                                last_reported_at = $3, updated_at = $4
                         WHERE id = $1",
                        &[id.into(), first.into(), last.into(), now.into()],
                    )?;
                    event(
                        db,
                        id,
                        now,
                        actor,
                        "reopened",
                        "reported again after it was closed",
                    )?;
                    out.cases_reopened += 1;
                    id
                }
                // An older report of a closed episode: it joins that episode's record.
                Some(row) => {
                    let id = row.int(0)?;
                    let first = row.text(2)?.min(at.clone());
                    db.exec(
                        "UPDATE abuse_case SET first_reported_at = $2, updated_at = $3 WHERE id = $1",
                        &[id.into(), first.into(), now.into()],
                    )?;
                    id
                }
                None => {
                    let (service, kind) = match &r.target.service {
                        Some(s) => (Some(s.suffix.clone()), Some(s.kind.as_str().to_string())),
                        None => (None, None),
                    };
                    let id = insert_id(
                        db,
                        "INSERT INTO abuse_case (domain, registered, service, service_kind, brand,
                             category, tlp, state, opened_at, updated_at, first_reported_at,
                             last_reported_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, 'new', $8, $8, $9, $9)
                         RETURNING id",
                        &[
                            domain.into(),
                            r.target.registered.as_str().into(),
                            service.into(),
                            kind.into(),
                            r.brand.clone().into(),
                            r.category.as_str().into(),
                            r.tlp.as_str().into(),
                            now.into(),
                            at.as_str().into(),
                        ],
                    )?;
                    event(db, id, now, actor, "opened", &format!("from {}", r.source))?;
                    out.cases_opened += 1;
                    id
                }
            }
        }
    };
    db.exec(
        "INSERT INTO case_report (case_id, source, source_key, input, url, host, registered,
             reported_at, reporter, brand, description, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[
            case_id.into(),
            r.source.as_str().into(),
            r.source_key.as_str().into(),
            r.input.as_str().into(),
            r.target.url.clone().into(),
            r.target.host.as_str().into(),
            r.target.registered.as_str().into(),
            at.as_str().into(),
            r.reporter.clone().into(),
            r.brand.clone().into(),
            r.description.clone().into(),
            now.into(),
        ],
    )?;
    let what = r.target.url.as_deref().unwrap_or(r.target.host.as_str());
    event(
        db,
        case_id,
        now,
        actor,
        "report",
        &format!("{what} (reported {at})"),
    )?;
    out.added += 1;
    out.case_ids.push(CaseId(case_id));
    Ok(())
}

/// Reports per transaction in a bulk intake.
const BATCH: usize = 5_000;

impl Store {
    /// Attaches reports to cases, opening or reopening cases as needed; one transaction per
    /// batch of reports (an interrupted import keeps whole batches; importing again adds the
    /// rest). `progress` is called with the number of reports done after each batch.
    pub fn add_reports(
        &mut self,
        reports: &[NewReport],
        actor: &str,
        now: Timestamp,
        mut progress: impl FnMut(usize),
    ) -> Result<IntakeOutcome> {
        let mut total = IntakeOutcome::default();
        let now = ts_to_sql(now);
        for chunk in reports.chunks(BATCH) {
            let chunk = chunk.to_vec();
            let actor = actor.to_string();
            let now = now.clone();
            let o = self.tx(move |db| {
                let mut out = IntakeOutcome::default();
                for r in &chunk {
                    attach(db, r, &actor, &now, &mut out)?;
                }
                Ok(out)
            })?;
            total.absorb(o);
            progress(total.added + total.known);
        }
        Ok(total)
    }

    /// One case.
    pub fn case(&self, id: CaseId) -> Result<Option<Case>> {
        self.read(move |db| load_case(db, id.0))
    }

    /// How many cases are in each state (states with none left out), and how many names are
    /// watched: the overview's and `/metrics`' counts, without reading the rows.
    pub fn case_state_counts(&self) -> Result<Vec<(CaseState, usize)>> {
        self.read(|db| {
            db.rows(
                "SELECT state, count(*) FROM abuse_case GROUP BY state ORDER BY state",
                &[],
            )?
            .iter()
            .map(|r| {
                let st = r.text(0)?;
                let state = CaseState::parse(&st).ok_or_else(|| corrupt("case state", &st))?;
                Ok((state, crate::count_from_sql(r.int(1)?)))
            })
            .collect()
        })
    }

    /// The number of watched names.
    pub fn watched_count(&self) -> Result<usize> {
        self.read(|db| {
            let n = db
                .row("SELECT count(*) FROM watched_domain", &[])?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0);
            Ok(crate::count_from_sql(n))
        })
    }

    /// Cases matching `filter`, newest first.
    pub fn cases(&self, filter: &CaseFilter) -> Result<Vec<Case>> {
        let filter = filter.clone();
        self.read(move |db| {
            let mut sql = format!("SELECT {CASE_COLS} FROM abuse_case c WHERE 1 = 1");
            let mut params: Vec<P> = Vec::new();
            let mut arg = |sql: &mut String, cond: &str, p: P| {
                params.push(p);
                sql.push_str(&cond.replace("$?", &format!("${}", params.len())));
            };
            if filter.open {
                sql.push_str(" AND c.state <> 'closed'");
            }
            if !filter.states.is_empty() {
                let list: Vec<String> = filter
                    .states
                    .iter()
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect();
                sql.push_str(&format!(" AND c.state IN ({})", list.join(", ")));
            }
            if let Some(d) = &filter.domain {
                arg(&mut sql, " AND c.domain = $?", d.as_str().into());
            }
            if let Some(t) = &filter.tld {
                arg(
                    &mut sql,
                    " AND c.registered LIKE $?",
                    format!("%.{}", t.trim_start_matches('.')).into(),
                );
            }
            if let Some(b) = &filter.brand {
                arg(&mut sql, " AND c.brand = $?", b.as_str().into());
            }
            sql.push_str(" ORDER BY c.id DESC");
            if let Some(n) = filter.limit {
                sql.push_str(&format!(" LIMIT {n}"));
            }
            db.rows(&sql, &params)?.iter().map(decode_case).collect()
        })
    }

    /// A case's reports, oldest first.
    pub fn case_reports(&self, id: CaseId) -> Result<Vec<StoredReport>> {
        self.read(move |db| {
            db.rows(
                "SELECT id, case_id, source, input, url, host, reported_at, reporter, brand,
                        description, added_at
                 FROM case_report WHERE case_id = $1 ORDER BY reported_at, id",
                &[id.0.into()],
            )?
            .iter()
            .map(|r| {
                Ok(StoredReport {
                    id: r.int(0)?,
                    case_id: CaseId(r.int(1)?),
                    source: r.text(2)?,
                    input: r.text(3)?,
                    url: r.opt_text(4)?,
                    host: r.text(5)?,
                    reported_at: ts_from_sql(&r.text(6)?)?,
                    reporter: r.opt_text(7)?,
                    brand: r.opt_text(8)?,
                    description: r.opt_text(9)?,
                    added_at: ts_from_sql(&r.text(10)?)?,
                })
            })
            .collect()
        })
    }

    /// A case's timeline, oldest first.
    pub fn case_events(&self, id: CaseId) -> Result<Vec<CaseEvent>> {
        self.read(move |db| {
            db.rows(
                "SELECT id, case_id, at, actor, kind, detail FROM case_event
                 WHERE case_id = $1 ORDER BY id",
                &[id.0.into()],
            )?
            .iter()
            .map(|r| {
                Ok(CaseEvent {
                    id: r.int(0)?,
                    case_id: CaseId(r.int(1)?),
                    at: ts_from_sql(&r.text(2)?)?,
                    actor: r.text(3)?,
                    kind: r.text(4)?,
                    detail: r.text(5)?,
                })
            })
            .collect()
        })
    }

    /// Changes a case; each changed field is an event. Refused (nothing changed): an unknown
    /// case, a move [`CaseState::may_move_to`] forbids, reopening a domain that has another
    /// open case.
    pub fn update_case(
        &mut self,
        id: CaseId,
        update: &CaseUpdate,
        actor: &str,
        now: Timestamp,
    ) -> Result<Case> {
        let update = update.clone();
        let actor = actor.to_string();
        let now = ts_to_sql(now);
        self.tx(move |db| {
            let case =
                load_case(db, id.0)?.ok_or_else(|| StoreError::Refused(format!("no case {id}")))?;
            let mut ev: Vec<(&str, String)> = Vec::new();
            let mut sets: Vec<(&str, P)> = Vec::new();
            if let Some(to) = update.state.filter(|s| *s != case.state) {
                case.state
                    .may_move_to(to)
                    .map_err(|e| StoreError::Refused(e.to_string()))?;
                if case.state == CaseState::Closed {
                    if let Some(other) = db.row(
                        "SELECT id FROM abuse_case WHERE domain = $1 AND state <> 'closed'",
                        &[case.domain.as_str().into()],
                    )? {
                        return Err(StoreError::Refused(format!(
                            "case {} is open for {}: update that one",
                            other.int(0)?,
                            case.domain
                        )));
                    }
                    sets.push(("resolution", P::Text(None)));
                    sets.push(("closed_at", P::Text(None)));
                    ev.push(("reopened", format!("{} -> {to}", case.state)));
                } else {
                    ev.push(("state", format!("{} -> {to}", case.state)));
                }
                sets.push(("state", to.as_str().into()));
                if to == CaseState::Mitigated && case.mitigated_at.is_none() {
                    sets.push(("mitigated_at", now.as_str().into()));
                }
            }
            if let Some(res) = update.close {
                if case.state == CaseState::Closed {
                    return Err(StoreError::Refused(format!("case {id} is already closed")));
                }
                sets.push(("state", "closed".into()));
                sets.push(("resolution", res.as_str().into()));
                sets.push(("closed_at", now.as_str().into()));
                if res == Resolution::Mitigated && case.mitigated_at.is_none() {
                    sets.push(("mitigated_at", now.as_str().into()));
                }
                ev.push((
                    "closed",
                    format!("{} -> closed ({})", case.state, res.as_str()),
                ));
            }
            let mut field = |name: &'static str, old: Option<&str>, new: Option<&str>| {
                if let Some(new) = new.filter(|n| Some(*n) != old) {
                    sets.push((name, new.into()));
                    ev.push(("field", format!("{name}: {} -> {new}", old.unwrap_or("-"))));
                }
            };
            field("brand", case.brand.as_deref(), update.brand.as_deref());
            field(
                "category",
                Some(case.category.as_str()),
                update.category.map(|c| c.as_str()),
            );
            field(
                "tlp",
                Some(case.tlp.as_str()),
                update.tlp.map(|t| t.as_str()),
            );
            field(
                "registrar",
                case.registrar.as_deref(),
                update.registrar.as_deref(),
            );
            field(
                "registry",
                case.registry.as_deref(),
                update.registry.as_deref(),
            );
            field(
                "mitigated_by",
                case.mitigated_by.as_deref(),
                update.mitigated_by.as_deref(),
            );
            if let Some(note) = update.note.as_deref().filter(|n| !n.trim().is_empty()) {
                ev.push(("note", note.to_string()));
            }
            if !sets.is_empty() {
                sets.push(("updated_at", now.as_str().into()));
                let mut params: Vec<P> = vec![id.0.into()];
                let cols: Vec<String> = sets
                    .into_iter()
                    .map(|(c, p)| {
                        params.push(p);
                        format!("{c} = ${}", params.len())
                    })
                    .collect();
                db.exec(
                    &format!("UPDATE abuse_case SET {} WHERE id = $1", cols.join(", ")),
                    &params,
                )?;
            }
            for (kind, detail) in &ev {
                event(db, id.0, &now, &actor, kind, detail)?;
            }
            load_case(db, id.0)?.ok_or_else(|| StoreError::Refused(format!("no case {id}")))
        })
    }

    /// Every report, as the statistics read them (with the case's brand when the report has
    /// none, and the case's registrar).
    pub fn report_facts(&self) -> Result<Vec<ReportFact>> {
        self.read(|db| {
            db.rows(
                "SELECT r.reported_at, r.url, r.host, r.registered, COALESCE(r.brand, c.brand),
                        c.registrar, c.service, c.domain_created, c.first_reported_at
                 FROM case_report r JOIN abuse_case c ON c.id = r.case_id
                 ORDER BY r.reported_at, r.id",
                &[],
            )?
            .iter()
            .map(|r| {
                Ok(ReportFact {
                    reported_at: ts_from_sql(&r.text(0)?)?,
                    url: r.opt_text(1)?,
                    host: r.text(2)?,
                    registered: r.text(3)?,
                    brand: r.opt_text(4)?,
                    registrar: r.opt_text(5)?,
                    origin: Origin::of(
                        r.opt_text(6)?.is_some(),
                        opt_ts(r, 7)?,
                        ts_from_sql(&r.text(8)?)?,
                    ),
                })
            })
            .collect()
        })
    }

    /// Every case, as the mitigation statistics read them.
    pub fn case_facts(&self) -> Result<Vec<CaseFact>> {
        self.read(|db| {
            db.rows(
                "SELECT c.domain, c.registrar, c.registry, c.state, c.resolution,
                        c.first_reported_at, c.mitigated_at, c.mitigated_by,
                        (SELECT min(n.sent_at) FROM notification n WHERE n.case_id = c.id)
                 FROM abuse_case c ORDER BY c.id",
                &[],
            )?
            .iter()
            .map(|r| {
                let state = r.text(3)?;
                Ok(CaseFact {
                    domain: r.text(0)?,
                    registrar: r.opt_text(1)?,
                    registry: r.opt_text(2)?,
                    state: CaseState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
                    resolution: r.opt_text(4)?.as_deref().and_then(Resolution::parse),
                    first_reported_at: ts_from_sql(&r.text(5)?)?,
                    notified_at: opt_ts(r, 8)?,
                    mitigated_at: opt_ts(r, 6)?,
                    mitigated_by: r.opt_text(7)?,
                })
            })
            .collect()
        })
    }
}
