//! IAM Identity Center in the tray: the "Add SSO connection" form driven by the keyboard (a bad
//! start URL is refused in place, Enter saves, the browser signs in, the accounts and roles
//! become sessions in the menu), and a click on a session whose connection is signed out (the
//! tray signs in through the browser, then starts it).
//!
//! Against the rig's IAM Identity Center server (`KEYHOP_TEST_SSO`, a tenant per test); the
//! user's browser is a BROWSER script that follows the sign-in URL with curl.

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

const TITLE: &str = "keyhop - Add SSO connection";
const DEV: &str = "111111111111";
/// The Save button's brightness between disabled (pale, ~0.7) and enabled (blue, ~0.5).
const DISABLED: f64 = 0.62;

/// A fresh rig and tenant with the account "Dev" (OCR-friendly names) and these roles, whose
/// connection name OCR reads back exactly.
fn world(account_id: &str, roles: &[&str]) -> Sso {
    let mut w = Sso::new(&[account(account_id, "Dev", roles)], &json!({}));
    w.conn = ocr_alias("org");
    w
}

/// The tray on `desk` with the SSO endpoints on the rig server and a BROWSER that follows the
/// sign-in URL (and logs it): returns the tray and the browser's log.
fn tray_for<'d>(desk: &'d Desktop, w: &Sso) -> (TrayApp<'d>, PathBuf) {
    let (browser, log) = w.logging_browser("browser", 0);
    let sso = sso_url();
    let browser = browser.to_str().expect("UTF-8 temp path").to_owned();
    let tray = TrayApp::start_with_env(
        desk,
        &w.rig,
        &[
            ("AWS_ENDPOINT_URL_SSO_OIDC", sso.as_str()),
            ("AWS_ENDPOINT_URL_SSO", sso.as_str()),
            ("BROWSER", browser.as_str()),
        ],
    );
    (tray, log)
}

/// The URLs the BROWSER script was given.
fn opened(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Panics unless the browser ran exactly once, on the OIDC service's /authorize page.
#[track_caller]
fn assert_one_authorize(log: &Path) {
    let urls = opened(log);
    assert_eq!(urls.len(), 1, "the browser ran {} times: {urls:?}", urls.len());
    assert!(
        urls[0].starts_with(&format!("{}/authorize?", sso_url())),
        "the browser was given {:?}",
        urls[0]
    );
}

/// The Save button's brightness in `shot` (0 black to 1 white): the box right of the Cancel
/// button. Cancel is read with a threshold (dark text on grey, which the plain read misses; at
/// 35% both buttons' backgrounds turn white). Disabled, Save is a pale lavender (~0.7);
/// enabled, the primary blue with white text (~0.5). Tesseract reads neither Save label.
#[track_caller]
fn save_button_brightness(desk: &Desktop, shot: &Path, form: &Win) -> f64 {
    let read = ocr::read_filtered(shot, form, &["-threshold", "35%"]);
    let cancel = read
        .iter()
        .find(|l| l.has("Cancel"))
        .unwrap_or_else(|| panic!("no Cancel button in {}:\n{}", shot.display(), ocr::show(&read)));
    // Cancel's text ends ~10 px before its button does; Save's button is ~150 px wide.
    let crop = format!("100x{}+{}+{}", cancel.h.max(8), cancel.x + cancel.w + 30, cancel.y);
    let out = desk
        .cmd("convert")
        .arg(shot)
        .args([
            "-crop",
            &crop,
            "+repage",
            "-colorspace",
            "Gray",
            "-format",
            "%[fx:mean]",
            "info:",
        ])
        .output()
        .expect("run convert");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("convert gave no mean for {crop} of {} ({e})", shot.display()))
}

/// Whether the menu line of `alias` also names `profile` and shows it inactive (`○ alias — profile`).
fn inactive_line(menu: &Menu, alias: &str, profile: &str) -> bool {
    menu.find(alias).is_some_and(|l| l.has(profile) && !l.has("left"))
}

