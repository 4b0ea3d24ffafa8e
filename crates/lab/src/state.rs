//! The state of the simulated world at a lab day: a pure function of the scenario, the day and
//! the actions abuse desks took so far.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Serialize;

use crate::dnssec::{DnssecMode, ds_records};
use crate::scenario::{DomainDef, Ds, EventKind, Scenario};

/// Where a registration is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Active,
    AutoRenewPeriod,
    RedemptionPeriod,
    PendingDelete,
    Deleted,
}

/// An action an abuse desk took on a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DeskActionTaken {
    pub day: i64,
    pub domain: String,
    pub kind: TakenKind,
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum TakenKind {
    ServerHold,
    ClientHold,
    Delete,
    ZoneRemoved,
}

/// The registration and DNS hosting state of one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DomainState {
    pub name: String,
    pub registry: String,
    pub registrar: String,
    pub registered: Date,
    pub expires: Date,
    pub last_changed: Date,
    pub transferred: Option<Date>,
    /// EPP statuses (camelCase), life-cycle statuses included.
    pub epp: Vec<String>,
    pub nameservers: Vec<String>,
    pub records: Vec<String>,
    /// The DS records at the parent: the scenario's own and those computed from the lab's keys.
    pub ds: Vec<Ds>,
    /// How the zone is signed.
    pub dnssec: DnssecMode,
    pub registrant: String,
    pub registrant_email: String,
    /// Hosters that do not serve the zone although listed in NS.
    pub lame_at: BTreeSet<String>,
    pub phase: Phase,
}

impl DomainState {
    /// Whether the registry has the registration.
    pub fn exists(&self) -> bool {
        self.phase != Phase::Deleted
    }

    /// Whether the registry publishes the delegation in its zone.
    pub fn in_zone(&self) -> bool {
        matches!(self.phase, Phase::Active | Phase::AutoRenewPeriod)
            && !self
                .epp
                .iter()
                .any(|s| s == "serverHold" || s == "clientHold")
    }
}

/// The date of lab day `day`.
pub(crate) fn date_of(s: &Scenario, day: i64) -> Date {
    add_days(s.scenario.start, day)
}

pub(crate) fn add_days(d: Date, days: i64) -> Date {
    d.checked_add(jiff::Span::new().days(days.clamp(-3_000_000, 3_000_000)))
        .unwrap_or(d)
}

fn add_year(d: Date) -> Date {
    d.checked_add(jiff::Span::new().years(1)).unwrap_or(d)
}

