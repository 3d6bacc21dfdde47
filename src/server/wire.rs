//! Translation between the store's records and the wire messages: requests' config maps into
//! domain values (with key checks), records into `Integration` / `SecretWithValue` answers.
//!
//! The rules of design.md live here: secret literals are withheld, linked keys are EXTERNAL with
//! the normalized name, and warnings are recomputed from the catalog on every read.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use tonic::Status;

use crate::domain::validate::{self, ConfigWarning, WarningCode};
use crate::domain::{ConfigValue, Kind, Secret, ValueView};
use crate::proto::{
    Integration, IntegrationConfigValue, IntegrationWarning, IntegrationWarningCode,
    PreviewedMessage, SecretSource, SecretWithValue, integration_config_value,
};

use super::store::IntegrationRecord;
use crate::domain::limits;
use crate::domain::name::validate_key_name;

/// Checks a config key's name (its length, then [`validate_key_name`]): INVALID_ARGUMENT naming
/// the key (a long one as a short prefix).
pub fn check_key(key: &str) -> Result<(), Status> {
    limits::check_key_name_length(key).map_err(limit_status)?;
    validate_key_name(key).map_err(Status::invalid_argument)
}

/// The status of a config over a size limit: INVALID_ARGUMENT with the limit's message.
pub fn limit_status(error: limits::LimitError) -> Status {
    Status::invalid_argument(error.to_string())
}

/// Reads a request's `config` and deprecated `environment_variables` maps; `config` wins for a
/// key in both. Values stay wrapped as secrets.
pub fn read_config(
    config: HashMap<String, IntegrationConfigValue>,
    environment_variables: HashMap<String, String>,
) -> Result<BTreeMap<String, ConfigValue>, Status> {
    let mut out = BTreeMap::new();
    for (key, value) in environment_variables {
        check_key(&key)?;
        out.insert(key, ConfigValue::Literal(Secret::new(value)));
    }
    for (key, value) in config {
        check_key(&key)?;
        let value = match value.value {
            Some(integration_config_value::Value::Literal(text)) => {
                ConfigValue::Literal(Secret::new(text))
            }
            Some(integration_config_value::Value::SecretId(reference)) => {
                ConfigValue::Linked(reference)
            }
            None => {
                return Err(Status::invalid_argument(format!(
                    "{key}: the value sets neither literal nor secret_id"
                )));
            }
        };
        out.insert(key, value);
    }
    check_sizes(&out)?;
    Ok(out)
}

/// The most keys one request (and one integration) may set.
pub const MAX_KEYS: usize = limits::MAX_KEYS_PER_INTEGRATION;
/// The largest value; see [`limits`] for why.
pub const MAX_VALUE_BYTES: usize = limits::MAX_VALUE_BYTES;

/// Refuses what a request cannot carry on its own (too many keys, a value too large or holding
/// a NUL byte) before anything is stored, naming the key (never the value). The store checks
/// the integration as a whole inside its write transaction.
fn check_sizes(config: &BTreeMap<String, ConfigValue>) -> Result<(), Status> {
    limits::check_request(config).map_err(limit_status)
}

