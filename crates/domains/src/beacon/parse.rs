//! Resolver log parsers for [`beacon`](super): BIND query logs, Unbound `log-queries` /
//! `log-replies` lines, Zeek `dns.log` (TSV with a `#fields` header, or JSON lines) and dnstap
//! (Frame Streams carrying protobuf `Dnstap` messages).
//!
//! Every line and frame is hostile: a line longer than [`MAX_LINE_LEN`] or a frame longer than
//! [`MAX_FRAME_LEN`] is an error, so is anything that does not parse; nothing panics. Lines that
//! are well-formed but not queries (other BIND categories, Unbound's start-up lines, Zeek
//! `#` headers) are `Ok(None)`.
//!
//! Times: BIND writes local time without a zone (read as UTC; `print-time iso8601-utc` is
//! read exactly), Unbound the Unix time in brackets (`log-time-ascii: no`, the default), Zeek
//! and dnstap Unix times.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use super::Query;

/// The longest log line accepted.
pub const MAX_LINE_LEN: usize = 8 * 1024;
/// The longest dnstap frame accepted (a DNS message is at most 64 KiB, plus the metadata).
pub const MAX_FRAME_LEN: usize = 128 * 1024;

/// A resolver log's layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// dnstap in Frame Streams (`dnstap -w`, BIND `dnstap-output file`, Unbound `dnstap`).
    Dnstap,
    /// BIND 9 query log (`category queries`).
    Bind,
    /// Unbound with `log-queries: yes` and/or `log-replies: yes`.
    Unbound,
    /// Zeek `dns.log`, tab-separated with `#fields`.
    ZeekTsv,
    /// Zeek `dns.log` as JSON lines (`LogAscii::use_json`).
    ZeekJson,
}

/// Why a line or frame was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("line longer than {MAX_LINE_LEN} bytes")]
    TooLong,
    #[error("no time stamp")]
    Time,
    #[error("no client address")]
    Client,
    #[error("no query name")]
    Name,
    #[error("no #fields header before the first record")]
    NoHeader,
    #[error("JSON: {0}")]
    Json(String),
    #[error("dnstap: {0}")]
    Dnstap(String),
}

/// Guesses the format from the first bytes of a log (a few KiB).
pub fn detect(head: &[u8]) -> Option<LogFormat> {
    if head.len() >= 8 && head[..4] == [0, 0, 0, 0] {
        return Some(LogFormat::Dnstap);
    }
    let text = String::from_utf8_lossy(head);
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(20)
    {
        if line.starts_with("#separator") || line.starts_with("#fields") {
            return Some(LogFormat::ZeekTsv);
        }
        if line.starts_with('{') {
            return Some(LogFormat::ZeekJson);
        }
        if line.starts_with('[') && (line.contains(" info: ") || line.contains(" reply: ")) {
            return Some(LogFormat::Unbound);
        }
        if line.contains("client ") && line.contains("query: ") {
            return Some(LogFormat::Bind);
        }
    }
    None
}

/// Column positions of a Zeek TSV log.
#[derive(Debug, Clone, Default)]
struct ZeekColumns {
    ts: usize,
    client: usize,
    query: usize,
    qtype: Option<usize>,
    rcode: Option<usize>,
}

/// Parses the lines of one text log (one parser per file: Zeek's header and whether query
/// lines were seen are state).
#[derive(Debug, Clone)]
pub struct LineParser {
    format: LogFormat,
    zeek: Option<ZeekColumns>,
    saw_query: bool,
}

impl LineParser {
    /// A parser for a text format ([`LogFormat::Dnstap`] lines are all errors: use
    /// [`DnstapDecoder`]).
    pub fn new(format: LogFormat) -> LineParser {
        LineParser {
            format,
            zeek: None,
            saw_query: false,
        }
    }

