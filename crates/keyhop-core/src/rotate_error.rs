//! What can go wrong rotating an IAM user's access key, and where each key is then. Below the
//! engine (which rotates) and `error` (which carries it), so neither imports the other.

use crate::iam::IamError;
use crate::secrets::SecretsError;
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
        "the new access key {new} of {alias:?} works and is in the keyring, but the old key {old} could not be deactivated ({source}): it is still active in IAM; deactivate and delete it (aws iam delete-access-key --access-key-id {old})"
    )]
    Deactivate {
        alias: String,
        old: String,
        new: String,
        source: IamError,
    },
    #[error(
        "the new access key {new} of {alias:?} works and is in the keyring; the old key {old} is deactivated but could not be deleted ({source}); delete it (aws iam delete-access-key --access-key-id {old})"
    )]
    Delete {
        alias: String,
        old: String,
        new: String,
        source: IamError,
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
