//! The STS calls keyhop makes (GetSessionToken, AssumeRole, AssumeRoleWithSAML, GetFederationToken), over aws-sdk-sts, and the translation of their failures into
//! messages a user can act on. Endpoint, retries and timeouts come from aws-config, so
//! `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_STS` are honoured exactly as the AWS SDKs do.

use aws_credential_types::Credentials;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use secrecy::ExposeSecret;
use time::OffsetDateTime;
use tracing::Instrument;

pub use crate::endpoints::Endpoints;
use crate::secrets::{LongTermKeys, StsCredentials};
use crate::validate::{MfaCode, MfaDevice, Region, RoleArn, RoleSessionName, SessionDuration};

/// AWS caps sessions of a role assumed with temporary credentials at one hour.
pub const CHAINED_ROLE_SECS: i32 = 3600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StsError {
    #[error("cannot reach STS at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "STS rejected the access key as invalid (InvalidClientTokenId): check the access key id, or whether the key was deactivated"
    )]
    InvalidClientToken,
    #[error(
        "STS rejected the secret access key (SignatureDoesNotMatch): the secret does not belong to this access key id"
    )]
    BadSignature,
    #[error("STS rejected the credentials (HTTP {status}{code}): check the access key id and secret access key")]
    Rejected { status: u16, code: String },
    #[error("MFA authentication failed: the code was wrong, already used, or the MFA device does not match")]
    MfaFailed,
    #[error("access denied by STS: {0}")]
    AccessDenied(String),
    #[error("the credentials used to call STS have expired; start the assumer session again")]
    ExpiredToken,
    #[error("STS is throttling requests; wait a moment and try again")]
    Throttled,
    #[error("STS is not enabled in region {0}; pick another region or enable it in the account")]
    RegionDisabled(String),
    #[error("STS error {code}: {message}")]
    Other { code: String, message: String },
    #[error(
        "STS at {url} gave an answer keyhop cannot read (HTTP {status}, no error code); is the endpoint really STS?"
    )]
    Unreadable { url: String, status: u16 },
    #[error(
        "STS refused the request as expired or not yet valid ({code}): this computer's clock is probably wrong; check the system time, date and time zone, then try again"
    )]
    ClockSkew { code: String },
    #[error("STS refused the SAML assertion ({code}): {message}")]
    SamlRejected { code: String, message: String },
    #[error(
        "STS says the SAML assertion has expired (ExpiredTokenException): an assertion must be used within minutes of the sign-in; sign in at the IdP again"
    )]
    SamlExpired,
}

async fn client(endpoints: &Endpoints, region: &Region, creds: Credentials) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&crate::sdk_config::load(endpoints.sts(), region, Some(creds)).await)
}

/// An expiration as an endpoint sent it (Unix seconds), if it is one keyhop can use: from 1970
/// to the end of year 9999. Outside that, RFC 3339 (the keyring cache, the AWS files, `serve`'s
/// JSON) cannot write it; no service means such a date.
pub(crate) fn expiration_at(unix_secs: i64) -> Option<OffsetDateTime> {
    const LAST: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    if (0..=LAST).contains(&unix_secs) {
        OffsetDateTime::from_unix_timestamp(unix_secs).ok()
    } else {
        None
    }
}

fn into_credentials(c: Option<&aws_sdk_sts::types::Credentials>) -> Result<StsCredentials, StsError> {
    let c = c.ok_or_else(|| StsError::Other {
        code: "NoCredentials".into(),
        message: "STS answered without credentials".into(),
    })?;
    let expiration = expiration_at(c.expiration().secs()).ok_or_else(|| StsError::Other {
        code: "BadExpiration".into(),
        message: "STS answered with an impossible expiration".into(),
    })?;
    Ok(StsCredentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned().into(),
        session_token: c.session_token().to_owned().into(),
        expiration,
    })
}

