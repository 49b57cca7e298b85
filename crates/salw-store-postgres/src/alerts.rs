//! Lost and stolen alerts in PostgreSQL (schema: 2-workflow.sql; the SQLite one is
//! crates/salw-store-sqlite/src/alerts.rs): `alerts_shared`, `partner_alerts`, `alert_hits`,
//! `alert_notices`, all append-only.
//!
//! The cursor over events (`lost_stolen_unshared`, `recoveries_after`) is the event's `seq`
//! (its journal entry) where SQLite uses the rowid: both grow in the order events are written,
//! and writers hold the write lock until they commit, so a reader never sees a later `seq`
//! before an earlier one.
//!
//! What reads the core tables first builds what a bulk load deferred
//! (`build_deferred_indexes`: the buffered rows sent, the weapons' indexes built again), so
//! that it sees every row written and reads by index.

use postgres::Row;
use salw_store::alerts::SharedAlert;
use salw_store::backend::{Backend, Result};
use salw_store::{AlertBackend, AlertHit, LostStolen, PartnerAlert, Recovery, StoreError};
use uuid::Uuid;

use crate::{PgBackend, db};

const ALERT_COLUMNS: &str = "message_id, partner, identity_key, reference, reported, reported_on, serial, manufacturer, model, country, received_at";
const HIT_COLUMNS: &str = "h.seq, h.direction, h.alert, h.partner, h.weapon_id, h.recovery, h.recovered_on, h.detail, h.at, n.message_id";
/// A standing event: no correction supersedes it.
const STANDING: &str = "NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)";

fn alert_row(r: &Row) -> Result<PartnerAlert> {
    Ok(PartnerAlert {
        message_id: r.try_get(0).map_err(db)?,
        partner: r.try_get(1).map_err(db)?,
        identity_key: r.try_get(2).map_err(db)?,
        reference: r.try_get(3).map_err(db)?,
        reported: r.try_get(4).map_err(db)?,
        reported_on: r.try_get(5).map_err(db)?,
        serial: r.try_get(6).map_err(db)?,
        manufacturer: r.try_get(7).map_err(db)?,
        model: r.try_get(8).map_err(db)?,
        country: r.try_get(9).map_err(db)?,
        received_at: r.try_get(10).map_err(db)?,
    })
}

fn hit_row(r: &Row) -> Result<AlertHit> {
    Ok(AlertHit {
        seq: r.try_get(0).map_err(db)?,
        direction: r.try_get(1).map_err(db)?,
        alert: r.try_get(2).map_err(db)?,
        partner: r.try_get(3).map_err(db)?,
        weapon_id: r.try_get(4).map_err(db)?,
        recovery: r.try_get(5).map_err(db)?,
        recovered_on: r.try_get(6).map_err(db)?,
        detail: r.try_get(7).map_err(db)?,
        at: r.try_get(8).map_err(db)?,
        notice: r.try_get(9).map_err(db)?,
    })
}

fn limit(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}

