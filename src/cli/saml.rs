//! `keyhop saml …`: IAM Role Federated (SAML 2.0) sign-ins. Where the assertion comes from:
//! a file or stdin (`--saml-response-file PATH|-`, the SAMLResponse as the IdP's page posts it),
//! or the sign-in window that takes it from the IdP's page (`crate::saml_signin`).

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use keyhop_core::saml::{IdpUrl, SamlAssertion, SamlError, SamlResponse};
use keyhop_core::{Engine, Result};
use serde_json::json;

use crate::saml_signin::{Mode, sign_in};

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

pub fn run(engine: &Engine, command: SamlCommand) -> Result<()> {
    match command {
        SamlCommand::Roles { idp_url, source, json } => {
            let idp_url = idp_url.as_deref().map(IdpUrl::parse).transpose()?;
            let response = match (source.read()?, idp_url) {
                (Some(r), _) => r,
                (None, Some(idp)) => sign_in(engine.state_store().dir(), &idp, Mode::Interactive)?,
                (None, None) => unreachable!("clap asks for --idp-url without --saml-response-file"),
            };
            let assertion = SamlAssertion::read(response, time::OffsetDateTime::now_utc())?;
            print_roles(&assertion, json);
            Ok(())
        }
    }
}

impl ResponseFile {
    /// The assertion in `--saml-response-file`, if given.
    pub fn read(&self) -> std::result::Result<Option<SamlResponse>, SamlError> {
        self.saml_response_file.as_deref().map(read_file).transpose()
    }
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
