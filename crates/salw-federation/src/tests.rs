use super::*;
use chrono::TimeZone;
use serde_json::json;

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
        .single()
        .expect("a time")
}

struct World {
    ke: SigningKey,
    ug: SigningKey,
    peers_of_ug: Vec<PeerKey>,
    ug_me: Me,
}

fn world() -> World {
    let ke = key(1);
    let ug = key(2);
    World {
        peers_of_ug: vec![PeerKey {
            country: "KE".into(),
            key: ke.verifying_key(),
        }],
        ug_me: Me {
            id: NodeId::new("UG", &ug.verifying_key()),
        },
        ke,
        ug,
    }
}

fn draft(w: &World) -> Draft {
    let mut body = Map::new();
    body.insert("note".into(), json!("hello"));
    Draft::new(
        Uuid::now_v7(),
        NodeId::new("KE", &w.ke.verifying_key()),
        NodeId::new("UG", &w.ug.verifying_key()),
        Kind::Ping,
        body,
        now(),
    )
}

fn never_seen(_: Uuid) -> Seen {
    Seen::No
}

fn check(w: &World, raw: &[u8], at: DateTime<Utc>) -> Result<Received, Rejection> {
    verify(raw, &w.peers_of_ug, &w.ug_me, at, &mut never_seen)
}

/// Changes the sealed JSON and signs it again with `key`, as a sender with that key would.
fn resign(json: &str, key: &SigningKey, change: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut m: Map<String, Value> = serde_json::from_str(json).expect("json");
    m.remove("signature");
    change(&mut m);
    // What cannot be put in canonical form cannot be signed: it gets a signature of zeros
    // (its shape is refused before any signature is looked at).
    let signature = match signing_input(&Value::Object(m.clone())) {
        Ok(signed) => hex::encode(key.sign(&signed).to_bytes()),
        Err(_) => "0".repeat(128),
    };
    m.insert("signature".into(), signature.into());
    Value::Object(m).to_string()
}

#[test]
fn a_sealed_message_is_accepted_as_it_was_sent() {
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    let received = check(&w, sealed.json.as_bytes(), now()).expect("accepted");
    assert_eq!(received.envelope, sealed.envelope);
    assert_eq!(received.digest, sealed.digest);
}

#[test]
fn the_wire_form_is_canonical_and_re_encoding_keeps_the_signature_valid() {
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    let value: Value = serde_json::from_str(&sealed.json).expect("json");
    assert_eq!(to_canonical(&value).expect("canonical"), sealed.json);
    // Pretty-printed, members in another order: the same message.
    let pretty = serde_json::to_string_pretty(&value).expect("pretty");
    let received = check(&w, pretty.as_bytes(), now()).expect("accepted");
    assert_eq!(received.digest, sealed.digest);
}

#[test]
fn a_changed_body_is_a_forged_signature() {
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    let changed = sealed.json.replace("hello", "hellO");
    assert_ne!(changed, sealed.json);
    assert!(matches!(
        check(&w, changed.as_bytes(), now()),
        Err(Rejection::ForgedSignature { .. })
    ));
}

#[test]
fn a_message_signed_by_another_key_claiming_a_known_sender_is_forged() {
    let w = world();
    let sealed = draft(&w).seal(&key(9)).expect("seal");
    let rejected = check(&w, sealed.json.as_bytes(), now()).expect_err("refused");
    assert_eq!(rejected.code(), "bad-signature");
}

#[test]
fn a_signature_made_for_a_journal_head_is_not_a_message_signature() {
    // Without the prefix, the same key's signature over the same bytes must not verify.
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    let mut m: Map<String, Value> = serde_json::from_str(&sealed.json).expect("json");
    m.remove("signature");
    let bare = to_canonical(&Value::Object(m.clone())).expect("canonical");
    m.insert(
        "signature".into(),
        hex::encode(w.ke.sign(bare.as_bytes()).to_bytes()).into(),
    );
    let raw = Value::Object(m).to_string();
    assert!(matches!(
        check(&w, raw.as_bytes(), now()),
        Err(Rejection::ForgedSignature { .. })
    ));
}

