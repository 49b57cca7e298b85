//! Schema versions, applied in order on open; `PRAGMA user_version` records the last applied.

use rusqlite::{Connection, OptionalExtension};
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
    // 2: the weapon id gets a droppable unique index instead of the PRIMARY KEY's built-in one,
    // and each weapon a fixed row ordinal for the search index,
    // so that a bulk load into an empty registry can build all three indexes once, sorted,
    // at the end (SqliteBackend::defer_weapon_indexes). SQLite's procedure for changing a
    // table: create the new one, copy, drop, rename (foreign keys are off during migrations).
    r#"
    CREATE TABLE weapons_v2 (
        -- The row ordinal the search index points at: an alias of the rowid, which VACUUM
        -- keeps as it is only when it is declared.
        ordinal             INTEGER PRIMARY KEY,
        id                  BLOB NOT NULL,
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
    INSERT INTO weapons_v2 (id, reference, identity_key, category, country, manufacturer,
        model, serial, awaiting_mark, status, holder, tracing, seq)
        SELECT id, reference, identity_key, category, country, manufacturer,
        model, serial, awaiting_mark, status, holder, tracing, seq FROM weapons ORDER BY seq;
    DROP TABLE weapons;
    ALTER TABLE weapons_v2 RENAME TO weapons;
    CREATE UNIQUE INDEX weapons_id ON weapons (id);
    CREATE UNIQUE INDEX weapons_reference ON weapons (reference) WHERE reference IS NOT NULL;
    CREATE UNIQUE INDEX weapons_identity_key ON weapons (identity_key) WHERE identity_key IS NOT NULL;
    "#,
    // 3: accounts, API tokens and the audit trail (salw_store::access). The audit trail is
    // append-only like the journal and chained the same way.
    r#"
    CREATE TABLE accounts (
        name          TEXT PRIMARY KEY,
        role          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        created_by    TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE api_tokens (
        hash       TEXT PRIMARY KEY,
        prefix     TEXT NOT NULL,
        account    TEXT NOT NULL REFERENCES accounts (name),
        label      TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX api_tokens_account ON api_tokens (account);
    CREATE TABLE audit (
        seq    INTEGER PRIMARY KEY,
        at     TEXT NOT NULL,
        actor  TEXT NOT NULL,
        role   TEXT NOT NULL,
        action TEXT NOT NULL,
        asked  TEXT NOT NULL,
        shown  TEXT NOT NULL,
        hash   BLOB NOT NULL
    );
    CREATE INDEX audit_actor ON audit (actor, seq);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: nothing is ever deleted'); END;
    "#,
    // 4: photos of weapons: bytes stored once under their BLAKE3 hash, linked to weapons by the
    // journal entry that added them (salw_store::photos).
    r#"
    CREATE TABLE blobs (
        hash       TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        bytes      BLOB NOT NULL
    );
    CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs
        BEGIN SELECT RAISE(ABORT, 'stored photos are never changed'); END;
    CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs
        BEGIN SELECT RAISE(ABORT, 'stored photos are never deleted'); END;
    CREATE TABLE weapon_photos (
        weapon_id BLOB NOT NULL REFERENCES weapons (id),
        hash      TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        PRIMARY KEY (weapon_id, hash)
    );
    "#,
    // 5: what the SDG 16.4.2 indicator reads (salw_core::indicator), as columns, so that it
    // is computed without parsing records: whether a seizure was criminal, which event a
    // correction supersedes, whether a weapon is an antique and its calibre. Existing rows get
    // them from their journal entries.
    r#"
    ALTER TABLE events ADD COLUMN criminal INTEGER;
    ALTER TABLE events ADD COLUMN supersedes BLOB;
    ALTER TABLE weapons ADD COLUMN antique INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE weapons ADD COLUMN calibre TEXT;
    UPDATE events SET
        criminal = (SELECT json_extract(j.payload, '$.seizure_basis') = 'criminal_offence'
                    FROM journal j WHERE j.seq = events.seq),
        supersedes = (SELECT unhex(replace(json_extract(j.payload, '$.supersedes'), '-', ''))
                      FROM journal j WHERE j.seq = events.seq);
    UPDATE weapons SET
        antique = coalesce((SELECT json_extract(j.payload, '$.antique') FROM journal j WHERE j.seq = weapons.seq), 0),
        calibre = (SELECT json_extract(j.payload, '$.calibre') FROM journal j WHERE j.seq = weapons.seq);
    CREATE INDEX events_recoveries ON events (occurred_on)
        WHERE kind IN ('seized', 'found', 'surrendered');
    CREATE INDEX events_supersedes ON events (supersedes) WHERE supersedes IS NOT NULL;

    -- Released figures of an indicator: append-only; a later computation of the same period
    -- that differs is a new row naming the release it revises (DOMAIN.md §7).
    CREATE TABLE indicator_releases (
        seq         INTEGER PRIMARY KEY,
        indicator   TEXT NOT NULL,
        period_from TEXT NOT NULL,
        period_to   TEXT NOT NULL,
        profile     TEXT NOT NULL,
        released_at TEXT NOT NULL,
        released_by TEXT NOT NULL,
        numerator   INTEGER NOT NULL,
        denominator INTEGER NOT NULL,
        figures     TEXT NOT NULL,
        revises     INTEGER REFERENCES indicator_releases (seq)
    );
    CREATE INDEX indicator_releases_period ON indicator_releases (indicator, period_from, period_to, profile);
    CREATE TRIGGER indicator_releases_no_update BEFORE UPDATE ON indicator_releases
        BEGIN SELECT RAISE(ABORT, 'a released figure is never changed: release a revision'); END;
    CREATE TRIGGER indicator_releases_no_delete BEFORE DELETE ON indicator_releases
        BEGIN SELECT RAISE(ABORT, 'a released figure is never deleted'); END;
    "#,
    // 6: federation (salw_store::federation): the partners' history (append-only: the current
    // partner of a country is its latest row), the outbox with its retries, and the inbox,
    // where a message id is unique so that a message is stored and takes effect once.
    r#"
    CREATE TABLE peers (
        seq        INTEGER PRIMARY KEY,
        country    TEXT NOT NULL,
        url        TEXT NOT NULL,
        public_key TEXT NOT NULL,
        added_at   TEXT NOT NULL,
        added_by   TEXT NOT NULL,
        removed    INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX peers_country ON peers (country, seq);
    CREATE TRIGGER peers_no_update BEFORE UPDATE ON peers
        BEGIN SELECT RAISE(ABORT, 'the peers history is append-only: add a new row'); END;
    CREATE TRIGGER peers_no_delete BEFORE DELETE ON peers
        BEGIN SELECT RAISE(ABORT, 'the peers history is append-only: add a row that removes the peer'); END;

    CREATE TABLE outbox (
        id              TEXT PRIMARY KEY,
        destination     TEXT NOT NULL,
        kind            TEXT NOT NULL,
        envelope        TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        expires_at      TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        delivered_at    TEXT,
        abandoned       TEXT,
        last_error      TEXT
    );
    CREATE INDEX outbox_due ON outbox (next_attempt_at)
        WHERE delivered_at IS NULL AND abandoned IS NULL;
    -- What was sent is never changed; only its delivery is.
    CREATE TRIGGER outbox_envelope_fixed BEFORE UPDATE OF id, destination, kind, envelope, created_at, expires_at ON outbox
        BEGIN SELECT RAISE(ABORT, 'a message in the outbox is never changed'); END;

    CREATE TABLE inbox (
        id           TEXT PRIMARY KEY,
        sender       TEXT NOT NULL,
        sender_key   TEXT NOT NULL,
        kind         TEXT NOT NULL,
        digest       TEXT NOT NULL,
        envelope     TEXT NOT NULL,
        received_at  TEXT NOT NULL,
        processed_at TEXT
    );
    CREATE TRIGGER inbox_no_delete BEFORE DELETE ON inbox
        BEGIN SELECT RAISE(ABORT, 'received messages are never deleted (their ids stop replays)'); END;
    CREATE TRIGGER inbox_envelope_fixed BEFORE UPDATE OF id, sender, sender_key, kind, digest, envelope, received_at ON inbox
        BEGIN SELECT RAISE(ABORT, 'a received message is never changed'); END;
    "#,
    // 7: indexes that answer SDG 16.4.2 without reading event or weapon rows: a recovery's
    // columns from the first, its weapon's from the second (found by id). Each row read at
    // random costs a page; on a registry of 1 M weapons this took the computation from
    // 3.3 s to 1.2 s (BENCHMARKS.md). Named `weapons_id_…` so that a bulk import builds it
    // after the rows, with the weapons' unique indexes.
    r#"
    DROP INDEX events_recoveries;
    CREATE INDEX events_recoveries ON events (occurred_on, kind, criminal, weapon_id, id)
        WHERE kind IN ('seized', 'found', 'surrendered');
    CREATE INDEX weapons_id_indicator
        ON weapons (id, category, calibre, antique, awaiting_mark, tracing);
    "#,
    // 8: trace records (salw_store::traces): one row per trace, never changed, and one row
    // per change of its state (the current state is the latest step), never changed either.
    r#"
    CREATE TABLE traces (
        id              TEXT PRIMARY KEY,
        role            TEXT NOT NULL CHECK (role IN ('sent', 'received')),
        partner         TEXT NOT NULL,
        weapon_id       TEXT,
        reference       TEXT NOT NULL,
        priority        TEXT NOT NULL CHECK (priority IN ('routine', 'urgent')),
        urgency_reason  TEXT,
        request         TEXT NOT NULL,
        restrictions    TEXT NOT NULL,
        confidentiality TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        created_by      TEXT NOT NULL
    );
    CREATE TRIGGER traces_no_update BEFORE UPDATE ON traces
        BEGIN SELECT RAISE(ABORT, 'a trace is never changed: add a step'); END;
    CREATE TRIGGER traces_no_delete BEFORE DELETE ON traces
        BEGIN SELECT RAISE(ABORT, 'a trace is never deleted'); END;
    CREATE TABLE trace_steps (
        seq            INTEGER PRIMARY KEY,
        trace_id       TEXT NOT NULL REFERENCES traces (id),
        state          TEXT NOT NULL,
        at             TEXT NOT NULL,
        by             TEXT NOT NULL,
        message_id     TEXT,
        acknowledge_by TEXT,
        answer_by      TEXT,
        detail         TEXT NOT NULL
    );
    CREATE INDEX trace_steps_trace ON trace_steps (trace_id, seq);
    CREATE INDEX trace_steps_message ON trace_steps (message_id) WHERE message_id IS NOT NULL;
    CREATE TRIGGER trace_steps_no_update BEFORE UPDATE ON trace_steps
        BEGIN SELECT RAISE(ABORT, 'a trace step is never changed: add another'); END;
    CREATE TRIGGER trace_steps_no_delete BEFORE DELETE ON trace_steps
        BEGIN SELECT RAISE(ABORT, 'a trace step is never deleted'); END;
    "#,
    // 9: the events of a period by kind, for the reports (`period_event_counts`), from an
    // index instead of a pass over every event: at 1 M weapons and 4.7 M events the PoA
    // report went from 8.8 s to 5.8 s (BENCHMARKS.md).
    r#"
    CREATE INDEX events_period ON events (occurred_on, kind, id);
    "#,
    // 10: answers people give to report questions the registry cannot answer (the PoA/ITI
    // report's): append-only, the latest for a question and period is the one shown, and
    // the last period's answers are carried into the next draft (salw_store::reports).
    r#"
    CREATE TABLE report_answers (
        seq         INTEGER PRIMARY KEY,
        template    TEXT NOT NULL,
        period_from TEXT NOT NULL,
        period_to   TEXT NOT NULL,
        question    TEXT NOT NULL,
        answer      TEXT NOT NULL,
        entered_at  TEXT NOT NULL,
        entered_by  TEXT NOT NULL
    );
    CREATE INDEX report_answers_template ON report_answers (template, seq);
    CREATE TRIGGER report_answers_no_update BEFORE UPDATE ON report_answers
        BEGIN SELECT RAISE(ABORT, 'a report answer is never changed: give a new one'); END;
    CREATE TRIGGER report_answers_no_delete BEFORE DELETE ON report_answers
        BEGIN SELECT RAISE(ABORT, 'a report answer is never deleted'); END;
    "#,
    // 11: lost and stolen alerts between States (salw_store::alerts): what was shared with
    // whom, the alerts received (matched by identity key), the hits and the notices sent for
    // them. All append-only. A partial index finds the lost and stolen reports.
    r#"
    CREATE TABLE alerts_shared (
        event_id   BLOB NOT NULL,
        partner    TEXT NOT NULL,
        message_id TEXT NOT NULL,
        PRIMARY KEY (event_id, partner)
    );
    CREATE TABLE partner_alerts (
        message_id   TEXT PRIMARY KEY,
        partner      TEXT NOT NULL,
        identity_key TEXT NOT NULL,
        reference    TEXT NOT NULL,
        reported     TEXT NOT NULL,
        reported_on  TEXT NOT NULL,
        serial       TEXT NOT NULL,
        manufacturer TEXT NOT NULL,
        model        TEXT NOT NULL,
        country      TEXT NOT NULL,
        received_at  TEXT NOT NULL
    );
    CREATE INDEX partner_alerts_key ON partner_alerts (identity_key);
    CREATE TABLE alert_hits (
        seq          INTEGER PRIMARY KEY,
        direction    TEXT NOT NULL CHECK (direction IN ('recovered-here', 'reported-here')),
        alert        TEXT NOT NULL,
        partner      TEXT NOT NULL,
        weapon_id    TEXT,
        recovery     TEXT NOT NULL,
        recovered_on TEXT NOT NULL,
        detail       TEXT NOT NULL,
        at           TEXT NOT NULL,
        UNIQUE (direction, alert, detail)
    );
    CREATE TABLE alert_notices (
        hit        INTEGER PRIMARY KEY REFERENCES alert_hits (seq),
        message_id TEXT NOT NULL
    );
    CREATE INDEX events_lost_stolen ON events (kind) WHERE kind IN ('reported_lost', 'reported_stolen');
    CREATE TRIGGER alerts_shared_fixed BEFORE UPDATE ON alerts_shared
        BEGIN SELECT RAISE(ABORT, 'what was shared is never changed'); END;
    CREATE TRIGGER alerts_shared_kept BEFORE DELETE ON alerts_shared
        BEGIN SELECT RAISE(ABORT, 'what was shared is never deleted'); END;
    CREATE TRIGGER partner_alerts_fixed BEFORE UPDATE ON partner_alerts
        BEGIN SELECT RAISE(ABORT, 'an alert received is never changed'); END;
    CREATE TRIGGER partner_alerts_kept BEFORE DELETE ON partner_alerts
        BEGIN SELECT RAISE(ABORT, 'an alert received is never deleted'); END;
    CREATE TRIGGER alert_hits_fixed BEFORE UPDATE ON alert_hits
        BEGIN SELECT RAISE(ABORT, 'a hit is never changed'); END;
    CREATE TRIGGER alert_hits_kept BEFORE DELETE ON alert_hits
        BEGIN SELECT RAISE(ABORT, 'a hit is never deleted'); END;
    CREATE TRIGGER alert_notices_fixed BEFORE UPDATE ON alert_notices
        BEGIN SELECT RAISE(ABORT, 'a notice is never changed'); END;
    CREATE TRIGGER alert_notices_kept BEFORE DELETE ON alert_notices
        BEGIN SELECT RAISE(ABORT, 'a notice is never deleted'); END;
    "#,
    // 12: the rest of what the questionnaire and the PoA report read, as columns: of a
    // recovery, its weapon's UNODC type and the person it came from (in the indexes the
    // indicator already reads); of a trace, its outcome; which persons are licensed
    // individuals. The reports then read no journal entry: at 1 M weapons each recovery and
    // trace of the period cost random reads of the journal, and the licensees a decoding of
    // every person (the PoA report went from 3.4 s to 1.5 s, BENCHMARKS.md). Existing rows
    // get them from their journal entries, each read once.
    r#"
    ALTER TABLE weapons ADD COLUMN unodc_type TEXT;
    ALTER TABLE events ADD COLUMN from_holder BLOB;
    ALTER TABLE events ADD COLUMN trace_outcome TEXT;
    ALTER TABLE persons ADD COLUMN licensee INTEGER NOT NULL DEFAULT 0;
    UPDATE weapons SET unodc_type =
        (SELECT json_extract(j.payload, '$.unodc_type') FROM journal j WHERE j.seq = weapons.seq);
    UPDATE events SET
        from_holder = unhex(replace(json_extract(j.payload, '$.from_holder'), '-', '')),
        trace_outcome = json_extract(j.payload, '$.trace_outcome')
        FROM journal j WHERE j.seq = events.seq;
    UPDATE persons SET licensee = kind = 'individual' AND EXISTS
        (SELECT 1 FROM journal j, json_each(j.payload, '$.roles') r
         WHERE j.seq = persons.seq AND r.value = 'licensee');
    DROP INDEX events_recoveries;
    CREATE INDEX events_recoveries ON events (occurred_on, kind, criminal, weapon_id, id, from_holder)
        WHERE kind IN ('seized', 'found', 'surrendered');
    DROP INDEX IF EXISTS weapons_id_indicator;
    CREATE INDEX weapons_id_indicator
        ON weapons (id, category, calibre, antique, awaiting_mark, tracing, unodc_type);
    CREATE INDEX persons_licensees ON persons (sex) WHERE licensee;
    CREATE INDEX events_traced ON events (occurred_on, trace_outcome, id) WHERE kind = 'traced';
    "#,
    // 13: self-assessments against the standards and the assistance they lead to
    // (salw_store::assessments): entries per clause (the latest counts), needs, offers,
    // projects and their results. All append-only.
    r#"
    CREATE TABLE assessment_entries (
        seq        INTEGER PRIMARY KEY,
        assessment TEXT NOT NULL,
        checklist  TEXT NOT NULL,
        clause     TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('met', 'partly_met', 'not_met', 'not_applicable')),
        note       TEXT,
        document   TEXT,
        owner      TEXT,
        due        TEXT,
        entered_at TEXT NOT NULL,
        entered_by TEXT NOT NULL,
        figure     TEXT
    );
    CREATE INDEX assessment_entries_name ON assessment_entries (assessment, seq);
    CREATE TABLE assistance (
        seq        INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('need', 'offer', 'project', 'result')),
        id         TEXT NOT NULL,
        body       TEXT NOT NULL,
        entered_at TEXT NOT NULL,
        entered_by TEXT NOT NULL
    );
    CREATE UNIQUE INDEX assistance_id ON assistance (kind, id) WHERE kind <> 'result';
    CREATE TRIGGER assessment_entries_fixed BEFORE UPDATE ON assessment_entries
        BEGIN SELECT RAISE(ABORT, 'an assessment entry is never changed: give a new one'); END;
    CREATE TRIGGER assessment_entries_kept BEFORE DELETE ON assessment_entries
        BEGIN SELECT RAISE(ABORT, 'an assessment entry is never deleted'); END;
    CREATE TRIGGER assistance_fixed BEFORE UPDATE ON assistance
        BEGIN SELECT RAISE(ABORT, 'an assistance record is never changed: keep a new one'); END;
    CREATE TRIGGER assistance_kept BEFORE DELETE ON assistance
        BEGIN SELECT RAISE(ABORT, 'an assistance record is never deleted'); END;
    "#,
    // 14: stockpile workflow records (salw_store::stockpile): count plans and results,
    // discrepancies and their steps, campaigns, destruction batches and their evidence,
    // evidence holds. Append-only; the weapons an armoury holds are read by holder.
    r#"
    CREATE TABLE stock_records (
        seq        INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('policy', 'count', 'count_result', 'discrepancy',
                       'discrepancy_step', 'campaign', 'destruction', 'destruction_evidence',
                       'hold', 'release', 'intake')),
        id         TEXT NOT NULL,
        body       TEXT NOT NULL,
        entered_at TEXT NOT NULL,
        entered_by TEXT NOT NULL
    );
    CREATE INDEX stock_records_kind ON stock_records (kind, id, seq);
    CREATE UNIQUE INDEX stock_records_unique ON stock_records (kind, id)
        WHERE kind IN ('count', 'count_result', 'discrepancy', 'campaign', 'destruction');
    CREATE TRIGGER stock_records_fixed BEFORE UPDATE ON stock_records
        BEGIN SELECT RAISE(ABORT, 'a stockpile record is never changed: keep a new one'); END;
    CREATE TRIGGER stock_records_kept BEFORE DELETE ON stock_records
        BEGIN SELECT RAISE(ABORT, 'a stockpile record is never deleted'); END;
    CREATE INDEX weapons_holder ON weapons (holder, status) WHERE holder IS NOT NULL;
    CREATE INDEX events_deactivated ON events (weapon_id) WHERE kind = 'deactivated';
    "#,
];

