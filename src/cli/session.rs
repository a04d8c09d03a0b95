//! `keyhop session …`

use clap::{Args, Subcommand};
use keyhop_core::engine::{NewKind, NewSession, SessionEdit, StopOutcome};
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::validate::{
    AccessKeyId, MfaCode, MfaDevice, ProfileName, Region, RoleArn, RoleSessionName, SessionAlias, SessionDuration,
    ValidationError,
};
use keyhop_core::{Engine, Result};
use time::OffsetDateTime;

use super::{prompt, table};

#[derive(Subcommand, Debug)]
pub enum SessionCommand {
    /// Add a session (the secret access key is read from a hidden prompt, or stdin's first line)
    #[command(subcommand)]
    Add(AddCommand),
    /// List sessions
    List {
        /// Print JSON (an array of sessions) for scripts
        #[arg(long)]
        json: bool,
    },
    /// Start a session: write short-lived credentials into its named profile
    Start {
        alias: String,
        /// The 6-digit code of the session's MFA device (asked for on a terminal when needed)
        #[arg(long, value_name = "CODE")]
        mfa_code: Option<String>,
    },
    /// Stop a session: remove its credentials from its named profile
    Stop { alias: String },
    /// Renew an active session's credentials now (what the tray does before they expire)
    Refresh { alias: String },
    /// Change a session; an active session whose credentials change is stopped
    Edit(EditArgs),
    /// Stop a session, delete its keyring items and forget it
    Remove { alias: String },
}

#[derive(Subcommand, Debug)]
pub enum AddCommand {
    /// An IAM user with long-term access keys (GetSessionToken, optionally with MFA)
    IamUser(IamUserArgs),
    /// A role assumed from another session's credentials (AssumeRole, 1 h)
    RoleChained(RoleChainedArgs),
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

#[derive(Args, Debug)]
pub struct IamUserArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long)]
    pub access_key_id: String,
    /// MFA device ARN (or hardware token serial)
    #[arg(long)]
    pub mfa_device: Option<String>,
    /// GetSessionToken duration in seconds (900-129600, default 43200)
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,
}

#[derive(Args, Debug)]
pub struct RoleChainedArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long)]
    pub role_arn: String,
    #[arg(long)]
    pub role_session_name: String,
    /// Alias of the session whose credentials assume the role
    #[arg(long)]
    pub assumer: String,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    pub alias: String,
    /// New alias
    #[arg(long = "alias", value_name = "NEW_ALIAS")]
    pub new_alias: Option<String>,
    #[arg(long)]
    pub profile: Option<String>,
    #[arg(long)]
    pub region: Option<String>,
    #[arg(long, conflicts_with = "no_mfa_device")]
    pub mfa_device: Option<String>,
    /// Remove the MFA device
    #[arg(long)]
    pub no_mfa_device: bool,
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u64>,
    /// New access key id; the new secret access key is then read like `add` reads it
    #[arg(long)]
    pub access_key_id: Option<String>,
    #[arg(long)]
    pub role_arn: Option<String>,
    #[arg(long)]
    pub role_session_name: Option<String>,
    #[arg(long)]
    pub assumer: Option<String>,
}

#[allow(clippy::ref_option)] // called with `&args.field`
fn opt<T>(v: &Option<String>, parse: fn(&str) -> Result<T, ValidationError>) -> Result<Option<T>> {
    Ok(v.as_deref().map(parse).transpose()?)
}

fn common(c: &CommonArgs) -> Result<(SessionAlias, ProfileName, Region)> {
    Ok((
        SessionAlias::parse(&c.alias)?,
        ProfileName::parse(&c.profile)?,
        Region::parse(&c.region)?,
    ))
}

/// The user's default GetSessionToken duration (Settings), else AWS's 12 h.
pub fn default_duration(engine: &Engine) -> SessionDuration {
    keyhop_core::settings::Settings::load(engine.state_store())
        .map(|s| s.default_duration)
        .unwrap_or_default()
}

