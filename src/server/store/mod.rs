//! The durable store behind `serve`, one interface over two backends: SQLite (the default, the
//! embedded store in one data directory) and PostgreSQL (shared by any number of replicas). Every
//! write is one transaction with its audit record; every config value and local secret is sealed
//! with the store key, and the key check row in the store refuses a different key.
//!
//! The interface is synchronous; the gRPC layer calls it through `spawn_blocking`.

mod location;
mod pg_audit;
mod pg_connect;
mod pg_read;
mod pg_schema;
mod pg_secrets;
mod pg_transfer;
mod postgres;
mod records;
pub mod sqlite;
mod sqlite_audit;
mod sqlite_read;
mod sqlite_secrets;
mod sqlite_transfer;
pub mod transfer;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Result;
use tonic::Code;

pub use location::{DEFAULT_POOL_SIZE, PgTarget, StoreLocation};
pub use records::{Environment, IntegrationRecord, StoreError, StoredValue};
pub(crate) use records::{secret_context, value_context};
pub use sqlite::DB_FILE;

use super::audit::{AuditEvent, AuditQuery, AuditRecord};
use crate::domain::{ConfigValue, Secret};

/// The store: one of the two backends.
pub struct Store {
    backend: Backend,
}

enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

/// Calls the same method on whichever backend this store uses.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match &$self.backend {
            Backend::Sqlite(store) => store.$method($($arg),*),
            Backend::Postgres(store) => store.$method($($arg),*),
        }
    };
}

impl Store {
    /// Opens (creating when needed) the SQLite store in `dir` with the key `<dir>/secret.key`.
    pub fn open(dir: &Path) -> Result<Self> {
        Self::open_with_key(dir, None)
    }

    /// Opens (creating when needed) the SQLite store in `dir`, checks its integrity, brings its
    /// schema up to date and proves the key (`key_file`, else `<dir>/secret.key`) opens it.
    pub fn open_with_key(dir: &Path, key_file: Option<&Path>) -> Result<Self> {
        let store = sqlite::SqliteStore::open_with_key(dir, key_file)?;
        Ok(Self {
            backend: Backend::Sqlite(store),
        })
    }

    /// Opens the store at `location`. The key is `key_file`, else `<data_dir>/secret.key` (for
    /// SQLite the data directory is the location's own).
    pub fn open_location(
        location: &StoreLocation,
        data_dir: &Path,
        key_file: Option<&Path>,
    ) -> Result<Self> {
        match location {
            StoreLocation::Sqlite(dir) => Self::open_with_key(dir, key_file),
            StoreLocation::Postgres(target) => {
                let key_file = match key_file {
                    Some(path) => path.to_path_buf(),
                    None => {
                        // The data directory holds the key when no key file is named.
                        super::file_modes::private_dir(data_dir)?;
                        data_dir.join(super::crypto::KEY_FILE)
                    }
                };
                let store = postgres::PgStore::open(target, &key_file)?;
                Ok(Self {
                    backend: Backend::Postgres(store),
                })
            }
        }
    }

    /// Where the store lives, for messages (a PostgreSQL password redacted).
    pub fn location(&self) -> String {
        match &self.backend {
            Backend::Sqlite(store) => store.db_file().display().to_string(),
            Backend::Postgres(store) => store.target().to_string(),
        }
    }

    /// The subkey access tokens are signed with, derived from the store key.
    pub fn token_key(&self) -> ring::hmac::Key {
        match &self.backend {
            Backend::Sqlite(store) => store.cipher.token_key(),
            Backend::Postgres(store) => store.cipher.token_key(),
        }
    }

    /// The SQLite connection (tests that reach under the interface; SQLite only).
    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> Option<&sqlite::SqliteStore> {
        match &self.backend {
            Backend::Sqlite(store) => Some(store),
            Backend::Postgres(_) => None,
        }
    }

    /// Whether the store answers a trivial query now (the health check).
    pub fn ping(&self) -> Result<()> {
        dispatch!(self.ping())
    }

    /// The environment with this name, created with a fresh id the first time.
    pub fn environment(&self, name: &str) -> Result<Environment> {
        dispatch!(self.environment(name))
    }

    /// Every integration of the environment, sorted by name, with decrypted configs.
    pub fn list(&self, environment_id: &str) -> Result<Vec<IntegrationRecord>> {
        self.list_loading(environment_id, |_, _| true)
    }

    /// Every integration of the environment, sorted by name; only those for which
    /// `load(id, updated_at)` says so get their config decrypted (decryption is most of the cost
    /// of a list); the others come back with an empty config.
    pub fn list_loading(
        &self,
        environment_id: &str,
        load: impl FnMut(&str, SystemTime) -> bool,
    ) -> Result<Vec<IntegrationRecord>> {
        dispatch!(self.list_loading(environment_id, load))
    }

