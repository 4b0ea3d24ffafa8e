//! Certificate Transparency logs (RFC 6962 JSON API: `get-sth`, `get-entries`) whose entries
//! are real X.509 certificates made with `rcgen` by a few simulated CAs: for the watched
//! domains (day 0), for the scenario's feed names (lookalikes and ordinary names, over the first
//! days), for `ordinary_per_day` generated names every day, and for the scenario's
//! `[[ct.certificate]]` entries on their day (a subdomain of a watched domain from a CA its
//! CAA does not allow, say). The logs grow as the lab clock moves.
//!
//! Two logs are served: `a` has every certificate, `b` every other one (a certificate logged
//! twice must be recorded once). Every fourth entry is a precertificate. `get-entries` answers
//! at most `max_batch` entries, so clients must continue from what they got. Tree heads have a
//! real RFC 6962 Merkle root and are signed with a throwaway Ed25519 key (nobody checks it).
//!
//! The same logs are served over the static-CT (tile) API too (c2sp.org/static-ct-api): the
//! `checkpoint` and data tiles under `{base}/{log}/`.
//!
//! The leaf encoding is written here, not shared with `domains`: the lab is an independent peer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    SerialNumber,
};
use serde::Deserialize;

use crate::scenario::Scenario;
use crate::shared::{Shared, now_of};

/// The CAs every lab log has certificates of: (organisation, common name).
const BASE_CAS: &[(&str, &str)] = &[
    ("Let's Encrypt", "R10"),
    ("Google Trust Services", "WR1"),
    (
        "Sectigo Limited",
        "Sectigo ECC Domain Validation Secure Server CA",
    ),
];

/// Words of the generated ordinary names (nothing like the scenario's brands).
const WORDS: &[&str] = &[
    "garden", "bakery", "harbor", "maple", "pixel", "river", "summit", "violet", "copper",
    "lantern", "meadow", "orchid", "tundra", "willow", "zephyr", "falcon",
];
const TLDS: &[&str] = &["com", "net", "org", "io", "shop", "dev"];

/// The logs served and which planned certificates each one has.
pub(crate) const LOGS: &[&str] = &["a", "b"];

struct Planned {
    day: i64,
    names: Vec<String>,
    ca: usize,
}

#[derive(Clone, Copy)]
enum PlanRef {
    Special(usize),
    Ordinary(usize, i64),
}

struct Ca {
    cert_der: Vec<u8>,
    key_hash: [u8; 32],
    issuer: Issuer<'static, KeyPair>,
}

/// One encoded entry: RFC 6962 `leaf_input` and `extra_data`, and the static-CT `TileLeaf`.
#[derive(Clone)]
struct Entry {
    leaf: Vec<u8>,
    extra: Vec<u8>,
    tile_leaf: Vec<u8>,
}

#[derive(Default)]
struct LogState {
    entries: Vec<Entry>,
    /// Merkle tree hashes of each leaf.
    leaf_hashes: Vec<[u8; 32]>,
}

pub(crate) struct CtLogs {
    shared: Arc<Shared>,
    plan: Vec<Planned>,
    cas: Vec<Ca>,
    leaf_key: KeyPair,
    sth_key: ring::signature::Ed25519KeyPair,
    max_batch: usize,
    per_day: usize,
    /// Certificates made, by plan key (shared by both logs).
    certs: Mutex<HashMap<usize, Vec<u8>>>,
    logs: Mutex<HashMap<&'static str, LogState>>,
}

/// `[ct]` of a scenario.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CtDef {
    /// Generated ordinary certificates logged per lab day.
    #[serde(default = "default_per_day")]
    pub ordinary_per_day: u32,
    /// The most entries one `get-entries` answer holds.
    #[serde(default = "default_batch")]
    pub max_batch: u32,
    /// Certificates logged on a given day.
    #[serde(default, rename = "certificate")]
    pub certificates: Vec<CtCertDef>,
}

/// One `[[ct.certificate]]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CtCertDef {
    pub day: i64,
    pub names: Vec<String>,
    /// The issuing CA's organisation (one of the lab's CAs, or a new one).
    pub issuer: String,
}

