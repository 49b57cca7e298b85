//! The trace workflow through the JSON API, between two real servers: a request drafted from
//! a seizure (refused while an item of DOMAIN.md §6 is missing), sent, acknowledged, answered
//! with restrictions, and closed with its point of diversion, which records the weapon's
//! tracing status; the refusals of a step out of turn.

use std::time::{Duration, Instant};

use salw_access::Role;
use serde_json::{Value, json};

use crate::TestServer;

/// Polls `GET /api/v1/traces` on `server` until a trace satisfies `wanted` (30 s at most).
fn wait_for_trace(server: &TestServer, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (code, list) = server.get_json("/api/v1/traces", Role::Investigator);
        assert_eq!(code, 200, "{list}");
        if let Some(t) = list["traces"]
            .as_array()
            .and_then(|ts| ts.iter().find(|t| wanted(t)))
        {
            return t.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} never happened: {list}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn step(server: &TestServer, id: &str, action: &str, body: Value) -> (u16, Value) {
    server.json(
        "POST",
        &format!("/api/v1/traces/{id}/{action}"),
        Role::Investigator,
        &body,
    )
}

#[test]
fn a_trace_goes_through_the_api_from_request_to_closure_between_two_servers() {
    let ke = TestServer::start_as(300, "KE", 21);
    let ug = TestServer::start_as(50, "UG", 22);
    ke.trust(&ug, "UG");
    ug.trust(&ke, "KE");
    let weapon = ke.some_weapon("seized");
    let weapon_id = weapon["weapon"]["id"].as_str().expect("id").to_owned();
    // The domestic trace first: what KE's own records say.
    let (code, domestic) = ke.get_json(
        &format!("/api/v1/weapons/{weapon_id}/domestic-trace"),
        Role::Investigator,
    );
    assert_eq!(code, 200, "{domestic}");
    assert!(
        ["point_of_diversion", "ask_states"].contains(&domestic["found"].as_str().unwrap_or("")),
        "{domestic}"
    );
    let (code, _) = ke.get_json(
        &format!("/api/v1/weapons/{weapon_id}/domestic-trace"),
        Role::Analyst,
    );
    assert_eq!(code, 403, "the holder is personal data");

    // Drafted from the seizure: what the records do not say is named, nothing is saved.
    let (code, refused) = ke.json(
        "POST",
        "/api/v1/traces",
        Role::Investigator,
        &json!({"weapon": weapon_id, "to": "UG", "confidentiality": "law enforcement only"}),
    );
    assert_eq!(code, 422, "{refused}");
    let fields: Vec<&str> = refused["error"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(fields.contains(&"intended_use"), "{refused}");
    assert!(fields.contains(&"photos"), "{refused}");
    let (_, none) = ke.get_json("/api/v1/traces", Role::Investigator);
    assert_eq!(none["traces"].as_array().map(Vec::len), Some(0));
    // An analyst may not create one.
    let (code, _) = ke.json(
        "POST",
        "/api/v1/traces",
        Role::Analyst,
        &json!({"weapon": weapon_id, "to": "UG", "confidentiality": "x"}),
    );
    assert_eq!(code, 403);

    let complete = json!({
        "weapon": weapon_id, "to": "UG", "reference": "KE-API-1",
        "urgent": "linked to an armed robbery series",
        "confidentiality": "law enforcement only",
        "restrictions": ["not to be passed to third States"],
        "illicit_basis": "possession without licence, Firearms Act s. 4",
        "circumstances": "found in a vehicle at a checkpoint",
        "serial_status": "legible", "import_marks": "none",
        "photos": "sent by courier", "intended_use": "criminal investigation"
    });
    let (code, draft) = ke.json("POST", "/api/v1/traces", Role::Investigator, &complete);
    assert_eq!(code, 201, "{draft}");
    let id = draft["id"].as_str().expect("id").to_owned();
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["priority"], "urgent");

    // A step out of turn is refused, naming the trace; an unknown step is not found.
    let (code, e) = step(
        &ke,
        &id,
        "close",
        json!({"result": "exempted", "reason": "x"}),
    );
    assert_eq!(code, 422, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("draft"),
        "{e}"
    );
    let (code, _) = step(&ke, &id, "forget", json!({}));
    assert_eq!(code, 404);

    // UG holds the same weapon in its registry (it was made there, say).
    let at_ug = register_copy(&ug, &weapon);
    let (code, sent) = step(&ke, &id, "send", json!({}));
    assert_eq!(code, 200, "{sent}");
    assert_eq!(sent["state"], "sent");

    // UG: received, with the marking search run over its registry.
    let received = wait_for_trace(&ug, "the request at UG", |t| t["reference"] == "KE-API-1");
    let rid = received["id"].as_str().expect("id").to_owned();
    assert_eq!(received["role"], "received");
    // Its page lists the marking search's candidates, each a link to the weapon.
    let (code, page) = ug.call(
        "GET",
        &format!("/traces/{rid}"),
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(code, 200);
    assert!(page.contains("Candidates in this registry"), "{page}");
    assert!(page.contains("marking search for"), "{page}");
    assert!(page.contains(&format!("/weapons/{at_ug}")), "{page}");
    assert_eq!(received["confidentiality"], "law enforcement only");
    // KE reminds UG; UG's trace shows it and stays as it was.
    let (code, reminded) = step(&ke, &id, "remind", json!({"note": "suspect in custody"}));
    assert_eq!(
        (code, reminded["state"].as_str()),
        (200, Some("sent")),
        "{reminded}"
    );
    let received = wait_for_trace(&ug, "the reminder at UG", |t| {
        t["id"] == rid.as_str()
            && t["steps"].as_array().is_some_and(|s| {
                s.iter().any(|s| {
                    s["detail"]
                        .as_str()
                        .unwrap_or("")
                        .contains("suspect in custody")
                })
            })
    });
    assert_eq!(received["state"], "received");
    let (code, e) = step(&ug, &rid, "ask", json!({}));
    assert_eq!(code, 422);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("questions"),
        "{e}"
    );
    let (code, acked) = step(&ug, &rid, "acknowledge", json!({}));
    assert_eq!(
        (code, acked["state"].as_str()),
        (200, Some("acknowledged")),
        "{acked}"
    );
    let (code, answered) = step(
        &ug,
        &rid,
        "answer",
        json!({"outcome": "restricted", "ground": "ongoing national case",
               "findings": "exported to KE in 2019; reported stolen from the licensed dealer in 2023",
               "restrictions": ["not for use in court"], "confidentiality": "police only"}),
    );
    assert_eq!(code, 200, "{answered}");
    assert_eq!(answered["state"], "answered");

    // KE: the answer arrives with its restrictions; closing records the weapon's status.
    let at_ke = wait_for_trace(&ke, "the answer at KE", |t| {
        t["id"] == id.as_str() && t["state"] == "answered"
    });
    let answer_step = at_ke["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["state"] == "answered"))
        .expect("answer step")
        .clone();
    assert!(
        answer_step["detail"]
            .as_str()
            .unwrap_or("")
            .contains("not for use in court"),
        "{answer_step}"
    );
    let (code, closed) = step(
        &ke,
        &id,
        "close",
        json!({"result": "point-of-diversion-found",
               "diversion": "stolen from the licensed dealer in 2023"}),
    );
    assert_eq!(code, 200, "{closed}");
    assert_eq!(closed["state"], "closed");
    let (_, page) = ke.get_json(&format!("/api/v1/weapons/{weapon_id}"), Role::Investigator);
    let traced = page["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .any(|e| e.to_string().contains("established_by_tracing"));
    assert!(traced, "{page}");
    wait_for_trace(&ug, "the closure at UG", |t| {
        t["id"] == rid.as_str() && t["state"] == "closed"
    });
    // Closed is closed.
    let (code, _) = step(
        &ke,
        &id,
        "close",
        json!({"result": "exempted", "reason": "x"}),
    );
    assert_eq!(code, 422);

    // The PoA report counts the request on both sides (questions 5.3–5.5), in the period it
    // was sent and received; the reminder does not count twice. Nothing in another period.
    let year = chrono::Utc::now().format("%Y").to_string();
    let international = |server: &TestServer, period: &str| -> Vec<Value> {
        let (code, report) = server.get_json(
            &format!("/api/v1/reports/poa?period={period}"),
            Role::Analyst,
        );
        assert_eq!(code, 200, "{report}");
        ["5.3", "5.4", "5.5"]
            .iter()
            .map(|q| {
                report["sections"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|s| s["questions"].as_array().into_iter().flatten())
                    .find(|x| x["id"] == *q)
                    .map(|x| x["answer"]["value"].clone())
                    .unwrap_or(Value::Null)
            })
            .collect()
    };
    assert_eq!(international(&ke, &year), [json!(1), json!(0), json!(0)]);
    assert_eq!(international(&ug, &year), [json!(0), json!(1), json!(1)]);
    assert_eq!(international(&ke, "2001"), [json!(0), json!(0), json!(0)]);
}

/// Polls `GET /api/v1/alerts` on `server` until `done` holds (30 s at most).
fn wait_for_alerts(server: &TestServer, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let (code, v) = server.get_json("/api/v1/alerts", Role::Investigator);
        assert_eq!(code, 200, "{v}");
        if done(&v) {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what} never happened: {v}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn again_ug(ug: &TestServer) -> Value {
    ug.get_json("/api/v1/alerts", Role::Investigator).1
}

/// The same weapon recorded at UG as KE records it (the fields of its identity).
fn register_copy(ug: &TestServer, w: &Value) -> String {
    let w = &w["weapon"];
    let (code, made) = ug.json(
        "POST",
        "/api/v1/weapons",
        Role::Registrar,
        &json!({"category": w["category"], "country": w["country"], "manufacturer": w["manufacturer"],
                "model": w["model"], "serial": w["serial"]}),
    );
    assert_eq!(code, 201, "{made}");
    made["id"].as_str().expect("id").to_owned()
}

fn record(server: &TestServer, weapon: &str, kind: &str, extra: Value) {
    let mut event = json!({"weapon": weapon, "kind": kind,
        "occurred_on": chrono::Utc::now().date_naive().to_string()});
    if let (Some(e), Some(more)) = (event.as_object_mut(), extra.as_object()) {
        e.extend(more.clone());
    }
    let (code, v) = server.json("POST", "/api/v1/events", Role::Registrar, &event);
    assert_eq!(code, 201, "{event}: {v}");
}

fn hits<'a>(v: &'a Value, direction: &str) -> Vec<&'a Value> {
    v["hits"]
        .as_array()
        .map(|h| h.iter().filter(|h| h["direction"] == direction).collect())
        .unwrap_or_default()
}

#[test]
fn a_weapon_reported_stolen_in_one_state_and_seized_in_another_is_a_hit_on_both_sides() {
    let ke = TestServer::start_as(300, "KE", 23);
    let ug = TestServer::start_as(50, "UG", 24);
    ke.trust(&ug, "UG");
    ug.trust(&ke, "KE");
    let (code, list) = ke.get_json(
        "/api/v1/weapons?status=registered&limit=50",
        Role::Investigator,
    );
    assert_eq!(code, 200);
    let complete: Vec<Value> = list["weapons"]
        .as_array()
        .expect("weapons")
        .iter()
        .filter(|w| {
            ["serial", "manufacturer", "model", "country"]
                .iter()
                .all(|f| w["weapon"][f].as_str().is_some_and(|s| !s.is_empty()))
        })
        .cloned()
        .collect();
    let (first, second) = (&complete[0], &complete[1]);
    let id = |w: &Value| w["weapon"]["id"].as_str().expect("id").to_owned();

    // Seized at UG before KE's alert about it exists: matched when the alert arrives.
    let early = register_copy(&ug, second);
    record(
        &ug,
        &early,
        "seized",
        json!({"seizure_basis": "criminal_offence"}),
    );

    record(&ke, &id(first), "reported_stolen", json!({}));
    record(&ke, &id(second), "reported_stolen", json!({}));
    let chosen = salw_server::alerts::set_sharing_partners(&mut ke.backend(), &["UG".to_owned()])
        .expect("share");
    assert_eq!(chosen, ["UG"]);
    // Only registered partners can be chosen.
    let refused = salw_server::alerts::set_sharing_partners(&mut ke.backend(), &["TZ".to_owned()]);
    assert!(refused.is_err());
    salw_server::alerts::set_sharing_partners(&mut ke.backend(), &["UG".to_owned()])
        .expect("share");

    // (Both demo registries come from the same generator: other hits happen too; these
    // assertions look at the weapons of this test.)
    let about = |v: &Value, direction: &str, weapon: &str| -> Vec<Value> {
        hits(v, direction)
            .into_iter()
            .filter(|h| h["weapon_id"] == weapon)
            .cloned()
            .collect()
    };
    let at_ug = wait_for_alerts(&ug, "the alerts at UG", |v| {
        !about(v, "recovered-here", &early).is_empty()
    });
    assert!(
        at_ug["received"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["partner"] == "KE"))
    );
    let early_hit = about(&at_ug, "recovered-here", &early)[0].clone();
    assert_eq!(early_hit["recovery"], "seized");
    assert_eq!(early_hit["partner"], "KE");

    // Seized at UG after the alert: matched by the next round.
    let late = register_copy(&ug, first);
    record(&ug, &late, "found", json!({}));
    wait_for_alerts(&ug, "the second hit at UG, and both told to KE", |v| {
        [&early, &late].iter().all(|w| {
            let h = about(v, "recovered-here", w);
            h.len() == 1 && h[0]["notice"].is_string()
        })
    });
    // KE hears of both, next to the weapons it reported.
    let at_ke = wait_for_alerts(&ke, "the hits at KE", |v| {
        [id(first), id(second)]
            .iter()
            .all(|w| !about(v, "reported-here", w).is_empty())
    });
    assert_eq!(
        about(&at_ke, "reported-here", &id(first))[0]["recovery"],
        "found"
    );
    assert_eq!(
        about(&at_ke, "reported-here", &id(second))[0]["recovery"],
        "seized"
    );
    // Exactly once: more rounds add nothing.
    std::thread::sleep(Duration::from_millis(2500));
    let (_, again) = ug.get_json("/api/v1/alerts", Role::Investigator);
    for w in [&early, &late] {
        assert_eq!(about(&again, "recovered-here", w).len(), 1, "{again}");
    }
    let (_, again) = ke.get_json("/api/v1/alerts", Role::Investigator);
    for w in [id(first), id(second)] {
        assert_eq!(about(&again, "reported-here", &w).len(), 1, "{again}");
    }
    // A report recorded after sharing began is shared by a later round.
    let from_ke = |v: &Value| {
        v["received"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["partner"] == "KE"))
            .and_then(|r| r["alerts"].as_u64())
            .unwrap_or(0)
    };
    let before = from_ke(&again_ug(&ug));
    record(&ke, &id(&complete[2]), "reported_lost", json!({}));
    wait_for_alerts(&ug, "the later report at UG", |v| from_ke(v) == before + 1);
    // The Traces page shows them.
    let (code, page) = ke.call("GET", "/traces", Some(Role::Investigator), None, None);
    assert_eq!(code, 200);
    assert!(page.contains("recovered a weapon reported here"), "{page}");
    assert!(page.contains("<title>Traces · salw</title>"), "{page}");
    assert_eq!(page.matches("<h2>Lost and stolen alerts</h2>").count(), 1);
}

