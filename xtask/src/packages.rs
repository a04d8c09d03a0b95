//! Installs what builds and tests need: Debian packages (apt) and the Python tools (pip).

use crate::Result;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Needed to build keyhop (the tray links GTK; keyring talks D-Bus).
pub const BUILD_PACKAGES: &[&str] = &[
    "libdbus-1-dev",
    "pkg-config",
    "libgtk-3-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    // keyhop-signin, the SAML sign-in window (wry on WebKitGTK).
    "libwebkit2gtk-4.1-dev",
];

/// Needed to build and test keyhop: build packages, the Secret Service in a private D-Bus
/// session, and the headless desktop (Xvfb, tray host, notifications, OCR) the tray tests use.
pub const TEST_PACKAGES: &[&str] = &[
    "libdbus-1-dev",
    "pkg-config",
    "libgtk-3-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    "libwebkit2gtk-4.1-dev",
    "dbus-bin",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    "xvfb",
    "x11-utils",
    "xdotool",
    "imagemagick",
    "dunst",
    "libnotify-bin",
    "trayer",
    // The desktop tests read their screenshots (menu lines, window text) with OCR.
    "tesseract-ocr",
    // The session list's test reads what "Copy export lines" put on the clipboard.
    "xclip",
    // tests/it/installers_linux.rs: validate the launcher and metainfo, read the .rpm.
    "desktop-file-utils",
    "appstream",
    "rpm",
];

/// The Windows tier's: keyhop.exe built with MinGW, run under Wine (xtask/src/windows.rs).
pub const WINDOWS_PACKAGES: &[&str] = &["wine64", crate::windows::MINGW_PACKAGE];

/// The Python tools the tests drive: moto (STS/IAM server), the AWS CLI, boto3, and signxml
/// (XML signatures, with lxml) for the rig's SAML identity provider.
const PIP_PACKAGES: &[&str] = &["moto[server]", "awscli", "boto3", "signxml"];

/// Python modules the tests and the rig import (lxml comes with signxml).
const PYTHON_MODULES: &[&str] = &["boto3", "signxml", "lxml"];

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            // A package whose triggers are still running (another apt run) is installed too.
            let status = String::from_utf8_lossy(&o.stdout);
            o.status.success()
                && matches!(
                    status.trim(),
                    "install ok installed" | "install ok triggers-pending" | "install ok triggers-awaited"
                )
        })
}

/// Installs the packages of `wanted` that dpkg does not list as installed: an `apt-get
/// update` (the first time in this run), one `apt-get install`. Not root, or not Debian: a note, and nothing is done.
pub fn ensure_apt(wanted: &[&str]) -> Result<()> {
    if !program_exists("dpkg-query", &std::env::var_os("PATH").unwrap_or_default()) {
        eprintln!(
            "xtask: note: no dpkg-query here; not checking Debian packages ({})",
            wanted.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = wanted.iter().copied().filter(|p| !is_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        eprintln!(
            "xtask: note: not root, skipping apt; missing packages: {}",
            missing.join(" ")
        );
        return Ok(());
    }
    println!("xtask: installing {}", missing.join(" "));
    // Wait for another apt or dpkg run (a test installing the .deb) instead of failing.
    const LOCK_WAIT: [&str; 2] = ["-o", "DPkg::Lock::Timeout=600"];
    // One `apt-get update` per run, however many package lists are installed.
    static UPDATED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !UPDATED.swap(true, std::sync::atomic::Ordering::SeqCst) {
        run(Command::new("apt-get").args(LOCK_WAIT).arg("update"), "apt-get update")?;
    }
    run(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(LOCK_WAIT)
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing),
        "apt-get install",
    )
}

/// Runs `cmd` to the end; its failure becomes "`what` failed (exit status)".
pub fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().map_err(|e| format!("cannot run {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Makes sure `moto_server`, `aws` and the Python modules are there, installing them with pip if
/// not. Returns the PATH the tests must use: the current one with Python's script directories
/// in front (pip may put scripts where no PATH entry points, e.g. behind pyenv shims that were
/// never rehashed).
pub fn ensure_python() -> Result<OsString> {
    if !python_ok() {
        // Debian's own python3 comes without pip.
        ensure_apt(&["python3", "python3-pip"])?;
    }
    let path = python_path()?;
    let missing = missing_python_tools(&path);
    if missing.is_empty() {
        return Ok(path);
    }
    println!(
        "xtask: missing {}; installing {} with pip",
        missing.join(", "),
        PIP_PACKAGES.join(" ")
    );
    let mut pip = Command::new("python3");
    pip.args(["-m", "pip", "install", "--disable-pip-version-check"]);
    if externally_managed() {
        // Debian's python refuses pip installs (PEP 668) unless told; the machine is a test box.
        pip.arg("--break-system-packages");
    }
    pip.args(PIP_PACKAGES);
    run(&mut pip, "pip install")?;
    let path = python_path()?;
    let missing = missing_python_tools(&path);
    if missing.is_empty() {
        Ok(path)
    } else {
        Err(format!("after pip install, still missing: {}", missing.join(", ")))
    }
}

fn python_ok() -> bool {
    Command::new("python3")
        .args(["-m", "pip", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn python_stdout(code: &str) -> Result<String> {
    let out = Command::new("python3")
        .args(["-c", code])
        .output()
        .map_err(|e| format!("cannot run python3: {e}"))?;
    if !out.status.success() {
        return Err(format!("python3 -c failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn externally_managed() -> bool {
    python_stdout(
        "import os, sysconfig; print(os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))",
    )
    .is_ok_and(|s| s.trim() == "True")
}

/// Current PATH with Python's script directories (global and user) in front.
fn python_path() -> Result<OsString> {
    let dirs = python_stdout(
        "import site, sysconfig; print(sysconfig.get_path('scripts')); print(site.getuserbase() + '/bin')",
    )?;
    let current = std::env::var_os("PATH").unwrap_or_default();
    let mut entries: Vec<PathBuf> = dirs.lines().map(PathBuf::from).filter(|d| d.is_dir()).collect();
    entries.extend(std::env::split_paths(&current));
    let mut seen = Vec::new();
    entries.retain(|e| {
        let new = !seen.contains(e);
        seen.push(e.clone());
        new
    });
    std::env::join_paths(entries).map_err(|e| format!("bad PATH entry: {e}"))
}

fn missing_python_tools(path: &OsString) -> Vec<&'static str> {
    let mut missing = Vec::new();
    for program in ["moto_server", "aws"] {
        if !program_exists(program, path) {
            missing.push(program);
        }
    }
    for module in PYTHON_MODULES {
        let found = Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .env("PATH", path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            missing.push(*module);
        }
    }
    missing
}

/// The first executable file called `program` in `path`.
pub fn find_program(program: &str, path: &OsString) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

pub fn program_exists(program: &str, path: &OsString) -> bool {
    find_program(program, path).is_some()
}
