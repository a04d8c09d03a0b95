//! `keyhop session refresh`: new credentials for an active session without stopping it (the
//! tray's background refresh), an MFA user's refresh asking for a code, and inactive sessions
//! left alone.

use crate::common;
use common::*;

fn key_id(rig: &Rig, profile: &str) -> String {
    ini_section(&rig.credentials(), profile)
        .and_then(|s| s.get("aws_access_key_id").cloned())
        .unwrap_or_else(|| panic!("no [{profile}] in:\n{}", rig.credentials()))
}

#[test]
fn refresh_replaces_the_credentials_of_an_active_chained_session() {
    let keys = moto_user(&unique("refresh"));
    let rig = Rig::new();
    let (u, c) = (unique("u"), unique("c"));
    rig.add_user(&u, "base", &keys, &[]).ok();
    rig.add_chained(&c, "dev", "arn:aws:iam::123456789012:role/Dev", "alice", &u)
        .ok();

    let out = rig.keyhop(&["session", "refresh", &c]).ok();
    assert!(out.stdout.contains("not active"), "{}", out.all());
    assert!(
        ini_section(&rig.credentials(), "dev").is_none(),
        "refresh must not start a session"
    );

    rig.start(&c).ok();
    let first = key_id(&rig, "dev");
    let out = rig.keyhop(&["session", "refresh", &c]).ok();
    assert!(out.stdout.contains("Refreshed"), "{}", out.all());
    let second = key_id(&rig, "dev");
    assert_ne!(first, second, "refresh must get new credentials from STS");
    assert!(rig.caller_arn("dev").contains("assumed-role/Dev/alice"));
    assert_eq!(rig.session(&c)["status"], "active");
}

#[test]
fn refreshing_an_mfa_user_needs_a_new_code() {
    let keys = moto_user(&unique("refresh-mfa"));
    let rig = Rig::new();
    let u = unique("u");
    rig.add_user(
        &u,
        "mfa",
        &keys,
        &["--mfa-device", "arn:aws:iam::123456789012:mfa/alice"],
    )
    .ok();
    rig.keyhop(&["session", "start", &u, "--mfa-code", "123456"]).ok();
    let before = rig.snapshot();
    let out = rig
        .keyhop(&["session", "refresh", &u])
        .fails_with(&["mfa", "--mfa-code"]);
    assert_eq!(out.status.code(), Some(3), "exit code 3 means an MFA code is needed");
    rig.assert_unchanged(&before, "a refresh refused for want of an MFA code");
}
