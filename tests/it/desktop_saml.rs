//! The SAML sign-in window (`keyhop-signin`, wry on WebKitGTK) under Xvfb, against the rig's
//! SAML IdP (`xtask/rig/saml_idp.py`): `keyhop session start` opens the IdP's login form,
//! xdotool types the password, the assertion the page posts to https://signin.aws.amazon.com/saml
//! is taken before it leaves, and the AWS CLI proves the profile on moto. A second start signs
//! in from the IdP's cookie without any window; a closed window cancels; an IdP that never posts
//! times out.

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

const ACCOUNT: &str = "111111111111";
const FORM: &str = "keyhop - Add session";

fn role() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/Admin")
}

/// A rig with an IdP whose AWS app grants `role()` (its URL narrowed to it: moto takes one
/// Role value) and a SAML session `alias` on it.
fn world(aliases: &[&str]) -> (Rig, Idp, String) {
    world_with(aliases, &json!({}))
}

/// `world` with more of the IdP's settings (the control API's body).
fn world_with(aliases: &[&str], settings: &Value) -> (Rig, Idp, String) {
    let rig = Rig::new();
    let mut body = json!({"roles": [saml_role(ACCOUNT, "Admin")]});
    if let (Some(body), Some(more)) = (body.as_object_mut(), settings.as_object()) {
        body.extend(more.clone());
    }
    let idp = Idp::create(&body);
    let url = idp.url_for(&role());
    for alias in aliases {
        let provider = format!("arn:aws:iam::{ACCOUNT}:saml-provider/rig");
        let role = role();
        let args = add_saml_args(alias, alias, &url, &role, &provider);
        rig.keyhop(&args).ok();
    }
    (rig, idp, url)
}

/// The sign-in window's title for the rig's IdP.
fn title(url: &str) -> String {
    let host = url.split("://").nth(1).and_then(|r| r.split('/').next()).expect("host");
    format!("Sign in to {host} · keyhop")
}

/// `keyhop ARGS` on `desk`'s display, in the background: join the handle for its output.
fn spawn(desk: &Desktop, rig: &Rig, args: &[&str], timeout_secs: u32) -> std::thread::JoinHandle<Out> {
    spawn_with_env(desk, rig, args, timeout_secs, &[])
}

/// `spawn` with these variables added to keyhop's environment.
fn spawn_with_env(
    desk: &Desktop,
    rig: &Rig,
    args: &[&str],
    timeout_secs: u32,
    env: &[(&str, &str)],
) -> std::thread::JoinHandle<Out> {
    let mut cmd = desk.cmd(keyhop_bin());
    rig.apply_env(&mut cmd);
    cmd.envs(env.iter().copied());
    cmd.args(args)
        .env("KEYHOP_SAML_SIGNIN_TIMEOUT", timeout_secs.to_string());
    let what = format!("keyhop {}", args.join(" "));
    std::thread::spawn(move || run(cmd, "", &what))
}

/// Watches `desk` for any visible sign-in window until `stop` is set: whether one appeared.
fn watch_for_window(desk: &Desktop, url: &str, stop: &Arc<AtomicBool>) -> std::thread::JoinHandle<bool> {
    let (display, regex, stop) = (desk.display.clone(), regex_escape(&title(url)), Arc::clone(stop));
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let seen = Command::new("xdotool")
                .args(["search", "--onlyvisible", "--name", &regex])
                .env("DISPLAY", &display)
                .stderr(Stdio::null())
                .output()
                .is_ok_and(|o| !o.stdout.is_empty());
            if seen {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    })
}

/// After a first sign-in: `session start fed-two` signs in silently from the IdP's session (no
/// window shows, no second login at the IdP), and the AWS CLI uses the profile it wrote.
fn second_start_is_silent(desk: &Desktop, rig: &Rig, idp: &Idp, url: &str, timeout_secs: u32, why: &str) {
    let (out, shown) = run_watched(desk, rig, url, &["session", "start", "fed-two"], timeout_secs);
    let out = out.ok();
    assert!(!shown, "a window showed {why}: {out}");
    assert!(out.stdout.contains("Started \"fed-two\""), "{out}");
    assert!(rig.caller_arn("fed-two").starts_with("arn:aws:sts::"), "{out}");
    assert_eq!(
        (stat(idp, "logins"), stat(idp, "silent_sign_ins")),
        (1, 1),
        "the second start logged in again"
    );
}

