use super::*;
use crate::test_support;
use iced::keyboard::key::Named;
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

/// A new add form past its first step, on an IAM user.
fn new_form(sessions: &[SessionView], profiles: Vec<String>) -> Form {
    let mut f = Form::new_session(
        sessions,
        profiles,
        "us-east-1",
        SessionDuration::from_secs(3600).unwrap(),
    );
    f.update(Msg::Pick(Choice::Kind(KindName::IamUser)));
    f
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
    f.update(Msg::Pick(Choice::Kind(KindName::IamUser)));
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
    f.update(Msg::Pick(Choice::Kind(KindName::RoleChained)));
    assert_eq!(f.kind, KindName::IamUser);
    f.update(Msg::Back);
    assert!(f.picking.is_none(), "an edit has no first step");
    assert!(matches!(f.update(Msg::Cancel), Effect::Cancel));
}

#[test]
fn a_shadowed_profile_is_refused_inline() {
    let mut f = new_form(&[], vec![]);
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

#[test]
fn the_add_form_starts_with_the_kinds_and_arrows_and_enter_choose() {
    let mut f = Form::new_session(&[], vec![], "eu-west-1", SessionDuration::from_secs(3600).unwrap());
    assert_eq!(f.picking, Some(0), "IAM user preselected");
    assert_eq!(f.choice(), None);
    assert!(
        matches!(f.update(Msg::Save), Effect::None),
        "nothing to save on the first step"
    );
    let step = f.step;
    f.update(Msg::Key(Named::ArrowDown));
    f.update(Msg::Key(Named::ArrowDown));
    f.update(Msg::Key(Named::ArrowUp));
    assert_eq!(f.picking, Some(1));
    f.update(Msg::Key(Named::Enter));
    assert_eq!(f.choice(), Some(Choice::Kind(KindName::RoleChained)));
    assert_eq!(
        f.fields()[3..],
        [Field::RoleArn, Field::RoleSessionName, Field::Assumer]
    );
    assert_ne!(f.step, step, "a new step takes the focus to its first field");
    f.update(Msg::Key(Named::ArrowDown));
    assert_eq!(
        f.choice(),
        Some(Choice::Kind(KindName::RoleChained)),
        "arrows only choose on the first step"
    );
    f.update(Msg::Back);
    assert_eq!(f.picking, Some(1), "back to the kinds, the last choice highlighted");
    f.update(Msg::Key(Named::ArrowUp));
    f.update(Msg::Key(Named::ArrowUp));
    assert_eq!(f.picking, Some(CHOICES.len() - 1), "the arrows wrap around");
}

#[test]
fn the_sso_connection_is_a_kind_of_the_add_form() {
    let mut f = Form::new_session(&[], vec![], "eu-west-1", SessionDuration::from_secs(3600).unwrap());
    f.connections = vec!["taken".into()];
    f.update(Msg::Pick(Choice::SsoConnection));
    assert_eq!(f.choice(), Some(Choice::SsoConnection));
    let sso = f.sso.as_ref().expect("the connection's form");
    assert_eq!(sso.region, "eu-west-1", "the default region is preset");
    f.update(Msg::Sso(sso_form::Msg::Input(sso_form::Field::Name, "taken".into())));
    let e = f.sso.as_ref().unwrap().error(sso_form::Field::Name).unwrap();
    assert!(e.contains("already exists"), "{e}");
    f.update(Msg::Sso(sso_form::Msg::Input(sso_form::Field::Name, "acme".into())));
    let url = "https://d-123.awsapps.com/start";
    f.update(Msg::Sso(sso_form::Msg::Input(sso_form::Field::StartUrl, url.into())));
    match f.update(Msg::Sso(sso_form::Msg::Save)) {
        Effect::AddConnection(c) => assert_eq!(c.name.as_str(), "acme"),
        _ => panic!("a valid connection is added"),
    }
    f.refused("the portal said no".into());
    let sso = f.sso.as_ref().unwrap();
    assert!(!sso.saving && sso.error.as_deref() == Some("the portal said no"));
    assert!(matches!(f.update(Msg::Sso(sso_form::Msg::Cancel)), Effect::Cancel));
    f.update(Msg::Sso(sso_form::Msg::Back));
    assert_eq!(f.picking, Some(Choice::SsoConnection.index()), "back to the kinds");
    assert!(f.sso.is_none());
    // The tray's "Add SSO connection" opens the same form on that kind.
    let g = new_connection(vec![], "us-east-2");
    assert_eq!(g.choice(), Some(Choice::SsoConnection));
    assert_eq!(g.sso.as_ref().unwrap().region, "us-east-2");
}

#[test]
fn a_saml_role_is_added_from_the_form() {
    let mut f = Form::new_session(&[], vec![], "eu-west-1", SessionDuration::from_secs(3600).unwrap());
    f.update(Msg::Pick(Choice::Kind(KindName::AwsSaml)));
    type_in(&mut f, Field::Alias, "fed");
    type_in(&mut f, Field::Profile, "fed");
    type_in(&mut f, Field::IdpUrl, "http://idp.example.com/sso");
    assert!(
        f.error(Field::IdpUrl).is_some(),
        "plain http to a remote IdP is refused"
    );
    type_in(&mut f, Field::IdpUrl, "https://idp.example.com/sso");
    type_in(&mut f, Field::RoleArn, "arn:aws:iam::123456789012:role/Fed");
    type_in(&mut f, Field::PrincipalArn, "arn:aws:iam::123456789012:role/Fed");
    assert!(f.error(Field::PrincipalArn).is_some(), "a role is not a SAML provider");
    type_in(
        &mut f,
        Field::PrincipalArn,
        "arn:aws:iam::123456789012:saml-provider/Okta",
    );
    match f.update(Msg::Save) {
        Effect::Save(Output::Add(n)) => {
            let NewKind::AwsSaml(k) = n.kind else {
                panic!("a SAML session")
            };
            assert_eq!(
                k.principal_arn.to_string(),
                "arn:aws:iam::123456789012:saml-provider/Okta"
            );
            assert_eq!(k.duration.secs(), 3600);
        }
        _ => panic!("a valid SAML form saves"),
    }
}

#[test]
fn the_profile_suggests_the_files_profiles_and_says_who_uses_one() {
    let sessions = views(&[("acme-dev", KindName::IamUser, None)]);
    let used = sessions[0].profile.to_string();
    let mut f = new_form(&sessions, vec!["default".into(), "dev-admin".into(), used.clone()]);
    f.shadowed.insert("dev-admin".into(), "config line 3 (role_arn)".into());
    type_in(&mut f, Field::Profile, "dev");
    assert_eq!(f.suggesting, Some(Field::Profile), "typing shows the matching profiles");
    let lines: Vec<String> = suggestions(&f, Field::Profile).into_iter().map(|s| s.label).collect();
    assert!(
        lines.iter().any(|l| l == "dev-admin — config would shadow it"),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.starts_with("default")), "{lines:?}");
    f.update(Msg::Suggested(Field::Profile, used.clone()));
    assert_eq!(f.value(Field::Profile), used);
    assert_eq!(f.suggesting, None, "a choice closes the list");
    let n = note(&f, Field::Profile).expect("says who else uses it");
    assert!(n.contains("acme-dev"), "{n}");
    assert!(f.error(Field::Profile).is_none(), "sharing a profile is allowed");
    f.update(Msg::Browse(Field::Profile));
    assert_eq!(
        suggestions(&f, Field::Profile).len(),
        3,
        "browsing a filled field lists them all"
    );
    f.update(Msg::Browse(Field::Profile));
    assert_eq!(f.suggesting, None);
}

