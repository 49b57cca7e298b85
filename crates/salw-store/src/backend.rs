//! What a storage backend provides. Writes happen between `begin` and `commit`; every method
//! reads what the open transaction has written. Uniqueness is also enforced by the backend's
//! schema, as a last line of defence behind the registry's own checks.

use salw_core::lifecycle::{WeaponState, WeaponStatus};
use salw_core::{LifecycleEvent, Person, Weapon};
use serde::Serialize;
use uuid::Uuid;

use crate::error::StoreError;
use crate::journal::{Hash, JournalEntry, SignedHead};
use crate::photos::{PhotoRecord, StoredPhoto};

pub type Result<T> = std::result::Result<T, StoreError>;

/// A weapon with where it stands now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredWeapon {
    pub weapon: Weapon,
    pub status: WeaponStatus,
    pub holder: Option<Uuid>,
    pub registered_seq: i64,
}

/// What the marking search indexes of one weapon (`Backend::scan_serials`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialRow {
    /// The weapon's row ordinal: fixed at registration, growing with each new weapon.
    pub ordinal: i64,
    pub serial: String,
    pub manufacturer: Option<String>,
}

/// What the marking search ranks, filters and shows of a candidate weapon: the columns of its
/// row, without its record (which is a second read per candidate, in the journal, and a
/// parse). Fixed at registration but for `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRow {
    pub ordinal: i64,
    pub id: Uuid,
    pub serial: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub calibre: Option<String>,
    pub country: Option<String>,
    pub category: String,
    /// The UNODC type's name (`UnodcType::as_str`).
    pub unodc_type: Option<String>,
    pub status: WeaponStatus,
}

/// An event with who recorded it and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub event: LifecycleEvent,
    pub seq: i64,
    pub recorded_at: String,
    pub recorded_by: String,
    /// Set when a later correction withdrew or replaced this event.
    pub superseded_by: Option<Uuid>,
}

/// What a registry holds, in counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub weapons: u64,
    pub persons: u64,
    pub events: u64,
    pub journal_entries: u64,
    pub by_status: Vec<(String, u64)>,
    pub by_category: Vec<(String, u64)>,
    pub by_event_kind: Vec<(String, u64)>,
    /// Weapons still without a unique mark and not destroyed: ITI para 9 follow-up due.
    pub inadequately_marked: u64,
}

/// A seizure, find or surrender, with what the SDG 16.4.2 indicator reads of its weapon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub occurred_on: String,
    /// `seized`, `found` or `surrendered`.
    pub kind: String,
    /// For a seizure: in connection with a criminal offence.
    pub criminal: bool,
    pub category: String,
    pub calibre: Option<String>,
    pub antique: bool,
    /// Whether the weapon bears a unique mark now.
    pub uniquely_marked: bool,
    /// The weapon's last tracing outcome, if any.
    pub tracing: Option<String>,
}

/// A recovery with what the questionnaire reads of it: its weapon's UNODC type, its last
/// tracing outcome, and the person it came from with their recorded sex (words as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRecovery {
    /// `seized`, `found` or `surrendered`.
    pub kind: String,
    pub criminal: bool,
    pub unodc_type: Option<String>,
    pub tracing: Option<String>,
    /// The person's id (hyphenated UUID, as in the event) and sex.
    pub from_holder: Option<(String, Option<String>)>,
}

/// An export or import with what the ATT report reads of it and of its weapon.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodTransfer {
    pub event_id: uuid::Uuid,
    pub weapon_id: uuid::Uuid,
    /// `exported` or `imported`.
    pub kind: String,
    /// The partner State, as recorded on the event.
    pub country: Option<String>,
    pub category: String,
    pub reference: Option<String>,
    pub calibre: Option<String>,
}

/// See `Backend::period_event_counts`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodEventCounts {
    pub by_kind: std::collections::BTreeMap<String, u64>,
    pub traces_by_outcome: std::collections::BTreeMap<String, u64>,
}

/// Which unique column a new record clashes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    Id,
    IdentityKey,
    Reference,
}

impl std::fmt::Display for Clash {
    /// As a message names it: "clashes with another on its identity key".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Clash::Id => "id",
            Clash::IdentityKey => "identity key",
            Clash::Reference => "reference",
        })
    }
}

/// Filters for listing weapons.
#[derive(Debug, Clone, Default)]
pub struct WeaponFilter {
    pub status: Option<WeaponStatus>,
    pub category: Option<String>,
    pub serial: Option<String>,
    pub limit: u64,
}

/// What `Backend::scan_person_names` calls for each person: its id, name and reference.
pub type PersonNameVisit<'a> = dyn FnMut(Uuid, &str, Option<&str>) -> Result<()> + 'a;

pub trait Backend {
    fn begin(&mut self) -> Result<()>;
    fn commit(&mut self) -> Result<()>;
    fn rollback(&mut self) -> Result<()>;

