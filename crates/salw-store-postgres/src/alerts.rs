//! The PostgreSQL side of `AlertBackend` (see crates/salw-store-sqlite/src/alerts.rs for the SQLite one).

use crate::db;
use salw_store::backend::Result;
use salw_store::{AlertBackend, AlertHit, LostStolen, PartnerAlert, Recovery};
use uuid::Uuid;

use crate::PgBackend;

impl AlertBackend for PgBackend {
    fn lost_stolen_unshared(
        &mut self,
        partner: &str,
        after: i64,
        limit: u64,
    ) -> Result<Vec<(i64, LostStolen)>> {
        unimplemented!()
    }
    fn record_shared(&mut self, event_id: &str, partner: &str, message_id: &str) -> Result<()> {
        unimplemented!()
    }
    fn insert_partner_alert(&mut self, alert: &PartnerAlert) -> Result<bool> {
        unimplemented!()
    }
    fn partner_alerts_for(&mut self, identity_key: &str) -> Result<Vec<PartnerAlert>> {
        unimplemented!()
    }
    fn partner_alert_counts(&mut self) -> Result<Vec<(String, u64)>> {
        unimplemented!()
    }
    fn has_partner_alerts(&mut self) -> Result<bool> {
        unimplemented!()
    }
    fn recoveries_after(&mut self, after: i64, limit: u64) -> Result<Vec<Recovery>> {
        unimplemented!()
    }
    fn shared_weapon(&mut self, message_id: &str) -> Result<Option<String>> {
        unimplemented!()
    }
    fn insert_alert_hit(&mut self, hit: &AlertHit) -> Result<bool> {
        unimplemented!()
    }
    fn alert_hits(&mut self) -> Result<Vec<AlertHit>> {
        unimplemented!()
    }
    fn hits_to_notify(&mut self) -> Result<Vec<AlertHit>> {
        unimplemented!()
    }
    fn record_notice(&mut self, seq: i64, message_id: &str) -> Result<()> {
        unimplemented!()
    }
}
