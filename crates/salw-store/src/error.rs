/// What can go wrong below the domain rules.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Backend(String),
    #[error("this registry is not initialised; run `salw init` first")]
    NotInitialised,
    #[error("this registry is already initialised (country {0})")]
    AlreadyInitialised(String),
    #[error("a stored record cannot be read: {0}")]
    Corrupt(String),
    #[error("node key: {0}")]
    Key(String),
    #[error("{0}")]
    Invalid(String),
    /// A bulk write deferred the unique indexes and found, on building them, that two records
    /// clash. The transaction is rolled back; the write is run again without deferring, which
    /// names the clashing lines (see `Registry::write_bulk`).
    #[error("a uniqueness clash was found after a deferred index build")]
    DeferredClash,
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
