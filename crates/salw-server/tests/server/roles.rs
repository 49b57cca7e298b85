//! Every endpoint × every role × (no credentials, wrong role, right role): 401 (or the login
//! page), 403, or success, as the role model says (salw_access::Role::can). Driven by the
//! endpoint table itself, so a new route is covered the day it is added.

use salw_access::Role;
use salw_server::endpoints::{Access, ENDPOINTS, Endpoint, Kind};

use crate::{PASSWORD, ROLES, TestServer};

/// A request that should succeed for a role that may use the endpoint.
struct Sample {
    cookie: Option<String>,
    path: String,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
}

fn multipart(kind: &str, filename: &str, content: &str) -> (String, Vec<u8>) {
    let boundary = "salwtestboundary7MA4YWxkTrZu0gW";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n\
         --{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

pub const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1,
];

fn sample(
    server: &TestServer,
    e: &Endpoint,
    n: usize,
    weapon: &str,
    today: &str,
    photo: &str,
) -> Sample {
    let json = |v: serde_json::Value| Sample {
        cookie: None,
        path: e.path.to_owned(),
        content_type: Some("application/json"),
        body: Some(v.to_string().into_bytes()),
    };
    let form = |path: &str, pairs: &[(&str, &str)]| Sample {
        cookie: None,
        path: path.to_owned(),
        content_type: Some("application/x-www-form-urlencoded"),
        body: Some(
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", salw_server::auth::urlencode(v)))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes(),
        ),
    };
    let get = |path: String| Sample {
        cookie: None,
        path,
        content_type: None,
        body: None,
    };
    let serial = format!("RT-{n:05}-X");
    match (e.method, e.path) {
        ("POST", "/api/v1/traces") => json(server.trace_request()),
        ("POST", "/traces") => {
            let request = server.trace_request();
            let pairs: Vec<(&str, String)> = request
                .as_object()
                .expect("object")
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::Array(a) => a
                            .iter()
                            .filter_map(|x| x.as_str())
                            .collect::<Vec<_>>()
                            .join("\n"),
                        other => other.as_str().unwrap_or_default().to_owned(),
                    };
                    (k.as_str(), text)
                })
                .collect();
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form("/traces", &pairs)
        }
        ("GET", "/traces/new") => get(format!(
            "/traces/new?weapon={}",
            server.trace_request()["weapon"].as_str().expect("weapon")
        )),
        ("GET", "/api/v1/weapons/{id}/domestic-trace") => get(e.path.replace(
            "{id}",
            server.trace_request()["weapon"].as_str().expect("weapon"),
        )),
        ("GET", "/api/v1/traces/{id}") | ("GET", "/traces/{id}") => {
            get(e.path.replace("{id}", &server.draft_trace()))
        }
        ("POST", "/api/v1/traces/{id}/{action}") => Sample {
            path: format!("/api/v1/traces/{}/send", server.draft_trace()),
            ..json(serde_json::json!({}))
        },
        ("POST", "/traces/{id}/{action}") => {
            form(&format!("/traces/{}/send", server.draft_trace()), &[])
        }
        ("GET", "/api/v1/search") | ("GET", "/search") => get(format!("{}?q=4711", e.path)),
        ("GET", "/api/v1/weapons/{id}") | ("GET", "/weapons/{id}") => {
            get(e.path.replace("{id}", weapon))
        }
        ("GET", "/weapons/{id}/events/new") => {
            get(format!("/weapons/{weapon}/events/new?kind=inventoried"))
        }
        ("GET", "/api/v1/persons/{id}") | ("GET", "/persons/{id}") => {
            get(e.path.replace("{id}", "P-ROLES"))
        }
        ("GET", "/static/{file}") => get("/static/app.css".into()),
        ("GET", "/api/v1/photos/{hash}") | ("GET", "/photos/{hash}") => {
            get(e.path.replace("{hash}", photo))
        }
        ("POST", "/api/v1/weapons/{id}/photos") => Sample {
            cookie: None,
            path: format!("/api/v1/weapons/{weapon}/photos?caption=roles"),
            content_type: Some("image/jpeg"),
            body: Some(JPEG.to_vec()),
        },
        ("POST", "/weapons/{id}/photos") => {
            let boundary = "salwphotoboundary";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(JPEG);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            Sample {
                cookie: None,
                path: format!("/weapons/{weapon}/photos"),
                content_type: Some("multipart/form-data; boundary=salwphotoboundary"),
                body: Some(body),
            }
        }
        ("POST", "/api/v1/weapons") => json(
            serde_json::json!({"category": "rifle", "manufacturer": "Roles Test", "country": "BE", "serial": serial}),
        ),
        ("POST", "/api/v1/events") => json(
            serde_json::json!({"weapon": weapon, "kind": "inventoried", "occurred_on": today, "notes": serial}),
        ),
        ("POST", "/api/v1/persons") => {
            json(serde_json::json!({"kind": "organisation", "name": format!("Club {serial}")}))
        }
        ("POST", "/api/v1/import") => Sample {
            cookie: None,
            path: "/api/v1/import?kind=weapon".into(),
            content_type: Some("text/csv"),
            body: Some(
                format!("category,manufacturer,country,serial\nrifle,Import Test,BE,{serial}\n")
                    .into_bytes(),
            ),
        },
        ("POST", "/api/v1/users") => json(
            serde_json::json!({"name": format!("user{n}"), "role": "analyst", "password": PASSWORD}),
        ),
        ("POST", "/api/v1/users/{name}") => Sample {
            path: "/api/v1/users/analyst".into(),
            ..json(serde_json::json!({"disabled": false}))
        },
        ("POST", "/api/v1/tokens") => json(serde_json::json!({"label": "roles test"})),
        ("POST", "/api/v1/indicators/sdg-16-4-2/releases") => {
            json(serde_json::json!({"from": "2024-01-01", "to": "2024-12-31"}))
        }
        ("POST", "/api/v1/reports/poa/answers") => json(
            serde_json::json!({"period": "2024-2025", "answers": {"1.4": format!("contact {n}")}}),
        ),
        ("POST", "/reports/poa/answers") => form(
            "/reports/poa/answers",
            &[("period", "2024-2025"), ("q.1.4", &format!("contact {n}"))],
        ),
        ("GET", "/reports/{file}") => get("/reports/poa.xlsx?period=2024-2025".to_owned()),
        ("POST", "/api/v1/assessments/{name}") => Sample {
            path: "/api/v1/assessments/roles".into(),
            ..json(serde_json::json!([{"clause": "05.20.01", "status": "met", "note": serial}]))
        },
        ("GET", "/api/v1/assessments/{name}") => {
            let (code, _) = server.json(
                "POST",
                "/api/v1/assessments/roles",
                Role::Analyst,
                &serde_json::json!([{"clause": "05.20.02", "status": "not_met"}]),
            );
            assert_eq!(code, 200);
            get("/api/v1/assessments/roles".into())
        }
        ("POST", "/api/v1/assistance/{kind}") => Sample {
            path: "/api/v1/assistance/needs".into(),
            ..json(
                serde_json::json!({"id": serial, "area": "05.20", "description": "roles",
                "budget": 1000, "priority": "low", "region": "x"}),
            )
        },
        ("GET", "/assessment/{file}") => get("/assessment/assistance.xlsx".into()),
        ("POST", "/assessment") => form(
            "/assessment",
            &[
                ("name", "roles"),
                ("module", "05.20"),
                ("status.05.20.01", "met"),
                ("note.05.20.01", &serial),
            ],
        ),
        ("POST", "/assistance/need") => form(
            "/assistance/need",
            &[
                ("id", &format!("F-{serial}")),
                ("area", "05.20"),
                ("description", "roles"),
                ("budget", "1000"),
                ("priority", "low"),
                ("region", "x"),
            ],
        ),
        ("POST", "/indicators/release") => form(
            "/indicators/release",
            &[
                ("from", "2024-01-01"),
                ("to", "2024-12-31"),
                ("profile", "un-2018"),
            ],
        ),
        ("POST", "/login") => {
            let (cookie, csrf) = server.login_form();
            Sample {
                cookie: Some(cookie),
                ..form(
                    "/login",
                    &[("name", "analyst"), ("password", PASSWORD), ("csrf", &csrf)],
                )
            }
        }
        ("POST", "/logout") => form("/logout", &[]),
        ("POST", "/persons") => form(
            "/persons",
            &[
                ("kind", "organisation"),
                ("name", &format!("Roles Unit {n}")),
            ],
        ),
        ("POST", "/weapons") => form(
            "/weapons",
            &[
                ("category", "rifle"),
                ("manufacturer", "Form Test"),
                ("country", "BE"),
                ("serial", &serial),
            ],
        ),
        ("POST", "/weapons/{id}/events") => form(
            &format!("/weapons/{weapon}/events"),
            &[
                ("kind", "inventoried"),
                ("occurred_on", today),
                ("notes", &serial),
            ],
        ),
        ("POST", "/import") => {
            let (ct, body) = multipart(
                "weapon",
                "w.csv",
                &format!("category,manufacturer,country,serial\nrifle,Upload Test,BE,{serial}\n"),
            );
            Sample {
                cookie: None,
                path: "/import".into(),
                content_type: Some(Box::leak(ct.into_boxed_str())),
                body: Some(body),
            }
        }
        ("POST", "/admin/users") => form(
            "/admin/users",
            &[
                ("name", &format!("page{n}")),
                ("role", "auditor"),
                ("password", PASSWORD),
            ],
        ),
        ("POST", "/admin/users/{name}") => form("/admin/users/auditor", &[("disabled", "no")]),
        ("POST", "/federation/v1/inbox") => {
            // Public: a ping signed by a partner the server knows (registered here once).
            let partner = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
            let mut backend = server.backend();
            if !salw_store::FederationBackend::peers(&mut backend)
                .expect("peers")
                .iter()
                .any(|p| p.country == "UG")
            {
                let node = salw_store::Registry::new(server.backend())
                    .node()
                    .expect("node")
                    .expect("initialised");
                salw_server::federation::add_peer(
                    &mut backend,
                    &node,
                    "UG",
                    "http://127.0.0.1:9",
                    &hex::encode(partner.verifying_key().as_bytes()),
                    "test",
                    chrono::Utc::now(),
                )
                .expect("partner");
            }
            let me = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
            let sealed = salw_federation::Draft::new(
                uuid::Uuid::now_v7(),
                salw_federation::NodeId::new("UG", &partner.verifying_key()),
                salw_federation::NodeId::new("KE", &me.verifying_key()),
                salw_federation::Kind::Ping,
                serde_json::Map::new(),
                chrono::Utc::now(),
            )
            .seal(&partner)
            .expect("seal");
            json(serde_json::from_str(&sealed.json).expect("json"))
        }
        ("GET", "/api/v1/armouries/{id}") | ("GET", "/stock/armouries/{id}") => {
            get(e.path.replace("{id}", &crate::stock::armoury(server).0))
        }
        ("POST", "/api/v1/count-policy") => json(serde_json::json!({"full_count_every_days": 90})),
        ("POST", "/api/v1/counts") => {
            let (armoury, _, _) = crate::stock::armoury(server);
            json(
                serde_json::json!({"id": format!("RC-{n}"), "armoury": armoury,
                "kind": "full", "planned_on": today, "counter": "Roles"}),
            )
        }
        ("POST", "/stock/counts") => {
            let (armoury, _, _) = crate::stock::armoury(server);
            form(
                "/stock/counts",
                &[
                    ("id", &format!("RF-{n}")),
                    ("armoury", &armoury),
                    ("kind", "full"),
                    ("planned_on", today),
                    ("counter", "Roles"),
                ],
            )
        }
        ("GET", "/api/v1/counts/{id}") | ("GET", "/stock/counts/{id}") => get(e
            .path
            .replace("{id}", &crate::stock::planned_count(server, "ROLES-C"))),
        ("POST", "/api/v1/counts/{id}/result") => {
            let c = crate::stock::planned_count(server, &format!("RR-{n}"));
            Sample {
                path: format!("/api/v1/counts/{c}/result"),
                ..json(serde_json::json!({"counted_on": today, "found": [serial]}))
            }
        }
        ("POST", "/stock/counts/{id}") => {
            let c = crate::stock::planned_count(server, &format!("RP-{n}"));
            form(
                &format!("/stock/counts/{c}"),
                &[("counted_on", today), ("found", &serial)],
            )
        }
        ("GET", "/stock/discrepancies/{id}") => get(format!(
            "/stock/discrepancies/{}",
            crate::stock::discrepancy(server, &format!("RG-{n}"))
        )),
        ("POST", "/api/v1/discrepancies/{id}/steps") => {
            let d = crate::stock::discrepancy(server, &format!("RS-{n}"));
            Sample {
                path: format!("/api/v1/discrepancies/{d}/steps"),
                ..json(serde_json::json!({"action": "investigate", "note": "roles"}))
            }
        }
        ("POST", "/stock/discrepancies/{id}") => {
            let d = crate::stock::discrepancy(server, &format!("RT-{n}"));
            form(
                &format!("/stock/discrepancies/{d}"),
                &[("action", "investigate"), ("note", "roles")],
            )
        }
        ("POST", "/api/v1/campaigns") => json(serde_json::json!({"id": format!("CA-{n}"),
            "name": "Roles", "place": "Here", "start": "2026-01-01", "end": "2026-12-31",
            "amnesty": false, "programme": "ddr"})),
        ("POST", "/collection") => form(
            "/collection",
            &[
                ("id", &format!("CF-{n}")),
                ("name", "Roles"),
                ("place", "Here"),
                ("start", "2026-01-01"),
                ("end", "2026-12-31"),
                ("programme", "civilian"),
            ],
        ),
        ("GET", "/api/v1/campaigns/{id}") | ("GET", "/collection/{id}") => {
            get(e.path.replace("{id}", &crate::stock::campaign(server)))
        }
        ("POST", "/api/v1/campaigns/{id}/intake") => Sample {
            path: format!(
                "/api/v1/campaigns/{}/intake",
                crate::stock::campaign(server)
            ),
            ..json(serde_json::json!({"occurred_on": today,
                "weapons": [{"category": "rifle", "serial": serial}]}))
        },
        ("POST", "/collection/{id}") => form(
            &format!("/collection/{}", crate::stock::campaign(server)),
            &[("category", "rifle"), ("serial", &serial)],
        ),
        ("POST", "/api/v1/holds") => {
            json(serde_json::json!({"weapon": weapon, "case": format!("CASE-{n}")}))
        }
        ("POST", "/api/v1/destructions") => {
            let w = crate::stock::handed_in(server, &format!("RD-{n}"));
            json(
                serde_json::json!({"id": format!("RD-{n}"), "method": "cutting",
                "place": "yard", "date": today, "authority": "Commission",
                "witnesses": "A, B", "certificate": format!("C-{n}"), "weapons": [w]}),
            )
        }
        ("POST", "/destruction") => {
            let w = crate::stock::handed_in(server, &format!("RE-{n}"));
            form(
                "/destruction",
                &[
                    ("id", &format!("RE-{n}")),
                    ("method", "crushing"),
                    ("place", "yard"),
                    ("date", today),
                    ("authority", "Commission"),
                    ("witnesses", "A, B"),
                    ("certificate", &format!("E-{n}")),
                    ("weapons", &w),
                ],
            )
        }
        ("POST", "/destruction/{id}/evidence") => {
            let boundary = "salwtestboundary7MA4YWxkTrZu0gW";
            let mut body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nafter\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .into_bytes();
            body.extend_from_slice(JPEG);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            Sample {
                cookie: None,
                path: format!("/destruction/{}/evidence", crate::stock::batch(server)),
                content_type: Some(Box::leak(
                    format!("multipart/form-data; boundary={boundary}").into_boxed_str(),
                )),
                body: Some(body),
            }
        }
        ("GET", "/destruction/{id}") => {
            get(format!("/destruction/{}", crate::stock::batch(server)))
        }
        ("POST", "/api/v1/destructions/{id}/evidence") => Sample {
            cookie: None,
            path: format!(
                "/api/v1/destructions/{}/evidence?caption=after",
                crate::stock::batch(server)
            ),
            content_type: Some("image/jpeg"),
            body: Some(JPEG.to_vec()),
        },
        ("GET", path) if !path.contains('{') => get(path.to_owned()),
        other => panic!("no sample request for {other:?}: add one"),
    }
}

