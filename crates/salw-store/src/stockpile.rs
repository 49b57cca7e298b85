//! Armouries, stock counts, discrepancies, collection campaigns, evidence holds and destruction
//! batches, kept append-only beside the journal (docs/stockpile.md; DOMAIN.md §9–10).
//!
//! These are workflow records of one installation, like trace records: a count's plan and
//! result, a discrepancy and each step that moved it, a campaign, a destruction batch and its
//! evidence, an evidence hold and its release. Each is a row never changed; where a thing
//! stands is read from its rows. What they establish about a weapon is a life-cycle event in
//! the journal (`inventoried` for each weapon a count found, `reported_lost`/`reported_stolen`
//! for a confirmed discrepancy, `destroyed` for each weapon of a batch), written in the same
//! transaction as the record (`Registry::write_then`), so that neither exists without the
//! other. The rules are salw_core::stockpile's.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use salw_core::LifecycleEvent;
use salw_core::event::EventKind;
use salw_core::lifecycle::WeaponStatus;
use salw_core::person::PersonKind;
use salw_core::stockpile::{
    self, Campaign, CountKind, CountPlan, CountPolicy, DestructionBatch, DestructionFacts,
    DiscrepancyAction, DiscrepancyKind, DiscrepancyStage, Held, Reconciliation, Resolution,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::backend::{Backend, Result};
use crate::error::StoreError;
use crate::records::{EventDraft, Record, RecordRef, RowError, Staged};
use crate::registry::{Registry, WriteContext};
use crate::traces::TraceBackend;

/// The kinds of stockpile record; those marked unique are kept once per id.
pub mod kind {
    pub const POLICY: &str = "policy";
    /// unique
    pub const COUNT: &str = "count";
    /// unique: one result per count
    pub const COUNT_RESULT: &str = "count_result";
    /// unique
    pub const DISCREPANCY: &str = "discrepancy";
    pub const DISCREPANCY_STEP: &str = "discrepancy_step";
    /// unique
    pub const CAMPAIGN: &str = "campaign";
    /// unique
    pub const DESTRUCTION: &str = "destruction";
    pub const DESTRUCTION_EVIDENCE: &str = "destruction_evidence";
    pub const HOLD: &str = "hold";
    pub const RELEASE: &str = "release";
    /// A weapon handed in at a collection point: id = the campaign.
    pub const INTAKE: &str = "intake";

    /// Every kind, as the backends' schemas list them.
    pub const ALL: &[&str] = &[
        POLICY,
        COUNT,
        COUNT_RESULT,
        DISCREPANCY,
        DISCREPANCY_STEP,
        CAMPAIGN,
        DESTRUCTION,
        DESTRUCTION_EVIDENCE,
        HOLD,
        RELEASE,
        INTAKE,
    ];
}

/// One stockpile record as kept: `body` is the record as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockRecord {
    pub seq: i64,
    pub kind: String,
    pub id: String,
    pub body: String,
    pub entered_at: String,
    pub entered_by: String,
}

/// A weapon whose current holder is an armoury, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldWeapon {
    pub weapon_id: Uuid,
    pub serial: Option<String>,
    pub reference: Option<String>,
    pub status: WeaponStatus,
    /// "Taurus RT85 (revolver)": what a counter looks for on the shelf.
    pub description: String,
}

pub trait StockBackend: Backend + TraceBackend {
    /// The records of a kind (of one id when given), oldest first.
    fn stock_records(&mut self, kind: &str, id: Option<&str>) -> Result<Vec<StockRecord>>;
    /// Appends a record (the `seq` given is ignored); false (nothing written) when a record of
    /// a unique kind with that id is kept already.
    fn insert_stock_record(&mut self, record: &StockRecord) -> Result<bool>;
    /// Every weapon whose holder is `holder`, whatever its status.
    fn weapons_held_by(&mut self, holder: Uuid) -> Result<Vec<HeldWeapon>>;
    /// The holders of weapons, with how many weapons each holds in store and how many of them
    /// are out on issue.
    fn holders(&mut self) -> Result<Vec<(Uuid, u64, u64)>>;
    /// Weapons with a `deactivated` event and a seizure, find, surrender or recovery (in any
    /// order: which came first is decided on the dates, over the effective history).
    fn deactivated_then_recovered(&mut self) -> Result<Vec<Uuid>>;
}

/// Statuses in which a weapon is expected on an armoury's shelf.
pub fn in_store(status: WeaponStatus) -> bool {
    use WeaponStatus as S;
    !matches!(
        status,
        S::Issued | S::Exported | S::Lost | S::Stolen | S::Destroyed
    )
}

fn keep<B: StockBackend + ?Sized>(
    backend: &mut B,
    kind: &str,
    id: &str,
    body: &impl Serialize,
    by: &str,
    at: &str,
) -> Result<bool> {
    let body = serde_json::to_string(body)
        .map_err(|e| StoreError::Corrupt(format!("{kind} {id}: {e}")))?;
    backend.insert_stock_record(&StockRecord {
        seq: 0,
        kind: kind.to_owned(),
        id: id.to_owned(),
        body,
        entered_at: at.to_owned(),
        entered_by: by.to_owned(),
    })
}

fn read<T: for<'de> Deserialize<'de>>(r: &StockRecord) -> Result<T> {
    serde_json::from_str(&r.body)
        .map_err(|e| StoreError::Corrupt(format!("stockpile record {} {}: {e}", r.kind, r.id)))
}

fn read_all<B: StockBackend + ?Sized, T: for<'de> Deserialize<'de>>(
    backend: &mut B,
    kind: &str,
    id: Option<&str>,
) -> Result<Vec<(StockRecord, T)>> {
    backend
        .stock_records(kind, id)?
        .into_iter()
        .map(|r| {
            let t = read(&r)?;
            Ok((r, t))
        })
        .collect()
}

