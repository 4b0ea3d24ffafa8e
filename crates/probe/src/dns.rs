//! The DNS probe: iterative resolution from the root hints, the parent's delegation (NS, glue,
//! DS), each nameserver asked directly (SOA over UDP and TCP, the AA bit, the serial, its own NS
//! set), the apex records from an authoritative server, the addresses the zone publishes for its
//! in-bailiwick NS names (to compare with the glue), and a wildcard test.
//!
//! Every question is non-recursive and goes to one server (`hickory_net::client`), mapped
//! through [`NetConfig::dns_socket`] so that the lab's simulated addresses work. SERVFAIL,
//! REFUSED, timeout and NXDOMAIN stay distinct ([`DnsOutcome`]).

pub mod classify;
pub mod dnssec;

use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::future::join_all;
use hickory_net::DnsHandle;
use hickory_net::client::Client;
use hickory_net::runtime::TokioRuntimeProvider;
use hickory_net::tcp::TcpClientStream;
use hickory_net::udp::UdpClientStream;
use hickory_proto::op::{DnsRequestOptions, Message, Query};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::sync::Mutex;

use domains::DomainName;
use domains::dns::{
    Delegation, DnsOutcome, DnsSnapshot, Glue, NameserverCheck, RecordSet, ServerCheck,
};
use domains::netconfig::NetConfig;

use classify::{classify, ds_of, present};

/// The IPv4 addresses of the thirteen root servers (a to m.root-servers.net), from IANA's root
/// hints file (<https://www.internic.net/domain/named.root>). Used when the configuration gives
/// no root hints.
pub const IANA_ROOT_SERVERS: [IpAddr; 13] = [
    IpAddr::V4(Ipv4Addr::new(198, 41, 0, 4)),
    IpAddr::V4(Ipv4Addr::new(170, 247, 170, 2)),
    IpAddr::V4(Ipv4Addr::new(192, 33, 4, 12)),
    IpAddr::V4(Ipv4Addr::new(199, 7, 91, 13)),
    IpAddr::V4(Ipv4Addr::new(192, 203, 230, 10)),
    IpAddr::V4(Ipv4Addr::new(192, 5, 5, 241)),
    IpAddr::V4(Ipv4Addr::new(192, 112, 36, 4)),
    IpAddr::V4(Ipv4Addr::new(198, 97, 190, 53)),
    IpAddr::V4(Ipv4Addr::new(192, 36, 148, 17)),
    IpAddr::V4(Ipv4Addr::new(192, 58, 128, 30)),
    IpAddr::V4(Ipv4Addr::new(193, 0, 14, 129)),
    IpAddr::V4(Ipv4Addr::new(199, 7, 83, 42)),
    IpAddr::V4(Ipv4Addr::new(202, 12, 27, 33)),
];

/// The apex record types collected in a snapshot.
pub const APEX_TYPES: [RecordType; 9] = [
    RecordType::SOA,
    RecordType::NS,
    RecordType::A,
    RecordType::AAAA,
    RecordType::MX,
    RecordType::TXT,
    RecordType::CAA,
    RecordType::CNAME,
    RecordType::DNSKEY,
];

const MAX_REFERRALS: usize = 24;
const MAX_CNAMES: usize = 8;
const MAX_NS_NAMES: usize = 13;
const MAX_ADDRESSES_PER_NS: usize = 4;
const MAX_SERVERS_TRIED: usize = 4;
/// The most addresses kept of what a zone publishes for one of its NS names.
const MAX_CHILD_ADDRESSES: usize = 16;
/// How long the servers of a TLD learnt from the root are reused.
pub const ZONE_CACHE_TTL: Duration = Duration::from_secs(3600);
/// hickory's own request timer runs a little longer than ours, so that a silent server is
/// reported as a timeout by our timer rather than as an ended stream.
const INNER_GRACE: Duration = Duration::from_secs(1);

/// Limits of the DNS probe.
#[derive(Debug, Clone)]
pub struct DnsOptions {
    /// Time limit for one query.
    pub timeout: Duration,
    /// Attempts per query and server when it times out.
    pub tries: u8,
    /// Also ask each nameserver for the SOA over TCP.
    pub tcp: bool,
    /// Test for a wildcard with a random label.
    pub wildcard: bool,
    /// How deep resolving out-of-bailiwick nameserver names may nest.
    pub max_depth: u8,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            timeout: Duration::from_secs(3),
            tries: 2,
            tcp: true,
            wildcard: true,
            max_depth: 4,
        }
    }
}

