//! `keyhop import csv`: the IAM console's download and `aws configure import`'s form.

use crate::common;
use common::*;

fn import(rig: &Rig, csv: &str, alias: &str, profile: &str, extra: &[&str]) -> Out {
    let file = rig.home.join(format!("{alias}.csv"));
    std::fs::write(&file, csv).expect("write csv");
    let file = file.to_str().expect("utf-8 path").to_owned();
    let mut args = vec![
        "import",
        "csv",
        &file,
        "--alias",
        alias,
        "--profile",
        profile,
        "--region",
        REGION,
    ];
    args.extend_from_slice(extra);
    rig.keyhop(&args)
}

/// Imports `csv` (built from the keys), starts the session and proves it with the AWS CLI.
fn import_and_use(make_csv: impl Fn(&Keys) -> String, extra: &[&str]) -> (Rig, String) {
    let keys = moto_user(&unique("csv"));
    let rig = Rig::new();
    let alias = unique("csv");
    let out = import(&rig, &make_csv(&keys), &alias, "imported", extra).ok();
    assert_no_secret(&out.all(), &[&keys.secret], "import output");
    assert_no_secret(&rig.state_text(), &[&keys.secret], "state.json");
    let s = rig.session(&alias);
    assert_eq!(s["kind"], "iam-user");
    assert_eq!(s["profile"], "imported");
    assert_eq!(s["region"], REGION);
    let items = keyring_items();
    assert!(items.contains(&keys.secret), "imported secret is not in the keyring");
    assert!(
        items.contains(s["id"].as_str().expect("id")),
        "no keyring item for the imported session"
    );
    if extra.is_empty() {
        let start = rig.start(&alias).ok();
        assert_no_secret(&start.all(), &[&keys.secret], "start output");
        assert!(rig.caller_arn("imported").contains("123456789012"));
    }
    (rig, alias)
}

#[test]
fn console_download_with_bom_and_crlf() {
    import_and_use(
        |k| format!("\u{feff}Access key ID,Secret access key\r\n{},{}\r\n", k.id, k.secret),
        &[],
    );
}

#[test]
fn console_download_plain() {
    import_and_use(
        |k| format!("Access key ID,Secret access key\n{},{}\n", k.id, k.secret),
        &[],
    );
}

#[test]
fn configure_import_form_with_user_name() {
    import_and_use(
        |k| {
            format!(
                "User Name,Access Key ID,Secret Access key\nalice,{},{}\n",
                k.id, k.secret
            )
        },
        &[],
    );
}

#[test]
fn headers_are_case_insensitive_with_bom_and_crlf() {
    import_and_use(
        |k| {
            format!(
                "\u{feff}user name,ACCESS KEY ID,SECRET ACCESS KEY\r\nalice,{},{}\r\n",
                k.id, k.secret
            )
        },
        &[],
    );
}

#[test]
fn import_with_mfa_device() {
    let device = "arn:aws:iam::123456789012:mfa/alice";
    let (rig, alias) = import_and_use(
        |k| format!("Access key ID,Secret access key\n{},{}\n", k.id, k.secret),
        &["--mfa-device", device],
    );
    assert_eq!(rig.session(&alias)["mfa_device"], device);
    rig.start(&alias).fails_with(&["--mfa-code"]);
    rig.keyhop(&["session", "start", &alias, "--mfa-code", "123456"]).ok();
    assert!(rig.caller_arn("imported").contains("123456789012"));
}

#[test]
fn a_bad_csv_changes_nothing() {
    let good = fake_keys();
    let cases: [(String, &[&str]); 4] = [
        (
            format!("Access key ID,Secret access key\nnot-a-key,{}\n", good.secret),
            &["access key id"],
        ),
        (
            format!("Access key ID,Secret access key\n{},tooShort\n", good.id),
            &["secret access key"],
        ),
        (
            format!(
                "User Name,Access Key ID,Secret Access key\nalice,AKIA123,{}\n",
                good.secret
            ),
            &["access key id"],
        ),
        (
            format!("Access key ID,Secret access key\n{},{}x\n", good.id, good.secret),
            &["secret access key"],
        ),
    ];
    for (csv, words) in cases {
        let rig = Rig::new();
        rig.write_credentials(b"[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n");
        let before = rig.snapshot();
        let alias = unique("badcsv");
        let out = import(&rig, &csv, &alias, "imported", &[]).fails_with(words);
        assert_no_secret(&out.all(), &[&good.secret], "the error of a bad import");
        rig.assert_unchanged(&before, &format!("importing {csv:?}"));
    }
}

#[test]
fn a_csv_without_the_key_columns_is_refused() {
    let rig = Rig::new();
    let keys = fake_keys();
    let before = rig.snapshot();
    let csv = format!("Name,Key,Secret\nalice,{},{}\n", keys.id, keys.secret);
    let out = import(&rig, &csv, &unique("nocols"), "imported", &[]).fails_with(&["access key id"]);
    assert_no_secret(&out.all(), &[&keys.secret], "the error of a bad import");
    rig.assert_unchanged(&before, "importing a CSV without the expected headers");
}
