//! The registry over PostgreSQL: the same write path as over SQLite (validation, all-or-nothing
//! batches, de-duplication, the journal chain), the bulk load with COPY and deferred indexes,
//! the search index's ordinals, the figures the reports read, and the triggers that keep the
//! journal append-only. Each test takes a fresh schema in the database `SALW_TEST_POSTGRES`
//! names, and returns early (untried) when it names none.

use chrono::NaiveDate;
use salw_core::LifecycleEvent;
use salw_core::event::{EventKind, SeizureBasis, TraceOutcome};
use salw_core::lifecycle::WeaponStatus;
use salw_store::backend::WeaponFilter;
use salw_store::{
    Backend, EventDraft, Record, RecordRef, Registry, RowError, Staged, StoreError, WriteContext,
};
use salw_store_postgres::{PgBackend, fresh_test_database};
use serde_json::json;
use uuid::Uuid;

type Row = Result<Staged, RowError>;

fn ctx() -> WriteContext {
    WriteContext {
        recorded_by: "registrar".into(),
        source: "test".into(),
        now: chrono::Utc::now(),
    }
}

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[7u8; 32])
}

/// A new registry in a fresh schema, with its URL; `None` when no server is configured.
fn registry(label: &str) -> Option<(Registry<PgBackend>, String)> {
    let url = fresh_test_database(label)?;
    let mut reg = Registry::new(PgBackend::open(&url, true).expect("open"));
    reg.init(Some("KE"), &key(), &ctx()).expect("init");
    Some((reg.with_signing_key(key()), url))
}

fn staged(record: Record) -> Row {
    Ok(Staged {
        file: "test.csv".into(),
        line: 0,
        record,
    })
}

fn weapon(id: Uuid, serial: &str) -> Row {
    weapon_json(
        json!({"id": id, "category": "rifle", "manufacturer": "Test Arms",
        "country": "BE", "model": "T1", "serial": serial}),
    )
}

fn weapon_json(v: serde_json::Value) -> Row {
    staged(Record::Weapon(serde_json::from_value(v).expect("weapon")))
}

fn person(v: serde_json::Value) -> Row {
    staged(Record::Person(serde_json::from_value(v).expect("person")))
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn event_with(
    weapon: Uuid,
    kind: EventKind,
    on: &str,
    edit: impl FnOnce(&mut LifecycleEvent),
) -> (Uuid, Row) {
    let mut e = LifecycleEvent::new(Uuid::now_v7(), weapon, kind, day(on));
    if kind == EventKind::Seized {
        e.seizure_basis = Some(SeizureBasis::CriminalOffence);
    }
    edit(&mut e);
    let id = e.id;
    let draft = EventDraft {
        weapon: RecordRef::Id(weapon),
        from_holder: e.from_holder.map(RecordRef::Id),
        to_holder: e.to_holder.map(RecordRef::Id),
        derive_id: false,
        event: e,
    };
    (id, staged(Record::Event(Box::new(draft))))
}

fn event(weapon: Uuid, kind: EventKind, on: &str) -> Row {
    event_with(weapon, kind, on, |_| {}).1
}

fn write(reg: &mut Registry<PgBackend>, rows: Vec<Row>) -> salw_store::Outcome {
    let outcome = reg.write(&ctx(), rows, &mut |_| {}).expect("write");
    assert!(outcome.committed(), "{:?}", outcome.errors);
    outcome
}

fn journal_entries(reg: &mut Registry<PgBackend>) -> u64 {
    reg.backend().summary().expect("summary").journal_entries
}

#[test]
fn weapons_persons_and_events_are_written_read_back_and_verified() {
    let Some((mut reg, _)) = registry("core write") else {
        return;
    };
    let (w1, w2, unit) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    write(
        &mut reg,
        vec![
            person(
                json!({"id": unit, "kind": "organisation", "name": "Police Armoury",
                "reference": "UNIT-1", "roles": ["state_unit"]}),
            ),
            weapon(w1, "A-1"),
            weapon_json(
                json!({"id": w2, "category": "revolver", "reference": "OLD-77",
                "inadequately_marked": true, "follow_up": "mark_and_record"}),
            ),
            event_with(w1, EventKind::Transferred, "2024-01-10", |e| {
                e.to_holder = Some(unit)
            })
            .1,
        ],
    );
    let stored = reg.backend().weapon(w1).expect("read").expect("w1");
    assert_eq!(stored.holder, Some(unit));
    assert_eq!(stored.weapon.serial.as_deref(), Some("A-1"));
    assert_eq!(reg.backend().weapon(Uuid::now_v7()).expect("read"), None);
    assert_eq!(
        reg.backend().weapon_id_by_reference("OLD-77").expect("ref"),
        Some(w2)
    );
    assert_eq!(
        reg.backend().person_id_by_reference("UNIT-1").expect("ref"),
        Some(unit)
    );
    assert_eq!(
        reg.backend().person(unit).expect("person").map(|p| p.name),
        Some("Police Armoury".to_owned())
    );
    let timeline = reg.timeline(w1).expect("timeline");
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].event.kind, EventKind::Transferred);
    assert_eq!(timeline[0].recorded_by, "registrar");

    let summary = reg.backend().summary().expect("summary");
    assert_eq!(
        (summary.weapons, summary.persons, summary.events),
        (2, 1, 1)
    );
    assert_eq!(
        summary.by_category,
        vec![("revolver".to_owned(), 1), ("rifle".to_owned(), 1)]
    );
    assert_eq!(summary.by_event_kind, vec![("transferred".to_owned(), 1)]);
    // The revolver has no serial: it awaits a unique mark.
    assert_eq!(summary.inadequately_marked, 1);
    assert_eq!(reg.backend().marking_counts().expect("counts"), (2, 1));

    let pistols = reg
        .backend()
        .list_weapons(&WeaponFilter {
            category: Some("Revolver".into()),
            limit: 10,
            ..Default::default()
        })
        .expect("list");
    assert_eq!(pistols.len(), 1);
    assert_eq!(pistols[0].weapon.id, w2);
    let by_serial = reg
        .backend()
        .list_weapons(&WeaponFilter {
            serial: Some("A-1".into()),
            status: Some(stored.status),
            limit: 10,
            ..Default::default()
        })
        .expect("list");
    assert_eq!(by_serial.len(), 1);
    assert_eq!(reg.backend().recent_events(5).expect("recent").len(), 1);

    let (mut persons, mut weapons, mut events) = (0, Vec::new(), 0);
    reg.backend()
        .scan_persons(&mut |_| {
            persons += 1;
            Ok(())
        })
        .expect("persons");
    reg.backend()
        .scan_weapons(&mut |w| {
            weapons.push(w.id);
            Ok(())
        })
        .expect("weapons");
    reg.backend()
        .scan_events(&mut |_| {
            events += 1;
            Ok(())
        })
        .expect("events");
    assert_eq!((persons, weapons, events), (1, vec![w1, w2], 1));
    assert!(
        reg.backend()
            .meta_entries()
            .expect("meta")
            .iter()
            .any(|(k, _)| k == "public_key" || k == "node"),
        "the node's settings are kept"
    );

    let report = reg.verify().expect("verify");
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.entries, summary.journal_entries);
    assert_eq!(report.signed_head_seq, Some(report.head_seq));
}

