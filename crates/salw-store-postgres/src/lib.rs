//! The PostgreSQL backend: for a national node that serves many stations at once and wants the
//! replication and backups its administrators already run (DESIGN.md "Shape", "Records").
//!
//! The same projections as the SQLite backend: weapon, person and event rows hold what is
//! looked up; the records themselves are read from the journal entry that wrote them (`seq`).
//! Triggers refuse UPDATE and DELETE on the journal and the workflow tables.
//!
//! Several processes may write at once (several servers, a CLI import beside them): every
//! write transaction first takes one advisory lock (`WRITE_LOCK`), so the journal's head is
//! read and extended by one writer at a time and the chain never forks. Reads take no lock.

mod access;
mod alerts;
mod assessments;
mod federation;
mod migrations;
mod stockpile;
mod traces;

use std::collections::HashMap;
use std::io::Write;

use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{FromSql, ToSql};
use postgres::{Client, NoTls, Row, Statement};
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

/// The advisory lock every write transaction holds (an arbitrary constant: "salw" in ASCII).
pub const WRITE_LOCK: i32 = 0x7361_6c77;

/// Rows buffered during a bulk load are written with COPY once this many are waiting.
const COPY_CHUNK: usize = 10_000;

/// A journal this short (in entries) has its primary key dropped during a bulk load and built
/// again at the end; a longer one keeps it (building it again would sort the old entries too).
const SHORT_JOURNAL: i64 = 10_000;

/// Bytes handed to the COPY writer at a time.
const COPY_PIECE: usize = 256 * 1024;

pub struct PgBackend {
    /// Where to connect again when the connection is lost (never shown: it may hold a
    /// password).
    url: String,
    /// The connection; `None` while it is lent to `copier` (`conn` takes it back).
    client: Option<OwnClient>,
    /// The thread that runs a bulk load's COPYs while the rows after them are prepared.
    copier: Option<Copier>,
    /// A COPY of this transaction failed: it must not commit (cleared by `rollback`).
    poisoned: bool,
    /// Whether a transaction is open (`begin` .. `commit`/`rollback`).
    in_transaction: bool,
    /// Prepared statements of the hot paths, by their SQL.
    statements: HashMap<&'static str, Statement>,
    /// What `defer_weapon_indexes` dropped, while a bulk load runs; `None` otherwise.
    deferred: Option<Deferred>,
    /// Journal entries and weapon rows of a bulk load not yet sent, encoded for COPY (`ship`
    /// sends them). Empty unless `deferred` is set.
    pending: Batch,
    /// Rows sent with COPY in this bulk load, to decide whether to refresh the statistics.
    copied: u64,
}

/// The connection, closed on a thread of its own when dropped inside an async runtime: the
/// `postgres` client closes by blocking on its own runtime, which tokio forbids on a worker
/// thread (a server dropping a connection at shutdown would abort).
struct OwnClient(std::mem::ManuallyDrop<Client>);

impl std::ops::Deref for OwnClient {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.0
    }
}

impl std::ops::DerefMut for OwnClient {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.0
    }
}

impl Drop for OwnClient {
    fn drop(&mut self) {
        // SAFETY: the client is taken once, here, and `self` is not used afterwards.
        let client = unsafe { std::mem::ManuallyDrop::take(&mut self.0) };
        if tokio::runtime::Handle::try_current().is_ok() {
            let closing = std::thread::spawn(move || drop(client));
            let _ = closing.join();
        } else {
            drop(client);
        }
    }
}

/// Rows of one table encoded for `COPY … FROM STDIN (FORMAT binary)`, written as they come
/// (no copy of the record is kept): the header, then per row its field count and each field
/// as a length and bytes (-1: NULL); the trailer is added when sent.
#[derive(Default)]
struct CopyBuf {
    bytes: Vec<u8>,
    rows: u64,
}

/// The signature, the flags (none) and the length of the header extension (none).
const COPY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

impl CopyBuf {
    fn row(&mut self, fields: i16) {
        if self.bytes.is_empty() {
            self.bytes.reserve(1 << 20);
            self.bytes.extend_from_slice(COPY_HEADER);
        }
        self.bytes.extend_from_slice(&fields.to_be_bytes());
        self.rows += 1;
    }

    fn field(&mut self, value: &[u8]) -> Result<()> {
        let len = i32::try_from(value.len())
            .map_err(|_| StoreError::Invalid("a value is too long for PostgreSQL".into()))?;
        self.bytes.extend_from_slice(&len.to_be_bytes());
        self.bytes.extend_from_slice(value);
        Ok(())
    }

    fn null(&mut self) {
        self.bytes.extend_from_slice(&(-1i32).to_be_bytes());
    }

    fn text(&mut self, value: &str) -> Result<()> {
        self.field(value.as_bytes())
    }

    fn opt_text(&mut self, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.text(v),
            None => {
                self.null();
                Ok(())
            }
        }
    }

    fn uuid(&mut self, value: &Uuid) -> Result<()> {
        self.field(value.as_bytes())
    }

    fn opt_uuid(&mut self, value: Option<&Uuid>) -> Result<()> {
        match value {
            Some(v) => self.uuid(v),
            None => {
                self.null();
                Ok(())
            }
        }
    }

    fn bool(&mut self, value: bool) -> Result<()> {
        self.field(&[u8::from(value)])
    }

    fn int8(&mut self, value: i64) -> Result<()> {
        self.field(&value.to_be_bytes())
    }

    /// A journal entry, in the columns of `COPY_JOURNAL_SQL`.
    fn journal(&mut self, e: &JournalEntry) -> Result<()> {
        self.row(10);
        self.int8(e.seq)?;
        self.uuid(&e.id)?;
        for text in [
            &e.kind,
            &e.subject,
            &e.occurred_at,
            &e.recorded_at,
            &e.recorded_by,
            &e.source,
            &e.payload,
        ] {
            self.text(text)?;
        }
        self.field(&e.hash)
    }

    /// A weapon's projection row, in the columns of `COPY_WEAPONS_SQL`.
    fn weapon(
        &mut self,
        ordinal: i64,
        w: &Weapon,
        key: Option<&str>,
        state: &WeaponState,
        seq: i64,
    ) -> Result<()> {
        self.row(18);
        self.int8(ordinal)?;
        self.uuid(&w.id)?;
        self.opt_text(w.reference.as_deref())?;
        self.opt_text(key)?;
        match key {
            Some(key) => self.field(&identity_hash(key))?,
            None => self.null(),
        }
        self.text(&w.category)?;
        self.opt_text(w.country.as_deref())?;
        self.opt_text(w.manufacturer.as_deref())?;
        self.opt_text(w.model.as_deref())?;
        self.opt_text(w.serial.as_deref())?;
        self.bool(state.awaiting_mark)?;
        self.text(state.status.as_str())?;
        self.opt_uuid(state.holder.as_ref())?;
        self.opt_text(state.tracing.map(|t| t.as_str()))?;
        self.int8(seq)?;
        self.bool(w.antique)?;
        self.opt_text(w.calibre.as_deref())?;
        self.opt_text(w.unodc_type.map(|t| t.as_str()))
    }

    /// A person's row, in the columns of `COPY_PERSONS_SQL`.
    fn person(&mut self, p: &Person, seq: i64) -> Result<()> {
        self.row(7);
        self.uuid(&p.id)?;
        self.opt_text(p.reference.as_deref())?;
        self.text(p.kind.as_str())?;
        self.text(&p.name)?;
        self.opt_text(p.sex.map(|x| x.as_str()))?;
        self.int8(seq)?;
        self.bool(is_licensee(p))
    }

    /// An event's row, in the columns of `COPY_EVENTS_SQL`.
    fn event(&mut self, e: &LifecycleEvent, seq: i64) -> Result<()> {
        self.row(9);
        self.uuid(&e.id)?;
        self.uuid(&e.weapon_id)?;
        self.text(e.kind.as_str())?;
        self.text(&e.occurred_on.to_string())?;
        self.int8(seq)?;
        match criminal(e) {
            Some(c) => self.bool(c)?,
            None => self.null(),
        }
        self.opt_uuid(e.supersedes.as_ref())?;
        self.opt_uuid(e.from_holder.as_ref())?;
        self.opt_text(e.trace_outcome.map(|o| o.as_str()))
    }

    /// Empties the buffer and keeps its memory, for the next batch.
    fn clear(&mut self) {
        self.bytes.clear();
        self.rows = 0;
    }

    /// Sends the rows with one COPY; nothing when there are none. The server's errors are
    /// told by `error`.
    fn copy(
        &self,
        client: &mut Client,
        sql: &str,
        error: fn(postgres::Error) -> StoreError,
    ) -> Result<u64> {
        if self.rows == 0 {
            return Ok(0);
        }
        let mut writer = client.copy_in(sql).map_err(error)?;
        // In pieces: the writer copies what it is given into a buffer of its own, which
        // stays small (and its memory reused) when fed a piece at a time.
        let io = |e: std::io::Error| match e
            .into_inner()
            .map(|inner| inner.downcast::<postgres::Error>())
        {
            Some(Ok(e)) => error(*e),
            Some(Err(other)) => StoreError::Backend(other.to_string()),
            None => StoreError::Backend("a COPY could not be written".into()),
        };
        for piece in self.bytes.chunks(COPY_PIECE) {
            writer.write_all(piece).map_err(io)?;
        }
        writer.write_all(&(-1i16).to_be_bytes()).map_err(io)?;
        writer.finish().map_err(error)
    }
}