/// Who keeps a record and when: the caller's clock.
#[derive(Debug, Clone)]
pub struct Keeper {
    pub by: String,
    pub at: String,
}

impl From<&WriteContext> for Keeper {
    fn from(ctx: &WriteContext) -> Self {
        Keeper {
            by: ctx.recorded_by.clone(),
            at: ctx.now.to_rfc3339(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Policy and armouries

pub fn policy<B: StockBackend + ?Sized>(backend: &mut B) -> Result<CountPolicy> {
    Ok(read_all::<_, CountPolicy>(backend, kind::POLICY, None)?
        .pop()
        .map(|(_, p)| p)
        .unwrap_or_default())
}

pub fn set_policy<B: StockBackend + ?Sized>(
    backend: &mut B,
    policy: CountPolicy,
    who: &Keeper,
) -> Result<std::result::Result<(), Vec<String>>> {
    if policy.full_count_every_days == 0 || policy.full_count_every_days > 3660 {
        return Ok(Err(vec![
            "every: a full count every 1 to 3660 days".to_owned(),
        ]));
    }
    keep(backend, kind::POLICY, "policy", &policy, &who.by, &who.at)?;
    Ok(Ok(()))
}

/// An armoury: an organisation that holds weapons, with its count due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Armoury {
    pub id: Uuid,
    pub name: String,
    pub in_store: u64,
    pub issued: u64,
    /// Weapons out on issue past the day they were due back.
    pub issued_overdue: u64,
    pub last_full_count: Option<NaiveDate>,
    /// `None`: never counted in full, so due now.
    pub next_count_due: Option<NaiveDate>,
    pub count_overdue: bool,
}

pub fn armouries<B: StockBackend + ?Sized>(
    backend: &mut B,
    today: NaiveDate,
) -> Result<Vec<Armoury>> {
    let policy = policy(backend)?;
    let mut last_full: HashMap<Uuid, NaiveDate> = HashMap::new();
    for c in counts(backend)? {
        if c.plan.kind == CountKind::Full
            && let Some(r) = &c.result
        {
            let e = last_full.entry(c.plan.armoury).or_insert(r.counted_on);
            *e = (*e).max(r.counted_on);
        }
    }
    let mut out = Vec::new();
    for (id, in_store, issued) in backend.holders()? {
        let Some(person) = backend.person(id)? else {
            continue;
        };
        // An armoury is a State unit or depot (PoA II.10): a dealer's or maker's stock is
        // theirs to count, not the State's.
        if person.kind != PersonKind::Organisation
            || !person.roles.contains(&salw_core::person::Role::StateUnit)
        {
            continue;
        }
        let last = last_full.get(&id).copied();
        let due = last.map(|d| policy.next_due(d));
        let issued_overdue = if issued == 0 {
            0
        } else {
            holdings(backend, id, today)?
                .1
                .iter()
                .filter(|o| o.overdue)
                .count() as u64
        };
        out.push(Armoury {
            id,
            name: person.name,
            in_store,
            issued,
            issued_overdue,
            last_full_count: last,
            next_count_due: due,
            // Never counted in full: due now, and overdue.
            count_overdue: due.is_none_or(|d| d < today),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// A weapon out on issue from an armoury, with the issue event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnIssue {
    pub weapon_id: Uuid,
    pub serial: Option<String>,
    pub issued: Option<LifecycleEvent>,
    /// Days since it was issued.
    pub days_out: i64,
    /// Past the day it was due back (the issue's `due_on`).
    pub overdue: bool,
}

/// What an armoury holds: in store, and out on issue (overdue first, then longest out).
pub fn holdings<B: StockBackend + ?Sized>(
    backend: &mut B,
    armoury: Uuid,
    today: NaiveDate,
) -> Result<(Vec<HeldWeapon>, Vec<OnIssue>)> {
    let mut store = Vec::new();
    let mut out = Vec::new();
    for h in backend.weapons_held_by(armoury)? {
        if h.status == WeaponStatus::Issued {
            let events = backend.events_of(h.weapon_id)?;
            let issued = events
                .into_iter()
                .rev()
                .find(|e| e.event.kind == EventKind::Issued && e.superseded_by.is_none())
                .map(|e| e.event);
            let days_out = issued
                .as_ref()
                .map(|e| (today - e.occurred_on).num_days())
                .unwrap_or(0);
            let overdue = issued
                .as_ref()
                .and_then(|e| e.due_on)
                .is_some_and(|d| d < today);
            out.push(OnIssue {
                weapon_id: h.weapon_id,
                serial: h.serial,
                issued,
                days_out,
                overdue,
            });
        } else if in_store(h.status) {
            store.push(h);
        }
    }
    out.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.days_out.cmp(&a.days_out)));
    Ok((store, out))
}

// ---------------------------------------------------------------------------------------------
// Counts

/// A reconciliation as kept: the weapons found are counted, not listed (each has its
/// `inventoried` event naming the count), so that a 100,000-weapon count is not a 4 MB row
/// read again each time the counts are listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub expected: usize,
    pub found: usize,
    pub missing: Vec<Uuid>,
    pub unexpected: Vec<stockpile::Extra>,
    pub repeated: Vec<stockpile::Extra>,
    #[serde(default)]
    pub shared: Vec<stockpile::Extra>,
    #[serde(default)]
    pub outside: Vec<stockpile::Extra>,
}

impl From<&Reconciliation> for Tally {
    fn from(r: &Reconciliation) -> Self {
        Tally {
            expected: r.expected,
            found: r.found.len(),
            missing: r.missing.clone(),
            unexpected: r.unexpected.clone(),
            repeated: r.repeated.clone(),
            shared: r.shared.clone(),
            outside: r.outside.clone(),
        }
    }
}

/// What a count found, kept once when its result is entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountResult {
    pub count: String,
    pub counted_on: NaiveDate,
    /// Lines entered (blank ones left out).
    pub lines: usize,
    pub reconciliation: Tally,
    /// The discrepancies it opened, in order: missing weapons first, then unexpected lines.
    pub discrepancies: Vec<String>,
}

/// A count as it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountView {
    pub plan: CountPlan,
    pub armoury_name: String,
    pub independent: bool,
    pub planned_by: String,
    pub result: Option<CountResult>,
}

pub fn counts<B: StockBackend + ?Sized>(backend: &mut B) -> Result<Vec<CountView>> {
    let mut results: HashMap<String, CountResult> =
        read_all::<_, CountResult>(backend, kind::COUNT_RESULT, None)?
            .into_iter()
            .map(|(r, c)| (r.id, c))
            .collect();
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut out = Vec::new();
    for (r, plan) in read_all::<_, CountPlan>(backend, kind::COUNT, None)? {
        let name = match names.get(&plan.armoury) {
            Some(n) => n.clone(),
            None => {
                let n = backend
                    .person(plan.armoury)?
                    .map(|p| p.name)
                    .unwrap_or_else(|| plan.armoury.to_string());
                names.insert(plan.armoury, n.clone());
                n
            }
        };
        out.push(CountView {
            independent: plan.independent(),
            result: results.remove(&plan.id),
            armoury_name: name,
            planned_by: r.entered_by,
            plan,
        });
    }
    Ok(out)
}

pub fn count<B: StockBackend + ?Sized>(backend: &mut B, id: &str) -> Result<Option<CountView>> {
    Ok(counts(backend)?.into_iter().find(|c| c.plan.id == id))
}

/// Counts planned for a day already past and not entered yet.
pub fn overdue_counts(views: &[CountView], today: NaiveDate) -> Vec<&CountView> {
    views
        .iter()
        .filter(|c| c.result.is_none() && c.plan.planned_on < today)
        .collect()
}

/// Plans a count. For a sample count the weapons to check are chosen now (`stockpile::sample`)
/// and kept with the plan; a serial check names them. Refused (`Ok(Err)`, each problem naming
/// its field) when the plan is incomplete, its id is taken, the armoury is not a registered
/// organisation, or a weapon named is not in the armoury's store.
pub fn plan_count<B: StockBackend + ?Sized>(
    backend: &mut B,
    mut plan: CountPlan,
    who: &Keeper,
    today: NaiveDate,
) -> Result<std::result::Result<CountPlan, Vec<String>>> {
    let mut problems = plan.problems(today);
    match backend.person(plan.armoury)? {
        None => problems.push(format!(
            "armoury: {} is not a registered organisation",
            plan.armoury
        )),
        Some(p) if p.kind != PersonKind::Organisation => problems.push(format!(
            "armoury: {} is a person, not an armoury (an organisation)",
            p.name
        )),
        Some(_) => {}
    }
    if !backend
        .stock_records(kind::COUNT, Some(&plan.id))?
        .is_empty()
    {
        problems.push(format!("id: a count '{}' is planned already", plan.id));
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let held: Vec<Held> = backend
        .weapons_held_by(plan.armoury)?
        .into_iter()
        .filter(|h| in_store(h.status))
        .map(|h| Held {
            weapon_id: h.weapon_id,
            serial: h.serial,
            reference: h.reference,
        })
        .collect();
    match plan.kind {
        CountKind::Full => plan.expected.clear(),
        CountKind::Sample => {
            let n = plan.sample_size.unwrap_or(0) as usize;
            if held.is_empty() {
                return Ok(Err(vec![
                    "armoury: holds no weapon in store to sample".to_owned(),
                ]));
            }
            plan.expected = stockpile::sample(&held, n, &plan.id);
        }
        CountKind::SerialCheck => {
            let ids: HashSet<Uuid> = held.iter().map(|h| h.weapon_id).collect();
            let wrong: Vec<String> = plan
                .expected
                .iter()
                .filter(|w| !ids.contains(w))
                .map(|w| format!("expected: weapon {w} is not in this armoury's store"))
                .collect();
            if !wrong.is_empty() {
                return Ok(Err(wrong));
            }
        }
    }
    if !keep(backend, kind::COUNT, &plan.id, &plan, &who.by, &who.at)? {
        return Ok(Err(vec![format!(
            "id: a count '{}' is planned already",
            plan.id
        )]));
    }
    Ok(Ok(plan))
}

/// Enters what a count found (one serial, reference or record id a line) and reconciles it:
/// an `inventoried` event for each weapon found, a discrepancy opened for each one missing and
/// each line not expected, and the result kept, all in one transaction or nothing.
///
/// `key` is the form in which serials are compared (`salw_core::key::fold`, or the marking
/// search's normaliser, which the CLI and the server give); `identify` names the registered
/// weapon a line not expected is, when one is sure (the marking search's exact match), so that
/// its discrepancy links to it (a weapon recorded stolen elsewhere, found on this shelf).
pub fn enter_count<B: StockBackend>(
    reg: &mut Registry<B>,
    ctx: &WriteContext,
    count_id: &str,
    counted_on: NaiveDate,
    lines: &[String],
    key: fn(&str) -> String,
    identify: &dyn Fn(&str) -> Option<Uuid>,
) -> Result<std::result::Result<CountResult, Vec<String>>> {
    let Some(view) = count(reg.backend(), count_id)? else {
        return Ok(Err(vec![format!(
            "count: no count '{count_id}' is planned"
        )]));
    };
    if view.result.is_some() {
        return Ok(Err(vec![format!(
            "count: the result of '{count_id}' is entered already; plan a new count"
        )]));
    }
    if counted_on > ctx.now.date_naive() {
        return Ok(Err(vec![format!(
            "counted_on: {counted_on} is in the future"
        )]));
    }
    let plan = view.plan;
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Ok(Err(vec![
            "found: the list is empty; enter what the count found, one serial a line".to_owned(),
        ]));
    }
    let found: Vec<&str> = lines.iter().map(String::as_str).collect();
    let reconciliation = reconcile_plan(reg.backend(), &plan, &found, key)?;
    let mut discrepancies = Vec::new();
    let mut opened = Vec::new();
    for w in &reconciliation.missing {
        let id = format!("{}-{}", plan.id, discrepancies.len() + 1);
        opened.push(Discrepancy {
            id: id.clone(),
            count: plan.id.clone(),
            armoury: plan.armoury,
            kind: DiscrepancyKind::Missing,
            weapon_id: Some(*w),
            text: reg
                .backend()
                .weapon(*w)?
                .and_then(|s| s.weapon.serial.or(s.weapon.reference)),
            line: None,
            opened_on: counted_on,
        });
        discrepancies.push(id);
    }
    for x in &reconciliation.unexpected {
        let id = format!("{}-{}", plan.id, discrepancies.len() + 1);
        let by_id = match Uuid::parse_str(x.text.trim()) {
            Ok(w) => reg.backend().weapon(w)?.map(|s| s.weapon.id),
            Err(_) => None,
        };
        opened.push(Discrepancy {
            id: id.clone(),
            count: plan.id.clone(),
            armoury: plan.armoury,
            kind: DiscrepancyKind::Unexpected,
            weapon_id: by_id.or_else(|| identify(&x.text)),
            text: Some(x.text.clone()),
            line: Some(x.line),
            opened_on: counted_on,
        });
        discrepancies.push(id);
    }
    let result = CountResult {
        count: plan.id.clone(),
        counted_on,
        lines: lines.iter().filter(|l| !l.trim().is_empty()).count(),
        reconciliation: Tally::from(&reconciliation),
        discrepancies,
    };
    let document = format!("stock count {}", plan.id);
    let events = reconciliation.found.iter().map(|w| {
        let mut e = LifecycleEvent::new(Uuid::now_v7(), *w, EventKind::Inventoried, counted_on);
        e.officer = Some(plan.counter.clone());
        e.document = Some(document.clone());
        event_record(e)
    });
    let who = Keeper::from(ctx);
    let kept = result.clone();
    let outcome = reg.write_then(ctx, events, |backend, _| {
        if !keep(
            backend,
            kind::COUNT_RESULT,
            &kept.count,
            &kept,
            &who.by,
            &who.at,
        )? {
            return Err(StoreError::Invalid(format!(
                "count: the result of '{}' was entered meanwhile",
                kept.count
            )));
        }
        for d in &opened {
            keep(backend, kind::DISCREPANCY, &d.id, d, &who.by, &who.at)?;
        }
        Ok(())
    });
    match outcome {
        Ok(o) if o.committed() => Ok(Ok(result)),
        Ok(o) => Ok(Err(o
            .errors
            .iter()
            .map(|e| event_problem(e, &found))
            .collect())),
        Err(StoreError::Invalid(reason)) => Ok(Err(vec![reason])),
        Err(e) => Err(e),
    }
}

fn event_record(event: LifecycleEvent) -> std::result::Result<Staged, RowError> {
    Ok(Staged {
        file: String::new(),
        line: 0,
        record: Record::Event(Box::new(EventDraft {
            weapon: RecordRef::Id(event.weapon_id),
            from_holder: None,
            to_holder: None,
            derive_id: false,
            event,
        })),
    })
}

fn event_problem(e: &RowError, _lines: &[&str]) -> String {
    format!("{}: {}", e.field, e.reason)
}

/// The weapons a count must find: a full count, every weapon in the armoury's store now; a
/// sample or serial check, the weapons chosen when it was planned (those since issued, lost or
/// gone are not on the shelf to be found).
fn expected_of<B: StockBackend + ?Sized>(backend: &mut B, plan: &CountPlan) -> Result<Vec<Held>> {
    let held = backend.weapons_held_by(plan.armoury)?;
    let to_held = |h: HeldWeapon| Held {
        weapon_id: h.weapon_id,
        serial: h.serial,
        reference: h.reference,
    };
    Ok(match plan.kind {
        CountKind::Full => held
            .into_iter()
            .filter(|h| in_store(h.status))
            .map(to_held)
            .collect(),
        _ => {
            let mut by_id: HashMap<Uuid, HeldWeapon> = held
                .into_iter()
                .filter(|h| in_store(h.status))
                .map(|h| (h.weapon_id, h))
                .collect();
            plan.expected
                .iter()
                .filter_map(|w| by_id.remove(w))
                .map(to_held)
                .collect()
        }
    })
}

/// Reconciles a count's entered lines against what the armoury holds now, without keeping
/// anything: what `enter_count` would find (the benchmark, and a preview).
pub fn preview_count<B: StockBackend + ?Sized>(
    backend: &mut B,
    count_id: &str,
    lines: &[&str],
    key: fn(&str) -> String,
) -> Result<Option<Reconciliation>> {
    let Some(view) = count(backend, count_id)? else {
        return Ok(None);
    };
    Ok(Some(reconcile_plan(backend, &view.plan, lines, key)?))
}

/// Reconciles what was found with what the plan expects; for a sample or a serial check, lines
/// naming another weapon of the armoury's store are set apart (`outside`), not discrepancies.
fn reconcile_plan<B: StockBackend + ?Sized>(
    backend: &mut B,
    plan: &CountPlan,
    lines: &[&str],
    key: fn(&str) -> String,
) -> Result<Reconciliation> {
    let expected = expected_of(backend, plan)?;
    let mut r = stockpile::reconcile_by(&expected, lines, key);
    if plan.kind != CountKind::Full && !r.unexpected.is_empty() {
        let expected_ids: HashSet<Uuid> = expected.iter().map(|h| h.weapon_id).collect();
        let others: HashSet<String> = backend
            .weapons_held_by(plan.armoury)?
            .into_iter()
            .filter(|h| in_store(h.status) && !expected_ids.contains(&h.weapon_id))
            .flat_map(|h| {
                let id = h.weapon_id.to_string();
                [
                    h.serial.map(|s| key(&s)),
                    h.reference.map(|s| key(&s)),
                    Some(id),
                ]
            })
            .flatten()
            .collect();
        let (outside, unexpected) = r
            .unexpected
            .into_iter()
            .partition(|x| others.contains(&key(&x.text)) || others.contains(&x.text));
        r.outside = outside;
        r.unexpected = unexpected;
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// Discrepancies

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discrepancy {
    pub id: String,
    pub count: String,
    pub armoury: Uuid,
    pub kind: DiscrepancyKind,
    /// The missing weapon; for an unexpected line, the registered weapon it is, when known.
    pub weapon_id: Option<Uuid>,
    /// The serial expected, or the line as entered for an unexpected one.
    pub text: Option<String>,
    /// The line of the entered list, for an unexpected one.
    pub line: Option<usize>,
    pub opened_on: NaiveDate,
}

/// One step of a discrepancy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscrepancyStep {
    pub action: DiscrepancyAction,
    pub resolution: Option<Resolution>,
    pub note: String,
    pub on: NaiveDate,
    /// The stage it led to.
    pub stage: DiscrepancyStage,
    /// The loss or theft report it recorded (or the recovery of a weapon found).
    pub event: Option<Uuid>,
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscrepancyView {
    pub discrepancy: Discrepancy,
    pub stage: DiscrepancyStage,
    pub steps: Vec<DiscrepancyStep>,
}

pub fn discrepancies<B: StockBackend + ?Sized>(backend: &mut B) -> Result<Vec<DiscrepancyView>> {
    let mut steps: BTreeMap<String, Vec<DiscrepancyStep>> = BTreeMap::new();
    for (r, mut s) in read_all::<_, DiscrepancyStep>(backend, kind::DISCREPANCY_STEP, None)? {
        s.by = r.entered_by;
        s.at = r.entered_at;
        steps.entry(r.id).or_default().push(s);
    }
    Ok(
        read_all::<_, Discrepancy>(backend, kind::DISCREPANCY, None)?
            .into_iter()
            .map(|(_, d)| {
                let steps = steps.remove(&d.id).unwrap_or_default();
                DiscrepancyView {
                    stage: steps.last().map_or(DiscrepancyStage::Open, |s| s.stage),
                    discrepancy: d,
                    steps,
                }
            })
            .collect(),
    )
}

/// Moves a discrepancy one step (`stockpile::discrepancy_step`). Confirming a loss or a theft
/// records the weapon's `reported_lost` or `reported_stolen` event in the same transaction;
/// resolving as found a line that is a weapon recorded lost or stolen records its recovery.
pub fn step_discrepancy<B: StockBackend>(
    reg: &mut Registry<B>,
    ctx: &WriteContext,
    id: &str,
    action: DiscrepancyAction,
    resolution: Option<Resolution>,
    note: &str,
    on: NaiveDate,
) -> Result<std::result::Result<DiscrepancyStage, Vec<String>>> {
    let Some(view) = discrepancies(reg.backend())?
        .into_iter()
        .find(|d| d.discrepancy.id == id)
    else {
        return Ok(Err(vec![format!("discrepancy: no discrepancy '{id}'")]));
    };
    if on > ctx.now.date_naive() {
        return Ok(Err(vec![format!("on: {on} is in the future")]));
    }
    if on < view.discrepancy.opened_on {
        return Ok(Err(vec![format!(
            "on: {on} is before the count that opened it ({})",
            view.discrepancy.opened_on
        )]));
    }
    let stage = match stockpile::discrepancy_step(
        view.discrepancy.kind,
        view.stage,
        action,
        resolution,
        note,
    ) {
        Ok(s) => s,
        Err(problem) => return Ok(Err(vec![problem])),
    };
    let mut event = None;
    // A weapon recorded lost or stolen that a count found on the shelf: resolving it as found
    // records its recovery, so that the national record and the alert shared with partners
    // stop saying it is missing.
    if let (DiscrepancyStage::Resolved(Resolution::Found), DiscrepancyKind::Unexpected, Some(w)) =
        (stage, view.discrepancy.kind, view.discrepancy.weapon_id)
        && reg
            .backend()
            .weapon(w)?
            .is_some_and(|s| matches!(s.status, WeaponStatus::Lost | WeaponStatus::Stolen))
    {
        let mut e = LifecycleEvent::new(
            Uuid::now_v7(),
            w,
            EventKind::Recovered,
            view.discrepancy.opened_on,
        );
        e.place = reg
            .backend()
            .person(view.discrepancy.armoury)?
            .map(|p| p.name);
        e.document = Some(format!(
            "stock count {}, discrepancy {id}",
            view.discrepancy.count
        ));
        e.notes = Some(format!(
            "found in a stock count; resolved {on}: {}",
            note.trim()
        ));
        event = Some(e);
    }
    if let (DiscrepancyStage::Confirmed(r), Some(weapon)) = (stage, view.discrepancy.weapon_id) {
        let kind = if r == Resolution::Theft {
            EventKind::ReportedStolen
        } else {
            EventKind::ReportedLost
        };
        // Dated when the weapon was found missing (the count), so that the loss falls in the
        // period it was discovered; the confirmation's date is in the notes.
        let mut e = LifecycleEvent::new(Uuid::now_v7(), weapon, kind, view.discrepancy.opened_on);
        e.document = Some(format!(
            "stock count {}, discrepancy {id}",
            view.discrepancy.count
        ));
        e.notes = Some(format!("confirmed {on}: {}", note.trim()));
        event = Some(e);
    }
    let step = DiscrepancyStep {
        action,
        resolution,
        note: note.trim().to_owned(),
        on,
        stage,
        event: event.as_ref().map(|e| e.id),
        by: String::new(),
        at: String::new(),
    };
    let who = Keeper::from(ctx);
    let id = id.to_owned();
    let outcome = reg.write_then(ctx, event.map(event_record), |backend, _| {
        keep(
            backend,
            kind::DISCREPANCY_STEP,
            &id,
            &step,
            &who.by,
            &who.at,
        )
        .map(|_| ())
    })?;
    if !outcome.committed() {
        return Ok(Err(outcome
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect()));
    }
    Ok(Ok(stage))
}

// ---------------------------------------------------------------------------------------------
// Campaigns

pub fn add_campaign<B: StockBackend + ?Sized>(
    backend: &mut B,
    campaign: &Campaign,
    who: &Keeper,
) -> Result<std::result::Result<(), Vec<String>>> {
    let problems = campaign.problems();
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    if !keep(
        backend,
        kind::CAMPAIGN,
        &campaign.id,
        campaign,
        &who.by,
        &who.at,
    )? {
        return Ok(Err(vec![format!(
            "id: a campaign '{}' is kept already",
            campaign.id
        )]));
    }
    Ok(Ok(()))
}

pub fn campaigns<B: StockBackend + ?Sized>(backend: &mut B) -> Result<Vec<Campaign>> {
    Ok(read_all::<_, Campaign>(backend, kind::CAMPAIGN, None)?
        .into_iter()
        .map(|(_, c)| c)
        .collect())
}

pub fn campaign<B: StockBackend + ?Sized>(backend: &mut B, id: &str) -> Result<Option<Campaign>> {
    Ok(read_all::<_, Campaign>(backend, kind::CAMPAIGN, Some(id))?
        .pop()
        .map(|(_, c)| c))
}

/// A weapon handed in during a campaign, as the collection point recorded it (the weapon, its
/// `surrendered` event and the person, if any, are journal records written with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub campaign: String,
    pub weapon_id: Uuid,
    pub event_id: Uuid,
    pub category: String,
    pub serial: Option<String>,
    /// Not adequately marked (no serial, maker or country of manufacture, ITI para 8a):
    /// recorded as such, flagged for marking or destruction (ITI para 9).
    pub unmarked: bool,
    /// mark_and_record or destroy, for a weapon not adequately marked.
    #[serde(default)]
    pub follow_up: Option<String>,
    /// A weapon already in the registry (a licensed weapon handed in).
    pub known: bool,
    pub person_recorded: bool,
    pub occurred_on: NaiveDate,
}

pub fn keep_intake<B: StockBackend + ?Sized>(
    backend: &mut B,
    intake: &Intake,
    who: &Keeper,
) -> Result<()> {
    keep(
        backend,
        kind::INTAKE,
        &intake.campaign,
        intake,
        &who.by,
        &who.at,
    )
    .map(|_| ())
}

/// What a campaign collected, in the order it was handed in.
pub fn intakes<B: StockBackend + ?Sized>(backend: &mut B, campaign: &str) -> Result<Vec<Intake>> {
    Ok(
        read_all::<_, Intake>(backend, kind::INTAKE, Some(campaign))?
            .into_iter()
            .map(|(_, i)| i)
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Evidence holds

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub weapon_id: Uuid,
    /// The case or court reference.
    pub case: String,
    pub on: NaiveDate,
}

/// The evidence holds on a weapon not released yet.
pub fn holds_of<B: StockBackend + ?Sized>(backend: &mut B, weapon: Uuid) -> Result<Vec<Hold>> {
    let w = weapon.to_string();
    let mut open: Vec<Hold> = Vec::new();
    let placed = read_all::<_, Hold>(backend, kind::HOLD, Some(&w))?;
    let released = read_all::<_, Hold>(backend, kind::RELEASE, Some(&w))?;
    let mut events: Vec<(i64, bool, Hold)> = placed
        .into_iter()
        .map(|(r, h)| (r.seq, true, h))
        .chain(released.into_iter().map(|(r, h)| (r.seq, false, h)))
        .collect();
    events.sort_by_key(|(seq, _, _)| *seq);
    for (_, place, h) in events {
        if place {
            open.push(h);
        } else {
            open.retain(|o| o.case != h.case);
        }
    }
    Ok(open)
}

/// Places (`release` false) or releases an evidence hold on a weapon.
pub fn hold<B: StockBackend + ?Sized>(
    backend: &mut B,
    h: &Hold,
    release: bool,
    who: &Keeper,
) -> Result<std::result::Result<(), Vec<String>>> {
    let mut p = Vec::new();
    if h.case.trim().is_empty() {
        p.push("case: required (the case or court reference)".to_owned());
    } else if h.case.chars().count() > 200 {
        p.push("case: longer than 200 characters".to_owned());
    }
    if backend.weapon(h.weapon_id)?.is_none() {
        p.push(format!("weapon: {} is not registered", h.weapon_id));
    }
    let open = holds_of(backend, h.weapon_id)?;
    let is_open = open.iter().any(|o| o.case == h.case.trim());
    if release && !is_open && p.is_empty() {
        p.push(format!(
            "case: the weapon is not held for '{}'",
            h.case.trim()
        ));
    }
    if !release && is_open {
        p.push(format!(
            "case: the weapon is held for '{}' already",
            h.case.trim()
        ));
    }
    if !p.is_empty() {
        return Ok(Err(p));
    }
    let h = Hold {
        case: h.case.trim().to_owned(),
        ..h.clone()
    };
    let k = if release { kind::RELEASE } else { kind::HOLD };
    keep(backend, k, &h.weapon_id.to_string(), &h, &who.by, &who.at)?;
    Ok(Ok(()))
}

// ---------------------------------------------------------------------------------------------
// Destruction

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub batch: String,
    /// BLAKE3 of the photo (`put_blob`).
    pub hash: String,
    pub media_type: String,
    pub caption: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DestructionView {
    pub batch: DestructionBatch,
    pub entered_by: String,
    pub entered_at: String,
    pub evidence: Vec<Evidence>,
    /// Serial (or reference) of each weapon, in the batch's order.
    pub serials: Vec<Option<String>>,
}

/// What holds a weapon back from destruction beyond the life-cycle rules.
pub fn destruction_facts<B: StockBackend + ?Sized>(
    backend: &mut B,
    weapon: Uuid,
) -> Result<DestructionFacts> {
    let w = weapon.to_string();
    let mut open_traces = Vec::new();
    for t in backend.traces()? {
        // Every destruction asks this: a request sent about another weapon is passed over
        // without reading its steps.
        if t.role != "received" && t.weapon_id.as_deref() != Some(w.as_str()) {
            continue;
        }
        let steps = backend.trace_steps(&t.id)?;
        // A request sent names the weapon; one received names the weapons the marking search
        // found for it (the candidates the received step keeps).
        let names_it = t.weapon_id.as_deref() == Some(w.as_str())
            || (t.role == "received"
                && steps.iter().filter(|s| s.state == "received").any(|s| {
                    serde_json::from_str::<serde_json::Value>(&s.detail)
                        .ok()
                        .and_then(|d| d.get("candidates").and_then(|c| c.as_array()).cloned())
                        .is_some_and(|c| {
                            c.iter().any(|h| {
                                h.get("weapon_id").and_then(|v| v.as_str()) == Some(w.as_str())
                            })
                        })
                }));
        if !names_it {
            continue;
        }
        // A draft never sent and a closed trace hold nothing back.
        let open = steps
            .last()
            .is_some_and(|s| s.state != "closed" && s.state != "draft");
        if open {
            let direction = if t.role == "received" { "from" } else { "with" };
            open_traces.push(format!("trace {} {direction} {}", t.reference, t.partner));
        }
    }
    let events = backend.events_of(weapon)?;
    let plain: Vec<LifecycleEvent> = events.iter().map(|e| e.event.clone()).collect();
    let last_traced = salw_core::lifecycle::effective(&plain)
        .into_iter()
        .rev()
        .find(|e| e.kind == EventKind::Traced);
    if let Some(e) = last_traced
        && e.trace_outcome == Some(salw_core::event::TraceOutcome::Pending)
    {
        open_traces.push(format!(
            "domestic trace pending since {}{}",
            e.occurred_on,
            e.trace_ref
                .as_deref()
                .map(|r| format!(", {r}"))
                .unwrap_or_default()
        ));
    }
    Ok(DestructionFacts {
        open_traces,
        evidence_holds: holds_of(backend, weapon)?
            .into_iter()
            .map(|h| format!("case {}", h.case))
            .collect(),
    })
}

/// Destroys a batch: every weapon checked against the records first (registered, not under an
/// open trace, not held as evidence, and what the life cycle allows: not missing, exported or
/// out on issue), then a `destroyed` event for each and the batch kept, all in one transaction;
/// or nothing, with each problem naming the weapon.
pub fn destroy<B: StockBackend>(
    reg: &mut Registry<B>,
    ctx: &WriteContext,
    batch: &DestructionBatch,
) -> Result<std::result::Result<(), Vec<String>>> {
    let mut problems = batch.problems(ctx.now.date_naive());
    if !reg
        .backend()
        .stock_records(kind::DESTRUCTION, Some(&batch.id))?
        .is_empty()
    {
        problems.push(format!(
            "id: a destruction batch '{}' is kept already",
            batch.id
        ));
    }
    for (i, w) in batch.weapons.iter().enumerate() {
        let field = format!("weapons[{i}]");
        if reg.backend().weapon(*w)?.is_none() {
            problems.push(format!(
                "{field}: {w} is not registered (only marked and recorded weapons are destroyed)"
            ));
            continue;
        }
        let facts = destruction_facts(reg.backend(), *w)?;
        if let Some(why) = stockpile::destruction_refusal(&facts) {
            problems.push(format!("{field}: {w}: {why}"));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let events: Vec<_> = batch
        .weapons
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut e = LifecycleEvent::new(Uuid::now_v7(), *w, EventKind::Destroyed, batch.date);
            e.method = Some(batch.method.clone());
            e.place = Some(batch.place.clone());
            e.agency = Some(batch.authority.clone());
            e.witnesses = Some(batch.witnesses.clone());
            e.certificate = Some(batch.certificate.clone());
            e.document = Some(format!("destruction batch {}", batch.id));
            event_record(e).map(|mut s| {
                s.line = i as u64 + 1;
                s
            })
        })
        .collect();
    let who = Keeper::from(ctx);
    let outcome = match reg.write_then(ctx, events, |backend, _| {
        if keep(
            backend,
            kind::DESTRUCTION,
            &batch.id,
            batch,
            &who.by,
            &who.at,
        )? {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "id: a destruction batch '{}' was kept meanwhile",
                batch.id
            )))
        }
    }) {
        Err(StoreError::Invalid(reason)) => return Ok(Err(vec![reason])),
        other => other?,
    };
    if !outcome.committed() {
        return Ok(Err(outcome
            .errors
            .iter()
            .map(|e| {
                let i = e.line.saturating_sub(1) as usize;
                let w = batch
                    .weapons
                    .get(i)
                    .map(Uuid::to_string)
                    .unwrap_or_default();
                format!("weapons[{i}]: {w}: {}", e.reason)
            })
            .collect()));
    }
    Ok(Ok(()))
}

