//! The one place private keys are read and JWTs signed (Google service accounts and Snowflake
//! key-pair logins used to do each with their own rules): PEM parsing by `rustls-pki-types`,
//! RSA PKCS#8 keys by `ring`, and compact RS256 JWTs over JSON header and claims.
//!
//! Errors are phrases that follow the name of the field holding the key (`SNOWFLAKE_PRIVATE_KEY_B64
//! holds a PKCS#1 key; ...`); they never quote the key, and never pass on the PEM parser's own
//! message (which can quote a line of the input).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::PrivateKeyDer;
use rustls::pki_types::pem::{self, PemObject};
use serde_json::Value;

/// Why a text or byte string holds no usable RSA private key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// An `ENCRYPTED PRIVATE KEY` block: the checks take unencrypted keys only.
    Encrypted,
    /// A `RSA PRIVATE KEY` (PKCS#1) block: ring signs with PKCS#8 keys.
    Pkcs1,
    /// An `EC PRIVATE KEY` block: the JWTs here are RS256.
    NotRsa,
    /// No private-key PEM block at all.
    NoPemBlock,
    /// A private-key block without its END line.
    Unterminated,
    /// A block whose body is not base64 (or is otherwise malformed).
    BadPem,
    /// DER that ring does not accept as an RSA PKCS#8 key.
    NotRsaPkcs8,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyError::Encrypted => {
                "holds an encrypted key; the check needs an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)"
            }
            KeyError::Pkcs1 => {
                "holds a PKCS#1 key; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)"
            }
            KeyError::NotRsa => "holds an EC key; the check needs an RSA PKCS#8 key",
            KeyError::NoPemBlock => "is not a PEM block (expected -----BEGIN PRIVATE KEY-----)",
            KeyError::Unterminated => "holds a PEM block without its END line",
            KeyError::BadPem => "holds a PEM block that is not valid base64",
            KeyError::NotRsaPkcs8 => "is not a PKCS#8 RSA key",
        })
    }
}

/// The RSA key in the first private-key PEM block of `text`.
pub fn rsa_key_from_pem(text: &str) -> Result<RsaKeyPair, KeyError> {
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return Err(KeyError::Encrypted);
    }
    let key = PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|error| match error {
        pem::Error::NoItemsFound => KeyError::NoPemBlock,
        pem::Error::MissingSectionEnd { .. } => KeyError::Unterminated,
        _ => KeyError::BadPem,
    })?;
    match key {
        PrivateKeyDer::Pkcs8(der) => rsa_key_from_der(der.secret_pkcs8_der()),
        PrivateKeyDer::Pkcs1(_) => Err(KeyError::Pkcs1),
        _ => Err(KeyError::NotRsa),
    }
}

/// An RSA key from PKCS#8 DER.
pub fn rsa_key_from_der(der: &[u8]) -> Result<RsaKeyPair, KeyError> {
    RsaKeyPair::from_pkcs8(der).map_err(|_| KeyError::NotRsaPkcs8)
}

/// A key given either as PEM text or as raw PKCS#8 DER bytes.
pub fn rsa_key_from_pem_or_der(bytes: &[u8]) -> Result<RsaKeyPair, KeyError> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => rsa_key_from_pem(text),
        _ => rsa_key_from_der(bytes),
    }
}

/// Signing failed inside ring (it does not say why; it does not happen with a valid key).
#[derive(Debug, PartialEq, Eq)]
pub struct SignError;

/// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) of `message`.
pub fn sign_rs256(key: &RsaKeyPair, message: &[u8]) -> Result<Vec<u8>, SignError> {
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| SignError)?;
    Ok(signature)
}

/// The compact JWT `header.claims.signature`, each part base64url without padding, signed RS256.
pub fn rs256_jwt(key: &RsaKeyPair, header: &Value, claims: &Value) -> Result<String, SignError> {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = sign_rs256(key, signing_input.as_bytes())?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    use serde_json::json;

    const TEST_KEY_PEM: &str = include_str!("testdata/snowflake_test_key.pem");

    #[test]
    fn pem_and_der_keys_sign_verifiable_jwts() {
        let key = rsa_key_from_pem(TEST_KEY_PEM).unwrap();
        let der = PrivateKeyDer::from_pem_slice(TEST_KEY_PEM.as_bytes()).unwrap();
        assert!(rsa_key_from_pem_or_der(der.secret_der()).is_ok());
        assert!(rsa_key_from_pem_or_der(TEST_KEY_PEM.as_bytes()).is_ok());
        let token = rs256_jwt(&key, &json!({"alg": "RS256"}), &json!({"sub": "x"})).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_key().as_ref())
            .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn bad_keys_are_told_apart_without_quoting_them() {
        let block = |label: &str, body: &str| {
            format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n")
        };
        let cases = [
            (block("RSA PRIVATE KEY", "AAAA"), KeyError::Pkcs1),
            (block("EC PRIVATE KEY", "AAAA"), KeyError::NotRsa),
            (block("PRIVATE KEY", "AAAA"), KeyError::NotRsaPkcs8),
            (block("PRIVATE KEY", "s3cr3t!!"), KeyError::BadPem),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n".to_string(),
                KeyError::Encrypted,
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n".to_string(),
                KeyError::Unterminated,
            ),
            ("just text".to_string(), KeyError::NoPemBlock),
        ];
        for (text, expected) in cases {
            let error = rsa_key_from_pem(&text).err();
            assert_eq!(error, Some(expected), "{text}");
            assert!(!expected.to_string().contains("s3cr3t"));
        }
        assert_eq!(
            rsa_key_from_pem_or_der(&[1, 2, 3]).err(),
            Some(KeyError::NotRsaPkcs8)
        );
    }
}