/// An error of the weapons' or persons' COPY during a bulk load: a unique index kept through
/// the load (`weapons_reference`, the persons' id and reference) refusing a row is a clash in
/// the file, for the second pass to name.
fn clash_copy_error(e: postgres::Error) -> StoreError {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        StoreError::DeferredClash
    } else {
        db(e)
    }
}

const COPY_JOURNAL_SQL: &str = "COPY journal (seq, id, kind, subject, occurred_at, recorded_at,
        recorded_by, source, payload, hash) FROM STDIN (FORMAT binary)";

/// The ordinal is given, not left to its sequence: drawing from the sequence row by row cost
/// the server more than the id's own column (`Deferred::next_ordinal`).
const COPY_WEAPONS_SQL: &str =
    "COPY weapons (ordinal, id, reference, identity_key, identity_hash, category, country,
        manufacturer, model, serial, awaiting_mark, status, holder, tracing, seq, antique,
        calibre, unodc_type) FROM STDIN (FORMAT binary)";

const COPY_PERSONS_SQL: &str =
    "COPY persons (id, reference, kind, name, sex, seq, licensee) FROM STDIN (FORMAT binary)";

const COPY_EVENTS_SQL: &str = "COPY events (id, weapon_id, kind, occurred_on, seq, criminal,
        supersedes, from_holder, trace_outcome) FROM STDIN (FORMAT binary)";

/// What a bulk load buffered between two COPYs: the journal's rows are sent first, the events
/// after the weapons they name.
#[derive(Default)]
struct Batch {
    journal: CopyBuf,
    weapons: CopyBuf,
    persons: CopyBuf,
    /// Only `salw migrate` sends events this way: an import reads each event's weapon first,
    /// which ends the bulk load's deferral (`settle`).
    events: CopyBuf,
}

impl Batch {
    fn rows(&self) -> u64 {
        self.journal.rows + self.weapons.rows + self.persons.rows + self.events.rows
    }

    fn copy(&self, client: &mut Client) -> Result<()> {
        self.journal.copy(client, COPY_JOURNAL_SQL, db)?;
        self.weapons
            .copy(client, COPY_WEAPONS_SQL, clash_copy_error)?;
        self.persons
            .copy(client, COPY_PERSONS_SQL, clash_copy_error)?;
        self.events.copy(client, COPY_EVENTS_SQL, db)?;
        Ok(())
    }

    /// Empties both buffers and keeps their memory: a bulk load fills the same few
    /// megabytes again rather than asking the system for fresh pages at every batch (which
    /// cost a fifth of the loading thread's time in page faults and copies while growing).
    fn clear(&mut self) {
        self.journal.clear();
        self.weapons.clear();
        self.persons.clear();
        self.events.clear();
    }
}

/// Batches waiting for the COPY thread at most: the reader is held back beyond that.
const COPY_QUEUE: usize = 2;

/// The thread that holds the connection during a bulk load and runs each batch's COPYs in
/// order while the next batch is prepared, so that the client's work and the server's
/// overlap. It stops at the first error, and hands the connection back with it (`stop`).
struct Copier {
    batches: Option<std::sync::mpsc::SyncSender<Batch>>,
    /// Batches written, emptied, to be filled again.
    spent: std::sync::mpsc::Receiver<Batch>,
    thread: Option<std::thread::JoinHandle<Lent>>,
}

/// What the COPY thread hands back: the connection and whether every COPY succeeded (`None`
/// when it never received the connection).
type Lent = Option<(OwnClient, Result<()>)>;

impl Copier {
    /// Lends the connection in `slot` to a new thread; leaves it there if no thread can be
    /// started.
    fn start(slot: &mut Option<OwnClient>) -> Option<Copier> {
        let client = slot.take()?;
        use std::sync::mpsc::sync_channel;
        let (give, take) = sync_channel::<OwnClient>(1);
        let (batches, queue) = sync_channel::<Batch>(COPY_QUEUE);
        let (give_back, spent) = sync_channel::<Batch>(COPY_QUEUE + 1);
        let thread = std::thread::Builder::new()
            .name("salw-copy".into())
            .spawn(move || {
                let mut client = take.recv().ok()?;
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    // The first error ends the thread: the next batch sent is refused.
                    for mut batch in queue {
                        batch.copy(&mut client)?;
                        batch.clear();
                        // Not taken back when the loader has enough: dropped then.
                        let _ = give_back.try_send(batch);
                    }
                    Ok(())
                }))
                .unwrap_or_else(|_| Err(StoreError::Backend("the COPY thread failed".into())));
                Some((client, result))
            });
        let Ok(thread) = thread else {
            *slot = Some(client);
            return None;
        };
        if let Err(back) = give.send(client) {
            *slot = Some(back.0);
            return None;
        }
        Some(Copier {
            batches: Some(batches),
            spent,
            thread: Some(thread),
        })
    }

    /// Hands a batch to the thread; `false` when it has stopped (`stop` tells why).
    fn send(&mut self, batch: Batch) -> bool {
        match &self.batches {
            Some(batches) => batches.send(batch).is_ok(),
            None => false,
        }
    }

    /// An emptied batch to fill, when one has come back.
    fn spent(&self) -> Option<Batch> {
        self.spent.try_recv().ok()
    }

    /// Waits until the batches sent are written (or one failed) and takes the connection
    /// back, with the thread's outcome.
    fn stop(&mut self) -> (Option<OwnClient>, Result<()>) {
        drop(self.batches.take());
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(Some((client, result)))) => (Some(client), result),
            _ => (
                None,
                Err(StoreError::Backend(
                    "the connection to PostgreSQL was lost with the thread that ran COPY".into(),
                )),
            ),
        }
    }
}

impl Drop for Copier {
    fn drop(&mut self) {
        // The connection closes here, as it would without the thread (see `OwnClient`).
        if self.thread.is_some() {
            let _ = self.stop();
        }
    }
}

/// What a bulk load dropped, as the SQL that makes it again.
struct Deferred {
    /// The primary keys of weapons (the row ordinal) and, while it is short, of the journal
    /// (the sequence number): kept up to date row by row they cost about a fifth of the
    /// server's time in a load; built once at the end, a tenth of that.
    primary_keys: Vec<String>,
    /// Indexes on weapons, unique ones first (and on events, once they are deferred too).
    indexes: Vec<String>,
    /// Foreign keys of other tables that refer to weapons (they need its unique id index).
    foreign_keys: Vec<String>,
    /// Whether the events' indexes and primary key were dropped as well: at the first event
    /// the load sends with COPY (`salw migrate`, `defer_event_indexes`).
    events: bool,
    /// Whether persons are sent with COPY too: only into a registry that had none, where a
    /// clash can only be within the load. A person registered before and sent again (a
    /// persons file imported again with the weapons) would fail the COPY and cost the whole
    /// load its second, row-by-row pass; row by row it is found unchanged at once.
    persons: bool,
    /// The ordinal of the next weapon loaded. The first is drawn from the ordinals' sequence
    /// when the load starts, the others counted here, in the order of the rows, and the
    /// sequence is set to the last one before the indexes are built: the write lock keeps
    /// every other writer from drawing meanwhile.
    next_ordinal: i64,
    /// The ordinals' sequence, and the first ordinal this load drew from it.
    sequence: String,
    first_ordinal: i64,
}

/// A weapon's projection row, as buffered for COPY.
struct WeaponRow {
    id: Uuid,
    reference: Option<String>,
    identity_key: Option<String>,
    identity_hash: Option<Vec<u8>>,
    category: String,
    country: Option<String>,
    manufacturer: Option<String>,
    model: Option<String>,
    serial: Option<String>,
    awaiting_mark: bool,
    status: &'static str,
    holder: Option<Uuid>,
    tracing: Option<&'static str>,
    seq: i64,
    antique: bool,
    calibre: Option<String>,
    unodc_type: Option<&'static str>,
}

impl WeaponRow {
    fn new(w: &Weapon, key: Option<&str>, state: &WeaponState, seq: i64) -> Self {
        WeaponRow {
            id: w.id,
            reference: w.reference.clone(),
            identity_key: key.map(str::to_owned),
            identity_hash: key.map(|k| identity_hash(k).to_vec()),
            category: w.category.clone(),
            country: w.country.clone(),
            manufacturer: w.manufacturer.clone(),
            model: w.model.clone(),
            serial: w.serial.clone(),
            awaiting_mark: state.awaiting_mark,
            status: state.status.as_str(),
            holder: state.holder,
            tracing: state.tracing.map(|t| t.as_str()),
            seq,
            antique: w.antique,
            calibre: w.calibre.clone(),
            unodc_type: w.unodc_type.map(|t| t.as_str()),
        }
    }

    fn values(&self) -> [&(dyn ToSql + Sync); 17] {
        [
            &self.id,
            &self.reference,
            &self.identity_key,
            &self.identity_hash,
            &self.category,
            &self.country,
            &self.manufacturer,
            &self.model,
            &self.serial,
            &self.awaiting_mark,
            &self.status,
            &self.holder,
            &self.tracing,
            &self.seq,
            &self.antique,
            &self.calibre,
            &self.unodc_type,
        ]
    }
}

/// What the unique index on a weapon's identity key is over: the first 16 bytes of the key's
/// SHA-256 (schema/3-bulk-indexes.sql says why, and computes the same for older rows).
fn identity_hash(key: &str) -> [u8; 16] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    first
}

