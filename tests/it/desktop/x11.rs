//! One test's X display (Xvfb + trayer), its windows (xdotool, xwininfo) and screenshots.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{missing_tools, screenshot_dir, skip, wait_for};

/// A background process of the test, killed on drop.
pub struct Bg {
    pub child: Child,
    pub log: PathBuf,
}

impl Bg {
    pub fn spawn(mut cmd: Command, log: PathBuf) -> Bg {
        let out = File::create(&log).expect("create a log file");
        let err = out.try_clone().expect("clone the log file");
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        Bg { child, log }
    }
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Bg {
    /// SIGTERM first, so that an X server removes its lock file and socket; SIGKILL after 3 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        if wait_for(3.0, || self.child.try_wait().ok().flatten()).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A visible window: id, title, and its place on the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Win {
    pub id: String,
    pub name: String,
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Win {
    pub fn center(&self) -> (i32, i32) {
        (self.x + self.w / 2, self.y + self.h / 2)
    }
}

pub struct Desktop {
    /// `:N`
    pub display: String,
    /// The test's name: the prefix of its screenshots.
    pub test: String,
    pub dir: tempfile::TempDir,
    /// Set once `<test>-failure.png` was taken (the tray takes it before it is killed).
    pub failure_shot: std::cell::Cell<bool>,
    /// A click was made since the last poke (`poke` leaves the pointer on it).
    clicked: std::cell::Cell<bool>,
    // Dropped in this order: the tray host before its X server.
    trayer: Option<Bg>,
    xvfb: Option<Bg>,
}

/// Starts Xvfb on a display it picks itself (`-displayfd`: it writes the number once clients
/// can connect; no race with parallel tests) and checks that the display answers.
/// `-noreset`: otherwise the server resets when its last client (our probe) leaves, and refuses
/// connections meanwhile ("cannot open display" for the next one).
/// `-ardelay`: no key autorepeat within 30 s; on a loaded machine xdotool's release can come
/// later than the default 660 ms and a typed key would repeat ("eu-central-1 eu-central-1").
fn start_xvfb(dir: &Path, attempt: u32) -> Result<(Bg, String), String> {
    let number = dir.join(format!("display-{attempt}"));
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        r#"exec Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset -ardelay 30000 -arinterval 30000 3>"$0""#,
    ])
    .arg(&number);
    let mut xvfb = Bg::spawn(cmd, dir.join(format!("xvfb-{attempt}.log")));
    let ready = wait_for(15.0, || {
        let n = std::fs::read_to_string(&number).ok().filter(|s| s.ends_with('\n'));
        // Exited: no point in waiting (Some("") ends the wait as a failure).
        n.or_else(|| (!xvfb.alive()).then(String::new))
    });
    let display = match ready.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => format!(":{n}"),
        _ => return Err(format!("no display ({})", xvfb.log_text().trim())),
    };
    let answers = Command::new("xdpyinfo")
        .env("DISPLAY", &display)
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("1280x800"));
    if !answers || !xvfb.alive() {
        return Err(format!("{display} does not answer ({})", xvfb.log_text().trim()));
    }
    Ok((xvfb, display))
}

