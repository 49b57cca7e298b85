//! The SQLite backend: one local file, zero setup, the default for a node on a laptop.
//!
//! Weapon, person and event projections hold the columns that are looked up; the records
//! themselves are read from the journal entry that wrote them (`seq`), so that nothing is
//! stored twice. The journal refuses UPDATE and DELETE by trigger; `salw verify` catches what
//! goes around the triggers.

mod access;
mod alerts;
mod assessments;
mod federation;
mod migrations;
mod stockpile;
mod traces;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use salw_core::lifecycle::{WeaponState, WeaponStatus};
use salw_core::person::{PersonKind, Role};
use salw_core::{LifecycleEvent, Person, Weapon};
use salw_store::backend::{
    PeriodEventCounts, PeriodRecovery, PeriodTransfer, Recovery, Result, SearchRow, SerialRow,
    WeaponFilter,
};
use salw_store::reports::{Release, ReportAnswer};
use salw_store::{
    Backend, Clash, Hash, JournalEntry, PhotoRecord, SignedHead, StoreError, StoredEvent,
    StoredPhoto, StoredWeapon, Summary,
};
use uuid::Uuid;

pub struct SqliteBackend {
    conn: Connection,
    /// The unique indexes on weapons dropped for a bulk load (`defer_weapon_indexes`), as the
    /// SQL that creates them again; empty when none are.
    deferred_indexes: Vec<String>,
}

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// SQLITE_BUSY or SQLITE_LOCKED: another connection holds what this one asked for.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn hash32(bytes: Vec<u8>) -> Result<Hash> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a journal hash is not 32 bytes".into()))
}

impl SqliteBackend {
    /// Opens (creating if `create`) the registry file and applies pending migrations.
    pub fn open(path: &Path, create: bool) -> Result<Self> {
        if !create && !path.exists() {
            return Err(StoreError::Invalid(format!(
                "no registry at {}; create one with `salw --db {} init` or try `salw demo`",
                path.display(),
                path.display()
            )));
        }
        let conn = Connection::open(path).map_err(db)?;
        Self::from_connection(conn)
    }

    pub fn from_connection(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(db)?;
        // A bulk import in another process may hold the file in rollback-journal mode for a
        // while (`begin_bulk`): then this connection works in that mode, as safely, and the
        // importer puts the WAL back when it ends.
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e) if is_busy(&e) => {}
            other => other.map_err(db)?,
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        // 64 MiB of page cache: bulk imports touch large indexes; peak memory stays well bounded.
        conn.pragma_update(None, "cache_size", -65536).map_err(db)?;
        // Off while migrations rebuild tables that others refer to, as SQLite's ALTER TABLE
        // procedure requires; on for everything else.
        conn.pragma_update(None, "foreign_keys", "OFF")
            .map_err(db)?;
        migrations::apply(&mut conn)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        Ok(SqliteBackend {
            conn,
            deferred_indexes: Vec::new(),
        })
    }

    /// For a bulk import: while no other connection has the file open, write through a rollback
    /// journal instead of the WAL, so that each page is written once, not to the WAL and then
    /// again at the checkpoint. Equally safe against a crash (a hot journal is rolled back on the
    /// next open). Returns whether the switch took place; the WAL comes back with `end_bulk`.
    pub fn begin_bulk(&mut self) -> Result<bool> {
        // Another connection has the file open (a server, another import): the mode cannot
        // change; the import goes on through the WAL.
        let mode: String = match self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        {
            Ok(mode) => mode,
            Err(e) if is_busy(&e) => "wal".into(),
            Err(e) => return Err(db(e)),
        };
        // The unique indexes of a big registry are walked at random (or, when deferred, sorted
        // in memory): keep more of them in memory (128 MiB).
        self.conn
            .pragma_update(None, "cache_size", -131_072)
            .map_err(db)?;
        Ok(mode.eq_ignore_ascii_case("delete"))
    }

    pub fn end_bulk(&mut self) -> Result<()> {
        self.conn
            .pragma_update(None, "cache_size", -65536)
            .map_err(db)?;
        // Others opened the file meanwhile: they work in rollback-journal mode, and the next
        // connection to open it alone puts the WAL back. The import itself is committed.
        match self.conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e) if is_busy(&e) => Ok(()),
            other => other.map_err(db),
        }
    }

    fn stored_events(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<StoredEvent>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(db)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        rows.into_iter()
            .map(|(payload, seq, recorded_at, recorded_by)| {
                Ok(StoredEvent {
                    event: serde_json::from_str(&payload)
                        .map_err(|e| corrupt("event record", e))?,
                    seq,
                    recorded_at,
                    recorded_by,
                    superseded_by: None,
                })
            })
            .collect()
    }

    /// The connection, for tests that tamper with the file behind the program's back.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn stored_weapon(
        row: &rusqlite::Row<'_>,
    ) -> rusqlite::Result<(String, Option<Uuid>, i64, String)> {
        Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
    }

    fn decode_weapon(
        (status, holder, seq, payload): (String, Option<Uuid>, i64, String),
    ) -> Result<StoredWeapon> {
        Ok(StoredWeapon {
            weapon: serde_json::from_str(&payload).map_err(|e| corrupt("weapon record", e))?,
            status: status
                .parse::<WeaponStatus>()
                .map_err(|e| corrupt("weapon status", e))?,
            holder,
            registered_seq: seq,
        })
    }
}

