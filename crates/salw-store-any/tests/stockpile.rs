//! The stockpile workflows on a real SQLite file and on PostgreSQL (when SALW_TEST_POSTGRES
//! names a database), the same test for both (docs/stockpile.md): a count that finds one
//! weapon missing and one it did not expect, the discrepancy closed only with a resolution and
//! a confirmed theft recorded; a destruction batch refused for a weapon under trace or held as
//! evidence (nothing written), then done; a deactivated weapon that turns up again.

use chrono::NaiveDate;
use salw_core::LifecycleEvent;
use salw_core::event::EventKind;
use salw_core::lifecycle::WeaponStatus;
use salw_core::stockpile::{
    CountKind, CountPlan, DestructionBatch, DiscrepancyAction as A, DiscrepancyStage, Resolution,
};
use salw_store::stockpile::{self as stock, Hold, Keeper, StockBackend};
use salw_store::{
    Backend, EventDraft, Record, RecordRef, Registry, RowError, Staged, WriteContext,
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

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn staged(record: Record) -> Result<Staged, RowError> {
    Ok(Staged {
        file: String::new(),
        line: 0,
        record,
    })
}

fn event(weapon: Uuid, kind: EventKind, on: &str, to: Option<Uuid>) -> Result<Staged, RowError> {
    let mut e = LifecycleEvent::new(Uuid::now_v7(), weapon, kind, day(on));
    e.to_holder = to;
    if kind == EventKind::Seized {
        e.seizure_basis = Some(salw_core::event::SeizureBasis::CriminalOffence);
    }
    if kind == EventKind::Deactivated {
        e.standard = Some("EU 2015/2403".into());
        e.verifier = Some("Proof house".into());
    }
    if kind == EventKind::Traced {
        e.trace_outcome = Some(salw_core::event::TraceOutcome::Pending);
    }
    staged(Record::Event(Box::new(EventDraft {
        weapon: RecordRef::Id(weapon),
        from_holder: None,
        to_holder: to.map(RecordRef::Id),
        derive_id: false,
        event: e,
    })))
}

fn write(reg: &mut Registry<AnyBackend>, records: Vec<Result<Staged, RowError>>) {
    let o = reg.write(&ctx(), records, &mut |_| {}).expect("write");
    assert!(o.committed(), "{:?}", o.errors);
}

struct Depot {
    reg: Registry<AnyBackend>,
    armoury: Uuid,
    weapons: Vec<Uuid>,
    _dir: tempfile::TempDir,
}

/// Which backend a test runs on.
#[derive(Clone, Copy)]
enum Db {
    Sqlite,
    Postgres,
}

/// An armoury holding five rifles (serials R-1 … R-5), R-5 out on issue; `None` on
/// PostgreSQL when no database is named.
fn depot(db: Db) -> Option<Depot> {
    let dir = tempfile::tempdir().expect("tempdir");
    let location = match db {
        Db::Sqlite => Location::File(dir.path().join("r.db")),
        Db::Postgres => Location::Postgres(fresh_test_database("stockpile")?),
    };
    let key = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]);
    let mut reg = Registry::new(location.open(true).expect("create"));
    reg.init(Some("MW"), &key, &ctx()).expect("init");
    let mut reg = reg.with_signing_key(key);
    let armoury = Uuid::now_v7();
    let person = serde_json::from_value(json!({"id": armoury, "kind": "organisation",
        "name": "Central Armoury", "roles": ["state_unit"]}))
    .expect("person");
    let officer = Uuid::now_v7();
    let officer_rec = serde_json::from_value(
        json!({"id": officer, "kind": "individual", "name": "Cpl Mbewe", "sex": "female"}),
    )
    .expect("person");
    let mut records = vec![
        staged(Record::Person(person)),
        staged(Record::Person(officer_rec)),
    ];
    let mut weapons = Vec::new();
    for n in 1..=5 {
        let id = Uuid::now_v7();
        weapons.push(id);
        records.push(staged(Record::Weapon(
            serde_json::from_value(json!({"id": id, "category": "rifle",
                "manufacturer": "Depot Arms", "country": "BE", "model": "D1",
                "serial": format!("R-{n}")}))
            .expect("weapon"),
        )));
        records.push(event(
            id,
            EventKind::Transferred,
            "2025-01-10",
            Some(armoury),
        ));
    }
    let mut issue = event(weapons[4], EventKind::Issued, "2025-03-01", Some(officer));
    if let Ok(Staged {
        record: Record::Event(draft),
        ..
    }) = &mut issue
    {
        draft.event.due_on = Some(day("2025-03-02"));
        draft.event.reason = Some("guard duty".into());
    }
    records.push(issue);
    write(&mut reg, records);
    Some(Depot {
        reg,
        armoury,
        weapons,
        _dir: dir,
    })
}

