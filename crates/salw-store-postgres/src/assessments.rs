//! The PostgreSQL side of `AssessBackend` (see crates/salw-store-sqlite/src/assessments.rs for the SQLite one).

use crate::db;
use salw_assess::score::Entry;
use salw_store::assessments::{AssessBackend, AssistanceRecord, StoredEntry};
use salw_store::backend::Result;

use crate::PgBackend;

impl AssessBackend for PgBackend {
    fn assessment_entries(&mut self, assessment: Option<&str>) -> Result<Vec<StoredEntry>> {
        unimplemented!()
    }
    fn insert_assessment_entry(&mut self, entry: &StoredEntry) -> Result<i64> {
        unimplemented!()
    }
    fn assistance_records(&mut self) -> Result<Vec<AssistanceRecord>> {
        unimplemented!()
    }
    fn insert_assistance_record(&mut self, record: &AssistanceRecord) -> Result<bool> {
        unimplemented!()
    }
    fn individuals_sex_recorded(&mut self) -> Result<(u64, u64)> {
        unimplemented!()
    }
    fn weapons_awaiting_mark(&mut self) -> Result<(u64, u64)> {
        unimplemented!()
    }
}
