//! Shadowed profiles: a config profile whose assume-role, web identity or SSO keys make every
//! AWS tool skip `~/.aws/credentials` is refused (exit 5, nothing written); keys that come
//! after the credentials file (`credential_process`, static keys in config) are not.

use crate::common;
use common::*;

const EXIT_SHADOWED: i32 = 5;

fn shadowing_config(profile: &str) -> String {
    format!(
        "# the AWS CLI wrote this\n[profile {profile}]\nrole_arn = arn:aws:iam::123456789012:role/other\nsource_profile = base\n\n[profile base]\nregion = {REGION}\n"
    )
}

#[test]
fn start_of_a_shadowed_profile_is_refused_and_writes_nothing() {
    let keys = moto_user(&unique("shadow"));
    let rig = Rig::new();
    let alias = unique("dev");
    rig.add_user(&alias, "dev", &keys, &[]).ok();
    rig.write_config(shadowing_config("dev").as_bytes());
    rig.write_credentials(b"[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n");
    let before = rig.snapshot();

    let out = rig.start(&alias);
    assert_eq!(out.status.code(), Some(EXIT_SHADOWED), "{out}");
    let config = rig.config_path().display().to_string();
    out.fails_with(&[
        &config,
        "line 3 (role_arn)",
        "line 4 (source_profile)",
        "assume a role",
        "another profile name",
        "remove those lines",
    ]);
    rig.assert_unchanged(&before, "a refused start");

    // The first way out: another profile name for the session.
    rig.keyhop(&["session", "edit", &alias, "--profile", "dev-keyhop"]).ok();
    rig.start(&alias).ok();
    assert!(rig.caller_arn("dev-keyhop").contains("123456789012"));
}

#[test]
fn add_and_edit_onto_a_shadowed_profile_are_refused() {
    let keys = moto_user(&unique("shadowadd"));
    let rig = Rig::new();
    rig.write_config(
        b"[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
    );
    let before = rig.snapshot();
    let out = rig.add_user(&unique("a"), "sso", &keys, &[]);
    assert_eq!(out.status.code(), Some(EXIT_SHADOWED), "{out}");
    out.fails_with(&["line 2 (sso_session)", "sso_account_id", "IAM Identity Center"]);
    rig.assert_unchanged(&before, "a refused add");

    let alias = unique("b");
    rig.add_user(&alias, "plain", &keys, &[]).ok();
    let before = rig.snapshot();
    let out = rig.keyhop(&["session", "edit", &alias, "--profile", "sso"]);
    assert_eq!(out.status.code(), Some(EXIT_SHADOWED), "{out}");
    rig.assert_unchanged(&before, "a refused edit");
}

#[test]
fn credential_process_and_config_keys_do_not_shadow() {
    let keys = moto_user(&unique("noshadow"));
    let rig = Rig::new();
    let (a, b) = (unique("cp"), unique("static"));
    rig.add_user(&a, "cp", &keys, &[]).ok();
    rig.add_user(&b, "static", &keys, &[]).ok();
    // `false` fails: a call that works proves the credentials file won.
    rig.write_config(
        b"[profile cp]\ncredential_process = false\n[profile static]\naws_access_key_id = AKIACONFIGKEY0000000\naws_secret_access_key = config-secret\n",
    );
    rig.start(&a).ok();
    rig.start(&b).ok();
    assert!(rig.caller_arn("cp").contains("123456789012"));
    assert!(rig.caller_arn("static").contains("123456789012"));
    // The AWS CLI's botocore hands out exactly what keyhop wrote.
    for profile in ["cp", "static"] {
        let written = ini_section(&rig.credentials(), profile).expect("profile written")["aws_access_key_id"].clone();
        let mut cmd = std::process::Command::new("python3");
        cmd.args([
            "-c",
            "import sys, botocore.session as s; print(s.Session(profile=sys.argv[1]).get_credentials().access_key)",
            profile,
        ]);
        rig.apply_env(&mut cmd);
        let out = run(cmd, "", "botocore get_credentials").ok();
        assert_eq!(out.stdout.trim(), written, "{profile}: botocore reads other keys");
    }
    for s in rig.list() {
        assert!(s["shadowed_by"].is_null(), "{s}");
    }
}

#[test]
fn session_list_json_says_what_shadows_a_profile() {
    let keys = moto_user(&unique("shadowlist"));
    let rig = Rig::new();
    let (a, b) = (unique("a"), unique("b"));
    rig.add_user(&a, "dev", &keys, &[]).ok();
    rig.add_user(&b, "ok", &keys, &[]).ok();
    rig.write_config(shadowing_config("dev").as_bytes());
    assert_eq!(
        rig.session(&a)["shadowed_by"],
        serde_json::json!(["role_arn", "source_profile"])
    );
    assert!(rig.session(&b)["shadowed_by"].is_null());
}
