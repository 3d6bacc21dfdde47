//! The audit trail: who changed or revealed which source, when, from where, and how it ended.
//!
//! A successful change is recorded by [`record_in`] inside the transaction that makes it, so no
//! change is stored without its record; a refused attempt is recorded on its own with its gRPC
//! code. A record holds key names only, never a value, and no error text beyond the code's name.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use rusqlite::{Connection, params};
use tonic::{Code, Request, Status};

use super::auth::Authenticator;
use super::store::Store;

/// The schema migration that adds the audit table (applied through the store's migrations).
pub const AUDIT_MIGRATION: &str = "CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ns INTEGER NOT NULL,
        environment_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        description TEXT,
        source_id TEXT,
        source_name TEXT,
        keys TEXT NOT NULL,
        code INTEGER NOT NULL,
        peer TEXT
    );
    CREATE INDEX audit_log_by_environment ON audit_log (environment_id, seq);
    CREATE INDEX audit_log_by_time ON audit_log (at_ns);";

/// Method paths of the audited IntegrationsService methods.
pub const INSERT: &str = "/chalk.server.v1.IntegrationsService/InsertIntegration";
pub const UPDATE: &str = "/chalk.server.v1.IntegrationsService/UpdateIntegration";
pub const DELETE: &str = "/chalk.server.v1.IntegrationsService/DeleteIntegration";
pub const REVEAL: &str = "/chalk.server.v1.IntegrationsService/GetIntegrationValue";

/// Method paths of the audited EnvironmentSecretsService methods.
pub const SECRET_REVEAL: &str = "/chalk.server.v1.EnvironmentSecretsService/GetSecretValue";
pub const SECRET_UPSERT: &str = "/chalk.server.v1.EnvironmentSecretsService/UpsertSecret";
pub const SECRET_DELETE: &str = "/chalk.server.v1.EnvironmentSecretsService/DeleteSecret";

/// One audited call: who, where, which method and source, and the names of the keys involved.
#[derive(Debug, Clone, Default)]
pub struct AuditEvent {
    pub environment_id: String,
    /// The client id of the caller.
    pub agent: String,
    pub peer: Option<String>,
    /// The full method path.
    pub endpoint: &'static str,
    /// Chalk's description of the method, when it has one.
    pub description: Option<&'static str>,
    pub source_id: Option<String>,
    pub source_name: Option<String>,
    /// Key names only, never values.
    pub keys: Vec<String>,
}

impl AuditEvent {
    /// The event for `request`, or None when the caller is not authenticated or names no served
    /// environment (nothing to attribute the attempt to). Needs no permission, so a refused
    /// attempt is recorded too.
    pub fn start<T>(
        auth: &Authenticator,
        request: &Request<T>,
        endpoint: &'static str,
        description: Option<&'static str>,
    ) -> Option<Self> {
        let agent = auth.authenticated(request).ok()?;
        let wanted = request.metadata().get("x-chalk-env-id")?.to_str().ok()?;
        let environment = auth
            .environments()
            .iter()
            .find(|e| e.id == wanted || e.name.eq_ignore_ascii_case(wanted))?;
        Some(Self {
            environment_id: environment.id.clone(),
            agent,
            peer: request.remote_addr().map(|addr| addr.to_string()),
            endpoint,
            description,
            ..Default::default()
        })
    }

    /// The event naming its source (id and name, each when known).
    pub fn for_source(&self, id: Option<&str>, name: Option<&str>) -> Self {
        let mut event = self.clone();
        if let Some(id) = id {
            event.source_id = Some(id.to_string());
        }
        if let Some(name) = name {
            event.source_name = Some(name.to_string());
        }
        event
    }
}

pub(crate) fn nanos(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Records `event` with outcome `code` through `connection` — pass the open write transaction
/// (`&tx`) so the record commits or rolls back with the change. Used by the integrations and
/// secrets services.
pub fn record_in(connection: &Connection, event: &AuditEvent, code: Code) -> rusqlite::Result<()> {
    connection.execute(
        "INSERT INTO audit_log (at_ns, environment_id, agent, endpoint, description, source_id,
             source_name, keys, code, peer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            nanos(SystemTime::now()),
            event.environment_id,
            event.agent,
            event.endpoint,
            event.description,
            event.source_id,
            event.source_name,
            event.keys.join("\n"),
            code as i32,
            event.peer,
        ],
    )?;
    Ok(())
}

/// Records a failed attempt (in its own transaction); a record that cannot be written is logged.
pub async fn record_failure<T>(
    store: &std::sync::Arc<Store>,
    event: Option<AuditEvent>,
    result: &Result<T, Status>,
) {
    let (Some(event), Err(status)) = (event, result) else {
        return;
    };
    let code = status.code();
    let store = store.clone();
    let written = tokio::task::spawn_blocking(move || store.record_audit(&event, code)).await;
    if !matches!(written, Ok(Ok(()))) {
        tracing::warn!("could not record a failed attempt in the audit log");
    }
}

/// What GetAuditLogs asks for, in one environment.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub environment_id: String,
    pub from_ns: Option<i64>,
    pub until_ns: Option<i64>,
    /// Paging: only records older than this sequence number.
    pub before_seq: Option<i64>,
    pub agent: Option<String>,
    pub endpoints: Vec<String>,
    pub ok: bool,
    pub errors: bool,
    pub limit: u32,
}

/// One stored record.
#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub seq: i64,
    pub at_ns: i64,
    pub agent: String,
    pub endpoint: String,
    pub description: Option<String>,
    pub source_id: Option<String>,
    pub source_name: Option<String>,
    pub keys: Vec<String>,
    pub code: i32,
    pub peer: Option<String>,
}
