//! Validation of an integration's config against the kind catalog.
//!
//! Malformed values (a bad port, boolean, JSON object, base64, enum choice) are errors naming the
//! key; they stop a write. Missing required keys, unknown keys (with a did-you-mean), broken
//! group rules and the catalog's advisories (e.g. Snowflake's) are warnings, returned with every
//! read. Messages never contain the value of a secret key.
//!
//! Everything kind-specific comes from [`crate::catalog`]; this module only knows how to apply
//! the catalog's types and rules, so a new key or rule is an edit to `assets/catalog.toml`.

mod advisories;
mod config_view;
mod groups;
mod key_names;
mod required;
mod secrecy;
mod values;
mod wording;

use super::kind::Kind;
use super::value::ValueView;
use crate::catalog::{self, AdvisoryCode};
use advisories::advisory_warning;
use config_view::Config;
use groups::broken_rule;
use key_names::{alias_notes, unknown_keys};
use required::missing_required;
use secrecy::looks_secret;
use values::check_entry;
pub(crate) use values::quote_shortened;

/// A malformed value; stops a write. Display: `KEY: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct FieldError {
    /// The key as the user gave it.
    pub key: String,
    /// What is wrong and what was expected; echoes the value only for non-secret keys.
    pub message: String,
}

/// Matches the wire's `IntegrationWarningCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarningCode {
    /// Any warning without a dedicated wire code.
    Unspecified,
    /// Snowflake without `SNOWFLAKE_UNLOAD_STAGE`.
    SnowflakeUnloadNotConfigured,
    /// Snowflake password login without a key pair.
    SnowflakePasswordAuthentication,
}

impl From<AdvisoryCode> for WarningCode {
    fn from(code: AdvisoryCode) -> Self {
        match code {
            AdvisoryCode::Unspecified => WarningCode::Unspecified,
            AdvisoryCode::SnowflakeUnloadNotConfigured => WarningCode::SnowflakeUnloadNotConfigured,
            AdvisoryCode::SnowflakePasswordAuthentication => {
                WarningCode::SnowflakePasswordAuthentication
            }
        }
    }
}

/// An advisory about a stored config; matches the wire's `IntegrationWarning`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigWarning {
    /// The wire code.
    pub code: WarningCode,
    /// A short title, e.g. "Missing required keys".
    pub title: String,
    /// One sentence naming the keys.
    pub message: String,
    /// The keys the warning is about, so the form can highlight them.
    pub config_keys: Vec<String>,
}

/// Checks each given value's format against its key's type. Linked values are not type-checked
/// (the store holds the value). Keys are compared as given; aliases resolve to their key spec.
/// The empty string is always accepted (it is how a key is cleared), unknown keys and unmanaged
/// kinds are not checked. Every malformed value yields one error, sorted by key.
pub fn check_values<'a>(
    kind: Kind,
    entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Result<(), Vec<FieldError>> {
    let Some(spec) = catalog::kind_spec(kind) else {
        return Ok(());
    };
    let mut errors: Vec<FieldError> = entries
        .into_iter()
        .filter_map(|(key, value)| check_entry(spec, key, value))
        .collect();
    errors.sort_by(|a, b| a.key.cmp(&b.key));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The warnings for a whole stored config: missing required keys, unknown keys with did-you-mean,
/// group rules (one-of, exclusive, together, conditional-on) and kind advisories. Empty for
/// unmanaged kinds. Order is deterministic whatever the entries' order: missing required keys,
/// group rules and advisories in catalog order, unknown keys and alias notes sorted by key.
pub fn warnings<'a>(
    kind: Kind,
    entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Vec<ConfigWarning> {
    let Some(spec) = catalog::kind_spec(kind) else {
        return Vec::new();
    };
    let config = Config::new(spec, entries);
    let mut found: Vec<ConfigWarning> = missing_required(spec, &config).into_iter().collect();
    found.extend(group_warnings(spec, &config));
    found.extend(note_warnings(spec, &config));
    found
}

/// The group rules (one-of, exclusive, together, conditional-on) the config breaks, in catalog
/// order, each naming every key of its rule. The server only warns about these (a config is often
/// saved half-done); the console's form refuses to save them, because there the user is
/// completing the config right now.
pub fn broken_groups<'a>(
    kind: Kind,
    entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Vec<ConfigWarning> {
    catalog::kind_spec(kind).map_or_else(Vec::new, |spec| {
        group_warnings(spec, &Config::new(spec, entries))
    })
}

/// The warnings about a config that works but may not do what was meant: unknown keys (with a
/// did-you-mean), aliases, and the kind's advisories. Never a reason to refuse a save.
pub fn notes<'a>(
    kind: Kind,
    entries: impl IntoIterator<Item = (&'a str, ValueView<'a>)>,
) -> Vec<ConfigWarning> {
    catalog::kind_spec(kind).map_or_else(Vec::new, |spec| {
        note_warnings(spec, &Config::new(spec, entries))
    })
}

fn group_warnings(spec: &catalog::KindSpec, config: &Config<'_>) -> Vec<ConfigWarning> {
    spec.groups
        .iter()
        .filter_map(|rule| broken_rule(rule, config))
        .collect()
}

fn note_warnings(spec: &catalog::KindSpec, config: &Config<'_>) -> Vec<ConfigWarning> {
    let mut found = unknown_keys(spec, config);
    found.extend(alias_notes(spec, config));
    found.extend(
        spec.advisories
            .iter()
            .filter_map(|advisory| advisory_warning(advisory, config)),
    );
    found
}

/// Whether a key's value must be withheld from reads: the catalog's secret flag, or for keys the
/// catalog does not know, a name that looks like a credential (PASSWORD, SECRET, TOKEN, KEY, PWD,
/// CREDENTIALS...). Errs on the side of secrecy.
pub fn is_secret_key(kind: Kind, key: &str) -> bool {
    match catalog::kind_spec(kind).and_then(|spec| spec.key(key)) {
        Some(key_spec) => key_spec.secret,
        None => looks_secret(key),
    }
}

#[cfg(test)]
mod tests;
