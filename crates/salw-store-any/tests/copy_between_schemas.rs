//! A registry copied from one schema of a PostgreSQL database into another of the same
//! database (`salw migrate` between two registries of one server): each registry has its own
//! write lock, so the copy, which holds both, does not wait for itself.

use std::sync::mpsc;
use std::time::Duration;

use salw_store::{Registry, Staged, WriteContext};
use salw_store_any::{Location, fresh_test_database};

#[test]
fn a_registry_is_copied_between_two_schemas_of_one_database() {
    let (Some(from), Some(to)) = (
        fresh_test_database("copy-from"),
        fresh_test_database("copy-to"),
    ) else {
        return;
    };
    let key = ed25519_dalek::SigningKey::from_bytes(&[4u8; 32]);
    let ctx = WriteContext {
        recorded_by: "test".into(),
        source: "test".into(),
        now: chrono::Utc::now(),
    };
    let mut reg = Registry::new(Location::Postgres(from.clone()).open(true).expect("create"));
    reg.init(Some("KE"), &key, &ctx).expect("init");
    let mut reg = reg.with_signing_key(key);
    let weapons = (0..20).map(|n| {
        let record = serde_json::json!({"id": uuid::Uuid::now_v7(), "category": "rifle",
            "manufacturer": "Schema Arms", "country": "BE", "serial": format!("S-{n}")});
        Ok::<Staged, salw_store::RowError>(Staged {
            file: String::new(),
            line: 0,
            record: salw_store::Record::Weapon(serde_json::from_value(record).expect("weapon")),
        })
    });
    assert!(
        reg.write(&ctx, weapons, &mut |_| {})
            .expect("write")
            .committed()
    );
    let head = reg.verify().expect("verify").head_hash;
    drop(reg);

    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let mut source = Location::Postgres(from).open(false).expect("open");
        let mut target = Location::Postgres(to).open(true).expect("open");
        let copied = salw_store::copy_registry(&mut source, &mut target, &mut |_, _| {})
            .map(|report| report.head_hash);
        let _ = done.send((copied, target));
    });
    let (copied, target) = finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the copy waited for itself (one lock for the whole database)");
    assert_eq!(copied.expect("copy"), head);
    let report = Registry::new(target).verify().expect("verify");
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.head_hash, head);
}
