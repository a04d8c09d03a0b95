//! Sessions sharing one named profile (like Leapp's `default`): one active at a time.

use crate::common;
use common::*;

#[test]
fn starting_a_session_stops_the_other_one_on_its_profile() {
    let keys = moto_user(&unique("shared"));
    let rig = Rig::new();
    let (u, a, b) = (unique("u"), unique("a"), unique("b"));
    rig.add_user(&u, "base", &keys, &[]).ok();
    // Role sessions get distinct credentials from moto, so the profile tells whose it is.
    rig.add_chained(&a, "default", "arn:aws:iam::123456789012:role/RoleA", "sess-a", &u)
        .ok();
    rig.add_chained(&b, "default", "arn:aws:iam::123456789012:role/RoleB", "sess-b", &u)
        .ok();

    rig.start(&a).ok();
    assert!(rig.caller_arn("default").contains("assumed-role/RoleA/sess-a"));
    let a_key = ini_section(&rig.credentials(), "default").expect("[default]")["aws_access_key_id"].clone();

    rig.start(&b).ok();
    assert_eq!(rig.session(&a)["status"], "inactive", "A is still marked active");
    assert!(
        rig.session(&a)["expiration"].is_null(),
        "inactive A keeps an expiration"
    );
    assert_eq!(rig.session(&b)["status"], "active");
    let creds = rig.credentials();
    assert_eq!(
        ini_section_names(&creds).iter().filter(|n| *n == "default").count(),
        1,
        "[default] must appear once:\n{creds}"
    );
    let b_key = ini_section(&creds, "default").expect("[default]")["aws_access_key_id"].clone();
    assert_ne!(a_key, b_key, "[default] still holds A's credentials");
    assert!(rig.caller_arn("default").contains("assumed-role/RoleB/sess-b"));
    // The profile's region went to [default] in config (not [profile default]).
    let config = rig.config();
    assert_eq!(
        ini_section(&config, "default")
            .and_then(|s| s.get("region").cloned())
            .as_deref(),
        Some(REGION),
        "config:\n{config}"
    );
    assert!(
        ini_section(&config, "profile default").is_none(),
        "config has [profile default]:\n{config}"
    );

    // And back: A takes the profile again, B is stopped.
    rig.start(&a).ok();
    assert_eq!(rig.session(&b)["status"], "inactive");
    assert!(rig.caller_arn("default").contains("assumed-role/RoleA/sess-a"));

    // Stopping the inactive one leaves the active one alone.
    rig.stop(&b).ok();
    assert_eq!(rig.session(&a)["status"], "active");
    assert!(rig.caller_arn("default").contains("assumed-role/RoleA/sess-a"));
}