#[test]
fn a_batch_with_an_impossible_history_writes_nothing() {
    let Some((mut reg, _)) = registry("all or nothing") else {
        return;
    };
    let w1 = Uuid::now_v7();
    write(&mut reg, vec![weapon(w1, "B-1")]);
    let before = journal_entries(&mut reg);
    let w2 = Uuid::now_v7();
    // A good weapon, a good event, then one that cannot happen: a weapon never lost or stolen
    // is not "recovered".
    let outcome = reg
        .write(
            &ctx(),
            vec![
                weapon(w2, "B-2"),
                event(w1, EventKind::Seized, "2024-02-01"),
                event(w2, EventKind::Recovered, "2024-02-02"),
            ],
            &mut |_| {},
        )
        .expect("write");
    assert!(!outcome.committed());
    assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
    assert!(
        outcome.errors[0].reason.contains("impossible history"),
        "{:?}",
        outcome.errors
    );
    assert_eq!(reg.backend().weapon(w2).expect("read"), None);
    assert!(reg.backend().events_of(w1).expect("events").is_empty());
    assert_eq!(journal_entries(&mut reg), before);
    assert!(reg.verify().expect("verify").intact());

    // The same registration again changes nothing; other data under its id or key is refused,
    // without aborting the transaction for the rows after it.
    let again = write(&mut reg, vec![weapon(w1, "B-1")]);
    assert_eq!((again.unchanged, again.weapons_added), (1, 0));
    let outcome = reg
        .write(
            &ctx(),
            vec![
                weapon_json(json!({"id": w1, "category": "shotgun", "serial": "Z-1",
                    "manufacturer": "Other Arms", "country": "IT"})),
                weapon(Uuid::now_v7(), "B-1"),
                weapon(Uuid::now_v7(), "B-3"),
            ],
            &mut |_| {},
        )
        .expect("write");
    let fields: Vec<&str> = outcome.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["id", "serial"], "{:?}", outcome.errors);
    assert_eq!(journal_entries(&mut reg), before);
}

#[test]
fn the_journal_refuses_changes_and_verify_finds_what_goes_around_the_triggers() {
    let Some((mut reg, _)) = registry("tamper") else {
        return;
    };
    let w = Uuid::now_v7();
    write(&mut reg, vec![weapon(w, "T-1")]);
    let seq = reg
        .backend()
        .weapon(w)
        .expect("read")
        .expect("w")
        .registered_seq;
    let client = reg.backend().client();
    let refused = client
        .execute("UPDATE journal SET payload = 'x' WHERE seq = $1", &[&seq])
        .expect_err("refused");
    assert!(
        refused
            .as_db_error()
            .is_some_and(|e| e.message().contains("append-only")),
        "{refused}"
    );
    assert!(client.execute("DELETE FROM journal", &[]).is_err());
    assert!(client.batch_execute("TRUNCATE journal").is_err());
    assert!(reg.verify().expect("verify").intact());

    // Behind the program's back: the trigger disabled, a serial changed.
    reg.backend()
        .client()
        .batch_execute(&format!(
            "ALTER TABLE journal DISABLE TRIGGER journal_no_update;
             UPDATE journal SET payload = replace(payload, 'T-1', 'T-9') WHERE seq = {seq};"
        ))
        .expect("tamper");
    let report = reg.verify().expect("verify");
    assert_eq!(report.first_broken, Some(seq), "{report:?}");
}

