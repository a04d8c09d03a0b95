//! IAM Role Federated (SAML 2.0) sign-ins: what keyhop reads in the assertion an identity
//! provider posts to AWS, before it hands that assertion, unchanged, to STS
//! `AssumeRoleWithSAML` (`sts::assume_role_with_saml`).
//!
//! keyhop trusts nothing in the assertion for access (AWS checks its signature); it reads it
//! only to offer the roles it lists and to refuse, with a message a user can act on, an
//! assertion that STS would refuse anyway: one for another service provider, or a stale one.
//! The assertion is a bearer credential for a few minutes: it is never logged, printed, put in
//! an error message or written anywhere.

mod assertion;
mod endpoint;
mod idp_url;
mod principal;
mod sign_in;

pub use assertion::{SamlAssertion, SamlError, SamlResponse, SamlRole};
pub use endpoint::aws_saml_endpoint;
pub use idp_url::IdpUrl;
pub use principal::{PrincipalArn, SamlDuration, SamlValueError};
pub use sign_in::{SignInExit, aws_signin_hosts, cookie_dir};
