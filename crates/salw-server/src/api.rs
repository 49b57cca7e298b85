//! The JSON API under /api/v1. Access is checked by the guard before a handler runs
//! (endpoints::ENDPOINTS); handlers parse, call the library crates, and audit what is read.

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use salw_access::{Permission, Role};
use salw_core::lifecycle::WeaponStatus;
use salw_io::{Format, JsonlExport, RecordKind, Rows};
use salw_search::Filters;
use salw_store::backend::WeaponFilter;
use salw_store::{AccessBackend, AuditFilter, Backend, Outcome, RecordRef, WriteContext};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::error::{ApiError, FieldError};
use crate::params::{ApiJson, Params, PathParam, body_bytes};
use crate::state::{Reg, Shared};

pub type ApiResult = Result<Response, ApiError>;

fn store(context: &str) -> impl Fn(salw_store::StoreError) -> ApiError + '_ {
    move |e| ApiError::internal(context, e)
}

pub fn context(caller: &Caller, source: &str) -> WriteContext {
    WriteContext {
        recorded_by: caller.name.clone(),
        source: source.to_owned(),
        now: chrono::Utc::now(),
    }
}

/// Writes the audit line, or refuses the answer: nothing is shown that was not logged.
pub async fn audit(
    state: &Shared,
    caller: &Caller,
    action: &str,
    asked: impl Into<String>,
    shown: impl Into<String>,
) -> Result<(), ApiError> {
    state
        .audit
        .record(caller, action, asked, shown)
        .await
        .map_err(|e| ApiError::internal("writing the audit trail (nothing is shown without it)", e))
}

pub async fn me(Extension(caller): Extension<Caller>, params: Params) -> ApiResult {
    params.only(&[])?;
    let may: Vec<Permission> = crate::endpoints::ENDPOINTS
        .iter()
        .filter_map(|e| match e.access {
            crate::endpoints::Access::May(p) if caller.may(p) => Some(p),
            _ => None,
        })
        .fold(Vec::new(), |mut all, p| {
            if !all.contains(&p) {
                all.push(p);
            }
            all
        });
    Ok(Json(json!({ "name": caller.name, "role": caller.role, "may": may })).into_response())
}

pub async fn summary(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    let summary = state
        .read(|reg| reg.backend().summary().map_err(store("the summary")))
        .await?;
    Ok(Json(summary).into_response())
}

/// A search, from the query string (the API and the search page share it).
pub struct SearchRequest {
    pub q: String,
    pub filters: Filters,
    pub limit: usize,
}

pub fn search_request(params: &Params) -> Result<SearchRequest, ApiError> {
    params.only(&["q", "make", "model", "calibre", "type", "country", "limit"])?;
    Ok(SearchRequest {
        q: params.text("q").unwrap_or_default(),
        filters: Filters {
            make: params.text("make"),
            model: params.text("model"),
            calibre: params.text("calibre"),
            country: params.text("country"),
            kind: params.text("type"),
        },
        limit: params.number("limit", 1, 100, 20)? as usize,
    })
}

pub fn describe_search(r: &SearchRequest) -> String {
    let mut asked = format!("q={}", r.q);
    for (name, value) in [
        ("make", &r.filters.make),
        ("model", &r.filters.model),
        ("calibre", &r.filters.calibre),
        ("type", &r.filters.kind),
        ("country", &r.filters.country),
    ] {
        if let Some(v) = value {
            asked.push_str(&format!(" {name}={v}"));
        }
    }
    asked
}

