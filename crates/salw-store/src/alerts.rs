//! Lost and stolen alerts between States (docs/federation.md "Lost and stolen alerts"): the
//! weapons this node reported lost or stolen, shared with the partners it chose; the alerts
//! partners shared with it; and the hits, when a weapon an alert names is recovered.
//!
//! Append-only, like the traces: what was shared with whom (so that nothing is shared twice),
//! each alert received, each hit, and the notice that told the reporting State of a hit. This
//! is traffic of one installation, not journal records.

use serde::Serialize;

use crate::backend::{Backend, Result};

/// A weapon reported lost or stolen here, not yet shared with a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostStolen {
    /// The `reported_lost` / `reported_stolen` event.
    pub event_id: String,
    pub weapon_id: String,
    /// `lost` or `stolen`.
    pub reported: String,
    pub reported_on: String,
    pub country: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub category: String,
}

/// An alert a partner shared with this node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerAlert {
    /// The message that carried it.
    pub message_id: String,
    pub partner: String,
    /// The weapon's identity key (salw_core::key::identity_key), by which it is matched.
    pub identity_key: String,
    /// The weapon's id at the reporting node.
    pub reference: String,
    pub reported: String,
    pub reported_on: String,
    pub serial: String,
    pub manufacturer: String,
    pub model: String,
    pub country: String,
    pub received_at: String,
}

/// A hit: a weapon an alert names was recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertHit {
    pub seq: i64,
    /// `recovered-here` (a partner's alert names a weapon recovered here) or
    /// `reported-here` (a partner recovered a weapon this node reported).
    pub direction: String,
    /// The alert's message id.
    pub alert: String,
    pub partner: String,
    /// The weapon in this registry (the recovered one, or the one reported).
    pub weapon_id: Option<String>,
    /// The recovery: `seized`, `found`, `surrendered` or `recovered`.
    pub recovery: String,
    pub recovered_on: String,
    /// The recovery event here (`recovered-here`); what the partner said (`reported-here`).
    pub detail: String,
    pub at: String,
    /// The message that told the reporting State (`recovered-here`), once sent.
    pub notice: Option<String>,
}

/// A note that a lost or stolen report was shared with a partner (`record_shared`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedAlert {
    /// The `reported_lost` / `reported_stolen` event (hyphenated UUID).
    pub event_id: String,
    pub partner: String,
    pub message_id: String,
}

/// A recovery recorded here, to be matched against the partners' alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The events table's cursor: recoveries are read in the order they were written.
    pub seq: i64,
    pub event_id: String,
    pub weapon_id: String,
    pub kind: String,
    pub occurred_on: String,
    pub identity_key: Option<String>,
}

/// The last recovery matched against the partners' alerts (a cursor of `recoveries_after`).
pub const RECOVERIES_CURSOR_META: &str = "alerts.recoveries_checked";
/// The last report looked at for a partner (a cursor of `lost_stolen_unshared`), per partner:
/// `alerts.shared_checked.UG`.
pub const SHARED_CURSOR_META: &str = "alerts.shared_checked";

/// Whether a setting is one of the cursors above: positions in one backend's order of events,
/// meaningless in another's (a registry copied elsewhere starts them again from the beginning,
/// which shares nothing twice and keeps no hit twice).
pub fn is_cursor_meta(key: &str) -> bool {
    key == RECOVERIES_CURSOR_META
        || key
            .strip_prefix(SHARED_CURSOR_META)
            .is_some_and(|rest| rest.starts_with('.'))
}

pub trait AlertBackend: Backend {
    /// Lost and stolen reports (not superseded) written after the cursor `after` and not yet
    /// shared with `partner`, oldest first, each with its cursor.
    fn lost_stolen_unshared(
        &mut self,
        partner: &str,
        after: i64,
        limit: u64,
    ) -> Result<Vec<(i64, LostStolen)>>;
    /// Notes that the report was shared with `partner` in `message_id`.
    fn record_shared(&mut self, event_id: &str, partner: &str, message_id: &str) -> Result<()>;
    /// Keeps an alert received; false when it was kept before.
    fn insert_partner_alert(&mut self, alert: &PartnerAlert) -> Result<bool>;
    /// The alerts received that name the weapon of this identity key.
    fn partner_alerts_for(&mut self, identity_key: &str) -> Result<Vec<PartnerAlert>>;
    /// How many alerts were received, per partner.
    fn partner_alert_counts(&mut self) -> Result<Vec<(String, u64)>>;
    /// Whether any alert was received (cheaper than counting them).
    fn has_partner_alerts(&mut self) -> Result<bool>;
    /// Recoveries (seized, found, surrendered, recovered; not superseded) written after the
    /// cursor `after`, oldest first.
    fn recoveries_after(&mut self, after: i64, limit: u64) -> Result<Vec<Recovery>>;
    /// The weapon reported here that an alert this node sent named.
    fn shared_weapon(&mut self, message_id: &str) -> Result<Option<String>>;
    /// Keeps a hit unless the same alert already hit the same recovery; returns whether kept.
    fn insert_alert_hit(&mut self, hit: &AlertHit) -> Result<bool>;
    fn alert_hits(&mut self) -> Result<Vec<AlertHit>>;
    /// Hits recovered here whose reporting State was not yet told.
    fn hits_to_notify(&mut self) -> Result<Vec<AlertHit>>;
    /// Notes the message that told the reporting State of hit `seq`.
    fn record_notice(&mut self, seq: i64, message_id: &str) -> Result<()>;
    /// Every note of what was shared with whom, in the order kept (for copying a registry).
    fn shared_alert_records(&mut self) -> Result<Vec<SharedAlert>>;
    /// Every alert received, in the order kept (for copying a registry).
    fn partner_alert_records(&mut self) -> Result<Vec<PartnerAlert>>;
}
