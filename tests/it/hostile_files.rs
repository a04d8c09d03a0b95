//! Hostile AWS files: the shapes users' files really take, and the ones that break readers.
//! Each case runs `keyhop session start` / `stop` (or a start keyhop must refuse) and is judged
//! by the real AWS CLI: the profiles keyhop does not own read the same before, during and after,
//! keyhop's profile works while active, and stop leaves the files byte-identical. A refused
//! start says why in one line and changes no byte of state.json or the AWS files.
// Unix signals, modes and symlinks are what these tests are about.
#![cfg(unix)]

use crate::common;
use common::*;
use std::path::Path;

/// What the AWS CLI reads for each of `profiles`: `aws configure get KEY --profile P` (exit
/// status and output) for the access key id and the region.
fn aws_reads(rig: &Rig, profiles: &[&str]) -> Vec<String> {
    let mut out = vec![];
    for profile in profiles {
        for key in ["aws_access_key_id", "region"] {
            let o = rig.aws(&["configure", "get", key, "--profile", profile]);
            out.push(format!(
                "[{profile}] {key}: {} {}",
                o.status.code().unwrap_or(-1),
                o.stdout.trim()
            ));
        }
    }
    out
}

/// A rig whose IAM user session `alias` on `profile` exists (added over ordinary files, so the
/// hostile files are put in place afterwards by the caller).
fn rig_with_session(profile: &str) -> (Rig, String) {
    let keys = moto_user(&unique("hostile"));
    let rig = Rig::new();
    let alias = unique("hostile");
    rig.add_user(&alias, profile, &keys, &[]).ok();
    (rig, alias)
}

/// Start and stop of `profile` over the files as they are now: the AWS CLI reads `foreign`
/// the same throughout, keyhop's profile works while active, the credentials file is 0600,
/// and after stop both files are byte-identical to before.
fn start_stop_judged(rig: &Rig, alias: &str, profile: &str, foreign: &[&str]) {
    let before = rig.snapshot();
    let read_before = aws_reads(rig, foreign);
    rig.start(alias).ok();
    assert!(
        rig.caller_arn(profile).contains("123456789012"),
        "keyhop's profile does not work"
    );
    assert_eq!(
        aws_reads(rig, foreign),
        read_before,
        "the AWS CLI reads foreign profiles differently while keyhop's is active"
    );
    assert_eq!(
        rig.aws(&["configure", "get", "region", "--profile", profile])
            .ok()
            .stdout
            .trim(),
        REGION
    );
    assert_eq!(mode(&real_path(&rig.credentials_path())), 0o600);
    rig.stop(alias).ok();
    let after = rig.snapshot();
    assert!(
        after.credentials == before.credentials,
        "credentials not byte-identical after start+stop:\n{:?}",
        rig.credentials()
    );
    assert!(
        after.config == before.config,
        "config not byte-identical after start+stop:\n{:?}",
        rig.config()
    );
    assert_eq!(aws_reads(rig, foreign), read_before);
}

/// A start keyhop must refuse: one line naming `words`, no byte changed, the AWS CLI reads the
/// same as before.
fn refused_start(rig: &Rig, alias: &str, words: &[&str], foreign: &[&str]) {
    let before = rig.snapshot();
    let read_before = aws_reads(rig, foreign);
    rig.start(alias).fails_with(words);
    rig.assert_unchanged(&before, "a refused start");
    assert_eq!(aws_reads(rig, foreign), read_before);
    assert_eq!(rig.session(alias)["status"], "inactive");
}

/// The file a symlink points to (the path itself otherwise).
fn real_path(path: &Path) -> std::path::PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

const FOREIGN: &str = "[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = otherSecretExampleXXXXXXXXXXXXXXXXXXXXXX\n";

#[test]
fn duplicate_sections_are_refused_until_fixed() {
    // botocore refuses a file with a repeated section: the AWS CLI fails on it for every
    // command. keyhop says where, changes nothing, and works once the user fixed it.
    let (rig, alias) = rig_with_session("mine");
    let broken = format!("{FOREIGN}\n[other]\nregion = us-west-2\n");
    rig.write_credentials(broken.as_bytes());
    assert!(!rig.aws(&["configure", "get", "region", "--profile", "other"]).success());
    refused_start(&rig, &alias, &["line 5", "repeats section", "[other]"], &["other"]);

    // The same in the config file: refused before the credentials are touched.
    rig.write_credentials(FOREIGN.as_bytes());
    rig.write_config(b"[profile x]\nregion = us-west-2\n[profile x]\noutput = json\n");
    refused_start(&rig, &alias, &["config", "line 3", "repeats section"], &["other"]);

    rig.write_config(b"[profile x]\nregion = us-west-2\noutput = json\n");
    start_stop_judged(&rig, &alias, "mine", &["other", "x"]);
}

