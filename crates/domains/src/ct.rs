//! Certificate Transparency, pure: RFC 6962 `get-sth` and `get-entries` answers, the
//! `MerkleTreeLeaf` / `TimestampedEntry` structures of a log entry (`x509_entry` and
//! `precert_entry`, with the chain in `extra_data`), the certificate inside parsed with
//! `x509-parser` (SAN dNSNames and the subject CN, issuer, serial, validity), and the CAA check of
//! an issuer (RFC 8659 `issue` / `issuewild` against a table of CA organisations).
//!
//! Every byte here comes from a log that may be hostile: sizes are bounded ([`MAX_LEAF_BYTES`],
//! [`MAX_EXTRA_BYTES`], [`MAX_CERT_NAMES`]), a structure that does not add up is a
//! [`LeafError`], and nothing panics on any input (a proptest over arbitrary bytes checks it).
//!
//! The static-CT (tile) API (c2sp.org/static-ct-api) too: the `checkpoint` ([`parse_checkpoint`]),
//! the data tile paths ([`data_tile_path`]) and data tiles ([`decode_data_tile`]).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, GeneralName, TbsCertificate, X509Certificate};

/// The largest decoded `leaf_input` accepted (a certificate is rarely above 10 KiB).
pub const MAX_LEAF_BYTES: usize = 256 * 1024;
/// The largest decoded `extra_data` accepted (the chain up to a root).
pub const MAX_EXTRA_BYTES: usize = 1024 * 1024;
/// The most names taken from one certificate (SANs and CN); more are counted as dropped.
pub const MAX_CERT_NAMES: usize = crate::feed::MAX_NAMES_PER_LINE;
/// The most certificates read from one entry's chain.
pub const MAX_CHAIN: usize = 16;
/// The most entries taken from one `get-entries` answer.
pub const MAX_ENTRIES_PER_ANSWER: usize = 10_000;

/// What a log entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// A certificate (`x509_entry`).
    X509,
    /// A precertificate (`precert_entry`): the TBSCertificate the CA promised to issue.
    Precert,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::X509 => "x509",
            EntryKind::Precert => "precert",
        }
    }
}

/// One decoded log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CtCert {
    pub kind: EntryKind,
    /// When the log saw it (the entry's timestamp).
    pub logged_at: Timestamp,
    /// SAN dNSNames and the subject CN when it is a host name: lower case, without `*.` or a
    /// trailing dot, deduplicated, in certificate order.
    pub names: Vec<String>,
    /// Names past [`MAX_CERT_NAMES`], or not host names.
    pub dropped_names: usize,
    /// The issuer's distinguished name (RFC 4514 text).
    pub issuer: String,
    /// The issuer's organisation (`O=`), when it has one.
    pub issuer_org: Option<String>,
    /// The serial number, lower-case hex with colons.
    pub serial: String,
    /// SHA-256 of the certificate (of the precertificate in `extra_data` for a precert entry,
    /// of the TBSCertificate when there is none), lower-case hex.
    pub sha256: String,
    pub not_before: Option<Timestamp>,
    pub not_after: Option<Timestamp>,
    /// Certificates in the chain of `extra_data`.
    pub chain_len: usize,
    /// Whether a name is a wildcard (`*.`): CAA `issuewild` applies to it.
    pub wildcard: bool,
}

/// Why an entry could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    #[error("{0} larger than {1} bytes")]
    TooLarge(&'static str, usize),
    #[error("{0} is not base64")]
    Base64(&'static str),
    #[error("entry truncated in {0}")]
    Truncated(&'static str),
    #[error("unknown MerkleTreeLeaf version {0}")]
    Version(u8),
    #[error("unknown leaf type {0}")]
    LeafType(u8),
    #[error("unknown entry type {0}")]
    EntryType(u16),
    #[error("{0} bytes after the entry")]
    Trailing(usize),
    #[error("certificate: {0}")]
    Certificate(String),
}

/// A signed tree head (`get-sth`). The signature is kept, not verified.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct SignedTreeHead {
    pub tree_size: u64,
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    pub sha256_root_hash: String,
    pub tree_head_signature: String,
}

/// Why an answer of a log could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("not the JSON expected: {0}")]
    Json(String),
    #[error("root hash is not 32 bytes of base64")]
    RootHash,
    #[error("more than {MAX_ENTRIES_PER_ANSWER} entries")]
    TooMany,
}

