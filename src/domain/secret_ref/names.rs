//! The provider-local secret-name rules (allowed characters and length) of each provider and of
//! the local store, so a name is refused with the same words whichever form it came in.

use super::text::quoted;
use super::{RefError, RefErrorReason};

/// The name rules of one provider (or of the local store).
pub(super) struct NameRules {
    /// What the names are, for messages: `AWS Secrets Manager secret names`.
    subject: &'static str,
    /// Whether a character may appear in a name.
    allowed: fn(char) -> bool,
    /// The allowed characters, for messages.
    allowed_text: &'static str,
    /// The longest name, in characters.
    max: usize,
}

/// AWS Secrets Manager: ASCII letters, digits and `/_+=.@-`, at most 512.
pub(super) const AWS_NAME_RULES: NameRules = NameRules {
    subject: "AWS Secrets Manager secret names",
    allowed: is_aws_name_char,
    allowed_text: "ASCII letters, digits and /_+=.@-",
    max: 512,
};

/// The local store follows the AWS rules.
pub(super) const LOCAL_NAME_RULES: NameRules = NameRules {
    subject: "local-store secret names",
    ..AWS_NAME_RULES
};

/// Store-independent check: the AWS charset is a superset of the GCP and Azure ones.
pub(super) const ANY_NAME_RULES: NameRules = NameRules {
    subject: "the secret names of any supported secret manager",
    ..AWS_NAME_RULES
};

/// GCP Secret Manager secret ids: `[A-Za-z0-9_-]{1,255}`.
pub(super) const GCP_NAME_RULES: NameRules = NameRules {
    subject: "GCP Secret Manager secret ids",
    allowed: is_gcp_name_char,
    allowed_text: "ASCII letters, digits, - and _",
    max: 255,
};

/// Azure Key Vault secret names: `[0-9A-Za-z-]{1,127}`.
pub(super) const AZURE_NAME_RULES: NameRules = NameRules {
    subject: "Azure Key Vault secret names",
    allowed: is_azure_name_char,
    allowed_text: "ASCII letters, digits and -",
    max: 127,
};

impl NameRules {
    /// Checks a provider-local name: non-empty, allowed characters only, not too long.
    pub(super) fn check(&self, name: &str) -> Result<(), RefError> {
        let NameRules {
            subject,
            allowed_text,
            max,
            ..
        } = self;
        if name.is_empty() {
            return Err(RefError::new(
                RefErrorReason::BadName,
                format!("the secret name is empty; expected 1-{max} characters: {allowed_text}"),
            ));
        }
        if let Some(bad) = name.chars().find(|c| !(self.allowed)(*c)) {
            return Err(RefError::new(
                RefErrorReason::BadName,
                format!(
                    "name {} contains {bad:?}, which is not allowed in {subject}; expected {allowed_text} (1-{max} characters)",
                    quoted(name)
                ),
            ));
        }
        let length = name.chars().count();
        if length > *max {
            return Err(RefError::new(
                RefErrorReason::BadName,
                format!(
                    "name is {length} characters long; {subject} have at most {max} characters"
                ),
            ));
        }
        Ok(())
    }
}

/// An AWS name character: ASCII letter, digit or one of `/_+=.@-`.
fn is_aws_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "/_+=.@-".contains(c)
}

/// A GCP secret-id character: ASCII letter, digit, `-` or `_`.
fn is_gcp_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// An Azure secret-name character: ASCII letter, digit or `-`.
fn is_azure_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}
