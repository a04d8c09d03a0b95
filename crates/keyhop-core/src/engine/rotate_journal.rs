//! The journal of a key rotation in progress, `$KEYHOP_HOME/rotations.json`: which key is
//! being retired for which new one, written before each step that a kill could cut in two, so
//! the next `session rotate` (and `keyhop doctor`) knows what was left half-done. Key ids only:
//! no secret is ever in it. Its own file, as `key-ages.json`: writing it must not rewrite the
//! state nor wake the tray's watch.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::session::SessionId;
use crate::state::{StateError, StateStore};

/// How far a rotation got before it was interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationStep {
    /// CreateAccessKey was sent: a new key may exist in IAM (its id is known once IAM answered).
    Creating,
    /// The new key exists; it may or may not have reached the keyring yet.
    Created,
    /// The new key is in the keyring and works; the old one is being deactivated and deleted.
    Retiring,
}

/// A rotation that started and has not ended (or ended with a step left to do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRotation {
    pub session: SessionId,
    /// The session's alias when the rotation started (for messages).
    pub alias: String,
    pub old_key: String,
    /// `None` while CreateAccessKey has not answered.
    pub new_key: Option<String>,
    /// When the new key was created (IAM's date), once known.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub new_key_created: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    pub step: RotationStep,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    #[serde(default)]
    rotations: BTreeMap<SessionId, PendingRotation>,
}

fn path(store: &StateStore) -> PathBuf {
    store.dir().join("rotations.json")
}

/// Every rotation in progress, by session (none when the journal does not exist).
pub fn pending_rotations(store: &StateStore) -> Result<Vec<PendingRotation>, StateError> {
    Ok(read(store)?.rotations.into_values().collect())
}

/// The rotation in progress of one session, if any.
pub fn pending_rotation(store: &StateStore, id: &SessionId) -> Result<Option<PendingRotation>, StateError> {
    Ok(read(store)?.rotations.remove(id))
}

/// Records `entry` as its session's rotation in progress (replacing an older one).
pub(crate) fn record(store: &StateStore, entry: &PendingRotation) -> Result<(), StateError> {
    change(store, |j| {
        j.rotations.insert(entry.session.clone(), entry.clone());
    })
}

/// The session's rotation is over: nothing left to do.
pub(crate) fn clear(store: &StateStore, id: &SessionId) -> Result<(), StateError> {
    change(store, |j| {
        j.rotations.remove(id);
    })
}

fn read(store: &StateStore) -> Result<Journal, StateError> {
    let path = path(store);
    let raw = match std::fs::read_to_string(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Journal::default()),
        Err(source) => return Err(StateError::Read { path, source }),
    };
    // Unlike a cache, a journal that cannot be read must not be taken for "nothing pending".
    serde_json::from_str(&raw).map_err(|e| StateError::Read {
        path,
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

/// Read-modify-write under `rotations.lock` (two rotations of different sessions at once must
/// not lose each other's entry); an empty journal removes the file.
fn change(store: &StateStore, f: impl FnOnce(&mut Journal)) -> Result<(), StateError> {
    let path = path(store);
    let write_err = |source| StateError::Write {
        path: path.clone(),
        source,
    };
    crate::state::create_private_dir(store.dir()).map_err(write_err)?;
    let _lock = lock(store).map_err(write_err)?;
    let mut journal = read(store)?;
    f(&mut journal);
    if journal.rotations.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(write_err(e)),
            _ => Ok(()),
        };
    }
    let mut json = serde_json::to_string_pretty(&journal).map_err(|e| write_err(std::io::Error::other(e)))?;
    json.push('\n');
    crate::private_files::atomic_write(&path, json.as_bytes()).map_err(write_err)
}

fn lock(store: &StateStore) -> std::io::Result<File> {
    let f = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(store.dir().join("rotations.lock"))?;
    f.lock()?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, step: RotationStep) -> PendingRotation {
        PendingRotation {
            session: SessionId::from_string(id),
            alias: format!("alias-{id}"),
            old_key: "AKIAOLDOLDOLDOLDOLD1".into(),
            new_key: Some("AKIANEWNEWNEWNEWNEW1".into()),
            new_key_created: Some(time::macros::datetime!(2026-12-01 10:00 UTC)),
            started: time::macros::datetime!(2026-12-01 10:00 UTC),
            step,
        }
    }

    #[test]
    fn records_replaces_and_clears_per_session() {
        let d = tempfile::tempdir().unwrap();
        let store = StateStore::at(d.path().join("home"));
        assert!(pending_rotations(&store).unwrap().is_empty());
        let a = entry("a", RotationStep::Created);
        record(&store, &a).unwrap();
        record(&store, &entry("b", RotationStep::Creating)).unwrap();
        let a2 = entry("a", RotationStep::Retiring);
        record(&store, &a2).unwrap();
        assert_eq!(pending_rotation(&store, &a.session).unwrap(), Some(a2));
        assert_eq!(pending_rotations(&store).unwrap().len(), 2);
        let raw = std::fs::read_to_string(path(&store)).unwrap();
        assert!(
            raw.contains("AKIANEWNEWNEWNEWNEW1") && raw.contains("retiring"),
            "{raw}"
        );
        clear(&store, &a.session).unwrap();
        clear(&store, &SessionId::from_string("b")).unwrap();
        assert!(pending_rotations(&store).unwrap().is_empty());
        assert!(!path(&store).exists(), "an empty journal is removed");
        // A damaged journal is an error, not "nothing pending".
        std::fs::write(path(&store), "{").unwrap();
        assert!(pending_rotations(&store).is_err());
    }
}
