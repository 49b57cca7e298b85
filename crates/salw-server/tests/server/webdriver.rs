//! A small W3C WebDriver client (https://www.w3.org/TR/webdriver2/) for the browser tests:
//! starts chromedriver on a free port, opens one headless Chromium session, and speaks the
//! few commands the tests need over HTTP (ureq). Everything fails loudly: a missing browser is
//! a failed test, never a skipped one.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The key under which W3C WebDriver returns element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long `wait_for` and friends poll before failing the test. Generous: on two cores the
/// whole suite runs beside the browser (a debug server, PostgreSQL), and a page that comes
/// late is not a failure; one that never comes still fails, only later.
pub const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(50);

pub const MISSING: &str = "headless Chromium is needed: apt-get install chromium chromium-driver (scripts/test installs it)";

/// The first of `candidates` that exists, or the first executable of that name on PATH.
fn locate(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    for c in candidates {
        let p = Path::new(c);
        if p.is_absolute() {
            if p.is_file() {
                return Some(p.to_owned());
            }
        } else if let Some(path) = std::env::var_os("PATH")
            && let Some(found) = std::env::split_paths(&path)
                .map(|d| d.join(c))
                .find(|f| f.is_file())
        {
            return Some(found);
        }
    }
    None
}

/// Where screenshots go: `<target>/browser-screenshots`, kept by CI as artefacts.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("browser-screenshots")
}

/// chromedriver, running as a child process; killed on drop.
struct Driver {
    child: Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start(binary: &Path) -> Driver {
        let mut last = String::new();
        // The port is found free, then given to chromedriver: another process can take it in
        // between, so a driver that exits at once is started again on another port.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port for chromedriver")
                .port();
            let child = Command::new(binary)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}. {MISSING}", binary.display()));
            let mut driver = Driver {
                child,
                base: format!("http://127.0.0.1:{port}"),
            };
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                if let Ok(Some(status)) = driver.child.try_wait() {
                    last = format!("chromedriver exited at start ({status})");
                    break;
                }
                let ready = ureq::get(&format!("{}/status", driver.base))
                    .timeout(Duration::from_secs(2))
                    .call()
                    .ok()
                    .and_then(|r| r.into_json::<Value>().ok())
                    .is_some_and(|v| v["value"]["ready"].as_bool() == Some(true));
                if ready {
                    return driver;
                }
                if Instant::now() > deadline {
                    panic!("chromedriver did not answer /status on port {port} within 15 s");
                }
                std::thread::sleep(POLL);
            }
        }
        panic!("{last}");
    }
}

/// An error the WebDriver endpoint answered (`no such element`, `stale element reference`…).
#[derive(Debug)]
pub struct WdError {
    pub error: String,
    pub message: String,
}

/// One headless Chromium session for one test. Screenshots are named after the test; when the
/// test panics, a last screenshot (`<test>-failed.png`) is taken before the browser closes.
pub struct Browser {
    session: String,
    agent: ureq::Agent,
    test: String,
    driver: Driver,
}

