//! Add / edit session: the add form starts with the kind (`choice.rs`), then shows that kind's
//! fields, each validated with the core's own parsers as the user types. `update` is pure (no
//! engine, no display, no dialog), so the form is tested headless: what needs the outside world
//! (the file dialog, IAM, the engine) leaves as an `Effect` and comes back as a `Msg`. What is
//! common to every kind (alias, profile, region) lives here; each kind's own fields, checks and
//! output live in its module (`iam_user.rs`, `role_chained.rs`, `aws_saml.rs`), dispatched by
//! the few `match`es in `kind.rs`; the IAM Identity Center connection is its own form
//! (`window/sso_form.rs`), held here while it is the chosen kind.

mod aws_saml;
mod aws_sso;
mod choice;
mod iam_user;
mod kind;
mod role_chained;
mod suggest;
mod view;

use std::collections::HashMap;

use keyhop_core::SessionView;
use keyhop_core::engine::{NewSession, SessionEdit};
use keyhop_core::kinds::KindName;
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::session::SessionId;
use keyhop_core::validate::{ProfileName, Region, SessionAlias, SessionDuration, ValidationError};

use super::sso_form::{self, NewConnection, SsoForm};

pub use aws_saml::{RoleChoice, RoleLookup};
pub use choice::{CHOICES, Choice};
pub use iam_user::Lookup;
pub use suggest::{note, suggestions};
pub use view::view;

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
    IdpUrl,
    PrincipalArn,
}

const COMMON: [Field; 3] = [Field::Alias, Field::Profile, Field::Region];

#[derive(Debug, Clone)]
pub enum Msg {
    /// The first step: add this.
    Pick(Choice),
    /// Back to the first step.
    Back,
    /// A key the app passes on while the first step shows (arrows and Enter choose).
    Key(iced::keyboard::key::Named),
    Input(Field, String),
    /// A line under a field was chosen (a profile, a region).
    Suggested(Field, String),
    /// The "▾" beside a field: show or hide all its suggestions.
    Browse(Field),
    /// "Import CSV…": ask for the file.
    ImportCsv,
    /// The file dialog's answer: the file's name and its keys (or why not); `None` if cancelled.
    CsvRead(Option<(String, Result<LongTermKeys, String>)>),
    /// "Find my MFA device": ask IAM with the keys typed in.
    FindMfa,
    /// IAM's answer: the devices' serial numbers, or why not.
    MfaFound(Result<Vec<String>, String>),
    /// "Find roles": sign in at the IdP typed in and list the roles its assertion offers.
    FindRoles,
    /// The sign-in's answer: the assertion's role/provider pairs, or why not.
    RolesFound(Result<Vec<keyhop_core::saml::SamlRole>, String>),
    /// A pair chosen from those found.
    PickRole(RoleChoice),
    /// The IAM Identity Center connection's form, when that is the chosen kind.
    Sso(sso_form::Msg),
    /// The stored access key id arrived from the keyring (edit form).
    StoredKeyId(Option<String>),
    Save,
    Cancel,
}

#[allow(clippy::large_enum_variant)] // one per click
pub enum Effect {
    None,
    Save(Output),
    AddConnection(NewConnection),
    /// Open the file dialog for an access-key CSV.
    PickCsv,
    /// List the MFA devices of the IAM user these keys belong to.
    FindMfa {
        region: Region,
        keys: LongTermKeys,
    },
    /// Sign in at this IdP (its window) and list the roles of the assertion.
    FindRoles {
        idp_url: keyhop_core::saml::IdpUrl,
    },
    Cancel,
}

pub enum Output {
    Add(NewSession),
    Edit { id: SessionId, edit: SessionEdit },
}

/// Another session, as the form needs it: uniqueness, assumer choices, cycle checks, profiles.
#[derive(Debug, Clone)]
pub struct Other {
    pub alias: String,
    pub id: SessionId,
    pub assumer: Option<SessionId>,
    pub profile: String,
}

#[derive(Debug, Clone)]
pub struct Form {
    /// The session being edited (as it was when the form opened); `None` adds a new one.
    pub editing: Option<SessionView>,
    /// The add form's first step is showing (with this choice highlighted).
    pub picking: Option<usize>,
    /// Bumped on every change of step, so the new step's first field takes the focus.
    pub step: u64,
    pub kind: KindName,
    /// The IAM Identity Center connection's form, when that is the chosen kind.
    pub sso: Option<SsoForm>,
    /// Names of the connections that exist (for a new connection's form).
    pub connections: Vec<String>,
    pub default_region: String,
    pub values: HashMap<Field, String>,
    /// The access key id in the keyring (edit form), to tell whether the user changed it.
    pub stored_key_id: Option<String>,
    pub others: Vec<Other>,
    pub profile_choices: Vec<String>,
    /// Profiles the AWS tools would not read from the credentials file (profile -> why, from
    /// `keyhop_core::aws_files::shadow`): choosing one is refused inline.
    pub shadowed: HashMap<String, String>,
    /// The field whose suggestions show.
    pub suggesting: Option<Field>,
    /// Where the keys came from ("Filled from accessKeys.csv") or why a CSV was refused.
    pub imported: Option<Result<String, String>>,
    /// "Find my MFA device".
    pub lookup: Lookup,
    /// "Find roles" (SAML).
    pub roles: RoleLookup,
    /// GetSessionToken duration for a new IAM user (from the settings).
    pub duration: Option<SessionDuration>,
    pub saving: bool,
    pub error: Option<String>,
}