/// One server's answer to one question, classified.
#[derive(Debug, Clone)]
pub struct Reply {
    pub outcome: DnsOutcome,
    pub authoritative: bool,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
}

impl Reply {
    fn failed(outcome: DnsOutcome) -> Reply {
        Reply {
            outcome,
            authoritative: false,
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
        }
    }

    /// Whether to try another server of the same zone.
    fn try_another(&self) -> bool {
        matches!(
            self.outcome,
            DnsOutcome::Timeout | DnsOutcome::ServFail | DnsOutcome::Refused | DnsOutcome::Error(_)
        )
    }
}

/// The result of resolving a name iteratively.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub outcome: DnsOutcome,
    pub records: Vec<Record>,
    /// The name was an alias (a CNAME was followed).
    pub via_cname: bool,
}

tokio::task_local! {
    /// Questions left for the current snapshot (bounds the work a hostile delegation graph can
    /// cause).
    static BUDGET: Arc<AtomicU32>;
}

/// The most questions one snapshot may ask.
pub const MAX_QUERIES_PER_SNAPSHOT: u32 = 600;

type ZoneCache = HashMap<Name, (Instant, Vec<IpAddr>)>;

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The DNS probe. Cheap to clone.
#[derive(Clone)]
pub struct DnsProbe {
    cfg: Arc<NetConfig>,
    opts: DnsOptions,
    counter: Arc<AtomicU64>,
    /// Top-level zone -> server addresses learnt from referrals, with the time learnt. Only
    /// TLDs are kept (they rarely move), for [`ZONE_CACHE_TTL`].
    zones: Arc<Mutex<ZoneCache>>,
    /// Name server host -> its addresses, resolved while following a referral without glue,
    /// for [`HOST_CACHE_TTL`]: a thousand lookups under one out-of-bailiwick name server
    /// resolve its name once, not a thousand times.
    hosts: Arc<Mutex<ZoneCache>>,
}

/// How long a referral's name server addresses, resolved (not glue), are reused.
pub const HOST_CACHE_TTL: Duration = Duration::from_secs(300);

/// Most entries of each cache.
const MAX_CACHED: usize = 4096;

/// `example.com` -> `example.com.`
pub fn fqdn(domain: &DomainName) -> Option<Name> {
    Name::from_ascii(format!("{}.", domain.as_str())).ok()
}

fn lower(n: &Name) -> Name {
    n.to_lowercase()
}

