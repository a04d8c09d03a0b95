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
        // A spawn error is the OS's and names no argument.
        Some(browser) => std::process::Command::new(browser).arg(url).spawn().map(drop),
        None => open::that_detached(url).map_err(|e| without(&e, url)),
    }
}

/// `e` without `url` in its message: the `open` crate's error for a launcher that failed quotes
/// the whole command line.
fn without(e: &std::io::Error, url: &str) -> std::io::Error {
    std::io::Error::new(e.kind(), e.to_string().replace(url, "<URL>"))
}

#[cfg(test)]
mod tests {
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
