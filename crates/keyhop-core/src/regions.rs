//! AWS regions with their names, for the pick lists: every commercial region, China and
//! GovCloud. Newer regions still pass validation through the region pattern, so this table going
//! stale is harmless.

/// `(code, name)` as the AWS console names them.
pub const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "US East (N. Virginia)"),
    ("us-east-2", "US East (Ohio)"),
    ("us-west-1", "US West (N. California)"),
    ("us-west-2", "US West (Oregon)"),
    ("af-south-1", "Africa (Cape Town)"),
    ("ap-east-1", "Asia Pacific (Hong Kong)"),
    ("ap-east-2", "Asia Pacific (Taipei)"),
    ("ap-south-1", "Asia Pacific (Mumbai)"),
    ("ap-south-2", "Asia Pacific (Hyderabad)"),
    ("ap-northeast-1", "Asia Pacific (Tokyo)"),
    ("ap-northeast-2", "Asia Pacific (Seoul)"),
    ("ap-northeast-3", "Asia Pacific (Osaka)"),
    ("ap-southeast-1", "Asia Pacific (Singapore)"),
    ("ap-southeast-2", "Asia Pacific (Sydney)"),
    ("ap-southeast-3", "Asia Pacific (Jakarta)"),
    ("ap-southeast-4", "Asia Pacific (Melbourne)"),
    ("ap-southeast-5", "Asia Pacific (Malaysia)"),
    ("ap-southeast-6", "Asia Pacific (New Zealand)"),
    ("ap-southeast-7", "Asia Pacific (Thailand)"),
    ("ca-central-1", "Canada (Central)"),
    ("ca-west-1", "Canada West (Calgary)"),
    ("eu-central-1", "Europe (Frankfurt)"),
    ("eu-central-2", "Europe (Zurich)"),
    ("eu-west-1", "Europe (Ireland)"),
    ("eu-west-2", "Europe (London)"),
    ("eu-west-3", "Europe (Paris)"),
    ("eu-north-1", "Europe (Stockholm)"),
    ("eu-south-1", "Europe (Milan)"),
    ("eu-south-2", "Europe (Spain)"),
    ("il-central-1", "Israel (Tel Aviv)"),
    ("me-south-1", "Middle East (Bahrain)"),
    ("me-central-1", "Middle East (UAE)"),
    ("mx-central-1", "Mexico (Central)"),
    ("sa-east-1", "South America (São Paulo)"),
    ("cn-north-1", "China (Beijing)"),
    ("cn-northwest-1", "China (Ningxia)"),
    ("us-gov-east-1", "AWS GovCloud (US-East)"),
    ("us-gov-west-1", "AWS GovCloud (US-West)"),
];

/// Whether `code` is a region of the table.
pub fn is_known(code: &str) -> bool {
    REGIONS.iter().any(|(c, _)| *c == code)
}

/// The region codes, in the table's order.
pub fn codes() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|(c, _)| *c)
}

/// The name of region `code` ("Europe (Ireland)"), `None` for one the table lacks.
pub fn name(code: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// The regions whose code or name holds every word of `query` (case-insensitive), in the
/// table's order: "eu west", "ireland", "tokyo" and "ap-north" all find what a person means.
pub fn search(query: &str) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
    let words: Vec<String> = query
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '—')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    REGIONS.iter().copied().filter(move |(code, name)| {
        let hay = format!("{code} {}", name.to_lowercase());
        words.iter().all(|w| hay.contains(w.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(q: &str) -> Vec<&'static str> {
        search(q).map(|(c, _)| c).collect()
    }

    #[test]
    fn search_finds_by_code_name_or_both() {
        assert_eq!(found("ireland"), ["eu-west-1"]);
        assert_eq!(found("Tokyo"), ["ap-northeast-1"]);
        assert_eq!(found("eu-west-1"), ["eu-west-1"]);
        assert_eq!(found("europe par"), ["eu-west-3"]);
        assert_eq!(found("govcloud"), ["us-gov-east-1", "us-gov-west-1"]);
        assert_eq!(found("china").len(), 2);
        assert_eq!(found("").len(), REGIONS.len(), "an empty query lists them all");
        assert!(found("mars").is_empty());
        // The picker's own line, typed back, still finds its region.
        assert_eq!(found("eu-west-1 — Europe (Ireland)"), ["eu-west-1"]);
    }

    #[test]
    fn names_and_codes_are_unique() {
        let mut codes: Vec<_> = codes().collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), REGIONS.len());
        assert_eq!(name("eu-west-1"), Some("Europe (Ireland)"));
        assert_eq!(name("sa-east-1"), Some("South America (São Paulo)"));
        assert!(is_known("cn-northwest-1") && !is_known("eu-west-9"));
    }
}
