//! Peers, outbox and inbox in SQLite (schema: migration 6).

use rusqlite::{OptionalExtension, params};
use salw_store::backend::Result;
use salw_store::{FederationBackend, InboxMessage, OutboxMessage, PeerRecord};

use crate::{SqliteBackend, db};

const PEER_COLUMNS: &str = "country, url, public_key, added_at, added_by, removed";
const OUTBOX_COLUMNS: &str = "id, destination, kind, envelope, created_at, expires_at, attempts, next_attempt_at, delivered_at, abandoned, last_error";
const INBOX_COLUMNS: &str =
    "id, sender, sender_key, kind, digest, envelope, received_at, processed_at";

fn peer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PeerRecord> {
    Ok(PeerRecord {
        country: r.get(0)?,
        url: r.get(1)?,
        public_key: r.get(2)?,
        added_at: r.get(3)?,
        added_by: r.get(4)?,
        removed: r.get(5)?,
    })
}

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.get(0)?,
        destination: r.get(1)?,
        kind: r.get(2)?,
        envelope: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        attempts: r.get(6)?,
        next_attempt_at: r.get(7)?,
        delivered_at: r.get(8)?,
        abandoned: r.get(9)?,
        last_error: r.get(10)?,
    })
}

fn inbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<InboxMessage> {
    Ok(InboxMessage {
        id: r.get(0)?,
        sender: r.get(1)?,
        sender_key: r.get(2)?,
        kind: r.get(3)?,
        digest: r.get(4)?,
        envelope: r.get(5)?,
        received_at: r.get(6)?,
        processed_at: r.get(7)?,
    })
}

fn limit(n: u64) -> i64 {
    n.min(i64::MAX as u64) as i64
}

