//! Trace records in SQLite (schema: migration 8): `traces` (one row per trace, never changed)
//! and `trace_steps` (one row per change of state, never changed).

use rusqlite::{OptionalExtension, params};
use salw_store::backend::Result;
use salw_store::{TraceBackend, TraceRecord, TraceStep};

use crate::{SqliteBackend, db};

const TRACE_COLUMNS: &str = "id, role, partner, weapon_id, reference, priority, urgency_reason, request, restrictions, confidentiality, created_at, created_by";
const STEP_COLUMNS: &str = "trace_id, state, at, by, message_id, acknowledge_by, answer_by, detail";

fn trace_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TraceRecord> {
    Ok(TraceRecord {
        id: r.get(0)?,
        role: r.get(1)?,
        partner: r.get(2)?,
        weapon_id: r.get(3)?,
        reference: r.get(4)?,
        priority: r.get(5)?,
        urgency_reason: r.get(6)?,
        request: r.get(7)?,
        restrictions: r.get(8)?,
        confidentiality: r.get(9)?,
        created_at: r.get(10)?,
        created_by: r.get(11)?,
    })
}

fn step_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TraceStep> {
    Ok(TraceStep {
        trace_id: r.get(0)?,
        state: r.get(1)?,
        at: r.get(2)?,
        by: r.get(3)?,
        message_id: r.get(4)?,
        acknowledge_by: r.get(5)?,
        answer_by: r.get(6)?,
        detail: r.get(7)?,
    })
}

impl TraceBackend for SqliteBackend {
    fn insert_trace(&mut self, t: &TraceRecord) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO traces ({TRACE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    t.id,
                    t.role,
                    t.partner,
                    t.weapon_id,
                    t.reference,
                    t.priority,
                    t.urgency_reason,
                    t.request,
                    t.restrictions,
                    t.confidentiality,
                    t.created_at,
                    t.created_by
                ])
            })
            .map_err(db)?;
        Ok(())
    }

    fn add_trace_step(&mut self, s: &TraceStep) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO trace_steps ({STEP_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))
            .and_then(|mut st| {
                st.execute(params![
                    s.trace_id,
                    s.state,
                    s.at,
                    s.by,
                    s.message_id,
                    s.acknowledge_by,
                    s.answer_by,
                    s.detail
                ])
            })
            .map_err(db)?;
        Ok(())
    }

    fn traces(&mut self) -> Result<Vec<TraceRecord>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {TRACE_COLUMNS} FROM traces ORDER BY created_at DESC, id DESC"
            ))
            .and_then(|mut s| s.query_map([], trace_row)?.collect())
            .map_err(db)
    }

    fn trace(&mut self, id: &str) -> Result<Option<TraceRecord>> {
        self.conn
            .prepare_cached(&format!("SELECT {TRACE_COLUMNS} FROM traces WHERE id = ?1"))
            .and_then(|mut s| s.query_row([id], trace_row).optional())
            .map_err(db)
    }

    fn trace_steps(&mut self, id: &str) -> Result<Vec<TraceStep>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {STEP_COLUMNS} FROM trace_steps WHERE trace_id = ?1 ORDER BY seq"
            ))
            .and_then(|mut s| s.query_map([id], step_row)?.collect())
            .map_err(db)
    }

    fn trace_of_request(&mut self, message_id: &str) -> Result<Option<TraceRecord>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {TRACE_COLUMNS} FROM traces WHERE id =
                   (SELECT trace_id FROM trace_steps
                     WHERE message_id = ?1 AND state IN ('sent', 'received') LIMIT 1)"
            ))
            .and_then(|mut s| s.query_row([message_id], trace_row).optional())
            .map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(id: &str) -> TraceRecord {
        TraceRecord {
            id: id.into(),
            role: "sent".into(),
            partner: "UG".into(),
            weapon_id: None,
            reference: "CASE-1".into(),
            priority: "routine".into(),
            urgency_reason: None,
            request: "{}".into(),
            restrictions: "[]".into(),
            confidentiality: "restricted".into(),
            created_at: "2026-11-29T16:00:00.000Z".into(),
            created_by: "clerk".into(),
        }
    }

    fn step(id: &str, state: &str, message: Option<&str>) -> TraceStep {
        TraceStep {
            trace_id: id.into(),
            state: state.into(),
            at: "2026-11-29T16:00:00.000Z".into(),
            by: "clerk".into(),
            message_id: message.map(str::to_owned),
            acknowledge_by: None,
            answer_by: None,
            detail: "{}".into(),
        }
    }

    #[test]
    fn steps_are_kept_in_order_and_nothing_is_changed_or_deleted() {
        let mut b =
            SqliteBackend::from_connection(rusqlite::Connection::open_in_memory().expect("memory"))
                .expect("open");
        b.insert_trace(&trace("t1")).expect("trace");
        b.add_trace_step(&step("t1", "draft", None)).expect("draft");
        b.add_trace_step(&step("t1", "sent", Some("m1")))
            .expect("sent");
        b.add_trace_step(&step("t1", "acknowledged", Some("m2")))
            .expect("ack");
        let states: Vec<_> = b
            .trace_steps("t1")
            .expect("steps")
            .into_iter()
            .map(|s| s.state)
            .collect();
        assert_eq!(states, ["draft", "sent", "acknowledged"]);
        assert_eq!(
            b.trace_of_request("m1").expect("by request").map(|t| t.id),
            Some("t1".to_owned())
        );
        // The acknowledgement's message is not a request.
        assert_eq!(b.trace_of_request("m2").expect("by reply"), None);
        assert!(b.trace("t1").expect("read").is_some());
        for sql in [
            "UPDATE traces SET partner = 'TZ'",
            "DELETE FROM traces",
            "UPDATE trace_steps SET state = 'closed'",
            "DELETE FROM trace_steps",
        ] {
            assert!(b.conn.execute(sql, []).is_err(), "{sql} must be refused");
        }
        // A step of no trace is refused.
        assert!(b.add_trace_step(&step("nope", "sent", None)).is_err());
    }
}
