//! IAM Identity Center (AWS SSO): connections (`keyhop sso add|list|logout|sync|remove`) and
//! `aws-sso` sessions whose credentials come from the portal's GetRoleCredentials. The sign-in
//! flows themselves are in `sso_login.rs`.
//!
//! Against the rig's IAM Identity Center server (`xtask/rig/`, `KEYHOP_TEST_SSO`): each test has
//! its own tenant, and reads the tenant's stats to see what keyhop asked of the service. The
//! user's browser is played by curl (directly, or as the program in BROWSER).

use crate::common;
use common::*;
use serde_json::json;
use std::sync::Arc;

const FOREIGN_CREDENTIALS: &str = "# mine\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherSecretExampleXXXXXXXXXXXXXXXXXXXXXX\n";
const FOREIGN_CONFIG: &str = "[profile other]\nregion = us-west-2\n";
const EXIT_SIGN_IN_NEEDED: i32 = 4;

/// Panics unless `out` exited 4 naming `keyhop sso login CONN`.
#[track_caller]
fn assert_sign_in_needed(out: &Out, conn: &str) {
    assert_eq!(
        out.status.code(),
        Some(EXIT_SIGN_IN_NEEDED),
        "exit code 4 means a sign-in is needed: {out}"
    );
    let wanted = format!("keyhop sso login {conn}");
    assert!(
        out.stderr.contains(&wanted),
        "the message does not name `{wanted}`: {out}"
    );
}

#[test]
fn connections_are_added_listed_and_bad_ones_refused() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.add(&["--default-region", DEFAULT_REGION]).ok();
    let second = unique("org2");
    w.keyhop(&[
        "sso",
        "add",
        "--name",
        &second,
        "--start-url",
        &w.tenant.start_url,
        "--region",
        "eu-west-2",
    ])
    .ok();

    let all = w.connections();
    assert_eq!(all.len(), 2, "{all:#?}");
    let c = w.connection();
    assert_eq!(c["start_url"], w.tenant.start_url.as_str(), "{c}");
    assert_eq!(c["region"], SSO_REGION, "{c}");
    assert_eq!(c["default_region"], DEFAULT_REGION, "{c}");
    assert_eq!(c["signed_in"], false, "{c}");
    assert!(c["expiration"].is_null(), "not signed in, yet an expiration: {c}");
    assert_eq!(c["sessions"], 0, "{c}");
    let c2 = w.connection_named(&second);
    assert_eq!(c2["region"], "eu-west-2", "{c2}");
    // No default region given: none, or the SSO region (what sync then uses).
    assert!(
        c2["default_region"].is_null() || c2["default_region"] == "eu-west-2",
        "{c2}"
    );
    let text = w.keyhop(&["sso", "list"]).ok();
    assert!(text.stdout.contains(&w.conn) && text.stdout.contains(&second), "{text}");

    let before = w.rig.snapshot();
    let other = unique("org3");
    let start_url = w.tenant.start_url.as_str();
    for (name, url, region, extra, words) in [
        (
            other.as_str(),
            "ftp://example.com/start",
            SSO_REGION,
            None,
            &["url"][..],
        ),
        (other.as_str(), "not a url", SSO_REGION, None, &["url"][..]),
        // The sign-in and its tokens must not travel in the clear (loopback aside, for tests).
        (
            other.as_str(),
            "http://d-1234567890.awsapps.com/start",
            SSO_REGION,
            None,
            &["https", "http://d-1234567890.awsapps.com/start"][..],
        ),
        (other.as_str(), start_url, "not a region", None, &["region"][..]),
        (
            other.as_str(),
            start_url,
            SSO_REGION,
            Some("eu-west-1]\n[x"),
            &["region"][..],
        ),
        (w.conn.as_str(), start_url, SSO_REGION, None, &[w.conn.as_str()][..]),
    ] {
        let mut args = vec!["sso", "add", "--name", name, "--start-url", url, "--region", region];
        if let Some(default) = extra {
            args.extend(["--default-region", default]);
        }
        w.keyhop(&args).fails_with(words);
        w.rig.assert_unchanged(&before, &format!("{args:?}"));
    }
    assert_eq!(w.connections().len(), 2);
}

