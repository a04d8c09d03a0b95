use super::*;
use crate::test_support;
use keyhop_core::kinds::{KindEdit, KindName, NewKind};

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn views(specs: &[(&str, KindName, Option<&str>)]) -> Vec<SessionView> {
    let sessions: Vec<_> = specs
        .iter()
        .map(|(alias, kind, assumer)| test_support::session(alias, *kind, *assumer, None))
        .collect();
    test_support::views(&sessions)
}

fn type_in(f: &mut Form, field: Field, v: &str) {
    assert!(matches!(f.update(Msg::Input(field, v.into())), Effect::None));
}

#[test]
fn save_stays_disabled_until_every_field_is_valid_and_then_adds() {
    let existing = views(&[("taken", KindName::IamUser, None)]);
    let mut f = Form::new_session(
        &existing,
        vec![],
        "us-east-1",
        SessionDuration::from_secs(3600).unwrap(),
    );
    assert!(!f.is_valid());
    type_in(&mut f, Field::Alias, "taken");
    assert!(f.error(Field::Alias).unwrap().contains("already exists"));
    type_in(&mut f, Field::Alias, "dev");
    type_in(&mut f, Field::Profile, "dev]\n[x");
    assert!(f.error(Field::Profile).unwrap().contains("profile name"));
    type_in(&mut f, Field::Profile, "dev");
    type_in(&mut f, Field::AccessKeyId, "AKIA123");
    assert!(f.error(Field::AccessKeyId).unwrap().contains("access key id"));
    type_in(&mut f, Field::AccessKeyId, KEY);
    type_in(&mut f, Field::Secret, "short");
    let e = f.error(Field::Secret).unwrap();
    assert!(e.contains("secret access key") && !e.contains("short"), "{e}");
    assert!(
        matches!(f.update(Msg::Save), Effect::None),
        "an invalid form does not save"
    );
    type_in(&mut f, Field::Secret, SECRET);
    type_in(&mut f, Field::MfaDevice, "not-an-arn!");
    assert!(f.error(Field::MfaDevice).is_some());
    type_in(&mut f, Field::MfaDevice, "");
    assert!(f.is_valid());
    match f.update(Msg::Save) {
        Effect::Save(Output::Add(n)) => {
            assert_eq!(n.alias.as_str(), "dev");
            assert_eq!(n.region.as_str(), "us-east-1", "the default region is preset");
            let NewKind::IamUser(k) = n.kind else { panic!("kind") };
            assert_eq!(k.keys.secret_access_key.expose(), SECRET);
            assert!(k.mfa_device.is_none());
            assert_eq!(k.duration.secs(), 3600, "the duration from the settings");
        }
        _ => panic!("a valid form saves"),
    }
    assert!(f.saving);
    assert!(
        matches!(f.update(Msg::Save), Effect::None),
        "no double save while saving"
    );
}

#[test]
fn chained_form_needs_an_assumer_and_refuses_cycles() {
    let sessions = views(&[
        ("u", KindName::IamUser, None),
        ("a", KindName::RoleChained, Some("u")),
        ("b", KindName::RoleChained, Some("a")),
    ]);
    let mut f = Form::edit_session(&sessions[1], &sessions, vec![]);
    assert_eq!(f.kind, KindName::RoleChained);
    assert!(
        f.is_valid(),
        "{:?}",
        f.fields().iter().map(|x| f.error(*x)).collect::<Vec<_>>()
    );
    assert_eq!(
        role_chained::assumer_choices(&f),
        ["u"],
        "b assumes from a, so a cannot assume from b"
    );
    type_in(&mut f, Field::Assumer, "b");
    assert!(f.error(Field::Assumer).unwrap().contains("cycle"));
    type_in(&mut f, Field::Assumer, "");
    assert!(f.error(Field::Assumer).is_some());
    type_in(&mut f, Field::Assumer, "u");
    type_in(&mut f, Field::RoleSessionName, "new-name");
    match f.update(Msg::Save) {
        Effect::Save(Output::Edit { id, edit }) => {
            assert_eq!(id, sessions[1].id);
            assert!(edit.profile.is_none() && edit.alias.is_none(), "only what changed");
            let Some(KindEdit::RoleChained(k)) = edit.kind else {
                panic!("a role edit")
            };
            assert_eq!(k.role_session_name.unwrap().as_str(), "new-name");
            assert!(k.assumer.is_none() && k.role_arn.is_none(), "only what changed");
        }
        _ => panic!("saves"),
    }
}

#[test]
fn edit_keeps_the_stored_secret_when_left_blank_but_a_new_key_id_needs_one() {
    let sessions = views(&[("u", KindName::IamUser, None)]);
    let mut f = Form::edit_session(&sessions[0], &sessions, vec![]);
    f.update(Msg::StoredKeyId(Some(KEY.into())));
    assert_eq!(f.value(Field::AccessKeyId), KEY);
    assert!(f.is_valid());
    type_in(&mut f, Field::AccessKeyId, "AKIAIOSFODNN7EXAMPLF");
    assert!(f.error(Field::Secret).is_some());
    type_in(&mut f, Field::Secret, SECRET);
    match f.update(Msg::Save) {
        Effect::Save(Output::Edit { edit, .. }) => {
            let Some(KindEdit::IamUser(k)) = edit.kind else {
                panic!("an IAM user edit")
            };
            assert_eq!(k.access_key_id.unwrap().as_str(), "AKIAIOSFODNN7EXAMPLF");
            assert!(k.secret_access_key.is_some());
        }
        _ => panic!("saves"),
    }
}

#[test]
fn kind_cannot_change_on_edit_and_cancel_cancels() {
    let sessions = views(&[("u", KindName::IamUser, None)]);
    let mut f = Form::edit_session(&sessions[0], &sessions, vec![]);
    f.update(Msg::Kind(KindName::RoleChained));
    assert_eq!(f.kind, KindName::IamUser);
    assert!(matches!(f.update(Msg::Cancel), Effect::Cancel));
}

#[test]
fn a_shadowed_profile_is_refused_inline() {
    let mut f = Form::new_session(&[], vec![], "us-east-1", SessionDuration::from_secs(3600).unwrap());
    f.shadowed.insert(
        "dev".into(),
        "~/.aws/config line 2 (role_arn) make the AWS CLI and SDKs assume a role".into(),
    );
    type_in(&mut f, Field::Profile, "dev");
    let e = f.error(Field::Profile).expect("refused inline");
    assert!(
        e.contains("line 2 (role_arn)") && e.contains("another profile name"),
        "{e}"
    );
    assert!(!f.is_valid());
    type_in(&mut f, Field::Profile, "dev-keyhop");
    assert_eq!(f.error(Field::Profile), None);
}