fn days_between(a: Date, b: Date) -> i64 {
    // b - a in days
    a.until(b).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

/// The state of every domain of the scenario at `day`.
pub(crate) fn world(
    s: &Scenario,
    day: i64,
    actions: &[DeskActionTaken],
) -> BTreeMap<String, DomainState> {
    s.domains
        .iter()
        .filter_map(|d| state_of(s, d, day, actions).map(|st| (d.name.clone(), st)))
        .collect()
}

/// The state of one domain at `day`.
pub(crate) fn domain_state(
    s: &Scenario,
    name: &str,
    day: i64,
    actions: &[DeskActionTaken],
) -> Option<DomainState> {
    state_of(s, s.domain(name)?, day, actions)
}

/// The state of the domain `def` at `day` (no look-up by name: [`world`] over a large
/// scenario stays linear).
fn state_of(
    s: &Scenario,
    def: &DomainDef,
    day: i64,
    actions: &[DeskActionTaken],
) -> Option<DomainState> {
    let registry = s.registry_for(&def.name)?;
    let today = date_of(s, day);
    let mut st = DomainState {
        name: def.name.clone(),
        registry: registry.id.clone(),
        registrar: def.registrar.clone(),
        registered: def.registered,
        expires: def.expires,
        last_changed: def.registered.max(add_days(s.scenario.start, -30)),
        transferred: None,
        epp: def.status.clone(),
        nameservers: def.nameservers.clone(),
        records: def.records.clone(),
        ds: def.ds.clone(),
        dnssec: def.dnssec,
        registrant: def.registrant.clone(),
        registrant_email: def.registrant_email.clone(),
        lame_at: def.lame_at.iter().cloned().collect(),
        phase: Phase::Active,
    };
    if st.last_changed > today {
        st.last_changed = st.registered;
    }
    let mut renew = def.renew;
    let mut deleted = false;
    // The computed DS is published until a transfer removes it (the new operator's zone is not
    // signed) or the name is registered again.
    let mut publish_ds = true;

    // Scenario events and desk actions, in day order (scenario events first on a day).
    let mut steps: Vec<(i64, u8, usize)> = def
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.day <= day)
        .map(|(i, e)| (e.day, 0, i))
        .collect();
    steps.extend(
        actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.domain == def.name && a.day <= day)
            .map(|(i, a)| (a.day, 1, i)),
    );
    steps.sort();
    for (eday, src, i) in steps {
        let date = date_of(s, eday);
        if src == 1 {
            let Some(a) = actions.get(i) else { continue };
            if deleted {
                continue;
            }
            match a.kind {
                TakenKind::ServerHold => push_status(&mut st.epp, "serverHold"),
                TakenKind::ClientHold => push_status(&mut st.epp, "clientHold"),
                TakenKind::Delete => deleted = true,
                TakenKind::ZoneRemoved => {
                    st.lame_at.insert(a.by.clone());
                }
            }
            st.last_changed = date;
            continue;
        }
        let Some(e) = def.events.get(i) else { continue };
        match e.kind {
            EventKind::Transfer => {
                if let Some(r) = &e.registrar {
                    st.registrar = r.clone();
                }
                st.transferred = Some(date);
                if e.remove_locks {
                    st.epp
                        .retain(|x| !(x.starts_with("client") && x.ends_with("Prohibited")));
                }
                if e.remove_ds {
                    st.ds.clear();
                    st.dnssec = DnssecMode::Unsigned;
                    publish_ds = false;
                }
            }
            EventKind::Reregister => {
                if let Some(r) = &e.registrar {
                    st.registrar = r.clone();
                }
                st.registered = date;
                st.expires = add_year(date);
                st.transferred = None;
                st.epp.clear();
                st.ds.clear();
                st.dnssec = DnssecMode::Unsigned;
                publish_ds = false;
                st.lame_at.clear();
                renew = true;
                deleted = false;
            }
            EventKind::ZoneLost => {
                if let Some(h) = &e.hoster {
                    st.lame_at.insert(h.clone());
                }
            }
            EventKind::Suspend => push_status(&mut st.epp, "serverHold"),
            EventKind::Update => {}
            EventKind::Delete => deleted = true,
        }
        if let Some(ns) = &e.nameservers {
            st.nameservers = ns.clone();
        }
        if let Some(r) = &e.records {
            st.records = r.clone();
        }
        if let Some(stat) = &e.status {
            st.epp = stat.clone();
        }
        if let Some(r) = &e.registrant {
            st.registrant = r.clone();
        }
        if let Some(m) = e.dnssec {
            st.dnssec = m;
            publish_ds = true;
        }
        if e.kind != EventKind::ZoneLost {
            st.last_changed = date;
        }
    }

    if publish_ds {
        for ds in ds_records(&st.name, st.dnssec) {
            if !st.ds.contains(&ds) {
                st.ds.push(ds);
            }
        }
    }
    if today < st.registered {
        st.phase = Phase::Deleted;
        return Some(st);
    }
    if deleted {
        st.phase = Phase::Deleted;
        return Some(st);
    }
    if renew {
        // Auto-renewed by the registrar every year.
        let mut guard = 0;
        while st.expires <= today && guard < 200 {
            st.expires = add_year(st.expires);
            guard += 1;
        }
    } else {
        let since = days_between(st.expires, today);
        if since >= 0 {
            let arp = registry.auto_renew_days;
            let red = registry.redemption_days;
            let pd = registry.pending_delete_days;
            if since < arp {
                st.phase = Phase::AutoRenewPeriod;
                push_status(&mut st.epp, "autoRenewPeriod");
            } else if since < arp + red {
                st.phase = Phase::RedemptionPeriod;
                push_status(&mut st.epp, "redemptionPeriod");
                push_status(&mut st.epp, "pendingDelete");
                st.last_changed = add_days(st.expires, arp);
            } else if since < arp + red + pd {
                st.phase = Phase::PendingDelete;
                st.epp.retain(|x| x != "redemptionPeriod");
                push_status(&mut st.epp, "pendingDelete");
                st.last_changed = add_days(st.expires, arp + red);
            } else {
                st.phase = Phase::Deleted;
            }
        }
    }
    if st.epp.is_empty() {
        st.epp.push("ok".into());
    }
    Some(st)
}

