//! Port-43 WHOIS servers: IANA, ICANN-format registries and registrars, and a JPRS-style .jp
//! server. One TCP listener per WHOIS host name; one query line per connection.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::scenario::{Scenario, WhoisStyle, is_subdomain};
use crate::shared::{Shared, View};
use crate::state::DomainState;

const MAX_QUERY: usize = 512;

/// Host name of the lab RIR's WHOIS service.
pub(crate) const RIR_HOST: &str = "whois.rir.example";

/// What a WHOIS host is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WhoisRole {
    Iana,
    /// The lab RIR (IP networks, RPSL-style answers).
    Rir,
    Registry(String),
    Registrar(String),
}

/// Every WHOIS host name of the scenario with its role.
pub(crate) fn hosts(s: &Scenario) -> Vec<(String, WhoisRole)> {
    let mut out = vec![("whois.iana.org".to_string(), WhoisRole::Iana)];
    if !s.networks.is_empty() {
        out.push((RIR_HOST.to_string(), WhoisRole::Rir));
    }
    for r in &s.registries {
        if let Some(h) = &r.whois
            && !out.iter().any(|(n, _)| n == h)
        {
            out.push((h.clone(), WhoisRole::Registry(r.id.clone())));
        }
    }
    for r in &s.registrars {
        if let Some(h) = &r.whois
            && !out.iter().any(|(n, _)| n == h)
        {
            out.push((h.clone(), WhoisRole::Registrar(r.id.clone())));
        }
    }
    out
}

pub(crate) async fn serve(
    listener: TcpListener,
    host: String,
    role: WhoisRole,
    shared: Arc<Shared>,
) {
    let host = Arc::new(host);
    let mut stop = shared.shutdown_signal();
    loop {
        tokio::select! {
            _ = stop.wait_for(|v| *v) => return,
            acc = listener.accept() => {
                let Ok((stream, _)) = acc else { continue };
                crate::shared::Requests::count(&shared.requests.whois);
                let role = role.clone();
                let shared = shared.clone();
                let host = host.clone();
                tokio::spawn(async move { handle(stream, &host, role, shared).await });
            }
        }
    }
}