fn allowed(e: &Endpoint, role: Role) -> bool {
    match e.access {
        Access::Public | Access::Authenticated => true,
        Access::May(p) => role.can(p),
    }
}

#[test]
pub(crate) fn every_endpoint_answers_each_role_as_the_role_model_says() {
    let server = TestServer::start(300);
    let weapon = server.some_weapon("registered")["weapon"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (code, _) = server.json(
        "POST",
        "/api/v1/persons",
        Role::Registrar,
        &serde_json::json!({"kind": "individual", "name": "Roles Person", "reference": "P-ROLES"}),
    );
    assert_eq!(code, 201);
    let (code, photo) = server.call(
        "POST",
        &format!("/api/v1/weapons/{weapon}/photos"),
        Some(Role::Registrar),
        Some("image/jpeg"),
        Some(JPEG),
    );
    assert_eq!(code, 201, "{photo}");
    let photo: serde_json::Value = serde_json::from_str(&photo).expect("json");
    let photo = photo["hash"].as_str().expect("hash").to_owned();
    let today = chrono::Utc::now().date_naive().to_string();
    server.add_trace_partner();
    let mut n = 0;
    let mut failures = Vec::new();
    for e in ENDPOINTS {
        let mut cases: Vec<(Option<Role>, String)> = vec![(None, "no credentials".into())];
        cases.extend(ROLES.iter().map(|r| (Some(*r), r.as_str().to_owned())));
        for (role, label) in cases {
            n += 1;
            let s = sample(&server, e, n, &weapon, &today, &photo);
            let (status, body) = server.call_with_cookie(
                e.method,
                &s.path,
                role,
                s.content_type,
                s.body.as_deref(),
                s.cookie.as_deref(),
            );
            let expected: &[u16] = match (role, e.access, e.kind) {
                (_, Access::Public, _) => &[200, 303],
                (None, _, Kind::Api) => &[401],
                (None, _, Kind::Page) => &[303],
                (Some(r), _, _) if !allowed(e, r) => &[403],
                (Some(_), _, Kind::Api) => &[200, 201],
                (Some(_), _, Kind::Page) => &[200, 303],
            };
            if !expected.contains(&status) {
                failures.push(format!(
                    "{} {} as {label}: {status}, expected {expected:?}: {}",
                    e.method,
                    s.path,
                    body.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
pub(crate) fn the_login_page_is_where_a_page_sends_those_without_a_session_and_a_session_works() {
    let server = TestServer::start(50);
    let (status, _) = server.call("GET", "/search?q=1", None, None, None);
    assert_eq!(status, 303);
    let response = TestServer::agent()
        .get(&server.url("/search?q=1"))
        .call()
        .expect("redirect");
    assert_eq!(
        response.header("location"),
        Some("/login?next=/search%3Fq%3D1")
    );
    assert_eq!(server.login("investigator", "wrong password!"), None);
    let cookie = server
        .login("investigator", PASSWORD)
        .expect("a session cookie");
    let page = TestServer::agent()
        .get(&server.url("/search?q=4711"))
        .set("cookie", &cookie)
        .call()
        .expect("search page")
        .into_string()
        .expect("html");
    assert!(page.contains("Marking search"), "{page}");
    // Nothing found: the page says how far the search looked.
    let none = TestServer::agent()
        .get(&server.url("/search?q=%2AQWXQ"))
        .set("cookie", &cookie)
        .call()
        .expect("search page")
        .into_string()
        .expect("html");
    assert!(
        none.contains("id=\"no-hits\"")
            && none.contains("looked for it as typed, up to a swap or a similar-shape confusion"),
        "{none}"
    );
    // A login form from elsewhere (no login cookie) is refused before the password is looked at.
    let forged = TestServer::agent().post(&server.url("/login")).send_form(&[
        ("name", "investigator"),
        ("password", PASSWORD),
        ("csrf", "guess"),
    ]);
    match forged {
        Err(ureq::Error::Status(403, _)) => {}
        other => panic!("expected 403 for a login without its CSRF cookie, got {other:?}"),
    }
    // The session's CSRF token is required on the API's writes made with the cookie.
    let refused = TestServer::agent()
        .post(&server.url("/api/v1/tokens"))
        .set("cookie", &cookie)
        .set("content-type", "application/json")
        .send_string("{}");
    match refused {
        Err(ureq::Error::Status(403, _)) => {}
        other => panic!("expected 403 without the CSRF header, got {other:?}"),
    }
}

#[test]
pub(crate) fn five_failed_logins_lock_the_name_for_a_while_and_are_audited() {
    let server = TestServer::start(10);
    for _ in 0..5 {
        assert_eq!(server.login("auditor", "not the password"), None);
    }
    // Even the right password waits now.
    let (cookie, csrf) = server.login_form();
    let response = TestServer::agent()
        .post(&server.url("/login"))
        .set("cookie", &cookie)
        .send_form(&[("name", "auditor"), ("password", PASSWORD), ("csrf", &csrf)]);
    match response {
        Err(ureq::Error::Status(429, r)) => {
            let page = r.into_string().unwrap_or_default();
            assert!(page.contains("Too many failed attempts"), "{page}");
        }
        other => panic!("expected 429, got {other:?}"),
    }
    let (code, lines) = server.get_json("/api/v1/audit?action=login-failed", Role::Auditor);
    assert_eq!(code, 200);
    assert_eq!(lines["lines"].as_array().map(Vec::len), Some(5), "{lines}");
}

#[test]
fn every_route_is_in_the_endpoint_table_and_the_openapi_snapshot_is_current() {
    let server = TestServer::start(10);
    // A table entry without a route would fall to the 404 fallback.
    for e in ENDPOINTS.iter().filter(|e| e.method == "GET") {
        let path = e
            .path
            .replace("{id}", "x")
            .replace("{file}", "app.css")
            .replace("{hash}", "x");
        let (status, body) = server.call("GET", &path, Some(Role::Administrator), None, None);
        assert!(
            !body.contains("no such page or endpoint"),
            "{} is in the table but not routed ({status})",
            e.path
        );
    }
    let served: serde_json::Value =
        serde_json::from_str(&server.call("GET", "/api/openapi.json", None, None, None).1)
            .expect("openapi json");
    let snapshot_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let snapshot: serde_json::Value = std::fs::read_to_string(snapshot_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    if std::env::var_os("SALW_UPDATE_SNAPSHOTS").is_some() {
        let text = serde_json::to_string_pretty(&served).expect("json") + "\n";
        std::fs::write(snapshot_path, text).expect("write snapshot");
    } else {
        assert!(
            served == snapshot,
            "docs/openapi.json differs from what the server serves; if the change is meant, run SALW_UPDATE_SNAPSHOTS=1 cargo nextest run -p salw-server and commit it"
        );
    }
    assert_eq!(served["openapi"], "3.1.0");
    let paths = served["paths"].as_object().expect("paths");
    for e in ENDPOINTS.iter().filter(|e| e.kind == Kind::Api) {
        assert!(
            paths
                .get(e.path)
                .and_then(|p| p.get(e.method.to_ascii_lowercase()))
                .is_some(),
            "{} {} is not documented",
            e.method,
            e.path
        );
    }
}

#[test]
pub(crate) fn an_account_disabled_or_given_a_new_password_outside_the_server_loses_its_sessions() {
    let server = TestServer::start(10);
    let cookie = server.login("analyst", PASSWORD).expect("a session");
    let (status, _) = server.call_with_cookie("GET", "/", None, None, None, Some(&cookie));
    assert_eq!(status, 200);
    // As `salw user disable analyst` does, on the registry file, behind the server's back.
    let mut backend = server.backend();
    use salw_store::AccessBackend;
    backend
        .update_account("analyst", None, None, Some(true))
        .expect("disable");
    let (status, _) = server.call_with_cookie("GET", "/", None, None, None, Some(&cookie));
    assert_eq!(status, 303, "the session ended: to the login page");
    // A new password (`salw user password`) ends the sessions begun with the old one.
    let cookie = server.login("auditor", PASSWORD).expect("a session");
    let (status, _) = server.call_with_cookie("GET", "/", None, None, None, Some(&cookie));
    assert_eq!(status, 200);
    salw_access::set_password(&mut backend, "auditor", "a brand new password").expect("password");
    let (status, _) = server.call_with_cookie("GET", "/", None, None, None, Some(&cookie));
    assert_eq!(status, 303, "the session ended with the old password");
    // A token revoked with `salw token revoke` stops working (the server remembers tokens it
    // checked for `session_recheck_seconds`, 0 here).
    let (status, _) = server.call(
        "GET",
        "/api/v1/weapons",
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(status, 200);
    let prefix = server.tokens[&Role::Investigator][..13].to_owned();
    assert!(
        backend
            .revoke_token("investigator", &prefix)
            .expect("revoke")
    );
    let (status, _) = server.call(
        "GET",
        "/api/v1/weapons",
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(status, 401, "the revoked token is refused");
}

#[test]
pub(crate) fn the_traces_page_and_api_show_the_traces_and_the_partner_figures() {
    use salw_store::{TraceBackend, TraceRecord, TraceStep};
    let server = TestServer::start(50);
    {
        let mut b = server.backend();
        b.insert_trace(&TraceRecord {
            id: "01a22816-0000-7000-8000-000000000001".into(),
            role: "received".into(),
            partner: "UG".into(),
            weapon_id: None,
            reference: "<b>UG-CASE-7</b>".into(),
            priority: "urgent".into(),
            urgency_reason: Some("custody".into()),
            request: "{}".into(),
            restrictions: "[]".into(),
            confidentiality: "law enforcement only".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            created_by: "node UG".into(),
        })
        .expect("trace");
        b.add_trace_step(&TraceStep {
            trace_id: "01a22816-0000-7000-8000-000000000001".into(),
            state: "received".into(),
            at: "2026-01-01T00:00:00.000Z".into(),
            by: "node UG".into(),
            message_id: Some("m1".into()),
            acknowledge_by: Some("2026-01-02T00:00:00.000Z".into()),
            answer_by: Some("2026-01-08T00:00:00.000Z".into()),
            detail: "{}".into(),
        })
        .expect("step");
    }
    let cookie = server
        .login("investigator", PASSWORD)
        .expect("a session cookie");
    let (status, page) = server.call_with_cookie("GET", "/traces", None, None, None, Some(&cookie));
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("UG-CASE-7") && !page.contains("<b>UG-CASE-7"),
        "escaped: {page}"
    );
    assert!(
        page.contains("acknowledgement was due by 2026-01-02"),
        "{page}"
    );
    assert!(page.contains("href=\"/traces\""), "in the menu: {page}");
    let (status, body) = server.call(
        "GET",
        "/api/v1/traces?overdue=true",
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["traces"][0]["state"], "received");
    assert_eq!(v["partners"][0]["partner"], "UG");
    assert_eq!(v["partners"][0]["requests"], 1);
    let (status, body) = server.call(
        "GET",
        "/api/v1/traces?overdue=maybe",
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("overdue"), "{body}");
    let (status, _) = server.call("GET", "/api/v1/traces", Some(Role::Analyst), None, None);
    assert_eq!(status, 403);
}

#[test]
fn an_address_that_is_no_page_answers_with_a_page_and_the_api_with_json() {
    let server = TestServer::start(3);
    let (code, body) = server.call("GET", "/no/such/page", Some(Role::Investigator), None, None);
    assert_eq!(code, 404);
    assert!(
        body.contains("<html") && body.contains("no such page or endpoint"),
        "{body}"
    );
    // With the menu of whoever is logged in, there and on a record that does not exist.
    assert!(
        body.contains(r#"<a href="/search">Search</a>"#) && body.contains("Log out"),
        "{body}"
    );
    let nobody = uuid::Uuid::now_v7();
    let (code, body) = server.call(
        "GET",
        &format!("/weapons/{nobody}"),
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(code, 404);
    assert!(
        body.contains(r#"<a href="/search">Search</a>"#) && body.contains("Log out"),
        "{body}"
    );
    // Without a login, no menu.
    let (code, body) = server.call("GET", "/no/such/page", None, None, None);
    assert_eq!(code, 404);
    assert!(!body.contains("Log out"), "{body}");
    // GET on an address that only takes POST: a page too.
    let (code, body) = server.call(
        "GET",
        "/indicators/release",
        Some(Role::Analyst),
        None,
        None,
    );
    assert_eq!(code, 405);
    assert!(
        body.contains("<html") && body.contains("is not a method of"),
        "{body}"
    );
    assert!(
        body.contains(r#"<a href="/indicators">Indicators</a>"#) && body.contains("Log out"),
        "the 405 page keeps the menu: {body}"
    );
    // The API stays JSON.
    let (code, body) = server.call(
        "GET",
        "/api/v1/no-such",
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(code, 404);
    let json: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(json["error"]["status"], 404, "{json}");
}

#[test]
fn a_period_typed_wrong_is_said_on_the_reports_and_indicators_pages_which_stay_whole() {
    let server = TestServer::start(3);
    let (code, body) = server.call(
        "GET",
        "/reports?period=2025..2024",
        Some(Role::Analyst),
        None,
        None,
    );
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("shown instead: the default period") && body.contains("id=\"keep\""),
        "{body}"
    );
    let (code, body) = server.call(
        "GET",
        "/indicators?from=2024-13-01&to=2024-12-31",
        Some(Role::Analyst),
        None,
        None,
    );
    assert_eq!(code, 200, "{body}");
    assert!(
        body.contains("id=\"period-error\"") && body.contains("from"),
        "{body}"
    );
}

#[test]
pub fn the_persons_page_finds_a_part_of_a_name_or_reference_in_any_case_and_shows_at_most_fifty() {
    let server = TestServer::start(3);
    let add = |body: serde_json::Value| {
        let (code, v) = server.json("POST", "/api/v1/persons", Role::Registrar, &body);
        assert_eq!(code, 201, "{v}");
    };
    add(
        serde_json::json!({"kind": "individual", "name": "Ñúñez Okello", "reference": "LIC-ÑA-0042"}),
    );
    add(serde_json::json!({"kind": "organisation", "name": "Nunez Hunting Club"}));
    for i in 0..55 {
        add(serde_json::json!({"kind": "organisation", "name": format!("Kasamba Security {i}")}));
    }
    let page = |q: &str| {
        let (code, body) = server.call(
            "GET",
            &format!("/persons?q={}", salw_server::auth::urlencode(q)),
            Some(Role::Investigator),
            None,
            None,
        );
        assert_eq!(code, 200, "{body}");
        body
    };
    // Part of the name, in another case, accents and all; the name without them is another.
    let body = page("ÑÚÑEZ");
    assert!(body.contains("Ñúñez Okello"), "{body}");
    assert!(!body.contains("Nunez Hunting Club"), "{body}");
    // Part of the reference.
    let body = page("lic-ña");
    assert!(body.contains("Ñúñez Okello"), "{body}");
    // Fifty shown, and the page says more have it.
    let body = page("kasamba");
    assert_eq!(body.matches("Kasamba Security ").count(), 50, "{body}");
    assert!(body.contains("More have it"), "{body}");
    let body = page("zzzz");
    assert!(body.contains("id=\"none-found\""), "{body}");
}
