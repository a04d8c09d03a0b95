//! Notices a resume from suspend (logind's `PrepareForSleep(false)` on the system bus) so the
//! tray rechecks expirations at once instead of at its next minute tick. The listening thread
//! blocks on the bus; it costs no wakeups. Without a system bus (containers, CI) it just ends.

use crate::external::Events;

/// A resume goes to `events`.
#[cfg(target_os = "linux")]
pub fn watch(events: Events) {
    use crate::external::External;
    use dbus::blocking::Connection;
    use dbus::message::MatchRule;
    let spawned = std::thread::Builder::new().name("resume-watch".into()).spawn(move || {
        let conn = match Connection::new_system() {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "no system bus: resume from suspend is noticed at the next minute tick");
                return;
            }
        };
        let rule = MatchRule::new_signal("org.freedesktop.login1.Manager", "PrepareForSleep");
        let added = conn.add_match(rule, move |(sleeping,): (bool,), _, _| {
            if !sleeping {
                events.send(External::Resumed);
            }
            true
        });
        if let Err(e) = added {
            tracing::debug!(error = %e, "cannot listen for resume from suspend");
            return;
        }
        while conn.process(std::time::Duration::from_secs(24 * 3600)).is_ok() {}
    });
    if let Err(e) = spawned {
        tracing::debug!(error = %e, "cannot start the resume watcher");
    }
}

/// macOS and Windows: the minute tick catches a resume.
#[cfg(not(target_os = "linux"))]
pub fn watch(_events: Events) {}
