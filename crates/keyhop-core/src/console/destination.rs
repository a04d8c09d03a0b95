//! `--destination`: the console page to land on after signing in. A sign-in URL is a bearer
//! credential, so it may send the browser only to the AWS console itself: an https URL on a
//! partition's console host (or a subdomain of it, `s3.console.aws.amazon.com`), or a path on
//! it. Parsed with the `url` crate, so `https://console.aws.amazon.com@evil.example/` is seen
//! for what it is (host `evil.example`).

use url::{Host, Url};

use super::{ConsoleError, Partition};
use crate::validate::Region;

/// A console page, checked at the edge; the partition is checked against the session's later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `/s3/home`: on the session's partition's console host; the region is added.
    Path(String),
    /// A full URL on a console host, taken as given.
    Url(Url, Partition),
}

impl Destination {
    pub fn parse(given: &str) -> Result<Self, ConsoleError> {
        let bad = |reason: &str| ConsoleError::BadDestination {
            given: given.chars().take(200).collect(),
            reason: reason.to_owned(),
        };
        let s = given.trim();
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
            return Err(bad("it holds spaces, control characters or backslashes"));
        }
        if let Some(rest) = s.strip_prefix('/') {
            // `//host/…` is a URL without a scheme, not a path.
            if rest.starts_with('/') {
                return Err(bad("a path starts with a single /"));
            }
            let base = Url::parse(&format!("https://{}/", Partition::Aws.console_host())).expect("a fixed URL parses");
            let joined = base.join(s).map_err(|e| bad(&format!("not a path ({e})")))?;
            if joined.host_str() != base.host_str() {
                return Err(bad("the path leaves the console"));
            }
            return Ok(Destination::Path(s.to_owned()));
        }
        let url =
            Url::parse(s).map_err(|_| bad(&format!("give a path such as /s3/home, or an https URL on {}", hosts())))?;
        if url.scheme() != "https" {
            return Err(bad("only https URLs are accepted"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("a URL with a user name or password is not a console page"));
        }
        if url.port().is_some() {
            return Err(bad("the console URL takes no port"));
        }
        let Some(Host::Domain(host)) = url.host() else {
            return Err(bad(&format!("the host must be {}", hosts())));
        };
        let partition = Partition::ALL
            .into_iter()
            .find(|p| host == p.console_host() || host.ends_with(&format!(".{}", p.console_host())))
            .ok_or_else(|| bad(&format!("{host} is not the AWS console ({})", hosts())))?;
        Ok(Destination::Url(url, partition))
    }

    /// The partition a full URL points into (a path fits any).
    pub fn partition(&self) -> Option<Partition> {
        match self {
            Destination::Path(_) => None,
            Destination::Url(_, p) => Some(*p),
        }
    }

    /// The page as an https URL for `partition`, in `region` unless the page names one.
    pub fn resolve(dest: Option<&Destination>, partition: Partition, region: &Region) -> String {
        let base = format!("https://{}", partition.console_host());
        match dest {
            None => format!("{base}/console/home?region={region}"),
            Some(Destination::Url(url, _)) => url.to_string(),
            Some(Destination::Path(path)) => {
                let mut url = Url::parse(&base)
                    .and_then(|b| b.join(path))
                    .expect("checked when parsed");
                if !url.query_pairs().any(|(k, _)| k == "region") {
                    url.query_pairs_mut().append_pair("region", region.as_str());
                }
                url.to_string()
            }
        }
    }
}

fn hosts() -> String {
    Partition::ALL
        .iter()
        .map(|p| p.console_host())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(r: &str) -> Region {
        Region::parse(r).unwrap()
    }

    #[test]
    fn console_urls_and_paths_are_accepted() {
        let cases = [
            ("https://console.aws.amazon.com/s3/home", Some(Partition::Aws)),
            (
                "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
                Some(Partition::Aws),
            ),
            ("https://console.amazonaws.cn/console/home", Some(Partition::China)),
            (
                "https://console.amazonaws-us-gov.com/iam/home",
                Some(Partition::GovCloud),
            ),
            ("/s3/buckets", None),
        ];
        for (given, partition) in cases {
            let d = Destination::parse(given).unwrap_or_else(|e| panic!("{given}: {e}"));
            assert_eq!(d.partition(), partition, "{given}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        let cases = [
            ("", "empty"),
            ("http://console.aws.amazon.com/", "https"),
            ("https://evil.example/", "not the aws console"),
            ("https://console.aws.amazon.com.evil.example/", "not the aws console"),
            ("https://evilconsole.aws.amazon.com/", "not the aws console"),
            ("https://console.aws.amazon.com@evil.example/", "user name"),
            ("https://console.aws.amazon.com:8443/", "port"),
            ("https://1.2.3.4/", "host"),
            ("//evil.example/x", "single /"),
            ("/s3 home", "spaces"),
            ("/\\evil.example", "backslash"),
            ("javascript:alert(1)", "https"),
            ("s3/home", "path"),
        ];
        for (given, reason) in cases {
            let e = Destination::parse(given).expect_err(given).to_string();
            assert!(e.to_lowercase().contains(reason), "{given:?}: {e}");
        }
    }

    #[test]
    fn the_page_is_on_the_partitions_console_in_the_region() {
        let eu = region("eu-west-1");
        assert_eq!(
            Destination::resolve(None, Partition::Aws, &eu),
            "https://console.aws.amazon.com/console/home?region=eu-west-1"
        );
        assert_eq!(
            Destination::resolve(None, Partition::China, &region("cn-north-1")),
            "https://console.amazonaws.cn/console/home?region=cn-north-1"
        );
        let path = Destination::parse("/s3/buckets").unwrap();
        assert_eq!(
            Destination::resolve(Some(&path), Partition::GovCloud, &region("us-gov-west-1")),
            "https://console.amazonaws-us-gov.com/s3/buckets?region=us-gov-west-1"
        );
        let own_region = Destination::parse("/ec2/home?region=us-east-1#Instances:").unwrap();
        assert_eq!(
            Destination::resolve(Some(&own_region), Partition::Aws, &eu),
            "https://console.aws.amazon.com/ec2/home?region=us-east-1#Instances:"
        );
        let url = Destination::parse("https://s3.console.aws.amazon.com/s3/buckets").unwrap();
        assert_eq!(
            Destination::resolve(Some(&url), Partition::Aws, &eu),
            "https://s3.console.aws.amazon.com/s3/buckets"
        );
    }
}
