//! IAM Role Federated (SAML 2.0): keyhop against the rig's SAML IdP (`xtask/rig/saml_idp.py`),
//! its assertions fetched as a browser would (`xtask/rig/saml_browser.py`), STS on moto, the
//! AWS CLI as the judge of what was written.

use crate::common;
use common::*;
use serde_json::{Value, json};

const ACCOUNT_A: &str = "111111111111";
const ACCOUNT_B: &str = "222222222222";

fn two_roles() -> Value {
    json!([saml_role(ACCOUNT_A, "Admin"), saml_role(ACCOUNT_B, "ReadOnly")])
}

fn arn_role(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

fn arn_provider(account: &str) -> String {
    format!("arn:aws:iam::{account}:saml-provider/rig")
}

/// `keyhop ARGS` with no display (the run's DISPLAY removed): where no sign-in window can open.
fn headless(rig: &Rig, args: &[&str]) -> Out {
    let mut cmd = std::process::Command::new(keyhop_bin());
    rig.apply_env(&mut cmd);
    cmd.args(args).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    run(cmd, "", &format!("keyhop {}", args.join(" ")))
}

/// The assertion in a file of the rig's temp dir, as a script would save it.
fn saved(rig: &Rig, response: &str) -> String {
    let path = rig.home.join(format!("{}.saml", unique("assertion")));
    std::fs::write(&path, format!("{response}\n")).expect("write the assertion");
    path.display().to_string()
}

#[test]
fn roles_lists_every_pair_the_idp_assigns_from_a_file_or_stdin() {
    let rig = Rig::new();
    let idp = Idp::create(&json!({"roles": two_roles()}));
    let response = Idp::sign_in_at(&idp.sso_url);
    let file = saved(&rig, &response);
    let out = rig
        .keyhop(&[
            "saml",
            "roles",
            "--idp-url",
            &idp.sso_url,
            "--saml-response-file",
            &file,
        ])
        .ok();
    let lines: Vec<Vec<&str>> = out.stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(
        lines,
        vec![
            vec!["ROLE", "SAML", "PROVIDER"],
            vec![arn_role(ACCOUNT_A, "Admin").as_str(), arn_provider(ACCOUNT_A).as_str()],
            vec![
                arn_role(ACCOUNT_B, "ReadOnly").as_str(),
                arn_provider(ACCOUNT_B).as_str()
            ],
        ],
        "{out}"
    );
    let out = rig
        .keyhop_in(&["saml", "roles", "--json", "--saml-response-file", "-"], &response)
        .ok();
    let roles: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        roles,
        json!([
            {"role_arn": arn_role(ACCOUNT_A, "Admin"), "principal_arn": arn_provider(ACCOUNT_A), "role_name": "Admin", "account_id": ACCOUNT_A},
            {"role_arn": arn_role(ACCOUNT_B, "ReadOnly"), "principal_arn": arn_provider(ACCOUNT_B), "role_name": "ReadOnly", "account_id": ACCOUNT_B},
        ])
    );
}

#[test]
fn roles_reads_pairs_that_name_the_provider_first() {
    let rig = Rig::new();
    let idp = Idp::create(&json!({"roles": two_roles(), "provider_first": true}));
    let response = Idp::sign_in_at(&idp.sso_url);
    let out = rig
        .keyhop_in(&["saml", "roles", "--json", "--saml-response-file", "-"], &response)
        .ok();
    let roles: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(roles[0]["role_arn"], json!(arn_role(ACCOUNT_A, "Admin")), "{out}");
    assert_eq!(roles[0]["principal_arn"], json!(arn_provider(ACCOUNT_A)), "{out}");
}

