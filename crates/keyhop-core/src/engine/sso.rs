//! IAM Identity Center connections: add, list, sign in and out, remove, and sync (the portal's
//! accounts and roles become `aws-sso` sessions).

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::Engine;
use crate::chain;
use crate::error::{Error, Result};
use crate::kinds::{AwsSso, SessionKind};
use crate::secrets::SecretStore;
use crate::session::{Session, SessionId};
use crate::sso::portal::Assignment;
use crate::sso::tokens::ConnectionLock;
use crate::sso::{
    self, ConnectionId, ConnectionName, Flow, SignInPrompt, SsoConnection, SsoError, StartUrl,
    connection::DEFAULT_SCOPE,
};
use crate::state::State;
use crate::validate::{ProfileName, Region, SessionAlias};

/// A connection as `keyhop sso list --json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ConnectionView {
    /// What the tray keys its sign-ins by (not in the JSON: it names keyring items only).
    #[serde(skip)]
    pub id: ConnectionId,
    pub name: ConnectionName,
    pub start_url: StartUrl,
    pub region: Region,
    pub default_region: Region,
    pub signed_in: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expiration: Option<OffsetDateTime>,
    pub sessions: usize,
}

/// What a sync did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub added: Vec<(SessionAlias, ProfileName)>,
    pub removed: Vec<SessionAlias>,
    /// Vanished assignments kept because other sessions assume from them.
    pub kept: Vec<(SessionAlias, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    SignedIn {
        expiration: OffsetDateTime,
    },
    /// Another keyhop process signed in while this one waited for it.
    AlreadySignedIn {
        expiration: OffsetDateTime,
    },
}

fn connection<'a>(st: &'a State, name: &str) -> Result<&'a SsoConnection> {
    st.sso_connections
        .iter()
        .find(|c| c.name.as_str() == name.trim())
        .ok_or_else(|| SsoError::NoSuchConnection(name.trim().to_owned()).into())
}

fn sessions_of<'a>(st: &'a State, id: &'a ConnectionId) -> impl Iterator<Item = (&'a Session, &'a AwsSso)> + 'a {
    st.sessions.iter().filter_map(move |s| match &s.kind {
        SessionKind::AwsSso(k) if &k.connection == id => Some((s, k)),
        _ => None,
    })
}

/// A profile name from free text: what is not a letter, digit, `-`, `_` or `.` becomes `-`.
fn profile_from(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').chars().take(64).collect()
}

impl<S: SecretStore> Engine<S> {
    pub fn sso_add(
        &self,
        name: ConnectionName,
        start_url: StartUrl,
        region: Region,
        default_region: Option<Region>,
    ) -> Result<SsoConnection> {
        self.store.update(|st| {
            if st.sso_connections.iter().any(|c| c.name == name) {
                return Err(SsoError::DuplicateName(name.to_string()).into());
            }
            let c = SsoConnection {
                id: ConnectionId::random(),
                name: name.clone(),
                start_url: start_url.clone(),
                default_region: default_region.clone().unwrap_or_else(|| region.clone()),
                region: region.clone(),
                scopes: vec![DEFAULT_SCOPE.to_owned()],
            };
            st.sso_connections.push(c.clone());
            Ok(c)
        })
    }

    pub fn sso_list(&self) -> Result<Vec<ConnectionView>> {
        let st = self.store.load()?;
        let now = OffsetDateTime::now_utc();
        st.sso_connections
            .iter()
            .map(|c| {
                let token = self.secrets.sso_token(&c.id)?;
                Ok(ConnectionView {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    start_url: c.start_url.clone(),
                    region: c.region.clone(),
                    default_region: c.default_region.clone(),
                    signed_in: token
                        .as_ref()
                        .is_some_and(|t| t.valid_for(sso::TOKEN_MARGIN, now) || t.refresh_token.is_some()),
                    expiration: token.map(|t| t.expires_at),
                    sessions: sessions_of(&st, &c.id).count(),
                })
            })
            .collect()
    }

