//! The application layer: domwatch's use cases as functions over the store and the prober,
//! with plain inputs and outputs (no argument parsing, no printing, no exit codes), so that the
//! command line and the console do exactly the same thing.
//!
//! - [`cases`]: the coordination of a case: parties and evidence, notifications, replies, the
//!   observation of mitigation.
//! - [`ct`]: Certificate Transparency logs followed (lookalikes, own names, CAA).
//! - [`audit`]: the exposure audit (references of the audited names and their state).
//! - [`watch`]: the watch pass (observe, store, diff, findings).
//! - [`alerts`]: the alert sinks of a pass (stdout writer, JSON lines, webhook, SMTP, cases).
//! - [`mail`]: sending mail through a relay.
//! - [`scans`]: stored scans (the lookalike hits kept for the console).
//! - [`reports`]: the statistics (phishing per month/TLD/brand/registrar, mitigation, the
//!   per-domain dates).

pub mod alerts;
pub mod audit;
pub mod cases;
pub mod ct;
pub mod mail;
pub mod nats;
pub mod reports;
pub mod scans;
pub mod watch;

/// Why a use case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request cannot be done as asked (an unknown case, no party to notify, a closed
    /// case): the caller's to fix.
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(store::StoreError),
    /// A server did not answer or refused (SMTP, ...).
    #[error("{0}")]
    Network(String),
    /// A bug of ours (a template that does not render).
    #[error("internal: {0}")]
    Internal(String),
}

impl From<store::StoreError> for ServiceError {
    fn from(e: store::StoreError) -> Self {
        match e {
            store::StoreError::Refused(m) => ServiceError::Refused(m),
            e => ServiceError::Store(e),
        }
    }
}
