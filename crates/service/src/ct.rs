//! `ct follow`: Certificate Transparency logs followed directly.
//!
//! One fetching task per log (its own pacing and backoff, [`probe::ct`]) reads `get-entries`
//! batches from where the store says it stopped and decodes them; the caller's task matches
//! every name against the lookalike matcher and the watched domains, and stores each batch in
//! one transaction with the log's new position (a restart continues exactly there, nothing is
//! read twice, nothing skipped). A log never read before starts at its tree head (or at
//! `start`).
//!
//! - A lookalike name is a hit, kept in a stored scan (as `scan --save` does) and raised as a
//!   `lookalike-certificate` finding of the lookalike's registrable domain (one per domain and
//!   brand); with `open_cases` a case report too (as `scan --open-cases` does).
//! - A name at or below a watched domain is recorded (`ct_certificate`); a certificate from an
//!   issuer the domain never had (high), or for a name it never had (medium), raises
//!   `unexpected-certificate`; the first certificate of a domain is recorded with a low one.
//!   One that the domain's CAA (from its last watch snapshot) does not allow raises
//!   `caa-violation`.
//! - New findings then go to the alert sinks ([`crate::alerts::send_alerts`]).
//!
//! A log that fails (garbage, a shrinking tree, an error after the retries) stops with its
//! error in the summary; the other logs go on. An entry that does not decode is counted, with
//! the first such index and error: never skipped unnoticed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::time::Duration;

use domains::DomainName;
use domains::ct::{CaaVerdict, CtCert, caa_check};
use domains::findings::{Finding, Severity};
use domains::lookalike::{Hit, Matcher, Scratch};
use jiff::Timestamp;
use probe::ct::{Batch, CtClientConfig, Log};
use serde::Serialize;
use store::{CtNovelty, CtSighting, Store};
use tokio::sync::mpsc;

use crate::ServiceError;
use crate::alerts::{AlertScope, AlertSpec, AlertSummary, MailSettings, send_alerts};

/// What to follow and how.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    /// RFC 6962 base URLs.
    pub logs: Vec<String>,
    pub client: CtClientConfig,
    /// Follow to the tree heads seen at the start, then stop (tests, cron).
    pub once: bool,
    /// For a log never read before: the first index (default: its tree head, i.e. only what
    /// is logged from now on).
    pub start: Option<u64>,
    /// How long to wait at the tree head before asking again.
    pub poll: Duration,
    /// Open a case report for each lookalike found.
    pub open_cases: bool,
}

/// The watched domains whose certificates are recorded.
#[derive(Debug, Clone, Default)]
pub struct OwnNames {
    domains: HashSet<String>,
}

impl OwnNames {
    pub fn new<'a>(domains: impl IntoIterator<Item = &'a DomainName>) -> OwnNames {
        OwnNames {
            domains: domains
                .into_iter()
                .map(|d| d.as_str().to_ascii_lowercase())
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.domains.len()
    }

    pub fn is_empty(&self) -> bool {
        self.domains.is_empty()
    }

    /// The watched domain `name` is at or below.
    pub fn domain_of<'a>(&'a self, name: &str) -> Option<&'a str> {
        let mut cand = name;
        loop {
            if let Some(d) = self.domains.get(cand) {
                return Some(d.as_str());
            }
            cand = &cand[cand.find('.')? + 1..];
        }
    }
}

/// One log's state, for progress and the summary.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LogProgress {
    pub url: String,
    /// The first entry not read yet.
    pub next_index: u64,
    /// The tree size of the last tree head.
    pub tree_size: u64,
    /// Entries behind the tree head.
    pub lag: u64,
    /// Entries read in this run.
    pub entries: u64,
    /// Entries that did not decode (counted, never silently skipped).
    pub bad_entries: u64,
    /// The first of them: index and error.
    pub first_bad: Option<(u64, String)>,
    /// Why this log stopped, if it failed.
    pub error: Option<String>,
    /// Whether it is at its tree head (with `once`: done).
    pub done: bool,
}