fn keeper() -> Keeper {
    Keeper::from(&ctx())
}

fn plan(armoury: Uuid, id: &str) -> CountPlan {
    CountPlan {
        id: id.into(),
        armoury,
        kind: CountKind::Full,
        planned_on: day("2025-06-01"),
        counter: "Lt Phiri".into(),
        custodian: Some("Sgt Banda".into()),
        sample_size: None,
        expected: vec![],
    }
}

/// The day the story's count happens: ten days ago (after the 2025 transfers and issue).
fn counted_on() -> NaiveDate {
    chrono::Utc::now().date_naive() - chrono::Days::new(10)
}

fn status(reg: &mut Registry<AnyBackend>, w: Uuid) -> WeaponStatus {
    reg.backend()
        .weapon(w)
        .expect("read")
        .expect("weapon")
        .status
}

fn a_count_finds_a_weapon_missing_and_its_discrepancy_ends_in_a_recorded_theft(db: Db) {
    let Some(Depot {
        mut reg,
        armoury,
        weapons,
        ..
    }) = depot(db)
    else {
        return;
    };
    let today = chrono::Utc::now().date_naive();
    let (store, out) = stock::holdings(reg.backend(), armoury, today).expect("holdings");
    assert_eq!(store.len(), 4);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].weapon_id, weapons[4]);
    assert!(out[0].overdue, "due back 2025-03-02");
    assert_eq!(
        out[0].issued.as_ref().and_then(|e| e.reason.as_deref()),
        Some("guard duty")
    );
    let armouries = stock::armouries(reg.backend(), today).expect("armouries");
    assert_eq!(armouries.len(), 1, "the individual holds nothing");
    assert_eq!((armouries[0].in_store, armouries[0].issued), (4, 1));
    assert_eq!(
        armouries[0].issued_overdue, 1,
        "R-5 was due back on 2025-03-02"
    );
    assert_eq!(store[0].description, "Depot Arms D1 (rifle)");
    assert!(armouries[0].count_overdue, "never counted");

    stock::plan_count(reg.backend(), plan(armoury, "C-1"), &keeper(), today)
        .expect("store")
        .expect("planned");
    let again = stock::plan_count(reg.backend(), plan(armoury, "C-1"), &keeper(), today)
        .expect("store")
        .expect_err("same id refused");
    assert!(again[0].starts_with("id:"), "{again:?}");

    // R-3 is not on the shelf; "R 9" is a weapon no record puts there; R-1 scanned twice.
    let lines: Vec<String> = ["r1", "R-2", "R-4", "R 9", "R-1", ""]
        .map(String::from)
        .to_vec();
    let result = stock::enter_count(
        &mut reg,
        &ctx(),
        "C-1",
        counted_on(),
        &lines,
        salw_core::key::fold,
        &|_| None,
    )
    .expect("store")
    .expect("entered");
    assert_eq!(
        result.reconciliation.expected, 4,
        "the issued R-5 is not expected"
    );
    assert_eq!(result.reconciliation.found, 3);
    assert_eq!(result.reconciliation.missing, vec![weapons[2]]);
    assert_eq!(result.reconciliation.unexpected[0].text, "R 9");
    assert_eq!(result.reconciliation.unexpected[0].line, 4);
    assert_eq!(result.reconciliation.repeated.len(), 1);
    assert_eq!(result.discrepancies, vec!["C-1-1", "C-1-2"]);
    let seen = reg.backend().events_of(weapons[0]).expect("events");
    assert!(
        seen.iter().any(|e| e.event.kind == EventKind::Inventoried
            && e.event.document.as_deref() == Some("stock count C-1")),
        "each weapon found is recorded as inventoried"
    );
    let twice = stock::enter_count(
        &mut reg,
        &ctx(),
        "C-1",
        counted_on(),
        &lines,
        salw_core::key::fold,
        &|_| None,
    )
    .expect("store")
    .expect_err("a result is entered once");
    assert!(twice[0].contains("entered already"), "{twice:?}");

    // Closing without a resolution, or before an investigation, is refused.
    let step = |reg: &mut Registry<AnyBackend>, a, r, note: &str| {
        stock::step_discrepancy(
            reg,
            &ctx(),
            "C-1-1",
            a,
            r,
            note,
            chrono::Utc::now().date_naive(),
        )
        .expect("store")
    };
    let err = step(&mut reg, A::Confirm, Some(Resolution::Theft), "gone").unwrap_err();
    assert!(
        err[0].contains("investigate the discrepancy before"),
        "{err:?}"
    );
    step(
        &mut reg,
        A::Investigate,
        None,
        "asked the custodian; rack 3 lock forced",
    )
    .expect("investigating");
    let err = step(&mut reg, A::Resolve, None, "closing").unwrap_err();
    assert!(err[0].starts_with("resolution: required"), "{err:?}");
    assert_eq!(status(&mut reg, weapons[2]), WeaponStatus::Registered);
    let stage = step(
        &mut reg,
        A::Confirm,
        Some(Resolution::Theft),
        "theft confirmed; police case 44/2025",
    )
    .expect("confirmed");
    assert_eq!(stage, DiscrepancyStage::Confirmed(Resolution::Theft));
    assert_eq!(status(&mut reg, weapons[2]), WeaponStatus::Stolen);
    let views = stock::discrepancies(reg.backend()).expect("read");
    assert_eq!(views[0].steps.len(), 2, "refused steps are not kept");
    assert_eq!(views[0].steps[1].by, "registrar");
    assert!(views[0].steps[1].event.is_some());
    assert_eq!(views[1].stage, DiscrepancyStage::Open);
    let err = stock::step_discrepancy(
        &mut reg,
        &ctx(),
        "C-1-2",
        A::Confirm,
        Some(Resolution::Loss),
        "x",
        chrono::Utc::now().date_naive(),
    )
    .expect("store")
    .unwrap_err();
    assert!(err[0].contains("found, not lost"), "{err:?}");

    let counted = stock::armouries(reg.backend(), today).expect("armouries");
    assert_eq!(counted[0].last_full_count, Some(counted_on()));
    // The self-assessment's evidence: counted ten days ago, on time under the yearly policy;
    // overdue under a policy of a count every five days.
    let figure = |reg: &mut Registry<AnyBackend>| {
        let checklist =
            salw_assess::checklist::load(salw_assess::checklist::CURRENT).expect("checklist");
        salw_store::assessments::figures(reg.backend(), &checklist).expect("figures")
            ["stock.counts_on_time"]
            .value
            .clone()
            .unwrap_or_default()
    };
    assert!(
        figure(&mut reg).contains("(1 of 1)"),
        "{}",
        figure(&mut reg)
    );
    stock::set_policy(
        reg.backend(),
        salw_core::stockpile::CountPolicy {
            full_count_every_days: 5,
        },
        &keeper(),
    )
    .expect("store")
    .expect("kept");
    assert!(
        figure(&mut reg).contains("(0 of 1)"),
        "{}",
        figure(&mut reg)
    );
    assert!(reg.verify().expect("verify").intact());
}