/// Every recovery (seizure, find, surrender) in a period, not superseded, with what the
/// indicator needs of its weapon. INDEXED BY: left to itself the planner takes the unique
/// index on the weapon's id, then reads each weapon's row; this index holds the columns
/// wanted (a test checks that neither table's rows are read).
///
/// The recoveries are gathered first and sorted by weapon id, so that their weapons are looked
/// up in index order: each leaf page of `weapons_id_indicator` is read once instead of once per
/// recovery on it (at 10 M events: 1.55 s → 0.87 s for the query, BENCHMARKS.md). The order
/// the rows come in is by weapon, which no computation depends on.
const RECOVERIES_SQL: &str = "WITH r AS MATERIALIZED (
        SELECT e.occurred_on, e.kind, coalesce(e.criminal, 0) AS criminal, e.weapon_id
        FROM events e INDEXED BY events_recoveries
        WHERE e.kind IN ('seized', 'found', 'surrendered')
          AND e.occurred_on >= ?1 AND e.occurred_on <= ?2
          AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
        ORDER BY e.weapon_id)
    SELECT r.occurred_on, r.kind, r.criminal, w.category, w.calibre, w.antique, w.awaiting_mark,
        w.tracing
    FROM r CROSS JOIN weapons w INDEXED BY weapons_id_indicator ON w.id = r.weapon_id";

/// The events of a period by kind, superseded ones left out (from `events_period` alone).
const PERIOD_COUNTS_SQL: &str = "SELECT e.kind, count(*) FROM events e
    WHERE e.occurred_on >= ?1 AND e.occurred_on <= ?2
      AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
    GROUP BY e.kind";

/// A period's recoveries with what the questionnaire reads of them. Every column comes from
/// the indexes the indicator reads (migrations 7 and 12) and, for a recovery from a person,
/// that person's row: no journal entry is read. Sorted by weapon before the weapons are looked
/// up, as in `RECOVERIES_SQL`; the counts do not depend on the order.
const PERIOD_RECOVERIES_SQL: &str = "WITH r AS MATERIALIZED (
        SELECT e.kind, coalesce(e.criminal, 0) AS criminal, e.weapon_id, e.from_holder
        FROM events e INDEXED BY events_recoveries
        WHERE e.kind IN ('seized', 'found', 'surrendered')
          AND e.occurred_on >= ?1 AND e.occurred_on <= ?2
          AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
        ORDER BY e.weapon_id)
    SELECT r.kind, r.criminal, w.unodc_type, w.tracing, r.from_holder, p.sex
    FROM r CROSS JOIN weapons w INDEXED BY weapons_id_indicator ON w.id = r.weapon_id
    LEFT JOIN persons p ON p.id = r.from_holder";

/// A period's traces by outcome, from migration 12's index.
const TRACED_COUNTS_SQL: &str = "SELECT coalesce(e.trace_outcome, 'none'), count(*)
    FROM events e INDEXED BY events_traced
    WHERE e.kind = 'traced' AND e.occurred_on >= ?1 AND e.occurred_on <= ?2
      AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
    GROUP BY 1";

/// A signed head's row: seq, hash, signature, signed_at.
type HeadRow = (i64, Vec<u8>, Vec<u8>, String);

fn decode_head((seq, hash, signature, signed_at): HeadRow) -> Result<SignedHead> {
    Ok(SignedHead {
        seq,
        hash: hash32(hash)?,
        signature: signature
            .try_into()
            .map_err(|_| StoreError::Corrupt("a head signature is not 64 bytes".into()))?,
        signed_at,
    })
}

const RELEASE_COLUMNS: &str = "seq, indicator, period_from, period_to, profile, released_at, \
     released_by, numerator, denominator, figures, revises";

fn release_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Release> {
    let numerator: i64 = r.get(7)?;
    let denominator: i64 = r.get(8)?;
    Ok(Release {
        seq: r.get(0)?,
        indicator: r.get(1)?,
        period_from: r.get(2)?,
        period_to: r.get(3)?,
        profile: r.get(4)?,
        released_at: r.get(5)?,
        released_by: r.get(6)?,
        numerator: numerator as u64,
        denominator: denominator as u64,
        percent: salw_core::indicator::percent(numerator as u64, denominator as u64),
        figures: r.get(9)?,
        revises: r.get(10)?,
    })
}

const ANSWER_COLUMNS: &str =
    "seq, template, period_from, period_to, question, answer, entered_at, entered_by";

fn answer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReportAnswer> {
    Ok(ReportAnswer {
        seq: r.get(0)?,
        template: r.get(1)?,
        period_from: r.get(2)?,
        period_to: r.get(3)?,
        question: r.get(4)?,
        answer: r.get(5)?,
        entered_at: r.get(6)?,
        entered_by: r.get(7)?,
    })
}

const WEAPON_SELECT: &str =
    "SELECT w.status, w.holder, w.seq, j.payload FROM weapons w JOIN journal j ON j.seq = w.seq";

