//! Differential test of `shadow.rs` against botocore's own credential chain.
//!
//! proptest builds config and credentials files from the keys of every provider (assume-role,
//! web identity, SSO with and without `[sso-session]`, `credential_process`, static keys), in
//! mixed case, under `[default]`, `[profile X]`, configparser's `[DEFAULT]`, with comments.
//! keyhop's keys are written into the target profile as `AwsFiles` would; then one `python3`
//! per batch asks botocore `Session(profile=P).get_credentials()` for each case (every network
//! connection refused and recorded: assume-role, web identity and SSO only build deferred
//! credentials, and this proves it). keyhop must call the profile shadowed exactly when
//! botocore's credentials do not come from the shared credentials file.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use serde_json::{Value, json};

use super::shadow::{Provider, Resolver};
use super::{AwsFiles, CREDENTIAL_KEYS, IniDoc};

/// What keyhop writes (values no generated file uses, so no `[sso-session]` agrees by chance).
const WRITTEN: [&str; 4] = [
    "ASIAKEYHOPSHADOW0001",
    "keyhopSecretValue0000000000000000000000000",
    "keyhopSessionToken",
    "2030-01-01T00:00:00Z",
];

/// botocore's verdict per case: `Ok(method)`, or `Err(exception class)` when it raises.
fn botocore_methods(cases: &[(String, String, String)]) -> Vec<Result<String, String>> {
    const SCRIPT: &str = r#"
import json, os, socket, sys
attempts = []
def refuse(self, address, *a, **k):
    attempts.append(str(address))
    raise OSError("network disabled in this test")
socket.socket.connect = refuse
socket.create_connection = lambda address, *a, **k: refuse(None, address)
import botocore.session
for k in [k for k in os.environ if k.startswith("AWS_")]:
    del os.environ[k]
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
out = []
for config, credentials, profile in json.load(sys.stdin):
    os.environ["AWS_CONFIG_FILE"] = config
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = credentials
    try:
        creds = botocore.session.Session(profile=profile).get_credentials()
        out.append({"ok": None if creds is None else creds.method})
    except Exception as e:
        out.append({"err": type(e).__name__})
json.dump({"results": out, "network": attempts}, sys.stdout)
"#;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut jobs = vec![];
    for (i, (config, credentials, profile)) in cases.iter().enumerate() {
        let c = dir.path().join(format!("config{i}"));
        let k = dir.path().join(format!("credentials{i}"));
        std::fs::write(&c, config).expect("write config");
        std::fs::write(&k, credentials).expect("write credentials");
        jobs.push(json!([c, k, profile]));
    }
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .env("PYTHONUTF8", "1")
        .env("HOME", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("this test needs python3 with botocore (run it with `cargo xtask test`, which installs it)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(json!(jobs).to_string().as_bytes())
        .expect("write to python3");
    let out = child.wait_with_output().expect("wait for python3");
    assert!(
        out.status.success(),
        "python3 with botocore failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("python3 printed JSON");
    assert_eq!(v["network"], json!([]), "botocore tried to reach the network");
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| match (r.get("ok"), r.get("err")) {
            (Some(ok), _) => Ok(ok.as_str().unwrap_or("none").to_owned()),
            (_, Some(err)) => Err(err.as_str().unwrap_or_default().to_owned()),
            _ => panic!("unexpected output {r}"),
        })
        .collect()
}

// ---- the grammar -------------------------------------------------------------------------

/// The profiles cases ask about, and that `source_profile` names.
const PROFILES: [&str; 4] = ["dev", "default", "base", "a b"];

/// A key with values botocore treats differently (empty, valid, unknown).
fn key_line() -> impl Strategy<Value = String> {
    let pairs: Vec<(&str, Vec<&str>)> = vec![
        ("role_arn", vec!["arn:aws:iam::123456789012:role/r", ""]),
        ("source_profile", vec!["dev", "base", "default", "missing", ""]),
        (
            "credential_source",
            vec!["Environment", "EcsContainer", "Ec2InstanceMetadata", "Bogus"],
        ),
        ("web_identity_token_file", vec!["/nonexistent/token", ""]),
        ("role_session_name", vec!["me"]),
        ("sso_account_id", vec!["111122223333"]),
        ("sso_role_name", vec!["Admin"]),
        (
            "sso_start_url",
            vec!["https://d-1.awsapps.com/start", "https://other/start"],
        ),
        ("sso_region", vec!["eu-west-1", "us-east-1"]),
        ("sso_session", vec!["corp", "nope"]),
        ("credential_process", vec!["false"]),
        ("aws_access_key_id", vec!["AKIAEXAMPLEEXAMPLE01"]),
        ("aws_secret_access_key", vec!["secret"]),
        ("region", vec!["eu-west-1"]),
    ];
    (prop::sample::select(pairs), any::<prop::sample::Index>(), 0..4u8).prop_map(|((key, values), i, case)| {
        let key = match case {
            0 => key.to_uppercase(),
            1 => key
                .char_indices()
                .map(|(n, c)| if n % 2 == 0 { c.to_ascii_uppercase() } else { c })
                .collect(),
            _ => key.to_owned(),
        };
        format!("{key} = {}", values[i.index(values.len())])
    })
}

fn header(config: bool) -> impl Strategy<Value = String> {
    let names: Vec<String> = if config {
        let mut v: Vec<String> = PROFILES
            .iter()
            .filter(|p| **p != "a b")
            .map(|p| format!("profile {p}"))
            .collect();
        v.extend(
            [
                "default",
                "profile \"a b\"",
                "profile  dev",
                "sso-session corp",
                "sso-session  corp",
                "sso-session other",
                "DEFAULT",
                "dev",
            ]
            .map(str::to_owned),
        );
        v
    } else {
        ["dev", "default", "base", "a b", "profile dev", "DEFAULT"]
            .map(str::to_owned)
            .to_vec()
    };
    prop::sample::select(names).prop_map(|n| format!("[{n}]"))
}

fn body_line() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => key_line(),
        1 => Just("# role_arn = commented out".to_owned()),
        1 => Just("; sso_account_id = 1".to_owned()),
        1 => Just(String::new()),
    ]
}

