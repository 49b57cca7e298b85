//! The trace workflow over HTTP (docs/tracing.md): a trace's page and JSON, a request drafted
//! from a weapon's recovery record, and each step (send, acknowledge, ask, inform, answer,
//! close), for the web interface and the API alike. The workflow itself is crate::traces',
//! shared with `salw trace`.

use crate::pages::filters;
use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::{Extension, FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use salw_access::Permission;
use salw_store::RecordRef;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{self, ApiResult, audit};
use crate::auth::{self, Caller};
use crate::error::{ApiError, FieldError};
use crate::federation::FederationError;
use crate::pages::{Nav, PageResult, check_csrf, read_form, render};
use crate::params::{ApiJson, Params, PathPair, PathParam};
use crate::state::Shared;
use crate::traces::{
    self, AnswerInput, CloseInput, CreateError, NewTrace, RequestAdditions, TraceView,
};

fn federation_error(e: FederationError) -> ApiError {
    match e {
        FederationError::Field { field, reason } => {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, reason)
        }
        FederationError::Store(e) => ApiError::internal("the trace", e),
    }
}

async fn load(state: &Shared, caller: &Caller, id: &str) -> Result<TraceView, ApiError> {
    let id = id.to_owned();
    let now = chrono::Utc::now();
    let view = state
        .read(move |reg| {
            traces::view(reg.backend(), &id, now).map_err(|e| match e {
                FederationError::Field { reason, .. } => ApiError::not_found(reason),
                other => federation_error(other),
            })
        })
        .await?;
    // The answer may carry a weapon's history with its holders: every view is audited.
    audit(state, caller, "view-trace", &view.trace.id, &view.state).await?;
    Ok(view)
}

// ---------------------------------------------------------------------------------------------
// Creating a request

/// A new trace request: the weapon (id or reference) it is about, the State asked, and what a
/// person adds to what the records say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTraceRequest {
    pub weapon: String,
    pub to: String,
    #[serde(default)]
    pub reference: Option<String>,
    /// The reason, for an urgent request.
    #[serde(default)]
    pub urgent: Option<String>,
    #[serde(default)]
    pub restrictions: Vec<String>,
    pub confidentiality: String,
    #[serde(flatten)]
    pub additions: RequestAdditions,
}

/// Drafts the request; refused with every missing item of DOMAIN.md §6 named.
async fn create(
    state: &Shared,
    caller: &Caller,
    r: NewTraceRequest,
) -> Result<TraceView, ApiError> {
    let by = caller.name.clone();
    let weapon_text = r.weapon.clone();
    let view = state
        .write(move |reg| {
            let wanted = RecordRef::parse(&r.weapon).ok_or_else(|| {
                ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "weapon",
                    "a weapon id or reference is needed",
                )
            })?;
            let stored = reg
                .find_weapon(&wanted)
                .map_err(|e| ApiError::internal("finding the weapon", e))?
                .ok_or_else(|| {
                    ApiError::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "weapon",
                        format!("no weapon is recorded as '{}'", r.weapon.trim()),
                    )
                })?;
            let content = traces::draft_request(reg, &stored, &r.additions)
                .map_err(|e| ApiError::internal("drafting the request", e))?
                .ok_or_else(|| {
                    ApiError::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "weapon",
                        "no seizure, finding, surrender or recovery is recorded for this weapon: record it first",
                    )
                })?;
            let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
            let new = NewTrace {
                partner: r.to.clone(),
                weapon_id: Some(stored.weapon.id),
                reference: if blank(&r.reference) {
                    stored
                        .weapon
                        .reference
                        .clone()
                        .unwrap_or_else(|| stored.weapon.id.to_string())
                } else {
                    r.reference.clone().unwrap_or_default()
                },
                urgent: r.urgent.clone().filter(|u| !u.is_empty()),
                restrictions: r
                    .restrictions
                    .iter()
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                confidentiality: r.confidentiality.clone(),
            };
            traces::create(reg.backend(), &new, &content, &by, chrono::Utc::now()).map_err(
                |e| match e {
                    CreateError::Incomplete(missing) => ApiError::invalid(
                        missing
                            .into_iter()
                            .map(|(field, reason)| FieldError {
                                field,
                                reason,
                                line: None,
                            })
                            .collect(),
                    ),
                    CreateError::Field(e) => federation_error(e),
                    CreateError::Store(e) => ApiError::internal("the trace", e),
                },
            )
        })
        .await?;
    audit(
        state,
        caller,
        "trace-create",
        format!("weapon {weapon_text} to {}", view.trace.partner),
        &view.trace.id,
    )
    .await?;
    Ok(view)
}