#[test]
fn a_bulk_load_copies_its_rows_and_builds_the_indexes_once() {
    let Some((mut reg, _)) = registry("bulk") else {
        return;
    };
    let owner = Uuid::now_v7();
    let shape = schema_shape(&mut reg);
    let entries_before: i64 = reg
        .backend()
        .client()
        .query_one("SELECT count(*) FROM journal", &[])
        .expect("count")
        .get(0);
    // Six COPY chunks of 10,000 rows (a weapon is a journal row and a projection row): the
    // buffers of the first chunks come back from the COPY thread and are filled again.
    let n = 30_000;
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    let mut rows = vec![person(
        json!({"id": owner, "kind": "individual", "name": "A Owner",
        "sex": "female", "roles": ["licensee"]}),
    )];
    rows.extend(
        ids.iter()
            .enumerate()
            .map(|(i, id)| weapon(*id, &format!("S-{i}"))),
    );
    // An event in the same file reads the weapons: what was buffered must be there.
    rows.push(
        event_with(ids[7], EventKind::Transferred, "2024-03-01", |e| {
            e.to_holder = Some(owner)
        })
        .1,
    );
    rows.push(weapon(Uuid::now_v7(), "LATE-1"));
    let outcome = reg
        .write_bulk(&ctx(), rows, &mut |_| {})
        .expect("bulk")
        .expect("no clash");
    assert!(outcome.committed(), "{:?}", outcome.errors);
    assert_eq!(
        (
            outcome.weapons_added,
            outcome.persons_added,
            outcome.events_added
        ),
        (n as u64 + 1, 1, 1)
    );
    assert_eq!(
        reg.backend()
            .weapon(ids[7])
            .expect("read")
            .expect("w")
            .holder,
        Some(owner)
    );
    let report = reg.verify().expect("verify");
    assert!(report.intact(), "{report:?}");
    // Every row once: a buffer filled again without being emptied would send its rows twice.
    let (rows, serials, entries): (i64, i64, i64) = {
        let row = reg
            .backend()
            .client()
            .query_one(
                "SELECT (SELECT count(*) FROM weapons), (SELECT count(DISTINCT serial) FROM weapons),
                        (SELECT count(*) FROM journal)",
                &[],
            )
            .expect("counts");
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!((rows, serials), (n as i64 + 1, n as i64 + 1));
    // One entry per record: the weapons, the person and the event.
    assert_eq!(entries - entries_before, n as i64 + 3);

    // Everything dropped for the load is back, as the migrations made it: indexes, primary
    // keys (the journal's too, as it is short) and the foreign keys to weapons.
    assert_eq!(schema_shape(&mut reg), shape);

    // Ordinals: one per weapon with a serial, in registration order.
    let mut serials = Vec::new();
    reg.backend()
        .scan_serials(0, &mut |row| serials.push((row.ordinal, row.serial)))
        .expect("serials");
    assert_eq!(serials.len(), n + 1);
    assert!(serials.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(serials[0].1, "S-0");
    assert_eq!(serials[n].1, "LATE-1");
    // The loaded weapons were given their ordinals one after the other; the weapon written
    // after the event (row by row, once the indexes were built) drew the next one from the
    // sequence, which the load had moved past its own.
    assert!(serials.windows(2).all(|w| w[1].0 == w[0].0 + 1), "gap");
    let at = reg
        .backend()
        .weapons_at(&[serials[5].0, i64::MAX, serials[0].0])
        .expect("at");
    let got: Vec<(i64, Uuid)> = at.iter().map(|(o, w)| (*o, w.weapon.id)).collect();
    assert_eq!(got, vec![(serials[5].0, ids[5]), (serials[0].0, ids[0])]);

    // A weapon registered later comes after the last one indexed.
    let last = serials[n].0;
    let later = Uuid::now_v7();
    write(&mut reg, vec![weapon(later, "NEW-1")]);
    let mut delta = Vec::new();
    reg.backend()
        .scan_serials(last, &mut |row| delta.push((row.ordinal, row.serial)))
        .expect("serials");
    assert_eq!(delta.len(), 1);
    assert_eq!(delta[0].1, "NEW-1");
    assert_eq!(delta[0].0, last + 1);
    assert_eq!(
        reg.backend().weapons_at(&[delta[0].0]).expect("at")[0]
            .1
            .weapon
            .id,
        later
    );

    // A second bulk load into a registry that is no longer empty goes row by row, and a clash
    // there is reported as usual.
    let clash = reg
        .write_bulk(&ctx(), vec![weapon(Uuid::now_v7(), "S-3")], &mut |_| {})
        .expect("bulk")
        .expect("not deferred");
    assert!(!clash.committed());
    assert_eq!(clash.errors[0].field, "serial");
}

#[test]
fn a_clash_in_a_bulk_load_writes_nothing_and_asks_for_the_row_by_row_pass() {
    let Some((mut reg, _)) = registry("bulk clash") else {
        return;
    };
    let before = journal_entries(&mut reg);
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let rows = || {
        vec![
            weapon(a, "C-1"),
            weapon(b, "C-2"),
            // Another weapon with the first one's identity key.
            weapon(Uuid::now_v7(), "C-1"),
        ]
    };
    let rerun = reg.write_bulk(&ctx(), rows(), &mut |_| {}).expect("bulk");
    assert!(
        rerun.is_none(),
        "the clash is found when the indexes are built"
    );
    assert_eq!(reg.backend().summary().expect("summary").weapons, 0);
    assert_eq!(journal_entries(&mut reg), before);
    // The rollback brought the unique indexes back: the row-by-row pass names the line.
    let outcome = reg.write(&ctx(), rows(), &mut |_| {}).expect("write");
    assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
    assert_eq!(outcome.errors[0].field, "serial");
    assert_eq!(journal_entries(&mut reg), before);

    // The same record twice in a bulk file: a clash for the indexes, unchanged for the rerun.
    let twice = || vec![weapon(a, "C-1"), weapon(a, "C-1"), weapon(b, "C-2")];
    assert!(
        reg.write_bulk(&ctx(), twice(), &mut |_| {})
            .expect("bulk")
            .is_none()
    );
    let outcome = write(&mut reg, twice());
    assert_eq!((outcome.weapons_added, outcome.unchanged), (2, 1));

    // Two weapons with one outside reference: its index stays through a load, and refuses
    // the second row in the weapons' COPY, which is a clash as well.
    let mut reg3 = registry("bulk reference")
        .map(|(r, _)| r)
        .expect("third schema");
    let referenced = |id: Uuid, serial: &str| {
        weapon_json(
            json!({"id": id, "reference": "LEDGER-7", "category": "rifle",
            "manufacturer": "Test Arms", "country": "BE", "model": "T1", "serial": serial}),
        )
    };
    let (c, d) = (Uuid::now_v7(), Uuid::now_v7());
    let same_reference = || vec![referenced(c, "R-1"), weapon(b, "R-2"), referenced(d, "R-3")];
    assert!(
        reg3.write_bulk(&ctx(), same_reference(), &mut |_| {})
            .expect("bulk")
            .is_none(),
        "a clash of references asks for the row-by-row pass"
    );
    assert_eq!(reg3.backend().summary().expect("summary").weapons, 0);
    let outcome = reg3
        .write(&ctx(), same_reference(), &mut |_| {})
        .expect("write");
    assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
    assert_eq!(outcome.errors[0].field, "reference");
    assert!(
        outcome.errors[0].reason.contains(&c.to_string()[..8]),
        "names the weapon that has it: {}",
        outcome.errors[0].reason
    );

    // Two persons with one reference: the persons' unique indexes stay through a load (they
    // are sent with COPY too), and refuse the second row, which is a clash as well.
    let persons_before = reg3.backend().summary().expect("summary").persons;
    let (p, q) = (Uuid::now_v7(), Uuid::now_v7());
    let unit = |id: Uuid, name: &str| {
        person(json!({"id": id, "kind": "organisation", "name": name,
            "reference": "UNIT-9", "roles": ["state_unit"]}))
    };
    let same_unit = || vec![unit(p, "Armoury"), weapon(c, "U-1"), unit(q, "Depot")];
    assert!(
        reg3.write_bulk(&ctx(), same_unit(), &mut |_| {})
            .expect("bulk")
            .is_none(),
        "a clash of persons' references asks for the row-by-row pass"
    );
    let summary = reg3.backend().summary().expect("summary");
    assert_eq!((summary.weapons, summary.persons), (0, persons_before));
    let outcome = reg3.write(&ctx(), same_unit(), &mut |_| {}).expect("write");
    assert_eq!(outcome.errors.len(), 1, "{:?}", outcome.errors);
    assert_eq!(outcome.errors[0].field, "reference");
    assert!(
        outcome.errors[0].reason.contains(&p.to_string()[..8]),
        "names the person that has it: {}",
        outcome.errors[0].reason
    );
    // A person already registered, sent again with a bulk load: unchanged, not a clash, and
    // found so at once (persons go row by row into a registry that has some), without a
    // second pass over the load.
    assert_eq!(write(&mut reg3, vec![unit(p, "Armoury")]).persons_added, 1);
    let outcome = reg3
        .write_bulk(
            &ctx(),
            vec![unit(p, "Armoury"), weapon(c, "U-1")],
            &mut |_| {},
        )
        .expect("bulk")
        .expect("no second pass");
    assert!(outcome.committed(), "{:?}", outcome.errors);
    assert_eq!(
        (
            outcome.persons_added,
            outcome.weapons_added,
            outcome.unchanged
        ),
        (0, 1, 1)
    );

    // A clean bulk load after all that.
    let mut reg2 = registry("bulk clean")
        .map(|(r, _)| r)
        .expect("second schema");
    let clean = reg2
        .write_bulk(&ctx(), rows().into_iter().take(2), &mut |_| {})
        .expect("bulk")
        .expect("no clash");
    assert_eq!(clean.weapons_added, 2);
    assert!(reg2.verify().expect("verify").intact());
}

#[test]
fn recoveries_transfers_and_period_counts_read_the_period_without_superseded_events() {
    let Some((mut reg, _)) = registry("period") else {
        return;
    };
    let (female, male, nameless, org) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let w: Vec<Uuid> = (0..6).map(|_| Uuid::now_v7()).collect();
    let mut rows = vec![
        person(
            json!({"id": female, "kind": "individual", "name": "F", "sex": "female",
            "roles": ["licensee"]}),
        ),
        person(
            json!({"id": male, "kind": "individual", "name": "M", "sex": "male",
            "roles": ["licensee", "victim"]}),
        ),
        person(json!({"id": nameless, "kind": "individual", "name": "N",
            "roles": ["licensee"]})),
        person(
            json!({"id": org, "kind": "organisation", "name": "Dealer Ltd",
            "roles": ["licensee", "dealer"]}),
        ),
    ];
    for (i, id) in w.iter().enumerate() {
        rows.push(weapon(*id, &format!("P-{i}")));
    }
    let (_, seized) = event_with(w[0], EventKind::Seized, "2024-03-01", |e| {
        e.from_holder = Some(female)
    });
    let (_, found) = event_with(w[1], EventKind::Found, "2024-05-01", |_| {});
    let (_, early) = event_with(w[2], EventKind::Surrendered, "2023-12-31", |_| {});
    let (wrong, admin) = event_with(w[3], EventKind::Seized, "2024-06-01", |e| {
        e.seizure_basis = Some(SeizureBasis::AdministrativeViolation)
    });
    let (_, traced) = event_with(w[1], EventKind::Traced, "2024-07-01", |e| {
        e.trace_outcome = Some(TraceOutcome::EstablishedByTracing)
    });
    let (exported, export) = event_with(w[4], EventKind::Exported, "2024-02-01", |e| {
        e.country = Some("DE".into())
    });
    rows.extend([seized, found, early, admin, traced, export]);
    write(&mut reg, rows);
    // The administrative seizure was a criminal one: a correction replaces it.
    let (_, fix) = event_with(w[3], EventKind::Seized, "2024-06-01", |e| {
        e.supersedes = Some(wrong);
        e.reason = Some("entered with the wrong basis".into());
    });
    write(&mut reg, vec![fix]);

    let mut recoveries = Vec::new();
    reg.backend()
        .recoveries("2024-01-01", "2024-12-31", &mut |r| {
            recoveries.push(r);
            Ok(())
        })
        .expect("recoveries");
    recoveries.sort_by(|a, b| (&a.occurred_on, &a.kind).cmp(&(&b.occurred_on, &b.kind)));
    let seen: Vec<(&str, &str, bool)> = recoveries
        .iter()
        .map(|r| (r.occurred_on.as_str(), r.kind.as_str(), r.criminal))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("2024-03-01", "seized", true),
            ("2024-05-01", "found", false),
            ("2024-06-01", "seized", true),
        ]
    );
    assert!(
        recoveries
            .iter()
            .all(|r| r.uniquely_marked && r.category == "rifle")
    );
    assert_eq!(
        recoveries
            .iter()
            .find(|r| r.kind == "found")
            .and_then(|r| r.tracing.clone())
            .as_deref(),
        Some("established_by_tracing")
    );

    let mut period = Vec::new();
    reg.backend()
        .period_recoveries("2024-01-01", "2024-12-31", &mut |r| {
            period.push(r);
            Ok(())
        })
        .expect("period recoveries");
    assert_eq!(period.len(), 3);
    let from_person: Vec<_> = period
        .iter()
        .filter_map(|r| r.from_holder.clone())
        .collect();
    assert_eq!(
        from_person,
        vec![(female.hyphenated().to_string(), Some("female".to_owned()))]
    );

    let counts = reg
        .backend()
        .period_event_counts("2024-01-01", "2024-12-31")
        .expect("counts");
    assert_eq!(counts.by_kind.get("seized"), Some(&2));
    assert_eq!(counts.by_kind.get("found"), Some(&1));
    assert_eq!(counts.by_kind.get("exported"), Some(&1));
    assert_eq!(counts.by_kind.get("surrendered"), None);
    assert_eq!(
        counts.traces_by_outcome.into_iter().collect::<Vec<_>>(),
        vec![("established_by_tracing".to_owned(), 1)]
    );

    let mut transfers = Vec::new();
    reg.backend()
        .period_transfers("2024-01-01", "2024-12-31", &mut |t| {
            transfers.push(t);
            Ok(())
        })
        .expect("transfers");
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0].event_id, exported);
    assert_eq!(transfers[0].weapon_id, w[4]);
    assert_eq!(transfers[0].country.as_deref(), Some("DE"));
    assert_eq!(transfers[0].kind, "exported");
    let none = reg
        .backend()
        .period_event_counts("2025-01-01", "2025-12-31")
        .expect("counts");
    assert!(none.by_kind.is_empty());

    // Licensed individuals by sex, the one without a recorded sex first; not the dealer.
    assert_eq!(
        reg.backend().licensees_by_sex().expect("licensees"),
        vec![
            (None, 1),
            (Some("female".to_owned()), 1),
            (Some("male".to_owned()), 1)
        ]
    );
    let summary = reg.backend().summary().expect("summary");
    assert_eq!(summary.by_status.iter().map(|(_, n)| n).sum::<u64>(), 6);
    assert_eq!(
        reg.backend().weapon(w[3]).expect("read").expect("w").status,
        WeaponStatus::Seized
    );
}

