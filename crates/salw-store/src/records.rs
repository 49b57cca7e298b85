//! What a writer hands the registry: records that refer to each other by id or by outside
//! reference, each with the line it came from, so that every problem can be reported where the
//! user will find it.

use salw_core::{LifecycleEvent, Person, Weapon};
use serde::Serialize;
use uuid::Uuid;

/// A weapon or person named by its record id or by its outside reference (ledger number…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordRef {
    Id(Uuid),
    Reference(String),
}

impl RecordRef {
    /// A UUID is an id; anything else is an outside reference.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(match Uuid::parse_str(text) {
            Ok(id) => RecordRef::Id(id),
            Err(_) => RecordRef::Reference(text.to_owned()),
        })
    }
}

impl std::fmt::Display for RecordRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordRef::Id(id) => write!(f, "{id}"),
            RecordRef::Reference(r) => write!(f, "{r}"),
        }
    }
}

/// An event whose weapon and holders are still named as the user named them.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub event: LifecycleEvent,
    /// Derive the event's id from its content once its weapon and holders are resolved (a row
    /// without an id): the same event named by id in one file and by reference in another is
    /// still one event.
    pub derive_id: bool,
    pub weapon: RecordRef,
    pub from_holder: Option<RecordRef>,
    pub to_holder: Option<RecordRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Weapon(Weapon),
    Person(Person),
    Event(EventDraft),
}

/// A record and the place it came from (a line number in a file, 0 for a command).
#[derive(Debug, Clone, PartialEq)]
pub struct Staged {
    /// The file the record came from (empty for a command).
    pub file: String,
    pub line: u64,
    pub record: Record,
}

/// One problem with one row: its line, the field, the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    pub line: u64,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{} ", self.file)?;
        }
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        write!(f, "{}: {}", self.field, self.reason)
    }
}
