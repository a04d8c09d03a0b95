//! STS failures: an endpoint that does not answer, keys that STS rejects. Each test has its own
//! endpoint (a closed port, a private moto in auth mode); the shared moto is never changed.

use crate::common;
use common::*;

#[test]
fn unreachable_sts_names_the_endpoint_and_writes_nothing() {
    let url = closed_port_url();
    let rig = Rig::with_endpoint(&url);
    rig.write_credentials(b"[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n");
    let keys = fake_keys();
    let (u, c) = (unique("u"), unique("c"));
    rig.add_user(&u, "base", &keys, &[]).ok();
    rig.add_chained(&c, "dev", "arn:aws:iam::123456789012:role/Dev", "alice-dev", &u)
        .ok();
    let before = rig.snapshot();

    let out = rig.start(&u).fails_with(&[&url]);
    assert_no_secret(&out.all(), &[&keys.secret], "the error");
    rig.assert_unchanged(&before, "start against an unreachable STS");
    rig.start(&c).fails_with(&[&url]);
    rig.assert_unchanged(&before, "chained start against an unreachable STS");
    assert_eq!(rig.session(&u)["status"], "inactive");
    assert_eq!(rig.session(&c)["status"], "inactive");
    rig.keyhop(&["credential-process", &u]).fails_with(&[&url]);
}

#[test]
fn keys_rejected_by_sts_are_reported_and_nothing_is_written() {
    let moto = PrivateMoto::start();
    moto.enable_auth();
    let rig = Rig::with_endpoint(&moto.url);
    let keys = fake_keys();
    let alias = unique("rejected");
    rig.add_user(&alias, "base", &keys, &[]).ok();
    let before = rig.snapshot();

    let out = rig.start(&alias);
    assert!(!out.success(), "STS in auth mode accepted unknown keys: {out}");
    let lower = out.stderr.to_lowercase();
    assert!(
        lower.contains("invalid") || lower.contains("rejected"),
        "message does not say the keys were refused: {out}"
    );
    let out = out.fails_with(&[]);
    assert_no_secret(&out.all(), &[&keys.secret], "the error");
    rig.assert_unchanged(&before, "start with keys STS rejects");
    assert_eq!(rig.session(&alias)["status"], "inactive");
}
