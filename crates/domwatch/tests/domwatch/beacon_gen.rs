//! A resolver-log generator for `domwatch beacons`: ordinary traffic (people browsing a pool of
//! sites and their CDNs, with typos, plus operating-system timers to allowlisted update, time
//! and connectivity hosts) with planted beacons (fixed intervals with jitter), DGA clients and
//! DNS tunnels. Deterministic (xorshift from a seed). Ordinary clients are `10.0.*`, planted
//! ones `10.66.*`: a finding for a `10.0.*` client is a false positive.
//!
//! Shared by the integration tests and `examples/beacon_logs.rs` (the benchmark's input).

#![allow(dead_code)]

use domains::beacon::Query;
use domains::beacon::parse::{encode_dnstap, frame_stream};

/// The planted clients and domains, for the tests to check.
pub struct Planted {
    /// (client, registrable domain, interval in seconds).
    pub beacons: Vec<(String, String, u64)>,
    pub dga_clients: Vec<String>,
    /// (client, registrable domain).
    pub tunnels: Vec<(String, String)>,
}

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
    /// Exponential with the given mean (Poisson arrivals), in ms.
    pub fn exp_ms(&mut self, mean_s: f64) -> i64 {
        let u = (self.below(1_000_000) as f64 + 1.0) / 1_000_001.0;
        (-u.ln() * mean_s * 1000.0) as i64
    }
}

const SITES: &[&str] = &[
    "www.google.com",
    "mail.google.com",
    "www.youtube.com",
    "github.com",
    "api.github.com",
    "www.wikipedia.org",
    "en.wikipedia.org",
    "www.amazon.co.jp",
    "www.rakuten.co.jp",
    "news.yahoo.co.jp",
    "www.yahoo.co.jp",
    "www.nhk.or.jp",
    "www.asahi.com",
    "www.nikkei.com",
    "stackoverflow.com",
    "www.reddit.com",
    "www.bbc.co.uk",
    "www.nytimes.com",
    "x.com",
    "www.linkedin.com",
    "outlook.office365.com",
    "login.microsoftonline.com",
    "teams.microsoft.com",
    "slack.com",
    "app.slack.com",
    "zoom.us",
    "www.dropbox.com",
    "docs.google.com",
    "drive.google.com",
    "www.jpcert.or.jp",
    "www.first.org",
    "www.cloudflare.com",
    "www.apple.com",
    "www.mozilla.org",
    "developer.mozilla.org",
    "www.rust-lang.org",
    "crates.io",
    "docs.rs",
    "www.debian.org",
    "ubuntu.com",
    "www.paypal.com",
    "www.ebay.com",
    "www.booking.com",
    "www.jal.co.jp",
    "www.ana.co.jp",
    "www.mufg.jp",
    "www.smbc.co.jp",
    "www.kuronekoyamato.co.jp",
    "www.sagawa-exp.co.jp",
    "www.japanpost.jp",
    "weather.com",
    "www.tenki.jp",
    "cookpad.com",
];

const CDNS: &[&str] = &[
    "fonts.gstatic.com",
    "www.gstatic.com",
    "ajax.googleapis.com",
    "i.ytimg.com",
    "yt3.ggpht.com",
    "static.xx.fbcdn.net",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "d3h4k9x2pq7z1w.cloudfront.net",
    "d1a2b3c4d5e6f7.cloudfront.net",
    "a248.e.akamai.net",
    "s.yimg.jp",
    "c.amazon-adsystem.com",
    "www.googletagmanager.com",
    "stats.g.doubleclick.net",
    "avatars.githubusercontent.com",
    "upload.wikimedia.org",
    "assets.nflxext.com",
];

/// OS timers to allowlisted hosts: (name, period in seconds).
const TIMERS: &[(&str, u64)] = &[
    ("time.windows.com", 900),
    ("www.msftconnecttest.com", 600),
    (
        "settings-win.data.microsoft.com.events.data.microsoft.com",
        300,
    ),
    ("connectivitycheck.gstatic.com", 120),
    ("ocsp.digicert.com", 1800),
    ("2.pool.ntp.org", 1024),
];

const WORDS: &[&str] = &[
    "cloud", "update", "sync", "metrics", "cdn", "static", "secure", "portal", "service", "data",
    "global", "node", "edge", "app", "api", "media", "stat", "track", "info", "net",
];

