//! Schema migrations of the PostgreSQL backend, applied in order on open. Each is one
//! transaction; the versions applied are kept in `schema_migrations`. The SQL lives in
//! `schema/*.sql` beside this file.

use postgres::Client;
use salw_store::StoreError;
use salw_store::backend::Result;

use crate::db;

/// (version, what it does, SQL). Never edit one that has shipped: add the next.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "the journal, projections, reports, photos",
        include_str!("schema/1-core.sql"),
    ),
    (
        2,
        "accounts, audit, federation, traces, alerts, assessments, stockpile",
        include_str!("schema/2-workflow.sql"),
    ),
    (
        3,
        "weapons in ordinal order; the identity key unique by its hash",
        include_str!("schema/3-bulk-indexes.sql"),
    ),
];

/// Whether the database holds a registry schema already.
pub fn has_schema(client: &mut Client) -> Result<bool> {
    let row = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .map_err(db)?;
    Ok(row.get(0))
}

/// The versions applied, without a lock or a write (`None`: no registry schema yet).
fn applied(client: &mut Client) -> Result<Option<Vec<i64>>> {
    if !has_schema(client)? {
        return Ok(None);
    }
    Ok(Some(
        client
            .query("SELECT version FROM schema_migrations", &[])
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect(),
    ))
}

pub fn apply(client: &mut Client) -> Result<()> {
    let newest = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
    // Nothing to do is found without writing or locking: a read replica (a hot standby,
    // read-only) opens for reports.
    if let Some(applied) = applied(client)? {
        if let Some(unknown) = applied.iter().find(|v| **v > newest) {
            return Err(StoreError::Invalid(format!(
                "this registry's schema is at version {unknown}, made by a newer salw (this one knows up to {newest}): upgrade salw"
            )));
        }
        if MIGRATIONS.iter().all(|m| applied.contains(&m.0)) {
            return Ok(());
        }
    }
    // Two processes opening a new database at once: one migrates, the other waits.
    let mut tx = client.transaction().map_err(db)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
        &[&crate::WRITE_LOCK],
    )
    .map_err(db)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )
    .map_err(db)?;
    let applied: Vec<i64> = tx
        .query("SELECT version FROM schema_migrations", &[])
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for (version, _what, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        tx.batch_execute(sql).map_err(db)?;
        tx.execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[version],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)
}
