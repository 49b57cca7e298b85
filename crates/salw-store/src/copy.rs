//! Copying a whole registry from one backend to another (`salw migrate --from A --to B`: a
//! SQLite file to PostgreSQL and back).
//!
//! [`copy_registry`] reads everything a node keeps through the storage traits ([`Store`]) and
//! writes it into an empty target in one transaction: a copy that fails leaves the target as
//! it was. What is copied:
//!
//! - the settings (`Backend::meta_entries`), every key but the alert rounds' cursors
//!   (`alerts::is_cursor_meta`: positions in the source backend's order of events; the target
//!   starts its rounds again from the beginning, sharing nothing twice);
//! - the journal, entry by entry, verbatim (same sequence numbers, ids, times and hashes; the
//!   chain is checked on the way, and a broken source is refused), and the projections rebuilt
//!   from it as `Registry` writes them (`journal::kind` says what each kind of entry holds): a
//!   weapon in its first state, a person, an event and then its weapon's state replayed by
//!   `salw_core::lifecycle` (as `lifecycle::admit` computes it when the event is written, and
//!   checked against the source's weapon row), a photo linked to its weapon;
//! - every signed head of the journal, every stored blob (photos and destruction evidence);
//! - indicator releases (each `revises` pointing at the copied release) and report answers;
//! - accounts, their API tokens, and the audit trail (same sequence numbers and hashes);
//! - the peers' history, the outbox with each message's delivery state, the inbox with what
//!   was processed;
//! - trace records and their steps; lost and stolen alerts shared and received, hits and the
//!   notices sent for them; self-assessment entries and assistance records; stockpile records
//!   of every kind (`stockpile::kind::ALL`), in the order they were kept.
//!
//! Append-only tables whose insert assigns the next sequence number (releases, answers,
//! peers, hits, trace steps, assessment entries, assistance and stock records) are written in
//! the source's order, so that in an empty target they get the source's numbers when the
//! source has no gaps (a SQLite source never has); `CopyReport::renumbered` counts the rows
//! that got another number, and references between rows (a release's `revises`, a notice's
//! hit) follow them.
//!
//! The source is read inside a transaction of its own (`from.begin()`, rolled back at the end),
//! which holds off writers so that what is copied is one consistent state.

use std::collections::{BTreeSet, HashMap};

use salw_core::lifecycle::{self, WeaponState};
use salw_core::{LifecycleEvent, Person, Weapon};
use serde::Serialize;
use uuid::Uuid;

use crate::Store;
use crate::backend::{Result, StoredWeapon};
use crate::error::StoreError;
use crate::journal::{GENESIS, Hash, JournalEntry, kind};
use crate::photos::PhotoRecord;

/// Weapons whose state `copy_journal` asks of the target, and writes, at a time.
const STATES_AT_ONCE: usize = 1_000;

/// How many of each thing were copied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    pub meta: u64,
    pub journal_entries: u64,
    pub weapons: u64,
    pub persons: u64,
    pub events: u64,
    pub photos: u64,
    /// Weapons whose state was replayed from their events.
    pub weapon_states: u64,
    pub signed_heads: u64,
    pub blobs: u64,
    pub releases: u64,
    pub report_answers: u64,
    pub accounts: u64,
    pub tokens: u64,
    pub audit_lines: u64,
    pub peers: u64,
    pub outbox: u64,
    pub inbox: u64,
    pub traces: u64,
    pub trace_steps: u64,
    pub alerts_shared: u64,
    pub partner_alerts: u64,
    pub alert_hits: u64,
    pub alert_notices: u64,
    pub assessment_entries: u64,
    pub assistance_records: u64,
    pub stock_records: u64,
    /// The last journal entry copied: the source's head when the copy began (what the copy's
    /// own `verify` must end at, whatever the source has received since).
    pub head_seq: i64,
    pub head_hash: String,
    /// Rows of append-only tables that got another sequence number in the target than in the
    /// source (a source with gaps in its numbering); none when copying from SQLite.
    pub renumbered: u64,
}

