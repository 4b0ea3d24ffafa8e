//! The lab's authoritative DNS servers: one hickory-server per simulated address (UDP and TCP on
//! the same loopback port). Answers come from the zones that address serves in the current
//! world view: the root, TLD zones of registries, and hosted zones of DNS providers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use hickory_proto::op::{Edns, Header, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA, NS, SOA};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncoder;
use hickory_proto::serialize::txt::Parser;
use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;

use crate::dnssec::{self, DnssecMode};
use crate::scenario::{DnsBehaviour, Scenario, is_subdomain};
use crate::shared::Shared;
use crate::state::DomainState;

const TTL: u32 = 300;
/// The largest UDP answer the lab sends (the DNS flag day 2020 size, RFC 9715).
const MAX_UDP: u16 = 1232;
const DELEGATION_TTL: u32 = 3600;

/// Parses zone-file lines relative to `origin` (no trailing dot).
pub(crate) fn parse_records(origin: &str, lines: &[String]) -> Result<Vec<Record>, String> {
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    if lines.len() > 10_000 {
        return Err("too many records".into());
    }
    let mut text = format!("$ORIGIN {origin}.\n$TTL {TTL}\n");
    for l in lines {
        if l.contains('$') || l.contains('\n') || l.len() > 2000 {
            return Err(format!("invalid record line {l:?}"));
        }
        text.push_str(l);
        text.push('\n');
    }
    let origin_name = Name::from_ascii(format!("{origin}.")).map_err(|e| e.to_string())?;
    let (_, sets) = Parser::new(text, None, Some(origin_name))
        .parse()
        .map_err(|e| format!("bad records: {e}"))?;
    let mut out = Vec::new();
    for set in sets.into_values() {
        for r in set.records_without_rrsigs() {
            let owner = key(&r.name);
            if !is_subdomain(&owner, origin) {
                return Err(format!("record {owner} outside {origin}"));
            }
            out.push(r.clone());
        }
    }
    Ok(out)
}

/// Lower-case name without the trailing dot ("" for the root).
pub(crate) fn key(name: &Name) -> String {
    let s = name.to_ascii().to_ascii_lowercase();
    s.trim_end_matches('.').to_string()
}

fn fqdn(name: &str) -> Option<Name> {
    Name::from_str(&format!("{name}.")).ok()
}

/// One zone's contents.
#[derive(Debug, Default)]
pub(crate) struct Zone {
    origin: String,
    records: HashMap<(String, RecordType), Vec<Record>>,
    /// Every owner name and its ancestors up to the origin (for NODATA vs NXDOMAIN).
    names: BTreeSet<String>,
    /// Delegation points below the apex.
    cuts: BTreeSet<String>,
    /// NSEC owners in canonical order (empty when the zone is not signed).
    nsec: Vec<Name>,
}

impl Zone {
    fn new(origin: &str) -> Self {
        Zone {
            origin: origin.to_string(),
            ..Default::default()
        }
    }

    fn add(&mut self, r: Record) {
        let owner = key(&r.name);
        if !is_subdomain(&owner, &self.origin) {
            return;
        }
        let mut n = owner.clone();
        loop {
            self.names.insert(n.clone());
            if n == self.origin {
                break;
            }
            n = match n.split_once('.') {
                Some((_, rest)) => rest.to_string(),
                None => String::new(),
            };
        }
        if r.record_type() == RecordType::NS && owner != self.origin {
            self.cuts.insert(owner.clone());
        }
        let list = self.records.entry((owner, r.record_type())).or_default();
        if !list.contains(&r) {
            list.push(r);
        }
    }

    /// Below (or at) a delegation point: not authoritative data of this zone.
    fn below_cut(&self, owner: &str) -> bool {
        self.cuts.iter().any(|c| is_subdomain(owner, c))
    }

