//! Reports of the registry as files (DOMAIN.md §8, DESIGN.md "Reports"): the UNODC
//! questionnaire's tables (`tables`: JSON, CSV, XLSX, and importing a user's tables with the
//! questionnaire's checks) and the PoA/ITI national report (`poa`: questions as data per
//! template version, answers the registry knows, the rest to complete; HTML, XLSX, JSON).
//!
//! No I/O but the bytes it is given or returns; the figures come from the caller
//! (salw_store::reports computes them from the records).

pub mod att;
pub mod poa;
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
    #[error("template {template}: {message}")]
    Template { template: String, message: String },
}
