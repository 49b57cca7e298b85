//! The server's one integration-test binary: a real server on port 0 over a real SQLite file,
//! spoken to over real HTTP (and, in `browser`, by headless Chromium). `mod postgres` runs a
//! set of them again with the registry in PostgreSQL.

mod assessment;
mod bad_input;
mod browser;
mod federation;
mod roles;
mod stock;
mod trace_api;
mod webdriver;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use salw_access::Role;
use salw_store::{Registry, RowError, Staged, WriteContext};
use salw_store_any::{AnyBackend, Location};

/// What the servers of this test binary logged (tracing), for tests that check a reason was
/// logged. Installed by `capture_logs`, once for the whole binary.
static LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| LogWriter)
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

pub fn log_contains(needle: &str) -> bool {
    let log = LOG.lock().unwrap_or_else(|p| p.into_inner());
    String::from_utf8_lossy(&log).contains(needle)
}

/// Every account made by `TestServer::start` has this password.
pub const PASSWORD: &str = "test password 1";

pub struct TestServer {
    pub base: String,
    /// The registry file (unused when the registry is in PostgreSQL: see `location`).
    pub db: PathBuf,
    pub location: Location,
    /// An API token per role, for accounts named after the role.
    pub tokens: HashMap<Role, String>,
    /// The node's signing key.
    pub key: ed25519_dalek::SigningKey,
    _dir: tempfile::TempDir,
    _runtime: Arc<tokio::runtime::Runtime>,
}

pub const ROLES: [Role; 5] = [
    Role::Administrator,
    Role::Registrar,
    Role::Investigator,
    Role::Analyst,
    Role::Auditor,
];

impl TestServer {
    /// A registry with `weapons` demo weapons (seed 1), one account and one token per role
    /// (named after the role), served on 127.0.0.1:0.
    pub fn start(weapons: u64) -> TestServer {
        TestServer::start_as(weapons, "KE", 7)
    }

