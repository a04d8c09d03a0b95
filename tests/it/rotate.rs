//! `keyhop session rotate`: a new access key in moto and in the keyring, the old one deactivated
//! and deleted; and a failure injected at each step (IAM's two-key limit, a keyring locked
//! mid-way, an unreachable STS, a fault proxy denying UpdateAccessKey or DeleteAccessKey in front
//! of moto), after which the message names both keys and the working key is the one kept.
#![cfg(unix)]

use crate::common;
use common::*;
use serde_json::Value;
use std::process::{Command, Stdio};

/// The AWS CLI against `url` as an administrator (dummy keys: moto outside auth mode; `keys`
/// when given).
fn iam_cli(url: &str, keys: Option<&Keys>, args: &[&str]) -> Out {
    let home = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new("aws");
    cmd.args(["--output", "json"]).args(args);
    let (id, secret) = keys.map_or(("testing", "testing"), |k| (k.id.as_str(), k.secret.as_str()));
    cmd.env("HOME", home.path())
        .env("AWS_ACCESS_KEY_ID", id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", home.path().join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("credentials"))
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    run(cmd, "", &format!("aws {}", args.join(" ")))
}

fn new_key(url: &str, user: &str) -> Keys {
    let out = iam_cli(url, None, &["iam", "create-access-key", "--user-name", user]).ok();
    let v: Value = serde_json::from_str(&out.stdout).expect("create-access-key JSON");
    Keys {
        id: v["AccessKey"]["AccessKeyId"].as_str().unwrap().to_owned(),
        secret: v["AccessKey"]["SecretAccessKey"].as_str().unwrap().to_owned(),
    }
}

/// `(access key id, status)` of the user's keys in moto, sorted.
fn keys_in_iam(url: &str, admin: Option<&Keys>, user: &str) -> Vec<(String, String)> {
    let out = iam_cli(url, admin, &["iam", "list-access-keys", "--user-name", user]).ok();
    let v: Value = serde_json::from_str(&out.stdout).expect("list-access-keys JSON");
    let mut keys: Vec<(String, String)> = v["AccessKeyMetadata"]
        .as_array()
        .expect("AccessKeyMetadata")
        .iter()
        .map(|k| {
            (
                k["AccessKeyId"].as_str().unwrap().to_owned(),
                k["Status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn active(id: &str) -> (String, String) {
    (id.to_owned(), "Active".to_owned())
}

/// The keyring item of the session's long-term keys, as secret-tool shows it.
fn keyring_keys(rig: &Rig, alias: &str) -> String {
    let id = rig.session(alias)["id"].as_str().unwrap().to_owned();
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "keyhop", "username", &format!("{id}:long-term")])
        .stdin(Stdio::null())
        .output()
        .expect("secret-tool");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `keyhop session rotate ALIAS` with extra environment.
fn rotate(rig: &Rig, alias: &str, env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(keyhop_bin());
    cmd.args(["session", "rotate", alias]);
    rig.apply_env(&mut cmd);
    cmd.envs(env.iter().copied());
    run(cmd, "", &format!("keyhop session rotate {alias}"))
}

/// A user in the shared moto with a session for it: (rig, alias, user name, keys).
fn world(name: &str) -> (Rig, String, String, Keys) {
    let user = unique(name);
    let keys = moto_user(&user);
    let rig = Rig::new();
    let alias = unique(name);
    rig.add_user(&alias, &alias, &keys, &[]).ok();
    (rig, alias, user, keys)
}

#[test]
fn rotate_end_to_end_against_moto_in_auth_mode() {
    // In auth mode moto refuses keys it does not know: a deleted key stops working for real.
    let moto = PrivateMoto::start();
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let make = |name: &str| {
        iam_cli(&moto.url, None, &["iam", "create-user", "--user-name", name]).ok();
        iam_cli(
            &moto.url,
            None,
            &[
                "iam",
                "put-user-policy",
                "--user-name",
                name,
                "--policy-name",
                "all",
                "--policy-document",
                policy,
            ],
        )
        .ok();
        new_key(&moto.url, name)
    };
    let admin = make("admin");
    let user = unique("rot");
    let old = make(&user);
    moto.enable_auth();
    let rig = Rig::with_endpoint(&moto.url);
    let alias = unique("rot");
    rig.add_user(&alias, "rot", &old, &[]).ok();
    // (moto's GetSessionToken hands out fixed keys that its auth mode itself refuses, so the
    // profile is judged by its bytes here; the start is what proves the keyring's key.)
    rig.start(&alias).ok();
    let profile_before = rig.credentials();

    let out = rotate(&rig, &alias, &[]).ok();
    let now_in_iam = keys_in_iam(&moto.url, Some(&admin), &user);
    assert_eq!(now_in_iam.len(), 1, "{now_in_iam:?}");
    let new_id = now_in_iam[0].0.clone();
    assert_ne!(new_id, old.id);
    assert_eq!(now_in_iam[0].1, "Active");
    assert!(out.stdout.contains(&new_id) && out.stdout.contains(&old.id), "{out}");
    let item = keyring_keys(&rig, &alias);
    assert!(
        item.contains(&new_id) && !item.contains(&old.id),
        "keyring: {}",
        item.len()
    );
    let new_secret: String = serde_json::from_str::<Value>(&item).expect("keyring JSON")["secret_access_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_no_secret(&out.all(), &[&old.secret, &new_secret], "rotate output");

    // The old key is gone for real; the active session keeps its credentials.
    let refused = iam_cli(&moto.url, Some(&old), &["sts", "get-caller-identity"]);
    assert!(!refused.success(), "the deleted key still works: {refused}");
    let works = iam_cli(
        &moto.url,
        Some(&Keys {
            id: new_id.clone(),
            secret: new_secret.clone(),
        }),
        &["sts", "get-caller-identity"],
    )
    .ok();
    assert!(works.stdout.contains(&format!("user/{user}")), "{works}");
    assert_eq!(rig.credentials(), profile_before, "rotate touched the active profile");
    assert_eq!(rig.session(&alias)["status"], "active");
    // The next start gets its token with the keyring's key: in auth mode only the new one works.
    rig.stop(&alias).ok();
    rig.start(&alias).ok();
    assert!(ini_section(&rig.credentials(), "rot").is_some());
    assert_eq!(rig.session(&alias)["access_key_age_days"], 0);
}

#[test]
fn create_refused_by_the_two_key_limit_changes_nothing() {
    let (rig, alias, user, keys) = world("limit");
    let second = new_key(&moto_url(), &user);
    let before_iam = keys_in_iam(&moto_url(), None, &user);
    let before = rig.snapshot();
    let out = rotate(&rig, &alias, &[]).fails_with(&[&keys.id, "LimitExceeded", "nothing changed", "still active"]);
    assert_no_secret(&out.all(), &[&keys.secret, &second.secret], "the error");
    assert_eq!(keys_in_iam(&moto_url(), None, &user), before_iam);
    rig.assert_unchanged(&before, "a rotation refused at create");
    assert!(keyring_keys(&rig, &alias).contains(&keys.id));
    rig.start(&alias).ok();
}

#[test]
fn an_unreachable_sts_keeps_the_old_key_and_deletes_the_new() {
    let (rig, alias, user, keys) = world("prove");
    let sts = closed_port_url();
    let out = rotate(&rig, &alias, &[("AWS_ENDPOINT_URL_STS", &sts)]);
    let out = out.fails_with(&[&keys.id, "does not work", &sts, "deleted again", "back in the keyring"]);
    assert_no_secret(&out.all(), &[&keys.secret], "the error");
    // Only the old key is left in IAM, active, and it is the one in the keyring.
    assert_eq!(keys_in_iam(&moto_url(), None, &user), vec![active(&keys.id)]);
    let item = keyring_keys(&rig, &alias);
    assert!(item.contains(&keys.id), "the old key is not back in the keyring");
    // The message named the new key too: it is the one that was deleted.
    let named: Vec<&str> = out
        .stderr
        .split_whitespace()
        .filter(|w| w.starts_with("AKIA"))
        .collect();
    assert!(named.iter().any(|w| !w.contains(&keys.id)), "new key not named: {out}");
    rig.start(&alias).ok();
    assert!(rig.caller_arn(&alias).contains("123456789012"));
}

#[test]
fn a_denied_deactivate_leaves_the_new_key_working_and_says_the_old_is_active() {
    let (rig, alias, user, keys) = world("deact");
    let proxy = FaultProxy::start(&moto_url(), &["--fail", "UpdateAccessKey"]);
    let out = rotate(&rig, &alias, &[("AWS_ENDPOINT_URL_IAM", &proxy.url)]);
    let out = out.fails_with(&[&keys.id, "works and is in the keyring", "still active", "AccessDenied"]);
    assert_no_secret(&out.all(), &[&keys.secret], "the error");
    let in_iam = keys_in_iam(&moto_url(), None, &user);
    assert_eq!(in_iam.len(), 2, "{in_iam:?}");
    assert!(in_iam.iter().all(|(_, s)| s == "Active"), "{in_iam:?}");
    let new_id = &in_iam.iter().find(|(k, _)| k != &keys.id).unwrap().0;
    assert!(out.stderr.contains(new_id.as_str()), "{out}");
    let item = keyring_keys(&rig, &alias);
    assert!(item.contains(new_id.as_str()) && !item.contains(&keys.id));
    rig.start(&alias).ok();
}

#[test]
fn a_denied_delete_leaves_the_old_key_inactive_and_says_so() {
    let (rig, alias, user, keys) = world("del");
    let proxy = FaultProxy::start(&moto_url(), &["--fail", "DeleteAccessKey"]);
    let out = rotate(&rig, &alias, &[("AWS_ENDPOINT_URL_IAM", &proxy.url)]);
    let out = out.fails_with(&[&keys.id, "deactivated but could not be deleted", "AccessDenied"]);
    let in_iam = keys_in_iam(&moto_url(), None, &user);
    let new_id = in_iam.iter().find(|(k, _)| k != &keys.id).unwrap().0.clone();
    assert_eq!(
        in_iam.iter().find(|(k, _)| k == &keys.id).map(|(_, s)| s.as_str()),
        Some("Inactive")
    );
    assert!(in_iam.contains(&active(&new_id)));
    assert!(out.stderr.contains(&new_id), "{out}");
    assert!(keyring_keys(&rig, &alias).contains(&new_id));
    rig.start(&alias).ok();
}

/// `keyhop session rotate` SIGKILLed by the fault proxy when it sends `action` to IAM. With
/// `forward`, the proxy passes the call on to IAM after the kill; else IAM never sees it.
/// The proxy is returned, alive: with `forward` it sends the call on after the kill, and a proxy
/// dropped as soon as keyhop died could stop before it did (seen on a loaded machine).
#[must_use]
fn rotate_killed_at(rig: &Rig, alias: &str, action: &str, forward: bool) -> FaultProxy {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pid_file = tmp.path().join("pid");
    let kill = format!("kill -KILL \"$(cat '{}')\"", pid_file.display());
    let mut args = vec!["--on", action, "--run", &kill];
    if !forward {
        args.extend(["--fail", action]);
    }
    let proxy = FaultProxy::start(&moto_url(), &args);
    let mut cmd = Command::new(keyhop_bin());
    cmd.args(["session", "rotate", alias]);
    rig.apply_env(&mut cmd);
    cmd.env("AWS_ENDPOINT_URL_IAM", &proxy.url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("keyhop session rotate");
    // Written before keyhop's first IAM call can reach the proxy: it reads the keyring first.
    let partial = tmp.path().join("pid.tmp");
    std::fs::write(&partial, child.id().to_string()).expect("pid file");
    std::fs::rename(&partial, &pid_file).expect("pid file");
    let out = child.wait_with_output().expect("keyhop session rotate ends");
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        out.status.signal(),
        Some(libc::SIGKILL),
        "rotate was not killed at {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    proxy
}

#[test]
fn a_rotation_killed_before_the_old_key_is_retired_is_finished_by_the_next() {
    let (rig, alias, user, keys) = world("killed");
    drop(rotate_killed_at(&rig, &alias, "UpdateAccessKey", false));
    // As the kill left it: both keys active in IAM, the new one alone in the keyring.
    let in_iam = keys_in_iam(&moto_url(), None, &user);
    assert_eq!(in_iam.len(), 2, "{in_iam:?}");
    assert!(in_iam.iter().all(|(_, s)| s == "Active"), "{in_iam:?}");
    let new_id = in_iam.iter().find(|(k, _)| k != &keys.id).unwrap().0.clone();
    assert!(keyring_keys(&rig, &alias).contains(&new_id));
    // `keyhop doctor` says so: a fail naming both keys and what to run.
    let doctor = rig.keyhop(&["doctor", "--json"]);
    assert_eq!(doctor.status.code(), Some(1), "{doctor}");
    let report: Value = serde_json::from_str(&doctor.stdout).expect("doctor --json");
    let check = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "rotation"))
        .unwrap_or_else(|| panic!("no rotation check: {report}"));
    assert_eq!(check["status"], "fail", "{check}");
    let said = check["message"].as_str().unwrap_or_default();
    assert!(
        said.contains(&keys.id) && said.contains(&new_id) && said.contains("session rotate"),
        "{check}"
    );

    // The next rotate finishes that one (IAM's two-key limit would refuse a new key), naming both.
    let out = rotate(&rig, &alias, &[]).ok();
    assert!(out.stdout.contains(&new_id) && out.stdout.contains(&keys.id), "{out}");
    assert!(out.stdout.contains("interrupted"), "{out}");
    assert_eq!(keys_in_iam(&moto_url(), None, &user), vec![active(&new_id)]);
    assert!(keyring_keys(&rig, &alias).contains(&new_id));
    rig.start(&alias).ok();
    // Nothing is left pending: a further rotate is an ordinary one.
    let again = rotate(&rig, &alias, &[]).ok();
    assert!(!again.all().contains("interrupted"), "{again}");
    let now = keys_in_iam(&moto_url(), None, &user);
    assert_eq!(now.len(), 1, "{now:?}");
    assert!(now[0].0 != new_id && now[0].1 == "Active", "{now:?}");
}

#[test]
fn a_rotation_killed_before_iam_answered_is_undone_by_the_next() {
    // Killed while CreateAccessKey is on its way: keyhop never learns the new key's id. Here
    // the proxy forwards the call after the kill, so IAM does make a key nobody holds.
    let (rig, alias, user, keys) = world("orphan");
    let _proxy = rotate_killed_at(&rig, &alias, "CreateAccessKey", true);
    // The proxy forwards CreateAccessKey after its hook: wait for that key to exist (a loaded
    // machine, with moto busy with the other tests, took longer than 20 s).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let orphan = loop {
        let in_iam = keys_in_iam(&moto_url(), None, &user);
        if let Some((k, _)) = in_iam.iter().find(|(k, _)| k != &keys.id) {
            break k.clone();
        }
        assert!(std::time::Instant::now() < deadline, "IAM made no key: {in_iam:?}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(keyring_keys(&rig, &alias).contains(&keys.id));

    let out = rotate(&rig, &alias, &[]).ok();
    assert!(
        out.stderr.contains(&orphan) && out.stderr.contains("interrupted"),
        "{out}"
    );
    let now = keys_in_iam(&moto_url(), None, &user);
    assert_eq!(now.len(), 1, "{now:?}");
    assert!(
        now[0].0 != orphan && now[0].0 != keys.id && now[0].1 == "Active",
        "{now:?}"
    );
    assert!(keyring_keys(&rig, &alias).contains(&now[0].0));
}

/// Runs in a private D-Bus session with its own gnome-keyring: add the session, then rotate
/// with IAM behind the fault proxy, which locks the keyring when CreateAccessKey passes (after
/// keyhop read the old key, before it stores the new one). Then unlocks the keyring again and
/// says which key its item holds (never printing the item).
const LOCK_MID_ROTATION: &str = r#"set -e
eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)"
"$KEYHOP" session add iam-user --alias "$ALIAS" --profile lk --region eu-west-1 --access-key-id "$KEY_ID" <<EOF
$KEY_SECRET
EOF
ID=$("$KEYHOP" session list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
LOCK="dbus-send --session --dest=org.freedesktop.secrets --type=method_call /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login"
python3 "$PROXY" --upstream "$AWS_ENDPOINT_URL" --on CreateAccessKey --run "$LOCK" > "$TMPDIR_/port" 2>/dev/null &
PROXY_PID=$!
while ! grep -q port "$TMPDIR_/port"; do sleep 0.05; done
set +e
AWS_ENDPOINT_URL_IAM="http://127.0.0.1:$(cut -d' ' -f2 "$TMPDIR_/port")" "$KEYHOP" session rotate "$ALIAS"
echo "rotate-exit=$?"
kill $PROXY_PID
# A new daemon on the same keyring file, unlocked with the password (no prompt needed).
printf pw | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null 2>&1
for _ in $(seq 50); do
  ITEM=$(secret-tool lookup service keyhop username "$ID:long-term" 2>/dev/null) && [ -n "$ITEM" ] && break
  sleep 0.1
done
case "$ITEM" in
  *"$KEY_ID"*) echo "keyring=old" ;;
  "") echo "keyring=none" ;;
  *) echo "keyring=other" ;;
esac
"#;

#[test]
fn a_keyring_locked_before_the_store_keeps_the_old_key_and_deletes_the_new() {
    let user = unique("lock");
    let keys = moto_user(&user);
    let rig = Rig::new();
    let alias = unique("lock");
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", LOCK_MID_ROTATION]);
    rig.apply_env(&mut cmd);
    cmd.env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("KEYHOP", keyhop_bin())
        .env("ALIAS", &alias)
        .env("KEY_ID", &keys.id)
        .env("KEY_SECRET", &keys.secret)
        .env(
            "PROXY",
            concat!(env!("CARGO_MANIFEST_DIR"), "/xtask/rig/fault_proxy.py"),
        )
        .env("TMPDIR_", tmp.path());
    own_keyring_dirs(&mut cmd, tmp.path());
    let out = run(cmd, "", "keyhop session rotate with the keyring locked mid-way");
    assert!(out.stdout.contains("rotate-exit=1"), "{out}");
    let ours: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("keyhop")).collect();
    assert_eq!(ours.len(), 1, "{out}");
    for words in [
        keys.id.as_str(),
        "cannot be stored in the keyring",
        "deleted again",
        "still active",
    ] {
        assert!(ours[0].contains(words), "{words:?} not in {}", ours[0]);
    }
    assert_no_secret(&out.all(), &[&keys.secret], "the output");
    // IAM: only the old key, active. Keyring: the old key.
    assert_eq!(keys_in_iam(&moto_url(), None, &user), vec![active(&keys.id)]);
    assert!(
        out.stdout.contains("keyring=old"),
        "the keyring does not hold the old key: {out}"
    );
}
