//! Parsers for every user-typed value. Each type can only hold a valid value, so the rest of
//! the core never re-checks: parse once at the edge (CLI, window, import), then trust the type.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::regions;

/// What is wrong with a typed value; each message names the field and the rule. A value is
/// shown only for fields that are never secret, and then cut to a short prefix (`shown`): a
/// secret pasted into the wrong field, or a megabyte of junk, must not come back in the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("session alias must not be empty")]
    EmptyAlias,
    #[error("session alias {0:?} is too long (at most 64 characters)")]
    AliasTooLong(String),
    #[error("session alias {0:?} contains a control character")]
    AliasControlChar(String),
    #[error("profile name must not be empty")]
    EmptyProfile,
    #[error(
        "profile name {0:?} is not valid: it may not contain '[', ']', '#', ';', '=', a line break or a control character, or be longer than 64 characters"
    )]
    BadProfile(String),
    #[error(
        "profile name {0:?} is not valid: the AWS CLI cannot address a profile whose name contains a space (or other whitespace), a quote or a backslash; botocore ignores a [profile a b] section in ~/.aws/config"
    )]
    ProfileUnaddressable(String),
    #[error(
        "profile name \"DEFAULT\" is not valid: in an AWS credentials file [DEFAULT] is not a profile but lends its keys to every profile of the file; choose another name"
    )]
    ProfileDefault,
    #[error("region {0:?} is not an AWS region (expected e.g. us-east-1, eu-west-2, us-gov-west-1)")]
    BadRegion(String),
    #[error(
        "access key id is not valid: expected 20 characters, AKIA or ASIA followed by 16 upper-case letters or digits (like AKIAIOSFODNN7EXAMPLE); got {len} characters{hint}",
        hint = if *.len == 40 { ", the length of a secret access key: was the secret pasted as the access key id?" } else { "" }
    )]
    BadAccessKeyId { len: usize },
    #[error("secret access key is not valid: expected 40 characters without spaces, got {0}")]
    BadSecretAccessKey(usize),
    #[error(
        "MFA device {0:?} is not valid: expected arn:aws:iam::<12-digit account>:mfa/<name> or a hardware token serial number"
    )]
    BadMfaDevice(String),
    #[error("MFA code is not valid: expected exactly 6 digits")]
    BadMfaCode,
    #[error("role ARN {0:?} is not valid: expected arn:aws:iam::<12-digit account>:role/<name>")]
    BadRoleArn(String),
    #[error("role session name {0:?} is not valid: expected 2-64 characters of letters, digits and +=,.@_-")]
    BadRoleSessionName(String),
    #[error("session duration {0} s is out of range: GetSessionToken takes 900 s (15 min) to 129600 s (36 h)")]
    BadDuration(u64),
}

/// Longest prefix of a typed value that an error message shows.
const SHOWN_CHARS: usize = 40;

/// `s` as an error message may show it: at most `SHOWN_CHARS` characters, then "…".
pub(crate) fn shown(s: &str) -> String {
    match s.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

macro_rules! string_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, ValidationError> {
                $name::parse(&s)
            }
        }
        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, ValidationError> {
                $name::parse(s)
            }
        }
    };
}

string_newtype!(
    /// A session's display name; unique among sessions (the engine checks that).
    SessionAlias
);
string_newtype!(
    /// A named profile: a section name that cannot break out of its INI section.
    ProfileName
);
string_newtype!(Region);
string_newtype!(AccessKeyId);
string_newtype!(
    /// A virtual MFA device ARN or a hardware token serial number.
    MfaDevice
);
string_newtype!(RoleArn);
string_newtype!(RoleSessionName);

fn is_arn_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

impl SessionAlias {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::EmptyAlias);
        }
        if s.chars().count() > 64 {
            return Err(ValidationError::AliasTooLong(shown(s)));
        }
        if s.chars().any(char::is_control) {
            return Err(ValidationError::AliasControlChar(shown(s)));
        }
        Ok(Self(s.to_owned()))
    }
}