/// The columns of a journal row; `hash` is the entry's hash as a slice (BYTEA).
fn journal_values<'a>(e: &'a JournalEntry, hash: &'a &'a [u8]) -> [&'a (dyn ToSql + Sync); 10] {
    [
        &e.seq,
        &e.id,
        &e.kind,
        &e.subject,
        &e.occurred_at,
        &e.recorded_at,
        &e.recorded_by,
        &e.source,
        &e.payload,
        hash,
    ]
}

/// What went wrong, in the server's words when it said something (the error's own text is
/// only "db error"), else with the cause (a refused connection, a bad URL).
fn describe(e: &postgres::Error) -> String {
    if let Some(d) = e.as_db_error() {
        return format!("{}: {}", d.severity(), d.message());
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

pub(crate) fn db(e: postgres::Error) -> StoreError {
    // The error's own text is only "db error": the server's message says what went wrong.
    match e.as_db_error() {
        Some(d) => {
            let mut text = format!("{}: {}", d.severity(), d.message());
            if let Some(detail) = d.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            StoreError::Backend(text)
        }
        None => StoreError::Backend(e.to_string()),
    }
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn hash32(bytes: Vec<u8>) -> Result<Hash> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("a journal hash is not 32 bytes".into()))
}

/// A new connection, closed safely wherever it is dropped (`OwnClient`).
fn connect(url: &str) -> Result<OwnClient> {
    Client::connect(url, NoTls)
        .map(|c| OwnClient(std::mem::ManuallyDrop::new(c)))
        .map_err(|e| {
            StoreError::Invalid(format!(
                "cannot connect to the PostgreSQL registry {}: {}",
                redact(url),
                describe(&e)
            ))
        })
}

/// Whether a database location names a PostgreSQL server rather than a file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

impl PgBackend {
    /// Connects to the database the URL names (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`,
    /// with libpq's parameters such as `?options=-csearch_path%3Dsalw`) and applies pending
    /// migrations. With `create` false, a database without a registry schema is refused.
    pub fn open(url: &str, create: bool) -> Result<Self> {
        let mut client = connect(url)?;
        // With a search_path that names no schema that exists, every table would be refused
        // with "no schema has been selected to create in".
        let schema: Option<String> = client
            .query_one("SELECT current_schema()", &[])
            .map_err(db)
            .and_then(|r| get(&r, 0))?;
        if schema.is_none() {
            let path: String = client
                .query_one("SHOW search_path", &[])
                .map_err(db)
                .and_then(|r| get(&r, 0))?;
            return Err(StoreError::Invalid(format!(
                "no schema to keep the registry in at {}: its search_path ({path}) names no schema that exists; create one (CREATE SCHEMA …) or name an existing one",
                redact(url)
            )));
        }
        if !create && !migrations::has_schema(&mut client)? {
            return Err(StoreError::Invalid(format!(
                "no registry in {}; create one with `salw --db {} init`",
                redact(url),
                redact(url)
            )));
        }
        migrations::apply(&mut client)?;
        Ok(PgBackend {
            url: url.to_owned(),
            client: Some(client),
            copier: None,
            poisoned: false,
            in_transaction: false,
            statements: HashMap::new(),
            deferred: None,
            pending: Batch::default(),
            copied: 0,
        })
    }

    /// The client, for tests that tamper with the database behind the program's back. A
    /// bulk load's COPY still running is waited for; if it failed, the transaction can no
    /// longer commit (the error is lost to the caller, not the outcome).
    ///
    /// # Panics
    /// When the connection was lost with the thread that ran a COPY (it never is: the thread
    /// hands it back even when it fails).
    pub fn client(&mut self) -> &mut Client {
        let _ = self.reclaim();
        match self.client.as_deref_mut() {
            Some(client) => client,
            None => panic!("the connection to PostgreSQL was lost"),
        }
    }

    /// The connection, for any use other than a bulk load's buffered rows: a COPY still
    /// running is waited for first, and its error is this call's.
    pub(crate) fn conn(&mut self) -> Result<&mut Client> {
        self.reclaim()?;
        // The server restarted, failed over, or a firewall dropped an idle connection: the
        // call that met it failed; outside a transaction, the next one connects again (a
        // long-running server would otherwise fail every write until restarted).
        if !self.in_transaction && self.client.as_ref().is_some_and(|c| c.is_closed()) {
            self.client = Some(connect(&self.url)?);
            self.statements.clear();
        }
        self.client
            .as_deref_mut()
            .ok_or_else(|| StoreError::Backend("the connection to PostgreSQL was lost".into()))
    }

    /// Takes the connection back from the COPY thread (when it has it), once the batches it
    /// was given are written. A failed COPY poisons the transaction.
    fn reclaim(&mut self) -> Result<()> {
        let Some(mut copier) = self.copier.take() else {
            return Ok(());
        };
        let (client, result) = copier.stop();
        if client.is_some() {
            self.client = client;
        }
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }
}

/// The URL without its password, for messages (secrets are never printed): the credentials
/// end at the first `@` after the scheme, as the connection's own parser reads them, and a
/// `password=` parameter is hidden too.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let rest = match rest.split_once('@') {
        Some((userinfo, after)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{after}"),
            None => format!("{userinfo}@{after}"),
        },
        None => rest.to_owned(),
    };
    let rest = match rest.split_once('?') {
        Some((base, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{base}?{}", query.join("&"))
        }
        None => rest,
    };
    format!("{scheme}://{rest}")
}

/// A column of a row, as an error rather than a panic when the database holds something else.
fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T> {
    row.try_get(i).map_err(db)
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

/// The SQL that reads a weapon with where it stands now (`decode_weapon` reads the row).
const WEAPON_SELECT: &str =
    "SELECT w.status, w.holder, w.seq, j.payload FROM weapons w JOIN journal j ON j.seq = w.seq";

fn decode_weapon(row: &Row) -> Result<StoredWeapon> {
    let status: String = get(row, 0)?;
    let payload: String = get(row, 3)?;
    Ok(StoredWeapon {
        weapon: serde_json::from_str(&payload).map_err(|e| corrupt("weapon record", e))?,
        status: status
            .parse::<WeaponStatus>()
            .map_err(|e| corrupt("weapon status", e))?,
        holder: get(row, 1)?,
        registered_seq: get(row, 2)?,
    })
}

/// (payload, seq, recorded_at, recorded_by) as a stored event.
fn decode_event(row: &Row) -> Result<StoredEvent> {
    let payload: String = get(row, 0)?;
    Ok(StoredEvent {
        event: serde_json::from_str(&payload).map_err(|e| corrupt("event record", e))?,
        seq: get(row, 1)?,
        recorded_at: get(row, 2)?,
        recorded_by: get(row, 3)?,
        superseded_by: None,
    })
}

fn decode_head(row: &Row) -> Result<SignedHead> {
    let signature: Vec<u8> = get(row, 2)?;
    Ok(SignedHead {
        seq: get(row, 0)?,
        hash: hash32(get(row, 1)?)?,
        signature: signature
            .try_into()
            .map_err(|_| StoreError::Corrupt("a head signature is not 64 bytes".into()))?,
        signed_at: get(row, 3)?,
    })
}

/// seq, indicator, period_from, period_to, profile, released_at, released_by, numerator,
/// denominator, figures, revises.
fn decode_release(r: &Row) -> Result<Release> {
    let numerator = count(get(r, 7)?);
    let denominator = count(get(r, 8)?);
    Ok(Release {
        seq: get(r, 0)?,
        indicator: get(r, 1)?,
        period_from: get(r, 2)?,
        period_to: get(r, 3)?,
        profile: get(r, 4)?,
        released_at: get(r, 5)?,
        released_by: get(r, 6)?,
        numerator,
        denominator,
        percent: salw_core::indicator::percent(numerator, denominator),
        figures: get(r, 9)?,
        revises: get(r, 10)?,
    })
}

/// seq, template, period_from, period_to, question, answer, entered_at, entered_by.
fn decode_answer(r: &Row) -> Result<ReportAnswer> {
    Ok(ReportAnswer {
        seq: get(r, 0)?,
        template: get(r, 1)?,
        period_from: get(r, 2)?,
        period_to: get(r, 3)?,
        question: get(r, 4)?,
        answer: get(r, 5)?,
        entered_at: get(r, 6)?,
        entered_by: get(r, 7)?,
    })
}

/// Every recovery (seizure, find, surrender) in a period, not superseded, with what the
/// indicator needs of its weapon (`events_recoveries` and `weapons_id` hold every
/// column read). The order is of no consequence to any computation.
const RECOVERIES_SQL: &str = "SELECT e.occurred_on, e.kind, coalesce(e.criminal, false),
        w.category, w.calibre, w.antique, w.awaiting_mark, w.tracing
    FROM events e JOIN weapons w ON w.id = e.weapon_id
    WHERE e.kind IN ('seized', 'found', 'surrendered')
      AND e.occurred_on >= $1 AND e.occurred_on <= $2
      AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)";

/// A period's recoveries with what the questionnaire reads of them, and for a recovery from a
/// person, that person's recorded sex.
const PERIOD_RECOVERIES_SQL: &str = "SELECT e.kind, coalesce(e.criminal, false), w.unodc_type,
        w.tracing, e.from_holder, p.sex
    FROM events e JOIN weapons w ON w.id = e.weapon_id
    LEFT JOIN persons p ON p.id = e.from_holder
    WHERE e.kind IN ('seized', 'found', 'surrendered')
      AND e.occurred_on >= $1 AND e.occurred_on <= $2
      AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)";