impl DnsProbe {
    pub fn new(cfg: Arc<NetConfig>, opts: DnsOptions) -> DnsProbe {
        DnsProbe {
            cfg,
            opts,
            counter: Arc::new(AtomicU64::new(0)),
            zones: Arc::new(Mutex::new(HashMap::new())),
            hosts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    fn roots(&self) -> Vec<IpAddr> {
        if self.cfg.root_hints.is_empty() {
            IANA_ROOT_SERVERS.to_vec()
        } else {
            self.cfg.root_hints.clone()
        }
    }

    /// Asks `server` one non-recursive question, over UDP (TCP when truncated) or TCP.
    pub async fn ask(&self, server: IpAddr, name: &Name, rtype: RecordType, tcp: bool) -> Reply {
        self.ask_with(server, name, rtype, tcp, false).await
    }

    /// [`DnsProbe::ask`] with the DO bit set (RFC 3225): the answer carries RRSIGs.
    pub async fn ask_dnssec(&self, server: IpAddr, name: &Name, rtype: RecordType) -> Reply {
        self.ask_with(server, name, rtype, false, true).await
    }

    async fn ask_with(
        &self,
        server: IpAddr,
        name: &Name,
        rtype: RecordType,
        tcp: bool,
        dnssec_ok: bool,
    ) -> Reply {
        let exhausted = BUDGET
            .try_with(|b| {
                b.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_err()
            })
            .unwrap_or(false);
        if exhausted {
            return Reply::failed(DnsOutcome::Error("query budget exhausted".into()));
        }
        let socket = self.cfg.dns_socket(server);
        let mut last = Reply::failed(DnsOutcome::Timeout);
        for _ in 0..self.opts.tries.max(1) {
            let msg = if tcp {
                self.once_tcp(socket, name, rtype, dnssec_ok).await
            } else {
                self.once_udp(socket, name, rtype, dnssec_ok).await
            };
            match msg {
                Ok(m) if !tcp && m.metadata.truncation => {
                    return Box::pin(self.ask_with(server, name, rtype, true, dnssec_ok)).await;
                }
                Ok(m) => return reply_of(m, name, rtype),
                Err(outcome @ DnsOutcome::Timeout) => last = Reply::failed(outcome),
                Err(outcome) => return Reply::failed(outcome),
            }
        }
        last
    }

    async fn once_udp(
        &self,
        socket: SocketAddr,
        name: &Name,
        rtype: RecordType,
        dnssec_ok: bool,
    ) -> Result<Message, DnsOutcome> {
        let t = self.opts.timeout;
        let conn = UdpClientStream::builder(socket, TokioRuntimeProvider::new())
            .with_timeout(Some(t + INNER_GRACE))
            .build();
        let (client, bg) = Client::<TokioRuntimeProvider>::from_sender(conn);
        let bg = tokio::spawn(bg);
        let r = send(&client, name, rtype, t, dnssec_ok).await;
        bg.abort();
        r
    }

    async fn once_tcp(
        &self,
        socket: SocketAddr,
        name: &Name,
        rtype: RecordType,
        dnssec_ok: bool,
    ) -> Result<Message, DnsOutcome> {
        let t = self.opts.timeout;
        let (fut, sender) =
            TcpClientStream::new(socket, None, Some(t), TokioRuntimeProvider::new());
        let stream = match tokio::time::timeout(t, fut).await {
            Err(_) => return Err(DnsOutcome::Timeout),
            Ok(Err(e)) => return Err(DnsOutcome::Error(format!("TCP connect: {e}"))),
            Ok(Ok(s)) => s,
        };
        let (client, bg) =
            Client::<TokioRuntimeProvider>::with_timeout(stream, sender, t + INNER_GRACE);
        let bg = tokio::spawn(bg);
        let r = send(&client, name, rtype, t, dnssec_ok).await;
        bg.abort();
        r
    }

    /// Asks the servers in turn until one gives a usable answer.
    async fn ask_any(
        &self,
        servers: &[IpAddr],
        name: &Name,
        rtype: RecordType,
    ) -> (Option<IpAddr>, Reply) {
        let mut last = (
            None,
            Reply::failed(DnsOutcome::Error("no server to ask".into())),
        );
        for &s in servers.iter().take(MAX_SERVERS_TRIED) {
            let r = self.ask(s, name, rtype, false).await;
            let again = r.try_another();
            last = (Some(s), r);
            if !again {
                break;
            }
        }
        last
    }

    /// The servers of a referral: glue from the additional section, else the NS names resolved.
    fn referral_servers<'a>(&'a self, reply: &'a Reply, depth: u8) -> BoxFut<'a, Vec<IpAddr>> {
        Box::pin(async move {
            let ns: Vec<Name> = reply
                .authority
                .iter()
                .filter_map(|r| match &r.data {
                    RData::NS(ns) => Some(lower(&ns.0)),
                    _ => None,
                })
                .collect();
            let mut addrs = glue_for(&ns, &reply.additional);
            if addrs.is_empty() && depth < self.opts.max_depth {
                for n in ns.iter().take(3) {
                    if let Some(cached) = self.cached_host(n).await {
                        addrs = cached;
                        break;
                    }
                    for rtype in [RecordType::A, RecordType::AAAA] {
                        let res = self.resolve(n, rtype, depth + 1).await;
                        addrs.extend(res.records.iter().filter_map(address_of));
                        if !addrs.is_empty() {
                            break;
                        }
                    }
                    if !addrs.is_empty() {
                        self.remember_host(n, &addrs).await;
                        break;
                    }
                }
            }
            order(&mut addrs);
            addrs
        })
    }

    /// The closest known zone cut above `name` and its servers (root hints at worst).
    async fn start_for(&self, name: &Name) -> (Name, Vec<IpAddr>) {
        let zones = self.zones.lock().await;
        let mut n = lower(name);
        loop {
            if let Some((at, s)) = zones.get(&n)
                && !s.is_empty()
                && at.elapsed() < ZONE_CACHE_TTL
            {
                return (n, s.clone());
            }
            if n.is_root() {
                break;
            }
            n = n.base_name();
        }
        (Name::root(), self.roots())
    }

    async fn cached_host(&self, host: &Name) -> Option<Vec<IpAddr>> {
        let hosts = self.hosts.lock().await;
        hosts
            .get(&lower(host))
            .filter(|(at, a)| !a.is_empty() && at.elapsed() < HOST_CACHE_TTL)
            .map(|(_, a)| a.clone())
    }

    async fn remember_host(&self, host: &Name, addrs: &[IpAddr]) {
        let mut hosts = self.hosts.lock().await;
        if hosts.len() >= MAX_CACHED {
            hosts.retain(|_, (at, _)| at.elapsed() < HOST_CACHE_TTL);
        }
        if hosts.len() < MAX_CACHED {
            hosts.insert(lower(host), (Instant::now(), addrs.to_vec()));
        }
    }

    async fn remember(&self, zone: &Name, servers: &[IpAddr]) {
        if zone.num_labels() != 1 || servers.is_empty() {
            return;
        }
        let mut zones = self.zones.lock().await;
        if zones.len() >= MAX_CACHED {
            zones.retain(|_, (at, _)| at.elapsed() < ZONE_CACHE_TTL);
        }
        if zones.len() < MAX_CACHED {
            zones.insert(lower(zone), (Instant::now(), servers.to_vec()));
        }
    }

    /// Resolves `name`/`rtype` iteratively from the root (following referrals and CNAMEs).
    pub fn resolve<'a>(
        &'a self,
        name: &'a Name,
        rtype: RecordType,
        depth: u8,
    ) -> BoxFut<'a, Resolution> {
        Box::pin(async move {
            let mut qname = lower(name);
            let mut via_cname = false;
            let mut cnames = 0;
            let (mut zone, mut servers) = self.start_for(&qname).await;
            for _ in 0..MAX_REFERRALS {
                let (_, reply) = self.ask_any(&servers, &qname, rtype).await;
                match reply.outcome {
                    DnsOutcome::Referral => {
                        let Some(cut) = referral_zone(&reply) else {
                            return fail("a referral without NS records");
                        };
                        if !(zone.zone_of(&cut) && cut != zone && cut.zone_of(&qname)) {
                            return fail("a referral that does not lead closer to the name");
                        }
                        let next = self.referral_servers(&reply, depth).await;
                        if next.is_empty() {
                            return Resolution {
                                outcome: DnsOutcome::Error(format!(
                                    "no address for the servers of {cut}"
                                )),
                                records: Vec::new(),
                                via_cname,
                            };
                        }
                        self.remember(&cut, &next).await;
                        zone = cut;
                        servers = next;
                    }
                    DnsOutcome::Answer | DnsOutcome::NoData => {
                        let wanted: Vec<Record> = reply
                            .answers
                            .iter()
                            .filter(|r| r.record_type() == rtype)
                            .cloned()
                            .collect();
                        if wanted.is_empty()
                            && rtype != RecordType::CNAME
                            && let Some(target) = cname_target(&reply.answers, &qname)
                        {
                            cnames += 1;
                            if cnames > MAX_CNAMES {
                                return fail("too many CNAMEs");
                            }
                            via_cname = true;
                            qname = target;
                            (zone, servers) = self.start_for(&qname).await;
                            continue;
                        }
                        let outcome = if wanted.is_empty() {
                            DnsOutcome::NoData
                        } else {
                            DnsOutcome::Answer
                        };
                        return Resolution {
                            outcome,
                            records: wanted,
                            via_cname,
                        };
                    }
                    other => {
                        return Resolution {
                            outcome: other,
                            records: Vec::new(),
                            via_cname,
                        };
                    }
                }
            }
            fail("too many referrals")
        })
    }

