//! Reads on the PostgreSQL backend: lists and single integrations, each from one snapshot
//! (a repeatable-read, read-only transaction), so a value never belongs to a record the answer
//! lacks; values that do not open are reported as unreadable keys.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use anyhow::Result;
use tokio_postgres::Row;

use super::postgres::PgStore;
use super::records::{IntegrationRecord, StoredValue, from_nanos, open_value, unreadable_value};

const INTEGRATION_COLUMNS: &str = "id, environment_id, name, kind, created_at_ns, updated_at_ns";

fn integration_of(row: &Row) -> IntegrationRecord {
    IntegrationRecord {
        id: row.get(0),
        environment_id: row.get(1),
        name: row.get(2),
        kind: row.get(3),
        created_at: from_nanos(row.get(4)),
        updated_at: from_nanos(row.get(5)),
        config: BTreeMap::new(),
        unreadable: BTreeSet::new(),
    }
}

/// A name's bytes with ASCII letters in lower case.
fn folded(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().map(|byte| byte.to_ascii_lowercase())
}

impl PgStore {
    pub fn list_loading(
        &self,
        environment_id: &str,
        mut load: impl FnMut(&str, SystemTime) -> bool,
    ) -> Result<Vec<IntegrationRecord>> {
        let mut client = self.pool.get()?;
        // One snapshot for both reads, so a value never belongs to a record the list lacks.
        let tx = self.pool.block_on(
            client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start(),
        )?;
        let rows = self.pool.block_on(tx.query(
            &format!("SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE environment_id = $1"),
            &[&environment_id],
        ))?;
        let mut records: Vec<IntegrationRecord> = rows.iter().map(integration_of).collect();
        // Sorted here rather than by the database (no sort on its CPU, shared by every
        // replica): ASCII case folded, as SQLite's NOCASE, then the exact name.
        records.sort_unstable_by(|a, b| {
            folded(&a.name)
                .cmp(folded(&b.name))
                .then_with(|| a.name.cmp(&b.name))
        });
        let loaded: Vec<String> = records
            .iter()
            .filter(|record| load(&record.id, record.updated_at))
            .map(|record| record.id.clone())
            .collect();
        if loaded.is_empty() {
            self.pool.block_on(tx.commit())?;
            return Ok(records);
        }
        let values = self.pool.block_on(tx.query(
            "SELECT integration_id, key, linked, sealed, updated_at_ns FROM config_values
             WHERE integration_id = ANY($1)",
            &[&loaded],
        ))?;
        self.pool.block_on(tx.commit())?;
        let (mut by_id, mut unreadable) = self.open_rows(&values);
        for record in &mut records {
            record.config = by_id.remove(&record.id).unwrap_or_default();
            record.unreadable = unreadable.remove(&record.id).unwrap_or_default();
        }
        Ok(records)
    }

    /// Opens rows of `(integration_id, key, linked, sealed, updated_at_ns)`.
    #[allow(clippy::type_complexity)]
    fn open_rows(
        &self,
        rows: &[Row],
    ) -> (
        BTreeMap<String, BTreeMap<String, StoredValue>>,
        BTreeMap<String, BTreeSet<String>>,
    ) {
        let mut by_id: BTreeMap<String, BTreeMap<String, StoredValue>> = BTreeMap::new();
        let mut unreadable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for row in rows {
            let integration_id: String = row.get(0);
            let key: String = row.get(1);
            let sealed: &[u8] = row.get(3);
            match open_value(
                &self.cipher,
                &integration_id,
                &key,
                row.get(2),
                sealed,
                row.get(4),
            ) {
                Ok(value) => {
                    by_id.entry(integration_id).or_default().insert(key, value);
                }
                Err(error) => {
                    unreadable_value(&error);
                    unreadable.entry(integration_id).or_default().insert(key);
                }
            }
        }
        (by_id, unreadable)
    }

    pub fn kind_of(&self, environment_id: &str, id: &str) -> Result<Option<i32>> {
        let client = self.pool.get()?;
        let row = self.pool.block_on(client.query_opt(
            "SELECT kind FROM integrations WHERE environment_id = $1 AND id = $2",
            &[&environment_id, &id],
        ))?;
        Ok(row.map(|row| row.get(0)))
    }

    pub fn get(&self, environment_id: &str, id: &str) -> Result<Option<IntegrationRecord>> {
        self.load(environment_id, "id = $2", id)
    }

    pub fn get_by_name(
        &self,
        environment_id: &str,
        name: &str,
    ) -> Result<Option<IntegrationRecord>> {
        self.load(environment_id, "lower(name) = lower($2)", name)
    }

    fn load(
        &self,
        environment_id: &str,
        condition: &str,
        value: &str,
    ) -> Result<Option<IntegrationRecord>> {
        let mut client = self.pool.get()?;
        let rows = self.pool.block_on(async {
            // One snapshot for the record and its values.
            let tx = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let record = tx
                .query_opt(
                    &format!(
                        "SELECT {INTEGRATION_COLUMNS} FROM integrations
                         WHERE environment_id = $1 AND {condition}"
                    ),
                    &[&environment_id, &value],
                )
                .await?;
            let Some(record) = record else {
                return anyhow::Ok(None);
            };
            let id: String = record.get(0);
            let values = tx
                .query(
                    "SELECT integration_id, key, linked, sealed, updated_at_ns FROM config_values
                     WHERE integration_id = $1",
                    &[&id],
                )
                .await?;
            tx.commit().await?;
            Ok(Some((record, values)))
        })?;
        let Some((row, values)) = rows else {
            return Ok(None);
        };
        let mut record = integration_of(&row);
        let (mut by_id, mut unreadable) = self.open_rows(&values);
        record.config = by_id.remove(&record.id).unwrap_or_default();
        record.unreadable = unreadable.remove(&record.id).unwrap_or_default();
        Ok(Some(record))
    }
}
