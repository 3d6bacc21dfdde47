//! The per-integration size limits ([`crate::domain::limits`]) applied inside the store's write
//! transaction, over the keys already saved plus the request's changes: checking each request
//! alone let 40 updates grow one integration to 10,001 keys and a 161 MB answer.
//!
//! Saved values are not decrypted for this: a sealed value's length is its plaintext's plus a
//! fixed overhead (nonce and tag), so SQLite's `length(sealed)` gives each value's size.

use std::collections::BTreeMap;

use rusqlite::Transaction;

use crate::domain::ConfigValue;
use crate::domain::limits;

use super::store::StoreError;

/// Bytes sealing adds to a value: XChaCha20's 24-byte nonce and Poly1305's 16-byte tag. Were it
/// to grow, sizes would be overestimated by the difference, never underestimated.
pub(crate) const SEALING_OVERHEAD: usize = 24 + 16;

/// Each saved key of the integration with its value's size in bytes, read in `tx`.
fn saved_sizes(
    tx: &Transaction<'_>,
    integration_id: &str,
) -> rusqlite::Result<BTreeMap<String, usize>> {
    let mut statement = tx.prepare_cached(
        "SELECT key, length(sealed) FROM config_values WHERE integration_id = ?1",
    )?;
    let rows = statement.query_map([integration_id], |row| {
        let sealed: i64 = row.get(1)?;
        let size = usize::try_from(sealed)
            .unwrap_or(0)
            .saturating_sub(SEALING_OVERHEAD);
        Ok((row.get::<_, String>(0)?, size))
    })?;
    rows.collect()
}

/// Checks, inside the write transaction `tx`, that setting `changes` over the integration's saved
/// keys keeps it within every limit ([`StoreError::Limit`] when not).
pub fn check_write(
    tx: &Transaction<'_>,
    integration_id: &str,
    changes: &BTreeMap<String, ConfigValue>,
) -> Result<(), StoreError> {
    let saved = saved_sizes(tx, integration_id)?;
    check_saved(&saved, changes)
}

/// Checks `changes` over the saved keys' value sizes (each read as the sealed length less
/// [`SEALING_OVERHEAD`]), for backends that read those sizes themselves.
pub fn check_saved(
    saved: &BTreeMap<String, usize>,
    changes: &BTreeMap<String, ConfigValue>,
) -> Result<(), StoreError> {
    limits::check_integration(saved, changes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::SystemTime;

    use prost::Message as _;

    use crate::domain::limits::{
        MAX_INTEGRATION_BYTES, MAX_INTEGRATION_MESSAGE_BYTES, MAX_KEY_NAME_BYTES,
        MAX_KEYS_PER_INTEGRATION,
    };
    use crate::domain::name::MAX_NAME_LEN;
    use crate::domain::{ConfigValue, Kind, Secret};
    use crate::proto::{GetIntegrationResponse, IntegrationWithSecrets};
    use crate::server::store::{IntegrationRecord, StoredValue};
    use crate::server::{ids, wire};

    /// The answer about an integration at every limit at once, with every key unknown to its
    /// kind (a warning each) and every literal shown: the bound the message limits rest on holds.
    #[test]
    fn largest_integration_fits_its_message_bound() {
        let value_bytes = MAX_INTEGRATION_BYTES / MAX_KEYS_PER_INTEGRATION - MAX_KEY_NAME_BYTES;
        let config: BTreeMap<String, StoredValue> = (0..MAX_KEYS_PER_INTEGRATION)
            .map(|i| {
                let key = format!("K{i:03}_{}", "X".repeat(MAX_KEY_NAME_BYTES - 5));
                let text = "v".repeat(value_bytes);
                let value = if i % 2 == 0 {
                    ConfigValue::Literal(Secret::new(text))
                } else {
                    ConfigValue::Linked(text)
                };
                let stored = StoredValue {
                    value,
                    updated_at: SystemTime::now(),
                };
                (key, stored)
            })
            .collect();
        let record = IntegrationRecord {
            id: ids::integration_id(),
            environment_id: ids::environment_id(),
            name: "N".repeat(MAX_NAME_LEN),
            kind: Kind::Postgresql.to_wire() as i32,
            created_at: SystemTime::now(),
            updated_at: SystemTime::now(),
            config,
            unreadable: Default::default(),
        };
        let warnings = wire::warnings_of(&record);
        assert!(!warnings.is_empty());
        let answer = GetIntegrationResponse {
            integration_with_secrets: Some(IntegrationWithSecrets {
                integration: Some(wire::with_warnings(&record, warnings)),
                secrets: wire::to_secrets(&record),
            }),
        };
        let size = answer.encoded_len();
        assert!(size >= MAX_INTEGRATION_BYTES, "{size}");
        assert!(size <= MAX_INTEGRATION_MESSAGE_BYTES, "{size}");
    }
}
