//! The IdP's session cookies (no Expires, no Max-Age) kept between sign-ins. A web engine keeps
//! them in memory only, so without this every sign-in after keyhop-signin exits would ask for
//! the password again with the many IdPs that set them. They go to a 0600 file in the IdP's
//! cookie store after a captured assertion and back into the engine before the first page loads;
//! the IdP decides how long its session lasts, as in a browser that restores its last session.

use std::path::{Path, PathBuf};

use wry::cookie::{Cookie, Expiration};

const FILE: &str = "session-cookies";

fn file(cookie_dir: &Path) -> PathBuf {
    cookie_dir.join(FILE)
}

fn is_session(cookie: &Cookie<'_>) -> bool {
    cookie.max_age().is_none() && matches!(cookie.expires(), None | Some(Expiration::Session))
}

/// One `Set-Cookie` value per line; only the session cookies (the engine keeps the others). A
/// domain cookie (`.idp.example`) comes back host-only: wry sets cookies by host, and the IdP's
/// sign-in host is the one that reads them.
fn encode(cookies: &[Cookie<'_>]) -> String {
    use std::fmt::Write;
    cookies
        .iter()
        .filter(|c| is_session(c))
        .fold(String::new(), |mut text, c| {
            let _ = writeln!(text, "{c}");
            text
        })
}

fn decode(text: &str) -> Vec<Cookie<'static>> {
    text.lines()
        .filter_map(|l| Cookie::parse(l.to_owned()).ok())
        .filter(|c| c.domain().is_some() && is_session(c))
        .collect()
}

/// Puts the saved session cookies back into the web view's store (before it loads a page).
/// A missing or unreadable file means a sign-in without them: the IdP asks, nothing breaks.
pub fn restore(webview: &wry::WebView, cookie_dir: &Path) {
    let Ok(text) = std::fs::read_to_string(file(cookie_dir)) else {
        return;
    };
    for cookie in decode(&text) {
        let _ = webview.set_cookie(&cookie);
    }
}

/// Saves the web view's session cookies (after the IdP handed over an assertion: its session
/// is good). A failure only costs the next sign-in a login.
pub fn save(webview: &wry::WebView, cookie_dir: &Path) {
    if let Ok(cookies) = webview.cookies() {
        let _ = keyhop_core::state::atomic_write(&file(cookie_dir), encode(&cookies).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_session_cookies_are_kept_and_read_back_whole() {
        let session = Cookie::build(("sid", "abc"))
            .domain("127.0.0.1")
            .path("/saml/idp/x")
            .http_only(true)
            .same_site(wry::cookie::SameSite::Lax)
            .expires(Expiration::Session)
            .build();
        let lasting = Cookie::build(("keep", "1"))
            .domain("127.0.0.1")
            .max_age(wry::cookie::time::Duration::hours(1))
            .build();
        let text = encode(&[session.clone(), lasting]);
        assert_eq!(text.lines().count(), 1, "{text}");
        let back = decode(&text);
        assert_eq!(back.len(), 1);
        let c = &back[0];
        assert_eq!(
            (c.name(), c.value(), c.domain(), c.path()),
            ("sid", "abc", Some("127.0.0.1"), Some("/saml/idp/x"))
        );
        assert_eq!(
            (c.http_only(), c.same_site()),
            (Some(true), Some(wry::cookie::SameSite::Lax))
        );
        // A line that is no cookie, or one without a domain (the engine cannot place it), is skipped.
        assert!(decode("garbage\nx=y; Path=/\n").is_empty());
    }
}
