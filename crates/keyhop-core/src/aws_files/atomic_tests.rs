//! Tests for locked, atomic file edits.

use std::fs;
use std::path::Path;

use super::AwsFilesError;
use super::atomic::{
    EditOptions, EditOutcome, LOCK_FILE_NAME, ModeChange, TEMP_PREFIX, backup_path, edit_file, read_file,
};

/// `edit_file` with the default options and an edit that cannot fail.
fn edit<T>(path: &Path, f: impl FnOnce(&str) -> (Option<String>, T)) -> Result<EditOutcome<T>, AwsFilesError> {
    edit_file(path, EditOptions::default(), |old| Ok(f(old)))
}

fn set_to(text: &str) -> impl FnOnce(&str) -> (Option<String>, ()) + '_ {
    move |_| (Some(text.to_owned()), ())
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).unwrap().ino()
}

#[test]
fn creates_missing_file_and_parents() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/credentials");
    let out = edit(&path, |old| {
        assert_eq!(old, "");
        (Some("x\n".to_owned()), 7)
    })
    .unwrap();
    assert_eq!((out.value, out.write.written), (7, true));
    assert_eq!(out.write.backup, None, "nothing to back up in a new file");
    assert_eq!(fs::read_to_string(&path).unwrap(), "x\n");
    assert!(dir.path().join("a/b").join(LOCK_FILE_NAME).exists());
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
    }
}

#[test]
fn unchanged_or_none_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    // Missing file and empty text: still missing.
    assert!(!edit(&path, set_to("")).unwrap().write.written);
    assert!(!path.exists());
    fs::write(&path, "same\n").unwrap();
    #[cfg(unix)]
    let before = inode(&path);
    assert!(!edit(&path, set_to("same\n")).unwrap().write.written);
    assert!(!edit(&path, |_| (None, ())).unwrap().write.written);
    #[cfg(unix)]
    assert_eq!(inode(&path), before, "file must not be replaced");
    assert!(edit(&path, set_to("new\n")).unwrap().write.written);
    assert_eq!(read_file(&path).unwrap().as_deref(), Some("new\n"));
}

#[cfg(unix)]
#[test]
fn keeps_existing_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "a\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    edit(&path, set_to("b\n")).unwrap();
    assert_eq!(mode(&path), 0o640);
    assert_eq!(fs::read_to_string(&path).unwrap(), "b\n");
}

#[cfg(unix)]
#[test]
fn edits_through_symlink_chains_and_keeps_links() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    fs::create_dir(&real_dir).unwrap();
    let real = real_dir.join("creds");
    fs::write(&real, "old\n").unwrap();
    let hop = dir.path().join("hop");
    symlink("real/creds", &hop).unwrap();
    let link = dir.path().join("link");
    symlink(&hop, &link).unwrap();

    edit(&link, |old| {
        assert_eq!(old, "old\n");
        (Some("new\n".to_owned()), ())
    })
    .unwrap();
    assert_eq!(fs::read_to_string(&real).unwrap(), "new\n");
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert!(fs::symlink_metadata(&hop).unwrap().file_type().is_symlink());
    assert!(real_dir.join(LOCK_FILE_NAME).exists(), "lock lives beside the target");
}

#[cfg(unix)]
#[test]
fn dangling_relative_symlink_creates_its_target() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let aws = dir.path().join("aws");
    fs::create_dir(&aws).unwrap();
    let link = aws.join("credentials");
    symlink("../vault/credentials", &link).unwrap();

    edit(&link, set_to("x\n")).unwrap();
    let target = dir.path().join("vault/credentials");
    assert_eq!(fs::read_to_string(&target).unwrap(), "x\n");
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(mode(&target), 0o600);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_an_error() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    symlink("b", &a).unwrap();
    symlink("a", dir.path().join("b")).unwrap();
    let err = edit(&a, set_to("x")).unwrap_err();
    assert!(matches!(err, AwsFilesError::SymlinkLoop { .. }), "{err}");
    assert!(err.to_string().contains(&a.display().to_string()));
}

#[test]
fn non_utf8_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    let bytes = b"[default]\naws_secret_access_key = \xff\xfe\n";
    fs::write(&path, bytes).unwrap();
    let err = edit(&path, |_| -> (Option<String>, ()) { panic!("edit must not run") }).unwrap_err();
    assert!(matches!(err, AwsFilesError::NotUtf8 { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("UTF-8"),
        "{msg}"
    );
    assert!(!msg.contains("aws_secret"), "{msg}");
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert!(matches!(read_file(&path), Err(AwsFilesError::NotUtf8 { .. })));
}

#[test]
fn io_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the file should be: refused, naming it.
    let path = dir.path().join("credentials");
    fs::create_dir(&path).unwrap();
    let err = edit(&path, set_to("secret")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!("{} is not a regular file", path.display())),
        "{msg}"
    );
    assert!(!msg.contains("secret"));
    // A file where a parent directory should be: creating it fails.
    let blocker = dir.path().join("file");
    fs::write(&blocker, "").unwrap();
    let err = edit(&blocker.join("sub/credentials"), set_to("x")).unwrap_err();
    assert!(err.to_string().starts_with("cannot create directory "), "{err}");
    assert_eq!(read_file(&dir.path().join("missing")).unwrap(), None);
}

