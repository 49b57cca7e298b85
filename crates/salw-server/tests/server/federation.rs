//! Federation over real HTTP: nodes that are each a real server on a loopback port with their
//! own registry and key, exchanging signed messages through their outboxes; every refusal of
//! the inbox; a partner down for a while; a network that drops and duplicates.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use ed25519_dalek::SigningKey;
use salw_federation::{Draft, Kind, NodeId};
use salw_server::federation;
use salw_store::{FederationBackend, InboxMessage, OutboxMessage, Registry, WriteContext};
use salw_store_sqlite::SqliteBackend;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// A node: a registry with its own key and country, served on a loopback port when started.
pub struct Node {
    pub country: &'static str,
    pub key: SigningKey,
    pub db: PathBuf,
    /// Fixed by the first start, kept across restarts.
    pub address: Option<SocketAddr>,
    runtime: Option<tokio::runtime::Runtime>,
    _dir: tempfile::TempDir,
}

impl Node {
    pub fn new(country: &'static str, seed: u8) -> Node {
        crate::capture_logs();
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join(format!("{country}.db"));
        let key = SigningKey::from_bytes(&[seed; 32]);
        let ctx = WriteContext {
            recorded_by: "test".into(),
            source: "test".into(),
            now: Utc::now(),
        };
        let mut reg = Registry::new(SqliteBackend::open(&db, true).expect("create"));
        reg.init(Some(country), &key, &ctx).expect("init");
        Node {
            country,
            key,
            db,
            address: None,
            runtime: None,
            _dir: dir,
        }
    }

    /// Serves on a new loopback port, or on the same one as before after `stop`.
    pub fn start(&mut self) -> &mut Node {
        let config = salw_server::Config {
            db: Some(self.db.clone()),
            federation_retry_first_ms: 50,
            federation_retry_max_seconds: 1,
            ..Default::default()
        };
        let state = salw_server::AppState::open(
            config,
            &salw_store_any::Location::File(self.db.clone()),
            &salw_search::index_dir(&self.db),
            self.key.clone(),
            &mut |_| {},
        )
        .expect("server state");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let wanted = self
            .address
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(wanted))
            .expect("bind");
        self.address = Some(listener.local_addr().expect("address"));
        runtime.spawn(async move {
            let _ = salw_server::serve(state, listener, |_| {}).await;
        });
        self.runtime = Some(runtime);
        self
    }

    /// Stops serving: the port refuses connections until `start`.
    pub fn stop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address.expect("started once"))
    }

    pub fn id(&self) -> NodeId {
        NodeId::new(self.country, &self.key.verifying_key())
    }

    pub fn backend(&self) -> SqliteBackend {
        SqliteBackend::open(&self.db, false).expect("open")
    }

    fn info(&self) -> salw_store::NodeInfo {
        Registry::new(self.backend())
            .node()
            .expect("node")
            .expect("initialised")
    }

    /// Registers `other` as a partner reached at `url`.
    pub fn trust(&self, other: &Node, url: &str) {
        federation::add_peer(
            &mut self.backend(),
            &self.info(),
            other.country,
            url,
            &hex::encode(other.key.verifying_key().as_bytes()),
            "test",
            Utc::now(),
        )
        .expect("add peer");
    }

    /// Queues a ping to `to`; returns its id.
    pub fn ping(&self, to: &Node, note: &str) -> String {
        let mut body = Map::new();
        body.insert("note".into(), json!(note));
        federation::enqueue(
            &mut self.backend(),
            &self.key,
            &self.info(),
            to.country,
            Kind::Ping,
            body,
            Utc::now(),
        )
        .expect("enqueue")
        .id
    }

    pub fn inbox(&self) -> Vec<InboxMessage> {
        self.backend().inbox(100_000).expect("inbox")
    }

    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.backend().outbox(100_000).expect("outbox")
    }

    /// Posts raw bytes to this node's inbox: status and JSON answer.
    pub fn post(&self, body: &[u8]) -> (u16, Value) {
        let result = ureq::post(&format!("{}{}", self.url(), federation::INBOX_PATH))
            .set("content-type", "application/json")
            .send_bytes(body);
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("post: {e}"),
        };
        let status = response.status();
        (status, response.into_json().unwrap_or(Value::Null))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Waits until `done` holds, or fails the test saying what was awaited.
fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn delivered(node: &Node) -> usize {
    node.outbox()
        .iter()
        .filter(|m| m.delivered_at.is_some())
        .count()
}

/// Two partners that trust each other, started.
fn pair() -> (Node, Node) {
    let mut a = Node::new("KE", 11);
    let mut b = Node::new("UG", 12);
    a.start();
    b.start();
    a.trust(&b, &b.url());
    b.trust(&a, &a.url());
    (a, b)
}

#[test]
fn three_nodes_exchange_signed_messages_through_their_outboxes() {
    let mut nodes = [
        Node::new("KE", 21),
        Node::new("UG", 22),
        Node::new("TZ", 23),
    ];
    for n in nodes.iter_mut() {
        n.start();
    }
    for a in &nodes {
        for b in &nodes {
            if a.country != b.country {
                a.trust(b, &b.url());
            }
        }
    }
    let [ke, ug, tz] = &nodes;
    let sent = [
        (ke.ping(ug, "KE to UG"), ug, "KE"),
        (ug.ping(tz, "UG to TZ"), tz, "UG"),
        (tz.ping(ke, "TZ to KE"), ke, "TZ"),
        (ke.ping(tz, "KE to TZ"), tz, "KE"),
    ];
    wait_for("every ping delivered", Duration::from_secs(30), || {
        nodes.iter().map(delivered).sum::<usize>() == sent.len()
    });
    for (id, at, from) in &sent {
        let inbox = at.inbox();
        let m = inbox
            .iter()
            .find(|m| &m.id == id)
            .unwrap_or_else(|| panic!("{id} is not in {}'s inbox", at.country));
        assert_eq!(m.sender, *from);
        assert_eq!(m.kind, "ping");
        assert!(m.processed_at.is_some(), "{id} was not processed");
        let envelope: Value = serde_json::from_str(&m.envelope).expect("stored envelope");
        assert_eq!(envelope["to"]["country"], at.country);
    }
    assert_eq!(ke.inbox().len(), 1);
    assert_eq!(ug.inbox().len(), 1);
    assert_eq!(tz.inbox().len(), 2);
    for n in &nodes {
        for m in n.outbox() {
            assert_eq!(m.attempts, 1, "{m:?} took more than one attempt");
        }
    }
}

/// A message from `from` to `to`, signed with `key`, changed by `change` before signing.
fn envelope(from: NodeId, to: NodeId, key: &SigningKey, change: impl FnOnce(&mut Draft)) -> String {
    let mut body = Map::new();
    body.insert("note".into(), json!("by hand"));
    let mut d = Draft::new(Uuid::now_v7(), from, to, Kind::Ping, body, Utc::now());
    change(&mut d);
    d.seal(key).expect("seal").json
}

