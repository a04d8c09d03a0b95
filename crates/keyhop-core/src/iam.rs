//! The IAM calls keyhop makes about an IAM user's own access keys, over aws-sdk-iam: how old the
//! key is (ListAccessKeys), which MFA devices the user has (ListMFADevices) and the steps of a
//! rotation (CreateAccessKey, UpdateAccessKey, DeleteAccessKey). Every call names no user: IAM
//! takes the user of the signing key, so a key allowed to manage only itself is enough.

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::StatusType;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::endpoints::Endpoints;
use crate::secrets::LongTermKeys;
use crate::validate::{AccessKeyId, Region, SecretAccessKey};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    #[error("cannot reach IAM at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("IAM refused ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("IAM at {url} gave an answer keyhop cannot read (HTTP {status}); is the endpoint really IAM?")]
    Unreadable { url: String, status: u16 },
    #[error("IAM answered without {0}")]
    Incomplete(&'static str),
}

/// One access key of the user, as ListAccessKeys reports it (no secret: IAM never returns one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMeta {
    pub access_key_id: String,
    pub active: bool,
    pub created: OffsetDateTime,
}

async fn client(endpoints: &Endpoints, region: &Region, keys: &LongTermKeys) -> aws_sdk_iam::Client {
    let creds = crate::sdk_config::long_term(keys);
    aws_sdk_iam::Client::new(&crate::sdk_config::load(endpoints.iam(), region, Some(creds)).await)
}

fn date(d: Option<&aws_sdk_iam::primitives::DateTime>) -> Result<OffsetDateTime, IamError> {
    d.and_then(|d| OffsetDateTime::from_unix_timestamp(d.secs()).ok())
        .ok_or(IamError::Incomplete("a creation date"))
}

/// The signing user's access keys.
pub async fn list_access_keys(
    endpoints: &Endpoints,
    region: &Region,
    keys: &LongTermKeys,
) -> Result<Vec<KeyMeta>, IamError> {
    let span = tracing::info_span!("iam.list_access_keys", access_key_id = %keys.access_key_id);
    async {
        let out = client(endpoints, region, keys)
            .await
            .list_access_keys()
            .send()
            .await
            .map_err(|e| translate(e, endpoints))?;
        out.access_key_metadata()
            .iter()
            .map(|m| {
                Ok(KeyMeta {
                    access_key_id: m
                        .access_key_id()
                        .ok_or(IamError::Incomplete("an access key id"))?
                        .to_owned(),
                    active: m.status() == Some(&StatusType::Active),
                    created: date(m.create_date())?,
                })
            })
            .collect()
    }
    .instrument(span)
    .await
}

/// The MFA devices of IAM user `user` (the signing user's own when `None`): their serial
/// numbers, a virtual device's ARN or a hardware token's serial.
pub async fn list_mfa_devices(
    endpoints: &Endpoints,
    region: &Region,
    keys: &LongTermKeys,
    user: Option<&str>,
) -> Result<Vec<String>, IamError> {
    let span = tracing::info_span!("iam.list_mfa_devices", access_key_id = %keys.access_key_id, user = user.unwrap_or_default());
    async {
        let out = client(endpoints, region, keys)
            .await
            .list_mfa_devices()
            .set_user_name(user.map(str::to_owned))
            .send()
            .await
            .map_err(|e| translate(e, endpoints))?;
        let serials: Vec<String> = out.mfa_devices().iter().map(|d| d.serial_number().to_owned()).collect();
        tracing::info!(devices = serials.len(), "listed the MFA devices");
        Ok(serials)
    }
    .instrument(span)
    .await
}

/// A new access key for the signing user, with its creation date.
pub async fn create_access_key(
    endpoints: &Endpoints,
    region: &Region,
    keys: &LongTermKeys,
) -> Result<(LongTermKeys, OffsetDateTime), IamError> {
    let span = tracing::info_span!("iam.create_access_key", signed_by = %keys.access_key_id);
    async {
        let out = client(endpoints, region, keys)
            .await
            .create_access_key()
            .send()
            .await
            .map_err(|e| translate(e, endpoints))?;
        let k = out.access_key().ok_or(IamError::Incomplete("an access key"))?;
        let bad = |_| IamError::Incomplete("a well-formed access key");
        let new = LongTermKeys {
            access_key_id: AccessKeyId::parse(k.access_key_id()).map_err(bad)?,
            secret_access_key: SecretAccessKey::parse(k.secret_access_key()).map_err(bad)?,
        };
        tracing::info!(new_access_key_id = %new.access_key_id, "created an access key");
        Ok((new, date(k.create_date())?))
    }
    .instrument(span)
    .await
}

/// Marks `key_id` inactive (it stops working but can still be turned back on).
pub async fn deactivate_access_key(
    endpoints: &Endpoints,
    region: &Region,
    signer: &LongTermKeys,
    key_id: &AccessKeyId,
) -> Result<(), IamError> {
    let span = tracing::info_span!("iam.update_access_key", signed_by = %signer.access_key_id, access_key_id = %key_id, status = "Inactive");
    async {
        client(endpoints, region, signer)
            .await
            .update_access_key()
            .access_key_id(key_id.as_str())
            .status(StatusType::Inactive)
            .send()
            .await
            .map_err(|e| translate(e, endpoints))?;
        Ok(())
    }
    .instrument(span)
    .await
}

pub async fn delete_access_key(
    endpoints: &Endpoints,
    region: &Region,
    signer: &LongTermKeys,
    key_id: &AccessKeyId,
) -> Result<(), IamError> {
    let span = tracing::info_span!("iam.delete_access_key", signed_by = %signer.access_key_id, access_key_id = %key_id);
    async {
        client(endpoints, region, signer)
            .await
            .delete_access_key()
            .access_key_id(key_id.as_str())
            .send()
            .await
            .map_err(|e| translate(e, endpoints))?;
        Ok(())
    }
    .instrument(span)
    .await
}

fn translate<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: SdkError<E, HttpResponse>,
    endpoints: &Endpoints,
) -> IamError {
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            IamError::Unreachable {
                url: endpoints.iam_url(),
                reason: crate::sdk_config::root_cause(&err),
            }
        }
        SdkError::ServiceError(ctx) => match ctx.err().code() {
            Some(code) => IamError::Refused {
                code: code.to_owned(),
                message: ctx.err().message().unwrap_or_default().to_owned(),
            },
            // No error code: a proxy page or not IAM at all (its body is not quoted).
            None => IamError::Unreadable {
                url: endpoints.iam_url(),
                status: ctx.raw().status().as_u16(),
            },
        },
        _ => IamError::Refused {
            code: "RequestFailed".into(),
            message: crate::sdk_config::root_cause(&err),
        },
    }
}
