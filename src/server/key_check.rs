//! The store knows its key. A check value sealed with the key lives in the database
//! (`store_meta`), so a missing, replaced or wrong key file is found at start-up, before anything
//! is written, instead of silently starting a new key and leaving every older value unreadable.
//! A key is only ever created for a store that holds no sealed value and no check value.

use std::path::Path;

use anyhow::{Context, Result, bail};
use rusqlite::{Connection, OptionalExtension, params};

use super::crypto::Cipher;
use super::store::value_context;
use super::store_migrations::legacy_value_context;
use crate::domain::Secret;

/// The variable naming the key file, for `serve --key-file`, the embedded server and the local
/// secret commands alike.
pub const KEY_FILE_ENV: &str = "SOURCEDECK_KEY_FILE";

/// The `store_meta` row holding the sealed check value.
pub const CHECK_ROW: &str = "key_check";
/// The associated data of the check value (no config value or local secret uses this prefix).
const CHECK_CONTEXT: &str = "store-key-check";
const CHECK_TEXT: &str = "sourcedeck store key check v1";

/// Creates the table of store-wide facts (the key check, the sealing format) when absent.
pub fn ensure_meta_table(connection: &Connection) -> Result<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS store_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
    )?;
    Ok(())
}

/// A row of `store_meta`.
pub fn meta(connection: &Connection, name: &str) -> Result<Option<Vec<u8>>> {
    Ok(connection
        .query_row(
            "SELECT value FROM store_meta WHERE name = ?1",
            [name],
            |row| row.get(0),
        )
        .optional()?)
}

/// Writes (or replaces) a row of `store_meta`.
pub fn set_meta(connection: &Connection, name: &str, value: &[u8]) -> Result<()> {
    connection.execute(
        "INSERT INTO store_meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

/// What to tell the user when the key does not fit the store.
fn restore_advice() -> &'static str {
    "restore the key file the store was written with (from a backup), or point --key-file / \
     SOURCEDECK_KEY_FILE at it; sourcedeck never creates a new key over sealed values"
}

/// What the key check reads and writes in a store, on either backend.
pub trait KeyCheckRows {
    /// The sealed check value, when the store has one.
    fn check_value(&mut self) -> Result<Option<Vec<u8>>>;
    /// Stores the sealed check value.
    fn write_check_value(&mut self, sealed: &[u8]) -> Result<()>;
    /// Whether any config value or local secret is stored.
    fn holds_sealed_values(&mut self) -> Result<bool>;
    /// Whether the store has no sealed value or one of its first few opens with `cipher`.
    fn opens_a_sealed_value(&mut self, cipher: &Cipher) -> Result<bool>;
}

/// The SQLite store's rows.
struct SqliteRows<'a>(&'a Connection);

impl KeyCheckRows for SqliteRows<'_> {
    fn check_value(&mut self) -> Result<Option<Vec<u8>>> {
        meta(self.0, CHECK_ROW)
    }
    fn write_check_value(&mut self, sealed: &[u8]) -> Result<()> {
        set_meta(self.0, CHECK_ROW, sealed)
    }
    fn holds_sealed_values(&mut self) -> Result<bool> {
        holds_sealed_values(self.0)
    }
    fn opens_a_sealed_value(&mut self, cipher: &Cipher) -> Result<bool> {
        opens_a_sealed_value(self.0, cipher)
    }
}

/// Loads the key at `key_file` and proves it opens the store at `db_file` (whose schema is
/// migrated). Creates the key only for a store without sealed values. Call under the set-up lock.
pub fn unlock(connection: &Connection, key_file: &Path, db_file: &Path) -> Result<Cipher> {
    ensure_meta_table(connection)?;
    unlock_rows(
        &mut SqliteRows(connection),
        key_file,
        &db_file.display().to_string(),
    )
}

/// Loads the key at `key_file` and proves it opens `store` (named for messages) through its
/// rows. Creates the key only for a store without sealed values. Call under the backend's set-up
/// lock, so replicas starting together agree.
pub fn unlock_rows(rows: &mut dyn KeyCheckRows, key_file: &Path, store: &str) -> Result<Cipher> {
    let check = rows.check_value()?;
    let Some(cipher) = Cipher::load_file(key_file)? else {
        if check.is_some() || rows.holds_sealed_values()? {
            bail!(
                "key file {} is missing, but the store {store} holds values sealed with a key: {}",
                key_file.display(),
                restore_advice()
            );
        }
        let cipher = Cipher::load_or_create_file(key_file)?;
        rows.write_check_value(&sealed_check(&cipher)?)
            .context("writing the key check value")?;
        return Ok(cipher);
    };
    let wrong_key = || {
        anyhow::anyhow!(
            "key file {} does not open the store {store}: it is not the key the store was written with; {}",
            key_file.display(),
            restore_advice()
        )
    };
    match check {
        Some(sealed) => {
            if !check_opens(&cipher, &sealed) {
                return Err(wrong_key());
            }
        }
        None => {
            // A store written before the check existed: one of its values must open first.
            if !rows.opens_a_sealed_value(&cipher)? {
                return Err(wrong_key());
            }
            rows.write_check_value(&sealed_check(&cipher)?)
                .context("writing the key check value")?;
        }
    }
    Ok(cipher)
}

