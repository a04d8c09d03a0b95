//! The IAM Role Chained part of the form: role ARN, role session name, assumer session (a
//! pick list that leaves out every session that would close a cycle).

use keyhop_core::kinds::{KindEdit, NewKind, role_chained};
use keyhop_core::session::SessionId;
use keyhop_core::validate::{RoleArn, RoleSessionName, ValidationError};

use super::{Field, Form};

pub const FIELDS: &[Field] = &[Field::RoleArn, Field::RoleSessionName, Field::Assumer];

pub fn prefill(f: &mut Form, d: &role_chained::Details) {
    f.values.insert(Field::RoleArn, d.role_arn.to_string());
    f.values.insert(Field::RoleSessionName, d.role_session_name.to_string());
    f.values.insert(Field::Assumer, d.assumer.clone());
}

/// Assumer choices: every other session, minus those that would close a cycle.
pub fn assumer_choices(f: &Form) -> Vec<String> {
    f.others
        .iter()
        .filter(|o| !would_cycle(f, &o.id))
        .map(|o| o.alias.clone())
        .collect()
}

fn would_cycle(f: &Form, assumer: &SessionId) -> bool {
    let Some(me) = f.editing.as_ref().map(|e| &e.id) else {
        return false;
    };
    let mut cur = Some(assumer.clone());
    for _ in 0..=f.others.len() {
        match cur {
            Some(id) if &id == me => return true,
            Some(id) => cur = f.others.iter().find(|o| o.id == id).and_then(|o| o.assumer.clone()),
            None => return false,
        }
    }
    true
}

pub fn error(f: &Form, field: Field) -> Option<String> {
    let v = f.value(field);
    let err = |r: Result<(), ValidationError>| r.err().map(|e| e.to_string());
    match field {
        Field::RoleArn => err(RoleArn::parse(v).map(drop)),
        Field::RoleSessionName => err(RoleSessionName::parse(v).map(drop)),
        Field::Assumer if v.is_empty() => Some("choose the session whose credentials assume the role".into()),
        Field::Assumer => match f.other(v) {
            None => Some(format!("no session named {v:?}")),
            Some(o) if would_cycle(f, &o.id) => Some(format!("{v:?} assumes from this session: that would be a cycle")),
            Some(_) => None,
        },
        _ => None,
    }
}

fn assumer(f: &Form) -> Result<SessionId, ValidationError> {
    // The view only lets a valid choice through; an empty or unknown one fails the alias rule.
    f.other(f.value(Field::Assumer))
        .map(|o| o.id.clone())
        .ok_or(ValidationError::EmptyAlias)
}

pub fn new_kind(f: &Form) -> Result<NewKind, ValidationError> {
    Ok(NewKind::RoleChained(role_chained::New {
        role_arn: RoleArn::parse(f.value(Field::RoleArn))?,
        role_session_name: RoleSessionName::parse(f.value(Field::RoleSessionName))?,
        assumer: assumer(f)?,
    }))
}

pub fn edit(f: &Form, old: &role_chained::Details) -> Result<Option<KindEdit>, ValidationError> {
    let arn = RoleArn::parse(f.value(Field::RoleArn))?;
    let name = RoleSessionName::parse(f.value(Field::RoleSessionName))?;
    let assumer = assumer(f)?;
    let e = role_chained::Edit {
        role_arn: (arn != old.role_arn).then_some(arn),
        role_session_name: (name != old.role_session_name).then_some(name),
        assumer: (assumer != old.assumer_id).then_some(assumer),
    };
    let changed = e.role_arn.is_some() || e.role_session_name.is_some() || e.assumer.is_some();
    Ok(changed.then_some(KindEdit::RoleChained(e)))
}
