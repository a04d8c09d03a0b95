//! Test rig for keyhop's black-box tests: the built `keyhop` binary, a real moto server (STS,
//! IAM), the real AWS CLI and boto3, the real Secret Service. `cargo xtask test` provides moto
//! (`KEYHOP_TEST_MOTO`), the D-Bus session with an unlocked gnome-keyring, and the Python tools.
//!
//! Every `Rig` has its own HOME, KEYHOP_HOME and AWS files in a temp dir; moto and the keyring
//! are shared by all tests running in parallel, so every IAM user and alias is unique.
#![allow(dead_code)]

mod aws;
#[cfg(target_os = "linux")]
pub mod leaks;
mod process;
mod saml;
mod sso;
pub mod stubs;
mod warm_aws;

pub use aws::*;
pub use process::*;
// Only the SSO tests use these.
#[allow(unused_imports)]
pub use sso::*;
// Only the SAML tests use these.
#[allow(unused_imports)]
pub use saml::*;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub const REGION: &str = "eu-west-1";

/// The shared moto server's URL; panics with the way to get one.
pub fn moto_url() -> String {
    std::env::var("KEYHOP_TEST_MOTO").unwrap_or_else(|_| {
        panic!(
            "KEYHOP_TEST_MOTO is not set: these tests need a moto server, a Secret Service and the \
             AWS CLI. Run them with `cargo xtask test` (it installs and starts all of it)."
        )
    })
}

/// A name no other test of this run uses: `prefix-<pid>-<n>`.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// One user's world: temp HOME (with `.aws/`), KEYHOP_HOME, and the STS endpoint to use.
pub struct Rig {
    _dir: tempfile::TempDir,
    pub home: PathBuf,
    pub keyhop_home: PathBuf,
    pub endpoint: String,
}

/// Bytes of the files keyhop may write (None = absent), to prove that nothing changed.
#[derive(Debug, PartialEq, Clone)]
pub struct Snapshot {
    pub state: Option<Vec<u8>>,
    pub credentials: Option<Vec<u8>>,
    pub config: Option<Vec<u8>>,
}

impl Rig {
    /// A rig on the shared moto.
    pub fn new() -> Rig {
        Rig::with_endpoint(&moto_url())
    }

    /// A rig whose STS (and AWS CLI) endpoint is `endpoint`.
    pub fn with_endpoint(endpoint: &str) -> Rig {
        // Even a test that does not use the shared moto needs the rest of what `cargo xtask
        // test` provides (keyring, AWS CLI): refuse to run outside it rather than pass vacuously.
        moto_url();
        let dir = tempfile::Builder::new()
            .prefix("keyhop-test-")
            .tempdir()
            .expect("temp dir");
        let home = dir.path().join("home");
        let keyhop_home = dir.path().join("keyhop");
        std::fs::create_dir_all(home.join(".aws")).expect("mkdir home/.aws");
        std::fs::create_dir_all(&keyhop_home).expect("mkdir keyhop home");
        Rig {
            _dir: dir,
            home,
            keyhop_home,
            endpoint: endpoint.to_owned(),
        }
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.home.join(".aws").join("credentials")
    }
    pub fn config_path(&self) -> PathBuf {
        self.home.join(".aws").join("config")
    }
    pub fn state_path(&self) -> PathBuf {
        self.keyhop_home.join("state.json")
    }

    /// Points `cmd` at this rig only: temp HOME and AWS files, our endpoint, no IMDS, and none
    /// of the caller's AWS variables.
    pub fn apply_env(&self, cmd: &mut Command) {
        for var in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("HOME", &self.home)
            .env("KEYHOP_HOME", &self.keyhop_home)
            .env("AWS_SHARED_CREDENTIALS_FILE", self.credentials_path())
            .env("AWS_CONFIG_FILE", self.config_path())
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("XDG_STATE_HOME", self.home.join(".local/state"));
    }

    /// `keyhop ARGS` with stdin closed (not a TTY, empty).
    pub fn keyhop(&self, args: &[&str]) -> Out {
        self.keyhop_in(args, "")
    }

