//! The IAM Role Federated (SAML 2.0) part of the command line: `session add saml`'s arguments,
//! `session edit`'s flags for a SAML session, and its cells in the session table.

use clap::Args;
use keyhop_core::Result;
use keyhop_core::kinds::{KindEdit, NewKind, aws_saml};
use keyhop_core::saml::{IdpUrl, PrincipalArn, SamlDuration, SamlValueError};
use keyhop_core::validate::RoleArn;

use super::{CommonArgs, TableCells};

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The sign-in URL of the IdP's AWS app (e.g. https://example.okta.com/home/amazon_aws/…)
    #[arg(long)]
    pub idp_url: String,
    /// The role to assume (one of those `keyhop saml roles` lists)
    #[arg(long)]
    pub role_arn: String,
    /// The SAML provider in IAM that the IdP's Role attribute pairs with the role
    #[arg(long)]
    pub principal_arn: String,
    /// How long the credentials last: 15m to 12h (e.g. 3600, 90m, 1h; default 1h), up to the
    /// role's maximum
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<SamlDuration>,
}

#[derive(Args, Debug)]
#[group(skip)]
pub struct EditFlags {
    /// New sign-in URL of the IdP's AWS app
    #[arg(long)]
    pub idp_url: Option<String>,
    /// New SAML provider in IAM (the one the IdP's Role attribute pairs with the role)
    #[arg(long)]
    pub principal_arn: Option<String>,
    /// A SAML session's duration (15m to 12h)
    #[arg(long, value_parser = parse_duration)]
    pub saml_duration: Option<SamlDuration>,
}

/// `3600`, `3600s`, `90m` or `1h`, within AssumeRoleWithSAML's bounds.
fn parse_duration(s: &str) -> std::result::Result<SamlDuration, String> {
    let s = s.trim();
    let (digits, unit) = match s.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&s[..at], c.to_ascii_lowercase()),
        _ => (s, 's'),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration: expected seconds, or a number with s, m or h (e.g. 1h)"))?;
    let secs = match unit {
        's' => n,
        'm' => n.saturating_mul(60),
        'h' => n.saturating_mul(3600),
        _ => return Err(format!("{s:?}: the unit must be s, m or h")),
    };
    SamlDuration::from_secs(secs).map_err(|e| e.to_string())
}

pub fn new_kind(a: &AddArgs) -> Result<NewKind> {
    Ok(NewKind::AwsSaml(aws_saml::New {
        idp_url: IdpUrl::parse(&a.idp_url)?,
        role_arn: RoleArn::parse(&a.role_arn)?,
        principal_arn: PrincipalArn::parse(&a.principal_arn)?,
        duration: a.duration.unwrap_or_default(),
    }))
}

/// The edit the flags ask for, `None` when none is given. `--role-arn` is a chained role's flag
/// too: `role_arn` is what it gave, for a SAML session only.
pub fn edit(a: &EditFlags, role_arn: Option<&str>) -> Result<Option<KindEdit>> {
    fn opt<T>(
        v: Option<&str>,
        parse: fn(&str) -> std::result::Result<T, SamlValueError>,
    ) -> std::result::Result<Option<T>, SamlValueError> {
        v.map(parse).transpose()
    }
    let e = aws_saml::Edit {
        idp_url: opt(a.idp_url.as_deref(), IdpUrl::parse)?,
        principal_arn: opt(a.principal_arn.as_deref(), PrincipalArn::parse)?,
        role_arn: role_arn.map(RoleArn::parse).transpose()?,
        duration: a.saml_duration,
    };
    let set = e.idp_url.is_some() || e.principal_arn.is_some() || e.duration.is_some() || e.role_arn.is_some();
    Ok(set.then_some(KindEdit::AwsSaml(e)))
}

pub fn table_cells(_: &aws_saml::Details) -> TableCells {
    TableCells::default()
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_take_units() {
        let secs = |s| parse_duration(s).map(keyhop_core::saml::SamlDuration::secs);
        assert_eq!(secs("3600"), Ok(3600));
        assert_eq!(secs("1h"), Ok(3600));
        assert_eq!(secs("90m"), Ok(5400));
        assert_eq!(secs("900s"), Ok(900));
        assert!(secs("13h").unwrap_err().contains("43200"));
        assert!(secs("1d").unwrap_err().contains("unit"));
        assert!(secs("soon").is_err());
    }
}
