//! Which credentials botocore really resolves for a profile keyhop writes.
//!
//! botocore's chain for a named profile (`create_credential_resolver`, `ProfileProviderBuilder`)
//! tries assume-role, web identity and IAM Identity Center *before* the shared credentials file.
//! Each of those reads the profile as `Session.full_config` holds it: the config file's profile
//! (`build_profile_map`: the last section that maps to the name) with the credentials file's
//! section of the same name laid over it. When one of them applies, the keys keyhop writes into
//! `~/.aws/credentials` are never read for that profile: the profile is *shadowed*. Providers
//! after the credentials file (`login`, `credential_process`, keys in the config file) never are.
//!
//! The rules, each as botocore's source has it (botocore/credentials.py):
//! - assume-role (`AssumeRoleProvider._has_assume_role_config_vars`): `role_arn` present (any
//!   value) and `web_identity_token_file` absent. It then resolves, or raises (no
//!   `source_profile`/`credential_source`, both, an unknown `credential_source`, a missing source
//!   profile, …): either way the credentials file is not read.
//! - web identity (`AssumeRoleWithWebIdentityProvider`): `web_identity_token_file` non-empty; a
//!   missing or empty `role_arn` raises.
//! - SSO (`SSOProvider._load_sso_config`): `sso_account_id` or `sso_role_name` present; then
//!   `sso_start_url` and `sso_region` are required (from the profile or the `[sso-session X]` it
//!   names, which must exist and agree with it), else it raises.
//!
//! Keys are compared as configparser stores them (lower case); values as written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::botocore::{self, KeyLines};
use super::ini::{IniDoc, IniValue, View};
use super::{AwsFiles, AwsFilesError, CREDENTIAL_KEYS, read_file};

/// The provider that wins over the credentials file, by botocore's method name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    AssumeRole,
    WebIdentity,
    Sso,
}

impl Provider {
    fn what(self) -> &'static str {
        match self {
            Provider::AssumeRole => "assume a role",
            Provider::WebIdentity => "assume a role with a web identity token",
            Provider::Sso => "sign in with IAM Identity Center",
        }
    }
}

/// One key that makes the profile shadowed, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShadowKey {
    pub key: String,
    pub file: PathBuf,
    /// The section as written (`profile dev`, `default`, `DEFAULT`).
    pub section: String,
    pub line: usize,
}

/// Why botocore will not read the credentials file for a profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shadow {
    pub profile: String,
    pub provider: Provider,
    /// The keys that select `provider`, in file order.
    pub keys: Vec<ShadowKey>,
    /// Set when botocore raises for the profile instead of resolving it (the keys are
    /// incomplete or inconsistent): every AWS tool then fails on it.
    pub broken: Option<String>,
}

impl Shadow {
    /// The key names, for `session list --json`'s `shadowed_by`.
    pub fn key_names(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.key.clone()).collect()
    }

    /// "~/.aws/config line 3 (role_arn), line 4 (source_profile)".
    pub fn locations(&self) -> String {
        locations(&self.keys)
    }

    /// One sentence: which keys make the AWS tools do what instead of reading the profile.
    pub fn reason(&self) -> String {
        let what = match &self.broken {
            Some(why) => format!("make the AWS CLI and SDKs fail on it ({why})"),
            None => format!("make the AWS CLI and SDKs {} for it", self.provider.what()),
        };
        format!("{} {what} before they read the credentials file", self.locations())
    }
}

/// "~/.aws/config line 3 (role_arn), line 4 (source_profile)", for keys in file order.
pub fn locations(keys: &[ShadowKey]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut last: Option<&Path> = None;
    for k in keys {
        if last == Some(k.file.as_path()) {
            let _ = write!(out, ", line {} ({})", k.line, k.key);
        } else {
            if last.is_some() {
                out.push_str("; ");
            }
            let _ = write!(out, "{} line {} ({})", k.file.display(), k.line, k.key);
            last = Some(&k.file);
        }
    }
    out
}

impl std::fmt::Display for Shadow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason())
    }
}

/// A file as botocore reads it, with the line of each key.
struct Read {
    path: PathBuf,
    view: View,
    /// configparser's `DEFAULT` keys: what a new section shows.
    defaults: BTreeMap<String, IniValue>,
    lines: KeyLines,
    /// Section names in file order.
    order: Vec<String>,
}

