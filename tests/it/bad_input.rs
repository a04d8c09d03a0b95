//! Every bad input is refused with a message naming what is wrong, and changes nothing:
//! state.json and the AWS files stay byte-identical (or absent), and no secret is echoed.

use crate::common;
use common::*;

const DEV: &str = "arn:aws:iam::123456789012:role/Dev";
const DEVICE: &str = "arn:aws:iam::123456789012:mfa/alice";
const BAD_PROFILES: &[&str] = &["evil]\n[default", "a[b", "#x", " lead", ";x", "x\ny", ""];
const BAD_REGIONS: &[&str] = &["not a region", "eu-west-1]\n[x", "eu-west-1\nx = y", ""];

/// A rig with sessions already saved (so a change of state.json would show) and AWS files.
struct World {
    rig: Rig,
    keys: Keys,
    user: String,
    mfa_user: String,
    chained: String,
}

fn world() -> World {
    let rig = Rig::new();
    rig.write_credentials(b"# mine\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\n");
    rig.write_config(b"[profile other]\nregion = us-west-2\n");
    let keys = fake_keys();
    let (user, mfa_user, chained) = (unique("u"), unique("um"), unique("c"));
    rig.add_user(&user, "base", &keys, &[]).ok();
    rig.add_user(&mfa_user, "mfa", &fake_keys(), &["--mfa-device", DEVICE])
        .ok();
    rig.add_chained(&chained, "dev", DEV, "alice-dev", &user).ok();
    World {
        rig,
        keys,
        user,
        mfa_user,
        chained,
    }
}

impl World {
    /// Runs keyhop with `args` and `stdin`, expects a refusal mentioning `words`, no secret in
    /// the output, and no change to any file.
    #[track_caller]
    fn refused(&self, args: &[&str], stdin: &str, words: &[&str]) {
        let before = self.rig.snapshot();
        let out = self.rig.keyhop_in(args, stdin).fails_with(words);
        let mut secrets = vec![self.keys.secret.as_str()];
        let typed = stdin.trim();
        if typed.len() >= 8 {
            secrets.push(typed);
        }
        assert_no_secret(&out.all(), &secrets, &format!("the output of {args:?}"));
        self.rig.assert_unchanged(&before, &format!("{args:?}"));
    }
}

#[test]
fn add_iam_user_refuses_bad_fields() {
    let w = world();
    let k = fake_keys();
    let secret = format!("{}\n", k.secret);
    let alias = unique("new");
    for id in [
        "not-a-key",
        "AKIA123",
        "AKIAIOSFODNN7EXAMPL]\n[x",
        "AKIA IOSFODNN7EXAMP",
        "",
    ] {
        w.refused(&add_user_args(&alias, "newp", REGION, id), &secret, &["access key id"]);
    }
    let long = format!("{}x\n", k.secret);
    for bad_secret in ["tooShort\n", "\n", "", &long, &format!("{}\n", &k.secret[..39])] {
        w.refused(
            &add_user_args(&alias, "newp", REGION, &k.id),
            bad_secret,
            &["secret access key"],
        );
    }
    for device in [
        "arn:aws:iam::123:mfa/alice",
        "alice",
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:mfa/",
    ] {
        let mut args = add_user_args(&alias, "newp", REGION, &k.id);
        args.extend(["--mfa-device", device]);
        w.refused(&args, &secret, &["mfa device"]);
    }
    for profile in BAD_PROFILES {
        w.refused(
            &add_user_args(&alias, profile, REGION, &k.id),
            &secret,
            &["profile name"],
        );
    }
    for region in BAD_REGIONS {
        w.refused(&add_user_args(&alias, "newp", region, &k.id), &secret, &["region"]);
    }
    // Same alias as an existing session: refused, naming the alias.
    w.refused(
        &add_user_args(&w.user, "newp", REGION, &k.id),
        &secret,
        &["already", &w.user],
    );
    w.refused(
        &add_user_args(&w.chained, "newp", REGION, &k.id),
        &secret,
        &["already", &w.chained],
    );

    // The same command with good fields goes through: the refusals were about those fields.
    w.rig
        .keyhop_in(&add_user_args(&alias, "newp", REGION, &k.id), &secret)
        .ok();
    assert_eq!(w.rig.session(&alias)["profile"], "newp");
}