/// Runs the search and writes its audit line (what was asked, which weapons were shown).
pub async fn run_search(
    state: &Shared,
    caller: &Caller,
    request: &SearchRequest,
) -> Result<salw_search::Found, ApiError> {
    if request.q.chars().count() > 100 {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "q",
            "a marking is at most 100 characters",
        ));
    }
    let (q, filters, limit) = (request.q.clone(), request.filters.clone(), request.limit);
    let found = state
        .search(move |reg, searcher| {
            searcher
                .search(reg.backend(), &q, &filters, limit)
                .map_err(|e| match e {
                    salw_search::SearchError::Query(e) => {
                        ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "q", e.to_string())
                    }
                    e => ApiError::internal("the search", e),
                })
        })
        .await?;
    let shown: Vec<String> = found.hits.iter().map(|h| h.weapon_id.to_string()).collect();
    audit(
        state,
        caller,
        "search",
        describe_search(request),
        shown.join(" "),
    )
    .await?;
    Ok(found)
}

pub async fn search(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult {
    let request = search_request(&params)?;
    let found = run_search(&state, &caller, &request).await?;
    let mut answer =
        json!({ "query": request.q, "hits": found.hits, "incomplete": found.incomplete });
    // Only when the make filter matches no manufacturer: the nearest ones (perhaps none).
    if let Some(near) = &found.unknown_make {
        answer["makes_near"] = json!(near);
    }
    Ok(Json(answer).into_response())
}

pub async fn weapons(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult {
    params.only(&["status", "category", "serial", "limit"])?;
    let status = params
        .text("status")
        .map(|s| {
            s.parse::<WeaponStatus>()
                .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "status", e.to_string()))
        })
        .transpose()?;
    let filter = WeaponFilter {
        status,
        category: params.text("category"),
        serial: params.text("serial"),
        limit: params.number("limit", 1, 1000, 100)?,
    };
    let asked = format!("{filter:?}");
    let list = state
        .read(move |reg| {
            reg.backend()
                .list_weapons(&filter)
                .map_err(store("listing weapons"))
        })
        .await?;
    let shown: Vec<String> = list.iter().map(|w| w.weapon.id.to_string()).collect();
    audit(&state, &caller, "list-weapons", asked, shown.join(" ")).await?;
    Ok(Json(json!({ "weapons": list })).into_response())
}

/// Writes one record given as a JSON object, through the same parser as a file's row.
pub async fn write_record(
    state: &Shared,
    caller: &Caller,
    kind: RecordKind,
    object: Map<String, Value>,
    source: &str,
) -> Result<Outcome, ApiError> {
    let staged = salw_io::to_record(kind, object, "", 0);
    let ctx = context(caller, source);
    state
        .write(move |reg| {
            reg.write(&ctx, [staged], &mut |_| {})
                .map_err(store("writing the record"))
        })
        .await
}

fn written(outcome: Outcome) -> ApiResult {
    if !outcome.committed() {
        return Err(ApiError::invalid(
            outcome.errors.iter().map(FieldError::from).collect(),
        ));
    }
    let id = outcome.ids.first().copied().unwrap_or_default();
    let added = outcome.unchanged == 0;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!({ "id": id, "added": added }))).into_response())
}

async fn post_record(state: Shared, caller: Caller, kind: RecordKind, body: Value) -> ApiResult {
    let Value::Object(object) = body else {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "expected a JSON object with the record's fields",
        ));
    };
    let outcome = write_record(&state, &caller, kind, object, "api").await?;
    written(outcome)
}

