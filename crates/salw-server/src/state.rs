//! What the server holds while it runs: connections to the registry (a pool of readers, one
//! writer with the node's key), the search index, the sessions, the login throttle and the
//! audit writer. SQLite calls block, so they run on tokio's blocking threads: reads at most
//! two per CPU at once (`read_slots`), each in one read transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use salw_access::{Role, Throttle};
use salw_search::Searcher;
use salw_store::{NodeInfo, Registry};
use salw_store_any::{AnyBackend, Location};

use crate::audit::AuditSink;
use crate::config::Config;
use crate::error::ApiError;

pub type Reg = Registry<AnyBackend>;
pub type Shared = Arc<AppState>;

/// A browser session. The cookie holds a random secret; the server keeps what it stands for.
#[derive(Debug, Clone)]
pub struct Session {
    pub name: String,
    pub role: Role,
    /// Sent back in every form (and the `x-csrf-token` header of scripts): a cross-site
    /// request cannot know it.
    pub csrf: String,
    pub last_seen: Instant,
    /// When the account was last looked at: a change made outside this server (`salw user
    /// disable`, another server process) ends the session within `session_recheck_seconds`.
    pub checked: Instant,
    /// `auth::credential_of` the account when the session began.
    pub credential: String,
}

/// A bearer token found valid at `checked`.
#[derive(Debug, Clone)]
pub struct CheckedToken {
    pub name: String,
    pub role: Role,
    pub checked: Instant,
}

/// At most this many tokens are remembered; past it the cache starts again empty (a flood
/// of valid tokens only costs their reads again).
pub const TOKEN_CACHE_LIMIT: usize = 10_000;

pub struct AppState {
    pub config: Config,
    pub db: Location,
    /// The marking search index's folder (beside a registry file, or named for a database).
    pub index_dir: PathBuf,
    pub node: NodeInfo,
    readers: Mutex<Vec<Reg>>,
    /// Reads running at once (see `read_slots`); the others wait their turn, first come first
    /// served.
    read_slots: Arc<tokio::sync::Semaphore>,
    writer: Mutex<Reg>,
    pub(crate) searcher: RwLock<Searcher>,
    pub sessions: Mutex<HashMap<String, Session>>,
    /// API tokens already checked, by the BLAKE3 hash of their secret: a program calling
    /// the API thousands of times a second would otherwise read the token and its account
    /// at every call. Looked at again after `session_recheck_seconds`, as sessions are, and
    /// forgotten at once when the server itself changes the account.
    pub tokens: Mutex<HashMap<String, CheckedToken>>,
    pub throttle: Mutex<Throttle>,
    pub audit: AuditSink,
    /// The connection the federation inbox writes with (opened on first use): its own, so
    /// that receiving never waits for the search index behind the record writer.
    pub inbox: Mutex<Option<AnyBackend>>,
    /// Wakes the outbox sender when this server queues a message.
    pub outbox_wake: tokio::sync::Notify,
    /// The node's key, to sign the trace messages queued through the server (never logged).
    pub signing_key: SigningKey,
}

/// A poisoned lock means a thread panicked while holding it; what it guards (a pool, a map)
/// is still usable, so carry on rather than fail every later request.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_reader(db: &Location) -> Result<Reg, ApiError> {
    db.open(false)
        .map(Registry::new)
        .map_err(|e| ApiError::internal("opening the registry", e))
}

/// How many reads run at once: two per CPU. Reads are CPU work (the search walks its index,
/// SQLite copies pages that are mostly in the OS cache); the second one per CPU covers the
/// moments a read waits (a page from the disk, the hand-over between threads). Without this
/// bound each request in flight had its own blocking thread and connection (64 connections:
/// 64 threads on 2 CPUs), so that every request shared the CPUs with all the others and the
/// slowest queries set the tail latency (p99 at 64 connections 90–300 ms, against 65–75 ms in
/// turn). The semaphore is fair: requests wait in the order they came.
///
/// A long read (an export) holds its slot while it runs; the others go on in the rest.
fn read_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| 2 * n.get())
}

/// Runs `f` in one read transaction: one snapshot of the registry for the whole request (a
/// weapon and its timeline from the same moment), and one look at whether another connection
/// committed since, instead of one per statement: after each commit of another connection
/// (the audit writer commits hundreds of times a second under load) SQLite empties the page
/// cache of a connection at its next read, and a search reads 20–40 candidates, each its own
/// statement. Returns whether the connection is clean enough to go back to the pool.
fn in_read_transaction<T>(
    reg: &mut Reg,
    f: impl FnOnce(&mut Reg) -> Result<T, ApiError>,
) -> (Result<T, ApiError>, bool) {
    if let Err(e) = reg.backend().begin_read() {
        return (Err(ApiError::internal("starting a read", e)), false);
    }
    let result = f(reg);
    let clean = reg.backend().end_read();
    (result, clean)
}