#[test]
fn the_add_connection_form_by_keyboard_signs_in_and_lists_the_sessions() {
    let Some(desk) = Desktop::start("sso-form") else {
        return;
    };
    let w = world(DEV, &["Admin", "ReadOnly"]);
    let (tray, browser_log) = tray_for(&desk, &w);

    let menu = tray.choose("1-menu", "Add SSO connection");
    let form = desk
        .wait_app_window(TITLE, 10.0)
        .unwrap_or_else(|| panic!("no {TITLE:?} window\nmenu:\n{}\n{}", menu.show(), tray.log()));
    fill_in_with_a_bad_url_then_a_good_one(&desk, &form, &w, &browser_log);

    let saved_at = Instant::now();
    desk.key(&["Return"]);
    assert!(
        desk.wait_window_gone(TITLE, 10.0),
        "Enter on the valid form did not close it\n{}",
        tray.log()
    );
    desk.screenshot("5-closed");
    assert_signed_in_and_synced(&tray, &w, &browser_log, saved_at);
}

/// The empty form, a start URL without its scheme (refused, also by Enter), then the right
/// one (Save turns on); left valid and open.
fn fill_in_with_a_bad_url_then_a_good_one(desk: &Desktop, form: &Win, w: &Sso, browser_log: &Path) {
    let (shot, read) = desk.read_until("2-form", form, 10.0, |l| {
        l.iter().any(|l| l.has("Region of its sessions"))
    });
    for label in [
        "Connection name",
        "Start URL",
        "Identity Center region",
        "Region of its sessions",
    ] {
        assert!(
            read.iter().any(|l| l.has(label)),
            "the form shows no {label:?}:\n{}",
            ocr::show(&read)
        );
    }
    assert!(
        read.iter().any(|l| l.has("us-east-1")),
        "the SSO region is not preset to the settings' default (us-east-1):\n{}",
        ocr::show(&read)
    );
    let empty = save_button_brightness(desk, &shot, form);
    assert!(empty > DISABLED, "Save looks enabled on the empty form ({empty:.2})");

    // Name (focused on open), then a start URL without its scheme.
    desk.focus(form);
    desk.type_text(&w.conn);
    desk.key(&["Tab"]);
    let bad_url = w.tenant.start_url.trim_start_matches("http://").to_owned();
    desk.type_text(&bad_url);
    let (shot, read) = desk.read_until("3-bad-url", form, 10.0, |l| l.iter().any(|l| l.has("not valid")));
    assert!(
        read.iter().any(|l| l.has("not valid")),
        "no validation message under the start URL {bad_url:?}:\n{}",
        ocr::show(&read)
    );
    let bad = save_button_brightness(desk, &shot, form);
    assert!(bad > DISABLED, "Save looks enabled with a bad start URL ({bad:.2})");
    // Enter on an invalid form saves nothing and leaves it open.
    desk.key(&["Return"]);
    // Watched for a while: neither closed nor saved.
    let acted = wait_for(1.5, || {
        let closed = desk.wait_app_window(TITLE, 0.0).is_none();
        (closed || !w.connections().is_empty()).then_some(closed)
    });
    assert_ne!(acted, Some(true), "Enter on an invalid form closed it");
    assert!(
        w.connections().is_empty(),
        "an invalid form added a connection: {:?}",
        w.connections()
    );
    assert!(opened(browser_log).is_empty(), "the browser opened for an invalid form");

    // The right URL: the message goes away.
    desk.key(&["ctrl+a"]);
    desk.type_text(&w.tenant.start_url);
    // Both start URL messages gone: a look while the URL is still being typed ("http://127.0.0")
    // shows the other one ("is not https").
    let wrong = |l: &[Line]| l.iter().any(|l| l.has("not valid") || l.has("not https"));
    let (shot, read) = desk.read_until("4-fixed", form, 10.0, |l| !wrong(l));
    assert!(
        !wrong(&read),
        "a validation message stays after the start URL was fixed:\n{}",
        ocr::show(&read)
    );
    let fixed = save_button_brightness(desk, &shot, form);
    assert!(
        fixed < DISABLED,
        "Save still looks disabled on the valid form ({fixed:.2}; before: {bad:.2})"
    );
}

