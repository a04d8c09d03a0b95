//! What the profile and region fields suggest as they are typed in: the profiles of the AWS
//! files (with who uses them) and the regions with their names, filtered by what was typed.

use keyhop_core::regions;

use super::{Field, Form};
use crate::window::picker::{self, Suggestion};

/// The suggestions of `field` for what it holds now. A value that is exactly one of them lists
/// them all (the "▾" beside a filled field browses).
pub fn suggestions(f: &Form, field: Field) -> Vec<Suggestion> {
    match field {
        Field::Profile => profiles(f),
        Field::Region => picker::regions(f.value(Field::Region)),
        _ => vec![],
    }
}

/// Whether `value` is exactly one of `field`'s choices (nothing left to suggest while typing).
pub fn is_choice(f: &Form, field: Field, value: &str) -> bool {
    match field {
        Field::Profile => f.profile_choices.iter().any(|p| p == value),
        Field::Region => regions::is_known(value),
        _ => false,
    }
}

fn profiles(f: &Form) -> Vec<Suggestion> {
    let typed = f.value(Field::Profile).trim().to_lowercase();
    let exact = is_choice(f, Field::Profile, f.value(Field::Profile));
    f.profile_choices
        .iter()
        .filter(|p| exact || p.to_lowercase().contains(&typed))
        .map(|p| Suggestion {
            value: p.clone(),
            label: match (f.profile_user(p), f.shadowed.contains_key(p)) {
                (_, true) => format!("{p} — config would shadow it"),
                (Some(alias), false) => format!("{p} — used by {alias}"),
                (None, false) => p.clone(),
            },
        })
        .collect()
}

/// The quiet line under a field: a region's name, who else uses a profile.
pub fn note(f: &Form, field: Field) -> Option<String> {
    let v = f.value(field).trim();
    match field {
        Field::Region => regions::name(v).map(str::to_owned),
        Field::Profile => f
            .profile_user(v)
            .map(|alias| format!("Also the profile of session {alias:?}: starting one stops the other.")),
        _ => None,
    }
}
