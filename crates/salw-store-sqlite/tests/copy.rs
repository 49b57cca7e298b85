//! Copying a whole registry (`salw_store::copy_registry`) from one SQLite file into another:
//! a registry with something in every table is copied, and the copy verifies with the same
//! head, reads the same through every trait, and holds the same rows in every table; a target
//! that is not empty is refused and left as it was; a copy that fails midway writes nothing.

use chrono::NaiveDate;
use rusqlite::types::Value;
use salw_assess::score::{Entry, Status};
use salw_core::LifecycleEvent;
use salw_core::category::{CategoryDef, UnodcType, WeaponClass};
use salw_core::event::{EventKind, SeizureBasis, TraceOutcome};
use salw_store::assessments::{AssessBackend, AssistanceRecord, StoredEntry};
use salw_store::reports::{Release, ReportAnswer};
use salw_store::stockpile::{StockBackend, StockRecord, kind};
use salw_store::{
    AccessBackend, Account, AlertBackend, AlertHit, ApiToken, AuditDraft, Backend, CopyReport,
    EventDraft, FederationBackend, InboxMessage, OutboxMessage, PartnerAlert, PeerRecord, Record,
    RecordRef, Registry, RowError, Staged, StoreError, TraceBackend, TraceRecord, TraceStep,
    WriteContext, copy_registry,
};
use salw_store_sqlite::SqliteBackend;
use serde_json::json;
use uuid::Uuid;

const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 2, 3,
];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\nevidence";

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

fn event(e: LifecycleEvent) -> Result<Staged, RowError> {
    staged(Record::Event(Box::new(EventDraft {
        weapon: RecordRef::Id(e.weapon_id),
        from_holder: None,
        to_holder: e.to_holder.map(RecordRef::Id),
        derive_id: false,
        event: e,
    })))
}

fn write(reg: &mut Registry<SqliteBackend>, records: Vec<Result<Staged, RowError>>) {
    let o = reg.write(&ctx(), records, &mut |_| {}).expect("write");
    assert!(o.committed(), "{:?}", o.errors);
}

struct Rich {
    reg: Registry<SqliteBackend>,
    weapons: Vec<Uuid>,
    _dir: tempfile::TempDir,
}

