//! Each session kind's part of the command line, one module per kind (as the form has in
//! `window/form/`): its `session add` arguments, its `session edit` flags, its cells in the
//! session table. This file dispatches to them with one branch per kind in each `match`.

mod aws_saml;
mod aws_sso;
mod iam_user;
mod role_chained;

use clap::{Args, Subcommand};
use keyhop_core::kinds::{KindDetails, KindEdit, KindName, NewKind};
use keyhop_core::session::SessionId;
use keyhop_core::validate::{ProfileName, Region, SessionAlias, ValidationError};
use keyhop_core::{Engine, Result};

pub use iam_user::default_duration;

#[derive(Subcommand, Debug)]
pub enum AddCommand {
    /// An IAM user with long-term access keys (GetSessionToken, optionally with MFA)
    IamUser(iam_user::AddArgs),
    /// A role assumed from another session's credentials (AssumeRole, 1 h)
    RoleChained(role_chained::AddArgs),
    /// A role reached by signing in at the company's identity provider (SAML 2.0,
    /// AssumeRoleWithSAML; default 1 h)
    Saml(aws_saml::AddArgs),
}

#[derive(Args, Debug)]
pub struct CommonArgs {
    /// Session alias, shown in the tray and used by the CLI
    #[arg(long)]
    pub alias: String,
    /// Named profile that receives the credentials
    #[arg(long)]
    pub profile: String,
    /// Region written into the profile's config
    #[arg(long)]
    pub region: String,
}

/// Every kind's `session edit` flags.
#[derive(Args, Debug)]
#[group(skip)]
pub struct EditFlags {
    #[command(flatten)]
    iam_user: iam_user::EditFlags,
    #[command(flatten)]
    role_chained: role_chained::EditFlags,
    #[command(flatten)]
    aws_saml: aws_saml::EditFlags,
}

/// The kind-specific cells of a row of `session list`.
#[derive(Default)]
pub struct TableCells {
    /// The session whose credentials this one starts from.
    pub assumer: Option<String>,
    pub mfa: String,
}

pub fn opt<T>(v: Option<&str>, parse: fn(&str) -> Result<T, ValidationError>) -> Result<Option<T>> {
    Ok(v.map(parse).transpose()?)
}

impl AddCommand {
    pub fn common(&self) -> Result<(SessionAlias, ProfileName, Region)> {
        let c = match self {
            AddCommand::IamUser(a) => &a.common,
            AddCommand::RoleChained(a) => &a.common,
            AddCommand::Saml(a) => &a.common,
        };
        Ok((
            SessionAlias::parse(&c.alias)?,
            ProfileName::parse(&c.profile)?,
            Region::parse(&c.region)?,
        ))
    }

    pub fn new_kind(&self, engine: &Engine) -> Result<NewKind> {
        match self {
            AddCommand::IamUser(a) => iam_user::new_kind(engine, a),
            AddCommand::RoleChained(a) => role_chained::new_kind(engine, a),
            AddCommand::Saml(a) => aws_saml::new_kind(a),
        }
    }
}

impl EditFlags {
    /// The kind-specific part of `session edit` for session `id`. Flags of a kind the session is
    /// not are passed on as that kind's edit, which the engine refuses naming the field; given
    /// flags of several kinds, one of another kind is.
    pub fn edit(&self, engine: &Engine, id: &SessionId) -> Result<Option<KindEdit>> {
        let kind = engine.session(id)?.kind.name();
        // `--role-arn` is a chained role's and a SAML session's: it goes to the session's kind.
        let saml = kind == KindName::AwsSaml;
        let role_arn = self.role_chained.role_arn.as_deref();
        let given: Vec<KindEdit> = [
            iam_user::edit(&self.iam_user)?,
            role_chained::edit(engine, &self.role_chained)?.filter(|_| !saml || !self.role_chained.only_role_arn()),
            aws_saml::edit(&self.aws_saml, role_arn.filter(|_| saml))?,
        ]
        .into_iter()
        .flatten()
        .collect();
        let pick = given.iter().position(|e| e.name() != kind).filter(|_| given.len() > 1);
        let Some(mut edit) = given.into_iter().nth(pick.unwrap_or(0)) else {
            return Ok(None);
        };
        // Secrets are read last, after every check, and only for an edit that applies.
        if edit.name() == kind {
            match &mut edit {
                KindEdit::IamUser(e) => iam_user::read_secrets(e)?,
                KindEdit::RoleChained(_) | KindEdit::AwsSaml(_) => {}
            }
        }
        Ok(Some(edit))
    }
}

pub fn table_cells(d: &KindDetails) -> TableCells {
    match d {
        KindDetails::IamUser(d) => iam_user::table_cells(d),
        KindDetails::RoleChained(d) => role_chained::table_cells(d),
        KindDetails::AwsSso(d) => aws_sso::table_cells(d),
        KindDetails::AwsSaml(d) => aws_saml::table_cells(d),
    }
}
