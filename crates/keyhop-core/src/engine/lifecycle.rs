//! Starting and stopping sessions: obtaining credentials along the assumer chain (with the
//! keyring cache), writing them into the profile, and putting the files back on stop.

use secrecy::ExposeSecret;
use time::{Duration, OffsetDateTime};

use super::{Engine, by_alias, index_of};
use crate::aws_files::ProfileCredentials;
use crate::error::{Error, Result};
use crate::secrets::{SecretStore, StsCredentials};
use crate::session::{Activation, Session, SessionKind};
use crate::state::State;
use crate::validate::{MfaCode, MfaDevice, SessionAlias};
use crate::{chain, sts};

/// A cached session token is reused only while it has at least this long left.
pub const REUSE_MARGIN: Duration = Duration::minutes(5);
/// Cached role credentials handed to `credential-process` keep at least this long.
const ROLE_REUSE_MARGIN: Duration = Duration::minutes(15);

#[derive(Debug, Clone)]
pub struct StartOutcome {
    pub session: Session,
    pub expiration: OffsetDateTime,
    /// Sessions on the same profile that were active and are now stopped.
    pub replaced: Vec<SessionAlias>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    Stopped,
    WasNotActive,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Freshness {
    /// `session start`: new role credentials for the target, the full hour; an IAM user's
    /// cached session token is reused (that is the point of caching it).
    FreshTarget,
    /// A background refresh: the target's own credentials are never reused.
    Refresh,
    /// `credential-process`: anything cached that is still good.
    CachedOk,
}

impl<S: SecretStore> Engine<S> {
    /// The MFA device a start of `alias` would need a code for right now: the chain's root IAM
    /// user has a device and no cached session token that is still good.
    pub fn mfa_needed(&self, alias: &str) -> Result<Option<(SessionAlias, MfaDevice)>> {
        let st = self.store.load()?;
        let target = by_alias(&st.sessions, alias)?;
        let root = chain::resolve(&st.sessions, target)?[0];
        let Some(device) = mfa_device(root) else {
            return Ok(None);
        };
        let cached_ok = self
            .secrets
            .cached(&root.id)?
            .is_some_and(|c| c.valid_for(REUSE_MARGIN, OffsetDateTime::now_utc()));
        Ok((!cached_ok).then(|| (root.alias.clone(), device.clone())))
    }

    /// Starts `alias`: credentials from STS (or the cache) written into its profile. A session
    /// active on the same profile is stopped first.
    pub async fn start(&self, alias: &str, mfa: Option<MfaCode>) -> Result<StartOutcome> {
        let snapshot = self.store.load()?;
        let target = by_alias(&snapshot.sessions, alias)?.clone();
        let creds = self
            .obtain(&snapshot, &target, mfa.as_ref(), Freshness::FreshTarget)
            .await?;
        self.store.update(|st| self.activate(st, &target, &creds))
    }

    fn activate(&self, st: &mut State, target: &Session, creds: &StsCredentials) -> Result<StartOutcome> {
        // The session may have been edited or removed while STS answered.
        let idx = st
            .sessions
            .iter()
            .position(|s| s.id == target.id)
            .ok_or_else(|| Error::NoSuchSession(target.alias.to_string()))?;
        let profile = st.sessions[idx].profile.clone();
        let holders: Vec<usize> = (0..st.sessions.len())
            .filter(|&i| st.sessions[i].profile == profile && st.sessions[i].is_active())
            .collect();
        if holders.is_empty() && self.files.credentials_has_profile(profile.as_str())? {
            return Err(Error::ForeignProfile {
                profile: profile.to_string(),
                path: self.files.credentials.clone(),
            });
        }
        let mut replaced = vec![];
        for i in holders {
            let prior = st.sessions[i].active.take().expect("holder is active").region_prior;
            self.files.restore_region(profile.as_str(), &prior)?;
            if i != idx {
                replaced.push(st.sessions[i].alias.clone());
            }
        }
        let expiration = creds.expiration;
        self.files.write_credentials(
            profile.as_str(),
            &ProfileCredentials {
                access_key_id: &creds.access_key_id,
                secret_access_key: creds.secret_access_key.expose_secret(),
                session_token: creds.session_token.expose_secret(),
                expiration: &rfc3339(expiration),
            },
        )?;
        let session = &mut st.sessions[idx];
        let region_prior = self.files.write_region(profile.as_str(), session.region.as_str())?;
        session.active = Some(Activation {
            expiration,
            started_at: OffsetDateTime::now_utc(),
            region_prior,
        });
        tracing::info!(alias = %session.alias, profile = %profile, %expiration, "session started");
        Ok(StartOutcome {
            session: session.clone(),
            expiration,
            replaced,
        })
    }

