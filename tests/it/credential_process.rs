//! `keyhop credential-process ALIAS` as an AWS `credential_process`.

use crate::common;
use common::*;
use serde_json::Value;

fn credential_process_profile(rig: &Rig, profile: &str, alias: &str) {
    let line = format!(
        "[profile {profile}]\ncredential_process = {} credential-process {alias}\nregion = {REGION}\n",
        keyhop_bin()
    );
    let mut config = rig.config();
    config.push_str(&line);
    rig.write_config(config.as_bytes());
}

#[test]
fn prints_short_lived_credentials_as_json() {
    let keys = moto_user(&unique("cp"));
    let rig = Rig::new();
    let alias = unique("cp");
    rig.add_user(&alias, "base", &keys, &[]).ok();
    let out = rig.keyhop(&["credential-process", &alias]).ok();
    let v: Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("credential-process printed no JSON ({e}): {out}"));
    assert_eq!(v["Version"], 1, "{v}");
    for key in ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"] {
        assert!(v[key].as_str().is_some_and(|s| !s.is_empty()), "{key} missing: {v}");
    }
    assert!(is_rfc3339(v["Expiration"].as_str().unwrap()), "Expiration: {v}");
    assert_ne!(v["AccessKeyId"], keys.id.as_str(), "long-term key handed out");
    assert_ne!(
        v["SecretAccessKey"],
        keys.secret.as_str(),
        "long-term secret handed out"
    );
    assert_no_secret(
        &out.stderr,
        &[&keys.secret, v["SessionToken"].as_str().unwrap()],
        "stderr",
    );
    assert_no_secret(
        &rig.state_text(),
        &[&keys.secret, v["SessionToken"].as_str().unwrap()],
        "state.json",
    );
}

#[test]
fn aws_cli_uses_keyhop_as_credential_process() {
    let keys = moto_user(&unique("cpcli"));
    let rig = Rig::new();
    let (u, c) = (unique("u"), unique("c"));
    rig.add_user(&u, "base", &keys, &[]).ok();
    rig.add_chained(&c, "dev", "arn:aws:iam::123456789012:role/Dev", "via-cp", &u)
        .ok();
    credential_process_profile(&rig, "cp-user", &u);
    credential_process_profile(&rig, "cp-role", &c);

    assert!(rig.caller_arn("cp-user").contains("123456789012"));
    assert!(rig.boto3_arn("cp-user").contains("123456789012"));
    let arn = rig.caller_arn("cp-role");
    assert!(arn.contains("assumed-role/Dev/via-cp"), "cp-role is {arn}");
}

#[test]
fn unknown_alias_fails_cleanly() {
    let rig = Rig::new();
    let alias = unique("ghost");
    let before = rig.snapshot();
    rig.keyhop(&["credential-process", &alias])
        .fails_with(&["no session named", &alias]);
    rig.assert_unchanged(&before, "credential-process of an unknown alias");
}
