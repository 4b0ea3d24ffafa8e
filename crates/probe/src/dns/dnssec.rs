//! The DNSSEC check of a zone against its parent's DS (pure: answers in, [`DnssecCheck`] out).
//!
//! Each DS is compared with the zone's DNSKEYs: same key tag and algorithm, and the digest over
//! the owner name in canonical wire form followed by the DNSKEY RDATA (RFC 4034 5.1.4), computed
//! with hickory's DNSSEC support (ring). The RRSIGs over the apex DNSKEY and SOA RRsets are
//! verified cryptographically with the DNSKEY of their key tag; whether they are within their
//! validity period is left to the findings, which know the clock.

use std::net::IpAddr;

use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, RRSIG};
use hickory_proto::dnssec::{Algorithm, DigestType, Verifier};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};
use jiff::Timestamp;

use domains::dns::{
    DnsOutcome, DnskeyInfo, DnssecCheck, DsMatch, DsStatus, RrsigCheck, SignedRrset,
};
use domains::registration::DsRecord;

/// The most DNSKEYs and signatures looked at per RRset (a hostile zone can publish many).
const MAX_KEYS: usize = 16;
const MAX_SIGS: usize = 16;

/// One apex answer asked with the DO bit: its outcome and records.
pub struct Asked<'a> {
    pub outcome: &'a DnsOutcome,
    pub answers: &'a [Record],
}

fn dnskeys<'a>(zone: &Name, answers: &'a [Record]) -> Vec<(&'a DNSKEY, u16)> {
    answers
        .iter()
        .filter(|r| r.name.to_lowercase() == *zone)
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(k)) => Some((k, k.calculate_key_tag().ok()?)),
            _ => None,
        })
        .take(MAX_KEYS)
        .collect()
}

fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(H[usize::from(x >> 4)] as char);
        s.push(H[usize::from(x & 15)] as char);
    }
    s
}

/// How one DS compares with the zone's keys.
fn ds_status(zone: &Name, ds: &DsRecord, keys: &[(&DNSKEY, u16)]) -> DsStatus {
    let alg = Algorithm::from_u8(ds.algorithm);
    let digest_type = DigestType::from(ds.digest_type);
    if !alg.is_supported()
        || !matches!(
            digest_type,
            DigestType::SHA1 | DigestType::SHA256 | DigestType::SHA384
        )
    {
        return DsStatus::Unsupported;
    }
    let same: Vec<&DNSKEY> = keys
        .iter()
        .filter(|(k, tag)| *tag == ds.key_tag && k.algorithm() == alg)
        .map(|(k, _)| *k)
        .collect();
    if same.is_empty() {
        return DsStatus::NoSuchKey;
    }
    let want = ds.digest.to_ascii_lowercase();
    let matches = same.iter().any(|k| {
        k.zone_key()
            && k.to_digest(zone, digest_type)
                .is_ok_and(|d| hex(d.as_ref()) == want)
    });
    if matches {
        DsStatus::Matches
    } else {
        DsStatus::DigestDiffers
    }
}

fn time_of(serial: u32) -> Timestamp {
    Timestamp::from_second(i64::from(serial)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The RRSIGs over `zone`/`rtype` in `answers`, each verified with the DNSKEY of its tag.
fn signatures(
    zone: &Name,
    rtype: RecordType,
    answers: &[Record],
    keys: &[(&DNSKEY, u16)],
) -> Vec<RrsigCheck> {
    let rrset: Vec<&Record> = answers
        .iter()
        .filter(|r| r.record_type() == rtype && r.name.to_lowercase() == *zone)
        .collect();
    answers
        .iter()
        .filter(|r| r.name.to_lowercase() == *zone)
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(sig)) if sig.input().type_covered == rtype => {
                Some(sig)
            }
            _ => None,
        })
        .take(MAX_SIGS)
        .map(|sig: &RRSIG| {
            let input = sig.input();
            let key = keys
                .iter()
                .find(|(k, tag)| *tag == input.key_tag && k.algorithm() == input.algorithm);
            let (verified, note) = match key {
                None => (false, format!("no DNSKEY with key tag {}", input.key_tag)),
                Some((k, _)) => {
                    match k.verify_rrsig(zone, DNSClass::IN, sig, rrset.iter().copied()) {
                        Ok(()) => (true, String::new()),
                        Err(e) => (false, e.to_string().chars().take(120).collect()),
                    }
                }
            };
            RrsigCheck {
                key_tag: input.key_tag,
                algorithm: u8::from(input.algorithm),
                inception: time_of(input.sig_inception.get()),
                expiration: time_of(input.sig_expiration.get()),
                verified,
                note,
            }
        })
        .collect()
}

/// The DNSSEC check of `zone` from `server`'s DNSKEY and SOA answers (asked with DO).
pub fn check(
    server: IpAddr,
    zone: &Name,
    ds: &[DsRecord],
    dnskey: Asked<'_>,
    soa: Asked<'_>,
) -> DnssecCheck {
    let zone = zone.to_lowercase();
    let keys = dnskeys(&zone, dnskey.answers);
    let mut infos: Vec<DnskeyInfo> = keys
        .iter()
        .map(|(k, tag)| DnskeyInfo {
            key_tag: *tag,
            algorithm: u8::from(k.algorithm()),
            flags: k.flags(),
        })
        .collect();
    infos.sort_by_key(|k| (k.key_tag, k.algorithm));
    infos.dedup();
    let dnskey_outcome = match (dnskey.outcome, keys.is_empty()) {
        (DnsOutcome::Answer, true) => DnsOutcome::NoData,
        (o, _) => o.clone(),
    };
    DnssecCheck {
        server,
        dnskey: SignedRrset {
            rtype: "DNSKEY".into(),
            outcome: dnskey_outcome,
            signatures: signatures(&zone, RecordType::DNSKEY, dnskey.answers, &keys),
        },
        ds: ds
            .iter()
            .map(|d| DsMatch {
                key_tag: d.key_tag,
                algorithm: d.algorithm,
                digest_type: d.digest_type,
                status: ds_status(&zone, d, &keys),
            })
            .collect(),
        keys: infos,
        soa: SignedRrset {
            rtype: "SOA".into(),
            outcome: soa.outcome.clone(),
            signatures: signatures(&zone, RecordType::SOA, soa.answers, &keys),
        },
    }
}
