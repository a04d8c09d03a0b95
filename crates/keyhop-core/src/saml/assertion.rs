//! The SAML Response an IdP posts to AWS: decoded, parsed (roxmltree: no DTD, no entities, no
//! network), and read for what keyhop needs: the role/provider pairs, where it is addressed,
//! and how long it is valid.

use std::fmt;

use base64::Engine as _;
use roxmltree::{Document, Node, ParsingOptions};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::endpoint::aws_saml_endpoint;
use super::principal::PrincipalArn;
use crate::console::Partition;
use crate::validate::{Region, RoleArn};

const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const ROLE_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION_NAME_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const SESSION_DURATION_ATTR: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
/// How far ahead of this computer's clock an IdP's clock may be.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);
/// A bound on what is decoded: real responses are a few KiB, 100 KiB with many roles.
const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Why an assertion cannot be used. No variant carries the assertion or a part of it that is
/// not public (ARNs, URLs and times are shown; the XML, the base64 and the subject are not).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    #[error(
        "no SAML assertion for {idp_url}: {why}; pass the IdP's SAMLResponse with --saml-response-file PATH (or - for stdin)"
    )]
    NeedsSignIn { idp_url: String, why: &'static str },
    #[error(
        "the IdP at {idp_host} wants you to sign in: start the session from the tray or with `keyhop session start`"
    )]
    SignInNeedsUser { idp_host: String },
    #[error("the sign-in at {idp_host} was cancelled (its window was closed); nothing was changed")]
    SignInCancelled { idp_host: String },
    #[error(
        "the sign-in at {idp_host} did not finish within {secs} s: the IdP's page never posted an assertion to AWS; check the IdP URL (it must be the sign-in URL of the IdP's AWS app)"
    )]
    SignInTimedOut { idp_host: String, secs: u64 },
    #[error("the sign-in window for {idp_host} failed: {reason}")]
    SignInFailed { idp_host: String, reason: String },
    #[error("cannot read the SAML response from {from}: {reason}")]
    CannotRead { from: String, reason: String },
    #[error("the SAML response is empty")]
    Empty,
    #[error("the SAML response is too large ({0} bytes; a SAML response is a few KiB)")]
    TooLarge(usize),
    #[error(
        "the SAML response is not base64: expected the SAMLResponse value exactly as the IdP's page posts it to AWS"
    )]
    NotBase64,
    #[error("the SAML response is not XML ({0})")]
    NotXml(String),
    #[error("the SAML response is not a SAML 2.0 Response (its root element is <{0}>)")]
    NotAResponse(String),
    #[error("the identity provider reports that the sign-in failed (status {0}); sign in at the IdP again")]
    Failed(String),
    #[error("the SAML response holds no assertion")]
    NoAssertion,
    #[error(
        "the SAML assertion is encrypted: keyhop cannot read its roles or expiry; turn off assertion encryption for the AWS app at the IdP"
    )]
    Encrypted,
    #[error(
        "the SAML assertion names no recipient (no Destination, no SubjectConfirmationData Recipient); AWS requires one"
    )]
    NoRecipient,
    #[error(
        "the SAML assertion is addressed to {0}, not to AWS's SAML endpoint (https://signin.aws.amazon.com/saml, or its regional, China or GovCloud variant): the IdP URL is not the sign-in URL of the IdP's AWS app, or that app has the wrong ACS URL"
    )]
    Foreign(String),
    #[error("the SAML assertion is addressed to two AWS partitions ({0} and {1}); the IdP's AWS app is misconfigured")]
    MixedPartitions(Partition, Partition),
    #[error("the SAML assertion has a time keyhop cannot read: {0:?}")]
    BadTime(String),
    #[error(
        "the SAML assertion expired at {at} ({minutes} min ago): assertions are valid for a few minutes; sign in at the IdP again"
    )]
    Expired { at: String, minutes: i64 },
    #[error("the SAML assertion is valid only from {0}: check this computer's clock, date and time zone")]
    NotYetValid(String),
    #[error(
        "the SAML assertion lists no AWS roles (no {ROLE_ATTR} attribute): at the IdP, give the user a role in the AWS app"
    )]
    NoRoles,
    #[error("the SAML assertion's role value {0:?} is not a role ARN and a SAML provider ARN separated by a comma")]
    BadRole(String),
    #[error(
        "the SAML assertion does not offer role {role} with provider {principal}; it offers: {offered}. Pick one of those (`keyhop saml roles`), or ask the IdP's administrator"
    )]
    RoleNotOffered {
        role: String,
        principal: String,
        offered: String,
    },
    #[error(
        "region {region} is in partition {region_partition}, but the assertion is for AWS partition {partition}: AssumeRoleWithSAML must go to that partition's STS; choose one of its regions"
    )]
    OtherPartition {
        region: String,
        region_partition: Partition,
        partition: Partition,
    },
}