/// A registry with something in every table: a defined category, persons, weapons (one
/// without a unique mark), events (an issue, a seizure and its trace, a loss, a correction),
/// two photos, evidence bytes, accounts, a token, audit lines, peers, outbox and inbox
/// messages in every delivery state, a trace with steps, alerts shared, received and hit with
/// a notice, assessment entries, assistance records, stock records of every kind, two
/// releases (the second revising the first) and report answers.
fn rich() -> Rich {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let mut reg =
        Registry::new(SqliteBackend::open(&dir.path().join("a.db"), true).expect("create"));
    reg.init(Some("MW"), &key, &ctx()).expect("init");
    let mut reg = reg.with_signing_key(key);
    reg.define_category(
        CategoryDef {
            name: "flare launcher".into(),
            class: WeaponClass::SmallArm,
            unodc_type: UnodcType::Pistol,
        },
        &ctx(),
    )
    .expect("category");
    reg.set_country("ZM", &ctx()).expect("country");

    let armoury = Uuid::now_v7();
    let officer = Uuid::now_v7();
    let mut records = vec![
        staged(Record::Person(
            serde_json::from_value(json!({"id": armoury, "kind": "organisation",
                "name": "Central Armoury", "roles": ["state_unit"], "reference": "ARM-1"}))
            .expect("person"),
        )),
        staged(Record::Person(
            serde_json::from_value(json!({"id": officer, "kind": "individual",
                "name": "Cpl Mbewe", "sex": "female", "roles": ["licensee"]}))
            .expect("person"),
        )),
    ];
    let mut weapons = Vec::new();
    for mut w in [
        json!({"category": "rifle", "manufacturer": "Depot Arms", "country": "BE",
               "model": "D1", "serial": "R-1", "reference": "W-1", "calibre": "7.62x39"}),
        json!({"category": "revolver", "manufacturer": "Depot Arms", "country": "BE",
               "model": "P2", "serial": "P-2"}),
        json!({"category": "flare launcher", "manufacturer": "Signal Co", "model": "F",
               "inadequately_marked": true, "follow_up": "mark_and_record"}),
        json!({"category": "shotgun", "manufacturer": "Depot Arms", "country": "IT",
               "model": "S4", "serial": "S-4"}),
    ] {
        let id = Uuid::now_v7();
        weapons.push(id);
        w["id"] = json!(id);
        records.push(staged(Record::Weapon(
            serde_json::from_value(w).expect("weapon"),
        )));
    }
    // Rifle: into the armoury, then out on issue.
    let mut to_armoury = LifecycleEvent::new(
        Uuid::now_v7(),
        weapons[0],
        EventKind::Transferred,
        day("2025-01-10"),
    );
    to_armoury.to_holder = Some(armoury);
    records.push(event(to_armoury));
    let mut issue = LifecycleEvent::new(
        Uuid::now_v7(),
        weapons[0],
        EventKind::Issued,
        day("2025-03-01"),
    );
    issue.to_holder = Some(officer);
    issue.due_on = Some(day("2025-03-02"));
    issue.reason = Some("guard duty".into());
    records.push(event(issue));
    // Pistol: seized, then traced.
    let mut seized = LifecycleEvent::new(
        Uuid::now_v7(),
        weapons[1],
        EventKind::Seized,
        day("2025-02-01"),
    );
    seized.seizure_basis = Some(SeizureBasis::CriminalOffence);
    records.push(event(seized));
    let mut traced = LifecycleEvent::new(
        Uuid::now_v7(),
        weapons[1],
        EventKind::Traced,
        day("2025-02-10"),
    );
    traced.trace_outcome = Some(TraceOutcome::Pending);
    records.push(event(traced));
    // Shotgun: into the armoury on the wrong day, corrected.
    let first = Uuid::now_v7();
    let mut wrong =
        LifecycleEvent::new(first, weapons[3], EventKind::Transferred, day("2025-01-12"));
    wrong.to_holder = Some(armoury);
    records.push(event(wrong));
    let mut right = LifecycleEvent::new(
        Uuid::now_v7(),
        weapons[3],
        EventKind::Transferred,
        day("2025-01-11"),
    );
    right.to_holder = Some(armoury);
    right.supersedes = Some(first);
    right.reason = Some("typed the wrong day".into());
    records.push(event(right));
    let stolen = Uuid::now_v7();
    records.push(event(LifecycleEvent::new(
        stolen,
        weapons[3],
        EventKind::ReportedStolen,
        day("2025-04-01"),
    )));
    write(&mut reg, records);

    reg.add_photo(&ctx(), weapons[0], JPEG, Some("left side"))
        .expect("photo")
        .expect("accepted");
    reg.add_photo(&ctx(), weapons[1], PNG, None)
        .expect("photo")
        .expect("accepted");

    let b = reg.backend();
    // Evidence bytes stored apart from any photo, as `stockpile::add_evidence` keeps them.
    b.put_blob(
        blake3::hash(b"\xFF\xD8\xFFevidence").to_hex().as_str(),
        "image/jpeg",
        b"\xFF\xD8\xFFevidence",
    )
    .expect("blob");

    for (name, role, disabled) in [("ada", "admin", false), ("bo", "viewer", true)] {
        assert!(
            b.insert_account(&Account {
                name: name.into(),
                role: role.into(),
                password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1${name}"),
                created_at: "2025-01-01T00:00:00.000Z".into(),
                created_by: "setup".into(),
                disabled,
            })
            .expect("account")
        );
    }
    b.insert_token(&ApiToken {
        hash: "a".repeat(64),
        prefix: "salw_ab".into(),
        account: "ada".into(),
        label: "exports".into(),
        created_at: "2025-01-02T00:00:00.000Z".into(),
        revoked: false,
    })
    .expect("token");
    b.insert_token(&ApiToken {
        hash: "b".repeat(64),
        prefix: "salw_cd".into(),
        account: "ada".into(),
        label: "old".into(),
        created_at: "2025-01-03T00:00:00.000Z".into(),
        revoked: true,
    })
    .expect("token");
    let drafts: Vec<AuditDraft> = (0..3)
        .map(|n| AuditDraft {
            at: format!("2025-01-0{}T00:00:00.000Z", n + 1),
            actor: "ada".into(),
            role: "admin".into(),
            action: "search".into(),
            asked: format!("R-{n}"),
            shown: weapons[0].to_string(),
        })
        .collect();
    salw_store::append_audit(b, &drafts).expect("audit");

    for (country, url, removed) in [
        ("KE", "https://ke.example", false),
        ("TZ", "https://tz.example", false),
        ("KE", "https://ke2.example", false),
        ("TZ", "https://tz.example", true),
    ] {
        b.insert_peer(&PeerRecord {
            country: country.into(),
            url: url.into(),
            public_key: "c".repeat(64),
            added_at: "2025-01-01T00:00:00.000Z".into(),
            added_by: "ada".into(),
            removed,
        })
        .expect("peer");
    }
    for (n, delivered, abandoned) in [(1, true, false), (2, false, true), (3, false, false)] {
        let id = format!("0190-out-{n}");
        assert!(
            b.enqueue(&OutboxMessage {
                id: id.clone(),
                destination: "KE".into(),
                kind: "alert".into(),
                envelope: format!("{{\"n\":{n}}}"),
                created_at: format!("2025-05-0{n}T00:00:00.000Z"),
                expires_at: "2025-06-01T00:00:00.000Z".into(),
                attempts: 0,
                next_attempt_at: format!("2025-05-0{n}T00:00:00.000Z"),
                delivered_at: None,
                abandoned: None,
                last_error: None,
            })
            .expect("enqueue")
        );
        b.record_attempt(&id, 2, "2025-05-09T00:00:00.000Z", "connection refused")
            .expect("attempt");
        if delivered {
            b.mark_delivered(&id, "2025-05-10T00:00:00.000Z", 3)
                .expect("delivered");
        }
        if abandoned {
            b.abandon(&id, "expired").expect("abandon");
        }
    }
    for (n, processed) in [(1, true), (2, false)] {
        let id = format!("0190-in-{n}");
        assert!(
            b.insert_inbox(&InboxMessage {
                id: id.clone(),
                sender: "KE".into(),
                sender_key: "d".repeat(64),
                kind: "trace-request".into(),
                digest: "e".repeat(64),
                envelope: format!("{{\"in\":{n}}}"),
                received_at: format!("2025-05-0{n}T00:00:00.000Z"),
                processed_at: None,
            })
            .expect("inbox")
        );
        if processed {
            b.mark_processed(&id, "2025-05-03T00:00:00.000Z")
                .expect("processed");
        }
    }

    for (n, role) in [(1, "sent"), (2, "received")] {
        let id = format!("0190-trace-{n}");
        b.insert_trace(&TraceRecord {
            id: id.clone(),
            role: role.into(),
            partner: "KE".into(),
            weapon_id: Some(weapons[1].to_string()),
            reference: format!("CASE-{n}"),
            priority: if n == 1 { "urgent" } else { "routine" }.into(),
            urgency_reason: (n == 1).then(|| "an ongoing case".into()),
            request: "{}".into(),
            restrictions: "[]".into(),
            confidentiality: "restricted".into(),
            created_at: format!("2025-02-1{n}T00:00:00.000Z"),
            created_by: "ada".into(),
        })
        .expect("trace");
        for (state, message) in [("draft", None), (role, Some(format!("0190-msg-{n}")))] {
            b.add_trace_step(&TraceStep {
                trace_id: id.clone(),
                state: state.into(),
                at: format!("2025-02-1{n}T01:00:00.000Z"),
                by: "ada".into(),
                message_id: message,
                acknowledge_by: None,
                answer_by: Some("2025-03-15".into()),
                detail: "{}".into(),
            })
            .expect("step");
        }
    }

    b.record_shared(&stolen.to_string(), "KE", "0190-out-1")
        .expect("shared");
    assert!(
        b.insert_partner_alert(&PartnerAlert {
            message_id: "0190-in-1".into(),
            partner: "KE".into(),
            identity_key: "be|depot arms|p2|p-2".into(),
            reference: Uuid::now_v7().to_string(),
            reported: "stolen".into(),
            reported_on: "2024-12-01".into(),
            serial: "P-2".into(),
            manufacturer: "Depot Arms".into(),
            model: "P2".into(),
            country: "BE".into(),
            received_at: "2025-01-05T00:00:00.000Z".into(),
        })
        .expect("alert")
    );
    for (direction, detail) in [
        ("recovered-here", "seized here"),
        ("reported-here", "found"),
    ] {
        assert!(
            b.insert_alert_hit(&AlertHit {
                seq: 0,
                direction: direction.into(),
                alert: "0190-in-1".into(),
                partner: "KE".into(),
                weapon_id: Some(weapons[1].to_string()),
                recovery: "seized".into(),
                recovered_on: "2025-02-01".into(),
                detail: detail.into(),
                at: "2025-02-02T00:00:00.000Z".into(),
                notice: None,
            })
            .expect("hit")
        );
    }
    let hit = b.hits_to_notify().expect("hits")[0].seq;
    b.record_notice(hit, "0190-out-3").expect("notice");

    for (clause, status) in [
        ("1.1", Status::Met),
        ("1.2", Status::NotMet),
        ("1.1", Status::PartlyMet),
    ] {
        b.insert_assessment_entry(&StoredEntry {
            seq: 0,
            assessment: "2025".into(),
            checklist: "iti-2005".into(),
            entry: Entry {
                clause: clause.into(),
                status,
                note: Some("seen".into()),
                document: None,
                owner: Some("ada".into()),
                due: Some(day("2025-12-31")),
            },
            figure: Some("98.0 %".into()),
            entered_at: "2025-06-01T00:00:00.000Z".into(),
            entered_by: "ada".into(),
        })
        .expect("entry");
    }
    for (k, id) in [("need", "N-1"), ("offer", "O-1"), ("result", "P-1")] {
        assert!(
            b.insert_assistance_record(&AssistanceRecord {
                seq: 0,
                kind: k.into(),
                id: id.into(),
                body: format!("{{\"id\":\"{id}\"}}"),
                entered_at: "2025-06-02T00:00:00.000Z".into(),
                entered_by: "ada".into(),
            })
            .expect("assistance")
        );
    }
    // Every kind of stock record, interleaved (a release is told from a hold by its number).
    for (n, k) in kind::ALL.iter().rev().chain(kind::ALL.iter()).enumerate() {
        let unique = [
            kind::COUNT,
            kind::COUNT_RESULT,
            kind::DISCREPANCY,
            kind::CAMPAIGN,
            kind::DESTRUCTION,
        ]
        .contains(k);
        assert!(
            b.insert_stock_record(&StockRecord {
                seq: 0,
                kind: (*k).into(),
                id: if unique {
                    format!("{k}-{n}")
                } else {
                    "x".into()
                },
                body: format!("{{\"n\":{n}}}"),
                entered_at: "2025-07-01T00:00:00.000Z".into(),
                entered_by: "ada".into(),
            })
            .expect("stock")
        );
    }

    let release = |revises: Option<i64>, numerator: u64| Release {
        seq: 0,
        indicator: salw_store::reports::SDG_16_4_2.into(),
        period_from: "2024-01-01".into(),
        period_to: "2024-12-31".into(),
        profile: "strict".into(),
        released_at: "2025-01-31T00:00:00.000Z".into(),
        released_by: "ada".into(),
        numerator,
        denominator: 10,
        percent: salw_core::indicator::percent(numerator, 10),
        figures: "{}".into(),
        revises,
    };
    let first = b.insert_release(&release(None, 3)).expect("release");
    b.insert_release(&release(Some(first), 4))
        .expect("revision");
    for (template, question) in [("poa-2024", "1.1"), ("other", "A"), ("poa-2024", "2.3")] {
        b.insert_report_answer(&ReportAnswer {
            seq: 0,
            template: template.into(),
            period_from: "2024-01-01".into(),
            period_to: "2024-12-31".into(),
            question: question.into(),
            answer: "yes".into(),
            entered_at: "2025-01-20T00:00:00.000Z".into(),
            entered_by: "ada".into(),
        })
        .expect("answer");
    }
    b.set_meta("alerts.cursor", "7").expect("meta");
    Rich {
        reg,
        weapons,
        _dir: dir,
    }
}

