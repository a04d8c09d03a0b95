//! `keyhop console`: the console sign-in URL of IAM-user, role-chained and IAM Identity Center
//! sessions, judged by the rig's federation endpoint (`xtask/rig/federation.py`, which takes
//! only credentials moto issued and says whose they are) and by moto's own records; bad
//! arguments, an unreachable endpoint, the browser, and the token kept out of stderr and logs.
#![cfg(unix)]

use crate::common;
use common::*;
use serde_json::{Value, json};
use std::process::Command;

/// The rig's federation endpoint.
fn federation() -> String {
    format!("{}/federation", sso_url())
}

/// `keyhop ARGS` for `rig`, with the console's federation endpoint at `endpoint`.
fn console_cmd(rig: &Rig, endpoint: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(keyhop_bin());
    cmd.args(args);
    rig.apply_env(&mut cmd);
    cmd.env("KEYHOP_FEDERATION_ENDPOINT", endpoint).env("BROWSER", "false");
    cmd
}

fn console(rig: &Rig, args: &[&str]) -> Out {
    run(
        console_cmd(rig, &federation(), args),
        "",
        &format!("keyhop {}", args.join(" ")),
    )
}

/// The printed sign-in URL, taken apart: (Destination, SigninToken), after checking the rest.
#[track_caller]
fn parse_signin_url(url: &str) -> (String, String) {
    assert!(
        url.starts_with(&format!("{}?", federation())),
        "not a URL of the federation endpoint: {url:?}"
    );
    assert_eq!(query_param(url, "Action").as_deref(), Some("login"), "{url}");
    assert_eq!(query_param(url, "Issuer").as_deref(), Some("keyhop"), "{url}");
    let destination = query_param(url, "Destination").unwrap_or_else(|| panic!("no Destination in {url}"));
    let token = query_param(url, "SigninToken").unwrap_or_else(|| panic!("no SigninToken in {url}"));
    assert!(token.len() > 20, "a short SigninToken: {token:?}");
    (destination, token)
}

/// What the rig's federation endpoint issued `token` for: kind, arn, account, logins, issuer.
fn signin_token(token: &str) -> Value {
    control("POST", "/_rig/federation/token", Some(&json!({ "SigninToken": token })))
}

/// Opens the sign-in URL as a browser would, without following the redirect: (status, Location).
fn open_as_browser(url: &str) -> (u16, String) {
    let mut cmd = Command::new("curl");
    cmd.args([
        "-sS",
        "--noproxy",
        "*",
        "--max-time",
        "30",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{redirect_url}",
        url,
    ]);
    let out = run(cmd, "", "curl (the browser)").ok();
    let (status, location) = out.stdout.split_once(' ').unwrap_or((out.stdout.as_str(), ""));
    (status.parse().unwrap_or(0), location.trim().to_owned())
}