/// How often, in journal entries, `progress` hears of the journal.
const PROGRESS_EVERY: u64 = 4096;

/// Copies the whole registry `from` into the empty registry `to`, in one transaction of `to`.
/// `progress` is called with the name of what is being copied and how many of it so far.
/// Refused (`StoreError::Invalid`, nothing written) when the target holds a journal entry,
/// an audit line, an account or a peer; an error at any point rolls the target back.
pub fn copy_registry<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<CopyReport> {
    to.begin()?;
    let copied = ensure_empty(to).and_then(|()| {
        from.begin()?;
        // A clash the target found only when building its deferred indexes: no second pass
        // here (a registry's own records never clash), so it is said of the source.
        let copied = copy_all(from, to, progress).map_err(|e| match e {
            StoreError::DeferredClash => corrupt(
                "two of its records share an id, an identity key or a reference, which a registry never holds (it was changed outside salw)"
                    .into(),
            ),
            e => e,
        });
        // Only read: nothing to keep.
        let _ = from.rollback();
        copied
    });
    match copied {
        Ok(report) => {
            to.commit()?;
            Ok(report)
        }
        Err(e) => {
            let _ = to.rollback();
            Err(e)
        }
    }
}

fn ensure_empty<T: Store + ?Sized>(to: &mut T) -> Result<()> {
    let refuse = |why: String| {
        Err(StoreError::Invalid(format!(
            "the target registry is not empty: {why}; a registry is copied only into an empty one"
        )))
    };
    if let Some((seq, _)) = to.journal_head()? {
        return refuse(format!("its journal has entries (up to {seq})"));
    }
    if let Some((seq, _)) = to.audit_head()? {
        return refuse(format!("its audit trail has lines (up to {seq})"));
    }
    if let Some(account) = to.accounts()?.first() {
        return refuse(format!("it has accounts ('{}')", account.name));
    }
    if let Some(peer) = to.peer_history()?.first() {
        return refuse(format!("it has peers ({})", peer.country));
    }
    Ok(())
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(format!("the source registry: {what}"))
}

fn copy_all<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<CopyReport> {
    let mut report = CopyReport::default();

    for (key, value) in from.meta_entries()? {
        if crate::alerts::is_cursor_meta(&key) {
            continue;
        }
        to.set_meta(&key, &value)?;
        report.meta += 1;
    }
    progress("settings", report.meta);

    copy_journal(from, to, &mut report, progress)?;

    from.scan_signed_heads(&mut |head| {
        to.put_signed_head(&head)?;
        report.signed_heads += 1;
        Ok(())
    })?;
    progress("signed heads", report.signed_heads);

    for hash in from.blob_hashes()? {
        let Some((media_type, bytes)) = from.blob(&hash)? else {
            return Err(corrupt(format!("the blob {hash} is listed but not stored")));
        };
        to.put_blob(&hash, &media_type, &bytes)?;
        report.blobs += 1;
    }
    progress("blobs", report.blobs);

    copy_reports(from, to, &mut report)?;
    progress("releases", report.releases);
    progress("report answers", report.report_answers);

    copy_access(from, to, &mut report)?;
    progress("accounts", report.accounts);
    progress("audit lines", report.audit_lines);

    copy_federation(from, to, &mut report)?;
    progress("peers", report.peers);
    progress("outbox", report.outbox);
    progress("inbox", report.inbox);

    copy_traces(from, to, &mut report)?;
    progress("traces", report.traces);

    copy_alerts(from, to, &mut report)?;
    progress("alerts", report.alerts_shared + report.partner_alerts);

    copy_assessments(from, to, &mut report)?;
    progress("assessment entries", report.assessment_entries);

    copy_stock(from, to, &mut report)?;
    progress("stock records", report.stock_records);
    Ok(report)
}