    /// As `start`, for the node of `country` with the key made from `seed`.
    pub fn start_as(weapons: u64, country: &str, seed: u8) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("registry.db");
        let location = if ON_POSTGRES.with(|on| on.get()) {
            Location::Postgres(
                salw_store_any::fresh_test_database("server").expect("SALW_TEST_POSTGRES"),
            )
        } else {
            Location::File(db.clone())
        };
        let index_dir = location.index_dir(&dir.path().join("registry.key"));
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let ctx = WriteContext {
            recorded_by: "test".into(),
            source: "test".into(),
            now: chrono::Utc::now(),
        };
        let mut reg = Registry::new(location.open(true).expect("create"));
        reg.init(Some(country), &key, &ctx).expect("init");
        let mut reg = reg.with_signing_key(key.clone());
        let outcome = reg
            .write(
                &ctx,
                salw_demo::Demo::new(1, weapons, country).map(Ok::<Staged, RowError>),
                &mut |_| {},
            )
            .expect("demo");
        assert!(outcome.committed(), "{:?}", outcome.errors);
        let mut tokens = HashMap::new();
        for role in ROLES {
            let backend = reg.backend();
            salw_access::add_account(backend, role.as_str(), role, PASSWORD, "test", "t")
                .expect("account");
            let (secret, _) =
                salw_access::create_token(backend, role.as_str(), "test", "t").expect("token");
            tokens.insert(role, secret);
        }
        drop(reg);
        let config = salw_server::Config {
            db: Some(db.clone()),
            // Every request looks at its account, so that tests see a change at once.
            session_recheck_seconds: 0,
            ..Default::default()
        };
        let key_copy = key.clone();
        let state = salw_server::AppState::open(config, &location, &index_dir, key, &mut |_| {})
            .expect("server state");
        let runtime = Arc::new(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime"),
        );
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let address: SocketAddr = listener.local_addr().expect("address");
        runtime.spawn(async move {
            let _ = salw_server::serve(state, listener, |_| {}).await;
        });
        TestServer {
            base: format!("http://{address}"),
            db,
            location,
            tokens,
            key: key_copy,
            _dir: dir,
            _runtime: runtime,
        }
    }

    /// A connection to the registry behind the server's back (as a CLI command beside it).
    pub fn backend(&self) -> AnyBackend {
        self.location.open(false).expect("open the registry")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client that does not follow redirects (a test looks at each answer).
    pub fn agent() -> ureq::Agent {
        ureq::AgentBuilder::new().redirects(0).build()
    }

    /// Sends a request with the role's token (or none) and returns status and body, whatever
    /// the status.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        role: Option<Role>,
        content_type: Option<&str>,
        body: Option<&[u8]>,
    ) -> (u16, String) {
        self.call_with_cookie(method, path, role, content_type, body, None)
    }

    pub fn call_with_cookie(
        &self,
        method: &str,
        path: &str,
        role: Option<Role>,
        content_type: Option<&str>,
        body: Option<&[u8]>,
        cookie: Option<&str>,
    ) -> (u16, String) {
        let mut request = Self::agent().request(method, &self.url(path));
        if let Some(cookie) = cookie {
            request = request.set("cookie", cookie);
        }
        if let Some(role) = role {
            request = request.set("authorization", &format!("Bearer {}", self.tokens[&role]));
        }
        if let Some(ct) = content_type {
            request = request.set("content-type", ct);
        }
        let result = match body {
            Some(bytes) => request.send_bytes(bytes),
            None => request.call(),
        };
        let response = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{method} {path}: {e}"),
        };
        let status = response.status();
        (status, response.into_string().unwrap_or_default())
    }

    pub fn json(
        &self,
        method: &str,
        path: &str,
        role: Role,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let (status, text) = self.call(
            method,
            path,
            Some(role),
            Some("application/json"),
            Some(body.to_string().as_bytes()),
        );
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    pub fn get_json(&self, path: &str, role: Role) -> (u16, serde_json::Value) {
        let (status, text) = self.call("GET", path, Some(role), None, None);
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Opens the login form: its CSRF cookie ("salw_login=…") and field value.
    pub fn login_form(&self) -> (String, String) {
        let response = Self::agent()
            .get(&self.url("/login"))
            .call()
            .expect("the login form");
        let cookie = response
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .expect("a login cookie")
            .to_owned();
        let html = response.into_string().expect("html");
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a csrf field")
            .to_owned();
        (cookie, csrf)
    }

    /// Logs in through the form and returns the session cookie ("salw_session=…").
    pub fn login(&self, name: &str, password: &str) -> Option<String> {
        let (cookie, csrf) = self.login_form();
        let response = match Self::agent()
            .post(&self.url("/login"))
            .set("cookie", &cookie)
            .send_form(&[
                ("name", name),
                ("password", password),
                ("next", "/"),
                ("csrf", &csrf),
            ]) {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("login: {e}"),
        };
        response
            .header("set-cookie")
            .filter(|c| c.starts_with("salw_session="))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }

    /// Some weapon of the registry with its serial (for searches and timelines).
    /// Registers TZ as a partner, at an address where nothing answers: trace requests to it
    /// are drafted and sent, never answered.
    pub fn add_trace_partner(&self) {
        let mut backend = self.backend();
        let node = Registry::new(self.backend())
            .node()
            .expect("node")
            .expect("initialised");
        salw_server::federation::add_peer(
            &mut backend,
            &node,
            "TZ",
            "http://127.0.0.1:9",
            &hex::encode(
                ed25519_dalek::SigningKey::from_bytes(&[3; 32])
                    .verifying_key()
                    .as_bytes(),
            ),
            "test",
            chrono::Utc::now(),
        )
        .expect("partner");
    }

    /// A complete trace request about a seized weapon, to TZ (`add_trace_partner`).
    pub fn trace_request(&self) -> serde_json::Value {
        let weapon = self.some_weapon("seized")["weapon"]["id"].clone();
        serde_json::json!({
            "weapon": weapon, "to": "TZ", "confidentiality": "law enforcement only",
            "restrictions": ["not for court"], "illicit_basis": "no licence",
            "circumstances": "checkpoint", "serial_status": "legible", "import_marks": "none",
            "photos": "by courier", "intended_use": "investigation"
        })
    }

    /// A new draft trace (as the administrator); its id.
    pub fn draft_trace(&self) -> String {
        let (code, v) = self.json(
            "POST",
            "/api/v1/traces",
            Role::Administrator,
            &self.trace_request(),
        );
        assert_eq!(code, 201, "{v}");
        v["id"].as_str().expect("id").to_owned()
    }

    /// Registers `other` (of `country`) as this node's partner, at its address.
    pub fn trust(&self, other: &TestServer, country: &str) {
        let mut backend = self.backend();
        let node = Registry::new(self.backend())
            .node()
            .expect("node")
            .expect("initialised");
        salw_server::federation::add_peer(
            &mut backend,
            &node,
            country,
            &other.base,
            &hex::encode(other.key.verifying_key().as_bytes()),
            "test",
            chrono::Utc::now(),
        )
        .expect("partner");
    }

    pub fn some_weapon(&self, status: &str) -> serde_json::Value {
        let (code, list) = self.get_json(
            &format!("/api/v1/weapons?status={status}&limit=50"),
            Role::Investigator,
        );
        assert_eq!(code, 200, "{list}");
        list["weapons"]
            .as_array()
            .and_then(|w| {
                w.iter()
                    .find(|w| {
                        w["weapon"]["serial"].as_str().is_some_and(|s| {
                            s.chars().filter(char::is_ascii_alphanumeric).count() >= 5
                        })
                    })
                    .cloned()
            })
            .unwrap_or_else(|| panic!("no {status} weapon with a serial of 5+ characters"))
    }
}

/// A request over a plain socket, for bodies the server refuses before reading them whole (a
/// client library reports a broken pipe there; a browser or curl shows the 413). Writes what
/// it can, then reads the answer.
pub fn call_raw(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, String) {
    call_raw_at(
        &server.base,
        method,
        path,
        &format!("Authorization: Bearer {token}\r\n"),
        content_type,
        body,
    )
}

/// `call_raw` to any server, without credentials.
pub fn call_raw_to(base: &str, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    call_raw_at(base, method, path, "", Some("application/json"), Some(body))
}

fn call_raw_at(
    base: &str,
    method: &str,
    path: &str,
    extra_headers: &str,
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, String) {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let body = body.unwrap_or(&[]);
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\n{extra_headers}Connection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{method} {path}: no HTTP answer: {text:?}"));
    let (headers, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let body = if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = rest;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 || after.len() < n {
                break;
            }
            out.push_str(&after[..n]);
            rest = after[n..].trim_start_matches("\r\n");
        }
        out
    } else {
        rest.to_owned()
    };
    (status, body)
}