fn push_status(v: &mut Vec<String>, s: &str) {
    v.retain(|x| x != "ok");
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// EPP status (camelCase) to RDAP spelling (RFC 8056): `clientTransferProhibited` ->
/// `client transfer prohibited`, `ok` -> `active`.
pub(crate) fn rdap_status(epp: &str) -> String {
    if epp == "ok" {
        return "active".into();
    }
    let mut out = String::with_capacity(epp.len() + 4);
    for c in epp.chars() {
        if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// One thing that happened while the clock moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedEvent {
    pub day: i64,
    pub date: String,
    pub domain: String,
    pub kind: String,
    pub detail: String,
}

/// An event's kind as the scenario file spells it, and its detail (the note, else the
/// registrar or hoster it moves to).
fn kind_and_detail(e: &crate::scenario::Event) -> (String, String) {
    let kind = serde_json::to_value(e.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let detail = if e.note.is_empty() {
        e.registrar
            .clone()
            .or_else(|| e.hoster.clone())
            .unwrap_or_default()
    } else {
        e.note.clone()
    };
    (kind, detail)
}

/// What changed between `from` (exclusive) and `to` (inclusive), in day order (per day in
/// scenario order; per domain its events, then desk actions, then a phase change).
///
/// The work is proportional to the events due, not to days x domains: a domain is followed day
/// by day only when it has an event or a desk action in the range, or its phase or expiry date
/// differs between `from` and `to` (without events both only move forward: a lapse runs through
/// its phases once, an auto-renewal moves the expiry date on), so every other domain costs two
/// state computations.
pub(crate) fn events_between(
    s: &Scenario,
    from: i64,
    to: i64,
    actions: &[DeskActionTaken],
) -> Vec<AppliedEvent> {
    if to <= from {
        return Vec::new();
    }
    let in_range = |day: i64| day > from && day <= to;
    // (day, domain index, kind order, sequence) -> event
    let mut out: Vec<((i64, usize, u8, usize), AppliedEvent)> = Vec::new();
    let date = |day: i64| date_of(s, day).to_string();
    let mut acted: BTreeSet<&str> = BTreeSet::new();
    for a in actions.iter().filter(|a| in_range(a.day)) {
        acted.insert(a.domain.as_str());
    }
    for (di, def) in s.domains.iter().enumerate() {
        for (i, e) in def
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| in_range(e.day))
        {
            let (kind, detail) = kind_and_detail(e);
            out.push((
                (e.day, di, 0, i),
                AppliedEvent {
                    day: e.day,
                    date: date(e.day),
                    domain: def.name.clone(),
                    kind,
                    detail,
                },
            ));
        }
        for (i, a) in actions
            .iter()
            .enumerate()
            .filter(|(_, a)| in_range(a.day) && a.domain == def.name)
        {
            out.push((
                (a.day, di, 1, i),
                AppliedEvent {
                    day: a.day,
                    date: date(a.day),
                    domain: def.name.clone(),
                    kind: format!("{:?}", a.kind).to_ascii_lowercase(),
                    detail: format!("abuse desk of {}", a.by),
                },
            ));
        }
        // Phase changes and renewals.
        let Some(mut prev) = state_of(s, def, from, actions) else {
            continue;
        };
        let has_events =
            def.events.iter().any(|e| in_range(e.day)) || acted.contains(def.name.as_str());
        if !has_events {
            let Some(end) = state_of(s, def, to, actions) else {
                continue;
            };
            if end.phase == prev.phase && end.expires == prev.expires {
                continue;
            }
        }
        for day in (from + 1)..=to {
            let Some(cur) = state_of(s, def, day, actions) else {
                continue;
            };
            if prev.phase != cur.phase || prev.expires != cur.expires && cur.phase == Phase::Active
            {
                let kind = if prev.phase == cur.phase {
                    "renewed".to_string()
                } else {
                    serde_json::to_value(cur.phase)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                };
                out.push((
                    (day, di, 2, 0),
                    AppliedEvent {
                        day,
                        date: date(day),
                        domain: def.name.clone(),
                        kind,
                        detail: format!("expires {}", cur.expires),
                    },
                ));
            }
            prev = cur;
        }
    }
    out.sort_by_key(|(k, _)| *k);
    out.into_iter().map(|(_, e)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward version (every domain, every day), to compare with.
    fn events_between_day_by_day(
        s: &Scenario,
        from: i64,
        to: i64,
        actions: &[DeskActionTaken],
    ) -> Vec<AppliedEvent> {
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        let mut prev = world(s, from, actions);
        for day in (from + 1)..=to {
            let cur = world(s, day, actions);
            let date = date_of(s, day).to_string();
            for def in &s.domains {
                for e in def.events.iter().filter(|e| e.day == day) {
                    let (kind, detail) = kind_and_detail(e);
                    out.push(AppliedEvent {
                        day,
                        date: date.clone(),
                        domain: def.name.clone(),
                        kind,
                        detail,
                    });
                }
                for a in actions
                    .iter()
                    .filter(|a| a.day == day && a.domain == def.name)
                {
                    out.push(AppliedEvent {
                        day,
                        date: date.clone(),
                        domain: def.name.clone(),
                        kind: format!("{:?}", a.kind).to_ascii_lowercase(),
                        detail: format!("abuse desk of {}", a.by),
                    });
                }
                if let (Some(p), Some(c)) = (prev.get(&def.name), cur.get(&def.name))
                    && (p.phase != c.phase || p.expires != c.expires && c.phase == Phase::Active)
                {
                    let kind = if p.phase == c.phase {
                        "renewed".to_string()
                    } else {
                        serde_json::to_value(c.phase)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    };
                    out.push(AppliedEvent {
                        day,
                        date: date.clone(),
                        domain: def.name.clone(),
                        kind,
                        detail: format!("expires {}", c.expires),
                    });
                }
            }
            prev = cur;
        }
        out
    }

    #[test]
    fn events_between_matches_the_day_by_day_walk() {
        let s = Scenario::builtin("default").unwrap();
        let actions = vec![
            DeskActionTaken {
                day: 3,
                domain: s.domains[0].name.clone(),
                kind: TakenKind::ServerHold,
                by: "desk".into(),
            },
            DeskActionTaken {
                day: 40,
                domain: s.domains[2].name.clone(),
                kind: TakenKind::Delete,
                by: "desk".into(),
            },
        ];
        for acts in [&[][..], &actions[..]] {
            for (from, to) in [
                (0, 1),
                (0, 13),
                (2, 3),
                (0, 120),
                (5, 400),
                (0, 1200),
                (7, 7),
            ] {
                let fast = events_between(&s, from, to, acts);
                let slow = events_between_day_by_day(&s, from, to, acts);
                assert_eq!(fast, slow, "{from}..{to}");
            }
        }
        // Not vacuous: the default scenario has events, lapses and renewals in its first year.
        let year = events_between(&s, 0, 400, &actions);
        for kind in ["transfer", "renewed", "serverhold", "delete"] {
            assert!(year.iter().any(|e| e.kind == kind), "{kind}: {year:?}");
        }
    }

    #[test]
    fn status_spelling() {
        assert_eq!(
            rdap_status("clientTransferProhibited"),
            "client transfer prohibited"
        );
        assert_eq!(rdap_status("ok"), "active");
        assert_eq!(rdap_status("serverHold"), "server hold");
    }
}
