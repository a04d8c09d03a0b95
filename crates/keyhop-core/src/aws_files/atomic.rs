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

/// Prefix of keyhop's temp files. A process killed between creating one and renaming it
/// over the target leaves it behind (with secrets in it); the next edit in that directory,
/// holding the lock, knows no other keyhop is writing one and removes it.
pub const TEMP_PREFIX: &str = ".keyhop-tmp-";

/// Suffix of the copy kept before keyhop first changes a file it did not create (beside the
/// real file: for a symlink, beside its target).
pub const BACKUP_SUFFIX: &str = ".keyhop-backup";

/// Mode for files and directories keyhop creates: they hold secrets.
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o600;
#[cfg(unix)]
const NEW_DIR_MODE: u32 = 0o700;

/// Symlink hops followed before giving up (Linux's limit).
const MAX_SYMLINK_HOPS: usize = 40;

/// How an edit treats the file's mode and history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditOptions {
    /// The mode the file must have after a write (`None`: keep the old one; a new file
    /// gets 0600). The credentials file uses `Some(0o600)`, as the AWS CLI creates it.
    pub mode: Option<u32>,
    /// Keep `<path>.keyhop-backup` before the first change: the file's bytes, or an empty
    /// backup for a file keyhop creates.
    pub backup: bool,
}

impl Default for EditOptions {
    fn default() -> Self {
        Self {
            mode: None,
            backup: true,
        }
    }
}

/// A file's permission bits before and after a write that changed them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeChange {
    pub from: u32,
    pub to: u32,
}

impl std::fmt::Display for ModeChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mode {:04o} -> {:04o}", self.from, self.to)
    }
}

/// What one edit did to the file besides its content, for the caller to tell the user. Each
/// happens at most once per file: after the fix the mode is right, the backup exists, the
/// stale temp files are gone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileWrite {
    /// The file as named by the caller (a symlink stays one; its target was edited).
    pub path: PathBuf,
    /// Whether the file was replaced (false: nothing changed on disk).
    pub written: bool,
    /// Set when the write changed the file's permissions (e.g. a 0644 credentials file
    /// that is now 0600).
    pub mode_fixed: Option<ModeChange>,
    /// Set when this write made the one-time copy of the file as it was before keyhop's
    /// first change (`<file>.keyhop-backup` beside the real file, mode 0600, never
    /// overwritten).
    pub backup: Option<PathBuf>,
    /// Set when no copy could be made because something that is not a regular file (a
    /// symlink someone planted, a directory) sits at the backup's path: keyhop does not write
    /// through it, and says so rather than skip the copy silently.
    pub backup_blocked: Option<PathBuf>,
    /// keyhop temp files of a killed process removed from the file's directory.
    pub stale_temp_files_removed: usize,
}

impl FileWrite {
    /// One sentence per notable thing this write did (empty when there is nothing to say).
    pub fn notices(&self) -> Vec<String> {
        let path = self.path.display();
        let mut out = vec![];
        if let Some(change) = self.mode_fixed {
            out.push(format!(
                "{path} had mode {:04o}; keyhop set it to {:04o} because it holds secrets",
                change.from, change.to
            ));
        }
        if let Some(backup) = &self.backup {
            out.push(format!(
                "keyhop kept a copy of {path} as it was before its first change: {}",
                backup.display()
            ));
        }
        if let Some(blocked) = &self.backup_blocked {
            out.push(format!(
                "keyhop made no copy of {path} before changing it: {} is not a regular file (a symbolic link?), and keyhop does not write through it; remove it to get the copy",
                blocked.display()
            ));
        }
        if self.stale_temp_files_removed > 0 {
            out.push(format!(
                "keyhop removed {} temporary file(s) that an interrupted keyhop left beside {path}",
                self.stale_temp_files_removed
            ));
        }
        out
    }
}

/// What `edit_file` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditOutcome<T> {
    /// Whatever the edit closure returned besides the new text.
    pub value: T,
    pub write: FileWrite,
}

/// `<path>.keyhop-backup` (pass the resolved file for a symlink).
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(BACKUP_SUFFIX);
    name.into()
}

