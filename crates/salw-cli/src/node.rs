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
use salw_store_any::{AnyBackend, Location};

use crate::args::Cli;

pub type Reg = Registry<AnyBackend>;

/// Where the registry is: `--db` (or SALW_DATABASE), a file or a `postgres://` URL.
pub fn location(cli: &Cli) -> Result<Location> {
    let db = cli.db.as_deref().ok_or_else(|| {
        anyhow!(
            "no registry given: use --db FILE or --db postgres://USER@HOST/DB (or set SALW_DATABASE); `salw demo` builds one to try"
        )
    })?;
    Ok(Location::from_path(db)?)
}

/// The node's key file: `--key-file`, or beside a registry file (its path with `.key`). A
/// registry on a PostgreSQL server has no "beside": the key file must be named.
pub fn key_path(cli: &Cli, db: &Location) -> Result<PathBuf> {
    if let Some(path) = &cli.key_file {
        return Ok(path.clone());
    }
    db.beside(".key").ok_or_else(|| {
        anyhow!(
            "a registry on a PostgreSQL server keeps its signing key in a file of its own: give it with --key-file PATH (or SALW_KEY_FILE)"
        )
    })
}

/// The marking search index's folder (`Location::index_dir`): beside a registry file, or
/// beside the key file for a registry on a PostgreSQL server; each process keeps its own and
/// brings it up to date from the registry.
pub fn index_dir(cli: &Cli, db: &Location) -> Result<PathBuf> {
    match db {
        Location::File(path) => Ok(salw_search::index_dir(path)),
        Location::Postgres(_) => match key_path(cli, db) {
            Ok(key) => Ok(db.index_dir(&key)),
            // A reader without the key (a statistician on the read replica): this user's cache.
            Err(_) => {
                let cache = std::env::var_os("XDG_CACHE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
                    .ok_or_else(|| {
                        anyhow!("no place for the search index: give --key-file (the index sits beside it)")
                    })?
                    .join("salw");
                fs::create_dir_all(&cache)
                    .with_context(|| format!("creating {}", cache.display()))?;
                Ok(db.index_dir(&cache.join("node.key")))
            }
        },
    }
}

/// As `index_dir`, with the key file already known.
pub fn index_dir_at(db: &Location, key_file: &Path) -> PathBuf {
    db.index_dir(key_file)
}

pub fn open(cli: &Cli, write: bool) -> Result<Reg> {
    let db = location(cli)?;
    open_at(cli, &db, write)
}

pub fn open_at(cli: &Cli, db: &Location, write: bool) -> Result<Reg> {
    let backend = db.open(false)?;
    let mut registry = Registry::new(backend);
    if registry.node()?.is_none() {
        bail!("{db} is not an initialised registry; run `salw --db {db} init`");
    }
    if write {
        let key = load_key(&key_path(cli, db)?)?;
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
    write_key(path, &key)?;
    Ok(key)
}

/// Writes a key to a new file readable by its owner only; never overwrites one.
pub fn write_key(path: &Path, key: &SigningKey) -> Result<()> {
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
    Ok(())
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

/// Writes a line to the audit trail for what a command shows of the records, as the server
/// does for each request: who ran it (`--user`, or the system's user name), the role
/// "command line", what was asked and what was shown. Called before the answer is printed:
/// nothing is shown that was not logged.
pub fn audit(reg: &mut Reg, cli: &Cli, action: &str, asked: &str, shown: &str) -> Result<()> {
    let ctx = context(cli, "cli");
    salw_store::append_audit(
        reg.backend(),
        &[salw_store::AuditDraft {
            at: ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            actor: ctx.recorded_by,
            role: "command line".into(),
            action: action.into(),
            asked: asked.into(),
            shown: shown.into(),
        }],
    )
    .context("writing the audit line (nothing is shown that is not logged)")?;
    Ok(())
}