#[test]
fn photos_answers_and_releases_are_kept() {
    use salw_store::reports::{ReportAnswer, current_answers, record_answers};
    let Some((mut reg, _)) = registry("photos answers") else {
        return;
    };
    let w = Uuid::now_v7();
    write(&mut reg, vec![weapon(w, "PH-1")]);
    let jpeg: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
    ];
    let (photo, added) = reg
        .add_photo(&ctx(), w, jpeg, Some("left side"))
        .expect("store")
        .expect("a JPEG");
    assert!(added);
    let (_, again) = reg
        .add_photo(&ctx(), w, jpeg, None)
        .expect("store")
        .expect("a JPEG");
    assert!(!again);
    let photos = reg.backend().photos_of(w).expect("photos");
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].photo.caption.as_deref(), Some("left side"));
    assert_eq!(
        reg.backend().photo_hashes().expect("hashes"),
        vec![photo.hash.clone()]
    );
    assert!(reg.verify().expect("verify").intact());
    assert!(
        reg.backend()
            .client()
            .execute("DELETE FROM blobs", &[])
            .is_err()
    );
    reg.backend()
        .client()
        .batch_execute(
            "ALTER TABLE blobs DISABLE TRIGGER blobs_no_update;
             UPDATE blobs SET bytes = '\\xffd8ff00'::bytea;",
        )
        .expect("tamper");
    let report = reg.verify().expect("verify");
    assert_eq!(report.broken_photo.as_deref(), Some(photo.hash.as_str()));

    let given = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(q, a)| (q.to_string(), a.to_string()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let b = reg.backend();
    let recorded = record_answers(
        b,
        "poa-2024",
        "2022-01-01",
        "2023-12-31",
        &given(&[("1.1", "yes"), ("1.4", "Ms A")]),
        "ana",
        "2026-01-01T00:00:00Z",
    )
    .expect("record");
    assert_eq!(recorded, 2);
    let next = current_answers(b, "poa-2024", "2024-01-01", "2025-12-31").expect("current");
    assert!(next["1.1"].carried);
    let all: Vec<ReportAnswer> = b.report_answers("poa-2024").expect("answers");
    assert_eq!(all.len(), 2);
    assert!(all[0].seq < all[1].seq);
    assert!(
        b.client()
            .execute("UPDATE report_answers SET answer = 'no'", &[])
            .is_err()
    );

    let release = salw_store::reports::Release {
        seq: 0,
        indicator: "16.4.2".into(),
        period_from: "2024-01-01".into(),
        period_to: "2024-12-31".into(),
        profile: "standard".into(),
        released_at: "2025-01-05T00:00:00Z".into(),
        released_by: "ana".into(),
        numerator: 3,
        denominator: 4,
        percent: None,
        figures: "{}".into(),
        revises: None,
    };
    let first = b.insert_release(&release).expect("release");
    let second = b
        .insert_release(&salw_store::reports::Release {
            numerator: 4,
            revises: Some(first),
            ..release.clone()
        })
        .expect("revision");
    assert!(second > first);
    let all = b.releases("16.4.2", None, None).expect("releases");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].revises, Some(first));
    assert_eq!(all[0].percent, Some(75.0));
    let narrowed = b
        .releases(
            "16.4.2",
            Some(("2024-01-01", "2024-12-31")),
            Some("standard"),
        )
        .expect("releases");
    assert_eq!(narrowed.len(), 2);
    assert!(
        b.releases("16.4.2", Some(("2023-01-01", "2023-12-31")), None)
            .expect("releases")
            .is_empty()
    );
    assert!(
        b.client()
            .execute("DELETE FROM indicator_releases", &[])
            .is_err()
    );

    // What copying a whole registry reads: everything, in the order kept.
    assert_eq!(b.all_releases().expect("all").len(), 2);
    assert_eq!(b.all_report_answers().expect("all").len(), 2);
    assert_eq!(b.blob_hashes().expect("blobs"), vec![photo.hash.clone()]);
    let mut heads = Vec::new();
    b.scan_signed_heads(&mut |h| {
        heads.push(h.seq);
        Ok(())
    })
    .expect("heads");
    assert!(
        heads.len() >= 2 && heads.windows(2).all(|w| w[0] < w[1]),
        "{heads:?}"
    );
    assert_eq!(
        heads.last().copied(),
        b.last_signed_head().expect("head").map(|h| h.seq)
    );
}