/// Parses a `get-sth` answer.
pub fn parse_sth(body: &[u8]) -> Result<SignedTreeHead, AnswerError> {
    let sth: SignedTreeHead =
        serde_json::from_slice(body).map_err(|e| AnswerError::Json(short(&e.to_string())))?;
    match B64.decode(sth.sha256_root_hash.as_bytes()) {
        Ok(h) if h.len() == 32 => Ok(sth),
        _ => Err(AnswerError::RootHash),
    }
}

/// One entry of a `get-entries` answer, still encoded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct RawEntry {
    pub leaf_input: String,
    #[serde(default)]
    pub extra_data: String,
}

#[derive(Deserialize)]
struct Entries {
    entries: Vec<RawEntry>,
}

/// Parses a `get-entries` answer (the entries, in order; a log may return fewer than asked).
pub fn parse_entries(body: &[u8]) -> Result<Vec<RawEntry>, AnswerError> {
    let e: Entries =
        serde_json::from_slice(body).map_err(|e| AnswerError::Json(short(&e.to_string())))?;
    if e.entries.len() > MAX_ENTRIES_PER_ANSWER {
        return Err(AnswerError::TooMany);
    }
    Ok(e.entries)
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

/// Decodes one entry of `get-entries` (both fields base64).
pub fn decode_entry(e: &RawEntry) -> Result<CtCert, LeafError> {
    let leaf = b64("leaf_input", &e.leaf_input, MAX_LEAF_BYTES)?;
    let extra = b64("extra_data", &e.extra_data, MAX_EXTRA_BYTES)?;
    decode_leaf(&leaf, &extra)
}

fn b64(what: &'static str, s: &str, max: usize) -> Result<Vec<u8>, LeafError> {
    // Base64 is 4/3 the size of its bytes: refuse before decoding.
    if s.len() / 4 * 3 > max + 3 {
        return Err(LeafError::TooLarge(what, max));
    }
    B64.decode(s.trim().as_bytes())
        .map_err(|_| LeafError::Base64(what))
}

/// A reader over TLS presentation-language structures.
struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LeafError> {
        if self.b.len() < n {
            return Err(LeafError::Truncated(what));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }

    fn uint(&mut self, n: usize, what: &'static str) -> Result<u64, LeafError> {
        Ok(self
            .take(n, what)?
            .iter()
            .fold(0u64, |a, &b| (a << 8) | u64::from(b)))
    }

    /// A vector with an `n`-byte length prefix.
    fn vec(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LeafError> {
        let len = self.uint(n, what)? as usize;
        self.take(len, what)
    }
}

/// Decodes a `MerkleTreeLeaf` (`leaf_input`) and its `extra_data`.
pub fn decode_leaf(leaf: &[u8], extra: &[u8]) -> Result<CtCert, LeafError> {
    if leaf.len() > MAX_LEAF_BYTES {
        return Err(LeafError::TooLarge("leaf_input", MAX_LEAF_BYTES));
    }
    if extra.len() > MAX_EXTRA_BYTES {
        return Err(LeafError::TooLarge("extra_data", MAX_EXTRA_BYTES));
    }
    let mut r = Reader { b: leaf };
    let version = r.uint(1, "version")? as u8;
    if version != 0 {
        return Err(LeafError::Version(version));
    }
    let leaf_type = r.uint(1, "leaf type")? as u8;
    if leaf_type != 0 {
        return Err(LeafError::LeafType(leaf_type));
    }
    let timestamp = r.uint(8, "timestamp")?;
    let entry_type = r.uint(2, "entry type")? as u16;
    let mut x = Reader { b: extra };
    let (kind, tbs_der, whole) = match entry_type {
        0 => {
            let cert = r.vec(3, "certificate")?;
            (EntryKind::X509, None, cert)
        }
        1 => {
            let _issuer_key_hash = r.take(32, "issuer key hash")?;
            let tbs = r.vec(3, "TBSCertificate")?;
            // PrecertChainEntry: the precertificate, then the chain.
            let pre = if extra.is_empty() {
                &[][..]
            } else {
                x.vec(3, "pre_certificate")?
            };
            (EntryKind::Precert, Some(tbs), pre)
        }
        t => return Err(LeafError::EntryType(t)),
    };
    let _extensions = r.vec(2, "extensions")?;
    if !r.b.is_empty() {
        return Err(LeafError::Trailing(r.b.len()));
    }
    // The chain (x509: the whole extra_data; precert: after the precertificate).
    let mut chain_len = 0;
    if !x.b.is_empty() {
        let mut chain = Reader {
            b: x.vec(3, "certificate chain")?,
        };
        while !chain.b.is_empty() {
            chain.vec(3, "chain certificate")?;
            chain_len += 1;
            if chain_len > MAX_CHAIN {
                return Err(LeafError::TooLarge("certificate chain", MAX_CHAIN));
            }
        }
        if !x.b.is_empty() {
            return Err(LeafError::Trailing(x.b.len()));
        }
    }
    finish(kind, timestamp, tbs_der, whole, chain_len)
}

/// The certificate of an entry: parsed from the TBSCertificate (precert) or the certificate.
fn finish(
    kind: EntryKind,
    timestamp: u64,
    tbs_der: Option<&[u8]>,
    whole: &[u8],
    chain_len: usize,
) -> Result<CtCert, LeafError> {
    let logged_at = Timestamp::from_millisecond(i64::try_from(timestamp).unwrap_or(i64::MAX))
        .map_err(|_| LeafError::Certificate(format!("timestamp {timestamp} out of range")))?;
    let digest_of = if whole.is_empty() {
        tbs_der.unwrap_or_default()
    } else {
        whole
    };
    let sha256 = hex(&Sha256::digest(digest_of));
    let mut out = match tbs_der {
        Some(tbs) => {
            let (_, tbs) = TbsCertificate::from_der(tbs)
                .map_err(|e| LeafError::Certificate(short(&e.to_string())))?;
            from_tbs(&tbs)
        }
        None => {
            let (_, cert) = X509Certificate::from_der(whole)
                .map_err(|e| LeafError::Certificate(short(&e.to_string())))?;
            from_tbs(&cert.tbs_certificate)
        }
    };
    out.kind = kind;
    out.logged_at = logged_at;
    out.sha256 = sha256;
    out.chain_len = chain_len;
    Ok(out)
}

/// Entries in one data tile of the static-CT API.
pub const TILE_WIDTH: u64 = 256;
/// The largest data tile accepted (256 entries of a few KiB each).
pub const MAX_TILE_BYTES: usize = 64 * 1024 * 1024;

/// A static-CT checkpoint (c2sp.org/tlog-checkpoint): origin, tree size, root hash. Its
/// signature lines are kept unread (not verified).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    pub origin: String,
    pub tree_size: u64,
    /// Base64, 32 bytes.
    pub root_hash: String,
}

/// Parses a static-CT `checkpoint`.
pub fn parse_checkpoint(body: &[u8]) -> Result<Checkpoint, AnswerError> {
    let bad = |m: &str| AnswerError::Json(format!("checkpoint: {m}"));
    if body.len() > 64 * 1024 {
        return Err(bad("larger than 64 KiB"));
    }
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
    let mut lines = text.split('\n');
    let origin = lines
        .next()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| bad("no origin"))?;
    let tree_size = lines
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(|| bad("no tree size"))?;
    let root_hash = lines.next().ok_or_else(|| bad("no root hash"))?;
    match B64.decode(root_hash.as_bytes()) {
        Ok(h) if h.len() == 32 => {}
        _ => return Err(AnswerError::RootHash),
    }
    Ok(Checkpoint {
        origin: short(origin),
        tree_size,
        root_hash: root_hash.to_string(),
    })
}

