//! Opening a page in the user's browser (the IAM Identity Center sign-in).

/// Opens `url` with `$BROWSER` when set (one argument: the URL), else the desktop's opener
/// (xdg-open, open, start).
pub fn open(url: &str) -> std::io::Result<()> {
    match std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        Some(browser) => std::process::Command::new(browser).arg(url).spawn().map(drop),
        None => open::that_detached(url),
    }
}