fn a_sample_count_expects_only_the_weapons_chosen_when_planned(db: Db) {
    let Some(Depot {
        mut reg, armoury, ..
    }) = depot(db)
    else {
        return;
    };
    let today = chrono::Utc::now().date_naive();
    let p = CountPlan {
        kind: CountKind::Sample,
        sample_size: Some(2),
        ..plan(armoury, "S-1")
    };
    let planned = stock::plan_count(reg.backend(), p, &keeper(), today)
        .expect("store")
        .expect("planned");
    assert_eq!(planned.expected.len(), 2);
    let view = stock::count(reg.backend(), "S-1")
        .expect("read")
        .expect("kept");
    assert_eq!(view.plan.expected, planned.expected);
    let serials: Vec<String> = planned
        .expected
        .iter()
        .map(|w| {
            reg.backend()
                .weapon(*w)
                .expect("read")
                .expect("weapon")
                .weapon
                .serial
                .expect("serial")
        })
        .collect();
    let r = stock::enter_count(
        &mut reg,
        &ctx(),
        "S-1",
        today,
        &serials,
        salw_core::key::fold,
        &|_| None,
    )
    .expect("store")
    .expect("entered");
    assert_eq!(r.reconciliation.found, 2);
    assert!(r.discrepancies.is_empty());

    let not_an_armoury =
        stock::plan_count(reg.backend(), plan(Uuid::now_v7(), "X-1"), &keeper(), today)
            .expect("store")
            .unwrap_err();
    assert!(
        not_an_armoury[0].starts_with("armoury:"),
        "{not_an_armoury:?}"
    );
}

