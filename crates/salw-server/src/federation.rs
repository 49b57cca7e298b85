//! Federation in a running node (docs/federation.md): partners, the inbox every partner posts
//! to (`POST /federation/v1/inbox`, authenticated by the message's signature alone) and the
//! outbox sender that delivers this node's messages with retries.
//!
//! The envelope and its checks are salw-federation's; the rows are salw-store's
//! (`FederationBackend`). Here they meet: a received message is verified, stored and takes its
//! effect in one transaction, so that it takes effect once however often it arrives; a message
//! to send is signed once, stored, and sent as the same bytes until the partner says it has it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use salw_federation::trace::Side;
use salw_federation::{self as fed, Draft, Kind, Me, NodeId, PeerKey, Rejection, Seen, timestamp};
use salw_store::{
    FederationBackend, InboxMessage, NodeInfo, OutboxMessage, PeerRecord, StoreError, TraceBackend,
};
use salw_store_any::AnyBackend;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::state::{Shared, lock};

/// Where a node receives messages, below its base URL.
pub const INBOX_PATH: &str = "/federation/v1/inbox";
/// The largest message the inbox reads (anyone may post to it: it is not the 64 MB of an
/// authenticated import). Photos, when trace requests carry them, will travel apart.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;
/// How many due messages one round of the sender takes.
const ROUND: u64 = 200;
/// The sender looks at the outbox at least this often (messages queued by `salw peer ping` in
/// another process wake nobody).
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// Bad input, naming the field.
    #[error("{field}: {reason}")]
    Field { field: &'static str, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) fn field(field: &'static str, reason: impl Into<String>) -> FederationError {
    FederationError::Field {
        field,
        reason: reason.into(),
    }
}

/// This node as messages name it. A node without a country cannot take part.
pub fn node_id(node: &NodeInfo) -> Result<NodeId, FederationError> {
    let country = node.country.as_deref().ok_or_else(|| {
        field(
            "country",
            "this node has no country yet; set it with `salw node set-country CC`",
        )
    })?;
    let key = fed::parse_public_key(&node.public_key)
        .map_err(|e| StoreError::Corrupt(format!("the node's public key: {e}")))?;
    Ok(NodeId::new(country, &key))
}

