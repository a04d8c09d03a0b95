//! keyhop-signin's two ways out to keyhop: the assertion (stdout) and its one-line message
//! (stderr). On Unix both are private copies, and fds 1 and 2 become /dev/null before the web
//! engine starts: its processes inherit them, so nothing they print mixes with the assertion,
//! and none of them keeps keyhop's pipes open after this process ends.

use std::io::Write;

pub struct Channels {
    pub out: Box<dyn Write>,
    pub err: Box<dyn Write>,
}

#[cfg(unix)]
pub fn take() -> std::io::Result<Channels> {
    use std::os::fd::AsFd;
    // try_clone_to_owned duplicates with close-on-exec: no child gets these.
    let out = std::io::stdout().as_fd().try_clone_to_owned()?;
    let err = std::io::stderr().as_fd().try_clone_to_owned()?;
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null")?;
    rustix::stdio::dup2_stdout(&null)?;
    rustix::stdio::dup2_stderr(&null)?;
    Ok(Channels {
        out: Box::new(std::fs::File::from(out)),
        err: Box::new(std::fs::File::from(err)),
    })
}

#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // the same signature as the Unix one, which can fail
pub fn take() -> std::io::Result<Channels> {
    Ok(Channels {
        out: Box::new(std::io::stdout()),
        err: Box::new(std::io::stderr()),
    })
}
