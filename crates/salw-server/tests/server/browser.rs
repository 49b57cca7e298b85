//! Browser tests: the pages as a person uses them, in headless Chromium driven over WebDriver
//! (tests/server/webdriver.rs). Each test starts its own server and browser and saves a
//! screenshot of each step in target/browser-screenshots/<test>-<step>.png (CI keeps them).
//! Without chromedriver and Chromium these tests fail, saying what to install.

use salw_access::Role;
use salw_search::normalise::{Reading, normalise_with};

use crate::webdriver::Browser;
use crate::{PASSWORD, TestServer};

/// Small enough to start in well under a second, big enough for every status.
const WEAPONS: u64 = 200;

fn weapon_count(server: &TestServer) -> u64 {
    let (code, summary) = server.get_json("/api/v1/summary", Role::Analyst);
    assert_eq!(code, 200, "{summary}");
    summary["weapons"].as_u64().expect("summary.weapons")
}

fn string(v: &serde_json::Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
        .to_owned()
}

#[test]
pub(crate) fn login_form_leads_to_the_dashboard() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("login");
    let expected = weapon_count(&server);
    assert_eq!(expected, WEAPONS);

    // A page that needs a session sends the browser to the login form.
    b.goto(&server.url("/"));
    b.wait_for_url("the login page", |u| u.contains("/login"));
    b.wait_for("#name");
    b.screenshot("1-form");

    b.fill("#name", "administrator");
    b.fill("#password", "not the password");
    b.click(&b.wait_for("#login"));
    let refused = b.wait_for_text("#login-error", "Wrong name or password");
    assert!(refused.contains("Wrong name or password"), "{refused}");
    assert!(b.find("#count-weapons").is_none());
    // The name typed is kept for the next attempt.
    assert_eq!(b.value_of("#name"), "administrator");
    b.screenshot("2-refused");

    b.fill("#password", PASSWORD);
    b.click(&b.wait_for("#login"));
    let count = b.wait_for("#count-weapons");
    assert_eq!(b.text(&count), expected.to_string());
    let url = b.current_url();
    assert_eq!(url.trim_end_matches('/'), server.base, "landed on {url}");
    let who = b.text(&b.wait_for("header .who span"));
    assert_eq!(who, "administrator (administrator)");
    assert!(
        b.find(r#"header nav a[href="/admin/users"]"#).is_some(),
        "an administrator's nav has the Users link"
    );
    // The whole menu, an administrator's the longest, is on one line at 1280 px.
    let links = b.find_all("header nav a");
    let px = |css: &str, name: &str| {
        let v = b.property(&b.wait_for(css), name);
        v.as_f64().unwrap_or_else(|| panic!("{css}.{name} is {v}"))
    };
    assert_eq!(
        b.property(&links[0], "offsetTop"),
        b.property(&links[links.len() - 1], "offsetTop"),
        "the menu of {} links wraps",
        links.len()
    );
    assert!(
        px("header", "offsetHeight") < 2.0 * px("header .who", "offsetHeight"),
        "the header wraps"
    );
    // Recent events name their weapon in words, not by its id.
    let recent = b.find_all("#recent tr td a");
    assert!(!recent.is_empty());
    for link in &recent {
        let text = b.text(link);
        assert!(
            uuid::Uuid::parse_str(&text).is_err() && !text.is_empty(),
            "{text}"
        );
    }
    b.screenshot("3-dashboard");
}

/// A strong misreading of the character at `k` of a normalised serial (0→O, O→0, 1→I, …).
fn look_alike(c: char) -> Option<char> {
    Some(match c {
        '0' => 'O',
        '1' => 'I',
        '2' => 'Z',
        '5' => 'S',
        '6' => 'G',
        '8' => 'B',
        'O' => '0',
        'I' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        _ => return None,
    })
}

#[test]
pub(crate) fn investigator_finds_a_misread_serial_and_opens_the_weapon() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("search");
    let weapon = server.some_weapon("stolen");
    let id = string(&weapon["weapon"]["id"], "weapon id");
    let serial = string(&weapon["weapon"]["serial"], "serial");

    // Misread one character of the serial as recorded: the first that has a strong
    // look-alike, else make it unreadable ('?'). `k` is its position in the normalised serial.
    let normalised = normalise_with(&serial, Reading::LookAlike);
    let chars: Vec<char> = normalised.text.chars().collect();
    let (k, typed) = chars
        .iter()
        .enumerate()
        .find_map(|(k, &c)| {
            let origin = normalised.origins.get(k)?;
            (origin.raw.is_ascii_alphanumeric())
                .then(|| look_alike(c))
                .flatten()
                .map(|l| (k, l))
        })
        .or_else(|| {
            chars
                .iter()
                .enumerate()
                .find(|(k, _)| normalised.origins[*k].raw.is_ascii_alphanumeric())
                .map(|(k, _)| (k, '?'))
        })
        .expect("a serial with an ASCII letter or digit");
    let at = normalised.origins[k].at;
    let query: String = serial
        .chars()
        .enumerate()
        .map(|(i, c)| if i == at { typed } else { c })
        .collect();
    assert_ne!(query, serial);

    b.log_in(&server.base, "investigator", PASSWORD);
    b.goto(&server.url("/search"));
    b.fill("#q", &query);
    b.screenshot("1-query");
    b.click(&b.wait_for("#search"));

    // The hit for this weapon, with the reinterpreted character (and only it) marked.
    let link_css = format!(r#"table.hits td.serial a[href="/weapons/{id}"]"#);
    let link = b.wait_for(&link_css);
    b.screenshot("2-hits");
    let html = b.property(&link, "innerHTML");
    let before: String = chars[..k].iter().collect();
    let after: String = chars[k + 1..].iter().collect();
    assert_eq!(
        html.as_str(),
        Some(format!("{before}<mark>{}</mark>{after}", chars[k]).as_str()),
        "query {query:?} for serial {serial:?}"
    );
    let row = b.text(
        &b.find_all("table.hits tr")
            .into_iter()
            .find(|r| b.text(r).contains(&format!("as recorded: {serial}")))
            .expect("the hit's row"),
    );
    let why = if typed == '?' {
        format!("position {} unknown", k + 1)
    } else {
        format!("position {}: read {typed} as {}", k + 1, chars[k])
    };
    assert!(row.contains(&why), "expected {why:?} in {row:?}");

    // The same marking with the make misspelt: no hit, and the page says that the make is
    // why, with the registered make nearest to it, whose link searches again with it.
    let make = string(&weapon["weapon"]["manufacturer"], "manufacturer");
    let misspelt: String = make
        .chars()
        .enumerate()
        .map(|(i, c)| if i == 1 { 'x' } else { c })
        .collect();
    b.click(&b.wait_for("details summary"));
    b.fill("#make", &misspelt);
    b.click(&b.wait_for("#search"));
    let note = b.text(&b.wait_for("#no-make"));
    b.screenshot("2b-misspelt-make");
    assert!(
        note.contains(&misspelt) && note.contains(&make),
        "{misspelt:?} and {make:?} in {note:?}"
    );
    assert!(
        b.find("table.hits").is_none(),
        "no hit with a make no weapon has"
    );
    b.click(&b.wait_for("#no-make a"));
    let link = b.wait_for(&link_css);
    assert_eq!(b.value_of("#make"), make);

    b.click(&link);
    let shown = b.wait_for("#serial");
    let url = b.wait_for_url("the weapon page", |u| u.contains("/weapons/"));
    assert_eq!(url, server.url(&format!("/weapons/{id}")));
    assert_eq!(b.text(&shown), serial);
    assert!(
        b.text(&b.wait_for("dl.fields")).contains("stolen"),
        "the weapon page shows the status"
    );
    b.screenshot("3-weapon");
}

