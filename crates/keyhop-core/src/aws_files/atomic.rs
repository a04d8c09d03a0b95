//! Atomic, locked, mode-keeping edits of small text files.
//!
//! Readers (the AWS CLI/SDKs) must never see a half-written file, and two
//! keyhop processes must not lose each other's updates, so every edit is a
//! locked read-modify-write that replaces the file with a rename.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::AwsFilesError;

/// Name of the lock file kept next to the edited file. It is never deleted:
/// removing a lock file lets two processes lock different inodes.
pub const LOCK_FILE_NAME: &str = ".keyhop.lock";

/// Mode for files and directories keyhop creates: they hold secrets.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o600;
#[cfg(unix)]
const NEW_DIR_MODE: u32 = 0o700;

/// Symlink hops followed before giving up (Linux's limit).
const MAX_SYMLINK_HOPS: usize = 40;

/// What `edit_file` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditOutcome<T> {
    /// Whatever the edit closure returned besides the new text.
    pub value: T,
    /// Whether the file was replaced (false: nothing changed on disk).
    pub written: bool,
}

/// Reads `path` (following symlinks); `None` if it does not exist.
pub fn read_file(path: &Path) -> Result<Option<String>, AwsFilesError> {
    match fs::read(path) {
        Ok(bytes) => decode(path, bytes).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AwsFilesError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Edits a text file under an exclusive lock and replaces it atomically.
///
/// `edit` gets the current text (empty if the file is missing) and returns
/// the new text, or `None` to leave the file alone, plus a value passed back
/// to the caller. Unchanged text writes nothing, so mtime stays.
/// A symlink at `path` is kept; the file it points to is edited (and
/// created if the link dangles). Missing parent directories are created.
pub fn edit_file<T>(
    path: &Path,
    edit: impl FnOnce(&str) -> (Option<String>, T),
) -> Result<EditOutcome<T>, AwsFilesError> {
    let target = resolve_symlinks(path)?;
    let dir = parent_dir(&target);
    create_dirs(dir)?;
    let _lock = lock_dir(dir)?;

    let (old, existing) = match fs::read(&target) {
        Ok(bytes) => (decode(&target, bytes)?, fs::metadata(&target).ok()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (String::new(), None),
        Err(source) => {
            return Err(AwsFilesError::Read { path: target, source });
        }
    };

    let (new, value) = edit(&old);
    let written = match new {
        Some(new) if new != old => {
            replace(&target, dir, new.as_bytes(), existing.as_ref())?;
            true
        }
        _ => false,
    };
    Ok(EditOutcome { value, written })
    // `_lock` drops here: closing the lock file releases the lock.
}

fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, AwsFilesError> {
    String::from_utf8(bytes).map_err(|_| AwsFilesError::NotUtf8 { path: path.to_owned() })
}

/// Follows a chain of symlinks to the file that should really be edited.
/// `canonicalize` is not used because it fails on dangling links.
fn resolve_symlinks(path: &Path) -> Result<PathBuf, AwsFilesError> {
    let mut current = path.to_owned();
    for _ in 0..MAX_SYMLINK_HOPS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current).map_err(|source| AwsFilesError::Read {
                    path: current.clone(),
                    source,
                })?;
                // A relative link is relative to the link's own directory.
                current = parent_dir(&current).join(link);
            }
            // Missing (or under a non-directory): creating it will report why.
            Ok(_) => return Ok(current),
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                return Ok(current);
            }
            Err(source) => {
                return Err(AwsFilesError::Read { path: current, source });
            }
        }
    }
    Err(AwsFilesError::SymlinkLoop { path: path.to_owned() })
}

/// The directory holding `path`; `.` for a bare file name.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn create_dirs(dir: &Path) -> Result<(), AwsFilesError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, NEW_DIR_MODE);
    builder.create(dir).map_err(|source| AwsFilesError::CreateDir {
        path: dir.to_owned(),
        source,
    })
}

/// Takes the exclusive lock on `dir/.keyhop.lock`, blocking until it is free.
/// A fresh open per call gives a fresh open file description, so the lock
/// also excludes other threads of this process.
fn lock_dir(dir: &Path) -> Result<File, AwsFilesError> {
    let path = dir.join(LOCK_FILE_NAME);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, NEW_FILE_MODE);
    let file = options.open(&path).map_err(|source| AwsFilesError::Lock {
        path: path.clone(),
        source,
    })?;
    file.lock().map_err(|source| AwsFilesError::Lock { path, source })?;
    Ok(file)
}

/// Writes `bytes` to a temp file beside `target`, makes it durable, gives it
/// the old file's mode (0600 for a new file) and renames it over `target`.
fn replace(target: &Path, dir: &Path, bytes: &[u8], existing: Option<&fs::Metadata>) -> Result<(), AwsFilesError> {
    let write_err = |source| AwsFilesError::Write {
        path: target.to_owned(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(write_err)?;
    tmp.write_all(bytes).map_err(write_err)?;
    set_permissions(tmp.as_file(), existing).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(target).map_err(|e| write_err(e.error))?;
    sync_dir(dir).map_err(write_err)?;
    tracing::debug!(path = %target.display(), "replaced file");
    Ok(())
}

#[cfg(unix)]
fn set_permissions(file: &File, existing: Option<&fs::Metadata>) -> io::Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mode = existing.map_or(NEW_FILE_MODE, |m| m.mode() & 0o7777);
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    // Keep the owner too (e.g. keyhop run via sudo on a user's file). Only
    // root can give a file away, so failure is expected elsewhere and harmless.
    if let Some(m) = existing {
        let own = file.metadata()?;
        if (own.uid(), own.gid()) != (m.uid(), m.gid())
            && let Err(e) = std::os::unix::fs::fchown(file, Some(m.uid()), Some(m.gid()))
        {
            tracing::debug!(error = %e, "could not keep the file's owner");
        }
    }
    Ok(())
}

/// Windows: no mode bits; the new file inherits the directory's ACL, as the replaced file did
/// (under the user's profile: the user, SYSTEM and administrators only).
#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // the Unix version's signature
fn set_permissions(_file: &File, _existing: Option<&fs::Metadata>) -> io::Result<()> {
    Ok(())
}

/// Makes the rename itself durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows: a directory cannot be opened as a file to flush it; NTFS journals the rename.
#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // the Unix version's signature
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}
