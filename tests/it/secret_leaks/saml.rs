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

/// The base64 every assertion of the rig's IdP starts with (`<?xml version='1.0' encoding='UTF-8'?>\n`):
/// a leak of any of them, whole or as posted, shows it.
const ASSERTION_START: &str = "PD94bWwgdmVyc2lvbj0nMS4wJyBlbmNvZGluZz0nVVRGLTgnPz4K";

/// The value of the IdP's session cookie in the sign-in window's cookie store (WebKit's
/// Mozilla-format `cookies` file, with libsoup's SameSite column after the value): the name
/// is the rig's `rig_idp_<id>`.
fn idp_cookie(rig: &Rig, idp: &Idp) -> String {
    let name = format!("rig_idp_{}", idp.id.replace('-', "_"));
    let store = rig.keyhop_home.join("saml-idp");
    let host = std::fs::read_dir(&store)
        .expect("the cookie stores")
        .next()
        .expect("one cookie store")
        .expect("entry")
        .path();
    let text = std::fs::read_to_string(host.join("cookies")).expect("the cookies file");
    text.lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 7 && f[5] == name).then(|| f[6].to_owned())
        })
        .unwrap_or_else(|| panic!("no cookie {name} in the store"))
}

/// The sign-in window's flow at trace level: a start that shows the IdP's login form (typed
/// into by xdotool), then one that signs in from the IdP's cookie. Neither the assertion nor
/// the IdP's session cookie nor the password shows up in any output, command line or file
/// outside the cookie store.
#[test]
fn the_sign_in_window_leaks_no_assertion_or_cookie_at_trace_level() {
    let Some(desk) = crate::desktop::Desktop::start("secret_leaks::saml_window") else {
        return;
    };
    let rig = Rig::new();
    let role = "arn:aws:iam::111111111111:role/Admin";
    let idp = Idp::create(&json!({"roles": [saml_role("111111111111", "Admin")]}));
    let url = idp.url_for(role);
    let mut hunt = Hunt::new(&rig, FULL_TRACE, None);
    hunt.secret("the start of every assertion of the rig's IdP", ASSERTION_START);
    hunt.secret("the IdP password", "rig-password");
    for alias in ["leak-window", "leak-window-two"] {
        let args = add_saml_args(alias, alias, &url, role, "arn:aws:iam::111111111111:saml-provider/rig");
        hunt.run("session add saml", &args, "").ok();
    }
    let on_desk = |hunt: &Hunt, args: &[&str]| {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(args);
        hunt.env(&mut cmd);
        cmd.env("DISPLAY", &desk.display).env("NO_AT_BRIDGE", "1");
        Watched::spawn(cmd, &format!("keyhop {}", args.join(" ")))
    };
    let w = on_desk(&hunt, &["session", "start", "leak-window"]);
    let host = url.split('/').nth(2).expect("host");
    let window = desk
        .wait_app_window(&format!("Sign in to {host} · keyhop"), 60.0)
        .expect("the sign-in window");
    desk.focus(&window);
    desk.type_text("rig-user");
    desk.key(&["Tab"]);
    desk.type_text("rig-password");
    desk.key(&["Return"]);
    hunt.record("session start (sign-in window)", w.finish(FINISH), true)
        .ok();
    hunt.secret("the IdP's session cookie", &idp_cookie(&rig, &idp));
    let w = on_desk(&hunt, &["session", "start", "leak-window-two"]);
    hunt.record("session start (silent sign-in)", w.finish(FINISH), true)
        .ok();
    hunt.harvest_profiles(&["leak-window", "leak-window-two"], "starts through the sign-in window");
    assert_eq!(
        idp.stats()["silent_sign_ins"],
        json!(1),
        "the second start logged in again"
    );
    hunt.assert_clean();
}