/// The path of data tile `tile` (of `width` entries, 256 for a full tile) under a static-CT
/// log's prefix: `tile/data/x001/x234/067`, `tile/data/005.p/17`.
pub fn data_tile_path(tile: u64, width: u64) -> String {
    let digits = tile.to_string();
    let pad = (3 - digits.len() % 3) % 3;
    let padded = format!("{}{digits}", "0".repeat(pad));
    let groups: Vec<&str> = (0..padded.len() / 3)
        .map(|i| &padded[i * 3..i * 3 + 3])
        .collect();
    let mut p = String::from("tile/data/");
    for (i, g) in groups.iter().enumerate() {
        if i + 1 < groups.len() {
            p.push('x');
            p.push_str(g);
            p.push('/');
        } else {
            p.push_str(g);
        }
    }
    if width < TILE_WIDTH {
        p.push_str(&format!(".p/{width}"));
    }
    p
}

/// Decodes a static-CT data tile: its `TileLeaf`s in order, each decoded or why not. A tile
/// whose structure does not add up (truncated, an unknown entry type, more than 256 entries) is
/// an error as a whole: the entries after the fault cannot be found.
pub fn decode_data_tile(tile: &[u8]) -> Result<Vec<Result<CtCert, LeafError>>, LeafError> {
    if tile.len() > MAX_TILE_BYTES {
        return Err(LeafError::TooLarge("data tile", MAX_TILE_BYTES));
    }
    let mut r = Reader { b: tile };
    let mut out = Vec::new();
    while !r.b.is_empty() {
        if out.len() as u64 >= TILE_WIDTH {
            return Err(LeafError::TooLarge(
                "data tile entries",
                TILE_WIDTH as usize,
            ));
        }
        let timestamp = r.uint(8, "timestamp")?;
        let entry_type = r.uint(2, "entry type")? as u16;
        let (kind, tbs, cert) = match entry_type {
            0 => (EntryKind::X509, None, r.vec(3, "certificate")?),
            1 => {
                let _issuer_key_hash = r.take(32, "issuer key hash")?;
                (
                    EntryKind::Precert,
                    Some(r.vec(3, "TBSCertificate")?),
                    &[][..],
                )
            }
            t => return Err(LeafError::EntryType(t)),
        };
        let _extensions = r.vec(2, "extensions")?;
        let whole = if kind == EntryKind::Precert {
            r.vec(3, "pre_certificate")?
        } else {
            cert
        };
        let fingerprints = r.vec(2, "certificate chain")?;
        if fingerprints.len() % 32 != 0 {
            return Err(LeafError::Truncated("certificate chain fingerprints"));
        }
        out.push(finish(kind, timestamp, tbs, whole, fingerprints.len() / 32));
    }
    Ok(out)
}

