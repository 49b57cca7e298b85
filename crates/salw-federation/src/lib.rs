//! Messages between salw nodes (DESIGN.md "Federation between nodes"; docs/federation.md).
//!
//! A message travels as a JSON envelope signed with the sending node's Ed25519 key over the
//! canonical form of everything but the signature (`canonical`). This crate seals envelopes
//! and decides whether a received one is acceptable (`verify`), returning a typed reason when it
//! is not. It knows no database and no HTTP: the peers, this node's identity, the clock and
//! what was already received are handed in by the caller.

pub mod canonical;
pub mod trace;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use canonical::{CanonicalError, to_canonical};

/// The envelope format this crate writes and reads (`"v"`).
pub const VERSION: u64 = 1;
/// Signed bytes start with this, so that a signature made for a message can never be taken
/// for one over a journal head (`salw journal head v1\n`) or anything else the key signs.
pub const SIGNING_PREFIX: &[u8] = b"salw federation message v1\n";
/// How far in the future a message's `created_at` may be (the two clocks differ).
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);
/// The longest a message may live (`expires_at - created_at`).
pub const MAX_LIFETIME: Duration = Duration::days(90);
/// What `Draft::new` gives a message unless told otherwise: long enough for a partner that is
/// down for a week to receive it when it comes back.
pub const DEFAULT_LIFETIME: Duration = Duration::days(14);

/// What a message is. The body's shape depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Checks the path between two nodes; the body may carry a note. Takes no effect beyond
    /// being received.
    Ping,
    /// A trace request to the State of manufacture or of last import (DOMAIN.md §6).
    TraceRequest,
    /// The requested State says it received a request.
    TraceAcknowledgement,
    /// The requested State's answer: complete, partial, restricted, delayed or refused.
    TraceAnswer,
    /// The requesting State closes its request.
    TraceClosure,
    /// The requested State asks the requesting one for more information.
    TraceInformationRequest,
    /// The requesting State provides the information asked for.
    TraceInformation,
    /// The requesting State reminds the requested one of a request still unanswered.
    TraceReminder,
    /// A weapon reported lost or stolen, shared with a partner (as INTERPOL's list, between
    /// the States themselves).
    LostStolenAlert,
    /// A partner recovered (seized, found, was surrendered) a weapon one of this node's alerts
    /// named.
    AlertHit,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::Ping,
        Kind::TraceRequest,
        Kind::TraceAcknowledgement,
        Kind::TraceAnswer,
        Kind::TraceClosure,
        Kind::TraceInformationRequest,
        Kind::TraceInformation,
        Kind::TraceReminder,
        Kind::LostStolenAlert,
        Kind::AlertHit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ping => "ping",
            Kind::TraceRequest => "trace-request",
            Kind::TraceAcknowledgement => "trace-acknowledgement",
            Kind::TraceAnswer => "trace-answer",
            Kind::TraceClosure => "trace-closure",
            Kind::TraceInformationRequest => "trace-information-request",
            Kind::TraceInformation => "trace-information",
            Kind::TraceReminder => "trace-reminder",
            Kind::LostStolenAlert => "lost-stolen-alert",
            Kind::AlertHit => "alert-hit",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// A node as messages name it: its country and the id of its key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeId {
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// `key_id` of the node's public key.
    pub key: String,
}

impl NodeId {
    pub fn new(country: &str, key: &VerifyingKey) -> NodeId {
        NodeId {
            country: country.to_owned(),
            key: key_id(key),
        }
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (key {})", self.country, self.key)
    }
}

/// A key's id: the first 16 hex digits of BLAKE3 over its 32 bytes. It names a key in an
/// envelope; the signature is always checked with the whole key registered for the country.
pub fn key_id(key: &VerifyingKey) -> String {
    blake3::hash(key.as_bytes()).to_hex()[..16].to_owned()
}

/// A partner as the receiver knows it: registered by an administrator (`salw peer add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerKey {
    pub country: String,
    pub key: VerifyingKey,
}

/// Reads a public key as written by `salw node info`: 64 hex digits.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let text = text.trim();
    let bytes: [u8; 32] = hex::decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| {
            format!(
                "'{text}' is not a public key: 64 hex digits expected (as `salw node info` prints)"
            )
        })?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| format!("'{text}' is 32 bytes but not an Ed25519 public key"))
}

