//! `keyhop serve ALIAS`: parses the arguments, gets the first credentials (asking for an MFA
//! code on a terminal, as `exec` does), binds 127.0.0.1, prints the two variables a client
//! needs and serves until Ctrl-C. The server itself is `crate::serve`.

use std::process::ExitCode;
use std::sync::Arc;

use keyhop_core::lease::{Lease, Margin};
use keyhop_core::validate::{MfaCode, MfaDevice, SessionAlias};
use keyhop_core::{Engine, Result};
use time::OffsetDateTime;

use super::prompt;
use crate::saml_signin::{Mode, with_sign_in};
use crate::serve::{self, AuthToken, Renewer, ServeError};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    alias: String,
    /// The port on 127.0.0.1 (default: any free one)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The 6-digit MFA code, when one is due (asked for on a terminal otherwise)
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,
    /// Renew the credentials when this much of their life is left, e.g. 20m, 90s, 1h
    /// (default: 15m, never before half their life; renewals are at least 5s apart)
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    refresh_before: Option<time::Duration>,
    #[command(flatten)]
    saml: super::saml::ResponseFile,
}

/// `90`, `90s`, `15m`, `1h`: from 1 second to 24 hours.
fn parse_duration(s: &str) -> std::result::Result<time::Duration, String> {
    let bad = || format!("{s:?} is not a duration like 90s, 15m or 1h (1s to 24h)");
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(bad()),
    };
    // Checked: `time::Duration::minutes` panics on a number of minutes too big for it.
    let d = n.checked_mul(per_unit).map(time::Duration::seconds).ok_or_else(bad)?;
    if d < time::Duration::SECOND || d > time::Duration::DAY {
        return Err(bad());
    }
    Ok(d)
}

/// Runs on a runtime of its own (the server outlives any one engine call) and reports errors as
/// the other commands do.
pub fn main(a: ServeArgs) -> ExitCode {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let result = Engine::from_env()
        .map_err(ServeError::from)
        .and_then(|engine| rt.block_on(run(Arc::new(engine), a)));
    // A renewal may be waiting on an MFA prompt or a keyring on a blocking thread: not waited for.
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(ServeError::Engine(e)) => super::report(&e),
        Err(e) => {
            eprintln!("keyhop: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(engine: Arc<Engine>, a: ServeArgs) -> std::result::Result<(), ServeError> {
    // A bad alias or code fails before anything listens.
    let id = engine.resolve(&a.alias)?;
    let mut code = a
        .mfa_code
        .as_deref()
        .map(MfaCode::parse)
        .transpose()
        .map_err(keyhop_core::Error::from)?;
    let session = engine.session(&id)?;
    let listener = serve::listen(a.port).await?;
    if code.is_none()
        && let Some((root, device)) = engine.mfa_needed(&id)?
    {
        code = prompt::mfa_code(&root, &device)?;
    }
    // A SAML session signs in at its IdP (its window shows if the IdP asks); renewals later
    // sign in silently from the IdP's cookies (`Renewer`).
    let given = a.saml.read().map_err(keyhop_core::Error::from)?;
    let first = with_sign_in(&engine, Mode::Interactive, given, |r| {
        engine.credentials_with_saml(&id, code.clone(), r)
    })
    .await?;
    let lease = Lease::new(first, OffsetDateTime::now_utc());
    let (tx, rx, kick) = serve::channels(lease);
    let renewer = Renewer {
        engine: Arc::clone(&engine),
        id,
        alias: session.alias.to_string(),
        margin: a.refresh_before.map_or(Margin::Default, Margin::Exact),
        lease: tx,
        kick: Arc::clone(&kick),
        ask_mfa,
    };
    let stop = serve::shutdown_signal()?;
    let port = listener
        .local_addr()
        .map_err(|e| ServeError::Listen {
            port: a.port,
            source: e,
        })?
        .port();
    let token = AuthToken::random();
    // The token goes to stdout only: that is how it reaches the client. Never to a log.
    print_var(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        &format!("http://127.0.0.1:{port}{}", serve::PATH),
    );
    print_var("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.expose());
    eprintln!(
        "keyhop: serving the credentials of {} on 127.0.0.1:{port} until Ctrl-C; give a client the two \
         variables above (without AWS_PROFILE or AWS_ACCESS_KEY_ID, which would win over them) \
         and AWS_REGION={} (AWS_DEFAULT_REGION for the AWS CLI v1) if it needs a region",
        session.alias, session.region
    );
    serve::serve(listener, token, rx, kick, renewer, stop).await;
    eprintln!("keyhop: stopped serving {}", session.alias);
    Ok(())
}

/// The renewer's MFA prompt: the terminal's, like the one at startup.
fn ask_mfa(alias: &str, device: &MfaDevice) -> Result<Option<MfaCode>> {
    let alias = SessionAlias::parse(alias)?;
    prompt::mfa_code(&alias, device)
}

/// One variable for the client, in the shell of the platform: PowerShell on Windows (where
/// `export` means nothing to cmd or PowerShell), POSIX sh elsewhere. The values (a loopback URL,
/// a hex token) hold no quote.
fn print_var(name: &str, value: &str) {
    if cfg!(windows) {
        println!("$env:{name} = '{value}'");
    } else {
        println!("export {name}='{value}'");
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use time::Duration;

    #[test]
    fn durations_parse_with_a_unit_or_as_seconds() {
        assert_eq!(parse_duration("90"), Ok(Duration::seconds(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::seconds(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::minutes(15)));
        assert_eq!(parse_duration("24h"), Ok(Duration::hours(24)));
        for bad in [
            "",
            "0",
            "25h",
            "5d",
            "m",
            "-5m",
            "1.5h",
            "99999999999999999999",
            "999999999999999999m",
            "99999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
