//! The README's screenshots, and a look at every other window in the dark theme, from the real
//! app under Xvfb. README's: the tray menu, the session list and the add form, in the light and
//! the dark theme. Each is cropped to its window and saved as
//! `target/screenshots/readme-<screen>-<theme>.png`; with `KEYHOP_README_SHOTS=1` also as
//! `docs/screenshots/<screen>-<theme>.png`, the files README shows. The test checks what it
//! shows: the sessions in the menu and the list, the form's fields, each theme's background.

use std::path::{Path, PathBuf};

use crate::common;
use crate::desktop;
use crate::desktop_list::page_colour;

use common::*;
use desktop::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/Admin";

#[test]
fn readme_screenshots_light() {
    screenshots("light");
}

#[test]
fn readme_screenshots_dark() {
    screenshots("dark");
}

fn screenshots(theme: &str) {
    let Some(desk) = Desktop::start(&format!("readme-{theme}")) else {
        return;
    };
    let dark = theme == "dark";
    let rig = Rig::new();
    let keys = moto_user(&unique("readme"));
    rig.add_user("acme-dev", "dev", &keys, &[]).ok();
    rig.add_chained("acme-admin", "admin", ROLE, "alice", "acme-dev").ok();
    rig.add_user("sandbox", "sandbox", &keys, &[]).ok();
    rig.start("acme-dev").ok();
    // The menu is GTK's: a dark desktop's GTK theme draws it dark.
    let env = [
        ("KEYHOP_THEME", theme),
        ("GTK_THEME", if dark { "Adwaita:dark" } else { "Adwaita" }),
    ];
    let tray = TrayApp::start_with_env(&desk, &rig, &env);

    let menu = tray.open_menu("1-menu");
    assert!(
        menu.is_active("acme-dev"),
        "acme-dev is not active in the menu:\n{}",
        menu.show()
    );
    menu.line("acme-admin");
    check_background(&menu.shot, &menu.win, dark, "the tray menu");
    save(&menu.shot, &menu.win, "tray-menu", theme);
    tray.close_menu();

    let mut again = keyhop_cmd(&desk, &rig, &["tray"]);
    again.envs(env);
    assert!(again.output().expect("run a second keyhop tray").status.success());
    let list = desk
        .wait_app_window("keyhop", 10.0)
        .unwrap_or_else(|| panic!("no session list window\n{}", tray.log()));
    let (shot, lines) = desk.read_until("2-list", &list, 20.0, |l| {
        ["acme-dev", "acme-admin", "sandbox"]
            .iter()
            .all(|a| l.iter().any(|l| l.has(a)))
    });
    for alias in ["acme-dev", "acme-admin", "sandbox"] {
        assert!(
            lines.iter().any(|l| l.has(alias)),
            "the list shows no {alias}:\n{}",
            ocr::show(&lines)
        );
    }
    check_background(&shot, &list, dark, "the list");
    save(&shot, &list, "list", theme);
    desk.xdotool(&["windowclose", &list.id]);

    tray.choose("3-menu", "Add session");
    let form = desk
        .wait_app_window("keyhop - Add session", 20.0)
        .unwrap_or_else(|| panic!("no add form\n{}", tray.log()));
    desk.read_until("4-kinds", &form, 30.0, |l| l.iter().any(|l| l.has("want to add")));
    desk.focus(&form);
    desk.key(&["Return"]);
    let (shot, lines) = desk.read_until("5-form", &form, 30.0, |l| l.iter().any(|l| l.has("Secret access key")));
    assert!(
        lines.iter().any(|l| l.has("Secret access key")),
        "the IAM user form does not show:\n{}",
        ocr::show(&lines)
    );
    check_background(&shot, &form, dark, "the add form");
    save(&shot, &form, "add-form", theme);
}

/// The window's background in `shot` is dark (all channels under 0.25) or light (over 0.85).
#[track_caller]
/// Waits (≤ `secs`) until `w` shows `needle`, then asserts that it does and that its
/// background is dark.
fn shows_dark(desk: &Desktop, step: &str, w: &Win, needle: &str, secs: f64, what: &str) {
    let has = |l: &[Line]| l.iter().any(|l| l.has(needle));
    let (shot, read) = desk.read_until(step, w, secs, has);
    assert!(has(&read), "{what} shows no {needle:?}:\n{}", ocr::show(&read));
    check_background(&shot, w, true, what);
}

fn check_background(shot: &Path, w: &Win, dark: bool, what: &str) {
    let [r, g, b] = page_colour(shot, w);
    let ok = if dark {
        r.max(g).max(b) < 0.25
    } else {
        r.min(g).min(b) > 0.85
    };
    let theme = if dark { "dark" } else { "light" };
    assert!(ok, "{what} is not {theme}: its background is ({r:.2}, {g:.2}, {b:.2})");
}