fn fresh(dir: &tempfile::TempDir, name: &str) -> SqliteBackend {
    SqliteBackend::open(&dir.path().join(name), true).expect("create")
}

fn copy(
    from: &mut SqliteBackend,
    to: &mut SqliteBackend,
) -> salw_store::backend::Result<CopyReport> {
    let mut heard = Vec::new();
    let report = copy_registry(from, to, &mut |what, n| heard.push((what.to_owned(), n)));
    if report.is_ok() {
        assert!(heard.iter().any(|(what, _)| what == "journal"), "{heard:?}");
    }
    report
}

/// Every row of every table, in rowid order (the rowid included: cursors and ordinals).
fn dump(b: &SqliteBackend) -> Vec<(String, Vec<Vec<Value>>)> {
    let conn = b.connection();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    tables
        .into_iter()
        .map(|t| {
            // Settings are read by key (`meta_entries`); the order they were set in is not kept.
            let sql = if t == "meta" {
                "SELECT * FROM meta ORDER BY key".to_owned()
            } else {
                format!("SELECT rowid, * FROM \"{t}\" ORDER BY rowid")
            };
            let mut stmt = conn.prepare(&sql).expect("select");
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<Vec<Value>>>>())
                .expect("rows");
            (t, rows)
        })
        .collect()
}

