//! Photos of weapons on a real SQLite file: stored once by hash, named in the journal, and
//! checked by `verify` against what the journal says.

use salw_store::{Backend, Registry, RowError, Staged, WriteContext};
use salw_store_sqlite::SqliteBackend;

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 2, 3,
];

fn ctx() -> WriteContext {
    WriteContext {
        recorded_by: "test".into(),
        source: "test".into(),
        now: chrono::Utc::now(),
    }
}

fn registry(dir: &tempfile::TempDir) -> (Registry<SqliteBackend>, uuid::Uuid) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
    let mut reg =
        Registry::new(SqliteBackend::open(&dir.path().join("r.db"), true).expect("create"));
    reg.init(Some("KE"), &key, &ctx()).expect("init");
    let mut reg = reg.with_signing_key(key);
    let weapon = serde_json::json!({"id": uuid::Uuid::now_v7(), "category": "rifle",
        "manufacturer": "Photo Test", "country": "BE", "serial": "PH-1"});
    let staged = staged_weapon(weapon);
    let outcome = reg.write(&ctx(), [staged], &mut |_| {}).expect("write");
    assert!(outcome.committed(), "{:?}", outcome.errors);
    let id = outcome.ids[0];
    (reg, id)
}

/// A weapon record as a command would stage it (no file).
fn staged_weapon(v: serde_json::Value) -> Result<Staged, RowError> {
    Ok(Staged {
        file: String::new(),
        line: 0,
        record: salw_store::Record::Weapon(serde_json::from_value(v).expect("weapon")),
    })
}

#[test]
fn a_photo_is_stored_once_named_in_the_journal_and_refused_when_not_an_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut reg, weapon) = registry(&dir);
    let before = reg.verify().expect("verify").entries;
    let (photo, added) = reg
        .add_photo(&ctx(), weapon, JPEG, Some("left side"))
        .expect("store")
        .expect("a JPEG is accepted");
    assert!(added);
    assert_eq!(photo.media_type, "image/jpeg");
    assert_eq!(photo.hash, blake3::hash(JPEG).to_hex().to_string());
    let (_, again) = reg
        .add_photo(&ctx(), weapon, JPEG, None)
        .expect("store")
        .expect("accepted");
    assert!(!again, "the same photo of the same weapon adds nothing");
    let report = reg.verify().expect("verify");
    assert!(report.intact(), "{report:?}");
    assert_eq!(
        report.entries,
        before + 1,
        "one journal entry for the photo"
    );
    let photos = reg.backend().photos_of(weapon).expect("photos");
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].photo.caption.as_deref(), Some("left side"));

    let refused = reg
        .add_photo(&ctx(), weapon, b"<svg onload=alert(1)>", None)
        .expect("store")
        .expect_err("not an image");
    assert_eq!(refused.field, "photo");
    let too_big = [JPEG, &vec![0u8; salw_store::MAX_PHOTO_BYTES]].concat();
    let refused = reg
        .add_photo(&ctx(), weapon, &too_big, None)
        .expect("store")
        .expect_err("too big");
    assert!(refused.reason.contains("at most"), "{}", refused.reason);
    let refused = reg
        .add_photo(&ctx(), uuid::Uuid::now_v7(), JPEG, None)
        .expect("store")
        .expect_err("no such weapon");
    assert_eq!(refused.field, "weapon");
    assert_eq!(reg.verify().expect("verify").entries, before + 1);
}

#[test]
fn verify_finds_a_photo_changed_behind_the_program_s_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut reg, weapon) = registry(&dir);
    let (photo, _) = reg
        .add_photo(&ctx(), weapon, JPEG, None)
        .expect("store")
        .expect("accepted");
    let conn = reg.backend().connection();
    assert!(
        conn.execute("UPDATE blobs SET bytes = x'FFD8FF00'", [])
            .is_err(),
        "the trigger refuses changes"
    );
    conn.execute_batch("DROP TRIGGER blobs_no_update; UPDATE blobs SET bytes = x'FFD8FF00';")
        .expect("tamper");
    let report = reg.verify().expect("verify");
    assert!(!report.intact());
    assert_eq!(report.broken_photo.as_deref(), Some(photo.hash.as_str()));
}
