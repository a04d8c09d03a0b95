//! The list's pure logic: grouping, filters, keyboard, the menu's and confirmations' flow.

use std::collections::HashMap;

use keyhop_core::SessionView;
use keyhop_core::kinds::{KindDetails, KindName, aws_sso};
use keyhop_core::session::SessionId;
use time::{Duration, OffsetDateTime};

use super::model::{self, Filter, StatusFilter};
use super::{Effect, Key, List, Msg, Overlay};
use crate::present::Attention;
use crate::test_support::{session, views};

fn sso(v: &mut SessionView, connection: &str, account: &str) {
    v.kind = KindName::AwsSso;
    v.details = KindDetails::AwsSso(aws_sso::Details {
        connection: connection.into(),
        account_id: "111122223333".into(),
        account_name: account.into(),
        role_name: "PowerUser".into(),
    });
    v.group = v.details.group();
    v.summary = v.details.summary();
}

/// dev (IAM user, active), admin (chained, pinned), zed + ann (SSO acme › Payments),
/// ops (SSO acme › Logs), fed (SAML, in us-east-1).
fn fleet() -> Vec<SessionView> {
    let soon = OffsetDateTime::now_utc() + Duration::hours(1);
    let mut v = views(&[
        session("dev", KindName::IamUser, None, Some(soon)),
        session("admin", KindName::RoleChained, Some("dev"), None),
        session("zed", KindName::IamUser, None, None),
        session("ann", KindName::IamUser, None, None),
        session("ops", KindName::IamUser, None, None),
        session("fed", KindName::AwsSaml, None, None),
    ]);
    v[1].pinned = true;
    sso(&mut v[2], "acme", "Payments");
    sso(&mut v[3], "acme", "Payments");
    sso(&mut v[4], "acme", "Logs");
    v[5].region = keyhop_core::validate::Region::parse("us-east-1").unwrap();
    v
}