pub async fn post_weapon(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult {
    post_record(state, caller, RecordKind::Weapon, body).await
}

pub async fn post_event(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult {
    post_record(state, caller, RecordKind::Event, body).await
}

pub async fn post_person(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult {
    post_record(state, caller, RecordKind::Person, body).await
}

pub(crate) fn record_ref(text: &str, what: &str) -> Result<RecordRef, ApiError> {
    if text.chars().count() > 200 {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "id",
            "an id or reference is at most 200 characters",
        ));
    }
    RecordRef::parse(text).ok_or_else(|| {
        ApiError::field(
            StatusCode::BAD_REQUEST,
            "id",
            format!("give the {what}'s id or reference"),
        )
    })
}

/// A weapon and its timeline, with the persons the timeline names.
pub struct WeaponView {
    pub weapon: salw_store::StoredWeapon,
    pub timeline: Vec<salw_store::StoredEvent>,
    pub persons: Vec<salw_core::Person>,
    pub photos: Vec<salw_store::StoredPhoto>,
}

pub async fn load_weapon(
    state: &Shared,
    caller: &Caller,
    id: &str,
) -> Result<WeaponView, ApiError> {
    let r = record_ref(id, "weapon")?;
    let view = state
        .read(move |reg: &mut Reg| {
            let Some(weapon) = reg.find_weapon(&r).map_err(store("reading the weapon"))? else {
                return Ok(None);
            };
            let timeline = reg
                .timeline(weapon.weapon.id)
                .map_err(store("reading the timeline"))?;
            let mut ids: Vec<uuid::Uuid> = timeline
                .iter()
                .flat_map(|e| [e.event.from_holder, e.event.to_holder])
                .flatten()
                .chain(weapon.holder)
                .collect();
            ids.sort();
            ids.dedup();
            let mut persons = Vec::new();
            for id in ids {
                if let Some(p) = reg
                    .backend()
                    .person(id)
                    .map_err(store("reading a holder"))?
                {
                    persons.push(p);
                }
            }
            let photos = reg
                .backend()
                .photos_of(weapon.weapon.id)
                .map_err(store("reading the photos"))?;
            Ok(Some(WeaponView {
                weapon,
                timeline,
                persons,
                photos,
            }))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no weapon has the id or reference '{id}'")))?;
    let mut shown = vec![view.weapon.weapon.id.to_string()];
    shown.extend(view.persons.iter().map(|p| format!("person:{}", p.id)));
    audit(state, caller, "view-weapon", id, shown.join(" ")).await?;
    Ok(view)
}

pub async fn weapon(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let view = load_weapon(&state, &caller, &id).await?;
    // Holders are personal data: only a role that may view persons sees who they are.
    let persons = if caller.may(Permission::ViewPerson) {
        json!(view.persons)
    } else {
        json!([])
    };
    Ok(
        Json(json!({ "weapon": view.weapon, "timeline": view.timeline, "persons": persons }))
            .into_response(),
    )
}

pub async fn load_person(
    state: &Shared,
    caller: &Caller,
    id: &str,
) -> Result<salw_core::Person, ApiError> {
    let r = record_ref(id, "person")?;
    let person = state
        .read(move |reg| {
            let id = match r {
                RecordRef::Id(id) => Some(id),
                RecordRef::Reference(reference) => reg
                    .backend()
                    .person_id_by_reference(&reference)
                    .map_err(store("reading the person"))?,
            };
            match id {
                Some(id) => reg
                    .backend()
                    .person(id)
                    .map_err(store("reading the person")),
                None => Ok(None),
            }
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no person has the id or reference '{id}'")))?;
    audit(
        state,
        caller,
        "view-person",
        id,
        format!("person:{}", person.id),
    )
    .await?;
    Ok(person)
}

pub async fn person(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    Ok(Json(load_person(&state, &caller, &id).await?).into_response())
}

/// Imports a whole file in one transaction: all rows or none.
pub async fn import_bytes(
    state: &Shared,
    caller: &Caller,
    bytes: Vec<u8>,
    format: Format,
    kind: Option<RecordKind>,
    name: &str,
) -> Result<Outcome, ApiError> {
    let ctx = context(caller, &format!("import:{name}"));
    let name = name.to_owned();
    let outcome = state
        .write(move |reg| {
            let rows = Rows::new(std::io::Cursor::new(bytes), format, &name, kind);
            reg.write(&ctx, rows, &mut |_| {})
                .map_err(store("importing"))
        })
        .await?;
    let asked = format!("import {} rows", outcome.ids.len());
    let shown = if outcome.committed() {
        format!(
            "{} weapons, {} persons, {} events added",
            outcome.weapons_added, outcome.persons_added, outcome.events_added
        )
    } else {
        format!("refused: {} problems", outcome.error_count)
    };
    audit(state, caller, "import", asked, shown).await?;
    Ok(outcome)
}

pub fn import_refused(outcome: &Outcome) -> ApiError {
    let mut e = ApiError::invalid(outcome.errors.iter().map(FieldError::from).collect());
    e.message = format!(
        "{} problem(s) in the file; nothing was written",
        outcome.error_count
    );
    e
}

pub async fn import(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
    request: Request,
) -> ApiResult {
    params.only(&["format", "kind"])?;
    let format = match params.text("format").as_deref() {
        None | Some("csv") => Format::Csv,
        Some("jsonl") => Format::Jsonl,
        Some(other) => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "format",
                format!("'{other}' is not csv or jsonl"),
            ));
        }
    };
    let kind = params
        .text("kind")
        .map(|k| {
            RecordKind::parse(&k).ok_or_else(|| {
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    "kind",
                    format!("'{k}' is not weapon, person or event"),
                )
            })
        })
        .transpose()?;
    let limit = (state.config.max_body_mb as usize).saturating_mul(1 << 20);
    let bytes = body_bytes(request.into_body(), limit).await?;
    if bytes.is_empty() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "body",
            "the file is empty",
        ));
    }
    let outcome = import_bytes(&state, &caller, bytes.to_vec(), format, kind, "upload").await?;
    if !outcome.committed() {
        return Err(import_refused(&outcome));
    }
    Ok(Json(json!({
        "weapons_added": outcome.weapons_added,
        "persons_added": outcome.persons_added,
        "events_added": outcome.events_added,
        "unchanged": outcome.unchanged,
    }))
    .into_response())
}