    /// The query on `line`, if it is one.
    pub fn parse(&mut self, line: &str) -> Result<Option<Query>, ParseError> {
        if line.len() > MAX_LINE_LEN {
            return Err(ParseError::TooLong);
        }
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            return Ok(None);
        }
        match self.format {
            LogFormat::Bind => bind_line(line),
            LogFormat::Unbound => self.unbound_line(line),
            LogFormat::ZeekTsv => self.zeek_tsv_line(line),
            LogFormat::ZeekJson => zeek_json_line(line),
            LogFormat::Dnstap => Err(ParseError::Dnstap("not a text format".into())),
        }
    }

    fn unbound_line(&mut self, line: &str) -> Result<Option<Query>, ParseError> {
        // [1765108800] unbound[1234:0] info: 192.0.2.10 www.example.com. A IN
        // [1765108800] unbound[1234:0] reply: 192.0.2.10 www.example.com. A IN NOERROR 0.000 0 45
        let (reply, rest) = if let Some((_, r)) = line.split_once(" info: ") {
            (false, r)
        } else if let Some((_, r)) = line.split_once(" reply: ") {
            (true, r)
        } else {
            return Ok(None);
        };
        let mut f = rest.split_ascii_whitespace();
        let (Some(ip), Some(name), Some(qtype), Some(class)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            return Ok(None);
        };
        if ip.parse::<IpAddr>().is_err() || !is_class(class) {
            return Ok(None); // another info line ("start of service", statistics)
        }
        let time_ms = line
            .strip_prefix('[')
            .and_then(|l| l.split_once(']'))
            .and_then(|(t, _)| epoch_ms(t))
            .ok_or(ParseError::Time)?;
        let nxdomain = if reply {
            f.next().map(|rc| rc.eq_ignore_ascii_case("NXDOMAIN"))
        } else {
            None
        };
        if !reply {
            self.saw_query = true;
        }
        Ok(Some(query(
            time_ms,
            ip,
            name,
            type_code(qtype),
            nxdomain,
            !reply || !self.saw_query,
        )?))
    }

    fn zeek_tsv_line(&mut self, line: &str) -> Result<Option<Query>, ParseError> {
        if let Some(h) = line.strip_prefix('#') {
            if let Some(fields) = h.strip_prefix("fields\t") {
                let names: Vec<&str> = fields.split('\t').collect();
                let at = |n: &str| names.iter().position(|f| *f == n);
                self.zeek = match (at("ts"), at("id.orig_h"), at("query")) {
                    (Some(ts), Some(client), Some(query)) => Some(ZeekColumns {
                        ts,
                        client,
                        query,
                        qtype: at("qtype"),
                        rcode: at("rcode"),
                    }),
                    _ => return Err(ParseError::NoHeader),
                };
            }
            return Ok(None);
        }
        let cols = self.zeek.as_ref().ok_or(ParseError::NoHeader)?;
        let fields: Vec<&str> = line.split('\t').take(64).collect();
        let get = |i: usize| {
            fields
                .get(i)
                .copied()
                .filter(|v| *v != "-" && *v != "(empty)")
        };
        let time_ms = get(cols.ts).and_then(epoch_ms).ok_or(ParseError::Time)?;
        let client = get(cols.client).ok_or(ParseError::Client)?;
        let Some(name) = get(cols.query) else {
            return Ok(None); // a transaction without a question
        };
        let qtype = cols
            .qtype
            .and_then(get)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let nxdomain = cols
            .rcode
            .and_then(get)
            .and_then(|r| r.parse::<u16>().ok())
            .map(|r| r == 3);
        Ok(Some(query(time_ms, client, name, qtype, nxdomain, true)?))
    }
}

fn is_class(c: &str) -> bool {
    ["IN", "CH", "HS", "ANY", "CS"]
        .iter()
        .any(|k| c.eq_ignore_ascii_case(k))
}

/// A record type's code from its mnemonic (`TXT`, `TYPE65`); 0 when unknown.
fn type_code(t: &str) -> u16 {
    if let Some(n) = t.strip_prefix("TYPE") {
        return n.parse().unwrap_or(0);
    }
    t.to_ascii_uppercase()
        .parse::<hickory_proto::rr::RecordType>()
        .map(u16::from)
        .unwrap_or(0)
}

/// Unix seconds with an optional fraction, to milliseconds.
fn epoch_ms(t: &str) -> Option<i64> {
    let t = t.trim();
    let (secs, frac) = t.split_once('.').unwrap_or((t, ""));
    if secs.is_empty() || secs.len() > 12 || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let s: i64 = secs.parse().ok()?;
    let mut ms = 0i64;
    for (i, b) in frac.bytes().take(3).enumerate() {
        ms += i64::from(b - b'0') * 10i64.pow(2 - i as u32);
    }
    Some(s * 1000 + ms)
}