#[test]
fn writers_in_several_connections_take_turns_and_the_chain_never_forks() {
    let Some((mut reg, url)) = registry("concurrent") else {
        return;
    };
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut reg = Registry::new(PgBackend::open(&url, false).expect("open"))
                    .with_signing_key(key());
                for i in 0..15 {
                    let outcome = reg
                        .write(
                            &ctx(),
                            vec![weapon(Uuid::now_v7(), &format!("C{t}-{i}"))],
                            &mut |_| {},
                        )
                        .expect("write");
                    assert!(outcome.committed(), "{:?}", outcome.errors);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("writer");
    }
    let report = reg.verify().expect("verify");
    assert!(report.intact(), "{report:?}");
    assert_eq!(reg.backend().summary().expect("summary").weapons, 45);
    let mut ordinals = Vec::new();
    reg.backend()
        .scan_serials(0, &mut |row| ordinals.push(row.ordinal))
        .expect("serials");
    assert_eq!(ordinals.len(), 45);
}

#[test]
fn a_bulk_load_keeps_the_primary_key_of_a_long_journal() {
    let Some(url) = fresh_test_database("long journal") else {
        return;
    };
    let mut b = PgBackend::open(&url, true).expect("open");
    let primary_keys = |b: &mut PgBackend| -> Vec<String> {
        b.client()
            .query(
                "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'p'
                   AND conrelid IN ('weapons'::regclass, 'journal'::regclass) ORDER BY 1",
                &[],
            )
            .expect("primary keys")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    // A journal past 10,000 entries (persons, say) with no weapon yet: rebuilding its key
    // would sort every old entry, so the load keeps it, and drops only the weapons' key.
    b.begin().expect("begin");
    b.client()
        .execute(
            "INSERT INTO journal (seq, id, kind, subject, occurred_at, recorded_at,
                                  recorded_by, source, payload, hash)
             VALUES (10001, $1, 'person.registered', 'person:x', 't', 't', 't', 't', '{}',
                     '\\x00')",
            &[&Uuid::now_v7()],
        )
        .expect("a long journal");
    assert!(b.defer_weapon_indexes().expect("defer"));
    assert_eq!(primary_keys(&mut b), ["journal"]);
    b.build_deferred_indexes().expect("build");
    assert_eq!(primary_keys(&mut b), ["journal", "weapons"]);
    b.rollback().expect("rollback");

    // A short one is dropped with the weapons' key.
    b.begin().expect("begin");
    assert!(b.defer_weapon_indexes().expect("defer"));
    assert_eq!(primary_keys(&mut b), Vec::<String>::new());
    b.rollback().expect("rollback");
    assert_eq!(primary_keys(&mut b), ["journal", "weapons"]);
}

