//! The PostgreSQL backend's connection: one `postgres::Client` owned by a dedicated thread.
//!
//! The synchronous `postgres` client drives its own small runtime and must not be called from
//! inside an async task (domwatch's watch pass is one), so the client lives on its own thread
//! and [`PgConn::call`] hands it work over a channel. The thread reconnects on its own: when
//! the server restarted (or the connection broke) a call is retried once on a new connection,
//! which is safe because every call is one transaction that either committed or did not.
//!
//! TLS is rustls (the one TLS stack of domwatch), with the Web PKI roots and, when given, the
//! certificates of `PGSSLROOTCERT`; `sslmode=disable|prefer|require` from the URL or `PGSSLMODE`.
//! Unlike libpq's `prefer`/`require`, the server certificate is always verified.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};

use crate::{Result, StoreError};

/// Where a PostgreSQL store is: the parsed connection settings, with the password kept out of
/// every `Display` and `Debug`.
#[derive(Clone)]
pub struct PgTarget {
    config: Config,
    root_cert: Option<std::path::PathBuf>,
    /// How long a call waits for the server to come back before giving up.
    pub reconnect_for: Duration,
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgTarget({self})")
    }
}

impl std::fmt::Display for PgTarget {
    /// `postgres://USER@HOST:PORT/DB`, never the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let user = self.config.get_user().unwrap_or("");
        let host = match self.config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = self.config.get_ports().first().copied().unwrap_or(5432);
        let db = self.config.get_dbname().unwrap_or(user);
        write!(f, "postgres://")?;
        if !user.is_empty() {
            write!(f, "{user}@")?;
        }
        write!(f, "{host}:{port}/{db}")
    }
}

/// Reasons a store location cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("not a PostgreSQL URL (postgres://USER@HOST:PORT/DB): {0}")]
    Url(String),
}