impl Backend for SqliteBackend {
    fn destruction_block(&mut self, weapon: Uuid) -> Result<Option<String>> {
        let facts = salw_store::stockpile::destruction_facts(self, weapon)?;
        Ok(salw_core::stockpile::destruction_refusal(&facts))
    }

    fn begin(&mut self) -> Result<()> {
        // IMMEDIATE: take the write lock now, so that two writers queue instead of failing late.
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(db)
    }

    fn commit(&mut self) -> Result<()> {
        // Never commit without the unique indexes.
        self.build_deferred_indexes()?;
        self.conn.execute_batch("COMMIT").map_err(db)
    }

    fn rollback(&mut self) -> Result<()> {
        // The rollback brings back what was dropped.
        self.deferred_indexes.clear();
        self.conn.execute_batch("ROLLBACK").map_err(db)
    }

    fn defer_weapon_indexes(&mut self) -> Result<bool> {
        if !self.deferred_indexes.is_empty() {
            return Ok(true);
        }
        let empty: bool = self
            .conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM weapons)", [], |r| {
                r.get(0)
            })
            .map_err(db)?;
        if !empty {
            return Ok(false);
        }
        // The definitions are read from the schema, so that what is built again is exactly
        // what the migrations made.
        let indexes: Vec<(String, String)> = self
            .conn
            .prepare(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND tbl_name = 'weapons'
                   AND (sql LIKE 'CREATE UNIQUE INDEX %' OR substr(name, 1, 11) = 'weapons_id_')",
            )
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(db)?;
        for (name, _) in &indexes {
            self.conn
                .execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .map_err(db)?;
        }
        self.deferred_indexes = indexes.into_iter().map(|(_, sql)| sql).collect();
        Ok(!self.deferred_indexes.is_empty())
    }

    fn build_deferred_indexes(&mut self) -> Result<()> {
        for sql in std::mem::take(&mut self.deferred_indexes) {
            match self.conn.execute_batch(&sql) {
                Ok(()) => {}
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    return Err(StoreError::DeferredClash);
                }
                Err(e) => return Err(db(e)),
            }
        }
        Ok(())
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(db)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(db)
    }

    fn meta_entries(&mut self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM meta ORDER BY key")
            .map_err(db)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)
    }

    fn journal_head(&mut self) -> Result<Option<(i64, Hash)>> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1")
            .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(db)?;
        row.map(|(seq, hash)| Ok((seq, hash32(hash)?))).transpose()
    }

    fn append(&mut self, e: &JournalEntry) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO journal (seq, id, kind, subject, occurred_at, recorded_at, recorded_by, source, payload, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    e.seq,
                    e.id.to_string(),
                    e.kind,
                    e.subject,
                    e.occurred_at,
                    e.recorded_at,
                    e.recorded_by,
                    e.source,
                    e.payload,
                    &e.hash[..]
                ])
            })
            .map(|_| ())
            .map_err(db)
    }

    fn scan_journal(&mut self, visit: &mut dyn FnMut(JournalEntry) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, id, kind, subject, occurred_at, recorded_at, recorded_by, source, payload, hash FROM journal ORDER BY seq")
            .map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let id: String = row.get(1).map_err(db)?;
            let entry = JournalEntry {
                seq: row.get(0).map_err(db)?,
                // A tampered id still has to be hashed as it is; a nil id is a broken link anyway.
                id: Uuid::parse_str(&id).unwrap_or(Uuid::nil()),
                kind: row.get(2).map_err(db)?,
                subject: row.get(3).map_err(db)?,
                occurred_at: row.get(4).map_err(db)?,
                recorded_at: row.get(5).map_err(db)?,
                recorded_by: row.get(6).map_err(db)?,
                source: row.get(7).map_err(db)?,
                payload: row.get(8).map_err(db)?,
                hash: hash32(row.get(9).map_err(db)?).unwrap_or([0xff; 32]),
            };
            visit(entry)?;
        }
        Ok(())
    }

    fn put_signed_head(&mut self, head: &SignedHead) -> Result<()> {
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO journal_heads (seq, hash, signature, signed_at) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut s| s.execute(params![head.seq, &head.hash[..], &head.signature[..], head.signed_at]))
            .map(|_| ())
            .map_err(db)
    }

    fn last_signed_head(&mut self) -> Result<Option<SignedHead>> {
        let row: Option<HeadRow> = self
            .conn
            .query_row("SELECT seq, hash, signature, signed_at FROM journal_heads ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(db)?;
        row.map(decode_head).transpose()
    }

    fn scan_signed_heads(&mut self, visit: &mut dyn FnMut(SignedHead) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, hash, signature, signed_at FROM journal_heads ORDER BY seq")
            .map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            let row: HeadRow = (
                r.get(0).map_err(db)?,
                r.get(1).map_err(db)?,
                r.get(2).map_err(db)?,
                r.get(3).map_err(db)?,
            );
            visit(decode_head(row)?)?;
        }
        Ok(())
    }

    fn weapon(&mut self, id: Uuid) -> Result<Option<StoredWeapon>> {
        self.build_deferred_indexes()?;
        let row = self
            .conn
            .prepare_cached(&format!("{WEAPON_SELECT} WHERE w.id = ?1"))
            .and_then(|mut s| s.query_row([id], Self::stored_weapon).optional())
            .map_err(db)?;
        row.map(Self::decode_weapon).transpose()
    }

    fn weapon_id_by_key(&mut self, key: &str) -> Result<Option<Uuid>> {
        self.build_deferred_indexes()?;
        let id: Option<Uuid> = self
            .conn
            .prepare_cached("SELECT id FROM weapons WHERE identity_key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(db)?;
        Ok(id)
    }

    fn weapon_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>> {
        self.build_deferred_indexes()?;
        let id: Option<Uuid> = self
            .conn
            .prepare_cached("SELECT id FROM weapons WHERE reference = ?1")
            .and_then(|mut s| s.query_row([reference], |r| r.get(0)).optional())
            .map_err(db)?;
        Ok(id)
    }

    fn insert_weapon(
        &mut self,
        w: &Weapon,
        key: Option<&str>,
        state: &WeaponState,
        seq: i64,
    ) -> Result<Option<Clash>> {
        let inserted = self.conn
            .prepare_cached(
                "INSERT INTO weapons (id, reference, identity_key, category, country, manufacturer, model, serial,
                                      awaiting_mark, status, holder, tracing, seq, antique, calibre, unodc_type)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    w.id,
                    w.reference,
                    key,
                    w.category,
                    w.country,
                    w.manufacturer,
                    w.model,
                    w.serial,
                    state.awaiting_mark,
                    state.status.as_str(),
                    state.holder,
                    state.tracing.map(|t| t.as_str()),
                    seq,
                    w.antique,
                    w.calibre,
                    w.unodc_type.map(|t| t.as_str())
                ])
            });
        clash(
            inserted,
            &[
                ("weapons.id", Clash::Id),
                ("weapons.identity_key", Clash::IdentityKey),
                ("weapons.reference", Clash::Reference),
            ],
        )
    }

    fn update_weapon_state(&mut self, id: Uuid, state: &WeaponState) -> Result<()> {
        self.build_deferred_indexes()?;
        self.conn
            .prepare_cached("UPDATE weapons SET status = ?2, holder = ?3, tracing = ?4, awaiting_mark = ?5 WHERE id = ?1")
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    state.status.as_str(),
                    state.holder,
                    state.tracing.map(|t| t.as_str()),
                    state.awaiting_mark
                ])
            })
            .map(|_| ())
            .map_err(db)
    }

    fn scan_serials(&mut self, after: i64, visit: &mut dyn FnMut(SerialRow)) -> Result<()> {
        self.build_deferred_indexes()?;
        // `ordinal` is the rowid, assigned in insertion order, never reused (rows are never
        // deleted) and kept by VACUUM (declared INTEGER PRIMARY KEY).
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT ordinal, serial, manufacturer FROM weapons
                 WHERE ordinal > ?1 AND serial IS NOT NULL ORDER BY ordinal",
            )
            .map_err(db)?;
        let mut rows = stmt.query([after]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            visit(SerialRow {
                ordinal: row.get(0).map_err(db)?,
                serial: row.get(1).map_err(db)?,
                manufacturer: row.get(2).map_err(db)?,
            });
        }
        Ok(())
    }

    fn weapons_at(&mut self, ordinals: &[i64]) -> Result<Vec<(i64, StoredWeapon)>> {
        self.build_deferred_indexes()?;
        let mut found = Vec::with_capacity(ordinals.len());
        let mut stmt = self
            .conn
            .prepare_cached(&format!("{WEAPON_SELECT} WHERE w.ordinal = ?1"))
            .map_err(db)?;
        for &ordinal in ordinals {
            if let Some(row) = stmt
                .query_row([ordinal], Self::stored_weapon)
                .optional()
                .map_err(db)?
            {
                found.push((ordinal, Self::decode_weapon(row)?));
            }
        }
        Ok(found)
    }

    fn search_rows_at(&mut self, ordinals: &[i64]) -> Result<Vec<SearchRow>> {
        self.build_deferred_indexes()?;
        let mut found = Vec::with_capacity(ordinals.len());
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, serial, manufacturer, model, calibre, country, category, unodc_type, status
                 FROM weapons WHERE ordinal = ?1",
            )
            .map_err(db)?;
        for &ordinal in ordinals {
            let row = stmt
                .query_row([ordinal], |r| {
                    Ok((
                        SearchRow {
                            ordinal,
                            id: r.get(0)?,
                            serial: r.get(1)?,
                            manufacturer: r.get(2)?,
                            model: r.get(3)?,
                            calibre: r.get(4)?,
                            country: r.get(5)?,
                            category: r.get(6)?,
                            unodc_type: r.get(7)?,
                            status: WeaponStatus::Registered,
                        },
                        r.get::<_, String>(8)?,
                    ))
                })
                .optional()
                .map_err(db)?;
            if let Some((mut row, status)) = row {
                row.status = status
                    .parse::<WeaponStatus>()
                    .map_err(|e| corrupt("weapon status", e))?;
                found.push(row);
            }
        }
        Ok(found)
    }

    fn list_weapons(&mut self, filter: &WeaponFilter) -> Result<Vec<StoredWeapon>> {
        self.build_deferred_indexes()?;
        let mut sql = format!("{WEAPON_SELECT} WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if let Some(status) = filter.status {
            args.push(status.as_str().to_owned());
            sql.push_str(&format!(" AND w.status = ?{}", args.len()));
        }
        if let Some(category) = &filter.category {
            args.push(salw_core::category::fold_name(category));
            sql.push_str(&format!(" AND w.category = ?{}", args.len()));
        }
        if let Some(serial) = &filter.serial {
            args.push(serial.clone());
            sql.push_str(&format!(" AND w.serial = ?{}", args.len()));
        }
        sql.push_str(&format!(" ORDER BY w.seq LIMIT {}", filter.limit.max(1)));
        let mut stmt = self.conn.prepare(&sql).map_err(db)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), Self::stored_weapon)
            .map_err(db)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db)?;
        rows.into_iter().map(Self::decode_weapon).collect()
    }

    fn person(&mut self, id: Uuid) -> Result<Option<Person>> {
        let payload: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT j.payload FROM persons p JOIN journal j ON j.seq = p.seq WHERE p.id = ?1",
            )
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(db)?;
        payload
            .map(|p| serde_json::from_str(&p).map_err(|e| corrupt("person record", e)))
            .transpose()
    }

    fn person_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>> {
        let id: Option<Uuid> = self
            .conn
            .prepare_cached("SELECT id FROM persons WHERE reference = ?1")
            .and_then(|mut s| s.query_row([reference], |r| r.get(0)).optional())
            .map_err(db)?;
        Ok(id)
    }

    fn insert_person(&mut self, p: &Person, seq: i64) -> Result<Option<Clash>> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO persons (id, reference, kind, name, sex, seq, licensee)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    p.id,
                    p.reference,
                    p.kind.as_str(),
                    p.name,
                    p.sex.map(|x| x.as_str()),
                    seq,
                    p.kind == PersonKind::Individual && p.roles.contains(&Role::Licensee)
                ])
            });
        clash(
            inserted,
            &[
                ("persons.id", Clash::Id),
                ("persons.reference", Clash::Reference),
            ],
        )
    }

    fn event(&mut self, id: Uuid) -> Result<Option<LifecycleEvent>> {
        self.build_deferred_indexes()?;
        let payload: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT j.payload FROM events e JOIN journal j ON j.seq = e.seq WHERE e.id = ?1",
            )
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(db)?;
        payload
            .map(|p| serde_json::from_str(&p).map_err(|e| corrupt("event record", e)))
            .transpose()
    }

    fn events_of(&mut self, weapon: Uuid) -> Result<Vec<StoredEvent>> {
        self.build_deferred_indexes()?;
        self.stored_events(
            "SELECT j.payload, e.seq, j.recorded_at, j.recorded_by FROM events e JOIN journal j ON j.seq = e.seq
             WHERE e.weapon_id = ?1 ORDER BY e.seq",
            params![weapon],
        )
    }

    fn recent_events(&mut self, limit: u64) -> Result<Vec<StoredEvent>> {
        self.build_deferred_indexes()?;
        self.stored_events(
            "SELECT j.payload, e.seq, j.recorded_at, j.recorded_by FROM events e JOIN journal j ON j.seq = e.seq
             ORDER BY e.seq DESC LIMIT ?1",
            params![limit.min(i64::MAX as u64) as i64],
        )
    }

    fn insert_event(&mut self, e: &LifecycleEvent, seq: i64) -> Result<()> {
        self.build_deferred_indexes()?;
        self.conn
            .prepare_cached(
                "INSERT INTO events (id, weapon_id, kind, occurred_on, seq, criminal, supersedes,
                                     from_holder, trace_outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    e.id,
                    e.weapon_id,
                    e.kind.as_str(),
                    e.occurred_on.to_string(),
                    seq,
                    e.seizure_basis
                        .map(|b| b == salw_core::event::SeizureBasis::CriminalOffence),
                    e.supersedes,
                    e.from_holder,
                    e.trace_outcome.map(|o| o.as_str())
                ])
            })
            .map(|_| ())
            .map_err(db)
    }

    fn recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(Recovery) -> Result<()>,
    ) -> Result<()> {
        self.build_deferred_indexes()?;
        let mut stmt = self.conn.prepare_cached(RECOVERIES_SQL).map_err(db)?;
        let mut rows = stmt.query([from, to]).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            let recovery = (|| {
                Ok::<_, rusqlite::Error>(Recovery {
                    occurred_on: r.get(0)?,
                    kind: r.get(1)?,
                    criminal: r.get(2)?,
                    category: r.get(3)?,
                    calibre: r.get(4)?,
                    antique: r.get(5)?,
                    uniquely_marked: !r.get::<_, bool>(6)?,
                    tracing: r.get(7)?,
                })
            })()
            .map_err(db)?;
            visit(recovery)?;
        }
        Ok(())
    }

    fn period_recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodRecovery) -> Result<()>,
    ) -> Result<()> {
        self.build_deferred_indexes()?;
        let mut stmt = self
            .conn
            .prepare_cached(PERIOD_RECOVERIES_SQL)
            .map_err(db)?;
        let mut rows = stmt.query([from, to]).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            let recovery = (|| {
                let holder: Option<Uuid> = r.get(4)?;
                Ok::<_, rusqlite::Error>(PeriodRecovery {
                    kind: r.get(0)?,
                    criminal: r.get(1)?,
                    unodc_type: r.get(2)?,
                    tracing: r.get(3)?,
                    from_holder: match holder {
                        Some(id) => Some((id.hyphenated().to_string(), r.get(5)?)),
                        None => None,
                    },
                })
            })()
            .map_err(db)?;
            visit(recovery)?;
        }
        Ok(())
    }

    fn licensees_by_sex(&mut self) -> Result<Vec<(Option<String>, u64)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT sex, count(*) FROM persons INDEXED BY persons_licensees
                 WHERE licensee GROUP BY sex ORDER BY sex",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        rows.map(|row| row.map(|(sex, n)| (sex, n.max(0) as u64)).map_err(db))
            .collect()
    }

    fn marking_counts(&mut self) -> Result<(u64, u64)> {
        self.build_deferred_indexes()?;
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(awaiting_mark AND status <> 'destroyed'), 0)
                 FROM weapons",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?.max(0) as u64,
                        r.get::<_, i64>(1)?.max(0) as u64,
                    ))
                },
            )
            .map_err(db)
    }

    fn period_transfers(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodTransfer) -> Result<()>,
    ) -> Result<()> {
        self.build_deferred_indexes()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT e.id, e.weapon_id, e.kind, json_extract(j.payload, '$.country'),
                        w.category, w.reference, w.calibre
                 FROM events e
                 JOIN journal j ON j.seq = e.seq
                 JOIN weapons w ON w.id = e.weapon_id
                 WHERE e.kind IN ('exported', 'imported')
                   AND e.occurred_on >= ?1 AND e.occurred_on <= ?2
                   AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
                 ORDER BY e.seq",
            )
            .map_err(db)?;
        let mut rows = stmt.query([from, to]).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            let (event_id, weapon_id): (Vec<u8>, Vec<u8>) =
                (r.get(0).map_err(db)?, r.get(1).map_err(db)?);
            let uuid = |bytes: &[u8]| {
                Uuid::from_slice(bytes)
                    .map_err(|_| StoreError::Corrupt("an event id is not 16 bytes".into()))
            };
            let transfer = PeriodTransfer {
                event_id: uuid(&event_id)?,
                weapon_id: uuid(&weapon_id)?,
                kind: r.get(2).map_err(db)?,
                country: r.get(3).map_err(db)?,
                category: r.get(4).map_err(db)?,
                reference: r.get(5).map_err(db)?,
                calibre: r.get(6).map_err(db)?,
            };
            visit(transfer)?;
        }
        Ok(())
    }

    fn period_event_counts(&mut self, from: &str, to: &str) -> Result<PeriodEventCounts> {
        self.build_deferred_indexes()?;
        let mut counts = PeriodEventCounts::default();
        let mut stmt = self.conn.prepare_cached(PERIOD_COUNTS_SQL).map_err(db)?;
        let rows = stmt
            .query_map([from, to], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        for row in rows {
            let (kind, n) = row.map_err(db)?;
            counts.by_kind.insert(kind, n.max(0) as u64);
        }
        let mut stmt = self.conn.prepare_cached(TRACED_COUNTS_SQL).map_err(db)?;
        let rows = stmt
            .query_map([from, to], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        for row in rows {
            let (outcome, n) = row.map_err(db)?;
            counts.traces_by_outcome.insert(outcome, n.max(0) as u64);
        }
        Ok(counts)
    }

    fn releases(
        &mut self,
        indicator: &str,
        period: Option<(&str, &str)>,
        profile: Option<&str>,
    ) -> Result<Vec<Release>> {
        let (from, to) = period.unzip();
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RELEASE_COLUMNS} FROM indicator_releases
                     WHERE indicator = ?1 AND (?2 IS NULL OR period_from = ?2)
                       AND (?3 IS NULL OR period_to = ?3) AND (?4 IS NULL OR profile = ?4)
                     ORDER BY seq"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![indicator, from, to, profile], release_row)
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn all_releases(&mut self) -> Result<Vec<Release>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RELEASE_COLUMNS} FROM indicator_releases ORDER BY seq"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], release_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn insert_release(&mut self, r: &Release) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO indicator_releases (indicator, period_from, period_to, profile,
                     released_at, released_by, numerator, denominator, figures, revises)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    r.indicator,
                    r.period_from,
                    r.period_to,
                    r.profile,
                    r.released_at,
                    r.released_by,
                    r.numerator as i64,
                    r.denominator as i64,
                    r.figures,
                    r.revises
                ])
            })
            .map_err(db)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn report_answers(&mut self, template: &str) -> Result<Vec<ReportAnswer>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ANSWER_COLUMNS} FROM report_answers WHERE template = ?1 ORDER BY seq"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([template], answer_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn all_report_answers(&mut self) -> Result<Vec<ReportAnswer>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ANSWER_COLUMNS} FROM report_answers ORDER BY seq"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], answer_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn insert_report_answer(&mut self, a: &ReportAnswer) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO report_answers (template, period_from, period_to, question, answer,
                     entered_at, entered_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    a.template,
                    a.period_from,
                    a.period_to,
                    a.question,
                    a.answer,
                    a.entered_at,
                    a.entered_by
                ])
            })
            .map_err(db)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn put_blob(&mut self, hash: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO blobs (hash, media_type, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (hash) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![hash, media_type, bytes]))
            .map_err(db)?;
        Ok(())
    }

    fn blob(&mut self, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
        self.conn
            .prepare_cached("SELECT media_type, bytes FROM blobs WHERE hash = ?1")
            .and_then(|mut s| {
                s.query_row([hash], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(db)
    }

    fn insert_photo(&mut self, photo: &PhotoRecord, seq: i64) -> Result<bool> {
        self.build_deferred_indexes()?;
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO weapon_photos (weapon_id, hash, seq) VALUES (?1, ?2, ?3)
                 ON CONFLICT (weapon_id, hash) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![photo.weapon_id, photo.hash, seq]))
            .map_err(db)?;
        Ok(inserted == 1)
    }

    fn photos_of(&mut self, weapon: Uuid) -> Result<Vec<StoredPhoto>> {
        self.build_deferred_indexes()?;
        let rows: Vec<(String, i64, String, String)> = self
            .conn
            .prepare_cached(
                "SELECT j.payload, p.seq, j.recorded_at, j.recorded_by
                 FROM weapon_photos p JOIN journal j ON j.seq = p.seq
                 WHERE p.weapon_id = ?1 ORDER BY p.seq",
            )
            .and_then(|mut s| {
                s.query_map([weapon], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect()
            })
            .map_err(db)?;
        rows.into_iter()
            .map(|(payload, seq, recorded_at, recorded_by)| {
                Ok(StoredPhoto {
                    photo: serde_json::from_str(&payload)
                        .map_err(|e| corrupt("photo record", e))?,
                    seq,
                    recorded_at,
                    recorded_by,
                })
            })
            .collect()
    }

    fn photo_hashes(&mut self) -> Result<Vec<String>> {
        self.conn
            .prepare_cached("SELECT DISTINCT hash FROM weapon_photos ORDER BY hash")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(db)
    }

    fn blob_hashes(&mut self) -> Result<Vec<String>> {
        self.conn
            .prepare_cached("SELECT hash FROM blobs ORDER BY rowid")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .map_err(db)
    }

    fn summary(&mut self) -> Result<Summary> {
        self.build_deferred_indexes()?;
        let count = |conn: &Connection, sql: &str| -> Result<u64> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(db)
        };
        let groups = |conn: &Connection, sql: &str| -> Result<Vec<(String, u64)>> {
            let mut stmt = conn.prepare(sql).map_err(db)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .map_err(db)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db)?;
            Ok(rows)
        };
        let c = &self.conn;
        Ok(Summary {
            weapons: count(c, "SELECT count(*) FROM weapons")?,
            persons: count(c, "SELECT count(*) FROM persons")?,
            events: count(c, "SELECT count(*) FROM events")?,
            journal_entries: count(c, "SELECT count(*) FROM journal")?,
            by_status: groups(
                c,
                "SELECT status, count(*) FROM weapons GROUP BY status ORDER BY 2 DESC, 1",
            )?,
            by_category: groups(
                c,
                "SELECT category, count(*) FROM weapons GROUP BY category ORDER BY 2 DESC, 1",
            )?,
            by_event_kind: groups(
                c,
                "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY 2 DESC, 1",
            )?,
            inadequately_marked: count(
                c,
                "SELECT count(*) FROM weapons WHERE awaiting_mark AND status <> 'destroyed'",
            )?,
        })
    }

    fn scan_persons(&mut self, visit: &mut dyn FnMut(Person) -> Result<()>) -> Result<()> {
        scan(
            &self.conn,
            "SELECT j.payload FROM persons p JOIN journal j ON j.seq = p.seq ORDER BY p.seq",
            "person",
            visit,
        )
    }

    fn scan_person_names(&mut self, visit: &mut salw_store::PersonNameVisit<'_>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, reference FROM persons ORDER BY seq")
            .map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        while let Some(r) = rows.next().map_err(db)? {
            let bad = |e: rusqlite::types::FromSqlError| {
                StoreError::Corrupt(format!("a row of the persons table: {e}"))
            };
            let id = r.get_ref(0).map_err(db)?.as_blob().map_err(bad)?;
            let id = Uuid::from_slice(id)
                .map_err(|_| StoreError::Corrupt("a person's id is not 16 bytes".into()))?;
            let name = r.get_ref(1).map_err(db)?.as_str().map_err(bad)?;
            let reference = r.get_ref(2).map_err(db)?.as_str_or_null().map_err(bad)?;
            visit(id, name, reference)?;
        }
        Ok(())
    }

    fn scan_weapons(&mut self, visit: &mut dyn FnMut(Weapon) -> Result<()>) -> Result<()> {
        self.build_deferred_indexes()?;
        scan(
            &self.conn,
            "SELECT j.payload FROM weapons w JOIN journal j ON j.seq = w.seq ORDER BY w.seq",
            "weapon",
            visit,
        )
    }

    fn scan_events(&mut self, visit: &mut dyn FnMut(LifecycleEvent) -> Result<()>) -> Result<()> {
        self.build_deferred_indexes()?;
        scan(
            &self.conn,
            "SELECT j.payload FROM events e JOIN journal j ON j.seq = e.seq ORDER BY e.seq",
            "event",
            visit,
        )
    }
}

