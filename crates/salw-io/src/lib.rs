//! The file formats of salw (documented in docs/formats.md): CSV with a header, and JSON Lines,
//! for weapons, persons and life-cycle events. Reading turns each row into a [`Staged`] record
//! or a [`RowError`] naming its line and field; writing is the inverse, so that an export
//! imported into a new registry gives back the same records.
//!
//! Every row goes through one path: CSV cells become a JSON object, typed by the field's kind,
//! then the same deserialisation as a JSON line, which names the field that does not fit.

mod fields;
mod read;
mod write;

pub use read::{Format, RecordKind, Rows, read_file_kind, to_record};
pub use write::{CsvExport, JsonlExport};