impl FederationBackend for SqliteBackend {
    fn insert_peer(&mut self, p: &PeerRecord) -> Result<i64> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO peers ({PEER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    p.country,
                    p.url,
                    p.public_key,
                    p.added_at,
                    p.added_by,
                    p.removed
                ])
            })
            .map_err(db)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn peers(&mut self) -> Result<Vec<PeerRecord>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {PEER_COLUMNS} FROM peers p
                 WHERE seq = (SELECT max(seq) FROM peers WHERE country = p.country) AND removed = 0
                 ORDER BY country"
            ))
            .and_then(|mut s| s.query_map([], peer_row)?.collect())
            .map_err(db)
    }

    fn peer_history(&mut self) -> Result<Vec<PeerRecord>> {
        self.conn
            .prepare_cached(&format!("SELECT {PEER_COLUMNS} FROM peers ORDER BY seq"))
            .and_then(|mut s| s.query_map([], peer_row)?.collect())
            .map_err(db)
    }

    fn enqueue(&mut self, m: &OutboxMessage) -> Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO outbox ({OUTBOX_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO NOTHING"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    m.id,
                    m.destination,
                    m.kind,
                    m.envelope,
                    m.created_at,
                    m.expires_at,
                    m.attempts,
                    m.next_attempt_at,
                    m.delivered_at,
                    m.abandoned,
                    m.last_error
                ])
            })
            .map_err(db)?;
        Ok(inserted == 1)
    }

    fn due_messages(&mut self, now: &str, n: u64) -> Result<Vec<OutboxMessage>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox
                 WHERE delivered_at IS NULL AND abandoned IS NULL AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT ?2"
            ))
            .and_then(|mut s| s.query_map(params![now, limit(n)], outbox_row)?.collect())
            .map_err(db)
    }

    fn record_attempt(
        &mut self,
        id: &str,
        attempts: i64,
        next_attempt_at: &str,
        error: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1",
            )
            .and_then(|mut s| s.execute(params![id, attempts, next_attempt_at, error]))
            .map_err(db)?;
        Ok(())
    }

    fn mark_delivered(&mut self, id: &str, at: &str, attempts: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE outbox SET delivered_at = ?2, attempts = ?3 WHERE id = ?1 AND delivered_at IS NULL",
            )
            .and_then(|mut s| s.execute(params![id, at, attempts]))
            .map_err(db)?;
        Ok(())
    }

    fn abandon(&mut self, id: &str, why: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE outbox SET abandoned = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, why]))
            .map_err(db)?;
        Ok(())
    }

    fn outbox(&mut self, n: u64) -> Result<Vec<OutboxMessage>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY created_at DESC, id DESC LIMIT ?1"
            ))
            .and_then(|mut s| s.query_map([limit(n)], outbox_row)?.collect())
            .map_err(db)
    }

    fn sent(&mut self, id: &str) -> Result<Option<OutboxMessage>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1"
            ))
            .and_then(|mut s| s.query_row([id], outbox_row).optional())
            .map_err(db)
    }

    fn received(&mut self, id: &str) -> Result<Option<InboxMessage>> {
        self.conn
            .prepare_cached(&format!("SELECT {INBOX_COLUMNS} FROM inbox WHERE id = ?1"))
            .and_then(|mut s| s.query_row([id], inbox_row).optional())
            .map_err(db)
    }

    fn next_due(&mut self) -> Result<Option<String>> {
        self.conn
            .prepare_cached(
                "SELECT min(next_attempt_at) FROM outbox WHERE delivered_at IS NULL AND abandoned IS NULL",
            )
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(db)
    }

    fn inbox_digest(&mut self, id: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT digest FROM inbox WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(db)
    }

    fn insert_inbox(&mut self, m: &InboxMessage) -> Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO inbox ({INBOX_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (id) DO NOTHING"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    m.id,
                    m.sender,
                    m.sender_key,
                    m.kind,
                    m.digest,
                    m.envelope,
                    m.received_at,
                    m.processed_at
                ])
            })
            .map_err(db)?;
        Ok(inserted == 1)
    }

    fn mark_processed(&mut self, id: &str, at: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE inbox SET processed_at = ?2 WHERE id = ?1 AND processed_at IS NULL",
            )
            .and_then(|mut s| s.execute(params![id, at]))
            .map_err(db)?;
        Ok(())
    }

    fn inbox(&mut self, n: u64) -> Result<Vec<InboxMessage>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {INBOX_COLUMNS} FROM inbox ORDER BY received_at DESC, id DESC LIMIT ?1"
            ))
            .and_then(|mut s| s.query_map([limit(n)], inbox_row)?.collect())
            .map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salw_store::Backend;

    fn backend() -> SqliteBackend {
        SqliteBackend::from_connection(rusqlite::Connection::open_in_memory().expect("open"))
            .expect("migrated")
    }

    fn peer(country: &str, url: &str, removed: bool) -> PeerRecord {
        PeerRecord {
            country: country.into(),
            url: url.into(),
            public_key: "ab".repeat(32),
            added_at: "2026-01-01T00:00:00.000Z".into(),
            added_by: "admin".into(),
            removed,
        }
    }

    fn message(id: &str, next: &str) -> OutboxMessage {
        OutboxMessage {
            id: id.into(),
            destination: "UG".into(),
            kind: "ping".into(),
            envelope: "{}".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            expires_at: "2026-02-01T00:00:00.000Z".into(),
            attempts: 0,
            next_attempt_at: next.into(),
            delivered_at: None,
            abandoned: None,
            last_error: None,
        }
    }

    #[test]
    fn the_current_peer_is_the_latest_row_and_history_is_append_only() {
        let mut b = backend();
        b.insert_peer(&peer("UG", "http://old", false)).expect("ug");
        b.insert_peer(&peer("KE", "http://ke", false)).expect("ke");
        b.insert_peer(&peer("UG", "http://new", false))
            .expect("ug again");
        b.insert_peer(&peer("KE", "http://ke", true))
            .expect("ke removed");
        let current = b.peers().expect("peers");
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].url, "http://new");
        assert_eq!(b.peer_history().expect("history").len(), 4);
        assert!(b.conn.execute("UPDATE peers SET url = 'x'", []).is_err());
        assert!(b.conn.execute("DELETE FROM peers", []).is_err());
    }

    #[test]
    fn the_outbox_hands_out_due_messages_until_delivered() {
        let mut b = backend();
        assert!(
            b.enqueue(&message("a", "2026-01-01T00:00:00.000Z"))
                .expect("a")
        );
        assert!(
            b.enqueue(&message("b", "2026-01-01T00:10:00.000Z"))
                .expect("b")
        );
        assert!(
            !b.enqueue(&message("a", "2026-01-01T00:00:00.000Z"))
                .expect("again")
        );
        let due = b.due_messages("2026-01-01T00:05:00.000Z", 10).expect("due");
        assert_eq!(due.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["a"]);
        b.record_attempt("a", 1, "2026-01-01T00:20:00.000Z", "refused")
            .expect("attempt");
        assert_eq!(
            b.next_due().expect("next").as_deref(),
            Some("2026-01-01T00:10:00.000Z")
        );
        let due = b.due_messages("2026-01-01T00:30:00.000Z", 10).expect("due");
        assert_eq!(due.len(), 2);
        b.mark_delivered("a", "2026-01-01T00:30:00.000Z", 2)
            .expect("delivered");
        b.abandon("b", "expired").expect("abandon");
        assert!(
            b.due_messages("2027-01-01T00:00:00.000Z", 10)
                .expect("due")
                .is_empty()
        );
        assert_eq!(b.next_due().expect("next"), None);
        assert_eq!(b.sent("a").expect("sent").map(|m| m.attempts), Some(2));
        assert_eq!(b.sent("z").expect("sent"), None);
        let all = b.outbox(10).expect("outbox");
        assert_eq!(all.len(), 2);
        assert!(
            b.conn
                .execute("UPDATE outbox SET envelope = 'x' WHERE id = 'a'", [])
                .is_err(),
            "what was sent is fixed"
        );
    }

    #[test]
    fn a_message_id_enters_the_inbox_once() {
        let mut b = backend();
        let m = InboxMessage {
            id: "m1".into(),
            sender: "KE".into(),
            sender_key: "0123456789abcdef".into(),
            kind: "ping".into(),
            digest: "d".into(),
            envelope: "{}".into(),
            received_at: "2026-01-01T00:00:00.000Z".into(),
            processed_at: None,
        };
        b.begin().expect("begin");
        assert!(b.insert_inbox(&m).expect("first"));
        b.commit().expect("commit");
        assert!(!b.insert_inbox(&m).expect("second"));
        assert_eq!(b.inbox_digest("m1").expect("digest").as_deref(), Some("d"));
        assert_eq!(b.inbox_digest("m2").expect("digest"), None);
        assert_eq!(
            b.received("m1").expect("received").map(|m| m.sender),
            Some("KE".into())
        );
        assert_eq!(b.received("m2").expect("received"), None);
        b.mark_processed("m1", "2026-01-01T00:00:01.000Z")
            .expect("processed");
        let inbox = b.inbox(10).expect("inbox");
        assert_eq!(inbox.len(), 1);
        assert!(inbox[0].processed_at.is_some());
        assert!(b.conn.execute("DELETE FROM inbox", []).is_err());
    }
}