impl Form {
    fn blank(kind: KindName, sessions: &[SessionView], except: Option<&SessionId>, profiles: Vec<String>) -> Self {
        Form {
            editing: None,
            picking: None,
            step: 0,
            kind,
            sso: None,
            connections: vec![],
            default_region: String::new(),
            values: HashMap::new(),
            stored_key_id: None,
            others: sessions
                .iter()
                .filter(|s| Some(&s.id) != except)
                .map(|s| Other {
                    alias: s.alias.to_string(),
                    id: s.id.clone(),
                    assumer: s.details.assumer_id().cloned(),
                    profile: s.profile.to_string(),
                })
                .collect(),
            profile_choices: profiles,
            shadowed: HashMap::new(),
            suggesting: None,
            imported: None,
            lookup: Lookup::Idle,
            roles: RoleLookup::Idle,
            duration: None,
            saving: false,
            error: None,
        }
    }

    /// The add form, on its first step. The app sets `connections` (for the SSO choice).
    pub fn new_session(
        sessions: &[SessionView],
        profiles: Vec<String>,
        default_region: &str,
        duration: SessionDuration,
    ) -> Self {
        let mut f = Form {
            picking: Some(0),
            duration: Some(duration),
            default_region: default_region.to_owned(),
            ..Self::blank(KindName::IamUser, sessions, None, profiles)
        };
        f.values.insert(Field::Region, default_region.to_owned());
        f
    }

    pub fn edit_session(s: &SessionView, sessions: &[SessionView], profiles: Vec<String>) -> Self {
        let mut f = Self::blank(s.kind, sessions, Some(&s.id), profiles);
        f.editing = Some(s.clone());
        f.values.insert(Field::Alias, s.alias.to_string());
        f.values.insert(Field::Profile, s.profile.to_string());
        f.values.insert(Field::Region, s.region.to_string());
        kind::prefill(&mut f, &s.details);
        f
    }

    pub fn value(&self, f: Field) -> &str {
        self.values.get(&f).map_or("", String::as_str)
    }

    pub fn is_edit(&self) -> bool {
        self.editing.is_some()
    }

    /// What the add form adds now (`None` on the first step).
    pub fn choice(&self) -> Option<Choice> {
        match (self.picking, &self.sso) {
            (Some(_), _) => None,
            (None, Some(_)) => Some(Choice::SsoConnection),
            (None, None) => Some(Choice::Kind(self.kind)),
        }
    }

    /// Does this form need the stored access key id from the keyring?
    pub fn wants_stored_key_id(&self) -> bool {
        self.is_edit() && self.fields().contains(&Field::AccessKeyId)
    }

    /// The fields this kind of session shows, in order.
    pub fn fields(&self) -> Vec<Field> {
        COMMON.iter().chain(kind::fields(self.kind)).copied().collect()
    }

    /// The other session named `alias`.
    fn other(&self, alias: &str) -> Option<&Other> {
        self.others.iter().find(|o| o.alias == alias)
    }

