//! Every worked case of data/sdg-16-4-2-vectors.json (DOMAIN.md §7) through the pure
//! computation: items built from the case's counts, then compared with its expected figures.
//! (salw-cli's tests run the same cases through a real registry.)

use salw_core::event::TraceOutcome;
use salw_core::indicator::{self, Item, ItemKind, Return, Route};
use serde_json::Value;

fn vectors() -> Vec<Value> {
    let text = include_str!("../../../data/sdg-16-4-2-vectors.json");
    let v: Value = serde_json::from_str(text).expect("the vectors are JSON");
    v["cases"].as_array().expect("cases").clone()
}

fn case(id: &str) -> Value {
    vectors()
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

fn n(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or(0)
}

fn weapon(route: Route, criminal: bool, origin: Option<TraceOutcome>) -> Item {
    Item {
        kind: ItemKind::Weapon,
        route,
        criminal,
        category: "self-loading pistol".into(),
        calibre_mm: Some(9.0),
        antique: false,
        uniquely_marked: true,
        origin,
    }
}

/// Items for a case with `items` and `origin` counts: origins are handed out to the arms in
/// scope (criminal seizures, found, surrendered) in order.
fn items_of(c: &Value) -> Vec<Item> {
    let items = &c["items"];
    let origin = &c["origin"];
    let mut origins: Vec<Option<TraceOutcome>> = Vec::new();
    for (key, outcome) in [
        (
            "established_by_tracing",
            Some(TraceOutcome::EstablishedByTracing),
        ),
        (
            "established_other_means",
            Some(TraceOutcome::EstablishedByOtherMeans),
        ),
        ("pending", Some(TraceOutcome::Pending)),
        ("unsuccessful", Some(TraceOutcome::Unsuccessful)),
        ("not_requested", None),
    ] {
        origins.extend(std::iter::repeat_n(outcome, n(origin, key) as usize));
    }
    let mut next = origins.into_iter();
    let mut out = Vec::new();
    for (key, route) in [
        ("seized_criminal", Route::Seized),
        ("found", Route::Found),
        ("surrendered", Route::Surrendered),
    ] {
        for _ in 0..n(items, key) {
            out.push(weapon(route, true, next.next().flatten()));
        }
    }
    for _ in 0..n(items, "seized_administrative") {
        out.push(weapon(Route::Seized, false, None));
    }
    out
}

fn percent(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn un() -> indicator::Profile {
    indicator::profile("un-2018").expect("profile")
}

#[test]
fn every_case_with_counts_gives_its_expected_figures() {
    let mut checked = 0;
    for c in vectors().iter().filter(|c| c.get("items").is_some()) {
        let r = indicator::compute(&items_of(c), un());
        let e = &c["expected"];
        assert_eq!(r.denominator, n(e, "denominator"), "{}", c["id"]);
        assert_eq!(r.numerator, n(e, "numerator"), "{}", c["id"]);
        assert_eq!(r.percent, percent(&e["percent"]), "{}", c["id"]);
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} cases had counts");
}

#[test]
fn pooled_years_and_countries_sum_then_divide_with_the_mean_of_ratios_beside() {
    let years = case("two-years-pooled");
    let parts: Vec<(u64, u64)> = years["years"]
        .as_array()
        .expect("years")
        .iter()
        .map(|y| (n(y, "numerator"), n(y, "denominator")))
        .collect();
    let pooled = indicator::pool(&parts);
    assert_eq!(
        pooled.percent,
        percent(&years["expected"]["pooled_percent"])
    );
    assert_eq!(
        pooled.mean_of_ratios_percent,
        percent(&years["expected"]["mean_of_ratios_percent"])
    );
    let region = case("regional-aggregate");
    let parts: Vec<(u64, u64)> = region["countries"]
        .as_array()
        .expect("countries")
        .iter()
        .map(|y| (n(y, "numerator"), n(y, "denominator")))
        .collect();
    assert_eq!(
        indicator::pool(&parts).percent,
        percent(&region["expected"]["pooled_percent"])
    );
}

#[test]
fn scope_leaves_out_big_mortars_antiques_and_ammunition() {
    // 3 mortars of 81 mm, 1 mortar of 120 mm, 1 rifle made in 1890, 200 rounds, 2 pistols;
    // origin established for one 81 mm mortar and one pistol.
    let c = case("scope");
    let mortar = |mm: f64, origin| Item {
        category: "mortar".into(),
        calibre_mm: Some(mm),
        ..weapon(Route::Seized, true, origin)
    };
    let established = Some(TraceOutcome::EstablishedByTracing);
    let mut items = vec![
        mortar(81.0, established),
        mortar(81.0, None),
        mortar(81.0, None),
    ];
    items.push(mortar(120.0, established));
    items.push(Item {
        antique: true,
        category: "rifle".into(),
        ..weapon(Route::Seized, true, established)
    });
    for _ in 0..200 {
        items.push(Item {
            kind: ItemKind::Ammunition,
            ..weapon(Route::Seized, true, None)
        });
    }
    items.push(weapon(Route::Seized, true, established));
    items.push(weapon(Route::Seized, true, None));
    let r = indicator::compute(&items, un());
    let e = &c["expected"];
    assert_eq!(
        (r.denominator, r.numerator, r.percent),
        (
            n(e, "denominator"),
            n(e, "numerator"),
            percent(&e["percent"])
        )
    );
}

#[test]
fn breakdowns_by_route_and_the_uniquely_marked_variant() {
    let c = case("breakdowns");
    let mut items = items_of(&case("basic"));
    // 60 marked arms in D, all 15 established ones among them.
    let mut marked = 0;
    for item in &mut items {
        let established = matches!(
            item.origin,
            Some(TraceOutcome::EstablishedByTracing | TraceOutcome::EstablishedByOtherMeans)
        );
        item.uniquely_marked = established;
        if established {
            marked += 1;
        }
    }
    for item in items.iter_mut().filter(|i| !i.uniquely_marked) {
        if marked == 60 {
            break;
        }
        item.uniquely_marked = true;
        marked += 1;
    }
    let r = indicator::compute(&items, un());
    let e = &c["expected"];
    assert_eq!(
        r.breakdowns.by_tracing.percent,
        percent(&e["by_tracing_percent"])
    );
    assert_eq!(
        r.breakdowns.by_other_means.percent,
        percent(&e["by_other_means_percent"])
    );
    assert_eq!(
        r.breakdowns.uniquely_marked.percent,
        percent(&e["uniquely_marked_percent"])
    );
    assert_eq!(r.breakdowns.not_established.pending, 10);
    assert_eq!(r.breakdowns.not_established.unsuccessful, 15);
    assert_eq!(r.breakdowns.not_established.not_attempted, 110);
}

#[test]
fn an_inconsistent_return_is_refused_naming_the_figures() {
    assert_eq!(
        case("inconsistent-subtotals")["expected"]["error"],
        "inconsistent"
    );
    let bad = Return {
        seized_total: 303,
        seized_small_arms: Some(277),
        seized_light_weapons: Some(79),
        ..Return::default()
    };
    let e = bad.ratio().expect_err("the parts exceed the total");
    let message = e.to_string();
    assert!(message.starts_with("inconsistent"), "{message}");
    for figure in ["277", "79", "356", "303"] {
        assert!(message.contains(figure), "{message} should name {figure}");
    }
    let good = Return {
        seized_total: 100,
        seized_criminal: Some(100),
        found: 20,
        surrendered: 30,
        established_by_tracing: 12,
        established_other_means: 3,
        ..Return::default()
    };
    assert_eq!(good.ratio().expect("consistent").percent, Some(10.0));
}
