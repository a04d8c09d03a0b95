//! The macOS app bundle's sources, checked on any OS: the Info.plist that
//! `installers/macos/build-app.sh --plist-only` writes (read back with Python's plistlib, as
//! macOS reads it), the iconset that `--iconset-only` writes for iconutil, and the programs that
//! `--binaries-only` puts into the bundle (keyhop and its sign-in window). Building the
//! .app and .dmg themselves needs a Mac.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn script() -> std::path::PathBuf {
    repo().join("installers").join("macos").join("build-app.sh")
}

fn run_ok(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    assert!(
        out.status.success(),
        "{shown} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Cargo.toml's version as a bundle version (numbers and dots only).
fn bundle_version() -> String {
    let v = env!("CARGO_PKG_VERSION");
    v.split(['-', '+']).next().unwrap_or(v).to_owned()
}

#[test]
fn plist_has_the_cargo_version_and_no_dock_icon() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plist = dir.path().join("Info.plist");
    run_ok(Command::new("bash").arg(script()).arg("--plist-only").arg(&plist));

    // plistlib rejects what is not a property list; the values come back typed.
    let json = run_ok(
        Command::new("python3")
            .arg("-c")
            .arg(
                "import json, plistlib, sys\n\
         with open(sys.argv[1], 'rb') as f: d = plistlib.load(f)\n\
         print(json.dumps(d))",
            )
            .arg(&plist),
    );
    let d: Value = serde_json::from_str(&json).expect("plistlib's JSON");

    let version = bundle_version();
    assert_eq!(d["CFBundleShortVersionString"], Value::from(version.as_str()));
    assert_eq!(d["CFBundleVersion"], Value::from(version.as_str()));
    assert_eq!(
        d["LSUIElement"],
        Value::Bool(true),
        "LSUIElement must be true (no Dock icon)"
    );
    assert_eq!(d["CFBundleIdentifier"], "io.github.keyhop.keyhop");
    assert_eq!(d["CFBundleExecutable"], "keyhop");
    assert_eq!(d["CFBundleIconFile"], "keyhop");
    assert_eq!(d["CFBundlePackageType"], "APPL");
    assert_eq!(d["CFBundleInfoDictionaryVersion"], "6.0");
    let text = std::fs::read_to_string(&plist).expect("read the plist");
    assert!(!text.contains('@'), "a placeholder was left in the plist:\n{text}");
}

#[test]
fn plist_only_refuses_a_missing_argument() {
    let out = Command::new("bash")
        .arg(script())
        .arg("--plist-only")
        .stdin(Stdio::null())
        .output()
        .expect("run build-app.sh");
    assert!(!out.status.success(), "--plist-only without OUT succeeded");
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage"));
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
fn iconset_has_the_names_and_sizes_iconutil_wants() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_ok(Command::new("bash").arg(script()).arg("--iconset-only").arg(dir.path()));
    let set = dir.path().join("keyhop.iconset");
    let mut names: Vec<String> = std::fs::read_dir(&set)
        .expect("the iconset folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for needed in [
        "icon_16x16.png",
        "icon_16x16@2x.png",
        "icon_32x32.png",
        "icon_32x32@2x.png",
        "icon_128x128.png",
        "icon_128x128@2x.png",
        "icon_256x256.png",
    ] {
        assert!(names.iter().any(|n| n == needed), "{needed} missing from {names:?}");
    }
    // icon_NxN.png has N pixels a side, icon_NxN@2x.png twice that.
    for name in &names {
        let stem = name
            .strip_prefix("icon_")
            .and_then(|s| s.strip_suffix(".png"))
            .unwrap_or_else(|| panic!("{name}: not a name iconutil knows"));
        let (dims, scale) = match stem.strip_suffix("@2x") {
            Some(d) => (d, 2),
            None => (stem, 1),
        };
        let (w, h) = dims.split_once('x').expect("NxN");
        let n: u32 = w.parse().expect("a number");
        assert_eq!(w, h, "{name}: not square");
        assert!([16, 32, 128, 256, 512].contains(&n), "{name}: not an iconset size");
        assert_eq!(png_size(&set.join(name)), (n * scale, n * scale), "{name}");
    }
}

#[test]
fn the_bundle_holds_keyhop_and_its_sign_in_window_side_by_side() {
    let dir = tempfile::tempdir().expect("temp dir");
    let built = dir.path().join("release");
    std::fs::create_dir(&built).expect("mkdir");
    for program in ["keyhop", "keyhop-signin"] {
        std::fs::write(built.join(program), format!("#!/bin/sh\necho {program}\n")).expect("write");
    }
    let app = dir.path().join("keyhop.app");
    run_ok(
        Command::new("bash")
            .arg(script())
            .arg("--binaries-only")
            .arg(&built)
            .arg(&app),
    );
    let macos = app.join("Contents").join("MacOS");
    for program in ["keyhop", "keyhop-signin"] {
        // keyhop runs keyhop-signin from its own directory (src/saml_signin.rs). Read through
        // sh: exec'ing a file this process just wrote can meet ETXTBSY under parallel tests.
        let path = macos.join(program);
        let shown = run_ok(Command::new("sh").arg(&path));
        assert_eq!(shown.trim(), program, "{program} in the bundle");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
            assert_eq!(mode & 0o777, 0o755, "mode of {}", path.display());
        }
    }

    // A build without the sign-in window makes no bundle.
    std::fs::remove_file(built.join("keyhop-signin")).expect("remove");
    let out = Command::new("bash")
        .arg(script())
        .arg("--binaries-only")
        .arg(&built)
        .arg(dir.path().join("other.app"))
        .stdin(Stdio::null())
        .output()
        .expect("run build-app.sh");
    assert!(!out.status.success(), "bundled without keyhop-signin");
    assert!(String::from_utf8_lossy(&out.stderr).contains("keyhop-signin"));
}
