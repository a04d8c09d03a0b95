//! `keyhop console ALIAS`: signs in to the AWS console as a session, in the browser, or prints
//! the sign-in URL with `--print`. The URL signs in whoever opens it (for up to the credentials'
//! life): it goes to stdout or to the browser, never to stderr or a log.

use std::process::ExitCode;

use keyhop_core::console::Destination;
use keyhop_core::validate::{MfaCode, Region};
use keyhop_core::{Engine, Result};

use super::prompt;
use crate::saml_signin::{Mode, with_sign_in};

#[derive(clap::Args, Debug)]
pub struct Args {
    alias: String,
    /// Print the sign-in URL instead of opening it (it signs in whoever opens it: keep it private)
    #[arg(long)]
    print: bool,
    /// The console's region (default: the session's)
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// The page to land on: a console path (/s3/home) or an https URL on the AWS console
    #[arg(long, value_name = "PAGE")]
    destination: Option<String>,
    /// The 6-digit MFA code, when a role's chain needs one (asked for on a terminal otherwise)
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,
    #[command(flatten)]
    saml: super::saml::ResponseFile,
}

/// `word` as one word for a POSIX shell (aliases may hold spaces and slashes).
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._/-@+=,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

pub async fn run(engine: &Engine, a: Args) -> Result<ExitCode> {
    // Every argument is checked before any AWS call.
    let region = a.region.as_deref().map(Region::parse).transpose()?;
    let destination = a.destination.as_deref().map(Destination::parse).transpose()?;
    let mut code = a.mfa_code.as_deref().map(MfaCode::parse).transpose()?;
    let id = engine.resolve(&a.alias)?;
    if code.is_none()
        && let Some((root, device)) = engine.console_mfa_needed(&id)?
    {
        code = prompt::mfa_code(&root, &device)?;
    }
    // A SAML session without good cached credentials signs in at its IdP first.
    let given = a.saml.read()?;
    let url = with_sign_in(engine, Mode::Interactive, given, |r| {
        engine.console_url(&id, code.clone(), region.as_ref(), destination.as_ref(), r)
    })
    .await?;
    if a.print {
        println!("{}", url.expose());
        return Ok(ExitCode::SUCCESS);
    }
    match crate::browser::open(url.expose()) {
        Ok(()) => {
            println!("Opened the AWS console as {} in the browser.", a.alias.trim());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            // The error of spawning the opener, which does not repeat its argument.
            eprintln!(
                "keyhop: cannot open the browser ({e}); run `keyhop console {} --print` and open the URL yourself",
                shell_word(a.alias.trim())
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn aliases_are_quoted_for_the_shell_when_needed() {
        assert_eq!(super::shell_word("Dev/Admin"), "Dev/Admin");
        assert_eq!(super::shell_word("dev user"), "'dev user'");
        assert_eq!(super::shell_word("it's"), r"'it'\''s'");
    }
}
