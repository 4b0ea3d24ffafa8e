//! The [`Prober`]: everything the `inspect` and `watch` commands observe about one registrable
//! domain (RDAP or WHOIS registration, DNS), as a [`Snapshot`] that is never a failure as a
//! whole: what could not be observed becomes a [`ProbeIssue`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use url::Url;

use domains::DomainName;
use domains::dns::{DnsOutcome, DnsSnapshot};
use domains::netconfig::NetConfig;
use domains::registration::{LifecyclePhase, LifecyclePolicy, RegistrationRecord, lifecycle_phase};
use domains::snapshot::{ProbeIssue, Snapshot};

use crate::dns::{DnsOptions, DnsProbe};
use crate::http::{Http, HttpConfig, HttpError};
use crate::net::HostLimiter;
use crate::rdap::bootstrap::IANA_DNS_URL;
use crate::rdap::{BootstrapSource, RdapClient};
use crate::whois::{WhoisClient, WhoisOptions};

/// What to probe and within which limits.
#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Where the RDAP bootstrap files are cached (`None`: memory only).
    pub cache_dir: Option<PathBuf>,
    /// Time limit of one HTTP request or WHOIS query.
    pub timeout: Duration,
    /// Probe DNS.
    pub dns: bool,
    /// Ask RDAP.
    pub rdap: bool,
    /// Ask WHOIS where there is no RDAP service (or RDAP gave nothing).
    pub whois: bool,
    /// Requests at once to one RDAP host.
    pub per_host_concurrency: usize,
    /// Minimum interval between two requests to one RDAP host.
    pub min_interval: Duration,
    /// Largest RDAP response read.
    pub max_body: usize,
    /// Redirects followed per RDAP request.
    pub max_redirects: usize,
    /// How often a `429` is waited out and retried.
    pub max_429_retries: u32,
    /// The longest `Retry-After` waited for.
    pub retry_after_cap: Duration,
    /// Time limit of one DNS query.
    pub dns_timeout: Duration,
    /// Attempts per DNS query and server.
    pub dns_tries: u8,
    /// Ask each nameserver for the SOA over TCP too.
    pub dns_tcp: bool,
    /// Test for wildcard records.
    pub wildcard_test: bool,
    /// The longest one DNS snapshot may take as a whole. The per-question budget bounds how
    /// many questions are asked, but hostile name servers that never answer cost a timeout
    /// each; past this the DNS part is abandoned (recorded as an issue, never as "gone").
    pub dns_deadline: Duration,
    /// Timeouts in a row after which an RDAP or WHOIS server is marked down for the rest of
    /// this prober's life (a pass): later names are incomplete at once. 0: never give up.
    pub give_up_after_timeouts: u32,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            cache_dir: None,
            timeout: Duration::from_secs(15),
            dns: true,
            rdap: true,
            whois: true,
            per_host_concurrency: 2,
            min_interval: Duration::from_millis(250),
            max_body: 2 << 20,
            max_redirects: 5,
            max_429_retries: 2,
            retry_after_cap: crate::net::MAX_RETRY_AFTER,
            dns_timeout: Duration::from_secs(3),
            dns_tries: 2,
            dns_tcp: true,
            wildcard_test: true,
            dns_deadline: Duration::from_secs(120),
            give_up_after_timeouts: crate::rdap::GIVE_UP_AFTER_TIMEOUTS,
        }
    }
}

/// A prober that could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("HTTP client: {0}")]
    Http(#[from] HttpError),
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// The registration of a domain as the registry and the registrar publish it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistrationView {
    pub registry: Option<RegistrationRecord>,
    pub registrar: Option<RegistrationRecord>,
    pub issues: Vec<ProbeIssue>,
    /// Each answer as received, for evidence: `rdap` bodies and `whois` texts.
    pub transcript: Vec<RawAnswer>,
}

/// One answer as a server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawAnswer {
    /// `rdap` or `whois`.
    pub protocol: &'static str,
    /// The URL or WHOIS server asked.
    pub server: String,
    pub body: Vec<u8>,
}

struct Inner {
    cfg: Arc<NetConfig>,
    opts: ProbeOptions,
    /// For the lab control interface only: not paced by the RDAP per-host limits, which the
    /// lab's clock shares a host with.
    control: Http,
    rdap: RdapClient,
    dns: DnsProbe,
    whois: WhoisClient,
}

/// Observes domains. Cheap to clone; `Send + Sync`.
#[derive(Clone)]
pub struct Prober {
    inner: Arc<Inner>,
}

fn issue(source: &str, message: impl Into<String>) -> ProbeIssue {
    ProbeIssue {
        source: source.into(),
        message: message.into(),
    }
}