#[test]
fn add_role_chained_refuses_bad_fields() {
    let w = world();
    let alias = unique("newc");
    let args = |profile: &str, region: &str, arn: &str, name: &str, assumer: &str| -> Vec<String> {
        [
            "session",
            "add",
            "role-chained",
            "--alias",
            &alias,
            "--profile",
            profile,
            "--region",
            region,
            "--role-arn",
            arn,
            "--role-session-name",
            name,
            "--assumer",
            assumer,
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let refused = |a: Vec<String>, words: &[&str]| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        w.refused(&a, "", words);
    };
    for arn in [
        "arn:aws:iam::123:role/Dev",
        "not-an-arn",
        "arn:aws:iam::123456789012:user/Dev",
        "arn:aws:iam::123456789012:role/",
        "",
    ] {
        refused(args("newp", REGION, arn, "ok-name", &w.user), &["role arn"]);
    }
    let too_long = "x".repeat(65);
    for name in ["has space", "a", too_long.as_str(), "bad/slash", ""] {
        refused(args("newp", REGION, DEV, name, &w.user), &["role session name"]);
    }
    for profile in BAD_PROFILES {
        refused(args(profile, REGION, DEV, "ok-name", &w.user), &["profile name"]);
    }
    for region in BAD_REGIONS {
        refused(args("newp", region, DEV, "ok-name", &w.user), &["region"]);
    }
    let ghost = unique("ghost");
    refused(
        args("newp", REGION, DEV, "ok-name", &ghost),
        &["no session named", &ghost],
    );

    let good = args("newp", REGION, DEV, "ok-name", &w.chained);
    w.rig.keyhop(&good.iter().map(String::as_str).collect::<Vec<_>>()).ok();
    assert_eq!(w.rig.session(&alias)["assumer"], w.chained.as_str());
}

#[test]
fn start_refuses_bad_mfa_codes() {
    let w = world();
    for code in ["12345", "abcdef", "1234567", "12 345", ""] {
        w.refused(
            &["session", "start", &w.mfa_user, "--mfa-code", code],
            "",
            &["mfa code"],
        );
    }
    assert_eq!(w.rig.session(&w.mfa_user)["status"], "inactive");
}

#[test]
fn edit_refuses_bad_fields() {
    let w = world();
    let (u, c) = (w.user.as_str(), w.chained.as_str());
    for profile in BAD_PROFILES {
        w.refused(&["session", "edit", u, "--profile", profile], "", &["profile name"]);
        w.refused(&["session", "edit", c, "--profile", profile], "", &["profile name"]);
    }
    for region in BAD_REGIONS {
        w.refused(&["session", "edit", u, "--region", region], "", &["region"]);
    }
    for device in ["arn:aws:iam::123:mfa/alice", "alice"] {
        w.refused(&["session", "edit", u, "--mfa-device", device], "", &["mfa device"]);
    }
    for arn in ["arn:aws:iam::123:role/Dev", "not-an-arn"] {
        w.refused(&["session", "edit", c, "--role-arn", arn], "", &["role arn"]);
    }
    for name in ["has space", "a", "bad/slash"] {
        w.refused(
            &["session", "edit", c, "--role-session-name", name],
            "",
            &["role session name"],
        );
    }
    let ghost = unique("ghost");
    w.refused(
        &["session", "edit", c, "--assumer", &ghost],
        "",
        &["no session named", &ghost],
    );
    w.refused(&["session", "edit", u, "--alias", c], "", &["already", c]);
    w.refused(
        &["session", "edit", c, "--alias", &w.mfa_user],
        "",
        &["already", &w.mfa_user],
    );

    // Good edits go through.
    let renamed = unique("renamed");
    w.rig
        .keyhop(&[
            "session",
            "edit",
            u,
            "--alias",
            &renamed,
            "--region",
            "us-east-2",
            "--mfa-device",
            DEVICE,
        ])
        .ok();
    let s = w.rig.session(&renamed);
    assert_eq!(
        (s["region"].as_str(), s["mfa_device"].as_str()),
        (Some("us-east-2"), Some(DEVICE))
    );
    // The chained session follows its assumer's new alias.
    assert_eq!(w.rig.session(c)["assumer"], renamed.as_str());
    w.rig.keyhop(&["session", "edit", &renamed, "--no-mfa-device"]).ok();
    assert!(w.rig.session(&renamed)["mfa_device"].is_null());
}

#[test]
fn unknown_sessions_are_named_in_the_error() {
    let w = world();
    let ghost = unique("ghost");
    for args in [
        vec!["session", "start", ghost.as_str()],
        vec!["session", "stop", ghost.as_str()],
        vec!["session", "remove", ghost.as_str()],
        vec!["session", "edit", ghost.as_str(), "--region", "us-east-1"],
        vec!["credential-process", ghost.as_str()],
    ] {
        w.refused(&args, "", &["no session named", &ghost]);
    }
}

#[test]
fn bad_input_on_an_empty_home_creates_nothing() {
    let rig = Rig::new();
    let k = fake_keys();
    let alias = unique("empty");
    let cases: [(&str, &str, &str, &str); 3] = [
        ("a[b", REGION, "profile name", "newp"),
        ("newp", "not a region", "region", "newp"),
        ("newp", REGION, "access key id", "AKIA123"),
    ];
    for (profile, region, word, id) in cases {
        rig.keyhop_in(
            &[
                "session",
                "add",
                "iam-user",
                "--alias",
                &alias,
                "--profile",
                profile,
                "--region",
                region,
                "--access-key-id",
                id,
            ],
            &format!("{}\n", k.secret),
        )
        .fails_with(&[word]);
        let now = rig.snapshot();
        assert!(
            now.state.is_none() && now.credentials.is_none() && now.config.is_none(),
            "files created: {now:?}"
        );
    }
}