    /// An integration's kind (its wire number), without reading its config.
    pub fn kind_of(&self, environment_id: &str, id: &str) -> Result<Option<i32>> {
        dispatch!(self.kind_of(environment_id, id))
    }

    /// One integration by id, within the environment.
    pub fn get(&self, environment_id: &str, id: &str) -> Result<Option<IntegrationRecord>> {
        dispatch!(self.get(environment_id, id))
    }

    /// One integration by name (case-insensitive), within the environment.
    pub fn get_by_name(
        &self,
        environment_id: &str,
        name: &str,
    ) -> Result<Option<IntegrationRecord>> {
        dispatch!(self.get_by_name(environment_id, name))
    }

    /// Creates an integration in one transaction.
    pub fn insert(
        &self,
        environment_id: &str,
        name: &str,
        kind: i32,
        config: &BTreeMap<String, ConfigValue>,
    ) -> Result<IntegrationRecord, StoreError> {
        self.insert_audited(environment_id, name, kind, config, None)
    }

    /// [`Store::insert`], recording `audit` (with the new id) in the same transaction.
    pub fn insert_audited(
        &self,
        environment_id: &str,
        name: &str,
        kind: i32,
        config: &BTreeMap<String, ConfigValue>,
        audit: Option<&AuditEvent>,
    ) -> Result<IntegrationRecord, StoreError> {
        dispatch!(self.insert_audited(environment_id, name, kind, config, audit))
    }

    /// Changes the name (when given) and the given keys, leaving every other key as it was.
    pub fn update(
        &self,
        environment_id: &str,
        id: &str,
        new_name: Option<&str>,
        changes: &BTreeMap<String, ConfigValue>,
    ) -> Result<IntegrationRecord, StoreError> {
        self.update_audited(environment_id, id, new_name, changes, None)
    }

    /// [`Store::update`], recording `audit` (with the source's name) in the same transaction.
    pub fn update_audited(
        &self,
        environment_id: &str,
        id: &str,
        new_name: Option<&str>,
        changes: &BTreeMap<String, ConfigValue>,
        audit: Option<&AuditEvent>,
    ) -> Result<IntegrationRecord, StoreError> {
        dispatch!(self.update_audited(environment_id, id, new_name, changes, audit))
    }

    /// Removes an integration and its values; false when there was none.
    pub fn delete(&self, environment_id: &str, id: &str) -> Result<bool> {
        self.delete_audited(environment_id, id, None)
    }

    /// [`Store::delete`], recording `audit` (with the source's name) in the same transaction.
    pub fn delete_audited(
        &self,
        environment_id: &str,
        id: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<bool> {
        dispatch!(self.delete_audited(environment_id, id, audit))
    }

    /// Stores (or replaces) a named secret of the local secret store.
    pub fn set_local_secret(&self, environment_id: &str, name: &str, value: &Secret) -> Result<()> {
        self.set_local_secret_audited(environment_id, name, value, None)
    }

    /// [`Store::set_local_secret`], recording `audit` in the same transaction.
    pub fn set_local_secret_audited(
        &self,
        environment_id: &str,
        name: &str,
        value: &Secret,
        audit: Option<&AuditEvent>,
    ) -> Result<()> {
        dispatch!(self.set_local_secret_audited(environment_id, name, value, audit))
    }

    /// A local secret's value, if the store has it.
    pub fn local_secret(&self, environment_id: &str, name: &str) -> Result<Option<Secret>> {
        dispatch!(self.local_secret(environment_id, name))
    }

    /// The names of the local secrets with their update times (never the values).
    pub fn local_secret_names(&self, environment_id: &str) -> Result<Vec<(String, SystemTime)>> {
        dispatch!(self.local_secret_names(environment_id))
    }

    /// Deletes a local secret; false when there was none.
    pub fn delete_local_secret(&self, environment_id: &str, name: &str) -> Result<bool> {
        self.delete_local_secret_audited(environment_id, name, None)
    }

    /// [`Store::delete_local_secret`], recording `audit` in the same transaction when a secret
    /// was removed.
    pub fn delete_local_secret_audited(
        &self,
        environment_id: &str,
        name: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<bool> {
        dispatch!(self.delete_local_secret_audited(environment_id, name, audit))
    }

    /// Records `event` in a transaction of its own (a failed attempt, a reveal).
    pub fn record_audit(&self, event: &AuditEvent, code: Code) -> Result<()> {
        dispatch!(self.record_audit(event, code))
    }

    /// Deletes the audit records older than `keep`; answers how many.
    pub fn prune_audit(&self, keep: Duration) -> Result<usize> {
        dispatch!(self.prune_audit(keep))
    }

    /// The audit records matching `query`, newest first.
    pub fn audit_records(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        dispatch!(self.audit_records(query))
    }
}

#[cfg(test)]
mod tests;