async fn read_query(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(64);
    let mut chunk = [0u8; 256];
    let read = async {
        loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.contains(&b'\n') || buf.len() > MAX_QUERY {
                break;
            }
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let line = buf.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = &line[..line.len().min(MAX_QUERY)];
    Some(String::from_utf8_lossy(line).trim().to_string())
}

async fn handle(mut stream: TcpStream, host: &str, role: WhoisRole, shared: Arc<Shared>) {
    let peer = stream.peer_addr().ok();
    // The server's own host name lives under a scenario domain that may have lapsed (the .mobi
    // case): deleted -> the name no longer leads anywhere; re-registered -> someone else answers.
    match host_domain_fate(&shared.scenario, &shared.view(), host) {
        HostFate::Gone => {
            // Read the query, then close without a word.
            let _ = read_query(&mut stream).await;
            let _ = stream.shutdown().await;
            return;
        }
        HostFate::Taken(domain, since) => {
            let Some(query) = read_query(&mut stream).await else {
                return;
            };
            let text = format!(
                "% This server is not operated by the registry.\n\
                 % The domain {domain} was registered by a third party on {since}.\n\n\
                 No match for \"{}\".\n",
                normalise(&query).to_ascii_uppercase()
            );
            let _ = write_all(&mut stream, &text).await;
            return;
        }
        HostFate::Normal => {}
    }
    let Some(query) = read_query(&mut stream).await else {
        return;
    };
    let s = &shared.scenario;
    if let WhoisRole::Registry(id) = &role
        && let Some(r) = s.registry(id)
    {
        if r.unresponsive {
            shared.hang(Duration::from_secs(300)).await;
            return;
        }
        if let (Some(rl), Some(peer)) = (&r.whois_rate_limit, peer)
            && shared
                .rate_check(&format!("whois:{id}"), peer.ip(), rl)
                .is_err()
        {
            let text = match r.whois_style {
                WhoisStyle::Jprs => format!(
                    "{}\nQuery limit exceeded. The number of queries from your address has \
                     reached the limit.\nPlease try again later.\n",
                    JPRS_BANNER
                ),
                WhoisStyle::Icann => {
                    "WHOIS LIMIT EXCEEDED - SEE WWW.LAB.EXAMPLE/WHOIS FOR DETAILS\n".to_string()
                }
            };
            let _ = write_all(&mut stream, &text).await;
            return;
        }
    }
    let view = shared.view();
    let text = answer(s, &view, &role, &query);
    let _ = write_all(&mut stream, &text).await;
}

async fn write_all(stream: &mut TcpStream, text: &str) -> std::io::Result<()> {
    let crlf = text.replace('\n', "\r\n");
    stream.write_all(crlf.as_bytes()).await?;
    stream.shutdown().await
}

enum HostFate {
    Normal,
    Gone,
    Taken(String, jiff::civil::Date),
}

/// What became of the scenario domain a WHOIS host name lives under.
fn host_domain_fate(s: &Scenario, view: &View, host: &str) -> HostFate {
    let Some(def) = s
        .domains
        .iter()
        .filter(|d| is_subdomain(host, &d.name))
        .max_by_key(|d| d.name.len())
    else {
        return HostFate::Normal;
    };
    match view.domains.get(&def.name) {
        Some(st) if !st.exists() => HostFate::Gone,
        Some(st) if st.registered != def.registered => {
            HostFate::Taken(def.name.clone(), st.registered)
        }
        _ => HostFate::Normal,
    }
}

fn normalise(q: &str) -> String {
    let q = q.trim();
    // Verisign-style servers accept `domain NAME` and `=NAME` as well as the bare name.
    let q = match q.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("domain ") => q.get(7..).unwrap_or_default(),
        _ => q,
    };
    let q = q.strip_prefix('=').unwrap_or(q);
    q.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The text answer of a WHOIS host to a query.
pub(crate) fn answer(s: &Scenario, view: &View, role: &WhoisRole, query: &str) -> String {
    match role {
        WhoisRole::Iana => iana(s, &normalise(query)),
        WhoisRole::Rir => rir(s, view, &normalise(query)),
        WhoisRole::Registry(id) => {
            let Some(r) = s.registry(id) else {
                return String::new();
            };
            match r.whois_style {
                WhoisStyle::Jprs => {
                    let (q, english) = match query.trim().strip_suffix("/e") {
                        Some(q) => (normalise(q), true),
                        None => (normalise(query), false),
                    };
                    jprs(view, &q, english, id)
                }
                WhoisStyle::Icann => {
                    let q = normalise(query);
                    let st = view
                        .domains
                        .get(&q)
                        .filter(|d| d.exists() && d.registry == *id);
                    match st {
                        Some(st) => icann_record(s, view, st, Some(r.thin)),
                        None => not_found_icann(view, &q),
                    }
                }
            }
        }
        WhoisRole::Registrar(id) => {
            let q = normalise(query);
            match view
                .domains
                .get(&q)
                .filter(|d| d.exists() && d.registrar == *id)
            {
                Some(st) => icann_record(s, view, st, None),
                None => not_found_icann(view, &q),
            }
        }
    }
}

/// The network containing an IPv4 address: (network, first, last).
fn network_of(
    s: &Scenario,
    ip: std::net::Ipv4Addr,
) -> Option<(&crate::scenario::Network, u32, u32)> {
    s.networks
        .iter()
        .filter_map(|n| {
            let (a, l) = crate::rdap::parse_prefix(&n.prefix)?;
            let mask = if l == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(l))
            };
            let first = u32::from(a) & mask;
            let last = first | !mask;
            (u32::from(ip) & mask == first).then_some((n, first, last, l))
        })
        .max_by_key(|(_, _, _, l)| *l)
        .map(|(n, f, t, _)| (n, f, t))
}

