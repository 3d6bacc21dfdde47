//! `migrate-store` on the SQLite backend: every row in one read transaction, and the rows of
//! another store written in one transaction with their ids and sealed bytes unchanged.

use anyhow::Result;
use rusqlite::{TransactionBehavior, params};

use super::sqlite::SqliteStore;
use super::transfer::{AuditRow, StoreRows};

impl SqliteStore {
    pub fn rows(&self) -> Result<StoreRows> {
        let mut connection = self.connection()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let environments = tx
            .prepare("SELECT id, name, created_at_ns FROM environments ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let integrations = tx
            .prepare(
                "SELECT id, environment_id, name, kind, created_at_ns, updated_at_ns
                 FROM integrations ORDER BY id",
            )?
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let values = tx
            .prepare(
                "SELECT integration_id, key, linked, sealed, updated_at_ns FROM config_values
                 ORDER BY integration_id, key",
            )?
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let secrets = tx
            .prepare(
                "SELECT environment_id, name, sealed, updated_at_ns FROM local_secrets
                 ORDER BY environment_id, name",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let audit = tx
            .prepare(
                "SELECT seq, at_ns, environment_id, agent, endpoint, description, source_id,
                        source_name, keys, code, peer FROM audit_log ORDER BY seq",
            )?
            .query_map([], |r| {
                Ok(AuditRow {
                    seq: r.get(0)?,
                    at_ns: r.get(1)?,
                    environment_id: r.get(2)?,
                    agent: r.get(3)?,
                    endpoint: r.get(4)?,
                    description: r.get(5)?,
                    source_id: r.get(6)?,
                    source_name: r.get(7)?,
                    keys: r.get(8)?,
                    code: r.get(9)?,
                    peer: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        tx.commit()?;
        Ok(StoreRows {
            environments,
            integrations,
            values,
            secrets,
            audit,
        })
    }

    pub fn load_rows(&self, rows: &StoreRows) -> Result<()> {
        let mut connection = self.connection()?;
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (id, name, created) in &rows.environments {
            tx.execute(
                "INSERT INTO environments (id, name, created_at_ns) VALUES (?1, ?2, ?3)",
                params![id, name, created],
            )?;
        }
        for (id, environment_id, name, kind, created, updated) in &rows.integrations {
            tx.execute(
                "INSERT INTO integrations (id, environment_id, name, kind, created_at_ns,
                     updated_at_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, environment_id, name, kind, created, updated],
            )?;
        }
        for (integration_id, key, linked, sealed, updated) in &rows.values {
            tx.execute(
                "INSERT INTO config_values (integration_id, key, linked, sealed, updated_at_ns)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![integration_id, key, linked, sealed, updated],
            )?;
        }
        for (environment_id, name, sealed, updated) in &rows.secrets {
            tx.execute(
                "INSERT INTO local_secrets (environment_id, name, sealed, updated_at_ns)
                 VALUES (?1, ?2, ?3, ?4)",
                params![environment_id, name, sealed, updated],
            )?;
        }
        for row in &rows.audit {
            tx.execute(
                "INSERT INTO audit_log (seq, at_ns, environment_id, agent, endpoint, description,
                     source_id, source_name, keys, code, peer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    row.seq,
                    row.at_ns,
                    row.environment_id,
                    row.agent,
                    row.endpoint,
                    row.description,
                    row.source_id,
                    row.source_name,
                    row.keys,
                    row.code,
                    row.peer
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
