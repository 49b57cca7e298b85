//! A generated set of bad requests thrown at every API endpoint: malformed JSON, wrong types,
//! unknown fields and parameters, oversized bodies, bad ids, wrong media types. Each must get
//! a 4xx whose body says what was wrong (the field, when there is one), never a 5xx, and
//! nothing may be written.

use salw_access::Role;
use salw_server::endpoints::{Access, ENDPOINTS, Endpoint, Kind};
use serde_json::{Value, json};

use crate::{ROLES, TestServer};

struct Bad {
    what: String,
    path: String,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
    /// A word the error must contain (the field or parameter named), when there is one.
    names: Option<String>,
}

fn bad(
    what: &str,
    path: &str,
    ct: Option<&str>,
    body: Option<Vec<u8>>,
    names: Option<&str>,
) -> Bad {
    Bad {
        what: what.to_owned(),
        path: path.to_owned(),
        content_type: ct.map(str::to_owned),
        body,
        names: names.map(str::to_owned),
    }
}

/// Valid bodies, for each JSON endpoint, that the generator spoils field by field.
fn valid_body(e: &Endpoint) -> Option<Value> {
    Some(match e.path {
        "/api/v1/weapons" => {
            json!({"category": "rifle", "manufacturer": "Bad Input", "country": "BE", "serial": "BI-1", "year": 1999})
        }
        "/api/v1/events" => {
            json!({"weapon": "W", "kind": "inventoried", "occurred_on": "2024-01-01"})
        }
        "/api/v1/persons" => json!({"kind": "individual", "name": "Bad Input"}),
        "/api/v1/users" => {
            json!({"name": "badinput", "role": "analyst", "password": "long enough password"})
        }
        "/api/v1/users/{name}" => {
            json!({"role": "analyst", "disabled": false, "password": "long enough password"})
        }
        "/api/v1/tokens" => json!({"label": "x"}),
        "/api/v1/indicators/sdg-16-4-2/releases" => {
            json!({"from": "2024-01-01", "to": "2024-12-31", "profile": "un-2018"})
        }
        "/api/v1/traces/{id}/{action}" => json!({"questions": "x"}),
        "/api/v1/reports/poa/answers" => {
            json!({"period": "2024-2025", "answers": {"1.1": "yes"}})
        }
        "/api/v1/count-policy" => json!({"full_count_every_days": 90}),
        "/api/v1/counts" => {
            json!({"id": "BAD-1", "armoury": "A", "kind": "full", "planned_on": "2026-01-01", "counter": "x"})
        }
        "/api/v1/counts/{id}/result" => json!({"counted_on": "2026-01-01", "found": ["x"]}),
        "/api/v1/discrepancies/{id}/steps" => json!({"action": "investigate", "note": "x"}),
        "/api/v1/campaigns" => {
            json!({"id": "B", "name": "n", "place": "p", "start": "2026-01-01", "end": "2026-02-01", "amnesty": true, "programme": "civilian"})
        }
        "/api/v1/campaigns/{id}/intake" => {
            json!({"occurred_on": "2026-01-01", "weapons": [{"category": "rifle"}]})
        }
        "/api/v1/holds" => json!({"weapon": "W", "case": "c"}),
        "/api/v1/destructions" => {
            json!({"id": "B", "method": "m", "place": "p", "date": "2026-01-01", "authority": "a", "witnesses": "w", "certificate": "c", "weapons": ["x"]})
        }
        _ => return None,
    })
}

