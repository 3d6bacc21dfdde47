//! Validation of an integration's config against the kind catalog.
//!
//! Malformed values (a bad port, boolean, JSON object, base64, enum choice) are errors naming the
//! key; they stop a write. Missing required keys, unknown keys (with a did-you-mean), broken
//! group rules and the Snowflake advisories are warnings, returned with every read.
//! Messages never contain the value of a secret key.
//!
//! CONTRACT (placeholder bodies; the full implementation replaces them, keeping these signatures).

use super::kind::Kind;
use super::value::ValueView;

/// A malformed value; stops a write. Display: `KEY: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct FieldError {
    pub key: String,
    pub message: String,
}

/// Matches the wire's `IntegrationWarningCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningCode {
    Unspecified,
    SnowflakeUnloadNotConfigured,
    SnowflakePasswordAuthentication,
}

/// An advisory about a stored config; matches the wire's `IntegrationWarning`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    pub code: WarningCode,
    pub title: String,
    pub message: String,
    pub config_keys: Vec<String>,
}

/// Checks each given value's format against its key's type. Linked values are not type-checked
/// (the store holds the value). Keys are compared as given; aliases resolve to their key spec.
pub fn check_values<'a>(
    _kind: Kind,
    _entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Result<(), Vec<FieldError>> {
    todo!("validate::check_values")
}

/// The warnings for a whole stored config: missing required keys, unknown keys with did-you-mean,
/// group rules (one-of, exclusive, together, conditional-on) and kind advisories.
pub fn warnings<'a>(
    _kind: Kind,
    _entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Vec<ConfigWarning> {
    todo!("validate::warnings")
}

/// Whether a key's value must be withheld from reads: the catalog's secret flag, or for keys the
/// catalog does not know, a name that looks like a credential (PASSWORD, SECRET, TOKEN, KEY, PWD,
/// CREDENTIALS...). Errs on the side of secrecy.
pub fn is_secret_key(_kind: Kind, _key: &str) -> bool {
    todo!("validate::is_secret_key")
}
