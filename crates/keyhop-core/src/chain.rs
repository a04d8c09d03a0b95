//! The assumer graph of chained sessions: which credentials a start needs, in which order,
//! and which edits or removals would break the graph.

use crate::session::{Session, SessionId};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("session {alias:?} would assume from itself through a cycle: {path}")]
    Cycle { alias: String, path: String },
    #[error("session {alias:?} assumes from a session that no longer exists (id {missing})")]
    MissingAssumer { alias: String, missing: SessionId },
}

pub fn find<'a>(sessions: &'a [Session], id: &SessionId) -> Option<&'a Session> {
    sessions.iter().find(|s| &s.id == id)
}

/// The sessions whose credentials are needed to start `target`, root (an IAM user) first and
/// `target` last.
pub fn resolve<'a>(sessions: &'a [Session], target: &'a Session) -> Result<Vec<&'a Session>, ChainError> {
    let mut chain = vec![target];
    let mut cur = target;
    while let Some(assumer_id) = cur.kind.assumer() {
        let next = find(sessions, assumer_id).ok_or_else(|| ChainError::MissingAssumer {
            alias: cur.alias.to_string(),
            missing: assumer_id.clone(),
        })?;
        if chain.iter().any(|s| s.id == next.id) {
            chain.push(next);
            return Err(cycle_error(target, &chain));
        }
        chain.push(next);
        cur = next;
    }
    chain.reverse();
    Ok(chain)
}

/// Would letting `id` assume from `new_assumer` close a loop? Returns the loop for the message.
pub fn check_new_assumer(sessions: &[Session], id: &SessionId, new_assumer: &SessionId) -> Result<(), ChainError> {
    let Some(me) = find(sessions, id) else { return Ok(()) };
    let mut path = vec![me];
    let mut cur = new_assumer;
    loop {
        let Some(s) = find(sessions, cur) else { return Ok(()) };
        path.push(s);
        if &s.id == id {
            return Err(cycle_error(me, &path));
        }
        match s.kind.assumer() {
            Some(next) if path.len() <= sessions.len() + 1 => cur = next,
            _ => return Ok(()),
        }
    }
}

fn cycle_error(target: &Session, path: &[&Session]) -> ChainError {
    let path = path.iter().map(|s| s.alias.as_str()).collect::<Vec<_>>().join(" -> ");
    ChainError::Cycle {
        alias: target.alias.to_string(),
        path,
    }
}

/// Sessions that assume directly from `id`.
pub fn dependants<'a>(sessions: &'a [Session], id: &SessionId) -> Vec<&'a Session> {
    sessions.iter().filter(|s| s.kind.assumer() == Some(id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws_files::RegionPrior;
    use crate::session::SessionKind;
    use crate::validate::*;

    fn user(alias: &str) -> Session {
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
            active: None,
        }
    }
    fn chained(alias: &str, assumer: &Session) -> Session {
        Session {
            kind: SessionKind::RoleChained(crate::kinds::RoleChained {
                role_arn: RoleArn::parse("arn:aws:iam::123456789012:role/R").unwrap(),
                role_session_name: RoleSessionName::parse("me").unwrap(),
                assumer: assumer.id.clone(),
            }),
            ..user(alias)
        }
    }

    #[test]
    fn resolves_root_first() {
        let u = user("u");
        let c1 = chained("c1", &u);
        let c2 = chained("c2", &c1);
        let all = vec![c2.clone(), u.clone(), c1.clone()];
        let order: Vec<_> = resolve(&all, &all[0])
            .unwrap()
            .iter()
            .map(|s| s.alias.to_string())
            .collect();
        assert_eq!(order, ["u", "c1", "c2"]);
        assert_eq!(dependants(&all, &u.id).len(), 1);
        assert_eq!(dependants(&all, &c2.id).len(), 0);
    }

    #[test]
    fn detects_cycles_on_edit_and_on_resolve() {
        let u = user("u");
        let a = chained("a", &u);
        let b = chained("b", &a);
        let mut all = vec![u.clone(), a.clone(), b.clone()];
        let e = check_new_assumer(&all, &a.id, &b.id).unwrap_err().to_string();
        assert!(e.contains("cycle") && e.contains("a -> b -> a"), "{e}");
        assert!(check_new_assumer(&all, &a.id, &a.id).is_err());
        assert!(check_new_assumer(&all, &b.id, &u.id).is_ok());
        // A state file edited by hand into a loop still cannot hang a start.
        if let SessionKind::RoleChained(k) = &mut all[1].kind {
            k.assumer = b.id.clone();
        }
        assert!(matches!(resolve(&all, &all[2]), Err(ChainError::Cycle { .. })));
        let _ = RegionPrior::Absent;
    }

    #[test]
    fn missing_assumer_is_an_error() {
        let u = user("u");
        let a = chained("a", &u);
        let all = vec![a.clone()];
        assert!(matches!(resolve(&all, &all[0]), Err(ChainError::MissingAssumer { .. })));
    }
}
