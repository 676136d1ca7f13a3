//! Key files: generating a key pair and keeping it as PEM files (PKCS#8 private, mode 0600; SPKI
//! public), the forms OpenSSL reads and writes. The PEM texts themselves are [`crate::primitives::crypto`].

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::primitives::crypto::{self, CryptoError};

/// Key file failures. Each names the file involved.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// A key file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A key file's text is not a usable key.
    #[error("{path}: {source}")]
    Key {
        /// The key file.
        path: PathBuf,
        /// What is wrong with the text.
        source: CryptoError,
    },
    /// The system random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// `keygen` refuses to overwrite an existing key file.
    #[error("{0}: already exists; refusing to overwrite a key")]
    Exists(PathBuf),
}

/// Generates a fresh key from the operating system's random source.
pub fn generate() -> Result<SigningKey, KeyFileError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyFileError::Random(e.to_string()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Reads a PKCS#8 PEM private key file.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyFileError> {
    let text = read_text(path)?;
    crypto::signing_key_from_pem(&text).map_err(|source| KeyFileError::Key { path: path.to_path_buf(), source })
}

/// Reads an SPKI PEM public key file.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, KeyFileError> {
    let text = read_text(path)?;
    crypto::verifying_key_from_pem(&text).map_err(|source| KeyFileError::Key { path: path.to_path_buf(), source })
}

/// Writes `PREFIX.key` (PKCS#8 PEM, mode 0600) and `PREFIX.pub` (SPKI PEM); refuses to overwrite either.
pub fn write_keypair(key: &SigningKey, prefix: &Path) -> Result<(PathBuf, PathBuf), KeyFileError> {
    let key_path = with_suffix(prefix, "key");
    let pub_path = with_suffix(prefix, "pub");
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(KeyFileError::Exists(p.clone()));
        }
    }
    let pem = |path: &PathBuf, r: Result<String, CryptoError>| {
        r.map_err(|source| KeyFileError::Key { path: path.clone(), source })
    };
    let private_pem = pem(&key_path, crypto::private_key_pem(key))?;
    let public_pem = pem(&pub_path, crypto::public_key_pem(&key.verifying_key()))?;
    write_new(&key_path, private_pem.as_bytes(), 0o600)?;
    write_new(&pub_path, public_pem.as_bytes(), 0o644)?;
    Ok((key_path, pub_path))
}

fn with_suffix(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn read_text(path: &Path) -> Result<String, KeyFileError> {
    fs::read_to_string(path).map_err(|source| KeyFileError::Io { path: path.to_path_buf(), source })
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyFileError> {
    let io = |source| KeyFileError::Io { path: path.to_path_buf(), source };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keypair_round_trips_through_pem() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("op");
        let key = generate().unwrap();
        let (kp, pp) = write_keypair(&key, &prefix).unwrap();
        assert_eq!(read_signing_key(&kp).unwrap().to_bytes(), key.to_bytes());
        assert_eq!(read_verifying_key(&pp).unwrap(), key.verifying_key());
        assert!(matches!(write_keypair(&key, &prefix), Err(KeyFileError::Exists(_))));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&kp).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
