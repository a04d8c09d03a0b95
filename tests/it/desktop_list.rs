//! The session list window, driven with xdotool and read back by OCR and pixels: the first-run
//! empty state, the context menu's actions (pin, copy, delete with its confirmation), the
//! keyboard (search, arrows, Enter, Delete, Escape), the filter chips, the dark theme, and
//! scale factor 2. Screenshots of each screen land in `target/screenshots/`.

use crate::common;
use crate::desktop;

use common::*;
use desktop::*;

/// The tray, then its session list opened the way a second `keyhop tray` opens it.
fn open_list<'d>(desk: &'d Desktop, rig: &Rig, env: &[(&str, &str)]) -> (TrayApp<'d>, Win) {
    let tray = TrayApp::start_with_env(desk, rig, env);
    let mut again = keyhop_cmd(desk, rig, &["tray"]);
    for (k, v) in env {
        again.env(k, v);
    }
    assert!(again.output().expect("run a second keyhop tray").status.success());
    let list = desk
        .wait_app_window("keyhop", 10.0)
        .unwrap_or_else(|| panic!("no session list window\n{}", tray.log()));
    look(desk, "0-opened", &list, |l| !l.is_empty());
    // winit takes keys only after it saw the window gain the focus: given at once, while the
    // window was mapped, that can go unseen. Away (to trayer's panel) and back makes one.
    if let Some(panel) = desk.find_windows("^panel$").into_iter().next() {
        desk.focus(&panel);
    }
    desk.focus(&list);
    (tray, list)
}

/// The window again, once its size settled (mapped, then resized to its scale).
fn settled(desk: &Desktop, w: &Win) -> Win {
    std::thread::sleep(std::time::Duration::from_millis(300));
    desk.window(&w.id).unwrap_or_else(|| w.clone())
}

/// Reads `w` until `ready` (≤ 40 s), the list holding the keyboard's focus. The time is long
/// because each look is slow on a loaded machine: under a load of 15 on 2 cores one OCR pass
/// took ~9 s and the debug build's first frames of the list several seconds, so the old 10 s
/// read once, before the frame of the keys it waited for (the tray had them: logged in order).
fn look(desk: &Desktop, step: &str, w: &Win, ready: impl Fn(&[Line]) -> bool) -> (std::path::PathBuf, Vec<Line>) {
    desk.xdotool(&["windowfocus", "--sync", &w.id]);
    desk.read_until(step, w, 40.0, ready)
}

fn has(lines: &[Line], needle: &str) -> bool {
    lines.iter().any(|l| l.has(needle))
}

/// The word `needle` on screen, by its own box (the lowest, if it shows more than once).
fn word(shot: &std::path::Path, w: &Win, needle: &str) -> Line {
    let words = ocr::read_words(shot, w, &[]);
    words
        .iter()
        .filter(|l| l.has(needle))
        .max_by_key(|l| l.y)
        .cloned()
        .unwrap_or_else(|| panic!("no {needle:?} on screen in {}:\n{}", shot.display(), ocr::show(&words)))
}

/// The mean colour of a few pixels of the page, bottom left (no row or card reaches there).
pub(crate) fn page_colour(shot: &std::path::Path, w: &Win) -> [f64; 3] {
    let crop = format!("6x6+{}+{}", w.x + 4, w.y + w.h - 10);
    let out = std::process::Command::new("convert")
        .arg(shot)
        .args([
            "-crop",
            &crop,
            "+repage",
            "-resize",
            "1x1!",
            "-format",
            "%[fx:r] %[fx:g] %[fx:b]",
            "info:",
        ])
        .output()
        .expect("run convert");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    assert_eq!(v.len(), 3, "convert said {text:?}");
    [v[0], v[1], v[2]]
}

/// The confirmation's red button below its "Enter confirms" hint, checked to say `Delete`. Its
/// white on red label does not show to a read of the window (the title's "Delete" does): it is
/// found by its fill, the theme's `danger` (`danger_hover` under the pointer; palette.rs), and
/// read alone, negated (dark text on a light grey) and thresholded.
fn danger_button(desk: &Desktop, shot: &std::path::Path, w: &Win, lines: &[Line]) -> Win {
    let hint = lines
        .iter()
        .find(|l| l.has("Enter confirms"))
        .unwrap_or_else(|| panic!("no \"Enter confirms\" hint:\n{}", ocr::show(lines)));
    let below = Win {
        y: hint.y + hint.h,
        h: w.y + w.h - (hint.y + hint.h),
        ..w.clone()
    };
    let button = ["#DC2626", "#B91C1C"]
        .into_iter()
        .find_map(|red| desk.find_colour(shot, &below, red).filter(|b| b.w >= 40 && b.h >= 20))
        .unwrap_or_else(|| panic!("no red button below the hint in {}", shot.display()));
    let label = ocr::read_filtered(shot, &button, &["-negate", "-threshold", "50%"]);
    assert!(
        label.iter().any(|l| l.text == "Delete"),
        "the red button does not say Delete:\n{}",
        ocr::show(&label)
    );
    button
}

