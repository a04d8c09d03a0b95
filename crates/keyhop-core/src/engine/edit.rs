//! Adding, editing and removing sessions. Every rule is checked inside the state lock before
//! anything is written, so a refused command changes nothing.

use super::{Engine, by_alias, index_of};
use crate::chain;
use crate::error::{Error, Result};
use crate::secrets::{LongTermKeys, SecretStore};
use crate::session::{Session, SessionId, SessionKind};
use crate::state::State;
use crate::validate::{
    AccessKeyId, MfaDevice, ProfileName, Region, RoleArn, RoleSessionName, SecretAccessKey, SessionAlias,
    SessionDuration,
};

pub struct NewSession {
    pub alias: SessionAlias,
    pub profile: ProfileName,
    pub region: Region,
    pub kind: NewKind,
}

pub enum NewKind {
    IamUser {
        keys: LongTermKeys,
        mfa_device: Option<MfaDevice>,
        duration: SessionDuration,
    },
    RoleChained {
        role_arn: RoleArn,
        role_session_name: RoleSessionName,
        assumer: SessionAlias,
    },
}

/// A partial change; `None` leaves a field as it is.
#[derive(Default)]
pub struct SessionEdit {
    pub alias: Option<SessionAlias>,
    pub profile: Option<ProfileName>,
    pub region: Option<Region>,
    /// `Some(None)` removes the MFA device.
    pub mfa_device: Option<Option<MfaDevice>>,
    pub duration: Option<SessionDuration>,
    pub access_key_id: Option<AccessKeyId>,
    pub secret_access_key: Option<SecretAccessKey>,
    pub role_arn: Option<RoleArn>,
    pub role_session_name: Option<RoleSessionName>,
    pub assumer: Option<SessionAlias>,
}

#[derive(Debug, Clone)]
pub struct EditOutcome {
    pub session: Session,
    /// The session was active and the change needed new credentials, so it was stopped.
    pub stopped: bool,
}

impl<S: SecretStore> Engine<S> {
    pub fn add(&self, new: NewSession) -> Result<Session> {
        let id = SessionId::random();
        let mut wrote_keys = false;
        let result = self.store.update(|st| {
            self.check_alias_free(st, &new.alias, None)?;
            self.check_profile_usable(st, &new.profile)?;
            let kind = match &new.kind {
                NewKind::IamUser {
                    keys,
                    mfa_device,
                    duration,
                } => {
                    self.secrets.set_long_term(&id, keys)?;
                    wrote_keys = true;
                    SessionKind::IamUser {
                        mfa_device: mfa_device.clone(),
                        duration: *duration,
                    }
                }
                NewKind::RoleChained {
                    role_arn,
                    role_session_name,
                    assumer,
                } => SessionKind::RoleChained {
                    role_arn: role_arn.clone(),
                    role_session_name: role_session_name.clone(),
                    assumer: by_alias(&st.sessions, assumer.as_str())?.id.clone(),
                },
            };
            let s = Session {
                id: id.clone(),
                alias: new.alias.clone(),
                profile: new.profile.clone(),
                region: new.region.clone(),
                kind,
                active: None,
            };
            st.sessions.push(s.clone());
            Ok(s)
        });
        if result.is_err() && wrote_keys {
            // The state was not saved: leave no orphan secret behind.
            let _ = self.secrets.delete_all(&id);
        }
        result
    }