pub async fn post_trace(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(request): ApiJson<NewTraceRequest>,
) -> ApiResult {
    let view = create(&state, &caller, request).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Steps

/// What a step takes (each action reads its own fields; the others must be absent or blank).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// ask: what is needed.
    #[serde(default)]
    pub questions: Option<String>,
    /// inform: the information asked for.
    #[serde(default)]
    pub information: Option<String>,
    /// remind: a note for the requested State.
    #[serde(default)]
    pub note: Option<String>,
    /// answer: complete, partial, restricted, delayed or refused.
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub ground: Option<String>,
    #[serde(default)]
    pub findings: Option<String>,
    /// answer: the weapon found here (id or reference), whose history the answer carries.
    #[serde(default)]
    pub weapon: Option<String>,
    #[serde(default)]
    pub next_state: Option<String>,
    #[serde(default)]
    pub restrictions: Vec<String>,
    #[serde(default)]
    pub confidentiality: Option<String>,
    /// close: point-of-diversion-found, chain-broken or exempted.
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub diversion: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

pub const ACTIONS: &[&str] = &[
    "send",
    "acknowledge",
    "ask",
    "inform",
    "remind",
    "answer",
    "close",
];

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Takes a step of a trace; returns what was done, in words.
async fn step(
    state: &Shared,
    caller: &Caller,
    id: String,
    action: String,
    r: StepRequest,
) -> Result<String, ApiError> {
    if !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::not_found(format!(
            "no trace step '{action}'; the steps are {}",
            ACTIONS.join(", ")
        )));
    }
    let by = caller.name.clone();
    let context = api::context(caller, "web");
    let s = state.clone();
    let (asked, act) = (format!("{action} {id}"), action.clone());
    let done = state
        .write(move |reg| {
            let (key, node, now) = (&s.signing_key, &s.node, chrono::Utc::now());
            let missing = |name: &str| {
                ApiError::field(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    name,
                    "is needed for this step",
                )
            };
            let step = match act.as_str() {
                "send" => traces::send(reg.backend(), key, node, &id, &by, now),
                "acknowledge" => traces::acknowledge(reg.backend(), key, node, &id, &by, now),
                "ask" => {
                    let q = text(&r.questions).ok_or_else(|| missing("questions"))?;
                    traces::ask_information(reg.backend(), key, node, &id, &q, &by, now)
                }
                "inform" => {
                    let i = text(&r.information).ok_or_else(|| missing("information"))?;
                    traces::provide_information(reg.backend(), key, node, &id, &i, &by, now)
                }
                "remind" => {
                    let note = text(&r.note);
                    traces::remind(reg.backend(), key, node, &id, note.as_deref(), &by, now)
                }
                "answer" => {
                    let history = match text(&r.weapon) {
                        None => None,
                        Some(w) => {
                            let stored = RecordRef::parse(&w)
                                .map(|wanted| reg.find_weapon(&wanted))
                                .transpose()
                                .map_err(|e| ApiError::internal("finding the weapon", e))?
                                .flatten()
                                .ok_or_else(|| {
                                    ApiError::field(
                                        StatusCode::UNPROCESSABLE_ENTITY,
                                        "weapon",
                                        format!("no weapon is recorded as '{w}'"),
                                    )
                                })?;
                            let events = traces::standing_events(reg, stored.weapon.id)
                                .map_err(|e| ApiError::internal("the weapon's events", e))?;
                            Some(json!({"weapon": stored.weapon, "events": events}))
                        }
                    };
                    let a = AnswerInput {
                        outcome: text(&r.outcome).ok_or_else(|| missing("outcome"))?,
                        ground: text(&r.ground),
                        findings: text(&r.findings),
                        next_state: text(&r.next_state),
                        history,
                        restrictions: r
                            .restrictions
                            .iter()
                            .filter_map(|s| text(&Some(s.clone())))
                            .collect(),
                        confidentiality: text(&r.confidentiality),
                    };
                    traces::answer(reg.backend(), key, node, &id, &a, &by, now)
                }
                _ => {
                    let c = CloseInput {
                        result: text(&r.result).ok_or_else(|| missing("result"))?,
                        reason: text(&r.reason),
                        point_of_diversion: text(&r.diversion),
                    };
                    let v = traces::check_close(reg.backend(), &id, &c, now)
                        .map_err(federation_error)?;
                    // The weapon's tracing status first: a closure that could not record it
                    // is not sent.
                    let traced =
                        traces::record_traced(reg, &context, &v, &c).map_err(federation_error)?;
                    traces::close(reg.backend(), key, node, &id, &c, &by, now).map(|mut s| {
                        if let Some(t) = traced {
                            s.detail = t;
                        }
                        s
                    })
                }
            }
            .map_err(federation_error)?;
            Ok(match act.as_str() {
                "close" => format!("closed; weapon: {}", step.detail),
                _ => format!(
                    "{}: message {} signed and queued; it is sent until it arrives (see Delivery)",
                    step.state,
                    step.message_id.unwrap_or_default()
                ),
            })
        })
        .await?;
    state.outbox_wake.notify_one();
    audit(state, caller, "trace-step", asked, &done).await?;
    Ok(done)
}

