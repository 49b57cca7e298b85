//! The web interface: server-rendered HTML (askama), usable without JavaScript. Each page
//! calls the same functions as the API (crate::api), so the rules, messages and audit lines
//! are the same. Access is checked by the guard; forms check their CSRF field here.

use std::collections::HashMap;

use crate::params::PathParam;
use askama::Template;
use axum::extract::{Extension, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use salw_access::Permission;
use salw_core::EventKind;
use salw_io::{Format, RecordKind};
use salw_store::{AccessBackend, AuditRecord, Backend, StoredEvent, Summary};
use serde_json::{Map, Value};

use crate::api::{self, AccountChange, NewAccount, WeaponView};
use crate::auth::{self, Caller};
use crate::error::ApiError;
use crate::params::{Params, body_bytes};
use crate::state::Shared;

/// An error shown as a page.
pub struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Nav,
    title: String,
    message: &'a str,
    errors: &'a [crate::error::FieldError],
}

/// The error an error page shows, kept with its answer so that `with_menu` can show it again
/// with the menu of the person who asked (a handler's error does not know who that is).
#[derive(Clone)]
struct ShownError {
    message: String,
    errors: Vec<crate::error::FieldError>,
}

fn error_page(e: &ShownError, status: StatusCode, nav: Nav) -> Response {
    let page = ErrorPage {
        nav,
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        message: &e.message,
        errors: &e.errors,
    };
    let mut response = (status, render(&page)).into_response();
    response.extensions_mut().insert(e.clone());
    response
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let shown = ShownError {
            message: self.0.message,
            errors: self.0.errors,
        };
        error_page(&shown, self.0.status, Nav::anonymous())
    }
}

/// A page's error answer, with the menu of whoever the request's session or token names
/// (none for a visitor): for the answers given before a handler knows its caller (an
/// address that is no page, a method the page does not take).
pub(crate) async fn error_for(
    state: &crate::Shared,
    headers: &axum::http::HeaderMap,
    e: ApiError,
) -> Response {
    let page = PageError(e).into_response();
    match crate::auth::identify(state, headers).await {
        Ok(Some(caller)) => with_menu(page, &caller),
        _ => page,
    }
}

/// A page's error answer shown again with the menu of `caller`, who is logged in, so that an
/// unknown record or a refused request does not look like being logged out.
pub(crate) fn with_menu(response: Response, caller: &Caller) -> Response {
    match response.extensions().get::<ShownError>() {
        Some(shown) => error_page(shown, response.status(), Nav::of(caller)),
        None => response,
    }
}

pub type PageResult = Result<Response, PageError>;

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => ApiError::internal("rendering a page", e).into_response(),
    }
}

/// The navigation bar: what this caller may open.
pub struct Nav {
    pub user: String,
    pub role: String,
    pub csrf: String,
    pub dashboard: bool,
    pub search: bool,
    pub register: bool,
    pub import: bool,
    pub export: bool,
    pub users: bool,
    pub audit: bool,
    pub trace: bool,
    /// The Stockpile and Collection pages.
    pub stock: bool,
    /// The Persons page (search and register persons and organisations).
    pub persons: bool,
}

impl Nav {
    pub fn of(c: &Caller) -> Nav {
        Nav {
            user: c.name.clone(),
            role: c.role.as_str().to_owned(),
            csrf: c.csrf.clone().unwrap_or_default(),
            dashboard: c.may(Permission::ViewSummary),
            search: c.may(Permission::Search),
            register: c.may(Permission::WriteRecords),
            import: c.may(Permission::Import),
            export: c.may(Permission::Export),
            users: c.may(Permission::ManageUsers),
            audit: c.may(Permission::ReadAudit),
            trace: c.may(Permission::Trace),
            stock: c.may(Permission::ViewWeapon),
            persons: c.may(Permission::ViewPerson),
        }
    }

    fn anonymous() -> Nav {
        Nav {
            user: String::new(),
            role: String::new(),
            csrf: String::new(),
            dashboard: false,
            search: false,
            register: false,
            import: false,
            export: false,
            users: false,
            audit: false,
            trace: false,
            stock: false,
            persons: false,
        }
    }
}

/// The 403 page the guard shows to a role without the permission.
pub fn forbidden(caller: &Caller, what: &str) -> Response {
    let message = format!("Your role ({}) may not {what}.", caller.role);
    let page = ErrorPage {
        nav: Nav::of(caller),
        title: "Not allowed".into(),
        message: &message,
        errors: &[],
    };
    (StatusCode::FORBIDDEN, render(&page)).into_response()
}

// ---------------------------------------------------------------------------------------------
// Forms

/// A submitted form: its values (kept to show again) and the message of each field.
#[derive(Default)]
pub struct Form {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// Messages about fields the form does not show.
    pub general: Vec<String>,
}

impl Form {
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn error(&self, name: &str) -> &str {
        self.errors.get(name).map(String::as_str).unwrap_or("")
    }
    /// The fields whose name starts with `prefix`, that prefix cut off.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.values
            .iter()
            .filter_map(move |(k, v)| Some((k.strip_prefix(prefix)?, v.as_str())))
    }
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.general.is_empty()
    }
    fn fail(&mut self, shown: &[&str], field: &str, reason: &str) {
        if shown.contains(&field) {
            let entry = self.errors.entry(field.to_owned()).or_default();
            if !entry.is_empty() {
                entry.push_str("; ");
            }
            entry.push_str(reason);
        } else {
            self.general.push(format!("{field}: {reason}"));
        }
    }
}

/// Parses an `application/x-www-form-urlencoded` body.
pub(crate) async fn read_form(request: Request) -> Result<Form, ApiError> {
    let bytes = body_bytes(request.into_body(), crate::params::JSON_LIMIT).await?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::field(StatusCode::BAD_REQUEST, "form", "is not UTF-8"))?;
    let mut values = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = crate::params::decode(k)
            .ok_or_else(|| ApiError::field(StatusCode::BAD_REQUEST, "form", "is not valid"))?;
        let v = crate::params::decode(v)
            .ok_or_else(|| ApiError::field(StatusCode::BAD_REQUEST, &k, "is not valid"))?;
        values.insert(k, v);
    }
    Ok(Form {
        values,
        ..Form::default()
    })
}

pub(crate) fn check_csrf(caller: &Caller, form: &Form) -> Result<(), ApiError> {
    caller.check_csrf(Some(form.value("csrf")))
}

// ---------------------------------------------------------------------------------------------
// Login

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    name: String,
    next: String,
    message: String,
    /// The login form's own CSRF token (double-submitted: cookie and field), so that another
    /// site cannot log a browser into an account of its choosing.
    csrf: String,
}

const LOGIN_COOKIE: &str = "salw_login";

fn login_cookie(state: &Shared, token: &str) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict{secure}")
}

