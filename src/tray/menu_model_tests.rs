use super::*;
use crate::test_support;
use keyhop_core::kinds::KindName;
use keyhop_core::session::SessionId;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

fn view(alias: &str, kind: KindName, exp: Option<OffsetDateTime>) -> SessionView {
    test_support::views(&[test_support::session(alias, kind, Some("x"), exp)]).remove(0)
}

fn labels(m: &MenuModel) -> Vec<String> {
    m.entries
        .iter()
        .map(|e| match e {
            Entry::Session(s) => s.label.clone(),
            Entry::Submenu { label, entries } => format!("{label}: {}", entries.len()),
            Entry::Separator => "---".into(),
            Entry::Action(a) => a.label().into(),
            Entry::Console(s) => format!("console: {}", s.label),
            Entry::More { hidden, .. } => more_label(*hidden),
        })
        .collect()
}

#[test]
fn empty_menu_offers_to_add_a_session() {
    let m = build(&[], &HashMap::new(), &[], NOW);
    assert_eq!(
        labels(&m),
        [
            "Add session…",
            "Add SSO connection…",
            "Open keyhop…",
            "Settings…",
            "---",
            "Quit keyhop"
        ]
    );
    assert_eq!(m.icon, IconState::Idle);
}

#[test]
fn active_sessions_first_with_time_left_and_the_icon_turns_active() {
    let sessions = [
        view("zeta", KindName::IamUser, None),
        view("alpha", KindName::IamUser, None),
        view("mid", KindName::RoleChained, Some(NOW + time::Duration::minutes(95))),
    ];
    let m = build(&sessions, &HashMap::new(), &[], NOW);
    let l = labels(&m);
    assert_eq!(l[0], "● mid — p-mid · 1h 35m left");
    assert_eq!(l[1], "○ alpha — p-alpha");
    assert_eq!(l[2], "○ zeta — p-zeta");
    assert_eq!(m.icon, IconState::Active);
    assert_eq!(m.tooltip, "mid · 1 h 35 min left");
}

#[test]
fn the_tooltip_names_the_soonest_expiry_or_what_needs_the_user() {
    let min = time::Duration::minutes;
    let sessions = [
        view("prod", KindName::IamUser, Some(NOW + min(90))),
        view("dev", KindName::RoleChained, Some(NOW + min(42))),
        view("idle", KindName::IamUser, None),
    ];
    let m = build(&sessions, &HashMap::new(), &[], NOW);
    assert_eq!(m.tooltip, "dev · 42 min left (2 active)");
    let attention = HashMap::from([(SessionId::from_string("id-prod"), Attention::MfaDue)]);
    assert_eq!(
        build(&sessions, &attention, &[], NOW).tooltip,
        "⚠ prod · MFA code needed · dev · 42 min left (2 active)"
    );
    assert_eq!(
        build(&sessions[2..], &HashMap::new(), &[], NOW).tooltip,
        "keyhop · no session active"
    );
}

#[test]
fn a_running_operation_shows_the_busy_icon_unless_something_needs_the_user() {
    let sessions = [
        view("a", KindName::IamUser, Some(NOW + time::Duration::minutes(30))),
        view("b", KindName::IamUser, None),
    ];
    let busy = [SessionId::from_string("id-b")];
    assert_eq!(build(&sessions, &HashMap::new(), &busy, NOW).icon, IconState::Busy);
    let attention = HashMap::from([(SessionId::from_string("id-a"), Attention::MfaDue)]);
    assert_eq!(build(&sessions, &attention, &busy, NOW).icon, IconState::Attention);
}

#[test]
fn attention_and_busy_are_shown() {
    let sessions = [
        view("a", KindName::IamUser, Some(NOW + time::Duration::minutes(5))),
        view("b", KindName::IamUser, None),
    ];
    let attention = HashMap::from([(SessionId::from_string("id-a"), Attention::MfaDue)]);
    let m = build(&sessions, &attention, &[SessionId::from_string("id-b")], NOW);
    let Entry::Session(a) = &m.entries[0] else { panic!() };
    assert!(a.label.contains("MFA code needed"));
    let Entry::Session(b) = &m.entries[1] else { panic!() };
    assert!(!b.enabled && b.label.contains("working"));
    assert_eq!(m.icon, IconState::Attention);
}