    /// The alias of another session that writes profile `profile`.
    pub fn profile_user(&self, profile: &str) -> Option<&str> {
        self.others
            .iter()
            .find(|o| o.profile == profile)
            .map(|o| o.alias.as_str())
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
            _ => kind::error(self, f),
        }
    }

    pub fn is_valid(&self) -> bool {
        self.fields().iter().all(|f| self.error(*f).is_none())
    }

    pub fn update(&mut self, msg: Msg) -> Effect {
        match msg {
            Msg::Pick(c) => self.pick(c),
            Msg::Back if !self.is_edit() && !self.saving => {
                self.picking = Some(self.choice().map_or(0, Choice::index));
                self.sso = None;
                self.step += 1;
            }
            Msg::Key(k) => return self.picker_key(k),
            Msg::Input(f, v) => self.input(f, v),
            Msg::Suggested(f, v) => {
                self.values.insert(f, v);
                self.suggesting = None;
            }
            Msg::Browse(f) => self.suggesting = (self.suggesting != Some(f)).then_some(f),
            Msg::ImportCsv => return Effect::PickCsv,
            Msg::CsvRead(read) => iam_user::csv_read(self, read),
            Msg::FindMfa => return iam_user::find_mfa(self),
            Msg::MfaFound(found) => iam_user::mfa_found(self, found),
            Msg::FindRoles => return aws_saml::find_roles(self),
            Msg::RolesFound(found) => aws_saml::roles_found(self, found),
            Msg::PickRole(choice) => aws_saml::pick_role(self, choice),
            Msg::Sso(m) => return self.sso_msg(m),
            Msg::StoredKeyId(id) => {
                if self.value(Field::AccessKeyId).is_empty()
                    && let Some(id) = &id
                {
                    self.values.insert(Field::AccessKeyId, id.clone());
                }
                self.stored_key_id = id;
            }
            Msg::Back => {}
            Msg::Cancel => return Effect::Cancel,
            Msg::Save if self.saving || self.picking.is_some() || !self.is_valid() => {}
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

    fn pick(&mut self, c: Choice) {
        if self.picking.is_none() || self.is_edit() {
            return;
        }
        self.picking = None;
        self.step += 1;
        match c {
            Choice::SsoConnection => {
                self.sso = Some(SsoForm::new(self.connections.clone(), &self.default_region));
            }
            Choice::Kind(k) => self.kind = k,
        }
    }

    /// Arrows move the highlight of the first step, Enter takes it.
    fn picker_key(&mut self, k: iced::keyboard::key::Named) -> Effect {
        use iced::keyboard::key::Named;
        let Some(at) = self.picking else { return Effect::None };
        match k {
            Named::ArrowDown => self.picking = Some((at + 1) % CHOICES.len()),
            Named::ArrowUp => self.picking = Some((at + CHOICES.len() - 1) % CHOICES.len()),
            Named::Enter => self.pick(CHOICES[at]),
            _ => {}
        }
        Effect::None
    }

    fn input(&mut self, f: Field, v: String) {
        let exact = suggest::is_choice(self, f, &v);
        self.values.insert(f, v);
        let open = crate::window::picker::opens(self.value(f), exact, &suggestions(self, f));
        self.suggesting = open.then_some(f);
        if matches!(f, Field::AccessKeyId | Field::Secret) {
            // The devices found belong to the keys they were found with.
            self.lookup = Lookup::Idle;
        }
        if f == Field::IdpUrl && self.roles != RoleLookup::Asking {
            // The roles found belong to the IdP they were found at.
            self.roles = RoleLookup::Idle;
        }
        self.error = None;
    }

    fn sso_msg(&mut self, m: sso_form::Msg) -> Effect {
        let Some(sso) = &mut self.sso else { return Effect::None };
        match sso.update(m) {
            sso_form::Effect::None => Effect::None,
            sso_form::Effect::Save(c) => Effect::AddConnection(c),
            sso_form::Effect::Back => self.update(Msg::Back),
            sso_form::Effect::Cancel => Effect::Cancel,
        }
    }

    /// A save or add that the engine refused: editable again, with why.
    pub fn refused(&mut self, why: String) {
        self.saving = false;
        match &mut self.sso {
            Some(sso) => {
                sso.saving = false;
                sso.error = Some(why);
            }
            None => self.error = Some(why),
        }
    }

    fn output(&self) -> Result<Output, keyhop_core::Error> {
        let alias = SessionAlias::parse(self.value(Field::Alias))?;
        let profile = ProfileName::parse(self.value(Field::Profile))?;
        let region = Region::parse(self.value(Field::Region))?;
        let Some(old) = &self.editing else {
            return Ok(Output::Add(NewSession {
                alias,
                profile,
                region,
                kind: kind::new_kind(self)?,
            }));
        };
        // Only what changed goes into the edit, so an untouched field never stops the session.
        Ok(Output::Edit {
            id: old.id.clone(),
            edit: SessionEdit {
                alias: (alias != old.alias).then_some(alias),
                profile: (profile != old.profile).then_some(profile),
                region: (region != old.region).then_some(region),
                kind: kind::edit(self, &old.details)?,
            },
        })
    }

    /// A trimmed field value, `None` when blank.
    fn optional(&self, f: Field) -> Option<&str> {
        Some(self.value(f).trim()).filter(|v| !v.is_empty())
    }
}

/// The add form with the IAM Identity Center connection chosen already.
pub fn new_connection(connections: Vec<String>, default_region: &str) -> Form {
    let mut f = Form {
        connections,
        default_region: default_region.to_owned(),
        picking: Some(Choice::SsoConnection.index()),
        ..Form::blank(KindName::IamUser, &[], None, vec![])
    };
    f.pick(Choice::SsoConnection);
    f
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
        Field::IdpUrl => "Identity provider URL",
        Field::PrincipalArn => "SAML provider ARN",
    }
}

pub fn placeholder(f: Field, editing: bool) -> &'static str {
    match f {
        Field::Alias => "e.g. acme-dev",
        Field::Profile => "e.g. default, dev",
        Field::Region => "type a code or a place, e.g. Ireland",
        Field::MfaDevice => "arn:aws:iam::123456789012:mfa/you",
        Field::AccessKeyId => "AKIA…",
        Field::Secret if editing => "leave blank to keep the stored one",
        Field::Secret => "40 characters",
        Field::RoleArn => "arn:aws:iam::123456789012:role/Name",
        Field::RoleSessionName => "e.g. your-name",
        Field::Assumer => "",
        Field::IdpUrl => "https://example.okta.com/home/amazon_aws/…",
        Field::PrincipalArn => "arn:aws:iam::123456789012:saml-provider/Name",
    }
}

#[cfg(test)]
mod tests;
