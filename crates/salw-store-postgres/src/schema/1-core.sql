-- The journal, signed heads, node metadata, the projections (weapons, persons, events),
-- released figures, report answers and photos.
--
-- The end state of the SQLite backend's migrations 1, 2, 4, 5, 7, 9, 10 and 12, with the same
-- table and column names. Ids of records are UUID; hashes and signatures BYTEA; flags BOOLEAN.
-- Dates stay YYYY-MM-DD text as in SQLite, with the "C" collation so that they compare (and
-- are indexed) byte by byte, as SQLite does.
--
-- Append-only tables refuse UPDATE and DELETE by trigger, as in SQLite, and TRUNCATE too
-- (which skips row triggers in PostgreSQL). What goes around them, `salw verify` catches.

-- One function raises every refusal: the message is the trigger's argument.
CREATE FUNCTION core_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'raise_exception';
END;
$$;

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- `seq` is computed by the writer (Registry::append, under the write lock), not by a
-- sequence: the chain has no gaps.
CREATE TABLE journal (
    seq         BIGINT PRIMARY KEY,
    id          UUID NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    source      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    hash        BYTEA NOT NULL
);
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal FOR EACH ROW
    EXECUTE FUNCTION core_refuse('the journal is append-only: record a correction instead');
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal FOR EACH ROW
    EXECUTE FUNCTION core_refuse('the journal is append-only: nothing is ever deleted');
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal FOR EACH STATEMENT
    EXECUTE FUNCTION core_refuse('the journal is append-only: nothing is ever deleted');

CREATE TABLE journal_heads (
    seq       BIGINT PRIMARY KEY,
    hash      BYTEA NOT NULL,
    signature BYTEA NOT NULL,
    signed_at TEXT NOT NULL
);

-- Projections: derived from the journal, rebuilt from it at any time. `seq` is the journal
-- entry that holds the record; it is written before that entry in the same transaction, hence
-- no foreign key to it.
--
-- `ordinal`: the row ordinal the marking search index points at, fixed at registration and
-- growing with each new weapon (a sequence; the write lock orders the writers). The id is
-- unique by an index, not the primary key, so that a bulk load into an empty registry can
-- drop it with the others and build them once, sorted (PgBackend::defer_weapon_indexes).
CREATE TABLE weapons (
    ordinal       BIGSERIAL PRIMARY KEY,
    id            UUID NOT NULL,
    reference     TEXT,
    -- "C": compared and indexed byte by byte, as SQLite does. Only ever matched for equality,
    -- which is the same under any deterministic collation, but the unique index over it sorts
    -- with memcmp instead of the locale's strcoll: at 1 M weapons its build took 0.76 s
    -- instead of 1.21 s (C.UTF-8 locale, 2 parallel workers; 2.48 s instead of 1.21 without).
    identity_key  TEXT COLLATE "C",
    category      TEXT NOT NULL,
    country       TEXT,
    manufacturer  TEXT,
    model         TEXT,
    serial        TEXT,
    awaiting_mark BOOLEAN NOT NULL,
    status        TEXT NOT NULL,
    holder        UUID,
    tracing       TEXT,
    seq           BIGINT NOT NULL,
    antique       BOOLEAN NOT NULL DEFAULT false,
    calibre       TEXT,
    unodc_type    TEXT
);
-- The id is unique by this index, which the foreign keys to weapons (id) use. It also carries
-- what the SDG 16.4.2 indicator and the questionnaire read of a recovery's weapon, found by id
-- without reading the row (an index-only scan once the table is vacuumed): SQLite has two
-- indexes for this (weapons_id, weapons_id_indicator); one here is one build less after a
-- bulk load (at 1 M weapons 0.69 s for this one instead of 0.43 s + 0.66 s for the two).
CREATE UNIQUE INDEX weapons_id ON weapons (id)
    INCLUDE (category, calibre, antique, awaiting_mark, tracing, unodc_type);
-- Partial: most weapons have no outside reference, unmarked ones no identity key.
CREATE UNIQUE INDEX weapons_reference ON weapons (reference) WHERE reference IS NOT NULL;
CREATE UNIQUE INDEX weapons_identity_key ON weapons (identity_key) WHERE identity_key IS NOT NULL;
-- Export and listing order.
CREATE INDEX weapons_seq ON weapons (seq);