    /// A and AAAA of a host name, iteratively. The outcome is the A outcome unless only AAAA
    /// answered.
    pub async fn resolve_addresses(&self, host: &Name, depth: u8) -> (Resolution, Vec<IpAddr>) {
        let a = self.resolve(host, RecordType::A, depth).await;
        let aaaa = self.resolve(host, RecordType::AAAA, depth).await;
        let mut addrs: Vec<IpAddr> = a
            .records
            .iter()
            .chain(aaaa.records.iter())
            .filter_map(address_of)
            .collect();
        order(&mut addrs);
        let res = if a.outcome == DnsOutcome::Answer || aaaa.outcome != DnsOutcome::Answer {
            Resolution {
                via_cname: a.via_cname || aaaa.via_cname,
                ..a
            }
        } else {
            aaaa
        };
        (res, addrs)
    }

    /// Walks down from the root to the zone that delegates `domain` and reads the delegation.
    /// Returns it and the parent zone's servers.
    pub async fn delegation(&self, domain: &Name) -> (Delegation, Vec<IpAddr>) {
        let qname = lower(domain);
        let (mut zone, mut servers) = self.start_for(&qname.base_name()).await;
        let mut last = Delegation {
            parent_zone: zone_text(&zone),
            server: None,
            outcome: DnsOutcome::Error("no server answered".into()),
            ns: Vec::new(),
            glue: Vec::new(),
            ds: Vec::new(),
        };
        for _ in 0..MAX_REFERRALS {
            let (server, reply) = self.ask_any(&servers, &qname, RecordType::NS).await;
            last.parent_zone = zone_text(&zone);
            last.server = server;
            last.outcome = reply.outcome.clone();
            match reply.outcome {
                DnsOutcome::Referral => {
                    let Some(cut) = referral_zone(&reply) else {
                        last.outcome = DnsOutcome::Error("a referral without NS records".into());
                        return (last, servers);
                    };
                    if cut == qname {
                        let ns_names = ns_names(&reply.authority);
                        last.glue = glue_records(&ns_names, &reply.additional);
                        last.ns = to_domain_names(&ns_names);
                        last.ds = reply.authority.iter().filter_map(ds_of).collect();
                        return (last, servers);
                    }
                    if !(zone.zone_of(&cut) && cut != zone && cut.zone_of(&qname)) {
                        last.outcome = DnsOutcome::Error(
                            "a referral that does not lead closer to the name".into(),
                        );
                        return (last, servers);
                    }
                    let next = self.referral_servers(&reply, 0).await;
                    if next.is_empty() {
                        last.outcome =
                            DnsOutcome::Error(format!("no address for the servers of {cut}"));
                        return (last, servers);
                    }
                    self.remember(&cut, &next).await;
                    zone = cut;
                    servers = next;
                }
                DnsOutcome::Answer => {
                    // The parent's server also serves the child zone and answered from it.
                    let ns_names = ns_names(&reply.answers);
                    if ns_names.is_empty() {
                        // e.g. a CNAME where a delegation belongs
                        last.outcome = DnsOutcome::NoData;
                    }
                    last.glue = glue_records(&ns_names, &reply.additional);
                    last.ns = to_domain_names(&ns_names);
                    return (last, servers);
                }
                _ => return (last, servers),
            }
        }
        last.outcome = DnsOutcome::Error("too many referrals".into());
        (last, servers)
    }