#[test]
fn a_stale_or_foreign_assertion_is_refused_with_its_reason() {
    let rig = Rig::new();
    for (mode, words) in [
        ("expired", &["assertion expired at", "sign in at the IdP again"][..]),
        (
            "foreign",
            &["https://sp.example.com/saml/acs", "not to AWS's SAML endpoint"][..],
        ),
    ] {
        let idp = Idp::create(&json!({"roles": two_roles(), "mode": mode}));
        let response = Idp::sign_in_at(&idp.sso_url);
        let out = rig
            .keyhop_in(&["saml", "roles", "--saml-response-file", "-"], &response)
            .fails_with(words);
        assert!(out.stdout.is_empty(), "{mode}: {out}");
        assert!(
            !out.all().contains(&response[..40]),
            "{mode}: the assertion was shown: {out}"
        );
    }
}

#[test]
fn without_an_assertion_it_says_how_to_give_one() {
    let rig = Rig::new();
    let idp = Idp::create(&json!({"roles": two_roles()}));
    headless(&rig, &["saml", "roles", "--idp-url", &idp.sso_url]).fails_with(&[
        "no SAML assertion",
        "no display",
        "--saml-response-file",
    ]);
    let missing = rig.home.join("nothing-here.saml");
    rig.keyhop(&["saml", "roles", "--saml-response-file", missing.to_str().unwrap()])
        .fails_with(&["cannot read the SAML response", "nothing-here.saml"]);
    rig.keyhop_in(&["saml", "roles", "--saml-response-file", "-"], "not an assertion\n")
        .fails_with(&["not base64"]);
    rig.keyhop(&["saml", "roles", "--idp-url", "http://idp.example.com/sso"])
        .fails_with(&["IdP URL", "https"]);
}

/// `session add saml` for the IdP's role in ACCOUNT_A, in REGION.
fn add_saml(rig: &Rig, alias: &str, profile: &str, idp: &Idp, extra: &[&str]) -> Out {
    let (role, provider) = (arn_role(ACCOUNT_A, "Admin"), arn_provider(ACCOUNT_A));
    let mut args = add_saml_args(alias, profile, &idp.sso_url, &role, &provider);
    args.extend_from_slice(extra);
    rig.keyhop(&args)
}

#[test]
fn a_saml_session_starts_from_a_saved_assertion_and_the_aws_cli_uses_it() {
    let rig = Rig::new();
    let idp = Idp::create(&json!({"roles": two_roles()}));
    add_saml(&rig, "fed", "fed", &idp, &["--duration", "2h"]).ok();
    let session = rig.session("fed");
    assert_eq!(session["kind"], json!("aws-saml"), "{session}");
    assert_eq!(session["idp_url"], json!(idp.sso_url), "{session}");
    assert_eq!(session["principal_arn"], json!(arn_provider(ACCOUNT_A)), "{session}");
    assert_eq!(session["role_arn"], json!(arn_role(ACCOUNT_A, "Admin")), "{session}");
    // moto takes one Role value: the assertion of the IdP's sign-in URL narrowed to the role.
    let file = saved(&rig, &Idp::sign_in_at(&idp.url_for(&arn_role(ACCOUNT_A, "Admin"))));
    let out = rig
        .keyhop(&["session", "start", "fed", "--saml-response-file", &file])
        .ok();
    assert!(out.stdout.contains("Started \"fed\""), "{out}");
    // The AWS CLI signs a call with what was written, and moto answers it.
    let arn = rig.caller_arn("fed");
    assert!(arn.starts_with("arn:aws:sts::"), "{arn}");
    assert!(rig.credentials().contains("[fed]"), "{}", rig.credentials());
    rig.stop("fed").ok();
    assert!(!rig.credentials().contains("[fed]"), "{}", rig.credentials());
}

#[test]
fn a_role_chained_on_a_saml_session_starts_from_the_assertion_on_stdin() {
    let rig = Rig::new();
    let idp = Idp::create(&json!({"roles": two_roles()}));
    add_saml(&rig, "fed", "fed", &idp, &[]).ok();
    let deploy = arn_role(ACCOUNT_B, "Deploy");
    rig.add_chained("deploy", "deploy", &deploy, "me", "fed").ok();
    let response = Idp::sign_in_at(&idp.url_for(&arn_role(ACCOUNT_A, "Admin")));
    rig.keyhop_in(&["session", "start", "deploy", "--saml-response-file", "-"], &response)
        .ok();
    let arn = rig.caller_arn("deploy");
    assert_eq!(arn, format!("arn:aws:sts::{ACCOUNT_B}:assumed-role/Deploy/me"));
}