#[test]
fn a_weapon_registered_beside_the_server_is_found_by_its_search_at_once() {
    let server = TestServer::start(100);
    // Another process (`salw weapon add`, `salw import`) writes to the same registry file.
    let mut reg = salw_store::Registry::new(server.backend()).with_signing_key(server.key.clone());
    let mut record = serde_json::Map::new();
    for (k, v) in [
        ("category", "rifle"),
        ("manufacturer", "Beside"),
        ("country", "BE"),
        ("serial", "QZ-998877"),
    ] {
        record.insert(k.into(), json!(v));
    }
    let staged = salw_io::to_record(salw_io::RecordKind::Weapon, record, "", 0);
    let ctx = salw_store::WriteContext {
        recorded_by: "cli".into(),
        source: "cli".into(),
        now: chrono::Utc::now(),
    };
    let written = reg.write(&ctx, [staged], &mut |_| {}).expect("write");
    assert!(written.committed());
    let (code, found) = server.get_json("/api/v1/search?q=QZ998877", Role::Investigator);
    assert_eq!(code, 200, "{found}");
    assert_eq!(found["hits"][0]["serial"], "QZ-998877", "{found}");
    assert!(found.get("makes_near").is_none(), "{found}");
    // Its make misspelt: no hit, and the make written beside (not in the index yet) is the
    // nearest registered one.
    let (code, near) = server.get_json("/api/v1/search?q=QZ998877&make=Besyde", Role::Investigator);
    assert_eq!(code, 200, "{near}");
    assert_eq!(near["hits"], json!([]), "{near}");
    assert_eq!(near["makes_near"], json!(["Beside"]), "{near}");
}

