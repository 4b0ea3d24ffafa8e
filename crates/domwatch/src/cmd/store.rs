//! `domwatch store`: the store itself.
//!
//! - `store migrate --from sqlite:PATH --to postgres://...` copies a whole store (either way
//!   between backends, ids kept), in one transaction on the destination, then verifies every
//!   table by row count and checksum. The destination must be empty or already identical.
//! - `store check`: the schema version, the backend's consistency check, counts and checksums.
//!
//! Exit codes: 0 copied (or already identical) / consistent; 2 bad arguments or a destination
//! that holds other data; 3 a store that cannot be opened or a copy that does not verify.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::Global;
use crate::output::{Format, Table};

use super::watch::store_location;

#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum StoreCommand {
    /// Copy a whole store to another backend (SQLite <-> PostgreSQL), verified per table.
    Migrate(MigrateArgs),
    /// Check the store at --db: schema version, consistency, rows and checksums per table.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// The store to copy: a path, sqlite:PATH or postgres://USER@HOST:PORT/DB.
    #[arg(long, value_name = "STORE")]
    pub from: PathBuf,
    /// The store to copy into (created or migrated to the current schema first; must be empty
    /// or already hold the same rows).
    #[arg(long, value_name = "STORE")]
    pub to: PathBuf,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(args: StoreArgs, global: &Global) -> anyhow::Result<ExitCode> {
    match args.command {
        StoreCommand::Migrate(a) => migrate(a),
        StoreCommand::Check(a) => check(a, global),
    }
}

fn open(value: &std::path::Path) -> anyhow::Result<(store::Store, String)> {
    let loc = store_location(value)?;
    if let store::Location::Sqlite(p) = &loc
        && let Some(dir) = p.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| super::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    let s = store::Store::open_location(&loc)
        .map_err(|e| super::network(format!("cannot open the store {loc}: {e}")))?;
    Ok((s, loc.to_string()))
}

fn sums_table(sums: &[store::TableSum]) -> Table {
    let mut t = Table::new(["table", "rows", "sha256"]);
    for s in sums {
        t.row(vec![s.table.clone(), s.rows.to_string(), s.sha256.clone()]);
    }
    t
}

fn migrate(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let (from, from_name) = open(&args.from)?;
    let (mut to, to_name) = open(&args.to)?;
    if from_name == to_name {
        return Err(super::usage("--from and --to name the same store"));
    }
    let report = from.copy_to(&mut to).map_err(|e| match e {
        store::StoreError::Refused(m) => super::usage(format!("{to_name}: {m}")),
        e => super::network(format!("copy {from_name} -> {to_name}: {e}")),
    })?;
    if args.format == Format::Json {
        println!(
            "{}",
            serde_json::json!({ "from": from_name, "to": to_name, "report": report })
        );
        return Ok(ExitCode::SUCCESS);
    }
    if report.written == 0 {
        println!("{to_name} already holds the same rows as {from_name}: nothing written");
    } else {
        println!(
            "copied {} rows from {from_name} to {to_name}; every table verified:",
            report.written
        );
    }
    sums_table(&report.tables).write(&mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let store = super::watch::open_store(global)?;
    let version = store.schema_version()?;
    let ok = store.integrity_check()?;
    let sums = store.table_sums()?;
    if args.format == Format::Json {
        println!(
            "{}",
            serde_json::json!({ "backend": store.backend(), "schema_version": version,
                                "consistent": ok, "tables": sums })
        );
    } else {
        println!(
            "{} store, schema version {version}, {}",
            store.backend(),
            if ok { "consistent" } else { "NOT consistent" }
        );
        sums_table(&sums).write(&mut std::io::stdout().lock())?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}