fn query(
    time_ms: i64,
    client: &str,
    name: &str,
    qtype: u16,
    nxdomain: Option<bool>,
    counted: bool,
) -> Result<Query, ParseError> {
    if client.is_empty() || client.len() > 64 {
        return Err(ParseError::Client);
    }
    if name.is_empty() || name.len() > 255 {
        return Err(ParseError::Name);
    }
    Ok(Query {
        time_ms,
        client: client.to_string(),
        name: name.to_string(),
        qtype,
        nxdomain,
        counted,
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `07-Dec-2026 12:00:00.123` (read as UTC) or an RFC 3339 time stamp.
fn bind_time(date: &str, time: &str) -> Option<i64> {
    if let Ok(t) = date.parse::<jiff::Timestamp>() {
        return Some(t.as_millisecond());
    }
    let mut d = date.splitn(3, '-');
    let day: i8 = d.next()?.parse().ok()?;
    let mon = d.next()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i8 + 1;
    let year: i16 = d.next()?.parse().ok()?;
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.splitn(3, ':');
    let h: i8 = t.next()?.parse().ok()?;
    let m: i8 = t.next()?.parse().ok()?;
    let s: i8 = t.next()?.parse().ok()?;
    let date = jiff::civil::Date::new(year, month, day).ok()?;
    let tod = jiff::civil::Time::new(h, m, s, 0).ok()?;
    let ts = jiff::tz::TimeZone::UTC
        .to_timestamp(jiff::civil::DateTime::from_parts(date, tod))
        .ok()?;
    let ms = frac
        .get(..frac.len().min(3))
        .filter(|f| f.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|f| format!("{f:0<3}").parse::<i64>().ok())
        .unwrap_or(0);
    Some(ts.as_millisecond() + ms)
}

/// `07-Dec-2026 12:00:00.123 queries: info: client @0x7f.. 192.0.2.10#53211 (www.example.com):
/// query: www.example.com IN A +E(0)K (192.0.2.53)` and older forms without the `@0x` pointer or
/// the parenthesised name.
fn bind_line(line: &str) -> Result<Option<Query>, ParseError> {
    let Some((head, after_client)) = line.split_once("client ") else {
        return Ok(None);
    };
    let Some((client_part, q)) = after_client.split_once("query: ") else {
        return Ok(None);
    };
    let mut h = head.split_ascii_whitespace();
    let time_ms = match (h.next(), h.next()) {
        (Some(d), t) => bind_time(d, t.unwrap_or("")).ok_or(ParseError::Time)?,
        _ => return Err(ParseError::Time),
    };
    let addr = client_part
        .split_ascii_whitespace()
        .find(|t| !t.starts_with("@0x"))
        .ok_or(ParseError::Client)?;
    let client = addr
        .rsplit_once('#')
        .map_or(addr.trim_end_matches(':'), |(a, _)| a);
    if client.parse::<IpAddr>().is_err() {
        return Err(ParseError::Client);
    }
    let mut f = q.split_ascii_whitespace();
    let name = f.next().ok_or(ParseError::Name)?;
    let (class, qtype) = (f.next().unwrap_or(""), f.next().unwrap_or(""));
    let qtype = if is_class(class) {
        type_code(qtype)
    } else {
        type_code(class)
    };
    Ok(Some(query(time_ms, client, name, qtype, None, true)?))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ZeekTs {
    Num(f64),
    Text(String),
}

#[derive(Deserialize)]
struct ZeekJson {
    ts: Option<ZeekTs>,
    #[serde(rename = "id.orig_h")]
    client: Option<String>,
    query: Option<String>,
    qtype: Option<u16>,
    rcode: Option<u16>,
}

fn zeek_json_line(line: &str) -> Result<Option<Query>, ParseError> {
    let z: ZeekJson = serde_json::from_str(line)
        .map_err(|e| ParseError::Json(e.to_string().chars().take(80).collect()))?;
    let time_ms = match z.ts {
        Some(ZeekTs::Num(n)) if n.is_finite() && n.abs() < 1e11 => (n * 1000.0).round() as i64,
        Some(ZeekTs::Text(t)) => t
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .ok()
            .or_else(|| epoch_ms(&t))
            .ok_or(ParseError::Time)?,
        _ => return Err(ParseError::Time),
    };
    let client = z.client.ok_or(ParseError::Client)?;
    let Some(name) = z.query else {
        return Ok(None);
    };
    Ok(Some(query(
        time_ms,
        &client,
        &name,
        z.qtype.unwrap_or(0),
        z.rcode.map(|r| r == 3),
        true,
    )?))
}

// ---- dnstap ----------------------------------------------------------------------------

/// The `Dnstap` protobuf message (the fields read; others are skipped). Field numbers from the
/// dnstap schema, <https://dnstap.info/> (`dnstap.proto`, CC0).
#[derive(Clone, PartialEq, prost::Message)]
pub struct DnstapFrame {
    #[prost(bytes = "vec", optional, tag = "1")]
    pub identity: Option<Vec<u8>>,
    #[prost(message, optional, tag = "14")]
    pub message: Option<DnstapMessage>,
    /// 1 = MESSAGE.
    #[prost(int32, optional, tag = "15")]
    pub r#type: Option<i32>,
}

/// The `Message` protobuf message of dnstap (the fields read).
#[derive(Clone, PartialEq, prost::Message)]
pub struct DnstapMessage {
    /// AUTH_QUERY 1 ... CLIENT_QUERY 5, CLIENT_RESPONSE 6 ... (odd: queries, even: responses).
    #[prost(int32, optional, tag = "1")]
    pub r#type: Option<i32>,
    /// 1 INET, 2 INET6.
    #[prost(int32, optional, tag = "2")]
    pub socket_family: Option<i32>,
    #[prost(bytes = "vec", optional, tag = "4")]
    pub query_address: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "8")]
    pub query_time_sec: Option<u64>,
    #[prost(fixed32, optional, tag = "9")]
    pub query_time_nsec: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "10")]
    pub query_message: Option<Vec<u8>>,
    #[prost(uint64, optional, tag = "12")]
    pub response_time_sec: Option<u64>,
    #[prost(fixed32, optional, tag = "13")]
    pub response_time_nsec: Option<u32>,
    #[prost(bytes = "vec", optional, tag = "14")]
    pub response_message: Option<Vec<u8>>,
}

