//! The registry over a storage backend.
//!
//! Every change is an entry appended to the journal (`journal`), chained by BLAKE3 and, after
//! every committed write, covered by a head signed with the node's Ed25519 key. The current state
//! of weapons, persons and events lives in projection tables that a backend keeps in the same
//! transaction. The write path (validation against the current state, de-duplication, the
//! chain) is written once, here, in [`Registry`]; a backend only stores and fetches
//! (`Backend`). Backends know SQL; this crate does not.

pub mod access;
pub mod alerts;
pub mod assessments;
pub mod backend;
pub mod copy;
pub mod error;
pub mod federation;
pub mod ids;
pub mod journal;
pub mod photos;
pub mod records;
pub mod registry;
pub mod reports;
pub mod stockpile;
pub mod traces;

pub use access::{
    AccessBackend, Account, ApiToken, AuditDraft, AuditFilter, AuditRecord, append_audit,
    verify_audit,
};
pub use alerts::{AlertBackend, AlertHit, LostStolen, PartnerAlert, Recovery, SharedAlert};
pub use backend::{
    Backend, Clash, PersonNameVisit, SearchRow, SerialRow, StoredEvent, StoredWeapon, Summary,
};
pub use copy::{CopyReport, copy_registry};
pub use error::StoreError;
pub use federation::{FederationBackend, InboxMessage, OutboxMessage, PeerRecord};
pub use journal::{Hash, JournalEntry, SignedHead};
pub use photos::{MAX_PHOTO_BYTES, PhotoRecord, PhotoRefused, StoredPhoto, image_type};
pub use records::{
    EventDraft, PreparedWeapon, Record, RecordRef, RowError, Staged, prepare_ahead, prepare_weapon,
};
pub use registry::{NodeInfo, Outcome, Registry, VerifyReport, WriteContext};
pub use traces::{TraceBackend, TraceRecord, TraceStep};

/// Everything a node stores, in one bound: what the CLI and the server open (either backend).
pub trait Store:
    Backend
    + AccessBackend
    + FederationBackend
    + TraceBackend
    + AlertBackend
    + assessments::AssessBackend
    + stockpile::StockBackend
{
}

impl<T> Store for T where
    T: Backend
        + AccessBackend
        + FederationBackend
        + TraceBackend
        + AlertBackend
        + assessments::AssessBackend
        + stockpile::StockBackend
{
}