/// Checks each value's format against the catalog; all errors in one INVALID_ARGUMENT.
pub fn check_values(kind: Kind, config: &BTreeMap<String, ConfigValue>) -> Result<(), Status> {
    validate::check_values(kind, views(config)).map_err(|errors| {
        Status::invalid_argument(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}

fn views(config: &BTreeMap<String, ConfigValue>) -> impl Iterator<Item = (&str, ValueView<'_>)> {
    config
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_view()))
}

fn warning_code(code: WarningCode) -> IntegrationWarningCode {
    match code {
        WarningCode::Unspecified => IntegrationWarningCode::Unspecified,
        WarningCode::SnowflakeUnloadNotConfigured => {
            IntegrationWarningCode::SnowflakeUnloadNotConfigured
        }
        WarningCode::SnowflakePasswordAuthentication => {
            IntegrationWarningCode::SnowflakePasswordAuthentication
        }
    }
}

fn to_wire_warning(warning: ConfigWarning) -> IntegrationWarning {
    IntegrationWarning {
        code: warning_code(warning.code) as i32,
        title: warning.title,
        message: warning.message,
        config_keys: warning.config_keys,
    }
}

/// The warnings of a record's config (none for kinds this build does not know).
pub fn warnings_of(record: &IntegrationRecord) -> Vec<IntegrationWarning> {
    let Some(kind) = Kind::from_wire(record.kind) else {
        return Vec::new();
    };
    let entries = record
        .config
        .iter()
        .map(|(key, stored)| (key.as_str(), stored.value.as_view()));
    let mut warnings: Vec<IntegrationWarning> = validate::warnings(kind, entries)
        .into_iter()
        .map(to_wire_warning)
        .collect();
    warnings.extend(unreadable_warning(record));
    warnings
}

/// The warning for keys whose stored value cannot be read (a corrupted row), naming them.
pub fn unreadable_warning(record: &IntegrationRecord) -> Option<IntegrationWarning> {
    if record.unreadable.is_empty() {
        return None;
    }
    let keys: Vec<String> = record.unreadable.iter().cloned().collect();
    Some(IntegrationWarning {
        code: IntegrationWarningCode::Unspecified as i32,
        title: "Unreadable stored value".into(),
        message: format!(
            "the stored value of {} cannot be read (the row is corrupted or was sealed with another key); set it again",
            keys.join(", ")
        ),
        config_keys: keys,
    })
}

/// The message for a key of `record` that cannot be read, if `key` is one.
pub fn unreadable_key(record: &IntegrationRecord, key: &str) -> Option<String> {
    record.unreadable.iter().find(|unreadable| {
        unreadable.as_str() == key || full_name(&record.name, unreadable) == key
    }).map(|unreadable| {
        format!(
            "{unreadable}: the stored value of integration {:?} cannot be read (the row is corrupted or was sealed with another key); set it again",
            record.name
        )
    })
}

/// The `Integration` message for a record with warnings computed earlier.
pub fn with_warnings(record: &IntegrationRecord, warnings: Vec<IntegrationWarning>) -> Integration {
    Integration {
        id: record.id.clone(),
        name: Some(record.name.clone()),
        kind: record.kind,
        environment_id: record.environment_id.clone(),
        created_at: Some(record.created_at.into()),
        updated_at: Some(record.updated_at.into()),
        warnings,
    }
}

/// The environment-variable name a literal key gets: `<NAME>_<KEY>`, upper-cased.
pub fn full_name(integration_name: &str, key: &str) -> String {
    format!("{}_{}", integration_name.to_ascii_uppercase(), key)
}

/// Whether a key's literal value may be sent in reads.
pub fn is_secret(kind: i32, key: &str) -> bool {
    match Kind::from_wire(kind) {
        Some(kind) => validate::is_secret_key(kind, key),
        // A kind this build does not know: withhold everything.
        None => true,
    }
}

fn timestamp(time: SystemTime) -> Option<prost_types::Timestamp> {
    Some(time.into())
}

/// Every key as a `SecretWithValue`: literals MANAGED (value only when not secret), linked keys
/// EXTERNAL with the normalized secret name and no value.
pub fn to_secrets(record: &IntegrationRecord) -> Vec<SecretWithValue> {
    record
        .config
        .iter()
        .map(|(key, stored)| {
            let id = format!("{}/{key}", record.id);
            match &stored.value {
                ConfigValue::Literal(secret) => SecretWithValue {
                    id,
                    updated_at: timestamp(stored.updated_at),
                    name: key.clone(),
                    full_name: full_name(&record.name, key),
                    value: (!is_secret(record.kind, key)).then(|| secret.expose().to_string()),
                    source: SecretSource::Managed as i32,
                },
                ConfigValue::Linked(reference) => SecretWithValue {
                    id,
                    updated_at: timestamp(stored.updated_at),
                    name: key.clone(),
                    full_name: reference.clone(),
                    value: None,
                    source: SecretSource::External as i32,
                },
            }
        })
        .collect()
}

/// A previewed stream message as the wire carries it: key and value base64-encoded.
pub fn preview_message(message: crate::probe::PreviewMessage) -> PreviewedMessage {
    use base64::Engine as _;
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    PreviewedMessage {
        value_base64: encode(&message.value),
        key_base64: message.key.as_deref().map(encode),
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        timestamp_ms: message.timestamp_ms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_environment_variable_names() {
        assert!(check_key("PGHOST").is_ok());
        assert!(check_key("_X1").is_ok());
        for bad in ["", "1ABC", "PG-HOST", "PG HOST", "é"] {
            let status = check_key(bad).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument);
            assert!(
                status.message().contains(&format!("{bad:?}")),
                "{}",
                status.message()
            );
        }
    }

    #[test]
    fn oversized_requests_are_refused_naming_the_key_not_the_value() {
        let big = "x".repeat(MAX_VALUE_BYTES + 1);
        let status = read_config(
            HashMap::new(),
            HashMap::from([("PGPASSWORD".to_string(), big.clone())]),
        )
        .unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(
            status.message().starts_with("PGPASSWORD: the value is"),
            "{}",
            status.message()
        );
        assert!(!status.message().contains(&big[..64]));
        let many: HashMap<String, String> = (0..=MAX_KEYS)
            .map(|i| (format!("K{i}"), "v".to_string()))
            .collect();
        let status = read_config(HashMap::new(), many).unwrap_err();
        assert!(
            status.message().starts_with("config: 257 keys"),
            "{}",
            status.message()
        );
    }

    #[test]
    fn config_wins_over_environment_variables_and_empty_values_are_refused() {
        let config = HashMap::from([(
            "PGHOST".to_string(),
            IntegrationConfigValue {
                value: Some(integration_config_value::Value::SecretId("ref".into())),
            },
        )]);
        let env = HashMap::from([
            ("PGHOST".to_string(), "plain".to_string()),
            ("PGPORT".to_string(), "5432".to_string()),
        ]);
        let read = read_config(config, env).unwrap();
        assert_eq!(read["PGHOST"], ConfigValue::Linked("ref".into()));
        assert_eq!(read["PGPORT"], ConfigValue::Literal(Secret::new("5432")));
        let empty = HashMap::from([("K".to_string(), IntegrationConfigValue { value: None })]);
        let status = read_config(empty, HashMap::new()).unwrap_err();
        assert!(status.message().starts_with("K: "));
    }
}