/// The events of a period by kind, superseded ones left out.
const PERIOD_COUNTS_SQL: &str = "SELECT e.kind, count(*) FROM events e
    WHERE e.occurred_on >= $1 AND e.occurred_on <= $2
      AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
    GROUP BY e.kind";

/// A period's traces by outcome.
const TRACED_COUNTS_SQL: &str = "SELECT coalesce(e.trace_outcome, 'none'), count(*)
    FROM events e
    WHERE e.kind = 'traced' AND e.occurred_on >= $1 AND e.occurred_on <= $2
      AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
    GROUP BY 1";

const EVENTS_OF_SQL: &str = "SELECT j.payload, e.seq, j.recorded_at, j.recorded_by
    FROM events e JOIN journal j ON j.seq = e.seq WHERE e.weapon_id = $1 ORDER BY e.seq";

const INSERT_JOURNAL_SQL: &str = "INSERT INTO journal (seq, id, kind, subject, occurred_at,
        recorded_at, recorded_by, source, payload, hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

const INSERT_WEAPON_SQL: &str = "INSERT INTO weapons (id, reference, identity_key,
        identity_hash, category, country, manufacturer, model, serial, awaiting_mark, status,
        holder, tracing, seq, antique, calibre, unodc_type)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
    ON CONFLICT DO NOTHING";

/// Whether a seizure was in connection with a criminal offence (NULL: not a seizure).
/// An individual with the `licensee` role (the reports' tables by sex).
fn is_licensee(p: &Person) -> bool {
    p.kind == PersonKind::Individual && p.roles.contains(&Role::Licensee)
}

fn criminal(e: &LifecycleEvent) -> Option<bool> {
    e.seizure_basis
        .map(|b| b == salw_core::event::SeizureBasis::CriminalOffence)
}

const INSERT_EVENT_SQL: &str = "INSERT INTO events (id, weapon_id, kind, occurred_on, seq,
        criminal, supersedes, from_holder, trace_outcome)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

impl PgBackend {
    /// A prepared statement, prepared once per connection.
    fn stmt(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.conn()?.prepare(sql).map_err(db)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        let s = self.stmt(sql)?;
        self.conn()?.query_opt(&s, params).map_err(db)
    }

    fn query(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let s = self.stmt(sql)?;
        self.conn()?.query(&s, params).map_err(db)
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let s = self.stmt(sql)?;
        self.conn()?.execute(&s, params).map_err(db)
    }

    /// Hands the rows one at a time as they arrive, without holding them all in memory.
    fn stream(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let s = self.stmt(sql)?;
        let mut rows = self
            .conn()?
            .query_raw(&s, params.iter().copied())
            .map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            each(&row)?;
        }
        Ok(())
    }

    /// Each row's first column, a record as JSON, decoded and handed to `visit`.
    fn scan_payloads<T: serde::de::DeserializeOwned>(
        &mut self,
        sql: &'static str,
        what: &str,
        visit: &mut dyn FnMut(T) -> Result<()>,
    ) -> Result<()> {
        self.stream(sql, &[], &mut |row| {
            let payload: String = get(row, 0)?;
            visit(serde_json::from_str(&payload).map_err(|e| corrupt(what, e))?)
        })
    }

    /// Sends what a bulk load buffered (journal entries, weapon rows) with COPY and waits
    /// until it is written, so that what is read next sees it. A COPY that failed in the
    /// background is this call's error.
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.ship(false)?;
        self.conn().map(|_| ())
    }

    /// Sends what waits once a batch is full, without waiting for the server.
    fn flush_if_full(&mut self) -> Result<()> {
        if self.pending.rows() >= COPY_CHUNK as u64 {
            self.ship(true)?;
        }
        Ok(())
    }

    /// Hands what waits to the COPY thread (started when `background` and the connection is
    /// here), or runs the COPYs now. A failure of the thread is returned here at the latest.
    fn ship(&mut self, background: bool) -> Result<()> {
        if self.pending.rows() == 0 {
            return Ok(());
        }
        let mut batch = std::mem::take(&mut self.pending);
        self.copied += batch.rows();
        if self.copier.is_none() && background {
            self.copier = Copier::start(&mut self.client);
        }
        if let Some(copier) = &mut self.copier {
            if copier.send(batch) {
                if let Some(spent) = copier.spent() {
                    self.pending = spent;
                }
                return Ok(());
            }
            // The thread stopped at an error: that error is the answer.
            self.poisoned = true;
            self.reclaim()?;
            return Err(StoreError::Backend(
                "the COPY thread stopped without saying why".into(),
            ));
        }
        let client = self.conn()?;
        if let Err(e) = batch.copy(client) {
            self.poisoned = true;
            return Err(e);
        }
        batch.clear();
        self.pending = batch;
        Ok(())
    }

    /// Before a read or write of the weapons and what refers to them: sends what waits and
    /// builds what a bulk load dropped (as the SQLite backend does), so that lookups by id use
    /// an index and a clash surfaces now.
    pub(crate) fn settle(&mut self) -> Result<()> {
        self.flush()?;
        self.build_deferred_indexes()
    }

    /// At a bulk load's first event: the events' indexes and primary key are dropped too, and
    /// built once with the weapons'. Kept up to date row by row, the ten of them took most of
    /// a migration's time (2.8 s of 10.7 s for 140,306 events). The table is empty, as its
    /// rows refer to weapons, and already locked by the drop of its foreign key at the start of
    /// the load: no lock is taken out of the order `defer_weapon_indexes` keeps. (A table with
    /// a foreign key to events, which the schema has none of, would be locked here, after the
    /// journal: lock it in `defer_weapon_indexes` before adding one.)
    fn defer_event_indexes(&mut self) -> Result<()> {
        let client = self.conn()?;
        // As for weapons: each row says whether it is a primary key, a foreign key (of another
        // table, needing the events' key) or an index, how to drop it and how to make it again.
        let rows = client
            .query(
                "SELECT CASE contype WHEN 'p' THEN 'p' ELSE 'f' END,
                        format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
                        format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                               pg_get_constraintdef(oid))
                 FROM pg_constraint
                 WHERE (contype = 'p' AND conrelid = 'events'::regclass)
                    OR (contype = 'f' AND confrelid = 'events'::regclass)
                 UNION ALL
                 SELECT 'i', format('DROP INDEX %s', i.indexrelid::regclass),
                        pg_get_indexdef(i.indexrelid)
                 FROM pg_index i
                 WHERE i.indrelid = 'events'::regclass AND NOT i.indisprimary
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                   WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                                     AND c.contype IN ('p', 'u', 'x'))
                 ORDER BY 1, 2",
                &[],
            )
            .map_err(db)?;
        let mut dropped = Vec::with_capacity(rows.len());
        // Foreign keys first ('f' sorts before 'i' and 'p'): they depend on the key.
        for row in &rows {
            let what: String = get(row, 0)?;
            let drop: String = get(row, 1)?;
            client.batch_execute(&drop).map_err(db)?;
            dropped.push((what, get::<String>(row, 2)?));
        }
        let Some(deferred) = self.deferred.as_mut() else {
            return Ok(());
        };
        for (what, make) in dropped {
            match what.as_str() {
                "p" => deferred.primary_keys.push(make),
                "i" => deferred.indexes.push(make),
                _ => deferred.foreign_keys.push(make),
            }
        }
        deferred.events = true;
        Ok(())
    }

    /// Which unique column of weapons a refused row clashes with.
    fn weapon_clash(&mut self, w: &Weapon, key: Option<&str>) -> Result<Clash> {
        let row = self
            .query_opt(
                "SELECT EXISTS (SELECT 1 FROM weapons WHERE id = $1),
                        EXISTS (SELECT 1 FROM weapons WHERE identity_hash = $2),
                        EXISTS (SELECT 1 FROM weapons WHERE reference = $3)",
                &[
                    &w.id,
                    &key.map(identity_hash).as_ref().map(|h| &h[..]),
                    &w.reference,
                ],
            )?
            .ok_or_else(|| StoreError::Backend("no answer to a clash query".into()))?;
        if get::<bool>(&row, 0)? {
            Ok(Clash::Id)
        } else if get::<bool>(&row, 1)? {
            Ok(Clash::IdentityKey)
        } else if get::<bool>(&row, 2)? {
            Ok(Clash::Reference)
        } else {
            Err(StoreError::Backend(format!(
                "weapon {} was refused, but no unique column clashes",
                w.id
            )))
        }
    }
}

impl Backend for PgBackend {
    fn destruction_block(&mut self, weapon: Uuid) -> Result<Option<String>> {
        self.settle()?;
        let facts = salw_store::stockpile::destruction_facts(self, weapon)?;
        Ok(salw_core::stockpile::destruction_refusal(&facts))
    }