    /// Signs the zone's authoritative data (RRSIG and NSEC records added).
    fn sign(&mut self, mode: DnssecMode, now: i64) {
        let mut sets: BTreeMap<(Name, RecordType), Vec<Record>> = BTreeMap::new();
        for ((owner, t), list) in &self.records {
            if self.below_cut(owner) || list.is_empty() {
                continue;
            }
            sets.insert((list[0].name.to_lowercase(), *t), list.clone());
        }
        let mut nsec: Vec<Name> = Vec::new();
        for r in dnssec::sign_zone(&self.origin, mode, now, &sets, TTL) {
            if r.record_type() == RecordType::NSEC {
                nsec.push(r.name.to_lowercase());
            }
            self.add(r);
        }
        nsec.sort();
        self.nsec = nsec;
    }

    /// The RRSIGs over `name`/`t` (wildcard-synthesised like the records they cover).
    fn sigs(&self, name: &str, t: RecordType) -> Vec<Record> {
        lookup_rrs(self, name, RecordType::RRSIG)
            .into_iter()
            .filter(|r| dnssec::covered(r) == Some(t))
            .collect()
    }

    /// The NSEC proving that `name` has no data of the type asked (its own NSEC) or does not
    /// exist (the NSEC whose owner precedes it in canonical order), with its RRSIG.
    fn denial(&self, name: &str) -> Vec<Record> {
        let Some(q) = fqdn(name) else {
            return Vec::new();
        };
        let i = self.nsec.partition_point(|o| o <= &q);
        let Some(owner) = i
            .checked_sub(1)
            .and_then(|i| self.nsec.get(i))
            .or(self.nsec.last())
        else {
            return Vec::new();
        };
        let o = key(owner);
        let mut v = self.get(&o, RecordType::NSEC).to_vec();
        v.extend(self.sigs(&o, RecordType::NSEC));
        v
    }

