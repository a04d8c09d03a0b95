//! One clean Depends list in the .deb. cargo-deb resolves `$auto` with dpkg-shlibdeps once per
//! binary and keeps every answer, so keyhop and keyhop-signin each add their own minimum
//! version of the same library (`libc6 (>= 2.34), libc6 (>= 2.35)`). This keeps the highest
//! minimum of each package and rewrites only the control member of the .deb (`ar r`): the
//! payload, its compression and its digests stay as cargo-deb made them.

use std::path::Path;
use std::process::Command;

use crate::Result;
use crate::packages::run as check;

/// `depends` with each package that is named more than once, alone and with a `>=` minimum,
/// kept once with the highest minimum (`newer(a, b)`: whether version a is newer than b).
/// Alternatives (`a | b`) and other relations stay as they are; the order is cargo-deb's.
pub fn merge(depends: &str, newer: impl Fn(&str, &str) -> bool) -> String {
    let mut out: Vec<(String, Option<String>)> = vec![];
    for item in depends.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((name, min)) = simple(item) else {
            if !out.iter().any(|(i, _)| i == item) {
                out.push((item.to_owned(), None));
            }
            continue;
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, kept)) => {
                let higher = match (kept.as_deref(), min) {
                    (_, None) => false,
                    (None, Some(_)) => true,
                    (Some(k), Some(m)) => newer(m, k),
                };
                if higher {
                    *kept = min.map(str::to_owned);
                }
            }
            None => out.push((name.to_owned(), min.map(str::to_owned))),
        }
    }
    out.into_iter()
        .map(|(name, min)| min.map_or(name.clone(), |m| format!("{name} (>= {m})")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `name` or `name (>= version)`: (name, minimum). Anything else is not merged.
fn simple(item: &str) -> Option<(&str, Option<&str>)> {
    if item.contains('|') {
        return None;
    }
    match item.split_once('(') {
        None => Some((item, None)),
        Some((name, rest)) => {
            let version = rest.strip_suffix(')')?.trim().strip_prefix(">=")?.trim();
            Some((name.trim(), Some(version)))
        }
    }
}

/// Debian's order of versions, from dpkg itself.
fn dpkg_newer(a: &str, b: &str) -> bool {
    Command::new("dpkg")
        .args(["--compare-versions", a, "gt", b])
        .status()
        .is_ok_and(|s| s.success())
}

/// Rewrites the Depends of `deb` in place with `merge`; returns the new list.
pub fn clean(deb: &Path, work: &Path) -> Result<String> {
    let _ = std::fs::remove_dir_all(work);
    let control_dir = work.join("control");
    std::fs::create_dir_all(&control_dir).map_err(|e| format!("mkdir {}: {e}", control_dir.display()))?;
    let members = String::from_utf8_lossy(
        &Command::new("ar")
            .arg("t")
            .arg(deb)
            .output()
            .map_err(|e| format!("cannot run ar: {e}"))?
            .stdout,
    )
    .into_owned();
    let member = members
        .lines()
        .find(|m| m.starts_with("control.tar"))
        .ok_or_else(|| format!("{} has no control.tar member ({members:?})", deb.display()))?
        .to_owned();
    check(
        Command::new("ar").arg("x").arg(deb).arg(&member).current_dir(work),
        "ar x",
    )?;
    check(
        Command::new("tar")
            .arg("-xf")
            .arg(work.join(&member))
            .arg("-C")
            .arg(&control_dir),
        "tar -x (the control member)",
    )?;
    let control_file = control_dir.join("control");
    let text = std::fs::read_to_string(&control_file).map_err(|e| format!("read {}: {e}", control_file.display()))?;
    let mut depends = String::new();
    let lines: Vec<String> = text
        .lines()
        .map(|l| match l.strip_prefix("Depends:") {
            Some(list) => {
                depends = merge(list, dpkg_newer);
                format!("Depends: {depends}")
            }
            None => l.to_owned(),
        })
        .collect();
    std::fs::write(&control_file, lines.join("\n") + "\n")
        .map_err(|e| format!("write {}: {e}", control_file.display()))?;
    let compress = match member.as_str() {
        "control.tar.xz" => "-J",
        "control.tar.gz" => "-z",
        other => {
            return Err(format!(
                "{}: a control member keyhop cannot repack: {other}",
                deb.display()
            ));
        }
    };
    check(
        Command::new("tar")
            .args([
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "--sort=name",
                "-c",
                compress,
                "-f",
            ])
            .arg(work.join(&member))
            .arg("-C")
            .arg(&control_dir)
            .arg("."),
        "tar -c (the control member)",
    )?;
    // `ar r` replaces the member where it is: debian-binary, control, data keep their order.
    check(
        Command::new("ar").arg("rD").arg(deb).arg(&member).current_dir(work),
        "ar r",
    )?;
    let _ = std::fs::remove_dir_all(work);
    Ok(depends)
}

#[cfg(test)]
mod tests {
    use super::merge;

    /// Versions as plain numbers, enough to test the merge.
    fn newer(a: &str, b: &str) -> bool {
        let n = |v: &str| v.split('.').map(|p| p.parse::<u32>().unwrap()).collect::<Vec<_>>();
        n(a) > n(b)
    }

    #[test]
    fn each_package_once_with_its_highest_minimum() {
        let cargo_deb = "default-dbus-session-bus | dbus-session-bus, libc6 (>= 2.34), libc6 (>= 2.35), \
                         libglib2.0-0 (>= 2.65.1), libglib2.0-0 (>= 2.53.1), libsoup-3.0-0, libx11-xcb1, \
                         libsoup-3.0-0 (>= 3.0.3), libx11-xcb1";
        assert_eq!(
            merge(cargo_deb, newer),
            "default-dbus-session-bus | dbus-session-bus, libc6 (>= 2.35), libglib2.0-0 (>= 2.65.1), \
             libsoup-3.0-0 (>= 3.0.3), libx11-xcb1"
        );
        assert_eq!(merge(" a, b (<< 2), b (<< 2) ", newer), "a, b (<< 2)");
    }
}
