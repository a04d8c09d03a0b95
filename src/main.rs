//! keyhop: short-lived AWS credentials from the tray or the command line.

// A GUI-subsystem binary on Windows, so starting the tray flashes no console; CLI commands
// attach to the console of the shell that ran them (see `console.rs`).
#![cfg_attr(windows, windows_subsystem = "windows")]

#[cfg(feature = "desktop")]
mod app;
#[cfg(feature = "desktop")]
mod autostart;
mod browser;
mod cli;
// Windows only; its decisions are unit-tested everywhere.
#[cfg(any(windows, test))]
mod console;
#[cfg(feature = "desktop")]
mod external;
#[cfg(feature = "desktop")]
mod heap;
#[cfg(test)]
mod layering_tests;
mod mfa_code;
mod mfa_process;
#[cfg(feature = "desktop")]
mod notify;
mod present;
#[cfg(feature = "desktop")]
mod resume;
mod saml_signin;
mod serve;
#[cfg(feature = "desktop")]
mod single_instance;
#[cfg(test)]
mod test_support;
#[cfg(feature = "desktop")]
mod tray;
#[cfg(feature = "desktop")]
mod watch;
#[cfg(feature = "desktop")]
mod window;

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(windows)]
    console::attach_parent();
    let args = cli::Cli::parse_args();
    let tray = args.runs_tray();
    if !tray {
        quiet_on_closed_stdout();
    }
    init_tracing(tray);
    cli::run(args)
}

/// Logs go to stderr: a command prints only its one error line unless `KEYHOP_LOG` (an
/// `EnvFilter` spec) asks for more; the tray logs warnings. No secret is ever a field of
/// keyhop's spans or events, so any level is safe to turn on.
fn init_tracing(tray: bool) {
    // winit's warnings about the X server's quirks (XSETTINGS, 0 mm screens) are noise here.
    let default = if tray { "warn,winit=error" } else { "error" };
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYHOP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // The SDK's request dump at trace level prints headers, among them the SSO portal's bearer
    // token: dropped whatever KEYHOP_LOG says.
    let no_request_dump = tracing_subscriber::filter::filter_fn(|meta| {
        !(*meta.level() == tracing::Level::TRACE
            && meta.target().starts_with("aws_smithy_runtime::client::orchestrator"))
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(filter)
        .with_filter(no_request_dump);
    tracing_subscriber::registry().with(layer).init();
}

/// Rust ignores SIGPIPE, so a print to a closed pipe (`keyhop session list | head -c0`) would
/// panic; a command-line tool should end quietly instead, as `ls | head` does.
fn quiet_on_closed_stdout() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is always valid.
    #[allow(unsafe_code)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
