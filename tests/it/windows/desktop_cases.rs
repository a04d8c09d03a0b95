//! The Windows desktop under Wine: keyhop.exe's tray icon in trayer (through Wine's explorer),
//! its windows read back by OCR and clicked with xdotool, on the tier's one display. The tests
//! that show anything on it take turns (`lock`): one tray at a time.
//!
//! The tray *menu* cannot open under Wine 8 (`Shell_NotifyIconGetRect` is a stub, and tray-icon
//! shows no menu without the icon's place), so its lines are read from Wine's own trace of the
//! Win32 menu calls (`WINEDEBUG=+menu`): what tray-icon built, item by item.

use std::sync::{Mutex, MutexGuard};

use super::wine::WinRig;
use crate::common::*;
use crate::desktop::{self, Bg, Desktop, Line, Win, ocr, wait_for};

static DISPLAY: Mutex<()> = Mutex::new(());

/// The display for this test alone (a failed test does not block the others).
pub fn lock() -> MutexGuard<'static, ()> {
    DISPLAY.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The rig of Windows desktop case `name` and the tier's display (taken in turn), or `None`
/// without Wine or a display (skip line).
fn desktop_case(name: &str) -> Option<(WinRig, MutexGuard<'static, ()>, Desktop)> {
    let w = WinRig::new(&format!("windows::{name}"))?;
    let test = format!("windows-{}", name.replace('_', "-"));
    let Some(display) = &w.tier.display else {
        desktop::skip(&test, "the Windows tier has no X display");
        return None;
    };
    let guard = lock();
    let desk = Desktop::attach(&test, display);
    Some((w, guard, desk))
}

/// The tray icons Wine's explorer docked into trayer (small windows at the top).
fn icons(desk: &Desktop) -> Vec<Win> {
    let Some(ids) = desk.run("xdotool", &["search", "--onlyvisible", "--class", "explorer.exe"]) else {
        return vec![];
    };
    ids.split_whitespace()
        .filter_map(|id| desk.window(id))
        .filter(|w| w.w > 0 && w.w <= 32 && w.h <= 32 && w.y < 30)
        .collect()
}

/// A running `keyhop.exe tray` and its icon; killed on drop (with its log on a failure).
struct Tray<'d> {
    desk: &'d Desktop,
    bg: Bg,
    icon: Win,
}

impl<'d> Tray<'d> {
    /// Starts the tray and waits (≤ 30 s) for a new icon in trayer.
    fn start(desk: &'d Desktop, w: &WinRig, winedebug: &str) -> Tray<'d> {
        let before: Vec<String> = icons(desk).into_iter().map(|i| i.id).collect();
        let mut cmd = w.cmd(&["tray"]);
        // keyhop's own debug log: printed when the test fails (the log at its default level
        // was empty when the MFA popup took no keys in a loaded run).
        cmd.env("KEYHOP_THEME", "light")
            .env("WINEDEBUG", winedebug)
            .env("KEYHOP_LOG", "warn,keyhop=debug,keyhop_core=debug");
        let mut bg = Bg::spawn(cmd, desk.dir.path().join("tray.log"));
        let icon = wait_for(30.0, || {
            if !bg.alive() {
                return Some(Err(()));
            }
            icons(desk).into_iter().find(|i| !before.contains(&i.id)).map(Ok)
        });
        match icon {
            Some(Ok(icon)) => Tray { desk, bg, icon },
            _ => panic!("no tray icon appeared in trayer:\n{}", bg.log_text()),
        }
    }

    /// The icon's average colour (0–255 per channel) in `shot`.
    fn colour(&self, shot: &std::path::Path) -> [f64; 3] {
        let i = &self.icon;
        let out = std::process::Command::new("convert")
            .arg(shot)
            .args([
                "-crop",
                &format!("{}x{}+{}+{}", i.w, i.h, i.x, i.y),
                "+repage",
                "-scale",
                "1x1",
            ])
            .args(["-format", "%[fx:255*r] %[fx:255*g] %[fx:255*b]", "info:"])
            .output()
            .expect("run convert");
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<f64> = text.split_whitespace().filter_map(|x| x.parse().ok()).collect();
        assert_eq!(v.len(), 3, "convert printed {text:?}");
        [v[0], v[1], v[2]]
    }

    /// The icon in `shot` is drawn: not one flat colour (trayer's background, before Wine
    /// paints it).
    fn is_drawn(&self, shot: &std::path::Path) -> bool {
        let i = &self.icon;
        let out = std::process::Command::new("convert")
            .arg(shot)
            .args(["-crop", &format!("{}x{}+{}+{}", i.w, i.h, i.x, i.y), "+repage"])
            .args(["-format", "%[fx:standard_deviation]", "info:"])
            .output()
            .expect("run convert");
        let text = String::from_utf8_lossy(&out.stdout);
        let deviation: f64 = text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("convert printed {text:?}"));
        deviation > 0.01
    }

