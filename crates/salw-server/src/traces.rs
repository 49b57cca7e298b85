//! The trace workflow (DOMAIN.md §6) over the federation's messages: a request created from a
//! recovery record, sent, acknowledged, answered and closed, each step a row of the trace
//! (salw_store::traces) and, between nodes, a signed message (docs/tracing.md).
//!
//! The requesting node: `create` (a draft, refused while an item of DOMAIN.md §6 is missing),
//! `send`, `close`. The requested node: `acknowledge`, `answer`. What arrives from a partner is
//! applied by `apply_incoming`, inside the inbox's transaction, so that it takes effect once.

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::SigningKey;
use salw_core::trace::RequestContent;
use salw_core::{EventKind, LifecycleEvent};
use salw_federation::{Draft, Kind, timestamp};
use salw_search::{Filters, Searcher};
use salw_store::{
    Backend, FederationBackend, NodeInfo, Registry, StoreError, StoredWeapon, TraceBackend,
    TraceRecord, TraceStep, WriteContext,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::federation::{self, FederationError, field};

/// Where a partner's deadlines are kept (`salw trace deadlines`): "ACK_HOURS ANSWER_HOURS".
pub fn deadline_meta(country: &str) -> String {
    format!("trace.deadlines.{country}")
}

/// The documented fallback when no deadline is set for a partner (docs/tracing.md): no
/// deadline is fixed internationally; these follow the usual practice of a week to acknowledge
/// and a month to answer a routine request, a day and a week an urgent one.
pub fn fallback_hours(priority: &str) -> (i64, i64) {
    if priority == "urgent" {
        (24, 7 * 24)
    } else {
        (7 * 24, 30 * 24)
    }
}

/// The hours to acknowledge and to answer set for a partner, if any.
pub fn partner_hours<B: Backend>(
    backend: &mut B,
    country: &str,
) -> Result<Option<(i64, i64)>, StoreError> {
    let Some(text) = backend.meta(&deadline_meta(country))? else {
        return Ok(None);
    };
    let mut parts = text.split_whitespace().map(str::parse::<i64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b))) => Ok(Some((a, b))),
        _ => Err(StoreError::Corrupt(format!(
            "the deadlines of {country} read '{text}'"
        ))),
    }
}

pub fn set_partner_hours<B: Backend>(
    backend: &mut B,
    country: &str,
    acknowledge_hours: i64,
    answer_hours: i64,
) -> Result<String, FederationError> {
    let country = salw_core::country::parse(country).map_err(|e| field("country", e))?;
    if acknowledge_hours <= 0 {
        return Err(field(
            "acknowledge-hours",
            "must be a positive number of hours",
        ));
    }
    if answer_hours < acknowledge_hours {
        return Err(field(
            "answer-hours",
            "must be at least the hours to acknowledge",
        ));
    }
    backend.set_meta(
        &deadline_meta(country),
        &format!("{acknowledge_hours} {answer_hours}"),
    )?;
    Ok(country.to_owned())
}

/// A trace with its steps, and what they add up to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TraceView {
    #[serde(flatten)]
    pub trace: TraceRecord,
    pub state: String,
    pub steps: Vec<TraceStep>,
    /// Why it is overdue at the time asked, if it is.
    pub overdue: Option<String>,
    /// What became of each message this node sent for the trace, by message id: delivered,
    /// still being tried, or given up (the outbox). A step says "sent" when the message is
    /// signed and queued; this says whether it arrived.
    pub deliveries: std::collections::BTreeMap<String, String>,
    /// The fate of the last message this node sent for the trace, in a word or two, for a list.
    #[serde(skip)]
    pub last_delivery: Option<&'static str>,
}

impl TraceView {
    pub fn new(trace: TraceRecord, steps: Vec<TraceStep>, now: DateTime<Utc>) -> TraceView {
        let state = steps
            .last()
            .map(|s| s.state.clone())
            .unwrap_or_else(|| "draft".into());
        let opened = steps
            .iter()
            .find(|s| s.state == "sent" || s.state == "received");
        let now = timestamp(now);
        let overdue = opened.and_then(|o| {
            let late = |due: &Option<String>| due.as_ref().filter(|d| **d < now).cloned();
            match state.as_str() {
                "sent" | "received" => late(&o.acknowledge_by)
                    .map(|d| format!("acknowledgement was due by {d}"))
                    .or_else(|| late(&o.answer_by).map(|d| format!("answer was due by {d}"))),
                "acknowledged" | "more-information-requested" | "information-provided" => {
                    late(&o.answer_by).map(|d| format!("answer was due by {d}"))
                }
                _ => None,
            }
        });
        TraceView {
            trace,
            state,
            steps,
            overdue,
            deliveries: std::collections::BTreeMap::new(),
            last_delivery: None,
        }
    }