    fn get(&self, name: &str, t: RecordType) -> &[Record] {
        self.records
            .get(&(name.to_string(), t))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// What one simulated address serves.
#[derive(Debug, Default)]
pub(crate) struct ServerView {
    pub behaviour: DnsBehaviour,
    pub zones: Vec<Arc<Zone>>,
}

/// All DNS servers' contents at one moment.
#[derive(Debug, Default)]
pub(crate) struct DnsView {
    pub servers: HashMap<IpAddr, ServerView>,
}

/// Host name -> addresses known to the lab (root, TLD and hoster servers, glue).
pub(crate) fn host_table(s: &Scenario) -> BTreeMap<String, Vec<IpAddr>> {
    let mut t: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
    let hosts = s
        .root
        .iter()
        .chain(s.registries.iter().flat_map(|r| r.nameservers.iter()))
        .chain(s.hosters.iter().flat_map(|h| h.nameservers.iter()));
    for h in hosts {
        t.entry(h.name.clone()).or_default().push(h.ip);
    }
    for d in &s.domains {
        for (name, ips) in &d.glue {
            t.entry(name.clone())
                .or_default()
                .extend(ips.iter().copied());
        }
    }
    t
}

fn addr_records(name: &str, ips: &[IpAddr], ttl: u32) -> Vec<Record> {
    let Some(n) = fqdn(name) else {
        return Vec::new();
    };
    ips.iter()
        .map(|ip| match ip {
            IpAddr::V4(v4) => Record::from_rdata(n.clone(), ttl, RData::A(A(*v4))),
            IpAddr::V6(v6) => Record::from_rdata(n.clone(), ttl, RData::AAAA(AAAA(*v6))),
        })
        .collect()
}

fn soa(origin: &str, mname: &str, serial: u32) -> Option<Record> {
    let rname = if origin.is_empty() {
        "nstld.iana.org.".to_string()
    } else {
        format!("hostmaster.{origin}.")
    };
    Some(Record::from_rdata(
        fqdn(origin)?,
        TTL,
        RData::SOA(SOA::new(
            fqdn(mname)?,
            Name::from_str(&rname).ok()?,
            serial,
            7200,
            900,
            1_209_600,
            300,
        )),
    ))
}

fn ns_records(owner: &str, targets: &[String], ttl: u32) -> Vec<Record> {
    let Some(o) = fqdn(owner) else {
        return Vec::new();
    };
    targets
        .iter()
        .filter_map(|t| Some(Record::from_rdata(o.clone(), ttl, RData::NS(NS(fqdn(t)?)))))
        .collect()
}

/// Builds the DNS view from the scenario and the world state.
pub(crate) fn build_view(
    s: &Scenario,
    serial: u32,
    now: i64,
    domains: &BTreeMap<String, DomainState>,
) -> DnsView {
    let hosts = host_table(s);
    let mut view = DnsView::default();
    let glue_for = |zone: &mut Zone, targets: &[String]| {
        for t in targets {
            if let Some(ips) = hosts.get(t) {
                for r in addr_records(t, ips, DELEGATION_TTL) {
                    zone.add(r);
                }
            }
        }
    };

    // Root zone.
    let root_names: Vec<String> = s.root.iter().map(|h| h.name.clone()).collect();
    let mut root = Zone::new("");
    if let Some(r) = soa("", &root_names[0], serial) {
        root.add(r);
    }
    for r in ns_records("", &root_names, 518_400) {
        root.add(r);
    }
    glue_for(&mut root, &root_names);
    for reg in &s.registries {
        let ns: Vec<String> = reg.nameservers.iter().map(|h| h.name.clone()).collect();
        for tld in &reg.tlds {
            for r in ns_records(tld, &ns, 172_800) {
                root.add(r);
            }
            glue_for(&mut root, &ns);
        }
    }
    let root = Arc::new(root);
    for h in &s.root {
        view.servers
            .entry(h.ip)
            .or_default()
            .zones
            .push(root.clone());
    }

    // TLD zones.
    for reg in &s.registries {
        let ns: Vec<String> = reg.nameservers.iter().map(|h| h.name.clone()).collect();
        let behaviour = if reg.unresponsive {
            DnsBehaviour::Timeout
        } else {
            DnsBehaviour::Normal
        };
        for tld in &reg.tlds {
            let mut z = Zone::new(tld);
            if let Some(r) = soa(tld, &ns[0], serial) {
                z.add(r);
            }
            for r in ns_records(tld, &ns, 172_800) {
                z.add(r);
            }
            glue_for(&mut z, &ns);
            for d in domains.values() {
                if d.in_zone() && s.registry_for(&d.name).is_some_and(|r| r.id == reg.id) {
                    // the longest-matching TLD of this registry must be this zone
                    let owner_tld = reg
                        .tlds
                        .iter()
                        .filter(|t| is_subdomain(&d.name, t))
                        .max_by_key(|t| t.len());
                    if owner_tld != Some(tld) {
                        continue;
                    }
                    for r in ns_records(&d.name, &d.nameservers, DELEGATION_TTL) {
                        z.add(r);
                    }
                    let in_zone_ns: Vec<String> = d
                        .nameservers
                        .iter()
                        .filter(|n| is_subdomain(n, tld))
                        .cloned()
                        .collect();
                    glue_for(&mut z, &in_zone_ns);
                    for ds in &d.ds {
                        if let Some(r) = ds_record(&d.name, ds) {
                            z.add(r);
                        }
                    }
                }
            }
            let z = Arc::new(z);
            for h in &reg.nameservers {
                let sv = view.servers.entry(h.ip).or_default();
                sv.behaviour = behaviour;
                sv.zones.push(z.clone());
            }
        }
    }

    // Hosted zones.
    let zone_addresses: HashMap<&str, &BTreeMap<String, Vec<IpAddr>>> = s
        .domains
        .iter()
        .filter(|d| !d.zone_addresses.is_empty())
        .map(|d| (d.name.as_str(), &d.zone_addresses))
        .collect();
    let mut hoster_of_ns: HashMap<&str, &str> = HashMap::new();
    for h in &s.hosters {
        for n in &h.nameservers {
            hoster_of_ns.insert(n.name.as_str(), h.id.as_str());
        }
        for n in &h.nameservers {
            view.servers.entry(n.ip).or_default().behaviour = h.behaviour;
        }
    }
    for d in domains.values() {
        if !d.exists() {
            continue;
        }
        let serving: BTreeSet<&str> = d
            .nameservers
            .iter()
            .filter_map(|n| hoster_of_ns.get(n.as_str()).copied())
            .filter(|h| !d.lame_at.contains(*h))
            .collect();
        if serving.is_empty() {
            continue;
        }
        let mut z = Zone::new(&d.name);
        let mname = d.nameservers.first().cloned().unwrap_or_default();
        if let Some(r) = soa(&d.name, &mname, serial) {
            z.add(r);
        }
        for r in ns_records(&d.name, &d.nameservers, DELEGATION_TTL) {
            z.add(r);
        }
        // The hosts' own addresses: the host table's, where the scenario replaces them
        // (`zone_addresses`) the replacement; the parent's glue keeps the table's.
        let replaced = zone_addresses.get(d.name.as_str()).copied();
        for (host, ips) in &hosts {
            if is_subdomain(host, &d.name) {
                let ips = replaced.and_then(|m| m.get(host)).unwrap_or(ips);
                for r in addr_records(host, ips, TTL) {
                    z.add(r);
                }
            }
        }
        for (host, ips) in replaced.into_iter().flatten() {
            if !hosts.contains_key(host) {
                for r in addr_records(host, ips, TTL) {
                    z.add(r);
                }
            }
        }
        if let Ok(recs) = parse_records(&d.name, &d.records) {
            for r in recs {
                z.add(r);
            }
        }
        for r in dnssec::dnskey_records(&d.name, d.dnssec, TTL) {
            z.add(r);
        }
        z.sign(d.dnssec, now);
        let z = Arc::new(z);
        for h in &s.hosters {
            if serving.contains(h.id.as_str()) {
                for n in &h.nameservers {
                    view.servers.entry(n.ip).or_default().zones.push(z.clone());
                }
            }
        }
    }
    view
}

fn ds_record(name: &str, ds: &crate::scenario::Ds) -> Option<Record> {
    let digest = decode_hex(&ds.digest)?;
    Some(dnssec::ds_record(&fqdn(name)?, ds, DELEGATION_TTL, digest))
}

pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 256 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The answer to one query, as record lists.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Answer {
    pub rcode: Option<ResponseCode>,
    pub aa: bool,
    pub answers: Vec<Record>,
    pub authorities: Vec<Record>,
    pub additionals: Vec<Record>,
}

/// The record types tried, in order, for an ANY question: the first RRset found is the answer
/// (RFC 8482 4.1: one RRset, never an empty NODATA when the name has data).
const ANY_ORDER: [RecordType; 12] = [
    RecordType::SOA,
    RecordType::NS,
    RecordType::A,
    RecordType::AAAA,
    RecordType::MX,
    RecordType::TXT,
    RecordType::CAA,
    RecordType::CNAME,
    RecordType::DNSKEY,
    RecordType::DS,
    RecordType::SRV,
    RecordType::PTR,
];

/// Answers `qname`/`qtype` from the zones of one server. DNSSEC records (DS in referrals,
/// RRSIG, NSEC) are added only when the query had the DO bit (RFC 3225, RFC 4035 3.2.1); a
/// question for a DNSSEC type itself is answered either way.
pub(crate) fn answer(sv: &ServerView, qname: &str, qtype: RecordType, dnssec_ok: bool) -> Answer {
    let Some(zone) = sv
        .zones
        .iter()
        .filter(|z| is_subdomain(qname, &z.origin))
        .max_by_key(|z| z.origin.len())
    else {
        return Answer {
            rcode: Some(ResponseCode::Refused),
            ..Default::default()
        };
    };
    // Closest delegation point at or above qname, below the apex.
    let mut cut: Option<String> = None;
    let mut n = qname.to_string();
    while n != zone.origin && !n.is_empty() {
        if zone.cuts.contains(&n) {
            cut = Some(n.clone());
        }
        n = match n.split_once('.') {
            Some((_, rest)) => rest.to_string(),
            None => String::new(),
        };
    }
    if let Some(c) = cut
        && !(qtype == RecordType::DS && c == qname)
    {
        let ns = zone.get(&c, RecordType::NS).to_vec();
        let mut add = Vec::new();
        for r in &ns {
            if let RData::NS(NS(target)) = &r.data {
                let t = key(target);
                add.extend_from_slice(zone.get(&t, RecordType::A));
                add.extend_from_slice(zone.get(&t, RecordType::AAAA));
            }
        }
        let mut authorities = ns;
        if dnssec_ok {
            authorities.extend_from_slice(zone.get(&c, RecordType::DS));
            authorities.extend(zone.sigs(&c, RecordType::DS));
        }
        return Answer {
            rcode: Some(ResponseCode::NoError),
            aa: false,
            answers: Vec::new(),
            authorities,
            additionals: add,
        };
    }
    let soa = zone.get(&zone.origin, RecordType::SOA).to_vec();
    let mut answers = Vec::new();
    let mut name = qname.to_string();
    for _ in 0..8 {
        let direct = if qtype == RecordType::ANY {
            ANY_ORDER
                .iter()
                .map(|t| lookup_rrs(zone, &name, *t))
                .find(|v| !v.is_empty())
                .unwrap_or_default()
        } else {
            lookup_rrs(zone, &name, qtype)
        };
        if !direct.is_empty() {
            answers.extend(direct);
            break;
        }
        let cname = lookup_rrs(zone, &name, RecordType::CNAME);
        if qtype != RecordType::CNAME
            && let Some(r) = cname.first()
        {
            answers.push(r.clone());
            if let RData::CNAME(t) = &r.data {
                let t = key(&t.0);
                if is_subdomain(&t, &zone.origin) {
                    name = t;
                    continue;
                }
            }
        }
        break;
    }
    let mut additionals = Vec::new();
    if qtype == RecordType::NS {
        for r in &answers {
            if let RData::NS(NS(target)) = &r.data {
                let t = key(target);
                additionals.extend_from_slice(zone.get(&t, RecordType::A));
                additionals.extend_from_slice(zone.get(&t, RecordType::AAAA));
            }
        }
    }
    if dnssec_ok {
        let mut covered: Vec<(String, RecordType)> = answers
            .iter()
            .map(|r| (key(&r.name), r.record_type()))
            .filter(|(_, t)| *t != RecordType::RRSIG)
            .collect();
        covered.dedup();
        for (owner, t) in covered {
            answers.extend(zone.sigs(&owner, t));
        }
    }
    if !answers.is_empty() {
        // An answer synthesised from a wildcard carries the NSEC proving that the name itself
        // does not exist (RFC 4035 3.1.3.3).
        let authorities = if dnssec_ok && !zone.names.contains(qname) {
            zone.denial(qname)
        } else {
            Vec::new()
        };
        return Answer {
            rcode: Some(ResponseCode::NoError),
            aa: true,
            answers,
            authorities,
            additionals,
        };
    }
    let rcode = if zone.names.contains(qname) || wildcard_owner(zone, qname).is_some() {
        ResponseCode::NoError
    } else {
        ResponseCode::NXDomain
    };
    let mut authorities = soa;
    if dnssec_ok {
        authorities.extend(zone.sigs(&zone.origin, RecordType::SOA));
        authorities.extend(zone.denial(qname));
    }
    Answer {
        rcode: Some(rcode),
        aa: true,
        answers: Vec::new(),
        authorities,
        additionals: Vec::new(),
    }
}

/// The records of `name`/`t`, synthesised from a wildcard (RFC 4592) when `name` does not exist.
fn lookup_rrs(zone: &Zone, name: &str, t: RecordType) -> Vec<Record> {
    if zone.names.contains(name) {
        return zone.get(name, t).to_vec();
    }
    let Some(w) = wildcard_owner(zone, name) else {
        return Vec::new();
    };
    let owner = fqdn(name);
    zone.get(&w, t)
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if let Some(o) = &owner {
                r.name = o.clone();
            }
            r
        })
        .collect()
}

