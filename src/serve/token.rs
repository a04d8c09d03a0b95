//! The authorization token of one `keyhop serve` run: random, printed once for the client's
//! environment, never logged, compared in constant time.

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `Debug` redacts it (SecretString), so it cannot slip into a tracing field.
#[derive(Debug)]
pub struct AuthToken(SecretString);

impl AuthToken {
    /// 32 bytes from the OS, hex-encoded (a header value needs no escaping).
    pub fn random() -> Self {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).expect("the OS random source is available");
        let hex: String = b
            .iter()
            .flat_map(|x| [HEX[usize::from(x >> 4)], HEX[usize::from(x & 0xf)]])
            .map(char::from)
            .collect();
        Self(SecretString::from(hex))
    }

    /// For the one line of stdout that hands it to the user.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether an `Authorization` header carries it. Constant time in the value, so the
    /// response time tells nothing of how much of a guess was right.
    pub fn matches(&self, header: &[u8]) -> bool {
        self.0.expose_secret().as_bytes().ct_eq(header).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_itself() {
        let t = AuthToken::random();
        assert_eq!(t.expose().len(), 64);
        assert!(t.matches(t.expose().as_bytes()));
        assert!(!t.matches(&t.expose().as_bytes()[1..]));
        assert!(!t.matches(b""));
        let other = AuthToken::random();
        assert!(!t.matches(other.expose().as_bytes()));
        assert!(!format!("{t:?}").contains(t.expose()), "Debug must redact");
    }
}
