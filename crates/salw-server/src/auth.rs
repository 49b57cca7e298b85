//! Who is asking, and may they: sessions (cookie), API tokens (bearer), CSRF, and the guard
//! that applies the endpoint table (`endpoints::ENDPOINTS`) to every request before its
//! handler runs, so that what the table (and the OpenAPI document) says is what is enforced.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngCore;
use salw_access::{Permission, Role};

use crate::endpoints::{self, Access, Kind};
use crate::error::ApiError;
use crate::state::{CheckedToken, Session, Shared, TOKEN_CACHE_LIMIT, lock};

pub const SESSION_COOKIE: &str = "salw_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The person or program behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// The session's CSRF token; None for API tokens (which no browser sends by itself).
    pub csrf: Option<String>,
}

impl Caller {
    pub fn may(&self, p: Permission) -> bool {
        self.role.can(p)
    }

    /// Checks a form's CSRF field (browser sessions only).
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), ApiError> {
        match &self.csrf {
            Some(expected) if sent.map(str::as_bytes) != Some(expected.as_bytes()) => {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "the form is out of date or did not come from this site: reload the page and try again",
                ))
            }
            _ => Ok(()),
        }
    }
}

pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Starts a session and returns the Set-Cookie value.
/// A fingerprint of an account's password hash: a session started with it ends when the
/// password changes.
pub fn credential_of(account: &salw_store::Account) -> String {
    blake3::hash(account.password_hash.as_bytes())
        .to_hex()
        .to_string()
}

pub fn start_session(state: &Shared, name: &str, role: Role, credential: String) -> String {
    let secret = random_secret();
    lock(&state.sessions).insert(
        secret.clone(),
        Session {
            name: name.to_owned(),
            role,
            csrf: random_secret(),
            last_seen: Instant::now(),
            checked: Instant::now(),
            credential,
        },
    );
    session_cookie(state, &secret, false)
}

pub fn session_cookie(state: &Shared, secret: &str, clear: bool) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = if clear { "; Max-Age=0" } else { "" };
    format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict{secure}{age}")
}

pub fn end_session(state: &Shared, headers: &HeaderMap) {
    if let Some(secret) = cookie(headers, SESSION_COOKIE) {
        lock(&state.sessions).remove(secret);
    }
}

/// Finds the caller from a bearer token or the session cookie; None when neither is valid.
pub async fn identify(state: &Shared, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|s| s.trim().to_owned());
        let Some(secret) = secret else {
            return Ok(None);
        };
        let hash = salw_access::token_hash(&secret);
        let now = Instant::now();
        if let Some(t) = lock(&state.tokens).get(&hash)
            && now.duration_since(t.checked) < state.session_recheck()
        {
            return Ok(Some(Caller {
                name: t.name.clone(),
                role: t.role,
                csrf: None,
            }));
        }
        let who = state
            .read(move |reg| {
                salw_access::token_account(reg.backend(), &secret)
                    .map_err(|e| ApiError::internal("checking a token", e))
            })
            .await?;
        let mut tokens = lock(&state.tokens);
        let Some(a) = who else {
            tokens.remove(&hash);
            return Ok(None);
        };
        if tokens.len() >= TOKEN_CACHE_LIMIT {
            tokens.clear();
        }
        tokens.insert(
            hash,
            CheckedToken {
                name: a.name.clone(),
                role: a.role,
                checked: now,
            },
        );
        return Ok(Some(Caller {
            name: a.name,
            role: a.role,
            csrf: None,
        }));
    }
    let Some(secret) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let idle = state.session_idle();
    let now = Instant::now();
    let (caller, credential, recheck) = {
        let mut sessions = lock(&state.sessions);
        match sessions.get_mut(secret) {
            Some(s) if now.duration_since(s.last_seen) < idle => {
                s.last_seen = now;
                let caller = Caller {
                    name: s.name.clone(),
                    role: s.role,
                    csrf: Some(s.csrf.clone()),
                };
                let recheck = now.duration_since(s.checked) >= state.session_recheck();
                (caller, s.credential.clone(), recheck)
            }
            Some(_) => {
                sessions.remove(secret);
                return Ok(None);
            }
            None => return Ok(None),
        }
    };
    if recheck {
        let name = caller.name.clone();
        let account = state
            .read(move |reg| {
                use salw_store::AccessBackend;
                reg.backend()
                    .account(&name)
                    .map_err(|e| ApiError::internal("checking a session", e))
            })
            .await?;
        let still = account.is_some_and(|a| {
            !a.disabled && a.role == caller.role.as_str() && credential_of(&a) == credential
        });
        let mut sessions = lock(&state.sessions);
        if !still {
            sessions.remove(secret);
            return Ok(None);
        }
        if let Some(s) = sessions.get_mut(secret) {
            s.checked = now;
        }
    }
    Ok(Some(caller))
}

fn unsafe_method(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The guard: finds the endpoint, identifies the caller, applies the role model, and (for
/// scripts using a session) the CSRF header. Pages check their form's CSRF field themselves.
pub async fn guard(
    State(state): State<Shared>,
    matched: Option<MatchedPath>,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(matched) = matched else {
        // Not routed: the fallback answers 404 (or axum 405).
        return next.run(request).await;
    };
    let Some(endpoint) = endpoints::find(request.method(), matched.as_str()) else {
        if endpoints::ENDPOINTS
            .iter()
            .any(|e| e.path == matched.as_str())
        {
            let e = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!(
                    "{} is not a method of {}",
                    request.method(),
                    matched.as_str()
                ),
            );
            if crate::is_api(request.uri().path()) {
                return e.into_response();
            }
            // A page keeps the menu of whoever is logged in, as a 403 or 404 does.
            return crate::pages::error_for(&state, request.headers(), e).await;
        }
        // A route the table does not list has no access rule: refuse it rather than guess.
        // (A test checks that every route is in the table.)
        tracing::error!(
            "{} {} is routed but not in endpoints::ENDPOINTS",
            request.method(),
            matched.as_str()
        );
        return ApiError::new(StatusCode::FORBIDDEN, "this route has no access rule")
            .into_response();
    };
    if endpoint.access == Access::Public {
        return next.run(request).await;
    }
    let caller = match identify(&state, request.headers()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let Some(caller) = caller else {
        return match endpoint.kind {
            Kind::Api => ApiError::unauthenticated().into_response(),
            Kind::Page => {
                let next_page = request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .filter(|_| request.method() == Method::GET)
                    .unwrap_or("/");
                Redirect::to(&format!("/login?next={}", urlencode(next_page))).into_response()
            }
        };
    };
    if let Access::May(permission) = endpoint.access
        && !caller.may(permission)
    {
        let what = endpoints::describe(permission);
        return match endpoint.kind {
            Kind::Api => ApiError::forbidden(what).into_response(),
            Kind::Page => crate::pages::forbidden(&caller, what),
        };
    }
    if endpoint.kind == Kind::Api && unsafe_method(request.method()) && caller.csrf.is_some() {
        let sent = request
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok());
        if let Err(e) = caller.check_csrf(sent) {
            return e.into_response();
        }
    }
    let page = endpoint.kind == Kind::Page;
    let menu = page.then(|| caller.clone());
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    match menu {
        Some(caller) => crate::pages::with_menu(response, &caller),
        None => response,
    }
}

pub fn urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