impl Read {
    fn load(path: &Path) -> Result<Self, AwsFilesError> {
        let text = read_file(path)?.unwrap_or_default();
        Self::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<Self, AwsFilesError> {
        let doc = IniDoc::parse(text);
        let (view, defaults, lines) = doc
            .botocore_view_with_lines()
            .map_err(|problem| AwsFilesError::Unreadable {
                path: path.to_owned(),
                problem,
            })?;
        Ok(Read {
            path: path.to_owned(),
            view,
            defaults,
            lines,
            order: doc.sections(),
        })
    }

    fn line(&self, section: &str, key: &str) -> usize {
        self.lines
            .get(section)
            .and_then(|keys| keys.get(key))
            .copied()
            .unwrap_or_default()
    }
}

/// A value with where it came from: (file index: 0 config, 1 credentials; section).
type Origin = (usize, String);
type Profile = BTreeMap<String, (IniValue, Origin)>;

/// The two AWS files as botocore's credential chain reads them.
pub struct Resolver {
    files: [Read; 2],
    /// `build_profile_map` of the config file: profile -> its section.
    config_profiles: BTreeMap<String, String>,
    sso_sessions: BTreeMap<String, String>,
}

/// See `Resolver::rust_sdk_first` (`sso_account_id` and `sso_role_name` shadow for botocore too).
const RUST_SDK_FIRST: [&str; 5] = [
    "sso_region",
    "sso_start_url",
    "sso_session",
    "login_session",
    "credential_process",
];

const CONFIG: usize = 0;
const CREDENTIALS: usize = 1;

impl Resolver {
    /// Reads both files; a file botocore refuses is an error (every AWS tool fails on it).
    pub fn load(files: &AwsFiles) -> Result<Self, AwsFilesError> {
        Ok(Self::new(Read::load(&files.config)?, Read::load(&files.credentials)?))
    }

    /// From texts (tests): `None` for a missing file.
    pub fn from_texts(
        files: &AwsFiles,
        config: Option<&str>,
        credentials: Option<&str>,
    ) -> Result<Self, AwsFilesError> {
        Ok(Self::new(
            Read::parse(&files.config, config.unwrap_or_default())?,
            Read::parse(&files.credentials, credentials.unwrap_or_default())?,
        ))
    }

    fn new(config: Read, credentials: Read) -> Self {
        let mut config_profiles = BTreeMap::new();
        let mut sso_sessions = BTreeMap::new();
        // File order: a later section for the same name replaces an earlier one.
        for section in &config.order {
            if let Some(p) = botocore::config_profile(section) {
                config_profiles.insert(p, section.clone());
            } else if let Some(s) = botocore::config_sso_session(section) {
                sso_sessions.insert(s, section.clone());
            }
        }
        Resolver {
            files: [config, credentials],
            config_profiles,
            sso_sessions,
        }
    }

    /// `full_config['profiles'][profile]` once keyhop has written its keys into the profile's
    /// credentials section (a new section shows the credentials file's `DEFAULT` keys too).
    fn profile(&self, profile: &str) -> Profile {
        let mut out = Profile::new();
        if let Some(section) = self.config_profiles.get(profile) {
            for (k, v) in &self.files[CONFIG].view[section] {
                out.insert(k.clone(), (v.clone(), (CONFIG, section.clone())));
            }
        }
        let creds = &self.files[CREDENTIALS];
        let (section, keys) = match creds.view.get(profile) {
            Some(keys) => (profile.to_owned(), keys.clone()),
            None => ("DEFAULT".to_owned(), creds.defaults.clone()),
        };
        for (k, v) in keys {
            out.insert(k, (v, (CREDENTIALS, section.clone())));
        }
        for k in CREDENTIAL_KEYS {
            out.insert(
                k.to_owned(),
                (IniValue::Text("keyhop".to_owned()), (CREDENTIALS, profile.to_owned())),
            );
        }
        out
    }

    fn is_profile(&self, name: &str, target: &str) -> bool {
        name == target || self.config_profiles.contains_key(name) || self.files[CREDENTIALS].view.contains_key(name)
    }

    fn key(&self, p: &Profile, key: &str) -> Option<ShadowKey> {
        let (_, (file, section)) = p.get(key)?;
        Some(ShadowKey {
            key: key.to_owned(),
            file: self.files[*file].path.clone(),
            section: section.clone(),
            line: self.files[*file].line(section, key),
        })
    }

