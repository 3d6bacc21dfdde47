//! The size limits of one integration, and the gRPC message sizes derived from them.
//!
//! Why these numbers: the largest credentials people store are a Snowflake private key (PKCS#8
//! PEM of a 4096-bit RSA key: about 3.3 KB, 4.5 KB once base64'd, a little more encrypted) and a
//! BigQuery service-account JSON file (about 2.4 KB, 3.2 KB once base64'd). A value may hold
//! [`MAX_VALUE_BYTES`] (64 KiB), over ten times the larger of the two, so a certificate chain fits
//! too. An integration may hold [`MAX_KEYS_PER_INTEGRATION`] keys (real kinds have a few dozen at
//! most) and [`MAX_INTEGRATION_BYTES`] (256 KiB) of key names and values together: four values at
//! the value limit, or dozens of private keys. A key name is an environment-variable name of at
//! most [`MAX_KEY_NAME_BYTES`] bytes, like an integration name.
//!
//! The limits hold for the integration as stored (its saved keys plus a request's changes), and
//! the server checks them inside the write transaction, so repeated updates cannot grow an
//! integration past them. Because one integration is bounded, so is the largest answer about it:
//! [`MAX_INTEGRATION_MESSAGE_BYTES`], from which both sides' gRPC message limits are derived.
//!
//! A value becomes an environment variable, which cannot hold a NUL byte: a NUL is refused.

use std::collections::BTreeMap;

use super::validate::quote_shortened;
use super::value::ConfigValue;

/// The most keys one integration may hold.
pub const MAX_KEYS_PER_INTEGRATION: usize = 256;
/// The longest key name, in bytes (key names are ASCII environment-variable names).
pub const MAX_KEY_NAME_BYTES: usize = 128;
/// The largest value (a literal, or a linked secret's reference), in bytes.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// The most bytes of key names plus values one integration may hold.
pub const MAX_INTEGRATION_BYTES: usize = 256 * 1024;

/// What one key may add to an answer besides its name and value: the secret's id (integration id
/// and key), its full name (integration name and key), a timestamp, field tags and a warning
/// naming the key. Generous: the test `largest_integration_fits_its_message_bound` measures it.
const PER_KEY_ALLOWANCE: usize = 1024 + 4 * MAX_KEY_NAME_BYTES;
/// What one integration's answer holds besides its keys: ids, name, timestamps, warning texts.
const PER_INTEGRATION_ALLOWANCE: usize = 64 * 1024;

/// An upper bound of the encoded size of any answer about one integration at every limit at once
/// (GetIntegration with its secrets, a value, a test result): each value may appear once and
/// each key name a few times, plus per-key and per-integration allowances.
pub const MAX_INTEGRATION_MESSAGE_BYTES: usize = 2 * MAX_INTEGRATION_BYTES
    + MAX_KEYS_PER_INTEGRATION * PER_KEY_ALLOWANCE
    + PER_INTEGRATION_ALLOWANCE;

/// The largest request the server decodes (and the client sends): a request carries at most one
/// integration's config, in `config` and again in the deprecated `environment_variables`.
pub const MAX_REQUEST_MESSAGE_BYTES: usize = 2 * MAX_INTEGRATION_MESSAGE_BYTES;

/// Room for a ListIntegrations answer, which grows with the number of integrations (no secrets,
/// a few hundred bytes each: over 100,000 integrations fit).
const LIST_ANSWER_ALLOWANCE: usize = 64 * 1024 * 1024;

/// The largest answer the server encodes (and the client decodes): at least the largest legal
/// integration, and room for a long list.
pub const MAX_RESPONSE_MESSAGE_BYTES: usize =
    if LIST_ANSWER_ALLOWANCE > MAX_INTEGRATION_MESSAGE_BYTES {
        LIST_ANSWER_ALLOWANCE
    } else {
        MAX_INTEGRATION_MESSAGE_BYTES
    };

/// Why a config was refused. Messages name the key (a long name quoted as a short prefix) and
/// the limit, never a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// More keys than one integration may hold.
    #[error(
        "config: {count} keys is more than the {MAX_KEYS_PER_INTEGRATION} one integration may hold{detail}"
    )]
    TooManyKeys {
        /// The keys the integration would hold.
        count: usize,
        /// How the count came about (saved and new keys), or empty.
        detail: String,
    },
    /// A key name longer than [`MAX_KEY_NAME_BYTES`].
    #[error(
        "config key {quoted}: {length} bytes is too long; a key name has at most {MAX_KEY_NAME_BYTES}"
    )]
    KeyNameTooLong {
        /// A short prefix of the name, quoted.
        quoted: String,
        /// The name's length in bytes.
        length: usize,
    },
    /// A value larger than [`MAX_VALUE_BYTES`].
    #[error("{key}: the value is {size} bytes; at most {MAX_VALUE_BYTES} bytes are accepted")]
    ValueTooLarge {
        /// The key.
        key: String,
        /// The value's size in bytes.
        size: usize,
    },
    /// A value holding a NUL byte.
    #[error(
        "{key}: the value contains a NUL byte, which an environment variable cannot hold; remove it"
    )]
    NulInValue {
        /// The key.
        key: String,
    },
    /// Key names and values larger than [`MAX_INTEGRATION_BYTES`] together.
    #[error(
        "config: the integration would hold {total} bytes of key names and values; at most {MAX_INTEGRATION_BYTES} bytes per integration"
    )]
    IntegrationTooLarge {
        /// The bytes the integration would hold.
        total: usize,
    },
}

/// The bytes a value counts for: the literal's, or the linked reference's.
pub fn value_size(value: &ConfigValue) -> usize {
    value_text(value).len()
}

