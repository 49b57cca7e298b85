//! Reports of the registry as files (DOMAIN.md §8, DESIGN.md "Reports"): the UNODC
//! questionnaire's tables (`tables`: JSON, CSV, XLSX, and importing a user's tables with the
//! questionnaire's checks) and the PoA/ITI national report (`poa`: questions as data per
//! template version, answers the registry knows, the rest to complete; HTML, XLSX, JSON).
//!
//! No I/O but the bytes it is given or returns, and what `registry` reads from a backend
//! (salw_store::reports computes the figures from the records; this crate knows no SQL).

pub mod assessment;
pub mod att;
pub mod poa;
pub mod registry;
pub mod tables;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("{0}")]
    Store(#[from] salw_store::StoreError),
    #[error("template {template}: {message}")]
    Template { template: String, message: String },
}
