//! Schema versions, applied in order on open; `PRAGMA user_version` records the last applied.

use rusqlite::Connection;
use salw_store::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: the journal, signed heads, node metadata, projections.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE journal (
        seq         INTEGER PRIMARY KEY,
        id          TEXT NOT NULL,
        kind        TEXT NOT NULL,
        subject     TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        recorded_by TEXT NOT NULL,
        source      TEXT NOT NULL,
        payload     TEXT NOT NULL,
        hash        BLOB NOT NULL
    );
    -- Ids of records are 16-byte BLOBs in the projections; the journal keeps its entry id as
    -- text, hashed as written. Append-only: a correction is a new entry. What goes around these, verify catches.
    CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only: record a correction instead'); END;
    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only: nothing is ever deleted'); END;

    CREATE TABLE journal_heads (
        seq       INTEGER PRIMARY KEY,
        hash      BLOB NOT NULL,
        signature BLOB NOT NULL,
        signed_at TEXT NOT NULL
    );

    -- Projections: derived from the journal, rebuilt from it at any time. `seq` is the journal
    -- entry that holds the record; it is written before that entry in the same transaction (so
    -- that a clash on a unique column is found without a lookup), hence no foreign key to it.
    CREATE TABLE weapons (
        id                  BLOB PRIMARY KEY,
        reference           TEXT,
        identity_key        TEXT,
        category            TEXT NOT NULL,
        country             TEXT,
        manufacturer        TEXT,
        model               TEXT,
        serial              TEXT,
        awaiting_mark       INTEGER NOT NULL,
        status              TEXT NOT NULL,
        holder              BLOB,
        tracing             TEXT,
        seq                 INTEGER NOT NULL
    );
    -- Partial: most weapons have no outside reference, unmarked ones no identity key.
    CREATE UNIQUE INDEX weapons_reference ON weapons (reference) WHERE reference IS NOT NULL;
    CREATE UNIQUE INDEX weapons_identity_key ON weapons (identity_key) WHERE identity_key IS NOT NULL;

    CREATE TABLE persons (
        id        BLOB PRIMARY KEY,
        reference TEXT UNIQUE,
        kind      TEXT NOT NULL,
        name      TEXT NOT NULL,
        sex       TEXT,
        seq       INTEGER NOT NULL
    );

    CREATE TABLE events (
        id          BLOB PRIMARY KEY,
        weapon_id   BLOB NOT NULL REFERENCES weapons (id),
        kind        TEXT NOT NULL,
        occurred_on TEXT NOT NULL,
        seq         INTEGER NOT NULL
    );
    CREATE INDEX events_weapon ON events (weapon_id, seq);
    "#,
];

pub fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    let backend = |e: rusqlite::Error| StoreError::Backend(e.to_string());
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(backend)? as usize;
    if current > MIGRATIONS.len() {
        return Err(StoreError::Invalid(format!(
            "this registry file has schema version {current}, newer than this program knows ({}); upgrade salw",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}
