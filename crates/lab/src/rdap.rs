//! RDAP (RFC 9083, ICANN gTLD profile shapes), the IANA-style bootstrap files, the lab RIR and
//! the control interface, all on one axum listener.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use serde_json::{Value, json};

use crate::scenario::{RateLimit, Registrar, Registry};
use crate::shared::Shared;
use crate::state::{DomainState, rdap_status};

const RDAP_TYPE: &str = "application/rdap+json";

#[derive(Clone)]
pub(crate) struct Hub {
    pub shared: Arc<Shared>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
}

pub(crate) fn router(hub: Hub) -> Router {
    Router::new()
        .route("/clock", get(clock))
        .route("/advance", post(advance))
        .route("/mailbox", get(mailbox))
        .route("/domains", get(domains))
        .route("/timeline", get(timeline))
        .route("/bootstrap/{file}", get(bootstrap))
        .route("/rdap/{server}/domain/{name}", get(domain))
        .route("/rdap/{server}/v2/domain/{name}", get(domain_v2))
        .route("/rdap/{server}/ip/{addr}", get(ip_network))
        .route("/rdap/{server}/help", get(help))
        .route("/rdap/{server}/nameserver/{name}", get(nameserver))
        .route("/rdap/{server}/entity/{handle}", get(entity))
        .route("/requests", get(requests))
        .fallback(not_found_route)
        .layer(axum::middleware::from_fn_with_state(
            hub.shared.requests.clone(),
            count_rdap,
        ))
        .with_state(hub)
}

/// Counts the RDAP and bootstrap requests (not the control interface's).
async fn count_rdap(
    State(requests): State<Arc<crate::shared::Requests>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = req.uri().path();
    if path.starts_with("/rdap/") || path.starts_with("/bootstrap/") {
        crate::shared::Requests::count(&requests.rdap);
    }
    next.run(req).await
}

/// The requests each service received since the lab started.
async fn requests(State(hub): State<Hub>) -> Response {
    json_ok(hub.shared.requests.json())
}

fn rdap(status: StatusCode, body: Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(RDAP_TYPE));
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

fn error(status: StatusCode, title: &str, description: &str) -> Response {
    rdap(
        status,
        json!({
            "rdapConformance": ["rdap_level_0"],
            "errorCode": status.as_u16(),
            "title": title,
            "description": [description],
        }),
    )
}

async fn not_found_route() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", "no such resource")
}

fn json_ok(v: Value) -> Response {
    let mut r = (StatusCode::OK, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn clock(State(hub): State<Hub>) -> Response {
    let v = hub.shared.view();
    json_ok(json!({
        "now": v.now.to_string(),
        "day": v.day,
        "date": v.date.to_string(),
        "scenario": hub.shared.scenario.name(),
    }))
}

async fn advance(State(hub): State<Hub>, body: axum::body::Bytes) -> Response {
    let parsed: Result<Value, _> = serde_json::from_slice(&body);
    let Ok(v) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            "expected JSON {\"days\":N} or {\"to\":\"YYYY-MM-DD\"}",
        )
            .into_response();
    };
    let days = if let Some(d) = v.get("days").and_then(Value::as_i64) {
        d
    } else if let Some(to) = v.get("to").and_then(Value::as_str) {
        match to.parse::<Date>() {
            Ok(date) => {
                let cur = hub.shared.view().date;
                cur.until(date)
                    .map(|s| i64::from(s.get_days()))
                    .unwrap_or(0)
            }
            Err(_) => return (StatusCode::BAD_REQUEST, "invalid date").into_response(),
        }
    } else {
        return (StatusCode::BAD_REQUEST, "expected \"days\" or \"to\"").into_response();
    };
    if !(0..=36_500).contains(&days) {
        return (
            StatusCode::BAD_REQUEST,
            "the lab clock only moves forward (0..=36500 days)",
        )
            .into_response();
    }
    let shared = hub.shared.clone();
    match tokio::task::spawn_blocking(move || shared.advance(days)).await {
        Ok(out) => json_ok(serde_json::to_value(out).unwrap_or(Value::Null)),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "advance failed").into_response(),
    }
}