    /// Fills in what became of each message this node sent for the trace (its outbox).
    fn with_deliveries<B: FederationBackend>(
        mut self,
        backend: &mut B,
    ) -> Result<Self, StoreError> {
        let sent: Vec<String> = self
            .steps
            .iter()
            .filter_map(|s| s.message_id.clone())
            .collect();
        for id in sent {
            // Only the messages this node sent are in its outbox.
            if let Some(m) = backend.sent(&id)? {
                self.deliveries.insert(id, delivery(&m));
                self.last_delivery = Some(match (&m.delivered_at, &m.abandoned) {
                    (Some(_), _) => "delivered",
                    (None, Some(_)) => "given up",
                    (None, None) => "not delivered yet",
                });
            }
        }
        Ok(self)
    }

    /// The message id the request travelled as.
    pub fn request_message(&self) -> Option<&str> {
        self.steps
            .iter()
            .find(|s| s.state == "sent" || s.state == "received")
            .and_then(|s| s.message_id.as_deref())
    }
}

pub fn view<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    id: &str,
    now: DateTime<Utc>,
) -> Result<TraceView, FederationError> {
    let trace = backend
        .trace(id.trim())?
        .ok_or_else(|| field("id", format!("no trace has the id '{}'", id.trim())))?;
    let steps = backend.trace_steps(&trace.id)?;
    Ok(TraceView::new(trace, steps, now).with_deliveries(backend)?)
}

/// A sent message's fate, in words.
pub fn delivery(m: &salw_store::OutboxMessage) -> String {
    match (&m.delivered_at, &m.abandoned) {
        (Some(at), _) => format!("delivered {at}"),
        (None, Some(why)) => format!("not delivered: given up ({why})"),
        (None, None) => format!(
            "not delivered yet: {} attempt(s){}; next attempt {}",
            m.attempts,
            m.last_error
                .as_deref()
                .map(|e| format!(", the last failed: {e}"))
                .unwrap_or_default(),
            m.next_attempt_at
        ),
    }
}

pub fn list<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    now: DateTime<Utc>,
) -> Result<Vec<TraceView>, StoreError> {
    let mut out = Vec::new();
    for t in backend.traces()? {
        let steps = backend.trace_steps(&t.id)?;
        out.push(TraceView::new(t, steps, now).with_deliveries(backend)?);
    }
    Ok(out)
}

/// What `create` needs beyond the content.
#[derive(Debug, Clone)]
pub struct NewTrace {
    pub partner: String,
    pub weapon_id: Option<Uuid>,
    pub reference: String,
    pub urgent: Option<String>,
    pub restrictions: Vec<String>,
    pub confidentiality: String,
}

/// A draft trace request, refused (each missing item named) until its content is complete.
pub fn create<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    new: &NewTrace,
    content: &RequestContent,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceView, CreateError> {
    // Every missing or wrong item at once, so that the form is corrected in one go.
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut problem = |f: &str, r: String| problems.push((f.to_owned(), r));
    let partner = if new.partner.trim().is_empty() {
        problem(
            "to",
            "required: the State asked (a partner's country code)".into(),
        );
        String::new()
    } else {
        match salw_core::country::parse(&new.partner) {
            Ok(code) => code.to_owned(),
            Err(e) => {
                problem("to", e);
                String::new()
            }
        }
    };
    if !partner.is_empty() && !backend.peers()?.iter().any(|p| p.country == partner) {
        problem(
            "to",
            format!("no partner is registered for {partner}; add it with `salw peer add`"),
        );
    }
    if new.reference.trim().is_empty() {
        problem("reference", "must not be empty".into());
    }
    if let Some(reason) = &new.urgent
        && reason.trim().is_empty()
    {
        problem("urgent", "an urgent request needs its reason".into());
    }
    if new.confidentiality.trim().is_empty() {
        problem("confidentiality", "must not be empty".into());
    }
    for (f, r) in content.problems() {
        problem(f, r);
    }
    if !problems.is_empty() {
        return Err(CreateError::Incomplete(problems));
    }
    let trace = TraceRecord {
        id: Uuid::now_v7().to_string(),
        role: "sent".into(),
        partner,
        weapon_id: new.weapon_id.map(|w| w.to_string()),
        reference: new.reference.trim().to_owned(),
        priority: if new.urgent.is_some() {
            "urgent"
        } else {
            "routine"
        }
        .into(),
        urgency_reason: new.urgent.as_ref().map(|r| r.trim().to_owned()),
        request: serde_json::to_string(content).map_err(StoreError::from)?,
        restrictions: serde_json::to_string(&new.restrictions).map_err(StoreError::from)?,
        confidentiality: new.confidentiality.trim().to_owned(),
        created_at: timestamp(now),
        created_by: by.to_owned(),
    };
    backend.begin()?;
    let done = (|| {
        backend.insert_trace(&trace)?;
        backend.add_trace_step(&step(&trace.id, "draft", by, now, None, json!({})))
    })();
    finish(backend, done)?;
    view(backend, &trace.id, now).map_err(CreateError::Field)
}

