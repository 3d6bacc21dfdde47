//! `Secret`: a string that must never be printed by accident.
//!
//! Every config value, client secret and access token travels in this type. `Debug` and `Display`
//! redact, the bytes are zeroized on drop, and the only way to read the value is the explicit
//! [`Secret::expose`], so a leak shows up in review as a call to `expose`.

use std::fmt;
use zeroize::Zeroizing;

/// What `Debug` and `Display` print instead of a secret value.
pub const REDACTED: &str = "[redacted]";

/// A secret string; redacted when formatted, zeroized when dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value; the caller gives up its plain copy.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// A value read from a file or a pipe: one trailing newline (which `echo` and editors add)
    /// is not part of it. The CLI's `@FILE` and stdin and the console's file loading agree.
    pub fn from_text_input(mut text: String) -> Self {
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        Self::new(text)
    }

    /// The plain value. Call only where the value must leave the process on purpose
    /// (the wire, the encrypted store, a driver's password field, an explicit reveal).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Appends text typed into a masked input. The buffer is reserved up front so typing a
    /// secret does not leave unzeroized copies behind in reallocated memory.
    pub fn push_str(&mut self, text: &str) {
        if self.0.capacity() < self.0.len() + text.len() {
            let mut grown = Zeroizing::new(String::with_capacity(
                (self.0.len() + text.len()).max(64) * 2,
            ));
            grown.push_str(&self.0);
            self.0 = grown;
        }
        self.0.push_str(text);
    }

    /// Removes the last character typed.
    pub fn pop(&mut self) {
        self.0.pop();
    }

    /// True when the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{secret}"), REDACTED);
        assert_eq!(format!("{secret:?}"), REDACTED);
        assert_eq!(format!("{:?}", Some(&secret)), format!("Some({REDACTED})"));
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }

    #[test]
    fn text_input_loses_one_trailing_newline_only() {
        assert_eq!(Secret::from_text_input("pw\n".into()).expose(), "pw");
        assert_eq!(Secret::from_text_input("pw\r\n".into()).expose(), "pw");
        assert_eq!(Secret::from_text_input("pem\n\n".into()).expose(), "pem\n");
        assert_eq!(Secret::from_text_input("pw".into()).expose(), "pw");
    }
}
