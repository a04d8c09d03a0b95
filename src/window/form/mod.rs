//! Add / edit session: Leapp's fields, each validated with the core's own parsers as the user
//! types. `update` is pure (no engine, no display), so the form is tested headless. What is
//! common to every kind (alias, profile, region) lives here; each kind's own fields, checks and
//! output live in its module (`iam_user.rs`, `role_chained.rs`), dispatched by the few `match`es
//! at the bottom of this file.

mod aws_saml;
mod aws_sso;
mod iam_user;
mod role_chained;
mod view;

use std::collections::HashMap;

use keyhop_core::SessionView;
use keyhop_core::engine::{NewSession, SessionEdit};
use keyhop_core::kinds::{KindDetails, KindEdit, KindName, NewKind};
use keyhop_core::session::SessionId;
use keyhop_core::validate::{ProfileName, Region, SessionAlias, SessionDuration, ValidationError};

pub use view::{FIRST_INPUT, view};

/// The kinds a person adds in this form (sessions of an SSO connection come from a sync).
pub const ADDABLE: [KindName; 2] = [KindName::IamUser, KindName::RoleChained];

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

const COMMON: [Field; 3] = [Field::Alias, Field::Profile, Field::Region];

#[derive(Debug, Clone)]
pub enum Msg {
    Kind(KindName),
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
    Edit { id: SessionId, edit: SessionEdit },
}

/// Another session, as the form needs it: uniqueness, assumer choices, cycle checks.
#[derive(Debug, Clone)]
pub struct Other {
    pub alias: String,
    pub id: SessionId,
    pub assumer: Option<SessionId>,
}

#[derive(Debug, Clone)]
pub struct Form {
    /// The session being edited (as it was when the form opened); `None` adds a new one.
    pub editing: Option<SessionView>,
    pub kind: KindName,
    pub values: HashMap<Field, String>,
    /// The access key id in the keyring (edit form), to tell whether the user changed it.
    pub stored_key_id: Option<String>,
    pub others: Vec<Other>,
    pub profile_choices: Vec<String>,
    /// Profiles the AWS tools would not read from the credentials file (profile -> why, from
    /// `keyhop_core::aws_files::shadow`): choosing one is refused inline.
    pub shadowed: HashMap<String, String>,
    /// GetSessionToken duration for a new IAM user (from the settings).
    pub duration: Option<SessionDuration>,
    pub saving: bool,
    pub error: Option<String>,
}

impl Form {
    fn blank(kind: KindName, sessions: &[SessionView], except: Option<&SessionId>, profiles: Vec<String>) -> Self {
        Form {
            editing: None,
            kind,
            values: HashMap::new(),
            stored_key_id: None,
            others: sessions
                .iter()
                .filter(|s| Some(&s.id) != except)
                .map(|s| Other {
                    alias: s.alias.to_string(),
                    id: s.id.clone(),
                    assumer: s.details.assumer_id().cloned(),
                })
                .collect(),
            profile_choices: profiles,
            shadowed: HashMap::new(),
            duration: None,
            saving: false,
            error: None,
        }
    }

    pub fn new_session(
        sessions: &[SessionView],
        profiles: Vec<String>,
        default_region: &str,
        duration: SessionDuration,
    ) -> Self {
        let mut f = Self::blank(ADDABLE[0], sessions, None, profiles);
        f.duration = Some(duration);
        f.values.insert(Field::Region, default_region.to_owned());
        f
    }

    pub fn edit_session(s: &SessionView, sessions: &[SessionView], profiles: Vec<String>) -> Self {
        let mut f = Self::blank(s.kind, sessions, Some(&s.id), profiles);
        f.editing = Some(s.clone());
        f.values.insert(Field::Alias, s.alias.to_string());
        f.values.insert(Field::Profile, s.profile.to_string());
        f.values.insert(Field::Region, s.region.to_string());
        match &s.details {
            KindDetails::IamUser(d) => iam_user::prefill(&mut f, d),
            KindDetails::RoleChained(d) => role_chained::prefill(&mut f, d),
            KindDetails::AwsSso(_) | KindDetails::AwsSaml(_) => {}
        }
        f
    }