/// The journal, verbatim, with the projections each entry makes; then the state of every
/// weapon that has events.
fn copy_journal<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<()> {
    // A bulk load into an empty registry: the backend may build its weapon indexes once.
    to.defer_weapon_indexes()?;
    let mut with_events: BTreeSet<Uuid> = BTreeSet::new();
    let mut previous: (i64, Hash) = (0, GENESIS);
    from.scan_journal(&mut |entry| {
        if entry.seq != previous.0 + 1 || entry.chain_hash(&previous.1) != entry.hash {
            return Err(corrupt(format!(
                "its journal is broken at entry {} (run `salw verify` on it)",
                previous.0 + 1
            )));
        }
        previous = (entry.seq, entry.hash);
        project(to, &entry, report, &mut with_events)?;
        report.journal_entries += 1;
        if report.journal_entries.is_multiple_of(PROGRESS_EVERY) {
            progress("journal", report.journal_entries);
        }
        Ok(())
    })?;
    to.build_deferred_indexes()?;
    report.head_seq = previous.0;
    report.head_hash = hex::encode(previous.1);
    progress("journal", report.journal_entries);

    // Each weapon's state after its last event: what `Registry::write_event` leaves, since
    // `lifecycle::admit` is the replay of the history with the new event.
    // Asked of the target a thousand weapons at a time: one by one, the statements' round
    // trips to a server were most of a migration's time.
    let ids: Vec<Uuid> = with_events.into_iter().collect();
    for chunk in ids.chunks(STATES_AT_ONCE) {
        let found = to.weapons_with_events(chunk)?;
        if found.len() < chunk.len() {
            let known: BTreeSet<Uuid> = found.iter().map(|(w, _)| w.weapon.id).collect();
            let missing = chunk.iter().find(|id| !known.contains(id)).copied();
            return Err(corrupt(format!(
                "events name weapon {}, never registered",
                missing.unwrap_or_default()
            )));
        }
        // The source's rows of the same weapons, to compare.
        let sources: HashMap<Uuid, StoredWeapon> = from
            .weapons_by_id(chunk)?
            .into_iter()
            .map(|w| (w.weapon.id, w))
            .collect();
        let mut states = Vec::with_capacity(found.len());
        for (stored, events) in found {
            let id = stored.weapon.id;
            let history: Vec<LifecycleEvent> = events.into_iter().map(|s| s.event).collect();
            let state = lifecycle::replay(&stored.weapon, &history)
                .map_err(|e| corrupt(format!("weapon {id} has an impossible history: {e}")))?;
            let source = sources.get(&id).ok_or_else(|| {
                corrupt(format!("weapon {id} is in the journal but not in its rows"))
            })?;
            if source.status != state.status || source.holder != state.holder {
                return Err(corrupt(format!(
                    "weapon {id} stands as {} in its rows but as {} by its events",
                    source.status.as_str(),
                    state.status.as_str()
                )));
            }
            states.push((id, state));
        }
        to.update_weapon_states(&states)?;
        report.weapon_states += states.len() as u64;
        progress("weapon states", report.weapon_states);
    }
    progress("weapon states", report.weapon_states);
    Ok(())
}