fn label(rng: &mut Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.below(alphabet.len() as u64) as usize]))
        .collect()
}

fn push(v: &mut Vec<Query>, t: i64, client: &str, name: &str, qtype: u16, nx: bool) {
    v.push(Query {
        time_ms: t,
        client: client.to_string(),
        name: name.to_string(),
        qtype,
        nxdomain: Some(nx),
        counted: true,
    });
}

/// `ordinary` ordinary clients over `hours`, plus `planted` of each planted kind; the queries
/// sorted by time.
pub fn generate(seed: u64, ordinary: usize, planted: usize, hours: u64) -> (Vec<Query>, Planted) {
    let mut rng = Rng::new(seed);
    let start: i64 = 1_765_065_600_000; // 2025-12-07T00:00:00Z
    let span = hours as i64 * 3_600_000;
    let mut v = Vec::new();
    for c in 0..ordinary {
        let client = format!("10.0.{}.{}", c / 250, c % 250 + 1);
        // Browsing sessions: page views with a mean gap of 3 minutes, each asking for the
        // site, a few CDN names, A then AAAA.
        let mut t = start + rng.exp_ms(600.0);
        while t < start + span {
            let site = *rng.pick(SITES);
            let typo = rng.below(200) == 0;
            let name = if typo {
                format!("{}x", site)
            } else {
                site.to_string()
            };
            push(&mut v, t, &client, &name, 1, typo);
            push(&mut v, t + 3, &client, &name, 28, typo);
            for i in 0..rng.below(5) {
                let cdn = *rng.pick(CDNS);
                push(&mut v, t + 20 + i as i64 * 15, &client, cdn, 1, false);
            }
            t += rng.exp_ms(180.0) + 1000;
            // Now and then a pause (a meeting, the night).
            if rng.below(40) == 0 {
                t += rng.exp_ms(3600.0);
            }
        }
        // OS timers (allowlisted), each with a small jitter.
        let timers: Vec<_> = TIMERS.iter().filter(|_| rng.below(2) == 0).collect();
        for &&(name, period) in &timers {
            let mut t = start + rng.below(period * 1000) as i64;
            while t < start + span {
                push(&mut v, t, &client, name, 1, false);
                t += (period * 1000) as i64 + rng.below(period * 20) as i64;
            }
        }
    }
    let mut planted_set = Planted {
        beacons: Vec::new(),
        dga_clients: Vec::new(),
        tunnels: Vec::new(),
    };
    let intervals = [60u64, 300, 900, 3600];
    for p in 0..planted {
        // A beacon: every `interval` seconds with up to 10 % jitter.
        let client = format!("10.66.0.{}", p + 1);
        let (w1, w2) = (*rng.pick(WORDS), *rng.pick(WORDS));
        let domain = format!("{w1}-{w2}{p}.com");
        let interval = intervals[p % intervals.len()];
        let jitter = interval * 1000 / 10;
        let mut t = start + rng.below(interval * 1000) as i64;
        while t < start + span {
            push(&mut v, t, &client, &format!("cdn.{domain}"), 1, false);
            t += (interval * 1000 - jitter / 2 + rng.below(jitter)) as i64;
        }
        planted_set.beacons.push((client, domain, interval));

        // A DGA: a hundred machine-made domains an hour, most of them unregistered.
        let client = format!("10.66.1.{}", p + 1);
        let tlds = ["com", "net", "info", "biz", "top"];
        let mut t = start + rng.exp_ms(60.0);
        let until = start + span.min(2 * 3_600_000);
        while t < until {
            let len = 10 + rng.below(9) as usize;
            let l = label(&mut rng, b"abcdefghijklmnopqrstuvwxyz0123456789", len);
            let d = format!("{l}.{}", rng.pick(&tlds));
            let nx = rng.below(10) != 0;
            push(&mut v, t, &client, &d, 1, nx);
            t += rng.exp_ms(36.0) + 100;
        }
        planted_set.dga_clients.push(client);

        // A tunnel: base32 chunks in TXT queries.
        let client = format!("10.66.2.{}", p + 1);
        let w = *rng.pick(WORDS);
        let domain = format!("{w}{}.net", p + 7);
        let mut t = start + rng.exp_ms(600.0);
        for seq in 0..400 {
            let data = label(&mut rng, b"abcdefghijklmnopqrstuvwxyz234567", 52);
            let name = format!("{data}.{seq}.t.{domain}");
            push(&mut v, t, &client, &name, 16, false);
            t += rng.exp_ms(2.0) + 50;
        }
        planted_set.tunnels.push((client, domain));
    }
    v.sort_by_key(|q| q.time_ms);
    (v, planted_set)
}

