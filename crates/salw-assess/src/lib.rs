//! Self-assessment against the small arms control standards (ISACS, published as MOSAIC) and
//! the assistance it leads to (issue: self-assessment; DOMAIN.md §1).
//!
//! - `checklist`: the modules as data (05.20, 05.30, 05.31, 05.50, 06.10), each a list of short
//!   clauses in our own words marked requirement ("shall") or recommendation ("should"),
//!   versioned by checklist name.
//! - `score`: an assessment's statuses scored per module (requirements and recommendations
//!   apart), its gaps ranked, and two assessments side by side.
//! - `assistance`: needs, offers and projects, and the matching of needs with offers.
//!
//! Pure: no I/O. The store keeps the entries (salw_store::assessments); salw-report writes the
//! files; the figures a clause shows as evidence are read from the registry by the store.

pub mod assistance;
pub mod checklist;
pub mod score;

pub use checklist::{Checklist, Clause, Level, Module};
pub use score::{Entry, Gap, ModuleScore, Status};
