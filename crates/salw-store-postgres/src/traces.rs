//! Trace records in PostgreSQL (schema: 2-workflow.sql; the SQLite one is
//! crates/salw-store-sqlite/src/traces.rs): `traces` (one row per trace, never changed) and
//! `trace_steps` (one row per change of state, never changed). `by` is a reserved word in
//! PostgreSQL, hence quoted.

use postgres::Row;
use salw_store::backend::Result;
use salw_store::{TraceBackend, TraceRecord, TraceStep};

use crate::{PgBackend, db};

const TRACE_COLUMNS: &str = "id, role, partner, weapon_id, reference, priority, urgency_reason, request, restrictions, confidentiality, created_at, created_by";
const STEP_COLUMNS: &str =
    r#"trace_id, state, at, "by", message_id, acknowledge_by, answer_by, detail"#;

fn trace_row(r: &Row) -> Result<TraceRecord> {
    Ok(TraceRecord {
        id: r.try_get(0).map_err(db)?,
        role: r.try_get(1).map_err(db)?,
        partner: r.try_get(2).map_err(db)?,
        weapon_id: r.try_get(3).map_err(db)?,
        reference: r.try_get(4).map_err(db)?,
        priority: r.try_get(5).map_err(db)?,
        urgency_reason: r.try_get(6).map_err(db)?,
        request: r.try_get(7).map_err(db)?,
        restrictions: r.try_get(8).map_err(db)?,
        confidentiality: r.try_get(9).map_err(db)?,
        created_at: r.try_get(10).map_err(db)?,
        created_by: r.try_get(11).map_err(db)?,
    })
}

fn step_row(r: &Row) -> Result<TraceStep> {
    Ok(TraceStep {
        trace_id: r.try_get(0).map_err(db)?,
        state: r.try_get(1).map_err(db)?,
        at: r.try_get(2).map_err(db)?,
        by: r.try_get(3).map_err(db)?,
        message_id: r.try_get(4).map_err(db)?,
        acknowledge_by: r.try_get(5).map_err(db)?,
        answer_by: r.try_get(6).map_err(db)?,
        detail: r.try_get(7).map_err(db)?,
    })
}

impl TraceBackend for PgBackend {
    fn insert_trace(&mut self, t: &TraceRecord) -> Result<()> {
        self.conn()?
            .execute(
                &format!(
                    "INSERT INTO traces ({TRACE_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ),
                &[
                    &t.id,
                    &t.role,
                    &t.partner,
                    &t.weapon_id,
                    &t.reference,
                    &t.priority,
                    &t.urgency_reason,
                    &t.request,
                    &t.restrictions,
                    &t.confidentiality,
                    &t.created_at,
                    &t.created_by,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn add_trace_step(&mut self, s: &TraceStep) -> Result<()> {
        self.conn()?
            .execute(
                &format!(
                    "INSERT INTO trace_steps ({STEP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                ),
                &[
                    &s.trace_id,
                    &s.state,
                    &s.at,
                    &s.by,
                    &s.message_id,
                    &s.acknowledge_by,
                    &s.answer_by,
                    &s.detail,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn traces(&mut self) -> Result<Vec<TraceRecord>> {
        self.conn()?
            .query(
                &format!("SELECT {TRACE_COLUMNS} FROM traces ORDER BY created_at DESC, id DESC"),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(trace_row)
            .collect()
    }

    fn trace(&mut self, id: &str) -> Result<Option<TraceRecord>> {
        self.conn()?
            .query_opt(
                &format!("SELECT {TRACE_COLUMNS} FROM traces WHERE id = $1"),
                &[&id],
            )
            .map_err(db)?
            .as_ref()
            .map(trace_row)
            .transpose()
    }

    fn trace_steps(&mut self, id: &str) -> Result<Vec<TraceStep>> {
        self.conn()?
            .query(
                &format!("SELECT {STEP_COLUMNS} FROM trace_steps WHERE trace_id = $1 ORDER BY seq"),
                &[&id],
            )
            .map_err(db)?
            .iter()
            .map(step_row)
            .collect()
    }

    fn trace_of_request(&mut self, message_id: &str) -> Result<Option<TraceRecord>> {
        // The first such step, as SQLite's rowid order gives it (a message carries one request).
        self.conn()?
            .query_opt(
                &format!(
                    "SELECT {TRACE_COLUMNS} FROM traces WHERE id =
                       (SELECT trace_id FROM trace_steps
                         WHERE message_id = $1 AND state IN ('sent', 'received')
                         ORDER BY seq LIMIT 1)"
                ),
                &[&message_id],
            )
            .map_err(db)?
            .as_ref()
            .map(trace_row)
            .transpose()
    }
}