#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver and a headless Chromium session. Panics, saying what to install,
    /// when either is missing.
    pub fn start(test: &str) -> Browser {
        let driver_bin = locate(
            "SALW_CHROMEDRIVER",
            &["/usr/bin/chromedriver", "chromedriver"],
        )
        .unwrap_or_else(|| panic!("chromedriver not found. {MISSING}"));
        let chromium = locate(
            "SALW_CHROMIUM",
            &["/usr/bin/chromium", "chromium", "chromium-browser"],
        )
        .unwrap_or_else(|| panic!("chromium not found. {MISSING}"));
        // Screenshots of an earlier run of this test would mislead whoever reads the artefacts.
        if let Ok(entries) = std::fs::read_dir(screenshot_dir()) {
            let prefix = format!("{test}-");
            for entry in entries.flatten() {
                let name = entry.file_name();
                if name.to_string_lossy().starts_with(&prefix) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let driver = Driver::start(&driver_bin);
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(60))
            .build();
        let mut browser = Browser {
            session: String::new(),
            agent,
            test: test.to_owned(),
            driver,
        };
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--window-size=1280,1000",
                            "--disable-dev-shm-usage",
                        ],
                    },
                },
            },
        });
        let answer = browser
            .command_at("POST", "/session", Some(capabilities))
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start {}: {}: {}. {MISSING}",
                    chromium.display(),
                    e.error,
                    e.message
                )
            });
        browser.session = answer["sessionId"]
            .as_str()
            .expect("new session: no sessionId in the answer")
            .to_owned();
        browser
    }

    /// Sends one command of this session (`path` is relative to /session/{id}).
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let url = format!("/session/{}{path}", self.session);
        self.command_at(method, &url, body)
    }

    /// Sends one command to chromedriver (`path` is absolute: /session, /status…).
    fn command_at(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, WdError> {
        let url = format!("{}{path}", self.driver.base);
        let request = self.agent.request(method, &url);
        let result = match body {
            Some(b) => request.send_json(b),
            None if method == "POST" => request.send_json(json!({})),
            None => request.call(),
        };
        let transport = |message: String| WdError {
            error: "no answer from chromedriver".into(),
            message,
        };
        let (ok, response) = match result {
            Ok(r) => (true, r),
            Err(ureq::Error::Status(_, r)) => (false, r),
            Err(e) => return Err(transport(e.to_string())),
        };
        let value: Value = response
            .into_json()
            .map_err(|e| transport(format!("the answer is not JSON: {e}")))?;
        let value = value.get("value").cloned().unwrap_or(Value::Null);
        if ok {
            Ok(value)
        } else {
            Err(WdError {
                error: value["error"]
                    .as_str()
                    .unwrap_or("unknown error")
                    .to_owned(),
                message: value["message"].as_str().unwrap_or("").to_owned(),
            })
        }
    }

    /// Like `command`, but any WebDriver error fails the test.
    fn must(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.command(method, path, body).unwrap_or_else(|e| {
            panic!(
                "WebDriver {method} {path}: {}: {}",
                e.error,
                e.message.lines().next().unwrap_or("")
            )
        })
    }

    pub fn goto(&self, url: &str) {
        self.must("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn current_url(&self) -> String {
        self.must("GET", "/url", None)
            .as_str()
            .expect("current url is a string")
            .to_owned()
    }

    pub fn source(&self) -> String {
        self.must("GET", "/source", None)
            .as_str()
            .expect("page source is a string")
            .to_owned()
    }

    /// The element `css` selects now, if any.
    pub fn find(&self, css: &str) -> Option<Element> {
        let v = self
            .command(
                "POST",
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .ok()?;
        v[ELEMENT_KEY].as_str().map(|id| Element(id.to_owned()))
    }

    /// Every element `css` selects now.
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let v = self.must(
            "POST",
            "/elements",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT_KEY].as_str())
                    .map(|id| Element(id.to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Polls until `check` gives Some, for up to `WAIT`; then fails the test saying `what`
    /// and showing the URL and the start of the page.
    pub fn wait_until<T>(&self, what: &str, mut check: impl FnMut(&Browser) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(t) = check(self) {
                return t;
            }
            if Instant::now() > deadline {
                let source = self.source();
                let start: String = source.chars().take(3000).collect();
                panic!(
                    "waited {WAIT:?} for {what}; at {}:\n{start}",
                    self.current_url()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Waits for an element `css` selects.
    pub fn wait_for(&self, css: &str) -> Element {
        self.wait_until(&format!("an element {css}"), |b| b.find(css))
    }

    /// Waits until `css` selects exactly `n` elements, and returns them. After a navigation the
    /// address changes before the new page is parsed: counting at once may count too early.
    pub fn wait_for_count(&self, css: &str, n: usize) -> Vec<Element> {
        self.wait_until(&format!("{n} elements {css}"), |b| {
            let found = b.find_all(css);
            (found.len() == n).then_some(found)
        })
    }

    /// Waits for the element `css` selects to have text containing `expected`, and returns
    /// its text.
    pub fn wait_for_text(&self, css: &str, expected: &str) -> String {
        self.wait_until(&format!("{css} to contain {expected:?}"), |b| {
            let e = b.find(css)?;
            let text = b.try_text(&e)?;
            text.contains(expected).then_some(text)
        })
    }

    /// Waits for the current URL to satisfy `check`, and returns it.
    pub fn wait_for_url(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_until(&format!("the address to be {what}"), |b| {
            let url = b.current_url();
            check(&url).then_some(url)
        })
    }

    /// Clicks a button that submits a form and waits until the page it was on is gone, so
    /// that what is looked for next is on the answer, not on the page left behind (which may
    /// hold the same ids: a refused form shown again).
    pub fn submit(&self, button: &Element) {
        let old = self.wait_for("html");
        self.click(button);
        self.wait_until("the page after the form was sent", |b| {
            match b.command("GET", &format!("/element/{}/name", old.0), None) {
                Err(e) if e.error.contains("stale") || e.message.contains("does not belong") => {
                    Some(())
                }
                _ => None,
            }
        });
    }

    pub fn click(&self, e: &Element) {
        self.must("POST", &format!("/element/{}/click", e.0), None);
    }

    /// Types `text` into an element (for a file input: an absolute path, which uploads it).
    pub fn send_keys(&self, e: &Element, text: &str) {
        self.must(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({ "text": text })),
        );
    }

    pub fn clear(&self, e: &Element) {
        self.must("POST", &format!("/element/{}/clear", e.0), None);
    }

    /// Types on the keyboard into whatever has the focus, as a person does: no element is
    /// clicked or named. `\t` is the Tab key (the next field), `\n` the Enter key (submits
    /// the form of a text field).
    pub fn keyboard(&self, text: &str) {
        let mut actions = Vec::new();
        for c in text.chars() {
            let key = match c {
                '\t' => '\u{E004}',
                '\n' => '\u{E007}',
                c => c,
            }
            .to_string();
            actions.push(json!({"type": "keyDown", "value": key}));
            actions.push(json!({"type": "keyUp", "value": key}));
        }
        self.must(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    /// The `id` of the element that has the focus.
    pub fn focused_id(&self) -> String {
        let v = self.must("GET", "/element/active", None);
        let e = Element(v[ELEMENT_KEY].as_str().unwrap_or_default().to_owned());
        self.attribute(&e, "id").unwrap_or_default()
    }

    /// Clears the input `css` selects and types `text` into it.
    pub fn fill(&self, css: &str, text: &str) {
        let e = self.wait_for(css);
        self.clear(&e);
        self.send_keys(&e, text);
    }

    fn try_text(&self, e: &Element) -> Option<String> {
        self.command("GET", &format!("/element/{}/text", e.0), None)
            .ok()?
            .as_str()
            .map(str::to_owned)
    }

    /// The rendered text of an element.
    pub fn text(&self, e: &Element) -> String {
        self.must("GET", &format!("/element/{}/text", e.0), None)
            .as_str()
            .expect("element text is a string")
            .to_owned()
    }

    /// A DOM property (`value`, `innerHTML`, `selected`…), as JSON.
    pub fn property(&self, e: &Element, name: &str) -> Value {
        self.must("GET", &format!("/element/{}/property/{name}", e.0), None)
    }

    /// The computed value of a CSS property (`border-top-style`, `max-width`…).
    pub fn css_value(&self, e: &Element, name: &str) -> String {
        self.must("GET", &format!("/element/{}/css/{name}", e.0), None)
            .as_str()
            .expect("a CSS value is a string")
            .to_owned()
    }

    /// An HTML attribute, if the element has it.
    pub fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        self.must("GET", &format!("/element/{}/attribute/{name}", e.0), None)
            .as_str()
            .map(str::to_owned)
    }

    /// The `value` of the input `css` selects.
    pub fn value_of(&self, css: &str) -> String {
        let e = self.wait_for(css);
        self.property(&e, "value")
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Saves a PNG of the viewport as `<screenshot dir>/<test>-<step>.png` and returns its path.
    pub fn screenshot(&self, step: &str) -> PathBuf {
        let data = self.must("GET", "/screenshot", None);
        self.save_png(step, &data)
    }

    /// Saves a PNG of one element (scrolled into view) as `<test>-<step>.png`.
    pub fn screenshot_of(&self, e: &Element, step: &str) -> PathBuf {
        let data = self.must("GET", &format!("/element/{}/screenshot", e.0), None);
        self.save_png(step, &data)
    }

    fn save_png(&self, step: &str, data: &Value) -> PathBuf {
        let png = decode_base64(data.as_str().expect("screenshot is base64 text"))
            .expect("screenshot is valid base64");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(format!("{}-{step}.png", self.test));
        std::fs::write(&path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }

    /// Logs in through the login form and waits to leave the login page.
    pub fn log_in(&self, base: &str, name: &str, password: &str) {
        self.goto(&format!("{base}/login"));
        self.fill("#name", name);
        self.fill("#password", password);
        let button = self.wait_for("#login");
        self.click(&button);
        self.wait_for_url("past the login page", |u| !u.contains("/login"));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if self.session.is_empty() {
            return;
        }
        if std::thread::panicking() {
            // Best effort: the failure itself is what the test reports.
            if let Ok(data) = self.command("GET", "/screenshot", None)
                && let Some(png) = data.as_str().and_then(decode_base64)
            {
                let dir = screenshot_dir();
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(dir.join(format!("{}-failed.png", self.test)), png);
            }
        }
        let _ = self.command("DELETE", "", None);
    }
}

/// Standard base64 (RFC 4648, with padding) to bytes; None when the text is not base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            b'\r' | b'\n' => continue,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[test]
fn base64_decodes_as_rfc_4648_says() {
    assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
    assert_eq!(decode_base64("Zg==").as_deref(), Some(&b"f"[..]));
    assert_eq!(decode_base64("Zm8=").as_deref(), Some(&b"fo"[..]));
    assert_eq!(decode_base64("Zm9vYmFy").as_deref(), Some(&b"foobar"[..]));
    assert_eq!(decode_base64("Zm9v!"), None);
}
