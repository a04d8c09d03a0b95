//! The tray on a headless desktop: its menu lists the sessions, a click starts and stops one,
//! and a change made with the command line shows in the menu.

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/TrayAdmin";

/// An IAM user (moto keys), a role chained from it and a second plain user.
fn sessions(rig: &Rig, tag: &str) -> (String, String, String) {
    let keys = moto_user(&unique(tag));
    let (user, admin, other) = (ocr_alias("user"), ocr_alias("admin"), ocr_alias("other"));
    rig.add_user(&user, "tray-dev", &keys, &[]).ok();
    rig.add_chained(&admin, "tray-admin", ROLE, "carol", &user).ok();
    rig.add_user(&other, "tray-other", &keys, &[]).ok();
    (user, admin, other)
}

fn status(rig: &Rig, alias: &str) -> String {
    rig.session(alias)["status"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn menu_lists_sessions_and_a_click_starts_and_stops_a_chained_role() {
    let Some(desk) = Desktop::start("tray-menu") else {
        return;
    };
    let rig = Rig::new();
    let (user, admin, other) = sessions(&rig, "traymenu");
    let tray = TrayApp::start(&desk, &rig);

    let menu = tray.open_menu("1-menu");
    for alias in [&user, &admin, &other] {
        assert!(
            !menu.is_active(alias),
            "{alias} shows active before any start:\n{}",
            menu.show()
        );
    }
    for item in ["Add session", "Open keyhop", "Settings", "Quit keyhop"] {
        menu.line(item);
    }
    // Sessions come before the actions.
    assert!(menu.line(&admin).y < menu.line("Add session").y, "{}", menu.show());

    menu.click(&tray, &admin);
    let started = wait_for(15.0, || (status(&rig, &admin) == "active").then_some(()));
    assert!(started.is_some(), "a click on {admin} did not start it\n{}", tray.log());
    let arn = rig.caller_arn("tray-admin");
    assert!(
        arn.contains("assumed-role/TrayAdmin/carol"),
        "tray-admin profile is {arn}"
    );
    assert!(
        ini_section(&rig.credentials(), "tray-dev").is_none(),
        "starting the role wrote its assumer's profile:\n{}",
        rig.credentials()
    );

    let menu = tray.open_menu("2-active");
    assert!(
        menu.is_active(&admin),
        "{admin} not shown active (● … left):\n{}",
        menu.show()
    );
    assert!(!menu.is_active(&user), "{user} shown active:\n{}", menu.show());
    // Active sessions are listed first.
    assert!(menu.line(&admin).y < menu.line(&user).y, "{}", menu.show());

    menu.click(&tray, &admin);
    let stopped = wait_for(15.0, || (status(&rig, &admin) == "inactive").then_some(()));
    assert!(
        stopped.is_some(),
        "a second click on {admin} did not stop it\n{}",
        tray.log()
    );
    assert!(
        ini_section(&rig.credentials(), "tray-admin").is_none(),
        "the profile is still there after the stop:\n{}",
        rig.credentials()
    );
    assert!(
        !rig.caller_identity("tray-admin").success(),
        "the stopped profile still works"
    );

    let menu = tray.open_menu("3-stopped");
    assert!(
        !menu.is_active(&admin),
        "{admin} still shown active after the stop:\n{}",
        menu.show()
    );
    tray.close_menu();
}

#[test]
fn a_start_and_stop_from_the_command_line_show_in_the_menu_within_two_seconds() {
    let Some(desk) = Desktop::start("tray-cli") else {
        return;
    };
    let rig = Rig::new();
    let (user, admin, _) = sessions(&rig, "traycli");
    let tray = TrayApp::start(&desk, &rig);
    let menu = tray.open_menu("1-before");
    assert!(!menu.is_active(&user), "{}", menu.show());
    tray.close_menu();

    rig.start(&user).ok();
    let started = std::time::Instant::now();
    // The menu shown 1.5 s after the command is what the tray had by then.
    sleep(1.5);
    let menu = tray.open_menu("2-after-cli-start");
    assert!(
        menu.is_active(&user),
        "{user} started from the CLI is not active in the menu {:.1} s later:\n{}\n{}",
        started.elapsed().as_secs_f64(),
        menu.show(),
        tray.log()
    );
    assert!(!menu.is_active(&admin), "{}", menu.show());
    tray.close_menu();

    rig.stop(&user).ok();
    sleep(1.5);
    let menu = tray.open_menu("3-after-cli-stop");
    assert!(
        !menu.is_active(&user),
        "{user} stopped from the CLI still shows active:\n{}",
        menu.show()
    );
    tray.close_menu();
}
