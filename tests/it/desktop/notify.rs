//! Notifications as dunst saw them: the run's one dunst (started by xtask in the run's D-Bus
//! session, shared by every test), or a dunst of the test's own (`OwnDunst`) for a test that
//! clicks a notification on screen.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{Bg, Desktop, wait_for};

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub appname: String,
    pub summary: String,
    pub body: String,
}

/// `dunstctl ARGS` (a dbus-send script) on the session bus at `bus`, or on the run's.
fn dunstctl(bus: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new("dunstctl");
    if let Some(address) = bus {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", address);
    }
    let out = cmd
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run dunstctl (Debian: dunst; run the tests with `cargo xtask test`)");
    assert!(
        out.status.success(),
        "dunstctl {args:?} failed (is dunst running in this D-Bus session? `cargo xtask test` starts it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every notification of the run so far. Shown ones are closed first: dunst's history holds
/// only closed notifications. (Closing another test's notification only moves it there too.)
pub fn notifications() -> Vec<Notification> {
    notifications_on(None)
}

fn notifications_on(bus: Option<&str>) -> Vec<Notification> {
    dunstctl(bus, &["close-all"]);
    // close-all is asynchronous in dunst's main loop: closed once none is displayed.
    wait_for(2.0, || {
        (dunstctl(bus, &["count", "displayed"]).trim() == "0").then_some(())
    });
    let json: serde_json::Value = serde_json::from_str(&dunstctl(bus, &["history"])).expect("dunstctl history is JSON");
    let items = json["data"][0].as_array().cloned().unwrap_or_default();
    let field = |n: &serde_json::Value, k: &str| n[k]["data"].as_str().unwrap_or_default().to_owned();
    items
        .iter()
        .map(|n| Notification {
            id: n["id"]["data"].as_i64().unwrap_or(-1),
            appname: field(n, "appname"),
            summary: field(n, "summary"),
            body: field(n, "body"),
        })
        .collect()
}

/// Waits up to `secs` for a notification that `matches`; panics listing all there were.
#[track_caller]
pub fn wait_notification(secs: f64, what: &str, matches: impl Fn(&Notification) -> bool) -> Notification {
    wait_notification_on(None, secs, what, matches)
}

#[track_caller]
fn wait_notification_on(
    bus: Option<&str>,
    secs: f64,
    what: &str,
    matches: impl Fn(&Notification) -> bool,
) -> Notification {
    let mut last = vec![];
    wait_for(secs, || {
        last = notifications_on(bus);
        last.iter().find(|n| matches(n)).cloned()
    })
    .unwrap_or_else(|| {
        let seen: Vec<String> = last
            .iter()
            .map(|n| format!("  #{} [{}] {} | {}", n.id, n.appname, n.summary, n.body))
            .collect();
        panic!(
            "no notification {what} within {secs} s; dunst has:\n{}",
            seen.join("\n")
        )
    })
}

/// A private session bus: no service files, so nothing starts that the test did not start
/// (the run's bus would activate a portal or a second dunst).
const BUS_CONF: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// A D-Bus session of the test's own with what keyhop needs there: an unlocked keyring (keyhop
/// caches every session's credentials in it) and dunst on the test's display with the run's
/// dunstrc. The run's dunst is one for all tests, and dunstctl (1.9) can neither list nor click
/// a displayed notification by id: a test that clicks one on screen needs its own daemon.
/// Stopped on drop (dunst, the keyring, then the bus).
pub struct OwnDunst {
    /// `DBUS_SESSION_BUS_ADDRESS` of the bus.
    pub address: String,
    _dunst: Bg,
    _keyring: Bg,
    _bus: Bg,
}

impl OwnDunst {
    pub fn start(desk: &Desktop) -> OwnDunst {
        let dir = desk.dir.path().join("own-bus");
        let home = dir.join("home");
        std::fs::create_dir_all(&home).expect("create the private bus's dir");
        let conf = dir.join("bus.conf");
        let listen = dir.to_str().expect("a UTF-8 temp dir");
        std::fs::write(&conf, BUS_CONF.replace("DIR", listen)).expect("write bus.conf");
        let (bus, address) = start_bus(&dir, &conf);
        // --foreground: ours to stop. Its own HOME and runtime dir: its keyring files and control
        // socket.
        let mut keyring = Command::new("sh");
        keyring
            .args([
                "-c",
                "exec gnome-keyring-daemon --foreground --unlock --components=secrets <<EOF\nkeyhop-test\nEOF",
            ])
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("DBUS_SESSION_BUS_ADDRESS", &address);
        crate::common::own_keyring_dirs(&mut keyring, &home);
        let keyring = Bg::spawn(keyring, dir.join("keyring.log"));
        wait_owned(&address, "org.freedesktop.secrets", &keyring);
        let rc = std::env::var_os("KEYHOP_DUNSTRC").expect("KEYHOP_DUNSTRC (run the tests with `cargo xtask test`)");
        let mut dunst = desk.cmd("dunst");
        dunst.arg("-config").arg(rc).env("DBUS_SESSION_BUS_ADDRESS", &address);
        let dunst = Bg::spawn(dunst, dir.join("dunst.log"));
        wait_owned(&address, "org.freedesktop.Notifications", &dunst);
        OwnDunst {
            address,
            _dunst: dunst,
            _keyring: keyring,
            _bus: bus,
        }
    }

    /// The environment of a program on this bus (e.g. for `TrayApp::start_with_env`).
    pub fn env(&self) -> [(&'static str, &str); 1] {
        [("DBUS_SESSION_BUS_ADDRESS", self.address.as_str())]
    }

    /// Every notification this dunst got (see `notifications`).
    pub fn notifications(&self) -> Vec<Notification> {
        notifications_on(Some(&self.address))
    }

    /// Waits up to `secs` for a notification that `matches` (see `wait_notification`).
    #[track_caller]
    pub fn wait_notification(&self, secs: f64, what: &str, matches: impl Fn(&Notification) -> bool) -> Notification {
        wait_notification_on(Some(&self.address), secs, what, matches)
    }

    /// Waits up to `secs` for a notification on screen and clicks it (dunst's default action of
    /// the topmost one), as a user would before it times out: whether one was there.
    pub fn click_displayed(&self, secs: f64) -> bool {
        let bus = Some(self.address.as_str());
        let shown = wait_for(secs, || {
            (dunstctl(bus, &["count", "displayed"])
                .trim()
                .parse::<u32>()
                .unwrap_or(0)
                > 0)
            .then_some(())
        });
        if shown.is_some() {
            dunstctl(bus, &["action", "0"]);
        }
        shown.is_some()
    }
}

/// dbus-daemon with `conf`, in the foreground (ours to stop): (it, its address).
fn start_bus(dir: &Path, conf: &Path) -> (Bg, String) {
    let address_file = dir.join("address");
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        r#"exec dbus-daemon --config-file="$0" --nofork --print-address=3 3>"$1""#,
    ])
    .arg(conf)
    .arg(&address_file);
    let mut bus = Bg::spawn(cmd, dir.join("dbus.log"));
    let address = wait_for(10.0, || {
        let a = std::fs::read_to_string(&address_file)
            .ok()
            .filter(|s| s.ends_with('\n'));
        a.or_else(|| (!bus.alive()).then(String::new))
    })
    .map(|a| a.trim().to_owned())
    .filter(|a| !a.is_empty());
    let address = address.unwrap_or_else(|| panic!("no private D-Bus in 10 s:\n{}", bus.log_text()));
    (bus, address)
}

/// Waits (≤ 15 s) until `name` has an owner on the bus at `address`; panics with `daemon`'s log.
fn wait_owned(address: &str, name: &str, daemon: &Bg) {
    let owned = wait_for(15.0, || {
        let out = Command::new("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/",
                "org.freedesktop.DBus.NameHasOwner",
                &format!("string:{name}"),
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", address)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).contains("true").then_some(())
    });
    assert!(
        owned.is_some(),
        "nobody took {name} on the private bus in 15 s:\n{}",
        daemon.log_text()
    );
}
