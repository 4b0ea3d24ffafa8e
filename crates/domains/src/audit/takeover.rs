//! Subdomain takeover fingerprints (can-i-take-over-xyz, CC BY 4.0; see
//! `crates/domains/data/takeover/README.md`): which cloud services a CNAME target belongs to,
//! and what shows that the resource behind it is unclaimed (NXDOMAIN of the target, an HTTP
//! status, a string in the body).

use std::sync::OnceLock;

use serde::Deserialize;

const EMBEDDED: &str = include_str!("../../data/takeover/can-i-take-over-xyz-fingerprints.json");

/// One service of the table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Fingerprint {
    pub service: String,
    /// CNAME target suffixes (`s3.amazonaws.com`), lower-case.
    #[serde(default)]
    pub cname: Vec<String>,
    /// The body string that shows an unclaimed resource, or `NXDOMAIN`.
    #[serde(default)]
    pub fingerprint: String,
    /// Whether an NXDOMAIN of the target is the sign.
    #[serde(default)]
    pub nxdomain: bool,
    #[serde(default)]
    pub http_status: Option<u16>,
    /// `Vulnerable`, `Not vulnerable`, `Edge case`...
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub vulnerable: bool,
}

/// What was seen of a CNAME target, for [`Fingerprints::verdict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetState<'a> {
    /// The target's name does not exist.
    Nxdomain,
    /// An HTTP answer from the target: status and (bounded) body.
    Http { status: u16, body: &'a str },
    /// The target resolves; no HTTP answer was read.
    Resolves,
}

/// The verdict on one CNAME target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// A vulnerable service shows its "unclaimed" sign: anyone can take the name over.
    Takeover {
        service: &'a Fingerprint,
        evidence: String,
    },
    /// The target belongs to a service whose unclaimed resources cannot be taken over (or it
    /// shows no sign of being unclaimed).
    NotVulnerable { service: &'a Fingerprint },
    /// No service of the table.
    Unknown,
}

/// The fingerprint table.
#[derive(Debug, Clone)]
pub struct Fingerprints {
    entries: Vec<Fingerprint>,
}

/// The embedded table could not be read (a build defect; tested).
#[derive(Debug, thiserror::Error)]
#[error("takeover fingerprints: {0}")]
pub struct FingerprintError(String);

impl Fingerprints {
    /// Parses a table in the can-i-take-over-xyz `fingerprints.json` format.
    pub fn parse(json: &str) -> Result<Fingerprints, FingerprintError> {
        let mut entries: Vec<Fingerprint> =
            serde_json::from_str(json).map_err(|e| FingerprintError(e.to_string()))?;
        for e in &mut entries {
            for c in &mut e.cname {
                *c = c.trim().trim_matches('.').to_ascii_lowercase();
            }
            e.cname.retain(|c| !c.is_empty());
        }
        Ok(Fingerprints { entries })
    }

    /// The table shipped with domwatch.
    pub fn embedded() -> &'static Fingerprints {
        static TABLE: OnceLock<Fingerprints> = OnceLock::new();
        TABLE.get_or_init(|| {
            Fingerprints::parse(EMBEDDED).unwrap_or(Fingerprints {
                entries: Vec::new(),
            })
        })
    }

    pub fn entries(&self) -> &[Fingerprint] {
        &self.entries
    }

    /// The services whose CNAME patterns the target falls under (a pattern matches the target
    /// itself or a parent of it, on label boundaries). Vulnerable services first.
    pub fn services_for(&self, target: &str) -> Vec<&Fingerprint> {
        let t = target.trim_end_matches('.').to_ascii_lowercase();
        let mut out: Vec<&Fingerprint> = self
            .entries
            .iter()
            .filter(|e| {
                e.cname.iter().any(|c| {
                    t == *c
                        || (t.len() > c.len()
                            && t.ends_with(c.as_str())
                            && t.as_bytes()[t.len() - c.len() - 1] == b'.')
                })
            })
            .collect();
        out.sort_by_key(|e| !e.vulnerable);
        out
    }

    /// The verdict on a CNAME target from what was seen of it.
    pub fn verdict(&self, target: &str, state: TargetState<'_>) -> Verdict<'_> {
        let services = self.services_for(target);
        let Some(first) = services.first().copied() else {
            return Verdict::Unknown;
        };
        for s in services.iter().copied().filter(|s| s.vulnerable) {
            let evidence = match state {
                TargetState::Nxdomain if s.nxdomain => {
                    Some(format!("{target} does not exist (NXDOMAIN)"))
                }
                TargetState::Http { status, body } => {
                    let status_hit = s.http_status == Some(status);
                    let body_hit = !s.nxdomain
                        && s.fingerprint.len() >= 4
                        && body.contains(s.fingerprint.as_str());
                    (status_hit || body_hit).then(|| {
                        if body_hit {
                            format!("HTTP {status}, body contains {:?}", s.fingerprint)
                        } else {
                            format!("HTTP {status}")
                        }
                    })
                }
                _ => None,
            };
            if let Some(evidence) = evidence {
                return Verdict::Takeover {
                    service: s,
                    evidence,
                };
            }
        }
        Verdict::NotVulnerable { service: first }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_reads_whole() {
        let t = Fingerprints::embedded();
        assert_eq!(t.entries().len(), 76);
        assert!(t.entries().iter().filter(|e| e.vulnerable).count() >= 30);
    }

    #[test]
    fn s3_bucket_and_nxdomain_services() {
        let t = Fingerprints::embedded();
        let s3 = "assets.example.com.s3.amazonaws.com";
        match t.verdict(s3, TargetState::Http { status: 404, body: "<Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>" }) {
            Verdict::Takeover { service, evidence } => {
                assert_eq!(service.service, "AWS/S3");
                assert!(evidence.contains("bucket does not exist"), "{evidence}");
            }
            v => panic!("{v:?}"),
        }
        assert!(matches!(
            t.verdict(
                s3,
                TargetState::Http {
                    status: 200,
                    body: "hello"
                }
            ),
            Verdict::NotVulnerable { .. }
        ));
        match t.verdict(
            "myapp.eu-west-1.elasticbeanstalk.com",
            TargetState::Nxdomain,
        ) {
            Verdict::Takeover { service, .. } => {
                assert_eq!(service.service, "AWS/Elastic Beanstalk")
            }
            v => panic!("{v:?}"),
        }
        // ELB: NXDOMAIN of a load balancer name cannot be claimed.
        assert!(matches!(
            t.verdict("x.elb.amazonaws.com", TargetState::Nxdomain),
            Verdict::NotVulnerable { .. }
        ));
        // Label boundaries: nots3.amazonaws.com.evil is no S3 name.
        assert!(t.services_for("xs3.amazonaws.com").is_empty());
        assert!(matches!(
            t.verdict("www.example.net", TargetState::Nxdomain),
            Verdict::Unknown
        ));
    }

    #[test]
    fn hostile_tables_are_errors() {
        assert!(Fingerprints::parse("{").is_err());
        assert!(Fingerprints::parse("[{\"service\": 3}]").is_err());
        let t = Fingerprints::parse("[{\"service\":\"X\",\"cname\":[\" .\", \"X.Example.\"]}]")
            .unwrap();
        assert_eq!(t.entries()[0].cname, vec!["x.example"]);
    }
}
