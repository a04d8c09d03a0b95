//! The console sign-in URL of a session: which credentials its kind signs in with, the
//! partition's endpoints, the page to land on. Nothing is written: role credentials come from
//! (or go to) the keyring cache as for `credential-process`; a federation token is not kept.

use super::Engine;
use crate::console::{self, ConsoleError, Destination, Partition, SigninUrl};
use crate::error::{Error, Result};
use crate::kinds::ConsoleCredentials;
use crate::secrets::SecretStore;
use crate::session::SessionId;
use crate::sts::{self, FederatedUserName};
use crate::validate::{MfaCode, MfaDevice, Region, SessionAlias};

impl<S: SecretStore> Engine<S> {
    /// The MFA device a console sign-in of `id` would need a code for right now. Never for an
    /// IAM user: GetFederationToken takes no MFA code (AWS does not accept one there).
    pub fn console_mfa_needed(&self, id: &SessionId) -> Result<Option<(SessionAlias, MfaDevice)>> {
        match self.session(id)?.kind.console_credentials() {
            ConsoleCredentials::FederationToken(_) => Ok(None),
            ConsoleCredentials::Own => self.mfa_needed(id),
        }
    }

    /// A URL that signs in to the console as session `id`, landing on `destination` (default:
    /// the console home) in `region` (default: the session's). The region and page must be in
    /// the session's partition; both are checked before any AWS call. `saml`: the assertion of
    /// a sign-in, for a chain with a SAML session in it and no good cached credentials.
    pub async fn console_url(
        &self,
        id: &SessionId,
        mfa: Option<MfaCode>,
        region: Option<&Region>,
        destination: Option<&Destination>,
        saml: Option<crate::saml::SamlResponse>,
    ) -> Result<SigninUrl> {
        let session = self.session(id)?;
        let partition = Partition::of(&session.region);
        let other = |what: String, other: Partition| ConsoleError::OtherPartition {
            what,
            other,
            alias: session.alias.to_string(),
            session: partition,
            region: session.region.to_string(),
        };
        let region = region.unwrap_or(&session.region);
        if Partition::of(region) != partition {
            return Err(other(format!("region {region}"), Partition::of(region)).into());
        }
        if let Some(p) = destination.and_then(Destination::partition)
            && p != partition
        {
            return Err(other("the --destination page".to_owned(), p).into());
        }
        let endpoint = console::endpoint_url(&self.endpoints.federation_url(partition))?;
        let page = Destination::resolve(destination, partition, region);
        let creds = match session.kind.console_credentials() {
            ConsoleCredentials::Own => self.credentials_with_saml(id, mfa, saml).await?,
            ConsoleCredentials::FederationToken(duration) => {
                let keys = self
                    .secrets
                    .long_term(id)?
                    .ok_or_else(|| Error::MissingKeys(session.alias.to_string()))?;
                let name = FederatedUserName::from_alias(session.alias.as_str());
                sts::get_federation_token(&self.endpoints, &session.region, &keys, &name, duration)
                    .await
                    .map_err(|source| Error::Sts {
                        step: "GetFederationToken",
                        alias: session.alias.to_string(),
                        source,
                    })?
            }
        };
        let token = console::signin_token(&endpoint, &creds).await?;
        tracing::info!(alias = %session.alias, %partition, "console sign-in URL made");
        Ok(console::login_url(&endpoint, &page, &token))
    }
}
