//! An SSO connection: one organisation's portal, as `state.json` keeps it.

use serde::{Deserialize, Serialize};

use super::SsoError;
use crate::validate::Region;

/// Stable identity of a connection: names its keyring items and its sessions' link to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectionId(String);

impl ConnectionId {
    pub fn random() -> Self {
        Self(format!("sso-{}", crate::session::SessionId::random()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// An id that came back from the UI or a notification action (it was ours).
    pub fn from_string(s: impl Into<String>) -> Self {
        Self(s.into())
    }
}

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the user calls the connection (`keyhop sso login NAME`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConnectionName(String);

impl ConnectionName {
    pub fn parse(s: &str) -> Result<Self, SsoError> {
        let s = s.trim();
        let ok =
            !s.is_empty() && s.chars().count() <= 64 && s.chars().all(|c| c.is_alphanumeric() || " ._-".contains(c));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(SsoError::BadName(s.chars().take(64).collect()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ConnectionName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ConnectionName {
    type Error = SsoError;
    fn try_from(s: String) -> Result<Self, SsoError> {
        Self::parse(&s)
    }
}

impl From<ConnectionName> for String {
    fn from(n: ConnectionName) -> String {
        n.0
    }
}

/// The portal's start URL (`https://d-1234567890.awsapps.com/start`): the issuer of the sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StartUrl(String);

impl StartUrl {
    pub fn parse(s: &str) -> Result<Self, SsoError> {
        let s = s.trim();
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
        let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
            && s.len() <= 2048
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(SsoError::BadStartUrl(s.chars().take(80).collect()));
        }
        // The sign-in's codes and tokens travel to it: only https, but for a portal on this
        // machine (a test rig) nothing can read on the way.
        if let Some(rest) = s.strip_prefix("http://")
            && !is_loopback(rest)
        {
            return Err(SsoError::StartUrlNotHttps(s.chars().take(80).collect()));
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the authority that begins `rest` (what follows `http://`) is this machine.
fn is_loopback(rest: &str) -> bool {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, port)) if port.is_empty() || port.starts_with(':') => h,
            _ => return false,
        },
        None => host.split_once(':').map_or(host, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl std::fmt::Display for StartUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for StartUrl {
    type Error = SsoError;
    fn try_from(s: String) -> Result<Self, SsoError> {
        Self::parse(&s)
    }
}

impl From<StartUrl> for String {
    fn from(u: StartUrl) -> String {
        u.0
    }
}

/// The scope that makes the portal issue a refresh token, so sign-ins last for days.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoConnection {
    pub id: ConnectionId,
    pub name: ConnectionName,
    pub start_url: StartUrl,
    /// Where the portal and its OIDC service live.
    pub region: Region,
    /// The region written into the profiles of its sessions.
    pub default_region: Region,
    pub scopes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_start_urls_are_checked() {
        assert!(ConnectionName::parse("Acme prod_1.x").is_ok());
        for bad in ["", "a/b", "x\ny", &"n".repeat(65)] {
            assert!(ConnectionName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(StartUrl::parse("https://d-123.awsapps.com/start").is_ok());
        assert!(StartUrl::parse("http://127.0.0.1:9/start/d-1").is_ok());
        for loopback in ["http://localhost:9/start", "http://[::1]:9/start", "http://127.0.0.2/x"] {
            assert!(StartUrl::parse(loopback).is_ok(), "{loopback:?}");
        }
        for bad in ["d-123.awsapps.com", "ftp://x", "https://", "https://a b", "https:///x"] {
            assert!(StartUrl::parse(bad).is_err(), "{bad:?}");
        }
        for clear in [
            "http://d-123.awsapps.com/start",
            "http://127.0.0.1.evil.example/start",
            "http://localhost.evil.example/start",
            "http://127.0.0.1@evil.example/start",
            "http://[::1].evil/start",
        ] {
            assert!(
                matches!(StartUrl::parse(clear), Err(SsoError::StartUrlNotHttps(_))),
                "{clear:?}"
            );
        }
    }
}
