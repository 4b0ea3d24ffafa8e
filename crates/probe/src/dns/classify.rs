//! Pure reading of DNS answers: the outcome of a response, DS RDATA, presentation format.

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinEncodable;

use domains::dns::DnsOutcome;
use domains::registration::DsRecord;

/// The longest presentation value kept.
pub const MAX_VALUE: usize = 1024;

/// Classifies a response to `qname`/`qtype`.
///
/// NOERROR with records of the type (or a CNAME) at the name is an answer; a non-authoritative
/// NOERROR with NS records in the authority section and no SOA is a referral; other NOERRORs are
/// no data. NXDOMAIN, SERVFAIL and REFUSED map to their own states; other rcodes are errors.
///
/// Every server the probe asks is supposed to be authoritative (it walks from the root), so an
/// NXDOMAIN without the AA bit is not believed: networks that intercept port 53 answer NXDOMAIN
/// for everything, and "does not exist" is the one answer a drop-catch check must never invent.
pub fn classify(m: &Message, qname: &Name, qtype: RecordType) -> DnsOutcome {
    match m.metadata.response_code {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain if m.metadata.authoritative => return DnsOutcome::NxDomain,
        ResponseCode::NXDomain => {
            return DnsOutcome::Error(
                "NXDOMAIN without AA (not authoritative: intercepted?)".into(),
            );
        }
        ResponseCode::ServFail => return DnsOutcome::ServFail,
        ResponseCode::Refused => return DnsOutcome::Refused,
        other => return DnsOutcome::Error(format!("rcode {other}")),
    }
    let q = qname.to_lowercase();
    let answered = m.answers.iter().any(|r| {
        r.name.to_lowercase() == q
            && (r.record_type() == qtype || r.record_type() == RecordType::CNAME)
    });
    if answered {
        return DnsOutcome::Answer;
    }
    let has_ns = m
        .authorities
        .iter()
        .any(|r| r.record_type() == RecordType::NS);
    let has_soa = m
        .authorities
        .iter()
        .any(|r| r.record_type() == RecordType::SOA);
    if !m.metadata.authoritative && has_ns && !has_soa {
        return DnsOutcome::Referral;
    }
    DnsOutcome::NoData
}