#[test]
fn many_sessions_group_inactive_ones_by_kind() {
    let mut sessions: Vec<_> = (0..10)
        .map(|i| view(&format!("user{i:02}"), KindName::IamUser, None))
        .collect();
    sessions.extend((0..5).map(|i| view(&format!("role{i}"), KindName::RoleChained, None)));
    sessions.push(view(
        "busy-one",
        KindName::RoleChained,
        Some(NOW + time::Duration::hours(1)),
    ));
    let m = build(&sessions, &HashMap::new(), &[], NOW);
    let l = labels(&m);
    assert!(l[0].starts_with("● busy-one"));
    assert_eq!(l[1], "IAM users (10): 10");
    assert_eq!(l[2], "Chained roles (5): 5");
}

#[test]
fn a_long_submenu_ends_in_a_line_that_opens_the_session_list() {
    let mut sessions = vec![view("user", KindName::IamUser, None)];
    sessions.extend((0..299).map(|i| view(&format!("role{i:03}"), KindName::RoleChained, None)));
    sessions[150].pinned = true;
    let m = build(&sessions, &HashMap::new(), &[], NOW);
    let l = labels(&m);
    assert!(l[0].contains("role149"), "pinned stays on top, outside the cap: {l:?}");
    assert_eq!(l[1], "IAM users (1): 1");
    // The user took one of the lines; the other 29 list roles, then one line for the rest.
    assert_eq!(l[2], format!("Chained roles (298): {SUBMENU_LINES}"));
    let roles = m
        .entries
        .iter()
        .find_map(|e| match e {
            Entry::Submenu { label, entries } if label.starts_with("Chained roles") => Some(entries),
            _ => None,
        })
        .expect("the roles' submenu");
    assert!(matches!(&roles[0], Entry::Session(s) if s.label.contains("role000")));
    assert_eq!(
        roles.last(),
        Some(&Entry::More {
            group: "Chained roles".into(),
            hidden: 298 - (SUBMENU_LINES - 1),
        })
    );
    assert_eq!(more_label(269), "269 more in the session list…");
}

#[test]
fn action_ids_round_trip() {
    for a in MenuAction::ALL {
        assert_eq!(MenuAction::from_id(a.id()), Some(a));
    }
    assert_eq!(MenuAction::from_id("session:x"), None);
}

#[test]
fn a_signed_out_connection_marks_its_idle_sessions_without_turning_the_icon_amber() {
    let sessions = [view("idle", KindName::IamUser, None)];
    let attention = HashMap::from([(
        SessionId::from_string("id-idle"),
        Attention::SignInNeeded(keyhop_core::sso::ConnectionId::from_string("sso-acme")),
    )]);
    let m = build(&sessions, &attention, &[], NOW);
    let Entry::Session(s) = &m.entries[0] else { panic!() };
    assert_eq!(s.label, "⚠ idle — p-idle · sign-in needed");
    assert_eq!(m.icon, IconState::Idle, "nothing running needs the user");
    let active = [view("run", KindName::IamUser, Some(NOW + time::Duration::minutes(30)))];
    let attention = HashMap::from([(
        SessionId::from_string("id-run"),
        Attention::SignInNeeded(keyhop_core::sso::ConnectionId::from_string("sso-acme")),
    )]);
    assert_eq!(build(&active, &attention, &[], NOW).icon, IconState::Attention);
}

#[test]
fn pinned_sessions_stay_on_top_of_a_long_menu() {
    let mut sessions: Vec<_> = (0..20)
        .map(|i| view(&format!("user{i:02}"), KindName::IamUser, None))
        .collect();
    sessions[17].pinned = true;
    let m = build(&sessions, &HashMap::new(), &[], NOW);
    let l = labels(&m);
    assert_eq!(l[0], "○ user17 — p-user17", "{l:?}");
    assert_eq!(l[1], "IAM users (19): 19");
}