    /// Why botocore would not read keyhop's keys for `profile` (named explicitly, as
    /// `--profile` and `AWS_PROFILE` name it), or `None` when the credentials file wins.
    pub fn shadow(&self, profile: &str) -> Option<Shadow> {
        let p = self.profile(profile);
        let has = |k: &str| p.contains_key(k);
        let text = |k: &str| match p.get(k) {
            Some((IniValue::Text(t), _)) => Some(t.as_str()),
            Some((IniValue::Nested(_), _)) => Some("(nested)"),
            None => None,
        };
        let truthy = |k: &str| match p.get(k) {
            Some((IniValue::Text(t), _)) => !t.is_empty(),
            Some((IniValue::Nested(m), _)) => !m.is_empty(),
            None => false,
        };
        let (provider, names, broken): (Provider, &[&str], Option<String>) =
            if has("role_arn") && !has("web_identity_token_file") {
                let broken = match (text("source_profile"), text("credential_source")) {
                    (Some(_), Some(_)) => Some("it has both source_profile and credential_source".to_owned()),
                    (None, None) => Some("role_arn needs source_profile or credential_source".to_owned()),
                    (None, Some(src)) if !["Environment", "Ec2InstanceMetadata", "EcsContainer"].contains(&src) => {
                        Some(format!("credential_source {src:?} is not one botocore knows"))
                    }
                    (Some(src), None) if !self.is_profile(src, profile) => {
                        Some(format!("its source_profile {src:?} does not exist"))
                    }
                    _ => None,
                };
                (
                    Provider::AssumeRole,
                    &["role_arn", "source_profile", "credential_source"],
                    broken,
                )
            } else if truthy("web_identity_token_file") {
                let broken = (!truthy("role_arn")).then(|| "web_identity_token_file needs a role_arn".to_owned());
                (Provider::WebIdentity, &["web_identity_token_file", "role_arn"], broken)
            } else if has("sso_account_id") || has("sso_role_name") {
                (
                    Provider::Sso,
                    &[
                        "sso_session",
                        "sso_account_id",
                        "sso_role_name",
                        "sso_start_url",
                        "sso_region",
                    ],
                    self.sso_problem(&p),
                )
            } else {
                return None;
            };
        let mut keys: Vec<ShadowKey> = names.iter().filter_map(|k| self.key(&p, k)).collect();
        keys.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Some(Shadow {
            profile: profile.to_owned(),
            provider,
            keys,
            broken,
        })
    }

    /// Keys of `profile` that botocore reads only after the credentials file (so it uses
    /// keyhop's keys) but the AWS SDK for Rust reads before them: aws-config 1.13's
    /// `profile::credentials::repr::base_provider` tries IAM Identity Center (on any one `sso_*`
    /// key), `login_session` and `credential_process` before static keys. Empty when botocore
    /// itself skips the credentials file (then `shadow` says so).
    pub fn rust_sdk_first(&self, profile: &str) -> Vec<ShadowKey> {
        if self.shadow(profile).is_some() {
            return vec![];
        }
        let p = self.profile(profile);
        let mut keys: Vec<ShadowKey> = RUST_SDK_FIRST.iter().filter_map(|k| self.key(&p, k)).collect();
        keys.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        keys
    }

    /// What `SSOProvider._load_sso_config` raises for an SSO profile, if anything.
    fn sso_problem(&self, p: &Profile) -> Option<String> {
        let mut resolved: BTreeMap<&str, &IniValue> = p.iter().map(|(k, (v, _))| (k.as_str(), v)).collect();
        let mut required = vec!["sso_role_name", "sso_account_id", "sso_start_url", "sso_region"];
        if let Some((name, _)) = p.get("sso_session") {
            let name = match name {
                IniValue::Text(t) => t.as_str(),
                IniValue::Nested(_) => "",
            };
            let Some(section) = self.sso_sessions.get(name) else {
                return Some(format!("its sso_session {name:?} has no [sso-session {name}] section"));
            };
            for (k, v) in &self.files[CONFIG].view[section] {
                if resolved.get(k.as_str()).is_some_and(|mine| *mine != v) {
                    return Some(format!("{k} differs between the profile and [sso-session {name}]"));
                }
                resolved.insert(k, v);
            }
            required.push("sso_session");
        }
        let missing: Vec<&str> = required.into_iter().filter(|k| !resolved.contains_key(k)).collect();
        (!missing.is_empty()).then(|| format!("IAM Identity Center needs {}", missing.join(", ")))
    }
}

impl AwsFiles {
    /// Why the AWS tools would not read what keyhop writes into `profile`, if they would not.
    pub fn shadow(&self, profile: &str) -> Result<Option<Shadow>, AwsFilesError> {
        Ok(Resolver::load(self)?.shadow(profile))
    }
}