/// Table by table, naming the first row that differs.
fn assert_same(a: &[(String, Vec<Vec<Value>>)], b: &[(String, Vec<Vec<Value>>)]) {
    let names =
        |d: &[(String, Vec<Vec<Value>>)]| d.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b));
    for ((table, x), (_, y)) in a.iter().zip(b) {
        assert_eq!(x.len(), y.len(), "{table}: row counts differ");
        for (row_x, row_y) in x.iter().zip(y) {
            assert_eq!(row_x, row_y, "{table}: a row differs");
        }
    }
}

fn journal(b: &mut SqliteBackend) -> Vec<salw_store::JournalEntry> {
    let mut entries = Vec::new();
    b.scan_journal(&mut |e| {
        entries.push(e);
        Ok(())
    })
    .expect("journal");
    entries
}

#[test]
fn a_whole_registry_is_copied_into_an_empty_one_and_reads_the_same() {
    let mut src = rich();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut target = fresh(&dir, "b.db");
    let report = copy(src.reg.backend(), &mut target).expect("copy");

    assert_eq!(report.renumbered, 0, "{report:?}");
    assert_eq!(
        (report.weapons, report.persons, report.events, report.photos),
        (4, 2, 7, 2)
    );
    assert_eq!(report.weapon_states, 3);
    assert_eq!(report.blobs, 3);
    assert_eq!(
        (report.accounts, report.tokens, report.audit_lines),
        (2, 2, 3)
    );
    assert_eq!((report.peers, report.outbox, report.inbox), (4, 3, 2));
    assert_eq!((report.traces, report.trace_steps), (2, 4));
    assert_eq!(
        (
            report.alerts_shared,
            report.partner_alerts,
            report.alert_hits,
            report.alert_notices
        ),
        (1, 1, 2, 1)
    );
    assert_eq!(
        (report.assessment_entries, report.assistance_records),
        (3, 3)
    );
    assert_eq!(report.stock_records, 2 * kind::ALL.len() as u64);
    assert_eq!((report.releases, report.report_answers), (2, 3));

    let source_report = src.reg.verify().expect("verify source");
    let mut copied = Registry::new(target);
    let copied_report = copied.verify().expect("verify copy");
    assert!(copied_report.intact(), "{copied_report:?}");
    assert_eq!(copied_report.head_seq, source_report.head_seq);
    assert_eq!(copied_report.head_hash, source_report.head_hash);
    assert_eq!(copied_report.signed_head_seq, source_report.signed_head_seq);
    assert_eq!(report.journal_entries, source_report.entries);

    let a = src.reg.backend();
    let b = copied.backend();
    assert_eq!(journal(a), journal(b));
    assert_eq!(a.summary().expect("summary"), b.summary().expect("summary"));
    assert_eq!(
        a.meta_entries().expect("meta"),
        b.meta_entries().expect("meta")
    );
    for &w in &src.weapons {
        assert_eq!(a.weapon(w).expect("w"), b.weapon(w).expect("w"));
        assert!(b.weapon(w).expect("w").is_some());
        assert_eq!(a.events_of(w).expect("e"), b.events_of(w).expect("e"));
        assert_eq!(a.photos_of(w).expect("p"), b.photos_of(w).expect("p"));
        assert_eq!(
            a.destruction_block(w).expect("block"),
            b.destruction_block(w).expect("block")
        );
    }
    assert_eq!(a.accounts().expect("a"), b.accounts().expect("a"));
    assert_eq!(
        a.tokens_of("ada").expect("t"),
        b.tokens_of("ada").expect("t")
    );
    let audit = |x: &mut SqliteBackend| {
        let mut lines = Vec::new();
        x.scan_audit(&mut |l| {
            lines.push(l);
            Ok(())
        })
        .expect("audit");
        lines
    };
    assert_eq!(audit(a), audit(b));
    assert_eq!(salw_store::verify_audit(b).expect("verify audit"), None);
    assert_eq!(a.peer_history().expect("p"), b.peer_history().expect("p"));
    assert_eq!(a.peers().expect("p"), b.peers().expect("p"));
    assert_eq!(a.outbox(100).expect("o"), b.outbox(100).expect("o"));
    assert_eq!(a.inbox(100).expect("i"), b.inbox(100).expect("i"));
    assert_eq!(a.traces().expect("t"), b.traces().expect("t"));
    for t in a.traces().expect("t") {
        assert_eq!(
            a.trace_steps(&t.id).expect("s"),
            b.trace_steps(&t.id).expect("s")
        );
    }
    assert_eq!(
        a.shared_alert_records().expect("s"),
        b.shared_alert_records().expect("s")
    );
    assert_eq!(
        a.partner_alert_records().expect("p"),
        b.partner_alert_records().expect("p")
    );
    assert_eq!(a.alert_hits().expect("h"), b.alert_hits().expect("h"));
    assert!(
        b.alert_hits()
            .expect("h")
            .iter()
            .any(|h| h.notice.is_some())
    );
    assert_eq!(
        a.assessment_entries(None).expect("e"),
        b.assessment_entries(None).expect("e")
    );
    assert_eq!(
        a.assistance_records().expect("a"),
        b.assistance_records().expect("a")
    );
    for k in kind::ALL {
        assert_eq!(
            a.stock_records(k, None).expect("s"),
            b.stock_records(k, None).expect("s")
        );
    }
    assert_eq!(a.all_releases().expect("r"), b.all_releases().expect("r"));
    assert_eq!(
        b.all_releases().expect("r")[1].revises,
        Some(b.all_releases().expect("r")[0].seq)
    );
    assert_eq!(
        a.all_report_answers().expect("r"),
        b.all_report_answers().expect("r")
    );
    // And below the traits: every row of every table, rowids included, the same.
    assert_same(&dump(a), &dump(b));
}