    pub fn value(&self, f: Field) -> &str {
        self.values.get(&f).map_or("", String::as_str)
    }

    pub fn is_edit(&self) -> bool {
        self.editing.is_some()
    }

    /// Does this form need the stored access key id from the keyring?
    pub fn wants_stored_key_id(&self) -> bool {
        self.is_edit() && self.fields().contains(&Field::AccessKeyId)
    }

    /// The fields this kind of session shows, in order.
    pub fn fields(&self) -> Vec<Field> {
        let own = match self.kind {
            KindName::IamUser => iam_user::FIELDS,
            KindName::RoleChained => role_chained::FIELDS,
            KindName::AwsSso => aws_sso::FIELDS,
            KindName::AwsSaml => aws_saml::FIELDS,
        };
        COMMON.iter().chain(own).copied().collect()
    }

    /// The other session named `alias`.
    fn other(&self, alias: &str) -> Option<&Other> {
        self.others.iter().find(|o| o.alias == alias)
    }

    /// The message under a field, with the core's wording; `None` when the value is fine.
    pub fn error(&self, f: Field) -> Option<String> {
        let v = self.value(f);
        let err = |r: Result<(), ValidationError>| r.err().map(|e| e.to_string());
        match f {
            Field::Alias => match SessionAlias::parse(v) {
                Err(e) => Some(e.to_string()),
                Ok(a) if self.other(a.as_str()).is_some() => {
                    Some(format!("a session named {:?} already exists", a.as_str()))
                }
                Ok(_) => None,
            },
            Field::Profile => err(ProfileName::parse(v).map(drop)).or_else(|| {
                self.shadowed.get(v).map(|why| {
                    format!("the AWS tools would not use this profile: {why}; choose another profile name or remove those lines")
                })
            }),
            Field::Region => err(Region::parse(v).map(drop)),
            _ => match self.kind {
                KindName::IamUser => iam_user::error(self, f),
                KindName::RoleChained => role_chained::error(self, f),
                KindName::AwsSso | KindName::AwsSaml => None,
            },
        }
    }

    pub fn is_valid(&self) -> bool {
        self.fields().iter().all(|f| self.error(*f).is_none())
    }

    pub fn update(&mut self, msg: Msg) -> Effect {
        match msg {
            Msg::Kind(k) if !self.is_edit() && ADDABLE.contains(&k) => self.kind = k,
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
        let alias = SessionAlias::parse(self.value(Field::Alias))?;
        let profile = ProfileName::parse(self.value(Field::Profile))?;
        let region = Region::parse(self.value(Field::Region))?;
        let Some(old) = &self.editing else {
            let kind: NewKind = match self.kind {
                KindName::IamUser => iam_user::new_kind(self)?,
                KindName::RoleChained => role_chained::new_kind(self)?,
                KindName::AwsSso => aws_sso::new_kind()?,
                KindName::AwsSaml => aws_saml::new_kind()?,
            };
            return Ok(Output::Add(NewSession {
                alias,
                profile,
                region,
                kind,
            }));
        };
        // Only what changed goes into the edit, so an untouched field never stops the session.
        let kind: Option<KindEdit> = match &old.details {
            KindDetails::IamUser(d) => iam_user::edit(self, d)?,
            KindDetails::RoleChained(d) => role_chained::edit(self, d)?,
            KindDetails::AwsSso(_) => aws_sso::edit(),
            KindDetails::AwsSaml(_) => aws_saml::edit(),
        };
        Ok(Output::Edit {
            id: old.id.clone(),
            edit: SessionEdit {
                alias: (alias != old.alias).then_some(alias),
                profile: (profile != old.profile).then_some(profile),
                region: (region != old.region).then_some(region),
                kind,
            },
        })
    }

    /// A trimmed field value, `None` when blank.
    fn optional(&self, f: Field) -> Option<&str> {
        Some(self.value(f).trim()).filter(|v| !v.is_empty())
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
mod tests;
