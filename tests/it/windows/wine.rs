//! The Windows tier's rig: the Windows `keyhop.exe` run under Wine (`wine64`), in the throwaway
//! prefix and on the display that `cargo xtask test` prepared (xtask/src/windows.rs), against
//! the same moto and SSO rig server as the Linux tests. The judges stay Linux tools: the AWS CLI
//! and boto3 read the files keyhop.exe wrote (Wine maps `Z:\` to `/`).
//!
//! Without the tier in this run (no Wine, or chosen tests without `-- windows::`) a test prints
//! a loud `KEYHOP WINDOWS TEST SKIPPED` line (xtask counts it as skipped) and returns. The tier
//! failing to build or to make its prefix fails every test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{Keys, Out, REGION, Rig, add_chained_args, add_user_args, run};

/// What xtask prepared.
pub struct Tier {
    pub wine: PathBuf,
    pub exe: PathBuf,
    pub prefix: PathBuf,
    /// The tier's X display (Xvfb + trayer), on which Wine's explorer hosts the tray.
    pub display: Option<String>,
}

/// How long a test waits for the exe and the prefix (built beside the Linux tests).
const READY_WAIT: Duration = Duration::from_secs(30 * 60);

static TIER: OnceLock<Result<Tier, String>> = OnceLock::new();

/// The tier, or `None` after the loud skip line.
pub fn tier(test: &str) -> Option<&'static Tier> {
    match TIER.get_or_init(load) {
        Ok(t) => Some(t),
        Err(why) => {
            skip(test, why);
            None
        }
    }
}