/// The Frame Streams content type of dnstap.
pub const DNSTAP_CONTENT_TYPE: &[u8] = b"protobuf:dnstap.Dnstap";

/// What the start of a Frame Streams buffer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameStep {
    /// Not enough bytes yet (or the end of a truncated file).
    NeedMore,
    /// A data frame: its payload is `buf[start..end]`; consume `end` bytes.
    Data { start: usize, end: usize },
    /// A control frame (START, STOP...) of `len` bytes in all; consume them.
    Control { len: usize },
    /// A frame longer than [`MAX_FRAME_LEN`]: the stream cannot be trusted past it.
    TooBig(u64),
}

/// Splits the next frame off a Frame Streams buffer (unidirectional, as written to files).
pub fn next_frame(buf: &[u8]) -> FrameStep {
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if buf.len() < 4 {
        return FrameStep::NeedMore;
    }
    let len = be(&buf[..4]);
    if len == 0 {
        // Escape: a control frame follows, with its own length.
        if buf.len() < 8 {
            return FrameStep::NeedMore;
        }
        let clen = be(&buf[4..8]);
        if clen > 512 {
            return FrameStep::TooBig(clen as u64);
        }
        if buf.len() < 8 + clen {
            return FrameStep::NeedMore;
        }
        return FrameStep::Control { len: 8 + clen };
    }
    if len > MAX_FRAME_LEN {
        return FrameStep::TooBig(len as u64);
    }
    if buf.len() < 4 + len {
        return FrameStep::NeedMore;
    }
    FrameStep::Data {
        start: 4,
        end: 4 + len,
    }
}

/// Decodes dnstap payloads (one decoder per file: whether query messages were seen is state).
#[derive(Debug, Clone, Default)]
pub struct DnstapDecoder {
    saw_query: bool,
}

impl DnstapDecoder {
    pub fn new() -> DnstapDecoder {
        DnstapDecoder::default()
    }

