//! `keyhop doctor [--json]`: one line per check, exit 1 on a fail, no secret in its output.

use crate::common;
use common::*;
use serde_json::Value;

fn doctor_json(rig: &Rig) -> (Option<i32>, Value, Out) {
    let out = rig.keyhop(&["doctor", "--json"]);
    let v: Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("doctor --json printed no JSON ({e}): {out}"));
    (out.status.code(), v, out)
}

fn check<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {v}"))
}

#[test]
fn a_healthy_setup_passes_and_names_each_check() {
    let keys = moto_user(&unique("doc"));
    let rig = Rig::new();
    let alias = unique("doc");
    rig.add_user(&alias, "doc", &keys, &[]).ok();
    let started = rig.start(&alias).ok();

    let (code, v, out) = doctor_json(&rig);
    assert_eq!(code, Some(0), "{out}");
    for (name, status) in [
        ("state", "ok"),
        ("keyring", "ok"),
        ("credentials-file", "ok"),
        ("config-file", "ok"),
        ("rotation", "ok"),
        ("clock", "ok"),
    ] {
        assert_eq!(check(&v, name)["status"], status, "{name}: {v}");
    }
    let session = check(&v, &format!("session {alias}"));
    assert_eq!(session["status"], "ok", "{v}");
    // The rig points every tool at moto: doctor says so.
    let env = check(&v, "environment");
    assert_eq!(env["status"], "warn", "{v}");
    assert!(env["message"].as_str().unwrap().contains("AWS_ENDPOINT_URL"), "{v}");

    // The plain form: one line per check, status first.
    let plain = rig.keyhop(&["doctor"]).ok();
    let lines: Vec<&str> = plain.stdout.lines().collect();
    assert_eq!(lines.len(), v["checks"].as_array().unwrap().len(), "{plain}");
    assert!(
        lines
            .iter()
            .all(|l| ["ok ", "warn", "fail"].iter().any(|s| l.starts_with(s))),
        "{plain}"
    );

    let token = ini_section(&rig.credentials(), "doc").expect("[doc]")["aws_session_token"].clone();
    let secret = ini_section(&rig.credentials(), "doc").expect("[doc]")["aws_secret_access_key"].clone();
    assert_no_secret(
        &(out.all() + &plain.all() + &started.all()),
        &[&token, &secret, &keys.secret],
        "doctor output",
    );
}

#[test]
fn shadowed_or_overwritten_profiles_fail() {
    let keys = moto_user(&unique("docfail"));
    let rig = Rig::new();
    let (shadowed, overwritten) = (unique("a"), unique("b"));
    rig.add_user(&shadowed, "shadowed", &keys, &[]).ok();
    rig.add_user(&overwritten, "overwritten", &keys, &[]).ok();
    rig.start(&shadowed).ok();
    rig.start(&overwritten).ok();
    rig.write_config(
        b"[profile shadowed]\nweb_identity_token_file = /var/run/token\nrole_arn = arn:aws:iam::123456789012:role/ci\n",
    );
    let creds = rig.credentials();
    let theirs = ini_section(&creds, "overwritten").unwrap()["aws_access_key_id"].clone();
    rig.write_credentials(creds.replace(&theirs, "AKIAOVERWRITTEN00000").as_bytes());

    let (code, v, out) = doctor_json(&rig);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(v["status"], "fail", "{v}");
    let first = check(&v, &format!("session {shadowed}"));
    assert_eq!(first["status"], "fail", "{v}");
    let msg = first["message"].as_str().unwrap();
    assert!(
        msg.contains("line 2 (web_identity_token_file)") && msg.contains("web identity"),
        "{msg}"
    );
    let second = check(&v, &format!("session {overwritten}"));
    assert_eq!(second["status"], "fail", "{v}");
    assert!(
        second["message"].as_str().unwrap().contains("AKIAOVERWRITTEN00000"),
        "{v}"
    );
}

