//! Sessions for unit tests of the desktop parts, built the way the engine builds its views.

use keyhop_core::SessionView;
use keyhop_core::aws_files::RegionPrior;
use keyhop_core::kinds::{IamUser, KindName, RoleChained, SessionKind};
use keyhop_core::session::{Activation, Session, SessionId};
use keyhop_core::validate::{ProfileName, Region, RoleArn, RoleSessionName, SessionAlias, SessionDuration};
use time::OffsetDateTime;

/// A session with id `id-<alias>`, profile `p-<alias>`; chained ones assume from `id-<assumer>`
/// (the role of an `iam-user` view is ignored), active until `expires` when given.
pub fn session(alias: &str, kind: KindName, assumer: Option<&str>, expires: Option<OffsetDateTime>) -> Session {
    Session {
        id: SessionId::from_string(format!("id-{alias}")),
        alias: SessionAlias::parse(alias).unwrap(),
        profile: ProfileName::parse(&format!("p-{alias}")).unwrap(),
        region: Region::parse("eu-west-1").unwrap(),
        kind: match kind {
            KindName::IamUser => SessionKind::IamUser(IamUser {
                mfa_device: None,
                duration: SessionDuration::DEFAULT,
                mfa_process: None,
            }),
            KindName::AwsSso => unimplemented!("SSO sessions come from a sync"),
            KindName::AwsSaml => SessionKind::AwsSaml(keyhop_core::kinds::AwsSaml {
                idp_url: keyhop_core::saml::IdpUrl::parse("https://idp.example.com/aws").unwrap(),
                role_arn: RoleArn::parse("arn:aws:iam::123456789012:role/F").unwrap(),
                principal_arn: keyhop_core::saml::PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/idp")
                    .unwrap(),
                duration: keyhop_core::saml::SamlDuration::DEFAULT,
            }),
            KindName::RoleChained => SessionKind::RoleChained(RoleChained {
                role_arn: RoleArn::parse("arn:aws:iam::123456789012:role/R").unwrap(),
                role_session_name: RoleSessionName::parse("me").unwrap(),
                assumer: SessionId::from_string(format!("id-{}", assumer.unwrap_or("nobody"))),
            }),
        },
        active: expires.map(|expiration| Activation {
            expiration,
            started_at: expiration - time::Duration::hours(1),
            region_prior: RegionPrior::Absent,
        }),
    }
}

/// Views of `sessions`, as `Engine::list` makes them.
pub fn views(sessions: &[Session]) -> Vec<SessionView> {
    SessionView::all(&keyhop_core::state::State {
        sessions: sessions.to_vec(),
        ..keyhop_core::state::State::default()
    })
}
