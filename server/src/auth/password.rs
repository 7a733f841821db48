//! Admin passwords: Argon2id with the crate's default parameters, stored as PHC strings (the
//! string names algorithm, version, parameters and salt, so they can be raised later without
//! a migration). Hashing is CPU-heavy by design, so callers run it off the async threads with
//! [`hash_blocking`] and [`verify_blocking`].

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore as _;

/// Short passwords are the one weakness a hash cannot fix.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// A bound on the work one request can ask of the hasher.
pub const MAX_PASSWORD_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters long (it has {0})")]
    TooShort(usize),
    #[error("the password must be at most {MAX_PASSWORD_BYTES} bytes long")]
    TooLong,
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Refuses passwords that are too short or absurdly long; says which and by how much.
pub fn check_strength(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort(chars));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong);
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// Checks the strength, then hashes with a fresh 16-byte salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_strength(password)?;
    hash_unchecked(password)
}

fn hash_unchecked(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|err| PasswordError::Hash(err.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|phc| phc.to_string())
        .map_err(|err| PasswordError::Hash(err.to_string()))
}

/// True when `password` matches the PHC string. A malformed stored hash is a mismatch (and
/// logged), never a panic.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(err) => {
            tracing::error!(error = %err, "a stored password hash is malformed");
            false
        }
    }
}

/// Spends the time of one verification and fails: used when the username is unknown, so the
/// response time does not reveal which usernames exist.
pub fn verify_dummy(password: &str) -> bool {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_unchecked("wgmik-dummy-password-for-timing").ok());
    if let Some(phc) = dummy {
        let _ = verify(password, phc);
    }
    false
}

pub async fn hash_blocking(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|err| PasswordError::Hash(err.to_string()))?
}

/// `phc` is `None` for an unknown user: the dummy hash is verified instead, and the answer is
/// always false.
pub async fn verify_blocking(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => verify_dummy(&password),
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_and_verify() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterY", &phc));
        assert_ne!(
            phc,
            hash("correct horse battery").unwrap(),
            "fresh salt each time"
        );
    }

    #[test]
    fn strength_is_checked_in_characters() {
        assert_eq!(check_strength("short"), Err(PasswordError::TooShort(5)));
        let err = hash("123456789").unwrap_err();
        assert!(err.to_string().contains("at least 10"), "{err}");
        // Ten characters, more bytes: counted as characters.
        assert!(check_strength("ääääääääää").is_ok());
        assert_eq!(
            check_strength(&"x".repeat(MAX_PASSWORD_BYTES + 1)),
            Err(PasswordError::TooLong)
        );
    }

    #[test]
    fn malformed_hash_and_dummy_never_match() {
        assert!(!verify("whatever-password", "not a phc string"));
        assert!(!verify_dummy("wgmik-dummy-password-for-timing"));
    }
}