#[test]
fn an_unknown_country_or_key_is_an_unknown_sender() {
    let w = world();
    let stranger = key(3);
    let mut d = draft(&w);
    d.from = NodeId::new("TZ", &stranger.verifying_key());
    let sealed = d.seal(&stranger).expect("seal");
    match check(&w, sealed.json.as_bytes(), now()) {
        Err(Rejection::UnknownSender { from, reason }) => {
            assert_eq!(from.country, "TZ");
            assert!(reason.contains("no peer is registered for TZ"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Kenya's country, a key Uganda does not know (a new key not yet registered).
    let mut d = draft(&w);
    d.from = NodeId::new("KE", &stranger.verifying_key());
    let sealed = d.seal(&stranger).expect("seal");
    match check(&w, sealed.json.as_bytes(), now()) {
        Err(Rejection::UnknownSender { reason, .. }) => {
            assert!(reason.contains("another id"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_message_for_another_node_is_refused() {
    let w = world();
    for to in [
        NodeId::new("TZ", &w.ug.verifying_key()),
        // Uganda's country, but an old or other key of it.
        NodeId::new("UG", &key(4).verifying_key()),
    ] {
        let mut d = draft(&w);
        d.to = to.clone();
        let sealed = d.seal(&w.ke).expect("seal");
        match check(&w, sealed.json.as_bytes(), now()) {
            Err(Rejection::NotForMe { to: got, me }) => {
                assert_eq!(got, to);
                assert_eq!(me, w.ug_me.id);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_message_received_before_is_replayed_and_told_apart_from_an_id_reused() {
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    let digest = sealed.digest.clone();
    let id = sealed.envelope.draft.id;
    let mut seen = |asked: Uuid| {
        assert_eq!(asked, id);
        Seen::Yes {
            digest: digest.clone(),
        }
    };
    let again = verify(
        sealed.json.as_bytes(),
        &w.peers_of_ug,
        &w.ug_me,
        now(),
        &mut seen,
    );
    assert_eq!(
        again,
        Err(Rejection::Replayed {
            id,
            same_content: true
        })
    );
    // Another message under the same id.
    let other = resign(&sealed.json, &w.ke, |m| {
        m.insert("body".into(), json!({"note": "other"}));
    });
    let reused = verify(other.as_bytes(), &w.peers_of_ug, &w.ug_me, now(), &mut seen);
    assert_eq!(
        reused,
        Err(Rejection::Replayed {
            id,
            same_content: false
        })
    );
}

#[test]
fn a_retry_of_a_message_received_long_ago_is_a_replay_not_expired() {
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    let digest = sealed.digest.clone();
    let later = now() + DEFAULT_LIFETIME + Duration::days(1);
    let result = verify(
        sealed.json.as_bytes(),
        &w.peers_of_ug,
        &w.ug_me,
        later,
        &mut |_| Seen::Yes {
            digest: digest.clone(),
        },
    );
    assert!(matches!(result, Err(Rejection::Replayed { .. })));
}

#[test]
fn an_expired_message_is_refused() {
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    let expires = sealed.envelope.draft.expires_at;
    assert!(
        check(
            &w,
            sealed.json.as_bytes(),
            expires - Duration::milliseconds(1)
        )
        .is_ok()
    );
    match check(&w, sealed.json.as_bytes(), expires) {
        Err(Rejection::Expired { expires_at, .. }) => {
            assert_eq!(expires_at, timestamp(expires))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_message_from_too_far_in_the_future_is_malformed() {
    let w = world();
    let mut d = draft(&w);
    d.created_at = now() + MAX_CLOCK_SKEW + Duration::seconds(1);
    d.expires_at = d.created_at + Duration::days(1);
    let sealed = d.seal(&w.ke).expect("seal");
    match check(&w, sealed.json.as_bytes(), now()) {
        Err(Rejection::Malformed { field, .. }) => assert_eq!(field, "created_at"),
        other => panic!("{other:?}"),
    }
    // Within the allowed skew: accepted.
    let mut d = draft(&w);
    d.created_at = now() + MAX_CLOCK_SKEW;
    d.expires_at = d.created_at + Duration::days(1);
    let sealed = d.seal(&w.ke).expect("seal");
    assert!(check(&w, sealed.json.as_bytes(), now()).is_ok());
}

#[test]
fn times_out_of_order_or_too_long_a_life_are_malformed() {
    let w = world();
    for (expires, why) in [
        (now(), "expires when created"),
        (
            now() + MAX_LIFETIME + Duration::seconds(1),
            "lives too long",
        ),
    ] {
        let mut d = draft(&w);
        d.expires_at = expires;
        let sealed = d.seal(&w.ke).expect("seal");
        match check(&w, sealed.json.as_bytes(), now()) {
            Err(Rejection::Malformed { field, .. }) => assert_eq!(field, "expires_at", "{why}"),
            other => panic!("{why}: {other:?}"),
        }
    }
}

/// Each broken envelope, signed properly by the known sender so that only its shape is wrong,
/// and the field its rejection must name.
#[test]
fn each_missing_or_invalid_field_is_named() {
    let w = world();
    let sealed = draft(&w).seal(&w.ke).expect("seal");
    type Change = Box<dyn FnOnce(&mut Map<String, Value>)>;
    let cases: Vec<(&str, Change)> = vec![
        ("v", Box::new(|m| drop(m.remove("v")))),
        ("v", Box::new(|m| drop(m.insert("v".into(), json!(2))))),
        ("id", Box::new(|m| drop(m.remove("id")))),
        ("id", Box::new(|m| drop(m.insert("id".into(), json!("x"))))),
        (
            "id",
            Box::new(|m| {
                drop(m.insert("id".into(), json!("67e55044-10b1-426f-9247-bb680e5fe0c8")))
            }),
        ),
        ("from", Box::new(|m| drop(m.remove("from")))),
        (
            "from",
            Box::new(|m| drop(m.insert("from".into(), json!("KE")))),
        ),
        (
            "from.country",
            Box::new(|m| {
                drop(m.insert(
                    "from".into(),
                    json!({"country": "ke", "key": "0123456789abcdef"}),
                ))
            }),
        ),
        (
            "to.country",
            Box::new(|m| {
                drop(m.insert(
                    "to".into(),
                    json!({"country": "XX", "key": "0123456789abcdef"}),
                ))
            }),
        ),
        (
            "to.key",
            Box::new(|m| drop(m.insert("to".into(), json!({"country": "UG", "key": "0123"})))),
        ),
        ("kind", Box::new(|m| drop(m.remove("kind")))),
        (
            "kind",
            Box::new(|m| drop(m.insert("kind".into(), json!("launch")))),
        ),
        (
            "created_at",
            Box::new(|m| drop(m.insert("created_at".into(), json!("yesterday")))),
        ),
        ("expires_at", Box::new(|m| drop(m.remove("expires_at")))),
        (
            "body",
            Box::new(|m| drop(m.insert("body".into(), json!([1])))),
        ),
        (
            "body/n",
            Box::new(|m| drop(m.insert("body".into(), json!({"n": 0.5})))),
        ),
        (
            "extra",
            Box::new(|m| drop(m.insert("extra".into(), json!(1)))),
        ),
    ];
    for (field, change) in cases {
        let raw = resign(&sealed.json, &w.ke, change);
        match check(&w, raw.as_bytes(), now()) {
            Err(Rejection::Malformed { field: got, reason }) => {
                assert_eq!(got, field, "{raw}: {reason}")
            }
            other => panic!("{field}: {raw}: {other:?}"),
        }
    }
    for (raw, field) in [
        (&b"not json"[..], "envelope"),
        (b"[1]", "envelope"),
        (b"", "envelope"),
    ] {
        match check(&w, raw, now()) {
            Err(Rejection::Malformed { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{other:?}"),
        }
    }
    let no_signature = sealed
        .json
        .replace(&hex::encode(sealed.envelope.signature), "abc");
    match check(&w, no_signature.as_bytes(), now()) {
        Err(Rejection::Malformed { field, .. }) => assert_eq!(field, "signature"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_float_in_a_body_cannot_be_sealed() {
    let w = world();
    let mut d = draft(&w);
    d.body.insert("n".into(), json!(1.5));
    assert!(d.seal(&w.ke).is_err());
}

#[test]
fn public_keys_are_read_from_hex_with_a_clear_error() {
    let k = key(1).verifying_key();
    assert_eq!(parse_public_key(&hex::encode(k.as_bytes())), Ok(k));
    let e = parse_public_key("xyz").expect_err("not hex");
    assert!(e.contains("64 hex digits"), "{e}");
    assert!(parse_public_key(&"ab".repeat(31)).is_err());
}

#[test]
fn base_urls_are_checked() {
    assert_eq!(
        parse_base_url(" https://salw.example.org/ ").as_deref(),
        Ok("https://salw.example.org")
    );
    assert_eq!(
        parse_base_url("http://127.0.0.1:8080/node").as_deref(),
        Ok("http://127.0.0.1:8080/node")
    );
    for bad in [
        "salw.example.org",
        "ftp://x",
        "https://",
        "https:///x",
        "http://a b",
        "http://x?y=1",
        "http://u@x",
        "http://x:99999",
        "http://x:0",
    ] {
        assert!(parse_base_url(bad).is_err(), "{bad}");
    }
}
