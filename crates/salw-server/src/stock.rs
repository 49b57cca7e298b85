//! Armouries, stock counts and their discrepancies, collection campaigns and their intake,
//! evidence holds, destruction batches and reactivation alerts over HTTP (docs/stockpile.md):
//! the API under /api/v1 and the pages Stockpile, Collection and Destruction. What is kept and
//! checked is salw_store::stockpile's and salw_core::stockpile's, as for `salw armoury`,
//! `salw count`, `salw discrepancy`, `salw campaign`, `salw hold` and `salw destruction`.

use crate::pages::filters;
use askama::Template;
use axum::Json;
use axum::extract::{Extension, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use salw_access::Permission;
use salw_core::key::identity_key;
use salw_core::stockpile::{
    Campaign, CountKind, CountPlan, CountPolicy, DestructionBatch, DiscrepancyAction,
    DiscrepancyStage, Programme, Resolution,
};
use salw_io::RecordKind;
use salw_store::stockpile::{
    self as stock, Armoury, CountView, DestructionView, DiscrepancyView, Intake, Keeper, OnIssue,
    ReactivationAlert, StockBackend,
};
use salw_store::{Backend, RecordRef, Registry, RowError, WriteContext};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::{ApiResult, audit, context};
use crate::auth::{self, Caller};
use crate::error::{ApiError, FieldError};
use crate::pages::{Nav, PageResult, check_csrf, read_form, render};
use crate::params::{ApiJson, Params, RecordId};
use crate::state::Shared;

fn store(context: &'static str) -> impl Fn(salw_store::StoreError) -> ApiError {
    move |e| ApiError::internal(context, e)
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// "field: reason" → a field error (422), as every refusal of the API names its field.
fn field_of(problem: &str) -> FieldError {
    let (field, reason) = problem.split_once(": ").unwrap_or(("body", problem));
    FieldError {
        field: field.to_owned(),
        reason: reason.to_owned(),
        line: None,
    }
}

fn refused(problems: &[String]) -> ApiError {
    ApiError::invalid(problems.iter().map(|p| field_of(p)).collect())
}

fn date(field: &str, text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{field}: '{}' is not a date (YYYY-MM-DD)", text.trim()))
}

/// A weapon or armoury named by id or outside reference, resolved; a problem naming `field`
/// when nothing has that name.
pub fn resolve_weapon<B: StockBackend>(
    reg: &mut Registry<B>,
    field: &str,
    text: &str,
) -> salw_store::backend::Result<Result<Uuid, String>> {
    let Some(r) = RecordRef::parse(text) else {
        return Ok(Err(format!("{field}: give the weapon's id or reference")));
    };
    Ok(match reg.find_weapon(&r)? {
        Some(w) => Ok(w.weapon.id),
        None => Err(format!(
            "{field}: no weapon has the id or reference '{}'",
            text.trim()
        )),
    })
}

pub fn resolve_person<B: StockBackend>(
    reg: &mut Registry<B>,
    field: &str,
    text: &str,
) -> salw_store::backend::Result<Result<Uuid, String>> {
    let found = match RecordRef::parse(text) {
        Some(RecordRef::Id(id)) => reg.backend().person(id)?.map(|p| p.id),
        Some(RecordRef::Reference(r)) => reg.backend().person_id_by_reference(&r)?,
        None => return Ok(Err(format!("{field}: give the armoury's id or reference"))),
    };
    Ok(found.ok_or_else(|| {
        format!(
            "{field}: no registered organisation has the id or reference '{}'",
            text.trim()
        )
    }))
}

/// The form in which a count compares the serials entered with the records: the marking
/// search's normaliser (case, separators, Cyrillic look-alikes, other scripts' digits).
pub fn serial_key(text: &str) -> String {
    salw_search::normalise::normalise(text)
}

/// The registered weapon each line not expected by a count is, where the marking search finds
/// exactly one weapon bearing that marking as recorded (a weapon of another armoury, or one
/// recorded lost or stolen, found on this shelf). Only the unexpected lines are searched.
pub fn identify_unexpected<B: salw_store::Backend + StockBackend>(
    backend: &mut B,
    searcher: &salw_search::Searcher,
    count: &str,
    lines: &[String],
) -> salw_store::backend::Result<std::collections::HashMap<String, Uuid>> {
    let found: Vec<&str> = lines.iter().map(String::as_str).collect();
    let Some(preview) = stock::preview_count(backend, count, &found, serial_key)? else {
        return Ok(Default::default());
    };
    let mut known = std::collections::HashMap::new();
    for x in preview.unexpected {
        // A line the search cannot read (only wildcards, too long) names no weapon.
        let Ok(hits) = searcher.search(backend, &x.text, &Default::default(), 2) else {
            continue;
        };
        let exact: Vec<Uuid> = hits
            .hits
            .iter()
            .filter(|h| h.score == 100)
            .map(|h| h.weapon_id)
            .collect();
        if let [one] = exact[..] {
            known.insert(x.text, one);
        }
    }
    Ok(known)
}

// ---------------------------------------------------------------------------------------------
// Collection intake (shared with `salw campaign intake`)

/// One weapon handed in at a collection point.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeItem {
    pub category: String,
    #[serde(default)]
    pub manufacturer: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub serial: Option<String>,
    #[serde(default)]
    pub calibre: Option<String>,
    /// Country of manufacture, where marked.
    #[serde(default)]
    pub country: Option<String>,
    /// The surrendering person's name; optional (an amnesty may take weapons anonymously).
    #[serde(default)]
    pub person_name: Option<String>,
    /// female, male or other; may be given without a name (the reports count by sex).
    #[serde(default)]
    pub person_sex: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// For a weapon not adequately marked (no serial, maker or country of manufacture):
    /// mark_and_record or destroy (ITI para 9); destroy when not given.
    #[serde(default)]
    pub follow_up: Option<String>,
}

fn blank(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Records the weapons handed in at a collection point on `on`: for each, the weapon (or the
/// registered weapon its identity key names), the surrendering person when given, and a
/// `surrendered` event carrying the campaign, its amnesty and DDR flags; all in one
/// transaction with the intake records, or nothing, each problem naming its line (1-based,
/// the item's place in the list) and field.
pub fn intake<B: StockBackend>(
    reg: &mut Registry<B>,
    ctx: &WriteContext,
    campaign: &Campaign,
    on: NaiveDate,
    place: Option<&str>,
    items: &[IntakeItem],
) -> salw_store::backend::Result<Result<Vec<Intake>, Vec<RowError>>> {
    let fail = |line: usize, field: &str, reason: String| RowError {
        file: String::new(),
        line: line as u64,
        field: field.to_owned(),
        reason,
    };
    if !campaign.covers(on) {
        return Ok(Err(vec![fail(
            0,
            "occurred_on",
            format!(
                "{on} is outside the campaign ({} to {})",
                campaign.start, campaign.end
            ),
        )]));
    }
    if items.is_empty() {
        return Ok(Err(vec![fail(0, "weapons", "nothing handed in".into())]));
    }
    let mut records = Vec::new();
    let mut intakes = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let line = i as u64 + 1;
        let serial = blank(&item.serial);
        let key = identity_key(
            blank(&item.country).as_deref(),
            blank(&item.manufacturer).as_deref(),
            blank(&item.model).as_deref(),
            serial.as_deref(),
        );
        let known = match key {
            Some(k) => reg.backend().weapon_id_by_key(&k)?,
            None => None,
        };
        let weapon_id = known.unwrap_or_else(Uuid::now_v7);
        // ITI para 8(a) asks for maker, country and serial; a weapon handed in without all
        // three is recorded as inadequately marked, with its follow-up (ITI para 9).
        let adequate = serial.is_some()
            && blank(&item.manufacturer).is_some()
            && blank(&item.country).is_some();
        let follow_up = (!adequate && known.is_none())
            .then(|| blank(&item.follow_up).unwrap_or_else(|| "destroy".to_owned()));
        if known.is_none() {
            let mut w = Map::new();
            w.insert("id".into(), json!(weapon_id));
            w.insert("category".into(), json!(item.category.trim()));
            for (k, v) in [
                ("manufacturer", &item.manufacturer),
                ("model", &item.model),
                ("serial", &item.serial),
                ("calibre", &item.calibre),
                ("country", &item.country),
                ("notes", &item.notes),
            ] {
                if let Some(v) = blank(v) {
                    w.insert(k.into(), json!(v));
                }
            }
            if let Some(f) = &follow_up {
                w.insert("inadequately_marked".into(), json!(true));
                w.insert("follow_up".into(), json!(f));
            }
            records.push(salw_io::to_record(RecordKind::Weapon, w, "", line));
        }
        let name = blank(&item.person_name);
        let sex = blank(&item.person_sex);
        let person = if name.is_some() || sex.is_some() {
            let id = Uuid::now_v7();
            let mut p = Map::new();
            p.insert("id".into(), json!(id));
            p.insert("kind".into(), json!("individual"));
            p.insert(
                "name".into(),
                json!(name.unwrap_or_else(|| "name not given (collection point)".into())),
            );
            if let Some(s) = sex {
                p.insert("sex".into(), json!(s));
            }
            p.insert("roles".into(), json!(["surrendering_person"]));
            records.push(salw_io::to_record(RecordKind::Person, p, "", line));
            Some(id)
        } else {
            None
        };
        let event_id = Uuid::now_v7();
        let mut e = Map::new();
        e.insert("id".into(), json!(event_id));
        e.insert("weapon".into(), json!(weapon_id));
        e.insert("kind".into(), json!("surrendered"));
        e.insert("occurred_on".into(), json!(on));
        e.insert("campaign".into(), json!(campaign.id));
        e.insert("amnesty".into(), json!(campaign.amnesty));
        e.insert("ddr".into(), json!(campaign.programme == Programme::Ddr));
        e.insert(
            "place".into(),
            json!(
                place
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .unwrap_or(&campaign.place)
            ),
        );
        if let Some(p) = person {
            e.insert("from_holder".into(), json!(p));
        }
        records.push(salw_io::to_record(RecordKind::Event, e, "", line));
        intakes.push(Intake {
            campaign: campaign.id.clone(),
            weapon_id,
            event_id,
            category: item.category.trim().to_owned(),
            unmarked: follow_up.is_some(),
            follow_up,
            serial,
            known: known.is_some(),
            person_recorded: person.is_some(),
            occurred_on: on,
        });
    }
    let who = Keeper::from(ctx);
    let kept = intakes.clone();
    let outcome = reg.write_then(ctx, records, |backend, _| {
        for i in &kept {
            stock::keep_intake(backend, i, &who)?;
        }
        Ok(())
    })?;
    if !outcome.committed() {
        // A refused weapon or person makes its line's event name a record that is not there:
        // that follows from the first problem and is left out.
        let mut errors = outcome.errors;
        let failed: std::collections::HashSet<u64> = errors
            .iter()
            .filter(|e| !matches!(e.field.as_str(), "weapon" | "from_holder"))
            .map(|e| e.line)
            .collect();
        errors.retain(|e| {
            !(failed.contains(&e.line) && matches!(e.field.as_str(), "weapon" | "from_holder"))
        });
        return Ok(Err(errors));
    }
    Ok(Ok(intakes))
}

// ---------------------------------------------------------------------------------------------
// Reads shared by the API and the pages

struct Overview {
    armouries: Vec<Armoury>,
    counts: Vec<CountView>,
    discrepancies: Vec<DiscrepancyView>,
    reactivations: Vec<ReactivationAlert>,
    policy: CountPolicy,
}

async fn overview(state: &Shared) -> Result<Overview, ApiError> {
    state
        .read(|reg| {
            let b = reg.backend();
            Ok(Overview {
                armouries: stock::armouries(b, today()).map_err(store("the armouries"))?,
                counts: stock::counts(b).map_err(store("the counts"))?,
                discrepancies: stock::discrepancies(b).map_err(store("the discrepancies"))?,
                reactivations: stock::reactivation_alerts(b)
                    .map_err(store("the reactivation alerts"))?,
                policy: stock::policy(b).map_err(store("the count policy"))?,
            })
        })
        .await
}

struct Holdings {
    armoury: Armoury,
    in_store: Vec<stock::HeldWeapon>,
    on_issue: Vec<(OnIssue, String)>,
}

/// An armoury's holdings, with the names of those weapons are issued to: audited, since it
/// names persons.
async fn holdings(state: &Shared, caller: &Caller, id: String) -> Result<Holdings, ApiError> {
    let asked = id.clone();
    let h = state
        .read(move |reg| {
            let armoury_id =
                match resolve_person(reg, "armoury", &id).map_err(store("the armoury"))? {
                    Ok(a) => a,
                    Err(p) => return Err(ApiError::not_found(p)),
                };
            let armoury = stock::armouries(reg.backend(), today())
                .map_err(store("the armouries"))?
                .into_iter()
                .find(|a| a.id == armoury_id)
                .ok_or_else(|| ApiError::not_found(format!("armoury: '{id}' holds no weapon")))?;
            let (in_store, out) = stock::holdings(reg.backend(), armoury_id, today())
                .map_err(store("the holdings"))?;
            let mut on_issue = Vec::new();
            for o in out {
                let to = o.issued.as_ref().and_then(|e| e.to_holder);
                let name = match to {
                    Some(p) => reg
                        .backend()
                        .person(p)
                        .map_err(store("a person"))?
                        .map(|p| p.name)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                on_issue.push((o, name));
            }
            Ok(Holdings {
                armoury,
                in_store,
                on_issue,
            })
        })
        .await?;
    let shown: Vec<String> = h
        .on_issue
        .iter()
        .filter_map(|(o, _)| o.issued.as_ref().and_then(|e| e.to_holder))
        .map(|p| p.to_string())
        .collect();
    audit(
        state,
        caller,
        "armoury-holdings",
        asked,
        format!(
            "{} in store, {} on issue to {}",
            h.in_store.len(),
            h.on_issue.len(),
            shown.join(" ")
        ),
    )
    .await?;
    Ok(h)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    pub id: String,
    /// The armoury's id or reference.
    pub armoury: String,
    pub kind: CountKind,
    pub planned_on: NaiveDate,
    pub counter: String,
    #[serde(default)]
    pub custodian: Option<String>,
    #[serde(default)]
    pub sample_size: Option<u32>,
    /// For a serial check: the weapons to check, by id or reference.
    #[serde(default)]
    pub weapons: Vec<String>,
}

async fn plan(
    state: &Shared,
    caller: &Caller,
    body: PlanBody,
) -> Result<Result<CountPlan, Vec<String>>, ApiError> {
    let who = Keeper {
        by: caller.name.clone(),
        at: chrono::Utc::now().to_rfc3339(),
    };
    let asked = format!("plan count {} of {}", body.id, body.armoury);
    let kept = state
        .write(move |reg| {
            let mut problems = Vec::new();
            let armoury =
                resolve_person(reg, "armoury", &body.armoury).map_err(store("the armoury"))?;
            let mut expected = Vec::new();
            for (i, w) in body.weapons.iter().enumerate() {
                match resolve_weapon(reg, &format!("weapons[{i}]"), w).map_err(store("a weapon"))? {
                    Ok(id) => expected.push(id),
                    Err(p) => problems.push(p),
                }
            }
            let armoury = match armoury {
                Ok(a) => a,
                Err(p) => {
                    problems.push(p);
                    Uuid::nil()
                }
            };
            let plan = CountPlan {
                id: body.id.trim().to_owned(),
                armoury,
                kind: body.kind,
                planned_on: body.planned_on,
                counter: body.counter.trim().to_owned(),
                custodian: blank(&body.custodian),
                sample_size: body.sample_size,
                expected,
            };
            if !problems.is_empty() {
                // Every problem at once: the names that were not found and the plan's own.
                let named = body.weapons.len();
                problems.extend(
                    plan.problems(today())
                        .into_iter()
                        .filter(|p| named == 0 || !p.starts_with("expected:")),
                );
                return Ok(Err(problems));
            }
            stock::plan_count(reg.backend(), plan, &who, today())
                .map_err(store("planning the count"))
        })
        .await?;
    // The plan calls its list `expected`; the request and the form call it `weapons`.
    let kept = kept.map_err(|problems| {
        problems
            .into_iter()
            .map(|p| match p.strip_prefix("expected: ") {
                Some(reason) => format!("weapons: {reason}"),
                None => p,
            })
            .collect()
    });
    audit(state, caller, "count-plan", asked, outcome_words(&kept)).await?;
    Ok(kept)
}

fn outcome_words<T>(r: &Result<T, Vec<String>>) -> String {
    match r {
        Ok(_) => "kept".to_owned(),
        Err(p) => format!("refused: {}", p.join("; ")),
    }
}

async fn enter(
    state: &Shared,
    caller: &Caller,
    source: &str,
    count: String,
    counted_on: NaiveDate,
    lines: Vec<String>,
) -> Result<Result<stock::CountResult, Vec<String>>, ApiError> {
    let ctx = context(caller, source);
    let asked = format!("count {count}: {} line(s)", lines.len());
    let (c, l) = (count.clone(), lines.clone());
    let known = state
        .search(move |reg, searcher| {
            identify_unexpected(reg.backend(), searcher, &c, &l).map_err(store("the count"))
        })
        .await?;
    let r = state
        .write(move |reg| {
            stock::enter_count(reg, &ctx, &count, counted_on, &lines, serial_key, &|t| {
                known.get(t).copied()
            })
            .map_err(store("entering the count"))
        })
        .await?;
    let shown = match &r {
        Ok(c) => format!(
            "found {}, missing {}, unexpected {}",
            c.reconciliation.found,
            c.reconciliation.missing.len(),
            c.reconciliation.unexpected.len()
        ),
        Err(p) => format!("refused: {}", p.join("; ")),
    };
    audit(state, caller, "count-result", asked, shown).await?;
    Ok(r)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    pub action: DiscrepancyAction,
    #[serde(default)]
    pub resolution: Option<Resolution>,
    pub note: String,
    /// When it was done (today when not given).
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

async fn step(
    state: &Shared,
    caller: &Caller,
    source: &str,
    id: String,
    body: StepBody,
) -> Result<Result<DiscrepancyStage, Vec<String>>, ApiError> {
    let ctx = context(caller, source);
    let asked = format!("discrepancy {id}: {}", body.action.as_str());
    let r = state
        .write(move |reg| {
            stock::step_discrepancy(
                reg,
                &ctx,
                &id,
                body.action,
                body.resolution,
                &body.note,
                body.on.unwrap_or_else(today),
            )
            .map_err(store("the discrepancy"))
        })
        .await?;
    let shown = match &r {
        Ok(s) => s.label(),
        Err(p) => format!("refused: {}", p.join("; ")),
    };
    audit(state, caller, "discrepancy-step", asked, shown).await?;
    Ok(r)
}

async fn add_campaign(
    state: &Shared,
    caller: &Caller,
    c: Campaign,
) -> Result<Result<(), Vec<String>>, ApiError> {
    let who = Keeper {
        by: caller.name.clone(),
        at: chrono::Utc::now().to_rfc3339(),
    };
    let asked = format!("campaign {}", c.id);
    let r = state
        .write(move |reg| {
            stock::add_campaign(reg.backend(), &c, &who).map_err(store("the campaign"))
        })
        .await?;
    audit(state, caller, "campaign", asked, outcome_words(&r)).await?;
    Ok(r)
}

async fn campaign_of(state: &Shared, id: String) -> Result<(Campaign, Vec<Intake>), ApiError> {
    state
        .read(move |reg| {
            let c = stock::campaign(reg.backend(), &id)
                .map_err(store("the campaign"))?
                .ok_or_else(|| ApiError::not_found(format!("no campaign '{id}'")))?;
            let i = stock::intakes(reg.backend(), &id).map_err(store("the intake"))?;
            Ok((c, i))
        })
        .await
}

async fn hand_in(
    state: &Shared,
    caller: &Caller,
    source: &str,
    campaign: Campaign,
    on: NaiveDate,
    place: Option<String>,
    items: Vec<IntakeItem>,
) -> Result<Result<Vec<Intake>, Vec<RowError>>, ApiError> {
    let ctx = context(caller, source);
    let asked = format!("campaign {}: {} weapon(s)", campaign.id, items.len());
    let r = state
        .write(move |reg| {
            intake(reg, &ctx, &campaign, on, place.as_deref(), &items).map_err(store("the intake"))
        })
        .await?;
    let shown = match &r {
        Ok(i) => i
            .iter()
            .map(|i| i.weapon_id.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!("refused: {} problem(s)", e.len()),
    };
    audit(state, caller, "intake", asked, shown).await?;
    Ok(r)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestructionBody {
    pub id: String,
    pub method: String,
    pub place: String,
    pub date: NaiveDate,
    pub authority: String,
    pub witnesses: String,
    pub certificate: String,
    /// The weapons, by id or reference.
    pub weapons: Vec<String>,
}

/// Checks and records a destruction batch. `refused_date` is the problem of a date the form
/// could not read (`body.date` then stands in for it): the rest is still checked, so that
/// everything wrong is said at once, and nothing is written.
async fn destroy(
    state: &Shared,
    caller: &Caller,
    source: &str,
    body: DestructionBody,
    refused_date: Option<String>,
) -> Result<Result<(), Vec<String>>, ApiError> {
    let ctx = context(caller, source);
    let asked = format!("destruction {}: {} weapon(s)", body.id, body.weapons.len());
    let r = state
        .write(move |reg| {
            let mut problems = Vec::new();
            let mut weapons = Vec::new();
            for (i, w) in body.weapons.iter().enumerate() {
                match resolve_weapon(reg, &format!("weapons[{i}]"), w).map_err(store("a weapon"))? {
                    Ok(id) => weapons.push(id),
                    Err(p) => problems.push(p),
                }
            }
            let batch = DestructionBatch {
                id: body.id.trim().to_owned(),
                method: body.method.trim().to_owned(),
                place: body.place.trim().to_owned(),
                date: body.date,
                authority: body.authority.trim().to_owned(),
                witnesses: body.witnesses.trim().to_owned(),
                certificate: body.certificate.trim().to_owned(),
                weapons,
            };
            let unresolved = !problems.is_empty();
            if unresolved || refused_date.is_some() {
                // Every problem at once: the weapons not found and the batch's own fields (of
                // its list, only when all were found; of its date, only when it was read).
                let date_refused = refused_date.is_some();
                problems.extend(refused_date);
                problems.extend(batch.problems(today()).into_iter().filter(|p| {
                    let partial_list = unresolved && p.starts_with("weapons:");
                    let unread_date = date_refused && p.starts_with("date:");
                    !partial_list && !unread_date
                }));
                return Ok(Err(problems));
            }
            stock::destroy(reg, &ctx, &batch).map_err(store("the destruction"))
        })
        .await?;
    audit(state, caller, "destruction", asked, outcome_words(&r)).await?;
    Ok(r)
}

async fn destructions(state: &Shared) -> Result<Vec<DestructionView>, ApiError> {
    state
        .read(|reg| stock::destructions(reg.backend()).map_err(store("the destructions")))
        .await
}

/// 404 when no record of `kind` has the id in the path (a count, a discrepancy, a batch), so
/// that a write to a record that is not there is told apart from a refused one.
async fn must_exist(
    state: &Shared,
    kind: &'static str,
    what: &'static str,
    id: &str,
) -> Result<(), ApiError> {
    let wanted = id.to_owned();
    let found = state
        .read(move |reg| {
            reg.backend()
                .stock_records(kind, Some(&wanted))
                .map(|r| !r.is_empty())
                .map_err(store("the stockpile records"))
        })
        .await?;
    if found {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no {what} '{id}'")))
    }
}

// ---------------------------------------------------------------------------------------------
// API

pub async fn api_armouries(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    let o = overview(&state).await?;
    let overdue: Vec<&CountView> = stock::overdue_counts(&o.counts, today());
    Ok(Json(json!({
        "policy": o.policy,
        "armouries": o.armouries,
        "overdue_counts": overdue.iter().map(|c| &c.plan.id).collect::<Vec<_>>(),
    }))
    .into_response())
}

pub async fn api_armoury(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let h = holdings(&state, &caller, id).await?;
    let store: Vec<Value> = h
        .in_store
        .iter()
        .map(|w| json!({"weapon_id": w.weapon_id, "serial": w.serial, "reference": w.reference, "description": w.description, "status": w.status}))
        .collect();
    let out: Vec<Value> = h
        .on_issue
        .iter()
        .map(|(o, name)| json!({"weapon_id": o.weapon_id, "serial": o.serial, "issued": o.issued, "issued_to": name, "days_out": o.days_out, "overdue": o.overdue}))
        .collect();
    Ok(Json(json!({"armoury": h.armoury, "in_store": store, "on_issue": out})).into_response())
}

pub async fn api_set_policy(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(policy): ApiJson<CountPolicy>,
) -> ApiResult {
    let who = Keeper {
        by: caller.name.clone(),
        at: chrono::Utc::now().to_rfc3339(),
    };
    let r = state
        .write(move |reg| {
            stock::set_policy(reg.backend(), policy, &who).map_err(store("the policy"))
        })
        .await?;
    audit(
        &state,
        &caller,
        "count-policy",
        format!("every {} days", policy.full_count_every_days),
        outcome_words(&r),
    )
    .await?;
    r.map_err(|p| refused(&p))?;
    Ok(Json(json!({ "policy": policy })).into_response())
}

pub async fn api_counts(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    let o = overview(&state).await?;
    Ok(Json(json!({ "counts": o.counts, "discrepancies": o.discrepancies })).into_response())
}

pub async fn api_plan(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult {
    let plan = plan(&state, &caller, body)
        .await?
        .map_err(|p| refused(&p))?;
    Ok((StatusCode::CREATED, Json(json!({ "count": plan }))).into_response())
}

pub async fn api_count(
    State(state): State<Shared>,
    RecordId(id): RecordId,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let (view, discrepancies) = state
        .read(move |reg| {
            let v = stock::count(reg.backend(), &id).map_err(store("the count"))?;
            let d = stock::discrepancies(reg.backend()).map_err(store("the discrepancies"))?;
            let v = v.ok_or_else(|| ApiError::not_found(format!("no count '{id}'")))?;
            let d: Vec<_> = d
                .into_iter()
                .filter(|d| d.discrepancy.count == v.plan.id)
                .collect();
            Ok((v, d))
        })
        .await?;
    Ok(Json(json!({ "count": view, "discrepancies": discrepancies })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    pub counted_on: NaiveDate,
    /// What was found: one serial, reference or record id each.
    pub found: Vec<String>,
}

pub async fn api_enter(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    ApiJson(body): ApiJson<ResultBody>,
) -> ApiResult {
    must_exist(&state, stock::kind::COUNT, "count", &id).await?;
    let r = enter(&state, &caller, "api", id, body.counted_on, body.found)
        .await?
        .map_err(|p| refused(&p))?;
    Ok((StatusCode::CREATED, Json(json!({ "result": r }))).into_response())
}

pub async fn api_discrepancies(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&["open"])?;
    let open = match params.text("open").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "open",
                format!("'{other}' is not true or false"),
            ));
        }
    };
    let o = overview(&state).await?;
    let list: Vec<&DiscrepancyView> = o
        .discrepancies
        .iter()
        .filter(|d| !open || !d.stage.is_closed())
        .collect();
    Ok(Json(json!({ "discrepancies": list })).into_response())
}

pub async fn api_step(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult {
    must_exist(&state, stock::kind::DISCREPANCY, "discrepancy", &id).await?;
    let stage = step(&state, &caller, "api", id, body)
        .await?
        .map_err(|p| refused(&p))?;
    Ok(Json(json!({ "stage": stage, "label": stage.label() })).into_response())
}

pub async fn api_campaigns(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    let list = state
        .read(|reg| stock::campaigns(reg.backend()).map_err(store("the campaigns")))
        .await?;
    Ok(Json(json!({ "campaigns": list })).into_response())
}

pub async fn api_add_campaign(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(c): ApiJson<Campaign>,
) -> ApiResult {
    add_campaign(&state, &caller, c.clone())
        .await?
        .map_err(|p| refused(&p))?;
    Ok((StatusCode::CREATED, Json(json!({ "campaign": c }))).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeBody {
    pub occurred_on: NaiveDate,
    #[serde(default)]
    pub place: Option<String>,
    pub weapons: Vec<IntakeItem>,
}

pub async fn api_intake(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    ApiJson(body): ApiJson<IntakeBody>,
) -> ApiResult {
    let (campaign, _) = campaign_of(&state, id).await?;
    let r = hand_in(
        &state,
        &caller,
        "api",
        campaign,
        body.occurred_on,
        body.place,
        body.weapons,
    )
    .await?;
    match r {
        Ok(i) => Ok((StatusCode::CREATED, Json(json!({ "intake": i }))).into_response()),
        Err(errors) => Err(ApiError::invalid(
            errors.iter().map(FieldError::from).collect(),
        )),
    }
}

pub async fn api_campaign(
    State(state): State<Shared>,
    RecordId(id): RecordId,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let (c, i) = campaign_of(&state, id).await?;
    Ok(Json(json!({ "campaign": c, "intake": i })).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldBody {
    /// The weapon's id or reference.
    pub weapon: String,
    pub case: String,
    #[serde(default)]
    pub release: bool,
    #[serde(default)]
    pub on: Option<NaiveDate>,
}

pub async fn api_hold(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<HoldBody>,
) -> ApiResult {
    let who = Keeper {
        by: caller.name.clone(),
        at: chrono::Utc::now().to_rfc3339(),
    };
    let asked = format!(
        "{} {} for {}",
        if body.release { "release" } else { "hold" },
        body.weapon,
        body.case
    );
    let release = body.release;
    let r = state
        .write(move |reg| {
            let w =
                match resolve_weapon(reg, "weapon", &body.weapon).map_err(store("the weapon"))? {
                    Ok(w) => w,
                    Err(p) => return Ok(Err(vec![p])),
                };
            let h = stock::Hold {
                weapon_id: w,
                case: body.case,
                on: body.on.unwrap_or_else(today),
            };
            stock::hold(reg.backend(), &h, release, &who).map_err(store("the hold"))
        })
        .await?;
    audit(&state, &caller, "evidence-hold", asked, outcome_words(&r)).await?;
    r.map_err(|p| refused(&p))?;
    Ok(Json(json!({ "kept": true })).into_response())
}

pub async fn api_destructions(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    Ok(Json(json!({ "destructions": destructions(&state).await? })).into_response())
}

pub async fn api_destroy(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<DestructionBody>,
) -> ApiResult {
    let id = body.id.clone();
    destroy(&state, &caller, "api", body, None)
        .await?
        .map_err(|p| refused(&p))?;
    Ok((StatusCode::CREATED, Json(json!({ "destroyed": id }))).into_response())
}

pub async fn api_evidence(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    params: Params,
    request: Request,
) -> ApiResult {
    params.only(&["caption"])?;
    must_exist(&state, stock::kind::DESTRUCTION, "destruction batch", &id).await?;
    let bytes = crate::api::photo_body(request).await?;
    let who = Keeper {
        by: caller.name.clone(),
        at: chrono::Utc::now().to_rfc3339(),
    };
    let caption = params.text("caption").unwrap_or_default();
    let asked = format!("evidence for {id}");
    let r = state
        .write(move |reg| {
            stock::add_evidence(reg.backend(), &id, &bytes, &caption, &who)
                .map_err(store("the evidence"))
        })
        .await?;
    audit(
        &state,
        &caller,
        "destruction-evidence",
        asked,
        outcome_words(&r),
    )
    .await?;
    let e = r.map_err(|p| refused(&p))?;
    Ok((StatusCode::CREATED, Json(json!({ "evidence": e }))).into_response())
}

pub async fn api_reactivations(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let o = overview(&state).await?;
    // The seizure or surrender records name the persons involved: audited.
    let shown: Vec<String> = o
        .reactivations
        .iter()
        .map(|a| {
            let persons: Vec<String> = [a.recovered.from_holder, a.recovered.to_holder]
                .into_iter()
                .flatten()
                .map(|p| p.to_string())
                .collect();
            format!("{} {}", a.weapon_id, persons.join(" "))
        })
        .collect();
    audit(&state, &caller, "reactivations", "", shown.join("; ")).await?;
    Ok(Json(json!({ "alerts": o.reactivations })).into_response())
}

// ---------------------------------------------------------------------------------------------
// Pages

struct Row {
    cells: Vec<String>,
    link: String,
    flag: bool,
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StockPage {
    nav: Nav,
    armouries: Vec<Row>,
    counts: Vec<Row>,
    overdue: Vec<String>,
    discrepancies: Vec<Row>,
    reactivations: Vec<Row>,
    policy_days: u32,
    may_write: bool,
    typed: Typed,
    problems: Vec<String>,
    notice: String,
}

/// What a person typed into a form, shown again with the problems when it is refused.
#[derive(Debug, Default)]
struct Typed(std::collections::HashMap<String, String>);

impl Typed {
    fn get(&self, name: &str) -> &str {
        self.0.get(name).map(String::as_str).unwrap_or("")
    }
    /// Whether the field `name` holds `value` (a select's chosen option).
    fn is(&self, name: &str, value: &str) -> bool {
        self.get(name) == value
    }

    /// What is wrong with the field `name`, to show beside it ("" when nothing): the reason of
    /// each problem about it, a list's line named by its number ("line 2: …").
    fn problem(&self, problems: &[String], name: &str) -> String {
        problems
            .iter()
            .filter_map(|p| {
                let (field, line, reason) = split_problem(p);
                (field == name).then(|| match line {
                    Some(i) => format!("line {}: {reason}", i + 1),
                    None => reason.to_owned(),
                })
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The problems about no field of this form, said at the top of the page as they are.
    fn general<'a>(&self, problems: &'a [String]) -> Vec<&'a str> {
        problems
            .iter()
            .filter(|p| !self.0.contains_key(split_problem(p).0))
            .map(String::as_str)
            .collect()
    }

    /// Whether a problem is shown beside one of the form's fields.
    fn marked(&self, problems: &[String]) -> bool {
        problems
            .iter()
            .any(|p| self.0.contains_key(split_problem(p).0))
    }
}

/// A problem "field: reason" or "field[i]: reason" (the list's item i) as its field, the item
/// and the reason; a problem that names no field is about the field "".
fn split_problem(problem: &str) -> (&str, Option<usize>, &str) {
    let Some((field, reason)) = problem.split_once(": ") else {
        return ("", None, problem);
    };
    if field.contains(' ') {
        return ("", None, problem);
    }
    match field.split_once('[') {
        Some((name, rest)) => match rest.strip_suffix(']').and_then(|i| i.parse().ok()) {
            Some(i) => (name, Some(i), reason),
            None => (field, None, reason),
        },
        None => (field, None, reason),
    }
}

impl FromIterator<(String, String)> for Typed {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Typed(iter.into_iter().collect())
    }
}

impl std::ops::Index<&str> for Typed {
    type Output = str;
    fn index(&self, name: &str) -> &str {
        self.get(name)
    }
}

fn yes(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

fn stock_page(
    caller: &Caller,
    o: Overview,
    typed: Typed,
    problems: Vec<String>,
    notice: String,
) -> StockPage {
    let overdue = stock::overdue_counts(&o.counts, today())
        .iter()
        .map(|c| {
            format!(
                "{} ({}, planned {})",
                c.plan.id, c.armoury_name, c.plan.planned_on
            )
        })
        .collect();
    StockPage {
        nav: Nav::of(caller),
        armouries: o
            .armouries
            .iter()
            .map(|a| Row {
                cells: vec![
                    a.name.clone(),
                    a.in_store.to_string(),
                    if a.issued_overdue > 0 {
                        format!("{} ({} overdue)", a.issued, a.issued_overdue)
                    } else {
                        a.issued.to_string()
                    },
                    a.last_full_count
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "never".into()),
                    a.next_count_due
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "now".into()),
                ],
                link: format!("/stock/armouries/{}", a.id),
                flag: a.count_overdue,
            })
            .collect(),
        counts: o
            .counts
            .iter()
            .rev()
            .map(|c| Row {
                cells: vec![
                    c.plan.id.clone(),
                    c.armoury_name.clone(),
                    c.plan.kind.as_str().replace('_', " "),
                    c.plan.planned_on.to_string(),
                    c.plan.counter.clone(),
                    yes(c.independent),
                    match &c.result {
                        None => "not entered".into(),
                        Some(r) => format!(
                            "{}: {} of {} found, {} missing, {} unexpected",
                            r.counted_on,
                            r.reconciliation.found,
                            r.reconciliation.expected,
                            r.reconciliation.missing.len(),
                            r.reconciliation.unexpected.len()
                        ),
                    },
                ],
                link: format!("/stock/counts/{}", auth::urlencode(&c.plan.id)),
                flag: !c.independent,
            })
            .collect(),
        overdue,
        discrepancies: o
            .discrepancies
            .iter()
            .filter(|d| !d.stage.is_closed())
            .map(discrepancy_row)
            .collect(),
        reactivations: o
            .reactivations
            .iter()
            .map(|r| Row {
                cells: vec![
                    r.serial.clone().unwrap_or_default(),
                    describe(
                        &r.deactivated,
                        &[
                            ("standard", r.deactivated.standard.as_deref()),
                            ("verified by", r.deactivated.verifier.as_deref()),
                            ("certificate", r.deactivated.certificate.as_deref()),
                        ],
                    ),
                    describe(
                        &r.recovered,
                        &[
                            ("place", r.recovered.place.as_deref()),
                            ("agency", r.recovered.agency.as_deref()),
                            ("context", r.recovered.criminal_context.as_deref()),
                        ],
                    ),
                    yes(r.acknowledged),
                ],
                link: format!("/weapons/{}", r.weapon_id),
                flag: !r.acknowledged,
            })
            .collect(),
        policy_days: o.policy.full_count_every_days,
        may_write: caller.may(Permission::WriteRecords),
        typed,
        problems,
        notice,
    }
}

/// "deactivated 2025-02-01: standard EU 2015/2403, verified by Proof house".
fn describe(e: &salw_core::LifecycleEvent, details: &[(&str, Option<&str>)]) -> String {
    let given: Vec<String> = details
        .iter()
        .filter_map(|(label, v)| v.map(|v| format!("{label} {v}")))
        .collect();
    format!(
        "{} {}{}{}",
        e.kind.as_str().replace('_', " "),
        e.occurred_on,
        if given.is_empty() { "" } else { ": " },
        given.join(", ")
    )
}

fn discrepancy_row(d: &DiscrepancyView) -> Row {
    Row {
        cells: vec![
            d.discrepancy.id.clone(),
            d.discrepancy.kind.as_str().into(),
            d.discrepancy.text.clone().unwrap_or_default(),
            d.discrepancy.opened_on.to_string(),
            d.stage.label(),
        ],
        link: format!(
            "/stock/discrepancies/{}",
            auth::urlencode(&d.discrepancy.id)
        ),
        flag: !d.stage.is_closed(),
    }
}

pub async fn stock_page_get(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["done"])?;
    let o = overview(&state).await?;
    let notice = params.text("done").unwrap_or_default();
    Ok(render(&stock_page(
        &caller,
        o,
        Default::default(),
        Vec::new(),
        notice,
    )))
}

/// A page's form, its CSRF token checked, with the fields `names` trimmed.
async fn read_typed(caller: &Caller, request: Request, names: &[&str]) -> Result<Typed, ApiError> {
    let form = read_form(request).await?;
    check_csrf(caller, &form)?;
    Ok(form_map(&form, names))
}

fn form_map(form: &crate::pages::Form, names: &[&str]) -> Typed {
    names
        .iter()
        .map(|n| ((*n).to_owned(), form.value(n).trim().to_owned()))
        .collect()
}

fn to(path: &str, done: &str) -> Response {
    Redirect::to(&format!("{path}?done={}", auth::urlencode(done))).into_response()
}

/// The Stockpile page's form: plan a count.
pub async fn stock_page_plan(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let typed = read_typed(
        &caller,
        request,
        &[
            "id",
            "armoury",
            "kind",
            "planned_on",
            "counter",
            "custodian",
            "sample_size",
            "weapons",
        ],
    )
    .await?;
    let mut problems = Vec::new();
    let kind = typed["kind"]
        .parse::<CountKind>()
        .map_err(|e| format!("kind: {e}"));
    let planned_on = date("planned_on", &typed["planned_on"]);
    let sample_size = match typed.get("sample_size") {
        "" => Ok(None),
        n => n
            .parse::<u32>()
            .map(Some)
            .map_err(|_| format!("sample_size: '{n}' is not a whole number")),
    };
    if let Err(p) = &kind {
        problems.push(p.clone());
    }
    if let Err(p) = &planned_on {
        problems.push(p.clone());
    }
    if let Err(p) = &sample_size {
        problems.push(p.clone());
    }
    if let (Ok(kind), Ok(planned_on), Ok(sample_size)) = (kind, planned_on, sample_size) {
        let body = PlanBody {
            id: typed["id"].to_owned(),
            armoury: typed["armoury"].to_owned(),
            kind,
            planned_on,
            counter: typed["counter"].to_owned(),
            custodian: Some(typed["custodian"].to_owned()),
            sample_size,
            weapons: typed["weapons"]
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        match plan(&state, &caller, body).await? {
            Ok(p) => {
                return Ok(to(
                    &format!("/stock/counts/{}", auth::urlencode(&p.id)),
                    &format!("Count {} planned.", p.id),
                ));
            }
            Err(p) => problems = p,
        }
    }
    let o = overview(&state).await?;
    let page = stock_page(&caller, o, typed, problems, String::new());
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "armoury.html")]
struct ArmouryPage {
    nav: Nav,
    armoury: Armoury,
    in_store: Vec<(String, String, String, String)>,
    on_issue: Vec<Row>,
}

pub async fn armoury_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    params: Params,
) -> PageResult {
    params.only(&[])?;
    let h = holdings(&state, &caller, id).await?;
    Ok(render(&ArmouryPage {
        nav: Nav::of(&caller),
        in_store: h
            .in_store
            .iter()
            .map(|w| {
                (
                    w.weapon_id.to_string(),
                    w.serial.clone().unwrap_or_default(),
                    w.description.clone(),
                    w.status.as_str().to_owned(),
                )
            })
            .collect(),
        on_issue: h
            .on_issue
            .iter()
            .map(|(o, name)| {
                let e = o.issued.as_ref();
                Row {
                    cells: vec![
                        o.serial.clone().unwrap_or_default(),
                        name.clone(),
                        e.and_then(|e| e.officer.clone()).unwrap_or_default(),
                        e.map(|e| e.occurred_on.to_string()).unwrap_or_default(),
                        e.and_then(|e| e.reason.clone()).unwrap_or_default(),
                        e.and_then(|e| e.due_on)
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        o.days_out.to_string(),
                    ],
                    link: format!("/weapons/{}", o.weapon_id),
                    flag: o.overdue,
                }
            })
            .collect(),
        armoury: h.armoury,
    }))
}

#[derive(Template)]
#[template(path = "count.html")]
struct CountPage {
    nav: Nav,
    count: CountView,
    /// For a sample or serial check: the weapons to check (record id, serial or reference).
    to_check: Vec<(String, String)>,
    /// What entering the list would find, shown before anything is kept.
    preview: Option<salw_core::stockpile::Reconciliation>,
    discrepancies: Vec<Row>,
    may_write: bool,
    /// What was typed: `found` and `counted_on` (today when nothing was).
    typed: Typed,
    problems: Vec<String>,
    notice: String,
}

async fn count_page(
    state: &Shared,
    caller: &Caller,
    id: String,
    typed_found: String,
    typed_on: String,
    problems: Vec<String>,
    notice: String,
) -> Result<CountPage, ApiError> {
    let (count, discrepancies, to_check) = state
        .read(move |reg| {
            let v = stock::count(reg.backend(), &id).map_err(store("the count"))?;
            let v = v.ok_or_else(|| ApiError::not_found(format!("no count '{id}'")))?;
            let d = stock::discrepancies(reg.backend()).map_err(store("the discrepancies"))?;
            let mut to_check = Vec::new();
            for w in &v.plan.expected {
                let label = reg
                    .backend()
                    .weapon(*w)
                    .map_err(store("a weapon"))?
                    .and_then(|s| s.weapon.serial.or(s.weapon.reference))
                    .unwrap_or_else(|| "(no serial: by record id)".into());
                to_check.push((w.to_string(), label));
            }
            Ok((v, d, to_check))
        })
        .await?;
    Ok(CountPage {
        nav: Nav::of(caller),
        to_check,
        preview: None,
        discrepancies: discrepancies
            .iter()
            .filter(|d| d.discrepancy.count == count.plan.id)
            .map(discrepancy_row)
            .collect(),
        count,
        may_write: caller.may(Permission::WriteRecords),
        typed: [
            ("found".to_owned(), typed_found),
            (
                "counted_on".to_owned(),
                if typed_on.is_empty() {
                    today().to_string()
                } else {
                    typed_on
                },
            ),
        ]
        .into_iter()
        .collect(),
        problems,
        notice,
    })
}

pub async fn count_page_get(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    params: Params,
) -> PageResult {
    params.only(&["done"])?;
    let notice = params.text("done").unwrap_or_default();
    let page = count_page(
        &state,
        &caller,
        id,
        String::new(),
        String::new(),
        Vec::new(),
        notice,
    )
    .await?;
    Ok(render(&page))
}

pub async fn count_page_enter(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let found = form.value("found").to_owned();
    let on = form.value("counted_on").trim().to_owned();
    if form.value("check") == "first" {
        // What the list would find, nothing kept: the counter checks before keeping.
        let lines: Vec<String> = found.lines().map(str::to_owned).collect();
        let count = id.clone();
        let preview = state
            .read(move |reg| {
                let found: Vec<&str> = lines.iter().map(String::as_str).collect();
                stock::preview_count(reg.backend(), &count, &found, serial_key)
                    .map_err(store("the count"))
            })
            .await?;
        // The date is checked as keeping would check it, so that the check says all.
        let problems = match date("counted_on", &on) {
            Err(p) => vec![p],
            Ok(d) if d > chrono::Utc::now().date_naive() => {
                vec![format!("counted_on: {d} is in the future")]
            }
            Ok(_) => Vec::new(),
        };
        let mut page = count_page(&state, &caller, id, found, on, problems, String::new()).await?;
        page.preview = preview;
        return Ok(render(&page));
    }
    let problems = match date("counted_on", &on) {
        Err(p) => vec![p],
        Ok(d) => {
            let lines: Vec<String> = found.lines().map(str::to_owned).collect();
            match enter(&state, &caller, "web", id.clone(), d, lines).await? {
                Ok(r) => {
                    return Ok(to(
                        &format!("/stock/counts/{}", auth::urlencode(&id)),
                        &format!(
                            "Count entered: {} of {} found, {} discrepancy(ies) opened.",
                            r.reconciliation.found,
                            r.reconciliation.expected,
                            r.discrepancies.len()
                        ),
                    ));
                }
                Err(p) => p,
            }
        }
    };
    let page = count_page(&state, &caller, id, found, on, problems, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "discrepancy.html")]
struct DiscrepancyPage {
    nav: Nav,
    d: DiscrepancyView,
    serial: String,
    /// The registered weapon's status now ("stolen", "registered"…).
    status: String,
    may_write: bool,
    actions: Vec<&'static str>,
    resolutions: Vec<&'static str>,
    typed: Typed,
    problems: Vec<String>,
    notice: String,
}

async fn discrepancy_page(
    state: &Shared,
    caller: &Caller,
    id: String,
    typed: Typed,
    problems: Vec<String>,
    notice: String,
) -> Result<DiscrepancyPage, ApiError> {
    let (d, status) = state
        .read(move |reg| {
            let d = stock::discrepancies(reg.backend())
                .map_err(store("the discrepancies"))?
                .into_iter()
                .find(|d| d.discrepancy.id == id)
                .ok_or_else(|| ApiError::not_found(format!("no discrepancy '{id}'")))?;
            let status = match d.discrepancy.weapon_id {
                Some(w) => reg
                    .backend()
                    .weapon(w)
                    .map_err(store("the weapon"))?
                    .map(|s| s.status.as_str().replace('_', " "))
                    .unwrap_or_default(),
                None => String::new(),
            };
            Ok((d, status))
        })
        .await?;
    Ok(DiscrepancyPage {
        nav: Nav::of(caller),
        status,
        serial: d.discrepancy.text.clone().unwrap_or_default(),
        d,
        may_write: caller.may(Permission::WriteRecords),
        actions: DiscrepancyAction::ALL.iter().map(|a| a.as_str()).collect(),
        resolutions: Resolution::ALL.iter().map(|r| r.as_str()).collect(),
        typed,
        problems,
        notice,
    })
}

pub async fn discrepancy_page_get(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    params: Params,
) -> PageResult {
    params.only(&["done"])?;
    let notice = params.text("done").unwrap_or_default();
    Ok(render(
        &discrepancy_page(&state, &caller, id, Default::default(), Vec::new(), notice).await?,
    ))
}

pub async fn discrepancy_page_step(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    request: Request,
) -> PageResult {
    let typed = read_typed(&caller, request, &["action", "resolution", "note", "on"]).await?;
    let mut problems = Vec::new();
    let action = typed["action"]
        .parse::<DiscrepancyAction>()
        .map_err(|e| format!("action: {e}"));
    let resolution = match typed.get("resolution") {
        "" => Ok(None),
        r => r
            .parse::<Resolution>()
            .map(Some)
            .map_err(|e| format!("resolution: {e}")),
    };
    let on = match typed.get("on") {
        "" => Ok(None),
        d => date("on", d).map(Some),
    };
    for p in [
        action.as_ref().err(),
        resolution.as_ref().err(),
        on.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    {
        problems.push(p.clone());
    }
    if let (Ok(action), Ok(resolution), Ok(on)) = (action, resolution, on) {
        let body = StepBody {
            action,
            resolution,
            note: typed["note"].to_owned(),
            on,
        };
        match step(&state, &caller, "web", id.clone(), body).await? {
            Ok(s) => {
                return Ok(to(
                    &format!("/stock/discrepancies/{}", auth::urlencode(&id)),
                    &format!("Discrepancy {id}: {}.", s.label()),
                ));
            }
            Err(p) => problems = p,
        }
    }
    let page = discrepancy_page(&state, &caller, id, typed, problems, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "collection.html")]
struct CollectionPage {
    nav: Nav,
    campaigns: Vec<Row>,
    may_write: bool,
    typed: Typed,
    problems: Vec<String>,
}

async fn collection_page(
    state: &Shared,
    caller: &Caller,
    typed: Typed,
    problems: Vec<String>,
) -> Result<CollectionPage, ApiError> {
    let campaigns = state
        .read(|reg| {
            let list = stock::campaigns(reg.backend()).map_err(store("the campaigns"))?;
            let mut rows = Vec::new();
            for c in list {
                let n = stock::intakes(reg.backend(), &c.id).map_err(store("the intake"))?;
                let unmarked = n.iter().filter(|i| i.unmarked).count();
                rows.push(Row {
                    cells: vec![
                        c.id.clone(),
                        c.name.clone(),
                        c.place.clone(),
                        format!("{} to {}", c.start, c.end),
                        c.programme.as_str().to_owned(),
                        yes(c.amnesty),
                        n.len().to_string(),
                        unmarked.to_string(),
                    ],
                    link: format!("/collection/{}", auth::urlencode(&c.id)),
                    flag: c.covers(today()),
                });
            }
            Ok(rows)
        })
        .await?;
    Ok(CollectionPage {
        nav: Nav::of(caller),
        campaigns,
        may_write: caller.may(Permission::WriteRecords),
        typed,
        problems,
    })
}

pub async fn collection_page_get(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&[])?;
    Ok(render(
        &collection_page(&state, &caller, Default::default(), Vec::new()).await?,
    ))
}

pub async fn collection_page_add(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let typed = read_typed(
        &caller,
        request,
        &[
            "id",
            "name",
            "place",
            "start",
            "end",
            "programme",
            "amnesty",
        ],
    )
    .await?;
    let mut problems = Vec::new();
    let start = date("start", &typed["start"]);
    let end = date("end", &typed["end"]);
    let programme = typed["programme"]
        .parse::<Programme>()
        .map_err(|e| format!("programme: {e}"));
    for p in [
        start.as_ref().err(),
        end.as_ref().err(),
        programme.as_ref().err(),
    ]
    .into_iter()
    .flatten()
    {
        problems.push(p.clone());
    }
    if let (Ok(start), Ok(end), Ok(programme)) = (start, end, programme) {
        let c = Campaign {
            id: typed["id"].to_owned(),
            name: typed["name"].to_owned(),
            place: typed["place"].to_owned(),
            start,
            end,
            amnesty: typed.is("amnesty", "on") || typed.is("amnesty", "yes"),
            programme,
        };
        let id = c.id.clone();
        match add_campaign(&state, &caller, c).await? {
            Ok(()) => {
                return Ok(to(
                    &format!("/collection/{}", auth::urlencode(&id)),
                    &format!("Campaign {id} opened."),
                ));
            }
            Err(p) => problems = p,
        }
    }
    let page = collection_page(&state, &caller, typed, problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage {
    nav: Nav,
    campaign: Campaign,
    intake: Vec<Row>,
    unmarked: usize,
    /// The weapons handed in to be destroyed (not adequately marked, follow-up `destroy`) and
    /// not destroyed yet: a destruction batch's list, one id a line.
    to_destroy: Vec<String>,
    categories: Vec<String>,
    may_write: bool,
    typed: Typed,
    problems: Vec<String>,
    notice: String,
}

const INTAKE_FIELDS: &[&str] = &[
    "category",
    "manufacturer",
    "model",
    "serial",
    "calibre",
    "country",
    "person_name",
    "person_sex",
    "follow_up",
    "occurred_on",
];

async fn intake_page(
    state: &Shared,
    caller: &Caller,
    id: String,
    typed: Typed,
    problems: Vec<String>,
    notice: String,
) -> Result<IntakePage, ApiError> {
    let (campaign, intake) = campaign_of(state, id).await?;
    let categories = crate::pages::categories(state).await?;
    let unmarked = intake.iter().filter(|i| i.unmarked).count();
    let candidates: Vec<Uuid> = intake
        .iter()
        .filter(|i| i.unmarked && i.follow_up.as_deref() == Some("destroy"))
        .map(|i| i.weapon_id)
        .collect();
    let to_destroy = state
        .read(move |reg| {
            let mut out = Vec::new();
            for w in candidates {
                let destroyed = reg
                    .backend()
                    .weapon(w)
                    .map_err(store("a weapon"))?
                    .is_none_or(|s| s.status == salw_core::WeaponStatus::Destroyed);
                if !destroyed {
                    out.push(w.to_string());
                }
            }
            Ok(out)
        })
        .await?;
    Ok(IntakePage {
        nav: Nav::of(caller),
        to_destroy,
        intake: intake
            .iter()
            .enumerate()
            .rev()
            .map(|(n, i)| Row {
                cells: vec![
                    (n + 1).to_string(),
                    i.category.clone(),
                    i.serial.clone().unwrap_or_else(|| "(none)".into()),
                    if i.unmarked {
                        format!(
                            "not adequately marked: {}",
                            i.follow_up
                                .as_deref()
                                .unwrap_or("mark or destroy")
                                .replace('_', " ")
                        )
                    } else if i.known {
                        "registered before".into()
                    } else {
                        "new record".into()
                    },
                    yes(i.person_recorded),
                    i.occurred_on.to_string(),
                ],
                link: format!("/weapons/{}", i.weapon_id),
                flag: i.unmarked,
            })
            .collect(),
        unmarked,
        campaign,
        categories,
        may_write: caller.may(Permission::WriteRecords),
        typed,
        problems,
        notice,
    })
}

pub async fn intake_page_get(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    params: Params,
) -> PageResult {
    params.only(&["done", "category", "manufacturer", "occurred_on"])?;
    let notice = params.text("done").unwrap_or_default();
    // What stays from one weapon to the next at a busy table: the category, the maker, the day.
    let typed = ["category", "manufacturer", "occurred_on"]
        .iter()
        .filter_map(|k| Some(((*k).to_owned(), params.text(k)?)))
        .collect();
    Ok(render(
        &intake_page(&state, &caller, id, typed, Vec::new(), notice).await?,
    ))
}

/// One weapon handed in, from the intake form (Enter submits; the page comes back with the
/// cursor in the first field).
pub async fn intake_page_add(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    request: Request,
) -> PageResult {
    let typed = read_typed(&caller, request, INTAKE_FIELDS).await?;
    let (campaign, _) = campaign_of(&state, id.clone()).await?;
    let on = match typed.get("occurred_on") {
        "" => Ok(today()),
        d => date("occurred_on", d),
    };
    let problems = match on {
        Err(p) => vec![p],
        Ok(on) => {
            let text = |k: &str| Some(typed[k].to_owned()).filter(|v| !v.is_empty());
            let item = IntakeItem {
                category: typed["category"].to_owned(),
                manufacturer: text("manufacturer"),
                model: text("model"),
                serial: text("serial"),
                calibre: text("calibre"),
                country: text("country"),
                person_name: text("person_name"),
                person_sex: text("person_sex"),
                notes: None,
                follow_up: text("follow_up"),
            };
            match hand_in(&state, &caller, "web", campaign, on, None, vec![item]).await? {
                Ok(i) => {
                    let i = &i[0];
                    let done = format!(
                        "Recorded: {} {}{}.",
                        i.category,
                        i.serial.as_deref().unwrap_or("without serial"),
                        if i.unmarked {
                            " (not adequately marked: flagged for marking or destruction)"
                        } else {
                            ""
                        }
                    );
                    let back = format!(
                        "/collection/{}?category={}&manufacturer={}&occurred_on={}&done={}",
                        auth::urlencode(&id),
                        auth::urlencode(&typed["category"]),
                        auth::urlencode(&typed["manufacturer"]),
                        auth::urlencode(&typed["occurred_on"]),
                        auth::urlencode(&done)
                    );
                    return Ok(Redirect::to(&back).into_response());
                }
                Err(errors) => errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.reason))
                    .collect(),
            }
        }
    };
    let page = intake_page(&state, &caller, id, typed, problems, String::new()).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "destruction.html")]
struct DestructionPage {
    nav: Nav,
    batches: Vec<Row>,
    may_write: bool,
    typed: Typed,
    problems: Vec<String>,
}

async fn destruction_page(
    state: &Shared,
    caller: &Caller,
    typed: Typed,
    problems: Vec<String>,
) -> Result<DestructionPage, ApiError> {
    let batches = destructions(state)
        .await?
        .iter()
        .rev()
        .map(|d| Row {
            cells: vec![
                d.batch.id.clone(),
                d.batch.date.to_string(),
                d.batch.method.clone(),
                d.batch.place.clone(),
                d.batch.weapons.len().to_string(),
                d.batch.certificate.clone(),
                d.evidence.len().to_string(),
            ],
            link: format!("/destruction/{}", auth::urlencode(&d.batch.id)),
            flag: d.evidence.is_empty(),
        })
        .collect();
    Ok(DestructionPage {
        nav: Nav::of(caller),
        batches,
        may_write: caller.may(Permission::WriteRecords),
        typed,
        problems,
    })
}

pub async fn destruction_page_get(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["weapons"])?;
    // A batch prepared elsewhere (a campaign's weapons to destroy): its list, to check.
    let typed = params
        .text("weapons")
        .map(|w| [("weapons".to_owned(), w)].into_iter().collect())
        .unwrap_or_default();
    Ok(render(
        &destruction_page(&state, &caller, typed, Vec::new()).await?,
    ))
}

pub async fn destruction_page_add(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let typed = read_typed(
        &caller,
        request,
        &[
            "id",
            "method",
            "place",
            "date",
            "authority",
            "witnesses",
            "certificate",
            "weapons",
        ],
    )
    .await?;
    // A date that cannot be read is said with the rest, not instead of it.
    let (d, refused_date) = match date("date", &typed["date"]) {
        Ok(d) => (d, None),
        Err(p) => (today(), Some(p)),
    };
    let body = DestructionBody {
        id: typed["id"].to_owned(),
        method: typed["method"].to_owned(),
        place: typed["place"].to_owned(),
        date: d,
        authority: typed["authority"].to_owned(),
        witnesses: typed["witnesses"].to_owned(),
        certificate: typed["certificate"].to_owned(),
        weapons: typed["weapons"]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let id = body.id.clone();
    let problems = match destroy(&state, &caller, "web", body, refused_date).await? {
        Ok(()) => {
            return Ok(
                Redirect::to(&format!("/destruction/{}", auth::urlencode(&id))).into_response(),
            );
        }
        Err(p) => p,
    };
    let page = destruction_page(&state, &caller, typed, problems).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    nav: Nav,
    may_write: bool,
    d: DestructionView,
    weapons: Vec<(String, String)>,
    country: String,
}

/// The destruction certificate: printable, with each weapon, the witnesses and the hash of
/// every photo taken after.
pub async fn certificate_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    params: Params,
) -> PageResult {
    params.only(&[])?;
    let d = destructions(&state)
        .await?
        .into_iter()
        .find(|d| d.batch.id == id)
        .ok_or_else(|| ApiError::not_found(format!("no destruction batch '{id}'")))?;
    let weapons = d
        .batch
        .weapons
        .iter()
        .zip(&d.serials)
        .map(|(w, s)| (w.to_string(), s.clone().unwrap_or_default()))
        .collect();
    Ok(render(&CertificatePage {
        nav: Nav::of(&caller),
        may_write: caller.may(Permission::WriteRecords),
        weapons,
        country: state.node.country.clone().unwrap_or_default(),
        d,
    }))
}

/// A photo taken after a destruction, from the certificate page's form.
pub async fn evidence_upload(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RecordId(id): RecordId,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let (photo, caption) = crate::pages::read_photo_form(&caller, multipart).await?;
    let who = Keeper {
        by: caller.name.clone(),
        at: chrono::Utc::now().to_rfc3339(),
    };
    let batch = id.clone();
    let r = state
        .write(move |reg| {
            stock::add_evidence(reg.backend(), &batch, &photo, &caption, &who)
                .map_err(store("the evidence"))
        })
        .await?;
    audit(
        &state,
        &caller,
        "destruction-evidence",
        format!("evidence for {id}"),
        outcome_words(&r),
    )
    .await?;
    r.map_err(|p| refused(&p))?;
    Ok(Redirect::to(&format!("/destruction/{}", auth::urlencode(&id))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(names: &[&str]) -> Typed {
        names
            .iter()
            .map(|n| ((*n).to_owned(), String::new()))
            .collect()
    }

    #[test]
    fn a_problem_is_said_beside_its_field_and_an_item_of_a_list_by_its_line() {
        let form = typed(&["planned_on", "weapons"]);
        let problems = vec![
            "planned_on: '3 May' is not a date (YYYY-MM-DD)".to_owned(),
            "weapons[1]: no weapon has the reference 'X'".to_owned(),
            "weapons: KE-1 is listed twice".to_owned(),
            "the registry is read-only".to_owned(),
            "armoury: no organisation 'A'".to_owned(),
        ];
        assert_eq!(
            form.problem(&problems, "planned_on"),
            "'3 May' is not a date (YYYY-MM-DD)"
        );
        assert_eq!(
            form.problem(&problems, "weapons"),
            "line 2: no weapon has the reference 'X'; KE-1 is listed twice"
        );
        assert_eq!(form.problem(&problems, "counter"), "");
        // What names no field of this form stays at the top, as it is.
        assert_eq!(
            form.general(&problems),
            ["the registry is read-only", "armoury: no organisation 'A'"]
        );
        assert!(form.marked(&problems));
        assert!(!typed(&["id"]).marked(&problems));
    }
}