fn returning_a_weapon_never_issued_is_refused(db: Db) {
    let Some(Depot {
        mut reg, weapons, ..
    }) = depot(db)
    else {
        return;
    };
    let o = reg
        .write(
            &ctx(),
            [event(weapons[0], EventKind::Returned, "2025-04-01", None)],
            &mut |_| {},
        )
        .expect("write");
    assert!(!o.committed());
    assert!(
        o.errors[0].reason.contains("never issued"),
        "{:?}",
        o.errors
    );
    write(
        &mut reg,
        vec![event(weapons[4], EventKind::Returned, "2025-04-01", None)],
    );
    assert_eq!(status(&mut reg, weapons[4]), WeaponStatus::Registered);
}

fn a_destruction_batch_refuses_weapons_under_trace_or_held_as_evidence_and_writes_nothing(db: Db) {
    let Some(Depot {
        mut reg, weapons, ..
    }) = depot(db)
    else {
        return;
    };
    let today = chrono::Utc::now().date_naive();
    // weapons[1] is seized and under a pending domestic trace; weapons[2] is held as evidence.
    write(
        &mut reg,
        vec![
            event(weapons[1], EventKind::Seized, "2025-02-01", None),
            event(weapons[1], EventKind::Traced, "2025-02-02", None),
        ],
    );
    let hold = Hold {
        weapon_id: weapons[2],
        case: "HC 12/2025".into(),
        on: today,
    };
    stock::hold(reg.backend(), &hold, false, &keeper())
        .expect("store")
        .expect("held");
    let batch = DestructionBatch {
        id: "D-2025-1".into(),
        method: "cutting".into(),
        place: "Central Armoury yard".into(),
        date: today,
        authority: "National Commission".into(),
        witnesses: "A. Witness, B. Witness".into(),
        certificate: "DC-0001".into(),
        weapons: vec![weapons[0], weapons[1], weapons[2], weapons[4]],
    };
    let before = reg.verify().expect("verify").entries;
    let err = stock::destroy(&mut reg, &ctx(), &batch)
        .expect("store")
        .unwrap_err();
    assert!(
        err.iter()
            .any(|p| p.starts_with("weapons[1]") && p.contains("open trace")),
        "{err:?}"
    );
    assert!(
        err.iter()
            .any(|p| p.starts_with("weapons[2]") && p.contains("evidence (case HC 12/2025)")),
        "{err:?}"
    );
    assert_eq!(
        reg.verify().expect("verify").entries,
        before,
        "nothing written"
    );
    assert!(
        StockBackend::stock_records(reg.backend(), "destruction", None)
            .expect("read")
            .is_empty(),
        "no batch kept"
    );
    // Nor by a plain destroyed event, as the weapon's page or a file would record it.
    let mut plain = event(weapons[2], EventKind::Destroyed, &today.to_string(), None);
    if let Ok(Staged {
        record: Record::Event(d),
        ..
    }) = &mut plain
    {
        d.event.method = Some("cutting".into());
    }
    let o = reg.write(&ctx(), [plain], &mut |_| {}).expect("write");
    assert!(!o.committed());
    assert!(
        o.errors[0].reason.contains("held as evidence"),
        "{:?}",
        o.errors
    );

    // The hold released, the trace not: still refused for weapons[1] alone.
    stock::hold(reg.backend(), &hold, true, &keeper())
        .expect("store")
        .expect("released");
    let err = stock::destroy(&mut reg, &ctx(), &batch)
        .expect("store")
        .unwrap_err();
    assert_eq!(err.len(), 1, "{err:?}");

    // Without the traced weapon, the issued one (weapons[4]) is refused by the life cycle.
    let batch = DestructionBatch {
        weapons: vec![weapons[0], weapons[2], weapons[4]],
        ..batch
    };
    let err = stock::destroy(&mut reg, &ctx(), &batch)
        .expect("store")
        .unwrap_err();
    assert!(
        err.iter()
            .any(|p| p.contains("returned to the armoury first")),
        "{err:?}"
    );
    let batch = DestructionBatch {
        weapons: vec![weapons[0], weapons[2]],
        ..batch
    };
    stock::destroy(&mut reg, &ctx(), &batch)
        .expect("store")
        .expect("destroyed");
    assert_eq!(status(&mut reg, weapons[0]), WeaponStatus::Destroyed);
    assert_eq!(status(&mut reg, weapons[2]), WeaponStatus::Destroyed);
    let kept = stock::destructions(reg.backend()).expect("read");
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0].serials,
        vec![Some("R-1".into()), Some("R-3".into())]
    );
    let png = b"\x89PNG\r\n\x1a\n0000";
    let e = stock::add_evidence(reg.backend(), "D-2025-1", png, "cut frames", &keeper())
        .expect("store")
        .expect("kept");
    assert_eq!(e.hash, blake3::hash(png).to_hex().to_string());
    assert!(
        stock::add_evidence(reg.backend(), "D-2025-1", b"not an image", "", &keeper())
            .expect("store")
            .is_err()
    );
    assert!(reg.verify().expect("verify").intact());
}

