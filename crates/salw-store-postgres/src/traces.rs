//! The PostgreSQL side of `TraceBackend` (see crates/salw-store-sqlite/src/traces.rs for the SQLite one).

use crate::db;
use salw_store::backend::Result;
use salw_store::{TraceBackend, TraceRecord, TraceStep};

use crate::PgBackend;

impl TraceBackend for PgBackend {
    fn insert_trace(&mut self, trace: &TraceRecord) -> Result<()> {
        unimplemented!()
    }
    fn add_trace_step(&mut self, step: &TraceStep) -> Result<()> {
        unimplemented!()
    }
    fn traces(&mut self) -> Result<Vec<TraceRecord>> {
        unimplemented!()
    }
    fn trace(&mut self, id: &str) -> Result<Option<TraceRecord>> {
        unimplemented!()
    }
    fn trace_steps(&mut self, id: &str) -> Result<Vec<TraceStep>> {
        unimplemented!()
    }
    fn trace_of_request(&mut self, message_id: &str) -> Result<Option<TraceRecord>> {
        unimplemented!()
    }
}
