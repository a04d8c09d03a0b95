//! `keyhop autostart enable|status|disable`: an XDG autostart entry in `$XDG_CONFIG_HOME`.
//! Needs no display and no AWS: runs everywhere the desktop build does.

use crate::common;

use common::{Out, keyhop_bin, run};
use std::path::Path;
use std::process::Command;

fn autostart(config_home: &Path, home: &Path, action: &str) -> Out {
    let mut cmd = Command::new(keyhop_bin());
    cmd.args(["autostart", action])
        .env("XDG_CONFIG_HOME", config_home)
        .env("HOME", home)
        .env("KEYHOP_HOME", home.join("keyhop"));
    run(cmd, "", &format!("keyhop autostart {action}"))
}

#[test]
fn enable_writes_an_entry_that_runs_this_binary_and_disable_removes_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A space in the path: the Exec line must quote it.
    let config = dir.path().join("my config");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let entry = config.join("autostart").join("keyhop.desktop");

    let out = autostart(&config, &home, "status").ok();
    assert!(out.stdout.contains("disabled"), "{out}");
    assert!(!entry.exists());

    autostart(&config, &home, "enable").ok();
    let text = std::fs::read_to_string(&entry).unwrap_or_else(|e| panic!("no {} after enable: {e}", entry.display()));
    assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
    assert!(text.lines().any(|l| l == "Type=Application"), "{text}");
    let exec = text
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .unwrap_or_else(|| panic!("no Exec= line:\n{text}"));
    let bin = std::fs::canonicalize(keyhop_bin()).unwrap();
    assert_eq!(
        exec,
        format!("\"{}\" tray", bin.display()),
        "Exec must run this binary's tray:\n{text}"
    );
    assert!(
        !home.join(".config").exists(),
        "wrote under HOME instead of XDG_CONFIG_HOME"
    );
    if Command::new("desktop-file-validate").arg("--help").output().is_ok() {
        let check = Command::new("desktop-file-validate").arg(&entry).output().unwrap();
        assert!(
            check.status.success() && check.stdout.is_empty(),
            "desktop-file-validate: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }

    let out = autostart(&config, &home, "status").ok();
    assert!(
        out.stdout.contains("enabled") && out.stdout.contains("keyhop.desktop"),
        "{out}"
    );

    // Enabling twice is fine and leaves one entry.
    autostart(&config, &home, "enable").ok();
    assert_eq!(std::fs::read_dir(config.join("autostart")).unwrap().count(), 1);

    autostart(&config, &home, "disable").ok();
    assert!(!entry.exists(), "the entry is still there after disable");
    let out = autostart(&config, &home, "status").ok();
    assert!(out.stdout.contains("disabled"), "{out}");
    // Disabling again is not an error.
    autostart(&config, &home, "disable").ok();
}
