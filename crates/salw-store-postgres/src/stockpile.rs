//! Stockpile records in PostgreSQL (schema: 2-workflow.sql; the SQLite one is
//! crates/salw-store-sqlite/src/stockpile.rs): `stock_records`, append-only, and the reads by
//! holder (`weapons_holder`) an armoury's count needs. The reads of weapons and events first
//! build what a bulk load deferred (`build_deferred_indexes`), as the SQLite backend does.

use postgres::Row;
use salw_core::lifecycle::WeaponStatus;
use salw_store::backend::{Backend, Result};
use salw_store::stockpile::{HeldWeapon, StockBackend, StockRecord};
use uuid::Uuid;

use crate::{PgBackend, corrupt, db};

fn held_row(r: &Row) -> Result<HeldWeapon> {
    let weapon_id: Uuid = r.try_get(0).map_err(db)?;
    let status: String = r.try_get(3).map_err(db)?;
    let make: Option<String> = r.try_get(4).map_err(db)?;
    let model: Option<String> = r.try_get(5).map_err(db)?;
    let category: String = r.try_get(6).map_err(db)?;
    let named: Vec<String> = [make, model].into_iter().flatten().collect();
    Ok(HeldWeapon {
        weapon_id,
        serial: r.try_get(1).map_err(db)?,
        reference: r.try_get(2).map_err(db)?,
        status: status
            .parse::<WeaponStatus>()
            .map_err(|e| corrupt(&format!("the status of weapon {weapon_id}"), e))?,
        description: if named.is_empty() {
            category
        } else {
            format!("{} ({category})", named.join(" "))
        },
    })
}

impl StockBackend for PgBackend {
    fn stock_records(&mut self, kind: &str, id: Option<&str>) -> Result<Vec<StockRecord>> {
        self.conn()?
            .query(
                "SELECT seq, kind, id, body, entered_at, entered_by FROM stock_records
                 WHERE kind = $1 AND ($2::text IS NULL OR id = $2) ORDER BY seq",
                &[&kind, &id],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(StockRecord {
                    seq: r.try_get(0).map_err(db)?,
                    kind: r.try_get(1).map_err(db)?,
                    id: r.try_get(2).map_err(db)?,
                    body: r.try_get(3).map_err(db)?,
                    entered_at: r.try_get(4).map_err(db)?,
                    entered_by: r.try_get(5).map_err(db)?,
                })
            })
            .collect()
    }

    fn insert_stock_record(&mut self, s: &StockRecord) -> Result<bool> {
        // No conflict target: the unique index is partial (only some kinds are unique by id).
        let n = self
            .conn()?
            .execute(
                "INSERT INTO stock_records (kind, id, body, entered_at, entered_by)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[&s.kind, &s.id, &s.body, &s.entered_at, &s.entered_by],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn weapons_held_by(&mut self, holder: Uuid) -> Result<Vec<HeldWeapon>> {
        self.build_deferred_indexes()?;
        self.conn()?
            .query(
                "SELECT id, serial, reference, status, manufacturer, model, category FROM weapons
                 WHERE holder = $1 ORDER BY ordinal",
                &[&holder],
            )
            .map_err(db)?
            .iter()
            .map(held_row)
            .collect()
    }

    fn holders(&mut self) -> Result<Vec<(Uuid, u64, u64)>> {
        self.build_deferred_indexes()?;
        self.conn()?
            .query(
                "SELECT holder,
                        count(*) FILTER (WHERE status NOT IN
                            ('issued', 'exported', 'lost', 'stolen', 'destroyed')),
                        count(*) FILTER (WHERE status = 'issued')
                 FROM weapons WHERE holder IS NOT NULL GROUP BY holder",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                let in_store: i64 = r.try_get(1).map_err(db)?;
                let issued: i64 = r.try_get(2).map_err(db)?;
                Ok((
                    r.try_get(0).map_err(db)?,
                    in_store.max(0) as u64,
                    issued.max(0) as u64,
                ))
            })
            .collect()
    }

    fn deactivated_then_recovered(&mut self) -> Result<Vec<Uuid>> {
        self.build_deferred_indexes()?;
        self.conn()?
            .query(
                "SELECT DISTINCT d.weapon_id FROM events d
                 JOIN events r ON r.weapon_id = d.weapon_id
                      AND r.kind IN ('seized', 'found', 'surrendered', 'recovered')
                 WHERE d.kind = 'deactivated' ORDER BY d.weapon_id",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| r.try_get(0).map_err(db))
            .collect()
    }
}
