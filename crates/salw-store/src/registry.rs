//! The write path shared by every backend, and verification of the journal.

use chrono::{DateTime, Datelike, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use salw_core::category::{CategoryDef, CategorySet};
use salw_core::lifecycle::{self, WeaponState};
use salw_core::{LifecycleEvent, Person, ValidationError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::backend::{Backend, Clash, Result, StoredEvent, StoredWeapon};
use crate::error::StoreError;
use crate::journal::{GENESIS, Hash, JournalEntry, SignedHead, kind};
use crate::photos::{MAX_PHOTO_BYTES, PhotoRecord, PhotoRefused, image_type};
use crate::records::{
    EventDraft, PreparedWeapon, Record, RecordRef, RowError, Staged, prepare_weapon,
};

/// At most this many problems are kept for the report; all are counted.
const MAX_REPORTED_ERRORS: usize = 1000;

/// Work done in a write's transaction once its records are accepted (`Registry::write_then`).
type AfterWrite<'a, B> = Box<dyn FnOnce(&mut B, &Outcome) -> Result<()> + 'a>;

/// Who writes, from where, and when (the core has no clock: the time comes from here).
#[derive(Debug, Clone)]
pub struct WriteContext {
    pub recorded_by: String,
    pub source: String,
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// ISO 3166-1 alpha-2; may be set after `init`.
    pub country: Option<String>,
    /// The node's Ed25519 public key, hex.
    pub public_key: String,
    pub initialised_at: String,
}

/// What a write did. When `errors` is not empty nothing was written.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub weapons_added: u64,
    pub persons_added: u64,
    pub events_added: u64,
    /// Records already present with the same content (a file imported twice).
    pub unchanged: u64,
    pub errors: Vec<RowError>,
    /// All problems found, including those beyond the reported ones.
    pub error_count: u64,
    /// Ids of the records written or found unchanged, in input order.
    pub ids: Vec<Uuid>,
}

impl Outcome {
    pub fn committed(&self) -> bool {
        self.error_count == 0
    }

    fn fail(&mut self, (file, line): Origin<'_>, field: &str, reason: impl Into<String>) {
        self.error_count += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(RowError {
                file: file.to_owned(),
                line,
                field: field.to_owned(),
                reason: reason.into(),
            });
        }
    }

    fn fail_validation(&mut self, origin: Origin<'_>, e: ValidationError) {
        for fe in e.0 {
            self.fail(origin, &fe.field, fe.reason);
        }
    }
}

/// Where a record came from: file and line.
type Origin<'a> = (&'a str, u64);

/// The result of recomputing the chain.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub entries: u64,
    pub head_seq: i64,
    pub head_hash: String,
    pub signed_head_seq: Option<i64>,
    /// The first sequence number where the journal is not as the program wrote it.
    pub first_broken: Option<i64>,
    pub problem: Option<String>,
    /// A photo whose bytes no longer match the hash the journal holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken_photo: Option<String>,
}

impl VerifyReport {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.problem.is_none()
    }
}

pub struct Registry<B> {
    backend: B,
    signing_key: Option<SigningKey>,
    categories: CategorySet,
    /// The last write time and its RFC 3339 text, formatted once per write, not once per row.
    stamp: (DateTime<Utc>, String),
}

fn short(id: Uuid) -> String {
    id.to_string()
}

impl<B: Backend> Registry<B> {
    pub fn new(backend: B) -> Self {
        Registry {
            backend,
            signing_key: None,
            categories: CategorySet::default(),
            stamp: (DateTime::<Utc>::MIN_UTC, String::new()),
        }
    }