#[test]
fn deferred_rows_wait_for_copy_until_something_reads_them() {
    use salw_core::lifecycle::WeaponState;
    use salw_store::{JournalEntry, StoreError};
    let Some(url) = fresh_test_database("deferred") else {
        return;
    };
    let mut b = PgBackend::open(&url, true).expect("open");
    // weapons_holder and weapons_reference stay during a load (a registered weapon has no
    // holder, and few have a reference).
    let secondary = |b: &mut PgBackend| -> i64 {
        b.client()
            .query_one(
                "SELECT count(*) FROM pg_index WHERE indrelid = 'weapons'::regclass
                   AND NOT indisprimary AND indexrelid <> 'weapons_holder'::regclass
                   AND indexrelid <> 'weapons_reference'::regclass",
                &[],
            )
            .expect("indexes")
            .get(0)
    };
    let in_table = |b: &mut PgBackend| -> i64 {
        b.client()
            .query_one("SELECT count(*) FROM weapons", &[])
            .expect("count")
            .get(0)
    };
    let indexes = secondary(&mut b);
    assert!(indexes >= 2, "{indexes}");
    assert!(!b.defer_weapon_indexes().expect("outside a transaction"));
    b.begin().expect("begin");
    assert!(b.defer_weapon_indexes().expect("defer"));
    assert_eq!(secondary(&mut b), 0, "dropped for the load");
    let w: salw_core::Weapon = serde_json::from_value(json!({"id": Uuid::now_v7(),
        "category": "rifle", "serial": "D-1", "manufacturer": "M", "country": "BE"}))
    .expect("weapon");
    let state = WeaponState::initial(&w);
    let entry = JournalEntry {
        seq: 1,
        id: Uuid::now_v7(),
        kind: "weapon.registered".into(),
        subject: format!("weapon:{}", w.id),
        occurred_at: "2024-01-01".into(),
        recorded_at: "2024-01-01T00:00:00Z".into(),
        recorded_by: "t".into(),
        source: "t".into(),
        payload: serde_json::to_string(&w).expect("json"),
        hash: [1; 32],
    };
    assert_eq!(
        b.insert_weapon(&w, Some("k"), &state, 1).expect("insert"),
        None
    );
    b.append(&entry).expect("append");
    assert_eq!(in_table(&mut b), 0, "buffered, not yet sent");
    assert_eq!(b.journal_head().expect("head"), Some((1, [1; 32])));
    assert_eq!(in_table(&mut b), 1, "sent before the read");
    // The same id again: no clash while deferred, one when the indexes are built.
    assert_eq!(
        b.insert_weapon(&w, Some("k"), &state, 2).expect("insert"),
        None
    );
    assert!(matches!(
        b.build_deferred_indexes(),
        Err(StoreError::DeferredClash)
    ));
    b.rollback().expect("rollback");
    assert_eq!(secondary(&mut b), indexes, "the rollback brings them back");
    assert_eq!(in_table(&mut b), 0);

    // Deferred, then read by id: built again at once, and the row is found.
    b.begin().expect("begin");
    assert!(b.defer_weapon_indexes().expect("defer"));
    assert_eq!(
        b.insert_weapon(&w, Some("k"), &state, 1).expect("insert"),
        None
    );
    b.append(&entry).expect("append");
    assert_eq!(
        b.weapon(w.id).expect("read").map(|s| s.weapon),
        Some(w.clone())
    );
    assert_eq!(secondary(&mut b), indexes);
    assert_eq!(
        b.insert_weapon(&w, Some("k"), &state, 2).expect("insert"),
        Some(salw_store::Clash::Id)
    );
    b.commit().expect("commit");
    assert_eq!(in_table(&mut b), 1);
}

