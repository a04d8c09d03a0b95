//! The AWS SDK configuration every client of keyhop uses: explicit region and credentials, the
//! endpoint from `Endpoints`, bounded retries and timeouts, and no profile files (keyhop passes
//! everything explicitly; not reading them saves time and the Rust SDK's warnings about lines
//! botocore accepts).

use std::time::Duration;

use aws_config::{BehaviorVersion, retry::RetryConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_smithy_http_client::tls;

use crate::validate::Region;

/// The HTTPS client of every AWS call: rustls with ring. The SDK's default (aws-lc) builds a
/// large C library; ring gives the same TLS to AWS for a fraction of the build. One client for
/// the process, so calls share its connection pool.
pub(crate) fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    static CLIENT: std::sync::OnceLock<aws_smithy_runtime_api::client::http::SharedHttpClient> =
        std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
                .build_https()
        })
        .clone()
}

/// A bare connector with the same TLS, for the one call that is no SDK operation (the console's
/// federation endpoint).
pub(crate) fn connector(
    settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
    let mut builder = aws_smithy_http_client::Connector::builder().connector_settings(settings.clone());
    if let Some(sleep) = aws_smithy_async::rt::sleep::default_async_sleep() {
        builder = builder.sleep_impl(sleep);
    }
    let conn = builder
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build();
    aws_smithy_runtime_api::client::http::SharedHttpConnector::new(conn)
}

/// An IAM user's long-term keys as the SDK's credentials (every call they sign: STS's
/// GetSessionToken, GetFederationToken, GetCallerIdentity, and IAM).
pub(crate) fn long_term(keys: &crate::secrets::LongTermKeys) -> Credentials {
    Credentials::new(
        keys.access_key_id.as_str(),
        keys.secret_access_key.expose(),
        None,
        None,
        "keyhop",
    )
}

/// `creds: None` makes an unsigned client (the OIDC and portal APIs take bearer tokens).
pub(crate) async fn load(endpoint: Option<&str>, region: &Region, creds: Option<Credentials>) -> aws_config::SdkConfig {
    let no_profile_files = EnvConfigFiles::builder()
        .with_contents(EnvConfigFileKind::Config, "")
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .profile_files(no_profile_files)
        .region(aws_config::Region::new(region.to_string()))
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_timeout(Duration::from_secs(30))
                .build(),
        );
    loader = match creds {
        Some(c) => loader.credentials_provider(c),
        None => loader.no_credentials(),
    };
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// The innermost cause ("Connection refused (os error 111)"), which is what a user can act on.
pub(crate) fn root_cause(err: &dyn std::error::Error) -> String {
    let mut cur: &dyn std::error::Error = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