#[test]
fn the_inbox_refuses_each_bad_message_with_its_reason_and_keeps_nothing() {
    let (ke, ug) = pair();
    let stranger = SigningKey::from_bytes(&[99; 32]);
    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "forged signature",
            envelope(ke.id(), ug.id(), &stranger, |_| {}),
            403,
            "bad-signature",
        ),
        (
            "unknown sender",
            envelope(
                NodeId::new("TZ", &stranger.verifying_key()),
                ug.id(),
                &stranger,
                |_| {},
            ),
            403,
            "unknown-sender",
        ),
        (
            "addressed to another node",
            envelope(
                ke.id(),
                NodeId::new("TZ", &stranger.verifying_key()),
                &ke.key,
                |_| {},
            ),
            421,
            "not-for-this-node",
        ),
        (
            "expired",
            envelope(ke.id(), ug.id(), &ke.key, |d| {
                d.created_at = Utc::now() - chrono::Duration::days(2);
                d.expires_at = Utc::now() - chrono::Duration::days(1);
            }),
            410,
            "expired",
        ),
        (
            "from the future",
            envelope(ke.id(), ug.id(), &ke.key, |d| {
                d.created_at = Utc::now() + chrono::Duration::hours(1);
                d.expires_at = d.created_at + chrono::Duration::days(1);
            }),
            400,
            "malformed",
        ),
        ("not JSON", "{\"v\": 1,".to_owned(), 400, "malformed"),
        (
            "a field missing",
            {
                let mut v: Value =
                    serde_json::from_str(&envelope(ke.id(), ug.id(), &ke.key, |_| {}))
                        .expect("json");
                v.as_object_mut().expect("object").remove("kind");
                v.to_string()
            },
            400,
            "malformed",
        ),
    ];
    for (what, raw, status, code) in &cases {
        let (got, answer) = ug.post(raw.as_bytes());
        assert_eq!(got, *status, "{what}: {answer}");
        assert_eq!(answer["error"]["code"], *code, "{what}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "{what}: no reason given");
        assert!(
            crate::log_contains(message),
            "{what}: the reason was not logged: {message}"
        );
    }
    let (_, missing) = ug.post(cases[6].1.as_bytes());
    assert!(
        missing["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("kind")),
        "the missing field is named: {missing}"
    );
    assert!(ug.inbox().is_empty(), "a refused message was stored");
    // Anyone may post here: a large body is refused before it is read whole.
    let big = envelope(ke.id(), ug.id(), &ke.key, |d| {
        d.body.insert(
            "note".into(),
            json!("x".repeat(federation::MAX_MESSAGE_BYTES)),
        );
    });
    let (status, _) = crate::call_raw_to(&ug.url(), "POST", federation::INBOX_PATH, big.as_bytes());
    assert_eq!(status, 413);

    // Replayed: the same message twice takes effect once; the same id with other content is
    // refused.
    let mut body = Map::new();
    body.insert("note".into(), json!("by hand"));
    let mut d = Draft::new(
        Uuid::now_v7(),
        ke.id(),
        ug.id(),
        Kind::Ping,
        body,
        Utc::now(),
    );
    let id = d.id;
    let good = d.clone().seal(&ke.key).expect("seal").json;
    let (status, answer) = ug.post(good.as_bytes());
    assert_eq!((status, answer["status"].as_str()), (200, Some("accepted")));
    let (status, answer) = ug.post(good.as_bytes());
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("already received"))
    );
    // Signed by the real sender: only the reuse of the id is wrong.
    d.body
        .insert("note".into(), json!("another message under the same id"));
    let reused = d.seal(&ke.key).expect("seal").json;
    let (status, answer) = ug.post(reused.as_bytes());
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["code"], "replayed");
    assert!(crate::log_contains(&format!(
        "message {id} was received before with different content"
    )));
    let inbox = ug.inbox();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].envelope.contains("by hand"));
}

#[test]
fn a_partner_down_for_a_while_gets_its_messages_when_it_comes_back() {
    let (ke, mut ug) = pair();
    ug.stop();
    let ids: Vec<String> = (0..5)
        .map(|i| ke.ping(&ug, &format!("while down {i}")))
        .collect();
    wait_for("several failed attempts", Duration::from_secs(30), || {
        ke.outbox().iter().all(|m| m.attempts >= 3)
    });
    let waiting = ke.outbox();
    assert!(waiting.iter().all(|m| m.delivered_at.is_none()));
    assert!(
        waiting.iter().all(|m| m.last_error.is_some()),
        "each failure keeps its reason: {waiting:?}"
    );
    // Backoff: the next attempt is further away than the first wait.
    std::thread::sleep(Duration::from_millis(500));
    ug.start();
    wait_for(
        "delivery after the partner came back",
        Duration::from_secs(30),
        || delivered(&ke) == ids.len(),
    );
    let mut received: Vec<String> = ug.inbox().into_iter().map(|m| m.id).collect();
    received.sort();
    let mut sent = ids.clone();
    sent.sort();
    assert_eq!(received, sent);
}

/// A proxy in front of a node that, by turns: drops the request, forwards it but drops the
/// answer, forwards it twice (a duplicate), or forwards it once. A third of the deliveries
/// are lost (half of those after the partner took the message).
struct FlakyProxy {
    address: SocketAddr,
    counts: Arc<[AtomicU64; 4]>,
    already: Arc<AtomicU64>,
}

