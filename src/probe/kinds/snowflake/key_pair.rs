//! How a Snowflake check logs in: the password, or (winning over it, as in the engine) the key
//! pair of `SNOWFLAKE_PRIVATE_KEY_B64`, which signs an RS256 JWT whose issuer carries the public
//! key's fingerprint as Snowflake shows it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::signature::{KeyPair, RsaKeyPair};
use serde_json::json;

use crate::probe::auth::jwt;
use crate::probe::config::value;
use crate::probe::{ResolvedConfig, Stage, StageError};
/// How the check logs in.
pub(super) enum Credential {
    Password(String),
    KeyPair(Box<RsaKeyPair>),
}

/// The key pair when `SNOWFLAKE_PRIVATE_KEY_B64` is set, else the password.
pub(super) fn credential(config: &ResolvedConfig) -> Result<Credential, StageError> {
    if let Some(encoded) = value(config, "SNOWFLAKE_PRIVATE_KEY_B64") {
        return parse_private_key(encoded).map(|key| Credential::KeyPair(Box::new(key)));
    }
    match value(config, "SNOWFLAKE_PASSWORD") {
        Some(password) => Ok(Credential::Password(password.to_string())),
        None => Err(StageError::new(
            Stage::Resolve,
            "no credentials: set SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_B64",
        )),
    }
}

/// Reads base64 of a PEM PKCS#8 key (or of its DER). Messages never quote the value.
pub(super) fn parse_private_key(encoded: &str) -> Result<RsaKeyPair, StageError> {
    let fail =
        |why: &str| StageError::new(Stage::Resolve, format!("SNOWFLAKE_PRIVATE_KEY_B64 {why}"));
    let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let decoded = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| fail("is not valid base64"))?;
    jwt::rsa_key_from_pem_or_der(&decoded).map_err(|why| fail(&why.to_string()))
}

/// `SHA256:<base64 of SHA-256 of the SubjectPublicKeyInfo DER>`, as Snowflake shows it.
pub(super) fn fingerprint(key: &RsaKeyPair) -> String {
    let spki = subject_public_key_info(key.public_key().as_ref());
    format!(
        "SHA256:{}",
        STANDARD.encode(ring::digest::digest(&ring::digest::SHA256, &spki))
    )
}

/// Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo with the rsaEncryption algorithm.
pub(super) fn subject_public_key_info(rsa_public_key: &[u8]) -> Vec<u8> {
    const ALGORITHM: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bits = vec![0u8];
    bits.extend_from_slice(rsa_public_key);
    let bit_string = der(0x03, &bits);
    der(0x30, &[ALGORITHM, &bit_string].concat())
}

/// A DER element with `tag` around `contents`.
pub(super) fn der(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = contents.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|byte| *byte == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(contents);
    out
}

/// The key-pair JWT for `account`/`user`, issued at `now` (seconds), valid for 60 s.
pub(super) fn jwt(
    key: &RsaKeyPair,
    account: &str,
    user: &str,
    now: u64,
) -> Result<String, StageError> {
    let subject = format!("{account}.{}", user.to_ascii_uppercase());
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let claims = json!({
        "iss": format!("{subject}.{}", fingerprint(key)),
        "sub": subject,
        "iat": now,
        "exp": now + 60,
    });
    jwt::rs256_jwt(key, &header, &claims).map_err(|_| signing_failed())
}

/// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) of `message`.
#[cfg(test)]
pub(super) fn sign(key: &RsaKeyPair, message: &[u8]) -> Result<Vec<u8>, StageError> {
    jwt::sign_rs256(key, message).map_err(|_| signing_failed())
}

pub(super) fn signing_failed() -> StageError {
    StageError::new(Stage::Authenticate, "could not sign the login JWT")
}

/// The key of `auth/testdata`, for the tests of the modules that log in with a key pair.
#[cfg(test)]
pub(super) const TEST_KEY_PEM: &str = include_str!("../../auth/testdata/snowflake_test_key.pem");

/// [`TEST_KEY_PEM`] as the check reads it.
#[cfg(test)]
pub(super) fn test_key() -> RsaKeyPair {
    parse_private_key(&STANDARD.encode(TEST_KEY_PEM)).unwrap()
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use rustls::pki_types::pem::PemObject;
    use serde_json::Value;

    use super::*;
    /// `openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -binary | base64`
    const TEST_KEY_FINGERPRINT: &str = "SHA256:Z+dFaq2qnfB+yl5QYhDNUHHBodg0rbvRU501XFKlyy8=";
    /// `printf 'header.payload' | openssl dgst -sha256 -sign key.pem`, base64url.
    const TEST_SIGNATURE: &str = "VPTNWcMf_wAL-HzF8mvOKAyWfszV_7JQsdqnICx7nrybvJgigBda9z6BqCw2bpMf9XKYzgzNm-n4Lbcj6WjTxu-K2ZWIDq9iE_RdPsfF9h9K8kDmjlNwu3PHt0Vhmh01wGVuM_t4eLtJ8vW-e3DHJGON_IwkEu_yyMgauV5VHZbFRle739bFXKMrL1SEaXTKdT4UKbnf10RzpH-D7FfZmjJhlFanyfsCtnMzpKLLyFT74sldc81jF-yQD8LSSKft7QUw7ZPzY1LB9sm8xeIGaC_YZ9MmNDSJOxEemMHpnuIYhOZTXxoxZ6trMFwUvKFn9imO2BPD6AQoeXSMEg5IJQ";

    #[test]
    fn the_fingerprint_matches_openssl() {
        assert_eq!(fingerprint(&test_key()), TEST_KEY_FINGERPRINT);
    }

    #[test]
    fn rs256_signatures_match_openssl() {
        let signature = sign(&test_key(), b"header.payload").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(signature), TEST_SIGNATURE);
    }

    #[test]
    fn the_jwt_names_account_user_and_key() {
        let token = jwt(&test_key(), "XY12345", "alice", 1_700_000_000).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "RS256", "typ": "JWT"}));
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(
            claims,
            json!({
                "iss": format!("XY12345.ALICE.{TEST_KEY_FINGERPRINT}"),
                "sub": "XY12345.ALICE",
                "iat": 1_700_000_000u64,
                "exp": 1_700_000_060u64,
            })
        );
    }

    #[test]
    fn keys_are_read_from_pem_or_der_and_bad_ones_are_named_without_their_value() {
        let der =
            rustls::pki_types::PrivateKeyDer::from_pem_slice(TEST_KEY_PEM.as_bytes()).unwrap();
        let der = der.secret_der();
        assert!(parse_private_key(&STANDARD.encode(der)).is_ok());
        let error = parse_private_key("not base64 !!").unwrap_err();
        assert_eq!(error.stage, Stage::Resolve);
        assert_eq!(
            error.reason,
            "SNOWFLAKE_PRIVATE_KEY_B64 is not valid base64"
        );
        let pkcs1 = STANDARD
            .encode("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assert!(
            parse_private_key(&pkcs1)
                .unwrap_err()
                .reason
                .contains("PKCS#1")
        );
        let encrypted = STANDARD.encode("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n");
        assert!(
            parse_private_key(&encrypted)
                .unwrap_err()
                .reason
                .contains("encrypted")
        );
        assert!(parse_private_key(&STANDARD.encode([1u8, 2, 3])).is_err());
    }

    #[test]
    fn der_lengths_use_the_long_form_above_127() {
        assert_eq!(der(0x04, &[9; 3]), vec![0x04, 3, 9, 9, 9]);
        let long = der(0x04, &[0; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