    pub fn edit(&self, alias: &str, e: SessionEdit) -> Result<EditOutcome> {
        self.store.update(|st| {
            let idx = index_of(&st.sessions, alias)?;
            let before = st.sessions[idx].clone();
            let mut s = before.clone();
            let not_applicable = |field| Error::NotApplicable {
                field,
                alias: before.alias.to_string(),
                kind: before.kind.label(),
            };
            if let Some(a) = &e.alias {
                self.check_alias_free(st, a, Some(&s.id))?;
                s.alias = a.clone();
            }
            if let Some(p) = &e.profile
                && p != &s.profile
            {
                self.check_profile_usable(st, p)?;
                s.profile = p.clone();
            }
            if let Some(r) = &e.region {
                s.region = r.clone();
            }
            let keys_changed = e.access_key_id.is_some() || e.secret_access_key.is_some();
            match &mut s.kind {
                SessionKind::IamUser { mfa_device, duration } => {
                    if let Some(d) = &e.mfa_device {
                        mfa_device.clone_from(d);
                    }
                    if let Some(d) = e.duration {
                        *duration = d;
                    }
                    for (set, field) in [
                        (e.role_arn.is_some(), "a role ARN"),
                        (e.role_session_name.is_some(), "a role session name"),
                        (e.assumer.is_some(), "an assumer session"),
                    ] {
                        if set {
                            return Err(not_applicable(field));
                        }
                    }
                }
                SessionKind::RoleChained {
                    role_arn,
                    role_session_name,
                    assumer,
                } => {
                    for (set, field) in [
                        (e.mfa_device.is_some(), "an MFA device"),
                        (e.duration.is_some(), "a session duration"),
                        (keys_changed, "access keys"),
                    ] {
                        if set {
                            return Err(not_applicable(field));
                        }
                    }
                    if let Some(a) = &e.role_arn {
                        *role_arn = a.clone();
                    }
                    if let Some(n) = &e.role_session_name {
                        *role_session_name = n.clone();
                    }
                    if let Some(a) = &e.assumer {
                        let new_assumer = by_alias(&st.sessions, a.as_str())?.id.clone();
                        if new_assumer == s.id {
                            return Err(Error::SelfAssumer(before.alias.to_string()));
                        }
                        chain::check_new_assumer(&st.sessions, &s.id, &new_assumer)?;
                        *assumer = new_assumer;
                    }
                }
            }
            if keys_changed {
                let old = self.secrets.long_term(&s.id)?;
                let access_key_id = match (&e.access_key_id, &old) {
                    (Some(k), _) => k.clone(),
                    (None, Some(o)) => o.access_key_id.clone(),
                    (None, None) => return Err(Error::MissingKeys(before.alias.to_string())),
                };
                let secret_access_key = match (&e.secret_access_key, old) {
                    (Some(k), _) => k.clone(),
                    (None, Some(o)) => o.secret_access_key,
                    (None, None) => return Err(Error::MissingKeys(before.alias.to_string())),
                };
                self.secrets.set_long_term(
                    &s.id,
                    &LongTermKeys {
                        access_key_id,
                        secret_access_key,
                    },
                )?;
            }
            // Anything that changes which credentials the session gets makes the cached ones stale.
            let creds_changed = keys_changed || s.kind != before.kind || s.region != before.region;
            if creds_changed {
                self.secrets.forget_cached(&s.id)?;
            }
            let mut stopped = false;
            if before.is_active() && (creds_changed || s.profile != before.profile) {
                let mut old = before.clone();
                self.deactivate(&mut old)?;
                s.active = None;
                stopped = true;
            }
            st.sessions[idx] = s.clone();
            Ok(EditOutcome { session: s, stopped })
        })
    }

    /// Stops the session, deletes its keyring items and forgets it. Refused while other
    /// sessions assume from it.
    pub fn remove(&self, alias: &str) -> Result<Session> {
        self.store.update(|st| {
            let idx = index_of(&st.sessions, alias)?;
            let deps = chain::dependants(&st.sessions, &st.sessions[idx].id);
            if !deps.is_empty() {
                let names = deps
                    .iter()
                    .map(|d| format!("{:?}", d.alias.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ");
                let dependants = if deps.len() == 1 {
                    format!("session {names} assumes")
                } else {
                    format!("sessions {names} assume")
                };
                return Err(Error::HasDependants {
                    alias: st.sessions[idx].alias.to_string(),
                    dependants,
                });
            }
            self.deactivate(&mut st.sessions[idx])?;
            self.secrets.delete_all(&st.sessions[idx].id)?;
            Ok(st.sessions.remove(idx))
        })
    }

    fn check_alias_free(&self, st: &State, alias: &SessionAlias, except: Option<&SessionId>) -> Result<()> {
        match st.sessions.iter().find(|s| &s.alias == alias) {
            Some(s) if Some(&s.id) != except => Err(Error::DuplicateAlias(alias.to_string())),
            _ => Ok(()),
        }
    }

    /// A profile may be shared by keyhop sessions (one active at a time), but keyhop never
    /// takes over a profile someone else wrote.
    fn check_profile_usable(&self, st: &State, profile: &ProfileName) -> Result<()> {
        let ours = st.sessions.iter().any(|s| &s.profile == profile && s.is_active());
        if !ours && self.files.credentials_has_profile(profile.as_str())? {
            return Err(Error::ForeignProfile {
                profile: profile.to_string(),
                path: self.files.credentials.clone(),
            });
        }
        Ok(())
    }
}
