//! Peers, outbox and inbox in PostgreSQL (schema: 2-workflow.sql; the SQLite one is
//! crates/salw-store-sqlite/src/federation.rs).

use postgres::Row;
use salw_store::backend::Result;
use salw_store::{FederationBackend, InboxMessage, OutboxMessage, PeerRecord};

use crate::{PgBackend, db};

const PEER_COLUMNS: &str = "country, url, public_key, added_at, added_by, removed";
const OUTBOX_COLUMNS: &str = "id, destination, kind, envelope, created_at, expires_at, attempts, next_attempt_at, delivered_at, abandoned, last_error";
const INBOX_COLUMNS: &str =
    "id, sender, sender_key, kind, digest, envelope, received_at, processed_at";

fn peer_row(r: &Row) -> Result<PeerRecord> {
    Ok(PeerRecord {
        country: r.try_get(0).map_err(db)?,
        url: r.try_get(1).map_err(db)?,
        public_key: r.try_get(2).map_err(db)?,
        added_at: r.try_get(3).map_err(db)?,
        added_by: r.try_get(4).map_err(db)?,
        removed: r.try_get(5).map_err(db)?,
    })
}

fn outbox_row(r: &Row) -> Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.try_get(0).map_err(db)?,
        destination: r.try_get(1).map_err(db)?,
        kind: r.try_get(2).map_err(db)?,
        envelope: r.try_get(3).map_err(db)?,
        created_at: r.try_get(4).map_err(db)?,
        expires_at: r.try_get(5).map_err(db)?,
        attempts: r.try_get(6).map_err(db)?,
        next_attempt_at: r.try_get(7).map_err(db)?,
        delivered_at: r.try_get(8).map_err(db)?,
        abandoned: r.try_get(9).map_err(db)?,
        last_error: r.try_get(10).map_err(db)?,
    })
}

fn inbox_row(r: &Row) -> Result<InboxMessage> {
    Ok(InboxMessage {
        id: r.try_get(0).map_err(db)?,
        sender: r.try_get(1).map_err(db)?,
        sender_key: r.try_get(2).map_err(db)?,
        kind: r.try_get(3).map_err(db)?,
        digest: r.try_get(4).map_err(db)?,
        envelope: r.try_get(5).map_err(db)?,
        received_at: r.try_get(6).map_err(db)?,
        processed_at: r.try_get(7).map_err(db)?,
    })
}

fn limit(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}

impl FederationBackend for PgBackend {
    fn insert_peer(&mut self, p: &PeerRecord) -> Result<i64> {
        let row = self
            .conn()?
            .query_one(
                &format!(
                    "INSERT INTO peers ({PEER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
                     RETURNING seq"
                ),
                &[
                    &p.country,
                    &p.url,
                    &p.public_key,
                    &p.added_at,
                    &p.added_by,
                    &p.removed,
                ],
            )
            .map_err(db)?;
        row.try_get(0).map_err(db)
    }