#[test]
fn registrar_sees_the_message_next_to_the_wrong_field_and_keeps_the_rest() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("register");
    let before = weapon_count(&server);
    b.log_in(&server.base, "registrar", PASSWORD);
    b.goto(&server.url("/weapons/new"));

    let option = b.wait_for("#category option:nth-child(2)");
    let category = string(&b.property(&option, "value"), "category option");
    assert!(!category.is_empty());
    b.click(&option);
    let typed = [
        ("#manufacturer", "Browser Test Arms"),
        ("#model", "BT-1"),
        ("#serial", "BT-0001-77"),
        ("#calibre", "7.62x39"),
        ("#country", "XX"),
        ("#year", "1988"),
    ];
    for (css, text) in typed {
        b.fill(css, text);
    }
    b.screenshot("1-typed");
    b.click(&b.wait_for("#register"));

    let message = b.wait_for("#country-error");
    b.screenshot("2-country-error");
    let message = b.text(&message);
    assert!(
        message.contains("XX"),
        "the message names the value: {message}"
    );
    assert!(b.find("#form-error").is_some());
    assert!(b.find("#year-error").is_none(), "only the country is wrong");
    assert_eq!(
        b.find("#country")
            .and_then(|e| b.attribute(&e, "aria-invalid")),
        Some("true".to_owned())
    );
    // The message is inside the country's field, next to its input.
    assert!(
        b.find(".field.invalid #country + small + #country-error")
            .is_some(),
        "the message follows the country input"
    );
    for (css, text) in typed {
        assert_eq!(b.value_of(css), text, "{css} keeps what was typed");
    }
    assert_eq!(b.value_of("#category"), category);

    // Another wrong field: the year, caught before the registry is asked.
    b.fill("#country", "BE");
    b.fill("#year", "19x8");
    b.click(&b.wait_for("#register"));
    let year = b.wait_for_text("#year-error", "four digits");
    assert!(year.contains("four digits"), "{year}");
    assert!(b.find("#country-error").is_none());
    assert_eq!(b.value_of("#year"), "19x8");
    assert_eq!(b.value_of("#serial"), "BT-0001-77");
    assert_eq!(b.value_of("#country"), "BE");
    assert_eq!(b.value_of("#category"), category);
    b.screenshot("3-year-error");

    assert_eq!(weapon_count(&server), before, "nothing was registered");

    // A craft rifle with no serial: recorded as not adequately marked, with what is to be
    // done with it (ITI para 9), from the same form.
    b.goto(&server.url("/weapons/new"));
    select(&b, "#category", "rifle");
    b.fill("#manufacturer", "craft");
    b.click(&b.wait_for("#register"));
    let serial = b.text(&b.wait_for("#serial-error"));
    assert!(serial.contains("inadequately marked"), "{serial}");
    b.click(&b.wait_for("#inadequately_marked"));
    b.click(&b.wait_for("#register"));
    let follow_up = b.text(&b.wait_for("#follow_up-error"));
    assert!(follow_up.contains("needs its follow-up"), "{follow_up}");
    assert_eq!(
        b.property(&b.wait_for("#inadequately_marked"), "checked"),
        true
    );
    select(&b, "#follow_up", "destroy");
    b.click(&b.wait_for("#register"));
    b.wait_for_url("the new weapon's page", |u| u.contains("recorded=weapon"));
    b.screenshot("4-unmarked");
    assert_eq!(weapon_count(&server), before + 1);
}