    /// The items of the last menu tray-icon built, from the `+menu` trace in the tray's log.
    fn menu_lines(&self) -> Vec<String> {
        menu_items(&self.bg.log_text())
    }
}

impl Tray<'_> {
    /// The tray's log, without Wine's menu tracing.
    fn log(&self) -> String {
        let log = self.bg.log_text();
        let tail: Vec<&str> = log.lines().filter(|l| !l.contains(":trace:menu:")).collect();
        format!("--- keyhop.exe tray log ---\n{}", tail.join("\n"))
    }
}

impl Drop for Tray<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.desk.failure_screenshot();
            eprintln!("{}", self.log());
        }
    }
}

/// The texts of the items inserted into the last menu in Wine's `+menu` trace (`InsertMenuW
/// hMenu H, …, str L"text"`, non-ASCII as `\XXXX`); separators are left out.
fn menu_items(log: &str) -> Vec<String> {
    let mut menus: Vec<(String, Vec<String>)> = vec![];
    for line in log.lines() {
        let Some(rest) = line.split(":trace:menu:InsertMenuW hMenu ").nth(1) else {
            continue;
        };
        let handle = rest.split(',').next().unwrap_or_default().to_owned();
        let Some(text) = rest.split("str L\"").nth(1).and_then(|t| t.strip_suffix('"')) else {
            continue;
        };
        match menus.iter_mut().find(|(h, _)| *h == handle) {
            Some((_, items)) => items.push(unescape(text)),
            None => menus.push((handle, vec![unescape(text)])),
        }
    }
    // The top level is the last menu with Quit in it (tray-icon fills two of the same items
    // each time; a submenu, such as the console's, has a handle of its own).
    menus
        .into_iter()
        .rev()
        .find(|(_, items)| items.iter().any(|i| i == "Quit keyhop"))
        .map(|(_, items)| items)
        .unwrap_or_default()
}

/// Wine's debugstr escapes: `\XXXX` (hex) for non-ASCII, `\\`, `\"`.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(h) if h.is_ascii_hexdigit() => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('?'),
                );
            }
            Some(_) => out.push(chars.next().unwrap_or_default()),
            None => {}
        }
    }
    out
}

#[test]
fn the_icon_turns_green_with_an_active_session_and_the_menu_lines_follow() {
    let Some((w, _turn, desk)) = desktop_case("tray_icon") else {
        return;
    };
    let keys = moto_user(&unique("wintray"));
    let alias = unique("win-tray");
    w.add_user(&alias, "wintray", &keys, &[]).ok();
    let tray = Tray::start(&desk, &w, "+menu");
    // Wine draws the icon some time after its window appears in trayer: wait for the drawing
    // (not one flat colour), then judge its colour.
    let drawn = wait_for(15.0, || {
        let shot = desk.screenshot("1-idle");
        tray.is_drawn(&shot).then(|| tray.colour(&shot))
    });
    let [r, g, b] = drawn.unwrap_or_else(|| panic!("the tray icon was never drawn"));
    assert!(
        (r - g).abs() < 20.0 && (g - b).abs() < 20.0,
        "the idle icon is not grey: {r} {g} {b}"
    );
    let idle_line = format!("○ {alias} — wintray");
    let idle_menu = wait_for(10.0, || {
        let lines = tray.menu_lines();
        lines.contains(&idle_line).then_some(lines)
    })
    .unwrap_or_else(|| tray.menu_lines());
    for expected in [
        idle_line.as_str(),
        "Add session…",
        "Open keyhop…",
        "Settings…",
        "Quit keyhop",
    ] {
        assert!(
            idle_menu.iter().any(|l| l == expected),
            "no menu line {expected:?} in {idle_menu:#?}"
        );
    }

    w.start(&alias).ok();
    let green = wait_for(15.0, || {
        let [r, g, b] = tray.colour(&desk.screenshot("2-active"));
        (g > r + 30.0 && g > b + 10.0).then_some(())
    });
    assert!(green.is_some(), "the icon did not turn green with {alias} active");
    // The menu is rebuilt with the session's time left.
    let active = wait_for(10.0, || {
        let lines = tray.menu_lines();
        lines
            .iter()
            .find(|l| l.starts_with(&format!("● {alias} — wintray · ")) && l.ends_with(" left"))
            .cloned()
    });
    assert!(
        active.is_some(),
        "no active menu line for {alias}: {:#?}",
        tray.menu_lines()
    );
    w.rig.caller_identity("wintray").ok();
}