    /// Renews an active session's credentials before they expire (the tray's background
    /// refresh). `Ok(None)` when the session is no longer active: nothing to refresh.
    pub async fn refresh(&self, alias: &str) -> Result<Option<StartOutcome>> {
        let snapshot = self.store.load()?;
        let target = by_alias(&snapshot.sessions, alias)?.clone();
        if !target.is_active() {
            return Ok(None);
        }
        let creds = self.obtain(&snapshot, &target, None, Freshness::Refresh).await?;
        self.store.update(|st| {
            // Stopped (or taken over) while STS answered: leave it stopped.
            if !st.sessions.iter().any(|s| s.id == target.id && s.is_active()) {
                return Ok(None);
            }
            self.activate(st, &target, &creds).map(Some)
        })
    }

    /// For each active session: from when refreshing it needs a new MFA code (the expiry of
    /// the cached token of its chain's MFA-protected IAM user; "now" without one).
    pub fn mfa_due_times(
        &self,
        st: &State,
    ) -> Result<std::collections::HashMap<crate::session::SessionId, OffsetDateTime>> {
        let mut out = std::collections::HashMap::new();
        let now = OffsetDateTime::now_utc();
        for s in st.sessions.iter().filter(|s| s.is_active()) {
            let Ok(chain) = chain::resolve(&st.sessions, s) else {
                continue;
            };
            let root = chain[0];
            if mfa_device(root).is_some() {
                let due = self.secrets.cached(&root.id)?.map_or(now, |c| c.expiration);
                out.insert(s.id.clone(), due);
            }
        }
        Ok(out)
    }

    /// The MFA device a start of `id` would ask a code for, with the alias of the IAM user that
    /// owns it, whether or not a code is due right now.
    pub fn mfa_device_of(&self, st: &State, id: &crate::session::SessionId) -> Option<(SessionAlias, MfaDevice)> {
        let target = chain::find(&st.sessions, id)?;
        let root = chain::resolve(&st.sessions, target).ok()?[0];
        mfa_device(root).map(|d| (root.alias.clone(), d.clone()))
    }

    /// Active sessions whose profile now holds credentials keyhop did not write (another
    /// program overwrote it): `(session, access key id found in the file)`.
    pub fn overwritten_profiles(&self) -> Result<Vec<(Session, String)>> {
        let st = self.store.load()?;
        let Some(text) = crate::aws_files::read_file(&self.files.credentials)? else {
            return Ok(vec![]);
        };
        let doc = crate::aws_files::IniDoc::parse(&text);
        let mut out = vec![];
        for s in st.sessions.iter().filter(|s| s.is_active()) {
            let (Some(found), Some(ours)) = (
                doc.get(s.profile.as_str(), "aws_access_key_id"),
                self.secrets.cached(&s.id)?,
            ) else {
                continue;
            };
            if found != ours.access_key_id {
                out.push((s.clone(), found));
            }
        }
        Ok(out)
    }

    /// The access key id stored for an IAM-user session (the edit form shows it).
    pub fn stored_access_key_id(&self, alias: &str) -> Result<Option<String>> {
        let st = self.store.load()?;
        let s = by_alias(&st.sessions, alias)?;
        Ok(self.secrets.long_term(&s.id)?.map(|k| k.access_key_id.to_string()))
    }

    /// Stops `alias`: removes its keys from the profile and puts the config region back.
    pub fn stop(&self, alias: &str) -> Result<StopOutcome> {
        self.store.update(|st| {
            let idx = index_of(&st.sessions, alias)?;
            self.deactivate(&mut st.sessions[idx])
        })
    }

