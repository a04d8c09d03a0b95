//! No secret leaks, with every log turned on (`KEYHOP_LOG=trace`, which includes what the AWS
//! SDK logs about requests and responses). Each flow of the CLI runs as a user would run it;
//! everything a user or another local user could read is kept and searched afterwards:
//! - stdout (except `credential-process`'s own JSON, which is meant to carry the credentials;
//!   its stderr is kept) and stderr, i.e. the trace log;
//! - every file under the state dir, and every file under HOME except the credentials file
//!   (which legitimately holds session credentials) — read after each command;
//! - `/proc/<pid>/cmdline` of the running keyhop and of anything it starts, sampled every few
//!   milliseconds while it runs (STS and IAM Identity Center are reached through a proxy that
//!   holds each connection 400 ms, and a sign-in waits for the "browser", so there is time to
//!   look; every command that goes over the network must have been seen running).
//!
//! The secrets looked for: the long-term secret access keys (given on stdin, in a CSV, never on
//! argv), the MFA code (typed at the hidden prompt on a terminal, never on argv), the secret
//! keys and session tokens STS and GetRoleCredentials returned (read from the credentials file
//! and from `credential-process`), the IAM Identity Center access and refresh tokens and the
//! OIDC client secret (read from the keyring, where keyhop keeps them, and also anything shaped
//! like what the rig's server mints: `aoa`/`aor` + 128 base64url characters for tokens, 86
//! base64url characters for client secrets — see xtask/rig/sso_server.py).
//!
//! Every check has a positive control: the secret is shown to be where it belongs (keyring,
//! credentials file, the bytes sent to STS), the trace log is shown to be at trace level, and the command lines are shown to have been sampled.

#![cfg(target_os = "linux")]

use crate::common;
use common::leaks::*;
use common::stubs::DelayProxy;
use common::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

// The SAML flows: an assertion, not a key, is what must not leak.
mod saml;
// The IAM Identity Center flows: tokens and role credentials.
mod sso;

/// An MFA code that no timestamp or id is likely to contain by chance.
const MFA_CODE: &str = "731904";
const MFA_DEVICE: &str = "arn:aws:iam::123456789012:mfa/leak-check";
const FULL_TRACE: &str = "trace";
const FOREIGN_CREDENTIALS: &str = "# mine\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherSecretExampleXXXXXXXXXXXXXXXXXXXXXX\n";
const FOREIGN_CONFIG: &str = "[profile other]\nregion = us-west-2\n";
const STS_DELAY: Duration = Duration::from_millis(400);
const LINE: Duration = Duration::from_secs(30);
const FINISH: Duration = Duration::from_secs(120);

/// Where `text` holds the MFA code as a number of its own (no digit on either side, and not
/// the fraction of a timestamp such as `16:02:11.731904Z`).
fn mfa_code_at(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    text.match_indices(MFA_CODE)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = at.checked_sub(1).map(|i| b[i]);
            let after = b.get(at + MFA_CODE.len()).copied();
            !before.is_some_and(|c| c.is_ascii_digit() || c == b'.') && !after.is_some_and(|c| c.is_ascii_digit())
        })
        .collect()
}

/// The keyring item `account` of service keyhop, if any (the keyring is shared by all tests;
/// accounts carry random session and connection ids).
fn keyring_value(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "keyhop", "username", account])
        .stdin(Stdio::null())
        .output()
        .expect("run secret-tool");
    let value = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !value.is_empty()).then_some(value)
}

/// One leak hunt: the world it runs in, what was seen, and the secrets to look for in it.
struct Hunt<'a> {
    rig: &'a Rig,
    /// Where the SSO endpoints point (the rig's IAM Identity Center server, or a proxy to it).
    sso: Option<String>,
    log: &'static str,
    /// (where, text): everything a user could read.
    seen: Vec<(String, String)>,
    /// (what, value)
    secrets: Vec<(String, String)>,
    /// The last content recorded per file, so that an unchanged file is recorded once.
    files: HashMap<PathBuf, Vec<u8>>,
    /// (step, how often keyhop's command line was read while it ran)
    sampled: Vec<(String, usize)>,
}

