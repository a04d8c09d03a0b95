//! Files only the user may read: a 0700 directory, atomic 0600 writes. The state file, the
//! settings, the key-age cache and the SSO sign-in locks use them; this module imports nothing
//! of the crate, so any of them may.

use std::fs;
use std::io::Write;
use std::path::Path;

/// Creates `dir` (and its parents) 0700, and makes an existing `dir` 0700 too: the mode of
/// `DirBuilder` only applies to directories it creates, and a state dir that others can list
/// shows which profiles and roles a user has.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)?.permissions().mode() & 0o7777;
        if mode != 0o700 {
            // Not fatal: on a file system without Unix modes this cannot succeed, and the
            // files inside are 0600 anyway.
            match fs::set_permissions(dir, fs::Permissions::from_mode(0o700)) {
                Ok(()) => {
                    tracing::info!(dir = %dir.display(), from = format!("{mode:04o}"), "made the state directory private (0700)");
                }
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "cannot make the state directory private (0700)");
                }
            }
        }
    }
    Ok(())
}

/// temp file in the same directory + fsync + rename + fsync of the directory; mode 0600.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".state-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}
