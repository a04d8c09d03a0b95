//! The IAM Role Federated (SAML 2.0) part of the form. Not addable here yet (the command line
//! adds SAML sessions: `keyhop session add saml`); the form edits alias, profile and region.

use keyhop_core::kinds::{KindEdit, NewKind};
use keyhop_core::validate::ValidationError;

use super::Field;

pub const FIELDS: &[Field] = &[];

pub fn new_kind() -> Result<NewKind, ValidationError> {
    // Not in `ADDABLE`: `update` never asks for it.
    Err(ValidationError::EmptyAlias)
}

pub fn edit() -> Option<KindEdit> {
    None
}