/// Registers a partner, or a new address or key for one (a new row of its history).
pub fn add_peer<B: FederationBackend>(
    backend: &mut B,
    node: &NodeInfo,
    country: &str,
    url: &str,
    key: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<PeerRecord, FederationError> {
    let country = salw_core::country::parse(country).map_err(|e| field("country", e))?;
    let url = fed::parse_base_url(url).map_err(|e| field("url", e))?;
    let key = fed::parse_public_key(key).map_err(|e| field("key", e))?;
    if hex::encode(key.as_bytes()) == node.public_key {
        return Err(field(
            "key",
            "this is this node's own public key, not a partner's",
        ));
    }
    let record = PeerRecord {
        country: country.to_owned(),
        url,
        public_key: hex::encode(key.as_bytes()),
        added_at: timestamp(now),
        added_by: by.to_owned(),
        removed: false,
    };
    backend.insert_peer(&record)?;
    Ok(record)
}

/// Withdraws a partner (its history stays); false when none is registered for the country.
pub fn remove_peer<B: FederationBackend>(
    backend: &mut B,
    country: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, FederationError> {
    let country = salw_core::country::parse(country).map_err(|e| field("country", e))?;
    let Some(current) = backend.peers()?.into_iter().find(|p| p.country == country) else {
        return Ok(false);
    };
    backend.insert_peer(&PeerRecord {
        added_at: timestamp(now),
        added_by: by.to_owned(),
        removed: true,
        ..current
    })?;
    Ok(true)
}

/// The partners' keys, as `salw_federation::verify` wants them.
pub fn peer_keys<B: FederationBackend>(backend: &mut B) -> Result<Vec<PeerKey>, StoreError> {
    backend
        .peers()?
        .into_iter()
        .map(|p| {
            fed::parse_public_key(&p.public_key)
                .map(|key| PeerKey {
                    country: p.country.clone(),
                    key,
                })
                .map_err(|e| StoreError::Corrupt(format!("the key of peer {}: {e}", p.country)))
        })
        .collect()
}

/// Signs a message to the partner of `to_country` and puts it in the outbox; `salw serve`
/// delivers it.
pub fn enqueue<B: FederationBackend>(
    backend: &mut B,
    key: &SigningKey,
    node: &NodeInfo,
    to_country: &str,
    kind: Kind,
    body: Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<OutboxMessage, FederationError> {
    let me = node_id(node)?;
    let to_country = salw_core::country::parse(to_country).map_err(|e| field("country", e))?;
    let peer = peer_keys(backend)?
        .into_iter()
        .find(|p| p.country == to_country)
        .ok_or_else(|| {
            field(
                "country",
                format!("no partner is registered for {to_country}; add it with `salw peer add`"),
            )
        })?;
    let to = NodeId::new(to_country, &peer.key);
    let sealed = Draft::new(Uuid::now_v7(), me, to, kind, body, now)
        .seal(key)
        .map_err(|e| field("body", e.to_string()))?;
    let d = &sealed.envelope.draft;
    let message = OutboxMessage {
        id: d.id.to_string(),
        destination: to_country.to_owned(),
        kind: kind.as_str().to_owned(),
        envelope: sealed.json.clone(),
        created_at: timestamp(d.created_at),
        expires_at: timestamp(d.expires_at),
        attempts: 0,
        next_attempt_at: timestamp(now),
        delivered_at: None,
        abandoned: None,
        last_error: None,
    };
    backend.enqueue(&message)?;
    Ok(message)
}

/// What the inbox did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// Stored and processed, now.
    Accepted { id: Uuid, from: NodeId, kind: Kind },
    /// This very message was received before: nothing was done again.
    AlreadyReceived { id: Uuid },
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// A reply to a trace request that this node did not exchange with the sender.
    #[error("{0}")]
    NotAReply(String),
    /// This node cannot receive (no country set).
    #[error("{0}")]
    NotReady(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Verifies a message, stores it in the inbox and applies it, in one transaction: a message
/// takes effect once, or not at all.
pub fn receive<B: FederationBackend + TraceBackend + salw_store::AlertBackend>(
    backend: &mut B,
    node: &NodeInfo,
    raw: &[u8],
    now: DateTime<Utc>,
    searcher: Option<&salw_search::Searcher>,
) -> Result<Receipt, ReceiveError> {
    let me = match node_id(node) {
        Ok(id) => Me { id },
        Err(FederationError::Field { reason, .. }) => return Err(ReceiveError::NotReady(reason)),
        Err(FederationError::Store(e)) => return Err(e.into()),
    };
    let peers = peer_keys(backend)?;
    backend.begin()?;
    let result = receive_in_transaction(backend, &me, &peers, raw, now, searcher);
    match result {
        Ok(receipt) => {
            backend.commit()?;
            Ok(receipt)
        }
        Err(e) => {
            let _ = backend.rollback();
            Err(e)
        }
    }
}

fn receive_in_transaction<B: FederationBackend + TraceBackend + salw_store::AlertBackend>(
    backend: &mut B,
    me: &Me,
    peers: &[PeerKey],
    raw: &[u8],
    now: DateTime<Utc>,
    searcher: Option<&salw_search::Searcher>,
) -> Result<Receipt, ReceiveError> {
    let mut failed = None;
    let verdict = fed::verify(raw, peers, me, now, &mut |id| match backend
        .inbox_digest(&id.to_string())
    {
        Ok(Some(digest)) => Seen::Yes { digest },
        Ok(None) => Seen::No,
        Err(e) => {
            failed = Some(e);
            Seen::No
        }
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    let received = match verdict {
        Ok(received) => received,
        Err(Rejection::Replayed {
            id,
            same_content: true,
        }) => return Ok(Receipt::AlreadyReceived { id }),
        Err(rejection) => return Err(rejection.into()),
    };
    let d = &received.envelope.draft;
    check_reply(backend, d)?;
    let at = timestamp(now);
    let stored = backend.insert_inbox(&InboxMessage {
        id: d.id.to_string(),
        sender: d.from.country.clone(),
        sender_key: d.from.key.clone(),
        kind: d.kind.as_str().to_owned(),
        digest: received.digest.clone(),
        envelope: String::from_utf8_lossy(raw).into_owned(),
        received_at: at.clone(),
        processed_at: None,
    })?;
    if !stored {
        // Cannot happen inside the transaction that looked; the unique id is the last guard.
        return Ok(Receipt::AlreadyReceived { id: d.id });
    }
    // A trace message moves its trace (crate::traces); a ping is only kept.
    crate::traces::apply_incoming(backend, d, now, searcher)?;
    backend.mark_processed(&d.id.to_string(), &at)?;
    Ok(Receipt::Accepted {
        id: d.id,
        from: d.from.clone(),
        kind: d.kind,
    })
}

/// An acknowledgement or answer must answer a trace request this node sent to the sender; a
/// closure must close one this node received from it.
fn check_reply<B: FederationBackend>(backend: &mut B, d: &Draft) -> Result<(), ReceiveError> {
    if let Some(answers) = crate::alerts::answers_an_alert(backend, d)? {
        return if answers {
            Ok(())
        } else {
            Err(ReceiveError::NotAReply(format!(
                "this alert-hit answers {}, which is no lost-stolen-alert this node sent to {}",
                d.body
                    .get("in_reply_to")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
                d.from.country
            )))
        };
    }
    let Some(side) = fed::trace::replies_to_request(d.kind) else {
        return Ok(());
    };
    let request = fed::trace::in_reply_to(&d.body)?.to_string();
    let from = &d.from.country;
    let found = match side {
        Side::Requested => backend
            .sent(&request)?
            .is_some_and(|m| &m.destination == from && m.kind == Kind::TraceRequest.as_str()),
        Side::Requesting => backend
            .received(&request)?
            .is_some_and(|m| &m.sender == from && m.kind == Kind::TraceRequest.as_str()),
    };
    if found {
        Ok(())
    } else {
        let (what, direction) = match side {
            Side::Requested => ("sent", "to"),
            Side::Requesting => ("received", "from"),
        };
        Err(ReceiveError::NotAReply(format!(
            "this {} answers {request}, which is no trace request this node {what} {direction} {from}",
            d.kind.as_str()
        )))
    }
}

fn rejection_status(r: &Rejection) -> StatusCode {
    match r {
        Rejection::Malformed { .. } => StatusCode::BAD_REQUEST,
        Rejection::UnknownSender { .. } | Rejection::ForgedSignature { .. } => {
            StatusCode::FORBIDDEN
        }
        Rejection::NotForMe { .. } => StatusCode::MISDIRECTED_REQUEST,
        Rejection::Replayed { .. } => StatusCode::CONFLICT,
        Rejection::Expired { .. } => StatusCode::GONE,
    }
}

fn answer(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"status": status.as_u16(), "code": code, "message": message}})),
    )
        .into_response()
}

/// `POST /federation/v1/inbox`.
pub async fn inbox(State(state): State<Shared>, body: Bytes) -> Response {
    let s = state.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let mut guard = lock(&s.inbox);
        if guard.is_none() {
            *guard = Some(s.db.open(false)?);
        }
        let backend = guard
            .as_mut()
            .ok_or_else(|| StoreError::Backend("the inbox connection is not open".into()))?;
        // The marking search on a request's arrival uses the server's persisted index, up to
        // date with weapons registered beside the server.
        s.catch_up(backend);
        let searcher = s.searcher.read().unwrap_or_else(|p| p.into_inner());
        receive(backend, &s.node, &body, Utc::now(), Some(&searcher))
    })
    .await;
    match outcome {
        Ok(Ok(Receipt::Accepted { id, from, kind })) => {
            tracing::info!(%id, from = %from, kind = kind.as_str(), "federation message received");
            Json(json!({"status": "accepted", "id": id})).into_response()
        }
        Ok(Ok(Receipt::AlreadyReceived { id })) => {
            tracing::info!(%id, "federation message received again: already received, nothing done");
            Json(json!({"status": "already received", "id": id})).into_response()
        }
        Ok(Err(ReceiveError::Rejected(r))) => {
            tracing::warn!(code = r.code(), reason = %r, "federation message refused");
            answer(rejection_status(&r), r.code(), &r.to_string())
        }
        Ok(Err(ReceiveError::NotAReply(why))) => {
            tracing::warn!(code = "not-a-reply", reason = %why, "federation message refused");
            answer(StatusCode::UNPROCESSABLE_ENTITY, "not-a-reply", &why)
        }
        Ok(Err(ReceiveError::NotReady(why))) => {
            tracing::warn!("federation message refused: {why}");
            answer(StatusCode::SERVICE_UNAVAILABLE, "not-ready", &why)
        }
        Ok(Err(ReceiveError::Store(e))) => {
            tracing::error!("federation inbox: {e}");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the registry could not be reached; nothing was stored, send again",
            )
        }
        Err(e) => {
            tracing::error!("federation inbox: {e}");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "nothing was stored, send again",
            )
        }
    }
}

