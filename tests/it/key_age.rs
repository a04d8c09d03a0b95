//! The age of an IAM user's access key in `session list` (table and JSON): asked of IAM (moto)
//! at most once a day, cached in `key-ages.json`, never holding up the list when IAM is slow.

use crate::common;
use common::stubs::SilentEndpoint;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn key_ages_path(rig: &Rig) -> std::path::PathBuf {
    rig.keyhop_home.join("key-ages.json")
}

/// Moves the cached creation date (and, if `checked_days_ago`, the last check) into the past.
fn age_cache(rig: &Rig, created_days_ago: i64, checked_days_ago: Option<i64>) {
    let path = key_ages_path(rig);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("key-ages.json")).expect("key-ages JSON");
    let now = time::OffsetDateTime::now_utc();
    let at = |days: i64| {
        (now - time::Duration::days(days) - time::Duration::hours(1))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    for (_, r) in v["keys"].as_object_mut().expect("keys").iter_mut() {
        r["created"] = at(created_days_ago).into();
        if let Some(d) = checked_days_ago {
            r["checked"] = at(d).into();
        }
    }
    std::fs::write(&path, v.to_string()).unwrap();
}

fn table_line(rig: &Rig, alias: &str) -> String {
    let out = rig.keyhop(&["session", "list"]).ok();
    assert!(out.stdout.starts_with("ALIAS"), "{out}");
    assert!(out.stdout.lines().next().unwrap().contains("KEY AGE"), "{out}");
    out.stdout
        .lines()
        .find(|l| l.starts_with(alias))
        .unwrap_or_else(|| panic!("no line for {alias}: {out}"))
        .to_owned()
}

#[test]
fn a_new_key_is_zero_days_old_and_an_old_one_is_flagged() {
    let keys = moto_user(&unique("age"));
    let rig = Rig::new();
    let alias = unique("age");
    rig.add_user(&alias, "age", &keys, &[]).ok();

    let s = rig.session(&alias);
    assert_eq!(s["access_key_age_days"], 0, "{s}");
    let line = table_line(&rig, &alias);
    assert!(line.trim_end().ends_with("0d") && !line.contains('⚠'), "{line}");
    let cache = std::fs::read_to_string(key_ages_path(&rig)).expect("key-ages.json written");
    assert!(cache.contains(&keys.id), "{cache}");
    assert_no_secret(&cache, &[&keys.secret], "key-ages.json");
    assert!(
        !rig.state_text().contains("created"),
        "the key age went into state.json"
    );

    // A threshold of 0 days: every known key is due.
    rig.keyhop(&["settings", "set", "key-age-warn-days", "0"]).ok();
    assert!(table_line(&rig, &alias).contains("⚠ 0d, rotate"));
    rig.keyhop(&["settings", "set", "key-age-warn-days", "90"]).ok();

    // Within the day the cache is believed: a key made 100 days old there stays so (IAM was
    // not asked again, or it would say 0).
    age_cache(&rig, 100, None);
    assert_eq!(rig.session(&alias)["access_key_age_days"], 100);
    assert!(table_line(&rig, &alias).contains("⚠ 100d, rotate"));
    // A day after the last check IAM is asked again, and knows better.
    age_cache(&rig, 100, Some(2));
    assert_eq!(rig.session(&alias)["access_key_age_days"], 0);

    // Non-IAM sessions have no key age; bad thresholds are refused.
    rig.add_chained(&unique("role"), "r", "arn:aws:iam::123456789012:role/R", "nn", &alias)
        .ok();
    assert!(
        rig.list()
            .iter()
            .any(|s| s["kind"] == "role-chained" && s["access_key_age_days"].is_null())
    );
    rig.keyhop(&["settings", "set", "key-age-warn-days", "4000"])
        .fails_with(&["key age", "3650"]);
}

#[test]
fn a_silent_iam_does_not_hold_up_the_list() {
    let keys = moto_user(&unique("slowiam"));
    let rig = Rig::new();
    let alias = unique("slowiam");
    rig.add_user(&alias, "slow", &keys, &[]).ok();
    let iam = SilentEndpoint::start();
    let list = || {
        let mut cmd = Command::new(keyhop_bin());
        cmd.args(["session", "list", "--json"]);
        rig.apply_env(&mut cmd);
        cmd.env("AWS_ENDPOINT_URL_IAM", &iam.url);
        let t = Instant::now();
        let out = run(cmd, "", "keyhop session list --json (IAM silent)").ok();
        (out, t.elapsed())
    };
    let (out, first) = list();
    assert!(iam.connections() > 0, "IAM was never asked");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v[0]["access_key_age_days"].is_null(), "{out}");
    // The bound is 2 s; a process start and moto around it.
    assert!(first < Duration::from_secs(5), "list took {first:?} with a silent IAM");
    // The failed check counts as this day's: the next list does not wait again.
    let asked = iam.connections();
    let (_, second) = list();
    assert_eq!(iam.connections(), asked, "IAM asked again within the day");
    assert!(second < Duration::from_secs(1), "second list took {second:?}");
    eprintln!("key_age: list with a silent IAM {first:?}, then {second:?}");
}