/// The `SAMLResponse` as an IdP posts it: base64 of the Response XML. A bearer credential for
/// a few minutes: `Debug` shows only its length, nothing displays it.
#[derive(Clone)]
pub struct SamlResponse(SecretString);

impl SamlResponse {
    /// Takes the value as it was posted or saved: surrounding and embedded whitespace (line
    /// breaks of a saved file) is dropped, and a value still form-encoded (`%2B`, `%3D`, as
    /// copied from a browser's network panel) is decoded.
    pub fn new(text: &str) -> Result<Self, SamlError> {
        let mut value: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if value.contains('%') {
            value = form_urlencoded::parse(format!("v={value}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
        }
        if value.is_empty() {
            return Err(SamlError::Empty);
        }
        if value.len() > MAX_RESPONSE_BYTES {
            return Err(SamlError::TooLarge(value.len()));
        }
        Ok(Self(value.into()))
    }

    /// The base64 text, for STS and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SamlResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SamlResponse(<redacted, {} bytes>)", self.expose().len())
    }
}

/// One role the assertion lets its holder assume, with the SAML provider that vouches for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlRole {
    pub role: RoleArn,
    pub principal: PrincipalArn,
}

/// A SAML Response that keyhop has read and found fit to send to STS.
#[derive(Debug, Clone)]
pub struct SamlAssertion {
    response: SamlResponse,
    /// The roles of the `Role` attribute, in its order, without repeats.
    pub roles: Vec<SamlRole>,
    /// The AWS partition the assertion is addressed to.
    pub partition: Partition,
    /// Where it is addressed (`Destination`, else the first `Recipient`).
    pub destination: String,
    /// When it stops being valid, if it says.
    pub not_on_or_after: Option<OffsetDateTime>,
    /// The `RoleSessionName` attribute (AWS's name for the session; usually the user's email).
    pub session_name: Option<String>,
    /// The `SessionDuration` attribute: the IdP's cap on the session, in seconds.
    pub session_duration: Option<u64>,
}

impl SamlAssertion {
    /// Reads `response`; refuses one that is not for AWS, stale, or lists no usable role.
    pub fn read(response: SamlResponse, now: OffsetDateTime) -> Result<Self, SamlError> {
        let xml = base64::engine::general_purpose::STANDARD
            .decode(response.expose())
            .map_err(|_| SamlError::NotBase64)?;
        let xml = String::from_utf8(xml).map_err(|_| SamlError::NotXml("not UTF-8".into()))?;
        Self::read_xml(response, &xml, now)
    }

    fn read_xml(response: SamlResponse, xml: &str, now: OffsetDateTime) -> Result<Self, SamlError> {
        let options = ParsingOptions {
            allow_dtd: false,
            nodes_limit: 100_000,
        };
        let doc = Document::parse_with_options(xml, options).map_err(|e| SamlError::NotXml(e.to_string()))?;
        let root = doc.root_element();
        if !is(root, SAMLP, "Response") {
            return Err(SamlError::NotAResponse(
                root.tag_name().name().chars().take(40).collect(),
            ));
        }
        let status = child(root, SAMLP, "Status")
            .and_then(|s| child(s, SAMLP, "StatusCode"))
            .and_then(|c| c.attribute("Value"))
            .unwrap_or_default();
        if status != SUCCESS {
            return Err(SamlError::Failed(status.chars().take(100).collect()));
        }
        let Some(assertion) = child(root, SAML, "Assertion") else {
            return Err(if child(root, SAML, "EncryptedAssertion").is_some() {
                SamlError::Encrypted
            } else {
                SamlError::NoAssertion
            });
        };
        let (partition, destination) = addressed_to(root, assertion)?;
        let not_on_or_after = check_times(assertion, now)?;
        let roles = roles(assertion)?;
        let session_name = attribute_values(assertion, SESSION_NAME_ATTR).into_iter().next();
        let session_duration = attribute_values(assertion, SESSION_DURATION_ATTR)
            .first()
            .and_then(|v| v.parse().ok());
        Ok(Self {
            response,
            roles,
            partition,
            destination,
            not_on_or_after,
            session_name,
            session_duration,
        })
    }

    /// The response exactly as the IdP posted it: what goes to STS.
    pub fn response(&self) -> &SamlResponse {
        &self.response
    }

    /// Ok when the assertion offers `role` through `principal`.
    pub fn offers(&self, role: &RoleArn, principal: &PrincipalArn) -> Result<(), SamlError> {
        if self.roles.iter().any(|r| &r.role == role && &r.principal == principal) {
            return Ok(());
        }
        let offered: Vec<String> = self
            .roles
            .iter()
            .map(|r| format!("{} ({})", r.role, r.principal))
            .collect();
        Err(SamlError::RoleNotOffered {
            role: role.to_string(),
            principal: principal.to_string(),
            offered: offered.join(", "),
        })
    }

