//! The values of a SAML session a user types: the SAML provider (principal) ARN and the
//! session's duration.

use serde::{Deserialize, Serialize};

/// What is wrong with a typed SAML value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlValueError {
    #[error(
        "SAML provider ARN {0:?} is not valid: expected arn:aws:iam::<12-digit account>:saml-provider/<name> (the principal ARN the IdP's Role attribute names)"
    )]
    BadPrincipalArn(String),
    #[error(
        "session duration {0} s is out of range: AssumeRoleWithSAML takes 900 s (15 min) to 43200 s (12 h), up to the role's maximum"
    )]
    BadDuration(u64),
    #[error(
        "IdP URL {0:?} is not valid: expected the https sign-in URL of the IdP's AWS app (http only on a loopback address)"
    )]
    BadIdpUrl(String),
}

/// A SAML identity provider in IAM: `arn:<partition>:iam::<account>:saml-provider/<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PrincipalArn(String);

impl PrincipalArn {
    pub fn parse(s: &str) -> Result<Self, SamlValueError> {
        let s = s.trim();
        let bad = || SamlValueError::BadPrincipalArn(crate::validate::shown(s));
        let mut it = s.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(res)) =
            (it.next(), it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad());
        };
        let name = res.strip_prefix("saml-provider/").ok_or_else(bad)?;
        let ok = partition.starts_with("aws")
            && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && (1..=128).contains(&name.len())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if ok { Ok(Self(s.to_owned())) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The partition named in the ARN (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> &str {
        self.0.split(':').nth(1).unwrap_or_default()
    }
}

impl std::fmt::Display for PrincipalArn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PrincipalArn {
    type Error = SamlValueError;
    fn try_from(s: String) -> Result<Self, SamlValueError> {
        Self::parse(&s)
    }
}

impl From<PrincipalArn> for String {
    fn from(a: PrincipalArn) -> String {
        a.0
    }
}

/// How long the credentials of a SAML session last: 15 min to 12 h (AWS's bounds; the role's
/// own maximum may be lower, and STS says so). One hour unless chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct SamlDuration(u64);

impl SamlDuration {
    pub const DEFAULT: SamlDuration = SamlDuration(3600);

    pub fn from_secs(secs: u64) -> Result<Self, SamlValueError> {
        if (900..=43_200).contains(&secs) {
            Ok(Self(secs))
        } else {
            Err(SamlValueError::BadDuration(secs))
        }
    }

    pub fn secs(self) -> u64 {
        self.0
    }
}

impl Default for SamlDuration {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<u64> for SamlDuration {
    type Error = SamlValueError;
    fn try_from(v: u64) -> Result<Self, SamlValueError> {
        Self::from_secs(v)
    }
}

impl From<SamlDuration> for u64 {
    fn from(d: SamlDuration) -> u64 {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_arns_of_every_partition_parse() {
        for s in [
            "arn:aws:iam::123456789012:saml-provider/Okta",
            "arn:aws-cn:iam::123456789012:saml-provider/adfs.example.cn",
            "arn:aws-us-gov:iam::123456789012:saml-provider/Entra_ID-2",
        ] {
            assert_eq!(PrincipalArn::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(
            PrincipalArn::parse(" arn:aws-cn:iam::123456789012:saml-provider/x ")
                .unwrap()
                .partition(),
            "aws-cn"
        );
    }

    #[test]
    fn other_arns_are_refused_with_the_expected_shape() {
        for s in [
            "arn:aws:iam::123456789012:role/Admin",
            "arn:aws:iam::12345678901:saml-provider/Okta",
            "arn:aws:iam::123456789012:saml-provider/",
            "arn:aws:iam::123456789012:saml-provider/has space",
            "arn:aws:sts::123456789012:saml-provider/Okta",
            "arn:gcp:iam::123456789012:saml-provider/Okta",
            "Okta",
        ] {
            let e = PrincipalArn::parse(s).unwrap_err();
            assert!(e.to_string().contains("saml-provider/<name>"), "{s}: {e}");
        }
    }

    #[test]
    fn durations_are_bounded_like_assume_role_with_saml() {
        assert_eq!(SamlDuration::default().secs(), 3600);
        assert!(SamlDuration::from_secs(900).is_ok());
        assert!(SamlDuration::from_secs(43_200).is_ok());
        assert!(SamlDuration::from_secs(899).is_err());
        assert!(
            SamlDuration::from_secs(43_201)
                .unwrap_err()
                .to_string()
                .contains("43200")
        );
    }
}
