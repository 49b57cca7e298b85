//! What the marking search reads of the registry, on a real SQLite file and on PostgreSQL
//! (when SALW_TEST_POSTGRES names a database), the same test for both: `scan_serials` gives
//! each serial with its manufacturer, in ordinal order; `search_rows_at` gives the columns the
//! ranking and the filters use, in the order asked, the same as the weapon's record says.

use salw_core::LifecycleEvent;
use salw_core::event::EventKind;
use salw_core::lifecycle::WeaponStatus;
use salw_store::{
    Backend, EventDraft, Record, RecordRef, Registry, RowError, SerialRow, Staged, WriteContext,
};
use salw_store_any::{AnyBackend, Location, fresh_test_database};
use serde_json::json;
use uuid::Uuid;

fn ctx() -> WriteContext {
    WriteContext {
        recorded_by: "registrar".into(),
        source: "test".into(),
        now: chrono::Utc::now(),
    }
}

fn staged(record: Record) -> Result<Staged, RowError> {
    Ok(Staged {
        file: String::new(),
        line: 0,
        record,
    })
}

fn weapon(value: serde_json::Value) -> Result<Staged, RowError> {
    staged(Record::Weapon(
        serde_json::from_value(value).expect("weapon"),
    ))
}

fn write(reg: &mut Registry<AnyBackend>, records: Vec<Result<Staged, RowError>>) {
    let o = reg.write(&ctx(), records, &mut |_| {}).expect("write");
    assert!(o.committed(), "{:?}", o.errors);
}

#[derive(Clone, Copy)]
enum Db {
    Sqlite,
    Postgres,
}

fn the_search_reads_its_columns_as_the_records_say(db: Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let location = match db {
        Db::Sqlite => Location::File(dir.path().join("r.db")),
        Db::Postgres => match fresh_test_database("search_rows") {
            Some(url) => Location::Postgres(url),
            None => return,
        },
    };
    let key = ed25519_dalek::SigningKey::from_bytes(&[6u8; 32]);
    let mut reg = Registry::new(location.open(true).expect("create"));
    reg.init(Some("MW"), &key, &ctx()).expect("init");
    let mut reg = reg.with_signing_key(key);

    let (rifle, bare, unmarked) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    write(
        &mut reg,
        vec![
            weapon(
                json!({"id": rifle, "category": "assault rifle", "manufacturer": "Zastava Arms",
                "country": "YU", "model": "M70", "serial": "52-01234", "calibre": "7.62x39mm"}),
            ),
            // Inadequately marked: a serial but no maker's name; no mark at all.
            weapon(json!({"id": bare, "category": "rifle", "serial": "X1",
                "inadequately_marked": true, "follow_up": "mark_and_record"})),
            weapon(json!({"id": unmarked, "category": "rifle",
                "inadequately_marked": true, "follow_up": "destroy"})),
        ],
    );
    let stolen = LifecycleEvent::new(
        Uuid::now_v7(),
        rifle,
        EventKind::ReportedStolen,
        "2024-05-01".parse().expect("date"),
    );
    write(
        &mut reg,
        vec![staged(Record::Event(Box::new(EventDraft {
            weapon: RecordRef::Id(rifle),
            from_holder: None,
            to_holder: None,
            derive_id: false,
            event: stolen,
        })))],
    );

    // The weapon without a serial is not indexed; the others come in ordinal order.
    let mut rows: Vec<SerialRow> = Vec::new();
    reg.backend()
        .scan_serials(0, &mut |row| rows.push(row))
        .expect("scan");
    let serials: Vec<(&str, Option<&str>)> = rows
        .iter()
        .map(|r| (r.serial.as_str(), r.manufacturer.as_deref()))
        .collect();
    assert_eq!(
        serials,
        vec![("52-01234", Some("Zastava Arms")), ("X1", None)]
    );
    assert!(rows[0].ordinal < rows[1].ordinal);
    let mut after = Vec::new();
    reg.backend()
        .scan_serials(rows[0].ordinal, &mut |row| after.push(row.serial))
        .expect("scan");
    assert_eq!(after, vec!["X1".to_string()]);

    // In the order asked, an unknown ordinal skipped; each column as the record has it.
    let asked = [rows[1].ordinal, i64::MAX, rows[0].ordinal];
    let got = reg.backend().search_rows_at(&asked).expect("rows");
    let full = reg.backend().weapons_at(&asked).expect("weapons");
    assert_eq!(got.len(), 2);
    assert_eq!(full.len(), 2);
    for (row, (ordinal, stored)) in got.iter().zip(&full) {
        let w = &stored.weapon;
        assert_eq!(row.ordinal, *ordinal);
        assert_eq!(row.id, w.id);
        assert_eq!(row.serial, w.serial);
        assert_eq!(row.manufacturer, w.manufacturer);
        assert_eq!(row.model, w.model);
        assert_eq!(row.calibre, w.calibre);
        assert_eq!(row.country, w.country);
        assert_eq!(row.category, w.category);
        assert_eq!(row.unodc_type.as_deref(), w.unodc_type.map(|t| t.as_str()));
        assert_eq!(row.status, stored.status);
    }
    assert_eq!(got[0].id, bare);
    assert_eq!(got[1].id, rifle);
    assert_eq!(got[1].status, WeaponStatus::Stolen);
    assert!(got[1].unodc_type.is_some(), "{:?}", got[1]);
    assert!(reg.backend().search_rows_at(&[]).expect("none").is_empty());
}

mod sqlite {
    #[test]
    fn the_search_reads_its_columns_as_the_records_say() {
        super::the_search_reads_its_columns_as_the_records_say(super::Db::Sqlite);
    }
}

mod postgres {
    #[test]
    fn the_search_reads_its_columns_as_the_records_say() {
        super::the_search_reads_its_columns_as_the_records_say(super::Db::Postgres);
    }
}
