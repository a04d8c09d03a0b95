//! IAM Role Federated (SAML 2.0): a role reached by signing in at the company's identity
//! provider. Its AWS app posts a SAML assertion to AWS; keyhop takes that assertion before it
//! leaves the machine and hands it, unchanged, to STS AssumeRoleWithSAML. No keys at all.

use serde::{Deserialize, Serialize};

use super::{Freshness, JsonFields, Providers};
use crate::error::{Error, Result};
use crate::saml::{IdpUrl, PrincipalArn, SamlAssertion, SamlDuration, SamlError};
use crate::secrets::{SecretStore, StsCredentials};
use crate::session::Session;
use crate::sts;
use crate::validate::RoleArn;

/// Role credentials handed on (to `credential-process`, or to a role chained on this one) keep
/// at least this long.
pub const REUSE_MARGIN: time::Duration = time::Duration::minutes(15);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsSaml {
    pub idp_url: IdpUrl,
    pub role_arn: RoleArn,
    pub principal_arn: PrincipalArn,
    #[serde(default)]
    pub duration: SamlDuration,
}

/// What a SAML session shows (`session list --json`: `idp_url`, `principal_arn`; its role is
/// `role_arn`, as a chained role's is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Details {
    pub idp_url: IdpUrl,
    pub principal_arn: PrincipalArn,
    #[serde(skip)]
    pub role_arn: RoleArn,
    #[serde(skip)]
    pub duration: SamlDuration,
}

impl JsonFields for Details {
    const JSON_FIELDS: &'static [&'static str] = &["idp_url", "principal_arn"];
}

impl Details {
    pub(super) fn summary(&self) -> String {
        format!("IAM Role Federated · {}", self.idp_host())
    }

    /// The IdP's host, as the tray and notifications name it.
    pub fn idp_host(&self) -> String {
        self.idp_url.host()
    }
}

pub struct New {
    pub idp_url: IdpUrl,
    pub role_arn: RoleArn,
    pub principal_arn: PrincipalArn,
    pub duration: SamlDuration,
}

#[derive(Default)]
pub struct Edit {
    pub idp_url: Option<IdpUrl>,
    pub role_arn: Option<RoleArn>,
    pub principal_arn: Option<PrincipalArn>,
    pub duration: Option<SamlDuration>,
}

impl AwsSaml {
    pub(super) fn reuse_margin(&self, is_target: bool, fresh: Freshness) -> Option<time::Duration> {
        (!is_target || fresh == Freshness::CachedOk).then_some(REUSE_MARGIN)
    }

    /// AssumeRoleWithSAML with the assertion the user's sign-in produced; a stale, foreign or
    /// other-partition assertion, or one that does not offer the role, is refused before STS.
    pub(super) async fn fetch<S: SecretStore>(&self, p: &Providers<'_, S>, s: &Session) -> Result<StsCredentials> {
        let Some(response) = p.saml else {
            return Err(SamlError::NeedsSignIn {
                idp_url: self.idp_url.to_string(),
                why: "a new sign-in at the IdP is needed",
            }
            .into());
        };
        let assertion = SamlAssertion::read(response.clone(), time::OffsetDateTime::now_utc())?;
        assertion.fits_region(&s.region)?;
        assertion.offers(&self.role_arn, &self.principal_arn)?;
        sts::assume_role_with_saml(
            p.endpoints,
            &s.region,
            assertion.response(),
            &self.role_arn,
            &self.principal_arn,
            self.duration,
        )
        .await
        .map_err(|source| Error::Sts {
            step: "AssumeRoleWithSAML",
            alias: s.alias.to_string(),
            source,
        })
    }

    pub(super) fn details(&self) -> Details {
        Details {
            idp_url: self.idp_url.clone(),
            principal_arn: self.principal_arn.clone(),
            role_arn: self.role_arn.clone(),
            duration: self.duration,
        }
    }

    pub(super) fn apply(&mut self, e: &Edit) {
        if let Some(u) = &e.idp_url {
            self.idp_url = u.clone();
        }
        if let Some(a) = &e.role_arn {
            self.role_arn = a.clone();
        }
        if let Some(a) = &e.principal_arn {
            self.principal_arn = a.clone();
        }
        if let Some(d) = e.duration {
            self.duration = d;
        }
    }
}

impl New {
    pub(super) fn create(&self) -> AwsSaml {
        AwsSaml {
            idp_url: self.idp_url.clone(),
            role_arn: self.role_arn.clone(),
            principal_arn: self.principal_arn.clone(),
            duration: self.duration,
        }
    }
}

impl Edit {
    pub(super) fn first_field(&self) -> &'static str {
        if self.idp_url.is_some() {
            "an IdP URL"
        } else if self.role_arn.is_some() {
            "a role ARN"
        } else if self.principal_arn.is_some() {
            "a SAML provider ARN"
        } else {
            "a SAML session duration"
        }
    }
}
