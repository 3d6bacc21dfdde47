//! A whole store as rows, for `serve migrate-store`: read from one backend in one snapshot,
//! written to another in one transaction with the same ids and the sealed bytes as they are (the
//! associated data names ids, not the backend, so every value opens there with the same key),
//! then counted and opened again on the target.

use anyhow::{Result, bail};

use super::records::{secret_context, value_context};
use super::{Backend, Store};
use crate::server::crypto::Cipher;

/// Every row of a store (the key check and format rows excepted: the target writes its own).
#[derive(Default)]
pub struct StoreRows {
    /// `(id, name, created_at_ns)`.
    pub environments: Vec<(String, String, i64)>,
    /// `(id, environment_id, name, kind, created_at_ns, updated_at_ns)`.
    pub integrations: Vec<(String, String, String, i32, i64, i64)>,
    /// `(integration_id, key, linked, sealed, updated_at_ns)`.
    pub values: Vec<(String, String, bool, Vec<u8>, i64)>,
    /// `(environment_id, name, sealed, updated_at_ns)`.
    pub secrets: Vec<(String, String, Vec<u8>, i64)>,
    pub audit: Vec<AuditRow>,
}

/// One audit record with its sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub at_ns: i64,
    pub environment_id: String,
    pub agent: String,
    pub endpoint: String,
    pub description: Option<String>,
    pub source_id: Option<String>,
    pub source_name: Option<String>,
    pub keys: String,
    pub code: i32,
    pub peer: Option<String>,
}

/// How many rows of each kind, for the report and the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowCounts {
    pub environments: usize,
    pub integrations: usize,
    pub values: usize,
    pub secrets: usize,
    pub audit: usize,
}

impl StoreRows {
    pub fn counts(&self) -> RowCounts {
        RowCounts {
            environments: self.environments.len(),
            integrations: self.integrations.len(),
            values: self.values.len(),
            secrets: self.secrets.len(),
            audit: self.audit.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.counts()
            == RowCounts {
                environments: 0,
                integrations: 0,
                values: 0,
                secrets: 0,
                audit: 0,
            }
    }

    /// Opens every config value and local secret with `cipher`; answers how many opened, or
    /// names (never shows) the first that did not.
    fn open_all(&self, cipher: &Cipher) -> Result<usize> {
        for (integration_id, key, linked, sealed, _) in &self.values {
            if cipher
                .open(&value_context(integration_id, key, *linked), sealed)
                .is_err()
            {
                bail!(
                    "the value of key {key} of integration {integration_id} does not open with the key"
                );
            }
        }
        for (environment_id, name, sealed, _) in &self.secrets {
            if cipher
                .open(&secret_context(environment_id, name), sealed)
                .is_err()
            {
                bail!(
                    "local secret {name} of environment {environment_id} does not open with the key"
                );
            }
        }
        Ok(self.values.len() + self.secrets.len())
    }
}

impl Store {
    fn cipher(&self) -> &Cipher {
        match &self.backend {
            Backend::Sqlite(store) => &store.cipher,
            Backend::Postgres(store) => &store.cipher,
        }
    }

    /// Every row, read in one snapshot.
    pub fn rows(&self) -> Result<StoreRows> {
        match &self.backend {
            Backend::Sqlite(store) => store.rows(),
            Backend::Postgres(store) => store.rows(),
        }
    }

    /// Copies every row of `source` into this store, which must hold nothing yet, in one
    /// transaction; then reads this store back and checks the counts match and every value opens
    /// with this store's key. Answers the counts copied.
    pub fn copy_from(&self, source: &Store) -> Result<RowCounts> {
        if !self.rows()?.is_empty() {
            bail!("the target store is not empty: migrate-store only writes into an empty store");
        }
        let rows = source.rows()?;
        let opened = rows.open_all(source.cipher())?;
        match &self.backend {
            Backend::Sqlite(store) => store.load_rows(&rows)?,
            Backend::Postgres(store) => store.load_rows(&rows)?,
        }
        let copied = self.rows()?;
        if copied.counts() != rows.counts() {
            bail!(
                "the target holds {:?} after the copy, the source {:?}",
                copied.counts(),
                rows.counts()
            );
        }
        let reopened = copied.open_all(self.cipher())?;
        if reopened != opened {
            bail!("{opened} values opened in the source but {reopened} in the target");
        }
        Ok(copied.counts())
    }
}