#[test]
fn keys_the_rust_sdk_reads_first_warn_while_the_aws_cli_uses_keyhops() {
    let keys = moto_user(&unique("docrust"));
    let rig = Rig::new();
    let alias = unique("rust");
    rig.add_user(&alias, "rusty", &keys, &[]).ok();
    rig.start(&alias).ok();
    // Left by an earlier setup: botocore reads the credentials file first, aws-config does not.
    rig.write_config(b"[profile rusty]\nregion = us-east-1\ncredential_process = /bin/false\n");

    let (code, v, out) = doctor_json(&rig);
    assert_eq!(code, Some(0), "a warning is not a failure: {out}");
    let session = check(&v, &format!("session {alias}"));
    assert_eq!(session["status"], "warn", "{v}");
    let msg = session["message"].as_str().unwrap();
    assert!(
        msg.contains("line 3 (credential_process)") && msg.contains("AWS SDK for Rust"),
        "{msg}"
    );
    // What the warning says of the AWS CLI holds: it still reads keyhop's keys.
    assert!(
        rig.caller_arn("rusty").contains(":user/"),
        "the AWS CLI should use keyhop's keys"
    );
}

#[cfg(unix)]
#[test]
fn a_readable_credentials_file_warns_and_an_unreachable_sts_is_bounded() {
    use std::os::unix::fs::PermissionsExt;
    let rig = Rig::with_endpoint(&closed_port_url());
    rig.write_credentials(b"[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n");
    std::fs::set_permissions(rig.credentials_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let started = std::time::Instant::now();
    let (code, v, out) = doctor_json(&rig);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "doctor took {:?}",
        started.elapsed()
    );
    assert_eq!(code, Some(0), "warnings only: {out}");
    let f = check(&v, "credentials-file");
    assert_eq!(f["status"], "warn", "{v}");
    assert!(f["message"].as_str().unwrap().contains("chmod 600"), "{v}");
    let c = check(&v, "clock");
    assert_eq!(c["status"], "warn", "{v}");
    assert!(c["message"].as_str().unwrap().contains("cannot compare"), "{v}");
}

#[test]
fn a_file_botocore_refuses_fails() {
    let rig = Rig::new();
    rig.write_config(b"[profile a]\nregion = eu-west-1\n[profile a]\n");
    let (code, v, out) = doctor_json(&rig);
    assert_eq!(code, Some(1), "{out}");
    let f = check(&v, "config-file");
    assert_eq!(f["status"], "fail", "{v}");
    assert!(f["message"].as_str().unwrap().contains("line 3"), "{v}");
}

#[test]
fn the_sign_in_window_is_found_beside_keyhop_or_missed_with_what_to_do() {
    let rig = Rig::new();
    // The test build: keyhop-signin is beside keyhop (cargo builds both into one directory).
    let (_, v, _) = doctor_json(&rig);
    let found = check(&v, "sign-in-window");
    assert_eq!(found["status"], "ok", "{v}");
    let beside = std::path::Path::new(keyhop_bin()).with_file_name("keyhop-signin");
    assert!(
        found["message"]
            .as_str()
            .unwrap()
            .contains(&beside.display().to_string()),
        "{found}"
    );

    // A keyhop alone in its directory (a link, not a copy: current_exe is the link's path).
    let alone = tempfile::tempdir().expect("temp dir");
    let bin = alone.path().join("keyhop");
    if std::fs::hard_link(keyhop_bin(), &bin).is_err() {
        std::fs::copy(keyhop_bin(), &bin).expect("copy keyhop");
    }
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["doctor", "--json"]);
    rig.apply_env(&mut cmd);
    let out = run(cmd, "", "keyhop doctor --json (alone)");
    let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("no JSON ({e}): {out}"));
    let missed = check(&v, "sign-in-window");
    assert_eq!(missed["status"], "warn", "{v}");
    let message = missed["message"].as_str().unwrap();
    assert!(
        message.contains("keyhop-signin") && message.contains("--saml-response-file"),
        "{missed}"
    );
}
