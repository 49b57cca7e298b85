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

    let (code, sent) = step(&ke, &id, "send", json!({}));
    assert_eq!(code, 200, "{sent}");
    assert_eq!(sent["state"], "sent");

    // UG: received, with the marking search run over its registry.
    let received = wait_for_trace(&ug, "the request at UG", |t| t["reference"] == "KE-API-1");
    let rid = received["id"].as_str().expect("id").to_owned();
    assert_eq!(received["role"], "received");
    assert_eq!(received["confidentiality"], "law enforcement only");
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
}
