//! Coordination of a case: its parties (who can act and how to reach them), the notifications
//! sent to them and what became of each (sent, acknowledged, replied, escalated), and the
//! evidence collected (each answer as received, with its sha256). Every change is also an
//! event of the case's timeline. SQL written once for both backends ([`crate::sql`]).

use base64::Engine as _;
use domains::case::notify::{Party, PartyKind};
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::case::{CaseId, event};
use crate::sql::{Db, Row};
use crate::{Result, Store, StoreError, count_from_sql, count_to_sql, ts_from_sql, ts_to_sql};

/// A stored party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredParty {
    pub id: i64,
    pub case_id: CaseId,
    #[serde(flatten)]
    pub party: Party,
    pub added_at: Timestamp,
}

/// How a notification went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Sent over SMTP.
    Smtp,
    /// Written as an `.eml` file for review (and sending by hand).
    Eml,
}

impl Channel {
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Smtp => "smtp",
            Channel::Eml => "eml",
        }
    }
}

/// What became of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationState {
    Sent,
    /// The party confirmed receipt (a ticket number, an auto-reply).
    Acknowledged,
    /// The party answered (acted, refused, asked for more).
    Replied,
    /// The party did not act by the follow-up date: the next party was asked.
    Escalated,
}

impl NotificationState {
    pub fn as_str(&self) -> &'static str {
        match self {
            NotificationState::Sent => "sent",
            NotificationState::Acknowledged => "acknowledged",
            NotificationState::Replied => "replied",
            NotificationState::Escalated => "escalated",
        }
    }

    fn parse(s: &str) -> Option<NotificationState> {
        [
            NotificationState::Sent,
            NotificationState::Acknowledged,
            NotificationState::Replied,
            NotificationState::Escalated,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A notification to record (see [`Store::record_notification`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub case_id: CaseId,
    pub party_id: i64,
    pub sent_at: Timestamp,
    pub channel: Channel,
    /// The Message-ID, without angle brackets.
    pub message_id: String,
    pub subject: String,
    pub lang: String,
    pub follow_up_due: Timestamp,
    /// The `.eml` file written, for [`Channel::Eml`].
    pub location: Option<String>,
}

/// A stored notification, with its party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredNotification {
    pub id: i64,
    pub case_id: CaseId,
    pub party_id: i64,
    pub party_kind: PartyKind,
    pub contact: String,
    pub sent_at: Timestamp,
    pub channel: String,
    pub message_id: String,
    pub subject: String,
    pub lang: String,
    pub state: NotificationState,
    pub follow_up_due: Timestamp,
    pub answered_at: Option<Timestamp>,
    pub location: Option<String>,
}

/// A stored piece of evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEvidence {
    pub id: i64,
    pub case_id: CaseId,
    /// `rdap`, `whois`, `dns`, `http`, `reply`, ...
    pub kind: String,
    /// The server, URL or file it came from.
    pub source: String,
    pub content_type: String,
    /// Hex sha256 of the body as received.
    pub sha256: String,
    pub size: usize,
    pub taken_at: Timestamp,
    /// The body (only when asked for).
    #[serde(skip)]
    pub body: Option<Vec<u8>>,
}

/// The hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The largest evidence body stored (bigger bodies are cut, and the cut is in the source).
pub const MAX_EVIDENCE: usize = 4 * 1024 * 1024;

fn case_exists(db: &mut dyn Db, id: CaseId) -> Result<()> {
    db.row("SELECT 1 FROM abuse_case WHERE id = $1", &[id.0.into()])?
        .map(|_| ())
        .ok_or_else(|| StoreError::Refused(format!("no case {id}")))
}

fn decode_party(r: &Row) -> Result<StoredParty> {
    let kind = r.text(2)?;
    Ok(StoredParty {
        id: r.int(0)?,
        case_id: CaseId(r.int(1)?),
        party: Party {
            kind: PartyKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("party kind {kind:?}")))?,
            name: r.opt_text(3)?,
            contact: r.text(4)?,
            source: r.text(5)?,
        },
        added_at: ts_from_sql(&r.text(6)?)?,
    })
}

