//! What a task of the app failed with, typed: the engine's error as the engine made it, or
//! the few failures that are the desktop's own (the browser, the autostart entry). Shared
//! (`Arc`) because messages are `Clone` and the errors are not.

use std::sync::Arc;

use keyhop_core::sso::ConnectionName;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    #[error(transparent)]
    Engine(Arc<keyhop_core::Error>),
    #[error("cannot open the browser: {0}")]
    Browser(Arc<std::io::Error>),
    #[error(transparent)]
    Autostart(Arc<crate::autostart::AutostartError>),
}

impl Failure {
    /// Another try with a (new) MFA code could succeed.
    pub fn needs_mfa(&self) -> bool {
        matches!(self, Failure::Engine(e) if e.needs_mfa_code())
    }

    /// A silent SAML sign-in met an IdP that wants the user: the IdP's host.
    pub fn saml_needs_user(&self) -> Option<&str> {
        match self {
            Failure::Engine(e) => match &**e {
                keyhop_core::Error::Saml(keyhop_core::saml::SamlError::SignInNeedsUser { idp_host }) => Some(idp_host),
                _ => None,
            },
            _ => None,
        }
    }

    /// Another try after signing in to this SSO connection could succeed.
    pub fn needs_sign_in(&self) -> Option<ConnectionName> {
        match self {
            Failure::Engine(e) => e.needs_sign_in().and_then(|name| ConnectionName::parse(name).ok()),
            _ => None,
        }
    }
}

impl From<keyhop_core::Error> for Failure {
    fn from(e: keyhop_core::Error) -> Self {
        Failure::Engine(Arc::new(e))
    }
}

impl From<keyhop_core::validate::ValidationError> for Failure {
    fn from(e: keyhop_core::validate::ValidationError) -> Self {
        keyhop_core::Error::from(e).into()
    }
}

impl From<keyhop_core::settings::SettingsError> for Failure {
    fn from(e: keyhop_core::settings::SettingsError) -> Self {
        keyhop_core::Error::from(e).into()
    }
}

impl From<crate::autostart::AutostartError> for Failure {
    fn from(e: crate::autostart::AutostartError) -> Self {
        Failure::Autostart(Arc::new(e))
    }
}