    /// Signs in to `name` in the browser (`prompt` shows or opens the URL). Concurrent sign-ins
    /// to one connection wait for the first and use its token: one browser, not twenty.
    pub async fn sso_login(
        &self,
        name: &str,
        flow: Flow,
        timeout: Duration,
        prompt: impl FnOnce(&SignInPrompt),
    ) -> Result<LoginOutcome> {
        let asked = OffsetDateTime::now_utc();
        let conn = connection(&self.store.load()?, name)?.clone();
        let _lock =
            ConnectionLock::acquire(self.store.dir(), &conn.id).map_err(|e| SsoError::Callback(e.to_string()))?;
        if let Some(t) = self.secrets.sso_token(&conn.id)?
            && t.obtained_at >= asked
            && t.valid_for(sso::TOKEN_MARGIN, OffsetDateTime::now_utc())
        {
            return Ok(LoginOutcome::AlreadySignedIn {
                expiration: t.expires_at,
            });
        }
        let reg = match self.secrets.sso_registration(&conn.id)? {
            Some(r) if r.flow == flow && r.expires_at > asked + time::Duration::hours(1) => r,
            _ => {
                let r = sso::oidc::register(&self.endpoints, &conn, flow).await?;
                self.secrets.set_sso_registration(&conn.id, &r)?;
                r
            }
        };
        let token = sso::oidc::sign_in(&self.endpoints, &conn, &reg, timeout, prompt).await?;
        self.secrets.set_sso_token(&conn.id, &token)?;
        tracing::info!(connection = %conn.name, expiration = %token.expires_at, "signed in");
        Ok(LoginOutcome::SignedIn {
            expiration: token.expires_at,
        })
    }

    /// Ends the sign-in (on the portal too, when it answers). `false`: was not signed in.
    pub async fn sso_logout(&self, name: &str) -> Result<bool> {
        let conn = connection(&self.store.load()?, name)?.clone();
        let Some(t) = self.secrets.sso_token(&conn.id)? else {
            return Ok(false);
        };
        if let Err(e) = sso::portal::logout(&self.endpoints, &conn, &t.access_token).await {
            tracing::warn!(connection = %conn.name, error = %e, "the portal did not confirm the logout");
        }
        self.secrets.forget_sso_token(&conn.id)?;
        Ok(true)
    }

    /// Forgets a connection and its keyring items; with `with_sessions` its sessions too
    /// (active ones stopped), else refused while it has any.
    pub fn sso_remove(&self, name: &str, with_sessions: bool) -> Result<(SsoConnection, Vec<Session>)> {
        let (conn, removed) = self.store.update(|st| {
            let conn = connection(st, name)?.clone();
            let ids: Vec<SessionId> = sessions_of(st, &conn.id).map(|(s, _)| s.id.clone()).collect();
            if !ids.is_empty() && !with_sessions {
                return Err(SsoError::HasSessions {
                    connection: conn.name.to_string(),
                    count: ids.len(),
                }
                .into());
            }
            for id in &ids {
                let outside: Vec<String> = chain::dependants(&st.sessions, id)
                    .into_iter()
                    .filter(|d| !ids.contains(&d.id))
                    .map(|d| format!("{:?}", d.alias.as_str()))
                    .collect();
                if !outside.is_empty() {
                    let alias = chain::find(&st.sessions, id)
                        .map(|s| s.alias.to_string())
                        .unwrap_or_default();
                    return Err(Error::HasDependants {
                        alias,
                        dependants: format!("{} assume", outside.join(", ")),
                    });
                }
            }
            let mut removed = vec![];
            for id in &ids {
                let idx = super::index_of(&st.sessions, id)?;
                self.deactivate(&mut st.sessions[idx])?;
                removed.push(st.sessions.remove(idx));
            }
            st.sso_connections.retain(|c| c.id != conn.id);
            Ok((conn, removed))
        })?;
        for s in &removed {
            self.secrets.delete_all(&s.id)?;
        }
        self.secrets.delete_sso(&conn.id)?;
        Ok((conn, removed))
    }

    /// The portal's accounts and roles become sessions: new ones added, vanished ones removed
    /// (stopped first), and what the user changed (alias, profile, region) kept.
    pub async fn sso_sync(&self, name: &str, dry_run: bool) -> Result<SyncReport> {
        let snapshot = self.store.load()?;
        let conn = connection(&snapshot, name)?.clone();
        let assignments = sso::with_token(&self.secrets, &self.endpoints, self.store.dir(), &conn, |token| {
            let (endpoints, conn) = (&self.endpoints, &conn);
            async move { sso::portal::assignments(endpoints, conn, &token).await }
        })
        .await?;
        if dry_run {
            let mut copy = snapshot.clone();
            return self.apply_sync(&mut copy, &conn.id, &assignments, false);
        }
        let report = self
            .store
            .update(|st| self.apply_sync(st, &conn.id, &assignments, true))?;
        Ok(report)
    }

