//! The Windows installer's source, installers/windows/main.wxs (cargo-wix, WiX 3), checked on any
//! OS: well-formed XML (Python's xml.etree), the version from Cargo.toml through cargo-wix's
//! `$(var.Version)`, the fixed UpgradeCode of `[package.metadata.wix]`, the Start-menu shortcut
//! and the optional start at login (the Run key). Building the MSI needs Windows and WiX.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// main.wxs and Cargo.toml's `[package.metadata.wix]`, as JSON: every element of the WiX
/// namespace (tag, attributes, id of the enclosing Directory/Component/Feature) and the metadata.
const READ: &str = r"
import json, sys, tomllib, xml.etree.ElementTree as ET
NS = '{http://schemas.microsoft.com/wix/2006/wi}'
root = ET.parse(sys.argv[1]).getroot()
if root.tag != NS + 'Wix':
    sys.exit('root element is %s, not the WiX 3 <Wix>' % root.tag)
out = []
def walk(el, ctx):
    tag = el.tag[len(NS):] if el.tag.startswith(NS) else el.tag
    if not el.tag.startswith(NS):
        sys.exit('element outside the WiX namespace: %s' % el.tag)
    out.append({'tag': tag, 'attrs': el.attrib, 'text': (el.text or '').strip(), 'ctx': dict(ctx)})
    inner = dict(ctx)
    if tag in ('Directory', 'Component', 'Feature'):
        inner[tag] = el.attrib.get('Id')
    for child in el:
        walk(child, inner)
walk(root, {})
with open(sys.argv[2], 'rb') as f:
    wix = tomllib.load(f)['package']['metadata']['wix']
print(json.dumps({'elements': out, 'wix': wix}))
";

struct Wxs {
    elements: Vec<Value>,
    wix: Value,
}

impl Wxs {
    fn load() -> Wxs {
        let wxs = repo().join("installers").join("windows").join("main.wxs");
        let out = Command::new("python3")
            .arg("-c")
            .arg(READ)
            .arg(&wxs)
            .arg(repo().join("Cargo.toml"))
            .stdin(Stdio::null())
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "{} does not parse: {}",
            wxs.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        Wxs {
            elements: v["elements"].as_array().expect("elements").clone(),
            wix: v["wix"].clone(),
        }
    }

    fn all(&self, tag: &str) -> Vec<&Value> {
        self.elements.iter().filter(|e| e["tag"] == tag).collect()
    }

    fn one(&self, tag: &str) -> &Value {
        let found = self.all(tag);
        assert_eq!(found.len(), 1, "expected one <{tag}>, found {}", found.len());
        found[0]
    }

    fn with_id(&self, tag: &str, id: &str) -> &Value {
        self.elements
            .iter()
            .find(|e| e["tag"] == tag && e["attrs"]["Id"] == id)
            .unwrap_or_else(|| panic!("no <{tag} Id='{id}'>"))
    }

    /// The Feature that references Component `id`.
    fn feature_of(&self, component: &str) -> &Value {
        let reference = self
            .all("ComponentRef")
            .into_iter()
            .find(|r| r["attrs"]["Id"] == component)
            .unwrap_or_else(|| panic!("no feature installs component {component}"));
        let feature = reference["ctx"]["Feature"].as_str().expect("in a Feature");
        self.with_id("Feature", feature)
    }
}

fn attr<'a>(e: &'a Value, name: &str) -> &'a str {
    e["attrs"][name].as_str().unwrap_or_else(|| panic!("no {name} in {e}"))
}

#[test]
fn version_comes_from_cargo_toml_and_fits_an_msi() {
    let wxs = Wxs::load();
    let product = wxs.one("Product");
    // cargo-wix defines Version as the package version of Cargo.toml.
    assert_eq!(attr(product, "Version"), "$(var.Version)");
    // MSI versions are major.minor.build with at most 255.255.65535, numbers only.
    let version = env!("CARGO_PKG_VERSION");
    let parts: Vec<u32> = version
        .split('.')
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("{version}: an MSI version has numbers only"))
        })
        .collect();
    assert_eq!(parts.len(), 3, "{version}");
    assert!(parts[0] <= 255 && parts[1] <= 255 && parts[2] <= 65535, "{version}");
}