impl<'a> Hunt<'a> {
    fn new(rig: &'a Rig, log: &'static str, sso: Option<String>) -> Hunt<'a> {
        Hunt {
            rig,
            sso,
            log,
            seen: vec![],
            secrets: vec![],
            files: HashMap::new(),
            sampled: vec![],
        }
    }

    fn env(&self, cmd: &mut Command) {
        self.rig.apply_env(cmd);
        cmd.env("KEYHOP_LOG", self.log)
            .env_remove("LOG_SENSITIVE_BODIES")
            .env_remove("LOG_SIGNABLE_BODY");
        if let Some(url) = &self.sso {
            cmd.env("AWS_ENDPOINT_URL_SSO_OIDC", url)
                .env("AWS_ENDPOINT_URL_SSO", url)
                .env("BROWSER", "false");
        }
    }

    fn secret(&mut self, what: &str, value: &str) {
        assert!(!value.trim().is_empty(), "empty secret {what}");
        if !self.secrets.iter().any(|(_, v)| v == value) {
            self.secrets.push((what.to_owned(), value.to_owned()));
        }
    }

    /// `keyhop ARGS` started in the background, watched.
    fn spawn(&self, args: &[&str]) -> Watched {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(args);
        self.env(&mut cmd);
        Watched::spawn(cmd, &format!("keyhop {}", args.join(" ")))
    }

    /// `keyhop ARGS` with `stdin`, to the end; its output, command lines and the files after it
    /// are recorded (stdout only when `keep_stdout`).
    fn run(&mut self, step: &str, args: &[&str], stdin: &str) -> Out {
        let mut w = self.spawn(args);
        w.type_text(stdin);
        self.record(step, w.finish(FINISH), true)
    }

    /// `keyhop ARGS` on a terminal (`script` gives it a pseudo-terminal): once it prints
    /// `prompt`, `answer` is typed as a user would. stdout and stderr are the terminal's.
    fn run_on_tty(&mut self, step: &str, args: &[&str], prompt: &str, answer: &str) -> Out {
        let inner: Vec<String> = std::iter::once(keyhop_bin())
            .chain(args.iter().copied())
            .map(sh_quote)
            .collect();
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &inner.join(" "), "/dev/null"]);
        self.env(&mut cmd);
        let mut w = Watched::spawn(cmd, &format!("keyhop {} (on a terminal)", args.join(" ")));
        w.wait_for(prompt, LINE);
        // The prompt is out; give it a moment to turn the echo off, then type.
        std::thread::sleep(Duration::from_millis(300));
        w.type_text(&format!("{answer}\n"));
        let ran = w.finish(FINISH);
        let out = self.record(step, ran, true);
        assert!(out.stdout.contains(prompt), "{out}");
        out
    }

    /// Records what `ran` showed, and the files as they are now.
    fn record(&mut self, step: &str, ran: Ran, keep_stdout: bool) -> Out {
        self.sampled.push((step.to_owned(), ran.keyhop_samples));
        if keep_stdout {
            self.seen.push((format!("stdout of `{step}`"), ran.out.stdout.clone()));
        }
        self.seen.push((format!("stderr of `{step}`"), ran.out.stderr.clone()));
        for line in &ran.cmdlines {
            self.seen
                .push((format!("a command line seen during `{step}`"), line.clone()));
        }
        self.record_files(step);
        ran.out
    }

    /// Every file under the state dir and HOME except the credentials file and the SAML IdPs'
    /// cookie stores (0700/0600, where the IdP's session cookie belongs).
    fn record_files(&mut self, step: &str) {
        let skip = self.rig.credentials_path();
        let cookie_stores = self.rig.keyhop_home.join("saml-idp");
        let mut stack = vec![self.rig.keyhop_home.clone(), self.rig.home.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_dir() && path != cookie_stores {
                    stack.push(path);
                } else if path != skip
                    && let Ok(bytes) = std::fs::read(&path)
                    && self.files.get(&path) != Some(&bytes)
                {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    self.seen.push((format!("{} after `{step}`", path.display()), text));
                    self.files.insert(path, bytes);
                }
            }
        }
    }

    /// The session credentials in the profiles `profiles` of the credentials file.
    fn harvest_profiles(&mut self, profiles: &[&str], step: &str) -> usize {
        let creds = self.rig.credentials();
        let mut found = 0;
        for p in profiles {
            let Some(section) = ini_section(&creds, p) else {
                continue;
            };
            for key in ["aws_secret_access_key", "aws_session_token"] {
                if let Some(v) = section.get(key) {
                    self.secret(&format!("{key} of [{p}] after `{step}`"), v);
                    found += 1;
                }
            }
        }
        found
    }

    /// `keyhop credential-process ALIAS`: its JSON is kept out of what is searched, and its
    /// secrets are searched for everywhere else.
    fn credential_process(&mut self, alias: &str) -> Value {
        let step = format!("credential-process {alias}");
        let mut w = self.spawn(&["credential-process", alias]);
        w.type_text("");
        let out = self.record(&step, w.finish(FINISH), false).ok();
        let v: Value = serde_json::from_str(out.stdout.trim())
            .unwrap_or_else(|e| panic!("credential-process printed no JSON ({e}): {out}"));
        for key in ["SecretAccessKey", "SessionToken"] {
            let value = v[key].as_str().unwrap_or_else(|| panic!("no {key}: {v}"));
            self.secret(&format!("{key} printed by `{step}`"), value);
        }
        v
    }

    /// The OIDC client secret and the tokens the keyring holds for connection `id`, as
    /// (key, value).
    fn harvest_sso(&mut self, id: &str, step: &str) -> Vec<(&'static str, String)> {
        let mut found = vec![];
        for (account, keys) in [
            (format!("{id}:client"), &["client_secret"][..]),
            (format!("{id}:token"), &["access_token", "refresh_token"][..]),
        ] {
            let Some(raw) = keyring_value(&account) else { continue };
            let v: Value =
                serde_json::from_str(&raw).unwrap_or_else(|e| panic!("keyring item {account} is not JSON: {e}"));
            for key in keys {
                if let Some(value) = v[key].as_str() {
                    self.secret(&format!("SSO {key} of the keyring after `{step}`"), value);
                    found.push((*key, value.to_owned()));
                }
            }
        }
        found
    }

    /// Every secret, MFA code or token-shaped string found in what was seen.
    fn findings(&self) -> Vec<String> {
        let mut found = vec![];
        for (place, text) in &self.seen {
            for (what, secret) in &self.secrets {
                for (at, _) in text.match_indices(secret.as_str()) {
                    found.push(format!("{what} in {place}: {}", excerpt(text, at, secret.len(), what)));
                }
            }
            for at in mfa_code_at(text) {
                found.push(format!(
                    "the MFA code in {place}: {}",
                    excerpt(text, at, MFA_CODE.len(), "MFA code")
                ));
            }
            for (at, len) in token_shapes(text) {
                found.push(format!(
                    "an SSO token in {place}: {}",
                    excerpt(text, at, len, "aoa…/aor… token")
                ));
            }
            for (at, len) in client_secret_shapes(text) {
                found.push(format!(
                    "a client-secret-shaped string in {place}: {}",
                    excerpt(text, at, len, "86 base64url characters")
                ));
            }
        }
        found
    }

    /// Panics unless keyhop's command line was read while each of `steps` ran (the steps that
    /// wait on the network, through the delaying proxy, or on the browser; a quick command
    /// may end before the sampler looks).
    #[track_caller]
    fn assert_sampled(&self, steps: &[&str]) {
        for step in steps {
            let samples = self
                .sampled
                .iter()
                .find(|(s, _)| s == step)
                .unwrap_or_else(|| panic!("no step {step:?} ran"))
                .1;
            assert!(
                samples > 0,
                "keyhop's command line was never sampled while `{step}` ran"
            );
        }
    }

    #[track_caller]
    fn assert_clean(&self) {
        let found = self.findings();
        let total_bytes: usize = self.seen.iter().map(|(_, t)| t.len()).sum();
        let samples: usize = self.sampled.iter().map(|(_, n)| n).sum();
        eprintln!(
            "secret_leaks: {samples} command-line samples; {} commands at KEYHOP_LOG={}, {} places ({} KiB) searched for {} secrets",
            self.sampled.len(),
            self.log,
            self.seen.len(),
            total_bytes / 1024,
            self.secrets.len()
        );
        if !found.is_empty() {
            let mut places: Vec<&str> = found.iter().map(String::as_str).collect();
            places.dedup();
            panic!(
                "{} leak(s) at KEYHOP_LOG={}:\n{}",
                found.len(),
                self.log,
                places.iter().take(40).copied().collect::<Vec<_>>().join("\n")
            );
        }
    }
}

