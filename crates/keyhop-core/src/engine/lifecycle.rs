//! Starting and stopping sessions: obtaining credentials along the assumer chain (with the
//! keyring cache), writing them into the profile, and putting the files back on stop. STS and
//! the keyring are used before the state lock is taken; the change is then re-checked against
//! the fresh state inside it.

use secrecy::ExposeSecret;
use time::OffsetDateTime;

use super::{Engine, by_id, index_of};
use crate::aws_files::ProfileCredentials;
use crate::chain;
use crate::error::{Error, Result};
use crate::kinds::{Freshness, Providers};
use crate::secrets::{SecretStore, StsCredentials};
use crate::session::{Activation, Session, SessionId};
use crate::state::State;
use crate::validate::{MfaCode, MfaDevice, SessionAlias};

#[derive(Debug, Clone)]
pub struct StartOutcome {
    pub session: Session,
    pub expiration: OffsetDateTime,
    /// Sessions on the same profile that were active and are now stopped.
    pub replaced: Vec<SessionAlias>,
    /// Sentences about the AWS files worth telling the user once (a mode made 0600, a backup
    /// kept before keyhop's first change).
    pub notices: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopOutcome {
    Stopped,
    WasNotActive,
}

/// An IAM user's cached session token counts as good while it has this long left.
pub use crate::kinds::iam_user::REUSE_MARGIN;

impl<S: SecretStore> Engine<S> {
    /// The MFA device a start of `id` would need a code for right now: the chain's root has a
    /// device and no cached session token that is still good.
    pub fn mfa_needed(&self, id: &SessionId) -> Result<Option<(SessionAlias, MfaDevice)>> {
        let st = self.store.load()?;
        let target = by_id(&st.sessions, id)?;
        let root = chain::resolve(&st.sessions, target)?[0];
        let Some(device) = root.kind.mfa_device() else {
            return Ok(None);
        };
        let cached_ok = self
            .secrets
            .cached(&root.id)?
            .is_some_and(|c| c.valid_for(REUSE_MARGIN, OffsetDateTime::now_utc()));
        Ok((!cached_ok).then(|| (root.alias.clone(), device.clone())))
    }

    /// The MFA command of the session whose device a start of `id` asks a code for.
    pub fn mfa_process_of(&self, id: &SessionId) -> Result<Option<crate::mfa_command::MfaProcess>> {
        let st = self.store.load()?;
        let target = by_id(&st.sessions, id)?;
        let root = chain::resolve(&st.sessions, target)?[0];
        Ok(root.kind.mfa_process().cloned())
    }

    /// Starts `id`: credentials from STS (or the cache) written into its profile. A session
    /// active on the same profile is stopped first.
    pub async fn start(&self, id: &SessionId, mfa: Option<MfaCode>) -> Result<StartOutcome> {
        self.start_with_saml(id, mfa, None).await
    }

    /// `start`, with the assertion of a SAML sign-in for the chain's SAML session (if any):
    /// the assertion is read and checked before STS, and nothing is written when it fails.
    pub async fn start_with_saml(
        &self,
        id: &SessionId,
        mfa: Option<MfaCode>,
        saml: Option<crate::saml::SamlResponse>,
    ) -> Result<StartOutcome> {
        let snapshot = self.store.load()?;
        let target = by_id(&snapshot.sessions, id)?.clone();
        // Before STS: a start the AWS tools would ignore must not cost an MFA code.
        self.check_not_shadowed(target.alias.as_str(), &target.profile)?;
        let creds = self
            .obtain(&snapshot, &target, mfa.as_ref(), saml.as_ref(), Freshness::FreshTarget)
            .await?;
        // The state is saved even when the start fails part way: it then says what the files hold.
        self.store
            .update(|st| Ok::<_, Error>(self.activate(st, &target, &creds)))?
    }