/// GetSessionToken with an IAM user's long-term keys (and MFA when the user has a device).
pub async fn get_session_token(
    endpoints: &Endpoints,
    region: &Region,
    keys: &LongTermKeys,
    mfa: Option<(&MfaDevice, &MfaCode)>,
    duration: SessionDuration,
) -> Result<StsCredentials, StsError> {
    let span = tracing::info_span!(
        "sts.get_session_token",
        region = %region,
        access_key_id = %keys.access_key_id,
        mfa_device = mfa.map(|(d, _)| d.as_str()),
        duration_secs = duration.secs(),
    );
    async {
        let creds = crate::sdk_config::long_term(keys);
        let mut req = client(endpoints, region, creds)
            .await
            .get_session_token()
            .duration_seconds(i32::try_from(duration.secs()).unwrap_or(i32::MAX));
        if let Some((device, code)) = mfa {
            req = req.serial_number(device.as_str()).token_code(code.as_str());
        }
        let out = req.send().await.map_err(|e| translate(e, endpoints, region))?;
        let c = into_credentials(out.credentials())?;
        tracing::info!(expiration = %c.expiration, "got session token");
        Ok(c)
    }
    .instrument(span)
    .await
}

/// The session policy of a console sign-in: allows everything, so that what the federated user
/// may do is exactly what the IAM user's own policies allow (a GetFederationToken session gets
/// the intersection of the two; without a policy it would get nothing).
const ALLOW_ALL: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// GetFederationToken with an IAM user's long-term keys: the credentials of a console sign-in
/// (the federation endpoint takes no IAM user keys and no GetSessionToken credentials). AWS
/// takes no MFA code on this call.
pub async fn get_federation_token(
    endpoints: &Endpoints,
    region: &Region,
    keys: &LongTermKeys,
    name: &FederatedUserName,
    duration: SessionDuration,
) -> Result<StsCredentials, StsError> {
    let span = tracing::info_span!(
        "sts.get_federation_token",
        region = %region,
        access_key_id = %keys.access_key_id,
        name = %name,
        duration_secs = duration.secs(),
    );
    async {
        let creds = crate::sdk_config::long_term(keys);
        let out = client(endpoints, region, creds)
            .await
            .get_federation_token()
            .name(name.as_str())
            .policy(ALLOW_ALL)
            .duration_seconds(i32::try_from(duration.secs()).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| translate(e, endpoints, region))?;
        let c = into_credentials(out.credentials())?;
        tracing::info!(expiration = %c.expiration, "got a federation token");
        Ok(c)
    }
    .instrument(span)
    .await
}

/// The `Name` of a GetFederationToken call: 2–32 of `[A-Za-z0-9+=,.@_-]`, made from a session's
/// alias (AWS shows it as `federated-user/<name>` in CloudTrail and the console).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedUserName(String);