/// Appends one journal entry and writes what `Registry` writes beside it, in the same order
/// (a weapon, person or photo row before its entry, an event row after it).
fn project<T: Store + ?Sized>(
    to: &mut T,
    entry: &JournalEntry,
    report: &mut CopyReport,
    with_events: &mut BTreeSet<Uuid>,
) -> Result<()> {
    let seq = entry.seq;
    let decode_error = |e: serde_json::Error| {
        corrupt(format!(
            "journal entry {seq} ({}) does not hold its record: {e}",
            entry.kind
        ))
    };
    match entry.kind.as_str() {
        kind::WEAPON_REGISTERED => {
            let weapon: Weapon = serde_json::from_str(&entry.payload).map_err(decode_error)?;
            let key = weapon.identity_key();
            let state = WeaponState::initial(&weapon);
            if let Some(clash) = to.insert_weapon(&weapon, key.as_deref(), &state, seq)? {
                return Err(corrupt(format!(
                    "weapon {} (entry {seq}) clashes with another on its {clash}",
                    weapon.id
                )));
            }
            to.append(entry)?;
            report.weapons += 1;
        }
        kind::PERSON_REGISTERED => {
            let person: Person = serde_json::from_str(&entry.payload).map_err(decode_error)?;
            if let Some(clash) = to.insert_person(&person, seq)? {
                return Err(corrupt(format!(
                    "person {} (entry {seq}) clashes with another on its {clash}",
                    person.id
                )));
            }
            to.append(entry)?;
            report.persons += 1;
        }
        kind::EVENT_RECORDED => {
            let event: LifecycleEvent =
                serde_json::from_str(&entry.payload).map_err(decode_error)?;
            to.append(entry)?;
            to.insert_event(&event, seq)?;
            with_events.insert(event.weapon_id);
            report.events += 1;
        }
        kind::PHOTO_ADDED => {
            let photo: PhotoRecord = serde_json::from_str(&entry.payload).map_err(decode_error)?;
            if !to.insert_photo(&photo, seq)? {
                return Err(corrupt(format!(
                    "photo {} of weapon {} is added twice (entry {seq})",
                    photo.hash, photo.weapon_id
                )));
            }
            to.append(entry)?;
            report.photos += 1;
        }
        // What these change is kept in the settings, copied apart.
        kind::NODE_INITIALISED | kind::NODE_COUNTRY_SET | kind::CATEGORY_DEFINED => {
            to.append(entry)?;
        }
        other => {
            return Err(StoreError::Invalid(format!(
                "journal entry {seq} is of kind '{other}', which this program does not know how \
                 to copy: copy with the version of salw that wrote it"
            )));
        }
    }
    Ok(())
}

fn copy_reports<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
) -> Result<()> {
    // A revision names the release it revises by its number, which follows the copy.
    let mut numbers: HashMap<i64, i64> = HashMap::new();
    for mut release in from.all_releases()? {
        let old = release.seq;
        if let Some(revised) = release.revises {
            release.revises = Some(numbers.get(&revised).copied().ok_or_else(|| {
                corrupt(format!(
                    "release {old} revises release {revised}, not an earlier one"
                ))
            })?);
        }
        let new = to.insert_release(&release)?;
        report.renumbered += u64::from(new != old);
        numbers.insert(old, new);
        report.releases += 1;
    }
    for answer in from.all_report_answers()? {
        let new = to.insert_report_answer(&answer)?;
        report.renumbered += u64::from(new != answer.seq);
        report.report_answers += 1;
    }
    Ok(())
}

fn copy_access<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
) -> Result<()> {
    for account in from.accounts()? {
        if !to.insert_account(&account)? {
            return Err(corrupt(format!("the account '{}' twice", account.name)));
        }
        report.accounts += 1;
        for token in from.tokens_of(&account.name)? {
            to.insert_token(&token)?;
            report.tokens += 1;
        }
    }
    // Kept with their numbers and hashes: the chain stays whole (`verify_audit`).
    from.scan_audit(&mut |line| {
        to.insert_audit(&line)?;
        report.audit_lines += 1;
        Ok(())
    })
}

fn copy_federation<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
) -> Result<()> {
    // In the order kept (the latest row of a country is its current peer).
    for peer in from.peer_history()? {
        to.insert_peer(&peer)?;
        report.peers += 1;
    }
    // Newest first as read; written oldest first. `enqueue` keeps the delivery state given.
    for message in from.outbox(u64::MAX)?.iter().rev() {
        if !to.enqueue(message)? {
            return Err(corrupt(format!(
                "the outbox holds message {} twice",
                message.id
            )));
        }
        report.outbox += 1;
    }
    for message in from.inbox(u64::MAX)?.iter().rev() {
        if !to.insert_inbox(message)? {
            return Err(corrupt(format!(
                "the inbox holds message {} twice",
                message.id
            )));
        }
        report.inbox += 1;
    }
    Ok(())
}

