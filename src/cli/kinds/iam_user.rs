//! The IAM User part of the command line: `session add iam-user`'s arguments, `session edit`'s
//! flags for an IAM user, and its cells in the session table.

use clap::Args;
use keyhop_core::kinds::{KindEdit, NewKind, iam_user};
use keyhop_core::mfa_command::MfaProcess;
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::validate::{AccessKeyId, MfaDevice, SessionDuration};
use keyhop_core::{Engine, Result};

use super::{CommonArgs, TableCells, opt};
use crate::cli::prompt;

#[derive(Args, Debug)]
pub struct AddArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Access key ID (AKIA…); the secret access key is read from a hidden prompt, or stdin's
    /// first line
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
#[group(skip)]
pub struct EditFlags {
    /// New MFA device ARN (or hardware token serial)
    #[arg(long, conflicts_with = "no_mfa_device")]
    pub mfa_device: Option<String>,
    /// Remove the MFA device
    #[arg(long)]
    pub no_mfa_device: bool,
    /// New GetSessionToken duration in seconds (900-129600)
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
}

/// The user's default GetSessionToken duration (Settings), else AWS's 12 h.
pub fn default_duration(engine: &Engine) -> SessionDuration {
    keyhop_core::settings::Settings::load(engine.state_store())
        .map(|s| s.default_duration)
        .unwrap_or_default()
}

pub fn new_kind(engine: &Engine, a: &AddArgs) -> Result<NewKind> {
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

/// The edit the flags ask for, `None` when none is given. The secret of a new key id is read
/// later, by `read_secrets`, once the edit is known to be this session's.
pub fn edit(a: &EditFlags) -> Result<Option<KindEdit>> {
    let e = iam_user::Edit {
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
    let set = e.mfa_device.is_some() || e.duration.is_some() || e.mfa_process.is_some() || e.access_key_id.is_some();
    Ok(set.then_some(KindEdit::IamUser(e)))
}

/// A new key id comes with its secret, read like `add` reads it.
pub fn read_secrets(e: &mut iam_user::Edit) -> Result<()> {
    if e.access_key_id.is_some() {
        e.secret_access_key = Some(prompt::secret_access_key()?);
    }
    Ok(())
}

pub fn table_cells(d: &iam_user::Details) -> TableCells {
    TableCells {
        assumer: None,
        mfa: d.mfa_device.as_ref().map(ToString::to_string).unwrap_or_default(),
    }
}