/// BIND query-log lines (local time = UTC here).
pub fn bind(qs: &[Query]) -> String {
    let mut s = String::new();
    for q in qs {
        let t = jiff::Timestamp::from_millisecond(q.time_ms).expect("time");
        let dt = t.to_zoned(jiff::tz::TimeZone::UTC);
        s.push_str(&format!(
            "{} queries: info: client @0x7f1c2c0a8d68 {}#{} ({}): query: {} IN {} +E(0)K (10.0.0.53)\n",
            dt.strftime("%d-%b-%Y %H:%M:%S%.3f"),
            q.client,
            40000 + q.time_ms % 20000,
            q.name,
            q.name,
            type_name(q.qtype),
        ));
    }
    s
}

/// Unbound `log-queries` and `log-replies` lines (both: the replies carry NXDOMAIN).
pub fn unbound(qs: &[Query]) -> String {
    let mut s = String::new();
    for q in qs {
        let secs = q.time_ms / 1000;
        s.push_str(&format!(
            "[{secs}] unbound[812:0] info: {} {}. {} IN\n",
            q.client,
            q.name,
            type_name(q.qtype)
        ));
        s.push_str(&format!(
            "[{secs}] unbound[812:0] reply: {} {}. {} IN {} 0.000412 0 64\n",
            q.client,
            q.name,
            type_name(q.qtype),
            if q.nxdomain == Some(true) {
                "NXDOMAIN"
            } else {
                "NOERROR"
            }
        ));
    }
    s
}

/// Zeek `dns.log`, TSV with the standard header.
pub fn zeek_tsv(qs: &[Query]) -> String {
    let mut s = String::from(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n\
         #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n\
         #types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n",
    );
    for (i, q) in qs.iter().enumerate() {
        let nx = q.nxdomain == Some(true);
        s.push_str(&format!(
            "{}.{:03}000\tC{i:x}\t{}\t{}\t10.0.0.53\t53\tudp\t{}\t0.000412\t{}\t1\tC_INTERNET\t{}\t{}\t{}\t{}\tF\tF\tT\tT\t0\t-\t-\tF\n",
            q.time_ms / 1000,
            q.time_ms % 1000,
            q.client,
            40000 + i % 20000,
            i % 65536,
            q.name,
            q.qtype,
            type_name(q.qtype),
            if nx { 3 } else { 0 },
            if nx { "NXDOMAIN" } else { "NOERROR" },
        ));
    }
    s.push_str("#close\t2025-12-08-00-00-00\n");
    s
}

/// Zeek `dns.log` as JSON lines.
pub fn zeek_json(qs: &[Query]) -> String {
    let mut s = String::new();
    for (i, q) in qs.iter().enumerate() {
        let nx = q.nxdomain == Some(true);
        let v = serde_json::json!({
            "ts": q.time_ms as f64 / 1000.0, "uid": format!("C{i:x}"), "id.orig_h": q.client,
            "id.orig_p": 40000 + i % 20000, "id.resp_h": "10.0.0.53", "id.resp_p": 53,
            "proto": "udp", "query": q.name, "qclass": 1, "qtype": q.qtype,
            "qtype_name": type_name(q.qtype), "rcode": if nx { 3 } else { 0 },
        });
        s.push_str(&v.to_string());
        s.push('\n');
    }
    s
}

/// dnstap: a CLIENT_QUERY and a CLIENT_RESPONSE per query, in Frame Streams.
pub fn dnstap(qs: &[Query]) -> Vec<u8> {
    let mut payloads = Vec::new();
    for q in qs {
        if let Some(p) = encode_dnstap(q, false) {
            payloads.push(p);
        }
        if let Some(p) = encode_dnstap(q, true) {
            payloads.push(p);
        }
    }
    frame_stream(payloads.iter().map(Vec::as_slice))
}

fn type_name(t: u16) -> &'static str {
    match t {
        1 => "A",
        28 => "AAAA",
        16 => "TXT",
        10 => "NULL",
        _ => "A",
    }
}
