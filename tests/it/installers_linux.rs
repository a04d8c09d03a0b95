//! The Linux packages: `cargo xtask package` builds the .deb and the .rpm (once for this whole
//! file); the .deb is installed on this machine with apt, checked and removed again; the .rpm's
//! file list and dependencies are read with rpm. Packages the test build of keyhop (`--binary`), not a release build.
//!
//! Installing needs root (else the test skips itself, loudly) and changes the machine while it
//! runs: /usr/bin/keyhop and friends exist until the test removes them. All apt work of the test
//! suite is in this one file, so two test binaries never run apt at the same time.
//! `cargo xtask test --test installers_linux` installs the tools used here (desktop-file-utils,
//! appstream, rpm).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const APP_ID: &str = "io.github.keyhop.keyhop";
const ICON_SIZES: &[u32] = &[16, 22, 24, 32, 48, 64, 128, 256];
/// What a skipping test prints (stderr, past libtest's capture).
const SKIP_MARK: &str = "KEYHOP INSTALLER TEST SKIPPED";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Every file both packages install, but the zsh completion (its directory differs).
fn common_files() -> Vec<String> {
    let mut files: Vec<String> = [
        "/usr/bin/keyhop",
        "/usr/bin/keyhop-signin",
        "/usr/share/bash-completion/completions/keyhop",
        "/usr/share/fish/vendor_completions.d/keyhop.fish",
        "/usr/share/man/man1/keyhop.1.gz",
        "/usr/share/doc/keyhop/README.md",
        "/usr/share/icons/hicolor/scalable/apps/keyhop.svg",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect();
    files.push(format!("/usr/share/applications/{APP_ID}.desktop"));
    files.push(format!("/usr/share/metainfo/{APP_ID}.metainfo.xml"));
    for n in ICON_SIZES {
        files.push(format!("/usr/share/icons/hicolor/{n}x{n}/apps/keyhop.png"));
    }
    files
}

fn deb_files() -> BTreeSet<String> {
    let mut files: BTreeSet<String> = common_files().into_iter().collect();
    files.insert("/usr/share/zsh/vendor-completions/_keyhop".into());
    // Written by cargo-deb from Cargo.toml's license and copyright.
    files.insert("/usr/share/doc/keyhop/copyright".into());
    files
}

fn rpm_files() -> BTreeSet<String> {
    let mut files: BTreeSet<String> = common_files().into_iter().collect();
    files.insert("/usr/share/zsh/site-functions/_keyhop".into());
    files
}

// ---------------------------------------------------------------------------------------------
// Running things

fn run(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"))
}

/// Runs `cmd`, panics with its output unless it succeeds; its stdout.
fn ok(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{shown} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn have(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// A tool `cargo xtask test` installs; its absence is a broken setup, not a reason to pass.
fn require(program: &str, debian_package: &str) {
    assert!(
        have(program),
        "{program} is not installed (Debian: {debian_package}); run these tests with \
         `cargo xtask test --test installers_linux`, which installs it"
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// One line straight to stderr: `eprintln!` goes into libtest's capture of a passing test,
/// where the runner (xtask) never sees it to count the skip.
fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = std::io::stderr()
        .lock()
        .write_all(format!("\n{SKIP_MARK}: {test}: {why}\n").as_bytes());
}

// ---------------------------------------------------------------------------------------------
// The packages, built once

struct Packages {
    deb: PathBuf,
    rpm: PathBuf,
}

/// Holds, until this test binary exits, a machine-wide lock that another run of these tests (a
/// second `cargo xtask test` on this machine, another checkout) waits for: they would rebuild
/// target/dist under each other's feet, and install and remove the same package.
fn exclusive() {
    static LOCK: OnceLock<std::fs::File> = OnceLock::new();
    LOCK.get_or_init(|| {
        let path = std::env::temp_dir().join("keyhop-installers-test.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        if file.try_lock().is_err() {
            eprintln!("waiting for another run of the installer tests ({})", path.display());
            file.lock().unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
        }
        file
    });
}

/// Runs `cargo xtask package` once for all tests of this file; the paths it reports.
fn packages() -> &'static Packages {
    static BUILT: OnceLock<Result<Packages, String>> = OnceLock::new();
    exclusive();
    let built = BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let keyhop = Path::new(env!("CARGO_BIN_EXE_keyhop"));
        // `--binary` packages the keyhop-signin beside keyhop: the one this test build made.
        let signin = option_env!("CARGO_BIN_EXE_keyhop-signin")
            .map(Path::new)
            .ok_or("no keyhop-signin in this test build: the packages need the default features")?;
        if signin.parent() != keyhop.parent() {
            return Err(format!("{} is not beside {}", signin.display(), keyhop.display()));
        }
        let out = Command::new(cargo)
            // What is checked here is the packaging, not the optimiser: the binaries these tests
            // run are packaged, saving CI a second (release) build of every dependency.
            // `cargo xtask package` alone builds the real release profile.
            .args(["xtask", "package", "--binary"])
            .arg(keyhop)
            .current_dir(repo())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run cargo xtask package: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let log = format!(
            "--- stdout\n{stdout}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if !out.status.success() {
            return Err(format!("cargo xtask package failed ({}):\n{log}", out.status));
        }
        // The last lines: `xtask: deb: PATH (SIZE)` and `xtask: rpm: PATH (SIZE)`.
        let path_of = |kind: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("xtask: {kind}: ")))
                .and_then(|rest| rest.split(" (").next())
                .map(PathBuf::from)
                .filter(|p| p.is_file())
                .ok_or_else(|| format!("cargo xtask package reported no {kind} file:\n{log}"))
        };
        Ok(Packages {
            deb: path_of("deb")?,
            rpm: path_of("rpm")?,
        })
    });
    match built {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the source files and the installed ones

fn validate_desktop_file(path: &Path) {
    ok(Command::new("desktop-file-validate").arg(path));
    let text = std::fs::read_to_string(path).expect("read the desktop file");
    for line in ["Type=Application", "Exec=keyhop tray", "Icon=keyhop", "Terminal=false"] {
        assert!(text.lines().any(|l| l == line), "{}: no `{line}`", path.display());
    }
    let categories = text
        .lines()
        .find_map(|l| l.strip_prefix("Categories="))
        .unwrap_or_else(|| panic!("{}: no Categories", path.display()));
    for c in ["Utility", "Security"] {
        assert!(
            categories.split(';').any(|x| x == c),
            "{}: Categories lacks {c}",
            path.display()
        );
    }
}

fn validate_metainfo(path: &Path) {
    ok(Command::new("appstreamcli").args(["validate", "--no-net"]).arg(path));
    let text = std::fs::read_to_string(path).expect("read the metainfo");
    assert!(
        text.contains(&format!("<id>{APP_ID}</id>")),
        "{}: the id is not {APP_ID}",
        path.display()
    );
    assert!(
        text.contains(&format!(
            r#"<launchable type="desktop-id">{APP_ID}.desktop</launchable>"#
        )),
        "{}: the launchable is not {APP_ID}.desktop",
        path.display()
    );
    // Releases are newest first: the first one must be this version.
    let newest = text
        .split("<release ")
        .nth(1)
        .and_then(|r| r.split("version=\"").nth(1))
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("{}: no <release version=…>", path.display()));
    assert_eq!(
        newest,
        version(),
        "{}: the newest <release> is not the version of Cargo.toml; add a release entry",
        path.display()
    );
}

