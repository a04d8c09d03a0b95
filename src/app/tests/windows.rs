//! The app with its windows: the settings window, light and dark, the list's keyboard and timer.

use super::*;
use crate::window::form;

#[test]
fn the_settings_window_opens_with_what_the_autostart_entry_says() {
    let mut r = rig();
    r.send(Message::External(External::Tray(TrayEvent::Action(
        MenuAction::Settings,
    ))));
    assert!(r.settings_window().is_none(), "not before the entry was read (a task)");
    r.send(Message::AutostartRead(true));
    let id = r.settings_window().expect("opened once read");
    assert!(matches!(&r.app.windows[&id], Window::Settings(s) if s.start_at_login));
}

#[test]
fn saved_settings_take_effect_only_once_written() {
    let mut r = rig();
    r.send(Message::AutostartRead(false));
    let window = r.settings_window().unwrap();
    let new = Settings {
        refresh_margin_minutes: 9,
        ..Settings::default()
    };
    let refused: Failure = Error::from(keyhop_core::settings::SettingsError::Write {
        path: r.dir.path().join("settings.json"),
        source: std::io::Error::other("disk full"),
    })
    .into();
    r.send(Message::SettingsSaved {
        window,
        settings: Box::new(new.clone()),
        result: Err(refused),
    });
    assert_ne!(r.app.settings, new, "a refused save changes nothing");
    assert!(
        matches!(&r.app.windows[&window], Window::Settings(s) if s.error.as_ref().is_some_and(|e| e.contains("disk full")))
    );
    r.send(Message::SettingsSaved {
        window,
        settings: Box::new(new.clone()),
        result: Ok(()),
    });
    assert_eq!(r.app.settings, new);
}

#[test]
fn windows_follow_the_system_until_settings_choose_light_or_dark() {
    use keyhop_core::settings::Appearance;
    let mut r = rig();
    assert!(!r.app.dark(), "light until the system says otherwise");
    r.send(Message::External(External::SystemDark(true)));
    assert!(r.app.dark(), "the system's preference, by default");
    r.send(Message::AutostartRead(false));
    let window = r.settings_window().unwrap();
    let light = Settings {
        appearance: Appearance::Light,
        ..Settings::default()
    };
    r.send(Message::SettingsSaved {
        window,
        settings: Box::new(light),
        result: Ok(()),
    });
    assert!(!r.app.dark(), "Settings' choice overrules the system");
    r.send(Message::External(External::SystemDark(false)));
    r.send(Message::External(External::SystemDark(true)));
    assert!(!r.app.dark(), "and keeps doing so when the system changes");
}

fn key(r: &mut Rig, window: iced::window::Id, named: iced::keyboard::key::Named) {
    r.send(Message::Key {
        window,
        key: iced::keyboard::Key::Named(named),
        modifiers: iced::keyboard::Modifiers::default(),
        captured: false,
    });
}

#[test]
fn the_list_window_walks_its_rows_with_the_arrows_and_counts_down_only_while_open() {
    use iced::keyboard::key::Named;
    let mut r = rig();
    let (a, b) = (
        session("alpha", false, Some(Duration::minutes(30))),
        session("beta", false, None),
    );
    r.load(&[a.clone(), b.clone()], &[]);
    assert_eq!(r.app.countdown(), None, "no list open: no countdown timer");
    r.send(Message::External(External::OpenRequested));
    let (&list, _) = r
        .app
        .windows
        .iter()
        .find(|(_, w)| matches!(w, Window::List(_)))
        .unwrap();
    assert_eq!(
        r.app.countdown(),
        Some(std::time::Duration::from_secs(60)),
        "once a minute"
    );
    let selected = |r: &Rig| match &r.app.windows[&list] {
        Window::List(l) => l.selected.clone(),
        _ => None,
    };
    key(&mut r, list, Named::ArrowDown);
    assert_eq!(selected(&r), Some(a.id.clone()), "the active one first");
    key(&mut r, list, Named::ArrowDown);
    assert_eq!(selected(&r), Some(b.id.clone()));
    key(&mut r, list, Named::Enter);
    assert!(r.app.busy.ids().contains(&b.id), "Enter starts the selected session");
    r.load(&[session("soon", false, Some(Duration::seconds(90)))], &[]);
    assert_eq!(
        r.app.countdown(),
        Some(std::time::Duration::from_secs(1)),
        "every second under 2 min"
    );
    r.send(Message::WindowClosed(list));
    assert_eq!(r.app.countdown(), None);
}

