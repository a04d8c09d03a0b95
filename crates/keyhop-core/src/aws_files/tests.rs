//! Tests for the profile-level API on real-shaped files in temp dirs.

use std::ffi::OsString;
use std::fs;
use std::path::Path;

use super::{AwsFiles, AwsFilesError, IniDoc, ProfileCredentials, RegionPrior};

const CONFIG_MIXED: &str = include_str!("testdata/config.mixed");
const CREDS_COMMENTS: &str = include_str!("testdata/credentials.comments");
const CREDS_CRLF: &str = include_str!("testdata/credentials.crlf-no-final-newline");

const CREDS: ProfileCredentials<'static> = ProfileCredentials {
    access_key_id: "ASIAKEYHOPTEST000001",
    secret_access_key: "keyhopSecretValueXXXXXXXXXXXXXXXXXXXXXXX",
    session_token: "FwoGZXIvYXdzEXAMPLETOKEN//+=",
    expiration: "2030-01-01T00:00:00Z",
};

/// `AwsFiles` in a temp dir, the two files seeded when given.
fn setup(creds: Option<&str>, config: Option<&str>) -> (tempfile::TempDir, AwsFiles) {
    let home = tempfile::tempdir().unwrap();
    let files = AwsFiles::from_vars(home.path(), None, None);
    fs::create_dir_all(home.path().join(".aws")).unwrap();
    if let Some(text) = creds {
        fs::write(&files.credentials, text).unwrap();
    }
    if let Some(text) = config {
        fs::write(&files.config, text).unwrap();
    }
    (home, files)
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn paths_from_env_values() {
    let home = Path::new("/home/u");
    let files = AwsFiles::from_vars(home, None, Some(OsString::new()));
    assert_eq!(files.credentials, home.join(".aws/credentials"));
    assert_eq!(files.config, home.join(".aws/config"));
    let files = AwsFiles::from_vars(home, Some("~/x/creds".into()), Some("/etc/aws/config".into()));
    assert_eq!(files.credentials, home.join("x/creds"));
    assert_eq!(files.config, Path::new("/etc/aws/config"));
    let files = AwsFiles::from_vars(home, Some("~other/creds".into()), Some("~".into()));
    assert_eq!(files.credentials, Path::new("~other/creds"));
    assert_eq!(files.config, home);
}

#[test]
fn new_profile_write_then_remove_is_byte_identical() {
    for fixture in [CREDS_COMMENTS, CREDS_CRLF] {
        let (_home, files) = setup(Some(fixture), Some(CONFIG_MIXED));
        assert!(!files.credentials_has_profile("keyhop-new").unwrap());
        files.write_credentials("keyhop-new", &CREDS).unwrap();
        assert!(files.credentials_has_profile("keyhop-new").unwrap());
        let doc = IniDoc::parse(&read(&files.credentials));
        assert_eq!(
            doc.get("keyhop-new", "aws_session_token").as_deref(),
            Some(CREDS.session_token)
        );
        assert_eq!(
            doc.get("keyhop-new", "x_security_token_expires").as_deref(),
            Some(CREDS.expiration)
        );
        let prior = files.write_region("keyhop-new", "eu-north-1").unwrap();
        assert_eq!(prior, RegionPrior::Absent);
        assert!(read(&files.config).ends_with("\n\n[profile keyhop-new]\nregion = eu-north-1\n"));

        files.remove_credentials("keyhop-new").unwrap();
        files.restore_region("keyhop-new", &prior).unwrap();
        assert_eq!(read(&files.credentials), fixture);
        assert_eq!(read(&files.config), CONFIG_MIXED);
    }
}

#[test]
fn new_section_keys_are_in_order() {
    let (_home, files) = setup(None, None);
    files.write_credentials("p", &CREDS).unwrap();
    let expected = format!(
        "[p]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\nx_security_token_expires = {}\n",
        CREDS.access_key_id, CREDS.secret_access_key, CREDS.session_token, CREDS.expiration
    );
    assert_eq!(read(&files.credentials), expected);
    files.remove_credentials("p").unwrap();
    assert_eq!(read(&files.credentials), "");
}

#[test]
fn existing_profile_keeps_its_other_keys_and_other_profiles() {
    let (_home, files) = setup(Some(CREDS_COMMENTS), None);
    files.write_credentials("ci", &CREDS).unwrap();
    let doc = IniDoc::parse(&read(&files.credentials));
    assert_eq!(doc.get("ci", "aws_access_key_id").as_deref(), Some(CREDS.access_key_id));
    assert_eq!(doc.get("ci", "region").as_deref(), Some("us-east-1"));
    files.remove_credentials("ci").unwrap();
    let text = read(&files.credentials);
    assert!(
        text.contains("; legacy ci user\n[ci]\nregion=us-east-1\n\n[  spaced  ]\n"),
        "{text}"
    );
    assert!(text.starts_with(&CREDS_COMMENTS[..CREDS_COMMENTS.find("; legacy").unwrap()]));
}

#[test]
fn remove_with_nothing_to_remove_is_ok_and_touches_nothing() {
    let (_home, files) = setup(None, None);
    files.remove_credentials("p").unwrap();
    assert!(!files.credentials.exists());
    files.restore_region("p", &RegionPrior::Absent).unwrap();
    assert!(!files.config.exists());
    // A user's empty section keyhop did not empty stays.
    let (_home, files) = setup(Some("[p]\n"), None);
    files.remove_credentials("p").unwrap();
    files.remove_credentials("other").unwrap();
    assert_eq!(read(&files.credentials), "[p]\n");
}

#[cfg(unix)]
#[test]
fn modes_new_0600_existing_kept() {
    use std::os::unix::fs::PermissionsExt;
    let (_home, files) = setup(None, Some(CONFIG_MIXED));
    fs::set_permissions(&files.config, fs::Permissions::from_mode(0o640)).unwrap();
    files.write_credentials("p", &CREDS).unwrap();
    files.write_region("p", "us-east-1").unwrap();
    assert_eq!(mode(&files.credentials), 0o600);
    assert_eq!(mode(&files.config), 0o640);
}

#[cfg(unix)]
#[test]
fn symlinked_credentials_stay_a_symlink() {
    let (home, files) = setup(None, None);
    let real = home.path().join("dotfiles/aws-credentials");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::write(&real, CREDS_CRLF).unwrap();
    std::os::unix::fs::symlink("../dotfiles/aws-credentials", &files.credentials).unwrap();

    files.write_credentials("p", &CREDS).unwrap();
    assert!(
        fs::symlink_metadata(&files.credentials)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(&real).contains("\r\n[p]\r\n"));
    files.remove_credentials("p").unwrap();
    assert_eq!(read(&real), CREDS_CRLF);
    assert!(
        fs::symlink_metadata(&files.credentials)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn concurrent_profiles_all_land() {
    let (_home, files) = setup(Some(CREDS_COMMENTS), None);
    let names: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
    std::thread::scope(|s| {
        for name in &names {
            let files = &files;
            s.spawn(move || files.write_credentials(name, &CREDS).unwrap());
        }
    });
    let doc = IniDoc::parse(&read(&files.credentials));
    for name in &names {
        assert_eq!(doc.get(name, "aws_access_key_id").as_deref(), Some(CREDS.access_key_id));
    }
    assert!(read(&files.credentials).starts_with(CREDS_COMMENTS));
}

#[test]
fn region_prior_round_trips() {
    let (_home, files) = setup(None, Some(CONFIG_MIXED));
    // Other: the old value comes back, byte-identical.
    let prior = files.write_region("default", "us-east-1").unwrap();
    assert_eq!(prior, RegionPrior::Other("eu-west-1".into()));
    assert!(read(&files.config).starts_with("[default]\nregion = us-east-1\n"));
    files.restore_region("default", &prior).unwrap();
    assert_eq!(read(&files.config), CONFIG_MIXED);
    // Same: nothing written either way.
    assert_eq!(
        files.write_region("sso-dev", "eu-central-1").unwrap(),
        RegionPrior::Same
    );
    files.restore_region("sso-dev", &RegionPrior::Same).unwrap();
    // Absent in an existing section: the key goes, the section stays.
    let prior = files.write_region("tool", "ap-south-1").unwrap();
    assert_eq!(prior, RegionPrior::Absent);
    let doc = IniDoc::parse(&read(&files.config));
    assert_eq!(doc.get("profile tool", "region").as_deref(), Some("ap-south-1"));
    files.restore_region("tool", &prior).unwrap();
    assert_eq!(read(&files.config), CONFIG_MIXED);
}

#[test]
fn region_prior_serde_shape() {
    let cases = [
        (RegionPrior::Absent, r#"{"kind":"absent"}"#),
        (RegionPrior::Same, r#"{"kind":"same"}"#),
        (
            RegionPrior::Other("eu-west-1".into()),
            r#"{"kind":"other","value":"eu-west-1"}"#,
        ),
    ];
    for (prior, json) in cases {
        assert_eq!(serde_json::to_string(&prior).unwrap(), json);
        assert_eq!(serde_json::from_str::<RegionPrior>(json).unwrap(), prior);
    }
}

#[test]
fn errors_never_carry_secrets() {
    let (_home, files) = setup(Some(CREDS_COMMENTS), None);
    let bad = ProfileCredentials {
        session_token: "tok\nen-secret",
        ..CREDS
    };
    let err = files.write_credentials("p", &bad).unwrap_err();
    assert!(matches!(
        err,
        AwsFilesError::InvalidValue {
            key: "aws_session_token",
            ..
        }
    ));
    let msg = err.to_string();
    assert!(msg.contains("aws_session_token") && msg.contains(&files.credentials.display().to_string()));
    assert!(
        !msg.contains("secret") && !format!("{err:?}").contains("secret"),
        "{msg}"
    );
    assert_eq!(read(&files.credentials), CREDS_COMMENTS);

    // A directory in the way: the error names the path, not the values.
    fs::remove_file(&files.credentials).unwrap();
    fs::create_dir(&files.credentials).unwrap();
    let msg = files.write_credentials("p", &CREDS).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!("{} is not a regular file", files.credentials.display())),
        "{msg}"
    );
    for secret in [CREDS.access_key_id, CREDS.secret_access_key, CREDS.session_token] {
        assert!(!msg.contains(secret));
    }
}

// ---- hardening ----

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn backup_of(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".keyhop-backup");
    name.into()
}

#[test]
fn files_botocore_cannot_read_are_refused_and_left_alone() {
    for bad in [
        "[dev]\nk = 1\n[dev]\nj = 2\n",
        "k = 1\n[a]\n",
        "\u{feff}[default]\nk = 1\n",
        "[a]\nstray line\n",
        "[a]\nK = 1\nk = 2\n",
    ] {
        let (_home, files) = setup(Some(bad), None);
        let err = files.write_credentials("dev", &CREDS).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&files.credentials.display().to_string()), "{msg}");
        assert!(msg.contains("line "), "{msg}");
        assert_eq!(read(&files.credentials), bad);
        let (_home, files) = setup(None, Some(bad));
        assert!(files.write_region("dev", "eu-west-1").is_err(), "{bad:?}");
        assert_eq!(read(&files.config), bad);
    }
}

