//! The workflow tables of the PostgreSQL backend (schema/2-workflow.sql): accounts, tokens and
//! the audit trail; peers, outbox and inbox; traces; lost and stolen alerts; assessments and
//! assistance; stockpile records. Each through its storage trait, as the SQLite backend's
//! tests do, and the append-only tables refusing UPDATE, DELETE and TRUNCATE behind the
//! program's back.

use salw_assess::score::{Entry, Status};
use salw_core::LifecycleEvent;
use salw_core::event::EventKind;
use salw_core::lifecycle::WeaponStatus;
use salw_store::assessments::{self as assess, AssessBackend, AssistanceRecord, StoredEntry};
use salw_store::stockpile::{StockBackend, StockRecord};
use salw_store::{
    AccessBackend, Account, AlertBackend, AlertHit, ApiToken, AuditDraft, AuditFilter, AuditRecord,
    FederationBackend, InboxMessage, OutboxMessage, PartnerAlert, PeerRecord, TraceBackend,
    TraceRecord, TraceStep,
};
use salw_store::{Backend, EventDraft, Record, RecordRef, Registry, RowError, Staged};
use salw_store_postgres::{PgBackend, fresh_test_database};
use serde_json::json;
use uuid::Uuid;

fn open(label: &str) -> Option<PgBackend> {
    let url = fresh_test_database(label)?;
    Some(PgBackend::open(&url, true).expect("create"))
}

/// A fresh schema and its URL, for tests that open several connections.
fn open_url(label: &str) -> Option<(PgBackend, String)> {
    let url = fresh_test_database(label)?;
    Some((PgBackend::open(&url, true).expect("create"), url))
}

/// Every statement must be refused by a trigger (each in its own implicit transaction).
fn refused(b: &mut PgBackend, statements: &[&str]) {
    for sql in statements {
        match b.client().batch_execute(sql) {
            Ok(()) => panic!("{sql} must be refused"),
            Err(e) => assert_eq!(
                e.code(),
                Some(&postgres::error::SqlState::RAISE_EXCEPTION),
                "{sql}: refused by a trigger, not by {e}"
            ),
        }
    }
}

fn account(name: &str) -> Account {
    Account {
        name: name.into(),
        role: "clerk".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        created_by: "setup".into(),
        disabled: false,
    }
}

fn token(hash: &str, prefix: &str, account: &str, at: &str) -> ApiToken {
    ApiToken {
        hash: hash.into(),
        prefix: prefix.into(),
        account: account.into(),
        label: "import job".into(),
        created_at: at.into(),
        revoked: false,
    }
}

fn draft(actor: &str, action: &str, asked: &str) -> AuditDraft {
    AuditDraft {
        at: "2026-01-01T00:00:00.000Z".into(),
        actor: actor.into(),
        role: "clerk".into(),
        action: action.into(),
        asked: asked.into(),
        shown: "[]".into(),
    }
}

#[test]
fn accounts_are_unique_by_name_and_changed_only_in_what_is_given() {
    let Some(mut b) = open("accounts") else {
        return;
    };
    assert!(b.insert_account(&account("amina")).expect("amina"));
    assert!(b.insert_account(&account("bwalya")).expect("bwalya"));
    assert!(b.insert_account(&account("Zed")).expect("Zed"));
    let mut taken = account("amina");
    taken.role = "admin".into();
    assert!(
        !b.insert_account(&taken).expect("again"),
        "a name taken is refused"
    );
    assert_eq!(
        b.account("amina").expect("read").map(|a| a.role),
        Some("clerk".into()),
        "nothing written by the refused insert"
    );
    assert_eq!(b.account("nobody").expect("read"), None);

    assert!(
        b.update_account("amina", Some("supervisor"), None, None)
            .expect("role")
    );
    assert!(
        b.update_account("amina", None, Some("new-hash"), Some(true))
            .expect("password, disabled")
    );
    let amina = b.account("amina").expect("read").expect("there");
    assert_eq!(amina.role, "supervisor");
    assert_eq!(amina.password_hash, "new-hash");
    assert!(amina.disabled);
    assert!(
        !b.update_account("nobody", Some("admin"), None, None)
            .expect("nobody")
    );
    let names: Vec<_> = b
        .accounts()
        .expect("accounts")
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(
        names,
        ["Zed", "amina", "bwalya"],
        "byte order, as SQLite sorts, whatever the database's locale"
    );
}

#[test]
fn tokens_are_found_by_hash_and_revoked_by_prefix() {
    let Some(mut b) = open("tokens") else {
        return;
    };
    assert!(b.insert_account(&account("amina")).expect("amina"));
    b.insert_token(&token("h2", "salw_bb", "amina", "2026-01-02T00:00:00.000Z"))
        .expect("second");
    b.insert_token(&token("h1", "salw_aa", "amina", "2026-01-01T00:00:00.000Z"))
        .expect("first");
    assert!(
        b.insert_token(&token("h1", "salw_cc", "amina", "2026-01-03T00:00:00.000Z"))
            .is_err(),
        "a hash is stored once"
    );
    assert!(
        b.insert_token(&token(
            "h3",
            "salw_dd",
            "nobody",
            "2026-01-03T00:00:00.000Z"
        ))
        .is_err(),
        "a token of no account is refused"
    );
    assert_eq!(
        b.token("h1").expect("read").map(|t| t.prefix),
        Some("salw_aa".into())
    );
    assert_eq!(b.token("h9").expect("read"), None);
    let prefixes: Vec<_> = b
        .tokens_of("amina")
        .expect("tokens")
        .into_iter()
        .map(|t| t.prefix)
        .collect();
    assert_eq!(prefixes, ["salw_aa", "salw_bb"], "oldest first");
    assert!(b.revoke_token("amina", "salw_aa").expect("revoke"));
    assert!(
        !b.revoke_token("amina", "salw_aa").expect("again"),
        "revoked once"
    );
    assert!(!b.revoke_token("bwalya", "salw_bb").expect("not theirs"));
    assert!(b.token("h1").expect("read").is_some_and(|t| t.revoked));
    assert!(b.token("h2").expect("read").is_some_and(|t| !t.revoked));
}