/// The words inside the search box, which must show the keyboard focus. A read of the whole
/// window skips the box's text: the box is found by its focus ring (the theme's `focus`,
/// palette.rs) in the left half of the window between the header and the filter chips (the
/// blue Add session… button is in the right half), and its inside read alone, plain and with
/// a threshold. The caret may read as a trailing `|`.
fn search_box(desk: &Desktop, shot: &std::path::Path, w: &Win, lines: &[Line]) -> Vec<Line> {
    let line = |needle: &str| {
        lines
            .iter()
            .find(|l| l.has(needle))
            .unwrap_or_else(|| panic!("no {needle:?} line:\n{}", ocr::show(lines)))
    };
    let (header, chips) = (line("Sessions"), line("Inactive"));
    let band = Win {
        y: header.y + header.h,
        w: w.w / 2,
        h: chips.y - (header.y + header.h),
        ..w.clone()
    };
    let ring = desk
        .find_colour(shot, &band, "#2563EB")
        .filter(|b| b.w >= 100 && b.h >= 20)
        .unwrap_or_else(|| panic!("the search box shows no focus ring in {}", shot.display()));
    let inside = Win {
        x: ring.x + 3,
        y: ring.y + 3,
        w: ring.w - 6,
        h: ring.h - 6,
        ..ring
    };
    [&[][..], &["-threshold", "35%"][..]]
        .into_iter()
        .flat_map(|filter| ocr::read_words(shot, &inside, filter))
        .collect()
}

#[test]
fn an_empty_list_offers_add_session_add_sso_and_import_csv() {
    let Some(desk) = Desktop::start("list-empty") else {
        return;
    };
    let rig = Rig::new();
    let (tray, list) = open_list(&desk, &rig, &[]);
    let (shot, lines) = look(&desk, "1-empty-light", &list, |l| has(l, "No sessions yet"));
    for offer in ["No sessions yet", "Add SSO connection", "Import CSV"] {
        assert!(
            has(&lines, offer),
            "the empty list offers no {offer:?}:\n{}",
            ocr::show(&lines)
        );
    }
    // Add session… is white on the blue primary button, which tesseract does not read here:
    // the button left of Add SSO connection is blue.
    let import = word(&shot, &list, "Import");
    let sso = word(&shot, &list, "SSO");
    let button = Win {
        x: sso.x - 120,
        y: sso.y + sso.h / 2,
        w: 10,
        h: 12,
        ..list.clone()
    };
    let [r, g, b] = page_colour(&shot, &button);
    assert!(
        b > r + 0.3 && b > g + 0.2,
        "no blue Add session button left of Add SSO connection: ({r}, {g}, {b})"
    );
    desk.click(import.center().0, import.center().1);
    let form = desk.wait_app_window("keyhop - Add session", 10.0);
    assert!(form.is_some(), "Import CSV… opened no add form\n{}", tray.log());
}

#[test]
fn the_dark_appearance_paints_the_list_dark_and_light_paints_it_light() {
    let Some(desk) = Desktop::start("list-theme") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("theme"));
    let alias = ocr_alias("themed");
    rig.add_user(&alias, "themed", &keys, &[]).ok();
    rig.keyhop(&["settings", "set", "appearance", "dark"]).ok();
    // KEYHOP_THEME=light pins the system's preference: Settings' choice overrules it.
    let (_tray, list) = open_list(&desk, &rig, &[]);
    let (shot, lines) = look(&desk, "1-list-dark", &list, |l| ocr::shows_near(l, &alias));
    assert!(
        ocr::shows_near(&lines, &alias),
        "the dark list does not show {alias}:\n{}",
        ocr::show(&lines)
    );
    let [r, g, b] = page_colour(&shot, &list);
    assert!(r.max(g).max(b) < 0.2, "the dark list's background is ({r}, {g}, {b})");

    // Settings change on disk (as the Settings window or the CLI writes them): the open list
    // follows.
    rig.keyhop(&["settings", "set", "appearance", "light"]).ok();
    let light = wait_for(40.0, || {
        let (shot, _) = look(&desk, "2-list-light", &list, |_| true);
        let [r, g, b] = page_colour(&shot, &list);
        (r.min(g).min(b) > 0.9).then_some(())
    });
    assert!(light.is_some(), "the list did not turn light");
}