#[test]
fn a_stale_foreign_or_unoffered_assertion_starts_nothing_and_changes_no_byte() {
    let rig = Rig::new();
    rig.write_credentials(b"# mine\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n");
    let good = Idp::create(&json!({"roles": two_roles()}));
    add_saml(&rig, "fed", "fed", &good, &[]).ok();
    let before = rig.snapshot();
    let only_b = Idp::create(&json!({"roles": [saml_role(ACCOUNT_B, "ReadOnly")]}));
    for (idp, words) in [
        (
            Idp::create(&json!({"roles": two_roles(), "mode": "expired"})),
            &["expired at"][..],
        ),
        (
            Idp::create(&json!({"roles": two_roles(), "mode": "foreign"})),
            &["https://sp.example.com/saml/acs"][..],
        ),
        (only_b, &["does not offer role", "ReadOnly"][..]),
    ] {
        let response = Idp::sign_in_at(&idp.sso_url);
        let out = rig
            .keyhop_in(&["session", "start", "fed", "--saml-response-file", "-"], &response)
            .fails_with(words);
        assert!(!out.all().contains(&response[..40]), "the assertion was shown: {out}");
        rig.assert_unchanged(&before, "a refused assertion");
    }
}

#[test]
fn a_start_without_an_assertion_says_how_to_give_one() {
    let rig = Rig::new();
    let idp = Idp::create(&json!({"roles": two_roles()}));
    add_saml(&rig, "fed", "fed", &idp, &[]).ok();
    let before = rig.snapshot();
    headless(&rig, &["session", "start", "fed"]).fails_with(&[
        "no SAML assertion",
        &idp.sso_url,
        "no display",
        "--saml-response-file",
    ]);
    rig.assert_unchanged(&before, "a start without an assertion");
    let out = add_saml(&rig, "bad", "bad", &idp, &["--duration", "13h"]);
    assert!(!out.success() && out.stderr.contains("43200"), "{out}");
}

#[test]
fn exec_export_and_credential_process_take_the_assertion_too() {
    let rig = Rig::new();
    let idp = Idp::create(&json!({"roles": two_roles()}));
    for alias in ["fed-exec", "fed-export", "fed-cp"] {
        add_saml(&rig, alias, alias, &idp, &[]).ok();
    }
    let url = idp.url_for(&arn_role(ACCOUNT_A, "Admin"));
    // Without an assertion (and no display for the window), each says how to give one.
    headless(&rig, &["export", "fed-export", "--format", "json"])
        .fails_with(&["no SAML assertion", "--saml-response-file"]);
    let file = saved(&rig, &Idp::sign_in_at(&url));
    let out = rig
        .keyhop(&[
            "exec",
            "fed-exec",
            "--saml-response-file",
            &file,
            "--",
            "aws",
            "sts",
            "get-caller-identity",
        ])
        .ok();
    assert!(out.stdout.contains("\"Arn\": \"arn:aws:sts::"), "{out}");
    let out = rig
        .keyhop_in(
            &["export", "fed-export", "--format", "json", "--saml-response-file", "-"],
            &Idp::sign_in_at(&url),
        )
        .ok();
    let exported: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(exported["Version"], json!(1), "{out}");
    let file = saved(&rig, &Idp::sign_in_at(&url));
    rig.keyhop(&["credential-process", "fed-cp", "--saml-response-file", &file])
        .ok();
    // The AWS CLI runs the credential process itself, with no assertion: the credentials the
    // first call got are still good, so it needs none.
    rig.write_config(
        format!(
            "[profile via-cp]\nregion = {REGION}\ncredential_process = {} credential-process fed-cp\n",
            keyhop_bin()
        )
        .as_bytes(),
    );
    let arn = rig.caller_arn("via-cp");
    assert!(arn.starts_with("arn:aws:sts::"), "{arn}");
}
