//! The bodies of the trace messages (ITI para 17): what each kind must carry, checked when
//! an envelope is read, so that a node never stores a trace message it cannot act on.
//!
//! - `trace-request`: `reference` (the requester's case reference), `priority` (`routine` or
//!   `urgent`, the latter with `urgency_reason`), `request` (an object: the recovery, marks and
//!   weapon as DOMAIN.md §6 lists; its content is checked by the requesting node before
//!   sending, not yet here).
//! - `trace-acknowledgement`: `in_reply_to` (the request's message id).
//! - `trace-answer`: `in_reply_to`; `outcome`: `complete`, `partial`, `restricted`, `delayed`
//!   or `refused` (with `ground`); optional `restrictions` (strings: the uses the providing
//!   State forbids, which travel with the data) and `confidentiality` (a string).
//! - `trace-closure`: `in_reply_to`; `result`: `point-of-diversion-found`, or `chain-broken` /
//!   `exempted` with `reason`.
//! - `trace-information-request` (from the requested State): `in_reply_to`; `questions`.
//! - `trace-information` (from the requesting State): `in_reply_to`; `information`.
//!
//! - `trace-reminder` (from the requesting State): `in_reply_to`; optional `note`.
//! - `lost-stolen-alert`: `reference` (the weapon's id at the reporting node), `reported`
//!   (`lost` or `stolen`), `reported_on` (the date), `serial`, and the weapon's `country`,
//!   `manufacturer` and `model` (strings; what identifies it, DOMAIN.md §5); optional
//!   `category` and `calibre`.
//! - `alert-hit`: `in_reply_to` (the alert's message id); `recovery` (`seized`, `found`,
//!   `surrendered` or `recovered`) and `recovered_on`; optional `place`.
//!
//! Which message a reply may answer (a request this node sent to, or received from, that
//! State) is the receiver's check: it needs its outbox and inbox.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::{Kind, Rejection, malformed};

pub const OUTCOMES: &[&str] = &["complete", "partial", "restricted", "delayed", "refused"];
pub const RESULTS: &[&str] = &["point-of-diversion-found", "chain-broken", "exempted"];

fn text<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, Rejection> {
    let field = format!("body.{name}");
    match body.get(name) {
        None => Err(malformed(&field, "missing")),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(malformed(&field, "must not be empty")),
        Some(_) => Err(malformed(&field, "must be a string")),
    }
}

fn one_of<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    allowed: &[&str],
) -> Result<&'a str, Rejection> {
    let value = text(body, name)?;
    if allowed.contains(&value) {
        Ok(value)
    } else {
        Err(malformed(
            &format!("body.{name}"),
            format!("'{value}' is not one of {}", allowed.join(", ")),
        ))
    }
}

fn date(body: &Map<String, Value>, name: &str) -> Result<(), Rejection> {
    let value = text(body, name)?;
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(|_| ())
        .map_err(|_| {
            malformed(
                &format!("body.{name}"),
                format!("'{value}' is not a date (YYYY-MM-DD)"),
            )
        })
}

/// The request a reply answers.
pub fn in_reply_to(body: &Map<String, Value>) -> Result<Uuid, Rejection> {
    let value = text(body, "in_reply_to")?;
    Uuid::parse_str(value).map_err(|_| {
        malformed(
            "body.in_reply_to",
            format!("'{value}' is not a message id (a UUID)"),
        )
    })
}