#[derive(serde::Deserialize)]
struct TimelineQuery {
    days: Option<i64>,
}

/// The scheduled and life-cycle events of the coming days (desk actions not yet taken are not
/// known in advance).
async fn timeline(
    State(hub): State<Hub>,
    axum::extract::Query(q): axum::extract::Query<TimelineQuery>,
) -> Response {
    let days = q.days.unwrap_or(120).clamp(0, 3650);
    let shared = hub.shared.clone();
    match tokio::task::spawn_blocking(move || shared.timeline(days)).await {
        Ok(events) => json_ok(json!({"day": hub.shared.day(), "events": events})),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "timeline failed").into_response(),
    }
}

async fn mailbox(State(hub): State<Hub>) -> Response {
    json_ok(serde_json::to_value(hub.shared.mailbox()).unwrap_or(Value::Null))
}

async fn domains(State(hub): State<Hub>) -> Response {
    let v = hub.shared.view();
    let list: Vec<Value> = v
        .domains
        .values()
        .map(|d| {
            json!({
                "name": d.name,
                "registry": d.registry,
                "registrar": d.registrar,
                "phase": d.phase,
                "status": d.epp,
                "nameservers": d.nameservers,
                "expires": d.expires.to_string(),
                "in_zone": d.in_zone(),
            })
        })
        .collect();
    json_ok(json!({"day": v.day, "domains": list}))
}

async fn bootstrap(State(hub): State<Hub>, Path(file): Path<String>) -> Response {
    let s = &hub.shared.scenario;
    let services: Vec<Value> = match file.as_str() {
        "dns.json" => s
            .registries
            .iter()
            .filter(|r| r.rdap)
            .map(|r| json!([r.tlds, [format!("{}/rdap/{}/", hub.base, r.id)]]))
            .collect(),
        "ipv4.json" => {
            let nets: Vec<&str> = s
                .networks
                .iter()
                .filter(|n| n.prefix.contains('.'))
                .map(|n| n.prefix.as_str())
                .collect();
            if nets.is_empty() {
                Vec::new()
            } else {
                vec![json!([nets, [format!("{}/rdap/rir/", hub.base)]])]
            }
        }
        "ipv6.json" | "asn.json" => Vec::new(),
        _ => return error(StatusCode::NOT_FOUND, "Not Found", "no such bootstrap file"),
    };
    let mut r = json_ok(json!({
        "description": format!("RDAP bootstrap file for {} (lab)", file.trim_end_matches(".json")),
        "publication": hub.shared.view().now.to_string(),
        "services": services,
        "version": "1.0",
    }));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn help(State(hub): State<Hub>, Path(server): Path<String>) -> Response {
    if party(&hub, &server).is_none() {
        return error(StatusCode::NOT_FOUND, "Not Found", "no such server");
    }
    rdap(
        StatusCode::OK,
        json!({
            "rdapConformance": ["rdap_level_0"],
            "notices": [{"title": "Help", "description": [format!("Lab RDAP service {server}. Query /domain/NAME.")]}],
        }),
    )
}

enum Party<'a> {
    Registry(&'a Registry),
    Registrar(&'a Registrar),
}

fn party<'a>(hub: &'a Hub, id: &str) -> Option<Party<'a>> {
    let s = &hub.shared.scenario;
    if let Some(r) = s.registry(id) {
        return r.rdap.then_some(Party::Registry(r));
    }
    s.registrar(id).filter(|r| r.rdap).map(Party::Registrar)
}

async fn domain(
    State(hub): State<Hub>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((server, name)): Path<(String, String)>,
) -> Response {
    domain_common(hub, peer, server, name, false).await
}

async fn domain_v2(
    State(hub): State<Hub>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((server, name)): Path<(String, String)>,
) -> Response {
    domain_common(hub, peer, server, name, true).await
}

