//! Network guards shared by the HTTP probes: which addresses a server may send us to,
//! `Retry-After` parsing, and per-host concurrency and pacing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Whether `ip` is a public unicast address: not private (RFC 1918, ULA), loopback,
/// link-local, unspecified, shared (CGNAT), documentation, benchmarking, multicast or broadcast.
///
/// A server on the internet may never send a client to anything else (a redirect or referral
/// to 127.0.0.1 or 169.254.169.254 is an attack on the client's own network).
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        // 100.64.0.0/10 shared address space (CGNAT)
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        // 198.18.0.0/15 benchmarking
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        // 192.0.0.0/24 IETF protocol assignments
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        // 240.0.0.0/4 reserved
        || o[0] >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local
        || (s[0] & 0xfe00) == 0xfc00
        // fe80::/10 link-local
        || (s[0] & 0xffc0) == 0xfe80
        // 2001:db8::/32 documentation
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        // 64:ff9b:1::/48 local-use NAT64
        || (s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 1))
}

/// The longest wait a server may impose through `Retry-After`.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (RFC 9110 10.2.3), relative to
/// `now`. A date in the past means "now" (zero). Never fails on hostile input: `None` when the
/// value is neither form. The result is not capped (see [`MAX_RETRY_AFTER`]).
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() || v.len() > 64 {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // Saturate absurdly large values instead of failing.
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(v)?;
    let delta = at.as_second().saturating_sub(now.as_second());
    Some(Duration::from_secs(u64::try_from(delta).unwrap_or(0)))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), and the obsolete RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms.
fn parse_http_date(v: &str) -> Option<Timestamp> {
    const FORMATS: &[&str] = &[
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    ];
    let collapsed: String = v.split_whitespace().collect::<Vec<_>>().join(" ");
    for fmt in FORMATS {
        if let Ok(dt) = jiff::civil::DateTime::strptime(fmt, &collapsed)
            && let Ok(z) = dt.to_zoned(jiff::tz::TimeZone::UTC)
        {
            return Some(z.timestamp());
        }
    }
    None
}

/// Per-host concurrency limits and a minimum interval between the starts of two requests to
/// the same host. Cheap to clone (shared state).
#[derive(Clone)]
pub struct HostLimiter {
    inner: Arc<LimiterInner>,
}

