//! The domain of salw: what a small arm or light weapon is, how it is marked, what happens to it
//! over its life, and which records and histories are possible.
//!
//! Pure: this crate never touches a database, the network or the clock. Whatever needs "today"
//! or a fresh id receives it from the caller. Every rule names its source (DOMAIN.md section, or
//! the instrument and paragraph) in its error message or in a comment beside it.

#[macro_use]
mod macros;

pub mod att;
pub mod calibre;
pub mod category;
mod countries_table;
pub mod country;
pub mod error;
pub mod event;
pub mod indicator;
pub mod key;
pub mod lifecycle;
pub mod person;
pub mod questionnaire;
pub mod stockpile;
pub mod trace;
pub mod weapon;

pub use error::{FieldError, ValidationError};
pub use event::{EventKind, LifecycleEvent};
pub use lifecycle::{HistoryError, WeaponState, WeaponStatus};
pub use person::Person;
pub use weapon::{Component, Mark, Weapon};
