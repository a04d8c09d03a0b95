//! `keyhop exec` and `keyhop export`: a session's credentials as environment variables, for one
//! command or for the shell, without writing its named profile.

use std::process::{Command, ExitCode};

use keyhop_core::secrets::StsCredentials;
use keyhop_core::{Engine, Result};
use secrecy::ExposeSecret;

#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    alias: String,
    /// The 6-digit MFA code, when one is due (asked for on a terminal otherwise)
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,
    #[command(flatten)]
    saml: super::saml::ResponseFile,
    /// The command and its arguments (after `--`)
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    command: Vec<std::ffi::OsString>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// `export K='V'` lines for sh, bash, zsh
    #[default]
    Env,
    Fish,
    Powershell,
    /// The `credential_process` JSON
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The session's alias
    alias: String,
    /// The shell (or JSON) the lines are written for
    #[arg(long, value_enum, default_value_t = Format::Env)]
    format: Format,
    /// The MFA code, when the session needs one and no terminal can ask for it
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,
    #[command(flatten)]
    saml: super::saml::ResponseFile,
}

/// Variables that would point a tool at other credentials than the ones keyhop hands over.
const CLEARED: [&str; 10] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CREDENTIAL_PROCESS",
];

/// The session's credentials (starting them if needed, asking for an MFA code on a terminal)
/// and the variables that carry them.
async fn variables(
    engine: &Engine,
    alias: &str,
    mfa_code: Option<&str>,
    saml: &super::saml::ResponseFile,
) -> Result<(StsCredentials, Vec<(&'static str, String)>)> {
    let id = engine.resolve(alias)?;
    let code = super::mfa::code(engine, &id, mfa_code, true)?;
    let session = engine.session(&id)?;
    let c = crate::saml_signin::with_sign_in(engine, crate::saml_signin::Mode::Interactive, saml.read()?, |r| {
        engine.credentials_with_saml(&id, code.clone(), r)
    })
    .await?;
    let region = session.region.to_string();
    let vars = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id.clone()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key.expose_secret().to_owned()),
        ("AWS_SESSION_TOKEN", c.session_token.expose_secret().to_owned()),
        ("AWS_REGION", region.clone()),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_CREDENTIAL_EXPIRATION", keyhop_core::engine::rfc3339(c.expiration)),
        // What prompt tools read (starship's aws module, aws-vault's convention).
        ("AWS_SESSION_EXPIRATION", keyhop_core::engine::rfc3339(c.expiration)),
    ];
    Ok((c, vars))
}

/// `'…'` for POSIX shells: a `'` becomes `'\''`.
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

/// `'…'` for fish: `\` and `'` are escaped with `\`.
fn fish_quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', r"\\").replace('\'', r"\'"))
}

/// `'…'` for PowerShell: a `'` is doubled.
fn ps_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

pub fn render(format: Format, c: &StsCredentials, vars: &[(&'static str, String)]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    match format {
        Format::Env => {
            let _ = writeln!(out, "unset {}", CLEARED.join(" "));
            for (k, v) in vars {
                let _ = writeln!(out, "export {k}={}", sh_quote(v));
            }
        }
        Format::Fish => {
            for k in CLEARED {
                let _ = writeln!(out, "set -e {k};");
            }
            for (k, v) in vars {
                let _ = writeln!(out, "set -gx {k} {};", fish_quote(v));
            }
        }
        Format::Powershell => {
            for k in CLEARED {
                let _ = writeln!(out, "Remove-Item Env:{k} -ErrorAction SilentlyContinue");
            }
            for (k, v) in vars {
                let _ = writeln!(out, "$env:{k} = {}", ps_quote(v));
            }
        }
        Format::Json => {
            let json = serde_json::json!({
                "Version": 1,
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key.expose_secret(),
                "SessionToken": c.session_token.expose_secret(),
                "Expiration": keyhop_core::engine::rfc3339(c.expiration),
            });
            out.push_str(&json.to_string());
            out.push('\n');
        }
    }
    out
}

pub async fn export(engine: &Engine, a: ExportArgs) -> Result<()> {
    let (c, vars) = variables(engine, &a.alias, a.mfa_code.as_deref(), &a.saml).await?;
    print!("{}", render(a.format, &c, &vars));
    Ok(())
}

/// Runs the command with the session's credentials; its exit code becomes ours.
pub async fn exec(engine: &Engine, a: ExecArgs) -> Result<ExitCode> {
    let (_, vars) = variables(engine, &a.alias, a.mfa_code.as_deref(), &a.saml).await?;
    let (program, args) = a.command.split_first().expect("clap requires a command");
    let mut cmd = Command::new(program);
    cmd.args(args);
    for k in CLEARED {
        cmd.env_remove(k);
    }
    cmd.envs(vars.iter().map(|(k, v)| (*k, v)));
    #[cfg(windows)]
    crate::console::no_window_without_console(&mut cmd);
    // Before the spawn: a `kill PID` right after the command started must not end keyhop
    // (seen in a loaded run: the command had printed, keyhop died of SIGTERM, its trap never ran).
    let forward = signals::install();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("keyhop: cannot run {}: {e}", program.to_string_lossy());
            // As shells do: 127 not found, 126 not runnable.
            return Ok(ExitCode::from(if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            }));
        }
    };
    forward.child_started(child.id());
    let status = child
        .wait()
        .map_err(|e| keyhop_core::Error::Csv(format!("waiting for the command failed: {e}")))?;
    Ok(ExitCode::from(exit_code(status)))
}