/// Reads a node's base URL: `http://` or `https://`, a host, perhaps a port and a path; no
/// query, fragment, user or spaces. Returned without a trailing `/`.
pub fn parse_base_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| format!("'{text}' must start with https:// or http://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err(format!("'{text}' has no host"));
    }
    if let Some(bad) = text
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@' | '\\'))
    {
        return Err(format!(
            "'{text}' may not contain {bad:?} (a base URL has no query, fragment or user)"
        ));
    }
    let port = host.rsplit_once(':').filter(|_| !host.ends_with(']'));
    if let Some((_, port)) = port.filter(|(_, p)| p.parse::<u16>().ok().is_none_or(|p| p == 0)) {
        return Err(format!("'{text}': '{port}' is not a port"));
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// A message before it is signed.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub id: Uuid,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: Kind,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub body: Map<String, Value>,
}

impl Draft {
    /// `id` should be a fresh UUIDv7 (`Uuid::now_v7()`), `now` the sender's clock: this crate
    /// reads neither clock nor randomness itself.
    pub fn new(
        id: Uuid,
        from: NodeId,
        to: NodeId,
        kind: Kind,
        body: Map<String, Value>,
        now: DateTime<Utc>,
    ) -> Draft {
        Draft {
            id,
            from,
            to,
            kind,
            created_at: now,
            expires_at: now + DEFAULT_LIFETIME,
            body,
        }
    }

    /// Everything but the signature, as JSON.
    fn unsigned(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("v".into(), VERSION.into());
        m.insert("id".into(), self.id.to_string().into());
        m.insert("from".into(), node_value(&self.from));
        m.insert("to".into(), node_value(&self.to));
        m.insert("kind".into(), self.kind.as_str().into());
        m.insert("created_at".into(), timestamp(self.created_at).into());
        m.insert("expires_at".into(), timestamp(self.expires_at).into());
        m.insert("body".into(), Value::Object(self.body.clone()));
        m
    }

    /// Signs the message. Fails only when the body holds a number that is not a safe integer.
    pub fn seal(self, key: &SigningKey) -> Result<Sealed, CanonicalError> {
        let mut value = self.unsigned();
        let signed = signing_input(&Value::Object(value.clone()))?;
        let signature = key.sign(&signed);
        value.insert("signature".into(), hex::encode(signature.to_bytes()).into());
        let json = to_canonical(&Value::Object(value))?;
        Ok(Sealed {
            digest: blake3::hash(&signed).to_hex().to_string(),
            envelope: Envelope {
                draft: self,
                signature: signature.to_bytes(),
            },
            json,
        })
    }
}

/// An envelope with its signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub draft: Draft,
    pub signature: [u8; 64],
}

/// A signed message ready to travel.
#[derive(Debug, Clone, PartialEq)]
pub struct Sealed {
    pub envelope: Envelope,
    /// What is sent: the canonical JSON of the whole envelope.
    pub json: String,
    /// BLAKE3 (hex) of the signed bytes: the same message has the same digest however it was
    /// re-encoded on the way.
    pub digest: String,
}

/// A message that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub envelope: Envelope,
    /// As `Sealed::digest`.
    pub digest: String,
}

fn node_value(n: &NodeId) -> Value {
    serde_json::json!({"country": n.country, "key": n.key})
}

/// Timestamps in envelopes: RFC 3339, UTC, milliseconds, `Z`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn signing_input(unsigned: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut bytes = SIGNING_PREFIX.to_vec();
    bytes.extend_from_slice(to_canonical(unsigned)?.as_bytes());
    Ok(bytes)
}

/// Who this node is, as a receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Me {
    pub id: NodeId,
}

/// What the receiver already holds under a message id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    No,
    /// Received before, with this digest.
    Yes {
        digest: String,
    },
}