impl FlakyProxy {
    fn start(target: String) -> FlakyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
        let already = Arc::new(AtomicU64::new(0));
        let (c, a) = (counts.clone(), already.clone());
        std::thread::spawn(move || {
            let mut turn = 0u64;
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let behaviour = match turn % 6 {
                    0 => 0, // drop the request
                    3 => 1, // forward, drop the answer
                    1 => 2, // forward twice
                    _ => 3, // forward
                };
                turn += 1;
                c[behaviour].fetch_add(1, Ordering::Relaxed);
                let _ = Self::handle(stream, &target, behaviour, &a);
            }
        });
        FlakyProxy {
            address,
            counts,
            already,
        }
    }

    fn handle(
        mut stream: TcpStream,
        target: &str,
        behaviour: usize,
        already: &AtomicU64,
    ) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut length = 0usize;
        let mut path = String::new();
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if let Some(p) = line.split(' ').nth(1) {
            path = p.to_owned();
        }
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            if line.trim().is_empty() {
                break;
            }
            let header = line.split_once(':');
            if let Some((_, value)) =
                header.filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        if behaviour == 0 {
            return Ok(()); // closed without forwarding
        }
        let forward = || {
            let result = ureq::post(&format!("{target}{path}"))
                .set("content-type", "application/json")
                .send_bytes(&body);
            let response = match result {
                Ok(r) => r,
                Err(ureq::Error::Status(_, r)) => r,
                Err(e) => return (502, e.to_string()),
            };
            (
                response.status(),
                response.into_string().unwrap_or_default(),
            )
        };
        let (mut status, mut text) = forward();
        if behaviour == 2 {
            (status, text) = forward();
        }
        if text.contains("already received") {
            already.fetch_add(1, Ordering::Relaxed);
        }
        if behaviour == 1 {
            return Ok(()); // the partner has it; the sender never hears so
        }
        write!(
            stream,
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
            text.len()
        )?;
        stream.flush()
    }
}

#[test]
fn a_network_that_drops_and_duplicates_still_delivers_each_message_exactly_once() {
    let (ke, ug) = pair();
    let proxy = FlakyProxy::start(ug.url());
    // Kenya reaches Uganda through the proxy only.
    ke.trust(&ug, &format!("http://{}", proxy.address));
    let ids: Vec<String> = (0..30)
        .map(|i| ke.ping(&ug, &format!("flaky {i}")))
        .collect();
    wait_for("every message delivered", Duration::from_secs(60), || {
        delivered(&ke) == ids.len()
    });
    let counts: Vec<u64> = proxy
        .counts
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    let total: u64 = counts.iter().sum();
    assert!(
        counts[0] > 0 && counts[1] > 0 && counts[2] > 0,
        "{counts:?}"
    );
    assert!(
        (counts[0] + counts[1]) * 3 >= total - 1,
        "about a third lost: {counts:?}"
    );
    assert!(
        proxy.already.load(Ordering::Relaxed) > 0,
        "some copies reached the partner twice"
    );
    let inbox = ug.inbox();
    assert_eq!(inbox.len(), ids.len(), "each message stored once");
    let mut received: Vec<&str> = inbox.iter().map(|m| m.id.as_str()).collect();
    received.sort();
    let mut sent: Vec<&str> = ids.iter().map(String::as_str).collect();
    sent.sort();
    assert_eq!(received, sent);
    assert!(inbox.iter().all(|m| m.processed_at.is_some()));
    let retried = ke.outbox().iter().filter(|m| m.attempts > 1).count();
    assert!(retried > 0, "some messages needed more than one attempt");
}

impl Node {
    /// Queues a message of any kind to `to`; returns its id.
    pub fn send(&self, to: &Node, kind: Kind, body: Value) -> String {
        let Value::Object(body) = body else {
            panic!("a body is an object")
        };
        federation::enqueue(
            &mut self.backend(),
            &self.key,
            &self.info(),
            to.country,
            kind,
            body,
            Utc::now(),
        )
        .expect("enqueue")
        .id
    }
}

