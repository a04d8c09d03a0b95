//! The SAML federated part of the form: the IdP's sign-in URL, the role and the SAML provider
//! that pairs with it ("Find roles" signs in at the IdP and offers the assertion's pairs). The
//! duration stays the core's default (1 h); `keyhop session edit --saml-duration` changes it.

use std::fmt;

use keyhop_core::kinds::{KindEdit, NewKind, aws_saml};
use keyhop_core::saml::{IdpUrl, PrincipalArn, SamlRole};
use keyhop_core::validate::RoleArn;

use super::{Effect, Field, Form};

/// "Find roles": where the sign-in at the IdP stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RoleLookup {
    #[default]
    Idle,
    Asking,
    /// The role/provider pairs the assertion offers, in its order.
    Found(Vec<RoleChoice>),
    Failed(String),
}

/// One pair of the assertion's `Role` attribute, as the pick list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChoice(pub SamlRole);

impl fmt::Display for RoleChoice {
    /// "ReadOnly · 222222222222 · provider rig": what a user knows a role by; the ARNs go
    /// into the fields.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = self.0.role.to_string();
        let principal = self.0.principal.to_string();
        let after = |arn: &str, marker: &str| arn.split_once(marker).map_or(arn.to_owned(), |(_, n)| n.to_owned());
        let account = role.split(':').nth(4).unwrap_or_default();
        write!(
            f,
            "{} · {account} · provider {}",
            after(&role, ":role/"),
            after(&principal, ":saml-provider/")
        )
    }
}

/// The IdP URL typed in, when "Find roles" can sign in there (no sign-in pending).
pub fn can_find_roles(f: &Form) -> Option<IdpUrl> {
    (f.roles != RoleLookup::Asking)
        .then(|| IdpUrl::parse(f.value(Field::IdpUrl)).ok())
        .flatten()
}

pub fn find_roles(f: &mut Form) -> Effect {
    let Some(idp_url) = can_find_roles(f) else {
        return Effect::None;
    };
    f.roles = RoleLookup::Asking;
    Effect::FindRoles { idp_url }
}

pub fn roles_found(f: &mut Form, found: Result<Vec<SamlRole>, String>) {
    f.roles = match found {
        Ok(roles) => {
            // One pair: that is the answer.
            if let [only] = roles.as_slice() {
                pick_role(f, RoleChoice(only.clone()));
            }
            RoleLookup::Found(roles.into_iter().map(RoleChoice).collect())
        }
        Err(why) => RoleLookup::Failed(why),
    };
}

/// A pair chosen in the list fills both ARNs.
pub fn pick_role(f: &mut Form, choice: RoleChoice) {
    f.values.insert(Field::RoleArn, choice.0.role.to_string());
    f.values.insert(Field::PrincipalArn, choice.0.principal.to_string());
    f.error = None;
}

/// The pair the role and provider fields hold, if it is one of those found.
pub fn picked(f: &Form) -> Option<RoleChoice> {
    let RoleLookup::Found(roles) = &f.roles else {
        return None;
    };
    roles
        .iter()
        .find(|c| {
            c.0.role.to_string() == f.value(Field::RoleArn) && c.0.principal.to_string() == f.value(Field::PrincipalArn)
        })
        .cloned()
}

pub const FIELDS: &[Field] = &[Field::IdpUrl, Field::RoleArn, Field::PrincipalArn];

pub fn prefill(f: &mut Form, d: &aws_saml::Details) {
    f.values.insert(Field::IdpUrl, d.idp_url.to_string());
    f.values.insert(Field::RoleArn, d.role_arn.to_string());
    f.values.insert(Field::PrincipalArn, d.principal_arn.to_string());
}

pub fn error(f: &Form, field: Field) -> Option<String> {
    let v = f.value(field);
    match field {
        Field::IdpUrl => IdpUrl::parse(v).err().map(|e| e.to_string()),
        Field::RoleArn => RoleArn::parse(v).err().map(|e| e.to_string()),
        Field::PrincipalArn => PrincipalArn::parse(v).err().map(|e| e.to_string()),
        _ => None,
    }
}

pub fn new_kind(f: &Form) -> Result<NewKind, keyhop_core::Error> {
    Ok(NewKind::AwsSaml(aws_saml::New {
        idp_url: IdpUrl::parse(f.value(Field::IdpUrl))?,
        role_arn: RoleArn::parse(f.value(Field::RoleArn))?,
        principal_arn: PrincipalArn::parse(f.value(Field::PrincipalArn))?,
        duration: keyhop_core::saml::SamlDuration::default(),
    }))
}

pub fn edit(f: &Form, old: &aws_saml::Details) -> Result<Option<KindEdit>, keyhop_core::Error> {
    let idp_url = IdpUrl::parse(f.value(Field::IdpUrl))?;
    let role_arn = RoleArn::parse(f.value(Field::RoleArn))?;
    let principal_arn = PrincipalArn::parse(f.value(Field::PrincipalArn))?;
    let e = aws_saml::Edit {
        idp_url: (idp_url != old.idp_url).then_some(idp_url),
        role_arn: (role_arn != old.role_arn).then_some(role_arn),
        principal_arn: (principal_arn != old.principal_arn).then_some(principal_arn),
        duration: None,
    };
    let changed = e.idp_url.is_some() || e.role_arn.is_some() || e.principal_arn.is_some();
    Ok(changed.then_some(KindEdit::AwsSaml(e)))
}