pub async fn get_trace(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    Ok(Json(load(&state, &caller, &id).await?).into_response())
}

/// Whether the trace exists (checked before the body is read, so that a wrong id is what the
/// error names).
async fn exists(state: &Shared, id: &str) -> Result<(), ApiError> {
    let id = id.to_owned();
    state
        .read(
            move |reg| match salw_store::TraceBackend::trace(reg.backend(), id.trim()) {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err(ApiError::not_found(format!(
                    "no trace has the id '{}'",
                    id.trim()
                ))),
                Err(e) => Err(ApiError::internal("the trace", e)),
            },
        )
        .await
}

pub async fn post_step(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathPair(id, action): PathPair,
    request: Request,
) -> ApiResult {
    exists(&state, &id).await?;
    let ApiJson(body) = ApiJson::<StepRequest>::from_request(request, &()).await?;
    step(&state, &caller, id.clone(), action, body).await?;
    Ok(Json(load(&state, &caller, &id).await?).into_response())
}

// ---------------------------------------------------------------------------------------------
// Pages

/// A weapon of this registry the marking search proposed for a request received.
pub struct CandidateRow {
    pub weapon_id: String,
    pub serial: String,
    pub score: u64,
    pub what: String,
    pub explanation: String,
}

pub struct StepRow {
    pub state: String,
    pub at: String,
    pub by: String,
    pub detail: String,
    /// What became of the message this node sent for the step; empty for the others.
    pub delivery: String,
}

#[derive(Template)]
#[template(path = "trace.html")]
struct TracePage {
    nav: Nav,
    id: String,
    role: String,
    partner: String,
    reference: String,
    priority: String,
    state: String,
    overdue: String,
    restrictions: Vec<String>,
    confidentiality: String,
    request: Vec<(String, String)>,
    /// What the marking search found here when the request arrived.
    search: String,
    candidates: Vec<CandidateRow>,
    steps: Vec<StepRow>,
    /// The last message sent, when it has not arrived: said at the top, beside the state.
    undelivered: String,
    may_act: bool,
    notice: String,
    error: String,
    outcomes: &'static [&'static str],
    results: &'static [&'static str],
}

fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

