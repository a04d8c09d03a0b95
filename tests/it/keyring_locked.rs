//! A locked or missing OS keyring: a clear error, and nothing written anywhere. Runs keyhop in
//! a private D-Bus session of its own, so locking that keyring cannot disturb other tests.

use crate::common;
use common::*;
use std::process::Command;

const LOCK_AND_RUN: &str = r#"eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
dbus-send --session --dest=org.freedesktop.secrets --type=method_call --print-reply \
  /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
  array:objpath:/org/freedesktop/secrets/collection/login >/dev/null
exec "$@""#;

#[test]
fn a_locked_keyring_is_reported_and_nothing_changes() {
    let keys = fake_keys();
    let rig = Rig::new();
    let before = rig.snapshot();
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", LOCK_AND_RUN, "sh", keyhop_bin()])
        .args([
            "session",
            "add",
            "iam-user",
            "--alias",
            "locked",
            "--profile",
            "p",
            "--region",
            "us-east-1",
        ])
        .args(["--access-key-id", &keys.id]);
    rig.apply_env(&mut cmd);
    // No display: the keyring cannot pop up an unlock prompt, as on a headless login.
    cmd.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    let dirs = tempfile::tempdir().unwrap();
    own_keyring_dirs(&mut cmd, dirs.path());
    let out = run(
        cmd,
        &format!("{}\n", keys.secret),
        "keyhop session add with a locked keyring",
    );
    // dbus-daemon and gnome-keyring share this stderr; keyhop's own part is its one line.
    assert!(!out.success(), "{out}");
    let ours: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("keyhop")).collect();
    assert_eq!(ours.len(), 1, "{out}");
    assert!(ours[0].contains("keyring") && ours[0].contains("locked"), "{out}");
    assert_no_secret(&out.all(), &[&keys.secret], "the locked-keyring error");
    rig.assert_unchanged(&before, "an add refused by a locked keyring");
    assert!(!rig.state_path().exists(), "state.json was written");
}

#[test]
fn no_secret_service_at_all_is_reported() {
    let keys = fake_keys();
    let rig = Rig::new();
    let before = rig.snapshot();
    let mut cmd = Command::new(keyhop_bin());
    cmd.args([
        "session",
        "add",
        "iam-user",
        "--alias",
        "nobus",
        "--profile",
        "p",
        "--region",
        "us-east-1",
    ])
    .args(["--access-key-id", &keys.id]);
    rig.apply_env(&mut cmd);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/keyhop-test-bus");
    let out = run(
        cmd,
        &format!("{}\n", keys.secret),
        "keyhop session add without a Secret Service",
    );
    out.fails_with(&["keyring", "unavailable"]);
    rig.assert_unchanged(&before, "an add without a keyring");
}