#[test]
fn credentials_are_not_written_when_the_config_would_be_refused() {
    // A start writes both files; refusing the config only after the credentials were written
    // would leave keys behind that no session owns.
    let (_home, files) = setup(Some(CREDS_COMMENTS), Some("[profile x]\n[profile x]\n"));
    assert!(files.write_credentials("keyhop-new", &CREDS).is_err());
    assert_eq!(read(&files.credentials), CREDS_COMMENTS);
}

#[test]
fn region_goes_into_the_section_botocore_uses_for_the_profile() {
    // botocore finds profile dev in `[profile "dev"]` and `[profile  dev ]` too (shlex).
    for text in ["[profile \"dev\"]\noutput = json\n", "[profile  dev ]\noutput = json\n"] {
        let (_home, files) = setup(None, Some(text));
        let prior = files.write_region("dev", "eu-west-1").unwrap();
        let now = read(&files.config);
        assert_eq!(now, format!("{text}region = eu-west-1\n"));
        files.restore_region("dev", &prior).unwrap();
        assert_eq!(read(&files.config), text);
    }
}

#[cfg(unix)]
#[test]
fn credentials_end_up_0600() {
    let (_home, files) = setup(Some(CREDS_COMMENTS), Some(CONFIG_MIXED));
    chmod(&files.credentials, 0o644);
    chmod(&files.config, 0o644);
    files.write_credentials("p", &CREDS).unwrap();
    assert_eq!(mode(&files.credentials), 0o600);
    files.write_region("p", "eu-west-1").unwrap();
    assert_eq!(mode(&files.config), 0o644, "the config holds no secret: its mode stays");
}