fn hex(b: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        let _ = write!(s, "{x:02x}");
    }
    s
}

fn from_tbs(tbs: &TbsCertificate<'_>) -> CtCert {
    let mut names: Vec<String> = Vec::new();
    let mut dropped = 0usize;
    let mut wildcard = false;
    let mut add = |raw: &str, names: &mut Vec<String>| {
        let mut n = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        if let Some(rest) = n.strip_prefix("*.") {
            wildcard = true;
            n = rest.to_string();
        }
        if !n.contains('.') || !crate::feed::plausible_name(&n) || names.len() >= MAX_CERT_NAMES {
            dropped += 1;
            return;
        }
        if !names.contains(&n) {
            names.push(n);
        }
    };
    if let Ok(Some(san)) = tbs.subject_alternative_name() {
        for g in &san.value.general_names {
            if let GeneralName::DNSName(d) = g {
                add(d, &mut names);
            }
        }
    }
    for cn in tbs.subject().iter_common_name() {
        if let Ok(s) = cn.as_str() {
            // A CN that is not a host name (a person, a company) is not a name.
            if s.contains('.') && !s.contains(' ') {
                add(s, &mut names);
            }
        }
    }
    let issuer_org = tbs
        .issuer()
        .iter_organization()
        .next()
        .and_then(|o| o.as_str().ok())
        .map(|s| s.chars().take(200).collect());
    let ts = |t: i64| Timestamp::from_second(t).ok();
    CtCert {
        kind: EntryKind::X509,
        logged_at: Timestamp::UNIX_EPOCH,
        names,
        dropped_names: dropped,
        issuer: tbs.issuer().to_string().chars().take(500).collect(),
        issuer_org,
        serial: tbs.raw_serial_as_string().chars().take(200).collect(),
        sha256: String::new(),
        not_before: ts(tbs.validity().not_before.timestamp()),
        not_after: ts(tbs.validity().not_after.timestamp()),
        chain_len: 0,
        wildcard,
    }
}