/// The whole registry as JSON Lines (held in memory: fine for a registry of some hundred
/// thousand records; a streamed export is future work).
/// The registry as JSON Lines (persons, weapons, events), written inside one read transaction
/// (one snapshot) to an unnamed file beside the registry, so that memory stays small however
/// large the registry; audited; then sent from the file.
pub async fn export_jsonl(state: &Shared, caller: &Caller) -> Result<Body, ApiError> {
    // Beside the index: on the registry's disk for a file, on this host for a database.
    let dir = state
        .index_dir
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir);
    let (file, counts) = state
        .read(move |reg| {
            let spool = tempfile::tempfile_in(&dir)
                .or_else(|_| tempfile::tempfile())
                .map_err(|e| ApiError::internal("exporting: a temporary file", e))?;
            let backend = reg.backend();
            let mut out = JsonlExport::new(std::io::BufWriter::with_capacity(1 << 20, spool));
            let io = |e: std::io::Error| salw_store::StoreError::Invalid(e.to_string());
            let mut counts = (0u64, 0u64, 0u64);
            backend
                .scan_persons(&mut |p| {
                    counts.0 += 1;
                    out.person(&p).map_err(io)
                })
                .and_then(|_| {
                    backend.scan_weapons(&mut |w| {
                        counts.1 += 1;
                        out.weapon(&w).map_err(io)
                    })
                })
                .and_then(|_| {
                    backend.scan_events(&mut |e| {
                        counts.2 += 1;
                        out.event(&e).map_err(io)
                    })
                })
                .map_err(store("exporting"))?;
            let mut file = out
                .finish()
                .and_then(|w| w.into_inner().map_err(|e| e.into_error()))
                .map_err(|e| ApiError::internal("exporting", e))?;
            std::io::Seek::rewind(&mut file).map_err(|e| ApiError::internal("exporting", e))?;
            Ok((file, counts))
        })
        .await?;
    audit(
        state,
        caller,
        "export",
        "registry.jsonl",
        format!(
            "{} persons, {} weapons, {} events",
            counts.0, counts.1, counts.2
        ),
    )
    .await?;
    Ok(file_body(file))
}