fn rir(s: &Scenario, view: &View, q: &str) -> String {
    let mut o =
        String::from("% This is the lab RIR WHOIS service.\n% The objects are in RPSL format.\n\n");
    let ip = q
        .split('/')
        .next()
        .and_then(|a| a.parse::<std::net::Ipv4Addr>().ok());
    let Some((n, first, last)) = ip.and_then(|ip| network_of(s, ip)) else {
        o.push_str("%ERROR:101: no entries found\n%\n% No entries found in source LAB.\n");
        return o;
    };
    let _ = writeln!(
        o,
        "inetnum:        {} - {}",
        std::net::Ipv4Addr::from(first),
        std::net::Ipv4Addr::from(last)
    );
    let _ = writeln!(o, "netname:        {}", n.name);
    let _ = writeln!(o, "descr:          {}", n.org);
    let _ = writeln!(o, "country:        {}", n.country);
    let _ = writeln!(o, "org:            ORG-{}", n.handle);
    let _ = writeln!(o, "admin-c:        ADM-{}", n.handle);
    let _ = writeln!(o, "tech-c:         TECH-{}", n.handle);
    let _ = writeln!(o, "abuse-c:        ABUSE-{}", n.handle);
    o.push_str("status:         ASSIGNED PA\n");
    let _ = writeln!(o, "mnt-by:         MAINT-{}", n.handle);
    let _ = writeln!(o, "last-modified:  {}", view.now);
    o.push_str("source:         LAB\n\n");
    let _ = writeln!(o, "irt:            IRT-{}", n.handle);
    let _ = writeln!(o, "e-mail:         {}", n.abuse_email);
    let _ = writeln!(o, "abuse-mailbox:  {}", n.abuse_email);
    o.push_str("source:         LAB\n\n");
    let _ = writeln!(o, "role:           {} technical contact", n.org);
    let _ = writeln!(o, "nic-hdl:        TECH-{}", n.handle);
    let _ = writeln!(o, "e-mail:         {}", n.tech_email);
    o.push_str("source:         LAB\n");
    o
}

fn iana(s: &Scenario, q: &str) -> String {
    let mut out = String::from(
        "% IANA WHOIS server\n% for more information on IANA, visit http://www.iana.org\n",
    );
    if let Ok(ip) = q
        .split('/')
        .next()
        .unwrap_or_default()
        .parse::<std::net::Ipv4Addr>()
    {
        if network_of(s, ip).is_some() {
            out.push_str("% This query returned 1 object\n\n");
            let _ = writeln!(out, "refer:        {RIR_HOST}\n");
            let _ = writeln!(
                out,
                "inetnum:      {}.0.0.0 - {}.255.255.255",
                ip.octets()[0],
                ip.octets()[0]
            );
            out.push_str("organisation: Lab RIR\nstatus:       ALLOCATED\n\n");
            let _ = writeln!(out, "whois:        {RIR_HOST}\n");
            out.push_str("source:       IANA\n");
        } else {
            out.push_str("% This query returned 0 objects.\n");
        }
        return out;
    }
    let tld = q.rsplit('.').next().unwrap_or_default();
    let reg = s
        .registries
        .iter()
        .find(|r| r.tlds.iter().any(|t| t == tld));
    let Some(r) = reg else {
        out.push_str("% This query returned 0 objects.\n");
        return out;
    };
    out.push_str("% This query returned 1 object\n\n");
    if let Some(w) = &r.whois {
        let _ = writeln!(out, "refer:        {w}\n");
    }
    let _ = writeln!(out, "domain:       {}\n", tld.to_ascii_uppercase());
    let _ = writeln!(out, "organisation: {}", r.name);
    let _ = writeln!(out, "address:      (lab)\n");
    for ns in &r.nameservers {
        let _ = writeln!(
            out,
            "nserver:      {} {}",
            ns.name.to_ascii_uppercase(),
            ns.ip
        );
    }
    out.push('\n');
    // The root zone database's contacts; the desk is the administrative contact.
    if let Some(d) = &r.desk {
        let _ = writeln!(out, "contact:      administrative");
        let _ = writeln!(out, "name:         Abuse Desk");
        let _ = writeln!(out, "organisation: {}", r.name);
        let _ = writeln!(out, "e-mail:       {}\n", d.email);
    }
    if let Some(w) = &r.whois {
        let _ = writeln!(out, "whois:        {w}\n");
    }
    out.push_str("status:       ACTIVE\n\ncreated:      1985-01-01\nsource:       IANA\n");
    out
}

fn ts(d: jiff::civil::Date) -> String {
    format!("{d}T00:00:00Z")
}

fn not_found_icann(view: &View, q: &str) -> String {
    format!(
        "No match for \"{}\".\n>>> Last update of whois database: {} <<<\n\nNOTICE: The expiration date displayed in this record is the date the\nregistrar's sponsorship of the domain name registration in the registry is\ncurrently set to expire.\n",
        q.to_ascii_uppercase(),
        view.now
    )
}

