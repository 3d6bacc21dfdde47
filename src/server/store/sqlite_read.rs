//! Reads on the SQLite backend: lists (decrypting only the configs asked for) and single
//! integrations by id or by name; values that do not open are reported as unreadable keys.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension};

use super::records::{IntegrationRecord, StoredValue, from_nanos, open_value, unreadable_value};
use super::sqlite::SqliteStore;

impl SqliteStore {
    /// Every integration of the environment, sorted by name; only those for which
    /// `load(id, updated_at)` says so get their config decrypted (decryption is most of the cost
    /// of a list); the others come back with an empty config.
    pub fn list_loading(
        &self,
        environment_id: &str,
        mut load: impl FnMut(&str, SystemTime) -> bool,
    ) -> Result<Vec<IntegrationRecord>> {
        let connection = self.connection()?;
        let mut statement = connection.prepare_cached(
            "SELECT id, environment_id, name, kind, created_at_ns, updated_at_ns
             FROM integrations WHERE environment_id = ?1 ORDER BY name",
        )?;
        let mut records: Vec<IntegrationRecord> = statement
            .query_map([environment_id], read_integration_row)?
            .collect::<rusqlite::Result<_>>()?;
        let loaded: BTreeSet<String> = records
            .iter()
            .filter(|record| load(&record.id, record.updated_at))
            .map(|record| record.id.clone())
            .collect();
        if loaded.is_empty() {
            return Ok(records);
        }
        let mut values = connection.prepare_cached(
            "SELECT v.integration_id, v.key, v.linked, v.sealed, v.updated_at_ns
             FROM config_values v JOIN integrations i ON i.id = v.integration_id
             WHERE i.environment_id = ?1",
        )?;
        let mut by_id: BTreeMap<String, BTreeMap<String, StoredValue>> = BTreeMap::new();
        let mut unreadable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let rows = values.query_map([environment_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, bool>(2)?,
                row.get::<_, Vec<u8>>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (integration_id, key, linked, sealed, updated) = row?;
            if !loaded.contains(&integration_id) {
                continue;
            }
            match open_value(
                &self.cipher,
                &integration_id,
                &key,
                linked,
                &sealed,
                updated,
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
        for record in &mut records {
            record.config = by_id.remove(&record.id).unwrap_or_default();
            record.unreadable = unreadable.remove(&record.id).unwrap_or_default();
        }
        Ok(records)
    }

    /// An integration's kind (its wire number), without reading its config.
    pub fn kind_of(&self, environment_id: &str, id: &str) -> Result<Option<i32>> {
        let connection = self.connection()?;
        let kind = connection
            .prepare_cached("SELECT kind FROM integrations WHERE environment_id = ?1 AND id = ?2")?
            .query_row([environment_id, id], |row| row.get(0))
            .optional()?;
        Ok(kind)
    }

    /// One integration by id, within the environment.
    pub fn get(&self, environment_id: &str, id: &str) -> Result<Option<IntegrationRecord>> {
        let connection = self.connection()?;
        self.load(&connection, environment_id, "id", id)
    }

    /// One integration by name (case-insensitive), within the environment.
    pub fn get_by_name(
        &self,
        environment_id: &str,
        name: &str,
    ) -> Result<Option<IntegrationRecord>> {
        let connection = self.connection()?;
        self.load(&connection, environment_id, "name", name)
    }

    fn load(
        &self,
        connection: &Connection,
        environment_id: &str,
        column: &str,
        value: &str,
    ) -> Result<Option<IntegrationRecord>> {
        let sql = format!(
            "SELECT id, environment_id, name, kind, created_at_ns, updated_at_ns
             FROM integrations WHERE environment_id = ?1 AND {column} = ?2"
        );
        let record = connection
            .prepare_cached(&sql)?
            .query_row([environment_id, value], read_integration_row)
            .optional()?;
        let Some(mut record) = record else {
            return Ok(None);
        };
        (record.config, record.unreadable) = self.load_config(connection, &record.id)?;
        Ok(Some(record))
    }

    fn load_config(
        &self,
        connection: &Connection,
        integration_id: &str,
    ) -> Result<(BTreeMap<String, StoredValue>, BTreeSet<String>)> {
        let mut statement = connection.prepare_cached(
            "SELECT key, linked, sealed, updated_at_ns FROM config_values WHERE integration_id = ?1",
        )?;
        let rows = statement.query_map([integration_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, bool>(1)?,
                row.get::<_, Vec<u8>>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })?;
        let mut config = BTreeMap::new();
        let mut unreadable = BTreeSet::new();
        for row in rows {
            let (key, linked, sealed, updated) = row?;
            match open_value(&self.cipher, integration_id, &key, linked, &sealed, updated) {
                Ok(value) => {
                    config.insert(key, value);
                }
                Err(error) => {
                    unreadable_value(&error);
                    unreadable.insert(key);
                }
            }
        }
        Ok((config, unreadable))
    }
}

fn read_integration_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<IntegrationRecord> {
    Ok(IntegrationRecord {
        id: row.get(0)?,
        environment_id: row.get(1)?,
        name: row.get(2)?,
        kind: row.get(3)?,
        created_at: from_nanos(row.get(4)?),
        updated_at: from_nanos(row.get(5)?),
        config: BTreeMap::new(),
        unreadable: BTreeSet::new(),
    })
}