fn a_weapon_a_partner_state_is_tracing_is_not_destroyed_until_the_trace_is_closed(db: Db) {
    use salw_store::{TraceBackend, TraceRecord, TraceStep};
    let Some(Depot {
        mut reg, weapons, ..
    }) = depot(db)
    else {
        return;
    };
    let w = weapons[3];
    let now = chrono::Utc::now().to_rfc3339();
    let trace = TraceRecord {
        id: "T-1".into(),
        role: "received".into(),
        partner: "UG".into(),
        weapon_id: None,
        reference: "UG-2026-9".into(),
        priority: "routine".into(),
        urgency_reason: None,
        request: "{}".into(),
        restrictions: "[]".into(),
        confidentiality: "law enforcement only".into(),
        created_at: now.clone(),
        created_by: "node UG".into(),
    };
    let step = |state: &str, detail: serde_json::Value| TraceStep {
        trace_id: "T-1".into(),
        state: state.into(),
        at: now.clone(),
        by: "node UG".into(),
        message_id: None,
        acknowledge_by: None,
        answer_by: None,
        detail: detail.to_string(),
    };
    reg.backend().insert_trace(&trace).expect("trace");
    // The marking search found this weapon among the candidates of the request received.
    reg.backend()
        .add_trace_step(&step(
            "received",
            json!({"candidates": [{"weapon_id": w, "score": 0.0}]}),
        ))
        .expect("step");
    let batch = DestructionBatch {
        id: "D-T".into(),
        method: "melting".into(),
        place: "Foundry".into(),
        date: chrono::Utc::now().date_naive(),
        authority: "Commission".into(),
        witnesses: "A, B".into(),
        certificate: "DC-T".into(),
        weapons: vec![w],
    };
    let err = stock::destroy(&mut reg, &ctx(), &batch)
        .expect("store")
        .unwrap_err();
    assert!(err[0].contains("trace UG-2026-9 from UG"), "{err:?}");
    reg.backend()
        .add_trace_step(&step("closed", json!({})))
        .expect("step");
    stock::destroy(&mut reg, &ctx(), &batch)
        .expect("store")
        .expect("closed: destroyed");
    assert_eq!(status(&mut reg, w), WeaponStatus::Destroyed);
}

fn a_deactivated_weapon_seized_later_raises_a_reactivation_alert(db: Db) {
    let Some(Depot {
        mut reg, weapons, ..
    }) = depot(db)
    else {
        return;
    };
    assert!(
        stock::reactivation_alerts(reg.backend())
            .expect("read")
            .is_empty()
    );
    write(
        &mut reg,
        vec![
            event(weapons[0], EventKind::Deactivated, "2025-02-01", None),
            event(weapons[0], EventKind::Seized, "2025-09-01", None),
        ],
    );
    let alerts = stock::reactivation_alerts(reg.backend()).expect("read");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].weapon_id, weapons[0]);
    assert_eq!(alerts[0].deactivated.kind, EventKind::Deactivated);
    assert_eq!(alerts[0].recovered.kind, EventKind::Seized);
    assert!(!alerts[0].acknowledged);
    assert_eq!(alerts[0].serial.as_deref(), Some("R-1"));
}

