//! The session list and settings windows open from the menu; a second `keyhop tray` exits and
//! makes the running one open its session list.

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;

/// A window that shows something: not one flat colour, and some text OCR can read.
#[track_caller]
fn assert_drawn(desk: &Desktop, shot: &std::path::Path, w: &Win) -> Vec<Line> {
    let spread = desk.spread(shot, w);
    assert!(
        spread > 0.01,
        "window {:?} is blank in {} (spread {spread})",
        w.name,
        shot.display()
    );
    let lines = ocr::read(shot, w);
    assert!(
        !lines.is_empty(),
        "no text in window {:?} in {}",
        w.name,
        shot.display()
    );
    lines
}

#[test]
fn the_session_list_and_settings_windows_open_from_the_menu() {
    let Some(desk) = Desktop::start("windows") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("traywin"));
    let alias = ocr_alias("listed");
    rig.add_user(&alias, "listed", &keys, &[]).ok();
    let tray = TrayApp::start(&desk, &rig);

    tray.choose("1-menu-open", "Open keyhop");
    let list = desk
        .wait_app_window("keyhop", 10.0)
        .unwrap_or_else(|| panic!("no session list window (title \"keyhop\")\n{}", tray.log()));
    let (shot, _) = desk.read_until("2-session-list", &list, 10.0, |l| l.iter().any(|l| l.has_near(&alias)));
    let lines = assert_drawn(&desk, &shot, &list);
    assert!(
        lines.iter().any(|l| l.has_near(&alias)),
        "the session list does not show {alias}:\n{}",
        ocr::show(&lines)
    );

    tray.choose("3-menu-settings", "Settings");
    let title = "keyhop - Settings";
    let settings = desk
        .wait_app_window(title, 10.0)
        .unwrap_or_else(|| panic!("no {title:?} window\n{}", tray.log()));
    let (shot, _) = desk.read_until("4-settings", &settings, 10.0, |l| l.iter().any(|l| l.has("Save")));
    let lines = assert_drawn(&desk, &shot, &settings);
    eprintln!("settings window reads:\n{}", ocr::show(&lines));

    // Escape closes the focused window; the tray stays.
    desk.focus(&settings);
    desk.key(&["Escape"]);
    assert!(
        desk.wait_window_gone(title, 5.0),
        "Escape did not close the settings window"
    );
    desk.screenshot("5-settings-closed");
    assert!(
        desk.wait_app_window("keyhop", 1.0).is_some(),
        "the session list closed too"
    );
}

#[test]
fn a_second_tray_exits_and_the_first_opens_its_session_list() {
    let Some(desk) = Desktop::start("single-instance") else {
        return;
    };
    let rig = Rig::new();
    let tray = TrayApp::start(&desk, &rig);
    assert!(
        desk.wait_app_window("keyhop", 0.5).is_none(),
        "a window is open before the second start"
    );

    let out = keyhop_cmd(&desk, &rig, &["tray"])
        .output()
        .expect("run a second keyhop tray");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("already running"),
        "second `keyhop tray`: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let list = desk.wait_app_window("keyhop", 10.0);
    let list = list.unwrap_or_else(|| {
        desk.screenshot("1-after-second-start");
        panic!("the running tray opened no session list\n{}", tray.log())
    });
    // Mapped is not drawn yet: the screen once the window shows something.
    let drawn = wait_for(10.0, || {
        let shot = desk.screenshot("1-after-second-start");
        (desk.spread(&shot, &list) > 0.01).then_some(shot)
    });
    let shot = drawn.unwrap_or_else(|| desk.screenshot("1-after-second-start"));
    assert_drawn(&desk, &shot, &list);

    // Asked again: still one list window (the open one is focused, not duplicated).
    let again = keyhop_cmd(&desk, &rig, &["tray"])
        .output()
        .expect("run a third keyhop tray");
    assert!(again.status.success());
    // Watched for a second: a second list window would show up by then.
    let lists = || -> Vec<Win> {
        desk.find_windows("^keyhop$")
            .into_iter()
            .filter(|w| w.w >= 100 && !desk.is_popup(w))
            .collect()
    };
    let second = wait_for(1.0, || Some(lists()).filter(|l| l.len() != 1));
    assert!(second.is_none(), "session list windows: {second:?}");
    desk.screenshot("2-after-third-start");
}
