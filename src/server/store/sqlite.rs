//! The embedded backend of the store (the default): SQLite in WAL mode with numbered migrations,
//! one transaction per write, every config value and local secret sealed by [`Cipher`].
//!
//! Synchronous (rusqlite); the gRPC layer calls it through `spawn_blocking`. `synchronous=FULL`
//! makes a write durable before it is acknowledged, so a `kill -9` never loses an acknowledged
//! write.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::records::{
    Environment, IntegrationRecord, StoreError, inserted_record, now, seal_value, to_nanos,
};
use crate::domain::ConfigValue;
use crate::server::audit::{AuditEvent, record_in};
use crate::server::crypto::{Cipher, KEY_FILE};
use crate::server::ids;
use crate::server::store_open::{OPEN_DEADLINE, SetupLock, retry_while_busy};
use crate::server::{file_modes, key_check, limits, store_migrations};
use tonic::Code;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "sourcedeck.db";

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE environments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at_ns INTEGER NOT NULL
    );
    CREATE TABLE integrations (
        id TEXT PRIMARY KEY,
        environment_id TEXT NOT NULL REFERENCES environments(id),
        name TEXT NOT NULL COLLATE NOCASE,
        kind INTEGER NOT NULL,
        created_at_ns INTEGER NOT NULL,
        updated_at_ns INTEGER NOT NULL,
        UNIQUE (environment_id, name)
    );
    CREATE TABLE config_values (
        integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        linked INTEGER NOT NULL,
        sealed BLOB NOT NULL,
        updated_at_ns INTEGER NOT NULL,
        PRIMARY KEY (integration_id, key)
    );
    CREATE TABLE local_secrets (
        environment_id TEXT NOT NULL REFERENCES environments(id),
        name TEXT NOT NULL,
        sealed BLOB NOT NULL,
        updated_at_ns INTEGER NOT NULL,
        PRIMARY KEY (environment_id, name)
    );",
    crate::server::audit::AUDIT_MIGRATION,
];

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Other(error.into())
    }
}

/// The store: one connection behind a mutex (SQLite serialises writers anyway) and the cipher.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    pub(super) cipher: Cipher,
    db_file: PathBuf,
}

fn is_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