thread_local! {
    /// Set by `on_postgres`: the servers this test starts keep their registry in PostgreSQL.
    static ON_POSTGRES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs a test of this binary again with the registry in PostgreSQL (a fresh schema of the
/// database SALW_TEST_POSTGRES names per server): the same requests, the same answers.
fn on_postgres(test: fn()) {
    if salw_store_any::fresh_test_database("server-probe").is_none() {
        return;
    }
    ON_POSTGRES.with(|on| on.set(true));
    test();
}

/// The server over a registry in PostgreSQL (issue: the second storage backend): every route
/// for every role, bad input, the stockpile and assessment APIs, and the browser's stories.
mod postgres {
    use super::on_postgres;

    #[test]
    fn every_endpoint_answers_each_role_as_the_role_model_says() {
        on_postgres(super::roles::every_endpoint_answers_each_role_as_the_role_model_says);
    }

    #[test]
    fn the_login_page_is_where_a_page_sends_those_without_a_session_and_a_session_works() {
        on_postgres(super::roles::the_login_page_is_where_a_page_sends_those_without_a_session_and_a_session_works);
    }

    #[test]
    fn the_persons_page_finds_a_part_of_a_name_or_reference_in_any_case_and_shows_at_most_fifty() {
        on_postgres(super::roles::the_persons_page_finds_a_part_of_a_name_or_reference_in_any_case_and_shows_at_most_fifty);
    }

    #[test]
    fn five_failed_logins_lock_the_name_for_a_while_and_are_audited() {
        on_postgres(super::roles::five_failed_logins_lock_the_name_for_a_while_and_are_audited);
    }

    #[test]
    fn an_account_disabled_or_given_a_new_password_outside_the_server_loses_its_sessions() {
        on_postgres(super::roles::an_account_disabled_or_given_a_new_password_outside_the_server_loses_its_sessions);
    }

    #[test]
    fn the_traces_page_and_api_show_the_traces_and_the_partner_figures() {
        on_postgres(super::roles::the_traces_page_and_api_show_the_traces_and_the_partner_figures);
    }

    #[test]
    fn bad_requests_get_a_4xx_that_names_the_problem_and_write_nothing() {
        on_postgres(
            super::bad_input::bad_requests_get_a_4xx_that_names_the_problem_and_write_nothing,
        );
    }

    #[test]
    fn a_serial_check_misses_a_weapon_and_its_discrepancy_ends_in_a_recorded_loss() {
        on_postgres(super::stock::a_serial_check_misses_a_weapon_and_its_discrepancy_ends_in_a_recorded_loss);
    }

    #[test]
    fn an_intake_is_all_or_none_and_a_destruction_refuses_held_or_traced_weapons() {
        on_postgres(
            super::stock::an_intake_is_all_or_none_and_a_destruction_refuses_held_or_traced_weapons,
        );
    }

    #[test]
    fn an_assessment_is_kept_all_or_none_scored_ranked_and_shows_live_registry_figures() {
        on_postgres(super::assessment::an_assessment_is_kept_all_or_none_scored_ranked_and_shows_live_registry_figures);
    }

    #[test]
    fn login_form_leads_to_the_dashboard() {
        on_postgres(super::browser::login_form_leads_to_the_dashboard);
    }

    #[test]
    fn investigator_finds_a_misread_serial_and_opens_the_weapon() {
        on_postgres(super::browser::investigator_finds_a_misread_serial_and_opens_the_weapon);
    }

    #[test]
    fn registrar_seizes_a_weapon_and_sees_it_on_the_timeline() {
        on_postgres(super::browser::registrar_seizes_a_weapon_and_sees_it_on_the_timeline);
    }

    #[test]
    fn registrar_import_with_a_bad_row_lists_the_line_and_writes_nothing() {
        on_postgres(
            super::browser::registrar_import_with_a_bad_row_lists_the_line_and_writes_nothing,
        );
    }

    #[test]
    fn a_stock_count_finds_one_weapon_missing_and_ends_with_a_recorded_loss() {
        on_postgres(
            super::browser::a_stock_count_finds_one_weapon_missing_and_ends_with_a_recorded_loss,
        );
    }
}
