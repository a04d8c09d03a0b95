//! The AWS console sign-in URL of a session (`keyhop console`, the tray's "Open console"), as
//! AWS documents it for a custom identity broker: temporary credentials go to the partition's
//! federation endpoint (`Action=getSigninToken`), which answers a sign-in token; the URL is the
//! same endpoint with `Action=login`, the token and the console page to land on.
//!
//! The token and the URL sign whoever opens them in, for as long as the credentials last: they
//! are [`SigninUrl`] (a `SecretString`), never logged and never in an error message.

mod destination;
mod federation;

use secrecy::{ExposeSecret, SecretString};

pub use destination::Destination;
pub(crate) use federation::signin_token;

use crate::validate::Region;

/// What `Issuer` the sign-in URL names: where the console sends a user whose session ended.
pub const ISSUER: &str = "keyhop";

/// An AWS partition: which sign-in and console hosts serve a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    Aws,
    China,
    GovCloud,
}

impl Partition {
    pub const ALL: [Partition; 3] = [Partition::Aws, Partition::China, Partition::GovCloud];

    pub fn of(region: &Region) -> Self {
        let r = region.as_str();
        if r.starts_with("cn-") {
            Partition::China
        } else if r.starts_with("us-gov-") {
            Partition::GovCloud
        } else {
            Partition::Aws
        }
    }

    /// The partition's name, as ARNs spell it.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
        }
    }

    pub fn signin_host(self) -> &'static str {
        match self {
            Partition::Aws => "signin.aws.amazon.com",
            Partition::China => "signin.amazonaws.cn",
            Partition::GovCloud => "signin.amazonaws-us-gov.com",
        }
    }

    pub fn console_host(self) -> &'static str {
        match self {
            Partition::Aws => "console.aws.amazon.com",
            Partition::China => "console.amazonaws.cn",
            Partition::GovCloud => "console.amazonaws-us-gov.com",
        }
    }
}

impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A URL that signs its opener in to the console. `Debug` shows no part of it.
pub struct SigninUrl(SecretString);

impl SigninUrl {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for SigninUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigninUrl(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsoleError {
    #[error("--destination {given:?} is not a console page: {reason}")]
    BadDestination { given: String, reason: String },
    #[error(
        "{what} is in partition {other}, but session {alias:?} signs in to partition {session} (its region is {region}); pick a region or page of {session}"
    )]
    OtherPartition {
        what: String,
        other: Partition,
        alias: String,
        session: Partition,
        region: String,
    },
    #[error("KEYHOP_FEDERATION_ENDPOINT {0:?} is not an http(s) URL")]
    BadEndpoint(String),
    #[error("cannot reach the AWS sign-in federation endpoint at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the AWS sign-in federation endpoint at {url} answered HTTP {status}: {hint}")]
    Refused {
        url: String,
        status: u16,
        hint: &'static str,
    },
    #[error("the AWS sign-in federation endpoint at {url} answered without a sign-in token (HTTP {status})")]
    Unreadable { url: String, status: u16 },
}

/// The sign-in URL: `<endpoint>?Action=login&Issuer=keyhop&Destination=<page>&SigninToken=<token>`.
pub(crate) fn login_url(endpoint: &url::Url, destination: &str, token: &SecretString) -> SigninUrl {
    let mut url = endpoint.clone();
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", ISSUER)
        .append_pair("Destination", destination)
        .append_pair("SigninToken", token.expose_secret());
    SigninUrl(url.to_string().into())
}

/// The federation endpoint as a URL (an override from the environment may be anything).
pub(crate) fn endpoint_url(text: &str) -> Result<url::Url, ConsoleError> {
    url::Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && u.has_host())
        .ok_or_else(|| ConsoleError::BadEndpoint(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(r: &str) -> Region {
        Region::parse(r).unwrap()
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(Partition::of(&region("eu-west-1")), Partition::Aws);
        assert_eq!(Partition::of(&region("cn-north-1")), Partition::China);
        assert_eq!(Partition::of(&region("us-gov-west-1")), Partition::GovCloud);
        assert_eq!(Partition::China.signin_host(), "signin.amazonaws.cn");
        assert_eq!(Partition::GovCloud.console_host(), "console.amazonaws-us-gov.com");
    }

    #[test]
    fn the_login_url_carries_the_page_and_the_token_encoded() {
        let endpoint = endpoint_url("https://signin.aws.amazon.com/federation").unwrap();
        let url = login_url(
            &endpoint,
            "https://console.aws.amazon.com/console/home?region=eu-west-1",
            &SecretString::from("tok+en/="),
        );
        assert_eq!(
            url.expose(),
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=keyhop&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-1&SigninToken=tok%2Ben%2F%3D"
        );
        assert_eq!(format!("{url:?}"), "SigninUrl(<redacted>)");
    }

    #[test]
    fn an_endpoint_override_must_be_an_http_url() {
        assert!(endpoint_url("http://127.0.0.1:9/federation").is_ok());
        for bad in ["", "signin.aws.amazon.com", "ftp://x/federation", "file:///etc/passwd"] {
            assert!(
                matches!(endpoint_url(bad), Err(ConsoleError::BadEndpoint(_))),
                "{bad:?}"
            );
        }
    }
}
