//! The self-assessment and assistance over the API: entries kept all or none, the latest
//! counting, figures read live from the registry, roles, and the PoA report's assistance
//! question proposed from the needs.

use salw_access::Role;
use serde_json::{Value, json};

use crate::TestServer;

fn figure(report: &Value, clause: &str) -> String {
    report["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .find(|c| c["clause"] == clause)
        .and_then(|c| c["figure"]["value"].as_str())
        .unwrap_or_else(|| panic!("no figure for {clause}: {report}"))
        .to_owned()
}

#[test]
pub(crate) fn an_assessment_is_kept_all_or_none_scored_ranked_and_shows_live_registry_figures() {
    let server = TestServer::start(120);
    // One bad clause among good ones: nothing kept, each problem named.
    let (code, refused) = server.json(
        "POST",
        "/api/v1/assessments/2026",
        Role::Analyst,
        &json!([{"clause": "05.20.01", "status": "met"},
                {"clause": "05.20.99", "status": "met"}]),
    );
    assert_eq!(code, 422, "{refused}");
    assert_eq!(
        refused["error"]["errors"][0]["field"], "05.20.99",
        "{refused}"
    );
    let (code, _) = server.get_json("/api/v1/assessments/2026", Role::Analyst);
    assert_eq!(
        code, 404,
        "nothing was kept, so there is no such assessment"
    );
    // A status that is none is refused, naming it, before anything is checked.
    let (code, e) = server.json(
        "POST",
        "/api/v1/assessments/2026",
        Role::Analyst,
        &json!([{"clause": "05.20.01", "status": "done"}]),
    );
    assert_eq!(code, 422);
    assert!(e.to_string().contains("done"), "{e}");
    // A misspelt field is refused, not dropped.
    let (code, e) = server.json(
        "POST",
        "/api/v1/assessments/2026",
        Role::Analyst,
        &json!([{"clause": "05.20.01", "status": "met", "due_date": "2027-01-01"}]),
    );
    assert_eq!(code, 422);
    assert!(e.to_string().contains("due_date"), "{e}");
    // Investigators and registrars may read, not assess.
    let (code, _) = server.json(
        "POST",
        "/api/v1/assessments/2026",
        Role::Investigator,
        &json!([{"clause": "05.20.01", "status": "met"}]),
    );
    assert_eq!(code, 403);

    let (code, kept) = server.json(
        "POST",
        "/api/v1/assessments/2026",
        Role::Analyst,
        &json!([
            {"clause": "05.20.01", "status": "met", "note": "ledgers per depot"},
            {"clause": "05.20.02", "status": "not_met", "owner": "Police armoury", "due": "2020-01-31"},
            {"clause": "05.20.03", "status": "partly_met"},
            {"clause": "05.30.01", "status": "partly_met", "owner": "Registry unit"}
        ]),
    );
    assert_eq!((code, &kept["kept"]), (200, &json!(4)), "{kept}");
    // The same again keeps nothing new.
    let (_, again) = server.json(
        "POST",
        "/api/v1/assessments/2026",
        Role::Analyst,
        &json!([{"clause": "05.20.01", "status": "met", "note": "ledgers per depot"}]),
    );
    assert_eq!(again["kept"], 0);

    let (code, r) = server.get_json("/api/v1/assessments/2026", Role::Investigator);
    assert_eq!(code, 200, "{r}");
    // 05.20 requirements: met, not met (05.20.03 is a recommendation) → 50 %;
    // recommendations: partly met → 50 %.
    assert_eq!(r["scores"][0]["module"], "05.20");
    assert_eq!(r["scores"][0]["requirements"]["score"], 50.0);
    assert_eq!(r["scores"][0]["recommendations"]["score"], 50.0);
    let gaps: Vec<(&str, u64, bool)> = r["gaps"]
        .as_array()
        .expect("gaps")
        .iter()
        .map(|g| {
            (
                g["clause"].as_str().unwrap_or(""),
                g["weight"].as_u64().unwrap_or(0),
                g["overdue"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        [
            ("05.20.02", 4, true),
            ("05.30.01", 2, false),
            ("05.20.03", 1, false)
        ]
    );

    // A figure is read from the registry when asked: one more weapon without a unique mark
    // shows at once.
    let before: u64 = figure(&r, "05.30.03").parse().expect("a count");
    let (code, added) = server.json(
        "POST",
        "/api/v1/weapons",
        Role::Registrar,
        &json!({"category": "rifle", "inadequately_marked": true, "follow_up": "mark_and_record"}),
    );
    assert_eq!(code, 201, "{added}");
    let (_, r) = server.get_json("/api/v1/assessments/2026", Role::Analyst);
    assert_eq!(figure(&r, "05.30.03"), (before + 1).to_string());
    assert!(figure(&r, "05.30.01").contains(" %"), "{r}");

    // A later assessment shows the earlier one's scores beside its own.
    let (code, _) = server.json(
        "POST",
        "/api/v1/assessments/2027",
        Role::Administrator,
        &json!([{"clause": "05.20.02", "status": "met"}, {"clause": "05.20.01", "status": "met"}]),
    );
    assert_eq!(code, 200);
    let (_, p) = server.get_json("/api/v1/assessments/2027?compare=2026", Role::Analyst);
    assert_eq!(
        p["progress"][0]["requirements"],
        json!([50.0, 100.0]),
        "{p}"
    );
    let (code, _) = server.get_json("/api/v1/assessments/2027?compare=1999", Role::Analyst);
    assert_eq!(code, 404);
    let (_, list) = server.get_json("/api/v1/assessments", Role::Auditor);
    assert_eq!(
        list["assessments"].as_array().map(Vec::len),
        Some(2),
        "{list}"
    );
}

#[test]
fn needs_from_gaps_meet_offers_and_fill_the_poa_report_s_assistance_question() {
    let server = TestServer::start(50);
    let post = |kind: &str, body: Value| {
        server.json(
            "POST",
            &format!("/api/v1/assistance/{kind}"),
            Role::Analyst,
            &body,
        )
    };
    let (code, e) = post(
        "needs",
        json!({"id": "N1", "area": "05.20", "clause": "05.30.01", "description": "x",
               "budget": 0, "priority": "high", "region": "East Africa"}),
    );
    assert_eq!(code, 422, "{e}");
    let fields: Vec<&str> = e["error"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|x| x["field"].as_str())
        .collect();
    assert_eq!(fields, ["budget", "clause"], "{e}");
    let (code, _) = post(
        "needs",
        json!({"id": "N1", "area": "05.20", "clause": "05.20.02",
               "description": "Stock-count training for 12 armouries",
               "budget": 120000, "priority": "high", "region": "East Africa"}),
    );
    assert_eq!(code, 201);
    let (code, _) = post(
        "needs",
        json!({"id": "N1", "area": "05.50", "description": "again", "budget": 1,
               "priority": "low", "region": "x"}),
    );
    assert_eq!(code, 422, "an id is never reused: records are not changed");
    let (code, _) = post(
        "offers",
        json!({"id": "O1", "donor": "UNSCAR", "areas": ["05.20", "05.50"],
               "regions": ["east africa"], "budget_min": 50000, "budget_max": 500000}),
    );
    assert_eq!(code, 201);
    let (code, _) = post("unknown", json!({}));
    assert_eq!(code, 404);
    // A field missing is named; a count of persons that overflows is refused, not wrapped.
    let (code, e) = post(
        "offers",
        json!({"id": "O3", "areas": ["05.20"], "budget_min": 1, "budget_max": 2}),
    );
    assert_eq!(code, 422, "{e}");
    assert!(e.to_string().contains("donor"), "{e}");
    let (code, _) = server.json(
        "POST",
        "/api/v1/assistance/offers",
        Role::Registrar,
        &json!({"id": "O2", "donor": "x", "areas": ["05.20"], "budget_min": 1, "budget_max": 2}),
    );
    assert_eq!(code, 403);
    let (_, a) = server.get_json("/api/v1/assistance", Role::Investigator);
    assert_eq!(
        a["matches"],
        json!([{"need": "N1", "offer": "O1", "donor": "UNSCAR",
        "priority": "high", "area": "05.20", "budget": 120000}])
    );

    // The PoA report proposes question 11.1 from the needs, to confirm.
    let (_, d) = server.get_json("/api/v1/reports/poa?period=2024-2025", Role::Analyst);
    let q = d["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["questions"].as_array().into_iter().flatten())
        .find(|q| q["id"] == "11.1")
        .cloned()
        .expect("11.1");
    assert_eq!(q["status"], "carried", "{q}");
    assert!(
        q["answer"]["value"]
            .as_str()
            .unwrap_or("")
            .contains("Stock-count training for 12 armouries"),
        "{q}"
    );
    // Funded, it is matched no more.
    let (code, e) = post(
        "projects",
        json!({"id": "P1", "need": "N1", "donor": "UNSCAR", "start": "2027-01-01",
               "end": "2027-12-31", "budget": 120000,
               "reports": [{"kind": "interim", "due": "2027-06-30"}, {"kind": "final", "due": "2028-01-31"}]}),
    );
    assert_eq!(code, 201, "{e}");
    let (code, e) = post(
        "results",
        json!({"project": "P1", "what": "officials trained", "count": 40,
               "female": u64::MAX, "male": 1}),
    );
    assert_eq!(code, 422, "{e}");
    assert_eq!(e["error"]["errors"][0]["field"], "female + male", "{e}");
    let (code, _) = post(
        "results",
        json!({"project": "P1", "what": "officials trained", "count": 40, "female": 12, "male": 28}),
    );
    assert_eq!(code, 201);
    // One project per need.
    let (code, e) = post(
        "projects",
        json!({"id": "P2", "need": "N1", "donor": "Other", "start": "2027-01-01",
               "end": "2027-12-31", "budget": 1000, "reports": [{"kind": "final", "due": "2028-01-31"}]}),
    );
    assert_eq!(code, 422, "{e}");
    assert!(e.to_string().contains("funded by project 'P1'"), "{e}");
    let (_, a) = server.get_json("/api/v1/assistance", Role::Analyst);
    assert_eq!(a["matches"], json!([]));
    assert_eq!(a["results"][0]["female"], 12);
}