#[test]
pub(crate) fn registrar_seizes_a_weapon_and_sees_it_on_the_timeline() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("seize");
    let weapon = server.some_weapon("registered");
    let id = string(&weapon["weapon"]["id"], "weapon id");
    b.log_in(&server.base, "registrar", PASSWORD);
    b.goto(&server.url(&format!("/weapons/{id}")));
    b.wait_for("#timeline");
    let seizures_before = b.find_all("#timeline li.event-seized").len();
    b.screenshot("1-weapon");

    b.click(&b.wait_for("#next-seized"));
    b.wait_for_url("the seizure form", |u| u.contains("kind=seized"));
    b.click(&b.wait_for(r#"#seizure_basis option[value="criminal_offence"]"#));
    let context = "armed robbery, case BT-2024-0042";
    b.fill("#criminal_context", context);
    b.fill("#place", "Port city");
    assert!(!b.value_of("#occurred_on").is_empty(), "the date is filled");
    b.screenshot("2-form");
    b.click(&b.wait_for("#record"));

    let notice = b.wait_for_text("#notice", "seized");
    assert_eq!(notice, "The event 'seized' was recorded.");
    let url = b.current_url();
    assert_eq!(
        url,
        server.url(&format!("/weapons/{id}?recorded=seized")),
        "back on the weapon's page"
    );
    let seizures = b.find_all("#timeline li.event-seized");
    assert_eq!(seizures.len(), seizures_before + 1);
    let timeline = b.text(&b.wait_for("#timeline"));
    assert!(timeline.contains("seized"), "{timeline}");
    assert!(
        seizures.iter().any(|li| {
            let t = b.text(li);
            t.contains("seizure basis: criminal offence")
                && t.contains(context)
                && t.contains("by registrar")
        }),
        "the new seizure with its basis, context and recorder: {timeline}"
    );
    // The weapon is now seized: what can be recorded next follows.
    assert!(b.find("#next-traced").is_some());
    assert!(b.find("#next-seized").is_none());
    b.screenshot("3-seized");
    // A second seizure, its form opened by its address, is refused beside its date (the one
    // field that could mend it), and nothing is recorded.
    b.goto(&server.url(&format!("/weapons/{id}/events/new?kind=seized")));
    b.click(&b.wait_for(r#"#seizure_basis option[value="criminal_offence"]"#));
    b.fill("#criminal_context", context);
    b.fill("#place", "Port city");
    b.click(&b.wait_for("#record"));
    let refused = b.text(&b.wait_for("#occurred_on-error"));
    assert!(refused.contains("impossible history"), "{refused}");
    assert!(
        b.find("#general-errors").is_none(),
        "said beside the date only"
    );
    b.goto(&server.url(&format!("/weapons/{id}")));
    assert_eq!(
        b.find_all("#timeline li.event-seized").len(),
        seizures_before + 1
    );

    // A photo of the seizure: a file that is no image is refused on the weapon's page, the
    // caption kept; the image then goes in.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = dir.path().join("report.txt");
    std::fs::write(&text, "not a photo").expect("write");
    let jpeg = dir.path().join("seized.jpg");
    std::fs::write(&jpeg, crate::roles::JPEG).expect("write");
    b.send_keys(&b.wait_for("#photo"), text.to_str().expect("UTF-8 path"));
    b.fill("#caption", "as found, left side");
    b.click(&b.wait_for("#upload-photo"));
    let refused = b.text(&b.wait_for("#photo-error"));
    assert!(
        refused.contains("not a JPEG, PNG or WebP image"),
        "{refused}"
    );
    assert_eq!(b.value_of("#caption"), "as found, left side");
    assert!(
        b.find("#timeline").is_some(),
        "still the weapon's page, whole"
    );
    b.screenshot("4-photo-refused");
    b.send_keys(&b.wait_for("#photo"), jpeg.to_str().expect("UTF-8 path"));
    b.click(&b.wait_for("#upload-photo"));
    b.wait_for_text("#notice", "The photo was added.");
    assert_eq!(b.find_all("#photos figure").len(), 1);
    b.screenshot_of(&b.wait_for("#timeline"), "4-timeline");
}

#[test]
pub(crate) fn registrar_import_with_a_bad_row_lists_the_line_and_writes_nothing() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("import");
    let before = weapon_count(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("browser-import.csv");
    std::fs::write(
        &file,
        "category,manufacturer,country,serial\n\
         rifle,Browser Import,BE,BI-00001\n\
         rifle,Browser Import,XX,BI-00002\n\
         rifle,Browser Import,BE,BI-00003\n",
    )
    .expect("write the CSV file");

    b.log_in(&server.base, "registrar", PASSWORD);
    b.goto(&server.url("/import"));
    let input = b.wait_for("#file");
    b.send_keys(&input, file.to_str().expect("the temporary path is UTF-8"));
    b.click(&b.wait_for(r#"#kind option[value="weapon"]"#));
    b.screenshot("1-chosen");
    b.click(&b.wait_for("#import"));

    let table = b.wait_for("#import-problems");
    b.screenshot("2-problems");
    let rows = b.find_all("#import-problems tr").len();
    assert_eq!(rows, 2, "a header and one problem: {}", b.text(&table));
    let cells: Vec<String> = b
        .find_all("#import-problems tr:nth-child(2) td")
        .iter()
        .map(|td| b.text(td))
        .collect();
    assert_eq!(cells.len(), 3, "{cells:?}");
    assert_eq!(cells[0], "3", "the bad row's line: {cells:?}");
    assert_eq!(cells[1], "country", "{cells:?}");
    assert!(
        cells[2].contains("XX"),
        "the reason names the value: {cells:?}"
    );
    let message = b.wait_for_text("#import-error", "Nothing was written");
    assert!(
        message.contains("browser-import.csv") && message.contains("1 problem"),
        "{message}"
    );
    assert!(b.find("#import-done").is_none());

    assert_eq!(weapon_count(&server), before, "no weapon was added");
}

#[test]
fn analyst_has_no_users_link_and_is_refused_the_users_page() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("analyst");
    b.log_in(&server.base, "analyst", PASSWORD);
    b.wait_for("#count-weapons");
    let links: Vec<String> = b
        .find_all("header nav a")
        .iter()
        .map(|a| b.text(a))
        .collect();
    assert!(
        links.contains(&"Dashboard".to_owned()),
        "the nav is there: {links:?}"
    );
    assert!(!links.contains(&"Users".to_owned()), "{links:?}");
    assert!(b.find(r#"a[href="/admin/users"]"#).is_none());
    b.screenshot("1-nav");

    b.goto(&server.url("/admin/users"));
    let message = b.wait_for_text("#message", "may not manage accounts");
    assert_eq!(message, "Your role (analyst) may not manage accounts.");
    assert_eq!(b.text(&b.wait_for("h1")), "Not allowed");
    assert!(b.find("#create-account").is_none());
    b.screenshot("2-refused");
}

#[test]
fn analyst_sees_the_sdg_trend_and_releases_a_figure() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("indicators");
    b.log_in(&server.base, "analyst", PASSWORD);
    b.click(&b.wait_for(r#"header nav a[href="/indicators"]"#));
    b.wait_for("#trend");
    // The page opens on the last ten full years; compute them again with the form.
    let (from, to) = (b.value_of("#from"), b.value_of("#to"));
    b.click(&b.wait_for("#compute"));
    b.wait_for_url("the computed period", |u| {
        u.contains(&format!("from={from}"))
    });
    // What the page must show: the API's figure for the same period.
    let (code, api) = server.get_json(
        &format!("/api/v1/indicators/sdg-16-4-2?from={from}&to={to}&by_year=true"),
        Role::Analyst,
    );
    assert_eq!(code, 200, "{api}");
    let denominator = b.text(&b.wait_for("#denominator"));
    assert_eq!(denominator, api["denominator"].to_string());
    let percent = b.text(&b.wait_for("#percent"));
    match api["percent"].as_f64() {
        Some(p) => assert_eq!(percent, format!("{p:.2} %")),
        None => assert_eq!(percent, "no value"),
    }
    // One bar label per year of the period.
    let labels = b
        .find_all("#trend text")
        .iter()
        .map(|t| b.text(t))
        .filter(|t| t.len() == 4 && t.chars().all(|c| c.is_ascii_digit()))
        .count();
    assert_eq!(labels, api["years"].as_array().map_or(0, Vec::len));
    assert_eq!(labels, 10);
    b.screenshot("1-trend");
    b.click(&b.wait_for("#release"));
    let notice = b.wait_for_text("#notice", "Released as #");
    assert!(notice.starts_with("Released as #1"), "{notice}");
    assert_eq!(
        b.find_all("#releases tr").len(),
        2,
        "a header and one release"
    );
    b.screenshot("2-released");
    // This year is not over: its figure is shown, not offered for release.
    let year = chrono::Datelike::year(&chrono::Utc::now());
    b.goto(&server.url(&format!("/indicators?from={year}-01-01&to={year}-12-31")));
    let why = b.text(&b.wait_for("#not-releasable"));
    assert!(why.contains("which is not over yet"), "{why}");
    assert!(b.find("#release").is_none());
    // A period typed backwards: said on the page, which stays whole.
    b.goto(&server.url("/indicators?from=2025-01-01&to=2020-01-01"));
    let error = b.text(&b.wait_for("#period-error"));
    assert!(
        error.contains("2025-01-01 is after to (2020-01-01)"),
        "{error}"
    );
    assert!(b.find("#trend").is_some());
}

#[test]
fn analyst_completes_the_poa_report_downloads_it_and_finds_the_answers_carried_into_the_next() {
    let server = TestServer::start(WEAPONS);
    let last = chrono::Datelike::year(&chrono::Utc::now()) - 1;
    let b = Browser::start("reports");
    b.log_in(&server.base, "analyst", PASSWORD);
    b.click(&b.wait_for(r#"header nav a[href="/reports"]"#));
    let progress = b.text(&b.wait_for("#progress"));
    // The page opens on the last two full years; registry answers are not inputs.
    assert!(b.find(r#"input[name="q.3.4"]"#).is_none());
    assert!(b.find(r#"input[name="q.1.1"]"#).is_some());
    // A wrong answer is refused next to its question, and nothing is kept.
    b.fill(r#"input[name="q.1.1"]"#, "perhaps");
    b.fill(r#"input[name="q.1.4"]"#, "Ms A, national commission");
    b.click(&b.wait_for("#keep"));
    let error = b.text(&b.wait_for(r#"[id="q1.1"] .error"#));
    assert!(
        error.contains("must start with yes, no or developing"),
        "{error}"
    );
    assert_eq!(
        b.value_of(r#"input[name="q.1.4"]"#),
        "Ms A, national commission",
        "what was typed is shown again"
    );
    b.screenshot("1-refused");
    let period = format!("{}-{last}", last - 1);
    let (code, d) = server.get_json(
        &format!("/api/v1/reports/poa?period={period}"),
        Role::Analyst,
    );
    assert_eq!(code, 200, "{d}");
    assert!(
        d["to_complete"]
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x == "1.4"),
        "nothing was kept: {}",
        d["to_complete"]
    );
    // Corrected, both are kept.
    b.fill(r#"input[name="q.1.1"]"#, "yes: the national commission");
    b.click(&b.wait_for("#keep"));
    let notice = b.wait_for_text("#notice", "kept");
    assert!(notice.starts_with("2 answer(s) kept"), "{notice}");
    assert_ne!(b.text(&b.wait_for("#progress")), progress);
    b.screenshot("2-kept");
    // The printable report carries them.
    b.click(&b.wait_for(r#"#downloads a[href^="/reports/poa.html"]"#));
    b.wait_for_url("the printable report", |u| u.contains("/reports/poa.html"));
    assert!(b.source().contains("yes: the national commission"));
    // Laid out as a document, with its own styles (the pages' policy forbids inline ones).
    let body = b.wait_for("body");
    assert_ne!(
        b.css_value(&body, "max-width"),
        "none",
        "the report's styles apply"
    );
    let cell = b.wait_for("td");
    assert_eq!(b.css_value(&cell, "border-top-style"), "solid");
    b.screenshot("2b-printable");
    // The next period's draft carries them over, to confirm.
    b.goto(&format!(
        "{}/reports?period={}-{}",
        server.base,
        last + 1,
        last + 2
    ));
    let confirm = b.text(&b.wait_for("#to-confirm"));
    assert!(
        confirm.contains("1.1") && confirm.contains("1.4"),
        "{confirm}"
    );
    assert_eq!(
        b.value_of(r#"input[name="q.1.1"]"#),
        "yes: the national commission"
    );
    b.screenshot("3-carried");
    // The XLSX file is saved, not shown (its content is checked in depth by the CLI tests).
    let response = ureq::get(&format!("{}/reports/poa.xlsx?period={period}", server.base))
        .set(
            "authorization",
            &format!("Bearer {}", server.tokens[&Role::Investigator]),
        )
        .call()
        .expect("the XLSX file");
    assert_eq!(
        response.header("content-disposition"),
        Some(
            format!(
                "attachment; filename=\"poa-{}-01-01-{last}-12-31.xlsx\"",
                last - 1
            )
            .as_str()
        )
    );
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes).expect("read");
    assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
}

#[test]
fn investigator_drafts_a_trace_request_from_a_seized_weapon_completes_it_and_sends_it() {
    let server = TestServer::start(WEAPONS);
    server.add_trace_partner();
    let weapon = string(&server.some_weapon("seized")["weapon"]["id"], "id");
    let b = Browser::start("trace-request");
    b.log_in(&server.base, "investigator", PASSWORD);
    b.goto(&format!("{}/weapons/{weapon}", server.base));
    b.click(&b.wait_for("#request-trace"));
    b.wait_for("#draft");
    // The domestic trace comes first: the records here either show the point of diversion or
    // name the States to ask.
    let domestic = b.text(&b.wait_for("#domestic"));
    assert!(
        domestic.contains("point of diversion") || domestic.contains("Ask "),
        "{domestic}"
    );
    // What the records say is filled in already; the intended use is the investigator's.
    assert_eq!(b.value_of("#serial_status"), "legible");
    // Sent as it comes: every missing item is named at once, the State asked among them.
    b.click(&b.wait_for("#draft"));
    assert!(!b.text(&b.wait_for("#to-error")).is_empty());
    assert!(
        b.find("#intended_use-error").is_some(),
        "named with the State asked"
    );
    b.click(&b.wait_for(r#"#to option[value="TZ"]"#));
    b.fill("#confidentiality", "law enforcement only");
    b.fill("#restrictions", "not to be passed to third States");
    b.fill("#illicit_basis", "possession without a licence");
    b.fill("#import_marks", "none");
    b.fill("#photos", "sent by courier");
    b.submit(&b.wait_for("#draft"));
    let error = b.text(&b.wait_for("#intended_use-error"));
    assert!(!error.is_empty());
    assert_eq!(
        b.value_of("#confidentiality"),
        "law enforcement only",
        "what was typed is kept"
    );
    b.screenshot("1-incomplete");
    let (_, list) = server.get_json("/api/v1/traces", Role::Investigator);
    assert_eq!(
        list["traces"].as_array().map(Vec::len),
        Some(0),
        "nothing saved"
    );
    b.fill("#intended_use", "criminal investigation");
    b.click(&b.wait_for("#draft"));
    b.wait_for_text("#notice", "Drafted");
    assert_eq!(b.text(&b.wait_for("#state")), "draft");
    assert!(
        b.text(&b.wait_for("#restrictions"))
            .contains("not to be passed to third States")
    );
    b.screenshot("2-draft");
    b.click(&b.wait_for("#send"));
    b.wait_for_text("#notice", "sent");
    assert_eq!(b.text(&b.wait_for("#state")), "sent");
    // Sent is queued and signed, not arrived: the partner (port 9) takes nothing.
    let delivery = b.text(&b.wait_for("#undelivered"));
    assert!(
        delivery.starts_with("the sent message is not delivered yet"),
        "{delivery}"
    );
    b.screenshot("3-sent");
    let (_, list) = server.get_json("/api/v1/traces", Role::Investigator);
    assert_eq!(list["traces"][0]["state"], "sent");
    assert_eq!(list["traces"][0]["partner"], "TZ");
    // The list of traces says it too.
    b.click(&b.wait_for(r#"header nav a[href="/traces"]"#));
    assert_eq!(
        b.text(&b.wait_for("#traces td.delivery")),
        "not delivered yet"
    );
    b.screenshot("4-list");
}

#[test]
fn analyst_completes_a_module_s_assessment_and_downloads_the_gap_list() {
    use calamine::{Data, Reader, Xlsx};
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("assessment");
    b.log_in(&server.base, "analyst", PASSWORD);
    b.click(&b.wait_for(r#"header nav a[href="/assessment"]"#));
    b.fill("#name", "baseline");
    b.click(&b.wait_for("#show"));
    b.wait_for_url("the assessment named", |u| u.contains("name=baseline"));
    // The first module opens: stockpile management, nine clauses, none assessed.
    b.wait_for_count("#clauses fieldset.clause", 9);
    let status = |clause: &str, value: &str| {
        b.click(&b.wait_for(&format!(
            r#"input[name="status.{clause}"][value="{value}"]"#
        )));
    };
    for (clause, value) in [
        ("05.20.01", "met"),
        ("05.20.02", "not_met"),
        ("05.20.03", "partly_met"),
        ("05.20.04", "met"),
        ("05.20.05", "met"),
        ("05.20.06", "partly_met"),
        ("05.20.07", "met"),
        ("05.20.08", "not_applicable"),
        ("05.20.09", "not_met"),
    ] {
        status(clause, value);
    }
    b.fill(r#"input[name="owner.05.20.02"]"#, "Police armoury");
    b.fill(r#"input[name="note.05.20.01"]"#, "a ledger in every depot");
    // A date as people write it on paper is refused next to its clause; nothing is kept and
    // what was chosen stays chosen.
    b.fill(r#"input[name="due.05.20.02"]"#, "31/01/2020");
    b.click(&b.wait_for("#keep"));
    let error = b.text(&b.wait_for(r#"[id="c05.20.02"] .error"#));
    assert!(error.contains("not a date"), "{error}");
    let kept_choice = b.wait_for(r#"input[name="status.05.20.09"][value="not_met"]"#);
    assert_eq!(b.property(&kept_choice, "checked"), serde_json::json!(true));
    assert_eq!(
        b.value_of(r#"input[name="note.05.20.01"]"#),
        "a ledger in every depot"
    );
    b.screenshot("1-refused");
    let (code, _) = server.get_json("/api/v1/assessments/baseline", Role::Analyst);
    assert_eq!(code, 404, "nothing was kept");

    b.fill(r#"input[name="due.05.20.02"]"#, "2020-01-31");
    b.click(&b.wait_for("#keep"));
    let notice = b.wait_for_text("#notice", "kept");
    assert!(
        notice.starts_with("9 clause(s) kept for baseline"),
        "{notice}"
    );
    // Requirements: 4 met, 1 partly, 1 not → 4.5 / 6 = 75 %; recommendations: partly and not
    // met, one not applicable → 0.5 / 2 = 25 %.
    let row = b.text(&b.wait_for("#scores tr.selected"));
    assert!(row.contains("75.0 %") && row.contains("25.0 %"), "{row}");
    let gaps: Vec<String> = b
        .find_all("#gaps tr td:nth-child(2)")
        .iter()
        .map(|e| b.text(e))
        .collect();
    assert_eq!(gaps, ["05.20.02", "05.20.06", "05.20.09", "05.20.03"]);
    assert!(b.text(&b.wait_for("#gaps")).contains("(overdue)"));
    b.screenshot("2-scored");

    // The gap list, downloaded from the page's link, read back by a library that did not
    // write it: the same clauses in the same order.
    let href = b
        .attribute(&b.wait_for("#gaps-xlsx"), "href")
        .expect("href");
    let path = href.trim_start_matches(&server.base);
    let response = ureq::get(&server.url(path))
        .set(
            "authorization",
            &format!("Bearer {}", server.tokens[&Role::Analyst]),
        )
        .call()
        .expect("the gap list");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes).expect("read");
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes)).expect("an XLSX file calamine reads");
    let sheet = wb.worksheet_range("gaps").expect("a gaps sheet");
    let listed: Vec<String> = sheet
        .rows()
        .skip(3)
        .filter_map(|r| match r.get(1) {
            Some(Data::String(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(listed, gaps);

    // In the next module, an owner written for a clause with no status chosen is a mistake
    // pointed out, not an answer dropped.
    b.click(&b.wait_for(r#"#scores a[href*="module=05.30"]"#));
    b.fill(r#"input[name="owner.05.30.01"]"#, "Registry unit");
    b.click(&b.wait_for("#keep"));
    let error = b.text(&b.wait_for(r#"[id="c05.30.01"] .error"#));
    assert!(error.contains("choose a status"), "{error}");

    // The first gap becomes an assistance need; its area is the clause's module.
    b.click(&b.wait_for(r#"a[href="/assistance"]"#));
    b.click(&b.wait_for(r#"#clause option[value="05.20.02"]"#));
    b.fill("#id", "N-1");
    b.fill("#description", "Stock-count training for 12 armouries");
    b.fill("#budget", "120,000");
    b.fill("#priority", "high");
    b.fill("#region", "East Africa");
    b.click(&b.wait_for("#keep-need"));
    let notice = b.wait_for_text("#notice", "kept");
    assert_eq!(notice, "Need N-1 kept.");
    let needs = b.text(&b.wait_for("#needs"));
    assert!(
        needs.contains("05.20.02") && needs.contains("120000"),
        "{needs}"
    );
    b.screenshot("3-need");
}

#[test]
fn registrar_records_twenty_weapons_at_a_collection_point_by_keyboard_alone() {
    let server = TestServer::start(WEAPONS);
    let (code, r) = server.json(
        "POST",
        "/api/v1/campaigns",
        Role::Registrar,
        &serde_json::json!({"id": "LL-2026", "name": "Lilongwe amnesty", "place": "Lilongwe",
            "start": "2020-01-01",
            "end": (chrono::Utc::now().date_naive() + chrono::Days::new(365)).to_string(),
            "amnesty": true, "programme": "civilian"}),
    );
    assert_eq!(code, 201, "{r}");
    let (_, before) = server.get_json("/api/v1/summary", Role::Analyst);
    let b = Browser::start("intake");
    b.log_in(&server.base, "registrar", PASSWORD);
    b.click(&b.wait_for(r#"header nav a[href="/collection"]"#));
    b.click(&b.wait_for(r#"#campaigns a[href="/collection/LL-2026"]"#));
    b.wait_for("#intake");
    // The cursor starts in the first field; from here on only keys are pressed.
    assert_eq!(b.focused_id(), "category");
    b.screenshot("1-empty");
    for n in 1..=20 {
        // Fields: category (chosen by typing its first letters, then kept), maker (kept
        // after the first weapon), model, serial, calibre, country, name; Enter in the name
        // field records the weapon.
        let (category, maker) = if n == 1 { ("rev", "Taurus") } else { ("", "") };
        let (serial, country) = if n % 5 == 0 {
            (String::new(), "") // a worn-off serial: not adequately marked
        } else {
            (format!("KB-{n:03}"), "BR")
        };
        let person = if n % 4 == 0 { "Grace Banda" } else { "" };
        b.keyboard(&format!(
            "{category}\t{maker}\tRT85\t{serial}\t.38 Special\t{country}\t{person}\n"
        ));
        b.wait_for_text("#intake-count", &n.to_string());
        assert_eq!(
            b.focused_id(),
            "category",
            "after weapon {n} the cursor is back in the first field"
        );
        if n == 1 {
            b.screenshot("2-first");
        }
    }
    let notice = b.text(&b.wait_for("#notice"));
    assert!(notice.contains("not adequately marked"), "{notice}");
    assert_eq!(b.text(&b.wait_for("#unmarked-count")), "4");
    assert_eq!(b.find_all("#handed-in tr.unmarked").len(), 4);
    b.screenshot("3-twenty");
    let (code, c) = server.get_json("/api/v1/campaigns/LL-2026", Role::Investigator);
    assert_eq!(code, 200);
    let intake = c["intake"].as_array().expect("intake");
    assert_eq!(intake.len(), 20);
    assert_eq!(intake[0]["serial"], "KB-001");
    assert_eq!(intake[3]["person_recorded"], true);
    assert_eq!(intake[4]["follow_up"], "destroy");
    let (_, after) = server.get_json("/api/v1/summary", Role::Analyst);
    assert_eq!(
        after["weapons"].as_u64().expect("weapons"),
        before["weapons"].as_u64().expect("weapons") + 20
    );
    // Each is a surrendered event carrying the campaign and its amnesty.
    let w = string(&intake[7]["weapon_id"], "weapon id");
    let (_, weapon) = server.get_json(&format!("/api/v1/weapons/{w}"), Role::Investigator);
    assert_eq!(weapon["weapon"]["status"], "surrendered", "{weapon}");
    assert!(
        weapon["timeline"].to_string().contains("LL-2026"),
        "{weapon}"
    );
    assert_eq!(weapon["weapon"]["weapon"]["manufacturer"], "Taurus");
    // The four not adequately marked, to be destroyed: a batch prepared from the list.
    b.click(&b.wait_for("#to-destroy a"));
    b.wait_for_url("the destruction page", |u| {
        u.contains("/destruction?weapons=")
    });
    assert_eq!(b.value_of("#weapons").lines().count(), 4);
    let today = chrono::Utc::now().date_naive().to_string();
    for (field, value) in [
        ("#id", "LL-D-1"),
        ("#method", "crushing"),
        ("#place", "Lilongwe"),
        ("#date", today.as_str()),
        ("#authority", "National Commission"),
        ("#witnesses", "Campaign observers"),
        ("#certificate", "DC-LL-1"),
    ] {
        b.fill(field, value);
    }
    b.click(&b.wait_for("#destroy-batch"));
    b.wait_for_url("the certificate", |u| u.ends_with("/destruction/LL-D-1"));
    // Four weapons and the header.
    b.wait_for_count("#destroyed tr", 5);
    b.goto(&server.url("/collection/LL-2026"));
    b.wait_for("#intake");
    assert!(b.find("#to-destroy").is_none(), "nothing left to destroy");
}

#[test]
pub(crate) fn a_stock_count_finds_one_weapon_missing_and_ends_with_a_recorded_loss() {
    let server = TestServer::start(WEAPONS);
    let b = Browser::start("stock-count");
    b.log_in(&server.base, "registrar", PASSWORD);
    b.click(&b.wait_for(r#"header nav a[href="/stock"]"#));
    // The first armoury: never counted, so its count is overdue.
    let row = b.text(&b.wait_for("#armouries tr:nth-child(2)"));
    assert!(row.contains("overdue"), "{row}");
    b.click(&b.wait_for("#armouries tr:nth-child(2) a"));
    b.wait_for("#in-store");
    let armoury = b
        .current_url()
        .rsplit('/')
        .next()
        .expect("armoury id")
        .to_owned();
    // What a counter reads off each weapon: its serial, or for one without, the record id on
    // its label.
    let serials: Vec<String> = b
        .find_all("#in-store td.serial a")
        .iter()
        .map(|e| {
            let serial = b.text(e);
            if serial.trim().is_empty() {
                let href = b.attribute(e, "href").unwrap_or_default();
                href.rsplit('/').next().unwrap_or_default().to_owned()
            } else {
                serial
            }
        })
        .collect();
    assert!(serials.len() >= 5, "{serials:?}");
    b.screenshot("1-armoury");
    b.click(&b.wait_for(r#"header nav a[href="/stock"]"#));
    let today = chrono::Utc::now().date_naive().to_string();
    b.fill("#id", "C-2026-1");
    b.fill("#armoury", &armoury);
    b.fill("#planned_on", &today);
    b.fill("#counter", "Lt Phiri");
    b.fill("#custodian", "Sgt Banda");
    b.click(&b.wait_for("#plan-count"));
    b.wait_for_text("#notice", "planned");
    // The counters found every weapon but the third, typed in lower case with spaces.
    let missing = serials[2].clone();
    let found: Vec<String> = serials
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, s)| s.to_lowercase().replace('-', " "))
        .collect();
    b.fill("#found", &found.join("\n"));
    b.screenshot("2-found");
    // A date in the future is said by the check already, not only when keeping.
    let typed_on = b.value_of("#counted_on");
    b.fill("#counted_on", "2099-01-01");
    b.click(&b.wait_for("#check-first"));
    let said = b.text(&b.wait_for("#counted_on-error"));
    assert!(said.contains("2099-01-01 is in the future"), "{said}");
    assert!(
        b.find("#form-problems").is_some(),
        "the top says nothing was kept"
    );
    b.screenshot("2b-future");
    b.fill("#counted_on", &typed_on);
    // Checked first: what it would find, nothing kept yet.
    b.click(&b.wait_for("#check-first"));
    // The refused check showed a preview too: wait for the page without the problem.
    let preview = b.wait_until("the check without a problem", |b| {
        if b.find("main p.error").is_some() {
            return None;
        }
        b.find("#preview").map(|p| b.text(&p))
    });
    assert!(preview.contains("1 missing"), "{preview}");
    assert!(b.find("#result").is_none(), "nothing kept by the check");
    assert_eq!(
        b.value_of("#found").lines().count(),
        found.len(),
        "the list stays"
    );
    b.click(&b.wait_for("#reconcile"));
    let notice = b.wait_for_text("#notice", "entered");
    assert!(notice.contains("1 discrepancy"), "{notice}");
    assert_eq!(b.text(&b.wait_for("#missing-count")), "1");
    assert_eq!(
        b.text(&b.wait_for("#found-count")),
        (serials.len() - 1).to_string()
    );
    b.screenshot("3-reconciled");
    b.click(&b.wait_for("#discrepancies a"));
    assert_eq!(b.text(&b.wait_for("#stage")), "open");
    // Closing at once, without an investigation, is refused.
    b.fill("#note", "not on the rack");
    select(&b, "#action", "confirm");
    select(&b, "#resolution", "loss");
    b.click(&b.wait_for("#take-step"));
    // Said beside the action chosen, and at the top that nothing was kept.
    let error = b.text(&b.wait_for("#action-error"));
    assert!(error.contains("investigate"), "{error}");
    assert!(
        b.find("#form-problems").is_some(),
        "the top says nothing was kept"
    );
    assert_eq!(
        b.value_of("#note"),
        "not on the rack",
        "the note typed stays"
    );
    b.screenshot("4-refused");
    select(&b, "#action", "investigate");
    select(&b, "#resolution", "");
    b.fill("#note", "searched the depot and the repair shop");
    b.click(&b.wait_for("#take-step"));
    b.wait_for_text("#stage", "under investigation");
    select(&b, "#action", "confirm");
    select(&b, "#resolution", "loss");
    b.fill("#note", "not found; reported to the commission");
    b.click(&b.wait_for("#take-step"));
    b.wait_for_text("#stage", "confirmed loss");
    assert_eq!(b.find_all("#steps tr").len(), 3, "two steps and the header");
    b.screenshot("5-loss");
    // The weapon is recorded as lost, with the count named.
    b.click(&b.wait_for("#weapon-link"));
    let page = b.text(&b.wait_for("main"));
    assert!(page.contains(&missing), "{page}");
    assert!(
        page.contains("reported lost") || page.contains("reported_lost"),
        "{page}"
    );
    assert!(page.contains("stock count C-2026-1"), "{page}");
    b.screenshot("6-weapon");
}

/// Chooses the option of value `value` in the select `css`.
fn select(b: &Browser, css: &str, value: &str) {
    b.click(&b.wait_for(&format!(r#"{css} option[value="{value}"]"#)));
}

#[test]
fn registrar_destroys_a_batch_from_the_page_after_a_refusal_and_prints_its_certificate() {
    let server = TestServer::start(WEAPONS);
    // Two weapons handed in today; the first held as evidence.
    let first = crate::stock::handed_in(&server, "BD-0001");
    let second = crate::stock::handed_in(&server, "BD-0002");
    let (code, r) = server.json(
        "POST",
        "/api/v1/holds",
        Role::Registrar,
        &serde_json::json!({"weapon": first, "case": "HC 9/2026"}),
    );
    assert_eq!(code, 200, "{r}");
    let today = chrono::Utc::now().date_naive().to_string();
    let b = Browser::start("destruction");
    b.log_in(&server.base, "registrar", PASSWORD);
    b.click(&b.wait_for(r#"header nav a[href="/stock"]"#));
    b.click(&b.wait_for(r#"a[href="/destruction"]"#));
    b.fill("#id", "D-2026-9");
    b.fill("#method", "cutting");
    b.fill("#place", "Central Armoury yard");
    b.fill("#date", &today);
    b.fill("#authority", "National Commission");
    b.fill("#witnesses", "A. Banda, C. Phiri");
    b.fill("#certificate", "DC-0009");
    // A date written as on paper and a weapon that is not there: both said at once.
    b.fill("#date", "31/12/2026");
    b.fill("#weapons", &format!("{first}\n{second}\nno-such-weapon"));
    b.click(&b.wait_for("#destroy-batch"));
    let date_error = b.text(&b.wait_for("#date-error"));
    assert!(date_error.contains("not a date"), "{date_error}");
    let weapons_error = b.text(&b.wait_for("#weapons-error"));
    assert!(
        weapons_error.contains("line 3") && weapons_error.contains("no-such-weapon"),
        "{weapons_error}"
    );
    b.fill("#date", &today);
    b.fill("#weapons", &format!("{first}\n{second}"));
    b.click(&b.wait_for("#destroy-batch"));
    // The page of the first refusal said the weapons too: wait for it to go.
    b.wait_until("the page without the date's problem", |b| {
        b.find("#date-error").is_none().then_some(())
    });
    // Refused for the weapon held as evidence; nothing destroyed, what was typed kept.
    let error = b.text(&b.wait_for("#weapons-error"));
    assert!(
        error.starts_with("line 1") && error.contains("evidence (case HC 9/2026)"),
        "{error}"
    );
    assert!(
        b.find("#form-problems").is_some(),
        "the top says nothing was kept"
    );
    assert_eq!(b.value_of("#certificate"), "DC-0009");
    b.screenshot("1-refused");
    let (_, w) = server.get_json(&format!("/api/v1/weapons/{second}"), Role::Investigator);
    assert_eq!(w["weapon"]["status"], "surrendered", "nothing destroyed");
    // The held weapon taken out of the batch, the rest is destroyed.
    b.fill("#weapons", &second);
    b.click(&b.wait_for("#destroy-batch"));
    b.wait_for_url("the certificate", |u| u.ends_with("/destruction/D-2026-9"));
    let certificate = b.text(&b.wait_for("dl#certificate"));
    assert!(
        certificate.contains("cutting") && certificate.contains("A. Banda"),
        "{certificate}"
    );
    assert!(b.text(&b.wait_for("#destroyed")).contains("BD-0002"));
    // A photo taken after, added from the certificate page: its hash is printed.
    let dir = tempfile::tempdir().expect("tempdir");
    let photo = dir.path().join("after.jpg");
    std::fs::write(&photo, crate::roles::JPEG).expect("write the photo");
    let input = b.wait_for("#photo");
    b.send_keys(&input, photo.to_str().expect("the temporary path is UTF-8"));
    b.fill("#caption", "cut frames");
    b.click(&b.wait_for("#add-evidence"));
    let hash = blake3::hash(crate::roles::JPEG).to_hex().to_string();
    b.wait_for_text("#evidence", &hash);
    b.screenshot("2-certificate");
    let (_, w) = server.get_json(&format!("/api/v1/weapons/{second}"), Role::Investigator);
    assert_eq!(w["weapon"]["status"], "destroyed");
}

#[test]
fn registrar_registers_an_organisation_finds_it_by_part_of_its_name_and_opens_it() {
    let server = TestServer::start(20);
    let b = Browser::start("persons");
    b.log_in(&server.base, "registrar", PASSWORD);
    b.click(&b.wait_for(r#"header nav a[href="/persons"]"#));
    b.wait_for("#new-person");
    select(&b, "#kind", "organisation");
    b.fill("#name", "Kisumu Central Police Armoury");
    b.fill("#reference", "KSM-ARM-1");
    b.fill("#country", "XX");
    b.click(&b.wait_for("#register-person"));
    let country = b.text(&b.wait_for("#country-error"));
    assert!(country.contains("XX"), "{country}");
    assert_eq!(b.value_of("#name"), "Kisumu Central Police Armoury");
    assert_eq!(b.value_of("#kind"), "organisation");
    b.screenshot("1-refused");
    b.fill("#country", "KE");
    select(&b, "#roles", "state_unit");
    b.click(&b.wait_for("#register-person"));
    b.wait_for_text("#notice", "Registered.");
    let page = b.text(&b.wait_for("main"));
    assert!(
        page.contains("KSM-ARM-1") && page.contains("state unit"),
        "{page}"
    );

    // Found again by a part of its name, in any case.
    b.goto(&server.url("/persons"));
    b.fill("#q", "central police");
    b.click(&b.wait_for("#find"));
    let rows = b.wait_for_count("#found tr", 2);
    assert!(b.text(&rows[1]).contains("KSM-ARM-1"));
    b.screenshot("2-found");
    b.click(&b.wait_for("#found a"));
    b.wait_for_url("the organisation's page", |u| u.contains("/persons/"));
    b.goto(&server.url("/persons?q=nobody%20here"));
    assert!(b.text(&b.wait_for("#none-found")).contains("nobody here"));
    // Each search is in the audit trail, with what it showed.
    let (_, audit) = server.get_json("/api/v1/audit?action=search-persons", Role::Auditor);
    let text = audit.to_string();
    assert!(
        text.contains("central police") && text.contains("1 shown"),
        "{audit}"
    );
    assert!(
        text.contains("nobody here") && text.contains("0 shown"),
        "{audit}"
    );
}