#[test]
fn the_audit_trail_is_chained_read_newest_first_and_never_changed() {
    let Some(mut b) = open("audit") else {
        return;
    };
    assert_eq!(b.audit_head().expect("head"), None);
    // The rows append_audit writes, chained the same way (append_audit itself needs the
    // write lock of the core Backend: see the_audit_trail_appends_under_the_write_lock).
    let mut previous = [0u8; 32];
    for (seq, d) in [
        draft("amina", "search", "R-1"),
        draft("bwalya", "login", ""),
        draft("amina", "view-weapon", "w1"),
    ]
    .into_iter()
    .enumerate()
    {
        let seq = seq as i64 + 1;
        let hash = d.chain_hash(seq, &previous);
        b.insert_audit(&AuditRecord {
            seq,
            draft: d,
            hash,
        })
        .expect("insert");
        previous = hash;
    }
    assert_eq!(b.audit_head().expect("head"), Some((3, previous)));
    assert_eq!(salw_store::verify_audit(&mut b).expect("verify"), None);
    let seqs = |records: Vec<AuditRecord>| records.into_iter().map(|r| r.seq).collect::<Vec<_>>();
    let all = AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    };
    assert_eq!(seqs(b.audit(&all).expect("all")), [3, 2, 1]);
    let amina = AuditFilter {
        actor: Some("amina".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    assert_eq!(seqs(b.audit(&amina).expect("amina")), [3, 1]);
    let logins = AuditFilter {
        action: Some("login".into()),
        limit: 10,
        ..AuditFilter::default()
    };
    assert_eq!(seqs(b.audit(&logins).expect("logins")), [2]);
    let page = AuditFilter {
        before: Some(3),
        limit: 1,
        ..AuditFilter::default()
    };
    assert_eq!(seqs(b.audit(&page).expect("page")), [2]);
    let mut scanned = Vec::new();
    b.scan_audit(&mut |r| {
        scanned.push(r.seq);
        Ok(())
    })
    .expect("scan");
    assert_eq!(scanned, [1, 2, 3]);
    assert!(
        b.insert_audit(&AuditRecord {
            seq: 3,
            draft: draft("x", "x", "x"),
            hash: [0; 32],
        })
        .is_err(),
        "a sequence number is used once"
    );
    refused(
        &mut b,
        &[
            "UPDATE audit SET shown = 'nothing' WHERE seq = 2",
            "DELETE FROM audit WHERE seq = 3",
            "TRUNCATE audit",
        ],
    );
    assert_eq!(salw_store::verify_audit(&mut b).expect("verify"), None);
}

fn peer(country: &str, url: &str, removed: bool) -> PeerRecord {
    PeerRecord {
        country: country.into(),
        url: url.into(),
        public_key: "ab".repeat(32),
        added_at: "2026-01-01T00:00:00.000Z".into(),
        added_by: "admin".into(),
        removed,
    }
}

fn message(id: &str, next: &str) -> OutboxMessage {
    OutboxMessage {
        id: id.into(),
        destination: "UG".into(),
        kind: "ping".into(),
        envelope: "{}".into(),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        expires_at: "2026-02-01T00:00:00.000Z".into(),
        attempts: 0,
        next_attempt_at: next.into(),
        delivered_at: None,
        abandoned: None,
        last_error: None,
    }
}

#[test]
fn the_current_peer_is_the_latest_row_and_history_is_append_only() {
    let Some(mut b) = open("peers") else {
        return;
    };
    let first = b.insert_peer(&peer("UG", "http://old", false)).expect("ug");
    b.insert_peer(&peer("KE", "http://ke", false)).expect("ke");
    let third = b
        .insert_peer(&peer("UG", "http://new", false))
        .expect("ug again");
    assert!(third > first, "sequence numbers grow");
    b.insert_peer(&peer("KE", "http://ke", true))
        .expect("ke removed");
    let current = b.peers().expect("peers");
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].url, "http://new");
    let history: Vec<_> = b
        .peer_history()
        .expect("history")
        .into_iter()
        .map(|p| (p.country, p.removed))
        .collect();
    assert_eq!(
        history,
        [
            ("UG".to_owned(), false),
            ("KE".to_owned(), false),
            ("UG".to_owned(), false),
            ("KE".to_owned(), true)
        ]
    );
    refused(
        &mut b,
        &[
            "UPDATE peers SET url = 'x'",
            "DELETE FROM peers",
            "TRUNCATE peers",
        ],
    );
}

