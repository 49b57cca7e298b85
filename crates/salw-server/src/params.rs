//! Query strings and JSON bodies, read so that every mistake names its field: unknown
//! parameters and fields are refused, numbers are checked against their range.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest JSON body (one record, one account): far above any real one.
pub const JSON_LIMIT: usize = 1 << 20;

/// The query string as name → value, refusing repeated and unknown names.
pub struct Params(HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let mut map = HashMap::new();
        let query = parts.uri.query().unwrap_or("");
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = decode(k).ok_or_else(|| {
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    "query",
                    "is not valid percent-encoded UTF-8 (or holds a NUL, %00)",
                )
            })?;
            let v = decode(v).ok_or_else(|| {
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    &k,
                    "is not valid percent-encoded UTF-8 (or holds a NUL, %00)",
                )
            })?;
            if map.insert(k.clone(), v).is_some() {
                return Err(ApiError::field(
                    StatusCode::BAD_REQUEST,
                    &k,
                    "is given twice",
                ));
            }
        }
        Ok(Params(map))
    }
}

pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                // %00: a NUL is no part of any value, and the database cannot keep it.
                match u8::from_str_radix(hex, 16).ok()? {
                    0 => return None,
                    byte => out.push(byte),
                }
                i += 2;
            }
            b'%' => return None,
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

impl Params {
    /// Refuses any parameter not in `known`.
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        let mut unknown: Vec<&String> = self
            .0
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            Some(k) => Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                k,
                format!("is not a parameter here; known: {}", known.join(", ")),
            )),
            None => Ok(()),
        }
    }

    /// A text parameter; blank counts as absent.
    pub fn text(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn number(&self, name: &str, min: u64, max: u64, default: u64) -> Result<u64, ApiError> {
        match self.text(name) {
            None => Ok(default),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::field(
                    StatusCode::BAD_REQUEST,
                    name,
                    format!("'{v}' is not a whole number from {min} to {max}"),
                )),
            },
        }
    }
}

/// A JSON body parsed into `T`, with the path of a wrong field in the error.
pub struct ApiJson<T>(pub T);

pub async fn body_bytes(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {} bytes", limit),
        )
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(ApiError::field(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content-type",
                "send the body as application/json",
            ));
        }
        let bytes = body_bytes(req.into_body(), JSON_LIMIT).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // JSON writes a NUL only as \u0000: no value may hold one (the database cannot keep it).
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(ApiError::field(
            StatusCode::BAD_REQUEST,
            "body",
            "holds a NUL character (\\u0000), which no field may hold",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.inner();
        let message = inner.to_string();
        let field = if path == "." || path.is_empty() {
            message.split('`').nth(1).unwrap_or("body").to_owned()
        } else {
            path
        };
        let reason = match inner.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("malformed JSON ({message})")
            }
            _ => message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned(),
        };
        let status = match inner.classify() {
            serde_json::error::Category::Data => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::field(status, &field, reason)
    })
}

/// The one path parameter of a route (`{id}`, `{name}`), refused with a JSON error when it is
/// not valid UTF-8 once decoded.
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(PathParam(value)),
            Err(e) => {
                let name = parts
                    .extensions
                    .get::<axum::extract::MatchedPath>()
                    .and_then(|m| {
                        let path = m.as_str();
                        let start = path.rfind('{')? + 1;
                        let end = start + path[start..].find('}')?;
                        Some(path[start..end].to_owned())
                    })
                    .unwrap_or_else(|| "path".to_owned());
                Err(ApiError::field(
                    StatusCode::BAD_REQUEST,
                    &name,
                    e.body_text(),
                ))
            }
        }
    }
}

/// A workflow record's id in the path (a count, a discrepancy, a campaign, a destruction
/// batch, an armoury): refused, naming `id`, when longer than any such id can be, before
/// anything else of the request (its body) is read.
pub struct RecordId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RecordId {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let PathParam(id) = PathParam::from_request_parts(parts, state).await?;
        if id.chars().count() > 100 {
            return Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "id",
                "an id is at most 100 characters",
            ));
        }
        Ok(RecordId(id))
    }
}

/// Two path parameters (`{id}/{action}`), refused with a JSON error naming the first when
/// either is not valid UTF-8 once decoded.
pub struct PathPair(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathPair {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path((a, b))) => Ok(PathPair(a, b)),
            Err(e) => Err(ApiError::field(
                StatusCode::BAD_REQUEST,
                "id",
                e.body_text(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_refuses_broken_escapes() {
        assert_eq!(decode("a%20b+c").as_deref(), Some("a b c"));
        assert_eq!(decode("%D0%9E"), Some("О".to_owned()));
        assert_eq!(decode("%"), None);
        assert_eq!(decode("%4"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("a%00b"), None, "a NUL is refused");
        assert_eq!(decode("%FF"), None);
    }
}
