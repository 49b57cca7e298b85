//! The stockpile workflows over the API (docs/stockpile.md): a serial check that misses a
//! weapon and ends in a recorded loss, the refusals (closing without a resolution, entering a
//! count twice), a campaign's intake all or none, a destruction refused for a weapon held as
//! evidence or under trace, then done and certified, and the reactivation alert. Also the
//! fixtures the role test uses for these routes.

use salw_access::Role;
use serde_json::{Value, json};

use crate::TestServer;

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

/// The first armoury of the demo registry and one weapon in its store.
pub fn armoury(server: &TestServer) -> (String, String, String) {
    let (code, list) = server.get_json("/api/v1/armouries", Role::Registrar);
    assert_eq!(code, 200, "{list}");
    let id = list["armouries"][0]["id"]
        .as_str()
        .expect("the demo registry has armouries")
        .to_owned();
    let (code, h) = server.get_json(&format!("/api/v1/armouries/{id}"), Role::Registrar);
    assert_eq!(code, 200, "{h}");
    let w = &h["in_store"][0];
    (
        id,
        w["weapon_id"]
            .as_str()
            .expect("a weapon in store")
            .to_owned(),
        w["serial"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Plans a serial check of one weapon of the first armoury; returns its id.
pub fn planned_count(server: &TestServer, id: &str) -> String {
    let (armoury, weapon, _) = armoury(server);
    let (code, r) = server.json(
        "POST",
        "/api/v1/counts",
        Role::Registrar,
        &json!({"id": id, "armoury": armoury, "kind": "serial_check", "planned_on": today(),
                "counter": "Lt Phiri", "custodian": "Sgt Banda", "weapons": [weapon]}),
    );
    assert!(
        code == 201 || r.to_string().contains("planned already"),
        "{r}"
    );
    id.to_owned()
}

/// A count entered with its one weapon not found (and a line that names nothing): the
/// missing weapon's discrepancy id.
pub fn discrepancy(server: &TestServer, count: &str) -> String {
    planned_count(server, count);
    let (code, r) = server.json(
        "POST",
        &format!("/api/v1/counts/{count}/result"),
        Role::Registrar,
        &json!({"counted_on": today(), "found": ["NOT-ON-THE-SHELF"]}),
    );
    assert_eq!(code, 201, "{r}");
    r["result"]["discrepancies"][0]
        .as_str()
        .expect("a discrepancy")
        .to_owned()
}

/// A campaign running today (made once).
pub fn campaign(server: &TestServer) -> String {
    let id = "ROLES-CAMP";
    let (code, _) = server.get_json(&format!("/api/v1/campaigns/{id}"), Role::Registrar);
    if code == 404 {
        let (code, r) = server.json(
            "POST",
            "/api/v1/campaigns",
            Role::Registrar,
            &json!({"id": id, "name": "Roles", "place": "Test", "start": "2020-01-01",
                    "end": (chrono::Utc::now().date_naive() + chrono::Days::new(365)).to_string(),
                    "amnesty": true, "programme": "civilian"}),
        );
        assert_eq!(code, 201, "{r}");
    }
    id.to_owned()
}

/// A weapon handed in now (a new record), ready to be destroyed.
pub fn handed_in(server: &TestServer, serial: &str) -> String {
    let c = campaign(server);
    let (code, r) = server.json(
        "POST",
        &format!("/api/v1/campaigns/{c}/intake"),
        Role::Registrar,
        &json!({"occurred_on": today(), "weapons": [{"category": "revolver", "manufacturer": "Taurus", "country": "BR", "serial": serial}]}),
    );
    assert_eq!(code, 201, "{r}");
    r["intake"][0]["weapon_id"]
        .as_str()
        .expect("weapon")
        .to_owned()
}

/// A destruction batch (made once).
pub fn batch(server: &TestServer) -> String {
    let id = "ROLES-D";
    let (_, list) = server.get_json("/api/v1/destructions", Role::Registrar);
    if !list.to_string().contains(id) {
        let w = handed_in(server, "ROLES-D-1");
        let (code, r) = destroy(server, id, &[&w]);
        assert_eq!(code, 201, "{r}");
    }
    id.to_owned()
}

fn destroy(server: &TestServer, id: &str, weapons: &[&str]) -> (u16, Value) {
    server.json(
        "POST",
        "/api/v1/destructions",
        Role::Registrar,
        &json!({"id": id, "method": "cutting", "place": "Central yard", "date": today(),
                "authority": "National Commission", "witnesses": "A. Banda, C. Phiri",
                "certificate": format!("CERT-{id}"), "weapons": weapons}),
    )
}

fn status_of(server: &TestServer, weapon: &str) -> String {
    let (code, w) = server.get_json(&format!("/api/v1/weapons/{weapon}"), Role::Investigator);
    assert_eq!(code, 200, "{w}");
    w["weapon"]["status"].as_str().expect("status").to_owned()
}

fn field_named(e: &Value, field: &str) -> bool {
    e["error"]["errors"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x["field"] == field))
}

#[test]
pub(crate) fn a_serial_check_misses_a_weapon_and_its_discrepancy_ends_in_a_recorded_loss() {
    let server = TestServer::start(150);
    let (armoury, weapon, _) = armoury(&server);
    // The analyst sees aggregates only: no armoury's holdings.
    assert_eq!(server.get_json("/api/v1/armouries", Role::Analyst).0, 403);
    // Viewing holdings names the persons weapons are issued to: audited.
    let (_, audit) = server.get_json("/api/v1/audit?action=armoury-holdings", Role::Auditor);
    assert!(audit.to_string().contains(&armoury), "{audit}");

    // A plan naming no armoury the registry knows, or a weapon not in its store: refused.
    let (code, e) = server.json(
        "POST",
        "/api/v1/counts",
        Role::Registrar,
        &json!({"id": "C-1", "armoury": "NO-SUCH", "kind": "full", "planned_on": today(), "counter": "x"}),
    );
    assert_eq!(code, 422);
    assert!(field_named(&e, "armoury"), "{e}");
    let (code, e) = server.json(
        "POST",
        "/api/v1/counts",
        Role::Investigator,
        &json!({"id": "C-1", "armoury": armoury, "kind": "full", "planned_on": today(), "counter": "x"}),
    );
    assert_eq!(code, 403, "{e}");

    let d = discrepancy(&server, "C-1");
    assert_eq!(d, "C-1-1");
    let (code, e) = server.json(
        "POST",
        "/api/v1/counts/C-1/result",
        Role::Registrar,
        &json!({"counted_on": today(), "found": []}),
    );
    assert_eq!(code, 422, "a count is entered once: {e}");
    let (code, e) = server.json(
        "POST",
        "/api/v1/counts/NO-SUCH/result",
        Role::Registrar,
        &json!({"counted_on": today(), "found": ["x"]}),
    );
    assert_eq!(code, 404, "a count that is not there: {e}");
    let (code, e) = server.json(
        "POST",
        "/api/v1/counts",
        Role::Registrar,
        &json!({"id": "C-0", "armoury": armoury, "kind": "full", "planned_on": today(), "counter": "x"}),
    );
    assert_eq!(code, 201, "{e}");
    let (code, e) = server.json(
        "POST",
        "/api/v1/counts/C-0/result",
        Role::Registrar,
        &json!({"counted_on": today(), "found": ["", "  "]}),
    );
    assert_eq!(code, 422, "an empty list is refused: {e}");
    assert!(field_named(&e, "found"), "{e}");
    let (_, c) = server.get_json("/api/v1/counts/C-1", Role::Investigator);
    assert_eq!(
        c["count"]["result"]["reconciliation"]["missing"][0], weapon,
        "{c}"
    );
    assert_eq!(c["discrepancies"][0]["stage"]["stage"], "open");

    // Closing without a resolution, or before an investigation: refused, naming the field.
    let step = |body: Value| {
        server.json(
            "POST",
            &format!("/api/v1/discrepancies/{d}/steps"),
            Role::Registrar,
            &body,
        )
    };
    let (code, e) = step(json!({"action": "confirm", "resolution": "loss", "note": "gone"}));
    assert_eq!(code, 422);
    assert!(field_named(&e, "action"), "{e}");
    let (code, _) = step(json!({"action": "investigate", "note": "asked the unit"}));
    assert_eq!(code, 200);
    let (code, e) = step(json!({"action": "resolve", "note": "closing"}));
    assert_eq!(code, 422);
    assert!(field_named(&e, "resolution"), "{e}");
    let (code, e) = step(json!({"action": "close", "note": "x"}));
    assert_eq!(code, 422, "{e}");
    assert_eq!(status_of(&server, &weapon), "registered");
    let (code, r) = step(
        json!({"action": "confirm", "resolution": "loss", "note": "not found after a search of the depot"}),
    );
    assert_eq!(code, 200, "{r}");
    assert_eq!(r["label"], "confirmed loss");
    assert_eq!(status_of(&server, &weapon), "lost");
    let (_, open) = server.get_json("/api/v1/discrepancies?open=true", Role::Investigator);
    assert!(!open.to_string().contains("C-1-1"), "{open}");
    // The PoA report proposes question 6.4 (measures after diversion) from it, to confirm.
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let (_, d) = server.get_json(
        &format!("/api/v1/reports/poa?period={}-{year}", year - 1),
        Role::Analyst,
    );
    let q = poa_question(&d, "6.4");
    assert_eq!(q["status"], "carried", "{q}");
    assert!(
        q["answer"]["value"]
            .as_str()
            .unwrap_or_default()
            .starts_with("1 stock count discrepancy(ies) were investigated and confirmed as diversion (0 theft(s), 1 loss(es))"),
        "{q}"
    );

    // A weapon recorded stolen elsewhere turns up on this armoury's shelf: its line is linked
    // to its record, and resolving it as found records its recovery.
    let (code, w) = server.json(
        "POST",
        "/api/v1/weapons",
        Role::Registrar,
        &json!({"category": "revolver", "manufacturer": "Taurus", "country": "BR",
                "model": "RT85", "serial": "ST-77777"}),
    );
    assert_eq!(code, 201, "{w}");
    let stolen = w["id"].as_str().expect("id").to_owned();
    let (code, e) = server.json(
        "POST",
        "/api/v1/events",
        Role::Registrar,
        &json!({"weapon": stolen, "kind": "reported_stolen", "occurred_on": today()}),
    );
    assert_eq!(code, 201, "{e}");
    let (_, held) = server.get_json(&format!("/api/v1/armouries/{armoury}"), Role::Registrar);
    let other = held["in_store"][1]["weapon_id"]
        .as_str()
        .expect("a second weapon")
        .to_owned();
    let (code, p) = server.json(
        "POST",
        "/api/v1/counts",
        Role::Registrar,
        &json!({"id": "C-3", "armoury": armoury, "kind": "serial_check", "planned_on": today(),
                "counter": "Lt Phiri", "weapons": [other]}),
    );
    assert_eq!(code, 201, "{p}");
    let (code, r) = server.json(
        "POST",
        "/api/v1/counts/C-3/result",
        Role::Registrar,
        &json!({"counted_on": today(), "found": [other, "st 77777"]}),
    );
    assert_eq!(code, 201, "{r}");
    let d = r["result"]["discrepancies"][0]
        .as_str()
        .expect("one discrepancy")
        .to_owned();
    let (_, list) = server.get_json("/api/v1/discrepancies?open=true", Role::Investigator);
    let linked = list["discrepancies"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["discrepancy"]["id"] == d.as_str()))
        .cloned()
        .expect("the discrepancy");
    assert_eq!(linked["discrepancy"]["weapon_id"], stolen, "{linked}");
    for body in [
        json!({"action": "investigate", "note": "serial read again: ST-77777"}),
        json!({"action": "resolve", "resolution": "found", "note": "seized stock wrongly shelved"}),
    ] {
        let (code, s) = server.json(
            "POST",
            &format!("/api/v1/discrepancies/{d}/steps"),
            Role::Registrar,
            &body,
        );
        assert_eq!(code, 200, "{s}");
    }
    assert_eq!(status_of(&server, &stolen), "recovered");

    // A serial marked in Cyrillic, typed by the counter in Latin letters, is found.
    let (code, w) = server.json(
        "POST",
        "/api/v1/weapons",
        Role::Registrar,
        &json!({"category": "assault rifle", "manufacturer": "Izhmash", "country": "RU",
                "model": "AK-74", "serial": "НК-4746"}),
    );
    assert_eq!(code, 201, "{w}");
    let cyrillic = w["id"].as_str().expect("id").to_owned();
    let (code, e) = server.json(
        "POST",
        "/api/v1/events",
        Role::Registrar,
        &json!({"weapon": cyrillic, "kind": "transferred", "occurred_on": today(), "to_holder": armoury}),
    );
    assert_eq!(code, 201, "{e}");
    let (code, p) = server.json(
        "POST",
        "/api/v1/counts",
        Role::Registrar,
        &json!({"id": "C-2", "armoury": armoury, "kind": "serial_check", "planned_on": today(),
                "counter": "Lt Phiri", "weapons": [cyrillic]}),
    );
    assert_eq!(code, 201, "{p}");
    let (code, r) = server.json(
        "POST",
        "/api/v1/counts/C-2/result",
        Role::Registrar,
        &json!({"counted_on": today(), "found": ["hk 4746"]}),
    );
    assert_eq!(code, 201, "{r}");
    assert_eq!(r["result"]["reconciliation"]["found"], 1, "{r}");
    assert_eq!(r["result"]["discrepancies"], json!([]), "{r}");
}

#[test]
pub(crate) fn an_intake_is_all_or_none_and_a_destruction_refuses_held_or_traced_weapons() {
    let server = TestServer::start(120);
    let (code, e) = server.json(
        "POST",
        "/api/v1/campaigns",
        Role::Registrar,
        &json!({"id": "K-1", "name": "Silencing the guns", "place": "Kisumu", "start": "2026-03-01",
                "end": "2026-02-01", "amnesty": true, "programme": "civilian"}),
    );
    assert_eq!(code, 422);
    assert!(field_named(&e, "end"), "{e}");
    let c = campaign(&server);
    let (_, before) = server.get_json("/api/v1/summary", Role::Analyst);
    // The second weapon's category does not exist: nothing of the three is kept.
    let (code, e) = server.json(
        "POST",
        &format!("/api/v1/campaigns/{c}/intake"),
        Role::Registrar,
        &json!({"occurred_on": today(), "weapons": [
            {"category": "revolver", "manufacturer": "Taurus", "country": "BR", "serial": "IN-1", "person_name": "J. Otieno", "person_sex": "male"},
            {"category": "ray gun", "serial": "IN-2"},
            {"category": "rifle"}]}),
    );
    assert_eq!(code, 422, "{e}");
    assert_eq!(e["error"]["errors"][0]["line"], 2, "{e}");
    assert!(field_named(&e, "category"), "{e}");
    let (_, after) = server.get_json("/api/v1/summary", Role::Analyst);
    assert_eq!(before["journal_entries"], after["journal_entries"]);
    // Outside the campaign's dates: refused.
    let (code, e) = server.json(
        "POST",
        &format!("/api/v1/campaigns/{c}/intake"),
        Role::Registrar,
        &json!({"occurred_on": "2019-06-01", "weapons": [{"category": "rifle"}]}),
    );
    assert_eq!(code, 422);
    assert!(field_named(&e, "occurred_on"), "{e}");
    let (code, r) = server.json(
        "POST",
        &format!("/api/v1/campaigns/{c}/intake"),
        Role::Registrar,
        &json!({"occurred_on": today(), "weapons": [
            {"category": "revolver", "manufacturer": "Taurus", "country": "BR", "model": "RT85",
             "calibre": ".38 Special", "serial": "IN-1", "person_sex": "female"},
            {"category": "rifle"}]}),
    );
    assert_eq!(code, 201, "{r}");
    assert_eq!(r["intake"][0]["unmarked"], false);
    assert_eq!(r["intake"][1]["unmarked"], true);
    assert_eq!(r["intake"][1]["follow_up"], "destroy");
    assert_eq!(r["intake"][0]["person_recorded"], true);
    let marked = r["intake"][0]["weapon_id"].as_str().expect("id").to_owned();
    let unmarked = r["intake"][1]["weapon_id"].as_str().expect("id").to_owned();
    let (_, w) = server.get_json(&format!("/api/v1/weapons/{marked}"), Role::Investigator);
    let events = w["timeline"].to_string();
    assert!(events.contains("surrendered") && events.contains(&c), "{w}");
    assert!(events.contains("\"amnesty\":true"), "{w}");
    // The same weapon handed in again (typed twice at the table): refused, the campaign's
    // intake still one weapon.
    let (code, e) = server.json(
        "POST",
        &format!("/api/v1/campaigns/{c}/intake"),
        Role::Registrar,
        &json!({"occurred_on": today(), "weapons": [
            {"category": "revolver", "manufacturer": "Taurus", "country": "BR", "model": "RT85",
             "calibre": ".38 Special", "serial": "IN-1"}]}),
    );
    assert_eq!(code, 422, "{e}");
    assert_eq!(e["error"]["errors"][0]["line"], 1, "{e}");
    assert!(e.to_string().contains("already in State custody"), "{e}");
    let (_, r) = server.get_json(&format!("/api/v1/campaigns/{c}"), Role::Registrar);
    assert_eq!(r["intake"].as_array().map(Vec::len), Some(2), "{r}");

    // Held as evidence, then under a trace: the batch is refused, nothing destroyed.
    let (code, e) = server.json(
        "POST",
        "/api/v1/holds",
        Role::Registrar,
        &json!({"weapon": marked, "case": "HC 7/2026"}),
    );
    assert_eq!(code, 200, "{e}");
    let (code, e) = destroy(&server, "D-1", &[&marked, &unmarked]);
    assert_eq!(code, 422);
    assert!(field_named(&e, "weapons[0]"), "{e}");
    assert!(e.to_string().contains("evidence"), "{e}");
    assert_eq!(
        status_of(&server, &unmarked),
        "surrendered",
        "nothing destroyed"
    );
    // Nor through the weapon's own events, as its page or a file would record it.
    let (code, e) = server.json(
        "POST",
        "/api/v1/events",
        Role::Registrar,
        &json!({"weapon": marked, "kind": "destroyed", "occurred_on": today(), "method": "cutting"}),
    );
    assert_eq!(code, 422, "{e}");
    assert!(e.to_string().contains("held as evidence"), "{e}");
    let (code, e) = server.json(
        "POST",
        "/api/v1/holds",
        Role::Registrar,
        &json!({"weapon": marked, "case": "HC 7/2026", "release": true}),
    );
    assert_eq!(code, 200, "{e}");
    server.add_trace_partner();
    let (code, t) = server.json("POST", "/api/v1/traces", Role::Investigator, &{
        let mut r = server.trace_request();
        r["weapon"] = json!(marked);
        r
    });
    assert_eq!(code, 201, "{t}");
    // A draft never sent holds nothing back; once sent, the trace is open.
    let trace = t["id"].as_str().expect("trace id").to_owned();
    let (code, s) = server.json(
        "POST",
        &format!("/api/v1/traces/{trace}/send"),
        Role::Investigator,
        &json!({}),
    );
    assert_eq!(code, 200, "{s}");
    let (code, e) = destroy(&server, "D-1", &[&unmarked, &marked]);
    assert_eq!(code, 422);
    assert!(field_named(&e, "weapons[1]"), "{e}");
    assert!(e.to_string().contains("open trace"), "{e}");

    let (code, r) = destroy(&server, "D-1", &[&unmarked]);
    assert_eq!(code, 201, "{r}");
    assert_eq!(status_of(&server, &unmarked), "destroyed");
    let (code, e) = destroy(&server, "D-1", &[&unmarked]);
    assert_eq!(code, 422, "{e}");
    let (code, ev) = server.call(
        "POST",
        "/api/v1/destructions/D-1/evidence?caption=cut%20frames",
        Some(Role::Registrar),
        Some("image/jpeg"),
        Some(crate::roles::JPEG),
    );
    assert_eq!(code, 201, "{ev}");
    let hash = blake3::hash(crate::roles::JPEG).to_hex().to_string();
    assert!(ev.contains(&hash), "{ev}");
    // The certificate page prints the batch, its weapon and the photo's hash.
    let (code, page) = server.call(
        "GET",
        "/destruction/D-1",
        Some(Role::Investigator),
        None,
        None,
    );
    assert_eq!(code, 200);
    assert!(
        page.contains("CERT-D-1") && page.contains(&hash) && page.contains(&unmarked),
        "{page}"
    );

    // The PoA report proposes question 7.7 (destruction methods) from the batches, to confirm.
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let (_, d) = server.get_json(
        &format!("/api/v1/reports/poa?period={}-{year}", year - 1),
        Role::Analyst,
    );
    let q = poa_question(&d, "7.7");
    assert_eq!(q["status"], "carried", "{q}");
    let text = q["answer"]["value"].as_str().unwrap_or_default();
    assert!(
        text.starts_with("cutting: 1 batch(es), 1 weapon(s)"),
        "{text}"
    );
    assert!(
        text.contains("CERT-D-1") && text.contains("1 of 1 batch(es) have photographs"),
        "{text}"
    );
    // No batch in an earlier period: nothing proposed there.
    let (_, before) = server.get_json(
        &format!("/api/v1/reports/poa?period={}-{}", year - 3, year - 2),
        Role::Analyst,
    );
    assert_eq!(
        poa_question(&before, "7.7")["status"],
        "to_complete",
        "no batch then"
    );
}

fn poa_question(d: &Value, id: &str) -> Value {
    d["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["questions"].as_array().into_iter().flatten())
        .find(|q| q["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no question {id}: {d}"))
}

#[test]
fn a_deactivated_weapon_seized_later_raises_a_reactivation_alert() {
    let server = TestServer::start(60);
    let w = handed_in(&server, "DEACT-1");
    let (code, r) = server.json(
        "POST",
        "/api/v1/events",
        Role::Registrar,
        &json!({"weapon": w, "kind": "deactivated", "occurred_on": today(),
                "standard": "EU 2018/337", "verifier": "Proof house"}),
    );
    assert_eq!(code, 201, "{r}");
    let (_, a) = server.get_json("/api/v1/reactivations", Role::Investigator);
    assert!(!a.to_string().contains(&w), "not yet seen again: {a}");
    let (code, r) = server.json(
        "POST",
        "/api/v1/events",
        Role::Registrar,
        &json!({"weapon": w, "kind": "seized", "occurred_on": today(),
                "seizure_basis": "criminal_offence"}),
    );
    assert_eq!(code, 201, "{r}");
    let (_, a) = server.get_json("/api/v1/reactivations", Role::Investigator);
    let alert = a["alerts"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["weapon_id"] == w))
        .unwrap_or_else(|| panic!("no alert for {w}: {a}"));
    assert_eq!(alert["deactivated"]["standard"], "EU 2018/337");
    assert_eq!(alert["recovered"]["kind"], "seized");
    assert_eq!(alert["acknowledged"], false);
}