    /// Writes are signed with the node key; without it the registry is read-only.
    pub fn with_signing_key(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    pub fn backend(&mut self) -> &mut B {
        &mut self.backend
    }

    /// The ITI categories plus those this node defined (`define_category`).
    pub fn categories(&mut self) -> Result<&CategorySet> {
        self.load_categories()?;
        Ok(&self.categories)
    }

    fn load_categories(&mut self) -> Result<()> {
        let mut set = CategorySet::default();
        if let Some(text) = self.backend.meta("categories")? {
            let defined: Vec<CategoryDef> = serde_json::from_str(&text)?;
            for def in defined {
                set.define(def).map_err(StoreError::Corrupt)?;
            }
        }
        self.categories = set;
        Ok(())
    }

    /// Adds a category to this node's list (the ITI lists are "inter alia"), in the journal.
    pub fn define_category(&mut self, def: CategoryDef, ctx: &WriteContext) -> Result<CategoryDef> {
        self.require_node()?;
        self.load_categories()?;
        let mut set = self.categories.clone();
        set.define(def.clone()).map_err(StoreError::Invalid)?;
        let added = set
            .all()
            .last()
            .cloned()
            .ok_or_else(|| StoreError::Invalid("no category".into()))?;
        let defined: Vec<&CategoryDef> = set
            .all()
            .iter()
            .skip(CategorySet::default().all().len())
            .collect();
        let list = serde_json::to_string(&defined)?;
        let payload = serde_json::to_string(&added)?;
        self.transaction(|reg, head| {
            reg.backend.set_meta("categories", &list)?;
            let stamp = reg.stamp(ctx);
            reg.append(
                head,
                ctx,
                kind::CATEGORY_DEFINED,
                "node".into(),
                stamp,
                payload.clone(),
            )?;
            Ok(())
        })?;
        self.categories = set;
        Ok(added)
    }

    pub fn node(&mut self) -> Result<Option<NodeInfo>> {
        match self.backend.meta("node")? {
            Some(text) => Ok(Some(serde_json::from_str(&text)?)),
            None => Ok(None),
        }
    }

    fn require_node(&mut self) -> Result<NodeInfo> {
        self.node()?.ok_or(StoreError::NotInitialised)
    }

    fn verifying_key(&mut self) -> Result<VerifyingKey> {
        let node = self.require_node()?;
        let bytes: [u8; 32] = hex::decode(&node.public_key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                StoreError::Corrupt("the node's public key is not 32 bytes of hex".into())
            })?;
        VerifyingKey::from_bytes(&bytes)
            .map_err(|e| StoreError::Corrupt(format!("node public key: {e}")))
    }

    /// Creates the node: its country and public key, as the journal's first entry.
    pub fn init(
        &mut self,
        country: Option<&str>,
        key: &SigningKey,
        ctx: &WriteContext,
    ) -> Result<NodeInfo> {
        if let Some(node) = self.node()? {
            return Err(StoreError::AlreadyInitialised(
                node.country.unwrap_or_else(|| "not set".into()),
            ));
        }
        let country = country
            .map(salw_core::country::parse)
            .transpose()
            .map_err(StoreError::Invalid)?;
        let node = NodeInfo {
            country: country.map(str::to_owned),
            public_key: hex::encode(key.verifying_key().as_bytes()),
            initialised_at: ctx.now.to_rfc3339(),
        };
        self.signing_key = Some(key.clone());
        let payload = serde_json::to_string(&node)?;
        self.transaction(|reg, head| {
            reg.backend.set_meta("node", &payload)?;
            reg.append(
                head,
                ctx,
                kind::NODE_INITIALISED,
                "node".into(),
                ctx.now.to_rfc3339(),
                payload.clone(),
            )?;
            Ok(())
        })?;
        Ok(node)
    }

    /// Changes the node's country code (recorded in the journal).
    pub fn set_country(&mut self, country: &str, ctx: &WriteContext) -> Result<NodeInfo> {
        let mut node = self.require_node()?;
        node.country = Some(
            salw_core::country::parse(country)
                .map_err(StoreError::Invalid)?
                .to_owned(),
        );
        let payload = serde_json::to_string(&node)?;
        self.transaction(|reg, head| {
            reg.backend.set_meta("node", &payload)?;
            reg.append(
                head,
                ctx,
                kind::NODE_COUNTRY_SET,
                "node".into(),
                ctx.now.to_rfc3339(),
                payload.clone(),
            )
        })?;
        Ok(node)
    }

