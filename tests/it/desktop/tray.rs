//! `keyhop tray` on a test's desktop, and its menu as read back from the screen.

use std::path::PathBuf;
use std::process::{Command, ExitStatus};

use crate::common::{Rig, keyhop_bin};

use super::ocr::{self, Line};
use super::{Bg, Desktop, Win, wait_for};

/// A running `keyhop tray` with the rig's HOME, KEYHOP_HOME and AWS files; killed on drop
/// (after the failure screenshot and its log, if the test is failing).
pub struct TrayApp<'d> {
    pub desk: &'d Desktop,
    bg: Bg,
    pub icon: Win,
}

/// `keyhop ARGS` as `rig` would run it, on `desk`'s display.
pub fn keyhop_cmd(desk: &Desktop, rig: &Rig, args: &[&str]) -> Command {
    let mut cmd = desk.cmd(keyhop_bin());
    cmd.args(args);
    rig.apply_env(&mut cmd);
    // Light theme: what the screenshots were checked with. Logs for the failure report.
    cmd.env("KEYHOP_THEME", "light").env("KEYHOP_LOG", "info");
    cmd
}

impl<'d> TrayApp<'d> {
    /// Starts the tray and waits (≤ 20 s) until its icon is embedded in trayer.
    pub fn start(desk: &'d Desktop, rig: &Rig) -> TrayApp<'d> {
        Self::start_with_env(desk, rig, &[])
    }

    /// `start` with these variables added to the tray's environment (e.g. the SSO endpoints
    /// and a BROWSER script).
    pub fn start_with_env(desk: &'d Desktop, rig: &Rig, env: &[(&str, &str)]) -> TrayApp<'d> {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let log = desk.dir.path().join(format!("tray-{n}.log"));
        let mut cmd = keyhop_cmd(desk, rig, &["tray"]);
        for (name, value) in env {
            cmd.env(name, value);
        }
        let mut bg = Bg::spawn(cmd, log);
        let icon = wait_for(20.0, || {
            if !bg.alive() {
                return Some(Err(()));
            }
            let ids = desk.run("xdotool", &["search", "--onlyvisible", "--class", "tray-icon"])?;
            ids.split_whitespace()
                .find_map(|id| desk.window(id))
                .filter(|w| w.w > 0)
                .map(Ok)
        });
        match icon {
            Some(Ok(icon)) => {
                // The menu answers clicks once GTK has drawn the icon (mapped is not drawn).
                wait_for(5.0, || {
                    let shot = desk.screenshot("0-icon");
                    (desk.spread(&shot, &icon) > 0.01).then_some(())
                });
                TrayApp { desk, bg, icon }
            }
            other => panic!(
                "the tray icon did not appear ({}):\n{}",
                if matches!(other, Some(Err(()))) {
                    "the tray exited"
                } else {
                    "20 s"
                },
                bg.log_text()
            ),
        }
    }

    pub fn log(&self) -> String {
        self.bg.log_text()
    }

    pub fn alive(&mut self) -> bool {
        self.bg.alive()
    }

    pub fn pid(&self) -> u32 {
        self.bg.child.id()
    }

    /// Waits up to `secs` for the tray to exit.
    pub fn wait_exit(&mut self, secs: f64) -> Option<ExitStatus> {
        wait_for(secs, || self.bg.child.try_wait().ok().flatten())
    }

    /// Clicks the icon and reads the menu that opens: the screen is saved as step `step`.
    pub fn open_menu(&self, step: &str) -> Menu {
        let (x, y) = self.icon.center();
        let mut found = None;
        // A click that lands while GTK is busy can be lost: one more try.
        for _ in 0..2 {
            self.desk.click(x, y);
            found = wait_for(4.0, || self.menu_window());
            if found.is_some() {
                break;
            }
        }
        let win = found.unwrap_or_else(|| panic!("no menu opened on a click on the icon\n{}", self.log()));
        // Mapped is not drawn yet: every menu ends with Quit.
        let (shot, lines) = self
            .desk
            .read_until(step, &win, 5.0, |l| l.iter().any(|l| l.has("Quit keyhop")));
        Menu { win, lines, shot }
    }

    /// The open menu: a popup window of the tray at the top of the screen.
    pub fn menu_window(&self) -> Option<Win> {
        self.desk
            .find_windows("^keyhop$")
            .into_iter()
            .find(|w| w.w > 60 && w.h > 40 && w.y < 100 && self.desk.is_popup(w))
    }

    /// Opens the menu, clicks the line holding `needle` and waits for the menu to close.
    pub fn choose(&self, step: &str, needle: &str) -> Menu {
        let menu = self.open_menu(step);
        menu.click(self, needle);
        menu
    }

    /// Waits until the menu is closed (a click on an item closes it).
    pub fn wait_menu_closed(&self) {
        let closed = wait_for(5.0, || self.menu_window().is_none().then_some(()));
        assert!(closed.is_some(), "the menu did not close");
    }

    /// Closes an open menu without choosing anything.
    pub fn close_menu(&self) {
        self.desk.key(&["Escape"]);
        self.wait_menu_closed();
    }
}

impl Drop for TrayApp<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.desk.failure_screenshot();
            eprintln!("--- tray log ({}) ---\n{}", self.bg.log.display(), self.log());
        }
    }
}

/// The tray menu as read with OCR.
pub struct Menu {
    pub win: Win,
    pub lines: Vec<Line>,
    pub shot: PathBuf,
}

impl Menu {
    /// The line holding `needle`; a long needle (an alias) also within two edits
    /// of OCR's reading, when no line holds it exactly.
    pub fn find(&self, needle: &str) -> Option<&Line> {
        let exact = self.lines.iter().find(|l| l.has(needle));
        exact.or_else(|| self.lines.iter().find(|l| l.has_near(needle)))
    }

    /// The line holding `needle`; panics with what was read.
    #[track_caller]
    pub fn line(&self, needle: &str) -> &Line {
        self.find(needle).unwrap_or_else(|| {
            panic!(
                "no menu line with {needle:?} in {}; read:\n{}",
                self.shot.display(),
                self.show()
            )
        })
    }

    /// Whether the session line of `alias` shows it active (`● alias — profile · 59m left`).
    #[track_caller]
    pub fn is_active(&self, alias: &str) -> bool {
        let l = self.line(alias);
        l.has("left")
            && l.text
                .split_whitespace()
                .any(|w| w.ends_with('m') && w.starts_with(|c: char| c.is_ascii_digit()))
    }

    /// Clicks the line holding `needle` and waits for the menu to close.
    #[track_caller]
    pub fn click(&self, tray: &TrayApp<'_>, needle: &str) {
        let (x, y) = self.line(needle).center();
        tray.desk.click(x, y);
        tray.wait_menu_closed();
    }

    pub fn show(&self) -> String {
        ocr::show(&self.lines)
    }
}