impl FederatedUserName {
    /// Every other character becomes `-`, the rest is cut at 32 characters, and a name shorter
    /// than two gets a `keyhop-` prefix.
    pub fn from_alias(alias: &str) -> Self {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
        let mut name: String = alias.chars().map(|c| if allowed(c) { c } else { '-' }).collect();
        if name.len() < 2 {
            name = format!("keyhop-{name}");
        }
        name.truncate(32);
        Self(name)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FederatedUserName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// GetCallerIdentity with long-term keys: proves a new key works before the old one goes.
/// Returns the caller's ARN.
pub async fn get_caller_identity(
    endpoints: &Endpoints,
    region: &Region,
    keys: &LongTermKeys,
) -> Result<String, StsError> {
    let span = tracing::info_span!("sts.get_caller_identity", region = %region, access_key_id = %keys.access_key_id);
    async {
        let creds = crate::sdk_config::long_term(keys);
        let out = client(endpoints, region, creds)
            .await
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| translate(e, endpoints, region))?;
        let arn = out.arn().unwrap_or_default().to_owned();
        tracing::info!(arn = %arn, "caller identity");
        Ok(arn)
    }
    .instrument(span)
    .await
}

/// AssumeRole from another session's temporary credentials.
pub async fn assume_role(
    endpoints: &Endpoints,
    region: &Region,
    from: &StsCredentials,
    role_arn: &RoleArn,
    session_name: &RoleSessionName,
) -> Result<StsCredentials, StsError> {
    let span = tracing::info_span!(
        "sts.assume_role",
        region = %region,
        role_arn = %role_arn,
        role_session_name = %session_name,
        from_access_key_id = %from.access_key_id,
    );
    async {
        let creds = Credentials::new(
            &from.access_key_id,
            from.secret_access_key.expose_secret(),
            Some(from.session_token.expose_secret().to_owned()),
            None,
            "keyhop",
        );
        let out = client(endpoints, region, creds)
            .await
            .assume_role()
            .role_arn(role_arn.as_str())
            .role_session_name(session_name.as_str())
            .duration_seconds(CHAINED_ROLE_SECS)
            .send()
            .await
            .map_err(|e| translate(e, endpoints, region))?;
        let c = into_credentials(out.credentials())?;
        tracing::info!(expiration = %c.expiration, "assumed role");
        Ok(c)
    }
    .instrument(span)
    .await
}

/// AssumeRoleWithSAML: the IdP's assertion, unchanged, for the role it offers through the SAML
/// provider `principal`. Unsigned (the assertion is the credential). The region decides the
/// STS endpoint and so the partition (`cn-north-1` reaches `sts.cn-north-1.amazonaws.com.cn`).
pub async fn assume_role_with_saml(
    endpoints: &Endpoints,
    region: &Region,
    response: &crate::saml::SamlResponse,
    role_arn: &RoleArn,
    principal: &crate::saml::PrincipalArn,
    duration: crate::saml::SamlDuration,
) -> Result<StsCredentials, StsError> {
    // No field for the assertion: it is a bearer credential.
    let span = tracing::info_span!(
        "sts.assume_role_with_saml",
        region = %region,
        role_arn = %role_arn,
        principal_arn = %principal,
        duration_secs = duration.secs(),
    );
    async {
        let config = crate::sdk_config::load(endpoints.sts(), region, None).await;
        let out = aws_sdk_sts::Client::new(&config)
            .assume_role_with_saml()
            .role_arn(role_arn.as_str())
            .principal_arn(principal.as_str())
            .saml_assertion(response.expose())
            .duration_seconds(i32::try_from(duration.secs()).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| translate(e, endpoints, region))?;
        let c = into_credentials(out.credentials())?;
        tracing::info!(expiration = %c.expiration, "assumed role with SAML");
        Ok(c)
    }
    .instrument(span)
    .await
}

fn translate<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: SdkError<E, HttpResponse>,
    endpoints: &Endpoints,
    region: &Region,
) -> StsError {
    let unreachable = |reason: String| StsError::Unreachable {
        url: endpoints.sts_url(region.as_str()),
        reason,
    };
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => unreachable(crate::sdk_config::root_cause(&err)),
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            // moto (and some proxies) answer with a body the SDK cannot classify; read the code
            // from the raw XML then.
            let body = ctx
                .raw()
                .body()
                .bytes()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            let code = ctx.err().code().map(str::to_owned).or_else(|| xml_tag(&body, "Code"));
            let message = ctx
                .err()
                .message()
                .map(str::to_owned)
                .or_else(|| xml_tag(&body, "Message"))
                .unwrap_or_default();
            if code.is_none() && message.is_empty() && status != 401 && status != 403 {
                // No error code and no message: a proxy page, a server error, or not STS at all.
                // (The body is not quoted: a proxy might echo a request header.)
                return StsError::Unreadable {
                    url: endpoints.sts_url(region.as_str()),
                    status,
                };
            }
            classify(status, code.as_deref(), &message, region)
        }
        SdkError::ResponseError(_) => {
            unreachable(format!("unreadable answer ({})", crate::sdk_config::root_cause(&err)))
        }
        _ => StsError::Other {
            code: "RequestFailed".into(),
            message: crate::sdk_config::root_cause(&err),
        },
    }
}

fn classify(status: u16, code: Option<&str>, message: &str, region: &Region) -> StsError {
    // A signature outside AWS's 15-minute window means the clock is off, not the secret.
    let clock = message.contains("Signature expired") || message.contains("Signature not yet current");
    match code {
        Some("InvalidClientTokenId") => StsError::InvalidClientToken,
        Some(code @ ("SignatureDoesNotMatch" | "InvalidSignatureException")) if clock => {
            StsError::ClockSkew { code: code.to_owned() }
        }
        Some("RequestExpired") => StsError::ClockSkew {
            code: "RequestExpired".to_owned(),
        },
        Some("SignatureDoesNotMatch") => StsError::BadSignature,
        Some("ExpiredToken") => StsError::ExpiredToken,
        Some("ExpiredTokenException") => StsError::SamlExpired,
        Some(code @ ("IDPRejectedClaim" | "InvalidIdentityToken" | "IDPCommunicationError")) => {
            StsError::SamlRejected {
                code: code.to_owned(),
                message: message.to_owned(),
            }
        }
        Some("Throttling" | "ThrottlingException" | "RequestLimitExceeded") => StsError::Throttled,
        Some("RegionDisabledException") => StsError::RegionDisabled(region.to_string()),
        Some("AccessDenied") if message.contains("MultiFactorAuthentication") => StsError::MfaFailed,
        Some("AccessDenied") => StsError::AccessDenied(message.to_owned()),
        Some(code) => StsError::Other {
            code: code.to_owned(),
            message: message.to_owned(),
        },
        None if status == 403 || status == 401 => StsError::Rejected {
            status,
            code: String::new(),
        },
        None => StsError::Other {
            code: format!("HTTP {status}"),
            message: message.to_owned(),
        },
    }
}