fn limited(hub: &Hub, server: &str, peer: SocketAddr, rl: Option<&RateLimit>) -> Option<Response> {
    let rl = rl?;
    match hub.shared.rate_check(server, peer.ip(), rl) {
        Ok(()) => None,
        Err(secs) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "query rate limit exceeded; retry later",
            );
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Some(r)
        }
    }
}

async fn domain_common(
    hub: Hub,
    peer: SocketAddr,
    server: String,
    name: String,
    v2: bool,
) -> Response {
    let Some(p) = party(&hub, &server) else {
        return error(StatusCode::NOT_FOUND, "Not Found", "no such RDAP service");
    };
    let rl = match &p {
        Party::Registry(r) => {
            if r.unresponsive {
                hub.shared.hang(Duration::from_secs(300)).await;
                return error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Unavailable",
                    "shutting down",
                );
            }
            r.rdap_rate_limit.as_ref()
        }
        Party::Registrar(r) => r.rdap_rate_limit.as_ref(),
    };
    if let Some(resp) = limited(&hub, &server, peer, rl) {
        return resp;
    }
    let mut name = name.trim_end_matches('.').to_lowercase();
    if !name.is_ascii() {
        // U-label query (RFC 9082 allows it): the scenario knows the U-labels of its IDNs.
        if let Some(d) = hub
            .shared
            .scenario
            .domains
            .iter()
            .find(|d| !d.unicode.is_empty() && d.unicode.to_lowercase() == name)
        {
            name = d.name.clone();
        }
    }
    if name.len() > 253 || !crate::scenario::valid_name(&name) {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "invalid domain name",
        );
    }
    if let Party::Registry(r) = &p
        && r.rdap_redirect
        && !v2
    {
        let loc = format!("{}/rdap/{}/v2/domain/{}", hub.base, r.id, name);
        let mut resp = (StatusCode::FOUND, "").into_response();
        if let Ok(v) = HeaderValue::from_str(&loc) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return resp;
    }
    let view = hub.shared.view();
    let Some(st) = view.domains.get(&name).filter(|d| d.exists()) else {
        return error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "the object does not exist",
        );
    };
    let s = &hub.shared.scenario;
    let self_url = format!("{}/rdap/{}/domain/{}", hub.base, server, name);
    let body = match p {
        Party::Registry(r) => {
            if st.registry != r.id {
                return error(
                    StatusCode::NOT_FOUND,
                    "Not Found",
                    "the object does not exist",
                );
            }
            domain_json(
                &hub,
                st,
                &self_url,
                view.now,
                DomainView::Registry { thin: r.thin },
                s,
            )
        }
        Party::Registrar(r) => {
            if st.registrar != r.id {
                return error(
                    StatusCode::NOT_FOUND,
                    "Not Found",
                    "the object does not exist",
                );
            }
            domain_json(&hub, st, &self_url, view.now, DomainView::Registrar, s)
        }
    };
    rdap(StatusCode::OK, body)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DomainView {
    Registry { thin: bool },
    Registrar,
}

fn rfc3339(d: Date) -> String {
    format!("{d}T00:00:00Z")
}

fn vcard(items: Vec<Value>) -> Value {
    let mut v = vec![json!(["version", {}, "text", "4.0"])];
    v.extend(items);
    json!(["vcard", v])
}

