//! Where the MFA code of a start or refresh comes from, one order for the CLI and the tray:
//! the code given (`--mfa-code`); else, when a code is due, the session's MFA command
//! (`--mfa-process`); else whoever can ask — the terminal's prompt for the CLI, the popup for
//! the tray (it opens once the start says a code is needed). What a failing command means is
//! the asker's call: the CLI asks on a terminal or fails, the tray logs it and asks.

use keyhop_core::mfa_command::MfaProcessError;
use keyhop_core::session::SessionId;
use keyhop_core::validate::{MfaCode, MfaDevice, SessionAlias};
use keyhop_core::{Engine, Result};

/// Who asks the user when neither a given code nor the MFA command gives one.
pub trait Ask {
    /// The MFA command failed: `Ok` to go on and ask, or the error the command fails with.
    fn command_failed(&self, e: MfaProcessError) -> Result<()>;
    /// The code of `device` (IAM user `root`'s); `None`: nobody to ask here.
    fn ask(&self, root: &SessionAlias, device: &MfaDevice) -> Result<Option<MfaCode>>;
}

/// The code for starting or refreshing session `id`: see the module's order.
pub fn code(engine: &Engine, id: &SessionId, given: Option<&str>, asker: &dyn Ask) -> Result<Option<MfaCode>> {
    if let Some(c) = given {
        return Ok(Some(MfaCode::parse(c)?));
    }
    let Some((root, device)) = engine.mfa_needed(id)? else {
        return Ok(None);
    };
    if let Some(p) = engine.mfa_process_of(id)? {
        match crate::mfa_process::run(&p) {
            Ok(code) => return Ok(Some(code)),
            Err(e) => asker.command_failed(e)?,
        }
    }
    asker.ask(&root, &device)
}