#[test]
fn concurrent_edits_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counter");
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..25 {
                    edit(&path, |old| {
                        let n: u32 = old.trim().parse().unwrap_or(0);
                        // Widen the race window: without the lock this loses updates.
                        std::thread::yield_now();
                        (Some(format!("{}\n", n + 1)), ())
                    })
                    .unwrap();
                }
            });
        }
    });
    assert_eq!(fs::read_to_string(&path).unwrap(), "200\n");
}

#[cfg(unix)]
#[test]
fn a_fixed_mode_is_applied_and_reported_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    fs::write(&path, "a\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let private = EditOptions {
        mode: Some(0o600),
        backup: false,
    };
    let out = edit_file(&path, private, |_| Ok((Some("b\n".to_owned()), ()))).unwrap();
    assert_eq!(out.write.mode_fixed, Some(ModeChange { from: 0o644, to: 0o600 }));
    assert!(out.write.notices()[0].contains("0644"), "{:?}", out.write.notices());
    assert_eq!(mode(&path), 0o600);
    let out = edit_file(&path, private, |_| Ok((Some("c\n".to_owned()), ()))).unwrap();
    assert_eq!(out.write.mode_fixed, None);
    assert!(out.write.notices().is_empty());
}

#[cfg(unix)]
#[test]
fn read_only_is_refused_even_for_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    fs::write(&path, "a\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    let err = edit(&path, |_| (Some("b\n".to_owned()), ())).unwrap_err();
    assert!(matches!(err, AwsFilesError::ReadOnly { mode: 0o400, .. }), "{err}");
    assert!(err.to_string().contains("0400"), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "a\n");
    // An edit that changes nothing needs no write access.
    assert!(!edit(&path, |old| (Some(old.to_owned()), ())).unwrap().write.written);
    assert!(!backup_path(&path).exists(), "a refused edit made a backup");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_not_read_and_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    let status = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success());
    // Reading a FIFO would block forever.
    let err = edit(&path, |_| (Some("x".to_owned()), ())).unwrap_err();
    assert!(matches!(err, AwsFilesError::NotAFile { .. }), "{err}");
    assert!(matches!(read_file(&path), Err(AwsFilesError::NotAFile { .. })));
}

#[test]
fn the_backup_is_made_once_beside_the_real_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "original\n").unwrap();
    let out = edit(&path, |_| (Some("one\n".to_owned()), ())).unwrap();
    assert_eq!(out.write.backup, Some(backup_path(&path)));
    assert_eq!(fs::read_to_string(backup_path(&path)).unwrap(), "original\n");
    #[cfg(unix)]
    assert_eq!(mode(&backup_path(&path)), 0o600);
    let out = edit(&path, |_| (Some("two\n".to_owned()), ())).unwrap();
    assert_eq!(out.write.backup, None);
    assert_eq!(fs::read_to_string(backup_path(&path)).unwrap(), "original\n");
    // Without the option: none.
    let other = dir.path().join("other");
    fs::write(&other, "x\n").unwrap();
    let no_backup = EditOptions {
        mode: None,
        backup: false,
    };
    edit_file(&other, no_backup, |_| Ok((Some("y\n".to_owned()), ()))).unwrap();
    assert!(!backup_path(&other).exists());
}

#[test]
fn temp_files_carry_keyhop_s_prefix_and_stale_ones_go() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    let stale = dir.path().join(format!("{TEMP_PREFIX}x1y2z3"));
    fs::write(&stale, "secret leftovers").unwrap();
    let out = edit(&path, |old| {
        // While the edit runs nothing else of ours is in the directory.
        assert_eq!(old, "");
        (Some("x\n".to_owned()), ())
    })
    .unwrap();
    assert_eq!(out.write.stale_temp_files_removed, 1);
    assert!(!stale.exists());
    let left: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(TEMP_PREFIX))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_edit_error_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    fs::write(&path, "a\n").unwrap();
    let err = edit_file(&path, EditOptions::default(), |_| -> Result<(Option<String>, ()), _> {
        Err(AwsFilesError::UnsafeEdit { path: path.clone() })
    })
    .unwrap_err();
    assert!(matches!(err, AwsFilesError::UnsafeEdit { .. }));
    assert_eq!(fs::read_to_string(&path).unwrap(), "a\n");
    assert!(!backup_path(&path).exists());
}
