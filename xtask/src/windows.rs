//! The Windows tier of `cargo xtask test`: the Windows `keyhop.exe` (debug, MinGW), a throwaway
//! Wine prefix to run it in, and the display it draws on. `tests/it/windows/` drives it.
//!
//! - The build is `cargo xtask check-targets windows` (a real build, linted by clippy as it
//!   compiles); it starts with the run, beside the test build and then the Linux tests, so the
//!   cold run pays for the MinGW build of the dependencies once.
//! - The prefix lives in `target/xtask/windows-<pid>/prefix` and is removed at the end. Its
//!   wineserver runs in the foreground as a service of ours (`-p`: it stays up between wine
//!   processes, ~0.2 s per command instead of ~0.7 s) and dies with the run.
//! - Wine 8 lacks `bcryptprimitives.dll`, which Rust's std imports for randomness: the exe exits
//!   53 printing nothing. `xtask/rig/windows/bcryptprimitives.c`, built here with MinGW, is a
//!   stand-in (test rig only; Windows 10+ has the DLL). A fresh prefix has no fonts: iced would
//!   draw no text, so the Linux TrueType fonts are copied in.
//! - The tests wait for `<dir>/ready` (`ok`, or `failed: why`), written once all of it is done.

use crate::Result;
use crate::desktop::{self, Display};
use crate::gates::Gate;
use crate::packages;
use crate::service::Service;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

pub const TRIPLE: &str = "x86_64-pc-windows-gnu";
pub const WINE: &str = "/usr/lib/wine/wine64";
const WINESERVER: &str = "/usr/lib/wine/wineserver";

/// Whether this run has the tier: the whole suite, or a `windows::` test filter among cargo's
/// arguments (`cargo xtask test --test it -- windows::`).
pub fn wanted(cargo_args: &[String]) -> bool {
    cargo_args.is_empty() || cargo_args.iter().any(|a| a.starts_with("windows"))
}

/// Where the Windows build goes: a target directory of its own, so that it waits on no other
/// cargo (the test build, the gates) and none waits on it.
fn target_dir() -> PathBuf {
    crate::repo_root().join("target").join("windows")
}

/// `target/windows/<triple>/debug/keyhop.exe`.
pub fn exe() -> PathBuf {
    target_dir().join(TRIPLE).join("debug").join("keyhop.exe")
}

/// The apt package of the MinGW toolchain the Windows build needs (installed before the rest
/// of the rig's packages, so that the build can start early).
pub const MINGW_PACKAGE: &str = "gcc-mingw-w64-x86-64";

/// The build's gate once its thread ends (a panicked thread is a failed gate).
pub fn joined(build: std::thread::JoinHandle<Gate>) -> Gate {
    build.join().unwrap_or_else(|_| Gate {
        name: "windows: build keyhop.exe (clippy)",
        passed: false,
        took: Duration::ZERO,
        output: "the Windows build's thread panicked".into(),
    })
}

/// The Windows gate: `cargo xtask check-targets windows`, a real build linted by clippy.
pub fn build_gate() -> Gate {
    crate::gates::run_one(
        "windows: build keyhop.exe (clippy)",
        &["xtask", "check-targets", "windows"],
        &target_dir(),
        crate::gates::WINDOWS_NICE,
    )
}

/// The tier's directory, display and wineserver; everything stops and goes on drop.
pub struct Tier {
    pub dir: PathBuf,
    pub display: Option<Display>,
    trayer: Option<Service>,
    wineserver: Option<Service>,
}

