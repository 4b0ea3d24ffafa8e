//! Alert sinks of a watch pass and of `ct follow`: stdout (a writer the caller gives), JSON
//! lines, a webhook (POST JSON), e-mail over SMTP, coordination cases and NATS. The store
//! remembers which finding went to which sink, so each finding is alerted once per sink; a sink
//! that fails is retried on the next pass.
//!
//! Each command alerts the findings it raised, at its own threshold (an [`AlertScope`]): a
//! watch pass its own (and the audit's with `--audit`), `ct follow` the CT findings. Two
//! commands sharing a sink never deliver each other's findings.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use std::time::Duration;

use domains::findings::Severity;
use domains::text::sanitize;
use jiff::Timestamp;
use serde::Serialize;
pub use store::{AlertScope, RaisedBy};
use store::{Store, StoredFinding};

use crate::ServiceError;
use crate::mail::{SmtpRelay, send_message};

/// Where alerts go (`--alert SPEC`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertSpec {
    /// One line per finding on standard output.
    Stdout,
    /// One JSON object per finding, on standard output or appended to a file.
    JsonLines(Option<PathBuf>),
    /// One HTTP POST (JSON body) per finding.
    Webhook(String),
    /// One e-mail per run listing the new findings, to this address.
    Smtp(String),
    /// A coordination case per finding (`case list`), in the watch's store.
    Case,
    /// One JSON message per finding to a NATS JetStream subject (`nats://HOST:PORT/SUBJECT`).
    Nats(crate::nats::NatsTarget),
}

impl AlertSpec {
    /// The sink's identity in the store (alerts are recorded per sink).
    pub fn sink_key(&self) -> String {
        match self {
            AlertSpec::Stdout => "stdout".into(),
            AlertSpec::JsonLines(None) => "jsonl".into(),
            AlertSpec::JsonLines(Some(p)) => format!("jsonl:{}", p.display()),
            AlertSpec::Webhook(u) => format!("webhook:{u}"),
            AlertSpec::Smtp(a) => format!("smtp:{a}"),
            AlertSpec::Case => "case".into(),
            AlertSpec::Nats(t) => format!("nats:{t}"),
        }
    }
}

impl fmt::Display for AlertSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sink_key())
    }
}

impl FromStr for AlertSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(url) = s.trim().strip_prefix("nats=").or_else(|| {
            let t = s.trim();
            (t.starts_with("nats://") || t.starts_with("tls://")).then_some(t)
        }) {
            return Ok(AlertSpec::Nats(url.parse()?));
        }
        let (kind, value) = match s.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (s.trim(), None),
        };
        match (kind, value) {
            ("stdout", None) => Ok(AlertSpec::Stdout),
            ("jsonl", None) => Ok(AlertSpec::JsonLines(None)),
            ("case", None) => Ok(AlertSpec::Case),
            ("jsonl", Some(p)) if !p.is_empty() => Ok(AlertSpec::JsonLines(Some(p.into()))),
            ("webhook", Some(u)) => {
                let url = reqwest::Url::parse(u).map_err(|e| format!("webhook URL {u:?}: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!("webhook URL {u:?}: only http and https"));
                }
                Ok(AlertSpec::Webhook(url.to_string()))
            }
            ("smtp", Some(a)) => {
                a.parse::<lettre::message::Mailbox>()
                    .map_err(|e| format!("e-mail address {a:?}: {e}"))?;
                Ok(AlertSpec::Smtp(a.to_string()))
            }
            _ => Err(format!(
                "alert sink {s:?}: expected stdout, jsonl, jsonl=FILE, webhook=URL, \
                 smtp=ADDRESS, case or nats://HOST:PORT/SUBJECT"
            )),
        }
    }
}

/// How mail is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub relay: Option<SmtpRelay>,
    pub from: String,
}

/// The JSON shape of one alert (webhook body, JSON line).
pub fn alert_json(f: &StoredFinding) -> serde_json::Value {
    serde_json::json!({
        "type": "finding",
        "id": f.id,
        "origin": f.origin,
        "raised_by": f.raised_by,
        "domain": f.finding.domain,
        "code": f.finding.code,
        "severity": f.finding.severity,
        "title": f.finding.title,
        "detail": f.finding.detail,
        "remediation": f.finding.remediation,
        "first_seen": f.first_seen,
    })
}

/// One line for people.
pub fn alert_line(f: &StoredFinding) -> String {
    sanitize(&format!(
        "ALERT {:<8} {}  {}  {}: {}",
        f.finding.severity.as_str().to_uppercase(),
        f.finding.domain,
        f.finding.code,
        f.finding.title,
        f.finding.detail
    ))
}

