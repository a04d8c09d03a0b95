//! keyhop: short-lived AWS credentials from the tray or the command line.

// A GUI-subsystem binary on Windows, so starting the tray flashes no console; CLI commands
// attach to the console of the shell that ran them (see `attach_console`).
#![cfg_attr(windows, windows_subsystem = "windows")]

#[cfg(feature = "desktop")]
mod app;
#[cfg(feature = "desktop")]
mod autostart;
mod browser;
mod cli;
#[cfg(feature = "desktop")]
mod notify;
#[cfg(feature = "desktop")]
mod resume;
#[cfg(feature = "desktop")]
mod single_instance;
#[cfg(all(test, feature = "desktop"))]
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
    attach_console();
    let args = cli::Cli::parse_args();
    if !args.runs_tray() {
        quiet_on_closed_stdout();
    }
    init_tracing();
    cli::run(args)
}

/// Logs go to stderr, warnings only unless `KEYHOP_LOG` (an `EnvFilter` spec) asks for more.
/// No secret is ever a field of a span or event, so any level is safe to turn on.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KEYHOP_LOG")
        // winit's warnings about the X server's quirks (XSETTINGS, 0 mm screens) are noise here.
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,winit=error"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
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

#[cfg(windows)]
fn attach_console() {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    // Fails harmlessly when started from Explorer or autostart: there is no console to show.
    #[allow(unsafe_code)]
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}
