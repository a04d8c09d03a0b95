//! Where AWS calls go. The standard variables decide, as in the AWS SDKs: a service-specific
//! `AWS_ENDPOINT_URL_<SERVICE>` wins over `AWS_ENDPOINT_URL`, and
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` turns both off. Read once at the edge and passed
//! down, so tests can point one engine at a local server without touching the environment.
//!
//! The console sign-in's federation endpoint is no SDK service, so it has keyhop's own variable,
//! `KEYHOP_FEDERATION_ENDPOINT` (the full URL, e.g. `http://127.0.0.1:N/federation`), which
//! `AWS_ENDPOINT_URL` does not reach: a local STS emulator has no federation endpoint.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    sts: Option<String>,
    sso: Option<String>,
    sso_oidc: Option<String>,
    federation: Option<String>,
    iam: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Endpoints {
    /// The AWS defaults (`https://sts.<region>.amazonaws.com`, …).
    pub fn aws() -> Self {
        Self::default()
    }

    /// Every service at one URL (a local emulator).
    pub fn all_at(url: &str) -> Self {
        Self {
            sts: Some(url.to_owned()),
            sso: Some(url.to_owned()),
            sso_oidc: Some(url.to_owned()),
            federation: None,
            iam: Some(url.to_owned()),
        }
    }

    pub fn from_env() -> Self {
        // keyhop's own variable: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is about the SDKs' ones.
        let federation = var("KEYHOP_FEDERATION_ENDPOINT");
        if var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Self {
                federation,
                ..Self::aws()
            };
        }
        let global = var("AWS_ENDPOINT_URL");
        Self {
            sts: var("AWS_ENDPOINT_URL_STS").or_else(|| global.clone()),
            sso: var("AWS_ENDPOINT_URL_SSO").or_else(|| global.clone()),
            sso_oidc: var("AWS_ENDPOINT_URL_SSO_OIDC").or_else(|| global.clone()),
            iam: var("AWS_ENDPOINT_URL_IAM").or(global),
            federation,
        }
    }

    /// The same, with the console's federation endpoint at `url` (a test rig's).
    pub fn with_federation(self, url: &str) -> Self {
        Self {
            federation: Some(url.to_owned()),
            ..self
        }
    }

    /// The sign-in federation endpoint: `KEYHOP_FEDERATION_ENDPOINT`, else the partition's
    /// (`https://signin.aws.amazon.com/federation`, …).
    pub fn federation_url(&self, partition: crate::console::Partition) -> String {
        self.federation
            .clone()
            .unwrap_or_else(|| format!("https://{}/federation", partition.signin_host()))
    }

    /// The STS endpoint to use instead of AWS's, if any.
    pub fn sts(&self) -> Option<&str> {
        self.sts.as_deref()
    }

    /// Separate endpoints for STS and for IAM Identity Center (a test rig with both).
    pub fn split(sts: &str, sso: &str) -> Self {
        Self {
            sts: Some(sts.to_owned()),
            sso: Some(sso.to_owned()),
            sso_oidc: Some(sso.to_owned()),
            federation: None,
            iam: Some(sts.to_owned()),
        }
    }

    /// The IAM Identity Center portal endpoint to use instead of AWS's, if any.
    pub fn sso(&self) -> Option<&str> {
        self.sso.as_deref()
    }

    /// The portal URL as messages name it.
    pub fn sso_url(&self, region: &str) -> String {
        self.sso
            .clone()
            .unwrap_or_else(|| format!("https://portal.sso.{region}.amazonaws.com"))
    }

    /// The OIDC service endpoint to use instead of AWS's, if any.
    pub fn sso_oidc(&self) -> Option<&str> {
        self.sso_oidc.as_deref()
    }

    /// The OIDC URL: what messages name, and the base of the browser's `/authorize` page.
    pub fn sso_oidc_url(&self, region: &str) -> String {
        self.sso_oidc
            .clone()
            .unwrap_or_else(|| format!("https://oidc.{region}.amazonaws.com"))
    }

    /// The STS URL as "cannot reach" messages name it.
    pub fn sts_url(&self, region: &str) -> String {
        self.sts
            .clone()
            .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"))
    }

    /// The IAM endpoint to use instead of AWS's, if any.
    pub fn iam(&self) -> Option<&str> {
        self.iam.as_deref()
    }

    /// The IAM URL as "cannot reach" messages name it (IAM is global: one endpoint).
    pub fn iam_url(&self) -> String {
        self.iam
            .clone()
            .unwrap_or_else(|| "https://iam.amazonaws.com".to_owned())
    }
}
