//! The HTTP side: one GET endpoint speaking the container credentials protocol (the JSON an
//! ECS task's credential endpoint returns), behind the run's authorization token.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use keyhop_core::lease::Lease;
use secrecy::ExposeSecret;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

use super::token::AuthToken;

/// The path of the credentials; anything else is 404 (once the token is right).
pub const PATH: &str = "/credentials";

/// How long a request waits for a renewal when the credentials it would get are stale: less
/// than botocore's 2 s timeout for the endpoint, so it gets an answer (a 503 it retries).
const RENEWAL_WAIT: Duration = Duration::from_millis(1500);

/// What every connection shares.
pub struct Shared {
    pub token: AuthToken,
    pub lease: watch::Receiver<Arc<Lease>>,
    /// Wakes the renewer when a request finds the credentials stale.
    pub kick: Arc<Notify>,
}

pub type Body = Full<Bytes>;

pub async fn respond(req: Request<Incoming>, shared: Arc<Shared>) -> Result<Response<Body>, Infallible> {
    let status = answer(&req, &shared).await;
    // Method, path and status only: never a header (the token is one).
    tracing::info!(method = %req.method(), path = req.uri().path(), status = status.status().as_u16(), "request");
    Ok(status)
}

async fn answer(req: &Request<Incoming>, shared: &Shared) -> Response<Body> {
    // The token first: without it nothing else is told, not even whether the path exists.
    match req.headers().get(AUTHORIZATION) {
        None => return error(StatusCode::UNAUTHORIZED, "an Authorization header is required"),
        Some(v) if !shared.token.matches(v.as_bytes()) => {
            return error(StatusCode::FORBIDDEN, "the authorization token is not this server's");
        }
        Some(_) => {}
    }
    if req.uri().path() != PATH {
        return error(StatusCode::NOT_FOUND, "no such path");
    }
    if req.method() != Method::GET {
        let mut r = error(StatusCode::METHOD_NOT_ALLOWED, "only GET is served");
        r.headers_mut().insert("allow", HeaderValue::from_static("GET"));
        return r;
    }
    match servable(shared).await {
        Some(lease) => credentials(&lease),
        None => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the credentials could not be renewed in time; keyhop's terminal says why",
        ),
    }
}

/// The current credentials if they may be handed out; otherwise asks the renewer and waits a
/// little for it. Never returns stale ones.
async fn servable(shared: &Shared) -> Option<Arc<Lease>> {
    let mut rx = shared.lease.clone();
    let lease = rx.borrow_and_update().clone();
    if lease.servable(OffsetDateTime::now_utc()) {
        return Some(lease);
    }
    shared.kick.notify_one();
    let _ = tokio::time::timeout(RENEWAL_WAIT, rx.changed()).await;
    let lease = rx.borrow_and_update().clone();
    lease.servable(OffsetDateTime::now_utc()).then_some(lease)
}

fn credentials(lease: &Lease) -> Response<Body> {
    let c = &lease.credentials;
    let json = serde_json::json!({
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key.expose_secret(),
        "Token": c.session_token.expose_secret(),
        "Expiration": keyhop_core::engine::rfc3339(c.expiration),
    });
    reply(StatusCode::OK, json.to_string())
}

fn error(status: StatusCode, message: &str) -> Response<Body> {
    reply(status, serde_json::json!({ "message": message }).to_string())
}

fn reply(status: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