    /// Ok when `region`'s STS can take the assertion (same partition).
    pub fn fits_region(&self, region: &Region) -> Result<(), SamlError> {
        let region_partition = Partition::of(region);
        if region_partition == self.partition {
            Ok(())
        } else {
            Err(SamlError::OtherPartition {
                region: region.to_string(),
                region_partition,
                partition: self.partition,
            })
        }
    }
}

fn is(node: Node, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == name
}

fn child<'a, 'i>(node: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| is(*n, ns, name))
}

/// The bearer confirmations' data: where AWS reads `Recipient` and `NotOnOrAfter`.
fn confirmations<'a, 'i>(assertion: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    child(assertion, SAML, "Subject")
        .into_iter()
        .flat_map(|s| s.children().filter(|n| is(*n, SAML, "SubjectConfirmation")))
        .filter_map(|c| child(c, SAML, "SubjectConfirmationData"))
}

/// Every place the assertion names its recipient must be an AWS SAML endpoint, of one partition.
fn addressed_to(root: Node, assertion: Node) -> Result<(Partition, String), SamlError> {
    let targets: Vec<&str> = root
        .attribute("Destination")
        .into_iter()
        .chain(confirmations(assertion).filter_map(|d| d.attribute("Recipient")))
        .collect();
    let first = *targets.first().ok_or(SamlError::NoRecipient)?;
    let mut partition = None;
    for target in &targets {
        let p = aws_saml_endpoint(target).ok_or_else(|| SamlError::Foreign(target.chars().take(200).collect()))?;
        match partition {
            Some(q) if q != p => return Err(SamlError::MixedPartitions(q, p)),
            _ => partition = Some(p),
        }
    }
    Ok((partition.unwrap_or(Partition::Aws), first.to_owned()))
}

/// The earliest `NotOnOrAfter` (conditions and confirmations) must be after `now`, and the
/// conditions' `NotBefore` not ahead of it (beyond a little clock skew).
fn check_times(assertion: Node, now: OffsetDateTime) -> Result<Option<OffsetDateTime>, SamlError> {
    let conditions = child(assertion, SAML, "Conditions");
    let mut end: Option<OffsetDateTime> = None;
    for text in conditions
        .and_then(|c| c.attribute("NotOnOrAfter"))
        .into_iter()
        .chain(confirmations(assertion).filter_map(|d| d.attribute("NotOnOrAfter")))
    {
        let t = instant(text)?;
        end = Some(end.map_or(t, |e| e.min(t)));
    }
    if let Some(end) = end
        && end <= now
    {
        return Err(SamlError::Expired {
            at: end.format(&Rfc3339).unwrap_or_default(),
            minutes: (now - end).whole_minutes(),
        });
    }
    if let Some(start) = conditions.and_then(|c| c.attribute("NotBefore")) {
        let t = instant(start)?;
        if t > now + CLOCK_SKEW {
            return Err(SamlError::NotYetValid(start.to_owned()));
        }
    }
    Ok(end)
}

fn instant(text: &str) -> Result<OffsetDateTime, SamlError> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| SamlError::BadTime(text.chars().take(40).collect()))
}

fn attribute_values(assertion: Node, name: &str) -> Vec<String> {
    assertion
        .children()
        .filter(|n| is(*n, SAML, "AttributeStatement"))
        .flat_map(|s| s.children().filter(|n| is(*n, SAML, "Attribute")))
        .filter(|a| a.attribute("Name") == Some(name))
        .flat_map(|a| a.children().filter(|n| is(*n, SAML, "AttributeValue")))
        .map(|v| v.text().unwrap_or_default().trim().to_owned())
        .collect()
}

/// The `Role` attribute's pairs: `role-arn,provider-arn`, in either order (IdPs differ).
fn roles(assertion: Node) -> Result<Vec<SamlRole>, SamlError> {
    let mut roles: Vec<SamlRole> = Vec::new();
    for value in attribute_values(assertion, ROLE_ATTR) {
        let bad = || SamlError::BadRole(value.chars().take(300).collect());
        let (a, b) = value.split_once(',').ok_or_else(bad)?;
        let (a, b) = (a.trim(), b.trim());
        let (role, principal) = if a.contains(":saml-provider/") { (b, a) } else { (a, b) };
        let role = SamlRole {
            role: RoleArn::parse(role).map_err(|_| bad())?,
            principal: PrincipalArn::parse(principal).map_err(|_| bad())?,
        };
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err(SamlError::NoRoles);
    }
    Ok(roles)
}

#[cfg(test)]
#[path = "assertion_tests.rs"]
mod tests;
