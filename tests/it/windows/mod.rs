//! The Windows tier: the Windows build of keyhop (`keyhop.exe`, MinGW) run under Wine against
//! the same moto and SSO rig server as the Linux tests, judged by the Linux AWS CLI and boto3
//! reading the files keyhop.exe wrote. `cargo xtask test` builds the exe and prepares the Wine
//! prefix beside the Linux tests (xtask/src/windows.rs); see windows/wine.rs for the rig and
//! README.md ("Windows under Wine") for what Wine cannot show.

use crate::common;
mod desktop_cases;
mod wine;

use common::*;
use serde_json::Value;
use std::process::Command;
use wine::*;

/// `aws sts get-caller-identity` with these environment variables and no profile.
fn arn_with_env(rig: &Rig, vars: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("aws");
    rig.apply_env(&mut cmd);
    cmd.args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text"]);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    run(cmd, "", "aws sts get-caller-identity (environment)")
        .ok()
        .stdout
        .trim()
        .to_owned()
}

#[test]
fn iam_user_add_start_refresh_stop_remove_with_the_secret_in_credential_manager() {
    let Some(w) = WinRig::new("windows::iam_user") else {
        return;
    };
    let user = unique("winuser");
    let keys = moto_user(&user);
    w.rig
        .write_credentials(b"# mine\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n");
    let alias = unique("win-alice");
    let add = w.add_user(&alias, "work", &keys, &[]).ok();
    assert_no_secret(&add.all(), &[&keys.secret], "the output of session add");
    assert_no_secret(&w.rig.state_text(), &[&keys.secret], "state.json");
    let id = w.session(&alias)["id"].as_str().expect("id").to_owned();

    // keyring's Windows store: a generic credential `<account>.keyhop` in Wine's Credential
    // Manager (the registry); Wine keeps the blob encrypted, so the secret is not in plain text.
    let store = w.tier.credential_manager();
    assert!(
        store.contains(&id),
        "no Credential Manager entry names session {id}:\n{store}"
    );
    assert_no_secret(&store, &[&keys.secret], "the Credential Manager's registry key");

    w.start(&alias).ok();
    let creds = w.rig.credentials();
    let section = ini_section(&creds, "work").unwrap_or_else(|| panic!("no [work] after start:\n{creds}"));
    let first_key = section["aws_access_key_id"].clone();
    assert!(
        creds.starts_with("# mine\n[other]\n"),
        "the foreign bytes changed:\n{creds}"
    );
    // The Linux AWS CLI signs with what keyhop.exe wrote (moto's GetSessionToken keys).
    let who = w.rig.caller_identity("work").ok();
    assert!(who.stdout.contains("\"Arn\""), "{who}");
    assert_eq!(w.session(&alias)["status"], "active");

    w.keyhop(&["session", "refresh", &alias]).ok();
    let again = ini_section(&w.rig.credentials(), "work").expect("[work] after refresh");
    assert_ne!(
        again["x_security_token_expires"], section["x_security_token_expires"],
        "refresh wrote the same expiry (key {first_key})"
    );
    w.rig.caller_identity("work").ok();

    w.stop(&alias).ok();
    assert!(
        ini_section(&w.rig.credentials(), "work").is_none(),
        "stop left [work]:\n{}",
        w.rig.credentials()
    );
    assert!(
        !w.rig.caller_identity("work").success(),
        "the profile still works after stop"
    );

    w.keyhop(&["session", "remove", &alias]).ok();
    let store = w.tier.credential_manager();
    assert!(
        !store.contains(&id),
        "remove left the Credential Manager entry:\n{store}"
    );
    assert!(w.list().is_empty(), "remove left the session");
}