/// What a follow did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FollowSummary {
    pub logs: Vec<LogProgress>,
    pub entries: u64,
    pub names: u64,
    pub hits: u64,
    /// The stored scan holding the hits.
    pub scan_id: Option<i64>,
    /// Certificates (name and certificate) recorded for watched domains.
    pub own_certificates: u64,
    /// New findings (unexpected-certificate, caa-violation, lookalike-certificate).
    pub new_findings: u64,
    pub cases_opened: u64,
    pub alerts: AlertSummary,
    /// Whether it stopped on a signal.
    pub interrupted: bool,
}

impl FollowSummary {
    /// Whether a log failed.
    pub fn failed(&self) -> bool {
        self.logs.iter().any(|l| l.error.is_some())
    }
}

/// Where follow's new findings go.
pub struct AlertTo<'a> {
    pub sinks: &'a [AlertSpec],
    /// The threshold of the CT findings (only those: a watch pass alerts its own).
    pub min: Severity,
    pub mail: &'a MailSettings,
}

enum Event {
    Head {
        log: usize,
        next: u64,
        tree_size: u64,
    },
    Batch {
        log: usize,
        tree_size: u64,
        batch: Batch,
    },
    Failed {
        log: usize,
        error: String,
    },
    Done {
        log: usize,
    },
}

/// The fetching side of one log.
async fn fetch(
    log: usize,
    client: Log,
    mut next: Option<u64>,
    mut known: Option<u64>,
    opts: FollowOptions,
    tx: mpsc::Sender<Event>,
) {
    let fail = |error: String| Event::Failed { log, error };
    loop {
        let tree_size = match client.tree_size(known).await {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(fail(e.to_string())).await;
                return;
            }
        };
        known = Some(tree_size);
        let mut at = next.unwrap_or(opts.start.unwrap_or(tree_size));
        if at > tree_size {
            let _ = tx
                .send(fail(format!(
                    "the store is at entry {at} but the tree has {tree_size} entries"
                )))
                .await;
            return;
        }
        if tx
            .send(Event::Head {
                log,
                next: at,
                tree_size,
            })
            .await
            .is_err()
        {
            return;
        }
        while at < tree_size {
            match client.batch(at, tree_size).await {
                Ok(b) if b.entries.is_empty() => {
                    let _ = tx
                        .send(fail(format!(
                            "no entry from {at} though the tree has {tree_size}"
                        )))
                        .await;
                    return;
                }
                Ok(b) => {
                    at += b.entries.len() as u64;
                    let ev = Event::Batch {
                        log,
                        tree_size,
                        batch: b,
                    };
                    if tx.send(ev).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(fail(e.to_string())).await;
                    return;
                }
            }
        }
        next = Some(at);
        if opts.once {
            let _ = tx.send(Event::Done { log }).await;
            return;
        }
        tokio::time::sleep(opts.poll).await;
    }
}