pub fn destructions<B: StockBackend + ?Sized>(backend: &mut B) -> Result<Vec<DestructionView>> {
    let mut evidence: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
    for (_, e) in read_all::<_, Evidence>(backend, kind::DESTRUCTION_EVIDENCE, None)? {
        evidence.entry(e.batch.clone()).or_default().push(e);
    }
    let mut out = Vec::new();
    for (r, batch) in read_all::<_, DestructionBatch>(backend, kind::DESTRUCTION, None)? {
        let mut serials = Vec::with_capacity(batch.weapons.len());
        for w in &batch.weapons {
            serials.push(
                backend
                    .weapon(*w)?
                    .and_then(|s| s.weapon.serial.or(s.weapon.reference)),
            );
        }
        out.push(DestructionView {
            evidence: evidence.remove(&batch.id).unwrap_or_default(),
            entered_by: r.entered_by,
            entered_at: r.entered_at,
            serials,
            batch,
        });
    }
    Ok(out)
}

/// Adds a photo taken after a destruction: stored by its BLAKE3 hash, which the certificate
/// prints, so that the photo shown later can be checked to be the one taken.
pub fn add_evidence<B: StockBackend + ?Sized>(
    backend: &mut B,
    batch: &str,
    bytes: &[u8],
    caption: &str,
    who: &Keeper,
) -> Result<std::result::Result<Evidence, Vec<String>>> {
    if backend
        .stock_records(kind::DESTRUCTION, Some(batch))?
        .is_empty()
    {
        return Ok(Err(vec![format!("batch: no destruction batch '{batch}'")]));
    }
    let media_type = match crate::photos::image_type(bytes) {
        Some(t) => t,
        None => {
            return Ok(Err(vec!["photo: not a JPEG, PNG or WebP image".to_owned()]));
        }
    };
    if bytes.len() > crate::photos::MAX_PHOTO_BYTES {
        return Ok(Err(vec![format!(
            "photo: larger than {} bytes",
            crate::photos::MAX_PHOTO_BYTES
        )]));
    }
    if caption.chars().count() > 500 {
        return Ok(Err(vec!["caption: longer than 500 characters".to_owned()]));
    }
    let hash = blake3::hash(bytes).to_hex().to_string();
    backend.begin()?;
    let e = Evidence {
        batch: batch.to_owned(),
        hash: hash.clone(),
        media_type: media_type.to_owned(),
        caption: caption.trim().to_owned(),
    };
    let done = backend.put_blob(&hash, media_type, bytes).and_then(|()| {
        keep(
            backend,
            kind::DESTRUCTION_EVIDENCE,
            batch,
            &e,
            &who.by,
            &who.at,
        )
    });
    match done {
        Ok(_) => backend.commit()?,
        Err(err) => {
            let _ = backend.rollback();
            return Err(err);
        }
    }
    Ok(Ok(e))
}