/// A file sent in chunks read on blocking threads.
fn file_body(file: std::fs::File) -> Body {
    const CHUNK: usize = 256 * 1024;
    let chunks = futures_util::stream::unfold(Some(file), |state| async move {
        let mut file = state?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; CHUNK];
            let n = std::io::Read::read(&mut file, &mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await;
        match read {
            Ok(Ok((_, buf))) if buf.is_empty() => None,
            Ok(Ok((file, buf))) => Some((Ok(axum::body::Bytes::from(buf)), Some(file))),
            Ok(Err(e)) => Some((Err(e), None)),
            Err(e) => Some((Err(std::io::Error::other(e)), None)),
        }
    });
    Body::from_stream(chunks)
}

pub async fn export(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    let body = export_jsonl(&state, &caller).await?;
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

fn account_json(a: &salw_store::Account) -> Value {
    json!({
        "name": a.name,
        "role": a.role,
        "disabled": a.disabled,
        "created_at": a.created_at,
        "created_by": a.created_by,
    })
}

pub async fn users(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    let accounts = state
        .read(|reg| reg.backend().accounts().map_err(store("reading accounts")))
        .await?;
    Ok(
        Json(json!({ "accounts": accounts.iter().map(account_json).collect::<Vec<_>>() }))
            .into_response(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub name: String,
    pub role: String,
    pub password: String,
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    text.parse::<Role>()
        .map_err(|reason| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "role", reason))
}

fn access_error(e: salw_access::AccessError) -> ApiError {
    match e {
        salw_access::AccessError::Invalid { field, reason } => {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, reason)
        }
        e => ApiError::internal("accounts", e),
    }
}

pub async fn create_account(
    state: &Shared,
    caller: &Caller,
    new: NewAccount,
) -> Result<salw_store::Account, ApiError> {
    let role = parse_role(&new.role)?;
    let by = caller.name.clone();
    let name = new.name.clone();
    let account = state
        .write(move |reg| {
            salw_access::add_account(
                reg.backend(),
                &new.name,
                role,
                &new.password,
                &by,
                &chrono::Utc::now().to_rfc3339(),
            )
            .map_err(access_error)
        })
        .await?;
    audit(
        state,
        caller,
        "account-created",
        &name,
        format!("role {role}"),
    )
    .await?;
    Ok(account)
}

pub async fn post_user(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(new): ApiJson<NewAccount>,
) -> ApiResult {
    let account = create_account(&state, &caller, new).await?;
    Ok((StatusCode::CREATED, Json(account_json(&account))).into_response())
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    pub role: Option<String>,
    pub password: Option<String>,
    pub disabled: Option<bool>,
}

pub async fn change_account(
    state: &Shared,
    caller: &Caller,
    name: String,
    change: AccountChange,
) -> Result<salw_store::Account, ApiError> {
    let role = change.role.as_deref().map(parse_role).transpose()?;
    if let Some(p) = &change.password {
        salw_access::check_password_rules(p).map_err(access_error)?;
    }
    let demotes = role.is_some_and(|r| r != Role::Administrator) || change.disabled == Some(true);
    let target = name.clone();
    let account = state
        .write(move |reg| {
            let backend = reg.backend();
            let Some(before) = backend.account(&target).map_err(store("accounts"))? else {
                return Err(ApiError::not_found(format!(
                    "there is no account '{target}'"
                )));
            };
            // A registry must keep an administrator who can still log in.
            if demotes && before.role == Role::Administrator.as_str() && !before.disabled {
                let others = backend
                    .accounts()
                    .map_err(store("accounts"))?
                    .iter()
                    .filter(|a| a.name != target && a.role == "administrator" && !a.disabled)
                    .count();
                if others == 0 {
                    return Err(ApiError::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "role",
                        "this is the last administrator: make another one first",
                    ));
                }
            }
            let hash = change
                .password
                .as_deref()
                .map(salw_access::hash_password)
                .transpose()
                .map_err(access_error)?;
            backend
                .update_account(
                    &target,
                    role.map(Role::as_str),
                    hash.as_deref(),
                    change.disabled,
                )
                .map_err(store("accounts"))?;
            backend
                .account(&target)
                .map_err(store("accounts"))?
                .ok_or_else(|| ApiError::not_found(format!("there is no account '{target}'")))
        })
        .await?;
    state.end_sessions_of(&name);
    audit(
        state,
        caller,
        "account-changed",
        &name,
        format!("role {} disabled {}", account.role, account.disabled),
    )
    .await?;
    Ok(account)
}

