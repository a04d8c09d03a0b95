//! The IAM User part of the form: MFA device, access key id, secret access key; the keys can
//! come from the console's access-key CSV ("Import CSV…"), and the device from IAM ("Find my MFA
//! device", asked with the keys typed in).

use keyhop_core::kinds::{KindEdit, NewKind, iam_user};
use keyhop_core::secrets::LongTermKeys;
use keyhop_core::validate::{AccessKeyId, MfaDevice, Region, SecretAccessKey, ValidationError};

use super::{Effect, Field, Form};

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

/// "Find my MFA device": where the question to IAM stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Lookup {
    #[default]
    Idle,
    Asking,
    /// The devices' serial numbers (none: the user has no MFA device).
    Found(Vec<String>),
    Failed(String),
}

/// The keys typed in and the region to ask IAM in, when both keys parse.
fn typed_keys(f: &Form) -> Option<(Region, LongTermKeys)> {
    let keys = LongTermKeys {
        access_key_id: AccessKeyId::parse(f.value(Field::AccessKeyId)).ok()?,
        secret_access_key: SecretAccessKey::parse(f.value(Field::Secret)).ok()?,
    };
    let region =
        Region::parse(f.value(Field::Region)).unwrap_or_else(|_| Region::parse("us-east-1").expect("a region"));
    Some((region, keys))
}

/// Whether "Find my MFA device" can ask (both keys typed, no question pending).
pub fn can_find_mfa(f: &Form) -> bool {
    f.lookup != Lookup::Asking && typed_keys(f).is_some()
}

pub fn find_mfa(f: &mut Form) -> Effect {
    if f.lookup == Lookup::Asking {
        return Effect::None;
    }
    let Some((region, keys)) = typed_keys(f) else {
        return Effect::None;
    };
    f.lookup = Lookup::Asking;
    Effect::FindMfa { region, keys }
}

pub fn mfa_found(f: &mut Form, found: Result<Vec<String>, String>) {
    f.lookup = match found {
        Ok(devices) => {
            // One device: that is the answer.
            if let [only] = devices.as_slice() {
                f.values.insert(Field::MfaDevice, only.clone());
            }
            Lookup::Found(devices)
        }
        Err(why) => Lookup::Failed(why),
    };
}

/// The file dialog's answer: the keys go into their fields (the secret only into its own).
pub fn csv_read(f: &mut Form, read: Option<(String, Result<LongTermKeys, String>)>) {
    let Some((file, keys)) = read else { return };
    f.imported = Some(match keys {
        Ok(k) => {
            f.values.insert(Field::AccessKeyId, k.access_key_id.to_string());
            f.values.insert(Field::Secret, k.secret_access_key.expose().to_owned());
            f.lookup = Lookup::Idle;
            Ok(file)
        }
        Err(why) => Err(format!("{file}: {why}")),
    });
}
