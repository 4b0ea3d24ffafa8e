//! `domwatch serve`: the team console (crates/web) and its scheduler in one process, and the
//! accounts it uses: `domwatch user add|list|remove|passwd`, `domwatch token create|list`.
//!
//! Exit codes: 0 stopped on SIGINT/SIGTERM or done; 2 bad arguments (an unknown user, a short
//! password, a port in use); 3 the store failed.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use store::Role;

use crate::Global;
use crate::output::{self, Format, Table};

use super::watch::{Interval, RunArgs, open_store};
use super::{network, usage};

#[derive(Debug, clap::Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a user; without --password-stdin a password is generated and printed once.
    Add {
        name: String,
        /// admin (also manages users), analyst (acts), viewer (reads).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users.
    List {
        /// table or json.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Remove a user with their tokens and sessions (not the last admin).
    Remove { name: String },
    /// Set a new password (generated and printed when not read from stdin); sessions end.
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user: printed once, only its hash is stored. Use it as
    /// `Authorization: Bearer TOKEN`.
    Create {
        #[arg(long)]
        user: String,
        /// What it is for (`siem`, `prometheus`).
        #[arg(long)]
        name: String,
    },
    /// List the tokens (labels and last use, never the tokens).
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Revoke one token (its id from `token list`): it stops working at once.
    Revoke { id: i64 },
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Where to listen (for other machines: TLS with --tls-cert/--tls-key, or a reverse proxy).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Serve HTTPS in-process with this certificate chain (PEM, leaf first); needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
    /// Mark cookies Secure (the console is reached over HTTPS through a proxy; automatic with
    /// --tls-cert).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Run a watch pass over the inventory this often (`6h`, `30m`); none by default.
    #[arg(long, value_name = "INTERVAL")]
    pub watch_every: Option<Interval>,
    /// Re-check the open coordination cases this often (`case check`); none by default.
    #[arg(long, value_name = "INTERVAL")]
    pub check_every: Option<Interval>,
    /// Audit the watched names' exposure (`audit --save` over the inventory) this often; the
    /// console's audit pages show the results. None by default.
    #[arg(long, value_name = "INTERVAL")]
    pub audit_every: Option<Interval>,
    /// The brands that feeds submitted to `POST /api/v1/scans` are matched against when the
    /// request names none (the `scan --brands` format).
    #[arg(long = "brands", value_name = "FILE")]
    pub brands: Option<std::path::PathBuf>,
    /// Notifications sent from a case page are written as .eml files into DIR (to review or
    /// send by hand) instead of over SMTP. Without it they go through the --smtp relay (or the
    /// --config file's `smtp`); with neither, the console previews but does not send.
    #[arg(long, value_name = "DIR")]
    pub eml_dir: Option<std::path::PathBuf>,
    /// The sending organisation named in notifications (default: the --mail-from domain).
    #[arg(long, env = "DOMWATCH_ORG")]
    pub org: Option<String>,
    /// Days until a notification's follow-up is due (then escalate to the next party).
    #[arg(long, default_value_t = 3, value_name = "DAYS")]
    pub follow_up_days: u32,
    /// Store connections the console's requests share (SQLite readers run side by side; on
    /// PostgreSQL each is a server connection). The scheduler has one of its own.
    #[arg(long, default_value_t = web::DEFAULT_STORE_CONNECTIONS, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub store_connections: u32,
    #[command(flatten)]
    pub run: RunArgs,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?} (admin, analyst, viewer)"))
}

fn store_err(e: store::StoreError) -> anyhow::Error {
    match e {
        store::StoreError::Refused(m) => usage(m),
        e => network(format!("store: {e}")),
    }
}

