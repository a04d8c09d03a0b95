//! Add / edit session: Leapp's fields, each validated with the core's own parsers as the user
//! types. `update` is pure (no engine, no display), so the form is tested headless.

use std::collections::HashMap;

use keyhop_core::SessionView;
use keyhop_core::engine::{NewKind, NewSession, SessionEdit};
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::validate::{
    AccessKeyId, MfaDevice, ProfileName, Region, RoleArn, RoleSessionName, SecretAccessKey, SessionAlias,
    SessionDuration, ValidationError,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    IamUser,
    RoleChained,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::IamUser => "IAM User",
            Kind::RoleChained => "IAM Role Chained",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Alias,
    Profile,
    Region,
    MfaDevice,
    AccessKeyId,
    Secret,
    RoleArn,
    RoleSessionName,
    Assumer,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Kind(Kind),
    Input(Field, String),
    /// The stored access key id arrived from the keyring (edit form).
    StoredKeyId(Option<String>),
    Save,
    Cancel,
}

#[allow(clippy::large_enum_variant)] // one per Save click
pub enum Effect {
    None,
    Save(Output),
    Cancel,
}

pub enum Output {
    Add(NewSession),
    Edit { alias: String, edit: SessionEdit },
}

#[derive(Debug, Clone, Default)]
pub struct Form {
    /// The session being edited (its alias when the form opened); `None` adds a new one.
    pub editing: Option<SessionView>,
    pub kind: Option<Kind>,
    pub values: HashMap<Field, String>,
    /// The access key id in the keyring (edit form), to tell whether the user changed it.
    pub stored_key_id: Option<String>,
    /// Aliases of the other sessions: uniqueness, assumer choices and cycle checks.
    pub others: Vec<(String, Option<String>)>,
    pub profile_choices: Vec<String>,
    /// GetSessionToken duration for a new IAM user (from the settings).
    pub duration: Option<SessionDuration>,
    pub saving: bool,
    pub error: Option<String>,
}

impl Form {
    pub fn new_session(
        sessions: &[SessionView],
        profiles: Vec<String>,
        default_region: &str,
        duration: SessionDuration,
    ) -> Self {
        let mut f = Form {
            kind: Some(Kind::IamUser),
            profile_choices: profiles,
            duration: Some(duration),
            ..Form::default()
        };
        f.others = sessions
            .iter()
            .map(|s| (s.alias.to_string(), s.assumer.clone()))
            .collect();
        f.values.insert(Field::Region, default_region.to_owned());
        f
    }

    pub fn edit_session(s: &SessionView, sessions: &[SessionView], profiles: Vec<String>) -> Self {
        let kind = if s.kind == "iam-user" {
            Kind::IamUser
        } else {
            Kind::RoleChained
        };
        let mut f = Form {
            kind: Some(kind),
            editing: Some(s.clone()),
            profile_choices: profiles,
            ..Form::default()
        };
        f.others = sessions
            .iter()
            .filter(|o| o.id != s.id)
            .map(|o| (o.alias.to_string(), o.assumer.clone()))
            .collect();
        let mut put = |k, v: Option<String>| {
            f.values.insert(k, v.unwrap_or_default());
        };
        put(Field::Alias, Some(s.alias.to_string()));
        put(Field::Profile, Some(s.profile.to_string()));
        put(Field::Region, Some(s.region.clone()));
        put(Field::MfaDevice, s.mfa_device.clone());
        put(Field::RoleArn, s.role_arn.clone());
        put(Field::RoleSessionName, s.role_session_name.clone());
        put(Field::Assumer, s.assumer.clone());
        f
    }

    pub fn value(&self, f: Field) -> &str {
        self.values.get(&f).map_or("", String::as_str)
    }

    pub fn kind(&self) -> Kind {
        self.kind.unwrap_or(Kind::IamUser)
    }

    pub fn is_edit(&self) -> bool {
        self.editing.is_some()
    }