/// Reads a unique-constraint failure as the clash it is; any other error stays an error.
fn clash(result: rusqlite::Result<usize>, columns: &[(&str, Clash)]) -> Result<Option<Clash>> {
    match result {
        Ok(_) => Ok(None),
        Err(rusqlite::Error::SqliteFailure(e, Some(message)))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            let failed = message.rsplit(": ").next().unwrap_or("");
            match columns.iter().find(|(column, _)| failed == *column) {
                Some((_, clash)) => Ok(Some(*clash)),
                None => Err(StoreError::Backend(message)),
            }
        }
        Err(e) => Err(db(e)),
    }
}

fn scan<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    what: &str,
    visit: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(sql).map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    while let Some(row) = rows.next().map_err(db)? {
        let payload: String = row.get(0).map_err(db)?;
        visit(serde_json::from_str(&payload).map_err(|e| corrupt(what, e))?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recoveries_and_period_counts_are_read_from_indexes_alone() {
        for (sql, searches_expected) in [
            (RECOVERIES_SQL, 3),
            (PERIOD_COUNTS_SQL, 2),
            (TRACED_COUNTS_SQL, 2),
        ] {
            plan_reads_no_row(sql, searches_expected, &[]);
        }
        // The reports' recoveries read a person's row (for their sex) and nothing else.
        plan_reads_no_row(
            PERIOD_RECOVERIES_SQL,
            4,
            &["SEARCH p USING INDEX sqlite_autoindex_persons_1 (id=?) LEFT-JOIN"],
        );
    }

    #[test]
    fn report_answers_are_kept_replaced_by_later_ones_and_carried_into_the_next_period() {
        use salw_store::reports::{current_answers, record_answers};
        let dir = tempfile::tempdir().expect("tempdir");
        let mut b = SqliteBackend::open(&dir.path().join("r.db"), true).expect("open");
        let given = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(q, a)| (q.to_string(), a.to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let (p1, p2) = (("2022-01-01", "2023-12-31"), ("2024-01-01", "2025-12-31"));
        let record = |b: &mut SqliteBackend, p: (&str, &str), pairs: &[(&str, &str)]| {
            record_answers(
                b,
                "poa-2024",
                p.0,
                p.1,
                &given(pairs),
                "ana",
                "2026-01-01T00:00:00Z",
            )
            .expect("record")
        };
        assert_eq!(
            record(&mut b, p1, &[("1.1", "yes"), ("1.4", "Ms A, ministry")]),
            2
        );
        // The same answer again is not recorded twice; a different one is, and wins.
        assert_eq!(
            record(&mut b, p1, &[("1.1", "yes"), ("1.4", "Mr B, commission")]),
            1
        );
        let now = current_answers(&mut b, "poa-2024", p1.0, p1.1).expect("current");
        assert_eq!(now["1.4"].answer.answer, "Mr B, commission");
        assert!(!now["1.4"].carried);
        // Carried into the next period, marked as such; never back into an earlier one.
        let next = current_answers(&mut b, "poa-2024", p2.0, p2.1).expect("current");
        assert_eq!(next["1.1"].answer.answer, "yes");
        assert!(next["1.1"].carried && next["1.4"].carried);
        assert_eq!(next["1.4"].answer.answer, "Mr B, commission");
        // Confirming a carried answer records it for the new period.
        assert_eq!(record(&mut b, p2, &[("1.1", "yes")]), 1);
        let next = current_answers(&mut b, "poa-2024", p2.0, p2.1).expect("current");
        assert!(!next["1.1"].carried && next["1.4"].carried);
        let earlier =
            current_answers(&mut b, "poa-2024", "2020-01-01", "2021-12-31").expect("current");
        assert!(earlier.is_empty(), "{earlier:?}");
        // Every answer is kept, and none can be changed or deleted.
        assert_eq!(b.report_answers("poa-2024").expect("all").len(), 4);
        assert!(
            b.conn
                .execute("UPDATE report_answers SET answer = 'no'", [])
                .is_err()
        );
        assert!(b.conn.execute("DELETE FROM report_answers", []).is_err());
    }

    fn plan_reads_no_row(sql: &str, searches_expected: usize, row_reads_allowed: &[&str]) {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = SqliteBackend::open(&dir.path().join("r.db"), true).expect("open");
        let plan: Vec<String> = backend
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .and_then(|mut s| {
                s.query_map(["2000-01-01", "2030-12-31"], |r| r.get::<_, String>(3))?
                    .collect()
            })
            .expect("plan");
        let searches: Vec<&String> = plan.iter().filter(|d| d.starts_with("SEARCH")).collect();
        assert_eq!(searches.len(), searches_expected, "{plan:?}");
        for step in searches {
            assert!(
                step.contains("USING COVERING INDEX") || row_reads_allowed.contains(&step.as_str()),
                "reads rows: {step} in {plan:?}"
            );
        }
    }
}
