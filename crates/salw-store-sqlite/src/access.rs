//! Accounts, API tokens and the audit trail in SQLite (schema: migration 3).

use rusqlite::{OptionalExtension, params};
use salw_store::backend::Result;
use salw_store::{AccessBackend, Account, ApiToken, AuditDraft, AuditFilter, AuditRecord, Hash};

use crate::{SqliteBackend, db, hash32};

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        name: r.get(0)?,
        role: r.get(1)?,
        password_hash: r.get(2)?,
        created_at: r.get(3)?,
        created_by: r.get(4)?,
        disabled: r.get(5)?,
    })
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        hash: r.get(0)?,
        prefix: r.get(1)?,
        account: r.get(2)?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        revoked: r.get(5)?,
    })
}

type AuditRow = (i64, [String; 6], Vec<u8>);

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok((
        r.get(0)?,
        [
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ],
        r.get(7)?,
    ))
}

fn decode_audit(
    (seq, [at, actor, role, action, asked, shown], hash): AuditRow,
) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq,
        draft: AuditDraft {
            at,
            actor,
            role,
            action,
            asked,
            shown,
        },
        hash: hash32(hash)?,
    })
}

const ACCOUNT_COLUMNS: &str = "name, role, password_hash, created_at, created_by, disabled";
const TOKEN_COLUMNS: &str = "hash, prefix, account, label, created_at, revoked";
const AUDIT_COLUMNS: &str = "seq, at, actor, role, action, asked, shown, hash";

impl AccessBackend for SqliteBackend {
    fn account(&mut self, name: &str) -> Result<Option<Account>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = ?1"
            ))
            .and_then(|mut s| s.query_row([name], account_row).optional())
            .map_err(db)
    }

    fn accounts(&mut self) -> Result<Vec<Account>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY name"
            ))
            .and_then(|mut s| s.query_map([], account_row)?.collect())
            .map_err(db)
    }

    fn insert_account(&mut self, a: &Account) -> Result<bool> {
        let inserted = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (name) DO NOTHING"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    a.name,
                    a.role,
                    a.password_hash,
                    a.created_at,
                    a.created_by,
                    a.disabled
                ])
            })
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
            .conn
            .prepare_cached(
                "UPDATE accounts SET role = coalesce(?2, role),
                     password_hash = coalesce(?3, password_hash),
                     disabled = coalesce(?4, disabled)
                 WHERE name = ?1",
            )
            .and_then(|mut s| s.execute(params![name, role, password_hash, disabled]))
            .map_err(db)?;
        Ok(changed == 1)
    }

    fn insert_token(&mut self, t: &ApiToken) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO api_tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    t.hash,
                    t.prefix,
                    t.account,
                    t.label,
                    t.created_at,
                    t.revoked
                ])
            })
            .map_err(db)?;
        Ok(())
    }

    fn token(&mut self, hash: &str) -> Result<Option<ApiToken>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = ?1"
            ))
            .and_then(|mut s| s.query_row([hash], token_row).optional())
            .map_err(db)
    }

    fn tokens_of(&mut self, account: &str) -> Result<Vec<ApiToken>> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE account = ?1 ORDER BY created_at, hash"
            ))
            .and_then(|mut s| s.query_map([account], token_row)?.collect())
            .map_err(db)
    }

    fn revoke_token(&mut self, account: &str, prefix: &str) -> Result<bool> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE api_tokens SET revoked = 1 WHERE account = ?1 AND prefix = ?2 AND revoked = 0",
            )
            .and_then(|mut s| s.execute([account, prefix]))
            .map_err(db)?;
        Ok(changed > 0)
    }

    fn audit_head(&mut self) -> Result<Option<(i64, Hash)>> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .and_then(|mut s| s.query_row([], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(db)?;
        row.map(|(seq, hash)| Ok((seq, hash32(hash)?))).transpose()
    }

    fn insert_audit(&mut self, r: &AuditRecord) -> Result<()> {
        let d = &r.draft;
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    r.seq,
                    d.at,
                    d.actor,
                    d.role,
                    d.action,
                    d.asked,
                    d.shown,
                    &r.hash[..]
                ])
            })
            .map_err(db)?;
        Ok(())
    }

    fn audit(&mut self, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = self
            .conn
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLUMNS} FROM audit
                 WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)
                   AND (?3 IS NULL OR seq < ?3)
                 ORDER BY seq DESC LIMIT ?4"
            ))
            .and_then(|mut s| {
                s.query_map(
                    params![
                        f.actor,
                        f.action,
                        f.before,
                        f.limit.min(i64::MAX as u64) as i64
                    ],
                    audit_row,
                )?
                .collect()
            })
            .map_err(db)?;
        rows.into_iter().map(decode_audit).collect()
    }

    fn scan_audit(&mut self, visit: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq"))
            .map_err(db)?;
        let mut rows = stmt.query([]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            visit(decode_audit(audit_row(row).map_err(db)?)?)?;
        }
        Ok(())
    }
}
