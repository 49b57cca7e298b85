//! Accounts, API tokens and the audit trail in PostgreSQL (schema: 2-workflow.sql; the
//! SQLite one is crates/salw-store-sqlite/src/access.rs).

use postgres::Row;
use salw_store::backend::Result;
use salw_store::{AccessBackend, Account, ApiToken, AuditDraft, AuditFilter, AuditRecord, Hash};

use crate::{PgBackend, db, hash32};

const ACCOUNT_COLUMNS: &str = "name, role, password_hash, created_at, created_by, disabled";
const TOKEN_COLUMNS: &str = "hash, prefix, account, label, created_at, revoked";
const AUDIT_COLUMNS: &str = "seq, at, actor, role, action, asked, shown, hash";

fn account_row(r: &Row) -> Result<Account> {
    Ok(Account {
        name: r.try_get(0).map_err(db)?,
        role: r.try_get(1).map_err(db)?,
        password_hash: r.try_get(2).map_err(db)?,
        created_at: r.try_get(3).map_err(db)?,
        created_by: r.try_get(4).map_err(db)?,
        disabled: r.try_get(5).map_err(db)?,
    })
}

fn token_row(r: &Row) -> Result<ApiToken> {
    Ok(ApiToken {
        hash: r.try_get(0).map_err(db)?,
        prefix: r.try_get(1).map_err(db)?,
        account: r.try_get(2).map_err(db)?,
        label: r.try_get(3).map_err(db)?,
        created_at: r.try_get(4).map_err(db)?,
        revoked: r.try_get(5).map_err(db)?,
    })
}

fn audit_row(r: &Row) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.try_get(0).map_err(db)?,
        draft: AuditDraft {
            at: r.try_get(1).map_err(db)?,
            actor: r.try_get(2).map_err(db)?,
            role: r.try_get(3).map_err(db)?,
            action: r.try_get(4).map_err(db)?,
            asked: r.try_get(5).map_err(db)?,
            shown: r.try_get(6).map_err(db)?,
        },
        hash: hash32(r.try_get(7).map_err(db)?)?,
    })
}

impl AccessBackend for PgBackend {
    fn account(&mut self, name: &str) -> Result<Option<Account>> {
        self.conn()?
            .query_opt(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = $1"),
                &[&name],
            )
            .map_err(db)?
            .as_ref()
            .map(account_row)
            .transpose()
    }

    fn accounts(&mut self) -> Result<Vec<Account>> {
        self.conn()?
            .query(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name"),
                &[],
            )
            .map_err(db)?
            .iter()
            .map(account_row)
            .collect()
    }

    fn insert_account(&mut self, a: &Account) -> Result<bool> {
        let inserted = self
            .conn()?
            .execute(
                &format!(
                    "INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (name) DO NOTHING"
                ),
                &[
                    &a.name,
                    &a.role,
                    &a.password_hash,
                    &a.created_at,
                    &a.created_by,
                    &a.disabled,
                ],
            )
            .map_err(db)?;
        Ok(inserted == 1)
    }

    fn update_account(
        &mut self,
        name: &str,
        role: Option<&str>,
        password_hash: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<bool> {
        let changed = self
            .conn()?
            .execute(
                "UPDATE accounts SET role = coalesce($2::text, role),
                     password_hash = coalesce($3::text, password_hash),
                     disabled = coalesce($4::boolean, disabled)
                 WHERE name = $1",
                &[&name, &role, &password_hash, &disabled],
            )
            .map_err(db)?;
        Ok(changed == 1)
    }

    fn insert_token(&mut self, t: &ApiToken) -> Result<()> {
        self.conn()?
            .execute(
                &format!(
                    "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                ),
                &[
                    &t.hash,
                    &t.prefix,
                    &t.account,
                    &t.label,
                    &t.created_at,
                    &t.revoked,
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn token(&mut self, hash: &str) -> Result<Option<ApiToken>> {
        self.conn()?
            .query_opt(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1"),
                &[&hash],
            )
            .map_err(db)?
            .as_ref()
            .map(token_row)
            .transpose()
    }

    fn tokens_of(&mut self, account: &str) -> Result<Vec<ApiToken>> {
        // `hash` breaks ties so that the order is the same on every read.
        self.conn()?
            .query(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE account = $1
                     ORDER BY created_at, hash"
                ),
                &[&account],
            )
            .map_err(db)?
            .iter()
            .map(token_row)
            .collect()
    }

    fn revoke_token(&mut self, account: &str, prefix: &str) -> Result<bool> {
        let changed = self
            .conn()?
            .execute(
                "UPDATE api_tokens SET revoked = true
                 WHERE account = $1 AND prefix = $2 AND NOT revoked",
                &[&account, &prefix],
            )
            .map_err(db)?;
        Ok(changed > 0)
    }

    fn audit_head(&mut self) -> Result<Option<(i64, Hash)>> {
        let Some(row) = self
            .conn()?
            .query_opt("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])
            .map_err(db)?
        else {
            return Ok(None);
        };
        let seq: i64 = row.try_get(0).map_err(db)?;
        Ok(Some((seq, hash32(row.try_get(1).map_err(db)?)?)))
    }

    fn insert_audit(&mut self, r: &AuditRecord) -> Result<()> {
        let d = &r.draft;
        self.conn()?
            .execute(
                &format!(
                    "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                ),
                &[
                    &r.seq,
                    &d.at,
                    &d.actor,
                    &d.role,
                    &d.action,
                    &d.asked,
                    &d.shown,
                    &&r.hash[..],
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    fn audit(&mut self, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let limit = f.limit.min(i64::MAX as u64) as i64;
        self.conn()?
            .query(
                &format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit
                     WHERE ($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR action = $2)
                       AND ($3::bigint IS NULL OR seq < $3)
                     ORDER BY seq DESC LIMIT $4"
                ),
                &[&f.actor, &f.action, &f.before, &limit],
            )
            .map_err(db)?
            .iter()
            .map(audit_row)
            .collect()
    }

    fn scan_audit(&mut self, visit: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        // Streamed, not collected: the trail grows with every request served.
        let mut rows = self
            .conn()?
            .query_raw(
                &format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"),
                std::iter::empty::<i64>(),
            )
            .map_err(db)?;
        while let Some(row) =
            postgres::fallible_iterator::FallibleIterator::next(&mut rows).map_err(db)?
        {
            visit(audit_row(&row)?)?;
        }
        Ok(())
    }
}