fn titles(sections: &[model::Section<'_>]) -> Vec<(String, Vec<String>)> {
    sections
        .iter()
        .map(|s| (s.title.clone(), s.rows.iter().map(|r| r.alias.to_string()).collect()))
        .collect()
}

fn id(alias: &str) -> SessionId {
    SessionId::from_string(format!("id-{alias}"))
}

#[test]
fn pinned_and_active_come_first_then_kinds_then_sso_by_connection_and_account() {
    let f = fleet();
    let got = titles(&model::sections(&f, "", &Filter::default(), &HashMap::new()));
    let want: Vec<(String, Vec<String>)> = [
        ("Pinned", vec!["admin"]),
        ("Active", vec!["dev"]),
        ("Federated roles", vec!["fed"]),
        ("acme › Logs", vec!["ops"]),
        ("acme › Payments", vec!["ann", "zed"]),
    ]
    .into_iter()
    .map(|(t, r)| (t.to_owned(), r.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(got, want);
}

#[test]
fn filter_chips_or_within_a_row_and_and_across_rows_and_the_search_still_applies() {
    let f = fleet();
    let none = HashMap::new();
    let aliases = |q: &str, filter: &Filter, att: &HashMap<SessionId, Attention>| {
        let s = model::sections(&f, q, filter, att);
        let mut a: Vec<String> = s
            .iter()
            .flat_map(|s| s.rows.iter().map(|r| r.alias.to_string()))
            .collect();
        a.sort();
        a
    };
    let mut filter = Filter::default();
    model::toggle(&mut filter.kinds, KindName::AwsSso);
    assert_eq!(aliases("", &filter, &none), ["ann", "ops", "zed"]);
    model::toggle(&mut filter.kinds, KindName::AwsSaml);
    assert_eq!(aliases("", &filter, &none), ["ann", "fed", "ops", "zed"]);
    model::toggle(&mut filter.regions, "us-east-1".to_owned());
    assert_eq!(aliases("", &filter, &none), ["fed"], "kind AND region");
    assert_eq!(aliases("payments", &Filter::default(), &none), ["ann", "zed"]);

    let mut status = Filter::default();
    model::toggle(&mut status.statuses, StatusFilter::Active);
    assert_eq!(aliases("", &status, &none), ["dev"]);
    let mut attention = Filter::default();
    model::toggle(&mut attention.statuses, StatusFilter::Attention);
    assert!(aliases("", &attention, &none).is_empty());
    let needs = HashMap::from([(id("dev"), Attention::MfaDue)]);
    assert_eq!(aliases("", &attention, &needs), ["dev"]);
    model::toggle(&mut attention.statuses, StatusFilter::Attention);
    assert!(attention.is_empty(), "a second click turns a chip off");
}

#[test]
fn arrows_walk_the_drawn_order_enter_toggles_delete_and_escape_confirm_or_close() {
    let f = fleet();
    let sections = model::sections(&f, "", &Filter::default(), &HashMap::new());
    let rows = model::order(&sections, super::MAX_ROWS);
    let mut l = List::default();
    assert_eq!(l.key(Key::Enter, &rows), Effect::None, "nothing selected yet");
    assert_eq!(l.key(Key::Down, &rows), Effect::Reveal { index: 0, rows: 6 });
    assert_eq!(l.selected, Some(id("admin")));
    l.key(Key::Down, &rows);
    assert_eq!(l.key(Key::Enter, &rows), Effect::Toggle(id("dev")));
    l.key(Key::Up, &rows);
    l.key(Key::Up, &rows);
    assert_eq!(l.selected, Some(id("admin")), "stops at the top");
    assert_eq!(l.key(Key::Up, &[]), Effect::None);

    assert_eq!(l.key(Key::Delete, &rows), Effect::None);
    assert_eq!(
        l.overlay,
        Some(Overlay::ConfirmDelete(id("admin"))),
        "Delete asks first"
    );
    assert_eq!(l.key(Key::Down, &rows), Effect::None, "the confirmation holds the keys");
    assert_eq!(l.key(Key::Escape, &rows), Effect::None);
    assert_eq!(l.overlay, None, "Escape keeps the session");
    l.key(Key::Delete, &rows);
    assert_eq!(l.key(Key::Enter, &rows), Effect::Delete(id("admin")));
    assert_eq!(l.overlay, None);

    assert_eq!(l.key(Key::Search, &rows), Effect::FocusSearch);
    l.update(Msg::Search("acme".into()));
    model::toggle(&mut l.filter.kinds, KindName::AwsSso);
    assert_eq!(l.key(Key::Escape, &rows), Effect::None);
    assert!(
        l.query.is_empty() && l.filter.is_empty(),
        "Escape clears the search and filters first"
    );
    assert_eq!(l.key(Key::Escape, &rows), Effect::Close, "then closes");
}

#[test]
fn the_menu_and_the_confirmations_end_in_their_action_and_close() {
    let mut l = List::default();
    let a = id("a");
    l.update(Msg::OpenMenu(a.clone()));
    assert_eq!(l.overlay, Some(Overlay::Menu(a.clone())));
    assert_eq!(l.selected, Some(a.clone()), "the menu's row is the keyboard's row");
    assert_eq!(l.update(Msg::Console(a.clone())), Effect::Console(a.clone()));
    assert_eq!(l.overlay, None);
    l.update(Msg::OpenMenu(a.clone()));
    assert_eq!(
        l.update(Msg::Copy("export AWS_PROFILE=p\n".into(), "Copied.")),
        Effect::Copy("export AWS_PROFILE=p\n".into())
    );
    assert_eq!(l.note.as_deref(), Some("Copied."));
    l.update(Msg::AskDelete(a.clone()));
    assert_eq!(l.overlay, Some(Overlay::ConfirmDelete(a.clone())));
    assert!(l.note.is_none(), "the note fades with the next action");
    assert_eq!(l.update(Msg::CloseOverlay), Effect::None);
    l.update(Msg::AskRotate(a.clone()));
    assert_eq!(l.update(Msg::Rotate(a.clone())), Effect::Rotate(a.clone()));
    l.selected = Some(a.clone());
    assert_eq!(
        l.update(Msg::SearchSubmit),
        Effect::Toggle(a),
        "Enter in the search box"
    );
}

#[test]
fn copy_lines_quote_what_a_shell_would_split() {
    let mut v = fleet().remove(0);
    assert_eq!(
        model::export_lines(&v),
        "export AWS_PROFILE=p-dev\nexport AWS_REGION=eu-west-1\n"
    );
    assert_eq!(
        model::credential_process_line(&v),
        "credential_process = keyhop credential-process dev\n"
    );
    v.alias = keyhop_core::validate::SessionAlias::parse("Dev Admin's").unwrap();
    assert_eq!(
        model::credential_process_line(&v),
        "credential_process = keyhop credential-process 'Dev Admin'\\''s'\n"
    );
}

#[test]
fn search_matches_every_word_in_alias_profile_account_or_role() {
    let mut v = fleet().remove(2);
    sso(&mut v, "acme", "Payments Prod");
    assert!(v.matches(""));
    assert!(v.matches("zed"));
    assert!(v.matches("payments power"), "words may come from different fields");
    assert!(v.matches("P-ZED"), "the profile, any case");
    assert!(v.matches("acme 1111"), "the connection and the account id");
    assert!(!v.matches("payments readonly"));
}
