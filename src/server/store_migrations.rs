//! Migrations that need the key, run after the schema migrations once the key is proven.
//!
//! Sealing format 2 binds a config value's linked flag into its associated data, so flipping the
//! `linked` column (turning a literal into a reference, or back) makes the value fail to open
//! instead of changing its meaning. Stores written before (format 1) are re-sealed in one
//! transaction; `store_meta.seal_format` records which format the rows use.

use anyhow::{Context, Result};
use rusqlite::{Connection, TransactionBehavior, params};

use super::crypto::Cipher;
use super::key_check::{meta, set_meta};
use super::store::value_context;

const FORMAT_ROW: &str = "seal_format";
/// The sealing format this build writes.
pub const SEAL_FORMAT: u8 = 2;

/// Format 1's associated data of a config value: integration and key, not the linked flag.
pub fn legacy_value_context(integration_id: &str, key: &str) -> String {
    format!("integration:{integration_id}:{key}")
}

/// The sealing format the store's config values use (1 when never recorded).
pub fn seal_format(connection: &Connection) -> Result<u8> {
    Ok(meta(connection, FORMAT_ROW)?
        .and_then(|value| value.first().copied())
        .unwrap_or(1))
}

/// Re-seals format-1 config values in format 2, in one transaction; returns how many were
/// re-sealed. A value that does not open (a corrupted row) is left as it is, to be reported as
/// unreadable like any other. Call under the set-up lock, after `key_check::unlock`.
pub fn reseal_linked_flag(connection: &mut Connection, cipher: &Cipher) -> Result<usize> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if seal_format(&tx)? >= SEAL_FORMAT {
        return Ok(0);
    }
    let rows: Vec<(String, String, bool, Vec<u8>)> = tx
        .prepare("SELECT integration_id, key, linked, sealed FROM config_values")?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut resealed = 0;
    {
        let mut update = tx.prepare(
            "UPDATE config_values SET sealed = ?1 WHERE integration_id = ?2 AND key = ?3",
        )?;
        for (integration_id, key, linked, sealed) in rows {
            let Ok(plain) = cipher.open(&legacy_value_context(&integration_id, &key), &sealed)
            else {
                tracing::warn!(
                    integration = integration_id,
                    key,
                    "a stored value does not open; left as it is while re-sealing"
                );
                continue;
            };
            let sealed = cipher.seal(&value_context(&integration_id, &key, linked), &plain)?;
            update.execute(params![sealed, integration_id, key])?;
            resealed += 1;
        }
    }
    set_meta(&tx, FORMAT_ROW, &[SEAL_FORMAT])?;
    tx.commit().context("committing the re-sealed values")?;
    if resealed > 0 {
        tracing::info!(
            resealed,
            "re-sealed stored values to bind their linked flag"
        );
    }
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::{ConfigValue, Secret};
    use crate::server::crypto::KEY_FILE;
    use crate::server::store::{DB_FILE, Store};

    /// A store as a build before the key check and format 2 left it: two values sealed without
    /// the linked flag, no `store_meta` rows.
    fn old_format_store(dir: &std::path::Path) -> (String, String) {
        let store = Store::open(dir).unwrap();
        let env = store.environment("default").unwrap();
        let id = store
            .insert(&env.id, "pg", 13, &BTreeMap::new())
            .unwrap()
            .id;
        drop(store);
        let cipher = Cipher::load_or_create_file(&dir.join(KEY_FILE)).unwrap();
        let connection = Connection::open(dir.join(DB_FILE)).unwrap();
        for (key, linked, value) in [
            ("PGHOST", false, "db.internal"),
            ("PGPASSWORD", true, "pg-pass"),
        ] {
            let sealed = cipher
                .seal(&legacy_value_context(&id, key), &Secret::new(value))
                .unwrap();
            connection
                .execute(
                    "INSERT INTO config_values (integration_id, key, linked, sealed, updated_at_ns)
                     VALUES (?1, ?2, ?3, ?4, 1)",
                    params![id, key, linked, sealed],
                )
                .unwrap();
        }
        connection.execute("DELETE FROM store_meta", []).unwrap();
        (env.id, id)
    }

    #[test]
    fn an_old_format_store_is_resealed_with_the_linked_flag_bound() {
        let dir = tempfile::tempdir().unwrap();
        let (env, id) = old_format_store(dir.path());
        let store = Store::open(dir.path()).expect("the right key opens the old store");
        let record = store.get(&env, &id).unwrap().unwrap();
        assert!(record.unreadable.is_empty(), "{:?}", record.unreadable);
        assert!(matches!(&record.config["PGHOST"].value,
            ConfigValue::Literal(secret) if secret.expose() == "db.internal"));
        assert!(matches!(&record.config["PGPASSWORD"].value,
            ConfigValue::Linked(name) if name == "pg-pass"));
        drop(store);
        let connection = Connection::open(dir.path().join(DB_FILE)).unwrap();
        assert_eq!(seal_format(&connection).unwrap(), SEAL_FORMAT);
        // Flipping the flag on disk now breaks the value instead of changing its meaning.
        connection
            .execute(
                "UPDATE config_values SET linked = 1 WHERE key = 'PGHOST'",
                [],
            )
            .unwrap();
        drop(connection);
        let store = Store::open(dir.path()).unwrap();
        let record = store.get(&env, &id).unwrap().unwrap();
        assert_eq!(record.unreadable.iter().collect::<Vec<_>>(), ["PGHOST"]);
        assert!(record.config.contains_key("PGPASSWORD"));
    }

    #[test]
    fn an_old_format_store_refuses_the_wrong_key_and_is_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        old_format_store(dir.path());
        let before = std::fs::read(dir.path().join(KEY_FILE)).unwrap();
        std::fs::write(dir.path().join(KEY_FILE), [3u8; 32]).unwrap();
        let error = format!("{:#}", Store::open(dir.path()).err().unwrap());
        assert!(error.contains("does not open the store"), "{error}");
        let connection = Connection::open(dir.path().join(DB_FILE)).unwrap();
        assert_eq!(seal_format(&connection).unwrap(), 1, "nothing re-sealed");
        drop(connection);
        std::fs::write(dir.path().join(KEY_FILE), before).unwrap();
        Store::open(dir.path()).expect("the restored key still opens it");
    }

    #[test]
    fn one_corrupted_value_leaves_the_rest_of_the_list_readable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let env = store.environment("default").unwrap();
        let value = |v: &str| ConfigValue::Literal(Secret::new(v));
        let config = BTreeMap::from([
            ("PGHOST".to_string(), value("h")),
            ("PGPASSWORD".to_string(), value("p")),
        ]);
        let broken = store.insert(&env.id, "broken", 13, &config).unwrap().id;
        store.insert(&env.id, "fine", 13, &config).unwrap();
        let connection = Connection::open(dir.path().join(DB_FILE)).unwrap();
        let select =
            "SELECT sealed FROM config_values WHERE integration_id = ?1 AND key = 'PGPASSWORD'";
        let mut sealed: Vec<u8> = connection
            .query_row(select, [&broken], |row| row.get(0))
            .unwrap();
        sealed[30] ^= 0x01;
        connection
            .execute(
                "UPDATE config_values SET sealed = ?1 WHERE integration_id = ?2 AND key = 'PGPASSWORD'",
                params![sealed, broken],
            )
            .unwrap();
        let list = store.list(&env.id).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[0].unreadable.iter().collect::<Vec<_>>(),
            ["PGPASSWORD"]
        );
        assert!(list[0].config.contains_key("PGHOST"));
        assert!(list[1].unreadable.is_empty() && list[1].config.len() == 2);
        let got = store.get(&env.id, &broken).unwrap().unwrap();
        assert_eq!(got.unreadable.iter().collect::<Vec<_>>(), ["PGPASSWORD"]);
    }
}
