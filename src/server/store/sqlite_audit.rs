//! The audit trail's queries on the SQLite backend: a record in a transaction of its own, pruning,
//! and the filtered, paged reads GetAuditLogs answers from.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;
use rusqlite::params;
use tonic::Code;

use super::sqlite::SqliteStore;
use crate::server::audit::{AuditEvent, AuditQuery, AuditRecord, nanos, record_in};

impl SqliteStore {
    /// Records `event` in a transaction of its own (a failed attempt, a reveal).
    pub fn record_audit(&self, event: &AuditEvent, code: Code) -> Result<()> {
        let mut connection = self.connection()?;
        let tx = connection.transaction()?;
        record_in(&tx, event, code)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes the records older than `keep`; answers how many.
    pub fn prune_audit(&self, keep: Duration) -> Result<usize> {
        let cutoff = nanos(SystemTime::now().checked_sub(keep).unwrap_or(UNIX_EPOCH));
        let connection = self.connection()?;
        Ok(connection.execute("DELETE FROM audit_log WHERE at_ns < ?1", params![cutoff])?)
    }

    /// The records matching `query`, newest first.
    pub fn audit_records(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut sql = String::from(
            "SELECT seq, at_ns, agent, endpoint, description, source_id, source_name, keys, code,
                    peer FROM audit_log WHERE environment_id = ?",
        );
        let mut args: Vec<rusqlite::types::Value> = vec![query.environment_id.clone().into()];
        if let Some(from) = query.from_ns {
            sql.push_str(" AND at_ns >= ?");
            args.push(from.into());
        }
        if let Some(until) = query.until_ns {
            sql.push_str(" AND at_ns < ?");
            args.push(until.into());
        }
        if let Some(before) = query.before_seq {
            sql.push_str(" AND seq < ?");
            args.push(before.into());
        }
        if let Some(agent) = &query.agent {
            sql.push_str(" AND agent = ?");
            args.push(agent.clone().into());
        }
        if !query.endpoints.is_empty() {
            sql.push_str(" AND endpoint IN (");
            sql.push_str(&vec!["?"; query.endpoints.len()].join(", "));
            sql.push(')');
            args.extend(query.endpoints.iter().cloned().map(Into::into));
        }
        match (query.ok, query.errors) {
            (true, false) => sql.push_str(" AND code = 0"),
            (false, true) => sql.push_str(" AND code != 0"),
            _ => {}
        }
        sql.push_str(" ORDER BY seq DESC LIMIT ?");
        args.push(i64::from(query.limit).into());
        let connection = self.connection()?;
        let mut statement = connection.prepare(&sql)?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(args), |row| {
                let keys: String = row.get(7)?;
                Ok(AuditRecord {
                    seq: row.get(0)?,
                    at_ns: row.get(1)?,
                    agent: row.get(2)?,
                    endpoint: row.get(3)?,
                    description: row.get(4)?,
                    source_id: row.get(5)?,
                    source_name: row.get(6)?,
                    keys: keys
                        .split('\n')
                        .filter(|k| !k.is_empty())
                        .map(str::to_string)
                        .collect(),
                    code: row.get(8)?,
                    peer: row.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
