//! `keyhop settings list|get|set`: every setting of the Settings window, one source of truth.
//! Start at login is the system's autostart entry, so `settings` and `autostart` agree.

use crate::common;
use common::*;

#[test]
fn settings_are_listed_changed_and_checked() {
    let rig = Rig::new();
    let list = rig.keyhop(&["settings", "list", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&list.stdout).expect("JSON");
    for key in [
        "start-at-login",
        "notify-lead-minutes",
        "refresh-margin-minutes",
        "default-region",
        "default-duration-seconds",
        "stop-all-on-quit",
    ] {
        assert!(v.get(key).is_some(), "no {key} in {v}");
    }
    assert_eq!(v["refresh-margin-minutes"], 5);

    rig.keyhop(&["settings", "set", "default-region", "eu-north-1"]).ok();
    assert_eq!(
        rig.keyhop(&["settings", "get", "default-region"]).ok().stdout.trim(),
        "eu-north-1"
    );
    rig.keyhop(&["settings", "set", "default-duration-seconds", "3600"])
        .ok();

    // A new IAM user gets the default duration from the settings.
    let keys = fake_keys();
    rig.keyhop_in(
        &[
            "session",
            "add",
            "iam-user",
            "--alias",
            "s",
            "--profile",
            "s",
            "--region",
            REGION,
            "--access-key-id",
            &keys.id,
        ],
        &format!("{}\n", keys.secret),
    )
    .ok();
    let sessions: serde_json::Value =
        serde_json::from_str(&rig.keyhop(&["session", "list", "--json"]).ok().stdout).unwrap();
    assert_eq!(sessions[0]["duration_seconds"], 3600);

    let before = rig.snapshot();
    let settings_before = std::fs::read(rig.keyhop_home.join("settings.json")).unwrap();
    for (key, bad, word) in [
        ("refresh-margin-minutes", "0", "refresh margin"),
        ("notify-lead-minutes", "soon", "whole number"),
        ("default-region", "mars-1", "region"),
        ("default-duration-seconds", "60", "duration"),
        ("stop-all-on-quit", "maybe", "true or false"),
        ("no-such-key", "1", "no setting named"),
    ] {
        rig.keyhop(&["settings", "set", key, bad]).fails_with(&[word]);
    }
    rig.assert_unchanged(&before, "refused settings");
    assert_eq!(
        std::fs::read(rig.keyhop_home.join("settings.json")).unwrap(),
        settings_before
    );
}

#[test]
fn start_at_login_is_the_autostart_entry() {
    let rig = Rig::new();
    assert_eq!(
        rig.keyhop(&["settings", "get", "start-at-login"]).ok().stdout.trim(),
        "false"
    );
    rig.keyhop(&["settings", "set", "start-at-login", "true"]).ok();
    let entry = rig.home.join(".config/autostart/keyhop.desktop");
    assert!(entry.exists(), "no autostart entry at {}", entry.display());
    assert!(rig.keyhop(&["autostart", "status"]).ok().stdout.contains("enabled"));
    // Changed behind its back: `settings` reads the system, not a copy.
    rig.keyhop(&["autostart", "disable"]).ok();
    assert!(!entry.exists());
    assert_eq!(
        rig.keyhop(&["settings", "get", "start-at-login", "--json"])
            .ok()
            .stdout
            .trim(),
        "false"
    );
}
