//! Lost and stolen alerts between States (docs/federation.md "Lost and stolen alerts"), over the
//! federation's signed messages, as INTERPOL's list does but between the States themselves:
//!
//! - this node shares its weapons reported lost or stolen with the partners it chose
//!   (`alerts.partners`), each report once per partner;
//! - an alert received is kept and matched by the weapon's identity key (country,
//!   manufacturer, model, serial: DOMAIN.md §5) against the recoveries here: at once against
//!   those already recorded, and later against each new seizure, finding or surrender;
//! - a match is a hit, kept here and told to the reporting State, which keeps it beside its
//!   weapon.
//!
//! `round` does the sharing, the matching of new recoveries and the notices; `salw serve`
//! runs it before each delivery round, `salw alert share` once.

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use salw_federation::{Draft, Kind, timestamp};
use salw_store::{
    AlertBackend, AlertHit, Backend, FederationBackend, NodeInfo, PartnerAlert, StoreError,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::federation::{self, FederationError, field};

/// Where the partners this node shares its alerts with are kept: "RS,UG".
pub const PARTNERS_META: &str = "alerts.partners";
use salw_store::alerts::{RECOVERIES_CURSOR_META as CURSOR_META, SHARED_CURSOR_META};
/// Marks a report that cannot be shared (it does not identify its weapon).
const UNIDENTIFIABLE: &str = "not shared: no serial, country, manufacturer or model";

/// The partners this node shares its lost and stolen weapons with.
pub fn sharing_partners<B: Backend>(backend: &mut B) -> Result<Vec<String>, StoreError> {
    Ok(backend
        .meta(PARTNERS_META)?
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Chooses the partners to share with (registered partners only; none stops sharing).
pub fn set_sharing_partners<B: Backend + FederationBackend>(
    backend: &mut B,
    countries: &[String],
) -> Result<Vec<String>, FederationError> {
    let peers: Vec<String> = backend.peers()?.into_iter().map(|p| p.country).collect();
    let mut chosen = Vec::new();
    for c in countries.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let c = salw_core::country::parse(c).map_err(|e| field("with", e))?;
        if !peers.iter().any(|p| p == c) {
            return Err(field(
                "with",
                format!("no partner is registered for {c}; add it with `salw peer add`"),
            ));
        }
        if !chosen.iter().any(|x| x == c) {
            chosen.push(c.to_owned());
        }
    }
    backend.set_meta(PARTNERS_META, &chosen.join(","))?;
    Ok(chosen)
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub shared: u64,
    pub hits: u64,
    pub notices: u64,
}

/// Runs `f` in one transaction.
fn in_transaction<B: Backend, T>(
    backend: &mut B,
    f: impl FnOnce(&mut B) -> Result<T, FederationError>,
) -> Result<T, FederationError> {
    backend.begin()?;
    match f(backend) {
        Ok(t) => {
            backend.commit()?;
            Ok(t)
        }
        Err(e) => {
            let _ = backend.rollback();
            Err(e)
        }
    }
}

/// Shares new reports, matches new recoveries against the alerts received, and tells the
/// reporting States of new hits.
pub fn round<B: Backend + FederationBackend + AlertBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    now: DateTime<Utc>,
) -> Result<Round, FederationError> {
    let mut done = Round::default();
    for partner in sharing_partners(backend)? {
        // A cursor per partner: each round reads only the reports written since the last.
        let cursor_key = format!("{SHARED_CURSOR_META}.{partner}");
        let cursor: i64 = backend
            .meta(&cursor_key)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut last = cursor;
        loop {
            let batch = backend.lost_stolen_unshared(&partner, last, 200)?;
            if batch.is_empty() {
                break;
            }
            for (seq, report) in batch {
                last = seq;
                let identified = [
                    &report.serial,
                    &report.country,
                    &report.manufacturer,
                    &report.model,
                ]
                .iter()
                .all(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()));
                in_transaction(backend, |b| {
                    if !identified {
                        b.record_shared(&report.event_id, &partner, UNIDENTIFIABLE)?;
                        return Ok(());
                    }
                    let mut body = Map::new();
                    body.insert("reference".into(), json!(report.weapon_id));
                    body.insert("reported".into(), json!(report.reported));
                    body.insert("reported_on".into(), json!(report.reported_on));
                    body.insert("serial".into(), json!(report.serial));
                    body.insert("country".into(), json!(report.country));
                    body.insert("manufacturer".into(), json!(report.manufacturer));
                    body.insert("model".into(), json!(report.model));
                    body.insert("category".into(), json!(report.category));
                    let m = federation::enqueue(
                        b,
                        key,
                        node,
                        &partner,
                        Kind::LostStolenAlert,
                        body,
                        now,
                    )?;
                    b.record_shared(&report.event_id, &partner, &m.id)?;
                    Ok(())
                })?;
                done.shared += u64::from(identified);
            }
        }
        if last != cursor {
            backend.set_meta(&cursor_key, &last.to_string())?;
        }
    }
    // New recoveries here against the alerts received (those recorded before an alert came
    // were matched when it came; matching one twice keeps one hit).
    if backend.has_partner_alerts()? {
        let cursor: i64 = backend
            .meta(CURSOR_META)?
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let mut last = cursor;
        loop {
            let batch = backend.recoveries_after(last, 1000)?;
            let Some(end) = batch.last().map(|r| r.seq) else {
                break;
            };
            for r in &batch {
                let Some(identity) = &r.identity_key else {
                    continue;
                };
                for alert in backend.partner_alerts_for(identity)? {
                    let hit = hit_here(
                        &alert,
                        &r.weapon_id,
                        &r.event_id,
                        &r.kind,
                        &r.occurred_on,
                        now,
                    );
                    done.hits += u64::from(backend.insert_alert_hit(&hit)?);
                }
            }
            last = end;
        }
        if last != cursor {
            backend.set_meta(CURSOR_META, &last.to_string())?;
        }
    }
    for hit in backend.hits_to_notify()? {
        in_transaction(backend, |b| {
            let mut body = Map::new();
            body.insert("in_reply_to".into(), json!(hit.alert));
            body.insert("recovery".into(), json!(hit.recovery));
            body.insert("recovered_on".into(), json!(hit.recovered_on));
            let m = federation::enqueue(b, key, node, &hit.partner, Kind::AlertHit, body, now)?;
            b.record_notice(hit.seq, &m.id)?;
            Ok(())
        })?;
        done.notices += 1;
    }
    Ok(done)
}

