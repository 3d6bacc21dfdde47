//! Integration names: ASCII letters, digits and underscores only, because a name becomes the
//! prefix of environment variables such as `MY_SOURCE_PGHOST`.

use super::validate::quote_shortened;

/// Why a name was refused; the message names the offending character and its position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// The name is empty or only spaces.
    #[error("name: must not be empty")]
    Empty,
    /// A character outside `[A-Za-z0-9_]`.
    #[error(
        "name: {character:?} at position {position} is not allowed; use only letters, digits and underscores"
    )]
    BadCharacter {
        /// The first offending character.
        character: char,
        /// Its 1-based position in the name.
        position: usize,
    },
    /// Longer than [`MAX_NAME_LEN`].
    #[error("name: {length} characters is too long; at most {MAX_NAME_LEN}")]
    TooLong {
        /// The name's length in characters.
        length: usize,
    },
}

/// The longest name accepted; environment variable names built from it stay manageable.
pub const MAX_NAME_LEN: usize = 128;

/// Checks a name against the rules; the name is used as given (no trimming).
pub fn validate_name(name: &str) -> Result<(), NameError> {
    if name.trim().is_empty() {
        return Err(NameError::Empty);
    }
    if let Some((index, character)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return Err(NameError::BadCharacter {
            character,
            position: index + 1,
        });
    }
    let length = name.chars().count();
    if length > MAX_NAME_LEN {
        return Err(NameError::TooLong { length });
    }
    Ok(())
}

/// Checks a config key's name: an environment-variable name (`[A-Za-z_][A-Za-z0-9_]*`), since
/// the engine reads each key from the environment. The server refuses other names on write; the
/// console's form refuses them as they are added. The message quotes the name as given (a long
/// one as a short prefix).
pub fn validate_key_name(key: &str) -> Result<(), String> {
    let valid = key
        .chars()
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "config key {}: keys are environment-variable names (letters, digits and underscores, not starting with a digit)",
            quote_shortened(key)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_letters_digits_and_underscores() {
        for name in ["my_postgres_source", "A", "_x", "pg2", "SNOWFLAKE_PROD_01"] {
            assert_eq!(validate_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_the_offending_character() {
        assert_eq!(
            validate_name("my-source"),
            Err(NameError::BadCharacter {
                character: '-',
                position: 3
            })
        );
        let message = validate_name("my source").unwrap_err().to_string();
        assert!(
            message.contains("' '") && message.contains("position 3"),
            "{message}"
        );
        assert!(matches!(
            validate_name("café"),
            Err(NameError::BadCharacter {
                character: 'é', ..
            })
        ));
        assert_eq!(validate_name(""), Err(NameError::Empty));
        assert_eq!(validate_name("   "), Err(NameError::Empty));
        assert!(matches!(
            validate_name(&"a".repeat(129)),
            Err(NameError::TooLong { length: 129 })
        ));
    }
}