    /// The fields this kind of session shows, in order.
    pub fn fields(&self) -> &'static [Field] {
        match self.kind() {
            Kind::IamUser => &[
                Field::Alias,
                Field::Profile,
                Field::Region,
                Field::MfaDevice,
                Field::AccessKeyId,
                Field::Secret,
            ],
            Kind::RoleChained => &[
                Field::Alias,
                Field::Profile,
                Field::Region,
                Field::RoleArn,
                Field::RoleSessionName,
                Field::Assumer,
            ],
        }
    }

    /// Assumer choices: every other session, minus those that would close a cycle.
    pub fn assumer_choices(&self) -> Vec<String> {
        self.others
            .iter()
            .map(|(a, _)| a.clone())
            .filter(|a| !self.would_cycle(a))
            .collect()
    }

    fn would_cycle(&self, assumer: &str) -> bool {
        let Some(me) = self.editing.as_ref().map(|e| e.alias.to_string()) else {
            return false;
        };
        let mut cur = Some(assumer.to_owned());
        for _ in 0..=self.others.len() {
            match cur {
                Some(a) if a == me => return true,
                Some(a) => {
                    cur = self
                        .others
                        .iter()
                        .find(|(o, _)| *o == a)
                        .and_then(|(_, next)| next.clone());
                }
                None => return false,
            }
        }
        true
    }

    fn key_id_changed(&self) -> bool {
        let typed = self.value(Field::AccessKeyId).trim();
        !typed.is_empty() && Some(typed) != self.stored_key_id.as_deref()
    }

    /// The message under a field, with the core's wording; `None` when the value is fine.
    pub fn error(&self, f: Field) -> Option<String> {
        let v = self.value(f);
        let err = |r: Result<(), ValidationError>| r.err().map(|e| e.to_string());
        match f {
            Field::Alias => match SessionAlias::parse(v) {
                Err(e) => Some(e.to_string()),
                Ok(a) if self.others.iter().any(|(o, _)| o == a.as_str()) => {
                    Some(format!("a session named {:?} already exists", a.as_str()))
                }
                Ok(_) => None,
            },
            Field::Profile => err(ProfileName::parse(v).map(drop)),
            Field::Region => err(Region::parse(v).map(drop)),
            Field::MfaDevice if v.trim().is_empty() => None,
            Field::MfaDevice => err(MfaDevice::parse(v).map(drop)),
            // On edit, both key fields blank keep the stored keys.
            Field::AccessKeyId if self.is_edit() && v.trim().is_empty() => None,
            Field::AccessKeyId => err(AccessKeyId::parse(v).map(drop)),
            Field::Secret if self.is_edit() && v.is_empty() && !self.key_id_changed() => None,
            Field::Secret if self.is_edit() && v.is_empty() => {
                Some("a new access key id needs its secret access key".into())
            }
            Field::Secret => err(SecretAccessKey::parse(v).map(drop)),
            Field::RoleArn => err(RoleArn::parse(v).map(drop)),
            Field::RoleSessionName => err(RoleSessionName::parse(v).map(drop)),
            Field::Assumer if v.is_empty() => Some("choose the session whose credentials assume the role".into()),
            Field::Assumer if !self.others.iter().any(|(a, _)| a == v) => Some(format!("no session named {v:?}")),
            Field::Assumer if self.would_cycle(v) => {
                Some(format!("{v:?} assumes from this session: that would be a cycle"))
            }
            Field::Assumer => None,
        }
    }

    pub fn is_valid(&self) -> bool {
        self.fields().iter().all(|f| self.error(*f).is_none())
    }

    pub fn update(&mut self, msg: Msg) -> Effect {
        match msg {
            Msg::Kind(k) if !self.is_edit() => self.kind = Some(k),
            Msg::Kind(_) => {}
            Msg::Input(f, v) => {
                self.values.insert(f, v);
                self.error = None;
            }
            Msg::StoredKeyId(id) => {
                if self.value(Field::AccessKeyId).is_empty()
                    && let Some(id) = &id
                {
                    self.values.insert(Field::AccessKeyId, id.clone());
                }
                self.stored_key_id = id;
            }
            Msg::Cancel => return Effect::Cancel,
            Msg::Save if self.saving || !self.is_valid() => {}
            Msg::Save => match self.output() {
                Ok(out) => {
                    self.saving = true;
                    return Effect::Save(out);
                }
                Err(e) => self.error = Some(e.to_string()),
            },
        }
        Effect::None
    }

    fn output(&self) -> Result<Output, ValidationError> {
        let opt = |f: Field| Some(self.value(f).trim()).filter(|v| !v.is_empty());
        let alias = SessionAlias::parse(self.value(Field::Alias))?;
        let profile = ProfileName::parse(self.value(Field::Profile))?;
        let region = Region::parse(self.value(Field::Region))?;
        let mfa_device = opt(Field::MfaDevice).map(MfaDevice::parse).transpose()?;
        let Some(old) = &self.editing else {
            let kind = match self.kind() {
                Kind::IamUser => NewKind::IamUser {
                    keys: LongTermKeys {
                        access_key_id: AccessKeyId::parse(self.value(Field::AccessKeyId))?,
                        secret_access_key: SecretAccessKey::parse(self.value(Field::Secret))?,
                    },
                    mfa_device,
                    duration: self.duration.unwrap_or_default(),
                },
                Kind::RoleChained => NewKind::RoleChained {
                    role_arn: RoleArn::parse(self.value(Field::RoleArn))?,
                    role_session_name: RoleSessionName::parse(self.value(Field::RoleSessionName))?,
                    assumer: SessionAlias::parse(self.value(Field::Assumer))?,
                },
            };
            return Ok(Output::Add(NewSession {
                alias,
                profile,
                region,
                kind,
            }));
        };
        // Only what changed goes into the edit, so an untouched field never stops the session.
        let mut edit = SessionEdit {
            alias: (alias != old.alias).then_some(alias),
            profile: (profile != old.profile).then_some(profile),
            region: (region.as_str() != old.region).then_some(region),
            ..SessionEdit::default()
        };
        match self.kind() {
            Kind::IamUser => {
                if mfa_device.as_ref().map(std::string::ToString::to_string) != old.mfa_device {
                    edit.mfa_device = Some(mfa_device);
                }
                if self.key_id_changed() {
                    edit.access_key_id = Some(AccessKeyId::parse(self.value(Field::AccessKeyId))?);
                }
                if !self.value(Field::Secret).is_empty() {
                    edit.secret_access_key = Some(SecretAccessKey::parse(self.value(Field::Secret))?);
                }
            }
            Kind::RoleChained => {
                let arn = RoleArn::parse(self.value(Field::RoleArn))?;
                edit.role_arn = (Some(arn.to_string()) != old.role_arn).then_some(arn);
                let name = RoleSessionName::parse(self.value(Field::RoleSessionName))?;
                edit.role_session_name = (Some(name.to_string()) != old.role_session_name).then_some(name);
                let assumer = SessionAlias::parse(self.value(Field::Assumer))?;
                edit.assumer = (Some(assumer.to_string()) != old.assumer).then_some(assumer);
            }
        }
        Ok(Output::Edit {
            alias: old.alias.to_string(),
            edit,
        })
    }
}

pub fn label(f: Field) -> &'static str {
    match f {
        Field::Alias => "Session alias",
        Field::Profile => "Named profile",
        Field::Region => "Region",
        Field::MfaDevice => "MFA device (optional)",
        Field::AccessKeyId => "Access key ID",
        Field::Secret => "Secret access key",
        Field::RoleArn => "Role ARN",
        Field::RoleSessionName => "Role session name",
        Field::Assumer => "Assumer session",
    }
}

pub fn placeholder(f: Field, editing: bool) -> &'static str {
    match f {
        Field::Alias => "e.g. acme-dev",
        Field::Profile => "e.g. default, dev",
        Field::Region => "e.g. eu-west-1",
        Field::MfaDevice => "arn:aws:iam::123456789012:mfa/you",
        Field::AccessKeyId => "AKIA…",
        Field::Secret if editing => "leave blank to keep the stored one",
        Field::Secret => "40 characters",
        Field::RoleArn => "arn:aws:iam::123456789012:role/Name",
        Field::RoleSessionName => "e.g. your-name",
        Field::Assumer => "",
    }
}

#[cfg(test)]
#[path = "form_tests.rs"]
mod tests;