pub async fn post_user_change(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(name): PathParam,
    ApiJson(change): ApiJson<AccountChange>,
) -> ApiResult {
    let account = change_account(&state, &caller, name, change).await?;
    Ok(Json(account_json(&account)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[serde(default)]
    pub label: String,
}

pub async fn post_token(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(new): ApiJson<NewToken>,
) -> ApiResult {
    let name = caller.name.clone();
    let label = new.label.clone();
    let (secret, token) = state
        .write(move |reg| {
            salw_access::create_token(
                reg.backend(),
                &name,
                &label,
                &chrono::Utc::now().to_rfc3339(),
            )
            .map_err(access_error)
        })
        .await?;
    audit(
        &state,
        &caller,
        "token-created",
        &token.label,
        &token.prefix,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "secret": secret, "prefix": token.prefix, "label": token.label })),
    )
        .into_response())
}

pub fn audit_filter(params: &Params) -> Result<AuditFilter, ApiError> {
    params.only(&["actor", "action", "before", "limit"])?;
    Ok(AuditFilter {
        actor: params.text("actor"),
        action: params.text("action"),
        before: params
            .text("before")
            .map(|_| {
                params
                    .number("before", 1, i64::MAX as u64, 0)
                    .map(|n| n as i64)
            })
            .transpose()?,
        limit: params.number("limit", 1, 1000, 100)?,
    })
}

pub async fn audit_trail(State(state): State<Shared>, params: Params) -> ApiResult {
    let filter = audit_filter(&params)?;
    let lines = state
        .read(move |reg| {
            reg.backend()
                .audit(&filter)
                .map_err(store("the audit trail"))
        })
        .await?;
    Ok(Json(json!({ "lines": lines })).into_response())
}

/// A photo sent as the request's body (its bytes, at most a photo's size plus one, so that a
/// larger one is refused by what reads it, naming the photo); refused naming `body` when empty.
pub(crate) async fn photo_body(request: Request) -> Result<Vec<u8>, ApiError> {
    let bytes = body_bytes(request.into_body(), salw_store::MAX_PHOTO_BYTES + 1).await?;
    if bytes.is_empty() {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "body",
            "send the photo's bytes as the body",
        ));
    }
    Ok(bytes.to_vec())
}

/// Adds a photo to a weapon (by id or reference). Refusals name the field (`photo`, `caption`).
pub async fn add_photo(
    state: &Shared,
    caller: &Caller,
    weapon: &str,
    bytes: Vec<u8>,
    caption: Option<String>,
    source: &str,
) -> Result<(salw_store::PhotoRecord, bool), ApiError> {
    let r = record_ref(weapon, "weapon")?;
    let ctx = context(caller, source);
    let weapon = weapon.to_owned();
    state
        .write(move |reg| {
            let Some(found) = reg.find_weapon(&r).map_err(store("reading the weapon"))? else {
                return Err(ApiError::not_found(format!(
                    "no weapon has the id or reference '{weapon}'"
                )));
            };
            reg.add_photo(&ctx, found.weapon.id, &bytes, caption.as_deref())
                .map_err(store("storing the photo"))?
                .map_err(|refused| {
                    ApiError::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        refused.field,
                        refused.reason,
                    )
                })
        })
        .await
}