impl ProfileName {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if s.is_empty() {
            return Err(ValidationError::EmptyProfile);
        }
        // Characters that would break out of the INI section.
        if s.chars().count() > 64 || s.chars().any(|c| c.is_control() || "[]#;=".contains(c)) {
            return Err(ValidationError::BadProfile(shown(s)));
        }
        // botocore finds `[profile NAME]` in the config file by shlex-splitting the section
        // name into exactly two words, so a name with whitespace, a quote or a backslash is
        // not found (`aws --profile "a b"` says "could not be found").
        if s.chars().any(|c| c.is_whitespace() || "\"'\\".contains(c)) {
            return Err(ValidationError::ProfileUnaddressable(shown(s)));
        }
        // configparser's defaults section: its keys would appear in every profile.
        if s == "DEFAULT" {
            return Err(ValidationError::ProfileDefault);
        }
        Ok(Self(s.to_owned()))
    }

    /// The config-file section: `[default]` stays as is, others are `[profile NAME]`.
    pub fn config_section(&self) -> String {
        if self.0 == "default" {
            self.0.clone()
        } else {
            format!("profile {}", self.0)
        }
    }
}

impl Region {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if regions::is_known(s) || looks_like_region(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::BadRegion(shown(s)))
        }
    }
}

/// `xx-word(-word)*-N`: accepts regions launched after this list was written.
fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].len() <= 2
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

impl AccessKeyId {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let ok = s.len() == 20
            && (s.starts_with("AKIA") || s.starts_with("ASIA"))
            && s[4..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::BadAccessKeyId { len: s.chars().count() })
        }
    }
}

impl MfaDevice {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let bad = || ValidationError::BadMfaDevice(shown(s));
        if s.starts_with("arn:") {
            let rest = ["arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"]
                .iter()
                .find_map(|p| s.strip_prefix(p))
                .ok_or_else(bad)?;
            let (account, name) = rest.split_once(":mfa/").ok_or_else(bad)?;
            let ok = is_account_id(account)
                && !name.is_empty()
                && name.len() <= 512
                && name.chars().all(|c| is_arn_name_char(c) || c == '/');
            if ok { Ok(Self(s.to_owned())) } else { Err(bad()) }
        } else if (9..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(bad())
        }
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

impl RoleArn {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let bad = || ValidationError::BadRoleArn(shown(s));
        let mut it = s.splitn(6, ':');
        let (Some("arn"), Some(partition), Some("iam"), Some(""), Some(account), Some(res)) =
            (it.next(), it.next(), it.next(), it.next(), it.next(), it.next())
        else {
            return Err(bad());
        };
        let path_and_name = res.strip_prefix("role/").ok_or_else(bad)?;
        let name = path_and_name.rsplit('/').next().unwrap_or_default();
        let ok = partition.starts_with("aws")
            && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            && is_account_id(account)
            && (1..=64).contains(&name.len())
            && path_and_name.len() <= 512
            && path_and_name.chars().all(|c| is_arn_name_char(c) || c == '/');
        if ok { Ok(Self(s.to_owned())) } else { Err(bad()) }
    }

    /// The role's name, the last path segment (what `assumed-role/<name>/…` shows).
    pub fn role_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or_default()
    }
}

impl RoleSessionName {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if (2..=64).contains(&s.len()) && s.chars().all(is_arn_name_char) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::BadRoleSessionName(shown(s)))
        }
    }
}

/// A one-time code from an MFA device. Not kept anywhere; it only travels to STS.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaCode(String);

impl MfaCode {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::BadMfaCode)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MfaCode(******)")
    }
}

/// The long-term secret: only ever held in memory and in the OS keyring. `Debug` redacts it.
#[derive(Clone, Debug)]
pub struct SecretAccessKey(SecretString);

impl SecretAccessKey {
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim_end_matches(['\r', '\n']);
        let n = s.chars().count();
        if n == 40 && !s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Ok(Self(SecretString::from(s.to_owned())))
        } else {
            Err(ValidationError::BadSecretAccessKey(n))
        }
    }
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// GetSessionToken duration for IAM users (AWS limits: 15 min to 36 h).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct SessionDuration(u64);

impl SessionDuration {
    pub const DEFAULT: SessionDuration = SessionDuration(43_200);
    pub fn from_secs(secs: u64) -> Result<Self, ValidationError> {
        if (900..=129_600).contains(&secs) {
            Ok(Self(secs))
        } else {
            Err(ValidationError::BadDuration(secs))
        }
    }
    pub fn secs(self) -> u64 {
        self.0
    }
}

impl Default for SessionDuration {
    fn default() -> Self {
        Self::DEFAULT
    }
}
impl From<SessionDuration> for u64 {
    fn from(d: SessionDuration) -> u64 {
        d.0
    }
}
impl TryFrom<u64> for SessionDuration {
    type Error = ValidationError;
    fn try_from(v: u64) -> Result<Self, ValidationError> {
        Self::from_secs(v)
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