impl AlertBackend for PgBackend {
    fn lost_stolen_unshared(
        &mut self,
        partner: &str,
        after: i64,
        n: u64,
    ) -> Result<Vec<(i64, LostStolen)>> {
        self.build_deferred_indexes()?;
        self.conn()?
            .query(
                &format!(
                    "SELECT e.id, e.weapon_id, e.kind, e.occurred_on, w.country, w.manufacturer,
                            w.model, w.serial, w.category, e.seq
                     FROM events e JOIN weapons w ON w.id = e.weapon_id
                     WHERE e.kind IN ('reported_lost', 'reported_stolen') AND e.seq > $2
                       AND {STANDING}
                       AND NOT EXISTS (SELECT 1 FROM alerts_shared s
                                       WHERE s.event_id = e.id AND s.partner = $1)
                     ORDER BY e.seq LIMIT $3"
                ),
                &[&partner, &after, &limit(n)],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                let event: Uuid = r.try_get(0).map_err(db)?;
                let weapon: Uuid = r.try_get(1).map_err(db)?;
                let kind: String = r.try_get(2).map_err(db)?;
                Ok((
                    r.try_get(9).map_err(db)?,
                    LostStolen {
                        event_id: event.to_string(),
                        weapon_id: weapon.to_string(),
                        reported: kind.trim_start_matches("reported_").to_owned(),
                        reported_on: r.try_get(3).map_err(db)?,
                        country: r.try_get(4).map_err(db)?,
                        manufacturer: r.try_get(5).map_err(db)?,
                        model: r.try_get(6).map_err(db)?,
                        serial: r.try_get(7).map_err(db)?,
                        category: r.try_get(8).map_err(db)?,
                    },
                ))
            })
            .collect()
    }

    fn record_shared(&mut self, event_id: &str, partner: &str, message_id: &str) -> Result<()> {
        let event = Uuid::parse_str(event_id)
            .map_err(|e| StoreError::Invalid(format!("event id {event_id}: {e}")))?;
        self.conn()?
            .execute(
                "INSERT INTO alerts_shared (event_id, partner, message_id) VALUES ($1, $2, $3)",
                &[&event, &partner, &message_id],
            )
            .map_err(db)?;
        Ok(())
    }

    fn insert_partner_alert(&mut self, a: &PartnerAlert) -> Result<bool> {
        let n = self
            .conn()?
            .execute(
                &format!(
                    "INSERT INTO partner_alerts ({ALERT_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (message_id) DO NOTHING"
                ),
                &[
                    &a.message_id,
                    &a.partner,
                    &a.identity_key,
                    &a.reference,
                    &a.reported,
                    &a.reported_on,
                    &a.serial,
                    &a.manufacturer,
                    &a.model,
                    &a.country,
                    &a.received_at,
                ],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn partner_alerts_for(&mut self, identity_key: &str) -> Result<Vec<PartnerAlert>> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {ALERT_COLUMNS} FROM partner_alerts WHERE identity_key = $1
                     ORDER BY seq"
                ),
                &[&identity_key],
            )
            .map_err(db)?
            .iter()
            .map(alert_row)
            .collect()
    }

    fn partner_alert_records(&mut self) -> Result<Vec<PartnerAlert>> {
        self.conn()?
            .query(
                &format!("SELECT {ALERT_COLUMNS} FROM partner_alerts ORDER BY seq"),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(alert_row)
            .collect()
    }

    fn shared_alert_records(&mut self) -> Result<Vec<SharedAlert>> {
        self.conn()?
            .query(
                "SELECT event_id, partner, message_id FROM alerts_shared ORDER BY seq",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                let event: Uuid = r.try_get(0).map_err(db)?;
                Ok(SharedAlert {
                    event_id: event.to_string(),
                    partner: r.try_get(1).map_err(db)?,
                    message_id: r.try_get(2).map_err(db)?,
                })
            })
            .collect()
    }

    fn partner_alert_counts(&mut self) -> Result<Vec<(String, u64)>> {
        self.conn()?
            .query(
                "SELECT partner, count(*) FROM partner_alerts GROUP BY partner ORDER BY partner",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                let n: i64 = r.try_get(1).map_err(db)?;
                Ok((r.try_get(0).map_err(db)?, n.max(0) as u64))
            })
            .collect()
    }

    fn has_partner_alerts(&mut self) -> Result<bool> {
        self.conn()?
            .query_one("SELECT EXISTS (SELECT 1 FROM partner_alerts)", &[])
            .map_err(db)?
            .try_get(0)
            .map_err(db)
    }

    fn recoveries_after(&mut self, after: i64, n: u64) -> Result<Vec<Recovery>> {
        self.build_deferred_indexes()?;
        self.conn()?
            .query(
                &format!(
                    "SELECT e.seq, e.id, e.weapon_id, e.kind, e.occurred_on, w.identity_key
                     FROM events e JOIN weapons w ON w.id = e.weapon_id
                     WHERE e.seq > $1
                       AND e.kind IN ('seized', 'found', 'surrendered', 'recovered')
                       AND {STANDING}
                     ORDER BY e.seq LIMIT $2"
                ),
                &[&after, &limit(n)],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                let event: Uuid = r.try_get(1).map_err(db)?;
                let weapon: Uuid = r.try_get(2).map_err(db)?;
                Ok(Recovery {
                    seq: r.try_get(0).map_err(db)?,
                    event_id: event.to_string(),
                    weapon_id: weapon.to_string(),
                    kind: r.try_get(3).map_err(db)?,
                    occurred_on: r.try_get(4).map_err(db)?,
                    identity_key: r.try_get(5).map_err(db)?,
                })
            })
            .collect()
    }

    fn shared_weapon(&mut self, message_id: &str) -> Result<Option<String>> {
        self.build_deferred_indexes()?;
        // A message shares one report; LIMIT 1 keeps a read from failing if that ever changed.
        let Some(row) = self
            .conn()?
            .query_opt(
                "SELECT e.weapon_id FROM alerts_shared s JOIN events e ON e.id = s.event_id
                 WHERE s.message_id = $1 LIMIT 1",
                &[&message_id],
            )
            .map_err(db)?
        else {
            return Ok(None);
        };
        let weapon: Uuid = row.try_get(0).map_err(db)?;
        Ok(Some(weapon.to_string()))
    }

    fn insert_alert_hit(&mut self, h: &AlertHit) -> Result<bool> {
        let n = self
            .conn()?
            .execute(
                "INSERT INTO alert_hits (direction, alert, partner, weapon_id, recovery,
                     recovered_on, detail, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (direction, alert, detail) DO NOTHING",
                &[
                    &h.direction,
                    &h.alert,
                    &h.partner,
                    &h.weapon_id,
                    &h.recovery,
                    &h.recovered_on,
                    &h.detail,
                    &h.at,
                ],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn alert_hits(&mut self) -> Result<Vec<AlertHit>> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {HIT_COLUMNS} FROM alert_hits h
                     LEFT JOIN alert_notices n ON n.hit = h.seq
                     ORDER BY h.seq DESC"
                ),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(hit_row)
            .collect()
    }

    fn hits_to_notify(&mut self) -> Result<Vec<AlertHit>> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {HIT_COLUMNS} FROM alert_hits h
                     LEFT JOIN alert_notices n ON n.hit = h.seq
                     WHERE h.direction = 'recovered-here' AND n.hit IS NULL ORDER BY h.seq"
                ),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(hit_row)
            .collect()
    }

    fn record_notice(&mut self, seq: i64, message_id: &str) -> Result<()> {
        self.conn()?
            .execute(
                "INSERT INTO alert_notices (hit, message_id) VALUES ($1, $2)",
                &[&seq, &message_id],
            )
            .map_err(db)?;
        Ok(())
    }
}
