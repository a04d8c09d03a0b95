use super::*;
use keyhop_core::validate::{ProfileName, SessionAlias};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

fn view(alias: &str, kind: &'static str, exp: Option<OffsetDateTime>) -> SessionView {
    SessionView {
        id: format!("id-{alias}"),
        alias: SessionAlias::parse(alias).unwrap(),
        kind,
        profile: ProfileName::parse(&format!("p-{alias}")).unwrap(),
        region: "eu-west-1".into(),
        status: if exp.is_some() { "active" } else { "inactive" },
        expiration: exp,
        mfa_device: None,
        duration_seconds: None,
        role_arn: None,
        role_session_name: None,
        assumer: None,
    }
}

fn labels(m: &MenuModel) -> Vec<String> {
    m.entries
        .iter()
        .map(|e| match e {
            Entry::Session(s) => s.label.clone(),
            Entry::Submenu { label, sessions } => format!("{label}: {}", sessions.len()),
            Entry::Separator => "---".into(),
            Entry::Action(a) => a.label().into(),
        })
        .collect()
}

#[test]
fn empty_menu_offers_to_add_a_session() {
    let m = build(&[], &HashMap::new(), &[], NOW);
    assert_eq!(
        labels(&m),
        ["Add session…", "Open keyhop…", "Settings…", "---", "Quit keyhop"]
    );
    assert_eq!(m.icon, IconState::Idle);
}

#[test]
fn active_sessions_first_with_time_left_and_the_icon_turns_active() {
    let sessions = [
        view("zeta", "iam-user", None),
        view("alpha", "iam-user", None),
        view("mid", "role-chained", Some(NOW + time::Duration::minutes(95))),
    ];
    let m = build(&sessions, &HashMap::new(), &[], NOW);
    let l = labels(&m);
    assert_eq!(l[0], "● mid — p-mid · 1h 35m left");
    assert_eq!(l[1], "○ alpha — p-alpha");
    assert_eq!(l[2], "○ zeta — p-zeta");
    assert_eq!(m.icon, IconState::Active);
    assert!(m.tooltip.contains("1 session(s) active"));
}

#[test]
fn attention_and_busy_are_shown() {
    let sessions = [
        view("a", "iam-user", Some(NOW + time::Duration::minutes(5))),
        view("b", "iam-user", None),
    ];
    let attention = HashMap::from([("id-a".to_owned(), Attention::MfaDue)]);
    let m = build(&sessions, &attention, &["id-b".to_owned()], NOW);
    let Entry::Session(a) = &m.entries[0] else { panic!() };
    assert!(a.label.contains("MFA code needed"));
    let Entry::Session(b) = &m.entries[1] else { panic!() };
    assert!(!b.enabled && b.label.contains("working"));
    assert_eq!(m.icon, IconState::Attention);
}

#[test]
fn many_sessions_group_inactive_ones_by_kind() {
    let mut sessions: Vec<_> = (0..10)
        .map(|i| view(&format!("user{i:02}"), "iam-user", None))
        .collect();
    sessions.extend((0..5).map(|i| view(&format!("role{i}"), "role-chained", None)));
    sessions.push(view("busy-one", "role-chained", Some(NOW + time::Duration::hours(1))));
    let m = build(&sessions, &HashMap::new(), &[], NOW);
    let l = labels(&m);
    assert!(l[0].starts_with("● busy-one"));
    assert_eq!(l[1], "IAM users (10): 10");
    assert_eq!(l[2], "Chained roles (5): 5");
}

#[test]
fn action_ids_round_trip() {
    for a in MenuAction::ALL {
        assert_eq!(MenuAction::from_id(a.id()), Some(a));
    }
    assert_eq!(MenuAction::from_id("session:x"), None);
}