    /// The query in one data frame's payload (`Ok(None)` for messages without a question).
    pub fn decode(&mut self, payload: &[u8]) -> Result<Option<Query>, ParseError> {
        use prost::Message as _;
        if payload.len() > MAX_FRAME_LEN {
            return Err(ParseError::Dnstap("frame too long".into()));
        }
        let frame = DnstapFrame::decode(payload)
            .map_err(|e| ParseError::Dnstap(e.to_string().chars().take(80).collect()))?;
        let Some(m) = frame.message else {
            return Ok(None);
        };
        let kind = m.r#type.unwrap_or(0);
        let response = kind > 0 && kind % 2 == 0;
        let addr = m.query_address.as_deref().unwrap_or(&[]);
        let client = match addr.len() {
            4 => IpAddr::V4(Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3])),
            16 => {
                let mut b = [0u8; 16];
                b.copy_from_slice(addr);
                IpAddr::V6(Ipv6Addr::from(b))
            }
            _ => return Err(ParseError::Client),
        };
        let (sec, nsec, wire) = if response {
            (
                m.response_time_sec.or(m.query_time_sec),
                m.response_time_nsec.or(m.query_time_nsec),
                m.response_message.as_deref(),
            )
        } else {
            (
                m.query_time_sec,
                m.query_time_nsec,
                m.query_message.as_deref(),
            )
        };
        let sec = sec
            .filter(|&s| s < 100_000_000_000)
            .ok_or(ParseError::Time)?;
        let time_ms = sec as i64 * 1000 + i64::from(nsec.unwrap_or(0).min(999_999_999) / 1_000_000);
        let Some(wire) = wire else {
            return Ok(None);
        };
        let msg = hickory_proto::op::Message::from_vec(wire).map_err(|e| {
            ParseError::Dnstap(format!(
                "DNS message: {}",
                e.to_string().chars().take(60).collect::<String>()
            ))
        })?;
        let Some(q) = msg.queries.first() else {
            return Ok(None);
        };
        let nxdomain = response
            .then(|| msg.metadata.response_code == hickory_proto::op::ResponseCode::NXDomain);
        if !response {
            self.saw_query = true;
        }
        let name = q.name().to_ascii();
        Ok(Some(query(
            time_ms,
            &client.to_string(),
            &name,
            u16::from(q.query_type()),
            nxdomain,
            !response || !self.saw_query,
        )?))
    }
}

/// Encodes one query (or its response, with `nxdomain`) as a dnstap `CLIENT_QUERY` /
/// `CLIENT_RESPONSE` payload: for test logs and tools that write dnstap. `None` when the name
/// is no DNS name or the client no address.
pub fn encode_dnstap(q: &Query, response: bool) -> Option<Vec<u8>> {
    use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
    use hickory_proto::rr::{Name, RecordType};
    use prost::Message as _;
    let ip: IpAddr = q.client.parse().ok()?;
    let name = Name::from_ascii(&q.name).ok()?;
    let mut m = if response {
        Message::new(1, MessageType::Response, OpCode::Query)
    } else {
        Message::new(1, MessageType::Query, OpCode::Query)
    };
    m.add_query(hickory_proto::op::Query::query(
        name,
        RecordType::from(q.qtype),
    ));
    if response && q.nxdomain == Some(true) {
        m.metadata.response_code = ResponseCode::NXDomain;
    }
    let wire = m.to_vec().ok()?;
    let (family, addr) = match ip {
        IpAddr::V4(a) => (1, a.octets().to_vec()),
        IpAddr::V6(a) => (2, a.octets().to_vec()),
    };
    let sec = u64::try_from(q.time_ms.div_euclid(1000)).ok()?;
    let nsec = (q.time_ms.rem_euclid(1000) * 1_000_000) as u32;
    let msg = DnstapMessage {
        r#type: Some(if response { 6 } else { 5 }),
        socket_family: Some(family),
        query_address: Some(addr),
        query_time_sec: Some(sec),
        query_time_nsec: Some(nsec),
        query_message: (!response).then(|| wire.clone()),
        response_time_sec: response.then_some(sec),
        response_time_nsec: response.then_some(nsec),
        response_message: response.then_some(wire),
    };
    let frame = DnstapFrame {
        identity: None,
        message: Some(msg),
        r#type: Some(1),
    };
    Some(frame.encode_to_vec())
}

