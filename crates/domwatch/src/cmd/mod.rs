//! One module per subcommand. Each exposes `XxxArgs` (clap) and `run(args, &Global)`.

pub mod demo;
pub mod fuzz;
pub mod inspect;
pub mod lab;
pub mod name;
pub mod parse;
pub mod psl;
pub mod scan;
pub mod watch;

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
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Exit>() {
            return e.code;
        }
    }
    2
}
