//! Alert sinks for `domwatch watch`: the sinks themselves are in the application layer
//! ([`service::alerts`]); this module names them for the commands.

pub use service::alerts::{AlertSpec, MailSettings};
pub use service::mail::SmtpRelay;