const NOTIFICATION_COLS: &str = "n.id, n.case_id, n.party_id, p.kind, p.contact, n.sent_at,
    n.channel, n.message_id, n.subject, n.lang, n.state, n.follow_up_due, n.answered_at,
    n.location";

fn decode_notification(r: &Row) -> Result<StoredNotification> {
    let kind = r.text(3)?;
    let state = r.text(10)?;
    Ok(StoredNotification {
        id: r.int(0)?,
        case_id: CaseId(r.int(1)?),
        party_id: r.int(2)?,
        party_kind: PartyKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("party kind {kind:?}")))?,
        contact: r.text(4)?,
        sent_at: ts_from_sql(&r.text(5)?)?,
        channel: r.text(6)?,
        message_id: r.text(7)?,
        subject: r.text(8)?,
        lang: r.text(9)?,
        state: NotificationState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("notification state {state:?}")))?,
        follow_up_due: ts_from_sql(&r.text(11)?)?,
        answered_at: r.opt_text(12)?.as_deref().map(ts_from_sql).transpose()?,
        location: r.opt_text(13)?,
    })
}

impl Store {
    /// Adds a party to a case (idempotent: the same kind and contact is the same party; its
    /// name is filled in when it was unknown). Returns the party and whether it is new.
    pub fn add_party(
        &mut self,
        case: CaseId,
        party: &Party,
        actor: &str,
        now: Timestamp,
    ) -> Result<(StoredParty, bool)> {
        let party = party.clone();
        let actor = actor.to_string();
        let now = ts_to_sql(now);
        self.tx(move |db| {
            case_exists(db, case)?;
            let n = db.exec(
                "INSERT INTO case_party (case_id, kind, name, contact, source, added_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (case_id, kind, contact) DO NOTHING",
                &[
                    case.0.into(),
                    party.kind.as_str().into(),
                    party.name.clone().into(),
                    party.contact.as_str().into(),
                    party.source.as_str().into(),
                    now.as_str().into(),
                ],
            )?;
            if n > 0 {
                let name = party.name.as_deref().unwrap_or("-");
                event(
                    db,
                    case.0,
                    &now,
                    &actor,
                    "party",
                    &format!(
                        "{}: {name} <{}> (from {})",
                        party.kind, party.contact, party.source
                    ),
                )?;
            } else if party.name.is_some() {
                db.exec(
                    "UPDATE case_party SET name = $4
                     WHERE case_id = $1 AND kind = $2 AND contact = $3 AND name IS NULL",
                    &[
                        case.0.into(),
                        party.kind.as_str().into(),
                        party.contact.as_str().into(),
                        party.name.clone().into(),
                    ],
                )?;
            }
            let row = db
                .row(
                    "SELECT id, case_id, kind, name, contact, source, added_at FROM case_party
                     WHERE case_id = $1 AND kind = $2 AND contact = $3",
                    &[
                        case.0.into(),
                        party.kind.as_str().into(),
                        party.contact.as_str().into(),
                    ],
                )?
                .ok_or_else(|| StoreError::Corrupt("party vanished".into()))?;
            Ok((decode_party(&row)?, n > 0))
        })
    }

    /// A case's parties, in the order they were added.
    pub fn case_parties(&self, case: CaseId) -> Result<Vec<StoredParty>> {
        self.read(move |db| {
            db.rows(
                "SELECT id, case_id, kind, name, contact, source, added_at FROM case_party
                 WHERE case_id = $1 ORDER BY id",
                &[case.0.into()],
            )?
            .iter()
            .map(decode_party)
            .collect()
        })
    }

