//! Many keyhop processes at once on one state file and one credentials file.

use crate::common;
use common::*;
use std::sync::Arc;

const N: usize = 20;

#[test]
fn twenty_parallel_starts_and_stops_all_land() {
    let keys = moto_user(&unique("many"));
    let rig = Arc::new(Rig::new());
    let aliases: Vec<String> = (0..N).map(|i| unique(&format!("s{i:02}"))).collect();
    for (i, alias) in aliases.iter().enumerate() {
        rig.add_user(alias, &format!("p{i:02}"), &keys, &[]).ok();
    }
    let before = rig.snapshot();

    let run_all = |verb: &'static str| {
        let handles: Vec<_> = aliases
            .iter()
            .map(|alias| {
                let (rig, alias) = (Arc::clone(&rig), alias.clone());
                std::thread::spawn(move || rig.keyhop(&["session", verb, &alias]))
            })
            .collect();
        for h in handles {
            h.join().expect("thread").ok();
        }
    };

    run_all("start");
    let creds = rig.credentials();
    let config = rig.config();
    for i in 0..N {
        let p = format!("p{i:02}");
        let section =
            ini_section(&creds, &p).unwrap_or_else(|| panic!("[{p}] missing after parallel starts:\n{creds}"));
        for key in [
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws_session_token",
            "x_security_token_expires",
        ] {
            assert!(section.contains_key(key), "[{p}] lacks {key}:\n{creds}");
        }
        let region = ini_section(&config, &format!("profile {p}")).and_then(|s| s.get("region").cloned());
        assert_eq!(region.as_deref(), Some(REGION), "[profile {p}] region:\n{config}");
    }
    assert_eq!(ini_section_names(&creds).len(), N, "credentials sections:\n{creds}");
    for p in ["p00", "p10", "p19"] {
        assert!(rig.caller_arn(p).contains("123456789012"), "profile {p} does not work");
    }
    let list = rig.list();
    assert_eq!(list.len(), N);
    let active = list.iter().filter(|s| s["status"] == "active").count();
    assert_eq!(active, N, "list shows {active} of {N} active");
    #[cfg(unix)] // file modes; Windows files take their directory's ACL
    assert_eq!(mode(&rig.credentials_path()), 0o600);

    run_all("stop");
    assert!(
        rig.list().iter().all(|s| s["status"] == "inactive"),
        "some session still active"
    );
    let creds = rig.credentials();
    assert!(
        ini_section_names(&creds).is_empty(),
        "profiles left after parallel stops:\n{creds}"
    );
    let now = rig.snapshot();
    for (name, a, b) in [
        ("credentials", &before.credentials, &now.credentials),
        ("config", &before.config, &now.config),
    ] {
        let blank = |x: &Option<Vec<u8>>| x.as_ref().is_none_or(|b| b.iter().all(u8::is_ascii_whitespace));
        assert!(
            a == b || (blank(a) && blank(b)),
            "{name} not back to its first state after stops"
        );
    }
}
