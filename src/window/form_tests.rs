use super::*;
use keyhop_core::validate::ProfileName;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn view(alias: &str, kind: &'static str, assumer: Option<&str>) -> SessionView {
    SessionView {
        id: format!("id-{alias}"),
        alias: SessionAlias::parse(alias).unwrap(),
        kind,
        profile: ProfileName::parse(alias).unwrap(),
        region: "eu-west-1".into(),
        status: "inactive",
        expiration: None,
        mfa_device: None,
        duration_seconds: None,
        role_arn: assumer.map(|_| "arn:aws:iam::123456789012:role/R".to_owned()),
        role_session_name: assumer.map(|_| "me".to_owned()),
        assumer: assumer.map(str::to_owned),
    }
}

fn type_in(f: &mut Form, field: Field, v: &str) {
    assert!(matches!(f.update(Msg::Input(field, v.into())), Effect::None));
}

#[test]
fn save_stays_disabled_until_every_field_is_valid_and_then_adds() {
    let existing = [view("taken", "iam-user", None)];
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
            let NewKind::IamUser {
                keys,
                mfa_device,
                duration,
            } = n.kind
            else {
                panic!("kind")
            };
            assert_eq!(keys.secret_access_key.expose(), SECRET);
            assert!(mfa_device.is_none());
            assert_eq!(duration.secs(), 3600, "the duration from the settings");
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
    let sessions = [
        view("u", "iam-user", None),
        view("a", "role-chained", Some("u")),
        view("b", "role-chained", Some("a")),
    ];
    let mut f = Form::edit_session(&sessions[1], &sessions, vec![]);
    assert_eq!(f.kind(), Kind::RoleChained);
    assert!(
        f.is_valid(),
        "{:?}",
        f.fields().iter().map(|x| f.error(*x)).collect::<Vec<_>>()
    );
    assert_eq!(
        f.assumer_choices(),
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
        Effect::Save(Output::Edit { alias, edit }) => {
            assert_eq!(alias, "a");
            assert_eq!(edit.role_session_name.unwrap().as_str(), "new-name");
            assert!(
                edit.assumer.is_none() && edit.profile.is_none() && edit.role_arn.is_none(),
                "only what changed"
            );
        }
        _ => panic!("saves"),
    }
}

#[test]
fn edit_keeps_the_stored_secret_when_left_blank_but_a_new_key_id_needs_one() {
    let sessions = [view("u", "iam-user", None)];
    let mut f = Form::edit_session(&sessions[0], &sessions, vec![]);
    f.update(Msg::StoredKeyId(Some(KEY.into())));
    assert_eq!(f.value(Field::AccessKeyId), KEY);
    assert!(f.is_valid());
    type_in(&mut f, Field::AccessKeyId, "AKIAIOSFODNN7EXAMPLF");
    assert!(f.error(Field::Secret).is_some());
    type_in(&mut f, Field::Secret, SECRET);
    match f.update(Msg::Save) {
        Effect::Save(Output::Edit { edit, .. }) => {
            assert_eq!(edit.access_key_id.unwrap().as_str(), "AKIAIOSFODNN7EXAMPLF");
            assert!(edit.secret_access_key.is_some());
        }
        _ => panic!("saves"),
    }
}

#[test]
fn kind_cannot_change_on_edit_and_cancel_cancels() {
    let sessions = [view("u", "iam-user", None)];
    let mut f = Form::edit_session(&sessions[0], &sessions, vec![]);
    f.update(Msg::Kind(Kind::RoleChained));
    assert_eq!(f.kind(), Kind::IamUser);
    assert!(matches!(f.update(Msg::Cancel), Effect::Cancel));
}