    /// Asks one nameserver address about the zone: SOA over UDP (and TCP), then its NS set.
    pub async fn check_server(&self, address: IpAddr, zone: &Name) -> ServerCheck {
        let soa = self.ask(address, zone, RecordType::SOA, false).await;
        let tcp_outcome = if self.opts.tcp {
            Some(self.ask(address, zone, RecordType::SOA, true).await.outcome)
        } else {
            None
        };
        let soa_serial = soa.answers.iter().find_map(|r| match &r.data {
            RData::SOA(s) => Some(s.serial),
            _ => None,
        });
        let ns = if soa.outcome.is_noerror() {
            let r = self.ask(address, zone, RecordType::NS, false).await;
            to_domain_names(&ns_names(&r.answers))
        } else {
            Vec::new()
        };
        ServerCheck {
            address,
            outcome: soa.outcome,
            tcp_outcome,
            authoritative: soa.authoritative,
            soa_serial,
            ns,
        }
    }

    /// Resolves any host name iteratively from the root (CNAMEs followed) and returns the
    /// records of `rtype` (a mnemonic: `A`, `MX`, `TXT`, ...) in presentation form.
    pub async fn lookup(&self, name: &DomainName, rtype: &str) -> RecordSet {
        let fail = |outcome: DnsOutcome| RecordSet {
            rtype: rtype.to_ascii_uppercase(),
            outcome,
            values: Vec::new(),
            ttl: None,
        };
        let Ok(t) = RecordType::from_str(&rtype.to_ascii_uppercase()) else {
            return fail(DnsOutcome::Error(format!(
                "unknown record type {:?}",
                rtype.chars().take(16).collect::<String>()
            )));
        };
        let Some(n) = fqdn(name) else {
            return fail(DnsOutcome::Error("not a DNS name".into()));
        };
        let budget = Arc::new(AtomicU32::new(MAX_QUERIES_PER_SNAPSHOT));
        let res = BUDGET.scope(budget, self.resolve(&n, t, 0)).await;
        let mut values: Vec<String> = res.records.iter().map(present).collect();
        values.sort();
        values.dedup();
        RecordSet {
            rtype: t.to_string(),
            outcome: res.outcome,
            values,
            ttl: res.records.iter().map(|r| r.ttl).min(),
        }
    }