/// Runs `keyhop ARGS` while watching for the window: (output, whether a window showed).
fn run_watched(desk: &Desktop, rig: &Rig, url: &str, args: &[&str], timeout_secs: u32) -> (Out, bool) {
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_for_window(desk, url, &stop);
    let out = spawn(desk, rig, args, timeout_secs).join().expect("keyhop thread");
    stop.store(true, Ordering::SeqCst);
    (out, watcher.join().expect("watcher"))
}

/// The login form in the sign-in window: typed into, submitted.
fn log_in(desk: &Desktop, url: &str) {
    let w = desk
        .wait_app_window(&title(url), 60.0)
        .unwrap_or_else(|| panic!("no sign-in window {:?} in 60 s", title(url)));
    let (shot, lines) = desk.read_until("login-form", &w, 20.0, |l| {
        l.iter().any(|l| l.has("Password")) && l.iter().any(|l| l.has("keyhop test IdP"))
    });
    assert!(
        lines.iter().any(|l| l.has("Password")),
        "the window does not show the IdP's login form ({}):\n{}",
        shot.display(),
        ocr::show(&lines)
    );
    desk.focus(&w);
    desk.type_text("rig-user");
    desk.key(&["Tab"]);
    desk.type_text("rig-password");
    desk.key(&["Return"]);
}

fn stat(idp: &Idp, what: &str) -> u64 {
    let s: Value = idp.stats();
    s[what].as_u64().unwrap_or_else(|| panic!("no {what} in {s}"))
}

