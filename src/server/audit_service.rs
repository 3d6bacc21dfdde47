//! Chalk's AuditService on `serve`: GetAuditLogs answers the audit trail of the caller's
//! environment, newest first, filtered and paged as Chalk's clients ask (MONITORING_READ).

use std::collections::HashMap;
use std::sync::Arc;

use prost_types::{Timestamp, Value, value::Kind};
use tonic::{Request, Response, Status};

use crate::proto::audit_service_server::AuditService;
use crate::proto::chalk::auth::v1::Permission;
use crate::proto::{AuditLog, AuditLogOutcome, GetAuditLogsRequest, GetAuditLogsResponse};

use super::audit::{AuditQuery, AuditRecord};
use super::integrations::State;
use super::team::agent_of;

/// The most records one answer holds, and how many when the request names no limit.
pub const MAX_LIMIT: u32 = 1000;
pub const DEFAULT_LIMIT: u32 = 100;

/// The AuditService gRPC service.
pub struct AuditApi(pub Arc<State>);

fn to_nanos(time: &Timestamp) -> i64 {
    time.seconds
        .saturating_mul(1_000_000_000)
        .saturating_add(i64::from(time.nanos))
}

fn from_nanos(nanos: i64) -> Timestamp {
    Timestamp {
        seconds: nanos.div_euclid(1_000_000_000),
        nanos: i32::try_from(nanos.rem_euclid(1_000_000_000)).unwrap_or(0),
    }
}

/// The store query for `request` in `environment_id` (both forms of the time range narrow it).
pub fn query_of(environment_id: &str, request: &GetAuditLogsRequest) -> Result<AuditQuery, Status> {
    let lower = [
        &request.start_time,
        &request.timestamp_lower_bound_inclusive,
    ];
    let upper = [&request.end_time, &request.timestamp_upper_bound_exclusive];
    let before_seq = match request.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(cursor) => Some(
            cursor
                .parse::<i64>()
                .ok()
                .filter(|seq| *seq > 0)
                .ok_or_else(|| Status::invalid_argument("cursor: not a cursor this server gave"))?,
        ),
        None => None,
    };
    let limit = match request.limit {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) if n < 0 => return Err(Status::invalid_argument("limit: must not be negative")),
        Some(n) => u32::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
    };
    let outcomes = &request.outcome_filters;
    Ok(AuditQuery {
        environment_id: environment_id.to_string(),
        from_ns: lower.iter().filter_map(|t| t.as_ref()).map(to_nanos).max(),
        until_ns: upper.iter().filter_map(|t| t.as_ref()).map(to_nanos).min(),
        before_seq,
        agent: request.agent_id_filter.clone().filter(|a| !a.is_empty()),
        endpoints: request.endpoint_filter.clone(),
        ok: outcomes.contains(&(AuditLogOutcome::Ok as i32)),
        errors: outcomes.contains(&(AuditLogOutcome::Error as i32)),
        limit,
    })
}

fn text(value: &str) -> Value {
    Value {
        kind: Some(Kind::StringValue(value.to_string())),
    }
}

fn log_of(state: &State, record: AuditRecord) -> AuditLog {
    let mut request = HashMap::new();
    if let Some(id) = &record.source_id {
        request.insert("integration_id".to_string(), text(id));
    }
    if let Some(name) = &record.source_name {
        request.insert("name".to_string(), text(name));
    }
    if !record.keys.is_empty() {
        let keys = record.keys.iter().map(|k| text(k)).collect();
        let list = prost_types::ListValue { values: keys };
        request.insert(
            "keys".to_string(),
            Value {
                kind: Some(Kind::ListValue(list)),
            },
        );
    }
    let code = tonic::Code::from_i32(record.code);
    AuditLog {
        agent: Some(agent_of(&state.auth, &record.agent)),
        description: record.description,
        endpoint: record.endpoint,
        at: Some(from_nanos(record.at_ns)),
        trace_id: None,
        code: Some(record.code),
        request,
        response: HashMap::new(),
        ip: record.peer,
        error: (code != tonic::Code::Ok).then(|| format!("{code:?}")),
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn get_audit_logs(
        &self,
        request: Request<GetAuditLogsRequest>,
    ) -> Result<Response<GetAuditLogsResponse>, Status> {
        let caller = self
            .0
            .auth
            .authorize(&request, Permission::MonitoringRead)?;
        let mut query = query_of(&caller.environment.id, request.get_ref())?;
        let wanted = query.limit;
        // One more than asked tells whether another page follows.
        query.limit = wanted + 1;
        let store = self.0.store.clone();
        let mut records = tokio::task::spawn_blocking(move || store.audit_records(&query))
            .await
            .map_err(|_| Status::internal("store task failed"))?
            .map_err(|error| {
                tracing::error!("audit log read failed: {error:#}");
                Status::internal("the server's store failed; see the server log")
            })?;
        let more = records.len() > wanted as usize;
        records.truncate(wanted as usize);
        let next_cursor = more
            .then(|| records.last().map(|r| r.seq.to_string()))
            .flatten();
        Ok(Response::new(GetAuditLogsResponse {
            logs: records.into_iter().map(|r| log_of(&self.0, r)).collect(),
            next_cursor,
        }))
    }
}
