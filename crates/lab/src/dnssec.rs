//! DNSSEC in the lab: zones marked signed are really signed (Ed25519, algorithm 15, RFC 8080)
//! with keys the lab derives from the domain name, the DS at the parent is computed from them
//! (SHA-256, RFC 4509), and the bogus cases of a scenario are made from real keys too: a DS for a
//! key the zone no longer publishes, a DS without any DNSKEY, expired signatures. Denial of
//! existence uses NSEC (RFC 4034 4).
//!
//! The keys are deterministic (a seed hashed from the name and the key's generation), so a
//! scenario gives the same DNSKEY, DS and key tags on every run and every machine.

use std::collections::BTreeMap;

use hickory_proto::dnssec::crypto::Ed25519SigningKey;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, NSEC, RRSIG};
use hickory_proto::dnssec::{Algorithm, DigestType, PublicKeyBuf, SigningKey, TBS};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType, SerialNumber};
use serde::{Deserialize, Serialize};

use crate::scenario::Ds;

/// How a domain's zone is signed (scenario `dnssec = "..."`, also settable by an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DnssecMode {
    /// Not signed (DS only if the scenario lists `ds` by hand).
    #[default]
    Unsigned,
    /// Signed with key 0; the parent's DS is key 0's.
    Signed,
    /// A key rollover after the DS swap: keys 0 and 1 published, both sign the DNSKEY RRset, key
    /// 1 signs the rest; the parent's DS is key 1's. Valid.
    Rollover,
    /// Bogus: the zone is signed with key 1 only, the parent still has key 0's DS (a DS for a
    /// removed key).
    DsMismatch,
    /// Bogus: the parent has key 0's DS, the zone is not signed (no DNSKEY, no RRSIG).
    NoDnskey,
    /// Bogus: signed with key 0 (DS matches) but every signature expired ten days ago.
    Expired,
}

impl DnssecMode {
    /// The key generations the zone publishes.
    fn published(self) -> &'static [u8] {
        match self {
            DnssecMode::Unsigned | DnssecMode::NoDnskey => &[],
            DnssecMode::Signed | DnssecMode::Expired => &[0],
            DnssecMode::Rollover => &[0, 1],
            DnssecMode::DsMismatch => &[1],
        }
    }

    /// The key generation that signs the RRsets other than DNSKEY.
    fn zsk(self) -> Option<u8> {
        match self {
            DnssecMode::Unsigned | DnssecMode::NoDnskey => None,
            DnssecMode::Signed | DnssecMode::Expired => Some(0),
            DnssecMode::Rollover | DnssecMode::DsMismatch => Some(1),
        }
    }

    /// The key generations the parent's DS records are for.
    fn ds_for(self) -> &'static [u8] {
        match self {
            DnssecMode::Unsigned => &[],
            DnssecMode::Signed | DnssecMode::Expired | DnssecMode::NoDnskey => &[0],
            DnssecMode::DsMismatch => &[0],
            DnssecMode::Rollover => &[1],
        }
    }
}

/// Signatures are valid from a day before the lab clock to 30 days after it.
const VALID_BEFORE_SECS: i64 = 86_400;
const VALID_AFTER_SECS: i64 = 30 * 86_400;

/// A lab key: the signing key and its DNSKEY (flags 257: zone key, secure entry point).
struct LabKey {
    signing: Ed25519SigningKey,
    dnskey: DNSKEY,
    tag: u16,
}

fn key(domain: &str, generation: u8) -> Option<LabKey> {
    let mut input = b"domwatch lab dnssec key\0".to_vec();
    input.extend_from_slice(domain.to_ascii_lowercase().as_bytes());
    input.push(0);
    input.push(generation);
    let seed = ring::digest::digest(&ring::digest::SHA256, &input);
    let pair = ring::signature::Ed25519KeyPair::from_seed_unchecked(seed.as_ref()).ok()?;
    let signing = Ed25519SigningKey::from_ed25519(pair);
    let public: PublicKeyBuf = signing.to_public_key().ok()?;
    let dnskey = DNSKEY::new(true, true, false, public);
    let tag = dnskey.calculate_key_tag().ok()?;
    Some(LabKey {
        signing,
        dnskey,
        tag,
    })
}