/// Every file under `dir` 0600 and every directory 0700 (the IdP's cookie store).
fn assert_private(dir: &Path) {
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for entry in std::fs::read_dir(dir).expect("read the cookie store") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            assert_private(&path);
        } else {
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

#[test]
fn the_window_signs_in_at_the_idp_then_its_cookie_starts_another_session_silently() {
    let Some(desk) = Desktop::start("desktop_saml::sign_in") else {
        return;
    };
    let (rig, idp, url) = world(&["fed", "fed-two"]);
    let start = spawn(&desk, &rig, &["session", "start", "fed"], 120);
    log_in(&desk, &url);
    let out = start.join().expect("keyhop thread").ok();
    assert!(out.stdout.contains("Started \"fed\""), "{out}");
    assert!(rig.caller_arn("fed").starts_with("arn:aws:sts::"), "{out}");
    assert_eq!((stat(&idp, "logins"), stat(&idp, "assertions")), (1, 1));
    // The AWS CLI judged the profile; the assertion went nowhere but keyhop (no AWS call left
    // the machine: the rig has no network, and STS is moto).
    second_start_is_silent(&desk, &rig, &idp, &url, 60, "a sign-in the IdP's cookie does");
    let store = rig.keyhop_home.join("saml-idp");
    assert_private(&store);
    // An IdP that stops posting: the hidden window gives up with a message, nothing changes.
    idp.behaviour(&json!({"mode": "never_post"}));
    rig.stop("fed").ok();
    let before = rig.snapshot();
    let (out, shown) = run_watched(&desk, &rig, &url, &["session", "start", "fed"], 6);
    out.fails_with(&["did not finish within 6 s", "never posted an assertion"]);
    assert!(!shown, "a window showed for an IdP that wants no input");
    rig.assert_unchanged(&before, "a sign-in that timed out");
}

#[test]
fn an_idp_session_cookie_outlives_the_window_so_the_next_start_is_silent() {
    let Some(desk) = Desktop::start("desktop_saml::session_cookie") else {
        return;
    };
    // Most IdPs set a cookie without Expires ("keep me signed in" unticked): a web engine keeps
    // it in memory only, so keyhop keeps it for the next run of the window.
    let (rig, idp, url) = world_with(&["fed", "fed-two"], &json!({"session_cookie": true}));
    let start = spawn(&desk, &rig, &["session", "start", "fed"], 120);
    log_in(&desk, &url);
    let out = start.join().expect("keyhop thread").ok();
    assert!(out.stdout.contains("Started \"fed\""), "{out}");
    second_start_is_silent(&desk, &rig, &idp, &url, 30, "although the IdP's session lasts");
    assert_private(&rig.keyhop_home.join("saml-idp"));
}

#[test]
fn closing_the_sign_in_window_cancels_the_start_and_changes_nothing() {
    let Some(desk) = Desktop::start("desktop_saml::close") else {
        return;
    };
    let (rig, idp, url) = world(&["fed"]);
    let before = rig.snapshot();
    let start = spawn(&desk, &rig, &["session", "start", "fed"], 120);
    let w = desk
        .wait_app_window(&title(&url), 60.0)
        .unwrap_or_else(|| panic!("no sign-in window {:?} in 60 s", title(&url)));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("xtask/rig/wm_close.py");
    let mut close = desk.cmd("python3");
    close.arg(&script).arg(&w.id);
    run(close, "", "wm_close.py").ok();
    let out = start.join().expect("keyhop thread");
    let out = out.fails_with(&["sign-in at 127.0.0.1", "was cancelled", "nothing was changed"]);
    assert!(out.stdout.is_empty(), "{out}");
    rig.assert_unchanged(&before, "a cancelled sign-in");
    assert_eq!(stat(&idp, "assertions"), 0);
    assert!(desk.wait_window_gone(&title(&url), 10.0), "the window stayed");
}

#[test]
fn find_roles_in_the_add_form_signs_in_at_the_idp_and_the_role_chosen_is_saved() {
    let Some(desk) = Desktop::start("desktop_saml::find_roles") else {
        return;
    };
    let rig = Rig::new();
    // The URL without ?role=: the assertion lists both pairs, as a real IdP's does.
    let idp = Idp::create(&json!({"roles": [saml_role(ACCOUNT, "Admin"), saml_role("222222222222", "ReadOnly")]}));
    let tray = TrayApp::start(&desk, &rig);
    let menu = tray.choose("1-menu", "Add session");
    let form = desk
        .wait_app_window(FORM, 20.0)
        .unwrap_or_else(|| panic!("no {FORM:?} window\nmenu:\n{}\n{}", menu.show(), tray.log()));
    desk.click_text("2-kinds", &form, "SAML federated role", 30.0);
    desk.read_until("3-form", &form, 30.0, |l| l.iter().any(|l| l.has("Find roles")));
    let alias = ocr_alias("found");
    desk.focus(&form);
    desk.type_text(&alias);
    desk.key_type(&["Tab"], "found-profile");
    desk.key_type(&["Tab", "Tab"], &idp.sso_url);
    desk.click_text("4-find", &form, "Find roles", 20.0);
    log_in(&desk, &idp.sso_url);
    let (_, read) = desk.read_until("5-found", &form, 30.0, |l| {
        l.iter().any(|l| l.has("choose one of 2 roles"))
    });
    assert!(
        read.iter().any(|l| l.has("choose one of 2 roles")),
        "the form offers no roles after the sign-in:\n{}\n{}",
        ocr::show(&read),
        tray.log()
    );
    desk.click_text("6-list", &form, "choose one of 2 roles", 20.0);
    desk.click_text("7-pick", &form, "ReadOnly", 20.0);
    // Enter in a field saves (OCR does not read the white "Save" on blue).
    desk.click_text("8-filled", &form, "saml-provider", 20.0);
    desk.focus(&form);
    desk.key(&["Return"]);
    let saved = wait_for(20.0, || rig.list().into_iter().find(|s| s["alias"] == alias.as_str()));
    let s = saved.unwrap_or_else(|| panic!("Enter did not add {alias}\n{}", tray.log()));
    assert_eq!(s["role_arn"], "arn:aws:iam::222222222222:role/ReadOnly", "{s}");
    assert_eq!(s["principal_arn"], "arn:aws:iam::222222222222:saml-provider/rig", "{s}");
    assert_eq!((stat(&idp, "logins"), stat(&idp, "assertions")), (1, 1));
}

#[test]
fn serve_renews_a_saml_session_by_a_silent_sign_in_and_keeps_answering() {
    let Some(desk) = Desktop::start("desktop_saml::serve") else {
        return;
    };
    let (rig, idp, url) = world(&["fed"]);
    let start = spawn(&desk, &rig, &["session", "start", "fed"], 120);
    log_in(&desk, &url);
    start.join().expect("keyhop thread").ok();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_for_window(&desk, &url, &stop);
    // --refresh-before 24h: every renewal (5 s apart at least) needs a new assertion.
    let mut cmd = desk.cmd(keyhop_bin());
    rig.apply_env(&mut cmd);
    cmd.args(["serve", "fed", "--refresh-before", "24h"])
        .env("KEYHOP_SAML_SIGNIN_TIMEOUT", "60");
    let server = crate::serve::Server::start(cmd);
    let first = server.credentials()["AccessKeyId"].clone();
    let renewed = wait_for(120.0, || (stat(&idp, "silent_sign_ins") >= 2).then_some(()));
    stop.store(true, Ordering::SeqCst);
    let shown = watcher.join().expect("watcher");
    assert!(
        renewed.is_some(),
        "no two silent sign-ins in 120 s: {}\nserve said: {}",
        idp.stats(),
        server.stderr()
    );
    assert!(!shown, "a renewal showed the sign-in window");
    assert_eq!(stat(&idp, "logins"), 1, "a renewal logged in again");
    let now = server.credentials();
    assert_ne!(
        now["AccessKeyId"], first,
        "the served credentials were not renewed: {now}"
    );
    let mut aws = server.client(&rig, "aws");
    aws.args(["sts", "get-caller-identity", "--output", "json"]);
    let out = run(aws, "", "aws sts get-caller-identity (served credentials)").ok();
    assert!(out.stdout.contains("arn:aws:sts::"), "{out}");
    assert!(!server.stderr().contains("failed"), "{}", server.stderr());
}

#[test]
fn a_refresh_the_idp_wants_the_user_for_notifies_and_the_notification_opens_the_sign_in_window() {
    let Some(desk) = Desktop::start("desktop_saml::notify") else {
        return;
    };
    // Credentials for 60 s (the IdP's SessionDuration): the tray refreshes at half their life.
    let (rig, idp, url) = world_with(&["fed"], &json!({"session_duration": 60}));
    // A dunst of its own: the click below must reach keyhop's notification, not another test's.
    // Everything keyhop of this test talks to its bus (and the keyring there).
    let dunst = OwnDunst::start(&desk);
    // The tray's debug log (its schedule, the refresh's steps) is what a failure below shows.
    let mut tray_env = dunst.env().to_vec();
    tray_env.push(("KEYHOP_LOG", "keyhop=debug,keyhop_core=debug"));
    let tray = TrayApp::start_with_env(&desk, &rig, &tray_env);
    let start = spawn_with_env(&desk, &rig, &["session", "start", "fed"], 120, &dunst.env());
    log_in(&desk, &url);
    start.join().expect("keyhop thread").ok();
    // The IdP's session ends: the background refresh's silent sign-in meets the login form.
    control(
        "POST",
        &format!("/_rig/saml/idps/{}/sign_out", idp.id),
        Some(&json!({})),
    );
    let seen: Vec<i64> = dunst.notifications().iter().map(|n| n.id).collect();
    // Generous: on a loaded machine the refresh's hidden window takes its time to start.
    assert!(
        dunst.click_displayed(150.0),
        "no notification within 150 s of the refresh; the IdP saw {}\n{}",
        idp.stats(),
        tray.log()
    );
    // The click starts the session with its window showing the IdP's login form.
    log_in(&desk, &url);
    let n = dunst.wait_notification(10.0, "\"Sign in to 127.0.0.1\"", |n| {
        !seen.contains(&n.id) && n.summary.starts_with("Sign in to 127.0.0.1")
    });
    assert_eq!(n.appname, "keyhop", "{n:?}");
    let again = wait_for(60.0, || (stat(&idp, "logins") == 2).then_some(()));
    assert!(
        again.is_some(),
        "the window's login did not reach the IdP: {}",
        idp.stats()
    );
    let active = wait_for(30.0, || (rig.session("fed")["status"] == "active").then_some(()));
    assert!(
        active.is_some(),
        "the session is not active after the sign-in\n{}",
        tray.log()
    );
    assert!(rig.caller_arn("fed").starts_with("arn:aws:sts::"));
}
