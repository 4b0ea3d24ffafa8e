//! The lab: a simulated internet on loopback, driven by a scenario.
//!
//! Real servers speak the real protocols: authoritative DNS (hickory-server; root, TLD and
//! hosting-provider servers, each simulated address on its own loopback port, UDP and TCP),
//! RDAP (RFC 9083 JSON, ICANN gTLD profile shapes, IANA-style bootstrap, 429 + Retry-After,
//! redirects), port-43 WHOIS (IANA, ICANN-format registries and registrars, JPRS style), an SMTP
//! sink with abuse desks, HTTP sites, and a control interface with the lab clock.
//!
//! This crate shares no protocol code with the clients in `probe`: it is an independent peer.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lab::LabError> {
//! let lab = lab::Lab::start(lab::Scenario::builtin("default")?).await?;
//! let cfg = lab.net_config(); // hand this to the clients
//! lab.advance_days(12).await; // the hijack happens
//! lab.shutdown().await;
//! # let _ = cfg; Ok(()) }
//! ```

mod ct;
mod dns;
pub mod dnssec;
mod mime;
mod rdap;
pub mod scenario;
mod shared;
mod sites;
mod smtp;
mod state;
mod tls;
mod whois;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use domains::netconfig::NetConfig;
use serde::Serialize;
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

pub use ct::{CtCertDef, CtDef};
pub use scenario::Scenario;
pub use shared::{AdvanceOutcome, MailDirection, MailMessage};
pub use state::AppliedEvent;

use shared::Shared;

/// Errors of the lab.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The scenario could not be read or is inconsistent.
    #[error("scenario: {0}")]
    Scenario(String),
    /// A socket could not be bound.
    #[error("cannot bind {what}: {source}")]
    Bind {
        what: String,
        source: std::io::Error,
    },
    /// The configuration file could not be written.
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    /// The lab CA or the sites' certificate could not be made.
    #[error("{0}")]
    Tls(String),
}

/// A simulated DNS server: its name, simulated address and real socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsEndpoint {
    pub name: String,
    pub simulated: IpAddr,
    pub listen: SocketAddr,
}

/// Where everything listens (printed by `domwatch lab`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    pub scenario: String,
    pub now: String,
    /// The root servers.
    pub dns_root: Vec<DnsEndpoint>,
    /// Every simulated DNS server (root, TLD, hosters).
    pub dns: Vec<DnsEndpoint>,
    /// The RDAP bootstrap URL (`dns.json`).
    pub rdap_bootstrap: String,
    /// WHOIS host name -> socket.
    pub whois: BTreeMap<String, SocketAddr>,
    pub smtp: SocketAddr,
    /// Base URL of the control interface (`GET /clock`, `POST /advance`, `GET /mailbox`).
    pub control: String,
    /// Simulated web address -> socket.
    pub http: BTreeMap<IpAddr, SocketAddr>,
    /// The same sites over HTTPS (certificates from the lab CA in the configuration's
    /// `extra_roots_pem`).
    pub https: BTreeMap<IpAddr, SocketAddr>,
    /// The Certificate Transparency logs (RFC 6962 base URLs).
    pub ct_logs: Vec<String>,
}

/// A running lab.
pub struct Lab {
    shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    dns_servers: Vec<hickory_server::Server<dns::LabDnsHandler>>,
    tasks: Vec<JoinHandle<()>>,
    endpoints: Endpoints,
    config: NetConfig,
}

impl std::fmt::Debug for Lab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lab")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn bind_tcp(what: &str) -> Result<TcpListener, LabError> {
    TcpListener::bind(SocketAddr::new(LOOPBACK, 0))
        .await
        .map_err(|source| LabError::Bind {
            what: what.to_string(),
            source,
        })
}