/// When to try a message again: `first` after the first failure, doubling, at most `max`,
/// plus up to a quarter more at random so that many messages do not retry in step.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn wait(&self, attempts: i64) -> Duration {
        let doublings = attempts.clamp(1, 32) as u32 - 1;
        let base = self
            .first
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max);
        let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0..=base.as_millis() as u64 / 4);
        base + Duration::from_millis(jitter)
    }
}

/// What a partner said to one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The partner has the message (now or before).
    Delivered,
    /// Try again later.
    Retry(String),
    /// Trying again cannot help (expired, or the id taken by another message there).
    GiveUp(String),
}

/// Why an `https://` partner cannot be reached by this build (its HTTP client has no TLS).
pub const NO_TLS: &str = "this build of salw sends over plain HTTP only: reach an https:// partner through a local TLS proxy and register the proxy's http:// address (docs/federation.md)";

/// Posts one envelope to a partner's inbox.
pub fn post(agent: &ureq::Agent, base_url: &str, envelope: &str) -> Delivery {
    if base_url.starts_with("https://") {
        return Delivery::Retry(NO_TLS.to_owned());
    }
    let url = format!("{base_url}{INBOX_PATH}");
    match agent
        .post(&url)
        .set("content-type", "application/json")
        .send_string(envelope)
    {
        Ok(_) => Delivery::Delivered,
        Err(ureq::Error::Status(status, response)) => {
            let body: Value = response.into_json().unwrap_or(Value::Null);
            let code = body["error"]["code"].as_str().unwrap_or("").to_owned();
            let message = body["error"]["message"].as_str().unwrap_or("").to_owned();
            let said = format!("{status} {code}: {message}");
            match (status, code.as_str()) {
                // `not-a-reply` is retried: a closure may overtake its request on the way.
                (409, "replayed") | (410, "expired") => Delivery::GiveUp(said),
                _ => Delivery::Retry(said),
            }
        }
        Err(e) => Delivery::Retry(e.to_string()),
    }
}

