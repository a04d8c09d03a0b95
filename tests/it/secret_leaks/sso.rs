//! The IAM Identity Center flows at full trace: no access or refresh token, no client secret, no role credentials in any output.

use super::*;

/// The IAM Identity Center flows at `log`: add, sign-in with the authorization code flow
/// (`--no-browser`, the "browser" is curl), sync, start, credential-process, a refresh that
/// renews the access token with the refresh token, stop, logout, a device-code sign-in, remove.
fn sso_flows(log: &'static str) {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin", "ReadOnly"])], &json!({}));
    w.rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    w.rig.write_config(FOREIGN_CONFIG.as_bytes());
    // The portal and OIDC calls are held 400 ms too, so that command lines are sampled.
    let proxy = DelayProxy::start(&sso_url(), STS_DELAY);
    let mut hunt = Hunt::new(&w.rig, log, Some(proxy.url.clone()));
    let profiles = ["Dev-Admin", "Dev-ReadOnly"];

    hunt.run(
        "sso add",
        &[
            "sso",
            "add",
            "--name",
            &w.conn,
            "--start-url",
            &w.tenant.start_url,
            "--region",
            SSO_REGION,
            "--default-region",
            DEFAULT_REGION,
        ],
        "",
    )
    .ok();

    let id = sign_in_with_code(&mut hunt, &w);

    use_and_renew(&mut hunt, &w, &id, &profiles);

    let login = hunt.spawn(&[
        "sso",
        "login",
        &w.conn,
        "--no-browser",
        "--device-code",
        "--timeout",
        "60",
    ]);
    let lines = login.lines(2, LINE);
    std::thread::sleep(Duration::from_secs(1));
    let page = browse(&lines[0]);
    assert!(page.body.contains("approved"), "{page:?}");
    hunt.record("sso login --no-browser --device-code", login.finish(FINISH), true)
        .ok();
    assert!(hunt.harvest_sso(&id, "device-code login").len() >= 2);
    hunt.run("sso sync --dry-run", &["sso", "sync", &w.conn, "--dry-run"], "")
        .ok();
    hunt.run("sso logout (again)", &["sso", "logout", &w.conn], "").ok();
    hunt.run(
        "sso remove --with-sessions",
        &["sso", "remove", &w.conn, "--with-sessions"],
        "",
    )
    .ok();
    assert!(
        hunt.secrets.len() >= 9,
        "control: too few secrets harvested: {}",
        hunt.secrets.len()
    );
    hunt.assert_sampled(&[
        "sso login --no-browser (authorization code)",
        "sso sync",
        "session start (aws-sso)",
        "credential-process Dev/ReadOnly",
        "session refresh (aws-sso, token renewed)",
        "sso logout",
        "sso login --no-browser --device-code",
    ]);
    hunt.assert_clean();
}

/// `sso login --no-browser` (the authorization code flow, the "browser" is curl): the client
/// secret and both tokens land in the keyring, shaped as the scanner looks for them. The
/// connection's id.
fn sign_in_with_code(hunt: &mut Hunt, w: &Sso) -> String {
    let login = hunt.spawn(&["sso", "login", &w.conn, "--no-browser", "--timeout", "60"]);
    let url = login.lines(1, LINE).remove(0);
    // keyhop waits for the browser now: its command line is sampled meanwhile.
    std::thread::sleep(Duration::from_secs(1));
    approve(&url);
    hunt.record(
        "sso login --no-browser (authorization code)",
        login.finish(FINISH),
        true,
    )
    .ok();
    let id = connection_id(&w.rig, &w.conn);
    let items = hunt.harvest_sso(&id, "login");
    assert_eq!(items.len(), 3, "control: client secret and both tokens in the keyring");
    for (key, value) in &items {
        let shaped = if *key == "client_secret" {
            client_secret_shapes(value).len()
        } else {
            token_shapes(value).len()
        };
        assert_eq!(
            shaped, 1,
            "control: the keyring's {key} does not have the shape searched for"
        );
    }
    id
}

/// Sync, start, credential-process, a refresh that renews the access token with the refresh
/// token, list, doctor, stop, logout.
fn use_and_renew(hunt: &mut Hunt, w: &Sso, id: &str, profiles: &[&str; 2]) {
    hunt.run("sso list --json", &["sso", "list", "--json"], "").ok();
    hunt.run("sso sync", &["sso", "sync", &w.conn], "").ok();
    hunt.run("session start (aws-sso)", &["session", "start", "Dev/Admin"], "")
        .ok();
    assert_eq!(
        hunt.harvest_profiles(profiles, "start"),
        2,
        "control: role credentials after start"
    );
    hunt.credential_process("Dev/ReadOnly");
    hunt.credential_process("Dev/Admin");

    // The access token runs out: the next portal call renews it with the refresh token (the
    // refresh token and the client secret travel in that request).
    w.tenant.expire(&json!({"access_tokens": true}));
    hunt.run(
        "session refresh (aws-sso, token renewed)",
        &["session", "refresh", "Dev/Admin"],
        "",
    )
    .ok();
    assert!(
        tokens_issued(&w.tenant.stats(), "refresh_token") >= 1,
        "control: the token was not renewed with the refresh token"
    );
    hunt.harvest_sso(id, "token renewal");
    hunt.harvest_profiles(profiles, "refresh");
    hunt.run("session list", &["session", "list"], "").ok();
    hunt.run("doctor (aws-sso active)", &["doctor", "--json"], "");
    hunt.run("session stop (aws-sso)", &["session", "stop", "Dev/Admin"], "")
        .ok();
    hunt.run("sso logout", &["sso", "logout", &w.conn], "").ok();
}

#[test]
fn sso_flows_leak_no_secret_at_trace_level() {
    sso_flows(FULL_TRACE);
}