#[test]
fn open_console_lists_the_active_sessions_only() {
    let sessions = [
        view("idle", KindName::IamUser, None),
        view("run", KindName::RoleChained, Some(NOW + time::Duration::minutes(30))),
        view("work", KindName::IamUser, Some(NOW + time::Duration::minutes(50))),
    ];
    let m = build(&sessions, &HashMap::new(), &[SessionId::from_string("id-work")], NOW);
    let consoles: Vec<&Entry> = m
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Submenu { label, entries } if label == CONSOLE_MENU => Some(entries),
            _ => None,
        })
        .flatten()
        .collect();
    let lines: Vec<(String, bool)> = consoles
        .iter()
        .map(|e| match e {
            Entry::Console(s) => (s.label.clone(), s.enabled),
            other => panic!("not a console line: {other:?}"),
        })
        .collect();
    assert_eq!(
        lines,
        [("run".to_owned(), true), ("work".to_owned(), false)],
        "active sessions only; one with an operation running is greyed"
    );
    let l = labels(&m);
    let at = l.iter().position(|x| x == "Open console: 2").expect("the submenu");
    assert_eq!(l[at + 1], "---", "below the sessions, above the actions: {l:?}");

    // Nothing active: no console entry anywhere, also in a long menu.
    let idle: Vec<_> = (0..20)
        .map(|i| view(&format!("user{i:02}"), KindName::IamUser, None))
        .collect();
    for m in [
        build(&idle[..2], &HashMap::new(), &[], NOW),
        build(&idle, &HashMap::new(), &[], NOW),
    ] {
        assert!(
            !labels(&m).iter().any(|x| x.starts_with(CONSOLE_MENU)),
            "{:?}",
            labels(&m)
        );
    }
    let mut long = idle.clone();
    long.push(view(
        "busy-one",
        KindName::RoleChained,
        Some(NOW + time::Duration::hours(1)),
    ));
    assert!(labels(&build(&long, &HashMap::new(), &[], NOW)).contains(&"Open console: 1".to_owned()));
}

#[test]
fn an_old_access_key_shows_a_warning_on_its_line() {
    let mut old = view("old", KindName::IamUser, None);
    let mut young = view("young", KindName::IamUser, None);
    let ages = keyhop_core::key_age::KeyAges {
        keys: [
            (old.id.clone(), 95, "AKIAEXAMPLEEXAMPLE01"),
            (young.id.clone(), 3, "AKIAEXAMPLEEXAMPLE02"),
        ]
        .into_iter()
        .map(|(id, days, key)| {
            let record = keyhop_core::key_age::KeyRecord {
                access_key_id: key.into(),
                created: Some(NOW - time::Duration::days(days)),
                checked: NOW,
                warned: false,
            };
            (id, record)
        })
        .collect(),
    };
    let mut both = [old.clone(), young.clone()];
    SessionView::add_key_ages(&mut both, &ages, 90, NOW);
    [old, young] = both;
    let l = labels(&build(&[old.clone(), young], &HashMap::new(), &[], NOW));
    assert_eq!(l[0], "○ old — p-old · ⚠ key 95 days old");
    assert_eq!(l[1], "○ young — p-young");
    // Below the threshold no warning, whatever the age.
    let mut again = [old];
    SessionView::add_key_ages(&mut again, &ages, 100, NOW);
    assert!(!labels(&build(&again, &HashMap::new(), &[], NOW))[0].contains('⚠'));
}

#[test]
fn a_shadowed_profile_shows_a_warning_with_its_keys() {
    let mut shadowed = view("dev", KindName::IamUser, None);
    shadowed.shadowed_by = Some(vec!["role_arn".into(), "source_profile".into()]);
    let m = build(
        &[shadowed, view("ok", KindName::IamUser, None)],
        &HashMap::new(),
        &[],
        NOW,
    );
    let l = labels(&m);
    assert_eq!(
        l[0],
        "○ dev — p-dev · ⚠ shadowed by role_arn, source_profile in the AWS config"
    );
    assert_eq!(l[1], "○ ok — p-ok");
}