#[test]
fn the_outbox_hands_out_due_messages_until_delivered() {
    let Some(mut b) = open("outbox") else {
        return;
    };
    assert!(
        b.enqueue(&message("a", "2026-01-01T00:00:00.000Z"))
            .expect("a")
    );
    assert!(
        b.enqueue(&message("b", "2026-01-01T00:10:00.000Z"))
            .expect("b")
    );
    let mut again = message("a", "2026-01-01T00:00:00.000Z");
    again.envelope = "{\"other\":1}".into();
    assert!(!b.enqueue(&again).expect("again"), "an id is queued once");
    assert_eq!(
        b.sent("a").expect("sent").map(|m| m.envelope),
        Some("{}".into()),
        "nothing written by the refused enqueue"
    );
    let due = b.due_messages("2026-01-01T00:05:00.000Z", 10).expect("due");
    assert_eq!(due.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["a"]);
    b.record_attempt("a", 1, "2026-01-01T00:20:00.000Z", "refused")
        .expect("attempt");
    assert_eq!(
        b.next_due().expect("next").as_deref(),
        Some("2026-01-01T00:10:00.000Z")
    );
    let due = b.due_messages("2026-01-01T00:30:00.000Z", 10).expect("due");
    assert_eq!(
        due.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["b", "a"],
        "oldest attempt first"
    );
    assert_eq!(due[1].last_error.as_deref(), Some("refused"));
    assert_eq!(
        b.due_messages("2026-01-01T00:30:00.000Z", 1)
            .expect("due")
            .len(),
        1
    );
    b.mark_delivered("a", "2026-01-01T00:30:00.000Z", 2)
        .expect("delivered");
    b.mark_delivered("a", "2026-01-01T00:40:00.000Z", 3)
        .expect("delivered twice");
    b.abandon("b", "expired").expect("abandon");
    assert!(
        b.due_messages("2027-01-01T00:00:00.000Z", 10)
            .expect("due")
            .is_empty()
    );
    assert_eq!(b.next_due().expect("next"), None);
    let a = b.sent("a").expect("sent").expect("a");
    assert_eq!(a.attempts, 2);
    assert_eq!(
        a.delivered_at.as_deref(),
        Some("2026-01-01T00:30:00.000Z"),
        "the first delivery is kept"
    );
    assert_eq!(
        b.sent("b").expect("sent").and_then(|m| m.abandoned),
        Some("expired".into())
    );
    assert_eq!(b.sent("z").expect("sent"), None);
    let all: Vec<_> = b
        .outbox(10)
        .expect("outbox")
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        all,
        ["b", "a"],
        "newest first (same time: by id, descending)"
    );
    refused(
        &mut b,
        &[
            "UPDATE outbox SET envelope = 'x' WHERE id = 'a'",
            "UPDATE outbox SET destination = 'KE' WHERE id = 'a'",
        ],
    );
}

fn inbox_message(id: &str, at: &str) -> InboxMessage {
    InboxMessage {
        id: id.into(),
        sender: "KE".into(),
        sender_key: "0123456789abcdef".into(),
        kind: "ping".into(),
        digest: "d".into(),
        envelope: "{}".into(),
        received_at: at.into(),
        processed_at: None,
    }
}

#[test]
fn a_message_id_enters_the_inbox_once() {
    let Some(mut b) = open("inbox") else {
        return;
    };
    let m = inbox_message("m1", "2026-01-01T00:00:00.000Z");
    assert!(b.insert_inbox(&m).expect("first"));
    let mut copy = m.clone();
    copy.digest = "other".into();
    assert!(!b.insert_inbox(&copy).expect("second"));
    assert_eq!(
        b.inbox_digest("m1").expect("digest").as_deref(),
        Some("d"),
        "the first copy is kept"
    );
    assert_eq!(b.inbox_digest("m2").expect("digest"), None);
    assert_eq!(
        b.received("m1").expect("received").map(|m| m.sender),
        Some("KE".into())
    );
    assert_eq!(b.received("m2").expect("received"), None);
    b.mark_processed("m1", "2026-01-01T00:00:01.000Z")
        .expect("processed");
    b.mark_processed("m1", "2026-01-01T00:00:09.000Z")
        .expect("processed again");
    assert!(
        b.insert_inbox(&inbox_message("m0", "2026-01-02T00:00:00.000Z"))
            .expect("later")
    );
    let inbox = b.inbox(10).expect("inbox");
    assert_eq!(
        inbox.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        ["m0", "m1"],
        "newest first"
    );
    assert_eq!(
        inbox[1].processed_at.as_deref(),
        Some("2026-01-01T00:00:01.000Z"),
        "processed once"
    );
    assert_eq!(b.inbox(1).expect("inbox").len(), 1);
    refused(
        &mut b,
        &[
            "DELETE FROM inbox",
            "TRUNCATE inbox",
            "UPDATE inbox SET envelope = 'x'",
            "UPDATE inbox SET digest = 'x'",
        ],
    );
}

fn trace(id: &str, at: &str) -> TraceRecord {
    TraceRecord {
        id: id.into(),
        role: "sent".into(),
        partner: "UG".into(),
        weapon_id: Some("0192f3c4-0000-7000-8000-000000000001".into()),
        reference: "CASE-1".into(),
        priority: "routine".into(),
        urgency_reason: None,
        request: "{}".into(),
        restrictions: "[]".into(),
        confidentiality: "restricted".into(),
        created_at: at.into(),
        created_by: "clerk".into(),
    }
}

fn step(id: &str, state: &str, message: Option<&str>) -> TraceStep {
    TraceStep {
        trace_id: id.into(),
        state: state.into(),
        at: "2026-11-29T16:00:00.000Z".into(),
        by: "clerk".into(),
        message_id: message.map(str::to_owned),
        acknowledge_by: (state == "sent").then(|| "2026-12-29".to_owned()),
        answer_by: None,
        detail: "{}".into(),
    }
}

