//! The IAM Role Chained part of the command line: `session add role-chained`'s arguments,
//! `session edit`'s flags for a chained role, and its cells in the session table.

use clap::Args;
use keyhop_core::kinds::{KindEdit, NewKind, role_chained};
use keyhop_core::validate::{RoleArn, RoleSessionName, SessionAlias};
use keyhop_core::{Engine, Result};

use super::{CommonArgs, TableCells, opt};

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// ARN of the role to assume (arn:aws:iam::ACCOUNT:role/NAME)
    #[arg(long)]
    pub role_arn: String,
    /// Name of the assumed-role session, shown in CloudTrail (e.g. your name)
    #[arg(long)]
    pub role_session_name: String,
    /// Alias of the session whose credentials assume the role
    #[arg(long)]
    pub assumer: String,
}

#[derive(Args, Debug)]
#[group(skip)]
pub struct EditFlags {
    /// New ARN of the role to assume (a SAML session's role too)
    #[arg(long)]
    pub role_arn: Option<String>,
    /// New role session name
    #[arg(long)]
    pub role_session_name: Option<String>,
    /// Alias of the new assumer session
    #[arg(long)]
    pub assumer: Option<String>,
}

impl EditFlags {
    /// Only `--role-arn` (which a SAML session's edit takes too).
    pub fn only_role_arn(&self) -> bool {
        self.role_arn.is_some() && self.role_session_name.is_none() && self.assumer.is_none()
    }
}

pub fn new_kind(engine: &Engine, a: &AddArgs) -> Result<NewKind> {
    Ok(NewKind::RoleChained(role_chained::New {
        role_arn: RoleArn::parse(&a.role_arn)?,
        role_session_name: RoleSessionName::parse(&a.role_session_name)?,
        assumer: engine.resolve(SessionAlias::parse(&a.assumer)?.as_str())?,
    }))
}

/// The edit the flags ask for, `None` when none is given.
pub fn edit(engine: &Engine, a: &EditFlags) -> Result<Option<KindEdit>> {
    let e = role_chained::Edit {
        role_arn: opt(a.role_arn.as_deref(), RoleArn::parse)?,
        role_session_name: opt(a.role_session_name.as_deref(), RoleSessionName::parse)?,
        assumer: match a.assumer.as_deref() {
            Some(alias) => Some(engine.resolve(SessionAlias::parse(alias)?.as_str())?),
            None => None,
        },
    };
    let set = e.role_arn.is_some() || e.role_session_name.is_some() || e.assumer.is_some();
    Ok(set.then_some(KindEdit::RoleChained(e)))
}

pub fn table_cells(d: &role_chained::Details) -> TableCells {
    TableCells {
        assumer: Some(d.assumer.clone()),
        mfa: String::new(),
    }
}