#[test]
fn a_copy_that_fails_in_the_background_is_the_loads_error_and_nothing_is_committed() {
    use salw_core::lifecycle::WeaponState;
    // A rule the server enforces and the registry does not know: the batch holding the row
    // that breaks it fails its COPY on the COPY thread, while the next rows are prepared.
    const RULE: &str = "ALTER TABLE weapons ADD CONSTRAINT no_bad_serial CHECK (serial <> 'BAD-1')";
    let Some((mut reg, _)) = registry("copy failure") else {
        return;
    };
    reg.backend()
        .client()
        .batch_execute(RULE)
        .expect("constraint");
    let before = journal_entries(&mut reg);
    let mut rows: Vec<Row> = (0..25_000)
        .map(|i| weapon(Uuid::now_v7(), &format!("F-{i}")))
        .collect();
    rows[10] = weapon(Uuid::now_v7(), "BAD-1");
    let failed = reg
        .write_bulk(&ctx(), rows, &mut |_| {})
        .expect_err("the failed COPY is the load's error");
    assert!(failed.to_string().contains("no_bad_serial"), "{failed}");
    assert_eq!(reg.backend().summary().expect("summary").weapons, 0);
    assert_eq!(journal_entries(&mut reg), before);
    // The indexes the load dropped are back, and the registry writes again.
    write(&mut reg, vec![weapon(Uuid::now_v7(), "F-OK")]);
    assert_eq!(reg.backend().summary().expect("summary").weapons, 1);

    // Straight on the backend: the error comes back from a later call, at the latest from
    // commit, which then refuses to commit.
    let Some(url) = fresh_test_database("copy failure backend") else {
        return;
    };
    let mut b = PgBackend::open(&url, true).expect("open");
    b.client().batch_execute(RULE).expect("constraint");
    b.begin().expect("begin");
    assert!(b.defer_weapon_indexes().expect("defer"));
    let mut seen = None;
    for i in 0..25_000i64 {
        let serial = if i == 3 {
            "BAD-1".to_owned()
        } else {
            format!("G-{i}")
        };
        let w: salw_core::Weapon = serde_json::from_value(json!({"id": Uuid::now_v7(),
            "category": "rifle", "serial": serial, "manufacturer": "M", "country": "BE"}))
        .expect("weapon");
        if let Err(e) = b.insert_weapon(&w, None, &WeaponState::initial(&w), i + 1) {
            seen = Some(e.to_string());
            break;
        }
    }
    let refused = b.commit().expect_err("a failed COPY never commits");
    let error = seen.unwrap_or_else(|| refused.to_string());
    assert!(error.contains("no_bad_serial"), "{error}");
    let weapons: i64 = b
        .client()
        .query_one("SELECT count(*) FROM weapons", &[])
        .expect("count")
        .get(0);
    assert_eq!(weapons, 0);
}

/// What a schema holds of indexes and constraints on the tables a bulk load drops them from,
/// without the schema's name: the same in a copy as in its source.
fn schema_shape(reg: &mut Registry<PgBackend>) -> Vec<String> {
    reg.backend()
        .client()
        .query(
            "SELECT 'index ' || replace(indexdef, current_schema() || '.', '')
             FROM pg_indexes
             WHERE schemaname = current_schema()
               AND tablename IN ('events', 'weapons', 'journal', 'persons')
             UNION ALL
             SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)
             FROM pg_constraint
             WHERE connamespace = current_schema()::regnamespace
             ORDER BY 1",
            &[],
        )
        .expect("shape")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// `salw migrate` into PostgreSQL: the journal, weapons, persons and events go with COPY and
