//! The audit trail on the PostgreSQL backend: a record written in the change's own transaction,
//! a record in a transaction of its own, pruning, and the filtered, paged reads of GetAuditLogs
//! (the same filters as SQLite's, with numbered parameters).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use tokio_postgres::GenericClient;
use tokio_postgres::types::ToSql;
use tonic::Code;

use super::postgres::PgStore;
use crate::server::audit::{AuditEvent, AuditQuery, AuditRecord, nanos};

/// Records `event` with outcome `code` through `client` — pass the open write transaction so
/// the record commits or rolls back with the change.
pub async fn record_in(
    client: &impl GenericClient,
    event: &AuditEvent,
    code: Code,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            "INSERT INTO audit_log (at_ns, environment_id, agent, endpoint, description, source_id,
                 source_name, keys, code, peer)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &nanos(SystemTime::now()),
                &event.environment_id,
                &event.agent,
                &event.endpoint,
                &event.description,
                &event.source_id,
                &event.source_name,
                &event.keys.join("\n"),
                &(code as i32),
                &event.peer,
            ],
        )
        .await?;
    Ok(())
}

impl PgStore {
    /// Records `event` in a transaction of its own (a failed attempt, a reveal).
    pub fn record_audit(&self, event: &AuditEvent, code: Code) -> Result<()> {
        let client = self.pool.get()?;
        self.pool.block_on(record_in(&*client, event, code))?;
        Ok(())
    }

    /// Deletes the records older than `keep`; answers how many.
    pub fn prune_audit(&self, keep: Duration) -> Result<usize> {
        let cutoff = nanos(SystemTime::now().checked_sub(keep).unwrap_or(UNIX_EPOCH));
        let client = self.pool.get()?;
        let pruned = self
            .pool
            .block_on(client.execute("DELETE FROM audit_log WHERE at_ns < $1", &[&cutoff]))?;
        Ok(usize::try_from(pruned).unwrap_or(usize::MAX))
    }

    /// The records matching `query`, newest first.
    pub fn audit_records(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut sql = String::from(
            "SELECT seq, at_ns, agent, endpoint, description, source_id, source_name, keys, code,
                    peer FROM audit_log WHERE environment_id = $1",
        );
        let mut args: Vec<Box<dyn ToSql + Sync + Send>> =
            vec![Box::new(query.environment_id.clone())];
        let mut filter =
            |sql: &mut String, condition: &str, value: Box<dyn ToSql + Sync + Send>| {
                args.push(value);
                sql.push_str(&condition.replace('?', &format!("${}", args.len())));
            };
        if let Some(from) = query.from_ns {
            filter(&mut sql, " AND at_ns >= ?", Box::new(from));
        }
        if let Some(until) = query.until_ns {
            filter(&mut sql, " AND at_ns < ?", Box::new(until));
        }
        if let Some(before) = query.before_seq {
            filter(&mut sql, " AND seq < ?", Box::new(before));
        }
        if let Some(agent) = &query.agent {
            filter(&mut sql, " AND agent = ?", Box::new(agent.clone()));
        }
        if !query.endpoints.is_empty() {
            filter(
                &mut sql,
                " AND endpoint = ANY(?)",
                Box::new(query.endpoints.clone()),
            );
        }
        match (query.ok, query.errors) {
            (true, false) => sql.push_str(" AND code = 0"),
            (false, true) => sql.push_str(" AND code != 0"),
            _ => {}
        }
        filter(
            &mut sql,
            " ORDER BY seq DESC LIMIT ?",
            Box::new(i64::from(query.limit)),
        );
        let params: Vec<&(dyn ToSql + Sync)> = args
            .iter()
            .map(|arg| arg.as_ref() as &(dyn ToSql + Sync))
            .collect();
        let client = self.pool.get()?;
        let rows = self.pool.block_on(client.query(&sql, &params))?;
        Ok(rows
            .iter()
            .map(|row| {
                let keys: String = row.get(7);
                AuditRecord {
                    seq: row.get(0),
                    at_ns: row.get(1),
                    agent: row.get(2),
                    endpoint: row.get(3),
                    description: row.get(4),
                    source_id: row.get(5),
                    source_name: row.get(6),
                    keys: keys
                        .split('\n')
                        .filter(|k| !k.is_empty())
                        .map(str::to_string)
                        .collect(),
                    code: row.get(8),
                    peer: row.get(9),
                }
            })
            .collect())
    }
}
