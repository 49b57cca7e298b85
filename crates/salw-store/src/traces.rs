//! Trace records (DOMAIN.md §6): a trace request this node sent to a partner State, or
//! received from one, and every step it went through.
//!
//! Append-only: a trace's row holds what does not change (who, which weapon, the request as
//! sent or received, its priority, restrictions and confidentiality); each change of state is a
//! new step row (when, by whom, the message that carried it, what it said). The current state
//! of a trace is its latest step. Like the outbox and inbox, these are traffic of one
//! installation, not journal records; what a trace establishes about a weapon (its `traced`
//! event) is written to the registry's journal as any event.

use serde::Serialize;

use crate::backend::{Backend, Result};

/// What does not change about a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceRecord {
    /// A UUIDv7, made by this node (the partner's trace has its own id).
    pub id: String,
    /// `sent` (this node asks) or `received` (a partner asks this node).
    pub role: String,
    /// The partner State (ISO 3166-1 alpha-2).
    pub partner: String,
    /// The weapon in this node's registry (the recovered weapon, for a sent trace).
    pub weapon_id: Option<String>,
    /// The requesting State's case reference.
    pub reference: String,
    /// `routine` or `urgent`.
    pub priority: String,
    pub urgency_reason: Option<String>,
    /// The request's content (DOMAIN.md §6), as JSON.
    pub request: String,
    /// Uses the data may not be put to, as a JSON list of strings.
    pub restrictions: String,
    pub confidentiality: String,
    pub created_at: String,
    pub created_by: String,
}

/// One change of a trace's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    pub trace_id: String,
    /// `draft`, `sent`, `received`, `acknowledged`, `more-information-requested`, `answered`,
    /// `closed`.
    pub state: String,
    pub at: String,
    pub by: String,
    /// The message that carried this step (sent or received), if any.
    pub message_id: Option<String>,
    /// When acknowledgement and answer are due (set on `sent` and `received`).
    pub acknowledge_by: Option<String>,
    pub answer_by: Option<String>,
    /// What the step said, as JSON (an answer's outcome and findings, a closure's result, the
    /// candidates the marking search found for a received request…).
    pub detail: String,
}

pub trait TraceBackend: Backend {
    /// Stores a new trace; its first step is added apart.
    fn insert_trace(&mut self, trace: &TraceRecord) -> Result<()>;
    fn add_trace_step(&mut self, step: &TraceStep) -> Result<()>;
    /// Every trace, newest first.
    fn traces(&mut self) -> Result<Vec<TraceRecord>>;
    fn trace(&mut self, id: &str) -> Result<Option<TraceRecord>>;
    /// The steps of a trace, oldest first.
    fn trace_steps(&mut self, id: &str) -> Result<Vec<TraceStep>>;
    /// The trace whose request travelled as this message (the `sent` or `received` step).
    fn trace_of_request(&mut self, message_id: &str) -> Result<Option<TraceRecord>>;
}