    fn begin(&mut self) -> Result<()> {
        // A transaction left open (a write that panicked half-way) is abandoned, never carried
        // on: PostgreSQL would only warn of a BEGIN inside it.
        if self.in_transaction {
            let _ = self.rollback();
        }
        // READ COMMITTED whatever the server's default: each statement after the lock sees
        // what the writer before committed (the journal head read next is the head).
        self.conn()?
            .batch_execute("BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL lock_timeout = '30s'")
            .map_err(db)?;
        self.in_transaction = true;
        // One writer at a time per registry (per schema), across processes; like SQLite's
        // busy timeout, a writer gives up after 30 s of waiting (the message says why).
        if let Err(e) = self.conn()?.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
            &[&WRITE_LOCK],
        ) {
            let _ = self.rollback();
            return Err(match e.as_db_error().map(|d| d.code().code()) {
                Some("55P03") => StoreError::Backend(
                    "another write to this registry has held it for 30 s (a bulk import?): try again when it ends"
                        .into(),
                ),
                _ => db(e),
            });
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        // Never commit without the unique indexes, nor with rows still buffered, nor after a
        // COPY failed (the server would answer COMMIT with a silent ROLLBACK).
        let settled = self.settle().and_then(|()| {
            if self.poisoned {
                Err(StoreError::Backend(
                    "a COPY of this transaction failed: nothing is committed".into(),
                ))
            } else {
                Ok(())
            }
        });
        if let Err(e) = settled {
            let _ = self.rollback();
            return Err(e);
        }
        self.in_transaction = false;
        self.conn()?.batch_execute("COMMIT").map_err(db)
    }

    fn rollback(&mut self) -> Result<()> {
        // The rollback brings back what was dropped; what waits is dropped with it, and so is
        // the error of a COPY still running (it is rolled back too).
        self.deferred = None;
        self.pending = Batch::default();
        let _ = self.reclaim();
        self.poisoned = false;
        self.in_transaction = false;
        self.conn()?.batch_execute("ROLLBACK").map_err(db)
    }

