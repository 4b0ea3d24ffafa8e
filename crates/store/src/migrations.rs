//! The schema, as append-only migrations. Never edit a migration that has shipped: add one.

use rusqlite_migration::{M, Migrations};

const STEPS: &[M<'static>] = &[
    // 1: the watch: inventory, runs, snapshots, changes, findings, alerts.
    M::up(
        "CREATE TABLE watched_domain (
            name        TEXT PRIMARY KEY,
            owner       TEXT,
            tags        TEXT NOT NULL DEFAULT '[]',
            high_value  INTEGER NOT NULL DEFAULT 0,
            added_at    TEXT NOT NULL
        ) STRICT;

        CREATE TABLE run (
            id          INTEGER PRIMARY KEY,
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            status      TEXT NOT NULL CHECK (status IN ('running', 'finished', 'interrupted')),
            names       INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE snapshot (
            id          INTEGER PRIMARY KEY,
            domain      TEXT NOT NULL,
            taken_at    TEXT NOT NULL,
            run_id      INTEGER REFERENCES run(id),
            phase       TEXT NOT NULL,
            complete    INTEGER NOT NULL,
            json        TEXT NOT NULL
        ) STRICT;
        CREATE INDEX snapshot_by_domain ON snapshot(domain, taken_at, id);
        CREATE UNIQUE INDEX snapshot_once_per_run ON snapshot(run_id, domain)
            WHERE run_id IS NOT NULL;

        CREATE TABLE change (
            id          INTEGER PRIMARY KEY,
            snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
            domain      TEXT NOT NULL,
            kind        TEXT NOT NULL,
            before      TEXT NOT NULL,
            after       TEXT NOT NULL,
            severity    TEXT NOT NULL,
            observed_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX change_by_domain ON change(domain, observed_at);

        CREATE TABLE finding (
            id          INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL UNIQUE,
            domain      TEXT NOT NULL,
            origin      TEXT NOT NULL CHECK (origin IN ('state', 'change')),
            code        TEXT NOT NULL,
            severity    TEXT NOT NULL,
            title       TEXT NOT NULL,
            detail      TEXT NOT NULL,
            remediation TEXT NOT NULL,
            subject     TEXT NOT NULL,
            first_seen  TEXT NOT NULL,
            last_seen   TEXT NOT NULL,
            resolved_at TEXT
        ) STRICT;
        CREATE INDEX finding_by_domain ON finding(domain, origin);

        CREATE TABLE alert (
            finding_id  INTEGER NOT NULL REFERENCES finding(id),
            sink        TEXT NOT NULL,
            sent_at     TEXT NOT NULL,
            UNIQUE (finding_id, sink)
        ) STRICT;",
    ),
];

/// All migrations, in order.
pub const MIGRATIONS: Migrations<'static> = Migrations::from_slice(STEPS);

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::MIGRATIONS.validate().unwrap();
    }
}