fn xml_tag(body: &str, tag: &str) -> Option<String> {
    let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_signature_is_a_wrong_clock_not_a_wrong_secret() {
        let r = Region::parse("us-east-1").unwrap();
        let cases = [
            (
                "SignatureDoesNotMatch",
                "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)",
            ),
            (
                "InvalidSignatureException",
                "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T002500Z - 15 min.)",
            ),
            (
                "SignatureDoesNotMatch",
                "Signature not yet current: 20240101T010000Z is still later than 20240101T001500Z (20240101T000000Z + 15 min.)",
            ),
            ("RequestExpired", "Request has expired."),
        ];
        for (code, message) in cases {
            let e = classify(403, Some(code), message, &r);
            assert_ne!(e, StsError::BadSignature, "{code}: {message}");
            let text = e.to_string();
            assert!(text.contains("clock"), "{code}: {text}");
            assert!(!text.contains("secret"), "{code}: {text}");
        }
        // A real signature mismatch is still the secret.
        assert_eq!(
            classify(
                403,
                Some("SignatureDoesNotMatch"),
                "The request signature we calculated does not match the signature you provided.",
                &r
            ),
            StsError::BadSignature
        );
    }

    #[test]
    fn classifies_service_errors() {
        let r = Region::parse("us-east-1").unwrap();
        assert_eq!(
            classify(403, Some("InvalidClientTokenId"), "", &r),
            StsError::InvalidClientToken
        );
        assert_eq!(
            classify(
                403,
                Some("AccessDenied"),
                "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                &r
            ),
            StsError::MfaFailed
        );
        assert!(matches!(
            classify(403, None, "", &r),
            StsError::Rejected { status: 403, .. }
        ));
        assert_eq!(classify(400, Some("Throttling"), "", &r), StsError::Throttled);
        assert!(
            classify(403, Some("AccessDenied"), "not allowed", &r)
                .to_string()
                .contains("not allowed")
        );
    }

    #[test]
    fn saml_refusals_name_the_assertion_not_the_keys() {
        let r = Region::parse("us-east-1").unwrap();
        let e = classify(
            400,
            Some("ExpiredTokenException"),
            "Token must be redeemed within 5 minutes of issuance",
            &r,
        );
        assert_eq!(e, StsError::SamlExpired);
        assert!(e.to_string().contains("sign in at the IdP again"), "{e}");
        let e = classify(
            403,
            Some("IDPRejectedClaim"),
            "Error: Role ARN not found in the assertion",
            &r,
        );
        assert!(
            e.to_string().contains("SAML assertion") && e.to_string().contains("Role ARN not found"),
            "{e}"
        );
    }

    #[test]
    fn federated_user_names_fit_what_aws_accepts() {
        let ok = |s: &str| {
            (2..=32).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
        };
        for (alias, want) in [
            ("dev", "dev"),
            ("Dev/Admin (prod)", "Dev-Admin--prod-"),
            ("x", "keyhop-x"),
            ("", "keyhop-"),
            ("ünïcode", "-n-code"),
            (
                "a-very-long-alias-that-goes-on-and-on-for-ever",
                "a-very-long-alias-that-goes-on-a",
            ),
        ] {
            let name = FederatedUserName::from_alias(alias);
            assert_eq!(name.as_str(), want, "{alias:?}");
            assert!(ok(name.as_str()), "{alias:?} -> {name}");
        }
    }

    #[test]
    fn reads_codes_from_raw_xml() {
        let body = "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></ErrorResponse>";
        assert_eq!(xml_tag(body, "Code").as_deref(), Some("InvalidClientTokenId"));
        assert_eq!(xml_tag("<a></a>", "Code"), None);
    }
}