    fn defer_weapon_indexes(&mut self) -> Result<bool> {
        if self.deferred.is_some() {
            return Ok(true);
        }
        if !self.in_transaction {
            return Ok(false);
        }
        let (empty, no_persons): (bool, bool) = self
            .conn()?
            .query_one(
                "SELECT NOT EXISTS (SELECT 1 FROM weapons), NOT EXISTS (SELECT 1 FROM persons)",
                &[],
            )
            .map_err(db)
            .and_then(|r| Ok((get(&r, 0)?, get(&r, 1)?)))?;
        if !empty {
            return Ok(false);
        }
        // The definitions are read from the catalogue, so that what is built again is exactly
        // what the migrations made (and whatever index another part of the schema added): each
        // row says whether it is a primary key, how to drop it and how to make it again.
        // The foreign keys of other tables that refer to weapons, and the primary keys. The
        // journal's key only while the journal is short (a new registry's first entries, its
        // persons): building it again sorts the whole journal, old entries included. The write
        // lock keeps every other writer out meanwhile, and the key, built again before the
        // commit, checks that no sequence number was written twice.
        let constraints = self
            .conn()?
            .query(
                "SELECT contype = 'p',
                        format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
                        format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                               pg_get_constraintdef(oid))
                 FROM pg_constraint
                 WHERE (contype = 'f' AND confrelid = 'weapons'::regclass)
                    OR (contype = 'p'
                        AND (conrelid = 'weapons'::regclass
                             OR (conrelid = 'journal'::regclass
                                 AND (SELECT coalesce(max(seq), 0) FROM journal) <= $1)))
                 ORDER BY conname",
                &[&SHORT_JOURNAL],
            )
            .map_err(db)?;
        let mut primary_keys = Vec::new();
        let mut foreign_keys = Vec::new();
        for row in constraints {
            if get::<bool>(&row, 0)? {
                primary_keys.push(row);
            } else {
                foreign_keys.push(row);
            }
        }
        // The other indexes on weapons. Except two partial ones, which stay: building either
        // again would read the whole table (0.13 s and 0.34 s at 1 M weapons), where a load
        // adds nothing or little to them. `weapons_holder` holds only weapons with a holder,
        // and a weapon is registered with none; `weapons_reference` only those with an outside
        // reference, which few have. A reference it finds twice fails the weapons' COPY: a
        // clash, as when an index is built (`clash_copy_error`).
        let indexes = self
            .conn()?
            .query(
                "SELECT false,
                        format('DROP INDEX %s', i.indexrelid::regclass),
                        pg_get_indexdef(i.indexrelid)
                 FROM pg_index i
                 WHERE i.indrelid = 'weapons'::regclass AND NOT i.indisprimary
                   AND i.indexrelid IS DISTINCT FROM to_regclass('weapons_holder')
                   AND i.indexrelid IS DISTINCT FROM to_regclass('weapons_reference')
                   AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                   WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                                     AND c.contype IN ('p', 'u', 'x'))
                 ORDER BY i.indisunique DESC, i.indexrelid::regclass::text",
                &[],
            )
            .map_err(db)?;
        let first = self
            .conn()?
            .query_one(
                "SELECT s, nextval(s::regclass) FROM pg_get_serial_sequence('weapons', 'ordinal') AS s",
                &[],
            )
            .map_err(db)?;
        let first_ordinal: i64 = get(&first, 1)?;
        let mut deferred = Deferred {
            primary_keys: Vec::with_capacity(primary_keys.len()),
            indexes: Vec::with_capacity(indexes.len()),
            foreign_keys: Vec::with_capacity(foreign_keys.len()),
            events: false,
            persons: no_persons,
            next_ordinal: first_ordinal,
            sequence: get(&first, 0)?,
            first_ordinal,
        };
        // The foreign keys first: they depend on the unique index on the id. The journal is
        // locked last: a statement that reads it with weapons, events or photos names those
        // first, so it waits for the load (or the load for it) without holding the journal,
        // and no deadlock forms; a write waits for the write lock before touching a table.
        for (rows, rebuild) in [
            (&foreign_keys, &mut deferred.foreign_keys),
            (&indexes, &mut deferred.indexes),
            (&primary_keys, &mut deferred.primary_keys),
        ] {
            for row in rows {
                let drop: String = get(row, 1)?;
                self.conn()?.batch_execute(&drop).map_err(db)?;
                rebuild.push(get(row, 2)?);
            }
        }
        self.deferred = Some(deferred);
        self.copied = 0;
        Ok(true)
    }

    fn build_deferred_indexes(&mut self) -> Result<()> {
        if self.deferred.is_none() {
            return Ok(());
        }
        self.flush()?;
        let Some(deferred) = self.deferred.take() else {
            return Ok(());
        };
        let analyze = std::mem::take(&mut self.copied) >= COPY_CHUNK as u64;
        let events = deferred.events;
        let client = self.conn()?;
        // The next weapon written draws the ordinal after the last one loaded (or, when none
        // was, the one drawn for the first).
        let (last, drawn) = if deferred.next_ordinal > deferred.first_ordinal {
            (deferred.next_ordinal - 1, true)
        } else {
            (deferred.first_ordinal, false)
        };
        client
            .execute(
                "SELECT setval($1::text::regclass, $2, $3)",
                &[&deferred.sequence, &last, &drawn],
            )
            .map_err(db)?;
        // Each index is sorted in memory rather than on disk (for this transaction only).
        client
            .batch_execute("SET LOCAL maintenance_work_mem = '256MB'")
            .map_err(db)?;
        // A primary key that clashes is a fault of the writer (the sequence number and the
        // ordinal come from one writer under the write lock), not a clash of the file's rows.
        for sql in &deferred.primary_keys {
            client.batch_execute(sql).map_err(db)?;
        }
        for sql in deferred.indexes.iter().chain(&deferred.foreign_keys) {
            match client.batch_execute(sql) {
                Ok(()) => {}
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    return Err(StoreError::DeferredClash);
                }
                Err(e) => return Err(db(e)),
            }
        }
        // The planner's figures still describe the empty table: refresh them after a big load
        // (the reports filter and join weapons), from a small sample (statistics target 10:
        // 3,000 rows; at 1 M weapons 23 ms instead of 365 ms for the default 30,000), enough
        // to plan by until autovacuum analyzes the table in full after the commit. Not the
        // journal's: it is only read by its primary key or in full, and sampling its long rows
        // cost more than the rest of the index builds.
        if analyze {
            client
                .batch_execute(if events {
                    "SET LOCAL default_statistics_target = 10; ANALYZE weapons, events;
                     RESET default_statistics_target"
                } else {
                    "SET LOCAL default_statistics_target = 10; ANALYZE weapons;
                     RESET default_statistics_target"
                })
                .map_err(db)?;
        }
        Ok(())
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>> {
        self.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| get(&r, 0))
            .transpose()
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )
        .map(|_| ())
    }

    fn meta_entries(&mut self) -> Result<Vec<(String, String)>> {
        self.query(
            "SELECT key, value FROM meta ORDER BY key COLLATE \"C\"",
            &[],
        )?
        .iter()
        .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
        .collect()
    }

    fn journal_head(&mut self) -> Result<Option<(i64, Hash)>> {
        self.flush()?;
        let Some(row) = self.query_opt(
            "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        else {
            return Ok(None);
        };
        Ok(Some((get(&row, 0)?, hash32(get(&row, 1)?)?)))
    }

    fn append(&mut self, e: &JournalEntry) -> Result<()> {
        if self.deferred.is_some() {
            self.pending.journal.journal(e)?;
            return self.flush_if_full();
        }
        self.execute(INSERT_JOURNAL_SQL, &journal_values(e, &&e.hash[..]))
            .map(|_| ())
    }

    fn scan_journal(&mut self, visit: &mut dyn FnMut(JournalEntry) -> Result<()>) -> Result<()> {
        self.flush()?;
        self.stream(
            "SELECT seq, id, kind, subject, occurred_at, recorded_at, recorded_by, source,
                    payload, hash
             FROM journal ORDER BY seq",
            &[],
            &mut |row| {
                let entry = JournalEntry {
                    seq: get(row, 0)?,
                    id: get(row, 1)?,
                    kind: get(row, 2)?,
                    subject: get(row, 3)?,
                    occurred_at: get(row, 4)?,
                    recorded_at: get(row, 5)?,
                    recorded_by: get(row, 6)?,
                    source: get(row, 7)?,
                    payload: get(row, 8)?,
                    // A hash of the wrong length is a broken link, for verify to report.
                    hash: hash32(get(row, 9)?).unwrap_or([0xff; 32]),
                };
                visit(entry)
            },
        )
    }

    fn put_signed_head(&mut self, head: &SignedHead) -> Result<()> {
        self.execute(
            "INSERT INTO journal_heads (seq, hash, signature, signed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (seq) DO UPDATE SET hash = excluded.hash,
                 signature = excluded.signature, signed_at = excluded.signed_at",
            &[
                &head.seq,
                &&head.hash[..],
                &&head.signature[..],
                &head.signed_at,
            ],
        )
        .map(|_| ())
    }

    fn last_signed_head(&mut self) -> Result<Option<SignedHead>> {
        self.query_opt(
            "SELECT seq, hash, signature, signed_at FROM journal_heads ORDER BY seq DESC LIMIT 1",
            &[],
        )?
        .map(|r| decode_head(&r))
        .transpose()
    }

    fn scan_signed_heads(&mut self, visit: &mut dyn FnMut(SignedHead) -> Result<()>) -> Result<()> {
        self.stream(
            "SELECT seq, hash, signature, signed_at FROM journal_heads ORDER BY seq",
            &[],
            &mut |row| visit(decode_head(row)?),
        )
    }

    fn weapon(&mut self, id: Uuid) -> Result<Option<StoredWeapon>> {
        self.settle()?;
        const SQL: &str = "SELECT w.status, w.holder, w.seq, j.payload
            FROM weapons w JOIN journal j ON j.seq = w.seq WHERE w.id = $1";
        self.query_opt(SQL, &[&id])?
            .map(|r| decode_weapon(&r))
            .transpose()
    }

    fn weapons_by_id(&mut self, ids: &[Uuid]) -> Result<Vec<StoredWeapon>> {
        self.settle()?;
        let wanted = ids.to_vec();
        let mut found: HashMap<Uuid, StoredWeapon> = HashMap::with_capacity(ids.len());
        for row in self.query(
            "SELECT w.status, w.holder, w.seq, j.payload
             FROM weapons w JOIN journal j ON j.seq = w.seq WHERE w.id = ANY($1)",
            &[&wanted],
        )? {
            let weapon = decode_weapon(&row)?;
            found.insert(weapon.weapon.id, weapon);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    fn weapon_id_by_key(&mut self, key: &str) -> Result<Option<Uuid>> {
        self.settle()?;
        self.query_opt(
            "SELECT id FROM weapons WHERE identity_hash = $1 AND identity_key = $2",
            &[&&identity_hash(key)[..], &key],
        )?
        .map(|r| get(&r, 0))
        .transpose()
    }

    fn weapon_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>> {
        self.settle()?;
        self.query_opt("SELECT id FROM weapons WHERE reference = $1", &[&reference])?
            .map(|r| get(&r, 0))
            .transpose()
    }

    fn insert_weapon(
        &mut self,
        weapon: &Weapon,
        key: Option<&str>,
        state: &WeaponState,
        seq: i64,
    ) -> Result<Option<Clash>> {
        if let Some(deferred) = &mut self.deferred {
            // No unique index to ask: a clash surfaces when they are built.
            let ordinal = deferred.next_ordinal;
            deferred.next_ordinal += 1;
            self.pending
                .weapons
                .weapon(ordinal, weapon, key, state, seq)?;
            self.flush_if_full()?;
            return Ok(None);
        }
        let row = WeaponRow::new(weapon, key, state, seq);
        // ON CONFLICT: a refused row must not abort the transaction (the registry goes on to
        // compare it with the one registered); which column clashed is asked only then.
        if self.execute(INSERT_WEAPON_SQL, &row.values())? == 1 {
            return Ok(None);
        }
        self.weapon_clash(weapon, key).map(Some)
    }

    fn update_weapon_state(&mut self, id: Uuid, state: &WeaponState) -> Result<()> {
        self.settle()?;
        self.execute(
            "UPDATE weapons SET status = $2, holder = $3, tracing = $4, awaiting_mark = $5
             WHERE id = $1",
            &[
                &id,
                &state.status.as_str(),
                &state.holder,
                &state.tracing.map(|t| t.as_str()),
                &state.awaiting_mark,
            ],
        )
        .map(|_| ())
    }

    fn update_weapon_states(&mut self, states: &[(Uuid, WeaponState)]) -> Result<()> {
        self.settle()?;
        if states.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = states.iter().map(|(id, _)| *id).collect();
        let statuses: Vec<&str> = states.iter().map(|(_, s)| s.status.as_str()).collect();
        let holders: Vec<Option<Uuid>> = states.iter().map(|(_, s)| s.holder).collect();
        let tracings: Vec<Option<&str>> = states
            .iter()
            .map(|(_, s)| s.tracing.map(|t| t.as_str()))
            .collect();
        let awaiting: Vec<bool> = states.iter().map(|(_, s)| s.awaiting_mark).collect();
        self.execute(
            "UPDATE weapons w SET status = u.status, holder = u.holder, tracing = u.tracing,
                    awaiting_mark = u.awaiting_mark
             FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::bool[])
                  AS u (id, status, holder, tracing, awaiting_mark)
             WHERE w.id = u.id",
            &[&ids, &statuses, &holders, &tracings, &awaiting],
        )
        .map(|_| ())
    }

    fn scan_serials(&mut self, after: i64, visit: &mut dyn FnMut(SerialRow)) -> Result<()> {
        self.settle()?;
        // `ordinal` comes from a sequence when the row is inserted; rows are never deleted.
        self.stream(
            "SELECT ordinal, serial, manufacturer FROM weapons
             WHERE ordinal > $1 AND serial IS NOT NULL ORDER BY ordinal",
            &[&after],
            &mut |row| {
                visit(SerialRow {
                    ordinal: get(row, 0)?,
                    serial: get(row, 1)?,
                    manufacturer: get(row, 2)?,
                });
                Ok(())
            },
        )
    }

    fn weapons_at(&mut self, ordinals: &[i64]) -> Result<Vec<(i64, StoredWeapon)>> {
        self.settle()?;
        if ordinals.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.query(
            "SELECT w.status, w.holder, w.seq, j.payload, w.ordinal
             FROM weapons w JOIN journal j ON j.seq = w.seq WHERE w.ordinal = ANY($1)",
            &[&ordinals],
        )?;
        let mut by_ordinal = HashMap::with_capacity(rows.len());
        for row in &rows {
            by_ordinal.insert(get::<i64>(row, 4)?, decode_weapon(row)?);
        }
        Ok(ordinals
            .iter()
            .filter_map(|o| by_ordinal.get(o).map(|w| (*o, w.clone())))
            .collect())
    }

    fn search_rows_at(&mut self, ordinals: &[i64]) -> Result<Vec<SearchRow>> {
        self.settle()?;
        if ordinals.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.query(
            "SELECT ordinal, id, serial, manufacturer, model, calibre, country, category,
                    unodc_type, status
             FROM weapons WHERE ordinal = ANY($1)",
            &[&ordinals],
        )?;
        let mut by_ordinal = HashMap::with_capacity(rows.len());
        for row in &rows {
            let ordinal: i64 = get(row, 0)?;
            let status: String = get(row, 9)?;
            by_ordinal.insert(
                ordinal,
                SearchRow {
                    ordinal,
                    id: get(row, 1)?,
                    serial: get(row, 2)?,
                    manufacturer: get(row, 3)?,
                    model: get(row, 4)?,
                    calibre: get(row, 5)?,
                    country: get(row, 6)?,
                    category: get(row, 7)?,
                    unodc_type: get(row, 8)?,
                    status: status
                        .parse::<WeaponStatus>()
                        .map_err(|e| corrupt("weapon status", e))?,
                },
            );
        }
        Ok(ordinals
            .iter()
            .filter_map(|o| by_ordinal.get(o).cloned())
            .collect())
    }

    fn list_weapons(&mut self, filter: &WeaponFilter) -> Result<Vec<StoredWeapon>> {
        self.settle()?;
        let mut sql = format!("{WEAPON_SELECT} WHERE true");
        let mut args: Vec<String> = Vec::new();
        if let Some(status) = filter.status {
            args.push(status.as_str().to_owned());
            sql.push_str(&format!(" AND w.status = ${}", args.len()));
        }
        if let Some(category) = &filter.category {
            args.push(salw_core::category::fold_name(category));
            sql.push_str(&format!(" AND w.category = ${}", args.len()));
        }
        if let Some(serial) = &filter.serial {
            args.push(serial.clone());
            sql.push_str(&format!(" AND w.serial = ${}", args.len()));
        }
        let limit = filter.limit.clamp(1, i64::MAX as u64);
        // Ordinal order is registration order (schema/3-bulk-indexes.sql).
        sql.push_str(&format!(" ORDER BY w.ordinal LIMIT {limit}"));
        let params: Vec<&(dyn ToSql + Sync)> =
            args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        self.conn()?
            .query(&sql, &params)
            .map_err(db)?
            .iter()
            .map(decode_weapon)
            .collect()
    }

    fn person(&mut self, id: Uuid) -> Result<Option<Person>> {
        self.flush()?;
        let Some(row) = self.query_opt(
            "SELECT j.payload FROM persons p JOIN journal j ON j.seq = p.seq WHERE p.id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let payload: String = get(&row, 0)?;
        serde_json::from_str(&payload)
            .map(Some)
            .map_err(|e| corrupt("person record", e))
    }

    fn person_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>> {
        self.flush()?;
        self.query_opt("SELECT id FROM persons WHERE reference = $1", &[&reference])?
            .map(|r| get(&r, 0))
            .transpose()
    }

    fn insert_person(&mut self, p: &Person, seq: i64) -> Result<Option<Clash>> {
        if self.deferred.as_ref().is_some_and(|d| d.persons) {
            // The persons' unique indexes stay: a clash fails the COPY, and the import's
            // row-by-row pass names it (`clash_copy_error`).
            self.pending.persons.person(p, seq)?;
            self.flush_if_full()?;
            return Ok(None);
        }
        let licensee = is_licensee(p);
        let inserted = self.execute(
            "INSERT INTO persons (id, reference, kind, name, sex, seq, licensee)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            &[
                &p.id,
                &p.reference,
                &p.kind.as_str(),
                &p.name,
                &p.sex.map(|x| x.as_str()),
                &seq,
                &licensee,
            ],
        )?;
        if inserted == 1 {
            return Ok(None);
        }
        let row = self.query_opt(
            "SELECT EXISTS (SELECT 1 FROM persons WHERE id = $1)",
            &[&p.id],
        )?;
        match row.map(|r| get::<bool>(&r, 0)).transpose()? {
            Some(true) => Ok(Some(Clash::Id)),
            _ if p.reference.is_some() => Ok(Some(Clash::Reference)),
            _ => Err(StoreError::Backend(format!(
                "person {} was refused, but no unique column clashes",
                p.id
            ))),
        }
    }

    fn event(&mut self, id: Uuid) -> Result<Option<LifecycleEvent>> {
        self.settle()?;
        let Some(row) = self.query_opt(
            "SELECT j.payload FROM events e JOIN journal j ON j.seq = e.seq WHERE e.id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let payload: String = get(&row, 0)?;
        serde_json::from_str(&payload)
            .map(Some)
            .map_err(|e| corrupt("event record", e))
    }

    fn events_of(&mut self, weapon: Uuid) -> Result<Vec<StoredEvent>> {
        self.settle()?;
        self.query(EVENTS_OF_SQL, &[&weapon])?
            .iter()
            .map(decode_event)
            .collect()
    }

    fn weapons_with_events(
        &mut self,
        ids: &[Uuid],
    ) -> Result<Vec<(StoredWeapon, Vec<StoredEvent>)>> {
        let wanted = ids.to_vec();
        let mut found: HashMap<Uuid, (StoredWeapon, Vec<StoredEvent>)> = self
            .weapons_by_id(ids)?
            .into_iter()
            .map(|w| (w.weapon.id, (w, Vec::new())))
            .collect();
        for row in self.query(
            "SELECT j.payload, e.seq, j.recorded_at, j.recorded_by, e.weapon_id
             FROM events e JOIN journal j ON j.seq = e.seq
             WHERE e.weapon_id = ANY($1) ORDER BY e.seq",
            &[&wanted],
        )? {
            let weapon_id: Uuid = get(&row, 4)?;
            if let Some((_, events)) = found.get_mut(&weapon_id) {
                events.push(decode_event(&row)?);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    fn insert_event(&mut self, e: &LifecycleEvent, seq: i64) -> Result<()> {
        if let Some(deferred) = &self.deferred {
            if !deferred.events {
                self.defer_event_indexes()?;
            }
            // The foreign key to the weapon is checked when it is made again, at the end.
            self.pending.events.event(e, seq)?;
            return self.flush_if_full();
        }
        self.settle()?;
        let criminal = criminal(e);
        self.execute(
            INSERT_EVENT_SQL,
            &[
                &e.id,
                &e.weapon_id,
                &e.kind.as_str(),
                &e.occurred_on.to_string(),
                &seq,
                &criminal,
                &e.supersedes,
                &e.from_holder,
                &e.trace_outcome.map(|o| o.as_str()),
            ],
        )
        .map(|_| ())
    }

    fn recent_events(&mut self, limit: u64) -> Result<Vec<StoredEvent>> {
        self.settle()?;
        let limit = limit.min(i64::MAX as u64) as i64;
        self.query(
            "SELECT j.payload, e.seq, j.recorded_at, j.recorded_by
             FROM events e JOIN journal j ON j.seq = e.seq ORDER BY e.seq DESC LIMIT $1",
            &[&limit],
        )?
        .iter()
        .map(decode_event)
        .collect()
    }

    fn recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(Recovery) -> Result<()>,
    ) -> Result<()> {
        self.settle()?;
        self.stream(RECOVERIES_SQL, &[&from, &to], &mut |r| {
            visit(Recovery {
                occurred_on: get(r, 0)?,
                kind: get(r, 1)?,
                criminal: get(r, 2)?,
                category: get(r, 3)?,
                calibre: get(r, 4)?,
                antique: get(r, 5)?,
                uniquely_marked: !get::<bool>(r, 6)?,
                tracing: get(r, 7)?,
            })
        })
    }

    fn period_recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodRecovery) -> Result<()>,
    ) -> Result<()> {
        self.settle()?;
        self.stream(PERIOD_RECOVERIES_SQL, &[&from, &to], &mut |r| {
            let holder: Option<Uuid> = get(r, 4)?;
            visit(PeriodRecovery {
                kind: get(r, 0)?,
                criminal: get(r, 1)?,
                unodc_type: get(r, 2)?,
                tracing: get(r, 3)?,
                from_holder: match holder {
                    Some(id) => Some((id.hyphenated().to_string(), get(r, 5)?)),
                    None => None,
                },
            })
        })
    }

    fn licensees_by_sex(&mut self) -> Result<Vec<(Option<String>, u64)>> {
        self.flush()?;
        // As SQLite orders them: no sex recorded first, then by the word's bytes.
        self.query(
            "SELECT sex, count(*) FROM persons WHERE licensee
             GROUP BY sex ORDER BY sex COLLATE \"C\" NULLS FIRST",
            &[],
        )?
        .iter()
        .map(|r| Ok((get(r, 0)?, count(get(r, 1)?))))
        .collect()
    }

    fn marking_counts(&mut self) -> Result<(u64, u64)> {
        self.settle()?;
        let row = self
            .query_opt(
                "SELECT count(*), count(*) FILTER (WHERE awaiting_mark AND status <> 'destroyed')
                 FROM weapons",
                &[],
            )?
            .ok_or_else(|| StoreError::Backend("no answer to a count".into()))?;
        Ok((count(get(&row, 0)?), count(get(&row, 1)?)))
    }

    fn period_transfers(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodTransfer) -> Result<()>,
    ) -> Result<()> {
        self.settle()?;
        self.stream(
            "SELECT e.id, e.weapon_id, e.kind, j.payload::json ->> 'country',
                    w.category, w.reference, w.calibre
             FROM events e
             JOIN journal j ON j.seq = e.seq
             JOIN weapons w ON w.id = e.weapon_id
             WHERE e.kind IN ('exported', 'imported')
               AND e.occurred_on >= $1 AND e.occurred_on <= $2
               AND NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)
             ORDER BY e.seq",
            &[&from, &to],
            &mut |r| {
                visit(PeriodTransfer {
                    event_id: get(r, 0)?,
                    weapon_id: get(r, 1)?,
                    kind: get(r, 2)?,
                    country: get(r, 3)?,
                    category: get(r, 4)?,
                    reference: get(r, 5)?,
                    calibre: get(r, 6)?,
                })
            },
        )
    }

    fn period_event_counts(&mut self, from: &str, to: &str) -> Result<PeriodEventCounts> {
        self.settle()?;
        let mut counts = PeriodEventCounts::default();
        for r in self.query(PERIOD_COUNTS_SQL, &[&from, &to])? {
            counts.by_kind.insert(get(&r, 0)?, count(get(&r, 1)?));
        }
        for r in self.query(TRACED_COUNTS_SQL, &[&from, &to])? {
            counts
                .traces_by_outcome
                .insert(get(&r, 0)?, count(get(&r, 1)?));
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
        self.query(
            "SELECT seq, indicator, period_from, period_to, profile, released_at, released_by,
                    numerator, denominator, figures, revises
             FROM indicator_releases
             WHERE indicator = $1 AND ($2::text IS NULL OR period_from = $2)
               AND ($3::text IS NULL OR period_to = $3) AND ($4::text IS NULL OR profile = $4)
             ORDER BY seq",
            &[&indicator, &from, &to, &profile],
        )?
        .iter()
        .map(decode_release)
        .collect()
    }

    fn all_releases(&mut self) -> Result<Vec<Release>> {
        self.query(
            "SELECT seq, indicator, period_from, period_to, profile, released_at, released_by,
                    numerator, denominator, figures, revises
             FROM indicator_releases ORDER BY seq",
            &[],
        )?
        .iter()
        .map(decode_release)
        .collect()
    }

    fn insert_release(&mut self, r: &Release) -> Result<i64> {
        let numerator = r.numerator.min(i64::MAX as u64) as i64;
        let denominator = r.denominator.min(i64::MAX as u64) as i64;
        let row = self
            .query_opt(
                "INSERT INTO indicator_releases (indicator, period_from, period_to, profile,
                     released_at, released_by, numerator, denominator, figures, revises)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
                &[
                    &r.indicator,
                    &r.period_from,
                    &r.period_to,
                    &r.profile,
                    &r.released_at,
                    &r.released_by,
                    &numerator,
                    &denominator,
                    &r.figures,
                    &r.revises,
                ],
            )?
            .ok_or_else(|| StoreError::Backend("a release was not inserted".into()))?;
        get(&row, 0)
    }

    fn report_answers(&mut self, template: &str) -> Result<Vec<ReportAnswer>> {
        self.query(
            "SELECT seq, template, period_from, period_to, question, answer, entered_at,
                    entered_by
             FROM report_answers WHERE template = $1 ORDER BY seq",
            &[&template],
        )?
        .iter()
        .map(decode_answer)
        .collect()
    }

    fn all_report_answers(&mut self) -> Result<Vec<ReportAnswer>> {
        self.query(
            "SELECT seq, template, period_from, period_to, question, answer, entered_at,
                    entered_by
             FROM report_answers ORDER BY seq",
            &[],
        )?
        .iter()
        .map(decode_answer)
        .collect()
    }

    fn insert_report_answer(&mut self, a: &ReportAnswer) -> Result<i64> {
        let row = self
            .query_opt(
                "INSERT INTO report_answers (template, period_from, period_to, question, answer,
                     entered_at, entered_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
                &[
                    &a.template,
                    &a.period_from,
                    &a.period_to,
                    &a.question,
                    &a.answer,
                    &a.entered_at,
                    &a.entered_by,
                ],
            )?
            .ok_or_else(|| StoreError::Backend("an answer was not inserted".into()))?;
        get(&row, 0)
    }

    fn put_blob(&mut self, hash: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        self.execute(
            "INSERT INTO blobs (hash, media_type, bytes) VALUES ($1, $2, $3)
             ON CONFLICT (hash) DO NOTHING",
            &[&hash, &media_type, &bytes],
        )
        .map(|_| ())
    }

    fn blob(&mut self, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
        self.query_opt(
            "SELECT media_type, bytes FROM blobs WHERE hash = $1",
            &[&hash],
        )?
        .map(|r| Ok((get(&r, 0)?, get(&r, 1)?)))
        .transpose()
    }

    fn insert_photo(&mut self, photo: &PhotoRecord, seq: i64) -> Result<bool> {
        self.settle()?;
        let inserted = self.execute(
            "INSERT INTO weapon_photos (weapon_id, hash, seq) VALUES ($1, $2, $3)
             ON CONFLICT (weapon_id, hash) DO NOTHING",
            &[&photo.weapon_id, &photo.hash, &seq],
        )?;
        Ok(inserted == 1)
    }

    fn photos_of(&mut self, weapon: Uuid) -> Result<Vec<StoredPhoto>> {
        self.settle()?;
        self.query(
            "SELECT j.payload, p.seq, j.recorded_at, j.recorded_by
             FROM weapon_photos p JOIN journal j ON j.seq = p.seq
             WHERE p.weapon_id = $1 ORDER BY p.seq",
            &[&weapon],
        )?
        .iter()
        .map(|r| {
            let payload: String = get(r, 0)?;
            Ok(StoredPhoto {
                photo: serde_json::from_str(&payload).map_err(|e| corrupt("photo record", e))?,
                seq: get(r, 1)?,
                recorded_at: get(r, 2)?,
                recorded_by: get(r, 3)?,
            })
        })
        .collect()
    }

    fn photo_hashes(&mut self) -> Result<Vec<String>> {
        self.query(
            "SELECT DISTINCT hash COLLATE \"C\" FROM weapon_photos ORDER BY 1",
            &[],
        )?
        .iter()
        .map(|r| get(r, 0))
        .collect()
    }

    fn blob_hashes(&mut self) -> Result<Vec<String>> {
        self.query("SELECT hash FROM blobs ORDER BY seq", &[])?
            .iter()
            .map(|r| get(r, 0))
            .collect()
    }

    fn summary(&mut self) -> Result<Summary> {
        self.settle()?;
        let row = self
            .query_opt(
                "SELECT (SELECT count(*) FROM weapons), (SELECT count(*) FROM persons),
                        (SELECT count(*) FROM events), (SELECT count(*) FROM journal),
                        (SELECT count(*) FROM weapons
                         WHERE awaiting_mark AND status <> 'destroyed')",
                &[],
            )?
            .ok_or_else(|| StoreError::Backend("no answer to a count".into()))?;
        let mut groups = |sql: &'static str| -> Result<Vec<(String, u64)>> {
            self.query(sql, &[])?
                .iter()
                .map(|r| Ok((get(r, 0)?, count(get(r, 1)?))))
                .collect()
        };
        // Ties by name, byte by byte, as SQLite orders them.
        let by_status = groups(
            "SELECT status, count(*) FROM weapons GROUP BY status
             ORDER BY 2 DESC, status COLLATE \"C\"",
        )?;
        let by_category = groups(
            "SELECT category, count(*) FROM weapons GROUP BY category
             ORDER BY 2 DESC, category COLLATE \"C\"",
        )?;
        let by_event_kind = groups(
            "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY 2 DESC, kind COLLATE \"C\"",
        )?;
        Ok(Summary {
            weapons: count(get(&row, 0)?),
            persons: count(get(&row, 1)?),
            events: count(get(&row, 2)?),
            journal_entries: count(get(&row, 3)?),
            by_status,
            by_category,
            by_event_kind,
            inadequately_marked: count(get(&row, 4)?),
        })
    }

    fn scan_persons(&mut self, visit: &mut dyn FnMut(Person) -> Result<()>) -> Result<()> {
        self.flush()?;
        self.scan_payloads(
            "SELECT j.payload FROM persons p JOIN journal j ON j.seq = p.seq ORDER BY p.seq",
            "person",
            visit,
        )
    }

    fn scan_person_names(&mut self, visit: &mut salw_store::PersonNameVisit<'_>) -> Result<()> {
        self.flush()?;
        self.stream(
            "SELECT id, name, reference FROM persons ORDER BY seq",
            &[],
            &mut |row| {
                let id: Uuid = get(row, 0)?;
                let name: &str = get(row, 1)?;
                let reference: Option<&str> = get(row, 2)?;
                visit(id, name, reference)
            },
        )
    }

    fn scan_weapons(&mut self, visit: &mut dyn FnMut(Weapon) -> Result<()>) -> Result<()> {
        self.settle()?;
        self.scan_payloads(
            "SELECT j.payload FROM weapons w JOIN journal j ON j.seq = w.seq ORDER BY w.ordinal",
            "weapon",
            visit,
        )
    }

    fn scan_events(&mut self, visit: &mut dyn FnMut(LifecycleEvent) -> Result<()>) -> Result<()> {
        self.settle()?;
        self.scan_payloads(
            "SELECT j.payload FROM events e JOIN journal j ON j.seq = e.seq ORDER BY e.seq",
            "event",
            visit,
        )
    }
}