    fn random_label(&self, domain: &DomainName) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write(domain.as_str().as_bytes());
        h.write_u64(n);
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(d.as_nanos());
        }
        format!("dw-{:016x}", h.finish())
    }

    /// The whole DNS state of a registrable domain (at most [`MAX_QUERIES_PER_SNAPSHOT`]
    /// questions).
    pub async fn snapshot(&self, domain: &DomainName) -> DnsSnapshot {
        let budget = Arc::new(AtomicU32::new(MAX_QUERIES_PER_SNAPSHOT));
        BUDGET.scope(budget, self.snapshot_inner(domain)).await
    }

    async fn snapshot_inner(&self, domain: &DomainName) -> DnsSnapshot {
        let mut snap = DnsSnapshot {
            domain: domain.clone(),
            delegation: None,
            nameservers: Vec::new(),
            records: Vec::new(),
            wildcard: None,
            dnssec: None,
        };
        let Some(zone) = fqdn(domain) else {
            return snap;
        };
        let (mut delegation, parent_servers) = self.delegation(&zone).await;
        let delegated = matches!(
            delegation.outcome,
            DnsOutcome::Referral | DnsOutcome::Answer
        ) && !delegation.ns.is_empty();

        // DS is the parent's data: ask the parent server that answered.
        let ds_set = if delegated {
            let parent: Vec<IpAddr> = delegation
                .server
                .into_iter()
                .chain(parent_servers.iter().copied())
                .collect();
            let (_, r) = self.ask_any(&parent, &zone, RecordType::DS).await;
            let ds: Vec<_> = r.answers.iter().filter_map(ds_of).collect();
            if !ds.is_empty() {
                delegation.ds = ds;
                delegation.ds.sort();
                delegation.ds.dedup();
            }
            Some(record_set(RecordType::DS, &r))
        } else {
            None
        };

        if delegated {
            let checks = delegation
                .ns
                .iter()
                .take(MAX_NS_NAMES)
                .map(|ns| self.check_nameserver(ns, &delegation.glue, &zone));
            snap.nameservers = join_all(checks).await;
        }

        // The apex records from the first authoritative server.
        let auth = snap
            .nameservers
            .iter()
            .flat_map(|n| n.servers.iter())
            .find(|s| s.authoritative && s.outcome.is_noerror())
            .map(|s| s.address);
        let fallback_outcome = if delegated {
            snap.nameservers
                .iter()
                .flat_map(|n| n.servers.iter())
                .map(|s| s.outcome.clone())
                .next()
                .unwrap_or(DnsOutcome::Error("no nameserver address".into()))
        } else {
            delegation.outcome.clone()
        };
        match auth {
            Some(server) => {
                let replies = join_all(
                    APEX_TYPES
                        .iter()
                        .map(|t| self.ask(server, &zone, *t, false)),
                )
                .await;
                for (rtype, r) in APEX_TYPES.iter().zip(replies) {
                    snap.records.push(record_set(*rtype, &r));
                }
            }
            None => {
                for rtype in APEX_TYPES {
                    snap.records.push(RecordSet {
                        rtype: rtype.to_string(),
                        outcome: fallback_outcome.clone(),
                        values: Vec::new(),
                        ttl: None,
                    });
                }
            }
        }
        if let Some(ds) = ds_set {
            snap.records.push(ds);
        }
        // The parent has DS: does the zone validate against it?
        if let (Some(server), false) = (auth, delegation.ds.is_empty()) {
            let (keys, soa) = futures_util::join!(
                self.ask_dnssec(server, &zone, RecordType::DNSKEY),
                self.ask_dnssec(server, &zone, RecordType::SOA)
            );
            snap.dnssec = Some(dnssec::check(
                server,
                &zone,
                &delegation.ds,
                dnssec::Asked {
                    outcome: &keys.outcome,
                    answers: &keys.answers,
                },
                dnssec::Asked {
                    outcome: &soa.outcome,
                    answers: &soa.answers,
                },
            ));
        }
        if let Some(server) = auth {
            self.child_addresses(server, &delegation.glue, domain, &mut snap.nameservers)
                .await;
        }
        if let (Some(server), true) = (auth, self.opts.wildcard) {
            let label = self.random_label(domain);
            if let Ok(probe) = Name::from_str(&label).and_then(|l| l.append_domain(&zone)) {
                let r = self.ask(server, &probe, RecordType::A, false).await;
                snap.wildcard = match r.outcome {
                    DnsOutcome::Answer | DnsOutcome::NoData => Some(true),
                    DnsOutcome::NxDomain => Some(false),
                    _ => None,
                };
            }
        }
        snap.delegation = Some(delegation);
        snap
    }

    /// For each in-bailiwick NS name with glue at the parent: the A and AAAA records that the
    /// zone's authoritative `server` publishes for it (to compare with the glue).
    async fn child_addresses(
        &self,
        server: IpAddr,
        glue: &[Glue],
        domain: &DomainName,
        nameservers: &mut [NameserverCheck],
    ) {
        for ns in nameservers.iter_mut() {
            if !ns.name.is_subdomain_of(domain) || !glue.iter().any(|g| g.name == ns.name) {
                continue;
            }
            let Some(n) = fqdn(&ns.name) else {
                continue;
            };
            let replies =
                join_all([RecordType::A, RecordType::AAAA].map(|t| self.ask(server, &n, t, false)))
                    .await;
            let mut addrs: Vec<IpAddr> = replies
                .iter()
                .filter(|r| r.outcome.is_noerror())
                .flat_map(|r| r.answers.iter())
                .filter(|r| lower(&r.name) == n)
                .filter_map(address_of)
                .collect();
            order(&mut addrs);
            addrs.truncate(MAX_CHILD_ADDRESSES);
            ns.child_addresses = addrs;
        }
    }

    async fn check_nameserver(
        &self,
        ns: &DomainName,
        glue: &[Glue],
        zone: &Name,
    ) -> NameserverCheck {
        let mut addresses: Vec<IpAddr> = glue
            .iter()
            .filter(|g| &g.name == ns)
            .map(|g| g.address)
            .collect();
        let mut resolution = DnsOutcome::Answer;
        let mut is_cname = false;
        let in_bailiwick = fqdn(ns).is_some_and(|n| zone.zone_of(&n));
        if addresses.is_empty() || !in_bailiwick {
            match fqdn(ns) {
                Some(n) => {
                    let (res, addrs) = self.resolve_addresses(&n, 1).await;
                    resolution = res.outcome;
                    is_cname = res.via_cname;
                    addresses.extend(addrs);
                }
                None => resolution = DnsOutcome::Error("not a DNS name".into()),
            }
        }
        order(&mut addresses);
        addresses.truncate(MAX_ADDRESSES_PER_NS);
        let servers = join_all(addresses.iter().map(|a| self.check_server(*a, zone))).await;
        NameserverCheck {
            name: ns.clone(),
            resolution,
            addresses,
            is_cname,
            servers,
            child_addresses: Vec::new(),
        }
    }
}

