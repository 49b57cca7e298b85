//! What a writer hands the registry: records that refer to each other by id or by outside
//! reference, each with the line it came from, so that every problem can be reported where the
//! user will find it.

use salw_core::category::CategorySet;
use salw_core::{LifecycleEvent, Person, ValidationError, Weapon};
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

/// A weapon that passed every rule that needs nothing but the record, with what the write path
/// derives from it, computed ahead (on the thread that reads a file, say). Only
/// [`prepare_weapon`] makes one, so the registry can trust it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedWeapon {
    pub(crate) weapon: Weapon,
    pub(crate) key: Option<String>,
    pub(crate) payload: String,
}

impl PreparedWeapon {
    pub fn weapon(&self) -> &Weapon {
        &self.weapon
    }
}

/// The part of writing a weapon that needs no registry: `Weapon::prepare`, the identity key and
/// the journal payload.
pub fn prepare_weapon(
    weapon: Weapon,
    categories: &CategorySet,
    this_year: i32,
) -> Result<PreparedWeapon, ValidationError> {
    let weapon = weapon.prepare(categories, this_year)?;
    let key = weapon.identity_key();
    // Sized for a typical record, so that the text is not moved as it grows.
    let mut payload = Vec::with_capacity(512);
    serde_json::to_writer(&mut payload, &weapon)
        .map_err(|e| ValidationError(vec![salw_core::FieldError::new("record", e.to_string())]))?;
    // serde_json writes UTF-8 only.
    let payload = String::from_utf8(payload)
        .map_err(|e| ValidationError(vec![salw_core::FieldError::new("record", e.to_string())]))?;
    Ok(PreparedWeapon {
        weapon,
        key,
        payload,
    })
}

/// Prepares a staged weapon ahead of `Registry::write`, into `out`: the prepared weapon, or
/// one error per problem; other records pass through.
pub fn prepare_ahead(
    staged: Staged,
    categories: &CategorySet,
    this_year: i32,
    out: &mut Vec<Result<Staged, RowError>>,
) {
    let Staged { file, line, record } = staged;
    match record {
        Record::Weapon(weapon) => match prepare_weapon(weapon, categories, this_year) {
            Ok(prepared) => out.push(Ok(Staged {
                file,
                line,
                record: Record::PreparedWeapon(prepared),
            })),
            Err(e) => out.extend(e.0.into_iter().map(|fe| {
                Err(RowError {
                    file: file.clone(),
                    line,
                    field: fe.field,
                    reason: fe.reason,
                })
            })),
        },
        record => out.push(Ok(Staged { file, line, record })),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Weapon(Weapon),
    PreparedWeapon(PreparedWeapon),
    Person(Person),
    // Boxed: an event has many optional fields, and most records of a bulk import are weapons.
    Event(Box<EventDraft>),
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