/// A password from stdin (first line), or a generated one (printed once).
fn password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if !from_stdin {
        return Ok((web::auth::new_secret()[..24].to_string(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| usage(format!("reading the password: {e}")))?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.chars().count() < web::auth::MIN_PASSWORD {
        return Err(usage(format!(
            "the password is shorter than {} characters",
            web::auth::MIN_PASSWORD
        )));
    }
    Ok((pw, false))
}

use std::io::Read as _;

pub fn user(args: UserArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    let now = jiff::Timestamp::now();
    match args.command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            if name.is_empty()
                || name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
            {
                return Err(usage(
                    "a user name is 1-64 letters, digits, '.', '_', '-' or '@'",
                ));
            }
            let (pw, generated) = password(password_stdin)?;
            let hash = web::auth::hash_password(&pw).map_err(|e| network(e.to_string()))?;
            let u = store.add_user(&name, role, &hash, now).map_err(store_err)?;
            store
                .audit(
                    &super::case::actor(),
                    "user.add",
                    &u.name,
                    u.role.as_str(),
                    now,
                )
                .map_err(store_err)?;
            if generated {
                println!(
                    "user {} ({}) added; password: {pw}",
                    u.name,
                    u.role.as_str()
                );
            } else {
                println!("user {} ({}) added", u.name, u.role.as_str());
            }
        }
        UserCommand::List { format } => {
            let users = store.users().map_err(store_err)?;
            if format == Format::Json {
                println!("{}", serde_json::to_string(&users)?);
            } else {
                let mut t = Table::new(["name", "role", "created"]);
                for u in &users {
                    t.row(vec![
                        u.name.clone(),
                        u.role.as_str().into(),
                        u.created_at.strftime("%Y-%m-%d %H:%M").to_string(),
                    ]);
                }
                t.write(&mut std::io::stdout().lock())?;
            }
        }
        UserCommand::Remove { name } => {
            store.remove_user(&name).map_err(store_err)?;
            store
                .audit(&super::case::actor(), "user.remove", &name, "", now)
                .map_err(store_err)?;
            println!("user {name} removed");
        }
        UserCommand::Passwd {
            name,
            password_stdin,
        } => {
            let (pw, generated) = password(password_stdin)?;
            let hash = web::auth::hash_password(&pw).map_err(|e| network(e.to_string()))?;
            store.set_password(&name, &hash).map_err(store_err)?;
            store
                .audit(&super::case::actor(), "user.passwd", &name, "", now)
                .map_err(store_err)?;
            if generated {
                println!("password of {name}: {pw}");
            } else {
                println!("password of {name} changed");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn token(args: TokenArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let mut store = open_store(global)?;
    match args.command {
        TokenCommand::Create { user, name } => {
            let t = web::auth::new_token();
            let now = jiff::Timestamp::now();
            store
                .add_token(&user, &name, &web::auth::secret_hash(&t), now)
                .map_err(store_err)?;
            store
                .audit(&super::case::actor(), "token.create", &user, &name, now)
                .map_err(store_err)?;
            if std::io::stdout().is_terminal() {
                eprintln!("token {name} for {user} (shown once; only its hash is stored):");
            }
            println!("{t}");
        }
        TokenCommand::Revoke { id } => {
            let Some(t) = store.revoke_token(id).map_err(store_err)? else {
                return Err(usage(format!("no token {id} (see `domwatch token list`)")));
            };
            store
                .audit(
                    &super::case::actor(),
                    "token.revoke",
                    &t.user,
                    &t.label,
                    jiff::Timestamp::now(),
                )
                .map_err(store_err)?;
            println!(
                "token {id} ({} of {}) revoked",
                output::sanitize(&t.label),
                output::sanitize(&t.user)
            );
        }
        TokenCommand::List { format } => {
            let tokens = store.tokens().map_err(store_err)?;
            if format == Format::Json {
                println!("{}", serde_json::to_string(&tokens)?);
            } else {
                let mut t = Table::new(["id", "user", "label", "created", "last used"]);
                for k in &tokens {
                    t.row(vec![
                        k.id.to_string(),
                        k.user.clone(),
                        k.label.clone(),
                        k.created_at.strftime("%Y-%m-%d %H:%M").to_string(),
                        k.last_used_at
                            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_else(|| "-".into()),
                    ]);
                }
                t.write(&mut std::io::stdout().lock())?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Counts a scheduled job in `done`, or as a scheduler error (logged) when it failed.
fn tally(
    console: &web::Console,
    done: &std::sync::atomic::AtomicU64,
    what: &str,
    error: Option<anyhow::Error>,
) {
    match error {
        None => done.fetch_add(1, Ordering::Relaxed),
        Some(e) => {
            tracing::warn!("scheduled {what} failed: {e:#}");
            console
                .metrics
                .scheduler_errors
                .fetch_add(1, Ordering::Relaxed)
        }
    };
}

pub fn serve(args: ServeArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let brands = match &args.brands {
        None => Vec::new(),
        Some(p) => {
            let text = super::read_side_text(p, 16 * 1024 * 1024)
                .map_err(|e| usage(format!("--brands: {e:#}")))?;
            domains::lookalike::Brand::parse_list(&text)
                .map_err(|e| usage(format!("{}: {e}", p.display())))?
        }
    };
    // A bad certificate or key is a usage error, before anything else starts.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            web::tls::TlsConfig::from_pem_files(cert, key)
                .map_err(|e| usage(format!("TLS: {e}")))?,
        ),
        _ => None,
    };
    // Opened here for its errors (a store too new, a folder to create); the console then
    // keeps a pool of connections to it.
    drop(open_store(global)?);
    let location = super::watch::store_location(&global.db_path())?;
    let rt = super::runtime()?;
    let pass = Arc::new(super::watch::setup(&args.run, global, &rt)?);
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| usage(format!("cannot listen on {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| network(format!("listener: {e}")))?;
        let delivery = match (&args.eml_dir, &pass.mail.relay) {
            (Some(dir), _) => Some(web::NotifyDelivery::Eml(dir.clone())),
            (None, Some(relay)) => Some(web::NotifyDelivery::Smtp(relay.clone())),
            (None, None) => None,
        };
        let notify = delivery.map(|delivery| web::NotifyOptions {
            delivery,
            from: pass.mail.from.clone(),
            org: args.org.clone(),
            follow_up_days: args.follow_up_days,
        });
        // The prober's clock (the lab's in tests and the demo) dates notifications, as the
        // CLI's `case notify` does.
        let clock_pass = pass.clone();
        let clock = web::Clock(Arc::new(move || {
            let p = clock_pass.clone();
            Box::pin(async move { p.prober.now().await })
        }));
        let console = web::Console::new(
            location,
            web::Options {
                secure_cookies: args.secure_cookies || tls.is_some(),
                brands,
                notify,
                clock: Some(clock),
                store_connections: args.store_connections,
            },
        )
        .map_err(|e| network(format!("cannot open the store: {e}")))?;
        let stop = super::watch::stop_signal();
        // The scheduler: its own store connection, one job at a time.
        if args.watch_every.is_some() || args.check_every.is_some() || args.audit_every.is_some() {
            let mut sched_store = open_store(global)?;
            let (watch_every, check_every, audit_every) = (
                args.watch_every.as_ref().map(|i| i.0),
                args.check_every.as_ref().map(|i| i.0),
                args.audit_every.as_ref().map(|i| i.0),
            );
            let (psl, _) = super::psl::suffix_list(global)?;
            let console = console.clone();
            let pass = pass.clone();
            let run = args.run.clone();
            let global = global.clone();
            let mut stop = stop.clone();
            tokio::spawn(async move {
                let start = tokio::time::Instant::now();
                let mut next_watch = watch_every.map(|_| start);
                let mut next_check = check_every.map(|_| start);
                let mut next_audit = audit_every.map(|_| start);
                loop {
                    let due = [next_watch, next_check, next_audit]
                        .into_iter()
                        .flatten()
                        .min();
                    let Some(due) = due else { return };
                    tokio::select! {
                        _ = tokio::time::sleep_until(due) => {}
                        _ = stop.changed() => return,
                    }
                    let now = tokio::time::Instant::now();
                    if next_watch.is_some_and(|t| t <= now) {
                        let r = super::watch::one_pass(
                            &pass,
                            &run,
                            &mut sched_store,
                            &global,
                            stop.clone(),
                        )
                        .await;
                        if let Ok((summary, alerts)) = &r {
                            let sent: usize = alerts.sent.values().sum();
                            console
                                .metrics
                                .alerts_sent
                                .fetch_add(sent as u64, Ordering::Relaxed);
                            let mut issues = console
                                .metrics
                                .probe_issues
                                .lock()
                                .unwrap_or_else(|p| p.into_inner());
                            for (source, n) in &summary.issues_by_source {
                                *issues.entry(source.clone()).or_insert(0) += *n as u64;
                            }
                        }
                        tally(&console, &console.metrics.passes, "watch pass", r.err());
                        next_watch = watch_every.map(|i| now + i);
                    }
                    if next_check.is_some_and(|t| t <= now) {
                        let r =
                            super::coord::check_open_cases(&pass.prober, &mut sched_store).await;
                        tally(
                            &console,
                            &console.metrics.case_checks,
                            "case check",
                            r.err(),
                        );
                        next_check = check_every.map(|i| now + i);
                    }
                    if next_audit.is_some_and(|t| t <= now) {
                        let r = service::audit::audit_watched(
                            &mut sched_store,
                            pass.prober.clone(),
                            psl,
                            30,
                            &|_, _| {},
                        )
                        .await;
                        tally(
                            &console,
                            &console.metrics.audits,
                            "audit",
                            r.err().map(anyhow::Error::from),
                        );
                        next_audit = audit_every.map(|i| now + i);
                    }
                }
            });
        }
        let scheme = if tls.is_some() { "https" } else { "http" };
        eprintln!("domwatch console on {scheme}://{addr}/ (Ctrl-C stops it)");
        let _ = std::io::stderr().flush();
        let mut stop_rx = stop.clone();
        let stopped = async move {
            let _ = stop_rx.wait_for(|v| *v).await;
        };
        match &tls {
            Some(config) => web::serve_tls(listener, console, config, stopped).await,
            None => web::serve(listener, console, stopped).await,
        }
        .map_err(|e| network(format!("server: {e}")))?;
        Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
    })
}