/// The window titled `title` once it shows `shows` (Wine draws a window some time after it
/// maps it), read by OCR (screenshot `step`).
fn read_window(desk: &Desktop, title: &str, step: &str, shows: &str) -> (Win, Vec<Line>) {
    let win = desk
        .wait_app_window(title, 20.0)
        .unwrap_or_else(|| panic!("no window titled {title:?}"));
    let mut last = (std::path::PathBuf::new(), vec![]);
    let drawn = wait_for(20.0, || {
        let shot = desk.screenshot(step);
        let lines = ocr::read(&shot, &win);
        let shown = ocr::shows_near(&lines, shows) || ocr::shows_near(&words(&shot, &win), shows);
        last = (shot, lines);
        shown.then(|| last.1.clone())
    });
    let lines = drawn.unwrap_or_else(|| {
        panic!(
            "{title:?} never showed {shows:?} ({}):\n{}",
            last.0.display(),
            ocr::show(&last.1)
        )
    });
    (win, lines)
}

/// The words of `win` in `shot` with their boxes: a plain read and one for light text on a
/// coloured button (negated, thresholded).
fn words(shot: &std::path::Path, win: &Win) -> Vec<Line> {
    let mut words = ocr::read_words(shot, win, &[]);
    words.extend(ocr::read_words(shot, win, &["-negate", "-threshold", "50%"]));
    words
}

/// Clicks the word `label` that lies right of the word holding `anchor` on its row (in the
/// session list: a row's button; screenshot `step`).
fn click_beside(desk: &Desktop, win: &Win, anchor: &str, label: &str, step: &str) -> (i32, i32) {
    let shot = desk.screenshot(step);
    let words = words(&shot, win);
    let at = words
        .iter()
        .find(|w| w.has_near(anchor))
        .unwrap_or_else(|| panic!("no {anchor:?} in {}:\n{}", shot.display(), ocr::show(&words)));
    let (_, ay) = at.center();
    let found = words
        .iter()
        .filter(|w| w.x > at.x && (w.center().1 - ay).abs() < 30)
        .find(|w| ocr::normalize(&w.text) == ocr::normalize(label))
        .map(Line::center)
        .or_else(|| {
            let x = at.x + at.w;
            primary_button_in(&shot, (x, ay - 20, (win.x + win.w - x).max(1), 40), label)
        });
    let Some((x, y)) = found else {
        panic!(
            "no {label:?} right of {anchor:?} in {}:\n{}",
            shot.display(),
            ocr::show(&words)
        )
    };
    desk.click(x, y);
    (x, y)
}