fn domain_json(
    hub: &Hub,
    st: &DomainState,
    self_url: &str,
    now: jiff::Timestamp,
    which: DomainView,
    s: &crate::scenario::Scenario,
) -> Value {
    let registrar = s.registrar(&st.registrar);
    let tld = st
        .name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let handle = format!("{}_DOMAIN_{}-LAB", handle_num(&st.name, st.registered), tld);
    let mut links = vec![json!({
        "value": self_url, "rel": "self", "href": self_url, "type": RDAP_TYPE,
    })];
    if matches!(which, DomainView::Registry { .. })
        && let Some(r) = registrar.filter(|r| r.rdap)
    {
        let href = format!("{}/rdap/{}/domain/{}", hub.base, r.id, st.name);
        links.push(json!({"value": self_url, "rel": "related", "href": href, "type": RDAP_TYPE}));
    }
    let mut entities = Vec::new();
    if let Some(r) = registrar {
        entities.push(registrar_entity(r));
    }
    let thin = matches!(which, DomainView::Registry { thin: true });
    if !thin {
        entities.push(json!({
            "objectClassName": "entity",
            "handle": "REDACTED",
            "roles": ["registrant"],
            "vcardArray": vcard(vec![
                json!(["fn", {}, "text", ""]),
                json!(["org", {}, "text", st.registrant]),
                json!(["adr", {}, "text", ["", "", "", "", "REDACTED", "", "JP"]]),
            ]),
            "remarks": [{"title": "REDACTED FOR PRIVACY", "type": "object redacted due to authorization", "description": ["Some of the data in this object has been removed."]}],
        }));
    }
    let mut events = vec![
        json!({"eventAction": "registration", "eventDate": rfc3339(st.registered)}),
        json!({"eventAction": "expiration", "eventDate": rfc3339(st.expires)}),
        json!({"eventAction": "last changed", "eventDate": rfc3339(st.last_changed)}),
    ];
    if let Some(t) = st.transferred {
        events.push(json!({"eventAction": "transfer", "eventDate": rfc3339(t)}));
    }
    events
        .push(json!({"eventAction": "last update of RDAP database", "eventDate": now.to_string()}));
    let nameservers: Vec<Value> = st
        .nameservers
        .iter()
        .map(|n| json!({"objectClassName": "nameserver", "ldhName": n, "status": ["active"]}))
        .collect();
    let ds: Vec<Value> = st
        .ds
        .iter()
        .map(|d| json!({"keyTag": d.key_tag, "algorithm": d.algorithm, "digestType": d.digest_type, "digest": d.digest}))
        .collect();
    let status: Vec<String> = st.epp.iter().map(|s| rdap_status(s)).collect();
    let mut v = json!({
        "objectClassName": "domain",
        "handle": handle,
        "ldhName": st.name,
        "links": links,
        "status": status,
        "entities": entities,
        "events": events,
        "nameservers": nameservers,
        "secureDNS": {"delegationSigned": !ds.is_empty(), "dsData": ds},
        "rdapConformance": ["rdap_level_0", "icann_rdap_technical_implementation_guide_1", "icann_rdap_response_profile_1"],
        "notices": [
            {"title": "Terms of Use", "description": ["Service subject to the lab's terms of use."], "links": [{"value": self_url, "rel": "terms-of-service", "href": format!("{}/rdap/help", hub.base), "type": "text/html"}]},
            {"title": "Status Codes", "description": ["For more information on domain status codes, please visit https://icann.org/epp"], "links": [{"value": self_url, "rel": "glossary", "href": "https://icann.org/epp", "type": "text/html"}]},
            {"title": "RDDS Inaccuracy Complaint Form", "description": ["URL of the ICANN RDDS Inaccuracy Complaint Form: https://icann.org/wicf"], "links": [{"value": self_url, "rel": "help", "href": "https://icann.org/wicf", "type": "text/html"}]},
        ],
    });
    if let Some(def) = s.domain(&st.name)
        && !def.unicode.is_empty()
        && let Some(obj) = v.as_object_mut()
    {
        obj.insert("unicodeName".into(), json!(def.unicode));
    }
    v
}

fn handle_num(name: &str, d: Date) -> u64 {
    let mut h: u64 = 1469598103934665603;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(1099511628211);
    }
    (h % 9_000_000_000) + u64::try_from(d.year().max(0)).unwrap_or(0)
}