    /// `keyhop ARGS` with `stdin` piped in (not a TTY).
    pub fn keyhop_in(&self, args: &[&str], stdin: &str) -> Out {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(args);
        self.apply_env(&mut cmd);
        run(cmd, stdin, &format!("keyhop {}", args.join(" ")))
    }

    /// The real AWS CLI with this rig's files and endpoint (and KEYHOP_HOME, for
    /// credential_process), JSON output.
    pub fn aws(&self, args: &[&str]) -> Out {
        let mut cmd = Command::new("aws");
        cmd.arg("--output").arg("json").args(args);
        self.apply_env(&mut cmd);
        let what = format!("aws {}", args.join(" "));
        warm_aws::run(&cmd, &what).unwrap_or_else(|| run(cmd, "", &what))
    }

    /// `aws sts get-caller-identity --profile P`, raw.
    pub fn caller_identity(&self, profile: &str) -> Out {
        self.aws(&["sts", "get-caller-identity", "--profile", profile])
    }

    /// The Arn that `aws sts get-caller-identity --profile P` reports; panics if the call fails.
    pub fn caller_arn(&self, profile: &str) -> String {
        let out = self.caller_identity(profile).ok();
        let v: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("get-caller-identity printed no JSON ({e}): {out}"));
        v["Arn"]
            .as_str()
            .unwrap_or_else(|| panic!("no Arn in {out}"))
            .to_owned()
    }

    /// The Arn that boto3 reports for `profile` (a second, independent reader of the files).
    pub fn boto3_arn(&self, profile: &str) -> String {
        let mut cmd = Command::new("python3");
        cmd.args([
            "-c",
            "import sys, boto3; print(boto3.Session(profile_name=sys.argv[1]).client('sts').get_caller_identity()['Arn'])",
            profile,
        ]);
        self.apply_env(&mut cmd);
        run(cmd, "", "boto3 get_caller_identity").ok().stdout.trim().to_owned()
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            state: std::fs::read(self.state_path()).ok(),
            credentials: std::fs::read(self.credentials_path()).ok(),
            config: std::fs::read(self.config_path()).ok(),
        }
    }

    /// Panics, naming the file, unless the files are exactly as in `before`.
    pub fn assert_unchanged(&self, before: &Snapshot, after_what: &str) {
        let now = self.snapshot();
        for (name, a, b) in [
            ("state.json", &before.state, &now.state),
            ("credentials", &before.credentials, &now.credentials),
            ("config", &before.config, &now.config),
        ] {
            assert!(
                a == b,
                "{name} changed after {after_what}\n--- before ---\n{}\n--- after ---\n{}",
                show(a.as_ref()),
                show(b.as_ref())
            );
        }
    }

    pub fn credentials(&self) -> String {
        std::fs::read_to_string(self.credentials_path()).unwrap_or_default()
    }
    pub fn config(&self) -> String {
        std::fs::read_to_string(self.config_path()).unwrap_or_default()
    }
    pub fn state_text(&self) -> String {
        std::fs::read_to_string(self.state_path()).unwrap_or_default()
    }

    /// Writes the credentials file with mode 0600, as the AWS CLI would.
    pub fn write_credentials(&self, bytes: &[u8]) {
        write_0600(&self.credentials_path(), bytes);
    }
    pub fn write_config(&self, bytes: &[u8]) {
        std::fs::write(self.config_path(), bytes).expect("write config");
    }

    /// `keyhop session list --json`, parsed.
    pub fn list(&self) -> Vec<Value> {
        let out = self.keyhop(&["session", "list", "--json"]).ok();
        match serde_json::from_str::<Value>(&out.stdout) {
            Ok(Value::Array(items)) => items,
            other => panic!("session list --json is not a JSON array ({other:?}): {out}"),
        }
    }

    /// The session called `alias` in `session list --json`.
    pub fn session(&self, alias: &str) -> Value {
        self.list()
            .into_iter()
            .find(|s| s["alias"] == alias)
            .unwrap_or_else(|| panic!("no session {alias} in `session list --json`"))
    }

    /// `session add iam-user` in REGION with the secret on stdin.
    pub fn add_user(&self, alias: &str, profile: &str, keys: &Keys, extra: &[&str]) -> Out {
        let mut args = add_user_args(alias, profile, REGION, &keys.id);
        args.extend_from_slice(extra);
        self.keyhop_in(&args, &format!("{}\n", keys.secret))
    }

    /// `session add role-chained` in REGION.
    pub fn add_chained(&self, alias: &str, profile: &str, role: &str, name: &str, assumer: &str) -> Out {
        self.keyhop(&add_chained_args(alias, profile, role, name, assumer))
    }

    pub fn start(&self, alias: &str) -> Out {
        self.keyhop(&["session", "start", alias])
    }
    pub fn stop(&self, alias: &str) -> Out {
        self.keyhop(&["session", "stop", alias])
    }
}