/// The add form with the SAML kind chosen: its window.
fn saml_form(r: &mut Rig) -> iced::window::Id {
    r.send(Message::External(External::Tray(TrayEvent::Action(
        MenuAction::AddSession,
    ))));
    r.send(Message::ProfilesRead(
        FormRequest::Add,
        vec![],
        std::collections::HashMap::new(),
    ));
    let id = r
        .app
        .windows
        .iter()
        .find_map(|(id, w)| matches!(w, Window::Form(_)).then_some(*id))
        .expect("the add form opened");
    let kind = form::Choice::Kind(keyhop_core::kinds::KindName::AwsSaml);
    r.send(Message::Form(id, form::Msg::Pick(kind)));
    id
}

fn the_form(r: &Rig, id: iced::window::Id) -> &form::Form {
    match &r.app.windows[&id] {
        Window::Form(f) => f,
        _ => panic!("not the form"),
    }
}

fn saml_role(account: &str, name: &str) -> keyhop_core::saml::SamlRole {
    keyhop_core::saml::SamlRole {
        role: keyhop_core::validate::RoleArn::parse(&format!("arn:aws:iam::{account}:role/{name}")).unwrap(),
        principal: keyhop_core::saml::PrincipalArn::parse(&format!("arn:aws:iam::{account}:saml-provider/Okta"))
            .unwrap(),
    }
}

#[test]
fn find_roles_signs_in_as_a_task_and_the_role_chosen_fills_both_arns() {
    let mut r = rig();
    let id = saml_form(&mut r);
    r.send(Message::Form(id, form::Msg::FindRoles));
    assert_eq!(the_form(&r, id).roles, form::RoleLookup::Idle, "no IdP URL, no sign-in");
    let url = "https://example.okta.com/home/amazon_aws/0oa1/272";
    r.send(Message::Form(id, form::Msg::Input(form::Field::IdpUrl, url.into())));
    // The sign-in (a window process, minutes) is the task's: update itself touches no file.
    let io = io_of(|| r.send(Message::Form(id, form::Msg::FindRoles)));
    assert_eq!(io, (0, 0), "update read or wrote a file");
    assert_eq!(the_form(&r, id).roles, form::RoleLookup::Asking);
    let (admin, read_only) = (
        saml_role("111111111111", "Admin"),
        saml_role("222222222222", "ReadOnly"),
    );
    r.send(Message::Form(
        id,
        form::Msg::RolesFound(Ok(vec![admin.clone(), read_only.clone()])),
    ));
    let f = the_form(&r, id);
    assert_eq!(
        f.roles,
        form::RoleLookup::Found(vec![form::RoleChoice(admin), form::RoleChoice(read_only.clone())])
    );
    assert_eq!(f.value(form::Field::RoleArn), "", "two roles: the user chooses");
    r.send(Message::Form(id, form::Msg::PickRole(form::RoleChoice(read_only))));
    let f = the_form(&r, id);
    assert_eq!(f.value(form::Field::RoleArn), "arn:aws:iam::222222222222:role/ReadOnly");
    assert_eq!(
        f.value(form::Field::PrincipalArn),
        "arn:aws:iam::222222222222:saml-provider/Okta"
    );
    // A failed sign-in says why; another IdP URL forgets what the last one offered.
    r.send(Message::Form(id, form::Msg::FindRoles));
    r.send(Message::Form(
        id,
        form::Msg::RolesFound(Err("the sign-in window was closed".into())),
    ));
    assert!(matches!(&the_form(&r, id).roles, form::RoleLookup::Failed(w) if w.contains("closed")));
    r.send(Message::Form(
        id,
        form::Msg::Input(form::Field::IdpUrl, format!("{url}/x")),
    ));
    assert_eq!(the_form(&r, id).roles, form::RoleLookup::Idle);
}