fn hit_here(
    alert: &PartnerAlert,
    weapon: &str,
    event: &str,
    kind: &str,
    on: &str,
    now: DateTime<Utc>,
) -> AlertHit {
    AlertHit {
        seq: 0,
        direction: "recovered-here".into(),
        alert: alert.message_id.clone(),
        partner: alert.partner.clone(),
        weapon_id: Some(weapon.to_owned()),
        recovery: kind.to_owned(),
        recovered_on: on.to_owned(),
        detail: event.to_owned(),
        at: timestamp(now),
        notice: None,
    }
}

/// What an alert or a hit from a partner does here (inside the inbox's transaction).
pub fn apply_incoming<B: Backend + AlertBackend>(
    backend: &mut B,
    d: &Draft,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let text = |name: &str| {
        d.body
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match d.kind {
        Kind::LostStolenAlert => {
            let Some(identity) = salw_core::key::identity_key(
                Some(&text("country")),
                Some(&text("manufacturer")),
                Some(&text("model")),
                Some(&text("serial")),
            ) else {
                return Ok(());
            };
            let alert = PartnerAlert {
                message_id: d.id.to_string(),
                partner: d.from.country.clone(),
                identity_key: identity.clone(),
                reference: text("reference"),
                reported: text("reported"),
                reported_on: text("reported_on"),
                serial: text("serial"),
                manufacturer: text("manufacturer"),
                model: text("model"),
                country: text("country"),
                received_at: timestamp(now),
            };
            if !backend.insert_partner_alert(&alert)? {
                return Ok(());
            }
            // Recovered here already?
            let Some(weapon) = backend.weapon_id_by_key(&identity)? else {
                return Ok(());
            };
            let recovery = backend
                .events_of(weapon)?
                .into_iter()
                .filter(|s| s.superseded_by.is_none())
                .map(|s| s.event)
                .rfind(|e| {
                    matches!(
                        e.kind.as_str(),
                        "seized" | "found" | "surrendered" | "recovered"
                    )
                });
            if let Some(e) = recovery {
                let hit = hit_here(
                    &alert,
                    &weapon.to_string(),
                    &e.id.to_string(),
                    e.kind.as_str(),
                    &e.occurred_on.to_string(),
                    now,
                );
                backend.insert_alert_hit(&hit)?;
            }
            Ok(())
        }
        Kind::AlertHit => {
            let alert = text("in_reply_to");
            let weapon = backend.shared_weapon(&alert)?;
            let mut detail = d.body.clone();
            detail.insert("message".into(), json!(d.id.to_string()));
            backend.insert_alert_hit(&AlertHit {
                seq: 0,
                direction: "reported-here".into(),
                alert,
                partner: d.from.country.clone(),
                weapon_id: weapon,
                recovery: text("recovery"),
                recovered_on: text("recovered_on"),
                detail: Value::Object(detail).to_string(),
                at: timestamp(now),
                notice: None,
            })?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether an alert hit answers an alert this node sent to its sender.
pub fn answers_an_alert<B: FederationBackend>(
    backend: &mut B,
    d: &Draft,
) -> Result<Option<bool>, StoreError> {
    if d.kind != Kind::AlertHit {
        return Ok(None);
    }
    let alert = d
        .body
        .get("in_reply_to")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .map(|u| u.to_string())
        .unwrap_or_default();
    Ok(Some(backend.sent(&alert)?.is_some_and(|m| {
        m.destination == d.from.country && m.kind == Kind::LostStolenAlert.as_str()
    })))
}