fn name_of(domain: &str) -> Option<Name> {
    Name::from_ascii(format!("{domain}.")).ok()
}

/// The DS records the parent publishes for `domain` in `mode` (SHA-256 digests).
pub fn ds_records(domain: &str, mode: DnssecMode) -> Vec<Ds> {
    let Some(owner) = name_of(domain) else {
        return Vec::new();
    };
    mode.ds_for()
        .iter()
        .filter_map(|g| {
            let k = key(domain, *g)?;
            let digest = k.dnskey.to_digest(&owner, DigestType::SHA256).ok()?;
            Some(Ds {
                key_tag: k.tag,
                algorithm: u8::from(Algorithm::ED25519),
                digest_type: 2,
                digest: hex(digest.as_ref()),
            })
        })
        .collect()
}

/// The DNSKEY records of the zone in `mode`.
pub(crate) fn dnskey_records(domain: &str, mode: DnssecMode, ttl: u32) -> Vec<Record> {
    let Some(owner) = name_of(domain) else {
        return Vec::new();
    };
    mode.published()
        .iter()
        .filter_map(|g| key(domain, *g))
        .map(|k| {
            Record::from_rdata(
                owner.clone(),
                ttl,
                RData::DNSSEC(DNSSECRData::DNSKEY(k.dnskey)),
            )
        })
        .collect()
}

/// A typed DS record for the parent zone.
pub(crate) fn ds_record(owner: &Name, ds: &Ds, ttl: u32, digest: Vec<u8>) -> Record {
    Record::from_rdata(
        owner.clone(),
        ttl,
        RData::DNSSEC(DNSSECRData::DS(DS::new(
            ds.key_tag,
            Algorithm::from_u8(ds.algorithm),
            DigestType::from(ds.digest_type),
            digest,
        ))),
    )
}

/// Signs a zone: NSEC chain over `names` and RRSIGs over every RRset of `rrsets` and the NSECs.
/// `now` is the lab clock (seconds since the epoch). Returns the NSEC and RRSIG records to add.
pub(crate) fn sign_zone(
    domain: &str,
    mode: DnssecMode,
    now: i64,
    rrsets: &BTreeMap<(Name, RecordType), Vec<Record>>,
    nsec_ttl: u32,
) -> Vec<Record> {
    let Some(zsk_gen) = mode.zsk() else {
        return Vec::new();
    };
    let Some(zone) = name_of(domain) else {
        return Vec::new();
    };
    let keys: Vec<(u8, LabKey)> = mode
        .published()
        .iter()
        .filter_map(|g| Some((*g, key(domain, *g)?)))
        .collect();
    let (inception, expiration) = if mode == DnssecMode::Expired {
        (now - 40 * 86_400, now - 10 * 86_400)
    } else {
        (now - VALID_BEFORE_SECS, now + VALID_AFTER_SECS)
    };
    let serial = |t: i64| SerialNumber::new(u32::try_from(t.max(0)).unwrap_or(u32::MAX));

    // The NSEC chain in canonical order (RFC 4034 6.1), wrapping to the apex.
    let mut owners: BTreeMap<Name, Vec<RecordType>> = BTreeMap::new();
    for (owner, t) in rrsets.keys() {
        owners.entry(owner.clone()).or_default().push(*t);
    }
    let names: Vec<&Name> = owners.keys().collect();
    let mut out: Vec<Record> = Vec::new();
    let mut all: Vec<(Name, RecordType, Vec<Record>)> = rrsets
        .iter()
        .map(|((n, t), v)| (n.clone(), *t, v.clone()))
        .collect();
    for (i, owner) in names.iter().enumerate() {
        let next = names.get(i + 1).copied().unwrap_or(&zone).clone();
        let mut types = owners.get(*owner).cloned().unwrap_or_default();
        types.push(RecordType::RRSIG);
        types.push(RecordType::NSEC);
        let r = Record::from_rdata(
            (*owner).clone(),
            nsec_ttl,
            RData::DNSSEC(DNSSECRData::NSEC(NSEC::new(next, types))),
        );
        out.push(r.clone());
        all.push(((*owner).clone(), RecordType::NSEC, vec![r]));
    }
    for (owner, t, records) in &all {
        let signers: Vec<&(u8, LabKey)> = if *t == RecordType::DNSKEY {
            keys.iter().collect()
        } else {
            keys.iter().filter(|(g, _)| *g == zsk_gen).collect()
        };
        let ttl = records.iter().map(|r| r.ttl).min().unwrap_or(nsec_ttl);
        for (_, k) in signers {
            let input = hickory_proto::dnssec::rdata::sig::SigInput {
                type_covered: *t,
                algorithm: Algorithm::ED25519,
                num_labels: owner.num_labels(),
                original_ttl: ttl,
                sig_expiration: serial(expiration),
                sig_inception: serial(inception),
                key_tag: k.tag,
                signer_name: zone.clone(),
            };
            let Ok(tbs) = TBS::from_input(owner, DNSClass::IN, &input, records.iter()) else {
                continue;
            };
            let Ok(sig) = k.signing.sign(&tbs) else {
                continue;
            };
            out.push(Record::from_rdata(
                owner.clone(),
                ttl,
                RData::DNSSEC(DNSSECRData::RRSIG(RRSIG::from_sig(input, sig))),
            ));
        }
    }
    out
}

