//! The IAM Identity Center part of the form: nothing to type. Account and role come from the
//! connection's sync; the form edits alias, profile and region only. (A new connection is
//! `window/sso_form.rs`, the add form's "IAM Identity Center connection".)

use keyhop_core::kinds::{KindEdit, NewKind};
use keyhop_core::validate::ValidationError;

use super::Field;

pub const FIELDS: &[Field] = &[];

pub fn new_kind() -> Result<NewKind, ValidationError> {
    // Not a choice of the picker: `update` never asks for it.
    Err(ValidationError::EmptyAlias)
}

pub fn edit() -> Option<KindEdit> {
    None
}
