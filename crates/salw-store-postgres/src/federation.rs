//! The PostgreSQL side of `FederationBackend` (see crates/salw-store-sqlite/src/federation.rs for the SQLite one).

use crate::db;
use salw_store::backend::Result;
use salw_store::{FederationBackend, InboxMessage, OutboxMessage, PeerRecord};

use crate::PgBackend;

impl FederationBackend for PgBackend {
    fn insert_peer(&mut self, peer: &PeerRecord) -> Result<i64> {
        unimplemented!()
    }
    fn peers(&mut self) -> Result<Vec<PeerRecord>> {
        unimplemented!()
    }
    fn peer_history(&mut self) -> Result<Vec<PeerRecord>> {
        unimplemented!()
    }
    fn enqueue(&mut self, message: &OutboxMessage) -> Result<bool> {
        unimplemented!()
    }
    fn due_messages(&mut self, now: &str, limit: u64) -> Result<Vec<OutboxMessage>> {
        unimplemented!()
    }
    fn record_attempt(
        &mut self,
        id: &str,
        attempts: i64,
        next_attempt_at: &str,
        error: &str,
    ) -> Result<()> {
        unimplemented!()
    }
    fn mark_delivered(&mut self, id: &str, at: &str, attempts: i64) -> Result<()> {
        unimplemented!()
    }
    fn abandon(&mut self, id: &str, why: &str) -> Result<()> {
        unimplemented!()
    }
    fn outbox(&mut self, limit: u64) -> Result<Vec<OutboxMessage>> {
        unimplemented!()
    }
    fn sent(&mut self, id: &str) -> Result<Option<OutboxMessage>> {
        unimplemented!()
    }
    fn next_due(&mut self) -> Result<Option<String>> {
        unimplemented!()
    }
    fn inbox_digest(&mut self, id: &str) -> Result<Option<String>> {
        unimplemented!()
    }
    fn insert_inbox(&mut self, message: &InboxMessage) -> Result<bool> {
        unimplemented!()
    }
    fn received(&mut self, id: &str) -> Result<Option<InboxMessage>> {
        unimplemented!()
    }
    fn mark_processed(&mut self, id: &str, at: &str) -> Result<()> {
        unimplemented!()
    }
    fn inbox(&mut self, limit: u64) -> Result<Vec<InboxMessage>> {
        unimplemented!()
    }
}