#[test]
fn a_trace_request_is_acknowledged_answered_and_closed_between_two_nodes() {
    let (ke, ug) = pair();
    let request = ke.send(
        &ug,
        Kind::TraceRequest,
        json!({"reference": "KE-2026-0042", "priority": "routine", "request": {"serial": "AK-4711"}}),
    );
    wait_for("the request", Duration::from_secs(30), || {
        ug.inbox().iter().any(|m| m.id == request)
    });
    let ack = ug.send(
        &ke,
        Kind::TraceAcknowledgement,
        json!({"in_reply_to": request}),
    );
    let answer = ug.send(
        &ke,
        Kind::TraceAnswer,
        json!({"in_reply_to": request, "outcome": "restricted", "restrictions": ["not for use in court"]}),
    );
    wait_for(
        "the acknowledgement and answer",
        Duration::from_secs(30),
        || ke.inbox().len() == 2,
    );
    let closure = ke.send(
        &ug,
        Kind::TraceClosure,
        json!({"in_reply_to": request, "result": "point-of-diversion-found"}),
    );
    wait_for("the closure", Duration::from_secs(30), || {
        ug.inbox().len() == 2
    });
    let kinds = |n: &Node| {
        let mut k: Vec<(String, String)> = n.inbox().into_iter().map(|m| (m.id, m.kind)).collect();
        k.sort();
        k
    };
    let mut at_ke = vec![
        (ack, "trace-acknowledgement".to_owned()),
        (answer, "trace-answer".to_owned()),
    ];
    at_ke.sort();
    assert_eq!(kinds(&ke), at_ke);
    let mut at_ug = vec![
        (request.clone(), "trace-request".to_owned()),
        (closure, "trace-closure".to_owned()),
    ];
    at_ug.sort();
    assert_eq!(kinds(&ug), at_ug);

    // The request became a received trace at UG (the marking search ran on arrival), which
    // the closure closed; Kenya's request was sent from code, not from a trace: its replies
    // are kept in the inbox only.
    let at_ug = salw_server::traces::list(&mut ug.backend(), Utc::now()).expect("traces");
    assert_eq!(at_ug.len(), 1);
    assert_eq!(
        (
            at_ug[0].trace.role.as_str(),
            at_ug[0].trace.reference.as_str()
        ),
        ("received", "KE-2026-0042")
    );
    let states: Vec<&str> = at_ug[0].steps.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(states, ["received", "closed"]);
    assert!(
        at_ug[0].steps[0]
            .detail
            .contains("marking search for 'AK-4711'")
    );
    assert!(
        salw_server::traces::list(&mut ke.backend(), Utc::now())
            .expect("traces")
            .is_empty()
    );

    // A reply to a request never exchanged, or from the wrong side, is refused with its reason.
    let stray = envelope_of(
        &ug,
        &ke,
        Kind::TraceAnswer,
        json!({"in_reply_to": Uuid::now_v7().to_string(), "outcome": "complete"}),
    );
    let (status, body) = ke.post(stray.as_bytes());
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("not-a-reply")),
        "{body}"
    );
    // Kenya's own request, "answered" by Kenya to Uganda: Uganda sent no such request.
    let wrong_side = envelope_of(
        &ke,
        &ug,
        Kind::TraceAnswer,
        json!({"in_reply_to": request, "outcome": "complete"}),
    );
    let (status, body) = ug.post(wrong_side.as_bytes());
    assert_eq!(status, 422, "{body}");
    assert!(crate::log_contains("which is no trace request this node"));
    // A malformed answer names the missing item.
    let bad = envelope_of(
        &ug,
        &ke,
        Kind::TraceAnswer,
        json!({"in_reply_to": request, "outcome": "refused"}),
    );
    let (status, body) = ke.post(bad.as_bytes());
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("body.ground")),
        "{body}"
    );
    assert_eq!(ke.inbox().len(), 2);
}

/// A sealed envelope from `from` to `to`, as `from` would send it.
fn envelope_of(from: &Node, to: &Node, kind: Kind, body: Value) -> String {
    let Value::Object(body) = body else {
        panic!("a body is an object")
    };
    Draft::new(Uuid::now_v7(), from.id(), to.id(), kind, body, Utc::now())
        .seal(&from.key)
        .expect("seal")
        .json
}
