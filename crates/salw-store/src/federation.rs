//! What a node keeps to talk with other nodes (DESIGN.md "Federation between nodes"): its
//! partners (peers), the messages it sends (outbox) and the messages it received (inbox).
//!
//! Like accounts, these are settings and traffic of one installation, not records: they are
//! not in the journal. The peers' history is append-only (a change of a partner's address or
//! key is a new row; the current peer of a country is its latest row), so that one can always
//! tell which key was trusted when. Envelopes are stored as the JSON that travelled; this
//! crate does not read them (salw-federation does).

use serde::Serialize;

use crate::backend::{Backend, Result};

/// One row of a peer's history. Timestamps are RFC 3339 UTC with milliseconds (`…Z`), so that
/// they sort as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerRecord {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Base URL of the partner's node, e.g. `https://salw.example.org`.
    pub url: String,
    /// Ed25519 public key, 64 hex digits.
    pub public_key: String,
    pub added_at: String,
    pub added_by: String,
    /// Set on the row that withdrew the partner.
    pub removed: bool,
}

/// A message waiting for, or having had, delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    /// The envelope's id (UUIDv7, text).
    pub id: String,
    /// The country of the addressee; its URL is read from the peers when sending.
    pub destination: String,
    pub kind: String,
    /// The signed envelope as sent, byte for byte every time.
    pub envelope: String,
    pub created_at: String,
    pub expires_at: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub delivered_at: Option<String>,
    /// Set when the sender stopped trying (expired) and why.
    pub abandoned: Option<String>,
    pub last_error: Option<String>,
}

/// A message accepted from a peer. `id` is unique: a message is stored, and takes effect,
/// once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxMessage {
    pub id: String,
    pub sender: String,
    pub sender_key: String,
    pub kind: String,
    /// BLAKE3 of the signed bytes (`salw_federation::Received::digest`): tells a copy of this
    /// message from another one reusing its id.
    pub digest: String,
    pub envelope: String,
    pub received_at: String,
    pub processed_at: Option<String>,
}

pub trait FederationBackend: Backend {
    /// Appends a row to the peers' history; returns its sequence number.
    fn insert_peer(&mut self, peer: &PeerRecord) -> Result<i64>;
    /// The current partners: each country's latest row, unless that row removed it; by country.
    fn peers(&mut self) -> Result<Vec<PeerRecord>>;
    /// Every row ever written, oldest first.
    fn peer_history(&mut self) -> Result<Vec<PeerRecord>>;

    /// Adds a message to send; false (nothing written) when its id is there already.
    fn enqueue(&mut self, message: &OutboxMessage) -> Result<bool>;
    /// Messages not delivered nor abandoned whose next attempt is due at `now`, oldest first.
    fn due_messages(&mut self, now: &str, limit: u64) -> Result<Vec<OutboxMessage>>;
    /// Notes a failed attempt: the count, when to try again and why it failed.
    fn record_attempt(
        &mut self,
        id: &str,
        attempts: i64,
        next_attempt_at: &str,
        error: &str,
    ) -> Result<()>;
    fn mark_delivered(&mut self, id: &str, at: &str, attempts: i64) -> Result<()>;
    fn abandon(&mut self, id: &str, why: &str) -> Result<()>;
    /// The outbox, newest first.
    fn outbox(&mut self, limit: u64) -> Result<Vec<OutboxMessage>>;
    /// The message sent under this id, if any.
    fn sent(&mut self, id: &str) -> Result<Option<OutboxMessage>>;
    /// The earliest next attempt of a message still to deliver.
    fn next_due(&mut self) -> Result<Option<String>>;

    /// The digest of the message received under this id, if any.
    fn inbox_digest(&mut self, id: &str) -> Result<Option<String>>;
    /// Stores a received message; false (nothing written) when its id is there already.
    fn insert_inbox(&mut self, message: &InboxMessage) -> Result<bool>;
    /// The message received under this id, if any.
    fn received(&mut self, id: &str) -> Result<Option<InboxMessage>>;
    fn mark_processed(&mut self, id: &str, at: &str) -> Result<()>;
    /// The inbox, newest first.
    fn inbox(&mut self, limit: u64) -> Result<Vec<InboxMessage>>;
}
