//! The watch pass: every watched name observed, stored with its diff against the previous
//! snapshot, findings raised. Each observation is stored in its own transaction as soon as it
//! arrives; an interrupted pass stays unfinished and can be resumed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use domains::DomainName;
use domains::change::{Change, change_findings, diff};
use domains::findings::{RulePolicy, Severity, inspect_findings};
use domains::snapshot::Snapshot;
use jiff::Timestamp;
use serde::Serialize;
use store::{RunId, Store, StoredFinding, WatchedDomain};

use crate::ServiceError;

/// What observes a domain: the prober on the network, a fake in tests.
pub trait Observer: Send + Sync + 'static {
    /// "Now" for the observer (the lab clock in the lab).
    fn now(&self) -> impl Future<Output = Timestamp> + Send;
    /// A snapshot of a registrable domain; never fails as a whole (problems are in `issues`).
    fn observe(&self, domain: &DomainName) -> impl Future<Output = Snapshot> + Send;
}

impl Observer for probe::Prober {
    async fn now(&self) -> Timestamp {
        probe::Prober::now(self).await
    }
    async fn observe(&self, domain: &DomainName) -> Snapshot {
        self.snapshot(domain).await
    }
}

/// Options of one pass.
#[derive(Debug, Clone)]
pub struct PassOptions {
    pub concurrency: usize,
    pub expiry_warning_days: u32,
    pub resume: bool,
}

/// What one pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PassSummary {
    pub run_id: i64,
    pub started_at: Option<Timestamp>,
    /// Names in the inventory.
    pub names: usize,
    /// Snapshots stored in this pass.
    pub observed: usize,
    /// Names already stored by the resumed pass.
    pub skipped: usize,
    /// Snapshots with probe issues (partial).
    pub incomplete: usize,
    pub changes: usize,
    /// Findings seen for the first time, per severity.
    pub new_findings: BTreeMap<String, usize>,
    /// The worst new finding.
    pub worst_new: Option<Severity>,
    /// The pass was stopped by a signal before every name was observed, or some snapshots were
    /// not stored (see `clock_mismatch`): the run stays unfinished, `--resume` completes it.
    pub interrupted: bool,
    /// Snapshots not stored because their time disagreed with the pass's clock (e.g. the lab
    /// clock could not be read and the prober fell back to the system clock): storing them
    /// would put a wrong time in the history.
    pub clock_mismatch: usize,
    /// Probe issues of the stored snapshots, per source (`rdap`, `whois`, `dns`...): which
    /// servers fail (the console's `/metrics`).
    pub issues_by_source: BTreeMap<String, usize>,
}

