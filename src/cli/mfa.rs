//! The MFA code for a command that may need one: `--mfa-code` when given; else, when a code is
//! due, the session's MFA command (`--mfa-process`); else (or when the command fails) the
//! terminal's prompt, where there is a terminal and the command asks.

use keyhop_core::session::SessionId;
use keyhop_core::validate::MfaCode;
use keyhop_core::{Engine, Result};

use super::prompt;

/// `ask`: whether this command may prompt on a terminal (`credential-process` never does).
pub fn code(engine: &Engine, id: &SessionId, given: Option<&str>, ask: bool) -> Result<Option<MfaCode>> {
    if let Some(c) = given {
        return Ok(Some(MfaCode::parse(c)?));
    }
    let Some((root, device)) = engine.mfa_needed(id)? else {
        return Ok(None);
    };
    if let Some(p) = engine.mfa_process_of(id)? {
        match crate::mfa_process::run(&p) {
            Ok(code) => return Ok(Some(code)),
            Err(e) if ask && prompt::stdin_is_terminal() => eprintln!("keyhop: {e}; asking instead"),
            Err(e) => return Err(e.into()),
        }
    }
    if ask {
        prompt::mfa_code(&root, &device)
    } else {
        Ok(None)
    }
}