#[test]
fn a_role_chained_on_a_user_assumes_the_role() {
    let Some(w) = WinRig::new("windows::role_chained") else {
        return;
    };
    let user = unique("winchain");
    let keys = moto_user(&user);
    w.add_user(&user, &user, &keys, &[]).ok();
    let role = unique("win-role");
    w.add_chained(
        &role,
        "deploy",
        "arn:aws:iam::123456789012:role/Deploy",
        "winchain",
        &user,
    )
    .ok();
    w.start(&role).ok();
    assert_eq!(
        w.rig.caller_arn("deploy"),
        "arn:aws:sts::123456789012:assumed-role/Deploy/winchain"
    );
    assert_eq!(
        w.rig.boto3_arn("deploy"),
        "arn:aws:sts::123456789012:assumed-role/Deploy/winchain"
    );
}

/// A role chained on a fresh user (AssumeRole names its caller, unlike moto's fixed
/// GetSessionToken keys); returns the role session's alias and the ARN it must show.
fn role_session(w: &WinRig, name: &str) -> (String, String) {
    let user = unique(name);
    let keys = moto_user(&user);
    w.add_user(&user, &user, &keys, &[]).ok();
    let role = unique(&format!("{name}-role"));
    w.add_chained(&role, &role, "arn:aws:iam::123456789012:role/Win", name, &user)
        .ok();
    (role, format!("arn:aws:sts::123456789012:assumed-role/Win/{name}"))
}

#[test]
fn the_aws_cli_runs_keyhop_exe_as_its_credential_process() {
    let Some(w) = WinRig::new("windows::credential_process") else {
        return;
    };
    let (alias, arn) = role_session(&w, "wincp");
    // The AWS CLI starts `wine64 keyhop.exe credential-process ALIAS` itself, with the rig's
    // environment (WINEPREFIX and the Windows paths come from it).
    w.rig.write_config(
        format!(
            "[profile cp]\nregion = {REGION}\ncredential_process = {} {} credential-process {alias}\n",
            w.tier.wine.display(),
            w.tier.exe.display()
        )
        .as_bytes(),
    );
    let mut aws = Command::new("aws");
    w.apply_env(&mut aws);
    aws.env("AWS_CONFIG_FILE", w.rig.config_path())
        .env("AWS_SHARED_CREDENTIALS_FILE", w.rig.credentials_path())
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "cp",
            "--query",
            "Arn",
            "--output",
            "text",
        ]);
    let out = run(aws, "", "aws sts get-caller-identity --profile cp").ok();
    assert_eq!(out.stdout.trim(), arn, "{out}");
    assert!(
        w.rig.credentials().is_empty(),
        "credential-process wrote the credentials file"
    );

    let json = w.keyhop(&["credential-process", &alias]).ok();
    let v: Value = serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    assert_eq!(v["Version"], 1, "{v}");
    assert!(is_rfc3339(v["Expiration"].as_str().unwrap_or_default()), "{v}");
}

/// The `$env:NAME = 'value'` lines of PowerShell output (a `''` inside is one `'`).
fn powershell_vars(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let rest = l.trim_end_matches('\r').strip_prefix("$env:")?;
            let (name, value) = rest.split_once(" = ")?;
            let inner = value.strip_prefix('\'')?.strip_suffix('\'')?;
            Some((name.to_owned(), inner.replace("''", "'")))
        })
        .collect()
}

#[test]
fn export_for_powershell_gives_variables_the_aws_cli_signs_with() {
    let Some(w) = WinRig::new("windows::export_powershell") else {
        return;
    };
    let (alias, arn) = role_session(&w, "winps");
    let out = w.keyhop(&["export", &alias, "--format", "powershell"]).ok();
    let removed: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Remove-Item Env:"))
        .filter_map(|l| l.strip_suffix(" -ErrorAction SilentlyContinue"))
        .collect();
    assert!(removed.contains(&"AWS_PROFILE"), "AWS_PROFILE is not cleared: {out}");
    let vars = powershell_vars(&out.stdout);
    let names: Vec<&str> = vars.iter().map(|(k, _)| k.as_str()).collect();
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
    ] {
        assert!(names.contains(&name), "no $env:{name} line: {out}");
    }
    // Every line is one of the two forms: nothing else for PowerShell to choke on.
    assert_eq!(removed.len() + vars.len(), out.stdout.lines().count(), "{out}");
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(arn_with_env(&w.rig, &pairs), arn);
    assert!(w.rig.credentials().is_empty(), "export wrote the credentials file");
}

