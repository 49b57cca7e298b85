-- accounts, tokens, audit, peers, outbox, inbox, traces, alerts, assessments, assistance, stock records
--
-- The end state of the SQLite backend's migrations 3, 6, 8, 11, 13 and 14 (the workflow
-- tables), with the same table and column names. Times and dates are TEXT as in SQLite (ISO
-- strings, compared as text); hashes BYTEA; flags BOOLEAN. The text columns that are
-- compared or sorted (times, names, ids, partners) have the "C" collation, so that they
-- compare byte by byte as in SQLite whatever the database's locale. Ids of registry records are UUID
-- where they join the core tables (alerts_shared.event_id), TEXT where the Rust side keeps
-- them as text (traces.weapon_id, alert_hits.weapon_id).
--
-- Append-only tables refuse UPDATE and DELETE by trigger, as in SQLite, and TRUNCATE too
-- (which skips row triggers in PostgreSQL).

-- One function raises every refusal: the message is the trigger's argument.
CREATE FUNCTION workflow_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'raise_exception';
END;
$$;

-- Accounts, API tokens and the audit trail (salw_store::access). The audit trail is chained
-- like the journal: `seq` is computed by the writer (append_audit, under the write lock),
-- not by a sequence, so that it has no gaps.
CREATE TABLE accounts (
    name          TEXT COLLATE "C" PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE api_tokens (
    hash       TEXT PRIMARY KEY,
    prefix     TEXT NOT NULL,
    account    TEXT NOT NULL REFERENCES accounts (name),
    label      TEXT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX api_tokens_account ON api_tokens (account);
CREATE TABLE audit (
    seq    BIGINT PRIMARY KEY,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    role   TEXT NOT NULL,
    action TEXT NOT NULL,
    asked  TEXT NOT NULL,
    shown  TEXT NOT NULL,
    hash   BYTEA NOT NULL
);
CREATE INDEX audit_actor ON audit (actor, seq);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('the audit trail is append-only');
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('the audit trail is append-only: nothing is ever deleted');
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('the audit trail is append-only: nothing is ever deleted');

-- Federation (salw_store::federation): the partners' history (append-only: the current
-- partner of a country is its latest row), the outbox with its retries, and the inbox, where
-- a message id is unique so that a message is stored and takes effect once.
CREATE TABLE peers (
    seq        BIGSERIAL PRIMARY KEY,
    country    TEXT COLLATE "C" NOT NULL,
    url        TEXT NOT NULL,
    public_key TEXT NOT NULL,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL,
    removed    BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX peers_country ON peers (country, seq);
CREATE TRIGGER peers_no_update BEFORE UPDATE ON peers FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('the peers history is append-only: add a new row');
CREATE TRIGGER peers_no_delete BEFORE DELETE ON peers FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('the peers history is append-only: add a row that removes the peer');
CREATE TRIGGER peers_no_truncate BEFORE TRUNCATE ON peers FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('the peers history is append-only: add a row that removes the peer');

CREATE TABLE outbox (
    id              TEXT COLLATE "C" PRIMARY KEY,
    destination     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    envelope        TEXT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    expires_at      TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    delivered_at    TEXT,
    abandoned       TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE delivered_at IS NULL AND abandoned IS NULL;
CREATE INDEX outbox_created ON outbox (created_at, id);
-- What was sent is never changed; only its delivery is.
CREATE TRIGGER outbox_envelope_fixed
    BEFORE UPDATE OF id, destination, kind, envelope, created_at, expires_at ON outbox
    FOR EACH ROW EXECUTE FUNCTION workflow_refuse('a message in the outbox is never changed');

CREATE TABLE inbox (
    id           TEXT COLLATE "C" PRIMARY KEY,
    sender       TEXT NOT NULL,
    sender_key   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    envelope     TEXT NOT NULL,
    received_at  TEXT COLLATE "C" NOT NULL,
    processed_at TEXT
);
CREATE INDEX inbox_received ON inbox (received_at, id);
CREATE TRIGGER inbox_no_delete BEFORE DELETE ON inbox FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('received messages are never deleted (their ids stop replays)');
CREATE TRIGGER inbox_no_truncate BEFORE TRUNCATE ON inbox FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('received messages are never deleted (their ids stop replays)');
CREATE TRIGGER inbox_envelope_fixed
    BEFORE UPDATE OF id, sender, sender_key, kind, digest, envelope, received_at ON inbox
    FOR EACH ROW EXECUTE FUNCTION workflow_refuse('a received message is never changed');

-- Trace records (salw_store::traces): one row per trace, never changed, and one row per
-- change of its state (the current state is the latest step), never changed either.
CREATE TABLE traces (
    id              TEXT COLLATE "C" PRIMARY KEY,
    role            TEXT NOT NULL CHECK (role IN ('sent', 'received')),
    partner         TEXT NOT NULL,
    weapon_id       TEXT,
    reference       TEXT NOT NULL,
    priority        TEXT NOT NULL CHECK (priority IN ('routine', 'urgent')),
    urgency_reason  TEXT,
    request         TEXT NOT NULL,
    restrictions    TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX traces_created ON traces (created_at, id);
CREATE TRIGGER traces_no_update BEFORE UPDATE ON traces FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a trace is never changed: add a step');
CREATE TRIGGER traces_no_delete BEFORE DELETE ON traces FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a trace is never deleted');
CREATE TRIGGER traces_no_truncate BEFORE TRUNCATE ON traces FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('a trace is never deleted');
-- `by` is a reserved word in PostgreSQL: quoted wherever it is named.
CREATE TABLE trace_steps (
    seq            BIGSERIAL PRIMARY KEY,
    trace_id       TEXT NOT NULL REFERENCES traces (id),
    state          TEXT NOT NULL,
    at             TEXT NOT NULL,
    "by"           TEXT NOT NULL,
    message_id     TEXT,
    acknowledge_by TEXT,
    answer_by      TEXT,
    detail         TEXT NOT NULL
);
CREATE INDEX trace_steps_trace ON trace_steps (trace_id, seq);
CREATE INDEX trace_steps_message ON trace_steps (message_id) WHERE message_id IS NOT NULL;
CREATE TRIGGER trace_steps_no_update BEFORE UPDATE ON trace_steps FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a trace step is never changed: add another');
CREATE TRIGGER trace_steps_no_delete BEFORE DELETE ON trace_steps FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a trace step is never deleted');
CREATE TRIGGER trace_steps_no_truncate BEFORE TRUNCATE ON trace_steps FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('a trace step is never deleted');

-- Lost and stolen alerts between States (salw_store::alerts): what was shared with whom, the
-- alerts received (matched by identity key), the hits and the notices sent for them. All
-- append-only. The `seq` of `alerts_shared` and `partner_alerts` is not in SQLite: there the
-- rowid keeps the order rows were kept in.
CREATE TABLE alerts_shared (
    event_id   UUID NOT NULL,
    partner    TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seq        BIGSERIAL NOT NULL UNIQUE,
    PRIMARY KEY (event_id, partner)
);
CREATE INDEX alerts_shared_message ON alerts_shared (message_id);
CREATE TABLE partner_alerts (
    message_id   TEXT PRIMARY KEY,
    partner      TEXT COLLATE "C" NOT NULL,
    identity_key TEXT NOT NULL,
    reference    TEXT NOT NULL,
    reported     TEXT NOT NULL,
    reported_on  TEXT NOT NULL,
    serial       TEXT NOT NULL,
    manufacturer TEXT NOT NULL,
    model        TEXT NOT NULL,
    country      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    seq          BIGSERIAL NOT NULL UNIQUE
);
CREATE INDEX partner_alerts_key ON partner_alerts (identity_key, seq);
CREATE TABLE alert_hits (
    seq          BIGSERIAL PRIMARY KEY,
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
    hit        BIGINT PRIMARY KEY REFERENCES alert_hits (seq),
    message_id TEXT NOT NULL
);
CREATE TRIGGER alerts_shared_fixed BEFORE UPDATE ON alerts_shared FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('what was shared is never changed');
CREATE TRIGGER alerts_shared_kept BEFORE DELETE ON alerts_shared FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('what was shared is never deleted');
CREATE TRIGGER alerts_shared_no_truncate BEFORE TRUNCATE ON alerts_shared FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('what was shared is never deleted');
CREATE TRIGGER partner_alerts_fixed BEFORE UPDATE ON partner_alerts FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('an alert received is never changed');
CREATE TRIGGER partner_alerts_kept BEFORE DELETE ON partner_alerts FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('an alert received is never deleted');
CREATE TRIGGER partner_alerts_no_truncate BEFORE TRUNCATE ON partner_alerts FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('an alert received is never deleted');
CREATE TRIGGER alert_hits_fixed BEFORE UPDATE ON alert_hits FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a hit is never changed');
CREATE TRIGGER alert_hits_kept BEFORE DELETE ON alert_hits FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a hit is never deleted');
CREATE TRIGGER alert_hits_no_truncate BEFORE TRUNCATE ON alert_hits FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('a hit is never deleted');
CREATE TRIGGER alert_notices_fixed BEFORE UPDATE ON alert_notices FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a notice is never changed');
CREATE TRIGGER alert_notices_kept BEFORE DELETE ON alert_notices FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a notice is never deleted');
CREATE TRIGGER alert_notices_no_truncate BEFORE TRUNCATE ON alert_notices FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('a notice is never deleted');

-- Self-assessments against the standards and the assistance they lead to
-- (salw_store::assessments): entries per clause (the latest counts), needs, offers, projects
-- and their results. All append-only.
CREATE TABLE assessment_entries (
    seq        BIGSERIAL PRIMARY KEY,
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
    seq        BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('need', 'offer', 'project', 'result')),
    id         TEXT NOT NULL,
    body       TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    entered_by TEXT NOT NULL
);
CREATE UNIQUE INDEX assistance_id ON assistance (kind, id) WHERE kind <> 'result';
CREATE TRIGGER assessment_entries_fixed BEFORE UPDATE ON assessment_entries FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('an assessment entry is never changed: give a new one');
CREATE TRIGGER assessment_entries_kept BEFORE DELETE ON assessment_entries FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('an assessment entry is never deleted');
CREATE TRIGGER assessment_entries_no_truncate BEFORE TRUNCATE ON assessment_entries
    FOR EACH STATEMENT EXECUTE FUNCTION workflow_refuse('an assessment entry is never deleted');
CREATE TRIGGER assistance_fixed BEFORE UPDATE ON assistance FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('an assistance record is never changed: keep a new one');
CREATE TRIGGER assistance_kept BEFORE DELETE ON assistance FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('an assistance record is never deleted');
CREATE TRIGGER assistance_no_truncate BEFORE TRUNCATE ON assistance FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('an assistance record is never deleted');

-- Stockpile workflow records (salw_store::stockpile): count plans and results,
-- discrepancies and their steps, campaigns, destruction batches and their evidence, evidence
-- holds. Append-only; the weapons an armoury holds are read by holder.
CREATE TABLE stock_records (
    seq        BIGSERIAL PRIMARY KEY,
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
CREATE TRIGGER stock_records_fixed BEFORE UPDATE ON stock_records FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a stockpile record is never changed: keep a new one');
CREATE TRIGGER stock_records_kept BEFORE DELETE ON stock_records FOR EACH ROW
    EXECUTE FUNCTION workflow_refuse('a stockpile record is never deleted');
CREATE TRIGGER stock_records_no_truncate BEFORE TRUNCATE ON stock_records FOR EACH STATEMENT
    EXECUTE FUNCTION workflow_refuse('a stockpile record is never deleted');

-- Indexes on the core tables that the reads above need: lost and stolen reports and
-- recoveries in the order they were written (alerts read them after a cursor, the event's
-- `seq`), an armoury's weapons (stockpile), deactivated weapons that turn up again.
CREATE INDEX IF NOT EXISTS events_lost_stolen ON events (seq)
    WHERE kind IN ('reported_lost', 'reported_stolen');
CREATE INDEX IF NOT EXISTS events_recovered_seq ON events (seq)
    WHERE kind IN ('seized', 'found', 'surrendered', 'recovered');
CREATE INDEX IF NOT EXISTS weapons_holder ON weapons (holder, status) WHERE holder IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_deactivated ON events (weapon_id) WHERE kind = 'deactivated';
