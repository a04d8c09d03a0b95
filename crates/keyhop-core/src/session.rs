//! The session model. Everything here is plain data that serialises into the state file;
//! no secret lives in these types (keys and tokens are in the keyring, see `secrets`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::aws_files::RegionPrior;
pub use crate::kinds::{KindName, SessionKind};
use crate::validate::{ProfileName, Region, SessionAlias};

/// Stable identity of a session: survives renames, names its keyring items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(String);

impl SessionId {
    pub fn random() -> Self {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).expect("the OS random source is available");
        Self(b.iter().fold(String::with_capacity(16), |mut s, x| {
            use std::fmt::Write;
            let _ = write!(s, "{x:02x}");
            s
        }))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// An id that came back from the UI or a notification action (it was ours).
    pub fn from_string(s: impl Into<String>) -> Self {
        Self(s.into())
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id: SessionId,
    pub alias: SessionAlias,
    pub profile: ProfileName,
    pub region: Region,
    pub kind: SessionKind,
    /// Present while this session's credentials are written into its profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Activation>,
}

/// What keyhop wrote for an active session, and what it must put back when it stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    #[serde(with = "time::serde::rfc3339")]
    pub expiration: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    pub region_prior: RegionPrior,
}

/// Whether a session's credentials are in its profile now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionStatus {
    Active,
    Inactive,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Inactive => "inactive",
        }
    }
}

impl Session {
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }
    pub fn status(&self) -> SessionStatus {
        if self.is_active() {
            SessionStatus::Active
        } else {
            SessionStatus::Inactive
        }
    }
    pub fn expiration(&self) -> Option<OffsetDateTime> {
        self.active.as_ref().map(|a| a.expiration)
    }
}
