//! The PostgreSQL backend of the store, shared by any number of `serve` replicas: the same
//! operations as the SQLite backend, each write one transaction with its audit record, name
//! uniqueness left to the database's unique indexes (a violation is [`StoreError::NameTaken`],
//! ALREADY_EXISTS on the wire), commits durable before they are acknowledged (PostgreSQL's
//! default `synchronous_commit`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use anyhow::{Context, Result};
use tokio_postgres::Transaction;
use tokio_postgres::error::SqlState;
use tonic::Code;

use super::location::PgTarget;
use super::pg_audit::record_in;
use super::pg_connect::PgPool;
use super::pg_schema::{self, PgKeyRows};
use super::records::{
    Environment, IntegrationRecord, StoreError, inserted_record, now, seal_value, to_nanos,
};
use crate::domain::ConfigValue;
use crate::server::audit::{AuditEvent, nanos};
use crate::server::crypto::Cipher;
use crate::server::{file_modes, ids, key_check, limits};

/// A create's integration and values, as the data-modifying CTEs of one statement (the values
/// reference the integration inserted by the same statement; foreign keys are checked at its end).
const INSERT_WITH_VALUES: &str = "WITH created AS (
        INSERT INTO integrations (id, environment_id, name, kind, created_at_ns, updated_at_ns)
        VALUES ($1, $2, $3, $4, $5, $5) RETURNING id
    ), valued AS (
        INSERT INTO config_values (integration_id, key, linked, sealed, updated_at_ns)
        SELECT created.id, v.key, v.linked, v.sealed, $5
        FROM created, unnest($6::text[], $7::bool[], $8::bytea[]) AS v(key, linked, sealed)
    )";

/// The PostgreSQL store.
pub struct PgStore {
    pub(super) pool: PgPool,
    pub(super) cipher: Cipher,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> Self {
        StoreError::Other(error.into())
    }
}

