//! One module per subcommand. Each exposes `XxxArgs` (clap) and `run(args, &Global)`.

use std::path::Path;

use anyhow::Context;
use domains::netconfig::NetConfig;

use crate::Global;

pub mod audit;
pub mod beacons;
pub mod case;
pub mod coord;
pub mod ct;
pub mod demo;
pub mod export;
pub mod finding;
pub mod fuzz;
pub mod inspect;
pub mod intake_mail;
pub mod lab;
pub mod name;
pub mod parse;
pub mod psl;
pub mod scan;
pub mod serve;
pub mod store;
pub mod watch;
pub mod worker;

/// An error whose exit code is chosen explicitly (see the exit codes in `main.rs`).
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// A usage or input error (exit code 2).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Exit {
        code: 2,
        message: message.into(),
    })
}

/// A network or service error (exit code 3).
pub fn network(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Exit {
        code: 3,
        message: message.into(),
    })
}

/// The exit code for an error: an explicit [`Exit`] anywhere in the chain wins, I/O errors on
/// input files are usage errors (2), anything else is 3... except that unknown errors default
/// to 2 so that a bad invocation never looks like an outage.
/// Whether an error is the reader of our output going away (`domwatch ... | head`), also when
/// it comes wrapped in a JSON writer's error: not an error for a command line tool.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Exit>() {
            return e.code;
        }
    }
    2
}

/// The largest `--config` file.
pub(crate) const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// A byte count for messages: whole MiB when it is one, else bytes.
pub(crate) fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}

/// Reads a whole side file (lists, configurations, scenarios...), bounded by the bytes actually
/// read, not by its metadata: `/dev/zero`, a FIFO or a growing file fail once `limit` bytes have
/// been read, with a one-line usage error naming the file and the limit.
pub(crate) fn read_side_file(path: &Path, limit: u64) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() as u64 > limit {
        return Err(usage(format!(
            "{} is larger than {}, the limit for this file",
            path.display(),
            human_bytes(limit)
        )));
    }
    Ok(bytes)
}

/// [`read_side_file`] for UTF-8 text.
pub(crate) fn read_side_text(path: &Path, limit: u64) -> anyhow::Result<String> {
    let bytes = read_side_file(path, limit)?;
    String::from_utf8(bytes).map_err(|_| usage(format!("{}: not UTF-8 text", path.display())))
}

/// Reads the network configuration named by `--config` (defaults without it).
pub(crate) fn net_config(global: &Global) -> anyhow::Result<NetConfig> {
    let Some(path) = &global.config else {
        return Ok(NetConfig::default());
    };
    let text = read_side_text(path, MAX_CONFIG_BYTES)?;
    NetConfig::from_toml(&text).map_err(|e| usage(format!("{}: {e}", path.display())))
}

/// A multi-threaded runtime for the networked commands.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")
}

/// A use case's error as the binary reports it: a refusal is a usage error (exit 2), a store
/// failure names the store, the rest are network or internal errors (exit 3).
pub fn service_err(e: service::ServiceError) -> anyhow::Error {
    match e {
        service::ServiceError::Refused(m) => usage(m),
        service::ServiceError::Store(e) => anyhow::Error::new(e).context("the store"),
        e => network(e.to_string()),
    }
}