fn show(bytes: Option<&Vec<u8>>) -> String {
    match bytes {
        None => "(absent)".to_owned(),
        Some(b) => format!("{:?}", String::from_utf8_lossy(b)),
    }
}

/// The arguments of `keyhop session add iam-user` (the secret goes on stdin).
pub fn add_user_args<'a>(alias: &'a str, profile: &'a str, region: &'a str, id: &'a str) -> Vec<&'a str> {
    vec![
        "session",
        "add",
        "iam-user",
        "--alias",
        alias,
        "--profile",
        profile,
        "--region",
        region,
        "--access-key-id",
        id,
    ]
}

/// `session add saml … ` in REGION: the one list of its arguments (the SAML suites, the sign-in
/// window's desktop test and its leak hunt all add SAML sessions).
pub fn add_saml_args<'a>(
    alias: &'a str,
    profile: &'a str,
    idp_url: &'a str,
    role: &'a str,
    provider: &'a str,
) -> Vec<&'a str> {
    vec![
        "session",
        "add",
        "saml",
        "--alias",
        alias,
        "--profile",
        profile,
        "--region",
        REGION,
        "--idp-url",
        idp_url,
        "--role-arn",
        role,
        "--principal-arn",
        provider,
    ]
}

/// `session add role-chained … ` in REGION: the one list of its arguments (the Linux and the
/// Windows rig both add chained roles).
pub fn add_chained_args<'a>(
    alias: &'a str,
    profile: &'a str,
    role: &'a str,
    name: &'a str,
    assumer: &'a str,
) -> Vec<&'a str> {
    vec![
        "session",
        "add",
        "role-chained",
        "--alias",
        alias,
        "--profile",
        profile,
        "--region",
        REGION,
        "--role-arn",
        role,
        "--role-session-name",
        name,
        "--assumer",
        assumer,
    ]
}

pub fn keyhop_bin() -> &'static str {
    env!("CARGO_BIN_EXE_keyhop")
}

/// For a command that starts a gnome-keyring-daemon of its own (a private D-Bus session): its
/// own control directory under `dir`. gnome-keyring finds "the running daemon" through
/// `GNOME_KEYRING_CONTROL`, else `$XDG_RUNTIME_DIR/keyring`; inherited from the suite, that is
/// the suite's daemon's: the private one would bind its control socket over the suite's, and
/// its `--replace` could reach the suite's daemon.
pub fn own_keyring_dirs(cmd: &mut std::process::Command, dir: &Path) {
    use std::os::unix::fs::DirBuilderExt;
    let runtime = dir.join("runtime");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&runtime)
        .expect("create a private XDG_RUNTIME_DIR");
    cmd.env("XDG_RUNTIME_DIR", &runtime)
        .env_remove("GNOME_KEYRING_CONTROL")
        .env_remove("SSH_AUTH_SOCK");
}

/// Writes a file only its owner may read (Unix: mode 0600; Windows: the directory's ACL).
pub fn write_0600(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    }
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

/// Panics if any of `secrets` occurs in `text` (`what` names where it was looked for).
pub fn assert_no_secret(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(!secret.is_empty(), "empty secret given to assert_no_secret");
        assert!(!text.contains(secret), "a secret appears in {what}:\n{text}");
    }
}

/// A string that looks like an RFC 3339 timestamp (`2026-01-02T03:04:05Z`, with or without
/// fraction, `Z` or an offset).
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b't')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && (s.ends_with('Z') || s.ends_with('z') || s[19..].contains(['+', '-']))
}
