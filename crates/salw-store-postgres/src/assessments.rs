//! Self-assessments and assistance in PostgreSQL (schema: 2-workflow.sql; the SQLite one is
//! crates/salw-store-sqlite/src/assessments.rs): `assessment_entries` and `assistance`, both
//! append-only, and the two registry figures clauses show, read from the core tables (after
//! building what a bulk load deferred).

use postgres::Row;
use salw_assess::score::Entry;
use salw_store::assessments::{AssessBackend, AssistanceRecord, StoredEntry};
use salw_store::backend::{Backend, Result};

use crate::{PgBackend, corrupt, db};

fn entry_row(r: &Row) -> Result<StoredEntry> {
    let seq: i64 = r.try_get(0).map_err(db)?;
    let status: String = r.try_get(4).map_err(db)?;
    let due: Option<String> = r.try_get(8).map_err(db)?;
    let what = format!("assessment entry {seq}");
    Ok(StoredEntry {
        seq,
        assessment: r.try_get(1).map_err(db)?,
        checklist: r.try_get(2).map_err(db)?,
        entry: Entry {
            clause: r.try_get(3).map_err(db)?,
            status: status.parse().map_err(|e: String| corrupt(&what, e))?,
            note: r.try_get(5).map_err(db)?,
            document: r.try_get(6).map_err(db)?,
            owner: r.try_get(7).map_err(db)?,
            due: due
                .map(|d| {
                    d.parse()
                        .map_err(|_| corrupt(&what, format!("due date '{d}'")))
                })
                .transpose()?,
        },
        figure: r.try_get(11).map_err(db)?,
        entered_at: r.try_get(9).map_err(db)?,
        entered_by: r.try_get(10).map_err(db)?,
    })
}

/// Two counts as u64 (a count is never negative; `max(0)` keeps the conversion total).
fn two_counts(r: &Row) -> Result<(u64, u64)> {
    let all: i64 = r.try_get(0).map_err(db)?;
    let some: i64 = r.try_get(1).map_err(db)?;
    Ok((all.max(0) as u64, some.max(0) as u64))
}

impl AssessBackend for PgBackend {
    fn assessment_entries(&mut self, assessment: Option<&str>) -> Result<Vec<StoredEntry>> {
        self.conn()?
            .query(
                "SELECT seq, assessment, checklist, clause, status, note, document, owner, due,
                        entered_at, entered_by, figure
                 FROM assessment_entries WHERE $1::text IS NULL OR assessment = $1 ORDER BY seq",
                &[&assessment],
            )
            .map_err(db)?
            .iter()
            .map(entry_row)
            .collect()
    }

    fn insert_assessment_entry(&mut self, e: &StoredEntry) -> Result<i64> {
        let due = e.entry.due.map(|d| d.to_string());
        let row = self
            .conn()?
            .query_one(
                "INSERT INTO assessment_entries (assessment, checklist, clause, status, note,
                     document, owner, due, entered_at, entered_by, figure)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 RETURNING seq",
                &[
                    &e.assessment,
                    &e.checklist,
                    &e.entry.clause,
                    &e.entry.status.as_str(),
                    &e.entry.note,
                    &e.entry.document,
                    &e.entry.owner,
                    &due,
                    &e.entered_at,
                    &e.entered_by,
                    &e.figure,
                ],
            )
            .map_err(db)?;
        row.try_get(0).map_err(db)
    }

    fn assistance_records(&mut self) -> Result<Vec<AssistanceRecord>> {
        self.conn()?
            .query(
                "SELECT seq, kind, id, body, entered_at, entered_by FROM assistance ORDER BY seq",
                &[],
            )
            .map_err(db)?
            .iter()
            .map(|r| {
                Ok(AssistanceRecord {
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

    fn insert_assistance_record(&mut self, a: &AssistanceRecord) -> Result<bool> {
        // No conflict target: the unique index is partial (results are never unique).
        let n = self
            .conn()?
            .execute(
                "INSERT INTO assistance (kind, id, body, entered_at, entered_by)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT DO NOTHING",
                &[&a.kind, &a.id, &a.body, &a.entered_at, &a.entered_by],
            )
            .map_err(db)?;
        Ok(n == 1)
    }

    fn individuals_sex_recorded(&mut self) -> Result<(u64, u64)> {
        self.build_deferred_indexes()?;
        let row = self
            .conn()?
            .query_one(
                "SELECT count(*), count(sex) FROM persons WHERE kind = 'individual'",
                &[],
            )
            .map_err(db)?;
        two_counts(&row)
    }

    fn weapons_awaiting_mark(&mut self) -> Result<(u64, u64)> {
        self.build_deferred_indexes()?;
        let row = self
            .conn()?
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE awaiting_mark) FROM weapons
                 WHERE status <> 'destroyed'",
                &[],
            )
            .map_err(db)?;
        two_counts(&row)
    }
}
