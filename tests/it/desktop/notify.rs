//! Notifications as dunst (the run's notification daemon, see xtask) saw them.

use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::wait_for;

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub appname: String,
    pub summary: String,
    pub body: String,
}

fn dunstctl(args: &[&str]) -> String {
    let out = Command::new("dunstctl")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run dunstctl (Debian: dunst; run the tests with `cargo xtask test`)");
    assert!(
        out.status.success(),
        "dunstctl {args:?} failed (is dunst running in this D-Bus session? `cargo xtask test` starts it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every notification of the run so far. Shown ones are closed first: dunst's history holds
/// only closed notifications. (Closing another test's notification only moves it there too.)
pub fn notifications() -> Vec<Notification> {
    let _screen = on_screen();
    dunstctl(&["close-all"]);
    // close-all is asynchronous in dunst's main loop: closed once none is displayed.
    wait_for(2.0, || (dunstctl(&["count", "displayed"]).trim() == "0").then_some(()));
    let json: serde_json::Value = serde_json::from_str(&dunstctl(&["history"])).expect("dunstctl history is JSON");
    let items = json["data"][0].as_array().cloned().unwrap_or_default();
    let field = |n: &serde_json::Value, k: &str| n[k]["data"].as_str().unwrap_or_default().to_owned();
    items
        .iter()
        .map(|n| Notification {
            id: n["id"]["data"].as_i64().unwrap_or(-1),
            appname: field(n, "appname"),
            summary: field(n, "summary"),
            body: field(n, "body"),
        })
        .collect()
}

/// Waits up to `secs` for a notification that `matches`; panics listing all there were.
#[track_caller]
pub fn wait_notification(secs: f64, what: &str, matches: impl Fn(&Notification) -> bool) -> Notification {
    let mut last = vec![];
    wait_for(secs, || {
        last = notifications();
        last.iter().find(|n| matches(n)).cloned()
    })
    .unwrap_or_else(|| {
        let seen: Vec<String> = last
            .iter()
            .map(|n| format!("  #{} [{}] {} | {}", n.id, n.appname, n.summary, n.body))
            .collect();
        panic!(
            "no notification {what} within {secs} s; dunst has:\n{}",
            seen.join("\n")
        )
    })
}

/// dunst is one for the whole run: while a test waits to click a notification on screen, no
/// other test's `notifications()` (which closes every displayed one first) may take it away.
fn on_screen() -> MutexGuard<'static, ()> {
    static ON_SCREEN: Mutex<()> = Mutex::new(());
    ON_SCREEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits up to `secs` for a notification on screen and clicks it (dunst's default action of
/// the topmost one), as a user would before it times out: whether one was there.
pub fn click_displayed(secs: f64) -> bool {
    let _screen = on_screen();
    let shown = wait_for(secs, || {
        (dunstctl(&["count", "displayed"]).trim().parse::<u32>().unwrap_or(0) > 0).then_some(())
    });
    if shown.is_some() {
        dunstctl(&["action", "0"]);
    }
    shown.is_some()
}