    /// For a bulk load into an empty registry, inside the open transaction: the backend may
    /// drop the unique indexes on weapons and build them again, sorted, when they are next
    /// read or at `build_deferred_indexes`, which costs far less than keeping them up to date
    /// row by row. Returns whether it did. While deferred, `insert_weapon` (and, where the
    /// backend sends persons in bulk too, `insert_person`) reports no clash; a clash surfaces
    /// when the rows are sent or the indexes built, as `StoreError::DeferredClash`.
    fn defer_weapon_indexes(&mut self) -> Result<bool> {
        Ok(false)
    }
    /// Builds what `defer_weapon_indexes` dropped; nothing when nothing was deferred.
    fn build_deferred_indexes(&mut self) -> Result<()> {
        Ok(())
    }

    /// Why a weapon may not be destroyed now beyond the life cycle (an open trace, an evidence
    /// hold: `stockpile::destruction_facts`), or `None`. A backend without stockpile records
    /// has nothing to say.
    fn destruction_block(&mut self, _weapon: Uuid) -> Result<Option<String>> {
        Ok(None)
    }

    fn meta(&mut self, key: &str) -> Result<Option<String>>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
    /// Every setting, by key (for copying a whole registry to another backend).
    fn meta_entries(&mut self) -> Result<Vec<(String, String)>>;

    /// The last entry's sequence number and hash.
    fn journal_head(&mut self) -> Result<Option<(i64, Hash)>>;
    fn append(&mut self, entry: &JournalEntry) -> Result<()>;
    /// Every entry in sequence order, handed one at a time (the journal may not fit in memory).
    fn scan_journal(&mut self, visit: &mut dyn FnMut(JournalEntry) -> Result<()>) -> Result<()>;
    fn put_signed_head(&mut self, head: &SignedHead) -> Result<()>;
    fn last_signed_head(&mut self) -> Result<Option<SignedHead>>;
    /// Every signed head kept, in sequence order (for copying a whole registry, `copy`).
    fn scan_signed_heads(&mut self, _visit: &mut dyn FnMut(SignedHead) -> Result<()>)
    -> Result<()>;

    fn weapon(&mut self, id: Uuid) -> Result<Option<StoredWeapon>>;
    /// `weapon` for many ids, in their order; an unknown id is skipped. The default asks one
    /// by one; a backend over a network answers the whole list in one query.
    fn weapons_by_id(&mut self, ids: &[Uuid]) -> Result<Vec<StoredWeapon>> {
        let mut found = Vec::with_capacity(ids.len());
        for &id in ids {
            found.extend(self.weapon(id)?);
        }
        Ok(found)
    }
    fn weapon_id_by_key(&mut self, key: &str) -> Result<Option<Uuid>>;
    fn weapon_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>>;
    /// Inserts the projection row of a new weapon; on a clash with an existing id, identity key
    /// or reference, writes nothing and says which. (Inserting first and asking only on a clash
    /// spares three lookups per row on a bulk import.) `seq` is the journal entry about to be
    /// appended in the same transaction.
    fn insert_weapon(
        &mut self,
        weapon: &Weapon,
        key: Option<&str>,
        state: &WeaponState,
        seq: i64,
    ) -> Result<Option<Clash>>;
    fn update_weapon_state(&mut self, id: Uuid, state: &WeaponState) -> Result<()>;
    /// `update_weapon_state` for many weapons; the default writes them one by one, a backend
    /// over a network in one statement.
    fn update_weapon_states(&mut self, states: &[(Uuid, WeaponState)]) -> Result<()> {
        for (id, state) in states {
            self.update_weapon_state(*id, state)?;
        }
        Ok(())
    }
    /// For the marking search index: each weapon's row ordinal, serial and manufacturer, for
    /// weapons with a serial and an ordinal above `after`, in ordinal order. Ordinals are fixed
    /// when a weapon is registered and grow with each new one, so that "above the last indexed"
    /// is the delta; the serial and the manufacturer never change once registered.
    fn scan_serials(&mut self, after: i64, visit: &mut dyn FnMut(SerialRow)) -> Result<()>;
    /// The weapons at these row ordinals, in the order given; unknown ordinals are skipped.
    fn weapons_at(&mut self, ordinals: &[i64]) -> Result<Vec<(i64, StoredWeapon)>>;
    /// As `weapons_at`, the search's columns only (no record read).
    fn search_rows_at(&mut self, ordinals: &[i64]) -> Result<Vec<SearchRow>>;
    fn list_weapons(&mut self, filter: &WeaponFilter) -> Result<Vec<StoredWeapon>>;

    fn person(&mut self, id: Uuid) -> Result<Option<Person>>;
    fn person_id_by_reference(&mut self, reference: &str) -> Result<Option<Uuid>>;
    /// As `insert_weapon`: on a clash of id or reference, writes nothing and says which.
    fn insert_person(&mut self, person: &Person, seq: i64) -> Result<Option<Clash>>;