#[test]
fn upgrade_code_and_path_guid_are_the_fixed_ones_of_cargo_toml() {
    let wxs = Wxs::load();
    let product = wxs.one("Product");
    let upgrade = wxs.wix["upgrade-guid"].as_str().expect("upgrade-guid in Cargo.toml");
    assert_eq!(attr(product, "UpgradeCode"), upgrade);
    assert_eq!(attr(product, "Id"), "*", "a new ProductCode per build (major upgrades)");
    let is_guid = |g: &str| {
        g.len() == 36
            && g.char_indices().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            })
    };
    assert!(is_guid(upgrade), "upgrade-guid {upgrade}");
    let path = wxs.wix["path-guid"].as_str().expect("path-guid in Cargo.toml");
    assert_eq!(attr(wxs.with_id("Component", "Path"), "Guid"), path);
    assert!(wxs.all("MajorUpgrade").len() == 1, "no MajorUpgrade");
    // cargo-wix finds the source through Cargo.toml.
    assert_eq!(wxs.wix["include"], serde_json::json!(["installers/windows/main.wxs"]));
}

#[test]
fn installs_the_exe_and_a_start_menu_shortcut_to_the_tray() {
    let wxs = Wxs::load();
    let file = wxs.with_id("File", "KeyhopExe");
    assert_eq!(attr(file, "Name"), "keyhop.exe");
    assert_eq!(attr(file, "Source"), r"$(var.CargoTargetBinDir)\keyhop.exe");

    let shortcut = wxs.one("Shortcut");
    assert_eq!(shortcut["ctx"]["Directory"], "ProgramMenuFolder");
    assert_eq!(attr(shortcut, "Target"), "[#KeyhopExe]");
    assert_eq!(attr(shortcut, "Arguments"), "tray");
    let main = wxs.feature_of(shortcut["ctx"]["Component"].as_str().expect("component"));
    assert_eq!(
        attr(main, "Absent"),
        "disallow",
        "the shortcut is part of the main feature"
    );

    // The icon the shortcut and Add/Remove Programs show is in the repository, and is an .ico.
    let icon = wxs.with_id("Icon", "ProductICO");
    let path = repo().join(attr(icon, "SourceFile").replace('\\', "/"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.starts_with(&[0, 0, 1, 0]), "{} is not an .ico", path.display());
}

#[test]
fn installs_the_sign_in_window_beside_the_exe_in_the_main_feature() {
    let wxs = Wxs::load();
    let keyhop = wxs.with_id("File", "KeyhopExe");
    let signin = wxs.with_id("File", "KeyhopSigninExe");
    assert_eq!(attr(signin, "Name"), "keyhop-signin.exe");
    assert_eq!(attr(signin, "Source"), r"$(var.CargoTargetBinDir)\keyhop-signin.exe");
    // keyhop runs it from its own directory (src/saml_signin.rs).
    assert_eq!(signin["ctx"]["Directory"], keyhop["ctx"]["Directory"]);
    let component = signin["ctx"]["Component"].as_str().expect("in a Component");
    let feature = wxs.feature_of(component);
    assert_eq!(feature["attrs"]["Id"], "Application", "{feature}");
    assert_eq!(
        attr(feature, "Absent"),
        "disallow",
        "the sign-in window is not optional"
    );
}

#[test]
fn start_at_login_is_an_optional_feature_writing_the_run_key() {
    let wxs = Wxs::load();
    let run = wxs
        .all("RegistryValue")
        .into_iter()
        .find(|r| r["attrs"]["Key"] == r"Software\Microsoft\Windows\CurrentVersion\Run")
        .expect("a RegistryValue under ...\\CurrentVersion\\Run");
    assert_eq!(attr(run, "Root"), "HKCU");
    // The value keyhop's own autostart (auto-launch, app name "keyhop") reads and writes.
    assert_eq!(attr(run, "Name"), "keyhop");
    assert_eq!(attr(run, "Type"), "string");
    assert_eq!(attr(run, "Value"), r#""[#KeyhopExe]" tray"#);

    let feature = wxs.feature_of(run["ctx"]["Component"].as_str().expect("component"));
    assert_eq!(attr(feature, "Absent"), "allow", "start at login must be optional");
    assert_ne!(
        feature["ctx"]["Feature"],
        Value::Null,
        "start at login is a sub-feature of the main one"
    );
    // Off unless chosen: level above the default INSTALLLEVEL 1; AUTOSTART=1 turns it on.
    let level: u32 = attr(feature, "Level").parse().expect("Level");
    assert!(level > 1, "start at login is on by default");
    let condition = wxs
        .all("Condition")
        .into_iter()
        .find(|c| c["ctx"]["Feature"] == feature["attrs"]["Id"])
        .expect("a Condition in the start-at-login feature");
    assert_eq!(attr(condition, "Level"), "1");
    assert_eq!(condition["text"], r#"AUTOSTART = "1""#);
}
