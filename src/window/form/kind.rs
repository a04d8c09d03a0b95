//! The form's registry of kinds: each `match` sends a kind's part of the work to its module.

use keyhop_core::kinds::{KindDetails, KindEdit, KindName, NewKind};

use super::{Field, Form, aws_saml, aws_sso, iam_user, role_chained};

/// The kind's own fields, after alias, profile and region.
pub fn fields(kind: KindName) -> &'static [Field] {
    match kind {
        KindName::IamUser => iam_user::FIELDS,
        KindName::RoleChained => role_chained::FIELDS,
        KindName::AwsSso => aws_sso::FIELDS,
        KindName::AwsSaml => aws_saml::FIELDS,
    }
}

pub fn prefill(f: &mut Form, details: &KindDetails) {
    match details {
        KindDetails::IamUser(d) => iam_user::prefill(f, d),
        KindDetails::RoleChained(d) => role_chained::prefill(f, d),
        KindDetails::AwsSaml(d) => aws_saml::prefill(f, d),
        KindDetails::AwsSso(_) => {}
    }
}

pub fn error(f: &Form, field: Field) -> Option<String> {
    match f.kind {
        KindName::IamUser => iam_user::error(f, field),
        KindName::RoleChained => role_chained::error(f, field),
        KindName::AwsSaml => aws_saml::error(f, field),
        KindName::AwsSso => None,
    }
}

pub fn new_kind(f: &Form) -> Result<NewKind, keyhop_core::Error> {
    Ok(match f.kind {
        KindName::IamUser => iam_user::new_kind(f)?,
        KindName::RoleChained => role_chained::new_kind(f)?,
        KindName::AwsSaml => aws_saml::new_kind(f)?,
        // Sessions of a connection come from its sync; the picker offers the connection.
        KindName::AwsSso => aws_sso::new_kind()?,
    })
}

/// Only what changed, `None` when nothing did.
pub fn edit(f: &Form, old: &KindDetails) -> Result<Option<KindEdit>, keyhop_core::Error> {
    Ok(match old {
        KindDetails::IamUser(d) => iam_user::edit(f, d)?,
        KindDetails::RoleChained(d) => role_chained::edit(f, d)?,
        KindDetails::AwsSaml(d) => aws_saml::edit(f, d)?,
        KindDetails::AwsSso(_) => aws_sso::edit(),
    })
}