/// Delivers findings to one sink. Returns the ids delivered (to be marked alerted); an error
/// means nothing more was delivered.
pub async fn deliver(
    spec: &AlertSpec,
    findings: &[StoredFinding],
    out: &mut (dyn Write + Send),
    mail: &MailSettings,
    http: &reqwest::Client,
) -> (Vec<i64>, Option<String>) {
    let mut done = Vec::new();
    if findings.is_empty() {
        return (done, None);
    }
    let err = match spec {
        AlertSpec::Stdout => {
            let mut r = Ok(());
            for f in findings {
                if let Err(e) = writeln!(out, "{}", alert_line(f)) {
                    r = Err(format!("stdout: {e}"));
                    break;
                }
                done.push(f.id);
            }
            r.err()
        }
        AlertSpec::JsonLines(path) => {
            let file = match path {
                Some(p) => match std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                {
                    Ok(f) => Some(f),
                    Err(e) => return (done, Some(format!("open {}: {e}", p.display()))),
                },
                None => None,
            };
            let mut file = file;
            let mut r = Ok(());
            for f in findings {
                let line = alert_json(f).to_string();
                let w = match file.as_mut() {
                    Some(file) => writeln!(file, "{line}"),
                    None => writeln!(out, "{line}"),
                };
                if let Err(e) = w {
                    r = Err(format!("write: {e}"));
                    break;
                }
                done.push(f.id);
            }
            r.err()
        }
        AlertSpec::Webhook(url) => {
            let mut r = None;
            for f in findings {
                match post(http, url, &alert_json(f)).await {
                    Ok(()) => done.push(f.id),
                    Err(e) => {
                        r = Some(e);
                        break;
                    }
                }
            }
            r
        }
        // Cases are written by the caller, which holds the store (`watch::send_alerts`).
        AlertSpec::Case => Some("the case sink needs the store".to_string()),
        AlertSpec::Nats(target) => match publish_nats(target, findings).await {
            Ok(()) => {
                done.extend(findings.iter().map(|f| f.id));
                None
            }
            Err(e) => Some(e.to_string()),
        },
        AlertSpec::Smtp(to) => match send_mail(mail, to, findings).await {
            Ok(()) => {
                done.extend(findings.iter().map(|f| f.id));
                None
            }
            Err(e) => Some(e),
        },
    };
    (done, err)
}

/// The `nats` sink: one JetStream message per finding (id `domwatch-finding-ID`, so a
/// redelivery is dropped by the stream's duplicate window), every acknowledgement awaited.
async fn publish_nats(
    target: &crate::nats::NatsTarget,
    findings: &[StoredFinding],
) -> Result<(), ServiceError> {
    let publisher = crate::nats::Publisher::connect(target).await?;
    let bodies: Vec<(String, serde_json::Value)> = findings
        .iter()
        .map(|f| (format!("domwatch-finding-{}", f.id), alert_json(f)))
        .collect();
    publisher.publish_all(&bodies).await?;
    Ok(())
}

async fn post(http: &reqwest::Client, url: &str, body: &serde_json::Value) -> Result<(), String> {
    let resp = http
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("webhook {url}: {e}"))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(format!("webhook {url} answered {status}"));
    }
    Ok(())
}

/// The mail body for a batch of findings (untrusted text is in the body only, never in a
/// header).
pub fn mail_body(findings: &[StoredFinding]) -> String {
    let mut body = String::from("domwatch found the following on your watched domains.\n\n");
    for f in findings {
        body.push_str(&format!(
            "[{}] {} - {}\n  {}\n  {}\n  Remediation: {}\n\n",
            f.finding.severity.as_str().to_uppercase(),
            sanitize(f.finding.domain.as_str()),
            sanitize(&f.finding.code),
            sanitize(&f.finding.title),
            sanitize(&f.finding.detail),
            sanitize(&f.finding.remediation),
        ));
    }
    body
}

async fn send_mail(
    settings: &MailSettings,
    to: &str,
    findings: &[StoredFinding],
) -> Result<(), String> {
    use lettre::Message;
    use lettre::message::header::ContentType;

    let relay = settings
        .relay
        .clone()
        .ok_or("no SMTP relay: give --smtp RELAY or a --config with `smtp`")?;
    let worst = findings
        .iter()
        .map(|f| f.finding.severity)
        .max()
        .unwrap_or(Severity::Info);
    // The subject holds only our own words and numbers.
    let subject = format!(
        "domwatch: {} new finding{} (worst: {})",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        worst
    );
    let msg = Message::builder()
        .from(
            settings
                .from
                .parse()
                .map_err(|e| format!("sender address: {e}"))?,
        )
        .to(to.parse().map_err(|e| format!("recipient address: {e}"))?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail_body(findings))
        .map_err(|e| format!("build the alert e-mail: {e}"))?;
    send_message(&relay, msg)
        .await
        .map_err(|e| format!("send alert mail via {relay}: {e}"))
}

