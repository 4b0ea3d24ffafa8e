//! Distributed passes: `watch run --distribute` creates one, `watch worker` drains it (any
//! number of processes on any machines sharing the store), `watch status` shows progress.
//!
//! A worker claims a few names at a time under a lease (`--lease`), renewed after every stored
//! name; a killed worker's names go back to the others when its lease ends. Before each name
//! it reserves a request slot for the name's registry in the store (`--registry-interval-ms`),
//! so that all workers together keep one politeness budget per registry, on top of each
//! process's own per-server pacing. The worker that stores the last name finishes the pass
//! and sends the alerts (so each finding is alerted once, by one process).
//!
//! Exit codes: as `watch run` (1 when this worker stored a new high or critical finding);
//! 2 when a pass is already open (`--distribute`) or for usage errors.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use domains::DomainName;
use jiff::Timestamp;
use serde::Serialize;
use store::{PassProgress, RunId, Store, WatchedDomain};

use super::runtime;
use super::watch::{
    AlertScope, Interval, Observer, PassSummary, RunArgs, clock_agrees, exit_for, open_store,
    record, send_alerts, setup, stop_signal, write_summary,
};
use crate::Global;
use crate::output::{Format, Table, progress_bar, sanitize};

#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// This worker's name in `watch status` (default: HOST-PID).
    #[arg(long, value_name = "NAME")]
    pub id: Option<String>,
    /// How long claimed names stay this worker's without a sign of life: `30s`, `2m`.
    #[arg(long, default_value = "120s")]
    pub lease: Interval,
    /// Names claimed at a time.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub batch: u16,
    /// Minimum time between two names of one registry, across all workers, in milliseconds.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub registry_interval_ms: u64,
    /// After the pass, wait for the next one (until SIGINT/SIGTERM).
    #[arg(long)]
    pub follow: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `watch run --distribute`: the pass is created for workers; nothing is probed here.
pub fn distribute(store: &mut Store, args: &RunArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let watched = store.watched()?;
    if watched.is_empty() {
        return Err(super::usage(
            "nothing is watched: add names with `domwatch watch add NAME...`",
        ));
    }
    let rt = runtime()?;
    let pass = setup(args, global, &rt)?;
    let now = rt.block_on(pass.prober.now());
    let names: Vec<DomainName> = watched.into_iter().map(|w| w.name).collect();
    let run = store.begin_pass(now, &names).map_err(|e| match e {
        store::StoreError::Refused(m) => super::usage(m),
        e => e.into(),
    })?;
    if args.format == Format::Json {
        println!(
            "{}",
            serde_json::json!({ "run_id": run.0, "names": names.len(), "distributed": true })
        );
    } else {
        println!(
            "pass {} created for {} names: start `domwatch watch worker` processes to drain it",
            run.0,
            names.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn default_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// What one worker did in one pass.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkerSummary {
    pub worker: String,
    #[serde(flatten)]
    pub pass: PassSummary,
    /// This worker stored the pass's last name, finished it and sent the alerts.
    pub finished_pass: bool,
}

pub fn worker(args: WorkerArgs, global: &Global) -> anyhow::Result<ExitCode> {
    if args.run.resume {
        return Err(super::usage(
            "watch worker always continues the open pass: drop --resume",
        ));
    }
    let id = args.id.clone().unwrap_or_else(default_id);
    if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
        return Err(super::usage("--id: 1 to 128 printable characters"));
    }
    let mut store = open_store(global)?;
    let rt = runtime()?;
    let pass = setup(&args.run, global, &rt)?;
    rt.block_on(async {
        let mut stop = stop_signal();
        let mut code = ExitCode::SUCCESS;
        let mut passes = 0usize;
        loop {
            let Some(run) = store.open_pass()? else {
                if !args.follow {
                    if passes == 0 {
                        eprintln!(
                            "no distributed pass is open (start one: watch run --distribute)"
                        );
                    }
                    break;
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5)) => continue,
                    _ = stop.changed() => break,
                }
            };
            passes += 1;
            let bar = progress_bar(global, None, "watch worker");
            let ws = drain(&mut store, &pass, &args, &id, run, &bar, stop.clone()).await?;
            bar.finish_and_clear();
            let mut alerts = super::watch::AlertSummary::default();
            if ws.finished_pass {
                let mut out = std::io::stdout();
                alerts = send_alerts(
                    &mut store,
                    &pass.sinks,
                    &AlertScope::watch(args.run.alert_min_severity, args.run.audit),
                    &pass.mail,
                    &mut out,
                )
                .await?;
            }
            write_worker_summary(&ws, &alerts, args.run.format)?;
            let c = exit_for(&ws.pass, &alerts)?;
            if c != ExitCode::SUCCESS {
                code = c;
            }
            if !args.follow || *stop.borrow() {
                break;
            }
        }
        Ok(code)
    })
}

fn write_worker_summary(
    ws: &WorkerSummary,
    alerts: &super::watch::AlertSummary,
    format: Format,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if format == Format::Json {
        serde_json::to_writer(
            &mut out,
            &serde_json::json!({ "worker": ws.worker, "finished_pass": ws.finished_pass,
                                 "run": ws.pass, "alerts": alerts }),
        )?;
        writeln!(out)?;
        return Ok(());
    }
    write!(out, "worker {}: ", sanitize(&ws.worker))?;
    write_summary(&ws.pass, alerts, None, Format::Table, &mut out)?;
    if ws.finished_pass {
        writeln!(out, "pass {} finished by this worker", ws.pass.run_id)?;
    }
    Ok(())
}

