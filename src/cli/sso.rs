//! `keyhop sso …`: IAM Identity Center connections.

use std::io::Write;
use std::time::Duration;

use clap::Subcommand;
use keyhop_core::engine::LoginOutcome;
use keyhop_core::sso::{ConnectionName, Flow, SignInPrompt, StartUrl};
use keyhop_core::validate::Region;
use keyhop_core::{Engine, Result};

#[derive(Subcommand, Debug)]
pub enum SsoCommand {
    /// Add a connection to an organisation's IAM Identity Center portal
    Add {
        /// The connection's name, as `sso login`, `sync` and `remove` take it
        #[arg(long)]
        name: String,
        /// The portal's start URL, e.g. https://d-1234567890.awsapps.com/start
        #[arg(long)]
        start_url: String,
        /// The region of IAM Identity Center
        #[arg(long)]
        region: String,
        /// The region written into the profiles of its sessions (default: --region)
        #[arg(long)]
        default_region: Option<String>,
    },
    /// List connections, whether signed in, and their session counts
    List {
        /// Print JSON for scripts
        #[arg(long)]
        json: bool,
    },
    /// Sign in in the browser (authorization code with PKCE; --device-code for a code to confirm)
    Login {
        name: String,
        /// Print the URL (and the code) to open instead of opening a browser
        #[arg(long)]
        no_browser: bool,
        /// Use the device authorization grant (sign in on any device)
        #[arg(long)]
        device_code: bool,
        /// Give up after this many seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 300)]
        timeout: u64,
    },
    /// Sign out
    Logout { name: String },
    /// Forget a connection (refused while it has sessions, unless --with-sessions)
    Remove {
        name: String,
        /// Also remove its sessions (active ones are stopped)
        #[arg(long)]
        with_sessions: bool,
    },
    /// Turn the portal's accounts and roles into sessions; remove vanished ones
    Sync {
        name: String,
        /// Show what would change, change nothing
        #[arg(long)]
        dry_run: bool,
    },
}

fn prompt(no_browser: bool, name: &str) -> impl FnOnce(&SignInPrompt) + '_ {
    move |p: &SignInPrompt| {
        let mut out = std::io::stdout().lock();
        if no_browser {
            // One per line, first the URL: what scripts and people copy.
            let _ = writeln!(out, "{}", p.url);
            if let Some(code) = &p.user_code {
                let _ = writeln!(out, "{code}");
            }
            let _ = out.flush();
            return;
        }
        if let Some(code) = &p.user_code {
            eprintln!("Confirm the code {code} in the browser to sign in to {name}.");
        }
        if let Err(e) = crate::browser::open(&p.url) {
            eprintln!(
                "keyhop: cannot open a browser ({e}); open this URL to sign in:\n{}",
                p.url
            );
        } else {
            eprintln!(
                "Waiting for the sign-in to {name} in the browser… (if none opened: {})",
                p.url
            );
        }
    }
}

pub async fn run(engine: &Engine, cmd: SsoCommand) -> Result<()> {
    match cmd {
        SsoCommand::Add {
            name,
            start_url,
            region,
            default_region,
        } => {
            let name = ConnectionName::parse(&name)?;
            let start_url = StartUrl::parse(&start_url)?;
            let region = Region::parse(&region)?;
            let default_region = default_region.as_deref().map(Region::parse).transpose()?;
            let c = engine.sso_add(name, start_url, region, default_region)?;
            println!(
                "Added SSO connection {:?}. Sign in with `keyhop sso login {}`, then `keyhop sso sync {}`.",
                c.name.as_str(),
                c.name,
                c.name
            );
        }
        SsoCommand::List { json } => list(engine, json)?,
        SsoCommand::Login {
            name,
            no_browser,
            device_code,
            timeout,
        } => login(engine, &name, no_browser, device_code, timeout).await?,
        SsoCommand::Logout { name } => {
            if engine.sso_logout(&name).await? {
                println!("Signed out of {name}.");
            } else {
                println!("{name} was not signed in.");
            }
        }
        SsoCommand::Remove { name, with_sessions } => {
            let (c, removed) = engine.sso_remove(&name, with_sessions)?;
            for s in &removed {
                println!("Removed session {:?}.", s.alias.as_str());
            }
            println!("Removed SSO connection {:?} and its keyring items.", c.name.as_str());
        }
        SsoCommand::Sync { name, dry_run } => sync(engine, &name, dry_run).await?,
    }
    Ok(())
}

fn list(engine: &Engine, json: bool) -> Result<()> {
    let list = engine.sso_list()?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&list).expect("connections serialise")
        );
    } else if list.is_empty() {
        println!("No SSO connections yet. Add one with `keyhop sso add --name N --start-url URL --region R`.");
    } else {
        for c in list {
            let status = match (c.signed_in, c.expiration) {
                (true, Some(exp)) => format!("signed in until {}", keyhop_core::engine::rfc3339(exp)),
                (true, None) => "signed in".to_owned(),
                (false, _) => "not signed in".to_owned(),
            };
            println!(
                "{}  {}  {} (sessions in {})  {}  {} session(s)",
                c.name, c.start_url, c.region, c.default_region, status, c.sessions
            );
        }
    }
    Ok(())
}

async fn login(engine: &Engine, name: &str, no_browser: bool, device_code: bool, timeout: u64) -> Result<()> {
    let flow = if device_code {
        Flow::DeviceCode
    } else {
        Flow::AuthorizationCode
    };
    let out = engine
        .sso_login(name, flow, Duration::from_secs(timeout), prompt(no_browser, name))
        .await?;
    match out {
        LoginOutcome::SignedIn { expiration } => println!(
            "Signed in to {name} (valid until {}).",
            keyhop_core::engine::rfc3339(expiration)
        ),
        LoginOutcome::AlreadySignedIn { expiration } => println!(
            "Signed in to {name} by another keyhop meanwhile (valid until {}).",
            keyhop_core::engine::rfc3339(expiration)
        ),
    }
    Ok(())
}

async fn sync(engine: &Engine, name: &str, dry_run: bool) -> Result<()> {
    let r = engine.sso_sync(name, dry_run).await?;
    let would = if dry_run { "would be " } else { "" };
    for (alias, profile) in &r.added {
        println!("{would}added {:?} (profile {profile})", alias.as_str());
    }
    for alias in &r.removed {
        println!("{would}removed {:?}", alias.as_str());
    }
    for (alias, why) in &r.kept {
        println!("kept {:?}, which is no longer assigned: {why}", alias.as_str());
    }
    if r.added.is_empty() && r.removed.is_empty() {
        println!("{name} is in sync: nothing to add or remove.");
    }
    Ok(())
}