fn default_per_day() -> u32 {
    20
}
fn default_batch() -> u32 {
    32
}

impl Default for CtDef {
    fn default() -> Self {
        CtDef {
            ordinary_per_day: default_per_day(),
            max_batch: default_batch(),
            certificates: Vec::new(),
        }
    }
}

fn make_ca(org: &str, cn: &str) -> Option<Ca> {
    let mut p = CertificateParams::new(Vec::<String>::new()).ok()?;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "US");
    dn.push(DnType::OrganizationName, org);
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    let key = KeyPair::generate().ok()?;
    let cert = p.self_signed(&key).ok()?;
    let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
    let mut key_hash = [0u8; 32];
    key_hash.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &spki).as_ref());
    Some(Ca {
        cert_der: cert.der().to_vec(),
        key_hash,
        issuer: Issuer::new(p, key),
    })
}

impl CtLogs {
    pub(crate) fn new(shared: Arc<Shared>) -> Option<CtLogs> {
        let s: &Scenario = &shared.scenario;
        let def = s.ct.clone().unwrap_or_default();
        let mut cas: Vec<Ca> = Vec::new();
        let mut orgs: Vec<String> = Vec::new();
        for (org, cn) in BASE_CAS {
            cas.push(make_ca(org, cn)?);
            orgs.push((*org).to_string());
        }
        let mut plan = Vec::new();
        for w in &s.scenario.watch {
            plan.push(Planned {
                day: 0,
                names: vec![w.clone(), format!("www.{w}")],
                ca: 0,
            });
        }
        for (i, n) in s.scenario.feed.iter().enumerate() {
            plan.push(Planned {
                day: (i % 4) as i64,
                names: vec![n.clone()],
                ca: i % BASE_CAS.len(),
            });
        }
        for c in &def.certificates {
            let ca = match orgs.iter().position(|o| *o == c.issuer) {
                Some(i) => i,
                None => {
                    cas.push(make_ca(&c.issuer, &format!("{} Issuing CA", c.issuer))?);
                    orgs.push(c.issuer.clone());
                    cas.len() - 1
                }
            };
            plan.push(Planned {
                day: c.day,
                names: c.names.clone(),
                ca,
            });
        }
        // In day order (stable: the order above within a day); the ordinary names of a day
        // come after these (made on demand, [`CtLogs::ordinary`]).
        plan.sort_by_key(|p| p.day);
        let leaf_key = KeyPair::generate().ok()?;
        let seed = ring::digest::digest(&ring::digest::SHA256, b"domwatch lab CT log key");
        let sth_key = ring::signature::Ed25519KeyPair::from_seed_unchecked(seed.as_ref()).ok()?;
        Some(CtLogs {
            shared,
            plan,
            cas,
            leaf_key,
            sth_key,
            max_batch: def.max_batch.max(1) as usize,
            per_day: def.ordinary_per_day as usize,
            certs: Mutex::new(HashMap::new()),
            logs: Mutex::new(HashMap::new()),
        })
    }

    /// The certificates of `log` up to `day`, in log order.
    fn planned_of(&self, log: &str, day: i64) -> Vec<PlanRef> {
        let mut all = Vec::new();
        let mut specials = self.plan.iter().enumerate().peekable();
        for d in 0..=day.max(0) {
            while let Some((i, _)) = specials.next_if(|(_, p)| p.day <= d) {
                all.push(PlanRef::Special(i));
            }
            for i in 0..self.per_day {
                all.push(PlanRef::Ordinary(d as usize * self.per_day + i, d));
            }
        }
        if log == "a" {
            all
        } else {
            all.into_iter().step_by(2).collect()
        }
    }

    /// The `k`-th generated ordinary certificate, logged on `day`.
    fn ordinary(k: usize, day: i64) -> Planned {
        let w = WORDS[k % WORDS.len()];
        let w2 = WORDS[(k / WORDS.len() + 3) % WORDS.len()];
        let tld = TLDS[k % TLDS.len()];
        Planned {
            day,
            names: vec![
                format!("{w}-{w2}{k}.{tld}"),
                format!("www.{w}-{w2}{k}.{tld}"),
            ],
            ca: k % BASE_CAS.len(),
        }
    }

