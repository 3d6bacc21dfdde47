//! Encryption at rest for config values and local secrets.
//!
//! Every value the store writes goes through [`Cipher::seal`]: XChaCha20-Poly1305 with a random
//! 24-byte nonce and associated data naming the value's owner and key, so a ciphertext copied onto
//! another row fails to open. The 32-byte key lives in `<data-dir>/secret.key` (or the file
//! `serve --key-file` names), created 0600 on first start and never logged; `key_check` makes sure
//! it is the key the store was written with.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::Rng;
use zeroize::Zeroizing;

use crate::domain::Secret;

/// The key file's name inside the data directory.
pub const KEY_FILE: &str = "secret.key";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// Seals and opens values with the data directory's key.
pub struct Cipher {
    aead: XChaCha20Poly1305,
    /// The token-signing subkey (HKDF-SHA256 of the key), never the key itself.
    token_key: ring::hmac::Key,
}

/// HKDF `info` of the token-signing subkey: a distinct subkey per purpose, so a signature can
/// never be confused with a sealed value.
const TOKEN_KEY_INFO: &[u8] = b"sourcedeck access token signing v1";

impl Cipher {
    /// Loads `<dir>/secret.key`, creating it (0600) when absent. Two processes starting at once
    /// agree on one key: creation is exclusive and the loser reads the winner's file.
    pub fn load_or_create(dir: &Path) -> Result<Self> {
        Self::load_or_create_file(&dir.join(KEY_FILE))
    }

    /// Loads the key file at `path`, creating it (0600) when absent; see [`Cipher::load_or_create`].
    pub fn load_or_create_file(path: &Path) -> Result<Self> {
        let key = match read_key(path)? {
            Some(key) => key,
            None => match create_key(path) {
                Ok(key) => key,
                Err(error) if is_already_exists(&error) => read_key(path)?
                    .ok_or_else(|| anyhow!("{} vanished while starting", path.display()))?,
                Err(error) => return Err(error),
            },
        };
        Self::from_key(path, &key)
    }

    /// Loads the key file at `path`; `None` when there is no such file. Never creates one.
    pub fn load_file(path: &Path) -> Result<Option<Self>> {
        read_key(path)?
            .map(|key| Self::from_key(path, &key))
            .transpose()
    }

    fn from_key(path: &Path, key: &[u8]) -> Result<Self> {
        let aead = XChaCha20Poly1305::new_from_slice(key)
            .map_err(|_| anyhow!("{} does not hold a {KEY_LEN}-byte key", path.display()))?;
        let token_key = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, b"sourcedeck")
            .extract(key)
            .expand(&[TOKEN_KEY_INFO], ring::hmac::HMAC_SHA256)
            .map(ring::hmac::Key::from)
            .map_err(|_| anyhow!("deriving the token-signing subkey failed"))?;
        Ok(Self { aead, token_key })
    }

    /// The subkey access tokens are signed with (the same on every replica sharing the key).
    pub fn token_key(&self) -> ring::hmac::Key {
        self.token_key.clone()
    }

    /// Encrypts `plain`, binding it to `context` (owner and key); returns nonce || ciphertext.
    pub fn seal(&self, context: &str, plain: &Secret) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .aead
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.expose().as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow!("encryption failed"))?;
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts what [`Cipher::seal`] wrote for the same `context`.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Secret> {
        if sealed.len() < NONCE_LEN {
            bail!("stored value for {context} is truncated");
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let plain = Zeroizing::new(
            self.aead
                .decrypt(
                    XNonce::from_slice(nonce),
                    Payload {
                        msg: body,
                        aad: context.as_bytes(),
                    },
                )
                .map_err(|_| {
                    anyhow!("stored value for {context} failed to decrypt (wrong key file?)")
                })?,
        );
        let text = std::str::from_utf8(&plain)
            .with_context(|| format!("stored value for {context} is not UTF-8"))?;
        Ok(Secret::new(text))
    }
}

fn is_already_exists(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == ErrorKind::AlreadyExists)
}

fn read_key(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let key = match fs::read(path) {
        Ok(bytes) => Zeroizing::new(bytes),
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    if key.len() != KEY_LEN {
        bail!(
            "{} holds {} bytes; expected a {KEY_LEN}-byte key",
            path.display(),
            key.len()
        );
    }
    Ok(Some(key))
}

/// Writes a fresh key to a private temporary file, then links it into place, so the key file is
/// never seen half-written and exactly one of two racing starts wins (`AlreadyExists` for the other).
fn create_key(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let mut key = Zeroizing::new(vec![0u8; KEY_LEN]);
    rand::rng().fill_bytes(&mut key);
    // Unique per call (not just per process), so threads racing here never share a file.
    let mut tag = [0u8; 8];
    rand::rng().fill_bytes(&mut tag);
    let tag: String = tag.iter().map(|byte| format!("{byte:02x}")).collect();
    let temporary = path.with_extension(format!("tmp-{}-{tag}", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let written = options
        .open(&temporary)
        .and_then(|mut file| {
            #[cfg(unix)]
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
            file.write_all(&key)?;
            file.sync_all()
        })
        .with_context(|| format!("writing {}", temporary.display()));
    let linked =
        written.and_then(|()| fs::hard_link(&temporary, path).map_err(anyhow::Error::from));
    let _ = fs::remove_file(&temporary);
    linked?;
    if let Some(parent) = path.parent() {
        let _ = fs::File::open(parent).and_then(|dir| dir.sync_all());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_bound_to_context() {
        let dir = tempfile::tempdir().unwrap();
        let cipher = Cipher::load_or_create(dir.path()).unwrap();
        let sealed = cipher.seal("a:PGPASSWORD", &Secret::new("s3cret")).unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(
            cipher.open("a:PGPASSWORD", &sealed).unwrap().expose(),
            "s3cret"
        );
        assert!(cipher.open("b:PGPASSWORD", &sealed).is_err());
        assert!(cipher.open("a:PGPASSWORD", &sealed[..10]).is_err());
    }

    #[test]
    fn key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Cipher::load_or_create(dir.path()).unwrap();
        let sealed = first.seal("ctx", &Secret::new("v")).unwrap();
        let second = Cipher::load_or_create(dir.path()).unwrap();
        assert_eq!(second.open("ctx", &sealed).unwrap().expose(), "v");
        #[cfg(unix)]
        {
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_wrong_length_key_file_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let error = Cipher::load_or_create(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("secret.key") && error.contains("5 bytes"),
            "{error}"
        );
    }
}