impl Desktop {
    /// Xvfb + trayer for test `test`, or `None` (after the loud skip line) without an X server.
    pub fn start(test: &str) -> Option<Desktop> {
        let missing = missing_tools();
        if !missing.is_empty() {
            skip(test, &format!("missing {}", missing.join(", ")));
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("keyhop-desktop-")
            .tempdir()
            .expect("temp dir");
        let mut failures = vec![];
        let mut server = None;
        // Should the new server not answer (another X server started at the same moment, a
        // sandbox that forbids it), try again: a fresh start picks the next free number.
        for attempt in 0..3 {
            match start_xvfb(dir.path(), attempt) {
                Ok(s) => {
                    server = Some(s);
                    break;
                }
                Err(e) => failures.push(e),
            }
        }
        let Some((xvfb, display)) = server else {
            skip(test, &format!("Xvfb could not start: {}", failures.join(" / ")));
            return None;
        };
        let mut desk = Desktop {
            display,
            test: test.to_owned(),
            dir,
            failure_shot: std::cell::Cell::default(),
            clicked: std::cell::Cell::default(),
            trayer: None,
            xvfb: Some(xvfb),
        };
        let mut trayer = desk.cmd("trayer");
        trayer.args([
            "--edge",
            "top",
            "--align",
            "right",
            "--widthtype",
            "request",
            "--height",
            "24",
        ]);
        desk.trayer = Some(Bg::spawn(trayer, desk.dir.path().join("trayer.log")));
        let panel = wait_for(15.0, || desk.find_windows("^panel$").into_iter().next());
        let log = desk.trayer.as_ref().map(Bg::log_text).unwrap_or_default();
        let xlog = desk.xvfb.as_ref().map(Bg::log_text).unwrap_or_default();
        assert!(
            panel.is_some(),
            "trayer showed no panel on {} in 15 s:\n{log}\n--- Xvfb ---\n{xlog}",
            desk.display
        );
        Some(desk)
    }

    /// A desktop on a display someone else runs (the Windows tier's, which `cargo xtask test`
    /// starts: Wine's tray host stays on one display), for test `test`; nothing to stop on drop.
    pub fn attach(test: &str, display: &str) -> Desktop {
        Desktop {
            display: display.to_owned(),
            test: test.to_owned(),
            dir: tempfile::Builder::new()
                .prefix("keyhop-desktop-")
                .tempdir()
                .expect("temp dir"),
            failure_shot: std::cell::Cell::default(),
            clicked: std::cell::Cell::default(),
            trayer: None,
            xvfb: None,
        }
    }

    /// `program` on this display (no Wayland, no accessibility bus).
    pub fn cmd(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("DISPLAY", &self.display)
            .env_remove("WAYLAND_DISPLAY")
            .env("NO_AT_BRIDGE", "1")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `program args` on this display; stdout on success, `None` on failure.
    pub fn run(&self, program: &str, args: &[&str]) -> Option<String> {
        let out = self
            .cmd(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `xdotool ARGS`, panicking with its stderr when it fails.
    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = self.cmd("xdotool").args(args).output().expect("run xdotool");
        assert!(
            out.status.success(),
            "xdotool {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn click(&self, x: i32, y: i32) {
        self.xdotool(&["mousemove", &x.to_string(), &y.to_string(), "click", "1"]);
        self.clicked.set(true);
    }

    /// Keys (xdotool names: `Tab`, `Return`, `ctrl+a`) to the focused window.
    pub fn key(&self, keys: &[&str]) {
        let mut args = vec!["key", "--delay", "60"];
        args.extend_from_slice(keys);
        self.xdotool(&args);
    }

    /// `keys`, then `text` typed, by one xdotool run: no pause between them, so a window that
    /// moved the focus by a task after the keys' batch of events would get the text in the
    /// field it was leaving (the forms move it within the batch: `window/tab_focus.rs`).
    pub fn key_type(&self, keys: &[&str], text: &str) {
        let mut args = vec!["key", "--delay", "60"];
        args.extend_from_slice(keys);
        args.extend_from_slice(&["type", "--delay", "40", text]);
        self.xdotool(&args);
    }

    /// Focuses `w` (there is no window manager) and types `text` into it.
    pub fn focus(&self, w: &Win) {
        self.xdotool(&["windowfocus", "--sync", &w.id]);
        // Let the toolkit see the focus change before the keys come.
        std::thread::sleep(Duration::from_millis(300));
    }

    pub fn type_text(&self, text: &str) {
        self.xdotool(&["type", "--delay", "40", text]);
    }

    /// Visible windows whose title matches the regex `name` (xdotool's search).
    pub fn find_windows(&self, name: &str) -> Vec<Win> {
        let Some(ids) = self.run("xdotool", &["search", "--onlyvisible", "--name", name]) else {
            return vec![];
        };
        ids.split_whitespace().filter_map(|id| self.window(id)).collect()
    }

    /// Title and geometry of window `id` (None if it went away meanwhile).
    pub fn window(&self, id: &str) -> Option<Win> {
        let name = self.run("xdotool", &["getwindowname", id])?;
        let shell = self.run("xdotool", &["getwindowgeometry", "--shell", id])?;
        let get = |key: &str| {
            shell
                .lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        Some(Win {
            id: id.to_owned(),
            name: name.trim_end_matches('\n').to_owned(),
            x: get("X"),
            y: get("Y"),
            w: get("WIDTH"),
            h: get("HEIGHT"),
        })
    }

    /// Popup menus are override-redirect windows; app windows are not.
    pub fn is_popup(&self, w: &Win) -> bool {
        self.run("xwininfo", &["-id", &w.id])
            .is_some_and(|info| info.contains("Override Redirect State: yes"))
    }

    /// The one visible, normal (not popup) window titled exactly `title`, at least 100 px wide,
    /// waited for up to `secs`.
    pub fn wait_app_window(&self, title: &str, secs: f64) -> Option<Win> {
        let regex = format!("^{}$", regex_escape(title));
        wait_for(secs, || {
            self.find_windows(&regex)
                .into_iter()
                .find(|w| w.w >= 100 && w.h >= 100 && !self.is_popup(w))
        })
    }

    /// Waits until no visible app window titled `title` is left.
    pub fn wait_window_gone(&self, title: &str, secs: f64) -> bool {
        let regex = format!("^{}$", regex_escape(title));
        wait_for(secs, || {
            self.find_windows(&regex)
                .into_iter()
                .all(|w| w.w < 100 || self.is_popup(&w))
                .then_some(())
        })
        .is_some()
    }

    /// Screenshots the screen (as step `step`) and reads `w` until its text satisfies `ready`,
    /// for at most `secs`: a window is mapped before it is drawn, and typed text shows a frame
    /// later. Gives the last look either way (the caller asserts on it).
    pub fn read_until(
        &self,
        step: &str,
        w: &Win,
        secs: f64,
        ready: impl Fn(&[super::Line]) -> bool,
    ) -> (PathBuf, Vec<super::Line>) {
        let deadline = std::time::Instant::now() + Duration::from_secs_f64(secs);
        let mut n = 0;
        loop {
            n += 1;
            self.poke(w, n);
            let shot = self.screenshot(step);
            let lines = super::ocr::read(&shot, w);
            if ready(&lines) || std::time::Instant::now() >= deadline {
                return (shot, lines);
            }
        }
    }

    /// Wakes the app before the `n`th look at `w`. Under Xvfb an iced window shows a frame one
    /// step late: the software renderer's last frame reaches the X server with the app's next
    /// request (softbuffer 0.4 does not flush after presenting), so a look without a next event
    /// can read the frame before. A pointer move into `w`'s bottom-left corner is that event (it
    /// leaves what it hovered, which redraws), and a Shift press when `w` has the focus (no
    /// window acts on it, and a key makes iced redraw every window).
    /// Right after a click the pointer only moves a pixel (that look may read the frame before;
    /// the next one moves on into the corner): iced handles a batch of events with
    /// the pointer where the batch ends, so a click the app had not read yet (a loaded machine)
    /// counted in the corner and was lost (the kind picker's "Back", a profile suggestion).
    /// A popup (a GTK menu: drawn by GTK, flushed) is left alone: the pointer there would
    /// hover its bottom line, which then reads white on blue.
    pub fn poke(&self, w: &Win, n: i32) {
        if self.is_popup(w) {
            return;
        }
        let (x, y) = match self.pointer() {
            Some((x, y)) if self.clicked.replace(false) => (x + n % 2 * 2 - 1, y),
            _ => (w.x + 4 + n % 3, w.y + w.h - 6),
        };
        self.xdotool(&["mousemove", &x.to_string(), &y.to_string()]);
        // Only into a window that has the focus already: focused this early (just mapped),
        // winit can miss the focus and then ignore the test's keys.
        if self
            .run("xdotool", &["getwindowfocus"])
            .is_some_and(|f| f.trim() == w.id)
        {
            self.xdotool(&["key", "shift"]);
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    /// Where the pointer is on the screen.
    pub fn pointer(&self) -> Option<(i32, i32)> {
        let shell = self.run("xdotool", &["getmouselocation", "--shell"])?;
        let get = |key: &str| shell.lines().find_map(|l| l.strip_prefix(key)?.parse().ok());
        Some((get("X=")?, get("Y=")?))
    }

    /// Waits (≤ `secs`) until `needle` shows in `w` and clicks its first word. Read plain, then
    /// with a threshold (dark text on a grey button, which the plain read misses). The screen is
    /// saved as step `step`.
    #[track_caller]
    pub fn click_text(&self, step: &str, w: &Win, needle: &str, secs: f64) {
        let first = needle.split_whitespace().next().unwrap_or(needle);
        let mut seen = vec![];
        let pokes = std::cell::Cell::new(0);
        let word = wait_for(secs, || {
            pokes.set(pokes.get() + 1);
            self.poke(w, pokes.get());
            let shot = self.screenshot(step);
            for filter in [&[][..], &["-threshold", "35%"][..]] {
                let lines = super::ocr::read_filtered(&shot, w, filter);
                if let Some(line) = lines.iter().find(|l| l.has(needle)) {
                    let words = super::ocr::read_words(&shot, w, filter);
                    let y = line.center().1;
                    let hit = words
                        .into_iter()
                        .filter(|x| x.has(first) && (x.center().1 - y).abs() <= line.h)
                        .min_by_key(|x| (x.center().1 - y).abs());
                    if hit.is_some() {
                        return hit;
                    }
                }
                seen = lines;
            }
            None
        });
        let word = word.unwrap_or_else(|| panic!("no {needle:?} in {w:?}; read:\n{}", super::ocr::show(&seen)));
        let (x, y) = word.center();
        self.click(x, y);
    }

    /// Saves the whole screen as `target/screenshots/<test>-<step>.png`.
    pub fn screenshot(&self, step: &str) -> PathBuf {
        let path = screenshot_dir().join(format!("{}-{step}.png", self.test));
        let ok = self
            .cmd("import")
            // No date chunks: the same frame gives the same bytes (OCR's cache, ocr.rs). Quality
            // 11 is zlib level 1 with the Sub filter: 37 ms of CPU a shot against 70 ms for the
            // default, 4% larger, over ~650 shots a run.
            .args(["-window", "root", "-quality", "11", "-define", "png:exclude-chunks=date,time"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "import -window root {} failed", path.display());
        path
    }

    /// On a panic, once: the screen as `<test>-failure.png`, its path on stderr.
    pub fn failure_screenshot(&self) {
        if std::thread::panicking() && !self.failure_shot.replace(true) {
            let path = screenshot_dir().join(format!("{}-failure.png", self.test));
            let _ = self.cmd("import").args(["-window", "root"]).arg(&path).status();
            eprintln!("screen at the failure: {}", path.display());
        }
    }

    /// The standard deviation of the pixels of `w` in `shot` (0 = one flat colour).
    pub fn spread(&self, shot: &Path, w: &Win) -> f64 {
        let crop = format!("{}x{}+{}+{}", w.w, w.h, w.x, w.y);
        let out = Command::new("convert")
            .arg(shot)
            .args([
                "-crop",
                &crop,
                "+repage",
                "-format",
                "%[fx:standard_deviation]",
                "info:",
            ])
            .output()
            .expect("run convert");
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0.0)
    }

    /// The box (screen coordinates) around the pixels of `area` in `shot` within 5% of the
    /// colour `hex` (`#RRGGBB`), or `None` when there are none: a button found by its fill
    /// where OCR cannot read its label (white on red).
    pub fn find_colour(&self, shot: &Path, area: &Win, hex: &str) -> Option<Win> {
        let crop = format!("{}x{}+{}+{}", area.w, area.h, area.x.max(0), area.y.max(0));
        // Every other pixel black, a black border (the trim's background is the corners'
        // colour), then the trim box of what is left (`%@`: WxH+X+Y; nothing left: 0x0).
        let out = Command::new("convert")
            .arg(shot)
            .args([
                "-crop", &crop, "+repage", "-fuzz", "5%", "-fill", "black", "+opaque", hex,
            ])
            .args(["-bordercolor", "black", "-border", "1", "-format", "%@", "info:"])
            .output()
            .expect("run convert");
        let text = String::from_utf8_lossy(&out.stdout);
        let n: Vec<i32> = text.split(['x', '+']).map(|v| v.trim().parse().unwrap_or(0)).collect();
        let [width, height, left, top] = n[..] else {
            panic!("convert said {text:?} for the box of {hex}");
        };
        (width > 1 && height > 1).then(|| Win {
            x: area.x.max(0) + left - 1,
            y: area.y.max(0) + top - 1,
            w: width,
            h: height,
            ..area.clone()
        })
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        self.failure_screenshot();
        self.trayer.take();
        self.xvfb.take();
    }
}

/// `s` as an xdotool (POSIX extended) regex. A non-ASCII character matches any 1 to 4 bytes:
/// the app's windows carry their UTF-8 title in WM_NAME typed as Latin-1, which xdotool reads
/// back converted (`·` becomes `Â·`).
pub fn regex_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            c if !c.is_ascii() => ".{1,4}".to_owned(),
            c if "\\.+*?()|[]{}^$".contains(c) => format!("\\{c}"),
            c => c.to_string(),
        })
        .collect()
}
