//! `keyhop doctor`: why an AWS tool might not get the credentials keyhop wrote. Each check is
//! one typed result (`ok`, `warn`, `fail`) with one sentence of what to do; the CLI prints them.
//! Nothing here prints, and no message carries a secret: values of variables and files are
//! never quoted, only names, paths, lines and access key ids that keyhop itself wrote.

mod clock;
mod environment;

use std::path::Path;

use serde::Serialize;
use time::OffsetDateTime;

use crate::aws_files::shadow::Resolver;
use crate::aws_files::{IniDoc, read_file};
use crate::engine::Engine;
use crate::secrets::SecretStore;
use crate::session::{KindName, Session};
use crate::state::State;

pub use clock::{ClockSkew, FAIL_SKEW, WARN_SKEW};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked: `keyring`, `state`, `credentials-file`, `session dev`, …
    pub name: String,
    pub status: Status,
    /// What was found, and what to do about it.
    pub message: String,
}

impl Check {
    pub fn new(name: impl Into<String>, status: Status, message: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status,
            message: message.into(),
        }
    }
    fn ok(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Status::Ok, message)
    }
    fn warn(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Status::Warn, message)
    }
    fn fail(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Status::Fail, message)
    }
}

/// The worst status of `checks` (`Ok` for none).
pub fn overall(checks: &[Check]) -> Status {
    checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok)
}

/// Every check the core can make (the tray and start at login are the binary's). The clock
/// check waits at most `clock_bound` for STS.
pub async fn run<S: SecretStore>(engine: &Engine<S>, clock_bound: std::time::Duration) -> Vec<Check> {
    let mut out = vec![];
    let state = match engine.read_state() {
        Ok(st) => {
            out.push(Check::ok(
                "state",
                format!(
                    "{} reads ({} sessions, {} active)",
                    engine.state_store().path().display(),
                    st.sessions.len(),
                    st.sessions.iter().filter(|s| s.is_active()).count()
                ),
            ));
            Some(st)
        }
        Err(e) => {
            out.push(Check::fail("state", format!("{e}")));
            None
        }
    };
    out.push(keyring(engine, state.as_ref()));
    out.push(file_check("credentials-file", &engine.aws_files().credentials, true));
    out.push(file_check("config-file", &engine.aws_files().config, false));
    if let Some(st) = &state {
        out.extend(sessions(engine, st));
    }
    out.push(rotation_journal(engine));
    let region = crate::settings::Settings::load(engine.state_store())
        .unwrap_or_default()
        .default_region;
    out.push(clock::check(engine.endpoints(), &region, clock_bound).await);
    out.extend(environment::checks(state.as_ref(), &|name: &str| {
        std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }));
    out
}

/// The keyring answers, and is unlocked: an item of the first session is read (a locked
/// Secret Service refuses that; an absent item answers without unlocking).
fn keyring<S: SecretStore>(engine: &Engine<S>, st: Option<&State>) -> Check {
    let first = st.and_then(|st| st.sessions.first());
    let read = match first {
        Some(s) if s.kind.name() == KindName::IamUser => engine.secrets().long_term(&s.id).map(|k| k.is_some()),
        Some(s) => engine.secrets().cached(&s.id).map(|c| c.is_some()),
        None => engine.secrets().probe().map(|()| true),
    };
    match read {
        Ok(_) => Check::ok("keyring", "the OS keyring answers and is unlocked"),
        Err(e) => Check::fail("keyring", e.to_string()),
    }
}

