//! Notifications of the tray, as the run's dunst received them: an MFA code needed soon, and
//! quitting with active sessions (kept: a "keyhop quit" notice; stopped: the profile is gone).

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;

const DEVICE: &str = "arn:aws:iam::123456789012:mfa/erin";

fn write_settings(rig: &Rig, json: &str) {
    std::fs::write(rig.keyhop_home.join("settings.json"), json).expect("write settings.json");
}

#[test]
fn an_mfa_session_that_expires_within_the_lead_time_notifies_right_away() {
    let Some(desk) = Desktop::start("notify-mfa-soon") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("traynotify"));
    let alias = ocr_alias("soon");
    rig.add_user(&alias, "soon", &keys, &["--mfa-device", DEVICE, "--duration", "900"])
        .ok();
    // Warn 2 h ahead: a 15-minute session is inside that from its first second.
    write_settings(&rig, r#"{"notify_lead_minutes": 120}"#);
    let tray = TrayApp::start(&desk, &rig);

    rig.keyhop(&["session", "start", &alias, "--mfa-code", "123456"]).ok();
    let n = wait_notification(10.0, &format!("about {alias}"), |n| n.summary.contains(&alias));
    assert_eq!(n.appname, "keyhop", "{n:?}");
    assert!(n.summary.contains("MFA code needed"), "{n:?}");
    assert!(n.body.contains("expire"), "{n:?}");

    // The menu flags the session too, and a click on it asks for the code.
    let menu = tray.open_menu("1-menu-attention");
    let line = menu.line(&alias);
    assert!(
        line.has("MFA code needed"),
        "the menu line does not ask for a code: {:?}\n{}",
        line.text,
        menu.show()
    );
    menu.click(&tray, &alias);
    let popup = desk.wait_app_window(&format!("keyhop - MFA code for {alias}"), 10.0);
    desk.screenshot("2-popup-from-attention");
    assert!(
        popup.is_some(),
        "a click on a session that needs a code opened no popup\n{}",
        tray.log()
    );
}

#[test]
fn quitting_with_an_active_session_notifies_or_stops_it_as_the_settings_say() {
    let Some(desk) = Desktop::start("notify-quit") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("trayquit"));
    let alias = ocr_alias("quit");
    rig.add_user(&alias, "quitter", &keys, &[]).ok();

    // Kept on quit: the profile stays and a notification says so.
    write_settings(&rig, r#"{"stop_all_on_quit": false}"#);
    rig.start(&alias).ok();
    let seen: Vec<i64> = notifications().iter().map(|n| n.id).collect();
    let mut tray = TrayApp::start(&desk, &rig);
    tray.choose("1-menu-quit-keep", "Quit keyhop");
    let status = tray.wait_exit(10.0);
    assert!(
        status.is_some_and(|s| s.success()),
        "Quit did not end the tray ({status:?})\n{}",
        tray.log()
    );
    let n = wait_notification(10.0, "\"keyhop quit\"", |n| {
        !seen.contains(&n.id) && n.summary == "keyhop quit"
    });
    assert!(n.body.contains("1 session"), "{n:?}");
    assert!(
        rig.caller_arn("quitter").contains("123456789012"),
        "the kept profile stopped working"
    );
    assert_eq!(rig.session(&alias)["status"], "active");
    drop(tray);

    // Stopped on quit: the profile is removed before the tray exits, and no notice is needed.
    write_settings(&rig, r#"{"stop_all_on_quit": true}"#);
    let seen: Vec<i64> = notifications().iter().map(|n| n.id).collect();
    let mut tray = TrayApp::start(&desk, &rig);
    tray.choose("2-menu-quit-stop", "Quit keyhop");
    let status = tray.wait_exit(15.0);
    assert!(
        status.is_some_and(|s| s.success()),
        "Quit did not end the tray ({status:?})\n{}",
        tray.log()
    );
    assert_eq!(
        rig.session(&alias)["status"],
        "inactive",
        "stop_all_on_quit left the session active"
    );
    assert!(
        ini_section(&rig.credentials(), "quitter").is_none(),
        "the profile is still there after quitting with stop_all_on_quit:\n{}",
        rig.credentials()
    );
    sleep(1.0);
    let quit_notes: Vec<Notification> = notifications()
        .into_iter()
        .filter(|n| !seen.contains(&n.id) && n.summary == "keyhop quit")
        .collect();
    assert!(
        quit_notes.is_empty(),
        "quitting with stop_all_on_quit still said sessions stay: {quit_notes:?}"
    );
}
