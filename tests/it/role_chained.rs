//! IAM Role Chained sessions: AssumeRole with another session's credentials, chains of two,
//! cached MFA tokens, cycles, and removal order.

use crate::common;
use common::*;

const DEV: &str = "arn:aws:iam::123456789012:role/Dev";
const OPS: &str = "arn:aws:iam::123456789012:role/Ops";

#[test]
fn chained_sessions_assume_roles_and_write_only_their_profile() {
    let keys = moto_user(&unique("chain"));
    let rig = Rig::new();
    rig.write_credentials(b"[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n");
    rig.write_config(b"[profile other]\nregion = us-west-2\n");
    let (u, c, c2) = (unique("u"), unique("c"), unique("c2"));
    rig.add_user(&u, "base", &keys, &[]).ok();
    rig.add_chained(&c, "dev", DEV, "alice-dev", &u).ok();
    rig.add_chained(&c2, "ops", OPS, "bob-ops", &c).ok();
    let before = rig.snapshot();

    let s = rig.session(&c);
    assert_eq!(s["kind"], "role-chained");
    assert_eq!(s["role_arn"], DEV);
    assert_eq!(s["role_session_name"], "alice-dev");
    assert_eq!(s["assumer"], u.as_str());
    assert_eq!(rig.session(&c2)["assumer"], c.as_str());

    // Two levels: U -> C (Dev) -> C2 (Ops). Only C2's profile is written.
    rig.start(&c2).ok();
    let arn = rig.caller_arn("ops");
    assert!(arn.contains("assumed-role/Ops/bob-ops"), "ops profile is {arn}");
    let creds = rig.credentials();
    assert_eq!(
        ini_section_names(&creds),
        ["other", "ops"],
        "only [ops] may be added:\n{creds}"
    );
    assert!(ini_section(&creds, "base").is_none() && ini_section(&creds, "dev").is_none());
    assert_eq!(
        ini_section(&rig.config(), "profile ops")
            .and_then(|s| s.get("region").cloned())
            .as_deref(),
        Some(REGION)
    );
    let s2 = rig.session(&c2);
    assert_eq!(s2["status"], "active");
    assert!(s2["expiration"].as_str().is_some_and(is_rfc3339), "{s2}");

    // One level: C's own profile.
    rig.start(&c).ok();
    let arn = rig.caller_arn("dev");
    assert!(arn.contains("assumed-role/Dev/alice-dev"), "dev profile is {arn}");
    assert!(
        ini_section(&rig.credentials(), "base").is_none(),
        "the assumer's profile was written"
    );

    let token = ini_section(&rig.credentials(), "dev").expect("[dev]")["aws_session_token"].clone();
    assert_no_secret(&rig.state_text(), &[&token, &keys.secret], "state.json");

    rig.stop(&c2).ok();
    rig.stop(&c).ok();
    let now = rig.snapshot();
    assert_eq!(
        now.credentials, before.credentials,
        "credentials left changed after stops"
    );
    assert_eq!(now.config, before.config, "config left changed after stops");
}

#[test]
fn chained_session_on_mfa_user_uses_the_cached_token() {
    let keys = moto_user(&unique("chainmfa"));
    let rig = Rig::new();
    let (u, c) = (unique("u"), unique("c"));
    rig.add_user(
        &u,
        "base",
        &keys,
        &["--mfa-device", "arn:aws:iam::123456789012:mfa/alice"],
    )
    .ok();
    rig.add_chained(&c, "dev", DEV, "alice-dev", &u).ok();

    // Nothing cached yet: the chain needs the user's MFA code.
    let before = rig.snapshot();
    rig.start(&c).fails_with(&["--mfa-code"]);
    rig.assert_unchanged(&before, "starting a chain on an MFA user without a code");

    rig.keyhop(&["session", "start", &u, "--mfa-code", "123456"]).ok();
    rig.stop(&u).ok();
    // The user's session token is cached in the keyring: no code needed for the chain.
    rig.start(&c).ok();
    assert!(rig.caller_arn("dev").contains("assumed-role/Dev/alice-dev"));
}

#[test]
fn assumer_cycles_are_refused() {
    let rig = Rig::new();
    let (u, a, b) = (unique("u"), unique("a"), unique("b"));
    rig.add_user(&u, "base", &fake_keys(), &[]).ok();
    rig.add_chained(&a, "pa", DEV, "sess-a", &u).ok();
    rig.add_chained(&b, "pb", OPS, "sess-b", &a).ok();
    let before = rig.snapshot();

    rig.keyhop(&["session", "edit", &a, "--assumer", &b])
        .fails_with(&["cycle"]);
    rig.assert_unchanged(&before, "edit making a two-session cycle");
    rig.keyhop(&["session", "edit", &a, "--assumer", &a])
        .fails_with(&["cycle"]);
    rig.assert_unchanged(&before, "edit making a session assume from itself");
    assert_eq!(rig.session(&a)["assumer"], u.as_str());

    // A legal edit goes through (so the refusals above were about the cycle).
    rig.keyhop(&["session", "edit", &b, "--assumer", &u]).ok();
    assert_eq!(rig.session(&b)["assumer"], u.as_str());
}

#[test]
fn an_assumer_is_removed_only_after_its_dependants() {
    let rig = Rig::new();
    let keys = moto_user(&unique("rm"));
    let (u, c1, c2) = (unique("u"), unique("c1"), unique("c2"));
    rig.add_user(&u, "base", &keys, &[]).ok();
    rig.add_chained(&c1, "p1", DEV, "one", &u).ok();
    rig.add_chained(&c2, "p2", OPS, "two", &u).ok();
    let uid = rig.session(&u)["id"].as_str().expect("id").to_owned();
    assert!(
        keyring_items().contains(&uid),
        "no keyring item for the user session {uid}"
    );
    let before = rig.snapshot();

    rig.keyhop(&["session", "remove", &u]).fails_with(&[&c1, &c2, "assume"]);
    rig.assert_unchanged(&before, "removing an assumer that others depend on");
    assert!(keyring_items().contains(&uid), "a refused remove deleted keyring items");

    // Removing an active session stops it first.
    rig.start(&c1).ok();
    assert!(ini_section(&rig.credentials(), "p1").is_some());
    rig.keyhop(&["session", "remove", &c1]).ok();
    assert!(
        ini_section(&rig.credentials(), "p1").is_none(),
        "removed session's profile is still there"
    );
    rig.keyhop(&["session", "remove", &c2]).ok();
    rig.keyhop(&["session", "remove", &u]).ok();

    assert!(
        rig.list().is_empty(),
        "sessions left after removing all: {:?}",
        rig.list()
    );
    let items = keyring_items();
    assert!(
        !items.contains(&uid),
        "keyring items of removed session {uid} are still there:\n{items}"
    );
    assert!(
        !items.contains(&keys.secret),
        "the removed session's secret is still in the keyring"
    );
}