fn trace_page(caller: &Caller, v: TraceView, notice: String, error: String) -> TracePage {
    let request: Vec<(String, String)> = serde_json::from_str::<Value>(&v.trace.request)
        .ok()
        .and_then(|r| r.as_object().cloned())
        .map(|o| {
            o.into_iter()
                .map(|(k, v)| (k.replace('_', " "), plain(&v)))
                .filter(|(_, v)| !v.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let restrictions =
        serde_json::from_str::<Vec<String>>(&v.trace.restrictions).unwrap_or_default();
    // A received request's first step holds the marking search's candidates.
    let found = v
        .steps
        .first()
        .filter(|s| s.state == "received")
        .and_then(|s| serde_json::from_str::<Value>(&s.detail).ok())
        .unwrap_or(Value::Null);
    let text_of = |h: &Value, k: &str| h[k].as_str().unwrap_or_default().to_owned();
    let candidates = found["candidates"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| CandidateRow {
                    weapon_id: text_of(h, "weapon_id"),
                    serial: text_of(h, "serial"),
                    score: h["score"].as_u64().unwrap_or(0),
                    what: ["manufacturer", "model", "calibre", "country", "category"]
                        .iter()
                        .map(|k| text_of(h, k))
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" "),
                    explanation: plain(&h["explanation"]),
                })
                .collect()
        })
        .unwrap_or_default();
    let search = text_of(&found, "search");
    let steps = v
        .steps
        .iter()
        .map(|s| StepRow {
            delivery: s
                .message_id
                .as_ref()
                .and_then(|id| v.deliveries.get(id))
                .cloned()
                .unwrap_or_default(),
            state: s.state.clone(),
            at: s.at.clone(),
            by: s.by.clone(),
            detail: serde_json::from_str::<Value>(&s.detail)
                .ok()
                .and_then(|d| d.as_object().cloned())
                .map(|o| {
                    o.iter()
                        .filter(|(k, _)| k.as_str() != "history")
                        .map(|(k, v)| format!("{}: {}", k.replace('_', " "), plain(v)))
                        .collect::<Vec<_>>()
                        .join(" · ")
                })
                .unwrap_or_else(|| s.detail.clone()),
        })
        .collect::<Vec<StepRow>>();
    let undelivered = steps
        .iter()
        .rev()
        .find(|s| !s.delivery.is_empty())
        .filter(|s| !s.delivery.starts_with("delivered"))
        .map(|s| format!("the {} message is {}", s.state, s.delivery))
        .unwrap_or_default();
    TracePage {
        undelivered,
        nav: Nav::of(caller),
        may_act: caller.may(Permission::Trace),
        id: v.trace.id,
        role: v.trace.role,
        partner: v.trace.partner,
        reference: v.trace.reference,
        priority: match v.trace.urgency_reason {
            Some(r) => format!("{} ({r})", v.trace.priority),
            None => v.trace.priority,
        },
        state: v.state,
        overdue: v.overdue.unwrap_or_default(),
        restrictions,
        confidentiality: v.trace.confidentiality,
        request,
        search,
        candidates,
        steps,
        notice,
        error,
        outcomes: salw_federation::trace::OUTCOMES,
        results: salw_federation::trace::RESULTS,
    }
}