pub async fn post_photo(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    PathParam(id): PathParam,
    params: Params,
    request: Request,
) -> ApiResult {
    params.only(&["caption"])?;
    let bytes = photo_body(request).await?;
    let (photo, added) = add_photo(
        &state,
        &caller,
        &id,
        bytes.to_vec(),
        params.text("caption"),
        "api",
    )
    .await?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({
            "hash": photo.hash,
            "media_type": photo.media_type,
            "bytes": photo.bytes,
            "caption": photo.caption,
            "added": added,
        })),
    )
        .into_response())
}

/// A stored photo's bytes, checked against their hash on the way out.
pub async fn photo_response(state: &Shared, hash: &str) -> ApiResult {
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "hash",
            "a photo is named by its BLAKE3 hash: 64 lower-case hex digits",
        ));
    }
    let wanted = hash.to_owned();
    let (media_type, bytes) = state
        .read(move |reg| {
            reg.backend()
                .blob(&wanted)
                .map_err(store("reading the photo"))
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no photo has the hash {hash}")))?;
    if blake3::hash(&bytes).to_hex().as_str() != hash {
        return Err(ApiError::internal(
            "reading the photo",
            format!("the stored bytes of {hash} no longer match their hash"),
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_owned(),
            ),
        ],
        Body::from(bytes),
    )
        .into_response())
}

pub async fn photo(
    State(state): State<Shared>,
    PathParam(hash): PathParam,
    params: Params,
) -> ApiResult {
    params.only(&[])?;
    photo_response(&state, &hash).await
}

/// The period and profile of an indicator request: `year`, or `from` and `to`.
pub struct IndicatorRequest {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub profile: salw_core::indicator::Profile,
    pub by_year: bool,
}

fn parse_date(params: &Params, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
    params
        .text(name)
        .map(|t| {
            chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| {
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    name,
                    format!("'{t}' is not a date (YYYY-MM-DD)"),
                )
            })
        })
        .transpose()
}

pub fn indicator_request(
    params: &Params,
    default_year: i32,
    also: &[&str],
) -> Result<IndicatorRequest, ApiError> {
    let mut known = vec!["year", "from", "to", "profile", "by_year"];
    known.extend_from_slice(also);
    params.only(&known)?;
    let profile =
        salw_core::indicator::profile(params.text("profile").as_deref().unwrap_or("un-2018"))
            .map_err(|e| ApiError::field(StatusCode::BAD_REQUEST, "profile", e))?;
    let by_year = match params.text("by_year").as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") | Some("on") => true,
        Some(other) => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "by_year",
                format!("'{other}' is not true or false"),
            ));
        }
    };
    let (from, to) = match (parse_date(params, "from")?, parse_date(params, "to")?) {
        (Some(f), Some(t)) if params.text("year").is_none() => (f, t),
        (None, None) => {
            let year = params.number("year", 1900, 2200, default_year as u64)? as i32;
            let day = |m, d| {
                chrono::NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| {
                    ApiError::field(StatusCode::BAD_REQUEST, "year", "is not a year")
                })
            };
            (day(1, 1)?, day(12, 31)?)
        }
        _ => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "from",
                "give a year, or both from and to (not both)",
            ));
        }
    };
    if from > to {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "from",
            format!("{from} is after to ({to})"),
        ));
    }
    Ok(IndicatorRequest {
        from,
        to,
        profile,
        by_year,
    })
}

pub async fn compute_indicator(
    state: &Shared,
    request: &IndicatorRequest,
) -> Result<salw_store::reports::SdgReport, ApiError> {
    let (from, to, profile, by_year) = (request.from, request.to, request.profile, request.by_year);
    let country = state.node.country.clone().unwrap_or_default();
    state
        .read(move |reg| {
            salw_store::reports::sdg_report(reg.backend(), from, to, profile, by_year, &country)
                .map_err(store("computing the indicator"))
        })
        .await
}