#[cfg(unix)]
#[test]
fn a_read_only_file_is_refused_and_left_alone() {
    let (_home, files) = setup(Some(CREDS_COMMENTS), None);
    chmod(&files.credentials, 0o444);
    let msg = files.write_credentials("p", &CREDS).unwrap_err().to_string();
    assert!(
        msg.contains("read-only") && msg.contains(&files.credentials.display().to_string()),
        "{msg}"
    );
    assert_eq!(read(&files.credentials), CREDS_COMMENTS);
    assert_eq!(mode(&files.credentials), 0o444);
}

#[test]
fn stale_temp_files_of_keyhop_are_removed_by_the_next_write() {
    let (home, files) = setup(Some(CREDS_COMMENTS), None);
    let aws = home.path().join(".aws");
    let stale = aws.join(".keyhop-tmp-AbC123");
    fs::write(&stale, "[p]\naws_secret_access_key = leftover\n").unwrap();
    let foreign = aws.join(".tmpXYZ");
    fs::write(&foreign, "not ours").unwrap();
    files.write_credentials("p", &CREDS).unwrap();
    assert!(!stale.exists(), "a killed keyhop's temp file stays");
    assert!(foreign.exists(), "a file keyhop did not name was removed");
}

#[test]
fn a_backup_is_kept_before_the_first_edit_and_never_overwritten() {
    let (_home, files) = setup(Some(CREDS_COMMENTS), Some(CONFIG_MIXED));
    files.write_credentials("p", &CREDS).unwrap();
    files.write_region("p", "eu-west-1").unwrap();
    assert_eq!(read(&backup_of(&files.credentials)), CREDS_COMMENTS);
    assert_eq!(read(&backup_of(&files.config)), CONFIG_MIXED);
    #[cfg(unix)]
    {
        assert_eq!(mode(&backup_of(&files.credentials)), 0o600);
        assert_eq!(mode(&backup_of(&files.config)), 0o600);
    }
    files.remove_credentials("p").unwrap();
    files.write_credentials("q", &CREDS).unwrap();
    assert_eq!(
        read(&backup_of(&files.credentials)),
        CREDS_COMMENTS,
        "backup overwritten"
    );
}

#[test]
fn a_file_keyhop_creates_is_never_copied_with_its_credentials() {
    let (_home, files) = setup(None, None);
    files.write_credentials("p", &CREDS).unwrap();
    files.write_region("p", "eu-west-1").unwrap();
    // Later edits of files keyhop made (a stop, another session) copy none of their bytes,
    // session credentials among them, into a backup that would outlive them.
    files.remove_credentials("p").unwrap();
    files.write_credentials("q", &CREDS).unwrap();
    files.write_region("q", "us-east-1").unwrap();
    for file in [&files.credentials, &files.config] {
        let backup = backup_of(file);
        assert!(
            !backup.exists() || read(&backup).is_empty(),
            "{} holds {:?}",
            backup.display(),
            read(&backup)
        );
    }
}