#[test]
fn sync_makes_one_session_per_account_role_and_keeps_user_edits() {
    const DEV: &str = "111111111111";
    const PROD: &str = "222222222222";
    let w = Sso::new(
        &[
            account(DEV, "Dev", &["Admin", "ReadOnly"]),
            account(PROD, "Prod Ops", &["Admin", "ReadOnly"]),
        ],
        // One item a page: keyhop must follow nextToken in both listings.
        &json!({"page_size": 1}),
    );
    w.add(&["--default-region", DEFAULT_REGION]).ok();
    w.sign_in();
    w.rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    w.rig.write_config(FOREIGN_CONFIG.as_bytes());
    let expected = [
        ("Dev/Admin", "Dev-Admin", DEV, "Dev", "Admin"),
        ("Dev/ReadOnly", "Dev-ReadOnly", DEV, "Dev", "ReadOnly"),
        ("Prod Ops/Admin", "Prod-Ops-Admin", PROD, "Prod Ops", "Admin"),
        ("Prod Ops/ReadOnly", "Prod-Ops-ReadOnly", PROD, "Prod Ops", "ReadOnly"),
    ];

    first_sync(&w, &expected);

    // The user's edits, and an active session whose assignment will vanish.
    w.keyhop(&[
        "session",
        "edit",
        "Dev/Admin",
        "--alias",
        "my-dev",
        "--profile",
        "my-dev-profile",
        "--region",
        "ap-southeast-2",
    ])
    .ok();
    w.start("Prod Ops/ReadOnly").ok();
    assert_eq!(w.rig.caller_arn("Prod-Ops-ReadOnly"), w.arn(PROD, "ReadOnly"));

    // The portal now: Dev gains Billing, Prod Ops loses ReadOnly.
    w.tenant.set_accounts(&[
        account(DEV, "Dev", &["Admin", "ReadOnly", "Billing"]),
        account(PROD, "Prod Ops", &["Admin"]),
    ]);
    let before = w.rig.snapshot();
    let dry = w.keyhop(&["sso", "sync", &w.conn, "--dry-run"]).ok();
    w.rig.assert_unchanged(&before, "the second sso sync --dry-run");
    let out = w.sync().ok();
    for out in [&dry, &out] {
        assert_reported(out, "Dev/Billing", "added");
        assert_reported(out, "Prod Ops/ReadOnly", "removed");
        for quiet in ["Dev/Admin", "my-dev", "Dev/ReadOnly", "Prod Ops/Admin"] {
            assert!(!out.stdout.contains(quiet), "{quiet} reported: {out}");
        }
    }

    check_after_resync(&w, DEV);
}

/// The first `sso sync` (after a `--dry-run` that changes nothing) adds one inactive session per
/// account and role (`expected`: alias, profile, account id and name, role) and writes no
/// profile; a second one, with nothing new at the portal, changes nothing.
fn first_sync(w: &Sso, expected: &[(&str, &str, &str, &str, &str); 4]) {
    let before = w.rig.snapshot();
    let dry = w.keyhop(&["sso", "sync", &w.conn, "--dry-run"]).ok();
    for (alias, ..) in expected.iter().copied() {
        assert_reported(&dry, alias, "added");
    }
    w.rig.assert_unchanged(&before, "sso sync --dry-run");
    assert!(w.sessions().is_empty(), "--dry-run added sessions");

    let out = w.sync().ok();
    for (alias, ..) in expected.iter().copied() {
        assert_reported(&out, alias, "added");
    }
    let all = w.sessions();
    assert_eq!(all.len(), 4, "{all:#?}");
    for &(alias, profile, account_id, account_name, role) in expected {
        let s = w.session(alias);
        assert_eq!(s["kind"], "aws-sso", "{s}");
        assert_eq!(s["profile"], profile, "{s}");
        assert_eq!(s["region"], DEFAULT_REGION, "{s}");
        assert_eq!(s["sso_connection"], w.conn.as_str(), "{s}");
        assert_eq!(s["account_id"], account_id, "{s}");
        assert_eq!(s["account_name"], account_name, "{s}");
        assert_eq!(s["role_name"], role, "{s}");
        assert_eq!(s["status"], "inactive", "{s}");
    }
    assert_eq!(w.connection()["sessions"], 4);
    assert_eq!(
        w.rig.snapshot().credentials,
        before.credentials,
        "sync wrote credentials"
    );

    // Nothing new at the portal: nothing added or removed.
    let again = w.sync().ok();
    for (alias, ..) in expected.iter().copied() {
        assert!(
            !again.stdout.contains(alias),
            "an unchanged sync reports {alias}: {again}"
        );
    }
    assert_eq!(w.sessions().len(), 4);
}

