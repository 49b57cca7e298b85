//! Ids for records that come without one (rows of a file), derived from what identifies them, so
//! that importing the same file twice finds the records of the first time instead of adding them
//! again.

use uuid::Uuid;

/// A UUID (version 8) from the BLAKE3 hash of a namespace and the identifying parts.
pub fn derived(namespace: &str, parts: &[&str]) -> Uuid {
    let mut h = blake3::Hasher::new();
    h.update(b"salw-import-id\0");
    h.update(namespace.as_bytes());
    for part in parts {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    let bytes = h.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&bytes.as_bytes()[..16]);
    uuid::Builder::from_custom_bytes(first).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_parts_same_id_and_parts_do_not_run_together() {
        assert_eq!(derived("w", &["a", "b"]), derived("w", &["a", "b"]));
        assert_ne!(derived("w", &["a", "b"]), derived("w", &["ab", ""]));
        assert_ne!(derived("w", &["a"]), derived("p", &["a"]));
        assert_eq!(derived("w", &["a"]).get_version_num(), 8);
    }
}
