//! `keyhop saml …`: IAM Role Federated (SAML 2.0) sign-ins. Where the assertion comes from:
//! a file or stdin (`--saml-response-file PATH|-`, the SAMLResponse as the IdP's page posts it);
//! the sign-in window that captures it from the IdP's page is not in this build yet.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use keyhop_core::Result;
use keyhop_core::saml::{IdpUrl, SamlAssertion, SamlError, SamlResponse};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum SamlCommand {
    /// List the roles an IdP's SAML assertion offers (role ARN and SAML provider ARN)
    Roles {
        /// The sign-in URL of the IdP's AWS app (e.g. https://example.okta.com/home/amazon_aws/…)
        #[arg(long, required_unless_present = "saml_response_file")]
        idp_url: Option<String>,
        #[command(flatten)]
        source: ResponseFile,
        /// Print JSON for scripts
        #[arg(long)]
        json: bool,
    },
}

/// `--saml-response-file`, shared by every command that needs an assertion.
#[derive(clap::Args, Debug, Default)]
pub struct ResponseFile {
    /// Read the SAMLResponse (base64, as the IdP's page posts it) from PATH, or from stdin with -
    #[arg(long, value_name = "PATH|-")]
    pub saml_response_file: Option<PathBuf>,
}

pub fn run(command: SamlCommand) -> Result<()> {
    match command {
        SamlCommand::Roles { idp_url, source, json } => {
            let idp_url = idp_url.as_deref().map(IdpUrl::parse).transpose()?;
            let assertion = SamlAssertion::read(response(idp_url.as_ref(), &source)?, time::OffsetDateTime::now_utc())?;
            print_roles(&assertion, json);
            Ok(())
        }
    }
}

/// The assertion from `--saml-response-file`, else (in time) from the IdP's sign-in page.
pub fn response(idp_url: Option<&IdpUrl>, source: &ResponseFile) -> Result<SamlResponse> {
    if let Some(path) = &source.saml_response_file {
        return Ok(read_file(path)?);
    }
    Err(explain_sign_in(
        SamlError::NeedsSignIn {
            idp_url: idp_url.map(ToString::to_string).unwrap_or_default(),
            why: "",
        }
        .into(),
    ))
}

/// The SAMLResponse in `path` (`-`: stdin).
pub fn read_file(path: &Path) -> std::result::Result<SamlResponse, SamlError> {
    let stdin = path == Path::new("-");
    let from = if stdin {
        "stdin".to_owned()
    } else {
        path.display().to_string()
    };
    let mut text = String::new();
    let read = if stdin {
        std::io::stdin().lock().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    // The error names the file and the OS's reason, never what was read.
    read.map_err(|e| SamlError::CannotRead {
        from,
        reason: e.to_string(),
    })?;
    SamlResponse::new(&text)
}

/// A SAML sign-in that is needed and cannot happen here says why: no display, or no window yet.
pub fn explain_sign_in(e: keyhop_core::Error) -> keyhop_core::Error {
    match e {
        keyhop_core::Error::Saml(SamlError::NeedsSignIn { idp_url, .. }) => SamlError::NeedsSignIn {
            idp_url,
            why: if has_display() {
                "this keyhop has no sign-in window for the IdP's page yet"
            } else {
                "there is no display to show the IdP's sign-in page on"
            },
        }
        .into(),
        other => other,
    }
}

fn has_display() -> bool {
    cfg!(any(windows, target_os = "macos"))
        || ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

fn print_roles(assertion: &SamlAssertion, json: bool) {
    if json {
        let roles: Vec<_> = assertion
            .roles
            .iter()
            .map(|r| {
                json!({
                    "role_arn": r.role.as_str(),
                    "principal_arn": r.principal.as_str(),
                    "role_name": r.role.role_name(),
                    "account_id": r.role.as_str().split(':').nth(4).unwrap_or_default(),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(roles));
        return;
    }
    let width = assertion
        .roles
        .iter()
        .map(|r| r.role.as_str().len())
        .chain(["ROLE".len()])
        .max()
        .unwrap_or(0);
    println!("{:width$}  SAML PROVIDER", "ROLE");
    for r in &assertion.roles {
        println!("{:width$}  {}", r.role.as_str(), r.principal);
    }
}
