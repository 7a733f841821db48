//! Secrets at rest (SPEC §9): router passwords (and the webhook secret) are stored encrypted
//! with AES-256-GCM (ring) under the master key, a fresh random 96-bit nonce per value, and
//! associated data naming what the value belongs to (the router id), so a ciphertext copied
//! onto another router's row does not decrypt.
//!
//! Stored form: `v1:` + base64(nonce ‖ ciphertext ‖ tag). The key comes from
//! `WGMIK_MASTER_KEY` (32 bytes, base64); without it a key file `master.key` is created in the
//! data directory with mode 0600 and a warning is logged. A key that cannot decrypt the stored
//! secrets stops start-up with a clear message: it never replaces them.
//!
//! The key is installed once per process ([`install`]) and read by the few places that store
//! or use a secret; that keeps it out of every function signature between the HTTP edge and
//! the router client, and out of `Debug` output (the type prints `MasterKey(***)`).

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// The environment variable holding the base64 master key.
pub const MASTER_KEY_VAR: &str = "WGMIK_MASTER_KEY";
/// The key file created in the data directory when the variable is not set.
pub const KEY_FILE: &str = "master.key";
const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error(
        "{MASTER_KEY_VAR} must be 32 bytes in base64 (e.g. from `openssl rand -base64 32`): {0}"
    )]
    BadKey(String),
    #[error("cannot read or create the key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error(
        "the master key cannot decrypt the stored {what}: it is not the key they were encrypted \
         with (restore the right {MASTER_KEY_VAR} or key file; nothing was changed)"
    )]
    WrongKey { what: String },
    #[error("the stored {what} is not a wgmik secret (damaged value)")]
    Malformed { what: String },
    #[error("no master key is installed (start-up did not load one)")]
    NotInstalled,
    #[error("cannot encrypt: the system random source failed")]
    Random,
}

/// A 256-bit AES-GCM key.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses the base64 form (standard alphabet, padding optional, whitespace trimmed).
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let trimmed = text.trim();
        let bytes = STANDARD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
            .map_err(|err| SecretError::BadKey(format!("not base64 ({err})")))?;
        let array: [u8; 32] = bytes
            .try_into()
            .map_err(|v: Vec<u8>| SecretError::BadKey(format!("{} bytes, not 32", v.len())))?;
        Ok(Self(array))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = [0u8; 32];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SecretError::Random)?;
        Ok(Self(bytes))
    }

    fn aead(&self) -> Result<LessSafeKey, SecretError> {
        UnboundKey::new(&AES_256_GCM, &self.0)
            .map(LessSafeKey::new)
            .map_err(|_| SecretError::BadKey("rejected by AES-256-GCM".to_owned()))
    }

    /// Encrypts `plaintext` bound to `context` (e.g. `router:7:password`).
    pub fn encrypt(&self, plaintext: &str, context: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| SecretError::Random)?;
        let mut sealed = plaintext.as_bytes().to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| SecretError::Random)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts a stored value made by [`MasterKey::encrypt`] with the same `context`.
    pub fn decrypt(&self, stored: &str, context: &str) -> Result<String, SecretError> {
        let malformed = || SecretError::Malformed {
            what: context.to_owned(),
        };
        let body = stored.strip_prefix(PREFIX).ok_or_else(malformed)?;
        let mut bytes = STANDARD.decode(body).map_err(|_| malformed())?;
        if bytes.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(malformed());
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[..NONCE_LEN]);
        let plain = self
            .aead()?
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut bytes[NONCE_LEN..],
            )
            .map_err(|_| SecretError::WrongKey {
                what: context.to_owned(),
            })?;
        String::from_utf8(plain.to_vec()).map_err(|_| malformed())
    }
}

/// Whether a stored value is in the encrypted form (older rows may hold plaintext).
pub fn is_encrypted(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The associated data of a router's password.
pub fn router_context(router_id: i32) -> String {
    format!("router:{router_id}:password")
}

/// The associated data of the webhook secret.
pub const WEBHOOK_CONTEXT: &str = "settings:webhook_secret";

/// Where the key came from, for the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    ExistingFile(PathBuf),
    CreatedFile(PathBuf),
}