#[test]
fn trace_steps_are_kept_in_order_and_nothing_is_changed_or_deleted() {
    let Some(mut b) = open("traces") else {
        return;
    };
    b.insert_trace(&trace("t1", "2026-11-29T16:00:00.000Z"))
        .expect("trace");
    b.insert_trace(&trace("t2", "2026-11-30T16:00:00.000Z"))
        .expect("second trace");
    assert!(
        b.insert_trace(&trace("t1", "2026-12-01T00:00:00.000Z"))
            .is_err(),
        "an id is used once"
    );
    let mut bad = trace("t3", "2026-12-01T00:00:00.000Z");
    bad.priority = "whenever".into();
    assert!(b.insert_trace(&bad).is_err(), "priority is checked");
    b.add_trace_step(&step("t1", "draft", None)).expect("draft");
    b.add_trace_step(&step("t1", "sent", Some("m1")))
        .expect("sent");
    b.add_trace_step(&step("t1", "acknowledged", Some("m2")))
        .expect("ack");
    let steps = b.trace_steps("t1").expect("steps");
    let states: Vec<_> = steps.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(states, ["draft", "sent", "acknowledged"]);
    assert_eq!(steps[1], step("t1", "sent", Some("m1")), "read as written");
    assert!(b.trace_steps("t2").expect("steps").is_empty());
    assert_eq!(
        b.trace_of_request("m1").expect("by request").map(|t| t.id),
        Some("t1".to_owned())
    );
    // The acknowledgement's message is not a request.
    assert_eq!(b.trace_of_request("m2").expect("by reply"), None);
    assert_eq!(
        b.trace("t1").expect("read"),
        Some(trace("t1", "2026-11-29T16:00:00.000Z"))
    );
    assert_eq!(b.trace("t9").expect("read"), None);
    let ids: Vec<_> = b
        .traces()
        .expect("traces")
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["t2", "t1"], "newest first");
    refused(
        &mut b,
        &[
            "UPDATE traces SET partner = 'TZ'",
            "DELETE FROM traces",
            "TRUNCATE traces CASCADE",
            "UPDATE trace_steps SET state = 'closed'",
            "DELETE FROM trace_steps",
            "TRUNCATE trace_steps",
        ],
    );
    // A step of no trace is refused.
    assert!(b.add_trace_step(&step("nope", "sent", None)).is_err());
}

fn partner_alert(message_id: &str, partner: &str, key: &str) -> PartnerAlert {
    PartnerAlert {
        message_id: message_id.into(),
        partner: partner.into(),
        identity_key: key.into(),
        reference: "0192f3c4-0000-7000-8000-0000000000aa".into(),
        reported: "stolen".into(),
        reported_on: "2026-03-01".into(),
        serial: "AK-1".into(),
        manufacturer: "Izhmash".into(),
        model: "AKM".into(),
        country: "RU".into(),
        received_at: "2026-03-02T00:00:00.000Z".into(),
    }
}

fn hit(direction: &str, alert: &str, detail: &str) -> AlertHit {
    AlertHit {
        seq: 0,
        direction: direction.into(),
        alert: alert.into(),
        partner: "KE".into(),
        weapon_id: Some("0192f3c4-0000-7000-8000-000000000001".into()),
        recovery: "seized".into(),
        recovered_on: "2026-04-01".into(),
        detail: detail.into(),
        at: "2026-04-02T00:00:00.000Z".into(),
        notice: None,
    }
}

