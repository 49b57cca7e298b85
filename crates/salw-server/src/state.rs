//! What the server holds while it runs: connections to the registry (a pool of readers, one
//! writer with the node's key), the search index, the sessions, the login throttle and the
//! audit writer. SQLite calls block, so they run on tokio's blocking threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use salw_access::{Role, Throttle};
use salw_search::Searcher;
use salw_store::{NodeInfo, Registry};
use salw_store_sqlite::SqliteBackend;

use crate::audit::AuditSink;
use crate::config::Config;
use crate::error::ApiError;

pub type Reg = Registry<SqliteBackend>;
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

pub struct AppState {
    pub config: Config,
    pub db: PathBuf,
    pub node: NodeInfo,
    readers: Mutex<Vec<Reg>>,
    writer: Mutex<Reg>,
    searcher: RwLock<Searcher>,
    pub sessions: Mutex<HashMap<String, Session>>,
    pub throttle: Mutex<Throttle>,
    pub audit: AuditSink,
    /// The connection the federation inbox writes with (opened on first use): its own, so
    /// that receiving never waits for the search index behind the record writer.
    pub inbox: Mutex<Option<SqliteBackend>>,
    /// Wakes the outbox sender when this server queues a message.
    pub outbox_wake: tokio::sync::Notify,
}

/// A poisoned lock means a thread panicked while holding it; what it guards (a pool, a map)
/// is still usable, so carry on rather than fail every later request.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_reader(db: &Path) -> Result<Reg, ApiError> {
    SqliteBackend::open(db, false)
        .map(Registry::new)
        .map_err(|e| ApiError::internal("opening the registry", e))
}

impl AppState {
    /// Opens the registry, the index (building it when needed; `note` hears why) and the
    /// audit writer.
    pub fn open(
        config: Config,
        db: &Path,
        key: SigningKey,
        note: &mut dyn FnMut(&str),
    ) -> anyhow::Result<AppState> {
        let mut writer = Registry::new(SqliteBackend::open(db, false)?).with_signing_key(key);
        let node = writer.node()?.ok_or_else(|| {
            anyhow::anyhow!(
                "{} is not an initialised registry; run `salw --db {} init`",
                db.display(),
                db.display()
            )
        })?;
        let searcher = Searcher::open(
            writer.backend(),
            &salw_search::index_dir(db),
            &node.public_key,
            note,
        )?;
        let audit = AuditSink::start(db)?;
        Ok(AppState {
            config,
            db: db.to_owned(),
            node,
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(writer),
            searcher: RwLock::new(searcher),
            sessions: Mutex::new(HashMap::new()),
            throttle: Mutex::new(Throttle::default()),
            audit,
            inbox: Mutex::new(None),
            outbox_wake: tokio::sync::Notify::new(),
        })
    }

    pub fn session_recheck(&self) -> Duration {
        Duration::from_secs(self.config.session_recheck_seconds)
    }

    pub fn session_idle(&self) -> Duration {
        Duration::from_secs(self.config.session_idle_hours.max(1) * 3600)
    }

    /// Runs `f` with a reading connection on a blocking thread.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Reg) -> Result<T, ApiError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = lock(&state.readers).pop();
            let mut reg = match pooled {
                Some(reg) => reg,
                None => open_reader(&state.db)?,
            };
            let result = f(&mut reg);
            lock(&state.readers).push(reg);
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
        self.read(move |reg| {
            let searcher = state.searcher.read().unwrap_or_else(|p| p.into_inner());
            f(reg, &searcher)
        })
        .await
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
            match searcher.refresh(writer.backend()) {
                Ok(true) => {}
                Ok(false) => {
                    match Searcher::open(
                        writer.backend(),
                        &salw_search::index_dir(&state.db),
                        &state.node.public_key,
                        &mut |why| tracing::info!("{why}"),
                    ) {
                        Ok(fresh) => *searcher = fresh,
                        Err(e) => tracing::warn!("the search index was not rebuilt: {e}"),
                    }
                }
                Err(e) => tracing::warn!("the search index was not brought up to date: {e}"),
            }
            Ok(result)
        })
        .await
        .map_err(|e| ApiError::internal("a write", e))?
    }

    /// Ends every session of `name` (after a change of role, a disabled account, a new password).
    pub fn end_sessions_of(&self, name: &str) {
        lock(&self.sessions).retain(|_, s| s.name != name);
    }
}
