//! Eight writers at once, each with its own connection (as several server processes and a CLI
//! beside them would be): no write lost, one linear journal, `verify` intact. Run on a SQLite
//! file always, and on PostgreSQL when SALW_TEST_POSTGRES names a database.

use salw_store::{Backend, Record, Registry, RowError, Staged, WriteContext};
use salw_store_any::{Location, fresh_test_database};

const WRITERS: usize = 8;
const WRITES_EACH: usize = 25;

fn ctx(writer: usize) -> WriteContext {
    WriteContext {
        recorded_by: format!("writer-{writer}"),
        source: "test".into(),
        now: chrono::Utc::now(),
    }
}

fn weapon(writer: usize, n: usize) -> Result<Staged, RowError> {
    let record = serde_json::json!({
        "id": uuid::Uuid::now_v7(), "category": "revolver", "manufacturer": "Concurrent Arms",
        "country": "BE", "serial": format!("W{writer}-{n:04}"),
    });
    Ok(Staged {
        file: String::new(),
        line: 0,
        record: Record::Weapon(serde_json::from_value(record).expect("weapon")),
    })
}

fn eight_writers_keep_one_chain(location: Location) {
    let key = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
    let mut reg = Registry::new(location.open(true).expect("create"));
    reg.init(Some("KE"), &key, &ctx(0)).expect("init");
    let before = reg
        .backend()
        .journal_head()
        .expect("head")
        .map_or(0, |h| h.0);
    drop(reg);

    let start = std::sync::Arc::new(std::sync::Barrier::new(WRITERS));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let location = location.clone();
            let key = key.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let mut reg =
                    Registry::new(location.open(false).expect("open")).with_signing_key(key);
                start.wait();
                for n in 0..WRITES_EACH {
                    // One weapon and, in the same transaction, a second one: a write is
                    // several entries, and none of another writer's may come between them.
                    let outcome = reg
                        .write(
                            &ctx(writer),
                            [weapon(writer, 2 * n), weapon(writer, 2 * n + 1)],
                            &mut |_| {},
                        )
                        .expect("write");
                    assert!(outcome.committed(), "{:?}", outcome.errors);
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("a writer panicked");
    }

    let mut reg = Registry::new(location.open(false).expect("open"));
    let report = reg.verify().expect("verify");
    assert!(report.intact(), "{report:?}");
    let written = (WRITERS * WRITES_EACH * 2) as i64;
    assert_eq!(report.head_seq, before + written, "entries lost or doubled");
    assert_eq!(
        report.signed_head_seq,
        Some(report.head_seq),
        "head not signed"
    );
    assert_eq!(
        reg.backend().summary().expect("summary").weapons,
        written as u64
    );
    // Each writer's two weapons of one write are neighbours in the journal: writes never
    // interleave.
    let mut subjects = Vec::new();
    reg.backend()
        .scan_journal(&mut |e| {
            subjects.push(e.recorded_by);
            Ok(())
        })
        .expect("scan");
    let writes: Vec<_> = subjects[before as usize..].chunks(2).collect();
    assert!(
        writes.iter().all(|pair| pair[0] == pair[1]),
        "two writers' entries interleaved"
    );
}

#[test]
fn eight_writers_on_a_sqlite_file_keep_one_verifiable_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    eight_writers_keep_one_chain(Location::File(dir.path().join("r.db")));
}

#[test]
fn eight_writers_on_postgresql_keep_one_verifiable_chain() {
    let Some(url) = fresh_test_database("concurrency") else {
        return;
    };
    eight_writers_keep_one_chain(Location::Postgres(url));
}
