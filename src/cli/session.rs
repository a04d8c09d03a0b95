//! `keyhop session …`

use clap::{Args, Subcommand};
use keyhop_core::engine::{NewSession, Resumed, SessionEdit, StopOutcome};
use keyhop_core::kinds::{KindEdit, KindName, NewKind, iam_user, role_chained};
use keyhop_core::mfa_process::MfaProcess;
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::validate::{
    AccessKeyId, MfaDevice, ProfileName, Region, RoleArn, RoleSessionName, SessionAlias, SessionDuration,
    ValidationError,
};
use keyhop_core::{Engine, Result};
use time::OffsetDateTime;

use super::{prompt, table};

/// How long `session list` waits for IAM when a key age is due for a check (once a day per key):
/// a slow IAM shows the cached age, or none, rather than holding up the table.
const LIST_IAM_BOUND: std::time::Duration = std::time::Duration::from_secs(2);

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
    /// Replace an IAM user's access key: create a new one, store and prove it, then deactivate
    /// and delete the old one
    Rotate { alias: String },
    /// Keep a session on top of the tray menu, however many there are
    Pin { alias: String },
    /// Undo `pin`
    Unpin { alias: String },
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
    /// A command that prints the MFA code on its first line, run when a code is needed, e.g.
    /// 'ykman oath accounts code --single aws' (split like a shell would; no shell is run)
    #[arg(long, value_name = "CMD")]
    pub mfa_process: Option<String>,
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
    /// The command that prints the MFA code (see `session add iam-user --mfa-process`)
    #[arg(long, value_name = "CMD", conflicts_with = "no_mfa_process")]
    pub mfa_process: Option<String>,
    /// Remove the MFA command (ask for codes again)
    #[arg(long)]
    pub no_mfa_process: bool,
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