#[test]
fn exec_hands_the_credentials_to_a_windows_command_and_passes_its_exit_code() {
    let Some(w) = WinRig::new("windows::exec") else {
        return;
    };
    let (alias, _) = role_session(&w, "winexec");
    let out = w.keyhop(&["exec", &alias, "--", "cmd", "/c", "exit 7"]);
    assert_eq!(out.status.code(), Some(7), "{out}");
    let out = w.keyhop(&["exec", &alias, "--", "cmd", "/c", "exit 0"]);
    assert_eq!(out.status.code(), Some(0), "{out}");
    let missing = w.keyhop(&["exec", &alias, "--", "no-such-program-keyhop"]);
    assert_eq!(missing.status.code(), Some(127), "{missing}");
    assert!(missing.stderr.contains("no-such-program-keyhop"), "{missing}");

    // The child sees the session's keys and not the caller's profile.
    let mut cmd = w.cmd(&[
        "exec",
        &alias,
        "--",
        "cmd",
        "/c",
        "echo %AWS_ACCESS_KEY_ID%/%AWS_PROFILE%",
    ]);
    cmd.env("AWS_PROFILE", "does-not-exist");
    let echo = run(cmd, "", "keyhop.exe exec -- cmd /c echo").ok();
    let printed = echo.stdout.trim();
    let (key, profile) = printed.split_once('/').unwrap_or_else(|| panic!("{echo}"));
    assert!(key.starts_with("ASIA"), "{echo}");
    assert_eq!(profile, "%AWS_PROFILE%", "AWS_PROFILE reached the command: {echo}");
}

#[test]
fn serve_feeds_the_linux_aws_cli_through_the_container_provider() {
    let Some(w) = WinRig::new("windows::serve") else {
        return;
    };
    let (alias, arn) = role_session(&w, "winserve");
    let mut server = serve::Server::start(w.cmd(&["serve", &alias]));
    let vars = server.vars();
    let url = &vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"];
    let token = &vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"];
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let got = arn_with_env(
        &w.rig,
        &[
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token),
            ("AWS_DEFAULT_REGION", REGION),
        ],
    );
    assert_eq!(got, arn);
    // Without the token: refused (the AWS CLI then finds no credentials).
    let mut cmd = Command::new("aws");
    w.rig.apply_env(&mut cmd);
    cmd.args(["sts", "get-caller-identity"])
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "wrong")
        .env("AWS_DEFAULT_REGION", REGION);
    let refused = run(cmd, "", "aws with a wrong container token");
    assert!(!refused.success(), "a wrong token was accepted: {refused}");
    server.stop();
}

mod serve {
    //! `keyhop.exe serve` in the background: its variable lines on stdout.
    use std::collections::BTreeMap;
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    pub struct Server {
        child: Child,
        lines: Vec<String>,
    }

    impl Server {
        pub fn start(mut cmd: Command) -> Server {
            cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
            let mut child = cmd.spawn().expect("keyhop.exe serve runs");
            let out = child.stdout.take().expect("piped");
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
            let mut lines = vec![];
            let deadline = Instant::now() + Duration::from_secs(60);
            while lines.len() < 2 {
                if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                    lines.push(l);
                    continue;
                }
                if let Some(status) = child.try_wait().expect("wait") {
                    panic!("keyhop.exe serve exited ({status}) after {lines:?}");
                }
                assert!(Instant::now() < deadline, "no variable lines in 60 s: {lines:?}");
            }
            Server { child, lines }
        }