/// ICANN-format record: `thin = Some(..)` for a registry answer, `None` for a registrar.
fn icann_record(s: &Scenario, view: &View, st: &DomainState, thin: Option<bool>) -> String {
    let reg = s.registrar(&st.registrar);
    let mut o = String::new();
    let _ = writeln!(o, "   Domain Name: {}", st.name.to_ascii_uppercase());
    let tld = st
        .name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let _ = writeln!(
        o,
        "   Registry Domain ID: {}_DOMAIN_{}-LAB",
        st.name.len() * 7919,
        tld
    );
    if let Some(r) = reg {
        if let Some(w) = &r.whois {
            let _ = writeln!(o, "   Registrar WHOIS Server: {w}");
        }
        let _ = writeln!(o, "   Registrar URL: {}", r.url);
    }
    let _ = writeln!(o, "   Updated Date: {}", ts(st.last_changed));
    let _ = writeln!(o, "   Creation Date: {}", ts(st.registered));
    if thin.is_some() {
        let _ = writeln!(o, "   Registry Expiry Date: {}", ts(st.expires));
    } else {
        let _ = writeln!(
            o,
            "   Registrar Registration Expiration Date: {}",
            ts(st.expires)
        );
    }
    if let Some(r) = reg {
        let _ = writeln!(o, "   Registrar: {}", r.name);
        let _ = writeln!(o, "   Registrar IANA ID: {}", r.iana_id);
        if let Some(d) = &r.desk {
            let _ = writeln!(o, "   Registrar Abuse Contact Email: {}", d.email);
            let _ = writeln!(o, "   Registrar Abuse Contact Phone: {}", d.phone);
        }
    }
    for e in &st.epp {
        let _ = writeln!(o, "   Domain Status: {e} https://icann.org/epp#{e}");
    }
    if thin != Some(true) {
        let _ = writeln!(o, "   Registrant Organization: {}", st.registrant);
        let _ = writeln!(o, "   Registrant Country: JP");
        let _ = writeln!(
            o,
            "   Registrant Email: Please query the RDDS service of the Registrar of Record identified in this output for information on how to contact the Registrant"
        );
    }
    for n in &st.nameservers {
        let _ = writeln!(o, "   Name Server: {}", n.to_ascii_uppercase());
    }
    let _ = writeln!(
        o,
        "   DNSSEC: {}",
        if st.ds.is_empty() {
            "unsigned"
        } else {
            "signedDelegation"
        }
    );
    o.push_str(
        "   URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/\n",
    );
    let _ = writeln!(o, ">>> Last update of whois database: {} <<<", view.now);
    o.push_str(
        "\nFor more information on Whois status codes, please visit https://icann.org/epp\n",
    );
    o
}

const JPRS_BANNER: &str =
    "[ JPRS database provides information on network administration. Its use is    ]
[ restricted to network administration purposes. For further information,     ]
[ use 'whois -h whois.jprs.jp help'. To suppress Japanese output, add'/e'     ]
[ at the end of command, e.g. 'whois -h whois.jprs.jp xxx/e'.                 ]
";

fn jdate(d: jiff::civil::Date) -> String {
    format!("{:04}/{:02}/{:02}", d.year(), d.month(), d.day())
}

fn row(o: &mut String, label: &str, value: &str) {
    // Labels are padded to column 33 (counting a full-width character as two columns).
    let width: usize = label
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum();
    let pad = 32usize.saturating_sub(width).max(1);
    let _ = writeln!(o, "{label}{}{value}", " ".repeat(pad));
}