/// Renders the login form with a fresh CSRF token and its cookie.
fn login_form(
    state: &Shared,
    name: String,
    next: String,
    message: String,
    status: StatusCode,
) -> Response {
    let csrf = auth::random_secret();
    let cookie = login_cookie(state, &csrf);
    let page = LoginPage {
        nav: Nav::anonymous(),
        name,
        next,
        message,
        csrf,
    };
    (status, [(header::SET_COOKIE, cookie)], render(&page)).into_response()
}

fn safe_next(next: &str) -> String {
    // Only a path on this site: never an address elsewhere.
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

pub async fn login_page(State(state): State<Shared>, params: Params) -> PageResult {
    let next = safe_next(&params.text("next").unwrap_or_default());
    Ok(login_form(
        &state,
        String::new(),
        next,
        String::new(),
        StatusCode::OK,
    ))
}

pub async fn login(
    State(state): State<Shared>,
    headers: HeaderMap,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    let name = form.value("name").trim().to_owned();
    let password = form.value("password").to_owned();
    let next = safe_next(form.value("next"));
    let address = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .unwrap_or("direct")
        .trim()
        .to_owned();
    let keys = [format!("name:{name}"), format!("address:{address}")];
    let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
    let refuse = |message: String, status: StatusCode| {
        Ok(login_form(
            &state,
            name.clone(),
            next.clone(),
            message,
            status,
        ))
    };
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == LOGIN_COOKIE)
        .map(|(_, v)| v.to_owned());
    if cookie.is_none() || cookie.as_deref() != Some(form.value("csrf")) {
        return refuse(
            "The login form is out of date or did not come from this site: try again.".into(),
            StatusCode::FORBIDDEN,
        );
    }
    let wait = crate::state::lock(&state.throttle).wait(&keys, std::time::Instant::now());
    if let Some(wait) = wait {
        return refuse(
            format!(
                "Too many failed attempts: try again in {} minutes.",
                wait.as_secs().div_ceil(60)
            ),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let (n, p) = (name.clone(), password);
    let who = state
        .read(move |reg| {
            let who = salw_access::authenticate(reg.backend(), &n, &p)
                .map_err(|e| ApiError::internal("checking a password", e))?;
            // What the session remembers of the password, to end itself when it changes.
            let credential = match &who {
                Some(_) => reg
                    .backend()
                    .account(&n)
                    .map_err(|e| ApiError::internal("reading the account", e))?
                    .map(|a| crate::auth::credential_of(&a))
                    .unwrap_or_default(),
                None => String::new(),
            };
            Ok(who.map(|w| (w, credential)))
        })
        .await?;
    match who {
        Some((who, credential)) => {
            crate::state::lock(&state.throttle).succeeded(&keys);
            state
                .audit
                .record_as(&who.name, who.role.as_str(), "login", &address, "ok")
                .await
                .map_err(|e| ApiError::internal("writing the audit trail", e))?;
            let cookie = auth::start_session(&state, &who.name, who.role, credential);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        None => {
            crate::state::lock(&state.throttle).failed(&keys, std::time::Instant::now());
            state
                .audit
                .record_as(&name, "", "login-failed", &address, "refused")
                .await
                .map_err(|e| ApiError::internal("writing the audit trail", e))?;
            refuse("Wrong name or password.".into(), StatusCode::UNAUTHORIZED)
        }
    }
}

pub async fn logout(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    auth::end_session(&state, &headers);
    let cookie = auth::session_cookie(&state, "", true);
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

// ---------------------------------------------------------------------------------------------
// Dashboard

pub struct Bar {
    pub label: String,
    pub count: u64,
    pub width: u64,
    pub y: u64,
}

fn bars(counts: &[(String, u64)]) -> Vec<Bar> {
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    counts
        .iter()
        .enumerate()
        .map(|(i, (label, n))| Bar {
            label: label.replace('_', " "),
            count: *n,
            width: (n * 300).div_ceil(max),
            y: i as u64 * 22,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    nav: Nav,
    summary: Summary,
    node_country: String,
    by_status: Vec<Bar>,
    by_category: Vec<Bar>,
    status_height: u64,
    category_height: u64,
    /// Each recent event with its weapon in words (category and serial).
    recent: Vec<(StoredEvent, String)>,
    wanted: u64,
    show_records: bool,
}

pub async fn dashboard(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    // Recent events name weapons: only for roles that may view them (not the analyst).
    let show_records = caller.may(Permission::ViewWeapon);
    let (summary, recent) = state
        .read(move |reg| {
            let b = reg.backend();
            let summary = b
                .summary()
                .map_err(|e| ApiError::internal("the summary", e))?;
            let mut recent = Vec::new();
            if show_records {
                for e in b
                    .recent_events(10)
                    .map_err(|e| ApiError::internal("recent events", e))?
                {
                    let weapon = b
                        .weapon(e.event.weapon_id)
                        .map_err(|e| ApiError::internal("a weapon", e))?
                        .map(|w| {
                            let serial = w.weapon.serial.as_deref().unwrap_or("no serial");
                            format!("{} {serial}", w.weapon.category)
                        })
                        .unwrap_or_else(|| e.event.weapon_id.to_string());
                    recent.push((e, weapon));
                }
            }
            Ok((summary, recent))
        })
        .await?;
    let by_status = bars(&summary.by_status);
    let by_category = bars(&summary.by_category);
    let wanted = summary
        .by_status
        .iter()
        .filter(|(s, _)| s == "lost" || s == "stolen")
        .map(|(_, n)| n)
        .sum();
    let page = Dashboard {
        nav: Nav::of(&caller),
        node_country: state.node.country.clone().unwrap_or_default(),
        status_height: by_status.len() as u64 * 22,
        category_height: by_category.len() as u64 * 22,
        by_status,
        by_category,
        summary,
        recent,
        wanted,
        show_records,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// Search

/// A serial cut into runs of characters, each marked or not (the explanation on the serial).
pub struct Piece {
    pub text: String,
    pub marked: bool,
}

pub struct HitView {
    pub hit: salw_search::Hit,
    pub pieces: Vec<Piece>,
    pub describe: String,
}

fn pieces(serial: &str, marked: &[usize]) -> Vec<Piece> {
    let normalised = salw_search::normalise(serial);
    let mut out: Vec<Piece> = Vec::new();
    for (i, c) in normalised.chars().enumerate() {
        let m = marked.contains(&i);
        match out.last_mut() {
            Some(last) if last.marked == m => last.text.push(c),
            _ => out.push(Piece {
                text: c.to_string(),
                marked: m,
            }),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    nav: Nav,
    q: String,
    make: String,
    model: String,
    calibre: String,
    kind: String,
    country: String,
    searched: bool,
    hits: Vec<HitView>,
    incomplete: bool,
    error: String,
    /// No hit, and the make filter matches no manufacturer: the nearest ones, each with the
    /// link to the same search with that make.
    unknown_make: bool,
    makes_near: Vec<(String, String)>,
    /// No hit: how far the search looked (`Reach::describe`).
    reach: &'static str,
    /// Some filter was given.
    filtered: bool,
}

pub async fn search(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    let request = api::search_request(&params)?;
    let f = &request.filters;
    let mut page = SearchPage {
        nav: Nav::of(&caller),
        q: request.q.clone(),
        make: f.make.clone().unwrap_or_default(),
        model: f.model.clone().unwrap_or_default(),
        calibre: f.calibre.clone().unwrap_or_default(),
        kind: f.kind.clone().unwrap_or_default(),
        country: f.country.clone().unwrap_or_default(),
        searched: false,
        hits: Vec::new(),
        incomplete: false,
        error: String::new(),
        unknown_make: false,
        makes_near: Vec::new(),
        reach: "",
        filtered: !f.is_empty(),
    };
    if request.q.is_empty() {
        return Ok(render(&page));
    }
    page.searched = true;
    match api::run_search(&state, &caller, &request).await {
        Ok(found) => {
            page.incomplete = found.incomplete;
            page.reach = found.reach.describe();
            if let Some(near) = &found.unknown_make {
                page.unknown_make = true;
                page.makes_near = near
                    .iter()
                    .map(|make| {
                        let mut link = format!(
                            "/search?q={}&make={}",
                            auth::urlencode(&request.q),
                            auth::urlencode(make)
                        );
                        for (name, value) in [
                            ("model", &f.model),
                            ("calibre", &f.calibre),
                            ("type", &f.kind),
                            ("country", &f.country),
                        ] {
                            if let Some(value) = value {
                                link.push_str(&format!("&{name}={}", auth::urlencode(value)));
                            }
                        }
                        (make.clone(), link)
                    })
                    .collect();
            }
            page.hits = found
                .hits
                .into_iter()
                .map(|hit| HitView {
                    pieces: pieces(&hit.serial, &hit.marked),
                    describe: [
                        hit.manufacturer.as_deref(),
                        hit.model.as_deref(),
                        hit.calibre.as_deref(),
                        hit.country.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · "),
                    hit,
                })
                .collect();
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            page.error = e
                .errors
                .first()
                .map(|f| f.reason.clone())
                .unwrap_or(e.message);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// Weapon page

pub struct TimelineRow {
    pub event: StoredEvent,
    pub details: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "weapon.html")]
struct WeaponPage {
    nav: Nav,
    can_write: bool,
    view: WeaponView,
    fields: Vec<(&'static str, String)>,
    timeline: Vec<TimelineRow>,
    holder: String,
    next_events: Vec<(&'static str, &'static str)>,
    notice: String,
    /// Why the photo just sent was refused, and the caption that was typed with it.
    photo_error: String,
    caption: String,
}

fn person_name(view: &WeaponView, id: Option<uuid::Uuid>) -> Option<(String, String)> {
    let id = id?;
    let name = view
        .persons
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string());
    Some((id.to_string(), name))
}

/// The events a person would record next, by where the weapon stands (the registry refuses,
/// with its reason, any that does not fit the history).
fn next_events(status: salw_core::lifecycle::WeaponStatus) -> Vec<(&'static str, &'static str)> {
    use salw_core::lifecycle::WeaponStatus::*;
    let all: &[(&str, &str)] = match status {
        Registered | Issued | Recovered | Found | Surrendered => &[
            ("reported_lost", "Report lost"),
            ("reported_stolen", "Report stolen"),
            ("seized", "Seize"),
            ("transferred", "Transfer"),
            ("inventoried", "Inventory check"),
            ("exported", "Export"),
            ("deactivated", "Deactivate"),
            ("destroyed", "Destroy"),
        ],
        Lost | Stolen => &[
            ("recovered", "Recovered"),
            ("seized", "Seize"),
            ("found", "Found"),
        ],
        Seized => &[
            ("traced", "Record a trace"),
            ("deactivated", "Deactivate"),
            ("destroyed", "Destroy"),
            ("returned", "Return"),
        ],
        Deactivated => &[
            ("reactivation_detected", "Reactivation detected"),
            ("destroyed", "Destroy"),
        ],
        Exported | Destroyed => &[],
    };
    all.to_vec()
}

pub async fn weapon(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> PageResult {
    let view = api::load_weapon(&state, &caller, &id).await?;
    let show_persons = caller.may(Permission::ViewPerson);
    let w = &view.weapon.weapon;
    let mut fields: Vec<(&'static str, String)> = vec![
        ("Category", w.category.clone()),
        ("Status", view.weapon.status.as_str().replace('_', " ")),
    ];
    for (label, value) in [
        ("Manufacturer", &w.manufacturer),
        ("Model", &w.model),
        ("Serial", &w.serial),
        ("Calibre", &w.calibre),
        ("Country of manufacture", &w.country),
        ("Reference", &w.reference),
        ("Notes", &w.notes),
    ] {
        if let Some(v) = value {
            fields.push((label, v.clone()));
        }
    }
    if let Some(y) = w.year {
        fields.push(("Year", y.to_string()));
    }
    if w.inadequately_marked {
        fields.push((
            "Marking",
            "inadequately marked: follow-up due (ITI para 9)".into(),
        ));
    }
    let timeline = view
        .timeline
        .iter()
        .map(|e| {
            let ev = &e.event;
            let mut details: Vec<(String, String)> = Vec::new();
            for (label, value) in [
                ("place", &ev.place),
                ("agency", &ev.agency),
                ("officer", &ev.officer),
                ("legal basis", &ev.legal_basis),
                ("document", &ev.document),
                ("country", &ev.country),
                ("criminal context", &ev.criminal_context),
                ("notes", &ev.notes),
            ] {
                if let Some(v) = value {
                    details.push((label.into(), v.clone()));
                }
            }
            if let Some(b) = ev.seizure_basis {
                details.push(("seizure basis".into(), b.as_str().replace('_', " ")));
            }
            if show_persons {
                for (label, id) in [("from", ev.from_holder), ("to", ev.to_holder)] {
                    if let Some((_, name)) = person_name(&view, id) {
                        details.push((label.into(), name));
                    }
                }
            }
            TimelineRow {
                event: e.clone(),
                details,
            }
        })
        .collect();
    let holder = if show_persons {
        person_name(&view, view.weapon.holder)
            .map(|(_, n)| n)
            .unwrap_or_default()
    } else {
        String::new()
    };
    let can_write = caller.may(Permission::WriteRecords);
    let next = if can_write {
        next_events(view.weapon.status)
    } else {
        Vec::new()
    };
    let photo_error = params.text("photo_error").unwrap_or_default();
    let caption = params.text("caption").unwrap_or_default();
    let notice = match params.text("recorded").as_deref() {
        Some("weapon") => "The weapon was registered.".to_owned(),
        Some("photo") => "The photo was added.".to_owned(),
        Some(kind) => format!("The event '{}' was recorded.", kind.replace('_', " ")),
        None => String::new(),
    };
    let page = WeaponPage {
        nav: Nav::of(&caller),
        can_write,
        fields,
        timeline,
        holder,
        next_events: next,
        notice,
        photo_error,
        caption,
        view,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------------------------------------
// Registering a weapon

pub const WEAPON_FIELDS: &[(&str, &str, &str)] = &[
    ("manufacturer", "Manufacturer", "as marked"),
    ("model", "Model", ""),
    (
        "serial",
        "Serial number",
        "verbatim, as marked on the frame or receiver",
    ),
    ("calibre", "Calibre", "as marked, e.g. 7.62x39"),
    (
        "country",
        "Country of manufacture",
        "ISO 3166 code, e.g. BE",
    ),
    ("year", "Year of manufacture", ""),
    (
        "reference",
        "Reference",
        "ledger line or old registry number, unique",
    ),
    ("notes", "Notes", ""),
];

#[derive(Template)]
#[template(path = "weapon_form.html")]
struct WeaponForm {
    nav: Nav,
    form: Form,
    categories: Vec<String>,
    fields: &'static [(&'static str, &'static str, &'static str)],
    follow_ups: &'static [(&'static str, &'static str)],
}

/// What is done with a weapon not adequately marked (ITI para 9): the value, and its words.
const FOLLOW_UPS: &[(&str, &str)] = &[
    ("mark_and_record", "mark it, then record its mark"),
    ("destroy", "destroy it"),
];

pub(crate) async fn categories(state: &Shared) -> Result<Vec<String>, ApiError> {
    state
        .read(|reg| {
            Ok(reg
                .categories()
                .map_err(|e| ApiError::internal("categories", e))?
                .all()
                .iter()
                .map(|c| c.name.clone())
                .collect())
        })
        .await
}

pub async fn weapon_form(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let page = WeaponForm {
        nav: Nav::of(&caller),
        form: Form::default(),
        categories: categories(&state).await?,
        fields: WEAPON_FIELDS,
        follow_ups: FOLLOW_UPS,
    };
    Ok(render(&page))
}

/// Writes the record a form made: its id, or none with each refusal put beside its field in
/// `form` (`shown`: the fields the form has; the others are listed above it).
async fn write_form_record(
    state: &Shared,
    caller: &Caller,
    kind: RecordKind,
    object: Map<String, Value>,
    form: &mut Form,
    shown: &[&str],
) -> Result<Option<uuid::Uuid>, ApiError> {
    let outcome = api::write_record(state, caller, kind, object, "web").await?;
    if outcome.committed() {
        return Ok(Some(outcome.ids.first().copied().unwrap_or_default()));
    }
    for e in &outcome.errors {
        form.fail(shown, &e.field, &e.reason);
    }
    Ok(None)
}

pub async fn weapon_create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let mut form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let mut object = Map::new();
    object.insert("id".into(), Value::String(uuid::Uuid::now_v7().to_string()));
    object.insert(
        "category".into(),
        Value::String(form.value("category").to_owned()),
    );
    let mut shown: Vec<&str> = vec!["category"];
    for (name, _, _) in WEAPON_FIELDS {
        shown.push(name);
        let v = form.value(name).trim();
        if v.is_empty() {
            continue;
        }
        if *name == "year" {
            match v.parse::<i32>() {
                Ok(y) => {
                    object.insert("year".into(), Value::from(y));
                }
                Err(_) => form.fail(
                    &shown,
                    "year",
                    "a year is written with four digits, e.g. 1998",
                ),
            }
        } else {
            object.insert((*name).into(), Value::String(v.to_owned()));
        }
    }
    shown.extend(["inadequately_marked", "follow_up"]);
    if form.value("inadequately_marked") == "yes" {
        object.insert("inadequately_marked".into(), Value::Bool(true));
    }
    let follow_up = form.value("follow_up").trim();
    if !follow_up.is_empty() {
        object.insert("follow_up".into(), Value::String(follow_up.to_owned()));
    }
    if !form.has_errors()
        && let Some(id) = write_form_record(
            &state,
            &caller,
            RecordKind::Weapon,
            object,
            &mut form,
            &shown,
        )
        .await?
    {
        return Ok(Redirect::to(&format!("/weapons/{id}?recorded=weapon")).into_response());
    }
    let page = WeaponForm {
        nav: Nav::of(&caller),
        form,
        categories: categories(&state).await?,
        fields: WEAPON_FIELDS,
        follow_ups: FOLLOW_UPS,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Recording an event

/// (field, label, hint, choices): the fields of the event form for one kind.
type FieldSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const COMMON: &[FieldSpec] = &[
    ("occurred_on", "Date", "YYYY-MM-DD", &[]),
    ("place", "Place", "", &[]),
    ("agency", "Agency or unit", "", &[]),
    ("officer", "Officer", "", &[]),
    ("legal_basis", "Legal basis", "", &[]),
    (
        "document",
        "Document",
        "licence, report or certificate reference",
        &[],
    ),
];

fn kind_fields(kind: EventKind) -> &'static [FieldSpec] {
    use EventKind::*;
    match kind {
        Seized => &[
            (
                "seizure_basis",
                "Seizure basis",
                "",
                &["criminal_offence", "administrative_violation"],
            ),
            (
                "criminal_context",
                "Criminal context",
                "offence, case number",
                &[],
            ),
        ],
        Exported => &[("country", "Country of destination", "ISO 3166 code", &[])],
        Imported => &[("country", "Country exported from", "ISO 3166 code", &[])],
        Transferred => &[(
            "to_holder",
            "New holder",
            "the person's id or reference (find or register them on the Persons page)",
            &[],
        )],
        Issued => &[
            (
                "to_holder",
                "Issued to",
                "the person's id or reference (find or register them on the Persons page)",
                &[],
            ),
            ("reason", "Duty", "what it is issued for", &[]),
            ("due_on", "Due back", "YYYY-MM-DD", &[]),
        ],
        Deactivated => &[
            ("standard", "Standard", "e.g. EU 2015/2403", &[]),
            (
                "parts_treated",
                "Parts treated",
                "barrel, breech block, frame…",
                &[],
            ),
            ("verifier", "Verified by", "", &[]),
            ("witnesses", "Witnesses", "", &[]),
            ("certificate", "Certificate", "", &[]),
            ("mark_text", "Deactivation mark", "as marked", &[]),
        ],
        Destroyed => &[
            (
                "method",
                "Method",
                "cutting, crushing, melting, shredding…",
                &[],
            ),
            ("witnesses", "Witnesses", "", &[]),
            ("certificate", "Certificate", "", &[]),
        ],
        Marked => &[
            (
                "marking_occasion",
                "Occasion",
                "",
                &[
                    "manufacture",
                    "import",
                    "state_to_civilian",
                    "confiscation",
                    "deactivation",
                    "unmarked",
                ],
            ),
            ("mark_text", "Mark applied", "as marked", &[]),
        ],
        Traced => &[
            (
                "trace_outcome",
                "Outcome",
                "",
                &[
                    "established_by_tracing",
                    "established_by_other_means",
                    "unsuccessful",
                    "pending",
                ],
            ),
            ("trace_ref", "Trace reference", "", &[]),
            ("reason", "Reason (when unsuccessful)", "", &[]),
        ],
        Surrendered => &[("campaign", "Campaign", "", &[])],
        _ => &[],
    }
}

#[derive(Template)]
#[template(path = "event_form.html")]
struct EventForm {
    nav: Nav,
    weapon_id: String,
    weapon_label: String,
    kind: String,
    kind_label: String,
    fields: Vec<FieldSpec>,
    form: Form,
}

fn parse_kind(text: &str) -> Result<EventKind, ApiError> {
    text.parse::<EventKind>().map_err(|_| {
        ApiError::field(
            StatusCode::BAD_REQUEST,
            "kind",
            format!(
                "'{text}' is not an event kind; the kinds are {}",
                EventKind::choices()
            ),
        )
    })
}

fn event_fields(kind: EventKind) -> Vec<FieldSpec> {
    let mut fields = COMMON.to_vec();
    fields.extend_from_slice(kind_fields(kind));
    fields.push(("notes", "Notes", "", &[]));
    fields
}

async fn weapon_label(state: &Shared, id: &str) -> Result<(String, String), ApiError> {
    let r = salw_store::RecordRef::parse(id)
        .ok_or_else(|| ApiError::field(StatusCode::BAD_REQUEST, "id", "give the weapon's id"))?;
    let idt = id.to_owned();
    state
        .read(move |reg| {
            let w = reg
                .find_weapon(&r)
                .map_err(|e| ApiError::internal("reading the weapon", e))?
                .ok_or_else(|| {
                    ApiError::not_found(format!("no weapon has the id or reference '{idt}'"))
                })?;
            let label = [
                w.weapon.manufacturer.as_deref(),
                w.weapon.model.as_deref(),
                w.weapon.serial.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            Ok((w.weapon.id.to_string(), label))
        })
        .await
}

pub async fn event_form(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> PageResult {
    params.only(&["kind"])?;
    let kind = parse_kind(&params.text("kind").unwrap_or_default())?;
    let (weapon_id, weapon_label) = weapon_label(&state, &id).await?;
    let mut form = Form::default();
    form.values.insert(
        "occurred_on".into(),
        chrono::Utc::now().date_naive().to_string(),
    );
    let page = EventForm {
        nav: Nav::of(&caller),
        weapon_id,
        weapon_label,
        kind: kind.as_str().to_owned(),
        kind_label: kind.as_str().replace('_', " "),
        fields: event_fields(kind),
        form,
    };
    Ok(render(&page))
}

pub async fn event_create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    request: Request,
) -> PageResult {
    let mut form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let kind = parse_kind(form.value("kind"))?;
    let (weapon_id, weapon_label) = weapon_label(&state, &id).await?;
    let fields = event_fields(kind);
    let shown: Vec<&str> = fields.iter().map(|f| f.0).collect();
    let mut object = Map::new();
    object.insert("id".into(), Value::String(uuid::Uuid::now_v7().to_string()));
    object.insert("weapon".into(), Value::String(weapon_id.clone()));
    object.insert("kind".into(), Value::String(kind.as_str().to_owned()));
    for name in &shown {
        let v = form.value(name).trim();
        if !v.is_empty() {
            object.insert((*name).into(), Value::String(v.to_owned()));
        }
    }
    let outcome = api::write_record(&state, &caller, RecordKind::Event, object, "web").await?;
    if outcome.committed() {
        return Ok(
            Redirect::to(&format!("/weapons/{weapon_id}?recorded={}", kind.as_str()))
                .into_response(),
        );
    }
    for e in &outcome.errors {
        // The form records one kind of event: a history that kind would make impossible is
        // mended by its date, so the refusal is said there.
        let field = match e.field.as_str() {
            "kind" if shown.contains(&"occurred_on") => "occurred_on",
            f => f,
        };
        form.fail(&shown, field, &e.reason);
    }
    let page = EventForm {
        nav: Nav::of(&caller),
        weapon_id,
        weapon_label,
        kind: kind.as_str().to_owned(),
        kind_label: kind.as_str().replace('_', " "),
        fields,
        form,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Photos

pub async fn photo_upload(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    multipart: Multipart,
) -> PageResult {
    let (photo, caption) = read_photo_form(&caller, multipart).await?;
    let typed = caption.clone();
    let caption = Some(caption).filter(|c| !c.trim().is_empty());
    match api::add_photo(&state, &caller, &id, photo, caption, "web").await {
        Ok((record, _)) => Ok(Redirect::to(&format!(
            "/weapons/{}?recorded=photo",
            record.weapon_id
        ))
        .into_response()),
        // A file refused (not an image, too large, none chosen) is said on the weapon's page,
        // beside the form, with the caption typed.
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let why = e
                .errors
                .first()
                .map(|f| f.reason.clone())
                .unwrap_or(e.message);
            Ok(Redirect::to(&format!(
                "/weapons/{}?photo_error={}&caption={}#photos",
                auth::urlencode(&id),
                auth::urlencode(&why),
                auth::urlencode(&typed)
            ))
            .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A photo form's upload (fields `photo`, `caption`, `csrf`): the photo's bytes and the
/// caption, once the CSRF token is checked; refused naming `photo` when none was chosen.
pub(crate) async fn read_photo_form(
    caller: &Caller,
    mut multipart: Multipart,
) -> Result<(Vec<u8>, String), ApiError> {
    let bad = |reason: String| ApiError::field(StatusCode::BAD_REQUEST, "photo", reason);
    let (mut csrf, mut caption, mut photo) = (String::new(), String::new(), Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("the upload could not be read ({e})")))?
    {
        match field.name().unwrap_or("") {
            "photo" => {
                photo = field
                    .bytes()
                    .await
                    .map_err(|e| bad(format!("the upload could not be read ({e})")))?
                    .to_vec()
            }
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "caption" => caption = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    caller.check_csrf(Some(&csrf))?;
    if photo.is_empty() {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo",
            "choose a photo to upload",
        ));
    }
    Ok((photo, caption))
}

pub async fn photo(State(state): State<Shared>, PathParam(hash): PathParam) -> PageResult {
    Ok(api::photo_response(&state, &hash).await?)
}

// ---------------------------------------------------------------------------------------------
// Person

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    nav: Nav,
    person: salw_core::Person,
    fields: Vec<(&'static str, String)>,
    notice: String,
}

pub async fn person(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> PageResult {
    params.only(&["recorded"])?;
    let person = api::load_person(&state, &caller, &id).await?;
    let mut fields = vec![("Kind", person.kind.as_str().to_owned())];
    for (label, value) in [
        ("Reference", &person.reference),
        ("Country", &person.country),
        ("Identifier", &person.identifier),
        ("Notes", &person.notes),
    ] {
        if let Some(v) = value {
            fields.push((label, v.clone()));
        }
    }
    if !person.roles.is_empty() {
        let roles: Vec<String> = person
            .roles
            .iter()
            .map(|r| r.as_str().replace('_', " "))
            .collect();
        fields.push(("Roles", roles.join(", ")));
    }
    if let Some(sex) = person.sex {
        fields.push(("Sex", sex.as_str().to_owned()));
    }
    let page = PersonPage {
        nav: Nav::of(&caller),
        notice: match params.text("recorded").as_deref() {
            Some("person") => "Registered.".to_owned(),
            _ => String::new(),
        },
        person,
        fields,
    };
    Ok(render(&page))
}

/// The most persons a search shows: a name typed in part finds many; the rest is narrowed.
const PERSONS_SHOWN: usize = 50;

/// (field, label, hint) of the new person form, after its kind.
const PERSON_FIELDS: &[(&str, &str, &str)] = &[
    (
        "name",
        "Name",
        "as on the document; an organisation's full name",
    ),
    (
        "reference",
        "Reference",
        "a unit's code or a licence file number, unique: events name the holder by it",
    ),
    ("country", "Country", "ISO 3166-1 code, e.g. KE"),
    (
        "identifier",
        "Identifier",
        "a licence, registration or identity document number",
    ),
    ("notes", "Notes", ""),
];

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    nav: Nav,
    q: String,
    /// (id, name, kind, reference) of the persons found.
    found: Vec<(String, String, String, String)>,
    searched: bool,
    more: bool,
    may_write: bool,
    form: Form,
    fields: &'static [(&'static str, &'static str, &'static str)],
    roles: Vec<&'static str>,
}

impl PersonsPage {
    fn new(caller: &Caller, form: Form) -> PersonsPage {
        PersonsPage {
            nav: Nav::of(caller),
            q: String::new(),
            found: Vec::new(),
            searched: false,
            more: false,
            may_write: caller.may(Permission::WriteRecords),
            form,
            fields: PERSON_FIELDS,
            roles: salw_core::person::Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect(),
        }
    }
}

/// Persons and organisations found by a part of their name or reference (case folded), and
/// the form to register one. Every search is audited: it shows persons' names.
pub async fn persons(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["q"])?;
    let mut page = PersonsPage::new(&caller, Form::default());
    let q = params.text("q").unwrap_or_default().trim().to_owned();
    if !q.is_empty() {
        if q.chars().count() < 2 {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "q",
                "type at least two letters of a name or reference",
            )
            .into());
        }
        let needle = q.to_lowercase();
        let (found, more) = state
            .read(move |reg| {
                // The names and references are looked through, not the records: only the
                // persons shown are read whole.
                let mut ids = Vec::new();
                let mut more = false;
                reg.backend()
                    .scan_person_names(&mut |id, name, reference| {
                        let hit = name.to_lowercase().contains(&needle)
                            || reference.is_some_and(|r| r.to_lowercase().contains(&needle));
                        if hit {
                            if ids.len() < PERSONS_SHOWN {
                                ids.push(id);
                            } else {
                                more = true;
                            }
                        }
                        Ok(())
                    })
                    .map_err(|e| ApiError::internal("searching persons", e))?;
                let mut found = Vec::with_capacity(ids.len());
                for id in ids {
                    let person = reg
                        .backend()
                        .person(id)
                        .map_err(|e| ApiError::internal("searching persons", e))?
                        .ok_or_else(|| {
                            ApiError::internal("searching persons", format!("no record of {id}"))
                        })?;
                    found.push(person);
                }
                Ok((found, more))
            })
            .await?;
        api::audit(
            &state,
            &caller,
            "search-persons",
            &q,
            format!(
                "{} shown{}",
                found.len(),
                if more { ", more not shown" } else { "" }
            ),
        )
        .await?;
        page.found = found
            .into_iter()
            .map(|p| {
                (
                    p.id.to_string(),
                    p.name,
                    p.kind.as_str().to_owned(),
                    p.reference.unwrap_or_default(),
                )
            })
            .collect();
        page.searched = true;
        page.more = more;
        page.q = q;
    }
    Ok(render(&page))
}

/// Registers a person or organisation from the form; its page next, or the form again with
/// each message beside its field and what was typed.
pub async fn person_create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let mut form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let mut object = Map::new();
    object.insert("id".into(), Value::String(uuid::Uuid::now_v7().to_string()));
    let mut shown: Vec<&str> = vec!["kind", "sex", "roles"];
    for name in ["kind", "sex"] {
        let v = form.value(name).trim();
        if !v.is_empty() {
            object.insert(name.into(), Value::String(v.to_owned()));
        }
    }
    let role = form.value("roles").trim();
    if !role.is_empty() {
        object.insert(
            "roles".into(),
            Value::Array(vec![Value::String(role.to_owned())]),
        );
    }
    for (name, _, _) in PERSON_FIELDS {
        shown.push(name);
        let v = form.value(name).trim();
        if !v.is_empty() {
            object.insert((*name).into(), Value::String(v.to_owned()));
        }
    }
    if form.value("kind").trim().is_empty() {
        form.fail(&shown, "kind", "required: an individual or an organisation");
    }
    if !form.has_errors()
        && let Some(id) = write_form_record(
            &state,
            &caller,
            RecordKind::Person,
            object,
            &mut form,
            &shown,
        )
        .await?
    {
        return Ok(Redirect::to(&format!("/persons/{id}?recorded=person")).into_response());
    }
    let page = PersonsPage::new(&caller, form);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Import and export

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    nav: Nav,
    kind: String,
    done: String,
    problems: Vec<crate::error::FieldError>,
    problem_count: u64,
    message: String,
}

pub async fn import_page(Extension(caller): Extension<Caller>) -> PageResult {
    let page = ImportPage {
        nav: Nav::of(&caller),
        kind: String::new(),
        done: String::new(),
        problems: Vec::new(),
        problem_count: 0,
        message: String::new(),
    };
    Ok(render(&page))
}

pub async fn import(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    mut multipart: Multipart,
) -> PageResult {
    let bad = |reason: String| ApiError::field(StatusCode::BAD_REQUEST, "file", reason);
    let mut csrf = String::new();
    let mut kind = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("the upload could not be read ({e})")))?
    {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "file" => {
                let filename = field.file_name().unwrap_or("upload").to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| bad(format!("the upload could not be read ({e})")))?;
                file = Some((filename, bytes.to_vec()));
            }
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "kind" => kind = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    caller.check_csrf(Some(&csrf))?;
    let mut page = ImportPage {
        nav: Nav::of(&caller),
        kind: kind.clone(),
        done: String::new(),
        problems: Vec::new(),
        problem_count: 0,
        message: String::new(),
    };
    let Some((filename, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        page.message = "Choose a file to import.".into();
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    };
    let format = Format::from_path(std::path::Path::new(&filename)).unwrap_or(Format::Csv);
    let kind = match kind.as_str() {
        "" => None,
        k => Some(RecordKind::parse(k).ok_or_else(|| {
            ApiError::field(
                StatusCode::BAD_REQUEST,
                "kind",
                format!("'{k}' is not weapon, person or event"),
            )
        })?),
    };
    let name: String = filename
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    let outcome = api::import_bytes(&state, &caller, bytes, format, kind, &name).await?;
    if outcome.committed() {
        page.done = format!(
            "{name}: {} weapons, {} persons and {} events added; {} already recorded.",
            outcome.weapons_added, outcome.persons_added, outcome.events_added, outcome.unchanged
        );
        return Ok(render(&page));
    }
    page.message = format!(
        "{name}: {} problem(s). Nothing was written: correct the file and import it again.",
        outcome.error_count
    );
    page.problem_count = outcome.error_count;
    page.problems = outcome
        .errors
        .iter()
        .map(crate::error::FieldError::from)
        .collect();
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
}

#[derive(Template)]
#[template(path = "export.html")]
struct ExportPage {
    nav: Nav,
}

pub async fn export_page(Extension(caller): Extension<Caller>) -> PageResult {
    Ok(render(&ExportPage {
        nav: Nav::of(&caller),
    }))
}

pub async fn export_file(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let body = api::export_jsonl(&state, &caller).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"registry.jsonl\"",
            ),
        ],
        body,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Accounts

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Nav,
    accounts: Vec<salw_store::Account>,
    roles: Vec<&'static str>,
    form: Form,
    notice: String,
}

async fn users_page(
    state: &Shared,
    caller: &Caller,
    form: Form,
    notice: String,
    status: StatusCode,
) -> PageResult {
    let accounts = state
        .read(|reg| {
            reg.backend()
                .accounts()
                .map_err(|e| ApiError::internal("accounts", e))
        })
        .await?;
    let page = UsersPage {
        nav: Nav::of(caller),
        accounts,
        roles: salw_access::Role::ALL
            .iter()
            .filter(|r| **r != salw_access::Role::Peer)
            .map(|r| r.as_str())
            .collect(),
        form,
        notice,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn users(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    let notice = params.text("done").unwrap_or_default();
    users_page(&state, &caller, Form::default(), notice, StatusCode::OK).await
}

pub async fn user_create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let mut form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let new = NewAccount {
        name: form.value("name").trim().to_owned(),
        role: form.value("role").to_owned(),
        password: form.value("password").to_owned(),
    };
    let name = new.name.clone();
    match api::create_account(&state, &caller, new).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/users?done={}",
            auth::urlencode(&format!("Account {name} created."))
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            for f in &e.errors {
                form.fail(&["name", "role", "password"], &f.field, &f.reason);
            }
            form.values.remove("password");
            users_page(
                &state,
                &caller,
                form,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn user_change(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(name): PathParam,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let change = AccountChange {
        role: Some(form.value("role").to_owned()).filter(|r| !r.is_empty()),
        password: Some(form.value("password").to_owned()).filter(|p| !p.is_empty()),
        disabled: match form.value("disabled") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
    };
    match api::change_account(&state, &caller, name.clone(), change).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/admin/users?done={}",
            auth::urlencode(&format!("Account {name} changed."))
        ))
        .into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let shown = Form {
                general: e
                    .errors
                    .iter()
                    .map(|f| format!("{name}: {}: {}", f.field, f.reason))
                    .collect(),
                ..Form::default()
            };
            users_page(
                &state,
                &caller,
                shown,
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Audit trail

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Nav,
    lines: Vec<AuditRecord>,
    actor: String,
    action: String,
    older: Option<i64>,
    intact: String,
}

pub async fn audit(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    let filter = api::audit_filter(&params)?;
    let (actor, action) = (
        filter.actor.clone().unwrap_or_default(),
        filter.action.clone().unwrap_or_default(),
    );
    let limit = filter.limit as usize;
    let (lines, broken) = state
        .read(move |reg| {
            let b = reg.backend();
            let lines = b
                .audit(&filter)
                .map_err(|e| ApiError::internal("the audit trail", e))?;
            let broken = salw_store::verify_audit(b)
                .map_err(|e| ApiError::internal("checking the audit trail", e))?;
            Ok((lines, broken))
        })
        .await?;
    let older = (lines.len() == limit)
        .then(|| lines.last().map(|l| l.seq))
        .flatten();
    let intact = match broken {
        None => "The audit trail's hash chain is intact.".to_owned(),
        Some(seq) => {
            format!("The audit trail was altered: line {seq} does not follow from the one before.")
        }
    };
    Ok(render(&AuditPage {
        nav: Nav::of(&caller),
        lines,
        actor,
        action,
        older,
        intact,
    }))
}

// ---------------------------------------------------------------------------------------------
// Indicators

pub struct YearBar {
    pub label: String,
    pub value: String,
    pub x: u64,
    pub y: u64,
    pub height: u64,
    pub has_value: bool,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    nav: Nav,
    report: salw_store::reports::SdgReport,
    from: String,
    to: String,
    profile: String,
    profiles: Vec<(&'static str, &'static str)>,
    bars: Vec<YearBar>,
    chart_width: u64,
    releases: Vec<salw_store::reports::Release>,
    may_release: bool,
    /// Why the period's figure cannot be released yet (it has not ended); empty when it can.
    unfinished: String,
    /// Why the period asked was not computed (the last ten years are shown instead).
    error: String,
    notice: String,
    percent: String,
    rows: Vec<(&'static str, String, u64, u64)>,
}

fn pc(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.2} %"))
        .unwrap_or_else(|| "no value".into())
}

pub async fn indicators(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    let last = api::last_year();
    let last_ten = |profile| api::IndicatorRequest {
        from: chrono::NaiveDate::from_ymd_opt(last - 9, 1, 1).unwrap_or_default(),
        to: chrono::NaiveDate::from_ymd_opt(last, 12, 31).unwrap_or_default(),
        profile,
        by_year: true,
    };
    let mut error = String::new();
    let request = if params.text("from").is_none() && params.text("year").is_none() {
        params.only(&["profile", "by_year", "done"])?;
        last_ten(
            salw_core::indicator::profile(params.text("profile").as_deref().unwrap_or("un-2018"))
                .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "profile", e))?,
        )
    } else {
        match api::indicator_request(&params, last, &["done"]) {
            Ok(mut r) => {
                r.by_year = true;
                r
            }
            // A period typed wrong: said on the page, which shows the last ten years instead.
            Err(e) if e.status.is_client_error() => {
                error = e
                    .errors
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.reason))
                    .collect::<Vec<_>>()
                    .join("; ");
                if error.is_empty() {
                    error = e.message;
                }
                last_ten(salw_core::indicator::PROFILES[0])
            }
            Err(e) => return Err(e.into()),
        }
    };
    let report = api::compute_indicator(&state, &request).await?;
    let releases = api::load_releases(&state).await?;
    let years = report.years.clone().unwrap_or_default();
    let bars = years
        .iter()
        .enumerate()
        .map(|(i, y)| {
            let height = y.percent.map(|p| (p * 1.6).round() as u64).unwrap_or(0);
            YearBar {
                label: y.from.get(..4).unwrap_or_default().to_owned(),
                value: y
                    .percent
                    .map(|p| format!("{p:.1}"))
                    .unwrap_or_else(|| "–".into()),
                x: 10 + i as u64 * 48,
                y: 180 - height,
                height,
                has_value: y.percent.is_some(),
            }
        })
        .collect::<Vec<_>>();
    let b = &report.breakdowns;
    let rows = vec![
        (
            "seized in criminal cases",
            pc(b.seized.percent),
            b.seized.numerator,
            b.seized.denominator,
        ),
        (
            "found",
            pc(b.found.percent),
            b.found.numerator,
            b.found.denominator,
        ),
        (
            "surrendered",
            pc(b.surrendered.percent),
            b.surrendered.numerator,
            b.surrendered.denominator,
        ),
        (
            "established by tracing",
            pc(b.by_tracing.percent),
            b.by_tracing.numerator,
            b.by_tracing.denominator,
        ),
        (
            "established by other means",
            pc(b.by_other_means.percent),
            b.by_other_means.numerator,
            b.by_other_means.denominator,
        ),
        (
            "uniquely marked arms only",
            pc(b.uniquely_marked.percent),
            b.uniquely_marked.numerator,
            b.uniquely_marked.denominator,
        ),
    ];
    let page = IndicatorsPage {
        nav: Nav::of(&caller),
        from: request.from.to_string(),
        to: request.to.to_string(),
        profile: request.profile.name.to_owned(),
        profiles: salw_core::indicator::PROFILES
            .iter()
            .map(|p| (p.name, p.description))
            .collect(),
        chart_width: 20 + bars.len() as u64 * 48,
        bars,
        releases,
        may_release: caller.may(Permission::ReleaseFigures),
        error,
        unfinished: salw_store::reports::unfinished_period(
            &request.to.to_string(),
            &chrono::Utc::now().to_rfc3339(),
        )
        .unwrap_or_default(),
        notice: params.text("done").unwrap_or_default(),
        percent: pc(report.percent),
        rows,
        report,
    };
    Ok(render(&page))
}

pub async fn indicator_release(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    request: Request,
) -> PageResult {
    let form = read_form(request).await?;
    check_csrf(&caller, &form)?;
    let date = |name: &str| {
        chrono::NaiveDate::parse_from_str(form.value(name), "%Y-%m-%d").map_err(|_| {
            ApiError::field(StatusCode::BAD_REQUEST, "period", "is not a pair of dates")
        })
    };
    let (from, to) = (date("from")?, date("to")?);
    let profile = salw_core::indicator::profile(form.value("profile"))
        .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "profile", e))?;
    let released = api::release_figure(&state, &caller, from, to, profile).await?;
    let done = match released {
        salw_store::reports::Released::First { release } => {
            format!("Released as #{}.", release.seq)
        }
        salw_store::reports::Released::Revision { release, revises } => format!(
            "Released as #{}, a revision of #{}.",
            release.seq, revises.seq
        ),
        salw_store::reports::Released::Unchanged { release } => {
            format!(
                "The figures are those of release #{}: nothing new released.",
                release.seq
            )
        }
    };
    Ok(Redirect::to(&format!(
        "/indicators?from={from}&to={to}&profile={}&done={}",
        profile.name,
        auth::urlencode(&done)
    ))
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Static files

const CSS: &str = include_str!("../static/app.css");

pub async fn static_file(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "app.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            CSS,
        )
            .into_response(),
        _ => ApiError::not_found("no such file").into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// Traces (docs/tracing.md)

pub struct TraceRow {
    pub id: String,
    pub role: String,
    pub partner: String,
    pub reference: String,
    pub priority: String,
    pub state: String,
    /// What became of the last message sent for it: "delivered", "not delivered yet", "given up".
    pub delivery: String,
    pub since: String,
    pub overdue: String,
}

pub struct PartnerRow {
    pub partner: String,
    pub role: String,
    pub requests: u64,
    pub acknowledged: u64,
    pub answered: u64,
    pub rate: String,
    pub to_acknowledge: String,
    pub to_answer: String,
}

#[derive(Template)]
#[template(path = "traces.html")]
struct TracesPage {
    nav: Nav,
    overdue: bool,
    rows: Vec<TraceRow>,
    partners: Vec<PartnerRow>,
    alerts: crate::trace_web::AlertsView,
}

pub async fn traces(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> PageResult {
    params.only(&["overdue"])?;
    let overdue = params.text("overdue").as_deref() == Some("true");
    let now = chrono::Utc::now();
    let all = state
        .read(move |reg| {
            crate::traces::list(reg.backend(), now).map_err(|e| ApiError::internal("the traces", e))
        })
        .await?;
    let hours = |h: Option<f64>| h.map(|h| format!("{h:.1} h")).unwrap_or_else(|| "-".into());
    let partners = crate::traces::partner_stats(&all)
        .into_iter()
        .map(|p| PartnerRow {
            rate: p
                .response_rate_percent
                .map(|r| format!("{r} %"))
                .unwrap_or_else(|| "-".into()),
            to_acknowledge: hours(p.median_hours_to_acknowledge),
            to_answer: hours(p.median_hours_to_answer),
            partner: p.partner,
            role: p.role,
            requests: p.requests,
            acknowledged: p.acknowledged,
            answered: p.answered,
        })
        .collect();
    let rows: Vec<TraceRow> = all
        .into_iter()
        .filter(|v| !overdue || v.overdue.is_some())
        .map(|v| TraceRow {
            since: v.steps.last().map(|s| s.at.clone()).unwrap_or_default(),
            delivery: v.last_delivery.unwrap_or("").to_owned(),
            overdue: v.overdue.clone().unwrap_or_default(),
            state: v.state,
            id: v.trace.id,
            role: v.trace.role,
            partner: v.trace.partner,
            reference: v.trace.reference,
            priority: v.trace.priority,
        })
        .collect();
    api::audit(
        &state,
        &caller,
        "view-traces",
        if overdue { "overdue" } else { "all" },
        format!("{} trace(s)", rows.len()),
    )
    .await?;
    let alerts = crate::trace_web::alerts_view(&state).await?;
    Ok(render(&TracesPage {
        nav: Nav::of(&caller),
        overdue,
        rows,
        partners,
        alerts,
    }))
}

/// Filters the templates use (askama finds them as `filters::NAME` beside each template).
pub mod filters {
    /// A stored RFC 3339 time as people read it: `2026-12-03 19:03:52 UTC` (the stored text has
    /// nanoseconds and an offset); text that is not such a time is shown as it is.
    pub fn when<T: std::fmt::Display>(value: T, _: &dyn askama::Values) -> askama::Result<String> {
        let text = value.to_string();
        Ok(chrono::DateTime::parse_from_rfc3339(&text)
            .map(|t| {
                t.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S UTC")
                    .to_string()
            })
            .unwrap_or(text))
    }
}

#[cfg(test)]
mod filter_tests {
    #[test]
    fn a_stored_time_is_shown_to_the_second_in_utc_and_other_text_as_it_is() {
        let shown = |t: &str| super::filters::when(t, &()).expect("filter");
        assert_eq!(
            shown("2026-12-03T19:03:23.186306340+00:00"),
            "2026-12-03 19:03:23 UTC"
        );
        assert_eq!(
            shown("2026-12-03T21:03:23+02:00"),
            "2026-12-03 19:03:23 UTC"
        );
        assert_eq!(shown("2026-12-03"), "2026-12-03");
    }
}
