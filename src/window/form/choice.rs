//! The add form's first step: what to add. Every kind a person adds starts here, the IAM Identity
//! Center connection included (its sessions then come from the connection's sync).

use keyhop_core::kinds::KindName;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Kind(KindName),
    SsoConnection,
}

/// In the order the picker shows them (the first is preselected).
pub const CHOICES: [Choice; 4] = [
    Choice::Kind(KindName::IamUser),
    Choice::Kind(KindName::RoleChained),
    Choice::SsoConnection,
    Choice::Kind(KindName::AwsSaml),
];

impl Choice {
    pub fn title(self) -> &'static str {
        match self {
            Choice::Kind(KindName::IamUser) => "IAM user",
            Choice::Kind(KindName::RoleChained) => "Role chained",
            Choice::SsoConnection | Choice::Kind(KindName::AwsSso) => "IAM Identity Center connection",
            Choice::Kind(KindName::AwsSaml) => "SAML federated role",
        }
    }

    pub fn blurb(self) -> &'static str {
        match self {
            Choice::Kind(KindName::IamUser) => {
                "Long-term access keys (with MFA): keyhop turns them into short-lived credentials."
            }
            Choice::Kind(KindName::RoleChained) => "A role assumed with the credentials of another session.",
            Choice::SsoConnection | Choice::Kind(KindName::AwsSso) => {
                "Your organisation's AWS access portal: one sign-in, a session per account and role."
            }
            Choice::Kind(KindName::AwsSaml) => "A role through your identity provider (Okta, Entra ID, ADFS…).",
        }
    }

    /// The picker's place of this choice.
    pub fn index(self) -> usize {
        CHOICES.iter().position(|c| *c == self).unwrap_or(0)
    }
}