impl SqliteStore {
    /// Opens (creating when needed) the store in `dir`, checks its integrity, brings its schema up
    /// to date and proves the key (`key_file`, else `<dir>/secret.key`) opens it.
    pub fn open_with_key(dir: &Path, key_file: Option<&Path>) -> Result<Self> {
        file_modes::private_dir(dir)?;
        // One process at a time creates the key, switches to WAL and migrates.
        let _setup = SetupLock::acquire(dir, OPEN_DEADLINE)?;
        let key_file = key_file.map_or_else(|| dir.join(KEY_FILE), Path::to_path_buf);
        let path = dir.join(DB_FILE);
        refuse_truncated_database(&path, &key_file)?;
        let mut connection = retry_while_busy(OPEN_DEADLINE, || {
            let mut connection = Connection::open(&path)
                .with_context(|| format!("opening database {}", path.display()))?;
            file_modes::private_database_files(&path)?;
            connection.busy_timeout(Duration::from_secs(10))?;
            let mode: String =
                connection.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                connection.pragma_update(None, "journal_mode", "WAL")?;
            }
            connection.pragma_update(None, "synchronous", "FULL")?;
            connection.pragma_update(None, "foreign_keys", "ON")?;
            check_integrity(&connection)?;
            migrate(&mut connection)?;
            file_modes::private_database_files(&path)?;
            Ok(connection)
        })
        .with_context(|| format!("database {}", path.display()))?;
        let cipher = retry_while_busy(OPEN_DEADLINE, || {
            key_check::unlock(&connection, &key_file, &path)
        })?;
        store_migrations::reseal_linked_flag(&mut connection, &cipher)
            .with_context(|| format!("re-sealing the values of database {}", path.display()))?;
        file_modes::warn_if_key_file_exposed(&key_file);
        Ok(Self {
            connection: Mutex::new(connection),
            cipher,
            db_file: path,
        })
    }

    /// The database file, for messages.
    pub fn db_file(&self) -> &Path {
        &self.db_file
    }

    pub fn ping(&self) -> Result<()> {
        let connection = self.connection()?;
        connection.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    pub(crate) fn connection(&self) -> Result<MutexGuard<'_, Connection>> {
        self.connection
            .lock()
            .map_err(|_| anyhow!("store connection poisoned by an earlier panic"))
    }

    /// The environment with this name, created with a fresh id the first time.
    pub fn environment(&self, name: &str) -> Result<Environment> {
        retry_while_busy(OPEN_DEADLINE, || self.find_or_create_environment(name))
    }

    fn find_or_create_environment(&self, name: &str) -> Result<Environment> {
        let mut connection = self.connection()?;
        // IMMEDIATE takes the write lock before reading, so two processes creating the same
        // environment at once serialise (the busy timeout waits) instead of one failing.
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing = tx
            .query_row(
                "SELECT id, name FROM environments WHERE name = ?1",
                [name],
                |row| {
                    Ok(Environment {
                        id: row.get(0)?,
                        name: row.get(1)?,
                    })
                },
            )
            .optional()?;
        let environment = match existing {
            Some(environment) => environment,
            None => {
                let environment = Environment {
                    id: ids::environment_id(),
                    name: name.to_string(),
                };
                tx.execute(
                    "INSERT INTO environments (id, name, created_at_ns) VALUES (?1, ?2, ?3)",
                    params![environment.id, environment.name, to_nanos(now())],
                )?;
                environment
            }
        };
        tx.commit()?;
        Ok(environment)
    }

    fn write_values(
        &self,
        tx: &rusqlite::Transaction<'_>,
        integration_id: &str,
        values: &BTreeMap<String, ConfigValue>,
        at: i64,
    ) -> Result<()> {
        let mut statement = tx.prepare_cached(
            "INSERT INTO config_values (integration_id, key, linked, sealed, updated_at_ns)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (integration_id, key) DO UPDATE SET
               linked = excluded.linked, sealed = excluded.sealed, updated_at_ns = excluded.updated_at_ns",
        )?;
        for (key, value) in values {
            let (linked, sealed) = seal_value(&self.cipher, integration_id, key, value)?;
            statement.execute(params![integration_id, key, linked, sealed, at])?;
        }
        Ok(())
    }

    /// [`super::Store::insert`], recording `audit` (with the new id) in the same transaction.
    pub fn insert_audited(
        &self,
        environment_id: &str,
        name: &str,
        kind: i32,
        config: &BTreeMap<String, ConfigValue>,
        audit: Option<&AuditEvent>,
    ) -> Result<IntegrationRecord, StoreError> {
        let mut connection = self.connection()?;
        let tx = connection.transaction()?;
        let id = ids::integration_id();
        let at = to_nanos(now());
        match tx.execute(
            "INSERT INTO integrations (id, environment_id, name, kind, created_at_ns, updated_at_ns)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![id, environment_id, name, kind, at],
        ) {
            Err(error) if is_unique_violation(&error) => {
                return Err(StoreError::NameTaken(name.to_string()));
            }
            other => other?,
        };
        limits::check_write(&tx, &id, config)?;
        self.write_values(&tx, &id, config, at)?;
        if let Some(event) = audit {
            record_in(&tx, &event.for_source(Some(&id), Some(name)), Code::Ok)?;
        }
        tx.commit()?;
        // The record is what was just written; no need to read and decrypt it again.
        Ok(inserted_record(id, environment_id, name, kind, config, at))
    }

    /// [`super::Store::update`], recording `audit` (with the source's name) in the same transaction.
    pub fn update_audited(
        &self,
        environment_id: &str,
        id: &str,
        new_name: Option<&str>,
        changes: &BTreeMap<String, ConfigValue>,
        audit: Option<&AuditEvent>,
    ) -> Result<IntegrationRecord, StoreError> {
        let mut connection = self.connection()?;
        let tx = connection.transaction()?;
        let at = to_nanos(now());
        let touched = match new_name {
            Some(name) => tx.execute(
                "UPDATE integrations SET name = ?1, updated_at_ns = ?2
                 WHERE id = ?3 AND environment_id = ?4",
                params![name, at, id, environment_id],
            ),
            None => tx.execute(
                "UPDATE integrations SET updated_at_ns = ?1 WHERE id = ?2 AND environment_id = ?3",
                params![at, id, environment_id],
            ),
        };
        match touched {
            Ok(0) => return Err(StoreError::NotFound(id.to_string())),
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Err(StoreError::NameTaken(
                    new_name.unwrap_or_default().to_string(),
                ));
            }
            Err(error) => return Err(error.into()),
        }
        limits::check_write(&tx, id, changes)?;
        self.write_values(&tx, id, changes, at)?;
        if let Some(event) = audit {
            let name =
                tx.query_row("SELECT name FROM integrations WHERE id = ?1", [id], |row| {
                    row.get::<_, String>(0)
                })?;
            record_in(&tx, &event.for_source(Some(id), Some(&name)), Code::Ok)?;
        }
        tx.commit()?;
        drop(connection);
        self.get(environment_id, id)?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    /// [`super::Store::delete`], recording `audit` (with the source's name) in the same transaction.
    pub fn delete_audited(
        &self,
        environment_id: &str,
        id: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<bool> {
        let mut connection = self.connection()?;
        let tx = connection.transaction()?;
        let name: Option<String> = tx
            .query_row(
                "SELECT name FROM integrations WHERE id = ?1 AND environment_id = ?2",
                params![id, environment_id],
                |row| row.get(0),
            )
            .optional()?;
        let removed = tx.execute(
            "DELETE FROM integrations WHERE id = ?1 AND environment_id = ?2",
            params![id, environment_id],
        )?;
        if let (Some(event), true) = (audit, removed > 0) {
            record_in(&tx, &event.for_source(Some(id), name.as_deref()), Code::Ok)?;
        }
        tx.commit()?;
        Ok(removed > 0)
    }
}