/// Crops `w` out of `shot` into `readme-<name>-<theme>.png` (and into docs/screenshots/).
fn save(shot: &Path, w: &Win, name: &str, theme: &str) {
    let out = screenshot_dir().join(format!("readme-{name}-{theme}.png"));
    let crop = format!("{}x{}+{}+{}", w.w, w.h, w.x, w.y);
    let ok = std::process::Command::new("convert")
        .arg(shot)
        .args([
            "-crop",
            &crop,
            "+repage",
            "-strip",
            "-define",
            "png:compression-level=9",
        ])
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "convert could not crop {}", shot.display());
    // Smaller still where optipng is installed (the rig does not need it).
    let _ = std::process::Command::new("optipng")
        .args(["-quiet", "-o2"])
        .arg(&out)
        .status();
    if std::env::var_os("KEYHOP_README_SHOTS").is_some() {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&docs).expect("create docs/screenshots");
        std::fs::copy(&out, docs.join(format!("{name}-{theme}.png"))).expect("copy into docs/screenshots");
    }
}

/// Every form, Settings, the MFA popup and the list's context menu in the dark theme: each paints dark and
/// leaves its screenshot (`target/screenshots/dark-*.png`) for a person to look at.
#[test]
fn the_forms_settings_the_mfa_popup_and_the_context_menu_paint_dark() {
    let Some(desk) = Desktop::start("dark") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("dark"));
    rig.add_user("acme-dev", "dev", &keys, &[]).ok();
    let mfa_keys = moto_user(&unique("darkmfa"));
    rig.add_user(
        "acme-mfa",
        "mfa",
        &mfa_keys,
        &["--mfa-device", "arn:aws:iam::123456789012:mfa/dora"],
    )
    .ok();
    let env = [("KEYHOP_THEME", "dark"), ("GTK_THEME", "Adwaita:dark")];
    let tray = TrayApp::start_with_env(&desk, &rig, &env);
    let has = |l: &[Line], s: &str| l.iter().any(|l| l.has(s));

    every_form_dark(&desk, &tray);

    tray.choose("6-menu", "Settings");
    let settings = desk
        .wait_app_window("keyhop - Settings", 20.0)
        .unwrap_or_else(|| panic!("no Settings window\n{}", tray.log()));
    shows_dark(&desk, "7-settings", &settings, "Appearance", 30.0, "Settings");
    desk.xdotool(&["windowclose", &settings.id]);

    // A click on an MFA session with no token: the code popup.
    tray.choose("7b-menu", "acme-mfa");
    let popup = desk
        .wait_app_window("keyhop - MFA code for acme-mfa", 20.0)
        .unwrap_or_else(|| panic!("no MFA popup\n{}", tray.log()));
    shows_dark(&desk, "7c-mfa-popup", &popup, "mfa/dora", 30.0, "the MFA popup");
    desk.xdotool(&["windowclose", &popup.id]);

    let mut again = keyhop_cmd(&desk, &rig, &["tray"]);
    again.envs(env);
    assert!(again.output().expect("run a second keyhop tray").status.success());
    let list = desk
        .wait_app_window("keyhop", 10.0)
        .unwrap_or_else(|| panic!("no session list window\n{}", tray.log()));
    let (_, read) = desk.read_until("8-list", &list, 20.0, |l| has(l, "acme-dev"));
    let row = read
        .iter()
        .find(|l| l.has("acme-dev"))
        .unwrap_or_else(|| panic!("the list shows no acme-dev:\n{}", ocr::show(&read)));
    // "⋯" ends the row, 62 px from the window's right edge (OCR does not read it).
    desk.click(list.x + list.w - 62, row.center().1);
    // Read in the middle, where the menu opens: over the dimmed list, tesseract's page layout
    // skips the panel.
    let middle = Win {
        x: list.x + list.w / 4,
        y: list.y + list.h / 4,
        w: list.w / 2,
        h: list.h / 2,
        ..list.clone()
    };
    let (shot, read) = desk.read_until("9-context-menu", &middle, 20.0, |l| has(l, "Copy export lines"));
    assert!(
        has(&read, "Copy export lines"),
        "no context menu:\n{}",
        ocr::show(&read)
    );
    check_background(&shot, &list, true, "the list under its context menu");
}

/// The kinds, each add form and the Assumer's open list, dark (steps 1 to 5).
fn every_form_dark(desk: &Desktop, tray: &TrayApp) {
    let has = |l: &[Line], s: &str| l.iter().any(|l| l.has(s));
    tray.choose("1-menu", "Add session");
    let form = desk
        .wait_app_window("keyhop - Add session", 20.0)
        .unwrap_or_else(|| panic!("no add form\n{}", tray.log()));
    let (shot, _) = desk.read_until("2-kinds", &form, 30.0, |l| has(l, "want to add"));
    check_background(&shot, &form, true, "the kinds");
    for (kind, step, shows) in [
        ("Role chained", "3-chained", "Assumer session"),
        ("IAM Identity Center", "4-sso", "Start URL"),
        ("SAML federated", "5-saml", "SAML provider ARN"),
    ] {
        desk.click_text(&format!("{step}-pick"), &form, kind, 20.0);
        shows_dark(desk, step, &form, shows, 30.0, kind);
        if kind == "Role chained" {
            // The Assumer's list open: a panel in the theme.
            desk.click_text("3-assumer", &form, "choose a session", 20.0);
            shows_dark(desk, "3-assumer-open", &form, "acme-dev", 20.0, "the open Assumer list");
            desk.click_text("3-assumer-pick", &form, "acme-dev", 20.0);
        }
        desk.click_text(&format!("{step}-back"), &form, "Back", 20.0);
        desk.read_until(&format!("{step}-kinds"), &form, 20.0, |l| has(l, "want to add"));
    }
    desk.xdotool(&["windowclose", &form.id]);
}
