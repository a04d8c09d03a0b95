//! Tests for locked, atomic file edits.

use std::fs;
use std::path::Path;

use super::AwsFilesError;
use super::atomic::{LOCK_FILE_NAME, edit_file, read_file};

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
    let out = edit_file(&path, |old| {
        assert_eq!(old, "");
        (Some("x\n".to_owned()), 7)
    })
    .unwrap();
    assert_eq!((out.value, out.written), (7, true));
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
    assert!(!edit_file(&path, set_to("")).unwrap().written);
    assert!(!path.exists());
    fs::write(&path, "same\n").unwrap();
    #[cfg(unix)]
    let before = inode(&path);
    assert!(!edit_file(&path, set_to("same\n")).unwrap().written);
    assert!(!edit_file(&path, |_| (None, ())).unwrap().written);
    #[cfg(unix)]
    assert_eq!(inode(&path), before, "file must not be replaced");
    assert!(edit_file(&path, set_to("new\n")).unwrap().written);
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
    edit_file(&path, set_to("b\n")).unwrap();
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

    edit_file(&link, |old| {
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

    edit_file(&link, set_to("x\n")).unwrap();
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
    let err = edit_file(&a, set_to("x")).unwrap_err();
    assert!(matches!(err, AwsFilesError::SymlinkLoop { .. }), "{err}");
    assert!(err.to_string().contains(&a.display().to_string()));
}

#[test]
fn non_utf8_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    let bytes = b"[default]\naws_secret_access_key = \xff\xfe\n";
    fs::write(&path, bytes).unwrap();
    let err = edit_file(&path, |_| -> (Option<String>, ()) { panic!("edit must not run") }).unwrap_err();
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
    // A directory where the file should be: reading fails.
    let path = dir.path().join("credentials");
    fs::create_dir(&path).unwrap();
    let err = edit_file(&path, set_to("secret")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("cannot read {}: ", path.display())), "{msg}");
    assert!(!msg.contains("secret"));
    // A file where a parent directory should be: creating it fails.
    let blocker = dir.path().join("file");
    fs::write(&blocker, "").unwrap();
    let err = edit_file(&blocker.join("sub/credentials"), set_to("x")).unwrap_err();
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
                    edit_file(&path, |old| {
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
