//! `cargo xtask package`: the Linux packages (.deb and .rpm) of keyhop, in `target/dist/`.
//!
//! 1. `cargo build --release -p keyhop`, which builds both programs, keyhop and keyhop-signin
//!    (or, with `--binary PATH`, a keyhop built already and the keyhop-signin beside it: the
//!    installer tests package the debug build they test, which saves CI a second build of every
//!    dependency; they are staged in `target/package-staging/release/`, and both tools are
//!    pointed there with `CARGO_TARGET_DIR`);
//! 2. the built binary writes its shell completions and man page (generated from the clap
//!    definitions, never written by hand) into `target/dist/assets/`;
//! 3. `cargo deb --no-build` and `cargo generate-rpm` package the binaries, those files and
//!    `installers/linux/` as `[package.metadata.deb]` / `[package.metadata.generate-rpm]` in
//!    Cargo.toml list them; the .deb's Depends names each package once (`deb_depends.rs`).
//!
//! cargo-deb and cargo-generate-rpm are installed with `cargo install --locked --debug` when missing.
//! The last lines of the output are `xtask: deb: PATH` and `xtask: rpm: PATH`
//! (tests/it/installers_linux.rs reads them).

use crate::{Result, packages};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The cargo subcommands that make the packages: (subcommand, crate, version requirement).
/// The major versions are pinned: their metadata formats are what Cargo.toml is written for.
const TOOLS: &[(&str, &str, &str)] = &[
    ("deb", "cargo-deb", "^3"),
    ("generate-rpm", "cargo-generate-rpm", "^0.21"),
];

/// What `keyhop completions SHELL` writes, and the file name under `target/dist/assets/`.
const COMPLETIONS: &[(&str, &str)] = &[("bash", "keyhop.bash"), ("zsh", "_keyhop"), ("fish", "keyhop.fish")];

pub fn run(args: &[String]) -> Result<i32> {
    let given = match args {
        [] => None,
        [flag, path] if flag == "--binary" => Some(PathBuf::from(path)),
        _ => {
            return Err(format!(
                "usage: cargo xtask package [--binary PATH] (got `{}`)",
                args.join(" ")
            ));
        }
    };
    // The build needs the -dev packages; cargo-deb's `$auto` dependencies need dpkg-shlibdeps.
    packages::ensure_apt(packages::BUILD_PACKAGES)?;
    packages::ensure_apt(&["dpkg-dev"])?;
    for &(subcommand, krate, version) in TOOLS {
        ensure_tool(subcommand, krate, version)?;
    }

    let root = crate::repo_root();
    let dist = root.join("target").join("dist");
    let assets = dist.join("assets");
    // Two packaging runs at once would delete each other's files; the second waits.
    let _lock = lock(&dist)?;

    // cargo-deb and cargo-generate-rpm take the binaries from `<target dir>/release/` (Cargo.toml).
    let target_dir = if let Some(given) = &given {
        stage(root, given)?
    } else {
        println!("xtask: building the release binaries");
        cargo(&["build", "--release", "-p", "keyhop"])?;
        root.join("target")
    };
    let binary = target_dir.join("release").join("keyhop");
    let target_dir_arg = path_arg(&target_dir)?;
    // A test build is big (113 MB of debug code): trade package size for time. The tools are
    // debug builds, whose own compressors (C built at -O0 too) took 14 minutes of CPU on it;
    // the deb gets the system's gzip -1 and the rpm no payload compression.
    let (deb_fast, rpm_fast): (&[&str], &[&str]) = match given {
        Some(_) => (
            &["--fast", "--compress-type", "gz", "--compress-system"],
            &["--payload-compress", "none"],
        ),
        None => (&[], &[]),
    };
    for program in PROGRAMS {
        let built = target_dir.join("release").join(program);
        if !built.is_file() {
            return Err(format!(
                "{} is missing after the build (is CARGO_TARGET_DIR set? the packages expect target/)",
                built.display()
            ));
        }
    }

    println!(
        "xtask: generating completions and the man page into {}",
        assets.display()
    );
    let _ = std::fs::remove_dir_all(&assets);
    std::fs::create_dir_all(&assets).map_err(|e| format!("mkdir {}: {e}", assets.display()))?;
    for &(shell, file) in COMPLETIONS {
        let text = keyhop_stdout(&binary, &["completions", shell])?;
        write(&assets.join(file), &text)?;
    }
    let man = keyhop_stdout(&binary, &["manpage"])?;
    if !String::from_utf8_lossy(&man).contains(".TH keyhop 1") {
        return Err("`keyhop manpage` did not print a roff page (no `.TH keyhop 1`)".into());
    }
    write(&assets.join("keyhop.1"), &man)?;
    // -n: no name or time stamp inside, so the same page gives the same bytes.
    check(
        Command::new("gzip").args(["-9nf"]).arg(assets.join("keyhop.1")),
        "gzip the man page",
    )?;

    // Only this run's packages in target/dist/.
    remove_packages(&dist)?;
    println!("xtask: cargo deb");
    let dist_arg = path_arg(&dist)?;
    let deb_args = [&["deb", "--no-build", "-p", "keyhop", "-o", &dist_arg][..], deb_fast].concat();
    // Both tools find the binary under CARGO_TARGET_DIR (cargo-deb has no flag for it).
    cargo_in(&target_dir_arg, &deb_args)?;
    println!("xtask: cargo generate-rpm");
    let rpm_args = [&["generate-rpm", "-o", &dist_arg][..], rpm_fast].concat();
    cargo_in(&target_dir_arg, &rpm_args)?;

    let deb = single_package(&dist, "deb")?;
    let rpm = single_package(&dist, "rpm")?;
    // cargo-deb lists a library once per binary that links it: one entry each instead.
    let depends = crate::deb_depends::clean(&deb, &dist.join("deb-control"))?;
    println!("xtask: deb Depends: {depends}");
    println!("xtask: binary {} ({})", binary.display(), size_of(&binary));
    println!("xtask: deb: {} ({})", deb.display(), size_of(&deb));
    println!("xtask: rpm: {} ({})", rpm.display(), size_of(&rpm));
    Ok(0)
}