/// Why a message is refused. `code` is the short form the server answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not an envelope: not JSON, a field missing, of the wrong type or out of range, or
    /// created too far in the future.
    #[error("malformed envelope: {field}: {reason}")]
    Malformed { field: String, reason: String },
    /// Addressed to another node (another country, or another key of this country).
    #[error("addressed to {to}, not to this node ({me})")]
    NotForMe { to: NodeId, me: NodeId },
    /// No peer is registered for the sender's country, or not with that key.
    #[error("unknown sender {from}: {reason}")]
    UnknownSender { from: NodeId, reason: String },
    /// The signature does not verify with the sender's registered key.
    #[error("the signature of message {id} does not verify with the key registered for {from}")]
    ForgedSignature { id: Uuid, from: NodeId },
    /// A message with this id was received before. `same_content` tells a copy of that
    /// message (a retry or a duplicate on the network: it took effect once already) from a
    /// different message reusing the id.
    #[error("message {id} was received before{}", if *same_content { "" } else { " with different content" })]
    Replayed { id: Uuid, same_content: bool },
    #[error("message {id} expired at {expires_at}")]
    Expired { id: Uuid, expires_at: String },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Malformed { .. } => "malformed",
            Rejection::NotForMe { .. } => "not-for-this-node",
            Rejection::UnknownSender { .. } => "unknown-sender",
            Rejection::ForgedSignature { .. } => "bad-signature",
            Rejection::Replayed { .. } => "replayed",
            Rejection::Expired { .. } => "expired",
        }
    }
}

pub(crate) fn malformed(field: &str, reason: impl Into<String>) -> Rejection {
    Rejection::Malformed {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

const FIELDS: &[&str] = &[
    "v",
    "id",
    "from",
    "to",
    "kind",
    "created_at",
    "expires_at",
    "body",
    "signature",
];

fn string_field<'a>(m: &'a Map<String, Value>, field: &str) -> Result<&'a str, Rejection> {
    match m.get(field) {
        None => Err(malformed(field, "missing")),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(malformed(field, "must be a string")),
    }
}

fn node_field(m: &Map<String, Value>, field: &str) -> Result<NodeId, Rejection> {
    let value = m.get(field).ok_or_else(|| malformed(field, "missing"))?;
    let node: NodeId = serde_json::from_value(value.clone()).map_err(|e| {
        malformed(
            field,
            format!("must be {{\"country\": \"CC\", \"key\": \"<key id>\"}}: {e}"),
        )
    })?;
    salw_core::country::parse(&node.country)
        .ok()
        .filter(|c| *c == node.country)
        .ok_or_else(|| {
            malformed(
                &format!("{field}.country"),
                format!(
                    "'{}' is not an upper-case ISO 3166-1 alpha-2 code",
                    node.country
                ),
            )
        })?;
    if node.key.len() != 16
        || !node
            .key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(malformed(
            &format!("{field}.key"),
            "must be a key id: 16 lower-case hex digits",
        ));
    }
    Ok(node)
}

fn time_field(m: &Map<String, Value>, field: &str) -> Result<DateTime<Utc>, Rejection> {
    let text = string_field(m, field)?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| malformed(field, format!("'{text}' is not an RFC 3339 timestamp: {e}")))
}