/// After the re-sync (Dev gained Billing, Prod Ops lost ReadOnly): the user's edits of
/// Dev/Admin (`dev`'s account) kept, Dev/Billing added, Prod Ops/ReadOnly stopped and removed.
fn check_after_resync(w: &Sso, dev: &str) {
    assert_eq!(
        w.aliases(),
        ["Dev/Billing", "Dev/ReadOnly", "Prod Ops/Admin", "my-dev"],
        "sessions after the re-sync"
    );
    let edited = w.session("my-dev");
    assert_eq!(edited["profile"], "my-dev-profile", "{edited}");
    assert_eq!(edited["region"], "ap-southeast-2", "{edited}");
    assert_eq!(edited["account_id"], dev, "{edited}");
    assert_eq!(edited["role_name"], "Admin", "{edited}");
    let billing = w.session("Dev/Billing");
    assert_eq!(billing["profile"], "Dev-Billing", "{billing}");
    assert_eq!(billing["region"], DEFAULT_REGION, "{billing}");
    assert_eq!(billing["kind"], "aws-sso", "{billing}");

    // The vanished session was stopped before it went: its profile is gone, the rest stays.
    let creds = w.rig.credentials();
    assert!(
        ini_section(&creds, "Prod-Ops-ReadOnly").is_none(),
        "the removed session's profile is still there:\n{creds}"
    );
    assert_eq!(ini_section_names(&creds), ["other"], "{creds}");
    assert!(
        ini_section(&w.rig.config(), "profile Prod-Ops-ReadOnly").is_none(),
        "{}",
        w.rig.config()
    );
    assert_eq!(w.connection()["sessions"], 4);
}

#[test]
fn an_sso_session_starts_stops_and_serves_credential_process() {
    const SANDBOX: &str = "333333333333";
    let w = Sso::new(&[account(SANDBOX, "Sandbox", &["Developer"])], &json!({}));
    w.ready();
    w.rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    w.rig.write_config(FOREIGN_CONFIG.as_bytes());
    let before = w.rig.snapshot();
    let (alias, profile) = ("Sandbox/Developer", "Sandbox-Developer");
    let expected = w.arn(SANDBOX, "Developer");

    let start = w.start(alias).ok();
    let creds = w.rig.credentials();
    let section = ini_section(&creds, profile).unwrap_or_else(|| panic!("no [{profile}] after start:\n{creds}"));
    for key in ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"] {
        assert!(
            section.get(key).is_some_and(|v| !v.is_empty()),
            "[{profile}] lacks {key}:\n{creds}"
        );
    }
    let region = ini_section(&w.rig.config(), &format!("profile {profile}")).and_then(|s| s.get("region").cloned());
    assert_eq!(region.as_deref(), Some(DEFAULT_REGION), "{}", w.rig.config());
    #[cfg(unix)]
    assert_eq!(mode(&w.rig.credentials_path()), 0o600);
    assert_eq!(w.rig.caller_arn(profile), expected);
    assert_eq!(w.rig.boto3_arn(profile), expected);

    let s = w.session(alias);
    assert_eq!(s["status"], "active", "{s}");
    assert!(s["expiration"].as_str().is_some_and(is_rfc3339), "{s}");
    let (token, secret) = (&section["aws_session_token"], &section["aws_secret_access_key"]);
    let list = w.keyhop(&["session", "list"]).ok();
    for (what, text) in [
        ("start", start.all()),
        ("session list", list.all()),
        ("state.json", w.rig.state_text()),
    ] {
        assert_no_secret(&text, &[token, secret], what);
    }
    assert_eq!(stat(&w.tenant.stats(), "role_credentials"), 1);

    w.stop(alias).ok();
    assert_eq!(w.session(alias)["status"], "inactive");
    let now = w.rig.snapshot();
    assert_eq!(
        now.credentials, before.credentials,
        "credentials not restored byte for byte"
    );
    assert_eq!(now.config, before.config, "config not restored byte for byte");

    // credential_process: JSON on stdout, nothing written.
    let out = w.keyhop(&["credential-process", alias]).ok();
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("credential-process printed no JSON ({e}): {out}"));
    assert_eq!(v["Version"], 1, "{v}");
    for key in ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"] {
        assert!(v[key].as_str().is_some_and(|s| !s.is_empty()), "{key} missing: {v}");
    }
    assert!(v["Expiration"].as_str().is_some_and(is_rfc3339), "{v}");
    assert_eq!(
        w.rig.snapshot().credentials,
        before.credentials,
        "credential-process wrote credentials"
    );

    // And the AWS CLI runs it as a profile's credential_process (with the rig's SSO endpoints).
    let sso = sso_url();
    let config = format!(
        "{}[profile via-cp]\ncredential_process = env AWS_ENDPOINT_URL_SSO={sso} AWS_ENDPOINT_URL_SSO_OIDC={sso} {} credential-process {alias}\nregion = {DEFAULT_REGION}\n",
        w.rig.config(),
        keyhop_bin()
    );
    w.rig.write_config(config.as_bytes());
    assert_eq!(w.rig.caller_arn("via-cp"), expected);
}