fn opt<T>(v: Option<&str>, parse: fn(&str) -> Result<T, ValidationError>) -> Result<Option<T>> {
    Ok(v.map(parse).transpose()?)
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

fn iam_user_new(engine: &Engine, a: &IamUserArgs) -> Result<NewKind> {
    let access_key_id = AccessKeyId::parse(&a.access_key_id)?;
    let mfa_device = opt(a.mfa_device.as_deref(), MfaDevice::parse)?;
    let mfa_process = a.mfa_process.as_deref().map(MfaProcess::parse).transpose()?;
    let duration = match a.duration {
        Some(secs) => SessionDuration::from_secs(secs)?,
        None => default_duration(engine),
    };
    // Every argument is valid before the secret is asked for.
    let secret_access_key = prompt::secret_access_key()?;
    Ok(NewKind::IamUser(iam_user::New {
        keys: LongTermKeys {
            access_key_id,
            secret_access_key,
        },
        mfa_device,
        duration,
        mfa_process,
    }))
}

fn role_chained_new(engine: &Engine, a: &RoleChainedArgs) -> Result<NewKind> {
    Ok(NewKind::RoleChained(role_chained::New {
        role_arn: RoleArn::parse(&a.role_arn)?,
        role_session_name: RoleSessionName::parse(&a.role_session_name)?,
        assumer: engine.resolve(SessionAlias::parse(&a.assumer)?.as_str())?,
    }))
}

/// The kind-specific part of `session edit`: the flags of one kind. Flags of a kind the session
/// is not are passed on as that kind's edit, which the engine refuses naming the field.
fn kind_edit(engine: &Engine, id: &keyhop_core::session::SessionId, a: &EditArgs) -> Result<Option<KindEdit>> {
    let iam = iam_user::Edit {
        mfa_device: if a.no_mfa_device {
            Some(None)
        } else {
            opt(a.mfa_device.as_deref(), MfaDevice::parse)?.map(Some)
        },
        duration: a.duration.map(SessionDuration::from_secs).transpose()?,
        mfa_process: if a.no_mfa_process {
            Some(None)
        } else {
            a.mfa_process.as_deref().map(MfaProcess::parse).transpose()?.map(Some)
        },
        access_key_id: opt(a.access_key_id.as_deref(), AccessKeyId::parse)?,
        secret_access_key: None,
    };
    let role = role_chained::Edit {
        role_arn: opt(a.role_arn.as_deref(), RoleArn::parse)?,
        role_session_name: opt(a.role_session_name.as_deref(), RoleSessionName::parse)?,
        assumer: match a.assumer.as_deref() {
            Some(alias) => Some(engine.resolve(SessionAlias::parse(alias)?.as_str())?),
            None => None,
        },
    };
    let iam_set =
        iam.mfa_device.is_some() || iam.duration.is_some() || iam.mfa_process.is_some() || iam.access_key_id.is_some();
    let role_set = role.role_arn.is_some() || role.role_session_name.is_some() || role.assumer.is_some();
    let kind = engine.session(id)?.kind.name();
    let pick_iam = match (iam_set, role_set) {
        (false, false) => return Ok(None),
        (true, false) => true,
        (false, true) => false,
        (true, true) => kind != KindName::IamUser,
    };
    if !pick_iam {
        return Ok(Some(KindEdit::RoleChained(role)));
    }
    let mut iam = iam;
    // A new key id comes with its secret, read like `add` reads it (after every check above).
    if iam.access_key_id.is_some() && kind == KindName::IamUser {
        iam.secret_access_key = Some(prompt::secret_access_key()?);
    }
    Ok(Some(KindEdit::IamUser(iam)))
}

pub async fn run(engine: &Engine, cmd: SessionCommand) -> Result<()> {
    match cmd {
        SessionCommand::Add(add) => {
            let (alias, profile, region) = common(match &add {
                AddCommand::IamUser(a) => &a.common,
                AddCommand::RoleChained(a) => &a.common,
            })?;
            let kind = match &add {
                AddCommand::IamUser(a) => iam_user_new(engine, a)?,
                AddCommand::RoleChained(a) => role_chained_new(engine, a)?,
            };
            let title = kind.name().title();
            let s = engine.add(NewSession {
                alias,
                profile,
                region,
                kind,
            })?;
            println!("Added {title} session {:?} (profile {}).", s.alias.as_str(), s.profile);
        }
        SessionCommand::List { json } => {
            engine.check_key_ages(LIST_IAM_BOUND).await?;
            let list = engine.list()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list).expect("sessions serialise"));
            } else {
                print!("{}", table::render(&list, OffsetDateTime::now_utc()));
            }
        }
        SessionCommand::Rotate { alias } => {
            let out = engine.rotate(&engine.resolve(&alias)?).await?;
            match &out.resumed {
                Some(Resumed::Finished) => print!("Finished an interrupted rotation of {:?}: ", out.alias),
                Some(Resumed::Undone { old, new }) => {
                    eprintln!(
                        "keyhop: note: an earlier rotation of {:?} was interrupted before its new key reached the keyring; {}; {old} stayed in use",
                        out.alias,
                        new.as_ref().map_or_else(
                            || "IAM had made no new key".to_owned(),
                            |n| format!("deleted that new key {n}")
                        )
                    );
                    print!("Rotated the access key of {:?}: ", out.alias);
                }
                None => print!("Rotated the access key of {:?}: ", out.alias),
            }
            println!(
                "{} is in the keyring and works; {} is deactivated and deleted.",
                out.new_key, out.old_key
            );
            println!("An active session keeps its credentials until they expire; the next start uses the new key.");
        }
        SessionCommand::Start { alias, mfa_code } => {
            let id = engine.resolve(&alias)?;
            let code = super::mfa::code(engine, &id, mfa_code.as_deref(), true)?;
            let out = engine.start(&id, code).await?;
            for n in &out.notices {
                eprintln!("keyhop: note: {n}");
            }
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
        SessionCommand::Refresh { alias } => match engine.refresh(&engine.resolve(&alias)?).await? {
            Some(out) => println!(
                "Refreshed {:?}: profile {} valid until {}.",
                out.session.alias.as_str(),
                out.session.profile,
                keyhop_core::engine::rfc3339(out.expiration)
            ),
            None => println!("{alias:?} is not active; nothing to refresh."),
        },
        SessionCommand::Stop { alias } => match engine.stop(&engine.resolve(&alias)?)? {
            StopOutcome::Stopped => println!("Stopped {alias:?}."),
            StopOutcome::WasNotActive => println!("{alias:?} was not active."),
        },
        SessionCommand::Edit(a) => {
            let id = engine.resolve(&a.alias)?;
            let edit = SessionEdit {
                alias: opt(a.new_alias.as_deref(), SessionAlias::parse)?,
                profile: opt(a.profile.as_deref(), ProfileName::parse)?,
                region: opt(a.region.as_deref(), Region::parse)?,
                kind: kind_edit(engine, &id, &a)?,
            };
            let out = engine.edit(&id, edit)?;
            println!("Updated {:?}.", out.session.alias.as_str());
            if out.stopped {
                println!("It was active and its credentials changed, so it was stopped; start it again to use it.");
            }
        }
        SessionCommand::Pin { alias } => {
            engine.set_pinned(&engine.resolve(&alias)?, true)?;
            println!("Pinned {alias:?} on top of the tray menu.");
        }
        SessionCommand::Unpin { alias } => {
            engine.set_pinned(&engine.resolve(&alias)?, false)?;
            println!("Unpinned {alias:?}.");
        }
        SessionCommand::Remove { alias } => {
            let s = engine.remove(&engine.resolve(&alias)?)?;
            println!("Removed {:?} and its keyring items.", s.alias.as_str());
        }
    }
    Ok(())
}