/// Checks that a body carries what its kind needs.
pub fn check_body(kind: Kind, body: &Map<String, Value>) -> Result<(), Rejection> {
    match kind {
        Kind::Ping => {}
        Kind::TraceRequest => {
            text(body, "reference")?;
            if one_of(body, "priority", &["routine", "urgent"])? == "urgent" {
                text(body, "urgency_reason")?;
            }
            if !body.get("request").is_some_and(Value::is_object) {
                return Err(malformed(
                    "body.request",
                    "must be an object: the recovery, marks and weapon (ITI para 17)",
                ));
            }
        }
        Kind::TraceAcknowledgement => {
            in_reply_to(body)?;
        }
        Kind::TraceAnswer => {
            in_reply_to(body)?;
            if one_of(body, "outcome", OUTCOMES)? == "refused" {
                text(body, "ground")?;
            }
            match body.get("restrictions") {
                None => {}
                Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
                Some(_) => {
                    return Err(malformed("body.restrictions", "must be a list of strings"));
                }
            }
            if body.contains_key("confidentiality") {
                text(body, "confidentiality")?;
            }
        }
        Kind::TraceClosure => {
            in_reply_to(body)?;
            if one_of(body, "result", RESULTS)? != "point-of-diversion-found" {
                text(body, "reason")?;
            }
        }
        Kind::TraceInformationRequest => {
            in_reply_to(body)?;
            text(body, "questions")?;
        }
        Kind::TraceInformation => {
            in_reply_to(body)?;
            text(body, "information")?;
        }
        Kind::TraceReminder => {
            in_reply_to(body)?;
            if body.contains_key("note") {
                text(body, "note")?;
            }
        }
        Kind::LostStolenAlert => {
            text(body, "reference")?;
            one_of(body, "reported", &["lost", "stolen"])?;
            date(body, "reported_on")?;
            for name in ["serial", "country", "manufacturer", "model"] {
                text(body, name)?;
            }
            for name in ["category", "calibre"] {
                if body.contains_key(name) {
                    text(body, name)?;
                }
            }
        }
        Kind::AlertHit => {
            in_reply_to(body)?;
            one_of(
                body,
                "recovery",
                &["seized", "found", "surrendered", "recovered"],
            )?;
            date(body, "recovered_on")?;
            if body.contains_key("place") {
                text(body, "place")?;
            }
        }
    }
    Ok(())
}

/// Whether a kind answers a request, and which side of it sends it: acknowledgements and
/// answers come from the requested State, closures from the requesting one.
pub fn replies_to_request(kind: Kind) -> Option<Side> {
    match kind {
        Kind::TraceAcknowledgement | Kind::TraceAnswer | Kind::TraceInformationRequest => {
            Some(Side::Requested)
        }
        Kind::TraceClosure | Kind::TraceInformation | Kind::TraceReminder => Some(Side::Requesting),
        Kind::Ping | Kind::TraceRequest | Kind::LostStolenAlert | Kind::AlertHit => None,
    }
}