/// After the save: one browser sign-in, then the sync, the sessions in the menu and the state.
fn assert_signed_in_and_synced(tray: &TrayApp<'_>, w: &Sso, browser_log: &Path, saved_at: Instant) {
    // Sign-in in the browser, then the sync: the two sessions in the menu within ~15 s.
    let synced = wait_for(15.0, || (w.sessions().len() == 2).then_some(()));
    assert!(
        synced.is_some(),
        "no two sessions 15 s after saving (sessions: {:?}, browser: {:?})\n{}",
        w.sessions(),
        opened(browser_log),
        tray.log()
    );
    let mut last = None;
    let menu = wait_for(10.0, || {
        let menu = tray.open_menu("6-menu-synced");
        if inactive_line(&menu, "Dev/Admin", "Dev-Admin") && inactive_line(&menu, "Dev/ReadOnly", "Dev-ReadOnly") {
            return Some(menu);
        }
        tray.close_menu();
        last = Some(menu.show());
        None
    })
    .unwrap_or_else(|| {
        panic!(
            "the menu does not list both sessions; last read:\n{}",
            last.unwrap_or_default()
        )
    });
    let took = saved_at.elapsed();
    assert!(
        took.as_secs_f64() < 20.0,
        "the sessions took {took:?} to show in the menu"
    );
    assert!(
        menu.find("Add SSO connection").is_some(),
        "the menu lost its actions:\n{}",
        menu.show()
    );
    tray.close_menu();

    let c = w.connection();
    assert_eq!(c["signed_in"], true, "{c}");
    assert_eq!(c["sessions"], 2, "{c}");
    assert_eq!(c["start_url"], w.tenant.start_url.as_str(), "{c}");
    assert_eq!(c["region"], "us-east-1", "{c}");
    for (alias, role) in [("Dev/Admin", "Admin"), ("Dev/ReadOnly", "ReadOnly")] {
        let s = w.session(alias);
        assert_eq!(s["kind"], "aws-sso", "{s}");
        assert_eq!(s["account_id"], DEV, "{s}");
        assert_eq!(s["role_name"], role, "{s}");
        assert_eq!(s["status"], "inactive", "{s}");
    }
    assert_one_authorize(browser_log);
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(tokens_issued(&stats, "authorization_code"), 1, "{stats}");
    wait_notification(10.0, "that the connection synced", |n| {
        n.summary.contains(&w.conn) && n.summary.contains("synced")
    });
}

#[test]
fn a_click_on_a_session_of_a_signed_out_connection_signs_in_and_starts_it() {
    let Some(desk) = Desktop::start("sso-sign-in-click") else {
        return;
    };
    let w = world(DEV, &["Admin", "ReadOnly"]);
    // Added, signed in (device code), synced and signed out again, all by the CLI.
    w.ready();
    w.keyhop(&["sso", "logout", &w.conn]).ok();
    assert_eq!(w.connection()["signed_in"], false);
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(stat(&stats, "logouts"), 1, "{stats}");
    let (tray, browser_log) = tray_for(&desk, &w);

    let menu = tray.open_menu("1-menu-signed-out");
    assert!(
        inactive_line(&menu, "Dev/Admin", "Dev-Admin") && menu.line("Dev/Admin").has("sign-in needed"),
        "no ⚠ sign-in needed on the Dev/Admin line of a signed-out connection:\n{}",
        menu.show()
    );
    menu.click(&tray, "Dev/Admin");

    let started = wait_for(30.0, || (w.session("Dev/Admin")["status"] == "active").then_some(()));
    assert!(
        started.is_some(),
        "a click on Dev/Admin did not sign in and start it (browser: {:?})\n{}",
        opened(&browser_log),
        tray.log()
    );
    assert_one_authorize(&browser_log);
    desk.screenshot("2-after-click");

    let mut last = String::new();
    let menu = wait_for(10.0, || {
        let menu = tray.open_menu("3-menu-active");
        if menu.find("Dev/Admin").is_some() && menu.is_active("Dev/Admin") {
            return Some(menu);
        }
        last = menu.show();
        tray.close_menu();
        None
    })
    .unwrap_or_else(|| panic!("the menu does not show Dev/Admin active; last read:\n{last}"));
    assert!(
        menu.line("Dev/Admin").has("Dev-Admin"),
        "the active line does not name the profile:\n{}",
        menu.show()
    );
    assert!(
        inactive_line(&menu, "Dev/ReadOnly", "Dev-ReadOnly") && !menu.line("Dev/ReadOnly").has("sign-in"),
        "Dev/ReadOnly is not shown inactive (and signed in):\n{}",
        menu.show()
    );
    tray.close_menu();

    assert_eq!(w.rig.caller_arn("Dev-Admin"), w.arn(DEV, "Admin"));
    assert_eq!(w.session("Dev/ReadOnly")["status"], "inactive");
    assert_eq!(w.connection()["signed_in"], true);
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 2, "{stats}");
    assert_eq!(tokens_issued(&stats, "authorization_code"), 1, "{stats}");
    assert_eq!(stat(&stats, "role_credentials"), 1, "{stats}");
}