fn generate(e: &Endpoint, weapon: &str, trace: &str) -> Vec<Bad> {
    let path = if e.path == "/api/v1/traces/{id}/{action}" {
        format!("/api/v1/traces/{trace}/ask")
    } else {
        e.path.replace("{id}", weapon).replace("{name}", "analyst")
    };
    let mut out = Vec::new();
    let json_ct = Some("application/json");
    let json_body = e.body.is_some_and(|b| !b.contains('/'));
    if let Some(valid) = valid_body(e).filter(|_| json_body) {
        let valid = if e.path == "/api/v1/events" {
            let mut v = valid;
            v["weapon"] = json!(weapon);
            v
        } else {
            valid
        };
        out.push(bad(
            "malformed JSON",
            &path,
            json_ct,
            Some(b"{\"category\": ".to_vec()),
            None,
        ));
        out.push(bad(
            "not JSON at all",
            &path,
            json_ct,
            Some(b"category=rifle".to_vec()),
            None,
        ));
        out.push(bad(
            "invalid UTF-8",
            &path,
            json_ct,
            Some(vec![b'{', b'"', 0xff, 0xfe, b'"', b'}']),
            None,
        ));
        out.push(bad(
            "an array instead of an object",
            &path,
            json_ct,
            Some(b"[1, 2]".to_vec()),
            None,
        ));
        out.push(bad("an empty body", &path, json_ct, Some(Vec::new()), None));
        out.push(bad(
            "the wrong media type",
            &path,
            Some("text/plain"),
            Some(valid.to_string().into_bytes()),
            Some("content-type"),
        ));
        out.push(bad(
            "no media type",
            &path,
            None,
            Some(valid.to_string().into_bytes()),
            Some("content-type"),
        ));
        let mut unknown = valid.clone();
        unknown["colour_of_stock"] = json!("red");
        out.push(bad(
            "an unknown field",
            &path,
            json_ct,
            Some(unknown.to_string().into_bytes()),
            Some("colour_of_stock"),
        ));
        let mut huge = valid.clone();
        huge["notes"] = json!("x".repeat(2 << 20));
        out.push(bad(
            "an oversized body",
            &path,
            json_ct,
            Some(huge.to_string().into_bytes()),
            None,
        ));
        if let Value::Object(fields) = &valid {
            for (field, value) in fields {
                // Each field given a value of a type it cannot have.
                let wrong = match value {
                    Value::String(_) => json!({"nested": [1, 2]}),
                    Value::Number(_) => json!("nineteen ninety-nine"),
                    Value::Bool(_) => json!("perhaps"),
                    _ => json!(12),
                };
                let mut spoiled = valid.clone();
                spoiled[field] = wrong;
                out.push(bad(
                    &format!("a wrong type for {field}"),
                    &path,
                    json_ct,
                    Some(spoiled.to_string().into_bytes()),
                    Some(field),
                ));
            }
        }
    }
    if e.path == "/api/v1/import" {
        out.push(bad(
            "an import of an unknown format",
            "/api/v1/import?format=xlsx",
            Some("text/csv"),
            Some(b"a,b\n".to_vec()),
            Some("format"),
        ));
        out.push(bad(
            "an import of an unknown kind",
            "/api/v1/import?kind=tank",
            Some("text/csv"),
            Some(b"a,b\n".to_vec()),
            Some("kind"),
        ));
        out.push(bad(
            "an empty import",
            "/api/v1/import?kind=weapon",
            Some("text/csv"),
            Some(Vec::new()),
            Some("body"),
        ));
        out.push(bad(
            "an import with unknown columns",
            "/api/v1/import?kind=weapon",
            Some("text/csv"),
            Some(b"category,turret\nrifle,yes\n".to_vec()),
            Some("turret"),
        ));
        out.push(bad(
            "an import that is not CSV",
            "/api/v1/import?kind=weapon",
            Some("text/csv"),
            Some(vec![0xff, 0x00, 0xfe, b'\n', b'"']),
            None,
        ));
        out.push(bad(
            "an import of broken JSON lines",
            "/api/v1/import?kind=weapon&format=jsonl",
            Some("application/x-ndjson"),
            Some(b"{\"category\": \"rifle\"}\n{oops\n".to_vec()),
            Some("line"),
        ));
        out.push(bad(
            "an oversized import",
            "/api/v1/import?kind=weapon",
            Some("text/csv"),
            Some(vec![b'a'; 3 << 20]),
            None,
        ));
    }
    if e.method == "GET" && e.access != Access::Public {
        let sep = if path.contains('?') { '&' } else { '?' };
        out.push(bad(
            "an unknown parameter",
            &format!("{path}{sep}bogus=1"),
            None,
            None,
            Some("bogus"),
        ));
        out.push(bad(
            "a broken percent escape",
            &format!("{path}{sep}q=%ZZ"),
            None,
            None,
            None,
        ));
        out.push(bad(
            "a parameter given twice",
            &format!("{path}{sep}limit=5&limit=6"),
            None,
            None,
            None,
        ));
        for (name, ty, _) in e.query {
            if *ty == "integer" {
                for value in ["abc", "-1", "0", "99999999999999999999999"] {
                    out.push(bad(
                        &format!("{name}={value}"),
                        &format!("{path}{sep}{name}={value}"),
                        None,
                        None,
                        Some(name),
                    ));
                }
            }
        }
    }
    if e.path == "/api/v1/reports/poa" {
        let p = e.path;
        for (what, query, field) in [
            ("a period backwards", "period=2025-2024", "period"),
            ("a period that is not one", "period=next%20year", "period"),
            (
                "a template that does not exist",
                "template=poa-1999",
                "template",
            ),
        ] {
            out.push(bad(what, &format!("{p}?{query}"), None, None, Some(field)));
        }
    }
    if e.path == "/api/v1/reports/poa/answers" {
        let p = e.path;
        for (what, body, field) in [
            (
                "an answer to a question the registry answers",
                json!({"period": "2024-2025", "answers": {"7.1": "12"}}),
                "answers.7.1",
            ),
            (
                "an answer that does not fit its question",
                json!({"period": "2024-2025", "answers": {"1.1": "perhaps"}}),
                "answers.1.1",
            ),
            (
                "an unknown question",
                json!({"period": "2024-2025", "answers": {"99.9": "x"}}),
                "answers.99.9",
            ),
        ] {
            out.push(bad(
                what,
                p,
                json_ct,
                Some(body.to_string().into_bytes()),
                Some(field),
            ));
        }
    }
    if e.path == "/api/v1/indicators/sdg-16-4-2/releases" {
        let next_year = chrono::Datelike::year(&chrono::Utc::now()) + 1;
        out.push(bad(
            "a figure released for a period not over",
            e.path,
            json_ct,
            Some(
                json!({"from": format!("{next_year}-01-01"), "to": format!("{next_year}-12-31")})
                    .to_string()
                    .into_bytes(),
            ),
            Some("to"),
        ));
    }
    if e.path == "/api/v1/indicators/sdg-16-4-2" {
        let p = e.path;
        out.push(bad(
            "a date that is not one",
            &format!("{p}?from=2024-13-01&to=2024-12-31"),
            None,
            None,
            Some("from"),
        ));
        out.push(bad(
            "a period backwards",
            &format!("{p}?from=2024-12-01&to=2024-01-01"),
            None,
            None,
            Some("from"),
        ));
        out.push(bad(
            "half a period",
            &format!("{p}?from=2024-01-01"),
            None,
            None,
            Some("from"),
        ));
        out.push(bad(
            "an unknown profile",
            &format!("{p}?profile=spanish"),
            None,
            None,
            Some("profile"),
        ));
        out.push(bad(
            "by_year not a boolean",
            &format!("{p}?by_year=perhaps"),
            None,
            None,
            Some("by_year"),
        ));
    }
    if e.path == "/api/v1/search" {
        out.push(bad(
            "an over-long query",
            &format!("/api/v1/search?q={}", "A".repeat(150)),
            None,
            None,
            Some("q"),
        ));
        out.push(bad(
            "a query of only wildcards",
            "/api/v1/search?q=***",
            None,
            None,
            Some("q"),
        ));
        // A NUL is refused before anything reads or audits it (PostgreSQL cannot keep one).
        out.push(bad(
            "a NUL in the query",
            "/api/v1/search?q=AB%00CD",
            None,
            None,
            Some("q"),
        ));
    }
    if e.path == "/api/v1/weapons" && e.method == "POST" {
        out.push(bad(
            "a NUL in a field",
            e.path,
            Some("application/json"),
            Some(br#"{"category": "rifle", "manufacturer": "FN", "country": "BE", "serial": "A\u0000B"}"#.to_vec()),
            Some("body"),
        ));
    }
    if e.path.contains("{id}") {
        let with = |id: &str| e.path.replace("{id}", id);
        let (ct, body) = match e.body {
            Some(media) if media.starts_with("image/") => {
                (Some("image/jpeg"), Some(crate::roles::JPEG.to_vec()))
            }
            _ => (None, None),
        };
        out.push(bad(
            "an unknown id",
            &with("00000000-0000-7000-8000-000000000000"),
            ct,
            body.clone(),
            None,
        ));
        out.push(bad(
            "an over-long id",
            &with(&"x".repeat(500)),
            ct,
            body.clone(),
            Some("id"),
        ));
        out.push(bad(
            "an id that is not UTF-8",
            &with("%FF%FE"),
            ct,
            body,
            None,
        ));
    }
    if e.path == "/api/v1/weapons/{id}/photos" {
        let p = format!("/api/v1/weapons/{weapon}/photos");
        out.push(bad(
            "a photo that is not an image",
            &p,
            Some("image/jpeg"),
            Some(b"<svg onload=alert(1)>".to_vec()),
            Some("photo"),
        ));
        out.push(bad(
            "an empty photo",
            &p,
            Some("image/jpeg"),
            Some(Vec::new()),
            Some("body"),
        ));
        out.push(bad(
            "an over-long caption",
            &format!("{p}?caption={}", "c".repeat(300)),
            Some("image/jpeg"),
            Some(crate::roles::JPEG.to_vec()),
            Some("caption"),
        ));
        out.push(bad(
            "an oversized photo",
            &p,
            Some("image/jpeg"),
            Some([crate::roles::JPEG, &vec![0u8; 11 << 20]].concat()),
            None,
        ));
        out.push(bad(
            "a photo of an unknown weapon",
            "/api/v1/weapons/NO-SUCH-REF/photos",
            Some("image/jpeg"),
            Some(crate::roles::JPEG.to_vec()),
            None,
        ));
    }
    if e.path.contains("{hash}") {
        out.push(bad(
            "a hash that is not one",
            "/api/v1/photos/xyz",
            None,
            None,
            Some("hash"),
        ));
        out.push(bad(
            "an unknown photo",
            &format!("/api/v1/photos/{}", "0".repeat(64)),
            None,
            None,
            None,
        ));
    }
    if e.path.contains("{name}") {
        out.push(bad(
            "an unknown account",
            "/api/v1/users/nobody",
            json_ct,
            Some(b"{\"disabled\": true}".to_vec()),
            None,
        ));
    }
    out
}

fn right_role(e: &Endpoint) -> Role {
    match e.access {
        Access::May(p) => *ROLES
            .iter()
            .find(|r| r.can(p))
            .expect("some role holds every permission"),
        _ => Role::Registrar,
    }
}

#[test]
pub(crate) fn bad_requests_get_a_4xx_that_names_the_problem_and_write_nothing() {
    let server = TestServer::start(100);
    let weapon = server.some_weapon("registered")["weapon"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    server.add_trace_partner();
    let trace = server.draft_trace();
    let (_, before) = server.get_json("/api/v1/summary", Role::Analyst);
    let accounts_before = server.get_json("/api/v1/users", Role::Administrator).1;
    let mut failures = Vec::new();
    let mut count = 0;
    for e in ENDPOINTS.iter().filter(|e| e.kind == Kind::Api) {
        let role = right_role(e);
        for b in generate(e, &weapon, &trace) {
            count += 1;
            let (status, body) = crate::call_raw(
                &server,
                e.method,
                &b.path,
                &server.tokens[&role],
                b.content_type.as_deref(),
                b.body.as_deref(),
            );
            let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let message = parsed["error"].to_string();
            let problem = if !(400..500).contains(&status) {
                Some(format!("status {status}"))
            } else if parsed["error"]["message"]
                .as_str()
                .is_none_or(str::is_empty)
            {
                Some("no JSON error message".to_owned())
            } else if let Some(word) = &b.names
                && !message.contains(word.as_str())
            {
                Some(format!("the error does not name '{word}'"))
            } else {
                None
            };
            if let Some(problem) = problem {
                failures.push(format!(
                    "{} {} ({}): {problem}: {}",
                    e.method,
                    e.path,
                    b.what,
                    body.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(count > 100, "only {count} bad requests were generated");
    let (_, after) = server.get_json("/api/v1/summary", Role::Analyst);
    assert_eq!(
        before["journal_entries"], after["journal_entries"],
        "a bad request wrote to the journal"
    );
    assert_eq!(
        accounts_before,
        server.get_json("/api/v1/users", Role::Administrator).1,
        "a bad request changed an account"
    );
    assert!(
        failures.is_empty(),
        "{} of {count}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