/// The items of a trace request a person gives, where the weapon's records do not say them:
/// the request form's fields and `salw trace create`'s options.
pub const GIVEN_FIELDS: &[&str] = &[
    "to",
    "reference",
    "urgent",
    "illicit_basis",
    "circumstances",
    "serial_status",
    "import_marks",
    "photos",
    "intended_use",
    "restrictions",
    "confidentiality",
];

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Field(FederationError),
    /// Items missing or wrong, each with its field: (field, reason).
    #[error("the request is incomplete")]
    Incomplete(Vec<(String, String)>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn finish<B: Backend>(backend: &mut B, done: Result<(), StoreError>) -> Result<(), StoreError> {
    match done {
        Ok(()) => backend.commit(),
        Err(e) => {
            let _ = backend.rollback();
            Err(e)
        }
    }
}

fn step(
    id: &str,
    state: &str,
    by: &str,
    now: DateTime<Utc>,
    message: Option<&str>,
    detail: Value,
) -> TraceStep {
    TraceStep {
        trace_id: id.to_owned(),
        state: state.to_owned(),
        at: timestamp(now),
        by: by.to_owned(),
        message_id: message.map(str::to_owned),
        acknowledge_by: None,
        answer_by: None,
        detail: detail.to_string(),
    }
}

fn expect(v: &TraceView, role: &str, states: &[&str], doing: &str) -> Result<(), FederationError> {
    if v.trace.role != role {
        return Err(field(
            "id",
            format!(
                "trace {} was {} by this node: only a trace {role} here can be {doing}",
                v.trace.id, v.trace.role
            ),
        ));
    }
    if !states.contains(&v.state.as_str()) {
        return Err(field(
            "id",
            format!(
                "trace {} is {}: it can be {doing} only when {}",
                v.trace.id,
                v.state,
                states.join(" or ")
            ),
        ));
    }
    Ok(())
}

/// Queues a message and adds its step, in one transaction.
#[allow(clippy::too_many_arguments)]
fn send_step<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    v: &TraceView,
    kind: Kind,
    body: Map<String, Value>,
    mut s: TraceStep,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    backend.begin()?;
    let result = federation::enqueue(backend, key, node, &v.trace.partner, kind, body, now)
        .and_then(|m| {
            s.message_id = Some(m.id);
            backend.add_trace_step(&s)?;
            Ok(())
        });
    match result {
        Ok(()) => {
            backend.commit()?;
            Ok(s)
        }
        Err(e) => {
            let _ = backend.rollback();
            Err(e)
        }
    }
}

/// Sends a draft to its partner, with the deadlines set for that partner (or the fallback).
pub fn send<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    id: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    let v = view(backend, id, now)?;
    expect(&v, "sent", &["draft"], "sent")?;
    let t = &v.trace;
    let (ack, answer) = match partner_hours(backend, &t.partner)? {
        Some(h) => h,
        None => fallback_hours(&t.priority),
    };
    let acknowledge_by = timestamp(now + Duration::hours(ack));
    let answer_by = timestamp(now + Duration::hours(answer));
    let request: Value = serde_json::from_str(&t.request).map_err(StoreError::from)?;
    let restrictions: Value = serde_json::from_str(&t.restrictions).map_err(StoreError::from)?;
    let mut body = Map::new();
    body.insert("reference".into(), json!(t.reference));
    body.insert("priority".into(), json!(t.priority));
    if let Some(r) = &t.urgency_reason {
        body.insert("urgency_reason".into(), json!(r));
    }
    body.insert("request".into(), request);
    body.insert("restrictions".into(), restrictions);
    body.insert("confidentiality".into(), json!(t.confidentiality));
    body.insert("acknowledge_by".into(), json!(acknowledge_by));
    body.insert("answer_by".into(), json!(answer_by));
    let mut s = step(&t.id, "sent", by, now, None, json!({}));
    s.acknowledge_by = Some(acknowledge_by);
    s.answer_by = Some(answer_by);
    send_step(backend, key, node, &v, Kind::TraceRequest, body, s, now)
}

fn reply_body(v: &TraceView) -> Result<Map<String, Value>, FederationError> {
    let request = v
        .request_message()
        .ok_or_else(|| field("id", "the trace has no request message"))?;
    let mut body = Map::new();
    body.insert("in_reply_to".into(), json!(request));
    Ok(body)
}

/// The requested node acknowledges receipt.
pub fn acknowledge<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    id: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    let v = view(backend, id, now)?;
    expect(&v, "received", &["received"], "acknowledged")?;
    let body = reply_body(&v)?;
    let s = step(&v.trace.id, "acknowledged", by, now, None, json!({}));
    send_step(
        backend,
        key,
        node,
        &v,
        Kind::TraceAcknowledgement,
        body,
        s,
        now,
    )
}

/// The requested node asks the requesting one for more information (DOMAIN.md §6).
pub fn ask_information<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    id: &str,
    questions: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    let v = view(backend, id, now)?;
    expect(
        &v,
        "received",
        &["received", "acknowledged", "information-provided"],
        "asked about",
    )?;
    let questions = questions.trim();
    if questions.is_empty() {
        return Err(field("questions", "say what information is needed"));
    }
    let mut body = reply_body(&v)?;
    body.insert("questions".into(), json!(questions));
    let s = step(
        &v.trace.id,
        "more-information-requested",
        by,
        now,
        None,
        Value::Object(body.clone()),
    );
    send_step(
        backend,
        key,
        node,
        &v,
        Kind::TraceInformationRequest,
        body,
        s,
        now,
    )
}