impl PgTarget {
    /// Parses `postgres://` / `postgresql://` URLs (and libpq key=value strings). Settings the
    /// URL leaves out are taken from the standard `PG*` variables, read through `env` (the
    /// binary passes the process environment; tests pass their own): `PGHOST`, `PGPORT`,
    /// `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`.
    pub fn parse(url: &str, env: impl Fn(&str) -> Option<String>) -> Result<PgTarget, TargetError> {
        // The parser's own message may quote the URL, password included: never pass it on.
        let mut config: Config = url
            .parse()
            .map_err(|_| TargetError::Url("the URL could not be parsed".into()))?;
        if config.get_hosts().is_empty() {
            let host = env("PGHOST").unwrap_or_else(|| "localhost".into());
            for h in host.split(',') {
                config.host(h);
            }
        }
        if config.get_ports().is_empty()
            && let Some(p) = env("PGPORT")
        {
            let port = p
                .parse()
                .map_err(|_| TargetError::Url(format!("PGPORT {p:?} is not a port")))?;
            config.port(port);
        }
        if config.get_user().is_none() {
            let user = env("PGUSER")
                .or_else(|| env("USER"))
                .unwrap_or_else(|| "postgres".into());
            config.user(&user);
        }
        if config.get_password().is_none()
            && let Some(p) = env("PGPASSWORD")
        {
            config.password(p);
        }
        if config.get_dbname().is_none()
            && let Some(d) = env("PGDATABASE")
        {
            config.dbname(&d);
        }
        if !url.contains("sslmode")
            && let Some(m) = env("PGSSLMODE")
        {
            config.ssl_mode(match m.as_str() {
                "disable" => SslMode::Disable,
                "prefer" | "allow" => SslMode::Prefer,
                "require" | "verify-ca" | "verify-full" => SslMode::Require,
                other => return Err(TargetError::Url(format!("PGSSLMODE {other:?}"))),
            });
        }
        let timeout = env("PGCONNECT_TIMEOUT")
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|t| *t > 0)
            .unwrap_or(10);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(timeout));
        }
        config.application_name("domwatch");
        Ok(PgTarget {
            config,
            root_cert: env("PGSSLROOTCERT").map(Into::into),
            reconnect_for: Duration::from_secs(30),
        })
    }

    fn connect(&self) -> Result<Client> {
        let mut client = match self.config.get_ssl_mode() {
            SslMode::Disable => self.config.connect(NoTls)?,
            _ => self.config.connect(self.tls()?)?,
        };
        // A statement that hangs (a lock held by a dead session, say) fails instead of
        // stalling a pass forever.
        client.batch_execute("SET statement_timeout = '120s'; SET lock_timeout = '60s'")?;
        Ok(client)
    }

    fn tls(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &self.root_cert {
            let certs = CertificateDer::pem_file_iter(path).map_err(|e| {
                StoreError::Config(format!("PGSSLROOTCERT {}: {e}", path.display()))
            })?;
            for c in certs {
                let c = c.map_err(|e| {
                    StoreError::Config(format!("PGSSLROOTCERT {}: {e}", path.display()))
                })?;
                roots
                    .add(c)
                    .map_err(|e| StoreError::Config(format!("PGSSLROOTCERT: {e}")))?;
            }
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| StoreError::Config(format!("TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }
}

type Job = Box<dyn FnOnce(&mut Session) + Send>;

struct Session {
    target: PgTarget,
    client: Option<Client>,
}

/// Whether an error means the connection is gone (not that the statement was wrong).
fn is_connection_error(e: &StoreError) -> bool {
    match e {
        StoreError::Postgres(e) => {
            e.is_closed()
                || e.as_db_error().is_none_or(|d| {
                    // admin_shutdown, crash_shutdown, cannot_connect_now
                    matches!(d.code().code(), "57P01" | "57P02" | "57P03")
                })
        }
        _ => false,
    }
}

impl Session {
    fn client(&mut self) -> Result<&mut Client> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            self.client = None;
        }
        if self.client.is_none() {
            let started = Instant::now();
            let mut wait = Duration::from_millis(100);
            let client = loop {
                match self.target.connect() {
                    Ok(c) => break c,
                    Err(e) if started.elapsed() < self.target.reconnect_for => {
                        tracing::debug!("store: reconnecting to {}: {e}", self.target);
                        std::thread::sleep(wait);
                        wait = (wait * 2).min(Duration::from_secs(2));
                    }
                    Err(e) => return Err(e),
                }
            };
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| StoreError::Config("no connection".into()))
    }

    fn run<R>(&mut self, f: &mut dyn FnMut(&mut Client) -> Result<R>) -> Result<R> {
        let mut first = true;
        loop {
            let r = f(self.client()?);
            match r {
                Err(e) if first && is_connection_error(&e) => {
                    tracing::debug!("store: connection lost ({e}); retrying once");
                    self.client = None;
                    first = false;
                }
                r => return r,
            }
        }
    }
}

/// A connection to a PostgreSQL store (see the module docs).
pub(crate) struct PgConn {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl PgConn {
    /// Connects (at once, so that a wrong URL or password fails here, not mid-pass).
    pub(crate) fn open(target: PgTarget) -> Result<PgConn> {
        let (tx, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::sync_channel::<Result<()>>(1);
        // Connecting happens on the connection's own thread too: the synchronous client must
        // not block inside an async task, and the caller may be one.
        let thread = std::thread::Builder::new()
            .name("domwatch-store".into())
            .spawn(move || {
                let first = match target.connect() {
                    Ok(c) => {
                        let _ = ready_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let mut session = Session {
                    target,
                    client: Some(first),
                };
                while let Ok(job) = rx.recv() {
                    job(&mut session);
                }
            })
            .map_err(|e| StoreError::Config(format!("cannot start the store thread: {e}")))?;
        let conn = PgConn {
            jobs: Some(tx),
            thread: Some(thread),
        };
        ready_rx.recv().map_err(|_| StoreError::Closed)??;
        Ok(conn)
    }

    /// Runs `f` on the connection's thread and waits for its result. `f` may run twice (see
    /// the module docs), so it must be one transaction.
    pub(crate) fn call<R: Send + 'static>(
        &self,
        mut f: impl FnMut(&mut Client) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let (rtx, rrx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |s: &mut Session| {
            let _ = rtx.send(s.run(&mut f));
        });
        self.jobs
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)?;
        rrx.recv().map_err(|_| StoreError::Closed)?
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn urls_and_pg_variables() {
        let t = PgTarget::parse("postgres://alice:s3cret@db.example:6543/watch", env(&[])).unwrap();
        assert_eq!(t.to_string(), "postgres://alice@db.example:6543/watch");
        assert!(!format!("{t:?}").contains("s3cret"));
        let t = PgTarget::parse(
            "postgres:///watch",
            env(&[
                ("PGHOST", "10.0.0.5"),
                ("PGPORT", "5433"),
                ("PGUSER", "bob"),
                ("PGPASSWORD", "pw"),
            ]),
        )
        .unwrap();
        assert_eq!(t.to_string(), "postgres://bob@10.0.0.5:5433/watch");
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));
        // The URL wins over the environment.
        let t = PgTarget::parse("postgres://carol@h:1/d", env(&[("PGUSER", "bob")])).unwrap();
        assert_eq!(t.to_string(), "postgres://carol@h:1/d");
        let e = PgTarget::parse("postgres://u:pw@h:notaport/d", env(&[])).unwrap_err();
        assert!(!e.to_string().contains("pw"), "{e}");
        assert!(PgTarget::parse("postgres://h/d", env(&[("PGSSLMODE", "bogus")])).is_err());
    }

    #[test]
    fn a_refused_connection_is_an_error_not_a_hang() {
        // Port 1 on loopback: nothing listens; reconnecting is not tried on open.
        let mut t =
            PgTarget::parse("postgres://u@127.0.0.1:1/d?connect_timeout=2", env(&[])).unwrap();
        t.reconnect_for = Duration::ZERO;
        assert!(PgConn::open(t).is_err());
    }
}
