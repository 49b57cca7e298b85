//! Stockpile records in SQLite (schema: migration 14): `stock_records`, append-only, and the
//! reads by holder (`weapons_holder`) an armoury's count needs.

use rusqlite::params;
use salw_core::lifecycle::WeaponStatus;
use salw_store::backend::{Backend, Result};
use salw_store::stockpile::{HeldWeapon, StockBackend, StockRecord};
use uuid::Uuid;

use crate::{SqliteBackend, db};

fn corrupt(what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
}

impl StockBackend for SqliteBackend {
    fn stock_records(&mut self, kind: &str, id: Option<&str>) -> Result<Vec<StockRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, kind, id, body, entered_at, entered_by FROM stock_records
                 WHERE kind = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![kind, id], |r| {
                Ok(StockRecord {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    id: r.get(2)?,
                    body: r.get(3)?,
                    entered_at: r.get(4)?,
                    entered_by: r.get(5)?,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn insert_stock_record(&mut self, s: &StockRecord) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO stock_records (kind, id, body, entered_at, entered_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
            )
            .and_then(|mut st| {
                st.execute(params![s.kind, s.id, s.body, s.entered_at, s.entered_by])
            })
            .map_err(db)?;
        Ok(n == 1)
    }

    fn weapons_held_by(&mut self, holder: Uuid) -> Result<Vec<HeldWeapon>> {
        self.build_deferred_indexes()?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, serial, reference, status, manufacturer, model, category FROM weapons
                 WHERE holder = ?1 ORDER BY ordinal",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([holder], |r| {
                let status: String = r.get(3)?;
                let make: Option<String> = r.get(4)?;
                let model: Option<String> = r.get(5)?;
                let category: String = r.get(6)?;
                let named: Vec<String> = [make, model].into_iter().flatten().collect();
                Ok(HeldWeapon {
                    weapon_id: r.get(0)?,
                    serial: r.get(1)?,
                    reference: r.get(2)?,
                    status: status.parse::<WeaponStatus>().map_err(corrupt)?,
                    description: if named.is_empty() {
                        category
                    } else {
                        format!("{} ({category})", named.join(" "))
                    },
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn holders(&mut self) -> Result<Vec<(Uuid, u64, u64)>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT holder,
                        sum(status NOT IN ('issued', 'exported', 'lost', 'stolen', 'destroyed')),
                        sum(status = 'issued')
                 FROM weapons WHERE holder IS NOT NULL GROUP BY holder",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Uuid>(0)?,
                    r.get::<_, i64>(1)?.max(0) as u64,
                    r.get::<_, i64>(2)?.max(0) as u64,
                ))
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn deactivated_then_recovered(&mut self) -> Result<Vec<Uuid>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT d.weapon_id FROM events d INDEXED BY events_deactivated
                 JOIN events r ON r.weapon_id = d.weapon_id
                      AND r.kind IN ('seized', 'found', 'surrendered', 'recovered')
                 WHERE d.kind = 'deactivated' ORDER BY d.weapon_id",
            )
            .map_err(db)?;
        let rows = stmt.query_map([], |r| r.get::<_, Uuid>(0)).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }
}