/// The requesting node provides the information its partner asked for.
pub fn provide_information<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    id: &str,
    information: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    let v = view(backend, id, now)?;
    expect(
        &v,
        "sent",
        &["more-information-requested"],
        "given information",
    )?;
    let information = information.trim();
    if information.is_empty() {
        return Err(field("information", "must not be empty"));
    }
    let mut body = reply_body(&v)?;
    body.insert("information".into(), json!(information));
    let s = step(
        &v.trace.id,
        "information-provided",
        by,
        now,
        None,
        Value::Object(body.clone()),
    );
    send_step(backend, key, node, &v, Kind::TraceInformation, body, s, now)
}

/// The states of a request sent and not yet answered.
const AWAITING_ANSWER: &[&str] = &[
    "sent",
    "acknowledged",
    "more-information-requested",
    "information-provided",
];

/// Reminds the requested State of a request still unanswered. The trace's state does not
/// change: the step repeats it, with the reminder as its detail.
pub fn remind<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    id: &str,
    note: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    let v = view(backend, id, now)?;
    expect(&v, "sent", AWAITING_ANSWER, "reminded")?;
    let mut body = reply_body(&v)?;
    if let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) {
        body.insert("note".into(), json!(n));
    }
    let mut detail = body.clone();
    detail.insert(
        "reminder".into(),
        json!(v.overdue.as_deref().unwrap_or("sent")),
    );
    let s = step(&v.trace.id, &v.state, by, now, None, Value::Object(detail));
    send_step(backend, key, node, &v, Kind::TraceReminder, body, s, now)
}

/// An answer of the requested node.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub outcome: String,
    pub ground: Option<String>,
    pub findings: Option<String>,
    /// The State to ask next (the weapon was exported there…).
    pub next_state: Option<String>,
    /// The records' history of the weapon found, as JSON.
    pub history: Option<Value>,
    pub restrictions: Vec<String>,
    pub confidentiality: Option<String>,
}

pub fn answer<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    id: &str,
    a: &AnswerInput,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    let v = view(backend, id, now)?;
    expect(
        &v,
        "received",
        &[
            "received",
            "acknowledged",
            "more-information-requested",
            "information-provided",
        ],
        "answered",
    )?;
    let outcome = a.outcome.trim();
    if !salw_federation::trace::OUTCOMES.contains(&outcome) {
        return Err(field(
            "outcome",
            format!(
                "'{outcome}' is not one of {}",
                salw_federation::trace::OUTCOMES.join(", ")
            ),
        ));
    }
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let ground = text(&a.ground);
    if outcome == "refused" && ground.is_none() {
        return Err(field(
            "ground",
            "a refusal says its ground (ongoing investigation, confidentiality, national security…)",
        ));
    }
    let mut body = reply_body(&v)?;
    body.insert("outcome".into(), json!(outcome));
    if let Some(g) = ground {
        body.insert("ground".into(), json!(g));
    }
    if let Some(f) = text(&a.findings) {
        body.insert("findings".into(), json!(f));
    }
    if let Some(n) = text(&a.next_state) {
        let n = salw_core::country::parse(&n).map_err(|e| field("next-state", e))?;
        body.insert("next_state".into(), json!(n));
    }
    if let Some(h) = &a.history {
        body.insert("history".into(), h.clone());
    }
    if !a.restrictions.is_empty() {
        body.insert("restrictions".into(), json!(a.restrictions));
    }
    if let Some(c) = text(&a.confidentiality) {
        body.insert("confidentiality".into(), json!(c));
    }
    let detail = Value::Object(body.clone());
    let s = step(&v.trace.id, "answered", by, now, None, detail);
    send_step(backend, key, node, &v, Kind::TraceAnswer, body, s, now)
}

/// How the requesting node closes a trace.
#[derive(Debug, Clone, Default)]
pub struct CloseInput {
    /// `point-of-diversion-found`, `chain-broken` or `exempted`.
    pub result: String,
    pub reason: Option<String>,
    /// Where and when the weapon became illicit, in words.
    pub point_of_diversion: Option<String>,
}

/// Checks a closure before anything is written (the caller records the weapon's `traced`
/// event between this check and `close`).
pub fn check_close<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    id: &str,
    c: &CloseInput,
    now: DateTime<Utc>,
) -> Result<TraceView, FederationError> {
    let v = view(backend, id, now)?;
    let closable: Vec<&str> = AWAITING_ANSWER
        .iter()
        .copied()
        .chain(["answered"])
        .collect();
    expect(&v, "sent", &closable, "closed")?;
    let result = c.result.trim();
    if !salw_federation::trace::RESULTS.contains(&result) {
        return Err(field(
            "result",
            format!(
                "'{result}' is not one of {}",
                salw_federation::trace::RESULTS.join(", ")
            ),
        ));
    }
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    if result == "point-of-diversion-found" && blank(&c.point_of_diversion) {
        return Err(field(
            "diversion",
            "say where and when the weapon became illicit (the last legal holder)",
        ));
    }
    if result != "point-of-diversion-found" && blank(&c.reason) {
        return Err(field(
            "reason",
            format!("a trace closed as {result} says why"),
        ));
    }
    Ok(v)
}