/// Parses `a.b.c.d/len` into (network, prefix length).
pub(crate) fn parse_prefix(p: &str) -> Option<(Ipv4Addr, u8)> {
    let (a, l) = p.split_once('/')?;
    let addr: Ipv4Addr = a.parse().ok()?;
    let len: u8 = l.parse().ok()?;
    (len <= 32).then_some((addr, len))
}

fn in_prefix(ip: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(len))
    };
    u32::from(ip) & mask == u32::from(net) & mask
}

async fn ip_network(
    State(hub): State<Hub>,
    Path((server, addr)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let _ = headers;
    if server != "rir" {
        return error(StatusCode::NOT_FOUND, "Not Found", "no such RDAP service");
    }
    let addr = addr.split('/').next().unwrap_or_default();
    let Ok(IpAddr::V4(ip)) = addr.parse::<IpAddr>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "invalid IPv4 address",
        );
    };
    let s = &hub.shared.scenario;
    let best = s
        .networks
        .iter()
        .filter_map(|n| parse_prefix(&n.prefix).map(|(a, l)| (n, a, l)))
        .filter(|(_, a, l)| in_prefix(ip, *a, *l))
        .max_by_key(|(_, _, l)| *l);
    let Some((n, net, len)) = best else {
        return error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "no network contains this address",
        );
    };
    let start = u32::from(net)
        & if len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(len))
        };
    let end = start
        | if len == 32 {
            0
        } else {
            u32::MAX >> u32::from(len)
        };
    let self_url = format!("{}/rdap/rir/ip/{}", hub.base, ip);
    let contact = |role: &str, email: &str, handle: String| {
        json!({
            "objectClassName": "entity",
            "handle": handle,
            "roles": [role],
            "vcardArray": vcard(vec![json!(["fn", {}, "text", format!("{} {}", n.org, role)]), json!(["kind", {}, "text", "group"]), json!(["email", {}, "text", email])]),
        })
    };
    rdap(
        StatusCode::OK,
        json!({
            "objectClassName": "ip network",
            "handle": n.handle,
            "startAddress": Ipv4Addr::from(start).to_string(),
            "endAddress": Ipv4Addr::from(end).to_string(),
            "ipVersion": "v4",
            "name": n.name,
            "type": "ASSIGNED PA",
            "country": n.country,
            "status": ["active"],
            "links": [{"value": self_url, "rel": "self", "href": self_url, "type": RDAP_TYPE}],
            "entities": [
                {"objectClassName": "entity", "handle": format!("ORG-{}", n.handle), "roles": ["registrant"], "vcardArray": vcard(vec![json!(["fn", {}, "text", n.org]), json!(["kind", {}, "text", "org"])])},
                contact("abuse", &n.abuse_email, format!("ABUSE-{}", n.handle)),
                contact("technical", &n.tech_email, format!("TECH-{}", n.handle)),
            ],
            "events": [{"eventAction": "last changed", "eventDate": hub.shared.view().now.to_string()}],
            "rdapConformance": ["rdap_level_0", "nro_rdap_profile_0", "cidr0"],
            "notices": [{"title": "Terms and Conditions", "description": ["This is the lab RIR RDAP service."]}],
        }),
    )
}

fn registrar_entity(r: &Registrar) -> Value {
    let (abuse_email, abuse_tel) = r
        .desk
        .as_ref()
        .map(|d| (d.email.clone(), d.phone.clone()))
        .unwrap_or_default();
    let mut abuse_items = vec![json!(["fn", {}, "text", "Abuse Contact"])];
    if !abuse_tel.is_empty() {
        abuse_items.push(json!(["tel", {"type": "voice"}, "uri", format!("tel:{abuse_tel}")]));
    }
    if !abuse_email.is_empty() {
        abuse_items.push(json!(["email", {}, "text", abuse_email]));
    }
    json!({
        "objectClassName": "entity",
        "handle": r.iana_id.to_string(),
        "roles": ["registrar"],
        "publicIds": [{"type": "IANA Registrar ID", "identifier": r.iana_id.to_string()}],
        "vcardArray": vcard(vec![json!(["fn", {}, "text", r.name])]),
        "links": if r.url.is_empty() { json!([]) } else { json!([{"value": r.url, "rel": "about", "href": r.url, "type": "text/html"}]) },
        "entities": [{
            "objectClassName": "entity",
            "roles": ["abuse"],
            "vcardArray": vcard(abuse_items),
        }],
    })
}