#[test]
fn the_context_menu_pins_copies_and_deletes_after_a_confirmation_naming_the_session() {
    let Some(desk) = Desktop::start("list-menu") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("menu"));
    let alias = ocr_alias("menued");
    rig.add_user(&alias, "menued", &keys, &[]).ok();
    let (tray, list) = open_list(&desk, &rig, &[]);
    // Right clicks the row where it shows now, once the list is back (no menu, no search): a
    // click in the same batch of events as the key before it lands on the layout before it.
    // On the alias's start: its line, not its word (read split in two once: "menued-aeayc rc").
    let right_click = |step: &str| {
        let (_, lines) = look(&desk, step, &list, |l| {
            ocr::shows_near(l, &alias) && !has(l, "Copy export")
        });
        let line = lines
            .iter()
            .find(|l| l.has_near(&alias))
            .unwrap_or_else(|| panic!("no {alias} in the list:\n{}", ocr::show(&lines)));
        let (x, y) = (line.x + 5, line.center().1);
        desk.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "3"]);
    };

    right_click("1-list");
    let (shot, lines) = look(&desk, "2-menu", &list, |l| has(l, "Copy export lines"));
    for item in [
        "Open console",
        "Copy export lines",
        "Copy credential_process line",
        "Edit",
        "Pin to top",
        "Rotate access key",
        "Delete",
    ] {
        assert!(has(&lines, item), "the menu has no {item:?}:\n{}", ocr::show(&lines));
    }
    let pin = word(&shot, &list, "Pin");
    desk.click(pin.center().0, pin.center().1);
    let pinned = wait_for(10.0, || (rig.session(&alias)["pinned"] == true).then_some(()));
    assert!(pinned.is_some(), "Pin to top did not pin {alias}\n{}", tray.log());

    // Copy export lines: another X client (xclip) reads them off the clipboard, which the
    // tray's clipboard thread serves.
    right_click("3-pinned");
    let (shot, _) = look(&desk, "3-menu-again", &list, |l| has(l, "Unpin"));
    let copy = word(&shot, &list, "export");
    desk.click(copy.center().0, copy.center().1);
    let mut seen = String::new();
    let copied = wait_for(30.0, || {
        seen = desk.run("timeout", &["5", "xclip", "-o", "-selection", "clipboard"])?;
        seen.contains("export AWS_PROFILE=menued").then_some(())
    });
    assert!(
        copied.is_some() && !seen.contains(&keys.secret),
        "the clipboard holds no export lines for {alias}: {seen:?}\n{}",
        tray.log()
    );
    look(&desk, "4-copied", &list, |l| !has(l, "Copy export"));

    right_click("5-list-again");
    let (shot, _) = look(&desk, "6-menu-delete", &list, |l| has(l, "Delete"));
    let delete = word(&shot, &list, "Delete");
    desk.click(delete.center().0, delete.center().1);
    let (shot, lines) = look(&desk, "8-confirm", &list, |l| has(l, "This removes"));
    assert!(
        lines.iter().any(|l| l.has("Delete") && l.has_near(&alias)) && has(&lines, "keyring"),
        "the confirmation does not name {alias} and its keyring item:\n{}",
        ocr::show(&lines)
    );
    assert!(
        rig.list().iter().any(|s| s["alias"] == alias.as_str()),
        "deleted before the confirmation"
    );
    let confirm = danger_button(&desk, &shot, &list, &lines);
    desk.click(confirm.center().0, confirm.center().1);
    let gone = wait_for(10.0, || {
        (!rig.list().iter().any(|s| s["alias"] == alias.as_str())).then_some(())
    });
    assert!(gone.is_some(), "{alias} was not deleted\n{}", tray.log());
}

