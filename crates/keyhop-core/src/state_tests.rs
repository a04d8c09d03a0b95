use super::*;

fn store() -> (tempfile::TempDir, StateStore) {
    let d = tempfile::tempdir().unwrap();
    let s = StateStore::at(d.path().join("keyhop"));
    (d, s)
}

#[test]
fn missing_file_is_an_empty_state_and_nothing_is_written_for_a_no_op() {
    let (_d, s) = store();
    assert_eq!(s.load().unwrap().sessions.len(), 0);
    s.update(|_| Ok::<_, StateError>(())).unwrap();
    assert!(!s.path().exists());
}

#[test]
fn corrupt_file_is_refused_and_left_alone() {
    let (_d, s) = store();
    fs::create_dir_all(s.dir()).unwrap();
    fs::write(s.path(), "{ not json").unwrap();
    let e = s.load().unwrap_err().to_string();
    assert!(
        e.contains("corrupt") && e.contains(&s.path().display().to_string()),
        "{e}"
    );
    let r = s.update(|st| {
        st.version = 1;
        Ok::<_, StateError>(())
    });
    assert!(r.is_err());
    assert_eq!(fs::read_to_string(s.path()).unwrap(), "{ not json");
}

#[test]
fn unknown_version_is_refused() {
    let (_d, s) = store();
    fs::create_dir_all(s.dir()).unwrap();
    fs::write(s.path(), r#"{"version": 9, "sessions": []}"#).unwrap();
    let e = s.load().unwrap_err().to_string();
    assert!(e.contains("version 9"), "{e}");
}

#[test]
fn an_update_that_changes_nothing_writes_nothing() {
    let (_d, s) = store();
    // Give the state a change so that it is written.
    let write_version = |v: u32| {
        fs::create_dir_all(s.dir()).unwrap();
        fs::write(
            s.path(),
            format!("{{\"version\": 1, \"sessions\": []}}\n{}", " ".repeat(v as usize)),
        )
        .unwrap();
    };
    write_version(3);
    let before = fs::read_to_string(s.path()).unwrap();
    s.update(|st| {
        st.sessions.clear();
        st.version = STATE_VERSION;
        Ok::<_, StateError>(())
    })
    .unwrap();
    // Nothing changed: nothing written, no backup.
    assert!(!s.backup_path().exists());
    assert_eq!(fs::read_to_string(s.path()).unwrap(), before);
}

#[cfg(unix)]
#[test]
fn state_file_is_private() {
    use crate::session::*;
    use crate::validate::*;
    use std::os::unix::fs::PermissionsExt;
    let (_d, s) = store();
    let sess = Session {
        id: SessionId::random(),
        alias: SessionAlias::parse("a").unwrap(),
        profile: ProfileName::parse("a").unwrap(),
        region: Region::parse("us-east-1").unwrap(),
        kind: SessionKind::IamUser(crate::kinds::IamUser {
            mfa_device: None,
            duration: SessionDuration::DEFAULT,
            mfa_process: None,
        }),
        active: None,
    };
    s.update(|st| {
        st.sessions.push(sess.clone());
        Ok::<_, StateError>(())
    })
    .unwrap();
    s.update(|st| {
        st.sessions[0].alias = SessionAlias::parse("b").unwrap();
        Ok::<_, StateError>(())
    })
    .unwrap();
    let mode = fs::metadata(s.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(s.load().unwrap().sessions[0].alias.as_str(), "b");
    let bak = fs::read_to_string(s.backup_path()).unwrap();
    assert!(bak.contains("\"a\""), "backup holds the previous state: {bak}");
}

#[test]
fn concurrent_updates_lose_nothing() {
    let (_d, s) = store();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let s = s.clone();
            std::thread::spawn(move || {
                for j in 0..10 {
                    s.update(|st| {
                        use crate::session::*;
                        use crate::validate::*;
                        st.sessions.push(Session {
                            id: SessionId::random(),
                            alias: SessionAlias::parse(&format!("s{i}-{j}")).unwrap(),
                            profile: ProfileName::parse("p").unwrap(),
                            region: Region::parse("us-east-1").unwrap(),
                            kind: SessionKind::IamUser(crate::kinds::IamUser {
                                mfa_device: None,
                                duration: SessionDuration::DEFAULT,
                                mfa_process: None,
                            }),
                            active: None,
                        });
                        Ok::<_, StateError>(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(s.load().unwrap().sessions.len(), 80);
}

#[cfg(unix)]
#[test]
fn an_existing_state_dir_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, s) = store();
    fs::create_dir_all(s.dir()).unwrap();
    fs::set_permissions(s.dir(), fs::Permissions::from_mode(0o755)).unwrap();
    s.load().unwrap();
    let mode = fs::metadata(s.dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
}
