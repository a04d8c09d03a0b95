//! The engine against a real STS (moto, from `cargo xtask test`) with the in-memory secret
//! store: the start / reuse / refresh decision table, the edit rules and the remove rules, all
//! through the public API and by `SessionId`.

use keyhop_core::aws_files::AwsFiles;
use keyhop_core::engine::{NewSession, SessionEdit, StopOutcome};
use keyhop_core::kinds::{KindEdit, KindName, NewKind, iam_user, role_chained};
use keyhop_core::secrets::{LongTermKeys, MemoryStore};
use keyhop_core::session::{SessionId, SessionStatus};
use keyhop_core::state::StateStore;
use keyhop_core::validate::{
    AccessKeyId, MfaCode, MfaDevice, ProfileName, Region, RoleArn, RoleSessionName, SecretAccessKey, SessionAlias,
    SessionDuration,
};
use keyhop_core::{Endpoints, Engine, Error};

/// What a test prints when it cannot run; `cargo xtask test` counts it as skipped (and always
/// provides moto, so there it never skips).
const SKIP_MARK: &str = "KEYHOP SERVICE TEST SKIPPED";

struct World {
    _dir: tempfile::TempDir,
    engine: Engine<MemoryStore>,
    files: AwsFiles,
}

fn world() -> Option<World> {
    let Ok(moto) = std::env::var("KEYHOP_TEST_MOTO") else {
        use std::io::Write;
        // Not eprintln!: libtest captures that for passing tests.
        let line = format!("\n!!!!! {SKIP_MARK}: no moto (KEYHOP_TEST_MOTO); run `cargo xtask test` !!!!!\n");
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = AwsFiles {
        credentials: dir.path().join("credentials"),
        config: dir.path().join("config"),
    };
    let engine = Engine::new(
        StateStore::at(dir.path().join("keyhop")),
        files.clone(),
        MemoryStore::default(),
        Endpoints::all_at(&moto),
    );
    Some(World {
        _dir: dir,
        engine,
        files,
    })
}

fn keys(n: u32) -> LongTermKeys {
    LongTermKeys {
        access_key_id: AccessKeyId::parse(&format!("AKIA{n:016}")).unwrap(),
        secret_access_key: SecretAccessKey::parse(&format!("{n:040}")).unwrap(),
    }
}

fn common(alias: &str) -> (SessionAlias, ProfileName, Region) {
    (
        SessionAlias::parse(alias).unwrap(),
        ProfileName::parse(alias).unwrap(),
        Region::parse("eu-west-1").unwrap(),
    )
}

const DEVICE: &str = "arn:aws:iam::123456789012:mfa/alice";

impl World {
    fn user(&self, alias: &str, mfa: bool) -> SessionId {
        let (alias, profile, region) = common(alias);
        let kind = NewKind::IamUser(iam_user::New {
            keys: keys(1),
            mfa_device: mfa.then(|| MfaDevice::parse(DEVICE).unwrap()),
            duration: SessionDuration::from_secs(3600).unwrap(),
            mfa_process: None,
        });
        let s = self.engine.add(NewSession {
            alias,
            profile,
            region,
            kind,
        });
        s.unwrap().id
    }

    fn role(&self, alias: &str, assumer: &SessionId) -> SessionId {
        let (alias, profile, region) = common(alias);
        let kind = NewKind::RoleChained(role_chained::New {
            role_arn: RoleArn::parse("arn:aws:iam::123456789012:role/Admin").unwrap(),
            role_session_name: RoleSessionName::parse("alice").unwrap(),
            assumer: assumer.clone(),
        });
        self.engine
            .add(NewSession {
                alias,
                profile,
                region,
                kind,
            })
            .unwrap()
            .id
    }

    /// The access key id written into `profile`, if any.
    fn key_in_profile(&self, profile: &str) -> Option<String> {
        let text = std::fs::read_to_string(&self.files.credentials).ok()?;
        keyhop_core::aws_files::IniDoc::parse(&text).get(profile, "aws_access_key_id")
    }
}

/// moto takes any well-formed code.
fn code() -> Option<MfaCode> {
    MfaCode::parse("123456").ok()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Seconds pass between two STS answers, so two tokens can be told apart by their expiration
/// (moto hands out the same example key for every GetSessionToken).
fn next_second() {
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

#[test]
fn iam_user_start_reuses_its_cached_token_and_refresh_gets_a_new_one() {
    let Some(w) = world() else { return };
    let rt = rt();
    let id = w.user("u", false);
    let first = rt.block_on(w.engine.start(&id, None)).unwrap();
    assert!(w.key_in_profile("u").is_some());
    next_second();
    let again = rt.block_on(w.engine.start(&id, None)).unwrap();
    assert_eq!(
        again.expiration, first.expiration,
        "start reuses the cached session token"
    );
    next_second();
    let refreshed = rt.block_on(w.engine.refresh(&id)).unwrap().unwrap();
    assert!(
        refreshed.expiration > first.expiration,
        "refresh never reuses the target's token"
    );
    assert_eq!(w.engine.stop(&id).unwrap(), StopOutcome::Stopped);
    assert_eq!(w.key_in_profile("u"), None);
    assert!(
        rt.block_on(w.engine.refresh(&id)).unwrap().is_none(),
        "nothing to refresh when stopped"
    );
}

#[test]
fn mfa_is_asked_once_per_token_and_a_typed_code_fetches_a_new_one() {
    let Some(w) = world() else { return };
    let rt = rt();
    let id = w.user("m", true);
    let (owner, device) = w.engine.mfa_needed(&id).unwrap().expect("a code is due");
    assert_eq!((owner.as_str(), device.as_str()), ("m", DEVICE));
    let err = rt.block_on(w.engine.start(&id, None)).unwrap_err();
    assert!(matches!(err, Error::MfaRequired { .. }), "{err}");
    assert!(err.needs_mfa_code());
    assert_eq!(w.key_in_profile("m"), None, "a refused start writes nothing");

    let first = rt.block_on(w.engine.start(&id, code())).unwrap();
    assert!(
        w.engine.mfa_needed(&id).unwrap().is_none(),
        "the cached token spares a code"
    );
    next_second();
    let reused = rt.block_on(w.engine.start(&id, None)).unwrap();
    assert_eq!(reused.expiration, first.expiration);
    next_second();
    let fresh = rt.block_on(w.engine.start(&id, code())).unwrap();
    assert!(fresh.expiration > first.expiration, "a typed code asks for a new token");
    let refresh = rt.block_on(w.engine.refresh(&id)).unwrap_err();
    assert!(
        refresh.needs_mfa_code(),
        "a refresh of an MFA user needs a code: {refresh}"
    );
}

#[test]
fn chained_role_starts_fresh_and_credential_process_reuses() {
    let Some(w) = world() else { return };
    let rt = rt();
    let user = w.user("cu", true);
    let role = w.role("cr", &user);
    // The chain's root asks for the code.
    let (owner, _) = w.engine.mfa_needed(&role).unwrap().unwrap();
    assert_eq!(owner.as_str(), "cu");
    rt.block_on(w.engine.start(&role, code())).unwrap();
    let first_key = w.key_in_profile("cr").unwrap();
    assert!(first_key.starts_with("ASIA"), "{first_key}");
    // No code now: the user's token is cached; the role itself is assumed anew.
    rt.block_on(w.engine.start(&role, None)).unwrap();
    let second_key = w.key_in_profile("cr").unwrap();
    assert_ne!(first_key, second_key, "start gets new role credentials");
    let c1 = rt.block_on(w.engine.credentials(&role, None)).unwrap();
    let c2 = rt.block_on(w.engine.credentials(&role, None)).unwrap();
    assert_eq!(
        c1.access_key_id, c2.access_key_id,
        "credential-process reuses what is cached"
    );
    assert_eq!(c1.access_key_id, second_key);
}

#[test]
fn an_operation_names_its_session_by_id_so_a_rename_cannot_derail_it() {
    let Some(w) = world() else { return };
    let rt = rt();
    let id = w.user("before", false);
    // Renamed after the caller resolved the alias (the future has not run yet): the id still
    // names the session.
    let start = w.engine.start(&id, None);
    w.engine
        .edit(
            &id,
            SessionEdit {
                alias: Some(SessionAlias::parse("after").unwrap()),
                ..SessionEdit::default()
            },
        )
        .unwrap();
    let out = rt.block_on(start).unwrap();
    assert_eq!(out.session.alias.as_str(), "after");
    assert!(matches!(w.engine.resolve("before"), Err(Error::NoSuchSession(_))));
    assert_eq!(w.engine.resolve("after").unwrap(), id);
}

#[test]
fn edits_stop_only_what_changes_credentials_and_refuse_other_kinds_fields() {
    let Some(w) = world() else { return };
    let rt = rt();
    let user = w.user("eu", false);
    rt.block_on(w.engine.start(&user, None)).unwrap();

    let renamed = w
        .engine
        .edit(
            &user,
            SessionEdit {
                alias: Some(SessionAlias::parse("eu2").unwrap()),
                ..SessionEdit::default()
            },
        )
        .unwrap();
    assert!(!renamed.stopped, "a new alias needs no new credentials");
    assert_eq!(renamed.session.status(), SessionStatus::Active);

    let moved = w
        .engine
        .edit(
            &user,
            SessionEdit {
                region: Some(Region::parse("us-east-1").unwrap()),
                ..SessionEdit::default()
            },
        )
        .unwrap();
    assert!(moved.stopped, "a new region stops the active session");
    assert_eq!(w.key_in_profile("eu"), None);

    let wrong = w.engine.edit(
        &user,
        SessionEdit {
            kind: Some(KindEdit::RoleChained(role_chained::Edit {
                role_arn: Some(RoleArn::parse("arn:aws:iam::123456789012:role/X").unwrap()),
                ..role_chained::Edit::default()
            })),
            ..SessionEdit::default()
        },
    );
    let e = wrong.unwrap_err().to_string();
    assert!(e.contains("a role ARN does not apply") && e.contains("iam-user"), "{e}");
}

#[test]
fn a_refused_edit_keeps_the_stored_keys() {
    let Some(w) = world() else { return };
    let id = w.user("k1", false);
    w.user("k2", false);
    let refused = w.engine.edit(
        &id,
        SessionEdit {
            alias: Some(SessionAlias::parse("k2").unwrap()),
            kind: Some(KindEdit::IamUser(iam_user::Edit {
                access_key_id: Some(keys(9).access_key_id),
                secret_access_key: Some(keys(9).secret_access_key),
                ..iam_user::Edit::default()
            })),
            ..SessionEdit::default()
        },
    );
    assert!(matches!(refused, Err(Error::DuplicateAlias(_))), "{refused:?}");
    let stored = w.engine.secrets().long_term(&id).unwrap().unwrap();
    assert_eq!(stored.access_key_id, keys(1).access_key_id, "the old keys are back");
    assert_eq!(stored.secret_access_key.expose(), keys(1).secret_access_key.expose());
}

#[test]
fn chained_edits_refuse_cycles_and_removal_respects_dependants() {
    let Some(w) = world() else { return };
    let rt = rt();
    let user = w.user("ru", false);
    let a = w.role("ra", &user);
    let b = w.role("rb", &a);
    let cycle = w.engine.edit(
        &a,
        SessionEdit {
            kind: Some(KindEdit::RoleChained(role_chained::Edit {
                assumer: Some(b.clone()),
                ..role_chained::Edit::default()
            })),
            ..SessionEdit::default()
        },
    );
    let e = cycle.unwrap_err().to_string();
    assert!(e.contains("cycle") && e.contains("ra -> rb -> ra"), "{e}");

    let refused = w.engine.remove(&a).unwrap_err().to_string();
    assert!(refused.contains("\"rb\" assumes"), "{refused}");
    rt.block_on(w.engine.start(&b, None)).unwrap();
    let removed = w.engine.remove(&b).unwrap();
    assert_eq!(removed.kind.name(), KindName::RoleChained);
    assert_eq!(w.key_in_profile("rb"), None, "removing an active session stops it");
    assert!(
        w.engine.secrets().cached(&b).unwrap().is_none(),
        "its keyring items are gone"
    );
    w.engine.remove(&a).unwrap();
    w.engine.remove(&user).unwrap();
    assert!(w.engine.secrets().long_term(&user).unwrap().is_none());
    assert!(w.engine.list().unwrap().is_empty());
}

#[test]
fn a_start_that_fails_after_the_credentials_were_written_is_undone() {
    let Some(w) = world() else { return };
    let rt = rt();
    let id = w.user("half", false);
    // A directory where the config file should be: the region cannot be written.
    std::fs::create_dir_all(&w.files.config).unwrap();
    let err = rt.block_on(w.engine.start(&id, None)).unwrap_err().to_string();
    assert!(err.contains(&w.files.config.display().to_string()), "{err}");
    assert_eq!(w.key_in_profile("half"), None, "no live credentials left behind");
    assert_eq!(w.engine.session(&id).unwrap().status(), SessionStatus::Inactive);
    // The profile stays usable: fix the config file and start again.
    std::fs::remove_dir(&w.files.config).unwrap();
    rt.block_on(w.engine.start(&id, None)).unwrap();
    assert!(w.key_in_profile("half").is_some());
}

#[test]
fn a_refresh_leaves_the_config_file_alone() {
    use std::os::unix::fs::MetadataExt;
    let Some(w) = world() else { return };
    let rt = rt();
    let id = w.user("steady", false);
    rt.block_on(w.engine.start(&id, None)).unwrap();
    let before = std::fs::metadata(&w.files.config).unwrap();
    let bytes = std::fs::read(&w.files.config).unwrap();
    next_second();
    rt.block_on(w.engine.refresh(&id)).unwrap().unwrap();
    let after = std::fs::metadata(&w.files.config).unwrap();
    assert_eq!(std::fs::read(&w.files.config).unwrap(), bytes);
    assert_eq!(
        (before.ino(), before.mtime_nsec()),
        (after.ino(), after.mtime_nsec()),
        "the config file was rewritten (its region changed for a moment)"
    );
}

#[test]
fn a_pin_is_kept_in_the_state_and_shown_in_the_list() {
    let Some(w) = world() else { return };
    let id = w.user("pinme", false);
    assert!(!w.engine.list().unwrap()[0].pinned);
    assert!(w.engine.set_pinned(&id, true).unwrap());
    assert!(!w.engine.set_pinned(&id, true).unwrap(), "already pinned");
    assert!(w.engine.list().unwrap()[0].pinned);
    let json = serde_json::to_value(w.engine.list().unwrap()).unwrap();
    assert_eq!(json[0]["pinned"], true);
    assert!(w.engine.set_pinned(&id, false).unwrap());
    assert!(!w.engine.list().unwrap()[0].pinned);
}