/// Reads an envelope without checking anything but its shape: for showing what arrived.
pub fn parse(raw: &[u8]) -> Result<(Envelope, Vec<u8>), Rejection> {
    let value: Value =
        serde_json::from_slice(raw).map_err(|e| malformed("envelope", format!("not JSON: {e}")))?;
    let Value::Object(mut m) = value else {
        return Err(malformed("envelope", "must be a JSON object"));
    };
    if let Some(extra) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(malformed(extra, "unknown field"));
    }
    match m.get("v") {
        None => return Err(malformed("v", "missing")),
        Some(v) if v.as_u64() == Some(VERSION) => {}
        Some(v) => {
            return Err(malformed(
                "v",
                format!("version {v} is not known here (this node reads version {VERSION})"),
            ));
        }
    }
    let id_text = string_field(&m, "id")?;
    let id = Uuid::parse_str(id_text)
        .map_err(|_| malformed("id", format!("'{id_text}' is not a UUID")))?;
    if id.get_version_num() != 7 {
        return Err(malformed("id", format!("{id} is not a UUIDv7")));
    }
    let from = node_field(&m, "from")?;
    let to = node_field(&m, "to")?;
    let kind_text = string_field(&m, "kind")?;
    let kind = Kind::parse(kind_text).ok_or_else(|| {
        malformed(
            "kind",
            format!(
                "'{kind_text}' is not a message kind known here ({})",
                Kind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let created_at = time_field(&m, "created_at")?;
    let expires_at = time_field(&m, "expires_at")?;
    let body = match m.get("body") {
        None => return Err(malformed("body", "missing")),
        Some(Value::Object(b)) => b.clone(),
        Some(_) => return Err(malformed("body", "must be a JSON object")),
    };
    trace::check_body(kind, &body)?;
    let signature_text = string_field(&m, "signature")?;
    let signature: [u8; 64] = hex::decode(signature_text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| malformed("signature", "must be 128 hex digits (an Ed25519 signature)"))?;
    m.remove("signature");
    let signed = signing_input(&Value::Object(m)).map_err(|e| {
        malformed(
            &format!("body{}", e.path.strip_prefix("/body").unwrap_or(&e.path)),
            e.reason,
        )
    })?;
    Ok((
        Envelope {
            draft: Draft {
                id,
                from,
                to,
                kind,
                created_at,
                expires_at,
                body,
            },
            signature,
        },
        signed,
    ))
}

/// Decides whether a received message is accepted, in this order: its shape (`Malformed`),
/// its addressee (`NotForMe`), its sender (`UnknownSender`), its signature
/// (`ForgedSignature`), its times (`Malformed` when created beyond the clock skew or living
/// longer than allowed), whether it was received before (`Replayed`: checked before expiry,
/// so that a retry of a message received long ago is told "already received" and the sender
/// stops), and last whether it has expired (`Expired`).
///
/// `seen` says what the receiver holds under a message id; it is asked only about messages
/// whose signature verified.
pub fn verify(
    raw: &[u8],
    peers: &[PeerKey],
    me: &Me,
    now: DateTime<Utc>,
    seen: &mut dyn FnMut(Uuid) -> Seen,
) -> Result<Received, Rejection> {
    let (envelope, signed) = parse(raw)?;
    let d = &envelope.draft;
    if d.to != me.id {
        return Err(Rejection::NotForMe {
            to: d.to.clone(),
            me: me.id.clone(),
        });
    }
    let mut of_country = peers.iter().filter(|p| p.country == d.from.country);
    let peer = match of_country.clone().next() {
        None => {
            return Err(Rejection::UnknownSender {
                from: d.from.clone(),
                reason: format!("no peer is registered for {}", d.from.country),
            });
        }
        Some(_) => of_country
            .find(|p| key_id(&p.key) == d.from.key)
            .ok_or_else(|| Rejection::UnknownSender {
                from: d.from.clone(),
                reason: format!(
                    "the key registered for {} has another id; was the partner's key changed?",
                    d.from.country
                ),
            })?,
    };
    peer.key
        .verify_strict(&signed, &Signature::from_bytes(&envelope.signature))
        .map_err(|_| Rejection::ForgedSignature {
            id: d.id,
            from: d.from.clone(),
        })?;
    if d.created_at > now + MAX_CLOCK_SKEW {
        return Err(malformed(
            "created_at",
            format!(
                "{} is more than {} minutes ahead of this node's clock ({}); check the sender's clock",
                timestamp(d.created_at),
                MAX_CLOCK_SKEW.num_minutes(),
                timestamp(now)
            ),
        ));
    }
    if d.expires_at <= d.created_at {
        return Err(malformed("expires_at", "must be after created_at"));
    }
    if d.expires_at - d.created_at > MAX_LIFETIME {
        return Err(malformed(
            "expires_at",
            format!(
                "a message may live at most {} days",
                MAX_LIFETIME.num_days()
            ),
        ));
    }
    let digest = blake3::hash(&signed).to_hex().to_string();
    if let Seen::Yes { digest: before } = seen(d.id) {
        return Err(Rejection::Replayed {
            id: d.id,
            same_content: before == digest,
        });
    }
    if now >= d.expires_at {
        return Err(Rejection::Expired {
            id: d.id,
            expires_at: timestamp(d.expires_at),
        });
    }
    Ok(Received { envelope, digest })
}

#[cfg(test)]
mod tests;