fn is_unique_violation(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

impl PgStore {
    /// Connects, migrates and proves the key under the set-up advisory lock, so replicas starting
    /// together migrate once and agree on one key; a replica with another key refuses to start.
    pub fn open(target: &PgTarget, key_file: &Path) -> Result<Self> {
        let pool = PgPool::open(target)?;
        let cipher = {
            let mut client = pool.get()?;
            pool.block_on(pg_schema::lock(&client))?;
            let result = pool
                .block_on(pg_schema::migrate(&mut client))
                .with_context(|| format!("migrating the store {target}"))
                .and_then(|()| {
                    let mut rows = PgKeyRows {
                        pool: &pool,
                        client: &mut client,
                    };
                    key_check::unlock_rows(&mut rows, key_file, &target.to_string())
                });
            let unlocked = pool.block_on(pg_schema::unlock(&client));
            let cipher = result?;
            unlocked?;
            cipher
        };
        file_modes::warn_if_key_file_exposed(key_file);
        Ok(Self { pool, cipher })
    }

    pub fn target(&self) -> &PgTarget {
        self.pool.target()
    }

    pub fn ping(&self) -> Result<()> {
        let client = self.pool.get()?;
        self.pool.block_on(client.simple_query("SELECT 1"))?;
        Ok(())
    }

    pub fn environment(&self, name: &str) -> Result<Environment> {
        let client = self.pool.get()?;
        self.pool.block_on(async {
            client
                .execute(
                    "INSERT INTO environments (id, name, created_at_ns) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                    &[&ids::environment_id(), &name, &to_nanos(now())],
                )
                .await?;
            let row = client
                .query_one(
                    "SELECT id, name FROM environments WHERE lower(name) = lower($1)",
                    &[&name],
                )
                .await?;
            Ok(Environment {
                id: row.get(0),
                name: row.get(1),
            })
        })
    }

    /// The values sealed, as the three arrays the `unnest` statements take.
    #[allow(clippy::type_complexity)]
    fn sealed_columns<'a>(
        &self,
        integration_id: &str,
        values: &'a BTreeMap<String, ConfigValue>,
    ) -> Result<(Vec<&'a str>, Vec<bool>, Vec<Vec<u8>>)> {
        let mut keys = Vec::with_capacity(values.len());
        let mut linked = Vec::with_capacity(values.len());
        let mut sealed = Vec::with_capacity(values.len());
        for (key, value) in values {
            let (is_linked, bytes) = seal_value(&self.cipher, integration_id, key, value)?;
            keys.push(key.as_str());
            linked.push(is_linked);
            sealed.push(bytes);
        }
        Ok((keys, linked, sealed))
    }

    /// Writes `values` in one statement (one round trip however many keys).
    async fn write_values(
        &self,
        tx: &Transaction<'_>,
        integration_id: &str,
        values: &BTreeMap<String, ConfigValue>,
        at: i64,
    ) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let (keys, linked, sealed) = self.sealed_columns(integration_id, values)?;
        tx.execute(
            "INSERT INTO config_values (integration_id, key, linked, sealed, updated_at_ns)
             SELECT $1, key, linked, sealed, $5
             FROM unnest($2::text[], $3::bool[], $4::bytea[]) AS v(key, linked, sealed)
             ON CONFLICT (integration_id, key) DO UPDATE SET
               linked = excluded.linked, sealed = excluded.sealed,
               updated_at_ns = excluded.updated_at_ns",
            &[&integration_id, &keys, &linked, &sealed, &at],
        )
        .await?;
        Ok(())
    }

    /// The size limits over the saved keys (sealed lengths) plus `changes`, inside `tx`.
    async fn check_limits(
        tx: &Transaction<'_>,
        integration_id: &str,
        changes: &BTreeMap<String, ConfigValue>,
    ) -> Result<(), StoreError> {
        let rows = tx
            .query(
                "SELECT key, octet_length(sealed) FROM config_values WHERE integration_id = $1",
                &[&integration_id],
            )
            .await?;
        let saved: BTreeMap<String, usize> = rows
            .iter()
            .map(|row| {
                let sealed: i32 = row.get(1);
                let size = usize::try_from(sealed)
                    .unwrap_or(0)
                    .saturating_sub(limits::SEALING_OVERHEAD);
                (row.get(0), size)
            })
            .collect();
        limits::check_saved(&saved, changes)
    }

    pub fn insert_audited(
        &self,
        environment_id: &str,
        name: &str,
        kind: i32,
        config: &BTreeMap<String, ConfigValue>,
        audit: Option<&AuditEvent>,
    ) -> Result<IntegrationRecord, StoreError> {
        // A new integration has no saved keys: the request alone is checked.
        limits::check_saved(&BTreeMap::new(), config)?;
        let id = ids::integration_id();
        let at = to_nanos(now());
        let (keys, linked, sealed) = self.sealed_columns(&id, config)?;
        let event = audit.map(|event| event.for_source(Some(&id), Some(name)));
        let client = self.pool.get()?;
        // One statement, so one round trip and one implicit transaction: the integration, its
        // values and its audit record commit together or not at all.
        let inserted = match &event {
            Some(event) => self.pool.block_on(client.execute(
                &format!(
                    "{INSERT_WITH_VALUES}
                     INSERT INTO audit_log (at_ns, environment_id, agent, endpoint, description,
                         source_id, source_name, keys, code, peer)
                     SELECT $9, $10, $11, $12, $13, $14, $15, $16, $17, $18 FROM created"
                ),
                &[
                    &id,
                    &environment_id,
                    &name,
                    &kind,
                    &at,
                    &keys,
                    &linked,
                    &sealed,
                    &nanos(SystemTime::now()),
                    &event.environment_id,
                    &event.agent,
                    &event.endpoint,
                    &event.description,
                    &event.source_id,
                    &event.source_name,
                    &event.keys.join("\n"),
                    &(Code::Ok as i32),
                    &event.peer,
                ],
            )),
            None => self.pool.block_on(client.execute(
                &format!("{INSERT_WITH_VALUES} SELECT 1 FROM created"),
                &[
                    &id,
                    &environment_id,
                    &name,
                    &kind,
                    &at,
                    &keys,
                    &linked,
                    &sealed,
                ],
            )),
        };
        match inserted {
            Err(error) if is_unique_violation(&error) => {
                return Err(StoreError::NameTaken(name.to_string()));
            }
            other => other?,
        };
        Ok(inserted_record(id, environment_id, name, kind, config, at))
    }

    pub fn update_audited(
        &self,
        environment_id: &str,
        id: &str,
        new_name: Option<&str>,
        changes: &BTreeMap<String, ConfigValue>,
        audit: Option<&AuditEvent>,
    ) -> Result<IntegrationRecord, StoreError> {
        let mut client = self.pool.get()?;
        let at = to_nanos(now());
        self.pool.block_on(async {
            let tx = client.transaction().await?;
            // The UPDATE locks the row first, so two updates of one integration check the
            // limits one after the other.
            let touched = match new_name {
                Some(name) => {
                    tx.execute(
                        "UPDATE integrations SET name = $1, updated_at_ns = $2
                         WHERE id = $3 AND environment_id = $4",
                        &[&name, &at, &id, &environment_id],
                    )
                    .await
                }
                None => {
                    tx.execute(
                        "UPDATE integrations SET updated_at_ns = $1
                         WHERE id = $2 AND environment_id = $3",
                        &[&at, &id, &environment_id],
                    )
                    .await
                }
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
            Self::check_limits(&tx, id, changes).await?;
            self.write_values(&tx, id, changes, at).await?;
            if let Some(event) = audit {
                let row = tx
                    .query_one("SELECT name FROM integrations WHERE id = $1", &[&id])
                    .await?;
                let name: String = row.get(0);
                record_in(&tx, &event.for_source(Some(id), Some(&name)), Code::Ok).await?;
            }
            tx.commit().await?;
            Ok(())
        })?;
        drop(client);
        self.get(environment_id, id)?
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    pub fn delete_audited(
        &self,
        environment_id: &str,
        id: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<bool> {
        let mut client = self.pool.get()?;
        self.pool.block_on(async {
            let tx = client.transaction().await?;
            let removed = tx
                .query_opt(
                    "DELETE FROM integrations WHERE id = $1 AND environment_id = $2 RETURNING name",
                    &[&id, &environment_id],
                )
                .await?;
            if let (Some(event), Some(row)) = (audit, &removed) {
                let name: String = row.get(0);
                record_in(&tx, &event.for_source(Some(id), Some(&name)), Code::Ok).await?;
            }
            tx.commit().await?;
            Ok(removed.is_some())
        })
    }
}
