//! Which histories are possible. A weapon's state is the replay of its events in the order they
//! happened (not the order they were typed: paper backlogs arrive late), so a new or corrected
//! event is checked by replaying the whole history with it in place.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use uuid::Uuid;

use crate::event::{EventKind, LifecycleEvent, TraceOutcome};
use crate::weapon::Weapon;

word_enum! {
    /// Where the weapon stands now.
    pub enum WeaponStatus {
        /// On the territory, in the licit circuit, with its holder.
        Registered => "registered",
        /// Out of a State armoury, in a named person's hands.
        Issued => "issued",
        Exported => "exported",
        Lost => "lost",
        Stolen => "stolen",
        Recovered => "recovered",
        Seized => "seized",
        Found => "found",
        Surrendered => "surrendered",
        Deactivated => "deactivated",
        Destroyed => "destroyed",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WeaponState {
    pub status: WeaponStatus,
    pub holder: Option<Uuid>,
    pub deactivated_on: Option<NaiveDate>,
    /// The last tracing outcome recorded, if any (read by the SDG indicator).
    pub tracing: Option<TraceOutcome>,
    /// Whether the weapon still lacks the unique mark ITI para 9 asks for.
    pub awaiting_mark: bool,
    pub last_event_on: Option<NaiveDate>,
    /// When it entered the state it is in (destroyed on, stolen on…).
    pub since: Option<NaiveDate>,
    /// Whether it was ever seized, found, surrendered or recovered: tracing concerns those.
    pub ever_recovered_illicit: bool,
}

impl WeaponState {
    pub fn initial(weapon: &Weapon) -> Self {
        WeaponState {
            status: WeaponStatus::Registered,
            holder: None,
            deactivated_on: None,
            tracing: None,
            awaiting_mark: !weapon.has_unique_mark(),
            last_event_on: None,
            since: None,
            ever_recovered_illicit: false,
        }
    }
}

/// An event that would make the history impossible, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} on {occurred_on}: {reason}")]
pub struct HistoryError {
    pub event_id: Uuid,
    pub kind: EventKind,
    pub occurred_on: NaiveDate,
    pub reason: String,
}

fn status_words(status: WeaponStatus, since: Option<NaiveDate>) -> String {
    let what = match status {
        WeaponStatus::Registered => "registered",
        WeaponStatus::Issued => "issued",
        WeaponStatus::Exported => "exported",
        WeaponStatus::Lost => "reported lost",
        WeaponStatus::Stolen => "reported stolen",
        WeaponStatus::Recovered => "recovered",
        WeaponStatus::Seized => "seized",
        WeaponStatus::Found => "found",
        WeaponStatus::Surrendered => "surrendered",
        WeaponStatus::Deactivated => "deactivated",
        WeaponStatus::Destroyed => "destroyed",
    };
    match since {
        Some(date) => format!("{what} on {date}"),
        None => what.to_owned(),
    }
}

/// Applies one event to a state, or says why it cannot happen.
pub fn step(
    weapon: &Weapon,
    state: &WeaponState,
    event: &LifecycleEvent,
) -> Result<WeaponState, String> {
    use EventKind::*;
    use WeaponStatus as S;
    let now = status_words(state.status, state.since);
    let mut next = state.clone();
    next.last_event_on = Some(event.occurred_on);

    if let Some(year) = weapon.year
        && event.occurred_on.year() < year
    {
        return Err(format!("happened before the weapon was made ({year})"));
    }
    if state.status == S::Destroyed && !matches!(event.kind, Traced | Corrected) {
        return Err(format!(
            "the weapon was {now}: a destroyed weapon cannot be {}",
            event.kind.as_str().replace('_', " ")
        ));
    }
    let refuse = |statuses: &[WeaponStatus], why: &str| -> Result<(), String> {
        if statuses.contains(&state.status) {
            Err(format!("the weapon was {now}: {why}"))
        } else {
            Ok(())
        }
    };
    let mut enter = |status: WeaponStatus| {
        next.status = status;
        next.since = Some(event.occurred_on);
    };
    match event.kind {
        Manufactured => {
            if state.last_event_on.is_some() {
                return Err("manufacture must come first in a weapon's history; earlier events are recorded".into());
            }
            if event.to_holder.is_some() {
                next.holder = event.to_holder;
            }
        }
        Marked => {
            refuse(
                &[S::Exported, S::Lost, S::Stolen],
                "a weapon can only be marked while it is in hand",
            )?;
            next.awaiting_mark = false;
        }
        Exported => {
            refuse(
                &[S::Lost, S::Stolen],
                "it cannot be exported before it is recovered",
            )?;
            refuse(&[S::Exported], "it has not come back since")?;
            refuse(
                &[S::Issued],
                "it must be returned to the armoury before export",
            )?;
            refuse(
                &[S::Seized],
                "a seized weapon must be released before export",
            )?;
            enter(S::Exported);
            next.holder = None;
        }
        Imported => {
            if state.last_event_on.is_some() && state.status != S::Exported {
                return Err(format!(
                    "the weapon was {now} and is already on the territory; an import follows an export or opens the history"
                ));
            }
            // ITI para 8: a permanent import without a unique mark gets one, unless temporary.
            if event.temporary != Some(true)
                && state.awaiting_mark
                && event.assigned_serial.is_none()
            {
                return Err("a permanent import of a weapon without a unique mark needs an assigned serial (assigned_serial; ITI para 8)".into());
            }
            if event.assigned_serial.is_some() {
                next.awaiting_mark = false;
            }
            enter(S::Registered);
            next.holder = event.to_holder;
        }
        Transferred => {
            refuse(
                &[S::Lost, S::Stolen],
                "it cannot change hands before it is recovered",
            )?;
            refuse(&[S::Exported], "it is no longer on the territory")?;
            refuse(&[S::Issued], "it must be returned to the armoury first")?;
            enter(S::Registered);
            next.holder = event.to_holder;
        }
        Issued => {
            if state.status != S::Registered {
                return Err(format!(
                    "the weapon was {now}: only a weapon in store can be issued"
                ));
            }
            enter(S::Issued);
        }
        Returned => {
            if state.status != S::Issued {
                return Err(format!(
                    "the weapon was {now}: a weapon that was never issued cannot be returned"
                ));
            }
            enter(S::Registered);
        }
        Inventoried => {
            refuse(
                &[S::Lost, S::Stolen],
                "seen in a count, it must first be recorded as recovered",
            )?;
            refuse(&[S::Exported], "it is no longer on the territory")?;
        }
        ReportedLost | ReportedStolen => {
            refuse(&[S::Lost, S::Stolen], "it is already missing")?;
            refuse(&[S::Exported], "it is no longer on the territory")?;
            enter(if event.kind == ReportedLost {
                S::Lost
            } else {
                S::Stolen
            });
        }
        Recovered => {
            if !matches!(state.status, S::Lost | S::Stolen) {
                return Err(format!(
                    "the weapon was {now}: a recovery needs an earlier loss or theft report"
                ));
            }
            enter(S::Recovered);
            next.ever_recovered_illicit = true;
        }
        Seized | Found | Surrendered => {
            // Twice in State custody would count one weapon twice among the recovered arms
            // (SDG 16.4.2) and the campaign's intake: it must leave custody first.
            refuse(
                &[S::Seized, S::Found, S::Surrendered],
                "it is already in State custody; a weapon released from custody (a transfer) can be seized, found or surrendered again",
            )?;
            enter(match event.kind {
                Seized => S::Seized,
                Found => S::Found,
                _ => S::Surrendered,
            });
            next.ever_recovered_illicit = true;
        }
        Traced => {
            if !state.ever_recovered_illicit {
                return Err("tracing concerns a seized, found, surrendered or recovered weapon; this one has no such event (ITI para 5)".into());
            }
            next.tracing = event.trace_outcome;
        }
        Deactivated => {
            refuse(
                &[S::Lost, S::Stolen, S::Exported],
                "only a weapon in hand can be deactivated",
            )?;
            refuse(&[S::Deactivated], "it is already deactivated")?;
            enter(S::Deactivated);
            next.deactivated_on = Some(event.occurred_on);
        }
        ReactivationDetected => {
            if state.deactivated_on.is_none() {
                return Err(
                    "only a weapon recorded as deactivated can be found reactivated".into(),
                );
            }
        }
        Destroyed => {
            refuse(
                &[S::Lost, S::Stolen],
                "a missing weapon cannot be destroyed; record its recovery first",
            )?;
            refuse(&[S::Exported], "it is no longer on the territory")?;
            refuse(&[S::Issued], "it must be returned to the armoury first")?;
            enter(S::Destroyed);
        }
        Corrected => {}
    }
    Ok(next)
}

/// The events that count: those not withdrawn or replaced by a later correction, in the order
/// they happened (ties kept in the order they were recorded).
pub fn effective(history: &[LifecycleEvent]) -> Vec<&LifecycleEvent> {
    let superseded: std::collections::HashSet<Uuid> =
        history.iter().filter_map(|e| e.supersedes).collect();
    let mut live: Vec<&LifecycleEvent> = history
        .iter()
        .filter(|e| e.kind != EventKind::Corrected && !superseded.contains(&e.id))
        .collect();
    live.sort_by_key(|e| e.occurred_on); // stable: recording order within a day
    live
}

/// Replays a history (in recording order) from the weapon's first state.
pub fn replay(weapon: &Weapon, history: &[LifecycleEvent]) -> Result<WeaponState, HistoryError> {
    let mut state = WeaponState::initial(weapon);
    for event in effective(history) {
        state = step(weapon, &state, event).map_err(|reason| HistoryError {
            event_id: event.id,
            kind: event.kind,
            occurred_on: event.occurred_on,
            reason,
        })?;
    }
    Ok(state)
}

/// Checks that `event` can join `history`: what it supersedes exists and is still in force, and
/// the whole history replayed with it is possible. Returns the weapon's state afterwards.
pub fn admit(
    weapon: &Weapon,
    history: &[LifecycleEvent],
    event: &LifecycleEvent,
) -> Result<WeaponState, HistoryError> {
    let fail = |reason: String| HistoryError {
        event_id: event.id,
        kind: event.kind,
        occurred_on: event.occurred_on,
        reason,
    };
    if event.weapon_id != weapon.id {
        return Err(fail("the event is about another weapon".into()));
    }
    if let Some(target) = event.supersedes {
        let Some(earlier) = history.iter().find(|e| e.id == target) else {
            return Err(fail(format!(
                "supersedes {target}, which is not an event of this weapon"
            )));
        };
        if earlier.kind == EventKind::Corrected {
            return Err(fail(
                "a withdrawal cannot itself be corrected; record the event again".into(),
            ));
        }
        if history.iter().any(|e| e.supersedes == Some(target)) {
            return Err(fail(format!("event {target} has already been corrected")));
        }
    }
    let mut all = history.to_vec();
    all.push(event.clone());
    replay(weapon, &all).map_err(|e| {
        if e.event_id == event.id {
            e
        } else {
            fail(format!("it would make a later event impossible: {e}"))
        }
    })
}