pub async fn trace_page_get(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> PageResult {
    params.only(&["done"])?;
    let v = load(&state, &caller, &id).await?;
    let notice = params.text("done").unwrap_or_default();
    Ok(render(&trace_page(&caller, v, notice, String::new())))
}

/// A form field's text, or none when it is blank.
fn filled(form: &crate::pages::Form, name: &str) -> Option<String> {
    Some(form.value(name).to_owned()).filter(|s| !s.trim().is_empty())
}

/// A form field's lines that are not blank (restrictions are typed one a line).
fn lines_of(form: &crate::pages::Form, name: &str) -> Vec<String> {
    form.value(name)
        .lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The form's fields as a step request; restrictions one a line.
fn step_request(form: &crate::pages::Form) -> StepRequest {
    let field = |name: &str| filled(form, name);
    StepRequest {
        questions: field("questions"),
        information: field("information"),
        note: field("note"),
        outcome: field("outcome"),
        ground: field("ground"),
        findings: field("findings"),
        weapon: field("weapon"),
        next_state: field("next_state"),
        restrictions: lines_of(form, "restrictions"),
        confidentiality: field("confidentiality"),
        result: field("result"),
        diversion: field("diversion"),
        reason: field("reason"),
    }
}

pub async fn step_page_post(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathPair(id, action): PathPair,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    match step(&state, &caller, id.clone(), action, step_request(&form)).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/traces/{}?done={}",
            auth::urlencode(&id),
            auth::urlencode(&done)
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let v = load(&state, &caller, &id).await?;
            let page = trace_page(&caller, v, String::new(), e.message);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// What the registry's own records say about a weapon (salw_core::trace::domestic_trace), with
/// the holders' names.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DomesticView {
    #[serde(flatten)]
    pub found: salw_core::trace::DomesticTrace,
    /// The last legal (or last known) holder's name, when the registry has one.
    pub holder_name: Option<String>,
}

fn domestic_of(
    reg: &mut crate::state::Reg,
    home: &str,
    stored: &salw_store::StoredWeapon,
) -> Result<DomesticView, ApiError> {
    use salw_core::trace::DomesticTrace;
    let internal = |e| ApiError::internal("the domestic trace", e);
    let events = traces::standing_events(reg, stored.weapon.id).map_err(internal)?;
    let found = salw_core::trace::domestic_trace(&stored.weapon, &events, home);
    let holder = match &found {
        DomesticTrace::PointOfDiversion {
            last_legal_holder, ..
        } => *last_legal_holder,
        DomesticTrace::AskStates {
            last_known_holder, ..
        } => *last_known_holder,
    };
    let holder_name = match holder {
        Some(id) => salw_store::Backend::person(reg.backend(), id)
            .map_err(internal)?
            .map(|p| p.name),
        None => None,
    };
    Ok(DomesticView { found, holder_name })
}

/// `GET /api/v1/weapons/{id}/domestic-trace`: the point of diversion the records show, or the
/// States to ask (audited: it names the holder).
pub async fn get_domestic(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let home = state.node.country.clone().unwrap_or_default();
    let wanted = api::record_ref(&id, "weapon")?;
    let view = state
        .read(move |reg| {
            let stored = reg
                .find_weapon(&wanted)
                .map_err(|e| ApiError::internal("the weapon", e))?
                .ok_or_else(|| ApiError::not_found("no weapon has this id or reference"))?;
            domestic_of(reg, &home, &stored)
        })
        .await?;
    audit(
        &state,
        &caller,
        "domestic-trace",
        id,
        view.holder_name
            .clone()
            .unwrap_or_else(|| "no holder".into()),
    )
    .await?;
    Ok(Json(view).into_response())
}

#[derive(Template)]
#[template(path = "trace_form.html")]
struct TraceForm {
    nav: Nav,
    weapon: String,
    weapon_label: String,
    /// The domestic trace, in sentences.
    domestic: Vec<String>,
    partners: Vec<String>,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    general: Vec<String>,
}

impl TraceForm {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
    fn error(&self, name: &str) -> &str {
        self.errors.get(name).map(String::as_str).unwrap_or("")
    }
}

/// The form's fields, and what the weapon's records already fill in.
const FORM_FIELDS: &[&str] = traces::GIVEN_FIELDS;

async fn trace_form(
    state: &Shared,
    caller: &Caller,
    weapon: &str,
    mut values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    general: Vec<String>,
) -> Result<TraceForm, ApiError> {
    let w = weapon.to_owned();
    let home = state.node.country.clone().unwrap_or_default();
    let (label, drafted, partners, domestic) = state
        .read(move |reg| {
            let internal = |e| ApiError::internal("the weapon", e);
            let stored = RecordRef::parse(&w)
                .map(|r| reg.find_weapon(&r))
                .transpose()
                .map_err(internal)?
                .flatten()
                .ok_or_else(|| ApiError::not_found(format!("no weapon is recorded as '{w}'")))?;
            let drafted = traces::draft_request(reg, &stored, &RequestAdditions::default())
                .map_err(internal)?;
            let partners = salw_store::FederationBackend::peers(reg.backend())
                .map_err(internal)?
                .into_iter()
                .map(|p| p.country)
                .collect::<Vec<_>>();
            let wpn = &stored.weapon;
            let label = [
                wpn.manufacturer.clone(),
                wpn.model.clone(),
                wpn.serial.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let domestic = domestic_of(reg, &home, &stored)?;
            Ok((label, drafted, partners, domestic))
        })
        .await?;
    // The page names the holder: audited, as every view of personal data.
    audit(
        state,
        caller,
        "domestic-trace",
        weapon,
        domestic
            .holder_name
            .clone()
            .unwrap_or_else(|| "no holder".into()),
    )
    .await?;
    // The States the domestic trace names: the first registered one is proposed.
    let (sentences, first_state) = domestic_sentences(&domestic);
    if let Some(c) = first_state.filter(|c| partners.contains(c)) {
        values.entry("to".to_owned()).or_insert(c);
    }
    let mut general = general;
    match drafted {
        None => general.push(
            "No seizure, finding, surrender or recovery is recorded for this weapon: record it first."
                .into(),
        ),
        Some(c) => {
            for (name, value) in [
                ("illicit_basis", c.illicit_basis),
                ("circumstances", c.circumstances),
                ("serial_status", c.serial_status),
                ("import_marks", c.import_marks),
                ("intended_use", c.intended_use),
            ] {
                if let Some(v) = value {
                    values.entry(name.to_owned()).or_insert(v);
                }
            }
            if !c.photos.is_empty() {
                general.push(format!(
                    "Photographs in the registry go with the request: {}.",
                    c.photos.join(", ")
                ));
            }
        }
    }
    Ok(TraceForm {
        nav: Nav::of(caller),
        weapon: weapon.to_owned(),
        weapon_label: label,
        domestic: sentences,
        partners,
        values,
        errors,
        general,
    })
}

pub async fn new_trace_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["weapon"])?;
    let weapon = params
        .text("weapon")
        .ok_or_else(|| ApiError::field(StatusCode::BAD_REQUEST, "weapon", "is needed"))?;
    let form = trace_form(
        &state,
        &caller,
        &weapon,
        BTreeMap::new(),
        BTreeMap::new(),
        Vec::new(),
    )
    .await?;
    Ok(render(&form))
}

pub async fn create_trace_page(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let field = |name: &str| filled(&form, name);
    let request = NewTraceRequest {
        weapon: form.value("weapon").to_owned(),
        to: form.value("to").to_owned(),
        reference: field("reference"),
        urgent: field("urgent"),
        restrictions: lines_of(&form, "restrictions"),
        confidentiality: form.value("confidentiality").to_owned(),
        additions: RequestAdditions {
            illicit_basis: field("illicit_basis"),
            circumstances: field("circumstances"),
            serial_status: field("serial_status"),
            import_marks: field("import_marks"),
            photos: field("photos"),
            intended_use: field("intended_use"),
        },
    };
    let weapon = request.weapon.clone();
    match create(&state, &caller, request).await {
        Ok(v) => Ok(Redirect::to(&format!(
            "/traces/{}?done={}",
            v.trace.id,
            auth::urlencode("Drafted: check it, then send it.")
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let values: BTreeMap<String, String> = FORM_FIELDS
                .iter()
                .map(|f| ((*f).to_owned(), form.value(f).to_owned()))
                .collect();
            let mut errors = BTreeMap::new();
            let mut general = Vec::new();
            for fe in &e.errors {
                if FORM_FIELDS.contains(&fe.field.as_str()) {
                    errors.insert(fe.field.clone(), fe.reason.clone());
                } else {
                    general.push(format!("{}: {}", fe.field.replace('_', " "), fe.reason));
                }
            }
            let page = trace_form(&state, &caller, &weapon, values, errors, general).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Lost and stolen alerts (crate::alerts)

/// What the node shares, what it received, and the hits.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AlertsView {
    pub sharing_with: Vec<String>,
    pub received: Vec<AlertCount>,
    pub hits: Vec<salw_store::AlertHit>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AlertCount {
    pub partner: String,
    pub alerts: u64,
}

pub async fn alerts_view(state: &Shared) -> Result<AlertsView, ApiError> {
    state
        .read(|reg| {
            let internal = |e| ApiError::internal("the alerts", e);
            let b = reg.backend();
            Ok(AlertsView {
                sharing_with: crate::alerts::sharing_partners(b).map_err(internal)?,
                received: salw_store::AlertBackend::partner_alert_counts(b)
                    .map_err(internal)?
                    .into_iter()
                    .map(|(partner, alerts)| AlertCount { partner, alerts })
                    .collect(),
                hits: salw_store::AlertBackend::alert_hits(b).map_err(internal)?,
            })
        })
        .await
}

/// `GET /api/v1/alerts` (audited: hits name weapons).
pub async fn get_alerts(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let view = alerts_view(&state).await?;
    audit(
        &state,
        &caller,
        "view-alerts",
        "all",
        format!("{} hit(s)", view.hits.len()),
    )
    .await?;
    Ok(Json(view).into_response())
}

/// The domestic trace in sentences, and the first State it says to ask.
fn domestic_sentences(d: &DomesticView) -> (Vec<String>, Option<String>) {
    use salw_core::trace::DomesticTrace;
    let holder = d.holder_name.clone();
    match &d.found {
        DomesticTrace::PointOfDiversion { on, how, .. } => {
            let mut out = vec![format!(
                "The records here show the point of diversion: {how}{}.",
                on.map(|d| format!(" ({d})")).unwrap_or_default()
            )];
            if let Some(h) = holder {
                out.push(format!("Last legal holder: {h}."));
            }
            out.push("A request abroad may not be needed.".into());
            (out, None)
        }
        DomesticTrace::AskStates { states, why, .. } => {
            let mut out = vec![format!("No point of diversion in the records here: {why}.")];
            if let Some(h) = holder {
                out.push(format!("Last known holder: {h}."));
            }
            for s in states {
                out.push(format!("Ask {}: {}.", s.country, s.why));
            }
            (out, states.first().map(|s| s.country.clone()))
        }
    }
}
