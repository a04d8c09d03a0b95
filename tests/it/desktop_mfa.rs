//! The MFA popup: a click on an MFA session without a cached token asks for the code in a small
//! window; six digits typed there start the session.

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;

const DEVICE: &str = "arn:aws:iam::123456789012:mfa/dora";

#[test]
fn a_click_on_an_mfa_session_opens_the_popup_and_the_typed_code_starts_it() {
    let Some(desk) = Desktop::start("mfa-popup") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("traymfa"));
    let alias = ocr_alias("mfa");
    rig.add_user(&alias, "tray-mfa", &keys, &["--mfa-device", DEVICE]).ok();
    let tray = TrayApp::start(&desk, &rig);

    tray.choose("1-menu", &alias);
    let title = format!("keyhop - MFA code for {alias}");
    let popup = desk
        .wait_app_window(&title, 10.0)
        .unwrap_or_else(|| panic!("no window titled {title:?} after a click on {alias}\n{}", tray.log()));
    let (_, text) = desk.read_until("2-popup", &popup, 10.0, |l| ocr::shows_near(l, &alias));
    let all = ocr::show(&text);
    assert!(
        ocr::shows_near(&text, &alias),
        "the popup does not name {alias}:\n{all}"
    );
    assert!(
        text.iter().any(|l| l.has("mfa/dora")),
        "the popup does not name the device:\n{all}"
    );
    assert_eq!(
        rig.session(&alias)["status"],
        "inactive",
        "started before the code was typed"
    );
    assert!(ini_section(&rig.credentials(), "tray-mfa").is_none());

    // The code field has the focus when the popup opens; the sixth digit submits.
    desk.focus(&popup);
    desk.type_text("123456");
    let started = wait_for(15.0, || (rig.session(&alias)["status"] == "active").then_some(()));
    assert!(
        started.is_some(),
        "the typed code did not start {alias}\n{}",
        tray.log()
    );
    assert!(rig.caller_arn("tray-mfa").contains("123456789012"));
    assert!(
        desk.wait_window_gone(&title, 5.0),
        "the popup stayed open after a good code"
    );
    desk.screenshot("3-after-code");

    // The token is cached now: a stop and a start from the menu need no code.
    tray.choose("4-menu-active", &alias);
    let stopped = wait_for(15.0, || (rig.session(&alias)["status"] == "inactive").then_some(()));
    assert!(
        stopped.is_some(),
        "a click on the active {alias} did not stop it\n{}",
        tray.log()
    );
    tray.choose("5-menu-restart", &alias);
    let restarted = wait_for(15.0, || (rig.session(&alias)["status"] == "active").then_some(()));
    assert!(
        restarted.is_some(),
        "a restart with a cached token did not happen\n{}",
        tray.log()
    );
    assert!(
        desk.find_windows("MFA code for").is_empty(),
        "a restart with a cached token asked for a code again"
    );
}