/// An AWS file reads as botocore reads it; the credentials file is private.
fn file_check(name: &str, path: &Path, private: bool) -> Check {
    let text = match read_file(path) {
        Ok(Some(text)) => text,
        Ok(None) => {
            return Check::ok(
                name,
                format!(
                    "{} does not exist yet; keyhop creates it on the first start",
                    path.display()
                ),
            );
        }
        Err(e) => return Check::fail(name, format!("{e}")),
    };
    if let Err(problem) = IniDoc::parse(&text).check() {
        return Check::fail(
            name,
            format!(
                "{}: {problem}; the AWS CLI fails on the whole file: fix that line",
                path.display()
            ),
        );
    }
    let mode = file_mode(path);
    match mode {
        Some(m) if private && m & 0o077 != 0 => Check::warn(
            name,
            format!(
                "{} reads as the AWS CLI reads it, but its mode is {m:04o}: other users can read it; run chmod 600 {}",
                path.display(),
                path.display()
            ),
        ),
        Some(m) => Check::ok(
            name,
            format!("{} reads as the AWS CLI reads it (mode {m:04o})", path.display()),
        ),
        None => Check::ok(name, format!("{} reads as the AWS CLI reads it", path.display())),
    }
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> Option<u32> {
    None
}

/// Every active session: its profile is in the credentials file, unexpired, not shadowed, and
/// holds the access key keyhop wrote.
fn sessions<S: SecretStore>(engine: &Engine<S>, st: &State) -> Vec<Check> {
    let active: Vec<&Session> = st.sessions.iter().filter(|s| s.is_active()).collect();
    if active.is_empty() {
        return vec![Check::ok("sessions", "no session is active; nothing to check")];
    }
    let files = engine.aws_files();
    let doc = match read_file(&files.credentials) {
        Ok(text) => IniDoc::parse(&text.unwrap_or_default()),
        Err(e) => return vec![Check::fail("sessions", format!("{e}"))],
    };
    let resolver = Resolver::load(files).ok();
    let now = OffsetDateTime::now_utc();
    active
        .into_iter()
        .map(|s| session(engine, s, &doc, resolver.as_ref(), now))
        .collect()
}

fn session<S: SecretStore>(
    engine: &Engine<S>,
    s: &Session,
    doc: &IniDoc,
    resolver: Option<&Resolver>,
    now: OffsetDateTime,
) -> Check {
    let name = format!("session {}", s.alias);
    let profile = s.profile.as_str();
    let restart = format!("run keyhop session start {:?}", s.alias.as_str());
    let Some(found) = doc.get(profile, "aws_access_key_id") else {
        return Check::fail(
            name,
            format!(
                "profile {profile} has no credentials in the credentials file although the session is active; {restart}"
            ),
        );
    };
    if let Some(shadow) = resolver.and_then(|r| r.shadow(profile)) {
        return Check::fail(
            name,
            format!(
                "profile {profile} is shadowed: {}; give the session another profile name or remove those lines",
                shadow.reason()
            ),
        );
    }
    match engine.secrets().cached(&s.id) {
        Ok(Some(ours)) if ours.access_key_id != found => {
            return Check::fail(
                name,
                format!(
                    "profile {profile} holds access key {found}, not the {} keyhop wrote: another program overwrote it; {restart}",
                    ours.access_key_id
                ),
            );
        }
        Ok(_) => {}
        Err(e) => return Check::warn(name, format!("cannot compare profile {profile} with the keyring: {e}")),
    }
    let expiration = s.expiration().unwrap_or(now);
    if expiration <= now {
        return Check::fail(
            name,
            format!(
                "the credentials in profile {profile} expired at {}; {restart}",
                crate::engine::rfc3339(expiration)
            ),
        );
    }
    let holds = format!(
        "profile {profile} holds keyhop's credentials, valid for {} min",
        (expiration - now).whole_minutes()
    );
    let rust_first = resolver.map(|r| r.rust_sdk_first(profile)).unwrap_or_default();
    if rust_first.is_empty() {
        return Check::ok(name, holds);
    }
    Check::warn(
        name,
        format!(
            "{holds}, and the AWS CLI and boto3 use them; but the AWS SDK for Rust (aws-config) acts on {} before it reads them: remove those lines or give the session another profile name",
            crate::aws_files::shadow::locations(&rust_first)
        ),
    )
}

/// A `session rotate` left half-done (killed between its steps): two active keys, or the old
/// one out of the keyring. The rotation journal says which; the next `session rotate` of that
/// session finishes or undoes it.
fn rotation_journal<S: SecretStore>(engine: &Engine<S>) -> Check {
    match crate::engine::pending_rotations(engine.state_store()) {
        Ok(pending) if pending.is_empty() => Check::ok("rotation", "no access-key rotation was left half-done"),
        Ok(pending) => {
            let named: Vec<String> = pending
                .iter()
                .map(|p| {
                    let new = p.new_key.as_deref().unwrap_or("(not known yet)");
                    format!("{:?} (old key {}, new key {new})", p.alias, p.old_key)
                })
                .collect();
            Check::fail(
                "rotation",
                format!(
                    "an access-key rotation was interrupted for {}; run `keyhop session rotate` on it again to finish or undo it",
                    named.join(", ")
                ),
            )
        }
        Err(e) => Check::warn("rotation", format!("cannot read the rotation journal ({e})")),
    }
}