        /// The two variables, from PowerShell lines (`$env:K = 'V'`), as Windows users get them.
        pub fn vars(&self) -> BTreeMap<String, String> {
            let vars: BTreeMap<String, String> = super::powershell_vars(&self.lines.join("\n")).into_iter().collect();
            assert_eq!(
                vars.len(),
                2,
                "expected two `$env:NAME = 'value'` lines: {:?}",
                self.lines
            );
            vars
        }

        pub fn stop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop();
        }
    }
}

#[test]
fn the_files_at_userprofile_dot_aws_keep_their_crlf_bytes() {
    let Some(mut w) = WinRig::new("windows::default_location") else {
        return;
    };
    // No AWS_*_FILE variables: keyhop.exe finds %USERPROFILE%\.aws, inside the prefix. The only
    // test that uses that place (the prefix is shared).
    w.default_files = true;
    let aws_dir = w.tier.user_profile().join(".aws");
    std::fs::create_dir_all(&aws_dir).expect("mkdir %USERPROFILE%\\.aws");
    let fixture = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/credentials.crlf-no-final-newline"),
    )
    .expect("fixture");
    let creds_path = aws_dir.join("credentials");
    std::fs::write(&creds_path, &fixture).expect("write credentials");
    let config = b"[default]\r\nregion = us-west-2\r\n\r\n[profile work]\r\noutput = json";
    std::fs::write(aws_dir.join("config"), config).expect("write config");

    let (alias, arn) = role_session(&w, "windefault");
    w.start(&alias).ok();
    let written = std::fs::read(&creds_path).expect("read credentials");
    assert!(
        written.starts_with(&fixture),
        "the bytes before the new profile changed:\n{:?}",
        String::from_utf8_lossy(&written)
    );
    let text = String::from_utf8_lossy(&written);
    // keyhop follows the file's line ending: the new lines end in CRLF too.
    let added = &text[fixture.len()..];
    assert!(added.contains(&format!("[{alias}]\r\n")), "{added:?}");
    assert!(!added.replace("\r\n", "").contains('\n'), "a bare LF in {added:?}");
    let config_now = std::fs::read(aws_dir.join("config")).expect("read config");
    assert!(
        config_now.starts_with(config),
        "{:?}",
        String::from_utf8_lossy(&config_now)
    );

    let mut aws = Command::new("aws");
    w.rig.apply_env(&mut aws);
    aws.env("AWS_SHARED_CREDENTIALS_FILE", &creds_path)
        .env("AWS_CONFIG_FILE", aws_dir.join("config"))
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            &alias,
            "--query",
            "Arn",
            "--output",
            "text",
        ]);
    assert_eq!(run(aws, "", "aws sts get-caller-identity").ok().stdout.trim(), arn);

    w.stop(&alias).ok();
    assert_eq!(
        std::fs::read(&creds_path).expect("read credentials"),
        fixture,
        "stop did not give back the file byte for byte"
    );
    // Nothing was written beside the Linux rig's files.
    assert!(
        !w.rig.credentials_path().exists(),
        "keyhop.exe wrote the Linux-side path"
    );
}