    /// Makes the entries of `log` up to the lab's current day, then hands its state to `f`.
    fn grow<R>(&self, log: &'static str, f: impl FnOnce(&LogState) -> R) -> R {
        let day = self.shared.day();
        let want = self.planned_of(log, day);
        let mut logs = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        let st = logs.entry(log).or_default();
        while st.entries.len() < want.len() {
            let n = st.entries.len();
            // The same certificate in both logs (made once: ECDSA signatures differ each time).
            let (key, planned) = match want[n] {
                PlanRef::Special(i) => (i, None),
                PlanRef::Ordinary(k, d) => (self.plan.len() + k, Some(Self::ordinary(k, d))),
            };
            let p = planned.as_ref().unwrap_or_else(|| &self.plan[key]);
            let mut certs = self.certs.lock().unwrap_or_else(|p| p.into_inner());
            let der = certs
                .entry(key)
                .or_insert_with(|| self.make_cert(p, key).unwrap_or_default())
                .clone();
            drop(certs);
            let e = self.make_entry(p, &der, n);
            st.leaf_hashes.push(leaf_hash(&e.leaf));
            st.entries.push(e);
        }
        f(st)
    }

    fn make_entry(&self, p: &Planned, der: &[u8], n: usize) -> Entry {
        let ca = &self.cas[p.ca];
        let day_start = now_of(&self.shared.scenario, p.day);
        let ts = day_start.as_millisecond().max(0) as u64 + n as u64 * 10;
        let precert = n % 4 == 3;
        let chain = u24_vec(&[&ca.cert_der]);
        let mut leaf = vec![0u8, 0u8];
        leaf.extend_from_slice(&ts.to_be_bytes());
        let mut extra = Vec::new();
        if precert {
            leaf.extend_from_slice(&1u16.to_be_bytes());
            leaf.extend_from_slice(&ca.key_hash);
            push_u24(&mut leaf, tbs(der).unwrap_or(der));
            push_u24(&mut extra, der);
        } else {
            leaf.extend_from_slice(&0u16.to_be_bytes());
            push_u24(&mut leaf, der);
        }
        leaf.extend_from_slice(&0u16.to_be_bytes());
        extra.extend_from_slice(&chain);
        // TileLeaf: the TimestampedEntry (the leaf without version and leaf type), the
        // precertificate for a precert entry, the chain's SHA-256 fingerprints.
        let mut tile_leaf = leaf[2..].to_vec();
        if precert {
            push_u24(&mut tile_leaf, der);
        }
        tile_leaf.extend_from_slice(&32u16.to_be_bytes());
        tile_leaf.extend_from_slice(&sha256(&[&ca.cert_der]));
        Entry {
            leaf,
            extra,
            tile_leaf,
        }
    }

    fn make_cert(&self, p: &Planned, serial: usize) -> Option<Vec<u8>> {
        let mut params = CertificateParams::new(p.names.clone()).ok()?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, p.names.first()?.as_str());
        params.distinguished_name = dn;
        let date = crate::state::date_of(&self.shared.scenario, p.day);
        let end = date.checked_add(jiff::Span::new().days(90)).ok()?;
        params.not_before =
            rcgen::date_time_ymd(i32::from(date.year()), date.month() as u8, date.day() as u8);
        params.not_after =
            rcgen::date_time_ymd(i32::from(end.year()), end.month() as u8, end.day() as u8);
        let mut sn = (serial as u64 + 1).to_be_bytes().to_vec();
        sn.insert(0, 0x4c);
        params.serial_number = Some(SerialNumber::from_slice(&sn));
        let cert = params
            .signed_by(&self.leaf_key, &self.cas[p.ca].issuer)
            .ok()?;
        Some(cert.der().to_vec())
    }
}

fn push_u24(v: &mut Vec<u8>, b: &[u8]) {
    let n = b.len() as u32;
    v.extend_from_slice(&n.to_be_bytes()[1..]);
    v.extend_from_slice(b);
}