#[test]
fn a_header_with_a_comment_is_edited_not_repeated() {
    // `[profile mine] # sandbox` is section "profile mine" to botocore. Adding a second one
    // would make the AWS CLI refuse the whole config file.
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(FOREIGN.as_bytes());
    rig.write_config(b"[profile mine] # sandbox\noutput = json\n\n[profile other] ; note\nregion = us-west-2\n");
    rig.start(&alias).ok();
    assert_eq!(rig.config().matches("[profile mine]").count(), 1, "{:?}", rig.config());
    assert_eq!(
        rig.aws(&["configure", "get", "output", "--profile", "mine"])
            .ok()
            .stdout
            .trim(),
        "json"
    );
    rig.stop(&alias).ok();
    start_stop_judged(&rig, &alias, "mine", &["other"]);
}

#[test]
fn crlf_files() {
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(
        b"# keys\r\n[default]\r\naws_access_key_id = AKIADEFAULTDEFAULT01\r\naws_secret_access_key = s\r\n\r\n[other] ; crlf\r\naws_access_key_id=AKIAOTHEROTHEROTHER1\r\naws_secret_access_key=s",
    );
    rig.write_config(b"[default]\r\nregion = eu-central-1\r\n[profile other]\r\nregion = us-west-2\r\n");
    start_stop_judged(&rig, &alias, "mine", &["default", "other"]);
}

#[test]
fn lone_cr_files() {
    // Old Mac line ends: Python's universal newlines read each CR as a line end.
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(b"[other]\raws_access_key_id = AKIAOTHEROTHEROTHER1\raws_secret_access_key = s\r");
    rig.write_config(b"[profile other]\rregion = us-west-2\r");
    start_stop_judged(&rig, &alias, "mine", &["other"]);
}

#[test]
fn tabs_and_odd_spacing() {
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(
        b"[other]\n\taws_access_key_id\t=\tAKIAOTHEROTHEROTHER1\naws_secret_access_key:\tsecretsecret\n\n\t# tabbed comment\n[  spaced  ]\naws_access_key_id =   AKIASPACEDSPACED0001\naws_secret_access_key = s\n",
    );
    rig.write_config(b"[profile other]\n\tregion\t=\tus-west-2\n\ts3 =\n\t\tmax_concurrent_requests = 4\n");
    start_stop_judged(&rig, &alias, "mine", &["other", "  spaced  "]);
}

#[test]
fn ten_thousand_profiles() {
    use std::fmt::Write;
    let (rig, alias) = rig_with_session("mine");
    let mut creds = String::from("# a big credentials file\n");
    let mut config = String::new();
    for i in 0..10_000 {
        let _ = write!(
            creds,
            "[p{i:05}]\naws_access_key_id = AKIAEXAMPLE{i:09}\naws_secret_access_key = secretExampleXXXXXXXXXXXXXXXXXXXXXXX{i:05}\n\n"
        );
        let _ = write!(config, "[profile p{i:05}]\nregion = us-east-1\n\n");
    }
    rig.write_credentials(creds.as_bytes());
    rig.write_config(config.as_bytes());
    let started = std::time::Instant::now();
    start_stop_judged(&rig, &alias, "mine", &["p00000", "p09999"]);
    eprintln!("start+stop over 10,000 profiles, judged: {:?}", started.elapsed());
}

#[test]
fn a_symlinked_credentials_file() {
    let (rig, alias) = rig_with_session("mine");
    let dotfiles = rig.home.join("dotfiles");
    std::fs::create_dir_all(&dotfiles).expect("mkdir");
    let real = dotfiles.join("aws-credentials");
    write_0600(&real, FOREIGN.as_bytes());
    std::os::unix::fs::symlink("../dotfiles/aws-credentials", rig.credentials_path()).expect("symlink");
    rig.write_config(b"[profile other]\nregion = us-west-2\n");
    start_stop_judged(&rig, &alias, "mine", &["other"]);
    let link = std::fs::symlink_metadata(rig.credentials_path()).expect("lstat");
    assert!(link.file_type().is_symlink(), "the symlink was replaced by a file");
    assert_eq!(std::fs::read(&real).expect("read"), FOREIGN.as_bytes());
}