impl AppState {
    /// Opens the registry, the index (building it when needed; `note` hears why) and the
    /// audit writer.
    pub fn open(
        config: Config,
        db: &Location,
        index_dir: &Path,
        key: SigningKey,
        note: &mut dyn FnMut(&str),
    ) -> anyhow::Result<AppState> {
        let signing_key = key.clone();
        let mut writer = Registry::new(db.open(false)?).with_signing_key(key);
        let node = writer.node()?.ok_or_else(|| {
            anyhow::anyhow!("{db} is not an initialised registry; run `salw --db {db} init`")
        })?;
        let searcher = Searcher::open(writer.backend(), index_dir, &node.public_key, note)?;
        let audit = AuditSink::start(db)?;
        Ok(AppState {
            config,
            db: db.clone(),
            index_dir: index_dir.to_owned(),
            node,
            readers: Mutex::new(Vec::new()),
            read_slots: Arc::new(tokio::sync::Semaphore::new(read_slots())),
            writer: Mutex::new(writer),
            searcher: RwLock::new(searcher),
            sessions: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            throttle: Mutex::new(Throttle::default()),
            audit,
            inbox: Mutex::new(None),
            outbox_wake: tokio::sync::Notify::new(),
            signing_key,
        })
    }

    pub fn session_recheck(&self) -> Duration {
        Duration::from_secs(self.config.session_recheck_seconds)
    }

    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(self.config.session_idle_hours.max(1) * 3600)
    }

    /// Runs `f` with a reading connection on a blocking thread, in one read transaction (one
    /// snapshot): `f` only reads.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Reg) -> Result<T, ApiError> + Send + 'static,
    {
        self.read_after(|_| {}, f).await
    }

    /// As `read`, with `before` run on the connection first, outside the read transaction:
    /// a failure there (logged, not fatal) must not spoil the transaction, as one failed
    /// statement does on PostgreSQL.
    async fn read_after<T, B, F>(self: &Arc<Self>, before: B, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        B: FnOnce(&mut Reg) + Send + 'static,
        F: FnOnce(&mut Reg) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        // The slot goes with the work: a request given up by its client still holds it until
        // its blocking work ends.
        let slot = self
            .read_slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal("waiting for a reader", e))?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let pooled = lock(&state.readers).pop();
            let mut reg = match pooled {
                Some(reg) => reg,
                None => open_reader(&state.db)?,
            };
            before(&mut reg);
            let (result, clean) = in_read_transaction(&mut reg, f);
            if clean {
                lock(&state.readers).push(reg);
            }
            result
        })
        .await
        .map_err(|e| ApiError::internal("a request", e))?
    }

    /// Runs `f` with a reading connection and the search index.
    pub async fn search<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Reg, &Searcher) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        let catching_up = self.clone();
        self.read_after(
            move |reg| catching_up.catch_up(reg.backend()),
            move |reg| {
                let searcher = state.searcher.read().unwrap_or_else(|p| p.into_inner());
                f(reg, &searcher)
            },
        )
        .await
    }

    /// Brings the search up to date with weapons registered by another process while this one
    /// serves (`salw import` or `salw weapon add` beside `salw serve`): one indexed probe when
    /// there are none. A problem is logged; the search goes on with what it has.
    pub fn catch_up(&self, backend: &mut AnyBackend) {
        let last = self
            .searcher
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .last_ordinal();
        let mut newer = false;
        if let Err(e) = salw_store::Backend::scan_serials(backend, last, &mut |_| newer = true) {
            tracing::warn!("the search index could not look for new weapons: {e}");
            return;
        }
        if newer {
            let mut searcher = self.searcher.write().unwrap_or_else(|p| p.into_inner());
            self.bring_up_to_date(&mut searcher, backend);
        }
    }

    /// Adds the weapons registered since the searcher last looked; rebuilds the index when
    /// too many are new.
    fn bring_up_to_date(&self, searcher: &mut Searcher, backend: &mut AnyBackend) {
        match searcher.refresh(backend) {
            Ok(true) => {}
            Ok(false) => match Searcher::open(
                backend,
                &self.index_dir,
                &self.node.public_key,
                &mut |why| tracing::info!("{why}"),
            ) {
                Ok(fresh) => *searcher = fresh,
                Err(e) => tracing::warn!("the search index was not rebuilt: {e}"),
            },
            Err(e) => tracing::warn!("the search index was not brought up to date: {e}"),
        }
    }

    /// Runs `f` with the one writing connection, then brings the search index up to date
    /// with what it registered.
    pub async fn write<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Reg) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer = lock(&state.writer);
            let result = f(&mut writer)?;
            // The write is committed: a problem with the derived index is logged, not returned.
            let mut searcher = state.searcher.write().unwrap_or_else(|p| p.into_inner());
            state.bring_up_to_date(&mut searcher, writer.backend());
            Ok(result)
        })
        .await
        .map_err(|e| ApiError::internal("a write", e))?
    }

    /// Ends every session of `name` (after a change of role, a disabled account, a new password).
    pub fn end_sessions_of(&self, name: &str) {
        lock(&self.sessions).retain(|_, s| s.name != name);
        lock(&self.tokens).retain(|_, t| t.name != name);
    }
}
