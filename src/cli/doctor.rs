//! `keyhop doctor [--json]`: one line per check (`ok`, `warn`, `fail`, with what to do), exit 1
//! when a check fails. The checks are the core's (`keyhop_core::doctor`) plus the two only the
//! binary can make: whether the tray runs, and whether it starts at login.

use std::process::ExitCode;
use std::time::Duration;

use keyhop_core::Engine;
use keyhop_core::doctor::{self, Check, Status};

/// How long the clock check waits for STS: a doctor must answer even offline.
const STS_BOUND: Duration = Duration::from_millis(1500);

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON (`{"status": …, "checks": [{"name", "status", "message"}]}`) for scripts
    #[arg(long)]
    json: bool,
}

pub async fn run(engine: &Engine, args: Args) -> ExitCode {
    let mut checks = doctor::run(engine, STS_BOUND).await;
    checks.extend(desktop_checks(engine));
    let status = doctor::overall(&checks);
    if args.json {
        let out = serde_json::json!({ "status": status, "checks": checks });
        println!("{}", serde_json::to_string_pretty(&out).expect("checks serialise"));
    } else {
        let width = checks.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
        for c in &checks {
            println!("{:<4}  {:<width$}  {}", c.status.as_str(), c.name, c.message);
        }
    }
    if status == Status::Fail {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(feature = "desktop")]
fn desktop_checks(engine: &Engine) -> Vec<Check> {
    let tray = if crate::single_instance::running(engine.state_store().dir()) {
        Check::new("tray", Status::Ok, "the tray is running and refreshes active sessions")
    } else {
        Check::new(
            "tray",
            Status::Warn,
            "the tray is not running, so nothing refreshes active sessions before they expire; start it with `keyhop`",
        )
    };
    let login = match crate::autostart::is_enabled() {
        Ok(true) => Check::new("start-at-login", Status::Ok, "the tray starts at login"),
        Ok(false) => Check::new(
            "start-at-login",
            Status::Ok,
            "the tray does not start at login; `keyhop autostart enable` makes it",
        ),
        Err(e) => Check::new("start-at-login", Status::Warn, format!("{e}")),
    };
    vec![tray, login]
}

#[cfg(not(feature = "desktop"))]
fn desktop_checks(_: &Engine) -> Vec<Check> {
    vec![Check::new(
        "tray",
        Status::Ok,
        "this build is the command line alone (no tray, no start at login)",
    )]
}
