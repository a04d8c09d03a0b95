//! The user's own AWS files: comments, CRLF, odd spacing, foreign profiles, file modes.

use crate::common;
use common::*;

const CREDS_COMMENTS: &[u8] = include_bytes!("../fixtures/credentials.comments");
const CREDS_CRLF: &[u8] = include_bytes!("../fixtures/credentials.crlf-no-final-newline");
const CONFIG_MIXED: &[u8] = include_bytes!("../fixtures/config.mixed");

/// Start + stop of a new profile over the given files: while active every foreign line is as
/// it was and the mode is 0600; after stop both files are byte-identical.
fn start_stop_over(credentials: &[u8], config: &[u8]) {
    let keys = moto_user(&unique("files"));
    let rig = Rig::new();
    rig.write_credentials(credentials);
    rig.write_config(config);
    let alias = unique("files");
    rig.add_user(&alias, "keyhop-new", &keys, &[]).ok();
    let before = rig.snapshot();

    rig.start(&alias).ok();
    let creds = rig.credentials();
    let conf = rig.config();
    let orig_creds = String::from_utf8(credentials.to_vec()).unwrap();
    let orig_conf = String::from_utf8(config.to_vec()).unwrap();
    assert_foreign_lines_kept(&orig_creds, &creds, "keyhop-new");
    assert_foreign_lines_kept(&orig_conf, &conf, "profile keyhop-new");
    assert!(ini_section(&creds, "keyhop-new").is_some_and(|s| s.contains_key("aws_session_token")));
    assert_eq!(
        ini_section(&conf, "profile keyhop-new")
            .and_then(|s| s.get("region").cloned())
            .as_deref(),
        Some(REGION)
    );
    #[cfg(unix)] // file modes; Windows files take their directory's ACL
    assert_eq!(mode(&rig.credentials_path()), 0o600, "credentials mode while active");
    assert!(rig.caller_arn("keyhop-new").contains("123456789012"));
    // The foreign profiles still read the same through the AWS CLI.
    for name in ini_section_names(&orig_creds) {
        assert_eq!(
            ini_section(&creds, &name),
            ini_section(&orig_creds, &name),
            "[{name}] changed"
        );
    }

    rig.stop(&alias).ok();
    let now = rig.snapshot();
    assert!(
        now.credentials == before.credentials,
        "credentials not byte-identical after start+stop:\n{:?}",
        rig.credentials()
    );
    assert!(
        now.config == before.config,
        "config not byte-identical after start+stop:\n{:?}",
        rig.config()
    );
    #[cfg(unix)] // file modes; Windows files take their directory's ACL
    assert_eq!(mode(&rig.credentials_path()), 0o600, "credentials mode after stop");
}

/// Every non-blank line of `orig` outside `[section]` is in `now`, in order, byte for byte;
/// only the last line of a file without a final newline may gain the CR of its new line end.
fn assert_foreign_lines_kept(orig: &str, now: &str, section: &str) {
    let want = lines_outside(orig, section);
    let mut got = lines_outside(now, section);
    if !orig.ends_with('\n')
        && got.len() == want.len()
        && let (Some(last), Some(w)) = (got.last_mut(), want.last())
        && last.strip_suffix('\r') == Some(w.as_str())
    {
        last.pop();
    }
    assert_eq!(got, want, "foreign lines changed while active; file now:\n{now:?}");
}

#[test]
fn start_stop_keeps_commented_files() {
    start_stop_over(CREDS_COMMENTS, CONFIG_MIXED);
}

#[test]
fn start_stop_keeps_crlf_file_without_final_newline() {
    start_stop_over(CREDS_CRLF, CONFIG_MIXED);
}

#[test]
fn start_stop_without_files_leaves_no_profile() {
    let keys = moto_user(&unique("nofiles"));
    let rig = Rig::new();
    let alias = unique("nofiles");
    rig.add_user(&alias, "fresh", &keys, &[]).ok();
    rig.start(&alias).ok();
    #[cfg(unix)] // file modes; Windows files take their directory's ACL
    assert_eq!(
        mode(&rig.credentials_path()),
        0o600,
        "a new credentials file must be 0600"
    );
    assert!(rig.caller_arn("fresh").contains("123456789012"));
    rig.stop(&alias).ok();
    for path in [rig.credentials_path(), rig.config_path()] {
        let left = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            left.trim().is_empty(),
            "{} keeps {left:?} after start+stop",
            path.display()
        );
    }
}

#[test]
fn a_profile_that_is_not_keyhops_is_refused() {
    for (creds, profile) in [
        (CREDS_COMMENTS, "ci"),
        (CREDS_COMMENTS, "default"),
        (CREDS_CRLF, "work"),
    ] {
        let rig = Rig::new();
        rig.write_credentials(creds);
        rig.write_config(CONFIG_MIXED);
        let keys = fake_keys();
        let before = rig.snapshot();
        let alias = unique("clash");
        rig.add_user(&alias, profile, &keys, &[])
            .fails_with(&["already exists", profile]);
        rig.assert_unchanged(&before, &format!("adding a session on foreign profile {profile}"));
        assert!(!rig.state_text().contains(&alias), "the refused session was saved");
    }
}

#[test]
fn editing_onto_a_foreign_profile_is_refused() {
    let rig = Rig::new();
    rig.write_credentials(CREDS_COMMENTS);
    let alias = unique("edit");
    rig.add_user(&alias, "mine", &fake_keys(), &[]).ok();
    let before = rig.snapshot();
    rig.keyhop(&["session", "edit", &alias, "--profile", "ci"])
        .fails_with(&["already exists", "ci"]);
    rig.assert_unchanged(&before, "editing a session onto foreign profile ci");
}