/// The wildcard owner (`*.<closest encloser>`) covering a name that does not exist.
fn wildcard_owner(zone: &Zone, name: &str) -> Option<String> {
    let mut n = name.to_string();
    while n != zone.origin && !n.is_empty() {
        n = match n.split_once('.') {
            Some((_, rest)) => rest.to_string(),
            None => String::new(),
        };
        if zone.names.contains(&n) {
            let w = if n.is_empty() {
                "*".to_string()
            } else {
                format!("*.{n}")
            };
            return zone.names.contains(&w).then_some(w);
        }
    }
    None
}

/// The hickory request handler of one simulated address.
pub(crate) struct LabDnsHandler {
    pub ip: IpAddr,
    pub shared: Arc<Shared>,
}

#[async_trait::async_trait]
impl RequestHandler for LabDnsHandler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let silent = || {
            let mut md = Metadata::response_from_request(&request.metadata);
            md.response_code = ResponseCode::ServFail;
            ResponseInfo::from(Header {
                metadata: md,
                counts: Default::default(),
            })
        };
        crate::shared::Requests::count(&self.shared.requests.dns);
        let view = self.shared.view();
        let Some(sv) = view.dns.servers.get(&self.ip) else {
            return silent();
        };
        // Our OPT: version 0, our own UDP size, the DO bit echoed (RFC 3225 3).
        let edns_holder;
        let resp_edns = match request.edns.as_ref() {
            Some(req) => {
                let mut e = Edns::new();
                e.set_max_payload(MAX_UDP);
                e.set_version(0);
                e.set_dnssec_ok(req.flags().dnssec_ok);
                edns_holder = e;
                Some(&edns_holder)
            }
            None => None,
        };
        let builder = MessageResponseBuilder::new(&request.queries, resp_edns);
        if request.edns.as_ref().is_some_and(|e| e.version() > 0) {
            // RFC 6891 6.1.3: an unknown EDNS version gets BADVERS with our (version 0) OPT.
            let msg = builder.error_msg(&request.metadata, ResponseCode::BADVERS);
            return response_handle
                .send_response(msg)
                .await
                .unwrap_or_else(|_| silent());
        }
        let dnssec_ok = request.edns.as_ref().is_some_and(|e| e.flags().dnssec_ok);
        match sv.behaviour {
            DnsBehaviour::Timeout => return silent(),
            DnsBehaviour::Servfail => {
                let msg = builder.error_msg(&request.metadata, ResponseCode::ServFail);
                return response_handle
                    .send_response(msg)
                    .await
                    .unwrap_or_else(|_| silent());
            }
            DnsBehaviour::Normal => {}
        }
        let query = match request.request_info() {
            Ok(info) => info.query.clone(),
            Err(_) => {
                let msg = builder.error_msg(&request.metadata, ResponseCode::FormErr);
                return response_handle
                    .send_response(msg)
                    .await
                    .unwrap_or_else(|_| silent());
            }
        };
        let qname = key(&Name::from(query.name().clone()));
        let qtype = query.original().query_type();
        if request.metadata.op_code != OpCode::Query {
            let msg = builder.error_msg(&request.metadata, ResponseCode::NotImp);
            return response_handle
                .send_response(msg)
                .await
                .unwrap_or_else(|_| silent());
        }
        if matches!(qtype, RecordType::AXFR | RecordType::IXFR) {
            let msg = builder.error_msg(&request.metadata, ResponseCode::Refused);
            return response_handle
                .send_response(msg)
                .await
                .unwrap_or_else(|_| silent());
        }
        if query.original().query_class() != DNSClass::IN {
            let msg = builder.error_msg(&request.metadata, ResponseCode::Refused);
            return response_handle
                .send_response(msg)
                .await
                .unwrap_or_else(|_| silent());
        }
        let ans = answer(sv, &qname, qtype, dnssec_ok);
        let mut md = Metadata::response_from_request(&request.metadata);
        md.authoritative = ans.aa;
        md.recursion_available = false;
        md.response_code = ans.rcode.unwrap_or(ResponseCode::ServFail);
        if request.protocol() == Protocol::Udp {
            // UDP answers are capped at min(advertised, 1232) bytes (512 without EDNS, RFC 6891
            // 6.2.5 for advertised sizes below 512). What does not fit whole is sent as an empty
            // TC reply that keeps its OPT record, so the client retries over TCP.
            let cap = request
                .edns
                .as_ref()
                .map_or(512, |e| e.max_payload().clamp(512, MAX_UDP));
            let mut buf = Vec::with_capacity(usize::from(cap));
            let mut enc = BinEncoder::new(&mut buf);
            enc.set_max_size(cap);
            let trial = MessageResponseBuilder::new(&request.queries, resp_edns)
                .build(
                    md,
                    ans.answers.iter(),
                    ans.authorities.iter(),
                    std::iter::empty(),
                    ans.additionals.iter(),
                )
                .destructive_emit(&mut enc);
            if !matches!(trial, Ok(info) if !info.truncation) {
                md.truncation = true;
                let msg = builder.build_no_records(md);
                return response_handle
                    .send_response(msg)
                    .await
                    .unwrap_or_else(|_| silent());
            }
        }
        let msg = builder.build(
            md,
            ans.answers.iter(),
            ans.authorities.iter(),
            std::iter::empty(),
            ans.additionals.iter(),
        );
        response_handle
            .send_response(msg)
            .await
            .unwrap_or_else(|_| silent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn records_parse_relative_to_the_origin() {
        let r = parse_records(
            "example.com",
            &["www A 192.0.2.1".into(), "@ MX 10 mx.example.com.".into()],
        )
        .unwrap_or_default();
        assert_eq!(r.len(), 2);
        assert!(parse_records("example.com", &["$INCLUDE /etc/passwd".into()]).is_err());
        assert!(parse_records("example.com", &["other.org. A 192.0.2.1".into()]).is_err());
    }

    #[test]
    fn wildcards_synthesise_records() {
        let mut z = Zone::new("park.test");
        let recs = parse_records(
            "park.test",
            &["* A 192.0.2.9".into(), "www A 192.0.2.1".into()],
        )
        .unwrap_or_default();
        for r in recs {
            z.add(r);
        }
        let sv = ServerView {
            behaviour: DnsBehaviour::Normal,
            zones: vec![Arc::new(z)],
        };
        let a = answer(&sv, "anything.deep.park.test", RecordType::A, false);
        assert_eq!(a.rcode, Some(ResponseCode::NoError));
        assert_eq!(a.answers.len(), 1);
        assert_eq!(key(&a.answers[0].name), "anything.deep.park.test");
        let a = answer(&sv, "www.park.test", RecordType::A, false);
        assert!(a.answers[0].to_string().contains("192.0.2.1"));
        let a = answer(&sv, "x.www.park.test", RecordType::A, false);
        assert_eq!(
            a.rcode,
            Some(ResponseCode::NXDomain),
            "www exists: no wildcard below it"
        );
    }

    proptest! {
        #[test]
        fn record_parsing_and_answers_never_panic(line in "\\PC{0,120}", qname in "[a-z0-9.-]{0,80}") {
            let _ = parse_records("example.com", &[line]);
            static VIEW: std::sync::OnceLock<DnsView> = std::sync::OnceLock::new();
            let view = VIEW.get_or_init(|| {
                let s = crate::Scenario::builtin("default").unwrap_or_else(|e| panic!("{e}"));
                let w = crate::state::world(&s, 0, &[]);
                build_view(&s, 1, 0, &w)
            });
            for sv in view.servers.values() {
                let _ = answer(sv, &qname, RecordType::A, true);
            }
        }
    }
}