/// What alerting did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AlertSummary {
    /// Alerts delivered, per sink.
    pub sent: BTreeMap<String, usize>,
    /// Sinks that failed, with the error.
    pub failed: BTreeMap<String, String>,
}

/// Delivers every open finding in `scope` (raised by the calling command, at or above its
/// threshold) that a sink has not had yet, and records each delivery (so nothing is alerted
/// twice to the same sink). The stdout sinks write to `out`.
pub async fn send_alerts(
    store: &mut Store,
    sinks: &[AlertSpec],
    scope: &AlertScope,
    mail: &MailSettings,
    out: &mut (dyn Write + Send),
) -> Result<AlertSummary, ServiceError> {
    let mut summary = AlertSummary::default();
    if sinks.is_empty() {
        return Ok(summary);
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| ServiceError::Internal(format!("build the webhook client: {e}")))?;
    for spec in sinks {
        let key = spec.sink_key();
        let pending = store.unalerted(&key, scope, Timestamp::now())?;
        let (done, err) = if *spec == AlertSpec::Case {
            open_finding_cases(store, &pending)
        } else {
            deliver(spec, &pending, out, mail, &http).await
        };
        let at = Timestamp::now();
        for id in &done {
            store.mark_alerted(*id, &key, at)?;
        }
        summary.sent.insert(key.clone(), done.len());
        if let Some(e) = err {
            summary.failed.insert(key, e);
        }
    }
    Ok(summary)
}

/// The `case` sink: one coordination case report per finding (source `watch`, keyed by the
/// finding, so a finding opens or joins its domain's case once).
fn open_finding_cases(store: &mut Store, findings: &[StoredFinding]) -> (Vec<i64>, Option<String>) {
    use domains::case::intake::{ServiceList, Target};
    let mut reports = Vec::new();
    let mut ids = Vec::new();
    for f in findings {
        ids.push(f.id);
        let Ok(target) = Target::parse(
            f.finding.domain.as_str(),
            domains::SuffixList::embedded(),
            ServiceList::embedded(),
        ) else {
            // Not a registrable domain (cannot happen for a watched name): nothing to open.
            continue;
        };
        reports.push(store::NewReport {
            source_key: format!("watch|{}", f.finding.fingerprint()),
            target,
            input: f.finding.domain.to_string(),
            reported_at: f.first_seen,
            reporter: Some("domwatch watch".into()),
            brand: None,
            description: Some(format!(
                "{} ({}): {}",
                f.finding.code, f.finding.severity, f.finding.title
            )),
            category: domains::case::Category::Other,
            tlp: domains::case::Tlp::Amber,
            source: "watch".into(),
        });
    }
    match store.add_reports(&reports, "domwatch watch", Timestamp::now(), |_| {}) {
        Ok(_) => (ids, None),
        Err(e) => (Vec::new(), Some(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!("stdout".parse::<AlertSpec>().unwrap(), AlertSpec::Stdout);
        assert_eq!(
            "jsonl".parse::<AlertSpec>().unwrap(),
            AlertSpec::JsonLines(None)
        );
        assert_eq!(
            "jsonl=/tmp/a.jsonl"
                .parse::<AlertSpec>()
                .unwrap()
                .sink_key(),
            "jsonl:/tmp/a.jsonl"
        );
        assert_eq!(
            "webhook=http://127.0.0.1:9/hook"
                .parse::<AlertSpec>()
                .unwrap()
                .sink_key(),
            "webhook:http://127.0.0.1:9/hook"
        );
        assert!("webhook=file:///etc/passwd".parse::<AlertSpec>().is_err());
        assert!("smtp=not an address".parse::<AlertSpec>().is_err());
        assert!("smtp=soc@example.com".parse::<AlertSpec>().is_ok());
        assert!("pager".parse::<AlertSpec>().is_err());
        assert_eq!(
            "nats://127.0.0.1:4222/domwatch.alerts"
                .parse::<AlertSpec>()
                .unwrap()
                .sink_key(),
            "nats:nats://127.0.0.1:4222/domwatch.alerts"
        );
        assert!("nats=nats://127.0.0.1:4222/x".parse::<AlertSpec>().is_ok());
        assert!("nats://127.0.0.1:4222/".parse::<AlertSpec>().is_err());
        assert_eq!(
            "127.0.0.1:2525".parse::<SmtpRelay>().unwrap(),
            SmtpRelay::Plain("127.0.0.1:2525".parse().unwrap())
        );
        let tls = "starttls://Mail.Example.com:587"
            .parse::<SmtpRelay>()
            .unwrap();
        assert_eq!(tls.to_string(), "starttls://mail.example.com:587");
        assert!("starttls://bad..host".parse::<SmtpRelay>().is_err());
        assert!("mail.example.com".parse::<SmtpRelay>().is_err());
    }
}
