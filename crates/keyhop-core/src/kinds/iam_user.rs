//! IAM User: long-term access keys in the keyring, GetSessionToken (with an MFA code when the
//! user has a device). Its session token is cached so that restarting, or chaining a role on
//! top, needs no new code while it is valid.

use serde::{Deserialize, Serialize};

use super::{Freshness, JsonFields, Providers};
use crate::error::{Error, Result};
use crate::mfa_command::MfaProcess;
use crate::secrets::{LongTermKeys, SecretStore, Secrets, StsCredentials};
use crate::session::{Session, SessionId};
use crate::sts;
use crate::validate::{AccessKeyId, MfaCode, MfaDevice, SecretAccessKey, SessionDuration};

/// A cached session token is reused only while it has at least this long left.
pub const REUSE_MARGIN: time::Duration = time::Duration::minutes(5);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_device: Option<MfaDevice>,
    #[serde(default)]
    pub duration: SessionDuration,
    /// The command that prints the MFA code when one is needed (instead of asking).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_process: Option<MfaProcess>,
}

/// What an IAM user shows (`session list --json`: `mfa_device`, `mfa_process`,
/// `duration_seconds`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Details {
    pub mfa_device: Option<MfaDevice>,
    /// The command that prints the MFA code (`--mfa-process`).
    pub mfa_process: Option<MfaProcess>,
    pub duration_seconds: u64,
}

impl JsonFields for Details {
    const JSON_FIELDS: &'static [&'static str] = &["mfa_device", "mfa_process", "duration_seconds"];
}

impl Details {
    pub(super) fn summary(&self) -> String {
        if self.mfa_device.is_some() {
            "IAM User · MFA"
        } else {
            "IAM User"
        }
        .to_owned()
    }
}

pub struct New {
    pub keys: LongTermKeys,
    pub mfa_device: Option<MfaDevice>,
    pub duration: SessionDuration,
    pub mfa_process: Option<MfaProcess>,
}

/// `None` leaves a field as it is; `mfa_device: Some(None)` removes the device.
#[derive(Default)]
pub struct Edit {
    pub mfa_device: Option<Option<MfaDevice>>,
    pub duration: Option<SessionDuration>,
    /// `Some(None)` removes the command.
    pub mfa_process: Option<Option<MfaProcess>>,
    pub access_key_id: Option<AccessKeyId>,
    pub secret_access_key: Option<SecretAccessKey>,
}

impl IamUser {
    pub(super) fn reuse_margin(&self, is_target: bool, mfa_given: bool, fresh: Freshness) -> Option<time::Duration> {
        // A code typed by the user asks for a new token even if one is cached.
        let code_typed = self.mfa_device.is_some() && mfa_given;
        let refreshing = is_target && fresh == Freshness::Refresh;
        (!code_typed && !refreshing).then_some(REUSE_MARGIN)
    }

    pub(super) async fn fetch<S: SecretStore>(
        &self,
        p: &Providers<'_, S>,
        s: &Session,
        mfa: Option<&MfaCode>,
    ) -> Result<StsCredentials> {
        let keys = p
            .secrets
            .long_term(&s.id)?
            .ok_or_else(|| Error::MissingKeys(s.alias.to_string()))?;
        let mfa_pair = match &self.mfa_device {
            None => None,
            Some(d) => Some((
                d,
                mfa.ok_or_else(|| Error::MfaRequired {
                    alias: s.alias.to_string(),
                    device: d.clone(),
                })?,
            )),
        };
        sts::get_session_token(p.endpoints, &s.region, &keys, mfa_pair, self.duration)
            .await
            .map_err(|source| Error::Sts {
                step: "GetSessionToken",
                alias: s.alias.to_string(),
                source,
            })
    }

    pub(super) fn details(&self) -> Details {
        Details {
            mfa_device: self.mfa_device.clone(),
            mfa_process: self.mfa_process.clone(),
            duration_seconds: self.duration.secs(),
        }
    }

    pub(super) fn apply(&mut self, e: &Edit) {
        if let Some(d) = &e.mfa_device {
            self.mfa_device.clone_from(d);
        }
        if let Some(d) = e.duration {
            self.duration = d;
        }
        if let Some(p) = &e.mfa_process {
            self.mfa_process.clone_from(p);
        }
    }

    /// The same credentials would come out: equal but for the MFA command, which only changes
    /// how a code is obtained.
    pub(super) fn same_credentials(&self, other: &Self) -> bool {
        self.mfa_device == other.mfa_device && self.duration == other.duration
    }
}

impl New {
    pub(super) fn create<S: SecretStore>(&self, secrets: &Secrets<S>, id: &SessionId) -> Result<IamUser> {
        secrets.set_long_term(id, &self.keys)?;
        Ok(IamUser {
            mfa_device: self.mfa_device.clone(),
            duration: self.duration,
            mfa_process: self.mfa_process.clone(),
        })
    }
}

impl Edit {
    pub(super) fn first_field(&self) -> &'static str {
        if self.mfa_device.is_some() {
            "an MFA device"
        } else if self.duration.is_some() {
            "a session duration"
        } else if self.mfa_process.is_some() {
            "an MFA command"
        } else {
            "access keys"
        }
    }

    /// New keys: a new id with its secret, or a new secret for the stored id.
    pub(super) fn store_secrets<S: SecretStore>(&self, secrets: &Secrets<S>, s: &Session) -> Result<()> {
        if self.access_key_id.is_none() && self.secret_access_key.is_none() {
            return Ok(());
        }
        let old = secrets.long_term(&s.id)?;
        let missing = || Error::MissingKeys(s.alias.to_string());
        let access_key_id = match (&self.access_key_id, &old) {
            (Some(k), _) => k.clone(),
            (None, Some(o)) => o.access_key_id.clone(),
            (None, None) => return Err(missing()),
        };
        let secret_access_key = match (&self.secret_access_key, old) {
            (Some(k), _) => k.clone(),
            (None, Some(o)) => o.secret_access_key,
            (None, None) => return Err(missing()),
        };
        secrets.set_long_term(
            &s.id,
            &LongTermKeys {
                access_key_id,
                secret_access_key,
            },
        )?;
        Ok(())
    }
}
