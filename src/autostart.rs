//! Start at login: an XDG autostart entry on Linux, a LaunchAgent on macOS, the Run key on
//! Windows (the last two through the auto-launch crate). `keyhop autostart enable|disable|status`
//! and the Settings window both come here.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum AutostartError {
    #[error("cannot find keyhop's own executable: {0}")]
    NoExe(std::io::Error),
    #[error("cannot find the autostart directory (no HOME or XDG_CONFIG_HOME)")]
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    NoDir,
    #[error("cannot change start at login ({path}): {source}")]
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot change start at login: {0}")]
    #[cfg_attr(target_os = "linux", allow(dead_code))]
    Platform(String),
}

#[cfg(target_os = "linux")]
mod platform {
    use super::AutostartError;
    use std::path::PathBuf;

    /// `$XDG_CONFIG_HOME/autostart/keyhop.desktop` (default `~/.config/autostart`).
    pub fn entry_path() -> Result<PathBuf, AutostartError> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .ok_or(AutostartError::NoDir)?;
        Ok(base.join("autostart").join("keyhop.desktop"))
    }

    /// Desktop Entry `Exec` quoting: the path in double quotes with `"`, `` ` ``, `$`, `\` escaped.
    fn quote_exec(path: &str) -> String {
        let mut q = String::from("\"");
        for c in path.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                q.push('\\');
            }
            q.push(c);
        }
        q.push('"');
        q
    }

    pub fn entry(exe: &str) -> String {
        format!(
            "[Desktop Entry]\nType=Application\nName=keyhop\nComment=Short-lived AWS credentials from the tray\nExec={} tray\nIcon=keyhop\nTerminal=false\nStartupNotify=false\nX-GNOME-Autostart-enabled=true\n",
            quote_exec(exe)
        )
    }

    pub fn enable(exe: &str) -> Result<(), AutostartError> {
        let path = entry_path()?;
        let io = |source| AutostartError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(path.parent().expect("has a parent")).map_err(io)?;
        std::fs::write(&path, entry(exe)).map_err(io)
    }

    pub fn disable() -> Result<(), AutostartError> {
        let path = entry_path()?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(AutostartError::Io { path, source: e }),
            _ => Ok(()),
        }
    }

    pub fn is_enabled() -> Result<bool, AutostartError> {
        Ok(entry_path()?.exists())
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn exec_paths_are_quoted() {
            let e = super::entry("/opt/my apps/key\"hop");
            assert!(e.contains("Exec=\"/opt/my apps/key\\\"hop\" tray\n"), "{e}");
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use super::AutostartError;

    fn launcher(exe: &str) -> Result<auto_launch::AutoLaunch, AutostartError> {
        // Windows: the Run value is a command line, so a path with spaces (Program Files) is
        // quoted, as the MSI writes it; and it is this user's (HKCU), even from an elevated
        // shell, where auto-launch's default would write HKLM, for every user of the machine.
        #[cfg(windows)]
        let exe = &format!("\"{exe}\"");
        auto_launch::AutoLaunchBuilder::new()
            .set_app_name("keyhop")
            .set_app_path(exe)
            .set_args(&["tray"])
            .set_windows_enable_mode(auto_launch::WindowsEnableMode::CurrentUser)
            .build()
            .map_err(|e| AutostartError::Platform(e.to_string()))
    }
    pub fn enable(exe: &str) -> Result<(), AutostartError> {
        launcher(exe)?
            .enable()
            .map_err(|e| AutostartError::Platform(e.to_string()))
    }
    pub fn disable() -> Result<(), AutostartError> {
        let exe = std::env::current_exe().map_err(AutostartError::NoExe)?;
        launcher(&exe.to_string_lossy())?
            .disable()
            .map_err(|e| AutostartError::Platform(e.to_string()))
    }
    pub fn is_enabled() -> Result<bool, AutostartError> {
        let exe = std::env::current_exe().map_err(AutostartError::NoExe)?;
        launcher(&exe.to_string_lossy())?
            .is_enabled()
            .map_err(|e| AutostartError::Platform(e.to_string()))
    }
}

pub fn set(enabled: bool) -> Result<(), AutostartError> {
    if enabled {
        let exe = std::env::current_exe().map_err(AutostartError::NoExe)?;
        platform::enable(&exe.to_string_lossy())
    } else {
        platform::disable()
    }
}

pub fn is_enabled() -> Result<bool, AutostartError> {
    platform::is_enabled()
}

/// Where the entry lives, for `keyhop autostart status`.
pub fn describe() -> String {
    #[cfg(target_os = "linux")]
    return platform::entry_path().map_or_else(|e| e.to_string(), |p| p.display().to_string());
    #[cfg(not(target_os = "linux"))]
    return "the system's login items".to_owned();
}
