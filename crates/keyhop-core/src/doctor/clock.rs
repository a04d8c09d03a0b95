//! The system clock against STS's `Date` header. AWS refuses requests signed more than 5
//! minutes off its time, and keyhop's refresh timers trust the local clock.

use std::time::Duration;

use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::http::Request;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::date_time::{DateTime, Format};
use time::OffsetDateTime;
use tracing::Instrument;

use super::Check;
use crate::endpoints::Endpoints;
use crate::validate::Region;

/// Beyond this the check warns.
pub const WARN_SKEW: Duration = Duration::from_secs(120);
/// Beyond this AWS refuses signed requests (`SignatureDoesNotMatch`/`RequestTimeTooSkewed`).
pub const FAIL_SKEW: Duration = Duration::from_secs(300);

/// The local clock minus STS's, in seconds (positive: this machine is ahead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockSkew(pub i64);

impl ClockSkew {
    pub fn between(local: OffsetDateTime, remote: OffsetDateTime) -> Self {
        Self((local - remote).whole_seconds())
    }

    fn judge(self, url: &str) -> Check {
        let secs = self.0.unsigned_abs();
        let dir = if self.0 > 0 { "ahead of" } else { "behind" };
        let said = format!("this machine's clock is {secs} s {dir} STS ({url})");
        if secs > FAIL_SKEW.as_secs() {
            Check::fail(
                "clock",
                format!(
                    "{said}: AWS refuses requests signed more than 5 minutes off; turn on time sync (timedatectl set-ntp true)"
                ),
            )
        } else if secs > WARN_SKEW.as_secs() {
            Check::warn(
                "clock",
                format!("{said}: expirations will be off by that much; turn on time sync (timedatectl set-ntp true)"),
            )
        } else {
            Check::ok("clock", format!("{said}, within 2 minutes"))
        }
    }
}

/// Compares the clock with the `Date` of one unsigned GET to the STS endpoint (any answer
/// carries one; a 4xx for the missing signature is expected), waiting at most `bound`.
pub(super) async fn check(endpoints: &Endpoints, region: &Region, bound: Duration) -> Check {
    let url = endpoints.sts_url(region.as_str());
    let span = tracing::info_span!("sts.date", url = %url);
    match tokio::time::timeout(bound, sts_date(&url).instrument(span)).await {
        Ok(Ok(remote)) => ClockSkew::between(OffsetDateTime::now_utc(), remote).judge(&url),
        Ok(Err(why)) => Check::warn(
            "clock",
            format!("cannot compare the clock with STS at {url} ({why}); check the network if AWS calls fail"),
        ),
        Err(_) => Check::warn(
            "clock",
            format!(
                "STS at {url} did not answer within {} ms, so the clock was not compared; check the network if AWS calls fail",
                bound.as_millis()
            ),
        ),
    }
}

async fn sts_date(url: &str) -> Result<OffsetDateTime, String> {
    let mut request = Request::new(SdkBody::empty());
    request.set_method("GET").expect("GET is a method");
    request.set_uri(url).map_err(|_| "not a URL".to_owned())?;
    request
        .headers_mut()
        .insert("user-agent", concat!("keyhop/", env!("CARGO_PKG_VERSION")));
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(Duration::from_secs(2))
        .read_timeout(Duration::from_secs(2))
        .build();
    let response = crate::sdk_config::connector(&settings)
        .call(request)
        .await
        .map_err(|e| crate::sdk_config::root_cause(&e))?;
    let date = response
        .headers()
        .get("date")
        .ok_or_else(|| format!("its answer (HTTP {}) has no Date header", response.status().as_u16()))?;
    let parsed = DateTime::from_str(date, Format::HttpDate).map_err(|_| "its Date header is not a date".to_owned())?;
    OffsetDateTime::from_unix_timestamp(parsed.secs()).map_err(|_| "its Date header is out of range".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn thresholds() {
        let at = |s| ClockSkew(s).judge("u").status;
        assert_eq!(at(0), Status::Ok);
        assert_eq!(at(-120), Status::Ok);
        assert_eq!(at(121), Status::Warn);
        assert_eq!(at(-300), Status::Warn);
        assert_eq!(at(301), Status::Fail);
        assert_eq!(at(-3600), Status::Fail);
        assert!(ClockSkew(-400).judge("u").message.contains("400 s behind"));
    }
}