fn skip(test: &str, why: &str) {
    use std::io::Write;
    let line = format!(
        "\n!!!!!!!! KEYHOP WINDOWS TEST SKIPPED: {test}: {why}. It proves NOTHING here; run `cargo xtask test` (or `cargo xtask test --test it -- windows::`) on a Debian machine. !!!!!!!!\n"
    );
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Waits for xtask's `ready` file; `Err` (a skip) when this run has no tier, a panic when the
/// tier failed.
fn load() -> Result<Tier, String> {
    let Some(dir) = std::env::var_os("KEYHOP_TEST_WINDOWS").map(PathBuf::from) else {
        return Err("this run has no Windows tier (no Wine, or chosen tests without `-- windows::`)".into());
    };
    let env = |name: &str| {
        std::env::var_os(name).map_or_else(|| panic!("{name} is not set beside KEYHOP_TEST_WINDOWS"), PathBuf::from)
    };
    let ready = dir.join("ready");
    let started = Instant::now();
    let verdict = loop {
        if let Ok(text) = std::fs::read_to_string(&ready)
            && text.ends_with('\n')
        {
            break text;
        }
        assert!(
            started.elapsed() < READY_WAIT,
            "keyhop.exe and the Wine prefix were not ready in {} s",
            READY_WAIT.as_secs()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let waited = started.elapsed().as_secs();
    if waited > 1 {
        eprintln!("waited {waited} s for keyhop.exe and the Wine prefix");
    }
    assert_eq!(verdict.trim(), "ok", "the Windows tier is not ready");
    Ok(Tier {
        wine: env("KEYHOP_TEST_WINE"),
        exe: env("KEYHOP_TEST_WINDOWS_EXE"),
        prefix: env("WINEPREFIX"),
        display: std::env::var("KEYHOP_TEST_WINDOWS_DISPLAY").ok(),
    })
}

/// A Linux path as Windows programs under Wine see it: `Z:\tmp\…`.
pub fn win_path(p: &Path) -> String {
    format!("Z:{}", p.display().to_string().replace('/', "\\"))
}

impl Tier {
    /// `wine64 PROGRAM ARGS` in the prefix, quiet, on the tier's display.
    pub fn wine(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.wine);
        cmd.arg(program).args(args);
        cmd.env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("WAYLAND_DISPLAY");
        match &self.display {
            Some(d) => cmd.env("DISPLAY", d),
            None => cmd.env_remove("DISPLAY"),
        };
        cmd
    }

    /// `%USERPROFILE%` of the prefix's user, as a Linux path.
    pub fn user_profile(&self) -> PathBuf {
        let out = run(self.wine("cmd", &["/c", "echo %USERPROFILE%"]), "", "wine cmd echo").ok();
        let win = out.stdout.trim();
        let rest = win
            .strip_prefix("C:\\")
            .unwrap_or_else(|| panic!("USERPROFILE is not on C: {win:?}"));
        self.prefix.join("drive_c").join(rest.replace('\\', "/"))
    }

    /// The Credential Manager of the prefix (Wine keeps it in the registry), as `reg query` prints it.
    pub fn credential_manager(&self) -> String {
        let out = run(
            self.wine("reg", &["query", "HKCU\\Software\\Wine\\Credential Manager", "/s"]),
            "",
            "wine reg query Credential Manager",
        );
        // An empty store has no key yet: reg fails, and that is "nothing stored".
        out.stdout
    }
}

/// One user's world for keyhop.exe: the Linux rig's temp dirs, given to Windows as `Z:\` paths.
pub struct WinRig {
    pub rig: Rig,
    pub tier: &'static Tier,
    /// The AWS files at the Windows default (`%USERPROFILE%\.aws`): no AWS_*_FILE variables.
    pub default_files: bool,
}

impl WinRig {
    pub fn new(test: &str) -> Option<WinRig> {
        Some(WinRig {
            tier: tier(test)?,
            rig: Rig::new(),
            default_files: false,
        })
    }

    /// `keyhop.exe ARGS` with this rig's environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let exe = self.tier.exe.to_string_lossy().into_owned();
        let mut cmd = self.tier.wine(&exe, args);
        self.apply_env(&mut cmd);
        cmd
    }

    /// The rig's variables, paths in Windows form.
    pub fn apply_env(&self, cmd: &mut Command) {
        self.rig.apply_env(cmd);
        cmd.env("KEYHOP_HOME", win_path(&self.rig.keyhop_home));
        if self.default_files {
            cmd.env_remove("AWS_SHARED_CREDENTIALS_FILE")
                .env_remove("AWS_CONFIG_FILE");
        } else {
            cmd.env("AWS_SHARED_CREDENTIALS_FILE", win_path(&self.rig.credentials_path()))
                .env("AWS_CONFIG_FILE", win_path(&self.rig.config_path()));
        }
    }

    pub fn keyhop(&self, args: &[&str]) -> Out {
        self.keyhop_in(args, "")
    }

    pub fn keyhop_in(&self, args: &[&str], stdin: &str) -> Out {
        let what = format!("keyhop.exe {}", args.join(" "));
        let mut out = run(self.cmd(args), stdin, &what);
        if !out.status.success() && out.stdout.is_empty() && out.stderr.is_empty() {
            out.stderr = self.diagnose(args, stdin, &what);
        }
        out
    }

    /// keyhop prints a line whenever it fails, so a failure with no output at all was lost on
    /// the way through Wine (seen once under load: `session stop` exited 1, silent). The same
    /// command again with Wine's errors and keyhop's debug log on says where; the failure
    /// stands either way.
    fn diagnose(&self, args: &[&str], stdin: &str, what: &str) -> String {
        let mut again = self.cmd(args);
        again.env("WINEDEBUG", "err+all,fixme-all").env("KEYHOP_LOG", "debug");
        let second = run(again, stdin, what);
        format!(
            "[rig] keyhop.exe failed and printed nothing. Run again with WINEDEBUG=err+all and KEYHOP_LOG=debug:\n{second}"
        )
    }

    /// `session add iam-user` in REGION with the secret on stdin.
    pub fn add_user(&self, alias: &str, profile: &str, keys: &Keys, extra: &[&str]) -> Out {
        let mut args = add_user_args(alias, profile, REGION, &keys.id);
        args.extend_from_slice(extra);
        self.keyhop_in(&args, &format!("{}\n", keys.secret))
    }

    pub fn add_chained(&self, alias: &str, profile: &str, role: &str, name: &str, assumer: &str) -> Out {
        self.keyhop(&add_chained_args(alias, profile, role, name, assumer))
    }

    pub fn start(&self, alias: &str) -> Out {
        self.keyhop(&["session", "start", alias])
    }
    pub fn stop(&self, alias: &str) -> Out {
        self.keyhop(&["session", "stop", alias])
    }

    /// `session list --json` of keyhop.exe, parsed.
    pub fn list(&self) -> Vec<serde_json::Value> {
        let out = self.keyhop(&["session", "list", "--json"]).ok();
        match serde_json::from_str(&out.stdout) {
            Ok(serde_json::Value::Array(items)) => items,
            other => panic!("session list --json is not a JSON array ({other:?}): {out}"),
        }
    }

    /// The session called `alias`.
    pub fn session(&self, alias: &str) -> serde_json::Value {
        self.list()
            .into_iter()
            .find(|s| s["alias"] == alias)
            .unwrap_or_else(|| panic!("no session {alias} in keyhop.exe's `session list --json`"))
    }
}