#[test]
fn refresh_uses_the_refresh_token_without_a_new_sign_in() {
    const OPS: &str = "444444444444";
    let w = Sso::new(&[account(OPS, "Ops", &["Deployer"])], &json!({}));
    w.ready();
    let (alias, profile) = ("Ops/Deployer", "Ops-Deployer");
    w.start(alias).ok();
    let key_id = |rig: &Rig| {
        ini_section(&rig.credentials(), profile)
            .and_then(|s| s.get("aws_access_key_id").cloned())
            .unwrap_or_else(|| panic!("no [{profile}] in:\n{}", rig.credentials()))
    };
    let first = key_id(&w.rig);
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(tokens_issued(&stats, "refresh_token"), 0, "{stats}");

    // The access token dies early (keyhop still thinks it is good for an hour).
    let expired = w.tenant.expire(&json!({"access_tokens": true}));
    assert!(expired["expired"]["access_tokens"].as_u64() >= Some(1), "{expired}");
    w.keyhop(&["session", "refresh", alias]).ok();

    assert_ne!(key_id(&w.rig), first, "refresh must fetch new role credentials");
    assert_eq!(w.rig.caller_arn(profile), w.arn(OPS, "Deployer"));
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "a refresh signed in again: {stats}");
    assert_eq!(tokens_issued(&stats, "refresh_token"), 1, "{stats}");
    assert_eq!(stat(&stats, "role_credentials"), 2, "{stats}");
    let c = w.connection();
    assert_eq!(c["signed_in"], true, "{c}");
    assert!(c["expiration"].as_str().is_some_and(is_rfc3339), "{c}");
}

#[test]
fn start_needs_a_sign_in_when_both_tokens_expired() {
    const OPS: &str = "555555555555";
    let w = Sso::new(&[account(OPS, "Ops", &["Deployer"])], &json!({}));
    w.ready();
    w.rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    let before = w.rig.snapshot();
    w.tenant.expire(&json!({"access_tokens": true, "refresh_tokens": true}));

    let out = w.start("Ops/Deployer");
    assert_sign_in_needed(&out, &w.conn);
    let now = w.rig.snapshot();
    assert_eq!(
        now.credentials, before.credentials,
        "credentials written by a failed start"
    );
    assert_eq!(now.config, before.config, "config written by a failed start");
    assert_eq!(w.session("Ops/Deployer")["status"], "inactive");
    assert_eq!(stat(&w.tenant.stats(), "role_credentials"), 0);

    // Signing in again is the way out.
    w.sign_in();
    w.start("Ops/Deployer").ok();
    assert_eq!(w.rig.caller_arn("Ops-Deployer"), w.arn(OPS, "Deployer"));
}

#[test]
fn logout_signs_out_at_the_portal_and_locally() {
    let w = Sso::new(&[account("666666666666", "Ops", &["Deployer"])], &json!({}));
    w.ready();
    assert_eq!(w.connection()["signed_in"], true);

    w.keyhop(&["sso", "logout", &w.conn]).ok();
    let c = w.connection();
    assert_eq!(c["signed_in"], false, "{c}");
    assert_eq!(stat(&w.tenant.stats(), "logouts"), 1);

    let before = w.rig.snapshot();
    let out = w.start("Ops/Deployer");
    assert_sign_in_needed(&out, &w.conn);
    assert_eq!(w.rig.snapshot().credentials, before.credentials);
    assert_eq!(stat(&w.tenant.stats(), "role_credentials"), 0);
}

