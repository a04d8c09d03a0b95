//! keyhop-signin: the SAML sign-in window, in a process of its own so that the tray and the
//! command line never load a web engine. keyhop runs it as
//!
//!     keyhop-signin --idp-url URL --cookie-dir DIR --timeout SECS [--silent]
//!
//! It opens the IdP's sign-in page for the AWS app with the IdP's persistent cookies, stays
//! hidden while the IdP signs the user in from them, shows itself when the page wants input
//! (never, with `--silent`), and takes the SAMLResponse out of the form the page posts to AWS
//! before it leaves the machine. The assertion goes to stdout and nowhere else; the exit status
//! says how it ended (`keyhop_core::saml::SignInExit`), with a message on stderr.

// No console window flashes up on Windows when keyhop runs it.
#![cfg_attr(windows, windows_subsystem = "windows")]

mod channels;
mod flow;
#[cfg(target_os = "linux")]
mod gtk_window;
mod session_cookies;
mod webview;
#[cfg(not(target_os = "linux"))]
mod winit_window;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use flow::{Ending, Flow};
use keyhop_core::saml::SignInExit;

#[derive(Parser)]
#[command(
    name = "keyhop-signin",
    version,
    about = "keyhop's SAML sign-in window (keyhop runs it)"
)]
struct Args {
    /// The sign-in URL of the IdP's AWS app
    #[arg(long)]
    idp_url: String,
    /// The IdP's cookie store (created 0700)
    #[arg(long)]
    cookie_dir: PathBuf,
    /// Give up after this many seconds
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Never show the window: end with "needs the user" when the IdP wants input
    #[arg(long)]
    silent: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Ok(mut channels) = channels::take() else {
        eprintln!("keyhop-signin: cannot set up its output");
        return ExitCode::from(SignInExit::Failed.code());
    };
    // Whatever the web engine writes (cookies, caches) is the user's alone: files 0600, dirs 0700.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    if let Err(e) = keyhop_core::state::create_private_dir(&args.cookie_dir) {
        let message = format!("cannot create {}: {e}", args.cookie_dir.display());
        return fail(&mut channels, SignInExit::Failed, &message);
    }
    let flow = std::rc::Rc::new(Flow::new(args.idp_url, args.cookie_dir, args.silent, args.timeout));
    #[cfg(target_os = "linux")]
    let ran = gtk_window::run(&flow);
    #[cfg(not(target_os = "linux"))]
    let ran = winit_window::run(&flow);
    if let Err(e) = ran {
        return fail(&mut channels, SignInExit::Failed, &e);
    }
    match flow.take() {
        Ending::Captured(response) => {
            let out = &mut channels.out;
            if writeln!(out, "{response}").and_then(|()| out.flush()).is_err() {
                return fail(
                    &mut channels,
                    SignInExit::Failed,
                    "keyhop stopped reading the assertion",
                );
            }
            ExitCode::SUCCESS
        }
        Ending::Exit(status, message) => fail(&mut channels, status, &message),
    }
}

fn fail(channels: &mut channels::Channels, status: SignInExit, message: &str) -> ExitCode {
    let _ = writeln!(channels.err, "keyhop-signin: {message}");
    ExitCode::from(status.code())
}