/// The primary button (white text on the theme's blue) inside `area` (x, y, w, h of the
/// screen), if its text reads `label`: tesseract misses white-on-blue text in a whole window
/// (Wine's serif font), so the button is found by its colour and read alone.
fn primary_button_in(shot: &std::path::Path, area: (i32, i32, i32, i32), label: &str) -> Option<(i32, i32)> {
    let (bx, by, bw, bh) = area;
    let band = format!("{bw}x{bh}+{bx}+{by}");
    let magick = |args: &[&str]| {
        let out = std::process::Command::new("convert")
            .arg(shot)
            .args(args)
            .output()
            .ok()?;
        Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    // The bounding box of the blue: WxH+X+Y inside the band.
    let bbox = magick(&[
        "-crop",
        &band,
        "+repage",
        "-fuzz",
        "12%",
        "-fill",
        "black",
        "-opaque",
        "srgb(37,99,235)",
        "-fill",
        "white",
        "+opaque",
        "black",
        "-negate",
        "-format",
        "%@",
        "info:",
    ])?;
    let (size, rest) = bbox.split_once('+')?;
    let (w, h) = size.split_once('x')?;
    let (x, y) = rest.split_once('+')?;
    let [w, h, x, y]: [i32; 4] = [w, h, x, y].map(|n| n.parse().unwrap_or(0));
    if w < 10 || h < 10 {
        return None;
    }
    let (x, y) = (bx + x, by + y);
    let button = std::env::temp_dir().join(format!("keyhop-button-{}.png", std::process::id()));
    let crop = format!("{w}x{h}+{x}+{y}");
    magick(&[
        "-crop",
        &crop,
        "+repage",
        "-colorspace",
        "Gray",
        "-resize",
        "400%",
        "-negate",
        "-threshold",
        "45%",
        &button.to_string_lossy(),
    ])?;
    let out = std::process::Command::new("tesseract")
        .arg(&button)
        .args(["-", "--psm", "7"])
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&button);
    let read = ocr::normalize(&String::from_utf8_lossy(&out.stdout));
    read.contains(&ocr::normalize(label)).then_some((x + w / 2, y + h / 2))
}

#[test]
fn a_second_tray_hands_over_and_a_click_in_the_session_list_starts_a_session() {
    let Some((w, _turn, desk)) = desktop_case("session_list") else {
        return;
    };
    let user = unique("winlist");
    let keys = moto_user(&user);
    let alias = desktop::ocr_alias("list");
    w.add_user(&alias, "winlist", &keys, &[]).ok();
    let tray = Tray::start(&desk, &w, "-all");
    assert!(
        desk.wait_app_window("keyhop", 0.5).is_none(),
        "a window is open before the hand-over"
    );

    // The second tray finds the first through the lock and its named pipe, and exits.
    let second = w.keyhop(&["tray"]).ok();
    assert!(second.stdout.contains("already running"), "{second}");
    let (list, lines) = read_window(&desk, "keyhop", "1-session-list", &alias);
    assert!(
        ocr::shows_near(&lines, &alias),
        "the session list does not show {alias}:\n{}",
        ocr::show(&lines)
    );
    click_beside(&desk, &list, &alias, "Start", "2-before-click");
    let started = wait_for(20.0, || (w.session(&alias)["status"] == "active").then_some(()));
    desk.screenshot("3-after-click");
    assert!(started.is_some(), "the click did not start {alias}");
    w.rig.caller_identity("winlist").ok();
    drop(tray);
}

#[test]
fn the_mfa_popup_opens_from_the_list_and_the_typed_code_starts_the_session() {
    let Some((w, _turn, desk)) = desktop_case("mfa_popup") else {
        return;
    };
    let keys = moto_user(&unique("winmfa"));
    let alias = desktop::ocr_alias("mfa");
    w.add_user(
        &alias,
        "winmfa",
        &keys,
        &["--mfa-device", "arn:aws:iam::123456789012:mfa/wendy"],
    )
    .ok();
    let tray = Tray::start(&desk, &w, "-all");
    w.keyhop(&["tray"]).ok();
    let (list, _) = read_window(&desk, "keyhop", "1-session-list", &alias);
    let start = click_beside(&desk, &list, &alias, "Start", "2-before-click");
    let title = format!("keyhop - MFA code for {alias}");
    let (popup, lines) = read_window(&desk, &title, "3-popup", &alias);
    let all = ocr::show(&lines);
    assert!(
        ocr::shows_near(&lines, &alias),
        "the popup does not name {alias}:\n{all}"
    );
    assert!(
        lines.iter().any(|l| l.has("mfa/wendy")),
        "the popup does not name the device:\n{all}"
    );
    assert_eq!(w.session(&alias)["status"], "inactive", "started before the code");

    // Wine without a window manager: when another Wine program takes the X focus, this one
    // makes the desktop its foreground window, and neither the X focus given back nor a click
    // in the popup activates it again (Wine waits for a window manager's WM_TAKE_FOCUS), so the
    // keys went nowhere: 1 in 3 full runs (the thief: the console window of the `exec` case's
    // cmd.exe, gone since, see the case below), and every time a notepad was opened and closed
    // beside the popup. A user clicks Start again: the app raises the popup it has open for the
    // session (`App::open`), and Wine lets it.
    let field = lines.iter().find(|l| l.has("6-digit code")).map(Line::center);
    let mut missed = vec![];
    let started = (1..=3).find_map(|attempt| {
        if attempt > 1 {
            desk.screenshot(&format!("4-start-again-{attempt}"));
            desk.click(start.0, start.1);
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        desk.focus(&popup);
        if let Some((x, y)) = field {
            desk.click(x, y);
        }
        desk.key_type(&["ctrl+a", "BackSpace"], "123456");
        let active = wait_for(10.0, || (w.session(&alias)["status"] == "active").then_some(()));
        if active.is_none() {
            let shot = desk.screenshot(&format!("4-not-started-{attempt}"));
            let focus = desk.run("xdotool", &["getwindowfocus", "getwindowname"]);
            missed.push(format!(
                "try {attempt}: X focus on {focus:?}, screen {}",
                shot.display()
            ));
        }
        active
    });
    desk.screenshot("4-after-code");
    if !missed.is_empty() && started.is_some() {
        // Past libtest's capture: a passing run shows it too.
        let note = format!(
            "\n[windows::mfa_popup] the code took {} tries: {missed:#?}\n{}\n",
            missed.len() + 1,
            tray.log()
        );
        let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), note.as_bytes());
    }
    assert!(started.is_some(), "the typed code did not start {alias}: {missed:#?}");
    w.rig.caller_identity("winmfa").ok();
}