#[test]
fn alerts_received_and_hits_are_kept_once_and_never_changed() {
    let Some(mut b) = open("alerts") else {
        return;
    };
    assert!(!b.has_partner_alerts().expect("none yet"));
    assert!(
        b.insert_partner_alert(&partner_alert("a2", "UG", "k1"))
            .expect("a2")
    );
    assert!(
        b.insert_partner_alert(&partner_alert("a1", "KE", "k1"))
            .expect("a1")
    );
    assert!(
        b.insert_partner_alert(&partner_alert("a3", "KE", "k2"))
            .expect("a3")
    );
    assert!(
        !b.insert_partner_alert(&partner_alert("a1", "TZ", "k9"))
            .expect("again"),
        "a message is kept once"
    );
    assert!(b.has_partner_alerts().expect("some"));
    let for_k1: Vec<_> = b
        .partner_alerts_for("k1")
        .expect("k1")
        .into_iter()
        .map(|a| a.message_id)
        .collect();
    assert_eq!(for_k1, ["a2", "a1"], "in the order received");
    assert_eq!(
        b.partner_alerts_for("k2").expect("k2"),
        [partner_alert("a3", "KE", "k2")]
    );
    assert!(b.partner_alerts_for("k9").expect("k9").is_empty());
    let kept: Vec<_> = b
        .partner_alert_records()
        .expect("all")
        .into_iter()
        .map(|a| a.message_id)
        .collect();
    assert_eq!(
        kept,
        ["a2", "a1", "a3"],
        "every alert, in the order received"
    );
    assert_eq!(
        b.partner_alert_counts().expect("counts"),
        [("KE".to_owned(), 2), ("UG".to_owned(), 1)]
    );

    assert!(
        b.insert_alert_hit(&hit("recovered-here", "a1", "e1"))
            .expect("hit")
    );
    assert!(
        !b.insert_alert_hit(&hit("recovered-here", "a1", "e1"))
            .expect("same hit"),
        "the same alert hits the same recovery once"
    );
    assert!(
        b.insert_alert_hit(&hit("recovered-here", "a2", "e1"))
            .expect("other alert")
    );
    assert!(
        b.insert_alert_hit(&hit("reported-here", "m7", "{\"seized\":true}"))
            .expect("reported here")
    );
    assert!(
        b.insert_alert_hit(&hit("sideways", "a3", "e2")).is_err(),
        "direction is checked"
    );
    let to_notify = b.hits_to_notify().expect("to notify");
    assert_eq!(
        to_notify
            .iter()
            .map(|h| h.alert.as_str())
            .collect::<Vec<_>>(),
        ["a1", "a2"],
        "recovered here, oldest first"
    );
    b.record_notice(to_notify[0].seq, "n1").expect("notice");
    assert!(
        b.record_notice(to_notify[0].seq, "n2").is_err(),
        "a hit is notified once"
    );
    assert!(b.record_notice(9999, "n3").is_err(), "a notice of no hit");
    let left: Vec<_> = b
        .hits_to_notify()
        .expect("left")
        .into_iter()
        .map(|h| h.alert)
        .collect();
    assert_eq!(left, ["a2"]);
    let all = b.alert_hits().expect("hits");
    assert_eq!(
        all.iter()
            .map(|h| (h.alert.as_str(), h.notice.as_deref()))
            .collect::<Vec<_>>(),
        [("m7", None), ("a2", None), ("a1", Some("n1"))],
        "newest first, with the notice sent"
    );
    assert_eq!(all[2].weapon_id, hit("x", "x", "x").weapon_id);
    assert!(
        b.record_shared("not-a-uuid", "KE", "m1").is_err(),
        "an event id is a UUID"
    );
    refused(
        &mut b,
        &[
            "UPDATE partner_alerts SET serial = 'x'",
            "DELETE FROM partner_alerts",
            "TRUNCATE partner_alerts",
            "UPDATE alert_hits SET detail = 'x'",
            "DELETE FROM alert_hits",
            "UPDATE alert_notices SET message_id = 'x'",
            "DELETE FROM alert_notices",
            "TRUNCATE alert_notices",
        ],
    );
}

fn entry(clause: &str, status: Status, due: Option<&str>) -> StoredEntry {
    StoredEntry {
        seq: 0,
        assessment: "2026 baseline".into(),
        checklist: salw_assess::checklist::CURRENT.into(),
        entry: Entry {
            clause: clause.into(),
            status,
            note: Some("seen on site".into()),
            document: None,
            owner: due.map(|_| "Registrar".to_owned()),
            due: due.map(|d| d.parse().expect("date")),
        },
        figure: Some("98.0 % (294 of 300)".into()),
        entered_at: "2026-05-01T00:00:00.000Z".into(),
        entered_by: "assessor".into(),
    }
}

fn assistance(kind: &str, id: &str) -> AssistanceRecord {
    AssistanceRecord {
        seq: 0,
        kind: kind.into(),
        id: id.into(),
        body: format!("{{\"id\":\"{id}\"}}"),
        entered_at: "2026-05-01T00:00:00.000Z".into(),
        entered_by: "assessor".into(),
    }
}

#[test]
fn assessment_entries_and_assistance_are_appended_and_read_back() {
    let Some(mut b) = open("assessments") else {
        return;
    };
    let first = b
        .insert_assessment_entry(&entry("05.20.01", Status::PartlyMet, Some("2026-12-31")))
        .expect("first");
    let second = b
        .insert_assessment_entry(&entry("05.20.01", Status::Met, None))
        .expect("second");
    assert!(second > first);
    let mut other = entry("05.20.02", Status::NotMet, None);
    other.assessment = "2027 review".into();
    other.figure = None;
    b.insert_assessment_entry(&other).expect("other");
    let kept = b.assessment_entries(Some("2026 baseline")).expect("kept");
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].seq, first);
    let mut expected = entry("05.20.01", Status::PartlyMet, Some("2026-12-31"));
    expected.seq = first;
    assert_eq!(kept[0], expected, "read as written, due date included");
    assert_eq!(b.assessment_entries(None).expect("all").len(), 3);
    assert!(b.assessment_entries(Some("none")).expect("none").is_empty());
    // Read through salw_store: the latest entry of a clause counts.
    let now = assess::current(&mut b, "2026 baseline").expect("current");
    assert_eq!(
        now.entries.get("05.20.01").map(|e| e.status),
        Some(Status::Met)
    );
    let names: Vec<_> = assess::assessments(&mut b)
        .expect("assessments")
        .into_iter()
        .map(|a| (a.name, a.entries))
        .collect();
    assert_eq!(
        names,
        [
            ("2026 baseline".to_owned(), 2),
            ("2027 review".to_owned(), 1)
        ]
    );

    assert!(
        b.insert_assistance_record(&assistance("need", "N-1"))
            .expect("need")
    );
    assert!(
        !b.insert_assistance_record(&assistance("need", "N-1"))
            .expect("need again"),
        "a need of that id is kept already"
    );
    assert!(
        b.insert_assistance_record(&assistance("offer", "N-1"))
            .expect("an offer may share the id")
    );
    assert!(
        b.insert_assistance_record(&assistance("result", "P-1"))
            .expect("result")
    );
    assert!(
        b.insert_assistance_record(&assistance("result", "P-1"))
            .expect("another result"),
        "results are not unique"
    );
    assert!(
        b.insert_assistance_record(&assistance("wish", "W-1"))
            .is_err(),
        "kind is checked"
    );
    let records = b.assistance_records().expect("records");
    assert_eq!(
        records
            .iter()
            .map(|r| (r.kind.as_str(), r.id.as_str()))
            .collect::<Vec<_>>(),
        [
            ("need", "N-1"),
            ("offer", "N-1"),
            ("result", "P-1"),
            ("result", "P-1")
        ]
    );
    assert!(records.windows(2).all(|w| w[0].seq < w[1].seq));
    refused(
        &mut b,
        &[
            "UPDATE assessment_entries SET status = 'met'",
            "DELETE FROM assessment_entries",
            "TRUNCATE assessment_entries",
            "UPDATE assistance SET body = '{}'",
            "DELETE FROM assistance",
            "TRUNCATE assistance",
        ],
    );
    assert!(
        b.client()
            .batch_execute(
                "INSERT INTO assessment_entries (assessment, checklist, clause, status,
                     entered_at, entered_by) VALUES ('a', 'c', 'x', 'maybe', 't', 'b')"
            )
            .is_err(),
        "status is checked"
    );
}