fn stockpile_records_are_never_changed_or_deleted(db: Db) {
    let Some(Depot {
        mut reg,
        armoury,
        _dir,
        ..
    }) = depot(db)
    else {
        return;
    };
    let today = chrono::Utc::now().date_naive();
    stock::plan_count(reg.backend(), plan(armoury, "C-9"), &keeper(), today)
        .expect("store")
        .expect("planned");
    // Behind the program's back, on the backend's own connection: the trigger's words.
    let refusal = |reg: &mut Registry<AnyBackend>, sql: &str| -> String {
        match reg.backend() {
            AnyBackend::Sqlite(b) => b.connection().execute(sql, []).expect_err(sql).to_string(),
            AnyBackend::Postgres(b) => {
                let e = b.client().execute(sql, &[]).expect_err(sql);
                e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_owned())
            }
        }
    };
    let upd = refusal(&mut reg, "UPDATE stock_records SET body = '{}'");
    assert!(upd.contains("never changed"), "{upd}");
    let del = refusal(&mut reg, "DELETE FROM stock_records");
    assert!(del.contains("never deleted"), "{del}");
    assert_eq!(
        StockBackend::stock_records(reg.backend(), "count", None)
            .expect("read")
            .len(),
        1
    );
}

mod sqlite {
    use super::Db;

    #[test]
    fn a_count_finds_a_weapon_missing_and_its_discrepancy_ends_in_a_recorded_theft() {
        super::a_count_finds_a_weapon_missing_and_its_discrepancy_ends_in_a_recorded_theft(
            Db::Sqlite,
        );
    }

    #[test]
    fn a_sample_count_expects_only_the_weapons_chosen_when_planned() {
        super::a_sample_count_expects_only_the_weapons_chosen_when_planned(Db::Sqlite);
    }

    #[test]
    fn returning_a_weapon_never_issued_is_refused() {
        super::returning_a_weapon_never_issued_is_refused(Db::Sqlite);
    }

    #[test]
    fn a_destruction_batch_refuses_weapons_under_trace_or_held_as_evidence_and_writes_nothing() {
        super::a_destruction_batch_refuses_weapons_under_trace_or_held_as_evidence_and_writes_nothing(Db::Sqlite);
    }

    #[test]
    fn a_weapon_a_partner_state_is_tracing_is_not_destroyed_until_the_trace_is_closed() {
        super::a_weapon_a_partner_state_is_tracing_is_not_destroyed_until_the_trace_is_closed(
            Db::Sqlite,
        );
    }

    #[test]
    fn a_deactivated_weapon_seized_later_raises_a_reactivation_alert() {
        super::a_deactivated_weapon_seized_later_raises_a_reactivation_alert(Db::Sqlite);
    }

    #[test]
    fn stockpile_records_are_never_changed_or_deleted() {
        super::stockpile_records_are_never_changed_or_deleted(Db::Sqlite);
    }
}

mod postgres {
    use super::Db;

    #[test]
    fn a_count_finds_a_weapon_missing_and_its_discrepancy_ends_in_a_recorded_theft() {
        super::a_count_finds_a_weapon_missing_and_its_discrepancy_ends_in_a_recorded_theft(
            Db::Postgres,
        );
    }

    #[test]
    fn a_sample_count_expects_only_the_weapons_chosen_when_planned() {
        super::a_sample_count_expects_only_the_weapons_chosen_when_planned(Db::Postgres);
    }

    #[test]
    fn returning_a_weapon_never_issued_is_refused() {
        super::returning_a_weapon_never_issued_is_refused(Db::Postgres);
    }

    #[test]
    fn a_destruction_batch_refuses_weapons_under_trace_or_held_as_evidence_and_writes_nothing() {
        super::a_destruction_batch_refuses_weapons_under_trace_or_held_as_evidence_and_writes_nothing(Db::Postgres);
    }

    #[test]
    fn a_weapon_a_partner_state_is_tracing_is_not_destroyed_until_the_trace_is_closed() {
        super::a_weapon_a_partner_state_is_tracing_is_not_destroyed_until_the_trace_is_closed(
            Db::Postgres,
        );
    }

    #[test]
    fn a_deactivated_weapon_seized_later_raises_a_reactivation_alert() {
        super::a_deactivated_weapon_seized_later_raises_a_reactivation_alert(Db::Postgres);
    }

    #[test]
    fn stockpile_records_are_never_changed_or_deleted() {
        super::stockpile_records_are_never_changed_or_deleted(Db::Postgres);
    }
}
