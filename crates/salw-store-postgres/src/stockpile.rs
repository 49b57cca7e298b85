//! The PostgreSQL side of `StockBackend` (see crates/salw-store-sqlite/src/stockpile.rs for the SQLite one).

use crate::db;
use salw_core::lifecycle::WeaponStatus;
use salw_store::backend::{Backend, Result};
use salw_store::stockpile::{HeldWeapon, StockBackend, StockRecord};
use uuid::Uuid;

use crate::PgBackend;

impl StockBackend for PgBackend {
    fn stock_records(&mut self, kind: &str, id: Option<&str>) -> Result<Vec<StockRecord>> {
        unimplemented!()
    }
    fn insert_stock_record(&mut self, record: &StockRecord) -> Result<bool> {
        unimplemented!()
    }
    fn weapons_held_by(&mut self, holder: Uuid) -> Result<Vec<HeldWeapon>> {
        unimplemented!()
    }
    fn holders(&mut self) -> Result<Vec<(Uuid, u64, u64)>> {
        unimplemented!()
    }
    fn deactivated_then_recovered(&mut self) -> Result<Vec<Uuid>> {
        unimplemented!()
    }
}