pub fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    apply_up_to(conn, MIGRATIONS.len())
}

fn apply_up_to(conn: &mut Connection, last: usize) -> Result<(), StoreError> {
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
    for (i, sql) in MIGRATIONS.iter().enumerate().take(last).skip(current) {
        let tx = conn.transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(backend)?;
        // What a rebuilt table's neighbours refer to must still be there.
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        if let Some(table) = broken {
            return Err(StoreError::Corrupt(format!(
                "migration {} left rows of {table} pointing at nothing",
                i + 1
            )));
        }
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_2_keeps_every_weapon_and_the_events_that_point_at_them() {
        let mut conn = Connection::open_in_memory().expect("open");
        apply_up_to(&mut conn, 1).expect("version 1");
        conn.execute_batch(
            "INSERT INTO weapons (id, reference, identity_key, category, awaiting_mark, status, seq)
                 VALUES (x'01', 'R-1', 'k1', 'rifle', 0, 'registered', 1),
                        (x'02', NULL, NULL, 'shotgun', 1, 'registered', 2);
             INSERT INTO events (id, weapon_id, kind, occurred_on, seq) VALUES (x'03', x'01', 'found', '2020-01-01', 3);",
        )
        .expect("version 1 rows");
        conn.pragma_update(None, "foreign_keys", "OFF")
            .expect("pragma");
        apply(&mut conn).expect("version 2");
        conn.pragma_update(None, "foreign_keys", "ON")
            .expect("pragma");
        let kept: Vec<(Vec<u8>, Option<String>)> = conn
            .prepare("SELECT id, reference FROM weapons ORDER BY id")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .expect("weapons");
        assert_eq!(
            kept,
            vec![(vec![1], Some("R-1".to_owned())), (vec![2], None)]
        );
        // The unique indexes are back, and the event's foreign key still resolves.
        let clash = conn.execute(
            "INSERT INTO weapons (id, category, awaiting_mark, status, seq) VALUES (x'01', 'rifle', 0, 'registered', 4)",
            [],
        );
        assert!(clash.is_err(), "a second weapon with id 01 must be refused");
        let dangling = conn.execute(
            "INSERT INTO events (id, weapon_id, kind, occurred_on, seq) VALUES (x'04', x'09', 'found', '2020-01-01', 5)",
            [],
        );
        assert!(dangling.is_err(), "an event of no weapon must be refused");
        conn.execute(
            "INSERT INTO events (id, weapon_id, kind, occurred_on, seq) VALUES (x'05', x'02', 'found', '2020-01-01', 6)",
            [],
        )
        .expect("an event of a known weapon");
    }

    #[test]
    fn migration_5_reads_the_indicator_columns_from_the_journal() {
        let mut conn = Connection::open_in_memory().expect("open");
        apply_up_to(&mut conn, 4).expect("version 4");
        let weapon = r#"{"id":"00000000-0000-7000-8000-000000000001","category":"rifle","calibre":"7.62x39","antique":true}"#;
        let seizure = r#"{"id":"00000000-0000-7000-8000-000000000002","weapon_id":"00000000-0000-7000-8000-000000000001","kind":"seized","occurred_on":"2024-01-01","seizure_basis":"criminal_offence"}"#;
        let correction = r#"{"id":"00000000-0000-7000-8000-000000000003","weapon_id":"00000000-0000-7000-8000-000000000001","kind":"seized","occurred_on":"2024-01-01","seizure_basis":"administrative_violation","supersedes":"00000000-0000-7000-8000-000000000002","reason":"x"}"#;
        for (seq, payload) in [(1, weapon), (2, seizure), (3, correction)] {
            conn.execute(
                "INSERT INTO journal (seq, id, kind, subject, occurred_at, recorded_at, recorded_by, source, payload, hash)
                 VALUES (?1, 'e', 'k', 's', 'o', 'r', 'b', 'c', ?2, x'00')",
                rusqlite::params![seq, payload],
            )
            .expect("journal");
        }
        conn.execute_batch(
            "INSERT INTO weapons (id, category, awaiting_mark, status, seq)
                 VALUES (x'00000000000070008000000000000001', 'rifle', 0, 'seized', 1);
             INSERT INTO events (id, weapon_id, kind, occurred_on, seq) VALUES
                 (x'00000000000070008000000000000002', x'00000000000070008000000000000001', 'seized', '2024-01-01', 2),
                 (x'00000000000070008000000000000003', x'00000000000070008000000000000001', 'seized', '2024-01-01', 3);",
        )
        .expect("version 4 rows");
        apply(&mut conn).expect("version 5");
        let (antique, calibre): (bool, String) = conn
            .query_row("SELECT antique, calibre FROM weapons", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .expect("weapon");
        assert!(antique);
        assert_eq!(calibre, "7.62x39");
        let events: Vec<(Option<bool>, Option<Vec<u8>>)> = conn
            .prepare("SELECT criminal, supersedes FROM events ORDER BY seq")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .expect("events");
        let superseded = vec![0u8, 0, 0, 0, 0, 0, 0x70, 0, 0x80, 0, 0, 0, 0, 0, 0, 2];
        assert_eq!(
            events,
            vec![(Some(true), None), (Some(false), Some(superseded))]
        );
    }

    #[test]
    fn migration_12_reads_the_report_columns_from_the_journal() {
        let mut conn = Connection::open_in_memory().expect("open");
        apply_up_to(&mut conn, 11).expect("version 11");
        let id = |n: u8| format!("00000000-0000-7000-8000-0000000000{n:02x}");
        let blob = |n: u8| {
            let mut b = vec![0u8, 0, 0, 0, 0, 0, 0x70, 0, 0x80, 0, 0, 0, 0, 0, 0, 0];
            b[15] = n;
            b
        };
        let journal = [
            (
                1,
                format!(
                    r#"{{"id":"{}","category":"rifle","unodc_type":"shotgun"}}"#,
                    id(1)
                ),
            ),
            (
                2,
                format!(
                    r#"{{"id":"{}","kind":"individual","name":"A","sex":"female","roles":["owner","licensee"]}}"#,
                    id(2)
                ),
            ),
            (
                3,
                format!(
                    r#"{{"id":"{}","kind":"organisation","name":"B","roles":["licensee"]}}"#,
                    id(3)
                ),
            ),
            (
                4,
                format!(r#"{{"id":"{}","kind":"individual","name":"C"}}"#, id(4)),
            ),
            (
                5,
                format!(
                    r#"{{"id":"{}","weapon_id":"{}","kind":"surrendered","occurred_on":"2024-01-01","from_holder":"{}"}}"#,
                    id(5),
                    id(1),
                    id(2)
                ),
            ),
            (
                6,
                format!(
                    r#"{{"id":"{}","weapon_id":"{}","kind":"traced","occurred_on":"2024-02-01","trace_outcome":"unsuccessful"}}"#,
                    id(6),
                    id(1)
                ),
            ),
        ];
        for (seq, payload) in &journal {
            conn.execute(
                "INSERT INTO journal (seq, id, kind, subject, occurred_at, recorded_at, recorded_by, source, payload, hash)
                 VALUES (?1, 'e', 'k', 's', 'o', 'r', 'b', 'c', ?2, x'00')",
                rusqlite::params![seq, payload],
            )
            .expect("journal");
        }
        conn.execute(
            "INSERT INTO weapons (id, category, awaiting_mark, status, seq) VALUES (?1, 'rifle', 0, 'surrendered', 1)",
            [blob(1)],
        )
        .expect("weapon");
        for (n, kind, seq) in [
            (2, "individual", 2),
            (3, "organisation", 3),
            (4, "individual", 4),
        ] {
            conn.execute(
                "INSERT INTO persons (id, kind, name, seq) VALUES (?1, ?2, 'x', ?3)",
                rusqlite::params![blob(n), kind, seq],
            )
            .expect("person");
        }
        for (n, kind, seq) in [(5, "surrendered", 5), (6, "traced", 6)] {
            conn.execute(
                "INSERT INTO events (id, weapon_id, kind, occurred_on, seq) VALUES (?1, ?2, ?3, '2024-01-01', ?4)",
                rusqlite::params![blob(n), blob(1), kind, seq],
            )
            .expect("event");
        }
        apply(&mut conn).expect("version 12");
        let unodc: Option<String> = conn
            .query_row("SELECT unodc_type FROM weapons", [], |r| r.get(0))
            .expect("weapon");
        assert_eq!(unodc.as_deref(), Some("shotgun"));
        let licensed: Vec<bool> = conn
            .prepare("SELECT licensee FROM persons ORDER BY seq")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("persons");
        // An organisation holding a licence is not a licensed individual.
        assert_eq!(licensed, vec![true, false, false]);
        let events: Vec<(Option<Vec<u8>>, Option<String>)> = conn
            .prepare("SELECT from_holder, trace_outcome FROM events ORDER BY seq")
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .expect("events");
        assert_eq!(
            events,
            vec![
                (Some(blob(2)), None),
                (None, Some("unsuccessful".to_owned()))
            ]
        );
    }
}
