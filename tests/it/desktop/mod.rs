//! Headless desktop for the tray and window tests.
//!
//! Every test gets a `Desktop` of its own: an Xvfb display (number picked by Xvfb itself) with a
//! trayer tray host at the top right, so desktop tests run in parallel and never see each
//! other's icons or windows. Notifications go to the one dunst of the run's D-Bus session
//! (started by `cargo xtask test`); tests tell theirs apart by a unique alias in the summary. A
//! test that clicks a notification on screen starts a dunst of its own (`notify::OwnDunst`).
//! Screenshots land in `target/screenshots/<test>-<step>.png`; a failing test also leaves
//! `<test>-failure.png` and the tray's log on stderr.
//!
//! Without an X server (no Xvfb, or it cannot start) a test prints a loud line with
//! `KEYHOP DESKTOP TEST SKIPPED` straight to stderr (past libtest's capture; xtask counts these
//! as skipped) and returns.
#![allow(dead_code)]

pub mod notify;
pub mod ocr;
pub mod tray;
pub mod x11;

#[allow(unused_imports)]
pub use notify::*;
#[allow(unused_imports)]
pub use ocr::*;
#[allow(unused_imports)]
pub use tray::*;
pub use x11::*;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// The tools a desktop test drives; with any missing it skips (xtask installs them all).
const TOOLS: &[(&str, &str)] = &[
    ("Xvfb", "xvfb"),
    ("trayer", "trayer"),
    ("xdotool", "xdotool"),
    ("xwininfo", "x11-utils"),
    ("xdpyinfo", "x11-utils"),
    ("import", "imagemagick"),
    ("convert", "imagemagick"),
    ("tesseract", "tesseract-ocr"),
    ("xclip", "xclip"),
];

/// Prints the loud skip line (one line: xtask counts them) straight to stderr.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let line = format!(
        "\n!!!!!!!! KEYHOP DESKTOP TEST SKIPPED: {test}: {why}. It proves NOTHING here; run `cargo xtask test` on a machine with Xvfb. !!!!!!!!\n"
    );
    // Not eprintln!: libtest captures that for passing tests.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// The missing desktop tools, as "program (package)".
pub fn missing_tools() -> Vec<String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    TOOLS
        .iter()
        .filter(|(program, _)| !std::env::split_paths(&path).any(|d| d.join(program).is_file()))
        .map(|(program, package)| format!("{program} ({package})"))
        .collect()
}

/// `target/screenshots` (or `$KEYHOP_SCREENSHOTS`).
pub fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("KEYHOP_SCREENSHOTS").map_or_else(
        || {
            PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join("..")
                .join("screenshots")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("create the screenshot dir");
    dir
}

/// A session alias unique in the run that OCR reads back exactly: `prefix-` and letters only
/// from an alphabet without look-alikes (no i/l/1, o/0, s/5, g/9, b/6, z/2), from pid + counter.
pub fn ocr_alias(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const ALPHABET: &[u8] = b"acdefhkmnprtuwxy";
    let mut n = u64::from(std::process::id()) * 1000 + u64::from(NEXT.fetch_add(1, Ordering::SeqCst));
    let mut code = String::new();
    while n > 0 {
        code.push(ALPHABET[(n % 16) as usize] as char);
        n /= 16;
    }
    format!("{prefix}-{code}")
}

/// Polls `f` every 100 ms until it returns `Some`, for at most `secs` seconds.
pub fn wait_for<T>(secs: f64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
