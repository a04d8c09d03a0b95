//! `Action=getSigninToken` at the federation endpoint: temporary credentials in, a sign-in token
//! out. Sent as a POST form (AWS accepts POST there), so the credentials travel in the body and
//! never in a URL that a proxy or server log could keep. The HTTPS connector is the SDK's own.

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::http::Request;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use super::ConsoleError;
use crate::secrets::StsCredentials;

/// Sign-in tokens are small JSON documents; anything much larger is not the federation endpoint.
const MAX_ANSWER: usize = 64 * 1024;

/// A sign-in token for `creds` from the federation endpoint at `endpoint`.
pub(crate) async fn signin_token(endpoint: &url::Url, creds: &StsCredentials) -> Result<SecretString, ConsoleError> {
    // What messages name: the endpoint without any query.
    let shown = {
        let mut u = endpoint.clone();
        u.set_query(None);
        u.to_string()
    };
    let span = tracing::info_span!(
        "signin.get_signin_token",
        url = %shown,
        access_key_id = %creds.access_key_id,
    );
    async {
        let request = request(endpoint, &shown, creds)?;
        let settings = HttpConnectorSettings::builder()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(30))
            .build();
        let connector = crate::sdk_config::connector(&settings);
        let unreachable = |reason: String| ConsoleError::Unreachable {
            url: shown.clone(),
            reason,
        };
        let response = connector
            .call(request)
            .await
            .map_err(|e| unreachable(crate::sdk_config::root_cause(&e)))?;
        let status = response.status().as_u16();
        let body = ByteStream::new(response.into_body())
            .collect()
            .await
            .map_err(|e| unreachable(format!("the answer broke off ({})", crate::sdk_config::root_cause(&e))))?
            .into_bytes();
        if status != 200 {
            tracing::info!(status, "the federation endpoint refused the credentials");
            // The body is not quoted: an error page might echo what was sent.
            return Err(ConsoleError::Refused {
                url: shown.clone(),
                status,
                hint: match status {
                    400..=403 => {
                        "it refused the credentials (it takes only role or federation-token credentials that are still valid)"
                    }
                    500..=599 => "the service has a problem; try again later",
                    _ => "is that URL the federation endpoint?",
                },
            });
        }
        let token = (body.len() <= MAX_ANSWER)
            .then(|| serde_json::from_slice::<serde_json::Value>(&body).ok())
            .flatten()
            .and_then(|v| v.get("SigninToken")?.as_str().map(str::to_owned))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ConsoleError::Unreadable {
                url: shown.clone(),
                status,
            })?;
        tracing::info!("got a sign-in token");
        Ok(SecretString::from(token))
    }
    .instrument(span)
    .await
}

/// The getSigninToken POST: the credentials as the form's `Session` document.
fn request(endpoint: &url::Url, shown: &str, creds: &StsCredentials) -> Result<Request, ConsoleError> {
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key.expose_secret(),
        "sessionToken": creds.session_token.expose_secret(),
    })
    .to_string();
    let form = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "getSigninToken")
        .append_pair("Session", &session)
        .finish();
    let mut request = Request::new(SdkBody::from(form));
    request.set_method("POST").expect("POST is a method");
    request
        .set_uri(endpoint.as_str())
        .map_err(|_| ConsoleError::BadEndpoint(shown.to_owned()))?;
    request
        .headers_mut()
        .insert("content-type", "application/x-www-form-urlencoded");
    request
        .headers_mut()
        .insert("user-agent", concat!("keyhop/", env!("CARGO_PKG_VERSION")));
    Ok(request)
}