/// Reads `path` (following symlinks); `None` if it does not exist.
pub fn read_file(path: &Path) -> Result<Option<String>, AwsFilesError> {
    // Reading a FIFO would block forever; a directory cannot be read. Other stat errors are
    // reported by the read below.
    if fs::metadata(path).is_ok_and(|meta| !meta.is_file()) {
        return Err(AwsFilesError::NotAFile { path: path.to_owned() });
    }
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
/// to the caller; an error from it changes nothing. Unchanged text writes
/// nothing, so mtime stays. A read-only file (no owner write bit) is refused
/// rather than replaced: the rename would succeed regardless of the mode.
/// A symlink at `path` is kept; the file it points to is edited (and
/// created if the link dangles). Missing parent directories are created.
pub fn edit_file<T>(
    path: &Path,
    options: EditOptions,
    edit: impl FnOnce(&str) -> Result<(Option<String>, T), AwsFilesError>,
) -> Result<EditOutcome<T>, AwsFilesError> {
    let target = resolve_symlinks(path)?;
    let dir = parent_dir(&target);
    create_dirs(dir)?;
    let _lock = lock_dir(dir)?;
    let mut write = FileWrite {
        path: path.to_owned(),
        stale_temp_files_removed: remove_stale_temp_files(dir),
        ..FileWrite::default()
    };

    let existing = match fs::metadata(&target) {
        Ok(meta) if !meta.is_file() => return Err(AwsFilesError::NotAFile { path: target }),
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => return Err(AwsFilesError::Read { path: target, source }),
    };
    let (old_bytes, old) = match (&existing, fs::read(&target)) {
        (Some(_), Ok(bytes)) => {
            let text = decode(&target, bytes.clone())?;
            (Some(bytes), text)
        }
        (None, _) => (None, String::new()),
        (Some(_), Err(source)) => return Err(AwsFilesError::Read { path: target, source }),
    };

    let (new, value) = edit(&old)?;
    if let Some(new) = new.filter(|new| *new != old) {
        if let Some(meta) = &existing
            && is_read_only(meta)
        {
            return Err(AwsFilesError::ReadOnly {
                path: target,
                mode: mode_of(meta),
            });
        }
        if options.backup {
            // A file keyhop creates gets an empty backup (what was there before keyhop:
            // nothing), so that no later edit copies its session credentials into one.
            match keep_backup(&target, dir, old_bytes.as_deref().unwrap_or_default())? {
                Backup::Made(path) if old_bytes.is_some() => write.backup = Some(path),
                Backup::Made(_) | Backup::Exists => {}
                Backup::Blocked(path) => write.backup_blocked = Some(path),
            }
        }
        write.mode_fixed = replace(&target, dir, new.as_bytes(), existing.as_ref(), options.mode)?;
        write.written = true;
    }
    Ok(EditOutcome { value, write })
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
/// `mode` (else the old file's mode, 0600 for a new file) and renames it over
/// `target`. Returns the mode change, if the file existed with another mode.
fn replace(
    target: &Path,
    dir: &Path,
    bytes: &[u8],
    existing: Option<&fs::Metadata>,
    mode: Option<u32>,
) -> Result<Option<ModeChange>, AwsFilesError> {
    let write_err = |source| AwsFilesError::Write {
        path: target.to_owned(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(bytes).map_err(write_err)?;
    let change = set_permissions(tmp.as_file(), existing, mode).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(target).map_err(|e| write_err(e.error))?;
    sync_dir(dir).map_err(write_err)?;
    tracing::debug!(path = %target.display(), "replaced file");
    Ok(change)
}

/// What became of the copy before a change.
enum Backup {
    Made(PathBuf),
    /// Made by an earlier change.
    Exists,
    /// Something other than a regular file is in its place.
    Blocked(PathBuf),
}

/// Copies the file's old bytes to `<target>.keyhop-backup` (0600) unless that exists: made
/// once, never overwritten. Written to a temp file and linked into place without
/// replacing anything, so a crash never leaves a half backup that would then stay forever.
/// It sits beside the real file (for a symlink, beside its target), in the locked `dir`.
fn keep_backup(target: &Path, dir: &Path, bytes: &[u8]) -> Result<Backup, AwsFilesError> {
    let backup = backup_path(target);
    if let Ok(meta) = fs::symlink_metadata(&backup) {
        if meta.is_file() {
            return Ok(Backup::Exists);
        }
        tracing::warn!(path = %backup.display(), "not a regular file where the backup belongs; no backup made");
        return Ok(Backup::Blocked(backup));
    }
    let err = |source| AwsFilesError::Backup {
        path: backup.clone(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(NEW_FILE_MODE))
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    match tmp.persist_noclobber(&backup) {
        Ok(_) => {}
        // Another keyhop (through another link to the same file) was first: keep its copy.
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => return Ok(Backup::Exists),
        Err(e) => return Err(err(e.error)),
    }
    sync_dir(dir).map_err(err)?;
    tracing::info!(path = %target.display(), backup = %backup.display(), "kept a copy before the first change");
    Ok(Backup::Made(backup))
}

/// Removes keyhop's own temp files from `dir` (see `TEMP_PREFIX`); call with the lock held.
/// Best effort: a file that cannot be removed is left for the next time.
fn remove_stale_temp_files(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let stale = entry.file_name().to_str().is_some_and(|n| n.starts_with(TEMP_PREFIX))
            && entry.file_type().is_ok_and(|t| !t.is_dir());
        if stale && fs::remove_file(entry.path()).is_ok() {
            tracing::info!(path = %entry.path().display(), "removed a temp file an interrupted keyhop left");
            removed += 1;
        }
    }
    removed
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777
}

#[cfg(not(unix))]
fn mode_of(meta: &fs::Metadata) -> u32 {
    if meta.permissions().readonly() { 0o444 } else { 0o644 }
}

/// No write bit for the owner (on Windows: the read-only attribute). Checked by mode, not by
/// trying: root may write any file, and a rename ignores the file's mode altogether.
fn is_read_only(meta: &fs::Metadata) -> bool {
    #[cfg(unix)]
    return mode_of(meta) & 0o200 == 0;
    #[cfg(not(unix))]
    return meta.permissions().readonly();
}

#[cfg(unix)]
fn set_permissions(file: &File, existing: Option<&fs::Metadata>, mode: Option<u32>) -> io::Result<Option<ModeChange>> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let old = existing.map(mode_of);
    let new = mode.or(old).unwrap_or(NEW_FILE_MODE);
    file.set_permissions(fs::Permissions::from_mode(new))?;
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
    Ok(old.filter(|&old| old != new).map(|from| ModeChange { from, to: new }))
}

/// Windows: no mode bits; the new file inherits the directory's ACL, as the replaced file did
/// (under the user's profile: the user, SYSTEM and administrators only).
#[cfg(not(unix))]
#[allow(clippy::unnecessary_wraps)] // the Unix version's signature
fn set_permissions(
    _file: &File,
    _existing: Option<&fs::Metadata>,
    _mode: Option<u32>,
) -> io::Result<Option<ModeChange>> {
    Ok(None)
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