    fn event(&mut self, id: Uuid) -> Result<Option<LifecycleEvent>>;
    /// A weapon's events in recording order, corrections included.
    fn events_of(&mut self, weapon: Uuid) -> Result<Vec<StoredEvent>>;
    /// `weapon` and `events_of` for many weapons, in the order of `ids`; an unknown id is
    /// skipped. The default asks weapon by weapon; a backend over a network answers the
    /// whole list in two queries (`salw migrate` replays every weapon that has events).
    fn weapons_with_events(
        &mut self,
        ids: &[Uuid],
    ) -> Result<Vec<(StoredWeapon, Vec<StoredEvent>)>> {
        let mut found = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(weapon) = self.weapon(id)? {
                let events = self.events_of(id)?;
                found.push((weapon, events));
            }
        }
        Ok(found)
    }
    fn insert_event(&mut self, event: &LifecycleEvent, seq: i64) -> Result<()>;
    /// The last `limit` events recorded, newest first (the dashboard).
    fn recent_events(&mut self, limit: u64) -> Result<Vec<StoredEvent>>;

    /// The seizures, finds and surrenders that happened from `from` to `to` (inclusive dates,
    /// YYYY-MM-DD), leaving out events a correction superseded.
    fn recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(Recovery) -> Result<()>,
    ) -> Result<()>;

    /// As `recoveries`, with what the questionnaire reads of each (`PeriodRecovery`).
    fn period_recoveries(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodRecovery) -> Result<()>,
    ) -> Result<()>;

    /// The licensed individuals (persons of kind `individual` with the `licensee` role) by
    /// recorded sex (a word as stored; `None`: not recorded), for the reports' tables by sex.
    fn licensees_by_sex(&mut self) -> Result<Vec<(Option<String>, u64)>>;

    /// How many weapons the registry holds, and how many of them still await a unique mark
    /// (not destroyed): the two figures of `summary` the reports read, without its other
    /// counts (each a pass over a table).
    fn marking_counts(&mut self) -> Result<(u64, u64)>;

    /// The exports and imports that happened from `from` to `to` (inclusive), superseded
    /// ones left out, in journal order.
    fn period_transfers(
        &mut self,
        from: &str,
        to: &str,
        visit: &mut dyn FnMut(PeriodTransfer) -> Result<()>,
    ) -> Result<()>;

    /// The events that happened from `from` to `to` (inclusive), superseded ones left out:
    /// how many of each kind, and of the `traced` ones how many of each outcome (`none`
    /// when the event names none).
    fn period_event_counts(&mut self, from: &str, to: &str) -> Result<PeriodEventCounts>;

    /// Released indicator figures, oldest first; `period` and `profile` narrow them.
    fn releases(
        &mut self,
        indicator: &str,
        period: Option<(&str, &str)>,
        profile: Option<&str>,
    ) -> Result<Vec<crate::reports::Release>>;
    /// Appends a release; returns its sequence number.
    fn insert_release(&mut self, release: &crate::reports::Release) -> Result<i64>;
    /// Every release of every indicator, oldest first (for copying a whole registry).
    fn all_releases(&mut self) -> Result<Vec<crate::reports::Release>>;

    /// Every answer given to a report template's questions, oldest first (all periods).
    fn report_answers(&mut self, template: &str) -> Result<Vec<crate::reports::ReportAnswer>>;
    /// Appends an answer (the `seq` given is ignored); returns its sequence number.
    fn insert_report_answer(&mut self, answer: &crate::reports::ReportAnswer) -> Result<i64>;
    /// Every answer to every template's questions, oldest first (for copying a whole registry).
    fn all_report_answers(&mut self) -> Result<Vec<crate::reports::ReportAnswer>>;

    /// Stores bytes under their hash; nothing when that hash is stored already.
    fn put_blob(&mut self, hash: &str, media_type: &str, bytes: &[u8]) -> Result<()>;
    /// The media type and bytes stored under `hash`.
    fn blob(&mut self, hash: &str) -> Result<Option<(String, Vec<u8>)>>;
    /// Links a photo to its weapon; false (nothing written) when that weapon has it already.
    fn insert_photo(&mut self, photo: &PhotoRecord, seq: i64) -> Result<bool>;
    /// A weapon's photos in the order they were added.
    fn photos_of(&mut self, weapon: Uuid) -> Result<Vec<StoredPhoto>>;
    /// Every photo's hash, for `verify`.
    fn photo_hashes(&mut self) -> Result<Vec<String>>;
    /// The hash of every blob stored, photos and destruction evidence alike, in the order
    /// they were stored (for copying a whole registry).
    fn blob_hashes(&mut self) -> Result<Vec<String>>;

    fn summary(&mut self) -> Result<Summary>;

    /// Everything, for export: persons, then weapons, then events in recording order.
    fn scan_persons(&mut self, visit: &mut dyn FnMut(Person) -> Result<()>) -> Result<()>;
    /// Each person's id, name and reference, in recording order, read from the persons
    /// table alone (no record parsed): what a search of persons by name looks through.
    fn scan_person_names(&mut self, visit: &mut PersonNameVisit<'_>) -> Result<()>;
    fn scan_weapons(&mut self, visit: &mut dyn FnMut(Weapon) -> Result<()>) -> Result<()>;
    fn scan_events(&mut self, visit: &mut dyn FnMut(LifecycleEvent) -> Result<()>) -> Result<()>;
}