fn stock(kind: &str, id: &str, body: &str) -> StockRecord {
    StockRecord {
        seq: 0,
        kind: kind.into(),
        id: id.into(),
        body: body.into(),
        entered_at: "2026-06-01T00:00:00.000Z".into(),
        entered_by: "storekeeper".into(),
    }
}

#[test]
fn stock_records_of_unique_kinds_are_kept_once_and_never_changed() {
    let Some(mut b) = open("stock_records") else {
        return;
    };
    for kind in [
        "count",
        "count_result",
        "discrepancy",
        "campaign",
        "destruction",
    ] {
        assert!(
            b.insert_stock_record(&stock(kind, "X-1", "{\"first\":true}"))
                .expect(kind)
        );
        assert!(
            !b.insert_stock_record(&stock(kind, "X-1", "{\"first\":false}"))
                .expect(kind),
            "a second {kind} X-1 is refused"
        );
        assert!(
            b.insert_stock_record(&stock(kind, "X-2", "{}"))
                .expect(kind),
            "another {kind} id is kept"
        );
    }
    for kind in [
        "policy",
        "discrepancy_step",
        "destruction_evidence",
        "hold",
        "release",
        "intake",
    ] {
        for _ in 0..2 {
            assert!(
                b.insert_stock_record(&stock(kind, "X-1", "{}"))
                    .expect(kind),
                "{kind} is kept each time"
            );
        }
    }
    assert!(
        b.insert_stock_record(&stock("loan", "X-1", "{}")).is_err(),
        "kind is checked"
    );
    let counts = b.stock_records("count", None).expect("counts");
    assert_eq!(
        counts
            .iter()
            .map(|r| (r.id.as_str(), r.body.as_str()))
            .collect::<Vec<_>>(),
        [("X-1", "{\"first\":true}"), ("X-2", "{}")],
        "the first record is the one kept, oldest first"
    );
    assert_eq!(counts[0].entered_by, "storekeeper");
    assert_eq!(
        b.stock_records("hold", Some("X-1")).expect("holds").len(),
        2
    );
    assert!(
        b.stock_records("hold", Some("X-2"))
            .expect("none")
            .is_empty()
    );
    let seqs: Vec<_> = b
        .stock_records("intake", None)
        .expect("intakes")
        .into_iter()
        .map(|r| r.seq)
        .collect();
    assert!(seqs[0] < seqs[1]);
    refused(
        &mut b,
        &[
            "UPDATE stock_records SET body = '{}'",
            "DELETE FROM stock_records",
            "TRUNCATE stock_records",
        ],
    );
}

// What joins the core tables: written through the registry (the core Backend).

