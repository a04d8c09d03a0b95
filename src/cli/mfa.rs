//! The CLI's asker for an MFA code (the order is `crate::mfa_code`'s): the terminal's prompt,
//! where there is a terminal and the command may ask.

use keyhop_core::mfa_command::MfaProcessError;
use keyhop_core::session::SessionId;
use keyhop_core::validate::{MfaCode, MfaDevice, SessionAlias};
use keyhop_core::{Engine, Result};

use super::prompt;

/// `ask`: whether this command may prompt on a terminal (`credential-process` never does).
pub fn code(engine: &Engine, id: &SessionId, given: Option<&str>, ask: bool) -> Result<Option<MfaCode>> {
    crate::mfa_code::code(engine, id, given, &Terminal { ask })
}

struct Terminal {
    ask: bool,
}

impl crate::mfa_code::Ask for Terminal {
    /// On a terminal the prompt takes over; anywhere else the command's failure is the error.
    fn command_failed(&self, e: MfaProcessError) -> Result<()> {
        if self.ask && prompt::stdin_is_terminal() {
            eprintln!("keyhop: {e}; asking instead");
            Ok(())
        } else {
            Err(e.into())
        }
    }
    fn ask(&self, root: &SessionAlias, device: &MfaDevice) -> Result<Option<MfaCode>> {
        if self.ask {
            prompt::mfa_code(root, device)
        } else {
            Ok(None)
        }
    }
}
