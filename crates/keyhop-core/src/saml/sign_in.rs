//! What keyhop and its sign-in window (`keyhop-signin`, its own process) agree on: where an
//! IdP's cookies live, which hosts the window watches for the assertion, and what its exit
//! status means. The assertion itself travels only on the window's stdout pipe.

use std::path::{Path, PathBuf};

use super::idp_url::IdpUrl;
use crate::console::Partition;

/// How the sign-in window ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInExit {
    /// The assertion is on stdout.
    Captured,
    /// Anything else (the window says why on stderr).
    Failed,
    /// A silent sign-in (`--silent`) met a page that wants the user: nothing was shown.
    NeedsUser,
    /// The user closed the window.
    Cancelled,
    /// The IdP's page never posted an assertion in time.
    TimedOut,
}

impl SignInExit {
    pub const fn code(self) -> u8 {
        match self {
            Self::Captured => 0,
            Self::Failed => 1,
            Self::NeedsUser => 3,
            Self::Cancelled => 4,
            Self::TimedOut => 5,
        }
    }

    /// `None` for a status no window gives (killed by a signal, a crash): a failure.
    pub fn from_code(code: Option<i32>) -> Self {
        match code {
            Some(0) => Self::Captured,
            Some(3) => Self::NeedsUser,
            Some(4) => Self::Cancelled,
            Some(5) => Self::TimedOut,
            _ => Self::Failed,
        }
    }
}

/// The hosts of AWS's sign-in service, one per partition: an assertion posted to
/// `https://<host>/saml` (or a regional `<region>.<host>`) is the one to capture.
pub fn aws_signin_hosts() -> Vec<&'static str> {
    Partition::ALL.iter().map(|p| p.signin_host()).collect()
}

/// The cookie store of the IdP at `idp` under the state dir: one per IdP host (and port), so
/// sessions that share an IdP share its sign-in.
pub fn cookie_dir(state_dir: &Path, idp: &IdpUrl) -> PathBuf {
    let url = url::Url::parse(idp.as_str()).ok();
    let host = url.as_ref().and_then(url::Url::host_str).unwrap_or("idp");
    let name: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = match url.as_ref().and_then(url::Url::port) {
        Some(port) => format!("{name}_{port}"),
        None => name,
    };
    state_dir.join("saml-idp").join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_round_trip_and_unknown_ones_fail() {
        for e in [
            SignInExit::Captured,
            SignInExit::Failed,
            SignInExit::NeedsUser,
            SignInExit::Cancelled,
            SignInExit::TimedOut,
        ] {
            assert_eq!(SignInExit::from_code(Some(i32::from(e.code()))), e);
        }
        assert_eq!(SignInExit::from_code(None), SignInExit::Failed);
        assert_eq!(SignInExit::from_code(Some(101)), SignInExit::Failed);
    }

    #[test]
    fn one_cookie_store_per_idp_host_and_port() {
        let dir = Path::new("/state");
        let at = |u: &str| cookie_dir(dir, &IdpUrl::parse(u).unwrap());
        assert_eq!(
            at("https://Example.okta.com/home/amazon_aws/0oa1/272"),
            dir.join("saml-idp/example.okta.com")
        );
        assert_eq!(
            at("https://example.okta.com/home/amazon_aws/0oa2/272"),
            at("https://example.okta.com/home/amazon_aws/0oa1/272")
        );
        assert_eq!(
            at("http://127.0.0.1:8080/saml/idp/x/sso"),
            dir.join("saml-idp/127.0.0.1_8080")
        );
        assert_eq!(at("http://[::1]:9/sso"), dir.join("saml-idp/___1__9"));
    }

    #[test]
    fn every_partition_has_its_host_and_each_is_an_endpoint() {
        let hosts = aws_signin_hosts();
        assert_eq!(
            hosts,
            [
                "signin.aws.amazon.com",
                "signin.amazonaws.cn",
                "signin.amazonaws-us-gov.com"
            ]
        );
        for h in hosts {
            assert!(super::super::aws_saml_endpoint(&format!("https://{h}/saml")).is_some());
        }
    }
}
