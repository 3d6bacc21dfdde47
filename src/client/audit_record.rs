//! How an audit record reads to a person: who did it, what they did to which source, which keys,
//! and how it went. The CLI's `audit` and the console's history overlay both print records, so
//! they read them here, once. Records hold key names only, so nothing here can show a value.

use crate::proto::AuditLog;
use crate::proto::chalk::auth::v1::agent;

/// A string field of the record's request (`name`, `integration_id`).
pub fn text_field(log: &AuditLog, field: &str) -> Option<String> {
    match log.request.get(field)?.kind.as_ref()? {
        prost_types::value::Kind::StringValue(text) => Some(text.clone()),
        _ => None,
    }
}

/// The key names the record says were touched.
pub fn keys(log: &AuditLog) -> Vec<String> {
    match log.request.get("keys").and_then(|v| v.kind.as_ref()) {
        Some(prost_types::value::Kind::ListValue(list)) => list
            .values
            .iter()
            .filter_map(|value| match &value.kind {
                Some(prost_types::value::Kind::StringValue(key)) => Some(key.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The client id of the record's agent (`-` when the server names none).
pub fn who(log: &AuditLog) -> String {
    match log.agent.as_ref().and_then(|a| a.agent.as_ref()) {
        Some(agent::Agent::UserAgent(user)) => user.client_id.clone(),
        Some(agent::Agent::ServiceTokenAgent(token)) => token.client_id.clone(),
        _ => "-".into(),
    }
}

/// The method's name (the last part of its path).
pub fn method(log: &AuditLog) -> &str {
    log.endpoint.rsplit('/').next().unwrap_or(&log.endpoint)
}

/// What happened: Chalk's description when there is one, else the method.
pub fn action(log: &AuditLog) -> String {
    log.description
        .clone()
        .unwrap_or_else(|| method(log).to_string())
}

/// What happened, then to which source (by name, else by id).
pub fn what(log: &AuditLog) -> String {
    let action = action(log);
    match (text_field(log, "name"), text_field(log, "integration_id")) {
        (Some(name), _) => format!("{action} {name}"),
        (None, Some(id)) => format!("{action} {id}"),
        (None, None) => action,
    }
}

/// `ok`, or the gRPC code the call ended with.
pub fn outcome(log: &AuditLog) -> String {
    match log.code {
        Some(0) | None => "ok".into(),
        Some(code) => format!("{:?}", tonic::Code::from_i32(code)),
    }
}

/// Whether `log` is about the source or secret called `name` (or with that id).
pub fn is_about(log: &AuditLog, name: &str) -> bool {
    let secret_call = log.endpoint.contains("EnvironmentSecretsService/");
    text_field(log, "name").is_some_and(|n| n.eq_ignore_ascii_case(name))
        || text_field(log, "integration_id").is_some_and(|id| id == name)
        || (secret_call && keys(log).iter().any(|key| key == name))
}
