//! The registry's backend, chosen once at the edge from where the registry is: a SQLite file
//! (the default, for a node on a laptop) or a PostgreSQL database (`postgres://…`, for a
//! central node serving many stations). The CLI and the server open an [`AnyBackend`] and
//! see only the storage traits; nothing above this crate names a backend.

mod delegate;

use std::fmt;
use std::path::{Path, PathBuf};

use salw_store::StoreError;
use salw_store::backend::Result;
use salw_store_postgres::PgBackend;
use salw_store_sqlite::SqliteBackend;

pub use salw_store_postgres::{fresh_test_database, is_postgres_url, redact};

/// The scheme of a path written as a URL (`mysql://…`, `sqlite://…`): a registry given in a
/// form salw does not open, which would otherwise be taken for a file name.
fn url_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)))
        .then_some(scheme)
}

/// Where a registry is.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// A `postgres://` or `postgresql://` URL (libpq's form; the password, if any, in it).
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL, or a file's path. Refused: a URL of another
    /// kind (`mysql://…`, `sqlite://…`), which would otherwise be taken for a file's name (and
    /// its key file made beside it, the URL's password in the name).
    pub fn parse(text: &str) -> Result<Location> {
        if is_postgres_url(text) {
            return Ok(Location::Postgres(text.to_owned()));
        }
        if let Some(scheme) = url_scheme(text) {
            return Err(StoreError::Invalid(format!(
                "'{}' is a {scheme}:// URL: a registry is a SQLite file (a path) or a PostgreSQL database (postgres://USER@HOST/DB)",
                redact(text)
            )));
        }
        Ok(Location::File(PathBuf::from(text)))
    }

    pub fn from_path(path: &Path) -> Result<Location> {
        match path.to_str() {
            Some(text) => Location::parse(text),
            None => Ok(Location::File(path.to_owned())),
        }
    }

    /// Opens the registry (creating the file, or the schema, when `create`), applying the
    /// backend's pending migrations.
    pub fn open(&self, create: bool) -> Result<AnyBackend> {
        Ok(match self {
            Location::File(path) => AnyBackend::Sqlite(SqliteBackend::open(path, create)?),
            Location::Postgres(url) => {
                AnyBackend::Postgres(Box::new(PgBackend::open(url, create)?))
            }
        })
    }

    /// The file a derived thing (the key, the search index) sits in beside a registry file:
    /// the file's path with `suffix` appended. A database on a server has no "beside".
    pub fn beside(&self, suffix: &str) -> Option<PathBuf> {
        match self {
            Location::File(path) => {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                Some(PathBuf::from(name))
            }
            Location::Postgres(_) => None,
        }
    }

    /// The marking search index's folder. Beside a registry file: `FILE.search`. For a
    /// database: beside the key file, named after the key file and the database
    /// (`node.3f2a…e1.search`): a copy of the same node's registry elsewhere (the file it was
    /// migrated from, a restored dump) numbers its weapons its own way and gets its own index.
    pub fn index_dir(&self, key_file: &Path) -> PathBuf {
        match self {
            Location::File(path) => {
                let mut name = path.as_os_str().to_owned();
                name.push(".search");
                PathBuf::from(name)
            }
            Location::Postgres(url) => {
                // FNV-1a of the URL without its password: stable across runs and versions.
                let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
                for byte in redact(url).bytes() {
                    hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
                let stem = key_file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "salw".into());
                key_file.with_file_name(format!("{stem}.{hash:016x}.search"))
            }
        }
    }

    pub fn is_file(&self) -> bool {
        matches!(self, Location::File(_))
    }

    /// Whether a registry file exists there (a database on a server: assumed, `open` tells).
    pub fn exists(&self) -> bool {
        match self {
            Location::File(path) => path.exists(),
            Location::Postgres(_) => true,
        }
    }
}

/// Shown to users and in logs: a file's path, a URL without its password.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => write!(f, "{}", redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// One of the backends, behind every storage trait (`salw_store::Store`).
pub enum AnyBackend {
    Sqlite(SqliteBackend),
    Postgres(Box<PgBackend>),
}