/// UDP and TCP on the same loopback port.
async fn bind_dns(what: &str) -> Result<(UdpSocket, TcpListener), LabError> {
    let mut last = None;
    for _ in 0..50 {
        let udp = UdpSocket::bind(SocketAddr::new(LOOPBACK, 0))
            .await
            .map_err(|source| LabError::Bind {
                what: what.to_string(),
                source,
            })?;
        let addr = udp.local_addr().map_err(|source| LabError::Bind {
            what: what.to_string(),
            source,
        })?;
        match TcpListener::bind(addr).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(LabError::Bind {
        what: what.to_string(),
        source: last.unwrap_or_else(|| std::io::Error::other("no free port")),
    })
}

fn local(l: &TcpListener, what: &str) -> Result<SocketAddr, LabError> {
    l.local_addr().map_err(|source| LabError::Bind {
        what: what.to_string(),
        source,
    })
}

impl Lab {
    /// Starts every server of the scenario on 127.0.0.1 ephemeral ports; returns once all are
    /// bound.
    pub async fn start(scenario: Scenario) -> Result<Lab, LabError> {
        let scenario = Arc::new(scenario);
        let (stop, stop_rx) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared::new(scenario.clone(), stop_rx));
        let mut tasks = Vec::new();
        let mut config = NetConfig {
            allow_private_addresses: true,
            ..Default::default()
        };

        // DNS: one server per simulated address.
        let mut dns_eps = Vec::new();
        let mut dns_servers = Vec::new();
        let mut named: Vec<(String, IpAddr)> = Vec::new();
        for h in scenario
            .root
            .iter()
            .chain(
                scenario
                    .registries
                    .iter()
                    .flat_map(|r| r.nameservers.iter()),
            )
            .chain(scenario.hosters.iter().flat_map(|h| h.nameservers.iter()))
        {
            if !named.iter().any(|(_, ip)| *ip == h.ip) {
                named.push((h.name.clone(), h.ip));
            }
        }
        for (name, ip) in named {
            let (udp, tcp) = bind_dns(&format!("DNS {name}")).await?;
            let listen = local(&tcp, &name)?;
            let mut server = hickory_server::Server::new(dns::LabDnsHandler {
                ip,
                shared: shared.clone(),
            });
            server.register_socket(udp);
            server.register_listener(tcp, Duration::from_secs(10), 64);
            dns_servers.push(server);
            config.dns_ports.insert(ip, listen);
            dns_eps.push(DnsEndpoint {
                name,
                simulated: ip,
                listen,
            });
        }
        config.root_hints = scenario.root.iter().map(|h| h.ip).collect();

        // RDAP, bootstrap and control.
        let hub_listener = bind_tcp("RDAP/control").await?;
        let hub_addr = local(&hub_listener, "RDAP/control")?;
        let base = format!("http://{hub_addr}");
        let hub = rdap::Hub {
            shared: shared.clone(),
            base: base.clone(),
        };
        let app = rdap::router(hub).into_make_service_with_connect_info::<SocketAddr>();
        let mut rx = shared.shutdown_signal();
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(hub_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|v| *v).await;
                })
                .await;
        }));
        config.rdap_bootstrap_url = Some(format!("{base}/bootstrap/dns.json"));
        config.lab_control = Some(base.clone());

        // Certificate Transparency logs.
        let ct_listener = bind_tcp("CT logs").await?;
        let ct_addr = local(&ct_listener, "CT logs")?;
        let logs = ct::CtLogs::new(shared.clone())
            .ok_or_else(|| LabError::Scenario("cannot make the CT logs' certificates".into()))?;
        let app = ct::router(Arc::new(logs));
        let mut rx = shared.shutdown_signal();
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(ct_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|v| *v).await;
                })
                .await;
        }));
        config.ct_logs = ct::LOGS
            .iter()
            .map(|l| format!("http://{ct_addr}/{l}/"))
            .collect();

        // WHOIS.
        let mut whois_eps = BTreeMap::new();
        for (host, role) in whois::hosts(&scenario) {
            let l = bind_tcp(&format!("WHOIS {host}")).await?;
            let addr = local(&l, &host)?;
            whois_eps.insert(host.clone(), addr);
            config.whois_hosts.insert(host.clone(), addr);
            tasks.push(tokio::spawn(whois::serve(l, host, role, shared.clone())));
        }

        // SMTP.
        let smtp_l = bind_tcp("SMTP").await?;
        let smtp_addr = local(&smtp_l, "SMTP")?;
        config.smtp = Some(smtp_addr);
        tasks.push(tokio::spawn(smtp::serve(smtp_l, shared.clone())));

        // HTTP sites.
        let mut http_eps = BTreeMap::new();
        let mut ips: Vec<IpAddr> = scenario.sites.iter().map(|s| s.ip).collect();
        ips.sort();
        ips.dedup();
        for ip in ips {
            let l = bind_tcp(&format!("HTTP {ip}")).await?;
            let addr = local(&l, "HTTP")?;
            http_eps.insert(ip, addr);
            config.http_ports.insert(ip, addr);
            let app = sites::router(&scenario.sites, ip, shared.requests.clone());
            tasks.push(serve_site(l, app, &shared));
        }

        // The same sites over HTTPS, with a certificate from the lab CA for every named host.
        let mut https_eps = BTreeMap::new();
        if !scenario.sites.is_empty() {
            let hosts: Vec<String> = scenario
                .sites
                .iter()
                .flat_map(|s| s.hosts.iter().cloned())
                .collect();
            let site_tls = tls::site_tls(&hosts).map_err(LabError::Tls)?;
            config.extra_roots_pem = Some(site_tls.ca_pem.clone());
            for ip in http_eps.keys().copied().collect::<Vec<_>>() {
                let l = bind_tcp(&format!("HTTPS {ip}")).await?;
                let addr = local(&l, "HTTPS")?;
                https_eps.insert(ip, addr);
                config.https_ports.insert(ip, addr);
                let app = sites::router(&scenario.sites, ip, shared.requests.clone());
                let listener = tls::Listener {
                    tcp: l,
                    acceptor: site_tls.acceptor.clone(),
                };
                tasks.push(serve_site(listener, app, &shared));
            }
        }

        let endpoints = Endpoints {
            scenario: scenario.name().to_string(),
            now: shared.view().now.to_string(),
            dns_root: dns_eps
                .iter()
                .filter(|e| scenario.root.iter().any(|r| r.ip == e.simulated))
                .cloned()
                .collect(),
            dns: dns_eps,
            rdap_bootstrap: format!("{base}/bootstrap/dns.json"),
            whois: whois_eps,
            smtp: smtp_addr,
            control: base,
            http: http_eps,
            https: https_eps,
            ct_logs: config.ct_logs.clone(),
        };
        Ok(Lab {
            shared,
            stop,
            dns_servers,
            tasks,
            endpoints,
            config,
        })
    }

    /// The client configuration that reaches this lab.
    pub fn net_config(&self) -> NetConfig {
        self.config.clone()
    }

    /// Writes the client configuration (TOML) to `path`.
    pub fn write_config(&self, path: &Path) -> Result<(), LabError> {
        let err = |message: String| LabError::Write {
            path: path.display().to_string(),
            message,
        };
        let text = domains::netconfig::to_toml(&self.config).map_err(|e| err(e.to_string()))?;
        std::fs::write(path, text).map_err(|e| err(e.to_string()))
    }

    /// Where everything listens.
    pub fn endpoints(&self) -> Endpoints {
        let mut e = self.endpoints.clone();
        e.now = self.now().to_string();
        e
    }

    /// The scenario being played.
    pub fn scenario(&self) -> &Scenario {
        &self.shared.scenario
    }

    /// The lab clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.shared.view().now
    }

    /// The lab day (0 = the scenario's start date).
    pub fn day(&self) -> i64 {
        self.shared.day()
    }

    /// Moves the clock forward; returns the events applied on the way.
    pub async fn advance_days(&self, days: u32) -> AdvanceOutcome {
        let shared = self.shared.clone();
        let days = i64::from(days);
        tokio::task::spawn_blocking(move || shared.advance(days))
            .await
            .unwrap_or_else(|_| AdvanceOutcome {
                now: String::new(),
                day: -1,
                events: Vec::new(),
            })
    }

    /// Moves the clock forward to `date` (no-op if it is not after the current date).
    pub async fn advance_to(&self, date: jiff::civil::Date) -> AdvanceOutcome {
        let cur = self.shared.view().date;
        let days = cur.until(date).map(|s| s.get_days()).unwrap_or(0).max(0);
        self.advance_days(u32::try_from(days).unwrap_or(0)).await
    }

    /// The scheduled and life-cycle events of the next `days` days (desk actions not yet taken
    /// are not included).
    pub fn timeline(&self, days: u32) -> Vec<AppliedEvent> {
        self.shared.timeline(i64::from(days))
    }

    /// Every message the SMTP sink received and every reply the abuse desks wrote.
    pub fn mailbox(&self) -> Vec<MailMessage> {
        self.shared.mailbox()
    }

    /// Stops every server and waits for them, 3 seconds at most in all (a request still being
    /// served, such as a long clock advance, is not waited for beyond that).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
        for s in &mut self.dns_servers {
            let _ = tokio::time::timeout_at(deadline, s.shutdown_gracefully()).await;
        }
        for t in self.tasks.drain(..) {
            if tokio::time::timeout_at(deadline, t).await.is_err() {
                tracing::warn!("a lab task did not stop in time");
            }
        }
    }
}

/// Serves a site router on `listener` (plain TCP or the lab's TLS) until the lab shuts down.
fn serve_site<L>(
    listener: L,
    app: axum::Router,
    shared: &shared::Shared,
) -> tokio::task::JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    let mut rx = shared.shutdown_signal();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.wait_for(|v| *v).await;
            })
            .await;
    })
}
