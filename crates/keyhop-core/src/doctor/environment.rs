//! `AWS_*` variables that make the AWS tools ignore, or look past, the profiles keyhop writes.
//! Only variable names are shown, never their values (a secret key, a session token).

use super::Check;
use crate::state::State;

/// Variables whose credentials win over every profile a tool picks by `AWS_PROFILE` or
/// `default` (botocore's environment provider; `--profile` skips it).
const CREDENTIAL_VARS: [&str; 3] = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/// Endpoint variables: every AWS call of every tool (and keyhop's) goes there.
const ENDPOINT_VARS: [&str; 3] = ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM"];

/// One check per kind of override found (credentials, web identity, profile choice,
/// endpoints), or one `ok` when there is none. `get` reads a variable.
pub(super) fn checks(st: Option<&State>, get: &dyn Fn(&str) -> Option<String>) -> Vec<Check> {
    let set = |names: &[&'static str]| -> Vec<&'static str> {
        names
            .iter()
            .copied()
            .filter(|n| get(n).is_some_and(|v| !v.is_empty()))
            .collect()
    };
    let mut out = vec![];
    let creds = set(&CREDENTIAL_VARS);
    if !creds.is_empty() {
        out.push(Check::warn(
            "environment",
            format!(
                "{} set: AWS tools run without --profile use them instead of any profile; unset them (unset {})",
                creds.join(", "),
                creds.join(" ")
            ),
        ));
    }
    let web = set(&["AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"]);
    if web.len() == 2 {
        out.push(Check::warn(
            "environment",
            "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN set: AWS tools run without --profile assume that role before reading the credentials file; unset them",
        ));
    }
    for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
        let Some(profile) = get(var).filter(|v| !v.is_empty()) else {
            continue;
        };
        let ours = st.is_some_and(|st| {
            st.sessions
                .iter()
                .any(|s| s.is_active() && s.profile.as_str() == profile)
        });
        let check = if ours {
            Check::ok(
                "environment",
                format!("{var} names profile {profile}, which an active keyhop session holds"),
            )
        } else {
            Check::warn(
                "environment",
                format!(
                    "{var} names profile {profile}, which no active keyhop session holds: AWS tools run without --profile use it; unset {var} or start a session on it"
                ),
            )
        };
        out.push(check);
    }
    let endpoints = set(&ENDPOINT_VARS);
    if !endpoints.is_empty() && get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").as_deref() != Some("true") {
        out.push(Check::warn(
            "environment",
            format!(
                "{} set: AWS calls go to that endpoint instead of AWS's; unset it unless you mean a local emulator",
                endpoints.join(", ")
            ),
        ));
    }
    if out.is_empty() {
        out.push(Check::ok("environment", "no AWS_* variable overrides the profiles"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn names_variables_never_values() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let get = |n: &str| match n {
            "AWS_SECRET_ACCESS_KEY" => Some(secret.to_owned()),
            "AWS_ACCESS_KEY_ID" => Some("AKIAEXAMPLE".to_owned()),
            "AWS_PROFILE" => Some("dev".to_owned()),
            _ => None,
        };
        let checks = checks(None, &get);
        assert_eq!(checks.len(), 2, "{checks:?}");
        assert!(checks.iter().all(|c| c.status == Status::Warn));
        assert!(checks[0].message.contains("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"));
        assert!(checks[1].message.contains("AWS_PROFILE names profile dev"));
        for c in &checks {
            assert!(!c.message.contains(secret) && !c.message.contains("AKIAEXAMPLE"));
        }
        assert_eq!(checks_none()[0].status, Status::Ok);
    }

    fn checks_none() -> Vec<Check> {
        checks(None, &|_| None)
    }
}
