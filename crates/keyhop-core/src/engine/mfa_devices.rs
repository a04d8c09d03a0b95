//! "Find my MFA device": the MFA devices of the IAM user whose keys were just typed into the add
//! form, before any session exists.

use super::Engine;
use crate::iam::{self, IamError};
use crate::secrets::{LongTermKeys, SecretStore};
use crate::sts::StsError;
use crate::validate::{MfaDevice, Region};

#[derive(Debug, thiserror::Error)]
pub enum MfaLookupError {
    #[error("the keys do not work: {0}")]
    Keys(#[from] StsError),
    #[error(transparent)]
    Iam(#[from] IamError),
}

/// The user name in an IAM user's ARN (`arn:aws:iam::123456789012:user/path/name`); `None` for
/// any other caller (the account's root).
fn user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    resource.strip_prefix("user/")?.rsplit('/').next()
}

impl<S: SecretStore> Engine<S> {
    /// The devices IAM lists for the user of `keys` (asked in `region`), as MFA device values a
    /// session takes; a serial keyhop cannot use is left out. The user is named in the question
    /// (from GetCallerIdentity, which needs no permission): IAM would take the caller's own when
    /// none is named, but emulators such as moto do not.
    pub async fn mfa_devices(&self, region: &Region, keys: &LongTermKeys) -> Result<Vec<MfaDevice>, MfaLookupError> {
        let arn = crate::sts::get_caller_identity(&self.endpoints, region, keys).await?;
        let serials = iam::list_mfa_devices(&self.endpoints, region, keys, user_name(&arn)).await?;
        Ok(serials.iter().filter_map(|s| MfaDevice::parse(s).ok()).collect())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_user_name_is_the_last_part_of_a_user_arn() {
        assert_eq!(super::user_name("arn:aws:iam::123456789012:user/alice"), Some("alice"));
        assert_eq!(
            super::user_name("arn:aws:iam::123456789012:user/ops/team/bob"),
            Some("bob")
        );
        assert_eq!(super::user_name("arn:aws-cn:iam::123456789012:user/li"), Some("li"));
        assert_eq!(super::user_name("arn:aws:iam::123456789012:root"), None);
        assert_eq!(super::user_name("arn:aws:sts::123456789012:assumed-role/R/s"), None);
    }
}