    pub(crate) fn deactivate(&self, s: &mut Session) -> Result<StopOutcome> {
        let Some(active) = s.active.take() else {
            return Ok(StopOutcome::WasNotActive);
        };
        self.files.remove_credentials(s.profile.as_str())?;
        self.files.restore_region(s.profile.as_str(), &active.region_prior)?;
        tracing::info!(alias = %s.alias, profile = %s.profile, "session stopped");
        Ok(StopOutcome::Stopped)
    }

    /// Credentials for `alias` without touching any file: what `credential-process` prints.
    pub async fn credentials(&self, alias: &str, mfa: Option<MfaCode>) -> Result<StsCredentials> {
        let snapshot = self.store.load()?;
        let target = by_alias(&snapshot.sessions, alias)?;
        self.obtain(&snapshot, target, mfa.as_ref(), Freshness::CachedOk).await
    }

    /// Walks the assumer chain: from the deepest session whose cached credentials are still
    /// good (so a valid cached token spares an MFA code), then STS for each step after it.
    async fn obtain(
        &self,
        st: &State,
        target: &Session,
        mfa: Option<&MfaCode>,
        fresh: Freshness,
    ) -> Result<StsCredentials> {
        let chain = chain::resolve(&st.sessions, target)?;
        let now = OffsetDateTime::now_utc();
        let mut creds: Option<StsCredentials> = None;
        let mut first_to_fetch = 0;
        for (i, s) in chain.iter().enumerate().rev() {
            if let Some(c) = self.reusable(s, i + 1 == chain.len(), mfa, fresh, now)? {
                creds = Some(c);
                first_to_fetch = i + 1;
                break;
            }
        }
        for s in &chain[first_to_fetch..] {
            let c = match &s.kind {
                SessionKind::IamUser { mfa_device, duration } => {
                    let keys = self
                        .secrets
                        .long_term(&s.id)?
                        .ok_or_else(|| Error::MissingKeys(s.alias.to_string()))?;
                    let mfa_pair = match mfa_device {
                        None => None,
                        Some(d) => Some((
                            d,
                            mfa.ok_or_else(|| Error::MfaRequired {
                                alias: s.alias.to_string(),
                                device: d.clone(),
                            })?,
                        )),
                    };
                    sts::get_session_token(&s.region, &keys, mfa_pair, *duration)
                        .await
                        .map_err(|source| Error::Sts {
                            step: "GetSessionToken",
                            alias: s.alias.to_string(),
                            source,
                        })?
                }
                SessionKind::RoleChained {
                    role_arn,
                    role_session_name,
                    ..
                } => {
                    let from = creds.as_ref().expect("a chain starts with an IAM user");
                    sts::assume_role(&s.region, from, role_arn, role_session_name)
                        .await
                        .map_err(|source| Error::Sts {
                            step: "AssumeRole",
                            alias: s.alias.to_string(),
                            source,
                        })?
                }
            };
            self.secrets.set_cached(&s.id, &c)?;
            creds = Some(c);
        }
        Ok(creds.expect("a chain has at least its target"))
    }

    fn reusable(
        &self,
        s: &Session,
        is_target: bool,
        mfa: Option<&MfaCode>,
        fresh: Freshness,
        now: OffsetDateTime,
    ) -> Result<Option<StsCredentials>> {
        let margin = match &s.kind {
            // A code typed by the user asks for a new token even if one is cached.
            SessionKind::IamUser {
                mfa_device: Some(_), ..
            } if mfa.is_some() => return Ok(None),
            SessionKind::IamUser { .. } if is_target && fresh == Freshness::Refresh => return Ok(None),
            SessionKind::IamUser { .. } => REUSE_MARGIN,
            SessionKind::RoleChained { .. } if is_target && fresh != Freshness::CachedOk => return Ok(None),
            SessionKind::RoleChained { .. } => ROLE_REUSE_MARGIN,
        };
        Ok(self.secrets.cached(&s.id)?.filter(|c| c.valid_for(margin, now)))
    }
}

/// The MFA device of a chain's root, when it is an IAM user that has one.
fn mfa_device(root: &Session) -> Option<&MfaDevice> {
    match &root.kind {
        SessionKind::IamUser { mfa_device, .. } => mfa_device.as_ref(),
        SessionKind::RoleChained { .. } => None,
    }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("a UTC time formats as RFC 3339")
}