/// A Frame Streams file around `payloads`: START (dnstap content type), data frames, STOP.
pub fn frame_stream<'a>(payloads: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let ct = DNSTAP_CONTENT_TYPE;
    // START: escape, length, type 2, field type 1 (content type), its length and value.
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&(12 + ct.len() as u32).to_be_bytes());
    out.extend_from_slice(&2u32.to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.extend_from_slice(&(ct.len() as u32).to_be_bytes());
    out.extend_from_slice(ct);
    for p in payloads {
        out.extend_from_slice(&(p.len() as u32).to_be_bytes());
        out.extend_from_slice(p);
    }
    // STOP.
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&4u32.to_be_bytes());
    out.extend_from_slice(&3u32.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_lines() {
        let mut p = LineParser::new(LogFormat::Bind);
        let q = p
            .parse("07-Dec-2026 12:00:01.250 queries: info: client @0x7f1c2c0a8d68 192.0.2.10#53211 (www.Example.com): query: www.Example.com IN TXT +E(0)K (192.0.2.53)")
            .unwrap()
            .unwrap();
        assert_eq!(q.client, "192.0.2.10");
        assert_eq!(q.name, "www.Example.com");
        assert_eq!(q.qtype, 16);
        assert_eq!(
            q.time_ms,
            "2026-12-07T12:00:01.250Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond()
        );
        let q = p
            .parse("2026-12-07T12:00:01Z client 2001:db8::5#4000: query: a.example.net IN AAAA +")
            .unwrap()
            .unwrap();
        assert_eq!(q.client, "2001:db8::5");
        assert_eq!(q.qtype, 28);
        assert_eq!(
            p.parse("07-Dec-2026 12:00:01.250 general: info: zone loaded"),
            Ok(None)
        );
        assert_eq!(
            p.parse("yesterday client 192.0.2.1#1: query: a.example IN A"),
            Err(ParseError::Time)
        );
    }

    #[test]
    fn unbound_lines_count_replies_only_without_queries() {
        let mut p = LineParser::new(LogFormat::Unbound);
        let r = p
            .parse("[1765108800] unbound[1234:0] reply: 192.0.2.10 x.example.com. A IN NXDOMAIN 0.000123 0 45")
            .unwrap()
            .unwrap();
        assert!(r.counted);
        assert_eq!(r.nxdomain, Some(true));
        assert_eq!(r.time_ms, 1_765_108_800_000);
        let q = p
            .parse("[1765108801] unbound[1234:0] info: 192.0.2.10 www.example.com. TXT IN")
            .unwrap()
            .unwrap();
        assert!(q.counted);
        assert_eq!(q.qtype, 16);
        assert_eq!(q.nxdomain, None);
        let r = p
            .parse("[1765108801] unbound[1234:0] reply: 192.0.2.10 www.example.com. TXT IN NOERROR 0.1 0 80")
            .unwrap()
            .unwrap();
        assert!(!r.counted);
        assert_eq!(r.nxdomain, Some(false));
        assert_eq!(
            p.parse("[1765108800] unbound[1234:0] info: start of service (unbound 1.22.0)."),
            Ok(None)
        );
    }

    #[test]
    fn zeek_tsv_and_json() {
        let mut p = LineParser::new(LogFormat::ZeekTsv);
        assert_eq!(p.parse("1765108800.5\tC1\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\t-\tx.example\t1\tC_INTERNET\t1\tA\t0\tNOERROR"), Err(ParseError::NoHeader));
        assert_eq!(p.parse("#separator \\x09"), Ok(None));
        assert_eq!(p.parse("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name"), Ok(None));
        let q = p.parse("1765108800.512345\tC1\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\t-\tx.example.com\t1\tC_INTERNET\t16\tTXT\t3\tNXDOMAIN").unwrap().unwrap();
        assert_eq!(q.time_ms, 1_765_108_800_512);
        assert_eq!(
            (q.client.as_str(), q.name.as_str(), q.qtype),
            ("10.0.0.1", "x.example.com", 16)
        );
        assert_eq!(q.nxdomain, Some(true));
        assert_eq!(
            p.parse(
                "1765108800.5\tC1\t10.0.0.1\t5353\t10.0.0.53\t53\tudp\t1\t-\t-\t-\t-\t-\t-\t-\t-"
            ),
            Ok(None)
        );
        let mut p = LineParser::new(LogFormat::ZeekJson);
        let q = p.parse(r#"{"ts":1765108800.25,"uid":"C1","id.orig_h":"10.0.0.2","id.orig_p":5353,"query":"y.example.com","qtype":1,"rcode":0}"#).unwrap().unwrap();
        assert_eq!((q.time_ms, q.nxdomain), (1_765_108_800_250, Some(false)));
        let q = p.parse(r#"{"ts":"2026-12-07T12:00:00.000000Z","id.orig_h":"10.0.0.2","query":"z.example.com"}"#).unwrap().unwrap();
        assert_eq!(q.qtype, 0);
        assert!(matches!(p.parse("{nope"), Err(ParseError::Json(_))));
    }

    #[test]
    fn dnstap_round_trip_through_frame_streams() {
        let q = Query {
            time_ms: 1_765_108_800_123,
            client: "2001:db8::7".into(),
            name: "abc.example.com.".into(),
            qtype: 16,
            nxdomain: Some(true),
            counted: true,
        };
        let a = encode_dnstap(&q, false).unwrap();
        let b = encode_dnstap(&q, true).unwrap();
        let file = frame_stream([a.as_slice(), b.as_slice()]);
        assert_eq!(detect(&file), Some(LogFormat::Dnstap));
        let mut rest = file.as_slice();
        let mut d = DnstapDecoder::new();
        let mut got = Vec::new();
        loop {
            match next_frame(rest) {
                FrameStep::Control { len } => rest = &rest[len..],
                FrameStep::Data { start, end } => {
                    got.push(d.decode(&rest[start..end]).unwrap().unwrap());
                    rest = &rest[end..];
                }
                FrameStep::NeedMore => break,
                FrameStep::TooBig(n) => panic!("too big {n}"),
            }
        }
        assert!(rest.is_empty());
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].name, "abc.example.com.");
        assert_eq!(got[0].client, "2001:db8::7");
        assert_eq!(got[0].time_ms, q.time_ms);
        assert_eq!((got[0].counted, got[0].nxdomain), (true, None));
        assert_eq!((got[1].counted, got[1].nxdomain), (false, Some(true)));
        assert!(d.decode(b"\xff\xff\xff").is_err());
        assert_eq!(
            next_frame(&[0, 0, 0, 0, 0, 1, 0, 0]),
            FrameStep::TooBig(65536)
        );
    }

    #[test]
    fn detection() {
        assert_eq!(
            detect(b"#separator \\x09\n#fields\tts"),
            Some(LogFormat::ZeekTsv)
        );
        assert_eq!(detect(b"{\"ts\":1}\n"), Some(LogFormat::ZeekJson));
        assert_eq!(
            detect(b"[1765108800] unbound[1:0] info: 1.2.3.4 a. A IN\n"),
            Some(LogFormat::Unbound)
        );
        assert_eq!(
            detect(b"07-Dec-2026 12:00:01.250 client 1.2.3.4#1: query: a IN A\n"),
            Some(LogFormat::Bind)
        );
        assert_eq!(detect(b"hello\n"), None);
    }

    proptest::proptest! {
        #[test]
        fn text_parsers_never_panic(line in "\\PC{0,300}", fmt in 0usize..4) {
            let f = [LogFormat::Bind, LogFormat::Unbound, LogFormat::ZeekTsv, LogFormat::ZeekJson][fmt];
            let mut p = LineParser::new(f);
            let _ = p.parse("#fields\tts\tid.orig_h\tquery\tqtype\trcode");
            let _ = p.parse(&line);
        }

        #[test]
        fn near_miss_lines_never_panic(
            ts in "[0-9.\\-:TZa-zA-Z]{0,30}",
            ip in "[0-9a-f.:#@x]{0,40}",
            name in "[a-z0-9.\\-\u{e9}]{0,80}",
            tail in "[A-Z0-9 ().+]{0,30}",
        ) {
            let mut p = LineParser::new(LogFormat::Bind);
            let _ = p.parse(&format!("{ts} 12:00:00.1 queries: info: client {ip} ({name}): query: {name} {tail}"));
            let mut p = LineParser::new(LogFormat::Unbound);
            let _ = p.parse(&format!("[{ts}] unbound[1:0] reply: {ip} {name} {tail}"));
            let mut p = LineParser::new(LogFormat::ZeekTsv);
            let _ = p.parse("#fields\tts\tid.orig_h\tquery\tqtype\trcode");
            let _ = p.parse(&format!("{ts}\t{ip}\t{name}\t{tail}\t{tail}"));
            let mut p = LineParser::new(LogFormat::ZeekJson);
            let _ = p.parse(&format!("{{\"ts\":\"{ts}\",\"id.orig_h\":\"{ip}\",\"query\":\"{name}\",\"qtype\":{}}}", tail.len()));
        }

        #[test]
        fn dnstap_frames_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let mut rest = bytes.as_slice();
            let mut d = DnstapDecoder::new();
            while let FrameStep::Data { end, .. } | FrameStep::Control { len: end } = next_frame(rest) {
                let _ = d.decode(&rest[4.min(end)..end]);
                rest = &rest[end..];
            }
            let _ = d.decode(&bytes);
        }
    }
}