/// DS RDATA (RFC 4034 5.1): key tag, algorithm, digest type, digest.
pub fn ds_from_rdata(b: &[u8]) -> Option<DsRecord> {
    if b.len() < 5 {
        return None;
    }
    Some(DsRecord {
        key_tag: u16::from_be_bytes([b[0], b[1]]),
        algorithm: b[2],
        digest_type: b[3],
        digest: hex(&b[4..b.len().min(4 + 128)]),
    })
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

fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        s.push(T[(n >> 18) as usize & 63] as char);
        s.push(T[(n >> 12) as usize & 63] as char);
        s.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

/// DNSKEY RDATA (RFC 4034 2.1) in presentation format.
pub fn dnskey_presentation(b: &[u8]) -> Option<String> {
    if b.len() < 4 {
        return None;
    }
    let flags = u16::from_be_bytes([b[0], b[1]]);
    Some(format!("{flags} {} {} {}", b[2], b[3], base64(&b[4..])))
}

/// The wire RDATA of a record. DS and DNSKEY arrive as unknown RDATA while hickory's DNSSEC
/// features are off, as typed RDATA when another crate turns them on: both give the same bytes.
fn rdata_bytes(r: &Record) -> Option<Vec<u8>> {
    match &r.data {
        RData::Unknown { rdata, .. } => Some(rdata.anything.clone()),
        other => BinEncodable::to_bytes(other).ok(),
    }
}

/// A DS record's data, if `r` is one.
pub fn ds_of(r: &Record) -> Option<DsRecord> {
    if r.record_type() != RecordType::DS {
        return None;
    }
    ds_from_rdata(&rdata_bytes(r)?)
}

/// A record's RDATA in presentation format, clipped to [`MAX_VALUE`] characters.
pub fn present(r: &Record) -> String {
    let s = match r.record_type() {
        RecordType::DS => ds_of(r).map(|d| {
            format!(
                "{} {} {} {}",
                d.key_tag, d.algorithm, d.digest_type, d.digest
            )
        }),
        RecordType::DNSKEY => rdata_bytes(r).and_then(|b| dnskey_presentation(&b)),
        _ => None,
    }
    .unwrap_or_else(|| r.data.to_string());
    s.chars()
        .take(MAX_VALUE)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{MessageType, OpCode};
    use hickory_proto::rr::rdata::{A, NS, SOA};
    use proptest::prelude::*;
    use std::str::FromStr;

    fn n(s: &str) -> Name {
        Name::from_str(s).unwrap()
    }

    fn msg(rcode: ResponseCode, aa: bool) -> Message {
        let mut m = Message::new(1, MessageType::Response, OpCode::Query);
        m.metadata.response_code = rcode;
        m.metadata.authoritative = aa;
        m
    }

    #[test]
    fn outcomes() {
        let q = n("example.test.");
        assert_eq!(
            classify(&msg(ResponseCode::NXDomain, true), &q, RecordType::A),
            DnsOutcome::NxDomain
        );
        assert_eq!(
            classify(&msg(ResponseCode::ServFail, false), &q, RecordType::A),
            DnsOutcome::ServFail
        );
        assert_eq!(
            classify(&msg(ResponseCode::Refused, false), &q, RecordType::A),
            DnsOutcome::Refused
        );
        assert!(matches!(
            classify(&msg(ResponseCode::NotImp, false), &q, RecordType::A),
            DnsOutcome::Error(_)
        ));
        // An NXDOMAIN that no authoritative server vouches for is not believed.
        assert!(matches!(
            classify(&msg(ResponseCode::NXDomain, false), &q, RecordType::A),
            DnsOutcome::Error(_)
        ));
        let mut m = msg(ResponseCode::NoError, true);
        m.add_answer(Record::from_rdata(
            n("EXAMPLE.test."),
            300,
            RData::A(A::new(192, 0, 2, 1)),
        ));
        assert_eq!(classify(&m, &q, RecordType::A), DnsOutcome::Answer);
        assert_eq!(classify(&m, &q, RecordType::MX), DnsOutcome::NoData);
        let mut r = msg(ResponseCode::NoError, false);
        r.add_authority(Record::from_rdata(
            q.clone(),
            300,
            RData::NS(NS(n("ns1.example.net."))),
        ));
        assert_eq!(classify(&r, &q, RecordType::NS), DnsOutcome::Referral);
        let mut nodata = msg(ResponseCode::NoError, true);
        nodata.add_authority(Record::from_rdata(
            q.clone(),
            300,
            RData::SOA(SOA::new(
                n("ns1.example.test."),
                n("h.example.test."),
                7,
                1,
                1,
                1,
                1,
            )),
        ));
        assert_eq!(classify(&nodata, &q, RecordType::TXT), DnsOutcome::NoData);
    }

    #[test]
    fn ds_and_dnskey() {
        let ds = ds_from_rdata(&[0x01, 0x72, 13, 2, 0xbe, 0x74]).unwrap();
        assert_eq!((ds.key_tag, ds.algorithm, ds.digest_type), (370, 13, 2));
        assert_eq!(ds.digest, "be74");
        assert!(ds_from_rdata(&[1, 2, 3]).is_none());
        assert_eq!(
            dnskey_presentation(&[1, 1, 3, 13, b'M', b'a']).unwrap(),
            "257 3 13 TWE="
        );
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fo"), "Zm8=");
        let rec = Record::from_rdata(
            n("example.test."),
            60,
            RData::Unknown {
                code: RecordType::DS,
                rdata: hickory_proto::rr::rdata::NULL::with(vec![0x30, 0x39, 13, 2, 0xab]),
            },
        );
        let ds = ds_of(&rec).unwrap();
        assert_eq!((ds.key_tag, ds.digest.as_str()), (12345, "ab"));
        assert_eq!(present(&rec), "12345 13 2 ab");
    }

    proptest! {
        #[test]
        fn ds_never_panics(b in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Some(d) = ds_from_rdata(&b) {
                prop_assert!(d.digest.len() <= 256);
            }
            let _ = dnskey_presentation(&b);
        }

        #[test]
        fn classify_never_panics_on_wire_bytes(b in proptest::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(m) = Message::from_vec(&b) {
                let _ = classify(&m, &Name::root(), RecordType::A);
                for r in m.answers.iter().chain(m.authorities.iter()) {
                    prop_assert!(present(r).chars().count() <= MAX_VALUE);
                }
            }
        }
    }
}