fn jprs(view: &View, q: &str, en: bool, registry: &str) -> String {
    let mut o = String::from(JPRS_BANNER);
    o.push('\n');
    let st = view
        .domains
        .get(q)
        .filter(|d| d.exists() && d.registry == registry);
    let Some(st) = st else {
        o.push_str("No match!!\n\n");
        return o;
    };
    let l = |en_label: &'static str, ja_label: &'static str| if en { en_label } else { ja_label };
    let last = format!("{} 09:00:00 (JST)", jdate(st.last_changed));
    let lock = st
        .epp
        .iter()
        .find(|s| s.contains("Locked"))
        .cloned()
        .unwrap_or_default();
    // Second-level attribute domains (co.jp, ne.jp, ...) use the lettered layout.
    let attribute = st.name.split('.').count() >= 3
        && [
            "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "ad.jp", "ed.jp", "gr.jp", "lg.jp",
        ]
        .iter()
        .any(|sfx| is_subdomain(&st.name, sfx));
    if en {
        o.push_str("Domain Information:\n");
    } else {
        o.push_str("Domain Information: [ドメイン情報]\n");
    }
    if attribute {
        row(
            &mut o,
            l("a. [Domain Name]", "a. [ドメイン名]"),
            &st.name.to_ascii_uppercase(),
        );
        row(
            &mut o,
            l("g. [Organization]", "g. [組織名]"),
            &st.registrant,
        );
        row(
            &mut o,
            l("l. [Organization Type]", "l. [組織種別]"),
            l("Corporation", "株式会社"),
        );
        row(
            &mut o,
            l("m. [Administrative Contact]", "m. [登録担当者]"),
            "LAB0001JP",
        );
        row(
            &mut o,
            l("n. [Technical Contact]", "n. [技術連絡担当者]"),
            "LAB0002JP",
        );
        for n in &st.nameservers {
            row(&mut o, l("p. [Name Server]", "p. [ネームサーバ]"), n);
        }
        row(&mut o, l("s. [Signing Key]", "s. [署名鍵]"), "");
        let state = if st.in_zone() {
            format!("Connected ({})", jdate(st.expires))
        } else {
            format!("Suspended ({})", jdate(st.expires))
        };
        row(&mut o, l("[State]", "[状態]"), &state);
        row(&mut o, l("[Lock Status]", "[ロック状態]"), &lock);
        row(
            &mut o,
            l("[Registered Date]", "[登録年月日]"),
            &jdate(st.registered),
        );
        row(
            &mut o,
            l("[Connected Date]", "[接続年月日]"),
            &jdate(st.registered),
        );
        row(&mut o, l("[Last Update]", "[最終更新]"), &last);
    } else {
        row(
            &mut o,
            l("[Domain Name]", "[ドメイン名]"),
            &st.name.to_ascii_uppercase(),
        );
        o.push('\n');
        row(&mut o, l("[Registrant]", "[登録者名]"), &st.registrant);
        o.push('\n');
        for n in &st.nameservers {
            row(&mut o, l("[Name Server]", "[ネームサーバ]"), n);
        }
        row(&mut o, l("[Signing Key]", "[署名鍵]"), "");
        o.push('\n');
        row(
            &mut o,
            l("[Created on]", "[登録年月日]"),
            &jdate(st.registered),
        );
        row(&mut o, l("[Expires on]", "[有効期限]"), &jdate(st.expires));
        let status = if st.in_zone() { "Active" } else { "Suspended" };
        row(&mut o, l("[Status]", "[状態]"), status);
        if !lock.is_empty() {
            row(&mut o, l("[Lock Status]", "[ロック状態]"), &lock);
        }
        row(&mut o, l("[Last Updated]", "[最終更新]"), &last);
        o.push_str("\nContact Information:\n");
        row(&mut o, l("[Name]", "[名前]"), &st.registrant);
        row(&mut o, l("[Email]", "[Email]"), &st.registrant_email);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shared() -> (Shared, tokio::sync::watch::Sender<bool>) {
        let s = Scenario::builtin("default").unwrap_or_else(|e| panic!("{e}"));
        let (tx, rx) = tokio::sync::watch::channel(false);
        (Shared::new(Arc::new(s), rx), tx)
    }

    #[test]
    fn verisign_style_query_prefixes() {
        let (sh, _tx) = shared();
        let v = sh.view();
        let role = WhoisRole::Registry("verisign".into());
        for q in [
            "biglobes.net",
            "domain biglobes.net",
            "=BIGLOBES.NET",
            "DOMAIN biglobes.net.",
        ] {
            assert!(
                answer(&sh.scenario, &v, &role, q).contains("Domain Name: BIGLOBES.NET"),
                "{q}"
            );
        }
    }

    proptest! {
        #[test]
        fn answers_never_panic(q in "\\PC{0,200}") {
            static SHARED: std::sync::OnceLock<(Shared, tokio::sync::watch::Sender<bool>)> =
                std::sync::OnceLock::new();
            let (sh, _tx) = SHARED.get_or_init(shared);
            let v = sh.view();
            for (_, role) in hosts(&sh.scenario) {
                let _ = answer(&sh.scenario, &v, &role, &q);
            }
        }
    }
}