/// One pass over the inventory. Each observation is stored in its own transaction as soon as
/// it arrives, so an interruption loses nothing already observed. When `stop` turns true, no
/// new name is started, the ones in flight are stored, and the run stays unfinished.
///
/// `progress` is told `(done, total)` after each observation (total: the names this pass asks).
pub async fn run_pass<O: Observer>(
    store: &mut Store,
    observer: Arc<O>,
    opts: &PassOptions,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
    stop: Option<tokio::sync::watch::Receiver<bool>>,
) -> Result<PassSummary, ServiceError> {
    let watched = store.watched()?;
    if watched.is_empty() {
        return Err(ServiceError::Refused(
            "nothing is watched: add names with `domwatch watch add NAME...`".into(),
        ));
    }
    let now = observer.now().await;
    let started = std::time::Instant::now();
    let resumed = if opts.resume {
        store.resume_run()?
    } else {
        None
    };
    let (run, done) = match resumed {
        Some(r) => (r.id, store.run_domains_done(r.id)?),
        None => (store.begin_run(now, watched.len())?, Default::default()),
    };
    let mut summary = PassSummary {
        run_id: run.0,
        started_at: Some(now),
        names: watched.len(),
        ..PassSummary::default()
    };
    let todo: Vec<WatchedDomain> = watched
        .into_iter()
        .filter(|w| !done.contains(w.name.as_str()))
        .collect();
    summary.skipped = summary.names - todo.len();
    let total = todo.len() as u64;
    let mut done_now = 0u64;
    progress(0, total);

    let mut set = tokio::task::JoinSet::new();
    let mut pending = todo.into_iter();
    let limit = opts.concurrency.max(1);
    let stopped = |stop: &Option<tokio::sync::watch::Receiver<bool>>| {
        stop.as_ref().is_some_and(|s| *s.borrow())
    };
    loop {
        while set.len() < limit && !stopped(&stop) {
            let Some(w) = pending.next() else {
                break;
            };
            let o = observer.clone();
            set.spawn(async move {
                let snap = o.observe(&w.name).await;
                (w, snap)
            });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        let (w, snap) = match joined {
            Ok(x) => x,
            Err(e) => {
                tracing::error!("an observation task failed: {e}");
                continue;
            }
        };
        done_now += 1;
        progress(done_now, total);
        if !clock_agrees(now, started.elapsed(), snap.taken_at) {
            tracing::warn!(
                "{}: snapshot time {} disagrees with the pass clock {now}; not stored",
                w.name,
                snap.taken_at
            );
            summary.clock_mismatch += 1;
            continue;
        }
        record(store, run, &w, &snap, opts, &mut summary)?;
    }
    if (stopped(&stop) && pending.next().is_some()) || summary.clock_mismatch > 0 {
        summary.interrupted = true;
    } else {
        store.finish_run(run, observer.now().await)?;
    }
    Ok(summary)
}

/// Whether a snapshot's time fits the pass: not before the pass started (an hour of slack) and
/// not later than the pass's elapsed time plus a day (a lab clock advanced during the pass).
pub fn clock_agrees(pass_start: Timestamp, elapsed: Duration, taken_at: Timestamp) -> bool {
    let lo = pass_start.as_second() - 3600;
    let hi = pass_start
        .as_second()
        .saturating_add(i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX / 2))
        .saturating_add(86_400);
    (lo..=hi).contains(&taken_at.as_second())
}

/// Stores one observation of a pass: the diff against the previous snapshot, the state and
/// change findings, and the counts in `summary`.
pub fn record(
    store: &mut Store,
    run: RunId,
    w: &WatchedDomain,
    snap: &Snapshot,
    opts: &PassOptions,
    summary: &mut PassSummary,
) -> Result<(), ServiceError> {
    let prev = store.latest_snapshot(&w.name)?;
    let changes: Vec<Change> = match &prev {
        Some(p) if p.snapshot.taken_at <= snap.taken_at => diff(&p.snapshot, snap),
        _ => Vec::new(),
    };
    let policy = RulePolicy {
        expiry_warning_days: opts.expiry_warning_days,
        high_value: w.high_value,
        ..RulePolicy::default()
    };
    let state = inspect_findings(snap, snap.taken_at, &policy);
    let cf = change_findings(&changes);
    let rec = store.record_observation(Some(run), snap, &changes, &state, &cf)?;
    if rec.snapshot_id.is_none() {
        summary.skipped += 1;
        return Ok(());
    }
    summary.observed += 1;
    if !snap.issues.is_empty() {
        summary.incomplete += 1;
    }
    for issue in &snap.issues {
        let source: String = issue.source.chars().take(32).collect();
        *summary.issues_by_source.entry(source).or_insert(0) += 1;
    }
    summary.changes += changes.len();
    if !rec.new_findings.is_empty() {
        let new: Vec<StoredFinding> = store
            .findings(Some(&w.name), false)?
            .into_iter()
            .filter(|f| rec.new_findings.contains(&f.id))
            .collect();
        for f in new {
            *summary
                .new_findings
                .entry(f.finding.severity.as_str().to_string())
                .or_default() += 1;
            summary.worst_new = summary.worst_new.max(Some(f.finding.severity));
        }
    }
    Ok(())
}
