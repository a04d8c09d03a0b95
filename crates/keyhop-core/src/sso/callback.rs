//! The loopback end of the authorization-code sign-in: a one-shot HTTP listener on 127.0.0.1
//! that the browser is redirected to with `?code=…&state=…` (or `?error=…`). Requests are
//! bounded (8 KiB, a few seconds each), so a stray client cannot hold the sign-in up; a
//! request whose `state` is not ours is answered and ignored, as RFC 6749 §10.12 asks.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the browser brought back.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Code(String),
    Denied(String),
}

pub(super) struct Callback {
    listener: TcpListener,
    pub redirect_uri: String,
}

const PATH: &str = "/oauth/callback";
const MAX_REQUEST: usize = 8 * 1024;

impl Callback {
    pub(super) async fn bind() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}{PATH}"),
        })
    }

    /// Serves requests until one carries our `state` with a code or an error.
    pub(super) async fn wait(&self, state: &str) -> std::io::Result<Outcome> {
        loop {
            let (stream, _) = self.listener.accept().await?;
            // A stray, slow or broken request is answered (or dropped) and the wait goes on.
            if let Ok(Ok(Some(outcome))) = tokio::time::timeout(Duration::from_secs(5), serve(stream, state)).await {
                return Ok(outcome);
            }
        }
    }
}

async fn serve(mut stream: TcpStream, state: &str) -> std::io::Result<Option<Outcome>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_REQUEST {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != PATH {
        respond(&mut stream, "404 Not Found", "Not found.").await?;
        return Ok(None);
    }
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("state") != Some(state) {
        tracing::warn!("ignored a sign-in callback whose state is not this sign-in's");
        respond(
            &mut stream,
            "400 Bad Request",
            "This sign-in link does not belong to the sign-in keyhop is waiting for (state mismatch).",
        )
        .await?;
        return Ok(None);
    }
    if let Some(error) = get("error") {
        let detail = get("error_description").unwrap_or(error).to_owned();
        respond(&mut stream, "200 OK", "Sign-in denied. You can close this tab.").await?;
        return Ok(Some(Outcome::Denied(detail)));
    }
    let Some(code) = get("code").filter(|c| !c.is_empty()) else {
        respond(&mut stream, "400 Bad Request", "No authorization code in this request.").await?;
        return Ok(None);
    };
    respond(
        &mut stream,
        "200 OK",
        "Signed in to AWS IAM Identity Center. You can close this tab and return to keyhop.",
    )
    .await?;
    Ok(Some(Outcome::Code(code.to_owned())))
}

async fn respond(stream: &mut TcpStream, status: &str, text: &str) -> std::io::Result<()> {
    let body = format!("<!doctype html><title>keyhop</title><p>{text}</p>\n");
    let reply = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}