#[test]
fn the_export_holds_every_record_once_and_is_audited() {
    let server = TestServer::start(300);
    let (_, summary) = server.get_json("/api/v1/summary", Role::Analyst);
    let response = ureq::get(&server.url("/api/v1/export"))
        .set(
            "authorization",
            &format!("Bearer {}", server.tokens[&Role::Registrar]),
        )
        .call()
        .expect("export");
    assert_eq!(response.content_type(), "application/x-ndjson");
    let text = response.into_string().expect("text");
    let mut counts = std::collections::HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("line {i}: {e}"));
        *counts
            .entry(v["record"].as_str().unwrap_or("?").to_owned())
            .or_insert(0u64) += 1;
    }
    for (record, total) in [
        ("person", "persons"),
        ("weapon", "weapons"),
        ("event", "events"),
    ] {
        assert_eq!(
            counts.get(record).copied().unwrap_or(0),
            summary[total].as_u64().expect("count"),
            "{record}: {counts:?}"
        );
    }
    let (_, audit) = server.get_json("/api/v1/audit", Role::Auditor);
    assert!(
        audit["lines"]
            .as_array()
            .is_some_and(|l| l.iter().any(|l| l["action"] == "export"
                && l["shown"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("{} weapons", summary["weapons"])))),
        "{audit}"
    );
}