/// What one round of the sender did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub delivered: u64,
    pub failed: u64,
    pub abandoned: u64,
}

/// Sends every due message once (a partner that failed is not tried again this round).
pub fn deliver_due<B: FederationBackend>(
    backend: &mut B,
    agent: &ureq::Agent,
    backoff: Backoff,
) -> Result<Round, StoreError> {
    let urls: HashMap<String, String> = backend
        .peers()?
        .into_iter()
        .map(|p| (p.country, p.url))
        .collect();
    let mut round = Round::default();
    let mut down: HashSet<String> = HashSet::new();
    for m in backend.due_messages(&timestamp(Utc::now()), ROUND)? {
        if down.contains(&m.destination) {
            continue;
        }
        let now = Utc::now();
        if m.expires_at <= timestamp(now) {
            tracing::warn!(id = %m.id, to = %m.destination, "message expired before its partner took it; given up");
            backend.abandon(&m.id, "expired before it was delivered")?;
            round.abandoned += 1;
            continue;
        }
        let attempts = m.attempts + 1;
        let delivery = match urls.get(&m.destination) {
            Some(url) => post(agent, url, &m.envelope),
            None => Delivery::Retry(format!("no partner is registered for {}", m.destination)),
        };
        match delivery {
            Delivery::Delivered => {
                backend.mark_delivered(&m.id, &timestamp(Utc::now()), attempts)?;
                round.delivered += 1;
            }
            Delivery::Retry(why) => {
                let next = Utc::now()
                    + chrono::Duration::from_std(backoff.wait(attempts))
                        .unwrap_or(chrono::Duration::hours(1));
                tracing::warn!(id = %m.id, to = %m.destination, attempts, "delivery failed, retrying at {}: {why}", timestamp(next));
                backend.record_attempt(&m.id, attempts, &timestamp(next), &why)?;
                down.insert(m.destination.clone());
                round.failed += 1;
            }
            Delivery::GiveUp(why) => {
                tracing::warn!(id = %m.id, to = %m.destination, "delivery given up: {why}");
                backend.record_attempt(&m.id, attempts, &m.next_attempt_at, &why)?;
                backend.abandon(&m.id, &why)?;
                round.abandoned += 1;
            }
        }
    }
    Ok(round)
}

