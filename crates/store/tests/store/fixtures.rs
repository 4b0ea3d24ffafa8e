use domains::DomainName;
use domains::registration::{
    EppStatus, Event, EventAction, LifecyclePhase, RegDate, Registrar, RegistrationRecord,
    SourceKind,
};
use domains::snapshot::{ProbeIssue, Snapshot};
use jiff::Timestamp;

pub fn name(s: &str) -> DomainName {
    DomainName::parse(s).unwrap()
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn day(d: i64) -> Timestamp {
    Timestamp::from_second(ts("2026-06-01T00:00:00Z").as_second() + d * 86_400).unwrap()
}

/// A snapshot of `domain` at day `d` with a registrar and statuses.
pub fn snap(domain: &str, d: i64, registrar: &str, locked: bool) -> Snapshot {
    let dn = name(domain);
    let mut rec = RegistrationRecord::new(dn.clone(), SourceKind::Rdap, "https://rdap.test/");
    rec.registrar = Some(Registrar {
        name: Some(registrar.into()),
        ..Registrar::default()
    });
    if locked {
        rec.statuses.push(EppStatus::ClientTransferProhibited);
    }
    rec.events.push(Event {
        action: EventAction::Expiration,
        date: RegDate::utc(ts("2030-01-01T00:00:00Z")),
    });
    Snapshot {
        domain: dn,
        taken_at: day(d),
        registry: Some(rec),
        registrar: None,
        dns: None,
        phase: LifecyclePhase::Active,
        issues: vec![],
    }
}

pub fn partial(mut s: Snapshot) -> Snapshot {
    s.issues.push(ProbeIssue {
        source: "dns".into(),
        message: "timeout".into(),
    });
    s
}

/// A database to run a store test on: SQLite always, PostgreSQL when `DOMWATCH_TEST_PG` names
/// a server (an admin URL; `.ci/run` starts one). Each PostgreSQL test gets a fresh database.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres(Box<store::PgTarget>, String),
}

impl TestDb {
    /// Opens (or reopens: a new process would) the store.
    pub fn open(&self) -> store::Store {
        self.try_open().unwrap()
    }

    pub fn try_open(&self) -> store::Result<store::Store> {
        match self {
            TestDb::Sqlite(dir) => store::Store::open(&dir.path().join("d.db")),
            TestDb::Postgres(t, _) => store::Store::open_postgres(t),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            TestDb::Sqlite(_) => "sqlite",
            TestDb::Postgres(..) => "postgres",
        }
    }
}

/// A fresh PostgreSQL database on the test server, or `None` without one.
pub fn fresh_pg() -> Option<TestDb> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let admin = std::env::var("DOMWATCH_TEST_PG").ok()?;
    let db = format!(
        "store_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        Timestamp::now().as_millisecond()
    );
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    let url = format!("{base}/{db}");
    Some(TestDb::Postgres(
        Box::new(store::PgTarget::parse(&url, |_| None).unwrap()),
        url,
    ))
}

/// Every backend available here.
pub fn dbs() -> Vec<TestDb> {
    let mut v = vec![TestDb::Sqlite(tempfile::tempdir().unwrap())];
    v.extend(fresh_pg());
    v
}
