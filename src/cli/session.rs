//! `keyhop session …`

use clap::{Args, Subcommand};
use keyhop_core::engine::{NewSession, Resumed, SessionEdit, StopOutcome};
use keyhop_core::validate::{ProfileName, Region, SessionAlias};
use keyhop_core::{Engine, Result};
use time::OffsetDateTime;

use super::kinds::{self, AddCommand, opt};
use super::table;
use crate::saml_signin::{Mode, with_sign_in};

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
        /// For a SAML session (or one chained on it): the IdP's SAMLResponse
        #[command(flatten)]
        saml: super::saml::ResponseFile,
    },
    /// Stop a session: remove its credentials from its named profile
    Stop { alias: String },
    /// Renew an active session's credentials now (what the tray does before they expire)
    Refresh {
        alias: String,
        /// For a SAML session (or one chained on it): the IdP's SAMLResponse
        #[command(flatten)]
        saml: super::saml::ResponseFile,
    },
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

#[derive(Args, Debug)]
pub struct EditArgs {
    /// The session's alias
    pub alias: String,
    /// New alias
    #[arg(long = "alias", value_name = "NEW_ALIAS")]
    pub new_alias: Option<String>,
    /// New named profile
    #[arg(long)]
    pub profile: Option<String>,
    /// New region
    #[arg(long)]
    pub region: Option<String>,
    #[command(flatten)]
    pub kinds: kinds::EditFlags,
}

pub async fn run(engine: &Engine, cmd: SessionCommand) -> Result<()> {
    match cmd {
        SessionCommand::Add(add) => add_session(engine, &add)?,
        SessionCommand::List { json } => list(engine, json).await?,
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
        SessionCommand::Start { alias, mfa_code, saml } => {
            start(engine, &alias, mfa_code.as_deref(), &saml).await?;
        }
        SessionCommand::Refresh { alias, saml } => match refresh(engine, &alias, &saml).await? {
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
        SessionCommand::Edit(a) => edit(engine, &a)?,
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

fn add_session(engine: &Engine, add: &AddCommand) -> Result<()> {
    let (alias, profile, region) = add.common()?;
    let kind = add.new_kind(engine)?;
    let title = kind.name().title();
    let s = engine.add(NewSession {
        alias,
        profile,
        region,
        kind,
    })?;
    println!("Added {title} session {:?} (profile {}).", s.alias.as_str(), s.profile);
    Ok(())
}

async fn list(engine: &Engine, json: bool) -> Result<()> {
    engine.check_key_ages(LIST_IAM_BOUND).await?;
    let list = engine.list()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list).expect("sessions serialise"));
    } else {
        print!("{}", table::render(&list, OffsetDateTime::now_utc()));
    }
    Ok(())
}

async fn start(engine: &Engine, alias: &str, mfa_code: Option<&str>, saml: &super::saml::ResponseFile) -> Result<()> {
    let id = engine.resolve(alias)?;
    // A shadowed profile is refused before any MFA prompt or STS call.
    engine.check_start(&id)?;
    let code = super::mfa::code(engine, &id, mfa_code, true)?;
    let out = with_sign_in(engine, Mode::Interactive, saml.read()?, |response| {
        engine.start_with_saml(&id, code.clone(), response)
    })
    .await?;
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
    Ok(())
}

/// A SAML session (or one chained on it) signs in again, with its window when the IdP wants the
/// user.
async fn refresh(
    engine: &Engine,
    alias: &str,
    saml: &super::saml::ResponseFile,
) -> Result<Option<keyhop_core::engine::StartOutcome>> {
    let id = engine.resolve(alias)?;
    with_sign_in(engine, Mode::Interactive, saml.read()?, |r| {
        engine.refresh_with_saml(&id, r)
    })
    .await
}

fn edit(engine: &Engine, a: &EditArgs) -> Result<()> {
    let id = engine.resolve(&a.alias)?;
    let edit = SessionEdit {
        alias: opt(a.new_alias.as_deref(), SessionAlias::parse)?,
        profile: opt(a.profile.as_deref(), ProfileName::parse)?,
        region: opt(a.region.as_deref(), Region::parse)?,
        kind: a.kinds.edit(engine, &id)?,
    };
    let out = engine.edit(&id, edit)?;
    println!("Updated {:?}.", out.session.alias.as_str());
    if out.stopped {
        println!("It was active and its credentials changed, so it was stopped; start it again to use it.");
    }
    Ok(())
}
