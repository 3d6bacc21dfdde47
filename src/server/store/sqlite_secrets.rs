//! The local secret store on the SQLite backend: named secrets per environment, sealed with the
//! store key, each write one transaction with its audit record.

use std::time::SystemTime;

use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use tonic::Code;

use super::records::{from_nanos, now, secret_context, to_nanos};
use super::sqlite::SqliteStore;
use crate::domain::Secret;
use crate::server::audit::{AuditEvent, record_in};

impl SqliteStore {
    /// [`super::Store::set_local_secret`], recording `audit` in the same transaction.
    pub fn set_local_secret_audited(
        &self,
        environment_id: &str,
        name: &str,
        value: &Secret,
        audit: Option<&AuditEvent>,
    ) -> Result<()> {
        let sealed = self
            .cipher
            .seal(&secret_context(environment_id, name), value)?;
        let mut connection = self.connection()?;
        let tx = connection.transaction()?;
        tx.execute(
            "INSERT INTO local_secrets (environment_id, name, sealed, updated_at_ns)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (environment_id, name) DO UPDATE SET
               sealed = excluded.sealed, updated_at_ns = excluded.updated_at_ns",
            params![environment_id, name, sealed, to_nanos(now())],
        )?;
        if let Some(event) = audit {
            record_in(&tx, event, Code::Ok)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A local secret's value, if the store has it.
    pub fn local_secret(&self, environment_id: &str, name: &str) -> Result<Option<Secret>> {
        let connection = self.connection()?;
        let sealed: Option<Vec<u8>> = connection
            .query_row(
                "SELECT sealed FROM local_secrets WHERE environment_id = ?1 AND name = ?2",
                params![environment_id, name],
                |row| row.get(0),
            )
            .optional()?;
        sealed
            .map(|sealed| {
                self.cipher
                    .open(&secret_context(environment_id, name), &sealed)
            })
            .transpose()
    }

    /// The names of the local secrets with their update times (never the values).
    pub fn local_secret_names(&self, environment_id: &str) -> Result<Vec<(String, SystemTime)>> {
        let connection = self.connection()?;
        let mut statement = connection.prepare_cached(
            "SELECT name, updated_at_ns FROM local_secrets WHERE environment_id = ?1 ORDER BY name",
        )?;
        let names = statement
            .query_map([environment_id], |row| {
                Ok((row.get::<_, String>(0)?, from_nanos(row.get(1)?)))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(names)
    }

    /// [`super::Store::delete_local_secret`], recording `audit` in the same transaction when a secret
    /// was removed.
    pub fn delete_local_secret_audited(
        &self,
        environment_id: &str,
        name: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<bool> {
        let mut connection = self.connection()?;
        let tx = connection.transaction()?;
        let removed = tx.execute(
            "DELETE FROM local_secrets WHERE environment_id = ?1 AND name = ?2",
            params![environment_id, name],
        )?;
        if let (Some(event), true) = (audit, removed > 0) {
            record_in(&tx, event, Code::Ok)?;
        }
        tx.commit()?;
        Ok(removed > 0)
    }
}
