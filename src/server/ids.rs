//! Random identifiers for integrations, environments and tokens, shaped like Chalk's
//! (short lower-case alphanumerics) so they read well in tables and URLs.

use rand::RngExt;

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A random id of `len` lower-case letters and digits, starting with a letter.
pub fn random_id(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|position| {
            let range = if position == 0 { 26 } else { ALPHABET.len() };
            char::from(ALPHABET[rng.random_range(0..range)])
        })
        .collect()
}

/// An integration id.
pub fn integration_id() -> String {
    random_id(20)
}

/// An environment id.
pub fn environment_id() -> String {
    random_id(11)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_promised_shape() {
        let id = integration_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with(|c: char| c.is_ascii_lowercase()));
        assert!(
            id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_ne!(integration_id(), integration_id());
    }
}
