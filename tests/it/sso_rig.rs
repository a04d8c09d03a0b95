//! The IAM Identity Center rig server (`xtask/rig/sso_server.py`) that `cargo xtask test` starts
//! passes its own test (`xtask/rig/sso_server_test.py`, boto3's `sso-oidc` and `sso` clients
//! against it): keyhop's SSO tests may trust it to answer as the real service does.

use std::path::Path;
use std::process::Command;

fn rig_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: this test needs the IAM Identity Center rig server and moto. Run it with \
             `cargo xtask test` (it installs and starts both)."
        )
    })
}

#[test]
fn the_sso_rig_server_passes_its_own_test() {
    passes("sso_server_test");
}

/// The rig's sign-in federation endpoint (`xtask/rig/federation_test.py`): the console tests
/// may trust it to refuse what AWS refuses.
#[test]
fn the_federation_endpoint_of_the_rig_passes_its_own_test() {
    passes("federation_test");
}

/// Runs `xtask/rig/<name>.py` against the rig; panics unless it reports no failure.
fn passes(name: &str) {
    let sso = rig_var("KEYHOP_TEST_SSO");
    let moto = rig_var("KEYHOP_TEST_MOTO");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("xtask/rig/{name}.py"));
    let out = Command::new("python3")
        .arg(&script)
        .env("KEYHOP_TEST_SSO", &sso)
        .env("KEYHOP_TEST_MOTO", &moto)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run python3 (run the tests with `cargo xtask test`)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed ({}) against {sso}:\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        script.display(),
        out.status
    );
    assert!(
        stdout.contains(&format!("{name}: ")) && stdout.contains(" 0 failed"),
        "no summary line from {}:\n{stdout}\n{stderr}",
        script.display()
    );
}