/// A zero-length database beside an existing key was truncated or replaced: refuse it rather than
/// start an empty store (and later seal new values) over it.
fn refuse_truncated_database(db_file: &Path, key_file: &Path) -> Result<()> {
    let empty = std::fs::metadata(db_file).is_ok_and(|meta| meta.len() == 0);
    if empty && key_file.exists() {
        anyhow::bail!(
            "database {} is empty (0 bytes) but the key file {} exists: the database was truncated or replaced; restore it from a backup (or, to start over on purpose, delete the empty database file)",
            db_file.display(),
            key_file.display()
        );
    }
    Ok(())
}

/// `PRAGMA quick_check`: refuses a database whose pages are damaged.
fn check_integrity(connection: &Connection) -> Result<()> {
    let problems: Vec<String> = connection
        .prepare("PRAGMA quick_check")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if problems.first().map(String::as_str) != Some("ok") {
        let first: String = problems.join("; ").chars().take(200).collect();
        anyhow::bail!(
            "failed its integrity check (PRAGMA quick_check): {first}; restore it from a backup"
        );
    }
    Ok(())
}

/// Applies the pending migrations. The version is read inside an IMMEDIATE transaction, so two
/// processes starting on a fresh data directory at once apply each migration exactly once.
fn migrate(connection: &mut Connection) -> Result<()> {
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let applied: usize = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if applied > MIGRATIONS.len() {
        anyhow::bail!(
            "the database was written by a newer sourcedeck (schema {applied}, this build knows {})",
            MIGRATIONS.len()
        );
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", index + 1)?;
    }
    tx.commit()?;
    Ok(())
}