/// Loads the master key: `WGMIK_MASTER_KEY` when set (`env_value`), else the key file in
/// `data_dir`, created (0600) when missing.
pub fn load(
    env_value: Option<&str>,
    data_dir: &Path,
) -> Result<(MasterKey, KeySource), SecretError> {
    if let Some(text) = env_value.filter(|t| !t.trim().is_empty()) {
        return Ok((MasterKey::from_base64(text)?, KeySource::Environment));
    }
    let path = data_dir.join(KEY_FILE);
    let file_error = |reason: String| SecretError::KeyFile {
        path: path.display().to_string(),
        reason,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((
            MasterKey::from_base64(&text)?,
            KeySource::ExistingFile(path.clone()),
        )),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate()?;
            write_key_file(&path, &key).map_err(|err| file_error(err.to_string()))?;
            Ok((key, KeySource::CreatedFile(path.clone())))
        }
        Err(err) => Err(file_error(err.to_string())),
    }
}

/// Writes a key file readable by its owner only (created with mode 0600, never widened).
pub fn write_key_file(path: &Path, key: &MasterKey) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{}", key.to_base64())?;
    file.sync_all()
}

static INSTALLED: RwLock<Option<MasterKey>> = RwLock::new(None);

/// Makes `key` the process's master key.
pub fn install(key: MasterKey) {
    if let Ok(mut slot) = INSTALLED.write() {
        *slot = Some(key);
    }
}

/// The installed key.
pub fn installed() -> Result<MasterKey, SecretError> {
    INSTALLED
        .read()
        .ok()
        .and_then(|slot| slot.clone())
        .ok_or(SecretError::NotInstalled)
}

/// Encrypts a router password under the installed key.
pub fn seal_router_password(router_id: i32, password: &str) -> Result<String, SecretError> {
    installed()?.encrypt(password, &router_context(router_id))
}

/// Decrypts a stored router password under the installed key.
pub fn open_router_password(router_id: i32, stored: &str) -> Result<String, SecretError> {
    installed()?.decrypt(stored, &router_context(router_id))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = MasterKey::generate().unwrap();
        let sealed = key.encrypt("s3cret pässword", "router:1:password").unwrap();
        assert!(is_encrypted(&sealed));
        assert!(!sealed.contains("s3cret"));
        assert_eq!(
            key.decrypt(&sealed, "router:1:password").unwrap(),
            "s3cret pässword"
        );
        // Another router's row, or another key: refused, never garbage.
        assert!(matches!(
            key.decrypt(&sealed, "router:2:password"),
            Err(SecretError::WrongKey { .. })
        ));
        let other = MasterKey::generate().unwrap();
        assert!(matches!(
            other.decrypt(&sealed, "router:1:password"),
            Err(SecretError::WrongKey { .. })
        ));
        // A fresh nonce each time.
        assert_ne!(
            sealed,
            key.encrypt("s3cret pässword", "router:1:password").unwrap()
        );
        assert!(matches!(
            key.decrypt("plaintext", "router:1:password"),
            Err(SecretError::Malformed { .. })
        ));
        assert!(matches!(
            key.decrypt("v1:AAAA", "router:1:password"),
            Err(SecretError::Malformed { .. })
        ));
    }

    #[test]
    fn keys_parse_from_base64_and_never_print() {
        let key = MasterKey::from_bytes([7u8; 32]);
        assert_eq!(MasterKey::from_base64(&key.to_base64()).unwrap(), key);
        assert!(matches!(
            MasterKey::from_base64("c2hvcnQ="),
            Err(SecretError::BadKey(_))
        ));
        assert!(matches!(
            MasterKey::from_base64("not base64!"),
            Err(SecretError::BadKey(_))
        ));
        assert_eq!(format!("{key:?}"), "MasterKey(***)");
    }

    #[test]
    fn a_key_file_is_created_owner_only_and_reused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = std::env::temp_dir().join(format!("wgmik-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (first, source) = load(None, &dir).unwrap();
        assert!(matches!(source, KeySource::CreatedFile(_)));
        let mode = std::fs::metadata(dir.join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let (again, source) = load(None, &dir).unwrap();
        assert_eq!(first, again);
        assert!(matches!(source, KeySource::ExistingFile(_)));
        let (env, source) = load(Some(&MasterKey::from_bytes([1; 32]).to_base64()), &dir).unwrap();
        assert_eq!(source, KeySource::Environment);
        assert_ne!(env, first);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
