//! Publishing JSON to NATS JetStream subjects (for IntelMQ, MISP or any pipeline that reads
//! them): the `nats://HOST:PORT/SUBJECT` alert sink and `scan`/`beacons --publish`.
//!
//! Every message is published to JetStream and its acknowledgement awaited, so a message the
//! server did not store is an error, not a silent loss. A stream must capture the subject
//! (`nats stream add`); without one the server answers "no responders" and the error says so.
//! Each message carries a `Nats-Msg-Id` (the caller's stable key), so JetStream's duplicate
//! window drops a message published twice (a retried pass, a rescan).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::ServiceError;

/// Messages awaiting their acknowledgement at once.
const IN_FLIGHT: usize = 256;

/// The largest message published (NATS servers default to 1 MiB).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// `nats://[USER:PASS@]HOST:PORT/SUBJECT` (or `tls://` for a TLS connection).
#[derive(Clone, PartialEq, Eq)]
pub struct NatsTarget {
    /// `nats://host:port` or `tls://host:port` (without credentials).
    pub server: String,
    pub subject: String,
    user: Option<(String, String)>,
}

impl fmt::Debug for NatsTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl fmt::Display for NatsTarget {
    /// Without the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.server, self.subject)
    }
}

/// Whether `s` is a subject one may publish to: tokens of printable ASCII without spaces or
/// wildcards, separated by single dots.
fn valid_subject(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.split('.').all(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_graphic() && b != b'*' && b != b'>')
        })
}

impl FromStr for NatsTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let url = reqwest::Url::parse(s.trim()).map_err(|e| format!("NATS URL {s:?}: {e}"))?;
        let scheme = url.scheme();
        if !matches!(scheme, "nats" | "tls") {
            return Err(format!(
                "NATS URL {s:?}: the scheme must be nats:// or tls://"
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("NATS URL {s:?}: no host"))?;
        let port = url.port().unwrap_or(4222);
        let subject = url.path().trim_start_matches('/');
        if !valid_subject(subject) {
            return Err(format!(
                "NATS URL {s:?}: the path must be the subject to publish to (e.g. \
                 nats://127.0.0.1:4222/domwatch.alerts; no wildcards)"
            ));
        }
        let user = (!url.username().is_empty()).then(|| {
            (
                url.username().to_string(),
                url.password().unwrap_or("").to_string(),
            )
        });
        Ok(NatsTarget {
            server: format!("{scheme}://{host}:{port}"),
            subject: subject.to_string(),
            user,
        })
    }
}

/// A connection to a JetStream server for one subject.
pub struct Publisher {
    js: async_nats::jetstream::Context,
    client: async_nats::Client,
    subject: String,
    target: String,
}

impl Publisher {
    /// Connects (10 s timeout; the rustls/ring stack for `tls://`).
    pub async fn connect(target: &NatsTarget) -> Result<Publisher, ServiceError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No retry of the first connection: a server that is down is an error now.
        let mut opts = async_nats::ConnectOptions::new()
            .name("domwatch")
            .connection_timeout(Duration::from_secs(10))
            .request_timeout(Some(Duration::from_secs(10)))
            .max_reconnects(Some(3));
        if target.server.starts_with("tls://") {
            opts = opts.require_tls(true);
        }
        if let Some((u, p)) = &target.user {
            opts = opts.user_and_password(u.clone(), p.clone());
        }
        let addr = target
            .server
            .strip_prefix("nats://")
            .unwrap_or(&target.server)
            .to_string();
        let client = tokio::time::timeout(Duration::from_secs(15), opts.connect(addr))
            .await
            .map_err(|_| ServiceError::Network(format!("NATS {target}: connection timed out")))?
            .map_err(|e| ServiceError::Network(format!("NATS {target}: {e}")))?;
        Ok(Publisher {
            js: async_nats::jetstream::new(client.clone()),
            client,
            subject: target.subject.clone(),
            target: target.to_string(),
        })
    }

    /// Publishes each `(message id, JSON)` and waits for every acknowledgement; returns how
    /// many were stored. A message over [`MAX_MESSAGE_BYTES`] is an error.
    pub async fn publish_all(
        &self,
        messages: &[(String, serde_json::Value)],
    ) -> Result<usize, ServiceError> {
        use async_nats::jetstream::message::PublishMessage;
        let mut pending = Vec::with_capacity(IN_FLIGHT);
        let mut done = 0usize;
        for (id, value) in messages {
            let id = id.clone();
            let body = serde_json::to_vec(value)
                .map_err(|e| ServiceError::Internal(format!("JSON: {e}")))?;
            if body.len() > MAX_MESSAGE_BYTES {
                return Err(ServiceError::Refused(format!(
                    "a message of {} bytes is larger than {MAX_MESSAGE_BYTES}",
                    body.len()
                )));
            }
            let ack = self
                .js
                .send_publish(
                    self.subject.clone(),
                    PublishMessage::build().payload(body.into()).message_id(id),
                )
                .await
                .map_err(|e| self.error(e))?;
            pending.push(ack);
            if pending.len() >= IN_FLIGHT {
                done += self.await_acks(&mut pending).await?;
            }
        }
        done += self.await_acks(&mut pending).await?;
        self.client
            .flush()
            .await
            .map_err(|e| ServiceError::Network(format!("NATS {}: {e}", self.target)))?;
        Ok(done)
    }

    async fn await_acks(
        &self,
        pending: &mut Vec<async_nats::jetstream::context::PublishAckFuture>,
    ) -> Result<usize, ServiceError> {
        let n = pending.len();
        for ack in pending.drain(..) {
            ack.await.map_err(|e| self.error(e))?;
        }
        Ok(n)
    }

    fn error(&self, e: impl fmt::Display) -> ServiceError {
        let text = e.to_string();
        let hint = if text.contains("no responders") || text.contains("no stream found") {
            format!(
                " (no JetStream stream captures subject {:?}: create one, e.g. `nats stream add DOMWATCH --subjects '{}'`)",
                self.subject, self.subject
            )
        } else {
            String::new()
        };
        ServiceError::Network(format!("NATS {}: {text}{hint}", self.target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t: NatsTarget = "nats://127.0.0.1:4333/domwatch.alerts".parse().unwrap();
        assert_eq!(t.server, "nats://127.0.0.1:4333");
        assert_eq!(t.subject, "domwatch.alerts");
        let t: NatsTarget = "tls://bot:s3cret@nats.example.org/csirt.hits"
            .parse()
            .unwrap();
        assert_eq!(t.to_string(), "tls://nats.example.org:4222/csirt.hits");
        assert!(!format!("{t:?}").contains("s3cret"));
        assert!("nats://127.0.0.1:4222".parse::<NatsTarget>().is_err());
        assert!("nats://127.0.0.1:4222/a.*".parse::<NatsTarget>().is_err());
        assert!("nats://127.0.0.1:4222/a..b".parse::<NatsTarget>().is_err());
        assert!("http://127.0.0.1/a".parse::<NatsTarget>().is_err());
    }
}
