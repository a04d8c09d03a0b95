//! Adding, editing and removing sessions. Every rule is checked inside the state lock before
//! anything is written, so a refused command changes nothing. Keyring work happens outside
//! that lock (a keyring waiting on an unlock prompt must not block other keyhop processes) and
//! is undone when the state change is refused.

use super::{Engine, by_id, index_of};
use crate::chain;
use crate::error::{Error, Result};
use crate::kinds::{KindEdit, NewKind};
use crate::secrets::SecretStore;
use crate::session::{Session, SessionId};
use crate::state::State;
use crate::validate::{ProfileName, Region, SessionAlias};

pub struct NewSession {
    pub alias: SessionAlias,
    pub profile: ProfileName,
    pub region: Region,
    pub kind: NewKind,
}

/// A partial change; `None` leaves a field as it is.
#[derive(Default)]
pub struct SessionEdit {
    pub alias: Option<SessionAlias>,
    pub profile: Option<ProfileName>,
    pub region: Option<Region>,
    pub kind: Option<KindEdit>,
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
        let snapshot = self.store.load()?;
        self.check_new(&snapshot, &new)?;
        // The kind's keyring items first, outside the lock; removed again if the add is refused.
        let kind = new.kind.create(&self.secrets, &id, &snapshot.sessions)?;
        let result = self.store.update(|st| {
            self.check_new(st, &new)?;
            if let Some(assumer) = kind.assumer() {
                by_id(&st.sessions, assumer)?;
            }
            let s = Session {
                id: id.clone(),
                alias: new.alias.clone(),
                profile: new.profile.clone(),
                region: new.region.clone(),
                kind: kind.clone(),
                active: None,
            };
            st.sessions.push(s.clone());
            Ok(s)
        });
        if result.is_err() {
            // The state was not saved: leave no orphan secret behind.
            let _ = self.secrets.delete_all(&id);
        }
        result
    }

    fn check_new(&self, st: &State, new: &NewSession) -> Result<()> {
        self.check_alias_free(st, &new.alias, None)?;
        self.check_profile_usable(st, &new.profile)?;
        self.check_not_shadowed(new.alias.as_str(), &new.profile)
    }

    pub fn edit(&self, id: &SessionId, e: SessionEdit) -> Result<EditOutcome> {
        // New long-term keys go into the keyring before the state changes; the old ones are put
        // back if the change is refused, so a failed edit never leaves the keys replaced.
        let current = self.session(id)?;
        let mut keys_changed = false;
        let mut old_keys = None;
        if let Some(k) = &e.kind
            && k.has_secrets()
        {
            old_keys = Some(self.secrets.long_term(id)?);
            k.store_secrets(&self.secrets, &current)?;
            keys_changed = true;
        }
        let result = self.store.update(|st| self.apply_edit(st, id, &e, keys_changed));
        match (&result, old_keys) {
            (Err(_), Some(Some(old))) => {
                let _ = self.secrets.set_long_term(id, &old);
            }
            (Err(_), Some(None)) => {
                let _ = self.secrets.delete_long_term(id);
            }
            (Ok((_, true)), _) => {
                // What is cached came from the old settings.
                self.secrets.forget_cached(id)?;
                if keys_changed {
                    self.forget_key_age(id);
                }
            }
            _ => {}
        }
        result.map(|(outcome, _)| outcome)
    }

    /// The state part of an edit: `(outcome, whether cached credentials went stale)`.
    fn apply_edit(
        &self,
        st: &mut State,
        id: &SessionId,
        e: &SessionEdit,
        keys_changed: bool,
    ) -> Result<(EditOutcome, bool)> {
        let idx = index_of(&st.sessions, id)?;
        let before = st.sessions[idx].clone();
        let mut s = before.clone();
        if let Some(a) = &e.alias {
            self.check_alias_free(st, a, Some(&s.id))?;
            s.alias = a.clone();
        }
        if let Some(p) = &e.profile
            && p != &s.profile
        {
            self.check_profile_usable(st, p)?;
            self.check_not_shadowed(s.alias.as_str(), p)?;
            s.profile = p.clone();
        }
        if let Some(r) = &e.region {
            s.region = r.clone();
        }
        if let Some(k) = &e.kind {
            s.kind.apply(k, &st.sessions, &before)?;
        }
        // Anything that changes which credentials the session gets makes the cached ones stale.
        let creds_changed = keys_changed || !s.kind.same_credentials(&before.kind) || s.region != before.region;
        let mut stopped = false;
        if before.is_active() && (creds_changed || s.profile != before.profile) {
            let mut old = before.clone();
            self.deactivate(&mut old)?;
            s.active = None;
            stopped = true;
        }
        st.sessions[idx] = s.clone();
        Ok((EditOutcome { session: s, stopped }, creds_changed))
    }

    /// Stops the session, deletes its keyring items and forgets it. Refused while other
    /// sessions assume from it.
    pub fn remove(&self, id: &SessionId) -> Result<Session> {
        // A locked keyring refuses here, before anything changed.
        self.secrets.long_term(id)?;
        let removed = self.store.update(|st| {
            let idx = index_of(&st.sessions, id)?;
            let deps = chain::dependants(&st.sessions, id);
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
            Ok(st.sessions.remove(idx))
        })?;
        self.secrets.delete_all(id)?;
        self.forget_key_age(id);
        Ok(removed)
    }

    fn check_alias_free(&self, st: &State, alias: &SessionAlias, except: Option<&SessionId>) -> Result<()> {
        match st.sessions.iter().find(|s| &s.alias == alias) {
            Some(s) if Some(&s.id) != except => Err(Error::DuplicateAlias(alias.to_string())),
            _ => Ok(()),
        }
    }

    /// Refuses a profile the AWS tools would not read keyhop's credentials from.
    pub(crate) fn check_not_shadowed(&self, alias: &str, profile: &ProfileName) -> Result<()> {
        match self.files.shadow(profile.as_str())? {
            Some(shadow) => Err(Error::Shadowed {
                alias: alias.to_owned(),
                shadow: Box::new(shadow),
            }),
            None => Ok(()),
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