/// The names of the GetFederationToken calls moto has seen (its /moto-api/data.json).
fn moto_federated_names() -> Vec<String> {
    let mut cmd = Command::new("curl");
    cmd.args(["-sSf", "--noproxy", "*", "--max-time", "60"])
        .arg(format!("{}/moto-api/data.json", moto_url()));
    let out = run(cmd, "", "curl moto data.json").ok();
    let data: Value = serde_json::from_str(&out.stdout).expect("moto's data.json");
    data["sts"]["Token"]
        .as_array()
        .map(|tokens| {
            tokens
                .iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// An IAM user session (its alias is also the IAM user's name); extra: `session add` flags.
fn iam_user(name: &str, extra: &[&str]) -> (Rig, String, Keys) {
    let rig = Rig::new();
    let alias = unique(name);
    let keys = moto_user(&alias);
    rig.add_user(&alias, &alias, &keys, extra).ok();
    (rig, alias, keys)
}

#[test]
fn an_iam_user_signs_in_as_a_federated_user_named_after_the_session() {
    let (rig, alias, keys) = iam_user("con", &[]);
    let before = rig.snapshot();
    let out = console(&rig, &["console", &alias, "--print", "--region", "us-west-2"]).ok();
    assert_eq!(out.stdout.lines().count(), 1, "one line, the URL: {out}");
    let url = out.stdout.trim();
    let (destination, token) = parse_signin_url(url);
    assert_eq!(
        destination,
        "https://console.aws.amazon.com/console/home?region=us-west-2"
    );
    let issued = signin_token(&token);
    assert_eq!(
        issued["kind"], "federated-user",
        "not GetFederationToken credentials: {issued}"
    );
    // GetFederationToken's Name: the alias (letters, digits and `-` stay; at most 32).
    let name: String = alias.chars().take(32).collect();
    assert!(
        moto_federated_names().contains(&name),
        "moto saw no GetFederationToken named {name:?}"
    );
    // The browser lands on the console page, signed in.
    assert_eq!(open_as_browser(url), (302, destination.clone()));
    let used = signin_token(&token);
    assert_eq!(
        (used["logins"].as_u64(), used["issuer"].as_str()),
        (Some(1), Some("keyhop"))
    );
    rig.assert_unchanged(&before, "console --print");
    assert_no_secret(&out.stderr, &[&token, &keys.secret], "stderr");
}

#[test]
fn an_mfa_user_signs_in_without_a_code_as_aws_takes_none_for_a_federation_token() {
    let (rig, alias, _) = iam_user("con-mfa", &["--mfa-device", "arn:aws:iam::123456789012:mfa/con"]);
    // stdin is closed: a code asked for would fail the command.
    let out = console(&rig, &["console", &alias, "--print"]).ok();
    let (destination, token) = parse_signin_url(out.stdout.trim());
    assert_eq!(
        destination,
        format!("https://console.aws.amazon.com/console/home?region={REGION}")
    );
    assert_eq!(signin_token(&token)["kind"], "federated-user");
}

#[test]
fn a_chained_role_signs_in_as_the_assumed_role_on_the_page_asked_for() {
    let (rig, user, _) = iam_user("con-base", &[]);
    let role = unique("con-role");
    rig.add_chained(
        &role,
        &role,
        "arn:aws:iam::123456789012:role/Console",
        "con-sess",
        &user,
    )
    .ok();
    let out = console(&rig, &["console", &role, "--print", "--destination", "/s3/buckets"]).ok();
    let url = out.stdout.trim();
    let (destination, token) = parse_signin_url(url);
    assert_eq!(
        destination,
        format!("https://console.aws.amazon.com/s3/buckets?region={REGION}")
    );
    let issued = signin_token(&token);
    assert_eq!(issued["kind"], "assumed-role", "{issued}");
    assert_eq!(
        issued["arn"], "arn:aws:sts::123456789012:assumed-role/Console/con-sess",
        "the rig (moto's GetCallerIdentity) sees another identity"
    );
    assert_eq!(open_as_browser(url), (302, destination));

    // A full console URL is taken as given.
    let page = "https://eu-central-1.console.aws.amazon.com/ec2/home?region=eu-central-1#Instances:";
    let out = console(&rig, &["console", &role, "--print", "--destination", page]).ok();
    assert_eq!(parse_signin_url(out.stdout.trim()).0, page);
}

#[test]
fn an_iam_identity_center_session_signs_in_as_its_role() {
    const ACCOUNT: &str = "444444444444";
    let w = Sso::new(&[account(ACCOUNT, "Console", &["Viewer"])], &json!({}));
    w.ready();
    let mut cmd = w.command(&["console", "Console/Viewer", "--print"]);
    cmd.env("KEYHOP_FEDERATION_ENDPOINT", federation());
    let out = run(cmd, "", "keyhop console Console/Viewer --print").ok();
    let (destination, token) = parse_signin_url(out.stdout.trim());
    assert_eq!(
        destination,
        format!("https://console.aws.amazon.com/console/home?region={DEFAULT_REGION}")
    );
    let issued = signin_token(&token);
    assert_eq!(issued["kind"], "assumed-role", "{issued}");
    assert_eq!(issued["arn"], w.arn(ACCOUNT, "Viewer"));
    assert_eq!(issued["account"], ACCOUNT);
}

#[test]
fn a_saml_session_signs_in_as_its_role_with_the_assertion_of_a_sign_in() {
    // moto's default account: its GetCallerIdentity names a SAML role of that account only.
    const ACCOUNT: &str = "123456789012";
    let idp = Idp::create(&json!({"roles": [saml_role(ACCOUNT, "Console")]}));
    let role = format!("arn:aws:iam::{ACCOUNT}:role/Console");
    let provider = format!("arn:aws:iam::{ACCOUNT}:saml-provider/rig");
    let url = idp.url_for(&role);
    let rig = Rig::new();
    let alias = unique("con-saml");
    rig.keyhop(&add_saml_args(&alias, &alias, &url, &role, &provider)).ok();
    // Never started: no credentials to reuse, and no display for the sign-in window.
    let before = rig.snapshot();
    let mut cmd = console_cmd(&rig, &federation(), &["console", &alias, "--print"]);
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    let out = run(cmd, "", "keyhop console (no display)").fails_with(&["no display", "--saml-response-file"]);
    assert!(out.stdout.is_empty(), "{out}");
    // With the assertion a sign-in gives (a script's way; the window's on a desktop).
    let response = Idp::sign_in_at(&url);
    let args = ["console", alias.as_str(), "--print", "--saml-response-file", "-"];
    let mut cmd = console_cmd(&rig, &federation(), &args);
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    let out = run(cmd, &response, "keyhop console --saml-response-file -").ok();
    let url = out.stdout.trim();
    let (destination, token) = parse_signin_url(url);
    let issued = signin_token(&token);
    assert_eq!(issued["kind"], "assumed-role", "{issued}");
    assert!(
        issued["arn"]
            .as_str()
            .is_some_and(|a| a.starts_with(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/Console/"))),
        "{issued}"
    );
    assert_eq!(open_as_browser(url), (302, destination));
    assert_no_secret(&out.stderr, &[&response], "keyhop console's stderr");
    rig.assert_unchanged(&before, "a console sign-in");
}

#[test]
fn bad_pages_and_regions_are_refused_before_any_call() {
    let (rig, alias, _) = iam_user("con-bad", &[]);
    // Nothing answers anywhere: a check that came after a call would fail with "cannot reach".
    let before = rig.snapshot();
    let cases: [(&[&str], &[&str]); 8] = [
        (
            &["--destination", "https://evil.example/"],
            &["--destination", "not the aws console"],
        ),
        (
            &["--destination", "http://console.aws.amazon.com/"],
            &["--destination", "https"],
        ),
        (
            &["--destination", "https://console.aws.amazon.com@evil.example/"],
            &["--destination", "user name"],
        ),
        (&["--destination", "//evil.example/x"], &["--destination", "single /"]),
        (&["--destination", "s3/home"], &["--destination", "path"]),
        (&["--region", "moon-1"], &["region"]),
        (&["--region", "cn-north-1"], &["cn-north-1", "partition aws-cn"]),
        (
            &["--destination", "https://console.amazonaws-us-gov.com/"],
            &["partition aws-us-gov"],
        ),
    ];
    for (extra, words) in cases {
        let mut args = vec!["console", alias.as_str(), "--print"];
        args.extend_from_slice(extra);
        let mut cmd = console_cmd(&rig, &closed_port_url(), &args);
        cmd.env("AWS_ENDPOINT_URL", closed_port_url());
        let out = run(cmd, "", &format!("keyhop {}", args.join(" ")));
        assert_eq!(out.status.code(), Some(1), "{out}");
        let out = out.fails_with(words);
        assert!(out.stdout.is_empty(), "{out}");
    }
    rig.assert_unchanged(&before, "refused console commands");
}

#[test]
fn an_unreachable_or_wrong_endpoint_is_a_clear_error() {
    let (rig, alias, keys) = iam_user("con-down", &[]);
    let dead = format!("{}/federation", closed_port_url());
    let out = run(
        console_cmd(&rig, &dead, &["console", &alias, "--print"]),
        "",
        "keyhop console (endpoint down)",
    )
    .fails_with(&["cannot reach", "federation endpoint", &dead]);
    assert!(out.stdout.is_empty(), "{out}");
    assert_no_secret(&out.all(), &[&keys.secret], "the error");

    // Something that is not the federation endpoint (the rig answers 404 there).
    let wrong = format!("{}/not-federation", sso_url());
    run(
        console_cmd(&rig, &wrong, &["console", &alias, "--print"]),
        "",
        "keyhop console (wrong endpoint)",
    )
    .fails_with(&["answered HTTP 404", "federation endpoint", &wrong]);
}

#[test]
fn the_sign_in_url_stays_out_of_stderr_and_the_logs() {
    let (rig, user, keys) = iam_user("con-log", &[]);
    let role = unique("con-log-role");
    rig.add_chained(&role, &role, "arn:aws:iam::123456789012:role/Log", "con-log", &user)
        .ok();
    for alias in [&user, &role] {
        let mut cmd = console_cmd(&rig, &federation(), &["console", alias, "--print"]);
        cmd.env("KEYHOP_LOG", "trace");
        let out = run(cmd, "", "keyhop console --print (KEYHOP_LOG=trace)").ok();
        let url = out.stdout.trim().to_owned();
        let (_, token) = parse_signin_url(&url);
        assert!(
            out.stderr.contains("signin.get_signin_token"),
            "the trace has no federation span (is the log on?): {out}"
        );
        assert_no_secret(&out.stderr, &[&token, &url, &keys.secret], "the trace on stderr");
    }
    // The role's credentials (cached by the console call; credential-process hands them out).
    let cp = rig.keyhop(&["credential-process", &role]).ok();
    let creds: Value = serde_json::from_str(&cp.stdout).expect("credential-process JSON");
    let (secret, session) = (
        creds["SecretAccessKey"].as_str().expect("secret"),
        creds["SessionToken"].as_str().expect("token"),
    );
    let mut cmd = console_cmd(&rig, &federation(), &["console", &role, "--print"]);
    cmd.env("KEYHOP_LOG", "trace");
    let out = run(cmd, "", "keyhop console --print (KEYHOP_LOG=trace)").ok();
    assert_no_secret(&out.stderr, &[secret, session], "the trace on stderr");
}

#[test]
fn without_print_the_browser_gets_the_url_and_the_terminal_does_not() {
    let (rig, alias, _) = iam_user("con-open", &[]);
    let scratch = rig.home.parent().expect("rig dir").to_path_buf();
    let log = scratch.join("browser.log");
    let browser = scratch.join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
    )
    .expect("script");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let mut cmd = console_cmd(&rig, &federation(), &["console", &alias]);
    cmd.env("BROWSER", &browser);
    let out = run(cmd, "", "keyhop console (BROWSER)").ok();
    // The script runs detached: wait for its line.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let opened = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.ends_with('\n') || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let urls: Vec<&str> = opened.lines().collect();
    assert_eq!(urls.len(), 1, "the browser ran {} times: {opened:?}", urls.len());
    let (_, token) = parse_signin_url(urls[0]);
    assert_eq!(signin_token(&token)["kind"], "federated-user");
    assert!(out.stdout.contains("Opened the AWS console"), "{out}");
    assert_no_secret(&out.all(), &[&token], "keyhop's output");

    // A browser that cannot start: an error that points to --print, without the URL.
    let mut cmd = console_cmd(&rig, &federation(), &["console", &alias]);
    cmd.env("BROWSER", scratch.join("no-such-browser"));
    let out = run(cmd, "", "keyhop console (no browser)").fails_with(&["cannot open the browser", "--print"]);
    assert!(!out.all().contains("SigninToken"), "{out}");
}