fn connection_id(rig: &Rig, name: &str) -> String {
    let state: Value = serde_json::from_str(&rig.state_text()).expect("state.json is JSON");
    state["sso_connections"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == name))
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no connection {name} in state.json: {state}"))
        .to_owned()
}

fn write_csv(dir: &Path, keys: &Keys) -> String {
    let path = dir.join("leak-check_accessKeys.csv");
    std::fs::write(
        &path,
        format!("Access key ID,Secret access key\n{},{}\n", keys.id, keys.secret),
    )
    .expect("write csv");
    path.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    // The matchers themselves, on made-up text: a scanner that finds nothing proves nothing.
    let token = format!("aoa{}", "Ab3-_x".repeat(22));
    assert_eq!(token_shapes(&format!("x-amz-sso_bearer_token: \"{token}\"")).len(), 1);
    assert!(token_shapes(&format!("aor{}", "a".repeat(99))).is_empty());
    let secret = "Zz9".repeat(28) + "Qq";
    assert_eq!(secret.len(), 86);
    assert_eq!(client_secret_shapes(&format!("\"clientSecret\":\"{secret}\"")).len(), 1);
    assert!(client_secret_shapes(&format!("{secret}x")).is_empty());
    assert_eq!(mfa_code_at("TokenCode=731904&Version=2011-06-15").len(), 1);
    assert!(mfa_code_at("2026-01-02T03:04:05.731904Z 17319040").is_empty());
    let rig = Rig::with_endpoint("http://127.0.0.1:9");
    let mut hunt = Hunt::new(&rig, FULL_TRACE, None);
    hunt.secret("a secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    hunt.seen
        .push(("a log".into(), "key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into()));
    assert_eq!(hunt.findings().len(), 1, "{:?}", hunt.findings());
}

#[test]
fn iam_user_and_chained_role_flows_leak_no_secret_at_trace_level() {
    let keys = moto_user(&unique("leak"));
    let new_keys = moto_user(&unique("leak-new"));
    let csv_keys = moto_user(&unique("leak-csv"));
    let proxy = DelayProxy::start(&moto_url(), STS_DELAY);
    let rig = Rig::with_endpoint(&proxy.url);
    rig.write_credentials(FOREIGN_CREDENTIALS.as_bytes());
    rig.write_config(FOREIGN_CONFIG.as_bytes());
    let mut hunt = Hunt::new(&rig, FULL_TRACE, None);
    hunt.secret("the long-term secret access key", &keys.secret);
    hunt.secret("the new long-term secret access key (edit)", &new_keys.secret);
    hunt.secret("the imported long-term secret access key (CSV)", &csv_keys.secret);
    let (user, role, imported) = (unique("leak-u"), unique("leak-c"), unique("leak-i"));
    let profiles = ["leak-user", "leak-role", "leak-imported"];

    add_user_and_role(&mut hunt, &keys, [&user, &role], &profiles);

    start_refresh_stop(&mut hunt, &proxy, [&user, &role], &profiles);

    new_keys_and_import(&mut hunt, &new_keys, &csv_keys, [&user, &imported], &profiles);
    for alias in [&role, &user, &imported] {
        hunt.run(&format!("session remove {alias}"), &["session", "remove", alias], "")
            .ok();
    }
    assert!(
        hunt.secrets.len() >= 8,
        "control: too few secrets harvested: {}",
        hunt.secrets.len()
    );
    hunt.assert_sampled(&[
        "session start (MFA code typed at the prompt)",
        "session start (chained role)",
        "session refresh (chained role)",
        "session start with the new keys (MFA code typed at the prompt)",
        "session start (imported)",
    ]);
    hunt.assert_clean();
}

/// `session add` of an IAM user with MFA (its secret on stdin) and of a role chained on it.
fn add_user_and_role(hunt: &mut Hunt, keys: &Keys, [user, role]: [&str; 2], profiles: &[&str; 3]) {
    let add = [
        "session",
        "add",
        "iam-user",
        "--alias",
        user,
        "--profile",
        profiles[0],
        "--region",
        REGION,
        "--access-key-id",
        &keys.id,
        "--mfa-device",
        MFA_DEVICE,
    ];
    hunt.run(
        "session add iam-user (secret on stdin)",
        &add,
        &format!("{}\n", keys.secret),
    )
    .ok();
    assert!(
        keyring_items().contains(&keys.secret),
        "control: the long-term secret is not in the keyring"
    );
    hunt.run(
        "session add role-chained",
        &[
            "session",
            "add",
            "role-chained",
            "--alias",
            role,
            "--profile",
            profiles[1],
            "--region",
            REGION,
            "--role-arn",
            "arn:aws:iam::123456789012:role/LeakCheck",
            "--role-session-name",
            "leak-check",
            "--assumer",
            user,
        ],
        "",
    )
    .ok();
}

/// Start (the MFA code typed at the prompt), refresh, list, doctor, credential-process and
/// stop of the user and the chained role.
fn start_refresh_stop(hunt: &mut Hunt, proxy: &DelayProxy, [user, role]: [&str; 2], profiles: &[&str; 3]) {
    hunt.run_on_tty(
        "session start (MFA code typed at the prompt)",
        &["session", "start", user],
        "MFA code for",
        MFA_CODE,
    )
    .ok();
    assert!(
        proxy.sent().contains(&format!("TokenCode={MFA_CODE}")),
        "control: the MFA code was not sent to STS"
    );
    assert!(
        hunt.harvest_profiles(profiles, "start") >= 2,
        "control: no session credentials after start"
    );

    let chained = hunt
        .run("session start (chained role)", &["session", "start", role], "")
        .ok();
    // keyhop drops the SDK's request dump (it printed the SSO bearer token); the rest of
    // the trace level is there.
    assert!(
        chained.stderr.contains("TRACE") && chained.stderr.contains("sts.assume_role"),
        "control: the log is not at trace level: {chained}"
    );
    hunt.harvest_profiles(profiles, "start of the chained role");
    hunt.run("session refresh (chained role)", &["session", "refresh", role], "")
        .ok();
    hunt.harvest_profiles(profiles, "refresh of the chained role");
    let refused = hunt.run(
        "session refresh (MFA user, code due)",
        &["session", "refresh", user],
        "",
    );
    assert_eq!(
        refused.status.code(),
        Some(3),
        "a refresh of an MFA user needs a code: {refused}"
    );
    hunt.run("session list", &["session", "list"], "").ok();
    hunt.run("session list --json", &["session", "list", "--json"], "").ok();
    // doctor reads the keyring and both files with sessions active.
    hunt.run("doctor", &["doctor"], "");
    hunt.run("doctor --json", &["doctor", "--json"], "");
    hunt.credential_process(user);
    hunt.credential_process(role);
    hunt.run("session stop (chained role)", &["session", "stop", role], "")
        .ok();
    hunt.run("session stop (IAM user)", &["session", "stop", user], "").ok();
}

/// `session edit` with new keys (secret on stdin) and a start with them; `import csv` of
/// another user and its start.
fn new_keys_and_import(
    hunt: &mut Hunt,
    new_keys: &Keys,
    csv_keys: &Keys,
    [user, imported]: [&str; 2],
    profiles: &[&str; 3],
) {
    hunt.run(
        "session edit with new keys (secret on stdin)",
        &["session", "edit", user, "--access-key-id", &new_keys.id],
        &format!("{}\n", new_keys.secret),
    )
    .ok();
    assert!(
        keyring_items().contains(&new_keys.secret),
        "control: the new secret is not in the keyring"
    );
    hunt.run_on_tty(
        "session start with the new keys (MFA code typed at the prompt)",
        &["session", "start", user],
        "MFA code for",
        MFA_CODE,
    )
    .ok();
    hunt.harvest_profiles(profiles, "start with the new keys");

    let csv = write_csv(hunt.rig.home.parent().expect("rig dir"), csv_keys);
    hunt.run(
        "import csv",
        &[
            "import",
            "csv",
            &csv,
            "--alias",
            imported,
            "--profile",
            profiles[2],
            "--region",
            REGION,
        ],
        "",
    )
    .ok();
    hunt.run("session start (imported)", &["session", "start", imported], "")
        .ok();
    hunt.harvest_profiles(profiles, "start of the imported session");
    hunt.credential_process(imported);
}