    /// Runs `work` in one write transaction, then signs the new head and commits; rolls back on error.
    fn transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Self, &mut (i64, Hash)) -> Result<T>,
    ) -> Result<T> {
        if self.signing_key.is_none() {
            return Err(StoreError::Key(
                "the node's signing key is not loaded: writes are refused".into(),
            ));
        }
        self.backend.begin()?;
        let result = (|| {
            let mut head = self.backend.journal_head()?.unwrap_or((0, GENESIS));
            let start = head.0;
            let value = work(self, &mut head)?;
            if head.0 != start {
                self.sign_head(head)?;
            }
            Ok(value)
        })();
        match result {
            Ok(value) => {
                self.backend.commit()?;
                Ok(value)
            }
            Err(e) => {
                let _ = self.backend.rollback();
                Err(e)
            }
        }
    }

    fn sign_head(&mut self, (seq, hash): (i64, Hash)) -> Result<()> {
        let key = self
            .signing_key
            .as_ref()
            .ok_or_else(|| StoreError::Key("not loaded".into()))?;
        let head = SignedHead::sign(key, seq, hash, Utc::now().to_rfc3339());
        self.backend.put_signed_head(&head)
    }

    fn stamp(&mut self, ctx: &WriteContext) -> String {
        if self.stamp.0 != ctx.now {
            self.stamp = (ctx.now, ctx.now.to_rfc3339());
        }
        self.stamp.1.clone()
    }

    fn append(
        &mut self,
        head: &mut (i64, Hash),
        ctx: &WriteContext,
        kind: &str,
        subject: String,
        occurred_at: String,
        payload: String,
    ) -> Result<i64> {
        let mut entry = JournalEntry {
            seq: head.0 + 1,
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            subject,
            occurred_at,
            recorded_at: self.stamp(ctx),
            recorded_by: ctx.recorded_by.clone(),
            source: ctx.source.clone(),
            payload,
            hash: GENESIS,
        };
        entry.hash = entry.chain_hash(&head.1);
        self.backend.append(&entry)?;
        *head = (entry.seq, entry.hash);
        Ok(entry.seq)
    }

    /// Writes records all-or-nothing: every record is checked against the registry as it stands
    /// with the records before it; if any is bad nothing is written, and every problem is
    /// reported with its line. `progress` is called with the number of records handled.
    pub fn write(
        &mut self,
        ctx: &WriteContext,
        records: impl IntoIterator<Item = std::result::Result<Staged, RowError>>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Outcome> {
        self.write_records(ctx, records, progress, false, None)
    }

    /// As `write`, then `after` in the same transaction when every record was accepted: a
    /// workflow record kept beside the journal (a stock count's result, a discrepancy's step)
    /// commits with the events it caused, or neither does. An error from `after` rolls
    /// everything back.
    pub fn write_then(
        &mut self,
        ctx: &WriteContext,
        records: impl IntoIterator<Item = std::result::Result<Staged, RowError>>,
        after: impl FnOnce(&mut B, &Outcome) -> Result<()>,
    ) -> Result<Outcome> {
        self.write_records(ctx, records, &mut |_| {}, false, Some(Box::new(after)))
    }

    /// As `write`, for a large file: into an empty registry, the backend may build its unique
    /// indexes once at the end instead of row by row. If that build finds a clash, nothing is
    /// written and `Ok(None)` asks the caller to run `write` again over the same records, which
    /// names each clashing line (a clash in a bulk load is rare; the second pass is the price).
    pub fn write_bulk(
        &mut self,
        ctx: &WriteContext,
        records: impl IntoIterator<Item = std::result::Result<Staged, RowError>>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Option<Outcome>> {
        match self.write_records(ctx, records, progress, true, None) {
            Ok(outcome) => Ok(Some(outcome)),
            Err(StoreError::DeferredClash) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write_records(
        &mut self,
        ctx: &WriteContext,
        records: impl IntoIterator<Item = std::result::Result<Staged, RowError>>,
        progress: &mut dyn FnMut(u64),
        defer_indexes: bool,
        after: Option<AfterWrite<'_, B>>,
    ) -> Result<Outcome> {
        self.require_node()?;
        self.load_categories()?;
        let mut outcome = Outcome::default();
        let written = self.transaction(|reg, head| {
            if defer_indexes {
                reg.backend.defer_weapon_indexes()?;
            }
            for (n, item) in records.into_iter().enumerate() {
                match item {
                    Err(e) => {
                        outcome.error_count += 1;
                        if outcome.errors.len() < MAX_REPORTED_ERRORS {
                            outcome.errors.push(e);
                        }
                    }
                    Ok(staged) => reg.write_one(head, ctx, staged, &mut outcome)?,
                }
                if n % 1024 == 1023 {
                    progress(n as u64 + 1);
                }
            }
            // Before judging the file: a clash the deferred indexes would have caught must be
            // found (and reported by the second pass) along with the other errors.
            reg.backend.build_deferred_indexes()?;
            if outcome.error_count > 0 {
                // Abandon the transaction: nothing of a bad file is kept.
                return Err(StoreError::Invalid(String::new()));
            }
            match after {
                Some(after) => after(&mut reg.backend, &outcome),
                None => Ok(()),
            }
        });
        match written {
            Ok(()) => Ok(outcome),
            Err(StoreError::Invalid(reason)) if reason.is_empty() => Ok(outcome),
            Err(e) => Err(e),
        }
    }

    fn write_one(
        &mut self,
        head: &mut (i64, Hash),
        ctx: &WriteContext,
        staged: Staged,
        out: &mut Outcome,
    ) -> Result<()> {
        let line = (staged.file.as_str(), staged.line);
        match staged.record {
            Record::Weapon(weapon) => {
                match prepare_weapon(weapon, &self.categories, ctx.now.year()) {
                    Ok(prepared) => self.write_weapon(head, ctx, line, prepared, out),
                    Err(e) => {
                        out.fail_validation(line, e);
                        Ok(())
                    }
                }
            }
            Record::PreparedWeapon(prepared) => self.write_weapon(head, ctx, line, prepared, out),
            Record::Person(person) => self.write_person(head, ctx, line, person, out),
            Record::Event(draft) => self.write_event(head, ctx, line, *draft, out),
        }
    }

    fn write_weapon(
        &mut self,
        head: &mut (i64, Hash),
        ctx: &WriteContext,
        line: Origin<'_>,
        prepared: PreparedWeapon,
        out: &mut Outcome,
    ) -> Result<()> {
        let PreparedWeapon {
            weapon,
            key,
            payload,
        } = prepared;
        let state = WeaponState::initial(&weapon);
        let clash = self
            .backend
            .insert_weapon(&weapon, key.as_deref(), &state, head.0 + 1)?;
        // Whichever unique column the database names first, the same id means the same record.
        if clash.is_some()
            && let Some(existing) = self.backend.weapon(weapon.id)?
        {
            if existing.weapon == weapon {
                out.unchanged += 1;
                out.ids.push(weapon.id);
            } else {
                out.fail(line, "id", format!("weapon {} is already registered with other data; record a correction instead", short(weapon.id)));
            }
            return Ok(());
        }
        match clash {
            None => {}
            Some(Clash::Id) => {
                out.fail(
                    line,
                    "id",
                    format!("weapon {} is already registered", short(weapon.id)),
                );
                return Ok(());
            }
            Some(Clash::IdentityKey) => {
                let other = key
                    .as_deref()
                    .map(|k| self.backend.weapon_id_by_key(k))
                    .transpose()?
                    .flatten();
                out.fail(
                    line,
                    "serial",
                    format!(
                        "weapon {} already has this identity key (country {}, manufacturer {}, model {}, serial {}): the key must be unique",
                        other.map(short).unwrap_or_default(),
                        weapon.country.as_deref().unwrap_or("?"),
                        weapon.manufacturer.as_deref().unwrap_or("?"),
                        weapon.model.as_deref().unwrap_or("?"),
                        weapon.serial.as_deref().unwrap_or("?"),
                    ),
                );
                return Ok(());
            }
            Some(Clash::Reference) => {
                let reference = weapon.reference.clone().unwrap_or_default();
                let other = self.backend.weapon_id_by_reference(&reference)?;
                out.fail(
                    line,
                    "reference",
                    format!(
                        "'{reference}' already names weapon {}",
                        other.map(short).unwrap_or_default()
                    ),
                );
                return Ok(());
            }
        }
        let stamp = self.stamp(ctx);
        self.append(
            head,
            ctx,
            kind::WEAPON_REGISTERED,
            format!("weapon:{}", weapon.id),
            stamp,
            payload,
        )?;
        out.weapons_added += 1;
        out.ids.push(weapon.id);
        Ok(())
    }

    fn write_person(
        &mut self,
        head: &mut (i64, Hash),
        ctx: &WriteContext,
        line: Origin<'_>,
        person: Person,
        out: &mut Outcome,
    ) -> Result<()> {
        let person = match person.prepare() {
            Ok(p) => p,
            Err(e) => {
                out.fail_validation(line, e);
                return Ok(());
            }
        };
        let clash = self.backend.insert_person(&person, head.0 + 1)?;
        if clash.is_some()
            && let Some(existing) = self.backend.person(person.id)?
        {
            if existing == person {
                out.unchanged += 1;
                out.ids.push(person.id);
            } else {
                out.fail(
                    line,
                    "id",
                    format!(
                        "person {} is already registered with other data",
                        short(person.id)
                    ),
                );
            }
            return Ok(());
        }
        match clash {
            None => {}
            Some(Clash::Reference) => {
                let reference = person.reference.clone().unwrap_or_default();
                let other = self.backend.person_id_by_reference(&reference)?;
                out.fail(
                    line,
                    "reference",
                    format!(
                        "'{reference}' already names person {}",
                        other.map(short).unwrap_or_default()
                    ),
                );
                return Ok(());
            }
            Some(_) => {
                out.fail(
                    line,
                    "id",
                    format!("person {} is already registered", short(person.id)),
                );
                return Ok(());
            }
        }
        let payload = serde_json::to_string(&person)?;
        let stamp = self.stamp(ctx);
        self.append(
            head,
            ctx,
            kind::PERSON_REGISTERED,
            format!("person:{}", person.id),
            stamp,
            payload,
        )?;
        out.persons_added += 1;
        out.ids.push(person.id);
        Ok(())
    }

    fn resolve_weapon(&mut self, r: &RecordRef) -> Result<Option<Uuid>> {
        match r {
            RecordRef::Id(id) => Ok(self.backend.weapon(*id)?.map(|_| *id)),
            RecordRef::Reference(text) => self.backend.weapon_id_by_reference(text),
        }
    }

    fn resolve_person(&mut self, r: &RecordRef) -> Result<Option<Uuid>> {
        match r {
            RecordRef::Id(id) => Ok(self.backend.person(*id)?.map(|_| *id)),
            RecordRef::Reference(text) => self.backend.person_id_by_reference(text),
        }
    }

    fn write_event(
        &mut self,
        head: &mut (i64, Hash),
        ctx: &WriteContext,
        line: Origin<'_>,
        draft: EventDraft,
        out: &mut Outcome,
    ) -> Result<()> {
        let EventDraft {
            mut event,
            weapon,
            from_holder,
            to_holder,
            derive_id,
        } = draft;
        let mut unresolved = false;
        match self.resolve_weapon(&weapon)? {
            Some(id) => event.weapon_id = id,
            None => {
                out.fail(
                    line,
                    "weapon",
                    format!("no weapon has the id or reference '{weapon}'"),
                );
                unresolved = true;
            }
        }
        for (field, holder, slot) in [
            ("from_holder", from_holder, &mut event.from_holder),
            ("to_holder", to_holder, &mut event.to_holder),
        ] {
            if let Some(r) = holder {
                match self.resolve_person(&r)? {
                    Some(id) => *slot = Some(id),
                    None => {
                        out.fail(
                            line,
                            field,
                            format!("no person or organisation has the id or reference '{r}'"),
                        );
                        // A stand-in, so that the rules below do not also call the holder
                        // missing; the two differ, so that two holders both unknown are not
                        // also called the same.
                        *slot = Some(Uuid::from_u128(u128::from(field == "to_holder")));
                        unresolved = true;
                    }
                }
            }
        }
        let mut event = match event.prepare(ctx.now.date_naive()) {
            Ok(e) => e,
            Err(e) => {
                out.fail_validation(line, e);
                return Ok(());
            }
        };
        if unresolved {
            return Ok(());
        }
        if derive_id {
            event.id = Uuid::nil();
            event.id = crate::ids::derived("event", &[&serde_json::to_string(&event)?]);
        }
        if let Some(existing) = self.backend.event(event.id)? {
            if existing == event {
                out.unchanged += 1;
                out.ids.push(event.id);
            } else {
                out.fail(
                    line,
                    "id",
                    format!(
                        "event {} is already recorded with other data",
                        short(event.id)
                    ),
                );
            }
            return Ok(());
        }
        let Some(stored) = self.backend.weapon(event.weapon_id)? else {
            out.fail(line, "weapon", "not found");
            return Ok(());
        };
        let history: Vec<LifecycleEvent> = self
            .backend
            .events_of(event.weapon_id)?
            .into_iter()
            .map(|s| s.event)
            .collect();
        let state = match lifecycle::admit(&stored.weapon, &history, &event) {
            Ok(state) => state,
            Err(e) => {
                out.fail(line, "kind", format!("impossible history: {e}"));
                return Ok(());
            }
        };
        // However a destruction is recorded (a batch, the weapon's page, the API, a file), a
        // weapon under an open trace or held as evidence is kept (DOMAIN.md §10).
        if event.kind == salw_core::EventKind::Destroyed
            && event.supersedes.is_none()
            && let Some(why) = self.backend.destruction_block(event.weapon_id)?
        {
            out.fail(line, "weapon", format!("may not be destroyed: {why}"));
            return Ok(());
        }
        let payload = serde_json::to_string(&event)?;
        let seq = self.append(
            head,
            ctx,
            kind::EVENT_RECORDED,
            format!("weapon:{}", event.weapon_id),
            event.occurred_on.to_string(),
            payload,
        )?;
        self.backend.insert_event(&event, seq)?;
        self.backend.update_weapon_state(event.weapon_id, &state)?;
        out.events_added += 1;
        out.ids.push(event.id);
        Ok(())
    }

    /// A weapon by id or outside reference.
    pub fn find_weapon(&mut self, r: &RecordRef) -> Result<Option<StoredWeapon>> {
        match self.resolve_weapon(r)? {
            Some(id) => self.backend.weapon(id),
            None => Ok(None),
        }
    }

    /// Adds a photo of a weapon: the bytes under their hash, and a journal entry naming the
    /// weapon and the hash. The same photo of the same weapon again adds nothing. Refused (with
    /// the field) when the bytes are not a JPEG, PNG or WebP image, or too large.
    pub fn add_photo(
        &mut self,
        ctx: &WriteContext,
        weapon: Uuid,
        bytes: &[u8],
        caption: Option<&str>,
    ) -> Result<std::result::Result<(PhotoRecord, bool), PhotoRefused>> {
        let refuse = |field: &'static str, reason: String| Ok(Err(PhotoRefused { field, reason }));
        if bytes.len() > MAX_PHOTO_BYTES {
            return refuse(
                "photo",
                format!(
                    "is {} bytes; a photo may be at most {} MB",
                    bytes.len(),
                    MAX_PHOTO_BYTES >> 20
                ),
            );
        }
        let Some(media_type) = image_type(bytes) else {
            return refuse("photo", "is not a JPEG, PNG or WebP image".into());
        };
        let caption = caption.map(str::trim).filter(|c| !c.is_empty());
        if caption.is_some_and(|c| c.chars().count() > 200) {
            return refuse("caption", "must be at most 200 characters".into());
        }
        let record = PhotoRecord {
            weapon_id: weapon,
            hash: crate::photos::photo_hash(bytes),
            media_type: media_type.to_owned(),
            bytes: bytes.len() as u64,
            caption: caption.map(str::to_owned),
        };
        self.transaction(|reg, head| {
            if reg.backend.weapon(weapon)?.is_none() {
                return Ok(Err(PhotoRefused {
                    field: "weapon",
                    reason: format!("no weapon has the id {weapon}"),
                }));
            }
            if !reg.backend.insert_photo(&record, head.0 + 1)? {
                return Ok(Ok((record.clone(), false)));
            }
            reg.backend.put_blob(&record.hash, media_type, bytes)?;
            let payload = serde_json::to_string(&record)?;
            let occurred = ctx.now.date_naive().to_string();
            reg.append(
                head,
                ctx,
                kind::PHOTO_ADDED,
                format!("weapon:{weapon}"),
                occurred,
                payload,
            )?;
            Ok(Ok((record.clone(), true)))
        })
    }

    /// A weapon's timeline, in the order things happened, with corrections marked.
    pub fn timeline(&mut self, weapon: Uuid) -> Result<Vec<StoredEvent>> {
        let mut events = self.backend.events_of(weapon)?;
        let superseding: Vec<(Uuid, Uuid)> = events
            .iter()
            .filter_map(|s| s.event.supersedes.map(|old| (old, s.event.id)))
            .collect();
        for s in &mut events {
            s.superseded_by = superseding
                .iter()
                .find(|(old, _)| *old == s.event.id)
                .map(|(_, new)| *new);
        }
        events.sort_by_key(|s| s.event.occurred_on);
        Ok(events)
    }

    /// Recomputes the chain from the first entry and checks the last signed head.
    pub fn verify(&mut self) -> Result<VerifyReport> {
        let key = self.verifying_key()?;
        let signed = self.backend.last_signed_head()?;
        let mut report = VerifyReport::default();
        let mut previous = GENESIS;
        let mut expected = 1i64;
        let mut hash_at_signed: Option<Hash> = None;
        let signed_seq = signed.as_ref().map(|h| h.seq);
        self.backend.scan_journal(&mut |entry| {
            if report.first_broken.is_some() {
                return Ok(());
            }
            if entry.seq != expected {
                report.first_broken = Some(expected);
                report.problem = Some(if entry.seq > expected {
                    format!("entry {expected} is missing: the next entry is {} (rows deleted)", entry.seq)
                } else {
                    format!("entry {} appears out of order after {}", entry.seq, expected - 1)
                });
                return Ok(());
            }
            let hash = entry.chain_hash(&previous);
            if hash != entry.hash {
                report.first_broken = Some(entry.seq);
                report.problem = Some(format!(
                    "entry {} does not match its hash: it was changed, or inserted, behind the program's back",
                    entry.seq
                ));
                return Ok(());
            }
            if Some(entry.seq) == signed_seq {
                hash_at_signed = Some(hash);
            }
            previous = hash;
            report.entries += 1;
            report.head_seq = entry.seq;
            expected += 1;
            Ok(())
        })?;
        report.head_hash = hex::encode(previous);
        report.signed_head_seq = signed_seq;
        if report.first_broken.is_none() {
            // Photos: the bytes must still be the ones whose hash the journal holds.
            for hash in self.backend.photo_hashes()? {
                let intact = self
                    .backend
                    .blob(&hash)?
                    .is_some_and(|(_, bytes)| crate::photos::photo_hash(&bytes) == hash);
                if !intact {
                    report.problem = Some(format!(
                        "the photo {hash} was changed or removed behind the program's back"
                    ));
                    report.broken_photo = Some(hash);
                    return Ok(report);
                }
            }
        }
        if report.first_broken.is_some() {
            return Ok(report);
        }
        match signed {
            None if report.entries > 0 => {
                report.first_broken = Some(1);
                report.problem =
                    Some("no head of the journal was ever signed by the node key".into());
            }
            None => {}
            Some(head) => {
                if !head.is_valid(&key) {
                    report.first_broken = Some(head.seq.min(report.head_seq + 1));
                    report.problem = Some(format!(
                        "the signature of the journal head at entry {} is not the node's",
                        head.seq
                    ));
                } else if head.seq > report.head_seq {
                    report.first_broken = Some(report.head_seq + 1);
                    report.problem = Some(format!(
                        "the journal ends at entry {}, but the node signed its head at entry {}: entries were removed",
                        report.head_seq, head.seq
                    ));
                } else if hash_at_signed != Some(head.hash) {
                    report.first_broken = Some(head.seq);
                    report.problem =
                        Some(format!("entry {} is not the one the node signed", head.seq));
                } else if report.head_seq > head.seq {
                    report.first_broken = Some(head.seq + 1);
                    report.problem = Some(format!(
                        "entries {}–{} are not covered by a head signed by the node: appended behind the program's back",
                        head.seq + 1,
                        report.head_seq
                    ));
                }
            }
        }
        Ok(report)
    }
}
