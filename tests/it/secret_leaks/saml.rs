//! The SAML flows at full trace: the assertion (as posted, form-encoded, or a stretch of it)
//! appears in no log, file or argv.

use super::*;

/// The SAML flows at trace level: roles listing and a session start with the assertion on
/// stdin, a refused (stale) assertion, stop and remove. The assertion (as posted, and
/// form-encoded as it travels to STS) must show up nowhere.
#[test]
fn saml_flows_leak_no_assertion_at_trace_level() {
    let proxy = DelayProxy::start(&moto_url(), STS_DELAY);
    let rig = Rig::with_endpoint(&proxy.url);
    rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    rig.write_config(FOREIGN_CONFIG.as_bytes());
    let (role, provider) = (
        "arn:aws:iam::111111111111:role/Admin",
        "arn:aws:iam::111111111111:saml-provider/rig",
    );
    let idp = Idp::create(&json!({"roles": [saml_role("111111111111", "Admin")]}));
    let stale = Idp::create(&json!({"roles": [saml_role("111111111111", "Admin")], "mode": "expired"}));
    let response = Idp::sign_in_at(&idp.url_for(role));
    let stale_response = Idp::sign_in_at(&stale.sso_url);
    let mut hunt = Hunt::new(&rig, FULL_TRACE, None);
    for (what, value) in [
        ("the SAML assertion", &response),
        ("the stale SAML assertion", &stale_response),
    ] {
        hunt.secret(what, value);
        let encoded = value.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
        hunt.secret(&format!("{what}, form-encoded as sent to STS"), &encoded);
        hunt.secret(
            &format!("a stretch of {what}"),
            &value[value.len() / 2..value.len() / 2 + 64],
        );
    }
    let alias = unique("leak-saml");
    hunt.run(
        "saml roles (assertion on stdin)",
        &["saml", "roles", "--json", "--saml-response-file", "-"],
        &response,
    )
    .ok();
    hunt.run(
        "session add saml",
        &[
            "session",
            "add",
            "saml",
            "--alias",
            &alias,
            "--profile",
            "leak-saml",
            "--region",
            REGION,
            "--idp-url",
            &idp.sso_url,
            "--role-arn",
            role,
            "--principal-arn",
            provider,
        ],
        "",
    )
    .ok();
    hunt.run(
        "session start (stale assertion on stdin)",
        &["session", "start", &alias, "--saml-response-file", "-"],
        &stale_response,
    )
    .fails_with(&["expired"]);
    hunt.run(
        "session start (assertion on stdin)",
        &["session", "start", &alias, "--saml-response-file", "-"],
        &response,
    )
    .ok();
    hunt.harvest_profiles(&["leak-saml"], "start of the SAML session");
    hunt.run("session remove (SAML)", &["session", "remove", &alias], "")
        .ok();
    hunt.assert_sampled(&["session start (assertion on stdin)"]);
    hunt.assert_clean();
}