#[test]
fn the_region_is_found_by_its_name_and_shows_it() {
    let mut f = new_form(&[], vec![]);
    assert_eq!(note(&f, Field::Region).as_deref(), Some("US East (N. Virginia)"));
    type_in(&mut f, Field::Region, "frankf");
    assert_eq!(f.suggesting, Some(Field::Region));
    let s = suggestions(&f, Field::Region);
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].label, "eu-central-1 — Europe (Frankfurt)");
    f.update(Msg::Suggested(Field::Region, s[0].value.clone()));
    assert_eq!(f.value(Field::Region), "eu-central-1");
    assert!(f.error(Field::Region).is_none());
    type_in(&mut f, Field::Region, "ap-southeast-2");
    assert_eq!(f.suggesting, None, "an exact code leaves nothing to suggest");
    assert_eq!(note(&f, Field::Region).as_deref(), Some("Asia Pacific (Sydney)"));
}

fn keys() -> keyhop_core::secrets::LongTermKeys {
    keyhop_core::secrets::LongTermKeys {
        access_key_id: keyhop_core::validate::AccessKeyId::parse(KEY).unwrap(),
        secret_access_key: keyhop_core::validate::SecretAccessKey::parse(SECRET).unwrap(),
    }
}

#[test]
fn an_imported_csv_fills_the_keys_and_a_bad_one_says_why() {
    let mut f = new_form(&[], vec![]);
    assert!(matches!(f.update(Msg::ImportCsv), Effect::PickCsv));
    f.update(Msg::CsvRead(None));
    assert!(
        f.imported.is_none() && f.value(Field::Secret).is_empty(),
        "a cancelled dialog changes nothing"
    );
    f.update(Msg::CsvRead(Some((
        "bad.csv".into(),
        Err("holds no access key".into()),
    ))));
    assert_eq!(f.imported, Some(Err("bad.csv: holds no access key".into())));
    assert!(f.value(Field::AccessKeyId).is_empty());
    f.update(Msg::CsvRead(Some(("me_accessKeys.csv".into(), Ok(keys())))));
    assert_eq!(f.value(Field::AccessKeyId), KEY);
    assert_eq!(f.value(Field::Secret), SECRET);
    assert_eq!(f.imported, Some(Ok("me_accessKeys.csv".into())));
}

