//! The salw server (DESIGN.md "Server, web interface, security"): the registry in the browser
//! and over a JSON API under /api/v1, for the roles of salw-access, with every search and
//! every view of a person's data written to the audit trail first.
//!
//! Map: `endpoints` (every route and who may use it: the guard, the OpenAPI document and the
//! role test all read it), `auth` (sessions, tokens, CSRF, the guard), `api` (JSON handlers,
//! and the functions pages share), `pages` (HTML), `audit` (the group-committing audit
//! writer), `state` (connections, index, sessions), `config`, `federation` (the inbox partners
//! post signed messages to, and the outbox sender).

pub mod alerts;
pub mod api;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod config;
pub mod endpoints;
pub mod error;
pub mod federation;
pub mod pages;
pub mod params;
pub mod reports;
pub mod state;
pub mod stock;
pub mod trace_web;
pub mod traces;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use salw_access::Role;
use salw_store::AccessBackend;

pub use config::Config;
pub use state::{AppState, Shared};

/// The whole application: every route of `endpoints::ENDPOINTS`, behind the guard.
pub fn router(state: Shared) -> Router {
    let body_limit = (state.config.max_body_mb as usize).saturating_mul(1 << 20);
    Router::new()
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/summary", get(api::summary))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/weapons", get(api::weapons).post(api::post_weapon))
        .route("/api/v1/weapons/{id}", get(api::weapon))
        .route("/api/v1/weapons/{id}/photos", post(api::post_photo))
        .route("/api/v1/photos/{hash}", get(api::photo))
        .route("/api/v1/events", post(api::post_event))
        .route("/api/v1/persons", post(api::post_person))
        .route("/api/v1/persons/{id}", get(api::person))
        .route("/api/v1/import", post(api::import))
        .route("/api/v1/export", get(api::export))
        .route("/api/v1/indicators/sdg-16-4-2", get(api::indicator))
        .route(
            "/api/v1/indicators/sdg-16-4-2/releases",
            post(api::post_release),
        )
        .route("/api/v1/indicators/releases", get(api::releases))
        .route("/api/v1/reports/poa", get(reports::get_poa))
        .route("/api/v1/assessments", get(assessment::api_list))
        .route(
            "/api/v1/assessments/{name}",
            get(assessment::api_show).post(assessment::api_record),
        )
        .route("/api/v1/assistance", get(assessment::api_assistance))
        .route(
            "/api/v1/assistance/{kind}",
            post(assessment::api_add_assistance),
        )
        .route("/api/v1/armouries", get(stock::api_armouries))
        .route("/api/v1/armouries/{id}", get(stock::api_armoury))
        .route("/api/v1/count-policy", post(stock::api_set_policy))
        .route(
            "/api/v1/counts",
            get(stock::api_counts).post(stock::api_plan),
        )
        .route("/api/v1/counts/{id}", get(stock::api_count))
        .route("/api/v1/counts/{id}/result", post(stock::api_enter))
        .route("/api/v1/discrepancies", get(stock::api_discrepancies))
        .route("/api/v1/discrepancies/{id}/steps", post(stock::api_step))
        .route(
            "/api/v1/campaigns",
            get(stock::api_campaigns).post(stock::api_add_campaign),
        )
        .route("/api/v1/campaigns/{id}", get(stock::api_campaign))
        .route("/api/v1/campaigns/{id}/intake", post(stock::api_intake))
        .route("/api/v1/holds", post(stock::api_hold))
        .route(
            "/api/v1/destructions",
            get(stock::api_destructions).post(stock::api_destroy),
        )
        .route(
            "/api/v1/destructions/{id}/evidence",
            post(stock::api_evidence),
        )
        .route("/api/v1/reactivations", get(stock::api_reactivations))
        .route(
            "/api/v1/reports/poa/answers",
            post(reports::post_poa_answers),
        )
        .route("/api/v1/users", get(api::users).post(api::post_user))
        .route("/api/v1/users/{name}", post(api::post_user_change))
        .route("/api/v1/tokens", post(api::post_token))
        .route("/api/v1/audit", get(api::audit_trail))
        .route(
            "/api/v1/traces",
            get(api::traces).post(trace_web::post_trace),
        )
        .route("/api/v1/traces/{id}", get(trace_web::get_trace))
        .route("/api/v1/alerts", get(trace_web::get_alerts))
        .route(
            "/api/v1/weapons/{id}/domestic-trace",
            get(trace_web::get_domestic),
        )
        .route("/api/v1/traces/{id}/{action}", post(trace_web::post_step))
        .route(
            federation::INBOX_PATH,
            post(federation::inbox).layer(DefaultBodyLimit::max(federation::MAX_MESSAGE_BYTES)),
        )
        .route(
            "/api/openapi.json",
            get(|| async { axum::Json(endpoints::openapi()) }),
        )
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/", get(pages::dashboard))
        .route("/search", get(pages::search))
        .route("/weapons/new", get(pages::weapon_form))
        .route("/weapons", post(pages::weapon_create))
        .route("/weapons/{id}", get(pages::weapon))
        .route("/weapons/{id}/events/new", get(pages::event_form))
        .route("/weapons/{id}/events", post(pages::event_create))
        .route("/weapons/{id}/photos", post(pages::photo_upload))
        .route("/photos/{hash}", get(pages::photo))
        .route("/persons", get(pages::persons).post(pages::person_create))
        .route("/persons/{id}", get(pages::person))
        .route("/import", get(pages::import_page).post(pages::import))
        .route("/export", get(pages::export_page))
        .route("/export/registry.jsonl", get(pages::export_file))
        .route("/admin/users", get(pages::users).post(pages::user_create))
        .route("/admin/users/{name}", post(pages::user_change))
        .route("/audit", get(pages::audit))
        .route(
            "/traces",
            get(pages::traces).post(trace_web::create_trace_page),
        )
        .route("/traces/new", get(trace_web::new_trace_page))
        .route("/traces/{id}", get(trace_web::trace_page_get))
        .route("/traces/{id}/{action}", post(trace_web::step_page_post))
        .route("/indicators", get(pages::indicators))
        .route("/indicators/release", post(pages::indicator_release))
        .route("/reports", get(reports::reports_page))
        .route("/reports/poa/answers", post(reports::post_answers_page))
        .route("/reports/{file}", get(reports::report_file))
        .route(
            "/assessment",
            get(assessment::assessment_page).post(assessment::post_assessment_page),
        )
        .route("/assessment/{file}", get(assessment::assessment_file))
        .route("/assistance", get(assessment::assistance_page))
        .route("/assistance/need", post(assessment::post_need_page))
        .route("/stock", get(stock::stock_page_get))
        .route("/stock/counts", post(stock::stock_page_plan))
        .route("/stock/armouries/{id}", get(stock::armoury_page))
        .route(
            "/stock/counts/{id}",
            get(stock::count_page_get).post(stock::count_page_enter),
        )
        .route(
            "/stock/discrepancies/{id}",
            get(stock::discrepancy_page_get).post(stock::discrepancy_page_step),
        )
        .route(
            "/collection",
            get(stock::collection_page_get).post(stock::collection_page_add),
        )
        .route(
            "/collection/{id}",
            get(stock::intake_page_get).post(stock::intake_page_add),
        )
        .route(
            "/destruction",
            get(stock::destruction_page_get).post(stock::destruction_page_add),
        )
        .route("/destruction/{id}", get(stock::certificate_page))
        .route("/destruction/{id}/evidence", post(stock::evidence_upload))
        .route("/static/{file}", get(pages::static_file))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// A 404: JSON under `/api/`, a page elsewhere (someone typed or followed an address), with
