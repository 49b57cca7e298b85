//! Photos of weapons: the bytes are stored once under their BLAKE3 hash (content-addressed);
//! the journal records which weapon a photo shows, by that hash, so that a changed photo is
//! found (the hash in the signed chain no longer matches the bytes).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The largest photo accepted: a phone photo is 2 to 6 MB; anything larger is refused rather
/// than filling the registry of a node on an old laptop.
pub const MAX_PHOTO_BYTES: usize = 10 << 20;

/// What the journal says about a photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoRecord {
    pub weapon_id: Uuid,
    /// BLAKE3 of the bytes, hex.
    pub hash: String,
    pub media_type: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
}

/// A photo with who added it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPhoto {
    #[serde(flatten)]
    pub photo: PhotoRecord,
    pub seq: i64,
    pub recorded_at: String,
    pub recorded_by: String,
}

/// The media type of an image, from its first bytes (what it says it is does not count):
/// JPEG, PNG or WebP, which every browser shows.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Why a photo was refused; `field` is what a form names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRefused {
    pub field: &'static str,
    pub reason: String,
}

pub fn photo_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(
            image_type(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]),
            Some("image/jpeg")
        );
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"GIF89a"), None);
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(image_type(b""), None);
    }
}