fn ctx() -> salw_store::WriteContext {
    salw_store::WriteContext {
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

fn event_record(event: LifecycleEvent, to: Option<Uuid>) -> Result<Staged, RowError> {
    staged(Record::Event(Box::new(EventDraft {
        weapon: RecordRef::Id(event.weapon_id),
        from_holder: None,
        to_holder: to.map(RecordRef::Id),
        derive_id: false,
        event,
    })))
}

/// An event of `kind` on `on`, with what its kind asks for; returns its id with it.
fn event(weapon: Uuid, kind: EventKind, on: &str, to: Option<Uuid>) -> (Uuid, LifecycleEvent) {
    let id = Uuid::now_v7();
    let mut e = LifecycleEvent::new(id, weapon, kind, on.parse().expect("date"));
    e.to_holder = to;
    match kind {
        EventKind::Seized => {
            e.seizure_basis = Some(salw_core::event::SeizureBasis::CriminalOffence)
        }
        EventKind::Deactivated => {
            e.standard = Some("EU 2015/2403".into());
            e.verifier = Some("Proof house".into());
        }
        EventKind::Issued => {
            e.due_on = Some("2025-03-02".parse().expect("date"));
            e.reason = Some("guard duty".into());
        }
        _ => {}
    }
    (id, e)
}

fn write(reg: &mut Registry<PgBackend>, records: Vec<Result<Staged, RowError>>) {
    let o = reg.write(&ctx(), records, &mut |_| {}).expect("write");
    assert!(o.committed(), "{:?}", o.errors);
}

fn registry(label: &str) -> Option<Registry<PgBackend>> {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let mut reg = Registry::new(open(label)?);
    reg.init(Some("MW"), &key, &ctx()).expect("init");
    Some(reg.with_signing_key(key))
}

fn weapon(serial: Option<&str>) -> (Uuid, Result<Staged, RowError>) {
    let id = Uuid::now_v7();
    let mut w = json!({"id": id, "category": "rifle"});
    if let Some(serial) = serial {
        w["serial"] = json!(serial);
        w["manufacturer"] = json!("Depot Arms");
        w["model"] = json!("D1");
        w["country"] = json!("BE");
    } else {
        w["inadequately_marked"] = json!(true);
        w["follow_up"] = json!("mark_and_record");
    }
    let record = serde_json::from_value(w).expect("weapon");
    (id, staged(Record::Weapon(record)))
}

#[test]
fn lost_and_stolen_reports_are_shared_once_per_partner_and_recoveries_read_in_order() {
    let Some(mut reg) = registry("alerts registry") else {
        return;
    };
    let (w1, r1) = weapon(Some("S-1"));
    let (w2, r2) = weapon(Some("S-2"));
    let (w3, r3) = weapon(Some("S-3"));
    let (stolen, e1) = event(w1, EventKind::ReportedStolen, "2026-01-10", None);
    let (lost, e2) = event(w2, EventKind::ReportedLost, "2026-01-11", None);
    let (seized, e3) = event(w3, EventKind::Seized, "2026-01-12", None);
    write(
        &mut reg,
        vec![
            r1,
            r2,
            r3,
            event_record(e1, None),
            event_record(e2, None),
            event_record(e3, None),
        ],
    );
    let b = reg.backend();
    let unshared = b.lost_stolen_unshared("KE", 0, 10).expect("unshared");
    assert_eq!(
        unshared
            .iter()
            .map(|(_, r)| (r.event_id.clone(), r.reported.as_str()))
            .collect::<Vec<_>>(),
        [(stolen.to_string(), "stolen"), (lost.to_string(), "lost")]
    );
    assert!(unshared[0].0 < unshared[1].0, "cursors grow");
    let first = &unshared[0].1;
    assert_eq!(first.weapon_id, w1.to_string());
    assert_eq!(first.reported_on, "2026-01-10");
    assert_eq!(first.serial.as_deref(), Some("S-1"));
    assert_eq!(first.manufacturer.as_deref(), Some("Depot Arms"));
    assert_eq!(first.model.as_deref(), Some("D1"));
    assert_eq!(first.country.as_deref(), Some("BE"));
    assert_eq!(first.category, "rifle");
    assert_eq!(b.lost_stolen_unshared("KE", 0, 1).expect("one").len(), 1);
    let after_first = b
        .lost_stolen_unshared("KE", unshared[0].0, 10)
        .expect("after");
    assert_eq!(after_first.len(), 1);
    assert_eq!(after_first[0].1.event_id, lost.to_string());

    b.record_shared(&stolen.to_string(), "KE", "m-1")
        .expect("shared");
    assert!(
        b.record_shared(&stolen.to_string(), "KE", "m-2").is_err(),
        "shared with a partner once"
    );
    let to_ke: Vec<_> = b
        .lost_stolen_unshared("KE", 0, 10)
        .expect("KE")
        .into_iter()
        .map(|(_, r)| r.event_id)
        .collect();
    assert_eq!(to_ke, [lost.to_string()]);
    assert_eq!(b.lost_stolen_unshared("UG", 0, 10).expect("UG").len(), 2);
    assert_eq!(
        b.shared_weapon("m-1").expect("shared"),
        Some(w1.to_string())
    );
    assert_eq!(b.shared_weapon("m-9").expect("none"), None);
    b.record_shared(&lost.to_string(), "UG", "m-3")
        .expect("shared");
    let shared: Vec<_> = b
        .shared_alert_records()
        .expect("shared")
        .into_iter()
        .map(|s| (s.event_id, s.partner, s.message_id))
        .collect();
    assert_eq!(
        shared,
        [
            (stolen.to_string(), "KE".to_owned(), "m-1".to_owned()),
            (lost.to_string(), "UG".to_owned(), "m-3".to_owned())
        ],
        "in the order kept"
    );
    refused(
        b,
        &[
            "UPDATE alerts_shared SET partner = 'UG'",
            "DELETE FROM alerts_shared",
            "TRUNCATE alerts_shared",
        ],
    );

    let recoveries = b.recoveries_after(0, 10).expect("recoveries");
    assert_eq!(recoveries.len(), 1);
    assert_eq!(recoveries[0].event_id, seized.to_string());
    assert_eq!(recoveries[0].weapon_id, w3.to_string());
    assert_eq!(recoveries[0].kind, "seized");
    assert_eq!(recoveries[0].occurred_on, "2026-01-12");
    assert!(recoveries[0].identity_key.is_some());
    let cursor = recoveries[0].seq;
    assert!(b.recoveries_after(cursor, 10).expect("none").is_empty());

    // The stolen rifle found; the loss report withdrawn by a correction.
    let (found, e4) = event(w1, EventKind::Found, "2026-02-01", None);
    let (_, mut withdrawal) = event(w2, EventKind::Corrected, "2026-01-11", None);
    withdrawal.supersedes = Some(lost);
    withdrawal.reason = Some("it was in the other safe".into());
    write(
        &mut reg,
        vec![event_record(e4, None), event_record(withdrawal, None)],
    );
    let b = reg.backend();
    let later = b.recoveries_after(cursor, 10).expect("later");
    assert_eq!(
        later.iter().map(|r| r.event_id.clone()).collect::<Vec<_>>(),
        [found.to_string()]
    );
    assert!(
        b.lost_stolen_unshared("KE", 0, 10).expect("KE").is_empty(),
        "a withdrawn report is not shared"
    );
}

#[test]
fn an_armourys_weapons_its_holders_and_the_assessment_figures_come_from_the_registry() {
    let Some(mut reg) = registry("holders") else {
        return;
    };
    let armoury = Uuid::now_v7();
    let officer = Uuid::now_v7();
    let clerk = Uuid::now_v7();
    let person =
        |v: serde_json::Value| staged(Record::Person(serde_json::from_value(v).expect("person")));
    let mut records = vec![
        person(
            json!({"id": armoury, "kind": "organisation", "name": "Central Armoury",
            "roles": ["state_unit"]}),
        ),
        person(json!({"id": officer, "kind": "individual", "name": "Cpl Mbewe", "sex": "female"})),
        person(json!({"id": clerk, "kind": "individual", "name": "J. Phiri"})),
    ];
    let mut weapons = Vec::new();
    for n in 1..=3 {
        let (id, r) = weapon(Some(&format!("R-{n}")));
        weapons.push(id);
        records.push(r);
        records.push(event_record(
            event(id, EventKind::Transferred, "2025-01-10", Some(armoury)).1,
            Some(armoury),
        ));
    }
    let (_, r) = weapon(None);
    records.push(r);
    records.push(event_record(
        event(weapons[2], EventKind::Issued, "2025-03-01", Some(officer)).1,
        Some(officer),
    ));
    records.push(event_record(
        event(weapons[0], EventKind::Deactivated, "2025-04-01", None).1,
        None,
    ));
    write(&mut reg, records);
    let b = reg.backend();
    let held = b.weapons_held_by(armoury).expect("held");
    assert_eq!(
        held.iter()
            .map(|h| (h.weapon_id, h.status))
            .collect::<Vec<_>>(),
        [
            (weapons[0], WeaponStatus::Deactivated),
            (weapons[1], WeaponStatus::Registered),
            (weapons[2], WeaponStatus::Issued)
        ],
        "in the order registered, the one out on issue too"
    );
    assert_eq!(held[0].serial.as_deref(), Some("R-1"));
    assert_eq!(held[0].reference, None);
    assert_eq!(held[0].description, "Depot Arms D1 (rifle)");
    assert!(
        b.weapons_held_by(Uuid::now_v7())
            .expect("nobody")
            .is_empty()
    );
    assert_eq!(
        b.holders().expect("holders"),
        [(armoury, 2, 1)],
        "two in store, one out on issue"
    );
    assert!(b.deactivated_then_recovered().expect("none").is_empty());
    assert_eq!(b.individuals_sex_recorded().expect("sex"), (2, 1));
    assert_eq!(b.weapons_awaiting_mark().expect("marks"), (4, 1));

    write(
        &mut reg,
        vec![event_record(
            event(weapons[0], EventKind::Seized, "2025-09-01", None).1,
            None,
        )],
    );
    assert_eq!(
        reg.backend().deactivated_then_recovered().expect("one"),
        [weapons[0]]
    );
}

#[test]
fn the_audit_trail_appends_under_the_write_lock_and_a_rolled_back_inbox_keeps_nothing() {
    let Some(mut b) = open("audit append") else {
        return;
    };
    let seqs = salw_store::append_audit(
        &mut b,
        &[draft("amina", "login", ""), draft("amina", "search", "R-1")],
    )
    .expect("append");
    assert_eq!(seqs, [1, 2]);
    let seqs = salw_store::append_audit(&mut b, &[draft("bwalya", "login", "")]).expect("again");
    assert_eq!(seqs, [3]);
    assert_eq!(salw_store::verify_audit(&mut b).expect("verify"), None);

    b.begin().expect("begin");
    assert!(
        b.insert_inbox(&inbox_message("m1", "2026-01-01T00:00:00.000Z"))
            .expect("first")
    );
    b.rollback().expect("rollback");
    assert_eq!(b.received("m1").expect("read"), None, "rolled back");
    b.begin().expect("begin");
    assert!(
        b.insert_inbox(&inbox_message("m1", "2026-01-01T00:00:00.000Z"))
            .expect("first")
    );
    b.commit().expect("commit");
    assert!(
        !b.insert_inbox(&inbox_message("m1", "2026-01-01T00:00:00.000Z"))
            .expect("second")
    );
}

#[test]
fn servers_appending_to_the_audit_trail_at_once_keep_one_unbroken_chain() {
    let Some((mut b, url)) = open_url("audit concurrent") else {
        return;
    };
    let writers: Vec<_> = ["amina", "bwalya", "chikondi"]
        .into_iter()
        .map(|actor| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut server = PgBackend::open(&url, false).expect("open");
                for n in 0..15 {
                    salw_store::append_audit(
                        &mut server,
                        &[
                            draft(actor, "search", &n.to_string()),
                            draft(actor, "view-weapon", "w"),
                        ],
                    )
                    .expect("append");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    assert_eq!(salw_store::verify_audit(&mut b).expect("verify"), None);
    assert_eq!(b.audit_head().expect("head").map(|(seq, _)| seq), Some(90));
    let amina = AuditFilter {
        actor: Some("amina".into()),
        limit: 100,
        ..AuditFilter::default()
    };
    assert_eq!(b.audit(&amina).expect("amina").len(), 30);
}
