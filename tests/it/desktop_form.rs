//! The add-session form, driven by the keyboard only: the first field has the focus, Tab moves
//! on, Enter saves when the form is valid, Escape closes without adding anything.

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;

const TITLE: &str = "keyhop - Add session";

#[test]
#[ignore = "flaky in full runs since the app's typed-parts merge: a Tab is sometimes lost and the \
            next field's text lands in the previous one (issue 16 stays open on it); run with \
            `cargo xtask test --test it -- --ignored desktop_form::`"]
fn a_session_added_by_keyboard_is_saved_with_its_keys_in_the_keyring() {
    let Some(desk) = Desktop::start("add-form") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("trayform"));
    let tray = TrayApp::start(&desk, &rig);

    let menu = tray.choose("1-menu", "Add session");
    let form = desk
        .wait_app_window(TITLE, 10.0)
        .unwrap_or_else(|| panic!("no {TITLE:?} window\nmenu:\n{}\n{}", menu.show(), tray.log()));
    let (_, read) = desk.read_until("2-form", &form, 10.0, |l| l.iter().any(|l| l.has("Secret access key")));
    let text = ocr::show(&read);
    for label in [
        "Session alias",
        "Named profile",
        "Region",
        "Access key",
        "Secret access key",
    ] {
        assert!(
            read.iter().any(|l| l.has(label)),
            "the form shows no {label:?}:\n{text}"
        );
    }

    let alias = ocr_alias("typed");
    desk.focus(&form);
    // Alias (focused on open), profile, region (preset: replace it), MFA device (left empty),
    // access key id, secret access key.
    desk.type_text(&alias);
    desk.key(&["Tab"]);
    desk.type_text("typed-profile");
    desk.key(&["Tab", "ctrl+a"]);
    desk.type_text("eu-central-1");
    desk.key(&["Tab", "Tab"]);
    desk.type_text(&keys.id);
    desk.key(&["Tab"]);
    desk.type_text(&keys.secret);
    // Drawn once the secret field shows its masked characters.
    let (_, read) = desk.read_until("3-filled", &form, 10.0, secret_drawn);
    assert!(
        !read.iter().any(|l| l.text.contains(&keys.secret)),
        "the secret access key is readable on screen"
    );
    desk.key(&["Return"]);

    let saved = wait_for(10.0, || rig.list().into_iter().find(|s| s["alias"] == alias.as_str()));
    let s = saved.unwrap_or_else(|| {
        panic!(
            "Enter did not add {alias}; the form read:\n{}\n{}",
            ocr::show(&read),
            tray.log()
        )
    });
    assert_eq!(s["kind"], "iam-user", "{s}");
    assert_eq!(s["profile"], "typed-profile", "{s}");
    assert_eq!(s["region"], "eu-central-1", "{s}");
    assert!(s["mfa_device"].is_null() || s["mfa_device"] == "", "{s}");
    let id = s["id"].as_str().expect("session id").to_owned();
    let items = keyring_items();
    assert!(items.contains(&id), "no keyring item of {id}:\n{items}");
    assert!(
        items.contains(&keys.secret),
        "the keyring item does not hold the secret"
    );
    assert_no_secret(&rig.state_text(), &[&keys.secret], "state.json");
    assert!(desk.wait_window_gone(TITLE, 5.0), "the form stayed open after saving");
    desk.screenshot("4-saved");

    // What was typed works: the session starts and the profile answers.
    rig.start(&alias).ok();
    assert!(rig.caller_arn("typed-profile").contains("123456789012"));
}

#[test]
fn escape_closes_the_form_without_adding_anything() {
    let Some(desk) = Desktop::start("add-form-escape") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("trayesc"));
    let existing = ocr_alias("kept");
    rig.add_user(&existing, "kept", &keys, &[]).ok();
    let before = rig.snapshot();
    let tray = TrayApp::start(&desk, &rig);

    tray.choose("1-menu", "Add session");
    let form = desk.wait_app_window(TITLE, 10.0).expect("the add form opens");
    desk.focus(&form);
    desk.type_text(&ocr_alias("dropped"));
    desk.key(&["Tab"]);
    desk.type_text("dropped-profile");
    desk.screenshot("2-typed");
    desk.key(&["Escape"]);
    assert!(desk.wait_window_gone(TITLE, 5.0), "Escape did not close the form");
    desk.screenshot("3-closed");
    // Nothing is saved later either.
    let added = wait_for(1.0, || (rig.list().len() != 1).then_some(()));
    assert!(added.is_none(), "a session was added after Escape");
    rig.assert_unchanged(&before, "Escape on the add form");
    assert!(tray_alive(tray), "the tray exited when the form closed");
}

/// Whether the line under "Secret access key" holds the 40 masked characters (OCR reads the
/// dots as letters; at least half of them).
fn secret_drawn(lines: &[Line]) -> bool {
    lines
        .windows(2)
        .any(|p| p[0].has("Secret access key") && p[1].text.trim().chars().count() >= 20)
}

fn tray_alive(mut tray: TrayApp<'_>) -> bool {
    tray.alive()
}