    /// Stores a piece of evidence (idempotent: the same kind and body is stored once; bodies
    /// over [`MAX_EVIDENCE`] are cut). Returns the evidence and whether it is new.
    #[allow(clippy::too_many_arguments)]
    pub fn add_evidence(
        &mut self,
        case: CaseId,
        kind: &str,
        source: &str,
        content_type: &str,
        body: &[u8],
        taken_at: Timestamp,
        actor: &str,
    ) -> Result<(StoredEvidence, bool)> {
        let body = &body[..body.len().min(MAX_EVIDENCE)];
        let sha = sha256_hex(body);
        let b64 = base64::engine::general_purpose::STANDARD.encode(body);
        let size = body.len();
        let (kind, source, content_type, actor) = (
            kind.to_string(),
            source.to_string(),
            content_type.to_string(),
            actor.to_string(),
        );
        let at = ts_to_sql(taken_at);
        self.tx(move |db| {
            case_exists(db, case)?;
            let n = db.exec(
                "INSERT INTO case_evidence (case_id, kind, source, content_type, sha256, size,
                     body_base64, taken_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (case_id, kind, sha256) DO NOTHING",
                &[
                    case.0.into(),
                    kind.as_str().into(),
                    source.as_str().into(),
                    content_type.as_str().into(),
                    sha.as_str().into(),
                    count_to_sql(size).into(),
                    b64.as_str().into(),
                    at.as_str().into(),
                ],
            )?;
            if n > 0 {
                event(
                    db,
                    case.0,
                    &at,
                    &actor,
                    "evidence",
                    &format!("{kind} from {source}: {size} bytes, sha256 {sha}"),
                )?;
            }
            let row = db
                .row(
                    "SELECT id, case_id, kind, source, content_type, sha256, size, taken_at
                     FROM case_evidence WHERE case_id = $1 AND kind = $2 AND sha256 = $3",
                    &[case.0.into(), kind.as_str().into(), sha.as_str().into()],
                )?
                .ok_or_else(|| StoreError::Corrupt("evidence vanished".into()))?;
            Ok((decode_evidence(&row, None)?, n > 0))
        })
    }

    /// One piece of a case's evidence with its body (a download), or `None`.
    pub fn evidence_item(&self, case: CaseId, id: i64) -> Result<Option<StoredEvidence>> {
        self.read(move |db| {
            let Some(r) = db.row(
                "SELECT id, case_id, kind, source, content_type, sha256, size, taken_at,
                        body_base64
                 FROM case_evidence WHERE case_id = $1 AND id = $2",
                &[case.0.into(), id.into()],
            )?
            else {
                return Ok(None);
            };
            let body = base64::engine::general_purpose::STANDARD
                .decode(r.text(8)?.as_bytes())
                .map_err(|e| StoreError::Corrupt(format!("evidence body: {e}")))?;
            decode_evidence(&r, Some(body)).map(Some)
        })
    }

    /// A case's evidence, oldest first; with the bodies when `bodies`.
    pub fn case_evidence(&self, case: CaseId, bodies: bool) -> Result<Vec<StoredEvidence>> {
        self.read(move |db| {
            let rows = db.rows(
                "SELECT id, case_id, kind, source, content_type, sha256, size, taken_at,
                        body_base64
                 FROM case_evidence WHERE case_id = $1 ORDER BY taken_at, id",
                &[case.0.into()],
            )?;
            rows.iter()
                .map(|r| {
                    let body = if bodies {
                        let b = r.text(8)?;
                        Some(
                            base64::engine::general_purpose::STANDARD
                                .decode(b.as_bytes())
                                .map_err(|e| StoreError::Corrupt(format!("evidence body: {e}")))?,
                        )
                    } else {
                        None
                    };
                    decode_evidence(r, body)
                })
                .collect()
        })
    }

