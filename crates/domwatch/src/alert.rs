//! Alert sinks for `domwatch watch`: stdout, JSON lines, a webhook (POST JSON) and e-mail over
//! SMTP. The store remembers which finding went to which sink, so each finding is alerted once
//! per sink; a sink that fails is retried on the next run.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::str::FromStr;

use anyhow::Context;
use domains::findings::Severity;
use store::StoredFinding;

use crate::output::sanitize;

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
                 smtp=ADDRESS or case"
            )),
        }
    }
}

pub use service::mail::{SmtpRelay, send_message};

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
) -> (Vec<i64>, Option<anyhow::Error>) {
    let mut done = Vec::new();
    if findings.is_empty() {
        return (done, None);
    }
    let err = match spec {
        AlertSpec::Stdout => {
            let mut r = Ok(());
            for f in findings {
                if let Err(e) = writeln!(out, "{}", alert_line(f)) {
                    r = Err(e.into());
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
                    Err(e) => {
                        return (
                            done,
                            Some(anyhow::Error::new(e).context(format!("open {}", p.display()))),
                        );
                    }
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
                    r = Err(e.into());
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
        AlertSpec::Case => Some(anyhow::anyhow!("the case sink needs the store")),
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

async fn post(http: &reqwest::Client, url: &str, body: &serde_json::Value) -> anyhow::Result<()> {
    let resp = http
        .post(url)
        .json(body)
        .send()
        .await
        .with_context(|| format!("webhook {url}"))?;
    let status = resp.status();
    if !status.is_success() {
        anyhow::bail!("webhook {url} answered {status}");
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
) -> anyhow::Result<()> {
    use lettre::Message;
    use lettre::message::header::ContentType;

    let relay = settings
        .relay
        .clone()
        .context("no SMTP relay: give --smtp RELAY or a --config with `smtp`")?;
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
        .from(settings.from.parse().context("sender address")?)
        .to(to.parse().context("recipient address")?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail_body(findings))
        .context("build the alert e-mail")?;
    send_message(&relay, msg)
        .await
        .with_context(|| format!("send alert mail via {relay}"))
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