/// Which side of a trace request sends a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The State that was asked: its reply answers a request the receiver sent.
    Requested,
    /// The State that asked: its closure answers a request the receiver received.
    Requesting,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("an object"),
        }
    }

    fn field_of(kind: Kind, v: Value) -> String {
        match check_body(kind, &body(v)) {
            Err(Rejection::Malformed { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    const ID: &str = "019ad3c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";

    #[test]
    fn alerts_and_hits_carry_what_identifies_the_weapon_and_the_recovery() {
        let alert = json!({"reference": "W-1", "reported": "stolen", "reported_on": "2025-03-01",
            "serial": "AK-4711", "country": "RS", "manufacturer": "Zastava", "model": "M70"});
        assert!(check_body(Kind::LostStolenAlert, &body(alert.clone())).is_ok());
        let mut no_serial = alert.clone();
        no_serial.as_object_mut().map(|o| o.remove("serial"));
        assert_eq!(field_of(Kind::LostStolenAlert, no_serial), "body.serial");
        let mut bad_kind = alert.clone();
        bad_kind["reported"] = json!("misplaced");
        assert_eq!(field_of(Kind::LostStolenAlert, bad_kind), "body.reported");
        let mut bad_date = alert;
        bad_date["reported_on"] = json!("March 2025");
        assert_eq!(
            field_of(Kind::LostStolenAlert, bad_date),
            "body.reported_on"
        );
        let hit = json!({"in_reply_to": ID, "recovery": "seized", "recovered_on": "2026-01-02"});
        assert!(check_body(Kind::AlertHit, &body(hit)).is_ok());
        assert_eq!(
            field_of(
                Kind::AlertHit,
                json!({"in_reply_to": ID, "recovered_on": "2026-01-02"})
            ),
            "body.recovery"
        );
        assert_eq!(
            field_of(
                Kind::AlertHit,
                json!({"recovery": "found", "recovered_on": "2026-01-02"})
            ),
            "body.in_reply_to"
        );
    }

    #[test]
    fn each_kind_accepts_what_it_needs() {
        let ok = [
            (Kind::Ping, json!({})),
            (
                Kind::TraceRequest,
                json!({"reference": "KE-2026-17", "priority": "routine", "request": {}}),
            ),
            (
                Kind::TraceRequest,
                json!({"reference": "KE-2026-18", "priority": "urgent", "urgency_reason": "suspect in custody 48 h", "request": {}}),
            ),
            (Kind::TraceAcknowledgement, json!({"in_reply_to": ID})),
            (Kind::TraceReminder, json!({"in_reply_to": ID})),
            (
                Kind::TraceReminder,
                json!({"in_reply_to": ID, "note": "suspect in custody"}),
            ),
            (
                Kind::TraceAnswer,
                json!({"in_reply_to": ID, "outcome": "restricted", "restrictions": ["no use in court"], "confidentiality": "restricted"}),
            ),
            (
                Kind::TraceAnswer,
                json!({"in_reply_to": ID, "outcome": "refused", "ground": "ongoing criminal investigation"}),
            ),
            (
                Kind::TraceClosure,
                json!({"in_reply_to": ID, "result": "point-of-diversion-found"}),
            ),
            (
                Kind::TraceClosure,
                json!({"in_reply_to": ID, "result": "exempted", "reason": "made before 1946"}),
            ),
            (
                Kind::TraceInformationRequest,
                json!({"in_reply_to": ID, "questions": "a photo of the proof marks"}),
            ),
            (
                Kind::TraceInformation,
                json!({"in_reply_to": ID, "information": "sent by courier"}),
            ),
        ];
        for (kind, v) in ok {
            assert_eq!(check_body(kind, &body(v.clone())), Ok(()), "{kind:?} {v}");
        }
    }

    #[test]
    fn each_missing_or_wrong_item_is_named() {
        let cases = [
            (
                Kind::TraceRequest,
                json!({"priority": "routine", "request": {}}),
                "body.reference",
            ),
            (
                Kind::TraceRequest,
                json!({"reference": "R", "request": {}}),
                "body.priority",
            ),
            (
                Kind::TraceRequest,
                json!({"reference": "R", "priority": "soon", "request": {}}),
                "body.priority",
            ),
            (
                Kind::TraceRequest,
                json!({"reference": "R", "priority": "urgent", "request": {}}),
                "body.urgency_reason",
            ),
            (
                Kind::TraceRequest,
                json!({"reference": "R", "priority": "routine"}),
                "body.request",
            ),
            (
                Kind::TraceRequest,
                json!({"reference": " ", "priority": "routine", "request": {}}),
                "body.reference",
            ),
            (Kind::TraceAcknowledgement, json!({}), "body.in_reply_to"),
            (
                Kind::TraceAcknowledgement,
                json!({"in_reply_to": "nope"}),
                "body.in_reply_to",
            ),
            (
                Kind::TraceAnswer,
                json!({"in_reply_to": ID}),
                "body.outcome",
            ),
            (
                Kind::TraceAnswer,
                json!({"in_reply_to": ID, "outcome": "refused"}),
                "body.ground",
            ),
            (
                Kind::TraceAnswer,
                json!({"in_reply_to": ID, "outcome": "partial", "restrictions": "all"}),
                "body.restrictions",
            ),
            (
                Kind::TraceAnswer,
                json!({"in_reply_to": ID, "outcome": "partial", "confidentiality": 3}),
                "body.confidentiality",
            ),
            (
                Kind::TraceClosure,
                json!({"in_reply_to": ID}),
                "body.result",
            ),
            (
                Kind::TraceClosure,
                json!({"in_reply_to": ID, "result": "chain-broken"}),
                "body.reason",
            ),
            (
                Kind::TraceInformationRequest,
                json!({"in_reply_to": ID}),
                "body.questions",
            ),
            (
                Kind::TraceInformation,
                json!({"in_reply_to": ID, "information": ""}),
                "body.information",
            ),
        ];
        for (kind, v, field) in cases {
            assert_eq!(field_of(kind, v.clone()), field, "{kind:?} {v}");
        }
    }

    #[test]
    fn replies_know_their_side() {
        assert_eq!(replies_to_request(Kind::TraceAnswer), Some(Side::Requested));
        assert_eq!(
            replies_to_request(Kind::TraceAcknowledgement),
            Some(Side::Requested)
        );
        assert_eq!(
            replies_to_request(Kind::TraceClosure),
            Some(Side::Requesting)
        );
        assert_eq!(
            replies_to_request(Kind::TraceInformationRequest),
            Some(Side::Requested)
        );
        assert_eq!(
            replies_to_request(Kind::TraceInformation),
            Some(Side::Requesting)
        );
        assert_eq!(replies_to_request(Kind::TraceRequest), None);
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(*k));
        }
    }
}