impl Prober {
    pub fn new(cfg: NetConfig, opts: ProbeOptions) -> Result<Prober, ProbeError> {
        let bootstrap_url = cfg
            .rdap_bootstrap_url
            .clone()
            .unwrap_or_else(|| IANA_DNS_URL.to_string());
        Url::parse(&bootstrap_url).map_err(|e| {
            ProbeError::Config(format!("rdap_bootstrap_url {bootstrap_url:?}: {e}"))
        })?;
        if let Some(c) = &cfg.lab_control {
            Url::parse(c).map_err(|e| ProbeError::Config(format!("lab_control {c:?}: {e}")))?;
        }
        let limiter = HostLimiter::new(opts.per_host_concurrency, opts.min_interval);
        let http_config = HttpConfig {
            timeout: opts.timeout,
            max_body: opts.max_body,
            max_redirects: opts.max_redirects,
            max_429_retries: opts.max_429_retries,
            retry_after_cap: opts.retry_after_cap,
            allow_private: cfg.allow_private_addresses,
            ..HttpConfig::default()
        };
        let http = Http::new(http_config.clone(), limiter)?;
        let control = Http::new(http_config, HostLimiter::new(16, Duration::ZERO))?;
        // The built-in table of unlisted ccTLD services goes with IANA's bootstrap only.
        let iana_bootstrap = cfg.rdap_bootstrap_url.is_none();
        let rdap = RdapClient::new(
            http.clone(),
            BootstrapSource::new(bootstrap_url, opts.cache_dir.clone())
                .with_embedded_fallback(iana_bootstrap),
            cfg.rdap_overrides.clone(),
        )
        .with_builtin_overrides(iana_bootstrap)
        .with_give_up_after(opts.give_up_after_timeouts);
        let cfg = Arc::new(cfg);
        let dns = DnsProbe::new(
            cfg.clone(),
            DnsOptions {
                timeout: opts.dns_timeout,
                tries: opts.dns_tries,
                tcp: opts.dns_tcp,
                wildcard: opts.wildcard_test,
                ..DnsOptions::default()
            },
        );
        let whois = WhoisClient::new(
            &cfg,
            WhoisOptions {
                timeout: opts.timeout,
                give_up_after_timeouts: opts.give_up_after_timeouts,
                ..WhoisOptions::default()
            },
        );
        Ok(Prober {
            inner: Arc::new(Inner {
                cfg,
                opts,
                control,
                rdap,
                dns,
                whois,
            }),
        })
    }

    /// The network configuration in use.
    pub fn config(&self) -> &NetConfig {
        &self.inner.cfg
    }

    /// The RDAP client (for callers that need single records).
    pub fn rdap(&self) -> &RdapClient {
        &self.inner.rdap
    }

    /// The DNS probe.
    pub fn dns_probe(&self) -> &DnsProbe {
        &self.inner.dns
    }

    /// "Now": the lab clock (`GET {lab_control}/clock` -> `{"now": RFC 3339}`) when the
    /// configuration names a lab, else the system clock. Falls back to the system clock when
    /// the lab does not answer.
    pub async fn now(&self) -> Timestamp {
        match self.lab_now().await {
            Some(Ok(t)) => t,
            Some(Err(e)) => {
                tracing::warn!("lab clock unavailable ({e}); using the system clock");
                Timestamp::now()
            }
            None => Timestamp::now(),
        }
    }

    /// The lab clock, if a lab is configured.
    pub async fn lab_now(&self) -> Option<Result<Timestamp, String>> {
        let base = self.inner.cfg.lab_control.as_deref()?;
        Some(self.fetch_lab_clock(base).await)
    }