pub fn close<B: TraceBackend + FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    id: &str,
    c: &CloseInput,
    by: &str,
    now: DateTime<Utc>,
) -> Result<TraceStep, FederationError> {
    let v = check_close(backend, id, c, now)?;
    let mut body = reply_body(&v)?;
    body.insert("result".into(), json!(c.result.trim()));
    if let Some(r) = c.reason.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        body.insert("reason".into(), json!(r));
    }
    if let Some(p) = c
        .point_of_diversion
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        body.insert("point_of_diversion".into(), json!(p));
    }
    let detail = Value::Object(body.clone());
    let s = step(&v.trace.id, "closed", by, now, None, detail);
    send_step(backend, key, node, &v, Kind::TraceClosure, body, s, now)
}

/// How many candidates the marking search keeps for a received request.
const CANDIDATES: usize = 10;

/// The marking search over this registry for a received request: the candidates, or why none
/// could be looked for.
/// The marking search for a request's serial: with the server's index when it is given (a
/// registry of millions answers in milliseconds), otherwise over every serial.
fn candidates<B: Backend>(backend: &mut B, request: &Value, index: Option<&Searcher>) -> Value {
    let Some(serial) = request["serial"].as_str().filter(|s| !s.trim().is_empty()) else {
        return json!({"candidates": [], "search": "the request gives no serial to search"});
    };
    let brute;
    let searcher = match index {
        Some(s) => s,
        None => match Searcher::brute_force(backend) {
            Ok(s) => {
                brute = s;
                &brute
            }
            Err(e) => return json!({"candidates": [], "search": format!("search failed: {e}")}),
        },
    };
    let filters = Filters {
        // A partner's blank make is no make (it would keep only weapons with any make).
        make: request["make"]
            .as_str()
            .filter(|m| !m.trim().is_empty())
            .map(str::to_owned),
        ..Filters::default()
    };
    let mut found = searcher.search(backend, serial, &filters, CANDIDATES);
    if matches!(&found, Ok(f) if f.hits.is_empty()) {
        found = searcher.search(backend, serial, &Filters::default(), CANDIDATES);
    }
    match found {
        Ok(f) => json!({"candidates": f.hits, "search": format!("marking search for '{serial}'")}),
        Err(e) => {
            json!({"candidates": [], "search": format!("'{serial}' could not be searched: {e}")})
        }
    }
}

/// Applies a received trace message (inside the inbox's transaction; the reply was checked to
/// answer a request exchanged with its sender).
pub fn apply_incoming<B: TraceBackend + FederationBackend + salw_store::AlertBackend>(
    backend: &mut B,
    d: &Draft,
    now: DateTime<Utc>,
    index: Option<&Searcher>,
) -> Result<(), StoreError> {
    let by = format!("node {}", d.from.country);
    let message = d.id.to_string();
    let text = |name: &str| d.body.get(name).and_then(Value::as_str).map(str::to_owned);
    match d.kind {
        Kind::Ping => Ok(()),
        Kind::LostStolenAlert | Kind::AlertHit => crate::alerts::apply_incoming(backend, d, now),
        Kind::TraceRequest => {
            let request = d.body.get("request").cloned().unwrap_or(Value::Null);
            let restrictions = d.body.get("restrictions").cloned().unwrap_or(json!([]));
            let trace = TraceRecord {
                id: Uuid::now_v7().to_string(),
                role: "received".into(),
                partner: d.from.country.clone(),
                weapon_id: None,
                reference: text("reference").unwrap_or_default(),
                priority: text("priority").unwrap_or_else(|| "routine".into()),
                urgency_reason: text("urgency_reason"),
                request: request.to_string(),
                restrictions: restrictions.to_string(),
                confidentiality: text("confidentiality").unwrap_or_else(|| "not stated".into()),
                created_at: timestamp(now),
                created_by: by.clone(),
            };
            backend.insert_trace(&trace)?;
            let found = candidates(backend, &request, index);
            let mut s = step(&trace.id, "received", &by, now, Some(&message), found);
            s.acknowledge_by = text("acknowledge_by");
            s.answer_by = text("answer_by");
            backend.add_trace_step(&s)
        }
        Kind::TraceAcknowledgement
        | Kind::TraceAnswer
        | Kind::TraceClosure
        | Kind::TraceInformationRequest
        | Kind::TraceInformation
        | Kind::TraceReminder => {
            let request = salw_federation::trace::in_reply_to(&d.body)
                .map_err(|e| StoreError::Invalid(e.to_string()))?
                .to_string();
            let Some(trace) = backend.trace_of_request(&request)? else {
                // A request sent from code without a trace record (docs/federation.md): kept in
                // the inbox only.
                return Ok(());
            };
            let state = match d.kind {
                Kind::TraceAcknowledgement => "acknowledged",
                Kind::TraceAnswer => "answered",
                Kind::TraceInformationRequest => "more-information-requested",
                Kind::TraceInformation => "information-provided",
                // A reminder leaves the state as it is.
                Kind::TraceReminder => "",
                _ => "closed",
            };
            let mut detail = d.body.clone();
            let state = if state.is_empty() {
                detail.insert("reminder".into(), json!(format!("from {}", d.from.country)));
                backend
                    .trace_steps(&trace.id)?
                    .last()
                    .map(|s| s.state.clone())
                    .unwrap_or_else(|| "received".into())
            } else {
                state.to_owned()
            };
            backend.add_trace_step(&step(
                &trace.id,
                &state,
                &by,
                now,
                Some(&message),
                Value::Object(detail),
            ))
        }
    }
}

