//! `domwatch`: find lookalike domains, watch your own, and coordinate the response.
//!
//! Exit codes (documented in the README):
//! - 0: success, nothing to report (or findings shown on request)
//! - 1: the command ran and found something that needs attention (e.g. `scan` hits with
//!   `--fail-on-hit`, `watch run` critical findings)
//! - 2: usage or input error (bad arguments, unreadable file, invalid domain name)
//! - 3: a network or service error stopped the command

mod alert;
mod cmd;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use output::{Format, Global};

#[derive(Debug, Parser)]
#[command(
    name = "domwatch",
    version,
    about = "Domain-abuse detection, monitoring and coordination"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the lookalike permutations of one domain.
    Fuzz(cmd::fuzz::FuzzArgs),
    /// Find names that imitate your brands in feeds (lists, URLs, zone files, CT logs, CSV).
    Scan(cmd::scan::ScanArgs),
    /// Find DNS beacons, DGAs and tunnels in resolver logs (dnstap, BIND, Unbound, Zeek).
    Beacons(cmd::beacons::BeaconsArgs),
    /// Show or update the Public Suffix List in use.
    Psl(cmd::psl::PslArgs),
    /// Parse a domain name and show its forms (A-label, U-label, registrable domain).
    Name(cmd::name::NameArgs),
    /// Start the lab: a simulated internet (DNS, RDAP, WHOIS, SMTP, HTTP) on loopback.
    Lab(cmd::lab::LabArgs),
    /// Run every capability against the built-in lab scenario.
    Demo(cmd::demo::DemoArgs),
    /// Parse saved protocol answers offline (`parse whois FILE`).
    Parse(cmd::parse::ParseArgs),
    /// Investigate names now: registration (RDAP/WHOIS), live DNS, findings.
    Inspect(cmd::inspect::InspectArgs),
    /// Keep an inventory of your domains, snapshot them, and alert on changes.
    Watch(cmd::watch::WatchArgs),
    /// The stored findings of the watch: list them, acknowledge, mute, unmute, reopen.
    Finding(cmd::finding::FindingArgs),
    /// Check every outside name your domains still trust: is it registered, lapsing, claimable?
    Audit(cmd::audit::AuditArgs),
    /// The store: copy it between SQLite and PostgreSQL (`store migrate`), check it.
    Store(cmd::store::StoreArgs),
    /// Coordination cases: open, import reports, list, show, update, close.
    Case(cmd::case::CaseArgs),
    /// Statistics over the cases: phishing domains per month and TLD, mitigation, per domain.
    Report(cmd::case::ReportArgs),
    /// The team console: web pages, JSON API, scheduler (watch passes, case checks).
    Serve(cmd::serve::ServeArgs),
    /// The console's users: add, list, remove, passwd.
    User(cmd::serve::UserArgs),
    /// API tokens for the console: create, list, revoke.
    Token(cmd::serve::TokenArgs),
    /// Certificate Transparency logs followed directly: lookalikes, certificates of own names.
    Ct(cmd::ct::CtArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::init_tracing(&cli.global);
    let result = match cli.command {
        Command::Fuzz(a) => cmd::fuzz::run(a, &cli.global),
        Command::Scan(a) => cmd::scan::run(a, &cli.global),
        Command::Beacons(a) => cmd::beacons::run(a, &cli.global),
        Command::Psl(a) => cmd::psl::run(a, &cli.global),
        Command::Name(a) => cmd::name::run(a, &cli.global),
        Command::Lab(a) => cmd::lab::run(a, &cli.global),
        Command::Demo(a) => cmd::demo::run(a, &cli.global),
        Command::Parse(a) => cmd::parse::run(a, &cli.global),
        Command::Inspect(a) => cmd::inspect::run(a, &cli.global),
        Command::Watch(a) => cmd::watch::run(a, &cli.global),
        Command::Audit(a) => cmd::audit::run(a, &cli.global),
        Command::Finding(a) => cmd::finding::run(a, &cli.global),
        Command::Store(a) => cmd::store::run(a, &cli.global),
        Command::Case(a) => cmd::case::run(a, &cli.global),
        Command::Report(a) => cmd::case::report(a, &cli.global),
        Command::Serve(a) => cmd::serve::serve(a, &cli.global),
        Command::User(a) => cmd::serve::user(a, &cli.global),
        Command::Token(a) => cmd::serve::token(a, &cli.global),
        Command::Ct(a) => cmd::ct::run(a, &cli.global),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`domwatch ... | head`): not an error.
        Err(err) if cmd::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("domwatch: {}", output::sanitize(&format!("{err:#}")));
            ExitCode::from(cmd::exit_code_for(&err))
        }
    }
}
