//! What the sign-in window does with what the page tells it, whatever the platform's window:
//! the page's messages (an assertion, "I want input"), its navigations, the close button and
//! the overall deadline each end the sign-in or show the window.

use std::cell::RefCell;
use std::path::PathBuf;

use keyhop_core::saml::{SignInExit, aws_saml_endpoint, aws_signin_hosts};
use serde::Deserialize;

/// What the platform's window does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Nothing,
    Show,
    Quit,
}

/// How the sign-in ended: the assertion (for stdout), or a status and a message (stderr).
pub enum Ending {
    Captured(String),
    Exit(SignInExit, String),
}

pub struct Flow {
    pub idp_url: String,
    pub cookie_dir: PathBuf,
    pub silent: bool,
    pub timeout_secs: u64,
    ending: RefCell<Option<Ending>>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum PageMessage {
    Assertion { action: String, response: String },
    Input,
}

impl Flow {
    pub fn new(idp_url: String, cookie_dir: PathBuf, silent: bool, timeout_secs: u64) -> Self {
        Self {
            idp_url,
            cookie_dir,
            silent,
            timeout_secs,
            ending: RefCell::new(None),
        }
    }

    /// The initialization script every page runs first (`hook.js`).
    pub fn script() -> String {
        let hosts = serde_json::to_string(&aws_signin_hosts()).expect("hosts serialise");
        include_str!("hook.js").replace("__KEYHOP_HOSTS__", &hosts)
    }

    pub fn title(&self) -> String {
        let host = url_host(&self.idp_url);
        format!("Sign in to {host} · keyhop")
    }

    /// A message the page posted (`window.ipc.postMessage`). Never logged: it may hold the
    /// assertion.
    pub fn on_message(&self, body: &str) -> Action {
        match serde_json::from_str::<PageMessage>(body) {
            // keyhop's own check decides, whatever the script thought.
            Ok(PageMessage::Assertion { action, response }) if aws_saml_endpoint(&action).is_some() => {
                self.end(Ending::Captured(response))
            }
            Ok(PageMessage::Input) if self.silent => self.end(Ending::Exit(
                SignInExit::NeedsUser,
                "the IdP wants you to sign in; nothing was shown (silent sign-in)".to_owned(),
            )),
            Ok(PageMessage::Input) => Action::Show,
            _ => Action::Nothing,
        }
    }

    /// Whether the page may go to `url`: never to AWS's SAML endpoint, so the assertion cannot
    /// leave the machine should the script miss the form that carries it.
    pub fn allow_navigation(&self, url: &str) -> bool {
        if aws_saml_endpoint(url).is_none() {
            return true;
        }
        if self.ending.borrow().is_none() {
            self.end(Ending::Exit(
                SignInExit::Failed,
                "the IdP's page went to AWS's SAML endpoint in a way keyhop could not read; it was stopped before anything was sent".to_owned(),
            ));
        }
        false
    }

    pub fn on_close(&self) -> Action {
        self.end(Ending::Exit(
            SignInExit::Cancelled,
            "the sign-in window was closed".to_owned(),
        ))
    }

    pub fn on_timeout(&self) -> Action {
        self.end(Ending::Exit(
            SignInExit::TimedOut,
            format!("no assertion within {} s", self.timeout_secs),
        ))
    }

    /// The first ending counts; later ones (a close after the capture) change nothing.
    fn end(&self, ending: Ending) -> Action {
        let mut slot = self.ending.borrow_mut();
        if slot.is_none() {
            *slot = Some(ending);
        }
        Action::Quit
    }

    pub fn is_over(&self) -> bool {
        self.ending.borrow().is_some()
    }

    pub fn has_captured(&self) -> bool {
        matches!(*self.ending.borrow(), Some(Ending::Captured(_)))
    }

    pub fn take(&self) -> Ending {
        self.ending
            .borrow_mut()
            .take()
            .unwrap_or_else(|| Ending::Exit(SignInExit::Failed, "the window ended without an assertion".to_owned()))
    }
}

fn url_host(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?', '#']).next())
        .unwrap_or(url)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(silent: bool) -> Flow {
        Flow::new("http://127.0.0.1:9/sso".into(), PathBuf::from("/x"), silent, 7)
    }

    fn captured(f: &Flow) -> Option<String> {
        match f.take() {
            Ending::Captured(r) => Some(r),
            Ending::Exit(..) => None,
        }
    }

    #[test]
    fn an_assertion_for_aws_ends_the_sign_in_one_for_elsewhere_does_not() {
        let f = flow(false);
        let msg =
            |action: &str| serde_json::json!({"kind": "assertion", "action": action, "response": "UEhE"}).to_string();
        assert_eq!(f.on_message(&msg("https://sp.example.com/saml/acs")), Action::Nothing);
        assert!(!f.is_over());
        assert_eq!(
            f.on_message(&msg("https://eu-west-1.signin.aws.amazon.com/saml")),
            Action::Quit
        );
        assert_eq!(captured(&f).as_deref(), Some("UEhE"));
    }

    #[test]
    fn input_shows_the_window_or_ends_a_silent_sign_in() {
        assert_eq!(flow(false).on_message(r#"{"kind":"input"}"#), Action::Show);
        let f = flow(true);
        assert_eq!(f.on_message(r#"{"kind":"input"}"#), Action::Quit);
        assert!(matches!(f.take(), Ending::Exit(SignInExit::NeedsUser, _)));
        assert_eq!(flow(false).on_message("not json"), Action::Nothing);
    }

    #[test]
    fn navigation_to_aws_is_refused_and_ends_the_sign_in() {
        let f = flow(false);
        assert!(f.allow_navigation("http://127.0.0.1:9/login"));
        assert!(!f.is_over());
        assert!(!f.allow_navigation("https://signin.amazonaws.cn/saml"));
        assert!(matches!(f.take(), Ending::Exit(SignInExit::Failed, _)));
    }

    #[test]
    fn the_first_ending_counts() {
        let f = flow(false);
        f.on_timeout();
        f.on_close();
        assert!(matches!(f.take(), Ending::Exit(SignInExit::TimedOut, m) if m.contains("7 s")));
        assert_eq!(f.title(), "Sign in to 127.0.0.1:9 · keyhop");
    }
}