/// The outbox sender of `salw serve`: delivers due messages, then sleeps until the next is due
/// (at most `POLL`) or something is queued through this server.
pub async fn run_sender(state: Shared) {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build();
    let backoff = Backoff {
        first: Duration::from_millis(state.config.federation_retry_first_ms.max(1)),
        max: Duration::from_secs(state.config.federation_retry_max_seconds.max(1)),
    };
    let mut backend: Option<AnyBackend> = None;
    loop {
        let s = state.clone();
        let a = agent.clone();
        let taken = backend.take();
        let result = tokio::task::spawn_blocking(move || {
            let mut b = match taken {
                Some(b) => b,
                None => s.db.open(false)?,
            };
            // Lost and stolen alerts first: what they queue goes out in this round.
            match crate::alerts::round(&mut b, &s.signing_key, &s.node, Utc::now()) {
                Ok(r) if r != crate::alerts::Round::default() => tracing::info!(
                    shared = r.shared,
                    hits = r.hits,
                    notices = r.notices,
                    "lost and stolen alerts"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!("lost and stolen alerts: {e}"),
            }
            let round = deliver_due(&mut b, &a, backoff);
            let next = b.next_due();
            Ok::<_, StoreError>((b, round, next))
        })
        .await;
        let mut wait = POLL;
        match result {
            Ok(Ok((b, round, next))) => {
                backend = Some(b);
                if let Err(e) = round {
                    tracing::error!("federation outbox: {e}");
                }
                let next = next
                    .ok()
                    .flatten()
                    .and_then(|n| DateTime::parse_from_rfc3339(&n).ok());
                if let Some(at) = next {
                    let until = (at.with_timezone(&Utc) - Utc::now())
                        .to_std()
                        .unwrap_or(Duration::ZERO);
                    wait = wait.min(until.max(Duration::from_millis(5)));
                }
            }
            Ok(Err(e)) => tracing::error!("federation outbox: {e}"),
            Err(e) => tracing::error!("federation outbox: {e}"),
        }
        tokio::select! {
            _ = state.outbox_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Starts the sender on the current runtime.
pub fn start_sender(state: &Shared) {
    tokio::spawn(run_sender(Arc::clone(state)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_https_partner_is_not_tried_without_tls_and_says_why() {
        let agent = ureq::AgentBuilder::new().build();
        assert_eq!(
            post(&agent, "https://salw.example.ug", "{}"),
            Delivery::Retry(NO_TLS.to_owned())
        );
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let b = Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        let within = |attempts, low: u64| {
            let w = b.wait(attempts).as_millis() as u64;
            assert!((low..=low + low / 4).contains(&w), "{attempts}: {w} ms");
        };
        within(1, 100);
        within(2, 200);
        within(3, 400);
        within(4, 800);
        within(5, 1000);
        within(60, 1000);
    }
}
