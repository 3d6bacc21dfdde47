//! The local secret store on the PostgreSQL backend: named secrets per environment, sealed
//! with the store key, each write one transaction with its audit record.

use std::time::SystemTime;

use anyhow::Result;
use tonic::Code;

use super::pg_audit::record_in;
use super::postgres::PgStore;
use super::records::{from_nanos, now, secret_context, to_nanos};
use crate::domain::Secret;
use crate::server::audit::AuditEvent;

impl PgStore {
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
        let mut client = self.pool.get()?;
        self.pool.block_on(async {
            let tx = client.transaction().await?;
            tx.execute(
                "INSERT INTO local_secrets (environment_id, name, sealed, updated_at_ns)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (environment_id, name) DO UPDATE SET
                   sealed = excluded.sealed, updated_at_ns = excluded.updated_at_ns",
                &[&environment_id, &name, &sealed, &to_nanos(now())],
            )
            .await?;
            if let Some(event) = audit {
                record_in(&tx, event, Code::Ok).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub fn local_secret(&self, environment_id: &str, name: &str) -> Result<Option<Secret>> {
        let client = self.pool.get()?;
        let row = self.pool.block_on(client.query_opt(
            "SELECT sealed FROM local_secrets WHERE environment_id = $1 AND name = $2",
            &[&environment_id, &name],
        ))?;
        row.map(|row| {
            self.cipher
                .open(&secret_context(environment_id, name), row.get(0))
        })
        .transpose()
    }

    pub fn local_secret_names(&self, environment_id: &str) -> Result<Vec<(String, SystemTime)>> {
        let client = self.pool.get()?;
        let rows = self.pool.block_on(client.query(
            "SELECT name, updated_at_ns FROM local_secrets WHERE environment_id = $1
             ORDER BY name",
            &[&environment_id],
        ))?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), from_nanos(row.get(1))))
            .collect())
    }

    pub fn delete_local_secret_audited(
        &self,
        environment_id: &str,
        name: &str,
        audit: Option<&AuditEvent>,
    ) -> Result<bool> {
        let mut client = self.pool.get()?;
        self.pool.block_on(async {
            let tx = client.transaction().await?;
            let removed = tx
                .execute(
                    "DELETE FROM local_secrets WHERE environment_id = $1 AND name = $2",
                    &[&environment_id, &name],
                )
                .await?;
            if let (Some(event), true) = (audit, removed > 0) {
                record_in(&tx, event, Code::Ok).await?;
            }
            tx.commit().await?;
            Ok(removed > 0)
        })
    }
}
