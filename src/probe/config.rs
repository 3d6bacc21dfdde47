//! Reading a check's settings out of a resolved config: trimmed values, required keys and ports,
//! each failing as the resolve stage with a message that names the key (never its value when the
//! key is secret: only ports are quoted, and they never are).

use crate::probe::{ResolvedConfig, Stage, StageError};

/// A non-empty value of `key`, or `None`.
pub fn value<'a>(config: &'a ResolvedConfig, key: &str) -> Option<&'a str> {
    config
        .get(key)
        .map(|secret| secret.expose().trim())
        .filter(|text| !text.is_empty())
}

pub fn required<'a>(config: &'a ResolvedConfig, key: &str) -> Result<&'a str, StageError> {
    value(config, key).ok_or_else(|| StageError::new(Stage::Resolve, format!("{key} is not set")))
}

pub fn port(config: &ResolvedConfig, key: &str, default: u16) -> Result<u16, StageError> {
    match value(config, key) {
        None => Ok(default),
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|port| *port > 0)
            .ok_or_else(|| {
                StageError::new(
                    Stage::Resolve,
                    format!(
                        "{key} {text:?} is not a port; expected a whole number from 1 to 65535"
                    ),
                )
            }),
    }
}
