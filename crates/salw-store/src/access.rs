//! Who may use the registry, and what they did: accounts, API tokens and the audit trail.
//!
//! Kept apart from the records (`Backend`): accounts are settings of one installation, not
//! part of the registry a node exchanges or exports. The audit trail is, like the journal,
//! append-only and chained by BLAKE3, so that a deleted or edited line is found (`verify_audit`).
//! Password hashing and the role model live above this crate (salw-access); here rows are
//! stored and fetched.

use serde::Serialize;

use crate::backend::{Backend, Result};
use crate::journal::Hash;

/// A user account. `password_hash` is a PHC string (Argon2id), never the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub created_at: String,
    pub created_by: String,
    pub disabled: bool,
}

/// An API token for programs. Only a hash of the secret is stored; `prefix` (the first
/// characters of the secret) lets a person tell their tokens apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub hash: String,
    pub prefix: String,
    pub account: String,
    pub label: String,
    pub created_at: String,
    pub revoked: bool,
}

/// One line of the audit trail, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditDraft {
    pub at: String,
    pub actor: String,
    pub role: String,
    /// What kind of thing was done: `search`, `view-weapon`, `view-person`, `login`…
    pub action: String,
    /// What was asked (the query, the id).
    pub asked: String,
    /// What was shown (ids of the records in the answer, or the outcome).
    pub shown: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub draft: AuditDraft,
    #[serde(serialize_with = "hex_hash")]
    pub hash: Hash,
}

fn hex_hash<S: serde::Serializer>(hash: &Hash, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(hash))
}

impl AuditDraft {
    /// The chain hash: BLAKE3 over the previous hash and every field, each length-prefixed so
    /// that fields cannot run into each other.
    pub fn chain_hash(&self, seq: i64, previous: &Hash) -> Hash {
        let mut h = blake3::Hasher::new();
        h.update(previous);
        h.update(&seq.to_le_bytes());
        for field in [
            &self.at,
            &self.actor,
            &self.role,
            &self.action,
            &self.asked,
            &self.shown,
        ] {
            h.update(&(field.len() as u64).to_le_bytes());
            h.update(field.as_bytes());
        }
        *h.finalize().as_bytes()
    }
}

/// Filters for reading the audit trail, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Only lines before this sequence number (for paging back).
    pub before: Option<i64>,
    pub limit: u64,
}

pub trait AccessBackend: Backend {
    fn account(&mut self, name: &str) -> Result<Option<Account>>;
    fn accounts(&mut self) -> Result<Vec<Account>>;
    /// Inserts a new account; false (and nothing written) when the name is taken.
    fn insert_account(&mut self, account: &Account) -> Result<bool>;
    /// Changes what is given; false when there is no such account.
    fn update_account(
        &mut self,
        name: &str,
        role: Option<&str>,
        password_hash: Option<&str>,
        disabled: Option<bool>,
    ) -> Result<bool>;

    fn insert_token(&mut self, token: &ApiToken) -> Result<()>;
    fn token(&mut self, hash: &str) -> Result<Option<ApiToken>>;
    fn tokens_of(&mut self, account: &str) -> Result<Vec<ApiToken>>;
    /// Revokes the token of `account` whose prefix is given; false when there is none.
    fn revoke_token(&mut self, account: &str, prefix: &str) -> Result<bool>;

    fn audit_head(&mut self) -> Result<Option<(i64, Hash)>>;
    fn insert_audit(&mut self, record: &AuditRecord) -> Result<()>;
    fn audit(&mut self, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
    /// Every line in sequence order.
    fn scan_audit(&mut self, visit: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()>;
}

/// Appends lines to the audit trail in one transaction (a server gathers the lines of many
/// requests into one commit). Returns their sequence numbers.
pub fn append_audit<B: AccessBackend>(backend: &mut B, drafts: &[AuditDraft]) -> Result<Vec<i64>> {
    backend.begin()?;
    let result = (|| {
        let (mut seq, mut previous) = backend.audit_head()?.unwrap_or((0, [0u8; 32]));
        let mut seqs = Vec::with_capacity(drafts.len());
        for draft in drafts {
            seq += 1;
            let hash = draft.chain_hash(seq, &previous);
            backend.insert_audit(&AuditRecord {
                seq,
                draft: draft.clone(),
                hash,
            })?;
            previous = hash;
            seqs.push(seq);
        }
        Ok(seqs)
    })();
    match result {
        Ok(seqs) => {
            backend.commit()?;
            Ok(seqs)
        }
        Err(e) => {
            let _ = backend.rollback();
            Err(e)
        }
    }
}

/// Walks the audit trail and returns the sequence number of the first line whose hash does
/// not follow from the line before (a line edited, deleted or inserted), or None when whole.
pub fn verify_audit<B: AccessBackend>(backend: &mut B) -> Result<Option<i64>> {
    let mut previous = [0u8; 32];
    let mut expected_seq = 1;
    let mut broken = None;
    backend.scan_audit(&mut |record| {
        if broken.is_none() {
            if record.seq != expected_seq
                || record.draft.chain_hash(record.seq, &previous) != record.hash
            {
                broken = Some(record.seq.min(expected_seq));
            }
            previous = record.hash;
            expected_seq = record.seq + 1;
        }
        Ok(())
    })?;
    Ok(broken)
}
