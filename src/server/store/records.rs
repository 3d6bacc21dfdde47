//! What both store backends read and write: the records the handlers get, the refusals a write
//! can meet, and the sealing of values (the same associated data on every backend, so a value
//! copied from one backend to another opens there with the same key).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;

use crate::domain::{ConfigValue, Secret};
use crate::server::crypto::Cipher;

/// An environment served from this store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub id: String,
    pub name: String,
}

/// One stored config value with its own update time.
#[derive(Clone, Debug)]
pub struct StoredValue {
    pub value: ConfigValue,
    pub updated_at: SystemTime,
}

/// An integration with its decrypted config.
#[derive(Clone, Debug)]
pub struct IntegrationRecord {
    pub id: String,
    pub environment_id: String,
    pub name: String,
    /// The wire enum number, kept as stored so kinds this build does not know survive.
    pub kind: i32,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub config: BTreeMap<String, StoredValue>,
    /// Keys whose stored value cannot be opened (a corrupted row); absent from `config`.
    pub unreadable: BTreeSet<String>,
}

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("an integration named {0:?} already exists in this environment")]
    NameTaken(String),
    #[error("no integration with id {0:?} in this environment")]
    NotFound(String),
    /// The integration would break a size limit (checked inside the write transaction).
    #[error(transparent)]
    Limit(#[from] crate::domain::limits::LimitError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub(crate) fn now() -> SystemTime {
    SystemTime::now()
}

pub(crate) fn to_nanos(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) fn from_nanos(nanos: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(u64::try_from(nanos).unwrap_or(0))
}

/// Associated data binding a sealed config value to its integration, key and linked flag
/// (sealing format 2; `store_migrations` re-seals older rows).
pub(crate) fn value_context(integration_id: &str, key: &str, linked: bool) -> String {
    let flag = if linked { "linked" } else { "literal" };
    format!("integration:{integration_id}:{key}:{flag}")
}

/// Associated data binding a sealed local secret to its environment and name.
pub(crate) fn secret_context(environment_id: &str, name: &str) -> String {
    format!("local-secret:{environment_id}:{name}")
}

/// Opens a stored config value.
pub(crate) fn open_value(
    cipher: &Cipher,
    integration_id: &str,
    key: &str,
    linked: bool,
    sealed: &[u8],
    updated_at_ns: i64,
) -> Result<StoredValue> {
    let plain = cipher.open(&value_context(integration_id, key, linked), sealed)?;
    let value = if linked {
        ConfigValue::Linked(plain.expose().to_string())
    } else {
        ConfigValue::Literal(plain)
    };
    Ok(StoredValue {
        value,
        updated_at: from_nanos(updated_at_ns),
    })
}

/// Seals a config value for storage: its linked flag and sealed bytes.
pub(crate) fn seal_value(
    cipher: &Cipher,
    integration_id: &str,
    key: &str,
    value: &ConfigValue,
) -> Result<(bool, Vec<u8>)> {
    let (linked, plain) = match value {
        ConfigValue::Literal(secret) => (false, secret.clone()),
        ConfigValue::Linked(reference) => (true, Secret::new(reference.as_str())),
    };
    let sealed = cipher.seal(&value_context(integration_id, key, linked), &plain)?;
    Ok((linked, sealed))
}

/// The record a successful insert answers: what was just written, not read back.
pub(crate) fn inserted_record(
    id: String,
    environment_id: &str,
    name: &str,
    kind: i32,
    config: &BTreeMap<String, ConfigValue>,
    at_ns: i64,
) -> IntegrationRecord {
    let written = from_nanos(at_ns);
    IntegrationRecord {
        id,
        environment_id: environment_id.to_string(),
        name: name.to_string(),
        kind,
        created_at: written,
        updated_at: written,
        config: config
            .iter()
            .map(|(key, value)| {
                let stored = StoredValue {
                    value: value.clone(),
                    updated_at: written,
                };
                (key.clone(), stored)
            })
            .collect(),
        unreadable: BTreeSet::new(),
    }
}

/// Logs a stored value that does not open (its error names the integration and key, never the
/// value); the caller reports the key as unreadable instead of failing the whole read.
pub(crate) fn unreadable_value(error: &anyhow::Error) {
    tracing::error!("{error:#}");
}
