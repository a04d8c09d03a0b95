//! Watches the state dir (the CLI or another process changed `state.json` / `settings.json`)
//! and the credentials file's dir (someone else wrote a profile we hold). inotify on Linux:
//! the tray sleeps until a file actually changes.

use std::path::{Path, PathBuf};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::external::{Events, External};

pub struct FileWatch {
    _watcher: notify::RecommendedWatcher,
}

/// Changes go to `events`.
pub fn start(state_dir: &Path, credentials: &Path, events: Events) -> notify::Result<FileWatch> {
    std::fs::create_dir_all(state_dir).map_err(notify::Error::io)?;
    // The credentials file may be a symlink; its target is what gets replaced.
    let credentials: PathBuf = std::fs::canonicalize(credentials).unwrap_or_else(|_| credentials.to_path_buf());
    let cred_name = credentials.file_name().map(std::ffi::OsStr::to_os_string);
    let cred_dir = credentials.parent().map(Path::to_path_buf);
    let state_dir_owned = state_dir.to_path_buf();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in &event.paths {
            let name = path.file_name();
            if path.parent() == Some(state_dir_owned.as_path())
                && matches!(name.and_then(|n| n.to_str()), Some("state.json" | "settings.json"))
            {
                events.send(External::StateChanged);
            } else if name.map(std::ffi::OsStr::to_os_string) == cred_name && path.parent() == cred_dir.as_deref() {
                events.send(External::CredentialsChanged);
            }
        }
    })?;
    watcher.watch(state_dir, RecursiveMode::NonRecursive)?;
    if let Some(dir) = credentials.parent()
        && dir.is_dir()
    {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    Ok(FileWatch { _watcher: watcher })
}
