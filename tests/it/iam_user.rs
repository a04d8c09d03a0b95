//! IAM User sessions: add (secret on stdin, kept in the keyring), start (GetSessionToken into a
//! named profile), list, stop; MFA with a cached session token.

use crate::common;
use common::*;

const FOREIGN_CREDENTIALS: &str = "# mine\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherSecretExampleXXXXXXXXXXXXXXXXXXXXXX\n";
const FOREIGN_CONFIG: &str = "[profile other]\nregion = us-west-2\n";

#[test]
fn iam_user_add_start_list_stop() {
    let keys = moto_user(&unique("alice"));
    let rig = Rig::new();
    rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    rig.write_config(FOREIGN_CONFIG.as_bytes());
    let before = rig.snapshot();
    let alias = unique("alice");

    add_and_check(&rig, &alias, &keys, &before);

    let start = rig.start(&alias).ok();
    let section = check_started_profile(&rig, &keys);

    let s = rig.session(&alias);
    assert_eq!(s["status"], "active", "{s}");
    let expiration = s["expiration"].as_str().unwrap_or_else(|| panic!("no expiration: {s}"));
    assert!(is_rfc3339(expiration), "expiration {expiration:?} is not RFC 3339");

    let token = section["aws_session_token"].clone();
    let session_secret = section["aws_secret_access_key"].clone();
    let list = rig.keyhop(&["session", "list", "--json"]).ok();
    let list_text = rig.keyhop(&["session", "list"]).ok();
    for (what, text) in [
        ("start", start.all()),
        ("list --json", list.all()),
        ("list", list_text.all()),
        ("state.json", rig.state_text()),
    ] {
        assert_no_secret(&text, &[&keys.secret, &token, &session_secret], what);
    }

    rig.stop(&alias).ok();
    assert!(
        !rig.caller_identity("work").success(),
        "profile work still works after stop"
    );
    assert_eq!(rig.session(&alias)["status"], "inactive");
    let now = rig.snapshot();
    assert_eq!(
        now.credentials, before.credentials,
        "credentials not restored byte for byte"
    );
    assert_eq!(now.config, before.config, "config not restored byte for byte");
}

/// `session add` of an IAM user: no secret shown or in state.json, no profile written, the
/// session listed inactive, its secret in the keyring under its id.
fn add_and_check(rig: &Rig, alias: &str, keys: &Keys, before: &Snapshot) {
    let add = rig.add_user(alias, "work", keys, &[]).ok();
    assert_no_secret(&add.all(), &[&keys.secret], "the output of session add");
    assert_no_secret(&rig.state_text(), &[&keys.secret], "state.json");
    assert!(rig.state_path().exists(), "session add wrote no state.json");
    // Adding a session writes no profile.
    assert_eq!(
        rig.snapshot().credentials,
        before.credentials,
        "add touched the credentials file"
    );
    assert_eq!(rig.snapshot().config, before.config, "add touched the config file");

    let s = rig.session(alias);
    assert_eq!(s["kind"], "iam-user");
    assert_eq!(s["profile"], "work");
    assert_eq!(s["region"], REGION);
    assert_eq!(s["status"], "inactive");
    assert!(s["expiration"].is_null(), "inactive session has an expiration: {s}");
    assert!(s["mfa_device"].is_null() && s["assumer"].is_null(), "{s}");
    let id = s["id"].as_str().expect("session id").to_owned();
    assert!(!id.is_empty());

    // The long-term secret is in the Secret Service, under this session's id.
    let items = keyring_items();
    assert!(items.contains(&id), "no keyring item names session id {id}:\n{items}");
    assert!(
        items.contains(&keys.secret),
        "the secret access key is not in the keyring"
    );
}

/// After `session start`: [work] holds a session (not the long-term key), its region is in
/// the config, mode 0600, and the AWS CLI and boto3 both sign in with it. [work]'s keys.
fn check_started_profile(rig: &Rig, keys: &Keys) -> std::collections::BTreeMap<String, String> {
    let creds = rig.credentials();
    let section = ini_section(&creds, "work").unwrap_or_else(|| panic!("no [work] after start:\n{creds}"));
    for key in [
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "x_security_token_expires",
    ] {
        assert!(
            section.get(key).is_some_and(|v| !v.is_empty()),
            "[work] lacks {key}:\n{creds}"
        );
    }
    assert_ne!(
        section["aws_access_key_id"], keys.id,
        "the long-term key was written, not a session"
    );
    let config = ini_section(&rig.config(), "profile work").expect("no [profile work] in config");
    assert_eq!(config.get("region").map(String::as_str), Some(REGION));
    #[cfg(unix)] // file modes; Windows files take their directory's ACL
    assert_eq!(mode(&rig.credentials_path()), 0o600, "credentials file mode");

    // Two independent readers of the profile: the AWS CLI and boto3.
    let arn = rig.caller_arn("work");
    assert!(
        arn.starts_with("arn:aws:") && arn.contains("123456789012"),
        "odd Arn {arn}"
    );
    assert_eq!(rig.boto3_arn("work"), arn, "boto3 and the AWS CLI disagree");
    section
}

#[test]
fn secret_without_final_newline_on_stdin() {
    let keys = moto_user(&unique("nonl"));
    let rig = Rig::new();
    let alias = unique("nonl");
    rig.keyhop_in(
        &[
            "session",
            "add",
            "iam-user",
            "--alias",
            &alias,
            "--profile",
            "p",
            "--region",
            REGION,
            "--access-key-id",
            &keys.id,
        ],
        &keys.secret,
    )
    .ok();
    rig.start(&alias).ok();
    assert!(rig.caller_arn("p").contains("123456789012"));
}

#[test]
fn mfa_needs_a_code_then_uses_the_cached_token() {
    let keys = moto_user(&unique("mfa"));
    let rig = Rig::new();
    let alias = unique("mfa");
    let device = "arn:aws:iam::123456789012:mfa/alice";
    rig.add_user(&alias, "mfa", &keys, &["--mfa-device", device]).ok();
    assert_eq!(rig.session(&alias)["mfa_device"], device);

    // No code, no TTY: a clear refusal that says how to pass the code, and nothing written.
    let before = rig.snapshot();
    rig.start(&alias).fails_with(&["--mfa-code"]);
    rig.assert_unchanged(&before, "start without an MFA code");
    assert_eq!(rig.session(&alias)["status"], "inactive");

    rig.keyhop(&["session", "start", &alias, "--mfa-code", "123456"]).ok();
    assert!(rig.caller_arn("mfa").contains("123456789012"));
    assert_eq!(rig.session(&alias)["status"], "active");
    let token = ini_section(&rig.credentials(), "mfa").expect("[mfa]")["aws_session_token"].clone();
    assert_no_secret(&rig.state_text(), &[&token, &keys.secret], "state.json");

    // The GetSessionToken result is cached: stop + start needs no code while it is valid.
    rig.stop(&alias).ok();
    assert!(
        !rig.caller_identity("mfa").success(),
        "profile mfa still works after stop"
    );
    let again = rig.start(&alias).ok();
    assert_no_secret(&again.all(), &[&token, &keys.secret], "start output");
    assert!(rig.caller_arn("mfa").contains("123456789012"));
}