/// A fresh check value sealed with `cipher`.
pub fn sealed_check(cipher: &Cipher) -> Result<Vec<u8>> {
    cipher.seal(CHECK_CONTEXT, &Secret::new(CHECK_TEXT))
}

/// Whether `sealed` is a check value sealed with `cipher`.
pub fn check_opens(cipher: &Cipher, sealed: &[u8]) -> bool {
    cipher.open(CHECK_CONTEXT, sealed).is_ok()
}

fn holds_sealed_values(connection: &Connection) -> Result<bool> {
    let count: i64 = connection.query_row(
        "SELECT (SELECT COUNT(*) FROM config_values) + (SELECT COUNT(*) FROM local_secrets)",
        [],
        |row| row.get(0),
    )?;
    Ok(count > 0)
}

/// Whether the store has no sealed value or one of its first few opens with `cipher` (in
/// either sealing format). A few, so one corrupted row does not condemn the right key.
fn opens_a_sealed_value(connection: &Connection, cipher: &Cipher) -> Result<bool> {
    let mut tried = 0;
    let mut secrets =
        connection.prepare("SELECT environment_id, name, sealed FROM local_secrets LIMIT 8")?;
    let rows = secrets.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    for row in rows {
        let (environment_id, name, sealed) = row?;
        tried += 1;
        let context = super::store::secret_context(&environment_id, &name);
        if cipher.open(&context, &sealed).is_ok() {
            return Ok(true);
        }
    }
    let mut values = connection
        .prepare("SELECT integration_id, key, linked, sealed FROM config_values LIMIT 8")?;
    let rows = values.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, bool>(2)?,
            row.get::<_, Vec<u8>>(3)?,
        ))
    })?;
    for row in rows {
        let (integration_id, key, linked, sealed) = row?;
        tried += 1;
        let contexts = [
            value_context(&integration_id, &key, linked),
            legacy_value_context(&integration_id, &key),
        ];
        if contexts
            .iter()
            .any(|context| cipher.open(context, &sealed).is_ok())
        {
            return Ok(true);
        }
    }
    Ok(tried == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE config_values (integration_id TEXT, key TEXT, linked INTEGER, sealed BLOB);
                 CREATE TABLE local_secrets (environment_id TEXT, name TEXT, sealed BLOB);",
            )
            .unwrap();
        connection
    }

    fn error_of(result: Result<Cipher>) -> String {
        format!("{:#}", result.err().expect("refused"))
    }

    #[test]
    fn a_new_store_gets_a_key_and_a_check_that_only_that_key_passes() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        let db = dir.path().join("db");
        let connection = schema();
        unlock(&connection, &key, &db).unwrap();
        assert!(meta(&connection, CHECK_ROW).unwrap().is_some());
        unlock(&connection, &key, &db).expect("the same key opens it again");
        std::fs::remove_file(&key).unwrap();
        let error = error_of(unlock(&connection, &key, &db));
        assert!(error.contains("is missing") && error.contains(&key.display().to_string()));
        assert!(!key.exists(), "no key is created over a checked store");
        std::fs::write(&key, [1u8; 32]).unwrap();
        let error = error_of(unlock(&connection, &key, &db));
        assert!(error.contains("does not open the store"), "{error}");
        assert!(error.contains(&db.display().to_string()), "{error}");
    }

    #[test]
    fn a_store_from_before_the_check_is_verified_by_one_of_its_values() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        let db = dir.path().join("db");
        let connection = schema();
        let right = Cipher::load_or_create_file(&key).unwrap();
        let sealed = right
            .seal(&legacy_value_context("i1", "PGHOST"), &Secret::new("h"))
            .unwrap();
        connection
            .execute(
                "INSERT INTO config_values VALUES ('i1', 'PGHOST', 0, ?1)",
                [&sealed],
            )
            .unwrap();
        let wrong = dir.path().join("wrong");
        std::fs::write(&wrong, [9u8; 32]).unwrap();
        let error = error_of(unlock(&connection, &wrong, &db));
        assert!(error.contains("does not open the store"), "{error}");
        assert!(meta(&connection, CHECK_ROW).unwrap().is_none());
        let missing = dir.path().join("missing");
        assert!(error_of(unlock(&connection, &missing, &db)).contains("is missing"));
        assert!(!missing.exists());
        unlock(&connection, &key, &db).expect("the right key opens it");
        assert!(meta(&connection, CHECK_ROW).unwrap().is_some());
    }
}
