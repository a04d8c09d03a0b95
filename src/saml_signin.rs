//! SAML sign-ins through the sign-in window, `keyhop-signin` (src/signin/): a process of its
//! own, so WebKit (or WebView2, WKWebView) never loads into the tray or the command line. keyhop
//! passes it the IdP URL and the IdP's cookie store on argv (neither is secret) and reads the
//! assertion from its stdout pipe: never argv, never a file, never a log.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use keyhop_core::saml::{IdpUrl, SamlError, SamlResponse, SignInExit, cookie_dir};
use keyhop_core::{Engine, Error, Result};

/// How long a sign-in may take unless `KEYHOP_SAML_SIGNIN_TIMEOUT` (seconds) says otherwise.
const DEFAULT_TIMEOUT_SECS: u64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The window shows itself when the IdP wants the user.
    Interactive,
    /// Never shown (background refresh): an IdP that wants the user ends it with
    /// `SamlError::SignInNeedsUser`.
    Silent,
}

/// Runs `op` without an assertion, and when it needs one (a SAML session in its chain with no
/// good cached credentials), signs in at the IdP and runs it again with the assertion. With
/// `given` (`--saml-response-file`), runs it once with that.
pub async fn with_sign_in<T, F, Fut>(engine: &Engine, mode: Mode, given: Option<SamlResponse>, op: F) -> Result<T>
where
    F: Fn(Option<SamlResponse>) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    if given.is_some() {
        return op(given).await;
    }
    match op(None).await {
        Err(Error::Saml(SamlError::NeedsSignIn { idp_url, .. })) => {
            let idp = IdpUrl::parse(&idp_url)?;
            let response = sign_in(engine.state_store().dir(), &idp, mode)?;
            op(Some(response)).await
        }
        other => other,
    }
}

/// The assertion the IdP at `idp` posts for its AWS app, from the sign-in window. Blocks until
/// the window ends.
pub fn sign_in(state_dir: &Path, idp: &IdpUrl, mode: Mode) -> std::result::Result<SamlResponse, SamlError> {
    let needs = |why| SamlError::NeedsSignIn {
        idp_url: idp.to_string(),
        why,
    };
    if !has_display() {
        return Err(needs("there is no display to show the IdP's sign-in page on"));
    }
    let exe = window_program()
        .ok_or_else(|| needs("this keyhop has no sign-in window (keyhop-signin is not installed beside it)"))?;
    let idp_host = idp.host();
    let failed = |reason: String| SamlError::SignInFailed {
        idp_host: idp_host.clone(),
        reason,
    };
    let dir = cookie_dir(state_dir, idp);
    keyhop_core::state::create_private_dir(&dir)
        .map_err(|e| failed(format!("cannot create {}: {e}", dir.display())))?;
    let secs = timeout_secs();
    let silent = mode == Mode::Silent;
    let _span = tracing::info_span!("saml_sign_in", idp_host = %idp_host, silent).entered();
    let mut command = Command::new(&exe);
    command
        .arg("--idp-url")
        .arg(idp.as_str())
        .arg("--cookie-dir")
        .arg(&dir)
        .arg("--timeout")
        .arg(secs.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if silent {
        command.arg("--silent");
    }
    let out = command
        .output()
        .map_err(|e| failed(format!("cannot run {}: {e}", exe.display())))?;
    let status = SignInExit::from_code(out.status.code());
    tracing::info!(?status, "the sign-in window ended");
    match status {
        SignInExit::Captured => SamlResponse::new(&String::from_utf8_lossy(&out.stdout)),
        SignInExit::NeedsUser => Err(SamlError::SignInNeedsUser { idp_host }),
        SignInExit::Cancelled => Err(SamlError::SignInCancelled { idp_host }),
        SignInExit::TimedOut => Err(SamlError::SignInTimedOut { idp_host, secs }),
        SignInExit::Failed => Err(failed(
            window_message(&out.stderr).unwrap_or_else(|| out.status.to_string()),
        )),
    }
}

/// The window's own message: its last `keyhop-signin: ` line. The rest of its stderr (the web
/// engine's chatter) is dropped unread.
fn window_message(stderr: &[u8]) -> Option<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("keyhop-signin: "))
        .map(str::to_owned)
}

/// `keyhop-signin` beside this executable (where packages and `cargo build` put it), or beside
/// the file a symlink to keyhop points at (macOS: /usr/local/bin/keyhop to the app's keyhop).
pub fn window_program() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let name = format!("keyhop-signin{}", std::env::consts::EXE_SUFFIX);
    [Some(exe.clone()), std::fs::canonicalize(&exe).ok()]
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e.parent()?.join(&name)))
        .find(|p| p.is_file())
}

fn timeout_secs() -> u64 {
    std::env::var("KEYHOP_SAML_SIGNIN_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&s| s > 0)
        .unwrap_or(DEFAULT_TIMEOUT_SECS)
}

pub fn has_display() -> bool {
    cfg!(any(windows, target_os = "macos"))
        || ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_windows_own_line_is_kept() {
        let stderr = b"(WebKitWebProcess:1): Gtk-WARNING: secret=abc\nkeyhop-signin: cannot start the web view: x\n";
        assert_eq!(
            super::window_message(stderr).as_deref(),
            Some("cannot start the web view: x")
        );
        assert_eq!(super::window_message(b"noise only\n"), None);
    }
}
