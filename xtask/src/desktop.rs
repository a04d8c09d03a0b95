//! The headless desktop of a test or bench run: an Xvfb display, a tray host (trayer) and the
//! notification daemon (dunst) in the run's D-Bus session.
//!
//! `cargo xtask test` starts one Xvfb for dunst (a notification daemon needs a display) and
//! exports its DISPLAY; each desktop test starts its own Xvfb + trayer (tests/it/desktop/), so tray
//! tests run in parallel without seeing each other's icons. `cargo xtask bench-tray` runs the
//! tray itself on the display started here, under a trayer started here.

use crate::Result;
use crate::packages;
use crate::service::Service;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs "$@" with an unlocked gnome-keyring (as `test_run::KEYRING_SCRIPT`) and, when
/// `KEYHOP_DUNSTRC` and `DISPLAY` are set, dunst on the same session bus: started by us with our
/// config (a long history for the tests to read), and waited for without D-Bus activation (that
/// would start a second dunst with the default config).
///
/// A watchdog starts the keyring again, unlocked, if it dies: gnome-keyring-daemon once
/// hit a fatal GLib error mid-run (`trap int3 … in libglib` in the kernel log), D-Bus activation
/// put a locked daemon in its place, and every later keyring call of the run waited on an
/// unlock prompt. It ends with "$@" (same pid after exec).
pub const DESKTOP_SCRIPT: &str = r#"eval "$(printf keyhop-test | gnome-keyring-daemon --unlock --components=secrets)"; export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
keyring_pid() { dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null | awk '/uint32/ {print $2}'; }
i=0; KEYRING_PID=$(keyring_pid); MAIN=$$
while [ -z "$KEYRING_PID" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); KEYRING_PID=$(keyring_pid); done
if [ -n "$KEYRING_PID" ]; then
  (while kill -0 "$MAIN" 2>/dev/null; do
    sleep 2
    kill -0 "$KEYRING_PID" 2>/dev/null && continue
    echo "xtask: the Secret Service (gnome-keyring-daemon, pid $KEYRING_PID) died; starting it again, unlocked" >&2
    printf keyhop-test | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null 2>&1
    sleep 0.5; KEYRING_PID=$(keyring_pid)
  done) </dev/null >/dev/null &
fi
if [ -n "$KEYHOP_DUNSTRC" ] && [ -n "$DISPLAY" ] && command -v dunst >/dev/null; then
  dunst -config "$KEYHOP_DUNSTRC" >"${KEYHOP_DUNST_LOG:-/dev/null}" 2>&1 &
  i=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null | grep -q true; do
    i=$((i+1)); if [ $i -ge 100 ]; then echo "xtask: warning: dunst did not take the notification bus name in 10 s" >&2; break; fi; sleep 0.1
  done
fi
exec "$@""#;

/// dunst's config for test runs: keep every notification in the history (`dunstctl history`
/// is how the tests see what arrived), never pause timeouts for an idle user.
const DUNSTRC: &str =
    "[global]\n    history_length = 1000\n    sticky_history = yes\n    idle_threshold = 0\n    show_indicators = no\n";

/// An X server of ours; stopped on drop.
pub struct Display {
    /// `:N`, for `DISPLAY`.
    pub name: String,
    _service: Service,
}

/// Starts `Xvfb` on a display number it picks itself (`-displayfd`: no race with other X
/// servers, ours or not) and waits until it accepts clients. `Ok(None)` with a note when
/// there is no Xvfb or it cannot start: the caller decides whether a desktop is optional.
pub fn start_xvfb(log_dir: &Path, path: &OsString) -> Result<Option<Display>> {
    let Some(xvfb) = packages::find_program("Xvfb", path) else {
        eprintln!("xtask: note: no Xvfb on PATH (Debian: xvfb); the desktop tests will skip themselves");
        return Ok(None);
    };
    std::fs::create_dir_all(log_dir).map_err(|e| format!("cannot create {}: {e}", log_dir.display()))?;
    let number_file = log_dir.join(format!("xvfb-{}.display", std::process::id()));
    let _ = std::fs::remove_file(&number_file);
    let mut cmd = Command::new("sh");
    // Xvfb writes the display number it took to fd 3 once it is ready. `-noreset`: without it
    // the server resets when its last client leaves and refuses connections meanwhile.
    cmd.args([
        "-c",
        r#"exec "$0" -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$1""#,
    ])
    .arg(&xvfb)
    .arg(&number_file);
    let mut service = Service::spawn("xvfb", cmd, log_dir)?;
    let ready = service.wait_ready(Duration::from_secs(15), || {
        std::fs::read_to_string(&number_file).is_ok_and(|s| s.ends_with('\n'))
    });
    if let Err(e) = ready {
        eprintln!("xtask: note: Xvfb could not start; the desktop tests will skip themselves\n{e}");
        return Ok(None);
    }
    let number = std::fs::read_to_string(&number_file).unwrap_or_default();
    let _ = std::fs::remove_file(&number_file);
    let name = format!(":{}", number.trim());
    println!("xtask: Xvfb is up on DISPLAY={name}");
    Ok(Some(Display {
        name,
        _service: service,
    }))
}

/// Starts trayer (an XEmbed tray host) at the top right of `display` and waits for its panel.
pub fn start_trayer(display: &Display, log_dir: &Path) -> Result<Service> {
    let mut cmd = Command::new("trayer");
    cmd.args([
        "--edge",
        "top",
        "--align",
        "right",
        "--widthtype",
        "request",
        "--height",
        "24",
    ])
    .env("DISPLAY", &display.name);
    let mut service = Service::spawn("trayer", cmd, log_dir)?;
    service.wait_ready(Duration::from_secs(15), || {
        Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^panel$"])
            .env("DISPLAY", &display.name)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })?;
    Ok(service)
}

/// Writes dunst's config under `dir`; returns (config, log) paths for `KEYHOP_DUNSTRC` and
/// `KEYHOP_DUNST_LOG`.
pub fn dunst_files(dir: &Path) -> Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let rc = dir.join("dunstrc");
    std::fs::write(&rc, DUNSTRC).map_err(|e| format!("cannot write {}: {e}", rc.display()))?;
    Ok((rc, dir.join("dunst.log")))
}

/// Points `cmd` (a `dbus-run-session -- sh -c DESKTOP_SCRIPT …`) at `display` and dunst's files;
/// without a display, dunst is not started and DISPLAY is removed (the tests then skip).
pub fn apply_env(cmd: &mut Command, display: Option<&Display>, dunst: &(PathBuf, PathBuf)) {
    match display {
        Some(d) => {
            cmd.env("DISPLAY", &d.name)
                .env("KEYHOP_DUNSTRC", &dunst.0)
                .env("KEYHOP_DUNST_LOG", &dunst.1);
        }
        None => {
            cmd.env_remove("DISPLAY").env_remove("KEYHOP_DUNSTRC");
        }
    }
    // No Wayland: the tray and the windows must go to our X display, not to the caller's.
    cmd.env_remove("WAYLAND_DISPLAY").env("NO_AT_BRIDGE", "1");
}