fn value_text(value: &ConfigValue) -> &str {
    match value {
        ConfigValue::Literal(secret) => secret.expose(),
        ConfigValue::Linked(reference) => reference,
    }
}

/// Checks a key name's length; runs before anything quotes the name.
pub fn check_key_name_length(key: &str) -> Result<(), LimitError> {
    if key.len() > MAX_KEY_NAME_BYTES {
        return Err(LimitError::KeyNameTooLong {
            quoted: quote_shortened(key),
            length: key.len(),
        });
    }
    Ok(())
}

/// Checks what one request carries on its own: key count, key names, each value's size, NUL
/// bytes. Keys are checked in order, so the first offending key is named.
pub fn check_request(config: &BTreeMap<String, ConfigValue>) -> Result<(), LimitError> {
    if config.len() > MAX_KEYS_PER_INTEGRATION {
        return Err(LimitError::TooManyKeys {
            count: config.len(),
            detail: String::new(),
        });
    }
    for (key, value) in config {
        check_key_name_length(key)?;
        let size = value_size(value);
        if size > MAX_VALUE_BYTES {
            return Err(LimitError::ValueTooLarge {
                key: key.clone(),
                size,
            });
        }
        if value_text(value).contains('\0') {
            return Err(LimitError::NulInValue { key: key.clone() });
        }
    }
    Ok(())
}

/// Checks the integration a write would leave: `saved` maps each key already stored to its value
/// size; `changes` are set over them (a changed key counts once, at its new size).
pub fn check_integration(
    saved: &BTreeMap<String, usize>,
    changes: &BTreeMap<String, ConfigValue>,
) -> Result<(), LimitError> {
    check_request(changes)?;
    let added = changes
        .keys()
        .filter(|key| !saved.contains_key(*key))
        .count();
    let count = saved.len() + added;
    if count > MAX_KEYS_PER_INTEGRATION {
        return Err(LimitError::TooManyKeys {
            count,
            detail: format!(" ({} saved, {added} new)", saved.len()),
        });
    }
    let kept: usize = saved
        .iter()
        .filter(|(key, _)| !changes.contains_key(*key))
        .map(|(key, size)| key.len() + size)
        .sum();
    let changed: usize = changes
        .iter()
        .map(|(key, value)| key.len() + value_size(value))
        .sum();
    let total = kept + changed;
    if total > MAX_INTEGRATION_BYTES {
        return Err(LimitError::IntegrationTooLarge { total });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Secret;

    fn literal(text: &str) -> ConfigValue {
        ConfigValue::Literal(Secret::new(text))
    }

    /// The limits hold real credentials with room, and the message bounds follow from them
    /// (checked when compiling, since they are constants).
    const _: () = {
        // A 4096-bit RSA PKCS#8 PEM is about 3,300 bytes, 4,500 base64'd; a service-account file
        // about 2,400 bytes, 3,200 base64'd.
        assert!(MAX_VALUE_BYTES >= 10 * 4_500);
        assert!(MAX_INTEGRATION_BYTES >= 4 * MAX_VALUE_BYTES);
        // Fits tonic's default.
        assert!(MAX_INTEGRATION_MESSAGE_BYTES < 4 * 1024 * 1024);
        assert!(MAX_RESPONSE_MESSAGE_BYTES >= MAX_INTEGRATION_MESSAGE_BYTES);
        assert!(MAX_REQUEST_MESSAGE_BYTES >= MAX_INTEGRATION_MESSAGE_BYTES);
    };

    #[test]
    fn saved_keys_count_towards_the_limits() {
        let saved: BTreeMap<String, usize> = (0..MAX_KEYS_PER_INTEGRATION)
            .map(|i| (format!("K{i}"), 1))
            .collect();
        // Changing a saved key is fine; a new one is one too many.
        assert_eq!(
            check_integration(&saved, &BTreeMap::from([("K0".into(), literal("v"))])),
            Ok(())
        );
        let error = check_integration(&saved, &BTreeMap::from([("NEW".into(), literal("v"))]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "config: 257 keys is more than the 256 one integration may hold (256 saved, 1 new)"
        );
        // A changed key counts at its new size only.
        let big = BTreeMap::from([("A".to_string(), MAX_INTEGRATION_BYTES - 1)]);
        assert_eq!(
            check_integration(&big, &BTreeMap::from([("A".into(), literal("small"))])),
            Ok(())
        );
        assert!(matches!(
            check_integration(&big, &BTreeMap::from([("B".into(), literal(""))])),
            Err(LimitError::IntegrationTooLarge { total }) if total == MAX_INTEGRATION_BYTES + 1
        ));
    }

    #[test]
    fn nul_long_names_and_big_values_are_named_never_echoed() {
        let secret = "s3cr3t\0tail";
        let error = check_request(&BTreeMap::from([("PGPASSWORD".into(), literal(secret))]))
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("PGPASSWORD: the value contains a NUL byte"));
        assert!(!error.contains("s3cr3t"));
        let long = "K".repeat(100_000);
        let error = check_request(&BTreeMap::from([(long.clone(), literal("v"))]))
            .unwrap_err()
            .to_string();
        assert!(error.len() < 300, "{error}");
        assert!(error.contains("100000 bytes is too long"), "{error}");
        let linked = ConfigValue::Linked("x".repeat(MAX_VALUE_BYTES + 1));
        assert!(matches!(
            check_request(&BTreeMap::from([("K".into(), linked)])),
            Err(LimitError::ValueTooLarge { size, .. }) if size == MAX_VALUE_BYTES + 1
        ));
    }
}