impl AnyBackend {
    /// For a bulk import: see `SqliteBackend::begin_bulk`. PostgreSQL needs no switch (its
    /// bulk path is COPY, taken by `defer_weapon_indexes`). Returns whether a switch happened.
    pub fn begin_bulk(&mut self) -> Result<bool> {
        match self {
            AnyBackend::Sqlite(b) => b.begin_bulk(),
            AnyBackend::Postgres(_) => Ok(false),
        }
    }

    pub fn end_bulk(&mut self) -> Result<()> {
        match self {
            AnyBackend::Sqlite(b) => b.end_bulk(),
            AnyBackend::Postgres(_) => Ok(()),
        }
    }

    /// Starts a read-only transaction: one snapshot for a whole request.
    pub fn begin_read(&mut self) -> Result<()> {
        match self {
            AnyBackend::Sqlite(b) => b
                .connection()
                .execute_batch("BEGIN")
                .map_err(|e| StoreError::Backend(e.to_string())),
            AnyBackend::Postgres(b) => b
                .client()
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .map_err(|e| StoreError::Backend(e.to_string())),
        }
    }

    /// Ends what `begin_read` started; returns whether the connection is clean enough to be
    /// used again (no transaction left open).
    pub fn end_read(&mut self) -> bool {
        match self {
            AnyBackend::Sqlite(b) => {
                let conn = b.connection();
                if !conn.is_autocommit() && conn.execute_batch("COMMIT").is_err() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                conn.is_autocommit()
            }
            AnyBackend::Postgres(b) => {
                let client = b.client();
                client.batch_execute("COMMIT").is_ok() || client.batch_execute("ROLLBACK").is_ok()
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            AnyBackend::Sqlite(_) => "SQLite",
            AnyBackend::Postgres(_) => "PostgreSQL",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_is_a_file_unless_it_is_a_postgres_url_and_never_shows_its_password() {
        assert_eq!(
            Location::parse("registry.db").expect("location"),
            Location::File(PathBuf::from("registry.db"))
        );
        let db = Location::parse("postgresql://salw:s3cret@db.example:5433/salw?options=x")
            .expect("location");
        assert!(!db.is_file());
        let shown = db.to_string();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("salw:***@db.example:5433/salw"), "{shown}");
        assert!(!format!("{db:?}").contains("s3cret"));
        // Another kind of URL is not a file's name.
        for url in [
            "mysql://salw:s3cret@db/salw",
            "sqlite://registry.db",
            "file:///srv/r.db",
        ] {
            match Location::parse(url) {
                Err(StoreError::Invalid(why)) => {
                    assert!(why.contains("URL: a registry is a SQLite file"), "{why}");
                    assert!(!why.contains("s3cret"), "{why}");
                }
                other => panic!("{url}: {other:?}"),
            }
        }
        // A path with "://" after something that is not a scheme is still a path.
        assert!(Location::parse("./a://b.db").expect("a path").is_file());
    }

    #[test]
    fn each_database_gets_its_own_search_index_beside_the_key() {
        let key = Path::new("/etc/salw/node.key");
        let file = Location::parse("/srv/registry.db").expect("location");
        assert_eq!(
            file.index_dir(key),
            PathBuf::from("/srv/registry.db.search")
        );
        let one = Location::parse("postgres://salw:a@db/salw")
            .expect("location")
            .index_dir(key);
        let same_other_password = Location::parse("postgres://salw:b@db/salw")
            .expect("location")
            .index_dir(key);
        let another = Location::parse("postgres://salw:a@db/salw_restored")
            .expect("location")
            .index_dir(key);
        assert_eq!(one, same_other_password);
        assert_ne!(one, another);
        assert_eq!(one.parent(), Some(Path::new("/etc/salw")));
        let name = one.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(
            name.starts_with("node.") && name.ends_with(".search"),
            "{name}"
        );
    }
}
