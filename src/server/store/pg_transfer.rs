//! `migrate-store` on the PostgreSQL backend: every row in one repeatable-read snapshot, and the
//! rows of another store written in one transaction with their ids and sealed bytes unchanged
//! (the audit sequence moved past the copied records).

use anyhow::Result;
use tokio_postgres::IsolationLevel;

use super::postgres::PgStore;
use super::transfer::{AuditRow, StoreRows};

impl PgStore {
    pub fn rows(&self) -> Result<StoreRows> {
        let mut client = self.pool.get()?;
        self.pool.block_on(async {
            let tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let environments = tx
                .query(
                    "SELECT id, name, created_at_ns FROM environments ORDER BY id",
                    &[],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
            let integrations = tx
                .query(
                    "SELECT id, environment_id, name, kind, created_at_ns, updated_at_ns
                     FROM integrations ORDER BY id",
                    &[],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
                .collect();
            let values = tx
                .query(
                    "SELECT integration_id, key, linked, sealed, updated_at_ns FROM config_values
                     ORDER BY integration_id, key",
                    &[],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
                .collect();
            let secrets = tx
                .query(
                    "SELECT environment_id, name, sealed, updated_at_ns FROM local_secrets
                     ORDER BY environment_id, name",
                    &[],
                )
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
                .collect();
            let audit = tx
                .query(
                    "SELECT seq, at_ns, environment_id, agent, endpoint, description, source_id,
                            source_name, keys, code, peer FROM audit_log ORDER BY seq",
                    &[],
                )
                .await?
                .iter()
                .map(|r| AuditRow {
                    seq: r.get(0),
                    at_ns: r.get(1),
                    environment_id: r.get(2),
                    agent: r.get(3),
                    endpoint: r.get(4),
                    description: r.get(5),
                    source_id: r.get(6),
                    source_name: r.get(7),
                    keys: r.get(8),
                    code: r.get(9),
                    peer: r.get(10),
                })
                .collect();
            tx.commit().await?;
            Ok(StoreRows {
                environments,
                integrations,
                values,
                secrets,
                audit,
            })
        })
    }

    pub fn load_rows(&self, rows: &StoreRows) -> Result<()> {
        let mut client = self.pool.get()?;
        self.pool.block_on(async {
            let tx = client.transaction().await?;
            for (id, name, created) in &rows.environments {
                tx.execute(
                    "INSERT INTO environments (id, name, created_at_ns) VALUES ($1, $2, $3)",
                    &[id, name, created],
                )
                .await?;
            }
            for (id, environment_id, name, kind, created, updated) in &rows.integrations {
                tx.execute(
                    "INSERT INTO integrations (id, environment_id, name, kind, created_at_ns,
                         updated_at_ns) VALUES ($1, $2, $3, $4, $5, $6)",
                    &[id, environment_id, name, kind, created, updated],
                )
                .await?;
            }
            for (integration_id, key, linked, sealed, updated) in &rows.values {
                tx.execute(
                    "INSERT INTO config_values (integration_id, key, linked, sealed, updated_at_ns)
                     VALUES ($1, $2, $3, $4, $5)",
                    &[integration_id, key, linked, sealed, updated],
                )
                .await?;
            }
            for (environment_id, name, sealed, updated) in &rows.secrets {
                tx.execute(
                    "INSERT INTO local_secrets (environment_id, name, sealed, updated_at_ns)
                     VALUES ($1, $2, $3, $4)",
                    &[environment_id, name, sealed, updated],
                )
                .await?;
            }
            for row in &rows.audit {
                tx.execute(
                    "INSERT INTO audit_log (seq, at_ns, environment_id, agent, endpoint,
                         description, source_id, source_name, keys, code, peer)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    &[
                        &row.seq,
                        &row.at_ns,
                        &row.environment_id,
                        &row.agent,
                        &row.endpoint,
                        &row.description,
                        &row.source_id,
                        &row.source_name,
                        &row.keys,
                        &row.code,
                        &row.peer,
                    ],
                )
                .await?;
            }
            if !rows.audit.is_empty() {
                tx.execute(
                    "SELECT setval(pg_get_serial_sequence('audit_log', 'seq'), (SELECT max(seq) FROM audit_log))",
                    &[],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