#[test]
fn the_add_form_opens_from_the_list() {
    let Some((w, _turn, desk)) = desktop_case("add_form") else {
        return;
    };
    let _tray = Tray::start(&desk, &w, "-all");
    w.keyhop(&["tray"]).ok();
    // No session yet: the list's empty state, whose one primary button is Add session….
    let (list, lines) = read_window(&desk, "keyhop", "1-session-list", "No sessions yet");
    let shot = desk.screenshot("1-session-list");
    // Below the title: the kind badges above it are blue too.
    let below = lines
        .iter()
        .find(|l| l.has("No sessions yet"))
        .map_or(list.y + list.h * 3 / 8, |t| t.y + t.h);
    let area = (list.x, below, list.w, 160);
    let (x, y) = primary_button_in(&shot, area, "Add session...")
        .unwrap_or_else(|| panic!("no Add session… button in {}", shot.display()));
    desk.click(x, y);
    // The add window asks for the kind first; IAM user is the one highlighted.
    // Continue by a click: keys follow Wine's foreground window, which another Wine program
    // can take for good without a window manager (see the MFA case); a click reaches the
    // window under the pointer.
    let (kinds, _) = read_window(&desk, "keyhop - Add session", "2-kinds", "SAML federated");
    click_beside(&desk, &kinds, "Cancel", "Continue", "2-kinds-continue");
    let (_, form) = read_window(&desk, "keyhop - Add session", "2-add-form", "Access key ID");
    let all = ocr::show(&form);
    for label in ["Session alias", "Named profile", "Region", "Access key ID"] {
        assert!(form.iter().any(|l| l.has(label)), "the form has no {label:?}:\n{all}");
    }
}

/// keyhop.exe has a console only when the shell that ran it has one. Without (the AWS CLI or a
/// script reading its output through pipes, the tray started from Explorer), a console program
/// it starts (`exec`, an `mfa_process` command) would get a console window of its own, popping
/// up over the user's work and taking the focus (under Wine: from the other cases' windows).
#[test]
fn a_command_run_by_keyhop_without_a_console_opens_no_console_window() {
    let Some((w, _turn, desk)) = desktop_case("no_console_window") else {
        return;
    };
    let (alias, _) = super::role_session(&w, "winquiet");
    let before: std::collections::BTreeSet<String> = desk.find_windows(".").into_iter().map(|w| w.id).collect();
    // cmd counts for a second or two: long enough to see a window it opens.
    let mut cmd = w.cmd(&["exec", &alias, "--", "cmd", "/c", "for /L %i in (1,1,20000) do @rem"]);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("start keyhop.exe exec");
    let mut opened = vec![];
    let status = loop {
        for win in desk.find_windows(".") {
            if !before.contains(&win.id) && !opened.iter().any(|o: &Win| o.id == win.id) {
                opened.push(win);
            }
        }
        if let Some(status) = child.try_wait().expect("wait for keyhop.exe") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "keyhop.exe exec -- cmd failed: {status}");
    assert!(opened.is_empty(), "windows opened while the command ran: {opened:#?}");
}