    /// Writes `creds` into the target's profile and marks it active. The credentials go first
    /// (one atomic write: a failure there changes nothing); if anything after them fails, they
    /// are taken out again, so no live credentials stay in a profile the state calls inactive.
    /// `st` always ends up saying what the files hold, also on error.
    fn activate(&self, st: &mut State, target: &Session, creds: &StsCredentials) -> Result<StartOutcome> {
        // The session may have been edited or removed while STS answered.
        let idx = index_of(&st.sessions, &target.id)?;
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
        let expiration = creds.expiration;
        let wrote = self.files.write_credentials(
            profile.as_str(),
            &ProfileCredentials {
                access_key_id: &creds.access_key_id,
                secret_access_key: creds.secret_access_key.expose_secret(),
                session_token: creds.session_token.expose_secret(),
                expiration: &rfc3339(expiration),
            },
        )?;
        // The profile holds our credentials now: whoever held it before no longer does.
        let Holders {
            replaced,
            own_prior,
            other_priors,
        } = deactivate_holders(st, holders, idx);
        let region = st.sessions[idx].region.clone();
        let mut config_notices = vec![];
        let region_prior = (|| {
            for prior in &other_priors {
                self.files.restore_region(profile.as_str(), prior)?;
            }
            match own_prior.clone() {
                // A refresh or restart: the region is in place already; rewriting it would change
                // the profile for a moment for nothing.
                Some(prior) => Ok(prior),
                None => self
                    .files
                    .write_region_reporting(profile.as_str(), region.as_str())
                    .map(|(prior, write)| {
                        config_notices = write.notices();
                        prior
                    }),
            }
        })();
        let region_prior = match region_prior {
            Ok(prior) => prior,
            Err(e) => {
                match self.files.remove_credentials(profile.as_str()) {
                    Ok(_) => tracing::info!(profile = %profile, "start undone: the config file could not be written"),
                    Err(undo) => {
                        // Still in the file: the state must say so, or the profile turns foreign.
                        tracing::warn!(profile = %profile, error = %undo, "cannot take the credentials out again");
                        st.sessions[idx].active = Some(Activation {
                            expiration,
                            started_at: OffsetDateTime::now_utc(),
                            region_prior: own_prior.unwrap_or(crate::aws_files::RegionPrior::Same),
                        });
                    }
                }
                return Err(e.into());
            }
        };
        let session = &mut st.sessions[idx];
        session.active = Some(Activation {
            expiration,
            started_at: OffsetDateTime::now_utc(),
            region_prior,
        });
        tracing::info!(alias = %session.alias, profile = %profile, %expiration, "session started");
        let mut notices = wrote.notices();
        notices.extend(config_notices);
        Ok(StartOutcome {
            session: session.clone(),
            expiration,
            replaced,
            notices,
        })
    }

    /// Refuses to start `id` when the AWS tools would not read its profile from the
    /// credentials file (what the CLI checks before it asks for an MFA code).
    pub fn check_start(&self, id: &SessionId) -> Result<()> {
        let s = self.session(id)?;
        self.check_not_shadowed(s.alias.as_str(), &s.profile)
    }

    /// Renews an active session's credentials before they expire (the tray's background
    /// refresh). `Ok(None)` when the session is no longer active: nothing to refresh.
    pub async fn refresh(&self, id: &SessionId) -> Result<Option<StartOutcome>> {
        self.refresh_with_saml(id, None).await
    }

    /// `refresh`, with the assertion of a SAML sign-in for the chain's SAML session (if any).
    pub async fn refresh_with_saml(
        &self,
        id: &SessionId,
        saml: Option<crate::saml::SamlResponse>,
    ) -> Result<Option<StartOutcome>> {
        let snapshot = self.store.load()?;
        let target = by_id(&snapshot.sessions, id)?.clone();
        if !target.is_active() {
            return Ok(None);
        }
        let creds = self
            .obtain(&snapshot, &target, None, saml.as_ref(), Freshness::Refresh)
            .await?;
        self.store.update(|st| {
            // Stopped (or taken over) while STS answered: leave it stopped.
            if !st.sessions.iter().any(|s| s.id == target.id && s.is_active()) {
                return Ok(Ok(None));
            }
            Ok::<_, Error>(self.activate(st, &target, &creds).map(Some))
        })?
    }

    /// For each active session: from when refreshing it needs a new MFA code (the expiry of
    /// the cached token of its chain's MFA-protected root; "now" without one).
    pub fn mfa_due_times(&self, st: &State) -> Result<std::collections::HashMap<SessionId, OffsetDateTime>> {
        let mut out = std::collections::HashMap::new();
        let now = OffsetDateTime::now_utc();
        for s in st.sessions.iter().filter(|s| s.is_active()) {
            let Ok(chain) = chain::resolve(&st.sessions, s) else {
                continue;
            };
            let root = chain[0];
            if root.kind.mfa_device().is_some() {
                let due = self.secrets.cached(&root.id)?.map_or(now, |c| c.expiration);
                out.insert(s.id.clone(), due);
            }
        }
        Ok(out)
    }

