//! Every notification keyhop shows, one function each: the words live here, the triggers where
//! they happen. A new notification is one function here plus its call. Each returns a [`Note`]
//! that `notify::show` sends, so the texts are tested without a notification server.

use keyhop_core::session::SessionId;
use keyhop_core::sso::{ConnectionId, ConnectionName};

/// What a notification's button does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    None,
    /// "Enter MFA code": the MFA popup of this session.
    EnterMfa(SessionId),
    /// "Sign in": the browser sign-in to this SSO connection.
    SignIn(ConnectionId),
    /// "Sign in": the sign-in window of this SAML session's IdP.
    SamlSignIn(SessionId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub summary: String,
    pub body: String,
    pub button: Button,
}

fn note(summary: String, body: String) -> Note {
    Note {
        summary,
        body,
        button: Button::None,
    }
}

pub fn mfa_soon(alias: &str, left: &str, id: &SessionId) -> Note {
    Note {
        button: Button::EnterMfa(id.clone()),
        ..note(
            format!("{alias}: MFA code needed soon"),
            format!("The credentials of {alias} expire in {left} and need a new MFA code to renew."),
        )
    }
}

pub fn mfa_needed(alias: &str, why: &str, id: &SessionId) -> Note {
    Note {
        button: Button::EnterMfa(id.clone()),
        ..note(format!("{alias}: MFA code needed"), why.to_owned())
    }
}

pub fn sign_in_needed(connection: &ConnectionName, id: &ConnectionId, why: &str) -> Note {
    Note {
        button: Button::SignIn(id.clone()),
        ..note(format!("Sign in to {connection}"), why.to_owned())
    }
}

/// A background refresh of a SAML session found the IdP wanting the user.
pub fn saml_sign_in_needed(idp_host: &str, id: &SessionId, why: &str) -> Note {
    Note {
        button: Button::SamlSignIn(id.clone()),
        ..note(format!("Sign in to {idp_host}"), why.to_owned())
    }
}

pub fn sign_in_failed(connection: &str, why: &str) -> Note {
    note(format!("Sign-in to {connection} failed"), why.to_owned())
}

pub fn expired(alias: &str) -> Note {
    note(
        format!("{alias} expired"),
        "Its credentials ran out; keyhop takes them out of the profile. Start it again from the tray.".to_owned(),
    )
}

pub fn refresh_failed(alias: &str, why: &str) -> Note {
    note(
        format!("Refreshing {alias} failed"),
        format!("{why}. keyhop will retry."),
    )
}

pub fn start_failed(alias: &str, why: &str) -> Note {
    note(format!("keyhop could not start {alias}"), why.to_owned())
}

pub fn stop_failed(alias: &str, why: &str) -> Note {
    note(format!("keyhop could not stop {alias}"), why.to_owned())
}

pub fn console_failed(alias: &str, why: &str) -> Note {
    note(format!("{alias}: cannot open the AWS console"), why.to_owned())
}

pub fn profile_overwritten(profile: &str, alias: &str) -> Note {
    note(
        format!("Profile {profile} was changed by another program"),
        format!("It no longer holds the credentials of {alias}. Stop and start {alias} to take it back."),
    )
}

pub fn synced(connection: &str, summary: &str) -> Note {
    note(format!("{connection} synced"), summary.to_owned())
}

pub fn sync_failed(connection: &str, why: &str) -> Note {
    note(format!("Sync of {connection} failed"), why.to_owned())
}

/// A sentence about the AWS files from a start (a mode made 0600, a backup kept).
pub fn aws_file_changed(notice: &str) -> Note {
    note("keyhop changed an AWS file".to_owned(), notice.to_owned())
}

/// An IAM user's access key reached the age set in Settings (once per key).
pub fn key_old(alias: &str, days: i64) -> Note {
    note(
        format!("{alias}: access key is {days} days old"),
        format!("Rotate it with `keyhop session rotate {alias}`: a new key replaces it, and the old one is deleted."),
    )
}

/// `done`: what the rotation did, in one sentence.
pub fn key_rotated(alias: &str, done: &str) -> Note {
    note(format!("{alias}: access key rotated"), done.to_owned())
}

pub fn rotate_failed(alias: &str, why: &str) -> Note {
    note(format!("{alias}: access key not rotated"), why.to_owned())
}

pub fn settings_unreadable(why: &str) -> Note {
    note("keyhop settings".to_owned(), format!("{why}; using the defaults"))
}

pub fn state_unreadable(why: &str) -> Note {
    note("keyhop cannot read its state".to_owned(), why.to_owned())
}

pub fn quit_with_active(active: usize) -> Note {
    note(
        "keyhop quit".to_owned(),
        format!("{active} session(s) stay active until their credentials expire; nothing will refresh them."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_name_their_subject_and_buttons_carry_their_target() {
        let id = SessionId::from_string("abc");
        let n = mfa_soon("dev", "9m", &id);
        assert!(n.summary.contains("dev") && n.body.contains("9m"));
        assert_eq!(n.button, Button::EnterMfa(id));
        let (name, id) = (
            ConnectionName::parse("acme").unwrap(),
            ConnectionId::from_string("sso-1"),
        );
        assert_eq!(sign_in_needed(&name, &id, "x").button, Button::SignIn(id));
        let (s, n) = (
            SessionId::from_string("fed"),
            saml_sign_in_needed("idp.example.com", &SessionId::from_string("fed"), "x"),
        );
        assert_eq!(
            (n.summary.as_str(), n.button),
            ("Sign in to idp.example.com", Button::SamlSignIn(s))
        );
        assert_eq!(expired("dev").button, Button::None);
        assert!(refresh_failed("dev", "STS down").body.ends_with("keyhop will retry."));
        assert!(profile_overwritten("p", "dev").body.contains("Stop and start dev"));
        assert!(quit_with_active(2).body.starts_with("2 session(s)"));
        let c = console_failed("dev", "cannot reach the AWS sign-in federation endpoint");
        assert!(c.summary.contains("dev") && c.summary.contains("console") && c.body.contains("federation"));
        let old = key_old("dev", 91);
        assert!(old.summary.contains("dev") && old.summary.contains("91 days"));
        assert!(old.body.contains("keyhop session rotate dev"));
    }
}