pub async fn run(engine: &Engine, cmd: SessionCommand) -> Result<()> {
    match cmd {
        SessionCommand::Add(AddCommand::IamUser(a)) => {
            let (alias, profile, region) = common(&a.common)?;
            let access_key_id = AccessKeyId::parse(&a.access_key_id)?;
            let mfa_device = opt(&a.mfa_device, MfaDevice::parse)?;
            let duration = match a.duration {
                Some(secs) => SessionDuration::from_secs(secs)?,
                None => default_duration(engine),
            };
            // Every argument is valid before the secret is asked for.
            let secret_access_key = prompt::secret_access_key()?;
            let keys = LongTermKeys {
                access_key_id,
                secret_access_key,
            };
            let s = engine.add(NewSession {
                alias,
                profile,
                region,
                kind: NewKind::IamUser {
                    keys,
                    mfa_device,
                    duration,
                },
            })?;
            println!("Added IAM user session {:?} (profile {}).", s.alias.as_str(), s.profile);
        }
        SessionCommand::Add(AddCommand::RoleChained(a)) => {
            let (alias, profile, region) = common(&a.common)?;
            let kind = NewKind::RoleChained {
                role_arn: RoleArn::parse(&a.role_arn)?,
                role_session_name: RoleSessionName::parse(&a.role_session_name)?,
                assumer: SessionAlias::parse(&a.assumer)?,
            };
            let s = engine.add(NewSession {
                alias,
                profile,
                region,
                kind,
            })?;
            println!(
                "Added role-chained session {:?} (profile {}).",
                s.alias.as_str(),
                s.profile
            );
        }
        SessionCommand::List { json } => {
            let list = engine.list()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list).expect("sessions serialise"));
            } else {
                print!("{}", table::render(&list, OffsetDateTime::now_utc()));
            }
        }
        SessionCommand::Start { alias, mfa_code } => {
            let mut code = opt(&mfa_code, MfaCode::parse)?;
            if code.is_none()
                && let Some((root, device)) = engine.mfa_needed(&alias)?
            {
                code = prompt::mfa_code(&root, &device)?;
            }
            let out = engine.start(&alias, code).await?;
            for r in &out.replaced {
                println!("Stopped {:?}, which held profile {}.", r.as_str(), out.session.profile);
            }
            let left = out.expiration - OffsetDateTime::now_utc();
            println!(
                "Started {:?}: profile {} valid until {} ({} min).",
                out.session.alias.as_str(),
                out.session.profile,
                keyhop_core::engine::rfc3339(out.expiration),
                left.whole_minutes()
            );
        }
        SessionCommand::Refresh { alias } => match engine.refresh(&alias).await? {
            Some(out) => println!(
                "Refreshed {:?}: profile {} valid until {}.",
                out.session.alias.as_str(),
                out.session.profile,
                keyhop_core::engine::rfc3339(out.expiration)
            ),
            None => println!("{alias:?} is not active; nothing to refresh."),
        },
        SessionCommand::Stop { alias } => match engine.stop(&alias)? {
            StopOutcome::Stopped => println!("Stopped {alias:?}."),
            StopOutcome::WasNotActive => println!("{alias:?} was not active."),
        },
        SessionCommand::Edit(a) => {
            let mut edit = SessionEdit {
                alias: opt(&a.new_alias, SessionAlias::parse)?,
                profile: opt(&a.profile, ProfileName::parse)?,
                region: opt(&a.region, Region::parse)?,
                mfa_device: if a.no_mfa_device {
                    Some(None)
                } else {
                    opt(&a.mfa_device, MfaDevice::parse)?.map(Some)
                },
                duration: a.duration.map(SessionDuration::from_secs).transpose()?,
                access_key_id: opt(&a.access_key_id, AccessKeyId::parse)?,
                secret_access_key: None,
                role_arn: opt(&a.role_arn, RoleArn::parse)?,
                role_session_name: opt(&a.role_session_name, RoleSessionName::parse)?,
                assumer: opt(&a.assumer, SessionAlias::parse)?,
            };
            if edit.access_key_id.is_some() {
                edit.secret_access_key = Some(prompt::secret_access_key()?);
            }
            let out = engine.edit(&a.alias, edit)?;
            println!("Updated {:?}.", out.session.alias.as_str());
            if out.stopped {
                println!("It was active and its credentials changed, so it was stopped; start it again to use it.");
            }
        }
        SessionCommand::Remove { alias } => {
            let s = engine.remove(&alias)?;
            println!("Removed {:?} and its keyring items.", s.alias.as_str());
        }
    }
    Ok(())
}