fn u24_vec(items: &[&[u8]]) -> Vec<u8> {
    let mut inner = Vec::new();
    for i in items {
        push_u24(&mut inner, i);
    }
    let mut v = Vec::new();
    push_u24(&mut v, &inner);
    v
}

/// The TBSCertificate of a DER certificate (the first element of its SEQUENCE).
fn tbs(der: &[u8]) -> Option<&[u8]> {
    fn len_at(b: &[u8], at: usize) -> Option<(usize, usize)> {
        let l0 = *b.get(at + 1)? as usize;
        if l0 < 0x80 {
            return Some((2, l0));
        }
        let n = l0 & 0x7f;
        let len = b
            .get(at + 2..at + 2 + n)?
            .iter()
            .fold(0usize, |a, &x| (a << 8) | x as usize);
        Some((2 + n, len))
    }
    let (h, _) = len_at(der, 0)?;
    let (ih, il) = len_at(der, h)?;
    der.get(h..h + ih + il)
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    sha256(&[&[0u8], leaf])
}

/// RFC 6962 2.1 Merkle Tree Hash over leaf hashes.
fn mth(h: &[[u8; 32]]) -> [u8; 32] {
    match h.len() {
        0 => sha256(&[]),
        1 => h[0],
        n => {
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            let (l, r) = (mth(&h[..k]), mth(&h[k..]));
            sha256(&[&[1u8], &l, &r])
        }
    }
}

fn json(status: StatusCode, v: serde_json::Value) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn log_name(name: &str) -> Option<&'static str> {
    LOGS.iter().copied().find(|l| *l == name)
}

async fn get_sth(State(logs): State<Arc<CtLogs>>, Path(log): Path<String>) -> Response {
    let Some(log) = log_name(&log) else {
        return json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "no such log"}),
        );
    };
    let l2 = logs.clone();
    let made = tokio::task::spawn_blocking(move || {
        l2.grow(log, |st| (st.entries.len() as u64, mth(&st.leaf_hashes)))
    })
    .await;
    let Ok((size, root)) = made else {
        return json(StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({}));
    };
    let ts = logs.shared.view().now.as_millisecond().max(0) as u64;
    // TreeHeadSignature: version, signature_type tree_hash, timestamp, tree_size, root.
    let mut signed = vec![0u8, 1u8];
    signed.extend_from_slice(&ts.to_be_bytes());
    signed.extend_from_slice(&size.to_be_bytes());
    signed.extend_from_slice(&root);
    let sig = logs.sth_key.sign(&signed);
    // DigitallySigned: intrinsic hash (8), ed25519 (7), length, signature.
    let mut ds = vec![8u8, 7u8];
    ds.extend_from_slice(&(sig.as_ref().len() as u16).to_be_bytes());
    ds.extend_from_slice(sig.as_ref());
    json(
        StatusCode::OK,
        serde_json::json!({
            "tree_size": size,
            "timestamp": ts,
            "sha256_root_hash": B64.encode(root),
            "tree_head_signature": B64.encode(ds),
        }),
    )
}

#[derive(Deserialize)]
struct Range {
    start: Option<u64>,
    end: Option<u64>,
}

async fn get_entries(
    State(logs): State<Arc<CtLogs>>,
    Path(log): Path<String>,
    Query(q): Query<Range>,
) -> Response {
    let Some(log) = log_name(&log) else {
        return json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "no such log"}),
        );
    };
    let (Some(start), Some(end)) = (q.start, q.end) else {
        return json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "start and end are required"}),
        );
    };
    let l2 = logs.clone();
    let max = logs.max_batch as u64;
    let got = tokio::task::spawn_blocking(move || {
        l2.grow(log, |st| {
            let size = st.entries.len() as u64;
            if start > end || start >= size {
                return None;
            }
            let last = end.min(size - 1).min(start + max - 1);
            Some(st.entries[start as usize..=last as usize].to_vec())
        })
    })
    .await;
    match got {
        Ok(Some(entries)) => json(
            StatusCode::OK,
            serde_json::json!({
                "entries": entries.iter().map(|e| serde_json::json!({
                    "leaf_input": B64.encode(&e.leaf),
                    "extra_data": B64.encode(&e.extra),
                })).collect::<Vec<_>>()
            }),
        ),
        Ok(None) => json(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"error": "start beyond the tree or after end"}),
        ),
        Err(_) => json(StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({})),
    }
}

