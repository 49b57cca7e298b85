//! The journal: append-only entries chained by `hash = BLAKE3(previous hash ‖ canonical bytes)`.
//!
//! Canonical bytes: each field in a fixed order (seq in decimal, id, kind, subject, occurred_at,
//! recorded_at, recorded_by, source, payload), each written as its length (u64, little endian)
//! then its UTF-8 bytes. Length prefixes make the encoding unambiguous; the payload is hashed as
//! the exact text stored, so verification needs no JSON canonicalisation.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use uuid::Uuid;

pub type Hash = [u8; 32];

/// The hash that comes before the first entry.
pub const GENESIS: Hash = [0; 32];

/// The kinds of entry the registry writes (`JournalEntry::kind`), and what each one's payload
/// holds; the projections a backend keeps follow from them (`copy` rebuilds them so).
pub mod kind {
    /// `NodeInfo`; kept in the settings (`meta` "node").
    pub const NODE_INITIALISED: &str = "node.initialised";
    /// `NodeInfo` with its new country; kept in the settings (`meta` "node").
    pub const NODE_COUNTRY_SET: &str = "node.country_set";
    /// The `CategoryDef` added; the whole list is kept in the settings (`meta` "categories").
    pub const CATEGORY_DEFINED: &str = "category.defined";
    /// The prepared `Weapon`: a weapons row in its first state.
    pub const WEAPON_REGISTERED: &str = "weapon.registered";
    /// The prepared `Person`: a persons row.
    pub const PERSON_REGISTERED: &str = "person.registered";
    /// The prepared `LifecycleEvent`: an events row, and its weapon's new state.
    pub const EVENT_RECORDED: &str = "event.recorded";
    /// The `PhotoRecord`: a photo linked to its weapon, its bytes stored under their hash.
    pub const PHOTO_ADDED: &str = "photo.added";
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub seq: i64,
    pub id: Uuid,
    /// What changed: `weapon.registered`, `event.recorded`, `person.registered`, `node.initialised`…
    pub kind: String,
    /// What it is about: `weapon:<id>`, `person:<id>`, `node`.
    pub subject: String,
    pub occurred_at: String,
    pub recorded_at: String,
    pub recorded_by: String,
    pub source: String,
    /// The record as JSON, exactly as hashed.
    pub payload: String,
    pub hash: Hash,
}

fn put(hasher: &mut blake3::Hasher, field: &[u8]) {
    hasher.update(&(field.len() as u64).to_le_bytes());
    hasher.update(field);
}

impl JournalEntry {
    /// The chain hash of this entry after `previous`.
    pub fn chain_hash(&self, previous: &Hash) -> Hash {
        let mut h = blake3::Hasher::new();
        h.update(previous);
        // The decimal sequence number and the hyphenated id, written on the stack: a bulk
        // import hashes an entry per row.
        let mut seq_digits = itoa::Buffer::new();
        let seq = seq_digits.format(self.seq);
        let mut id_text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let id = self.id.hyphenated().encode_lower(&mut id_text);
        for field in [
            seq,
            &*id,
            &self.kind,
            &self.subject,
            &self.occurred_at,
            &self.recorded_at,
            &self.recorded_by,
            &self.source,
            &self.payload,
        ] {
            put(&mut h, field.as_bytes());
        }
        *h.finalize().as_bytes()
    }
}

/// A head of the journal (sequence number and hash) signed by the node key after a write. A
/// row appended, changed or removed behind the program's back leaves the chain or the signed
/// heads inconsistent even if whoever did it recomputed the hashes, since the key is not in the
/// database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHead {
    pub seq: i64,
    pub hash: Hash,
    pub signature: [u8; 64],
    pub signed_at: String,
}

fn head_message(seq: i64, hash: &Hash) -> Vec<u8> {
    let mut m = b"salw journal head v1\n".to_vec();
    m.extend_from_slice(&seq.to_le_bytes());
    m.extend_from_slice(hash);
    m
}

impl SignedHead {
    pub fn sign(key: &SigningKey, seq: i64, hash: Hash, signed_at: String) -> Self {
        let signature = key.sign(&head_message(seq, &hash)).to_bytes();
        SignedHead {
            seq,
            hash,
            signature,
            signed_at,
        }
    }

    pub fn is_valid(&self, key: &VerifyingKey) -> bool {
        key.verify(
            &head_message(self.seq, &self.hash),
            &Signature::from_bytes(&self.signature),
        )
        .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical bytes as the module's documentation gives them, hashed by another
    /// implementation (Python's `blake3` package): a change of the encoding would break every
    /// registry's chain.
    #[test]
    fn the_chain_hash_is_the_documented_encoding() {
        let entry = JournalEntry {
            seq: 42,
            id: "01890a5d-ac96-774b-bcce-b302099a8057"
                .parse()
                .expect("uuid"),
            kind: "weapon.registered".into(),
            subject: "weapon:01890a5d-ac96-774b-bcce-b302099a8057".into(),
            occurred_at: "2026-12-03T14:32:23+00:00".into(),
            recorded_at: "2026-12-03T14:32:23+00:00".into(),
            recorded_by: "cli".into(),
            source: "import:w.csv".into(),
            payload: r#"{"id":"x","serial":"ÉA-1"}"#.into(),
            hash: GENESIS,
        };
        let hex: String = entry
            .chain_hash(&[7; 32])
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "bf4b0f6bba0aa8dd67af9fe3d31430661715dc6ba5ecb3893956f831864ef43b"
        );
    }

    fn entry(seq: i64, payload: &str) -> JournalEntry {
        JournalEntry {
            seq,
            id: Uuid::nil(),
            kind: "k".into(),
            subject: "s".into(),
            occurred_at: "t".into(),
            recorded_at: "t".into(),
            recorded_by: "u".into(),
            source: "cli".into(),
            payload: payload.into(),
            hash: GENESIS,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_count() {
        let a = entry(1, "{}");
        let base = a.chain_hash(&GENESIS);
        assert_ne!(base, entry(2, "{}").chain_hash(&GENESIS));
        assert_ne!(base, entry(1, "{ }").chain_hash(&GENESIS));
        assert_ne!(base, a.chain_hash(&[1; 32]));
        // Length prefixes: moving a byte from one field to the next changes the hash.
        let mut b = a.clone();
        b.kind = "ks".into();
        b.subject = "".into();
        let mut c = a.clone();
        c.subject = "ss".into();
        assert_ne!(b.chain_hash(&GENESIS), c.chain_hash(&GENESIS));
    }

    #[test]
    fn signed_heads_verify_only_with_their_key() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let head = SignedHead::sign(&key, 5, [3; 32], "now".into());
        assert!(head.is_valid(&key.verifying_key()));
        assert!(!head.is_valid(&other.verifying_key()));
        let forged = SignedHead { seq: 6, ..head };
        assert!(!forged.is_valid(&key.verifying_key()));
    }
}