    async fn fetch_lab_clock(&self, base: &str) -> Result<Timestamp, String> {
        let url = Url::parse(&format!("{}/clock", base.trim_end_matches('/')))
            .map_err(|e| e.to_string())?;
        let reply = self
            .inner
            .control
            .get(url, "application/json")
            .await
            .map_err(|e| e.to_string())?;
        if reply.status != 200 {
            return Err(format!("HTTP {}", reply.status));
        }
        let v: serde_json::Value =
            serde_json::from_slice(&reply.body).map_err(|e| e.to_string())?;
        v.get("now")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| "no \"now\" in the clock answer".to_string())?
            .parse::<Timestamp>()
            .map_err(|e| e.to_string())
    }

    /// The registration: RDAP (registry, then registrar), or WHOIS where the TLD has no RDAP
    /// service or RDAP gave no registry record.
    pub async fn registration(&self, domain: &DomainName) -> RegistrationView {
        let mut view = RegistrationView::default();
        let mut try_whois = true;
        // Set when the TLD has no RDAP service: an issue only if WHOIS does not answer either.
        let mut no_service = None;
        if self.inner.opts.rdap {
            let l = self.inner.rdap.lookup(domain).await;
            view.issues
                .extend(l.issues.into_iter().map(|m| issue("rdap", m)));
            if !l.has_service {
                no_service = Some(format!("no RDAP service is known for .{}", domain.tld()));
            }
            try_whois = l.registry.is_none();
            view.transcript
                .extend(l.transcript.into_iter().map(|(server, body)| RawAnswer {
                    protocol: "rdap",
                    server,
                    body,
                }));
            view.registry = l.registry;
            view.registrar = l.registrar;
        }
        if try_whois && self.inner.opts.whois {
            match self.inner.whois.lookup(domain).await {
                Ok(w) => {
                    view.transcript
                        .extend(w.transcript.into_iter().map(|(server, text)| RawAnswer {
                            protocol: "whois",
                            server,
                            body: text.into_bytes(),
                        }));
                    let mut registry = w.registry;
                    let why = no_service
                        .take()
                        .unwrap_or_else(|| "RDAP gave no registry record".to_string());
                    registry.notes.insert(0, format!("{why}: WHOIS used"));
                    view.registry = Some(registry);
                    view.registrar = w.registrar;
                }
                Err(e) => view.issues.push(issue("whois", e.to_string())),
            }
        } else if try_whois && view.registry.is_none() {
            let why = if self.inner.opts.rdap {
                "no registration data: RDAP gave none and WHOIS is off"
            } else {
                "no registration data: RDAP and WHOIS are off"
            };
            view.issues.push(issue("whois", why));
        }
        if let Some(m) = no_service {
            view.issues.insert(0, issue("rdap", m));
        }
        view
    }

    /// The WHOIS server host name used for `tld` (override or IANA referral).
    pub async fn whois_server(&self, tld: &str) -> Result<String, String> {
        self.inner
            .whois
            .registry_server(tld)
            .await
            .map_err(|e| e.to_string())
    }

    /// The registry of `tld` and its contacts, from IANA's WHOIS (the root zone database).
    pub async fn tld_record(&self, tld: &str) -> Result<crate::whois::TldRecord, String> {
        self.inner
            .whois
            .tld_record(tld)
            .await
            .map_err(|e| e.to_string())
    }

    /// One RRset of any host name, resolved iteratively (CNAMEs followed): for checking the
    /// targets a zone refers to (MX hosts, CNAME targets, SPF includes).
    pub async fn lookup(&self, name: &DomainName, rtype: &str) -> domains::dns::RecordSet {
        self.inner.dns.lookup(name, rtype).await
    }

    /// The DNS state.
    pub async fn dns(&self, domain: &DomainName) -> DnsSnapshot {
        self.inner.dns.snapshot(domain).await
    }

    /// Everything at once: registration and DNS concurrently, the lifecycle phase at the
    /// (lab) clock's now. Never fails as a whole.
    pub async fn snapshot(&self, domain: &DomainName) -> Snapshot {
        let want_dns = self.inner.opts.dns;
        let (reg, dns, now) = tokio::join!(
            self.registration(domain),
            async {
                if want_dns {
                    let limit = self.inner.opts.dns_deadline;
                    Some(tokio::time::timeout(limit, self.dns(domain)).await.ok())
                } else {
                    None
                }
            },
            self.now()
        );
        let mut issues = reg.issues;
        let dns = match dns {
            Some(Some(d)) => Some(d),
            Some(None) => {
                issues.push(issue(
                    "dns",
                    format!(
                        "the DNS checks took longer than {} s and were abandoned",
                        self.inner.opts.dns_deadline.as_secs()
                    ),
                ));
                None
            }
            None => None,
        };
        if let Some(d) = &dns
            && let Some(del) = &d.delegation
        {
            match &del.outcome {
                DnsOutcome::Timeout => issues.push(issue(
                    "dns",
                    format!("the {} servers did not answer", del.parent_zone),
                )),
                DnsOutcome::Error(e) => issues.push(issue("dns", format!("delegation: {e}"))),
                _ => {}
            }
        }
        let primary = reg.registry.as_ref().or(reg.registrar.as_ref());
        let phase = match primary {
            Some(r) => lifecycle_phase(r, now, &LifecyclePolicy::for_tld(domain.tld())),
            None => LifecyclePhase::Unknown,
        };
        Snapshot {
            domain: domain.clone(),
            taken_at: now,
            registry: reg.registry,
            registrar: reg.registrar,
            dns,
            phase,
            issues,
        }
    }
}