#[test]
fn a_chained_role_on_an_sso_role() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin"])], &json!({}));
    w.ready();
    let chained = unique("chained");
    w.rig
        .add_chained(
            &chained,
            "other",
            "arn:aws:iam::111111111111:role/Other",
            "me",
            "Dev/Admin",
        )
        .ok();
    let s = w.session(&chained);
    assert_eq!(s["kind"], "role-chained", "{s}");
    assert_eq!(s["assumer"], "Dev/Admin", "{s}");

    w.start(&chained).ok();
    assert_eq!(
        w.rig.caller_arn("other"),
        "arn:aws:sts::111111111111:assumed-role/Other/me"
    );
    let creds = w.rig.credentials();
    assert_eq!(
        ini_section_names(&creds),
        ["other"],
        "only the chained profile may be written:\n{creds}"
    );
    w.stop(&chained).ok();
    assert!(ini_section_names(&w.rig.credentials()).is_empty());
}

#[test]
fn twenty_parallel_starts_share_one_sign_in() {
    let ids = ["710000000000", "720000000000", "730000000000", "740000000000"];
    let roles = ["R0", "R1", "R2", "R3", "R4"];
    let accounts: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| account(id, &format!("Acc{i}"), &roles))
        .collect();
    let w = Arc::new(Sso::new(&accounts, &json!({})));
    w.ready();
    let aliases: Vec<String> = (0..ids.len())
        .flat_map(|i| roles.iter().map(move |r| format!("Acc{i}/{r}")))
        .collect();
    assert_eq!(w.sessions().len(), 20);

    let handles: Vec<_> = aliases
        .iter()
        .map(|alias| {
            let (w, alias) = (Arc::clone(&w), alias.clone());
            std::thread::spawn(move || w.start(&alias))
        })
        .collect();
    for h in handles {
        h.join().expect("thread").ok();
    }

    let creds = w.rig.credentials();
    assert_eq!(ini_section_names(&creds).len(), 20, "{creds}");
    for (i, r) in [(0, "R0"), (2, "R3"), (3, "R4")] {
        assert_eq!(w.rig.caller_arn(&format!("Acc{i}-{r}")), w.arn(ids[i], r));
    }
    let active = w.sessions().iter().filter(|s| s["status"] == "active").count();
    assert_eq!(active, 20);
    let stats = w.tenant.stats();
    assert_eq!(stat(&stats, "authorizations"), 1, "{stats}");
    assert_eq!(stat(&stats, "role_credentials"), 20, "{stats}");
}

#[test]
fn remove_refuses_while_sessions_exist_unless_with_sessions() {
    let w = Sso::new(&[account("111111111111", "Dev", &["Admin", "ReadOnly"])], &json!({}));
    w.ready();
    w.rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    w.rig.write_config(FOREIGN_CONFIG.as_bytes());
    let user = unique("u");
    w.rig.add_user(&user, "base", &fake_keys(), &[]).ok();
    // A connection without sessions goes without --with-sessions.
    let empty = unique("org-empty");
    w.keyhop(&[
        "sso",
        "add",
        "--name",
        &empty,
        "--start-url",
        &w.tenant.start_url,
        "--region",
        SSO_REGION,
    ])
    .ok();
    w.keyhop(&["sso", "remove", &empty]).ok();
    assert!(w.connections().iter().all(|c| c["name"] != empty.as_str()));

    w.start("Dev/Admin").ok();
    assert!(ini_section(&w.rig.credentials(), "Dev-Admin").is_some());
    let before = w.rig.snapshot();
    w.keyhop(&["sso", "remove", &w.conn]).fails_with(&["session"]);
    w.rig
        .assert_unchanged(&before, "sso remove of a connection with sessions");
    assert_eq!(w.sessions().len(), 3);

    w.keyhop(&["sso", "remove", &w.conn, "--with-sessions"]).ok();
    assert!(w.connections().is_empty(), "{:?}", w.connections());
    assert_eq!(w.aliases(), [user], "only the IAM user session may stay");
    let creds = w.rig.credentials();
    assert_eq!(ini_section_names(&creds), ["other"], "{creds}");
    assert!(
        ini_section(&w.rig.config(), "profile Dev-Admin").is_none(),
        "{}",
        w.rig.config()
    );
    assert!(creds.starts_with(FOREIGN_CREDENTIALS), "{creds}");
}
