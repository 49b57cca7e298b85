//! Opening a PostgreSQL registry: migrations applied once, a database without one refused.

use salw_store_postgres::{PgBackend, fresh_test_database};

#[test]
fn migrations_apply_once_and_an_empty_database_is_refused_without_create() {
    let Some(url) = fresh_test_database("open") else {
        return;
    };
    let refused = PgBackend::open(&url, false).err().map(|e| e.to_string());
    assert!(
        refused
            .as_deref()
            .is_some_and(|m| m.contains("no registry")),
        "{refused:?}"
    );
    let mut first = PgBackend::open(&url, true).expect("create");
    let versions: i64 = first
        .client()
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .expect("count")
        .get(0);
    assert_eq!(versions, 3);
    drop(first);
    let mut again = PgBackend::open(&url, false).expect("open again");
    let versions: i64 = again
        .client()
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .expect("count")
        .get(0);
    assert_eq!(versions, 3, "migrations applied twice");
}

#[test]
fn a_registry_of_version_2_finds_its_weapons_by_identity_key_after_migration_3() {
    use salw_store::backend::Backend;
    let Some(url) = fresh_test_database("upgrade3") else {
        return;
    };
    // A registry as version 2 left it (schema/1-core.sql), with one weapon in it.
    let mut old = PgBackend::open(&url, true).expect("create");
    let id = uuid::Uuid::now_v7();
    old.client()
        .batch_execute(
            "DROP INDEX weapons_identity_hash;
             ALTER TABLE weapons DROP COLUMN identity_hash;
             CREATE UNIQUE INDEX weapons_identity_key ON weapons (identity_key)
                 WHERE identity_key IS NOT NULL;
             CREATE INDEX weapons_seq ON weapons (seq);
             DELETE FROM schema_migrations WHERE version = 3;",
        )
        .expect("back to version 2");
    old.client()
        .execute(
            "INSERT INTO weapons (id, identity_key, category, awaiting_mark, status, seq)
             VALUES ($1, 'DE|HECKLER&KOCH|G3|É-1', 'rifle', false, 'registered', 1)",
            &[&id],
        )
        .expect("a weapon");
    drop(old);
    // Migration 3 hashes the key in SQL as the writer does in Rust: found by its key, and
    // the same key again is a clash.
    let mut new = PgBackend::open(&url, false).expect("upgrade");
    assert_eq!(
        new.weapon_id_by_key("DE|HECKLER&KOCH|G3|É-1")
            .expect("lookup"),
        Some(id)
    );
    assert_eq!(
        new.weapon_id_by_key("DE|HECKLER&KOCH|G3|É-2")
            .expect("lookup"),
        None
    );
    let again: salw_core::Weapon = serde_json::from_value(serde_json::json!({
        "id": uuid::Uuid::now_v7(), "category": "rifle", "serial": "x"}))
    .expect("weapon");
    let state = salw_core::lifecycle::WeaponState::initial(&again);
    new.begin().expect("begin");
    assert_eq!(
        new.insert_weapon(&again, Some("DE|HECKLER&KOCH|G3|É-1"), &state, 2)
            .expect("insert"),
        Some(salw_store::Clash::IdentityKey)
    );
    new.rollback().expect("rollback");
    assert!(
        new.client()
            .query_one("SELECT to_regclass('weapons_seq') IS NULL", &[])
            .expect("catalogue")
            .get::<_, bool>(0),
        "the seq index is dropped"
    );
}

#[test]
fn a_registry_made_by_a_newer_salw_is_refused_naming_its_version() {
    let Some(url) = fresh_test_database("newer") else {
        return;
    };
    let mut made = PgBackend::open(&url, true).expect("create");
    made.client()
        .execute("INSERT INTO schema_migrations (version) VALUES (999)", &[])
        .expect("a future migration");
    drop(made);
    let refused = PgBackend::open(&url, false).err().map(|e| e.to_string());
    assert!(
        refused
            .as_deref()
            .is_some_and(|m| m.contains("version 999") && m.contains("newer salw")),
        "{refused:?}"
    );
}