#[test]
fn a_target_that_is_not_empty_is_refused_and_left_as_it_was() {
    let mut src = rich();
    let mut other = rich();
    let before = dump(other.reg.backend());
    let refused = copy(src.reg.backend(), other.reg.backend());
    match refused {
        Err(StoreError::Invalid(why)) => assert!(why.contains("not empty"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_same(&dump(other.reg.backend()), &before);

    // A target with only an account is not empty either.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut target = fresh(&dir, "c.db");
    target
        .insert_account(&Account {
            name: "ada".into(),
            role: "admin".into(),
            password_hash: "x".into(),
            created_at: "2025-01-01T00:00:00.000Z".into(),
            created_by: "setup".into(),
            disabled: false,
        })
        .expect("account");
    let before = dump(&target);
    match copy(src.reg.backend(), &mut target) {
        Err(StoreError::Invalid(why)) => assert!(why.contains("accounts"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_same(&dump(&target), &before);
}

#[test]
fn a_copy_that_fails_midway_writes_nothing() {
    let mut src = rich();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut target = fresh(&dir, "d.db");
    let empty = dump(&target);
    // The target fails late: after the journal, the photos and the accounts are written.
    target
        .connection()
        .execute_batch(
            "CREATE TRIGGER fail_late BEFORE INSERT ON trace_steps
                 BEGIN SELECT RAISE(ABORT, 'the disk is full'); END;",
        )
        .expect("trigger");
    let failed = copy(src.reg.backend(), &mut target);
    assert!(
        matches!(&failed, Err(StoreError::Backend(why)) if why.contains("the disk is full")),
        "{failed:?}"
    );
    assert_same(&dump(&target), &empty);
    assert_eq!(target.journal_head().expect("head"), None);

    // Once the cause is gone, the same copy goes through.
    target
        .connection()
        .execute_batch("DROP TRIGGER fail_late")
        .expect("drop");
    copy(src.reg.backend(), &mut target).expect("copy");
    assert_same(&dump(src.reg.backend()), &dump(&target));
    // The source was only read: it is still whole and writable.
    assert!(src.reg.verify().expect("verify").intact());
    write(
        &mut src.reg,
        vec![staged(Record::Weapon(
            serde_json::from_value(json!({"id": Uuid::now_v7(), "category": "rifle",
                "manufacturer": "After", "serial": "A-1", "country": "BE"}))
            .expect("weapon"),
        ))],
    );
}

#[test]
fn a_source_whose_journal_was_changed_is_not_copied() {
    let mut src = rich();
    src.reg
        .backend()
        .connection()
        .execute_batch(
            "DROP TRIGGER journal_no_update;
             UPDATE journal SET recorded_by = 'someone else' WHERE seq = 3;",
        )
        .expect("tamper");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut target = fresh(&dir, "e.db");
    match copy(src.reg.backend(), &mut target) {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("entry 3"), "{why}"),
        other => panic!("expected the broken journal to be refused, got {other:?}"),
    }
    assert_eq!(target.journal_head().expect("head"), None);
}

/// A source that holds two weapons with one identity key (an entry added behind the program's
/// back, with its chain hash recomputed): the copy names the entry and what clashes, in words,
/// and writes nothing. (PostgreSQL finds it later, when it builds the indexes it deferred:
/// salw-store-postgres's tests.)
#[test]
fn a_source_holding_two_weapons_with_one_identity_key_is_named_and_nothing_is_copied() {
    let mut src = rich();
    let forged = forge_a_twin(&mut src);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut target = fresh(&dir, "f.db");
    let empty = dump(&target);
    match copy(src.reg.backend(), &mut target) {
        Err(StoreError::Corrupt(why)) => assert!(
            why.contains(&format!(
                "(entry {}) clashes with another on its identity key",
                forged
            )),
            "{why}"
        ),
        other => panic!("expected the source to be named corrupt, got {other:?}"),
    }
    assert_same(&dump(&target), &empty);
}

/// Appends to the source's journal a second registration of its first weapon under a new id,
/// chained as the program would; returns the entry's sequence number.
fn forge_a_twin(src: &mut Rich) -> i64 {
    let entries = journal(src.reg.backend());
    let registered = entries
        .iter()
        .find(|e| e.kind == salw_store::journal::kind::WEAPON_REGISTERED)
        .expect("a weapon's entry");
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
    src.reg
        .backend()
        .connection()
        .execute(
            "INSERT INTO journal (seq, id, kind, subject, occurred_at, recorded_at, recorded_by,
                                  source, payload, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            rusqlite::params![
                forged.seq,
                forged.id.to_string(),
                forged.kind,
                forged.subject,
                forged.occurred_at,
                forged.recorded_at,
                forged.recorded_by,
                forged.source,
                forged.payload,
                forged.hash.to_vec(),
            ],
        )
        .expect("forge");
    forged.seq
}