#[test]
fn the_keyboard_searches_moves_starts_asks_before_deleting_and_closes() {
    let Some(desk) = Desktop::start("list-keys") else {
        return;
    };
    let rig = Rig::new();
    let (one, two) = (ocr_alias("keyone"), ocr_alias("keytwo"));
    for alias in [&one, &two] {
        let keys = moto_user(&unique("keys"));
        rig.add_user(alias, alias, &keys, &[]).ok();
    }
    let (tray, list) = open_list(&desk, &rig, &[("KEYHOP_LOG", "info,keyhop=debug")]);
    look(&desk, "1-list", &list, |l| {
        ocr::shows_near(l, &one) && ocr::shows_near(l, &two)
    });

    // `/` and the text in one xdotool run without pauses, so that they reach the app in one
    // batch of events: the text lands in the search box only because `/` focuses it within
    // that batch (`window::tab_focus::search_focus`); a focus task ran after it.
    desk.focus(&list);
    desk.xdotool(&["key", "--delay", "0", "slash", "type", "--delay", "0", "keytwo"]);
    let (shot, lines) = look(&desk, "2-searched", &list, |l| !ocr::shows_near(l, &one));
    // The search box holds exactly what was typed (before the fix: "ytwo"), and shows it has
    // the focus.
    let typed = search_box(&desk, &shot, &list, &lines);
    assert!(
        typed
            .iter()
            .any(|w| ocr::normalize(w.text.trim_end_matches('|')) == ocr::normalize("keytwo")),
        "the search box does not hold \"keytwo\":\n{}",
        ocr::show(&typed)
    );
    assert!(
        ocr::shows_near(&lines, &two) && !ocr::shows_near(&lines, &one),
        "the search did not narrow:\n{}",
        ocr::show(&lines)
    );
    // Down, then Return once a look has passed: in one batch of events the search box's
    // submit (Enter starts the selected row) came before the arrow's key message selected it.
    desk.key(&["Down"]);
    look(&desk, "2-selected", &list, |l| ocr::shows_near(l, &two));
    desk.key(&["Return"]);
    let started = wait_for(20.0, || (rig.session(&two)["status"] == "active").then_some(()));
    assert!(started.is_some(), "Down, Enter did not start {two}\n{}", tray.log());

    // Escape clears the search; the chips then filter: Active leaves the started one.
    desk.key(&["Escape"]);
    let (shot, _) = look(&desk, "3-cleared", &list, |l| {
        ocr::shows_near(l, &one) && ocr::shows_near(l, &two)
    });
    // The chip, not the "Active" section the started session now heads: the topmost word.
    let words = ocr::read_words(&shot, &list, &[]);
    let active = words
        .iter()
        .filter(|l| l.text == "Active")
        .min_by_key(|l| l.y)
        .unwrap_or_else(|| panic!("no Active chip:\n{}", ocr::show(&words)));
    desk.click(active.center().0, active.center().1);
    let (_, lines) = look(&desk, "4-filtered", &list, |l| !ocr::shows_near(l, &one));
    assert!(
        ocr::shows_near(&lines, &two) && !ocr::shows_near(&lines, &one),
        "the Active chip did not filter:\n{}",
        ocr::show(&lines)
    );
    desk.key(&["Escape"]);
    look(&desk, "5-unfiltered", &list, |l| ocr::shows_near(l, &one));

    // Delete asks; Escape keeps the session; Delete then Enter removes it.
    desk.key(&["Up", "Up", "Delete"]);
    let (_, lines) = look(&desk, "6-confirm", &list, |l| has(l, "This removes"));
    assert!(
        has(&lines, "This removes"),
        "Delete asked nothing:\n{}",
        ocr::show(&lines)
    );
    desk.key(&["Escape"]);
    look(&desk, "7-kept", &list, |l| !has(l, "This removes"));
    assert_eq!(rig.list().len(), 2, "Escape deleted something");
    desk.key(&["Delete", "Return"]);
    let deleted = wait_for(10.0, || (rig.list().len() == 1).then_some(()));
    assert!(deleted.is_some(), "Delete, Enter removed nothing\n{}", tray.log());

    desk.key(&["Escape"]);
    assert!(desk.wait_window_gone("keyhop", 5.0), "Escape did not close the list");
}

#[test]
fn the_list_renders_at_scale_factor_2() {
    let Some(desk) = Desktop::start("list-scale2") else {
        return;
    };
    let rig = Rig::new();
    let keys = moto_user(&unique("scale"));
    let alias = ocr_alias("scaled");
    rig.add_user(&alias, "scaled", &keys, &[]).ok();
    let (_tray, list) = open_list(&desk, &rig, &[("WINIT_X11_SCALE_FACTOR", "2")]);
    let list = settled(&desk, &list);
    // The window is 920 logical pixels wide: 1840 physical at scale 2 (past the 1280 screen).
    assert!(list.w >= 1800, "the list is {}x{} at scale 2", list.w, list.h);
    let visible = Win {
        w: list.w.min(1280 - list.x.max(0)),
        h: list.h.min(800 - list.y.max(0)),
        ..list.clone()
    };
    let (_, lines) = look(&desk, "1-list-scale2", &visible, |l| ocr::shows_near(l, &alias));
    assert!(
        ocr::shows_near(&lines, &alias),
        "no {alias} at scale 2:\n{}",
        ocr::show(&lines)
    );
    let line = |needle: &str| {
        lines
            .iter()
            .find(|l| l.has(needle))
            .unwrap_or_else(|| panic!("no {needle:?} at scale 2:\n{}", ocr::show(&lines)))
            .y
    };
    // The search box and the filter chips sit 42 px apart at scale 1.
    let gap = line("Attention") - line("Search alias");
    assert!(
        gap >= 70,
        "the search box and the chips are {gap} px apart at scale 2: not scaled"
    );
}