impl Tier {
    /// An empty `<work>/windows-<pid>`, and an Xvfb + trayer of the tier's own (Wine's tray host,
    /// explorer.exe, stays on the display it started on, so all of the tier shares one).
    pub fn new(work: &Path, path: &OsString) -> Result<Tier> {
        let dir = work.join(format!("windows-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let display = desktop::start_xvfb(&dir, path)?;
        let trayer = match &display {
            Some(d) => Some(desktop::start_trayer(d, &dir)?),
            None => None,
        };
        Ok(Tier {
            dir,
            display,
            trayer,
            wineserver: None,
        })
    }

    pub fn prefix(&self) -> PathBuf {
        self.dir.join("prefix")
    }

    /// The variables `tests/it/windows/` reads.
    pub fn apply_env(&self, cmd: &mut Command) {
        cmd.env("KEYHOP_TEST_WINDOWS", &self.dir)
            .env("KEYHOP_TEST_WINDOWS_EXE", exe())
            .env("KEYHOP_TEST_WINE", WINE)
            .env("WINEPREFIX", self.prefix());
        if let Some(d) = &self.display {
            cmd.env("KEYHOP_TEST_WINDOWS_DISPLAY", &d.name);
        }
    }

    /// What the preparing thread needs.
    pub fn prep(&self) -> Prep {
        Prep {
            dir: self.dir.clone(),
            display: self.display.as_ref().map(|d| d.name.clone()),
        }
    }

    /// Keeps the prefix's wineserver until the end of the run.
    pub fn adopt(&mut self, wineserver: Option<Service>) {
        self.wineserver = wineserver;
    }
}

/// Builds the exe and makes the prefix, on the gates' thread.
pub struct Prep {
    dir: PathBuf,
    display: Option<String>,
}

impl Prep {
    fn prefix(&self) -> PathBuf {
        self.dir.join("prefix")
    }

    /// Makes the prefix while `build` (the gate `check-targets windows`, at normal priority,
    /// started with the run) goes on, then writes the ready file. Returns the build as a gate,
    /// and the wineserver.
    pub fn run(&self, path: &OsString, build: std::thread::JoinHandle<Gate>) -> (Gate, Option<Service>) {
        let started = std::time::Instant::now();
        let prefix = self.make_prefix(path);
        let gate = joined(build);
        let (verdict, server) = match prefix {
            Ok(server) if gate.passed => ("ok".to_owned(), Some(server)),
            Ok(server) => (
                "failed: keyhop.exe did not build (the gate's output is printed at the end)".to_owned(),
                Some(server),
            ),
            Err(e) => (format!("failed: the Wine prefix: {e}"), None),
        };
        println!("xtask: windows tier: {verdict} ({}s)", started.elapsed().as_secs());
        let _ = std::fs::write(self.dir.join("ready"), format!("{verdict}\n"));
        (gate, server)
    }

    /// `wineboot --init` in a fresh prefix with our wineserver, the stand-in DLL, the fonts.
    fn make_prefix(&self, path: &OsString) -> Result<Service> {
        let prefix = self.prefix();
        std::fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
        let mut server = Command::new(WINESERVER);
        server.args(["-f", "-p"]).env("WINEPREFIX", &prefix);
        let server = Service::spawn("wineserver", server, &self.dir)?;
        // Wine's services (started here, living as long as the server) inherit these: a log
        // file, never xtask's own output, which they would hold open past the end of the run.
        let log = self.dir.join("wineboot.log");
        let out = std::fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("{}: {e}", log.display()))?;
        let mut boot = self.wine_cmd(path);
        boot.args(["wineboot", "--init"])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        packages::run(&mut boot, "wineboot --init")?;
        let system32 = prefix.join("drive_c/windows/system32");
        let source = crate::repo_root().join("xtask/rig/windows/bcryptprimitives.c");
        packages::run(
            Command::new("x86_64-w64-mingw32-gcc")
                .args(["-shared", "-O2", "-s", "-o"])
                .arg(system32.join("bcryptprimitives.dll"))
                .arg(&source)
                .arg("-ladvapi32")
                .env("PATH", path),
            "x86_64-w64-mingw32-gcc (the bcryptprimitives.dll stand-in)",
        )?;
        copy_fonts(&prefix.join("drive_c/windows/Fonts"))?;
        self.seed_credential_key(path)?;
        Ok(server)
    }

    /// Wine's Credential Manager makes its encryption key on first use, read-then-write with
    /// no lock: two keyhop.exe storing their first secrets at once (the tier's cases start
    /// four at a time) each made a key, the second overwrote the first, and the secret stored
    /// under the lost key read back as garbage. A key made once, before any case runs.
    fn seed_credential_key(&self, path: &OsString) -> Result<()> {
        let mut bytes = [0u8; 8];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
            .map_err(|e| format!("/dev/urandom: {e}"))?;
        let hex = bytes.iter().fold(String::new(), |mut hex, b| {
            let _ = std::fmt::Write::write_fmt(&mut hex, format_args!("{b:02x}"));
            hex
        });
        let mut add = self.wine_cmd(path);
        add.args([
            "reg",
            "add",
            r"HKCU\Software\Wine\Credential Manager",
            "/v",
            "EncryptionKey",
            "/t",
            "REG_BINARY",
            "/d",
            &hex,
            "/f",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null());
        packages::run(&mut add, "wine reg add (the Credential Manager's key)")
    }

    /// `wine64` in the prefix, quiet, on the tier's display.
    fn wine_cmd(&self, path: &OsString) -> Command {
        let mut cmd = Command::new(WINE);
        cmd.env("WINEPREFIX", self.prefix())
            .env("WINEDEBUG", "-all")
            // No Mono/Gecko installer dialogs: keyhop needs neither.
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env("PATH", path);
        match &self.display {
            Some(d) => cmd.env("DISPLAY", d),
            None => cmd.env_remove("DISPLAY"),
        };
        cmd
    }
}

impl Drop for Tier {
    fn drop(&mut self) {
        // Every process of the prefix first (`-k` ends Wine's services too, which a plain stop
        // of the server leaves behind), then the server, the tray host and X.
        let _ = Command::new(WINESERVER)
            .arg("-k")
            .env("WINEPREFIX", self.prefix())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        self.wineserver.take();
        std::thread::sleep(Duration::from_millis(200));
        self.trayer.take();
        self.display.take();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copies `/usr/share/fonts/truetype/*/*.ttf` into the prefix's Fonts directory.
fn copy_fonts(to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let root = Path::new("/usr/share/fonts/truetype");
    let mut copied = 0;
    for family in std::fs::read_dir(root)
        .map_err(|e| format!("{}: {e}", root.display()))?
        .flatten()
    {
        for font in std::fs::read_dir(family.path()).into_iter().flatten().flatten() {
            let p = font.path();
            if p.extension().is_some_and(|e| e == "ttf") {
                let name = p.file_name().expect("a file name");
                std::fs::copy(&p, to.join(name)).map_err(|e| format!("copy {}: {e}", p.display()))?;
                copied += 1;
            }
        }
    }
    if copied == 0 {
        return Err(format!(
            "no TrueType fonts under {} (Debian: fonts-dejavu-core)",
            root.display()
        ));
    }
    Ok(())
}