/// Follows the logs; `progress` is called after every batch; stops at the tree heads with
/// `once`, else when `stop` turns true. Alerts go to `alert.sinks` (stdout sinks write to `out`).
#[allow(clippy::too_many_arguments)]
pub async fn follow(
    store: &mut Store,
    opts: &FollowOptions,
    matcher: &Matcher<'_>,
    brands: usize,
    own: &OwnNames,
    alert: &AlertTo<'_>,
    out: &mut (dyn Write + Send),
    progress: &(dyn Fn(&[LogProgress]) + Send + Sync),
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<FollowSummary, ServiceError> {
    let mut logs: Vec<String> = Vec::new();
    for l in &opts.logs {
        let l = if l.ends_with('/') {
            l.clone()
        } else {
            format!("{l}/")
        };
        if !logs.contains(&l) {
            logs.push(l);
        }
    }
    if logs.is_empty() {
        return Err(ServiceError::Refused(
            "no CT log: give --log URL or --log-list FILE".into(),
        ));
    }
    let mut clients = Vec::new();
    for l in &logs {
        clients.push(
            Log::open(l, opts.client.clone()).map_err(|e| ServiceError::Refused(e.to_string()))?,
        );
    }
    let caa = caa_records(store, own)?;
    let mut summary = FollowSummary {
        logs: logs
            .iter()
            .map(|u| LogProgress {
                url: u.clone(),
                ..LogProgress::default()
            })
            .collect(),
        ..FollowSummary::default()
    };
    let started = Timestamp::now();
    let scan_id = store.begin_scan(&format!("ct: {}", logs.join(", ")), None, brands, started)?;
    summary.scan_id = Some(scan_id);

    let (tx, mut rx) = mpsc::channel::<Event>(8);
    let mut tasks = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let pos = store.ct_log_position(&logs[i])?;
        tasks.push(tokio::spawn(fetch(
            i,
            c,
            pos.as_ref().map(|p| p.next_index),
            pos.as_ref().map(|p| p.tree_size),
            opts.clone(),
            tx.clone(),
        )));
    }
    drop(tx);
    let mut scratch = Scratch::new();
    let mut result = Ok(());
    let mut alerted_at = 0u64;
    let mut headed = vec![false; logs.len()];
    loop {
        // A stop channel whose sender is gone never stops the follow.
        let stopped = async {
            if stop.wait_for(|v| *v).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let ev = tokio::select! {
            ev = rx.recv() => ev,
            () = stopped => {
                summary.interrupted = true;
                None
            }
        };
        let Some(ev) = ev else { break };
        match ev {
            Event::Head {
                log,
                next,
                tree_size,
            } => {
                let p = &mut summary.logs[log];
                // Later heads come while batches before them wait in the channel: only the
                // first one sets where reading starts; later ones move the tree size.
                if !headed[log] {
                    headed[log] = true;
                    p.next_index = next;
                }
                p.tree_size = tree_size;
                p.lag = tree_size.saturating_sub(p.next_index);
                p.done = p.lag == 0;
                let at = p.next_index;
                if let Err(e) =
                    store.set_ct_log_position(&logs[log], at, tree_size, Timestamp::now())
                {
                    result = Err(e.into());
                    break;
                }
            }
            Event::Batch {
                log,
                tree_size,
                batch,
            } => {
                if let Err(e) = process(
                    store,
                    &logs[log],
                    log,
                    tree_size,
                    batch,
                    matcher,
                    own,
                    &caa,
                    scan_id,
                    opts.open_cases,
                    &mut scratch,
                    &mut summary,
                ) {
                    result = Err(e);
                    break;
                }
                // Following for good: alert as findings come (a run with `once` alerts at
                // the end).
                if !opts.once && summary.new_findings > alerted_at {
                    alerted_at = summary.new_findings;
                    match send_alerts(
                        store,
                        alert.sinks,
                        &AlertScope::ct(alert.min),
                        alert.mail,
                        out,
                    )
                    .await
                    {
                        Ok(a) => summary.alerts = merge(std::mem::take(&mut summary.alerts), a),
                        Err(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
            }
            Event::Failed { log, error } => {
                tracing::warn!(log = %logs[log], %error, "CT log failed");
                summary.logs[log].error = Some(error);
            }
            Event::Done { log } => summary.logs[log].done = true,
        }
        progress(&summary.logs);
    }
    drop(rx);
    for t in tasks {
        t.abort();
    }
    let error = match (&result, summary.failed()) {
        (Err(e), _) => Some(e.to_string()),
        (Ok(()), true) => Some("a log failed".to_string()),
        _ => None,
    };
    store.finish_scan(
        scan_id,
        usize::try_from(summary.names).unwrap_or(usize::MAX),
        error.as_deref(),
        Timestamp::now(),
    )?;
    result?;
    summary.alerts = merge(
        std::mem::take(&mut summary.alerts),
        send_alerts(
            store,
            alert.sinks,
            &AlertScope::ct(alert.min),
            alert.mail,
            out,
        )
        .await?,
    );
    Ok(summary)
}

fn merge(mut a: AlertSummary, b: AlertSummary) -> AlertSummary {
    for (k, v) in b.sent {
        *a.sent.entry(k).or_default() += v;
    }
    a.failed.extend(b.failed);
    a
}

/// The CAA records of each own domain, from its last stored snapshot.
fn caa_records(
    store: &Store,
    own: &OwnNames,
) -> Result<HashMap<String, Vec<String>>, ServiceError> {
    let mut out = HashMap::new();
    for d in &own.domains {
        let Ok(name) = DomainName::parse(d) else {
            continue;
        };
        let Some(s) = store.latest_snapshot(&name)? else {
            continue;
        };
        let caa: Vec<String> = s
            .snapshot
            .dns
            .iter()
            .flat_map(|dns| dns.records.iter())
            .filter(|r| r.rtype.eq_ignore_ascii_case("CAA"))
            .flat_map(|r| r.values.iter().cloned())
            .collect();
        out.insert(d.clone(), caa);
    }
    Ok(out)
}

/// Matches and stores one batch.
#[allow(clippy::too_many_arguments)]
fn process(
    store: &mut Store,
    url: &str,
    log: usize,
    tree_size: u64,
    batch: Batch,
    matcher: &Matcher<'_>,
    own: &OwnNames,
    caa: &HashMap<String, Vec<String>>,
    scan_id: i64,
    open_cases: bool,
    scratch: &mut Scratch,
    summary: &mut FollowSummary,
) -> Result<(), ServiceError> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut sightings = Vec::new();
    let n = batch.entries.len() as u64;
    let mut bad = 0u64;
    for (i, e) in batch.entries.into_iter().enumerate() {
        let index = batch.start + i as u64;
        let cert = match e {
            Ok(c) => c,
            Err(err) => {
                bad += 1;
                let p = &mut summary.logs[log];
                if p.first_bad.is_none() {
                    p.first_bad = Some((index, err.to_string()));
                }
                continue;
            }
        };
        for name in &cert.names {
            summary.names += 1;
            if let Some(h) = matcher.check(name, scratch)
                && !hits
                    .iter()
                    .any(|x: &Hit| x.name == h.name && x.brand == h.brand)
            {
                hits.push(h);
            }
            if let Some(d) = own.domain_of(name) {
                sightings.push(CtSighting {
                    domain: d.to_string(),
                    name: name.clone(),
                    log_url: url.to_string(),
                    index,
                    cert: cert.clone(),
                });
            }
        }
    }
    if !hits.is_empty() {
        store.add_scan_hits(scan_id, &hits)?;
    }
    let extra: Vec<Finding> = hits.iter().filter_map(lookalike_finding).collect();
    let decide = |s: &CtSighting, n: CtNovelty| own_findings(s, n, caa.get(&s.domain));
    let next = batch.start + n;
    let (novelties, ids) = store.record_ct_batch(
        &sightings,
        &decide,
        extra,
        Some((url, next, tree_size)),
        Timestamp::now(),
    )?;
    if open_cases && !hits.is_empty() {
        summary.cases_opened += open_hit_cases(store, &hits)?;
    }
    summary.entries += n;
    summary.hits += hits.len() as u64;
    summary.own_certificates += novelties.iter().filter(|v| v.stored).count() as u64;
    summary.new_findings += ids.len() as u64;
    let p = &mut summary.logs[log];
    p.entries += n;
    p.bad_entries += bad;
    p.next_index = next;
    p.tree_size = tree_size;
    p.lag = tree_size.saturating_sub(next);
    p.done = p.lag == 0;
    Ok(())
}

fn names_text(c: &CtCert) -> String {
    let mut s = c
        .names
        .iter()
        .take(20)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if c.names.len() > 20 {
        s.push_str(&format!(" (and {} more)", c.names.len() - 20));
    }
    s
}

fn where_text(s: &CtSighting) -> String {
    format!(
        "issuer {}; names {}; serial {}; {} entry {} of {}, logged {}",
        s.cert.issuer,
        names_text(&s.cert),
        s.cert.serial,
        s.cert.kind.as_str(),
        s.index,
        s.log_url,
        s.cert.logged_at
    )
}

/// The findings a sighting of an own name raises.
fn own_findings(s: &CtSighting, n: CtNovelty, caa: Option<&Vec<String>>) -> Vec<Finding> {
    let Ok(domain) = DomainName::parse(&s.domain) else {
        return Vec::new();
    };
    // The same issuance as a precertificate and a certificate is one finding.
    let subject = format!("{}|{}", s.cert.issuer, s.cert.serial);
    let mut out = Vec::new();
    if n.new_issuer || n.new_name {
        let (severity, what) = if n.first_for_domain {
            (Severity::Low, "the first certificate seen for this domain")
        } else if n.new_issuer {
            (
                Severity::High,
                "a certificate from an issuer this domain never had",
            )
        } else {
            (
                Severity::Medium,
                "a certificate for a name this domain never had",
            )
        };
        out.push(Finding {
            code: "unexpected-certificate".into(),
            severity,
            domain: domain.clone(),
            title: format!("{what}: {}", s.name),
            detail: where_text(s),
            remediation: "Check that your team asked for this certificate. If not, the zone or \
                          the web server may be compromised: revoke the certificate with its CA, \
                          check the DNS records and who can change them."
                .into(),
            subject: subject.clone(),
        });
    }
    if let Some(records) = caa
        && let CaaVerdict::Forbidden(allowed) =
            caa_check(records, s.cert.issuer_org.as_deref(), s.cert.wildcard)
    {
        out.push(Finding {
            code: "caa-violation".into(),
            severity: Severity::High,
            domain,
            title: format!(
                "certificate for {} from {}, which the domain's CAA does not allow",
                s.name,
                s.cert.issuer_org.as_deref().unwrap_or("an unknown CA")
            ),
            detail: format!(
                "CAA allows {}; {}",
                if allowed.is_empty() {
                    "no CA".to_string()
                } else {
                    allowed.join(", ")
                },
                where_text(s)
            ),
            remediation: "Report the certificate to the issuing CA (it should not have been \
                          issued) and ask for its revocation; check how it was validated."
                .into(),
            subject,
        });
    }
    out
}

/// The finding of a lookalike certificate (one per registrable domain and brand).
fn lookalike_finding(h: &Hit) -> Option<Finding> {
    let domain = DomainName::parse(&h.registrable).ok()?;
    Some(Finding {
        code: "lookalike-certificate".into(),
        severity: if h.score >= 80 {
            Severity::High
        } else {
            Severity::Medium
        },
        domain,
        title: format!("TLS certificate for a lookalike of {}: {}", h.brand, h.name),
        detail: format!(
            "score {}, {}: {}",
            h.score,
            h.techniques.join(", "),
            h.explanation
        ),
        remediation: "Check the site; if it imitates the brand, open a case and notify the \
                      registrar and the host."
            .into(),
        subject: h.brand.clone(),
    })
}

/// One case report per lookalike (source `ct`), keyed by its registrable domain and brand so
/// that seeing it again adds nothing.
fn open_hit_cases(store: &mut Store, hits: &[Hit]) -> Result<u64, ServiceError> {
    let now = Timestamp::now();
    let reports = crate::scans::hit_reports(
        hits,
        domains::SuffixList::embedded(),
        "ct",
        "domwatch ct follow",
        "TLS certificate for a lookalike",
        now,
    );
    let o = store.add_reports(&reports, "domwatch ct follow", now, |_| {})?;
    Ok((o.cases_opened + o.cases_reopened) as u64)
}

/// A log list: one URL a line (`#` comments; `static:PREFIX` for a static-CT log), or a
/// `log_list.json` (v3: every `operators[].logs[].url` and, as `static:`, every
/// `operators[].tiled_logs[].monitoring_url`; usable ones only unless `all`).
pub fn parse_log_list(text: &str, all: bool) -> Result<Vec<String>, String> {
    let t = text.trim_start();
    if t.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(t).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for op in v["operators"].as_array().into_iter().flatten() {
            for l in op["logs"].as_array().into_iter().flatten() {
                let usable =
                    l["state"].get("usable").is_some() || l["state"].get("qualified").is_some();
                if let Some(u) = l["url"].as_str()
                    && (all || usable)
                {
                    out.push(u.to_string());
                }
            }
            // Static-CT logs are read from their monitoring prefix.
            for l in op["tiled_logs"].as_array().into_iter().flatten() {
                let usable =
                    l["state"].get("usable").is_some() || l["state"].get("qualified").is_some();
                if let Some(u) = l["monitoring_url"].as_str()
                    && (all || usable)
                {
                    out.push(format!("{}{u}", probe::ct::STATIC_PREFIX));
                }
            }
        }
        return Ok(out);
    }
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// The lag of each log, for a progress line.
pub fn lag_text(logs: &[LogProgress]) -> String {
    let by: BTreeMap<&str, u64> = logs.iter().map(|l| (l.url.as_str(), l.lag)).collect();
    by.iter()
        .map(|(u, lag)| format!("{u} {lag} behind"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use domains::lookalike::{Allowlist, BrandIndex, IndexOptions, Popularity};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A log on 127.0.0.1 whose tree head always says `size` entries.
    async fn log_of_size(size: u64) -> String {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 2048];
                    let _ = sock.read(&mut buf).await;
                    let body = format!(
                        r#"{{"tree_size":{size},"timestamp":1,"sha256_root_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","tree_head_signature":""}}"#
                    );
                    let r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(r.as_bytes()).await;
                });
            }
        });
        format!("http://127.0.0.1:{port}/log/")
    }

    #[tokio::test]
    async fn a_shrinking_tree_stops_that_log_and_keeps_its_position() {
        let mut store = Store::open_in_memory().unwrap();
        let shrunk = log_of_size(5).await;
        let fine = log_of_size(7).await;
        store
            .set_ct_log_position(&shrunk, 10, 10, Timestamp::now())
            .unwrap();
        store
            .set_ct_log_position(&fine, 7, 7, Timestamp::now())
            .unwrap();
        let psl = domains::SuffixList::embedded();
        let index = BrandIndex::build(&[], psl, &IndexOptions::default());
        let (allow, popular) = (Allowlist::new(), Popularity::none());
        let matcher = Matcher::new(&index, psl, &allow, &popular);
        let own = OwnNames::new([DomainName::parse("example.com").unwrap()].iter());
        let opts = FollowOptions {
            logs: vec![shrunk.clone(), fine.clone()],
            client: CtClientConfig {
                allow_private: true,
                min_interval: Duration::ZERO,
                retries: 0,
                ..CtClientConfig::default()
            },
            once: true,
            start: None,
            poll: Duration::from_secs(1),
            open_cases: false,
        };
        let mail = MailSettings {
            relay: None,
            from: "a@b.example".into(),
        };
        let (_tx, stop) = tokio::sync::watch::channel(false);
        let s = follow(
            &mut store,
            &opts,
            &matcher,
            0,
            &own,
            &AlertTo {
                sinks: &[],
                min: Severity::High,
                mail: &mail,
            },
            &mut std::io::sink(),
            &|_| {},
            stop,
        )
        .await
        .unwrap();
        assert!(s.failed());
        let e = s.logs[0].error.as_deref().unwrap();
        assert!(e.contains("shrank from 10 to 5"), "{e}");
        assert!(
            s.logs[1].error.is_none() && s.logs[1].done,
            "{:?}",
            s.logs[1]
        );
        let p = store.ct_log_position(&shrunk).unwrap().unwrap();
        assert_eq!((p.next_index, p.tree_size), (10, 10), "nothing moved");
    }

    #[test]
    fn own_names_and_log_lists() {
        let d = [DomainName::parse("example.co.jp").unwrap()];
        let own = OwnNames::new(d.iter());
        assert_eq!(own.domain_of("a.b.example.co.jp"), Some("example.co.jp"));
        assert_eq!(own.domain_of("example.co.jp"), Some("example.co.jp"));
        assert_eq!(own.domain_of("badexample.co.jp"), None);
        assert_eq!(own.domain_of("jp"), None);
        assert_eq!(
            parse_log_list(
                "# logs\nhttps://a.example/log/\n\nhttps://b.example/x # b\n",
                false
            )
            .unwrap(),
            ["https://a.example/log/", "https://b.example/x"]
        );
        let json = r#"{"operators":[{"name":"G","logs":[
            {"url":"https://ct.example/a/","state":{"usable":{"timestamp":"x"}}},
            {"url":"https://ct.example/b/","state":{"retired":{"timestamp":"x"}}}]}]}"#;
        assert_eq!(
            parse_log_list(json, false).unwrap(),
            ["https://ct.example/a/"]
        );
        assert_eq!(parse_log_list(json, true).unwrap().len(), 2);
        assert!(parse_log_list("{", false).is_err());
    }
}