/// CA organisations (the issuer's `O=`) and the CAA identifiers (RFC 8659 `issuer-domain-name`)
/// they issue under. An issuer not listed here cannot be checked against CAA.
pub const CAA_ISSUERS: &[(&str, &[&str])] = &[
    ("Let's Encrypt", &["letsencrypt.org"]),
    (
        "DigiCert Inc",
        &[
            "digicert.com",
            "www.digicert.com",
            "symantec.com",
            "geotrust.com",
            "rapidssl.com",
            "thawte.com",
        ],
    ),
    (
        "Sectigo Limited",
        &[
            "sectigo.com",
            "comodoca.com",
            "comodo.com",
            "usertrust.com",
            "trust-provider.com",
        ],
    ),
    ("Google Trust Services", &["pki.goog"]),
    ("Google Trust Services LLC", &["pki.goog"]),
    (
        "Amazon",
        &[
            "amazon.com",
            "amazontrust.com",
            "awstrust.com",
            "amazonaws.com",
        ],
    ),
    ("GlobalSign nv-sa", &["globalsign.com"]),
    ("ZeroSSL", &["sectigo.com", "zerossl.com"]),
    ("GoDaddy.com, Inc.", &["godaddy.com", "starfieldtech.com"]),
    ("Microsoft Corporation", &["microsoft.com"]),
    ("Entrust, Inc.", &["entrust.net", "affirmtrust.com"]),
    ("SECOM Trust Systems CO.,LTD.", &["secomtrust.net"]),
    ("Cybertrust Japan Co., Ltd.", &["cybertrust.ne.jp"]),
    ("JPRS", &["jprs.jp"]),
    ("Japan Registry Services Co., Ltd.", &["jprs.jp"]),
    ("Buypass AS-983163327", &["buypass.com", "buypass.no"]),
    ("SSL Corporation", &["ssl.com"]),
    ("Certum", &["certum.pl"]),
    ("Asseco Data Systems S.A.", &["certum.pl"]),
];

/// What a domain's CAA says of an issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaaVerdict {
    /// No CAA `issue`/`issuewild` property applies: any CA may issue.
    NoPolicy,
    /// The CAA allows the issuer.
    Permitted,
    /// The CAA does not allow the issuer: the identifiers it allows.
    Forbidden(Vec<String>),
    /// The issuer is not in [`CAA_ISSUERS`]: it cannot be checked.
    UnknownIssuer,
}

/// Checks an issuer organisation against CAA records in presentation format (`0 issue
/// "letsencrypt.org"`): `issuewild` for a wildcard certificate when present, else `issue`
/// (RFC 8659 4.2, 4.3). An empty value (`0 issue ";"`) allows no CA.
pub fn caa_check(records: &[String], issuer_org: Option<&str>, wildcard: bool) -> CaaVerdict {
    let props = |tag: &str| -> Vec<String> {
        records
            .iter()
            .filter_map(|r| {
                let mut it = r.split_ascii_whitespace();
                let _flags = it.next()?;
                let t = it.next()?;
                if !t.eq_ignore_ascii_case(tag) {
                    return None;
                }
                let v: Vec<&str> = it.collect();
                let v = v.join(" ");
                let v = v.trim().trim_matches('"');
                let domain = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                Some(domain)
            })
            .collect()
    };
    let mut allowed = if wildcard {
        props("issuewild")
    } else {
        Vec::new()
    };
    if allowed.is_empty() {
        allowed = props("issue");
    }
    if allowed.is_empty() {
        return CaaVerdict::NoPolicy;
    }
    let Some(ids) = issuer_org.and_then(|o| {
        CAA_ISSUERS
            .iter()
            .find(|(org, _)| org.eq_ignore_ascii_case(o.trim()))
            .map(|(_, ids)| *ids)
    }) else {
        return CaaVerdict::UnknownIssuer;
    };
    if allowed.iter().any(|a| ids.iter().any(|i| i == a)) {
        CaaVerdict::Permitted
    } else {
        allowed.retain(|a| !a.is_empty());
        allowed.sort();
        allowed.dedup();
        CaaVerdict::Forbidden(allowed)
    }
}