/// How a partner State answered this node's requests (or this node answered its requests):
/// of the requests sent, how many were acknowledged and answered, and the median time to each.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartnerStats {
    pub partner: String,
    /// `sent` (the partner's responses to this node) or `received` (this node's to it).
    pub role: String,
    pub requests: u64,
    pub acknowledged: u64,
    pub answered: u64,
    /// Answered / requests, in per cent (rounded down); none without requests.
    pub response_rate_percent: Option<u64>,
    pub median_hours_to_acknowledge: Option<f64>,
    pub median_hours_to_answer: Option<f64>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn hours_between(from: &str, to: &str) -> Option<f64> {
    let a = DateTime::parse_from_rfc3339(from).ok()?;
    let b = DateTime::parse_from_rfc3339(to).ok()?;
    Some((b - a).num_seconds() as f64 / 3600.0)
}

/// Per partner and direction: response rate and median times, from the traces' steps (a
/// request counts from its `sent` or `received` step; a trace still in draft does not count).
pub fn partner_stats(views: &[TraceView]) -> Vec<PartnerStats> {
    let mut groups: std::collections::BTreeMap<(String, String), Vec<&TraceView>> =
        Default::default();
    for v in views {
        if v.request_message().is_some() {
            groups
                .entry((v.trace.partner.clone(), v.trace.role.clone()))
                .or_default()
                .push(v);
        }
    }
    groups
        .into_iter()
        .map(|((partner, role), vs)| {
            let mut to_ack = Vec::new();
            let mut to_answer = Vec::new();
            for v in &vs {
                let Some(opened) = v
                    .steps
                    .iter()
                    .find(|s| s.state == "sent" || s.state == "received")
                else {
                    continue;
                };
                let at = |state: &str| {
                    v.steps
                        .iter()
                        .find(|s| s.state == state)
                        .map(|s| s.at.as_str())
                };
                // An answer without an acknowledgement acknowledges too.
                if let Some(h) = at("acknowledged")
                    .or(at("answered"))
                    .and_then(|t| hours_between(&opened.at, t))
                {
                    to_ack.push(h);
                }
                if let Some(h) = at("answered").and_then(|t| hours_between(&opened.at, t)) {
                    to_answer.push(h);
                }
            }
            let requests = vs.len() as u64;
            PartnerStats {
                partner,
                role,
                requests,
                acknowledged: to_ack.len() as u64,
                answered: to_answer.len() as u64,
                response_rate_percent: (requests > 0)
                    .then(|| to_answer.len() as u64 * 100 / requests),
                median_hours_to_acknowledge: median(to_ack),
                median_hours_to_answer: median(to_answer),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partner may send its request with a blank make: that is no make, not a make no
    /// weapon has, so a weapon recorded without a maker is still a candidate.
    #[test]
    fn a_blank_make_in_a_received_request_filters_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ctx = salw_store::WriteContext {
            recorded_by: "test".into(),
            source: "test".into(),
            now: Utc::now(),
        };
        let key = SigningKey::from_bytes(&[5u8; 32]);
        let backend =
            salw_store_sqlite::SqliteBackend::open(&dir.path().join("r.db"), true).expect("create");
        let mut reg = salw_store::Registry::new(backend);
        reg.init(Some("KE"), &key, &ctx).expect("init");
        let mut reg = reg.with_signing_key(key);
        let staged = |v: Value| -> Result<salw_store::Staged, salw_store::RowError> {
            Ok(salw_store::Staged {
                file: String::new(),
                line: 0,
                record: salw_store::Record::Weapon(serde_json::from_value(v).expect("weapon")),
            })
        };
        let (made, unmade) = (Uuid::now_v7(), Uuid::now_v7());
        let outcome = reg
            .write(
                &ctx,
                [
                    staged(
                        json!({"id": made, "category": "rifle", "manufacturer": "Alpha Arms",
                        "country": "BE", "serial": "KQ-4471"}),
                    ),
                    // No maker: recorded as inadequately marked.
                    staged(
                        json!({"id": unmade, "category": "rifle", "serial": "KQ-4472",
                        "inadequately_marked": true, "follow_up": "mark_and_record"}),
                    ),
                ],
                &mut |_| {},
            )
            .expect("write");
        assert!(outcome.committed(), "{:?}", outcome.errors);
        let mut found = |request: Value| -> Vec<String> {
            candidates(reg.backend(), &request, None)["candidates"]
                .as_array()
                .expect("candidates")
                .iter()
                .filter_map(|h| h["weapon_id"].as_str().map(str::to_owned))
                .collect()
        };
        for make in [json!(" "), json!(""), Value::Null] {
            let ids = found(json!({"serial": "KQ-4472", "make": make}));
            assert_eq!(
                ids.first().map(String::as_str),
                Some(unmade.to_string().as_str()),
                "make {make}: {ids:?}"
            );
        }
        // A make given still narrows the search to its weapons.
        let ids = found(json!({"serial": "KQ-4472", "make": "Alpha Arms"}));
        assert_eq!(ids, [made.to_string()]);
    }

    fn record(role: &str, partner: &str) -> TraceRecord {
        TraceRecord {
            id: "t".into(),
            role: role.into(),
            partner: partner.into(),
            weapon_id: None,
            reference: "R".into(),
            priority: "routine".into(),
            urgency_reason: None,
            request: "{}".into(),
            restrictions: "[]".into(),
            confidentiality: "c".into(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            created_by: "me".into(),
        }
    }

    fn at(state: &str, when: &str) -> TraceStep {
        let mut s = step("t", state, "me", Utc::now(), Some("m"), json!({}));
        s.at = when.into();
        if state == "sent" || state == "received" {
            s.acknowledge_by = Some("2026-01-02T00:00:00.000Z".into());
            s.answer_by = Some("2026-01-10T00:00:00.000Z".into());
        }
        s
    }

    fn when(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    #[test]
    fn a_trace_is_overdue_past_its_deadline_until_it_moves_on() {
        let sent = vec![
            at("draft", "2026-01-01T00:00:00.000Z"),
            at("sent", "2026-01-01T00:00:00.000Z"),
        ];
        let v = TraceView::new(
            record("sent", "RS"),
            sent.clone(),
            when("2026-01-01T12:00:00Z"),
        );
        assert_eq!(v.overdue, None);
        let v = TraceView::new(
            record("sent", "RS"),
            sent.clone(),
            when("2026-01-03T00:00:00Z"),
        );
        assert_eq!(
            v.overdue.as_deref(),
            Some("acknowledgement was due by 2026-01-02T00:00:00.000Z")
        );
        let mut acked = sent.clone();
        acked.push(at("acknowledged", "2026-01-01T06:00:00.000Z"));
        let v = TraceView::new(
            record("sent", "RS"),
            acked.clone(),
            when("2026-01-03T00:00:00Z"),
        );
        assert_eq!(v.overdue, None);
        let v = TraceView::new(
            record("sent", "RS"),
            acked.clone(),
            when("2026-01-11T00:00:00Z"),
        );
        assert_eq!(
            v.overdue.as_deref(),
            Some("answer was due by 2026-01-10T00:00:00.000Z")
        );
        acked.push(at("answered", "2026-01-05T00:00:00.000Z"));
        let v = TraceView::new(record("sent", "RS"), acked, when("2026-02-01T00:00:00Z"));
        assert_eq!((v.state.as_str(), v.overdue), ("answered", None));
    }

    #[test]
    fn response_rate_and_median_times_per_partner() {
        let now = when("2026-03-01T00:00:00Z");
        let answered = |ack_h: u32, answer_h: u32| {
            TraceView::new(
                record("sent", "RS"),
                vec![
                    at("sent", "2026-01-01T00:00:00.000Z"),
                    at("acknowledged", &format!("2026-01-01T{ack_h:02}:00:00.000Z")),
                    at(
                        "answered",
                        &format!("2026-01-{:02}T00:00:00.000Z", 1 + answer_h / 24),
                    ),
                ],
                now,
            )
        };
        let views = vec![
            answered(2, 48),
            answered(4, 96),
            answered(12, 240),
            TraceView::new(
                record("sent", "RS"),
                vec![at("sent", "2026-01-01T00:00:00.000Z")],
                now,
            ),
            TraceView::new(
                record("sent", "UG"),
                vec![at("draft", "2026-01-01T00:00:00.000Z")],
                now,
            ),
        ];
        let stats = partner_stats(&views);
        assert_eq!(stats.len(), 1, "a draft is no request: {stats:?}");
        let rs = &stats[0];
        assert_eq!((rs.requests, rs.acknowledged, rs.answered), (4, 3, 3));
        assert_eq!(rs.response_rate_percent, Some(75));
        assert_eq!(rs.median_hours_to_acknowledge, Some(4.0));
        assert_eq!(rs.median_hours_to_answer, Some(96.0));
    }
}

// ---------------------------------------------------------------------------------------------
// From the registry's records: what the CLI and the server both do around the workflow.

/// The weapon's events in the order they happened, withdrawn and corrected ones left out.
pub fn standing_events<B: Backend>(
    reg: &mut Registry<B>,
    id: Uuid,
) -> Result<Vec<LifecycleEvent>, StoreError> {
    Ok(reg
        .timeline(id)?
        .into_iter()
        .filter(|s| s.superseded_by.is_none() && s.event.kind != EventKind::Corrected)
        .map(|s| s.event)
        .collect())
}

/// What a person adds to a request drafted from the records (each replaces what the records
/// say, when given and not blank).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestAdditions {
    #[serde(default)]
    pub illicit_basis: Option<String>,
    #[serde(default)]
    pub circumstances: Option<String>,
    #[serde(default)]
    pub serial_status: Option<String>,
    #[serde(default)]
    pub import_marks: Option<String>,
    /// How the photographs travel, when the registry holds none.
    #[serde(default)]
    pub photos: Option<String>,
    #[serde(default)]
    pub intended_use: Option<String>,
}

/// A trace request's content drafted from the weapon, its latest recovery (seizure, finding,
/// surrender or recovery) and its photos, with what a person added. `None` when no recovery
/// is recorded: a request is created from a recovery record.
pub fn draft_request<B: Backend>(
    reg: &mut Registry<B>,
    weapon: &StoredWeapon,
    additions: &RequestAdditions,
) -> Result<Option<RequestContent>, StoreError> {
    let events = standing_events(reg, weapon.weapon.id)?;
    let Some(recovery) = events.iter().rev().find(|e| {
        matches!(
            e.kind,
            EventKind::Seized | EventKind::Found | EventKind::Surrendered | EventKind::Recovered
        )
    }) else {
        return Ok(None);
    };
    let mut content = RequestContent::from_records(&weapon.weapon, Some(recovery));
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    for (slot, value) in [
        (&mut content.illicit_basis, &additions.illicit_basis),
        (&mut content.circumstances, &additions.circumstances),
        (&mut content.serial_status, &additions.serial_status),
        (&mut content.import_marks, &additions.import_marks),
        (&mut content.intended_use, &additions.intended_use),
    ] {
        if let Some(v) = given(value) {
            *slot = Some(v);
        }
    }
    content.photos = reg
        .backend()
        .photos_of(weapon.weapon.id)?
        .into_iter()
        .map(|p| format!("photo {} ({})", p.photo.hash, p.photo.media_type))
        .collect();
    if let Some(p) = given(&additions.photos) {
        content.photos.push(p);
    }
    Ok(Some(content))
}

/// Records the weapon's tracing status for a closure: established by tracing (point of
/// diversion found) or unsuccessful with the reason (chain broken); an exemption changes
/// nothing. Not again when the weapon already has the same status. Returns what was done.
pub fn record_traced<B: Backend>(
    reg: &mut Registry<B>,
    ctx: &WriteContext,
    v: &TraceView,
    c: &CloseInput,
) -> Result<Option<String>, FederationError> {
    let (outcome, reason) = match c.result.trim() {
        "point-of-diversion-found" => ("established_by_tracing", None),
        "chain-broken" => ("unsuccessful", c.reason.clone()),
        _ => return Ok(None),
    };
    let Some(weapon_id) = v
        .trace
        .weapon_id
        .as_deref()
        .and_then(|w| Uuid::parse_str(w).ok())
    else {
        return Ok(None);
    };
    let events = standing_events(reg, weapon_id)?;
    let current = events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::Traced)
        .and_then(|e| e.trace_outcome)
        .map(|o| o.as_str());
    if current == Some(outcome) {
        return Ok(Some(format!("already traced ({outcome}); nothing added")));
    }
    let mut map = Map::new();
    map.insert("id".into(), json!(Uuid::now_v7()));
    map.insert("weapon".into(), json!(weapon_id.to_string()));
    map.insert("kind".into(), json!("traced"));
    map.insert(
        "occurred_on".into(),
        json!(ctx.now.date_naive().to_string()),
    );
    map.insert(
        "trace_ref".into(),
        json!(format!("{} ({})", v.trace.reference, v.trace.id)),
    );
    map.insert("trace_outcome".into(), json!(outcome));
    if let Some(r) = reason {
        map.insert("reason".into(), json!(r));
    }
    if let Some(p) = &c.point_of_diversion {
        map.insert(
            "notes".into(),
            Value::String(format!("point of diversion: {}", p.trim())),
        );
    }
    let staged = salw_io::to_record(salw_io::RecordKind::Event, map, "", 0);
    let written = reg.write(ctx, [staged], &mut |_| {})?;
    if !written.committed() {
        let problems: Vec<String> = written
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect();
        return Err(field(
            "result",
            format!(
                "the weapon's traced event was refused: {}",
                problems.join("; ")
            ),
        ));
    }
    Ok(Some(format!("traced event ({outcome})")))
}
