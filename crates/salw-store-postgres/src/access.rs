//! The PostgreSQL side of `AccessBackend` (see crates/salw-store-sqlite/src/access.rs for the SQLite one).

use crate::{db, hash32};
use salw_store::backend::Result;
use salw_store::{AccessBackend, Account, ApiToken, AuditDraft, AuditFilter, AuditRecord, Hash};

use crate::PgBackend;

impl AccessBackend for PgBackend {
    fn account(&mut self, name: &str) -> Result<Option<Account>> {
        unimplemented!()
    }
    fn accounts(&mut self) -> Result<Vec<Account>> {
        unimplemented!()
    }
    fn insert_account(&mut self, account: &Account) -> Result<bool> {
        unimplemented!()
    }
    fn update_account(
        &mut self,
        name: &str,
        role: Option<&str>,
        password_hash: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<bool> {
        unimplemented!()
    }
    fn insert_token(&mut self, token: &ApiToken) -> Result<()> {
        unimplemented!()
    }
    fn token(&mut self, hash: &str) -> Result<Option<ApiToken>> {
        unimplemented!()
    }
    fn tokens_of(&mut self, account: &str) -> Result<Vec<ApiToken>> {
        unimplemented!()
    }
    fn revoke_token(&mut self, account: &str, prefix: &str) -> Result<bool> {
        unimplemented!()
    }
    fn audit_head(&mut self) -> Result<Option<(i64, Hash)>> {
        unimplemented!()
    }
    fn insert_audit(&mut self, record: &AuditRecord) -> Result<()> {
        unimplemented!()
    }
    fn audit(&mut self, filter: &AuditFilter) -> Result<Vec<AuditRecord>> {
        unimplemented!()
    }
    fn scan_audit(&mut self, visit: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        unimplemented!()
    }
}
