//! The sign-in URL of an identity provider's AWS app (what a user opens to reach AWS through
//! the IdP, e.g. `https://example.okta.com/home/amazon_aws/0oa…/272`).

use serde::{Deserialize, Serialize};

use super::principal::SamlValueError;

/// An https URL (http only on a loopback address: a local test IdP).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdpUrl(String);

impl IdpUrl {
    pub fn parse(s: &str) -> Result<Self, SamlValueError> {
        let s = s.trim();
        let bad = || SamlValueError::BadIdpUrl(crate::validate::shown(s));
        let url = url::Url::parse(s).map_err(|_| bad())?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            None => return Err(bad()),
        };
        let ok = match url.scheme() {
            "https" => true,
            "http" => loopback,
            _ => false,
        };
        if ok && url.username().is_empty() && url.password().is_none() {
            Ok(Self(s.to_owned()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The IdP's host, as a notification names it ("Sign in to <host>").
    pub fn host(&self) -> String {
        url::Url::parse(&self.0)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for IdpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for IdpUrl {
    type Error = SamlValueError;
    fn try_from(s: String) -> Result<Self, SamlValueError> {
        Self::parse(&s)
    }
}

impl From<IdpUrl> for String {
    fn from(u: IdpUrl) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        for ok in [
            "https://example.okta.com/home/amazon_aws/0oa1/272",
            "https://adfs.example.com/adfs/ls/IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices",
            "http://127.0.0.1:8080/saml/idp/x/sso",
            "http://localhost/sso",
            "http://[::1]:9/sso",
        ] {
            assert_eq!(IdpUrl::parse(ok).unwrap().as_str(), ok);
        }
        for bad in [
            "http://idp.example.com/sso",
            "ftp://idp.example.com/sso",
            "https://user:pw@idp.example.com/sso",
            "idp.example.com",
            "",
        ] {
            let e = IdpUrl::parse(bad).unwrap_err();
            assert!(e.to_string().contains("https"), "{bad}: {e}");
        }
        assert_eq!(
            IdpUrl::parse("https://Example.okta.com/x").unwrap().host(),
            "example.okta.com"
        );
    }
}