#[test]
fn an_sso_connection_signs_in_by_device_code_and_its_role_works() {
    let Some(w) = WinRig::new("windows::sso") else {
        return;
    };
    let tenant = Tenant::create(&serde_json::json!({
        "accounts": [account("111122223333", "Sandbox", &["Developer"])],
        "user": SSO_USER,
    }));
    let conn = unique("winorg");
    let sso_cmd = |args: &[&str]| {
        let mut cmd = w.cmd(args);
        cmd.env("AWS_ENDPOINT_URL_SSO_OIDC", sso_url())
            .env("AWS_ENDPOINT_URL_SSO", sso_url())
            .env("BROWSER", "false");
        cmd
    };
    let sso = |args: &[&str]| run(sso_cmd(args), "", &format!("keyhop.exe {}", args.join(" ")));
    sso(&[
        "sso",
        "add",
        "--name",
        &conn,
        "--start-url",
        &tenant.start_url,
        "--region",
        SSO_REGION,
        "--default-region",
        DEFAULT_REGION,
    ])
    .ok();
    // The device-code flow: keyhop.exe prints the verification URL and the code; the rig's
    // "browser" (curl) approves it.
    let mut login = Login::spawn(
        sso_cmd(&[
            "sso",
            "login",
            &conn,
            "--no-browser",
            "--device-code",
            "--timeout",
            "60",
        ]),
        "keyhop.exe sso login",
    );
    let url = login.line(std::time::Duration::from_secs(60));
    let _code = login.line(std::time::Duration::from_secs(30));
    let page = browse(url.trim());
    assert!(page.body.contains("approved"), "not approved ({url}): {page:?}");
    login.wait(std::time::Duration::from_secs(90)).ok();
    sso(&["sso", "sync", &conn]).ok();
    let alias = "Sandbox/Developer";
    sso(&["session", "start", alias]).ok();
    let profile = w.session(alias)["profile"].as_str().expect("profile").to_owned();
    assert_eq!(
        w.rig.caller_arn(&profile),
        format!("arn:aws:sts::111122223333:assumed-role/Developer/{SSO_USER}")
    );
}

/// Windows has no file modes: keyhop.exe leaves a file's ACL to Windows (a new file inherits
/// the directory's, under %USERPROFILE% the user, SYSTEM and Administrators only) and honours
/// the read-only attribute, refusing to replace such a file. Wine has no NTFS ACLs (its
/// `cacls`/`icacls` print nothing) but maps a Unix file without write bits to the attribute,
/// which is what this shows.
#[test]
fn a_read_only_credentials_file_is_refused_and_left_alone() {
    let Some(w) = WinRig::new("windows::read_only") else {
        return;
    };
    let (alias, _) = role_session(&w, "winro");
    let foreign = b"[other]\r\naws_access_key_id = AKIAOTHEROTHEROTHER1\r\n";
    w.rig.write_credentials(foreign);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(w.rig.credentials_path(), std::fs::Permissions::from_mode(0o444)).expect("chmod 444");
    }
    let before = w.rig.snapshot();
    let out = w.start(&alias);
    assert!(!out.success(), "a read-only credentials file was replaced: {out}");
    let message = out.stderr.to_lowercase();
    assert!(
        message.contains("read-only") && message.contains("credentials"),
        "{out}"
    );
    w.rig.assert_unchanged(&before, "a refused start");
    assert_eq!(mode(&w.rig.credentials_path()), 0o444);
}

#[test]
fn autostart_writes_and_removes_the_run_key() {
    let Some(w) = WinRig::new("windows::autostart") else {
        return;
    };
    let run_key = |what: &str| {
        let out = run(
            w.tier
                .wine("reg", &["query", r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run"]),
            "",
            what,
        );
        out.stdout
    };
    w.keyhop(&["autostart", "enable"]).ok();
    let on = run_key("reg query Run (enabled)");
    let line = on
        .lines()
        .find(|l| l.trim_start().starts_with("keyhop"))
        .unwrap_or_else(|| panic!("no keyhop value under HKCU's Run:\n{on}"));
    // A command line: the path quoted (the MSI installs under `Program Files`), as the MSI's
    // own value is (installers/windows/main.wxs).
    let exe = win_path(&w.tier.exe);
    assert!(line.trim_end().ends_with(&format!("\"{exe}\" tray")), "{line}");
    // Never for every user (HKLM), whatever the rights of the shell that ran it.
    let machine = run(
        w.tier
            .wine("reg", &["query", r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run"]),
        "",
        "reg query HKLM Run",
    );
    assert!(!machine.stdout.contains("keyhop"), "{machine}");
    let status = w.keyhop(&["autostart", "status"]).ok();
    assert!(status.stdout.to_lowercase().contains("enabled"), "{status}");
    w.keyhop(&["autostart", "disable"]).ok();
    let off = run_key("reg query Run (disabled)");
    assert!(!off.lines().any(|l| l.trim_start().starts_with("keyhop")), "{off}");
}
