//! Secrets: argon2id password hashes, random tokens (shown once, stored as sha256), and the
//! login rate limit.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// A password could not be hashed (the parameters are fixed: this does not happen in practice).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing: {0}")]
pub struct HashError(String);

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// An argon2id hash (PHC string, random salt, the crate's default cost).
pub fn hash_password(password: &str) -> Result<String, HashError> {
    // 16 random bytes from the OS (uuid v4 draws them with getrandom).
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes())
        .map_err(|e| HashError(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (a malformed hash matches nothing).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random secret: 244 bits from the OS, as 64 hex characters.
pub fn new_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A new API token: `dw_` and a secret (the prefix lets secret scanners find leaked ones).
pub fn new_token() -> String {
    format!("dw_{}", new_secret())
}

/// What is stored for a token or a session id.
pub fn secret_hash(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two strings in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed logins allowed per key (client address, user name) in a window.
pub const LOGIN_FAILURES: u32 = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(300);

/// Failed-login counts per key, forgotten after [`LOGIN_WINDOW`].
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: HashMap<String, (Instant, u32)>,
}

impl LoginLimiter {
    /// Whether `key` may try now.
    pub fn allowed(&mut self, key: &str, now: Instant) -> bool {
        self.forget(now);
        self.failures
            .get(key)
            .is_none_or(|(_, n)| *n < LOGIN_FAILURES)
    }

    pub fn failed(&mut self, key: &str, now: Instant) {
        self.forget(now);
        let e = self.failures.entry(key.to_string()).or_insert((now, 0));
        e.1 += 1;
    }

    pub fn succeeded(&mut self, key: &str) {
        self.failures.remove(key);
    }

    fn forget(&mut self, now: Instant) {
        if self.failures.len() > 10_000
            || self
                .failures
                .values()
                .any(|(t, _)| now.duration_since(*t) >= LOGIN_WINDOW)
        {
            self.failures
                .retain(|_, (t, _)| now.duration_since(*t) < LOGIN_WINDOW);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterx", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(h, hash_password("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn secrets() {
        let a = new_secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_secret());
        assert!(new_token().starts_with("dw_"));
        assert_eq!(secret_hash("abc").len(), 64);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn logins_are_limited() {
        let mut l = LoginLimiter::default();
        let t = Instant::now();
        for _ in 0..LOGIN_FAILURES {
            assert!(l.allowed("k", t));
            l.failed("k", t);
        }
        assert!(!l.allowed("k", t));
        assert!(l.allowed("other", t));
        assert!(l.allowed("k", t + LOGIN_WINDOW));
    }
}