/// Whether `name` is `domain` or below it.
pub fn is_at_or_below(name: &str, domain: &str) -> bool {
    name == domain
        || (name.len() > domain.len()
            && name.ends_with(domain)
            && name.as_bytes()[name.len() - domain.len() - 1] == b'.')
}

/// The MerkleTreeLeaf of an `x509_entry` (for tests and the lab).
pub fn x509_leaf(timestamp_ms: u64, cert_der: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8, 0u8];
    v.extend_from_slice(&timestamp_ms.to_be_bytes());
    v.extend_from_slice(&0u16.to_be_bytes());
    push_u24(&mut v, cert_der);
    v.extend_from_slice(&0u16.to_be_bytes());
    v
}

/// The MerkleTreeLeaf of a `precert_entry` (for tests and the lab).
pub fn precert_leaf(timestamp_ms: u64, issuer_key_hash: &[u8; 32], tbs_der: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8, 0u8];
    v.extend_from_slice(&timestamp_ms.to_be_bytes());
    v.extend_from_slice(&1u16.to_be_bytes());
    v.extend_from_slice(issuer_key_hash);
    push_u24(&mut v, tbs_der);
    v.extend_from_slice(&0u16.to_be_bytes());
    v
}

/// The `extra_data` of an entry: for a precert, the precertificate first; then the chain.
pub fn extra_data(precert: Option<&[u8]>, chain: &[&[u8]]) -> Vec<u8> {
    let mut v = Vec::new();
    if let Some(p) = precert {
        push_u24(&mut v, p);
    }
    let mut c = Vec::new();
    for cert in chain {
        push_u24(&mut c, cert);
    }
    push_u24(&mut v, &c);
    v
}

fn push_u24(v: &mut Vec<u8>, b: &[u8]) {
    let n = b.len().min(0xff_ffff) as u32;
    v.extend_from_slice(&n.to_be_bytes()[1..]);
    v.extend_from_slice(&b[..n as usize]);
}

