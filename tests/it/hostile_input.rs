//! Input pasted into the wrong place: a secret in a field that is not secret is never echoed
//! back, a huge value is not echoed whole, and a profile name the AWS CLI could not address is
//! refused with the reason. Every refusal changes nothing.

use crate::common;
use common::*;

#[test]
fn a_secret_pasted_as_the_access_key_id_is_not_echoed() {
    let rig = Rig::new();
    let keys = fake_keys();
    let before = rig.snapshot();
    let alias = unique("swap");
    // The classic mistake: the 40-character secret in the key id field.
    let out = rig
        .keyhop_in(
            &add_user_args(&alias, "p", REGION, &keys.secret),
            &format!("{}\n", keys.id),
        )
        .fails_with(&["access key id", "40 characters", "secret access key"]);
    assert_no_secret(&out.all(), &[&keys.secret, &keys.secret[..12]], "the refusal");
    rig.assert_unchanged(&before, "a secret given as the access key id");
}

#[test]
fn a_csv_with_swapped_columns_echoes_neither_value() {
    let rig = Rig::new();
    let keys = fake_keys();
    let file = rig.home.join("keys.csv");
    std::fs::write(
        &file,
        format!("Access key ID,Secret access key\n{},{}\n", keys.secret, keys.id),
    )
    .expect("write csv");
    let before = rig.snapshot();
    let out = rig
        .keyhop(&[
            "import",
            "csv",
            file.to_str().expect("utf-8 path"),
            "--alias",
            &unique("csv"),
            "--profile",
            "p",
            "--region",
            REGION,
        ])
        .fails_with(&["swapped"]);
    assert_no_secret(&out.all(), &[&keys.secret, &keys.secret[..12], &keys.id], "the refusal");
    rig.assert_unchanged(&before, "importing a CSV with swapped columns");
}

#[test]
fn a_huge_value_is_not_echoed_whole() {
    // 100 kB: Linux takes at most 128 kB in one argument.
    let huge = "x".repeat(100_000);
    let rig = Rig::new();
    let keys = fake_keys();
    let secret = format!("{}\n", keys.secret);
    let before = rig.snapshot();
    for (args, word) in [
        (add_user_args(&huge, "p", REGION, &keys.id), "alias"),
        (add_user_args("a", &huge, REGION, &keys.id), "profile name"),
        (add_user_args("a", "p", &huge, &keys.id), "region"),
        (add_user_args("a", "p", REGION, &huge), "access key id"),
    ] {
        let out = rig.keyhop_in(&args, &secret).fails_with(&[word]);
        assert!(
            out.stderr.len() < 1000,
            "{} bytes of error for {word}",
            out.stderr.len()
        );
    }
    rig.assert_unchanged(&before, "huge values");
}

#[test]
fn profile_names_the_aws_cli_cannot_address_are_refused() {
    let rig = Rig::new();
    let keys = fake_keys();
    let secret = format!("{}\n", keys.secret);
    let before = rig.snapshot();
    for name in ["a b", "it's", "say\"hi\"", "back\\slash"] {
        rig.keyhop_in(&add_user_args(&unique("n"), name, REGION, &keys.id), &secret)
            .fails_with(&["profile name", "AWS CLI"]);
    }
    rig.keyhop_in(&add_user_args(&unique("n"), "DEFAULT", REGION, &keys.id), &secret)
        .fails_with(&["profile name", "DEFAULT", "every profile"]);
    rig.assert_unchanged(&before, "unaddressable profile names");
}