/// the menu of whoever is logged in.
async fn not_found(
    axum::extract::State(state): axum::extract::State<Shared>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let e = error::ApiError::not_found("no such page or endpoint");
    if is_api(uri.path()) {
        return e.into_response();
    }
    pages::error_for(&state, &headers, e).await
}

/// Whether a path is the JSON API's, whose errors are JSON; every other path is a page's.
pub(crate) fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Headers every answer carries: no framing (clickjacking), no sniffing, no inline scripts
/// from elsewhere, and no caching of pages that show records.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let h = response.headers_mut();
    // A report to print sets its own, stricter but for its inline styles (`reports::download`).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Makes sure someone can log in: when the registry has no account, creates `admin` with the
/// configured password or a new random one, which is returned to be shown once.
pub fn ensure_administrator(state: &AppState) -> anyhow::Result<Option<String>> {
    let mut backend = state.db.open(false)?;
    if !backend.accounts()?.is_empty() {
        return Ok(None);
    }
    let (password, shown) = match &state.config.admin_password {
        Some(p) => (p.clone(), None),
        None => {
            let p = one_time_password();
            (p.clone(), Some(p))
        }
    };
    salw_access::add_account(
        &mut backend,
        "admin",
        Role::Administrator,
        &password,
        "salw serve",
        &chrono::Utc::now().to_rfc3339(),
    )?;
    Ok(shown)
}

/// A password of 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
pub fn one_time_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Serves until Ctrl-C (or SIGTERM); `ready` hears the bound address first.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    let state = Arc::new(state);
    federation::start_sender(&state);
    let app = router(state);
    ready(address);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// For callers without a runtime of their own (the `salw` binary): binds `config.listen`,
/// then serves until Ctrl-C or SIGTERM.
pub fn run(state: AppState, ready: impl FnOnce(SocketAddr)) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(state.config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", state.config.listen))?;
        serve(state, listener, ready).await
    })
}
