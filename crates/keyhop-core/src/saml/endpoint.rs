//! Which URLs are AWS's SAML endpoint (the assertion consumer service the IdP posts to).

use crate::console::Partition;

/// The partition whose sign-in service `url` is the SAML endpoint of, or `None` for any other
/// URL. AWS's endpoints: `https://signin.aws.amazon.com/saml`, the regional
/// `https://<region>.signin.aws.amazon.com/saml`, China's `signin.amazonaws.cn` and GovCloud's
/// `signin.amazonaws-us-gov.com` (each also regional), and the per-provider
/// `…/saml/acs/<provider id>` that AWS gives IdPs which encrypt their assertions.
pub fn aws_saml_endpoint(url: &str) -> Option<Partition> {
    let url = url::Url::parse(url.trim()).ok()?;
    if url.scheme() != "https" || url.port().is_some() || !url.username().is_empty() || url.query().is_some() {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let partition = Partition::ALL.into_iter().find(|p| {
        let base = p.signin_host();
        host == base
            || host
                .strip_suffix(base)
                .and_then(|r| r.strip_suffix('.'))
                .is_some_and(is_region_label)
    })?;
    let path = url.path();
    let saml = path == "/saml" || path == "/saml/" || path.strip_prefix("/saml/acs/").is_some_and(is_acs_id);
    saml.then_some(partition)
}

/// A region as a host label (`eu-west-1`, `us-gov-west-1`): letters, digits and dashes.
fn is_region_label(label: &str) -> bool {
    !label.is_empty()
        && !label.contains('.')
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && label.bytes().any(|b| b.is_ascii_digit())
}

fn is_acs_id(id: &str) -> bool {
    let id = id.strip_suffix('/').unwrap_or(id);
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_endpoints_of_each_partition_are_recognised() {
        for (url, partition) in [
            ("https://signin.aws.amazon.com/saml", Partition::Aws),
            ("https://signin.aws.amazon.com/saml/", Partition::Aws),
            ("https://eu-west-1.signin.aws.amazon.com/saml", Partition::Aws),
            ("https://SIGNIN.aws.amazon.com/saml", Partition::Aws),
            (
                "https://us-east-2.signin.aws.amazon.com/saml/acs/SAMLSP4ABCDEFGH1234",
                Partition::Aws,
            ),
            ("https://signin.amazonaws.cn/saml", Partition::China),
            ("https://cn-north-1.signin.amazonaws.cn/saml", Partition::China),
            ("https://signin.amazonaws-us-gov.com/saml", Partition::GovCloud),
            (
                "https://us-gov-west-1.signin.amazonaws-us-gov.com/saml",
                Partition::GovCloud,
            ),
        ] {
            assert_eq!(aws_saml_endpoint(url), Some(partition), "{url}");
        }
    }

    #[test]
    fn look_alikes_are_not_aws() {
        for url in [
            "http://signin.aws.amazon.com/saml",
            "https://signin.aws.amazon.com/federation",
            "https://signin.aws.amazon.com/saml?x=1",
            "https://signin.aws.amazon.com:8443/saml",
            "https://signin.aws.amazon.com.evil.example/saml",
            "https://evilsignin.aws.amazon.com/saml",
            "https://evil.example/signin.aws.amazon.com/saml",
            "https://user@signin.aws.amazon.com/saml",
            "https://a.b.signin.aws.amazon.com/saml",
            "https://sp.example.com/saml/acs",
            "https://signin.aws.amazon.com/saml/acs/../x",
            "urn:amazon:webservices",
            "",
        ] {
            assert_eq!(aws_saml_endpoint(url), None, "{url}");
        }
    }
}
