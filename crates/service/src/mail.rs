//! Sending mail: a plain SMTP relay (a local MTA, the lab) or STARTTLS with the certificate
//! checked, with a time limit.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// An SMTP relay (`--smtp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpRelay {
    /// Plain SMTP to a socket address: a local MTA or the lab's SMTP sink on loopback.
    Plain(SocketAddr),
    /// STARTTLS on the submission port (or the given one), the certificate checked against the
    /// host name: `starttls://HOST[:PORT]`.
    StartTls { host: String, port: Option<u16> },
}

impl FromStr for SmtpRelay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("starttls://") {
            let (host, port) = match rest.rsplit_once(':') {
                Some((h, p)) => (
                    h,
                    Some(
                        p.parse::<u16>()
                            .map_err(|_| format!("SMTP port in {s:?}"))?,
                    ),
                ),
                None => (rest, None),
            };
            let host =
                domains::DomainName::parse(host).map_err(|e| format!("SMTP relay {s:?}: {e}"))?;
            return Ok(SmtpRelay::StartTls {
                host: host.to_string(),
                port,
            });
        }
        s.parse::<SocketAddr>().map(SmtpRelay::Plain).map_err(|_| {
            format!("SMTP relay {s:?}: expected IP:PORT (plain) or starttls://HOST[:PORT]")
        })
    }
}

impl fmt::Display for SmtpRelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpRelay::Plain(a) => write!(f, "{a}"),
            SmtpRelay::StartTls { host, port: None } => write!(f, "starttls://{host}"),
            SmtpRelay::StartTls {
                host,
                port: Some(p),
            } => write!(f, "starttls://{host}:{p}"),
        }
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("SMTP relay {0}: {1}")]
    Relay(String, String),
    #[error("{0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Sends one message through `relay` (plain SMTP to a local MTA or the lab, or STARTTLS with
/// the certificate checked), with a time limit.
pub async fn send_message(relay: &SmtpRelay, msg: lettre::Message) -> Result<(), SendError> {
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let transport: AsyncSmtpTransport<Tokio1Executor> = match relay {
        SmtpRelay::Plain(addr) => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(addr.ip().to_string())
                .port(addr.port())
                .timeout(Some(Duration::from_secs(20)))
                .build()
        }
        SmtpRelay::StartTls { host, port } => {
            let mut b = AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| SendError::Relay(host.clone(), e.to_string()))?
                .timeout(Some(Duration::from_secs(20)));
            if let Some(p) = port {
                b = b.port(*p);
            }
            b.build()
        }
    };
    transport.send(msg).await?;
    Ok(())
}
