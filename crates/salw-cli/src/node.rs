//! Opening the registry and the node's signing key.
//!
//! The key lives in its own file beside the registry (mode 0600), not in the database: whoever
//! can edit the database but not read the key cannot re-sign a rewritten journal.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use ed25519_dalek::SigningKey;
use salw_store::{Registry, WriteContext};
use salw_store_sqlite::SqliteBackend;

use crate::args::Cli;

pub type Reg = Registry<SqliteBackend>;

pub fn db_path(cli: &Cli) -> Result<PathBuf> {
    cli.db.clone().ok_or_else(|| {
        anyhow!(
            "no registry given: use --db FILE (or set SALW_DATABASE); `salw demo` builds one to try"
        )
    })
}

pub fn key_path(cli: &Cli, db: &Path) -> PathBuf {
    cli.key_file.clone().unwrap_or_else(|| {
        let mut name = db.as_os_str().to_owned();
        name.push(".key");
        PathBuf::from(name)
    })
}

pub fn open(cli: &Cli, write: bool) -> Result<Reg> {
    let db = db_path(cli)?;
    open_at(cli, &db, write)
}

pub fn open_at(cli: &Cli, db: &Path, write: bool) -> Result<Reg> {
    let backend = SqliteBackend::open(db, false)?;
    let mut registry = Registry::new(backend);
    if registry.node()?.is_none() {
        bail!(
            "{} is not an initialised registry; run `salw --db {} init`",
            db.display(),
            db.display()
        );
    }
    if write {
        let key = load_key(&key_path(cli, db))?;
        registry = registry.with_signing_key(key);
    }
    Ok(registry)
}

pub fn load_key(path: &Path) -> Result<SigningKey> {
    let text = fs::read_to_string(path).with_context(|| {
        format!("the node's signing key {} cannot be read: writes are refused (reading still works; restore the key from its backup)", path.display())
    })?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow!("{} is not a signing key (64 hex digits)", path.display()))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Creates a new key file; never overwrites one.
pub fn create_key(path: &Path) -> Result<SigningKey> {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| {
        format!(
            "cannot create the key file {} (does it exist already?)",
            path.display()
        )
    })?;
    writeln!(file, "{}", hex::encode(key.to_bytes()))?;
    file.sync_all()?;
    Ok(key)
}

pub fn context(cli: &Cli, source: &str) -> WriteContext {
    let user = cli
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "cli".into());
    WriteContext {
        recorded_by: user,
        source: source.to_owned(),
        now: chrono::Utc::now(),
    }
}
