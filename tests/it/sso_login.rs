//! IAM Identity Center sign-in (`keyhop sso login`): the authorization-code flow with PKCE on a
//! loopback redirect, the device-code flow, the browser from BROWSER, denied and timed-out
//! sign-ins, a callback with the wrong state, and one browser for twenty parallel logins.
//!
//! Against the rig's IAM Identity Center server (`xtask/rig/`, `KEYHOP_TEST_SSO`), one tenant per
//! test; the user's browser is played by curl.

use crate::common;
use common::*;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LINE: Duration = Duration::from_secs(30);
const FINISH: Duration = Duration::from_secs(90);

/// Panics unless `out` failed with exit code 1 and its last line on stderr mentions `words`.
#[track_caller]
fn assert_login_failed(out: &Out, words: &[&str]) {
    assert_eq!(out.status.code(), Some(1), "expected exit code 1: {out}");
    let last = out.stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default();
    for word in words {
        assert!(
            last.to_lowercase().contains(word),
            "the error does not mention {word:?}: {out}"
        );
    }
}

#[test]
fn login_with_the_authorization_code_flow_and_pkce() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.add(&[]).ok();
    let mut login = w.spawn_login(&["--no-browser", "--timeout", "30"]);
    let url = login.line(LINE);
    assert!(
        url.starts_with(&format!("{}/authorize?", sso_url())),
        "the first line is not the OIDC endpoint's /authorize URL: {url:?}"
    );
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "redirect_uri=http%3A%2F%2F127.0.0.1",
    ] {
        assert!(url.contains(part), "{part} is not in {url}");
    }
    let challenge = query_param(&url, "code_challenge").unwrap_or_default();
    assert_eq!(
        challenge.trim_end_matches('=').len(),
        43,
        "an S256 challenge is 43 characters: {url}"
    );
    assert!(
        query_param(&url, "state").is_some_and(|s| s.len() >= 8),
        "no state: {url}"
    );
    assert!(query_param(&url, "client_id").is_some_and(|s| !s.is_empty()), "{url}");
    let redirect = query_param(&url, "redirect_uri").unwrap_or_default();
    assert!(redirect.starts_with("http://127.0.0.1:"), "redirect_uri {redirect:?}");
    assert_eq!(
        w.connection()["signed_in"],
        false,
        "signed in before the browser did anything"
    );

    approve(&url);
    login.wait(FINISH).ok();

    let c = w.connection();
    assert_eq!(c["signed_in"], true, "{c}");
    assert!(c["expiration"].as_str().is_some_and(is_rfc3339), "{c}");
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(tokens_issued(&stats, "authorization_code"), 1, "{stats}");
    assert_eq!(tokens_issued(&stats, DEVICE_GRANT), 0, "{stats}");
}

#[test]
fn login_with_the_device_code_flow() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.add(&[]).ok();
    let mut login = w.spawn_login(&["--no-browser", "--device-code", "--timeout", "30"]);
    let url = login.line(LINE);
    let code = login.line(LINE);
    let code = code.trim();
    assert!(
        url.starts_with(&format!("{}/device", sso_url())),
        "the first line is not the verification URL: {url:?}"
    );
    assert!(!code.is_empty(), "no user code on the second line");
    assert!(url.contains(code), "the user code {code:?} is not in the URL {url}");
    assert_eq!(stat(&w.tenant.stats(), "authorizations"), 0);

    let page = browse(&url);
    assert!(page.body.contains("approved"), "{page:?}");
    login.wait(FINISH).ok();

    let c = w.connection();
    assert_eq!(c["signed_in"], true, "{c}");
    assert!(c["expiration"].as_str().is_some_and(is_rfc3339), "{c}");
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(tokens_issued(&stats, DEVICE_GRANT), 1, "{stats}");
}

#[test]
fn login_opens_the_browser_from_the_browser_variable() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.add(&[]).ok();
    let (browser, log) = w.logging_browser("browser", 0);
    let mut cmd = w.command(&["sso", "login", &w.conn, "--timeout", "30"]);
    cmd.env("BROWSER", &browser);
    run(cmd, "", "keyhop sso login (BROWSER)").ok();

    let opened = std::fs::read_to_string(&log).unwrap_or_default();
    let urls: Vec<&str> = opened.lines().collect();
    assert_eq!(urls.len(), 1, "the browser ran {} times: {opened:?}", urls.len());
    assert!(
        urls[0].starts_with(&format!("{}/authorize?", sso_url())),
        "the browser was given {:?}",
        urls[0]
    );
    assert_eq!(w.connection()["signed_in"], true);
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(tokens_issued(&stats, "authorization_code"), 1, "{stats}");
}

