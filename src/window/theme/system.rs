//! Whether the system prefers dark windows, read once at start and then told on each change by
//! the system itself (no polling: iced's theme detection polls several times a second and is
//! off). Linux: the freedesktop appearance portal (`org.freedesktop.appearance color-scheme`
//! through the Settings portal on the session bus, and its `SettingChanged` signal). Windows:
//! `AppsUseLightTheme` in the registry, watched with `RegNotifyChangeKeyValue`. macOS: the
//! global `AppleInterfaceStyle`, read at start. `KEYHOP_THEME=dark|light` overrides them all
//! (the tests and the benchmark pin it).

/// What `KEYHOP_THEME` pins the system preference to, if anything.
pub fn pinned() -> Option<bool> {
    std::env::var("KEYHOP_THEME")
        .ok()
        .map(|t| t.eq_ignore_ascii_case("dark"))
}

/// Calls `told(dark)` with the system's preference now, and again on every change, from a
/// thread that sleeps on the system's notification. Nothing when `KEYHOP_THEME` pins it.
pub fn watch(told: impl Fn(bool) + Send + Sync + 'static) {
    if pinned().is_some() {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("appearance-watch".into())
        .spawn(move || platform::watch(Box::new(told)));
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "cannot watch the system's light/dark preference");
    }
}

/// Where a preference goes.
type Told = Box<dyn Fn(bool) + Send + Sync>;

#[cfg(target_os = "linux")]
mod platform {
    use super::Told;
    use dbus::arg::{RefArg, Variant};
    use dbus::blocking::Connection;
    use dbus::message::MatchRule;
    use std::time::Duration;

    const NAMESPACE: &str = "org.freedesktop.appearance";
    const KEY: &str = "color-scheme";

    /// The portal's `color-scheme`: 1 prefers dark, 2 prefers light, 0 says nothing (light).
    fn is_dark(value: &dyn RefArg) -> bool {
        value.as_u64() == Some(1)
    }

    pub fn watch(told: Told) {
        let conn = match Connection::new_session() {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "no session bus: windows stay light unless Settings says dark");
                return;
            }
        };
        let proxy = conn.with_proxy(
            "org.freedesktop.portal.Desktop",
            "/org/freedesktop/portal/desktop",
            Duration::from_secs(5),
        );
        let args = (NAMESPACE, KEY);
        // ReadOne (portal version 2) answers the value; the older Read wraps it once more,
        // which `as_u64` looks through.
        let read: Result<(Variant<Box<dyn RefArg>>,), _> = proxy
            .method_call("org.freedesktop.portal.Settings", "ReadOne", args)
            .or_else(|_| proxy.method_call("org.freedesktop.portal.Settings", "Read", args));
        match read {
            Ok((v,)) => told(is_dark(&v)),
            Err(e) => {
                tracing::debug!(error = %e, "no appearance portal: windows stay light unless Settings says dark");
                return;
            }
        }
        let rule = MatchRule::new_signal("org.freedesktop.portal.Settings", "SettingChanged");
        let added = conn.add_match(
            rule,
            move |(ns, key, value): (String, String, Variant<Box<dyn RefArg>>), _, _| {
                if ns == NAMESPACE && key == KEY {
                    told(is_dark(&value));
                }
                true
            },
        );
        if let Err(e) = added {
            tracing::debug!(error = %e, "cannot listen for light/dark changes");
            return;
        }
        while conn.process(Duration::from_secs(24 * 3600)).is_ok() {}
    }
}

#[cfg(windows)]
mod platform {
    use super::Told;
    use windows_sys::Win32::System::Registry::{
        HKEY, HKEY_CURRENT_USER, KEY_NOTIFY, KEY_QUERY_VALUE, REG_NOTIFY_CHANGE_LAST_SET, RRF_RT_REG_DWORD,
        RegGetValueW, RegNotifyChangeKeyValue, RegOpenKeyExW,
    };

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(std::iter::once(0)).collect()
    }

    /// `AppsUseLightTheme` = 0 means dark apps; missing means light.
    fn is_dark(key: HKEY) -> bool {
        let name = wide("AppsUseLightTheme");
        let mut value: u32 = 1;
        let mut size = u32::try_from(std::mem::size_of::<u32>()).unwrap_or(4);
        // SAFETY: `key` is open; `value` and `size` outlive the call and `size` is its size.
        #[allow(unsafe_code)]
        let status = unsafe {
            RegGetValueW(
                key,
                std::ptr::null(),
                name.as_ptr(),
                RRF_RT_REG_DWORD,
                std::ptr::null_mut(),
                (&raw mut value).cast(),
                &raw mut size,
            )
        };
        status == 0 && value == 0
    }

    pub fn watch(told: Told) {
        let path = wide(r"Software\Microsoft\Windows\CurrentVersion\Themes\Personalize");
        let mut key: HKEY = std::ptr::null_mut();
        // SAFETY: `path` is NUL-terminated; `key` receives the handle, kept for the thread's life.
        #[allow(unsafe_code)]
        let opened = unsafe {
            RegOpenKeyExW(
                HKEY_CURRENT_USER,
                path.as_ptr(),
                0,
                KEY_QUERY_VALUE | KEY_NOTIFY,
                &raw mut key,
            )
        };
        if opened != 0 {
            told(false);
            return;
        }
        loop {
            told(is_dark(key));
            // Blocks until a value of the key changes (synchronous: no event handle).
            // SAFETY: `key` is open with KEY_NOTIFY.
            #[allow(unsafe_code)]
            let waited =
                unsafe { RegNotifyChangeKeyValue(key, 0, REG_NOTIFY_CHANGE_LAST_SET, std::ptr::null_mut(), 0) };
            if waited != 0 {
                return;
            }
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use super::Told;
    pub fn watch(told: Told) {
        // Only set (to "Dark") while the system is dark.
        let dark = std::process::Command::new("defaults")
            .args(["read", "-g", "AppleInterfaceStyle"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "Dark");
        told(dark);
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
mod platform {
    pub fn watch(_told: super::Told) {}
}