CREATE TABLE persons (
    id        UUID PRIMARY KEY,
    reference TEXT UNIQUE,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    sex       TEXT,
    seq       BIGINT NOT NULL,
    -- An individual with the `licensee` role (the reports' tables by sex).
    licensee  BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX persons_seq ON persons (seq);
CREATE INDEX persons_licensees ON persons (sex) WHERE licensee;

CREATE TABLE events (
    id            UUID PRIMARY KEY,
    weapon_id     UUID NOT NULL REFERENCES weapons (id),
    kind          TEXT NOT NULL,
    occurred_on   TEXT COLLATE "C" NOT NULL,
    seq           BIGINT NOT NULL,
    -- A seizure in connection with a criminal offence (NULL: not a seizure).
    criminal      BOOLEAN,
    -- The event a correction withdraws or replaces.
    supersedes    UUID,
    from_holder   UUID,
    trace_outcome TEXT
);
CREATE INDEX events_weapon ON events (weapon_id, seq);
CREATE INDEX events_seq ON events (seq);
CREATE INDEX events_supersedes ON events (supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX events_recoveries ON events (occurred_on, kind)
    INCLUDE (criminal, weapon_id, id, from_holder)
    WHERE kind IN ('seized', 'found', 'surrendered');
CREATE INDEX events_period ON events (occurred_on, kind) INCLUDE (id);
CREATE INDEX events_traced ON events (occurred_on) INCLUDE (trace_outcome, id)
    WHERE kind = 'traced';

-- Released figures of an indicator: append-only; a later computation of the same period
-- that differs is a new row naming the release it revises (DOMAIN.md §7).
CREATE TABLE indicator_releases (
    seq         BIGSERIAL PRIMARY KEY,
    indicator   TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    profile     TEXT NOT NULL,
    released_at TEXT NOT NULL,
    released_by TEXT NOT NULL,
    numerator   BIGINT NOT NULL,
    denominator BIGINT NOT NULL,
    figures     TEXT NOT NULL,
    revises     BIGINT REFERENCES indicator_releases (seq)
);
CREATE INDEX indicator_releases_period
    ON indicator_releases (indicator, period_from, period_to, profile);
CREATE TRIGGER indicator_releases_no_update BEFORE UPDATE ON indicator_releases FOR EACH ROW
    EXECUTE FUNCTION core_refuse('a released figure is never changed: release a revision');
CREATE TRIGGER indicator_releases_no_delete BEFORE DELETE ON indicator_releases FOR EACH ROW
    EXECUTE FUNCTION core_refuse('a released figure is never deleted');
CREATE TRIGGER indicator_releases_no_truncate BEFORE TRUNCATE ON indicator_releases
    FOR EACH STATEMENT EXECUTE FUNCTION core_refuse('a released figure is never deleted');

-- Answers people give to report questions the registry cannot answer: append-only, the
-- latest for a question and period is the one shown (salw_store::reports).
CREATE TABLE report_answers (
    seq         BIGSERIAL PRIMARY KEY,
    template    TEXT NOT NULL,
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    entered_at  TEXT NOT NULL,
    entered_by  TEXT NOT NULL
);
CREATE INDEX report_answers_template ON report_answers (template, seq);
CREATE TRIGGER report_answers_no_update BEFORE UPDATE ON report_answers FOR EACH ROW
    EXECUTE FUNCTION core_refuse('a report answer is never changed: give a new one');
CREATE TRIGGER report_answers_no_delete BEFORE DELETE ON report_answers FOR EACH ROW
    EXECUTE FUNCTION core_refuse('a report answer is never deleted');
CREATE TRIGGER report_answers_no_truncate BEFORE TRUNCATE ON report_answers FOR EACH STATEMENT
    EXECUTE FUNCTION core_refuse('a report answer is never deleted');

-- Photos of weapons: bytes stored once under their BLAKE3 hash (hex), linked to weapons by
-- the journal entry that added them (salw_store::photos).
-- `seq`: the order they were stored in (SQLite's rowid), for copying a whole registry.
CREATE TABLE blobs (
    hash       TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    bytes      BYTEA NOT NULL,
    seq        BIGSERIAL NOT NULL
);
CREATE TRIGGER blobs_no_update BEFORE UPDATE ON blobs FOR EACH ROW
    EXECUTE FUNCTION core_refuse('stored photos are never changed');
CREATE TRIGGER blobs_no_delete BEFORE DELETE ON blobs FOR EACH ROW
    EXECUTE FUNCTION core_refuse('stored photos are never deleted');
CREATE TRIGGER blobs_no_truncate BEFORE TRUNCATE ON blobs FOR EACH STATEMENT
    EXECUTE FUNCTION core_refuse('stored photos are never deleted');
CREATE TABLE weapon_photos (
    weapon_id UUID NOT NULL REFERENCES weapons (id),
    hash      TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    PRIMARY KEY (weapon_id, hash)
);
