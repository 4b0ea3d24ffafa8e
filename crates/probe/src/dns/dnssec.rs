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

#[cfg(test)]
mod tests {
    //! Against answers Knot DNS signed itself (`tests/fixtures/dnssec/`, with their provenance):
    //! keys, key tags, digests and ECDSA signatures nobody here computed.

    use std::str::FromStr;

    use hickory_proto::op::Message;

    use super::*;

    const KSK_DIGEST: &str = "5a9016f25b35c73cfb9af0aaeae8c47e6dc2e278efb663aed4969a504c804031";

    fn message(hex_text: &str) -> Message {
        let hex: String = hex_text.split_whitespace().collect();
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        Message::from_vec(&bytes).unwrap()
    }

    fn knot(soa: &Message, ds: &[DsRecord]) -> DnssecCheck {
        let dnskey = message(include_str!(
            "../../tests/fixtures/dnssec/knot-nsec3.com.dnskey.hex"
        ));
        check(
            "127.0.0.1".parse().unwrap(),
            &Name::from_str("Knot-NSEC3.com.").unwrap(),
            ds,
            Asked {
                outcome: &DnsOutcome::Answer,
                answers: &dnskey.answers,
            },
            Asked {
                outcome: &DnsOutcome::Answer,
                answers: &soa.answers,
            },
        )
    }

    fn soa() -> Message {
        message(include_str!(
            "../../tests/fixtures/dnssec/knot-nsec3.com.soa.hex"
        ))
    }

    fn ds(key_tag: u16, digest: &str) -> DsRecord {
        DsRecord {
            key_tag,
            algorithm: 13,
            digest_type: 2,
            digest: digest.into(),
        }
    }

    #[test]
    fn knot_keys_match_the_ds_computed_apart_and_its_signatures_verify() {
        // Upper-case hex, as some registries write it, is the same digest.
        let c = knot(&soa(), &[ds(35028, &KSK_DIGEST.to_ascii_uppercase())]);
        assert_eq!(c.ds.len(), 1);
        assert_eq!(c.ds[0].status, DsStatus::Matches, "{c:?}");
        let keys: Vec<(u16, u8, u16)> = c
            .keys
            .iter()
            .map(|k| (k.key_tag, k.algorithm, k.flags))
            .collect();
        assert_eq!(keys, [(35028, 13, 257), (59065, 13, 256)]);
        // Knot signs the DNSKEY set with the KSK, the SOA with the ZSK.
        let tags = |s: &[RrsigCheck]| -> Vec<(u16, bool)> {
            s.iter().map(|g| (g.key_tag, g.verified)).collect()
        };
        assert_eq!(tags(&c.dnskey.signatures), [(35028, true)], "{c:?}");
        assert_eq!(tags(&c.soa.signatures), [(59065, true)], "{c:?}");
        for g in c.dnskey.signatures.iter().chain(&c.soa.signatures) {
            assert!(g.note.is_empty(), "{g:?}");
            assert!(g.inception < g.expiration, "{g:?}");
            // Captured 2026-12-07 20:41 UTC: valid then, not a month later.
            let at = Timestamp::from_str("2026-12-07T21:00:00Z").unwrap();
            assert!(g.valid_at(at), "{g:?}");
            assert!(!g.valid_at(at + jiff::SignedDuration::from_hours(24 * 31)));
        }
    }

    #[test]
    fn a_wrong_digest_or_tag_and_a_changed_rrset_are_told_apart() {
        let c = knot(
            &soa(),
            &[
                ds(35028, &"0".repeat(64)),
                ds(4242, KSK_DIGEST),
                // The ZSK's tag with the KSK's digest: a key of that tag, another digest.
                ds(59065, KSK_DIGEST),
            ],
        );
        let status: Vec<DsStatus> = c.ds.iter().map(|d| d.status).collect();
        assert_eq!(
            status,
            [
                DsStatus::DigestDiffers,
                DsStatus::NoSuchKey,
                DsStatus::DigestDiffers
            ]
        );
        // One bit of the SOA serial (2026120701 = 0x78c425fd) changed after signing: the
        // signature no longer verifies.
        let mut bytes = soa().to_vec().unwrap();
        let serial = 2_026_120_701u32.to_be_bytes();
        let at = bytes
            .windows(4)
            .position(|w| w == serial)
            .expect("the serial is in the SOA answer");
        bytes[at + 3] ^= 1;
        let tampered = Message::from_vec(&bytes).unwrap();
        let c = knot(&tampered, &[ds(35028, KSK_DIGEST)]);
        assert_eq!(c.ds[0].status, DsStatus::Matches);
        assert_eq!(c.soa.signatures.len(), 1);
        assert!(!c.soa.signatures[0].verified, "{c:?}");
        assert!(!c.soa.signatures[0].note.is_empty());
        assert!(c.dnskey.signatures[0].verified);
    }
}