#[test]
fn a_read_only_credentials_file() {
    // Root can write any file and a rename ignores the mode: keyhop must check it itself.
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(FOREIGN.as_bytes());
    set_mode(&rig.credentials_path(), 0o444);
    refused_start(&rig, &alias, &["read-only", "0444", "credentials"], &["other"]);
    assert_eq!(mode(&rig.credentials_path()), 0o444);
}

#[test]
fn a_directory_where_the_credentials_file_should_be() {
    let (rig, alias) = rig_with_session("mine");
    std::fs::create_dir(rig.credentials_path()).expect("mkdir");
    refused_start(&rig, &alias, &["not a regular file", "credentials"], &[]);
    assert!(rig.credentials_path().is_dir());
}

#[test]
fn a_non_utf8_credentials_file() {
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(b"[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n# caf\xe9\n");
    refused_start(&rig, &alias, &["UTF-8", "credentials"], &["other"]);
}

#[test]
fn a_byte_order_mark() {
    // Python keeps the BOM as a character before `[`: botocore refuses the file.
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(format!("\u{feff}{FOREIGN}").as_bytes());
    assert!(!rig.aws(&["configure", "get", "region", "--profile", "other"]).success());
    refused_start(&rig, &alias, &["byte-order mark", "line 1"], &["other"]);
}

#[test]
fn keys_before_any_section() {
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(format!("region = eu-west-1\n{FOREIGN}").as_bytes());
    refused_start(&rig, &alias, &["line 1", "outside any [section]"], &["other"]);
}

#[test]
fn mode_backup_and_leftovers_are_taken_care_of() {
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(FOREIGN.as_bytes());
    rig.write_config(b"[profile other]\nregion = us-west-2\n");
    set_mode(&rig.credentials_path(), 0o644);
    set_mode(&rig.keyhop_home, 0o755);
    let aws = rig.home.join(".aws");
    let stale = aws.join(".keyhop-tmp-Kx7q2Z");
    std::fs::write(&stale, "[mine]\naws_secret_access_key = left by a killed keyhop\n").expect("write");

    rig.start(&alias).ok();
    assert_eq!(
        mode(&rig.credentials_path()),
        0o600,
        "a 0644 credentials file stays 0644"
    );
    assert!(!stale.exists(), "a killed keyhop's temp file is still there");
    assert_eq!(mode(&rig.keyhop_home), 0o700, "KEYHOP_HOME is not private");
    let backup = aws.join("credentials.keyhop-backup");
    assert_eq!(std::fs::read(&backup).expect("credentials backup"), FOREIGN.as_bytes());
    assert_eq!(mode(&backup), 0o600);
    let config_backup = aws.join("config.keyhop-backup");
    assert_eq!(
        std::fs::read(&config_backup).expect("config backup"),
        b"[profile other]\nregion = us-west-2\n"
    );

    // Made once: later writes leave it as it was.
    rig.stop(&alias).ok();
    rig.start(&alias).ok();
    rig.stop(&alias).ok();
    assert_eq!(std::fs::read(&backup).expect("credentials backup"), FOREIGN.as_bytes());
    let leftovers: Vec<String> = std::fs::read_dir(&aws)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".keyhop-tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_symlink_planted_where_the_backup_goes_is_not_followed_and_is_reported() {
    let (rig, alias) = rig_with_session("mine");
    rig.write_credentials(FOREIGN.as_bytes());
    let aws = rig.home.join(".aws");
    let elsewhere = rig.home.join("elsewhere");
    std::os::unix::fs::symlink(&elsewhere, aws.join("credentials.keyhop-backup")).expect("symlink");
    let out = rig.start(&alias).ok();
    let notes: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("keyhop: note:")).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("credentials.keyhop-backup") && n.contains("no copy")),
        "the skipped backup was not reported: {out}"
    );
    assert!(!elsewhere.exists(), "keyhop wrote through the planted symlink");
    assert!(rig.caller_arn("mine").contains("123456789012"));
}
