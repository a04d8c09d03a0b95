//! The session model. Everything here is plain data that serialises into the state file;
//! no secret lives in these types (keys and tokens are in the keyring, see `secrets`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::aws_files::RegionPrior;
use crate::validate::{MfaDevice, ProfileName, Region, RoleArn, RoleSessionName, SessionAlias, SessionDuration};

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum SessionKind {
    IamUser {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mfa_device: Option<MfaDevice>,
        #[serde(default)]
        duration: SessionDuration,
    },
    RoleChained {
        role_arn: RoleArn,
        role_session_name: RoleSessionName,
        assumer: SessionId,
    },
}

impl SessionKind {
    pub fn label(&self) -> &'static str {
        match self {
            SessionKind::IamUser { .. } => "iam-user",
            SessionKind::RoleChained { .. } => "role-chained",
        }
    }
    pub fn assumer(&self) -> Option<&SessionId> {
        match self {
            SessionKind::RoleChained { assumer, .. } => Some(assumer),
            SessionKind::IamUser { .. } => None,
        }
    }
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

impl Session {
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }
    pub fn expiration(&self) -> Option<OffsetDateTime> {
        self.active.as_ref().map(|a| a.expiration)
    }
}