#[test]
fn find_my_mfa_device_asks_with_the_typed_keys_once_and_offers_the_devices() {
    let mut f = new_form(&[], vec![]);
    assert!(matches!(f.update(Msg::FindMfa), Effect::None), "no keys, no question");
    type_in(&mut f, Field::AccessKeyId, KEY);
    type_in(&mut f, Field::Secret, SECRET);
    type_in(&mut f, Field::Region, "eu-west-2");
    match f.update(Msg::FindMfa) {
        Effect::FindMfa { region, keys } => {
            assert_eq!(region.as_str(), "eu-west-2");
            assert_eq!(keys.access_key_id.as_str(), KEY);
            assert_eq!(keys.secret_access_key.expose(), SECRET);
        }
        _ => panic!("asks IAM"),
    }
    assert_eq!(f.lookup, Lookup::Asking);
    assert!(matches!(f.update(Msg::FindMfa), Effect::None), "one question at a time");
    let two = vec![
        "arn:aws:iam::123456789012:mfa/phone".to_owned(),
        "arn:aws:iam::123456789012:mfa/key".to_owned(),
    ];
    f.update(Msg::MfaFound(Ok(two.clone())));
    assert_eq!(f.lookup, Lookup::Found(two.clone()));
    assert!(f.value(Field::MfaDevice).is_empty(), "two devices: the user picks");
    f.update(Msg::Suggested(Field::MfaDevice, two[1].clone()));
    assert_eq!(f.value(Field::MfaDevice), two[1]);
    assert!(f.error(Field::MfaDevice).is_none());
    type_in(&mut f, Field::Secret, SECRET);
    assert_eq!(f.lookup, Lookup::Idle, "other keys, other devices");
    f.update(Msg::FindMfa);
    f.update(Msg::MfaFound(Ok(vec![two[0].clone()])));
    assert_eq!(f.value(Field::MfaDevice), two[0], "the only device is taken");
    f.update(Msg::FindMfa);
    f.update(Msg::MfaFound(Err("IAM refused".into())));
    assert_eq!(f.lookup, Lookup::Failed("IAM refused".into()));
}

#[test]
fn a_found_saml_role_reads_as_name_account_and_provider() {
    let role = keyhop_core::saml::SamlRole {
        role: keyhop_core::validate::RoleArn::parse("arn:aws:iam::222222222222:role/team/ReadOnly").unwrap(),
        principal: keyhop_core::saml::PrincipalArn::parse("arn:aws:iam::222222222222:saml-provider/Okta").unwrap(),
    };
    assert_eq!(
        super::RoleChoice(role).to_string(),
        "team/ReadOnly · 222222222222 · provider Okta"
    );
}
