//! Reading secrets: a hidden prompt on a terminal, else the first line of stdin. Never argv.

use std::io::{BufRead, IsTerminal};

use keyhop_core::Error;
use keyhop_core::validate::{MfaCode, MfaDevice, SecretAccessKey, SessionAlias, ValidationError};

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

fn read_hidden_or_line(prompt: &str) -> std::io::Result<String> {
    if stdin_is_terminal() {
        rpassword::prompt_password(prompt)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub fn secret_access_key() -> Result<SecretAccessKey, Error> {
    let raw = read_hidden_or_line("Secret access key: ")
        .map_err(|_| Error::Invalid(ValidationError::BadSecretAccessKey(0)))?;
    Ok(SecretAccessKey::parse(&raw)?)
}

/// Asks on the terminal; `None` when there is no terminal to ask on.
pub fn mfa_code(alias: &SessionAlias, device: &MfaDevice) -> Result<Option<MfaCode>, Error> {
    if !stdin_is_terminal() {
        return Ok(None);
    }
    let raw = rpassword::prompt_password(format!("MFA code for {alias} ({device}): "))
        .map_err(|_| Error::Invalid(ValidationError::BadMfaCode))?;
    Ok(Some(MfaCode::parse(&raw)?))
}
