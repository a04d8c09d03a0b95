use super::*;
use crate::aws_files::RegionPrior;
use crate::session::{Activation, SessionKind};
use crate::validate::*;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

fn active(alias: &str, exp: OffsetDateTime) -> Session {
    Session {
        id: SessionId::random(),
        alias: SessionAlias::parse(alias).unwrap(),
        profile: ProfileName::parse(alias).unwrap(),
        region: Region::parse("eu-west-1").unwrap(),
        kind: SessionKind::IamUser(crate::kinds::IamUser {
            mfa_device: None,
            duration: SessionDuration::DEFAULT,
            mfa_process: None,
        }),
        active: Some(Activation {
            expiration: exp,
            started_at: T0,
            region_prior: RegionPrior::Absent,
        }),
    }
}

#[test]
fn refreshes_before_expiry_without_mfa() {
    let s = active("a", T0 + Duration::hours(1));
    let all = deadlines(std::slice::from_ref(&s), |_| None, &HashMap::new(), Timing::default());
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].action, all[0].at),
        (Action::Refresh, T0 + Duration::minutes(55))
    );
    assert_eq!((all[1].action, all[1].at), (Action::Expired, T0 + Duration::hours(1)));
    assert!(due(&all, &[], T0 + Duration::minutes(54)).is_empty());
    assert_eq!(due(&all, &[], T0 + Duration::minutes(55)).len(), 1);
    // Handled deadlines do not fire again.
    assert!(due(&all, &[all[0].clone()], T0 + Duration::minutes(56)).is_empty());
}

#[test]
fn warns_ahead_when_the_refresh_needs_an_mfa_code() {
    let exp = T0 + Duration::hours(12);
    let s = active("u", exp);
    let all = deadlines(
        std::slice::from_ref(&s),
        |_| Some(exp),
        &HashMap::new(),
        Timing::default(),
    );
    assert_eq!(all[0].action, Action::WarnMfa);
    assert_eq!(all[0].at, exp - Duration::minutes(10));
    assert!(!all.iter().any(|d| d.action == Action::Refresh));
}

#[test]
fn chained_session_refreshes_silently_while_its_root_token_lasts() {
    let s = active("c", T0 + Duration::hours(1));
    let root_token_expiry = T0 + Duration::hours(11);
    let all = deadlines(
        std::slice::from_ref(&s),
        |_| Some(root_token_expiry),
        &HashMap::new(),
        Timing::default(),
    );
    assert_eq!(all[0].action, Action::Refresh);
    // Once the root token ends before the next refresh, the user is warned instead.
    let soon = T0 + Duration::minutes(30);
    let all = deadlines(
        std::slice::from_ref(&s),
        |_| Some(soon),
        &HashMap::new(),
        Timing::default(),
    );
    assert_eq!(
        (all[0].action, all[0].at),
        (Action::WarnMfa, soon - Duration::minutes(10))
    );
}

#[test]
fn failed_refresh_backs_off() {
    let s = active("a", T0 + Duration::hours(1));
    let f1 = RefreshFailure::next(None, T0 + Duration::minutes(55));
    assert_eq!(f1.retry_at, T0 + Duration::minutes(56));
    let f2 = RefreshFailure::next(Some(f1), f1.retry_at);
    assert_eq!(f2.retry_at, f1.retry_at + Duration::minutes(2));
    let mut f = f2;
    for _ in 0..10 {
        f = RefreshFailure::next(Some(f), T0);
    }
    assert_eq!(f.retry_at, T0 + Duration::minutes(15));
    let failures = HashMap::from([(s.id.clone(), f2)]);
    let all = deadlines(std::slice::from_ref(&s), |_| None, &failures, Timing::default());
    assert_eq!(all[0].at, f2.retry_at);
}

#[test]
fn wakes_at_the_next_deadline_or_within_a_minute() {
    let s = active("a", T0 + Duration::hours(1));
    let all = deadlines(std::slice::from_ref(&s), |_| None, &HashMap::new(), Timing::default());
    assert_eq!(next_wake(&all, &[], T0), T0 + Duration::minutes(1));
    let near = T0 + Duration::minutes(54) + Duration::seconds(30);
    assert_eq!(next_wake(&all, &[], near), T0 + Duration::minutes(55));
    assert_eq!(next_wake(&[], &[], T0), T0 + Duration::minutes(1));
    // A deadline already due and not handled wakes at once; once handled, it does not.
    let late = T0 + Duration::minutes(56);
    assert_eq!(next_wake(&all, &[], late), late);
    assert_eq!(next_wake(&all, &[all[0].clone()], late), T0 + Duration::minutes(57));
}

#[test]
fn inactive_sessions_have_no_deadlines() {
    let mut s = active("a", T0);
    s.active = None;
    assert!(deadlines(&[s], |_| None, &HashMap::new(), Timing::default()).is_empty());
}

#[test]
fn a_margin_longer_than_the_session_refreshes_at_half_life_not_in_a_loop() {
    let s = active("short", T0 + Duration::minutes(15));
    let timing = Timing {
        refresh_margin: Duration::minutes(30),
        ..Timing::default()
    };
    let all = deadlines(std::slice::from_ref(&s), |_| None, &HashMap::new(), timing);
    assert_eq!(
        (all[0].action, all[0].at),
        (Action::Refresh, T0 + Duration::seconds(450))
    );
}
