//! Lost and stolen alerts in SQLite (schema: migration 11): `alerts_shared`, `partner_alerts`,
//! `alert_hits`, `alert_notices`, all append-only.

use rusqlite::{OptionalExtension, params};
use salw_store::backend::Result;
use salw_store::{AlertBackend, AlertHit, LostStolen, PartnerAlert, Recovery, SharedAlert};
use uuid::Uuid;

use crate::{SqliteBackend, db};

const ALERT_COLUMNS: &str = "message_id, partner, identity_key, reference, reported, reported_on, serial, manufacturer, model, country, received_at";
const HIT_COLUMNS: &str = "h.seq, h.direction, h.alert, h.partner, h.weapon_id, h.recovery, h.recovered_on, h.detail, h.at, n.message_id";
/// A standing event: no correction supersedes it.
const STANDING: &str = "NOT EXISTS (SELECT 1 FROM events c WHERE c.supersedes = e.id)";

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PartnerAlert> {
    Ok(PartnerAlert {
        message_id: r.get(0)?,
        partner: r.get(1)?,
        identity_key: r.get(2)?,
        reference: r.get(3)?,
        reported: r.get(4)?,
        reported_on: r.get(5)?,
        serial: r.get(6)?,
        manufacturer: r.get(7)?,
        model: r.get(8)?,
        country: r.get(9)?,
        received_at: r.get(10)?,
    })
}

fn hit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertHit> {
    Ok(AlertHit {
        seq: r.get(0)?,
        direction: r.get(1)?,
        alert: r.get(2)?,
        partner: r.get(3)?,
        weapon_id: r.get(4)?,
        recovery: r.get(5)?,
        recovered_on: r.get(6)?,
        detail: r.get(7)?,
        at: r.get(8)?,
        notice: r.get(9)?,
    })
}

impl AlertBackend for SqliteBackend {
    fn lost_stolen_unshared(
        &mut self,
        partner: &str,
        after: i64,
        limit: u64,
    ) -> Result<Vec<(i64, LostStolen)>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT e.id, e.weapon_id, e.kind, e.occurred_on, w.country, w.manufacturer,
                        w.model, w.serial, w.category, e.rowid
                 FROM events e JOIN weapons w ON w.id = e.weapon_id
                 WHERE e.kind IN ('reported_lost', 'reported_stolen') AND e.rowid > ?2
                   AND {STANDING}
                   AND NOT EXISTS (SELECT 1 FROM alerts_shared s
                                   WHERE s.event_id = e.id AND s.partner = ?1)
                 ORDER BY e.rowid LIMIT ?3"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![partner, after, limit as i64], |r| {
                let kind: String = r.get(2)?;
                Ok((
                    r.get(9)?,
                    LostStolen {
                        event_id: r.get::<_, Uuid>(0)?.to_string(),
                        weapon_id: r.get::<_, Uuid>(1)?.to_string(),
                        reported: kind.trim_start_matches("reported_").to_owned(),
                        reported_on: r.get(3)?,
                        country: r.get(4)?,
                        manufacturer: r.get(5)?,
                        model: r.get(6)?,
                        serial: r.get(7)?,
                        category: r.get(8)?,
                    },
                ))
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn record_shared(&mut self, event_id: &str, partner: &str, message_id: &str) -> Result<()> {
        let event = Uuid::parse_str(event_id)
            .map_err(|e| salw_store::StoreError::Invalid(format!("event id {event_id}: {e}")))?;
        self.conn
            .prepare_cached(
                "INSERT INTO alerts_shared (event_id, partner, message_id) VALUES (?1, ?2, ?3)",
            )
            .and_then(|mut s| s.execute(params![event, partner, message_id]))
            .map_err(db)?;
        Ok(())
    }

    fn insert_partner_alert(&mut self, a: &PartnerAlert) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO partner_alerts ({ALERT_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (message_id) DO NOTHING"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    a.message_id,
                    a.partner,
                    a.identity_key,
                    a.reference,
                    a.reported,
                    a.reported_on,
                    a.serial,
                    a.manufacturer,
                    a.model,
                    a.country,
                    a.received_at
                ])
            })
            .map_err(db)?;
        Ok(n == 1)
    }

    fn partner_alerts_for(&mut self, identity_key: &str) -> Result<Vec<PartnerAlert>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM partner_alerts WHERE identity_key = ?1 ORDER BY rowid"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([identity_key], alert_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn partner_alert_records(&mut self) -> Result<Vec<PartnerAlert>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM partner_alerts ORDER BY rowid"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], alert_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn shared_alert_records(&mut self) -> Result<Vec<SharedAlert>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT event_id, partner, message_id FROM alerts_shared ORDER BY rowid",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(SharedAlert {
                    event_id: r.get::<_, Uuid>(0)?.to_string(),
                    partner: r.get(1)?,
                    message_id: r.get(2)?,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn partner_alert_counts(&mut self) -> Result<Vec<(String, u64)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT partner, count(*) FROM partner_alerts GROUP BY partner ORDER BY partner",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn has_partner_alerts(&mut self) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM partner_alerts)")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(db)
    }

    fn recoveries_after(&mut self, after: i64, limit: u64) -> Result<Vec<Recovery>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT e.rowid, e.id, e.weapon_id, e.kind, e.occurred_on, w.identity_key
                 FROM events e JOIN weapons w ON w.id = e.weapon_id
                 WHERE e.rowid > ?1 AND e.kind IN ('seized', 'found', 'surrendered', 'recovered')
                   AND {STANDING}
                 ORDER BY e.rowid LIMIT ?2"
            ))
            .map_err(db)?;
        let rows = stmt
            .query_map(params![after, limit as i64], |r| {
                Ok(Recovery {
                    seq: r.get(0)?,
                    event_id: r.get::<_, Uuid>(1)?.to_string(),
                    weapon_id: r.get::<_, Uuid>(2)?.to_string(),
                    kind: r.get(3)?,
                    occurred_on: r.get(4)?,
                    identity_key: r.get(5)?,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn shared_weapon(&mut self, message_id: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT e.weapon_id FROM alerts_shared s JOIN events e ON e.id = s.event_id
                 WHERE s.message_id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([message_id], |r| r.get::<_, Uuid>(0))
                    .optional()
            })
            .map(|w| w.map(|w| w.to_string()))
            .map_err(db)
    }

    fn insert_alert_hit(&mut self, h: &AlertHit) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO alert_hits (direction, alert, partner, weapon_id, recovery,
                     recovered_on, detail, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (direction, alert, detail) DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    h.direction,
                    h.alert,
                    h.partner,
                    h.weapon_id,
                    h.recovery,
                    h.recovered_on,
                    h.detail,
                    h.at
                ])
            })
            .map_err(db)?;
        Ok(n == 1)
    }

    fn alert_hits(&mut self) -> Result<Vec<AlertHit>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {HIT_COLUMNS} FROM alert_hits h LEFT JOIN alert_notices n ON n.hit = h.seq
                 ORDER BY h.seq DESC"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], hit_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn hits_to_notify(&mut self) -> Result<Vec<AlertHit>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {HIT_COLUMNS} FROM alert_hits h LEFT JOIN alert_notices n ON n.hit = h.seq
                 WHERE h.direction = 'recovered-here' AND n.hit IS NULL ORDER BY h.seq"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([], hit_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn record_notice(&mut self, seq: i64, message_id: &str) -> Result<()> {
        self.conn
            .prepare_cached("INSERT INTO alert_notices (hit, message_id) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![seq, message_id]))
            .map_err(db)?;
        Ok(())
    }
}