    /// The MFA device a start of `id` would ask a code for, with the alias of the session that
    /// owns it, whether or not a code is due right now.
    pub fn mfa_device_of(&self, st: &State, id: &SessionId) -> Option<(SessionAlias, MfaDevice)> {
        let target = chain::find(&st.sessions, id)?;
        let root = chain::resolve(&st.sessions, target).ok()?[0];
        root.kind.mfa_device().map(|d| (root.alias.clone(), d.clone()))
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

    /// The access key id stored for a session with long-term keys (the edit form shows it).
    pub fn stored_access_key_id(&self, id: &SessionId) -> Result<Option<String>> {
        Ok(self.secrets.long_term(id)?.map(|k| k.access_key_id.to_string()))
    }

    /// Stops `id`: removes its keys from the profile and puts the config region back.
    pub fn stop(&self, id: &SessionId) -> Result<StopOutcome> {
        // Saved even on error: `deactivate` leaves the session saying what the files hold.
        self.store.update(|st| {
            let idx = index_of(&st.sessions, id)?;
            Ok::<_, Error>(self.deactivate(&mut st.sessions[idx]))
        })?
    }

    /// Takes the session's credentials out of its profile and puts its region back. If the
    /// credentials cannot be removed it stays active; once they are gone it is inactive, even
    /// when the region cannot be put back (the error says so).
    pub(crate) fn deactivate(&self, s: &mut Session) -> Result<StopOutcome> {
        let Some(active) = s.active.take() else {
            return Ok(StopOutcome::WasNotActive);
        };
        if let Err(e) = self.files.remove_credentials(s.profile.as_str()) {
            s.active = Some(active);
            return Err(e.into());
        }
        self.files.restore_region(s.profile.as_str(), &active.region_prior)?;
        tracing::info!(alias = %s.alias, profile = %s.profile, "session stopped");
        Ok(StopOutcome::Stopped)
    }

    /// Credentials for `id` without touching any file: what `credential-process` prints.
    pub async fn credentials(&self, id: &SessionId, mfa: Option<MfaCode>) -> Result<StsCredentials> {
        self.credentials_with_saml(id, mfa, None).await
    }

    /// `credentials`, with the assertion of a SAML sign-in for the chain's SAML session (if any).
    pub async fn credentials_with_saml(
        &self,
        id: &SessionId,
        mfa: Option<MfaCode>,
        saml: Option<crate::saml::SamlResponse>,
    ) -> Result<StsCredentials> {
        let snapshot = self.store.load()?;
        let target = by_id(&snapshot.sessions, id)?;
        self.obtain(&snapshot, target, mfa.as_ref(), saml.as_ref(), Freshness::CachedOk)
            .await
    }

    /// New credentials for `id` without touching any file: never the target's own cached ones
    /// (`keyhop serve` renewing what it hands out before they expire). The sessions it is
    /// chained on are reused while still good, so only an expired MFA token asks for a code
    /// (and only a SAML session in the chain whose credentials ran out needs `saml`).
    pub async fn renewed_credentials(
        &self,
        id: &SessionId,
        mfa: Option<MfaCode>,
        saml: Option<crate::saml::SamlResponse>,
    ) -> Result<StsCredentials> {
        let snapshot = self.store.load()?;
        let target = by_id(&snapshot.sessions, id)?;
        self.obtain(&snapshot, target, mfa.as_ref(), saml.as_ref(), Freshness::Refresh)
            .await
    }

    /// Walks the assumer chain: from the deepest session whose cached credentials are still
    /// good (so a valid cached token spares an MFA code), then one fetch per step after it.
    async fn obtain(
        &self,
        st: &State,
        target: &Session,
        mfa: Option<&MfaCode>,
        saml: Option<&crate::saml::SamlResponse>,
        fresh: Freshness,
    ) -> Result<StsCredentials> {
        let chain = chain::resolve(&st.sessions, target)?;
        let now = OffsetDateTime::now_utc();
        let mut creds: Option<StsCredentials> = None;
        let mut first_to_fetch = 0;
        for (i, s) in chain.iter().enumerate().rev() {
            let Some(margin) = s.kind.reuse_margin(i + 1 == chain.len(), mfa.is_some(), fresh) else {
                continue;
            };
            if let Some(c) = self.secrets.cached(&s.id)?.filter(|c| c.valid_for(margin, now)) {
                creds = Some(c);
                first_to_fetch = i + 1;
                break;
            }
        }
        let providers = Providers {
            secrets: &self.secrets,
            endpoints: &self.endpoints,
            connections: &st.sso_connections,
            state_dir: self.store.dir(),
            saml,
        };
        for s in &chain[first_to_fetch..] {
            let c = s.kind.fetch(&providers, s, creds.as_ref(), mfa).await?;
            self.secrets.set_cached(&s.id, &c)?;
            creds = Some(c);
        }
        Ok(creds.expect("a chain has at least its target"))
    }
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    // Expirations are checked where they come in (`sts::expiration_at`), so this does not fall
    // back; should a date RFC 3339 cannot write get through, it still prints instead of panicking.
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// The sessions that held a profile before session `idx` took it over.
struct Holders {
    /// The other sessions' aliases.
    replaced: Vec<SessionAlias>,
    /// The region `idx` itself found, when it held the profile already (a refresh).
    own_prior: Option<crate::aws_files::RegionPrior>,
    /// The regions the others found, to put back.
    other_priors: Vec<crate::aws_files::RegionPrior>,
}

/// Marks the `holders` inactive, keeping what each must put back.
fn deactivate_holders(st: &mut State, holders: Vec<usize>, idx: usize) -> Holders {
    let mut h = Holders {
        replaced: vec![],
        own_prior: None,
        other_priors: vec![],
    };
    for i in holders {
        let prior = st.sessions[i].active.take().expect("holder is active").region_prior;
        if i == idx {
            h.own_prior = Some(prior);
        } else {
            h.replaced.push(st.sessions[i].alias.clone());
            h.other_priors.push(prior);
        }
    }
    h
}