fn copy_traces<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
) -> Result<()> {
    // Newest first as read; written oldest first, each with its steps in order.
    for trace in from.traces()?.iter().rev() {
        to.insert_trace(trace)?;
        report.traces += 1;
        for step in from.trace_steps(&trace.id)? {
            to.add_trace_step(&step)?;
            report.trace_steps += 1;
        }
    }
    Ok(())
}

fn copy_alerts<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
) -> Result<()> {
    for shared in from.shared_alert_records()? {
        to.record_shared(&shared.event_id, &shared.partner, &shared.message_id)?;
        report.alerts_shared += 1;
    }
    for alert in from.partner_alert_records()? {
        if !to.insert_partner_alert(&alert)? {
            return Err(corrupt(format!(
                "the alert of message {} is kept twice",
                alert.message_id
            )));
        }
        report.partner_alerts += 1;
    }
    // Newest first as read; written oldest first. A notice names its hit by number: the new
    // numbers are read back by what makes a hit unique (direction, alert, detail).
    let hits = from.alert_hits()?;
    for hit in hits.iter().rev() {
        if !to.insert_alert_hit(hit)? {
            return Err(corrupt(format!("the hit {} is kept twice", hit.seq)));
        }
        report.alert_hits += 1;
    }
    let numbers: HashMap<(String, String, String), i64> = to
        .alert_hits()?
        .into_iter()
        .map(|h| ((h.direction, h.alert, h.detail), h.seq))
        .collect();
    for hit in hits.iter().rev() {
        let key = (hit.direction.clone(), hit.alert.clone(), hit.detail.clone());
        let new = numbers
            .get(&key)
            .copied()
            .ok_or_else(|| StoreError::Backend(format!("the copied hit {} is gone", hit.seq)))?;
        report.renumbered += u64::from(new != hit.seq);
        if let Some(notice) = &hit.notice {
            to.record_notice(new, notice)?;
            report.alert_notices += 1;
        }
    }
    Ok(())
}

fn copy_assessments<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
) -> Result<()> {
    for entry in from.assessment_entries(None)? {
        let new = to.insert_assessment_entry(&entry)?;
        report.renumbered += u64::from(new != entry.seq);
        report.assessment_entries += 1;
    }
    let records = from.assistance_records()?;
    for record in &records {
        if !to.insert_assistance_record(record)? {
            return Err(corrupt(format!(
                "the {} '{}' is kept twice",
                record.kind, record.id
            )));
        }
        report.assistance_records += 1;
    }
    let copied = to.assistance_records()?;
    report.renumbered += records
        .iter()
        .zip(&copied)
        .filter(|(a, b)| a.seq != b.seq)
        .count() as u64;
    Ok(())
}

fn copy_stock<S: Store + ?Sized, T: Store + ?Sized>(
    from: &mut S,
    to: &mut T,
    report: &mut CopyReport,
) -> Result<()> {
    // In the order kept, across kinds: a release is told from an earlier hold by its number.
    let mut records = Vec::new();
    for k in crate::stockpile::kind::ALL {
        records.extend(from.stock_records(k, None)?);
    }
    records.sort_by_key(|r| r.seq);
    for record in &records {
        if !to.insert_stock_record(record)? {
            return Err(corrupt(format!(
                "the {} record '{}' is kept twice",
                record.kind, record.id
            )));
        }
        report.stock_records += 1;
    }
    let mut copied = Vec::new();
    for k in crate::stockpile::kind::ALL {
        copied.extend(to.stock_records(k, None)?);
    }
    copied.sort_by_key(|r| r.seq);
    report.renumbered += records
        .iter()
        .zip(&copied)
        .filter(|(a, b)| a.seq != b.seq)
        .count() as u64;
    Ok(())
}