pub fn last_year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now()) - 1
}

pub async fn indicator(State(state): State<Shared>, params: Params) -> ApiResult {
    let request = indicator_request(&params, last_year(), &[])?;
    let report = compute_indicator(&state, &request).await?;
    Ok(Json(report).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    #[serde(default)]
    pub profile: Option<String>,
}

pub async fn release_figure(
    state: &Shared,
    caller: &Caller,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    profile: salw_core::indicator::Profile,
) -> Result<salw_store::reports::Released, ApiError> {
    if from > to {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "from",
            format!("{from} is after to ({to})"),
        ));
    }
    if let Some(reason) =
        salw_store::reports::unfinished_period(&to.to_string(), &chrono::Utc::now().to_rfc3339())
    {
        return Err(ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "to",
            reason,
        ));
    }
    let by = caller.name.clone();
    let released = state
        .write(move |reg| {
            let computed = salw_store::reports::sdg_16_4_2(
                reg.backend(),
                &from.to_string(),
                &to.to_string(),
                profile,
            )
            .map_err(store("computing the indicator"))?;
            salw_store::reports::release(
                reg.backend(),
                &from.to_string(),
                &to.to_string(),
                &computed,
                &by,
                &chrono::Utc::now().to_rfc3339(),
            )
            .map_err(store("releasing the figure"))
        })
        .await?;
    let outcome = match &released {
        salw_store::reports::Released::First { release } => format!("release #{}", release.seq),
        salw_store::reports::Released::Revision { release, revises } => {
            format!("release #{} revises #{}", release.seq, revises.seq)
        }
        salw_store::reports::Released::Unchanged { release } => {
            format!("unchanged: release #{}", release.seq)
        }
    };
    audit(
        state,
        caller,
        "release-figure",
        format!("sdg-16-4-2 {from}..{to} {}", profile.name),
        outcome,
    )
    .await?;
    Ok(released)
}

pub async fn post_release(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    ApiJson(request): ApiJson<ReleaseRequest>,
) -> ApiResult {
    let profile = salw_core::indicator::profile(request.profile.as_deref().unwrap_or("un-2018"))
        .map_err(|e| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "profile", e))?;
    let released = release_figure(&state, &caller, request.from, request.to, profile).await?;
    let status = match released {
        salw_store::reports::Released::Unchanged { .. } => StatusCode::OK,
        _ => StatusCode::CREATED,
    };
    Ok((status, Json(released)).into_response())
}

pub async fn load_releases(state: &Shared) -> Result<Vec<salw_store::reports::Release>, ApiError> {
    state
        .read(|reg| {
            reg.backend()
                .releases(salw_store::reports::SDG_16_4_2, None, None)
                .map_err(store("reading releases"))
        })
        .await
}

pub async fn releases(State(state): State<Shared>, params: Params) -> ApiResult {
    params.only(&[])?;
    Ok(Json(json!({ "releases": load_releases(&state).await? })).into_response())
}

/// `GET /api/v1/traces`: the traces with their steps, and per partner the response rate and
/// median times (docs/tracing.md).
pub async fn traces(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    params: Params,
) -> ApiResult {
    params.only(&["overdue"])?;
    let overdue = match params.text("overdue").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "overdue",
                format!("'{other}' is not true or false"),
            ));
        }
    };
    let now = chrono::Utc::now();
    let all = state
        .read(move |reg| crate::traces::list(reg.backend(), now).map_err(store("the traces")))
        .await?;
    let partners = crate::traces::partner_stats(&all);
    let shown: Vec<_> = all
        .into_iter()
        .filter(|v| !overdue || v.overdue.is_some())
        .collect();
    audit(
        &state,
        &caller,
        "view-traces",
        if overdue { "overdue" } else { "all" },
        format!("{} trace(s)", shown.len()),
    )
    .await?;
    Ok(Json(json!({ "traces": shown, "partners": partners })).into_response())
}
