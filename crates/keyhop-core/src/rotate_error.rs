//! What can go wrong rotating an IAM user's access key, and where each key is then. Below the
//! engine (which rotates) and `error` (which carries it), so neither imports the other.

use crate::iam::IamError;
use crate::secrets::SecretsError;
use crate::state::StateError;
use crate::sts::StsError;

/// What became of the new key after a failure before the old one was retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewKeyFate {
    Deleted,
    /// Still in IAM (deleting it failed): unusable, its secret is gone.
    Left(IamError),
}

impl std::fmt::Display for NewKeyFate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewKeyFate::Deleted => f.write_str("was deleted again"),
            NewKeyFate::Left(e) => write!(f, "is left in IAM unused (deleting it failed: {e}); delete it"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("session {0:?} is not an IAM user: only IAM users have access keys to rotate")]
    NotIamUser(String),
    #[error(
        "cannot create a new access key for {alias:?}: {source}. Nothing changed: the old key {old} is still active and in the keyring"
    )]
    Create {
        alias: String,
        old: String,
        source: IamError,
    },
    #[error(
        "the new access key {new} of {alias:?} cannot be stored in the keyring ({source}); the new key {fate}. The old key {old} is still active and in the keyring"
    )]
    Store {
        alias: String,
        old: String,
        new: String,
        source: SecretsError,
        fate: NewKeyFate,
    },
    #[error(
        "the new access key {new} of {alias:?} does not work ({source}); the new key {fate}. The old key {old} is still active and {keyring}"
    )]
    Prove {
        alias: String,
        old: String,
        new: String,
        source: StsError,
        fate: NewKeyFate,
        keyring: OldKeyring,
    },
    #[error(
        "the new access key {new} of {alias:?} works and is in the keyring, but the old key {old} could not be deactivated ({source}): it is still active in IAM; run `keyhop session rotate` again to retire it, or deactivate and delete it (aws iam delete-access-key --access-key-id {old})"
    )]
    Deactivate {
        alias: String,
        old: String,
        new: String,
        source: IamError,
    },
    #[error(
        "the new access key {new} of {alias:?} works and is in the keyring; the old key {old} is deactivated but could not be deleted ({source}); run `keyhop session rotate` again to delete it, or delete it (aws iam delete-access-key --access-key-id {old})"
    )]
    Delete {
        alias: String,
        old: String,
        new: String,
        source: IamError,
    },
    #[error(
        "cannot note the rotation of {alias:?} in its journal ({source}); the new key {new} {fate}. The old key {old} is still active and in the keyring"
    )]
    Journal {
        alias: String,
        old: String,
        new: String,
        source: StateError,
        fate: NewKeyFate,
    },
    #[error(
        "an interrupted rotation of {alias:?} left the new access key {new} in the keyring, but it does not work ({source}); the old key {old} may still be active in IAM, but its secret is no longer in the keyring. Check both keys in IAM, then run `keyhop session rotate` again"
    )]
    ResumeProve {
        alias: String,
        old: String,
        new: String,
        source: StsError,
    },
    #[error(
        "an interrupted rotation of {alias:?} left a new access key {new} that never reached the keyring; deleting it failed ({source}). The old key {old} is still the one in use; run `keyhop session rotate` again, or delete {new} (aws iam delete-access-key --access-key-id {new})"
    )]
    Undo {
        alias: String,
        old: String,
        new: String,
        source: IamError,
    },
    #[error(
        "an interrupted rotation of {alias:?} (old key {old}, new key {new}) can be neither finished nor undone: {detail}"
    )]
    Interrupted {
        alias: String,
        old: String,
        new: String,
        detail: String,
    },
}

/// Whether the old key went back into the keyring after the new one failed its proof.
#[derive(Debug)]
pub enum OldKeyring {
    Restored,
    NotRestored(SecretsError),
}

impl std::fmt::Display for OldKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OldKeyring::Restored => f.write_str("back in the keyring"),
            OldKeyring::NotRestored(e) => write!(
                f,
                "in IAM, but it could not be put back in the keyring ({e}); edit the session with that key again"
            ),
        }
    }
}