// ---------------------------------------------------------------------------------------------
// Reactivation

/// A deactivated weapon that turned up in a seizure, find or surrender: possibly brought back
/// to firing (DOMAIN.md §10), with both records side by side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReactivationAlert {
    pub weapon_id: Uuid,
    pub serial: Option<String>,
    pub deactivated: LifecycleEvent,
    pub recovered: LifecycleEvent,
    /// Whether a `reactivation_detected` event was recorded since.
    pub acknowledged: bool,
}

pub fn reactivation_alerts<B: StockBackend + ?Sized>(
    backend: &mut B,
) -> Result<Vec<ReactivationAlert>> {
    let mut out = Vec::new();
    for w in backend.deactivated_then_recovered()? {
        let events: Vec<LifecycleEvent> =
            backend.events_of(w)?.into_iter().map(|e| e.event).collect();
        let effective = salw_core::lifecycle::effective(&events);
        let Some(di) = effective
            .iter()
            .rposition(|e| e.kind == EventKind::Deactivated)
        else {
            continue;
        };
        let later = &effective[di + 1..];
        let Some(rec) = later.iter().find(|e| {
            matches!(
                e.kind,
                EventKind::Seized
                    | EventKind::Found
                    | EventKind::Surrendered
                    | EventKind::Recovered
            )
        }) else {
            continue;
        };
        let serial = backend.weapon(w)?.and_then(|s| s.weapon.serial);
        out.push(ReactivationAlert {
            weapon_id: w,
            serial,
            deactivated: effective[di].clone(),
            recovered: (*rec).clone(),
            acknowledged: later
                .iter()
                .any(|e| e.kind == EventKind::ReactivationDetected),
        });
    }
    Ok(out)
}
