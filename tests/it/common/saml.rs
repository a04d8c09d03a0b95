//! The rig's SAML identity provider (`xtask/rig/saml_idp.py`, served by the SSO rig server):
//! one per test through its control API, and the user's browser played by
//! `xtask/rig/saml_browser.py` (it prints the SAMLResponse the IdP's page would post to AWS).

use super::sso::control;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// A role/provider pair in `account` (`arn:aws:iam::<account>:role/<name>`, provider `rig`).
pub fn saml_role(account: &str, name: &str) -> Value {
    json!({
        "role": format!("arn:aws:iam::{account}:role/{name}"),
        "provider": format!("arn:aws:iam::{account}:saml-provider/rig"),
    })
}

/// One IdP with an AWS app, in the shared rig server.
pub struct Idp {
    pub id: String,
    pub sso_url: String,
}

impl Idp {
    /// `settings` is the control API's body (roles, mode, session_duration, provider_first…).
    pub fn create(settings: &Value) -> Idp {
        let v = control("POST", "/_rig/saml/idps", Some(settings));
        Idp {
            id: v["idp"].as_str().expect("idp id").to_owned(),
            sso_url: v["sso_url"].as_str().expect("sso_url").to_owned(),
        }
    }

    pub fn behaviour(&self, settings: &Value) -> Value {
        control(
            "POST",
            &format!("/_rig/saml/idps/{}/behaviour", self.id),
            Some(settings),
        )
    }

    /// login_forms, logins, failed_logins, silent_sign_ins, assertions.
    pub fn stats(&self) -> Value {
        control("GET", &format!("/_rig/saml/idps/{}/stats", self.id), None)
    }

    /// The sign-in URL whose assertion lists only `role` (moto takes one Role value).
    pub fn url_for(&self, role: &str) -> String {
        format!("{}?role={role}", self.sso_url)
    }

    /// A browser's sign-in at `url` (the login form filled in): the SAMLResponse, base64.
    pub fn sign_in_at(url: &str) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("xtask/rig/saml_browser.py");
        let out = Command::new("python3")
            .arg(&script)
            .args([url, "--user", "rig-user", "--password", "rig-password"])
            .output()
            .expect("run python3 (run the tests with `cargo xtask test`)");
        assert!(
            out.status.success(),
            "saml_browser.py {url} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("base64 is UTF-8")
            .trim()
            .to_owned()
    }
}