    fn peers(&mut self) -> Result<Vec<PeerRecord>> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {PEER_COLUMNS} FROM peers p
                     WHERE seq = (SELECT max(seq) FROM peers WHERE country = p.country)
                       AND NOT removed
                     ORDER BY country"
                ),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(peer_row)
            .collect()
    }

    fn peer_history(&mut self) -> Result<Vec<PeerRecord>> {
        self.conn()?
            .query(
                &format!("SELECT {PEER_COLUMNS} FROM peers ORDER BY seq"),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(peer_row)
            .collect()
    }

    fn enqueue(&mut self, m: &OutboxMessage) -> Result<bool> {
        let inserted = self
            .conn()?
            .execute(
                &format!(
                    "INSERT INTO outbox ({OUTBOX_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                     ON CONFLICT (id) DO NOTHING"
                ),
                &[
                    &m.id,
                    &m.destination,
                    &m.kind,
                    &m.envelope,
                    &m.created_at,
                    &m.expires_at,
                    &m.attempts,
                    &m.next_attempt_at,
                    &m.delivered_at,
                    &m.abandoned,
                    &m.last_error,
                ],
            )
            .map_err(db)?;
        Ok(inserted == 1)
    }

    fn due_messages(&mut self, now: &str, n: u64) -> Result<Vec<OutboxMessage>> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {OUTBOX_COLUMNS} FROM outbox
                     WHERE delivered_at IS NULL AND abandoned IS NULL AND next_attempt_at <= $1
                     ORDER BY next_attempt_at, id LIMIT $2"
                ),
                &[&now, &limit(n)],
            )
            .map_err(db)?
            .iter()
            .map(outbox_row)
            .collect()
    }

    fn record_attempt(
        &mut self,
        id: &str,
        attempts: i64,
        next_attempt_at: &str,
        error: &str,
    ) -> Result<()> {
        self.conn()?
            .execute(
                "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4
                 WHERE id = $1",
                &[&id, &attempts, &next_attempt_at, &error],
            )
            .map_err(db)?;
        Ok(())
    }

    fn mark_delivered(&mut self, id: &str, at: &str, attempts: i64) -> Result<()> {
        self.conn()?
            .execute(
                "UPDATE outbox SET delivered_at = $2, attempts = $3
                 WHERE id = $1 AND delivered_at IS NULL",
                &[&id, &at, &attempts],
            )
            .map_err(db)?;
        Ok(())
    }

    fn abandon(&mut self, id: &str, why: &str) -> Result<()> {
        self.conn()?
            .execute(
                "UPDATE outbox SET abandoned = $2 WHERE id = $1",
                &[&id, &why],
            )
            .map_err(db)?;
        Ok(())
    }

    fn outbox(&mut self, n: u64) -> Result<Vec<OutboxMessage>> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY created_at DESC, id DESC LIMIT $1"
                ),
                &[&limit(n)],
            )
            .map_err(db)?
            .iter()
            .map(outbox_row)
            .collect()
    }

    fn sent(&mut self, id: &str) -> Result<Option<OutboxMessage>> {
        self.conn()?
            .query_opt(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?
            .as_ref()
            .map(outbox_row)
            .transpose()
    }

    fn next_due(&mut self) -> Result<Option<String>> {
        self.conn()?
            .query_one(
                "SELECT min(next_attempt_at) FROM outbox
                 WHERE delivered_at IS NULL AND abandoned IS NULL",
                &[],
            )
            .map_err(db)?
            .try_get(0)
            .map_err(db)
    }

    fn inbox_digest(&mut self, id: &str) -> Result<Option<String>> {
        self.conn()?
            .query_opt("SELECT digest FROM inbox WHERE id = $1", &[&id])
            .map_err(db)?
            .map(|r| r.try_get(0).map_err(db))
            .transpose()
    }

    fn insert_inbox(&mut self, m: &InboxMessage) -> Result<bool> {
        let inserted = self
            .conn()?
            .execute(
                &format!(
                    "INSERT INTO inbox ({INBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (id) DO NOTHING"
                ),
                &[
                    &m.id,
                    &m.sender,
                    &m.sender_key,
                    &m.kind,
                    &m.digest,
                    &m.envelope,
                    &m.received_at,
                    &m.processed_at,
                ],
            )
            .map_err(db)?;
        Ok(inserted == 1)
    }

    fn received(&mut self, id: &str) -> Result<Option<InboxMessage>> {
        self.conn()?
            .query_opt(
                &format!("SELECT {INBOX_COLUMNS} FROM inbox WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?
            .as_ref()
            .map(inbox_row)
            .transpose()
    }

    fn mark_processed(&mut self, id: &str, at: &str) -> Result<()> {
        self.conn()?
            .execute(
                "UPDATE inbox SET processed_at = $2 WHERE id = $1 AND processed_at IS NULL",
                &[&id, &at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn inbox(&mut self, n: u64) -> Result<Vec<InboxMessage>> {
        self.conn()?
            .query(
                &format!(
                    "SELECT {INBOX_COLUMNS} FROM inbox ORDER BY received_at DESC, id DESC LIMIT $1"
                ),
                &[&limit(n)],
            )
            .map_err(db)?
            .iter()
            .map(inbox_row)
            .collect()
    }
}