/// The registry a name's requests go to, as the politeness key: its TLD.
fn registry_key(name: &DomainName) -> String {
    let tld = name.as_str().rsplit('.').next().unwrap_or("");
    format!("registry:{tld}")
}

async fn drain(
    store: &mut Store,
    pass: &super::watch::Pass,
    args: &WorkerArgs,
    id: &str,
    run: RunId,
    bar: &indicatif::ProgressBar,
    stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<WorkerSummary> {
    let lease = args.lease.0;
    let gap = Duration::from_millis(args.registry_interval_ms);
    let observer = pass.prober.clone();
    let now = Observer::now(&*observer).await;
    let started = std::time::Instant::now();
    let mut ws = WorkerSummary {
        worker: id.to_string(),
        pass: PassSummary {
            run_id: run.0,
            started_at: Some(now),
            ..PassSummary::default()
        },
        finished_pass: false,
    };
    if let Some(p) = store.pass_progress(run)? {
        ws.pass.names = p.run.names;
        bar.set_length(p.run.names as u64);
        bar.set_position(p.done as u64);
    }
    let limit = pass.opts.concurrency.max(1);
    loop {
        if *stop.borrow() {
            ws.pass.interrupted = true;
            break;
        }
        let claim = store.claim(run, id, Timestamp::now(), lease, usize::from(args.batch))?;
        if claim.domains.is_empty() {
            if store.finish_pass_if_done(run, Observer::now(&*observer).await)? {
                ws.finished_pass = true;
                break;
            }
            let p: Option<PassProgress> = store.pass_progress(run)?;
            match p {
                Some(p) if p.run.status == store::RunStatus::Running && p.claimed > 0 => {
                    // Others hold the rest; if one of them died, its lease ends and the names
                    // come back here.
                    let wait =
                        (lease / 4).clamp(Duration::from_millis(200), Duration::from_secs(5));
                    let mut stop = stop.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => continue,
                        _ = stop.changed() => { ws.pass.interrupted = true; break }
                    }
                }
                _ => break,
            }
        }
        let mut set = tokio::task::JoinSet::new();
        let mut queue = claim.domains.into_iter();
        loop {
            while set.len() < limit && !*stop.borrow() {
                let Some(name) = queue.next() else { break };
                let at = if gap.is_zero() {
                    Timestamp::now()
                } else {
                    store.reserve_slot(&registry_key(&name), Timestamp::now(), gap)?
                };
                let o = observer.clone();
                set.spawn(async move {
                    let wait = at.duration_since(Timestamp::now());
                    if wait.is_positive() {
                        let ms = u64::try_from(wait.as_millis()).unwrap_or(0);
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    let snap = Observer::observe(&*o, &name).await;
                    (name, snap)
                });
            }
            let Some(joined) = set.join_next().await else {
                break;
            };
            let (name, snap) = match joined {
                Ok(x) => x,
                Err(e) => {
                    tracing::error!("an observation task failed: {e}");
                    continue;
                }
            };
            bar.inc(1);
            if !clock_agrees(now, started.elapsed(), snap.taken_at) {
                tracing::warn!(
                    "{name}: snapshot time {} disagrees with the pass clock {now}; not stored",
                    snap.taken_at
                );
                ws.pass.clock_mismatch += 1;
                continue;
            }
            let w = store.watched_domain(&name)?.unwrap_or(WatchedDomain {
                name: name.clone(),
                owner: None,
                tags: Vec::new(),
                high_value: false,
                added_at: now,
            });
            record(store, run, &w, &snap, &pass.opts, &mut ws.pass)?;
            store.complete_item(run, &name, id, Timestamp::now())?;
            store.renew_lease(run, id, Timestamp::now(), lease)?;
        }
        if queue.len() > 0 {
            // Stopped: the unstarted names go back when the lease ends.
            ws.pass.interrupted = true;
            break;
        }
    }
    Ok(ws)
}

pub fn status(args: StatusArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = open_store(global)?;
    let Some(run) = store.latest_pass()? else {
        if args.format == Format::Json {
            println!("null");
        } else {
            println!("no distributed pass yet (start one: watch run --distribute)");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(p) = store.pass_progress(run)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if args.format == Format::Json {
        println!("{}", serde_json::to_string(&p)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "pass {} ({}), started {}: {} of {} names done, {} claimed, {} pending{}",
        p.run.id.0,
        p.run.status.as_str(),
        p.run.started_at,
        p.done,
        p.run.names,
        p.claimed,
        p.pending,
        if p.taken_over > 0 {
            format!(
                ", {} taken over from workers whose lease expired",
                p.taken_over
            )
        } else {
            String::new()
        }
    );
    let mut t = Table::new(["worker", "done", "claimed", "last seen", "started"]);
    let mut by: BTreeMap<&str, &store::WorkerProgress> = BTreeMap::new();
    for w in &p.workers {
        by.insert(&w.id, w);
    }
    for w in by.values() {
        t.row(vec![
            sanitize(&w.id),
            w.done.to_string(),
            w.claimed.to_string(),
            w.last_seen.to_string(),
            w.started_at.to_string(),
        ]);
    }
    let mut out = std::io::stdout().lock();
    t.write(&mut out)?;
    Ok(ExitCode::SUCCESS)
}