async fn send(
    client: &Client<TokioRuntimeProvider>,
    name: &Name,
    rtype: RecordType,
    t: Duration,
    dnssec_ok: bool,
) -> Result<Message, DnsOutcome> {
    let mut opts = DnsRequestOptions::default();
    opts.recursion_desired = false;
    opts.use_edns = true;
    opts.edns_set_dnssec_ok = dnssec_ok;
    let mut stream = client.lookup(Query::query(name.clone(), rtype), opts);
    match tokio::time::timeout(t, stream.next()).await {
        Err(_) => Err(DnsOutcome::Timeout),
        Ok(None) => Err(DnsOutcome::Error("no response".into())),
        Ok(Some(Err(e))) => {
            if matches!(e, hickory_net::NetError::Timeout) {
                Err(DnsOutcome::Timeout)
            } else {
                Err(DnsOutcome::Error(clip(&e.to_string())))
            }
        }
        Ok(Some(Ok(resp))) => Ok(resp.into_message()),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

fn fail(why: &str) -> Resolution {
    Resolution {
        outcome: DnsOutcome::Error(why.into()),
        records: Vec::new(),
        via_cname: false,
    }
}

fn reply_of(m: Message, qname: &Name, rtype: RecordType) -> Reply {
    let outcome = classify(&m, qname, rtype);
    Reply {
        outcome,
        authoritative: m.metadata.authoritative,
        answers: m.answers,
        authority: m.authorities,
        additional: m.additionals,
    }
}

/// The zone a referral delegates to (owner of its NS records).
fn referral_zone(reply: &Reply) -> Option<Name> {
    reply
        .authority
        .iter()
        .find(|r| r.record_type() == RecordType::NS)
        .map(|r| lower(&r.name))
}

fn cname_target(answers: &[Record], qname: &Name) -> Option<Name> {
    answers.iter().find_map(|r| match &r.data {
        RData::CNAME(c) if lower(&r.name) == *qname => Some(lower(&c.0)),
        _ => None,
    })
}

fn ns_names(records: &[Record]) -> Vec<Name> {
    let mut v: Vec<Name> = records
        .iter()
        .filter_map(|r| match &r.data {
            RData::NS(ns) => Some(lower(&ns.0)),
            _ => None,
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn to_domain_names(names: &[Name]) -> Vec<DomainName> {
    let mut v: Vec<DomainName> = names
        .iter()
        .filter_map(|n| DomainName::parse(&n.to_ascii()).ok())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn address_of(r: &Record) -> Option<IpAddr> {
    match &r.data {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        RData::AAAA(a) => Some(IpAddr::V6(a.0)),
        _ => None,
    }
}

fn glue_for(ns: &[Name], additional: &[Record]) -> Vec<IpAddr> {
    additional
        .iter()
        .filter(|r| ns.contains(&lower(&r.name)))
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .collect()
}

fn glue_records(ns: &[Name], additional: &[Record]) -> Vec<Glue> {
    let mut v: Vec<Glue> = additional
        .iter()
        .filter(|r| ns.contains(&lower(&r.name)))
        .filter_map(|r| {
            let address = match &r.data {
                RData::A(a) => IpAddr::V4(a.0),
                RData::AAAA(a) => IpAddr::V6(a.0),
                _ => return None,
            };
            let name = DomainName::parse(&r.name.to_ascii()).ok()?;
            Some(Glue { name, address })
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// IPv4 first (reachable nearly everywhere), then IPv6; deduplicated.
fn order(addrs: &mut Vec<IpAddr>) {
    addrs.sort_by_key(|a| (a.is_ipv6(), *a));
    addrs.dedup();
}

fn zone_text(zone: &Name) -> String {
    let s = zone.to_ascii();
    let s = s.trim_end_matches('.');
    if s.is_empty() {
        ".".into()
    } else {
        s.to_string()
    }
}

fn record_set(rtype: RecordType, r: &Reply) -> RecordSet {
    let matching: Vec<&Record> = r
        .answers
        .iter()
        .filter(|x| x.record_type() == rtype)
        .collect();
    let mut values: Vec<String> = matching.iter().map(|x| present(x)).collect();
    values.sort();
    values.dedup();
    let outcome = match (&r.outcome, values.is_empty()) {
        (DnsOutcome::Answer, true) => DnsOutcome::NoData,
        (o, _) => o.clone(),
    };
    RecordSet {
        rtype: rtype.to_string(),
        outcome,
        values,
        ttl: matching.iter().map(|x| x.ttl).min(),
    }
}