/// `GET /rdap/{server}/nameserver/{name}`: a host object at the registry of its TLD.
async fn nameserver(
    State(hub): State<Hub>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((server, name)): Path<(String, String)>,
) -> Response {
    let s = &hub.shared.scenario;
    let Some(reg) = s.registry(&server).filter(|r| r.rdap) else {
        return error(StatusCode::NOT_FOUND, "Not Found", "no such RDAP service");
    };
    if reg.unresponsive {
        hub.shared.hang(Duration::from_secs(300)).await;
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Unavailable",
            "shutting down",
        );
    }
    if let Some(resp) = limited(&hub, &server, peer, reg.rdap_rate_limit.as_ref()) {
        return resp;
    }
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if !crate::scenario::valid_name(&name) {
        return error(StatusCode::BAD_REQUEST, "Bad Request", "invalid host name");
    }
    let view = hub.shared.view();
    // The host exists at the registry when its parent domain is registered there (or it is
    // one of the registry's own servers).
    let parent_ok = view.domains.values().any(|d| {
        d.exists() && d.registry == reg.id && crate::scenario::is_subdomain(&name, &d.name)
    }) || reg.nameservers.iter().any(|h| h.name == name);
    if !parent_ok || s.registry_for(&name).is_none_or(|r| r.id != reg.id) {
        return error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "the object does not exist",
        );
    }
    let hosts = crate::dns::host_table(s);
    let ips = hosts.get(&name).cloned().unwrap_or_default();
    let v4: Vec<String> = ips
        .iter()
        .filter(|i| i.is_ipv4())
        .map(ToString::to_string)
        .collect();
    let v6: Vec<String> = ips
        .iter()
        .filter(|i| i.is_ipv6())
        .map(ToString::to_string)
        .collect();
    let self_url = format!("{}/rdap/{}/nameserver/{}", hub.base, server, name);
    rdap(
        StatusCode::OK,
        json!({
            "objectClassName": "nameserver",
            "handle": format!("{}_HOST-LAB", handle_num(&name, view.date)),
            "ldhName": name,
            "ipAddresses": {"v4": v4, "v6": v6},
            "status": ["active"],
            "links": [{"value": self_url, "rel": "self", "href": self_url, "type": RDAP_TYPE}],
            "events": [{"eventAction": "last update of RDAP database", "eventDate": view.now.to_string()}],
            "rdapConformance": ["rdap_level_0", "icann_rdap_technical_implementation_guide_1", "icann_rdap_response_profile_1"],
        }),
    )
}

/// `GET /rdap/{registrar}/entity/{iana_id}`: the registrar itself.
async fn entity(
    State(hub): State<Hub>,
    Path((server, handle)): Path<(String, String)>,
) -> Response {
    let s = &hub.shared.scenario;
    let r = s
        .registrar(&server)
        .filter(|r| r.rdap)
        .or_else(|| {
            s.registry(&server)
                .filter(|r| r.rdap && !r.unresponsive)
                .and_then(|_| {
                    s.registrars
                        .iter()
                        .find(|r| r.iana_id.to_string() == handle)
                })
        })
        .filter(|r| r.iana_id.to_string() == handle);
    match r {
        Some(r) => {
            let mut v = registrar_entity(r);
            if let Some(o) = v.as_object_mut() {
                o.insert(
                    "rdapConformance".into(),
                    json!(["rdap_level_0", "icann_rdap_response_profile_1"]),
                );
            }
            rdap(StatusCode::OK, v)
        }
        None => error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "the object does not exist",
        ),
    }
}