struct LimiterInner {
    per_host: usize,
    min_interval: Duration,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

struct HostSlot {
    sem: Arc<Semaphore>,
    next_start: tokio::sync::Mutex<Option<Instant>>,
}

/// Held while a request to a host is in flight.
pub struct HostPermit {
    _permit: OwnedSemaphorePermit,
}

impl HostLimiter {
    /// At most `per_host` requests at once to one host (at least 1), started at least
    /// `min_interval` apart.
    pub fn new(per_host: usize, min_interval: Duration) -> HostLimiter {
        HostLimiter {
            inner: Arc::new(LimiterInner {
                per_host: per_host.max(1),
                min_interval,
                hosts: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn slot(&self, host: &str) -> Arc<HostSlot> {
        let mut hosts = match self.inner.hosts.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        hosts
            .entry(host.to_ascii_lowercase())
            .or_insert_with(|| {
                Arc::new(HostSlot {
                    sem: Arc::new(Semaphore::new(self.inner.per_host)),
                    next_start: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    /// Waits for a free slot for `host` and for its pacing interval.
    pub async fn acquire(&self, host: &str) -> Option<HostPermit> {
        let slot = self.slot(host);
        let permit = slot.sem.clone().acquire_owned().await.ok()?;
        let mut next = slot.next_start.lock().await;
        let now = Instant::now();
        if let Some(at) = *next
            && at > now
        {
            tokio::time::sleep_until(at).await;
        }
        *next = Some(Instant::now() + self.inner.min_interval);
        Some(HostPermit { _permit: permit })
    }

    /// Pushes the next start for `host` at least `wait` into the future (after a 429).
    pub async fn back_off(&self, host: &str, wait: Duration) {
        let slot = self.slot(host);
        let mut next = slot.next_start.lock().await;
        let at = Instant::now() + wait;
        if next.is_none_or(|n| n < at) {
            *next = Some(at);
        }
    }
}

/// Servers given up on for the rest of a pass: after `after` timeouts in a row, a server is
/// marked down and not asked again by this prober (a server that accepts and never answers
/// would otherwise cost a full timeout for every name). A new prober starts afresh. Shared by
/// clones; `after == 0` never gives up.
#[derive(Debug)]
pub struct DownServers {
    after: u32,
    timeouts: Mutex<HashMap<String, u32>>,
}

impl DownServers {
    pub fn new(after: u32) -> DownServers {
        DownServers {
            after,
            timeouts: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        match self.timeouts.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The timeouts counted when `server` is marked down.
    pub fn is_down(&self, server: &str) -> Option<u32> {
        if self.after == 0 {
            return None;
        }
        let n = self.map().get(server).copied().unwrap_or(0);
        (n >= self.after).then_some(n)
    }

    /// Counts a timeout; returns the count.
    pub fn timed_out(&self, server: &str) -> u32 {
        let mut m = self.map();
        let n = m.entry(server.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        if *n == self.after {
            tracing::debug!(%server, timeouts = *n, "server marked down for this pass");
        }
        *n
    }

    /// The server answered: its count starts again.
    pub fn answered(&self, server: &str) {
        self.map().remove(server);
    }
}

/// A DNS resolver for reqwest that drops non-public addresses unless allowed: a host name that
/// resolves only to private or loopback addresses cannot be reached.
pub(crate) struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allow = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow || is_public_address(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let it: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

/// Checks a URL before connecting to it, without resolving anything: the scheme must be HTTP(S)
/// and a literal address (or `localhost`) must be public unless private addresses are allowed.
/// Names are guarded when they are resolved ([`GuardedResolver`]), so together every URL we
/// connect to, also the ones from a bootstrap file or a configuration, passes the guard that
/// redirects pass. Returns why not.
pub fn check_literal(url: &url::Url, allow_private: bool) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("scheme {other:?} is not HTTP")),
    }
    if allow_private {
        return Ok(());
    }
    let ip = match url.host() {
        None => return Err("no host".into()),
        Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
        Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            if d == "localhost" || d.ends_with(".localhost") {
                return Err(format!("{d} is a loopback name"));
            }
            return Ok(());
        }
    };
    if is_public_address(ip) {
        Ok(())
    } else {
        Err(format!("{ip} is not a public address"))
    }
}

/// Checks the host of a URL a server gave us (redirect, `related` link): literal addresses must
/// be public, names must resolve to public addresses only, unless private addresses are
/// allowed. Returns why not.
pub async fn check_target(url: &url::Url, allow_private: bool) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("scheme {other:?} is not HTTP")),
    }
    if allow_private {
        return Ok(());
    }
    let Some(host) = url.host() else {
        return Err("no host".into());
    };
    let ips: Vec<IpAddr> = match host {
        url::Host::Ipv4(v4) => vec![IpAddr::V4(v4)],
        url::Host::Ipv6(v6) => vec![IpAddr::V6(v6)],
        url::Host::Domain(d) => {
            if d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
            {
                return Err(format!("{d} is a loopback name"));
            }
            let port = url.port_or_known_default().unwrap_or(443);
            match tokio::net::lookup_host((d, port)).await {
                Ok(it) => it.map(|a| a.ip()).collect(),
                Err(e) => return Err(format!("{d} does not resolve: {e}")),
            }
        }
    };
    if let Some(bad) = ips.iter().find(|ip| !is_public_address(**ip)) {
        return Err(format!("{bad} is not a public address"));
    }
    if ips.is_empty() {
        return Err("no address".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn address_guard() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public_address(bad.parse().unwrap()), "{bad}");
        }
        for good in ["192.0.43.8", "2001:500:8f::53", "::ffff:192.0.43.8"] {
            assert!(is_public_address(good.parse().unwrap()), "{good}");
        }
    }

    #[test]
    fn servers_are_marked_down_after_repeated_timeouts() {
        let d = DownServers::new(2);
        assert_eq!(d.is_down("a"), None);
        d.timed_out("a");
        assert_eq!(d.is_down("a"), None);
        d.answered("a");
        d.timed_out("a");
        assert_eq!(d.is_down("a"), None, "in a row only");
        d.timed_out("a");
        assert_eq!(d.is_down("a"), Some(2));
        assert_eq!(d.is_down("b"), None, "per server");
        let never = DownServers::new(0);
        for _ in 0..5 {
            never.timed_out("a");
        }
        assert_eq!(never.is_down("a"), None);
    }

    #[test]
    fn literal_guard_needs_no_resolution() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        for bad in [
            "http://169.254.169.254/",
            "http://127.0.0.1:8080/x",
            "https://[fe80::1]/",
            "http://localhost/",
            "http://rdap.localhost/",
            "file:///etc/passwd",
        ] {
            assert!(check_literal(&u(bad), false).is_err(), "{bad}");
        }
        // Names pass here: they are guarded when resolved.
        assert!(check_literal(&u("https://rdap.example.net/"), false).is_ok());
        assert!(check_literal(&u("https://192.0.43.8/rdap/"), false).is_ok());
        assert!(check_literal(&u("http://127.0.0.1:8080/x"), true).is_ok());
        assert!(check_literal(&u("ftp://127.0.0.1/"), true).is_err());
    }

    #[test]
    fn retry_after_forms() {
        let now: Timestamp = "1994-11-06T08:49:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(37))
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now),
            Some(Duration::from_secs(37))
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:37 1994", now),
            Some(Duration::from_secs(37))
        );
        // in the past
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[tokio::test]
    async fn target_check() {
        let u = |s: &str| url::Url::parse(s).unwrap();
        assert!(
            check_target(&u("http://127.0.0.1:8080/x"), false)
                .await
                .is_err()
        );
        assert!(check_target(&u("http://[::1]/x"), false).await.is_err());
        assert!(check_target(&u("http://localhost/x"), false).await.is_err());
        assert!(
            check_target(&u("http://169.254.169.254/"), false)
                .await
                .is_err()
        );
        assert!(check_target(&u("ftp://192.0.43.8/"), false).await.is_err());
        assert!(
            check_target(&u("https://192.0.43.8/rdap/"), false)
                .await
                .is_ok()
        );
        assert!(
            check_target(&u("http://127.0.0.1:8080/x"), true)
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn limiter_paces_one_host() {
        let l = HostLimiter::new(1, Duration::from_millis(30));
        let start = Instant::now();
        drop(l.acquire("a.example").await);
        drop(l.acquire("A.EXAMPLE").await);
        drop(l.acquire("a.example").await);
        assert!(start.elapsed() >= Duration::from_millis(60));
        // another host is not held back
        let t = Instant::now();
        drop(l.acquire("b.example").await);
        assert!(t.elapsed() < Duration::from_millis(30));
    }

    proptest! {
        #[test]
        fn retry_after_never_panics(s in "\\PC{0,80}") {
            let now = Timestamp::UNIX_EPOCH;
            let _ = parse_retry_after(&s, now);
        }

        #[test]
        fn retry_after_seconds_round_trip(n in 0u64..10_000_000) {
            let now = Timestamp::UNIX_EPOCH;
            prop_assert_eq!(parse_retry_after(&n.to_string(), now), Some(Duration::from_secs(n)));
        }
    }
}