/// For tests: a fresh, empty schema in the database `SALW_TEST_POSTGRES` names, as a URL whose
/// connections use it (`options=-csearch_path=…`). `None` when the variable is not set, unless
/// `SALW_REQUIRE_POSTGRES` is set too (as `.ci/run` does): then a missing server fails the
/// test instead of leaving it untried.
pub fn fresh_test_database(label: &str) -> Option<String> {
    let base = match std::env::var("SALW_TEST_POSTGRES") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            assert!(
                std::env::var_os("SALW_REQUIRE_POSTGRES").is_none(),
                "SALW_REQUIRE_POSTGRES is set but SALW_TEST_POSTGRES names no database"
            );
            eprintln!("{label}: SALW_TEST_POSTGRES is not set; PostgreSQL not tried");
            return None;
        }
    };
    let schema = format!(
        "t_{}_{}",
        label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            })
            .take(30)
            .collect::<String>(),
        Uuid::now_v7().simple()
    );
    let mut client = Client::connect(&base, NoTls)
        .unwrap_or_else(|e| panic!("SALW_TEST_POSTGRES {}: {e}", redact(&base)));
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap_or_else(|e| panic!("creating schema {schema}: {e}"));
    let separator = if base.contains('?') { '&' } else { '?' };
    Some(format!("{base}{separator}options=-csearch_path%3D{schema}"))
}

#[cfg(test)]
mod redact_tests {
    use super::redact;

    #[test]
    fn no_form_of_url_shows_its_password() {
        for (url, shown) in [
            (
                "postgres://salw:s3cret@db/salw",
                "postgres://salw:***@db/salw",
            ),
            ("postgres://salw@db/salw", "postgres://salw@db/salw"),
            // The connection's parser ends the credentials at the first `@`.
            (
                "postgres://salw:pa/ss@db/salw",
                "postgres://salw:***@db/salw",
            ),
            (
                "postgres://salw:pa?ss@db/salw",
                "postgres://salw:***@db/salw",
            ),
            (
                "postgres://salw@db/salw?password=s3cret&options=x",
                "postgres://salw@db/salw?password=***&options=x",
            ),
            (
                "postgresql:///salw?host=/run/pg",
                "postgresql:///salw?host=/run/pg",
            ),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
    }
}
