//! The IAM User part of the form: MFA device, access key id, secret access key.

use keyhop_core::kinds::{KindEdit, NewKind, iam_user};
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::validate::{AccessKeyId, MfaDevice, SecretAccessKey, ValidationError};

use super::{Field, Form};

pub const FIELDS: &[Field] = &[Field::MfaDevice, Field::AccessKeyId, Field::Secret];

pub fn prefill(f: &mut Form, d: &iam_user::Details) {
    let device = d.mfa_device.as_ref().map(ToString::to_string).unwrap_or_default();
    f.values.insert(Field::MfaDevice, device);
}

fn key_id_changed(f: &Form) -> bool {
    let typed = f.value(Field::AccessKeyId).trim();
    !typed.is_empty() && Some(typed) != f.stored_key_id.as_deref()
}

pub fn error(f: &Form, field: Field) -> Option<String> {
    let v = f.value(field);
    let err = |r: Result<(), ValidationError>| r.err().map(|e| e.to_string());
    match field {
        Field::MfaDevice if v.trim().is_empty() => None,
        Field::MfaDevice => err(MfaDevice::parse(v).map(drop)),
        // On edit, both key fields blank keep the stored keys.
        Field::AccessKeyId if f.is_edit() && v.trim().is_empty() => None,
        Field::AccessKeyId => err(AccessKeyId::parse(v).map(drop)),
        Field::Secret if f.is_edit() && v.is_empty() && !key_id_changed(f) => None,
        Field::Secret if f.is_edit() && v.is_empty() => Some("a new access key id needs its secret access key".into()),
        Field::Secret => err(SecretAccessKey::parse(v).map(drop)),
        _ => None,
    }
}

fn mfa_device(f: &Form) -> Result<Option<MfaDevice>, ValidationError> {
    f.optional(Field::MfaDevice).map(MfaDevice::parse).transpose()
}

pub fn new_kind(f: &Form) -> Result<NewKind, ValidationError> {
    Ok(NewKind::IamUser(iam_user::New {
        keys: LongTermKeys {
            access_key_id: AccessKeyId::parse(f.value(Field::AccessKeyId))?,
            secret_access_key: SecretAccessKey::parse(f.value(Field::Secret))?,
        },
        mfa_device: mfa_device(f)?,
        duration: f.duration.unwrap_or_default(),
        // Set from the command line (`session edit --mfa-process`); the form leaves it.
        mfa_process: None,
    }))
}

pub fn edit(f: &Form, old: &iam_user::Details) -> Result<Option<KindEdit>, ValidationError> {
    let mut e = iam_user::Edit::default();
    let device = mfa_device(f)?;
    if device != old.mfa_device {
        e.mfa_device = Some(device);
    }
    if key_id_changed(f) {
        e.access_key_id = Some(AccessKeyId::parse(f.value(Field::AccessKeyId))?);
    }
    if !f.value(Field::Secret).is_empty() {
        e.secret_access_key = Some(SecretAccessKey::parse(f.value(Field::Secret))?);
    }
    let changed = e.mfa_device.is_some() || e.access_key_id.is_some() || e.secret_access_key.is_some();
    Ok(changed.then_some(KindEdit::IamUser(e)))
}
