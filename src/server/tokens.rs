//! Access tokens that every replica accepts: signed, not stored.
//!
//! A token is `sd1.<payload>.<tag>`: the payload names the client and the expiry; the tag is an
//! HMAC-SHA256 over the payload and the client's current credential tag (its secret's digest or
//! hash, never the secret), keyed with a subkey derived from the store key. Why signed rather
//! than kept in the store: replicas sharing the store share the key, so each checks a token
//! locally with no database round trip per call and no write per token exchange, and a restart
//! or the loss of a replica invalidates nothing. What revokes a token before its expiry: removing
//! the client (checked on every call), changing its secret (the credential tag no longer
//! matches), or changing the store key.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;

const PREFIX: &str = "sd1";

/// Signs and checks access tokens with the store's token subkey.
pub struct TokenSigner {
    key: hmac::Key,
}

/// What a valid token says.
#[derive(Debug, PartialEq, Eq)]
pub struct TokenClaims {
    pub client_id: String,
    pub expires_at: SystemTime,
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl TokenSigner {
    pub fn new(key: hmac::Key) -> Self {
        Self { key }
    }

    fn tag(&self, payload: &str, credential_tag: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.key);
        context.update(payload.as_bytes());
        context.update(&[0]);
        context.update(credential_tag);
        context.sign()
    }

    /// A token for `client_id` valid for `lifetime` from `now`.
    pub fn issue(
        &self,
        client_id: &str,
        credential_tag: &[u8],
        now: SystemTime,
        lifetime: Duration,
    ) -> String {
        let expiry = unix_seconds(now + lifetime);
        let payload = URL_SAFE_NO_PAD.encode(format!("{expiry}:{client_id}"));
        let tag = self.tag(&payload, credential_tag);
        format!(
            "{PREFIX}.{payload}.{}",
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The client a token names, when it is well-formed and unexpired at `now` (signature not
    /// yet checked: that needs the client's credential tag, see [`TokenSigner::verify`]).
    pub fn claims(&self, token: &str, now: SystemTime) -> Option<(TokenClaims, String, Vec<u8>)> {
        let mut parts = token.split('.');
        let (prefix, payload, tag) = (parts.next()?, parts.next()?, parts.next()?);
        if prefix != PREFIX || parts.next().is_some() {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let (expiry, client_id) = text.split_once(':')?;
        let expires_at = UNIX_EPOCH + Duration::from_secs(expiry.parse().ok()?);
        if expires_at <= now {
            return None;
        }
        let claims = TokenClaims {
            client_id: client_id.to_string(),
            expires_at,
        };
        Some((claims, payload.to_string(), tag))
    }

    /// Whether `tag` signs `payload` for a client whose credential tag is `credential_tag`
    /// (compared in constant time).
    pub fn verify(&self, payload: &str, tag: &[u8], credential_tag: &[u8]) -> bool {
        let mut message = payload.as_bytes().to_vec();
        message.push(0);
        message.extend_from_slice(credential_tag);
        hmac::verify(&self.key, &message, tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(seed: u8) -> TokenSigner {
        TokenSigner::new(hmac::Key::new(hmac::HMAC_SHA256, &[seed; 32]))
    }

    fn accepted(
        signer: &TokenSigner,
        token: &str,
        credential: &[u8],
        now: SystemTime,
    ) -> Option<String> {
        let (claims, payload, tag) = signer.claims(token, now)?;
        signer
            .verify(&payload, &tag, credential)
            .then_some(claims.client_id)
    }

    #[test]
    fn a_token_is_accepted_until_it_expires_by_any_signer_with_the_key() {
        let now = SystemTime::now();
        let token = signer(1).issue("ci", b"cred", now, Duration::from_secs(60));
        assert_eq!(
            accepted(&signer(1), &token, b"cred", now).as_deref(),
            Some("ci")
        );
        let later = now + Duration::from_secs(61);
        assert_eq!(
            accepted(&signer(1), &token, b"cred", later),
            None,
            "expired"
        );
        assert_eq!(
            accepted(&signer(2), &token, b"cred", now),
            None,
            "another key"
        );
        assert_eq!(
            accepted(&signer(1), &token, b"rotated", now),
            None,
            "another secret"
        );
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let now = SystemTime::now();
        let token = signer(1).issue("ci", b"cred", now, Duration::from_secs(60));
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode("99999999999:admin");
        let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert_eq!(accepted(&signer(1), &forged, b"cred", now), None);
        for garbage in ["", "sd1", "sd1..", "x.y.z", &format!("{token}.extra")] {
            assert_eq!(
                accepted(&signer(1), garbage, b"cred", now),
                None,
                "{garbage}"
            );
        }
    }
}
