//! A config value as the API carries it: a literal string or a linked-secret reference.
//!
//! Literals are held as [`Secret`] whatever the key, because a custom key may hold a credential
//! the catalog does not know about; code that shows a value decides per key whether it may.

use super::secret::Secret;

/// One config value of an integration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigValue {
    /// A literal value, stored encrypted.
    Literal(Secret),
    /// A reference to a secret in the environment's secret store (as given, or normalized).
    Linked(String),
}

impl ConfigValue {
    /// A borrowed view for validation.
    pub fn as_view(&self) -> ValueView<'_> {
        match self {
            ConfigValue::Literal(secret) => ValueView::Literal(secret.expose()),
            ConfigValue::Linked(reference) => ValueView::Linked(reference),
        }
    }
}

/// A borrowed config value, what the validator reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueView<'a> {
    /// A literal value (may be secret: never echo it in a message for a secret key).
    Literal(&'a str),
    /// A linked-secret reference.
    Linked(&'a str),
}