/// The TBSCertificate inside a DER certificate (its first element), for precert entries.
pub fn tbs_of(cert_der: &[u8]) -> Option<&[u8]> {
    // SEQUENCE { tbsCertificate SEQUENCE, ... }: the header of the outer one, then the whole
    // TLV of the inner one.
    fn header(b: &[u8]) -> Option<(usize, usize)> {
        if *b.first()? != 0x30 {
            return None;
        }
        let l0 = *b.get(1)? as usize;
        if l0 < 0x80 {
            return Some((2, l0));
        }
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let len = b
            .get(2..2 + n)?
            .iter()
            .fold(0usize, |a, &x| (a << 8) | x as usize);
        Some((2 + n, len))
    }
    let (h, _) = header(cert_der)?;
    let inner = cert_der.get(h..)?;
    let (ih, il) = header(inner)?;
    inner.get(..ih.checked_add(il)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_unknown_structures_are_errors() {
        assert_eq!(decode_leaf(&[], &[]), Err(LeafError::Truncated("version")));
        assert_eq!(decode_leaf(&[1, 0], &[]), Err(LeafError::Version(1)));
        assert_eq!(decode_leaf(&[0, 1], &[]), Err(LeafError::LeafType(1)));
        let mut l = vec![0, 0];
        l.extend_from_slice(&[0; 8]);
        l.extend_from_slice(&[0, 7]);
        assert_eq!(decode_leaf(&l, &[]), Err(LeafError::EntryType(7)));
        // A length beyond the bytes.
        let mut l = x509_leaf(1, b"abc");
        l.truncate(l.len() - 3);
        assert!(matches!(decode_leaf(&l, &[]), Err(LeafError::Truncated(_))));
        // Not a certificate.
        let l = x509_leaf(1, b"abc");
        assert!(matches!(
            decode_leaf(&l, &[]),
            Err(LeafError::Certificate(_))
        ));
        let mut l = x509_leaf(1, b"abc");
        l.push(9);
        assert_eq!(decode_leaf(&l, &[]), Err(LeafError::Trailing(1)));
        let big = "A".repeat(MAX_EXTRA_BYTES * 2);
        let e = RawEntry {
            leaf_input: String::new(),
            extra_data: big,
        };
        assert!(matches!(decode_entry(&e), Err(LeafError::TooLarge(..))));
    }

    #[test]
    fn sth_and_entries_answers() {
        let ok = br#"{"tree_size":5,"timestamp":1700000000000,"sha256_root_hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","tree_head_signature":"BAMABzBF"}"#;
        assert_eq!(parse_sth(ok).unwrap().tree_size, 5);
        assert!(parse_sth(br#"{"tree_size":-1}"#).is_err());
        let short_hash =
            br#"{"tree_size":5,"timestamp":1,"sha256_root_hash":"AAAA","tree_head_signature":""}"#;
        assert_eq!(parse_sth(short_hash), Err(AnswerError::RootHash));
        let e = parse_entries(br#"{"entries":[{"leaf_input":"AA==","extra_data":""}]}"#).unwrap();
        assert_eq!(e.len(), 1);
        assert!(parse_entries(b"<html>").is_err());
    }

    #[test]
    fn static_ct_paths_checkpoints_and_tiles() {
        assert_eq!(data_tile_path(1_234_067, 256), "tile/data/x001/x234/067");
        assert_eq!(data_tile_path(5, 17), "tile/data/005.p/17");
        assert_eq!(data_tile_path(0, 256), "tile/data/000");
        assert_eq!(data_tile_path(1000, 256), "tile/data/x001/000");
        let cp = b"example.com/log\n1234\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n\xe2\x80\x94 example.com/log abc=\n";
        let c = parse_checkpoint(cp).unwrap();
        assert_eq!((c.origin.as_str(), c.tree_size), ("example.com/log", 1234));
        assert!(parse_checkpoint(b"x\nnot a number\n").is_err());
        assert_eq!(
            parse_checkpoint(b"x\n1\nAAAA\n"),
            Err(AnswerError::RootHash)
        );
        // A truncated tile is an error as a whole; an empty tile has no entry.
        assert!(decode_data_tile(&[0, 0, 0]).is_err());
        assert_eq!(decode_data_tile(&[]).unwrap().len(), 0);
        let mut t = vec![0u8; 8];
        t.extend_from_slice(&[0, 9]);
        assert_eq!(decode_data_tile(&t), Err(LeafError::EntryType(9)));
    }

    #[test]
    fn caa() {
        let recs = vec![
            "0 issue \"letsencrypt.org\"".to_string(),
            "0 issuewild \";\"".to_string(),
            "0 iodef \"mailto:sec@example.com\"".to_string(),
        ];
        assert_eq!(
            caa_check(&recs, Some("Let's Encrypt"), false),
            CaaVerdict::Permitted
        );
        assert_eq!(
            caa_check(&recs, Some("Sectigo Limited"), false),
            CaaVerdict::Forbidden(vec!["letsencrypt.org".into()])
        );
        // issuewild ";" allows no CA for wildcards.
        assert_eq!(
            caa_check(&recs, Some("Let's Encrypt"), true),
            CaaVerdict::Forbidden(vec![])
        );
        assert_eq!(
            caa_check(&recs, Some("Some CA"), false),
            CaaVerdict::UnknownIssuer
        );
        assert_eq!(caa_check(&[], Some("Some CA"), false), CaaVerdict::NoPolicy);
        assert!(is_at_or_below("a.b.example.com", "example.com"));
        assert!(is_at_or_below("example.com", "example.com"));
        assert!(!is_at_or_below("badexample.com", "example.com"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(leaf in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
                                       extra in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = decode_leaf(&leaf, &extra);
            // With a valid header, the bytes reach the certificate parser.
            let mut l = vec![0u8, 0];
            l.extend_from_slice(&[0; 8]);
            l.extend_from_slice(&[0, (leaf.first().copied().unwrap_or(0) & 1)]);
            l.extend_from_slice(&leaf);
            let _ = decode_leaf(&l, &extra);
            let _ = decode_leaf(&x509_leaf(1, &leaf), &extra);
            let _ = decode_leaf(&precert_leaf(1, &[0; 32], &leaf), &extra_data(Some(&extra), &[&leaf]));
            let _ = parse_sth(&leaf);
            let _ = decode_data_tile(&leaf);
            let _ = parse_checkpoint(&leaf);
            let _ = parse_entries(&leaf);
            let _ = caa_check(&[String::from_utf8_lossy(&leaf).into_owned()], Some(&String::from_utf8_lossy(&extra)), true);
        }
    }
}
