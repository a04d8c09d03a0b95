//! An IAM user's MFA command (`--mfa-process`, like aws-vault's `mfa_process`): a program whose
//! first line of output is the current 6-digit code, e.g. `ykman oath accounts code --single aws`.
//! Stored as the line the user wrote (not a secret), split into words as a POSIX shell would but
//! run without one (write `sh -c '…'` to get one). Running it is the adapters' part; this module
//! holds what it is and how its output is read.

use serde::{Deserialize, Serialize};

use crate::validate::MfaCode;

/// A command line with at least a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MfaProcess {
    line: String,
    argv: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MfaProcessError {
    #[error(
        "the MFA command is empty: give the program that prints the code, e.g. \"ykman oath accounts code --single aws\""
    )]
    Empty,
    #[error("the MFA command cannot be split into words ({0}); check its quotes")]
    Unsplittable(String),
    #[error("cannot run the MFA command {program:?}: {reason}")]
    Spawn { program: String, reason: String },
    #[error("the MFA command {program:?} failed ({status})")]
    Failed { program: String, status: String },
    // The output itself is never quoted: it could be a secret of the user's token.
    #[error("the MFA command {program:?} did not print a 6-digit code on its first line")]
    BadOutput { program: String },
    #[error("the MFA command {program:?} did not finish within {secs} s and was stopped")]
    TimedOut { program: String, secs: String },
}

impl MfaProcess {
    pub fn parse(line: &str) -> Result<Self, MfaProcessError> {
        let argv = shell_words::split(line.trim()).map_err(|e| MfaProcessError::Unsplittable(e.to_string()))?;
        if argv.first().is_none_or(String::is_empty) {
            return Err(MfaProcessError::Empty);
        }
        Ok(Self {
            line: line.trim().to_owned(),
            argv,
        })
    }

    /// The line as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.line
    }

    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// The program alone: what messages name (its arguments might hold a TOTP seed).
    pub fn program(&self) -> &str {
        &self.argv[0]
    }

    /// The code on the first line of what the command printed (spaces around it ignored).
    pub fn code_from(&self, stdout: &[u8]) -> Result<MfaCode, MfaProcessError> {
        let bad = || MfaProcessError::BadOutput {
            program: self.program().to_owned(),
        };
        let text = std::str::from_utf8(stdout).map_err(|_| bad())?;
        let first = text.lines().next().unwrap_or_default();
        MfaCode::parse(first.trim()).map_err(|_| bad())
    }
}

impl TryFrom<String> for MfaProcess {
    type Error = MfaProcessError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<MfaProcess> for String {
    fn from(p: MfaProcess) -> String {
        p.line
    }
}

impl std::fmt::Display for MfaProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell_and_reads_the_first_line() {
        let p = MfaProcess::parse(" ykman oath accounts code --single 'aws: me' ").unwrap();
        assert_eq!(p.argv(), ["ykman", "oath", "accounts", "code", "--single", "aws: me"]);
        assert_eq!(p.as_str(), "ykman oath accounts code --single 'aws: me'");
        assert_eq!(p.program(), "ykman");
        assert_eq!(p.code_from(b"123456\n").unwrap().as_str(), "123456");
        assert_eq!(p.code_from(b" 654321 \r\nmore\n").unwrap().as_str(), "654321");
        for bad in [
            &b""[..],
            b"\n123456\n",
            b"12345\n",
            b"1234567",
            b"code: 123456",
            b"\xff\xfe",
        ] {
            let e = p.code_from(bad).unwrap_err();
            assert_eq!(
                e,
                MfaProcessError::BadOutput {
                    program: "ykman".into()
                }
            );
        }
        assert_eq!(MfaProcess::parse("  ").unwrap_err(), MfaProcessError::Empty);
        assert!(matches!(
            MfaProcess::parse("say 'oops"),
            Err(MfaProcessError::Unsplittable(_))
        ));
        // The seed in an argument never reaches a message.
        let seeded = MfaProcess::parse("oathtool --totp -b JBSWY3DPEHPK3PXP").unwrap();
        assert!(
            !seeded
                .code_from(b"x")
                .unwrap_err()
                .to_string()
                .contains("JBSWY3DPEHPK3PXP")
        );
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<MfaProcess>(&json).unwrap(), p);
        assert!(serde_json::from_str::<MfaProcess>("\"\"").is_err());
    }
}
