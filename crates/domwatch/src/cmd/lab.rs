//! `domwatch lab`: start the simulated internet of a scenario on loopback, move its clock, list
//! the built-in scenarios.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use crate::Global;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LabArgs {
    #[command(subcommand)]
    action: Option<LabAction>,
    #[command(flatten)]
    start: StartArgs,
}

#[derive(Debug, clap::Args)]
struct StartArgs {
    /// Built-in scenario name (see `domwatch lab scenarios`) or a scenario file (TOML).
    #[arg(long, default_value = "default", value_name = "NAME|FILE")]
    scenario: String,
    /// Where to write the client configuration file (default: a file in the temporary
    /// directory, removed on exit).
    #[arg(long, value_name = "PATH")]
    config_out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum LabAction {
    /// Move the clock of a running lab forward.
    Advance {
        /// Number of days.
        #[arg(long, conflicts_with = "to", required_unless_present = "to")]
        days: Option<u32>,
        /// Move to this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Control URL of the lab (default: `lab_control` of the `--config` file).
        #[arg(long, value_name = "URL")]
        control: Option<String>,
    },
    /// Show the clock of a running lab.
    Clock {
        /// Control URL of the lab (default: `lab_control` of the `--config` file).
        #[arg(long, value_name = "URL")]
        control: Option<String>,
    },
    /// Show the coming events of a running lab (scheduled and life-cycle events).
    Timeline {
        /// How many days ahead.
        #[arg(long, default_value_t = 120)]
        days: u32,
        /// Control URL of the lab (default: `lab_control` of the `--config` file).
        #[arg(long, value_name = "URL")]
        control: Option<String>,
    },
    /// Show the lab mailbox (reports received, abuse desks' replies) as JSON.
    Mailbox {
        /// Control URL of the lab (default: `lab_control` of the `--config` file).
        #[arg(long, value_name = "URL")]
        control: Option<String>,
    },
    /// List the built-in scenarios.
    Scenarios,
    /// Print a built-in scenario's file (a starting point for your own).
    Show {
        /// Scenario name.
        #[arg(default_value = "default")]
        name: String,
    },
}

pub fn run(args: LabArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.action {
        None => start(args.start),
        Some(LabAction::Scenarios) => {
            let mut out = std::io::stdout().lock();
            for name in lab::Scenario::builtin_names() {
                let s = lab::Scenario::builtin(name).map_err(|e| super::usage(e.to_string()))?;
                writeln!(out, "{name}\t{}", s.scenario.description)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(LabAction::Show { name }) => {
            let text = lab::Scenario::builtin_text(&name)
                .ok_or_else(|| super::usage(format!("no built-in scenario named {name:?}")))?;
            // A reader that goes away (`lab show default | head`) is not an error (main.rs).
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(LabAction::Advance { days, to, control }) => {
            let url = control_url(control, global)?;
            let body = match (days, to) {
                (Some(d), _) => serde_json::json!({ "days": d }),
                (None, Some(t)) => {
                    t.parse::<jiff::civil::Date>()
                        .map_err(|e| super::usage(format!("--to {t:?}: {e}")))?;
                    serde_json::json!({ "to": t })
                }
                (None, None) => return Err(super::usage("give --days N or --to DATE")),
            };
            let v = http(&format!("{url}/advance"), Some(body))?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(LabAction::Clock { control }) => {
            let url = control_url(control, global)?;
            let v = http(&format!("{url}/clock"), None)?;
            println!("{}", serde_json::to_string(&v)?);
            Ok(ExitCode::SUCCESS)
        }
        Some(LabAction::Timeline { days, control }) => {
            let url = control_url(control, global)?;
            let v = http(&format!("{url}/timeline?days={days}"), None)?;
            let empty = Vec::new();
            for e in v["events"].as_array().unwrap_or(&empty) {
                println!(
                    "day {:>4}  {}  {:<24} {:<18} {}",
                    e["day"].as_i64().unwrap_or_default(),
                    e["date"].as_str().unwrap_or_default(),
                    crate::output::sanitize(e["domain"].as_str().unwrap_or_default()),
                    crate::output::sanitize(e["kind"].as_str().unwrap_or_default()),
                    crate::output::sanitize(e["detail"].as_str().unwrap_or_default()),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(LabAction::Mailbox { control }) => {
            let url = control_url(control, global)?;
            let v = http(&format!("{url}/mailbox"), None)?;
            println!("{}", serde_json::to_string_pretty(&v)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn control_url(control: Option<String>, global: &Global) -> anyhow::Result<String> {
    if let Some(c) = control {
        return Ok(c.trim_end_matches('/').to_string());
    }
    let Some(path) = &global.config else {
        return Err(super::usage(
            "no lab given: use --control URL or --config FILE (written by `domwatch lab`)",
        ));
    };
    super::net_config(global)?
        .lab_control
        .map(|c| c.trim_end_matches('/').to_string())
        .ok_or_else(|| super::usage(format!("{}: no lab_control in this file", path.display())))
}

/// A GET (or POST with a JSON body) to the lab control interface.
fn http(url: &str, body: Option<serde_json::Value>) -> anyhow::Result<serde_json::Value> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = super::runtime()?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| super::network(format!("HTTP client: {e}")))?;
        let req = match body {
            Some(b) => client.post(url).json(&b),
            None => client.get(url),
        };
        let resp = req
            .send()
            .await
            .map_err(|e| super::network(format!("{url}: {e}")))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| super::network(format!("{url}: {e}")))?;
        if !status.is_success() {
            return Err(super::network(format!("{url}: {status}: {}", text.trim())));
        }
        serde_json::from_str(&text).map_err(|e| super::network(format!("{url}: {e}")))
    })
}

fn start(args: StartArgs) -> anyhow::Result<ExitCode> {
    let scenario = lab::Scenario::load(&args.scenario).map_err(|e| super::usage(e.to_string()))?;
    let (config_path, temporary) = match args.config_out {
        Some(p) => (p, false),
        None => (
            std::env::temp_dir().join(format!("domwatch-lab-{}.toml", std::process::id())),
            true,
        ),
    };
    let rt = super::runtime()?;
    let result = rt.block_on(async move {
        // Handlers first, so that a signal arriving right after the JSON line is not lost.
        let signals = Signals::install();
        let lab = lab::Lab::start(scenario)
            .await
            .map_err(|e| super::network(e.to_string()))?;
        if let Err(e) = lab.write_config(&config_path) {
            lab.shutdown().await;
            return Err(super::usage(e.to_string()));
        }
        let mut line = serde_json::to_value(lab.endpoints())?;
        if let Some(obj) = line.as_object_mut() {
            obj.insert(
                "config".into(),
                serde_json::Value::String(config_path.display().to_string()),
            );
        }
        println!("{}", serde_json::to_string(&line)?);
        eprintln!(
            "domwatch lab: scenario {:?} running; use --config {} with other commands; Ctrl-C stops it",
            lab.scenario().name(),
            config_path.display()
        );
        signals.wait().await;
        lab.shutdown().await;
        if temporary {
            let _ = std::fs::remove_file(&config_path);
        }
        Ok(ExitCode::SUCCESS)
    });
    // A clock advance still computing (a large scenario moved by years) must not hold the
    // exit: the runtime does not wait for its blocking thread.
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

/// SIGINT (Ctrl-C) and SIGTERM.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        {
            match (self.term, self.int) {
                (Some(mut term), Some(mut int)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                (Some(mut term), None) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                (None, _) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
