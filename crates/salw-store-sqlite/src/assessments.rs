//! Self-assessments and assistance in SQLite (schema: migration 13): `assessment_entries` and
//! `assistance`, both append-only.

use rusqlite::params;
use salw_assess::score::Entry;
use salw_store::assessments::{AssessBackend, AssistanceRecord, StoredEntry};
use salw_store::backend::Result;

use crate::{SqliteBackend, db};

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEntry> {
    let status: String = r.get(4)?;
    let due: Option<String> = r.get(8)?;
    let corrupt = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
    };
    Ok(StoredEntry {
        seq: r.get(0)?,
        assessment: r.get(1)?,
        checklist: r.get(2)?,
        entry: Entry {
            clause: r.get(3)?,
            status: status.parse().map_err(corrupt)?,
            note: r.get(5)?,
            document: r.get(6)?,
            owner: r.get(7)?,
            due: due
                .map(|d| d.parse().map_err(|_| corrupt(format!("due date '{d}'"))))
                .transpose()?,
        },
        figure: r.get(11)?,
        entered_at: r.get(9)?,
        entered_by: r.get(10)?,
    })
}

impl AssessBackend for SqliteBackend {
    fn assessment_entries(&mut self, assessment: Option<&str>) -> Result<Vec<StoredEntry>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, assessment, checklist, clause, status, note, document, owner, due,
                        entered_at, entered_by, figure
                 FROM assessment_entries WHERE ?1 IS NULL OR assessment = ?1 ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt.query_map([assessment], entry_row).map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn insert_assessment_entry(&mut self, e: &StoredEntry) -> Result<i64> {
        self.conn
            .prepare_cached(
                "INSERT INTO assessment_entries (assessment, checklist, clause, status, note,
                     document, owner, due, entered_at, entered_by, figure)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    e.assessment,
                    e.checklist,
                    e.entry.clause,
                    e.entry.status.as_str(),
                    e.entry.note,
                    e.entry.document,
                    e.entry.owner,
                    e.entry.due.map(|d| d.to_string()),
                    e.entered_at,
                    e.entered_by,
                    e.figure
                ])
            })
            .map_err(db)?;
        Ok(self.conn.last_insert_rowid())
    }

    fn assistance_records(&mut self) -> Result<Vec<AssistanceRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, kind, id, body, entered_at, entered_by FROM assistance ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(AssistanceRecord {
                    seq: r.get(0)?,
                    kind: r.get(1)?,
                    id: r.get(2)?,
                    body: r.get(3)?,
                    entered_at: r.get(4)?,
                    entered_by: r.get(5)?,
                })
            })
            .map_err(db)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db)
    }

    fn insert_assistance_record(&mut self, a: &AssistanceRecord) -> Result<bool> {
        let n = self
            .conn
            .prepare_cached(
                "INSERT INTO assistance (kind, id, body, entered_at, entered_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![a.kind, a.id, a.body, a.entered_at, a.entered_by]))
            .map_err(db)?;
        Ok(n == 1)
    }

    fn weapons_awaiting_mark(&mut self) -> Result<(u64, u64)> {
        self.conn
            .query_row(
                "SELECT count(*), coalesce(sum(awaiting_mark), 0) FROM weapons
                 WHERE status <> 'destroyed'",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?.max(0) as u64,
                        r.get::<_, i64>(1)?.max(0) as u64,
                    ))
                },
            )
            .map_err(db)
    }

    fn individuals_sex_recorded(&mut self) -> Result<(u64, u64)> {
        self.conn
            .query_row(
                "SELECT count(*), count(sex) FROM persons WHERE kind = 'individual'",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?.max(0) as u64,
                        r.get::<_, i64>(1)?.max(0) as u64,
                    ))
                },
            )
            .map_err(db)
    }
}
