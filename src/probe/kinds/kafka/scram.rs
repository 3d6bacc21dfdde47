//! The client side of SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka's SASL
//! uses it: the client-first message, the proof computed from the server-first message, and the
//! check of the server's signature. Pure computation with ring; no I/O.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::{digest, hmac, pbkdf2};

/// The hash a SCRAM mechanism uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha512,
}

impl Hash {
    fn hmac(self) -> hmac::Algorithm {
        match self {
            Hash::Sha256 => hmac::HMAC_SHA256,
            Hash::Sha512 => hmac::HMAC_SHA512,
        }
    }
    fn digest(self) -> &'static digest::Algorithm {
        match self {
            Hash::Sha256 => &digest::SHA256,
            Hash::Sha512 => &digest::SHA512,
        }
    }
    fn pbkdf2(self) -> pbkdf2::Algorithm {
        match self {
            Hash::Sha256 => pbkdf2::PBKDF2_HMAC_SHA256,
            Hash::Sha512 => pbkdf2::PBKDF2_HMAC_SHA512,
        }
    }
    fn len(self) -> usize {
        self.digest().output_len()
    }
}

/// The most PBKDF2 iterations a broker may ask for (Kafka's default is 4096, its maximum 16384):
/// a hostile or broken broker could otherwise make the client spin for minutes.
pub const MAX_ITERATIONS: u32 = 16_384;

/// Why a SCRAM exchange cannot go on; each reads as one line.
#[derive(Debug, PartialEq, Eq)]
pub struct ScramError(pub String);

/// A SCRAM exchange in progress on the client side.
pub struct Client {
    hash: Hash,
    client_first_bare: String,
    nonce: String,
}

/// What the client sends second, and what it expects back.
pub struct Final {
    pub message: String,
    server_signature: Vec<u8>,
}

impl Client {
    /// Starts an exchange for `user` with the client nonce `nonce` (printable, no comma).
    pub fn new(hash: Hash, user: &str, nonce: &str) -> Self {
        let user = user.replace('=', "=3D").replace(',', "=2C");
        Self {
            hash,
            client_first_bare: format!("n={user},r={nonce}"),
            nonce: nonce.to_string(),
        }
    }

    /// The client-first message (no channel binding, no authorization identity).
    pub fn first_message(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final message for the server-first message `server_first`.
    pub fn final_message(&self, server_first: &str, password: &str) -> Result<Final, ScramError> {
        let fields = attributes(server_first);
        if let Some(error) = fields.get("e") {
            return Err(ScramError(format!("the server refused SCRAM: {error}")));
        }
        let nonce = fields
            .get("r")
            .filter(|nonce| nonce.starts_with(&self.nonce) && nonce.len() > self.nonce.len())
            .ok_or_else(|| ScramError("the server's SCRAM nonce does not extend ours".into()))?;
        let salt = fields
            .get("s")
            .and_then(|salt| STANDARD.decode(salt).ok())
            .ok_or_else(|| ScramError("the server sent no valid SCRAM salt".into()))?;
        let iterations = fields
            .get("i")
            .and_then(|count| count.parse::<u32>().ok())
            .and_then(std::num::NonZeroU32::new)
            .ok_or_else(|| ScramError("the server sent no valid SCRAM iteration count".into()))?;
        if iterations.get() > MAX_ITERATIONS {
            return Err(ScramError(format!(
                "the server asks for {iterations} SCRAM iterations; more than {MAX_ITERATIONS} is refused (each one costs the test time, and brokers use 4096 to 8192)"
            )));
        }
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let mut salted = vec![0u8; self.hash.len()];
        pbkdf2::derive(
            self.hash.pbkdf2(),
            iterations,
            &salt,
            password.as_bytes(),
            &mut salted,
        );
        let salted_key = hmac::Key::new(self.hash.hmac(), &salted);
        let client_key = hmac::sign(&salted_key, b"Client Key");
        let stored_key = digest::digest(self.hash.digest(), client_key.as_ref());
        let signature = hmac::sign(
            &hmac::Key::new(self.hash.hmac(), stored_key.as_ref()),
            auth_message.as_bytes(),
        );
        let proof: Vec<u8> = client_key
            .as_ref()
            .iter()
            .zip(signature.as_ref())
            .map(|(key, sig)| key ^ sig)
            .collect();
        let server_key = hmac::sign(&salted_key, b"Server Key");
        let server_signature = hmac::sign(
            &hmac::Key::new(self.hash.hmac(), server_key.as_ref()),
            auth_message.as_bytes(),
        );
        Ok(Final {
            message: format!("{without_proof},p={}", STANDARD.encode(proof)),
            server_signature: server_signature.as_ref().to_vec(),
        })
    }
}

impl Final {
    /// Checks the server-final message: the server proves it knows the password too.
    pub fn verify(&self, server_final: &str) -> Result<(), ScramError> {
        let fields = attributes(server_final);
        if let Some(error) = fields.get("e") {
            return Err(ScramError(format!("the server refused SCRAM: {error}")));
        }
        match fields.get("v").and_then(|v| STANDARD.decode(v).ok()) {
            Some(signature) if signature == self.server_signature => Ok(()),
            _ => Err(ScramError(
                "the server's SCRAM signature does not match; is this the right server?".into(),
            )),
        }
    }
}

/// `a=1,b=2` as a map (values may hold `=`).
fn attributes(message: &str) -> std::collections::HashMap<&str, &str> {
    message
        .split(',')
        .filter_map(|field| field.split_once('='))
        .collect()
}

/// A fresh client nonce: 24 random bytes, base64 (printable, no comma).
pub fn nonce() -> String {
    let bytes: [u8; 24] = rand::random();
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3, SCRAM-SHA-256.
    #[test]
    fn rfc7677_example() {
        let client = Client::new(Hash::Sha256, "user", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(client.first_message(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let last = client.final_message(server_first, "pencil").unwrap();
        assert_eq!(
            last.message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(
            last.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
            Ok(())
        );
        assert!(last.verify("v=AAAA").is_err());
        assert!(last.verify("e=invalid-proof").is_err());
    }

    #[test]
    fn user_names_are_escaped() {
        let client = Client::new(Hash::Sha512, "a=b,c", "n");
        assert_eq!(client.first_message(), "n,,n=a=3Db=2Cc,r=n");
    }

    #[test]
    fn a_server_nonce_that_does_not_extend_ours_is_refused() {
        let client = Client::new(Hash::Sha256, "user", "abc");
        assert!(client.final_message("r=xyz,s=AAAA,i=4096", "p").is_err());
        assert!(client.final_message("r=abc,s=AAAA,i=4096", "p").is_err());
        assert!(client.final_message("r=abcd,s=AAAA,i=0", "p").is_err());
        assert!(client.final_message("e=unknown-user", "p").is_err());
    }

    #[test]
    fn iteration_counts_above_the_cap_are_refused_naming_the_number() {
        let client = Client::new(Hash::Sha256, "user", "abc");
        let salt = STANDARD.encode(b"salt");
        let refused = client
            .final_message(&format!("r=abcdef,s={salt},i=16385"), "pencil")
            .err();
        assert!(
            refused
                .as_ref()
                .is_some_and(|error| error.0.contains("16385") && error.0.contains("16384")),
            "{refused:?}"
        );
        assert!(
            client
                .final_message(&format!("r=abcdef,s={salt},i=16384"), "pencil")
                .is_ok()
        );
    }
}