/// The static-CT checkpoint (a signed note; the signature line is the lab key's).
async fn checkpoint(State(logs): State<Arc<CtLogs>>, Path(log): Path<String>) -> Response {
    let Some(log) = log_name(&log) else {
        return (StatusCode::NOT_FOUND, "no such log").into_response();
    };
    let l2 = logs.clone();
    let Ok((size, root)) = tokio::task::spawn_blocking(move || {
        l2.grow(log, |st| (st.entries.len() as u64, mth(&st.leaf_hashes)))
    })
    .await
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let body = format!("lab.example/ct/{log}\n{size}\n{}\n", B64.encode(root));
    let sig = logs.sth_key.sign(body.as_bytes());
    let text = format!(
        "{body}\n\u{2014} lab.example/ct/{log} {}\n",
        B64.encode(sig.as_ref())
    );
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// `tile/data/x001/x234/067` or `tile/data/005.p/17` -> (tile index, width).
fn parse_tile_path(rest: &str) -> Option<(u64, u64)> {
    let (path, width) = match rest.split_once(".p/") {
        Some((p, w)) => (p, w.parse::<u64>().ok().filter(|w| (1..256).contains(w))?),
        None => (rest, 256),
    };
    let parts: Vec<&str> = path.split('/').collect();
    let mut n: u64 = 0;
    for (i, p) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let digits = if last { *p } else { p.strip_prefix('x')? };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n = n
            .checked_mul(1000)?
            .checked_add(digits.parse::<u64>().ok()?)?;
    }
    Some((n, width))
}

/// A static-CT data tile: full (256 entries) or the partial one at the right edge.
async fn data_tile(
    State(logs): State<Arc<CtLogs>>,
    Path((log, rest)): Path<(String, String)>,
) -> Response {
    let (Some(log), Some((tile, width))) = (log_name(&log), parse_tile_path(&rest)) else {
        return (StatusCode::NOT_FOUND, "no such tile").into_response();
    };
    let l2 = logs.clone();
    let got = tokio::task::spawn_blocking(move || {
        l2.grow(log, |st| {
            let start = tile.checked_mul(256)? as usize;
            let end = start.checked_add(width as usize)?;
            // A tile beyond the tree, or a partial tile that is not the right edge's.
            if end > st.entries.len() || (width < 256 && end != st.entries.len()) {
                return None;
            }
            Some(
                st.entries[start..end]
                    .iter()
                    .flat_map(|e| e.tile_leaf.iter().copied())
                    .collect::<Vec<u8>>(),
            )
        })
    })
    .await;
    match got {
        Ok(Some(bytes)) => (
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such tile").into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub(crate) fn router(logs: Arc<CtLogs>) -> Router {
    Router::new()
        .route("/{log}/ct/v1/get-sth", get(get_sth))
        .route("/{log}/ct/v1/get-entries", get(get_entries))
        .route("/{log}/checkpoint", get(checkpoint))
        .route("/{log}/tile/data/{*rest}", get(data_tile))
        .with_state(logs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths() {
        assert_eq!(parse_tile_path("x001/x234/067"), Some((1_234_067, 256)));
        assert_eq!(parse_tile_path("005.p/17"), Some((5, 17)));
        assert_eq!(parse_tile_path("5"), None);
        assert_eq!(parse_tile_path("005.p/256"), None);
        assert_eq!(parse_tile_path("001/002"), None);
    }

    #[test]
    fn merkle_tree_hash_of_rfc6962_shapes() {
        let l: Vec<[u8; 32]> = (0..3u8).map(|i| leaf_hash(&[i])).collect();
        let two = sha256(&[&[1u8], &l[0], &l[1]]);
        assert_eq!(mth(&l[..2]), two);
        assert_eq!(mth(&l), sha256(&[&[1u8], &two, &l[2]]));
        assert_eq!(mth(&[]), sha256(&[]));
    }
}