/// the indexes and keys dropped for it (the events' too, at the first event) are all back
/// after the copy, as the migrations made them; the copy reads the same as its source.
#[test]
fn a_copy_into_an_empty_registry_builds_every_index_it_dropped_again() {
    let (Some((mut source, _)), Some(target_url)) =
        (registry("copy source"), fresh_test_database("copy target"))
    else {
        return;
    };
    let owner = Uuid::now_v7();
    let w: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
    let mut rows = vec![person(
        json!({"id": owner, "kind": "individual", "name": "A Owner", "sex": "male",
        "roles": ["licensee"]}),
    )];
    rows.extend(
        w.iter()
            .enumerate()
            .map(|(i, id)| weapon(*id, &format!("M-{i}"))),
    );
    write(&mut source, rows);
    let (seizure, seized) = event_with(w[0], EventKind::Seized, "2024-03-01", |e| {
        e.from_holder = Some(owner)
    });
    write(
        &mut source,
        vec![
            event_with(w[1], EventKind::Transferred, "2024-01-01", |e| {
                e.to_holder = Some(owner)
            })
            .1,
            seized,
            event(w[2], EventKind::Found, "2024-04-01"),
        ],
    );
    // A correction: the seizure withdrawn.
    write(
        &mut source,
        vec![
            event_with(w[0], EventKind::Seized, "2024-03-02", |e| {
                e.supersedes = Some(seizure);
                e.reason = Some("the date was misread".into());
                e.from_holder = Some(owner);
            })
            .1,
        ],
    );

    let mut target = Registry::new(PgBackend::open(&target_url, true).expect("open"));
    let shape = schema_shape(&mut target);
    let report = salw_store::copy_registry(source.backend(), target.backend(), &mut |_, _| {})
        .expect("copy");
    assert_eq!(report.events, 4);
    assert_eq!(
        schema_shape(&mut target),
        shape,
        "what the load dropped is back"
    );
    assert!(
        shape
            .iter()
            .any(|s| s.starts_with("index CREATE INDEX events_weapon")),
        "{shape:?}"
    );
    assert!(target.verify().expect("verify").intact());
    let recoveries = |reg: &mut Registry<PgBackend>| {
        let mut found = Vec::new();
        reg.backend()
            .period_recoveries("2024-01-01", "2024-12-31", &mut |r| {
                found.push(format!("{r:?}"));
                Ok(())
            })
            .expect("recoveries");
        // In no promised order.
        found.sort();
        found
    };
    let from_source = recoveries(&mut source);
    assert_eq!(from_source.len(), 2, "the withdrawn seizure is left out");
    assert_eq!(recoveries(&mut target), from_source);
    for id in &w {
        let events = |reg: &mut Registry<PgBackend>| {
            let weapon = reg.backend().weapon(*id).expect("read").expect("weapon");
            let events: Vec<_> = reg
                .backend()
                .events_of(*id)
                .expect("events")
                .into_iter()
                .map(|e| (e.event, e.seq))
                .collect();
            (weapon.status, weapon.holder, events)
        };
        assert_eq!(events(&mut target), events(&mut source));
    }
}

/// A source holding two weapons with one identity key (an entry appended behind the program's
/// back, chained as the program would): the target, which deferred its indexes for the copy,
/// finds the clash only when it builds them, and `salw migrate` says so of the source, in
/// words, instead of asking for the row-by-row pass a bulk import makes then. Nothing is
/// written.
#[test]
fn a_source_holding_two_weapons_with_one_identity_key_is_refused_when_the_indexes_are_built() {
    let (Some((mut source, _)), Some(target_url)) =
        (registry("twin source"), fresh_test_database("twin target"))
    else {
        return;
    };
    let w = Uuid::now_v7();
    write(
        &mut source,
        vec![weapon(w, "TW-1"), weapon(Uuid::now_v7(), "TW-2")],
    );
    let mut entries = Vec::new();
    source
        .backend()
        .scan_journal(&mut |e| {
            entries.push(e);
            Ok(())
        })
        .expect("journal");
    let registered = entries
        .iter()
        .find(|e| e.subject == format!("weapon:{w}"))
        .expect("the weapon's entry");
    let mut payload: serde_json::Value =
        serde_json::from_str(&registered.payload).expect("payload");
    let twin = Uuid::now_v7();
    payload["id"] = json!(twin);
    let last = entries.last().expect("entries");
    let mut forged = salw_store::JournalEntry {
        seq: last.seq + 1,
        id: Uuid::now_v7(),
        subject: format!("weapon:{twin}"),
        payload: payload.to_string(),
        hash: [0; 32],
        ..registered.clone()
    };
    forged.hash = forged.chain_hash(&last.hash);
    source
        .backend()
        .client()
        .execute(
            "INSERT INTO journal (seq, id, kind, subject, occurred_at, recorded_at, recorded_by,
                                  source, payload, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &forged.seq,
                &forged.id,
                &forged.kind,
                &forged.subject,
                &forged.occurred_at,
                &forged.recorded_at,
                &forged.recorded_by,
                &forged.source,
                &forged.payload,
                &forged.hash.as_slice(),
            ],
        )
        .expect("forge");

    let mut target = Registry::new(PgBackend::open(&target_url, true).expect("open"));
    let shape = schema_shape(&mut target);
    match salw_store::copy_registry(source.backend(), target.backend(), &mut |_, _| {}) {
        Err(StoreError::Corrupt(why)) => assert!(
            why.contains("two of its records share an id, an identity key or a reference"),
            "{why}"
        ),
        other => panic!("expected the source to be named corrupt, got {other:?}"),
    }
    assert_eq!(target.backend().journal_head().expect("head"), None);
    assert_eq!(
        schema_shape(&mut target),
        shape,
        "the rollback put back what the load dropped"
    );
}
