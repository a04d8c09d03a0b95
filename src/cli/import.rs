//! `keyhop import …`

use std::path::PathBuf;

use clap::Subcommand;
use keyhop_core::engine::NewSession;
use keyhop_core::kinds::{NewKind, iam_user};
use keyhop_core::validate::{MfaDevice, ProfileName, Region, SessionAlias, SessionDuration};
use keyhop_core::{Engine, Result};

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// An access-key CSV as the IAM console downloads it (or as `aws configure import` takes it)
    Csv {
        /// The CSV file (its secret access key goes to the keyring, nowhere else)
        file: PathBuf,
        /// Session alias, shown in the tray and used by the CLI
        #[arg(long)]
        alias: String,
        /// Named profile that receives the credentials
        #[arg(long)]
        profile: String,
        /// Region written into the profile's config
        #[arg(long)]
        region: String,
        /// MFA device ARN (or hardware token serial)
        #[arg(long)]
        mfa_device: Option<String>,
        /// GetSessionToken duration in seconds (900-129600, default 43200)
        #[arg(long, value_name = "SECONDS")]
        duration: Option<u64>,
    },
}

pub fn run(engine: &Engine, cmd: ImportCommand) -> Result<()> {
    let ImportCommand::Csv {
        file,
        alias,
        profile,
        region,
        mfa_device,
        duration,
    } = cmd;
    let alias = SessionAlias::parse(&alias)?;
    let profile = ProfileName::parse(&profile)?;
    let region = Region::parse(&region)?;
    let mfa_device = mfa_device.as_deref().map(MfaDevice::parse).transpose()?;
    let duration = match duration {
        Some(secs) => SessionDuration::from_secs(secs)?,
        None => super::kinds::default_duration(engine),
    };
    let keys = keyhop_core::import::read_access_key_csv(&file)?;
    let s = engine.add(NewSession {
        alias,
        profile,
        region,
        kind: NewKind::IamUser(iam_user::New {
            keys,
            mfa_device,
            duration,
            mfa_process: None,
        }),
    })?;
    println!(
        "Imported {} as IAM user session {:?} (profile {}).",
        file.display(),
        s.alias.as_str(),
        s.profile
    );
    Ok(())
}
