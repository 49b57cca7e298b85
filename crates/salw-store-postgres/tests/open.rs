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
    assert_eq!(versions, 2);
    drop(first);
    let mut again = PgBackend::open(&url, false).expect("open again");
    let versions: i64 = again
        .client()
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .expect("count")
        .get(0);
    assert_eq!(versions, 2, "migrations applied twice");
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