/// The child's exit code, or 128 + the signal that ended it, as shells report it.
fn exit_code(status: std::process::ExitStatus) -> u8 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return u8::try_from(128 + sig).unwrap_or(u8::MAX);
        }
    }
    status.code().map_or(1, |c| u8::try_from(c & 0xff).unwrap_or(1))
}

#[cfg(unix)]
mod signals {
    //! SIGINT, SIGTERM and SIGHUP sent to keyhop alone (`kill PID`) go on to the command it
    //! runs, so the command is not orphaned. The ones a terminal generates (Ctrl-C, Ctrl-Backslash, a
    //! hangup) are not: the kernel sends those to the terminal's whole foreground process
    //! group, the command included, and a second copy makes tools like terraform abort at
    //! once. The two are told apart by `si_code`: kill(2) and sigqueue(3) mark what they send.
    //! (A `kill -INT -PGID` by another process reaches both and is marked like a `kill PID`:
    //! the command then gets it twice, as it did from every source before.)

    use std::sync::atomic::{AtomicI32, Ordering};

    /// What a `kill PID` of keyhop passes on to the command.
    const FORWARDED: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

    static CHILD: AtomicI32 = AtomicI32::new(0);
    /// A signal that came before the command existed: it reached neither copy, so the command
    /// gets it once it runs, whoever sent it.
    static PENDING: AtomicI32 = AtomicI32::new(0);

    #[cfg(not(target_vendor = "apple"))]
    const SENT_BY_A_PROCESS: [libc::c_int; 2] = [libc::SI_USER, libc::SI_QUEUE];
    /// macOS's <sys/signal.h> (not in the libc crate).
    #[cfg(target_vendor = "apple")]
    const SENT_BY_A_PROCESS: [libc::c_int; 2] = [0x10001, 0x10002];

    extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
        let pid = CHILD.load(Ordering::SeqCst);
        if pid <= 0 {
            PENDING.store(sig, Ordering::SeqCst);
            // The command may have started meanwhile: whoever takes PENDING delivers it.
            deliver_pending();
            return;
        }
        // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo_t for this signal.
        #[allow(unsafe_code)]
        let code = unsafe { info.as_ref() }.map(|i| i.si_code);
        if code.is_some_and(|c| SENT_BY_A_PROCESS.contains(&c)) {
            // SAFETY: kill(2) is async-signal-safe.
            #[allow(unsafe_code)]
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    /// Exactly once: the swap hands a pending signal to one taker.
    fn deliver_pending() {
        let pid = CHILD.load(Ordering::SeqCst);
        if pid <= 0 {
            return;
        }
        let sig = PENDING.swap(0, Ordering::SeqCst);
        if sig != 0 {
            // SAFETY: kill(2) is async-signal-safe (this also runs in the handler).
            #[allow(unsafe_code)]
            unsafe {
                libc::kill(pid, sig);
            }
        }
    }

    pub struct Forward;

    /// Installs the handlers; until `child_started`, what comes is kept for the command.
    pub fn install() -> Forward {
        for sig in FORWARDED {
            // SAFETY: a zeroed sigaction is a valid start; the handler only touches atomics and
            // the siginfo, and calls kill(2).
            #[allow(unsafe_code)]
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = forward as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                    as libc::sighandler_t;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
                libc::sigemptyset(&raw mut action.sa_mask);
                libc::sigaction(sig, &raw const action, std::ptr::null_mut());
            }
        }
        Forward
    }

    impl Forward {
        pub fn child_started(&self, pid: u32) {
            CHILD.store(pid.cast_signed(), Ordering::SeqCst);
            deliver_pending();
        }
    }

    impl Drop for Forward {
        /// The command has ended: the signals end keyhop again, as before.
        fn drop(&mut self) {
            for sig in FORWARDED {
                // SAFETY: SIG_DFL is always a valid disposition.
                #[allow(unsafe_code)]
                unsafe {
                    libc::signal(sig, libc::SIG_DFL);
                }
            }
            CHILD.store(0, Ordering::SeqCst);
        }
    }
}

#[cfg(not(unix))]
mod signals {
    //! On Windows a console's Ctrl-C reaches every process attached to it.
    pub struct Forward;
    pub fn install() -> Forward {
        Forward
    }
    impl Forward {
        pub fn child_started(&self, _pid: u32) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_for_each_shell() {
        assert_eq!(sh_quote("a'b c"), r"'a'\''b c'");
        assert_eq!(fish_quote(r"a'b\c"), r"'a\'b\\c'");
        assert_eq!(ps_quote("a'b"), "'a''b'");
    }

    /// A `kill PID` between the spawn and the handlers used to end keyhop (default action)
    /// and leave the command running. Now a signal before the command exists is kept for it.
    #[cfg(unix)]
    #[test]
    fn a_signal_before_the_command_runs_reaches_it_once_it_does() {
        use std::os::unix::process::ExitStatusExt;
        let forward = signals::install();
        // Without the handlers this ends the whole test binary.
        // SAFETY: raise(3) on this process; the handler only touches atomics and calls kill(2).
        #[allow(unsafe_code)]
        unsafe {
            libc::raise(libc::SIGTERM);
        }
        let mut child = Command::new("sh")
            .args(["-c", "trap 'exit 42' TERM; while :; do sleep 0.1; done"])
            .spawn()
            .expect("sh runs");
        forward.child_started(child.id());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("the SIGTERM kept for the command never reached it");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        // Before its trap is set the shell dies of it; after, the trap answers 42.
        assert!(
            status.code() == Some(42) || status.signal() == Some(libc::SIGTERM),
            "{status:?}"
        );
    }
}
