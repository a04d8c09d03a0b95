//! `keyhop doctor [--json]`: one line per check (`ok`, `warn`, `fail`, with what to do), exit 1
//! when a check fails. The checks are the core's (`keyhop_core::doctor`) plus those only the
//! binary can make: whether the tray runs, whether it starts at login, and whether the SAML
//! sign-in window is installed beside keyhop.

use std::process::ExitCode;
use std::time::Duration;

use keyhop_core::Engine;
use keyhop_core::doctor::{self, Check, Status};
use keyhop_core::kinds::KindName;

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
    checks.extend(signin_check(engine));
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

/// Whether keyhop finds its sign-in window (`keyhop-signin`, beside itself): always said in a
/// build that has one, and in a command-line build once there is a SAML session.
fn signin_check(engine: &Engine) -> Option<Check> {
    const NAME: &str = "sign-in-window";
    if let Some(path) = crate::saml_signin::window_program() {
        let message = format!("the SAML sign-in window is installed ({})", path.display());
        return Some(Check::new(NAME, Status::Ok, message));
    }
    let has_saml = engine
        .list()
        .is_ok_and(|sessions| sessions.iter().any(|s| s.kind == KindName::AwsSaml));
    if !cfg!(feature = "webview") && !has_saml {
        return None;
    }
    let message = if cfg!(feature = "webview") {
        "keyhop-signin is not beside keyhop, so SAML sessions cannot sign in at their IdP; \
         reinstall keyhop's package (it installs both), or start them with `--saml-response-file`"
    } else {
        "this keyhop is the command line alone (no SAML sign-in window); start SAML sessions \
         with `--saml-response-file`, or install the desktop build"
    };
    Some(Check::new(NAME, Status::Warn, message))
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