    /// Records a notification that went out; the case moves to `to_state` (when given and
    /// different), and earlier notifications still waiting become `escalated` when
    /// `escalates`. One transaction: timeline events included.
    pub fn record_notification(
        &mut self,
        n: &NewNotification,
        to_state: Option<domains::case::CaseState>,
        escalates: bool,
        actor: &str,
    ) -> Result<StoredNotification> {
        let n = n.clone();
        let actor = actor.to_string();
        self.tx(move |db| {
            let party = db
                .row(
                    "SELECT kind, contact FROM case_party WHERE id = $1 AND case_id = $2",
                    &[n.party_id.into(), n.case_id.0.into()],
                )?
                .ok_or_else(|| {
                    StoreError::Refused(format!("no party {} in case {}", n.party_id, n.case_id))
                })?;
            let at = ts_to_sql(n.sent_at);
            if escalates {
                db.exec(
                    "UPDATE notification SET state = 'escalated'
                     WHERE case_id = $1 AND state IN ('sent', 'acknowledged')",
                    &[n.case_id.0.into()],
                )?;
            }
            let id = db
                .row(
                    "INSERT INTO notification (case_id, party_id, sent_at, channel, message_id,
                         subject, lang, state, follow_up_due, location)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'sent', $8, $9) RETURNING id",
                    &[
                        n.case_id.0.into(),
                        n.party_id.into(),
                        at.as_str().into(),
                        n.channel.as_str().into(),
                        n.message_id.as_str().into(),
                        n.subject.as_str().into(),
                        n.lang.as_str().into(),
                        ts_to_sql(n.follow_up_due).into(),
                        n.location.clone().into(),
                    ],
                )?
                .ok_or_else(|| StoreError::Corrupt("INSERT returned no id".into()))?
                .int(0)?;
            let how = match n.channel {
                Channel::Smtp => "sent".to_string(),
                Channel::Eml => format!(
                    "written to {}",
                    n.location.as_deref().unwrap_or("an .eml file")
                ),
            };
            event(
                db,
                n.case_id.0,
                &at,
                &actor,
                "notified",
                &format!(
                    "{} <{}> {how} (Message-ID <{}>, follow-up due {})",
                    party.text(0)?,
                    party.text(1)?,
                    n.message_id,
                    ts_to_sql(n.follow_up_due)
                ),
            )?;
            if let Some(to) = to_state {
                let cur = db
                    .row(
                        "SELECT state FROM abuse_case WHERE id = $1",
                        &[n.case_id.0.into()],
                    )?
                    .ok_or_else(|| StoreError::Refused(format!("no case {}", n.case_id)))?
                    .text(0)?;
                if cur != to.as_str() && cur != "closed" && cur != "mitigated" {
                    db.exec(
                        "UPDATE abuse_case SET state = $2, updated_at = $3 WHERE id = $1",
                        &[n.case_id.0.into(), to.as_str().into(), at.as_str().into()],
                    )?;
                    event(
                        db,
                        n.case_id.0,
                        &at,
                        &actor,
                        "state",
                        &format!("{cur} -> {to}"),
                    )?;
                }
            }
            db.row(
                &format!(
                    "SELECT {NOTIFICATION_COLS} FROM notification n
                     JOIN case_party p ON p.id = n.party_id WHERE n.id = $1"
                ),
                &[id.into()],
            )?
            .map(|r| decode_notification(&r))
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt("notification vanished".into()))
        })
    }

    /// A case's notifications, oldest first.
    pub fn notifications(&self, case: CaseId) -> Result<Vec<StoredNotification>> {
        self.read(move |db| {
            db.rows(
                &format!(
                    "SELECT {NOTIFICATION_COLS} FROM notification n
                     JOIN case_party p ON p.id = n.party_id
                     WHERE n.case_id = $1 ORDER BY n.sent_at, n.id"
                ),
                &[case.0.into()],
            )?
            .iter()
            .map(decode_notification)
            .collect()
        })
    }

    /// The notification sent with this Message-ID (angle brackets optional).
    pub fn notification_by_message_id(&self, mid: &str) -> Result<Option<StoredNotification>> {
        let mid = mid
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_string();
        self.read(move |db| {
            db.row(
                &format!(
                    "SELECT {NOTIFICATION_COLS} FROM notification n
                     JOIN case_party p ON p.id = n.party_id WHERE n.message_id = $1"
                ),
                &[mid.as_str().into()],
            )?
            .map(|r| decode_notification(&r))
            .transpose()
        })
    }

    /// Records an answer to a notification: `acknowledged` or `replied` (a later reply
    /// upgrades an acknowledgement, never the reverse; an escalated notification stays
    /// escalated). The reply's summary is a timeline event.
    pub fn answer_notification(
        &mut self,
        id: i64,
        state: NotificationState,
        at: Timestamp,
        summary: &str,
        actor: &str,
    ) -> Result<StoredNotification> {
        let summary = summary.to_string();
        let actor = actor.to_string();
        let at = ts_to_sql(at);
        self.tx(move |db| {
            let cur = db
                .row(
                    &format!(
                        "SELECT {NOTIFICATION_COLS} FROM notification n
                         JOIN case_party p ON p.id = n.party_id WHERE n.id = $1"
                    ),
                    &[id.into()],
                )?
                .map(|r| decode_notification(&r))
                .transpose()?
                .ok_or_else(|| StoreError::Refused(format!("no notification {id}")))?;
            let new = if cur.state == NotificationState::Escalated {
                cur.state
            } else {
                cur.state.max(state)
            };
            db.exec(
                "UPDATE notification SET state = $2, answered_at = COALESCE(answered_at, $3)
                 WHERE id = $1",
                &[id.into(), new.as_str().into(), at.as_str().into()],
            )?;
            event(
                db,
                cur.case_id.0,
                &at,
                &actor,
                "reply",
                &format!(
                    "{} <{}> {}: {summary}",
                    cur.party_kind,
                    cur.contact,
                    state.as_str()
                ),
            )?;
            db.row(
                &format!(
                    "SELECT {NOTIFICATION_COLS} FROM notification n
                     JOIN case_party p ON p.id = n.party_id WHERE n.id = $1"
                ),
                &[id.into()],
            )?
            .map(|r| decode_notification(&r))
            .transpose()?
            .ok_or_else(|| StoreError::Corrupt("notification vanished".into()))
        })
    }

    /// Records when the case's domain was created (from its registration), if not known yet.
    pub fn set_domain_created(&mut self, case: CaseId, created: Timestamp) -> Result<()> {
        let created = ts_to_sql(created);
        self.tx(move |db| {
            db.exec(
                "UPDATE abuse_case SET domain_created = $2
                 WHERE id = $1 AND domain_created IS NULL",
                &[case.0.into(), created.as_str().into()],
            )?;
            Ok(())
        })
    }

    /// Records what a check saw (the `domains` report's current status).
    pub fn record_case_observation(
        &mut self,
        case: CaseId,
        observed: &str,
        statuses: &[String],
        at: Timestamp,
    ) -> Result<()> {
        let (observed, statuses) = (observed.to_string(), statuses.join(","));
        let at = ts_to_sql(at);
        self.tx(move |db| {
            db.exec(
                "UPDATE abuse_case SET observed = $2, observed_status = $3, observed_at = $4
                 WHERE id = $1",
                &[
                    case.0.into(),
                    observed.as_str().into(),
                    statuses.as_str().into(),
                    at.as_str().into(),
                ],
            )?;
            Ok(())
        })
    }

    /// Adds a timeline event (an observation, a check that changed nothing worth a state).
    pub fn case_note(
        &mut self,
        case: CaseId,
        kind: &str,
        detail: &str,
        actor: &str,
        at: Timestamp,
    ) -> Result<()> {
        let (kind, detail, actor) = (kind.to_string(), detail.to_string(), actor.to_string());
        let at = ts_to_sql(at);
        self.tx(move |db| {
            case_exists(db, case)?;
            event(db, case.0, &at, &actor, &kind, &detail)
        })
    }
}

fn decode_evidence(r: &Row, body: Option<Vec<u8>>) -> Result<StoredEvidence> {
    Ok(StoredEvidence {
        id: r.int(0)?,
        case_id: CaseId(r.int(1)?),
        kind: r.text(2)?,
        source: r.text(3)?,
        content_type: r.text(4)?,
        sha256: r.text(5)?,
        size: count_from_sql(r.int(6)?),
        taken_at: ts_from_sql(&r.text(7)?)?,
        body,
    })
}
