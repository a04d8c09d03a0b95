//! `keyhop credential-process ALIAS`: the JSON the AWS SDKs and CLI read from a
//! `credential_process = keyhop credential-process ALIAS` line in `~/.aws/config`.

use keyhop_core::{Engine, Result};
use secrecy::ExposeSecret;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The session's alias
    alias: String,
    /// The MFA code, when the session needs one and no terminal can ask for it
    #[arg(long, value_name = "CODE")]
    mfa_code: Option<String>,
    #[command(flatten)]
    saml: super::saml::ResponseFile,
}

pub async fn run(engine: &Engine, a: Args) -> Result<()> {
    let id = engine.resolve(&a.alias)?;
    // Run by an SDK, never on a terminal of its own: the MFA command or nothing.
    let code = super::mfa::code(engine, &id, a.mfa_code.as_deref(), false)?;
    // A SAML session signs in with its window when the IdP's cookies cannot do it silently.
    let c = crate::saml_signin::with_sign_in(engine, crate::saml_signin::Mode::Interactive, a.saml.read()?, |r| {
        engine.credentials_with_saml(&id, code.clone(), r)
    })
    .await?;
    let out = serde_json::json!({
        "Version": 1,
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key.expose_secret(),
        "SessionToken": c.session_token.expose_secret(),
        "Expiration": keyhop_core::engine::rfc3339(c.expiration),
    });
    println!("{out}");
    Ok(())
}