#[test]
fn a_denied_sign_in_fails_and_signs_nobody_in() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({"deny": true}));
    w.add(&[]).ok();

    let mut login = w.spawn_login(&["--no-browser", "--timeout", "30"]);
    let url = login.line(LINE);
    browse(&url);
    let out = login.wait(FINISH);
    assert_login_failed(&out, &["denied"]);
    assert_eq!(w.connection()["signed_in"], false);
    assert_eq!(stat(&w.tenant.stats(), "denials"), 1);

    let mut login = w.spawn_login(&["--no-browser", "--device-code", "--timeout", "30"]);
    let url = login.line(LINE);
    let _code = login.line(LINE);
    let page = browse(&url);
    assert!(page.body.contains("denied"), "{page:?}");
    let out = login.wait(FINISH);
    assert_login_failed(&out, &["denied"]);

    assert_eq!(w.connection()["signed_in"], false);
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "denials"), 2, "{stats}");
    assert_eq!(stat(&stats, "authorizations"), 0, "{stats}");
}

#[test]
fn a_sign_in_nobody_approves_times_out() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.add(&[]).ok();
    for flow in [&[][..], &["--device-code"][..]] {
        let mut args = vec!["--no-browser", "--timeout", "3"];
        args.extend_from_slice(flow);
        let began = Instant::now();
        let mut login = w.spawn_login(&args);
        let _url = login.line(LINE);
        let out = login.wait(FINISH);
        assert_login_failed(&out, &["timed out"]);
        let took = began.elapsed();
        assert!(took < Duration::from_secs(30), "--timeout 3 took {took:?}");
        assert!(
            took >= Duration::from_secs(2),
            "gave up after {took:?}, before its timeout"
        );
    }
    assert_eq!(w.connection()["signed_in"], false);
    assert_eq!(stat(&w.tenant.stats(), "authorizations"), 0);
}

#[test]
fn twenty_parallel_logins_open_the_browser_once() {
    let w = Arc::new(Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({})));
    w.add(&[]).ok();
    // The user takes a few seconds in the browser: every login has started (and waits on the
    // first) before that sign-in completes. A login started after it is another matter.
    let (browser, log) = w.logging_browser("browser", 5);
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let (w, browser) = (Arc::clone(&w), browser.clone());
            std::thread::spawn(move || {
                let mut cmd = w.command(&["sso", "login", &w.conn, "--timeout", "60"]);
                cmd.env("BROWSER", &browser);
                run(cmd, "", "keyhop sso login (one of 20)")
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread").ok();
    }

    let opened = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        opened.lines().count(),
        1,
        "the browser ran more or less than once: {opened:?}"
    );
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(tokens_issued(&stats, "authorization_code"), 1, "{stats}");
    assert_eq!(w.connection()["signed_in"], true);
}

#[test]
fn a_callback_with_the_wrong_state_is_refused() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.add(&[]).ok();
    let mut login = w.spawn_login(&["--no-browser", "--timeout", "30"]);
    let url = login.line(LINE);
    let redirect = query_param(&url, "redirect_uri").unwrap_or_else(|| panic!("no redirect_uri in {url}"));
    let sep = if redirect.contains('?') { '&' } else { '?' };
    // A forged callback: another page (or process) hitting keyhop's loopback port.
    let forged = browse(&format!("{redirect}{sep}code=forged-code&state=wrong-state"));
    assert_ne!(
        forged.status, 0,
        "keyhop's callback {redirect} did not answer: {forged:?}"
    );
    std::thread::sleep(Duration::from_secs(1));

    if login.exited().is_some() {
        // Failing on it is allowed, with a clear message, and nobody signed in.
        let out = login.wait(FINISH);
        assert!(!out.success(), "a forged callback signed in: {out}");
        assert_login_failed(&out, &["state"]);
        assert_eq!(w.connection()["signed_in"], false);
    } else {
        // Still waiting: the real sign-in goes through.
        approve(&url);
        login.wait(FINISH).ok();
        assert_eq!(w.connection()["signed_in"], true);
    }
    let stats = w.tenant.stats();
    assert!(tokens_issued(&stats, "authorization_code") <= 1, "{stats}");
}