/// Width and height of a PNG file (from its IHDR chunk).
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n") && &bytes[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn launcher_and_metainfo_in_the_sources_validate() {
    require("desktop-file-validate", "desktop-file-utils");
    require("appstreamcli", "appstream");
    let linux = repo().join("installers").join("linux");
    validate_desktop_file(&linux.join("keyhop.desktop"));
    validate_metainfo(&linux.join(format!("{APP_ID}.metainfo.xml")));
}

// ---------------------------------------------------------------------------------------------
// The .deb, installed for real

fn installed_packages() -> BTreeSet<String> {
    ok(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Abbrev} ${binary:Package}\n"]))
        .lines()
        .filter(|l| l.starts_with("ii"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(str::to_owned)
        .collect()
}

fn apt_get() -> Command {
    let mut cmd = Command::new("apt-get");
    cmd.env("DEBIAN_FRONTEND", "noninteractive")
        // Another apt (a developer's, unattended-upgrades) may hold the lock: wait for it.
        .args(["-o", "DPkg::Lock::Timeout=600", "-y"]);
    cmd
}

/// Removes keyhop and whatever its installation pulled in, even when an assertion failed.
struct Installed {
    before: BTreeSet<String>,
    removed: bool,
}

impl Installed {
    /// Removes keyhop (`apt-get remove`), then packages that its installation added; the names
    /// of those still there that were not there before.
    fn remove(&mut self) -> Result<Vec<String>, String> {
        self.removed = true;
        let out = run(apt_get().args(["remove", "--purge", "keyhop"]));
        if !out.status.success() {
            return Err(format!(
                "apt-get remove keyhop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let added: Vec<String> = installed_packages().difference(&self.before).cloned().collect();
        if !added.is_empty() {
            eprintln!("removing what installing keyhop added: {}", added.join(" "));
            let out = run(apt_get().args(["remove", "--purge"]).args(&added));
            if !out.status.success() {
                return Err(format!(
                    "apt-get remove {} failed: {}",
                    added.join(" "),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
        Ok(installed_packages().difference(&self.before).cloned().collect())
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if !self.removed
            && let Err(e) = self.remove()
        {
            eprintln!("cleanup after a failed test: {e}");
        }
    }
}

#[test]
fn deb_installs_runs_and_removes_cleanly() {
    const TEST: &str = "deb_installs_runs_and_removes_cleanly";
    if !is_root() {
        return skip(TEST, "not root: cannot install the .deb with apt-get");
    }
    if !have("apt-get") || !have("dpkg-query") {
        return skip(TEST, "no apt-get/dpkg here (not Debian)");
    }
    exclusive();
    let before = installed_packages();
    if before.contains("keyhop") {
        return skip(
            TEST,
            "a keyhop package is installed on this machine already; not replacing it",
        );
    }
    require("desktop-file-validate", "desktop-file-utils");
    require("appstreamcli", "appstream");
    let packages = packages();

    check_deb_before_install(&packages.deb);

    let mut installed = Installed {
        before: before.clone(),
        removed: false,
    };
    ok(apt_get().arg("install").arg(&packages.deb));

    // What dpkg says is installed is exactly the expected files.
    let listed: BTreeSet<String> = ok(Command::new("dpkg-query").args(["-L", "keyhop"]))
        .lines()
        .map(str::to_owned)
        .filter(|p| Path::new(p).is_file())
        .collect();
    assert_eq!(listed, deb_files(), "files of the installed package");

    check_installed_program();

    check_completions_and_man_page();

    // Gone again, and nothing else changed.
    let left = installed.remove().unwrap_or_else(|e| panic!("{e}"));
    assert!(left.is_empty(), "packages left behind: {left:?}");
    assert_eq!(installed_packages(), before, "installed packages before and after");
    // Purged: dpkg knows nothing of keyhop any more (not even `rc`, config files left).
    let state = run(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Abbrev}", "keyhop"]));
    let state_text = String::from_utf8_lossy(&state.stdout);
    assert!(
        !state.status.success() || state_text.trim().is_empty() || state_text.starts_with("un"),
        "dpkg state of keyhop after removal: {state_text}"
    );
    for file in deb_files() {
        assert!(!Path::new(&file).exists(), "{file} is still there after removal");
    }
}

/// The package's own metadata (name, version, dependencies), and AppStream's view of its
/// whole payload, before installing it.
fn check_deb_before_install(deb: &Path) {
    let field = |name: &str| ok(Command::new("dpkg-deb").args(["-f"]).arg(deb).arg(name));
    assert_eq!(field("Package").trim(), "keyhop");
    assert_eq!(field("Version").trim(), format!("{}-1", version()));
    let depends = field("Depends");
    for dep in [
        "libgtk-3-0",
        // keyhop-signin's web engine.
        "libwebkit2gtk-4.1-0",
        "libayatana-appindicator3-1",
        "libdbus-1-3",
        "libxkbcommon-x11-0",
        "default-dbus-session-bus | dbus-session-bus",
    ] {
        assert!(depends.contains(dep), "Depends lacks {dep}: {depends}");
    }
    // One entry per package (cargo-deb lists a library once per binary that links it).
    let mut names: Vec<&str> = depends
        .split(',')
        .map(|d| d.split(['(', ' ']).find(|w| !w.is_empty()).unwrap_or(d))
        .collect();
    let all = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all, "a package is named twice in Depends: {depends}");
    let recommends = field("Recommends");
    assert!(recommends.contains("gnome-keyring"), "Recommends: {recommends}");

    // AppStream's view of the whole payload: the metainfo, its launcher, its icon.
    let tree = tempfile::tempdir().expect("temp dir");
    ok(Command::new("dpkg-deb").arg("-x").arg(deb).arg(tree.path()));
    ok(Command::new("appstreamcli")
        .args(["validate-tree", "--no-net"])
        .arg(tree.path()));
}

/// The installed program runs from /usr/bin, as a user would start it; its launcher, metainfo
/// and icons are valid.
fn check_installed_program() {
    let bin = Path::new("/usr/bin/keyhop");
    let shown = ok(Command::new(bin).arg("--version"));
    assert!(
        shown.starts_with(&format!("keyhop {} (", version())),
        "keyhop --version: {shown}"
    );
    let home = tempfile::tempdir().expect("temp dir");
    let mut list = Command::new(bin);
    list.args(["session", "list"])
        .env("HOME", home.path())
        .env("KEYHOP_HOME", home.path().join("keyhop"))
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("credentials"))
        .env("AWS_CONFIG_FILE", home.path().join("config"));
    let listed = ok(&mut list);
    assert!(!listed.trim().is_empty(), "keyhop session list printed nothing");
    check_installed_signin(home.path());

    // Launcher, metainfo, icons.
    validate_desktop_file(&PathBuf::from(format!("/usr/share/applications/{APP_ID}.desktop")));
    validate_metainfo(&PathBuf::from(format!("/usr/share/metainfo/{APP_ID}.metainfo.xml")));
    for &n in ICON_SIZES {
        let icon = PathBuf::from(format!("/usr/share/icons/hicolor/{n}x{n}/apps/keyhop.png"));
        assert_eq!(png_size(&icon), (n, n), "{}", icon.display());
    }
    let svg =
        std::fs::read_to_string("/usr/share/icons/hicolor/scalable/apps/keyhop.svg").expect("read the scalable icon");
    assert!(svg.contains("<svg"), "the scalable icon is not an SVG");
}

/// The SAML sign-in window runs from /usr/bin, and the installed keyhop finds it there.
fn check_installed_signin(home: &Path) {
    let shown = ok(Command::new("/usr/bin/keyhop-signin").arg("--version"));
    assert_eq!(
        shown.trim(),
        format!("keyhop-signin {}", version()),
        "keyhop-signin --version"
    );
    let mut doctor = Command::new("/usr/bin/keyhop");
    doctor
        .args(["doctor", "--json"])
        .env("HOME", home)
        .env("KEYHOP_HOME", home.join("keyhop"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_CONFIG_FILE", home.join("config"));
    // doctor exits 1 when another check fails (nothing is set up in this home): its JSON counts.
    let out = run(&mut doctor);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "keyhop doctor --json printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let check = v["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == "sign-in-window"))
        .unwrap_or_else(|| panic!("keyhop doctor has no sign-in-window check: {v}"));
    assert_eq!(check["status"], "ok", "{check}");
    let message = check["message"].as_str().unwrap_or_default();
    assert!(message.contains("/usr/bin/keyhop-signin"), "{check}");
}

/// The shell completions (generated from the clap definitions) and the man page are where
/// bash, zsh, fish and man find them.
fn check_completions_and_man_page() {
    let bash = ok(Command::new("bash").args([
        "-c",
        "source /usr/share/bash-completion/completions/keyhop && complete -p keyhop",
    ]));
    assert!(bash.contains("keyhop"), "bash completion not registered: {bash}");
    let zsh = std::fs::read_to_string("/usr/share/zsh/vendor-completions/_keyhop").expect("zsh");
    assert!(
        zsh.starts_with("#compdef keyhop"),
        "zsh completion: {}",
        &zsh[..zsh.len().min(80)]
    );
    let fish = std::fs::read_to_string("/usr/share/fish/vendor_completions.d/keyhop.fish").expect("fish");
    assert!(fish.contains("complete -c keyhop"), "fish completion");
    for sub in ["session", "import", "credential-process"] {
        assert!(fish.contains(sub), "fish completion lacks the `{sub}` subcommand");
    }

    // The man page, gzipped, where man finds it.
    let page = ok(Command::new("gzip").args(["-dc", "/usr/share/man/man1/keyhop.1.gz"]));
    assert!(
        page.contains(".TH keyhop 1"),
        "man page: {}",
        &page[..page.len().min(200)]
    );
    assert!(page.contains(".SH NAME"), "man page without NAME");
    if have("man") {
        let found = ok(Command::new("man").args(["-w", "keyhop"]));
        assert_eq!(found.trim(), "/usr/share/man/man1/keyhop.1.gz");
    }
}

// ---------------------------------------------------------------------------------------------
// The .rpm, read with rpm (Debian's rpm package)

#[test]
fn rpm_has_the_files_and_dependencies() {
    require("rpm", "rpm");
    let rpm = &packages().rpm;
    let query = |args: &[&str]| ok(Command::new("rpm").args(args).arg(rpm));

    assert!(query(&["-K", "--nosignature"]).contains("digests OK"), "rpm digests");
    assert_eq!(
        query(&["-qp", "--queryformat", "%{NAME} %{VERSION}"]),
        format!("keyhop {}", version())
    );

    let files: BTreeSet<String> = query(&["-qlp"]).lines().map(str::to_owned).collect();
    assert_eq!(files, rpm_files(), "files of the .rpm");

    let requires = query(&["-qp", "--requires"]);
    for dep in [
        "libgtk-3.so.0()(64bit)",
        "libwebkit2gtk-4.1.so.0()(64bit)",
        "libdbus-1.so.3()(64bit)",
        "libayatana-appindicator3.so.1()(64bit)",
        "libxkbcommon-x11.so.0()(64bit)",
        "dbus",
    ] {
        assert!(
            requires.lines().any(|l| l.trim() == dep),
            "Requires lacks {dep}:\n{requires}"
        );
    }
    let recommends = query(&["-qp", "--recommends"]);
    assert!(
        recommends.lines().any(|l| l.trim() == "gnome-keyring"),
        "Recommends: {recommends}"
    );

    // Modes: the program executable, everything else plain files.
    let modes = query(&["-qp", "--queryformat", "[%{FILEMODES:perms} %{FILENAMES}\n]"]);
    for line in modes.lines() {
        let (perms, path) = line.split_once(' ').expect("perms path");
        let want = if path.starts_with("/usr/bin/") {
            "-rwxr-xr-x"
        } else {
            "-rw-r--r--"
        };
        assert_eq!(perms, want, "mode of {path}");
    }
}