/// The record type an RRSIG covers.
pub(crate) fn covered(r: &Record) -> Option<RecordType> {
    match &r.data {
        RData::DNSSEC(DNSSECRData::RRSIG(s)) => Some(s.input().type_covered),
        _ => None,
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(H[usize::from(x >> 4)] as char);
        s.push(H[usize::from(x & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::dnssec::Verifier;

    #[test]
    fn keys_are_deterministic_and_the_ds_matches_the_dnskey() {
        let a = ds_records("example.com", DnssecMode::Signed);
        let b = ds_records("example.com", DnssecMode::Signed);
        assert_eq!(a, b);
        assert_eq!(a.len(), 1);
        let keys = dnskey_records("example.com", DnssecMode::Signed, 300);
        let owner = name_of("example.com").unwrap_or_else(Name::root);
        let RData::DNSSEC(DNSSECRData::DNSKEY(k)) = &keys[0].data else {
            panic!("not a DNSKEY: {:?}", keys[0]);
        };
        let digest = k
            .to_digest(&owner, DigestType::SHA256)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(hex(digest.as_ref()), a[0].digest);
        assert_eq!(k.calculate_key_tag().ok(), Some(a[0].key_tag));
        // The mismatch case: a DS for a key the zone does not publish.
        let bogus = ds_records("example.com", DnssecMode::DsMismatch);
        let published = dnskey_records("example.com", DnssecMode::DsMismatch, 300);
        let RData::DNSSEC(DNSSECRData::DNSKEY(k1)) = &published[0].data else {
            panic!("not a DNSKEY");
        };
        assert_ne!(k1.calculate_key_tag().ok(), Some(bogus[0].key_tag));
    }

    #[test]
    fn signatures_verify_with_the_published_key() {
        let owner = name_of("example.com").unwrap_or_else(Name::root);
        let mut sets = BTreeMap::new();
        let keys = dnskey_records("example.com", DnssecMode::Signed, 300);
        sets.insert((owner.clone(), RecordType::DNSKEY), keys.clone());
        let a = Record::from_rdata(
            owner.clone(),
            300,
            RData::A(hickory_proto::rr::rdata::A::new(192, 0, 2, 1)),
        );
        sets.insert((owner.clone(), RecordType::A), vec![a.clone()]);
        let sigs = sign_zone("example.com", DnssecMode::Signed, 1_800_000_000, &sets, 300);
        let RData::DNSSEC(DNSSECRData::DNSKEY(k)) = &keys[0].data else {
            panic!("not a DNSKEY");
        };
        let sig = sigs
            .iter()
            .find_map(|r| match &r.data {
                RData::DNSSEC(DNSSECRData::RRSIG(s)) if s.input().type_covered == RecordType::A => {
                    Some(s.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| panic!("no RRSIG over A in {sigs:?}"));
        assert!(
            k.verify_rrsig(&owner, DNSClass::IN, &sig, [a].iter())
                .is_ok()
        );
        assert!(sigs.iter().any(|r| r.record_type() == RecordType::NSEC));
    }
}