/// The programs the packages install into /usr/bin: keyhop, and the SAML sign-in window that
/// keyhop runs from its own directory (src/saml_signin.rs).
const PROGRAMS: &[&str] = &["keyhop", "keyhop-signin"];

/// Copies the given keyhop and the keyhop-signin beside it (a `cargo build` puts them side by
/// side) to `target/package-staging/release/`; that staging target dir.
fn stage(root: &Path, given: &Path) -> Result<PathBuf> {
    let staging = root.join("target").join("package-staging");
    let release = staging.join("release");
    std::fs::create_dir_all(&release).map_err(|e| format!("mkdir {}: {e}", release.display()))?;
    let beside = given.parent().unwrap_or(Path::new("."));
    for program in PROGRAMS {
        let from = if *program == "keyhop" {
            given.to_path_buf()
        } else {
            beside.join(program)
        };
        let to = release.join(program);
        std::fs::copy(&from, &to).map_err(|e| {
            format!(
                "cannot copy {} to {}: {e} (`--binary` takes a keyhop with keyhop-signin beside it)",
                from.display(),
                to.display()
            )
        })?;
        println!("xtask: packaging {} (not building)", from.display());
    }
    Ok(staging)
}

/// An exclusive lock on `dist/.lock`, released when the returned file is dropped.
fn lock(dist: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(dist).map_err(|e| format!("mkdir {}: {e}", dist.display()))?;
    let path = dist.join(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    if file.try_lock().is_err() {
        println!("xtask: waiting for another `cargo xtask package` ({})", path.display());
        file.lock()
            .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
    }
    Ok(file)
}

/// Installs `krate` (which provides `cargo SUBCOMMAND`) unless `cargo SUBCOMMAND --version` works.
fn ensure_tool(subcommand: &str, krate: &str, version: &str) -> Result<()> {
    let present = Command::new(crate::cargo())
        .args([subcommand, "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if present {
        return Ok(());
    }
    println!("xtask: installing {krate} ({version}) with cargo install --locked");
    // A debug build of the tool: half the compile time of a release one (measured for
    // cargo-deb: 23 s against 42 s), and it makes the same package. Its digests and
    // compressors are optimised all the same: unoptimised, cargo-generate-rpm spent 104 s of
    // CPU hashing the tests' 113 MB binary (2.7 s like this).
    let mut args = vec!["install", "--locked", "--debug", krate, "--version", version];
    let overrides: Vec<String> = HOT_DEPENDENCIES
        .iter()
        .map(|name| format!("profile.dev.package.{name}.opt-level=3"))
        .collect();
    for o in &overrides {
        args.extend(["--config", o]);
    }
    cargo(&args)
}

/// The packaging tools' dependencies that do their heavy work: hashes and compressors.
const HOT_DEPENDENCIES: &[&str] = &[
    "keccak",
    "sha2",
    "sha3",
    "sha1",
    "md-5",
    "crc32fast",
    "miniz_oxide",
    "zstd-sys",
    "lzma-sys",
];

fn cargo(args: &[&str]) -> Result<()> {
    check(
        Command::new(crate::cargo()).args(args).current_dir(crate::repo_root()),
        &format!("cargo {}", args.join(" ")),
    )
}

/// `cargo ARGS` with `CARGO_TARGET_DIR=target_dir`.
fn cargo_in(target_dir: &str, args: &[&str]) -> Result<()> {
    check(
        Command::new(crate::cargo())
            .args(args)
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(crate::repo_root()),
        &format!("cargo {}", args.join(" ")),
    )
}

use crate::packages::run as check;

/// Runs the built keyhop with `args`; its stdout, which must not be empty.
fn keyhop_stdout(binary: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let what = format!("keyhop {}", args.join(" "));
    let out = Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{what} failed ({})", out.status));
    }
    if out.stdout.is_empty() {
        return Err(format!("{what} printed nothing"));
    }
    Ok(out.stdout)
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn path_arg(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{} is not UTF-8", path.display()))
}

fn packages_in(dist: &Path, extension: &str) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dist) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dist.display())),
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot list {}: {e}", dist.display()))?
            .path();
        if path.is_file() && path.extension().is_some_and(|x| x == extension) {
            found.push(path);
        }
    }
    Ok(found)
}

fn remove_packages(dist: &Path) -> Result<()> {
    for extension in ["deb", "rpm"] {
        for old in packages_in(dist, extension)? {
            std::fs::remove_file(&old).map_err(|e| format!("cannot remove {}: {e}", old.display()))?;
        }
    }
    Ok(())
}

fn single_package(dist: &Path, extension: &str) -> Result<PathBuf> {
    let mut found = packages_in(dist, extension)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        n => Err(format!("expected one .{extension} in {}, found {n}", dist.display())),
    }
}

fn size_of(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => format!(
            "{}.{} MB, {} bytes",
            m.len() / 1_000_000,
            m.len() / 100_000 % 10,
            m.len()
        ),
        Err(e) => format!("size unknown: {e}"),
    }
}
