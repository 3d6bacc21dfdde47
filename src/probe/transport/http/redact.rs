//! Blanks the values a check sent (passwords, tokens, signed assertions) out of every answer
//! before anyone reads it, since a server may echo them in an error.

/// `body` with every occurrence of each secret replaced by the redaction marker.
pub(super) fn redact(mut body: Vec<u8>, secrets: &[String]) -> Vec<u8> {
    let marker = crate::domain::secret::REDACTED.as_bytes();
    for secret in secrets.iter().map(String::as_bytes) {
        if secret.is_empty() || body.len() < secret.len() {
            continue;
        }
        let mut out = Vec::with_capacity(body.len());
        let mut index = 0;
        while index < body.len() {
            if body[index..].starts_with(secret) {
                out.extend_from_slice(marker);
                index += secret.len();
            } else {
                out.push(body[index]);
                index += 1;
            }
        }
        body = out;
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_redacted_of_hidden_values() {
        let secrets = vec!["hunter22".to_string(), "tok".to_string()];
        assert_eq!(
            redact(b"bad hunter22, hunter22!hunter2".to_vec(), &secrets),
            b"bad [redacted], [redacted]!hunter2".to_vec()
        );
        assert_eq!(redact(b"x".to_vec(), &secrets), b"x".to_vec());
    }
}