/// A file: sections with a few keys each; repeated sections and keys are dropped, since
/// botocore refuses such files (`botocore_tests.rs` checks that keyhop refuses them too).
fn file(config: bool) -> impl Strategy<Value = String> {
    let section = (header(config), prop::collection::vec(body_line(), 0..5));
    prop::collection::vec(section, 0..5).prop_map(|sections| {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = String::new();
        for (h, body) in sections {
            if !seen.insert(h.clone()) {
                continue;
            }
            out.push_str(&h);
            out.push('\n');
            let mut keys = std::collections::BTreeSet::new();
            for line in body {
                let key = line.split(" = ").next().unwrap_or_default().to_lowercase();
                if line.contains(" = ") && !line.starts_with(['#', ';']) && !keys.insert(key) {
                    continue;
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    })
}

fn written(credentials: &str, profile: &str) -> String {
    let mut doc = IniDoc::parse(credentials);
    for (k, v) in CREDENTIAL_KEYS.iter().zip(WRITTEN) {
        doc.set(profile, k, v);
    }
    doc.render()
}

fn method(p: Provider) -> &'static str {
    match p {
        Provider::AssumeRole => "assume-role",
        Provider::WebIdentity => "assume-role-with-web-identity",
        Provider::Sso => "sso",
    }
}

static CASES: AtomicUsize = AtomicUsize::new(0);

/// Checks a batch; `Err` describes the first disagreement.
fn check(cases: &[(String, String, String)]) -> Result<(), String> {
    let files = AwsFiles {
        config: "/c/config".into(),
        credentials: "/c/credentials".into(),
    };
    let written: Vec<(String, String, String)> = cases
        .iter()
        .map(|(c, k, p)| (c.clone(), written(k, p), p.clone()))
        .collect();
    let boto = botocore_methods(&written);
    for ((config, credentials, profile), b) in cases.iter().zip(boto) {
        let resolver = Resolver::from_texts(&files, Some(config), Some(credentials))
            .map_err(|e| format!("keyhop cannot read a generated file: {e}\n{config}\n{credentials}"))?;
        let shadow = resolver.shadow(profile);
        let context = || format!("profile {profile:?}\n--- config ---\n{config}--- credentials ---\n{credentials}");
        let from_file = b.as_deref() == Ok("shared-credentials-file");
        if from_file != shadow.is_none() {
            return Err(format!("botocore says {b:?}, keyhop says {shadow:?}\n{}", context()));
        }
        if let Some(s) = &shadow {
            match (&s.broken, &b) {
                (Some(why), Ok(m)) => {
                    return Err(format!(
                        "keyhop says botocore fails ({why}) but it resolved {m}\n{}",
                        context()
                    ));
                }
                (None, Ok(m)) if m != method(s.provider) => {
                    return Err(format!(
                        "keyhop says {:?} but botocore resolved {m}\n{}",
                        s.provider,
                        context()
                    ));
                }
                _ => {}
            }
            if s.keys.is_empty() || s.keys.iter().any(|k| k.line == 0) {
                return Err(format!("keys without a line: {s:?}\n{}", context()));
            }
        }
    }
    CASES.fetch_add(cases.len(), Ordering::Relaxed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn shadowed_exactly_when_botocore_skips_the_credentials_file(
        batch in prop::collection::vec((file(true), file(false), prop::sample::select(PROFILES.to_vec())), 50),
    ) {
        let cases: Vec<(String, String, String)> =
            batch.into_iter().map(|(c, k, p)| (c, k, p.to_owned())).collect();
        if let Err(why) = check(&cases) {
            prop_assert!(false, "{}", why);
        }
        eprintln!("shadow differential: {} cases agreed so far", CASES.load(Ordering::Relaxed));
    }
}

/// The shapes named in the issue and in botocore's source, each judged by botocore.
#[test]
fn named_shapes_match_botocore() {
    let cases: Vec<(&str, &str, &str)> = vec![
        // The issue's example: assume-role wins.
        (
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/other\nsource_profile = base\n[profile base]\n",
            "",
            "dev",
        ),
        // role_arn alone: botocore raises (still not the credentials file).
        (
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/other\n",
            "",
            "dev",
        ),
        // Key names are case-insensitive.
        (
            "[profile dev]\nROLE_ARN = arn:aws:iam::1:role/r\nSource_Profile = dev\n",
            "",
            "dev",
        ),
        // role_arn with web_identity_token_file (even empty) is not assume-role; empty is no web identity.
        (
            "[profile dev]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file =\n",
            "",
            "dev",
        ),
        (
            "[profile dev]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\n",
            "",
            "dev",
        ),
        // SSO needs sso_account_id or sso_role_name; sso_session alone does not shadow.
        (
            "[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n",
            "",
            "dev",
        ),
        (
            "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n",
            "",
            "dev",
        ),
        (
            "[profile dev]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n",
            "",
            "dev",
        ),
        // After the credentials file: never shadowed.
        ("[profile dev]\ncredential_process = false\n", "", "dev"),
        (
            "[profile dev]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n",
            "",
            "dev",
        ),
        // [default] is the default profile; [profile default] too; DEFAULT lends keys to all.
        (
            "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n",
            "",
            "default",
        ),
        ("[DEFAULT]\nsso_role_name = R\n[profile dev]\n", "", "dev"),
        // role_arn in the credentials file counts too (botocore merges it into the profile).
        (
            "",
            "[dev]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev\n",
            "dev",
        ),
        // [dev] in the config file is not profile dev.
        (
            "[dev]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev\n",
            "",
            "dev",
        ),
    ];
    let cases: Vec<(String, String, String)> = cases
        .into_iter()
        .map(|(c, k, p)| (c.to_owned(), k.to_owned(), p.to_owned()))
        .collect();
    if let Err(why) = check(&cases) {
        panic!("{why}");
    }
}

#[test]
fn the_message_names_file_line_and_keys() {
    let files = AwsFiles {
        config: "/home/u/.aws/config".into(),
        credentials: "/home/u/.aws/credentials".into(),
    };
    let config = "# mine\n[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n[profile base]\n";
    let s = Resolver::from_texts(&files, Some(config), None)
        .expect("readable")
        .shadow("dev")
        .expect("shadowed");
    assert_eq!(s.provider, Provider::AssumeRole);
    assert_eq!(s.key_names(), ["role_arn", "source_profile"]);
    assert_eq!(
        s.locations(),
        "/home/u/.aws/config line 4 (role_arn), line 5 (source_profile)"
    );
    assert!(s.reason().contains("assume a role"), "{}", s.reason());
    let none = Resolver::from_texts(&files, Some("[profile dev]\ncredential_process = x\n"), None)
        .expect("readable")
        .shadow("dev");
    assert_eq!(none, None);
}

#[test]
fn keys_the_rust_sdk_reads_before_the_credentials_file_are_named() {
    let files = AwsFiles {
        config: "/home/u/.aws/config".into(),
        credentials: "/home/u/.aws/credentials".into(),
    };
    let config = "[profile dev]\nregion = eu-west-1\ncredential_process = x\n[profile legacy]\nsso_start_url = https://x\nsso_region = eu-west-1\n[profile plain]\nregion = eu-west-1\n[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = plain\ncredential_process = x\n";
    let r = Resolver::from_texts(&files, Some(config), None).expect("readable");
    let names =
        |p: &str| -> Vec<(String, usize)> { r.rust_sdk_first(p).into_iter().map(|k| (k.key, k.line)).collect() };
    assert_eq!(names("dev"), [("credential_process".to_owned(), 3)]);
    assert_eq!(
        names("legacy"),
        [("sso_start_url".to_owned(), 5), ("sso_region".to_owned(), 6)]
    );
    assert_eq!(names("plain"), []);
    // botocore skips the credentials file itself: `shadow` speaks for it.
    assert_eq!(names("role"), []);
}
