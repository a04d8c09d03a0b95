//! The SAML federated part of the form: the IdP's sign-in URL, the role and the SAML provider
//! that pairs with it. The duration stays the core's default (1 h); `keyhop session edit
//! --saml-duration` changes it.

use keyhop_core::kinds::{KindEdit, NewKind, aws_saml};
use keyhop_core::saml::{IdpUrl, PrincipalArn};
use keyhop_core::validate::RoleArn;

use super::{Field, Form};

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