    fn apply_sync(
        &self,
        st: &mut State,
        conn_id: &ConnectionId,
        assignments: &[Assignment],
        for_real: bool,
    ) -> Result<SyncReport> {
        let conn = st
            .sso_connections
            .iter()
            .find(|c| &c.id == conn_id)
            .cloned()
            .ok_or_else(|| SsoError::NoSuchConnection(conn_id.to_string()))?;
        let mut report = SyncReport::default();
        let key = |a: &str, r: &str| (a.to_owned(), r.to_owned());
        let wanted: std::collections::BTreeSet<(String, String)> =
            assignments.iter().map(|a| key(&a.account_id, &a.role_name)).collect();
        // Vanished assignments.
        let existing: Vec<(SessionId, (String, String))> = sessions_of(st, &conn.id)
            .map(|(s, k)| (s.id.clone(), key(&k.account_id, &k.role_name)))
            .collect();
        let mut gone_ids = vec![];
        for (id, k) in &existing {
            if wanted.contains(k) {
                continue;
            }
            let deps = chain::dependants(&st.sessions, id);
            let idx = super::index_of(&st.sessions, id)?;
            if !deps.is_empty() {
                let names: Vec<String> = deps.iter().map(|d| format!("{:?}", d.alias.as_str())).collect();
                report.kept.push((
                    st.sessions[idx].alias.clone(),
                    format!("{} assume from it", names.join(", ")),
                ));
                continue;
            }
            if for_real {
                self.deactivate(&mut st.sessions[idx])?;
            }
            let s = st.sessions.remove(idx);
            report.removed.push(s.alias);
            gone_ids.push(s.id);
        }
        // New assignments, and account names kept current.
        let resolver = crate::aws_files::shadow::Resolver::load(&self.files)?;
        for a in assignments {
            if let Some(s) = st.sessions.iter_mut().find(|s| {
                matches!(&s.kind, SessionKind::AwsSso(k)
                    if k.connection == conn.id && k.account_id == a.account_id && k.role_name == a.role_name)
            }) {
                if let SessionKind::AwsSso(k) = &mut s.kind {
                    k.account_name.clone_from(&a.account_name);
                }
                continue;
            }
            let alias = self.free_alias(st, a)?;
            let profile = self.free_profile(st, a, &resolver)?;
            st.sessions.push(Session {
                id: SessionId::random(),
                alias: alias.clone(),
                profile: profile.clone(),
                region: conn.default_region.clone(),
                kind: SessionKind::AwsSso(AwsSso {
                    connection: conn.id.clone(),
                    account_id: a.account_id.clone(),
                    account_name: a.account_name.clone(),
                    role_name: a.role_name.clone(),
                }),
                active: None,
            });
            report.added.push((alias, profile));
        }
        if for_real {
            for id in gone_ids {
                // The state is saved after this returns; a cached credential left behind by a
                // failed delete is harmless and expires.
                if let Err(e) = self.secrets.delete_all(&id) {
                    tracing::warn!(error = %e, "cannot delete the keyring items of a removed SSO session");
                }
            }
        }
        Ok(report)
    }

    /// `<account name>/<role name>`, or with the account id when that alias is taken.
    fn free_alias(&self, st: &State, a: &Assignment) -> Result<SessionAlias> {
        let short = |s: &str, n: usize| s.chars().take(n).collect::<String>();
        let base = format!("{}/{}", short(&a.account_name, 30), short(&a.role_name, 30));
        for candidate in [base.clone(), format!("{} ({})", short(&base, 48), a.account_id)] {
            let alias = SessionAlias::parse(&candidate)?;
            if !st.sessions.iter().any(|s| s.alias == alias) {
                return Ok(alias);
            }
        }
        Ok(SessionAlias::parse(&format!(
            "{} {}",
            short(&base, 40),
            SessionId::random()
        ))?)
    }

    /// `<account name>-<role name>` as a profile name, made unique among the sessions and the
    /// profiles keyhop does not own, and not shadowed in the config file (a profile that
    /// `aws configure sso` made under the same name would win over keyhop's credentials).
    fn free_profile(
        &self,
        st: &State,
        a: &Assignment,
        resolver: &crate::aws_files::shadow::Resolver,
    ) -> Result<ProfileName> {
        let base = profile_from(&format!("{}-{}", a.account_name, a.role_name));
        let base = if base.is_empty() { a.account_id.clone() } else { base };
        for n in 0..100 {
            let candidate = match n {
                0 => base.clone(),
                1 => format!("{}-{}", base.chars().take(51).collect::<String>(), a.account_id),
                n => format!("{}-{n}", base.chars().take(60).collect::<String>()),
            };
            let Ok(profile) = ProfileName::parse(&candidate) else {
                continue;
            };
            let taken = st.sessions.iter().any(|s| s.profile == profile)
                || self.files.credentials_has_profile(profile.as_str())?
                || resolver.shadow(profile.as_str()).is_some();
            if !taken {
                return Ok(profile);
            }
        }
        Ok(ProfileName::parse(&a.account_id)?)
    }
}
