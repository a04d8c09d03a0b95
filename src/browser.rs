//! Opening a page in the user's browser (the IAM Identity Center sign-in, the console).
//!
//! The URL is an argument of the opener ($BROWSER, xdg-open, open, start) and so, while that
//! runs, readable by other local users in its argv (`ps`). No way around it for a browser
//! started with a URL; aws-vault accepts the same for its console login. For the console
//! sign-in URL (a bearer credential) `keyhop console --print` keeps it off any argv. Nothing
//! here logs the URL, and a failure's error does not repeat it.

/// Opens `url` with `$BROWSER` when set (one argument: the URL), else the desktop's opener
/// (xdg-open, open, start).
pub fn open(url: &str) -> std::io::Result<()> {
    match std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        Some(browser) => open_with(&browser, url),
        None => open::that_detached(url).map_err(|e| without(&e, url)),
    }
}

/// Runs `browser URL` and reaps it when it ends, on a thread of its own: the tray lives long,
/// and every child it does not wait for stays a zombie until it exits. A spawn error is the
/// OS's and names no argument.
fn open_with(browser: &std::ffi::OsStr, url: &str) -> std::io::Result<()> {
    let mut cmd = std::process::Command::new(browser);
    cmd.arg(url);
    #[cfg(windows)]
    crate::console::no_window_without_console(&mut cmd);
    let mut child = cmd.spawn()?;
    std::thread::Builder::new()
        .name("browser-reaper".into())
        .spawn(move || {
            let _ = child.wait();
        })
        .map(drop)
}

/// `e` without `url` in its message: the `open` crate's error for a launcher that failed quotes
/// the whole command line.
fn without(e: &std::io::Error, url: &str) -> std::io::Error {
    std::io::Error::new(e.kind(), e.to_string().replace(url, "<URL>"))
}

#[cfg(test)]
mod tests {
    /// Children of this process in state Z named `name`, from /proc.
    #[cfg(target_os = "linux")]
    fn zombies(name: &str) -> usize {
        let me = std::process::id().to_string();
        std::fs::read_dir("/proc")
            .expect("/proc")
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
            .filter(|stat| {
                // pid (comm) state ppid …
                let Some((head, rest)) = stat.rsplit_once(") ") else {
                    return false;
                };
                let comm = head.split_once(" (").map_or("", |(_, c)| c);
                let mut f = rest.split_whitespace();
                comm == name && f.next() == Some("Z") && f.next() == Some(me.as_str())
            })
            .count()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_browser_that_ended_is_reaped() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        // A name of its own (the kernel's comm: 15 bytes at most), so no other test's child counts.
        let name = "kh-browser-zz";
        let browser = dir.path().join(name);
        std::fs::write(&browser, "#!/bin/sh\nexit 0\n").expect("write");
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        for _ in 0..3 {
            super::open_with(browser.as_os_str(), "https://example.com/").expect("opens");
        }
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert_eq!(zombies(name), 0, "browsers that ended are left as zombies");
    }

    #[test]
    fn a_failed_opener_does_not_repeat_the_url() {
        let url = "https://signin.example/federation?Action=login&SigninToken=SECRET%2B";
        // As the `open` crate words it.
        let mut cmd = std::process::Command::new("xdg-open");
        cmd.arg(url);
        let e = std::io::Error::other(format!("Launcher {cmd:?} failed with 1"));
        assert!(e.to_string().contains("SECRET"), "the crate's wording quotes the URL");
        let shown = super::without(&e, url).to_string();
        assert!(!shown.contains("SECRET") && shown.contains("<URL>"), "{shown}");
    }
}
